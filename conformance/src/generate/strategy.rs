//! Strategies from the tables: each field's values within its row's format, length, value
//! set and presence (§2–§4 field tables; `format.rs`), realistic values first and the edges
//! that stay inside after; `--generate-wild` mixes in the values of `wild.rs`. And the
//! per-case RNG that makes a case reproducible from `(seed, message, K)` alone.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use proptest::test_runner::{RngAlgorithm, TestRng};

use allinpay_protocol::enums::Currency;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{FieldDef, Format, Presence, SignScheme, Signing};
use allinpay_protocol::{Charset, MessageKind};

use super::chars::{chars, pick, ALNUM, DIGITS, EDGE};
use super::format::{days_in, drawn_format, fitting};
use super::message::{is_text, Generated};
use super::wild;

const NONZERO: &[char] = &['1', '2', '3', '5', '9'];
/// §2.1 orderNo: 字母、数字、-、_.
const ORDER: &[char] = &['A', '0', '1', '9', 'N', 'O', 'M', 'z', '-', '_'];
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
/// What a URL path and query may hold (RFC 3986): unreserved characters, delimiters and
/// escapes, among them the form delimiters `&`, `=`, `+` and `%`.
#[rustfmt::skip]
const URL_PARTS: &[&str] = &[
    "a", "b", "z", "0", "9", "-", "_", ".", "~", "/", "?", "&", "=", "+", ";", ",", ":", "@",
    "!", "$", "'", "(", ")", "*", "%2F", "%20", "%26", "%3D", "%E4%B8%AD",
];
const UNKNOWN_NAMES: &[&str] = &["remark", "attach", "notifyId", "tradeNo"];

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

/// A canonical integer (整型数字: no sign, no leading zeros) of 1 to `max` digits, at most
/// 18 so that it fits a signed 64-bit integer; realistic amounts first.
fn integer(max: usize) -> BoxedStrategy<String> {
    let max = max.clamp(1, 18);
    prop_oneof![
        4 => (1u64..100_000.min(10u64.pow(max as u32))).prop_map(|n| n.to_string()),
        1 => (prop::sample::select(NONZERO), chars(DIGITS, 0, max - 1))
            .prop_map(|(first, rest)| format!("{first}{rest}")),
        1 => Just("9".repeat(max)),
    ]
    .boxed()
}

/// An http(s) URL with a host, a port or none, and a path and query of `URL_PARTS`.
fn url() -> BoxedStrategy<String> {
    (
        any::<bool>(),
        chars(ALNUM, 1, 10),
        prop::option::of(1u16..=65535),
        prop::collection::vec(prop::sample::select(URL_PARTS), 0..=10),
    )
        .prop_map(|(tls, host, port, path)| {
            let port = port.map(|p| format!(":{p}")).unwrap_or_default();
            let scheme = if tls { "https" } else { "http" };
            format!(
                "{scheme}://{}.com{port}/{}",
                host.to_lowercase(),
                path.concat()
            )
        })
        .boxed()
}

/// Values of one field within its format, length and value set: realistic ones first
/// (what shrinking tends to), then the edges that stay inside them.
fn in_format(f: &FieldDef) -> BoxedStrategy<String> {
    let max = usize::from(f.max_len.unwrap_or(60));
    let s = match drawn_format(f) {
        // Free text: any character, the form and URL delimiters and Chinese included.
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
        Format::Amount => integer(max),
        Format::DateTime14 | Format::DateTimeText => datetime14(),
        Format::DateHour10 => datehour10(),
        Format::OrderNo => prop_oneof![
            4 => chars(ORDER, 1, max.min(24)),
            1 => max_length(ORDER, max),
        ]
        .boxed(),
        Format::OneOf(set) => prop::sample::select(fitting(set, f.max_len))
            .prop_map(str::to_owned)
            .boxed(),
        Format::Currency => pick(Currency::KNOWN),
        // A URL is cut only where the drawn one would not fit, never inside an escape.
        Format::Url => prop_oneof![2 => pick(URLS), 1 => url()]
            .prop_map(move |u| if u.len() > max { URLS[0].to_owned() } else { u })
            .boxed(),
        Format::Country => pick(COUNTRIES),
        Format::State => pick(STATES),
        Format::PostalCode => pick(POSTAL),
        Format::Email => (chars(ALNUM, 1, 10), chars(ALNUM, 1, 10))
            .prop_map(|(a, b)| format!("{a}@{b}.com"))
            .boxed(),
        Format::Expiry => (0u32..100, 1u32..=12)
            .prop_map(|(y, m)| format!("{y:02}{m:02}"))
            .boxed(),
        Format::Cvv2 => chars(DIGITS, 3, 3),
        Format::SignMsg => Just(String::new()).boxed(),
    };
    s.prop_map(move |v| clip(v, max)).boxed()
}

/// Values of one field: within its format, or under `--generate-wild` (`wild` = the number
/// of the message's fields that can be outside their format) also outside it, about two
/// fields a message so that a finding names few.
fn value_strategy(f: &FieldDef, wild: Option<u32>) -> BoxedStrategy<String> {
    match (wild::out_of_format(f), wild) {
        (Some(w), Some(n)) => {
            prop_oneof![n.saturating_sub(2).max(2) => in_format(f), 2 => w].boxed()
        }
        _ => in_format(f),
    }
}

/// A field: required ones always have a value; optional ones are absent, empty or set.
fn field_strategy(f: &'static FieldDef, wild: Option<u32>) -> BoxedStrategy<Option<String>> {
    if f.signing == Signing::Signature {
        return Just(None).boxed();
    }
    let v = value_strategy(f, wild);
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

fn record_strategy(kind: MessageKind, wild: bool) -> BoxedStrategy<Vec<Option<String>>> {
    let fields = kind.def().fields;
    let can_be_wild = fields
        .iter()
        .filter(|f| f.signing != Signing::Signature && wild::out_of_format(f).is_some())
        .count();
    let wild = wild.then(|| u32::try_from(can_be_wild).unwrap_or(u32::MAX));
    let text = super::message::is_text(kind);
    fields
        .iter()
        .map(move |f| {
            let value = field_strategy(f, wild);
            if !text {
                return value;
            }
            // A pipe-text column that starts with a space reads as the examples' quirk of a
            // space after '|' (§3.8), which strict mode refuses: no gateway sends one.
            value
                .prop_map(|v| {
                    v.map(|v| {
                        let spaces = v.len() - v.trim_start_matches(' ').len();
                        "x".repeat(spaces) + &v[spaces..]
                    })
                })
                .boxed()
        })
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
pub(super) fn fix_up(g: &mut Generated) {
    let kind = g.kind;
    let fields = kind.def().fields;
    let gateway = matches!(
        kind.def().scheme,
        SignScheme::GatewayNameValue | SignScheme::GatewayText
    );
    let gbk = g.charset() != Charset::Utf8;
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
pub(super) fn plain_value(f: &FieldDef) -> String {
    match drawn_format(f) {
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

/// The strategy of one message type: every value within its field's format, length and
/// value set.
pub fn strategy(kind: MessageKind) -> BoxedStrategy<Generated> {
    message_strategy(kind, false)
}

/// The strategy of `--generate-wild`: some values (about two a message) are outside their
/// field's format (`wild.rs`); [`Generated::out_of_format`] names them.
pub fn wild_strategy(kind: MessageKind) -> BoxedStrategy<Generated> {
    message_strategy(kind, true)
}

fn message_strategy(kind: MessageKind, wild: bool) -> BoxedStrategy<Generated> {
    let rec = record_strategy(kind, wild);
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
        // §3.8/§4.2/§4.4 answers are signed over the literal text (§3.8 注释 2, ERRATA
        // E-3.8-TEXT): the terminated form of the spec's example is only `acceptable`.
        Just(TextForm::Literal).boxed()
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
pub(super) fn case_rng(seed: u64, message: &str, k: u32) -> TestRng {
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

pub(super) fn splitmix(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}
