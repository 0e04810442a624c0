//! Conformance and hardening counted apart: every attack class is classified, an
//! implementation that accepts every verification fails both kinds, and
//! `--hardening warn` turns only the hardening failures into warnings.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

use allinpay_conformance::class::{CONFORMANCE_ATTACKS, HARDENING};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors");

/// (result, op group type, flags) of every test of every vector file, read from the files.
fn tests() -> Vec<(String, String, Vec<String>)> {
    tests_in(std::path::Path::new(VECTORS))
}

fn tests_in(dir: &std::path::Path) -> Vec<(String, String, Vec<String>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("vectors") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        for group in file["testGroups"].as_array().expect("groups") {
            let kind = group["type"].as_str().expect("type").to_owned();
            for t in group["tests"].as_array().expect("tests") {
                let flags = t["flags"]
                    .as_array()
                    .map(|f| {
                        f.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push((
                    t["result"].as_str().expect("result").to_owned(),
                    kind.clone(),
                    flags,
                ));
            }
        }
    }
    out
}

#[test]
fn every_attack_class_is_classified_and_every_listed_flag_is_used() {
    let used: BTreeSet<String> = tests().into_iter().flat_map(|t| t.2).collect();
    for flag in used.iter().filter(|f| f.starts_with("Attack")) {
        let listed = HARDENING
            .iter()
            .chain(CONFORMANCE_ATTACKS)
            .filter(|(f, _)| f == flag)
            .count();
        assert_eq!(
            listed, 1,
            "{flag} must be classified exactly once (class.rs)"
        );
    }
    for (flag, why) in HARDENING.iter().chain(CONFORMANCE_ATTACKS) {
        assert!(
            used.contains(*flag),
            "{flag} is classified but no vector uses it"
        );
        assert!(!why.is_empty(), "{flag} needs its rule or risk");
    }
    for (flag, rule) in CONFORMANCE_ATTACKS {
        assert!(
            rule.contains('§'),
            "{flag}: a conformance class cites its rule: {rule}"
        );
    }
}

/// An adapter that answers every verification `valid` and supports nothing else.
const ACCEPT_ALL: &str = r#"
import json, sys
for line in sys.stdin:
    req = json.loads(line)
    out = {"valid": True} if req.get("op") == "verify" else {"unsupported": True}
    sys.stdout.write(json.dumps(out) + "\n")
    sys.stdout.flush()
"#;

/// The command line of the [`ACCEPT_ALL`] adapter, written to a temporary file.
fn accept_all(test: &str) -> String {
    let dir =
        std::env::temp_dir().join(format!("allinpay-hardening-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let script = dir.join("accept_all.py");
    std::fs::write(&script, ACCEPT_ALL).expect("write");
    format!("python3 {}", script.display())
}

/// (invalid verify cases that are conformance, those that are hardening), from the files.
fn invalid_verify_cases() -> (usize, usize) {
    invalid_verify_cases_in(tests())
}

fn invalid_verify_cases_in(tests: Vec<(String, String, Vec<String>)>) -> (usize, usize) {
    let verify = ["Md5Verify", "CertVerify", "Verify"];
    let invalid: Vec<_> = tests
        .into_iter()
        .filter(|(result, kind, _)| result == "invalid" && verify.contains(&kind.as_str()))
        .collect();
    let hardening = invalid.iter().filter(|t| is_hardening(&t.2)).count();
    (invalid.len() - hardening, hardening)
}

fn is_hardening(flags: &[String]) -> bool {
    flags.iter().any(|f| HARDENING.iter().any(|(h, _)| h == f))
}

fn run(extra: &[&str]) -> (i32, Value, String) {
    let adapter = accept_all("run");
    let mut args = vec!["run", "--adapter", adapter.as_str(), "--format", "json"];
    args.extend_from_slice(extra);
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(&args)
        .output()
        .expect("spawn");
    let report = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let mut junit_args = args.clone();
    junit_args[4] = "junit";
    let junit = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(&junit_args)
        .output()
        .expect("spawn");
    (
        out.status.code().unwrap_or(-1),
        report,
        String::from_utf8_lossy(&junit.stdout).into_owned(),
    )
}

#[test]
fn hardening_failures_are_counted_apart_and_warn_only_with_the_option() {
    // What accepting every verification must fail, counted from the vector files: the
    // verify cases expected invalid, hardening when a flag says so.
    let (conformance, hardening) = invalid_verify_cases();
    assert!(hardening > 0 && conformance > 0);

    let (code, report, junit) = run(&[]);
    assert_eq!(code, 1);
    let s = &report["summary"];
    assert_eq!(s["hardening"]["failed"], hardening);
    assert_eq!(s["conformance"]["failed"], conformance);
    assert_eq!(s["failed"], hardening + conformance);
    assert_eq!(s["hardeningPolicy"], "fail");
    for c in report["cases"].as_array().expect("cases") {
        let flags: Vec<String> = serde_json::from_value(c["flags"].clone()).expect("flags");
        let want = if is_hardening(&flags) {
            "hardening"
        } else {
            "conformance"
        };
        assert_eq!(c["class"], want, "{}", c["id"]);
    }
    assert!(!junit.contains("hardening warning"));

    let (code, report, junit) = run(&["--hardening", "warn"]);
    assert_eq!(code, 1, "the conformance failures still fail the run");
    let s = &report["summary"];
    assert_eq!(s["hardening"]["failed"], 0);
    assert_eq!(s["hardening"]["warnings"], hardening);
    assert_eq!(s["conformance"]["failed"], conformance);
    assert_eq!(s["failed"], conformance);
    assert_eq!(s["hardeningPolicy"], "warn");
    assert_eq!(junit.matches("hardening warning").count(), hardening);
}

#[test]
fn the_libtest_suite_counts_the_two_apart_and_warns_under_allinpay_hardening() {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use allinpay_conformance::adapter::{Adapter, Implementation};
    use allinpay_conformance::class::HardeningPolicy;
    use allinpay_conformance::suite::{self, Options};

    // Two attack files (one of each class) and the keys they name, so that the inner run
    // prints few failures.
    let dir =
        std::env::temp_dir().join(format!("allinpay-hardening-{}-vectors", std::process::id()));
    std::fs::create_dir_all(dir.join("keys")).expect("temp dir");
    for name in [
        "attack_classic_pay_notify.json",
        "attack_empty_key_pay_notify.json",
    ] {
        std::fs::copy(format!("{VECTORS}/{name}"), dir.join(name)).expect("copy");
    }
    for key in std::fs::read_dir(format!("{VECTORS}/keys")).expect("keys") {
        let key = key.expect("entry").path();
        std::fs::copy(&key, dir.join("keys").join(key.file_name().expect("name"))).expect("copy");
    }
    let (conformance, hardening) = invalid_verify_cases_in(tests_in(&dir));
    assert!(conformance > 0 && hardening > 0);
    let imp: Arc<Mutex<dyn Implementation + Send>> = Arc::new(Mutex::new(
        Adapter::start(&accept_all("suite"), Duration::from_secs(10)).expect("starts"),
    ));
    let options = Options {
        hardening: HardeningPolicy::Warn,
        ..Options::default()
    };
    let tally = Arc::clone(&options.tally);
    let mut failed = 0;
    for file in allinpay_conformance::cases::load_dir(&dir).expect("cases") {
        for case in &file.cases {
            failed += usize::from(suite::judge_case(case, &*imp, &options).is_err());
        }
    }
    let t = *tally.lock().expect("tally");
    assert_eq!(t.conformance.failed, conformance);
    assert_eq!(t.hardening.failed, 0);
    assert_eq!(t.hardening.warnings, hardening);
    assert_eq!(failed, conformance);
    assert!(t.lines().contains(&format!(
        "hardening: {} passed, 0 failed, {hardening} warnings",
        t.hardening.passed
    )));
}
