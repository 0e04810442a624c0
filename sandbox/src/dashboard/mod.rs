//! The dashboard at `/` (docs/gateway.md, "Dashboard"): the requests with their verdict
//! and reason, the orders and refunds, every notification attempt, and actions. Pages are
//! rendered here, everything shown is escaped (it comes from merchants' requests), an
//! action needs the per-instance token and a same-origin request, and pages are served
//! only under the sandbox's own loopback host name (no DNS rebinding reads the token).

mod actions;
mod page;

use std::hash::{BuildHasher, Hasher};

use hyper::Method;

use crate::answer::{Answer, TEXT};
use crate::Ctx;

const HTML: &str = "text/html;charset=UTF-8";
const JS: &str = "text/javascript;charset=UTF-8";

/// Refreshes `#live` every 2 s with the same filters (the only script; no CDN).
const APP_JS: &str = r#"(function () {
  var live = document.getElementById("live");
  if (!live) return;
  setInterval(function () {
    fetch("/sandbox/dashboard/live" + window.location.search, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (t) { if (t !== null) live.innerHTML = t; })
      .catch(function () {});
  }, 2000);
})();
"#;

/// A fresh token: 128 bits from the standard library's per-process random hash keys.
pub(crate) fn new_token() -> String {
    let mut out = String::new();
    for i in 0..2u64 {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(i);
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_nanos()),
        );
        h.write_u32(std::process::id());
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// The dashboard's paths; `None` for any other.
pub(crate) async fn handle(
    ctx: &Ctx,
    method: &Method,
    path: &str,
    query: Option<&str>,
    header: &(dyn Fn(&str) -> Option<String> + Sync),
    body: &[u8],
) -> Option<Answer> {
    let get = method == Method::GET;
    let post = method == Method::POST;
    let answer = match path {
        "/" if get => page::full(ctx, &Params::parse(query.unwrap_or_default())),
        "/sandbox/dashboard/live" if get => {
            page::live(ctx, &Params::parse(query.unwrap_or_default()))
        }
        "/sandbox/dashboard/app.js" if get => Answer::ok(JS, APP_JS.to_owned(), "dashboard"),
        "/sandbox/dashboard/raw" if get => page::raw(ctx, query.unwrap_or_default()),
        "/sandbox/dashboard/settle"
        | "/sandbox/dashboard/resend"
        | "/sandbox/dashboard/refund-state"
        | "/sandbox/dashboard/probe"
            if post =>
        {
            if let Some(refused) = same_origin(ctx, header) {
                return Some(secured(refused));
            }
            let form = Params::parse(&String::from_utf8_lossy(body));
            if !token_ok(&ctx.token, form.get("token")) {
                return Some(secured(
                    Answer::plain(403, "the dashboard token is missing or wrong").closing(),
                ));
            }
            actions::run(ctx, path, &form).await
        }
        "/sandbox/dashboard/live" | "/sandbox/dashboard/app.js" | "/sandbox/dashboard/raw" => {
            Answer::plain(405, "use GET").with_header("Allow", "GET")
        }
        "/sandbox/dashboard/settle"
        | "/sandbox/dashboard/resend"
        | "/sandbox/dashboard/refund-state"
        | "/sandbox/dashboard/probe" => Answer::plain(405, "use POST").with_header("Allow", "POST"),
        _ => return None,
    };
    if !host_ok(header) {
        return Some(secured(Answer::plain(
            403,
            "the dashboard answers only under its own address (127.0.0.1 or localhost)",
        )));
    }
    Some(secured(answer))
}

/// The headers every dashboard answer carries: its own script only, no framing, no
/// sniffing.
fn secured(a: Answer) -> Answer {
    a.with_header(
        "Content-Security-Policy",
        "default-src 'none'; script-src 'self'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .with_header("X-Content-Type-Options", "nosniff")
    .with_header("X-Frame-Options", "DENY")
    .with_header("Referrer-Policy", "same-origin")
    .with_header("Cache-Control", "no-store")
}

/// `Host` names the loopback (`127.0.0.1`, `localhost`, `[::1]`), never another name
/// that resolves to it (DNS rebinding would let another site read the token).
fn host_ok(header: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some(host) = header("host") else {
        return false;
    };
    let name = match host.rsplit_once(':') {
        Some((n, port)) if port.bytes().all(|b| b.is_ascii_digit()) => n,
        _ => host.as_str(),
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// A cross-site POST (another page's form or script) is refused, whatever it carries.
fn same_origin(ctx: &Ctx, header: &dyn Fn(&str) -> Option<String>) -> Option<Answer> {
    if header("sec-fetch-site").is_some_and(|s| s == "cross-site" || s == "same-site") {
        return Some(Answer::plain(403, "cross-site request refused").closing());
    }
    let own = &ctx.origin;
    let port = own.rsplit(':').next().unwrap_or_default();
    match header("origin") {
        Some(o) if o != *own && o != format!("http://localhost:{port}") => {
            Some(Answer::plain(403, "cross-origin request refused").closing())
        }
        _ => None,
    }
}

/// Compares in constant time (the token guards actions).
fn token_ok(want: &str, got: Option<&str>) -> bool {
    let Some(got) = got else { return false };
    if got.len() != want.len() {
        return false;
    }
    got.bytes()
        .zip(want.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Decoded `name=value` pairs of a query string or form body.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(s: &str) -> Self {
        Params(
            s.split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (n, v) = p.split_once('=').unwrap_or((p, ""));
                    (decode(n), decode(v))
                })
                .collect(),
        )
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A non-empty value, trimmed.
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }
}

/// A form value decoded (`+` a space, `%XX` a byte).
pub(crate) fn decode_value(s: &str) -> String {
    decode(s)
}

/// `+` a space and `%XX` a byte; invalid UTF-8 replaced.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Text for HTML (element content and quoted attributes).
pub(crate) fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

fn html(body: String) -> Answer {
    Answer::ok(HTML, body, "dashboard")
}

fn text(body: String) -> Answer {
    Answer::ok(TEXT, body, "dashboard")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            esc(r#"<script>alert("x'")</script>&"#),
            "&lt;script&gt;alert(&quot;x&#39;&quot;)&lt;/script&gt;&amp;"
        );
    }

    #[test]
    fn decodes_forms() {
        let p = Params::parse("a=1+2&b=%3Cs%3E&c=%zz&d=%E4%B8%AD&e");
        assert_eq!(p.get("a"), Some("1 2"));
        assert_eq!(p.get("b"), Some("<s>"));
        assert_eq!(p.get("c"), Some("%zz"));
        assert_eq!(p.get("d"), Some("中"));
        assert_eq!(p.get("e"), Some(""));
        assert_eq!(Params::parse("x=%4").get("x"), Some("%4"));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(token_ok("abc", Some("abc")));
        assert!(!token_ok("abc", Some("abd")));
        assert!(!token_ok("abc", Some("ab")));
        assert!(!token_ok("abc", None));
        assert_ne!(new_token(), new_token());
        assert_eq!(new_token().len(), 32);
    }
}
