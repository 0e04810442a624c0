//! §5 签名机制: MD5 signing and verification, and the certificate mode ([`cert`]).
//!
//! The MD5 paths never allocate: the sign source is gathered in a stack buffer whose
//! blocks are compressed as they fill, and the hex is written to a stack buffer, so that
//! signing costs little more than the raw MD5 of the same bytes (`docs/performance.md`,
//! `benches/callgrind.sh`).

pub mod cert;
mod text;

pub use text::{verify_gateway_text, TextForm};

use md5::digest::core_api::{Block, Buffer, FixedOutputCore, UpdateCore};
use md5::digest::Output;
use md5::{Digest, Md5, Md5Core};
use subtle::ConstantTimeEq;

use crate::charset::{self, Charset};
use crate::enums::SignType;
use crate::error::{SignTypeCode, VerifyError};
use crate::key::MerchantKey;
use crate::msgs::Message;
use crate::spec::{FieldDef, Signing};

/// An MD5 digest as 32 uppercase hex ASCII digits (§5.2: "消息摘要中的字母需转换为大写字母").
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Md5Hex([u8; 32]);

impl Md5Hex {
    /// Uppercase hex of a digest, branch-free and without table look-ups (the digest of a
    /// signature being computed is secret until it is compared).
    #[inline]
    fn from_digest(digest: [u8; 16]) -> Self {
        let mut out = [0u8; 32];
        for (pair, &b) in out.chunks_exact_mut(2).zip(&digest) {
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

    /// The 32 hex digits as bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Compares with a received `signMsg` in constant time (for equal lengths).
    pub fn verify(&self, received: &str) -> Result<(), VerifyError> {
        let received = received.as_bytes();
        if received.is_empty() {
            return Err(VerifyError::MissingSignature);
        }
        let Ok(received) = <&[u8; 32]>::try_from(received) else {
            return Err(VerifyError::Md5WrongLength {
                len: received.len(),
            });
        };
        // Constant time: every byte is looked at, the differences are folded into one word
        // and only that word is tested (subtle's per-byte slice compare costs ~100 cycles).
        let diff = words(&self.0)
            .iter()
            .zip(words(received))
            .fold(0u64, |acc, (a, b)| acc | (a ^ b));
        // Nothing else is computed from the digest here: hints such as "right MD5 in
        // lowercase" are `diagnose`'s work, off the verify path.
        if bool::from(diff.ct_eq(&0)) {
            Ok(())
        } else {
            Err(VerifyError::Md5Mismatch)
        }
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

/// `dst.copy_from_slice(src)` for equal lengths, with the lengths of most field values
/// (up to 16 bytes) done inline as two overlapping moves rather than by a call of `memcpy`.
#[inline(always)]
fn copy_short(dst: &mut [u8], src: &[u8]) {
    let n = src.len();
    if n > 16 || n != dst.len() {
        dst.copy_from_slice(src);
    } else if n >= 8 {
        dst[..8].copy_from_slice(&src[..8]);
        dst[n - 8..].copy_from_slice(&src[n - 8..]);
    } else if n >= 4 {
        dst[..4].copy_from_slice(&src[..4]);
        dst[n - 4..].copy_from_slice(&src[n - 4..]);
    } else if n > 0 {
        dst[0] = src[0];
        dst[n / 2] = src[n / 2];
        dst[n - 1] = src[n - 1];
    }
}

/// Size of the stack buffer in which a sign source is gathered (a multiple of the block).
/// The §5.2 example's sign source is 263 bytes, a notification's about 310: both fit, and
/// no block is ever moved.
const GATHER: usize = 512;

/// Pieces this long or longer (a text response, a long value) are not copied: their whole
/// blocks are hashed where they are.
const LONG: usize = 128;

/// MD5 over a stack buffer: the sign source's small pieces (`&`, names, `=`, values) are
/// copied into a buffer, and each 64-byte block is compressed as soon as it is complete.
/// The MD5 core sees whole blocks only, as when hashing one contiguous string; per-piece
/// `Md5::update` calls cost ~25% on top of the MD5 itself for a pay request, in the
/// block-buffer bookkeeping. Compressing block by block, rather than all at the end, lets
/// the CPU gather the next fields while the previous block's dependency chain completes.
struct Md5Stream {
    core: Md5Core,
    buf: [u8; GATHER],
    /// `buf[done..len]` is gathered and not yet hashed: fewer than 64 bytes after
    /// [`Self::compress_full`]. Only ever passed by value, so that they live in registers.
    done: usize,
    len: usize,
}

#[inline(always)]
fn compress_at(core: &mut Md5Core, buf: &[u8], at: usize) {
    let block = &buf[at..at + 64];
    core.update_blocks(std::slice::from_ref(Block::<Md5Core>::from_slice(block)));
}

/// A long piece, or one that does not fit in the rest of `buf`, given the gathered
/// `buf[done..len]`: the pending bytes move to the front, `bytes` completes their block,
/// its whole blocks are hashed in place, and its tail is kept. No heap, whatever the
/// length. Returns the new `len` (with `done` 0).
#[inline(never)]
fn push_long(
    core: &mut Md5Core,
    buf: &mut [u8; GATHER],
    mut done: usize,
    len: usize,
    mut bytes: &[u8],
) -> usize {
    while len - done >= 64 {
        compress_at(core, buf, done);
        done += 64;
    }
    buf.copy_within(done..len, 0);
    let pending = len - done;
    if pending > 0 {
        let n = (64 - pending).min(bytes.len());
        buf[pending..pending + n].copy_from_slice(&bytes[..n]);
        bytes = &bytes[n..];
        if bytes.is_empty() {
            return pending + n;
        }
        // The pending block is complete.
        compress_at(core, buf, 0);
    }
    let (whole, tail) = bytes.split_at(bytes.len() - bytes.len() % 64);
    for block in whole.chunks_exact(64) {
        compress_at(core, block, 0);
    }
    buf[..tail.len()].copy_from_slice(tail);
    tail.len()
}

impl Md5Stream {
    #[inline(always)]
    fn new() -> Self {
        Self {
            core: Md5Core::default(),
            buf: [0; GATHER],
            done: 0,
            len: 0,
        }
    }

    #[inline(always)]
    fn push(&mut self, bytes: &[u8]) {
        let end = self.len + bytes.len();
        match self.buf.get_mut(self.len..end) {
            Some(dst) if bytes.len() < LONG => {
                copy_short(dst, bytes);
                self.len = end;
            }
            _ => {
                self.len = push_long(&mut self.core, &mut self.buf, self.done, self.len, bytes);
                self.done = 0;
            }
        }
    }

    #[inline(always)]
    fn push_byte(&mut self, b: u8) {
        match self.buf.get_mut(self.len) {
            Some(dst) => {
                *dst = b;
                self.len += 1;
            }
            None => {
                self.len = push_long(&mut self.core, &mut self.buf, self.done, self.len, &[b]);
                self.done = 0;
            }
        }
    }

    /// Hashes every complete block gathered.
    #[inline(always)]
    fn compress_full(&mut self) {
        while self.len - self.done >= 64 {
            compress_at(&mut self.core, &self.buf, self.done);
            self.done += 64;
        }
    }

    #[inline(always)]
    fn finish(&mut self) -> Md5Hex {
        self.compress_full();
        // Fewer than 64 bytes: they stay in the block buffer, no block is hashed here.
        let mut tail = Buffer::<Md5Core>::default();
        let core = &mut self.core;
        tail.digest_blocks(&self.buf[self.done..self.len], |blocks| {
            core.update_blocks(blocks)
        });
        let mut out = Output::<Md5Core>::default();
        self.core.finalize_fixed_core(&mut tail, &mut out);
        Md5Hex::from_digest(out.into())
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

/// The values that hold `&` + a field name of their own table + `=`: the §5.1 source
/// is not escaped, so `ext1=A&ext2=coupon=5` with ext2 absent signs exactly as ext1 `A`
/// and ext2 `coupon=5` (ERRATA E-5.1-REPARTITION). Pairs (field, name held). Time: the
/// value's length times the table's size, both bounded.
pub fn repartitions<M: Message>(msg: &M) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    msg.visit(|def, value| {
        let Some(v) = enters_sign_source(def, value) else {
            return;
        };
        if !v.contains('&') {
            return;
        }
        for other in M::DEF.fields {
            if other.signing != Signing::Signed {
                continue;
            }
            let needle_len = other.name.len() + 2;
            let found = v.match_indices('&').any(|(i, _)| {
                v.as_bytes()
                    .get(i + 1..i + needle_len)
                    .is_some_and(|rest| rest.strip_suffix(b"=") == Some(other.name.as_bytes()))
            });
            if found {
                out.push((def.name, other.name));
            }
        }
    });
    out
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
    // One instance per charset family: in the UTF-8 one nothing but MD5 sees the stream, so
    // its counters stay in registers.
    match charset {
        Charset::Utf8 => md5_sign_with(msg, key, |md5, text| {
            md5.push(text.as_bytes());
            true
        }),
        Charset::Gbk | Charset::Gb2312 => md5_sign_with(msg, key, |md5, text| {
            charset::feed(charset, text, &mut |b| md5.push(b))
        }),
    }
}

/// [`md5_sign`] with `encode` writing a value (or the key) in the charset; `false` if it
/// cannot be encoded.
#[inline(always)]
fn md5_sign_with<M: Message>(
    msg: &M,
    key: &MerchantKey,
    encode: impl Fn(&mut Md5Stream, &str) -> bool,
) -> Result<Md5Hex, VerifyError> {
    let mut first = true;
    let mut md5 = Md5Stream::new();
    let mut unencodable = None;
    // Inlined into every row of `visit`, so that the rows that never enter the sign source
    // (constant `signing`) compile to nothing and the others to a few stores and a copy.
    msg.visit(
        #[inline(always)]
        |def, value| {
            let Some(v) = enters_sign_source(def, value) else {
                return;
            };
            if !first {
                md5.push_byte(b'&');
            }
            first = false;
            md5.push(def.name.as_bytes());
            md5.push_byte(b'=');
            if !encode(&mut md5, v) && unencodable.is_none() {
                unencodable = Some(def.name);
            }
            // Hash each block as soon as it is complete: the CPU gathers the next fields
            // while the block's dependency chain runs.
            md5.compress_full();
        },
    );
    if let Some(field) = unencodable {
        return Err(VerifyError::Unencodable { field });
    }
    md5.push(if first { b"key=" } else { b"&key=" });
    if !encode(&mut md5, key.expose()) {
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
/// is the signed text in one of its [`TextForm`]s.
pub fn text_md5_sign(text: &[u8], key: &MerchantKey) -> Md5Hex {
    // Three pieces, the first one long: the text's whole blocks are hashed where they lie and
    // only its tail, `|` and the key pass through the 64-byte block buffer (no gathering
    // buffer to clear, as `Md5Stream` needs for the many short pieces of a sign source).
    let mut core = Md5Core::default();
    let mut tail = Buffer::<Md5Core>::default();
    for piece in [text, b"|", key.expose().as_bytes()] {
        tail.digest_blocks(piece, |blocks| core.update_blocks(blocks));
    }
    let mut out = Output::<Md5Core>::default();
    core.finalize_fixed_core(&mut tail, &mut out);
    Md5Hex::from_digest(out.into())
}

/// The certificate mode's signed bytes for texts: the uppercase hex MD5 of `text`
/// (§3.8 step a: `SecurityUtil.MD5Encode(signString)`).
pub fn text_digest(text: &[u8]) -> Md5Hex {
    Md5Hex::from_digest(Md5::digest(text).into())
}

/// The raw MD5 of `bytes` in uppercase hex: the floor the benchmarks compare against.
pub fn md5_hex(bytes: &[u8]) -> Md5Hex {
    Md5Hex::from_digest(Md5::digest(bytes).into())
}

/// What a verifier holds: the merchant's MD5 key, the gateway's certificate, or both, and
/// the sign type the merchant ordered with.
#[derive(Clone, Copy, Debug, Default)]
pub struct Credentials<'a> {
    /// The merchant's MD5 key (signType 0, and every merchant signature).
    pub key: Option<&'a MerchantKey>,
    /// The gateway's certificate (signType 1 answers).
    pub cert: Option<&'a cert::GatewayCert>,
    /// The merchant's configured signType (0 MD5, 1 certificate). §2.2.3: the answer's
    /// signType is "与提交订单时的签名类型保持一致"; a message claiming another is refused,
    /// whatever credentials are present (else an MD5 forgery downgrades a certificate
    /// merchant). `None`: the message's own signType chooses, as §5.3 reads it.
    pub expected_sign_type: Option<u8>,
}

impl<'a> Credentials<'a> {
    /// `signType` as §5.3 reads it (0 MD5, 1 certificate), held to the configured one.
    fn mode(&self, sign_type: Option<&str>) -> Result<u8, VerifyError> {
        let declared = sign_type
            .and_then(SignType::known)
            .and_then(|t| t.code())
            .ok_or(VerifyError::UnknownSignType)?;
        match self.expected_sign_type {
            Some(configured) if configured != declared => Err(VerifyError::SignTypeMismatch {
                declared: SignTypeCode(declared),
                configured: SignTypeCode(configured),
            }),
            _ => Ok(declared),
        }
    }
}

/// Verifies a gateway-signed `name=value` message (§2.2.3, §3.2, §3.6) by its signType:
/// 0 with the key (UTF-8), 1 with the certificate over the UTF-8 sign source.
pub fn verify_gateway_name_value<M: Message>(
    msg: &M,
    creds: Credentials<'_>,
) -> Result<(), VerifyError> {
    match creds.mode(msg.get("signType"))? {
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

/// Finishes a hasher that was fed elsewhere.
pub(crate) fn md5_hex_of(hasher: Md5) -> Md5Hex {
    Md5Hex::from_digest(hasher.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_names_the_failure() {
        let h = md5_hex(b"abc");
        assert_eq!(h.as_str(), "900150983CD24FB0D6963F7D28E17F72");
        assert_eq!(h.verify("900150983CD24FB0D6963F7D28E17F72"), Ok(()));
        // Lowercase is a mismatch like any other (§5.2: uppercase); a hint would need a
        // second, variable-time comparison.
        assert_eq!(
            h.verify("900150983cd24fb0d6963f7d28e17f72"),
            Err(VerifyError::Md5Mismatch)
        );
        assert_eq!(
            h.verify("900150983CD24FB0D6963F7D28E17F73"),
            Err(VerifyError::Md5Mismatch)
        );
        assert_eq!(h.verify("ABC"), Err(VerifyError::Md5WrongLength { len: 3 }));
        assert_eq!(h.verify(""), Err(VerifyError::MissingSignature));
    }

    fn naive_md5(bytes: &[u8]) -> String {
        Md5::digest(bytes)
            .iter()
            .map(|b| format!("{b:02X}"))
            .collect()
    }

    #[test]
    fn hex_of_every_byte_value() {
        for first in (0..=255u8).step_by(16) {
            let d: [u8; 16] = std::array::from_fn(|i| first.wrapping_add(i as u8));
            let want: String = d.iter().map(|b| format!("{b:02X}")).collect();
            assert_eq!(Md5Hex::from_digest(d).as_str(), want);
        }
    }

    #[test]
    fn stream_matches_contiguous_md5_at_every_length() {
        // Lengths across the 64-byte blocks and the 256-byte stack buffer, in pieces of
        // every size up to 3 buffers.
        let key = MerchantKey::new("1234567890").expect("a test key");
        let data: Vec<u8> = (0..1100u32).map(|i| (i * 7 % 251) as u8).collect();
        for len in (0..70)
            .chain(240..270)
            .chain([511, 512, 513, 767, 768, 769, 1099])
        {
            let text = &data[..len];
            let mut whole = text.to_vec();
            whole.extend_from_slice(b"|1234567890");
            assert_eq!(
                text_md5_sign(text, &key).as_str(),
                naive_md5(&whole),
                "len {len}"
            );
            for piece in [1, 3, 63, 64, 65, 200, 300] {
                let mut s = Md5Stream::new();
                text.chunks(piece).for_each(|c| s.push(c));
                s.push_byte(b'|');
                s.push(b"1234567890");
                assert_eq!(
                    s.finish().as_str(),
                    naive_md5(&whole),
                    "len {len} piece {piece}"
                );
            }
        }
    }

    #[test]
    fn md5_sign_matches_the_naive_sign_source() {
        use crate::msgs::PayRequest;
        let key = MerchantKey::new("1234567890").expect("a test key");
        for n in [0, 1, 50, 180, 181, 250, 600, 1500] {
            let req = PayRequest {
                input_charset: Some("1".into()),
                version: Some("v1.0".into()),
                language: Some(String::new()),
                product_name: Some("笔".repeat(n)),
                ..PayRequest::default()
            };
            for charset in [Charset::Utf8, Charset::Gbk] {
                let mut src = Vec::new();
                feed_sign_source(&req, charset, |b| src.extend_from_slice(b)).unwrap();
                src.extend_from_slice(b"&key=1234567890");
                let got = md5_sign(&req, &key, charset).unwrap();
                assert_eq!(got.as_str(), naive_md5(&src), "{n} {charset:?}");
            }
        }
        // No field at all: the sign source is `key=KEY`.
        let got = md5_sign(&PayRequest::default(), &key, Charset::Utf8).unwrap();
        assert_eq!(got.as_str(), naive_md5(b"key=1234567890"));
    }
}
