//! An offline Allinpay sandbox: the gateway's server interfaces (§3, §4) over real HTTP on
//! loopback, a payment endpoint standing in for the SDK control (§2.1, §2.2.2), signed
//! §2.2.3 notifications with the §2.2.1 resend rule and scripted faults, a durable state
//! file, `probe`, which judges a merchant's notification handler, and a dashboard at `/`
//! that shows every request with its verdict and reason, the orders and every delivery.
//! See `docs/gateway.md`.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let key = allinpay_protocol::MerchantKey::new("1234567890")?;
//! let gateway = allinpay_sandbox::spawn(allinpay_sandbox::Config::new(key))?;
//! println!("POST payData to {}", gateway.url("/sdk/pay"));
//! gateway.stop();
//! # Ok(())
//! # }
//! ```

mod answer;
pub mod codes;
pub mod config;
mod dashboard;
pub mod diagnosis;
mod endpoints;
pub mod error;
pub mod journal;
pub mod net;
pub mod notifier;
pub mod probe;
mod server;
pub mod signing;
pub mod store;
pub mod time;
pub mod triggers;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

pub use config::{parse_duration, Config, Limits};
pub use diagnosis::{Diagnoser, Explanation};
pub use error::SandboxError;

use diagnosis::Bounded;
use journal::Journal;
use notifier::Notifier;
use signing::Keys;
use store::Store;

/// What the handlers and the notifier share.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub merchant_id: String,
    pub keys: Keys,
    pub cert_pem: Option<String>,
    pub store: Store,
    pub notifier: Notifier,
    pub log: bool,
    pub limits: Limits,
    pub refund_step: Duration,
    pub journal: Journal,
    pub diagnosis: Option<Bounded>,
    /// The dashboard's action token: a POST without it is refused (no cross-site POST).
    pub token: String,
    /// `http://ADDR`, the only `Origin` an action is taken from.
    pub origin: String,
}

impl Ctx {
    /// One line on stdout, unless `--quiet`.
    pub fn log(&self, line: String) {
        if self.log {
            println!("{line}");
        }
    }
}

/// A sandbox running on its own threads; stopped on drop.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on (port 0 resolved).
    pub addr: SocketAddr,
    /// The dashboard's address (`/`).
    pub dashboard: String,
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
    pub fn stop_on_signal(self) -> Result<(), SandboxError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(SandboxError::Io)?;
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
pub fn spawn(cfg: Config) -> Result<Running, SandboxError> {
    net::check_listen(cfg.listen)?;
    if cfg.resend_delays.len() > notifier::MAX_RESENDS {
        return Err(SandboxError::TooManyResends {
            given: cfg.resend_delays.len(),
        });
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(SandboxError::Runtime)?;
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(cfg.listen))
        .map_err(|source| SandboxError::Listen {
            addr: cfg.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(SandboxError::Io)?;
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
        journal: Journal::new(cfg.keep_requests),
        diagnosis: cfg
            .diagnoser
            .clone()
            .map(|d| Bounded::new(d, cfg.diagnosis_budget)),
        token: dashboard::new_token(),
        origin: format!("http://{addr}"),
    });
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
        .map_err(SandboxError::Io)?;
    Ok(Running {
        dashboard: format!("http://{addr}/"),
        addr,
        stop: tx,
        thread: Some(thread),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use allinpay_protocol::MerchantKey;

    #[test]
    fn refuses_non_loopback_listen() {
        let mut cfg = Config::new(MerchantKey::new("k").expect("a test key"));
        cfg.listen = "0.0.0.0:0".parse().unwrap();
        assert!(matches!(spawn(cfg), Err(SandboxError::Url(_))));
    }

    #[test]
    fn refuses_a_fourth_resend() {
        let mut cfg = Config::new(MerchantKey::new("k").expect("a test key"));
        cfg.resend_delays = vec![Duration::from_secs(1); 4];
        assert!(matches!(
            spawn(cfg),
            Err(SandboxError::TooManyResends { given: 4 })
        ));
    }
}
