//! The sandbox's own endpoints: the notifications and their posts, counts, and the
//! certificate merchants verify signType 1 with (§5.3). Not part of the spec.

use crate::answer::{Answer, JSON};
use crate::store::{NoteStatus, Notification, OrderStatus};
use crate::Ctx;

/// `GET /sandbox/notifications`: every notification with its status and posts, by orderNo.
pub(crate) fn notifications(ctx: &Ctx) -> Answer {
    let mut notes: Vec<Notification> = ctx.store.read(|st| st.notes.values().cloned().collect());
    notes.sort_by(|a, b| a.order_no.cmp(&b.order_no));
    Answer::ok(
        JSON,
        serde_json::to_string(&notes).unwrap_or_default(),
        "notifications",
    )
}

/// `GET /sandbox/stats`: counts of orders, notifications and posts.
pub(crate) fn stats(ctx: &Ctx) -> Answer {
    Answer::ok(JSON, counts(ctx).to_string(), "stats")
}

/// `GET /sandbox/cert`: the certificate (PEM) in certificate mode, else 404.
pub(crate) fn cert(ctx: &Ctx) -> Answer {
    match &ctx.cert_pem {
        Some(pem) => Answer::ok("application/x-pem-file", pem.clone(), "certificate"),
        None => Answer::plain(404, "no certificate: the sandbox runs without --cert-mode"),
    }
}

fn counts(ctx: &Ctx) -> serde_json::Value {
    ctx.store.read(|st| {
        let count = |s: NoteStatus| st.notes.values().filter(|n| n.status == s).count();
        let genuine: usize = st
            .notes
            .values()
            .map(|n| n.posts.iter().filter(|p| p.attempt > 0).count())
            .sum();
        let resends: usize = st
            .notes
            .values()
            .map(|n| n.posts.iter().filter(|p| p.attempt > 1).count())
            .sum();
        serde_json::json!({
            "orders": st.orders.len(),
            "paid": st.orders.values().filter(|o| o.status == OrderStatus::Paid).count(),
            "notifications": st.notes.len(),
            "pending": count(NoteStatus::Pending),
            "delivered": count(NoteStatus::Delivered),
            "exhausted": count(NoteStatus::Exhausted),
            "posts": genuine,
            "resends": resends,
            "maxAttempts": st.notes.values().map(|n| n.attempts).max().unwrap_or(0),
        })
    })
}
