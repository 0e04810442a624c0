//! The catalogue of mistakes: the ways integrators and public libraries get the §5.1 sign
//! source, the §5.2 key and digest, or a text's §3.8 signed lines wrong. Each has a stable
//! name (printed and in JSON) and a description citing the rule it breaks.

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
    pub(super) const ALL: [KeySpace; 5] = [
        KeySpace::TrailingLf,
        KeySpace::TrailingCrlf,
        KeySpace::TrailingSpace,
        KeySpace::LeadingSpace,
        KeySpace::Trimmed,
    ];

    /// The key as the mistake spells it (§5.2: the key is appended as set, no whitespace).
    pub(super) fn apply(self, key: &str) -> String {
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
/// of a field outside it) they concern; [`Explanation`](super::Explanation) carries the names.
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
    pub(super) fn units() -> Vec<Mistake> {
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

    /// Every mistake class's stable name, the parameterised ones once.
    pub fn names() -> Vec<&'static str> {
        let mut v: Vec<&'static str> = Mistake::units().into_iter().map(Mistake::name).collect();
        v.extend(
            [
                Mistake::FieldLeftOut(0),
                Mistake::FieldSignedTwice(0),
                Mistake::FieldInPlaceOf {
                    signed: 0,
                    instead_of: 1,
                },
                Mistake::ExtraFieldSigned(0),
                Mistake::MisspeltField(0),
            ]
            .map(Mistake::name),
        );
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

    /// What the mistake is, with the rule it breaks (the search fills in the fields it concerns).
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
    pub(super) fn family(self) -> u8 {
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
    pub(super) fn compatible(self, other: Mistake) -> bool {
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
    pub(super) fn cheap(self) -> bool {
        !matches!(
            self,
            Mistake::FieldLeftOut(_)
                | Mistake::FieldSignedTwice(_)
                | Mistake::FieldInPlaceOf { .. }
                | Mistake::ExtraFieldSigned(_)
                | Mistake::MisspeltField(_)
        )
    }

    /// Whether the mistake is in how the key is appended (§5.2, §3.8): a certificate
    /// signature covers no key (§5.3).
    pub(super) fn concerns_key(self) -> bool {
        matches!(
            self,
            Mistake::KeyWithoutPrefix
                | Mistake::KeyAfterAmpersand
                | Mistake::KeyAfterBar
                | Mistake::KeyEqWithoutAmpersand
                | Mistake::KeyWhitespace(_)
                | Mistake::AmpersandAfterKey
                | Mistake::TextKeyAsForm
                | Mistake::TextKeyWithoutBar
        )
    }

    /// Whether the mistake can be made on a `name=value` source (§5.1).
    pub(super) fn for_flat(self) -> bool {
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

    /// Whether the mistake can be made on a text's signed lines (§3.8).
    pub(super) fn for_texts(self) -> bool {
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

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn families_keep_alternatives_apart() {
        assert!(!Mistake::AmountInYuan.compatible(Mistake::AmountInYuanDecimals));
        assert!(Mistake::FieldLeftOut(1).compatible(Mistake::FieldLeftOut(2)));
        assert!(!Mistake::FieldLeftOut(1).compatible(Mistake::FieldLeftOut(1)));
        assert!(!Mistake::DecodeUriValues.compatible(Mistake::UrlEncodedValues));
        let names: HashSet<&str> = Mistake::units().iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Mistake::units().len(), "names are unique");
    }
}
