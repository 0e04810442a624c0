//! What the dashboard keeps of a request to a spec endpoint (its message, orderNo,
//! verdict and reason, its first bytes), and the diagnosis of a `signMsg` that did not
//! verify, run through the bounded [`Diagnoser`](crate::Diagnoser).

use hyper::Method;

use crate::diagnosis::Outcome;
use crate::journal::{RequestEntry, Verdict, RAW_KEPT};
use crate::time::unix_ms;
use crate::Ctx;

use super::Answer;

const SPEC_PATHS: [&str; 4] = [
    "/sdk/pay",
    "/gateway/index.do",
    "/mchtoq/index.do",
    "/mchtoq/refundQuery",
];

/// A request the request log keeps: any method on a spec endpoint.
pub(super) fn is_spec(_method: &Method, path: &str) -> bool {
    SPEC_PATHS.contains(&path)
}

/// The diagnosis of a refused `signMsg`, when the sandbox was given a diagnoser.
pub(super) async fn diagnose(ctx: &Ctx, a: &Answer, body: &[u8]) -> Option<Outcome> {
    let kind = a.diagnose?;
    let bounded = ctx.diagnosis.as_ref()?;
    Some(bounded.run(kind, body.to_vec(), ctx.keys.key.clone()).await)
}

/// The message a body is, by its endpoint and (behind `/gateway/index.do`) its version.
fn message(path: &str, body: &[u8]) -> String {
    match path {
        "/sdk/pay" => "payData".into(),
        "/mchtoq/index.do" => "batch query".into(),
        "/mchtoq/refundQuery" => "refund query".into(),
        _ => match crate::endpoints::form_version(body) {
            Ok(Some("v1.5")) => "order query (v1.5)".into(),
            Ok(Some("v2.3")) => "refund (v2.3)".into(),
            Ok(Some("v1.8")) => "pre-auth cancel (v1.8)".into(),
            Ok(Some("v1.9")) => "pre-auth confirm (v1.9)".into(),
            Ok(Some(v)) => format!("unknown version {v}"),
            _ => "form without a version".into(),
        },
    }
}

/// The `orderNo` and `productName` a body carries (JSON payData or a form), if any.
fn fields(body: &[u8]) -> (Option<String>, Option<String>) {
    let Ok(t) = std::str::from_utf8(body) else {
        return (None, None);
    };
    if t.trim_start().starts_with('{') {
        return (json_str(t, "orderNo"), json_str(t, "productName"));
    }
    let get = |n: &str| {
        t.trim_end()
            .split('&')
            .find_map(|p| p.strip_prefix(n)?.strip_prefix('='))
            .map(crate::dashboard::decode_value)
    };
    (get("orderNo"), get("productName"))
}

/// The string value of `"name"` in a JSON object, found without parsing the whole body
/// (this runs on every request; a duplicate key is refused by the endpoint anyway).
fn json_str(t: &str, name: &str) -> Option<String> {
    let key = format!("\"{name}\"");
    let at = t.find(&key)? + key.len();
    let rest = t[at..].trim_start().strip_prefix(':')?.trim_start();
    let b = rest.as_bytes();
    if b.first() != Some(&b'"') {
        return None;
    }
    let mut i = 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return serde_json::from_str(&rest[..=i]).ok(),
            _ => i += 1,
        }
    }
    None
}

pub(super) fn request(ctx: &Ctx, path: &str, a: &Answer, body: &[u8], diagnosis: Option<Outcome>) {
    let verdict = if a.refused.is_some() {
        Verdict::Refused
    } else if a.status == 200 {
        Verdict::Accepted
    } else {
        Verdict::Error
    };
    let mut detail = a.detail.clone();
    let explanation = match diagnosis {
        Some(Outcome::Explained(e)) => Some(e),
        Some(Outcome::Unexplained) => {
            detail.push_str(" (no known mistake reproduces this signMsg)");
            None
        }
        Some(Outcome::Busy) => {
            detail.push_str(" (not diagnosed: the diagnosis was busy or out of time)");
            None
        }
        None => None,
    };
    let (order_no, product_name) = fields(body);
    ctx.journal.push(RequestEntry {
        seq: 0,
        at_ms: unix_ms(),
        path: path.to_owned(),
        message: match product_name {
            Some(p) => format!("{} · productName {p}", message(path, body)),
            None => message(path, body),
        },
        order_no,
        status: a.status,
        verdict,
        code: a.refused.map(str::to_owned),
        detail,
        explanation,
        raw: body[..body.len().min(RAW_KEPT)].to_vec(),
        raw_len: body.len(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_in_json_and_forms() {
        let j = br#"{"a":"x","orderNo" : "N\"1\u4e2d","productName":"<b>"}"#;
        assert_eq!(
            fields(j),
            (Some("N\"1中".to_owned()), Some("<b>".to_owned()))
        );
        assert_eq!(fields(br#"{"orderNo":1}"#), (None, None));
        assert_eq!(fields(br#"{"orderNo":"open"#), (None, None));
        assert_eq!(
            fields(b"version=v1.5&orderNo=%3Cs%3E&xorderNo=no"),
            (Some("<s>".to_owned()), None)
        );
        assert_eq!(fields(b"\xff"), (None, None));
    }
}
