//! `--generate-wild`: values outside their field's format, length or value set (see
//! `format.rs`), such as an amount with a leading zero, an order number with a space or a
//! payType the tables do not list. Neither side of the protocol sends them; an
//! implementation's answers to them show how it copes with input it should never get.

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use allinpay_protocol::enums::Currency;
use allinpay_protocol::spec::{FieldDef, Format};

use super::chars::{chars, pick, ALNUM, DIGITS, EDGE};
use super::format::drawn_format;

/// Characters §2.1 orderNo does not allow.
const NOT_ORDER: &[char] = &[
    ' ', '&', '=', '+', '%', '<', '>', '/', ':', ';', ',', '?', '@', '$', '#', '~', '!', '.', '中',
    '商', 'é',
];
const NOT_DIGIT: &[char] = &['a', 'x', ' ', '-', '.', '+'];

/// A value longer than the row allows: for amounts and digit strings of digits (an amount
/// a canonical integer), so that only the length is out; otherwise letters and digits.
fn over_long(format: Format, max: Option<u16>) -> Option<BoxedStrategy<String>> {
    let max = usize::from(max?);
    Some(match format {
        Format::Amount => chars(DIGITS, max, max + 7)
            .prop_map(|d| format!("1{d}"))
            .boxed(),
        Format::Digits => chars(DIGITS, max + 1, max + 8),
        _ => chars(ALNUM, max + 1, max + 8),
    })
}

/// Digits with one other character among them.
fn not_digits(max: usize) -> BoxedStrategy<String> {
    let half = (max / 2).max(1);
    (
        chars(DIGITS, 0, half),
        prop::sample::select(NOT_DIGIT),
        chars(DIGITS, 0, half),
    )
        .prop_map(|(a, c, b)| format!("{a}{c}{b}"))
        .boxed()
}

/// Out-of-format values of row `f`; `None` for a row every value fits (free text without
/// a length).
pub(super) fn out_of_format(f: &FieldDef) -> Option<BoxedStrategy<String>> {
    let max = usize::from(f.max_len.unwrap_or(60));
    let format = drawn_format(f);
    let long = over_long(format, f.max_len);
    let s = match format {
        Format::Text | Format::State | Format::SignMsg => return long,
        Format::Digits => not_digits(max),
        Format::Amount => prop_oneof![
            // 整型数字 with leading zeros: `01`, `007`.
            3 => chars(DIGITS, 1, max.saturating_sub(1).clamp(1, 9))
                .prop_map(|d| format!("0{d}")),
            1 => (1u32..10_000, 0u32..100).prop_map(|(y, f)| format!("{y}.{f:02}")),
            1 => (1u32..10_000).prop_map(|n| format!("-{n}")),
            1 => (1u32..10_000).prop_map(|n| format!(" {n}")),
        ]
        .boxed(),
        Format::DateTime14 | Format::DateTimeText => prop_oneof![
            (2000u32..2036, 13u32..100).prop_map(|(y, m)| format!("{y}{m:02}01000000")),
            (2000u32..2036).prop_map(|y| format!("{y}0230120000")),
            (2000u32..2036).prop_map(|y| format!("{y}0101240000")),
            (2000u32..2036).prop_map(|y| format!("{y}-01-01 10:00:00")),
            (2000u32..2036).prop_map(|y| format!("{y}01011200")),
        ]
        .boxed(),
        Format::DateHour10 => prop_oneof![
            (2000u32..2036, 24u32..100).prop_map(|(y, h)| format!("{y}0101{h}")),
            (2000u32..2036).prop_map(|y| format!("{y}1301")),
            (2000u32..2036).prop_map(|y| format!("{y}0101")),
        ]
        .boxed(),
        Format::OrderNo => (
            chars(EDGE, 0, 10),
            prop::sample::select(NOT_ORDER),
            chars(EDGE, 0, 10),
        )
            .prop_map(|(a, c, b)| format!("{a}{c}{b}"))
            .boxed(),
        Format::OneOf(set) => prop_oneof![
            chars(ALNUM, 1, 2),
            prop::sample::select(set).prop_map(|v| format!("{v} ")),
            prop::sample::select(set).prop_map(|v| format!("0{v}")),
        ]
        .prop_filter("a value the set does not list", move |v| {
            !set.contains(&v.as_str())
        })
        .boxed(),
        Format::Currency => pick(&["RMB", "CNY", "1560", "15", "usd"])
            .prop_filter("not a listed currency", |v| {
                !Currency::KNOWN.contains(&v.as_str())
            })
            .boxed(),
        // The spaces, Chinese and 4-byte UTF-8 of EDGE make most of these no URL.
        Format::Url => prop_oneof![
            (chars(ALNUM, 1, 10), chars(EDGE, 1, 12))
                .prop_map(|(host, path)| format!("http://{host}.com/{path} x")),
            pick(&["www.example.com/notify", "ftp://example.com/n", "http://"]),
        ]
        .boxed(),
        Format::Country => pick(&["USA", "us", "China", "U S"]),
        Format::PostalCode => pick(&["#1234", "9410!", "M5V_3L9"]),
        Format::Email => pick(&["a.example.com", "a@b", "@b.com", "a b@c.com"]),
        Format::Expiry => prop_oneof![
            (0u32..100, 13u32..100).prop_map(|(y, m)| format!("{y:02}{m:02}")),
            (0u32..100).prop_map(|y| format!("{y:02}00")),
            pick(&["251", "25123", "25a1"]),
        ]
        .boxed(),
        Format::Cvv2 => pick(&["12", "1234", "12a"]),
    };
    Some(match long {
        Some(l) => prop_oneof![3 => s, 1 => l].boxed(),
        None => s,
    })
}
