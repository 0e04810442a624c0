//! The human report: a table per vector file, the failing cases, the attack summary.

use std::fmt::Write as _;

use super::{expected_name, BaselineNote, Report, Row};
use crate::class::CaseClass;
use crate::verdict::Verdict;

impl Report {
    /// The human table.
    pub(super) fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "implementation: {}", self.implementation);
        o.push_str(&self.causes.as_ref().map(|c| c.text()).unwrap_or_default());
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
                n(&|r| r.result.verdict == Verdict::KnownFailure),
                n(&|r| r.result.case.is_erratum()),
            );
            for r in rows {
                let c = &r.result.case;
                let tag = match (r.result.verdict, r.baseline) {
                    _ if r.warning && r.class() == CaseClass::Robustness => "DISAGREE [robustness]",
                    _ if r.warning => "WARN [hardening]",
                    (_, Some(BaselineNote::Regression)) => "REGRESSION",
                    (_, Some(BaselineNote::StillFailing)) => "KNOWN FAIL",
                    (Verdict::Fail, _) if r.class() == CaseClass::Hardening => "FAIL [hardening]",
                    (Verdict::Error, _) if r.class() == CaseClass::Hardening => "ERROR [hardening]",
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
                let _ = writeln!(o, "  {class:<32} {:<11} {verdict}{extra}", t.class.name());
            }
        }
        o.push_str(&self.scope_text());
        let files = self.by_file().len();
        let errata = self.count(|r| r.result.case.is_erratum());
        let _ = writeln!(
            o,
            "{} acceptable, {} skipped, {} deviations, {} known failures, {} regressions, {errata} errata recorded, {files} files",
            self.verdicts(Verdict::Acceptable),
            self.verdicts(Verdict::Skipped),
            self.verdicts(Verdict::KnownFailure),
            self.known_failures(),
            self.regressions(),
        );
        for class in self.classes() {
            let t = self.tally(class);
            let warned = match class {
                CaseClass::Robustness => format!(
                    ", {} disagreements (values outside their format, --generate-wild: listed, never failing the run)",
                    t.warnings
                ),
                _ if t.warnings > 0 => format!(", {} warnings (--hardening warn)", t.warnings),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "{}: {} passed, {} failed{warned}",
                class.name(),
                t.passed,
                t.failed
            );
        }
        let _ = writeln!(o, "{} passed, {} failed", self.passed(), self.failed());
        o
    }
}
