//! §4 国际卡预授权接口: cancel (§4.1/§4.2) and confirm (§4.3/§4.4).

use crate::enums::{RetCode, SignType};

message! {
    /// §4.1 商户外卡预授权撤销接口.
    PreauthCancel {
        kind: PreauthCancel, section: "4.1", title: "商户外卡预授权撤销接口",
        versions: ["v1.8"], wire: Form, scheme: MerchantMd5,
    }
    merchant_id "merchantId" 30 Required Signed Digits;
    version "version" 10 Required Signed OneOf(&["v1.8"]);
    order_amount "orderAmount" 20 Required Signed Amount;
    currency "currency" 3 Required Signed Currency;
    order_no "orderNo" 50 Required Signed OrderNo;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    sign_type "signType" 2 Required Signed OneOf(SignType);
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

message! {
    /// §4.3 商户外卡预授权确认接口.
    PreauthConfirm {
        kind: PreauthConfirm, section: "4.3", title: "商户外卡预授权确认接口",
        versions: ["v1.9"], wire: Form, scheme: MerchantMd5,
    }
    version "version" 10 Required Signed OneOf(&["v1.9"]);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_amount "orderAmount" 20 Required Signed Amount;
    confirm_amount "confirmAmount" 20 Required Signed Amount;
    currency "currency" 3 Required Signed Currency;
    order_no "orderNo" 50 Required Signed OrderNo;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    sign_type "signType" 2 Required Signed OneOf(SignType);
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

message! {
    /// §4.2: the cancel result record (`|`-separated, then the signature line).
    PreauthCancelRecord {
        kind: PreauthCancelResponse, section: "4.2", title: "商户外卡预授权撤销接口结果返回接口",
        versions: ["v1.8"], wire: PipeText, scheme: GatewayText,
    }
    ret_code "retCode" 20 Required Signed Text as RetCode;
    ret_msg "retMsg" 50 Optional Signed Text;
    version "version" 4 Required Signed OneOf(&["v1.8"]);
    sign_type "signType" 1 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    order_date_time "orderDateTime" 14 Required Signed DateTime14;
    order_amount "orderAmount" 10 Required Signed Amount;
    currency "currency" 3 Required Signed Currency;
    pre_auth_id "preAuthId" 30 Required Signed Text;
    trans_date_time "transDateTime" 14 Required Signed DateTime14;
}

message! {
    /// §4.4: the confirm result record; same columns as §4.2, version v1.9.
    PreauthConfirmRecord {
        kind: PreauthConfirmResponse, section: "4.4", title: "商户外卡预授权确认接口结果返回接口",
        versions: ["v1.9"], wire: PipeText, scheme: GatewayText,
    }
    ret_code "retCode" 20 Required Signed Text as RetCode;
    ret_msg "retMsg" 50 Optional Signed Text;
    version "version" 4 Required Signed OneOf(&["v1.9"]);
    sign_type "signType" 1 Required Signed OneOf(SignType);
    merchant_id "merchantId" 30 Required Signed Digits;
    order_no "orderNo" 50 Required Signed OrderNo;
    order_date_time "orderDateTime" 14 Required Signed DateTime14;
    order_amount "orderAmount" 10 Required Signed Amount;
    currency "currency" 3 Required Signed Currency;
    pre_auth_id "preAuthId" 30 Required Signed Text;
    trans_date_time "transDateTime" 14 Required Signed DateTime14;
}

/// §4.2 / §4.4: the record line, then the signature line.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct PreauthResponse<R> {
    /// The one record line.
    pub record: R,
    #[serde(rename = "signMsg")]
    /// The signature line.
    pub sign_msg: String,
}
