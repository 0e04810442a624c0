//! Runs the cases (`cases.rs`) against an implementation (`adapter.rs`), in order, and
//! judges each answer (`judge.rs`).

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::adapter::Implementation;
use crate::cases::Case;
use crate::judge::evaluate;
use crate::report::KnownFailures;
use crate::verdict::{CaseResult, Judge, Verdict};

/// Asks `imp` about `case` and judges the answer.
pub fn run_case(case: &Case, imp: &mut dyn Implementation, judge: Judge) -> CaseResult {
    run_case_answered(case, imp, judge).0
}

/// [`run_case`], with the answer (`None`: no usable answer), which the root causes of the
/// report explain.
pub fn run_case_answered(
    case: &Case,
    imp: &mut dyn Implementation,
    judge: Judge,
) -> (CaseResult, Option<Value>) {
    let started = Instant::now();
    let (verdict, detail, answer) = match imp.call(&case.request()) {
        Ok(answer) => {
            let (v, d) = evaluate(case, &answer, judge);
            (v, d, Some(answer))
        }
        Err(e) => (Verdict::Error, e.to_string(), None),
    };
    let result = CaseResult {
        case: case.clone(),
        verdict,
        detail,
        deviation: None,
        time: started.elapsed(),
    };
    (result, answer)
}

/// Runs `cases` in order; deviation-listed ones are reported, not run, unless
/// `include_deviations`.
pub fn run_cases(
    cases: &[&Case],
    imp: &mut dyn Implementation,
    judge: Judge,
    deviations: &KnownFailures,
    include_deviations: bool,
) -> Vec<CaseResult> {
    run_cases_answered(cases, imp, judge, deviations, include_deviations).0
}

/// [`run_cases`], with each case's answer in the same order (`None` when the case was not
/// run or got no usable answer).
pub fn run_cases_answered(
    cases: &[&Case],
    imp: &mut dyn Implementation,
    judge: Judge,
    deviations: &KnownFailures,
    include_deviations: bool,
) -> (Vec<CaseResult>, Vec<Option<Value>>) {
    cases
        .iter()
        .map(|case| {
            let reason = deviations.reason(&case.id).map(str::to_owned);
            match reason {
                Some(r) if !include_deviations => (
                    CaseResult {
                        case: (*case).clone(),
                        verdict: Verdict::KnownFailure,
                        detail: format!("known deviation, not run: {r}"),
                        deviation: Some(r),
                        time: Duration::ZERO,
                    },
                    None,
                ),
                reason => {
                    let (mut res, answer) = run_case_answered(case, imp, judge);
                    res.deviation = reason;
                    (res, answer)
                }
            }
        })
        .unzip()
}
