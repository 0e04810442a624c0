//! The dashboard over plain HTTP (the browser test is `conformance/tests/dashboard.rs`):
//! requests kept up to the configured number and the rest counted, values escaped,
//! actions refused without the token or from another origin, pages refused under another
//! host name, and the spec answers unchanged without a diagnoser.

mod gateway_support;

use std::sync::Arc;
use std::time::Duration;

use allinpay_sandbox::{spawn, Config};

use gateway_support::*;

/// The token in the page's forms.
fn token(page: &str) -> String {
    let at = page.find("name=\"token\" value=\"").expect("a token input") + 20;
    page[at..at + 32].to_owned()
}

#[test]
fn keeps_the_last_n_requests_and_counts_the_rest() {
    let mut cfg = Config::new(key());
    cfg.keep_requests = 3;
    let gw = spawn(cfg).expect("sandbox");
    for i in 0..5 {
        post(
            &gw.url("/gateway/index.do"),
            format!("version=v1.5&n={i}").as_bytes(),
        );
    }
    let page = get(&gw.url("/")).text();
    assert!(
        page.contains("3 kept, 2 older ones counted, not kept"),
        "{page}"
    );
    assert_eq!(page.matches("<tr class=\"request ").count(), 3);
    assert_eq!(get(&gw.url("/sandbox/dashboard/raw?seq=1")).status, 404);
    assert_eq!(get(&gw.url("/sandbox/dashboard/raw?seq=5")).status, 200);
}

#[test]
fn everything_shown_is_escaped() {
    let gw = spawn(Config::new(key())).expect("sandbox");
    let m = Recorder::start(Arc::new(|_: &str, _: usize| 200));
    let mut req = pay_request("ESC-1", 1000, &m.url, "0");
    req.product_name = Some("<script>alert(1)</script>".into());
    post(
        &gw.url("/sdk/pay"),
        allinpay_protocol::codec::json::render(&sign(req, &key())).as_bytes(),
    );
    post(
        &gw.url("/gateway/index.do"),
        b"version=v1.5&orderNo=%3Cb%3Ex%3C/b%3E",
    );
    let page = get(&gw.url("/")).text();
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{page}"
    );
    assert!(page.contains("&lt;b&gt;x&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<script>alert"));
    assert!(!page.contains("<b>x"));
    assert!(!page.contains(KEY), "the key is never shown");
    let r = get(&gw.url("/"));
    assert!(r
        .header("content-security-policy")
        .is_some_and(|c| c.contains("script-src 'self'")));
}

#[test]
fn actions_need_the_token_and_the_same_origin() {
    let gw = spawn(Config::new(key())).expect("sandbox");
    let m = Recorder::start(Arc::new(|_: &str, _: usize| 200));
    post(
        &gw.url("/sdk/pay"),
        pay_json("TOK-1", 1000, &m.url).as_bytes(),
    );
    assert!(wait_until(10, || m.count() == 1));
    let t = token(&get(&gw.url("/")).text());
    let resend = gw.url("/sandbox/dashboard/resend");
    let r = post(&resend, b"orderNo=TOK-1");
    assert_eq!(r.status, 403, "{}", r.text());
    let r = post(
        &resend,
        b"orderNo=TOK-1&token=0123456789abcdef0123456789abcdef",
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let body = format!("orderNo=TOK-1&token={t}");
    let r = post_with(
        &resend,
        body.as_bytes(),
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    let r = post_with(
        &resend,
        body.as_bytes(),
        &[("Sec-Fetch-Site", "cross-site")],
    );
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(m.count(), 1, "nothing was resent");
    let own = format!("http://{}", gw.addr);
    let r = post_with(&resend, body.as_bytes(), &[("Origin", own.as_str())]);
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(m.count(), 2, "resent once");
    let page = get(&gw.url("/")).text();
    assert!(
        page.contains("resent the notification of TOK-1 (attempt 2): 200"),
        "{page}"
    );
    assert_eq!(get(&resend).status, 405);
}

#[test]
fn pages_answer_only_under_a_loopback_host() {
    let gw = spawn(Config::new(key())).expect("sandbox");
    let page = |host: &str| {
        let mut s = connect(&gw.url(""));
        let req = format!("GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        raw_exchange(&mut s, req.as_bytes(), Duration::from_secs(5))
    };
    let r = page("attacker.example:8035");
    assert_eq!(r.status(), Some(403), "{}", r.text());
    assert!(!r.text().contains("name=\"token\""));
    let port = gw.addr.port();
    assert_eq!(page(&format!("localhost:{port}")).status(), Some(200));
    assert_eq!(page(&format!("127.0.0.1:{port}")).status(), Some(200));
}

#[test]
fn without_a_diagnoser_the_detail_is_unchanged() {
    let gw = spawn(Config::new(key())).expect("sandbox");
    let mut req = pay_request("NODIAG-1", 1000, "http://127.0.0.1:9/n", "0");
    req = sign(req, &key());
    req.sign_msg = Some("0".repeat(32));
    let r = post(
        &gw.url("/sdk/pay"),
        allinpay_protocol::codec::json::render(&req).as_bytes(),
    );
    assert_eq!(
        r.header("x-sandbox-detail"),
        Some("ZF10020: signMsg: signMsg does not match the MD5 of the sign source")
    );
    let page = get(&gw.url("/?verdict=refused")).text();
    assert!(page.contains("refused ZF10020"), "{page}");
}

#[test]
fn a_refund_moves_to_the_state_chosen_on_the_page() {
    use allinpay_protocol::codec::form;
    use allinpay_protocol::msgs::{Refund, RefundQuery};
    let gw = spawn(Config::new(key())).expect("sandbox");
    let m = Recorder::start(Arc::new(|_: &str, _: usize| 200));
    let pay = pay_request("REF-1", 1000, &m.url, "0");
    let odt = pay.order_datetime.clone().unwrap_or_default();
    post(
        &gw.url("/sdk/pay"),
        allinpay_protocol::codec::json::render(&sign(pay, &key())).as_bytes(),
    );
    let refund = Refund {
        version: Some("v2.3".into()),
        sign_type: Some("0".into()),
        merchant_id: Some(MERCHANT.into()),
        order_no: Some("REF-1".into()),
        refund_amount: Some("50".into()),
        mcht_refund_order_no: None,
        order_datetime: Some(odt),
        sign_msg: None,
    };
    let r = post(
        &gw.url("/gateway/index.do"),
        form::render(&sign(refund, &key())).as_bytes(),
    );
    assert!(r.text().contains("refundResult=20"), "{}", r.text());
    let query = || {
        let q = RefundQuery {
            version: Some("v2.4".into()),
            sign_type: Some("0".into()),
            merchant_id: Some(MERCHANT.into()),
            order_no: Some("REF-1".into()),
            refund_amount: Some("50".into()),
            refund_datetime: None,
            mcht_refund_order_no: None,
            sign_msg: None,
        };
        post(
            &gw.url("/mchtoq/refundQuery"),
            form::render(&sign(q, &key())).as_bytes(),
        )
        .text()
    };
    assert!(query().contains("TKSUCC0006"), "{}", query());
    let t = token(&get(&gw.url("/")).text());
    let body = format!("orderNo=REF-1&index=0&state=TKSUCC0008&token={t}");
    let r = post(&gw.url("/sandbox/dashboard/refund-state"), body.as_bytes());
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(query().contains("TKSUCC0008"), "{}", query());
    let page = get(&gw.url("/")).text();
    assert!(
        page.contains("refund 0 of REF-1 is now TKSUCC0008"),
        "{page}"
    );
    let body = format!("orderNo=REF-1&index=0&state=TKSUCC0099&token={t}");
    post(&gw.url("/sandbox/dashboard/refund-state"), body.as_bytes());
    assert!(get(&gw.url("/"))
        .text()
        .contains("TKSUCC0099 is not a §3.8 state"));
    assert!(query().contains("TKSUCC0008"));
}

#[test]
fn a_pending_payment_is_paid_or_failed_from_the_page() {
    use allinpay_protocol::codec::form;
    use allinpay_protocol::msgs::OrderQuery;
    let gw = spawn(Config::new(key())).expect("sandbox");
    let m = Recorder::start(Arc::new(|_: &str, _: usize| 200));
    let pending = |no: &str| {
        // Amount ending in 06: accepted, pending (docs/gateway.md, "Trigger values").
        let pay = pay_request(no, 1006, &m.url, "0");
        let odt = pay.order_datetime.clone().unwrap_or_default();
        let json = allinpay_protocol::codec::json::render(&sign(pay, &key()));
        (post(&gw.url("/sdk/pay"), json.as_bytes()), json, odt)
    };
    let query = |no: &str, odt: &str| {
        let q = OrderQuery {
            merchant_id: Some(MERCHANT.into()),
            version: Some("v1.5".into()),
            sign_type: Some("0".into()),
            order_no: Some(no.into()),
            order_datetime: Some(odt.into()),
            query_datetime: Some(now14()),
            sign_msg: None,
        };
        post(
            &gw.url("/gateway/index.do"),
            form::render(&sign(q, &key())).as_bytes(),
        )
        .text()
    };
    let (r, json, odt) = pending("PEND-1");
    // §2.2.2: payResult 0 is the acceptance only.
    assert!(r.text().contains("\"payResult\":0"), "{}", r.text());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(m.count(), 0, "no notification before the payment");
    assert!(query("PEND-1", &odt).contains("ZF10027"));
    let again = post(&gw.url("/sdk/pay"), json.as_bytes());
    assert!(again.text().contains("ZF30003"), "{}", again.text());
    let page = get(&gw.url("/")).text();
    assert!(
        page.contains("action=\"/sandbox/dashboard/settle\""),
        "{page}"
    );
    let t = token(&page);

    let without = post(
        &gw.url("/sandbox/dashboard/settle"),
        b"orderNo=PEND-1&result=pay",
    );
    assert_eq!(without.status, 403);
    let body = format!("orderNo=PEND-1&result=pay&token={t}");
    let r = post(&gw.url("/sandbox/dashboard/settle"), body.as_bytes());
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        wait_until(10, || m.count() == 1),
        "the notification follows"
    );
    let note = &m.bodies("PEND-1")[0];
    assert_eq!(raw_field(&note.body, "payResult"), "1");
    assert_eq!(raw_field(&note.body, "orderAmount"), "1006");
    assert!(query("PEND-1", &odt).contains("payResult=1"));
    assert!(get(&gw.url("/"))
        .text()
        .contains("paid PEND-1; its notification is due now"));
    // Settled once: a second settle is refused on the page.
    post(&gw.url("/sandbox/dashboard/settle"), body.as_bytes());
    assert!(get(&gw.url("/"))
        .text()
        .contains("settle: PEND-1 is not pending"));

    let (_, _, odt2) = pending("PEND-2");
    let body = format!("orderNo=PEND-2&result=fail&token={t}");
    assert_eq!(
        post(&gw.url("/sandbox/dashboard/settle"), body.as_bytes()).status,
        303
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(m.count(), 1, "a failed payment is not notified (§2.2.3)");
    assert!(query("PEND-2", &odt2).contains("ZF10027"));
    let page = get(&gw.url("/")).text();
    assert!(page.contains("failed the payment of PEND-2"), "{page}");
    let body = format!("orderNo=PEND-3&result=maybe&token={t}");
    post(&gw.url("/sandbox/dashboard/settle"), body.as_bytes());
    assert!(get(&gw.url("/"))
        .text()
        .contains("settle: result must be pay or fail"));
}
