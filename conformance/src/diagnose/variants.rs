//! The variant builder: the bytes a signer hashes when it makes a given set of mistakes.
//! With no mistake it builds the §5.1 sign source with §5.2's `&key=KEY` (or a text's
//! §3.8 lines with `|KEY`) in the charset inputCharset declares; the search checks that
//! this agrees with the library before trusting any variant.

use md5::{Digest, Md5};

use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{Format, Signing};
use allinpay_protocol::{Charset, MerchantKey};

use super::input::{Flat, Input, Slot, Text};
use super::mistakes::Mistake;
use super::transforms::{decode_uri, encode, encode_gbk_lossy, hex, percent_decode, yuan};

/// A `name=value` variant's sign source before the key is appended: §5.1's non-empty
/// fields of the table, in its order, joined by `&`, with `set`'s mistakes made.
pub(super) fn flat_source(f: &Flat, set: &[Mistake]) -> String {
    let has = |m: Mistake| set.contains(&m);
    let changes_values = set.iter().any(|m| {
        matches!(
            m,
            Mistake::AmountInYuan
                | Mistake::AmountInYuanDecimals
                | Mistake::PayType0
                | Mistake::PayType00
                | Mistake::UrlEncodedValues
                | Mistake::DecodeUriValues
                | Mistake::PlusKept
                | Mistake::DoubleDecoded
        )
    });
    let transform = |i: usize| -> String {
        let (def, v) = &f.rows[i];
        if !changes_values {
            return v.clone().unwrap_or_default();
        }
        let original = v.clone().unwrap_or_default();
        let mut value = original.clone();
        if def.format == Format::Amount {
            let alt = if has(Mistake::AmountInYuanDecimals) {
                yuan(&value, true)
            } else if has(Mistake::AmountInYuan) {
                yuan(&value, false)
            } else {
                None
            };
            value = alt.unwrap_or(value);
        }
        if def.name == "payType" {
            if has(Mistake::PayType00) && value == "0" {
                value = "00".into();
            } else if has(Mistake::PayType0) && value == "00" {
                value = "0".into();
            }
        }
        let raw = || match (&f.raw[i], value == original) {
            (Some(r), true) => r.clone(),
            _ => form_urlencoded::byte_serialize(value.as_bytes()).collect(),
        };
        if has(Mistake::UrlEncodedValues) {
            value = form_urlencoded::byte_serialize(value.as_bytes()).collect();
        } else if has(Mistake::DecodeUriValues) {
            value = decode_uri(&raw());
        } else if has(Mistake::PlusKept) {
            value = percent_decode(&raw(), |_| false, false);
        } else if has(Mistake::DoubleDecoded) {
            value = percent_decode(&value, |_| false, true);
        }
        value
    };
    // Whether row i enters the source in this variant.
    let include = |i: usize| -> bool {
        let (def, v) = &f.rows[i];
        if has(Mistake::FieldLeftOut(i as u16)) {
            return false;
        }
        match def.signing {
            Signing::Signed => match v.as_deref() {
                Some(s) if !s.is_empty() => true,
                Some(_) => has(Mistake::EmptyFieldsSigned) || has(Mistake::AllTableFieldsSigned),
                None => has(Mistake::AllTableFieldsSigned),
            },
            Signing::NotSigned => has(Mistake::CardNoSigned) && f.nonempty(i),
            Signing::Ext1Digest => has(Mistake::InternationalFieldsSigned) && f.nonempty(i),
            Signing::Signature => false,
        }
    };
    let extra_in = |e: usize| -> bool {
        let x = &f.extras[e];
        (has(Mistake::ExtraFieldSigned(e as u16)) || has(Mistake::ExtraFieldsSigned))
            && (!x.value.is_empty() || has(Mistake::EmptyFieldsSigned))
    };
    let misspelt = |e: usize| has(Mistake::MisspeltField(e as u16));
    let mut parts: Vec<(String, String)> = Vec::new();
    let push_row = |parts: &mut Vec<(String, String)>, i: usize| {
        for e in 0..f.extras.len() {
            if misspelt(e) && f.extras[e].like == Some(i) {
                parts.push((f.extras[e].name.clone(), f.extras[e].value.clone()));
            }
        }
        let replaced = set.iter().find_map(|m| match *m {
            Mistake::FieldInPlaceOf { signed, instead_of } if instead_of as usize == i => {
                Some(signed as usize)
            }
            _ => None,
        });
        if let Some(j) = replaced {
            if f.nonempty(j) {
                parts.push((f.rows[j].0.name.to_owned(), transform(j)));
            }
            return;
        }
        if !include(i) {
            return;
        }
        let entry = (f.rows[i].0.name.to_owned(), transform(i));
        if has(Mistake::FieldSignedTwice(i as u16)) {
            parts.push(entry.clone());
        }
        parts.push(entry);
    };
    match (&f.order, has(Mistake::WireOrder)) {
        (Some(order), true) => {
            let mut seen_rows = vec![false; f.rows.len()];
            for slot in order {
                match *slot {
                    Slot::Row(i) => {
                        seen_rows[i] = true;
                        push_row(&mut parts, i);
                    }
                    Slot::Extra(e) if extra_in(e) && !misspelt(e) => {
                        parts.push((f.extras[e].name.clone(), f.extras[e].value.clone()));
                    }
                    Slot::Extra(_) => {}
                }
            }
            for (i, seen) in seen_rows.iter().enumerate() {
                if !seen {
                    push_row(&mut parts, i);
                }
            }
        }
        _ => {
            for i in 0..f.rows.len() {
                push_row(&mut parts, i);
            }
            for e in 0..f.extras.len() {
                if extra_in(e) && !misspelt(e) {
                    parts.push((f.extras[e].name.clone(), f.extras[e].value.clone()));
                }
            }
        }
    }
    if has(Mistake::AlphabeticalOrder) {
        parts.sort_by(|a, b| a.0.cmp(&b.0));
    }
    let mut s = String::new();
    for (n, (name, v)) in parts.iter().enumerate() {
        if n > 0 {
            s.push('&');
        }
        s.push_str(name);
        s.push('=');
        s.push_str(v);
    }
    if has(Mistake::LeadingAmpersand) {
        s.insert(0, '&');
    }
    if has(Mistake::TrailingAmpersand) {
        s.push('&');
    }
    s
}

/// A text variant's signed lines (§3.8 注释 1, 2) before the key is appended.
pub(super) fn text_body(t: &Text, set: &[Mistake]) -> String {
    let has = |m: Mistake| set.contains(&m);
    let mut lines = t.lines.clone();
    if has(Mistake::SignatureLineSigned) {
        if let Some(sig) = &t.sig_line {
            lines.push(sig.clone());
        }
    }
    let mut s = if has(Mistake::RecordsWithoutSeparators) {
        let mut s = lines.concat();
        match t.form {
            TextForm::Literal => {}
            TextForm::Terminated => s.push_str("\r\n"),
            TextForm::BlankLine => s.push_str("\r\n\r\n"),
        }
        s
    } else {
        t.form.join(&lines)
    };
    if has(Mistake::EmptyLastLineSigned) {
        s.push_str("\r\n");
    }
    if t.lf || has(Mistake::LfLineTerminators) {
        s = s.replace("\r\n", "\n");
    }
    s
}

/// The text hashed for a variant, with `key` spelled as given (the real key to hash,
/// `<key>` to show).
pub(super) fn source(input: &Input, set: &[Mistake], key: &str) -> String {
    let has = |m: Mistake| set.contains(&m);
    let spaced;
    let key = match set.iter().find_map(|m| match m {
        Mistake::KeyWhitespace(w) => Some(*w),
        _ => None,
    }) {
        Some(w) => {
            spaced = w.apply(key);
            spaced.as_str()
        }
        None => key,
    };
    match input {
        Input::Flat(f) => {
            let mut s = flat_source(f, set);
            if has(Mistake::KeyWithoutPrefix) {
            } else if has(Mistake::KeyAfterAmpersand) {
                s.push('&');
            } else if has(Mistake::KeyAfterBar) {
                s.push('|');
            } else if has(Mistake::KeyEqWithoutAmpersand) {
                s.push_str("key=");
            } else {
                s.push_str("&key=");
            }
            s.push_str(key);
            if has(Mistake::AmpersandAfterKey) {
                s.push('&');
            }
            s
        }
        Input::Text(t) => {
            let mut s = text_body(t, set);
            if has(Mistake::TextKeyAsForm) {
                s.push_str("&key=");
            } else if !has(Mistake::TextKeyWithoutBar) {
                s.push('|');
            }
            s.push_str(key);
            s
        }
    }
}

/// The charset the rule hashes `input` in: payData's inputCharset (ERRATA E-CHARSET).
pub(super) fn declared(input: &Input) -> Charset {
    match input {
        Input::Flat(f) => Charset::declared_by(
            f.rows
                .iter()
                .find(|(f, _)| f.name == "inputCharset")
                .and_then(|(_, v)| v.as_deref()),
        ),
        Input::Text(_) => Charset::Utf8,
    }
}

/// The charset a variant hashes in; `None` when its charset mistake does not apply to
/// what inputCharset declares.
fn variant_charset(input: &Input, set: &[Mistake]) -> Option<Charset> {
    let declared = declared(input);
    if set.contains(&Mistake::GbkCharset) {
        (declared == Charset::Utf8).then_some(Charset::Gbk)
    } else if set.contains(&Mistake::Utf8Charset) {
        (declared != Charset::Utf8).then_some(Charset::Utf8)
    } else {
        Some(declared)
    }
}

/// The digest of a variant; `None` when the text cannot be encoded in its charset, or
/// the variant's charset mistake does not apply.
pub(super) fn digest(input: &Input, set: &[Mistake], key: &MerchantKey) -> Option<[u8; 16]> {
    let bytes = variant_bytes(input, set, source(input, set, key.expose()))?;
    Some(Md5::digest(&bytes).into())
}

/// `text` in a variant's charset; the GBK mistake writes `?` for what GBK lacks, as the
/// encoders that make it do.
fn variant_bytes(input: &Input, set: &[Mistake], text: String) -> Option<Vec<u8>> {
    let charset = variant_charset(input, set)?;
    if set.contains(&Mistake::GbkCharset) {
        return Some(encode_gbk_lossy(&text));
    }
    encode(text, charset)
}

/// The bytes a certificate signature (signType 1) covers in a variant (§5.3): a
/// `name=value` message's sign source itself; a text's uppercase hex MD5 (§3.8 a), in
/// lowercase with [`Mistake::LowercaseHex`]. `None` as for [`digest`].
pub(super) fn signed_bytes(input: &Input, set: &[Mistake]) -> Option<Vec<u8>> {
    match input {
        Input::Flat(f) => variant_bytes(input, set, flat_source(f, set)),
        Input::Text(t) => {
            let d = Md5::digest(variant_bytes(input, set, text_body(t, set))?);
            Some(hex(&d, set.contains(&Mistake::LowercaseHex)).into_bytes())
        }
    }
}
