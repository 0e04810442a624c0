//! §2.2.2 支付结果控件返回接口（同步）: what the SDK control hands back to the app.
//! `payOrderId` may be empty: "若未生成支付订单则此处返回空字符串".

use crate::enums::{AndroidPayRes, IosPayResult};

message! {
    /// §2.2.2 iOS: `payResult` is a JSON number: 0 受理成功, 1 受理失败, -1 取消支付.
    /// (Note the inversion against §2.2.3, where 1 means success.)
    SyncResultIos {
        kind: SyncResultIos, section: "2.2.2", title: "支付结果控件返回接口（同步）iOS",
        versions: [], wire: Json, scheme: Unsigned,
    }
    pay_result "payResult" - Required NotSigned OneOf(IosPayResult);
    pay_amount "payAmount" 10 Required NotSigned Amount;
    pay_time "payTime" 14 Required NotSigned DateTime14;
    pay_order_id "payOrderId" 50 Optional NotSigned Text;
}

message! {
    /// §2.2.2 Android: the `result` extra, all values strings.
    SyncResultAndroid {
        kind: SyncResultAndroid, section: "2.2.2", title: "支付结果控件返回接口（同步）Android",
        versions: [], wire: Json, scheme: Unsigned,
    }
    allinpay_pay_res "allinpay_pay_res" - Required NotSigned OneOf(AndroidPayRes);
    pay_amount "payAmount" 10 Required NotSigned Amount;
    pay_time "payTime" 14 Required NotSigned DateTime14;
    pay_order_id "payOrderId" 50 Optional NotSigned Text;
}
