//! The errors of reading captured traffic: an input that cannot be used at all
//! ([`TrafficError`], one line, exit 2), and an entry of a usable input that cannot be
//! read ([`EntryError`], listed with its place while the other entries are judged).

use serde::Serialize;

/// An input, an option or an output that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrafficError {
    /// The file or directory cannot be opened or read.
    #[error("{path}: cannot read: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// The file is larger than what is read for its format.
    #[error("{path}: {len} bytes, above the {limit}-byte limit of {what}; split the capture")]
    TooLarge {
        path: String,
        len: u64,
        limit: u64,
        what: &'static str,
    },
    /// A `.har` file that is not HAR 1.2 JSON at its top level.
    #[error("{path}: not a HAR file: {why}")]
    NotHar { path: String, why: String },
    /// mitmproxy writes `.zhar` zlib-compressed.
    #[error("{path}: zlib-compressed (a mitmproxy .zhar dump); write the dump to a .har file or decompress it first")]
    Compressed { path: String },
    /// `mitmdump -w` writes mitmproxy's own flow format, not HAR.
    #[error("{path}: a mitmproxy flow file (mitmdump -w), not HAR; convert it with `mitmdump -nr {path} --set hardump=OUT.har`")]
    FlowDump { path: String },
    /// A directory without a single message file.
    #[error("{path}: no message files in the directory")]
    EmptyDirectory { path: String },
    /// `--redact` names a field no message table has.
    #[error("--redact {field:?}: no message of the spec has a field of that name")]
    UnknownRedactField { field: String },
    /// `--to-vectors`: a file or directory cannot be written.
    #[error("{path}: cannot write: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
}

/// Why one entry (a HAR entry, a line, a file of a directory) cannot be read. Each names
/// the member of the entry and the rule it breaks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[serde(tag = "error", rename_all = "camelCase")]
#[non_exhaustive]
pub enum EntryError {
    /// A member of the wrong JSON type.
    #[error("{field} must be {expected}, not {found}")]
    WrongType {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    /// A member HAR 1.2 requires is absent.
    #[error("{field} is missing")]
    Missing { field: String },
    /// A body `encoding` other than HAR 1.2's `base64`.
    #[error("{field}: encoding {encoding:?} is not one HAR 1.2 defines (only \"base64\")")]
    UnknownEncoding { field: String, encoding: String },
    /// A body marked base64 that does not decode.
    #[error("{field}: not base64 ({why})")]
    BadBase64 { field: String, why: String },
    /// A body above the one-message limit (`allinpay_protocol::MAX_INPUT_LEN`).
    #[error("{field}: {len} bytes, above the {limit}-byte limit of one message")]
    BodyTooLarge {
        field: String,
        len: usize,
        limit: usize,
    },
    /// A body still compressed: HAR holds bodies decoded (HAR 1.2 `content.text`).
    #[error("{field}: {format}-compressed bytes; HAR 1.2 holds bodies decompressed")]
    StillCompressed { field: String, format: &'static str },
    /// The file ends inside this entry.
    #[error("the file ends inside this entry (truncated JSON, {at})")]
    Truncated { at: String },
    /// The JSON is malformed inside this entry.
    #[error("not valid JSON ({why})")]
    Syntax { why: String },
    /// A line of the `direction message-kind base64` format that does not fit it.
    #[error("{rule}")]
    BadLine { rule: String },
    /// A message kind name that is not a spec message.
    #[error("unknown message kind {name:?} (one of the CLI names, or `auto`)")]
    UnknownKind { name: String },
}
