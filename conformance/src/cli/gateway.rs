//! `gateway`: the offline sandbox gateway on loopback (docs/gateway.md).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::{GatewayCert, GatewaySigner};
use allinpay_sandbox::error::DurationError;
use allinpay_sandbox::{net, notifier, parse_duration, spawn, Config, Limits};

use allinpay_conformance::diagnose::SandboxDiagnoser;

use super::files::{read_bounded, MAX_CERT_FILE};
use super::{CliError, KeyArgs};

fn duration_arg(s: &str) -> Result<Duration, DurationError> {
    parse_duration(s)
}

fn positive(d: Duration, name: &str) -> Result<Duration, CliError> {
    if d.is_zero() {
        return Err(CliError(format!("{name} must be above 0")));
    }
    Ok(d)
}

/// `allinpay-conformance gateway`.
#[derive(clap::Args)]
pub struct GatewayArgs {
    /// Address to listen on (loopback only; port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8035")]
    listen: SocketAddr,
    #[command(flatten)]
    key: KeyArgs,
    /// The one merchant this sandbox serves.
    #[arg(long, default_value = "100020091218001")]
    merchant_id: String,
    /// Honour signType 1: sign with an RSA test key and write its certificate.
    #[arg(long)]
    cert_mode: bool,
    /// Your own RSA private key (PEM) for --cert-mode, with --gateway-cert.
    #[arg(long, requires = "cert_mode", requires = "gateway_cert")]
    gateway_key: Option<PathBuf>,
    /// The certificate of --gateway-key.
    #[arg(long, requires = "gateway_key")]
    gateway_cert: Option<PathBuf>,
    /// Where to write the certificate merchants verify with
    /// (default: allinpay-sandbox-gateway.pem beside --state, else in the current directory).
    #[arg(long, requires = "cert_mode")]
    cert_out: Option<PathBuf>,
    /// State file (redb): orders, refunds and pending notifications survive restarts.
    #[arg(long)]
    state: Option<PathBuf>,
    /// Delays before the resends, comma-separated, at most 3 (§2.2.1).
    #[arg(long, default_value = "5s,30s,120s")]
    resend_delays: String,
    /// A delivery succeeds on HTTP 2xx within this time.
    #[arg(long, default_value = "5s")]
    notify_timeout: String,
    /// The wait of the `delayed` fault.
    #[arg(long, default_value = "2s")]
    fault_delay: String,
    /// No request log on stdout.
    #[arg(long)]
    quiet: bool,
    /// A request's head must arrive within this (idle keep-alive connections too).
    #[arg(long, default_value = "10s", value_parser = duration_arg)]
    header_timeout: Duration,
    /// A request's body must arrive within this after its head (else 408).
    #[arg(long, default_value = "10s", value_parser = duration_arg)]
    body_timeout: Duration,
    /// How long a refund stays in each §3.8 state of a time-moving refund trigger.
    #[arg(long, default_value = "5s", value_parser = duration_arg)]
    refund_step: Duration,
    /// Connections open at once (keep it below `ulimit -n`); one more is answered 503.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// Requests the dashboard keeps; older ones are only counted.
    #[arg(long, default_value_t = 10_000)]
    keep_requests: usize,
}

impl std::fmt::Debug for GatewayArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GatewayArgs")
            .field("listen", &self.listen)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl GatewayArgs {
    /// The configuration, and where the certificate is to be written.
    fn config(&self) -> Result<(Config, Option<PathBuf>), CliError> {
        let mut cfg = Config::new(self.key.require("gateway")?);
        net::check_listen(self.listen)?;
        cfg.listen = self.listen;
        if self.merchant_id.is_empty() || !self.merchant_id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CliError("--merchant-id must be digits".into()));
        }
        cfg.merchant_id = self.merchant_id.clone();
        cfg.state = self.state.clone();
        cfg.resend_delays = if self.resend_delays.trim().is_empty() {
            Vec::new()
        } else {
            self.resend_delays
                .split(',')
                .map(parse_duration)
                .collect::<Result<_, _>>()?
        };
        if cfg.resend_delays.len() > notifier::MAX_RESENDS {
            return Err(CliError(
                "--resend-delays takes at most 3 delays (§2.2.1: 最多重发 3 次)".into(),
            ));
        }
        cfg.notify_timeout = parse_duration(&self.notify_timeout)?;
        cfg.fault_delay = parse_duration(&self.fault_delay)?;
        cfg.log = !self.quiet;
        cfg.limits = Limits {
            header_timeout: positive(self.header_timeout, "--header-timeout")?,
            body_timeout: positive(self.body_timeout, "--body-timeout")?,
            max_connections: self.max_connections,
        };
        cfg.refund_step = self.refund_step;
        cfg.keep_requests = self.keep_requests;
        cfg.diagnoser = Some(Arc::new(SandboxDiagnoser::default()));
        if cfg.limits.max_connections == 0 {
            return Err(CliError("--max-connections must be at least 1".into()));
        }
        let mut cert_out = None;
        if self.cert_mode {
            cfg = match (&self.gateway_key, &self.gateway_cert) {
                (Some(k), Some(c)) => {
                    let read = |p: &PathBuf| {
                        read_bounded(p, MAX_CERT_FILE)
                            .map_err(|e| e.to_string())
                            .and_then(|b| String::from_utf8(b).map_err(|_| "not UTF-8".into()))
                            .map_err(|e| CliError(format!("{}: {e}", p.display())))
                    };
                    let signer = GatewaySigner::from_pem(&read(k)?)
                        .map_err(|e| CliError(format!("{}: {e}", k.display())))?;
                    let pem = read(c)?;
                    GatewayCert::from_bytes(pem.as_bytes())
                        .map_err(|e| CliError(format!("{}: {e}", c.display())))?;
                    cfg.cert = Some((signer, pem));
                    cfg
                }
                _ => cfg.with_test_cert(),
            };
            if cfg.cert.is_none() {
                return Err(CliError("cannot load the test key".into()));
            }
            cert_out = Some(self.cert_out.clone().unwrap_or_else(|| {
                let name = "allinpay-sandbox-gateway.pem";
                match self.state.as_ref().and_then(|s| s.parent()) {
                    Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
                    _ => PathBuf::from(name),
                }
            }));
        }
        Ok((cfg, cert_out))
    }
}

/// Runs the sandbox until Ctrl-C or SIGTERM; returns the exit code.
pub fn run(args: &GatewayArgs) -> Result<u8, CliError> {
    let (cfg, cert_out) = args.config()?;
    if let (Some(path), Some((_, pem))) = (&cert_out, &cfg.cert) {
        std::fs::write(path, pem)
            .map_err(|e| CliError(format!("cannot write {}: {e}", path.display())))?;
    }
    let merchant = cfg.merchant_id.clone();
    let state = cfg
        .state
        .as_ref()
        .map_or("memory".to_owned(), |p| p.display().to_string());
    let running = spawn(cfg)?;
    // The first line is the address (tests and scripts read it); never the key.
    println!("sandbox gateway listening on http://{}", running.addr);
    println!(
        "merchant {merchant}, state {state}{}",
        cert_out.map_or(String::new(), |p| format!(", certificate {}", p.display()))
    );
    println!("dashboard: {}", running.dashboard);
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    running.stop_on_signal()?;
    Ok(0)
}
