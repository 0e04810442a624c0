//! `run --generate N`: generative conformance (issue 12). proptest strategies built from the
//! spec tables (`allinpay_protocol::spec`) produce N messages per message type; each is
//! signed, verified (as signed, with a signed field changed, with an unsigned field changed
//! or an unknown field added) and parsed by the implementation under test, and every answer
//! is compared with the built-in implementation. The first disagreement of each message and
//! operation is shrunk (the proptest value tree's `simplify`/`complicate`, re-asking the
//! implementation at each step) and printed as a one-line reproducer and as a vector case in
//! the `allinpay-vectors/v1` format.
//!
//! Every run also checks the built-in implementation itself against an independent second
//! computation of the sign source and MD5 ([`independent`]: string building over the table
//! rows and the `md-5` crate, no code shared with `allinpay_protocol::sign`).
//!
//! Case `K` of message `M` under seed `S` draws its value from an RNG seeded by
//! `(S, M, K)` only: `--seed S --case K --filter M` reruns exactly that case.

use std::time::Instant;

use md5::{Digest, Md5};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value};

use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{FieldDef, Format, Presence, SignScheme, Signing, WireForm};
use allinpay_protocol::MessageKind;

use crate::adapter::{Builtin, Implementation};
use crate::cases::{glob_match, Case, CaseOp};
use crate::vectors::Expected;
use crate::verdict::{CaseResult, Verdict};

/// Messages per type when `--generate` is given without a number.
pub const DEFAULT_N: u32 = 100;
/// The largest `--generate`.
pub const MAX_N: u32 = 1_000_000;
/// Implementation calls one shrink may make.
const MAX_SHRINK_STEPS: u32 = 400;

/// What `run --generate` was asked.
#[derive(Clone, Debug)]
pub struct GenOptions {
    pub n: u32,
    pub seed: u64,
    /// Only this case index (for every selected message).
    pub case: Option<u32>,
    /// Globs on the message name or the generated case id (`gen/MESSAGE/SEED/K/OP`).
    pub filter: Vec<String>,
    pub mode: Mode,
    /// The adapter command line, for the reproducer.
    pub adapter: Option<String>,
    pub strict: bool,
}

// ---- The generated message ----

/// One generated message with the choices of how it travels.
#[derive(Clone, Debug)]
pub struct Generated {
    pub kind: MessageKind,
    /// The table's values by row (flat messages: one record; texts: 1–3 records).
    pub records: Vec<Vec<Option<String>>>,
    /// §3.4 summary: merchantId, count, pageNo, hasNextPage.
    pub summary: [String; 4],
    pub key: String,
    /// Texts: the form the signature covers.
    pub form: TextForm,
    /// 0: the wire lists fields in table order; otherwise a shuffle seed.
    pub shuffle: u64,
    /// Form bodies: a space is `+` (else `%20`).
    pub plus: bool,
    /// Form bodies: escapes as `%2f` (else `%2F`).
    pub lower_hex: bool,
    /// Which signed field the tampered copy changes.
    pub tamper: u16,
    /// The unknown field added to the "unsigned change" copy.
    pub unknown: (String, String),
    /// Texts: the signature line is followed by CRLF.
    pub trailing_crlf: bool,
}

fn is_text(kind: MessageKind) -> bool {
    matches!(kind.def().wire, WireForm::PipeText | WireForm::Base64Batch)
}

fn is_signed(kind: MessageKind) -> bool {
    kind.def().scheme != SignScheme::Unsigned
}

impl Generated {
    fn def_fields(&self) -> &'static [FieldDef] {
        self.kind.def().fields
    }

    /// The charset §5.1 c hashes in: payData's inputCharset, UTF-8 otherwise.
    pub fn charset(&self) -> &'static str {
        if self.kind == MessageKind::PayRequest {
            match self.value("inputCharset") {
                Some("2") => return "gbk",
                Some("3") => return "gb2312",
                _ => {}
            }
        }
        "utf-8"
    }

    fn value(&self, name: &str) -> Option<&str> {
        let i = self.def_fields().iter().position(|f| f.name == name)?;
        self.records.first()?.get(i)?.as_deref()
    }

    fn record_object(&self, rec: &[Option<String>]) -> Map<String, Value> {
        let mut m = Map::new();
        for (f, v) in self.def_fields().iter().zip(rec) {
            if f.signing == Signing::Signature {
                continue;
            }
            if let Some(v) = v {
                m.insert(f.name.to_owned(), json!(v));
            }
        }
        m
    }

    /// The `fields` of a sign request (docs/adapter.md).
    pub fn sign_fields(&self) -> Map<String, Value> {
        let recs: Vec<Value> = self
            .records
            .iter()
            .map(|r| Value::Object(self.record_object(r)))
            .collect();
        match self.kind {
            MessageKind::RefundQueryResponse => {
                let mut m = Map::new();
                m.insert("records".into(), Value::Array(recs));
                m
            }
            MessageKind::BatchQueryResponse => {
                let s = &self.summary;
                let mut m = Map::new();
                m.insert(
                    "summary".into(),
                    json!({"merchantId": s[0], "count": s[1], "pageNo": s[2], "hasNextPage": s[3]}),
                );
                m.insert("records".into(), Value::Array(recs));
                m
            }
            _ => self.record_object(self.records.first().map_or(&[], Vec::as_slice)),
        }
    }

    /// The sign request.
    pub fn sign_request(&self) -> Value {
        let mut req = json!({"op": "sign", "message": self.kind.name(),
            "fields": self.sign_fields(), "key": self.key, "charset": self.charset()});
        if is_text(self.kind) {
            req["textForm"] = json!(self.form.name());
        }
        req
    }
}

// ---- Strategies from the tables ----

const ALNUM: &[char] = &[
    'a', 'b', 'c', 'x', 'y', 'z', 'A', 'B', 'M', 'Z', '0', '1', '2', '5', '9',
];
const DIGITS: &[char] = &['1', '0', '2', '3', '4', '5', '6', '7', '8', '9'];
const ORDER: &[char] = &['A', '0', '1', '9', 'N', 'O', 'M', 'z', '-', '_'];
/// The edge classes: form and URL delimiters, spaces, quotes, Chinese (GB2312), a Latin
/// letter with an accent, 4-byte UTF-8.
const EDGE: &[char] = &[
    'a', ' ', '&', '=', '+', '%', '<', '>', '/', ':', ';', ',', '?', '@', '$', '#', '\'', '"', '*',
    '~', '!', '(', ')', '.', '中', '文', '商', '品', 'é', '😀', '𠮷', 'Z', '9',
];
const PRODUCTS: &[&str] = &[
    "测试商品",
    "手机充值100元",
    "通联支付礼品卡",
    "会员月卡 VIP",
    "Apple iPhone 15 Pro",
    "商品A&B套装",
    "50%折扣券",
    "图书《三体》",
    "咖啡 x2 + 蛋糕",
];
const URLS: &[&str] = &[
    "http://www.example.com/notify",
    "https://shop.example.cn/pay/result?id=1&t=2",
    "http://192.168.1.10:8080/allinpay/receive.do",
    "https://m.example.com/a/b;c?x=%2F",
];
const COUNTRIES: &[&str] = &["US", "CA", "CN", "HK", "JP", "GB", "DE", "FR", "AU", "SG"];
const STATES: &[&str] = &["CA", "NY", "TX", "ON", "BC", "QC", "Beijing", "Guangdong"];
const POSTAL: &[&str] = &["94105", "10001", "M5V3L9", "12345-6789", "100000"];
const CURRENCIES: &[&str] = &["156", "0", "840", "344", "978", "392", "826"];
const UNKNOWN_NAMES: &[&str] = &["remark", "attach", "notifyId", "tradeNo"];

fn chars(set: &'static [char], min: usize, max: usize) -> BoxedStrategy<String> {
    prop::collection::vec(prop::sample::select(set), min..=max.max(min))
        .prop_map(|v| v.into_iter().collect())
        .boxed()
}

fn pick(set: &'static [&'static str]) -> BoxedStrategy<String> {
    prop::sample::select(set).prop_map(str::to_owned).boxed()
}

/// At most `max` bytes, cut at a character boundary.
fn clip(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
    }
    s
}

fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A real date and time, `yyyyMMddHHmmss`.
fn datetime14() -> BoxedStrategy<String> {
    (
        2000u32..2036,
        1u32..=12,
        1u32..=31,
        0u32..24,
        0u32..60,
        0u32..60,
    )
        .prop_map(|(y, mo, d, h, mi, s)| {
            let d = d.min(days_in(y, mo));
            format!("{y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02}")
        })
        .boxed()
}

fn datehour10() -> BoxedStrategy<String> {
    (2000u32..2036, 1u32..=12, 1u32..=31, 0u32..24)
        .prop_map(|(y, mo, d, h)| {
            let d = d.min(days_in(y, mo));
            format!("{y:04}{mo:02}{d:02}{h:02}")
        })
        .boxed()
}

/// A value of exactly `max` bytes (ASCII).
fn max_length(set: &'static [char], max: usize) -> BoxedStrategy<String> {
    prop::sample::select(set)
        .prop_map(move |c| std::iter::repeat_n(c, max).collect())
        .boxed()
}

/// Values of one field: realistic ones first (what shrinking tends to), then the edges.
fn value_strategy(f: &FieldDef) -> BoxedStrategy<String> {
    let max = usize::from(f.max_len.unwrap_or(60));
    let s = match f.format {
        Format::Text => prop_oneof![
            3 => chars(ALNUM, 1, max.min(16)),
            2 => pick(PRODUCTS),
            4 => chars(EDGE, 1, max.min(24)),
            1 => max_length(ALNUM, max),
        ]
        .boxed(),
        Format::Digits => prop_oneof![
            4 => chars(DIGITS, 1, max.min(20)),
            1 => max_length(DIGITS, max),
        ]
        .boxed(),
        Format::Amount => prop_oneof![
            4 => (1u64..100_000).prop_map(|n| n.to_string()),
            1 => chars(DIGITS, 1, max),
        ]
        .boxed(),
        Format::DateTime14 | Format::DateTimeText => datetime14(),
        Format::DateHour10 => datehour10(),
        Format::OrderNo => prop_oneof![
            4 => chars(ORDER, 1, max.min(24)),
            1 => max_length(ORDER, max),
        ]
        .boxed(),
        Format::OneOf(set) => pick(set),
        Format::Currency => pick(CURRENCIES),
        Format::Url => prop_oneof![
            2 => pick(URLS),
            1 => (chars(ALNUM, 1, 10), chars(EDGE, 0, 12))
                .prop_map(|(host, path)| format!("http://{host}.com/{path}")),
        ]
        .boxed(),
        Format::Country => pick(COUNTRIES),
        Format::State => pick(STATES),
        Format::PostalCode => pick(POSTAL),
        Format::Email => (chars(ALNUM, 1, 10), chars(ALNUM, 1, 10))
            .prop_map(|(a, b)| format!("{a}@{b}.com"))
            .boxed(),
        Format::Expiry => chars(DIGITS, 4, 4),
        Format::Cvv2 => chars(DIGITS, 3, 3),
        Format::SignMsg => Just(String::new()).boxed(),
    };
    s.prop_map(move |v| clip(v, max)).boxed()
}

/// A field: required ones always have a value; optional ones are absent, empty or set.
fn field_strategy(f: &'static FieldDef) -> BoxedStrategy<Option<String>> {
    if f.signing == Signing::Signature {
        return Just(None).boxed();
    }
    let v = value_strategy(f);
    match f.presence {
        Presence::Required => v.prop_map(Some).boxed(),
        Presence::Optional => prop_oneof![
            2 => Just(None),
            1 => Just(Some(String::new())),
            3 => v.prop_map(Some),
        ]
        .boxed(),
    }
}

fn record_strategy(kind: MessageKind) -> BoxedStrategy<Vec<Option<String>>> {
    kind.def()
        .fields
        .iter()
        .map(field_strategy)
        .collect::<Vec<_>>()
        .boxed()
}

/// Whether GBK (and so GB2312's characters, as every implementation hashes them) encodes `c`.
fn gbk_encodable(c: char) -> bool {
    let mut buf = [0u8; 4];
    let (_, _, unmappable) = encoding_rs::GBK.encode(c.encode_utf8(&mut buf));
    !unmappable
}

/// Makes a drawn value a message of its kind: MD5 signTypes for gateway messages, texts
/// without `|` and line breaks, payData under inputCharset 2/3 encodable in GBK.
fn fix_up(g: &mut Generated) {
    let kind = g.kind;
    let fields = kind.def().fields;
    let gateway = matches!(
        kind.def().scheme,
        SignScheme::GatewayNameValue | SignScheme::GatewayText
    );
    let gbk = g.charset() != "utf-8";
    for rec in &mut g.records {
        for (f, v) in fields.iter().zip(rec.iter_mut()) {
            if gateway && f.name == "signType" {
                *v = Some("0".into());
            }
            let Some(s) = v.as_mut() else { continue };
            if is_text(kind) || kind == MessageKind::ErrorResponse {
                s.retain(|c| !matches!(c, '|' | '\r' | '\n'));
            }
            if kind == MessageKind::ErrorResponse {
                s.retain(|c| !matches!(c, '&' | '=' | '"' | ' '));
            }
            if gbk {
                s.retain(gbk_encodable);
            }
            if s.is_empty() && f.presence == Presence::Required {
                *s = plain_value(f);
            }
        }
    }
    if kind == MessageKind::BatchQueryResponse {
        g.summary[1] = g.records.len().to_string();
    }
}

/// The plainest value of a field (for ablation: does the disagreement depend on it?).
fn plain_value(f: &FieldDef) -> String {
    match f.format {
        Format::Text | Format::OrderNo => "a".into(),
        Format::Digits | Format::Amount => "1".into(),
        Format::DateTime14 | Format::DateTimeText => "20000101000000".into(),
        Format::DateHour10 => "2000010100".into(),
        Format::OneOf(set) => set.first().copied().unwrap_or("0").into(),
        Format::Currency => "156".into(),
        Format::Url => URLS[0].into(),
        Format::Country => "US".into(),
        Format::State => "CA".into(),
        Format::PostalCode => "94105".into(),
        Format::Email => "a@b.com".into(),
        Format::Expiry => "2512".into(),
        Format::Cvv2 => "123".into(),
        Format::SignMsg => String::new(),
    }
}

/// The strategy of one message type.
pub fn strategy(kind: MessageKind) -> BoxedStrategy<Generated> {
    let rec = record_strategy(kind);
    let records = match kind {
        MessageKind::RefundQueryResponse => prop::collection::vec(rec, 1..=3).boxed(),
        MessageKind::BatchQueryResponse => prop::collection::vec(rec, 0..=3).boxed(),
        _ => rec.prop_map(|r| vec![r]).boxed(),
    };
    let summary = (chars(DIGITS, 1, 15), 1u32..100, any::<bool>())
        .prop_map(|(m, p, next)| {
            [
                m,
                String::new(),
                p.to_string(),
                if next { "Y" } else { "N" }.to_owned(),
            ]
        })
        .boxed();
    let key = prop_oneof![
        3 => Just("1234567890".to_owned()),
        1 => chars(ALNUM, 10, 32),
    ];
    let form = if kind == MessageKind::BatchQueryResponse {
        prop::sample::select(vec![
            TextForm::BlankLine,
            TextForm::Literal,
            TextForm::Terminated,
        ])
        .boxed()
    } else {
        prop::sample::select(vec![TextForm::Literal, TextForm::Terminated]).boxed()
    };
    let unknown = (pick(UNKNOWN_NAMES), chars(EDGE, 0, 8));
    (
        records,
        summary,
        key,
        form,
        any::<u64>(),
        any::<bool>(),
        any::<bool>(),
        any::<u16>(),
        unknown,
        any::<bool>(),
    )
        .prop_map(
            move |(
                records,
                summary,
                key,
                form,
                shuffle,
                plus,
                lower_hex,
                tamper,
                unknown,
                trailing,
            )| {
                let mut g = Generated {
                    kind,
                    records,
                    summary,
                    key,
                    form,
                    shuffle,
                    plus,
                    lower_hex,
                    tamper,
                    unknown,
                    trailing_crlf: trailing,
                };
                fix_up(&mut g);
                g
            },
        )
        .boxed()
}

/// The RNG of case `k` of `message` under `seed`: splitmix64 over the three.
fn case_rng(seed: u64, message: &str, k: u32) -> TestRng {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in message.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut state = seed ^ h.rotate_left(17) ^ u64::from(k).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_exact_mut(8) {
        chunk.copy_from_slice(&splitmix(&mut state).to_le_bytes());
    }
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

// ---- Wire forms ----

/// How the copy sent for verification differs from the signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Variant {
    Signed,
    /// One signed field changed (must fail).
    Tampered,
    /// An unknown field added, and for payData `cardNo` changed (must pass).
    Unsigned,
}

fn percent_encode(value: &str, plus: bool, lower: bool) -> String {
    let mut out = String::new();
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' if plus => out.push('+'),
            _ if lower => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    if seed == 0 {
        return items;
    }
    let mut state = seed;
    for i in (1..items.len()).rev() {
        let j = (splitmix(&mut state) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

/// The signed field the tampered copy changes: (record, row).
fn tamper_target(g: &Generated) -> Option<(usize, usize)> {
    let rows: Vec<usize> = g
        .def_fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.signing == Signing::Signed)
        .map(|(i, _)| i)
        .collect();
    if rows.is_empty() || g.records.is_empty() {
        return None;
    }
    let n = usize::from(g.tamper);
    Some((n / rows.len() % g.records.len(), rows[n % rows.len()]))
}

fn tampered_value(v: Option<&str>) -> String {
    match v {
        None | Some("") => "1".into(),
        Some(v) => format!("{v}1"),
    }
}

/// The message as it travels, signed with `sign_msg`, in `variant`.
fn wire(g: &Generated, sign_msg: &str, variant: Variant) -> String {
    let fields = g.def_fields();
    let mut records = g.records.clone();
    if variant == Variant::Tampered {
        if let Some((r, i)) = tamper_target(g) {
            records[r][i] = Some(tampered_value(records[r][i].as_deref()));
        }
    }
    for rec in &mut records {
        for (f, v) in fields.iter().zip(rec.iter_mut()) {
            if f.signing == Signing::Signature {
                *v = Some(sign_msg.to_owned());
            }
            if variant == Variant::Unsigned && f.name == "cardNo" {
                *v = Some(if v.as_deref() == Some("6222020000000001") {
                    "6222020000000002".into()
                } else {
                    "6222020000000001".into()
                });
            }
        }
    }
    let unknown = (variant == Variant::Unsigned).then_some(&g.unknown);
    match g.kind.def().wire {
        WireForm::Form => {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(&records[0])
                .filter_map(|(f, v)| v.as_ref().map(|v| (f.name.to_owned(), v.clone())))
                .collect();
            if let Some((n, v)) = unknown {
                pairs.push((n.clone(), v.clone()));
            }
            shuffled(pairs, g.shuffle)
                .iter()
                .map(|(n, v)| format!("{n}={}", percent_encode(v, g.plus, g.lower_hex)))
                .collect::<Vec<_>>()
                .join("&")
        }
        WireForm::Json => {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(&records[0])
                .filter_map(|(f, v)| {
                    let v = v.as_ref()?;
                    // §2.2.2 iOS: payResult is a JSON number.
                    let text = if g.kind == MessageKind::SyncResultIos && f.name == "payResult" {
                        v.clone()
                    } else {
                        json!(v).to_string()
                    };
                    Some((json!(f.name).to_string(), text))
                })
                .collect();
            if let Some((n, v)) = unknown {
                pairs.push((json!(n).to_string(), json!(v).to_string()));
            }
            let body: Vec<String> = shuffled(pairs, g.shuffle)
                .into_iter()
                .map(|(n, v)| format!("{n}:{v}"))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        WireForm::PipeText => {
            let mut out = String::new();
            for rec in &records {
                out.push_str(&pipe_line(rec));
                out.push_str("\r\n");
            }
            out.push_str(sign_msg);
            if g.trailing_crlf {
                out.push_str("\r\n");
            }
            out
        }
        WireForm::Base64Batch => {
            use base64::Engine as _;
            let mut out = summary_line(&g.summary);
            out.push_str("\r\n");
            for rec in &records {
                out.push_str(&pipe_line(rec));
                out.push_str("\r\n");
            }
            out.push_str("\r\n");
            out.push_str(sign_msg);
            base64::engine::general_purpose::STANDARD.encode(out)
        }
        WireForm::ErrorText => {
            let get = |i: usize| records[0].get(i).cloned().flatten();
            let mut out = format!("ERRORCODE={}", get(0).unwrap_or_default());
            if let Some(m) = get(1) {
                out.push_str(&format!("&ERRORMSG={m}"));
            }
            out
        }
    }
}

fn pipe_line(rec: &[Option<String>]) -> String {
    rec.iter()
        .map(|v| v.as_deref().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

fn summary_line(s: &[String; 4]) -> String {
    s.join("|")
}

// ---- The independent reference ----

/// A piece of a sign source: the field (or `record N column` for texts) and its bytes.
#[derive(Clone, Debug)]
struct Piece {
    what: String,
    start: usize,
    end: usize,
}

/// The sign source (text) and signature computed without the protocol crate's signing
/// code: the non-empty signed rows `name=value` joined by `&` + `&key=KEY` hashed in the
/// declared charset (§5.1, §5.2); texts: the columns joined by `|`, the lines in the
/// text form, `MD5(text|key)` (§3.8). Also where each field lies in the source.
fn independent(g: &Generated) -> Result<(String, String, Vec<Piece>), String> {
    let mut src = String::new();
    let mut pieces = Vec::new();
    if is_text(g.kind) {
        let mut lines: Vec<(String, Vec<(String, String)>)> = Vec::new();
        if g.kind == MessageKind::BatchQueryResponse {
            let names = ["merchantId", "count", "pageNo", "hasNextPage"];
            lines.push((
                "summary".into(),
                names
                    .iter()
                    .zip(&g.summary)
                    .map(|(n, v)| ((*n).to_owned(), v.clone()))
                    .collect(),
            ));
        }
        for (r, rec) in g.records.iter().enumerate() {
            lines.push((
                format!("record {}", r + 1),
                g.def_fields()
                    .iter()
                    .zip(rec)
                    .map(|(f, v)| (f.name.to_owned(), v.clone().unwrap_or_default()))
                    .collect(),
            ));
        }
        let n = lines.len();
        for (i, (label, cols)) in lines.iter().enumerate() {
            for (c, (name, v)) in cols.iter().enumerate() {
                if c > 0 {
                    src.push('|');
                }
                let start = src.len();
                src.push_str(v);
                pieces.push(Piece {
                    what: format!("{name} ({label})"),
                    start,
                    end: src.len(),
                });
            }
            let last = i + 1 == n;
            match g.form {
                TextForm::Literal if last => {}
                _ => src.push_str("\r\n"),
            }
        }
        if g.form == TextForm::BlankLine {
            src.push_str("\r\n");
        }
        let mut data = src.clone().into_bytes();
        data.push(b'|');
        data.extend_from_slice(g.key.as_bytes());
        return Ok((src, upper_hex(&Md5::digest(&data)), pieces));
    }
    for (f, v) in g.def_fields().iter().zip(&g.records[0]) {
        let Some(v) = v.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        if f.signing != Signing::Signed {
            continue;
        }
        if !src.is_empty() {
            src.push('&');
        }
        let start = src.len();
        src.push_str(f.name);
        src.push('=');
        src.push_str(v);
        pieces.push(Piece {
            what: f.name.to_owned(),
            start,
            end: src.len(),
        });
    }
    let keyed = if src.is_empty() {
        format!("key={}", g.key)
    } else {
        format!("{src}&key={}", g.key)
    };
    let bytes = match g.charset() {
        "utf-8" => keyed.into_bytes(),
        cs => {
            let (b, _, bad) = encoding_rs::GBK.encode(&keyed);
            if bad {
                return Err(format!("not encodable in {cs}"));
            }
            b.into_owned()
        }
    };
    Ok((src, upper_hex(&Md5::digest(&bytes)), pieces))
}

fn upper_hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02X}")).collect()
}

// ---- Operations ----

/// What is asked of the implementation about one generated message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The built-in against the independent computation (no implementation call).
    Reference,
    Sign,
    VerifySigned,
    VerifyTampered,
    VerifyUnsigned,
    Parse,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Reference => "reference",
            Op::Sign => "sign",
            Op::VerifySigned => "verify-signed",
            Op::VerifyTampered => "verify-tampered",
            Op::VerifyUnsigned => "verify-unsigned",
            Op::Parse => "parse",
        }
    }

    fn comment(self) -> &'static str {
        match self {
            Op::Reference => "built-in sign source and MD5 = an independent computation",
            Op::Sign => "signMsg (and signSource) equal the built-in's",
            Op::VerifySigned => "the signed wire verifies",
            Op::VerifyTampered => "a copy with one signed field changed is rejected",
            Op::VerifyUnsigned => {
                "a copy with an unknown field added (payData: cardNo changed) verifies"
            }
            Op::Parse => "the parsed fields equal the built-in's",
        }
    }
}

/// The operations that apply to a message type.
pub fn ops_for(kind: MessageKind) -> Vec<Op> {
    let mut ops = Vec::new();
    if is_signed(kind) {
        ops.extend([Op::Reference, Op::Sign]);
        // §3.3: the batch answer is signed with the certificate only.
        if kind != MessageKind::BatchQueryResponse {
            ops.extend([Op::VerifySigned, Op::VerifyTampered]);
        }
        if !is_text(kind) {
            ops.push(Op::VerifyUnsigned);
        }
    }
    ops.push(Op::Parse);
    ops
}

/// One judged operation.
#[derive(Clone, Debug)]
struct Outcome {
    verdict: Verdict,
    detail: String,
    expected: Expected,
    op: CaseOp,
    /// Sign: the byte offset where the implementation's signSource first differs.
    source_diff: Option<(String, String)>,
    /// Sign: the byte offset where signMsg first differs.
    sig_diff: Option<(String, String)>,
}

impl Outcome {
    fn disagrees(&self) -> bool {
        matches!(self.verdict, Verdict::Fail | Verdict::Error)
    }
}

fn first_difference(a: &str, b: &str) -> usize {
    a.bytes()
        .zip(b.bytes())
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

fn s(v: &Value, name: &str) -> Option<String> {
    v.get(name).and_then(Value::as_str).map(str::to_owned)
}

struct Ctx<'a> {
    imp: &'a mut dyn Implementation,
    builtin: Builtin,
    calls: u64,
}

impl Ctx<'_> {
    fn call(&mut self, req: &Value) -> Result<Value, String> {
        self.calls += 1;
        self.imp.call(req).map_err(|e| e.to_string())
    }

    fn builtin(&mut self, req: &Value) -> Value {
        self.builtin
            .call(req)
            .unwrap_or_else(|e| json!({"error": e.to_string()}))
    }
}

impl Outcome {
    /// The implementation's answer to `req`; `None` with the verdict set when there is
    /// none to judge (no usable answer: error; `unsupported`: skipped).
    fn answer(&mut self, ctx: &mut Ctx<'_>, req: &Value) -> Option<Value> {
        match ctx.call(req) {
            Err(e) => {
                self.verdict = Verdict::Error;
                self.detail = e;
                None
            }
            Ok(a) if unsupported(&a) => {
                self.verdict = Verdict::Skipped;
                self.detail = "unsupported by the implementation".into();
                None
            }
            Ok(a) => Some(a),
        }
    }
}

fn unsupported(a: &Value) -> bool {
    a.get("unsupported").and_then(Value::as_bool) == Some(true)
}

/// The built-in's signature of `g` (for the wires): (signMsg, signSource).
fn builtin_sign(ctx: &mut Ctx<'_>, g: &Generated) -> (String, Option<String>) {
    let a = ctx.builtin(&g.sign_request());
    (s(&a, "signMsg").unwrap_or_default(), s(&a, "signSource"))
}

fn verify_request(g: &Generated, wire: &str) -> Value {
    json!({"op": "verify", "message": g.kind.name(), "wire": wire, "key": g.key,
           "charset": g.charset()})
}

fn run_op(op: Op, g: &Generated, ctx: &mut Ctx<'_>) -> Outcome {
    let (sig, source) = if is_signed(g.kind) {
        builtin_sign(ctx, g)
    } else {
        (String::new(), None)
    };
    let sign_case = || CaseOp::Sign {
        key: g.key.clone(),
        charset: g.charset().to_owned(),
        fields: g.sign_fields(),
        sign_source: source.clone(),
        text_form: is_text(g.kind).then(|| g.form.name().to_owned()),
        sign_msg: sig.clone(),
    };
    let mut out = Outcome {
        verdict: Verdict::Pass,
        detail: String::new(),
        expected: Expected::Valid,
        op: sign_case(),
        source_diff: None,
        sig_diff: None,
    };
    match op {
        Op::Reference => match independent(g) {
            Err(e) => {
                out.verdict = Verdict::Fail;
                out.detail = format!("the independent computation failed: {e}");
            }
            Ok((src, md5, _)) => {
                let src_ok = source.as_deref() == Some(src.as_str());
                if sig != md5 || !src_ok {
                    out.verdict = Verdict::Fail;
                    out.sig_diff = (sig != md5).then(|| (sig.clone(), md5.clone()));
                    out.source_diff =
                        (!src_ok).then(|| (source.clone().unwrap_or_default(), src.clone()));
                    out.detail = format!(
                        "built-in signMsg {sig}, independent {md5}; built-in signSource {:?}, independent {src:?}",
                        source.as_deref().unwrap_or("")
                    );
                    // Reported against the reference: the expected values are the
                    // independent ones.
                    out.op = CaseOp::Sign {
                        key: g.key.clone(),
                        charset: g.charset().to_owned(),
                        fields: g.sign_fields(),
                        sign_source: Some(src),
                        text_form: is_text(g.kind).then(|| g.form.name().to_owned()),
                        sign_msg: md5,
                    };
                } else {
                    out.detail = format!("signMsg {sig}");
                }
            }
        },
        Op::Sign => {
            let req = g.sign_request();
            if let Some(a) = out.answer(ctx, &req) {
                if let Some(e) = a.get("error") {
                    out.verdict = Verdict::Fail;
                    out.detail = format!("refused to sign: {e}; built-in signMsg {sig}");
                } else if let Some(got) = s(&a, "signMsg") {
                    let got_src = s(&a, "signSource");
                    let src_bad = match (&got_src, &source) {
                        (Some(x), Some(y)) => x != y,
                        _ => false,
                    };
                    out.detail = format!("signMsg {got}; built-in {sig}");
                    if got != sig || src_bad {
                        out.verdict = Verdict::Fail;
                        if got != sig {
                            out.sig_diff = Some((got.clone(), sig.clone()));
                        }
                        if src_bad {
                            let (x, y) = (
                                got_src.clone().unwrap_or_default(),
                                source.clone().unwrap_or_default(),
                            );
                            out.source_diff = Some((x.clone(), y.clone()));
                            out.detail
                                .push_str(&format!("; signSource {x:?}, built-in {y:?}"));
                        }
                    }
                } else {
                    out.verdict = Verdict::Error;
                    out.detail = "bad answer: a sign answer needs signMsg".into();
                }
            }
        }
        Op::VerifySigned | Op::VerifyTampered | Op::VerifyUnsigned => {
            let variant = match op {
                Op::VerifySigned => Variant::Signed,
                Op::VerifyTampered => Variant::Tampered,
                _ => Variant::Unsigned,
            };
            let w = wire(g, &sig, variant);
            let req = verify_request(g, &w);
            let must = variant != Variant::Tampered;
            out.expected = if must {
                Expected::Valid
            } else {
                Expected::Invalid
            };
            out.op = CaseOp::Verify {
                key: Some(g.key.clone()),
                charset: Some(g.charset().to_owned()),
                configured_sign_type: None,
                certificate: None,
                wire: w,
            };
            let builtin_valid = ctx.builtin(&req).get("valid").and_then(Value::as_bool);
            let what = match variant {
                Variant::Tampered => tamper_target(g)
                    .map(|(r, i)| {
                        let name = g.def_fields()[i].name;
                        if is_text(g.kind) {
                            format!(" ({name} of record {} changed)", r + 1)
                        } else {
                            format!(" ({name} changed)")
                        }
                    })
                    .unwrap_or_default(),
                Variant::Unsigned => format!(" (unknown field {} added)", g.unknown.0),
                Variant::Signed => String::new(),
            };
            if let Some(a) = out.answer(ctx, &req) {
                let valid = a.get("valid").and_then(Value::as_bool);
                let reason = a
                    .get("reason")
                    .or_else(|| a.get("error"))
                    .map(|r| r.as_str().map_or_else(|| r.to_string(), str::to_owned))
                    .unwrap_or_default();
                let got = match (a.get("error"), valid) {
                    (Some(_), _) => false,
                    (None, Some(v)) => v,
                    (None, None) => {
                        out.verdict = Verdict::Error;
                        out.detail = "bad answer: a verify answer needs valid".into();
                        return out;
                    }
                };
                let say = |v: bool| if v { "valid" } else { "invalid" };
                out.detail = format!(
                    "{}{what}: answered {}{}; built-in {}",
                    if must {
                        "must verify"
                    } else {
                        "must be rejected"
                    },
                    say(got),
                    if reason.is_empty() {
                        String::new()
                    } else {
                        format!(" ({reason})")
                    },
                    builtin_valid.map_or("no answer", say)
                );
                if got != must || builtin_valid != Some(must) {
                    out.verdict = Verdict::Fail;
                }
            }
        }
        Op::Parse => {
            let w = wire(g, &sig, Variant::Signed);
            let req = json!({"op": "parse", "message": g.kind.name(), "wire": w});
            let b = ctx.builtin(&req);
            let b_ok = b.get("ok").and_then(Value::as_bool) == Some(true);
            out.expected = if b_ok {
                Expected::Valid
            } else {
                Expected::Invalid
            };
            out.op = CaseOp::Parse {
                wire: w,
                expected: b.get("message").cloned(),
            };
            if let Some(a) = out.answer(ctx, &req) {
                let ok =
                    a.get("error").is_none() && a.get("ok").and_then(Value::as_bool) == Some(true);
                out.detail = format!(
                    "parse {}; built-in {}",
                    if ok { "ok" } else { "rejected" },
                    if b_ok {
                        "ok".to_owned()
                    } else {
                        format!("rejected: {}", s(&b, "reason").unwrap_or_default())
                    }
                );
                if ok != b_ok {
                    out.verdict = Verdict::Fail;
                } else if let (true, Some(got), Some(want)) =
                    (ok, a.get("message"), b.get("message"))
                {
                    if got != want {
                        out.verdict = Verdict::Fail;
                        out.detail.push_str(&format!(
                            "; the parsed message differs{}: got {got}, built-in {want}",
                            json_difference(got, want)
                                .map(|k| format!(" at {k}"))
                                .unwrap_or_default()
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The first key (path) where two JSON values differ.
fn json_difference(a: &Value, b: &Value) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.dedup();
            for k in keys {
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) if p == q => {}
                    (Some(p), Some(q)) => {
                        return Some(match json_difference(p, q) {
                            Some(inner) => format!("{k}.{inner}"),
                            None => k.clone(),
                        })
                    }
                    _ => return Some(k.clone()),
                }
            }
            None
        }
        (Value::Array(x), Value::Array(y)) => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                if p != q {
                    return Some(match json_difference(p, q) {
                        Some(inner) => format!("[{i}].{inner}"),
                        None => format!("[{i}]"),
                    });
                }
            }
            (x.len() != y.len()).then(|| format!("[{}]", x.len().min(y.len())))
        }
        _ => None,
    }
}

// ---- Shrinking and the printed case ----

/// Shrinks `tree` (whose current value disagrees on `op`) to a minimal disagreement.
fn shrink<T: ValueTree<Value = Generated>>(
    tree: &mut T,
    op: Op,
    ctx: &mut Ctx<'_>,
    first: Outcome,
) -> (Generated, Outcome, u32) {
    let mut best = (tree.current(), first);
    let mut steps = 0;
    if !tree.simplify() {
        return (best.0, best.1, steps);
    }
    while steps < MAX_SHRINK_STEPS {
        steps += 1;
        let g = tree.current();
        let o = run_op(op, &g, ctx);
        if o.disagrees() {
            best = (g, o);
            if !tree.simplify() {
                break;
            }
        } else if !tree.complicate() {
            break;
        }
    }
    (best.0, best.1, steps)
}

/// The fields (and wire choices) the disagreement depends on: each one set to its
/// plainest value (optional fields: absent) makes the disagreement go away.
fn implicated(op: Op, g: &Generated, ctx: &mut Ctx<'_>) -> Vec<String> {
    let mut out = Vec::new();
    let fields = g.def_fields();
    for r in 0..g.records.len() {
        for (i, f) in fields.iter().enumerate() {
            let cur = g.records[r][i].clone();
            let plain = match f.presence {
                Presence::Optional => None,
                Presence::Required => Some(plain_value(f)),
            };
            if cur.is_none() || cur == plain || f.signing == Signing::Signature {
                continue;
            }
            let mut h = g.clone();
            h.records[r][i] = plain;
            fix_up(&mut h);
            if !run_op(op, &h, ctx).disagrees() {
                let v = cur.unwrap_or_default();
                let label = if g.records.len() > 1 || is_text(g.kind) {
                    format!("{} of record {} = {v:?}", f.name, r + 1)
                } else {
                    format!("{} = {v:?}", f.name)
                };
                out.push(label);
            }
        }
    }
    let mut wire_choice = |label: &str, change: &dyn Fn(&mut Generated)| {
        let mut h = g.clone();
        change(&mut h);
        if !run_op(op, &h, ctx).disagrees() {
            out.push(label.to_owned());
        }
    };
    if !is_text(g.kind) && op != Op::Sign && op != Op::Reference {
        if g.plus {
            wire_choice("the wire's '+' for a space", &|h| h.plus = false);
        }
        if g.lower_hex {
            wire_choice("the wire's lowercase escapes", &|h| h.lower_hex = false);
        }
        if g.shuffle != 0 {
            wire_choice("the wire's field order", &|h| h.shuffle = 0);
        }
    }
    if is_text(g.kind) && op == Op::Sign && g.form != TextForm::Literal {
        let name = format!("textForm {}", g.form.name());
        wire_choice(&name, &|h| h.form = TextForm::Literal);
    }
    out
}

fn excerpt(s: &str, at: usize) -> String {
    s.get(at..)
        .map(|t| t.chars().take(20).collect())
        .unwrap_or_default()
}

/// For a name=value source: the name of the pair that holds byte `at`.
fn pair_name(src: &str, at: usize) -> Option<String> {
    let start = src
        .get(..=at.min(src.len().saturating_sub(1)))?
        .rfind('&')
        .map_or(0, |i| i + 1);
    src.get(start..)?.split('=').next().map(str::to_owned)
}

/// Where the implementation's sign source (`got`) first differs from the expected one
/// (`want`), named by the field of the expected source and the pair of `got`.
fn locate(g: &Generated, got: &str, want: &str) -> String {
    let offset = first_difference(got, want);
    let pieces = independent(g).map(|x| x.2).unwrap_or_default();
    let field = pieces
        .iter()
        .find(|p| offset >= p.start && offset < p.end)
        .map(|p| format!("in field {}", p.what))
        .or_else(|| {
            pieces
                .iter()
                .rev()
                .find(|p| p.end <= offset)
                .map(|p| format!("after field {}", p.what))
        })
        .unwrap_or_default();
    let got_at = if is_text(g.kind) {
        String::new()
    } else {
        pair_name(got, offset)
            .map(|n| format!(" (pair {n:?})"))
            .unwrap_or_default()
    };
    let want_at = if offset >= want.len() {
        "the expected source ends there".to_owned()
    } else {
        format!("expected {:?}", excerpt(want, offset))
    };
    format!(
        "byte {offset}, {field}: the implementation has {:?}{got_at}, {want_at}",
        excerpt(got, offset)
    )
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_./=:,".contains(c))
    {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

fn reproducer(opts: &GenOptions, kind: MessageKind, k: u32) -> String {
    let mut line = String::from("allinpay-conformance run");
    if let Some(a) = &opts.adapter {
        line.push_str(&format!(" --adapter {}", shell_quote(a)));
    }
    line.push_str(&format!(
        " --generate {} --seed {} --case {k} --filter {}",
        opts.n,
        opts.seed,
        kind.name()
    ));
    if opts.strict {
        line.push_str(" --strict");
    }
    line
}

fn section(kind: MessageKind) -> String {
    format!("§{}", kind.def().section)
}

/// The minimal case as a ready-to-commit `allinpay-vectors/v1` file.
fn vector_case(opts: &GenOptions, g: &Generated, o: &Outcome, k: u32, op: Op) -> Value {
    let comment = format!("generated: {} (seed {}, case {k})", op.comment(), opts.seed);
    let result = match o.expected {
        Expected::Valid => "valid",
        Expected::Invalid => "invalid",
        Expected::Acceptable => "acceptable",
    };
    let group = match &o.op {
        CaseOp::Sign {
            key,
            charset,
            fields,
            sign_source,
            text_form,
            sign_msg,
        } => {
            let mut t = json!({"tcId": 1, "comment": comment, "flags": ["Generated"],
                "section": section(g.kind), "fields": fields});
            if let Some(src) = sign_source {
                t["signSource"] = json!(src);
            }
            if let Some(f) = text_form {
                t["textForm"] = json!(f);
            }
            t["signMsg"] = json!(sign_msg);
            t["result"] = json!(result);
            json!({"type": "Md5Sign", "key": key, "charset": charset, "tests": [t]})
        }
        CaseOp::Verify {
            key, charset, wire, ..
        } => json!({"type": "Md5Verify", "key": key, "charset": charset, "tests": [
            {"tcId": 1, "comment": comment, "flags": ["Generated"], "section": section(g.kind),
             "wire": wire, "result": result}]}),
        CaseOp::Parse { wire, expected } => {
            let mut t = json!({"tcId": 1, "comment": comment, "flags": ["Generated"],
                "section": section(g.kind), "wire": wire});
            if g.kind == MessageKind::BatchQueryResponse {
                // Kept as travelling (base64).
            }
            if let Some(e) = expected {
                t["expected"] = e.clone();
            }
            t["result"] = json!(result);
            json!({"type": "Parse", "tests": [t]})
        }
        _ => json!({}),
    };
    let whose = if op == Op::Reference {
        "the independent computation of allinpay-conformance's generator (string building and md-5 over the spec table)"
    } else {
        "the built-in implementation (allinpay-protocol)"
    };
    json!({
        "schema": crate::vectors::SCHEMA,
        "message": g.kind.name(),
        "description": format!("A generated {} case: {}.", g.kind.name(), op.comment()),
        "source": {
            "kind": "generated",
            "reference": format!("{} {}; {}", section(g.kind), g.kind.def().title, reproducer(opts, g.kind, k)),
            "method": format!("Found by `run --generate`; the expected value is {whose}'s answer, NOT yet obtained outside the code under test: recompute it independently (e.g. Python hashlib, as vectors/tools/gen_md5_vectors.py does) and then update this method before committing."),
        },
        "notes": {"Generated": "A minimal disagreement found by `run --generate` and shrunk."},
        "numberOfTests": 1,
        "testGroups": [group],
    })
}

fn describe_minimal(g: &Generated) -> String {
    match g.kind.def().wire {
        WireForm::Form | WireForm::Json | WireForm::ErrorText => {
            format!("fields {}", Value::Object(g.sign_fields()))
        }
        _ => {
            let mut t = format!(
                "{} with {} record(s) {}",
                g.kind.name(),
                g.records.len(),
                Value::Object(g.sign_fields())
            );
            if is_text(g.kind) {
                t.push_str(&format!(", textForm {}", g.form.name()));
            }
            t
        }
    }
}

// ---- The run ----

fn case_id(opts: &GenOptions, kind: MessageKind, k: u32, op: Op) -> String {
    format!("gen/{}/{}/{k}/{}", kind.name(), opts.seed, op.name())
}

/// The rows of a generative run against `imp`.
pub fn run(opts: &GenOptions, imp: &mut dyn Implementation) -> Result<Vec<CaseResult>, String> {
    if let Some(k) = opts.case {
        if k >= opts.n {
            return Err(format!(
                "--case {k} is not below --generate {} (cases are numbered from 0)",
                opts.n
            ));
        }
    }
    let mut ctx = Ctx {
        imp,
        builtin: Builtin { mode: opts.mode },
        calls: 0,
    };
    let mut rows = Vec::new();
    let range = match opts.case {
        Some(k) => k..k + 1,
        None => 0..opts.n,
    };
    for &kind in MessageKind::ALL {
        let strat = strategy(kind);
        let ops = ops_for(kind);
        let whole =
            opts.filter.is_empty() || opts.filter.iter().any(|p| glob_match(p, kind.name()));
        // The first disagreement of each operation is shrunk; later ones refer to it.
        let mut shrunk: Vec<(Op, u32)> = Vec::new();
        for k in range.clone() {
            let tree = |k: u32| {
                let mut runner = TestRunner::new_with_rng(
                    Config::default(),
                    case_rng(opts.seed, kind.name(), k),
                );
                strat
                    .new_tree(&mut runner)
                    .map_err(|e| format!("cannot generate {}: {e}", kind.name()))
            };
            let g = tree(k)?.current();
            for &op in &ops {
                let id = case_id(opts, kind, k, op);
                if !whole && !opts.filter.iter().any(|p| glob_match(p, &id)) {
                    continue;
                }
                let started = Instant::now();
                let o = run_op(op, &g, &mut ctx);
                let mut detail = o.detail.clone();
                let mut shown = o.clone();
                if o.disagrees() {
                    if let Some((_, first)) = shrunk.iter().find(|(p, _)| *p == op) {
                        detail.push_str(&format!(
                            "\n    (a disagreement of the same operation as case {first}, shrunk there)"
                        ));
                    } else {
                        shrunk.push((op, k));
                        // A fresh tree of the same case: each operation shrinks from the
                        // drawn value.
                        let (min, mo, steps) = shrink(&mut tree(k)?, op, &mut ctx, o.clone());
                        detail = minimal_report(opts, &mut ctx, kind, k, op, &min, &mo, steps);
                        shown = mo;
                    }
                }
                rows.push(CaseResult {
                    case: Case {
                        id,
                        file: format!("generate-{}", kind.name()),
                        message: kind.name().to_owned(),
                        section: kind.def().section.to_owned(),
                        tc_id: k,
                        comment: op.comment().to_owned(),
                        flags: vec!["Generated".into()],
                        expected: shown.expected,
                        op: shown.op,
                    },
                    verdict: o.verdict,
                    detail,
                    deviation: None,
                    time: started.elapsed(),
                });
            }
        }
    }
    if rows.is_empty() {
        return Err(format!(
            "no generated case matches --filter {:?} (a message name such as pay-notify, or gen/MESSAGE/SEED/K/OP)",
            opts.filter.join(" ")
        ));
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn minimal_report(
    opts: &GenOptions,
    ctx: &mut Ctx<'_>,
    kind: MessageKind,
    k: u32,
    op: Op,
    min: &Generated,
    mo: &Outcome,
    steps: u32,
) -> String {
    let mut t = format!(
        "{}\n    minimal case after {steps} shrink steps: {}",
        mo.detail,
        describe_minimal(min)
    );
    if let CaseOp::Verify { wire, .. } | CaseOp::Parse { wire, .. } = &mo.op {
        t.push_str(&format!("\n    wire: {wire:?}"));
    }
    if let Some((got, want)) = &mo.source_diff {
        t.push_str(&format!(
            "\n    signSource differs at {}",
            locate(min, got, want)
        ));
    }
    if let Some((got, want)) = &mo.sig_diff {
        let off = first_difference(got, want);
        t.push_str(&format!(
            "\n    signMsg differs at byte {off}: {:?} where {:?} is expected",
            excerpt(got, off),
            excerpt(want, off)
        ));
    }
    let blame = implicated(op, min, ctx);
    if !blame.is_empty() {
        t.push_str(&format!(
            "\n    the disagreement goes away when each of these is made plain: {}",
            blame.join("; ")
        ));
    }
    t.push_str(&format!("\n    reproduce: {}", reproducer(opts, kind, k)));
    let vector =
        serde_json::to_string_pretty(&vector_case(opts, min, mo, k, op)).unwrap_or_default();
    t.push_str("\n    vector case (expected values are the built-in's answer: check them independently before committing):\n");
    for line in vector.lines() {
        t.push_str("    ");
        t.push_str(line);
        t.push('\n');
    }
    t.truncate(t.trim_end().len());
    t
}
