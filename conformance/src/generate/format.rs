//! The format a generated value keeps to, and whether a value keeps to it: the row's
//! format, length and value set (§2–§4 field tables; §2.1 for the formats), refined where
//! the spec's prose gives a free-text row another table's format. Default runs draw only
//! values that keep to it; `--generate-wild` also draws values that do not, and a case
//! holding one is a robustness case, not a conformance one.

use allinpay_protocol::enums::{Currency, IssuerId, PayType};
use allinpay_protocol::spec::{FieldDef, Format, Presence, Signing};

use super::message::Generated;

/// The format a generated value of row `f` keeps to.
pub(super) fn drawn_format(f: &FieldDef) -> Format {
    match (f.format, f.name) {
        // §2.2.3, §3.4: the gateway echoes the order number the merchant submitted
        // ("与提交订单时的商户订单号保持一致"), whose format is §2.1's.
        (Format::Text, "orderNo") => Format::OrderNo,
        // §2.2.3: the payType and issuerId the payer used, from §2.1's value sets.
        (Format::Text, "payType") => Format::OneOf(PayType::KNOWN),
        (Format::Text, "issuerId") => Format::OneOf(IssuerId::KNOWN),
        // §3.3 pageNo: "从 1 开始，必须为数字", a page number counted from 1.
        (Format::Digits, "pageNo") => Format::Amount,
        (format, _) => format,
    }
}

/// The values of a closed set that fit the row's length (§2.2.3 issuerId is 8 bytes,
/// shorter than §2.1's `mastercard`).
pub(super) fn fitting(set: &'static [&'static str], max: Option<u16>) -> Vec<&'static str> {
    set.iter()
        .copied()
        .filter(|v| max.is_none_or(|m| v.len() <= usize::from(m)))
        .collect()
}

fn digits(v: &str) -> bool {
    !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit())
}

pub(super) fn days_in(year: u32, month: u32) -> u32 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `yyyyMMddHH…`: a real date, and an hour, minute and second in range for the digits given.
fn real_datetime(v: &str, len: usize) -> bool {
    if v.len() != len || !digits(v) {
        return false;
    }
    let n = |a: usize, b: usize| v[a..b].parse::<u32>().unwrap_or(u32::MAX);
    let (y, mo, d) = (n(0, 4), n(4, 6), n(6, 8));
    let time_ok = [(8, 24), (10, 60), (12, 60)]
        .iter()
        .filter(|(at, _)| *at < len)
        .all(|&(at, lim)| n(at, at + 2) < lim);
    (1..=12).contains(&mo) && d >= 1 && d <= days_in(y, mo) && time_ok
}

/// An http(s) URL: a host, and only the characters RFC 3986 allows, `%` starting an escape.
fn http_url(v: &str) -> bool {
    let Some(rest) = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"))
    else {
        return false;
    };
    let host_ok = rest
        .split(['/', '?', '#'])
        .next()
        .is_some_and(|h| !h.is_empty());
    let b = rest.as_bytes();
    let chars_ok = b.iter().enumerate().all(|(i, &c)| match c {
        b'%' => b.len() > i + 2 && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit(),
        _ => c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c),
    });
    host_ok && chars_ok
}

/// The rule `v` breaks as a value of a row of format `format` and length `max`; `None` when
/// it keeps to them.
pub(super) fn broken_rule(format: Format, max: Option<u16>, v: &str) -> Option<&'static str> {
    if let Some(m) = max {
        if v.len() > usize::from(m) {
            return Some("longer than the row's length");
        }
    }
    let ok = match format {
        Format::Text | Format::State | Format::SignMsg => true,
        Format::Digits => digits(v),
        Format::Amount => v == "0" || (digits(v) && !v.starts_with('0')),
        Format::DateTime14 | Format::DateTimeText => real_datetime(v, 14),
        Format::DateHour10 => real_datetime(v, 10),
        Format::OrderNo => {
            !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        }
        Format::OneOf(set) => set.contains(&v),
        Format::Currency => Currency::KNOWN.contains(&v),
        Format::Url => http_url(v),
        Format::Country => v.len() == 2 && v.bytes().all(|b| b.is_ascii_uppercase()),
        Format::PostalCode => {
            !v.is_empty()
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ')
        }
        Format::Email => v.split_once('@').is_some_and(|(l, d)| {
            !l.is_empty()
                && d.contains('.')
                && !d.starts_with('.')
                && !d.ends_with('.')
                && !d.contains('@')
                && !v.contains(char::is_whitespace)
        }),
        Format::Expiry => {
            v.len() == 4 && digits(v) && (1..=12).contains(&v[2..].parse::<u8>().unwrap_or(0))
        }
        Format::Cvv2 => v.len() == 3 && digits(v),
    };
    (!ok).then_some(match format {
        Format::Digits => "not digits (数字串)",
        Format::Amount => "not an integer without leading zeros (整型数字)",
        Format::DateTime14 | Format::DateTimeText => "not a real yyyyMMddHHmmss",
        Format::DateHour10 => "not a real yyyymmddhh",
        Format::OrderNo => "not letters, digits, '-' and '_' (字母、数字、-、_)",
        Format::OneOf(_) | Format::Currency => "not one of the listed values",
        Format::Url => "not an http(s) URL",
        Format::Country => "not an ISO 3166-1 alpha-2 code",
        Format::PostalCode => "not a postal code",
        Format::Email => "not an e-mail address",
        Format::Expiry => "not YYMM with a month 01-12",
        Format::Cvv2 => "not 3 digits",
        Format::Text | Format::State | Format::SignMsg => "",
    })
}

impl Generated {
    /// The values of this message outside their field's format (`name "value": rule`);
    /// empty for a message the gateway or a merchant could really send.
    pub fn out_of_format(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (r, rec) in self.records.iter().enumerate() {
            for (f, v) in self.def_fields().iter().zip(rec) {
                if f.signing == Signing::Signature {
                    continue;
                }
                let rule = match v.as_deref() {
                    None | Some("") if f.presence == Presence::Required => {
                        Some("required, but missing or empty")
                    }
                    None | Some("") => None,
                    Some(v) => broken_rule(drawn_format(f), f.max_len, v),
                };
                if let Some(rule) = rule {
                    let at = if self.records.len() > 1 {
                        format!(" of record {}", r + 1)
                    } else {
                        String::new()
                    };
                    let v = v.as_deref().unwrap_or("");
                    let shown: String = v.chars().take(24).collect();
                    let more = if shown.len() < v.len() { "…" } else { "" };
                    out.push(format!("{}{at} {shown:?}{more}: {rule}", f.name));
                }
            }
        }
        out
    }
}
