//! What every input format reads into: one [`Entry`] per captured exchange (a HAR entry,
//! a request/answer pair of files, a line), its [`Place`] in the input, the capture time
//! and the bodies of either side.

use serde::Serialize;

use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::MessageKind;

use super::error::EntryError;

/// Where an entry is: the input file and the entry in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Place {
    /// The input as given on the command line.
    pub file: String,
    pub entry: EntryRef,
}

/// An entry of an input.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "camelCase")]
pub enum EntryRef {
    /// `log.entries[i]` of a HAR file (0-based, as the JSON array counts).
    Har(usize),
    /// A line of the line format (1-based, as editors count).
    Line(usize),
    /// A file of a directory of raw messages (its name).
    File(String),
}

impl std::fmt::Display for EntryRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EntryRef::Har(i) => write!(f, "entries[{i}]"),
            EntryRef::Line(n) => write!(f, "line {n}"),
            EntryRef::File(name) => f.write_str(name),
        }
    }
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.file, self.entry)
    }
}

/// Which side of an exchange a message travelled on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    /// The HTTP request (what the client sent).
    Request,
    /// The HTTP answer.
    Response,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Request => "request",
            Side::Response => "response",
        }
    }
}

/// A capture time: the text the input holds and the instant it names.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CaptureTime {
    /// As written in the input (HAR `startedDateTime`, ISO 8601).
    pub text: String,
    /// Milliseconds since the Unix epoch.
    #[serde(skip)]
    pub unix_ms: i64,
}

impl CaptureTime {
    /// The China Standard Time civil time of this instant, the zone of every datetime of
    /// the protocol.
    pub fn cst(&self) -> DateTime14 {
        DateTime14::from_unix_cst(self.unix_ms.div_euclid(1000))
    }
}

/// A body as the input holds it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Body {
    /// No body (a GET, or a tool that did not record it).
    #[default]
    Absent,
    /// The bytes, decoded from the input's encoding.
    Bytes(Vec<u8>),
    /// Larger than one message can be: not kept.
    TooLarge { len: usize },
    /// Present but unreadable: the reason names the member.
    Unreadable(EntryError),
}

impl Body {
    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Body::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

/// One captured exchange.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entry {
    pub place: Option<Place>,
    /// When the request started.
    pub started: Option<CaptureTime>,
    /// Milliseconds from the request's start to the end of the answer (HAR `time`).
    pub duration_ms: Option<i64>,
    pub method: Option<String>,
    pub url: Option<String>,
    /// The HTTP status of the answer (0 or absent: no answer).
    pub status: Option<u16>,
    pub request: Body,
    pub response: Body,
    /// The message kinds the input names (the line format, file names).
    pub request_kind: Option<MessageKind>,
    pub response_kind: Option<MessageKind>,
    /// Remarks on how the entry was read (a body rebuilt from `postData.params`, a time
    /// that does not parse).
    pub notes: Vec<String>,
}

impl Entry {
    /// The URL's path, without scheme, host and query.
    pub fn path(&self) -> Option<&str> {
        let url = self.url.as_deref()?;
        let rest = match url.find("://") {
            Some(i) => {
                let after = &url[i + 3..];
                &after[after.find('/').unwrap_or(after.len())..]
            }
            None => url,
        };
        let end = rest.find(['?', '#']).unwrap_or(rest.len());
        Some(&rest[..end])
    }

    /// The URL without its query and fragment (they may hold values not meant for a report).
    pub fn url_shown(&self) -> Option<String> {
        let url = self.url.as_deref()?;
        let end = url.find(['?', '#']).unwrap_or(url.len());
        Some(url[..end].to_owned())
    }

    /// The place, which every reader sets.
    pub fn place(&self) -> Place {
        self.place.clone().unwrap_or(Place {
            file: String::new(),
            entry: EntryRef::Har(0),
        })
    }
}

/// An entry that cannot be read at all, or a body that cannot be judged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub place: Place,
    pub error: EntryError,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.place, self.error)
    }
}

/// What a reader hands on, entry by entry.
pub type Sink<'a> = dyn FnMut(Result<Entry, Problem>) + 'a;

/// What an input held, for the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InputInfo {
    pub path: String,
    pub format: InputFormat,
    /// HAR `log.creator` (`name version`), when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// HAR `log.version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Entries handed on (read or not).
    pub entries: usize,
}

/// The input formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputFormat {
    /// HTTP Archive 1.2 (DevTools, mitmproxy, Charles, Fiddler).
    Har,
    /// A directory of raw message files.
    RawDirectory,
    /// One raw message file.
    RawFile,
    /// Lines `direction message-kind base64-bytes`.
    Lines,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Har => "HAR",
            InputFormat::RawDirectory => "directory of raw messages",
            InputFormat::RawFile => "raw message",
            InputFormat::Lines => "line format",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_shown_urls_drop_the_query() {
        let e = Entry {
            url: Some("https://ceshi.allinpay.com/gateway/index.do?x=1#f".into()),
            ..Entry::default()
        };
        assert_eq!(e.path(), Some("/gateway/index.do"));
        assert_eq!(
            e.url_shown().as_deref(),
            Some("https://ceshi.allinpay.com/gateway/index.do")
        );
        let bare = Entry {
            url: Some("http://host".into()),
            ..Entry::default()
        };
        assert_eq!(bare.path(), Some(""));
        let relative = Entry {
            url: Some("/mchtoq/refundQuery".into()),
            ..Entry::default()
        };
        assert_eq!(relative.path(), Some("/mchtoq/refundQuery"));
    }
}
