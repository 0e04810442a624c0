//! The sandbox's dashboard (`/`) in a real browser (Debian's Chromium, testing/browser),
//! against a running sandbox with the conformance diagnosis: a payment signed in
//! alphabetical order shows the named mistake; a paid order's notification row appears
//! and "Resend now" raises its attempts with the merchant receiving them; a pending
//! payment paid with its "Pay" button is notified to the merchant; the probe run
//! from the page against the example correct merchant is all right; markup in
//! `productName` and `orderNo` shows as text; a cross-site POST is refused.
//!
//! `ALLINPAY_SCREENSHOTS=DIR` also writes the screenshots `docs/gateway.md` shows.

#[path = "../../sandbox/tests/gateway_support/mod.rs"]
mod gateway_support;

#[allow(dead_code)]
#[path = "../../examples/merchants/correct.rs"]
mod correct;

use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use allinpay_browser_test::{trial, Browser};
use allinpay_conformance::diagnose::SandboxDiagnoser;
use allinpay_protocol::codec::json;
use allinpay_sandbox::{spawn, Config, Running};

use gateway_support::*;

fn e(x: impl std::fmt::Display) -> String {
    x.to_string()
}

fn screenshot(b: &Browser, name: &str) -> Result<(), String> {
    if let Some(dir) = std::env::var_os("ALLINPAY_SCREENSHOTS") {
        b.screenshot(&Path::new(&dir).join(name)).map_err(e)?;
    }
    Ok(())
}

fn sandbox() -> Running {
    let mut cfg = Config::new(key());
    cfg.diagnoser = Some(Arc::new(SandboxDiagnoser::default()));
    cfg.diagnosis_budget = Duration::from_millis(200);
    cfg.resend_delays = vec![Duration::from_secs(60)];
    spawn(cfg).expect("sandbox")
}

/// A merchant answering 200 to every notification.
fn merchant_ok() -> Recorder {
    Recorder::start(Arc::new(|_: &str, _: usize| 200))
}

/// payData signed over its fields sorted by name (the mistake §5.1's table order avoids).
/// payData with an ASCII productName (the screenshots' Chromium may lack CJK fonts).
fn laptop(order_no: &str, receive_url: &str) -> allinpay_protocol::msgs::PayRequest {
    let mut req = pay_request(order_no, 1000, receive_url, "0");
    req.product_name = Some("Laptop".into());
    req
}

fn alphabetical_pay(order_no: &str, receive_url: &str) -> String {
    let unsigned = json::render(&laptop(order_no, receive_url));
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&unsigned).expect("JSON");
    fields.remove("signMsg");
    let sig = alphabetical_md5(&fields);
    fields.insert("signMsg".into(), sig.into());
    serde_json::to_string(&fields).expect("JSON")
}

fn page_text(b: &Browser) -> Result<String, String> {
    b.text("body").map_err(e)
}

fn alphabetical_order_is_named(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let m = merchant_ok();
    let r = post(
        &gw.url("/sdk/pay"),
        alphabetical_pay("ALPHA-1", &m.url).as_bytes(),
    );
    let detail = r.header("x-sandbox-detail").unwrap_or_default().to_owned();
    assert!(r.text().contains("ZF10020"), "{}", r.text());
    assert!(detail.contains("alphabetical-order"), "{detail}");
    assert!(!detail.contains(KEY), "{detail}");
    b.goto(&gw.url("/")).map_err(e)?;
    let row = b.text("#requests tr.request").map_err(e)?;
    assert!(row.contains("refused ZF10020"), "{row}");
    assert!(row.contains("ALPHA-1"), "{row}");
    let mistake = b.text("#requests .mistake").map_err(e)?;
    assert!(
        mistake.contains("alphabetical-order")
            && mistake.contains(
                "fields sorted by name; the sign source follows the table's order (§5.1)"
            ),
        "{mistake}"
    );
    let text = page_text(b)?;
    assert!(
        text.contains("your sign source: inputCharset=1&merchantId="),
        "{text}"
    );
    assert!(text.contains("&key=<key>"), "{text}");
    assert!(!text.contains(KEY), "the key is shown");
    // The raw bytes, one click away.
    b.goto(&gw.url("/sandbox/dashboard/raw?seq=1")).map_err(e)?;
    assert!(page_text(b)?.contains("\"orderNo\":\"ALPHA-1\""));
    b.goto(&gw.url("/?verdict=refused")).map_err(e)?;
    assert!(b.console_errors().map_err(e)?.is_empty());
    screenshot(b, "dashboard-refusal.png")
}

fn notification_row_and_resend(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let m = merchant_ok();
    let r = post(
        &gw.url("/sdk/pay"),
        pay_json("PAID-1", 1000, &m.url).as_bytes(),
    );
    assert!(r.text().contains("\"payResult\":0"), "{}", r.text());
    assert!(wait_until(10, || m.count() == 1), "the first delivery");
    b.goto(&gw.url("/")).map_err(e)?;
    let row = "#notifications tr.note[data-order=\"PAID-1\"]";
    // The live part catches up within its 2 s refresh if the page came first.
    assert!(wait_until(10, || b
        .text(&format!("{row} .status"))
        .is_ok_and(|s| s == "Delivered")));
    assert_eq!(b.text(&format!("{row} .attempts")).map_err(e)?, "1");
    let posts = b.text(row).map_err(e)?;
    assert!(
        posts.contains("#1 genuine") && posts.contains("200"),
        "{posts}"
    );
    assert!(posts.contains(" ms"), "latency shown: {posts}");
    b.click(&format!("{row} form.resend button")).map_err(e)?;
    assert!(
        wait_until(10, || m.count() == 2),
        "the merchant got the resend"
    );
    assert!(wait_until(10, || b
        .text(&format!("{row} .attempts"))
        .is_ok_and(|s| s == "2")));
    assert!(wait_until(10, || b.text("#notice").is_ok()));
    let notice = b.text("#notice").map_err(e)?;
    assert!(
        notice.contains("resent the notification of PAID-1 (attempt 2): 200"),
        "{notice}"
    );
    assert!(b.text(row).map_err(e)?.contains("#2 manual"));
    assert!(b.console_errors().map_err(e)?.is_empty());
    screenshot(b, "dashboard-notifications.png")
}

fn pending_payment_paid_from_the_page(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let m = merchant_ok();
    // An amount ending in 06: accepted, pending (docs/gateway.md, "Trigger values").
    let r = post(
        &gw.url("/sdk/pay"),
        pay_json("PEND-1", 1006, &m.url).as_bytes(),
    );
    assert!(r.text().contains("\"payResult\":0"), "{}", r.text());
    b.goto(&gw.url("/")).map_err(e)?;
    let order = "#orders tr.order[data-order=\"PEND-1\"]";
    assert_eq!(
        b.text(&format!("{order} .state")).map_err(e)?,
        "Pending Pay Fail"
    );
    assert!(
        b.text("#notifications")
            .map_err(e)?
            .find("PEND-1")
            .is_none(),
        "no notification before the payment"
    );
    assert_eq!(m.count(), 0);
    b.click(&format!("{order} form.settle button")).map_err(e)?;
    assert!(
        wait_until(10, || m.count() == 1),
        "the merchant got the notification"
    );
    let row = "#notifications tr.note[data-order=\"PEND-1\"]";
    assert!(wait_until(10, || b
        .text(&format!("{row} .status"))
        .is_ok_and(|s| s == "Delivered")));
    assert_eq!(b.text(&format!("{order} .state")).map_err(e)?, "Paid");
    let notice = b.text("#notice").map_err(e)?;
    assert!(notice.contains("paid PEND-1"), "{notice}");
    assert!(b.console_errors().map_err(e)?.is_empty());
    Ok(())
}

fn probe_of_the_correct_merchant(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let datetime = allinpay_sandbox::time::cst14(allinpay_sandbox::time::unix_secs() - 300);
    let merchant = correct::Merchant::new(key(), MERCHANT, None)
        .with_order("SHOP-1001", 1000, &datetime)
        .with_order("SHOP-0999", 500, &datetime)
        .with_refunded("SHOP-0999");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    let merchant = Arc::new(merchant);
    let served = merchant.clone();
    std::thread::spawn(move || correct::serve(l, served, 1000));
    b.goto(&gw.url("/")).map_err(e)?;
    b.type_into("#probe input[name=receiveUrl]", &url)
        .map_err(e)?;
    b.type_into(
        "#probe input[name=order]",
        &format!("SHOP-1001,1000,{datetime}"),
    )
    .map_err(e)?;
    b.type_into(
        "#probe input[name=refunded]",
        &format!("SHOP-0999,500,{datetime}"),
    )
    .map_err(e)?;
    b.click("#probe button").map_err(e)?;
    if !wait_until(20, || b.text("#probe-summary").is_ok()) {
        return Err(format!("no verdict table: {}", page_text(b)?));
    }
    let summary = b.text("#probe-summary").map_err(e)?;
    assert_eq!(summary, "13 passed, 0 failed");
    let cases = b
        .eval("return document.querySelectorAll('#probe-results tr').length - 1")
        .map_err(e)?;
    assert_eq!(cases.as_u64(), Some(13));
    let wrong = b
        .eval("return document.querySelectorAll('#probe-results td.wrong').length")
        .map_err(e)?;
    assert_eq!(wrong.as_u64(), Some(0));
    // As `probe-merchant` from the command line: the valid case, its duplicate, a resend.
    assert_eq!(merchant.accepted("SHOP-1001"), 3);
    assert_eq!(merchant.accepted("SHOP-0999"), 0);
    screenshot(b, "dashboard-probe.png")
}

fn markup_shows_as_text(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let m = merchant_ok();
    let payload = "<script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut req = pay_request("XSS-1", 1000, &m.url, "0");
    req.product_name = Some(payload.into());
    let r = post(
        &gw.url("/sdk/pay"),
        json::render(&sign(req, &key())).as_bytes(),
    );
    let mut bad_no = pay_request("<script>alert(3)</script>", 1000, &m.url, "0");
    bad_no.product_name = Some("tea".into());
    post(
        &gw.url("/sdk/pay"),
        json::render(&sign(bad_no, &key())).as_bytes(),
    );
    b.goto(&gw.url("/")).map_err(e)?;
    assert!(b.dialog().is_none(), "a script ran");
    let table = b.text("#requests").map_err(e)?;
    assert!(table.contains(payload), "{table} ({})", r.text());
    assert!(table.contains("<script>alert(3)</script>"), "{table}");
    let injected = b
        .eval("return document.querySelectorAll('#live script, #live img').length")
        .map_err(e)?;
    assert_eq!(injected.as_u64(), Some(0));
    assert!(b.console_errors().map_err(e)?.is_empty());
    Ok(())
}

fn cross_site_post_is_refused(b: &Browser) -> Result<(), String> {
    let gw = sandbox();
    let m = merchant_ok();
    post(
        &gw.url("/sdk/pay"),
        pay_json("CSRF-1", 1000, &m.url).as_bytes(),
    );
    assert!(wait_until(10, || m.count() == 1));
    // Another page (here a file) posting to the dashboard's action.
    let dir = std::env::temp_dir().join(format!("allinpay-dashboard-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(e)?;
    let page = dir.join("attack.html");
    std::fs::write(
        &page,
        format!(
            "<form method=post action=\"{}\"><input name=orderNo value=CSRF-1></form>\
<script>document.forms[0].submit()</script>",
            gw.url("/sandbox/dashboard/resend")
        ),
    )
    .map_err(e)?;
    b.goto(&format!("file://{}", page.display())).map_err(e)?;
    assert!(wait_until(10, || page_text(b).is_ok_and(|t| t.contains("refused"))));
    // Without a browser's headers, the missing token alone is refused too.
    let r = post(&gw.url("/sandbox/dashboard/resend"), b"orderNo=CSRF-1");
    assert_eq!(r.status, 403);
    assert!(r.text().contains("token"), "{}", r.text());
    let r = post_with(
        &gw.url("/sandbox/dashboard/resend"),
        b"orderNo=CSRF-1&token=guess",
        &[("Origin", "http://evil.example")],
    );
    assert_eq!(r.status, 403);
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(m.count(), 1, "no resend happened");
    Ok(())
}

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let trials = vec![
        trial(
            "a_payment_signed_in_alphabetical_order_shows_the_named_mistake",
            alphabetical_order_is_named,
        ),
        trial(
            "a_paid_order_shows_its_notification_and_resend_raises_the_attempts",
            notification_row_and_resend,
        ),
        trial(
            "a_pending_payment_paid_on_the_page_is_notified",
            pending_payment_paid_from_the_page,
        ),
        trial(
            "the_probe_from_the_page_finds_the_correct_merchant_right",
            probe_of_the_correct_merchant,
        ),
        trial(
            "markup_in_product_name_and_order_no_shows_as_text",
            markup_shows_as_text,
        ),
        trial(
            "a_cross_site_post_without_the_token_is_refused",
            cross_site_post_is_refused,
        ),
    ];
    let conclusion = libtest_mimic::run(&args, trials);
    // The pages the trials wrote (a failing run's are kept to look at).
    if !conclusion.has_failed() {
        let dir = std::env::temp_dir().join(format!("allinpay-dashboard-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(dir);
    }
    conclusion.exit();
}
