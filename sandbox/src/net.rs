//! Loopback-only HTTP: URL checks, a blocking client (probe, tests) and an async client
//! (the notifier). The sandbox never sends a byte to an address outside 127.0.0.0/8 or ::1.

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpStream};
use std::time::Duration;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;

pub use crate::error::{NetError, UrlError};

/// Largest answer body the blocking client reads (the sandbox's own JSON listings of
/// 10,000 notifications are ~10 MiB).
pub const MAX_REPLY: usize = 32 * 1024 * 1024;

/// Largest answer body read from a merchant's notification handler.
pub const MAX_MERCHANT_REPLY: usize = 64 * 1024;

/// The content type of a §2.2.3 notification (a form POST), as the notifier, the probe and
/// `probe-merchant --fuzz` send it.
pub const FORM: &str = "application/x-www-form-urlencoded;charset=UTF-8";

/// An `http://` URL whose host is a loopback address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoopbackUrl {
    pub addr: SocketAddr,
    /// The `Host` header.
    pub host: String,
    /// Path and query, starting with `/`.
    pub path: String,
}

impl LoopbackUrl {
    /// Parses `http://HOST[:PORT][/PATH]`; HOST is `localhost`, an IPv4 loopback address or
    /// `[::1]`. No name is resolved.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| UrlError::NotHttp(url.to_owned()))?;
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) if rest.as_bytes()[i] == b'/' => (&rest[..i], rest[i..].to_owned()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_owned()),
        };
        if authority.contains('@') || authority.is_empty() || path.contains(char::is_whitespace) {
            return Err(UrlError::NotLoopback(url.to_owned()));
        }
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (h, tail) = v6
                .split_once(']')
                .ok_or_else(|| UrlError::NotLoopback(url.to_owned()))?;
            (h, tail.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (authority, None),
            }
        };
        let port = match port {
            None => 80,
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&p| p != 0)
                .ok_or_else(|| UrlError::BadPort(url.to_owned()))?,
        };
        let ip = if host.eq_ignore_ascii_case("localhost") {
            IpAddr::V4(Ipv4Addr::LOCALHOST)
        } else {
            host.parse::<IpAddr>()
                .map_err(|_| UrlError::NotLoopback(url.to_owned()))?
        };
        if !ip.is_loopback() {
            return Err(UrlError::NotLoopback(url.to_owned()));
        }
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            host: authority.to_owned(),
            path,
        })
    }
}

/// Refuses a listening address outside loopback.
pub fn check_listen(addr: SocketAddr) -> Result<(), UrlError> {
    if addr.ip().is_loopback() {
        Ok(())
    } else {
        Err(UrlError::NotLoopback(addr.to_string()))
    }
}

/// An HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// One blocking HTTP/1.1 exchange (`Connection: close`). `body: None` sends a GET.
pub fn request_blocking(
    url: &LoopbackUrl,
    body: Option<(&str, &[u8])>,
    headers: &[(&str, &str)],
    timeout: Duration,
) -> Result<Reply, NetError> {
    let addr = url.addr;
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| NetError::Connect(addr, e))?;
    let io = |e: std::io::Error| {
        if matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ) {
            NetError::Timeout(timeout)
        } else {
            NetError::Io(addr, e)
        }
    };
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let method = if body.is_some() { "POST" } else { "GET" };
    let mut head = format!(
        "{method} {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        url.path, url.host
    );
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some((content_type, b)) = body {
        head.push_str(&format!(
            "Content-Type: {content_type}\r\nContent-Length: {}\r\n",
            b.len()
        ));
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    if let Some((_, b)) = body {
        out.extend_from_slice(b);
    }
    stream.write_all(&out).map_err(io)?;
    let mut raw = Vec::new();
    stream
        .take(MAX_REPLY as u64 + 64 * 1024)
        .read_to_end(&mut raw)
        .map_err(io)?;
    parse_reply(&raw)
}

/// Parses a whole HTTP/1.1 answer (read to EOF): status, headers, and a body delimited by
/// Content-Length, chunked, or the end of the stream.
pub fn parse_reply(raw: &[u8]) -> Result<Reply, NetError> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or(NetError::Malformed("no end of headers"))?;
    let head =
        std::str::from_utf8(&raw[..end]).map_err(|_| NetError::Malformed("headers not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|s| s.get(2..5))
        .and_then(|s| s.parse::<u16>().ok())
        .ok_or(NetError::Malformed("bad status line"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let rest = &raw[end + 4..];
    let get = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let body = if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest)?
    } else if let Some(len) = get("content-length") {
        let len: usize = len
            .parse()
            .map_err(|_| NetError::Malformed("bad Content-Length"))?;
        rest.get(..len)
            .ok_or(NetError::Malformed("body shorter than Content-Length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    if body.len() > MAX_REPLY {
        return Err(NetError::Malformed("body too large"));
    }
    Ok(Reply {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, NetError> {
    let mut out = Vec::new();
    // Each round consumes at least the size line: bounded by the input length.
    for _ in 0..=rest.len() {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or(NetError::Malformed("bad chunk"))?;
        let size_text = std::str::from_utf8(&rest[..line_end])
            .map_err(|_| NetError::Malformed("bad chunk size"))?;
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| NetError::Malformed("bad chunk size"))?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = rest.get(..size).ok_or(NetError::Malformed("short chunk"))?;
        out.extend_from_slice(chunk);
        if out.len() > MAX_REPLY {
            return Err(NetError::Malformed("body too large"));
        }
        rest = rest.get(size + 2..).unwrap_or_default();
    }
    Err(NetError::Malformed("bad chunk"))
}

/// One async HTTP/1.1 POST on a new connection, bounded by `timeout` as a whole.
pub async fn post_async(
    url: &LoopbackUrl,
    content_type: &'static str,
    body: String,
    timeout: Duration,
) -> Result<Reply, NetError> {
    let addr = url.addr;
    let exchange = async {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| NetError::Connect(addr, e))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
        let driver = tokio::spawn(conn);
        let req = hyper::Request::post(url.path.as_str())
            .header(hyper::header::HOST, url.host.as_str())
            .header(hyper::header::CONTENT_TYPE, content_type)
            .body(Full::new(Bytes::from(body)))?;
        let resp = sender.send_request(req).await?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = Limited::new(resp.into_body(), MAX_MERCHANT_REPLY)
            .collect()
            .await
            .map_err(NetError::Body)?
            .to_bytes()
            .to_vec();
        drop(sender);
        driver.abort();
        Ok::<_, NetError>(Reply {
            status,
            headers,
            body,
        })
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .unwrap_or(Err(NetError::Timeout(timeout)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_urls() {
        let u = LoopbackUrl::parse("http://127.0.0.1:8080/notify?x=1").unwrap();
        assert_eq!(u.addr, "127.0.0.1:8080".parse().unwrap());
        assert_eq!(u.path, "/notify?x=1");
        assert_eq!(u.host, "127.0.0.1:8080");
        assert_eq!(
            LoopbackUrl::parse("http://localhost").unwrap().addr,
            "127.0.0.1:80".parse().unwrap()
        );
        assert_eq!(
            LoopbackUrl::parse("http://[::1]:9/").unwrap().addr,
            "[::1]:9".parse().unwrap()
        );
        assert!(LoopbackUrl::parse("http://127.8.9.10:1/").is_ok());
        for bad in [
            "http://www",
            "http://10.0.0.1/",
            "http://192.168.1.1:80/x",
            "http://example.com/",
            "https://127.0.0.1/",
            "http://127.0.0.1@evil.example/",
            "http://127.0.0.1:0/",
            "http://127.0.0.1:99999/",
            "ftp://127.0.0.1/",
            "http://[::2]/",
            "",
        ] {
            assert!(LoopbackUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn replies_by_length_chunks_and_eof() {
        let r = parse_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (200, &b"abc"[..]));
        let r = parse_reply(
            b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!((r.status, r.body.as_slice()), (500, &b"abc"[..]));
        let r = parse_reply(b"HTTP/1.0 404 Not Found\r\n\r\nzz").unwrap();
        assert_eq!((r.status, r.body.as_slice()), (404, &b"zz"[..]));
        assert!(parse_reply(b"garbage").is_err());
        assert!(parse_reply(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab").is_err());
    }
}
