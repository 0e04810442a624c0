//! The value transforms the mistakes apply: fen to yuan (§2.1), the percent-decodings
//! of a form body (§5.1 signs the decoded values), hex and the charsets a source is
//! hashed in (§5.1 c, §5.2).

use allinpay_protocol::Charset;

/// Cents to yuan: `1000` → `10.00` (decimals) or `10` (short; `1050` → `10.5`); amounts
/// travel in fen (§2.1).
pub(super) fn yuan(cents: &str, decimals: bool) -> Option<String> {
    if cents.is_empty() || !cents.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u128 = cents.parse().ok()?;
    let (whole, frac) = (n / 100, n % 100);
    Some(if decimals {
        format!("{whole}.{frac:02}")
    } else if frac == 0 {
        whole.to_string()
    } else {
        format!("{whole}.{frac:02}")
            .trim_end_matches('0')
            .to_owned()
    })
}

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decoding with `keep(byte)` saying which decoded ASCII bytes stay escaped and
/// `plus` whether `+` is a space. Bad escapes stay as they are; invalid UTF-8 is replaced.
pub(super) fn percent_decode(raw: &str, keep: impl Fn(u8) -> bool, plus: bool) -> String {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' if plus => out.push(b' '),
            b'%' => match (
                b.get(i + 1).copied().and_then(hex_val),
                b.get(i + 2).copied().and_then(hex_val),
            ) {
                (Some(h), Some(l)) => {
                    let v = h * 16 + l;
                    if v < 0x80 && keep(v) {
                        out.extend_from_slice(&b[i..i + 3]);
                    } else {
                        out.push(v);
                    }
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// JavaScript's `decodeURI`: the escapes of `; / ? : @ & = + $ , #` are kept, `+` stays.
pub(super) fn decode_uri(raw: &str) -> String {
    percent_decode(raw, |c| b";/?:@&=+$,#".contains(&c), false)
}

/// 32 hex digits as the 16 bytes of a digest.
pub(super) fn sig_bytes(sig: &str) -> Option<[u8; 16]> {
    let b = sig.as_bytes();
    if b.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, o) in out.iter_mut().enumerate() {
        *o = hex_val(b[2 * i])? * 16 + hex_val(b[2 * i + 1])?;
    }
    Some(out)
}

/// A digest in hex; §5.2 writes signMsg in uppercase.
pub(super) fn hex(d: &[u8], lowercase: bool) -> String {
    let mut out = String::with_capacity(2 * d.len());
    for b in d {
        if lowercase {
            out.push_str(&format!("{b:02x}"));
        } else {
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

/// `text` in `charset`; `None` when it holds a character GBK cannot encode (§5.1 c).
pub(super) fn encode(text: String, charset: Charset) -> Option<Vec<u8>> {
    match charset {
        Charset::Utf8 => Some(text.into_bytes()),
        Charset::Gbk | Charset::Gb2312 => {
            let (b, _, unmappable) = encoding_rs::GBK.encode(&text);
            (!unmappable).then(|| b.into_owned())
        }
    }
}

/// `text` in GBK as Java's `getBytes("GBK")` and PHP's `mb_convert_encoding` write it: a
/// character GBK lacks becomes `?` (the GBK-charset mistake on UTF-8 text, §5.1 c).
pub(super) fn encode_gbk_lossy(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for c in text.chars() {
        let (b, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
        if unmappable {
            out.push(b'?');
        } else {
            out.extend_from_slice(&b);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_forms() {
        assert_eq!(yuan("1000", true).as_deref(), Some("10.00"));
        assert_eq!(yuan("1000", false).as_deref(), Some("10"));
        assert_eq!(yuan("1050", false).as_deref(), Some("10.5"));
        assert_eq!(yuan("1", true).as_deref(), Some("0.01"));
        assert_eq!(yuan("1", false).as_deref(), Some("0.01"));
        assert_eq!(yuan("x", true), None);
    }

    #[test]
    fn decode_uri_keeps_reserved_escapes() {
        assert_eq!(
            decode_uri("%3CUSER%3E1%3C%2FUSER%3E+a%3Db%26c%E7%AC%94"),
            "<USER>1<%2FUSER>+a%3Db%26c笔"
        );
        assert_eq!(percent_decode("a+b%2F%", |_| false, false), "a+b/%");
        assert_eq!(percent_decode("a+b%2F", |_| false, true), "a b/");
    }

    #[test]
    fn gbk_lossy_replaces_what_gbk_lacks() {
        // 中 is D6 D0 in GBK; U+20BB7 (𠮷) is not in GBK.
        assert_eq!(encode_gbk_lossy("a中\u{20BB7}b"), b"a\xD6\xD0?b".to_vec());
    }
}
