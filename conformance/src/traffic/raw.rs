//! Raw message files, as server logs keep bodies: one message per file, its kind from the
//! file name when the name starts with a message name (`refund-response-7.txt`), else
//! from its content. In a directory the files are taken in name order, and a request
//! followed by its answer (`01-refund.txt`, `02-refund-response.txt`) is one exchange.

use std::io::Read as _;
use std::path::Path;

use allinpay_protocol::{MessageKind, MAX_INPUT_LEN};

use super::capture::{Body, Entry, EntryRef, InputFormat, InputInfo, Place, Problem, Sink};
use super::error::{EntryError, TrafficError};
use super::recognise::{answer_of, by_content, side_of};

/// At most this many files of one directory are read.
pub const MAX_FILES: usize = 100_000;

/// The message a file name names: the longest message name the name starts with, after
/// an optional numeric prefix (`01-`, `007_`).
pub fn kind_of_name(name: &str) -> Option<MessageKind> {
    let stem = name.trim_start_matches(|c: char| c.is_ascii_digit());
    let stem = stem.trim_start_matches(['-', '_', '.']);
    // After the name: the end, an extension, `_…`, or `-` and a number (`refund-2`), so
    // that `refund-response` is not read as `refund`.
    let ends_name = |rest: &str| {
        rest.is_empty()
            || rest.starts_with(['.', '_'])
            || rest
                .strip_prefix('-')
                .is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit()))
    };
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| stem.strip_prefix(k.name()).is_some_and(ends_name))
        .max_by_key(|k| k.name().len())
}

/// Reads one file of at most [`MAX_INPUT_LEN`] bytes.
fn read_message(path: &Path) -> Result<Vec<u8>, EntryError> {
    let file = std::fs::File::open(path).map_err(|e| EntryError::Syntax {
        why: format!("cannot read: {e}"),
    })?;
    let mut buf = Vec::new();
    file.take(MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| EntryError::Syntax {
            why: format!("cannot read: {e}"),
        })?;
    if buf.len() > MAX_INPUT_LEN {
        return Err(EntryError::BodyTooLarge {
            field: "the file".into(),
            len: buf.len(),
            limit: MAX_INPUT_LEN,
        });
    }
    Ok(buf)
}

/// A message file and the kind it holds.
struct Message {
    place: Place,
    kind: Option<MessageKind>,
    bytes: Vec<u8>,
}

fn message(path: &Path, place: Place, name: &str) -> Result<Message, Problem> {
    let bytes = read_message(path).map_err(|error| Problem {
        place: place.clone(),
        error,
    })?;
    let kind = kind_of_name(name).or_else(|| by_content(&bytes).map(|(k, _)| k));
    Ok(Message { place, kind, bytes })
}

fn entry_of(m: Message) -> Entry {
    let mut e = Entry {
        place: Some(m.place),
        ..Entry::default()
    };
    match m.kind {
        Some(k) if side_of(k) == super::capture::Side::Response => {
            e.response_kind = Some(k);
            e.response = Body::Bytes(m.bytes);
        }
        Some(k) => {
            e.request_kind = Some(k);
            e.request = Body::Bytes(m.bytes);
        }
        None => {
            e.request = Body::Bytes(m.bytes);
            e.notes
                .push("neither the file name nor the content names a message".into());
        }
    }
    e
}

/// One raw message file given on its own.
pub fn read_file(path: &Path, shown: &str, sink: &mut Sink<'_>) -> Result<InputInfo, TrafficError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| shown.to_owned());
    let place = Place {
        file: shown.to_owned(),
        entry: EntryRef::File(name.clone()),
    };
    sink(message(path, place, &name).map(entry_of));
    Ok(InputInfo {
        path: shown.to_owned(),
        format: InputFormat::RawFile,
        creator: None,
        version: None,
        entries: 1,
    })
}

/// A directory of raw message files, in name order; a request followed by its answer is
/// one exchange.
pub fn read_dir(dir: &Path, shown: &str, sink: &mut Sink<'_>) -> Result<InputInfo, TrafficError> {
    let io = |source| TrafficError::Io {
        path: shown.to_owned(),
        source,
    };
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).map_err(io)? {
        let e = e.map_err(io)?;
        if e.file_type().map_err(io)?.is_file() {
            let name = e.file_name().to_string_lossy().into_owned();
            if !name.starts_with('.') {
                names.push(name);
            }
        }
        if names.len() > MAX_FILES {
            return Err(TrafficError::TooLarge {
                path: shown.to_owned(),
                len: names.len() as u64,
                limit: MAX_FILES as u64,
                what: "files in a directory",
            });
        }
    }
    if names.is_empty() {
        return Err(TrafficError::EmptyDirectory {
            path: shown.to_owned(),
        });
    }
    names.sort();
    let mut pending: Option<Message> = None;
    for name in &names {
        let place = Place {
            file: shown.to_owned(),
            entry: EntryRef::File(name.clone()),
        };
        let m = match message(&dir.join(name), place, name) {
            Ok(m) => m,
            Err(p) => {
                if let Some(prev) = pending.take() {
                    sink(Ok(entry_of(prev)));
                }
                sink(Err(p));
                continue;
            }
        };
        match pending.take() {
            Some(req)
                if req.kind.and_then(answer_of).is_some_and(|a| {
                    Some(a) == m.kind
                        || m.kind == Some(MessageKind::ErrorResponse)
                        || (a == MessageKind::SyncResultIos
                            && m.kind == Some(MessageKind::SyncResultAndroid))
                }) =>
            {
                let mut e = entry_of(req);
                e.response_kind = m.kind;
                e.response = Body::Bytes(m.bytes);
                e.notes.push(format!("answered by {}", name));
                sink(Ok(e));
            }
            prev => {
                if let Some(prev) = prev {
                    sink(Ok(entry_of(prev)));
                }
                if m.kind.is_some_and(|k| answer_of(k).is_some()) {
                    pending = Some(m);
                } else {
                    sink(Ok(entry_of(m)));
                }
            }
        }
    }
    if let Some(prev) = pending {
        sink(Ok(entry_of(prev)));
    }
    Ok(InputInfo {
        path: shown.to_owned(),
        format: InputFormat::RawDirectory,
        creator: None,
        version: None,
        entries: names.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_name_kinds() {
        use MessageKind as K;
        for (name, kind) in [
            ("refund-response.txt", Some(K::RefundResponse)),
            ("refund-response-7.txt", Some(K::RefundResponse)),
            ("01-refund.txt", Some(K::Refund)),
            ("002_refund-query-response", Some(K::RefundQueryResponse)),
            ("pay-notify", Some(K::PayNotify)),
            ("refunds.txt", None),
            ("notes.txt", None),
        ] {
            assert_eq!(kind_of_name(name), kind, "{name}");
        }
    }
}
