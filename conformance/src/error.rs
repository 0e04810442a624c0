//! The errors of this crate's layers. Each names the file, flag or field and the rule, so
//! that the CLI can print it as one line.

/// Reading the known-failures file or a baseline report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The file could not be read.
    #[error("cannot read {flag} {path}: {error}")]
    Read {
        flag: &'static str,
        path: String,
        error: String,
    },
    /// A known-failures line has a pattern and no reason.
    #[error("{file} line {line}: `{pattern}` needs a reason after the pattern")]
    NoReason {
        file: String,
        line: usize,
        pattern: String,
    },
    /// The baseline is not a `run --format json` report.
    #[error("--baseline {file}: {why} (expected a `run --format json` report)")]
    Baseline { file: String, why: String },
}

/// Starting an adapter (docs/adapter.md).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AdapterError {
    /// The command line does not split by shell-words rules.
    #[error("--adapter {command:?}: {error}")]
    Command { command: String, error: String },
    /// The command line is empty.
    #[error("--adapter: empty command")]
    Empty,
    /// The process could not be started.
    #[error("cannot start adapter {command:?}: {error}")]
    Start { command: String, error: String },
}

/// Setting up the libtest suite from the environment.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SuiteError {
    /// The vectors could not be loaded.
    #[error(transparent)]
    Vectors(#[from] crate::vectors::LintError),
    /// `ALLINPAY_DEVIATIONS` or `ALLINPAY_BASELINE` names an unusable file.
    #[error(transparent)]
    Report(#[from] ReportError),
    /// `ALLINPAY_ADAPTER` cannot be started.
    #[error(transparent)]
    Adapter(#[from] AdapterError),
    /// `ALLINPAY_HARDENING` is neither `fail` nor `warn`.
    #[error("ALLINPAY_HARDENING={0:?} is not fail or warn")]
    Hardening(String),
    /// `ALLINPAY_TIMEOUT` is not a number of seconds in (0, 3600].
    #[error("ALLINPAY_TIMEOUT={0:?} is not a number of seconds")]
    Timeout(String),
}
