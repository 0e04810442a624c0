//! §5 签名机制: MD5 signing and verification, and the certificate mode ([`cert`]).
//!
//! The MD5 paths never allocate: the sign source is gathered in a stack buffer and fed to
//! the hasher in one call, and the hex is written to a stack buffer (issue #5 measures this
//! against the raw MD5 of the same bytes; `docs/performance.md`).

pub mod cert;

use md5::{Digest, Md5};
use subtle::ConstantTimeEq;

use crate::charset::{self, Charset};
use crate::error::{SignTypeCode, VerifyError};
use crate::key::MerchantKey;
use crate::msgs::Message;
use crate::spec::{FieldDef, Signing};

/// An MD5 digest as 32 uppercase hex ASCII digits (§5.2: "消息摘要中的字母需转换为大写字母").
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Md5Hex([u8; 32]);

impl Md5Hex {
    /// Uppercase hex of a 16-byte digest, branch-free and without table look-ups (the
    /// digest of a signature being computed is secret until it is compared).
    #[inline]
    fn from_digest(digest: &[u8]) -> Self {
        let mut out = [0u8; 32];
        for (pair, &b) in out.chunks_exact_mut(2).zip(digest) {
            pair[0] = hex_digit(b >> 4);
            pair[1] = hex_digit(b & 0x0f);
        }
        Self(out)
    }

    /// The hex text.
    pub fn as_str(&self) -> &str {
        // The buffer holds only ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares with a received `signMsg` in constant time (for equal lengths).
    pub fn verify(&self, received: &str) -> Result<(), VerifyError> {
        let received = received.as_bytes();
        if received.is_empty() {
            return Err(VerifyError::MissingSignature);
        }
        if received.len() != 32 {
            return Err(VerifyError::Md5WrongLength {
                len: received.len(),
            });
        }
        // Constant time: every byte is looked at, the difference is folded into one word
        // and only that word is tested (subtle's per-byte slice compare costs ~100 cycles).
        let diff = words(&self.0)
            .iter()
            .zip(words_of(received))
            .fold(0u64, |acc, (a, b)| acc | (a ^ b));
        if bool::from(diff.ct_eq(&0)) {
            return Ok(());
        }
        if self.0.to_ascii_lowercase() == received {
            return Err(VerifyError::LowercaseHex);
        }
        Err(VerifyError::Md5Mismatch)
    }
}

impl std::fmt::Display for Md5Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for Md5Hex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Md5Hex({})", self.as_str())
    }
}

/// `0`-`9`, `A`-`F` for a nibble, without branches: `n + '0'`, plus 7 when `n > 9`.
#[inline(always)]
fn hex_digit(n: u8) -> u8 {
    // For n < 16, `n + 0x76` has its top bit set exactly when n > 9.
    n + b'0' + ((n.wrapping_add(0x76) >> 7) * 7)
}

/// 32 bytes as four words (for comparisons).
#[inline(always)]
fn words(b: &[u8; 32]) -> [u64; 4] {
    std::array::from_fn(|i| u64::from_ne_bytes(std::array::from_fn(|j| b[8 * i + j])))
}

/// The first 32 bytes of `b` (zero-padded) as four words; callers check the length.
#[inline(always)]
fn words_of(b: &[u8]) -> [u64; 4] {
    let mut a = [0u8; 32];
    let n = b.len().min(32);
    a[..n].copy_from_slice(&b[..n]);
    words(&a)
}

/// Size of the stack buffer that gathers a sign source. The §5.2 example is 263 bytes and
/// a notification about 310; longer sources are fed in pieces of this size (never a heap
/// allocation).
const GATHER: usize = 512;

/// An MD5 hasher behind a stack buffer: small pieces (`&`, names, `=`, values) are copied
/// into the buffer and the hasher sees one large `update`, which is as fast as hashing a
/// contiguous string. Per-piece `update`s cost 20-30 cycles each in the block-buffer
/// bookkeeping, ~25% on top of the MD5 itself for a pay request.
struct GatheredMd5 {
    hasher: Md5,
    /// Bytes gathered and not yet hashed.
    len: usize,
    /// Bytes at the start of `buf` not to hash: the `&` written before the first field.
    skip: usize,
    buf: [u8; GATHER],
}

impl GatheredMd5 {
    #[inline(always)]
    fn new(skip_first_byte: bool) -> Self {
        Self {
            hasher: Md5::new(),
            len: 0,
            skip: usize::from(skip_first_byte),
            buf: [0; GATHER],
        }
    }

    #[inline(always)]
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) => {
                dst.copy_from_slice(bytes);
                self.len = end;
            }
            None => self.spill(bytes),
        }
    }

    #[inline(always)]
    fn push_byte(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(dst) => {
                *dst = b;
                self.len += 1;
            }
            None => self.spill(&[b]),
        }
    }

    /// The buffer is full: hashes it and starts over with `bytes`.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, bytes: &[u8]) {
        self.hasher
            .update(self.buf.get(self.skip..self.len).unwrap_or_default());
        self.skip = 0;
        self.len = 0;
        if bytes.len() >= GATHER {
            self.hasher.update(bytes);
        } else {
            self.push(bytes);
        }
    }

    #[inline(always)]
    fn finish(mut self) -> Md5Hex {
        self.hasher
            .update(self.buf.get(self.skip..self.len).unwrap_or_default());
        Md5Hex::from_digest(&self.hasher.finalize())
    }
}

/// Whether a field enters the §5.1 sign source: a signed field with a non-empty value.
#[inline]
fn enters_sign_source<'v>(def: &FieldDef, value: Option<&'v str>) -> Option<&'v str> {
    match value {
        Some(v) if def.signing == Signing::Signed && !v.is_empty() => Some(v),
        _ => None,
    }
}

/// Feeds the §5.1 sign source (without the key) to `sink`: the non-empty signed fields in
/// table order as `name=value`, joined by `&`, in `charset`.
pub fn feed_sign_source<M: Message>(
    msg: &M,
    charset: Charset,
    mut sink: impl FnMut(&[u8]),
) -> Result<(), VerifyError> {
    let mut first = true;
    let mut unencodable = None;
    msg.visit(|def, value| {
        let Some(v) = enters_sign_source(def, value) else {
            return;
        };
        if !first {
            sink(b"&");
        }
        first = false;
        sink(def.name.as_bytes());
        sink(b"=");
        if !charset::feed(charset, v, &mut sink) && unencodable.is_none() {
            unencodable = Some(def.name);
        }
    });
    match unencodable {
        Some(field) => Err(VerifyError::Unencodable { field }),
        None => Ok(()),
    }
}

/// The sign source as text (UTF-8, without the key), for display and diagnosis.
pub fn sign_source<M: Message>(msg: &M) -> String {
    let mut out = Vec::new();
    // UTF-8 never fails to encode.
    let _ = feed_sign_source(msg, Charset::Utf8, |b| out.extend_from_slice(b));
    String::from_utf8(out).unwrap_or_default()
}

/// §5.2: `signMsg = UPPER(HEX(MD5(signSource + "&key=" + key)))`.
pub fn md5_sign<M: Message>(
    msg: &M,
    key: &MerchantKey,
    charset: Charset,
) -> Result<Md5Hex, VerifyError> {
    // Every field and the key are written as `&name=value`; the first `&` is not hashed.
    // With no field at all that leaves `key=KEY`, as before.
    let mut md5 = GatheredMd5::new(true);
    let mut unencodable = None;
    // Inlined into every row of `visit`, so that the rows that never enter the sign source
    // (constant `signing`) compile to nothing and the others to a few stores and a copy.
    msg.visit(
        #[inline(always)]
        |def, value| {
            let Some(v) = enters_sign_source(def, value) else {
                return;
            };
            md5.push_byte(b'&');
            md5.push(def.name.as_bytes());
            md5.push_byte(b'=');
            if !charset::feed(charset, v, &mut |b| md5.push(b)) && unencodable.is_none() {
                unencodable = Some(def.name);
            }
        },
    );
    if let Some(field) = unencodable {
        return Err(VerifyError::Unencodable { field });
    }
    md5.push(b"&key=");
    if !charset::feed(charset, key.expose(), &mut |b| md5.push(b)) {
        return Err(VerifyError::Unencodable { field: "key" });
    }
    Ok(md5.finish())
}

/// §5.3 MD5 mode: recomputes the signature and compares it with the message's `signMsg`
/// in constant time.
pub fn md5_verify<M: Message>(
    msg: &M,
    key: &MerchantKey,
    charset: Charset,
) -> Result<(), VerifyError> {
    let received = msg.sign_msg().unwrap_or_default();
    if received.is_empty() {
        return Err(VerifyError::MissingSignature);
    }
    md5_sign(msg, key, charset)?.verify(received)
}

/// §3.8 MD5 mode of the text responses: `UPPER(HEX(MD5(text + "|" + key)))`, where `text`
/// is every byte before the signature line, line terminators included (the §3.8 example
/// `B93C478F…` reproduces only so; ERRATA E-3.8-TEXT).
pub fn text_md5_sign(text: &[u8], key: &MerchantKey) -> Md5Hex {
    let mut md5 = GatheredMd5::new(false);
    md5.push(text);
    md5.push_byte(b'|');
    md5.push(key.expose().as_bytes());
    md5.finish()
}

/// The certificate mode's signed bytes for texts: the uppercase hex MD5 of `text`
/// (§3.8 step a: `SecurityUtil.MD5Encode(signString)`).
pub fn text_digest(text: &[u8]) -> Md5Hex {
    Md5Hex::from_digest(&Md5::digest(text))
}

/// The raw MD5 of `bytes` in uppercase hex: the floor the benchmarks compare against.
pub fn md5_hex(bytes: &[u8]) -> Md5Hex {
    Md5Hex::from_digest(&Md5::digest(bytes))
}

/// What a verifier holds: the merchant's MD5 key, the gateway's certificate, or both.
#[derive(Clone, Copy, Debug, Default)]
pub struct Credentials<'a> {
    pub key: Option<&'a MerchantKey>,
    pub cert: Option<&'a cert::GatewayCert>,
}

/// `signType` as §5.3 reads it: 0 MD5, 1 certificate.
fn mode(sign_type: Option<&str>) -> Result<u8, VerifyError> {
    match sign_type {
        Some("0") => Ok(0),
        Some("1") => Ok(1),
        _ => Err(VerifyError::UnknownSignType),
    }
}

/// Verifies a gateway-signed `name=value` message (§2.2.3, §3.2, §3.6) by its signType:
/// 0 with the key (UTF-8), 1 with the certificate over the UTF-8 sign source.
pub fn verify_gateway_name_value<M: Message>(
    msg: &M,
    creds: Credentials<'_>,
) -> Result<(), VerifyError> {
    match mode(msg.get("signType"))? {
        0 => {
            let key = creds.key.ok_or(VerifyError::NeedKey(SignTypeCode(0)))?;
            md5_verify(msg, key, Charset::Utf8)
        }
        _ => {
            let cert = creds
                .cert
                .ok_or(VerifyError::NeedCertificate(SignTypeCode(1)))?;
            cert.verify_sign_source(msg, msg.sign_msg().unwrap_or_default())
        }
    }
}

/// Verifies a gateway-signed text (§3.4, §3.8, §4.2, §4.4): signType 0 compares
/// `MD5(text|key)`, signType 1 checks the RSA signature over the hex MD5 of `text`.
pub fn verify_gateway_text(
    text: &[u8],
    sign_type: Option<&str>,
    sign_msg: &str,
    creds: Credentials<'_>,
) -> Result<(), VerifyError> {
    match mode(sign_type)? {
        0 => {
            let key = creds.key.ok_or(VerifyError::NeedKey(SignTypeCode(0)))?;
            text_md5_sign(text, key).verify(sign_msg)
        }
        _ => {
            let cert = creds
                .cert
                .ok_or(VerifyError::NeedCertificate(SignTypeCode(1)))?;
            cert.verify_bytes(text_digest(text).as_bytes(), sign_msg)
        }
    }
}

/// Finishes a hasher that was fed elsewhere.
pub(crate) fn md5_hex_of(hasher: Md5) -> Md5Hex {
    Md5Hex::from_digest(&hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_names_the_failure() {
        let h = md5_hex(b"abc");
        assert_eq!(h.as_str(), "900150983CD24FB0D6963F7D28E17F72");
        assert_eq!(h.verify("900150983CD24FB0D6963F7D28E17F72"), Ok(()));
        assert_eq!(
            h.verify("900150983cd24fb0d6963f7d28e17f72"),
            Err(VerifyError::LowercaseHex)
        );
        assert_eq!(
            h.verify("900150983CD24FB0D6963F7D28E17F73"),
            Err(VerifyError::Md5Mismatch)
        );
        assert_eq!(h.verify("ABC"), Err(VerifyError::Md5WrongLength { len: 3 }));
        assert_eq!(h.verify(""), Err(VerifyError::MissingSignature));
    }
}
