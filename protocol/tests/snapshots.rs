//! Snapshots of the parsed form of every example wire message the spec prints, and of the
//! `check` output for one invalid message per rule.
//!
//! Update with `INSTA_UPDATE=always cargo test -p allinpay-protocol --test snapshots`, then
//! read every changed `.snap` against the spec before committing it.

use allinpay_protocol::any::{self, Received};
use allinpay_protocol::check::{check, Clock};
use allinpay_protocol::codec::{self, Mode};
use allinpay_protocol::msgs::*;
use allinpay_protocol::{Charset, Message, MessageKind};
use base64::Engine as _;
use insta::{assert_json_snapshot, assert_snapshot};
use serde_json::json;

/// Parses `wire` as `kind` in lenient mode (the spec's examples need it).
fn received(kind: MessageKind, wire: &[u8]) -> Received {
    any::parse(kind, wire, Mode::Lenient)
        .unwrap_or_else(|e| panic!("{} example does not parse: {e}", kind.name()))
}

/// What a snapshot of a parsed example records.
fn parsed(kind: MessageKind, wire: &[u8]) -> serde_json::Value {
    let r = received(kind, wire);
    json!({
        "kind": kind.name(),
        "message": r.message,
        "unknown": r.unknown,
        "deviations": r.deviations,
    })
}

// ---------------------------------------------------------------------------------------
// The spec's examples.

#[test]
fn spec_2_1_pay_data() {
    // §2.1 不需要回显卡号, receiveUrl without the PDF's line-break space (ERRATA E-2.1-URL).
    let wire = r#"{ "inputCharset": "1", "receiveUrl": "http://www", "version": "v1.0", "signType": "1", "merchantId": "100020091218001",
  "orderNo": "NOM20141125141040856", "orderAmount": "1", "orderDatetime": "20141125141040", "productName":
  "笔记本电脑", "payType": "0", "signMsg": "4F521B6E630C4806A2D7388A014C1123" }"#;
    assert_json_snapshot!(parsed(MessageKind::PayRequest, wire.as_bytes()));
}

const RQ_ONE: &str = "v2.4|1|100020091218010|100000024215|2000|20140926164925|20140926001|TKSUCC0002|20141010191509\r\nv5qbpvp990c0AUH2c+bGZ+kIGieeBoPvYSYckane5U7MhsewZhm1vfNB3\r\npuHVVHwhV7eGWRJW8ubUh4pvc1gwydMxLu3zQQF9Tc2BUUB5Mr/lSqV\r\no5IONCbAqUwq902zxApp2ODOmFa74mH3JMj5lOOzJ1HF2SReUcKjd4f\r\nVaoNZY=";

#[test]
fn spec_3_8_one_record() {
    // §3.8 返回一条数据的例子, the signature folded as printed.
    assert_json_snapshot!(parsed(MessageKind::RefundQueryResponse, RQ_ONE.as_bytes()));
}

#[test]
fn spec_3_8_multi_record() {
    // §3.8 返回多条数据的例子.
    let wire = "v2.4|1|100020091218001|NO20150115093032|1|20150115093027|123|TKSUCC0002|20150115092309\r\nv2.4|1|100020091218001|NO20150115093032|1|20150115093102|1234|TKSUCC0002|20150115092309\r\nRK/FcBQhhM0/GkjKFYkgxVLZwM8nFfM715UVVmcNgTiF7ZNAkhcM4PB\r\nvKO2di4vN3PsUwMYykjkfqA6x0GYgMK5TFv8bLu4NrvMMvoJdYkqsZPZz\r\n1bt11E0KtdXIxdb+GCQ4F2rtgUgWZfuyk8O+ga8kp1OX/AiigqNrcFuXf9w\r\n=";
    let r = received(MessageKind::RefundQueryResponse, wire.as_bytes());
    // 注释 2: the signed text ends with the second record.
    let signed = String::from_utf8(r.signed_text.clone().unwrap_or_default()).unwrap_or_default();
    assert!(
        signed.ends_with("|1234|TKSUCC0002|20150115092309\r\n"),
        "{signed:?}"
    );
    assert_json_snapshot!(parsed(MessageKind::RefundQueryResponse, wire.as_bytes()));
}

#[test]
fn spec_3_8_md5_one_line() {
    // §3.8 signType 0, record and signature printed on one line (ERRATA E-3.8-ONELINE).
    let wire = "v2.4|0|100020091218001|NO20141128151700|1|20141128031757|2014|TKSUCC0002|20141128151433 B93C478F65CBB562122D367B262FC305";
    let r = received(MessageKind::RefundQueryResponse, wire.as_bytes());
    let key = allinpay_protocol::MerchantKey::new("1234567890").expect("a test key");
    let creds = allinpay_protocol::sign::Credentials {
        key: Some(&key),
        cert: None,
        expected_sign_type: None,
    };
    assert_eq!(
        r.verify(creds, Charset::Utf8),
        Ok(()),
        "the printed MD5 reproduces"
    );
    assert_json_snapshot!(parsed(MessageKind::RefundQueryResponse, wire.as_bytes()));
}

#[test]
fn spec_3_8_cert() {
    // §3.8 signType 1, the signature folded as printed.
    let wire = "v2.4|1|100020091218001|NO20141128151700|1|20141128031757|2014|TKSUCC0002|20141128152730\r\nDQqfer2bKFcoQu01YiilfLNPV7WPIK+vDtRUeEg2kdcrlkhZcuF4b8PHAD\r\n+2JSqMrUhIYXg/alnFW/bdD+i6Gn0p3x2kpx26K3iVWowVxmrEhNn/uV3\r\nd08g09W6/UAXpqwoN+bEZtjLJb7sM4rosIY/mEYPoS9A7IUCkk15GZo=";
    assert_json_snapshot!(parsed(MessageKind::RefundQueryResponse, wire.as_bytes()));
}

#[test]
fn spec_3_4_batch() {
    // §3.4 成功响应报文示例: the decoded text, base64-encoded as the gateway sends it.
    let text = "100020091218001|1|1|N\r\n100020091218001|20130108100811000|NO20130108020644452|201301080000000|100|2013-01-08|100|||1\r\n\r\nKjZSXMf1nH6Q/wD22xI59ImN8Wzix15UcqA18pZeaWp7vQevMOA4UXTTX/mbqDAiTSEIwp3hQ8bVZnAoXi4TRseAUu6hTrdqpLTAO/E8+A/7OTCww0ifixPkD654RkTYQSiEZndW4Tx1I5xcGsxBRAJuEm8KrhCemZcAB8JlqRo=";
    let wire = base64::engine::general_purpose::STANDARD.encode(text);
    assert_json_snapshot!(parsed(MessageKind::BatchQueryResponse, wire.as_bytes()));
}

#[test]
fn spec_3_8_error_response() {
    // §3.8 退款查询失败返回 (a space after '&').
    let wire = "ERRORCODE=001& ERRORMSG=商户号不能为空";
    assert_json_snapshot!(parsed(MessageKind::ErrorResponse, wire.as_bytes()));
}

#[test]
fn spec_3_4_error_response() {
    // §3.4 异常响应报文 (the template, quotes included).
    let wire = r#"ERRORCODE=错误编码&ERRORMSG="错误信息""#;
    assert_json_snapshot!(parsed(MessageKind::ErrorResponse, wire.as_bytes()));
}

#[test]
fn capture_pay_notify() {
    // vectors/capture_pay_notify.json tcId 1: a notification from a public integration.
    let file: serde_json::Value =
        serde_json::from_str(include_str!("../../vectors/capture_pay_notify.json"))
            .expect("vector file is JSON");
    let wire = file["testGroups"][0]["tests"][0]["wire"]
        .as_str()
        .expect("tcId 1 has a wire");
    assert_json_snapshot!(parsed(MessageKind::PayNotify, wire.as_bytes()));
}

// ---------------------------------------------------------------------------------------
// `check` output, one invalid message per rule. Each snapshot holds the wire, a line
// `--`, then one line per violation.

const NOW: &str = "20261126120000";
const SIG: &str = "0C8908E3003A7CE6A973EEE30CA53BA5";

fn violations(kind: MessageKind, wire: &str) -> String {
    let r = any::parse(kind, wire.as_bytes(), Mode::Strict)
        .unwrap_or_else(|e| panic!("{wire:?} does not parse: {e}"));
    let clock = Clock::fixed(NOW).expect("a valid clock");
    let lines: Vec<String> = check(&r, &clock, Mode::Strict)
        .iter()
        .map(ToString::to_string)
        .collect();
    format!("{}: {wire}\n--\n{}", kind.name(), lines.join("\n"))
}

/// Builds a message from `(name, value)` pairs, replacing or (with `None`) removing the
/// named fields of `base`.
fn with<M: Message>(base: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> M {
    let mut m = M::default();
    for (name, value) in base {
        *m.slot(name).unwrap_or_else(|| panic!("no field {name}")) = Some((*value).to_owned());
    }
    for (name, value) in changes {
        *m.slot(name).unwrap_or_else(|| panic!("no field {name}")) = value.map(str::to_owned);
    }
    m
}

fn form<M: Message>(base: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> String {
    codec::form::render(&with::<M>(base, changes))
}

const ORDER_QUERY: &[(&str, &str)] = &[
    ("merchantId", "100020091218001"),
    ("version", "v1.5"),
    ("signType", "0"),
    ("orderNo", "NO20261126115000"),
    ("orderDatetime", "20261126115000"),
    ("queryDatetime", "20261126120500"),
    ("signMsg", SIG),
];

const BATCH_QUERY: &[(&str, &str)] = &[
    ("version", "v1.6"),
    ("merchantId", "100020091218001"),
    ("beginDateTime", "2026112600"),
    ("endDateTime", "2026112623"),
    ("pageNo", "1"),
    ("signType", "1"),
    ("signMsg", SIG),
];

const REFUND: &[(&str, &str)] = &[
    ("version", "v2.3"),
    ("signType", "0"),
    ("merchantId", "100020091218001"),
    ("orderNo", "NO20261126115000"),
    ("refundAmount", "100"),
    ("orderDatetime", "20261126115000"),
    ("signMsg", SIG),
];

const REFUND_RESPONSE: &[(&str, &str)] = &[
    ("merchantId", "100020091218001"),
    ("version", "v2.3"),
    ("signType", "0"),
    ("orderNo", "NO20261126115000"),
    ("orderAmount", "1000"),
    ("orderDatetime", "20261126115000"),
    ("refundAmount", "1000"),
    ("refundDatetime", "20261126115500"),
    ("refundResult", "20"),
    ("returnDatetime", "20261126115501"),
    ("signMsg", SIG),
];

const REFUND_QUERY: &[(&str, &str)] = &[
    ("version", "v2.4"),
    ("signType", "0"),
    ("merchantId", "100020091218001"),
    ("orderNo", "NO20261126115000"),
    ("refundAmount", "100"),
    ("signMsg", SIG),
];

const PAY_DATA: &[(&str, &str)] = &[
    ("inputCharset", "1"),
    ("receiveUrl", "http://www.example.com/recv"),
    ("version", "v1.0"),
    ("signType", "1"),
    ("merchantId", "100020091218001"),
    ("orderNo", "NOM20261126115000"),
    ("orderAmount", "1"),
    ("orderCurrency", "156"),
    ("orderDatetime", "20261126115000"),
    ("productName", "笔记本电脑"),
    ("payType", "0"),
    ("signMsg", SIG),
];

/// An international-card payData (payType 30, non-direct mode) with every required field.
const PAY_DATA_30: &[(&str, &str)] = &[
    ("inputCharset", "1"),
    ("receiveUrl", "http://www.example.com/recv"),
    ("version", "v1.0"),
    ("language", "3"),
    ("signType", "1"),
    ("merchantId", "100020091218001"),
    ("orderNo", "NOM20261126115000"),
    ("orderAmount", "1000"),
    ("orderCurrency", "840"),
    ("orderDatetime", "20261126115000"),
    ("productName", "laptop"),
    ("payType", "30"),
    ("issuerId", "visa"),
    ("tradeNature", "GOODS"),
    ("signMsg", SIG),
    ("ship_to_country", "US"),
    ("ship_to_state", "IL"),
    ("ship_to_city", "Chicago"),
    ("ship_to_street1", "1 Main St"),
    ("ship_to_phonenumber", "312-5550100"),
    ("ship_to_postalcode", "60601"),
    ("ship_to_firstname", "Smith"),
    ("ship_to_lastname", "Black"),
];

/// payData JSON; for payType 30 `ext1` is set to the §5.4 digest of the fields, so that
/// only the rule under test is broken.
fn pay_data(base: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> String {
    let mut m = with::<PayRequest>(base, changes);
    if m.pay_type.as_deref() == Some("30") {
        let digest =
            allinpay_protocol::ext1::ext1_digest(&m, Charset::Utf8).expect("UTF-8 encodes");
        m.ext1 = Some(digest.as_str().to_owned());
    }
    codec::json::render(&m)
}

#[test]
fn check_baselines_are_clean() {
    let cases = [
        (
            MessageKind::OrderQuery,
            form::<OrderQuery>(ORDER_QUERY, &[]),
        ),
        (
            MessageKind::BatchQuery,
            form::<BatchQuery>(BATCH_QUERY, &[]),
        ),
        (MessageKind::Refund, form::<Refund>(REFUND, &[])),
        (
            MessageKind::RefundResponse,
            form::<RefundResponse>(REFUND_RESPONSE, &[]),
        ),
        (
            MessageKind::RefundQuery,
            form::<RefundQuery>(REFUND_QUERY, &[]),
        ),
        (MessageKind::PayRequest, pay_data(PAY_DATA, &[])),
        (MessageKind::PayRequest, pay_data(PAY_DATA_30, &[])),
    ];
    for (kind, wire) in cases {
        let out = violations(kind, &wire);
        assert!(out.ends_with("\n--\n"), "baseline has violations:\n{out}");
    }
}

macro_rules! check_snapshots {
    ($($name:ident: $kind:ident, $wire:expr;)*) => {
        $(
            #[test]
            fn $name() {
                assert_snapshot!(violations(MessageKind::$kind, &$wire));
            }
        )*
    };
}

check_snapshots! {
    check_missing_required: OrderQuery, form::<OrderQuery>(ORDER_QUERY, &[("orderNo", None)]);
    check_too_long: OrderQuery, form::<OrderQuery>(ORDER_QUERY, &[("orderNo", Some(&"N".repeat(51)))]);
    check_not_digits: Refund, form::<Refund>(REFUND, &[("merchantId", Some("10002009121800A"))]);
    check_bad_datetime_feb_30: Refund, form::<Refund>(REFUND, &[("orderDatetime", Some("20260230120000"))]);
    check_bad_date_hour: BatchQuery, form::<BatchQuery>(BATCH_QUERY, &[("endDateTime", Some("2026112624"))]);
    check_bad_order_no_char: Refund, form::<Refund>(REFUND, &[("orderNo", Some("NO/2026#1"))]);
    check_wrong_version: Refund, form::<Refund>(REFUND, &[("version", Some("v2.2"))]);
    check_unknown_enum_value: Refund, form::<Refund>(REFUND, &[("signType", Some("2"))]);
    check_trade_nature_missing_for_usd: PayRequest, pay_data(PAY_DATA, &[("orderCurrency", Some("840"))]);
    check_currency_not_international_card: PayRequest, pay_data(PAY_DATA_30, &[("orderCurrency", Some("458"))]);
    check_currency_not_domestic_or_cross_border: PayRequest, pay_data(PAY_DATA, &[("orderCurrency", Some("826")), ("tradeNature", Some("GOODS"))]);
    check_international_fields_missing: PayRequest, pay_data(PAY_DATA_30, &[
        ("ship_to_country", None), ("ship_to_state", None), ("ship_to_city", None),
        ("ship_to_street1", None), ("ship_to_phonenumber", None), ("ship_to_postalcode", None),
        ("ship_to_firstname", None), ("ship_to_lastname", None),
    ]);
    check_direct_mode_without_cvv2: PayRequest, pay_data(PAY_DATA_30, &[
        ("fnpay_mode", Some("0")), ("bill_firstname", Some("Smith")),
        ("bill_lastname", Some("Black")), ("expireddate", Some("2811")),
    ]);
    check_bad_us_postal_code: PayRequest, pay_data(PAY_DATA_30, &[("ship_to_postalcode", Some("6060"))]);
    check_bad_ca_state: PayRequest, pay_data(PAY_DATA_30, &[
        ("ship_to_country", Some("CA")), ("ship_to_state", Some("XX")),
        ("ship_to_postalcode", Some("M5V2T6")),
    ]);
    check_ext1_not_user_in_member_mode: PayRequest, pay_data(PAY_DATA, &[("ext1", Some("user123"))]);
    check_refund_amount_above_order_amount: RefundResponse, form::<RefundResponse>(REFUND_RESPONSE, &[("refundAmount", Some("1001"))]);
    check_query_datetime_20_minutes_off: OrderQuery, form::<OrderQuery>(ORDER_QUERY, &[("queryDatetime", Some("20261126114000"))]);
    check_order_datetime_two_months_old: OrderQuery, form::<OrderQuery>(ORDER_QUERY, &[("orderDatetime", Some("20260926120000"))]);
    check_batch_bounds_on_different_days: BatchQuery, form::<BatchQuery>(BATCH_QUERY, &[("endDateTime", Some("2026112700"))]);
    check_page_no_zero: BatchQuery, form::<BatchQuery>(BATCH_QUERY, &[("pageNo", Some("0"))]);
    check_refund_query_merchant_id_over_15_digits: RefundQuery, form::<RefundQuery>(REFUND_QUERY, &[("merchantId", Some("1000200912180010"))]);
}
