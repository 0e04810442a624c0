//! A correct merchant back end for the §2.2.3 notification, as a merchant would write it
//! with `allinpay-protocol`: verify the signature (§5.3), check the fields, the merchant
//! id, `payResult` and the amount, fulfil each order once, answer 2xx only to what it
//! accepts.
//!
//! ```sh
//! cargo run -p allinpay-sandbox --example merchant-correct -- \
//!     --listen 127.0.0.1:8036 --key 1234567890 [--merchant-id 100020091218001] [--cert gateway.pem] \
//!     --order NO,AMOUNT,DATETIME [--order …] [--refunded NO]
//! ```
//! Then point `receiveUrl` at `http://127.0.0.1:8036/notify`, or run
//! `allinpay-conformance probe-merchant --notify-url http://127.0.0.1:8036/notify --key 1234567890
//! --order-no NO --order-amount AMOUNT --order-datetime DATETIME`. It accepts only orders it
//! issued, at their amount and orderDatetime, each paid by one payment, never after a refund.
//!
//! The HTTP part is a minimal HTTP/1.1 reader on `std::net`, enough for a sandbox.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use allinpay_protocol::any::{self, AnyMessage, Received};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{Charset, GatewayCert, MerchantKey, MessageKind, ParseError};

/// One order of the merchant's book.
#[derive(Clone, Debug, Default)]
struct BookOrder {
    amount: String,
    datetime: String,
    refunded: bool,
    /// The payment that paid it (the first accepted notification's paymentOrderId).
    payment_order_id: Option<String>,
    fulfilled: u32,
}

/// The merchant: its key, id, the gateway's certificate (signType 1) and its order book.
/// (`MerchantKey`'s `Debug` never shows the key.)
#[derive(Debug)]
pub struct Merchant {
    key: MerchantKey,
    merchant_id: String,
    cert: Option<GatewayCert>,
    /// orderNo → the order as the merchant issued it.
    orders: Mutex<HashMap<String, BookOrder>>,
    /// Compare notified amounts with the book (off only to show what the probe catches).
    check_amounts: bool,
}

impl Merchant {
    pub fn new(key: MerchantKey, merchant_id: &str, cert: Option<GatewayCert>) -> Self {
        Self {
            key,
            merchant_id: merchant_id.to_owned(),
            cert,
            orders: Mutex::new(HashMap::new()),
            check_amounts: true,
        }
    }

    fn book(&self) -> std::sync::MutexGuard<'_, HashMap<String, BookOrder>> {
        self.orders.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Issues an order: only notifications of issued orders are accepted.
    pub fn with_order(self, order_no: &str, amount: u64, datetime: &str) -> Self {
        self.book().insert(
            order_no.to_owned(),
            BookOrder {
                amount: amount.to_string(),
                datetime: datetime.to_owned(),
                ..BookOrder::default()
            },
        );
        self
    }

    /// Marks an issued order refunded: no notification can pay it again.
    pub fn with_refunded(self, order_no: &str) -> Self {
        if let Some(o) = self.book().get_mut(order_no) {
            o.refunded = true;
        }
        self
    }

    /// The bug the probe's wrong-amount cases catch: amounts are taken from the
    /// notification instead of compared with the order.
    #[allow(dead_code)]
    pub fn trusting_amounts(mut self) -> Self {
        self.check_amounts = false;
        self
    }

    /// Judges one notification body: `Ok` to answer 200, `Err(reason)` to answer 400.
    pub fn judge(&self, body: &[u8]) -> Result<&'static str, String> {
        let received = read(body).map_err(|e| format!("unreadable: {e}"))?;
        self.judge_received(received)
    }

    /// Judges a notification that was read: the signature (§5.3), the fields, the order.
    pub fn judge_received(&self, received: Received) -> Result<&'static str, String> {
        // §5.3: signType 0 with the MD5 key, 1 with the gateway's certificate.
        let creds = Credentials {
            key: Some(&self.key),
            cert: self.cert.as_ref(),
            expected_sign_type: None,
        };
        received
            .verify(creds, Charset::Utf8)
            .map_err(|e| format!("bad signature: {e}"))?;
        if let Some(v) = check::check(&received, &Clock::system(), Mode::Strict).first() {
            return Err(format!("bad field: {v}"));
        }
        let AnyMessage::PayNotify(n) = received.message else {
            return Err("not a notification".into());
        };
        if n.merchant_id.as_deref() != Some(self.merchant_id.as_str()) {
            return Err("not our merchantId".into());
        }
        if n.pay_result.as_deref() != Some("1") {
            return Err("payResult is not 1 (paid)".into());
        }
        let order_no = n.order_no.unwrap_or_default();
        let mut orders = self.book();
        let order = orders
            .get_mut(&order_no)
            .ok_or_else(|| format!("no order {order_no} of ours"))?;
        if n.order_datetime.as_deref() != Some(order.datetime.as_str()) {
            return Err("orderDatetime is not our order's: another order's payment".into());
        }
        // RMB orders: payAmount is what was paid, in 分 (§2.2.3).
        if self.check_amounts
            && (n.order_amount.as_deref() != Some(order.amount.as_str())
                || n.pay_amount.as_deref() != Some(order.amount.as_str()))
        {
            return Err("amount differs from the order's".into());
        }
        let poid = n.payment_order_id.unwrap_or_default();
        match &order.payment_order_id {
            Some(paid_by) if *paid_by != poid => {
                return Err("already paid by another payment".into());
            }
            _ if order.refunded && order.payment_order_id.is_none() => {
                return Err("order refunded: not payable again".into());
            }
            _ => {}
        }
        order.payment_order_id = Some(poid);
        order.fulfilled += 1;
        // Fulfil on the first notification only; resends and duplicates are acknowledged.
        Ok(if order.fulfilled == 1 {
            "fulfilled"
        } else {
            "already fulfilled"
        })
    }

    /// How many times `order_no` was accepted (the tests read it).
    #[allow(dead_code)]
    pub fn accepted(&self, order_no: &str) -> u32 {
        self.book().get(order_no).map_or(0, |o| o.fulfilled)
    }
}

/// Reads a §2.2.3 notification body (the error a library raises on a malformed one).
pub fn read(body: &[u8]) -> Result<Received, ParseError> {
    any::parse(MessageKind::PayNotify, body, Mode::Strict)
}

/// Reads one HTTP/1.1 request (headers ≤ 16 KiB, body ≤ 256 KiB); returns its body.
fn read_request(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > 16 * 1024 {
            return None;
        }
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    if len > allinpay_protocol::MAX_INPUT_LEN {
        return None;
    }
    let mut body = buf[header_end..].to_vec();
    while body.len() < len {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some(body)
}

fn answer(stream: &mut TcpStream, status: &str, text: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    );
}

/// Serves notifications on `listener`, for at most `max_connections` connections.
pub fn serve(listener: TcpListener, merchant: Arc<Merchant>, max_connections: usize) {
    serve_with(listener, max_connections, move |body| {
        match merchant.judge(body) {
            Ok(what) => ("200 OK", what.to_owned()),
            Err(why) => ("400 Bad Request", why),
        }
    });
}

/// Serves `handle` (a body to a status line and a text) on `listener`, for at most
/// `max_connections` connections, one thread each.
pub fn serve_with<H>(listener: TcpListener, max_connections: usize, handle: H)
where
    H: Fn(&[u8]) -> (&'static str, String) + Send + Sync + 'static,
{
    let handle = Arc::new(handle);
    for stream in listener.incoming().take(max_connections) {
        let Ok(mut stream) = stream else { continue };
        let handle = handle.clone();
        std::thread::spawn(move || {
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let Some(body) = read_request(&mut stream) else {
                answer(&mut stream, "400 Bad Request", "bad request");
                return;
            };
            let (status, text) = handle(&body);
            answer(&mut stream, status, &text);
        });
    }
}

/// The value after `name` on the command line.
pub fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .cloned()
}

/// The listener and the merchant of the command line (`--listen`, `--key`,
/// `--merchant-id`, `--cert`, `--order NO,AMOUNT,DATETIME` repeated, `--refunded NO`);
/// `Err` is the one line to print before exiting 2.
pub fn setup(args: &[String]) -> Result<(TcpListener, String, Merchant), String> {
    let listen = arg(args, "--listen").unwrap_or_else(|| "127.0.0.1:8036".into());
    let key = arg(args, "--key").ok_or("needs --key KEY")?;
    let merchant_id = arg(args, "--merchant-id").unwrap_or_else(|| "100020091218001".into());
    let cert = match arg(args, "--cert") {
        None => None,
        Some(path) => {
            let bytes = std::fs::read(path).map_err(|e| format!("--cert: {e}"))?;
            Some(GatewayCert::from_bytes(&bytes).map_err(|e| format!("--cert: {e}"))?)
        }
    };
    let listener =
        TcpListener::bind(&listen).map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let key = MerchantKey::new(key).map_err(|e| format!("--key: {e}"))?;
    let mut merchant = Merchant::new(key, &merchant_id, cert);
    for (i, a) in args.iter().enumerate() {
        let next = args.get(i + 1).map(String::as_str).unwrap_or_default();
        if a == "--order" {
            let parts: Vec<&str> = next.split(',').collect();
            let [no, amount, datetime] = parts[..] else {
                return Err("--order takes NO,AMOUNT,DATETIME".into());
            };
            let amount = amount
                .parse()
                .map_err(|_| format!("--order: bad amount {amount:?}"))?;
            merchant = merchant.with_order(no, amount, datetime);
        } else if a == "--refunded" {
            merchant = merchant.with_refunded(next);
        }
    }
    Ok((listener, listen, merchant))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (listener, listen, merchant) = setup(&args).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    println!("correct merchant listening on http://{listen}/notify");
    serve(listener, Arc::new(merchant), usize::MAX);
}
