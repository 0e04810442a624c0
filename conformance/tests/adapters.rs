//! The runner against the example adapters (examples/adapters/): the correct ones pass
//! every case they support, and each deliberately broken variant fails exactly the cases
//! its bug breaks, and the report's root causes name its one mistake for all of them. Those cases are not listed by hand: they are computed from every vector
//! file (its groups, fields, wires, flags and expected results) and the spec's tables
//! (which fields are signed, in which order), so a vector file added later is covered
//! without editing this test.
//!
//! A libtest-mimic harness (`harness = false`): a trial whose interpreter (php, javac,
//! node) is not installed reports `ignored` with the reason, and fails instead when
//! ALLINPAY_REQUIRE_PHP / _JAVA / _NODE asks for it (.ci/run sets them: CI never skips).

use std::collections::BTreeSet;
use std::process::Command;

use libtest_mimic::Arguments;
use serde_json::{Map, Value};

use allinpay_protocol::spec::{MessageKind, SignScheme, Signing};

mod tools;
use tools::{succeeds, trial, JAVA, JDK, NODE, NODE_JS, PHP, PHP_CLI, PY};

/// The Python example restricted to one signed-text form for the §3.8/§4.x texts.
const TEXT_FORM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/tools/text_form_adapter.py"
);

fn python_has_cryptography() -> bool {
    succeeds("python3", &["-c", "import cryptography"])
}

fn php_has_openssl() -> bool {
    succeeds(
        "php",
        &["-r", "exit(function_exists('openssl_verify') ? 0 : 1);"],
    )
}

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial(
            "python_adapter_passes_and_alphabetical_order_fails_exactly_the_name_value_signatures",
            None,
            python_adapter_passes_and_alphabetical_order_fails_exactly_the_name_value_signatures,
        ),
        trial(
            "python_adapter_trusting_the_message_sign_type_falls_for_exactly_the_downgrades",
            None,
            python_adapter_trusting_the_message_sign_type_falls_for_exactly_the_downgrades,
        ),
        trial(
            "php_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break",
            Some(&PHP_CLI),
            php_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break,
        ),
        trial(
            "java_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break",
            Some(&JDK),
            java_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break,
        ),
        trial(
            "node_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break",
            Some(&NODE_JS),
            node_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break,
        ),
        trial(
            "python_adapter_without_cryptography_skips_the_certificate_cases",
            None,
            python_adapter_without_cryptography_skips_the_certificate_cases,
        ),
        trial(
            "literal_only_text_verifier_passes_and_terminated_only_fails_only_the_literal_valid_cases",
            None,
            literal_only_text_verifier_passes_and_terminated_only_fails_only_the_literal_valid_cases,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}

/// Compiles the Java example with `javac -d` into the test's temporary directory and
/// returns the class path.
fn compile_java() -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("java-adapter");
    std::fs::create_dir_all(&dir).expect("class directory");
    let out = Command::new("javac")
        .args(["-Xlint:all", "-Werror", "-d"])
        .arg(&dir)
        .arg(JAVA)
        .output()
        .expect("javac");
    assert!(
        out.status.success(),
        "javac failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_str().expect("path").to_owned()
}

/// What one run reported.
struct Run {
    code: i32,
    failing: BTreeSet<String>,
    skipped: BTreeSet<String>,
    /// `acceptable` cases the adapter accepted.
    accepted_quirks: BTreeSet<String>,
    total: usize,
    /// The root causes (name, cases) and the failures none explains.
    causes: Vec<(String, usize)>,
    unexplained: Vec<String>,
    /// The scope rows.
    scope: Vec<Value>,
}

/// Runs the adapter over every case.
fn run(adapter: &str) -> Run {
    run_env(adapter, &[])
}

fn run_env(adapter: &str, env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(["run", "--adapter", adapter, "--format", "json"])
        .envs(env.iter().copied())
        .output()
        .expect("spawn");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{adapter}: not a JSON report ({e}); stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut failing = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    let mut accepted_quirks = BTreeSet::new();
    let cases = report["cases"].as_array().expect("cases");
    for c in cases {
        let id = c["id"].as_str().expect("id").to_owned();
        match c["verdict"].as_str().expect("verdict") {
            "pass" => {}
            "skipped" => {
                skipped.insert(id);
            }
            "fail" => {
                failing.insert(id);
            }
            // An `acceptable` case accepted (a lenient run's right; fails only --strict):
            // the repartition and folded-signature quirks of the attack battery, texts
            // signed in the terminated form.
            "acceptable" => {
                accepted_quirks.insert(id);
            }
            other => panic!("{adapter}: {id} is {other}: {}", c["detail"]),
        }
    }
    let rc = &report["rootCauses"];
    Run {
        code: out.status.code().unwrap_or(-1),
        failing,
        skipped,
        accepted_quirks,
        total: cases.len(),
        causes: rc["causes"]
            .as_array()
            .expect("rootCauses.causes")
            .iter()
            .map(|c| {
                let name = c["name"].as_str().expect("name").to_owned();
                (name, c["count"].as_u64().expect("count") as usize)
            })
            .collect(),
        unexplained: rc["notExplained"]["cases"]
            .as_array()
            .expect("notExplained")
            .iter()
            .map(|c| c.as_str().expect("id").to_owned())
            .collect(),
        scope: report["scope"].as_array().expect("scope").clone(),
    }
}

/// One test of a vector file, with what the predicates below look at.
struct Vector {
    id: String,
    file: String,
    message: String,
    /// The group's `type` (`Md5Sign`, `Md5Verify`, `CertVerify`, …).
    kind: String,
    /// The group's key (MD5 groups).
    key: Option<String>,
    /// The group holds a certificate (`CertVerify`, or a `Verify` group with one).
    certificate: Option<String>,
    /// A `Verify` group's `configuredSignType`.
    configured: Option<String>,
    /// The group's charset (MD5 groups): what MD5 hashes in.
    charset: Option<String>,
    result: String,
    flags: Vec<String>,
    comment: String,
    fields: Option<Map<String, Value>>,
    /// `signMsg` (Md5Sign) or `digest` (Ext1).
    value: Option<String>,
    sign_source: bool,
    text_form: Option<String>,
    wire: Option<String>,
}

impl Vector {
    fn flag(&self, f: &str) -> bool {
        self.flags.iter().any(|x| x == f)
    }
    fn valid(&self) -> bool {
        self.result == "valid"
    }
    fn invalid(&self) -> bool {
        self.result == "invalid"
    }
    fn acceptable(&self) -> bool {
        self.result == "acceptable"
    }
    /// Signed over a §3.8/§4.x text in the terminated form (ERRATA E-3.8-TEXT): what a
    /// lenient verifier that tries both text forms accepts, as the examples do.
    fn terminated_text(&self) -> bool {
        self.flag("TextTerminated") || self.flag("RecordCrlfSigned")
    }
}

/// Every test of every vector file.
fn vectors() -> Vec<Vector> {
    let mut out = Vec::new();
    let dir = allinpay_conformance::vectors_dir();
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("vectors")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        let message = v["message"].as_str().expect("message").to_owned();
        for g in v["testGroups"].as_array().expect("groups") {
            let kind = g["type"].as_str().expect("type").to_owned();
            for t in g["tests"].as_array().expect("tests") {
                let section = t["section"]
                    .as_str()
                    .expect("section")
                    .trim_start_matches('§')
                    .trim();
                let s = |k: &str| t[k].as_str().map(str::to_owned);
                out.push(Vector {
                    id: format!("{section}/{message}/{stem}/tc{}", t["tcId"]),
                    file: stem.clone(),
                    message: message.clone(),
                    kind: kind.clone(),
                    key: g["key"].as_str().map(str::to_owned),
                    certificate: g["certificate"].as_str().map(str::to_owned),
                    configured: g["configuredSignType"].as_str().map(str::to_owned),
                    charset: g["charset"].as_str().map(str::to_owned),
                    result: s("result").expect("result"),
                    flags: t["flags"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|f| f.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    comment: s("comment").unwrap_or_default(),
                    fields: t["fields"].as_object().cloned(),
                    value: s("signMsg").or_else(|| s("digest")),
                    sign_source: t.get("signSource").is_some(),
                    text_form: s("textForm"),
                    wire: s("wire"),
                });
            }
        }
    }
    out
}

/// The signed fields of a name=value message in table order (§5.1); `None` for texts and
/// unsigned messages.
fn signed_fields(message: &str) -> Option<Vec<&'static str>> {
    let def = MessageKind::from_name(message)?.def();
    match def.scheme {
        SignScheme::MerchantMd5 | SignScheme::GatewayNameValue => Some(
            def.fields
                .iter()
                .filter(|f| f.signing == Signing::Signed)
                .map(|f| f.name)
                .collect(),
        ),
        SignScheme::GatewayText | SignScheme::Unsigned => None,
    }
}

fn is_text(message: &str) -> bool {
    MessageKind::from_name(message).is_some_and(|k| k.def().scheme == SignScheme::GatewayText)
}

/// The message's fields as given: a sign case's `fields`, the payData JSON, or the decoded
/// form body (empty pairs skipped). Values are text; a JSON null is empty.
fn message_values(v: &Vector) -> Vec<(String, String)> {
    let text = |x: &Value| match x {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    if let Some(f) = &v.fields {
        return f.iter().map(|(k, x)| (k.clone(), text(x))).collect();
    }
    let wire = v.wire.as_deref().unwrap_or_default();
    if v.message == "pay-request" {
        return serde_json::from_str::<Map<String, Value>>(wire)
            .map(|m| m.iter().map(|(k, x)| (k.clone(), text(x))).collect())
            .unwrap_or_default();
    }
    form_urlencoded::parse(wire.as_bytes())
        .map(|(k, x)| (k.into_owned(), x.into_owned()))
        .collect()
}

/// For a name=value message: (names of the fields the sign source joins, in table order;
/// whether a signed field is present with an empty value).
fn sign_source_shape(v: &Vector) -> Option<(Vec<&'static str>, bool)> {
    let table = signed_fields(&v.message)?;
    let values = message_values(v);
    let get = |n: &str| values.iter().find(|(k, _)| k == n).map(|(_, x)| x.as_str());
    let joined = table
        .iter()
        .copied()
        .filter(|n| get(n).is_some_and(|x| !x.is_empty()))
        .collect();
    let empty = table.iter().any(|n| get(n) == Some(""));
    Some((joined, empty))
}

/// The signature a verify case carries (form/JSON `signMsg`, or a text's signature line).
fn wire_signature(v: &Vector) -> Option<String> {
    let wire = v.wire.as_deref()?;
    if is_text(&v.message) {
        return wire
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .find(|l| !l.is_empty() && !l.contains('|'))
            .map(str::to_owned);
    }
    message_values(v)
        .into_iter()
        .find(|(k, _)| k == "signMsg")
        .map(|(_, x)| x)
}

fn has_upper_hex_letter(s: &str) -> bool {
    s.bytes().any(|b| (b'A'..=b'F').contains(&b))
}

fn is_lower_hex(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        && s.bytes().any(|b| b.is_ascii_lowercase())
}

/// The signType a verify case's message declares: the form's or JSON's `signType`, or a
/// text's signType column (§3.8 column 2, §4.2/§4.4 column 4).
fn wire_sign_type(v: &Vector) -> Option<String> {
    if is_text(&v.message) {
        let column = match v.message.as_str() {
            "refund-query-response" => 1,
            "preauth-cancel-response" | "preauth-confirm-response" => 3,
            _ => return None,
        };
        let first = v.wire.as_deref()?.split("\r\n").next()?;
        return first.split('|').nth(column).map(str::to_owned);
    }
    message_values(v)
        .into_iter()
        .find(|(k, _)| k == "signType")
        .map(|(_, x)| x)
}

/// A case the adapter can answer: without the language's RSA an example is MD5-only
/// (docs/adapter.md): it answers `unsupported` to a certificate case, i.e. a request with
/// only the certificate, or a merchant configured for it (`configuredSignType` 1, else the
/// message's own signType 1), and verifies the rest with the key.
fn answerable(v: &Vector, with_cert: bool) -> bool {
    let md5_merchant = || match v.configured.as_deref() {
        Some(t) => t == "0",
        None => wire_sign_type(v).as_deref() == Some("0"),
    };
    with_cert || v.certificate.is_none() || (v.key.is_some() && md5_merchant())
}

/// The vectors' ids selected by `pred`.
fn select(all: &[Vector], pred: impl Fn(&Vector) -> bool) -> BTreeSet<String> {
    all.iter()
        .filter(|v| pred(v))
        .map(|v| v.id.clone())
        .collect()
}

/// A case hashed in GBK or GB2312 (its group's charset, §5.1 c, ERRATA E-CHARSET).
fn gbk_charset(v: &Vector) -> bool {
    v.charset
        .as_deref()
        .is_some_and(|c| c.eq_ignore_ascii_case("gbk") || c.eq_ignore_ascii_case("gb2312"))
}

/// What the examples answer `unsupported`: parse and check, and the certificate mode
/// when the language lacks RSA.
fn expected_skips(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    expected_skips_with(all, with_cert, true)
}

/// The same, for a language without a GBK encoder (Node): it also answers `unsupported`
/// to every sign and verify whose charset is gbk or gb2312.
fn expected_skips_with(all: &[Vector], with_cert: bool, with_gbk: bool) -> BTreeSet<String> {
    select(all, |v| {
        v.kind == "Parse"
            || v.kind == "Check"
            || (matches!(v.kind.as_str(), "CertVerify" | "Verify") && !answerable(v, with_cert))
            || (!with_gbk
                && matches!(v.kind.as_str(), "Md5Sign" | "Md5Verify" | "Verify")
                && gbk_charset(v))
    })
}

/// A sign case whose sign source the bug changes fails when the vector documents the
/// source (it is compared whatever the result), when the value must be reproduced
/// (valid; an `acceptable` value may be missed), or when the invalid value is the one
/// the bug computes (`bug_flag`).
fn sign_case_breaks(v: &Vector, bug_flag: &str) -> bool {
    v.sign_source || v.valid() || (v.invalid() && v.flag(bug_flag))
}

/// `--broken alphabetical`: fields joined in name order. Every name=value sign source
/// whose table order is not the alphabetical one changes, MD5 and certificate alike
/// (§5.1); texts keep their column order (§3.8).
fn alphabetical_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    select(all, |v| {
        let Some((joined, _)) = sign_source_shape(v) else {
            return false;
        };
        let mut sorted = joined.clone();
        sorted.sort_unstable();
        if sorted == joined {
            return false;
        }
        match v.kind.as_str() {
            "Md5Sign" => sign_case_breaks(v, "AlphabeticalOrderSignature"),
            // A genuine signature stops verifying; a rejected one stays rejected.
            "Md5Verify" => v.valid(),
            "CertVerify" | "Verify" => answerable(v, with_cert) && v.valid(),
            _ => false,
        }
    })
}

/// `--broken lowercase-hex`: md5() without strtoupper (§5.2). Every valid MD5 with an
/// uppercase hex letter is missed, and an invalid value that is a valid (for verify cases:
/// or an accepted terminated-text) one of the same file in lowercase is reproduced
/// (LowercaseHex vectors, §5.4's lowercase digest). Texts in certificate mode sign the uppercase hex MD5 of the text
/// (§3.8 a): genuine signatures fail, those over the lowercase hex verify; name=value
/// messages sign their source directly and are not affected.
fn lowercase_hex_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    // A lowercase value whose uppercase form is a valid case of the same file and group
    // kind, over the same input.
    let lowered_valid = |v: &Vector| -> bool {
        match v.kind.as_str() {
            "Md5Sign" | "Ext1" => v.value.as_deref().is_some_and(|x| {
                is_lower_hex(x)
                    && all.iter().any(|w| {
                        w.file == v.file
                            && w.kind == v.kind
                            && w.valid()
                            && w.key == v.key
                            && w.fields == v.fields
                            && w.text_form == v.text_form
                            && w.value.as_deref() == Some(x.to_uppercase().as_str())
                    })
            }),
            "Md5Verify" | "Verify" => wire_signature(v).is_some_and(|sig| {
                let wire = v.wire.as_deref().unwrap_or_default();
                let upper = wire.replace(&sig, &sig.to_uppercase());
                is_lower_hex(&sig)
                    && all.iter().any(|w| {
                        w.file == v.file
                            && w.kind == v.kind
                            && (w.valid() || (w.acceptable() && w.terminated_text()))
                            && w.key == v.key
                            && w.certificate == v.certificate
                            && w.configured == v.configured
                            && w.wire.as_deref() == Some(upper.as_str())
                    })
            }),
            _ => false,
        }
    };
    select(all, |v| match v.kind.as_str() {
        // The sign source is unchanged; an `acceptable` value may be missed.
        "Md5Sign" | "Ext1" => {
            (v.valid() && v.value.as_deref().is_some_and(has_upper_hex_letter))
                || (v.invalid() && lowered_valid(v))
        }
        "Md5Verify" => {
            if v.valid() {
                wire_signature(v).is_some_and(|s| has_upper_hex_letter(&s))
            } else {
                v.invalid() && lowered_valid(v)
            }
        }
        "CertVerify" if with_cert && is_text(&v.message) => {
            v.valid()
                || (v.invalid()
                    && v.flag("WrongSignedBytes")
                    && v.comment.contains("lowercase hex"))
        }
        // A merchant's configuration: the message's signType says which scheme a valid
        // case uses (it equals configuredSignType when one is set).
        "Verify" if answerable(v, with_cert) => {
            if v.valid() {
                match wire_sign_type(v).as_deref() {
                    Some("0") => wire_signature(v).is_some_and(|s| has_upper_hex_letter(&s)),
                    Some("1") => is_text(&v.message),
                    _ => false,
                }
            } else {
                v.invalid() && lowered_valid(v)
            }
        }
        _ => false,
    })
}

/// `--broken empty-fields`: a signed field present with an empty value is joined as
/// `name=` (§5.1 leaves it out). Only messages that carry such a field change: their
/// genuine signatures fail, and the vectors signed over exactly that source (flag
/// `EmptyFieldsSigned`, or a certificate's WrongSignedBytes over the empty fields) are
/// reproduced. Texts (fixed columns) and messages with the empty fields left out are not
/// affected.
fn empty_fields_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    select(all, |v| {
        let Some((_, true)) = sign_source_shape(v) else {
            return false;
        };
        let over_empty = v.flag("EmptyFieldsSigned")
            || (v.flag("WrongSignedBytes") && v.comment.contains("empty fields"));
        match v.kind.as_str() {
            "Md5Sign" => sign_case_breaks(v, "EmptyFieldsSigned"),
            "Md5Verify" => v.valid() || (v.invalid() && over_empty),
            "CertVerify" | "Verify" => {
                answerable(v, with_cert) && (v.valid() || (v.invalid() && over_empty))
            }
            _ => false,
        }
    })
}

/// `--broken trusts-sign-type`: configuredSignType ignored, the message's own signType
/// chooses the scheme (§2.2.3 pins it to the order's). It accepts exactly the genuine
/// signatures of the other scheme that the vectors reject for their signType: the
/// invalid cases flagged AttackDowngrade (MD5 under a certificate merchant) or
/// AttackSignTypeMismatch (certificate under an MD5 merchant).
fn trusts_sign_type_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    select(all, |v| {
        v.kind == "Verify"
            && answerable(v, with_cert)
            && v.invalid()
            && (v.flag("AttackDowngrade") || v.flag("AttackSignTypeMismatch"))
    })
}

/// `--broken no-mcht-refund-order-no`: §3.6 signed over the official SDK's old v1.3 refund
/// list, without mchtRefundOrderNo. Only refund answers that carry a non-empty
/// mchtRefundOrderNo change: their genuine signatures (MD5 and certificate) fail, and the
/// value signed over the old list (flag `OldFieldListWithoutMchtRefundOrderNo`) is
/// reproduced. The refund request (§3.5) and query (§3.7) keep the field.
fn no_mcht_refund_order_no_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    const OLD: &str = "OldFieldListWithoutMchtRefundOrderNo";
    select(all, |v| {
        if v.message != "refund-response" {
            return false;
        }
        let Some((joined, _)) = sign_source_shape(v) else {
            return false;
        };
        if !joined.contains(&"mchtRefundOrderNo") {
            return false;
        }
        match v.kind.as_str() {
            "Md5Sign" => sign_case_breaks(v, OLD),
            "Md5Verify" => v.valid() || (v.invalid() && v.flag(OLD)),
            "CertVerify" | "Verify" => {
                answerable(v, with_cert) && (v.valid() || (v.invalid() && v.flag(OLD)))
            }
            _ => false,
        }
    })
}

/// The escapes JavaScript's `decodeURI` leaves as they are: the reserved characters
/// `; / ? : @ & = + $ , #` (ECMA-262 decodeURI's reservedURISet).
fn decode_uri_keeps(raw: &str) -> bool {
    const KEPT: [&str; 11] = [
        "%2F", "%3A", "%3B", "%2C", "%3F", "%40", "%26", "%3D", "%2B", "%24", "%23",
    ];
    let upper = raw.to_ascii_uppercase();
    KEPT.iter().any(|k| upper.contains(k))
}

/// `--broken decodeuri`: form bodies percent-decoded with `decodeURI`, which leaves the
/// reserved characters escaped (`%2F` stays `%2F`). A received name=value message (the
/// form bodies: payData is JSON, the texts are not URL-encoded) changes when a signed
/// field's value, or signMsg (base64 `+`, `/`, `=` travel as %2B %2F %3D), holds such an
/// escape: its genuine signature stops verifying. A rejected one stays rejected (the bug
/// changes the signed bytes, it does not produce a forger's), and sign cases get their
/// fields decoded already.
fn decodeuri_breaks(all: &[Vector], with_cert: bool) -> BTreeSet<String> {
    select(all, |v| {
        let Some(signed) = signed_fields(&v.message) else {
            return false;
        };
        if v.message == "pay-request"
            || !matches!(v.kind.as_str(), "Md5Verify" | "CertVerify" | "Verify")
            || !answerable(v, with_cert)
            || !v.valid()
        {
            return false;
        }
        v.wire
            .as_deref()
            .unwrap_or_default()
            .split('&')
            .any(|pair| {
                let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                let name: String = form_urlencoded::parse(name.as_bytes())
                    .map(|(k, _)| k.into_owned())
                    .collect();
                (name == "signMsg" || signed.contains(&name.as_str())) && decode_uri_keeps(value)
            })
    })
}

fn check(
    adapter: &str,
    want_failing: &BTreeSet<String>,
    all: &[Vector],
    with_cert: bool,
    cause: Option<&str>,
) {
    check_skipping(
        adapter,
        want_failing,
        &expected_skips(all, with_cert),
        cause,
    );
}

/// Runs the adapter: it fails exactly `want_failing` (less the cases it skips), skips
/// exactly `skips`, and its report names one root cause for every failure: `cause` (one
/// of the names a cause lists when the run cannot tell them apart), or none at all.
fn check_skipping(
    adapter: &str,
    want_failing: &BTreeSet<String>,
    skips: &BTreeSet<String>,
    cause: Option<&str>,
) {
    let want_failing: BTreeSet<String> = want_failing.difference(skips).cloned().collect();
    let want_failing = &want_failing;
    let r = run(adapter);
    let missing: Vec<_> = want_failing.difference(&r.failing).collect();
    let extra: Vec<_> = r.failing.difference(want_failing).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{adapter}:\n expected to fail but passed: {missing:#?}\n failed unexpectedly: {extra:#?}"
    );
    assert_eq!(&r.skipped, skips, "{adapter}: skipped cases");
    assert_eq!(
        r.code,
        i32::from(!want_failing.is_empty()),
        "{adapter}: exit code"
    );
    check_causes(adapter, &r, cause);
}

/// The root-cause section of a run: one cause named `cause` explaining every failure.
fn check_causes(adapter: &str, r: &Run, cause: Option<&str>) {
    assert!(
        r.unexplained.is_empty(),
        "{adapter}: not explained: {:#?}",
        r.unexplained
    );
    match cause {
        None => assert!(r.causes.is_empty(), "{adapter}: {:?}", r.causes),
        Some(want) => {
            assert!(!r.failing.is_empty(), "{adapter}: nothing failed");
            let [(name, count)] = r.causes.as_slice() else {
                panic!("{adapter}: one root cause expected: {:?}", r.causes);
            };
            assert!(
                name.split(" or ").any(|n| n == want),
                "{adapter}: root cause {name:?}, expected {want:?}"
            );
            assert_eq!(
                *count,
                r.failing.len(),
                "{adapter}: {name} explains every failure"
            );
        }
    }
}

fn python_adapter_passes_and_alphabetical_order_fails_exactly_the_name_value_signatures() {
    let all = vectors();
    let crypto = python_has_cryptography();
    if !crypto {
        eprintln!("python3 lacks `cryptography`: certificate cases are skipped by the adapter");
    }
    check(
        &format!("python3 {PY}"),
        &BTreeSet::new(),
        &all,
        crypto,
        None,
    );

    let broken = alphabetical_breaks(&all, crypto);
    // The predicate must select something in each mode it claims to cover.
    assert!(broken.iter().any(|id| id.contains("/md5_")), "{broken:#?}");
    if crypto {
        assert!(broken.iter().any(|id| id.contains("_cert/")), "{broken:#?}");
    }
    check(
        &format!("python3 {PY} --broken alphabetical"),
        &broken,
        &all,
        crypto,
        Some("alphabetical-order"),
    );
}

fn python_adapter_trusting_the_message_sign_type_falls_for_exactly_the_downgrades() {
    let all = vectors();
    let crypto = python_has_cryptography();
    let broken = trusts_sign_type_breaks(&all, crypto);
    if crypto {
        // Both directions, name=value and text messages.
        for (flag, file) in [
            ("AttackDowngrade", "/attack_downgrade_pay_notify/"),
            (
                "AttackSignTypeMismatch",
                "/attack_downgrade_refund_query_response/",
            ),
        ] {
            assert!(
                broken.iter().any(|id| id.contains(file))
                    && all.iter().any(|v| v.flag(flag) && broken.contains(&v.id)),
                "{flag}: {broken:#?}"
            );
        }
    }
    check(
        &format!("python3 {PY} --broken trusts-sign-type"),
        &broken,
        &all,
        crypto,
        Some("sign-type-not-pinned"),
    );
}

fn php_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break() {
    let all = vectors();
    let ssl = php_has_openssl();
    check(&format!("php {PHP}"), &BTreeSet::new(), &all, ssl, None);

    let lower = lowercase_hex_breaks(&all, ssl);
    assert!(lower.iter().any(|id| id.starts_with("5.4/")), "{lower:#?}");
    check(
        &format!("php {PHP} --broken lowercase-hex"),
        &lower,
        &all,
        ssl,
        Some("lowercase-hex"),
    );

    let empty = empty_fields_breaks(&all, ssl);
    assert!(!empty.is_empty());
    check(
        &format!("php {PHP} --broken empty-fields"),
        &empty,
        &all,
        ssl,
        Some("empty-fields-signed"),
    );
}

fn java_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break() {
    let classes = compile_java();
    let java = format!("java -cp {classes} AllinpayAdapter");
    let all = vectors();
    // The JDK has RSA (certificate mode) and GBK: only parse and check are skipped.
    check(&java, &BTreeSet::new(), &all, true, None);

    let alphabetical = alphabetical_breaks(&all, true);
    assert!(alphabetical.iter().any(|id| id.contains("_cert/")));
    check(
        &format!("{java} --broken alphabetical"),
        &alphabetical,
        &all,
        true,
        Some("alphabetical-order"),
    );

    let old_list = no_mcht_refund_order_no_breaks(&all, true);
    // MD5 and certificate answers, and the old list's own value reproduced.
    assert!(
        old_list.iter().any(|id| id.contains("/md5_refund_response/"))
            && old_list.iter().any(|id| id.contains("/attack_downgrade_refund_response/"))
            && all
                .iter()
                .any(|v| v.flag("OldFieldListWithoutMchtRefundOrderNo") && old_list.contains(&v.id)),
        "{old_list:#?}"
    );
    check(
        &format!("{java} --broken no-mcht-refund-order-no"),
        &old_list,
        &all,
        true,
        Some("field-left-out(mchtRefundOrderNo)"),
    );
}

fn node_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break() {
    let node = format!("node {NODE}");
    let all = vectors();
    // crypto has RSA; Node has no GBK encoder: gbk and gb2312 cases are skipped.
    let skips = expected_skips_with(&all, true, false);
    assert!(all.iter().any(|v| gbk_charset(v) && skips.contains(&v.id)));
    check_skipping(&node, &BTreeSet::new(), &skips, None);

    let lower = lowercase_hex_breaks(&all, true);
    assert!(lower.iter().any(|id| id.starts_with("5.4/")), "{lower:#?}");
    check_skipping(
        &format!("{node} --broken lowercase-hex"),
        &lower,
        &skips,
        Some("lowercase-hex"),
    );

    let decodeuri = decodeuri_breaks(&all, true);
    // MD5 values (ext1 `%3C%2FUSER%3E`, `gift%26wrap`) and base64 certificate signatures.
    assert!(
        decodeuri.iter().any(|id| id.contains("/md5_pay_notify/"))
            && decodeuri.iter().any(|id| id.contains("_cert/")),
        "{decodeuri:#?}"
    );
    check_skipping(
        &format!("{node} --broken decodeuri"),
        &decodeuri,
        &skips,
        Some("decodeuri-values"),
    );
}

fn python_adapter_without_cryptography_skips_the_certificate_cases() {
    // A package directory that shadows `cryptography` with one that cannot be imported,
    // as on a machine where it is not installed.
    let dir = std::env::temp_dir().join(format!("allinpay-nocrypto-{}", std::process::id()));
    let pkg = dir.join("cryptography");
    std::fs::create_dir_all(&pkg).expect("temp dir");
    std::fs::write(
        pkg.join("__init__.py"),
        "raise ImportError('not installed')\n",
    )
    .expect("write");
    let path = dir.to_str().expect("path");
    let r = run_env(&format!("python3 {PY}"), &[("PYTHONPATH", path)]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(r.failing.is_empty(), "{:#?}", r.failing);
    assert_eq!(r.skipped, expected_skips(&vectors(), false));
    assert_eq!(r.code, 0);
    // MD5-only: the scope table shows no certificate case answered, no MD5 case skipped.
    for row in &r.scope {
        match row["mode"].as_str() {
            Some("certificate") => assert_eq!(row["answered"], 0, "{row}"),
            Some("md5") => assert_eq!(row["skipped"], 0, "{row}"),
            _ => {}
        }
    }
    assert!(r
        .scope
        .iter()
        .any(|row| row["mode"] == "certificate" && row["skipped"].as_u64() > Some(0)));
    let verdicts = r.total - r.skipped.len();
    eprintln!(
        "without cryptography: {verdicts} of {} cases got a verdict ({:.1} %)",
        r.total,
        100.0 * verdicts as f64 / r.total as f64
    );
}

/// A verify case of a received §3.8/§4.2/§4.4 text (MD5, certificate or a merchant's
/// configuration), what `text_form_adapter.py` answers.
fn pipe_text_verify(v: &Vector) -> bool {
    matches!(
        v.message.as_str(),
        "refund-query-response" | "preauth-cancel-response" | "preauth-confirm-response"
    ) && matches!(v.kind.as_str(), "Md5Verify" | "CertVerify" | "Verify")
}

fn literal_only_text_verifier_passes_and_terminated_only_fails_only_the_literal_valid_cases() {
    // ERRATA E-3.8-TEXT: real answers sign the literal form (valid); the terminated form of
    // the §3.8 example is `acceptable`. Expected verdicts come from the vector files' results
    // and flags alone.
    let all = vectors();
    let crypto = python_has_cryptography();
    let answered = |v: &Vector| pipe_text_verify(v) && answerable(v, crypto);
    let skips = select(&all, |v| !answered(v));
    let literal_valid = select(&all, |v| answered(v) && v.valid());
    let terminated_quirks = select(&all, |v| {
        answered(v) && v.acceptable() && v.terminated_text()
    });
    // MD5 and certificate mode, §3.8 and §4.x alike.
    for (part, what) in [
        ("/md5_refund_query_response/", "MD5 §3.8"),
        ("/md5_preauth_cancel_response/", "MD5 §4.2"),
        ("/md5_preauth_confirm_response/", "MD5 §4.4"),
        ("/spec_refund_query_response_md5/", "the §3.8 example"),
    ] {
        assert!(literal_valid.iter().any(|id| id.contains(part)), "{what}");
        assert!(
            terminated_quirks.iter().any(|id| id.contains(part)),
            "{what}"
        );
    }
    if crypto {
        assert!(literal_valid
            .iter()
            .any(|id| id.contains("_response_cert/")));
        assert!(terminated_quirks
            .iter()
            .any(|id| id.contains("_response_cert/")));
    }
    // No valid case of these texts is signed in the terminated form.
    assert!(
        all.iter()
            .all(|v| !(answered(v) && v.valid() && v.terminated_text())),
        "a terminated-form text is valid"
    );

    let literal = run(&format!("python3 {TEXT_FORM} literal"));
    assert!(literal.failing.is_empty(), "{:#?}", literal.failing);
    assert_eq!(literal.skipped, skips, "literal-only: skipped cases");
    assert!(
        literal.accepted_quirks.is_empty(),
        "{:#?}",
        literal.accepted_quirks
    );
    assert_eq!(literal.code, 0);

    let terminated = run(&format!("python3 {TEXT_FORM} terminated"));
    let missing: Vec<_> = literal_valid.difference(&terminated.failing).collect();
    let extra: Vec<_> = terminated.failing.difference(&literal_valid).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "terminated-only:\n expected to fail but passed: {missing:#?}\n failed unexpectedly: {extra:#?}"
    );
    assert_eq!(terminated.skipped, skips, "terminated-only: skipped cases");
    // What it accepts instead is the terminated form, each reported `acceptable`.
    assert!(!terminated.accepted_quirks.is_empty());
    assert!(
        terminated.accepted_quirks.is_subset(&terminated_quirks),
        "{:#?}",
        terminated
            .accepted_quirks
            .difference(&terminated_quirks)
            .collect::<Vec<_>>()
    );
    assert_eq!(terminated.code, 1);
    eprintln!(
        "§3.8/§4.x text verify cases answered: {}; terminated-only fails {} (the literal valid ones) and accepts {} acceptable ones",
        literal.total - literal.skipped.len(),
        terminated.failing.len(),
        terminated.accepted_quirks.len()
    );
}
