//! The run: every message type's N cases through its operations, the first disagreement of
//! each operation shrunk, one report row per case and operation. Rows count what the
//! implementation under test answered: against an adapter, the built-in's own check against
//! the independent reference becomes a row only when it fails. A case whose message (the
//! minimal one, once shrunk) holds a value outside its field's format is a robustness case:
//! flag `Wild`, file `generate-wild-MESSAGE`, after the message's conformance rows.

use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

use allinpay_protocol::MessageKind;

use super::ops::{ops_for, run_op, Ctx, Op};
use super::shrink::{minimal_report, shrink};
use super::strategy::{case_rng, strategy, wild_strategy};
use super::{GenOptions, GenerateError};
use crate::adapter::{Builtin, Implementation};
use crate::cases::{glob_match, Case};
use crate::verdict::CaseResult;

pub use crate::class::WILD_FLAG;

fn case_id(opts: &GenOptions, kind: MessageKind, k: u32, op: Op) -> String {
    let mode = if opts.wild { "gen-wild" } else { "gen" };
    format!("{mode}/{}/{}/{k}/{}", kind.name(), opts.seed, op.name())
}

/// The rows of a generative run against `imp`.
pub fn run(
    opts: &GenOptions,
    imp: &mut dyn Implementation,
) -> Result<Vec<CaseResult>, GenerateError> {
    run_answered(opts, imp).map(|(rows, _)| rows)
}

/// [`run`], with each row's answer in the same order (`None`: no answer), which the
/// report's root causes explain (`Report::explain`). A shrunk row's answer is the one to
/// its minimal case, the case the row shows.
pub fn run_answered(
    opts: &GenOptions,
    imp: &mut dyn Implementation,
) -> Result<(Vec<CaseResult>, Vec<Option<Value>>), GenerateError> {
    if let Some(k) = opts.case {
        if k >= opts.n {
            return Err(GenerateError::CaseOutOfRange { case: k, n: opts.n });
        }
    }
    let mut ctx = Ctx {
        imp,
        builtin: Builtin { mode: opts.mode },
        id: String::new(),
    };
    let mut rows = Vec::new();
    let mut matched = false;
    let range = match opts.case {
        Some(k) => k..k + 1,
        None => 0..opts.n,
    };
    for &kind in MessageKind::ALL {
        let strat = if opts.wild {
            wild_strategy(kind)
        } else {
            strategy(kind)
        };
        let mut wild_rows = Vec::new();
        let ops = ops_for(kind);
        let whole =
            opts.filter.is_empty() || opts.filter.iter().any(|p| glob_match(p, kind.name()));
        // The first disagreement of each operation is shrunk, among the in-format cases
        // and among the others; later ones refer to it.
        let mut shrunk: Vec<(Op, bool, u32)> = Vec::new();
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
            let drawn_wild = !g.out_of_format().is_empty();
            for &op in &ops {
                let id = case_id(opts, kind, k, op);
                if !whole && !opts.filter.iter().any(|p| glob_match(p, &id)) {
                    continue;
                }
                matched = true;
                let started = Instant::now();
                ctx.id.clone_from(&id);
                let o = run_op(op, &g, &mut ctx);
                // Against an adapter, a passing reference row is nothing it answered.
                if op == Op::Reference && opts.adapter.is_some() && !o.disagrees() {
                    continue;
                }
                let mut detail = o.detail.clone();
                let mut shown = o.clone();
                let mut out_of_format = g.out_of_format();
                if o.disagrees() {
                    if let Some((_, _, first)) =
                        shrunk.iter().find(|(p, w, _)| *p == op && *w == drawn_wild)
                    {
                        detail.push_str(&format!(
                            "\n    (a disagreement of the same operation as case {first}, shrunk there)"
                        ));
                    } else {
                        shrunk.push((op, drawn_wild, k));
                        // A fresh tree of the same case: each operation shrinks from the
                        // drawn value.
                        let (min, mo, steps) = shrink(&mut tree(k)?, op, &mut ctx, o.clone());
                        ctx.id.clone_from(&id);
                        detail = minimal_report(opts, &mut ctx, kind, k, op, &min, &mo, steps);
                        out_of_format = min.out_of_format();
                        shown = mo;
                    }
                }
                let wild = !out_of_format.is_empty();
                if wild {
                    // After the first line, before a shrunk case's long printout.
                    let at = detail.find('\n').unwrap_or(detail.len());
                    detail.insert_str(
                        at,
                        &format!(
                            "\n    robustness case (--generate-wild): out of format: {}",
                            out_of_format.join("; ")
                        ),
                    );
                }
                let mut flags = vec!["Generated".to_owned()];
                if wild {
                    flags.push(WILD_FLAG.to_owned());
                }
                let row = CaseResult {
                    case: Case {
                        id,
                        file: if wild {
                            format!("generate-wild-{}", kind.name())
                        } else {
                            format!("generate-{}", kind.name())
                        },
                        message: kind.name().to_owned(),
                        section: kind.def().section.to_owned(),
                        tc_id: k,
                        comment: op.comment().to_owned(),
                        class: crate::class::classify(&flags).class,
                        flags,
                        expected: shown.expected,
                        op: shown.op,
                    },
                    verdict: o.verdict,
                    detail,
                    deviation: None,
                    time: started.elapsed(),
                };
                let answered = (row, shown.answer);
                if wild {
                    wild_rows.push(answered);
                } else {
                    rows.push(answered);
                }
            }
        }
        rows.append(&mut wild_rows);
    }
    if !matched {
        return Err(GenerateError::NoCaseMatches {
            filter: opts.filter.clone(),
        });
    }
    Ok(rows.into_iter().unzip())
}
