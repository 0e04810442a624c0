//! What the dashboard shows beyond the state: the last requests (a bounded ring; older
//! ones are only counted) and the merchant's answers to notifications. In memory only.

use std::collections::VecDeque;
use std::sync::Mutex;

use crate::diagnosis::Explanation;
use crate::probe::Report;

/// Raw bytes kept per request; the rest is counted, not kept.
pub const RAW_KEPT: usize = 4 * 1024;
/// Characters of a merchant's answer body kept per notification attempt.
pub const ANSWER_KEPT: usize = 200;

/// How a request ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    Refused,
    /// An HTTP-level error (404, 405, 408, 413, 400).
    Error,
}

impl Verdict {
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Accepted => "accepted",
            Verdict::Refused => "refused",
            Verdict::Error => "error",
        }
    }
}

/// One request to a spec endpoint.
#[derive(Clone, Debug)]
pub struct RequestEntry {
    pub seq: u64,
    pub at_ms: u64,
    pub path: String,
    /// The message, e.g. `payData`, `refund (v2.3)`.
    pub message: String,
    pub order_no: Option<String>,
    pub status: u16,
    pub verdict: Verdict,
    /// The refusal code, when refused.
    pub code: Option<String>,
    pub detail: String,
    pub explanation: Option<Explanation>,
    pub raw: Vec<u8>,
    pub raw_len: usize,
}

/// The merchant's answer to one notification POST.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub order_no: String,
    pub at_ms: u64,
    pub kind: String,
    pub answer: String,
    pub latency_ms: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: VecDeque<RequestEntry>,
    deliveries: VecDeque<Delivery>,
    seq: u64,
    dropped: u64,
}

/// The last probe run from the dashboard.
#[derive(Clone, Debug)]
pub struct ProbeShown {
    pub url: String,
    /// The verdict table, or why the probe could not run.
    pub outcome: Result<Report, String>,
}

/// The bounded logs.
#[derive(Debug)]
pub struct Journal {
    keep: usize,
    inner: Mutex<Inner>,
    /// The last action's outcome, shown once at the top of the page.
    pub notice: Mutex<Option<String>>,
    pub probe: Mutex<Option<ProbeShown>>,
}

impl Journal {
    /// Keeps the last `keep` requests (and as many delivery answers).
    pub fn new(keep: usize) -> Self {
        Self {
            keep: keep.max(1),
            inner: Mutex::new(Inner::default()),
            notice: Mutex::new(None),
            probe: Mutex::new(None),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Adds a request (its `seq` is assigned here); the oldest is dropped beyond `keep`.
    pub fn push(&self, mut e: RequestEntry) {
        let mut g = self.lock();
        g.seq += 1;
        e.seq = g.seq;
        g.requests.push_back(e);
        while g.requests.len() > self.keep {
            g.requests.pop_front();
            g.dropped += 1;
        }
    }

    pub fn push_delivery(&self, d: Delivery) {
        let mut g = self.lock();
        g.deliveries.push_back(d);
        while g.deliveries.len() > self.keep {
            g.deliveries.pop_front();
        }
    }

    /// The kept requests, newest first, filtered; and how many were dropped.
    pub fn requests(
        &self,
        keep: impl Fn(&RequestEntry) -> bool,
        max: usize,
    ) -> (Vec<RequestEntry>, u64, usize) {
        let g = self.lock();
        let v: Vec<RequestEntry> = g
            .requests
            .iter()
            .rev()
            .filter(|e| keep(e))
            .take(max)
            .cloned()
            .collect();
        (v, g.dropped, g.requests.len())
    }

    pub fn request(&self, seq: u64) -> Option<RequestEntry> {
        self.lock().requests.iter().find(|e| e.seq == seq).cloned()
    }

    /// The merchant's answer to the post of `order_no` at `at_ms` of `kind`.
    pub fn delivery(&self, order_no: &str, at_ms: u64, kind: &str) -> Option<Delivery> {
        self.lock()
            .deliveries
            .iter()
            .rev()
            .find(|d| d.order_no == order_no && d.at_ms == at_ms && d.kind == kind)
            .cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> RequestEntry {
        RequestEntry {
            seq: 0,
            at_ms: 0,
            path: "/sdk/pay".into(),
            message: "payData".into(),
            order_no: None,
            status: 200,
            verdict: Verdict::Accepted,
            code: None,
            detail: String::new(),
            explanation: None,
            raw: Vec::new(),
            raw_len: 0,
        }
    }

    #[test]
    fn keeps_the_last_n_and_counts_the_rest() {
        let j = Journal::new(3);
        for _ in 0..5 {
            j.push(entry());
        }
        let (kept, dropped, total) = j.requests(|_| true, 100);
        assert_eq!(kept.iter().map(|e| e.seq).collect::<Vec<_>>(), [5, 4, 3]);
        assert_eq!((dropped, total), (2, 3));
        assert!(j.request(1).is_none());
        assert!(j.request(4).is_some());
    }
}
