//! Which message each side of an exchange carries: by endpoint first (the paths of §3.1,
//! §3.3, §3.5, §3.7, §4.1 and §4.3, `version` choosing behind `/gateway/index.do`), then
//! by content (a §2.2.3 notification POSTed to the merchant, §2.1 payData and the §2.2.2
//! results as JSON, `ERRORCODE=` answers). An exchange that carries none is
//! [`Recognition::Unrecognised`], with the reason, never dropped.

use base64::Engine as _;
use serde::Serialize;

use allinpay_protocol::MessageKind;

use super::capture::{Body, Entry, Side};
use super::error::EntryError;

/// The interface an exchange belongs to, for the summary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Endpoint {
    /// `/gateway/index.do`: §3.1, §3.5, §4.1, §4.3 and their answers.
    Gateway,
    /// `/mchtoq/index.do`: §3.3 and its base64 answer §3.4.
    BatchQuery,
    /// `/mchtoq/refundQuery`: §3.7 and §3.8.
    RefundQuery,
    /// The merchant's `receiveUrl`: §2.2.3 notifications.
    Notify,
    /// §2.1 payData, wherever it travels (the sandbox's `/sdk/pay` included).
    PayData,
    /// §2.2.2 synchronous results.
    SyncResult,
    /// A message found by its content on some other path.
    Other,
}

impl Endpoint {
    /// Every endpoint, in the order the summary lists them.
    pub const ALL: [Endpoint; 7] = [
        Endpoint::Gateway,
        Endpoint::BatchQuery,
        Endpoint::RefundQuery,
        Endpoint::Notify,
        Endpoint::PayData,
        Endpoint::SyncResult,
        Endpoint::Other,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Endpoint::Gateway => "/gateway/index.do",
            Endpoint::BatchQuery => "/mchtoq/index.do",
            Endpoint::RefundQuery => "/mchtoq/refundQuery",
            Endpoint::Notify => "receiveUrl (§2.2.3)",
            Endpoint::PayData => "payData (§2.1)",
            Endpoint::SyncResult => "SDK result (§2.2.2)",
            Endpoint::Other => "other paths",
        }
    }

    /// The endpoint a message of `kind` travels to or from.
    pub fn of_kind(kind: MessageKind) -> Self {
        use MessageKind as K;
        match kind {
            K::PayRequest => Endpoint::PayData,
            K::PayNotify => Endpoint::Notify,
            K::SyncResultIos | K::SyncResultAndroid => Endpoint::SyncResult,
            K::BatchQuery | K::BatchQueryResponse => Endpoint::BatchQuery,
            K::RefundQuery | K::RefundQueryResponse => Endpoint::RefundQuery,
            K::ErrorResponse => Endpoint::Other,
            _ => Endpoint::Gateway,
        }
    }
}

/// One message found in an exchange.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    pub side: Side,
    pub kind: MessageKind,
    /// The wire to judge (a base64 §3.4 error answer decoded).
    pub wire: Vec<u8>,
}

/// What an exchange carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recognised {
    pub endpoint: Option<Endpoint>,
    pub messages: Vec<Found>,
    /// Findings about the exchange itself (an unknown `version`, a missing body).
    pub errors: Vec<String>,
    pub notes: Vec<String>,
}

/// The outcome for one entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Recognition {
    Messages(Recognised),
    /// Nothing of the protocol: the reason.
    Unrecognised(String),
    /// An Allinpay exchange whose body cannot be read.
    Unreadable(EntryError),
}

/// The `version` values behind `/gateway/index.do` (§3.1, §3.5, §4.1, §4.3).
const GATEWAY_VERSIONS: [(&str, MessageKind); 4] = [
    ("v1.5", MessageKind::OrderQuery),
    ("v2.3", MessageKind::Refund),
    ("v1.8", MessageKind::PreauthCancel),
    ("v1.9", MessageKind::PreauthConfirm),
];

fn endpoint_of_path(path: &str) -> Option<Endpoint> {
    let path = path.trim_end_matches('/');
    if path.ends_with("/gateway/index.do") {
        Some(Endpoint::Gateway)
    } else if path.ends_with("/mchtoq/index.do") {
        Some(Endpoint::BatchQuery)
    } else if path.ends_with("/mchtoq/refundQuery") {
        Some(Endpoint::RefundQuery)
    } else if path.ends_with("/sdk/pay") {
        // The sandbox's stand-in for the SDK control (docs/gateway.md).
        Some(Endpoint::PayData)
    } else {
        None
    }
}

/// The answer a request is answered with (§3.2, §3.4, §3.6, §3.8, §4.2, §4.4).
pub fn answer_of(kind: MessageKind) -> Option<MessageKind> {
    use MessageKind as K;
    Some(match kind {
        K::OrderQuery => K::OrderQueryResponse,
        K::BatchQuery => K::BatchQueryResponse,
        K::Refund => K::RefundResponse,
        K::RefundQuery => K::RefundQueryResponse,
        K::PreauthCancel => K::PreauthCancelResponse,
        K::PreauthConfirm => K::PreauthConfirmResponse,
        K::PayRequest => K::SyncResultIos,
        _ => return None,
    })
}

/// The side a message of `kind` travels on in an HTTP exchange.
pub fn side_of(kind: MessageKind) -> Side {
    use MessageKind as K;
    match kind {
        K::PayRequest
        | K::PayNotify
        | K::OrderQuery
        | K::BatchQuery
        | K::Refund
        | K::RefundQuery
        | K::PreauthCancel
        | K::PreauthConfirm => Side::Request,
        _ => Side::Response,
    }
}

/// The value of `name` in a URL-encoded form body (first occurrence).
pub(crate) fn form_value(body: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

fn form_has(body: &[u8], names: &[&str]) -> bool {
    let mut seen = vec![false; names.len()];
    for (n, _) in form_urlencoded::parse(body) {
        if let Some(i) = names.iter().position(|x| *x == n) {
            seen[i] = true;
        }
    }
    seen.iter().all(|s| *s)
}

fn looks_like_form(body: &[u8]) -> bool {
    let first = body.split(|b| *b == b'&').next().unwrap_or_default();
    first.contains(&b'=') && first.first().is_some_and(u8::is_ascii_alphabetic)
}

fn json_object(body: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice(body) {
        Ok(serde_json::Value::Object(o)) => Some(o),
        _ => None,
    }
}

/// A base64 body (§3.4: "响应报文都是 Base64 编码后的内容"), decoded.
pub(crate) fn base64_text(body: &[u8]) -> Option<Vec<u8>> {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty()
        || !trimmed
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'\r' | b'\n'))
    {
        return None;
    }
    let compact: Vec<u8> = trimmed
        .iter()
        .copied()
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()
}

fn is_error_text(body: &[u8]) -> bool {
    body.trim_ascii_start().starts_with(b"ERRORCODE=")
}

/// The message a body holds, by content alone, and its wire (a base64 error answer
/// decoded). A §2.2.3 form is a notification here: its §3.2 twin is told apart by the
/// endpoint only.
pub fn by_content(body: &[u8]) -> Option<(MessageKind, Vec<u8>)> {
    use MessageKind as K;
    let text = body.trim_ascii();
    if is_error_text(text) {
        return Some((K::ErrorResponse, body.to_vec()));
    }
    if text.starts_with(b"{") {
        let o = json_object(text)?;
        let kind = if o.contains_key("allinpay_pay_res") {
            K::SyncResultAndroid
        } else if o.contains_key("payResult") && o.contains_key("payOrderId") {
            K::SyncResultIos
        } else if o.contains_key("merchantId")
            && o.contains_key("orderNo")
            && (o.contains_key("receiveUrl") || o.contains_key("inputCharset"))
        {
            K::PayRequest
        } else {
            return None;
        };
        return Some((kind, body.to_vec()));
    }
    // Base64 first: a form body is never valid base64 (its `=` are not at the end).
    if let Some(decoded) = base64_text(text) {
        if is_error_text(&decoded) {
            return Some((K::ErrorResponse, decoded));
        }
        let summary = decoded.split(|b| *b == b'\n').next().unwrap_or_default();
        if summary.iter().filter(|b| **b == b'|').count() == 3 {
            return Some((K::BatchQueryResponse, body.to_vec()));
        }
    }
    if looks_like_form(text) {
        let kind = match form_value(text, "version").as_deref() {
            Some("v1.5") => K::OrderQuery,
            Some("v1.6") => K::BatchQuery,
            Some("v2.3") if form_has(text, &["refundResult"]) => K::RefundResponse,
            Some("v2.3") => K::Refund,
            Some("v2.4") => K::RefundQuery,
            Some("v1.8") => K::PreauthCancel,
            Some("v1.9") => K::PreauthConfirm,
            _ if form_has(text, &["paymentOrderId", "payResult", "merchantId"]) => K::PayNotify,
            _ => return None,
        };
        return Some((kind, body.to_vec()));
    }
    let first_line = text.split(|b| *b == b'\n').next().unwrap_or_default();
    if first_line.contains(&b'|') {
        let cols: Vec<&[u8]> = first_line.split(|b| *b == b'|').collect();
        let col = |i: usize| cols.get(i).map(|c| c.trim_ascii());
        let kind = if col(0) == Some(b"v2.4") {
            K::RefundQueryResponse
        } else if col(2) == Some(b"v1.8") {
            K::PreauthCancelResponse
        } else if col(2) == Some(b"v1.9") {
            K::PreauthConfirmResponse
        } else {
            return None;
        };
        return Some((kind, body.to_vec()));
    }
    None
}

/// The bytes of a body that must be judged, or why they cannot be.
fn readable<'b>(body: &'b Body, field: &str) -> Result<Option<&'b [u8]>, EntryError> {
    match body {
        Body::Absent => Ok(None),
        Body::Bytes(b) if b.iter().all(u8::is_ascii_whitespace) => Ok(None),
        Body::Bytes(b) => Ok(Some(b)),
        Body::TooLarge { len } => Err(EntryError::BodyTooLarge {
            field: field.to_owned(),
            len: *len,
            limit: allinpay_protocol::MAX_INPUT_LEN,
        }),
        Body::Unreadable(e) => Err(e.clone()),
    }
}

/// Recognises one entry.
pub fn recognise(entry: &Entry) -> Recognition {
    if entry.request_kind.is_some() || entry.response_kind.is_some() {
        return named(entry);
    }
    let method = entry.method.as_deref().unwrap_or("POST");
    match entry.path().and_then(endpoint_of_path) {
        // The interfaces are POSTed (§3, §4); a preflight or a page load is not one.
        Some(endpoint) if !method.eq_ignore_ascii_case("POST") => Recognition::Unrecognised(
            format!("{method} to {}: the interfaces take POST", endpoint.name()),
        ),
        Some(endpoint) => at_endpoint(entry, endpoint),
        None => by_bodies(entry),
    }
}

/// An entry whose kinds the input names (the line format, message file names).
fn named(entry: &Entry) -> Recognition {
    let mut r = Recognised::default();
    for (side, kind, body) in [
        (Side::Request, entry.request_kind, &entry.request),
        (Side::Response, entry.response_kind, &entry.response),
    ] {
        let Some(kind) = kind else { continue };
        match readable(body, side.name()) {
            Err(e) => return Recognition::Unreadable(e),
            Ok(None) => r.errors.push(format!("the {} body is empty", side.name())),
            Ok(Some(b)) => {
                let wire = match (kind, base64_text(b)) {
                    (MessageKind::ErrorResponse, Some(d)) if is_error_text(&d) => d,
                    _ => b.to_vec(),
                };
                r.endpoint.get_or_insert(Endpoint::of_kind(kind));
                r.messages.push(Found { side, kind, wire });
            }
        }
    }
    Recognition::Messages(r)
}

fn at_endpoint(entry: &Entry, endpoint: Endpoint) -> Recognition {
    use MessageKind as K;
    let request = match readable(&entry.request, "request.postData") {
        Ok(b) => b,
        Err(e) => return Recognition::Unreadable(e),
    };
    let response = match readable(&entry.response, "response.content") {
        Ok(b) => b,
        Err(e) => return Recognition::Unreadable(e),
    };
    let mut r = Recognised {
        endpoint: Some(endpoint),
        ..Recognised::default()
    };
    let request_kind = match (endpoint, request) {
        (_, None) => {
            r.notes
                .push("the request body is not in the capture".to_owned());
            None
        }
        (Endpoint::Gateway, Some(b)) => {
            let version = form_value(b, "version");
            let kind = GATEWAY_VERSIONS
                .iter()
                .find(|(v, _)| Some(*v) == version.as_deref())
                .map(|(_, k)| *k);
            if kind.is_none() {
                r.errors.push(format!(
                    "request: version {} is none of v1.5 (§3.1), v2.3 (§3.5), v1.8 (§4.1), v1.9 (§4.3)",
                    version.map_or("(absent)".to_owned(), |v| format!("{v:?}"))
                ));
            }
            kind
        }
        (Endpoint::BatchQuery, Some(_)) => Some(K::BatchQuery),
        (Endpoint::RefundQuery, Some(_)) => Some(K::RefundQuery),
        (_, Some(_)) => Some(K::PayRequest),
    };
    if let (Some(kind), Some(b)) = (request_kind, request) {
        r.messages.push(Found {
            side: Side::Request,
            kind,
            wire: b.to_vec(),
        });
    }
    let status = entry.status.unwrap_or(0);
    match response {
        None if status == 0 => r.notes.push("no answer in the capture".to_owned()),
        None => r.notes.push(format!("HTTP {status} with an empty body")),
        Some(_) if !(200..300).contains(&status) && status != 0 => r.notes.push(format!(
            "the answer is HTTP {status}, not a protocol answer (§3.4, §3.8: the gateway answers 200)"
        )),
        Some(b) => {
            let found = if is_error_text(b) {
                Some((K::ErrorResponse, b.to_vec()))
            } else if endpoint == Endpoint::BatchQuery {
                match base64_text(b) {
                    Some(d) if is_error_text(&d) => Some((K::ErrorResponse, d)),
                    _ => Some((K::BatchQueryResponse, b.to_vec())),
                }
            } else {
                match request_kind.and_then(answer_of) {
                    Some(K::SyncResultIos) => by_content(b).filter(|(k, _)| {
                        matches!(k, K::SyncResultIos | K::SyncResultAndroid)
                    }),
                    Some(k) => Some((k, b.to_vec())),
                    None => by_content(b).map(|(k, w)| match k {
                        K::PayNotify => (K::OrderQueryResponse, w),
                        _ => (k, w),
                    }),
                }
            };
            match found {
                Some((kind, wire)) => r.messages.push(Found {
                    side: Side::Response,
                    kind,
                    wire,
                }),
                None => r
                    .errors
                    .push("response: the answer is not a message of this endpoint".to_owned()),
            }
        }
    }
    if r.messages.is_empty() && r.errors.is_empty() {
        return Recognition::Unrecognised(format!(
            "{} with nothing to judge: {}",
            endpoint.name(),
            r.notes.join("; ")
        ));
    }
    Recognition::Messages(r)
}

/// An entry on a path of no gateway interface: a notification POSTed to the merchant,
/// payData or an SDK result as JSON, an `ERRORCODE=` answer.
fn by_bodies(entry: &Entry) -> Recognition {
    use MessageKind as K;
    let mut r = Recognised::default();
    let mut unreadable = Vec::new();
    for (side, body) in [
        (Side::Request, &entry.request),
        (Side::Response, &entry.response),
    ] {
        match body {
            Body::Bytes(b) => {
                if let Some((kind, wire)) = by_content(b) {
                    let kind = match (side, kind) {
                        // A gateway request or answer on a path of its own: judged as
                        // what its content is; a §2.2.3 form answered is §3.2.
                        (Side::Response, K::PayNotify) => K::OrderQueryResponse,
                        _ => kind,
                    };
                    r.endpoint.get_or_insert(match (side, kind) {
                        (Side::Request, K::PayNotify) => Endpoint::Notify,
                        (_, K::PayRequest) => Endpoint::PayData,
                        (_, K::SyncResultIos | K::SyncResultAndroid) => Endpoint::SyncResult,
                        _ => Endpoint::Other,
                    });
                    r.messages.push(Found { side, kind, wire });
                }
            }
            Body::TooLarge { len } => {
                unreadable.push(format!("{} body of {len} bytes", side.name()))
            }
            Body::Unreadable(e) => unreadable.push(e.to_string()),
            Body::Absent => {}
        }
    }
    if !r.messages.is_empty() {
        return Recognition::Messages(r);
    }
    let mut why = "not an Allinpay endpoint, and no body holds a message".to_owned();
    if !unreadable.is_empty() {
        why.push_str(&format!(" (unread: {})", unreadable.join("; ")));
    }
    Recognition::Unrecognised(why)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(url: &str, req: &str, resp: &str, status: u16) -> Entry {
        let body = |s: &str| {
            if s.is_empty() {
                Body::Absent
            } else {
                Body::Bytes(s.as_bytes().to_vec())
            }
        };
        Entry {
            method: Some("POST".into()),
            url: Some(url.into()),
            status: Some(status),
            request: body(req),
            response: body(resp),
            ..Entry::default()
        }
    }

    fn kinds(r: &Recognition) -> Vec<(Side, MessageKind)> {
        match r {
            Recognition::Messages(m) => m.messages.iter().map(|f| (f.side, f.kind)).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gateway_requests_by_version_and_their_answers() {
        use MessageKind as K;
        let gw = "https://ceshi.allinpay.com/gateway/index.do";
        for (version, req, resp) in [
            ("v1.5", K::OrderQuery, K::OrderQueryResponse),
            ("v2.3", K::Refund, K::RefundResponse),
            ("v1.8", K::PreauthCancel, K::PreauthCancelResponse),
            ("v1.9", K::PreauthConfirm, K::PreauthConfirmResponse),
        ] {
            let e = entry(gw, &format!("merchantId=1&version={version}"), "x=1", 200);
            assert_eq!(
                kinds(&recognise(&e)),
                vec![(Side::Request, req), (Side::Response, resp)]
            );
        }
        let e = entry(gw, "version=v1.5", "ERRORCODE=ZF10020&ERRORMSG=x", 200);
        assert_eq!(kinds(&recognise(&e))[1], (Side::Response, K::ErrorResponse));
        let Recognition::Messages(r) = recognise(&entry(gw, "version=v9.9", "", 0)) else {
            panic!()
        };
        assert!(r.messages.is_empty());
        assert!(
            r.errors[0].contains("\"v9.9\" is none of"),
            "{:?}",
            r.errors
        );
    }

    #[test]
    fn what_is_not_an_exchange_of_the_interface_is_listed() {
        let gw = "https://ceshi.allinpay.com/gateway/index.do";
        let mut preflight = entry(gw, "", "", 204);
        preflight.method = Some("OPTIONS".into());
        assert_eq!(
            recognise(&preflight),
            Recognition::Unrecognised(
                "OPTIONS to /gateway/index.do: the interfaces take POST".into()
            )
        );
        assert_eq!(
            recognise(&entry(gw, "", "", 0)),
            Recognition::Unrecognised(
                "/gateway/index.do with nothing to judge: the request body is not in the capture; no answer in the capture".into()
            )
        );
    }

    #[test]
    fn batch_answers_are_base64_errors_included() {
        use MessageKind as K;
        let url = "http://ceshi.allinpay.com/mchtoq/index.do";
        let err = base64::engine::general_purpose::STANDARD.encode("ERRORCODE=1&ERRORMSG=x");
        let r = recognise(&entry(url, "version=v1.6", &err, 200));
        let Recognition::Messages(m) = &r else {
            panic!()
        };
        assert_eq!(m.messages[1].kind, K::ErrorResponse);
        assert_eq!(m.messages[1].wire, b"ERRORCODE=1&ERRORMSG=x");
    }

    #[test]
    fn notifications_and_json_by_content() {
        use MessageKind as K;
        let e = entry(
            "https://shop.example/pay/notify",
            "merchantId=1&version=v1.0&paymentOrderId=2&payResult=1",
            "success",
            200,
        );
        assert_eq!(kinds(&recognise(&e)), vec![(Side::Request, K::PayNotify)]);
        let e = entry(
            "https://shop.example/api/order",
            "",
            r#"{"inputCharset":"1","merchantId":"1","orderNo":"a"}"#,
            200,
        );
        assert_eq!(kinds(&recognise(&e)), vec![(Side::Response, K::PayRequest)]);
        let e = entry("https://example.com/logo.png", "", "<svg/>", 200);
        assert!(matches!(recognise(&e), Recognition::Unrecognised(_)));
    }

    #[test]
    fn by_content_reads_texts() {
        use MessageKind as K;
        for (body, kind) in [
            (
                "v2.4|1|100|NO1|1|20140926164925|x|TKSUCC0002|20141010191509\r\nsig",
                K::RefundQueryResponse,
            ),
            (
                "0000|ok|v1.8|0|1|NO|20240101000000|100|840|P|20240101000000\r\nsig",
                K::PreauthCancelResponse,
            ),
            ("0000| ok| v1.9| 0|1", K::PreauthConfirmResponse),
            ("ERRORCODE=001& ERRORMSG=x", K::ErrorResponse),
            (r#"{"payResult":0,"payOrderId":"1"}"#, K::SyncResultIos),
        ] {
            assert_eq!(
                by_content(body.as_bytes()).map(|(k, _)| k),
                Some(kind),
                "{body}"
            );
        }
        let page = base64::engine::general_purpose::STANDARD
            .encode("100|1|1|N\r\n100|a|b|c|1|d|1|||1\r\n\r\nsig");
        assert_eq!(
            by_content(page.as_bytes()).map(|(k, _)| k),
            Some(K::BatchQueryResponse)
        );
        assert_eq!(by_content(b"hello"), None);
    }
}
