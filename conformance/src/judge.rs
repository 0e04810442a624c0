//! Judges one answer of an implementation against its case (docs/adapter.md gives the
//! answer of each operation).

use serde_json::Value;

use crate::cases::{Case, CaseOp};
use crate::vectors::Expected;
use crate::verdict::{Judge, Verdict};

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
