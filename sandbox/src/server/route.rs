//! The paths the spec gives its server interfaces (§3, §4), the payment endpoint standing
//! in for the SDK control (§2.1) and the sandbox's own inspection endpoints, each to its
//! handler; a wrong method is 405 with `Allow`, an unknown path 404.

use hyper::Method;

use crate::endpoints::refusal::{parse_refusal, refuse_field, Refusal};
use crate::endpoints::{batch, form_version, inspect, pay, preauth, query, refund, refund_query};
use crate::Ctx;

use super::Answer;

/// Dispatches one request.
pub(crate) fn route(
    ctx: &Ctx,
    method: &Method,
    path: &str,
    uri_query: Option<&str>,
    header: &dyn Fn(&str) -> Option<String>,
    body: &[u8],
) -> Answer {
    match (method, path) {
        (&Method::POST, "/sdk/pay") => pay::handle(ctx, uri_query, header, body),
        (&Method::POST, "/gateway/index.do") => match form_version(body) {
            Err(e) => Err(parse_refusal(&e)),
            Ok(Some("v1.5")) => query::handle(ctx, body),
            Ok(Some("v2.3")) => refund::handle(ctx, body, header),
            Ok(Some("v1.8")) => preauth::handle(ctx, body, false),
            Ok(Some("v1.9")) => preauth::handle(ctx, body, true),
            _ => Err(refuse_field(
                "version",
                "version must be v1.5, v2.3, v1.8 or v1.9",
            )),
        }
        .unwrap_or_else(Refusal::answer),
        (&Method::POST, "/mchtoq/index.do") => {
            batch::handle(ctx, body).unwrap_or_else(Refusal::answer_base64)
        }
        (&Method::POST, "/mchtoq/refundQuery") => {
            refund_query::handle(ctx, body).unwrap_or_else(Refusal::answer)
        }
        (&Method::GET, "/sandbox/notifications") => inspect::notifications(ctx),
        (&Method::GET, "/sandbox/stats") => inspect::stats(ctx),
        (&Method::GET, "/sandbox/cert") => inspect::cert(ctx),
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
