//! The wire forms. Each parser refuses input above [`crate::MAX_INPUT_LEN`] before doing
//! any work, and answers malformed input with a [`ParseError`] naming the field or line.

pub mod batch;
pub mod error_text;
pub mod form;
pub mod json;
pub mod pipe;

use crate::error::ParseError;

/// Strict (the spec as written) or lenient (also the quirks real gateways and the spec's
/// own examples show; each one reported as a [`Deviation`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    /// The spec as written.
    Strict,
    /// Also the quirks real gateways and the spec's examples show.
    Lenient,
}

/// A quirk accepted in lenient mode (Wycheproof's "acceptable").
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Deviation {
    /// Spaces after `|` (§4.2/§4.4 format lines), stripped from the values.
    SpaceAfterPipe,
    /// A datetime of 15 digits (§3.4 example `201301080000000`).
    DateTime15Digits,
    /// A date `yyyy-MM-dd` where a 14-digit datetime belongs (§3.4 example `2013-01-08`).
    DashedDate,
    /// A space after `&` (§3.8 `ERRORCODE=001& ERRORMSG=…`).
    SpaceAfterAmpersand,
    /// Quotes around ERRORMSG (§3.4 `ERRORMSG="错误信息"`).
    QuotedErrorMessage,
    /// Record and signature on one line separated by a space (§3.8 MD5 example as printed).
    SignatureOnRecordLine,
    /// payData declares GBK or GB2312 (inputCharset 2/3) but was hashed in UTF-8, as the
    /// official SDK always hashes (ERRATA E-CHARSET).
    Utf8UnderDeclaredCharset,
    /// A §3.8/§4.2/§4.4 text signed with a CRLF after its last record (the terminated
    /// form, as only the §3.8 MD5 example is, or with a blank line after it too); §3.8
    /// 注释 2 and real answers sign none (ERRATA E-3.8-TEXT).
    TerminatedSignedText,
}

/// Refuses empty and oversized input before any work.
pub(crate) fn precheck(input: &[u8]) -> Result<(), ParseError> {
    if input.len() > crate::MAX_INPUT_LEN {
        return Err(ParseError::TooLarge {
            len: input.len(),
            limit: crate::MAX_INPUT_LEN,
        });
    }
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    Ok(())
}

pub(crate) fn utf8(input: &[u8]) -> Result<&str, ParseError> {
    std::str::from_utf8(input).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })
}

/// Maps an input field name to the table's `&'static` spelling.
pub(crate) fn static_name(def: &crate::spec::MessageDef, name: &str) -> Option<&'static str> {
    def.field(name).map(|f| f.name)
}

/// A body that holds unknown names only is not this message: refused, so that nothing a
/// parser cannot place is dropped silently (e.g. base64 read as a form body).
pub(crate) fn some_table_field<M: crate::msgs::Message>(
    msg: &M,
    unknown: usize,
) -> Result<(), ParseError> {
    let mut any = false;
    msg.visit(|_, v| any |= v.is_some());
    if any || unknown == 0 {
        Ok(())
    } else {
        Err(ParseError::NoTableField {
            section: M::DEF.section,
        })
    }
}
