//! Shrinking and the printed case: a disagreement is shrunk with the proptest value tree,
//! re-asking the implementation at each step, then printed with where the sign source or
//! signMsg first differs, the fields it depends on, a one-line reproducer and a vector case
//! in the `allinpay-vectors/v1` format.

use proptest::strategy::ValueTree;
use serde_json::{json, Value};

use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{Presence, Signing, WireForm};
use allinpay_protocol::{Charset, MessageKind};

use super::message::{is_text, Generated};
use super::ops::{first_difference, run_op, Ctx, Op, Outcome};
use super::reference::independent;
use super::strategy::{fix_up, plain_value};
use super::GenOptions;
use crate::cases::CaseOp;
use crate::vectors::Expected;

/// Implementation calls one shrink may make.
const MAX_SHRINK_STEPS: u32 = 400;

/// Shrinks `tree` (whose current value disagrees on `op`) to a minimal disagreement.
pub(super) fn shrink<T: ValueTree<Value = Generated>>(
    tree: &mut T,
    op: Op,
    ctx: &mut Ctx<'_>,
    first: Outcome,
) -> (Generated, Outcome, u32) {
    let mut best = (tree.current(), first);
    let mut steps = 0;
    if !tree.simplify() {
        return (best.0, best.1, steps);
    }
    let case = ctx.id.clone();
    while steps < MAX_SHRINK_STEPS {
        steps += 1;
        ctx.id = format!("{case}/shrink/{steps}");
        let g = tree.current();
        let o = run_op(op, &g, ctx);
        if o.disagrees() {
            best = (g, o);
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    ctx.id = case;
    (best.0, best.1, steps)
}

/// The fields (and wire choices) the disagreement depends on: each one set to its
/// plainest value (optional fields: absent) makes the disagreement go away.
fn implicated(op: Op, g: &Generated, ctx: &mut Ctx<'_>) -> Vec<String> {
    let case = ctx.id.clone();
    let mut n = 0;
    let mut next_id = |ctx: &mut Ctx<'_>| {
        n += 1;
        ctx.id = format!("{case}/shrink/plain-{n}");
    };
    let mut out = Vec::new();
    let fields = g.def_fields();
    for r in 0..g.records.len() {
        for (i, f) in fields.iter().enumerate() {
            let cur = g.records[r][i].clone();
            let plain = match f.presence {
                Presence::Optional => None,
                Presence::Required => Some(plain_value(f)),
            };
            if cur.is_none() || cur == plain || f.signing == Signing::Signature {
                continue;
            }
            let mut h = g.clone();
            h.records[r][i] = plain;
            fix_up(&mut h);
            next_id(ctx);
            if !run_op(op, &h, ctx).disagrees() {
                let v = cur.unwrap_or_default();
                let label = if g.records.len() > 1 || is_text(g.kind) {
                    format!("{} of record {} = {v:?}", f.name, r + 1)
                } else {
                    format!("{} = {v:?}", f.name)
                };
                out.push(label);
            }
        }
    }
    let mut wire_choice = |label: &str, change: &dyn Fn(&mut Generated)| {
        let mut h = g.clone();
        change(&mut h);
        next_id(ctx);
        if !run_op(op, &h, ctx).disagrees() {
            out.push(label.to_owned());
        }
    };
    if !is_text(g.kind) && op != Op::Sign && op != Op::Reference {
        if g.plus {
            wire_choice("the wire's '+' for a space", &|h| h.plus = false);
        }
        if g.lower_hex {
            wire_choice("the wire's lowercase escapes", &|h| h.lower_hex = false);
        }
        if g.shuffle != 0 {
            wire_choice("the wire's field order", &|h| h.shuffle = 0);
        }
    }
    if is_text(g.kind) && op == Op::Sign && g.form != TextForm::Literal {
        let name = format!("textForm {}", g.form.name());
        wire_choice(&name, &|h| h.form = TextForm::Literal);
    }
    ctx.id = case;
    out
}

fn excerpt(s: &str, at: usize) -> String {
    s.get(at..)
        .map(|t| t.chars().take(20).collect())
        .unwrap_or_default()
}

/// For a name=value source: the name of the pair that holds byte `at`.
fn pair_name(src: &str, at: usize) -> Option<String> {
    let start = src
        .get(..=at.min(src.len().saturating_sub(1)))?
        .rfind('&')
        .map_or(0, |i| i + 1);
    src.get(start..)?.split('=').next().map(str::to_owned)
}

/// Where the implementation's sign source (`got`) first differs from the expected one
/// (`want`), named by the field of the expected source and the pair of `got`.
fn locate(g: &Generated, got: &str, want: &str) -> String {
    let offset = first_difference(got, want);
    let pieces = independent(g).map(|x| x.2).unwrap_or_default();
    let field = pieces
        .iter()
        .find(|p| offset >= p.start && offset < p.end)
        .map(|p| format!("in field {}", p.what))
        .or_else(|| {
            pieces
                .iter()
                .rev()
                .find(|p| p.end <= offset)
                .map(|p| format!("after field {}", p.what))
        })
        .unwrap_or_default();
    let got_at = if is_text(g.kind) {
        String::new()
    } else {
        pair_name(got, offset)
            .map(|n| format!(" (pair {n:?})"))
            .unwrap_or_default()
    };
    let want_at = if offset >= want.len() {
        "the expected source ends there".to_owned()
    } else {
        format!("expected {:?}", excerpt(want, offset))
    };
    format!(
        "byte {offset}, {field}: the implementation has {:?}{got_at}, {want_at}",
        excerpt(got, offset)
    )
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn reproducer(opts: &GenOptions, kind: MessageKind, k: u32) -> String {
    let mut line = String::from("allinpay-conformance run");
    if let Some(a) = &opts.adapter {
        line.push_str(&format!(" --adapter {}", shell_quote(a)));
    }
    line.push_str(&format!(" --generate {}", opts.n));
    if opts.wild {
        line.push_str(" --generate-wild");
    }
    line.push_str(&format!(
        " --seed {} --case {k} --filter {}",
        opts.seed,
        kind.name()
    ));
    if opts.strict {
        line.push_str(" --strict");
    }
    line
}

fn section(kind: MessageKind) -> String {
    format!("§{}", kind.def().section)
}

/// The minimal case as a ready-to-commit `allinpay-vectors/v1` file.
fn vector_case(opts: &GenOptions, g: &Generated, o: &Outcome, k: u32, op: Op) -> Value {
    let comment = format!("generated: {} (seed {}, case {k})", op.comment(), opts.seed);
    let result = match o.expected {
        Expected::Valid => "valid",
        Expected::Invalid => "invalid",
        Expected::Acceptable => "acceptable",
    };
    let group = match &o.op {
        CaseOp::Sign {
            key,
            charset,
            fields,
            sign_source,
            text_form,
            sign_msg,
        } => {
            let mut t = json!({"tcId": 1, "comment": comment, "flags": ["Generated"],
                "section": section(g.kind), "fields": fields});
            if let Some(src) = sign_source {
                t["signSource"] = json!(src);
            }
            if let Some(f) = text_form {
                t["textForm"] = json!(f.name());
            }
            t["signMsg"] = json!(sign_msg);
            t["result"] = json!(result);
            json!({"type": "Md5Sign", "key": key, "charset": charset.name(), "tests": [t]})
        }
        CaseOp::Verify {
            key, charset, wire, ..
        } => {
            json!({"type": "Md5Verify", "key": key, "charset": charset.map(Charset::name), "tests": [
            {"tcId": 1, "comment": comment, "flags": ["Generated"], "section": section(g.kind),
             "wire": wire, "result": result}]})
        }
        CaseOp::Parse { wire, expected } => {
            let mut t = json!({"tcId": 1, "comment": comment, "flags": ["Generated"],
                "section": section(g.kind), "wire": wire});
            if let Some(e) = expected {
                t["expected"] = e.clone();
            }
            t["result"] = json!(result);
            json!({"type": "Parse", "tests": [t]})
        }
        _ => json!({}),
    };
    let whose = if op == Op::Reference {
        "the independent computation of allinpay-conformance's generator (string building and md-5 over the spec table)"
    } else {
        "the built-in implementation (allinpay-protocol)"
    };
    json!({
        "schema": crate::vectors::SCHEMA,
        "message": g.kind.name(),
        "description": format!("A generated {} case: {}.", g.kind.name(), op.comment()),
        "source": {
            "kind": "generated",
            "reference": format!("{} {}; {}", section(g.kind), g.kind.def().title, reproducer(opts, g.kind, k)),
            "method": format!("Found by `run --generate`; the expected value is {whose}'s answer, NOT yet obtained outside the code under test: recompute it independently (e.g. Python hashlib, as vectors/tools/gen_md5_vectors.py does) and then update this method before committing."),
        },
        "notes": {"Generated": "A minimal disagreement found by `run --generate` and shrunk."},
        "numberOfTests": 1,
        "testGroups": [group],
    })
}

fn describe_minimal(g: &Generated) -> String {
    match g.kind.def().wire {
        WireForm::Form | WireForm::Json | WireForm::ErrorText => {
            format!("fields {}", Value::Object(g.sign_fields()))
        }
        _ => {
            let mut t = format!(
                "{} with {} record(s) {}",
                g.kind.name(),
                g.records.len(),
                Value::Object(g.sign_fields())
            );
            if is_text(g.kind) {
                t.push_str(&format!(", textForm {}", g.form.name()));
            }
            t
        }
    }
}

/// The detail of a shrunk disagreement: the minimal case, where it differs, what it
/// depends on, the reproducer and the vector case.
#[allow(clippy::too_many_arguments)]
pub(super) fn minimal_report(
    opts: &GenOptions,
    ctx: &mut Ctx<'_>,
    kind: MessageKind,
    k: u32,
    op: Op,
    min: &Generated,
    mo: &Outcome,
    steps: u32,
) -> String {
    let mut t = format!(
        "{}\n    minimal case after {steps} shrink steps: {}",
        mo.detail,
        describe_minimal(min)
    );
    if let CaseOp::Verify { wire, .. } | CaseOp::Parse { wire, .. } = &mo.op {
        t.push_str(&format!("\n    wire: {wire:?}"));
    }
    if let Some((got, want)) = &mo.source_diff {
        t.push_str(&format!(
            "\n    signSource differs at {}",
            locate(min, got, want)
        ));
    }
    if let Some((got, want)) = &mo.sig_diff {
        let off = first_difference(got, want);
        t.push_str(&format!(
            "\n    signMsg differs at byte {off}: {:?} where {:?} is expected",
            excerpt(got, off),
            excerpt(want, off)
        ));
    }
    let blame = implicated(op, min, ctx);
    if !blame.is_empty() {
        t.push_str(&format!(
            "\n    the disagreement goes away when each of these is made plain: {}",
            blame.join("; ")
        ));
    }
    t.push_str(&format!("\n    reproduce: {}", reproducer(opts, kind, k)));
    let vector =
        serde_json::to_string_pretty(&vector_case(opts, min, mo, k, op)).unwrap_or_default();
    t.push_str("\n    vector case (expected values are the built-in's answer: check them independently before committing):\n");
    for line in vector.lines() {
        t.push_str("    ");
        t.push_str(line);
        t.push('\n');
    }
    t.truncate(t.trim_end().len());
    t
}
