//! Builders for what a merchant sends, each signed with the merchant's MD5 key (§5.2):
//! the payData JSON the app hands to the SDK (§2.1), and the forms it POSTs to the gateway:
//! the order query (§3.1), the refund (§3.5) and the refund-status query (§3.7).
//!
//! A builder takes typed values, fills the table's fixed `version`, checks every row
//! (required fields set, formats) and computes `signMsg`. The result is the plain message
//! type: render it with [`PayRequest::to_json`] or `to_form_body`, which are the codecs of
//! [`crate::codec`].
//!
//! ```
//! use allinpay_protocol::datetime::DateTime14;
//! use allinpay_protocol::enums::SignType;
//! use allinpay_protocol::msgs::OrderQuery;
//! use allinpay_protocol::MerchantKey;
//!
//! let key = MerchantKey::new("1234567890")?;
//! let query = OrderQuery::builder()
//!     .merchant_id("100020091218001")
//!     .sign_type(SignType::Md5)
//!     .order_no("NOM20240315101530001")
//!     .order_datetime(DateTime14::parse14("20240315101530").expect("a date"))
//!     .query_datetime(DateTime14::parse14("20240315103000").expect("a date"))
//!     .sign(&key)?;
//! assert_eq!(query.sign_msg.as_deref(), Some("B9B7D45961BED3552B08CC77DE585BA7"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use crate::charset::Charset;
use crate::codec;
use crate::datetime::DateTime14;
use crate::enums::{Currency, InputCharset, IssuerId, Language, PayType, SignType, TradeNature};
use crate::error::{BuildError, VerifyError};
use crate::key::MerchantKey;
use crate::msgs::{Message, OrderQuery, PayRequest, Refund, RefundQuery};
use crate::sign;
use crate::value::Fen;

/// Declares a builder: its setters, each writing the value's wire text into the field of
/// the same name.
macro_rules! builder {
    (
        $(#[$meta:meta])*
        $builder:ident for $msg:ident {
            $( $(#[$doc:meta])* $field:ident: $ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default)]
        pub struct $builder {
            msg: $msg,
        }

        impl $msg {
            /// A builder of this message, with the table's fixed `version` filled in.
            pub fn builder() -> $builder {
                let mut msg = $msg::default();
                msg.version = <$msg as Message>::DEF.versions.first().map(|v| (*v).to_owned());
                $builder { msg }
            }
        }

        impl $builder {
            $(
                $(#[$doc])*
                pub fn $field(mut self, value: $ty) -> Self {
                    self.msg.$field = Some(value.to_string());
                    self
                }
            )*
        }
    };
}

builder! {
    /// Builds a §2.1 payData (`PayRequest::builder()`). International-card fields (§2.1
    /// second table, §5.4 ext1) are not set by this builder.
    PayRequestBuilder for PayRequest {
        /// inputCharset: also the charset the signature is computed in (§5.1 c).
        input_charset: InputCharset,
        /// receiveUrl: where the gateway POSTs the §2.2.3 result.
        receive_url: &str,
        /// language (international cards only).
        language: Language,
        /// signType: 0 or 1; the merchant signs with MD5 either way (§2.1).
        sign_type: SignType,
        /// merchantId, 数字串.
        merchant_id: &str,
        /// orderNo: letters, digits, `-` and `_`.
        order_no: &str,
        /// orderAmount in the currency's smallest unit.
        order_amount: Fen,
        /// orderCurrency (§2.1, §6.2, §6.3).
        order_currency: Currency,
        /// orderDatetime.
        order_datetime: DateTime14,
        /// productName.
        product_name: &str,
        /// ext1 (member mode: `<USER>id</USER>`).
        ext1: &str,
        /// payType.
        pay_type: PayType,
        /// issuerId (international cards only).
        issuer_id: IssuerId,
        /// tradeNature (required when the currency is not RMB).
        trade_nature: TradeNature,
        /// cardNo: shown to the payer, not signed (§2.1).
        card_no: &str,
    }
}

builder! {
    /// Builds a §3.1 single-order query form (`OrderQuery::builder()`).
    OrderQueryBuilder for OrderQuery {
        /// merchantId.
        merchant_id: &str,
        /// signType of the answer (§3.2): 0 MD5, 1 certificate.
        sign_type: SignType,
        /// orderNo of the order to query.
        order_no: &str,
        /// orderDatetime of that order.
        order_datetime: DateTime14,
        /// queryDatetime: now, within 15 minutes of the gateway's clock (§3.1).
        query_datetime: DateTime14,
    }
}

builder! {
    /// Builds a §3.5 refund form (`Refund::builder()`).
    RefundBuilder for Refund {
        /// signType of the answer (§3.6).
        sign_type: SignType,
        /// merchantId.
        merchant_id: &str,
        /// orderNo of the paid order.
        order_no: &str,
        /// refundAmount in fen.
        refund_amount: Fen,
        /// mchtRefundOrderNo: the merchant's own refund number.
        mcht_refund_order_no: &str,
        /// orderDatetime of the paid order.
        order_datetime: DateTime14,
    }
}

builder! {
    /// Builds a §3.7 refund-status query form (`RefundQuery::builder()`).
    RefundQueryBuilder for RefundQuery {
        /// signType of the answer (§3.8).
        sign_type: SignType,
        /// merchantId.
        merchant_id: &str,
        /// orderNo of the refunded order.
        order_no: &str,
        /// refundAmount in fen.
        refund_amount: Fen,
        /// refundDatetime of the refund.
        refund_datetime: DateTime14,
        /// mchtRefundOrderNo of the refund.
        mcht_refund_order_no: &str,
    }
}

impl PayRequestBuilder {
    /// Checks every row and signs in the charset inputCharset names (§5.1 c, §5.2).
    pub fn sign(self, key: &MerchantKey) -> Result<PayRequest, BuildError> {
        self.msg.read_rows()?;
        let charset = self.msg.charset();
        finish(self.msg, key, charset)
    }
}

impl OrderQueryBuilder {
    /// Checks every row and signs (§3.1, §5.2).
    pub fn sign(self, key: &MerchantKey) -> Result<OrderQuery, BuildError> {
        self.msg.read_rows()?;
        finish(self.msg, key, Charset::Utf8)
    }
}

impl RefundBuilder {
    /// Checks every row and signs (§3.5, §5.2).
    pub fn sign(self, key: &MerchantKey) -> Result<Refund, BuildError> {
        self.msg.read_rows()?;
        finish(self.msg, key, Charset::Utf8)
    }
}

impl RefundQueryBuilder {
    /// Checks every row and signs (§3.7; the request is signed although its table has no
    /// signMsg row, ERRATA E-3.7-SIGNMSG).
    pub fn sign(self, key: &MerchantKey) -> Result<RefundQuery, BuildError> {
        self.msg.read_rows()?;
        finish(self.msg, key, Charset::Utf8)
    }
}

/// Refuses an ambiguous sign source, then fills signMsg (§5.2).
fn finish<M: Message>(mut msg: M, key: &MerchantKey, charset: Charset) -> Result<M, BuildError> {
    if let Some(&(field, holds)) = sign::repartitions(&msg).first() {
        return Err(BuildError::AmbiguousSignSource { field, holds });
    }
    let sign_msg = sign::md5_sign(&msg, key, charset).map_err(|e| match e {
        VerifyError::Unencodable { field } => BuildError::Unencodable { field },
        // md5_sign fails only on an unencodable value or key.
        _ => BuildError::Unencodable { field: "key" },
    })?;
    if let Some(slot) = msg.slot("signMsg") {
        *slot = Some(sign_msg.to_string());
    }
    Ok(msg)
}

impl PayRequest {
    /// The payData JSON the app hands to the SDK (§2.1): compact, fields in table order.
    pub fn to_json(&self) -> String {
        codec::json::render(self)
    }
}

impl OrderQuery {
    /// The form body to POST (§3.1), URL-encoded, fields in table order.
    pub fn to_form_body(&self) -> String {
        codec::form::render(self)
    }
}

impl Refund {
    /// The form body to POST (§3.5), URL-encoded, fields in table order.
    pub fn to_form_body(&self) -> String {
        codec::form::render(self)
    }
}

impl RefundQuery {
    /// The form body to POST (§3.7), URL-encoded, fields in table order.
    pub fn to_form_body(&self) -> String {
        codec::form::render(self)
    }
}
