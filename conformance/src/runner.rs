//! Runs the cases (`cases.rs`) against an implementation (`adapter.rs`) and judges each
//! answer Wycheproof-style: `valid` must be accepted, `invalid` rejected, `acceptable` may
//! be either (accepting it is reported as `acceptable`; `--strict` fails it).

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use allinpay_protocol::codec::Mode;

use crate::adapter::{Builtin, Implementation};
use crate::cases::{self, Case, CaseOp};
use crate::report::Deviations;
use crate::vectors::{Expected, LintError};

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
    /// Listed in `--deviations` and not run.
    Deviation,
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

fn answer_error(answer: &Value) -> Option<String> {
    answer.get("error").map(|e| match e {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// The field a violation names: `orderNo: must be …` → `orderNo`; objects `{field}`.
fn violation_field(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.split(':').next().unwrap_or(s).trim().to_owned()),
        Value::Object(o) => o.get("field").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

/// Accepted or rejected, for the three-way rule.
fn three_way(
    expected: Expected,
    accepted: bool,
    judge: Judge,
    detail: String,
) -> (Verdict, String) {
    let v = match (expected, accepted) {
        (Expected::Valid, true) | (Expected::Invalid, false) | (Expected::Acceptable, false) => {
            Verdict::Pass
        }
        (Expected::Valid, false) | (Expected::Invalid, true) => Verdict::Fail,
        (Expected::Acceptable, true) if judge.strict => Verdict::Fail,
        (Expected::Acceptable, true) => Verdict::Acceptable,
    };
    let detail = if v == Verdict::Fail && expected == Expected::Acceptable {
        format!("{detail} (--strict: an acceptable quirk must be rejected)")
    } else {
        detail
    };
    (v, detail)
}

/// A value must match (valid, acceptable) or must not (invalid: the documented value is
/// wrong, and a conforming implementation does not reproduce it).
/// An `acceptable` value (a form real implementations produce that the spec does not
/// prescribe, e.g. UTF-8 under inputCharset 2) may be produced or not: producing it is
/// reported as `acceptable`.
fn compare(
    expected: Expected,
    matches: bool,
    extra_ok: bool,
    judge: Judge,
    detail: String,
) -> (Verdict, String) {
    let v = match expected {
        Expected::Valid if matches && extra_ok => Verdict::Pass,
        Expected::Invalid if !matches && extra_ok => Verdict::Pass,
        Expected::Acceptable if !extra_ok => Verdict::Fail,
        Expected::Acceptable if matches && judge.strict => Verdict::Fail,
        Expected::Acceptable if matches => Verdict::Acceptable,
        Expected::Acceptable => Verdict::Pass,
        _ => Verdict::Fail,
    };
    (v, detail)
}

fn malformed(op: &str, what: &str) -> (Verdict, String) {
    (
        Verdict::Error,
        format!("bad answer: a {op} answer needs {what} (docs/adapter.md)"),
    )
}

/// Judges one answer.
pub fn evaluate(case: &Case, answer: &Value, judge: Judge) -> (Verdict, String) {
    if answer.get("unsupported").and_then(Value::as_bool) == Some(true) {
        return (Verdict::Skipped, "unsupported by the implementation".into());
    }
    let error = answer_error(answer);
    let expected = case.expected;
    match &case.op {
        CaseOp::Sign {
            sign_source,
            sign_msg,
            ..
        } => {
            if let Some(e) = error {
                return (Verdict::Fail, format!("refused to sign: {e}"));
            }
            let Some(got) = answer.get("signMsg").and_then(Value::as_str) else {
                return malformed("sign", "signMsg");
            };
            let got_source = answer.get("signSource").and_then(Value::as_str);
            let source_ok = match (sign_source, got_source) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            };
            let mut detail = format!("signMsg {got}; vector {sign_msg}");
            if !source_ok {
                detail.push_str(&format!(
                    "; sign source {:?} differs from the documented {:?}",
                    got_source.unwrap_or_default(),
                    sign_source.as_deref().unwrap_or_default()
                ));
            }
            compare(expected, got == sign_msg, source_ok, judge, detail)
        }
        CaseOp::Ext1 {
            ext1_source,
            digest,
            ..
        } => {
            if let Some(e) = error {
                return (Verdict::Fail, format!("refused: {e}"));
            }
            let Some(got) = answer.get("digest").and_then(Value::as_str) else {
                return malformed("ext1", "digest");
            };
            let got_source = answer.get("ext1Source").and_then(Value::as_str);
            let source_ok = match (ext1_source, got_source) {
                (Some(want), Some(got)) => want == got,
                _ => true,
            };
            let mut detail = format!("digest {got}; vector {digest}");
            if !source_ok {
                detail.push_str("; ext1Source differs from the documented one");
            }
            compare(expected, got == digest, source_ok, judge, detail)
        }
        CaseOp::DecodeSignature { bytes, .. } => {
            let got = match (&error, answer.get("bytes").and_then(Value::as_u64)) {
                (Some(_), _) => None,
                (None, Some(n)) => Some(n),
                (None, None) => return malformed("decode-signature", "bytes"),
            };
            let detail = match (&error, got) {
                (Some(e), _) => format!("does not decode: {e}"),
                (None, n) => format!("decodes to {} bytes; vector {bytes}", n.unwrap_or(0)),
            };
            let ok = got.is_some_and(|n| n == *bytes as u64);
            compare(expected, ok, true, judge, detail)
        }
        CaseOp::Verify { .. } => {
            let (accepted, detail) = match (error, answer.get("valid").and_then(Value::as_bool)) {
                (Some(e), _) => (false, format!("rejected: {e}")),
                (None, Some(true)) => match answer.get("textForm").and_then(Value::as_str) {
                    Some(form) => (true, format!("valid (signed text: {form})")),
                    None => (true, "valid".to_owned()),
                },
                (None, Some(false)) => {
                    let why = answer.get("reason").and_then(Value::as_str).unwrap_or("");
                    (false, format!("invalid: {why}"))
                }
                (None, None) => return malformed("verify", "valid (true/false)"),
            };
            three_way(expected, accepted, judge, detail)
        }
        CaseOp::Parse {
            expected: want_msg, ..
        } => {
            let (ok, detail) = match (error, answer.get("ok").and_then(Value::as_bool)) {
                (Some(e), _) => (false, format!("rejected: {e}")),
                (None, Some(true)) => (true, "parsed".to_owned()),
                (None, Some(false)) => {
                    let why = answer.get("reason").and_then(Value::as_str).unwrap_or("");
                    (false, format!("rejected: {why}"))
                }
                (None, None) => return malformed("parse", "ok (true/false)"),
            };
            if let (true, Some(want), Some(got)) = (ok, want_msg, answer.get("message")) {
                if want != got {
                    return (
                        Verdict::Fail,
                        format!("parsed, but the message differs: got {got}, vector {want}"),
                    );
                }
            }
            three_way(expected, ok, judge, detail)
        }
        CaseOp::Check { violations, .. } => {
            if let Some(e) = error {
                let v = if expected == Expected::Acceptable {
                    Verdict::Pass
                } else {
                    Verdict::Fail
                };
                return (v, format!("rejected before checking: {e}"));
            }
            let Some(got) = answer.get("violations").and_then(Value::as_array) else {
                return malformed("check", "violations (an array)");
            };
            let mut got_fields: Vec<String> = got.iter().filter_map(violation_field).collect();
            let mut want_fields: Vec<String> = violations
                .iter()
                .map(|s| s.split(':').next().unwrap_or(s).trim().to_owned())
                .collect();
            got_fields.sort();
            want_fields.sort();
            let lines_ok = if judge.exact_violations {
                got.iter().map(Value::as_str).collect::<Vec<_>>()
                    == violations
                        .iter()
                        .map(|s| Some(s.as_str()))
                        .collect::<Vec<_>>()
            } else {
                got_fields == want_fields
            };
            let detail = format!("violations {got:?}; vector {violations:?}");
            match expected {
                Expected::Valid => three_way(expected, got.is_empty(), judge, detail),
                _ if got.is_empty() => three_way(expected, true, judge, detail),
                _ if lines_ok => (Verdict::Pass, detail),
                _ => (Verdict::Fail, format!("{detail} (the fields named differ)")),
            }
        }
    }
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

/// Asks `imp` about `case` and judges the answer.
pub fn run_case(case: &Case, imp: &mut dyn Implementation, judge: Judge) -> CaseResult {
    let started = Instant::now();
    let (verdict, detail) = match imp.call(&case.request()) {
        Ok(answer) => evaluate(case, &answer, judge),
        Err(e) => (Verdict::Error, e.to_string()),
    };
    CaseResult {
        case: case.clone(),
        verdict,
        detail,
        deviation: None,
        time: started.elapsed(),
    }
}

/// Runs `cases` in order; deviation-listed ones are reported, not run, unless
/// `include_deviations`.
pub fn run_cases(
    cases: &[&Case],
    imp: &mut dyn Implementation,
    judge: Judge,
    deviations: &Deviations,
    include_deviations: bool,
) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let reason = deviations.reason(&case.id).map(str::to_owned);
            match reason {
                Some(r) if !include_deviations => CaseResult {
                    case: (*case).clone(),
                    verdict: Verdict::Deviation,
                    detail: format!("known deviation, not run: {r}"),
                    deviation: Some(r),
                    time: Duration::ZERO,
                },
                reason => {
                    let mut res = run_case(case, imp, judge);
                    res.deviation = reason;
                    res
                }
            }
        })
        .collect()
}

// ---- The built-in replay used by `cargo test` (tests/vectors.rs) ----

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
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed).count()
    }
    pub fn errata(&self) -> usize {
        self.cases.iter().filter(|c| c.is_erratum()).count()
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
