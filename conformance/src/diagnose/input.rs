//! The input model: what a variant is built from. A `name=value` message is its table's
//! rows (§2.1, §3) in table order, the fields outside the table and the order received;
//! a text (§3.8) is its lines and signature line. Both are read from JSON fields
//! (signing side) or from a received wire (verifying side, §5.3).

use serde_json::{Map, Value};

use allinpay_protocol::any;
use allinpay_protocol::codec::form;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::{FieldDef, MessageKind, SignScheme, Signing, WireForm};

use super::DiagnoseError;

/// A field outside the table (an unknown name of the wire, or `unknownFields` in JSON).
#[derive(Clone, Debug)]
pub(super) struct Extra {
    pub(super) name: String,
    pub(super) value: String,
    /// The row whose name it misspells, if any.
    pub(super) like: Option<usize>,
}

/// A position in the received order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Slot {
    Row(usize),
    Extra(usize),
}

/// A `name=value` message, ready to be signed in any variant.
#[derive(Clone, Debug)]
pub(super) struct Flat {
    /// (row, value) in table order; `None` absent.
    pub(super) rows: Vec<(&'static FieldDef, Option<String>)>,
    /// The values as they travelled, percent-escapes included (the wire), if known.
    pub(super) raw: Vec<Option<String>>,
    pub(super) extras: Vec<Extra>,
    /// The order received (wire) or given (JSON), if it differs from the table's.
    pub(super) order: Option<Vec<Slot>>,
}

/// A text: its lines (summary, records), the signed-text form (ERRATA E-3.8-TEXT) and
/// the signature line, when known.
#[derive(Clone, Debug)]
pub(super) struct Text {
    pub(super) lines: Vec<String>,
    pub(super) form: TextForm,
    pub(super) sig_line: Option<String>,
    /// The wire's lines end in LF only.
    pub(super) lf: bool,
    /// The lines are the received ones (hashed as received, quirks included).
    pub(super) wire: bool,
}

/// What is signed: a `name=value` message (§5.1) or a text's lines (§3.8).
#[derive(Clone, Debug)]
pub(super) enum Input {
    Flat(Flat),
    Text(Text),
}

/// A field's text; `null` is present and empty, as the library reads it.
fn value_text(name: &str, v: &Value) -> Result<String, DiagnoseError> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(DiagnoseError::NotText {
            field: name.to_owned(),
        }),
    }
}

/// A record object as its `|`-separated line, in the table's column order (§3.8).
fn record_line(fields: &[FieldDef], obj: &Map<String, Value>) -> Result<String, DiagnoseError> {
    for name in obj.keys() {
        if name != "signMsg" && !fields.iter().any(|f| f.name == name) {
            return Err(DiagnoseError::UnknownRecordField {
                field: name.clone(),
            });
        }
    }
    let mut cols = Vec::new();
    for f in fields {
        let v = match obj.get(f.name) {
            Some(v) => value_text(f.name, v)?,
            None => String::new(),
        };
        cols.push(v);
    }
    Ok(cols.join("|"))
}

/// Levenshtein distance, ASCII case folded (names are short).
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb))
                .min(prev[j + 1] + 1)
                .min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The row whose name `name` misspells: the same letters in another case, or at most
/// two edits away from a name of six letters or more.
fn look_alike(fields: &[(&'static FieldDef, Option<String>)], name: &str) -> Option<usize> {
    fields.iter().position(|(f, _)| {
        f.signing == Signing::Signed
            && f.name != name
            && (f.name.eq_ignore_ascii_case(name)
                || (f.name.len() >= 6 && distance(f.name, name) <= 2))
    })
}

impl Input {
    /// The input of JSON fields: a record object (or `records`, or a batch's `summary` and
    /// `records`) for texts, else the rows of the table and `unknownFields`.
    pub(super) fn from_fields(
        kind: MessageKind,
        obj: &Map<String, Value>,
    ) -> Result<Input, DiagnoseError> {
        let def = kind.def();
        match def.scheme {
            SignScheme::Unsigned => Err(DiagnoseError::NotSigned(kind)),
            SignScheme::GatewayText => {
                let mut lines = Vec::new();
                let batch = kind == MessageKind::BatchQueryResponse;
                if batch {
                    let Some(Value::Object(s)) = obj.get("summary") else {
                        return Err(DiagnoseError::BatchShape);
                    };
                    let mut cols = Vec::new();
                    for n in ["merchantId", "count", "pageNo", "hasNextPage"] {
                        let v = s.get(n).ok_or(DiagnoseError::SummaryLacks { field: n })?;
                        cols.push(value_text(n, v)?);
                    }
                    lines.push(cols.join("|"));
                }
                match obj.get("records") {
                    Some(Value::Array(items)) => {
                        for item in items {
                            let Value::Object(o) = item else {
                                return Err(DiagnoseError::Shape {
                                    field: "records",
                                    rule: "hold objects",
                                });
                            };
                            lines.push(record_line(def.fields, o)?);
                        }
                    }
                    Some(_) => {
                        return Err(DiagnoseError::Shape {
                            field: "records",
                            rule: "be an array",
                        })
                    }
                    None if batch => {}
                    // The pre-auth results as `parse` prints them.
                    None => match obj.get("record") {
                        Some(Value::Object(r)) => lines.push(record_line(def.fields, r)?),
                        Some(_) => {
                            return Err(DiagnoseError::Shape {
                                field: "record",
                                rule: "be an object",
                            })
                        }
                        None => lines.push(record_line(def.fields, obj)?),
                    },
                }
                let sig_line = match obj.get("signMsg") {
                    Some(v) => Some(value_text("signMsg", v)?).filter(|s| !s.is_empty()),
                    None => None,
                };
                Ok(Input::Text(Text {
                    lines,
                    form: any::default_text_form(kind),
                    sig_line,
                    lf: false,
                    wire: false,
                }))
            }
            SignScheme::MerchantMd5 | SignScheme::GatewayNameValue => {
                let mut rows: Vec<(&'static FieldDef, Option<String>)> =
                    def.fields.iter().map(|f| (f, None)).collect();
                let mut extras = Vec::new();
                let mut order = Vec::new();
                for (name, v) in obj {
                    if name == "unknownFields" {
                        let Value::Object(u) = v else {
                            return Err(DiagnoseError::Shape {
                                field: "unknownFields",
                                rule: "be an object of name → value",
                            });
                        };
                        for (n, x) in u {
                            if def.field(n).is_some() {
                                return Err(DiagnoseError::ExtraIsTableField { field: n.clone() });
                            }
                            order.push(Slot::Extra(extras.len()));
                            extras.push(Extra {
                                name: n.clone(),
                                value: value_text(n, x)?,
                                like: None,
                            });
                        }
                        continue;
                    }
                    let Some(i) = def.fields.iter().position(|f| f.name == name) else {
                        return Err(DiagnoseError::UnknownField {
                            kind,
                            field: name.clone(),
                        });
                    };
                    rows[i].1 = Some(value_text(name, v)?);
                    order.push(Slot::Row(i));
                }
                for e in &mut extras {
                    e.like = look_alike(&rows, &e.name);
                }
                let raw = vec![None; rows.len()];
                let mut flat = Flat {
                    rows,
                    raw,
                    extras,
                    order: None,
                };
                flat.set_order(order);
                Ok(Input::Flat(flat))
            }
        }
    }

    /// Sets a text's signed-text form (ERRATA E-3.8-TEXT); a flat input has none.
    pub(super) fn set_form(&mut self, f: TextForm) {
        if let Input::Text(t) = self {
            t.form = f;
        }
    }
}

impl Flat {
    /// Keeps `order` if it places the signed fields otherwise than the table does.
    pub(super) fn set_order(&mut self, order: Vec<Slot>) {
        let rows: Vec<usize> = order
            .iter()
            .filter_map(|s| match s {
                Slot::Row(i) => Some(*i),
                Slot::Extra(_) => None,
            })
            .filter(|i| self.rows[*i].0.signing == Signing::Signed)
            .collect();
        let sorted = rows.windows(2).all(|w| w[0] < w[1]);
        self.order = (!sorted).then_some(order);
    }

    /// Whether row `i` holds a value: only those enter the sign source (§5.1).
    pub(super) fn nonempty(&self, i: usize) -> bool {
        self.rows[i].1.as_deref().is_some_and(|s| !s.is_empty())
    }
}

/// The received names in order, with their raw values (a form body).
fn wire_pairs(body: &str) -> Vec<(String, String)> {
    let body = body
        .strip_suffix("\r\n")
        .or_else(|| body.strip_suffix('\n'))
        .unwrap_or(body);
    body.split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(n, v)| {
            let name = form::decode_component(n, 0).unwrap_or_else(|_| n.to_owned());
            (name, v.to_owned())
        })
        .collect()
}

/// The diagnosis input of a received message: its fields, the wire's order and raw
/// values (form bodies), the lines as received (texts).
pub(super) fn received_input(
    kind: MessageKind,
    wire: &[u8],
    received: &any::Received,
) -> Result<(Map<String, Value>, Input), DiagnoseError> {
    let Value::Object(obj) = received.to_json() else {
        return Err(DiagnoseError::NotAnObject);
    };
    if let Some(text) = &received.signed_text {
        let text = String::from_utf8_lossy(text).into_owned();
        let lf = text.contains('\n') && !text.contains("\r\n");
        let mut lines: Vec<String> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l).to_owned())
            .collect();
        while lines.last().is_some_and(|l| l.trim().is_empty()) {
            lines.pop();
        }
        let mut input = Input::from_fields(kind, &obj)?;
        if let Input::Text(t) = &mut input {
            t.lines = lines;
            t.lf = lf;
            t.wire = true;
            t.sig_line = Some(received.sign_msg().to_owned()).filter(|s| !s.is_empty());
        }
        return Ok((obj, input));
    }
    let mut input = Input::from_fields(kind, &obj)?;
    if let (Input::Flat(f), WireForm::Form) = (&mut input, kind.def().wire) {
        let body = String::from_utf8_lossy(wire);
        let mut order = Vec::new();
        for (name, raw) in wire_pairs(&body) {
            if let Some(i) = f.rows.iter().position(|(d, _)| d.name == name) {
                f.raw[i] = Some(raw);
                order.push(Slot::Row(i));
            } else if let Some(e) = f.extras.iter().position(|x| x.name == name) {
                order.push(Slot::Extra(e));
            }
        }
        f.set_order(order);
    }
    if let (Input::Flat(f), WireForm::Json) = (&mut input, kind.def().wire) {
        // payData's members in the order they were written (§2.1: a JSON object).
        if let Ok(members) = serde_json::from_slice::<Map<String, Value>>(wire) {
            let order = members
                .keys()
                .filter_map(|name| {
                    if let Some(i) = f.rows.iter().position(|(d, _)| d.name == name) {
                        Some(Slot::Row(i))
                    } else {
                        f.extras
                            .iter()
                            .position(|x| x.name == *name)
                            .map(Slot::Extra)
                    }
                })
                .collect();
            f.set_order(order);
        }
    }
    Ok((obj, input))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes() {
        assert!(distance("mchtRefundOrderNO", "mchtRefundOrderNo") == 0);
        assert_eq!(distance("orderDatatime", "orderDatetime"), 1);
        assert_eq!(distance("abc", "xyz"), 3);
    }

    /// The CLI prints these texts; each names the field and the rule.
    #[test]
    fn unusable_fields_are_named() {
        use MessageKind as K;
        let err = |kind: K, json: &str| {
            let obj: Map<String, Value> = serde_json::from_str(json).expect("a JSON object");
            Input::from_fields(kind, &obj).expect_err(json).to_string()
        };
        let cases = [
            (K::PayRequest, r#"{"orderNo":[1]}"#, "field orderNo must be a string or an integer"),
            (K::PayRequest, r#"{"noSuchField":"1"}"#, "unknown field \"noSuchField\" for pay-request (fields outside the table go under \"unknownFields\")"),
            (K::PayRequest, r#"{"unknownFields":1}"#, "unknownFields must be an object of name → value"),
            (K::PayRequest, r#"{"unknownFields":{"orderNo":"1"}}"#, "unknownFields holds \"orderNo\", a field of the table"),
            (K::RefundQueryResponse, r#"{"x":"1"}"#, "unknown field \"x\" in a record"),
            (K::RefundQueryResponse, r#"{"records":"x"}"#, "records must be an array"),
            (K::RefundQueryResponse, r#"{"records":[1]}"#, "records must hold objects"),
            (K::PreauthCancelResponse, r#"{"record":1}"#, "record must be an object"),
            (K::BatchQueryResponse, "{}", "a batch-query-response needs {\"summary\": {…}, \"records\": […]}"),
            (K::BatchQueryResponse, r#"{"summary":{}}"#, "summary lacks merchantId"),
            (K::SyncResultIos, "{}", "sync-result-ios is not signed; diagnose does not apply"),
        ];
        for (kind, json, want) in cases {
            assert_eq!(err(kind, json), want, "{json}");
        }
    }
}
