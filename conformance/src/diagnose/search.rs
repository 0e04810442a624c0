//! The search: which mistakes, alone, in pairs or (the cheap ones) in triples, turn the
//! correct §5.2 signature into the one given. The levels stop at the first that explains
//! it; every signed-text form a gateway uses (ERRATA E-3.8-TEXT) counts as correct.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use allinpay_protocol::any;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{MessageKind, Signing};
use allinpay_protocol::MerchantKey;

use md5::{Digest, Md5};

use super::input::Input;
use super::mistakes::{KeySpace, Mistake};
use super::transforms::{hex, sig_bytes};
use super::variants::{declared, digest, flat_source, signed_bytes, source, text_body};
use super::DiagnoseError;

/// A variant that reproduces the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub mistakes: Vec<Mistake>,
    /// Each mistake's name with its parameter, e.g. `field-left-out(mchtRefundOrderNo)`.
    pub labels: Vec<String>,
    /// Each mistake's description, with the fields it concerns.
    pub descriptions: Vec<String>,
    /// The variant's sign source, key masked.
    pub source_masked: String,
    /// Texts: the signed-text form the mistake was made on.
    pub form: Option<TextForm>,
}

/// The outcome of a diagnosis.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    /// The §5.2 signature of the fields.
    pub correct: String,
    /// The expected sign source, key masked.
    pub source_masked: String,
    /// The signature given is the correct one (in a form real gateways use).
    pub matches: bool,
    /// Variants that reproduce it (at the smallest number of mistakes that does).
    pub explanations: Vec<Explanation>,
    /// How many distinct variants were hashed: all, alone, in pairs, in triples.
    pub tried: usize,
    pub singles: usize,
    pub pairs: usize,
    pub triples: usize,
    /// The search stopped at its budget before trying every variant.
    pub budget_exhausted: bool,
    /// Texts: the signed-text form the signature matched.
    pub form: Option<TextForm>,
}

/// At most this many variants are hashed: a diagnosis answers within a command's time.
pub const MAX_VARIANTS: usize = 200_000;
/// The search stops after this long, whatever it has tried.
pub const TIME_BUDGET: Duration = Duration::from_millis(800);

/// What a variant is compared with.
#[derive(Clone, Copy, Debug)]
pub(super) enum Scheme<'a> {
    /// §5.2: the uppercase hex MD5 of the source with the key; the target is a signMsg.
    Md5(&'a MerchantKey),
    /// §5.3: the bytes a certificate signature covers ([`signed_bytes`]); the target is
    /// those bytes as the verifier built them. No key is involved.
    SignedBytes,
}

/// A target as a digest, with the hex cases its text is written in.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target {
    digest: [u8; 16],
    lower: bool,
    upper: bool,
}

impl Target {
    /// `sig` (MD5: 32 hex digits) or the signed bytes' text; `None` when an MD5 target is
    /// not hex.
    pub(super) fn new(scheme: Scheme<'_>, sig: &str) -> Option<Target> {
        match scheme {
            Scheme::Md5(_) => sig_bytes(sig).map(|digest| Target {
                digest,
                lower: !sig.bytes().any(|b| b.is_ascii_uppercase()),
                upper: !sig.bytes().any(|b| b.is_ascii_lowercase()),
            }),
            // The bytes are compared through their MD5: the case is in the bytes.
            Scheme::SignedBytes => Some(Target {
                digest: Md5::digest(sig.as_bytes()).into(),
                lower: true,
                upper: true,
            }),
        }
    }

    /// Whether a variant's fingerprint (and hex case) is this target.
    fn is(&self, fp: &[u8; 16], lower: bool) -> bool {
        *fp == self.digest && if lower { self.lower } else { self.upper }
    }
}

/// A variant's fingerprint: its MD5 digest, or the MD5 of its signed bytes; with whether
/// it is written in lowercase hex (MD5 only: the signed bytes hold their case).
pub(super) fn fingerprint(
    input: &Input,
    set: &[Mistake],
    scheme: Scheme<'_>,
) -> Option<([u8; 16], bool)> {
    match scheme {
        Scheme::Md5(key) => {
            digest(input, set, key).map(|d| (d, set.contains(&Mistake::LowercaseHex)))
        }
        Scheme::SignedBytes => signed_bytes(input, set).map(|b| (Md5::digest(b).into(), false)),
    }
}

/// Whether the variant `set` reproduces `target`.
pub(super) fn reproduces(
    input: &Input,
    set: &[Mistake],
    scheme: Scheme<'_>,
    target: &Target,
) -> bool {
    fingerprint(input, set, scheme).is_some_and(|(fp, lower)| target.is(&fp, lower))
}

/// The text a variant hashes or signs, key masked.
fn shown(input: &Input, set: &[Mistake], scheme: Scheme<'_>, masked: &str) -> String {
    match (scheme, input) {
        (Scheme::Md5(_), _) => source(input, set, masked),
        (Scheme::SignedBytes, Input::Flat(f)) => flat_source(f, set),
        (Scheme::SignedBytes, Input::Text(t)) => text_body(t, set),
    }
}

/// A mistake's label and description with the names of the fields it concerns.
pub(super) fn label(input: &Input, m: Mistake) -> (String, String) {
    let rows = |i: u16| match input {
        Input::Flat(f) => f.rows.get(i as usize).map_or("?", |r| r.0.name).to_owned(),
        Input::Text(_) => "?".to_owned(),
    };
    let extra = |e: u16| match input {
        Input::Flat(f) => f.extras.get(e as usize).cloned(),
        Input::Text(_) => None,
    };
    let d = m.description();
    match m {
        Mistake::FieldLeftOut(i) => (
            format!("{}({})", m.name(), rows(i)),
            format!("{} left out: {d}", rows(i)),
        ),
        Mistake::FieldSignedTwice(i) => (
            format!("{}({})", m.name(), rows(i)),
            format!("{} signed twice: {d}", rows(i)),
        ),
        Mistake::FieldInPlaceOf { signed, instead_of } => (
            format!("{}({} for {})", m.name(), rows(signed), rows(instead_of)),
            format!(
                "{} signed in place of {}: {d}",
                rows(signed),
                rows(instead_of)
            ),
        ),
        Mistake::ExtraFieldSigned(e) => {
            let n = extra(e).map(|x| x.name).unwrap_or_default();
            (format!("{}({n})", m.name()), format!("{n} signed: {d}"))
        }
        Mistake::MisspeltField(e) => {
            let x = extra(e);
            let n = x.as_ref().map(|x| x.name.clone()).unwrap_or_default();
            let like = x
                .and_then(|x| x.like)
                .map(|i| rows(i as u16))
                .unwrap_or_default();
            (
                format!("{}({n} for {like})", m.name()),
                format!("{n} for {like}: {d}"),
            )
        }
        _ => (m.name().to_owned(), d.to_owned()),
    }
}

/// The explanation of a variant that reproduces the signature.
pub(super) fn explain(
    input: &Input,
    set: &[Mistake],
    scheme: Scheme<'_>,
    masked: &str,
) -> Explanation {
    let (labels, descriptions) = set.iter().map(|m| label(input, *m)).unzip();
    Explanation {
        mistakes: set.to_vec(),
        labels,
        descriptions,
        source_masked: shown(input, set, scheme, masked),
        form: match input {
            Input::Text(t) => Some(t.form),
            Input::Flat(_) => None,
        },
    }
}

/// Names that one is easily typed for the other: a common prefix of three letters or a
/// common suffix of four (`ext1`/`ext2`, `orderDatetime`/`payDatetime`).
fn similar(a: &str, b: &str) -> bool {
    let prefix = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
    let suffix = a
        .bytes()
        .rev()
        .zip(b.bytes().rev())
        .take_while(|(x, y)| x == y)
        .count();
    prefix >= 3 || suffix >= 4
}

/// The mistakes that can change the bytes of `input`.
fn singles(input: &Input, scheme: Scheme<'_>) -> Vec<Mistake> {
    let mut out: Vec<Mistake> = Mistake::units()
        .into_iter()
        .filter(|m| match input {
            Input::Flat(f) => {
                m.for_flat()
                    && match m {
                        Mistake::WireOrder => f.order.is_some(),
                        Mistake::ExtraFieldsSigned => f.extras.len() > 1,
                        _ => true,
                    }
            }
            Input::Text(t) => {
                m.for_texts()
                    && (*m != Mistake::SignatureLineSigned || t.sig_line.is_some())
                    && (*m != Mistake::RecordsWithoutSeparators || t.lines.len() > 1)
                    && (*m != Mistake::LfLineTerminators || !t.lf)
            }
        })
        .filter(|m| match scheme {
            Scheme::Md5(key) => {
                *m != Mistake::KeyWhitespace(KeySpace::Trimmed)
                    || key.expose().trim() != key.expose()
            }
            // No key is signed; a name=value source has no hex to write in lowercase.
            Scheme::SignedBytes => {
                let hexless = matches!(input, Input::Flat(_));
                !(m.concerns_key() || (*m == Mistake::LowercaseHex && hexless))
            }
        })
        .collect();
    if let Input::Flat(f) = input {
        let signed: Vec<usize> = (0..f.rows.len())
            .filter(|&i| f.rows[i].0.signing == Signing::Signed)
            .collect();
        for &i in &signed {
            if f.nonempty(i) {
                out.push(Mistake::FieldLeftOut(i as u16));
                out.push(Mistake::FieldSignedTwice(i as u16));
            }
        }
        // One name in place of another: a neighbour in the list (a line copied from the
        // one above or below), or a look-alike name (ext1/ext2, orderAmount/payAmount).
        for (x, &a) in signed.iter().enumerate() {
            if !f.nonempty(a) {
                continue;
            }
            for (y, &b) in signed.iter().enumerate() {
                let (na, nb) = (f.rows[a].0.name, f.rows[b].0.name);
                if a != b && (x.abs_diff(y) <= 2 || similar(na, nb)) {
                    out.push(Mistake::FieldInPlaceOf {
                        signed: a as u16,
                        instead_of: b as u16,
                    });
                }
            }
        }
        for (e, x) in f.extras.iter().enumerate() {
            out.push(Mistake::ExtraFieldSigned(e as u16));
            if x.like.is_some() {
                out.push(Mistake::MisspeltField(e as u16));
            }
        }
    }
    out
}

/// Explains `sig` for the JSON `fields` of `kind` signed with `key` (the signing side).
///
/// Fails when the fields do not fit the message's table, or the message is not signed.
pub fn diagnose(
    kind: MessageKind,
    fields: &Map<String, Value>,
    key: &MerchantKey,
    sig: &str,
) -> Result<Diagnosis, DiagnoseError> {
    let input = Input::from_fields(kind, fields)?;
    diagnose_input(kind, fields, input, key, sig, Instant::now() + TIME_BUDGET)
}

/// The search over `input`: the correct signature, then variants of one, two and three
/// mistakes until a level reproduces `sig` or the budget runs out.
pub(super) fn diagnose_input(
    kind: MessageKind,
    fields: &Map<String, Value>,
    input: Input,
    key: &MerchantKey,
    sig: &str,
    deadline: Instant,
) -> Result<Diagnosis, DiagnoseError> {
    search(kind, fields, input, Scheme::Md5(key), None, sig, deadline)
}

/// The correct value of `input` under `scheme`: the §5.2 signature (checked against the
/// library's for fields), or the signed bytes' text.
fn correct_value(
    kind: MessageKind,
    fields: &Map<String, Value>,
    input: &Input,
    scheme: Scheme<'_>,
    form: Option<TextForm>,
) -> Result<String, DiagnoseError> {
    let key = match scheme {
        Scheme::Md5(key) => key,
        Scheme::SignedBytes => {
            let b = signed_bytes(input, &[]).unwrap_or_default();
            return Ok(String::from_utf8_lossy(&b).into_owned());
        }
    };
    // Texts from a wire are hashed as received (LF line ends included); fields as the
    // library builds them, and the variant builder must agree with it on the rule.
    Ok(match input {
        Input::Text(t) if t.wire => hex(&digest(input, &[], key).unwrap_or_default(), false),
        _ => {
            let mut obj = fields.clone();
            obj.remove("unknownFields");
            let correct = any::md5_sign_fields(kind, &obj, key, declared(input), form)?
                .as_str()
                .to_owned();
            let base = digest(input, &[], key).map(|d| hex(&d, false));
            if base.as_deref() != Some(correct.as_str()) {
                return Err(DiagnoseError::BuilderDisagrees(kind));
            }
            correct
        }
    })
}

/// [`diagnose_input`] under either scheme: `sig` is a signMsg (MD5) or the signed bytes
/// a verifier built (certificate). With `only`, a text's one correct form is that one
/// (a sign request names the form it asks for); else every form a gateway uses is.
pub(super) fn search(
    kind: MessageKind,
    fields: &Map<String, Value>,
    mut input: Input,
    scheme: Scheme<'_>,
    only: Option<TextForm>,
    sig: &str,
    deadline: Instant,
) -> Result<Diagnosis, DiagnoseError> {
    if let Some(f) = only {
        input.set_form(f);
    }
    let masked = "<key>";
    let correct = correct_value(kind, fields, &input, scheme, only)?;
    // The signature as bytes, and which hex cases it is written in.
    let target = Target::new(scheme, sig);
    let mut d = Diagnosis {
        matches: sig == correct,
        correct,
        source_masked: shown(&input, &[], scheme, masked),
        explanations: Vec::new(),
        tried: 1,
        singles: 0,
        pairs: 0,
        triples: 0,
        budget_exhausted: false,
        form: None,
    };
    // Every signed-text form that real answers use is correct, none is a mistake; the
    // digests of the correct forms are never reported as variants.
    let mut seen: HashSet<([u8; 16], bool)> = HashSet::new();
    let forms: Vec<Option<TextForm>> = match (&input, only) {
        (Input::Text(_), None) => TextForm::ALL.into_iter().map(Some).collect(),
        (Input::Text(_), Some(f)) => vec![Some(f)],
        (Input::Flat(_), _) => vec![None],
    };
    let default = match &input {
        Input::Text(t) => Some(t.form),
        Input::Flat(_) => None,
    };
    for f in forms.iter().flatten() {
        input.set_form(*f);
        if let Some(fp) = fingerprint(&input, &[], scheme) {
            seen.insert(fp);
            if !d.matches && target.is_some_and(|t| t.is(&fp.0, false)) {
                d.matches = true;
                d.form = Some(*f);
            }
        }
    }
    if let Some(f) = default {
        input.set_form(f);
        if d.matches && d.form.is_none() {
            d.form = Some(f);
        }
    }
    if let Input::Flat(_) = input {
        if let Some(fp) = fingerprint(&input, &[], scheme) {
            seen.insert(fp);
        }
    }
    if d.matches {
        return Ok(d);
    }
    let singles = singles(&input, scheme);
    let cheap: Vec<Mistake> = singles.iter().copied().filter(|m| m.cheap()).collect();
    // Levels: 1, 2, 3 mistakes; the search stops at the first level that explains `sig`.
    for level in 1..=3 {
        let mut sets: Vec<Vec<Mistake>> = Vec::new();
        match level {
            1 => sets.extend(singles.iter().map(|m| vec![*m])),
            2 => {
                for (i, a) in singles.iter().enumerate() {
                    for b in &singles[i + 1..] {
                        // Two parameterised mistakes: only two rows left out (or twice).
                        if (a.cheap()
                            || b.cheap()
                            || a.family() == b.family()
                            || matches!(
                                (a, b),
                                (Mistake::FieldLeftOut(_), Mistake::FieldSignedTwice(_))
                            ))
                            && a.compatible(*b)
                        {
                            sets.push(vec![*a, *b]);
                        }
                    }
                }
            }
            _ => {
                for (i, a) in cheap.iter().enumerate() {
                    for (j, b) in cheap.iter().enumerate().skip(i + 1) {
                        if !a.compatible(*b) {
                            continue;
                        }
                        for c in &cheap[j + 1..] {
                            if a.compatible(*c) && b.compatible(*c) {
                                sets.push(vec![*a, *b, *c]);
                            }
                        }
                    }
                }
            }
        }
        for form in &forms {
            if let Some(f) = form {
                input.set_form(*f);
            }
            for set in &sets {
                if d.tried >= MAX_VARIANTS || Instant::now() > deadline {
                    d.budget_exhausted = true;
                    break;
                }
                let Some(fp) = fingerprint(&input, set, scheme) else {
                    continue;
                };
                if !seen.insert(fp) {
                    continue;
                }
                d.tried += 1;
                match level {
                    1 => d.singles += 1,
                    2 => d.pairs += 1,
                    _ => d.triples += 1,
                }
                if target.is_some_and(|t| t.is(&fp.0, fp.1)) {
                    d.explanations.push(explain(&input, set, scheme, masked));
                }
            }
        }
        if let Some(f) = default {
            input.set_form(f);
        }
        if !d.explanations.is_empty() || d.budget_exhausted {
            break;
        }
    }
    Ok(d)
}
