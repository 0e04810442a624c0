//! Which format an input is, from what it is (a directory) and its first bytes: HAR
//! (`{"log"…` or a `.har` name), the line format, or one raw message; mitmproxy's
//! compressed and native dumps are named, not misread.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use allinpay_protocol::MAX_INPUT_LEN;

use super::capture::{InputInfo, Sink};
use super::error::TrafficError;
use super::{har, lines, raw};

/// The largest line-format file read (lines are streamed; this bounds a runaway file).
pub const MAX_LINES_FILE: u64 = har::MAX_HAR_FILE;

/// What the first bytes of a file say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sniffed {
    Har,
    Lines,
    Raw,
    Zlib,
    FlowDump,
}

fn sniff(head: &[u8], name: &str) -> Sniffed {
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".zhar")
        || (head.len() >= 2 && head[0] == 0x78 && matches!(head[1], 0x01 | 0x5e | 0x9c | 0xda))
    {
        return Sniffed::Zlib;
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let text = text.trim_ascii_start();
    if lower.ends_with(".har") {
        return Sniffed::Har;
    }
    if let Some(rest) = text.strip_prefix(b"{") {
        return if rest.trim_ascii_start().starts_with(b"\"log\"") {
            Sniffed::Har
        } else {
            Sniffed::Raw
        };
    }
    // mitmproxy's native format is a tnetstring: `LENGTH:` then the data.
    let digits = text.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && text.get(digits) == Some(&b':') {
        return Sniffed::FlowDump;
    }
    let first = String::from_utf8_lossy(text);
    let first = first
        .lines()
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .unwrap_or_default();
    if lines::looks_like(first) {
        Sniffed::Lines
    } else {
        Sniffed::Raw
    }
}

/// Reads one input (a file or a directory), handing its entries to `sink`. `shown` is
/// how the report names it.
pub fn read(path: &Path, sink: &mut Sink<'_>) -> Result<InputInfo, TrafficError> {
    let shown = path.display().to_string();
    let io = |source| TrafficError::Io {
        path: shown.clone(),
        source,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    if meta.is_dir() {
        return raw::read_dir(path, &shown, sink);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let mut reader = BufReader::with_capacity(64 * 1024, file.take(har::MAX_HAR_FILE + 1));
    let head = reader.fill_buf().map_err(io)?.to_vec();
    let kind = sniff(&head, &shown);
    let too_large = |limit: u64, what| TrafficError::TooLarge {
        path: shown.clone(),
        len: meta.len(),
        limit,
        what,
    };
    match kind {
        Sniffed::Zlib => Err(TrafficError::Compressed { path: shown }),
        Sniffed::FlowDump => Err(TrafficError::FlowDump { path: shown }),
        Sniffed::Har => {
            if meta.len() > har::MAX_HAR_FILE {
                return Err(too_large(har::MAX_HAR_FILE, "a HAR file"));
            }
            if head.starts_with(b"\xef\xbb\xbf") {
                reader.consume(3);
            }
            har::read(reader, &shown, sink)
        }
        Sniffed::Lines => {
            if meta.len() > MAX_LINES_FILE {
                return Err(too_large(MAX_LINES_FILE, "a line-format file"));
            }
            lines::read(reader, &shown, sink)
        }
        Sniffed::Raw => {
            if meta.len() > MAX_INPUT_LEN as u64 {
                return Err(too_large(
                    MAX_INPUT_LEN as u64,
                    "one raw message (HAR files are read from .har names or a {\"log\" start)",
                ));
            }
            drop(reader);
            raw::read_file(path, &shown, sink)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_by_first_bytes() {
        assert_eq!(sniff(b"{\n  \"log\": {", "x.json"), Sniffed::Har);
        assert_eq!(sniff(b"\xef\xbb\xbf{\"log\":{", "x"), Sniffed::Har);
        assert_eq!(sniff(b"{\"inputCharset\":\"1\"}", "pay.json"), Sniffed::Raw);
        assert_eq!(sniff(b"anything", "capture.HAR"), Sniffed::Har);
        assert_eq!(sniff(b"x\x9c\x01\x02", "d.bin"), Sniffed::Zlib);
        assert_eq!(sniff(b"{}", "d.zhar"), Sniffed::Zlib);
        assert_eq!(sniff(b"1234:4:type", "flows"), Sniffed::FlowDump);
        assert_eq!(
            sniff(b"# log\nrequest refund QQ==\n", "log"),
            Sniffed::Lines
        );
        assert_eq!(sniff(b"merchantId=1&version=v1.0", "n.txt"), Sniffed::Raw);
        assert_eq!(sniff(b"v2.4|1|100|x", "r.txt"), Sniffed::Raw);
    }
}
