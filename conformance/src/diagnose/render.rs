//! Rendering: a diagnosis or a verifying-side report as the text the CLI prints, or as
//! JSON (`--format json`). The key never appears: sources are built with `<key>`.

use serde_json::{json, Value};

use super::search::Diagnosis;
use super::verifying::VerifyReport;

/// Line ends made visible: a sign source's CRLFs are part of what is signed (§3.8).
fn show(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

/// A diagnosis as text, appended to `o`.
fn render_diagnosis(d: &Diagnosis, sig: &str, o: &mut String) {
    if d.matches {
        match d.form {
            Some(f) => o.push_str(&format!(
                "match: the signature is correct (signed text: {} — {})\n",
                f.name(),
                f.describe()
            )),
            None => o.push_str("match: the signature is correct\n"),
        }
        return;
    }
    o.push_str(&format!(
        "mismatch: {sig} is not the signature of these fields\nexpected signMsg: {}\nexpected sign source: {}\n",
        d.correct,
        show(&d.source_masked)
    ));
    let counts = format!(
        "{} variants tried: {} single mistakes, {} pairs, {} triples{}",
        d.tried,
        d.singles,
        d.pairs,
        d.triples,
        if d.budget_exhausted {
            "; the search budget ran out"
        } else {
            ""
        }
    );
    if d.explanations.is_empty() {
        o.push_str(&format!("no known mistake reproduces {sig} ({counts})\n"));
    }
    for e in &d.explanations {
        o.push_str(&format!(
            "reproduced by: {} — {}\n",
            e.labels.join(" + "),
            e.descriptions.join("; ")
        ));
        if let Some(f) = e.form {
            o.push_str(&format!("  on the signed-text form: {}\n", f.name()));
        }
        o.push_str(&format!("  its sign source: {}\n", show(&e.source_masked)));
    }
    if !d.explanations.is_empty() {
        o.push_str(&format!("({counts})\n"));
    }
}

/// Renders a diagnosis as printed by the CLI.
pub fn render(d: &Diagnosis, sig: &str) -> String {
    let mut o = String::new();
    render_diagnosis(d, sig, &mut o);
    o
}

/// A diagnosis as JSON (`--format json`).
pub fn diagnosis_json(d: &Diagnosis, sig: &str) -> Value {
    let explanations: Vec<Value> = d
        .explanations
        .iter()
        .map(|e| {
            json!({
                "mistakes": e.mistakes.iter().zip(&e.labels).zip(&e.descriptions).map(|((m, l), ds)| json!({
                    "name": m.name(), "label": l, "description": ds,
                })).collect::<Vec<_>>(),
                "textForm": e.form.map(|f| f.name()),
                "source": e.source_masked,
            })
        })
        .collect();
    json!({
        "signature": sig,
        "matches": d.matches,
        "textForm": d.form.map(|f| f.name()),
        "correct": d.correct,
        "correctSource": d.source_masked,
        "explanations": explanations,
        "variantsTried": d.tried,
        "singles": d.singles,
        "pairs": d.pairs,
        "triples": d.triples,
        "budgetExhausted": d.budget_exhausted,
    })
}

/// Renders the verifying-side report.
pub fn render_report(r: &VerifyReport) -> String {
    let mut o = String::new();
    if r.builtin.valid {
        o.push_str("built-in verifier: valid");
        if let Some(f) = r.builtin.text_form {
            o.push_str(&format!(" (signed text: {} — {})", f.name(), f.describe()));
        }
        o.push('\n');
        if let Some(d) = &r.builtin.deviation {
            o.push_str(&format!(
                "  accepted quirk: {d} (hashed in {}; ERRATA E-CHARSET)\n",
                r.builtin.charset.name()
            ));
        }
    } else {
        o.push_str(&format!(
            "built-in verifier: invalid: {}\n",
            r.builtin.error.as_deref().unwrap_or("?")
        ));
    }
    if let Some((c, d)) = &r.computed {
        o.push_str(&format!("your verifier computed {c}:\n"));
        if d.matches {
            o.push_str("  it computes the right signature");
            if let Some(f) = d.form {
                o.push_str(&format!(" (signed text: {})", f.name()));
            }
            o.push('\n');
        } else {
            let mut inner = String::new();
            render_diagnosis(d, c, &mut inner);
            for line in inner.lines() {
                o.push_str(&format!("  {line}\n"));
            }
        }
    }
    if let Some(d) = &r.received {
        o.push_str(&format!(
            "the received signMsg {} is not the signature of the received fields:\n",
            r.received_sig
        ));
        let mut inner = String::new();
        render_diagnosis(d, &r.received_sig, &mut inner);
        for line in inner.lines().skip(1) {
            o.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(c) = &r.cert {
        match &c.verifies {
            Some((what, shown)) => o.push_str(&format!(
                "certificate: the signature verifies over {what} ({} variants tried)\n  signed bytes: {}\n",
                c.tried,
                show(shown)
            )),
            None => o.push_str(&format!(
                "certificate: no signed-byte variant verifies ({} variants tried: the sign source or text, its MD5 hex, with and without the final CRLF, with the key appended, in GBK)\n",
                c.tried
            )),
        }
    }
    o
}

/// The verifying-side report as JSON.
pub fn report_json(r: &VerifyReport) -> Value {
    json!({
        "side": "verifying",
        "signType": r.sign_type,
        "receivedSignature": r.received_sig,
        "builtin": {
            "valid": r.builtin.valid,
            "error": r.builtin.error,
            "textForm": r.builtin.text_form.map(|f| f.name()),
            "charset": r.builtin.charset.name(),
            "deviation": r.builtin.deviation,
        },
        "computed": r.computed.as_ref().map(|(c, d)| diagnosis_json(d, c)),
        "received": r.received.as_ref().map(|d| diagnosis_json(d, &r.received_sig)),
        "certificate": r.cert.as_ref().map(|c| json!({
            "verifies": c.verifies.is_some(),
            "over": c.verifies.as_ref().map(|v| &v.0),
            "signedBytes": c.verifies.as_ref().map(|v| &v.1),
            "variantsTried": c.tried,
        })),
    })
}
