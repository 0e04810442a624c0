//! The built-in implementation replayed over one vector file in both modes, for
//! `cargo test` (tests/vectors.rs): valid and invalid cases must pass strictly and
//! leniently, acceptable ones must be rejected strictly and accepted leniently.

use std::path::Path;

use allinpay_protocol::codec::Mode;

use crate::adapter::Builtin;
use crate::cases::{self, CaseOp};
use crate::runner::run_case;
use crate::vectors::{Expected, LintError};
use crate::verdict::{Judge, Verdict};

/// The verdict on one case of the built-in implementation, in both modes.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseOutcome {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub expected: Expected,
    pub passed: bool,
    /// What the implementation did, e.g. `strict: valid; lenient: valid`.
    pub detail: String,
}

impl CaseOutcome {
    /// A documented value that no rule reproduces (flag `Erratum…`).
    pub fn is_erratum(&self) -> bool {
        self.flags.iter().any(|f| f.starts_with("Erratum"))
    }
}

/// The verdicts on one file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub message: String,
    pub cases: Vec<CaseOutcome>,
}

impl FileReport {
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed).count()
    }
}

/// Loads, lints and replays one file against the built-in implementation in both modes:
/// valid and invalid cases must pass in strict and lenient mode alike, acceptable ones
/// must be rejected strictly and accepted leniently; check answers word for word.
pub fn run_file(path: &Path) -> Result<FileReport, LintError> {
    let fc = cases::load_file(path)?;
    let judge = Judge {
        strict: false,
        exact_violations: true,
    };
    let mut strict = Builtin { mode: Mode::Strict };
    let mut lenient = Builtin {
        mode: Mode::Lenient,
    };
    let outcomes = fc
        .cases
        .iter()
        .map(|case| {
            let s = run_case(case, &mut strict, judge);
            let l = run_case(case, &mut lenient, judge);
            let passed = match case.expected {
                Expected::Valid | Expected::Invalid => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Pass
                }
                // A signer produces one value: the built-in signs as the spec says and
                // passes an acceptable sign case by not producing the tolerated one.
                Expected::Acceptable if matches!(case.op, CaseOp::Sign { .. }) => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Pass
                }
                Expected::Acceptable => {
                    s.verdict == Verdict::Pass && l.verdict == Verdict::Acceptable
                }
            };
            CaseOutcome {
                tc_id: case.tc_id,
                comment: case.comment.clone(),
                flags: case.flags.clone(),
                expected: case.expected,
                passed,
                detail: format!("strict: {}; lenient: {}", s.detail, l.detail),
            }
        })
        .collect();
    Ok(FileReport {
        file: fc.file,
        message: fc.message,
        cases: outcomes,
    })
}
