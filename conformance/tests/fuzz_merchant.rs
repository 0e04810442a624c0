//! `probe-merchant --fuzz`: each fragile example merchant (`examples/merchants/fragile.rs`)
//! is found with a fixed seed, in its class, and shrunk to a body whose `curl` line
//! replays it; the correct merchant has no critical and no robustness finding over a short
//! run; the rate and the connections stay within their bounds; a run is the same for a
//! seed; bad options are one line and exit 2.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[allow(dead_code)]
#[path = "../../examples/merchants/fragile.rs"]
mod fragile;

#[path = "../../sandbox/tests/gateway_support/mod.rs"]
mod gateway_support;

use fragile::{correct, Variant};

use allinpay_protocol::any;
use allinpay_protocol::MessageKind;
use allinpay_sandbox::net::{request_blocking, LoopbackUrl};

const KEY: &str = "1234567890";
const ORDER: &str = "SHOP-1001";

fn order_datetime() -> String {
    allinpay_sandbox::time::cst14(allinpay_sandbox::time::unix_secs() - 300)
}

fn merchant(datetime: &str) -> correct::Merchant {
    correct::Merchant::new(
        allinpay_protocol::MerchantKey::new(KEY).expect("a test key"),
        "100020091218001",
        None,
    )
    .with_order(ORDER, 1000, datetime)
}

fn listen() -> (TcpListener, String) {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    (l, url)
}

fn serve_fragile(variant: Variant, datetime: &str) -> String {
    let (l, url) = listen();
    let m = Arc::new(merchant(datetime));
    std::thread::spawn(move || fragile::serve(l, m, variant, 100_000));
    url
}

fn serve_correct(datetime: &str) -> (String, Arc<correct::Merchant>) {
    let (l, url) = listen();
    let m = Arc::new(merchant(datetime));
    let served = m.clone();
    std::thread::spawn(move || correct::serve(l, served, 100_000));
    (url, m)
}

/// `probe-merchant --notify-url URL --key K --order-… ARGS…`: (exit code, stdout, stderr).
fn ac(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("allinpay-conformance runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn fuzz(url: &str, datetime: &str, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "probe-merchant",
        "--notify-url",
        url,
        "--key",
        KEY,
        "--order-no",
        ORDER,
        "--order-amount",
        "1000",
        "--order-datetime",
        datetime,
    ];
    args.extend_from_slice(extra);
    ac(&args)
}

/// One printed finding.
#[derive(Debug)]
struct Shown {
    heading: String,
    why: String,
    original_len: usize,
    min_len: usize,
    reproduce: String,
}

fn findings(stdout: &str) -> Vec<Shown> {
    let lines: Vec<&str> = stdout.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        if !l.starts_with("finding ") {
            continue;
        }
        let get = |prefix: &str| {
            lines[i + 1..]
                .iter()
                .take(4)
                .find_map(|x| x.trim_start().strip_prefix(prefix))
                .unwrap_or_default()
                .to_owned()
        };
        let sizes = get("minimal body after ");
        // "N replays (A → B bytes): …"
        let (a, b) = sizes
            .split_once('(')
            .and_then(|(_, r)| r.split_once(" bytes)"))
            .and_then(|(r, _)| r.split_once(" → "))
            .expect("sizes");
        out.push(Shown {
            heading: (*l).to_owned(),
            why: lines[i + 1].trim().to_owned(),
            original_len: a.parse().expect("a length"),
            min_len: b.parse().expect("a length"),
            reproduce: get("reproduce: "),
        });
    }
    out
}

/// The bytes the reproducer pipes into curl, as `sh` writes them.
fn replay_bytes(reproduce: &str) -> Vec<u8> {
    let (producer, curl) = reproduce.rsplit_once(" | curl ").expect("a pipe into curl");
    assert!(curl.contains("--data-binary @-"), "{reproduce}");
    let out = Command::new("sh")
        .args(["-c", producer])
        .output()
        .expect("sh runs");
    assert!(out.status.success());
    out.stdout
}

/// The input count of the report's `summary: N inputs …` line.
fn summary_inputs(out: &str) -> u64 {
    out.split("summary: ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("the summary's input count")
}

/// POSTs `body` to `url` (as the probe does) and returns the status.
fn post(url: &str, body: &[u8]) -> u16 {
    let u = LoopbackUrl::parse(url).expect("url");
    request_blocking(
        &u,
        Some(("application/x-www-form-urlencoded;charset=UTF-8", body)),
        &[],
        Duration::from_secs(5),
    )
    .expect("an answer")
    .status
}

/// The whole reproducer line, when curl is installed: its printed status line.
fn curl_status(reproduce: &str) -> Option<String> {
    let has_curl = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !has_curl {
        eprintln!("curl is not installed: the reproducer's bytes are replayed without it");
        return None;
    }
    let out = Command::new("sh")
        .args(["-c", reproduce])
        .output()
        .expect("sh runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .map(str::to_owned)
}

/// 400 inputs of seed 7 against the fragile merchant `variant`, which fail the run: its
/// URL, the output, the findings shown.
fn fuzz_fragile(variant: Variant) -> (String, String, String, Vec<Shown>) {
    let dt = order_datetime();
    let url = serve_fragile(variant, &dt);
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &["--fuzz", "400", "--seed", "7", "--rate", "1000"],
    );
    assert_eq!(code, 1, "{out}{err}");
    let shown = findings(&out);
    (url, out, err, shown)
}

#[test]
fn a_500_on_a_non_numeric_error_code_is_a_robustness_finding_shrunk() {
    let (url, out, err, shown) = fuzz_fragile(Variant::FiveHundredOnErrorCode);
    let f = shown
        .iter()
        .find(|f| f.heading.contains("ROBUSTNESS"))
        .unwrap_or_else(|| panic!("a robustness finding: {out}"));
    assert!(f.why.contains("answered HTTP 500"), "{f:?}");
    assert!(f.min_len <= f.original_len, "{f:?}");
    let body = replay_bytes(&f.reproduce);
    assert_eq!(body.len(), f.min_len, "{f:?}");
    // The shrunk body keeps what the bug needs: an errorCode that is not a number.
    let text = String::from_utf8_lossy(&body);
    assert!(text.contains("errorCode="), "{text:?}");
    assert!(f.min_len < 40, "shrunk to a few bytes: {f:?}");
    assert_eq!(post(&url, &body), 500, "the body still reproduces");
    if let Some(status) = curl_status(&f.reproduce) {
        assert!(status.contains(" 500"), "{status}");
    }
    assert!(
        !shown.iter().any(|f| f.heading.contains("CRITICAL")),
        "{out}"
    );
    assert!(out.contains("findings: 0 critical, "), "{out}");
    assert!(
        !out.contains(KEY) && !err.contains(KEY),
        "the key is never printed"
    );
}

#[test]
fn the_json_report_carries_the_findings() {
    let dt = order_datetime();
    let url = serve_fragile(Variant::FiveHundredOnErrorCode, &dt);
    let args = ["--fuzz", "400", "--seed", "7", "--rate", "1000"];
    let (code, out, err) = fuzz(&url, &dt, &[&args[..], &["--format", "json"]].concat());
    assert_eq!(code, 1, "{out}{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(r["schema"], "allinpay-conformance-fuzz/v1");
    assert_eq!(r["target"], "merchant");
    assert_eq!(r["seed"], 7);
    assert_eq!(r["failed"], true);
    assert!(r["counts"]["robustness"].as_u64() >= Some(1), "{r:#}");
    let f = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["class"] == "robustness"))
        .unwrap_or_else(|| panic!("a robustness finding: {r:#}"));
    let body = f["body"].as_str().expect("the minimal body");
    // The body it names still gets a 500, and its replay line sends exactly it.
    assert_eq!(post(&url, body.as_bytes()), 500, "{f:#}");
    let reproduce = f["reproduce"].as_str().expect("a replay line");
    assert_eq!(replay_bytes(reproduce), body.as_bytes());
    assert!(!out.contains(KEY), "the key is never printed");
    // The text report of the same seed shows the same minimal body.
    let (_, text, _) = fuzz(&url, &dt, &args);
    let shown = findings(&text);
    assert!(
        shown
            .iter()
            .any(|t| replay_bytes(&t.reproduce) == body.as_bytes()),
        "{text}"
    );
    // Other formats are refused, in one line.
    for format in ["junit", "html"] {
        let (code, out, err) = fuzz(&url, &dt, &[&args[..], &["--format", format]].concat());
        assert_eq!(code, 2, "{out}{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains("text or json"), "{err}");
    }
}

#[test]
fn accept_on_exception_is_a_critical_finding_shrunk() {
    let (url, out, _, shown) = fuzz_fragile(Variant::AcceptOnException);
    let criticals: Vec<&Shown> = shown
        .iter()
        .filter(|f| f.heading.contains("CRITICAL"))
        .collect();
    assert!(!criticals.is_empty(), "{out}");
    for f in criticals {
        assert!(f.why.contains("answered HTTP 200"), "{f:?}");
        assert!(f.why.contains("the built-in cannot read"), "{f:?}");
        assert!(f.min_len <= f.original_len && f.min_len < 40, "{f:?}");
        let body = replay_bytes(&f.reproduce);
        assert_eq!(body.len(), f.min_len, "{f:?}");
        // Independently of the fuzzer: the protocol library cannot read it, and the
        // merchant still acknowledges it.
        assert!(any::parse(
            MessageKind::PayNotify,
            &body,
            allinpay_protocol::codec::Mode::Lenient
        )
        .is_err());
        assert_eq!(post(&url, &body), 200, "the body still reproduces: {f:?}");
        if let Some(status) = curl_status(&f.reproduce) {
            assert!(status.contains(" 200"), "{status}");
        }
    }
    assert!(out.contains(", 0 robustness"), "{out}");
}

#[test]
fn a_connection_closed_without_an_answer_is_a_robustness_finding_shrunk() {
    // A merchant whose handler thread dies on a NUL byte: the connection closes unanswered.
    let (l, url) = listen();
    std::thread::spawn(move || {
        correct::serve_with(l, 100_000, |body| {
            if body.windows(3).any(|w| w == b"%00") {
                panic!("the handler died (this panic is the test's merchant, on purpose)");
            }
            ("400 Bad Request", "no".into())
        });
    });
    let dt = order_datetime();
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &["--fuzz", "300", "--seed", "7", "--rate", "1000"],
    );
    assert_eq!(code, 1, "{out}{err}");
    let shown = findings(&out);
    assert_eq!(shown.len(), 1, "{out}");
    let f = &shown[0];
    assert!(f.heading.contains("ROBUSTNESS"), "{f:?}");
    assert!(
        f.why.contains("closed the connection without an answer"),
        "{f:?}"
    );
    assert_eq!(replay_bytes(&f.reproduce), b"%00", "{f:?}");
}

#[test]
fn a_merchant_that_goes_down_stops_the_run() {
    // A merchant that stops listening when a body holds a NUL byte.
    let (l, url) = listen();
    std::thread::spawn(move || {
        for stream in l.incoming() {
            let Ok(mut stream) = stream else { continue };
            let body = gateway_support::read_body(&mut stream, 1024 * 1024).unwrap_or_default();
            if body.contains("%00") {
                return; // the listener is dropped: later connections are refused
            }
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno",
            );
        }
    });
    let dt = order_datetime();
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &["--fuzz", "300", "--seed", "7", "--rate", "1000"],
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("stopped early: input ") && out.contains("connections"),
        "{out}{err}"
    );
    // The input that brought it down is shown, not shrunk (the merchant is gone). With two
    // connections a later input may meet the closed port first: it is shown too, as
    // refused, and the run still judges the one sent alongside it.
    let shown = findings(&out);
    let killer = shown
        .iter()
        .find(|f| f.why.contains("closed the connection without an answer"))
        .unwrap_or_else(|| panic!("the input that brought it down: {out}"));
    assert_eq!(killer.min_len, killer.original_len, "{killer:?}");
    assert!(replay_bytes(&killer.reproduce)
        .windows(3)
        .any(|w| w == b"%00"));
    assert!(shown.len() <= 2, "{out}");
    for f in &shown {
        assert!(
            f.why.contains("brought it down"),
            "each finding says the merchant went down: {out}"
        );
    }
    let inputs = summary_inputs(&out);
    assert!(inputs < 300, "the run stopped early: {out}");
}

#[test]
fn no_answer_within_the_timeout_is_a_robustness_finding_shrunk() {
    // A merchant that hangs on a NUL byte in the body (`%00` decoded by its form reader).
    let (l, url) = listen();
    std::thread::spawn(move || {
        correct::serve_with(l, 100_000, |body| {
            if body.windows(3).any(|w| w == b"%00") {
                std::thread::sleep(Duration::from_millis(1500));
            }
            ("400 Bad Request", "no".into())
        });
    });
    let dt = order_datetime();
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &[
            "--fuzz",
            "300",
            "--seed",
            "7",
            "--rate",
            "1000",
            "--timeout",
            "200ms",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let shown = findings(&out);
    assert_eq!(shown.len(), 1, "{out}");
    let f = &shown[0];
    assert!(f.heading.contains("ROBUSTNESS"), "{f:?}");
    assert!(f.why.contains("no answer within 200ms"), "{f:?}");
    assert_eq!(replay_bytes(&f.reproduce), b"%00", "{f:?}");
}

#[test]
fn the_correct_merchant_is_clean() {
    let dt = order_datetime();
    let (url, m) = serve_correct(&dt);
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &["--fuzz", "3s", "--seed", "11", "--rate", "500"],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("findings: 0 critical, 0 robustness"), "{out}");
    assert!(findings(&out).is_empty(), "{out}");
    // Valid notifications reached it and were accepted: the run was not all garbage.
    assert!(m.accepted(ORDER) >= 1, "{out}");
    let inputs = summary_inputs(&out);
    assert!(inputs >= 100, "{out}");
    // The progress line on stderr names inputs/s and the findings.
    assert!(
        err.contains("inputs/s; findings: 0 critical, 0 robustness"),
        "{err}"
    );
}

#[test]
fn the_rate_and_the_connections_stay_within_their_bounds() {
    // A merchant that takes 30 ms per notification and counts the ones it holds at once.
    let (l, url) = listen();
    let (now, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n2, m2) = (now.clone(), max.clone());
    std::thread::spawn(move || {
        correct::serve_with(l, 100_000, move |_| {
            let held = n2.fetch_add(1, Ordering::SeqCst) + 1;
            m2.fetch_max(held, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(30));
            n2.fetch_sub(1, Ordering::SeqCst);
            ("400 Bad Request", "no".into())
        });
    });
    let dt = order_datetime();
    let (code, out, err) = fuzz(
        &url,
        &dt,
        &[
            "--fuzz",
            "60",
            "--seed",
            "1",
            "--rate",
            "1000",
            "--connections",
            "3",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(max.load(Ordering::SeqCst), 3, "three at once, never more");
    // 20 requests at 10/s: 19 gaps of 100 ms at least.
    let t = Instant::now();
    let (code, out, err) = fuzz(&url, &dt, &["--fuzz", "20", "--seed", "1", "--rate", "10"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        t.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn a_run_is_the_same_for_a_seed() {
    let dt = order_datetime();
    let runs: Vec<Vec<String>> = (0..2)
        .map(|_| {
            let url = serve_fragile(Variant::AcceptOnException, &dt);
            let (_, out, _) = fuzz(
                &url,
                &dt,
                &[
                    "--fuzz",
                    "200",
                    "--seed",
                    "3",
                    "--rate",
                    "1000",
                    "--connections",
                    "4",
                ],
            );
            out.lines()
                .filter(|l| l.starts_with("finding ") || l.trim_start().starts_with("minimal body"))
                .map(str::to_owned)
                .chain(
                    out.lines()
                        .filter_map(|l| l.split_once("findings: ").map(|(_, c)| c.to_owned())),
                )
                .collect()
        })
        .collect();
    assert!(runs[0].len() > 1, "{:?}", runs[0]);
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn bad_fuzz_options_are_one_line_and_exit_2() {
    let dt = order_datetime();
    let base = |url: &str, extra: &[&str]| fuzz(url, &dt, extra);
    let ok_url = "http://127.0.0.1:9/notify";
    for (url, extra, says) in [
        (ok_url, &["--fuzz", "0"][..], "--fuzz"),
        (ok_url, &["--fuzz", "soon"][..], "--fuzz"),
        ("http://10.0.0.1/notify", &["--fuzz", "10"][..], "10.0.0.1"),
        (ok_url, &["--fuzz", "10", "--rate", "0"][..], "--rate"),
        (ok_url, &["--fuzz", "10", "--rate", "5000"][..], "--rate"),
        (
            ok_url,
            &["--fuzz", "10", "--connections", "0"][..],
            "--connections",
        ),
        (
            ok_url,
            &["--fuzz", "10", "--connections", "9"][..],
            "--connections",
        ),
        (
            ok_url,
            &["--fuzz", "10", "--format", "junit"][..],
            "--format",
        ),
        (
            ok_url,
            &["--fuzz", "10", "--timeout", "0ms"][..],
            "--timeout",
        ),
        (ok_url, &["--seed", "1"][..], "--fuzz"),
        (ok_url, &["--rate", "10"][..], "--fuzz"),
    ] {
        let (code, out, err) = base(url, extra);
        assert_eq!(code, 2, "{extra:?}: {out}{err}");
        assert_eq!(err.lines().count(), 1, "{extra:?}: {err:?}");
        assert!(
            err.starts_with("error: ") && err.contains(says),
            "{extra:?}: {err:?}"
        );
        assert!(!err.contains("panicked"));
    }
    // Without the merchant's order.
    let (code, _, err) = ac(&[
        "probe-merchant",
        "--notify-url",
        ok_url,
        "--key",
        KEY,
        "--fuzz",
        "10",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("--order-no"), "{err}");
    // Nobody listening: one line naming the address.
    let (l, url) = listen();
    drop(l);
    let (code, _, err) = base(&url, &["--fuzz", "10"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.lines().count(), 1, "{err:?}");
    assert!(err.contains("cannot reach the merchant"), "{err}");
}
