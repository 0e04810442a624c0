//! What a sandbox is started with: the merchant it serves, its keys, the state file, the
//! §2.2.1 resend schedule and the HTTP server's bounds (docs/gateway.md, "Options").

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::{GatewaySigner, MerchantKey};

use crate::diagnosis::Diagnoser;
use crate::error::DurationError;
use crate::signing;

/// Everything a sandbox needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// A loopback address; port 0 picks one.
    pub listen: SocketAddr,
    /// The merchant's MD5 key (§5.2); its `Debug` never shows it.
    pub key: MerchantKey,
    /// The one merchant served; others get `ZF30005`.
    pub merchant_id: String,
    /// `Some` in certificate mode: the signer and its certificate (PEM).
    pub cert: Option<(GatewaySigner, String)>,
    /// The state file; `None` keeps everything in memory.
    pub state: Option<PathBuf>,
    /// Delays before resend 1, 2 and 3 (at most 3, §2.2.1).
    pub resend_delays: Vec<Duration>,
    /// A delivery succeeds on HTTP 2xx within this time (§2.2.1).
    pub notify_timeout: Duration,
    /// The wait of the `delayed` fault.
    pub fault_delay: Duration,
    /// Notifications in flight at once.
    pub max_in_flight: usize,
    /// Log one line per request and delivery on stdout.
    pub log: bool,
    /// Hostile-client bounds of the HTTP server.
    pub limits: Limits,
    /// How long a refund stays in each §3.8 state of a time-moving trigger.
    pub refund_step: Duration,
    /// Explains a `signMsg` that does not verify (§5.1, §5.2); `None`: not explained.
    pub diagnoser: Option<Arc<dyn Diagnoser>>,
    /// How long one diagnosis may run; others arriving meanwhile are not diagnosed.
    pub diagnosis_budget: Duration,
    /// Requests the dashboard keeps (the oldest beyond are only counted).
    pub keep_requests: usize,
}

/// Bounds on what one HTTP client can hold (docs/gateway.md, "Limits").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// A request's head (request line and headers) must arrive within this, counted from
    /// the connection's start or the previous answer (idle keep-alive connections too).
    pub header_timeout: Duration,
    /// A request's body must arrive within this after its head (else 408, closed).
    pub body_timeout: Duration,
    /// Connections open at once; one more is answered 503 and closed.
    pub max_connections: usize,
}

impl Default for Limits {
    /// 10 s, 10 s, 256 connections.
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            max_connections: 256,
        }
    }
}

impl Config {
    /// Defaults: port 0, the spec's test merchant 100020091218001, memory, resends after
    /// 5 s, 30 s and 120 s, 5 s timeout, no diagnoser (20 ms budget), 10,000 requests
    /// kept.
    pub fn new(key: MerchantKey) -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            key,
            merchant_id: "100020091218001".into(),
            cert: None,
            state: None,
            resend_delays: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
            notify_timeout: Duration::from_secs(5),
            fault_delay: Duration::from_secs(2),
            max_in_flight: 64,
            log: false,
            limits: Limits::default(),
            refund_step: Duration::from_secs(5),
            diagnoser: None,
            diagnosis_budget: Duration::from_millis(20),
            keep_requests: 10_000,
        }
    }

    /// Certificate mode with the committed test key (`vectors/keys/gateway-rsa1024.*`).
    pub fn with_test_cert(mut self) -> Self {
        self.cert = GatewaySigner::from_pem(signing::TEST_KEY_PEM)
            .ok()
            .map(|s| (s, signing::TEST_CERT_PEM.to_owned()));
        self
    }
}

/// `250ms`, `2s`, `1m`.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    let bad = || DurationError { text: s.to_owned() };
    let (n, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| s.split_at(i))
        .ok_or_else(bad)?;
    let n: u64 = n.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(parse_duration("1m"), Ok(Duration::from_secs(60)));
        for bad in ["", "5", "s", "1h", "-1s", "1.5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
        assert_eq!(
            parse_duration(" soon ").map_err(|e| e.to_string()),
            Err(r#""soon" is not a duration like 250ms, 2s or 1m"#.to_owned())
        );
    }
}
