//! Signature diagnosis: why an MD5 `signMsg` differs from the one §5.1 and §5.2 define,
//! on either side of the exchange.
//!
//! - Signing side ([`diagnose`]): the fields, the key and the signature the gateway
//!   rejected. §5.1 builds the sign source from the non-empty fields in the table's
//!   order; §5.2 appends `&key=KEY` and takes the uppercase MD5 hex.
//! - Verifying side ([`diagnose_wire`], §5.3): the received wire and the key. It says
//!   whether the built-in verifier accepts the message and, given what the merchant's own
//!   verifier computed, which mistake in that verifier produced it. A certificate
//!   signature (signType 1) that does not verify is tried over the usual wrong signed
//!   bytes.
//!
//! The known mistakes ([`Mistake`]) are tried alone, in pairs, and the cheap ones in
//! triples, within a budget ([`MAX_VARIANTS`], [`TIME_BUDGET`]); the variants that
//! reproduce the signature are named. Every signed-text form a real gateway uses
//! (`TextForm`, ERRATA E-3.8-TEXT) is correct, never a mistake. The key is never shown:
//! `<key>` stands in its place.
//!
//! The parts: `mistakes` is the catalogue, `input` the model of what is signed,
//! `transforms` the value changes mistakes make, `variants` the bytes hashed per set of
//! mistakes, `search` the search, `render` the text and JSON output, `verifying` the
//! verifying side, `explainer` the many failures of one run (`run`'s root causes).

mod error;
mod explainer;
mod input;
mod mistakes;
mod render;
#[cfg(feature = "cli")]
mod sandbox;
mod search;
mod transforms;
mod variants;
mod verifying;

pub use error::DiagnoseError;
pub use explainer::{Explainer, Finding};
pub use mistakes::{KeySpace, Mistake};
pub use render::{diagnosis_json, render, render_report, report_json};
#[cfg(feature = "cli")]
pub use sandbox::SandboxDiagnoser;
pub use search::{diagnose, Diagnosis, Explanation, MAX_VARIANTS, TIME_BUDGET};
pub use verifying::{diagnose_wire, BuiltinVerdict, CertReport, VerifyReport};
