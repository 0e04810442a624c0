//! `run --baseline FILE`: a previous JSON report, so that only regressions fail a run.

use std::collections::HashMap;
use std::path::Path;

use serde_json::Value;

use super::REPORT_SCHEMA;
use crate::error::ReportError;
use crate::verdict::Verdict;

/// A previous JSON report: the verdict of each case id.
#[derive(Clone, Debug, Default)]
pub struct Baseline {
    pub(super) verdicts: HashMap<String, Verdict>,
}

impl Baseline {
    /// The verdict the baseline recorded for a case id.
    pub fn verdict(&self, id: &str) -> Option<Verdict> {
        self.verdicts.get(id).copied()
    }

    /// Parses a `run --format json` report; `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<Self, ReportError> {
        let bad = |why: &str| ReportError::Baseline {
            file: name.to_owned(),
            why: why.to_owned(),
        };
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

    /// Reads and parses the report at `path`.
    pub fn load(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Read {
            flag: "--baseline",
            path: path.display().to_string(),
            error: e.to_string(),
        })?;
        Self::parse(&text, &path.display().to_string())
    }
}
