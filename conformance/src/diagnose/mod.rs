//! `allinpay-conformance diagnose`: why an MD5 `signMsg` differs from the §5.2 one, on
//! either side of the exchange.
//!
//! - Signing side: the fields (JSON on stdin), the key and the signature the gateway
//!   rejected (`--expected`).
//! - Verifying side: the received wire (stdin), the key; diagnose says whether the built-in
//!   verifier accepts it, and with `--computed SIG` (what the merchant's own verifier
//!   computed) which mistake in that verifier produced SIG. With `--cert`, a certificate
//!   signature that does not verify is tried over the usual wrong signed bytes.
//!
//! The mistakes integrators and public libraries make are tried alone, in pairs, and the
//! cheap ones in triples, within a budget; the variants that reproduce the signature are
//! named. Every signed-text form a real gateway uses (`TextForm`) is correct, never a
//! mistake. The key is never shown: `<key>` stands in its place.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use serde_json::{json, Map, Value};

use allinpay_protocol::codec::{form, Mode};
use allinpay_protocol::sign::{Credentials, TextForm};
use allinpay_protocol::spec::{FieldDef, Format, MessageKind, SignScheme, Signing, WireForm};
use allinpay_protocol::{any, Charset, GatewayCert, MerchantKey};

/// Whitespace around the key (a key file read without trimming, a pasted key).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeySpace {
    TrailingLf,
    TrailingCrlf,
    TrailingSpace,
    LeadingSpace,
    /// The key given has surrounding whitespace and the code trimmed it.
    Trimmed,
}

impl KeySpace {
    const ALL: [KeySpace; 5] = [
        KeySpace::TrailingLf,
        KeySpace::TrailingCrlf,
        KeySpace::TrailingSpace,
        KeySpace::LeadingSpace,
        KeySpace::Trimmed,
    ];

    fn apply(self, key: &str) -> String {
        match self {
            KeySpace::TrailingLf => format!("{key}\n"),
            KeySpace::TrailingCrlf => format!("{key}\r\n"),
            KeySpace::TrailingSpace => format!("{key} "),
            KeySpace::LeadingSpace => format!(" {key}"),
            KeySpace::Trimmed => key.trim().to_owned(),
        }
    }
}

/// One mistake integrators make. Field mistakes hold the row of the table (or the index
/// of a field outside it) they concern; [`Explanation`] carries the names.
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
    /// The fields in the order received (or given), not the table's.
    WireOrder,
    KeyWithoutPrefix,
    KeyAfterAmpersand,
    KeyAfterBar,
    KeyEqWithoutAmpersand,
    KeyWhitespace(KeySpace),
    LeadingAmpersand,
    TrailingAmpersand,
    AmpersandAfterKey,
    UrlEncodedValues,
    /// `decodeURI`: `%2F`, `%3D`, `%26`, `%2B`, … stay escaped, `+` stays.
    DecodeUriValues,
    PlusKept,
    DoubleDecoded,
    CardNoSigned,
    InternationalFieldsSigned,
    AmountInYuanDecimals,
    AmountInYuan,
    PayType00,
    PayType0,
    /// A row of the table left out (an older version's field list).
    FieldLeftOut(u16),
    FieldSignedTwice(u16),
    /// Row `signed` signed where row `instead_of` belongs; `instead_of` never.
    FieldInPlaceOf {
        signed: u16,
        instead_of: u16,
    },
    /// A field outside the table signed (index into the extra fields).
    ExtraFieldSigned(u16),
    ExtraFieldsSigned,
    /// An extra field whose name misspells a row's, signed at that row's place.
    MisspeltField(u16),
    LfLineTerminators,
    TextKeyAsForm,
    TextKeyWithoutBar,
    SignatureLineSigned,
    EmptyLastLineSigned,
    RecordsWithoutSeparators,
}

impl Mistake {
    /// The unit mistakes (every parameterless one and each key whitespace).
    fn units() -> Vec<Mistake> {
        use Mistake as M;
        let mut v = vec![
            M::GbkCharset,
            M::Utf8Charset,
            M::LowercaseHex,
            M::EmptyFieldsSigned,
            M::AllTableFieldsSigned,
            M::AlphabeticalOrder,
            M::WireOrder,
            M::KeyWithoutPrefix,
            M::KeyAfterAmpersand,
            M::KeyAfterBar,
            M::KeyEqWithoutAmpersand,
        ];
        v.extend(KeySpace::ALL.map(M::KeyWhitespace));
        v.extend([
            M::LeadingAmpersand,
            M::TrailingAmpersand,
            M::AmpersandAfterKey,
            M::UrlEncodedValues,
            M::DecodeUriValues,
            M::PlusKept,
            M::DoubleDecoded,
            M::CardNoSigned,
            M::InternationalFieldsSigned,
            M::AmountInYuanDecimals,
            M::AmountInYuan,
            M::PayType00,
            M::PayType0,
            M::ExtraFieldsSigned,
            M::LfLineTerminators,
            M::TextKeyAsForm,
            M::TextKeyWithoutBar,
            M::SignatureLineSigned,
            M::EmptyLastLineSigned,
            M::RecordsWithoutSeparators,
        ]);
        v
    }

    /// The stable name printed by `diagnose` (parameters are shown beside it).
    pub fn name(self) -> &'static str {
        use Mistake as M;
        match self {
            M::GbkCharset => "gbk-charset",
            M::Utf8Charset => "utf8-charset",
            M::LowercaseHex => "lowercase-hex",
            M::EmptyFieldsSigned => "empty-fields-signed",
            M::AllTableFieldsSigned => "all-table-fields-signed",
            M::AlphabeticalOrder => "alphabetical-order",
            M::WireOrder => "wire-order",
            M::KeyWithoutPrefix => "key-without-prefix",
            M::KeyAfterAmpersand => "key-after-ampersand",
            M::KeyAfterBar => "key-after-bar",
            M::KeyEqWithoutAmpersand => "key-eq-without-ampersand",
            M::KeyWhitespace(KeySpace::TrailingLf) => "key-trailing-newline",
            M::KeyWhitespace(KeySpace::TrailingCrlf) => "key-trailing-crlf",
            M::KeyWhitespace(KeySpace::TrailingSpace) => "key-trailing-space",
            M::KeyWhitespace(KeySpace::LeadingSpace) => "key-leading-space",
            M::KeyWhitespace(KeySpace::Trimmed) => "key-trimmed",
            M::LeadingAmpersand => "leading-ampersand",
            M::TrailingAmpersand => "trailing-ampersand",
            M::AmpersandAfterKey => "ampersand-after-key",
            M::UrlEncodedValues => "url-encoded-values",
            M::DecodeUriValues => "decodeuri-values",
            M::PlusKept => "plus-kept",
            M::DoubleDecoded => "double-decoded",
            M::CardNoSigned => "cardno-signed",
            M::InternationalFieldsSigned => "international-fields-signed",
            M::AmountInYuanDecimals => "amount-in-yuan-decimals",
            M::AmountInYuan => "amount-in-yuan",
            M::PayType00 => "paytype-00",
            M::PayType0 => "paytype-0",
            M::FieldLeftOut(_) => "field-left-out",
            M::FieldSignedTwice(_) => "field-signed-twice",
            M::FieldInPlaceOf { .. } => "field-in-place-of",
            M::ExtraFieldSigned(_) => "extra-field-signed",
            M::ExtraFieldsSigned => "extra-fields-signed",
            M::MisspeltField(_) => "misspelt-field",
            M::LfLineTerminators => "lf-line-terminators",
            M::TextKeyAsForm => "key-as-form-field",
            M::TextKeyWithoutBar => "key-without-bar",
            M::SignatureLineSigned => "signature-line-signed",
            M::EmptyLastLineSigned => "empty-last-line-signed",
            M::RecordsWithoutSeparators => "records-without-separators",
        }
    }

    /// What the mistake is, with the rule it breaks (parameters filled in by [`label`]).
    pub fn description(self) -> &'static str {
        use Mistake as M;
        match self {
            M::GbkCharset => "hashed in GBK; inputCharset 1 (or none) means UTF-8 (§5.1 c, ERRATA E-CHARSET)",
            M::Utf8Charset => "hashed in UTF-8; inputCharset 2/3 declares GBK/GB2312 (§2.1, §5.1 c; accepted as a quirk, the official SDK hashes UTF-8: ERRATA E-CHARSET)",
            M::LowercaseHex => "lowercase hex; signMsg is uppercase (§5.2)",
            M::EmptyFieldsSigned => "empty fields signed as name=; only non-empty fields enter the sign source (§5.1)",
            M::AllTableFieldsSigned => "every field of the table signed, absent ones as name= (§5.1: only non-empty fields)",
            M::AlphabeticalOrder => "fields sorted by name; the sign source follows the table's order (§5.1)",
            M::WireOrder => "fields in the order of the wire (or of your JSON), not the table's order (§5.1: 按照报文字段的先后顺序 — the table's)",
            M::KeyWithoutPrefix => "key appended without `&key=`, just the key (§5.2)",
            M::KeyAfterAmpersand => "key appended as `&KEY`, without `key=` (§5.2)",
            M::KeyAfterBar => "key appended as `|KEY`, the texts' rule (§3.8); name=value messages append `&key=KEY` (§5.2)",
            M::KeyEqWithoutAmpersand => "key appended as `key=KEY` without the `&` (§5.2)",
            M::KeyWhitespace(KeySpace::TrailingLf) => "the key with a trailing LF (a key file read without trimming); the key has no whitespace (§5.2)",
            M::KeyWhitespace(KeySpace::TrailingCrlf) => "the key with a trailing CRLF (a key file written on Windows); the key has no whitespace (§5.2)",
            M::KeyWhitespace(KeySpace::TrailingSpace) => "the key with a trailing space (§5.2)",
            M::KeyWhitespace(KeySpace::LeadingSpace) => "the key with a leading space (§5.2)",
            M::KeyWhitespace(KeySpace::Trimmed) => "the key trimmed of the whitespace that the key given holds (§5.2)",
            M::LeadingAmpersand => "leading `&` before the first field (§5.1 注意事项 read literally; ERRATA E-5.1-AMP)",
            M::TrailingAmpersand => "trailing `&` after the last field, before `&key=` (ERRATA E-5.1-AMP)",
            M::AmpersandAfterKey => "`&` after the key (ERRATA E-5.1-AMP)",
            M::UrlEncodedValues => "values URL-encoded; the sign source holds the raw values (§5.1)",
            M::DecodeUriValues => "values decoded with decodeURI: the escapes of reserved characters (%2F, %3D, %26, %2B, %3A, …) and `+` stay in them; the sign source holds the fully decoded values (§5.1)",
            M::PlusKept => "`+` kept instead of a space when decoding; in a form body `+` is a space (§5.1: the decoded values)",
            M::DoubleDecoded => "values URL-decoded twice: a `%` or `+` of the value itself decoded again (§5.1: the values as sent)",
            M::CardNoSigned => "cardNo signed; it does not enter signMsg (§2.1)",
            M::InternationalFieldsSigned => "international-card fields signed; they enter ext1 instead (§2.1, §5.4)",
            M::AmountInYuanDecimals => "amounts in yuan with two decimals (1000 → 10.00); amounts are in fen (§2.1)",
            M::AmountInYuan => "amounts in yuan (1000 → 10); amounts are in fen (§2.1)",
            M::PayType00 => "payType 00 where the fields say 0 (§5.1's example prints 00; ERRATA E-2.1-PAYTYPE)",
            M::PayType0 => "payType 0 where the fields say 00 (ERRATA E-2.1-PAYTYPE)",
            M::FieldLeftOut(_) => "a signed field of the table left out (an older version's field list); every non-empty field of the table enters the sign source (§5.1)",
            M::FieldSignedTwice(_) => "a field signed twice; each enters the sign source once (§5.1)",
            M::FieldInPlaceOf { .. } => "one field's name in place of another's in the field list: the first signed twice, the second never (§5.1)",
            M::ExtraFieldSigned(_) => "a field that is not in the table signed; only the table's fields enter the sign source (§5.1)",
            M::ExtraFieldsSigned => "every field that is not in the table signed too; only the table's fields enter the sign source (§5.1)",
            M::MisspeltField(_) => "a misspelt field name signed in the field's place; the gateway knows only the table's spelling (§5.1)",
            M::LfLineTerminators => "LF line terminators; the gateway sends CRLF (§3.8 注释 1)",
            M::TextKeyAsForm => "key appended as `&key=KEY`; texts append `|KEY` (§3.8)",
            M::TextKeyWithoutBar => "key appended without `|` (§3.8)",
            M::SignatureLineSigned => "the signature line taken as part of the signed text; the text ends before it (§3.8 注释 2)",
            M::EmptyLastLineSigned => "an empty last line taken as part of the signed text (§3.8 注释 2)",
            M::RecordsWithoutSeparators => "the records signed without the line terminators between them (§3.8 注释 1)",
        }
    }

    /// Mistakes of one family are alternatives, never combined.
    fn family(self) -> u8 {
        use Mistake as M;
        match self {
            M::GbkCharset | M::Utf8Charset => 0,
            M::LowercaseHex => 1,
            M::EmptyFieldsSigned | M::AllTableFieldsSigned => 2,
            M::AlphabeticalOrder | M::WireOrder => 3,
            M::KeyWithoutPrefix
            | M::KeyAfterAmpersand
            | M::KeyAfterBar
            | M::KeyEqWithoutAmpersand
            | M::TextKeyAsForm
            | M::TextKeyWithoutBar => 4,
            M::LeadingAmpersand => 5,
            M::TrailingAmpersand => 6,
            M::AmpersandAfterKey => 7,
            M::UrlEncodedValues | M::DecodeUriValues | M::PlusKept | M::DoubleDecoded => 8,
            M::CardNoSigned => 9,
            M::InternationalFieldsSigned => 10,
            M::AmountInYuanDecimals | M::AmountInYuan => 11,
            M::PayType00 | M::PayType0 => 12,
            M::KeyWhitespace(_) => 13,
            M::LfLineTerminators => 14,
            M::SignatureLineSigned => 15,
            M::EmptyLastLineSigned => 16,
            M::RecordsWithoutSeparators => 17,
            M::FieldLeftOut(_) => 20,
            M::FieldSignedTwice(_) => 21,
            M::FieldInPlaceOf { .. } => 22,
            M::ExtraFieldSigned(_) | M::ExtraFieldsSigned => 23,
            M::MisspeltField(_) => 24,
        }
    }

    /// Whether `self` and `other` can be combined in one variant.
    fn compatible(self, other: Mistake) -> bool {
        use Mistake as M;
        match (self, other) {
            // Two fields left out, two extra fields: an older list lacking two rows.
            (M::FieldLeftOut(a), M::FieldLeftOut(b)) => a != b,
            (M::ExtraFieldSigned(a), M::ExtraFieldSigned(b)) => a != b,
            (M::MisspeltField(a), M::MisspeltField(b)) => a != b,
            (M::FieldLeftOut(a), M::FieldSignedTwice(b))
            | (M::FieldSignedTwice(b), M::FieldLeftOut(a)) => a != b,
            _ => self.family() != other.family(),
        }
    }

    /// The mistakes searched in triples: parameterless and cheap to build.
    fn cheap(self) -> bool {
        !matches!(
            self,
            Mistake::FieldLeftOut(_)
                | Mistake::FieldSignedTwice(_)
                | Mistake::FieldInPlaceOf { .. }
                | Mistake::ExtraFieldSigned(_)
                | Mistake::MisspeltField(_)
        )
    }

    fn for_flat(self) -> bool {
        !matches!(
            self,
            Mistake::LfLineTerminators
                | Mistake::TextKeyAsForm
                | Mistake::TextKeyWithoutBar
                | Mistake::SignatureLineSigned
                | Mistake::EmptyLastLineSigned
                | Mistake::RecordsWithoutSeparators
        )
    }

    fn for_texts(self) -> bool {
        matches!(
            self,
            Mistake::GbkCharset
                | Mistake::LowercaseHex
                | Mistake::KeyWhitespace(_)
                | Mistake::LfLineTerminators
                | Mistake::TextKeyAsForm
                | Mistake::TextKeyWithoutBar
                | Mistake::SignatureLineSigned
                | Mistake::EmptyLastLineSigned
                | Mistake::RecordsWithoutSeparators
        )
    }
}

/// A field outside the table (an unknown name of the wire, or `unknownFields` in JSON).
#[derive(Clone, Debug)]
struct Extra {
    name: String,
    value: String,
    /// The row whose name it misspells, if any.
    like: Option<usize>,
}

/// A position in the received order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Row(usize),
    Extra(usize),
}

/// A `name=value` message, ready to be signed in any variant.
#[derive(Clone, Debug)]
struct Flat {
    /// (row, value) in table order; `None` absent.
    rows: Vec<(&'static FieldDef, Option<String>)>,
    /// The values as they travelled, percent-escapes included (the wire), if known.
    raw: Vec<Option<String>>,
    extras: Vec<Extra>,
    /// The order received (wire) or given (JSON), if it differs from the table's.
    order: Option<Vec<Slot>>,
}

/// A text: its lines (summary, records), the signed-text form (ERRATA E-3.8-TEXT) and
/// the signature line, when known.
#[derive(Clone, Debug)]
struct Text {
    lines: Vec<String>,
    form: TextForm,
    sig_line: Option<String>,
    /// The wire's lines end in LF only.
    lf: bool,
    /// The lines are the received ones (hashed as received, quirks included).
    wire: bool,
}

#[derive(Clone, Debug)]
enum Input {
    Flat(Flat),
    Text(Text),
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
        if name != "signMsg" && !fields.iter().any(|f| f.name == name) {
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

/// Levenshtein distance, ASCII case folded (names are short).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The row whose name `name` misspells: the same letters in another case, or at most
/// two edits away from a name of six letters or more.
fn look_alike(fields: &[(&'static FieldDef, Option<String>)], name: &str) -> Option<usize> {
    fields.iter().position(|(f, _)| {
        f.signing == Signing::Signed
            && f.name != name
            && (f.name.eq_ignore_ascii_case(name)
                || (f.name.len() >= 6 && distance(f.name, name) <= 2))
    })
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
                // The pre-auth results as `parse` prints them.
                None => match obj.get("record") {
                    Some(Value::Object(r)) => lines.push(record_line(def.fields, r)?),
                    Some(_) => return Err("record must be an object".into()),
                    None => lines.push(record_line(def.fields, obj)?),
                },
            }
            let sig_line = match obj.get("signMsg") {
                Some(v) => Some(value_text("signMsg", v)?).filter(|s| !s.is_empty()),
                None => None,
            };
            Ok(Input::Text(Text {
                lines,
                form: any::default_text_form(kind),
                sig_line,
                lf: false,
                wire: false,
            }))
        }
        SignScheme::MerchantMd5 | SignScheme::GatewayNameValue => {
            let mut rows: Vec<(&'static FieldDef, Option<String>)> =
                def.fields.iter().map(|f| (f, None)).collect();
            let mut extras = Vec::new();
            let mut order = Vec::new();
            for (name, v) in obj {
                if name == "unknownFields" {
                    let Value::Object(u) = v else {
                        return Err("unknownFields must be an object of name → value".into());
                    };
                    for (n, x) in u {
                        if def.field(n).is_some() {
                            return Err(format!("unknownFields holds {n:?}, a field of the table"));
                        }
                        order.push(Slot::Extra(extras.len()));
                        extras.push(Extra {
                            name: n.clone(),
                            value: value_text(n, x)?,
                            like: None,
                        });
                    }
                    continue;
                }
                let Some(i) = def.fields.iter().position(|f| f.name == name) else {
                    return Err(format!(
                        "unknown field {name:?} for {} (fields outside the table go under \"unknownFields\")",
                        kind.name()
                    ));
                };
                rows[i].1 = Some(value_text(name, v)?);
                order.push(Slot::Row(i));
            }
            for e in &mut extras {
                e.like = look_alike(&rows, &e.name);
            }
            let raw = vec![None; rows.len()];
            let mut flat = Flat {
                rows,
                raw,
                extras,
                order: None,
            };
            flat.set_order(order);
            Ok(Input::Flat(flat))
        }
    }
}

impl Flat {
    /// Keeps `order` if it places the signed fields otherwise than the table does.
    fn set_order(&mut self, order: Vec<Slot>) {
        let rows: Vec<usize> = order
            .iter()
            .filter_map(|s| match s {
                Slot::Row(i) => Some(*i),
                Slot::Extra(_) => None,
            })
            .filter(|i| self.rows[*i].0.signing == Signing::Signed)
            .collect();
        let sorted = rows.windows(2).all(|w| w[0] < w[1]);
        self.order = (!sorted).then_some(order);
    }

    fn nonempty(&self, i: usize) -> bool {
        self.rows[i].1.as_deref().is_some_and(|s| !s.is_empty())
    }
}

fn set_form(input: &mut Input, f: TextForm) {
    if let Input::Text(t) = input {
        t.form = f;
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

fn hex_val(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Percent-decoding with `keep(byte)` saying which decoded ASCII bytes stay escaped and
/// `plus` whether `+` is a space. Bad escapes stay as they are; invalid UTF-8 is replaced.
fn percent_decode(raw: &str, keep: impl Fn(u8) -> bool, plus: bool) -> String {
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
fn decode_uri(raw: &str) -> String {
    percent_decode(raw, |c| b";/?:@&=+$,#".contains(&c), false)
}

/// The parts of a variant's source before the key is appended, and how the key goes.
fn flat_source(f: &Flat, set: &[Mistake]) -> String {
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

fn text_body(t: &Text, set: &[Mistake]) -> String {
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
fn source(input: &Input, set: &[Mistake], key: &str) -> String {
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

/// 32 hex digits as the 16 bytes of a digest.
fn sig_bytes(sig: &str) -> Option<[u8; 16]> {
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

fn hex(d: &[u8], lowercase: bool) -> String {
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

/// The charset the rule hashes `input` in: payData's inputCharset (ERRATA E-CHARSET).
fn declared(input: &Input) -> Charset {
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

fn encode(text: String, charset: Charset) -> Option<Vec<u8>> {
    match charset {
        Charset::Utf8 => Some(text.into_bytes()),
        Charset::Gbk | Charset::Gb2312 => {
            let (b, _, unmappable) = encoding_rs::GBK.encode(&text);
            (!unmappable).then(|| b.into_owned())
        }
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
fn digest(input: &Input, set: &[Mistake], key: &MerchantKey) -> Option<[u8; 16]> {
    let charset = variant_charset(input, set)?;
    let bytes = encode(source(input, set, key.expose()), charset)?;
    Some(Md5::digest(&bytes).into())
}

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

/// At most this many variants are hashed, and the search stops after this long.
pub const MAX_VARIANTS: usize = 200_000;
pub const TIME_BUDGET: Duration = Duration::from_millis(800);

fn label(input: &Input, m: Mistake) -> (String, String) {
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

fn explain(input: &Input, set: &[Mistake], masked: &str) -> Explanation {
    let (labels, descriptions) = set.iter().map(|m| label(input, *m)).unzip();
    Explanation {
        mistakes: set.to_vec(),
        labels,
        descriptions,
        source_masked: source(input, set, masked),
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
fn singles(input: &Input, key: &MerchantKey) -> Vec<Mistake> {
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
        .filter(|m| {
            *m != Mistake::KeyWhitespace(KeySpace::Trimmed) || key.expose().trim() != key.expose()
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

/// Explains `sig` for the JSON `fields` of `kind` signed with `key`.
pub fn diagnose(
    kind: MessageKind,
    fields: &Map<String, Value>,
    key: &MerchantKey,
    sig: &str,
) -> Result<Diagnosis, String> {
    let input = input(kind, fields)?;
    diagnose_input(kind, fields, input, key, sig, Instant::now() + TIME_BUDGET)
}

fn diagnose_input(
    kind: MessageKind,
    fields: &Map<String, Value>,
    mut input: Input,
    key: &MerchantKey,
    sig: &str,
    deadline: Instant,
) -> Result<Diagnosis, String> {
    let masked = key.masked();
    // Texts from a wire are hashed as received (LF line ends included); fields as the
    // library builds them, and the variant builder must agree with it on the rule.
    let correct = match &input {
        Input::Text(t) if t.wire => hex(&digest(&input, &[], key).unwrap_or_default(), false),
        _ => {
            let mut obj = fields.clone();
            obj.remove("unknownFields");
            let correct = any::md5_sign_fields(kind, &obj, key, declared(&input), None)
                .map_err(|e| e.to_string())?
                .as_str()
                .to_owned();
            let base = digest(&input, &[], key).map(|d| hex(&d, false));
            if base.as_deref() != Some(correct.as_str()) {
                return Err(format!(
                    "internal error: the variant builder disagrees with the library for {}",
                    kind.name()
                ));
            }
            correct
        }
    };
    let mut d = Diagnosis {
        matches: sig == correct,
        correct,
        source_masked: source(&input, &[], masked),
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
    let forms: Vec<Option<TextForm>> = match &input {
        Input::Text(_) => TextForm::ALL.into_iter().map(Some).collect(),
        Input::Flat(_) => vec![None],
    };
    let default = match &input {
        Input::Text(t) => Some(t.form),
        Input::Flat(_) => None,
    };
    for f in forms.iter().flatten() {
        set_form(&mut input, *f);
        if let Some(dg) = digest(&input, &[], key) {
            seen.insert((dg, false));
            if !d.matches && hex(&dg, false) == sig {
                d.matches = true;
                d.form = Some(*f);
            }
        }
    }
    if let Some(f) = default {
        set_form(&mut input, f);
        if d.matches && d.form.is_none() {
            d.form = Some(f);
        }
    }
    if let Input::Flat(_) = input {
        if let Some(dg) = digest(&input, &[], key) {
            seen.insert((dg, false));
        }
    }
    if d.matches {
        return Ok(d);
    }
    // The signature as bytes, and which hex cases it is written in.
    let target = sig_bytes(sig).map(|t| {
        (
            t,
            !sig.bytes().any(|b| b.is_ascii_uppercase()),
            !sig.bytes().any(|b| b.is_ascii_lowercase()),
        )
    });
    let singles = singles(&input, key);
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
                set_form(&mut input, *f);
            }
            for set in &sets {
                if d.tried >= MAX_VARIANTS || Instant::now() > deadline {
                    d.budget_exhausted = true;
                    break;
                }
                let Some(dg) = digest(&input, set, key) else {
                    continue;
                };
                let lower = set.contains(&Mistake::LowercaseHex);
                if !seen.insert((dg, lower)) {
                    continue;
                }
                d.tried += 1;
                match level {
                    1 => d.singles += 1,
                    2 => d.pairs += 1,
                    _ => d.triples += 1,
                }
                if target.is_some_and(|(t, is_lower, is_upper)| {
                    dg == t && if lower { is_lower } else { is_upper }
                }) {
                    d.explanations.push(explain(&input, set, masked));
                }
            }
        }
        if let Some(f) = default {
            set_form(&mut input, f);
        }
        if !d.explanations.is_empty() || d.budget_exhausted {
            break;
        }
    }
    Ok(d)
}

fn show(s: &str) -> String {
    s.replace('\r', "\\r").replace('\n', "\\n")
}

fn render_diagnosis(d: &Diagnosis, sig: &str, o: &mut String) {
    if d.matches {
        match d.form {
            Some(f) => o.push_str(&format!(
                "match: the signature is correct (signed text: {} — {})\n",
                f.name(),
                f.describe()
            )),
            None => o.push_str("match: the signature is correct\n"),
        }
        return;
    }
    o.push_str(&format!(
        "mismatch: {sig} is not the signature of these fields\nexpected signMsg: {}\nexpected sign source: {}\n",
        d.correct,
        show(&d.source_masked)
    ));
    let counts = format!(
        "{} variants tried: {} single mistakes, {} pairs, {} triples{}",
        d.tried,
        d.singles,
        d.pairs,
        d.triples,
        if d.budget_exhausted {
            "; the search budget ran out"
        } else {
            ""
        }
    );
    if d.explanations.is_empty() {
        o.push_str(&format!("no known mistake reproduces {sig} ({counts})\n"));
    }
    for e in &d.explanations {
        o.push_str(&format!(
            "reproduced by: {} — {}\n",
            e.labels.join(" + "),
            e.descriptions.join("; ")
        ));
        if let Some(f) = e.form {
            o.push_str(&format!("  on the signed-text form: {}\n", f.name()));
        }
        o.push_str(&format!("  its sign source: {}\n", show(&e.source_masked)));
    }
    if !d.explanations.is_empty() {
        o.push_str(&format!("({counts})\n"));
    }
}

/// Renders a diagnosis as printed by the CLI.
pub fn render(d: &Diagnosis, sig: &str) -> String {
    let mut o = String::new();
    render_diagnosis(d, sig, &mut o);
    o
}

/// A diagnosis as JSON (`--format json`).
pub fn diagnosis_json(d: &Diagnosis, sig: &str) -> Value {
    let explanations: Vec<Value> = d
        .explanations
        .iter()
        .map(|e| {
            json!({
                "mistakes": e.mistakes.iter().zip(&e.labels).zip(&e.descriptions).map(|((m, l), ds)| json!({
                    "name": m.name(), "label": l, "description": ds,
                })).collect::<Vec<_>>(),
                "textForm": e.form.map(|f| f.name()),
                "source": e.source_masked,
            })
        })
        .collect();
    json!({
        "signature": sig,
        "matches": d.matches,
        "textForm": d.form.map(|f| f.name()),
        "correct": d.correct,
        "correctSource": d.source_masked,
        "explanations": explanations,
        "variantsTried": d.tried,
        "singles": d.singles,
        "pairs": d.pairs,
        "triples": d.triples,
        "budgetExhausted": d.budget_exhausted,
    })
}

// ---------------------------------------------------------------------------------------
// Verifying side.

/// What the built-in verifier says of a received message.
#[derive(Clone, Debug)]
pub struct Builtin {
    pub valid: bool,
    pub error: Option<String>,
    pub text_form: Option<TextForm>,
    pub charset: Charset,
    pub deviation: Option<String>,
}

/// A certificate signature tried over the usual wrong signed bytes.
#[derive(Clone, Debug)]
pub struct CertReport {
    /// The variant whose bytes verify (description, bytes shown with the key masked).
    pub verifies: Option<(String, String)>,
    pub tried: usize,
}

/// The verifying-side report.
#[derive(Clone, Debug)]
pub struct VerifyReport {
    pub sign_type: Option<String>,
    pub received_sig: String,
    pub builtin: Builtin,
    /// `--computed`: which mistake of the merchant's verifier produced it.
    pub computed: Option<(String, Diagnosis)>,
    /// The received MD5 signature, explained when the built-in rejects it.
    pub received: Option<Diagnosis>,
    pub cert: Option<CertReport>,
}

/// The received names in order, with their raw values (a form body).
fn wire_pairs(body: &str) -> Vec<(String, String)> {
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    body.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| {
            let name = form::decode_component(n, 0).unwrap_or_else(|_| n.to_owned());
            (name, v.to_owned())
        })
        .collect()
}

/// The diagnosis input of a received message: its fields, the wire's order and raw
/// values (form bodies), the lines as received (texts).
fn received_input(
    kind: MessageKind,
    wire: &[u8],
    received: &any::Received,
) -> Result<(Map<String, Value>, Input), String> {
    let Value::Object(obj) = received.to_json() else {
        return Err("internal error: a parsed message is not an object".into());
    };
    if let Some(text) = &received.signed_text {
        let text = String::from_utf8_lossy(text).into_owned();
        let lf = text.contains('\n') && !text.contains("\r\n");
        let mut lines: Vec<String> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
            .collect();
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let mut input = input(kind, &obj)?;
        if let Input::Text(t) = &mut input {
            t.lines = lines;
            t.lf = lf;
            t.wire = true;
            t.sig_line = Some(received.sign_msg().to_owned()).filter(|s| !s.is_empty());
        }
        return Ok((obj, input));
    }
    let mut input = input(kind, &obj)?;
    if let (Input::Flat(f), WireForm::Form) = (&mut input, kind.def().wire) {
        let body = String::from_utf8_lossy(wire);
        let mut order = Vec::new();
        for (name, raw) in wire_pairs(&body) {
            if let Some(i) = f.rows.iter().position(|(d, _)| d.name == name) {
                f.raw[i] = Some(raw);
                order.push(Slot::Row(i));
            } else if let Some(e) = f.extras.iter().position(|x| x.name == name) {
                order.push(Slot::Extra(e));
            }
        }
        f.set_order(order);
    }
    Ok((obj, input))
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
            set_form(input, f);
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

/// Diagnoses a received wire (the verifying side).
pub fn diagnose_wire(
    kind: MessageKind,
    wire: &[u8],
    key: Option<&MerchantKey>,
    cert: Option<&GatewayCert>,
    computed: Option<&str>,
) -> Result<VerifyReport, String> {
    let received = any::parse(kind, wire, Mode::Lenient).map_err(|e| e.to_string())?;
    let creds = Credentials {
        key,
        cert,
        expected_sign_type: None,
    };
    let builtin = match received.verify_as_received(creds, Mode::Lenient) {
        Ok(v) => Builtin {
            valid: true,
            error: None,
            text_form: v.text_form,
            charset: v.charset,
            deviation: v.deviation.map(|d| format!("{d:?}")),
        },
        Err(e) => Builtin {
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
    let md5 = sign_type.as_deref() != Some("1");
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
        let key = key.ok_or("--computed needs the MD5 key (--key or --key-file)")?;
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

/// Renders the verifying-side report.
pub fn render_report(r: &VerifyReport) -> String {
    let mut o = String::new();
    if r.builtin.valid {
        o.push_str("built-in verifier: valid");
        if let Some(f) = r.builtin.text_form {
            o.push_str(&format!(" (signed text: {} — {})", f.name(), f.describe()));
        }
        o.push('\n');
        if let Some(d) = &r.builtin.deviation {
            o.push_str(&format!(
                "  accepted quirk: {d} (hashed in {}; ERRATA E-CHARSET)\n",
                r.builtin.charset.name()
            ));
        }
    } else {
        o.push_str(&format!(
            "built-in verifier: invalid: {}\n",
            r.builtin.error.as_deref().unwrap_or("?")
        ));
    }
    if let Some((c, d)) = &r.computed {
        o.push_str(&format!("your verifier computed {c}:\n"));
        if d.matches {
            o.push_str("  it computes the right signature");
            if let Some(f) = d.form {
                o.push_str(&format!(" (signed text: {})", f.name()));
            }
            o.push('\n');
        } else {
            let mut inner = String::new();
            render_diagnosis(d, c, &mut inner);
            for line in inner.lines() {
                o.push_str(&format!("  {line}\n"));
            }
        }
    }
    if let Some(d) = &r.received {
        o.push_str(&format!(
            "the received signMsg {} is not the signature of the received fields:\n",
            r.received_sig
        ));
        let mut inner = String::new();
        render_diagnosis(d, &r.received_sig, &mut inner);
        for line in inner.lines().skip(1) {
            o.push_str(&format!("  {line}\n"));
        }
    }
    if let Some(c) = &r.cert {
        match &c.verifies {
            Some((what, shown)) => o.push_str(&format!(
                "certificate: the signature verifies over {what} ({} variants tried)\n  signed bytes: {}\n",
                c.tried,
                show(shown)
            )),
            None => o.push_str(&format!(
                "certificate: no signed-byte variant verifies ({} variants tried: the sign source or text, its MD5 hex, with and without the final CRLF, with the key appended, in GBK)\n",
                c.tried
            )),
        }
    }
    o
}

/// The verifying-side report as JSON.
pub fn report_json(r: &VerifyReport) -> Value {
    json!({
        "side": "verifying",
        "signType": r.sign_type,
        "receivedSignature": r.received_sig,
        "builtin": {
            "valid": r.builtin.valid,
            "error": r.builtin.error,
            "textForm": r.builtin.text_form.map(|f| f.name()),
            "charset": r.builtin.charset.name(),
            "deviation": r.builtin.deviation,
        },
        "computed": r.computed.as_ref().map(|(c, d)| diagnosis_json(d, c)),
        "received": r.received.as_ref().map(|d| diagnosis_json(d, &r.received_sig)),
        "certificate": r.cert.as_ref().map(|c| json!({
            "verifies": c.verifies.is_some(),
            "over": c.verifies.as_ref().map(|v| &v.0),
            "signedBytes": c.verifies.as_ref().map(|v| &v.1),
            "variantsTried": c.tried,
        })),
    })
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
        assert!(!Mistake::AmountInYuan.compatible(Mistake::AmountInYuanDecimals));
        assert!(Mistake::FieldLeftOut(1).compatible(Mistake::FieldLeftOut(2)));
        assert!(!Mistake::FieldLeftOut(1).compatible(Mistake::FieldLeftOut(1)));
        assert!(!Mistake::DecodeUriValues.compatible(Mistake::UrlEncodedValues));
        let names: HashSet<&str> = Mistake::units().iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Mistake::units().len(), "names are unique");
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
    fn look_alikes() {
        assert!(distance("mchtRefundOrderNO", "mchtRefundOrderNo") == 0);
        assert_eq!(distance("orderDatatime", "orderDatetime"), 1);
        assert_eq!(distance("abc", "xyz"), 3);
    }
}
