//! Types, signing and wire codecs of the Allinpay (通联支付) mobile-payment merchant
//! protocol, as specified by 《商户接入接口技术规范 移动支付支付控件版》 v2.7.
//!
//! Section numbers (`§x.y`) in this crate refer to that document. Where the document
//! disagrees with itself, the behaviour chosen here reproduces the bytes of its
//! examples and of public captures; each such decision is listed in `vectors/ERRATA.md`.
//!
//! Layers, bottom up:
//! - [`datetime`], [`kind`], [`error`]: leaves (civil times, message names, error types).
//! - [`spec`]: every message table of the spec as data (field order, lengths, presence).
//! - [`enums`], [`value`]: the closed value sets and typed values the tables name.
//! - [`msgs`]: one type per message, named after the spec, with typed accessors.
//! - [`codec`]: the wire forms (form bodies, JSON, pipe texts, base64 batch bodies).
//! - [`sign`]: MD5 and certificate signing and verification, [`ext1`]: the §5.4 digest.
//! - [`builder`]: signed requests a merchant sends (§2.1 payData, §3.1, §3.5, §3.7).
//! - [`check`]: every field constraint of the tables and the prose.
//! - [`any`]: every message behind one enum, for tools that pick the kind at run time.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod any;
pub mod builder;
pub mod catalogue;
pub mod charset;
pub mod check;
pub mod codec;
pub mod datetime;
pub mod enums;
pub mod error;
pub mod ext1;
pub mod key;
pub mod kind;
pub mod msgs;
pub mod sign;
pub mod spec;
pub mod value;

#[doc(hidden)]
pub mod fuzzing;

pub use charset::Charset;
pub use enums::SignType;
pub use error::{BuildError, FieldError, ParseError, VerifyError};
pub use key::{KeyError, MerchantKey};
pub use msgs::Message;
pub use sign::cert::{GatewayCert, GatewaySigner};
pub use spec::{MessageDef, MessageKind};

/// Largest wire input any parser accepts, in bytes. A batch-query page holds at most 500
/// records of at most ~400 bytes each (§3.4), base64-encoded: 256 KiB covers it twice over.
/// Larger inputs are refused before any work is done.
pub const MAX_INPUT_LEN: usize = 256 * 1024;
