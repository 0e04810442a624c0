//! The dashboard's actions (POST, token checked by the caller): pay or fail a pending
//! payment, resend a notification now, move a refund to a §3.8 state, run the probe
//! against a `receiveUrl`. Each ends in
//! a redirect to the page, which shows its outcome.

use std::time::Duration;

use crate::answer::Answer;
use crate::journal::ProbeShown;
use crate::net::LoopbackUrl;
use crate::probe::{OrderRef, Probe};
use crate::store::{Notification, OrderStatus, Preauth};
use crate::time::{cst14, unix_ms, unix_secs};
use crate::Ctx;

use super::Params;

/// The §3.8 refund states (TKSUCC0001 未受理 … TKSUCC0008 审核不通过).
pub(crate) const REFUND_STATES: [&str; 8] = [
    "TKSUCC0001",
    "TKSUCC0002",
    "TKSUCC0003",
    "TKSUCC0004",
    "TKSUCC0005",
    "TKSUCC0006",
    "TKSUCC0007",
    "TKSUCC0008",
];

pub(super) async fn run(ctx: &Ctx, path: &str, form: &Params) -> Answer {
    let notice = match path {
        "/sandbox/dashboard/settle" => settle(ctx, form).await,
        "/sandbox/dashboard/resend" => resend(ctx, form).await,
        "/sandbox/dashboard/refund-state" => refund_state(ctx, form).await,
        _ => probe(ctx, form).await,
    };
    *ctx.journal.notice.lock().unwrap_or_else(|e| e.into_inner()) = Some(notice);
    let back = form
        .get("back")
        .filter(|b| b.starts_with('/') && !b.starts_with("//") && !b.contains(['\r', '\n']))
        .unwrap_or("/")
        .to_owned();
    Answer::plain(303, "see the dashboard").with_header("Location", back)
}

/// Pays a pending payment (its §2.2.3 notification follows at once) or fails it (no
/// notification: §2.2.3 仅在支付成功时通知).
async fn settle(ctx: &Ctx, form: &Params) -> String {
    let Some(order_no) = form.value("orderNo") else {
        return "settle: orderNo is required".into();
    };
    let pay = match form.value("result") {
        Some("pay") => true,
        Some("fail") => false,
        _ => return "settle: result must be pay or fail".into(),
    };
    let now = unix_ms();
    let done = ctx.store.write(|st, ch| {
        let order = st.orders.get_mut(order_no).ok_or("has no order")?;
        if order.status != OrderStatus::Pending {
            return Err("is not pending");
        }
        order.status = if pay {
            OrderStatus::Paid
        } else {
            OrderStatus::Declined
        };
        order.pay_datetime = cst14(unix_secs());
        if pay && order.pay_type == "30" {
            order.preauth = Some(Preauth::authorized(&order.payment_order_id));
        }
        ch.order(order_no);
        if pay {
            st.notes
                .insert(order_no.to_owned(), Notification::due_now(order_no, None));
            ch.note(order_no);
        }
        Ok(())
    });
    if let Err(why) = done {
        return format!("settle: {order_no} {why}");
    }
    if let Err(e) = ctx.store.sync().await {
        return format!("settle: {e}");
    }
    if pay {
        ctx.notifier.schedule(order_no, now);
        format!("paid {order_no}; its notification is due now")
    } else {
        format!("failed the payment of {order_no}; no notification (§2.2.3)")
    }
}

async fn resend(ctx: &Ctx, form: &Params) -> String {
    let Some(order_no) = form.value("orderNo") else {
        return "resend: orderNo is required".into();
    };
    match crate::notifier::resend_now(ctx, order_no).await {
        Ok(p) => format!(
            "resent the notification of {order_no} (attempt {}): {}",
            p.attempt, p.outcome
        ),
        Err(e) => format!("resend {order_no}: {e}"),
    }
}

async fn refund_state(ctx: &Ctx, form: &Params) -> String {
    let (Some(order_no), Some(index), Some(state)) = (
        form.value("orderNo"),
        form.value("index").and_then(|i| i.parse::<usize>().ok()),
        form.value("state"),
    ) else {
        return "refund state: orderNo, index and state are required".into();
    };
    if !REFUND_STATES.contains(&state) {
        return format!("refund state: {state} is not a §3.8 state (TKSUCC0001 to TKSUCC0008)");
    }
    let done = ctx.store.write(|st, ch| {
        let r = st.refunds.get_mut(order_no)?.get_mut(index)?;
        r.state = state.to_owned();
        r.later.clear();
        ch.refunds(order_no);
        Some(())
    });
    if done.is_none() {
        return format!("refund state: {order_no} has no refund {index}");
    }
    match ctx.store.sync().await {
        Ok(()) => format!("refund {index} of {order_no} is now {state}"),
        Err(e) => format!("refund state: {e}"),
    }
}

async fn probe(ctx: &Ctx, form: &Params) -> String {
    let Some(url) = form.value("receiveUrl") else {
        return "probe: receiveUrl is required".into();
    };
    let sign_type = match form.value("signType").unwrap_or("0") {
        t @ ("0" | "1") => t.to_owned(),
        _ => return "probe: signType must be 0 or 1".into(),
    };
    let parsed = match LoopbackUrl::parse(url) {
        Ok(u) => u,
        Err(e) => {
            record(ctx, url, Err(format!("receiveUrl: {e}")));
            return format!("probe: receiveUrl: {e}");
        }
    };
    let order_ref = |name: &str| match form.value(name) {
        None => Ok(None),
        Some(v) => OrderRef::parse(v)
            .map(Some)
            .map_err(|e| format!("probe: {name}: {e}")),
    };
    let (order, refunded) = match (order_ref("order"), order_ref("refunded")) {
        (Ok(o), Ok(r)) => (o, r),
        (Err(e), _) | (_, Err(e)) => {
            record(ctx, url, Err(e.clone()));
            return e;
        }
    };
    let probe = Probe {
        url: parsed,
        keys: ctx.keys.clone(),
        merchant_id: ctx.merchant_id.clone(),
        sign_type,
        timeout: Duration::from_secs(5),
        order,
        refunded,
    };
    // The probe's posts block: run on the blocking pool, not on the server's threads.
    let outcome = match tokio::task::spawn_blocking(move || probe.run()).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(e.to_string()),
        Err(e) => Err(format!("the probe stopped: {e}")),
    };
    let summary = match &outcome {
        Ok(r) => format!(
            "probe of {url}: {} cases, {} wrong",
            r.cases.len(),
            r.wrong()
        ),
        Err(e) => format!("probe of {url}: {e}"),
    };
    record(ctx, url, outcome);
    summary
}

fn record(ctx: &Ctx, url: &str, outcome: Result<crate::probe::Report, String>) {
    *ctx.journal.probe.lock().unwrap_or_else(|e| e.into_inner()) = Some(ProbeShown {
        url: url.to_owned(),
        outcome,
    });
}
