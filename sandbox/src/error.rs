//! The sandbox's errors: one enum per concern, each naming the setting, field or rule that
//! failed. A request the gateway refuses is not an error here: it gets the spec's own
//! error answer (§3.4, §3.8, §6.1; see `endpoints::refusal`).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::error::{CertError, VerifyError};

/// Why the sandbox could not start, or stop on a signal.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// `listen` is not a loopback address.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// The state file could not be opened or loaded.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// §2.2.1: "最多重发 3 次"; `given` delays were configured.
    #[error("at most 3 resend delays (§2.2.1: 最多重发 3 次)")]
    TooManyResends { given: usize },
    /// The async runtime could not be built.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// `listen` could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    /// The bound socket's address, the server thread or the signal runtime.
    #[error("{0}")]
    Io(std::io::Error),
}

/// Why a URL or a listening address was refused: the sandbox talks to loopback only.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlError {
    #[error("{0:?} is not an http:// URL (the sandbox speaks plain HTTP on loopback)")]
    NotHttp(String),
    #[error(
        "{0:?} is not a loopback host; the sandbox only talks to 127.0.0.0/8, ::1 and localhost"
    )]
    NotLoopback(String),
    /// The port is not a number from 1 to 65535.
    #[error("bad port in {0:?}")]
    BadPort(String),
}

/// Why an HTTP exchange failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    #[error("cannot connect to {0}: {1}")]
    Connect(SocketAddr, std::io::Error),
    #[error("i/o with {0}: {1}")]
    Io(SocketAddr, std::io::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// The answer breaks HTTP/1.1 framing; the rule is named.
    #[error("malformed HTTP answer: {0}")]
    Malformed(&'static str),
    /// The HTTP client failed (handshake, send, receive).
    #[error("HTTP: {0}")]
    Http(#[from] hyper::Error),
    /// The request could not be built.
    #[error("HTTP: {0}")]
    Request(#[from] hyper::http::Error),
    /// The answer's body could not be read, or was above the limit.
    #[error("HTTP: {0}")]
    Body(Box<dyn std::error::Error + Send + Sync>),
    /// The URL to post to is refused.
    #[error("HTTP: {0}")]
    Url(#[from] UrlError),
}

/// A state-file failure.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// redb could not open, read or write the file.
    #[error("state file: {0}")]
    Database(Box<redb::Error>),
    /// A record is not the JSON of its type.
    #[error("state file: {0}")]
    Record(#[from] serde_json::Error),
    /// The committer thread could not start.
    #[error("state file: {0}")]
    Thread(std::io::Error),
    /// The committer thread is gone.
    #[error("state file: the committer stopped")]
    CommitterStopped,
    /// An earlier group commit failed: the file lacks changes, so nothing more is
    /// acknowledged until a restart.
    #[error("{0}")]
    CommitFailed(Arc<StoreError>),
}

/// Why the sandbox could not sign (§5.2, §5.3).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// signType 1 without a certificate key.
    #[error("signType 1 needs the sandbox started with --cert-mode")]
    NoCertMode,
    /// §5.3: signType is 0 (MD5) or 1 (certificate).
    #[error("signType must be 0 or 1")]
    BadSignType,
    #[error("signing failed: {0}")]
    Md5(#[from] VerifyError),
    #[error("signing failed: {0}")]
    Rsa(#[from] CertError),
}

/// A duration that is not `NUMBER` followed by `ms`, `s` or `m`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} is not a duration like 250ms, 2s or 1m")]
#[non_exhaustive]
pub struct DurationError {
    pub text: String,
}

/// Why an order reference given to the probe was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderRefError {
    #[error("{text:?} is not NO,AMOUNT,DATETIME")]
    NotTriple { text: String },
    /// §2.1 orderNo: letters, digits, `-` and `_`, at most 50.
    #[error("order number {order_no:?}: letters, digits, - and _ (§2.1)")]
    OrderNo { order_no: String },
    #[error("order amount must be above 0")]
    ZeroAmount,
    /// §2.1 orderDatetime: `yyyyMMddHHmmss`, a real time.
    #[error("order datetime {datetime:?} is not yyyyMMddHHmmss")]
    OrderDatetime { datetime: String },
}

/// Why `probe-merchant` could not run its battery.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProbeError {
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The first case could not connect: no merchant listens there.
    #[error("cannot reach the merchant at {addr}: {source}")]
    Unreachable {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Why a dashboard resend was not sent.
#[derive(Debug, thiserror::Error)]
pub enum ResendError {
    #[error("orderNo: no notification for this order (only paid orders are notified, §2.2.3)")]
    NoNotification,
    #[error("cannot sign: {0}")]
    Sign(SignError),
    #[error("state file: {0}")]
    Store(StoreError),
}
