//! The three-way verdicts of Wycheproof: `valid` must be accepted, `invalid` rejected,
//! `acceptable` may be either (accepting it is reported as `acceptable`; `--strict` fails
//! it). What the runner, the reports and generative runs share.

use std::time::Duration;

use crate::cases::Case;

/// The verdict on one case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    /// An `acceptable` case accepted (a quirk tolerated); a failure under `--strict`.
    Acceptable,
    /// The implementation answered `unsupported`.
    Skipped,
    /// No usable answer: timeout, crash, malformed answer.
    Error,
    /// Listed in the known-failures file (`--deviations`) and not run.
    #[serde(rename = "deviation")]
    KnownFailure,
}

/// How answers are judged.
#[derive(Clone, Copy, Debug, Default)]
pub struct Judge {
    /// `acceptable` answers fail.
    pub strict: bool,
    /// Check answers must repeat the vector's violation lines word for word (the built-in
    /// implementation); otherwise the fields named are compared.
    pub exact_violations: bool,
}

/// One case's result.
#[derive(Clone, Debug)]
pub struct CaseResult {
    pub case: Case,
    pub verdict: Verdict,
    pub detail: String,
    /// The reason given in `--deviations`, when the id is listed.
    pub deviation: Option<String>,
    pub time: Duration,
}
