//! One run over the inputs: each entry is recognised and its messages judged as it is
//! read; what must be held against other entries (the orders) is kept small and judged
//! at the end.

use std::path::Path;

use allinpay_protocol::datetime::DateTime14;

use super::book::Book;
use super::capture::{CaptureTime, Entry, Problem, Side};
use super::error::TrafficError;
use super::exchange::{acknowledgement, belongs};
use super::finding::{Finding, Topic};
use super::judge::{judge, Keys};
use super::recognise::{recognise, Endpoint, Recognition};
use super::report::{EntryReport, TrafficReport, Unrecognised};

/// At most this many signature diagnoses per run: each is a bounded search
/// (`diagnose::TIME_BUDGET`), so a capture full of bad signatures stays quick.
pub const MAX_DIAGNOSES: usize = 32;

/// A run in progress.
#[derive(Debug)]
pub struct Session<'k> {
    keys: Keys<'k>,
    report: TrafficReport,
    book: Book,
    diagnoses_left: usize,
}

impl<'k> Session<'k> {
    pub fn new(keys: Keys<'k>) -> Self {
        Self {
            keys,
            report: TrafficReport {
                keyed: keys.key.is_some() || keys.cert.is_some(),
                ..TrafficReport::default()
            },
            book: Book::default(),
            diagnoses_left: MAX_DIAGNOSES,
        }
    }

    /// Reads one input and judges its entries.
    pub fn input(&mut self, path: &Path) -> Result<(), TrafficError> {
        let info = super::input::read(path, &mut |e| self.entry(e))?;
        self.report.inputs.push(info);
        Ok(())
    }

    /// Judges one entry (or notes why it cannot be read).
    pub fn entry(&mut self, e: Result<Entry, Problem>) {
        let entry = match e {
            Ok(entry) => entry,
            Err(p) => {
                self.report.unreadable.push(p);
                return;
            }
        };
        let place = entry.place();
        let recognised = match recognise(&entry) {
            Recognition::Messages(r) => r,
            Recognition::Unrecognised(why) => {
                self.report.unrecognised.push(Unrecognised {
                    place,
                    time: entry.started.as_ref().map(|t| t.text.clone()),
                    method: entry.method.clone(),
                    url: entry.url_shown(),
                    status: entry.status,
                    why,
                });
                return;
            }
            Recognition::Unreadable(error) => {
                self.report.unreadable.push(Problem { place, error });
                return;
            }
        };
        let mut findings: Vec<Finding> = recognised
            .errors
            .iter()
            .map(|t| Finding::error(Topic::Capture, t.clone()))
            .chain(
                entry
                    .notes
                    .iter()
                    .chain(&recognised.notes)
                    .map(|t| Finding::note(Topic::Capture, t.clone())),
            )
            .collect();
        let time_of = |side: Side| -> Option<(DateTime14, String)> {
            let t = entry.started.as_ref()?;
            let at = match side {
                Side::Request => t.clone(),
                Side::Response => CaptureTime {
                    text: format!("{} + {} ms", t.text, entry.duration_ms.unwrap_or(0)),
                    unix_ms: t.unix_ms + entry.duration_ms.unwrap_or(0),
                },
            };
            Some((at.cst(), at.text))
        };
        let mut messages = Vec::new();
        for found in recognised.messages {
            let capture = time_of(found.side);
            let diagnose = self.diagnoses_left > 0;
            let m = judge(
                found.kind,
                found.side,
                found.wire,
                capture.as_ref().map(|(d, t)| (*d, t.as_str())),
                self.keys,
                diagnose,
            );
            match m.diagnosed {
                Some(true) => self.diagnoses_left -= 1,
                Some(false) => self.report.diagnoses_skipped += 1,
                None => {}
            }
            messages.push(m);
        }
        let request = messages.iter().find(|m| m.side == Side::Request);
        let answer = messages.iter().find(|m| m.side == Side::Response);
        if let (Some(q), Some(a)) = (request, answer) {
            findings.extend(belongs(q, a));
        }
        let endpoint = recognised
            .endpoint
            .or_else(|| messages.first().map(|m| Endpoint::of_kind(m.kind)))
            .unwrap_or(Endpoint::Other);
        if let Some(n) = request.filter(|m| m.kind == allinpay_protocol::MessageKind::PayNotify) {
            findings.extend(acknowledgement(
                n,
                entry.status.filter(|_| answer.is_none()),
            ));
        }
        let index = self.report.entries.len();
        for (i, m) in messages.iter().enumerate() {
            self.book.record((index, i), &place, m);
        }
        let url = entry.url_shown();
        self.report.entries.push(EntryReport {
            place,
            time: entry.started.map(|t| t.text),
            method: entry.method,
            url,
            status: entry.status,
            endpoint,
            messages,
            findings,
        });
    }

    /// Judges what spans entries and hands over the report.
    pub fn finish(mut self) -> TrafficReport {
        for ((entry, _), f) in std::mem::take(&mut self.book).finish() {
            if let Some(e) = self.report.entries.get_mut(entry) {
                e.findings.push(f);
            }
        }
        self.report
    }
}
