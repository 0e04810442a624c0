//! The line format for logs: one message per line, `direction message-kind base64-bytes`.
//! `direction` is `request` (or `>`) or `response` (or `<`); `message-kind` a message's
//! CLI name or `auto` (recognised by content); the bytes are the wire, base64. A
//! `response` line right after a `request` line answers it. Blank lines and lines
//! starting with `#` are skipped. Lines are read one at a time, each bounded.

use std::io::BufRead;

use base64::Engine as _;

use allinpay_protocol::{MessageKind, MAX_INPUT_LEN};

use super::capture::{Body, Entry, EntryRef, InputFormat, InputInfo, Place, Problem, Side, Sink};
use super::error::{EntryError, TrafficError};
use super::recognise::{answer_of, by_content, side_of};

/// The longest line read: a base64 message of [`MAX_INPUT_LEN`] bytes and its two words.
pub const MAX_LINE: usize = MAX_INPUT_LEN / 3 * 4 + 256;

/// Whether `first_line` (the first line that is not blank or a comment) is of this
/// format.
pub fn looks_like(first_line: &str) -> bool {
    let mut words = first_line.split_ascii_whitespace();
    matches!(
        (words.next(), words.next(), words.next(), words.next()),
        (Some(d), Some(_), Some(_), None) if direction(d).is_some()
    )
}

fn direction(word: &str) -> Option<Side> {
    match word {
        "request" | ">" => Some(Side::Request),
        "response" | "<" => Some(Side::Response),
        _ => None,
    }
}

/// One line parsed.
struct Line {
    side: Side,
    kind: Option<MessageKind>,
    bytes: Vec<u8>,
}

fn parse_line(text: &str) -> Result<Line, EntryError> {
    let bad = |rule: &str| EntryError::BadLine { rule: rule.into() };
    let mut words = text.split_ascii_whitespace();
    let (Some(d), Some(k), Some(b), None) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return Err(bad(
            "a line is `direction message-kind base64-bytes` (three words)",
        ));
    };
    let side = direction(d).ok_or_else(|| bad("the direction is request, response, > or <"))?;
    let kind = match k {
        "auto" | "-" => None,
        name => Some(
            MessageKind::from_name(name).ok_or_else(|| EntryError::UnknownKind {
                name: super::har::shorten(name),
            })?,
        ),
    };
    if b.len() / 4 * 3 > MAX_INPUT_LEN + 3 {
        return Err(EntryError::BodyTooLarge {
            field: "the bytes".into(),
            len: b.len() / 4 * 3,
            limit: MAX_INPUT_LEN,
        });
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b)
        .map_err(|e| EntryError::BadBase64 {
            field: "the bytes".into(),
            why: e.to_string(),
        })?;
    let kind = kind.or_else(|| by_content(&bytes).map(|(k, _)| k));
    if let Some(k) = kind {
        if side_of(k) != side && !matches!(k, MessageKind::PayRequest) {
            return Err(bad(&format!(
                "{} travels as a {}, not a {}",
                k.name(),
                side_of(k).name(),
                side.name()
            )));
        }
    }
    Ok(Line { side, kind, bytes })
}

/// Reads one line of at most `limit` bytes into `buf` (without the line break); `Ok(None)`
/// at the end; a longer line is skipped to its end and reported by its length.
fn next_line<R: BufRead>(
    input: &mut R,
    buf: &mut Vec<u8>,
    limit: usize,
) -> std::io::Result<Option<Result<(), usize>>> {
    buf.clear();
    let mut len = 0usize;
    let mut any = false;
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        any = true;
        let (part, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(i) => (&chunk[..i], Some(i + 1)),
            None => (chunk, None),
        };
        len += part.len();
        if len <= limit {
            buf.extend_from_slice(part);
        }
        let used = done.unwrap_or(chunk.len());
        input.consume(used);
        if done.is_some() {
            break;
        }
    }
    if !any {
        return Ok(None);
    }
    if buf.last() == Some(&b'\r') {
        buf.pop();
    }
    Ok(Some(if len > limit { Err(len) } else { Ok(()) }))
}

/// Reads the line format from `input`.
pub fn read<R: BufRead>(
    mut input: R,
    shown: &str,
    sink: &mut Sink<'_>,
) -> Result<InputInfo, TrafficError> {
    let mut buf = Vec::new();
    let mut n = 0usize;
    let mut entries = 0usize;
    let mut pending: Option<(usize, Line)> = None;
    let place = |n: usize| Place {
        file: shown.to_owned(),
        entry: EntryRef::Line(n),
    };
    let flush = |pending: &mut Option<(usize, Line)>, sink: &mut Sink<'_>| {
        if let Some((at, l)) = pending.take() {
            sink(Ok(entry_of(place(at), l, None)));
        }
    };
    loop {
        let line =
            next_line(&mut input, &mut buf, MAX_LINE).map_err(|source| TrafficError::Io {
                path: shown.to_owned(),
                source,
            })?;
        let Some(line) = line else { break };
        n += 1;
        let parsed = match line {
            Err(len) => Err(EntryError::BodyTooLarge {
                field: "the line".into(),
                len,
                limit: MAX_LINE,
            }),
            Ok(()) => match std::str::from_utf8(&buf) {
                Err(_) => Err(EntryError::BadLine {
                    rule: "the line is not UTF-8 text".into(),
                }),
                Ok(t) if t.trim().is_empty() || t.trim_start().starts_with('#') => continue,
                Ok(t) => parse_line(t),
            },
        };
        entries += 1;
        let l = match parsed {
            Ok(l) => l,
            Err(error) => {
                flush(&mut pending, sink);
                sink(Err(Problem {
                    place: place(n),
                    error,
                }));
                continue;
            }
        };
        match (pending.take(), l.side) {
            (Some((at, req)), Side::Response) => {
                sink(Ok(entry_of(place(at), req, Some((n, l)))));
            }
            (prev, _) => {
                if let Some((at, p)) = prev {
                    sink(Ok(entry_of(place(at), p, None)));
                }
                if l.side == Side::Request && l.kind.is_none_or(|k| answer_of(k).is_some()) {
                    pending = Some((n, l));
                } else {
                    sink(Ok(entry_of(place(n), l, None)));
                }
            }
        }
    }
    flush(&mut pending, sink);
    Ok(InputInfo {
        path: shown.to_owned(),
        format: InputFormat::Lines,
        creator: None,
        version: None,
        entries,
    })
}

fn entry_of(place: Place, first: Line, answer: Option<(usize, Line)>) -> Entry {
    let mut e = Entry {
        place: Some(place),
        ..Entry::default()
    };
    let put = |l: Line, e: &mut Entry| {
        let (kind, body) = match l.side {
            Side::Request => (&mut e.request_kind, &mut e.request),
            Side::Response => (&mut e.response_kind, &mut e.response),
        };
        *kind = l.kind;
        *body = Body::Bytes(l.bytes);
        if l.kind.is_none() {
            e.notes.push(format!(
                "the {} is no message this tool knows",
                l.side.name()
            ));
        }
    };
    put(first, &mut e);
    if let Some((n, l)) = answer {
        e.notes.push(format!("answered on line {n}"));
        put(l, &mut e);
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::STANDARD.encode(s)
    }

    #[test]
    fn pairs_skips_comments_and_names_bad_lines() {
        let text = format!(
            "# a log\n\nrequest refund {}\nresponse refund-response {}\n> auto {}\nrequest nope {}\nresponse refund-response !!!\n",
            b64("version=v2.3&orderNo=1"),
            b64("version=v2.3&refundResult=20"),
            b64("merchantId=1&paymentOrderId=2&payResult=1"),
            b64("x"),
        );
        let mut got = Vec::new();
        let info = read(text.as_bytes(), "log.txt", &mut |e| got.push(e)).expect("reads");
        assert_eq!(info.entries, 5);
        let e = got[0].as_ref().expect("pair");
        assert_eq!(e.request_kind, Some(MessageKind::Refund));
        assert_eq!(e.response_kind, Some(MessageKind::RefundResponse));
        assert_eq!(e.place().entry, EntryRef::Line(3));
        let e = got[1].as_ref().expect("notification");
        assert_eq!(e.request_kind, Some(MessageKind::PayNotify));
        let p = got[2].as_ref().expect_err("unknown kind");
        assert_eq!(
            p.to_string(),
            "log.txt line 6: unknown message kind \"nope\" (one of the CLI names, or `auto`)"
        );
        let p = got[3].as_ref().expect_err("bad base64");
        assert!(
            p.to_string()
                .starts_with("log.txt line 7: the bytes: not base64"),
            "{p}"
        );
    }

    #[test]
    fn long_lines_are_refused_without_being_kept() {
        let text = format!(
            "request refund {}\nrequest refund {}\n",
            "A".repeat(MAX_LINE + 10),
            b64("version=v2.3")
        );
        let mut got = Vec::new();
        read(text.as_bytes(), "l", &mut |e| got.push(e)).expect("reads");
        assert!(matches!(
            got[0].as_ref().expect_err("long").error,
            EntryError::BodyTooLarge { .. }
        ));
        assert!(got[1].is_ok());
    }

    #[test]
    fn format_sniffing() {
        assert!(looks_like("request refund dmVyc2lvbj12Mi4z"));
        assert!(looks_like("< auto QQ=="));
        assert!(!looks_like("merchantId=1&version=v1.0"));
        assert!(!looks_like("{\"log\":{}}"));
    }
}
