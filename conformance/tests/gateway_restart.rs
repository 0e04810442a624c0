//! Kill -9 the gateway in the middle of a resend schedule and start it again on the same
//! state file: no order, refund or pending notification is lost, pending resends go on,
//! and every notification ends delivered or exhausted exactly per §2.2.1 (1 + 3 posts at
//! most, never more).

#[path = "../../sandbox/tests/gateway_support/mod.rs"]
mod gateway_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::codec::{form, Mode};
use allinpay_protocol::msgs::{OrderQuery, Refund};
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{Charset, MessageKind};

use gateway_support::*;

/// The gateway as a child process; killed on drop.
struct Gateway {
    child: Child,
    base: String,
}

impl Gateway {
    fn start(state: &std::path::Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
            .args([
                "gateway",
                "--listen",
                "127.0.0.1:0",
                "--key",
                KEY,
                "--resend-delays",
                "700ms,700ms,700ms",
                "--notify-timeout",
                "1s",
            ])
            .arg("--state")
            .arg(state)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn gateway");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        let base = first
            .strip_prefix("sandbox gateway listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        // Drain the request log so the pipe never fills.
        std::thread::spawn(move || for _ in lines.by_ref() {});
        Self { child, base }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn notes(gw: &Gateway) -> serde_json::Value {
    serde_json::from_slice(&get(&gw.url("/sandbox/notifications")).body).expect("json")
}

fn note(all: &serde_json::Value, no: &str) -> (String, u64) {
    let n = all
        .as_array()
        .and_then(|a| a.iter().find(|n| n["orderNo"] == no))
        .unwrap_or_else(|| panic!("no notification for {no}: {all}"));
    (
        n["status"].as_str().unwrap_or_default().to_owned(),
        n["attempts"].as_u64().unwrap_or_default(),
    )
}

#[test]
fn restart_mid_schedule_loses_nothing_and_sends_nothing_extra() {
    let dir = std::env::temp_dir().join(format!("ac-gw-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let state = dir.join("state.redb");

    // A always fails, B fails twice then accepts, C accepts at once.
    let merchant = Recorder::start(Arc::new(|order: &str, before: usize| match order {
        "A" => 500,
        "B" if before < 2 => 500,
        _ => 200,
    }));
    let gw = Gateway::start(&state);
    let mut datetimes = Vec::new();
    for no in ["A", "B", "C"] {
        let req = sign(pay_request(no, 1000, &merchant.url, "0"), &key());
        datetimes.push(req.order_datetime.clone().unwrap_or_default());
        let r = post(
            &gw.url("/sdk/pay"),
            allinpay_protocol::codec::json::render(&req).as_bytes(),
        );
        assert!(r.text().contains(r#""payResult":0"#), "{}", r.text());
    }
    let refund = |gw: &Gateway| {
        let r = Refund {
            version: Some("v2.3".into()),
            sign_type: Some("0".into()),
            merchant_id: Some(MERCHANT.into()),
            order_no: Some("C".into()),
            refund_amount: Some("300".into()),
            mcht_refund_order_no: Some("RFX".into()),
            order_datetime: Some(datetimes[2].clone()),
            sign_msg: None,
        };
        post(
            &gw.url("/gateway/index.do"),
            form::render(&sign(r, &key())).as_bytes(),
        )
    };
    let refund_before = refund(&gw);
    assert!(refund_before.text().contains("refundResult=20"));

    // Kill -9 between the first resend and the second (resends every 700 ms).
    assert!(wait_until(10, || merchant.bodies("A").len() == 2));
    std::thread::sleep(Duration::from_millis(200));
    gw.kill();
    let at_kill = [
        merchant.bodies("A").len(),
        merchant.bodies("B").len(),
        merchant.bodies("C").len(),
    ];
    assert_eq!(at_kill, [2, 2, 1]);
    // Down past the due time of the next resends.
    std::thread::sleep(Duration::from_millis(1600));
    assert_eq!(merchant.bodies("A").len(), 2, "nothing is sent while down");

    let gw = Gateway::start(&state);
    assert!(wait_until(15, || {
        let all = notes(&gw);
        all.as_array()
            .is_some_and(|a| a.len() == 3 && a.iter().all(|n| n["status"] != "pending"))
    }));
    // Nothing more arrives once settled.
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(merchant.bodies("A").len(), 4, "first delivery + 3 resends");
    assert_eq!(
        merchant.bodies("B").len(),
        3,
        "delivered on the second resend"
    );
    assert_eq!(merchant.bodies("C").len(), 1, "delivered at once");
    let all = notes(&gw);
    assert_eq!(note(&all, "A"), ("exhausted".into(), 4));
    assert_eq!(note(&all, "B"), ("delivered".into(), 3));
    assert_eq!(note(&all, "C"), ("delivered".into(), 1));

    // Every post verifies; each resend carries a later returnDatetime.
    let k = key();
    for no in ["A", "B"] {
        let mut last = String::new();
        for b in merchant.bodies(no) {
            let r = any::parse(MessageKind::PayNotify, b.body.as_bytes(), Mode::Strict)
                .expect("parses");
            r.verify(
                Credentials {
                    key: Some(&k),
                    cert: None,
                    expected_sign_type: None,
                },
                Charset::Utf8,
            )
            .expect("verifies");
            let AnyMessage::PayNotify(n) = r.message else {
                panic!()
            };
            let ret = n.return_datetime.unwrap_or_default();
            assert!(ret > last, "{no}: {ret} after {last}");
            last = ret;
        }
    }

    // The orders and the refund survived.
    for (no, odt) in ["A", "B", "C"].iter().zip(&datetimes) {
        let q = OrderQuery {
            merchant_id: Some(MERCHANT.into()),
            version: Some("v1.5".into()),
            sign_type: Some("0".into()),
            order_no: Some((*no).into()),
            order_datetime: Some(odt.clone()),
            query_datetime: Some(now14()),
            sign_msg: None,
        };
        let a = post(
            &gw.url("/gateway/index.do"),
            form::render(&sign(q, &key())).as_bytes(),
        );
        assert!(a.text().contains("payResult=1"), "{no}: {}", a.text());
    }
    assert_eq!(
        refund(&gw).body,
        refund_before.body,
        "same refund, same answer"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn kill_during_load_loses_nothing_acknowledged() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    use allinpay_sandbox::net::{request_blocking, LoopbackUrl};

    let dir = std::env::temp_dir().join(format!("ac-gw-kill-load-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let state = dir.join("state.redb");
    let merchant = Recorder::start(Arc::new(|_: &str, _: usize| 200));
    let gw = Gateway::start(&state);
    let pay = LoopbackUrl::parse(&gw.url("/sdk/pay")).expect("url");
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let down = Arc::new(AtomicBool::new(false));
    let clients: Vec<_> = (0..8)
        .map(|t| {
            let (pay, acked, down, url) = (
                pay.clone(),
                acked.clone(),
                down.clone(),
                merchant.url.clone(),
            );
            std::thread::spawn(move || {
                // Bounded: at most 5,000 payments a client.
                for i in 0..5_000 {
                    let no = format!("K{t}{i:05}");
                    let body = pay_json(&no, 1000, &url);
                    let r = request_blocking(
                        &pay,
                        Some(("application/json", body.as_bytes())),
                        &[],
                        Duration::from_secs(5),
                    );
                    match r {
                        Ok(r) if r.text().contains(r#""payResult":0"#) => {
                            acked.lock().expect("lock").push(no)
                        }
                        // Killed: anything after it is not acknowledged.
                        _ if down.load(Ordering::SeqCst) => return,
                        Ok(r) => panic!("{no}: {}", r.text()),
                        Err(e) => panic!("{no}: {e}"),
                    }
                }
            })
        })
        .collect();
    assert!(wait_until(30, || acked.lock().expect("lock").len() >= 400));
    // kill -9 while the 8 clients are paying.
    down.store(true, Ordering::SeqCst);
    gw.kill();
    for c in clients {
        c.join().expect("client");
    }
    let acked = acked.lock().expect("lock").clone();

    let gw = Gateway::start(&state);
    let all = notes(&gw);
    let known: std::collections::HashSet<&str> = all
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|n| n["orderNo"].as_str())
        .collect();
    let lost: Vec<&String> = acked
        .iter()
        .filter(|no| !known.contains(no.as_str()))
        .collect();
    println!(
        "kill -9 under load: {} payments acknowledged, {} orders after restart, {} lost",
        acked.len(),
        known.len(),
        lost.len()
    );
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    // Every acknowledged payment is notified, at most 1 + 3 times.
    assert!(wait_until(20, || {
        let all = notes(&gw);
        all.as_array()
            .is_some_and(|a| a.iter().all(|n| n["status"] == "delivered"))
    }));
    for no in &acked {
        let got = merchant.bodies(no).len();
        assert!((1..=4).contains(&got), "{no}: {got} posts");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
