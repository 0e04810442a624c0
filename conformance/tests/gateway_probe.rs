//! `probe-merchant` tells the example merchants apart, and the `gateway` and
//! `probe-merchant` command lines refuse bad input with one line and exit 2.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::Arc;

#[allow(dead_code)]
#[path = "../../examples/merchants/correct.rs"]
mod correct;

#[allow(dead_code)]
#[path = "../../examples/merchants/careless.rs"]
mod careless;

use allinpay_protocol::{GatewayCert, MerchantKey};

fn ac(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_line_error(code: i32, stderr: &str) {
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    assert!(!stderr.contains("panicked"));
}

/// The merchant's own orders: one paid through the probe, one it refunded.
struct Orders {
    datetime: String,
}

impl Orders {
    fn new() -> Self {
        let t = allinpay_sandbox::time::unix_secs() - 300;
        Self {
            datetime: allinpay_sandbox::time::cst14(t),
        }
    }

    /// The probe's options naming them.
    fn args(&self) -> Vec<String> {
        [
            "--order-no",
            "SHOP-1001",
            "--order-amount",
            "1000",
            "--order-datetime",
            &self.datetime,
            "--refunded-order",
            &format!("SHOP-0999,500,{}", self.datetime),
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn issue(&self, m: correct::Merchant) -> correct::Merchant {
        m.with_order("SHOP-1001", 1000, &self.datetime)
            .with_order("SHOP-0999", 500, &self.datetime)
            .with_refunded("SHOP-0999")
    }
}

fn serve_correct(m: correct::Merchant) -> (String, Arc<correct::Merchant>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    let m = Arc::new(m);
    let served = m.clone();
    std::thread::spawn(move || correct::serve(l, served, 1000));
    (url, m)
}

fn new_merchant(cert: Option<GatewayCert>) -> correct::Merchant {
    correct::Merchant::new(
        MerchantKey::new("1234567890").expect("a test key"),
        "100020091218001",
        cert,
    )
}

fn correct_merchant(
    orders: &Orders,
    cert: Option<GatewayCert>,
) -> (String, Arc<correct::Merchant>) {
    serve_correct(orders.issue(new_merchant(cert)))
}

/// `probe-merchant --notify-url URL --key K` and the orders' options, then `extra`.
fn probe(url: &str, orders: Option<&Orders>, extra: &[&str]) -> (i32, String, String) {
    let mut args: Vec<String> = ["probe-merchant", "--notify-url", url, "--key", "1234567890"]
        .map(str::to_owned)
        .to_vec();
    if let Some(o) = orders {
        args.extend(o.args());
    }
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ac(&refs)
}

fn wrong_cases(out: &str) -> Vec<String> {
    verdicts(out)
        .into_iter()
        .filter(|(_, v)| v == "WRONG")
        .map(|(c, _)| c)
        .collect()
}

fn careless_merchant() -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    std::thread::spawn(move || careless::serve(l, 1000));
    url
}

/// (case, verdict) pairs of a text report.
fn verdicts(out: &str) -> Vec<(String, String)> {
    out.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols.len() > 4).then(|| (cols[0].to_owned(), cols[3].to_owned()))
        })
        .collect()
}

#[test]
fn probe_tells_a_correct_merchant_from_a_careless_one() {
    let orders = Orders::new();
    let (good, merchant) = correct_merchant(&orders, None);
    let (code, out, err) = probe(&good, Some(&orders), &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("13 passed, 0 failed"), "{out}");
    assert!(verdicts(&out).iter().all(|(_, v)| v == "ok"), "{out}");
    assert!(!out.contains("1234567890"), "the key is never printed");
    assert_eq!(
        merchant.accepted("SHOP-1001"),
        3,
        "valid, duplicate, resend"
    );
    assert_eq!(merchant.accepted("SHOP-0999"), 0);

    let bad = careless_merchant();
    let (code, out, _) = probe(&bad, Some(&orders), &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        wrong_cases(&out),
        [
            "tampered-amount",
            "wrong-key",
            "unsigned",
            "wrong-merchant",
            "pay-result-0",
            "wrong-order-amount",
            "wrong-pay-amount",
            "unknown-order",
            "replayed",
            "paid-after-refund",
        ],
        "{out}"
    );
    assert!(out.contains("3 passed, 10 failed"), "{out}");

    let (code, out, _) = probe(&bad, Some(&orders), &["--format", "json"]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 13);
    assert_eq!(cases.iter().filter(|c| c["correct"] == false).count(), 10);

    let (code, out, _) = probe(&bad, Some(&orders), &["--format", "junit"]);
    assert_eq!(code, 1);
    assert!(out.contains(r#"tests="13" failures="10""#), "{out}");
    assert_eq!(out.matches("<failure ").count(), 10);

    // The same verdicts as a page: one row per case, the wrong ones marked.
    let (code, out, _) = probe(&bad, Some(&orders), &["--format", "html"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<!DOCTYPE html>"), "{out}");
    assert_eq!(out.matches("<tr class=\"fail\">").count(), 10);
    assert_eq!(out.matches("<tr class=\"pass\">").count(), 3);
    assert!(out.contains("3 right</span>") && out.contains("10 wrong</span>"));
}

#[test]
fn probe_tells_a_merchant_that_checks_amounts_from_one_that_does_not() {
    let orders = Orders::new();
    let (url, _) = serve_correct(orders.issue(new_merchant(None)).trusting_amounts());
    let (code, out, _) = probe(&url, Some(&orders), &[]);
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        wrong_cases(&out),
        ["wrong-order-amount", "wrong-pay-amount"],
        "{out}"
    );
    let (url, _) = correct_merchant(&orders, None);
    let (code, out, _) = probe(&url, Some(&orders), &[]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn probe_without_the_merchants_order_misjudges_a_strict_merchant() {
    // Without --order-no the probe invents an order the merchant never issued: a
    // merchant that refuses unknown orders rejects the valid cases too.
    let orders = Orders::new();
    let (url, _) = correct_merchant(&orders, None);
    let (code, out, _) = probe(&url, None, &[]);
    assert_eq!(code, 1);
    assert_eq!(wrong_cases(&out), ["valid", "duplicate", "resend"], "{out}");
    let (code, _, err) = probe(&url, None, &["--order-no", "X1"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, err) = probe(
        &url,
        None,
        &[
            "--order-no",
            "X 1",
            "--order-amount",
            "1",
            "--order-datetime",
            "20250101120000",
        ],
    );
    one_line_error(code, &err);
    let (code, _, err) = probe(&url, None, &["--refunded-order", "X1,1"]);
    one_line_error(code, &err);
}

#[test]
fn probe_in_certificate_mode() {
    let orders = Orders::new();
    let pem = std::fs::read(allinpay_conformance::vectors_dir().join("keys/gateway-rsa1024.pem"))
        .expect("pem");
    let cert = GatewayCert::from_bytes(&pem).expect("cert");
    let (url, _merchant) = correct_merchant(&orders, Some(cert));
    let (code, out, err) = probe(&url, Some(&orders), &["--sign-type", "1"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("13 passed, 0 failed"), "{out}");
    // A merchant without the certificate cannot verify signType 1: it rejects the valid
    // ones too, and the probe says so.
    let (url, _) = correct_merchant(&orders, None);
    let (code, out, _) = probe(&url, Some(&orders), &["--sign-type", "1"]);
    assert_eq!(code, 1);
    assert!(out.contains("10 passed, 3 failed"), "{out}");
}

#[test]
fn command_lines_refuse_bad_input_with_one_line() {
    let (code, _, err) = ac(&["gateway", "--listen", "0.0.0.0:0", "--key", "k"]);
    one_line_error(code, &err);
    assert!(err.contains("loopback"), "{err}");
    let (code, _, err) = ac(&["gateway", "--listen", "127.0.0.1:0"]);
    one_line_error(code, &err);
    let (code, _, err) = ac(&[
        "gateway",
        "--listen",
        "127.0.0.1:0",
        "--key",
        "k",
        "--resend-delays",
        "1s,1s,1s,1s",
    ]);
    one_line_error(code, &err);
    let (code, _, err) = ac(&[
        "gateway",
        "--listen",
        "127.0.0.1:0",
        "--key",
        "k",
        "--resend-delays",
        "soon",
    ]);
    one_line_error(code, &err);
    for bad in [
        ["--max-connections", "0"],
        ["--header-timeout", "0s"],
        ["--body-timeout", "soon"],
    ] {
        let mut args = vec!["gateway", "--listen", "127.0.0.1:0", "--key", "k"];
        args.extend(bad);
        let (code, _, err) = ac(&args);
        one_line_error(code, &err);
    }
    let (code, _, err) = ac(&[
        "probe-merchant",
        "--notify-url",
        "http://example.com/notify",
        "--key",
        "k",
    ]);
    one_line_error(code, &err);
    // Nothing listens on a port just released.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let (code, _, err) = ac(&[
        "probe-merchant",
        "--notify-url",
        &format!("http://127.0.0.1:{port}/n"),
        "--key",
        "k",
    ]);
    one_line_error(code, &err);
}
