//! Closed value sets (rustls style): the wire values a table lists as variants, anything
//! else kept in `Unknown` so that a value renders back to the bytes received. These are
//! the types the typed accessors of [`crate::msgs`] return, and their `KNOWN` lists are
//! the `OneOf` formats of the tables.

macro_rules! closed_enum {
    (
        $(#[$m:meta])* $name:ident {
            $( $(#[$vm:meta])* $variant:ident = $wire:literal, )*
        }
    ) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vm])* $variant, )*
            /// A value the spec does not list, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every wire value the spec lists, in the spec's order.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            /// The listed value `s` names, without allocating; `None` for any other text.
            #[inline]
            pub fn known(s: &str) -> Option<Self> {
                match s {
                    $($wire => Some(Self::$variant),)*
                    _ => None,
                }
            }

            /// Reads a wire value; one the spec does not list is kept in `Unknown`.
            pub fn from_wire(s: &str) -> Self {
                Self::known(s).unwrap_or_else(|| Self::Unknown(s.to_owned()))
            }

            /// The wire text.
            pub fn as_wire(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }

            /// Whether the spec lists this value.
            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;

            /// [`Self::from_wire`]: every text reads, unknown values as `Unknown`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(s))
            }
        }

        /// The wire text.
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_wire())
            }
        }

        impl<'a> $crate::value::FromField<'a> for $name {
            fn from_field(v: &'a str) -> Result<Self, $crate::error::FieldRule> {
                Ok(Self::from_wire(v))
            }
        }
    };
}

closed_enum! {
    /// §2.1 inputCharset: the charset payData is sent and signed in (§5.1 c).
    InputCharset {
        /// `1`: UTF-8.
        Utf8 = "1",
        /// `2`: GBK.
        Gbk = "2",
        /// `3`: GB2312.
        Gb2312 = "3",
    }
}

impl InputCharset {
    /// The sign-source charset this code declares (ERRATA E-CHARSET: an unknown code
    /// hashes in UTF-8, as the official SDK does).
    pub fn charset(&self) -> crate::Charset {
        crate::Charset::declared_by(Some(self.as_wire()))
    }
}

closed_enum! {
    /// signType (§2.1, §5.3): 0 MD5 both ways; 1 merchant MD5, gateway certificate.
    SignType {
        /// `0`: MD5 with the merchant key, both ways (§5.2).
        Md5 = "0",
        /// `1`: the merchant still signs with MD5; the gateway signs with its certificate (§5.3).
        Certificate = "1",
    }
}

impl SignType {
    /// The numeric code (`0` or `1`) of a listed sign type, as
    /// [`crate::sign::Credentials::expected_sign_type`] holds it.
    pub fn code(&self) -> Option<u8> {
        match self {
            Self::Md5 => Some(0),
            Self::Certificate => Some(1),
            Self::Unknown(_) => None,
        }
    }
}

closed_enum! {
    /// §2.1 language (international cards only).
    Language {
        /// `1`: simplified Chinese.
        SimplifiedChinese = "1",
        /// `2`: traditional Chinese.
        TraditionalChinese = "2",
        /// `3`: English.
        English = "3",
    }
}

closed_enum! {
    /// §2.1 payType (v2.8 definition).
    PayType {
        /// `0`: every payment kind the payer may choose.
        All = "0",
        /// `27`: straight to card-number entry.
        CardEntry = "27",
        /// `30`: international card.
        InternationalCard = "30",
    }
}

closed_enum! {
    /// §2.1 issuerId (international cards only).
    IssuerId {
        /// `visa`.
        Visa = "visa",
        /// `mastercard`.
        Mastercard = "mastercard",
        /// `jcb`.
        Jcb = "jcb",
    }
}

closed_enum! {
    /// §2.1 tradeNature (required when the currency is not RMB).
    TradeNature {
        /// `GOODS`.
        Goods = "GOODS",
        /// `SERVICES`.
        Services = "SERVICES",
    }
}

closed_enum! {
    /// §2.1 fnpay_mode: "0:直连消费模式 1:非直连消费模式", absent meaning non-direct.
    FnpayMode {
        /// `0`: direct mode, the merchant collects the card (bill fields and cvv2 required).
        Direct = "0",
        /// `1`: non-direct mode.
        NotDirect = "1",
    }
}

closed_enum! {
    /// §2.2.3 payResult (note: §2.2.2 iOS uses 0 for success).
    PayResult {
        /// `1`: paid.
        Paid = "1",
        /// `0`: not paid.
        Unpaid = "0",
    }
}

closed_enum! {
    /// §2.2.2 iOS payResult.
    IosPayResult {
        /// `0`: 受理成功.
        Accepted = "0",
        /// `1`: 受理失败.
        Failed = "1",
        /// `-1`: 取消支付.
        Cancelled = "-1",
    }
}

closed_enum! {
    /// §2.2.2 Android allinpay_pay_res.
    AndroidPayRes {
        /// `allinpay_pay_success`.
        Success = "allinpay_pay_success",
        /// `allinpay_pay_fail`.
        Fail = "allinpay_pay_fail",
    }
}

closed_enum! {
    /// §3.6 refundResult: "申请成功：20 其他为失败" (any other value is a failure).
    RefundResult {
        /// `20`: the refund application was accepted.
        Accepted = "20",
    }
}

closed_enum! {
    /// §3.8 退款查询成功返回码, the refundResult of a refund-status record.
    RefundState {
        /// `TKSUCC0001`: 退款未受理.
        NotAccepted = "TKSUCC0001",
        /// `TKSUCC0002`: 待通联审核.
        AwaitingReview = "TKSUCC0002",
        /// `TKSUCC0003`: 通联审核通过.
        ReviewPassed = "TKSUCC0003",
        /// `TKSUCC0004`: 退款冲销.
        Reversed = "TKSUCC0004",
        /// `TKSUCC0005`: 处理中.
        Processing = "TKSUCC0005",
        /// `TKSUCC0006`: 退款成功.
        Refunded = "TKSUCC0006",
        /// `TKSUCC0007`: 退款失败.
        Failed = "TKSUCC0007",
        /// `TKSUCC0008`: 通联审核不通过.
        ReviewRejected = "TKSUCC0008",
    }
}

closed_enum! {
    /// §4.2/§4.4 retCode.
    RetCode {
        /// `0000`: success.
        Success = "0000",
        /// `FC0003_000008`: the pre-authorisation could not be cancelled (§4.2).
        PreauthCancelFailed = "FC0003_000008",
    }
}

closed_enum! {
    /// Currency codes of §2.1, §6.2 and §6.3 (ISO 4217 numeric, plus `0` for RMB).
    Currency {
        /// `0`: RMB (§2.1 "0 或 156").
        RmbZero = "0",
        /// `156`: RMB.
        Cny = "156",
        /// `840`: US dollar.
        Usd = "840",
        /// `344`: Hong Kong dollar.
        Hkd = "344",
        /// `392`: yen.
        Jpy = "392",
        /// `978`: euro.
        Eur = "978",
        /// `458`: ringgit.
        Myr = "458",
        /// `032`: §6.2 prints 032 for 澳元; ISO 4217 032 is the Argentine peso (ERRATA E-6.2-AUD).
        Aud032 = "032",
        /// `036`: Australian dollar (§6.3).
        Aud = "036",
        /// `826`: pound sterling.
        Gbp = "826",
        /// `124`: Canadian dollar.
        Cad = "124",
        /// `702`: Singapore dollar.
        Sgd = "702",
        /// `752`: Swedish krona.
        Sek = "752",
    }
}

/// §6.2 跨境支付支持币种类型, as printed.
pub const CROSS_BORDER_CURRENCIES: &[&str] =
    &["0", "156", "840", "344", "392", "978", "458", "032"];
/// §6.3 国际卡支付支持币种类型.
pub const INTERNATIONAL_CARD_CURRENCIES: &[&str] = &[
    "156", "840", "826", "344", "978", "124", "036", "392", "702", "752",
];
/// §2.1: other payment kinds, "0 或 156 - 人民币".
pub const DOMESTIC_CURRENCIES: &[&str] = &["0", "156"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept() {
        assert_eq!(PayType::from_wire("30"), PayType::InternationalCard);
        let odd = PayType::from_wire("00");
        assert_eq!(odd, PayType::Unknown("00".into()));
        assert_eq!(odd.as_wire(), "00");
        assert_eq!(odd.to_string(), "00");
        assert!(!odd.is_known());
        assert_eq!(PayType::known("00"), None);
    }

    #[test]
    fn sign_type_reads_one_way() {
        assert_eq!("0".parse(), Ok(SignType::Md5));
        assert_eq!(SignType::from_wire("1"), SignType::Certificate);
        assert_eq!(SignType::known(" 1"), None);
        assert_eq!(SignType::from_wire("01").code(), None);
        assert_eq!(SignType::Certificate.code(), Some(1));
    }

    #[test]
    fn known_lists_are_the_spec_values_in_order() {
        // Each list as the spec prints it (§2.1, §2.2.3, §3.8); check reports "one of" in
        // this order.
        assert_eq!(SignType::KNOWN, ["0", "1"]);
        assert_eq!(PayResult::KNOWN, ["1", "0"]);
        assert_eq!(IosPayResult::KNOWN, ["0", "1", "-1"]);
        assert_eq!(PayType::KNOWN, ["0", "27", "30"]);
        assert_eq!(RefundState::KNOWN.len(), 8);
        assert_eq!(RefundState::KNOWN[7], "TKSUCC0008");
    }

    #[test]
    fn input_charset_names_its_charset() {
        assert_eq!(InputCharset::Gbk.charset(), crate::Charset::Gbk);
        assert_eq!(InputCharset::from_wire("9").charset(), crate::Charset::Utf8);
    }
}
