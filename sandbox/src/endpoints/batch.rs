//! §3.3 → §3.4: the batch query (`/mchtoq/index.do`): a base64 page of paid orders,
//! signed with the certificate.

use allinpay_protocol::any::AnyMessage;
use allinpay_protocol::codec::batch;
use allinpay_protocol::msgs::{BatchQueryRecord, BatchQueryResponse, BatchQuerySummary};
use allinpay_protocol::MessageKind;

use crate::answer::{Answer, TEXT};
use crate::notifier::pay_amount_rmb;
use crate::store::{Order, OrderStatus};
use crate::time::{cst14, unix_secs};
use crate::Ctx;

use super::refusal::{refuse, refuse_field, sign_err, Refusal};
use super::{accept_request, need_cert};

/// §3.3 → §3.4: paid orders whose orderDatetime falls in the hours asked, 500 a page,
/// base64; signed with the certificate (signType fixed 1).
pub(crate) fn handle(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
    use base64::Engine as _;
    let received = accept_request(ctx, MessageKind::BatchQuery, body)?;
    let AnyMessage::BatchQuery(q) = received.message else {
        return Err(refuse("BL0003_000002", "not a batch query"));
    };
    need_cert(ctx, "1")?;
    let begin = q.begin_date_time.unwrap_or_default();
    let end = q.end_date_time.unwrap_or_default();
    // §3.3: "只支持对当天订单进行查询" (UTC+8).
    let today = cst14(unix_secs());
    let today = &today[..8];
    if begin.get(..8) != Some(today) {
        return Err(refuse_field("beginDateTime", "beginDateTime is not today"));
    }
    if end.get(..8) != Some(today) {
        return Err(refuse_field("endDateTime", "endDateTime is not today"));
    }
    let page: usize = q
        .page_no
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let mid = q.merchant_id.unwrap_or_default();
    let mut orders: Vec<Order> = ctx.store.read(|st| {
        st.orders
            .values()
            .filter(|o| o.status == OrderStatus::Paid && o.merchant_id == mid)
            .filter(|o| {
                let hour = o.order_datetime.get(..10).unwrap_or_default();
                hour >= begin.as_str() && hour <= end.as_str()
            })
            .cloned()
            .collect()
    });
    orders.sort_by(|a, b| (&a.order_datetime, &a.order_no).cmp(&(&b.order_datetime, &b.order_no)));
    let per = batch::MAX_RECORDS;
    let start = page.saturating_sub(1).saturating_mul(per);
    let slice = orders.get(start..).unwrap_or_default();
    let slice = &slice[..slice.len().min(per)];
    let records: Vec<BatchQueryRecord> = slice
        .iter()
        .map(|o| BatchQueryRecord {
            merchant_id: Some(o.merchant_id.clone()),
            payment_order_id: Some(o.payment_order_id.clone()),
            order_no: Some(o.order_no.clone()),
            order_datetime: Some(o.order_datetime.clone()),
            order_amount: Some(o.order_amount.to_string()),
            pay_datetime: Some(o.pay_datetime.clone()),
            pay_amount: Some(pay_amount_rmb(o).to_string()),
            ext1: o.ext1.clone(),
            ext2: None,
            pay_result: Some("1".into()),
        })
        .collect();
    // §3.4: an empty result is merchantId|0|0|N.
    let summary = BatchQuerySummary {
        merchant_id: mid.clone(),
        count: records.len().to_string(),
        page_no: if records.is_empty() {
            "0".into()
        } else {
            page.to_string()
        },
        has_next_page: if orders.len() > start + records.len() && !records.is_empty() {
            "Y".into()
        } else {
            "N".into()
        },
    };
    let signed = batch::signed_text(&summary, &records);
    let sig = ctx
        .keys
        .sign_text(signed.as_bytes(), "1")
        .map_err(sign_err)?;
    let resp = BatchQueryResponse {
        summary,
        records,
        sign_msg: sig,
    };
    let body = base64::engine::general_purpose::STANDARD.encode(batch::render_text(&resp));
    Ok(Answer::ok(
        TEXT,
        body,
        format!("page {page}: {} record(s)", resp.records.len()),
    ))
}
