//! §4.1 → §4.2 and §4.3 → §4.4: cancelling and confirming an international-card
//! pre-authorisation (`/gateway/index.do`, versions v1.8 and v1.9).

use allinpay_protocol::any::AnyMessage;
use allinpay_protocol::codec::pipe;
use allinpay_protocol::msgs::{PreauthCancelRecord, PreauthConfirmRecord};
use allinpay_protocol::MessageKind;

use crate::answer::{Answer, TEXT};
use crate::store::{OrderStatus, PreauthState};
use crate::time::{cst14, unix_secs};
use crate::Ctx;

use super::refusal::{refuse, refuse_field, sign_err, Refusal};
use super::{accept_request, amount, fill, need_cert};

/// §4.1 → §4.2 (cancel) and §4.3 → §4.4 (confirm) of an international-card pre-auth.
pub(crate) fn handle(ctx: &Ctx, body: &[u8], confirm: bool) -> Result<Answer, Refusal> {
    let kind = if confirm {
        MessageKind::PreauthConfirm
    } else {
        MessageKind::PreauthCancel
    };
    let received = accept_request(ctx, kind, body)?;
    // (orderNo, orderDatetime, orderAmount, currency, signType, confirmAmount)
    let (order_no, odt, oamt, cur, sign_type, confirm_amt) = match received.message {
        AnyMessage::PreauthCancel(m) => (
            m.order_no,
            m.order_datetime,
            m.order_amount,
            m.currency,
            m.sign_type,
            None,
        ),
        AnyMessage::PreauthConfirm(m) => (
            m.order_no,
            m.order_datetime,
            m.order_amount,
            m.currency,
            m.sign_type,
            m.confirm_amount,
        ),
        _ => return Err(refuse("BL0003_000002", "not a pre-auth request")),
    };
    let order_no = order_no.unwrap_or_default();
    let sign_type = sign_type.unwrap_or_default();
    need_cert(ctx, &sign_type)?;
    if confirm && amount(confirm_amt.as_deref()) == 0 {
        // Confirming nothing is no confirmation (§4.3 确认扣款金额).
        return Err(refuse_field(
            "confirmAmount",
            "confirmAmount must be above 0",
        ));
    }
    let now = cst14(unix_secs());
    let (order, ret_code, ret_msg) = ctx.store.write(|st, ch| {
        let order = st
            .orders
            .get_mut(&order_no)
            .filter(|o| o.status == OrderStatus::Paid && Some(&o.order_datetime) == odt.as_ref())
            .ok_or_else(|| refuse("ZF10027", format!("no paid order {order_no}")))?;
        let Some(p) = order.preauth.clone() else {
            return Err(refuse(
                "ZF10027",
                format!("{order_no} is not a pre-authorised (payType 30) order"),
            ));
        };
        let amount_ok = oamt.as_deref() == Some(order.order_amount.to_string().as_str());
        let currency_ok = cur.as_deref() == Some(order.currency.as_str());
        // §4.2: the cancel's only failure code is FC0003_000008; §4.4 says "其他": §6.1
        // codes that name the reason.
        let (code, msg): (&str, &str) = match (confirm, p.state) {
            (true, PreauthState::Cancelled) => ("M00001_000005", "预授权已撤销"),
            (true, PreauthState::Confirmed) => ("ZF30002", "预授权已确认"),
            (true, _) if !amount_ok => ("EA0001_100007", "订单金额不符"),
            (true, _) if !currency_ok => ("BL0003_000002", "币种不符"),
            (true, _) => ("0000", "预授权确认成功"),
            (false, PreauthState::Authorized) if amount_ok && currency_ok => {
                ("0000", "预授权撤销成功")
            }
            (false, _) => ("FC0003_000008", "预授权撤销失败"),
        };
        if code == "0000" {
            if let Some(p) = order.preauth.as_mut() {
                p.state = if confirm {
                    PreauthState::Confirmed
                } else {
                    PreauthState::Cancelled
                };
                p.trans_datetime = Some(now.clone());
                p.confirmed_amount = confirm.then(|| amount(confirm_amt.as_deref()));
            }
            ch.order(&order_no);
        }
        Ok((order.clone(), code, msg))
    })?;
    let pre_auth_id = order.preauth.as_ref().map(|p| p.id.clone());
    let fields = |version: &str| {
        [
            ("retCode", ret_code.to_owned()),
            ("retMsg", ret_msg.to_owned()),
            ("version", version.to_owned()),
            ("signType", sign_type.clone()),
            ("merchantId", order.merchant_id.clone()),
            ("orderNo", order.order_no.clone()),
            ("orderDateTime", order.order_datetime.clone()),
            ("orderAmount", order.order_amount.to_string()),
            ("currency", order.currency.clone()),
            ("preAuthId", pre_auth_id.clone().unwrap_or_default()),
            ("transDateTime", now.clone()),
        ]
    };
    // The record without its CRLF is signed (ERRATA E-3.8-TEXT, applied to §4.2/§4.4).
    let text = if confirm {
        let mut r = PreauthConfirmRecord::default();
        fill(&mut r, &fields("v1.9"));
        pipe::render_record(&r)
    } else {
        let mut r = PreauthCancelRecord::default();
        fill(&mut r, &fields("v1.8"));
        pipe::render_record(&r)
    };
    let sig = ctx
        .keys
        .sign_text(text.as_bytes(), &sign_type)
        .map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        format!("{text}\r\n{sig}"),
        format!("pre-auth {order_no}: {ret_code}"),
    ))
}
