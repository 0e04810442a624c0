//! `run --generate N`: generative conformance. proptest strategies built from the spec
//! tables (`allinpay_protocol::spec`) produce N messages per message type, every value
//! within its field's format, length and value set (`--generate-wild` also draws values
//! outside them: robustness cases, flagged `Wild`); each is signed,
//! verified (as signed, with a signed field changed, with an unsigned field changed or an
//! unknown field added) and parsed by the implementation under test, and every answer is
//! compared with the built-in implementation. The first disagreement of each message and
//! operation is shrunk (the proptest value tree's `simplify`/`complicate`, re-asking the
//! implementation at each step) and printed as a one-line reproducer and as a vector case in
//! the `allinpay-vectors/v1` format.
//!
//! Every run also checks the built-in implementation itself against an independent second
//! computation of the sign source and MD5 (`reference.rs`: string building over the table
//! rows and the `md-5` crate, no code shared with `allinpay_protocol::sign`; §5.1, §5.2,
//! §3.8).
//!
//! Case `K` of message `M` under seed `S` draws its value from an RNG seeded by
//! `(S, M, K)` only: `--seed S --case K --filter M` reruns exactly that case.
//!
//! Every request to the implementation carries an `id`: the case id
//! (`gen/MESSAGE/SEED/K/OP`, `gen-wild/…` under `--generate-wild`), with `/shrink/N` for the
//! requests of shrinking.
//!
//! The steps of a run, one module each: the generated message (`message`), the format each
//! value keeps to (`format`), its strategy from the tables (`strategy`) and the
//! out-of-format values of `--generate-wild` (`wild`), the wire forms it travels in
//! (`wire`), the independent reference (`reference`), the operations asked and judged
//! (`ops`), shrinking and the printed case (`shrink`), and the run over every message type
//! (`run`).

mod chars;
mod error;
mod format;
mod message;
mod ops;
mod reference;
mod run;
mod shrink;
mod strategy;
mod wild;
mod wire;

use allinpay_protocol::codec::Mode;

pub use error::GenerateError;
pub use message::Generated;
pub use ops::{ops_for, Op};
pub use run::{run, run_answered, WILD_FLAG};
pub use strategy::{strategy, wild_strategy};

/// The largest `--generate`.
pub const MAX_N: u32 = 1_000_000;

/// What `run --generate` was asked.
#[derive(Clone, Debug)]
pub struct GenOptions {
    pub n: u32,
    pub seed: u64,
    /// Only this case index (for every selected message).
    pub case: Option<u32>,
    /// Globs on the message name or the generated case id (`gen/MESSAGE/SEED/K/OP`).
    pub filter: Vec<String>,
    pub mode: Mode,
    /// The adapter command line, for the reproducer.
    pub adapter: Option<String>,
    pub strict: bool,
    /// `--generate-wild`: values outside their field's format are drawn too; the cases
    /// holding one are robustness cases (flag `Wild`), not conformance ones.
    pub wild: bool,
}
