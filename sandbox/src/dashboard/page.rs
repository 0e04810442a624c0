//! The dashboard's HTML: the page, its live part (fetched again every 2 s), and a
//! request's raw bytes. Every value from a request or the state goes through [`esc`].

use std::fmt::Write as _;

use crate::journal::{RequestEntry, Verdict};
use crate::probe::Expect;
use crate::store::{NoteStatus, Notification, OrderStatus, State};
use crate::time::{cst14, unix_ms};
use crate::Ctx;

use super::actions::REFUND_STATES;
use super::{esc, html, text, Params};
use crate::answer::Answer;

/// Rows shown per table.
const ROWS: usize = 200;

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em;width:100%}\
th,td{border:1px solid #ccc;padding:3px 6px;text-align:left;vertical-align:top}\
th{background:#f3f3f3}code,pre{font:12px ui-monospace,monospace;white-space:pre-wrap;word-break:break-all}\
.refused{color:#a00;font-weight:600}.accepted{color:#070}.error{color:#a60}\
.notice{background:#ffd;border:1px solid #cc9;padding:.5em}.mistake{font-weight:600}\
.ok{color:#070}.wrong{color:#a00;font-weight:600}form.inline{display:inline}";

/// Time of day (UTC+8) of a Unix ms, `yyyy-MM-dd HH:mm:ss`.
fn when(ms: u64) -> String {
    let t = cst14((ms / 1000) as i64);
    if t.len() != 14 {
        return t;
    }
    format!(
        "{}-{}-{} {}:{}:{}",
        &t[..4],
        &t[4..6],
        &t[6..8],
        &t[8..10],
        &t[10..12],
        &t[12..]
    )
}

/// The filters, as the page and the live fetch read them.
struct Filter {
    order_no: Option<String>,
    verdict: Option<Verdict>,
}

impl Filter {
    fn from(p: &Params) -> Self {
        let verdict = match p.value("verdict") {
            Some("accepted") => Some(Verdict::Accepted),
            Some("refused") => Some(Verdict::Refused),
            Some("error") => Some(Verdict::Error),
            _ => None,
        };
        Filter {
            order_no: p.value("orderNo").map(str::to_owned),
            verdict,
        }
    }

    fn order(&self, order_no: &str) -> bool {
        self.order_no
            .as_deref()
            .is_none_or(|f| order_no.contains(f))
    }

    fn request(&self, e: &RequestEntry) -> bool {
        self.verdict.is_none_or(|v| v == e.verdict)
            && self
                .order_no
                .as_deref()
                .is_none_or(|f| e.order_no.as_deref().is_some_and(|o| o.contains(f)))
    }

    /// The query string that keeps these filters (actions return to it).
    fn back(&self) -> String {
        let mut q = Vec::new();
        if let Some(o) = &self.order_no {
            q.push(format!("orderNo={}", percent(o)));
        }
        if let Some(v) = self.verdict {
            q.push(format!("verdict={}", v.name()));
        }
        if q.is_empty() {
            "/".into()
        } else {
            format!("/?{}", q.join("&"))
        }
    }
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /`.
pub(super) fn full(ctx: &Ctx, p: &Params) -> Answer {
    let f = Filter::from(p);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Allinpay sandbox</title>\
<style>{STYLE}</style></head><body>\n<h1>Allinpay sandbox gateway</h1>\n<p>Merchant <code>{}</code> · \
{} · <a href=\"/sandbox/notifications\">notifications JSON</a> · <a href=\"/sandbox/stats\">stats</a> · docs/gateway.md</p>",
        esc(&ctx.merchant_id),
        if ctx.keys.signer.is_some() { "certificate mode" } else { "MD5 mode" },
    );
    if let Some(n) = ctx
        .journal
        .notice
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .take()
    {
        let _ = writeln!(o, "<p class=\"notice\" id=\"notice\">{}</p>", esc(&n));
    }
    let sel = |v: Option<Verdict>| if f.verdict == v { " selected" } else { "" };
    let _ = writeln!(
        o,
        "<form method=\"get\" action=\"/\" id=\"filters\">Filter: orderNo <input name=\"orderNo\" value=\"{}\"> \
verdict <select name=\"verdict\"><option value=\"\"{}>any</option><option value=\"accepted\"{}>accepted</option>\
<option value=\"refused\"{}>refused</option><option value=\"error\"{}>error</option></select> \
<button type=\"submit\">Filter</button></form>",
        esc(f.order_no.as_deref().unwrap_or_default()),
        sel(None),
        sel(Some(Verdict::Accepted)),
        sel(Some(Verdict::Refused)),
        sel(Some(Verdict::Error)),
    );
    probe_section(ctx, &f, &mut o);
    o.push_str("<div id=\"live\">\n");
    live_html(ctx, &f, &mut o);
    o.push_str("</div>\n<script src=\"/sandbox/dashboard/app.js\"></script>\n</body></html>\n");
    html(o)
}

/// `GET /sandbox/dashboard/live`: the tables only.
pub(super) fn live(ctx: &Ctx, p: &Params) -> Answer {
    let mut o = String::new();
    live_html(ctx, &Filter::from(p), &mut o);
    html(o)
}

/// `GET /sandbox/dashboard/raw?seq=N`: a kept request's bytes, non-UTF-8 escaped.
pub(super) fn raw(ctx: &Ctx, query: &str) -> Answer {
    let seq = Params::parse(query)
        .value("seq")
        .and_then(|s| s.parse::<u64>().ok());
    let Some(e) = seq.and_then(|s| ctx.journal.request(s)) else {
        return Answer::plain(404, "no such request kept");
    };
    let mut body = format!(
        "{} {} at {}, {} bytes{}\n\n",
        e.path,
        e.message,
        when(e.at_ms),
        e.raw_len,
        if e.raw_len > e.raw.len() {
            format!(" (the first {} shown)", e.raw.len())
        } else {
            String::new()
        }
    );
    for chunk in e.raw.utf8_chunks() {
        body.push_str(chunk.valid());
        for b in chunk.invalid() {
            body.push_str(&format!("\\x{b:02x}"));
        }
    }
    text(body)
}

fn token_input(ctx: &Ctx, back: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"token\" value=\"{}\"><input type=\"hidden\" name=\"back\" value=\"{}\">",
        esc(&ctx.token),
        esc(back)
    )
}

fn probe_section(ctx: &Ctx, f: &Filter, o: &mut String) {
    let _ = writeln!(
        o,
        "<h2>Probe a notification handler</h2>\n<form method=\"post\" action=\"/sandbox/dashboard/probe\" id=\"probe\">{}\
receiveUrl <input name=\"receiveUrl\" size=\"50\" placeholder=\"http://127.0.0.1:8080/notify\"> signType \
<select name=\"signType\"><option>0</option><option>1</option></select><br>your order (NO,AMOUNT,DATETIME) \
<input name=\"order\" size=\"40\" placeholder=\"optional; else one the probe invents\"> an order you refunded \
<input name=\"refunded\" size=\"40\" placeholder=\"optional\"> <button type=\"submit\">Run probe-merchant</button></form>",
        token_input(ctx, &f.back())
    );
    let shown = ctx
        .journal
        .probe
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let Some(shown) = shown else { return };
    let _ = writeln!(o, "<p>Last probe: <code>{}</code></p>", esc(&shown.url));
    match &shown.outcome {
        Err(e) => {
            let _ = writeln!(o, "<p class=\"wrong\" id=\"probe-error\">{}</p>", esc(e));
        }
        Ok(r) => {
            o.push_str("<table id=\"probe-results\"><tr><th>case</th><th>expected</th><th>observed</th><th>verdict</th><th>what</th></tr>\n");
            for c in &r.cases {
                let expect = match c.expected {
                    Expect::Accept => "accept",
                    Expect::Reject => "reject",
                };
                let _ = writeln!(
                    o,
                    "<tr><td>{}</td><td>{expect}</td><td>{} ({})</td><td class=\"{}\">{}</td><td>{}</td></tr>",
                    esc(c.name),
                    if c.accepted { "accepted" } else { "rejected" },
                    esc(&c.observed),
                    if c.correct { "ok" } else { "wrong" },
                    if c.correct { "ok" } else { "WRONG" },
                    esc(c.description)
                );
            }
            let _ = writeln!(
                o,
                "</table>\n<p id=\"probe-summary\">{} passed, {} failed</p>",
                r.cases.len() - r.wrong(),
                r.wrong()
            );
        }
    }
}

fn live_html(ctx: &Ctx, f: &Filter, o: &mut String) {
    requests(ctx, f, o);
    ctx.store.read(|st| {
        orders(ctx, st, f, o);
        notifications(ctx, st, f, o);
    });
}

fn requests(ctx: &Ctx, f: &Filter, o: &mut String) {
    let (rows, dropped, kept) = ctx.journal.requests(|e| f.request(e), ROWS);
    let _ = writeln!(
        o,
        "<h2>Requests</h2>\n<p>{kept} kept{}; newest first, at most {ROWS} shown.</p>\n\
<table id=\"requests\"><tr><th>time</th><th>endpoint</th><th>message</th><th>orderNo</th><th>verdict</th><th>reason</th><th>bytes</th></tr>",
        if dropped > 0 {
            format!(", {dropped} older ones counted, not kept")
        } else {
            String::new()
        }
    );
    for e in rows {
        let reason = match &e.explanation {
            Some(x) => format!(
                "{}<div class=\"mistake\">{}</div><div>your sign source: <code>{}</code></div><div>§5.1 sign source: <code>{}</code></div>",
                esc(&e.detail),
                esc(&x.mistake),
                esc(&x.merchant_source),
                esc(&x.expected_source)
            ),
            None => esc(&e.detail),
        };
        let _ = writeln!(
            o,
            "<tr class=\"request {}\" data-seq=\"{}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"verdict {}\">{}{}</td><td class=\"reason\">{}</td><td><a href=\"/sandbox/dashboard/raw?seq={}\" target=\"_blank\" rel=\"noopener\">{} bytes</a></td></tr>",
            e.verdict.name(),
            e.seq,
            when(e.at_ms),
            esc(&e.path),
            esc(&e.message),
            esc(e.order_no.as_deref().unwrap_or_default()),
            e.verdict.name(),
            e.verdict.name(),
            e.code.as_deref().map(|c| format!(" {}", esc(c))).unwrap_or_default(),
            reason,
            e.seq,
            e.raw_len
        );
    }
    o.push_str("</table>\n");
}

fn orders(ctx: &Ctx, st: &State, f: &Filter, o: &mut String) {
    let mut list: Vec<_> = st
        .orders
        .values()
        .filter(|x| f.order(&x.order_no))
        .collect();
    list.sort_by(|a, b| b.payment_order_id.cmp(&a.payment_order_id));
    let now = unix_ms();
    o.push_str("<h2>Orders</h2>\n<table id=\"orders\"><tr><th>orderNo</th><th>state</th><th>amount</th><th>payment order</th><th>refunded</th><th>refunds (§3.8 state)</th></tr>\n");
    for x in list.into_iter().take(ROWS) {
        let mut refunds = String::new();
        for (i, r) in st
            .refunds
            .get(&x.order_no)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let state = r.state_at(now);
            let options: String = REFUND_STATES
                .iter()
                .map(|s| {
                    format!(
                        "<option{}>{s}</option>",
                        if *s == state { " selected" } else { "" }
                    )
                })
                .collect();
            let _ = write!(
                refunds,
                "<div class=\"refund\">#{i} {} 分 <code>{}</code> <form class=\"inline refund-state\" method=\"post\" action=\"/sandbox/dashboard/refund-state\">{}\
<input type=\"hidden\" name=\"orderNo\" value=\"{}\"><input type=\"hidden\" name=\"index\" value=\"{i}\"><select name=\"state\">{options}</select> <button type=\"submit\">Set state</button></form></div>",
                r.amount,
                esc(state),
                token_input(ctx, &f.back()),
                esc(&x.order_no)
            );
        }
        let settle = if x.status == OrderStatus::Pending {
            let form = |result: &str, label: &str| {
                format!(
                    "<form class=\"inline settle\" method=\"post\" action=\"/sandbox/dashboard/settle\">{}\
<input type=\"hidden\" name=\"orderNo\" value=\"{}\"><input type=\"hidden\" name=\"result\" value=\"{result}\"><button type=\"submit\">{label}</button></form>",
                    token_input(ctx, &f.back()),
                    esc(&x.order_no)
                )
            };
            format!(" {} {}", form("pay", "Pay"), form("fail", "Fail"))
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "<tr class=\"order\" data-order=\"{}\"><td>{}</td><td class=\"state\">{:?}{}</td><td>{} (currency {})</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&x.order_no),
            esc(&x.order_no),
            x.status,
            settle,
            x.order_amount,
            esc(&x.currency),
            esc(&x.payment_order_id),
            x.refunded,
            refunds
        );
    }
    o.push_str("</table>\n");
}

/// The resends still to come: the next due time, then the remaining delays.
fn schedule(ctx: &Ctx, n: &Notification) -> String {
    if n.status != NoteStatus::Pending {
        return "none".into();
    }
    let max = ctx.notifier.max_attempts() as usize;
    let mut at = n.next_due_ms;
    let mut out = vec![when(at)];
    for i in (n.attempts as usize + 1)..max {
        if let Some(d) = ctx.notifier.delays.get(i - 1) {
            at += d.as_millis() as u64;
            out.push(when(at));
        }
    }
    out.join(", ")
}

fn notifications(ctx: &Ctx, st: &State, f: &Filter, o: &mut String) {
    let mut list: Vec<_> = st.notes.values().filter(|n| f.order(&n.order_no)).collect();
    list.sort_by_key(|n| std::cmp::Reverse(n.next_due_ms));
    o.push_str("<h2>Notifications</h2>\n<table id=\"notifications\"><tr><th>orderNo</th><th>status</th><th>attempts</th><th>resends to come</th><th>posts: time, attempt, kind, HTTP status, latency, merchant's answer</th><th></th></tr>\n");
    for n in list.into_iter().take(ROWS) {
        let mut posts = String::new();
        for p in &n.posts {
            let d = ctx.journal.delivery(&n.order_no, p.at_ms, &p.kind);
            let _ = write!(
                posts,
                "<div class=\"post\">{} · #{} {} · <span class=\"{}\">{}</span> · {} · <code>{}</code></div>",
                when(p.at_ms),
                p.attempt,
                esc(&p.kind),
                if p.accepted { "ok" } else { "wrong" },
                esc(&p.outcome),
                d.as_ref().map_or("-".into(), |d| format!("{} ms", d.latency_ms)),
                esc(d.as_ref().map_or("", |d| d.answer.as_str()))
            );
        }
        let _ = writeln!(
            o,
            "<tr class=\"note\" data-order=\"{}\"><td>{}</td><td class=\"status\">{:?}</td><td class=\"attempts\">{}</td><td>{}</td><td>{}</td>\
<td><form class=\"resend\" method=\"post\" action=\"/sandbox/dashboard/resend\">{}<input type=\"hidden\" name=\"orderNo\" value=\"{}\"><button type=\"submit\">Resend now</button></form></td></tr>",
            esc(&n.order_no),
            esc(&n.order_no),
            n.status,
            n.attempts,
            schedule(ctx, n),
            posts,
            token_input(ctx, &f.back()),
            esc(&n.order_no)
        );
    }
    o.push_str("</table>\n");
}
