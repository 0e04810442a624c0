//! The HTTP/1.1 server on loopback: accepting within the connection limit, reading a
//! request within its time and size bounds (docs/gateway.md, "Limits"), routing it, and
//! answering only once the state it reports is durable.

mod record;
mod route;

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioTimer;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use allinpay_protocol::MAX_INPUT_LEN;

use crate::dashboard;
use crate::endpoints::refusal::system_error;
use crate::Ctx;

use crate::answer::Answer;

/// Serves HTTP/1.1 on `listener` until `stop`: at most `limits.max_connections` open at
/// once (one more is answered 503 and closed), each request's head within
/// `limits.header_timeout` (idle keep-alive connections included) and its body within
/// `limits.body_timeout` (else 408 and closed).
pub(crate) async fn serve(ctx: Arc<Ctx>, listener: TcpListener, mut stop: watch::Receiver<bool>) {
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
    let mut received = Bytes::new();
    let mut explained = None;
    let mut answer = if declared.is_some_and(|n| n > MAX_INPUT_LEN as u64) {
        // Refused from the header: not one byte of the body is read.
        Answer::plain(413, "body larger than the protocol's input limit").closing()
    } else {
        let collect = Limited::new(body, MAX_INPUT_LEN).collect();
        match tokio::time::timeout(ctx.limits.body_timeout, collect).await {
            Ok(Ok(b)) => {
                let body = b.to_bytes();
                received = body.clone();
                let header = |n: &str| {
                    parts
                        .headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let path = parts.uri.path();
                if let Some(a) =
                    dashboard::handle(ctx, &parts.method, path, parts.uri.query(), &header, &body)
                        .await
                {
                    a
                } else {
                    let a =
                        route::route(ctx, &parts.method, path, parts.uri.query(), &header, &body);
                    explained = record::diagnose(ctx, &a, &body).await;
                    // Nothing is answered before the state it reports is durable.
                    match ctx.store.sync().await {
                        Ok(()) => a,
                        Err(e) => system_error(&e).answer(),
                    }
                }
            }
            Ok(Err(_)) => {
                Answer::plain(413, "body larger than the protocol's input limit").closing()
            }
            Err(_) => Answer::plain(408, "the body did not arrive within --body-timeout").closing(),
        }
    };
    let path = parts.uri.path();
    let explanation = match &explained {
        Some(crate::diagnosis::Outcome::Explained(e)) => Some(e.clone()),
        _ => None,
    };
    let suffix = explanation
        .as_ref()
        .map(|e| format!("; {e}"))
        .unwrap_or_default();
    // The dashboard's own live fetches would drown the log.
    if !path.starts_with("/sandbox/dashboard/") {
        ctx.log(format!(
            "{} {} -> {} {}{suffix}",
            parts.method, path, answer.status, answer.detail
        ));
    }
    if record::is_spec(&parts.method, path) {
        record::request(ctx, path, &answer, &received, explained);
    }
    // The detail may hold Chinese: escaped to ASCII for the header.
    let mut detail: String = answer.detail.escape_default().take(400).collect();
    detail.extend(suffix.escape_default().take(2000));
    answer.detail = detail;
    let mut resp = Response::builder()
        .status(answer.status)
        .header(hyper::header::CONTENT_TYPE, answer.content_type);
    resp = resp.header("X-Sandbox-Detail", answer.detail);
    for (n, v) in answer.headers {
        resp = resp.header(n, v);
    }
    resp.body(Full::new(Bytes::from(answer.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::from_static(b"internal error"))))
}
