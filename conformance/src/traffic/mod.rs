//! Judging real traffic (`allinpay-conformance traffic`): captured exchanges in, verdicts
//! and new vectors out.
//!
//! The parts, in the order an entry goes through them:
//! - reading: `har` (HAR 1.2, streamed), `raw` (message files), `lines` (the line
//!   format for logs), `input` (which one a path is); all read into `capture::Entry`,
//!   and an entry that cannot be read is a `capture::Problem` naming it;
//! - `recognise`: which message each side carries, by endpoint and content;
//! - `judge`: one message (parse, constraints with the capture's clock, signature,
//!   diagnosis); `exchange`: request against answer; `book`: messages against their
//!   order across entries;
//! - `session`: the run; `report`: its result as data; `render`: text, JSON, JUnit;
//! - `to_vectors` and `redact`: `--to-vectors` and `--redact`.

mod book;
pub mod capture;
pub mod error;
mod exchange;
pub mod finding;
pub mod fuzzing;
pub mod har;
mod input;
pub mod judge;
mod lines;
mod raw;
pub mod recognise;
pub mod redact;
pub mod render;
pub mod report;
pub mod session;
pub mod to_vectors;

use std::path::Path;

pub use error::{EntryError, TrafficError};
pub use judge::Keys;
pub use render::{render, TrafficFormat};
pub use report::TrafficReport;

/// Judges every input (HAR files, directories of raw messages, line-format files).
pub fn judge_inputs<P: AsRef<Path>>(
    inputs: &[P],
    keys: Keys<'_>,
) -> Result<TrafficReport, TrafficError> {
    let mut session = session::Session::new(keys);
    for p in inputs {
        session.input(p.as_ref())?;
    }
    Ok(session.finish())
}
