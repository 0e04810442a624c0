//! A refused request, answered in the spec's error form `ERRORCODE=…&ERRORMSG=…` (§3.4,
//! §3.8) with a §6.1 code (or a §3.8 refund-query code) and its text.

use allinpay_protocol::ParseError;

use crate::answer::{Answer, TEXT};
use crate::codes::{self, for_field};
use crate::error::{SignError, StoreError};

/// A refusal in the spec's error form.
#[derive(Debug)]
pub(crate) struct Refusal {
    pub code: &'static str,
    /// The catalogue row quoted, for the codes §6.1 lists twice.
    pub row: usize,
    /// Why, for `X-Sandbox-Detail` and the log.
    pub detail: String,
    /// A `signMsg` that did not verify: the message to diagnose.
    pub diagnose: Option<allinpay_protocol::MessageKind>,
}

/// A refusal with `code`'s first catalogue row.
pub(crate) fn refuse(code: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        code,
        row: 0,
        detail: detail.into(),
        diagnose: None,
    }
}

/// A refusal naming the bad field, with its §6.1 code (`codes::for_field`).
pub(crate) fn refuse_field(field: &str, detail: impl Into<String>) -> Refusal {
    let (code, row) = for_field(field);
    Refusal {
        code,
        row,
        detail: detail.into(),
        diagnose: None,
    }
}

impl Refusal {
    /// The `ERRORCODE=…&ERRORMSG=…` text.
    pub(crate) fn answer(self) -> Answer {
        let body = codes::error_text(self.code, self.row);
        let mut a = Answer::ok(TEXT, body, format!("{}: {}", self.code, self.detail));
        a.refused = Some(self.code);
        a.diagnose = self.diagnose;
        a
    }

    /// §3.4: "响应报文都是 Base64 编码后的内容", the error answer included.
    pub(crate) fn answer_base64(self) -> Answer {
        use base64::Engine as _;
        let mut a = self.answer();
        a.body = base64::engine::general_purpose::STANDARD.encode(a.body);
        a
    }
}

/// §6.1 `BL0004_100002` 系统错误: the state file failed, so nothing is acknowledged.
pub(crate) fn system_error(e: &StoreError) -> Refusal {
    refuse("BL0004_100002", e.to_string())
}

/// A request that does not parse: §6.1 `ZF20001` 报文编码格式错误 when its bytes are not
/// UTF-8 (raw GBK, say), else `BL0003_000002` 总线采集提交非法数据错误 (a malformed message:
/// duplicate fields or JSON keys, bad percent-encoding, no `=`, …).
pub(crate) fn parse_refusal(e: &ParseError) -> Refusal {
    match e {
        ParseError::NotUtf8 { .. } => refuse("ZF20001", e.to_string()),
        _ => refuse("BL0003_000002", e.to_string()),
    }
}

/// §6.1 `ZF10004` (参数signType不正确): the answer cannot be signed by the signType asked.
pub(crate) fn sign_err(e: SignError) -> Refusal {
    refuse("ZF10004", e.to_string())
}
