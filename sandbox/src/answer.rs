//! What the server sends back: a status, a content type, a body and the
//! `X-Sandbox-Detail` reason. Answers in the spec's forms are HTTP 200, errors included,
//! as the real gateway sends them (§3.4, §3.8).

/// An answer.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
    /// Why, for the `X-Sandbox-Detail` header and the log.
    pub detail: String,
    pub headers: Vec<(&'static str, String)>,
    /// The §6.1 code of a refusal in the spec's error form.
    pub refused: Option<&'static str>,
    /// A `signMsg` that did not verify: the message to diagnose (§5.1, §5.2).
    pub diagnose: Option<allinpay_protocol::MessageKind>,
}

pub(crate) const TEXT: &str = "text/plain;charset=UTF-8";
pub(crate) const JSON: &str = "application/json;charset=UTF-8";

impl Answer {
    pub(crate) fn ok(content_type: &'static str, body: String, detail: impl Into<String>) -> Self {
        Self {
            status: 200,
            content_type,
            body,
            detail: detail.into(),
            headers: Vec::new(),
            refused: None,
            diagnose: None,
        }
    }

    pub(crate) fn plain(status: u16, body: &str) -> Self {
        Self::ok(TEXT, body.to_owned(), body).with_status(status)
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// The connection is closed after this answer.
    pub(crate) fn closing(self) -> Self {
        self.with_header("Connection", "close")
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}
