//! The format rules of the spec's field tables, written here from the spec text and not
//! taken from the generator: what a value the gateway or a merchant could really send looks
//! like; and the trials that check the generator's values against them.

use std::collections::BTreeSet;

use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

use allinpay_conformance::generate::{self, Generated};
use allinpay_protocol::spec::{FieldDef, Format, Presence, Signing};
use allinpay_protocol::MessageKind;

/// §2.1 payType: "填 0 … 填 27 … 填 30".
const PAY_TYPES: &[&str] = &["0", "27", "30"];
/// §2.1 issuerId: "当前可传值：visa、mastercard、jcb".
const ISSUERS: &[&str] = &["visa", "mastercard", "jcb"];
/// §2.1 inputCharset 1 UTF-8, 2 GBK, 3 GB2312.
const INPUT_CHARSETS: &[&str] = &["1", "2", "3"];
/// signType: "固定选择值：0、1".
const SIGN_TYPES: &[&str] = &["0", "1"];
/// §2.1 orderCurrency "0 或 156", §6.2 跨境支付支持币种, §6.3 国际卡支付支持币种.
const CURRENCIES: &[&str] = &[
    "0", "156", "840", "344", "392", "978", "458", "032", "036", "826", "124", "702", "752",
];
/// §3.8 退款查询成功返回码.
const REFUND_STATES: &[&str] = &[
    "TKSUCC0001",
    "TKSUCC0002",
    "TKSUCC0003",
    "TKSUCC0004",
    "TKSUCC0005",
    "TKSUCC0006",
    "TKSUCC0007",
    "TKSUCC0008",
];

fn all_digits(v: &str) -> bool {
    !v.is_empty() && v.chars().all(|c| c.is_ascii_digit())
}

/// 整型数字: an integer as written, no sign, no leading zero.
fn integer(v: &str) -> bool {
    v == "0" || (all_digits(v) && !v.starts_with('0'))
}

fn leap(y: u32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// The leading `yyyyMMdd[HH[mm[ss]]]` of a value of exactly `len` digits names a real time.
fn real_time(v: &str, len: usize) -> bool {
    if v.len() != len || !all_digits(v) {
        return false;
    }
    let part = |from: usize| v[from..from + 2].parse::<u32>().expect("digits");
    let year: u32 = v[..4].parse().expect("digits");
    let month = part(4);
    let day = part(6);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(year) => 29,
        2 => 28,
        _ => return false,
    };
    let hour_ok = len < 10 || part(8) <= 23;
    let minute_ok = len < 12 || part(10) <= 59;
    let second_ok = len < 14 || part(12) <= 59;
    (1..=days).contains(&day) && hour_ok && minute_ok && second_ok
}

/// An http(s) URL with a host, of the characters RFC 3986 allows, each `%` an escape.
fn url(v: &str) -> bool {
    let rest = match v.split_once("://") {
        Some(("http" | "https", rest)) => rest,
        _ => return false,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c);
    let escapes_ok = rest.match_indices('%').all(|(i, _)| {
        rest.get(i + 1..i + 3)
            .is_some_and(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
    });
    !host.is_empty() && rest.chars().all(allowed) && escapes_ok
}

fn email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.chars().any(char::is_whitespace)
}

/// The rule of the spec that `v`, the value of row `f` of `kind`, breaks.
fn violation(kind: MessageKind, f: &FieldDef, v: Option<&str>) -> Option<String> {
    if f.signing == Signing::Signature {
        return None;
    }
    let v = match v {
        None | Some("") if f.presence == Presence::Required => {
            return Some("required (必填), missing or empty".into())
        }
        None | Some("") => return None,
        Some(v) => v,
    };
    if let Some(max) = f.max_len {
        if v.len() > usize::from(max) {
            return Some(format!("{} bytes, longer than {max}", v.len()));
        }
    }
    let listed = |set: &[&str]| set.contains(&v);
    let ok = match (f.name, f.format) {
        ("signType", _) => listed(SIGN_TYPES),
        ("inputCharset", _) => listed(INPUT_CHARSETS),
        // §2.2.3 echoes §2.1's payType and issuerId.
        ("payType", _) => listed(PAY_TYPES),
        ("issuerId", _) => listed(ISSUERS),
        // §2.1 字母、数字、-、_; §2.2.3 and §3.4 echo the order number submitted.
        ("orderNo" | "mchtRefundOrderNo", _) => v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        // §3.3 pageNo: "从 1 开始，必须为数字".
        ("pageNo", _) => integer(v) && v != "0",
        ("refundResult", _) if kind == MessageKind::RefundQueryResponse => listed(REFUND_STATES),
        (_, Format::Amount) => integer(v),
        (_, Format::Digits) => all_digits(v),
        (_, Format::DateTime14 | Format::DateTimeText) => real_time(v, 14),
        (_, Format::DateHour10) => real_time(v, 10),
        (_, Format::OrderNo) => v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
        (_, Format::OneOf(set)) => listed(set),
        (_, Format::Currency) => listed(CURRENCIES),
        (_, Format::Url) => url(v),
        (_, Format::Country) => v.len() == 2 && v.chars().all(|c| c.is_ascii_uppercase()),
        (_, Format::PostalCode) => v
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' '),
        (_, Format::Email) => email(v),
        (_, Format::Expiry) => {
            all_digits(v) && v.len() == 4 && (1..=12).contains(&v[2..].parse::<u32>().unwrap_or(0))
        }
        (_, Format::Cvv2) => all_digits(v) && v.len() == 3,
        (_, Format::Text | Format::State | Format::SignMsg) => true,
    };
    (!ok).then(|| format!("{v:?} is not a {:?} value", f.format))
}

/// `n` messages of `kind` drawn from `strategy` with a fixed RNG, with some shrink steps of
/// each: shrinking must stay inside the formats too (a minimal case is a message as well).
fn draws(kind: MessageKind, strategy: &BoxedStrategy<Generated>, n: usize) -> Vec<Generated> {
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &[u8::try_from(kind as usize % 256).expect("byte"); 32],
        ),
    );
    let mut out = Vec::new();
    for i in 0..n {
        let mut tree = strategy.new_tree(&mut runner).expect("a value");
        out.push(tree.current());
        if i % 10 == 0 {
            for _ in 0..20 {
                if !tree.simplify() {
                    break;
                }
                out.push(tree.current());
            }
        }
    }
    out
}

/// Every value against the rules of `formats/`: `(message, field, value, rule)` per break.
fn spec_violations(g: &Generated) -> Vec<String> {
    let mut out = Vec::new();
    for rec in &g.records {
        for (f, v) in g.kind.def().fields.iter().zip(rec) {
            if let Some(rule) = violation(g.kind, f, v.as_deref()) {
                out.push(format!("{} {}: {rule}", g.kind.name(), f.name));
            }
        }
    }
    out
}

/// The default strategy of every message type: no value breaks its row's format, length
/// or value set (rules written from the spec, not the generator's own check).
pub fn every_generated_value_keeps_to_its_fields_format() {
    let mut checked = 0;
    for &kind in MessageKind::ALL {
        for g in draws(kind, &generate::strategy(kind), 300) {
            let broken = spec_violations(&g);
            assert!(broken.is_empty(), "{broken:#?}\n{g:#?}");
            assert!(g.out_of_format().is_empty(), "{:?}", g.out_of_format());
            checked += g.records.iter().map(Vec::len).sum::<usize>();
        }
    }
    assert!(checked > 50_000, "{checked}");
}

/// The edges that stay inside the formats are still drawn: empty and absent optional
/// fields, values of the row's maximum length, `&` `=` `+` `%` and Chinese in free text,
/// GBK and GB2312 payData holding Chinese.
pub fn the_edge_classes_inside_the_formats_are_drawn() {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for &kind in MessageKind::ALL {
        for g in draws(kind, &generate::strategy(kind), 300) {
            let fields = kind.def().fields;
            for rec in &g.records {
                for (f, v) in fields.iter().zip(rec) {
                    let optional = f.presence == Presence::Optional;
                    match v.as_deref() {
                        None if optional => {
                            seen.insert("absent optional field");
                        }
                        Some("") if optional => {
                            seen.insert("empty optional field");
                        }
                        Some(v) => {
                            if f.max_len.is_some_and(|m| v.len() == usize::from(m)) {
                                seen.insert("maximum length");
                            }
                            for (c, name) in [('&', "&"), ('=', "="), ('+', "+"), ('%', "%")] {
                                if v.contains(c) {
                                    seen.insert(name);
                                }
                            }
                            if v.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
                                seen.insert("Chinese");
                                if kind == MessageKind::PayRequest {
                                    match g.charset().name() {
                                        "gbk" => seen.insert("Chinese under GBK"),
                                        "gb2312" => seen.insert("Chinese under GB2312"),
                                        _ => false,
                                    };
                                }
                            }
                        }
                        None => {}
                    }
                }
            }
        }
    }
    let want = [
        "absent optional field",
        "empty optional field",
        "maximum length",
        "&",
        "=",
        "+",
        "%",
        "Chinese",
        "Chinese under GBK",
        "Chinese under GB2312",
    ];
    for w in want {
        assert!(seen.contains(w), "never drawn: {w}; drawn: {seen:?}");
    }
}

/// `--generate-wild` draws out-of-format values, of the classes an integrator meets
/// (amounts with a leading zero, order numbers outside §2.1's characters, unlisted
/// payTypes), and the generator names one exactly when a spec rule breaks: that decides
/// which disagreements are robustness findings.
pub fn wild_values_are_named_exactly_where_the_spec_rules_break() {
    let mut classes: BTreeSet<&str> = BTreeSet::new();
    let (mut wild, mut tame) = (0, 0);
    for &kind in MessageKind::ALL {
        for g in draws(kind, &generate::wild_strategy(kind), 200) {
            let broken = spec_violations(&g);
            assert_eq!(
                broken.is_empty(),
                g.out_of_format().is_empty(),
                "spec rules: {broken:#?}; generator: {:#?}",
                g.out_of_format()
            );
            if broken.is_empty() {
                tame += 1;
            } else {
                wild += 1;
            }
            for rec in &g.records {
                for (f, v) in kind.def().fields.iter().zip(rec) {
                    let v = v.as_deref().unwrap_or("");
                    let amount = f.format == Format::Amount;
                    if amount && v.len() > 1 && v.starts_with('0') {
                        classes.insert("amount with a leading zero");
                    }
                    if f.name == "orderNo"
                        && v.chars()
                            .any(|c| !c.is_ascii_alphanumeric() && c != '-' && c != '_')
                    {
                        classes.insert("orderNo outside 字母、数字、-、_");
                    }
                    if f.name == "payType" && !["", "0", "27", "30"].contains(&v) {
                        classes.insert("unlisted payType");
                    }
                }
            }
        }
    }
    assert!(wild > 1000 && tame > 100, "wild {wild}, in format {tame}");
    assert_eq!(classes.len(), 3, "{classes:?}");
}
