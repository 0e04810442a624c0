//! §3.5 单笔订单退款接口 and §3.6 单笔订单退款结果返回接口.

use crate::enums::{RefundResult, SignType};

message! {
    /// §3.5: refund request, POSTed to `/gateway/index.do`.
    Refund {
        kind: Refund, section: "3.5", title: "单笔订单退款接口",
        versions: ["v2.3"], wire: Form, scheme: MerchantMd5,
    }
    version "version" 4 Required Signed OneOf(&["v2.3"]);
    sign_type "signType" 1 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    refund_amount "refundAmount" 10 Required Signed Amount;
    mcht_refund_order_no "mchtRefundOrderNo" 50 Optional Signed OrderNo;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

message! {
    /// §3.6: refund result.
    RefundResponse {
        kind: RefundResponse, section: "3.6", title: "单笔订单退款结果返回接口",
        versions: ["v2.3"], wire: Form, scheme: GatewayNameValue,
    }
    merchant_id "merchantId" 30 Required Signed Digits;
    version "version" 10 Required Signed OneOf(&["v2.3"]);
    sign_type "signType" 2 Required Signed OneOf(SignType);
    order_no "orderNo" 50 Required Signed OrderNo;
    order_amount "orderAmount" 10 Required Signed Amount;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    refund_amount "refundAmount" 10 Required Signed Amount;
    refund_datetime "refundDatetime" 14 Required Signed DateTime14;
    refund_result "refundResult" 10 Required Signed Text as RefundResult;
    mcht_refund_order_no "mchtRefundOrderNo" 50 Optional Signed OrderNo;
    return_datetime "returnDatetime" 14 Required Signed DateTime14;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}
