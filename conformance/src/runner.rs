//! Replays vector files against the built-in implementation.

use std::path::Path;

use base64::Engine as _;

use allinpay_protocol::any::{self, Received};
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::cert::decode_base64_signature;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{Charset, GatewayCert, MerchantKey, MessageKind};

use crate::vectors::{self, Expected, LintError, TestGroup, VectorFile};

/// The verdict on one case.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseOutcome {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub expected: Expected,
    pub passed: bool,
    /// What the implementation did, e.g. `strict: valid; lenient: valid`.
    pub detail: String,
}

impl CaseOutcome {
    /// A documented value that no rule reproduces (flag `Erratum…`).
    pub fn is_erratum(&self) -> bool {
        self.flags.iter().any(|f| f.starts_with("Erratum"))
    }
}

/// The verdicts on one file.
#[derive(Clone, Debug, serde::Serialize)]
pub struct FileReport {
    pub file: String,
    pub message: String,
    pub cases: Vec<CaseOutcome>,
}

impl FileReport {
    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed).count()
    }
    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| !c.passed).count()
    }
    pub fn errata(&self) -> usize {
        self.cases.iter().filter(|c| c.is_erratum()).count()
    }
}

/// Wycheproof's rule: valid passes strictly, invalid fails even leniently, acceptable
/// fails strictly but passes leniently.
fn verdict(expected: Expected, strict_ok: bool, lenient_ok: bool) -> bool {
    match expected {
        Expected::Valid => strict_ok,
        Expected::Invalid => !lenient_ok,
        Expected::Acceptable => !strict_ok && lenient_ok,
    }
}

fn show(r: &Result<(), String>) -> String {
    match r {
        Ok(()) => "valid".into(),
        Err(e) => format!("invalid ({e})"),
    }
}

fn wire_bytes(wire: &str, base64_encode: bool) -> Vec<u8> {
    if base64_encode {
        base64::engine::general_purpose::STANDARD
            .encode(wire)
            .into_bytes()
    } else {
        wire.as_bytes().to_vec()
    }
}

fn parse_and_verify(
    kind: MessageKind,
    wire: &[u8],
    mode: Mode,
    creds: Credentials<'_>,
) -> Result<(), String> {
    let received = any::parse(kind, wire, mode).map_err(|e| e.to_string())?;
    received
        .verify(creds, Charset::Utf8)
        .map_err(|e| e.to_string())
}

fn check_lines(received: &Received, clock: &Clock, mode: Mode) -> Vec<String> {
    check::check(received, clock, mode)
        .iter()
        .map(ToString::to_string)
        .collect()
}

/// Loads, lints and runs one file.
pub fn run_file(path: &Path) -> Result<FileReport, LintError> {
    let file = vectors::load(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cases =
        run(&file, path.parent().unwrap_or(Path::new("."))).map_err(|problem| LintError::Lint {
            file: name.clone(),
            problem,
        })?;
    Ok(FileReport {
        file: name,
        message: file.message,
        cases,
    })
}

fn run(file: &VectorFile, dir: &Path) -> Result<Vec<CaseOutcome>, String> {
    let kind = MessageKind::from_name(&file.message).ok_or("unknown message")?;
    let mut out = Vec::new();
    let mut push = |tc_id, comment: &str, flags: &[String], expected, passed, detail| {
        out.push(CaseOutcome {
            tc_id,
            comment: comment.to_owned(),
            flags: flags.to_vec(),
            expected,
            passed,
            detail,
        })
    };
    for group in &file.test_groups {
        match group {
            TestGroup::Md5Sign {
                key,
                charset,
                tests,
            } => {
                let key = MerchantKey::new(key.as_str());
                let charset = match charset {
                    Some(c) => Charset::from_name(c).ok_or(format!("unknown charset {c}"))?,
                    None => Charset::Utf8,
                };
                for t in tests {
                    let computed = any::md5_sign_fields(kind, &t.fields, &key, charset);
                    let source = any::sign_source_fields(kind, &t.fields);
                    let source_ok = match (&t.sign_source, &source) {
                        (Some(want), Ok(got)) => want == got,
                        (Some(_), Err(_)) => false,
                        (None, _) => true,
                    };
                    let (matches, detail) = match &computed {
                        Ok(sig) => (
                            sig.as_str() == t.sign_msg,
                            format!(
                                "computed {sig}; sign source {}",
                                if source_ok {
                                    "as documented"
                                } else {
                                    "DIFFERS"
                                }
                            ),
                        ),
                        Err(e) => (false, format!("error: {e}")),
                    };
                    let passed = match t.result {
                        Expected::Valid | Expected::Acceptable => matches && source_ok,
                        Expected::Invalid => !matches && source_ok,
                    };
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::Md5Verify { key, tests } => {
                let key = MerchantKey::new(key.as_str());
                let creds = Credentials {
                    key: Some(&key),
                    cert: None,
                };
                for t in tests {
                    let strict = parse_and_verify(kind, t.wire.as_bytes(), Mode::Strict, creds);
                    let lenient = parse_and_verify(kind, t.wire.as_bytes(), Mode::Lenient, creds);
                    let passed = verdict(t.result, strict.is_ok(), lenient.is_ok());
                    let detail = format!("strict: {}; lenient: {}", show(&strict), show(&lenient));
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::CertVerify { certificate, tests } => {
                let bytes = std::fs::read(dir.join(certificate))
                    .map_err(|e| format!("certificate {certificate}: {e}"))?;
                let cert = GatewayCert::from_bytes(&bytes)
                    .map_err(|e| format!("certificate {certificate}: {e}"))?;
                let creds = Credentials {
                    key: None,
                    cert: Some(&cert),
                };
                for t in tests {
                    let strict = parse_and_verify(kind, t.wire.as_bytes(), Mode::Strict, creds);
                    let lenient = parse_and_verify(kind, t.wire.as_bytes(), Mode::Lenient, creds);
                    let passed = verdict(t.result, strict.is_ok(), lenient.is_ok());
                    let detail = format!("strict: {}; lenient: {}", show(&strict), show(&lenient));
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::Ext1 { tests } => {
                for t in tests {
                    let req = match any::from_fields(MessageKind::PayRequest, &t.fields) {
                        Ok(any::AnyMessage::PayRequest(r)) => r,
                        Ok(_) => return Err("ext1 fields did not build a pay-request".into()),
                        Err(e) => return Err(format!("tcId {}: {e}", t.tc_id)),
                    };
                    let digest = allinpay_protocol::ext1::ext1_digest(&req, Charset::Utf8);
                    let source = allinpay_protocol::ext1::ext1_source(&req);
                    let source_ok = t.ext1_source.as_ref().is_none_or(|s| *s == source);
                    let matches = digest.as_ref().is_ok_and(|d| d.as_str() == t.digest);
                    let passed = match t.result {
                        Expected::Valid | Expected::Acceptable => matches && source_ok,
                        Expected::Invalid => !matches && source_ok,
                    };
                    let detail = format!("computed {digest:?}; ext1src {source}");
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::Parse { tests } => {
                for t in tests {
                    let wire = wire_bytes(&t.wire, t.base64_encode);
                    let strict = any::parse(kind, &wire, Mode::Strict);
                    let lenient = any::parse(kind, &wire, Mode::Lenient);
                    let expected_ok = match (&t.expected, &lenient) {
                        (Some(want), Ok(got)) => {
                            serde_json::to_value(&got.message).ok().as_ref() == Some(want)
                        }
                        _ => true,
                    };
                    let passed = verdict(t.result, strict.is_ok(), lenient.is_ok()) && expected_ok;
                    let detail = format!(
                        "strict: {}; lenient: {}{}",
                        strict
                            .as_ref()
                            .map_or_else(|e| format!("rejected ({e})"), |_| "parsed".into()),
                        lenient.as_ref().map_or_else(
                            |e| format!("rejected ({e})"),
                            |r| format!("parsed, deviations {:?}", r.deviations)
                        ),
                        if expected_ok {
                            ""
                        } else {
                            "; parsed value differs from expected"
                        }
                    );
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::SignatureDecode { tests } => {
                for t in tests {
                    let decoded = decode_base64_signature(&t.sign_msg);
                    let ok = decoded.as_ref().is_ok_and(|d| d.len() == t.bytes);
                    let passed = match t.result {
                        Expected::Valid | Expected::Acceptable => ok,
                        Expected::Invalid => !ok,
                    };
                    let detail = match decoded {
                        Ok(d) => format!("decodes to {} bytes", d.len()),
                        Err(e) => format!("does not decode: {e}"),
                    };
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
            TestGroup::Check { now, tests } => {
                let clock = Clock::fixed(now).ok_or(format!("bad clock {now}"))?;
                for t in tests {
                    let wire = wire_bytes(&t.wire, t.base64_encode);
                    let strict = any::parse(kind, &wire, Mode::Strict)
                        .map(|r| check_lines(&r, &clock, Mode::Strict))
                        .map_err(|e| e.to_string());
                    let lenient = any::parse(kind, &wire, Mode::Lenient)
                        .map(|r| check_lines(&r, &clock, Mode::Lenient))
                        .map_err(|e| e.to_string());
                    let strict_ok = strict.as_ref().is_ok_and(Vec::is_empty);
                    let lenient_ok = lenient.as_ref().is_ok_and(Vec::is_empty);
                    let lines_ok = match t.result {
                        // Invalid and acceptable cases list what strict mode reports.
                        Expected::Invalid | Expected::Acceptable => {
                            strict.as_ref().is_ok_and(|v| *v == t.violations)
                        }
                        Expected::Valid => true,
                    };
                    let passed = verdict(t.result, strict_ok, lenient_ok) && lines_ok;
                    let detail = format!("strict: {strict:?}; lenient: {lenient:?}");
                    push(t.tc_id, &t.comment, &t.flags, t.result, passed, detail);
                }
            }
        }
    }
    Ok(out)
}
