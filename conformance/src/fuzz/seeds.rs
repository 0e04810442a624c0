//! The starting messages: the vectors' validly signed messages a merchant receives (so that
//! mutations reach the deep paths: the signature check, not only the form parser), their
//! parse cases, and the fuzz corpora and regressions of the targets that read those kinds.

use std::path::Path;

use serde_json::Value;

use allinpay_protocol::MessageKind;

use crate::cases::{self, CaseOp, Side};
use crate::vectors::{Expected, LintError};

/// Files read from one corpus folder (sorted by name): enough variety, a bounded start-up.
const CORPUS_FILES_PER_TARGET: usize = 48;
/// Longest corpus file taken (the 256 KiB limit of a form body).
const CORPUS_MAX_BYTES: usize = 256 << 10;

/// One starting message.
#[derive(Clone, Debug)]
pub struct Seed {
    pub kind: MessageKind,
    /// The verify request of the vector case (key, charset, certificate, side) without
    /// `wire` and `id`; `None` for a message only parsed.
    pub verify: Option<Value>,
    pub wire: String,
    /// Where it came from: a case id or a corpus file.
    pub origin: String,
}

/// The fuzz targets whose inputs are messages a merchant receives, and their kinds.
const TARGETS: &[(&str, MessageKind)] = &[
    ("form_body", MessageKind::PayNotify),
    ("error_response", MessageKind::ErrorResponse),
    ("refund_query_response", MessageKind::RefundQueryResponse),
    ("preauth_response", MessageKind::PreauthCancelResponse),
    ("batch_query_response", MessageKind::BatchQueryResponse),
];

/// The seeds from `vectors` and, when given, the corpora and regressions under `fuzz_dir`.
pub fn load_seeds(vectors: &Path, fuzz_dir: Option<&Path>) -> Result<Vec<Seed>, LintError> {
    let mut seeds = Vec::new();
    for file in cases::load_dir(vectors)? {
        for case in &file.cases {
            let Some(kind) = MessageKind::from_name(&case.message) else {
                continue;
            };
            match &case.op {
                CaseOp::Verify { wire, .. }
                    if case.expected == Expected::Valid && case.side() == Some(Side::Merchant) =>
                {
                    let mut req = case.request();
                    if let Some(o) = req.as_object_mut() {
                        o.remove("wire");
                        o.remove("id");
                    }
                    seeds.push(Seed {
                        kind,
                        verify: Some(req),
                        wire: wire.clone(),
                        origin: case.id.clone(),
                    });
                }
                CaseOp::Parse { wire, .. } if Side::verifier(kind) != Some(Side::Gateway) => {
                    seeds.push(Seed {
                        kind,
                        verify: None,
                        wire: wire.clone(),
                        origin: case.id.clone(),
                    });
                }
                _ => {}
            }
        }
    }
    if let Some(dir) = fuzz_dir {
        for (target, kind) in TARGETS {
            // A corpus message is verified with the credentials of a vector of its kind.
            let template = seeds
                .iter()
                .find(|s| s.kind == *kind && s.verify.is_some())
                .and_then(|s| s.verify.clone());
            for folder in ["corpus", "regressions"] {
                for (name, wire) in corpus_files(&dir.join(folder).join(target)) {
                    seeds.push(Seed {
                        kind: *kind,
                        verify: template.clone(),
                        wire,
                        origin: format!("fuzz/{folder}/{target}/{name}"),
                    });
                }
            }
        }
    }
    Ok(seeds)
}

/// The text files of a corpus folder (a missing folder has none; bytes that are not UTF-8
/// cannot travel in the adapter protocol's JSON and are replaced).
fn corpus_files(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<_> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
        .into_iter()
        .filter_map(|n| {
            let bytes = std::fs::read(dir.join(&n)).ok()?;
            (!bytes.is_empty() && bytes.len() <= CORPUS_MAX_BYTES)
                .then(|| (n, String::from_utf8_lossy(&bytes).into_owned()))
        })
        .take(CORPUS_FILES_PER_TARGET)
        .collect()
}
