//! Runner cases: every test of every vector file, with a stable id that starts with the
//! spec section (`5.2/pay-request/spec_pay_request/tc3`), and the adapter request it makes
//! (`docs/adapter.md`).

use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::{any, Charset, MessageKind};

use crate::class::{classify, CaseClass};
use crate::vectors::{self, Expected, LintError, TestGroup, VectorFile};

/// What a case asks the implementation to do, with what the vector expects.
#[derive(Clone, Debug)]
pub enum CaseOp {
    /// §5.2 MD5 signature of `fields` (texts: §3.8 `MD5(text|key)`).
    Sign {
        key: String,
        charset: Charset,
        fields: Map<String, Value>,
        sign_source: Option<String>,
        /// Texts: the signed-text form asked for (ERRATA E-3.8-TEXT).
        text_form: Option<TextForm>,
        sign_msg: String,
    },
    /// §5.3: parse the wire form and verify it with the key or the certificate.
    Verify {
        key: Option<String>,
        /// The charset MD5 hashes in (the group's; payData declares it in inputCharset).
        charset: Option<Charset>,
        /// The merchant's configured signType, when the vector sets one (§2.2.3).
        configured_sign_type: Option<String>,
        /// The certificate's file under `vectors/` and its PEM text.
        certificate: Option<(String, String)>,
        wire: String,
    },
    /// Parse the wire form (structure only).
    Parse {
        wire: String,
        expected: Option<Value>,
    },
    /// Every constraint of the tables and prose.
    Check {
        now: String,
        wire: String,
        violations: Vec<String>,
    },
    /// §5.4 digest.
    Ext1 {
        fields: Map<String, Value>,
        ext1_source: Option<String>,
        digest: String,
    },
    /// Decode a printed base64 signMsg (§3.4, §3.8).
    DecodeSignature { sign_msg: String, bytes: usize },
}

impl CaseOp {
    /// The operation's name in the adapter protocol.
    pub fn name(&self) -> &'static str {
        match self {
            CaseOp::Sign { .. } => "sign",
            CaseOp::Verify { .. } => "verify",
            CaseOp::Parse { .. } => "parse",
            CaseOp::Check { .. } => "check",
            CaseOp::Ext1 { .. } => "ext1",
            CaseOp::DecodeSignature { .. } => "decode-signature",
        }
    }
}

/// Which party's code a `sign` or `verify` request asks (§5): the merchant signs its
/// requests and verifies the gateway's answers and notifications; the gateway (a
/// sandbox-like implementation) signs those and verifies the merchant's requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    Merchant,
    Gateway,
}

impl Side {
    /// The name in the adapter protocol.
    pub fn name(self) -> &'static str {
        match self {
            Side::Merchant => "merchant",
            Side::Gateway => "gateway",
        }
    }

    pub fn from_name(name: &str) -> Option<Side> {
        match name {
            "merchant" => Some(Side::Merchant),
            "gateway" => Some(Side::Gateway),
            _ => None,
        }
    }

    /// Who signs `kind` (its §5 scheme); `None` for unsigned messages.
    pub fn signer(kind: MessageKind) -> Option<Side> {
        match kind.def().scheme {
            SignScheme::MerchantMd5 => Some(Side::Merchant),
            SignScheme::GatewayNameValue | SignScheme::GatewayText => Some(Side::Gateway),
            SignScheme::Unsigned => None,
        }
    }

    /// Who verifies `kind`: the party that receives it.
    pub fn verifier(kind: MessageKind) -> Option<Side> {
        Side::signer(kind).map(|s| match s {
            Side::Merchant => Side::Gateway,
            Side::Gateway => Side::Merchant,
        })
    }

    /// The side a `sign` (`verifying` false) or `verify` request of `message` asks.
    pub fn of_request(message: &str, verifying: bool) -> Option<Side> {
        let kind = MessageKind::from_name(message)?;
        if verifying {
            Side::verifier(kind)
        } else {
            Side::signer(kind)
        }
    }
}

/// The signature scheme a case exercises (§5.3): MD5 with the key (signType 0) or the
/// gateway certificate (signType 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SignMode {
    Md5,
    Certificate,
}

impl SignMode {
    pub fn name(self) -> &'static str {
        match self {
            SignMode::Md5 => "md5",
            SignMode::Certificate => "certificate",
        }
    }
}

/// One test of one vector file.
#[derive(Clone, Debug)]
pub struct Case {
    /// `SECTION/MESSAGE/FILE/tcN`.
    pub id: String,
    /// The vector file's stem (`spec_pay_request`).
    pub file: String,
    pub message: String,
    /// The spec section without `§` (`2.2.3`).
    pub section: String,
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub expected: Expected,
    pub op: CaseOp,
    /// Conformance or hardening, from the flags (`class.rs`).
    pub class: CaseClass,
}

impl Case {
    /// A documented value that no rule reproduces (flag `Erratum…`).
    pub fn is_erratum(&self) -> bool {
        self.flags.iter().any(|f| f.starts_with("Erratum"))
    }

    /// The side a `sign` or `verify` case asks ([`Side`]); `None` for the other operations.
    pub fn side(&self) -> Option<Side> {
        match self.op {
            CaseOp::Sign { .. } => Side::of_request(&self.message, false),
            CaseOp::Verify { .. } => Side::of_request(&self.message, true),
            _ => None,
        }
    }

    /// The scheme a `sign` or `verify` case exercises: signing is MD5; a verify case's is
    /// the merchant's configuration, i.e. its one credential, else `configuredSignType`,
    /// else the signType the message declares (§5.3). An MD5-only implementation answers
    /// `unsupported` exactly to the certificate cases.
    pub fn mode(&self) -> Option<SignMode> {
        let CaseOp::Verify {
            key,
            configured_sign_type,
            certificate,
            wire,
            ..
        } = &self.op
        else {
            return matches!(self.op, CaseOp::Sign { .. }).then_some(SignMode::Md5);
        };
        let by_sign_type = |t: &str| {
            if t == "1" {
                SignMode::Certificate
            } else {
                SignMode::Md5
            }
        };
        Some(match (key, certificate) {
            (_, None) => SignMode::Md5,
            (None, Some(_)) => SignMode::Certificate,
            (Some(_), Some(_)) => match configured_sign_type {
                Some(t) => by_sign_type(t),
                None => {
                    let declared = MessageKind::from_name(&self.message)
                        .and_then(|k| any::parse(k, wire.as_bytes(), Mode::Lenient).ok())
                        .and_then(|r| r.sign_type().map(str::to_owned));
                    by_sign_type(declared.as_deref().unwrap_or("0"))
                }
            },
        })
    }

    /// The adapter request (one JSON object, `docs/adapter.md`).
    pub fn request(&self) -> Value {
        let mut req = match &self.op {
            CaseOp::Sign {
                key,
                charset,
                fields,
                text_form,
                ..
            } => {
                let mut v = json!({"op": "sign", "message": self.message, "fields": fields,
                                   "key": key, "charset": charset.name()});
                if let Some(f) = text_form {
                    v["textForm"] = json!(f.name());
                }
                v
            }
            CaseOp::Verify {
                key,
                charset,
                configured_sign_type,
                certificate,
                wire,
            } => {
                let mut v = json!({"op": "verify", "message": self.message, "wire": wire});
                if let Some(k) = key {
                    v["key"] = json!(k);
                    v["charset"] = json!(charset.map_or("utf-8", Charset::name));
                }
                if let Some(t) = configured_sign_type {
                    v["configuredSignType"] = json!(t);
                }
                if let Some((_, pem)) = certificate {
                    v["certificate"] = json!(pem);
                }
                v
            }
            CaseOp::Parse { wire, .. } => {
                json!({"op": "parse", "message": self.message, "wire": wire})
            }
            CaseOp::Check { now, wire, .. } => {
                json!({"op": "check", "message": self.message, "wire": wire, "now": now})
            }
            CaseOp::Ext1 { fields, .. } => json!({"op": "ext1", "fields": fields}),
            CaseOp::DecodeSignature { sign_msg, .. } => {
                json!({"op": "decode-signature", "signMsg": sign_msg})
            }
        };
        if let Some(side) = self.side() {
            req["side"] = json!(side.name());
        }
        req["id"] = json!(self.id);
        req
    }
}

/// The cases of one vector file, in file order.
#[derive(Clone, Debug)]
pub struct FileCases {
    /// The file name (`spec_pay_request.json`).
    pub file: String,
    pub message: String,
    pub cases: Vec<Case>,
}

/// A certificate file as PEM text (DER `.cer` files are wrapped).
fn certificate_pem(dir: &Path, rel: &str) -> Result<String, String> {
    let bytes = std::fs::read(dir.join(rel)).map_err(|e| format!("certificate {rel}: {e}"))?;
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        return String::from_utf8(bytes).map_err(|_| format!("certificate {rel}: not UTF-8"));
    }
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    Ok(pem)
}

/// A group's `charset`, one of the names [`Charset::from_name`] knows.
fn charset_of(name: Option<&str>) -> Result<Option<Charset>, String> {
    name.map(|n| Charset::from_name(n).ok_or_else(|| format!("unknown charset {n:?}")))
        .transpose()
}

fn encode_if(wire: &str, base64_encode: bool) -> String {
    if base64_encode {
        base64::engine::general_purpose::STANDARD.encode(wire)
    } else {
        wire.to_owned()
    }
}

/// The cases of a loaded file; `dir` is where certificates are looked up.
pub fn from_file(name: &str, file: &VectorFile, dir: &Path) -> Result<FileCases, LintError> {
    let lint = |problem: String| LintError::Lint {
        file: name.to_owned(),
        problem,
    };
    let stem = name.strip_suffix(".json").unwrap_or(name);
    let mut cases = Vec::new();
    let mut push = |tc_id: u32, comment: &str, flags: &[String], section: &str, expected, op| {
        let section = section.trim_start_matches('§').trim().to_owned();
        cases.push(Case {
            id: format!("{section}/{}/{stem}/tc{tc_id}", file.message),
            file: stem.to_owned(),
            message: file.message.clone(),
            section,
            tc_id,
            comment: comment.to_owned(),
            flags: flags.to_vec(),
            expected,
            op,
            class: classify(flags).class,
        });
    };
    for group in &file.test_groups {
        match group {
            TestGroup::Md5Sign {
                key,
                charset,
                tests,
            } => {
                let charset = charset_of(charset.as_deref()).map_err(lint)?;
                for t in tests {
                    let text_form = match t.text_form.as_deref() {
                        Some(f) => Some(TextForm::from_name(f).ok_or_else(|| {
                            lint(format!("tc{}: unknown textForm {f:?}", t.tc_id))
                        })?),
                        None => None,
                    };
                    let op = CaseOp::Sign {
                        key: key.clone(),
                        charset: charset.unwrap_or(Charset::Utf8),
                        fields: t.fields.clone(),
                        sign_source: t.sign_source.clone(),
                        text_form,
                        sign_msg: t.sign_msg.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::Md5Verify {
                key,
                charset,
                tests,
            } => {
                let charset = charset_of(charset.as_deref()).map_err(lint)?;
                for t in tests {
                    let op = CaseOp::Verify {
                        key: Some(key.clone()),
                        charset,
                        configured_sign_type: None,
                        certificate: None,
                        wire: t.wire.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::CertVerify { certificate, tests } => {
                let pem = certificate_pem(dir, certificate).map_err(lint)?;
                for t in tests {
                    let op = CaseOp::Verify {
                        key: None,
                        charset: None,
                        configured_sign_type: None,
                        certificate: Some((certificate.clone(), pem.clone())),
                        wire: t.wire.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::Verify {
                key,
                certificate,
                charset,
                configured_sign_type,
                tests,
            } => {
                let cert = match certificate {
                    Some(c) => Some((c.clone(), certificate_pem(dir, c).map_err(lint)?)),
                    None => None,
                };
                let charset = charset_of(charset.as_deref()).map_err(lint)?;
                for t in tests {
                    let op = CaseOp::Verify {
                        key: key.clone(),
                        charset,
                        configured_sign_type: configured_sign_type.clone(),
                        certificate: cert.clone(),
                        wire: t.wire.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::Ext1 { tests } => {
                for t in tests {
                    let op = CaseOp::Ext1 {
                        fields: t.fields.clone(),
                        ext1_source: t.ext1_source.clone(),
                        digest: t.digest.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::Parse { tests } => {
                for t in tests {
                    let op = CaseOp::Parse {
                        wire: encode_if(&t.wire, t.base64_encode),
                        expected: t.expected.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::SignatureDecode { tests } => {
                for t in tests {
                    let op = CaseOp::DecodeSignature {
                        sign_msg: t.sign_msg.clone(),
                        bytes: t.bytes,
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
            TestGroup::Check { now, tests } => {
                for t in tests {
                    let op = CaseOp::Check {
                        now: now.clone(),
                        wire: encode_if(&t.wire, t.base64_encode),
                        violations: t.violations.clone(),
                    };
                    push(t.tc_id, &t.comment, &t.flags, &t.section, t.result, op);
                }
            }
        }
    }
    Ok(FileCases {
        file: name.to_owned(),
        message: file.message.clone(),
        cases,
    })
}

/// Loads and lints one vector file and derives its cases.
pub fn load_file(path: &Path) -> Result<FileCases, LintError> {
    let file = vectors::load(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    from_file(&name, &file, path.parent().unwrap_or(Path::new(".")))
}

/// Every case of every `*.json` file under `dir`, files sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<FileCases>, LintError> {
    let files = vectors::files(dir).map_err(|e| LintError::Io(dir.display().to_string(), e))?;
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for f in &files {
        let fc = load_file(f)?;
        for c in &fc.cases {
            if !seen.insert(c.id.clone()) {
                return Err(LintError::Lint {
                    file: fc.file.clone(),
                    problem: format!("case id {} is not unique", c.id),
                });
            }
        }
        out.push(fc);
    }
    Ok(out)
}

/// Glob match on case ids: `*` any run of characters (`/` included), `?` one character;
/// everything else literal.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point (the last `*`).
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(message: &str, op: CaseOp) -> Case {
        Case {
            id: format!("x/{message}/f/tc1"),
            file: "f".into(),
            message: message.into(),
            section: "x".into(),
            tc_id: 1,
            comment: String::new(),
            flags: Vec::new(),
            expected: Expected::Valid,
            op,
            class: CaseClass::Conformance,
        }
    }

    fn verify(key: bool, cert: bool, configured: Option<&str>, wire: &str) -> CaseOp {
        CaseOp::Verify {
            key: key.then(|| "1234567890".to_owned()),
            charset: None,
            configured_sign_type: configured.map(str::to_owned),
            certificate: cert.then(|| ("c.pem".to_owned(), "PEM".to_owned())),
            wire: wire.to_owned(),
        }
    }

    #[test]
    fn the_merchant_signs_requests_and_verifies_answers() {
        let sign = || CaseOp::Sign {
            key: "1234567890".into(),
            charset: Charset::Utf8,
            fields: Map::new(),
            sign_source: None,
            text_form: None,
            sign_msg: String::new(),
        };
        let side = |m: &str, op: CaseOp| case(m, op).side();
        assert_eq!(side("pay-request", sign()), Some(Side::Merchant));
        assert_eq!(side("refund-response", sign()), Some(Side::Gateway));
        assert_eq!(side("refund-query-response", sign()), Some(Side::Gateway));
        assert_eq!(
            side("pay-notify", verify(true, false, None, "")),
            Some(Side::Merchant)
        );
        assert_eq!(
            side("pay-request", verify(true, false, None, "")),
            Some(Side::Gateway)
        );
        assert_eq!(
            side("order-query", verify(true, false, None, "")),
            Some(Side::Gateway)
        );
        let parse = CaseOp::Parse {
            wire: String::new(),
            expected: None,
        };
        assert_eq!(side("pay-notify", parse.clone()), None);
        let req = case("pay-notify", verify(true, false, None, "")).request();
        assert_eq!(req["side"], "merchant");
        assert!(case("pay-notify", parse).request().get("side").is_none());
    }

    #[test]
    fn a_verify_case_mode_is_the_merchant_configuration() {
        let mode = |op: CaseOp| case("pay-notify", op).mode();
        let md5 = "merchantId=1&signType=0&signMsg=AB";
        let rsa = "merchantId=1&signType=1&signMsg=AB";
        assert_eq!(mode(verify(true, false, None, rsa)), Some(SignMode::Md5));
        assert_eq!(
            mode(verify(false, true, None, md5)),
            Some(SignMode::Certificate)
        );
        assert_eq!(
            mode(verify(true, true, Some("1"), md5)),
            Some(SignMode::Certificate)
        );
        assert_eq!(
            mode(verify(true, true, Some("0"), rsa)),
            Some(SignMode::Md5)
        );
        assert_eq!(
            mode(verify(true, true, None, rsa)),
            Some(SignMode::Certificate)
        );
        assert_eq!(mode(verify(true, true, None, md5)), Some(SignMode::Md5));
    }

    #[test]
    fn glob() {
        let id = "5.2/pay-request/spec_pay_request/tc3";
        assert!(glob_match(id, id));
        assert!(glob_match("5.2/*", id));
        assert!(glob_match("*", id));
        assert!(glob_match("*/spec_pay_request/*", id));
        assert!(glob_match("*tc?", id));
        assert!(glob_match("5.?/*/tc3", id));
        assert!(!glob_match("5.2/*/tc1", id));
        assert!(!glob_match("5.2", id));
        assert!(!glob_match("*tc", id));
        assert!(!glob_match("2.1/*", id));
        assert!(glob_match("a*b*c", "axxbyyc"));
        assert!(!glob_match("a*b*c", "axxbyy"));
        assert!(glob_match("", ""));
        assert!(!glob_match("", "x"));
        assert!(glob_match("§*", "§5.2"));
    }
}
