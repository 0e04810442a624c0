//! The vector format (documented in `vectors/README.md`, schema `allinpay-vectors/v1`):
//! Wycheproof-like files with `tcId`, `comment`, `flags` and a three-way `result`.
//! Every struct denies unknown fields, so a typo in a vector file is an error.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

pub const SCHEMA: &str = "allinpay-vectors/v1";

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VectorFile {
    pub schema: String,
    /// The message's command-line name (`pay-notify`, …).
    pub message: String,
    pub description: String,
    pub source: Source,
    /// Every flag used by a test, with its meaning. Flags starting with `Erratum` mark a
    /// documented value that no rule reproduces (see `vectors/ERRATA.md`).
    pub notes: BTreeMap<String, String>,
    pub number_of_tests: usize,
    pub test_groups: Vec<TestGroup>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub kind: SourceKind,
    /// Spec section, capture origin, or generator.
    pub reference: String,
    /// How the expected values were obtained, outside the code under test.
    pub method: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Spec,
    PublicCapture,
    Generated,
    /// Written from captured traffic by `allinpay-conformance traffic --to-vectors`.
    TrafficCapture,
}

/// Wycheproof's three-way verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expected {
    /// Must pass in strict mode.
    Valid,
    /// Must fail.
    Invalid,
    /// A real-world quirk: fails in strict mode, passes in lenient mode.
    Acceptable,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(tag = "type", deny_unknown_fields)]
pub enum TestGroup {
    /// Sign `fields` with `key`; compare with `signMsg` (and the sign source, if given).
    Md5Sign {
        key: String,
        #[serde(default)]
        charset: Option<String>,
        tests: Vec<Md5SignTest>,
    },
    /// Parse `wire` and verify it with `key` (MD5), hashing in `charset` (default UTF-8;
    /// payData declares it in `inputCharset`, §5.1 c).
    Md5Verify {
        key: String,
        #[serde(default)]
        charset: Option<String>,
        tests: Vec<WireTest>,
    },
    /// Parse `wire` and verify it with the certificate (path relative to `vectors/`).
    CertVerify {
        certificate: String,
        tests: Vec<WireTest>,
    },
    /// Verify as a merchant configured so: the key and/or the certificate, and the
    /// signType its orders use (`configuredSignType`; §2.2.3). The attack battery.
    #[serde(rename_all = "camelCase")]
    Verify {
        #[serde(default)]
        key: Option<String>,
        #[serde(default)]
        certificate: Option<String>,
        #[serde(default)]
        charset: Option<String>,
        #[serde(default)]
        configured_sign_type: Option<String>,
        tests: Vec<WireTest>,
    },
    /// §5.4 digest of the international-card fields.
    Ext1 { tests: Vec<Ext1Test> },
    /// Parse `wire` (structure only; constraints are `Check` groups).
    Parse { tests: Vec<ParseTest> },
    /// Decode a printed base64 `signMsg`; valid when it decodes to `bytes` bytes.
    SignatureDecode { tests: Vec<SignatureDecodeTest> },
    /// Run every constraint check on `wire`; compare the violations with `violations`.
    Check {
        /// The clock for time-window rules, `yyyyMMddHHmmss`.
        now: String,
        tests: Vec<CheckTest>,
    },
}

impl TestGroup {
    pub fn len(&self) -> usize {
        match self {
            TestGroup::Md5Sign { tests, .. } => tests.len(),
            TestGroup::Md5Verify { tests, .. }
            | TestGroup::CertVerify { tests, .. }
            | TestGroup::Verify { tests, .. } => tests.len(),
            TestGroup::Ext1 { tests } => tests.len(),
            TestGroup::Parse { tests } => tests.len(),
            TestGroup::SignatureDecode { tests } => tests.len(),
            TestGroup::Check { tests, .. } => tests.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Fields every test has.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Md5SignTest {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub sign_source: Option<String>,
    /// Texts only: the signed-text form to sign (`literal`, `terminated`, `blank-line`;
    /// ERRATA E-3.8-TEXT). Absent: the message's default form.
    #[serde(default)]
    pub text_form: Option<String>,
    pub sign_msg: String,
    pub result: Expected,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct WireTest {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub wire: String,
    pub result: Expected,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ext1Test {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub fields: Map<String, Value>,
    #[serde(default)]
    pub ext1_source: Option<String>,
    pub digest: String,
    pub result: Expected,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ParseTest {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub wire: String,
    /// The wire is base64 of `wire` (batch bodies are written decoded for readability).
    #[serde(default)]
    pub base64_encode: bool,
    /// The parsed message as `parse` prints it, when given.
    #[serde(default)]
    pub expected: Option<Value>,
    pub result: Expected,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SignatureDecodeTest {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub sign_msg: String,
    pub bytes: usize,
    pub result: Expected,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CheckTest {
    pub tc_id: u32,
    pub comment: String,
    pub flags: Vec<String>,
    pub section: String,
    pub wire: String,
    #[serde(default)]
    pub base64_encode: bool,
    /// Expected `field: rule (§x.y)` lines, in order (empty: conforming).
    pub violations: Vec<String>,
    pub result: Expected,
}

/// Why a vector file is malformed.
#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error("{0}: cannot read: {1}")]
    Io(String, std::io::Error),
    #[error("{0}: not a vector file: {1}")]
    Json(String, serde_json::Error),
    #[error("{file}: {problem}")]
    Lint { file: String, problem: String },
}

/// Reads and lints one file: schema tag, known message, non-empty groups, unique tcIds,
/// `numberOfTests` right, every flag described in `notes`.
pub fn load(path: &Path) -> Result<VectorFile, LintError> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| LintError::Io(name.clone(), e))?;
    let file: VectorFile =
        serde_json::from_str(&text).map_err(|e| LintError::Json(name.clone(), e))?;
    let lint = |problem: String| LintError::Lint {
        file: name.clone(),
        problem,
    };
    if file.schema != SCHEMA {
        return Err(lint(format!(
            "schema is {:?}, expected {SCHEMA:?}",
            file.schema
        )));
    }
    if allinpay_protocol::MessageKind::from_name(&file.message).is_none() {
        return Err(lint(format!("unknown message {:?}", file.message)));
    }
    let total: usize = file.test_groups.iter().map(TestGroup::len).sum();
    if total == 0 {
        return Err(lint("the file has zero test cases".into()));
    }
    if let Some(i) = file.test_groups.iter().position(TestGroup::is_empty) {
        return Err(lint(format!("test group {i} is empty")));
    }
    if total != file.number_of_tests {
        return Err(lint(format!(
            "numberOfTests is {} but the groups hold {total}",
            file.number_of_tests
        )));
    }
    for g in &file.test_groups {
        let charset = match g {
            TestGroup::Md5Sign { charset, .. }
            | TestGroup::Md5Verify { charset, .. }
            | TestGroup::Verify { charset, .. } => charset.as_deref(),
            _ => None,
        };
        if let Some(cs) = charset {
            if allinpay_protocol::Charset::from_name(cs).is_none() {
                return Err(lint(format!("unknown charset {cs:?}")));
            }
        }
        if let TestGroup::Verify {
            key,
            certificate,
            configured_sign_type,
            ..
        } = g
        {
            if key.is_none() && certificate.is_none() {
                return Err(lint("a Verify group needs key or certificate".into()));
            }
            if let Some(t) = configured_sign_type
                .as_deref()
                .filter(|t| !["0", "1"].contains(t))
            {
                return Err(lint(format!("configuredSignType {t:?} is not 0 or 1")));
            }
        }
        if let TestGroup::Md5Sign { tests, .. } = g {
            for t in tests {
                if let Some(f) = &t.text_form {
                    if allinpay_protocol::sign::TextForm::from_name(f).is_none() {
                        return Err(lint(format!("tcId {}: unknown textForm {f:?}", t.tc_id)));
                    }
                }
            }
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (id, flags) in ids_and_flags(&file) {
        if !seen.insert(id) {
            return Err(lint(format!("duplicate tcId {id}")));
        }
        for f in flags {
            if !file.notes.contains_key(f) {
                return Err(lint(format!(
                    "tcId {id}: flag {f} is not described in notes"
                )));
            }
        }
    }
    Ok(file)
}

fn ids_and_flags(file: &VectorFile) -> Vec<(u32, &[String])> {
    let mut out = Vec::new();
    for g in &file.test_groups {
        match g {
            TestGroup::Md5Sign { tests, .. } => {
                out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..])))
            }
            TestGroup::Md5Verify { tests, .. }
            | TestGroup::CertVerify { tests, .. }
            | TestGroup::Verify { tests, .. } => {
                out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..])))
            }
            TestGroup::Ext1 { tests } => out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..]))),
            TestGroup::Parse { tests } => out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..]))),
            TestGroup::SignatureDecode { tests } => {
                out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..])))
            }
            TestGroup::Check { tests, .. } => {
                out.extend(tests.iter().map(|t| (t.tc_id, &t.flags[..])))
            }
        }
    }
    out
}

/// Every `*.json` file directly under `dir`, sorted.
pub fn files(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut v: Vec<_> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    Ok(v)
}
