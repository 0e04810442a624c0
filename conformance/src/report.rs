//! Reports of `run`: human table, JSON (also the `--baseline` input) and JUnit XML; the
//! `--deviations` list and the baseline.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use serde_json::{json, Value};

use crate::cases::{glob_match, Case};
use crate::verdict::{CaseResult, Verdict};

/// Report format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Junit,
}

/// The schema tag of JSON reports.
pub const REPORT_SCHEMA: &str = "allinpay-conformance-report/v1";

/// `--deviations`: known, accepted deviations, `ID-GLOB  reason` per line.
#[derive(Clone, Debug, Default)]
pub struct Deviations {
    /// (pattern, reason, line number).
    entries: Vec<(String, String, usize)>,
}

impl Deviations {
    /// Parses the text of a deviations file; `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<Self, String> {
        let mut entries = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (pattern, reason) = line
                .split_once(char::is_whitespace)
                .map(|(p, r)| (p, r.trim()))
                .unwrap_or((line, ""));
            if reason.is_empty() {
                return Err(format!(
                    "{name} line {}: `{pattern}` needs a reason after the pattern",
                    i + 1
                ));
            }
            entries.push((pattern.to_owned(), reason.to_owned(), i + 1));
        }
        Ok(Self { entries })
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --deviations {}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }

    /// The reason of the first pattern that matches `id`.
    pub fn reason(&self, id: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(p, _, _)| glob_match(p, id))
            .map(|(_, r, _)| r.as_str())
    }

    /// Patterns that match none of `ids`, as `pattern (line N)`.
    pub fn unused<'a>(&self, ids: impl Iterator<Item = &'a str> + Clone) -> Vec<String> {
        self.entries
            .iter()
            .filter(|(p, _, _)| !ids.clone().any(|id| glob_match(p, id)))
            .map(|(p, _, n)| format!("{p} (line {n})"))
            .collect()
    }
}

/// A previous JSON report: the verdict of each case id.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    verdicts: HashMap<String, Verdict>,
}

impl Baseline {
    /// The verdict the baseline recorded for a case id.
    pub fn verdict(&self, id: &str) -> Option<Verdict> {
        self.verdicts.get(id).copied()
    }

    pub fn parse(text: &str, name: &str) -> Result<Self, String> {
        let bad =
            |why: &str| format!("--baseline {name}: {why} (expected a `run --format json` report)");
        let v: Value = serde_json::from_str(text).map_err(|e| bad(&e.to_string()))?;
        if v.get("schema").and_then(Value::as_str) != Some(REPORT_SCHEMA) {
            return Err(bad(&format!("schema is not {REPORT_SCHEMA}")));
        }
        let cases = v
            .get("cases")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("no cases array"))?;
        let mut verdicts = HashMap::new();
        for c in cases {
            let id = c.get("id").and_then(Value::as_str);
            let verdict = c
                .get("verdict")
                .and_then(|v| serde_json::from_value::<Verdict>(v.clone()).ok());
            match (id, verdict) {
                (Some(id), Some(verdict)) => {
                    verdicts.insert(id.to_owned(), verdict);
                }
                _ => return Err(bad("a case lacks id or a known verdict")),
            }
        }
        Ok(Self { verdicts })
    }

    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --baseline {}: {e}", path.display()))?;
        Self::parse(&text, &path.display().to_string())
    }
}

/// What the baseline says about a failing case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BaselineNote {
    /// Passed in the baseline, fails now.
    Regression,
    /// Failed in the baseline too: tolerated.
    KnownFailure,
    /// Not in the baseline.
    New,
}

/// One result with its baseline note.
#[derive(Clone, Debug)]
pub struct Row {
    pub result: CaseResult,
    pub baseline: Option<BaselineNote>,
}

impl Row {
    /// Counts against the exit code.
    pub fn is_failure(&self) -> bool {
        matches!(self.result.verdict, Verdict::Fail | Verdict::Error)
            && self.baseline != Some(BaselineNote::KnownFailure)
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
}

/// A finished run.
#[derive(Clone, Debug)]
pub struct Report {
    pub implementation: String,
    pub strict: bool,
    pub rows: Vec<Row>,
    /// `--deviations` patterns that match no case of the run.
    pub unused_deviations: Vec<String>,
}

impl Report {
    pub fn new(
        implementation: String,
        strict: bool,
        results: Vec<CaseResult>,
        deviations: &Deviations,
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
                            Some(_) => BaselineNote::KnownFailure,
                            None => BaselineNote::New,
                        });
                Row { result, baseline }
            })
            .collect();
        Self {
            implementation,
            strict,
            rows,
            unused_deviations,
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
        self.count(|r| r.baseline == Some(BaselineNote::KnownFailure))
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

    fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "implementation: {}", self.implementation);
        let _ = writeln!(
            o,
            "{:<38} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6}",
            "file", "pass", "fail", "skip", "acc", "dev", "errata"
        );
        for (file, rows) in self.by_file() {
            let n = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
            let _ = writeln!(
                o,
                "{:<38} {:>5} {:>5} {:>5} {:>5} {:>5} {:>6}",
                format!("{file}.json"),
                n(&|r| r.is_passing()),
                n(&|r| r.is_failure()),
                n(&|r| r.result.verdict == Verdict::Skipped),
                n(&|r| r.result.verdict == Verdict::Acceptable),
                n(&|r| r.result.verdict == Verdict::Deviation),
                n(&|r| r.result.case.is_erratum()),
            );
            for r in rows {
                let c = &r.result.case;
                let tag = match (r.result.verdict, r.baseline) {
                    (_, Some(BaselineNote::Regression)) => "REGRESSION",
                    (_, Some(BaselineNote::KnownFailure)) => "KNOWN FAIL",
                    (Verdict::Fail, _) => "FAIL",
                    (Verdict::Error, _) => "ERROR",
                    (Verdict::Acceptable, _) => "ACCEPTABLE",
                    (Verdict::Pass, _) if r.result.deviation.is_some() => "FIXED",
                    _ => continue,
                };
                let _ = writeln!(
                    o,
                    "  {tag} {} ({}): expected {}; {}",
                    c.id,
                    c.comment,
                    expected_name(c),
                    r.result.detail
                );
            }
        }
        for u in &self.unused_deviations {
            let _ = writeln!(o, "note: deviation {u} matches no case of this run");
        }
        let attacks = self.attacks();
        if !attacks.is_empty() {
            let _ = writeln!(o, "attack summary (cases flagged Attack*):");
            for (class, t) in &attacks {
                let ran = t.resisted + t.fell + t.tolerated;
                let verdict = if t.fell > 0 {
                    format!("FALLS FOR {} of {ran}", t.fell)
                } else if ran == 0 {
                    "not run".to_owned()
                } else {
                    format!("resists: {} of {ran} as expected", t.resisted)
                };
                let mut extra = Vec::new();
                if t.tolerated > 0 {
                    extra.push(format!(
                        "{} acceptable ones accepted; --strict rejects them",
                        t.tolerated
                    ));
                }
                if t.skipped > 0 {
                    extra.push(format!("{} skipped", t.skipped));
                }
                let extra = if extra.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", extra.join(", "))
                };
                let _ = writeln!(o, "  {class:<32} {verdict}{extra}");
            }
        }
        let files = self.by_file().len();
        let errata = self.count(|r| r.result.case.is_erratum());
        let _ = writeln!(
            o,
            "{} acceptable, {} skipped, {} deviations, {} known failures, {} regressions, {errata} errata recorded, {files} files",
            self.verdicts(Verdict::Acceptable),
            self.verdicts(Verdict::Skipped),
            self.verdicts(Verdict::Deviation),
            self.known_failures(),
            self.regressions(),
        );
        let _ = writeln!(o, "{} passed, {} failed", self.passed(), self.failed());
        o
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
                match r.result.verdict {
                    Verdict::Pass => t.resisted += 1,
                    Verdict::Acceptable => t.tolerated += 1,
                    Verdict::Fail | Verdict::Error => t.fell += 1,
                    Verdict::Skipped | Verdict::Deviation => t.skipped += 1,
                }
            }
        }
        out
    }

    pub fn json(&self) -> Value {
        let cases: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                let c = &r.result.case;
                let mut v = json!({
                    "id": c.id, "file": format!("{}.json", c.file), "message": c.message,
                    "section": c.section, "tcId": c.tc_id, "op": c.op.name(),
                    "expected": c.expected, "verdict": r.result.verdict,
                    "detail": r.result.detail, "comment": c.comment, "flags": c.flags,
                    "ms": r.result.time.as_secs_f64() * 1000.0,
                });
                if let Some(d) = &r.result.deviation {
                    v["deviation"] = json!(d);
                }
                if let Some(b) = r.baseline {
                    v["baseline"] = json!(match b {
                        BaselineNote::Regression => "regression",
                        BaselineNote::KnownFailure => "known-failure",
                        BaselineNote::New => "new",
                    });
                }
                v
            })
            .collect();
        json!({
            "schema": REPORT_SCHEMA,
            "implementation": self.implementation,
            "strict": self.strict,
            "summary": {
                "total": self.rows.len(),
                "passed": self.passed(),
                "failed": self.failed(),
                "acceptable": self.verdicts(Verdict::Acceptable),
                "skipped": self.verdicts(Verdict::Skipped),
                "errors": self.verdicts(Verdict::Error),
                "deviations": self.verdicts(Verdict::Deviation),
                "knownFailures": self.known_failures(),
                "regressions": self.regressions(),
            },
            "unusedDeviations": self.unused_deviations,
            "attacks": self.attacks(),
            "cases": cases,
        })
    }

    fn junit(&self) -> String {
        let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let total_time: f64 = self.rows.iter().map(|r| r.result.time.as_secs_f64()).sum();
        let skipped = |r: &Row| {
            matches!(r.result.verdict, Verdict::Skipped | Verdict::Deviation)
                || r.baseline == Some(BaselineNote::KnownFailure)
        };
        let failure = |r: &Row| r.is_failure() && r.result.verdict == Verdict::Fail;
        let error = |r: &Row| r.is_failure() && r.result.verdict == Verdict::Error;
        let _ = writeln!(
            o,
            "<testsuites name=\"allinpay-conformance\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{total_time:.3}\">",
            self.rows.len(),
            self.count(failure),
            self.count(error),
            self.count(skipped),
        );
        for (file, rows) in self.by_file() {
            let n = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
            let time: f64 = rows.iter().map(|r| r.result.time.as_secs_f64()).sum();
            let _ = writeln!(
                o,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time:.3}\">",
                xml(file),
                rows.len(),
                n(&failure),
                n(&error),
                n(&skipped),
            );
            for r in rows {
                let c = &r.result.case;
                let _ = write!(
                    o,
                    "    <testcase name=\"{}\" classname=\"allinpay-conformance.{}\" time=\"{:.3}\"",
                    xml(&c.id),
                    xml(file),
                    r.result.time.as_secs_f64()
                );
                let message = format!(
                    "{}: expected {}; {}",
                    c.comment,
                    expected_name(c),
                    r.result.detail
                );
                let body = if failure(r) {
                    Some(("failure", message))
                } else if error(r) {
                    Some(("error", message))
                } else if skipped(r) {
                    Some(("skipped", r.result.detail.clone()))
                } else {
                    None
                };
                match body {
                    Some((tag, msg)) => {
                        let _ = writeln!(
                            o,
                            ">\n      <{tag} message=\"{}\"/>\n    </testcase>",
                            xml(&msg)
                        );
                    }
                    None => {
                        let _ = writeln!(o, "/>");
                    }
                }
            }
            let _ = writeln!(o, "  </testsuite>");
        }
        o.push_str("</testsuites>\n");
        o
    }
}

fn expected_name(c: &Case) -> &'static str {
    match c.expected {
        crate::vectors::Expected::Valid => "valid",
        crate::vectors::Expected::Invalid => "invalid",
        crate::vectors::Expected::Acceptable => "acceptable",
    }
}

/// Escapes text for XML attributes and content; characters XML 1.0 forbids become U+FFFD.
pub fn xml(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => o.push('\u{FFFD}'),
            c => o.push(c),
        }
    }
    o
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
        ReportFormat::Text | ReportFormat::Junit => {
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
        let d =
            Deviations::parse("# c\n\n5.2/*  erratum\n*/tc1\tlegacy  code\n", "f").expect("parses");
        assert_eq!(d.reason("5.2/x/y/tc3"), Some("erratum"));
        assert_eq!(d.reason("2.1/x/y/tc1"), Some("legacy  code"));
        assert_eq!(d.reason("2.1/x/y/tc2"), None);
        assert_eq!(
            d.unused(["2.1/x/y/tc1"].into_iter()),
            vec!["5.2/* (line 3)"]
        );
        let e = Deviations::parse("ok reason\n5.2/*\n", "f").expect_err("no reason");
        assert!(e.contains("line 2"), "{e}");
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
