//! `--redact FIELD,…`: values such as cardNo or names masked in the vectors written from
//! real traffic. Nothing is scrubbed silently: each masked field is reported per message,
//! a name no table has is refused, and a name no message held is reported.
//!
//! A value is masked character by character, keeping its shape for the constraint
//! checks: digits become `0`, ASCII letters `x`, other characters `*`; ASCII punctuation
//! and spaces stay.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::Value;

use allinpay_protocol::spec::WireForm;
use allinpay_protocol::MessageKind;

use super::error::TrafficError;

/// The fields to mask.
#[derive(Clone, Debug, Default)]
pub struct Redaction {
    fields: BTreeSet<String>,
}

/// §3.4's summary columns (`商户号|笔数|当前页码|是否有下一页`).
const BATCH_SUMMARY: [&str; 4] = ["merchantId", "count", "pageNo", "hasNextPage"];

fn known_field(name: &str) -> bool {
    BATCH_SUMMARY.contains(&name)
        || MessageKind::ALL
            .iter()
            .any(|k| k.def().field(name).is_some())
}

/// A value masked, its shape kept.
pub fn mask(v: &str) -> String {
    v.chars()
        .map(|c| match c {
            '0'..='9' => '0',
            c if c.is_ascii_alphabetic() => 'x',
            c if c.is_ascii() => c,
            _ => '*',
        })
        .collect()
}

impl Redaction {
    /// The fields named by `--redact` (comma-separated lists, repeatable).
    pub fn new<S: AsRef<str>>(lists: &[S]) -> Result<Self, TrafficError> {
        let mut fields = BTreeSet::new();
        for name in lists
            .iter()
            .flat_map(|l| l.as_ref().split(','))
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            if !known_field(name) {
                return Err(TrafficError::UnknownRedactField {
                    field: name.to_owned(),
                });
            }
            fields.insert(name.to_owned());
        }
        Ok(Self { fields })
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.fields.iter().map(String::as_str)
    }

    /// The wire with the named fields masked, and the names of the fields that held a
    /// value; `None` when the wire is not text this tool can rewrite.
    pub fn apply(&self, kind: MessageKind, wire: &[u8]) -> Option<(Vec<u8>, Vec<String>)> {
        let mut hit = Vec::new();
        if self.fields.is_empty() {
            return Some((wire.to_vec(), hit));
        }
        let text = std::str::from_utf8(wire).ok()?;
        let out = match kind.def().wire {
            WireForm::Form => self.form(text, &mut hit, true),
            WireForm::ErrorText => self.form(text, &mut hit, false),
            WireForm::Json => self.json(text, &mut hit)?,
            WireForm::PipeText => self.pipe(text, kind, None, &mut hit),
            WireForm::Base64Batch => {
                let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(compact)
                    .ok()?;
                let decoded = String::from_utf8(decoded).ok()?;
                let page = self.pipe(&decoded, kind, Some(&BATCH_SUMMARY), &mut hit);
                base64::engine::general_purpose::STANDARD.encode(page)
            }
        };
        Some((out.into_bytes(), hit))
    }

    fn take(&self, name: &str, value: &str, hit: &mut Vec<String>) -> Option<String> {
        if !self.fields.contains(name) || value.is_empty() {
            return None;
        }
        if !hit.iter().any(|h| h == name) {
            hit.push(name.to_owned());
        }
        Some(mask(value))
    }

    /// `name=value&…`; `encoded`: URL-encoded (forms) or not (`ERRORCODE=…`).
    fn form(&self, text: &str, hit: &mut Vec<String>, encoded: bool) -> String {
        let pairs: Vec<String> = text
            .split('&')
            .map(|pair| {
                let Some((raw_name, raw_value)) = pair.split_once('=') else {
                    return pair.to_owned();
                };
                let (name, value) = if encoded {
                    match form_urlencoded::parse(pair.as_bytes()).next() {
                        Some((n, v)) => (n.into_owned(), v.into_owned()),
                        None => return pair.to_owned(),
                    }
                } else {
                    (raw_name.trim().to_owned(), raw_value.to_owned())
                };
                match self.take(&name, &value, hit) {
                    Some(masked) if encoded => format!(
                        "{raw_name}={}",
                        form_urlencoded::byte_serialize(masked.as_bytes()).collect::<String>()
                    ),
                    Some(masked) => format!("{raw_name}={masked}"),
                    None => pair.to_owned(),
                }
            })
            .collect();
        pairs.join("&")
    }

    fn json(&self, text: &str, hit: &mut Vec<String>) -> Option<String> {
        let mut v: Value = serde_json::from_str(text).ok()?;
        let Value::Object(o) = &mut v else {
            return None;
        };
        for (name, value) in o.iter_mut() {
            let masked = match value {
                Value::String(s) => self.take(name, s, hit).map(Value::String),
                Value::Number(n) => self
                    .take(name, &n.to_string(), hit)
                    .and_then(|m| m.parse::<u64>().ok())
                    .map(Value::from),
                _ => None,
            };
            if let Some(m) = masked {
                *value = m;
            }
        }
        serde_json::to_string(&v).ok()
    }

    /// Record lines `a|b|…` then a signature line; `summary` names the first line's
    /// columns when it is a §3.4 summary.
    fn pipe(
        &self,
        text: &str,
        kind: MessageKind,
        summary: Option<&[&str]>,
        hit: &mut Vec<String>,
    ) -> String {
        let columns: Vec<&str> = kind.def().fields.iter().map(|f| f.name).collect();
        let last = text
            .split('\n')
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, _)| i)
            .last();
        let mut first_record = true;
        let lines: Vec<String> = text
            .split('\n')
            .enumerate()
            .map(|(i, line)| {
                if Some(i) == last || !line.contains('|') {
                    return line.to_owned();
                }
                let names: &[&str] = match summary {
                    Some(s) if first_record => s,
                    _ => &columns,
                };
                first_record = false;
                line.split('|')
                    .enumerate()
                    .map(|(c, value)| {
                        let name = names.get(c).copied().unwrap_or_default();
                        let (body, cr) = match value.strip_suffix('\r') {
                            Some(b) => (b, "\r"),
                            None => (value, ""),
                        };
                        let lead = &body[..body.len() - body.trim_start().len()];
                        match self.take(name, body.trim_start(), hit) {
                            Some(m) => format!("{lead}{m}{cr}"),
                            None => value.to_owned(),
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("|")
            })
            .collect();
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_keep_the_shape_and_unknown_names_are_refused() {
        assert_eq!(
            mask("6222 0212-3456 张三 a@b.cn"),
            "0000 0000-0000 ** x@x.xx"
        );
        assert!(Redaction::new(&["cardNo, ship_to_firstname"]).is_ok());
        let e = Redaction::new(&["cardNo,cardNumber"]).expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "--redact \"cardNumber\": no message of the spec has a field of that name"
        );
    }

    #[test]
    fn every_wire_form() {
        let r = Redaction::new(&["orderNo,cardNo,ERRORMSG,merchantId"]).expect("names");
        let (w, hit) = r
            .apply(MessageKind::PayNotify, b"orderNo=AB%2012&payAmount=1")
            .expect("form");
        assert_eq!(w, b"orderNo=xx+00&payAmount=1");
        assert_eq!(hit, vec!["orderNo"]);
        let (w, _) = r
            .apply(
                MessageKind::PayRequest,
                br#"{"cardNo":"6222","orderAmount":1}"#,
            )
            .expect("json");
        assert_eq!(w, br#"{"cardNo":"0000","orderAmount":1}"#);
        let (w, _) = r
            .apply(
                MessageKind::ErrorResponse,
                "ERRORCODE=001& ERRORMSG=商户".as_bytes(),
            )
            .expect("error text");
        assert_eq!(w, b"ERRORCODE=001& ERRORMSG=**");
        let (w, hit) = r
            .apply(
                MessageKind::RefundQueryResponse,
                b"v2.4|0|100020091218001|NO1|1|20141128031757|2014|TKSUCC0002|20141128151433\r\nSIG",
            )
            .expect("pipe");
        assert_eq!(
            String::from_utf8(w).expect("utf-8"),
            "v2.4|0|000000000000000|xx0|1|20141128031757|2014|TKSUCC0002|20141128151433\r\nSIG"
        );
        assert_eq!(hit, vec!["merchantId", "orderNo"]);
        let page = base64::engine::general_purpose::STANDARD
            .encode("100|1|1|N\r\n100|P1|NO1|20240101000000|1|20240101000000|1|||1\r\n\r\nSIG");
        let (w, _) = r
            .apply(MessageKind::BatchQueryResponse, page.as_bytes())
            .expect("batch");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(w)
            .expect("base64");
        assert_eq!(
            String::from_utf8(decoded).expect("utf-8"),
            "000|1|1|N\r\n000|P1|xx0|20240101000000|1|20240101000000|1|||1\r\n\r\nSIG"
        );
    }
}
