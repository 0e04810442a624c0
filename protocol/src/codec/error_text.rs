//! `ERRORCODE=…&ERRORMSG=…` (§3.4 异常响应报文, §3.8 退款查询失败返回). Not URL-encoded.

use super::{precheck, utf8, Deviation, Mode};
use crate::error::ParseError;
use crate::msgs::ErrorResponse;

/// Parses an error answer. Strict: exactly `ERRORCODE=code&ERRORMSG=message`. Lenient
/// also takes the forms the spec prints: a space after `&` (§3.8) and quotes around the
/// message (§3.4).
pub fn parse(input: &[u8], mode: Mode) -> Result<(ErrorResponse, Vec<Deviation>), ParseError> {
    precheck(input)?;
    let text = utf8(input)?.trim_end_matches(['\r', '\n']);
    let rest = text
        .strip_prefix("ERRORCODE=")
        .ok_or(ParseError::NotErrorResponse {
            rule: "must start with ERRORCODE=",
        })?;
    let mut deviations = Vec::new();
    let (code, msg) = match rest.split_once('&') {
        None => (rest, None),
        Some((code, tail)) => {
            let tail = match tail.strip_prefix(' ') {
                Some(t) if mode == Mode::Lenient => {
                    deviations.push(Deviation::SpaceAfterAmpersand);
                    t.trim_start()
                }
                Some(_) => {
                    return Err(ParseError::NotErrorResponse {
                        rule: "space after '&' (accepted in lenient mode only)",
                    })
                }
                None => tail,
            };
            let msg = tail
                .strip_prefix("ERRORMSG=")
                .ok_or(ParseError::NotErrorResponse {
                    rule: "the second field must be ERRORMSG=",
                })?;
            let msg = match msg.strip_prefix('"').and_then(|m| m.strip_suffix('"')) {
                Some(m) if mode == Mode::Lenient => {
                    deviations.push(Deviation::QuotedErrorMessage);
                    m
                }
                Some(_) => {
                    return Err(ParseError::NotErrorResponse {
                        rule: "quoted ERRORMSG (accepted in lenient mode only)",
                    })
                }
                None => msg,
            };
            (code, Some(msg))
        }
    };
    if code.is_empty() {
        return Err(ParseError::MissingField { field: "ERRORCODE" });
    }
    Ok((
        ErrorResponse {
            errorcode: Some(code.to_owned()),
            errormsg: msg.map(str::to_owned),
        },
        deviations,
    ))
}

/// Renders the canonical form `ERRORCODE=code&ERRORMSG=message`. A message that would
/// not read back as itself (one that is quoted already, or ends in a line terminator) is
/// rendered in §3.4's quoted form, which lenient mode reads.
pub fn render(e: &ErrorResponse) -> String {
    let code = e.errorcode.as_deref().unwrap_or_default();
    match e.errormsg.as_deref() {
        Some(m) => {
            let quoted = m.len() >= 2 && m.starts_with('"') && m.ends_with('"');
            if quoted || m.ends_with(['\r', '\n']) {
                format!("ERRORCODE={code}&ERRORMSG=\"{m}\"")
            } else {
                format!("ERRORCODE={code}&ERRORMSG={m}")
            }
        }
        None => format!("ERRORCODE={code}"),
    }
}
