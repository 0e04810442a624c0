//! Closed value sets (rustls style): known wire values as variants, anything else kept
//! in `Unknown` so that rendering gives back the bytes received.

macro_rules! closed_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $wire:literal,)* }) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
            /// A value the spec does not list, kept as received.
            Unknown(String),
        }

        impl $name {
            /// Every wire value the spec lists.
            pub const KNOWN: &'static [&'static str] = &[$($wire),*];

            pub fn from_wire(s: &str) -> Self {
                match s {
                    $($wire => Self::$variant,)*
                    other => Self::Unknown(other.to_owned()),
                }
            }

            pub fn as_wire(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)*
                    Self::Unknown(s) => s,
                }
            }

            pub fn is_known(&self) -> bool {
                !matches!(self, Self::Unknown(_))
            }
        }
    };
}

closed_enum! {
    /// §2.1 inputCharset.
    InputCharset { Utf8 = "1", Gbk = "2", Gb2312 = "3", }
}
closed_enum! {
    /// signType (§2.1, §5.3): 0 MD5 both ways; 1 merchant MD5, gateway certificate.
    SignType { Md5 = "0", Certificate = "1", }
}
closed_enum! {
    /// §2.1 language (international cards only).
    Language { SimplifiedChinese = "1", TraditionalChinese = "2", English = "3", }
}
closed_enum! {
    /// §2.1 payType (v2.8 definition).
    PayType { All = "0", CardEntry = "27", InternationalCard = "30", }
}
closed_enum! {
    /// §2.1 issuerId (international cards only).
    IssuerId { Visa = "visa", Mastercard = "mastercard", Jcb = "jcb", }
}
closed_enum! {
    /// §2.1 tradeNature.
    TradeNature { Goods = "GOODS", Services = "SERVICES", }
}
closed_enum! {
    /// §2.2.3 payResult (note: §2.2.2 iOS uses 0 for success).
    PayResult { Paid = "1", Unpaid = "0", }
}
closed_enum! {
    /// §2.2.2 iOS payResult.
    IosPayResult { Accepted = "0", Failed = "1", Cancelled = "-1", }
}
closed_enum! {
    /// §2.2.2 Android allinpay_pay_res.
    AndroidPayRes { Success = "allinpay_pay_success", Fail = "allinpay_pay_fail", }
}
closed_enum! {
    /// §3.6 refundResult: "申请成功：20 其他为失败".
    RefundResult { Accepted = "20", }
}
closed_enum! {
    /// §3.8 退款查询成功返回码.
    RefundState {
        NotAccepted = "TKSUCC0001",
        AwaitingReview = "TKSUCC0002",
        ReviewPassed = "TKSUCC0003",
        Reversed = "TKSUCC0004",
        Processing = "TKSUCC0005",
        Refunded = "TKSUCC0006",
        Failed = "TKSUCC0007",
        ReviewRejected = "TKSUCC0008",
    }
}
closed_enum! {
    /// §4.2/§4.4 retCode.
    RetCode { Success = "0000", PreauthCancelFailed = "FC0003_000008", }
}
closed_enum! {
    /// Currency codes of §2.1, §6.2 and §6.3 (ISO 4217 numeric, plus `0` for RMB).
    /// `Aud032`: §6.2 prints 032 for 澳元; ISO 4217 032 is the Argentine peso (ERRATA E-6.2-AUD).
    Currency {
        RmbZero = "0",
        Cny = "156",
        Usd = "840",
        Hkd = "344",
        Jpy = "392",
        Eur = "978",
        Myr = "458",

        Aud032 = "032",
        Aud = "036",
        Gbp = "826",
        Cad = "124",
        Sgd = "702",
        Sek = "752",
    }
}

/// §3.8 success codes, as a `Format::OneOf` list.
pub const TKSUCC_CODES: [&str; 8] = [
    "TKSUCC0001",
    "TKSUCC0002",
    "TKSUCC0003",
    "TKSUCC0004",
    "TKSUCC0005",
    "TKSUCC0006",
    "TKSUCC0007",
    "TKSUCC0008",
];

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
        assert!(!odd.is_known());
        assert_eq!(RefundState::KNOWN.len(), 8);
        assert_eq!(&TKSUCC_CODES[..], RefundState::KNOWN);
    }
}
