//! `probe-merchant --fuzz DURATION|N`: the mutated §2.2.3 notifications of `run --fuzz`,
//! POSTed to the merchant's live `receiveUrl` (loopback only) about the merchant's own order,
//! each answer judged against what the built-in implementation lets a merchant accept
//! (docs/gateway.md, "Fuzzing the merchant's endpoint").
//!
//! Critical: a 2xx to a notification whose signature does not verify (§5.3), that the
//! built-in cannot read, or that is not for the merchant's order, amount and id, or not
//! paid (`payResult` 1). Robustness: a 5xx, a connection reset or closed without an
//! answer, or no answer within the timeout. A refusal of a notification the built-in
//! accepts is no finding: a correct merchant fulfils an order once and may refuse a
//! duplicate.
//!
//! Input `i` of seed `S` is drawn from an RNG seeded by `(S, i)` only, and the starting
//! notifications carry no clock time: a run is the same sequence of bodies for a seed and
//! an order. Requests are paced to `--rate` per second and never more than
//! `--connections` are open at once, shrinking included.
//!
//! The steps, one module each: the starting notifications (`seeds`), the built-in's
//! verdict and the class of an answer (`oracle`), the paced run and shrinking (`run`), and
//! the printed findings with their `curl` lines (`report`).

mod oracle;
mod report;
mod run;
mod seeds;

use std::time::Duration;

use allinpay_sandbox::net::LoopbackUrl;
use allinpay_sandbox::probe::OrderRef;
use allinpay_sandbox::signing::Keys;

use super::Budget;

pub use oracle::{judge, Builtin, Expected, MerchantVerdict, Outcome};
pub use report::{curl_line, MerchantFinding, MerchantFuzzSummary};
pub use run::{bodies, run};
pub use seeds::{notify_seeds, NotifySeed};

/// `--rate`: requests per second, by default and at most.
pub const DEFAULT_RATE: u32 = 50;
pub const MAX_RATE: u32 = 1000;
/// `--connections`: open at once, by default and at most.
pub const DEFAULT_CONNECTIONS: usize = 2;
pub const MAX_CONNECTIONS: usize = 8;
/// The content type the sandbox's notifier sends (§2.2.3 is a form POST).
pub use allinpay_sandbox::net::FORM as CONTENT_TYPE;

/// The merchant's endpoint and what its notifications are about.
#[derive(Clone, Debug)]
pub struct Target {
    pub url: LoopbackUrl,
    /// `MerchantKey`'s `Debug` never shows the key.
    pub keys: Keys,
    pub merchant_id: String,
    /// "0" (MD5) or "1" (certificate, signed with the sandbox's test key).
    pub sign_type: String,
    pub order: OrderRef,
    pub timeout: Duration,
}

/// What `probe-merchant --fuzz` was asked.
#[derive(Clone, Debug)]
pub struct MerchantFuzzOptions {
    pub budget: Budget,
    pub seed: u64,
    /// Requests per second (1 to [`MAX_RATE`]).
    pub rate: u32,
    /// Connections open at once (1 to [`MAX_CONNECTIONS`]).
    pub connections: usize,
    /// Print the progress line on stderr.
    pub progress: bool,
}
