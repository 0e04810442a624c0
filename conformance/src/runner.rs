//! Runs the cases (`cases.rs`) against an implementation (`adapter.rs`), in order, and
//! judges each answer (`judge.rs`).

use std::time::{Duration, Instant};

use crate::adapter::Implementation;
use crate::cases::Case;
use crate::judge::evaluate;
use crate::report::KnownFailures;
use crate::verdict::{CaseResult, Judge, Verdict};

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
    deviations: &KnownFailures,
    include_deviations: bool,
) -> Vec<CaseResult> {
    cases
        .iter()
        .map(|case| {
            let reason = deviations.reason(&case.id).map(str::to_owned);
            match reason {
                Some(r) if !include_deviations => CaseResult {
                    case: (*case).clone(),
                    verdict: Verdict::KnownFailure,
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
