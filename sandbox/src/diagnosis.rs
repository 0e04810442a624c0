//! Why a merchant's `signMsg` does not verify (§5.1, §5.2): the sandbox asks a
//! [`Diagnoser`] it was given (the conformance tool's mistake search), off the request's
//! async path and within a time bound, so a flood of bad signatures cannot slow it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use allinpay_protocol::{MerchantKey, MessageKind};
use tokio::sync::Semaphore;

/// A named mistake that reproduces the merchant's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// What the merchant did, e.g. "your signMsg is the MD5 of the fields in alphabetical
    /// order; §5.1 signs them in table order".
    pub mistake: String,
    /// The merchant's sign source (the variant that reproduces its signMsg), key `<key>`.
    pub merchant_source: String,
    /// The §5.1 sign source, key `<key>`.
    pub expected_source: String,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; your sign source: {}; §5.1 sign source: {}",
            self.mistake, self.merchant_source, self.expected_source
        )
    }
}

/// Explains a received message whose MD5 `signMsg` does not verify with `key`. It must
/// give up within about `budget` (zero: try only the mistakes already seen, a few
/// hashes) and never show the key.
pub trait Diagnoser: Send + Sync + fmt::Debug {
    fn explain(
        &self,
        kind: MessageKind,
        wire: &[u8],
        key: &MerchantKey,
        budget: Duration,
    ) -> Option<Explanation>;
}

/// What a bounded diagnosis ended with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Explained(Explanation),
    /// No known mistake reproduces the signature (within the budget).
    Unexplained,
    /// Not diagnosed: the diagnoses allowed at once were running, or this one ran out
    /// of time; the answer is not delayed.
    Busy,
}

/// One full search at a time; requests arriving meanwhile try the known mistakes only,
/// a few at once, and the rest skip rather than queue.
#[derive(Debug)]
pub(crate) struct Bounded {
    pub diagnoser: Arc<dyn Diagnoser>,
    pub budget: Duration,
    slot: Arc<Semaphore>,
    quick: Arc<Semaphore>,
}

/// Known-mistakes-only diagnoses at once.
const QUICK_AT_ONCE: usize = 4;

impl Bounded {
    pub fn new(diagnoser: Arc<dyn Diagnoser>, budget: Duration) -> Self {
        Self {
            diagnoser,
            budget,
            slot: Arc::new(Semaphore::new(1)),
            quick: Arc::new(Semaphore::new(QUICK_AT_ONCE)),
        }
    }

    /// Runs the diagnosis on the blocking pool; waits at most twice the budget.
    pub async fn run(&self, kind: MessageKind, wire: Vec<u8>, key: MerchantKey) -> Outcome {
        let (permit, budget) = match self.slot.clone().try_acquire_owned() {
            Ok(p) => (p, self.budget),
            Err(_) => match self.quick.clone().try_acquire_owned() {
                Ok(p) => (p, Duration::ZERO),
                Err(_) => return Outcome::Busy,
            },
        };
        let d = self.diagnoser.clone();
        let job = tokio::task::spawn_blocking(move || {
            let r = d.explain(kind, &wire, &key, budget);
            drop(permit);
            r
        });
        let wait = (self.budget * 2).max(Duration::from_millis(10));
        match tokio::time::timeout(wait, job).await {
            Ok(Ok(Some(e))) => Outcome::Explained(e),
            Ok(_) => Outcome::Unexplained,
            Err(_) => Outcome::Busy,
        }
    }
}
