//! The HTTP endpoints: the §3/§4 server interfaces at the paths the spec gives, the
//! payment endpoint standing in for the SDK control, and the sandbox's own inspection
//! endpoints. Answers in the spec's forms are HTTP 200, as the real gateway sends them.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioTimer;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use allinpay_protocol::any::{self, AnyMessage, Received};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::{batch, form, json, pipe, Mode};
use allinpay_protocol::msgs::*;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::sign::{self, Credentials};
use allinpay_protocol::{Charset, MessageKind, ParseError, MAX_INPUT_LEN};

use crate::codes::{self, for_field};
use crate::net::LoopbackUrl;
use crate::notifier::pay_notify;
use crate::store::{NoteStatus, Notification, Order, OrderStatus, Preauth, PreauthState, Refund};
use crate::time::{cst14, parse_cst14, unix_ms, unix_secs};
use crate::triggers::{self, refund_state_releases, Fault, Outcome, RefundPlan};
use crate::Ctx;

/// An answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Why, for the `X-Sandbox-Detail` header and the log.
    pub detail: String,
    pub headers: Vec<(&'static str, String)>,
}

const TEXT: &str = "text/plain;charset=UTF-8";
const JSON: &str = "application/json;charset=UTF-8";

impl Answer {
    fn ok(content_type: &'static str, body: String, detail: impl Into<String>) -> Self {
        Self {
            status: 200,
            content_type,
            body,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    fn plain(status: u16, body: &str) -> Self {
        Self::ok(TEXT, body.to_owned(), body).with_status(status)
    }

    fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The connection is closed after this answer.
    fn closing(self) -> Self {
        self.with_header("Connection", "close")
    }

    fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// A refusal in the spec's error form.
#[derive(Debug)]
struct Refusal {
    code: &'static str,
    row: usize,
    detail: String,
}

fn refuse(code: &'static str, detail: impl Into<String>) -> Refusal {
    Refusal {
        code,
        row: 0,
        detail: detail.into(),
    }
}

fn refuse_field(field: &str, detail: impl Into<String>) -> Refusal {
    let (code, row) = for_field(field);
    Refusal {
        code,
        row,
        detail: detail.into(),
    }
}

impl Refusal {
    fn answer(self) -> Answer {
        let body = codes::error_text(self.code, self.row);
        Answer::ok(TEXT, body, format!("{}: {}", self.code, self.detail))
    }

    /// §3.4: "响应报文都是 Base64 编码后的内容", the error answer included.
    fn answer_base64(self) -> Answer {
        use base64::Engine as _;
        let mut a = self.answer();
        a.body = base64::engine::general_purpose::STANDARD.encode(a.body);
        a
    }
}

fn system_error(e: impl std::fmt::Display) -> Refusal {
    refuse("BL0004_100002", e.to_string())
}

/// A request that does not parse: §6.1 `ZF20001` 报文编码格式错误 when its bytes are not
/// UTF-8 (raw GBK, say), else `BL0003_000002` 总线采集提交非法数据错误 (a malformed message:
/// duplicate fields or JSON keys, bad percent-encoding, no `=`, …).
fn parse_refusal(e: &ParseError) -> Refusal {
    match e {
        ParseError::NotUtf8 { .. } => refuse("ZF20001", e.to_string()),
        _ => refuse("BL0003_000002", e.to_string()),
    }
}

/// Serves HTTP/1.1 on `listener` until `stop`: at most `limits.max_connections` open at
/// once (one more is answered 503 and closed), each request's head within
/// `limits.header_timeout` (idle keep-alive connections included) and its body within
/// `limits.body_timeout` (else 408 and closed).
pub async fn serve(ctx: Arc<Ctx>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
    let permits = Arc::new(Semaphore::new(ctx.limits.max_connections.max(1)));
    while !*stop.borrow() {
        let stream = tokio::select! {
            r = listener.accept() => match r {
                Ok((s, _)) => s,
                Err(_) => {
                    // Out of descriptors and the like: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                    continue;
                }
            },
            _ = stop.changed() => break,
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            // Over the limit: say so without reading anything, and close at once.
            let _ = stream.try_write(TOO_MANY);
            ctx.log("connection refused: --max-connections reached -> 503".into());
            continue;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let header_timeout = ctx.limits.header_timeout;
            let svc = hyper::service::service_fn(move |req| {
                let ctx = ctx.clone();
                async move { Ok::<_, Infallible>(handle(&ctx, req).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                .await;
            drop(permit);
        });
    }
}

const TOO_MANY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: 59\r\nConnection: close\r\nRetry-After: 1\r\n\r\ntoo many connections: the sandbox's --max-connections limit";

async fn handle(ctx: &Ctx, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(hyper::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let answer = if declared.is_some_and(|n| n > MAX_INPUT_LEN as u64) {
        // Refused from the header: not one byte of the body is read.
        Answer::plain(413, "body larger than the protocol's input limit").closing()
    } else {
        let collect = Limited::new(body, MAX_INPUT_LEN).collect();
        match tokio::time::timeout(ctx.limits.body_timeout, collect).await {
            Ok(Ok(b)) => {
                let body = b.to_bytes();
                let header = |n: &str| {
                    parts
                        .headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let a = route(
                    ctx,
                    &parts.method,
                    parts.uri.path(),
                    parts.uri.query(),
                    &header,
                    &body,
                );
                // Nothing is answered before the state it reports is durable.
                match ctx.store.sync().await {
                    Ok(()) => a,
                    Err(e) => system_error(e).answer(),
                }
            }
            Ok(Err(_)) => {
                Answer::plain(413, "body larger than the protocol's input limit").closing()
            }
            Err(_) => Answer::plain(408, "the body did not arrive within --body-timeout").closing(),
        }
    };
    ctx.log(format!(
        "{} {} -> {} {}",
        parts.method,
        parts.uri.path(),
        answer.status,
        answer.detail
    ));
    let mut resp = Response::builder()
        .status(answer.status)
        .header(hyper::header::CONTENT_TYPE, answer.content_type);
    // The detail may hold Chinese: escaped to ASCII for the header.
    let detail: String = answer.detail.escape_default().take(400).collect();
    resp = resp.header("X-Sandbox-Detail", detail);
    for (n, v) in answer.headers {
        resp = resp.header(n, v);
    }
    resp.body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"internal error"))))
}

/// Dispatches one request.
pub fn route(
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: Option<&str>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Answer {
    match (method, path) {
        (&Method::POST, "/sdk/pay") => {
            let platform = query
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
        (&Method::POST, "/gateway/index.do") => match form_version(body) {
            Err(e) => Err(parse_refusal(&e)),
            Ok(Some("v1.5")) => order_query(ctx, body),
            Ok(Some("v2.3")) => refund(ctx, body, header),
            Ok(Some("v1.8")) => preauth(ctx, body, false),
            Ok(Some("v1.9")) => preauth(ctx, body, true),
            _ => Err(refuse_field(
                "version",
                "version must be v1.5, v2.3, v1.8 or v1.9",
            )),
        }
        .unwrap_or_else(Refusal::answer),
        (&Method::POST, "/mchtoq/index.do") => {
            batch_query(ctx, body).unwrap_or_else(Refusal::answer_base64)
        }
        (&Method::POST, "/mchtoq/refundQuery") => {
            refund_query(ctx, body).unwrap_or_else(Refusal::answer)
        }
        (&Method::GET, "/sandbox/notifications") => {
            let mut notes: Vec<Notification> =
                ctx.store.read(|st| st.notes.values().cloned().collect());
            notes.sort_by(|a, b| a.order_no.cmp(&b.order_no));
            Answer::ok(
                JSON,
                serde_json::to_string(&notes).unwrap_or_default(),
                "notifications",
            )
        }
        (&Method::GET, "/sandbox/stats") => Answer::ok(JSON, stats(ctx).to_string(), "stats"),
        (&Method::GET, "/sandbox/cert") => match &ctx.cert_pem {
            Some(pem) => Answer::ok("application/x-pem-file", pem.clone(), "certificate"),
            None => Answer::plain(404, "no certificate: the sandbox runs without --cert-mode"),
        },
        (&Method::GET, "/") => Answer::plain(
            200,
            "Allinpay sandbox gateway (allinpay-conformance). See docs/gateway.md.",
        ),
        (_, "/sdk/pay" | "/gateway/index.do" | "/mchtoq/index.do" | "/mchtoq/refundQuery") => {
            Answer::plain(405, "use POST").with_header("Allow", "POST")
        }
        (_, "/" | "/sandbox/notifications" | "/sandbox/stats" | "/sandbox/cert") => {
            Answer::plain(405, "use GET").with_header("Allow", "GET")
        }
        _ => Answer::plain(404, "no such endpoint; see docs/gateway.md"),
    }
}

fn stats(ctx: &Ctx) -> serde_json::Value {
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

/// `ZF20001` unless `body` is UTF-8.
fn utf8(body: &[u8]) -> Result<&str, Refusal> {
    std::str::from_utf8(body).map_err(|e| {
        parse_refusal(&ParseError::NotUtf8 {
            offset: e.valid_up_to(),
        })
    })
}

/// The `version` of a form body, which selects the interface behind `/gateway/index.do`;
/// a body that is not UTF-8 is refused before anything else.
fn form_version(body: &[u8]) -> Result<Option<&str>, ParseError> {
    let text = std::str::from_utf8(body).map_err(|e| ParseError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    Ok(text
        .trim_end()
        .split('&')
        .find_map(|p| p.strip_prefix("version=")))
}

/// Parses, checks the merchant and the MD5 signature (§5.3), and every constraint.
fn accept_request(ctx: &Ctx, kind: MessageKind, body: &[u8]) -> Result<Received, Refusal> {
    let received = any::parse(kind, body, Mode::Strict).map_err(|e| parse_refusal(&e))?;
    let mid = match &received.message {
        AnyMessage::PayRequest(m) => m.merchant_id.clone(),
        AnyMessage::OrderQuery(m) => m.merchant_id.clone(),
        AnyMessage::BatchQuery(m) => m.merchant_id.clone(),
        AnyMessage::Refund(m) => m.merchant_id.clone(),
        AnyMessage::RefundQuery(m) => m.merchant_id.clone(),
        AnyMessage::PreauthCancel(m) => m.merchant_id.clone(),
        AnyMessage::PreauthConfirm(m) => m.merchant_id.clone(),
        _ => None,
    }
    .unwrap_or_default();
    if mid.is_empty() || !mid.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse("EM0001_000007", "merchantId empty or not digits"));
    }
    if mid != ctx.merchant_id {
        return Err(refuse("ZF30005", format!("unknown merchant {mid}")));
    }
    verify_md5(ctx, &received, Charset::Utf8)?;
    if let Some(v) = check::check(&received, &Clock::system(), Mode::Strict).first() {
        return Err(refuse_field(&v.field, v.to_string()));
    }
    Ok(received)
}

fn verify_md5(ctx: &Ctx, received: &Received, charset: Charset) -> Result<(), Refusal> {
    let creds = Credentials {
        key: Some(&ctx.keys.key),
        cert: None,
        expected_sign_type: None,
    };
    received
        .verify(creds, charset)
        .map_err(|e| refuse("ZF10020", format!("signMsg: {e}")))
}

fn need_cert(ctx: &Ctx, sign_type: &str) -> Result<(), Refusal> {
    if sign_type == "1" && ctx.keys.signer.is_none() {
        return Err(refuse(
            "ZF10004",
            "signType 1 needs the sandbox started with --cert-mode",
        ));
    }
    Ok(())
}

fn amount(v: Option<&str>) -> u64 {
    v.and_then(|v| v.parse().ok()).unwrap_or(0)
}

fn sign_err(e: impl std::fmt::Display) -> Refusal {
    refuse("ZF10004", e.to_string())
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
    let paid = outcome == Outcome::Approve;
    let (poid, pay_datetime) = ctx
        .store
        .write(|st, ch| {
            if let Some(o) = st.orders.get(&order_no) {
                if o.status == OrderStatus::Paid {
                    return Err(refuse("ZF30002", "order already paid"));
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
                status: if paid {
                    OrderStatus::Paid
                } else {
                    OrderStatus::Declined
                },
                refunded: 0,
                preauth: (paid && international).then(|| Preauth {
                    id: format!("PA{poid}"),
                    state: PreauthState::Authorized,
                    trans_datetime: None,
                    confirmed_amount: None,
                }),
            };
            st.orders.insert(order_no.clone(), order);
            ch.order(&order_no);
            if paid {
                st.notes.insert(
                    order_no.clone(),
                    Notification {
                        order_no: order_no.clone(),
                        status: NoteStatus::Pending,
                        attempts: 0,
                        next_due_ms: unix_ms(),
                        last_return_secs: 0,
                        fault,
                        fault_done: false,
                        posts: Vec::new(),
                    },
                );
                ch.note(&order_no);
            }
            Ok((poid, now14.clone()))
        })
        .map_err(system_error)??;
    if paid {
        ctx.notifier.schedule(&order_no, unix_ms());
        Ok(sync_result(
            android,
            "0",
            order_amount,
            &pay_datetime,
            &poid,
            format!("paid {order_no} as {poid}"),
        ))
    } else {
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

/// §3.1 → §3.2: a paid order, in the §2.2.3 form with a fresh returnDatetime.
fn order_query(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
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
    crate::signing::sign_in_place(&ctx.keys, &mut m, &sign_type).map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        form::render(&m),
        format!("order {order_no}"),
    ))
}

/// §3.5 → §3.6: partial refunds; their sum never exceeds the order amount; a repeated
/// mchtRefundOrderNo gets the first answer again.
fn refund(
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
    let (order, refund) = ctx
        .store
        .write(|st, ch| {
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
        })
        .map_err(system_error)??;
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
    crate::signing::sign_in_place(&ctx.keys, &mut m, &sign_type).map_err(sign_err)?;
    Ok(Answer::ok(
        TEXT,
        form::render(&m),
        format!(
            "refund {} of {order_no}: refundResult {}, {}",
            refund.amount, refund.refund_result, plan.name
        ),
    ))
}

/// §3.7 → §3.8, with the §3.8 error codes 001-011.
fn refund_query(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
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
    verify_md5(ctx, &received, Charset::Utf8).map_err(|r| refuse("010", r.detail))?;
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

/// §3.3 → §3.4: paid orders whose orderDatetime falls in the hours asked, 500 a page,
/// base64; signed with the certificate (signType fixed 1).
fn batch_query(ctx: &Ctx, body: &[u8]) -> Result<Answer, Refusal> {
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
            pay_amount: Some(crate::notifier::pay_amount_rmb(o).to_string()),
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

/// §4.1 → §4.2 (cancel) and §4.3 → §4.4 (confirm) of an international-card pre-auth.
fn preauth(ctx: &Ctx, body: &[u8], confirm: bool) -> Result<Answer, Refusal> {
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
    let (order, ret_code, ret_msg) = ctx
        .store
        .write(|st, ch| {
            let order = st
                .orders
                .get_mut(&order_no)
                .filter(|o| {
                    o.status == OrderStatus::Paid && Some(&o.order_datetime) == odt.as_ref()
                })
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
        })
        .map_err(system_error)??;
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

fn fill<M: Message>(m: &mut M, fields: &[(&str, String)]) {
    for (name, value) in fields {
        if let Some(slot) = m.slot(name) {
            *slot = Some(value.clone());
        }
    }
}
