//! Reports of `run`: a human table (`text.rs`), JSON, also the `--baseline` input
//! (`json.rs`), and JUnit XML (`junit.rs`); the known-failures list and the baseline.

mod baseline;
mod causes;
mod html;
mod json;
mod junit;
mod known_failures;
mod scope;
mod text;

pub use baseline::Baseline;
pub use causes::{RootCause, RootCauses, SEARCH_BUDGET};
pub use html::{escape as html_escape, first_difference, page as html_page, HtmlContext};
pub use junit::xml;
pub use known_failures::KnownFailures;
pub use scope::ScopeRow;

use serde_json::{json, Value};

use crate::cases::Case;
use crate::class::{CaseClass, HardeningPolicy};
use crate::verdict::{CaseResult, Verdict};

/// Report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Junit,
    /// One self-contained page (`html.rs`).
    Html,
}

/// The schema tag of JSON reports.
pub const REPORT_SCHEMA: &str = "allinpay-conformance-report/v1";

/// What the baseline says about a failing case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineNote {
    /// Passed in the baseline, fails now.
    Regression,
    /// Failed in the baseline too: tolerated.
    StillFailing,
    /// Not in the baseline.
    New,
}

/// One result with its baseline note.
#[derive(Clone, Debug)]
pub struct Row {
    pub result: CaseResult,
    pub baseline: Option<BaselineNote>,
    /// Reported, not counted: a hardening failure under `--hardening warn`, or a
    /// robustness disagreement.
    pub warning: bool,
}

impl Row {
    /// Fails, whatever the baseline and the hardening policy say.
    fn fails(&self) -> bool {
        matches!(self.result.verdict, Verdict::Fail | Verdict::Error)
            && self.baseline != Some(BaselineNote::StillFailing)
    }

    /// Counts against the exit code.
    pub fn is_failure(&self) -> bool {
        self.fails() && !self.warning
    }

    /// Conformance or hardening.
    pub fn class(&self) -> CaseClass {
        self.result.case.class
    }

    fn is_passing(&self) -> bool {
        matches!(self.result.verdict, Verdict::Pass | Verdict::Acceptable)
    }
}

/// How an implementation fared against one attack class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct AttackTally {
    /// Cases answered as the vector expects.
    pub resisted: usize,
    /// `acceptable` cases accepted (a tolerated ambiguity, e.g. a repartitioned value).
    pub tolerated: usize,
    /// Cases the implementation got wrong: it fell for the attack (or refused a genuine
    /// message of the class).
    pub fell: usize,
    pub skipped: usize,
    /// Conformance (a rule of the spec) or hardening (defence in depth).
    pub class: CaseClass,
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Report {
    pub implementation: String,
    pub strict: bool,
    pub rows: Vec<Row>,
    /// `--deviations` patterns that match no case of the run.
    pub unused_deviations: Vec<String>,
    /// What hardening failures do.
    pub hardening: HardeningPolicy,
    /// The failures grouped by root cause, once [`Report::explain`] ran.
    pub causes: Option<RootCauses>,
    /// Each row's answer (`None`: not run, or no usable answer), once
    /// [`Report::explain`] ran; the HTML report shows them.
    pub answers: Vec<Option<Value>>,
    /// What the HTML report's header says beside the report's own fields.
    pub context: HtmlContext,
}

/// The counts of one class of cases.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ClassTally {
    /// Passed (acceptable included).
    pub passed: usize,
    /// Failed, counted against the run.
    pub failed: usize,
    /// Failed, reported as warnings (`--hardening warn`).
    pub warnings: usize,
}

impl Report {
    pub fn new(
        implementation: String,
        strict: bool,
        results: Vec<CaseResult>,
        deviations: &KnownFailures,
        baseline: Option<&Baseline>,
    ) -> Self {
        let unused_deviations = deviations.unused(results.iter().map(|r| r.case.id.as_str()));
        let rows = results
            .into_iter()
            .map(|result| {
                let failing = matches!(result.verdict, Verdict::Fail | Verdict::Error);
                let baseline =
                    baseline
                        .filter(|_| failing)
                        .map(|b| match b.verdicts.get(&result.case.id) {
                            Some(Verdict::Pass | Verdict::Acceptable) => BaselineNote::Regression,
                            Some(_) => BaselineNote::StillFailing,
                            None => BaselineNote::New,
                        });
                let mut row = Row {
                    result,
                    baseline,
                    warning: false,
                };
                row.warning = row.class() == CaseClass::Robustness && row.fails();
                row
            })
            .collect();
        Self {
            implementation,
            strict,
            rows,
            unused_deviations,
            hardening: HardeningPolicy::Fail,
            causes: None,
            answers: Vec::new(),
            context: HtmlContext::default(),
        }
    }

    /// Applies `policy` to the hardening failures: under [`HardeningPolicy::Warn`] they
    /// are reported as warnings and no longer fail the run.
    pub fn with_hardening(mut self, policy: HardeningPolicy) -> Self {
        self.hardening = policy;
        for r in &mut self.rows {
            r.warning = r.fails()
                && match r.class() {
                    CaseClass::Conformance => false,
                    CaseClass::Hardening => policy == HardeningPolicy::Warn,
                    CaseClass::Robustness => true,
                };
        }
        self
    }

    /// The classes this run has cases of: conformance always, the others when present.
    pub fn classes(&self) -> Vec<CaseClass> {
        let mut out = vec![CaseClass::Conformance, CaseClass::Hardening];
        if self.rows.iter().any(|r| r.class() == CaseClass::Robustness) {
            out.push(CaseClass::Robustness);
        }
        out
    }

    /// Passed, failed and warned cases of one class.
    pub fn tally(&self, class: CaseClass) -> ClassTally {
        let rows = || self.rows.iter().filter(|r| r.class() == class);
        ClassTally {
            passed: rows().filter(|r| r.is_passing()).count(),
            failed: rows().filter(|r| r.is_failure()).count(),
            warnings: rows().filter(|r| r.warning).count(),
        }
    }

    fn count(&self, f: impl Fn(&Row) -> bool) -> usize {
        self.rows.iter().filter(|r| f(r)).count()
    }

    pub fn passed(&self) -> usize {
        self.count(Row::is_passing)
    }
    pub fn failed(&self) -> usize {
        self.count(Row::is_failure)
    }
    fn verdicts(&self, v: Verdict) -> usize {
        self.count(|r| r.result.verdict == v)
    }
    fn known_failures(&self) -> usize {
        self.count(|r| r.baseline == Some(BaselineNote::StillFailing))
    }
    fn regressions(&self) -> usize {
        self.count(|r| r.baseline == Some(BaselineNote::Regression))
    }

    pub fn render(&self, format: ReportFormat) -> String {
        match format {
            ReportFormat::Text => self.text(),
            ReportFormat::Json => {
                let mut s = serde_json::to_string_pretty(&self.json()).unwrap_or_default();
                s.push('\n');
                s
            }
            ReportFormat::Junit => self.junit(),
            ReportFormat::Html => self.html(&self.context),
        }
    }

    /// Rows grouped by vector file, in run order.
    fn by_file(&self) -> Vec<(&str, Vec<&Row>)> {
        let mut out: Vec<(&str, Vec<&Row>)> = Vec::new();
        for r in &self.rows {
            match out.last_mut() {
                Some((f, rows)) if *f == r.result.case.file => rows.push(r),
                _ => out.push((&r.result.case.file, vec![r])),
            }
        }
        out
    }

    /// Per attack class (a flag starting with `Attack`), how the implementation fared.
    pub fn attacks(&self) -> std::collections::BTreeMap<String, AttackTally> {
        let mut out: std::collections::BTreeMap<String, AttackTally> = Default::default();
        for r in &self.rows {
            for f in r
                .result
                .case
                .flags
                .iter()
                .filter(|f| f.starts_with("Attack"))
            {
                let t = out.entry(f.clone()).or_default();
                t.class = r.class();
                match r.result.verdict {
                    Verdict::Pass => t.resisted += 1,
                    Verdict::Acceptable => t.tolerated += 1,
                    Verdict::Fail | Verdict::Error => t.fell += 1,
                    Verdict::Skipped | Verdict::KnownFailure => t.skipped += 1,
                }
            }
        }
        out
    }
}

fn expected_name(c: &Case) -> &'static str {
    match c.expected {
        crate::vectors::Expected::Valid => "valid",
        crate::vectors::Expected::Invalid => "invalid",
        crate::vectors::Expected::Acceptable => "acceptable",
    }
}

/// `--list`: ids one per line, or a JSON array.
pub fn list(cases: &[&Case], format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => {
            let v: Vec<Value> = cases
                .iter()
                .map(|c| {
                    json!({"id": c.id, "file": format!("{}.json", c.file), "message": c.message,
                           "section": c.section, "tcId": c.tc_id, "op": c.op.name(),
                           "expected": c.expected, "comment": c.comment, "flags": c.flags})
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
            s.push('\n');
            s
        }
        ReportFormat::Text | ReportFormat::Junit | ReportFormat::Html => {
            cases.iter().map(|c| format!("{}\n", c.id)).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_control_characters() {
        assert_eq!(
            xml("a<b>&\"c'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}&#10;"
        );
    }

    #[test]
    fn deviations_need_a_reason() {
        let d = KnownFailures::parse("# c\n\n5.2/*  erratum\n*/tc1\tlegacy  code\n", "f")
            .expect("parses");
        assert_eq!(d.reason("5.2/x/y/tc3"), Some("erratum"));
        assert_eq!(d.reason("2.1/x/y/tc1"), Some("legacy  code"));
        assert_eq!(d.reason("2.1/x/y/tc2"), None);
        assert_eq!(
            d.unused(["2.1/x/y/tc1"].into_iter()),
            vec!["5.2/* (line 3)"]
        );
        let e = KnownFailures::parse("ok reason\n5.2/*\n", "f").expect_err("no reason");
        assert!(
            matches!(e, crate::error::ReportError::NoReason { line: 2, .. }),
            "{e}"
        );
    }

    #[test]
    fn baseline_rejects_other_json() {
        assert!(Baseline::parse("[]", "b").is_err());
        assert!(Baseline::parse("{", "b").is_err());
        let ok =
            format!(r#"{{"schema":"{REPORT_SCHEMA}","cases":[{{"id":"a","verdict":"pass"}}]}}"#);
        assert_eq!(
            Baseline::parse(&ok, "b").expect("ok").verdicts.get("a"),
            Some(&Verdict::Pass)
        );
        let bad = ok.replace("pass", "great");
        assert!(Baseline::parse(&bad, "b").is_err());
    }
}
