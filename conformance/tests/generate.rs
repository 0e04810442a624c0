//! `allinpay-conformance run --generate`: generative conformance. Each broken example
//! adapter is caught with a fixed seed and its minimal case names the field or byte; the
//! correct adapters and the built-in pass; output is deterministic per seed.
//!
//! A libtest-mimic harness (`harness = false`): a trial that needs php reports `ignored`
//! with the reason when php is not installed, and fails instead when ALLINPAY_REQUIRE_PHP
//! is set (.ci/run sets it: CI never skips).

use std::process::Command;

use libtest_mimic::Arguments;
use serde_json::Value;

mod tools;
use tools::{trial, PHP_CLI};

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial(
            "python_alphabetical_is_caught_and_the_differing_field_named",
            None,
            python_alphabetical_is_caught_and_the_differing_field_named,
        ),
        trial(
            "php_lowercase_hex_is_caught_at_byte_0",
            Some(&PHP_CLI),
            php_lowercase_hex_is_caught_at_byte_0,
        ),
        trial(
            "php_empty_fields_is_caught_and_the_empty_field_named",
            Some(&PHP_CLI),
            php_empty_fields_is_caught_and_the_empty_field_named,
        ),
        trial(
            "python_plus_not_decoded_is_caught_and_blamed_on_the_plus",
            None,
            python_plus_not_decoded_is_caught_and_blamed_on_the_plus,
        ),
        trial(
            "python_decodeuri_is_caught_and_the_field_with_a_delimiter_named",
            None,
            python_decodeuri_is_caught_and_the_field_with_a_delimiter_named,
        ),
        trial(
            "python_ext1_twice_is_caught_and_ext1_or_ext2_named",
            None,
            python_ext1_twice_is_caught_and_ext1_or_ext2_named,
        ),
        trial(
            "correct_python_adapter_passes_2040_generated_messages",
            None,
            correct_python_adapter_passes_2040_generated_messages,
        ),
        trial(
            "correct_php_adapter_passes_2040_generated_messages",
            Some(&PHP_CLI),
            correct_php_adapter_passes_2040_generated_messages,
        ),
        trial(
            "builtin_passes_against_the_independent_computation",
            None,
            builtin_passes_against_the_independent_computation,
        ),
        trial(
            "output_is_deterministic_for_a_seed",
            None,
            output_is_deterministic_for_a_seed,
        ),
        trial(
            "the_reproducer_reruns_the_case",
            None,
            the_reproducer_reruns_the_case,
        ),
        trial(
            "the_printed_vector_case_is_a_vector_file",
            Some(&PHP_CLI),
            the_printed_vector_case_is_a_vector_file,
        ),
        trial(
            "json_and_junit_formats",
            Some(&PHP_CLI),
            json_and_junit_formats,
        ),
        trial(
            "unsupported_answers_are_skipped",
            None,
            unsupported_answers_are_skipped,
        ),
        trial(
            "bad_arguments_are_one_line_exit_2",
            None,
            bad_arguments_are_one_line_exit_2,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}

fn ac(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .output()
        .expect("spawn");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// An example adapter's command, `variant` its `--broken` bug.
fn example(interpreter: &str, path: &str, variant: Option<&str>) -> String {
    let mut s = format!(
        "{interpreter} {}/../examples/adapters/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    if let Some(v) = variant {
        s.push_str(&format!(" --broken {v}"));
    }
    s
}

fn python(variant: Option<&str>) -> String {
    example("python3", "python/allinpay_adapter.py", variant)
}

fn php(variant: Option<&str>) -> String {
    example("php", "php/allinpay_adapter.php", variant)
}

fn json(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// The failing cases of a JSON report.
fn failures(report: &Value) -> Vec<&Value> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["verdict"] == "fail" || c["verdict"] == "error")
        .collect()
}

/// The shrunk failures (the ones with a minimal case).
fn minimal(report: &Value) -> Vec<(String, String)> {
    failures(report)
        .into_iter()
        .filter_map(|c| {
            let d = c["detail"].as_str()?;
            d.contains("minimal case")
                .then(|| (c["id"].as_str().unwrap_or("").to_owned(), d.to_owned()))
        })
        .collect()
}

/// Runs `--generate` on a broken adapter with a fixed seed: it must fail, and some minimal
/// case must satisfy `names` (the field or byte that differs). Returns the minimal cases.
fn caught(adapter: &str, names: &dyn Fn(&str) -> bool, what: &str) -> Vec<(String, String)> {
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        adapter,
        "--generate",
        "40",
        "--seed",
        "12",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{adapter}: --generate must fail; stderr {err}");
    let report = json(&out);
    let mins = minimal(&report);
    assert!(!mins.is_empty(), "{adapter}: no shrunk case");
    assert!(
        mins.iter().any(|(_, d)| names(d)),
        "{adapter}: no minimal case names {what}: {mins:#?}"
    );
    for (id, d) in &mins {
        assert!(
            d.contains("reproduce: allinpay-conformance run --adapter ")
                && d.contains("--seed 12 --case "),
            "{id}: {d}"
        );
    }
    mins
}

fn python_alphabetical_is_caught_and_the_differing_field_named() {
    caught(
        &python(Some("alphabetical")),
        &|d| d.contains("signSource differs at byte") && d.contains("in field "),
        "the first field out of table order",
    );
}

fn php_lowercase_hex_is_caught_at_byte_0() {
    caught(
        &php(Some("lowercase-hex")),
        &|d| d.contains("signMsg differs at byte 0:"),
        "byte 0 of signMsg",
    );
}

fn php_empty_fields_is_caught_and_the_empty_field_named() {
    let mins = caught(
        &php(Some("empty-fields")),
        &|d| d.contains("signSource differs at byte") && d.contains("(pair \""),
        "the empty field signed",
    );
    // The pair the implementation added is `name=` with an empty value.
    assert!(
        mins.iter()
            .any(|(_, d)| d.contains("the expected source ends there") || d.contains("=\" (pair")),
        "{mins:#?}"
    );
}

fn python_plus_not_decoded_is_caught_and_blamed_on_the_plus() {
    caught(
        &python(Some("plus-not-decoded")),
        &|d| d.contains("the wire's '+' for a space"),
        "the '+' for a space",
    );
}

fn python_decodeuri_is_caught_and_the_field_with_a_delimiter_named() {
    caught(
        &python(Some("decodeuri")),
        &|d| {
            d.lines()
                .any(|l| l.contains("made plain:") && "/:;,?@&=+$#".chars().any(|c| l.contains(c)))
        },
        "a field holding a URI delimiter",
    );
}

fn python_ext1_twice_is_caught_and_ext1_or_ext2_named() {
    caught(
        &python(Some("ext1-twice")),
        &|d| {
            d.lines().any(|l| {
                l.contains("made plain:") && (l.contains("ext1 = ") || l.contains("ext2 = "))
            })
        },
        "ext1 or ext2",
    );
}

/// ≥ 2,000 generated messages (17 types × 120) through a correct adapter: no
/// disagreement.
fn correct_adapter_passes_2040_generated_messages(adapter: &str) {
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        adapter,
        "--generate",
        "120",
        "--seed",
        "2024",
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert_eq!(code, 0, "{adapter}: {err} {:#?}", failures(&report));
    let cases = report["cases"].as_array().expect("cases");
    let mut messages: Vec<(String, u64)> = cases
        .iter()
        .map(|c| {
            (
                c["message"].as_str().unwrap_or("").to_owned(),
                c["tcId"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    messages.sort();
    messages.dedup();
    assert!(messages.len() >= 2000, "{}", messages.len());
    let passed = report["summary"]["passed"].as_u64().unwrap_or(0);
    assert!(passed > 4000, "{adapter}: only {passed} passed");
}

fn correct_python_adapter_passes_2040_generated_messages() {
    correct_adapter_passes_2040_generated_messages(&python(None));
}

fn correct_php_adapter_passes_2040_generated_messages() {
    correct_adapter_passes_2040_generated_messages(&php(None));
}

fn builtin_passes_against_the_independent_computation() {
    let (code, out, err) = ac(&["run", "--generate", "200", "--seed", "99"]);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.contains(" 0 failed"), "{out}");
    assert!(out.contains("seed 99"), "{out}");
    // Every signed message type has its reference rows.
    let (_, out, _) = ac(&["run", "--generate", "3", "--seed", "99", "--format", "json"]);
    let report = json(&out);
    let refs = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.ends_with("/reference")))
        .count();
    assert_eq!(refs, 14 * 3);
}

fn output_is_deterministic_for_a_seed() {
    let adapter = python(Some("alphabetical"));
    let args = [
        "run",
        "--adapter",
        adapter.as_str(),
        "--generate",
        "10",
        "--seed",
        "5",
    ];
    let (c1, o1, _) = ac(&args);
    let (c2, o2, _) = ac(&args);
    assert_eq!((c1, &o1), (c2, &o2));
    let (_, b1, _) = ac(&["run", "--generate", "30", "--seed", "5"]);
    let (_, b2, _) = ac(&["run", "--generate", "30", "--seed", "5"]);
    assert_eq!(b1, b2);
    let (_, b3, _) = ac(&["run", "--generate", "30", "--seed", "6"]);
    assert_ne!(b1.lines().next(), b3.lines().next());
}

/// The printed reproducer reruns one case, and gives the same minimal case.
fn the_reproducer_reruns_the_case() {
    let adapter = python(Some("ext1-twice"));
    let (_, out, _) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--generate",
        "40",
        "--seed",
        "12",
        "--format",
        "json",
    ]);
    let mins = minimal(&json(&out));
    let (id, detail) = mins.first().expect("a shrunk case");
    let line = detail
        .lines()
        .find_map(|l| l.trim().strip_prefix("reproduce: allinpay-conformance "))
        .expect("reproducer");
    let argv = shell_words::split(line).expect("shell words");
    let mut argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    argv.extend(["--format", "json"]);
    let (code, again, err) = ac(&argv);
    assert_eq!(code, 1, "{err}");
    let again = json(&again);
    let same = failures(&again)
        .into_iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not rerun: {again}"));
    let minimal_line = |d: &str| {
        d.lines()
            .find(|l| l.contains("minimal case"))
            .map(str::to_owned)
    };
    assert_eq!(
        minimal_line(same["detail"].as_str().unwrap_or("")),
        minimal_line(detail)
    );
    // Only that case ran.
    let ks: std::collections::BTreeSet<u64> = again["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| c["tcId"].as_u64())
        .collect();
    assert_eq!(ks.len(), 1, "{ks:?}");
}

/// The printed vector case is a valid `allinpay-vectors/v1` file, and the built-in
/// implementation passes it (its expected values are the built-in's answer).
fn the_printed_vector_case_is_a_vector_file() {
    let (_, out, _) = ac(&[
        "run",
        "--adapter",
        &php(Some("empty-fields")),
        "--generate",
        "20",
        "--seed",
        "3",
        "--format",
        "json",
    ]);
    let mins = minimal(&json(&out));
    assert!(!mins.is_empty());
    let dir = std::env::temp_dir().join(format!("allinpay-generate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    for (i, (id, d)) in mins.iter().enumerate() {
        let at = d.find("vector case").expect("vector case");
        let text = &d[at..];
        let text = &text[text.find('{').expect("{")..];
        let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{id}: {e}: {text}"));
        assert!(
            v["source"]["method"]
                .as_str()
                .is_some_and(|m| m.contains("built-in implementation")),
            "{v}"
        );
        let p = dir.join(format!("case{i}.json"));
        std::fs::write(&p, serde_json::to_string_pretty(&v).expect("json")).expect("write");
        let outcome = allinpay_conformance::replay::run_file(&p)
            .unwrap_or_else(|e| panic!("{id}: not a vector file: {e}"));
        assert_eq!(outcome.failed(), 0, "{id}: {outcome:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

fn json_and_junit_formats() {
    let adapter = php(Some("lowercase-hex"));
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--generate",
        "5",
        "--seed",
        "1",
        "--filter",
        "refund",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let r = json(&out);
    assert_eq!(r["schema"], "allinpay-conformance-report/v1");
    assert!(r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .all(|c| c["message"] == "refund"
            && c["id"]
                .as_str()
                .is_some_and(|i| i.starts_with("gen/refund/1/"))));
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--generate",
        "5",
        "--seed",
        "1",
        "--filter",
        "refund",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml"), "{out}");
    assert!(out.contains("<testsuite name=\"generate-refund\""), "{out}");
    assert!(out.contains("<failure message="), "{out}");
    let (code, out, _) = ac(&[
        "run",
        "--generate",
        "5",
        "--seed",
        "1",
        "--filter",
        "refund",
        "--format",
        "junit",
    ]);
    assert_eq!(code, 0);
    assert!(!out.contains("<failure"), "{out}");
}

fn unsupported_answers_are_skipped() {
    // The example adapters answer `unsupported` to parse.
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        &python(None),
        "--generate",
        "4",
        "--seed",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let r = json(&out);
    let parse: Vec<&Value> = r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|c| c["id"].as_str().is_some_and(|i| i.ends_with("/parse")))
        .collect();
    assert!(!parse.is_empty());
    assert!(parse.iter().all(|c| c["verdict"] == "skipped"));
}

fn bad_arguments_are_one_line_exit_2() {
    for args in [
        &["run", "--generate", "0"][..],
        &["run", "--generate", "many"],
        &["run", "--seed", "5"],
        &["run", "--case", "1"],
        &["run", "--generate", "3", "--case", "3"],
        &["run", "--generate", "3", "--seed", "-1"],
        &["run", "--generate", "3", "--list"],
        &["run", "--generate", "3", "--filter", "no-such-message"],
        &["run", "--generate", "3", "--timeout", "0"],
        &[
            "run",
            "--generate",
            "3",
            "--adapter",
            "/nonexistent/adapter",
        ],
    ] {
        let (code, out, err) = ac(args);
        assert_eq!(code, 2, "{args:?}: stdout {out:?} stderr {err:?}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err:?}");
        assert!(
            err.starts_with("error: ") && !err.contains("panicked"),
            "{args:?}: {err:?}"
        );
    }
}
