//! The merchant builders against documented signatures: the spec's own examples where
//! it prints one (§2.1), else the generated vectors of `vectors/md5_*.json`, which were
//! computed by `vectors/tools/gen_md5_vectors.py` with Python's hashlib, not by this crate.
//! Each expected value below is copied from the file and test case named beside it.

use allinpay_protocol::builder::PayRequestBuilder;
use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::enums::{
    Currency, InputCharset, IssuerId, Language, PayType, SignType, TradeNature,
};
use allinpay_protocol::error::{BuildError, FieldError, FieldRule};
use allinpay_protocol::msgs::{OrderQuery, PayRequest, Refund, RefundQuery};
use allinpay_protocol::value::Fen;
use allinpay_protocol::{Charset, MerchantKey};

fn key(k: &str) -> MerchantKey {
    MerchantKey::new(k).expect("a test key")
}

fn dt(s: &str) -> DateTime14 {
    DateTime14::parse14(s).expect("a real datetime")
}

/// The §2.1 example's fields (`vectors/spec_pay_request.json` tcId 1), without the
/// orderCurrency the example leaves out.
fn spec_2_1_example() -> PayRequestBuilder {
    PayRequest::builder()
        .input_charset(InputCharset::Utf8)
        .receive_url("http://www")
        .sign_type(SignType::Certificate)
        .merchant_id("100020091218001")
        .order_no("NOM20141125141040856")
        .order_amount(Fen(1))
        .order_datetime(dt("20141125141040"))
        .product_name("笔记本电脑")
        .pay_type(PayType::All)
}

#[test]
fn the_2_1_example_is_refused_for_its_missing_order_currency() {
    // ERRATA E-2.1-CURRENCY: the printed example (signMsg 4F521B6E630C4806A2D7388A014C1123)
    // has no orderCurrency, which §2.1 marks 必填; a production builder refuses it.
    let err = spec_2_1_example().sign(&key("1234567890")).unwrap_err();
    assert_eq!(
        err,
        BuildError::Field(FieldError::new("orderCurrency", FieldRule::Missing, "2.1"))
    );
    assert_eq!(
        err.to_string(),
        "orderCurrency: required (必填/不可空), missing or empty (§2.1)"
    );
}

#[test]
fn an_optional_row_is_read_as_its_type_too() {
    // §2.1's second table: cardNo, when sent, is digits (it is not signed, but still a row).
    let err = spec_2_1_example()
        .order_currency(Currency::Cny)
        .card_no("6222 0000")
        .sign(&key("1234567890"))
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::Field(FieldError::new("cardNo", FieldRule::NotDigits, "2.1"))
    );
}

#[test]
fn the_2_1_example_fields_are_placed_as_the_spec_signs_them() {
    // Built complete, then with orderCurrency taken out again: every other field the
    // builder wrote (version included) signs to the printed §2.1 signMsg
    // (vectors/spec_pay_request.json tcId 1).
    let k = key("1234567890");
    let mut req = spec_2_1_example()
        .order_currency(Currency::Cny)
        .sign(&k)
        .expect("complete");
    assert_eq!(req.version.as_deref(), Some("v1.0"));
    req.order_currency = None;
    assert_eq!(
        allinpay_protocol::sign::md5_sign(&req, &k, Charset::Utf8)
            .expect("UTF-8")
            .as_str(),
        "4F521B6E630C4806A2D7388A014C1123"
    );
}

#[test]
fn pay_request_signs_as_the_vectors() {
    // vectors/md5_pay_request.json tcId 96, key B.
    let base = PayRequest::builder()
        .input_charset(InputCharset::Utf8)
        .receive_url("https://m.example.cn/pay/notify.do")
        .sign_type(SignType::Certificate)
        .merchant_id("100020091218001")
        .order_no("20240601093000123456")
        .order_amount(Fen(59900))
        .order_currency(Currency::Cny)
        .order_datetime(dt("20240601093000"))
        .product_name("Headphones")
        .pay_type(PayType::CardEntry);
    let k = key("allinpayTestKey_2024");
    let req = base.clone().sign(&k).expect("complete");
    assert_eq!(
        req.sign_msg.as_deref(),
        Some("711A5D044733CC71F927A672056B725D")
    );
    // tcId 97: every optional field with a value.
    let req = base
        .language(Language::SimplifiedChinese)
        .ext1("<USER>170502828662290</USER>")
        .issuer_id(IssuerId::Mastercard)
        .trade_nature(TradeNature::Services)
        .sign(&k)
        .expect("complete");
    assert_eq!(
        req.sign_msg.as_deref(),
        Some("34617A8AD920ACA6DE01C41B33D41580")
    );
    // The JSON reads back as the same message, signature included.
    let back = allinpay_protocol::codec::json::parse::<PayRequest>(req.to_json().as_bytes())
        .expect("own JSON parses");
    assert_eq!(back.message, req);
    assert!(back.unknown.is_empty());
}

#[test]
fn pay_request_signs_in_the_charset_input_charset_names() {
    // vectors/md5_pay_request.json tcId 134 (GBK) and tcId 152 (GB2312), key 1234567890.
    let build = |cs: InputCharset| {
        PayRequest::builder()
            .input_charset(cs)
            .receive_url("http://shop.example/notify")
            .sign_type(SignType::Md5)
            .merchant_id("100020091218001")
            .order_no("NOM20240315101530000")
            .order_amount(Fen(1000))
            .order_currency(Currency::Cny)
            .order_datetime(dt("20240315101530"))
            .product_name("笔记本电脑")
            .pay_type(PayType::All)
            .sign(&key("1234567890"))
            .expect("complete")
    };
    let gbk = build(InputCharset::Gbk);
    assert_eq!(gbk.charset(), Charset::Gbk);
    assert_eq!(
        gbk.sign_msg.as_deref(),
        Some("2E4B962E652D786D2DB8AFEA277B8BA8")
    );
    assert_eq!(
        build(InputCharset::Gb2312).sign_msg.as_deref(),
        Some("ECBF4D2E81AE16D27405A5C97C3DA679")
    );
}

#[test]
fn order_query_form_is_the_vector_wire() {
    // vectors/md5_order_query.json tcId 1 (signMsg) and tcId 17 (wire).
    let q = OrderQuery::builder()
        .merchant_id("100020091218001")
        .sign_type(SignType::Md5)
        .order_no("NOM20240315101530001")
        .order_datetime(dt("20240315101530"))
        .query_datetime(dt("20240315103000"))
        .sign(&key("1234567890"))
        .expect("complete");
    assert_eq!(
        q.to_form_body(),
        "merchantId=100020091218001&version=v1.5&signType=0&orderNo=NOM20240315101530001&orderDatetime=20240315101530&queryDatetime=20240315103000&signMsg=B9B7D45961BED3552B08CC77DE585BA7"
    );
}

#[test]
fn refund_form_is_the_vector_wire() {
    // vectors/md5_refund.json tcId 22 (no optional field) and tcId 24 (mchtRefundOrderNo).
    let base = Refund::builder()
        .sign_type(SignType::Md5)
        .merchant_id("100020091218001")
        .order_no("NOM20240315101530001")
        .refund_amount(Fen(500))
        .order_datetime(dt("20240315101530"));
    let k = key("1234567890");
    assert_eq!(
        base.clone().sign(&k).expect("complete").to_form_body(),
        "version=v2.3&signType=0&merchantId=100020091218001&orderNo=NOM20240315101530001&refundAmount=500&orderDatetime=20240315101530&signMsg=EB755F9B937250983D2652BF2F213FC4"
    );
    assert_eq!(
        base.mcht_refund_order_no("RF20240316090000001")
            .sign(&k)
            .expect("complete")
            .to_form_body(),
        "version=v2.3&signType=0&merchantId=100020091218001&orderNo=NOM20240315101530001&refundAmount=500&mchtRefundOrderNo=RF20240316090000001&orderDatetime=20240315101530&signMsg=CEC587A5FFE7EB8A4F7C9E11EB64D9FD"
    );
}

#[test]
fn refund_query_form_is_the_vector_wire() {
    // vectors/md5_refund_query.json tcId 62 and tcId 63, key B.
    let base = RefundQuery::builder()
        .sign_type(SignType::Certificate)
        .merchant_id("100020091218001")
        .order_no("20240601093000123456")
        .refund_amount(Fen(59900));
    let k = key("allinpayTestKey_2024");
    assert_eq!(
        base.clone().sign(&k).expect("complete").to_form_body(),
        "version=v2.4&signType=1&merchantId=100020091218001&orderNo=20240601093000123456&refundAmount=59900&signMsg=15D7C0B2A23A0AAC16403CD894FEE3DA"
    );
    assert_eq!(
        base.refund_datetime(dt("20240602100001"))
            .mcht_refund_order_no("RF-20240602-0001")
            .sign(&k)
            .expect("complete")
            .to_form_body(),
        "version=v2.4&signType=1&merchantId=100020091218001&orderNo=20240601093000123456&refundAmount=59900&refundDatetime=20240602100001&mchtRefundOrderNo=RF-20240602-0001&signMsg=8F726946B96AC93D4F522951A43B15C7"
    );
}

#[test]
fn builders_name_the_broken_row() {
    let k = key("1234567890");
    let err = Refund::builder()
        .sign_type(SignType::Md5)
        .merchant_id("10002009121800X")
        .order_no("NOM1")
        .refund_amount(Fen(1))
        .order_datetime(dt("20240315101530"))
        .sign(&k)
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::Field(FieldError::new("merchantId", FieldRule::NotDigits, "3.5"))
    );
    let err = OrderQuery::builder()
        .merchant_id("100020091218001")
        .sign_type(SignType::Md5)
        .order_no("NO 1")
        .order_datetime(dt("20240315101530"))
        .query_datetime(dt("20240315103000"))
        .sign(&k)
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::Field(FieldError::new("orderNo", FieldRule::NotAnOrderNo, "3.1"))
    );
    // A value holding another signed field's `&name=` would sign ambiguously (§5.1).
    let err = spec_2_1_example()
        .order_currency(Currency::Cny)
        .product_name("pen&ext1=x")
        .sign(&k)
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::AmbiguousSignSource {
            field: "productName",
            holds: "ext1"
        }
    );
    // A GBK payData whose value has no GBK form.
    let err = spec_2_1_example()
        .order_currency(Currency::Cny)
        .input_charset(InputCharset::Gbk)
        .product_name("😀")
        .sign(&k)
        .unwrap_err();
    assert_eq!(
        err,
        BuildError::Unencodable {
            field: "productName"
        }
    );
}
