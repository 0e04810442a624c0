//! The root causes of a generative run (docs/adapter.md, "Generative runs"): the report
//! leads with the failures grouped by the mistake named, as a run of the vectors does;
//! robustness disagreements (`--generate-wild`) are warnings, not failures, and no cause
//! counts them.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{ac, json, python};

/// `run --generate 20 --seed 7` against `adapter`, with `more` arguments.
fn generated(adapter: &str, more: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "run",
        "--adapter",
        adapter,
        "--generate",
        "20",
        "--seed",
        "7",
    ];
    args.extend_from_slice(more);
    ac(&args)
}

/// The ids of the cases whose verdict fails, of `class`.
fn failing(report: &Value, class: &str) -> BTreeSet<String> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| (c["verdict"] == "fail" || c["verdict"] == "error") && c["class"] == class)
        .map(|c| c["id"].as_str().expect("id").to_owned())
        .collect()
}

/// The alphabetical adapter: every failing row (the shrunk ones too) is explained by one
/// cause, `alphabetical-order`, and the text report leads with that block.
pub fn a_generative_run_leads_with_its_root_causes() {
    let adapter = python(Some("alphabetical"));
    let (code, out, err) = generated(&adapter, &["--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let report = json(&out);
    let failing_ids = failing(&report, "conformance");
    assert!(!failing_ids.is_empty(), "no failure: {out}");
    assert!(failing(&report, "robustness").is_empty());
    let rc = &report["rootCauses"];
    assert_eq!(rc["failures"], failing_ids.len(), "{rc}");
    let causes = rc["causes"].as_array().expect("rootCauses.causes");
    assert_eq!(causes.len(), 1, "{rc}");
    assert_eq!(causes[0]["name"], "alphabetical-order");
    assert_eq!(causes[0]["count"], failing_ids.len());
    let explained: BTreeSet<String> = causes[0]["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("id").to_owned())
        .collect();
    assert_eq!(explained, failing_ids);
    assert_eq!(rc["notExplained"]["count"], 0, "{rc}");
    // The shrunk rows show their minimal case; their cause is found from its answer.
    let shrunk: Vec<&Value> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| {
            c["detail"]
                .as_str()
                .is_some_and(|d| d.contains("minimal case"))
        })
        .collect();
    assert!(!shrunk.is_empty(), "no shrunk row");
    for c in shrunk {
        assert_eq!(c["cause"], "alphabetical-order", "{}", c["id"]);
    }

    let (code, text, err) = generated(&adapter, &[]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<&str> = text.lines().collect();
    let n = failing_ids.len();
    assert!(lines[0].starts_with("implementation: "), "{}", lines[0]);
    assert_eq!(lines[1], format!("{n} failures, 1 root cause:"));
    assert!(
        lines[2]
            .trim_start()
            .starts_with(&format!("{n}  alphabetical-order: fields sorted by name")),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].trim_start().starts_with("e.g. gen/"),
        "{}",
        lines[3]
    );
    assert_eq!(lines[4], "  not explained: 0");
}

/// The correct adapter: nothing fails, and the root causes are those of a clean run of
/// the vectors (no failure, no cause); the text report has no root-cause block.
pub fn a_clean_generative_run_has_no_root_cause() {
    let adapter = python(None);
    let (code, out, err) = generated(&adapter, &["--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    assert!(failing(&report, "conformance").is_empty(), "{out}");
    assert_eq!(report["rootCauses"]["failures"], 0);
    let (code, vectors, err) = ac(&["run", "--adapter", &adapter, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(report["rootCauses"], json(&vectors)["rootCauses"]);

    let (code, text, err) = generated(&adapter, &[]);
    assert_eq!(code, 0, "{err}");
    let second = text.lines().nth(1).unwrap_or_default();
    assert!(second.starts_with("file "), "{second}");
}

/// `--generate-wild`: the out-of-format cases the alphabetical adapter also gets wrong are
/// reported as robustness warnings; the root causes count the conformance failures only.
pub fn wild_disagreements_are_no_root_cause_failures() {
    let (code, out, err) = generated(
        &python(Some("alphabetical")),
        &["--generate-wild", "--format", "json"],
    );
    assert_eq!(code, 1, "{err}");
    let report = json(&out);
    let conformance = failing(&report, "conformance");
    let robustness = failing(&report, "robustness");
    assert!(!robustness.is_empty(), "no robustness disagreement: {out}");
    let rc = &report["rootCauses"];
    assert_eq!(rc["failures"], conformance.len(), "{rc}");
    let ids = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("case ids")
            .iter()
            .map(|c| c.as_str().expect("id").to_owned())
            .collect()
    };
    let mut counted: BTreeSet<String> = ids(&rc["notExplained"]["cases"]).into_iter().collect();
    for c in rc["causes"].as_array().expect("causes") {
        counted.extend(ids(&c["cases"]));
    }
    assert_eq!(counted, conformance);
    assert!(counted.is_disjoint(&robustness));
}
