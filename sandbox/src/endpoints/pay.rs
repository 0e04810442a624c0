//! `POST /sdk/pay`: the payData JSON (§2.1) as the SDK control would submit it, answered
//! with the §2.2.2 synchronous result; a paid order's §2.2.3 notification is scheduled.

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::{json, Mode};
use allinpay_protocol::msgs::{SyncResultAndroid, SyncResultIos};
use allinpay_protocol::sign;
use allinpay_protocol::MessageKind;

use crate::answer::{Answer, JSON};
use crate::net::LoopbackUrl;
use crate::store::{Notification, Order, OrderStatus, Preauth};
use crate::time::{cst14, parse_cst14, unix_ms, unix_secs};
use crate::triggers::{self, Fault, Outcome};
use crate::Ctx;

use super::refusal::{parse_refusal, refuse, refuse_field, Refusal};
use super::{amount, need_cert, utf8, verify_md5};

/// The request as the route hands it: `?platform=ios|android` picks the §2.2.2 form;
/// `X-Sandbox-Outcome` and `X-Sandbox-Fault` override the amount's trigger.
pub(crate) fn handle(
    ctx: &Ctx,
    uri_query: Option<&str>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Answer {
    let platform = uri_query
        .unwrap_or_default()
        .split('&')
        .find_map(|p| p.strip_prefix("platform="))
        .unwrap_or("ios");
    let android = match platform {
        "ios" => false,
        "android" => true,
        _ => return Answer::plain(400, "platform must be ios or android"),
    };
    let outcome = match header("x-sandbox-outcome")
        .as_deref()
        .map(Outcome::from_name)
    {
        None => None,
        Some(Some(o)) => Some(o),
        Some(None) => return Answer::plain(400, "unknown X-Sandbox-Outcome"),
    };
    let fault = match header("x-sandbox-fault").as_deref() {
        None => None,
        Some("none") => Some(None),
        Some(name) => match Fault::from_name(name) {
            Some(f) => Some(Some(f)),
            None => return Answer::plain(400, "unknown X-Sandbox-Fault"),
        },
    };
    pay(ctx, android, outcome, fault, body).unwrap_or_else(Refusal::answer)
}

/// `POST /sdk/pay`: the payData JSON (§2.1), as the SDK control would submit it.
fn pay(
    ctx: &Ctx,
    android: bool,
    outcome: Option<Outcome>,
    fault: Option<Option<Fault>>,
    body: &[u8],
) -> Result<Answer, Refusal> {
    // The JSON parser reports raw non-UTF-8 bytes as a syntax error: checked first.
    utf8(body)?;
    let received =
        any::parse(MessageKind::PayRequest, body, Mode::Strict).map_err(|e| parse_refusal(&e))?;
    let AnyMessage::PayRequest(req) = &received.message else {
        return Err(refuse("BL0003_000002", "not payData"));
    };
    let mid = req.merchant_id.as_deref().unwrap_or_default();
    if mid.is_empty() || !mid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("EM0001_000007", "merchantId empty or not digits"));
    }
    if mid != ctx.merchant_id {
        return Err(refuse("ZF30005", format!("unknown merchant {mid}")));
    }
    // §5.1 c: hashed in inputCharset's charset (ERRATA E-CHARSET).
    verify_md5(ctx, &received, received.declared_charset())?;
    // Time windows: orders over a month old have expired; none from the future.
    let now = unix_secs();
    if let Some(t) = req.order_datetime.as_deref().and_then(parse_cst14) {
        if now - t > 31 * 86_400 {
            return Err(refuse("15010", "orderDatetime is more than a month old"));
        }
        if t - now > 15 * 60 {
            return Err(refuse(
                "M00002_000008",
                "orderDatetime is more than 15 minutes in the future",
            ));
        }
    }
    if let Some(v) = check::check(&received, &Clock::system(), Mode::Strict).first() {
        return Err(refuse_field(&v.field, v.to_string()));
    }
    let receive_url = req.receive_url.clone().unwrap_or_default();
    LoopbackUrl::parse(&receive_url).map_err(|e| refuse_field("receiveUrl", e.to_string()))?;
    let sign_type = req.sign_type.clone().unwrap_or_default();
    need_cert(ctx, &sign_type)?;
    let order_amount = amount(req.order_amount.as_deref());
    if order_amount == 0 {
        return Err(refuse_field("orderAmount", "orderAmount must be above 0"));
    }
    let (by_amount, amount_fault) = triggers::by_amount(order_amount);
    let outcome = outcome.unwrap_or(by_amount);
    let fault = fault.unwrap_or(amount_fault);
    if let Some(code) = outcome.error_code() {
        return Err(refuse(code, format!("trigger {outcome:?}")));
    }
    let now14 = cst14(now);
    let order_no = req.order_no.clone().unwrap_or_default();
    if outcome == Outcome::Cancel {
        // The payer left the control: no payment order was made (§2.2.2 payOrderId "").
        return Ok(sync_result(
            android,
            "-1",
            order_amount,
            &now14,
            "",
            "cancelled",
        ));
    }
    let fingerprint = sign::sign_source(&**req);
    let status = match outcome {
        Outcome::Approve => OrderStatus::Paid,
        Outcome::Pending => OrderStatus::Pending,
        _ => OrderStatus::Declined,
    };
    let paid = status == OrderStatus::Paid;
    let (poid, pay_datetime) = ctx.store.write(|st, ch| {
        if let Some(o) = st.orders.get(&order_no) {
            match o.status {
                OrderStatus::Paid => return Err(refuse("ZF30002", "order already paid")),
                OrderStatus::Pending => {
                    return Err(refuse("ZF30003", "order accepted, payment pending"))
                }
                OrderStatus::Declined => {}
            }
            if o.fingerprint != fingerprint {
                return Err(refuse(
                    "M00001_000010",
                    "orderNo resubmitted with different data",
                ));
            }
        }
        st.seq += 1;
        ch.seq();
        let poid = format!("{}{:010}", &now14[..8], st.seq);
        let international = req.pay_type.as_deref() == Some("30");
        let order = Order {
            merchant_id: mid.to_owned(),
            order_no: order_no.clone(),
            order_datetime: req.order_datetime.clone().unwrap_or_default(),
            order_amount,
            currency: req.order_currency.clone().unwrap_or_default(),
            pay_type: req.pay_type.clone().unwrap_or_default(),
            issuer_id: req.issuer_id.clone().filter(|s| !s.is_empty()),
            sign_type: sign_type.clone(),
            receive_url: receive_url.clone(),
            ext1: req.ext1.clone().filter(|s| !s.is_empty()),
            fingerprint: fingerprint.clone(),
            payment_order_id: poid.clone(),
            pay_datetime: now14.clone(),
            status,
            refunded: 0,
            preauth: (paid && international).then(|| Preauth::authorized(&poid)),
        };
        st.orders.insert(order_no.clone(), order);
        ch.order(&order_no);
        if paid {
            st.notes
                .insert(order_no.clone(), Notification::due_now(&order_no, fault));
            ch.note(&order_no);
        }
        Ok((poid, now14.clone()))
    })?;
    match status {
        OrderStatus::Paid => {
            ctx.notifier.schedule(&order_no, unix_ms());
            Ok(sync_result(
                android,
                "0",
                order_amount,
                &pay_datetime,
                &poid,
                format!("paid {order_no} as {poid}"),
            ))
        }
        // §2.2.2: 0 is 支付受理成功, the acceptance only; the notification follows the
        // payment, which the dashboard decides.
        OrderStatus::Pending => Ok(sync_result(
            android,
            "0",
            order_amount,
            &pay_datetime,
            &poid,
            format!("accepted {order_no} as {poid}; pending until paid or failed on the dashboard"),
        )),
        OrderStatus::Declined => {
            let mut a = sync_result(
                android,
                "1",
                order_amount,
                &pay_datetime,
                &poid,
                "declined (P00002_100003)",
            );
            a.headers
                .push(("X-Sandbox-Errorcode", "P00002_100003".into()));
            Ok(a)
        }
    }
}

/// §2.2.2: the synchronous result, iOS (`payResult` 0 accepted, 1 failed, -1 cancelled)
/// or Android (`allinpay_pay_res`).
fn sync_result(
    android: bool,
    ios_result: &str,
    amount: u64,
    time: &str,
    poid: &str,
    detail: impl Into<String>,
) -> Answer {
    let body = if android {
        let res = if ios_result == "0" {
            "allinpay_pay_success"
        } else {
            "allinpay_pay_fail"
        };
        json::render(&SyncResultAndroid {
            allinpay_pay_res: Some(res.into()),
            pay_amount: Some(amount.to_string()),
            pay_time: Some(time.into()),
            pay_order_id: Some(poid.into()),
        })
    } else {
        json::render(&SyncResultIos {
            pay_result: Some(ios_result.into()),
            pay_amount: Some(amount.to_string()),
            pay_time: Some(time.into()),
            pay_order_id: Some(poid.into()),
        })
    };
    Answer::ok(JSON, body, detail)
}
