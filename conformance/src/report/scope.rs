//! The scope of a run: per operation × message × mode (md5 or certificate, §5.3), how
//! many cases the implementation answered and skipped (`unsupported`), and how many of
//! the answered ones pass. It tells an integrator what the run covers of their code.

use std::fmt::Write as _;

use allinpay_protocol::MessageKind;

use super::Report;
use crate::verdict::Verdict;

/// One operation × message × mode.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ScopeRow {
    pub op: &'static str,
    pub message: String,
    /// `merchant` or `gateway` for sign and verify (docs/adapter.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub side: Option<&'static str>,
    /// `md5` or `certificate` for sign and verify.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<&'static str>,
    /// The cases of the run.
    pub cases: usize,
    /// Answered: neither skipped nor set aside as a deviation.
    pub answered: usize,
    /// Answered `unsupported`.
    pub skipped: usize,
    /// Listed in `--deviations` and not run.
    pub deviations: usize,
    /// Passed, `acceptable` ones included.
    pub passed: usize,
    /// Failed or errors.
    pub failed: usize,
}

const OPS: [&str; 6] = [
    "sign",
    "verify",
    "parse",
    "check",
    "ext1",
    "decode-signature",
];

/// Where a row sorts: the operation, the message in the spec's order, the mode.
fn rank(r: &ScopeRow) -> (usize, usize, Option<&'static str>) {
    let op = OPS.iter().position(|o| *o == r.op).unwrap_or(OPS.len());
    let message = MessageKind::ALL
        .iter()
        .position(|k| k.name() == r.message)
        .unwrap_or(MessageKind::ALL.len());
    (op, message, r.mode)
}

/// The rows an implementation answers, summed: (rows, cases answered, passed, skipped
/// within them).
fn implemented(rows: &[ScopeRow]) -> (usize, usize, usize, usize) {
    rows.iter()
        .filter(|r| r.answered > 0)
        .fold((0, 0, 0, 0), |(n, a, p, s), r| {
            (n + 1, a + r.answered, p + r.passed, s + r.skipped)
        })
}

impl Report {
    /// The scope table, operations in protocol order, messages in the spec's.
    pub fn scope(&self) -> Vec<ScopeRow> {
        let mut rows: Vec<ScopeRow> = Vec::new();
        for r in &self.rows {
            let c = &r.result.case;
            let (op, side, mode) = (
                c.op.name(),
                c.side().map(|s| s.name()),
                c.mode().map(|m| m.name()),
            );
            let i = match rows
                .iter()
                .position(|x| x.op == op && x.message == c.message && x.mode == mode)
            {
                Some(i) => i,
                None => {
                    rows.push(ScopeRow {
                        op,
                        message: c.message.clone(),
                        side,
                        mode,
                        cases: 0,
                        answered: 0,
                        skipped: 0,
                        deviations: 0,
                        passed: 0,
                        failed: 0,
                    });
                    rows.len() - 1
                }
            };
            let row = &mut rows[i];
            row.cases += 1;
            match r.result.verdict {
                Verdict::Skipped => row.skipped += 1,
                Verdict::KnownFailure => row.deviations += 1,
                Verdict::Pass | Verdict::Acceptable => {
                    row.answered += 1;
                    row.passed += 1;
                }
                Verdict::Fail | Verdict::Error => {
                    row.answered += 1;
                    row.failed += 1;
                }
            }
        }
        rows.sort_by_key(rank);
        rows
    }

    /// The one-line summary: what the implementation answers and how much of it passes.
    pub fn scope_summary(&self) -> String {
        let rows = self.scope();
        let (n, answered, passed, skipped) = implemented(&rows);
        let mut s = format!(
            "you implement {n} of {} operation × message × mode: {passed} of {answered} answered cases pass",
            rows.len()
        );
        if skipped > 0 {
            let _ = write!(s, " ({skipped} more skipped within them)");
        }
        s
    }

    /// The text block: the rows answered, the ones skipped whole, the summary.
    pub(crate) fn scope_text(&self) -> String {
        let rows = self.scope();
        let mut o = String::from(
            "scope (operation × message × side × mode: cases answered of the run's, skipped, passed):\n",
        );
        for r in rows.iter().filter(|r| r.answered > 0) {
            let _ = writeln!(
                o,
                "  {:<16} {:<26} {:<8} {:<11} {:>4} of {:<4} {:>4} skipped {:>5} pass",
                r.op,
                r.message,
                r.side.unwrap_or("-"),
                r.mode.unwrap_or("-"),
                r.answered,
                r.cases,
                r.skipped,
                r.passed,
            );
        }
        // Rows not answered at all, by operation, side and mode.
        let mut idle: Vec<(String, usize, usize)> = Vec::new();
        for r in rows.iter().filter(|r| r.answered == 0) {
            let what = [Some(r.op), r.side, r.mode]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" ");
            match idle.iter_mut().find(|(w, _, _)| *w == what) {
                Some(x) => {
                    x.1 += 1;
                    x.2 += r.cases;
                }
                None => idle.push((what, 1, r.cases)),
            }
        }
        if !idle.is_empty() {
            let list: Vec<String> = idle
                .iter()
                .map(|(w, m, c)| {
                    let s = if *m == 1 { "" } else { "s" };
                    format!("{w} ({m} message{s}, {c} cases)")
                })
                .collect();
            let _ = writeln!(o, "  not answered: {}", list.join(", "));
        }
        let _ = writeln!(o, "{}", self.scope_summary());
        o
    }
}
