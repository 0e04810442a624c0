//! An offline Allinpay sandbox (issue #7): the gateway's server interfaces over real HTTP
//! on loopback, a payment endpoint standing in for the SDK control, signed notifications
//! with the §2.2.1 resend rule and scripted faults, and `probe-merchant`, which judges a
//! merchant's notification handler. See `docs/gateway.md`.

pub mod codes;
pub mod net;
pub mod notifier;
pub mod probe;
pub mod server;
pub mod signing;
pub mod store;
pub mod time;
pub mod triggers;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::{GatewaySigner, MerchantKey};
use tokio::sync::watch;

use notifier::Notifier;
use signing::Keys;
use store::Store;

/// Why the sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum GatewayError {
    #[error(transparent)]
    Url(#[from] net::UrlError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Usage(String),
}

/// Everything a sandbox needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// A loopback address; port 0 picks one.
    pub listen: SocketAddr,
    pub key: MerchantKey,
    pub merchant_id: String,
    /// `Some` in certificate mode: the signer and its certificate (PEM).
    pub cert: Option<(GatewaySigner, String)>,
    /// The state file; `None` keeps everything in memory.
    pub state: Option<PathBuf>,
    /// Delays before resend 1, 2 and 3 (at most 3, §2.2.1).
    pub resend_delays: Vec<Duration>,
    pub notify_timeout: Duration,
    pub fault_delay: Duration,
    /// Notifications in flight at once.
    pub max_in_flight: usize,
    /// Log one line per request and delivery on stdout.
    pub log: bool,
    /// Hostile-client bounds of the HTTP server.
    pub limits: Limits,
    /// How long a refund stays in each §3.8 state of a time-moving trigger.
    pub refund_step: Duration,
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
    /// 5 s, 30 s and 120 s, 5 s timeout.
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

/// What the handlers share.
#[derive(Debug)]
pub struct Ctx {
    pub merchant_id: String,
    pub keys: Keys,
    pub cert_pem: Option<String>,
    pub store: Store,
    pub notifier: Notifier,
    pub log: bool,
    pub limits: Limits,
    pub refund_step: Duration,
}

impl Ctx {
    pub fn log(&self, line: String) {
        if self.log {
            println!("{line}");
        }
    }
}

/// A sandbox running on its own threads; stopped on drop.
#[derive(Debug)]
pub struct Running {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    /// `http://ADDR/PATH`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Stops serving and delivering; pending notifications stay in the state file.
    pub fn stop(mut self) {
        self.shutdown();
    }

    /// Serves until Ctrl-C or SIGTERM, then stops as [`Running::stop`] does.
    pub fn stop_on_signal(self) -> Result<(), GatewayError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| GatewayError::Io(e.to_string()))?;
        rt.block_on(async {
            #[cfg(unix)]
            {
                use tokio::signal::unix::{signal, SignalKind};
                match signal(SignalKind::terminate()) {
                    Ok(mut term) => {
                        tokio::select! {
                            _ = tokio::signal::ctrl_c() => {}
                            _ = term.recv() => {}
                        }
                    }
                    Err(_) => {
                        let _ = tokio::signal::ctrl_c().await;
                    }
                }
            }
            #[cfg(not(unix))]
            {
                let _ = tokio::signal::ctrl_c().await;
            }
        });
        self.stop();
        Ok(())
    }

    fn shutdown(&mut self) {
        let _ = self.stop.send(true);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// Starts a sandbox: binds, loads the state, resumes pending notifications.
pub fn spawn(cfg: Config) -> Result<Running, GatewayError> {
    net::check_listen(cfg.listen)?;
    if cfg.resend_delays.len() > notifier::MAX_RESENDS {
        return Err(GatewayError::Usage(
            "at most 3 resend delays (§2.2.1: 最多重发 3 次)".into(),
        ));
    }
    let store = match &cfg.state {
        Some(p) => Store::open(p)?,
        None => Store::memory(),
    };
    let notifier = Notifier::new(
        cfg.resend_delays.clone(),
        cfg.notify_timeout,
        cfg.fault_delay,
        cfg.max_in_flight,
    );
    store.read(|st| notifier.resume(st));
    let ctx = Arc::new(Ctx {
        merchant_id: cfg.merchant_id.clone(),
        keys: Keys {
            key: cfg.key.clone(),
            signer: cfg.cert.as_ref().map(|(s, _)| s.clone()),
        },
        cert_pem: cfg.cert.as_ref().map(|(_, c)| c.clone()),
        store,
        notifier,
        log: cfg.log,
        limits: cfg.limits,
        refund_step: cfg.refund_step,
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| GatewayError::Io(format!("cannot start the runtime: {e}")))?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(cfg.listen))
        .map_err(|e| GatewayError::Io(format!("cannot listen on {}: {e}", cfg.listen)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| GatewayError::Io(e.to_string()))?;
    let (tx, rx) = watch::channel(false);
    let thread = std::thread::Builder::new()
        .name("sandbox-gateway".into())
        .spawn(move || {
            rt.block_on(async move {
                let deliveries = tokio::spawn(notifier::run(ctx.clone(), rx.clone()));
                server::serve(ctx, listener, rx).await;
                let _ = deliveries.await;
            });
            // In-flight deliveries are dropped with the runtime; their attempts were
            // already counted in the store.
            rt.shutdown_timeout(Duration::from_millis(200));
        })
        .map_err(|e| GatewayError::Io(e.to_string()))?;
    Ok(Running {
        addr,
        stop: tx,
        thread: Some(thread),
    })
}

/// `250ms`, `2s`, `1m`.
pub fn parse_duration(s: &str) -> Result<Duration, GatewayError> {
    let s = s.trim();
    let bad = || GatewayError::Usage(format!("{s:?} is not a duration like 250ms, 2s or 1m"));
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
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("1m").unwrap(), Duration::from_secs(60));
        for bad in ["", "5", "s", "1h", "-1s", "1.5s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_non_loopback_listen() {
        let mut cfg = Config::new(MerchantKey::new("k").expect("a test key"));
        cfg.listen = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(spawn(cfg), Err(GatewayError::Url(_))));
    }
}
