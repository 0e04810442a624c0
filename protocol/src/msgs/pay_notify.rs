//! §2.2.3 支付结果后台返回接口（服务端，异步）.

use crate::enums::{IssuerId, Language, PayResult, PayType, SignType};

message! {
    /// §2.2.3: the payment result the gateway POSTs to `receiveUrl` (also the §3.2 answer).
    PayNotify {
        kind: PayNotify, section: "2.2.3", title: "支付结果后台返回接口",
        versions: ["v1.0", "v2.0"], wire: Form, scheme: GatewayNameValue,
    }
    merchant_id "merchantId" 30 Required Signed Digits;
    version "version" 10 Required Signed OneOf(&["v1.0", "v2.0"]);
    language "language" 2 Optional Signed OneOf(&["1"]) as Language;
    sign_type "signType" 2 Required Signed OneOf(SignType);
    pay_type "payType" 2 Optional Signed Text as PayType;
    issuer_id "issuerId" 8 Optional Signed Text as IssuerId;
    payment_order_id "paymentOrderId" 50 Required Signed Text;
    order_no "orderNo" 50 Required Signed Text;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    order_amount "orderAmount" 10 Required Signed Amount;
    pay_datetime "payDatetime" 14 Required Signed DateTime14;
    pay_amount "payAmount" 10 Required Signed Amount;
    ext1 "ext1" 128 Optional Signed Text;
    ext2 "ext2" 128 Optional Signed Text;
    pay_result "payResult" 2 Required Signed OneOf(PayResult);
    error_code "errorCode" 10 Optional Signed Text;
    return_datetime "returnDatetime" 14 Required Signed DateTime14;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}
