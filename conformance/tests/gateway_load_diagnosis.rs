//! Load run (ignored; not a timed test): payments that all carry a wrong `signMsg`, with
//! the sandbox's diagnosis on (the conformance mistake search behind the sandbox's
//! `Diagnoser`). Half are signed over the fields in alphabetical order (explained, and
//! after the first from the known mistakes), half carry a signature no mistake makes
//! (each a full search, bounded; one at a time, the others skip). Prints requests/s and
//! p50/p99/max latency; asserts every answer is ZF10020, the explained ones name the
//! mistake, and p99 ≤ 50 ms. Numbers: docs/gateway.md.
//!
//! ```sh
//! cargo test --release -p allinpay-conformance --test gateway_load_diagnosis -- --ignored --nocapture
//! ```

#[path = "../../sandbox/tests/gateway_support/mod.rs"]
mod gateway_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use allinpay_conformance::diagnose::SandboxDiagnoser;
use allinpay_protocol::codec::json;
use allinpay_protocol::sign::md5_hex;
use allinpay_sandbox::Config;

use gateway_support::*;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// payData `i`: even ones signed over the fields sorted by name, odd ones with a
/// signature of the right shape that no mistake reproduces.
fn wrong_pay(i: usize, receive_url: &str) -> String {
    let unsigned = json::render(&pay_request(&format!("W{i:06}"), 1000, receive_url, "0"));
    let mut fields: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&unsigned).expect("JSON");
    fields.remove("signMsg");
    let sig = if i % 2 == 0 {
        alphabetical_md5(&fields)
    } else {
        md5_hex(format!("nothing a merchant signs {i}").as_bytes()).to_string()
    };
    fields.insert("signMsg".into(), sig.into());
    serde_json::to_string(&fields).expect("JSON")
}

#[test]
#[ignore = "load run: cargo test --release -p allinpay-conformance --test gateway_load_diagnosis -- --ignored --nocapture"]
fn ten_thousand_wrong_signatures() {
    let payments: usize = std::env::var("AC_LOAD_PAYMENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let workers = 16;
    let mut cfg = Config::new(key());
    cfg.diagnoser = Some(Arc::new(SandboxDiagnoser::default()));
    let budget = cfg.diagnosis_budget;
    let gw = Arc::new(allinpay_sandbox::spawn(cfg).expect("sandbox"));
    let url = "http://127.0.0.1:9/notify";
    let bodies: Arc<Vec<String>> = Arc::new((0..payments).map(|i| wrong_pay(i, url)).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let explained = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let threads: Vec<_> = (0..workers)
        .map(|_| {
            let (gw, bodies, next, explained) =
                (gw.clone(), bodies.clone(), next.clone(), explained.clone());
            std::thread::spawn(move || {
                let mut lat = Vec::new();
                let pay = gw.url("/sdk/pay");
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let t = Instant::now();
                    let r = post(&pay, body.as_bytes());
                    lat.push(t.elapsed());
                    assert!(r.text().contains("ZF10020"), "{}", r.text());
                    let detail = r.header("x-sandbox-detail").unwrap_or_default();
                    if detail.contains("alphabetical-order") {
                        assert_eq!(i % 2, 0, "{detail}");
                        explained.fetch_add(1, Ordering::Relaxed);
                    }
                    assert!(!detail.contains(KEY));
                }
                lat
            })
        })
        .collect();
    let mut lat: Vec<Duration> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("worker"))
        .collect();
    let elapsed = start.elapsed();
    lat.sort();
    let (p50, p99, max) = (
        percentile(&lat, 0.50),
        percentile(&lat, 0.99),
        lat.last().copied().unwrap_or_default(),
    );
    let explained = explained.load(Ordering::Relaxed);
    println!(
        "wrong signatures: {payments} payments, 16 clients, diagnosis budget {budget:?}: \
{:.0} requests/s, p50 / p99 / max {:.2} / {:.2} / {:.2} ms; {explained} of {} alphabetical-order ones named",
        payments as f64 / elapsed.as_secs_f64(),
        ms(p50),
        ms(p99),
        ms(max),
        payments.div_ceil(2)
    );
    assert!(explained > 0, "no mistake was named");
    assert!(p99 <= Duration::from_millis(50), "p99 {p99:?}");
}
