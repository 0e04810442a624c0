//! The typed accessors the `message!` tables generate: the wire text stays as received,
//! each accessor reads its field as the type its format names.

use allinpay_protocol::codec::form;
use allinpay_protocol::datetime::DateTime14;
use allinpay_protocol::enums::{Language, PayResult, PayType, RefundState, SignType};
use allinpay_protocol::error::{FieldError, FieldRule};
use allinpay_protocol::msgs::{PayNotify, RefundQueryRecord};
use allinpay_protocol::value::Fen;

/// `vectors/capture_pay_notify.json` tcId 1: a public capture of a §2.2.3 notification.
const CAPTURE: &str = "merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5";

#[test]
fn pay_notify_reads_as_its_types() {
    let n = form::parse::<PayNotify>(CAPTURE.as_bytes())
        .expect("the capture parses")
        .message;
    assert_eq!(n.merchant_id(), Ok("008411353990035"));
    assert_eq!(n.version(), Ok("v1.0"));
    assert_eq!(n.language(), Ok(Some(Language::SimplifiedChinese)));
    assert_eq!(n.sign_type(), Ok(SignType::Md5));
    // 33 is outside the §2.1 request set: kept, not refused.
    assert_eq!(n.pay_type(), Ok(Some(PayType::Unknown("33".into()))));
    assert_eq!(n.order_amount(), Ok(Fen(13000)));
    assert_eq!(n.pay_result(), Ok(PayResult::Paid));
    let paid = n.pay_datetime().expect("a datetime");
    assert_eq!(
        (
            paid.year,
            paid.month,
            paid.day,
            paid.hour,
            paid.minute,
            paid.second
        ),
        (2017, 5, 2, 22, 3, 45)
    );
    assert_eq!(n.ext1(), Ok(Some("<USER>170502828662290</USER>")));
    assert_eq!(n.error_code(), Ok(None));
    // The wire text is untouched: rendering gives the capture back.
    assert_eq!(form::render(&n), CAPTURE);
}

#[test]
fn accessors_name_the_field_the_rule_and_the_section() {
    let n = PayNotify {
        order_amount: Some("12.50".into()),
        pay_datetime: Some("20170230220345".into()),
        merchant_id: Some("0084 1135".into()),
        ..PayNotify::default()
    };
    assert_eq!(
        n.order_amount(),
        Err(FieldError::new(
            "orderAmount",
            FieldRule::NotAnAmount,
            "2.2.3"
        ))
    );
    assert_eq!(
        n.pay_datetime(),
        Err(FieldError::new(
            "payDatetime",
            FieldRule::NotADateTime,
            "2.2.3"
        ))
    );
    assert_eq!(
        n.merchant_id(),
        Err(FieldError::new("merchantId", FieldRule::NotDigits, "2.2.3"))
    );
    assert_eq!(
        n.pay_result(),
        Err(FieldError::new("payResult", FieldRule::Missing, "2.2.3"))
    );
    assert_eq!(
        n.pay_result().unwrap_err().to_string(),
        "payResult: required (必填/不可空), missing or empty (§2.2.3)"
    );
}

#[test]
fn refund_query_record_reads_its_state() {
    // §3.8 example record (spec line `v2.4|1|100020091218001|NO20150115093032|1|…`).
    let r = RefundQueryRecord {
        refund_result: Some("TKSUCC0002".into()),
        refund_datetime: Some("20150115093027".into()),
        ..RefundQueryRecord::default()
    };
    assert_eq!(r.refund_result(), Ok(RefundState::AwaitingReview));
    assert_eq!(
        r.refund_datetime(),
        Ok(DateTime14::parse14("20150115093027"))
    );
}
