//! One handler per interface of the spec, and the checks every request goes through:
//! strict parsing, the merchant, the MD5 signature (§5.1, §5.3) and every constraint.

pub(crate) mod batch;
pub(crate) mod inspect;
pub(crate) mod pay;
pub(crate) mod preauth;
pub(crate) mod query;
pub(crate) mod refund;
pub(crate) mod refund_query;
pub(crate) mod refusal;

use allinpay_protocol::any::{self, AnyMessage, Received};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::msgs::Message;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{Charset, MessageKind, ParseError};

use crate::Ctx;
use refusal::{parse_refusal, refuse, refuse_field, Refusal};

/// `ZF20001` unless `body` is UTF-8.
fn utf8(body: &[u8]) -> Result<&str, Refusal> {
    std::str::from_utf8(body).map_err(|e| {
        parse_refusal(&ParseError::NotUtf8 {
            offset: e.valid_up_to(),
        })
    })
}

/// The `version` of a form body, which selects the interface behind `/gateway/index.do`;
/// a body that is not UTF-8 is refused before anything else.
pub(crate) fn form_version(body: &[u8]) -> Result<Option<&str>, ParseError> {
    let text = std::str::from_utf8(body).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Ok(text
        .trim_end()
        .split('&')
        .find_map(|p| p.strip_prefix("version=")))
}

/// Parses, checks the merchant and the MD5 signature (§5.3), and every constraint.
fn accept_request(ctx: &Ctx, kind: MessageKind, body: &[u8]) -> Result<Received, Refusal> {
    let received = any::parse(kind, body, Mode::Strict).map_err(|e| parse_refusal(&e))?;
    let mid = match &received.message {
        AnyMessage::PayRequest(m) => m.merchant_id.clone(),
        AnyMessage::OrderQuery(m) => m.merchant_id.clone(),
        AnyMessage::BatchQuery(m) => m.merchant_id.clone(),
        AnyMessage::Refund(m) => m.merchant_id.clone(),
        AnyMessage::RefundQuery(m) => m.merchant_id.clone(),
        AnyMessage::PreauthCancel(m) => m.merchant_id.clone(),
        AnyMessage::PreauthConfirm(m) => m.merchant_id.clone(),
        _ => None,
    }
    .unwrap_or_default();
    if mid.is_empty() || !mid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("EM0001_000007", "merchantId empty or not digits"));
    }
    if mid != ctx.merchant_id {
        return Err(refuse("ZF30005", format!("unknown merchant {mid}")));
    }
    verify_md5(ctx, &received, Charset::Utf8)?;
    if let Some(v) = check::check(&received, &Clock::system(), Mode::Strict).first() {
        return Err(refuse_field(&v.field, v.to_string()));
    }
    Ok(received)
}

/// §5.3: the merchant always signs with MD5 (`ZF10020` 参数signMsg不正确 otherwise).
fn verify_md5(ctx: &Ctx, received: &Received, charset: Charset) -> Result<(), Refusal> {
    let creds = Credentials {
        key: Some(&ctx.keys.key),
        cert: None,
        expected_sign_type: None,
    };
    received.verify(creds, charset).map_err(|e| {
        let mut r = refuse("ZF10020", format!("signMsg: {e}"));
        r.diagnose = Some(received.kind);
        r
    })
}

/// signType 1 is answered with the certificate key: refused (`ZF10004`) without one.
fn need_cert(ctx: &Ctx, sign_type: &str) -> Result<(), Refusal> {
    if sign_type == "1" && ctx.keys.signer.is_none() {
        return Err(refuse(
            "ZF10004",
            "signType 1 needs the sandbox started with --cert-mode",
        ));
    }
    Ok(())
}

/// An amount in 分 already checked by `check`; 0 when absent.
fn amount(v: Option<&str>) -> u64 {
    v.and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Sets each named field of `m` (the §4.2/§4.4 records are built by name).
fn fill<M: Message>(m: &mut M, fields: &[(&str, String)]) {
    for (name, value) in fields {
        if let Some(slot) = m.slot(name) {
            *slot = Some(value.clone());
        }
    }
}
