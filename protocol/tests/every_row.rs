//! Every row of every table of the spec maps to a checked constraint: starting from a
//! conforming message, breaking one row's rule (presence, length, format) must make
//! `check` name that field. The count of rules exercised is printed and has a floor.
#![allow(clippy::unwrap_used)] // a test: a panic is the failure report

use allinpay_protocol::any::{AnyMessage, Received};
use allinpay_protocol::check::{check, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::msgs::*;
use allinpay_protocol::spec::{Format, MessageKind, Presence};

const NOW: &str = "20261126120000";
const SIG: &str = "0C8908E3003A7CE6A973EEE30CA53BA5";

fn fill<M: Message>(pairs: &[(&str, &str)]) -> M {
    let mut m = M::default();
    for (k, v) in pairs {
        *m.slot(k).unwrap_or_else(|| panic!("no field {k}")) = Some((*v).to_owned());
    }
    m
}

fn received(kind: MessageKind, message: AnyMessage) -> Received {
    Received {
        kind,
        message,
        unknown: Vec::new(),
        deviations: Vec::new(),
        signed_text: None,
    }
}

/// A value that breaks `format`, where a single-field rule exists.
fn bad_value(format: Format) -> Option<&'static str> {
    Some(match format {
        Format::Digits => "12a",
        Format::Amount => "1.50",
        Format::DateTime14 | Format::DateTimeText => "20260230120000",
        Format::DateHour10 => "2026112625",
        Format::OrderNo => "NO 1",
        Format::OneOf(_) => "??",
        Format::Url => "ftp://example.com",
        Format::Country => "XX",
        Format::Email => "nobody",
        Format::Expiry => "2213",
        Format::Cvv2 => "12",
        Format::SignMsg => "not a signature!",
        // Cross-field rules, exercised in tests/snapshots.rs.
        Format::Text | Format::Currency | Format::State | Format::PostalCode => return None,
    })
}

/// A value one byte over `max` that keeps the format where possible.
fn long_value(format: Format, max: usize) -> String {
    match format {
        Format::Digits | Format::Amount => "1".repeat(max + 1),
        Format::Url => format!("http://{}", "a".repeat(max)),
        Format::Email => format!("{}@b.cn", "a".repeat(max)),
        _ => "A".repeat(max + 1),
    }
}

/// Breaks every row of `base`'s table in turn; returns the number of rules exercised.
fn every_row<M: Message>(base: M, wrap: fn(M) -> AnyMessage, skip: &[&str]) -> usize {
    let clock = Clock::fixed(NOW).unwrap();
    let kind = M::DEF.kind;
    let clean = check(&received(kind, wrap(base.clone())), &clock, Mode::Strict);
    assert!(
        clean.is_empty(),
        "{}: base message does not conform: {clean:?}",
        kind.name()
    );
    let mut rules = 0;
    for def in M::DEF.fields {
        if skip.contains(&def.name) {
            continue;
        }
        let mut cases: Vec<(String, Option<String>, &str)> = Vec::new();
        if def.presence == Presence::Required {
            cases.push(("required".into(), None, "required"));
        }
        if let Some(max) = def.max_len {
            cases.push((
                "length".into(),
                Some(long_value(def.format, max.into())),
                "longer than",
            ));
        }
        if let Some(bad) = bad_value(def.format) {
            cases.push(("format".into(), Some(bad.to_owned()), ""));
        }
        for (what, value, needle) in cases {
            let mut m = base.clone();
            *m.slot(def.name).unwrap() = value.clone();
            let v = check(&received(kind, wrap(m)), &clock, Mode::Strict);
            let hit = v
                .iter()
                .any(|v| v.field.ends_with(def.name) && v.rule.contains(needle));
            assert!(
                hit,
                "{} {}: breaking its {what} rule with {value:?} was not reported: {v:?}",
                kind.name(),
                def.name
            );
            rules += 1;
        }
    }
    rules
}

#[test]
fn every_table_row_is_checked() {
    let mut total = 0;
    let pay = fill::<PayRequest>(&[
        ("inputCharset", "1"),
        ("receiveUrl", "http://www.example.com/recv"),
        ("version", "v1.0"),
        ("signType", "1"),
        ("merchantId", "100020091218001"),
        ("orderNo", "NOM20261126115000"),
        ("orderAmount", "100"),
        ("orderCurrency", "156"),
        ("orderDatetime", "20261126115000"),
        ("productName", "笔记本电脑"),
        ("payType", "0"),
        ("signMsg", SIG),
    ]);
    // The international-card rows are broken on a payType-30 order below.
    let intl: Vec<&str> = EXT1_FIELDS.to_vec();
    let mut skip = intl.clone();
    skip.push("cardNo");
    total += every_row(pay.clone(), |m| AnyMessage::PayRequest(Box::new(m)), &skip);
    let mut card = pay.clone();
    card.card_no = Some("6222020200112233445".into());
    total += every_row(card, |m| AnyMessage::PayRequest(Box::new(m)), &intl);

    let mut i = pay;
    for (k, v) in [
        ("payType", "30"),
        ("orderCurrency", "840"),
        ("tradeNature", "GOODS"),
        ("issuerId", "visa"),
        ("language", "3"),
    ] {
        *i.slot(k).unwrap() = Some(v.into());
    }
    for (k, v) in [
        ("ship_to_country", "US"),
        ("ship_to_state", "AL"),
        ("ship_to_city", "city"),
        ("ship_to_street1", "street_1"),
        ("ship_to_street2", "street_2"),
        ("ship_to_phonenumber", "020-13818349139"),
        ("ship_to_postalcode", "20004"),
        ("ship_to_firstname", "Smith"),
        ("ship_to_lastname", "Black"),
        ("registration_name", "rname"),
        ("registration_email", "rname@gmail.com"),
        ("registration_phone", "999-13800000000"),
        ("buyerid_period", "200"),
        ("fnpay_mode", "0"),
        ("bill_firstname", "handon"),
        ("bill_lastname", "hao"),
        ("expireddate", "2211"),
        ("cvv2", "888"),
        ("bill_email", "haod@gmail.com"),
        ("bill_country", "US"),
        ("bill_address", "billaddress"),
        ("bill_city", "billcity"),
        ("bill_state", "IL"),
        ("bill_zip", "22222"),
        ("mdd07", "20260101120000"),
        ("mdd08", "20260201120000"),
        ("mdd09", "gold"),
        ("mdd10", "n"),
    ] {
        *i.slot(k).unwrap() = Some(v.into());
    }
    for k in [
        "mdd11", "mdd12", "mdd13", "mdd14", "mdd15", "mdd16", "mdd17", "mdd18",
    ] {
        *i.slot(k).unwrap() = Some("x".into());
    }
    // ext1 carries the §5.4 digest of these fields (B7C37324… for the spec's own subset).
    let digest =
        allinpay_protocol::ext1::ext1_digest(&i, allinpay_protocol::Charset::Utf8).unwrap();
    i.ext1 = Some(digest.to_string());
    let non_intl: Vec<&str> = PayRequest::FIELDS
        .iter()
        .map(|f| f.name)
        .filter(|n| !intl.contains(n))
        .collect();
    // Changing an international field also breaks the ext1 digest; that is reported too.
    total += every_row(i, |m| AnyMessage::PayRequest(Box::new(m)), &non_intl);

    let notify = fill::<PayNotify>(&[
        ("merchantId", "100020091218001"),
        ("version", "v1.0"),
        ("language", "1"),
        ("signType", "0"),
        ("payType", "27"),
        ("issuerId", "cmb"),
        ("paymentOrderId", "201611261234567890"),
        ("orderNo", "NO20261126000001"),
        ("orderDatetime", "20261126110000"),
        ("orderAmount", "1000"),
        ("payDatetime", "20261126110500"),
        ("payAmount", "1000"),
        ("ext1", "<USER>1</USER>"),
        ("ext2", "x"),
        ("payResult", "1"),
        ("errorCode", "0"),
        ("returnDatetime", "20261126110501"),
        ("signMsg", SIG),
    ]);
    total += every_row(notify.clone(), AnyMessage::PayNotify, &[]);
    total += every_row(notify, AnyMessage::OrderQueryResponse, &[]);
    total += every_row(
        fill::<OrderQuery>(&[
            ("merchantId", "100020091218001"),
            ("version", "v1.5"),
            ("signType", "0"),
            ("orderNo", "NO20261126000001"),
            ("orderDatetime", "20261126110000"),
            ("queryDatetime", "20261126115500"),
            ("signMsg", SIG),
        ]),
        AnyMessage::OrderQuery,
        &[],
    );
    total += every_row(
        fill::<BatchQuery>(&[
            ("version", "v1.6"),
            ("merchantId", "100020091218001"),
            ("beginDateTime", "2026112600"),
            ("endDateTime", "2026112623"),
            ("pageNo", "1"),
            ("signType", "1"),
            ("signMsg", SIG),
        ]),
        AnyMessage::BatchQuery,
        &[],
    );
    total += every_row(
        fill::<Refund>(&[
            ("version", "v2.3"),
            ("signType", "0"),
            ("merchantId", "100020091218001"),
            ("orderNo", "NO20261126000001"),
            ("refundAmount", "100"),
            ("mchtRefundOrderNo", "RF1"),
            ("orderDatetime", "20261126110000"),
            ("signMsg", SIG),
        ]),
        AnyMessage::Refund,
        &[],
    );
    total += every_row(
        fill::<RefundResponse>(&[
            ("merchantId", "100020091218001"),
            ("version", "v2.3"),
            ("signType", "0"),
            ("orderNo", "NO20261126000001"),
            ("orderAmount", "1000"),
            ("orderDatetime", "20261126110000"),
            ("refundAmount", "100"),
            ("refundDatetime", "20261126113000"),
            ("refundResult", "20"),
            ("mchtRefundOrderNo", "RF1"),
            ("returnDatetime", "20261126113001"),
            ("signMsg", SIG),
        ]),
        AnyMessage::RefundResponse,
        &[],
    );
    total += every_row(
        fill::<RefundQuery>(&[
            ("version", "v2.4"),
            ("signType", "0"),
            ("merchantId", "100020091218001"),
            ("orderNo", "NO20261126000001"),
            ("refundAmount", "100"),
            ("refundDatetime", "20261126113000"),
            ("mchtRefundOrderNo", "RF1"),
            ("signMsg", SIG),
        ]),
        AnyMessage::RefundQuery,
        &[],
    );
    let rq = fill::<RefundQueryRecord>(&[
        ("version", "v2.4"),
        ("signType", "0"),
        ("merchantId", "100020091218001"),
        ("orderNo", "NO20261126000001"),
        ("refundAmount", "100"),
        ("refundDatetime", "20261126113000"),
        ("mchtRefundOrderNo", "RF1"),
        ("refundResult", "TKSUCC0006"),
        ("returnDatetime", "20261126113001"),
    ]);
    total += every_row(
        rq,
        |r| {
            AnyMessage::RefundQueryResponse(RefundQueryResponse {
                records: vec![r],
                sign_msg: SIG.into(),
            })
        },
        &[],
    );
    let cancel = [
        ("merchantId", "100020091218001"),
        ("version", "v1.8"),
        ("orderAmount", "9900"),
        ("currency", "840"),
        ("orderNo", "NO20261126000001"),
        ("orderDatetime", "20261126110000"),
        ("signType", "0"),
        ("signMsg", SIG),
    ];
    total += every_row(
        fill::<PreauthCancel>(&cancel),
        AnyMessage::PreauthCancel,
        &[],
    );
    let mut confirm = cancel.to_vec();
    confirm[1] = ("version", "v1.9");
    confirm.push(("confirmAmount", "9900"));
    total += every_row(
        fill::<PreauthConfirm>(&confirm),
        AnyMessage::PreauthConfirm,
        &[],
    );
    let rec = |ver: &'static str| {
        vec![
            ("retCode", "0000"),
            ("retMsg", "success"),
            ("version", ver),
            ("signType", "0"),
            ("merchantId", "100020091218001"),
            ("orderNo", "NO20261126000001"),
            ("orderDateTime", "20261126110000"),
            ("orderAmount", "9900"),
            ("currency", "840"),
            ("preAuthId", "PA1"),
            ("transDateTime", "20261126113000"),
        ]
    };
    total += every_row(
        fill::<PreauthCancelRecord>(&rec("v1.8")),
        |r| {
            AnyMessage::PreauthCancelResponse(PreauthResponse {
                record: r,
                sign_msg: SIG.into(),
            })
        },
        &[],
    );
    total += every_row(
        fill::<PreauthConfirmRecord>(&rec("v1.9")),
        |r| {
            AnyMessage::PreauthConfirmResponse(PreauthResponse {
                record: r,
                sign_msg: SIG.into(),
            })
        },
        &[],
    );
    let batch_rec = fill::<BatchQueryRecord>(&[
        ("merchantId", "100020091218001"),
        ("paymentOrderId", "201611261234567890"),
        ("orderNo", "NO20261126000001"),
        ("orderDatetime", "20261126110000"),
        ("orderAmount", "1000"),
        ("payDatetime", "20261126110500"),
        ("payAmount", "1000"),
        ("ext1", ""),
        ("ext2", ""),
        ("payResult", "1"),
    ]);
    total += every_row(
        batch_rec,
        |r| {
            AnyMessage::BatchQueryResponse(BatchQueryResponse {
                summary: BatchQuerySummary {
                    merchant_id: "100020091218001".into(),
                    count: "1".into(),
                    page_no: "1".into(),
                    has_next_page: "N".into(),
                },
                records: vec![r],
                sign_msg: SIG.into(),
            })
        },
        // The summary's merchantId must match; that rule is reported under merchantId too.
        &[],
    );
    total += every_row(
        fill::<SyncResultIos>(&[
            ("payResult", "0"),
            ("payAmount", "1000"),
            ("payTime", "20261126110500"),
            ("payOrderId", "201611261234567890"),
        ]),
        AnyMessage::SyncResultIos,
        &[],
    );
    total += every_row(
        fill::<SyncResultAndroid>(&[
            ("allinpay_pay_res", "allinpay_pay_success"),
            ("payAmount", "1000"),
            ("payTime", "20261126110500"),
            ("payOrderId", "201611261234567890"),
        ]),
        AnyMessage::SyncResultAndroid,
        &[],
    );
    total += every_row(
        fill::<ErrorResponse>(&[("ERRORCODE", "010"), ("ERRORMSG", "摘要错误")]),
        AnyMessage::ErrorResponse,
        &[],
    );
    eprintln!("{total} table-row rules exercised");
    assert!(total >= 300, "only {total} rules exercised");
}
