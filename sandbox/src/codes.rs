//! The spec's own error answers: `ERRORCODE=…&ERRORMSG=…` (§3.4, §3.8) with the codes
//! and texts of the §6.1 catalogue, or of the §3.8 refund-query table.

use allinpay_protocol::catalogue;
use allinpay_protocol::codec::error_text;
use allinpay_protocol::msgs::ErrorResponse;

/// The §6.1 description of `code` (row `row` for the codes listed twice, e.g. ZF10002:
/// row 0 取货地址, row 1 通知地址), else the §3.8 refund-query description.
pub fn description(code: &str, row: usize) -> &'static str {
    let rows = catalogue::lookup(code);
    if let Some(e) = rows.get(row).or_else(|| rows.first()) {
        return e.description;
    }
    catalogue::refund_query_error(code).map_or("", |e| e.description)
}

/// `ERRORCODE=code&ERRORMSG=description`.
pub fn error_text(code: &str, row: usize) -> String {
    error_text::render(&ErrorResponse {
        errorcode: Some(code.to_owned()),
        errormsg: Some(description(code, row).to_owned()),
    })
}

/// The §6.1 code for a bad field of a request (the ZF100xx "参数…不正确" family where one
/// exists), and the catalogue row to quote.
pub fn for_field(field: &str) -> (&'static str, usize) {
    match field {
        "inputCharset" => ("10001", 0),
        "receiveUrl" => ("ZF10002", 1),
        "signType" => ("ZF10004", 0),
        "language" => ("ZF10005", 0),
        "payType" => ("ZF10006", 0),
        "ext1" => ("ZF10008", 0),
        "productName" => ("ZF10012", 0),
        "orderDatetime" => ("ZF10013", 0),
        "orderAmount" | "refundAmount" | "confirmAmount" => ("ZF10014", 0),
        "orderNo" | "mchtRefundOrderNo" => ("ZF10015", 0),
        "version" => ("ZF10019", 0),
        "signMsg" => ("ZF10020", 0),
        "issuerId" => ("ZF10021", 0),
        "queryDatetime" => ("ZF10023", 0),
        "beginDateTime" => ("ZF10024", 0),
        "endDateTime" => ("ZF10025", 0),
        "merchantId" => ("EM0001_000007", 0),
        "cardNo" => ("EM0001_000012", 0),
        _ => ("BL0003_000002", 0),
    }
}

/// Every code the sandbox answers with (docs/gateway.md lists them).
pub const USED: &[&str] = &[
    "10001",
    "15010",
    "BL0003_000002",
    "BL0004_100002",
    "EA0001_100007",
    "EM0001_000007",
    "EM0001_000012",
    "EM0001_000030",
    "EM0001_000043",
    "EM0001_000059",
    "FC0003_000008",
    "M00001_000005",
    "M00001_000010",
    "M00002_000008",
    "P00002_100003",
    "ZF10002",
    "ZF10004",
    "ZF10005",
    "ZF10006",
    "ZF10008",
    "ZF10012",
    "ZF10013",
    "ZF10014",
    "ZF10015",
    "ZF10019",
    "ZF10020",
    "ZF10021",
    "ZF10023",
    "ZF10024",
    "ZF10025",
    "ZF10027",
    "ZF10028",
    "ZF20001",
    "ZF30002",
    "ZF30003",
    "ZF30005",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_quote_the_spec() {
        // Texts copied from the spec's §6.1 and §3.8 tables.
        assert_eq!(
            error_text("EM0001_000030", 0),
            "ERRORCODE=EM0001_000030&ERRORMSG=移动支付限额超过银行规定的支付限额"
        );
        assert_eq!(
            error_text("ZF10002", 1),
            "ERRORCODE=ZF10002&ERRORMSG=参数通知地址不正确"
        );
        assert_eq!(error_text("010", 0), "ERRORCODE=010&ERRORMSG=摘要错误");
    }

    #[test]
    fn every_code_used_is_in_the_catalogue() {
        // FC0003_000008 is §4.2's retCode, not a §6.1 row.
        for code in USED.iter().filter(|c| **c != "FC0003_000008") {
            assert!(!catalogue::lookup(code).is_empty(), "{code} not in §6.1");
        }
    }
}
