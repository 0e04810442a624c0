//! §3.1 单笔订单查询接口 and §3.2 单笔订单查询结果返回接口.

use super::{Message, PayNotify};
use crate::enums::SignType;
use crate::spec::{MessageDef, MessageKind};

message! {
    /// §3.1: single-order query, POSTed to `/gateway/index.do`.
    OrderQuery {
        kind: OrderQuery, section: "3.1", title: "单笔订单查询接口",
        versions: ["v1.5"], wire: Form, scheme: MerchantMd5,
    }
    merchant_id "merchantId" 30 Required Signed Digits;
    version "version" 10 Required Signed OneOf(&["v1.5"]);
    sign_type "signType" 2 Required Signed OneOf(SignType);
    order_no "orderNo" 50 Required Signed OrderNo;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    query_datetime "queryDatetime" 14 Required Signed DateTime14;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

/// §3.2: "接口与“支付结果返回接口”完全相同，参见第 2.2.3 小节".
pub type OrderQueryResponse = PayNotify;

/// §3.2's table is §2.2.3's.
pub static ORDER_QUERY_RESPONSE_DEF: MessageDef = MessageDef {
    kind: MessageKind::OrderQueryResponse,
    section: "3.2",
    title: "单笔订单查询结果返回接口",
    ..*PayNotify::DEF
};
