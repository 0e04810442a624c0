//! `--to-vectors DIR`: every judged message as a capture vector (`vectors/README.md`),
//! one file per message kind. Each test names its provenance (file, entry, time, side);
//! the key goes into a file only when it was given, and without it the file holds
//! parse and check cases. Every test is flagged `RealMerchantData`, fields masked with
//! `--redact` are flagged and listed, and the files pass the suite's lint
//! ([`crate::vectors::load`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use allinpay_protocol::any;
use allinpay_protocol::check;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::{MerchantKey, SignType};

use super::error::TrafficError;
use super::finding::{Severity, Topic};
use super::judge::{JudgedMessage, SignatureStatus};
use super::redact::Redaction;
use super::report::{EntryReport, TrafficReport};

/// What `--to-vectors` writes with.
#[derive(Debug)]
pub struct VectorOptions<'a> {
    pub dir: &'a Path,
    /// Written into `Md5Verify` groups only when given.
    pub key: Option<&'a MerchantKey>,
    /// The gateway certificate as given (PEM or DER), copied to `DIR/keys/` for
    /// `CertVerify` groups.
    pub cert: Option<&'a [u8]>,
    pub redact: &'a Redaction,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Written {
    pub files: Vec<PathBuf>,
    pub tests: usize,
    /// Messages not written, with the reason.
    pub skipped: Vec<String>,
    /// Field name → how many messages had it masked.
    pub redacted: BTreeMap<String, usize>,
}

/// The tests of one message kind, by group.
#[derive(Default)]
struct KindFile {
    parse: Vec<Value>,
    /// `now` → tests.
    check: BTreeMap<String, Vec<Value>>,
    /// charset → tests.
    md5: BTreeMap<String, Vec<Value>>,
    cert: Vec<Value>,
    flags: BTreeMap<&'static str, String>,
    next_id: u32,
}

impl KindFile {
    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id
    }
}

const CERT_FILE: &str = "keys/traffic-gateway-cert.pem";

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> TrafficError + '_ {
    move |source| TrafficError::Write {
        path: path.display().to_string(),
        source,
    }
}

/// Writes the vectors of `report` into `opts.dir`.
pub fn write(report: &TrafficReport, opts: &VectorOptions<'_>) -> Result<Written, TrafficError> {
    let mut out = Written::default();
    let mut kinds: BTreeMap<&'static str, KindFile> = BTreeMap::new();
    for (e, m) in report.messages() {
        let provenance = provenance(e, m);
        let wire = match opts.redact.apply(m.kind, &m.wire) {
            Some(w) => w,
            None => {
                out.skipped
                    .push(format!("{provenance}: the wire is not UTF-8 text"));
                continue;
            }
        };
        let (wire, masked) = wire;
        let Ok(wire) = String::from_utf8(wire) else {
            out.skipped
                .push(format!("{provenance}: the wire is not UTF-8 text"));
            continue;
        };
        for f in &masked {
            *out.redacted.entry(f.clone()).or_default() += 1;
        }
        let f = kinds.entry(m.kind.name()).or_default();
        add_tests(f, m, &wire, &masked, &provenance, opts);
    }
    if kinds.is_empty() {
        return Ok(out);
    }
    std::fs::create_dir_all(opts.dir).map_err(io(opts.dir))?;
    if opts.cert.is_some() && kinds.values().any(|k| !k.cert.is_empty()) {
        let path = opts.dir.join(CERT_FILE);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io(parent))?;
        }
        std::fs::write(&path, opts.cert.unwrap_or_default()).map_err(io(&path))?;
    }
    let inputs: Vec<&str> = report.inputs.iter().map(|i| i.path.as_str()).collect();
    for (name, k) in kinds {
        let (doc, tests) = document(name, k, &inputs, opts);
        let path = free_name(opts.dir, name);
        let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
        text.push('\n');
        std::fs::write(&path, text).map_err(io(&path))?;
        out.tests += tests;
        out.files.push(path);
    }
    Ok(out)
}

/// `traffic_KIND.json`, or `_2`, `_3`… so that no earlier file is overwritten.
fn free_name(dir: &Path, kind: &str) -> PathBuf {
    let stem = format!("traffic_{}", kind.replace('-', "_"));
    let mut n = 1;
    loop {
        let name = if n == 1 {
            format!("{stem}.json")
        } else {
            format!("{stem}_{n}.json")
        };
        let p = dir.join(name);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

fn provenance(e: &EntryReport, m: &JudgedMessage) -> String {
    let mut s = format!("{} {}", e.place.file, e.place.entry);
    if let Some(t) = &e.time {
        s.push_str(&format!(" {t}"));
    }
    s.push_str(&format!(" {}", m.side.name()));
    if let (Some(method), Some(url)) = (&e.method, &e.url) {
        s.push_str(&format!(" ({method} {url})"));
    }
    s
}

fn add_tests(
    f: &mut KindFile,
    m: &JudgedMessage,
    wire: &str,
    masked: &[String],
    provenance: &str,
    opts: &VectorOptions<'_>,
) {
    let mut flags = vec!["TrafficCapture", "RealMerchantData"];
    f.flags.insert(
        "TrafficCapture",
        "Captured traffic judged by `allinpay-conformance traffic`; the comment names the file, entry, time and side.".into(),
    );
    f.flags.insert(
        "RealMerchantData",
        "Holds a real merchant's data as captured (merchant id, order numbers, amounts, times, unmasked fields): review it before sharing.".into(),
    );
    if !masked.is_empty() {
        flags.push("Redacted");
        f.flags.insert(
            "Redacted",
            "Values masked with --redact (digits 0, letters x, other characters *); the comment lists the fields. A signature over a masked value no longer verifies, so such tests have no Verify case.".into(),
        );
    }
    let section = format!("§{}", m.section);
    let mut comment = format!("{provenance}; judged {}", m.verdict.name());
    if !masked.is_empty() {
        comment.push_str(&format!("; masked: {}", masked.join(", ")));
    }
    let flags: Vec<Value> = flags.into_iter().map(Value::from).collect();
    let strict = any::parse(m.kind, wire.as_bytes(), Mode::Strict).ok();
    let lenient = strict
        .is_none()
        .then(|| any::parse(m.kind, wire.as_bytes(), Mode::Lenient).ok())
        .flatten();
    let parse_result = match (&strict, &lenient) {
        (Some(_), _) => "valid",
        (None, Some(_)) => "acceptable",
        (None, None) => "invalid",
    };
    let id = f.id();
    f.parse.push(json!({
        "tcId": id, "comment": comment, "flags": flags, "section": section,
        "wire": wire, "result": parse_result,
    }));
    let now = m.clock.now.clone();
    if let Some(clock) = check::Clock::fixed(&now) {
        // Strictly parsed: its strict violations. Parsed leniently only: acceptable when
        // the lenient check is clean. Otherwise no check case says anything a parse case
        // does not.
        let case = match (&strict, &lenient) {
            (Some(r), _) => {
                let v: Vec<String> = check::check(r, &clock, Mode::Strict)
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                let result = if v.is_empty() { "valid" } else { "invalid" };
                Some((v, result))
            }
            (None, Some(r)) if check::check(r, &clock, Mode::Lenient).is_empty() => {
                Some((Vec::new(), "acceptable"))
            }
            _ => None,
        };
        if let Some((violations, result)) = case {
            let id = f.id();
            let t = json!({
                "tcId": id, "comment": comment, "flags": flags, "section": section,
                "wire": wire, "violations": violations, "result": result,
            });
            f.check.entry(now).or_default().push(t);
        }
    }
    let checkable = matches!(
        m.signature.status,
        SignatureStatus::Verified | SignatureStatus::Failed
    );
    if !masked.is_empty() || !checkable || m.kind.def().scheme == SignScheme::Unsigned {
        return;
    }
    let Some(r) = &m.received else { return };
    let quirk = m
        .findings
        .iter()
        .any(|x| x.topic == Topic::Signature && x.severity == Severity::Quirk);
    let result = match m.signature.status {
        SignatureStatus::Verified if quirk => "acceptable",
        SignatureStatus::Verified => "valid",
        _ => "invalid",
    };
    let certificate = m.kind.def().scheme != SignScheme::MerchantMd5
        && r.sign_type().and_then(SignType::known) == Some(SignType::Certificate);
    let id = f.id();
    let t = json!({
        "tcId": id, "comment": comment, "flags": flags, "section": section,
        "wire": wire, "result": result,
    });
    match (certificate, opts.key, opts.cert) {
        (true, _, Some(_)) => f.cert.push(t),
        (false, Some(_), _) => f
            .md5
            .entry(r.declared_charset().name().to_owned())
            .or_default()
            .push(t),
        _ => {}
    }
}

fn document(kind: &str, k: KindFile, inputs: &[&str], opts: &VectorOptions<'_>) -> (Value, usize) {
    let mut groups = Vec::new();
    let mut tests = 0;
    if !k.parse.is_empty() {
        tests += k.parse.len();
        groups.push(json!({"type": "Parse", "tests": k.parse}));
    }
    for (now, ts) in k.check {
        tests += ts.len();
        groups.push(json!({"type": "Check", "now": now, "tests": ts}));
    }
    if let Some(key) = opts.key {
        for (charset, ts) in k.md5 {
            tests += ts.len();
            groups.push(json!({
                "type": "Md5Verify", "key": key.expose(), "charset": charset, "tests": ts,
            }));
        }
    }
    if !k.cert.is_empty() {
        tests += k.cert.len();
        groups.push(json!({"type": "CertVerify", "certificate": CERT_FILE, "tests": k.cert}));
    }
    let mut notes = Map::new();
    for (flag, text) in k.flags {
        notes.insert(flag.to_owned(), Value::String(text));
    }
    let masked: Vec<&str> = opts.redact.fields().collect();
    let mut method = "Written by `allinpay-conformance traffic --to-vectors` from captured traffic, wire bytes as captured".to_owned();
    if !masked.is_empty() {
        method.push_str(&format!(
            " except the masked fields ({})",
            masked.join(", ")
        ));
    }
    method.push_str(". Each result is that tool's own verdict at capture time, not independently recomputed: re-derive it (e.g. with Python hashlib) before adding this file to vectors/.");
    let mut description = format!(
        "{kind} messages from captured traffic ({}), as judged.",
        inputs.join(", ")
    );
    if opts.key.is_some() {
        description.push_str(" Holds the merchant's MD5 key given with --key: keep it private.");
    }
    let doc = json!({
        "schema": crate::vectors::SCHEMA,
        "message": kind,
        "description": description,
        "source": {
            "kind": "traffic-capture",
            "reference": format!("captured traffic: {} (each test's comment names its entry)", inputs.join(", ")),
            "method": method,
        },
        "notes": notes,
        "numberOfTests": tests,
        "testGroups": groups,
    });
    (doc, tests)
}
