//! §2.2.1/§2.2.3: the notification POSTed to `receiveUrl` after a payment. Success is an
//! HTTP 2xx within the timeout; otherwise it is resent, at most 3 times (§2.2.1: 最多重发
//! 3 次), on the configured schedule, each resend with a later `returnDatetime` and a new
//! signature. Each attempt is counted in the store before it is sent, so a crash can lose
//! an attempt but never send one more than allowed.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use allinpay_protocol::codec::form;
use allinpay_protocol::msgs::PayNotify;
use tokio::sync::{watch, Notify, Semaphore};

use crate::error::ResendError;
use crate::journal::{Delivery, ANSWER_KEPT};
use crate::net::{post_async, LoopbackUrl, NetError, FORM};
use crate::signing::{sign_in_place, Keys, SignError};
use crate::store::{NoteStatus, Order, Post, State};
use crate::time::{cst14, unix_ms, unix_secs};
use crate::triggers::Fault;
use crate::Ctx;

/// §2.2.1: at most 3 resends after the first delivery.
pub const MAX_RESENDS: usize = 3;

/// The sandbox's fixed exchange rates (§6.2 currencies): 分 per 10,000 minor units of
/// the order's currency (docs/gateway.md, "Currencies").
pub const RATES: [(&str, u64); 6] = [
    ("840", 71_000), // USD: 1 美分 = 7.1 分
    ("344", 9_100),  // HKD: 1 港仙 = 0.91 分
    ("392", 470),    // JPY: 1 日元 = 0.047 元
    ("978", 77_000), // EUR: 1 euro cent = 7.7 分
    ("458", 15_000), // MYR: 1 sen = 1.5 分
    ("032", 46_000), // AUD: 1 cent = 4.6 分
];

/// §2.2.3 payAmount: "用户实际支付币种为人民币", the order amount in 分 at [`RATES`],
/// rounded half up; RMB orders (0, 156) pay their orderAmount.
pub fn pay_amount_rmb(order: &Order) -> u64 {
    match RATES.iter().find(|(c, _)| *c == order.currency) {
        Some((_, rate)) => (order.order_amount.saturating_mul(*rate) + 5_000) / 10_000,
        None => order.order_amount,
    }
}

/// The §2.2.3 message of a paid order (also the §3.2 answer), unsigned.
pub fn pay_notify(order: &Order, return_datetime: String) -> PayNotify {
    // payType: what the payer used; payType 0 lets the payer choose, taken as 27 (cards).
    let pay_type = match order.pay_type.as_str() {
        "0" => "27".to_owned(),
        other => other.to_owned(),
    };
    PayNotify {
        merchant_id: Some(order.merchant_id.clone()),
        version: Some("v1.0".into()),
        language: Some("1".into()),
        sign_type: Some(order.sign_type.clone()),
        pay_type: Some(pay_type),
        issuer_id: order.issuer_id.clone(),
        payment_order_id: Some(order.payment_order_id.clone()),
        order_no: Some(order.order_no.clone()),
        order_datetime: Some(order.order_datetime.clone()),
        order_amount: Some(order.order_amount.to_string()),
        pay_datetime: Some(order.pay_datetime.clone()),
        pay_amount: Some(pay_amount_rmb(order).to_string()),
        ext1: order.ext1.clone(),
        ext2: None,
        pay_result: Some("1".into()),
        error_code: None,
        return_datetime: Some(return_datetime),
        sign_msg: None,
    }
}

/// The schedule and the queue of due notifications (in memory; rebuilt from the store).
#[derive(Debug)]
pub struct Notifier {
    queue: Mutex<BTreeSet<(u64, String)>>,
    wake: Notify,
    pub delays: Vec<Duration>,
    pub timeout: Duration,
    pub fault_delay: Duration,
    pub max_in_flight: usize,
}

impl Notifier {
    pub fn new(
        delays: Vec<Duration>,
        timeout: Duration,
        fault_delay: Duration,
        max_in_flight: usize,
    ) -> Self {
        Self {
            queue: Mutex::new(BTreeSet::new()),
            wake: Notify::new(),
            delays,
            timeout,
            fault_delay,
            max_in_flight: max_in_flight.max(1),
        }
    }

    /// Queues every pending notification of a loaded state (after a restart).
    pub fn resume(&self, state: &State) {
        let mut q = self.lock();
        for n in state.notes.values() {
            if n.status == NoteStatus::Pending {
                q.insert((n.next_due_ms, n.order_no.clone()));
            }
        }
    }

    /// Queues `order_no` for `due_ms`.
    pub fn schedule(&self, order_no: &str, due_ms: u64) {
        self.lock().insert((due_ms, order_no.to_owned()));
        self.wake.notify_one();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<(u64, String)>> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next due entry, or how long to wait for one.
    fn pop_due(&self, now: u64) -> Result<String, u64> {
        let mut q = self.lock();
        match q.first() {
            Some((due, _)) if *due <= now => q.pop_first().map(|(_, o)| o).ok_or(1000),
            Some((due, _)) => Err(due - now),
            None => Err(1000),
        }
    }

    /// Total genuine deliveries allowed: the first and the resends.
    pub fn max_attempts(&self) -> u32 {
        1 + self.delays.len().min(MAX_RESENDS) as u32
    }
}

/// The scheduler: runs due deliveries, at most `max_in_flight` at once, until `stop`.
pub(crate) async fn run(ctx: Arc<Ctx>, mut stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(ctx.notifier.max_in_flight));
    while !*stop.borrow() {
        match ctx.notifier.pop_due(unix_ms()) {
            Ok(order_no) => {
                let permit = tokio::select! {
                    p = permits.clone().acquire_owned() => p,
                    _ = stop.changed() => break,
                };
                let Ok(permit) = permit else { break };
                let ctx = ctx.clone();
                tokio::spawn(async move {
                    deliver(&ctx, &order_no).await;
                    drop(permit);
                });
            }
            Err(wait_ms) => {
                tokio::select! {
                    _ = tokio::time::sleep(Duration::from_millis(wait_ms.min(1000))) => {}
                    _ = ctx.notifier.wake.notified() => {}
                    _ = stop.changed() => {}
                }
            }
        }
    }
}

/// What one claimed attempt sends.
struct Plan {
    url: String,
    attempt: u32,
    /// Fault copies posted before the genuine delivery: (kind, body, returnDatetime).
    before: Vec<(&'static str, String, String)>,
    genuine: String,
    return_datetime: String,
    delay: Option<Duration>,
    duplicate: bool,
}

fn signed_body(keys: &Keys, order: &Order, ret_secs: i64) -> Result<String, SignError> {
    let mut m = pay_notify(order, cst14(ret_secs));
    sign_in_place(keys, &mut m, &order.sign_type)?;
    Ok(form::render(&m))
}

/// Claims the next attempt of `order_no` (counted before it is sent) and builds it.
fn claim(ctx: &Ctx, st: &mut State, order_no: &str) -> Result<Option<Plan>, SignError> {
    let Some(order) = st.orders.get(order_no).cloned() else {
        return Ok(None);
    };
    let Some(note) = st.notes.get_mut(order_no) else {
        return Ok(None);
    };
    if note.status != NoteStatus::Pending || note.attempts >= ctx.notifier.max_attempts() {
        return Ok(None);
    }
    note.attempts += 1;
    let ret = unix_secs().max(note.last_return_secs + 1);
    note.last_return_secs = ret;
    let fault = if note.fault_done { None } else { note.fault };
    note.fault_done = true;
    let keys = &ctx.keys;
    let genuine = signed_body(keys, &order, ret)?;
    let mut before = Vec::new();
    match fault {
        Some(Fault::OutOfOrder) => {
            // The later returnDatetime arrives first; the genuine (earlier) one after it.
            note.last_return_secs = ret + 1;
            before.push((
                Fault::OutOfOrder.name(),
                signed_body(keys, &order, ret + 1)?,
                cst14(ret + 1),
            ));
        }
        Some(Fault::TamperedAmount) => {
            let mut m = pay_notify(&order, cst14(ret));
            sign_in_place(keys, &mut m, &order.sign_type)?;
            let tampered = if order.order_amount == 1 { 2 } else { 1 };
            m.order_amount = Some(tampered.to_string());
            m.pay_amount = Some(tampered.to_string());
            before.push((Fault::TamperedAmount.name(), form::render(&m), cst14(ret)));
        }
        Some(Fault::WrongKey) => {
            let mut m = pay_notify(&order, cst14(ret));
            sign_in_place(&keys.wrong(), &mut m, &order.sign_type)?;
            before.push((Fault::WrongKey.name(), form::render(&m), cst14(ret)));
        }
        Some(Fault::Unsigned) => {
            let m = pay_notify(&order, cst14(ret));
            before.push((Fault::Unsigned.name(), form::render(&m), cst14(ret)));
        }
        _ => {}
    }
    Ok(Some(Plan {
        url: order.receive_url.clone(),
        attempt: note.attempts,
        before,
        genuine,
        return_datetime: cst14(ret),
        delay: (fault == Some(Fault::Delayed)).then_some(ctx.notifier.fault_delay),
        duplicate: fault == Some(Fault::Duplicate),
    }))
}

struct Target<'a> {
    order_no: &'a str,
    url: &'a str,
}

async fn post(
    ctx: &Ctx,
    to: Target<'_>,
    attempt: u32,
    kind: &str,
    body: String,
    ret: &str,
) -> Post {
    let Target { order_no, url } = to;
    let at_ms = unix_ms();
    let started = std::time::Instant::now();
    let outcome = match LoopbackUrl::parse(url) {
        Ok(u) => post_async(&u, FORM, body, ctx.notifier.timeout).await,
        Err(e) => Err(NetError::Url(e)),
    };
    let latency_ms = started.elapsed().as_millis() as u64;
    let (outcome, accepted, answer) = match outcome {
        Ok(r) => (r.status.to_string(), r.is_success(), r.text()),
        Err(e) => (e.to_string(), false, String::new()),
    };
    ctx.journal.push_delivery(Delivery {
        order_no: order_no.to_owned(),
        at_ms,
        kind: kind.to_owned(),
        answer: answer.chars().take(ANSWER_KEPT).collect(),
        latency_ms,
    });
    Post {
        attempt,
        kind: kind.to_owned(),
        return_datetime: ret.to_owned(),
        at_ms,
        outcome,
        accepted,
    }
}

async fn deliver(ctx: &Ctx, order_no: &str) {
    let plan = match ctx.store.write(|st, ch| {
        ch.note(order_no);
        claim(ctx, st, order_no)
    }) {
        Ok(Some(plan)) => plan,
        Ok(None) => return,
        Err(e) => {
            ctx.log(format!("notify {order_no}: cannot send: {e}"));
            return;
        }
    };
    // The attempt is counted durably before it is sent (§2.2.1's bound survives a crash).
    if let Err(e) = ctx.store.sync().await {
        ctx.log(format!("notify {order_no}: not sent: {e}"));
        return;
    }
    let mut posts = Vec::new();
    for (kind, body, ret) in plan.before {
        posts.push(post(ctx, target(order_no, &plan.url), 0, kind, body, &ret).await);
    }
    if let Some(d) = plan.delay {
        tokio::time::sleep(d).await;
    }
    let genuine = post(
        ctx,
        target(order_no, &plan.url),
        plan.attempt,
        "genuine",
        plan.genuine.clone(),
        &plan.return_datetime,
    )
    .await;
    let accepted = genuine.accepted;
    posts.push(genuine);
    if plan.duplicate {
        let dup = post(
            ctx,
            target(order_no, &plan.url),
            0,
            Fault::Duplicate.name(),
            plan.genuine,
            &plan.return_datetime,
        )
        .await;
        posts.push(dup);
    }
    let max = ctx.notifier.max_attempts();
    let next = ctx.store.write(|st, ch| {
        let note = st.notes.get_mut(order_no)?;
        ch.note(order_no);
        note.posts.extend(posts);
        if accepted {
            note.status = NoteStatus::Delivered;
            None
        } else if note.attempts >= max {
            note.status = NoteStatus::Exhausted;
            None
        } else {
            let i = (note.attempts as usize).saturating_sub(1);
            let delay = ctx.notifier.delays.get(i).copied().unwrap_or_default();
            note.next_due_ms = unix_ms() + delay.as_millis() as u64;
            Some(note.next_due_ms)
        }
    });
    let status = if accepted { "delivered" } else { "failed" };
    ctx.log(format!(
        "notify {order_no} attempt {}/{max}: {status}",
        plan.attempt
    ));
    if let Some(due) = next {
        ctx.notifier.schedule(order_no, due);
    }
}

fn target<'a>(order_no: &'a str, url: &'a str) -> Target<'a> {
    Target { order_no, url }
}

/// A delivery asked for from the dashboard: posted now, whatever the schedule, and
/// counted as an attempt; a 2xx marks the notification delivered.
pub(crate) async fn resend_now(ctx: &Ctx, order_no: &str) -> Result<Post, ResendError> {
    let plan = ctx.store.write(|st, ch| {
        let order = st
            .orders
            .get(order_no)
            .cloned()
            .ok_or(ResendError::NoNotification)?;
        let note = st
            .notes
            .get_mut(order_no)
            .ok_or(ResendError::NoNotification)?;
        ch.note(order_no);
        note.attempts += 1;
        let ret = unix_secs().max(note.last_return_secs + 1);
        note.last_return_secs = ret;
        let body = signed_body(&ctx.keys, &order, ret).map_err(ResendError::Sign)?;
        Ok((order.receive_url, note.attempts, body, cst14(ret)))
    })?;
    ctx.store.sync().await.map_err(ResendError::Store)?;
    let (url, attempt, body, ret) = plan;
    let p = post(ctx, target(order_no, &url), attempt, "manual", body, &ret).await;
    let accepted = p.accepted;
    ctx.store.write(|st, ch| {
        if let Some(note) = st.notes.get_mut(order_no) {
            ch.note(order_no);
            note.posts.push(p.clone());
            if accepted {
                note.status = NoteStatus::Delivered;
            }
        }
    });
    ctx.store.sync().await.map_err(ResendError::Store)?;
    ctx.log(format!(
        "notify {order_no} attempt {attempt} (resent from the dashboard): {}",
        if accepted { "delivered" } else { "failed" }
    ));
    Ok(p)
}
