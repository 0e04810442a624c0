//! The JSON report (schema `allinpay-conformance-report/v1`), also the `--baseline` input.

use serde_json::{json, Value};

use super::{BaselineNote, Report, REPORT_SCHEMA};
use crate::class::{CaseClass, HardeningPolicy};
use crate::verdict::Verdict;

impl Report {
    /// The report as JSON.
    pub fn json(&self) -> Value {
        let cases: Vec<Value> = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let c = &r.result.case;
                let mut v = json!({
                    "id": c.id, "file": format!("{}.json", c.file), "message": c.message,
                    "section": c.section, "tcId": c.tc_id, "op": c.op.name(),
                    "expected": c.expected, "verdict": r.result.verdict,
                    "detail": r.result.detail, "comment": c.comment, "flags": c.flags, "class": c.class,
                    "ms": r.result.time.as_secs_f64() * 1000.0,
                });
                if let Some(d) = &r.result.deviation {
                    v["deviation"] = json!(d);
                }
                if let Some(b) = r.baseline {
                    v["baseline"] = json!(match b {
                        BaselineNote::Regression => "regression",
                        BaselineNote::StillFailing => "known-failure",
                        BaselineNote::New => "new",
                    });
                }
                if let Some(cause) = self.causes.as_ref().and_then(|rc| rc.of_row(i)) {
                    v["cause"] = json!(cause.name);
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
                "deviations": self.verdicts(Verdict::KnownFailure),
                "knownFailures": self.known_failures(),
                "regressions": self.regressions(),
                "conformance": self.tally(CaseClass::Conformance),
                "hardening": self.tally(CaseClass::Hardening),
                "robustness": self.tally(CaseClass::Robustness),
                "hardeningPolicy": match self.hardening {
                    HardeningPolicy::Fail => "fail",
                    HardeningPolicy::Warn => "warn",
                },
            },
            // `null`: not grouped (generative runs).
            "rootCauses": self.causes.as_ref().map(|rc| rc.json()),
            "unusedDeviations": self.unused_deviations,
            "attacks": self.attacks(),
            "scope": self.scope(),
            "cases": cases,
        })
    }
}
