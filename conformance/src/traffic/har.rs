//! HAR 1.2 (HTTP Archive, http://www.softwareishard.com/blog/har-12-spec/), as browser
//! DevTools ("Save all as HAR"), mitmproxy (`hardump`), Charles and Fiddler write it.
//!
//! The file is streamed: `log.entries` is read one entry at a time and handed on, so a
//! large capture never sits in memory as a whole; a body above one message's limit
//! (`allinpay_protocol::MAX_INPUT_LEN`) is counted, not kept. An entry of the wrong shape
//! becomes a [`Problem`] naming it and its member, and the next entry is read; JSON that
//! breaks off ends the file with a problem naming the entry it broke in.

use std::io::Read;

use base64::Engine as _;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::MAX_INPUT_LEN;

use super::capture::{
    Body, CaptureTime, Entry, EntryRef, InputFormat, InputInfo, Place, Problem, Sink,
};
use super::error::{EntryError, TrafficError};

/// The largest HAR file read. Entries are streamed, so memory follows the largest entry,
/// not the file; the bound keeps a runaway file (or `/dev/zero`) from reading forever.
pub const MAX_HAR_FILE: u64 = 512 * 1024 * 1024;

/// Where the reader is in the file, to name the entry a JSON error broke in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    Header,
    Entry(usize),
    After(usize),
}

struct Reader<'s, 'a> {
    name: &'a str,
    sink: &'s mut Sink<'a>,
    stage: Stage,
    log: bool,
    entries: bool,
    version: Option<String>,
    creator: Option<String>,
}

/// Reads a HAR document from `input` (`name` is how the report names the file), handing
/// each entry to `sink` as it is read.
pub fn read<R: Read>(input: R, name: &str, sink: &mut Sink<'_>) -> Result<InputInfo, TrafficError> {
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut reader = Reader {
        name,
        sink,
        stage: Stage::Header,
        log: false,
        entries: false,
        version: None,
        creator: None,
    };
    let outcome = Top(&mut reader)
        .deserialize(&mut de)
        .and_then(|()| de.end());
    let count = match reader.stage {
        Stage::Header => 0,
        Stage::Entry(i) | Stage::After(i) => i,
    };
    if let Err(e) = outcome {
        let why = json_error(&e);
        match reader.stage {
            Stage::Header => {
                return Err(TrafficError::NotHar {
                    path: name.to_owned(),
                    why,
                })
            }
            Stage::Entry(i) | Stage::After(i) => {
                let at = if matches!(reader.stage, Stage::After(_)) {
                    format!("after the last entry, {why}")
                } else {
                    why
                };
                let error = if e.classify() == serde_json::error::Category::Eof {
                    EntryError::Truncated { at }
                } else {
                    EntryError::Syntax { why: at }
                };
                (reader.sink)(Err(Problem {
                    place: place(name, i),
                    error,
                }));
            }
        }
    } else if !reader.log {
        return Err(TrafficError::NotHar {
            path: name.to_owned(),
            why: "no \"log\" object at the top level".into(),
        });
    } else if !reader.entries {
        return Err(TrafficError::NotHar {
            path: name.to_owned(),
            why: "log has no \"entries\" array".into(),
        });
    }
    Ok(InputInfo {
        path: name.to_owned(),
        format: InputFormat::Har,
        creator: reader.creator,
        version: reader.version,
        entries: count,
    })
}

/// A serde_json error in one line, with its position.
fn json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let what = match e.classify() {
        Category::Eof => "the JSON ends early",
        Category::Syntax => "malformed JSON",
        Category::Data => "a member of the wrong type",
        Category::Io => "a read error",
    };
    format!("{what}: {e}")
}

fn place(file: &str, i: usize) -> Place {
    Place {
        file: file.to_owned(),
        entry: EntryRef::Har(i),
    }
}

struct Top<'r, 's, 'a>(&'r mut Reader<'s, 'a>);

impl<'de> DeserializeSeed<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Top<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a HAR object {\"log\": {…}}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "log" && !self.0.log {
                self.0.log = true;
                map.next_value_seed(Log(&mut *self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct Log<'r, 's, 'a>(&'r mut Reader<'s, 'a>);

impl<'de> DeserializeSeed<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Log<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the HAR log object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "version" => {
                    let v: Value = map.next_value()?;
                    self.0.version = v.as_str().map(str::to_owned);
                }
                "creator" => {
                    let v: Value = map.next_value()?;
                    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_default();
                    let text = format!("{} {}", s("name"), s("version"));
                    self.0.creator = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
                }
                "entries" if !self.0.entries => {
                    self.0.entries = true;
                    map.next_value_seed(Entries(&mut *self.0))?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Entries<'r, 's, 'a>(&'r mut Reader<'s, 'a>);

impl<'de> DeserializeSeed<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Entries<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("log.entries, an array of entries")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0;
        loop {
            self.0.stage = Stage::Entry(i);
            let Some(v) = seq.next_element::<Value>()? else {
                break;
            };
            let p = place(self.0.name, i);
            (self.0.sink)(entry_from(v, p));
            i += 1;
        }
        self.0.stage = Stage::After(i);
        Ok(())
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong(field: &str, expected: &'static str, v: &Value) -> EntryError {
    EntryError::WrongType {
        field: field.to_owned(),
        expected,
        found: type_name(v),
    }
}

/// `obj[key]` as a string: absent or null is `None`, another type an error.
fn opt_str<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<&'v str>, EntryError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(v) => Err(wrong(field, "a string", v)),
    }
}

fn opt_obj<'v>(
    obj: &'v Map<String, Value>,
    key: &str,
    field: &str,
) -> Result<Option<&'v Map<String, Value>>, EntryError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(v) => Err(wrong(field, "an object", v)),
    }
}

fn opt_number(obj: &Map<String, Value>, key: &str, field: &str) -> Result<Option<f64>, EntryError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(n.as_f64()),
        Some(v) => Err(wrong(field, "a number", v)),
    }
}

/// One entry of `log.entries`.
fn entry_from(v: Value, place: Place) -> Result<Entry, Problem> {
    read_entry(v, &place).map_err(|error| Problem { place, error })
}

fn read_entry(v: Value, place: &Place) -> Result<Entry, EntryError> {
    let Value::Object(obj) = v else {
        return Err(wrong("the entry", "an object", &v));
    };
    let mut entry = Entry {
        place: Some(place.clone()),
        ..Entry::default()
    };
    match opt_str(&obj, "startedDateTime", "startedDateTime")? {
        Some(t) => match parse_iso8601(t) {
            Some(unix_ms) => {
                entry.started = Some(CaptureTime {
                    text: t.to_owned(),
                    unix_ms,
                })
            }
            None => entry.notes.push(format!(
                "startedDateTime {:?} is not an ISO 8601 time with a zone; the clock is taken from the message",
                shorten(t)
            )),
        },
        None => entry.notes.push(
            "startedDateTime is missing; the clock is taken from the message".to_owned(),
        ),
    }
    entry.duration_ms = opt_number(&obj, "time", "time")?
        .filter(|t| t.is_finite() && *t >= 0.0 && *t < 1e12)
        .map(|t| t as i64);
    let request = match obj.get("request") {
        Some(Value::Object(r)) => r,
        Some(v) => return Err(wrong("request", "an object", v)),
        None => {
            return Err(EntryError::Missing {
                field: "request".into(),
            })
        }
    };
    entry.method = Some(
        opt_str(request, "method", "request.method")?
            .ok_or(EntryError::Missing {
                field: "request.method".into(),
            })?
            .to_owned(),
    );
    entry.url = Some(
        opt_str(request, "url", "request.url")?
            .ok_or(EntryError::Missing {
                field: "request.url".into(),
            })?
            .to_owned(),
    );
    if let Some(post) = opt_obj(request, "postData", "request.postData")? {
        entry.request = post_body(post, &mut entry.notes)?;
    }
    if let Some(response) = opt_obj(&obj, "response", "response")? {
        if let Some(s) = opt_number(response, "status", "response.status")? {
            entry.status = (0.0..1000.0).contains(&s).then_some(s as u16);
        }
        if let Some(content) = opt_obj(response, "content", "response.content")? {
            entry.response = body(content, "response.content")?;
        }
    }
    Ok(entry)
}

/// `request.postData`: `text`, else the `params` HAR 1.2 lists instead.
fn post_body(post: &Map<String, Value>, notes: &mut Vec<String>) -> Result<Body, EntryError> {
    if post.get("text").is_some_and(|t| !t.is_null()) {
        return body(post, "request.postData");
    }
    let Some(params) = post.get("params").filter(|p| !p.is_null()) else {
        return Ok(Body::Absent);
    };
    let Value::Array(items) = params else {
        return Err(wrong("request.postData.params", "an array", params));
    };
    let mut text = String::new();
    for (i, p) in items.iter().enumerate() {
        let field = format!("request.postData.params[{i}]");
        let Value::Object(p) = p else {
            return Err(wrong(&field, "an object", p));
        };
        let name = opt_str(p, "name", &format!("{field}.name"))?.unwrap_or_default();
        let value = opt_str(p, "value", &format!("{field}.value"))?.unwrap_or_default();
        if i > 0 {
            text.push('&');
        }
        text.push_str(name);
        text.push('=');
        text.push_str(value);
        if text.len() > MAX_INPUT_LEN {
            return Ok(Body::TooLarge { len: text.len() });
        }
    }
    notes.push("the request body was rebuilt from postData.params (no postData.text)".into());
    Ok(Body::Bytes(text.into_bytes()))
}

/// The base64 alphabet of HAR bodies; padding optional.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
);

/// A body object (`postData` or `content`): `text`, decoded per `encoding`.
fn body(obj: &Map<String, Value>, field: &str) -> Result<Body, EntryError> {
    let text_field = format!("{field}.text");
    let Some(text) = opt_str(obj, "text", &text_field)? else {
        return Ok(Body::Absent);
    };
    let encoding = opt_str(obj, "encoding", &format!("{field}.encoding"))?;
    Ok(match encoding {
        None | Some("") => {
            if text.len() > MAX_INPUT_LEN {
                Body::TooLarge { len: text.len() }
            } else {
                Body::Bytes(text.as_bytes().to_vec())
            }
        }
        Some(e) if e.eq_ignore_ascii_case("base64") => {
            // Each 4 characters decode to at most 3 bytes: the size is known before decoding.
            let decoded_len = text.len() / 4 * 3;
            if decoded_len > MAX_INPUT_LEN + 3 {
                return Ok(Body::TooLarge { len: decoded_len });
            }
            match BASE64.decode(text.trim()) {
                Err(e) => Body::Unreadable(EntryError::BadBase64 {
                    field: text_field,
                    why: e.to_string(),
                }),
                Ok(b) if b.len() > MAX_INPUT_LEN => Body::TooLarge { len: b.len() },
                Ok(b) if b.starts_with(&[0x1f, 0x8b]) => {
                    Body::Unreadable(EntryError::StillCompressed {
                        field: text_field,
                        format: "gzip",
                    })
                }
                Ok(b) => Body::Bytes(b),
            }
        }
        Some(other) => Body::Unreadable(EntryError::UnknownEncoding {
            field: format!("{field}.encoding"),
            encoding: shorten(other),
        }),
    })
}

/// At most 60 characters of `s`, for messages that quote input.
pub(crate) fn shorten(s: &str) -> String {
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Milliseconds since the Unix epoch of an ISO 8601 time with a zone, as HAR's
/// `startedDateTime` is written: `2023-03-30T00:00:54.250Z` (DevTools),
/// `2023-07-25T10:42:01.726810+00:00` (mitmproxy), `2023-03-29T17:37:42.482-07:00`
/// (Charles).
pub fn parse_iso8601(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || !(b[10] == b'T' || b[10] == b't' || b[10] == b' ') {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<&str> {
        let part = s.get(r)?;
        part.bytes().all(|c| c.is_ascii_digit()).then_some(part)
    };
    if b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let civil = format!(
        "{}{}{}{}{}{}",
        digits(0..4)?,
        digits(5..7)?,
        digits(8..10)?,
        digits(11..13)?,
        digits(14..16)?,
        digits(17..19)?
    );
    let dt = DateTime14::parse14(&civil)?;
    let mut rest = &s[19..];
    let mut ms = 0i64;
    if let Some(frac) = rest.strip_prefix('.').or_else(|| rest.strip_prefix(',')) {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 12 {
            return None;
        }
        let f = &frac[..n];
        let first3 = format!("{f:0<3}");
        ms = first3[..3].parse().ok()?;
        rest = &frac[n..];
    }
    let offset_secs: i64 = match rest {
        "Z" | "z" => 0,
        _ => {
            if !rest.is_ascii() {
                return None;
            }
            let (sign, hm) = match rest.as_bytes().first()? {
                b'+' => (1, &rest[1..]),
                b'-' => (-1, &rest[1..]),
                _ => return None,
            };
            let (h, m) = match hm.len() {
                5 if hm.as_bytes()[2] == b':' => (&hm[..2], &hm[3..]),
                4 => (&hm[..2], &hm[2..]),
                2 => (hm, "00"),
                _ => return None,
            };
            if !h.bytes().chain(m.bytes()).all(|c| c.is_ascii_digit()) {
                return None;
            }
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            if h > 23 || m > 59 {
                return None;
            }
            sign * (h * 3600 + m * 60)
        }
    };
    // to_unix_cst reads the civil time as UTC+8; this one is at `offset_secs`.
    let unix = dt.to_unix_cst() + 8 * 3600 - offset_secs;
    Some(unix * 1000 + ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_times_of_the_tools() {
        // 2023-03-30T00:00:54Z is Unix 1680134454.
        assert_eq!(
            parse_iso8601("2023-03-30T00:00:54.250Z"),
            Some(1_680_134_454_250)
        );
        assert_eq!(
            parse_iso8601("2023-03-30T00:00:54.250123+00:00"),
            Some(1_680_134_454_250)
        );
        assert_eq!(
            parse_iso8601("2023-03-29T17:00:54.250-07:00"),
            Some(1_680_134_454_250)
        );
        assert_eq!(
            parse_iso8601("2023-03-30T08:00:54+0800"),
            Some(1_680_134_454_000)
        );
        for bad in [
            "",
            "2023-03-30",
            "2023-03-30T00:00:54",
            "2023-02-30T00:00:54Z",
            "2023-03-30T24:00:54Z",
            "2023-03-30T00:00:54.Z",
            "2023-03-30T00:00:54+25:00",
            "2023-03-30T00:00:54Q",
            "２０２３-03-30T00:00:54Z",
            "2023-03-30T00:00:54+aé0",
            "2023-03-30T00:00:54.5é",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    fn entries(json: &str) -> (Result<InputInfo, TrafficError>, Vec<Result<Entry, Problem>>) {
        let mut got = Vec::new();
        let info = read(json.as_bytes(), "t.har", &mut |e| got.push(e));
        (info, got)
    }

    #[test]
    fn bodies_text_base64_and_params() {
        let (info, got) = entries(
            r#"{"log":{"version":"1.2","creator":{"name":"WebInspector","version":"537.36"},
            "entries":[
             {"startedDateTime":"2023-03-30T00:00:54.250Z","time":12.5,
              "request":{"method":"POST","url":"http://h/gateway/index.do",
                         "postData":{"mimeType":"x","text":"a=1"}},
              "response":{"status":200,"content":{"text":"Yj0y","encoding":"base64"}}},
             {"request":{"method":"POST","url":"http://h/n",
                         "postData":{"params":[{"name":"a","value":"1"},{"name":"b","value":"2"}]}}}
            ]}}"#,
        );
        let info = info.expect("a HAR");
        assert_eq!(info.entries, 2);
        assert_eq!(info.creator.as_deref(), Some("WebInspector 537.36"));
        let e = got[0].as_ref().expect("entry 0");
        assert_eq!(e.request.bytes(), Some(&b"a=1"[..]));
        assert_eq!(e.response.bytes(), Some(&b"b=2"[..]));
        assert_eq!(e.status, Some(200));
        assert_eq!(e.duration_ms, Some(12));
        let e = got[1].as_ref().expect("entry 1");
        assert_eq!(e.request.bytes(), Some(&b"a=1&b=2"[..]));
        assert_eq!(e.notes.len(), 2, "{:?}", e.notes);
    }

    #[test]
    fn a_wrong_entry_is_named_and_the_next_is_read() {
        let (info, got) = entries(
            r#"{"log":{"entries":[
              {"request":{"method":"POST","url":7}},
              "text",
              {"request":{"method":"GET","url":"http://h/"}}]}}"#,
        );
        assert_eq!(info.expect("a HAR").entries, 3);
        let p = got[0].as_ref().expect_err("wrong type");
        assert_eq!(
            p.to_string(),
            "t.har entries[0]: request.url must be a string, not a number"
        );
        let p = got[1].as_ref().expect_err("not an object");
        assert_eq!(
            p.to_string(),
            "t.har entries[1]: the entry must be an object, not a string"
        );
        assert!(got[2].is_ok());
    }

    #[test]
    fn truncation_names_the_entry_it_broke_in() {
        let (info, got) = entries(
            r#"{"log":{"entries":[{"request":{"method":"GET","url":"http://h/"}},{"request":{"meth"#,
        );
        assert_eq!(info.expect("partly read").entries, 1);
        assert!(got[0].is_ok());
        let p = got[1].as_ref().expect_err("truncated");
        assert!(
            p.to_string()
                .starts_with("t.har entries[1]: the file ends inside this entry"),
            "{p}"
        );
    }

    #[test]
    fn not_a_har_is_one_error() {
        for (json, why) in [
            ("", "the JSON ends early"),
            ("[]", "a member of the wrong type"),
            (
                r#"{"log":{"version":"1.2"}}"#,
                "log has no \"entries\" array",
            ),
            (r#"{"inputCharset":"1"}"#, "no \"log\" object"),
            (r#"{"log":{"entries":{}}}"#, "a member of the wrong type"),
        ] {
            let (info, got) = entries(json);
            let e = info.expect_err(json).to_string();
            assert!(e.starts_with("t.har: not a HAR file: "), "{e}");
            assert!(e.contains(why), "{json}: {e}");
            assert!(got.is_empty());
        }
    }

    #[test]
    fn unknown_encodings_and_big_bodies_stay_with_their_entry() {
        let big = "A".repeat(MAX_INPUT_LEN / 3 * 4 + 40);
        let json = format!(
            r#"{{"log":{{"entries":[
              {{"request":{{"method":"POST","url":"http://h/","postData":{{"text":"x","encoding":"quoted-printable"}}}}}},
              {{"request":{{"method":"POST","url":"http://h/"}},"response":{{"content":{{"text":"{big}","encoding":"base64"}}}}}},
              {{"request":{{"method":"POST","url":"http://h/"}},"response":{{"content":{{"text":"H4sIAAAA","encoding":"base64"}}}}}},
              {{"request":{{"method":"POST","url":"http://h/"}},"response":{{"content":{{"text":"!!","encoding":"base64"}}}}}}
            ]}}}}"#
        );
        let (info, got) = entries(&json);
        assert_eq!(info.expect("a HAR").entries, 4);
        let e = got[0].as_ref().expect("read");
        assert!(
            matches!(&e.request, Body::Unreadable(EntryError::UnknownEncoding { encoding, .. }) if encoding == "quoted-printable")
        );
        assert!(matches!(
            got[1].as_ref().expect("read").response,
            Body::TooLarge { .. }
        ));
        assert!(matches!(
            got[2].as_ref().expect("read").response,
            Body::Unreadable(EntryError::StillCompressed { .. })
        ));
        assert!(matches!(
            got[3].as_ref().expect("read").response,
            Body::Unreadable(EntryError::BadBase64 { .. })
        ));
    }
}
