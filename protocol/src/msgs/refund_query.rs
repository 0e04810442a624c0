//! §3.7 退款状态查询接口 and §3.8 退款状态查询返回.

use crate::enums::{RefundState, SignType};

message! {
    /// §3.7: refund-status query, POSTed to `/mchtoq/refundQuery`. The table has no
    /// `signMsg` row; the gateway's error 010 "摘要错误" shows the request is signed
    /// (ERRATA E-3.7-SIGNMSG), so `signMsg` is added last, as in every other request.
    RefundQuery {
        kind: RefundQuery, section: "3.7", title: "退款状态查询接口",
        versions: ["v2.4"], wire: Form, scheme: MerchantMd5,
    }
    version "version" 4 Required Signed OneOf(&["v2.4"]);
    sign_type "signType" 1 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    refund_amount "refundAmount" 10 Required Signed Amount;
    refund_datetime "refundDatetime" 14 Optional Signed DateTime14;
    mcht_refund_order_no "mchtRefundOrderNo" 50 Optional Signed OrderNo;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

message! {
    /// §3.8: one refund record line, `|`-separated in table order.
    RefundQueryRecord {
        kind: RefundQueryResponse, section: "3.8", title: "退款状态查询返回",
        versions: ["v2.4"], wire: PipeText, scheme: GatewayText,
    }
    version "version" 4 Required Signed OneOf(&["v2.4"]);
    sign_type "signType" 1 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    refund_amount "refundAmount" 10 Required Signed Amount;
    refund_datetime "refundDatetime" 14 Optional Signed DateTime14;
    mcht_refund_order_no "mchtRefundOrderNo" 50 Optional Signed OrderNo;
    refund_result "refundResult" 10 Required Signed OneOf(RefundState);
    return_datetime "returnDatetime" 14 Required Signed DateTime14;
}

/// §3.8: one or more records, then the signature line.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct RefundQueryResponse {
    /// The record lines, one per refund.
    pub records: Vec<RefundQueryRecord>,
    #[serde(rename = "signMsg")]
    /// The signature line.
    pub sign_msg: String,
}
