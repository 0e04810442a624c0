//! §3.1 → §3.2: the order query (`/gateway/index.do`, version v1.5).

use allinpay_protocol::any::AnyMessage;
use allinpay_protocol::codec::form;
use allinpay_protocol::MessageKind;

use crate::answer::{Answer, TEXT};
use crate::notifier::pay_notify;
use crate::signing::sign_in_place;
use crate::store::OrderStatus;
use crate::time::{cst14, unix_secs};
use crate::Ctx;

use super::refusal::{refuse, sign_err, Refusal};
use super::{accept_request, need_cert};

/// §3.1 → §3.2: a paid order, in the §2.2.3 form with a fresh returnDatetime.
pub(crate) fn handle(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
    let received = accept_request(ctx, MessageKind::OrderQuery, body)?;
    let AnyMessage::OrderQuery(q) = received.message else {
        return Err(refuse("BL0003_000002", "not a query"));
    };
    let sign_type = q.sign_type.unwrap_or_default();
    need_cert(ctx, &sign_type)?;
    let order_no = q.order_no.unwrap_or_default();
    let order = ctx
        .store
        .read(|st| st.orders.get(&order_no).cloned())
        .filter(|o| {
            o.status == OrderStatus::Paid && Some(&o.order_datetime) == q.order_datetime.as_ref()
        })
        .ok_or_else(|| {
            refuse(
                "ZF10027",
                format!("no paid order {order_no} at that orderDatetime"),
            )
        })?;
    // §3.1 signType: "与提交订单时的签名类型保持一致".
    if sign_type != order.sign_type {
        return Err(refuse(
            "ZF10004",
            format!(
                "signType {sign_type} differs from the order's {}",
                order.sign_type
            ),
        ));
    }
    let mut m = pay_notify(&order, cst14(unix_secs()));
    m.sign_type = Some(sign_type.clone());
    sign_in_place(&ctx.keys, &mut m, &sign_type).map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        form::render(&m),
        format!("order {order_no}"),
    ))
}
