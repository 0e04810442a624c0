//! Shared by the gateway tests: payData building, a blocking client, and a recording
//! merchant on loopback. Everything talks to 127.0.0.1 only.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use allinpay_protocol::codec::json;
use allinpay_protocol::msgs::{Message, PayRequest};
use allinpay_protocol::sign::md5_sign;
use allinpay_protocol::{Charset, MerchantKey};
use allinpay_sandbox::net::{request_blocking, LoopbackUrl, Reply};
use allinpay_sandbox::time::{cst14, unix_secs};

pub const KEY: &str = "1234567890";
pub const MERCHANT: &str = "100020091218001";

pub fn key() -> MerchantKey {
    MerchantKey::new(KEY).expect("a test key")
}

/// Now, `yyyyMMddHHmmss` in UTC+8.
pub fn now14() -> String {
    cst14(unix_secs())
}

/// A payData (§2.1) for `order_no`, signed with `KEY`.
pub fn pay_request(order_no: &str, amount: u64, receive_url: &str, sign_type: &str) -> PayRequest {
    PayRequest {
        input_charset: Some("1".into()),
        receive_url: Some(receive_url.into()),
        version: Some("v1.0".into()),
        sign_type: Some(sign_type.into()),
        merchant_id: Some(MERCHANT.into()),
        order_no: Some(order_no.into()),
        order_amount: Some(amount.to_string()),
        order_currency: Some("156".into()),
        order_datetime: Some(now14()),
        product_name: Some("笔记本电脑".into()),
        pay_type: Some("0".into()),
        ..PayRequest::default()
    }
}

/// Sets `signMsg` with `key`.
pub fn sign<M: Message>(mut m: M, key: &MerchantKey) -> M {
    if let Some(s) = m.slot("signMsg") {
        *s = None;
    }
    let sig = md5_sign(&m, key, Charset::Utf8).expect("sign").to_string();
    if let Some(s) = m.slot("signMsg") {
        *s = Some(sig);
    }
    m
}

pub fn pay_json(order_no: &str, amount: u64, receive_url: &str) -> String {
    json::render(&sign(
        pay_request(order_no, amount, receive_url, "0"),
        &key(),
    ))
}

pub fn post(url: &str, body: &[u8]) -> Reply {
    post_with(url, body, &[])
}

pub fn post_with(url: &str, body: &[u8], headers: &[(&str, &str)]) -> Reply {
    let u = LoopbackUrl::parse(url).expect("loopback url");
    request_blocking(
        &u,
        Some(("application/x-www-form-urlencoded", body)),
        headers,
        Duration::from_secs(10),
    )
    .expect("HTTP exchange")
}

pub fn get(url: &str) -> Reply {
    let u = LoopbackUrl::parse(url).expect("loopback url");
    request_blocking(&u, None, &[], Duration::from_secs(10)).expect("HTTP exchange")
}

/// Polls `cond` every 20 ms until it holds or `secs` pass; returns whether it held.
pub fn wait_until(secs: u64, mut cond: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    cond()
}

/// One notification as the merchant received it.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: String,
    pub status: u16,
    pub at: Instant,
}

/// Decides the answer to a body: (orderNo of the body, how many bodies of that order came
/// before) → HTTP status.
pub type Script = dyn Fn(&str, usize) -> u16 + Send + Sync;

/// A merchant that records every body and answers by `script`.
pub struct Recorder {
    pub url: String,
    pub got: Arc<Mutex<Vec<Received>>>,
}

fn field(body: &str, name: &str) -> String {
    body.split('&')
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap_or_default()
        .to_owned()
}

/// The orderNo of a form body.
pub fn order_no_of(body: &str) -> String {
    field(body, "orderNo")
}

/// A raw field of a form body (still URL-encoded).
pub fn raw_field(body: &str, name: &str) -> String {
    field(body, name)
}

impl Recorder {
    pub fn start(script: Arc<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/notify", listener.local_addr().expect("addr"));
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let sink = got.clone();
        std::thread::spawn(move || {
            // Bounded: enough connections for any test here.
            for stream in listener.incoming().take(100_000) {
                let Ok(stream) = stream else { continue };
                let sink = sink.clone();
                let script = script.clone();
                std::thread::spawn(move || handle(stream, &sink, &*script));
            }
        });
        Self { url, got }
    }

    /// Bodies received for `order_no`, in arrival order.
    pub fn bodies(&self, order_no: &str) -> Vec<Received> {
        self.got
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| order_no_of(&r.body) == order_no)
            .cloned()
            .collect()
    }

    pub fn count(&self) -> usize {
        self.got.lock().expect("lock").len()
    }
}

/// The MD5 of payData's non-empty fields sorted by name, `&key=KEY` appended: the
/// mistake §5.1's table order avoids (a wrong signMsg the diagnosis names
/// `alphabetical-order`).
pub fn alphabetical_md5(fields: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut pairs: Vec<(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| *k != "signMsg")
        .filter_map(|(k, v)| {
            v.as_str()
                .filter(|s| !s.is_empty())
                .map(|s| (k.as_str(), s))
        })
        .collect();
    pairs.sort_unstable();
    let source: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
    allinpay_protocol::sign::md5_hex(format!("{}&key={KEY}", source.join("&")).as_bytes())
        .to_string()
}

/// Reads one HTTP/1.1 request and returns its body (by Content-Length); `None` on EOF,
/// error, timeout or a request above `limit` bytes.
pub fn read_body(stream: &mut TcpStream, limit: usize) -> Option<String> {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => n,
        };
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                return Some(String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).into_owned());
            }
        }
        if buf.len() > limit {
            return None;
        }
    }
}

fn handle(mut stream: TcpStream, sink: &Mutex<Vec<Received>>, script: &Script) {
    let Some(body) = read_body(&mut stream, 1024 * 1024) else {
        return;
    };
    let order = order_no_of(&body);
    let status = {
        let mut got = sink.lock().expect("lock");
        let before = got.iter().filter(|r| order_no_of(&r.body) == order).count();
        let status = script(&order, before);
        got.push(Received {
            body,
            status,
            at: Instant::now(),
        });
        status
    };
    let _ = write!(
        stream,
        "HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
    );
}

/// What a raw exchange saw: the bytes read, and whether the server closed the connection
/// (EOF or reset) before `timeout`.
#[derive(Debug)]
pub struct Raw {
    pub bytes: Vec<u8>,
    pub closed: bool,
}

impl Raw {
    /// The status of the answer, if one came.
    pub fn status(&self) -> Option<u16> {
        let text = std::str::from_utf8(self.bytes.get(..12)?).ok()?;
        text.strip_prefix("HTTP/1.1 ")?.get(..3)?.parse().ok()
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Connects to the `http://ADDR` of `base`.
pub fn connect(base_url: &str) -> TcpStream {
    let u = LoopbackUrl::parse(base_url).expect("loopback url");
    TcpStream::connect(u.addr).expect("connect")
}

/// Writes `request` (possibly incomplete) and reads until the server closes or `timeout`
/// passes.
pub fn raw_exchange(stream: &mut TcpStream, request: &[u8], timeout: Duration) -> Raw {
    let _ = stream.write_all(request);
    read_until_closed(stream, timeout)
}

/// Reads until the server closes or `timeout` passes.
pub fn read_until_closed(stream: &mut TcpStream, timeout: Duration) -> Raw {
    let end = Instant::now() + timeout;
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Raw {
                bytes,
                closed: false,
            };
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => {
                return Raw {
                    bytes,
                    closed: true,
                }
            }
            Ok(n) => bytes.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return Raw {
                    bytes,
                    closed: false,
                }
            }
            Err(_) => {
                return Raw {
                    bytes,
                    closed: true,
                }
            }
        }
    }
}
