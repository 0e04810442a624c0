//! The run: every message type's N cases through its operations, the first disagreement of
//! each operation shrunk, one report row per case and operation.

use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};

use allinpay_protocol::MessageKind;

use super::ops::{ops_for, run_op, Ctx, Op};
use super::shrink::{minimal_report, shrink};
use super::strategy::{case_rng, strategy};
use super::{GenOptions, GenerateError};
use crate::adapter::{Builtin, Implementation};
use crate::cases::{glob_match, Case};
use crate::verdict::CaseResult;

fn case_id(opts: &GenOptions, kind: MessageKind, k: u32, op: Op) -> String {
    format!("gen/{}/{}/{k}/{}", kind.name(), opts.seed, op.name())
}

/// The rows of a generative run against `imp`.
pub fn run(
    opts: &GenOptions,
    imp: &mut dyn Implementation,
) -> Result<Vec<CaseResult>, GenerateError> {
    if let Some(k) = opts.case {
        if k >= opts.n {
            return Err(GenerateError::CaseOutOfRange { case: k, n: opts.n });
        }
    }
    let mut ctx = Ctx {
        imp,
        builtin: Builtin { mode: opts.mode },
    };
    let mut rows = Vec::new();
    let range = match opts.case {
        Some(k) => k..k + 1,
        None => 0..opts.n,
    };
    for &kind in MessageKind::ALL {
        let strat = strategy(kind);
        let ops = ops_for(kind);
        let whole =
            opts.filter.is_empty() || opts.filter.iter().any(|p| glob_match(p, kind.name()));
        // The first disagreement of each operation is shrunk; later ones refer to it.
        let mut shrunk: Vec<(Op, u32)> = Vec::new();
        for k in range.clone() {
            let tree = |k: u32| {
                let mut runner = TestRunner::new_with_rng(
                    Config::default(),
                    case_rng(opts.seed, kind.name(), k),
                );
                strat
                    .new_tree(&mut runner)
                    .map_err(|e| GenerateError::Strategy {
                        message: kind.name(),
                        reason: e.to_string(),
                    })
            };
            let g = tree(k)?.current();
            for &op in &ops {
                let id = case_id(opts, kind, k, op);
                if !whole && !opts.filter.iter().any(|p| glob_match(p, &id)) {
                    continue;
                }
                let started = Instant::now();
                let o = run_op(op, &g, &mut ctx);
                let mut detail = o.detail.clone();
                let mut shown = o.clone();
                if o.disagrees() {
                    if let Some((_, first)) = shrunk.iter().find(|(p, _)| *p == op) {
                        detail.push_str(&format!(
                            "\n    (a disagreement of the same operation as case {first}, shrunk there)"
                        ));
                    } else {
                        shrunk.push((op, k));
                        // A fresh tree of the same case: each operation shrinks from the
                        // drawn value.
                        let (min, mo, steps) = shrink(&mut tree(k)?, op, &mut ctx, o.clone());
                        detail = minimal_report(opts, &mut ctx, kind, k, op, &min, &mo, steps);
                        shown = mo;
                    }
                }
                rows.push(CaseResult {
                    case: Case {
                        id,
                        file: format!("generate-{}", kind.name()),
                        message: kind.name().to_owned(),
                        section: kind.def().section.to_owned(),
                        tc_id: k,
                        comment: op.comment().to_owned(),
                        flags: vec!["Generated".into()],
                        expected: shown.expected,
                        op: shown.op,
                        class: crate::class::CaseClass::Conformance,
                    },
                    verdict: o.verdict,
                    detail,
                    deviation: None,
                    time: started.elapsed(),
                });
            }
        }
    }
    if rows.is_empty() {
        return Err(GenerateError::NoCaseMatches {
            filter: opts.filter.clone(),
        });
    }
    Ok(rows)
}
