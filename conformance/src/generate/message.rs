//! The generated message: a spec table's rows filled with values, plus the choices of how
//! it travels (field order, escapes, text form). It builds its own sign request in the
//! adapter protocol (docs/adapter.md); §5.1 c decides its charset.

use serde_json::{json, Map, Value};

use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{FieldDef, SignScheme, Signing, WireForm};
use allinpay_protocol::{Charset, MessageKind};

/// One generated message with the choices of how it travels.
#[derive(Clone, Debug)]
pub struct Generated {
    pub kind: MessageKind,
    /// The table's values by row (flat messages: one record; texts: 1–3 records).
    pub records: Vec<Vec<Option<String>>>,
    /// §3.4 summary: merchantId, count, pageNo, hasNextPage.
    pub summary: [String; 4],
    pub key: String,
    /// Texts: the form the signature covers.
    pub form: TextForm,
    /// 0: the wire lists fields in table order; otherwise a shuffle seed.
    pub shuffle: u64,
    /// Form bodies: a space is `+` (else `%20`).
    pub plus: bool,
    /// Form bodies: escapes as `%2f` (else `%2F`).
    pub lower_hex: bool,
    /// Which signed field the tampered copy changes.
    pub tamper: u16,
    /// The unknown field added to the "unsigned change" copy.
    pub unknown: (String, String),
    /// Texts: the signature line is followed by CRLF.
    pub trailing_crlf: bool,
}

/// A text message: pipe records and a signature line (§3.8, §4.2, §4.4) or the base64
/// batch answer (§3.4), signed over its lines rather than `name=value` pairs.
pub(super) fn is_text(kind: MessageKind) -> bool {
    matches!(kind.def().wire, WireForm::PipeText | WireForm::Base64Batch)
}

/// Whether the message carries a signature (§5).
pub(super) fn is_signed(kind: MessageKind) -> bool {
    kind.def().scheme != SignScheme::Unsigned
}

impl Generated {
    pub(super) fn def_fields(&self) -> &'static [FieldDef] {
        self.kind.def().fields
    }

    /// The charset §5.1 c hashes in: payData's inputCharset, UTF-8 otherwise.
    pub fn charset(&self) -> Charset {
        if self.kind == MessageKind::PayRequest {
            Charset::declared_by(self.value("inputCharset"))
        } else {
            Charset::Utf8
        }
    }

    fn value(&self, name: &str) -> Option<&str> {
        let i = self.def_fields().iter().position(|f| f.name == name)?;
        self.records.first()?.get(i)?.as_deref()
    }

    fn record_object(&self, rec: &[Option<String>]) -> Map<String, Value> {
        let mut m = Map::new();
        for (f, v) in self.def_fields().iter().zip(rec) {
            if f.signing == Signing::Signature {
                continue;
            }
            if let Some(v) = v {
                m.insert(f.name.to_owned(), json!(v));
            }
        }
        m
    }

    /// The `fields` of a sign request (docs/adapter.md).
    pub fn sign_fields(&self) -> Map<String, Value> {
        let recs: Vec<Value> = self
            .records
            .iter()
            .map(|r| Value::Object(self.record_object(r)))
            .collect();
        match self.kind {
            MessageKind::RefundQueryResponse => {
                let mut m = Map::new();
                m.insert("records".into(), Value::Array(recs));
                m
            }
            MessageKind::BatchQueryResponse => {
                let s = &self.summary;
                let mut m = Map::new();
                m.insert(
                    "summary".into(),
                    json!({"merchantId": s[0], "count": s[1], "pageNo": s[2], "hasNextPage": s[3]}),
                );
                m.insert("records".into(), Value::Array(recs));
                m
            }
            _ => self.record_object(self.records.first().map_or(&[], Vec::as_slice)),
        }
    }

    /// The sign request.
    pub fn sign_request(&self) -> Value {
        let mut req = json!({"op": "sign", "message": self.kind.name(),
            "fields": self.sign_fields(), "key": self.key, "charset": self.charset().name()});
        if let Some(side) = crate::cases::Side::of_request(self.kind.name(), false) {
            req["side"] = json!(side.name());
        }
        if is_text(self.kind) {
            req["textForm"] = json!(self.form.name());
        }
        req
    }
}
