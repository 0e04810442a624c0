//! §3.7 → §3.8: the refund query (`/mchtoq/refundQuery`), with the §3.8 error codes
//! 001-011 and each refund in its state now.

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::{pipe, Mode};
use allinpay_protocol::msgs::RefundQueryRecord;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::{Charset, MessageKind};

use crate::answer::{Answer, TEXT};
use crate::time::{cst14, parse_cst14, unix_ms, unix_secs};
use crate::Ctx;

use super::refusal::{parse_refusal, refuse, refuse_field, sign_err, Refusal};
use super::{amount, need_cert, verify_md5};

/// §3.7 → §3.8, with the §3.8 error codes 001-011.
pub(crate) fn handle(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
    let received =
        any::parse(MessageKind::RefundQuery, body, Mode::Strict).map_err(|e| parse_refusal(&e))?;
    let AnyMessage::RefundQuery(q) = &received.message else {
        return Err(refuse("BL0003_000002", "not a refund query"));
    };
    let mid = q.merchant_id.as_deref().unwrap_or_default();
    let order_no = q.order_no.as_deref().unwrap_or_default();
    let amt = q.refund_amount.as_deref().unwrap_or_default();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let checks: [(bool, &'static str); 8] = [
        (mid.is_empty(), "001"),
        (mid.len() > 15, "002"),
        (mid != ctx.merchant_id, "003"),
        (order_no.is_empty(), "004"),
        (amt.is_empty(), "006"),
        (!digits(amt), "008"),
        (amt.bytes().all(|b| b == b'0'), "007"),
        (
            q.refund_datetime
                .as_deref()
                .is_some_and(|d| !d.is_empty() && parse_cst14(d).is_none()),
            "009",
        ),
    ];
    if let Some((_, code)) = checks.iter().find(|(bad, _)| *bad) {
        return Err(refuse(code, "refund query"));
    }
    verify_md5(ctx, &received, Charset::Utf8).map_err(|r| {
        let mut out = refuse("010", r.detail);
        out.diagnose = r.diagnose;
        out
    })?;
    if let Some(v) = check::check(&received, &Clock::system(), Mode::Strict).first() {
        return Err(refuse_field(&v.field, v.to_string()));
    }
    let sign_type = q.sign_type.clone().unwrap_or_default();
    need_cert(ctx, &sign_type)?;
    let want = amount(Some(amt));
    let (exists, refunds) = ctx.store.read(|st| {
        (
            st.orders.contains_key(order_no),
            st.refunds.get(order_no).cloned().unwrap_or_default(),
        )
    });
    if !exists {
        return Err(refuse("005", format!("no order {order_no}")));
    }
    let now_ms = unix_ms();
    let wanted_date = q.refund_datetime.as_deref().filter(|s| !s.is_empty());
    let wanted_no = q.mcht_refund_order_no.as_deref().filter(|s| !s.is_empty());
    let records: Vec<RefundQueryRecord> = refunds
        .iter()
        .filter(|r| r.amount == want)
        .filter(|r| wanted_date.is_none_or(|d| d == r.refund_datetime))
        .filter(|r| wanted_no.is_none_or(|n| Some(n) == r.mcht_refund_order_no.as_deref()))
        .map(|r| RefundQueryRecord {
            version: Some("v2.4".into()),
            sign_type: Some(sign_type.clone()),
            merchant_id: Some(mid.to_owned()),
            order_no: Some(order_no.to_owned()),
            refund_amount: Some(r.amount.to_string()),
            refund_datetime: Some(r.refund_datetime.clone()),
            mcht_refund_order_no: r.mcht_refund_order_no.clone(),
            refund_result: Some(r.state_at(now_ms).to_owned()),
            return_datetime: Some(cst14(unix_secs())),
        })
        .collect();
    if records.is_empty() {
        return Err(refuse("011", "no refund matches"));
    }
    // The literal §3.8 注释 2 signString, as real answers sign (ERRATA E-3.8-TEXT).
    let lines: Vec<String> = records.iter().map(pipe::render_record).collect();
    let text = TextForm::Literal.join(&lines);
    let sig = ctx
        .keys
        .sign_text(text.as_bytes(), &sign_type)
        .map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        pipe::render(&records, &sig),
        format!("{} refund record(s) of {order_no}", records.len()),
    ))
}
