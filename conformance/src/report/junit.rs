//! The JUnit XML report, one `testsuite` per vector file, for CI dashboards.

use std::fmt::Write as _;

use super::{expected_name, BaselineNote, Report, Row};
use crate::class::CaseClass;
use crate::verdict::Verdict;

impl Report {
    /// The JUnit XML.
    pub(super) fn junit(&self) -> String {
        let mut o = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let total_time: f64 = self.rows.iter().map(|r| r.result.time.as_secs_f64()).sum();
        let skipped = |r: &Row| {
            matches!(r.result.verdict, Verdict::Skipped | Verdict::KnownFailure)
                || r.baseline == Some(BaselineNote::StillFailing)
                || r.warning
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
        for class in self.classes() {
            let t = self.tally(class);
            let _ = writeln!(
                o,
                "  <!-- {}: {} passed, {} failed, {} warnings -->",
                class.name(),
                t.passed,
                t.failed,
                t.warnings
            );
        }
        o.push_str(&self.junit_lead());
        let mut row = 0;
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
                let cause = self.causes.as_ref().and_then(|rc| rc.of_row(row));
                row += 1;
                // Hardening cases get a class of their own, so that dashboards count
                // them apart.
                let group = match c.class {
                    CaseClass::Conformance => "",
                    CaseClass::Hardening => "hardening.",
                    CaseClass::Robustness => "robustness.",
                };
                let _ = write!(
                    o,
                    "    <testcase name=\"{}\" classname=\"allinpay-conformance.{group}{}\" time=\"{:.3}\"",
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
                } else if r.warning && c.class == CaseClass::Robustness {
                    Some(("skipped", format!("robustness disagreement: {message}")))
                } else if r.warning {
                    Some(("skipped", format!("hardening warning: {message}")))
                } else if skipped(r) {
                    Some(("skipped", r.result.detail.clone()))
                } else {
                    None
                };
                match body {
                    Some((tag, msg)) => {
                        // The root cause, as the failure's type.
                        let kind = match cause {
                            Some(c) if tag != "skipped" => format!(" type=\"{}\"", xml(&c.name)),
                            _ => String::new(),
                        };
                        let _ = writeln!(
                            o,
                            ">\n      <{tag} message=\"{}\"{kind}/>\n    </testcase>",
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
