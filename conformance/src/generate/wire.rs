//! Wire forms: the generated message as it travels (form bodies and payData JSON, §2–§4;
//! pipe texts, §3.8, §4.2, §4.4; the base64 batch answer, §3.4; the error text, §3.8),
//! carrying the built-in's signature, and the copies sent for verification (a signed field
//! changed, an unknown field added).

use serde_json::json;

use allinpay_protocol::spec::{Signing, WireForm};
use allinpay_protocol::MessageKind;

use super::message::Generated;
use super::strategy::splitmix;

/// How the copy sent for verification differs from the signed message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Variant {
    Signed,
    /// One signed field changed (must fail).
    Tampered,
    /// An unknown field added, and for payData `cardNo` changed (must pass).
    Unsigned,
}

fn percent_encode(value: &str, plus: bool, lower: bool) -> String {
    let mut out = String::new();
    for &b in value.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' => {
                out.push(char::from(b));
            }
            b' ' if plus => out.push('+'),
            _ if lower => out.push_str(&format!("%{b:02x}")),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn shuffled<T>(mut items: Vec<T>, seed: u64) -> Vec<T> {
    if seed == 0 {
        return items;
    }
    let mut state = seed;
    for i in (1..items.len()).rev() {
        let j = (splitmix(&mut state) % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
    items
}

/// The signed field the tampered copy changes: (record, row).
pub(super) fn tamper_target(g: &Generated) -> Option<(usize, usize)> {
    let rows: Vec<usize> = g
        .def_fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.signing == Signing::Signed)
        .map(|(i, _)| i)
        .collect();
    if rows.is_empty() || g.records.is_empty() {
        return None;
    }
    let n = usize::from(g.tamper);
    Some((n / rows.len() % g.records.len(), rows[n % rows.len()]))
}

fn tampered_value(v: Option<&str>) -> String {
    match v {
        None | Some("") => "1".into(),
        Some(v) => format!("{v}1"),
    }
}

/// The message as it travels, signed with `sign_msg`, in `variant`.
pub(super) fn wire(g: &Generated, sign_msg: &str, variant: Variant) -> String {
    let fields = g.def_fields();
    let mut records = g.records.clone();
    if variant == Variant::Tampered {
        if let Some((r, i)) = tamper_target(g) {
            records[r][i] = Some(tampered_value(records[r][i].as_deref()));
        }
    }
    for rec in &mut records {
        for (f, v) in fields.iter().zip(rec.iter_mut()) {
            if f.signing == Signing::Signature {
                *v = Some(sign_msg.to_owned());
            }
            if variant == Variant::Unsigned && f.name == "cardNo" {
                *v = Some(if v.as_deref() == Some("6222020000000001") {
                    "6222020000000002".into()
                } else {
                    "6222020000000001".into()
                });
            }
        }
    }
    let unknown = (variant == Variant::Unsigned).then_some(&g.unknown);
    match g.kind.def().wire {
        WireForm::Form => {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(&records[0])
                .filter_map(|(f, v)| v.as_ref().map(|v| (f.name.to_owned(), v.clone())))
                .collect();
            if let Some((n, v)) = unknown {
                pairs.push((n.clone(), v.clone()));
            }
            shuffled(pairs, g.shuffle)
                .iter()
                .map(|(n, v)| format!("{n}={}", percent_encode(v, g.plus, g.lower_hex)))
                .collect::<Vec<_>>()
                .join("&")
        }
        WireForm::Json => {
            let mut pairs: Vec<(String, String)> = fields
                .iter()
                .zip(&records[0])
                .filter_map(|(f, v)| {
                    let v = v.as_ref()?;
                    // §2.2.2 iOS: payResult is a JSON number.
                    let text = if g.kind == MessageKind::SyncResultIos && f.name == "payResult" {
                        v.clone()
                    } else {
                        json!(v).to_string()
                    };
                    Some((json!(f.name).to_string(), text))
                })
                .collect();
            if let Some((n, v)) = unknown {
                pairs.push((json!(n).to_string(), json!(v).to_string()));
            }
            let body: Vec<String> = shuffled(pairs, g.shuffle)
                .into_iter()
                .map(|(n, v)| format!("{n}:{v}"))
                .collect();
            format!("{{{}}}", body.join(","))
        }
        WireForm::PipeText => {
            let mut out = String::new();
            for rec in &records {
                out.push_str(&pipe_line(rec));
                out.push_str("\r\n");
            }
            out.push_str(sign_msg);
            if g.trailing_crlf {
                out.push_str("\r\n");
            }
            out
        }
        WireForm::Base64Batch => {
            use base64::Engine as _;
            let mut out = summary_line(&g.summary);
            out.push_str("\r\n");
            for rec in &records {
                out.push_str(&pipe_line(rec));
                out.push_str("\r\n");
            }
            out.push_str("\r\n");
            out.push_str(sign_msg);
            base64::engine::general_purpose::STANDARD.encode(out)
        }
        WireForm::ErrorText => {
            let get = |i: usize| records[0].get(i).cloned().flatten();
            let mut out = format!("ERRORCODE={}", get(0).unwrap_or_default());
            if let Some(m) = get(1) {
                out.push_str(&format!("&ERRORMSG={m}"));
            }
            out
        }
    }
}

fn pipe_line(rec: &[Option<String>]) -> String {
    rec.iter()
        .map(|v| v.as_deref().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("|")
}

fn summary_line(s: &[String; 4]) -> String {
    s.join("|")
}
