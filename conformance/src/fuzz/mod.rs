//! `run --adapter CMD --fuzz DURATION|N`: hostile wire messages of the kinds a merchant
//! receives (§2.2.3 notifications, §3.2/§3.6 form answers, §3.8/§4.2/§4.4 texts, §3.4
//! base64 pages, `ERRORCODE=` answers) sent to the adapter's `verify` and `parse`, each
//! answer judged against the built-in implementation (docs/adapter.md, "Fuzzing the
//! adapter").
//!
//! The steps, one module each: the validly signed starting messages (`seeds`), the
//! structured mutations (`mutate`), the verdict on one answer (`oracle`), shrinking and the
//! printed finding (`shrink`), and the run with its progress line and summary (`run`).
//!
//! `probe-merchant --fuzz` sends the same mutated §2.2.3 notifications to a merchant's
//! live `receiveUrl` (`merchant`, with the `cli` feature: it needs the sandbox's client).
//!
//! Input `i` of seed `S` is drawn from an RNG seeded by `(S, i)` only: a run is the same
//! sequence of inputs for a seed, whatever the adapter answers.

#[cfg(feature = "cli")]
pub mod merchant;
mod mutate;
mod oracle;
mod run;
mod seeds;
mod shrink;

use std::path::PathBuf;
use std::time::Duration;

use allinpay_protocol::codec::Mode;

pub use mutate::{mutate, Rng};
pub use oracle::{judge, FindingClass, Verdict};
pub use run::{reproducer, requests, run, Finding, FuzzSummary, FUZZ_SCHEMA};
pub use seeds::{load_seeds, Seed};
pub use shrink::shrink;

/// The largest `--fuzz N`.
pub const MAX_INPUTS: u64 = 100_000_000;

/// When a fuzz run stops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Budget {
    /// After this many inputs.
    Inputs(u64),
    /// After this long (the input being asked is finished).
    Time(Duration),
}

impl Budget {
    /// `30s`, `2m`, `1h`, `500ms` are durations; a bare number is a count of inputs.
    pub fn parse(text: &str) -> Option<Budget> {
        let t = text.trim();
        let num = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite() && *x > 0.0);
        let secs = if let Some(v) = t.strip_suffix("ms") {
            num(v).map(|x| x / 1000.0)
        } else if let Some(v) = t.strip_suffix('s') {
            num(v)
        } else if let Some(v) = t.strip_suffix('m') {
            num(v).map(|x| x * 60.0)
        } else if let Some(v) = t.strip_suffix('h') {
            num(v).map(|x| x * 3600.0)
        } else {
            return t
                .parse::<u64>()
                .ok()
                .filter(|n| (1..=MAX_INPUTS).contains(n))
                .map(Budget::Inputs);
        };
        secs.filter(|s| *s <= 7.0 * 86_400.0)
            .map(|s| Budget::Time(Duration::from_secs_f64(s)))
    }
}

/// What `run --fuzz` was asked.
#[derive(Clone, Debug)]
pub struct FuzzOptions {
    pub budget: Budget,
    pub seed: u64,
    /// The built-in's mode (`--strict`: strict).
    pub mode: Mode,
    /// The adapter command line, for the reproducers.
    pub adapter: String,
    /// The vectors directory the seeds come from.
    pub vectors: PathBuf,
    /// The fuzz corpora and regressions (`fuzz/`), when present.
    pub corpus: Option<PathBuf>,
    /// Print the progress line on stderr.
    pub progress: bool,
}

#[cfg(test)]
mod tests {
    use super::Budget;
    use std::time::Duration;

    #[test]
    fn a_budget_is_a_duration_or_a_count() {
        assert_eq!(
            Budget::parse("30s"),
            Some(Budget::Time(Duration::from_secs(30)))
        );
        assert_eq!(
            Budget::parse("2m"),
            Some(Budget::Time(Duration::from_secs(120)))
        );
        assert_eq!(
            Budget::parse("1h"),
            Some(Budget::Time(Duration::from_secs(3600)))
        );
        assert_eq!(
            Budget::parse("500ms"),
            Some(Budget::Time(Duration::from_millis(500)))
        );
        assert_eq!(Budget::parse("5000"), Some(Budget::Inputs(5000)));
        for bad in [
            "",
            "0",
            "-1s",
            "soon",
            "1.5",
            "nan s",
            "0s",
            "8d",
            "100000001",
        ] {
            assert_eq!(Budget::parse(bad), None, "{bad:?}");
        }
    }
}
