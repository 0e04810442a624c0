//! The result of judging captured traffic, as data: every entry with its messages and
//! findings, what was not recognised, what could not be read, and the summary per
//! endpoint. The renderers (`render.rs`) only format it, so another format is one more
//! function over the same data.

use serde::Serialize;

use super::capture::{InputInfo, Place, Problem};
use super::finding::{Finding, Severity, Verdict};
use super::judge::JudgedMessage;
use super::recognise::Endpoint;

/// The schema tag of the JSON report.
pub const TRAFFIC_SCHEMA: &str = "allinpay-conformance-traffic/v1";

/// One recognised exchange.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryReport {
    pub place: Place,
    /// The capture time (HAR `startedDateTime`), as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Without query or fragment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub endpoint: Endpoint,
    pub messages: Vec<JudgedMessage>,
    /// Findings about the exchange and across entries.
    pub findings: Vec<Finding>,
}

impl EntryReport {
    /// Every finding of the entry, its messages' included.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.messages
            .iter()
            .flat_map(|m| m.findings.iter())
            .chain(self.findings.iter())
    }

    /// Whether an error was found in this entry.
    pub fn has_errors(&self) -> bool {
        self.all_findings().any(|f| f.severity == Severity::Error)
    }
}

/// An entry that carries no message of the protocol.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unrecognised {
    pub place: Place,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub why: String,
}

/// The counts of one endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointSummary {
    pub endpoint: String,
    pub exchanges: usize,
    pub messages: usize,
    pub valid: usize,
    pub acceptable: usize,
    pub invalid: usize,
    /// Errors about exchanges and orders (not about one message).
    pub exchange_errors: usize,
}

/// The whole result.
#[derive(Clone, Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TrafficReport {
    pub inputs: Vec<InputInfo>,
    pub entries: Vec<EntryReport>,
    pub unrecognised: Vec<Unrecognised>,
    /// Entries (or parts of files) that could not be read.
    pub unreadable: Vec<Problem>,
    /// Whether signatures were checked (a key or certificate was given).
    pub keyed: bool,
    /// Signature diagnoses left out once the run's budget was spent.
    pub diagnoses_skipped: usize,
}

impl TrafficReport {
    /// Every judged message.
    pub fn messages(&self) -> impl Iterator<Item = (&EntryReport, &JudgedMessage)> {
        self.entries
            .iter()
            .flat_map(|e| e.messages.iter().map(move |m| (e, m)))
    }

    /// The summary per endpoint, in [`Endpoint::ALL`] order, endpoints seen only.
    pub fn by_endpoint(&self) -> Vec<EndpointSummary> {
        Endpoint::ALL
            .iter()
            .filter_map(|ep| {
                let entries: Vec<&EntryReport> =
                    self.entries.iter().filter(|e| e.endpoint == *ep).collect();
                if entries.is_empty() {
                    return None;
                }
                let mut s = EndpointSummary {
                    endpoint: ep.name().to_owned(),
                    exchanges: entries.len(),
                    ..EndpointSummary::default()
                };
                for e in &entries {
                    for m in &e.messages {
                        s.messages += 1;
                        match m.verdict {
                            Verdict::Valid => s.valid += 1,
                            Verdict::Acceptable => s.acceptable += 1,
                            Verdict::Invalid => s.invalid += 1,
                        }
                    }
                    s.exchange_errors += e
                        .findings
                        .iter()
                        .filter(|f| f.severity == Severity::Error)
                        .count();
                }
                Some(s)
            })
            .collect()
    }

    /// Errors found: in messages, exchanges and orders, plus unreadable entries.
    pub fn errors(&self) -> usize {
        self.entries
            .iter()
            .flat_map(EntryReport::all_findings)
            .filter(|f| f.severity == Severity::Error)
            .count()
            + self.unreadable.len()
    }

    /// The exit code: 0 when everything judged conforms (quirks named are tolerated),
    /// 1 when anything was found or could not be read.
    pub fn exit_code(&self) -> u8 {
        u8::from(self.errors() > 0)
    }
}
