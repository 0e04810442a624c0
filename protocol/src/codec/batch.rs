//! §3.4 batch-query answer: a base64 body whose decoded text is the summary line, the
//! record lines, a blank line and the signature line ("汇总信息+交易明细+换行+签名信息").

use base64::Engine as _;

use super::pipe::{lines, record};
use super::{precheck, utf8, Deviation, Mode};
use crate::error::ParseError;
use crate::msgs::{BatchQueryRecord, BatchQueryResponse, BatchQuerySummary};

/// At most 500 records a page (§3.4).
pub const MAX_RECORDS: usize = 500;

/// A decoded and parsed page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// The page.
    pub response: BatchQueryResponse,
    /// The decoded text.
    pub text: Vec<u8>,
    /// Length of the signed prefix of `text`: every byte before the signature line
    /// (summary, records and the blank line; ERRATA E-3.4-TEXT).
    pub signed_len: usize,
    /// Quirks accepted in lenient mode.
    pub deviations: Vec<Deviation>,
}

impl Parsed {
    /// The bytes the signature covers.
    pub fn signed_text(&self) -> &[u8] {
        &self.text[..self.signed_len]
    }
}

/// Decodes the base64 body (line breaks allowed, as MIME encoders fold) and parses it.
pub fn parse(body: &[u8], mode: Mode) -> Result<Parsed, ParseError> {
    precheck(body)?;
    let compact: Vec<u8> = body
        .iter()
        .copied()
        .filter(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t'))
        .collect();
    let text = base64::engine::general_purpose::STANDARD
        .decode(&compact)
        .map_err(|_| ParseError::BadBase64 {
            what: "batch-query body",
        })?;
    parse_text(text, mode)
}

fn summary(line: &str) -> Result<BatchQuerySummary, ParseError> {
    let cols: Vec<&str> = line.split('|').collect();
    let [merchant_id, count, page_no, has_next] = cols[..] else {
        return Err(ParseError::WrongColumnCount {
            line: 1,
            found: cols.len(),
            expected: 4,
        });
    };
    for (value, rule) in [
        (count, "the record count must be digits"),
        (page_no, "the page number must be digits"),
    ] {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ParseError::BadLine { line: 1, rule });
        }
    }
    if has_next != "Y" && has_next != "N" {
        return Err(ParseError::BadLine {
            line: 1,
            rule: "the next-page flag must be Y or N",
        });
    }
    Ok(BatchQuerySummary {
        merchant_id: merchant_id.to_owned(),
        count: count.to_owned(),
        page_no: page_no.to_owned(),
        has_next_page: has_next.to_owned(),
    })
}

/// Parses an already decoded page.
pub fn parse_text(text: Vec<u8>, mode: Mode) -> Result<Parsed, ParseError> {
    precheck(&text)?;
    let s = utf8(&text)?;
    if s.trim_start().starts_with("ERRORCODE=") {
        return Err(ParseError::NotSigned);
    }
    let mut deviations = Vec::new();
    let mut it = lines(s).enumerate();
    let Some((_, (first, _, _))) = it.next() else {
        return Err(ParseError::Empty);
    };
    let summary = summary(first)?;
    let mut records = Vec::new();
    let mut signed_len = None;
    let mut saw_blank = false;
    let mut sign_msg = String::new();
    for (i, (line, start, _)) in it {
        let line_no = i + 1;
        let blank = line.trim().is_empty();
        match (signed_len, blank) {
            (None, true) => saw_blank = true,
            (None, false) if line.contains('|') && !saw_blank => {
                if records.len() == MAX_RECORDS {
                    return Err(ParseError::BadLine {
                        line: line_no,
                        rule: "more than 500 records on one page (§3.4)",
                    });
                }
                records.push(record::<BatchQueryRecord>(
                    line,
                    line_no,
                    mode,
                    &mut deviations,
                )?);
            }
            (None, false) if line.contains('|') => {
                return Err(ParseError::BadLine {
                    line: line_no,
                    rule: "a record after the blank line that precedes the signature",
                })
            }
            (None, false) => {
                if !saw_blank {
                    return Err(ParseError::BadLine {
                        line: line_no,
                        rule: "the signature must follow a blank line (§3.4: 签名信息与上行之间有一空行)",
                    });
                }
                signed_len = Some(start);
                sign_msg.push_str(line.trim());
            }
            (Some(_), true) => {}
            (Some(_), false) if line.contains('|') => {
                return Err(ParseError::TrailingData { line: line_no })
            }
            (Some(_), false) => sign_msg.push_str(line.trim()),
        }
    }
    let Some(signed_len) = signed_len else {
        return Err(ParseError::MissingSignatureLine);
    };
    if summary.count.parse::<usize>().ok() != Some(records.len()) {
        return Err(ParseError::BadLine {
            line: 1,
            rule: "the record count in the summary differs from the records sent",
        });
    }
    Ok(Parsed {
        response: BatchQueryResponse {
            summary,
            records,
            sign_msg,
        },
        text,
        signed_len,
        deviations,
    })
}

/// The decoded text of a page: summary, records, blank line, signature, `\r\n` endings.
pub fn render_text(resp: &BatchQueryResponse) -> String {
    let mut out = signed_text(&resp.summary, &resp.records);
    out.push_str(&resp.sign_msg);
    out
}

/// The signed part of a page: summary, records and the blank line.
pub fn signed_text(summary: &BatchQuerySummary, records: &[BatchQueryRecord]) -> String {
    crate::sign::TextForm::BlankLine.join(&page_lines(summary, records))
}

/// The summary line and the record lines of a page, without terminators.
pub fn page_lines(summary: &BatchQuerySummary, records: &[BatchQueryRecord]) -> Vec<String> {
    let mut out = vec![format!(
        "{}|{}|{}|{}",
        summary.merchant_id, summary.count, summary.page_no, summary.has_next_page
    )];
    out.extend(records.iter().map(super::pipe::render_record));
    out
}

/// The wire body: base64 of the decoded text.
pub fn render(resp: &BatchQueryResponse) -> String {
    base64::engine::general_purpose::STANDARD.encode(render_text(resp))
}
