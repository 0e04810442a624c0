//! What the judgement says: findings with their severity and topic, and the three-way
//! verdict of a message (Wycheproof's valid, acceptable, invalid).

use serde::Serialize;

/// How much a finding weighs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The protocol is broken: the run fails (exit 1).
    Error,
    /// A real-world quirk the lenient reading tolerates, named.
    Quirk,
    /// Worth knowing; judges nothing (a refusal by the gateway, a clock source).
    Note,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Quirk => "quirk",
            Severity::Note => "note",
        }
    }
}

/// What a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Topic {
    /// Reading the capture (a missing body, an unknown `version`).
    Capture,
    /// The wire form (§2 to §4 formats).
    Parse,
    /// The field constraints of the tables and the prose.
    Check,
    /// The signature (§5).
    Signature,
    /// Request and answer of one exchange.
    Exchange,
    /// A message against the order it belongs to, across entries.
    Order,
}

impl Topic {
    pub fn name(self) -> &'static str {
        match self {
            Topic::Capture => "capture",
            Topic::Parse => "parse",
            Topic::Check => "check",
            Topic::Signature => "signature",
            Topic::Exchange => "exchange",
            Topic::Order => "order",
        }
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub topic: Topic,
    pub text: String,
    /// The section that states the rule (`"3.1"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    /// More lines (a signature diagnosis).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub detail: Vec<String>,
}

impl Finding {
    pub fn new(severity: Severity, topic: Topic, text: impl Into<String>) -> Self {
        Self {
            severity,
            topic,
            text: text.into(),
            section: None,
            detail: Vec::new(),
        }
    }

    pub fn error(topic: Topic, text: impl Into<String>) -> Self {
        Self::new(Severity::Error, topic, text)
    }

    pub fn quirk(topic: Topic, text: impl Into<String>) -> Self {
        Self::new(Severity::Quirk, topic, text)
    }

    pub fn note(topic: Topic, text: impl Into<String>) -> Self {
        Self::new(Severity::Note, topic, text)
    }

    pub fn at(mut self, section: &str) -> Self {
        self.section = Some(section.trim_start_matches('§').to_owned());
        self
    }

    /// One line: `error signature: … (§5.3)`.
    pub fn line(&self) -> String {
        let mut s = format!(
            "{} {}: {}",
            self.severity.name(),
            self.topic.name(),
            self.text
        );
        if let Some(sec) = &self.section {
            if !self.text.contains(&format!("§{sec}")) {
                s.push_str(&format!(" (§{sec})"));
            }
        }
        s
    }
}

/// A message's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Conforms as the spec is written.
    Valid,
    /// Conforms once the named real-world quirks are tolerated.
    Acceptable,
    /// Breaks the protocol.
    Invalid,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Acceptable => "acceptable",
            Verdict::Invalid => "invalid",
        }
    }

    /// The verdict the findings make.
    pub fn of(findings: &[Finding]) -> Self {
        if findings.iter().any(|f| f.severity == Severity::Error) {
            Verdict::Invalid
        } else if findings.iter().any(|f| f.severity == Severity::Quirk) {
            Verdict::Acceptable
        } else {
            Verdict::Valid
        }
    }
}
