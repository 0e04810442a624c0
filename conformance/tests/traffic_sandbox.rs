//! Traffic recorded on the sandbox, judged: the example merchant's exchanges are all
//! conforming; the careless merchant acknowledging forged notifications and a merchant
//! with a broken signer are named.
//!
//! How the HAR files are recorded (a fixture generator, not a tool under test): the test
//! plays the merchant's back end with a small client that POSTs to the sandbox
//! (`allinpay_sandbox::spawn`) over loopback and writes each request and answer as a HAR
//! 1.2 entry, timed with the system clock; the sandbox's notifications go through a
//! recording reverse proxy in front of the example merchant, which writes the
//! notification and the merchant's answer the same way.

#[allow(dead_code)]
#[path = "../../examples/merchants/correct.rs"]
mod correct;

#[allow(dead_code)]
#[path = "../../examples/merchants/careless.rs"]
mod careless;

#[path = "../../sandbox/tests/gateway_support/mod.rs"]
mod gateway_support;

use std::io::Write as _;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use allinpay_conformance::traffic::finding::{Severity, Topic, Verdict};
use allinpay_conformance::traffic::judge::SignatureStatus;
use allinpay_conformance::traffic::{judge_inputs, Keys, TrafficReport};
use allinpay_protocol::codec::{form, json as json_codec};
use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::enums::SignType;
use allinpay_protocol::msgs::{BatchQuery, Message, OrderQuery, Refund, RefundQuery};
use allinpay_protocol::value::Fen;
use allinpay_protocol::{GatewayCert, MessageKind};
use allinpay_sandbox::net::{request_blocking, LoopbackUrl};
use allinpay_sandbox::Config;

use gateway_support::{key, now14, pay_request, read_body, sign, wait_until, KEY, MERCHANT};

const FORM: &str = "application/x-www-form-urlencoded";

/// The entries recorded so far.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<(SystemTime, Value)>>>);

/// `2024-03-15T02:15:30.123Z`.
fn iso(t: SystemTime) -> String {
    let d = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .expect("after the epoch");
    let secs = d.as_secs() as i64;
    // from_unix_cst gives UTC+8; eight hours earlier is UTC.
    let utc = DateTime14::from_unix_cst(secs - 8 * 3600);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        d.subsec_millis()
    )
}

impl Recorder {
    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        started: SystemTime,
        elapsed: Duration,
        url: &str,
        request_type: &str,
        request: &[u8],
        status: u16,
        response_type: &str,
        response: &[u8],
    ) {
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        let ms = elapsed.as_secs_f64() * 1000.0;
        let entry = json!({
            "startedDateTime": iso(started),
            "time": ms,
            "request": {
                "method": "POST", "url": url, "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [{"name": "Content-Type", "value": request_type}],
                "queryString": [], "headersSize": -1, "bodySize": request.len(),
                "postData": {"mimeType": request_type, "text": text(request)},
            },
            "response": {
                "status": status, "statusText": "", "httpVersion": "HTTP/1.1", "cookies": [],
                "headers": [{"name": "Content-Type", "value": response_type}],
                "content": {"size": response.len(), "mimeType": response_type, "text": text(response)},
                "redirectURL": "", "headersSize": -1, "bodySize": response.len(),
            },
            "cache": {},
            "timings": {"send": 0, "wait": ms, "receive": 0},
        });
        self.0.lock().expect("lock").push((started, entry));
    }

    /// POSTs `body` to `url` and records the exchange.
    fn post(&self, url: &str, content_type: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let u = LoopbackUrl::parse(url).expect("loopback url");
        let started = SystemTime::now();
        let t0 = Instant::now();
        let reply = request_blocking(&u, Some((content_type, body)), &[], Duration::from_secs(10))
            .expect("HTTP exchange");
        let ctype = reply
            .header("content-type")
            .unwrap_or("text/plain")
            .to_owned();
        self.record(
            started,
            t0.elapsed(),
            url,
            content_type,
            body,
            reply.status,
            &ctype,
            &reply.body,
        );
        (reply.status, reply.body)
    }

    fn len(&self) -> usize {
        self.0.lock().expect("lock").len()
    }

    /// The HAR 1.2 file, entries in the order they started.
    fn write(&self, name: &str) -> std::path::PathBuf {
        let mut entries = self.0.lock().expect("lock").clone();
        entries.sort_by_key(|(t, _)| *t);
        let har = json!({"log": {
            "version": "1.2",
            "creator": {"name": "allinpay-conformance test recorder", "version": "1",
                        "comment": "conformance/tests/traffic_sandbox.rs: a client and a reverse proxy on loopback"},
            "entries": entries.into_iter().map(|(_, e)| e).collect::<Vec<_>>(),
        }});
        let dir = std::env::temp_dir().join(format!("allinpay-traffic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&har).expect("json")).expect("write");
        path
    }
}

/// A recording reverse proxy on loopback in front of the merchant's `/notify`.
fn proxy(rec: &Recorder, merchant_url: String) -> String {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/notify", l.local_addr().expect("addr"));
    let rec = rec.clone();
    let shown = url.clone();
    std::thread::spawn(move || {
        for stream in l.incoming().take(1000) {
            let Ok(mut stream) = stream else { continue };
            let rec = rec.clone();
            let merchant = merchant_url.clone();
            let shown = shown.clone();
            std::thread::spawn(move || {
                let Some(body) = read_body(&mut stream, 1024 * 1024) else {
                    return;
                };
                let started = SystemTime::now();
                let t0 = Instant::now();
                let u = LoopbackUrl::parse(&merchant).expect("merchant url");
                let Ok(reply) = request_blocking(
                    &u,
                    Some((FORM, body.as_bytes())),
                    &[],
                    Duration::from_secs(5),
                ) else {
                    return;
                };
                rec.record(
                    started,
                    t0.elapsed(),
                    &shown,
                    FORM,
                    body.as_bytes(),
                    reply.status,
                    "text/plain",
                    &reply.body,
                );
                let _ = write!(
                    stream,
                    "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    reply.status,
                    reply.body.len()
                );
                let _ = stream.write_all(&reply.body);
            });
        }
    });
    url
}

fn fast(cfg: Config) -> Config {
    Config {
        resend_delays: vec![Duration::from_millis(300); 3],
        notify_timeout: Duration::from_secs(2),
        fault_delay: Duration::from_millis(200),
        ..cfg
    }
}

fn test_cert() -> GatewayCert {
    let pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/keys/gateway-rsa1024.pem"
    ))
    .expect("committed certificate");
    GatewayCert::from_bytes(&pem).expect("cert")
}

fn dt(s: &str) -> DateTime14 {
    DateTime14::parse14(s).expect("a datetime")
}

/// The merchant's side of a payment: the sandbox, the order datetime, the notify URL.
struct Shop<'a> {
    rec: &'a Recorder,
    gw: &'a allinpay_sandbox::Running,
    odt: &'a str,
    notify: &'a str,
}

impl Shop<'_> {
    /// Pays `no` through `/sdk/pay` (the Android result when `android`).
    fn pay(&self, no: &str, amount: u64, sign_type: &str, android: bool) {
        let mut req = pay_request(no, amount, self.notify, sign_type);
        req.order_datetime = Some(self.odt.to_owned());
        let path = if android {
            "/sdk/pay?platform=android"
        } else {
            "/sdk/pay"
        };
        let (status, body) = self.rec.post(
            &self.gw.url(path),
            "application/json",
            json_codec::render(&sign(req, &key())).as_bytes(),
        );
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }
}

fn summary(report: &TrafficReport) -> String {
    allinpay_conformance::traffic::render(
        report,
        allinpay_conformance::traffic::TrafficFormat::Text,
    )
}

#[test]
fn the_example_merchant_s_traffic_is_all_conforming() {
    let rec = Recorder::default();
    let gw = allinpay_sandbox::spawn(fast(Config::new(key())).with_test_cert()).expect("sandbox");
    let odt = now14();
    let merchant = correct::Merchant::new(key(), MERCHANT, Some(test_cert()))
        .with_order("SHOP-1", 1000, &odt)
        .with_order("SHOP-2", 2000, &odt);
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let merchant_url = format!("http://{}/notify", l.local_addr().expect("addr"));
    let merchant = Arc::new(merchant);
    let served = merchant.clone();
    std::thread::spawn(move || correct::serve(l, served, 100));
    let notify = proxy(&rec, merchant_url);

    let shop = Shop {
        rec: &rec,
        gw: &gw,
        odt: &odt,
        notify: &notify,
    };
    shop.pay("SHOP-1", 1000, "0", false);
    shop.pay("SHOP-2", 2000, "1", true);
    assert!(wait_until(15, || merchant.accepted("SHOP-1") == 1
        && merchant.accepted("SHOP-2") == 1));

    let api = gw.url("/gateway/index.do");
    for (no, st) in [("SHOP-1", SignType::Md5), ("SHOP-2", SignType::Certificate)] {
        let q = OrderQuery::builder()
            .merchant_id(MERCHANT)
            .sign_type(st)
            .order_no(no)
            .order_datetime(dt(&odt))
            .query_datetime(dt(&now14()))
            .sign(&key())
            .expect("query");
        let (status, body) = rec.post(&api, FORM, q.to_form_body().as_bytes());
        assert!(
            status == 200 && !body.starts_with(b"ERRORCODE"),
            "{}",
            String::from_utf8_lossy(&body)
        );
    }
    let refund = Refund::builder()
        .merchant_id(MERCHANT)
        .sign_type(SignType::Md5)
        .order_no("SHOP-1")
        .refund_amount(Fen(300))
        .mcht_refund_order_no("R-1")
        .order_datetime(dt(&odt))
        .sign(&key())
        .expect("refund");
    let (_, body) = rec.post(&api, FORM, refund.to_form_body().as_bytes());
    assert!(
        !body.starts_with(b"ERRORCODE"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let rq = RefundQuery::builder()
        .merchant_id(MERCHANT)
        .sign_type(SignType::Md5)
        .order_no("SHOP-1")
        .refund_amount(Fen(300))
        .mcht_refund_order_no("R-1")
        .sign(&key())
        .expect("refund query");
    let (_, body) = rec.post(
        &gw.url("/mchtoq/refundQuery"),
        FORM,
        rq.to_form_body().as_bytes(),
    );
    assert!(
        !body.starts_with(b"ERRORCODE"),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let day = &odt[..8];
    let batch = sign(
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
    rec.post(
        &gw.url("/mchtoq/index.do"),
        FORM,
        form::render(&batch).as_bytes(),
    );
    let har = rec.write("correct.har");
    gw.stop();

    let cert = test_cert();
    let k = key();
    let report = judge_inputs(
        &[&har],
        Keys {
            key: Some(&k),
            cert: Some(&cert),
        },
    )
    .expect("judged");
    let text = summary(&report);
    assert_eq!(report.errors(), 0, "{text}");
    assert_eq!(report.exit_code(), 0, "{text}");
    assert!(
        report.unrecognised.is_empty() && report.unreadable.is_empty(),
        "{text}"
    );
    for (_, m) in report.messages() {
        assert_eq!(
            m.verdict,
            Verdict::Valid,
            "{} {:?}\n{text}",
            m.kind.name(),
            m.findings
        );
        if m.kind.def().scheme != allinpay_protocol::spec::SignScheme::Unsigned {
            assert_eq!(
                m.signature.status,
                SignatureStatus::Verified,
                "{}\n{text}",
                m.kind.name()
            );
        }
    }
    let mut kinds: Vec<&str> = report.messages().map(|(_, m)| m.kind.name()).collect();
    kinds.sort_unstable();
    let mut want = vec![
        "pay-request",
        "pay-request",
        "sync-result-ios",
        "sync-result-android",
        "pay-notify",
        "pay-notify",
        "order-query",
        "order-query",
        "order-query-response",
        "order-query-response",
        "refund",
        "refund-response",
        "refund-query",
        "refund-query-response",
        "batch-query",
        "batch-query-response",
    ];
    want.sort_unstable();
    assert_eq!(kinds, want, "{text}");
    assert_eq!(rec.len(), 9);

    // Written as vectors with the key and the certificate: they lint, and the
    // certificate-signed answers get CertVerify cases.
    let dir = har.with_file_name("vectors");
    let cert_pem = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/keys/gateway-rsa1024.pem"
    ))
    .expect("certificate");
    let written = allinpay_conformance::traffic::to_vectors::write(
        &report,
        &allinpay_conformance::traffic::to_vectors::VectorOptions {
            dir: &dir,
            key: Some(&k),
            cert: Some(&cert_pem),
            redact: &allinpay_conformance::traffic::redact::Redaction::default(),
        },
    )
    .expect("written");
    assert_eq!(written.files.len(), 12);
    let mut cert_groups = 0;
    for f in &written.files {
        allinpay_conformance::vectors::load(f).unwrap_or_else(|e| panic!("{e}"));
        cert_groups += std::fs::read_to_string(f)
            .expect("read")
            .matches("\"CertVerify\"")
            .count();
    }
    assert_eq!(
        cert_groups, 3,
        "notification, query answer and batch page of signType 1"
    );

    // The command line agrees.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args([
            "traffic",
            &har.display().to_string(),
            "--key",
            KEY,
            "--cert",
        ])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../vectors/keys/gateway-rsa1024.pem"
        ))
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("16 messages judged: 16 valid, 0 acceptable, 0 invalid; 0 errors"),
        "{stdout}"
    );
}

#[test]
fn the_careless_merchant_and_a_broken_signer_are_named() {
    let rec = Recorder::default();
    let gw = allinpay_sandbox::spawn(fast(Config::new(key()))).expect("sandbox");
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let merchant_url = format!("http://{}/notify", l.local_addr().expect("addr"));
    std::thread::spawn(move || careless::serve(l, 100));
    let notify = proxy(&rec, merchant_url);
    let odt = now14();
    // The sandbox's scripted faults (docs/gateway.md): before the genuine notification,
    // a copy with the amount changed (…12), signed with another key (…13), unsigned (…14).
    for (no, amount) in [("BAD-12", 1012), ("BAD-13", 1013), ("BAD-14", 1014)] {
        Shop {
            rec: &rec,
            gw: &gw,
            odt: &odt,
            notify: &notify,
        }
        .pay(no, amount, "0", false);
    }
    assert!(
        wait_until(15, || rec.len() >= 3 + 6),
        "{} entries",
        rec.len()
    );

    // A broken signer: lowercase hex on the query, the key appended without `&key=` on
    // the refund.
    let api = gw.url("/gateway/index.do");
    let mut q = OrderQuery::builder()
        .merchant_id(MERCHANT)
        .sign_type(SignType::Md5)
        .order_no("BAD-12")
        .order_datetime(dt(&odt))
        .query_datetime(dt(&now14()))
        .sign(&key())
        .expect("query");
    q.sign_msg = q.sign_msg.map(|s| s.to_ascii_lowercase());
    rec.post(&api, FORM, q.to_form_body().as_bytes());
    let mut refund = Refund::builder()
        .merchant_id(MERCHANT)
        .sign_type(SignType::Md5)
        .order_no("BAD-13")
        .refund_amount(Fen(100))
        .order_datetime(dt(&odt))
        .sign(&key())
        .expect("refund");
    if let Some(s) = refund.slot("signMsg") {
        *s = None;
    }
    let source = allinpay_protocol::sign::sign_source(&refund);
    refund.sign_msg =
        Some(allinpay_protocol::sign::md5_hex(format!("{source}{KEY}").as_bytes()).to_string());
    rec.post(&api, FORM, refund.to_form_body().as_bytes());
    let har = rec.write("careless.har");
    gw.stop();

    let k = key();
    let report = judge_inputs(
        &[&har],
        Keys {
            key: Some(&k),
            cert: None,
        },
    )
    .expect("judged");
    let text = summary(&report);
    assert_eq!(report.exit_code(), 1, "{text}");
    let lines: Vec<String> = report
        .entries
        .iter()
        .flat_map(|e| {
            e.all_findings()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.line())
        })
        .collect();
    // Each forged copy is acknowledged with HTTP 200.
    let acked = lines
        .iter()
        .filter(|l| l.starts_with("error exchange: the merchant answered HTTP 200 to a notification that fails signature verification"))
        .count();
    assert_eq!(acked, 3, "{text}");
    let failed: Vec<&str> = report
        .messages()
        .filter(|(_, m)| {
            m.kind == MessageKind::PayNotify && m.signature.status == SignatureStatus::Failed
        })
        .map(|(_, m)| m.signature.how.as_str())
        .collect();
    assert_eq!(failed.len(), 3, "{text}");
    assert!(
        failed.contains(&"signMsg is missing or empty"),
        "{failed:?}"
    );
    // The tampered copy's amount is not the order's.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("error order: orderAmount")
                && l.contains("is not the order's \"1012\"")),
        "{text}"
    );
    // The broken signer: the gateway refused both, and the diagnosis names the mistake.
    let diagnosis = |kind: MessageKind| -> String {
        report
            .messages()
            .find(|(_, m)| m.kind == kind)
            .map(|(_, m)| {
                m.findings
                    .iter()
                    .filter(|f| f.topic == Topic::Signature)
                    .flat_map(|f| f.detail.clone())
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    };
    assert!(
        diagnosis(MessageKind::OrderQuery).contains("reproduced by: lowercase-hex"),
        "{text}"
    );
    assert!(
        diagnosis(MessageKind::Refund).contains("reproduced by: key-without-prefix"),
        "{text}"
    );
    let refusals = report
        .entries
        .iter()
        .flat_map(|e| e.findings.iter())
        .filter(|f| f.text.contains("the gateway refused") && f.text.contains("ZF10020"))
        .count();
    assert_eq!(refusals, 2, "{text}");
}
