//! Why a diagnosis could not start: fields that do not fit the message's table (§2, §3),
//! a message that is not signed, or a wire that does not parse.

use allinpay_protocol::any::SignError;
use allinpay_protocol::{MessageKind, ParseError};

/// Why `diagnose` or `diagnose_wire` cannot explain a signature. Each variant names the
/// field and the rule it breaks; the texts are the ones the CLI prints.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DiagnoseError {
    /// The message carries no signature (§5.1 applies to signed messages only).
    #[error("{} is not signed; diagnose does not apply", .0.name())]
    NotSigned(MessageKind),
    /// A field's value is neither a string nor an integer (nor `null`).
    #[error("field {field} must be a string or an integer")]
    NotText { field: String },
    /// A JSON field whose name is not a row of the message's table.
    #[error("unknown field {field:?} for {} (fields outside the table go under \"unknownFields\")", kind.name())]
    UnknownField { kind: MessageKind, field: String },
    /// A record holds a name that is not a column of the text's record (§3.8).
    #[error("unknown field {field:?} in a record")]
    UnknownRecordField { field: String },
    /// `unknownFields` names a row of the table: it would be signed as that row.
    #[error("unknownFields holds {field:?}, a field of the table")]
    ExtraIsTableField { field: String },
    /// A JSON member of the wrong shape: `{field} must {rule}`.
    #[error("{field} must {rule}")]
    Shape {
        field: &'static str,
        rule: &'static str,
    },
    /// The batch query response is a summary line and records (§3.3).
    #[error("a batch-query-response needs {{\"summary\": {{…}}, \"records\": […]}}")]
    BatchShape,
    /// The batch summary line lacks one of its four columns (§3.3).
    #[error("summary lacks {field}")]
    SummaryLacks { field: &'static str },
    /// The verifying side's `--computed` signature is MD5: it needs the key (§5.3).
    #[error("--computed needs the MD5 key (--key or --key-file)")]
    ComputedNeedsKey,
    /// The key is blank (§5.2): nothing signed with it is explained.
    #[error(transparent)]
    Key(#[from] allinpay_protocol::KeyError),
    /// The library refused to sign the fields (§5.2).
    #[error(transparent)]
    Sign(#[from] SignError),
    /// The received wire does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The variant builder's mistake-free source does not hash to the library's §5.2
    /// signature: every variant would be wrong, so the search does not start.
    #[error("internal error: the variant builder disagrees with the library for {}", .0.name())]
    BuilderDisagrees(MessageKind),
    /// A parsed message did not render as a JSON object.
    #[error("internal error: a parsed message is not an object")]
    NotAnObject,
}
