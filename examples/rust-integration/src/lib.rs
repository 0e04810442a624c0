//! A small merchant back end on `allinpay-protocol`, as a Rust integrator writes one: it
//! builds and signs the payData its app hands to the SDK (§2.1, §5.1, §5.2) and the
//! order-query form (§3.1), and verifies the gateway's notifications (§2.2.3, also the
//! §3.2 query answer) before it trusts a payment. `tests/allinpay.rs` runs the conformance
//! suite against it in this crate's own `cargo test`.

use allinpay_protocol::codec::form;
use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::enums::{Currency, InputCharset, PayResult, PayType, SignType};
use allinpay_protocol::msgs::{OrderQuery, PayNotify, PayRequest};
use allinpay_protocol::sign::{verify_gateway_name_value, Credentials};
use allinpay_protocol::value::Fen;
use allinpay_protocol::{BuildError, MerchantKey, ParseError, VerifyError};

/// One order of this shop.
#[derive(Clone, Debug)]
pub struct Order<'a> {
    /// §2.1 orderNo: letters, digits, `-` and `_`.
    pub order_no: &'a str,
    /// §2.1 orderAmount, in 分.
    pub amount: Fen,
    /// §2.1 orderDatetime.
    pub datetime: DateTime14,
    /// §2.1 productName.
    pub product_name: &'a str,
}

/// This shop's settings.
#[derive(Debug)]
pub struct Shop {
    /// §2.1 merchantId.
    pub merchant_id: String,
    /// The MD5 key (never printed: `MerchantKey`'s Debug masks it).
    pub key: MerchantKey,
    /// §2.1 receiveUrl: where the gateway POSTs the §2.2.3 notification.
    pub receive_url: String,
}

/// The payData JSON the app hands to the SDK control: UTF-8 (inputCharset 1), RMB (156),
/// every payment kind (payType 0), signed with MD5 (signType 0).
pub fn pay_data(shop: &Shop, order: &Order<'_>) -> Result<String, BuildError> {
    let signed = PayRequest::builder()
        .input_charset(InputCharset::Utf8)
        .receive_url(&shop.receive_url)
        .sign_type(SignType::Md5)
        .merchant_id(&shop.merchant_id)
        .order_no(order.order_no)
        .order_amount(order.amount)
        .order_currency(Currency::Cny)
        .order_datetime(order.datetime)
        .product_name(order.product_name)
        .pay_type(PayType::All)
        .sign(&shop.key)?;
    Ok(signed.to_json())
}

/// The §3.1 order-query form body for `order`, asked at `query_datetime`.
pub fn order_query(
    shop: &Shop,
    order: &Order<'_>,
    query_datetime: DateTime14,
) -> Result<String, BuildError> {
    let signed = OrderQuery::builder()
        .merchant_id(&shop.merchant_id)
        .order_no(order.order_no)
        .order_datetime(order.datetime)
        .query_datetime(query_datetime)
        .sign_type(SignType::Md5)
        .sign(&shop.key)?;
    Ok(signed.to_form_body())
}

/// A payment the gateway vouched for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Payment {
    /// The order it pays.
    pub order_no: String,
    /// payAmount, in 分.
    pub amount: Fen,
    /// payResult 1.
    pub paid: bool,
}

/// Why a notification is refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// The body is not a well-formed §2.2.3 form.
    #[error("malformed: {0}")]
    Malformed(#[from] ParseError),
    /// The signature does not verify, or the signType is not the one the orders use.
    #[error("not verified: {0}")]
    Signature(#[from] VerifyError),
    /// A signed field does not have its table's format.
    #[error("{0}")]
    Field(#[from] allinpay_protocol::FieldError),
}

/// Verifies a §2.2.3 notification (or a §3.2 query answer, the same table) with the
/// merchant key, held to the signType the orders use (§2.2.3: a message claiming another
/// is refused, so an MD5 forgery cannot pass for a certificate merchant).
pub fn verify_notification(
    body: &[u8],
    key: &MerchantKey,
    configured: Option<SignType>,
) -> Result<PayNotify, Refusal> {
    let notify: PayNotify = form::parse(body)?.message;
    let creds = Credentials {
        key: Some(key),
        cert: None,
        expected_sign_type: configured.and_then(|t| t.code()),
    };
    verify_gateway_name_value(&notify, creds)?;
    Ok(notify)
}

/// The payment a verified notification reports.
pub fn payment(notify: &PayNotify) -> Result<Payment, Refusal> {
    Ok(Payment {
        order_no: notify.order_no()?.to_owned(),
        amount: notify.pay_amount()?,
        paid: notify.pay_result()? == PayResult::Paid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `vectors/capture_pay_notify.json` tcId 1, a public capture signed with key
    /// 1234567890.
    const CAPTURE: &[u8] = b"merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5";

    fn key() -> MerchantKey {
        MerchantKey::new("1234567890").expect("a key")
    }

    #[test]
    fn a_captured_notification_pays_its_order() {
        let n = verify_notification(CAPTURE, &key(), Some(SignType::Md5)).expect("verifies");
        assert_eq!(
            payment(&n).expect("fields"),
            Payment {
                order_no: "P37337118799092".into(),
                amount: Fen(13000),
                paid: true,
            }
        );
    }

    #[test]
    fn a_tampered_amount_or_another_sign_type_is_refused() {
        let tampered = String::from_utf8_lossy(CAPTURE).replace("payAmount=13000", "payAmount=1");
        assert!(matches!(
            verify_notification(tampered.as_bytes(), &key(), None),
            Err(Refusal::Signature(_))
        ));
        assert!(matches!(
            verify_notification(CAPTURE, &key(), Some(SignType::Certificate)),
            Err(Refusal::Signature(_))
        ));
    }

    /// The §2.1 example's signature, 4F521B6E630C4806A2D7388A014C1123 (key 1234567890),
    /// covers no orderCurrency, which §2.1 requires (ERRATA E-2.1-CURRENCY): the builder
    /// refuses that payData rather than sign it.
    #[test]
    fn pay_data_is_signed_and_complete() {
        let shop = Shop {
            merchant_id: "100020091218001".into(),
            key: key(),
            receive_url: "http://www".into(),
        };
        let order = Order {
            order_no: "NOM20141125141040856",
            amount: Fen(1),
            datetime: DateTime14::parse14("20141125141040").expect("a datetime"),
            product_name: "笔记本电脑",
        };
        let json = pay_data(&shop, &order).expect("signs");
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(v["orderCurrency"], "156");
        assert_eq!(v["version"], "v1.0");
        // An independent MD5 of the §5.1 sign source: md5sum of
        // "inputCharset=1&receiveUrl=http://www&version=v1.0&signType=0&merchantId=100020091218001&orderNo=NOM20141125141040856&orderAmount=1&orderCurrency=156&orderDatetime=20141125141040&productName=笔记本电脑&payType=0&key=1234567890".
        assert_eq!(v["signMsg"], "08219C2702EEB6C3F4545E80F617EF59");
    }
}
