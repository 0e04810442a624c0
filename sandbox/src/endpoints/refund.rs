//! §3.5 → §3.6: the refund (`/gateway/index.do`, version v2.3), with the refund triggers
//! of `triggers::RefundPlan`.

use allinpay_protocol::any::AnyMessage;
use allinpay_protocol::codec::form;
use allinpay_protocol::msgs::RefundResponse;
use allinpay_protocol::MessageKind;

use crate::answer::{Answer, TEXT};
use crate::signing::sign_in_place;
use crate::store::{OrderStatus, PreauthState, Refund};
use crate::time::{cst14, unix_ms, unix_secs};
use crate::triggers::{refund_state_releases, RefundPlan};
use crate::Ctx;

use super::refusal::{refuse, sign_err, Refusal};
use super::{accept_request, amount, need_cert};

/// §3.5 → §3.6: partial refunds; their sum never exceeds the order amount; a repeated
/// mchtRefundOrderNo gets the first answer again.
pub(crate) fn handle(
    ctx: &Ctx,
    body: &[u8],
    header: &dyn Fn(&str) -> Option<String>,
) -> Result<Answer, Refusal> {
    let received = accept_request(ctx, MessageKind::Refund, body)?;
    let AnyMessage::Refund(q) = received.message else {
        return Err(refuse("BL0003_000002", "not a refund"));
    };
    let sign_type = q.sign_type.clone().unwrap_or_default();
    need_cert(ctx, &sign_type)?;
    let order_no = q.order_no.clone().unwrap_or_default();
    let want = amount(q.refund_amount.as_deref());
    let mcht = q.mcht_refund_order_no.clone().filter(|s| !s.is_empty());
    let plan = match header("x-sandbox-refund") {
        None => RefundPlan::by_amount(want),
        Some(name) => RefundPlan::from_name(&name).ok_or_else(|| {
            refuse(
                "BL0003_000002",
                format!("unknown X-Sandbox-Refund {name:?}"),
            )
        })?,
    };
    let now_ms = unix_ms();
    let (order, refund) = ctx.store.write(|st, ch| {
        let order = st
            .orders
            .get_mut(&order_no)
            .filter(|o| {
                o.status == OrderStatus::Paid
                    && Some(&o.order_datetime) == q.order_datetime.as_ref()
            })
            .ok_or_else(|| refuse("ZF10027", format!("no paid order {order_no}")))?;
        let capacity = match &order.preauth {
            None => order.order_amount,
            Some(p) if p.state == PreauthState::Confirmed => p.confirmed_amount.unwrap_or(0),
            Some(_) => {
                return Err(refuse("ZF10028", "pre-authorisation not confirmed"));
            }
        };
        let refunds = st.refunds.entry(order_no.clone()).or_default();
        if let Some(m) = &mcht {
            if let Some(prev) = refunds
                .iter()
                .find(|r| r.mcht_refund_order_no.as_ref() == Some(m))
            {
                if prev.amount == want {
                    return Ok((order.clone(), prev.clone()));
                }
                return Err(refuse(
                    "ZF30003",
                    format!("mchtRefundOrderNo {m} was used for another amount"),
                ));
            }
        }
        // Refunds refused, failed or reversed give their amount back.
        let held: u64 = refunds
            .iter()
            .filter(|r| !refund_state_releases(r.state_at(now_ms)))
            .map(|r| r.amount)
            .sum();
        if held + want > capacity {
            return Err(refuse(
                "ZF10028",
                format!(
                    "refunds would total {} above the amount {capacity}",
                    held + want
                ),
            ));
        }
        let now = cst14(unix_secs());
        let step = ctx.refund_step.as_millis() as u64;
        let r = Refund {
            mcht_refund_order_no: mcht.clone(),
            amount: want,
            refund_datetime: now.clone(),
            return_datetime: now,
            state: plan.states[0].into(),
            later: (1u64..)
                .zip(&plan.states[1..])
                .map(|(i, s)| (now_ms + i * step, (*s).to_owned()))
                .collect(),
            refund_result: plan.refund_result.into(),
        };
        refunds.push(r.clone());
        if plan.refund_result == "20" {
            order.refunded += want;
        }
        ch.order(&order_no);
        ch.refunds(&order_no);
        Ok((order.clone(), r))
    })?;
    let mut m = RefundResponse {
        merchant_id: Some(order.merchant_id.clone()),
        version: Some("v2.3".into()),
        sign_type: Some(sign_type.clone()),
        order_no: Some(order.order_no.clone()),
        order_amount: Some(order.order_amount.to_string()),
        order_datetime: Some(order.order_datetime.clone()),
        refund_amount: Some(refund.amount.to_string()),
        refund_datetime: Some(refund.refund_datetime.clone()),
        refund_result: Some(refund.refund_result.clone()),
        mcht_refund_order_no: refund.mcht_refund_order_no.clone(),
        return_datetime: Some(refund.return_datetime.clone()),
        sign_msg: None,
    };
    sign_in_place(&ctx.keys, &mut m, &sign_type).map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        form::render(&m),
        format!(
            "refund {} of {order_no}: refundResult {}, {}",
            refund.amount, refund.refund_result, plan.name
        ),
    ))
}
