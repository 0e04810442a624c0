//! Every message behind one enum, for tools that take the message name at run time (the
//! CLI, the vector runner, the fuzz harnesses).

use serde_json::{Map, Value};

use crate::charset::Charset;
use crate::codec::{self, Deviation, Mode};
use crate::error::{JsonProblem, ParseError, VerifyError};
use crate::key::MerchantKey;
use crate::msgs::*;
use crate::sign::{self, Credentials, Md5Hex, TextForm};
use crate::spec::{MessageKind, SignScheme};

/// A message of any kind.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum AnyMessage {
    /// Boxed: payData with its international-card fields is by far the largest.
    PayRequest(Box<PayRequest>),
    /// §2.2.3.
    PayNotify(PayNotify),
    /// §2.2.2 iOS.
    SyncResultIos(SyncResultIos),
    /// §2.2.2 Android.
    SyncResultAndroid(SyncResultAndroid),
    /// §3.1.
    OrderQuery(OrderQuery),
    /// §3.2.
    OrderQueryResponse(OrderQueryResponse),
    /// §3.3.
    BatchQuery(BatchQuery),
    /// §3.4.
    BatchQueryResponse(BatchQueryResponse),
    /// §3.5.
    Refund(Refund),
    /// §3.6.
    RefundResponse(RefundResponse),
    /// §3.7.
    RefundQuery(RefundQuery),
    /// §3.8.
    RefundQueryResponse(RefundQueryResponse),
    /// §4.1.
    PreauthCancel(PreauthCancel),
    /// §4.2.
    PreauthCancelResponse(PreauthResponse<PreauthCancelRecord>),
    /// §4.3.
    PreauthConfirm(PreauthConfirm),
    /// §4.4.
    PreauthConfirmResponse(PreauthResponse<PreauthConfirmRecord>),
    /// §3.4/§3.8 error answer.
    ErrorResponse(ErrorResponse),
}

/// Runs `$body` with `$m` bound to the inner value of every flat (one-table) message;
/// `$other` for the rest.
macro_rules! flat {
    ($any:expr, $m:ident => $body:expr, $rest:ident => $other:expr) => {
        match $any {
            AnyMessage::PayRequest(boxed) => {
                let $m = &**boxed;
                $body
            }
            AnyMessage::PayNotify($m) => $body,
            AnyMessage::SyncResultIos($m) => $body,
            AnyMessage::SyncResultAndroid($m) => $body,
            AnyMessage::OrderQuery($m) => $body,
            AnyMessage::OrderQueryResponse($m) => $body,
            AnyMessage::BatchQuery($m) => $body,
            AnyMessage::Refund($m) => $body,
            AnyMessage::RefundResponse($m) => $body,
            AnyMessage::RefundQuery($m) => $body,
            AnyMessage::PreauthCancel($m) => $body,
            AnyMessage::PreauthConfirm($m) => $body,
            AnyMessage::ErrorResponse($m) => $body,
            $rest => $other,
        }
    };
}

/// A message as received: parsed, with what the parser noticed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Received {
    /// The kind it was parsed as.
    pub kind: MessageKind,
    /// The message, its wire text kept.
    pub message: AnyMessage,
    /// Fields the table does not have (form bodies and JSON).
    pub unknown: Vec<(String, String)>,
    /// Quirks accepted in lenient mode.
    pub deviations: Vec<Deviation>,
    /// For texts: the exact bytes the signature covers.
    pub signed_text: Option<Vec<u8>>,
}

fn flat_received<M>(
    kind: MessageKind,
    p: codec::form::Parsed<M>,
    wrap: fn(M) -> AnyMessage,
) -> Received {
    Received {
        kind,
        message: wrap(p.message),
        unknown: p.unknown,
        deviations: Vec::new(),
        signed_text: None,
    }
}

fn text_received(
    kind: MessageKind,
    message: AnyMessage,
    deviations: Vec<Deviation>,
    signed_text: Vec<u8>,
) -> Received {
    Received {
        kind,
        message,
        unknown: Vec::new(),
        deviations,
        signed_text: Some(signed_text),
    }
}

/// A pre-auth answer, its deviations and its signed text.
type Single<R> = (PreauthResponse<R>, Vec<Deviation>, Vec<u8>);

fn single<R>(p: codec::pipe::Parsed<'_, R>, line: usize) -> Result<Single<R>, ParseError> {
    let mut records = p.records;
    if records.len() != 1 {
        return Err(ParseError::BadLine {
            line,
            rule: "a pre-auth result holds exactly one record line (§4.2/§4.4)",
        });
    }
    let record = records.remove(0);
    Ok((
        PreauthResponse {
            record,
            sign_msg: p.sign_msg,
        },
        p.deviations,
        p.signed_text.into_owned(),
    ))
}

/// Parses `input` as the wire form of `kind`.
pub fn parse(kind: MessageKind, input: &[u8], mode: Mode) -> Result<Received, ParseError> {
    use codec::{form, json};
    use MessageKind as K;
    Ok(match kind {
        K::PayRequest => flat_received(kind, json::parse(input)?, |m| {
            AnyMessage::PayRequest(Box::new(m))
        }),
        K::SyncResultIos => flat_received(kind, json::parse(input)?, AnyMessage::SyncResultIos),
        K::SyncResultAndroid => {
            flat_received(kind, json::parse(input)?, AnyMessage::SyncResultAndroid)
        }
        K::PayNotify => flat_received(kind, form::parse(input)?, AnyMessage::PayNotify),
        K::OrderQuery => flat_received(kind, form::parse(input)?, AnyMessage::OrderQuery),
        K::OrderQueryResponse => {
            flat_received(kind, form::parse(input)?, AnyMessage::OrderQueryResponse)
        }
        K::BatchQuery => flat_received(kind, form::parse(input)?, AnyMessage::BatchQuery),
        K::Refund => flat_received(kind, form::parse(input)?, AnyMessage::Refund),
        K::RefundResponse => flat_received(kind, form::parse(input)?, AnyMessage::RefundResponse),
        K::RefundQuery => flat_received(kind, form::parse(input)?, AnyMessage::RefundQuery),
        K::PreauthCancel => flat_received(kind, form::parse(input)?, AnyMessage::PreauthCancel),
        K::PreauthConfirm => flat_received(kind, form::parse(input)?, AnyMessage::PreauthConfirm),
        K::RefundQueryResponse => {
            let p = codec::pipe::parse::<RefundQueryRecord>(input, mode)?;
            let message = AnyMessage::RefundQueryResponse(RefundQueryResponse {
                records: p.records,
                sign_msg: p.sign_msg,
            });
            text_received(kind, message, p.deviations, p.signed_text.into_owned())
        }
        K::PreauthCancelResponse => {
            let (r, d, t) = single(codec::pipe::parse::<PreauthCancelRecord>(input, mode)?, 2)?;
            text_received(kind, AnyMessage::PreauthCancelResponse(r), d, t)
        }
        K::PreauthConfirmResponse => {
            let (r, d, t) = single(codec::pipe::parse::<PreauthConfirmRecord>(input, mode)?, 2)?;
            text_received(kind, AnyMessage::PreauthConfirmResponse(r), d, t)
        }
        K::BatchQueryResponse => {
            let p = codec::batch::parse(input, mode)?;
            let signed = p.signed_text().to_vec();
            text_received(
                kind,
                AnyMessage::BatchQueryResponse(p.response),
                p.deviations,
                signed,
            )
        }
        K::ErrorResponse => {
            let (e, deviations) = codec::error_text::parse(input, mode)?;
            Received {
                kind,
                message: AnyMessage::ErrorResponse(e),
                unknown: Vec::new(),
                deviations,
                signed_text: None,
            }
        }
    })
}

/// Renders a message back to its wire form.
pub fn render(msg: &AnyMessage) -> String {
    use codec::{form, json, pipe};
    match msg {
        AnyMessage::PayRequest(m) => json::render(&**m),
        AnyMessage::SyncResultIos(m) => json::render(m),
        AnyMessage::SyncResultAndroid(m) => json::render(m),
        AnyMessage::ErrorResponse(m) => codec::error_text::render(m),
        AnyMessage::RefundQueryResponse(r) => pipe::render(&r.records, &r.sign_msg),
        AnyMessage::PreauthCancelResponse(r) => {
            pipe::render(std::slice::from_ref(&r.record), &r.sign_msg)
        }
        AnyMessage::PreauthConfirmResponse(r) => {
            pipe::render(std::slice::from_ref(&r.record), &r.sign_msg)
        }
        AnyMessage::BatchQueryResponse(r) => codec::batch::render(r),
        other => flat!(other, m => form::render(m), _x => String::new()),
    }
}

impl Received {
    /// The `signType` the message declares.
    pub fn sign_type(&self) -> Option<&str> {
        match &self.message {
            AnyMessage::RefundQueryResponse(r) => r.records.first().and_then(|r| r.get("signType")),
            AnyMessage::PreauthCancelResponse(r) => r.record.get("signType"),
            AnyMessage::PreauthConfirmResponse(r) => r.record.get("signType"),
            // §3.3: the batch query is signed with the certificate only ("固定值：1").
            AnyMessage::BatchQueryResponse(_) => Some("1"),
            other => flat!(other, m => m.get("signType"), _x => None),
        }
    }

    /// The received signature.
    pub fn sign_msg(&self) -> &str {
        match &self.message {
            AnyMessage::RefundQueryResponse(r) => &r.sign_msg,
            AnyMessage::PreauthCancelResponse(r) => &r.sign_msg,
            AnyMessage::PreauthConfirmResponse(r) => &r.sign_msg,
            AnyMessage::BatchQueryResponse(r) => &r.sign_msg,
            other => flat!(other, m => m.sign_msg().unwrap_or_default(), _x => ""),
        }
    }

    /// The message as `parse` prints it: its fields under their spec names, plus
    /// `unknownFields` (name → value) when the body held names the table does not have.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(&self.message).unwrap_or(Value::Null);
        if let (Value::Object(o), false) = (&mut v, self.unknown.is_empty()) {
            let unknown: Map<String, Value> = self
                .unknown
                .iter()
                .map(|(n, x)| (n.clone(), Value::String(x.clone())))
                .collect();
            o.insert("unknownFields".into(), Value::Object(unknown));
        }
        v
    }

    /// The charset §5.1 c hashes this message in: payData's `inputCharset` (2 GBK,
    /// 3 GB2312; ERRATA E-CHARSET), UTF-8 for every other message.
    pub fn declared_charset(&self) -> Charset {
        match &self.message {
            AnyMessage::PayRequest(r) => Charset::declared_by(r.input_charset.as_deref()),
            _ => Charset::Utf8,
        }
    }

    /// Verifies as received: MD5 in the charset the message declares ([`Self::
    /// declared_charset`]); in lenient mode a payData declaring GBK/GB2312 that was hashed
    /// in UTF-8 passes too, with [`Deviation::Utf8UnderDeclaredCharset`], and a §3.8/§4.x
    /// text signed in the terminated form with [`Deviation::TerminatedSignedText`] (see
    /// [`Self::text_form_deviation`]).
    pub fn verify_as_received(
        &self,
        creds: Credentials<'_>,
        mode: Mode,
    ) -> Result<Verified, VerifyError> {
        let declared = self.declared_charset();
        if mode == Mode::Strict && self.signed_text.is_none() {
            // Form bodies and JSON carry signMsg as one token (§5.2 hex, §5.3 base64): white
            // space or a control character in it is not the canonical text.
            if self
                .sign_msg()
                .bytes()
                .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
            {
                return Err(VerifyError::NonCanonicalSignature);
            }
            if let Some((field, holds)) =
                flat!(&self.message, m => sign::repartitions(m).first().copied(), _x => None)
            {
                return Err(VerifyError::AmbiguousSignSource { field, holds });
            }
        }
        match self.verify_form(creds, declared) {
            Ok(text_form) => Ok(Verified {
                text_form,
                charset: declared,
                deviation: self.text_form_deviation(text_form, mode)?,
            }),
            Err(e @ (VerifyError::Md5Mismatch | VerifyError::Unencodable { .. }))
                if mode == Mode::Lenient && declared != Charset::Utf8 =>
            {
                self.verify_form(creds, Charset::Utf8)
                    .map(|text_form| Verified {
                        text_form,
                        charset: Charset::Utf8,
                        deviation: Some(Deviation::Utf8UnderDeclaredCharset),
                    })
                    .map_err(|_| e)
            }
            Err(e) => Err(e),
        }
    }

    /// What the signed-text form a signature matched means in `mode`. §3.8 注释 2 signs the
    /// records of a §3.8/§4.2/§4.4 text without a CRLF after the last, and so do real
    /// answers; only the §3.8 MD5 example covers that CRLF (ERRATA E-3.8-TEXT). A form that
    /// covers it (terminated, or blank-line) is refused in strict mode and noted as a
    /// deviation in lenient mode. §3.4's batch page admits its three forms in both modes
    /// (ERRATA E-3.4-TEXT).
    pub fn text_form_deviation(
        &self,
        form: Option<TextForm>,
        mode: Mode,
    ) -> Result<Option<Deviation>, VerifyError> {
        match form {
            Some(TextForm::Terminated | TextForm::BlankLine)
                if self.kind != MessageKind::BatchQueryResponse =>
            {
                match mode {
                    Mode::Strict => Err(VerifyError::TerminatedSignedText),
                    Mode::Lenient => Ok(Some(Deviation::TerminatedSignedText)),
                }
            }
            _ => Ok(None),
        }
    }

    /// Verifies the signature as §5.3 prescribes for this message.
    pub fn verify(&self, creds: Credentials<'_>, charset: Charset) -> Result<(), VerifyError> {
        self.verify_form(creds, charset).map(|_| ())
    }

    /// [`Self::verify`], saying for texts which [`TextForm`] the signature covers. Texts
    /// are tried in [`accepted_text_forms`], whatever the mode ([`Self::verify_as_received`]
    /// applies it).
    pub fn verify_form(
        &self,
        creds: Credentials<'_>,
        charset: Charset,
    ) -> Result<Option<TextForm>, VerifyError> {
        if let Some(text) = &self.signed_text {
            let mut creds = creds;
            if self.kind == MessageKind::BatchQueryResponse {
                // §3.3: certificate only ("固定值：1"), whatever the merchant's orders use.
                creds.expected_sign_type = None;
            }
            return sign::verify_gateway_text(
                text,
                self.sign_type(),
                self.sign_msg(),
                creds,
                accepted_text_forms(self.kind),
            )
            .map(Some);
        }
        match self.kind.def().scheme {
            SignScheme::Unsigned => Err(VerifyError::Unsigned),
            SignScheme::MerchantMd5 => {
                let key = creds
                    .key
                    .ok_or(VerifyError::NeedKey(crate::error::SignTypeCode(0)))?;
                flat!(&self.message, m => sign::md5_verify(m, key, charset), _x => Err(VerifyError::Unsigned))
            }
            SignScheme::GatewayNameValue | SignScheme::GatewayText => flat!(
                &self.message,
                m => sign::verify_gateway_name_value(m, creds),
                _x => Err(VerifyError::Unsigned)
            ),
        }
        .map(|()| None)
    }
}

/// What a successful verification found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Texts: the signed-text form the signature covers.
    pub text_form: Option<TextForm>,
    /// The charset the MD5 was computed in.
    pub charset: Charset,
    /// A lenient-mode quirk the verification accepted.
    pub deviation: Option<Deviation>,
}

/// Why `sign` could not produce a signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("{0} is not signed; sign does not apply")]
    /// The message kind (named) carries no signature.
    NotSigned(&'static str),
    #[error(transparent)]
    /// The fields do not make a message.
    Input(#[from] ParseError),
    #[error(transparent)]
    /// A value cannot be encoded in the charset.
    Encoding(#[from] VerifyError),
}

fn string_value(name: &'static str, v: &Value) -> Result<String, ParseError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(ParseError::BadJson(JsonProblem::NotAString { field: name })),
    }
}

fn record_from<R: crate::msgs::Message>(obj: &Map<String, Value>) -> Result<R, ParseError> {
    let mut r = R::default();
    for (index, (name, v)) in obj.iter().enumerate() {
        let Some(field) = R::DEF.field(name) else {
            return Err(ParseError::BadJson(JsonProblem::UnknownField { index }));
        };
        if let Some(slot) = r.slot(field.name) {
            *slot = Some(string_value(field.name, v)?);
        }
    }
    Ok(r)
}

fn records_from<R: crate::msgs::Message>(obj: &Map<String, Value>) -> Result<Vec<R>, ParseError> {
    match obj.get("records") {
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::Object(o) => record_from(o),
                _ => Err(ParseError::BadJson(JsonProblem::NotAnObject)),
            })
            .collect(),
        Some(_) => Err(ParseError::BadJson(JsonProblem::NotAnObject)),
        None => Ok(vec![record_from(obj)?]),
    }
}

/// The form a gateway signs texts in when none is asked for: §3.8 注释 2's literal
/// `signString` for the pipe texts (what real answers sign; ERRATA E-3.8-TEXT), and for
/// §3.4 every byte before the signature line (ERRATA E-3.4-TEXT).
pub fn default_text_form(kind: MessageKind) -> TextForm {
    match kind {
        MessageKind::BatchQueryResponse => TextForm::BlankLine,
        _ => TextForm::Literal,
    }
}

/// The signed-text forms a verifier tries for a text of `kind`, in order. §3.8/§4.2/§4.4:
/// the literal form first, so that a real answer costs one MD5, then the terminated form
/// of the §3.8 MD5 example and, when the wire has a blank line before the signature, the
/// form that keeps it (quirks, [`Received::text_form_deviation`]; ERRATA E-3.8-TEXT). §3.4:
/// its three readings, the sandbox's first (ERRATA E-3.4-TEXT).
#[inline]
pub fn accepted_text_forms(kind: MessageKind) -> &'static [TextForm] {
    match kind {
        MessageKind::BatchQueryResponse => {
            &[TextForm::BlankLine, TextForm::Literal, TextForm::Terminated]
        }
        _ => &[TextForm::Literal, TextForm::Terminated, TextForm::BlankLine],
    }
}

/// The text a gateway signs for the text responses, built from JSON fields, in `form`:
/// for `refund-query-response` and the pre-auth results a record object or
/// `{"records":[…]}`; for `batch-query-response` `{"summary":{…},"records":[…]}`.
pub fn text_from_fields(
    kind: MessageKind,
    obj: &Map<String, Value>,
    form: TextForm,
) -> Result<String, SignError> {
    use codec::pipe::render_record;
    fn lines<R: crate::msgs::Message>(obj: &Map<String, Value>) -> Result<Vec<String>, ParseError> {
        Ok(records_from::<R>(obj)?.iter().map(render_record).collect())
    }
    let lines = match kind {
        MessageKind::RefundQueryResponse => lines::<RefundQueryRecord>(obj)?,
        MessageKind::PreauthCancelResponse => lines::<PreauthCancelRecord>(obj)?,
        MessageKind::PreauthConfirmResponse => lines::<PreauthConfirmRecord>(obj)?,
        MessageKind::BatchQueryResponse => {
            let s = match obj.get("summary") {
                Some(Value::Object(s)) => s,
                _ => return Err(ParseError::MissingField { field: "summary" }.into()),
            };
            let get = |n: &'static str| -> Result<String, ParseError> {
                s.get(n)
                    .map(|v| string_value(n, v))
                    .transpose()?
                    .ok_or(ParseError::MissingField { field: n })
            };
            let summary = BatchQuerySummary {
                merchant_id: get("merchantId")?,
                count: get("count")?,
                page_no: get("pageNo")?,
                has_next_page: get("hasNextPage")?,
            };
            let records = match obj.get("records") {
                None => Vec::new(),
                Some(_) => records_from::<BatchQueryRecord>(obj)?,
            };
            codec::batch::page_lines(&summary, &records)
        }
        other => return Err(SignError::NotSigned(other.name())),
    };
    Ok(form.join(&lines))
}

/// Builds a flat message from a JSON object of fields (spec names). Unknown names are an
/// error: a typo would otherwise silently leave a field out of the sign source.
pub fn from_fields(kind: MessageKind, obj: &Map<String, Value>) -> Result<AnyMessage, ParseError> {
    use MessageKind as K;
    fn build<M: crate::msgs::Message>(
        obj: &Map<String, Value>,
        wrap: fn(M) -> AnyMessage,
    ) -> Result<AnyMessage, ParseError> {
        let mut m = M::default();
        for (index, (name, v)) in obj.iter().enumerate() {
            let Some(field) = M::DEF.field(name) else {
                return Err(ParseError::BadJson(JsonProblem::UnknownField { index }));
            };
            if let Some(slot) = m.slot(field.name) {
                *slot = Some(string_value(field.name, v)?);
            }
        }
        Ok(wrap(m))
    }
    match kind {
        K::PayRequest => build(obj, |m| AnyMessage::PayRequest(Box::new(m))),
        K::PayNotify => build(obj, AnyMessage::PayNotify),
        K::SyncResultIos => build(obj, AnyMessage::SyncResultIos),
        K::SyncResultAndroid => build(obj, AnyMessage::SyncResultAndroid),
        K::OrderQuery => build(obj, AnyMessage::OrderQuery),
        K::OrderQueryResponse => build(obj, AnyMessage::OrderQueryResponse),
        K::BatchQuery => build(obj, AnyMessage::BatchQuery),
        K::Refund => build(obj, AnyMessage::Refund),
        K::RefundResponse => build(obj, AnyMessage::RefundResponse),
        K::RefundQuery => build(obj, AnyMessage::RefundQuery),
        K::PreauthCancel => build(obj, AnyMessage::PreauthCancel),
        K::PreauthConfirm => build(obj, AnyMessage::PreauthConfirm),
        K::ErrorResponse => build(obj, AnyMessage::ErrorResponse),
        K::RefundQueryResponse
        | K::PreauthCancelResponse
        | K::PreauthConfirmResponse
        | K::BatchQueryResponse => Err(ParseError::BadJson(JsonProblem::NotAnObject)),
    }
}

/// §5.2 MD5 signature of a message given as JSON fields. Texts (§3.4, §3.8, §4.2, §4.4)
/// are signed as `MD5(text|key)`, the text in `form` (default: [`default_text_form`]).
pub fn md5_sign_fields(
    kind: MessageKind,
    obj: &Map<String, Value>,
    key: &MerchantKey,
    charset: Charset,
    form: Option<TextForm>,
) -> Result<Md5Hex, SignError> {
    if kind.def().scheme == SignScheme::Unsigned {
        return Err(SignError::NotSigned(kind.name()));
    }
    if kind.def().scheme == SignScheme::GatewayText {
        let form = form.unwrap_or_else(|| default_text_form(kind));
        let text = text_from_fields(kind, obj, form)?;
        return Ok(sign::text_md5_sign(text.as_bytes(), key));
    }
    let msg = from_fields(kind, obj)?;
    Ok(
        flat!(&msg, m => sign::md5_sign(m, key, charset)?, _x => return Err(SignError::NotSigned(kind.name()))),
    )
}

/// The UTF-8 sign source (without the key) of a flat message given as JSON fields, or the
/// signed text of a text answer in `form` (default: [`default_text_form`]).
pub fn sign_source_fields(
    kind: MessageKind,
    obj: &Map<String, Value>,
    form: Option<TextForm>,
) -> Result<String, SignError> {
    if kind.def().scheme == SignScheme::GatewayText {
        let form = form.unwrap_or_else(|| default_text_form(kind));
        return text_from_fields(kind, obj, form);
    }
    let msg = from_fields(kind, obj)?;
    Ok(flat!(&msg, m => sign::sign_source(m), _x => String::new()))
}
