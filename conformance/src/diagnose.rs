//! `allinpay-conformance diagnose`: why an MD5 `signMsg` differs from the §5.2 one. The
//! mistakes integrators make are tried alone and in pairs; the variants that reproduce
//! the signature are named. The key is only ever shown masked.

use std::collections::HashSet;
use std::io::Read as _;

use md5::{Digest, Md5};
use serde_json::{Map, Value};

use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{FieldDef, Format, MessageKind, SignScheme, Signing};
use allinpay_protocol::{any, Charset, MerchantKey, MAX_INPUT_LEN};

/// `allinpay-conformance diagnose MESSAGE --key KEY --expected SIG` (fields as JSON on stdin).
#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// The message (pay-request, order-query, refund, refund-query-response, …).
    pub message: String,
    #[command(flatten)]
    pub key: crate::key_args::KeyArgs,
    /// The signMsg to explain: what your code produced, or what the gateway rejected.
    #[arg(long, value_name = "SIG")]
    pub expected: String,
}

/// One mistake integrators make.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mistake {
    /// GBK where inputCharset says UTF-8 (or says nothing).
    GbkCharset,
    /// UTF-8 where inputCharset says GBK or GB2312.
    Utf8Charset,
    LowercaseHex,
    EmptyFieldsSigned,
    AllTableFieldsSigned,
    AlphabeticalOrder,
    KeyWithoutPrefix,
    KeyAfterAmpersand,
    LeadingAmpersand,
    TrailingAmpersand,
    AmpersandAfterKey,
    UrlEncodedValues,
    CardNoSigned,
    InternationalFieldsSigned,
    AmountInYuanDecimals,
    AmountInYuan,
    PayType00,
    PayType0,
    LfLineTerminators,
    TextKeyAsForm,
    TextKeyWithoutBar,
}

impl Mistake {
    const ALL: &'static [Mistake] = &[
        Mistake::GbkCharset,
        Mistake::Utf8Charset,
        Mistake::LowercaseHex,
        Mistake::EmptyFieldsSigned,
        Mistake::AllTableFieldsSigned,
        Mistake::AlphabeticalOrder,
        Mistake::KeyWithoutPrefix,
        Mistake::KeyAfterAmpersand,
        Mistake::LeadingAmpersand,
        Mistake::TrailingAmpersand,
        Mistake::AmpersandAfterKey,
        Mistake::UrlEncodedValues,
        Mistake::CardNoSigned,
        Mistake::InternationalFieldsSigned,
        Mistake::AmountInYuanDecimals,
        Mistake::AmountInYuan,
        Mistake::PayType00,
        Mistake::PayType0,
        Mistake::LfLineTerminators,
        Mistake::TextKeyAsForm,
        Mistake::TextKeyWithoutBar,
    ];

    /// The stable name printed by `diagnose`.
    pub fn name(self) -> &'static str {
        match self {
            Mistake::GbkCharset => "gbk-charset",
            Mistake::Utf8Charset => "utf8-charset",
            Mistake::LowercaseHex => "lowercase-hex",
            Mistake::EmptyFieldsSigned => "empty-fields-signed",
            Mistake::AllTableFieldsSigned => "all-table-fields-signed",
            Mistake::AlphabeticalOrder => "alphabetical-order",
            Mistake::KeyWithoutPrefix => "key-without-prefix",
            Mistake::KeyAfterAmpersand => "key-after-ampersand",
            Mistake::LeadingAmpersand => "leading-ampersand",
            Mistake::TrailingAmpersand => "trailing-ampersand",
            Mistake::AmpersandAfterKey => "ampersand-after-key",
            Mistake::UrlEncodedValues => "url-encoded-values",
            Mistake::CardNoSigned => "cardno-signed",
            Mistake::InternationalFieldsSigned => "international-fields-signed",
            Mistake::AmountInYuanDecimals => "amount-in-yuan-decimals",
            Mistake::AmountInYuan => "amount-in-yuan",
            Mistake::PayType00 => "paytype-00",
            Mistake::PayType0 => "paytype-0",
            Mistake::LfLineTerminators => "lf-line-terminators",
            Mistake::TextKeyAsForm => "key-as-form-field",
            Mistake::TextKeyWithoutBar => "key-without-bar",
        }
    }

    /// What the mistake is, with the rule it breaks.
    pub fn description(self) -> &'static str {
        match self {
            Mistake::GbkCharset => "hashed in GBK; inputCharset 1 (or none) means UTF-8 (§5.1 c, ERRATA E-CHARSET)",
            Mistake::Utf8Charset => "hashed in UTF-8; inputCharset 2/3 means GBK/GB2312 (§2.1, §5.1 c, ERRATA E-CHARSET)",
            Mistake::LowercaseHex => "lowercase hex; signMsg is uppercase (§5.2)",
            Mistake::EmptyFieldsSigned => "empty fields signed as name=; only non-empty fields enter the sign source (§5.1)",
            Mistake::AllTableFieldsSigned => "every field of the table signed, absent ones as name= (§5.1: only non-empty fields)",
            Mistake::AlphabeticalOrder => "fields sorted by name; the sign source follows the table's order (§5.1)",
            Mistake::KeyWithoutPrefix => "key appended without `&key=` (§5.2)",
            Mistake::KeyAfterAmpersand => "key appended as `&KEY`, without `key=` (§5.2)",
            Mistake::LeadingAmpersand => "leading `&` before the first field (§5.1 注意事项 read literally; ERRATA E-5.1-AMP)",
            Mistake::TrailingAmpersand => "trailing `&` after the last field, before `&key=` (ERRATA E-5.1-AMP)",
            Mistake::AmpersandAfterKey => "`&` after the key (ERRATA E-5.1-AMP)",
            Mistake::UrlEncodedValues => "values URL-encoded; the sign source holds the raw values (§5.1)",
            Mistake::CardNoSigned => "cardNo signed; it does not enter signMsg (§2.1)",
            Mistake::InternationalFieldsSigned => "international-card fields signed; they enter ext1 instead (§2.1, §5.4)",
            Mistake::AmountInYuanDecimals => "amounts in yuan with two decimals (1000 → 10.00); amounts are in fen (§2.1)",
            Mistake::AmountInYuan => "amounts in yuan (1000 → 10); amounts are in fen (§2.1)",
            Mistake::PayType00 => "payType 00 where the fields say 0 (§5.1's example prints 00; ERRATA E-2.1-PAYTYPE)",
            Mistake::PayType0 => "payType 0 where the fields say 00 (ERRATA E-2.1-PAYTYPE)",
            Mistake::LfLineTerminators => "LF line terminators; the gateway sends CRLF (§3.8 注释 1)",
            Mistake::TextKeyAsForm => "key appended as `&key=KEY`; texts append `|KEY` (§3.8)",
            Mistake::TextKeyWithoutBar => "key appended without `|` (§3.8)",
        }
    }

    /// Mistakes of one family are alternatives, never combined.
    fn family(self) -> u8 {
        match self {
            Mistake::GbkCharset | Mistake::Utf8Charset => 0,
            Mistake::LowercaseHex => 1,
            Mistake::EmptyFieldsSigned | Mistake::AllTableFieldsSigned => 2,
            Mistake::AlphabeticalOrder => 3,
            Mistake::KeyWithoutPrefix
            | Mistake::KeyAfterAmpersand
            | Mistake::TextKeyAsForm
            | Mistake::TextKeyWithoutBar => 4,
            Mistake::LeadingAmpersand => 5,
            Mistake::TrailingAmpersand => 6,
            Mistake::AmpersandAfterKey => 7,
            Mistake::UrlEncodedValues => 8,
            Mistake::CardNoSigned => 9,
            Mistake::InternationalFieldsSigned => 10,
            Mistake::AmountInYuanDecimals | Mistake::AmountInYuan => 11,
            Mistake::PayType00 | Mistake::PayType0 => 12,
            Mistake::LfLineTerminators => 14,
        }
    }

    fn for_texts(self) -> bool {
        matches!(
            self,
            Mistake::LowercaseHex
                | Mistake::LfLineTerminators
                | Mistake::TextKeyAsForm
                | Mistake::TextKeyWithoutBar
        )
    }
}

/// The fields, ready to be signed in any variant.
enum Input {
    /// A `name=value` message: (row, value) in table order; `None` absent.
    Flat(Vec<(&'static FieldDef, Option<String>)>),
    /// A text: its lines (summary, records) and the signed-text form (ERRATA E-3.8-TEXT).
    Text { lines: Vec<String>, form: TextForm },
}

/// A field's text; `null` is present and empty, as the library reads it.
fn value_text(name: &str, v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(format!("field {name} must be a string or an integer")),
    }
}

fn record_line(fields: &[FieldDef], obj: &Map<String, Value>) -> Result<String, String> {
    for name in obj.keys() {
        if !fields.iter().any(|f| f.name == name) {
            return Err(format!("unknown field {name:?} in a record"));
        }
    }
    let mut cols = Vec::new();
    for f in fields {
        let v = match obj.get(f.name) {
            Some(v) => value_text(f.name, v)?,
            None => String::new(),
        };
        cols.push(v);
    }
    Ok(cols.join("|"))
}

fn input(kind: MessageKind, obj: &Map<String, Value>) -> Result<Input, String> {
    let def = kind.def();
    match def.scheme {
        SignScheme::Unsigned => Err(format!(
            "{} is not signed; diagnose does not apply",
            kind.name()
        )),
        SignScheme::GatewayText => {
            let mut lines = Vec::new();
            let batch = kind == MessageKind::BatchQueryResponse;
            if batch {
                let Some(Value::Object(s)) = obj.get("summary") else {
                    return Err(
                        "a batch-query-response needs {\"summary\": {…}, \"records\": […]}".into(),
                    );
                };
                let mut cols = Vec::new();
                for n in ["merchantId", "count", "pageNo", "hasNextPage"] {
                    let v = s.get(n).ok_or_else(|| format!("summary lacks {n}"))?;
                    cols.push(value_text(n, v)?);
                }
                lines.push(cols.join("|"));
            }
            match obj.get("records") {
                Some(Value::Array(items)) => {
                    for item in items {
                        let Value::Object(o) = item else {
                            return Err("records must hold objects".into());
                        };
                        lines.push(record_line(def.fields, o)?);
                    }
                }
                Some(_) => return Err("records must be an array".into()),
                None if batch => {}
                None => lines.push(record_line(def.fields, obj)?),
            }
            Ok(Input::Text {
                lines,
                form: any::default_text_form(kind),
            })
        }
        SignScheme::MerchantMd5 | SignScheme::GatewayNameValue => {
            for name in obj.keys() {
                if def.field(name).is_none() {
                    return Err(format!("unknown field {name:?} for {}", kind.name()));
                }
            }
            let mut rows = Vec::new();
            for f in def.fields {
                let v = match obj.get(f.name) {
                    Some(v) => Some(value_text(f.name, v)?),
                    None => None,
                };
                rows.push((f, v));
            }
            Ok(Input::Flat(rows))
        }
    }
}

fn set_form(input: &mut Input, f: TextForm) {
    if let Input::Text { form, .. } = input {
        *form = f;
    }
}

/// Cents to yuan: `1000` → `10.00` (decimals) or `10` (short; `1050` → `10.5`).
fn yuan(cents: &str, decimals: bool) -> Option<String> {
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

/// The bytes hashed for a variant, with `key` spelled as given (the real key to hash, the
/// masked one to show).
fn source(input: &Input, set: &[Mistake], key: &str) -> String {
    let has = |m: Mistake| set.contains(&m);
    match input {
        Input::Flat(rows) => {
            let mut parts: Vec<(&str, String)> = Vec::new();
            for (f, v) in rows {
                let include = match f.signing {
                    Signing::Signed => match v.as_deref() {
                        Some(s) if !s.is_empty() => true,
                        Some(_) => {
                            has(Mistake::EmptyFieldsSigned) || has(Mistake::AllTableFieldsSigned)
                        }
                        None => has(Mistake::AllTableFieldsSigned),
                    },
                    Signing::NotSigned => {
                        has(Mistake::CardNoSigned) && v.as_deref().is_some_and(|s| !s.is_empty())
                    }
                    Signing::Ext1Digest => {
                        has(Mistake::InternationalFieldsSigned)
                            && v.as_deref().is_some_and(|s| !s.is_empty())
                    }
                    Signing::Signature => false,
                };
                if !include {
                    continue;
                }
                let mut value = v.clone().unwrap_or_default();
                if f.format == Format::Amount {
                    let alt = if has(Mistake::AmountInYuanDecimals) {
                        yuan(&value, true)
                    } else if has(Mistake::AmountInYuan) {
                        yuan(&value, false)
                    } else {
                        None
                    };
                    value = alt.unwrap_or(value);
                }
                if f.name == "payType" {
                    if has(Mistake::PayType00) && value == "0" {
                        value = "00".into();
                    } else if has(Mistake::PayType0) && value == "00" {
                        value = "0".into();
                    }
                }
                if has(Mistake::UrlEncodedValues) {
                    value = form_urlencoded::byte_serialize(value.as_bytes()).collect();
                }
                parts.push((f.name, value));
            }
            if has(Mistake::AlphabeticalOrder) {
                parts.sort_by(|a, b| a.0.cmp(b.0));
            }
            let mut s: String = parts
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&");
            if has(Mistake::LeadingAmpersand) {
                s.insert(0, '&');
            }
            if has(Mistake::TrailingAmpersand) {
                s.push('&');
            }
            if has(Mistake::KeyWithoutPrefix) {
                s.push_str(key);
            } else if has(Mistake::KeyAfterAmpersand) {
                s.push('&');
                s.push_str(key);
            } else {
                s.push_str("&key=");
                s.push_str(key);
            }
            if has(Mistake::AmpersandAfterKey) {
                s.push('&');
            }
            s
        }
        Input::Text { lines, form } => {
            let mut s = form.join(lines);
            if has(Mistake::LfLineTerminators) {
                s = s.replace("\r\n", "\n");
            }
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

fn md5_hex(bytes: &[u8], lowercase: bool) -> String {
    let d = Md5::digest(bytes);
    let mut out = String::with_capacity(32);
    for b in d {
        if lowercase {
            out.push_str(&format!("{b:02x}"));
        } else {
            out.push_str(&format!("{b:02X}"));
        }
    }
    out
}

/// The charset the rule hashes `input` in: payData's inputCharset (ERRATA E-CHARSET).
fn declared(input: &Input) -> Charset {
    match input {
        Input::Flat(rows) => rows
            .iter()
            .find(|(f, _)| f.name == "inputCharset")
            .and_then(|(_, v)| v.as_deref())
            .and_then(Charset::from_input_charset)
            .unwrap_or_default(),
        Input::Text { .. } => Charset::Utf8,
    }
}

/// The signature of a variant; `None` when the text cannot be encoded in its charset, or
/// the variant's charset mistake does not apply to what inputCharset declares.
fn signature(input: &Input, set: &[Mistake], key: &MerchantKey) -> Option<(Vec<u8>, String)> {
    let text = source(input, set, key.expose());
    let declared = declared(input);
    let charset = if set.contains(&Mistake::GbkCharset) {
        (declared == Charset::Utf8).then_some(Charset::Gbk)?
    } else if set.contains(&Mistake::Utf8Charset) {
        (declared != Charset::Utf8).then_some(Charset::Utf8)?
    } else {
        declared
    };
    let bytes = match charset {
        Charset::Utf8 => text.into_bytes(),
        Charset::Gbk | Charset::Gb2312 => {
            let (b, _, unmappable) = encoding_rs::GBK.encode(&text);
            if unmappable {
                return None;
            }
            b.into_owned()
        }
    };
    let sig = md5_hex(&bytes, set.contains(&Mistake::LowercaseHex));
    Some((bytes, sig))
}

/// A variant that reproduces the signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    pub mistakes: Vec<Mistake>,
    /// The variant's sign source, key masked.
    pub source_masked: String,
}

/// The outcome of a diagnosis.
#[derive(Clone, Debug)]
pub struct Diagnosis {
    /// The §5.2 signature of the fields.
    pub correct: String,
    /// The expected sign source, key masked.
    pub source_masked: String,
    /// The signature given is the correct one.
    pub matches: bool,
    /// Variants that reproduce it (single mistakes first), when it is not correct.
    pub explanations: Vec<Explanation>,
    /// How many distinct variants were hashed.
    pub tried: usize,
    /// Texts: the signed-text form the signature matched.
    pub form: Option<TextForm>,
}

/// Explains `sig` for the JSON `fields` of `kind` signed with `key`.
pub fn diagnose(
    kind: MessageKind,
    fields: &Map<String, Value>,
    key: &MerchantKey,
    sig: &str,
) -> Result<Diagnosis, String> {
    let mut input = input(kind, fields)?;
    let correct = any::md5_sign_fields(kind, fields, key, declared(&input), None)
        .map_err(|e| e.to_string())?
        .as_str()
        .to_owned();
    let masked = key.masked();
    let source_masked = source(&input, &[], masked);
    // The variant builder must agree with the library on the correct rule.
    let base = signature(&input, &[], key).map(|(_, s)| s);
    if base.as_deref() != Some(correct.as_str()) {
        return Err(format!(
            "internal error: the variant builder disagrees with the library for {}",
            kind.name()
        ));
    }
    let mut diagnosis = Diagnosis {
        matches: sig == correct,
        correct,
        source_masked,
        explanations: Vec::new(),
        tried: 1,
        form: None,
    };
    // Texts: every signed-text form that real answers use is correct, none is a mistake.
    if let Input::Text { form: default, .. } = input {
        for f in TextForm::ALL {
            set_form(&mut input, f);
            if !diagnosis.matches && signature(&input, &[], key).is_some_and(|(_, s)| s == sig) {
                diagnosis.matches = true;
                diagnosis.form = Some(f);
            }
        }
        set_form(&mut input, default);
        if diagnosis.matches && diagnosis.form.is_none() {
            diagnosis.form = Some(default);
        }
    }
    if diagnosis.matches {
        return Ok(diagnosis);
    }
    let text = matches!(input, Input::Text { .. });
    let base_bytes = signature(&input, &[], key)
        .map(|(b, _)| b)
        .unwrap_or_default();
    let singles: Vec<Mistake> = Mistake::ALL
        .iter()
        .copied()
        .filter(|m| {
            m.for_texts() == text
                || (!text && *m == Mistake::LowercaseHex)
                || (text && *m == Mistake::GbkCharset)
        })
        .collect();
    let mut sets: Vec<Vec<Mistake>> = singles.iter().map(|m| vec![*m]).collect();
    for (i, a) in singles.iter().enumerate() {
        for b in &singles[i + 1..] {
            if a.family() != b.family() {
                sets.push(vec![*a, *b]);
            }
        }
    }
    // A variant that changes nothing (e.g. GBK over ASCII) is the correct rule, not a
    // mistake; among sets giving the same bytes and hex case, the first (smallest) is kept.
    let mut seen: HashSet<(Vec<u8>, bool)> = HashSet::new();
    seen.insert((base_bytes, false));
    // Texts: each mistake on top of each signed-text form.
    let forms: Vec<Option<TextForm>> = match &input {
        Input::Text { .. } => TextForm::ALL.into_iter().map(Some).collect(),
        Input::Flat(_) => vec![None],
    };
    for form in forms {
        if let Some(f) = form {
            set_form(&mut input, f);
            if let Some((b, _)) = signature(&input, &[], key) {
                seen.insert((b, false));
            }
        }
        for set in &sets {
            let Some((bytes, got)) = signature(&input, set, key) else {
                continue;
            };
            if !seen.insert((bytes, set.contains(&Mistake::LowercaseHex))) {
                continue;
            }
            diagnosis.tried += 1;
            if got == sig {
                diagnosis.explanations.push(Explanation {
                    source_masked: source(&input, set, masked),
                    mistakes: set.clone(),
                });
            }
        }
    }
    Ok(diagnosis)
}

/// Renders a diagnosis as printed by the CLI.
pub fn render(d: &Diagnosis, sig: &str) -> String {
    if d.matches {
        return match d.form {
            Some(f) => format!(
                "match: the signature is correct (signed text: {} — {})\n",
                f.name(),
                f.describe()
            ),
            None => "match: the signature is correct\n".into(),
        };
    }
    let show = |s: &str| s.replace('\r', "\\r").replace('\n', "\\n");
    let mut o = format!(
        "mismatch: {sig} is not the signature of these fields\nexpected signMsg: {}\nexpected sign source: {}\n",
        d.correct,
        show(&d.source_masked)
    );
    if d.explanations.is_empty() {
        o.push_str(&format!(
            "no known mistake reproduces {sig} ({} variants tried: each mistake alone and in pairs)\n",
            d.tried
        ));
    }
    for e in &d.explanations {
        let names: Vec<&str> = e.mistakes.iter().map(|m| m.name()).collect();
        let descs: Vec<&str> = e.mistakes.iter().map(|m| m.description()).collect();
        o.push_str(&format!(
            "reproduced by: {} — {}\n  its sign source: {}\n",
            names.join(" + "),
            descs.join("; "),
            show(&e.source_masked)
        ));
    }
    o
}

fn read_fields() -> Result<Map<String, Value>, String> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read stdin: {e}"))?;
    if buf.len() > MAX_INPUT_LEN {
        return Err(format!(
            "stdin is larger than the {MAX_INPUT_LEN}-byte limit"
        ));
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err("stdin is empty; give the fields as a JSON object".into());
    }
    match serde_json::from_slice(&buf) {
        Ok(Value::Object(o)) => Ok(o),
        Ok(_) => Err("stdin must be a JSON object of fields".into()),
        Err(e) => Err(format!("stdin is not JSON: {e}")),
    }
}

/// Runs the subcommand: 0 the signature is correct, 1 it is not, `Err` (exit 2) for
/// unusable input.
pub fn cli(args: DiagnoseArgs) -> Result<u8, String> {
    let kind = MessageKind::from_name(&args.message).ok_or_else(|| {
        let names: Vec<_> = MessageKind::ALL.iter().map(|k| k.name()).collect();
        format!(
            "unknown message {:?}; one of {}",
            args.message,
            names.join(", ")
        )
    })?;
    let key = args.key.require("diagnose")?;
    let sig = args.expected.trim();
    if sig.len() != 32 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "--expected {sig:?} is not an MD5 signMsg (32 hex digits)"
        ));
    }
    let fields = read_fields()?;
    let d = diagnose(kind, &fields, &key, sig)?;
    crate::runner::write_stdout(&render(&d, sig));
    Ok(u8::from(!d.matches))
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
    fn families_keep_alternatives_apart() {
        assert_eq!(
            Mistake::AmountInYuan.family(),
            Mistake::AmountInYuanDecimals.family()
        );
        let names: HashSet<&str> = Mistake::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Mistake::ALL.len(), "names are unique");
    }
}
