//! The spec's code tables as data: the §6.1 error-code catalogue, the §3.8 refund-query
//! error codes, and the currency tables §6.2 and §6.3.
//!
//! The tables live in `protocol/data/*.tsv`, extracted from the spec text by
//! `protocol/data/extract_tables.py` and kept as printed: codes the catalogue lists twice
//! keep both rows (ZF10002, EA0001_100007), typos stay (`部正确`), §6.2 keeps `0 或 156`
//! and its `032` for the Australian dollar (ERRATA E-6.2-AUD). The §3.8 table, whose
//! header swaps 错误码 and 错误描述, is stored the right way round.

use std::sync::OnceLock;

const ERROR_CODES_TSV: &str = include_str!("../data/error_codes.tsv");
const REFUND_QUERY_ERRORS_TSV: &str = include_str!("../data/refund_query_errors.tsv");
const CURRENCIES_6_2_TSV: &str = include_str!("../data/currencies_6_2.tsv");
const CURRENCIES_6_3_TSV: &str = include_str!("../data/currencies_6_3.tsv");

/// One row of §6.1 错误码: 错误码, 错误说明, 转义后前端提示语.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct ErrorCode {
    /// 错误码, e.g. `ZF10020`.
    pub code: &'static str,
    /// 错误说明: what went wrong, for the merchant.
    pub description: &'static str,
    /// 转义后前端提示语: what the payer is shown.
    pub prompt: &'static str,
}

/// One row of a two-column table: the §3.8 refund-query errors, §6.2, §6.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct CodeDescription {
    /// The code as printed (§6.2 has one row `0 或 156`).
    pub code: &'static str,
    /// The description as printed.
    pub description: &'static str,
}

impl CodeDescription {
    /// The wire codes of the row: `0 或 156` ("0 or 156") gives `0` and `156`.
    pub fn codes(&self) -> impl Iterator<Item = &'static str> {
        self.code.split(" 或 ")
    }
}

/// The data lines of a TSV file (the header line skipped), split into cells.
fn rows(tsv: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    tsv.lines()
        .skip(1)
        .filter(|line| !line.is_empty())
        .map(|line| line.split('\t').collect())
}

fn cell(cells: &[&'static str], i: usize) -> &'static str {
    cells.get(i).copied().unwrap_or_default()
}

fn two_columns(tsv: &'static str) -> Vec<CodeDescription> {
    rows(tsv)
        .map(|c| CodeDescription {
            code: cell(&c, 0),
            description: cell(&c, 1),
        })
        .collect()
}

/// Every row of the §6.1 catalogue, in the spec's order.
pub fn error_codes() -> &'static [ErrorCode] {
    static TABLE: OnceLock<Vec<ErrorCode>> = OnceLock::new();
    TABLE.get_or_init(|| {
        rows(ERROR_CODES_TSV)
            .map(|c| ErrorCode {
                code: cell(&c, 0),
                description: cell(&c, 1),
                prompt: cell(&c, 2),
            })
            .collect()
    })
}

/// Every §6.1 row for `code`, in the spec's order (two for a code the table lists twice,
/// none for an unknown code).
pub fn lookup(code: &str) -> Vec<&'static ErrorCode> {
    error_codes().iter().filter(|e| e.code == code).collect()
}

/// The §3.8 退款查询错误码 table: `001`…`011` and their descriptions.
pub fn refund_query_errors() -> &'static [CodeDescription] {
    static TABLE: OnceLock<Vec<CodeDescription>> = OnceLock::new();
    TABLE.get_or_init(|| two_columns(REFUND_QUERY_ERRORS_TSV))
}

/// The §3.8 refund-query error with code `code` (e.g. `010` 摘要错误).
pub fn refund_query_error(code: &str) -> Option<&'static CodeDescription> {
    refund_query_errors().iter().find(|e| e.code == code)
}

/// §6.2 跨境支付支持币种类型, as printed.
pub fn currencies_6_2() -> &'static [CodeDescription] {
    static TABLE: OnceLock<Vec<CodeDescription>> = OnceLock::new();
    TABLE.get_or_init(|| two_columns(CURRENCIES_6_2_TSV))
}

/// §6.3 国际卡支付支持币种类型, as printed.
pub fn currencies_6_3() -> &'static [CodeDescription] {
    static TABLE: OnceLock<Vec<CodeDescription>> = OnceLock::new();
    TABLE.get_or_init(|| two_columns(CURRENCIES_6_3_TSV))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::{CROSS_BORDER_CURRENCIES, INTERNATIONAL_CARD_CURRENCIES};

    /// Rows of the §6.1 table in the spec (lines 906-1148 of the text, blank lines and the
    /// header left out), and distinct codes among them.
    const ERROR_ROWS: usize = 236;
    const ERROR_DISTINCT_CODES: usize = 234;

    #[test]
    fn headers_are_as_expected() {
        assert_eq!(
            ERROR_CODES_TSV.lines().next(),
            Some("code\tdescription\tprompt")
        );
        for tsv in [
            REFUND_QUERY_ERRORS_TSV,
            CURRENCIES_6_2_TSV,
            CURRENCIES_6_3_TSV,
        ] {
            assert_eq!(tsv.lines().next(), Some("code\tdescription"));
        }
    }

    #[test]
    fn every_row_has_every_cell() {
        for line in ERROR_CODES_TSV.lines() {
            assert_eq!(line.split('\t').count(), 3, "{line}");
        }
        for tsv in [
            REFUND_QUERY_ERRORS_TSV,
            CURRENCIES_6_2_TSV,
            CURRENCIES_6_3_TSV,
        ] {
            for line in tsv.lines() {
                assert_eq!(line.split('\t').count(), 2, "{line}");
            }
        }
        for e in error_codes() {
            assert!(!e.code.is_empty() && !e.description.is_empty() && !e.prompt.is_empty());
            assert_eq!(e.code.trim(), e.code);
        }
    }

    #[test]
    fn error_catalogue_counts() {
        assert_eq!(error_codes().len(), ERROR_ROWS);
        let mut codes: Vec<_> = error_codes().iter().map(|e| e.code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ERROR_DISTINCT_CODES);
        assert_eq!(error_codes()[0].code, "EM0001_000001");
        assert_eq!(error_codes()[ERROR_ROWS - 1].code, "ZF30005");
    }

    #[test]
    fn codes_listed_twice_keep_both_rows() {
        let zf = lookup("ZF10002");
        assert_eq!(zf.len(), 2);
        assert_eq!(zf[0].description, "参数取货地址不正确");
        assert_eq!(zf[1].description, "参数通知地址不正确");
        let ea = lookup("EA0001_100007");
        assert_eq!(ea.len(), 2);
        assert_eq!(ea[0].description, "认证支付未知异常");
        assert_eq!(ea[0].prompt, "操作失败（E11,07），请重试");
        assert_eq!(ea[1].description, "商户订单支付金额错误");
        assert_eq!(ea[1].prompt, "操作失败 (E11,07) , 请重试");
        assert!(lookup("NOPE").is_empty());
    }

    #[test]
    fn texts_are_as_printed() {
        let typo = lookup("ZF10009");
        assert_eq!(typo[0].description, "参数产品描述信息部正确");
        assert_eq!(
            lookup("ZF10020")[0].prompt,
            "签名错误, 请参考接口文档签名章节"
        );
        // Wrapped cells joined: identifiers whole, no space inside 其他银行卡.
        let eb = lookup("EB0001_100003");
        assert_eq!(
            eb[0].description,
            "银行分配网银后台提交地址为空 WBANK_CONNECTION_PARAM_TO_BEHIND_BANK_URL_IS_EMPTY TX10039"
        );
        assert!(lookup("EB0001_100005")[0]
            .description
            .contains("WBANK_CONNECTION_PARAM_ACCESS_ID_IS_EMPTY = \"TX10041\";"));
        assert!(lookup("EF0001_000007")[0]
            .prompt
            .ends_with("请尝试其他银行卡"));
    }

    #[test]
    fn refund_query_errors_001_to_011() {
        let all = refund_query_errors();
        assert_eq!(all.len(), 11);
        for (i, e) in all.iter().enumerate() {
            assert_eq!(e.code, format!("{:03}", i + 1));
        }
        assert_eq!(
            refund_query_error("010").map(|e| e.description),
            Some("摘要错误")
        );
        assert_eq!(
            refund_query_error("002").map(|e| e.description),
            Some("商户号不能超过 15 位")
        );
        assert_eq!(refund_query_error("012"), None);
    }

    #[test]
    fn currency_tables() {
        assert_eq!(currencies_6_2().len(), 7);
        assert_eq!(currencies_6_3().len(), 10);
        assert_eq!(currencies_6_2()[0].code, "0 或 156");
        let aud_62 = currencies_6_2().iter().find(|c| c.description == "澳元");
        assert_eq!(aud_62.map(|c| c.code), Some("032"));
        let aud_63 = currencies_6_3()
            .iter()
            .find(|c| c.description == "澳大利亚元");
        assert_eq!(aud_63.map(|c| c.code), Some("036"));
    }

    #[test]
    fn enum_sets_match_the_tables() {
        let cb: Vec<&str> = currencies_6_2().iter().flat_map(|c| c.codes()).collect();
        assert_eq!(cb, CROSS_BORDER_CURRENCIES);
        let ic: Vec<&str> = currencies_6_3().iter().flat_map(|c| c.codes()).collect();
        assert_eq!(ic, INTERNATIONAL_CARD_CURRENCIES);
    }
}
