//! A fragile merchant back end for the §2.2.3 notification: the correct merchant
//! (`correct.rs`) with one of two bugs integrators write, for `probe-merchant --fuzz` to
//! find (docs/gateway.md, "Fuzzing the merchant's endpoint"). Never copy it.
//!
//! - `500-on-errorcode`: the form is bound to an object whose `errorCode` is a number, so a
//!   notification whose `errorCode` (§2.2.3: 可空, text of up to 10) is not digits makes the
//!   framework answer 500 before anything is checked.
//! - `accept-on-exception`: the handler wraps its checks in a `catch` that logs and answers
//!   "success", so a body the library cannot read (a broken `%` escape, a pair without `=`)
//!   is acknowledged: the gateway stops resending and nothing was verified.
//!
//! ```sh
//! cargo run -p allinpay-sandbox --example merchant-fragile -- --variant 500-on-errorcode \
//!     --listen 127.0.0.1:8038 --key 1234567890 --order NO,AMOUNT,DATETIME
//! ```
//! The other options are the correct merchant's.

use std::net::TcpListener;
use std::sync::Arc;

use allinpay_protocol::codec::form::decode_component;

#[allow(dead_code)]
#[path = "correct.rs"]
pub mod correct;

use correct::Merchant;

/// The bug a fragile merchant has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// 500 on an `errorCode` that is not a number.
    FiveHundredOnErrorCode,
    /// 200 "success" when reading the body raises an error.
    AcceptOnException,
}

impl Variant {
    pub fn parse(name: &str) -> Option<Variant> {
        match name {
            "500-on-errorcode" => Some(Variant::FiveHundredOnErrorCode),
            "accept-on-exception" => Some(Variant::AcceptOnException),
            _ => None,
        }
    }
}

/// The `errorCode` values of a form body, decoded as a form binder does (a value that does
/// not decode is taken as it is).
fn error_codes(body: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(body)
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .filter(|(name, _)| *name == "errorCode")
        .map(|(_, v)| decode_component(v, 0).unwrap_or_else(|_| v.to_owned()))
        .collect()
}

/// The answer of the fragile merchant `variant` to one body: a status line and a text.
pub fn handle(merchant: &Merchant, variant: Variant, body: &[u8]) -> (&'static str, String) {
    let verdict = match variant {
        Variant::FiveHundredOnErrorCode => {
            // The binder's Integer.parseInt on a non-empty errorCode, before any check.
            if let Some(code) = error_codes(body)
                .into_iter()
                .find(|c| !c.is_empty() && c.parse::<i64>().is_err())
            {
                return (
                    "500 Internal Server Error",
                    format!("NumberFormatException: For input string: {code:?}"),
                );
            }
            merchant.judge(body)
        }
        Variant::AcceptOnException => match correct::read(body) {
            // The catch-all: logged, and acknowledged as if handled.
            Err(_) => Ok("success"),
            Ok(received) => merchant.judge_received(received),
        },
    };
    match verdict {
        Ok(what) => ("200 OK", what.to_owned()),
        Err(why) => ("400 Bad Request", why),
    }
}

/// Serves the fragile merchant on `listener`, for at most `max_connections` connections.
pub fn serve(listener: TcpListener, merchant: Arc<Merchant>, variant: Variant, max: usize) {
    correct::serve_with(listener, max, move |body| handle(&merchant, variant, body));
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(variant) = correct::arg(&args, "--variant")
        .as_deref()
        .and_then(Variant::parse)
    else {
        eprintln!("error: needs --variant 500-on-errorcode|accept-on-exception");
        std::process::exit(2);
    };
    let (listener, listen, merchant) = correct::setup(&args).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2);
    });
    println!("fragile merchant ({variant:?}) listening on http://{listen}/notify");
    serve(listener, Arc::new(merchant), variant, usize::MAX);
}
