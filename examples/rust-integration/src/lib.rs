//! A small merchant back end, written from the spec alone, as a Rust integrator would:
//! it signs pay requests (§2.1, §5.1, §5.2; UTF-8 only) and verifies the gateway's MD5
//! notifications (§2.2.3, also the §3.2 query answer). `tests/allinpay.rs` runs the
//! conformance suite against it in this crate's own `cargo test`.

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

/// §2.1 payData: the signed fields in table order (cardNo and the international-card
/// fields are not signed; §5.4 puts the latter into ext1).
pub const PAY_REQUEST_SIGNED: &[&str] = &[
    "inputCharset",
    "receiveUrl",
    "version",
    "language",
    "signType",
    "merchantId",
    "orderNo",
    "orderAmount",
    "orderCurrency",
    "orderDatetime",
    "productName",
    "ext1",
    "payType",
    "issuerId",
    "tradeNature",
];

/// §2.2.3: the notification's fields in table order, all signed but signMsg.
pub const NOTIFY_FIELDS: &[&str] = &[
    "merchantId",
    "version",
    "language",
    "signType",
    "payType",
    "issuerId",
    "paymentOrderId",
    "orderNo",
    "orderDatetime",
    "orderAmount",
    "payDatetime",
    "payAmount",
    "ext1",
    "ext2",
    "payResult",
    "errorCode",
    "returnDatetime",
];

/// Why a notification is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The body is not a well-formed form (a pair without `=`, a bad escape, not UTF-8, a
    /// field twice).
    Malformed(String),
    /// The merchant key is empty: anyone could forge `MD5(source&key=)`.
    BlankKey,
    /// The notification's signType is not the one the orders use.
    SignType {
        declared: String,
        configured: String,
    },
    /// signType 1: the certificate mode, which this back end does not use.
    CertificateMode,
    /// signMsg is missing or does not match.
    BadSignature,
}

/// `UPPER(HEX(MD5(source + "&key=" + key)))` over `fields` in `order`, non-empty only.
pub fn md5_sign(order: &[&str], get: impl Fn(&str) -> Option<String>, key: &str) -> String {
    let mut source = String::new();
    for name in order {
        if let Some(v) = get(name).filter(|v| !v.is_empty()) {
            if !source.is_empty() {
                source.push('&');
            }
            source.push_str(name);
            source.push('=');
            source.push_str(&v);
        }
    }
    source.push_str(if source.is_empty() { "key=" } else { "&key=" });
    source.push_str(key);
    Md5::digest(source.as_bytes())
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Decodes a form body strictly: `+` is a space, `%XY` two hex digits, UTF-8, each name
/// once; empty pairs (a trailing `&`) are skipped.
pub fn parse_form(body: &str) -> Result<Vec<(String, String)>, Refusal> {
    let body = body.trim_end_matches(['\r', '\n']);
    let mut out: Vec<(String, String)> = Vec::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let Some((n, v)) = pair.split_once('=') else {
            return Err(Refusal::Malformed(format!("{pair:?} has no '='")));
        };
        let (n, v) = (decode(n)?, decode(v)?);
        if out.iter().any(|(m, _)| *m == n) {
            return Err(Refusal::Malformed(format!("{n} appears twice")));
        }
        out.push((n, v));
    }
    Ok(out)
}

fn decode(raw: &str) -> Result<String, Refusal> {
    let b = raw.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = b
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
                    .ok_or_else(|| Refusal::Malformed(format!("bad escape in {raw:?}")))?;
                out.push(hex);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| Refusal::Malformed("not UTF-8".into()))
}

/// Verifies a notification body with the merchant key. `configured` is the signType the
/// merchant's orders use (§2.2.3: the answer keeps it).
pub fn verify_notification(body: &str, key: &str, configured: Option<&str>) -> Result<(), Refusal> {
    if key.trim().is_empty() {
        return Err(Refusal::BlankKey);
    }
    let fields = parse_form(body)?;
    let get = |n: &str| fields.iter().find(|(m, _)| m == n).map(|(_, v)| v.clone());
    let declared = get("signType").unwrap_or_default();
    if let Some(c) = configured {
        if c != declared {
            return Err(Refusal::SignType {
                declared,
                configured: c.to_owned(),
            });
        }
    }
    if declared == "1" {
        return Err(Refusal::CertificateMode);
    }
    let received = get("signMsg").unwrap_or_default();
    let expected = md5_sign(NOTIFY_FIELDS, get, key);
    if received.is_empty() || !bool::from(expected.as_bytes().ct_eq(received.as_bytes())) {
        return Err(Refusal::BadSignature);
    }
    Ok(())
}
