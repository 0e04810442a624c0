//! The verifying side (§5.3): a received wire judged by the built-in verifier, a merchant
//! verifier's wrong MD5 output explained, and a certificate signature (signType 1) tried
//! over the signed bytes verifiers commonly get wrong.

use std::collections::HashSet;
use std::time::Instant;

use md5::{Digest, Md5};

use allinpay_protocol::any;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::{Credentials, TextForm};
use allinpay_protocol::spec::MessageKind;
use allinpay_protocol::{Charset, GatewayCert, MerchantKey, SignType};

use super::input::{received_input, Input};
use super::mistakes::Mistake;
use super::search::{diagnose_input, label, Diagnosis, TIME_BUDGET};
use super::transforms::{encode, hex, sig_bytes};
use super::variants::{flat_source, text_body};
use super::DiagnoseError;

/// What the built-in verifier says of a received message (§5.3).
#[derive(Clone, Debug)]
pub struct BuiltinVerdict {
    pub valid: bool,
    /// Why it rejects the message.
    pub error: Option<String>,
    /// Texts: the signed-text form the signature matched (ERRATA E-3.8-TEXT).
    pub text_form: Option<TextForm>,
    /// The charset the signature was checked in (§5.1 c, ERRATA E-CHARSET).
    pub charset: Charset,
    /// The quirk the lenient verifier accepted, if any.
    pub deviation: Option<String>,
}

/// A certificate signature tried over the usual wrong signed bytes.
#[derive(Clone, Debug)]
pub struct CertReport {
    /// The variant whose bytes verify (description, bytes shown with the key masked).
    pub verifies: Option<(String, String)>,
    /// How many distinct signed-byte variants were tried.
    pub tried: usize,
}

/// The verifying-side report.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    /// The received signType (§5.3: 0 MD5, 1 certificate).
    pub sign_type: Option<String>,
    /// The received signMsg.
    pub received_sig: String,
    pub builtin: BuiltinVerdict,
    /// `--computed`: which mistake of the merchant's verifier produced it.
    pub computed: Option<(String, Diagnosis)>,
    /// The received MD5 signature, explained when the built-in rejects it.
    pub received: Option<Diagnosis>,
    /// signType 1 rejected: the signed-byte variants tried against the certificate.
    pub cert: Option<CertReport>,
}

/// Certificate mode: the signed-byte variants (sign source, its MD5 hex, with and without
/// a final CRLF, with the key appended, in GBK) tried against the certificate.
fn cert_variants(
    input: &mut Input,
    key: Option<&MerchantKey>,
    cert: &GatewayCert,
    sig: &str,
) -> CertReport {
    let masked = "<key>";
    let mut bases: Vec<(String, String, String)> = Vec::new(); // (label, bytes text, shown)
    let forms: Vec<Option<TextForm>> = match input {
        Input::Text(_) => TextForm::ALL.into_iter().map(Some).collect(),
        Input::Flat(_) => vec![None],
    };
    let mistake_sets: Vec<Vec<Mistake>> = std::iter::once(Vec::new())
        .chain(
            Mistake::units()
                .into_iter()
                .filter(|m| match input {
                    Input::Flat(_) => m.for_flat(),
                    Input::Text(_) => m.for_texts(),
                })
                // A certificate signs the source itself (§5.3), no key and no hex digest:
                // those mistakes are the candidates built below, not source variants.
                .filter(|m| {
                    !matches!(
                        m,
                        Mistake::LowercaseHex
                            | Mistake::GbkCharset
                            | Mistake::Utf8Charset
                            | Mistake::KeyWhitespace(_)
                            | Mistake::KeyWithoutPrefix
                            | Mistake::KeyAfterAmpersand
                            | Mistake::KeyAfterBar
                            | Mistake::KeyEqWithoutAmpersand
                            | Mistake::AmpersandAfterKey
                            | Mistake::TextKeyAsForm
                            | Mistake::TextKeyWithoutBar
                    )
                })
                .map(|m| vec![m]),
        )
        .collect();
    for form in forms {
        if let Some(f) = form {
            input.set_form(f);
        }
        for set in &mistake_sets {
            let body = match &*input {
                Input::Flat(f) => flat_source(f, set),
                Input::Text(t) => text_body(t, set),
            };
            let mut what = match form {
                Some(f) => format!("the {} text", f.name()),
                None => "the sign source".to_owned(),
            };
            if !set.is_empty() {
                let (l, _) = label(input, set[0]);
                what = format!("{what} with {l}");
            }
            bases.push((what, body.clone(), body));
        }
    }
    let mut tried = 0;
    let mut seen: HashSet<Vec<u8>> = HashSet::new();
    for (what, body, _) in &bases {
        let mut candidates: Vec<(String, Vec<u8>, String)> = Vec::new();
        let md5u = hex(&Md5::digest(body.as_bytes()), false);
        let md5l = md5u.to_ascii_lowercase();
        candidates.push((what.clone(), body.clone().into_bytes(), body.clone()));
        candidates.push((
            format!("the uppercase MD5 hex of {what}"),
            md5u.clone().into_bytes(),
            md5u.clone(),
        ));
        candidates.push((
            format!("the lowercase MD5 hex of {what}"),
            md5l.clone().into_bytes(),
            md5l,
        ));
        candidates.push((
            format!("{what} with a final CRLF"),
            format!("{body}\r\n").into_bytes(),
            format!("{body}\r\n"),
        ));
        if let Some(b) = body.strip_suffix("\r\n") {
            candidates.push((
                format!("{what} without its final CRLF"),
                b.as_bytes().to_vec(),
                b.to_owned(),
            ));
            let m = hex(&Md5::digest(b.as_bytes()), false);
            candidates.push((
                format!("the uppercase MD5 hex of {what} without its final CRLF"),
                m.clone().into_bytes(),
                m,
            ));
        }
        if let Some(gbk) = encode(body.clone(), Charset::Gbk).filter(|g| g != body.as_bytes()) {
            candidates.push((format!("{what} in GBK"), gbk, body.clone()));
        }
        if let Some(k) = key {
            for (sep, name) in [("&key=", "`&key=KEY`"), ("|", "`|KEY`")] {
                let text = format!("{body}{sep}{}", k.expose());
                let shown = format!("{body}{sep}{masked}");
                let m = hex(&Md5::digest(text.as_bytes()), false);
                candidates.push((
                    format!("the uppercase MD5 hex of {what} with {name} appended"),
                    m.clone().into_bytes(),
                    m,
                ));
                candidates.push((
                    format!("{what} with {name} appended"),
                    text.into_bytes(),
                    shown,
                ));
            }
        }
        for (label, bytes, shown) in candidates {
            if !seen.insert(bytes.clone()) {
                continue;
            }
            tried += 1;
            if cert.verify_bytes(&bytes, sig).is_ok() {
                return CertReport {
                    verifies: Some((label, shown)),
                    tried,
                };
            }
        }
    }
    CertReport {
        verifies: None,
        tried,
    }
}

/// Diagnoses a received wire (the verifying side, §5.3): whether the built-in verifier
/// accepts it; with `computed`, which mistake of the merchant's verifier produced that
/// signature; else, when the built-in rejects it, why the received MD5 signature (or,
/// with `cert`, the certificate signature) does not verify.
pub fn diagnose_wire(
    kind: MessageKind,
    wire: &[u8],
    key: Option<&MerchantKey>,
    cert: Option<&GatewayCert>,
    computed: Option<&str>,
) -> Result<VerifyReport, DiagnoseError> {
    let received = any::parse(kind, wire, Mode::Lenient)?;
    let creds = Credentials {
        key,
        cert,
        expected_sign_type: None,
    };
    let builtin = match received.verify_as_received(creds, Mode::Lenient) {
        Ok(v) => BuiltinVerdict {
            valid: true,
            error: None,
            text_form: v.text_form,
            charset: v.charset,
            deviation: v.deviation.map(|d| format!("{d:?}")),
        },
        Err(e) => BuiltinVerdict {
            valid: false,
            error: Some(e.to_string()),
            text_form: None,
            charset: received.declared_charset(),
            deviation: None,
        },
    };
    let sign_type = received.sign_type().map(str::to_owned);
    let received_sig = received.sign_msg().to_owned();
    let (obj, mut input) = received_input(kind, wire, &received)?;
    let md5 = sign_type.as_deref().and_then(SignType::known) != Some(SignType::Certificate);
    let mut report = VerifyReport {
        sign_type,
        received_sig: received_sig.clone(),
        builtin,
        computed: None,
        received: None,
        cert: None,
    };
    let deadline = Instant::now() + TIME_BUDGET;
    if let Some(c) = computed {
        let key = key.ok_or(DiagnoseError::ComputedNeedsKey)?;
        let d = diagnose_input(kind, &obj, input.clone(), key, c, deadline)?;
        report.computed = Some((c.to_owned(), d));
    }
    if !report.builtin.valid {
        if md5 {
            // Without --computed: the received signature itself is explained (a test
            // harness's or a hand-built message's mistake).
            if let (Some(key), None) = (key, computed) {
                if sig_bytes(&received_sig).is_some() {
                    report.received = Some(diagnose_input(
                        kind,
                        &obj,
                        input.clone(),
                        key,
                        &received_sig,
                        deadline,
                    )?);
                }
            }
        } else if let Some(cert) = cert {
            report.cert = Some(cert_variants(&mut input, key, cert, &received_sig));
        }
    }
    Ok(report)
}
