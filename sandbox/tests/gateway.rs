//! The sandbox gateway over real loopback HTTP, in process: payments, the §3/§4
//! interfaces, refusals with the spec's codes, the resend rule and the scripted faults.
//! Expected texts are copied from the spec's tables, never taken from the sandbox.

mod gateway_support;

use std::io::Write as _;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::{form, json, Mode};
use allinpay_protocol::msgs::*;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{Charset, GatewayCert, MerchantKey, MessageKind};
use allinpay_sandbox::{Config, Running};

use gateway_support::*;

fn start(cfg: Config) -> Running {
    allinpay_sandbox::spawn(cfg).expect("sandbox starts")
}

fn fast(cfg: Config) -> Config {
    Config {
        resend_delays: vec![Duration::from_millis(100); 3],
        notify_timeout: Duration::from_secs(2),
        fault_delay: Duration::from_millis(300),
        ..cfg
    }
}

fn accept_all() -> Recorder {
    Recorder::start(Arc::new(|_: &str, _: usize| 200))
}

fn creds(key: &MerchantKey) -> Credentials<'_> {
    Credentials {
        key: Some(key),
        cert: None,
        expected_sign_type: None,
    }
}

/// The committed test certificate (`vectors/keys/`), read from the repository rather than
/// taken from the sandbox under test.
const TEST_CERT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../vectors/keys/gateway-rsa1024.pem"
);

fn test_cert() -> GatewayCert {
    GatewayCert::from_bytes(&std::fs::read(TEST_CERT).expect("committed certificate"))
        .expect("cert")
}

/// A notification body verifies with the merchant key and breaks no rule.
fn verified_notify(body: &str) -> PayNotify {
    let r = any::parse(MessageKind::PayNotify, body.as_bytes(), Mode::Strict).expect("parses");
    r.verify(creds(&key()), Charset::Utf8).expect("verifies");
    assert_eq!(check::check(&r, &Clock::system(), Mode::Strict), vec![]);
    match r.message {
        AnyMessage::PayNotify(n) => n,
        other => panic!("{other:?}"),
    }
}

#[test]
fn payment_answers_both_sync_forms_and_notifies() {
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())));
    let ios = post(
        &gw.url("/sdk/pay"),
        pay_json("PAYIOS1", 1000, &merchant.url).as_bytes(),
    );
    assert_eq!(ios.status, 200);
    let r = any::parse(MessageKind::SyncResultIos, &ios.body, Mode::Strict).expect("iOS form");
    assert_eq!(check::check(&r, &Clock::system(), Mode::Strict), vec![]);
    let AnyMessage::SyncResultIos(s) = r.message else {
        panic!()
    };
    // §2.2.2 iOS: payResult is the number 0 for 受理成功.
    assert!(
        ios.text()
            .starts_with(r#"{"payResult":0,"payAmount":1000,"#),
        "{}",
        ios.text()
    );
    let poid = s.pay_order_id.clone().unwrap_or_default();
    assert!(!poid.is_empty());

    let android = post(
        &gw.url("/sdk/pay?platform=android"),
        pay_json("PAYAND1", 2000, &merchant.url).as_bytes(),
    );
    let r = any::parse(MessageKind::SyncResultAndroid, &android.body, Mode::Strict)
        .expect("Android form");
    assert_eq!(check::check(&r, &Clock::system(), Mode::Strict), vec![]);
    assert!(android
        .text()
        .starts_with(r#"{"allinpay_pay_res":"allinpay_pay_success","payAmount":"2000","#));

    assert!(wait_until(10, || merchant.bodies("PAYIOS1").len() == 1
        && merchant.bodies("PAYAND1").len() == 1));
    let n = verified_notify(&merchant.bodies("PAYIOS1")[0].body);
    assert_eq!(n.merchant_id.as_deref(), Some(MERCHANT));
    assert_eq!(n.order_amount.as_deref(), Some("1000"));
    assert_eq!(n.pay_amount.as_deref(), Some("1000"));
    assert_eq!(n.pay_result.as_deref(), Some("1"));
    assert_eq!(n.sign_type.as_deref(), Some("0"));
    assert_eq!(n.payment_order_id.as_deref(), Some(poid.as_str()));
    let n = verified_notify(&merchant.bodies("PAYAND1")[0].body);
    assert_eq!(n.order_amount.as_deref(), Some("2000"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        merchant.count(),
        2,
        "a delivered notification is not resent"
    );
}

fn refused(reply: &allinpay_sandbox::net::Reply, code: &str, msg: &str) {
    assert_eq!(reply.status, 200);
    assert_eq!(reply.text(), format!("ERRORCODE={code}&ERRORMSG={msg}"));
}

#[test]
fn payment_refusals_use_the_spec_codes() {
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())));
    let pay = gw.url("/sdk/pay");
    let send = |req: PayRequest| post(&pay, json::render(&req).as_bytes());
    let url = merchant.url.as_str();

    let mut bad_sig = sign(pay_request("R1", 1000, url, "0"), &key());
    bad_sig.order_amount = Some("1001".into());
    refused(&send(bad_sig), "ZF10020", "参数签名信息不正确");
    let wrong_key = sign(
        pay_request("R1", 1000, url, "0"),
        &MerchantKey::new("other").expect("a test key"),
    );
    refused(&send(wrong_key), "ZF10020", "参数签名信息不正确");
    refused(
        &send(sign(
            pay_request("R2", 1000, "http://example.com/n", "0"),
            &key(),
        )),
        "ZF10002",
        "参数通知地址不正确",
    );
    refused(
        &send(sign(pay_request("R3", 102, url, "0"), &key())),
        "EM0001_000030",
        "移动支付限额超过银行规定的支付限额",
    );
    refused(
        &send(sign(pay_request("R4", 1003, url, "0"), &key())),
        "EM0001_000059",
        "移动支付-通联订单已过期",
    );
    let mut old = pay_request("R5", 1000, url, "0");
    old.order_datetime = Some(allinpay_sandbox::time::cst14(
        allinpay_sandbox::time::unix_secs() - 40 * 86_400,
    ));
    refused(&send(sign(old, &key())), "15010", "订单已过期");
    let mut other = pay_request("R6", 1000, url, "0");
    other.merchant_id = Some("100020091218002".into());
    refused(&send(sign(other, &key())), "ZF30005", "商户支付配置错误");
    let mut no_currency = pay_request("R7", 1000, url, "0");
    no_currency.order_currency = None;
    refused(
        &send(sign(no_currency, &key())),
        "BL0003_000002",
        "总线采集提交非法数据错误",
    );
    let mut bad_no = pay_request("R8", 1000, url, "0");
    bad_no.order_no = Some("R 8".into());
    refused(&send(sign(bad_no, &key())), "ZF10015", "参数订单号不正确");
    refused(
        &send(sign(pay_request("R9", 1000, url, "1"), &key())),
        "ZF10004",
        "参数签名类型不正确",
    );
    // Not JSON at all.
    refused(
        &post(&pay, b"orderNo=1"),
        "BL0003_000002",
        "总线采集提交非法数据错误",
    );

    // Paid once; the same order again is refused.
    assert_eq!(
        send(sign(pay_request("R10", 1000, url, "0"), &key())).status,
        200
    );
    refused(
        &send(sign(pay_request("R10", 1000, url, "0"), &key())),
        "ZF30002",
        "订单已经支付成功",
    );

    // Decline: §2.2.2 payResult 1, and no notification (§2.2.3: 仅在支付成功时通知).
    let declined = send(sign(pay_request("R11", 1001, url, "0"), &key()));
    assert!(declined
        .text()
        .starts_with(r#"{"payResult":1,"payAmount":1001,"#));
    assert_eq!(
        declined.header("x-sandbox-errorcode"),
        Some("P00002_100003")
    );
    // Cancel: payResult -1, no payment order (payOrderId "").
    let cancelled = send(sign(pay_request("R12", 1004, url, "0"), &key()));
    assert!(cancelled.text().starts_with(r#"{"payResult":-1,"#));
    assert!(cancelled.text().ends_with(r#""payOrderId":""}"#));
    // Header override.
    let limit = post_with(
        &pay,
        json::render(&sign(pay_request("R13", 1000, url, "0"), &key())).as_bytes(),
        &[("X-Sandbox-Outcome", "limit")],
    );
    refused(
        &limit,
        "EM0001_000030",
        "移动支付限额超过银行规定的支付限额",
    );

    assert!(wait_until(5, || merchant.bodies("R10").len() == 1));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(merchant.count(), 1, "only the paid order is notified");
}

fn form_req<M: Message>(m: M) -> Vec<u8> {
    form::render(&sign(m, &key())).into_bytes()
}

fn order_query(order_no: &str, order_datetime: &str, query_datetime: &str) -> OrderQuery {
    OrderQuery {
        merchant_id: Some(MERCHANT.into()),
        version: Some("v1.5".into()),
        sign_type: Some("0".into()),
        order_no: Some(order_no.into()),
        order_datetime: Some(order_datetime.into()),
        query_datetime: Some(query_datetime.into()),
        sign_msg: None,
    }
}

fn refund_req(order_no: &str, odt: &str, amount: u64, mcht: Option<&str>) -> Refund {
    Refund {
        version: Some("v2.3".into()),
        sign_type: Some("0".into()),
        merchant_id: Some(MERCHANT.into()),
        order_no: Some(order_no.into()),
        refund_amount: Some(amount.to_string()),
        mcht_refund_order_no: mcht.map(str::to_owned),
        order_datetime: Some(odt.into()),
        sign_msg: None,
    }
}

fn refund_query(order_no: &str, amount: u64) -> RefundQuery {
    RefundQuery {
        version: Some("v2.4".into()),
        sign_type: Some("0".into()),
        merchant_id: Some(MERCHANT.into()),
        order_no: Some(order_no.into()),
        refund_amount: Some(amount.to_string()),
        refund_datetime: None,
        mcht_refund_order_no: None,
        sign_msg: None,
    }
}

#[test]
fn single_query_refunds_and_refund_query() {
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())));
    let req = sign(pay_request("Q1", 1000, &merchant.url, "0"), &key());
    let odt = req.order_datetime.clone().unwrap_or_default();
    assert_eq!(
        post(&gw.url("/sdk/pay"), json::render(&req).as_bytes()).status,
        200
    );
    let api = gw.url("/gateway/index.do");

    // §3.1 → §3.2: the §2.2.3 form, signed.
    let q = post(&api, &form_req(order_query("Q1", &odt, &now14())));
    let n = verified_notify(&q.text());
    assert_eq!(n.order_no.as_deref(), Some("Q1"));
    assert_eq!(n.pay_result.as_deref(), Some("1"));
    refused(
        &post(&api, &form_req(order_query("NOPE", &odt, &now14()))),
        "ZF10027",
        "该笔订单不存在",
    );
    let stale = allinpay_sandbox::time::cst14(allinpay_sandbox::time::unix_secs() - 20 * 60);
    refused(
        &post(&api, &form_req(order_query("Q1", &odt, &stale))),
        "ZF10023",
        "参数查询时间不正确",
    );

    // §3.5 → §3.6: partial refunds up to the order amount; mchtRefundOrderNo idempotent.
    let refund =
        |amount: u64, mcht: &str| post(&api, &form_req(refund_req("Q1", &odt, amount, Some(mcht))));
    let r1 = refund(300, "RF1");
    let parsed = any::parse(MessageKind::RefundResponse, &r1.body, Mode::Strict).expect("§3.6");
    parsed
        .verify(creds(&key()), Charset::Utf8)
        .expect("verifies");
    assert_eq!(
        check::check(&parsed, &Clock::system(), Mode::Strict),
        vec![]
    );
    let AnyMessage::RefundResponse(rr) = parsed.message else {
        panic!()
    };
    assert_eq!(rr.refund_result.as_deref(), Some("20"));
    assert_eq!(rr.refund_amount.as_deref(), Some("300"));
    assert_eq!(rr.order_amount.as_deref(), Some("1000"));
    assert_eq!(rr.mcht_refund_order_no.as_deref(), Some("RF1"));
    assert_eq!(
        refund(300, "RF1").body,
        r1.body,
        "a repeated mchtRefundOrderNo"
    );
    refused(&refund(100, "RF1"), "ZF30003", "不能重复提交订单");
    assert!(refund(500, "RF2").text().contains("refundResult=20"));
    // 300 + 500 + 300 > 1000.
    refused(&refund(300, "RF3"), "ZF10028", "该笔订单不符合退款条件");
    assert!(refund(200, "RF4").text().contains("refundResult=20"));
    refused(&refund(1, "RF5"), "ZF10028", "该笔订单不符合退款条件");

    // §3.7 → §3.8.
    let rq = gw.url("/mchtoq/refundQuery");
    let a = post(&rq, &form_req(refund_query("Q1", 300)));
    let parsed =
        any::parse(MessageKind::RefundQueryResponse, &a.body, Mode::Strict).expect("§3.8 text");
    parsed
        .verify(creds(&key()), Charset::Utf8)
        .expect("verifies");
    assert_eq!(
        check::check(&parsed, &Clock::system(), Mode::Strict),
        vec![]
    );
    let AnyMessage::RefundQueryResponse(list) = parsed.message else {
        panic!()
    };
    assert_eq!(list.records.len(), 1, "RF3 was refused: {}", a.text());
    assert_eq!(list.records[0].mcht_refund_order_no.as_deref(), Some("RF1"));
    assert_eq!(list.records[0].refund_result.as_deref(), Some("TKSUCC0006"));
    let mut bad = sign(refund_query("Q1", 300), &key());
    bad.refund_amount = Some("301".into());
    refused(&post(&rq, form::render(&bad).as_bytes()), "010", "摘要错误");
    refused(
        &post(&rq, &form_req(refund_query("NOPE", 300))),
        "005",
        "订单号不存在",
    );
    refused(
        &post(&rq, &form_req(refund_query("Q1", 999))),
        "011",
        "退款订单不存在",
    );
    let mut long = refund_query("Q1", 300);
    long.merchant_id = Some("1000200912180011".into());
    refused(&post(&rq, &form_req(long)), "002", "商户号不能超过 15 位");
}

#[test]
fn batch_query_pages_and_certificate_mode() {
    use base64::Engine as _;
    let merchant = accept_all();
    let mut cfg = fast(Config::new(key())).with_test_cert();
    cfg.resend_delays = vec![];
    let gw = start(cfg);
    let odt = now14();
    let mut numbers = Vec::new();
    for i in 0..501 {
        let no = format!("B{i:04}");
        let mut req = pay_request(&no, 1000, &merchant.url, if i == 0 { "1" } else { "0" });
        req.order_datetime = Some(odt.clone());
        let r = post(
            &gw.url("/sdk/pay"),
            json::render(&sign(req, &key())).as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        numbers.push(no);
    }
    // signType 1: the notification verifies with the certificate, not as MD5.
    assert!(wait_until(10, || merchant.bodies("B0000").len() == 1));
    let body = merchant.bodies("B0000")[0].body.clone();
    let r = any::parse(MessageKind::PayNotify, body.as_bytes(), Mode::Strict).expect("parses");
    let cert = test_cert();
    r.verify(
        Credentials {
            key: None,
            cert: Some(&cert),
            expected_sign_type: None,
        },
        Charset::Utf8,
    )
    .expect("certificate signature");
    assert!(raw_field(&body, "signType") == "1");
    assert_eq!(
        get(&gw.url("/sandbox/cert")).text(),
        std::fs::read_to_string(TEST_CERT).expect("pem")
    );

    let day = &odt[..8];
    let page = |n: u32| {
        let q = BatchQuery {
            version: Some("v1.6".into()),
            merchant_id: Some(MERCHANT.into()),
            begin_date_time: Some(format!("{day}00")),
            end_date_time: Some(format!("{day}23")),
            page_no: Some(n.to_string()),
            sign_type: Some("1".into()),
            sign_msg: None,
        };
        let a = post(&gw.url("/mchtoq/index.do"), &form_req(q));
        let parsed = any::parse(MessageKind::BatchQueryResponse, &a.body, Mode::Strict)
            .unwrap_or_else(|e| panic!("page {n}: {e}"));
        parsed
            .verify(
                Credentials {
                    key: None,
                    cert: Some(&cert),
                    expected_sign_type: None,
                },
                Charset::Utf8,
            )
            .expect("page signature");
        assert_eq!(
            check::check(&parsed, &Clock::system(), Mode::Strict),
            vec![]
        );
        match parsed.message {
            AnyMessage::BatchQueryResponse(p) => p,
            other => panic!("{other:?}"),
        }
    };
    let p1 = page(1);
    assert_eq!(
        (
            p1.summary.count.as_str(),
            p1.summary.page_no.as_str(),
            p1.summary.has_next_page.as_str()
        ),
        ("500", "1", "Y")
    );
    let p2 = page(2);
    assert_eq!(
        (
            p2.summary.count.as_str(),
            p2.summary.page_no.as_str(),
            p2.summary.has_next_page.as_str()
        ),
        ("1", "2", "N")
    );
    // §3.4: no record is merchantId|0|0|N.
    let p3 = page(3);
    assert_eq!(
        (
            p3.summary.merchant_id.as_str(),
            p3.summary.count.as_str(),
            p3.summary.page_no.as_str(),
            p3.summary.has_next_page.as_str()
        ),
        (MERCHANT, "0", "0", "N")
    );
    let mut seen: Vec<String> = p1
        .records
        .iter()
        .chain(&p2.records)
        .filter_map(|r| r.order_no.clone())
        .collect();
    seen.sort();
    assert_eq!(seen, numbers);

    // Errors are base64 too (§3.4: 响应报文都是 Base64 编码后的内容).
    let mut bad = sign(
        BatchQuery {
            version: Some("v1.6".into()),
            merchant_id: Some(MERCHANT.into()),
            begin_date_time: Some(format!("{day}00")),
            end_date_time: Some(format!("{day}23")),
            page_no: Some("1".into()),
            sign_type: Some("1".into()),
            sign_msg: None,
        },
        &key(),
    );
    bad.page_no = Some("2".into());
    let a = post(&gw.url("/mchtoq/index.do"), form::render(&bad).as_bytes());
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&a.body)
        .expect("base64");
    assert_eq!(
        String::from_utf8(decoded).expect("utf-8"),
        "ERRORCODE=ZF10020&ERRORMSG=参数签名信息不正确"
    );
}

fn international(order_no: &str, amount: u64, url: &str) -> PayRequest {
    let mut r = pay_request(order_no, amount, url, "0");
    r.pay_type = Some("30".into());
    r.order_currency = Some("840".into());
    r.trade_nature = Some("GOODS".into());
    r.ship_to_country = Some("US".into());
    r.ship_to_state = Some("AL".into());
    r.ship_to_city = Some("city".into());
    r.ship_to_street1 = Some("street_1".into());
    r.ship_to_phonenumber = Some("020-13818349139".into());
    r.ship_to_postalcode = Some("20004".into());
    r.ship_to_firstname = Some("Smith".into());
    r.ship_to_lastname = Some("Black".into());
    let digest = allinpay_protocol::ext1::ext1_digest(&r, Charset::Utf8).expect("digest");
    r.ext1 = Some(digest.to_string());
    r
}

fn preauth_text(reply: &allinpay_sandbox::net::Reply, kind: MessageKind) -> Vec<String> {
    let parsed = any::parse(kind, &reply.body, Mode::Strict).expect("§4.2/§4.4 text");
    parsed
        .verify(creds(&key()), Charset::Utf8)
        .expect("verifies");
    assert_eq!(
        check::check(&parsed, &Clock::system(), Mode::Strict),
        vec![]
    );
    let text = reply.text();
    let line = text.lines().next().unwrap_or_default();
    line.split('|').map(str::to_owned).collect()
}

#[test]
fn preauth_cancel_confirm_and_refund_of_the_confirmed_amount() {
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())));
    let api = gw.url("/gateway/index.do");
    let a = sign(international("PA1", 1000, &merchant.url), &key());
    let b = sign(international("PA2", 1000, &merchant.url), &key());
    for r in [&a, &b] {
        let got = post(&gw.url("/sdk/pay"), json::render(r).as_bytes());
        assert!(got.text().contains(r#""payResult":0"#), "{}", got.text());
    }
    let odt = a.order_datetime.clone().unwrap_or_default();
    let cancel = |no: &str| PreauthCancel {
        merchant_id: Some(MERCHANT.into()),
        version: Some("v1.8".into()),
        order_amount: Some("1000".into()),
        currency: Some("840".into()),
        order_no: Some(no.into()),
        order_datetime: Some(odt.clone()),
        sign_type: Some("0".into()),
        sign_msg: None,
    };
    let confirm = |no: &str, amount: u64| PreauthConfirm {
        version: Some("v1.9".into()),
        merchant_id: Some(MERCHANT.into()),
        order_amount: Some("1000".into()),
        confirm_amount: Some(amount.to_string()),
        currency: Some("840".into()),
        order_no: Some(no.into()),
        order_datetime: Some(odt.clone()),
        sign_type: Some("0".into()),
        sign_msg: None,
    };
    let c = preauth_text(
        &post(&api, &form_req(cancel("PA1"))),
        MessageKind::PreauthCancelResponse,
    );
    assert_eq!(
        (c[0].as_str(), c[2].as_str(), c[5].as_str()),
        ("0000", "v1.8", "PA1")
    );
    assert!(c[9].starts_with("PA"), "preAuthId {c:?}");
    // §4.2: the cancel's failure code.
    let c = preauth_text(
        &post(&api, &form_req(cancel("PA1"))),
        MessageKind::PreauthCancelResponse,
    );
    assert_eq!(c[0], "FC0003_000008");
    let c = preauth_text(
        &post(&api, &form_req(confirm("PA1", 500))),
        MessageKind::PreauthConfirmResponse,
    );
    assert_eq!(c[0], "M00001_000005");
    refused(
        &post(&api, &form_req(refund_req("PA1", &odt, 100, None))),
        "ZF10028",
        "该笔订单不符合退款条件",
    );

    let c = preauth_text(
        &post(&api, &form_req(confirm("PA2", 800))),
        MessageKind::PreauthConfirmResponse,
    );
    assert_eq!((c[0].as_str(), c[2].as_str()), ("0000", "v1.9"));
    let c = preauth_text(
        &post(&api, &form_req(confirm("PA2", 800))),
        MessageKind::PreauthConfirmResponse,
    );
    assert_eq!(c[0], "ZF30002");
    // Refunds of a confirmed pre-auth are bounded by the confirmed amount.
    refused(
        &post(&api, &form_req(refund_req("PA2", &odt, 900, None))),
        "ZF10028",
        "该笔订单不符合退款条件",
    );
    assert!(post(&api, &form_req(refund_req("PA2", &odt, 800, None)))
        .text()
        .contains("refundResult=20"));
    // confirmAmount above orderAmount breaks §4.3.
    refused(
        &post(&api, &form_req(confirm("PA2", 1001))),
        "ZF10014",
        "参数订单金额不正确",
    );
}

#[test]
fn resends_follow_the_rule_and_faults_are_scripted() {
    // F2: fails twice then accepts; FX: always fails; faults answered as a correct
    // merchant would (200 only if the body verifies).
    let merchant = Recorder::start(Arc::new(|order: &str, before: usize| match order {
        "F2" if before < 2 => 500,
        "FX" => 503,
        _ => 200,
    }));
    let gw = start(fast(Config::new(key())));
    let pay = |no: &str, amount: u64| {
        let r = post(
            &gw.url("/sdk/pay"),
            pay_json(no, amount, &merchant.url).as_bytes(),
        );
        assert!(r.text().contains(r#""payResult":0"#), "{}", r.text());
    };
    let mut dly_paid = std::time::Instant::now();
    for (no, amount) in [
        ("F2", 1000),
        ("FX", 1000),
        ("DUP", 1011),
        ("TAMP", 1012),
        ("WKEY", 1013),
        ("UNS", 1014),
        ("DLY", 1015),
        ("OOO", 1016),
    ] {
        if no == "DLY" {
            dly_paid = std::time::Instant::now();
        }
        pay(no, amount);
    }
    let settled = || {
        let notes: serde_json::Value =
            serde_json::from_slice(&get(&gw.url("/sandbox/notifications")).body).expect("json");
        notes
            .as_array()
            .is_some_and(|a| a.len() == 8 && a.iter().all(|n| n["status"] != "pending"))
    };
    assert!(wait_until(20, settled));
    std::thread::sleep(Duration::from_millis(300));

    // The rule: at most 1 + 3 deliveries, each resend with a later returnDatetime.
    let f2 = merchant.bodies("F2");
    assert_eq!(f2.len(), 3);
    let fx = merchant.bodies("FX");
    assert_eq!(fx.len(), 4, "first delivery and exactly 3 resends");
    for bodies in [&f2, &fx] {
        let mut last = String::new();
        for b in bodies.iter() {
            let n = verified_notify(&b.body);
            let ret = n.return_datetime.unwrap_or_default();
            assert!(ret > last, "returnDatetime {ret} after {last}");
            last = ret;
        }
    }
    let notes: serde_json::Value =
        serde_json::from_slice(&get(&gw.url("/sandbox/notifications")).body).expect("json");
    let status = |no: &str| {
        notes
            .as_array()
            .and_then(|a| a.iter().find(|n| n["orderNo"] == no))
            .map(|n| {
                (
                    n["status"].as_str().unwrap_or("").to_owned(),
                    n["attempts"].as_u64(),
                )
            })
    };
    assert_eq!(status("F2"), Some(("delivered".into(), Some(3))));
    assert_eq!(status("FX"), Some(("exhausted".into(), Some(4))));

    let verifies = |body: &str| {
        any::parse(MessageKind::PayNotify, body.as_bytes(), Mode::Strict)
            .is_ok_and(|r| r.verify(creds(&key()), Charset::Utf8).is_ok())
    };
    // Duplicate: the same bytes twice.
    let dup = merchant.bodies("DUP");
    assert_eq!(dup.len(), 2);
    assert_eq!(dup[0].body, dup[1].body);
    assert!(verifies(&dup[0].body));
    // Tampered amount, wrong key, unsigned: a bad copy first, then the genuine one.
    for (no, field_value) in [
        ("TAMP", Some(("orderAmount", "1"))),
        ("WKEY", None),
        ("UNS", None),
    ] {
        let got = merchant.bodies(no);
        assert_eq!(got.len(), 2, "{no}");
        assert!(
            !verifies(&got[0].body),
            "{no}: the fault copy must not verify"
        );
        assert!(verifies(&got[1].body), "{no}: the genuine one must");
        if let Some((f, v)) = field_value {
            assert_eq!(raw_field(&got[0].body, f), v);
            assert_eq!(
                raw_field(&got[0].body, "signMsg"),
                raw_field(&got[1].body, "signMsg")
            );
        }
    }
    assert!(raw_field(&merchant.bodies("UNS")[0].body, "signMsg").is_empty());
    // Out of order: two valid ones, the later returnDatetime first.
    let ooo = merchant.bodies("OOO");
    assert_eq!(ooo.len(), 2);
    let (a, b) = (verified_notify(&ooo[0].body), verified_notify(&ooo[1].body));
    assert!(a.return_datetime > b.return_datetime);
    // Delayed: the first post waits --fault-delay (300 ms here).
    let dly = merchant.bodies("DLY");
    assert_eq!(dly.len(), 1);
    assert!(dly[0].at.duration_since(dly_paid) >= Duration::from_millis(300));
}

#[test]
fn http_errors_and_inspection() {
    let gw = start(Config::new(key()));
    assert_eq!(get(&gw.url("/sandbox/cert")).status, 404);
    assert_eq!(get(&gw.url("/nope")).status, 404);
    assert_eq!(get(&gw.url("/sdk/pay")).status, 405);
    assert_eq!(
        post(&gw.url("/sdk/pay?platform=windows"), b"{}").status,
        400
    );
    assert_eq!(
        post_with(
            &gw.url("/sdk/pay"),
            b"{}",
            &[("X-Sandbox-Fault", "gremlins")]
        )
        .status,
        400
    );
    let big = vec![b'a'; allinpay_protocol::MAX_INPUT_LEN + 1];
    assert_eq!(post(&gw.url("/gateway/index.do"), &big).status, 413);
    refused(
        &post(&gw.url("/gateway/index.do"), b"version=v9.9"),
        "ZF10019",
        "参数报文版本号不正确",
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&get(&gw.url("/sandbox/stats")).body).expect("json");
    assert_eq!(stats["orders"], 0);
}

// ---- Hostile HTTP: bodies not in UTF-8, wrong methods, slow, crowding and oversized
// clients, duplicate keys (docs/gateway.md, "Limits"). ----

/// A connection's request, raw.
fn raw_request(method: &str, path: &str, extra: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

#[test]
fn bodies_not_in_utf8_answer_zf20001() {
    use base64::Engine as _;
    let gw = start(Config::new(key()));
    let zf20001 = "ERRORCODE=ZF20001&ERRORMSG=报文编码格式错误";
    // Raw GBK bytes (你好) in a form body, before and after the version.
    for body in [
        &b"version=v1.5&merchantId=100020091218001&orderNo=\xc4\xe3\xba\xc3"[..],
        &b"orderNo=\xc4\xe3&version=v2.3"[..],
        // Percent-encoded GBK: decodes to bytes that are not UTF-8.
        &b"version=v1.5&merchantId=100020091218001&orderNo=%C4%E3%BA%C3"[..],
        // Invalid UTF-8 (a lone continuation byte).
        &b"version=v1.8&orderNo=\x80"[..],
    ] {
        refused(
            &post(&gw.url("/gateway/index.do"), body),
            "ZF20001",
            "报文编码格式错误",
        );
    }
    assert_eq!(
        post(
            &gw.url("/mchtoq/refundQuery"),
            b"version=v2.4&orderNo=\xc4\xe3"
        )
        .text(),
        zf20001
    );
    let page = post(&gw.url("/mchtoq/index.do"), b"version=v1.6&orderNo=%C4%E3");
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&page.body)
        .expect("base64");
    assert_eq!(String::from_utf8(decoded).expect("utf-8"), zf20001);
    // payData JSON with its productName in GBK bytes (笔记 is B1CA BCC7).
    let json = pay_json("GBK1", 1000, "http://127.0.0.1:9/n").into_bytes();
    let utf8 = "笔记本电脑".as_bytes();
    let at = json
        .windows(utf8.len())
        .position(|w| w == utf8)
        .expect("productName");
    let mut with_gbk = json[..at].to_vec();
    with_gbk.extend_from_slice(b"\xb1\xca\xbc\xc7");
    with_gbk.extend_from_slice(&json[at + utf8.len()..]);
    assert_eq!(post(&gw.url("/sdk/pay"), &with_gbk).text(), zf20001);
}

#[test]
fn wrong_methods_answer_405_everywhere() {
    let gw = start(Config::new(key()));
    for path in [
        "/",
        "/sandbox/notifications",
        "/sandbox/stats",
        "/sandbox/cert",
    ] {
        for method in ["POST", "HEAD", "OPTIONS", "PUT", "DELETE"] {
            let mut s = connect(&gw.url(""));
            let r = raw_exchange(
                &mut s,
                &raw_request(method, path, "", b""),
                Duration::from_secs(5),
            );
            assert_eq!(r.status(), Some(405), "{method} {path}: {}", r.text());
            assert!(
                r.text().contains("allow: GET"),
                "{method} {path}: {}",
                r.text()
            );
        }
    }
    for path in [
        "/sdk/pay",
        "/gateway/index.do",
        "/mchtoq/index.do",
        "/mchtoq/refundQuery",
    ] {
        for method in ["GET", "HEAD", "OPTIONS"] {
            let mut s = connect(&gw.url(""));
            let r = raw_exchange(
                &mut s,
                &raw_request(method, path, "", b""),
                Duration::from_secs(5),
            );
            assert_eq!(r.status(), Some(405), "{method} {path}");
            assert!(
                r.text().contains("allow: POST"),
                "{method} {path}: {}",
                r.text()
            );
        }
    }
    assert_eq!(get(&gw.url("/sandbox/stats")).status, 200);
}

fn hostile_limits() -> allinpay_sandbox::Limits {
    allinpay_sandbox::Limits {
        header_timeout: Duration::from_millis(300),
        body_timeout: Duration::from_millis(300),
        max_connections: 4,
    }
}

#[test]
fn slow_clients_are_timed_out() {
    let gw = start(Config {
        limits: hostile_limits(),
        ..Config::new(key())
    });
    // Headers and 2 bytes of a 100-byte body: 408, then closed.
    let mut s = connect(&gw.url(""));
    let head = b"POST /gateway/index.do HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nve";
    let t = std::time::Instant::now();
    let r = raw_exchange(&mut s, head, Duration::from_secs(3));
    assert_eq!(r.status(), Some(408), "{r:?}");
    assert!(r.closed, "closed after the 408");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    // Half a request line: closed after the header timeout.
    let mut s = connect(&gw.url(""));
    let r = raw_exchange(&mut s, b"POST /sdk/p", Duration::from_secs(3));
    assert!(r.closed, "{r:?}");
    // Nothing at all, and an idle keep-alive connection after an answer: closed too.
    let mut s = connect(&gw.url(""));
    assert!(read_until_closed(&mut s, Duration::from_secs(3)).closed);
    let mut s = connect(&gw.url(""));
    let r = raw_exchange(
        &mut s,
        b"GET /sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n",
        Duration::from_secs(3),
    );
    assert_eq!(r.status(), Some(200));
    assert!(
        r.closed,
        "idle after the answer: closed by the header timeout"
    );
}

#[test]
fn connections_above_the_limit_get_503_and_slow_ones_free_their_slot() {
    let gw = start(Config {
        limits: allinpay_sandbox::Limits {
            header_timeout: Duration::from_millis(800),
            ..hostile_limits()
        },
        ..Config::new(key())
    });
    // Four slow clients hold every slot.
    let mut slow: Vec<_> = (0..4)
        .map(|_| {
            let mut s = connect(&gw.url(""));
            let _ = s.write_all(b"POST /gateway/index.do HTTP/1.1\r\nHost: x\r\n");
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut s = connect(&gw.url(""));
    let r = raw_exchange(
        &mut s,
        &raw_request("GET", "/sandbox/stats", "", b""),
        Duration::from_secs(2),
    );
    assert_eq!(r.status(), Some(503), "{r:?}");
    assert!(r.closed);
    // Once the header timeout frees them, normal requests are served again.
    for s in &mut slow {
        assert!(read_until_closed(s, Duration::from_secs(3)).closed);
    }
    assert!(wait_until(3, || {
        let mut s = connect(&gw.url(""));
        raw_exchange(
            &mut s,
            &raw_request("GET", "/sandbox/stats", "", b""),
            Duration::from_secs(2),
        )
        .status()
            == Some(200)
    }));
}

#[test]
fn oversized_bodies_are_refused_from_content_length() {
    // Default limits: the body timeout (10 s) is far above the 2 s allowed here.
    let gw = start(Config::new(key()));
    for path in ["/gateway/index.do", "/sdk/pay"] {
        let mut s = connect(&gw.url(""));
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\nversion=",
            allinpay_protocol::MAX_INPUT_LEN + 1
        );
        let t = std::time::Instant::now();
        let r = raw_exchange(&mut s, head.as_bytes(), Duration::from_secs(2));
        assert_eq!(r.status(), Some(413), "{path}: {r:?}");
        assert!(r.closed, "{path}: closed without reading the body");
        assert!(t.elapsed() < Duration::from_secs(1));
    }
    // Chunked bodies have no Content-Length: still refused once above the limit.
    let big = vec![b'a'; allinpay_protocol::MAX_INPUT_LEN + 1];
    assert_eq!(post(&gw.url("/gateway/index.do"), &big).status, 413);
}

#[test]
fn duplicate_keys_answer_the_malformed_message_code() {
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())));
    // Signed for orderAmount 1000; a second orderAmount key after it would pay 1.
    let json = pay_json("DUPKEY", 1000, &merchant.url);
    let dup = json.replacen(
        r#""orderAmount":"1000","#,
        r#""orderAmount":"1000","orderAmount":"1","#,
        1,
    );
    assert_ne!(dup, json);
    refused(
        &post(&gw.url("/sdk/pay"), dup.as_bytes()),
        "BL0003_000002",
        "总线采集提交非法数据错误",
    );
    let stats: serde_json::Value =
        serde_json::from_slice(&get(&gw.url("/sandbox/stats")).body).expect("json");
    assert_eq!(stats["orders"], 0, "nothing was paid");
    // The same for a form field given twice.
    let q = form::render(&sign(order_query("DUPKEY", &now14(), &now14()), &key()));
    refused(
        &post(
            &gw.url("/gateway/index.do"),
            format!("{q}&orderNo=OTHER").as_bytes(),
        ),
        "BL0003_000002",
        "总线采集提交非法数据错误",
    );
}

// ---- Refund outcomes and the §3.8 states (docs/gateway.md, "Refund outcomes"). ----

/// The §3.8 states the sandbox reports now for refunds of `amount` of `order_no`.
fn refund_states(gw: &Running, order_no: &str, amount: u64) -> Vec<String> {
    let a = post(
        &gw.url("/mchtoq/refundQuery"),
        &form_req(refund_query(order_no, amount)),
    );
    let parsed = any::parse(MessageKind::RefundQueryResponse, &a.body, Mode::Strict)
        .unwrap_or_else(|e| panic!("{e}: {}", a.text()));
    parsed
        .verify(creds(&key()), Charset::Utf8)
        .expect("verifies");
    assert_eq!(
        check::check(&parsed, &Clock::system(), Mode::Strict),
        vec![]
    );
    let AnyMessage::RefundQueryResponse(list) = parsed.message else {
        panic!()
    };
    list.records
        .into_iter()
        .map(|r| r.refund_result.unwrap_or_default())
        .collect()
}

fn refund_result(reply: &allinpay_sandbox::net::Reply) -> String {
    let parsed = any::parse(MessageKind::RefundResponse, &reply.body, Mode::Strict)
        .unwrap_or_else(|e| panic!("{e}: {}", reply.text()));
    parsed
        .verify(creds(&key()), Charset::Utf8)
        .expect("verifies");
    let AnyMessage::RefundResponse(r) = parsed.message else {
        panic!()
    };
    r.refund_result.unwrap_or_default()
}

#[test]
fn refund_triggers_cover_refusal_and_every_refund_query_state() {
    let merchant = accept_all();
    let gw = start(Config {
        refund_step: Duration::from_millis(1500),
        ..fast(Config::new(key()))
    });
    let pay = |no: &str, amount: u64| {
        let req = sign(pay_request(no, amount, &merchant.url, "0"), &key());
        let r = post(&gw.url("/sdk/pay"), json::render(&req).as_bytes());
        assert!(r.text().contains(r#""payResult":0"#), "{}", r.text());
        req.order_datetime.unwrap_or_default()
    };
    let odt = pay("RQ1", 100_000);
    let api = gw.url("/gateway/index.do");
    let refund = |amount: u64| {
        refund_result(&post(
            &api,
            &form_req(refund_req(
                "RQ1",
                &odt,
                amount,
                Some(&format!("RF{amount}")),
            )),
        ))
    };
    // Ends in 21: refused (§3.6 refundResult other than 20), reported 退款未受理.
    assert_eq!(refund(121), "30");
    assert_eq!(refund_states(&gw, "RQ1", 121), ["TKSUCC0001"]);
    // Ends in 31-38: accepted, and the §3.8 query reports TKSUCC0001-0008.
    for n in 1..=8 {
        assert_eq!(refund(130 + n), "20");
        assert_eq!(
            refund_states(&gw, "RQ1", 130 + n),
            [format!("TKSUCC000{n}")],
            "{}",
            130 + n
        );
    }
    // Ends in 41-45: states that move on, one step every --refund-step.
    let moving = [
        (141, vec!["TKSUCC0005", "TKSUCC0006"]),
        (142, vec!["TKSUCC0002", "TKSUCC0003", "TKSUCC0006"]),
        (143, vec!["TKSUCC0005", "TKSUCC0007"]),
        (144, vec!["TKSUCC0002", "TKSUCC0008"]),
        (145, vec!["TKSUCC0006", "TKSUCC0004"]),
    ];
    for (amount, _) in &moving {
        assert_eq!(refund(*amount), "20");
    }
    for (amount, states) in &moving {
        assert_eq!(refund_states(&gw, "RQ1", *amount), [states[0]], "{amount}");
    }
    for (amount, states) in &moving {
        let last = states.last().copied().unwrap_or_default();
        let mut seen = vec![states[0].to_owned()];
        assert!(
            wait_until(10, || {
                let now = refund_states(&gw, "RQ1", *amount).remove(0);
                if seen.last() != Some(&now) {
                    seen.push(now.clone());
                }
                now == last
            }),
            "{amount}: {seen:?}"
        );
        // Seen in order, none skipped but by the poll's granularity.
        assert!(
            seen.iter().all(|s| states.contains(&s.as_str())),
            "{amount}: {seen:?}"
        );
    }
    // The header overrides the amount.
    let r = post_with(
        &api,
        &form_req(refund_req("RQ1", &odt, 300, Some("RFH"))),
        &[("X-Sandbox-Refund", "refused")],
    );
    assert_eq!(refund_result(&r), "30");
    assert_eq!(
        post_with(
            &api,
            &form_req(refund_req("RQ1", &odt, 300, Some("RFH2"))),
            &[("X-Sandbox-Refund", "gremlins")],
        )
        .text(),
        "ERRORCODE=BL0003_000002&ERRORMSG=总线采集提交非法数据错误"
    );

    // A refund that fails gives its amount back; a refused one never held it.
    let odt2 = pay("RQ2", 1000);
    let refund2 = |amount: u64, mcht: &str| {
        post(
            &api,
            &form_req(refund_req("RQ2", &odt2, amount, Some(mcht))),
        )
    };
    assert_eq!(refund_result(&refund2(921, "A")), "30");
    assert_eq!(refund_result(&refund2(943, "B")), "20");
    refused(&refund2(100, "C"), "ZF10028", "该笔订单不符合退款条件");
    assert!(wait_until(10, || refund_states(&gw, "RQ2", 943) == ["TKSUCC0007"]));
    assert_eq!(refund_result(&refund2(1000, "D")), "20");
}

// ---- Strictness where the spec is strict: §3.1 signType, §2.2.3 payAmount, §4.3
// confirmAmount, §3.3 today only. ----

#[test]
fn strict_where_the_spec_is_strict() {
    use base64::Engine as _;
    let merchant = accept_all();
    let gw = start(fast(Config::new(key())).with_test_cert());
    let api = gw.url("/gateway/index.do");
    let req = sign(pay_request("S1", 1000, &merchant.url, "0"), &key());
    let odt = req.order_datetime.clone().unwrap_or_default();
    assert_eq!(
        post(&gw.url("/sdk/pay"), json::render(&req).as_bytes()).status,
        200
    );
    // §3.1: a query's signType must be the order's.
    let mut q = order_query("S1", &odt, &now14());
    q.sign_type = Some("1".into());
    refused(&post(&api, &form_req(q)), "ZF10004", "参数签名类型不正确");
    assert!(post(&api, &form_req(order_query("S1", &odt, &now14())))
        .text()
        .contains("payResult=1"));

    // §2.2.3: payAmount is what the payer paid, in RMB: a USD order is converted.
    let usd = sign(international("S2", 1000, &merchant.url), &key());
    let got = post(&gw.url("/sdk/pay"), json::render(&usd).as_bytes());
    assert!(got.text().contains(r#""payResult":0"#), "{}", got.text());
    assert!(wait_until(10, || merchant.bodies("S2").len() == 1));
    let body = merchant.bodies("S2")[0].body.clone();
    let r = any::parse(MessageKind::PayNotify, body.as_bytes(), Mode::Strict).expect("parses");
    r.verify(creds(&key()), Charset::Utf8).expect("verifies");
    // `check` reads §2.2.3 as payAmount ≤ orderAmount, which holds for RMB orders only
    // (the notification carries no currency): that one rule is broken, by the spec.
    let broken: Vec<String> = check::check(&r, &Clock::system(), Mode::Strict)
        .iter()
        .map(|v| v.field.to_string())
        .collect();
    assert!(broken.iter().all(|f| f == "payAmount"), "{broken:?}");
    let AnyMessage::PayNotify(n) = r.message else {
        panic!()
    };
    assert_eq!(n.order_amount.as_deref(), Some("1000"));
    assert_eq!(n.pay_amount.as_deref(), Some("7100"), "10 USD at 7.1");
    assert_ne!(n.pay_amount, n.order_amount);

    // §4.3: confirming 0 is refused, not 0000.
    let confirm = PreauthConfirm {
        version: Some("v1.9".into()),
        merchant_id: Some(MERCHANT.into()),
        order_amount: Some("1000".into()),
        confirm_amount: Some("0".into()),
        currency: Some("840".into()),
        order_no: Some("S2".into()),
        order_datetime: usd.order_datetime.clone(),
        sign_type: Some("0".into()),
        sign_msg: None,
    };
    refused(
        &post(&api, &form_req(confirm)),
        "ZF10014",
        "参数订单金额不正确",
    );

    // §3.3: only today's orders ("只支持对当天订单进行查询").
    let yesterday = allinpay_sandbox::time::cst14(allinpay_sandbox::time::unix_secs() - 86_400);
    let batch = |day: &str| BatchQuery {
        version: Some("v1.6".into()),
        merchant_id: Some(MERCHANT.into()),
        begin_date_time: Some(format!("{}00", &day[..8])),
        end_date_time: Some(format!("{}23", &day[..8])),
        page_no: Some("1".into()),
        sign_type: Some("1".into()),
        sign_msg: None,
    };
    let a = post(&gw.url("/mchtoq/index.do"), &form_req(batch(&yesterday)));
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(&a.body)
        .expect("base64");
    assert_eq!(
        String::from_utf8(decoded).expect("utf-8"),
        "ERRORCODE=ZF10024&ERRORMSG=参数查询开始时间不正确"
    );
    let a = post(&gw.url("/mchtoq/index.do"), &form_req(batch(&now14())));
    let parsed =
        any::parse(MessageKind::BatchQueryResponse, &a.body, Mode::Strict).expect("a page");
    let AnyMessage::BatchQueryResponse(p) = parsed.message else {
        panic!()
    };
    let s2 = p
        .records
        .iter()
        .find(|r| r.order_no.as_deref() == Some("S2"))
        .expect("S2 listed");
    assert_eq!(s2.pay_amount.as_deref(), Some("7100"));
}
