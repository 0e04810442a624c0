//! The known-failures file of `run --deviations`: cases an integrator knows fail, listed
//! with a reason, so a run reports them instead of failing on them.

use std::path::Path;

use crate::cases::glob_match;
use crate::error::ReportError;

/// `--deviations FILE`: cases known to fail, each with the reason, `ID-GLOB  reason` per
/// line; reported, not run (BoGo's list of disabled tests).
#[derive(Clone, Debug, Default)]
pub struct KnownFailures {
    /// (pattern, reason, line number).
    entries: Vec<(String, String, usize)>,
}

impl KnownFailures {
    /// Parses the text of a known-failures file; `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<Self, ReportError> {
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
                return Err(ReportError::NoReason {
                    file: name.to_owned(),
                    line: i + 1,
                    pattern: pattern.to_owned(),
                });
            }
            entries.push((pattern.to_owned(), reason.to_owned(), i + 1));
        }
        Ok(Self { entries })
    }

    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, ReportError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReportError::Read {
            flag: "--deviations",
            path: path.display().to_string(),
            error: e.to_string(),
        })?;
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
