//! The harness of the `har` fuzz target (`fuzz/fuzz_targets/har.rs`), kept in the library
//! so that `cargo test` replays the committed corpus on stable Rust: any bytes as a HAR
//! file, every entry recognised and judged (without keys, so no diagnosis search), every
//! report format rendered. It panics only on a bug.

use super::judge::Keys;
use super::render::{render, TrafficFormat};
use super::session::Session;

/// Runs the HAR reader and the judgement on `data`.
pub fn har(data: &[u8]) {
    let mut session = Session::new(Keys::default());
    let read = super::har::read(data, "fuzz.har", &mut |e| session.entry(e));
    let report = session.finish();
    if let Ok(info) = &read {
        assert!(
            report.entries.len() + report.unrecognised.len() + report.unreadable.len()
                >= info.entries,
            "an entry was dropped"
        );
    }
    for format in [
        TrafficFormat::Text,
        TrafficFormat::Json,
        TrafficFormat::Junit,
    ] {
        let _ = render(&report, format);
    }
}
