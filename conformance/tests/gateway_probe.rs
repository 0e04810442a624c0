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

fn correct_merchant(cert: Option<GatewayCert>) -> (String, Arc<correct::Merchant>) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    let m = Arc::new(correct::Merchant::new(
        MerchantKey::new("1234567890").expect("a test key"),
        "100020091218001",
        cert,
    ));
    let served = m.clone();
    std::thread::spawn(move || correct::serve(l, served, 1000));
    (url, m)
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
    let (good, _merchant) = correct_merchant(None);
    let (code, out, err) = ac(&[
        "probe-merchant",
        "--notify-url",
        &good,
        "--key",
        "1234567890",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("8 passed, 0 failed"), "{out}");
    assert!(verdicts(&out).iter().all(|(_, v)| v == "ok"), "{out}");
    assert!(!out.contains("1234567890"), "the key is never printed");

    let bad = careless_merchant();
    let (code, out, _) = ac(&[
        "probe-merchant",
        "--notify-url",
        &bad,
        "--key",
        "1234567890",
    ]);
    assert_eq!(code, 1, "{out}");
    let wrong: Vec<String> = verdicts(&out)
        .into_iter()
        .filter(|(_, v)| v == "WRONG")
        .map(|(c, _)| c)
        .collect();
    assert_eq!(
        wrong,
        [
            "tampered-amount",
            "wrong-key",
            "unsigned",
            "wrong-merchant",
            "pay-result-0"
        ],
        "{out}"
    );
    assert!(out.contains("3 passed, 5 failed"), "{out}");

    let (code, out, _) = ac(&[
        "probe-merchant",
        "--notify-url",
        &bad,
        "--key",
        "1234567890",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).expect("json report");
    let cases = report["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 8);
    assert_eq!(cases.iter().filter(|c| c["correct"] == false).count(), 5);

    let (code, out, _) = ac(&[
        "probe-merchant",
        "--notify-url",
        &bad,
        "--key",
        "1234567890",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains(r#"tests="8" failures="5""#), "{out}");
    assert_eq!(out.matches("<failure ").count(), 5);
}

#[test]
fn probe_in_certificate_mode() {
    let pem = std::fs::read(allinpay_conformance::vectors_dir().join("keys/gateway-rsa1024.pem"))
        .expect("pem");
    let (url, _merchant) = correct_merchant(Some(GatewayCert::from_bytes(&pem).expect("cert")));
    let (code, out, err) = ac(&[
        "probe-merchant",
        "--notify-url",
        &url,
        "--key",
        "1234567890",
        "--sign-type",
        "1",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("8 passed, 0 failed"), "{out}");
    // A merchant without the certificate cannot verify signType 1: it rejects the valid
    // ones too, and the probe says so.
    let (url, _) = correct_merchant(None);
    let (code, out, _) = ac(&[
        "probe-merchant",
        "--notify-url",
        &url,
        "--key",
        "1234567890",
        "--sign-type",
        "1",
    ]);
    assert_eq!(code, 1);
    assert!(out.contains("5 passed, 3 failed"), "{out}");
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
