//! The errors of a generative run: a request it cannot carry out (exit 2 in the CLI).

use thiserror::Error;

/// Why [`run`](fn@super::run) produced no rows.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum GenerateError {
    /// `--case K` names a case the run does not draw: cases are `0..n`.
    #[error("--case {case} is not below --generate {n} (cases are numbered from 0)")]
    CaseOutOfRange { case: u32, n: u32 },
    /// proptest could not draw a value of `message`'s strategy.
    #[error("cannot generate {message}: {reason}")]
    Strategy {
        message: &'static str,
        reason: String,
    },
    /// `--filter` selects no generated case.
    #[error(
        "no generated case matches --filter {:?} (a message name such as pay-notify, or gen/MESSAGE/SEED/K/OP)",
        .filter.join(" ")
    )]
    NoCaseMatches { filter: Vec<String> },
}
