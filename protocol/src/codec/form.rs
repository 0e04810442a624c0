//! Form bodies: `name=value&…`, URL-encoded (application/x-www-form-urlencoded), as the
//! gateway POSTs notifications (§2.2.3) and merchants POST requests (§3.1, §3.3, …).

use super::{precheck, static_name, utf8};
use crate::error::ParseError;
use crate::msgs::Message;

/// A parsed form body: the message, plus the names of fields the table does not have
/// (kept so that a checker can report them; they never enter the sign source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed<M> {
    /// The message.
    pub message: M,
    /// Names the table does not have, with their values, in order.
    pub unknown: Vec<(String, String)>,
}

/// Strict percent-decoding: `+` is a space, `%XY` needs two hex digits, the result must
/// be UTF-8.
pub fn decode_component(raw: &str, base_offset: usize) -> Result<String, ParseError> {
    if !raw.contains(['%', '+']) {
        return Ok(raw.to_owned());
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    let s = std::str::from_utf8(h).ok()?;
                    u8::from_str_radix(s, 16)
                        .ok()
                        .filter(|_| h.iter().all(u8::is_ascii_hexdigit))
                });
                let Some(b) = hex else {
                    return Err(ParseError::BadPercentEncoding {
                        offset: base_offset + i,
                    });
                };
                out.push(b);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|e| ParseError::NotUtf8 {
        offset: base_offset + e.utf8_error().valid_up_to(),
    })
}

/// Parses a form body into `M`. Duplicate fields are an error (which one would be
/// signed is ambiguous); a missing required field is left to [`crate::check`], except
/// that an absent `signMsg` is reported by verification.
pub fn parse<M: Message>(input: &[u8]) -> Result<Parsed<M>, ParseError> {
    precheck(input)?;
    let text = utf8(input)?;
    let text = text
        .strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text);
    let mut message = M::default();
    let mut unknown = Vec::new();
    // Duplicate unknown names are found in a set, so that a body of many distinct names
    // (up to MAX_INPUT_LEN) parses in linear time.
    let mut unknown_names = std::collections::HashSet::new();
    let mut offset = 0;
    for (index, pair) in text.split('&').enumerate() {
        let start = offset;
        offset += pair.len() + 1;
        if pair.is_empty() {
            continue;
        }
        let Some((raw_name, raw_value)) = pair.split_once('=') else {
            return Err(ParseError::MissingEquals { index });
        };
        let name = decode_component(raw_name, start)?;
        let value = decode_component(raw_value, start + raw_name.len() + 1)?;
        match static_name(M::DEF, &name) {
            Some(field) => {
                let slot = message
                    .slot(field)
                    .ok_or(ParseError::MissingField { field })?;
                if slot.is_some() {
                    return Err(ParseError::DuplicateField { field });
                }
                *slot = Some(value);
            }
            None => {
                if !unknown_names.insert(name.clone()) {
                    return Err(ParseError::DuplicateField {
                        field: "(unknown field)",
                    });
                }
                unknown.push((name, value));
            }
        }
    }
    super::some_table_field(&message, unknown.len())?;
    Ok(Parsed { message, unknown })
}

/// Renders `msg` as a form body in table order, every present field (empty ones as
/// `name=`), values URL-encoded as Java's `URLEncoder` does.
pub fn render<M: Message>(msg: &M) -> String {
    let mut out = String::new();
    msg.visit(|def, value| {
        if let Some(v) = value {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(def.name);
            out.push('=');
            out.extend(form_urlencoded::byte_serialize(v.as_bytes()));
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::msgs::PayNotify;

    #[test]
    fn decodes_plus_and_percent() {
        assert_eq!(decode_component("a+b%2Bc%3D", 0).unwrap(), "a b+c=");
        assert_eq!(decode_component("%E7%AC%94", 0).unwrap(), "笔");
        assert_eq!(
            decode_component("ab%G1", 0),
            Err(ParseError::BadPercentEncoding { offset: 2 })
        );
        assert_eq!(
            decode_component("ab%2", 0),
            Err(ParseError::BadPercentEncoding { offset: 2 })
        );
        assert!(matches!(
            decode_component("%FF", 0),
            Err(ParseError::NotUtf8 { .. })
        ));
    }

    #[test]
    fn duplicate_fields_are_rejected() {
        let r = parse::<PayNotify>(b"orderNo=1&orderNo=2");
        assert_eq!(r, Err(ParseError::DuplicateField { field: "orderNo" }));
    }

    #[test]
    fn many_distinct_unknown_names_parse_in_linear_time() {
        // 30,000 distinct unknown names (~200 KiB): linear, milliseconds; a quadratic scan
        // of the names takes seconds.
        let body: String = (0..30_000).map(|i| format!("x{i}=&")).collect();
        let started = std::time::Instant::now();
        let p = parse::<PayNotify>(format!("orderNo=1&{body}").as_bytes()).unwrap();
        assert_eq!(p.unknown.len(), 30_000);
        // A bound generous enough for a debug build on a loaded machine (the throughput
        // itself is measured by the `worst_case` benchmarks).
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        let r = parse::<PayNotify>(b"orderNo=1&x=1&y=2&x=3");
        assert_eq!(
            r,
            Err(ParseError::DuplicateField {
                field: "(unknown field)"
            })
        );
    }

    #[test]
    fn unknown_fields_are_kept_aside() {
        let p = parse::<PayNotify>(b"orderNo=1&foo=bar").unwrap();
        assert_eq!(p.message.order_no.as_deref(), Some("1"));
        assert_eq!(p.unknown, vec![("foo".to_owned(), "bar".to_owned())]);
    }
}
