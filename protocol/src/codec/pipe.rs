//! Pipe-delimited texts (§3.8 refund-status query, §4.2/§4.4 pre-auth results): record
//! lines of `|`-separated columns in table order, each ended by `\r\n` (or `\n`), then the
//! signature line (base64, possibly folded over several lines, or 32 hex digits).

use std::borrow::Cow;

use super::{precheck, utf8, Deviation, Mode};
use crate::error::ParseError;
use crate::msgs::Message;
use crate::spec::Format;

/// A parsed text: records, signature, and the exact bytes the signature covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<'a, R> {
    /// The record lines, in order.
    pub records: Vec<R>,
    /// The signature line (folded lines joined).
    pub sign_msg: String,
    /// Every byte before the signature line, terminators included (§3.8; ERRATA E-3.8-TEXT).
    pub signed_text: Cow<'a, [u8]>,
    /// Quirks accepted in lenient mode.
    pub deviations: Vec<Deviation>,
}

/// Splits `text` into lines: (content without terminator, start offset, end offset
/// past the terminator).
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (&str, usize, usize)> {
    let mut offset = 0;
    text.split_inclusive('\n').map(move |raw| {
        let start = offset;
        offset += raw.len();
        let line = raw.strip_suffix('\n').unwrap_or(raw);
        let line = line.strip_suffix('\r').unwrap_or(line);
        (line, start, offset)
    })
}

/// Records a deviation once.
fn note(deviations: &mut Vec<Deviation>, d: Deviation) {
    if !deviations.contains(&d) {
        deviations.push(d);
    }
}

/// Reads one record line into `R` (columns in table order).
pub(crate) fn record<R: Message>(
    line: &str,
    line_no: usize,
    mode: Mode,
    deviations: &mut Vec<Deviation>,
) -> Result<R, ParseError> {
    let expected = R::DEF.fields.len();
    let found = line.split('|').count();
    if found != expected {
        return Err(ParseError::WrongColumnCount {
            line: line_no,
            found,
            expected,
        });
    }
    let mut rec = R::default();
    for (i, (def, column)) in R::DEF.fields.iter().zip(line.split('|')).enumerate() {
        let value = if !column.starts_with(' ') {
            column
        } else if mode == Mode::Strict {
            return Err(ParseError::BadLine {
                line: line_no,
                rule: "a column starts with a space (only lenient mode strips spaces after '|')",
            });
        } else if i == 0 {
            // Spaces *after* '|' are the quirk (§4.2/§4.4); the first column has none.
            column
        } else {
            // All of them, so that a rendered record reads back the same.
            note(deviations, Deviation::SpaceAfterPipe);
            column.trim_start_matches(' ')
        };
        if mode == Mode::Lenient && def.format == Format::DateTime14 {
            if crate::datetime::lenient_datetime15(value) {
                note(deviations, Deviation::DateTime15Digits);
            } else if crate::datetime::lenient_dashed_date(value) {
                note(deviations, Deviation::DashedDate);
            }
        }
        if let Some(slot) = rec.slot(def.name) {
            *slot = Some(value.to_owned());
        }
    }
    Ok(rec)
}

/// A signature line's text. As received: a space around a signature is no part of it,
/// and makes it fail to verify rather than being trimmed away; only stray CRs before the
/// line feed go (`\r\r\n`). Strict mode refuses white space and control characters.
fn signature_line(line: &str, line_no: usize, mode: Mode) -> Result<&str, ParseError> {
    let line = line.trim_end_matches('\r');
    if mode == Mode::Strict
        && line
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        return Err(ParseError::BadLine {
            line: line_no,
            rule: "the signature line holds white space or a control character",
        });
    }
    Ok(line)
}

/// Where the reader is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Records,
    Signature,
    Done,
}

/// Parses a text response with records of type `R`.
pub fn parse<R: Message>(input: &[u8], mode: Mode) -> Result<Parsed<'_, R>, ParseError> {
    precheck(input)?;
    let text = utf8(input)?;
    // The unsigned error answer, wherever the first line starts (blank lines are skipped).
    if text.trim_start().starts_with("ERRORCODE=") {
        return Err(ParseError::NotSigned);
    }
    let mut records = Vec::new();
    let mut deviations = Vec::new();
    let mut signed_text: Cow<'_, [u8]> = Cow::Borrowed(&[]);
    let mut signature = String::new();
    let mut state = State::Records;
    for (i, (line, start, end)) in lines(text).enumerate() {
        let line_no = i + 1;
        let blank = line.trim().is_empty();
        match state {
            State::Records if blank => {}
            State::Records if line.contains('|') => {
                // Only on the last line: a record followed by a signature line is not it.
                if mode == Mode::Lenient && text[end..].trim().is_empty() {
                    // §3.8's MD5 example as printed: `…|20141128151433 B93C…` on one line;
                    // the signed text is then the record with the `\r\n` it was sent with.
                    if let Some((rec, sig)) = line.rsplit_once(' ') {
                        if sig.len() == 32 && sig.bytes().all(|b| b.is_ascii_hexdigit()) {
                            records.push(record::<R>(rec, line_no, mode, &mut deviations)?);
                            deviations.push(Deviation::SignatureOnRecordLine);
                            let mut owned = input[..start].to_vec();
                            owned.extend_from_slice(rec.as_bytes());
                            owned.extend_from_slice(b"\r\n");
                            signed_text = Cow::Owned(owned);
                            signature.push_str(sig);
                            state = State::Done;
                            continue;
                        }
                    }
                }
                records.push(record::<R>(line, line_no, mode, &mut deviations)?);
            }
            State::Records => {
                if records.is_empty() {
                    return Err(ParseError::BadLine {
                        line: line_no,
                        rule: "expected a '|'-separated record line",
                    });
                }
                signed_text = Cow::Borrowed(&input[..start]);
                signature.push_str(signature_line(line, line_no, mode)?);
                state = State::Signature;
            }
            State::Signature if blank => state = State::Done,
            State::Signature if !line.contains('|') => {
                signature.push_str(signature_line(line, line_no, mode)?)
            }
            State::Signature | State::Done if blank => {}
            State::Signature | State::Done => {
                return Err(ParseError::TrailingData { line: line_no })
            }
        }
    }
    if records.is_empty() {
        return Err(ParseError::BadLine {
            line: 1,
            rule: "expected a '|'-separated record line",
        });
    }
    if signature.is_empty() {
        return Err(ParseError::MissingSignatureLine);
    }
    Ok(Parsed {
        records,
        sign_msg: signature,
        signed_text,
        deviations,
    })
}

/// Renders records and signature: each record then `\r\n`, then the signature.
pub fn render<R: Message>(records: &[R], sign_msg: &str) -> String {
    let mut out = String::new();
    for rec in records {
        out.push_str(&render_record(rec));
        out.push_str("\r\n");
    }
    out.push_str(sign_msg);
    out
}

/// One record line, columns in table order (absent columns empty).
pub fn render_record<R: Message>(rec: &R) -> String {
    let mut out = String::new();
    let mut first = true;
    rec.visit(|_, value| {
        if !first {
            out.push('|');
        }
        first = false;
        out.push_str(value.unwrap_or_default());
    });
    out
}
