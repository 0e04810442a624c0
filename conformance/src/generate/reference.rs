//! The independent reference: the sign source and MD5 computed by plain string building
//! over the spec table's rows and the `md-5` crate, sharing no code with
//! `allinpay_protocol::sign` (§5.1, §5.2; texts §3.8), so that a run also checks the
//! built-in implementation every other answer is compared with.

use md5::{Digest, Md5};

use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::Signing;
use allinpay_protocol::{Charset, MessageKind};

use super::message::{is_text, Generated};

/// A piece of a sign source: the field (or `record N column` for texts) and its bytes.
#[derive(Clone, Debug)]
pub(super) struct Piece {
    pub(super) what: String,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The keyed sign source holds a character its declared charset cannot encode (§5.1 c).
#[derive(Debug, thiserror::Error)]
#[error("not encodable in {charset}")]
pub(super) struct NotEncodable {
    charset: &'static str,
}

/// The sign source (text) and signature computed without the protocol crate's signing
/// code: the non-empty signed rows `name=value` joined by `&` + `&key=KEY` hashed in the
/// declared charset (§5.1, §5.2); texts: the columns joined by `|`, the lines in the
/// text form, `MD5(text|key)` (§3.8). Also where each field lies in the source.
pub(super) fn independent(g: &Generated) -> Result<(String, String, Vec<Piece>), NotEncodable> {
    let mut src = String::new();
    let mut pieces = Vec::new();
    if is_text(g.kind) {
        let mut lines: Vec<(String, Vec<(String, String)>)> = Vec::new();
        if g.kind == MessageKind::BatchQueryResponse {
            let names = ["merchantId", "count", "pageNo", "hasNextPage"];
            lines.push((
                "summary".into(),
                names
                    .iter()
                    .zip(&g.summary)
                    .map(|(n, v)| ((*n).to_owned(), v.clone()))
                    .collect(),
            ));
        }
        for (r, rec) in g.records.iter().enumerate() {
            lines.push((
                format!("record {}", r + 1),
                g.def_fields()
                    .iter()
                    .zip(rec)
                    .map(|(f, v)| (f.name.to_owned(), v.clone().unwrap_or_default()))
                    .collect(),
            ));
        }
        let n = lines.len();
        for (i, (label, cols)) in lines.iter().enumerate() {
            for (c, (name, v)) in cols.iter().enumerate() {
                if c > 0 {
                    src.push('|');
                }
                let start = src.len();
                src.push_str(v);
                pieces.push(Piece {
                    what: format!("{name} ({label})"),
                    start,
                    end: src.len(),
                });
            }
            let last = i + 1 == n;
            match g.form {
                TextForm::Literal if last => {}
                _ => src.push_str("\r\n"),
            }
        }
        if g.form == TextForm::BlankLine {
            src.push_str("\r\n");
        }
        let mut data = src.clone().into_bytes();
        data.push(b'|');
        data.extend_from_slice(g.key.as_bytes());
        return Ok((src, upper_hex(&Md5::digest(&data)), pieces));
    }
    for (f, v) in g.def_fields().iter().zip(&g.records[0]) {
        let Some(v) = v.as_deref().filter(|v| !v.is_empty()) else {
            continue;
        };
        if f.signing != Signing::Signed {
            continue;
        }
        if !src.is_empty() {
            src.push('&');
        }
        let start = src.len();
        src.push_str(f.name);
        src.push('=');
        src.push_str(v);
        pieces.push(Piece {
            what: f.name.to_owned(),
            start,
            end: src.len(),
        });
    }
    let keyed = if src.is_empty() {
        format!("key={}", g.key)
    } else {
        format!("{src}&key={}", g.key)
    };
    let bytes = match g.charset() {
        Charset::Utf8 => keyed.into_bytes(),
        cs => {
            let (b, _, bad) = encoding_rs::GBK.encode(&keyed);
            if bad {
                return Err(NotEncodable { charset: cs.name() });
            }
            b.into_owned()
        }
    };
    Ok((src, upper_hex(&Md5::digest(&bytes)), pieces))
}

fn upper_hex(d: &[u8]) -> String {
    d.iter().map(|b| format!("{b:02X}")).collect()
}
