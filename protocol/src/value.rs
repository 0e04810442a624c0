//! Typed readings of wire text, for the accessors the `message!` tables generate: a
//! field's format (§2.1 整型数字, 数字串, `yyyyMMddHHmmss`, a closed set) picks the type.
//! The message keeps its wire text; an accessor reads it on demand.

use crate::datetime::DateTime14;
use crate::error::{FieldError, FieldRule};

/// An amount in the smallest unit of its currency (§2.1 orderAmount: "整型数字", 分 for
/// RMB). Which currency is the message's business (§2.1 orderCurrency, §6.2, §6.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fen(pub u64);

/// The wire text: the integer without leading zeros.
impl std::fmt::Display for Fen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A type a field's wire text reads as.
pub trait FromField<'a>: Sized {
    /// Reads a present, non-empty value.
    fn from_field(v: &'a str) -> Result<Self, FieldRule>;
}

/// Free text (URLs, names, codes without a closed set): the text itself.
impl<'a> FromField<'a> for &'a str {
    fn from_field(v: &'a str) -> Result<Self, FieldRule> {
        Ok(v)
    }
}

impl FromField<'_> for Fen {
    fn from_field(v: &str) -> Result<Self, FieldRule> {
        let amount = digits(v).map_err(|_| FieldRule::NotAnAmount)?;
        amount.parse().map(Fen).map_err(|_| FieldRule::NotAnAmount)
    }
}

impl FromField<'_> for DateTime14 {
    fn from_field(v: &str) -> Result<Self, FieldRule> {
        DateTime14::parse14(v).ok_or(FieldRule::NotADateTime)
    }
}

/// [`FromField::from_field`] as a function value.
pub fn read<'a, T: FromField<'a>>(v: &'a str) -> Result<T, FieldRule> {
    T::from_field(v)
}

/// 数字串: ASCII digits only.
pub fn digits(v: &str) -> Result<&str, FieldRule> {
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        Ok(v)
    } else {
        Err(FieldRule::NotDigits)
    }
}

/// An order number: 字母、数字、-、_ 及其组合 (§2.1 orderNo).
pub fn order_no(v: &str) -> Result<&str, FieldRule> {
    if !v.is_empty()
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        Ok(v)
    } else {
        Err(FieldRule::NotAnOrderNo)
    }
}

/// A required field: absent or empty is [`FieldRule::Missing`] (§5.1 treats an empty value
/// as absent).
pub fn required<'a, T>(
    field: &'static str,
    section: &'static str,
    value: Option<&'a str>,
    read: fn(&'a str) -> Result<T, FieldRule>,
) -> Result<T, FieldError> {
    match value.filter(|v| !v.is_empty()) {
        Some(v) => read(v).map_err(|rule| FieldError::new(field, rule, section)),
        None => Err(FieldError::new(field, FieldRule::Missing, section)),
    }
}

/// An optional field: absent or empty is `None`.
pub fn optional<'a, T>(
    field: &'static str,
    section: &'static str,
    value: Option<&'a str>,
    read: fn(&'a str) -> Result<T, FieldRule>,
) -> Result<Option<T>, FieldError> {
    value
        .filter(|v| !v.is_empty())
        .map(|v| read(v).map_err(|rule| FieldError::new(field, rule, section)))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_digits_that_fit() {
        assert_eq!(Fen::from_field("0100"), Ok(Fen(100)));
        assert_eq!(Fen::from_field("1.5"), Err(FieldRule::NotAnAmount));
        assert_eq!(
            Fen::from_field("99999999999999999999"),
            Err(FieldRule::NotAnAmount)
        );
        assert_eq!(Fen(59900).to_string(), "59900");
    }

    #[test]
    fn required_and_optional_name_the_field() {
        let e = required("orderAmount", "2.1", Some(""), read::<Fen>);
        assert_eq!(
            e,
            Err(FieldError::new("orderAmount", FieldRule::Missing, "2.1"))
        );
        assert_eq!(
            e.map_err(|e| e.to_string()),
            Err("orderAmount: required (必填/不可空), missing or empty (§2.1)".to_owned())
        );
        assert_eq!(optional("ext1", "2.1", None, read::<&str>), Ok(None));
        assert_eq!(
            optional(
                "payDatetime",
                "2.2.3",
                Some("20240230000000"),
                read::<DateTime14>
            ),
            Err(FieldError::new(
                "payDatetime",
                FieldRule::NotADateTime,
                "2.2.3"
            ))
        );
        assert_eq!(order_no("A-1_b"), Ok("A-1_b"));
        assert_eq!(order_no("A 1"), Err(FieldRule::NotAnOrderNo));
    }
}
