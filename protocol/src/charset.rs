//! Sign-source charsets (§2.1 `inputCharset`, §5.1 c).

use encoding_rs::{Encoding, GBK};

/// The charset in which a sign source is hashed.
///
/// The official SDKs hash UTF-8 whatever `inputCharset` says; GBK and GB2312
/// (`inputCharset` 2 and 3) are offered as options. encoding_rs (WHATWG) maps GB2312 to
/// GBK, a superset: for text inside GB2312 the bytes are the same. See ERRATA.md E-CHARSET.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Charset {
    #[default]
    /// UTF-8 (inputCharset 1).
    Utf8,
    /// GBK (inputCharset 2).
    Gbk,
    /// GB2312 (inputCharset 3), encoded as GBK.
    Gb2312,
}

impl Charset {
    /// Parses the CLI name (`utf-8`, `gbk`, `gb2312`, case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "utf-8" | "utf8" => Some(Self::Utf8),
            "gbk" => Some(Self::Gbk),
            "gb2312" => Some(Self::Gb2312),
            _ => None,
        }
    }

    /// The charset `inputCharset` names (1 UTF-8, 2 GBK, 3 GB2312).
    pub fn from_input_charset(code: &str) -> Option<Self> {
        match code {
            "1" => Some(Self::Utf8),
            "2" => Some(Self::Gbk),
            "3" => Some(Self::Gb2312),
            _ => None,
        }
    }

    /// The charset §5.1 c hashes in for a payData `inputCharset` (ERRATA E-CHARSET):
    /// 2 GBK, 3 GB2312, UTF-8 for 1, an unknown code or none.
    pub fn declared_by(input_charset: Option<&str>) -> Self {
        input_charset
            .and_then(Self::from_input_charset)
            .unwrap_or_default()
    }

    /// The CLI name (`utf-8`, `gbk`, `gb2312`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Utf8 => "utf-8",
            Self::Gbk => "gbk",
            Self::Gb2312 => "gb2312",
        }
    }

    pub(crate) fn encoding(self) -> Option<&'static Encoding> {
        match self {
            Self::Utf8 => None,
            Self::Gbk | Self::Gb2312 => Some(GBK),
        }
    }
}

/// Feeds `text` to `sink` in `charset` without allocating: UTF-8 as is, GBK through a
/// stack buffer. Returns `false` when a character has no GBK form.
///
/// Inlined: in UTF-8 (the common case) it is a single call of `sink`.
#[inline(always)]
pub(crate) fn feed(charset: Charset, text: &str, sink: &mut impl FnMut(&[u8])) -> bool {
    match charset.encoding() {
        None => {
            sink(text.as_bytes());
            true
        }
        Some(enc) => feed_encoded(enc, text, sink),
    }
}

/// The GBK side of [`feed`], out of line.
#[inline(never)]
fn feed_encoded(enc: &'static Encoding, text: &str, sink: &mut impl FnMut(&[u8])) -> bool {
    if text.is_ascii() {
        sink(text.as_bytes());
        return true;
    }
    let mut encoder = enc.new_encoder();
    let mut buf = [0u8; 256];
    let mut rest = text;
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(rest, &mut buf, true);
        sink(&buf[..written]);
        rest = &rest[read..];
        match result {
            encoding_rs::EncoderResult::InputEmpty => return true,
            encoding_rs::EncoderResult::OutputFull => continue,
            encoding_rs::EncoderResult::Unmappable(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_of_the_spec_product_name() {
        // 笔记本电脑 in GBK, from the GB18030 code chart (independent of encoding_rs).
        let mut out = Vec::new();
        assert!(feed(Charset::Gbk, "笔记本电脑", &mut |b| out
            .extend_from_slice(b)));
        assert_eq!(
            out,
            [0xB1, 0xCA, 0xBC, 0xC7, 0xB1, 0xBE, 0xB5, 0xE7, 0xC4, 0xD4]
        );
    }

    #[test]
    fn unmappable_is_reported() {
        assert!(!feed(Charset::Gbk, "😀", &mut |_| {}));
    }
}
