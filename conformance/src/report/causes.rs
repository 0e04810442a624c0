//! The root causes of a run's failures. Every failing case whose answer carries a value
//! is explained by the diagnosis (`diagnose::Explainer`): a sign answer's signMsg, a
//! verify answer's `computed` (and the signMsg it read), an ext1 digest. Failures are
//! grouped by the mistake named, most first; an accepted attack that no wrong value
//! explains is named by its class, and an adapter that gave no usable answer by how.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{json, Value};

use allinpay_protocol::MessageKind;

use super::Report;
use crate::cases::CaseOp;
use crate::diagnose::{Explainer, Finding};
use crate::verdict::{CaseResult, Verdict};

/// The time the full searches of one run may take together (cases explained by a mistake
/// already found cost microseconds each).
pub const SEARCH_BUDGET: Duration = Duration::from_millis(1500);

/// One root cause and the failing cases it explains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RootCause {
    /// The mistake's label (`alphabetical-order`, `field-left-out(mchtRefundOrderNo)`,
    /// mistakes joined by ` + `), an attack class's or an adapter failure's name.
    pub name: String,
    /// What it is, with the rule it breaks.
    pub description: String,
    /// The failing cases' ids, in run order.
    pub cases: Vec<String>,
}

/// A run's failures grouped by root cause.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RootCauses {
    /// The failures explained or not (those that fail the run).
    pub failures: usize,
    /// Most cases first.
    pub causes: Vec<RootCause>,
    /// The failures no cause explains, in run order.
    pub unexplained: Vec<String>,
    /// Of those, how many were not searched: the run's search budget was spent.
    pub not_searched: usize,
    /// Per report row: the index of its cause in `causes`.
    by_row: Vec<Option<usize>>,
}

impl RootCauses {
    /// The cause of report row `row`, if it failed and was explained.
    pub fn of_row(&self, row: usize) -> Option<&RootCause> {
        self.by_row
            .get(row)
            .copied()
            .flatten()
            .and_then(|i| self.causes.get(i))
    }

    /// The JSON `rootCauses` member.
    pub fn json(&self) -> Value {
        let causes: Vec<Value> = self
            .causes
            .iter()
            .map(|c| {
                json!({"name": c.name, "description": c.description, "count": c.cases.len(),
                       "example": c.cases.first(), "cases": c.cases})
            })
            .collect();
        json!({
            "failures": self.failures,
            "causes": causes,
            "notExplained": {"count": self.unexplained.len(), "notSearched": self.not_searched,
                             "cases": self.unexplained},
        })
    }

    /// The text block that leads the report; empty when nothing failed.
    pub fn text(&self) -> String {
        if self.failures == 0 {
            return String::new();
        }
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("{n} {one}")
            } else {
                format!("{n} {many}")
            }
        };
        let mut o = format!(
            "{}, {}:\n",
            plural(self.failures, "failure", "failures"),
            plural(self.causes.len(), "root cause", "root causes")
        );
        for c in &self.causes {
            o.push_str(&format!(
                "  {:>5}  {}: {}\n         e.g. {}\n",
                c.cases.len(),
                c.name,
                c.description,
                c.cases.first().map_or("", String::as_str)
            ));
        }
        o.push_str(&format!("  not explained: {}", self.unexplained.len()));
        if self.not_searched > 0 {
            o.push_str(&format!(
                " ({} not searched: the {:.1} s search budget was spent)",
                self.not_searched,
                SEARCH_BUDGET.as_secs_f64()
            ));
        }
        if let Some(first) = self.unexplained.first() {
            o.push_str(&format!(", e.g. {first}"));
        }
        o.push('\n');
        o
    }
}

/// An attack class accepted, named when no wrong value explains it (vectors/attack_*.json).
fn attack_cause(flags: &[String]) -> Option<(&'static str, &'static str)> {
    flags.iter().find_map(|f| {
        Some(match f.as_str() {
            "AttackDowngrade" | "AttackSignTypeMismatch" => (
                "sign-type-not-pinned",
                "the message's own signType chose the scheme; the answer's signType is the one the merchant ordered with (§2.2.3: configuredSignType)",
            ),
            "AttackEmptyKey" => (
                "blank-key-used",
                "a blank key signed or verified; anyone can compute MD5(source + \"&key=\") (§5.2)",
            ),
            "AttackDuplicateKey" => (
                "duplicate-member-accepted",
                "payData naming a member twice accepted; which value is signed is ambiguous (§2.1, RFC 8259 §4)",
            ),
            "AttackNonCanonicalSignature" => (
                "non-canonical-signature-accepted",
                "a signMsg that is not the canonical token accepted (§5.2 uppercase hex, §5.3 base64)",
            ),
            "AttackRepartition" => (
                "ambiguous-sign-source-accepted",
                "a value holding `&name=` accepted: its sign source splits into other fields too (ERRATA E-5.1-REPARTITION)",
            ),
            "AttackBleichenbacher" => (
                "rsa-padding-not-checked",
                "a forged e=3 certificate signature accepted: the PKCS#1 v1.5 padding is not checked in full (§5.3)",
            ),
            "AttackTamper" | "AttackWrongKey" | "AttackWrongCertificate" => (
                "signature-not-checked",
                "a message whose signature does not verify accepted (§5.3)",
            ),
            _ => return None,
        })
    })
}

/// An adapter that gave no usable answer, by how (`adapter.rs`, `judge.rs`).
fn error_cause(detail: &str) -> (&'static str, &'static str) {
    if detail.starts_with("no answer within") {
        (
            "adapter-timeout",
            "no answer within --timeout; the adapter was killed and restarted",
        )
    } else if detail.starts_with("adapter crashed") {
        (
            "adapter-crashed",
            "the adapter exited or closed its pipes (docs/adapter.md: answer every request, one line each)",
        )
    } else {
        (
            "bad-answer",
            "an answer that is not a JSON object, or lacks the operation's field (docs/adapter.md)",
        )
    }
}

/// The causes that could explain one failure (`None`: not searched).
fn candidates(
    ex: &mut Explainer,
    result: &CaseResult,
    answer: Option<&Value>,
) -> Option<Vec<(String, String)>> {
    let case = &result.case;
    if result.verdict == Verdict::Error {
        let (n, d) = error_cause(&result.detail);
        return Some(vec![(n.to_owned(), d.to_owned())]);
    }
    let text = |name: &str| answer.and_then(|a| a.get(name)).and_then(Value::as_str);
    let kind = MessageKind::from_name(&case.message);
    let finding = match (&case.op, kind) {
        (
            CaseOp::Sign {
                key,
                fields,
                text_form,
                ..
            },
            Some(kind),
        ) => text("signMsg").map(|sig| ex.sign(kind, fields, key, *text_form, sig)),
        (
            CaseOp::Verify {
                key,
                certificate,
                wire,
                ..
            },
            Some(kind),
        ) => {
            let computed = text("computed")
                .map(|c| ex.verify(kind, wire, key.as_deref(), certificate.is_some(), c));
            match (computed, text("signMsg")) {
                (None | Some(Finding::Correct), Some(read)) => {
                    Some(ex.signature_read(kind, wire, read))
                }
                (found, _) => found,
            }
        }
        (CaseOp::Ext1 { fields, .. }, _) => text("digest").map(|d| ex.ext1(fields, d)),
        _ => None,
    };
    match finding {
        Some(Finding::Explained(list)) => {
            return Some(
                list.into_iter()
                    .map(|e| (e.labels.join(" + "), e.descriptions.join("; ")))
                    .collect(),
            )
        }
        Some(Finding::NotSearched) => return None,
        _ => {}
    }
    Some(
        attack_cause(&case.flags)
            .map(|(n, d)| vec![(n.to_owned(), d.to_owned())])
            .unwrap_or_default(),
    )
}

/// One group: the cause's name, its description and the rows it explains.
type Group = (String, String, Vec<usize>);

/// Groups failures (row, the causes that explain it) greedily: the cause explaining the
/// most open failures first, so that a failure two mistakes explain alike joins the
/// larger group. Causes that explain exactly the same failures cannot be told apart by
/// the run: one group, named by all of them (`a or b`). Returns the groups, most rows
/// first, and per row (of `rows`) its group.
fn cover(open: &[(usize, Vec<(String, String)>)], rows: usize) -> (Vec<Group>, Vec<Option<usize>>) {
    let mut by_row: Vec<Option<usize>> = vec![None; rows];
    let mut groups: Vec<Group> = Vec::new();
    let mut descriptions: HashMap<&str, &str> = HashMap::new();
    for (_, cands) in open {
        for (n, d) in cands {
            descriptions.entry(n).or_insert(d);
        }
    }
    let describe = |n: &str| descriptions.get(n).copied().unwrap_or_default();
    loop {
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for (_, cands) in open.iter().filter(|(r, _)| by_row[*r].is_none()) {
            for (n, _) in cands {
                match counts.iter_mut().find(|(m, _)| *m == n) {
                    Some(c) => c.1 += 1,
                    None => counts.push((n, 1)),
                }
            }
        }
        // The first found among the largest.
        let Some(&(best, most)) = counts.iter().rev().max_by_key(|(_, c)| *c) else {
            break;
        };
        let covers = |name: &str| -> Vec<usize> {
            open.iter()
                .filter(|(r, cands)| by_row[*r].is_none() && cands.iter().any(|(n, _)| n == name))
                .map(|(r, _)| *r)
                .collect()
        };
        let rows = covers(best);
        let mut name = best.to_owned();
        let mut description = describe(best).to_owned();
        for (n, c) in &counts {
            if *c == most && *n != best && covers(n) == rows {
                name.push_str(" or ");
                name.push_str(n);
                description.push_str(&format!(" — or {n}: {}", describe(n)));
            }
        }
        for r in &rows {
            by_row[*r] = Some(groups.len());
        }
        groups.push((name, description, rows));
    }
    (groups, by_row)
}

impl Report {
    /// Groups the failures by root cause, from the answers in the order of the rows
    /// (`runner::run_cases_answered`); the report then leads with them.
    pub fn explain(&mut self, answers: &[Option<Value>]) {
        self.answers = answers.to_vec();
        let mut ex = Explainer::new(SEARCH_BUDGET);
        let mut rc = RootCauses::default();
        // (row, the causes that explain it)
        let mut open: Vec<(usize, Vec<(String, String)>)> = Vec::new();
        for (i, row) in self.rows.iter().enumerate() {
            if !row.is_failure() {
                continue;
            }
            rc.failures += 1;
            let answer = answers.get(i).and_then(Option::as_ref);
            match candidates(&mut ex, &row.result, answer) {
                Some(c) => open.push((i, c)),
                None => {
                    rc.not_searched += 1;
                    open.push((i, Vec::new()));
                }
            }
        }
        let (groups, by_row) = cover(&open, self.rows.len());
        rc.by_row = by_row;
        rc.causes = groups
            .into_iter()
            .map(|(name, description, rows)| RootCause {
                name,
                description,
                cases: rows
                    .iter()
                    .map(|r| self.rows[*r].result.case.id.clone())
                    .collect(),
            })
            .collect();
        rc.unexplained = open
            .iter()
            .filter(|(r, _)| rc.by_row[*r].is_none())
            .map(|(r, _)| self.rows[*r].result.case.id.clone())
            .collect();
        self.causes = Some(rc);
    }
}

impl Report {
    /// JUnit: a first, empty `testsuite` whose properties hold the root causes and the
    /// scope rows, and whose system-out holds their text blocks.
    pub(super) fn junit_lead(&self) -> String {
        use super::xml;
        let mut props = Vec::new();
        if let Some(rc) = &self.causes {
            props.push(("failures".to_owned(), rc.failures.to_string()));
            for c in &rc.causes {
                props.push((
                    format!("root-cause {}", c.name),
                    format!(
                        "{} failures: {} (e.g. {})",
                        c.cases.len(),
                        c.description,
                        c.cases.first().map_or("", String::as_str)
                    ),
                ));
            }
            props.push(("not-explained".to_owned(), rc.unexplained.len().to_string()));
        }
        for r in self.scope() {
            let mut name = format!("scope {} {}", r.op, r.message);
            if let Some(m) = r.mode {
                name.push(' ');
                name.push_str(m);
            }
            props.push((
                name,
                format!(
                    "{} of {} answered, {} skipped, {} passed",
                    r.answered, r.cases, r.skipped, r.passed
                ),
            ));
        }
        let mut o = String::from(
            "  <testsuite name=\"root causes and scope\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0.000\">\n    <properties>\n",
        );
        for (n, v) in props {
            o.push_str(&format!(
                "      <property name=\"{}\" value=\"{}\"/>\n",
                xml(&n),
                xml(&v)
            ));
        }
        let out = format!(
            "{}{}",
            self.causes.as_ref().map(|c| c.text()).unwrap_or_default(),
            self.scope_text()
        );
        o.push_str(&format!(
            "    </properties>\n    <system-out>{}</system-out>\n  </testsuite>\n",
            xml(&out)
        ));
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(names: &[&str]) -> Vec<(String, String)> {
        names
            .iter()
            .map(|n| ((*n).to_owned(), format!("about {n}")))
            .collect()
    }

    #[test]
    fn a_failure_two_mistakes_explain_joins_the_larger_group() {
        let open = vec![
            (0, c(&["wire-order", "alphabetical-order"])),
            (2, c(&["alphabetical-order"])),
            (3, c(&["alphabetical-order"])),
            (4, c(&["lowercase-hex"])),
            (5, c(&[])),
        ];
        let (groups, by_row) = cover(&open, 6);
        let names: Vec<(&str, &[usize])> = groups
            .iter()
            .map(|(n, _, r)| (n.as_str(), r.as_slice()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("alphabetical-order", &[0, 2, 3][..]),
                ("lowercase-hex", &[4][..])
            ]
        );
        assert_eq!(by_row, vec![Some(0), None, Some(0), Some(0), Some(1), None]);
        assert_eq!(groups[1].1, "about lowercase-hex");
    }

    #[test]
    fn mistakes_that_explain_the_same_failures_are_one_cause() {
        let open = vec![
            (0, c(&["decodeuri-values", "plus-kept"])),
            (1, c(&["plus-kept", "decodeuri-values"])),
            (2, c(&["field-left-out(ext2)"])),
        ];
        let (groups, _) = cover(&open, 3);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0, "decodeuri-values or plus-kept");
        assert_eq!(
            groups[0].1,
            "about decodeuri-values — or plus-kept: about plus-kept"
        );
        assert_eq!(groups[0].2, vec![0, 1]);
        assert_eq!(groups[1].0, "field-left-out(ext2)");
    }

    #[test]
    fn no_failure_no_cause() {
        let (groups, by_row) = cover(&[], 2);
        assert!(groups.is_empty());
        assert_eq!(by_row, vec![None, None]);
        assert_eq!(RootCauses::default().text(), "");
    }
}
