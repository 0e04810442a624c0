//! §3.3 批量订单查询接口 and §3.4 批量订单查询结果返回接口.

use crate::enums::{PayResult, SignType};

message! {
    /// §3.3: batch query, POSTed to `/mchtoq/index.do`.
    BatchQuery {
        kind: BatchQuery, section: "3.3", title: "批量订单查询接口",
        versions: ["v1.6"], wire: Form, scheme: MerchantMd5,
    }
    version "version" 10 Required Signed OneOf(&["v1.6"]);
    merchant_id "merchantId" 30 Required Signed Digits;
    begin_date_time "beginDateTime" 14 Required Signed DateHour10;
    end_date_time "endDateTime" 14 Required Signed DateHour10;
    page_no "pageNo" 2 Required Signed Digits;
    sign_type "signType" 2 Required Signed OneOf(&["1"]) as SignType;
    sign_msg "signMsg" 1024 Required Signature SignMsg;
}

message! {
    /// §3.4 交易明细: one record line. The spec gives only column titles; the names are
    /// those of the same fields in §2.2.3.
    BatchQueryRecord {
        kind: BatchQueryResponse, section: "3.4", title: "批量订单查询结果返回接口",
        versions: [], wire: Base64Batch, scheme: GatewayText,
    }
    merchant_id "merchantId" 30 Required Signed Digits;
    payment_order_id "paymentOrderId" 50 Required Signed Text;
    order_no "orderNo" 50 Required Signed Text;
    order_datetime "orderDatetime" 14 Required Signed DateTime14;
    order_amount "orderAmount" 10 Required Signed Amount;
    pay_datetime "payDatetime" 14 Required Signed DateTime14;
    pay_amount "payAmount" 10 Required Signed Amount;
    ext1 "ext1" 128 Optional Signed Text;
    ext2 "ext2" 128 Optional Signed Text;
    pay_result "payResult" 2 Required Signed OneOf(PayResult);
}

/// §3.4 汇总信息: `商户号|笔数|当前页码|是否有下一页` (ERRATA E-BATCH-SUMMARY: the spec
/// prints "当前页码" twice; its empty-result prose names the second column 笔数).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BatchQuerySummary {
    #[serde(rename = "merchantId")]
    /// 商户号.
    pub merchant_id: String,
    #[serde(rename = "count")]
    /// 笔数: records on this page.
    pub count: String,
    #[serde(rename = "pageNo")]
    /// 当前页码.
    pub page_no: String,
    /// `Y` or `N`.
    #[serde(rename = "hasNextPage")]
    pub has_next_page: String,
}

/// §3.4: a decoded batch-query page.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "fuzzing", derive(arbitrary::Arbitrary))]
pub struct BatchQueryResponse {
    /// The summary line.
    pub summary: BatchQuerySummary,
    /// The record lines (at most 500).
    pub records: Vec<BatchQueryRecord>,
    #[serde(rename = "signMsg")]
    /// The signature line (base64 RSA, §3.3: signType 1 only).
    pub sign_msg: String,
}
