//! `allinpay-conformance run --generate`: generative conformance. Every generated value
//! keeps to its field's format, length and value set (checked against rules written from
//! the spec in `formats/`); `--generate-wild` draws values outside them and reports the
//! disagreements they cause apart. Each broken example adapter is caught with a fixed seed,
//! in both modes, and its minimal case names the field or byte; the correct adapters, an
//! implementation that binds amounts to integers, and the built-in agree; every request
//! carries an id; the totals hold only what the adapter answered; the report leads with
//! the failures grouped by root cause (`causes/`); output is deterministic per seed.
//!
//! A libtest-mimic harness (`harness = false`): a trial that needs php reports `ignored`
//! with the reason when php is not installed, and fails instead when ALLINPAY_REQUIRE_PHP
//! is set (.ci/run sets it: CI never skips).

use std::process::Command;

use libtest_mimic::Arguments;
use serde_json::{json, Value};

mod causes;
mod formats;
mod requests;
mod tools;
use causes::{
    a_clean_generative_run_has_no_root_cause, a_generative_run_leads_with_its_root_causes,
    wild_disagreements_are_no_root_cause_failures,
};
use formats::{
    every_generated_value_keeps_to_its_fields_format,
    the_edge_classes_inside_the_formats_are_drawn,
    wild_values_are_named_exactly_where_the_spec_rules_break,
};
use requests::{
    each_row_keeps_the_answer_to_the_case_it_shows, every_request_carries_its_case_id,
    totals_count_only_what_the_adapter_answered,
};
use tools::{trial, JDK, NODE_JS, PHP_CLI};

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial(
            "the_built_in_agrees_with_itself_in_strict_mode",
            None,
            the_built_in_agrees_with_itself_in_strict_mode,
        ),
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
            "every_generated_value_keeps_to_its_fields_format",
            None,
            every_generated_value_keeps_to_its_fields_format,
        ),
        trial(
            "the_edge_classes_inside_the_formats_are_drawn",
            None,
            the_edge_classes_inside_the_formats_are_drawn,
        ),
        trial(
            "wild_values_are_named_exactly_where_the_spec_rules_break",
            None,
            wild_values_are_named_exactly_where_the_spec_rules_break,
        ),
        trial(
            "every_request_carries_its_case_id",
            None,
            every_request_carries_its_case_id,
        ),
        trial(
            "totals_count_only_what_the_adapter_answered",
            None,
            totals_count_only_what_the_adapter_answered,
        ),
        trial(
            "each_row_keeps_the_answer_to_the_case_it_shows",
            None,
            each_row_keeps_the_answer_to_the_case_it_shows,
        ),
        trial(
            "a_generative_run_leads_with_its_root_causes",
            None,
            a_generative_run_leads_with_its_root_causes,
        ),
        trial(
            "a_clean_generative_run_has_no_root_cause",
            None,
            a_clean_generative_run_has_no_root_cause,
        ),
        trial(
            "wild_disagreements_are_no_root_cause_failures",
            None,
            wild_disagreements_are_no_root_cause_failures,
        ),
        trial(
            "int_amounts_agree_in_format_and_disagree_only_as_robustness_findings",
            None,
            int_amounts_agree_in_format_and_disagree_only_as_robustness_findings,
        ),
        trial(
            "correct_python_adapter_agrees_on_5100_generated_messages",
            None,
            correct_python_adapter_agrees_on_5100_generated_messages,
        ),
        trial(
            "correct_php_adapter_agrees_on_5100_generated_messages",
            Some(&PHP_CLI),
            correct_php_adapter_agrees_on_5100_generated_messages,
        ),
        trial(
            "correct_java_adapter_agrees_on_5100_generated_messages",
            Some(&JDK),
            correct_java_adapter_agrees_on_5100_generated_messages,
        ),
        trial(
            "correct_node_adapter_agrees_on_5100_generated_messages",
            Some(&NODE_JS),
            correct_node_adapter_agrees_on_5100_generated_messages,
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

/// Every generated message is one a gateway could send, so the built-in in strict mode
/// agrees with its own reference: §3.8/§4.x texts are signed literally (ERRATA
/// E-3.8-TEXT) and no text column starts with a space (a quirk strict mode refuses).
fn the_built_in_agrees_with_itself_in_strict_mode() {
    let (code, out, err) = ac(&["run", "--generate", "40", "--seed", "3", "--strict"]);
    assert_eq!(code, 0, "{err}{out}");
    assert!(out.ends_with(" passed, 0 failed\n"), "{out}");
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

/// Runs `--generate` on a broken adapter with a fixed seed, in the default mode and under
/// `--generate-wild`: each must find disagreements, and some minimal case must satisfy
/// `names` (the field or byte that differs). Returns the default mode's minimal cases.
fn caught(adapter: &str, names: &dyn Fn(&str) -> bool, what: &str) -> Vec<(String, String)> {
    let mut first = Vec::new();
    for wild in [false, true] {
        let mut args = vec![
            "run",
            "--adapter",
            adapter,
            "--generate",
            "40",
            "--seed",
            "12",
            "--format",
            "json",
        ];
        if wild {
            args.push("--generate-wild");
        }
        let (code, out, err) = ac(&args);
        let report = json(&out);
        if wild {
            // Only the conformance cases decide the exit status.
            let conformance = report["summary"]["conformance"]["failed"]
                .as_u64()
                .expect("summary.conformance");
            assert_eq!(code, i32::from(conformance > 0), "{adapter}: {err}");
        } else {
            assert_eq!(code, 1, "{adapter}: --generate must fail; stderr {err}");
        }
        let mins = minimal(&report);
        assert!(!mins.is_empty(), "{adapter} (wild {wild}): no shrunk case");
        assert!(
            mins.iter().any(|(_, d)| names(d)),
            "{adapter} (wild {wild}): no minimal case names {what}: {mins:#?}"
        );
        for (id, d) in &mins {
            assert!(
                d.contains("reproduce: allinpay-conformance run --adapter ")
                    && d.contains("--seed 12 --case ")
                    && d.contains(" --generate-wild ") == wild,
                "{id}: {d}"
            );
        }
        if !wild {
            first = mins;
        }
    }
    first
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

/// 5,100 generated messages (17 types × 300) through an implementation: no disagreement,
/// and no built-in reference row in the totals.
fn agrees_on_5100_generated_messages(adapter: &str) {
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        adapter,
        "--generate",
        "300",
        "--seed",
        "2024",
        "--format",
        "json",
    ]);
    let report = json(&out);
    assert_eq!(code, 0, "{adapter}: {err} {:#?}", failures(&report));
    assert_eq!(report["summary"]["failed"], 0, "{adapter}");
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
    assert_eq!(messages.len(), 17 * 300);
    let passed = report["summary"]["passed"].as_u64().unwrap_or(0);
    assert!(passed > 10_000, "{adapter}: only {passed} passed");
}

fn correct_python_adapter_agrees_on_5100_generated_messages() {
    agrees_on_5100_generated_messages(&python(None));
}

fn correct_php_adapter_agrees_on_5100_generated_messages() {
    agrees_on_5100_generated_messages(&php(None));
}

fn correct_java_adapter_agrees_on_5100_generated_messages() {
    agrees_on_5100_generated_messages(&format!("java -cp {} AllinpayAdapter", compile_java()));
}

fn correct_node_adapter_agrees_on_5100_generated_messages() {
    agrees_on_5100_generated_messages(&example("node", "node/allinpay_adapter.js", None));
}

/// Compiles the Java example into this test's own temporary directory; the class path.
fn compile_java() -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("java-adapter-generate");
    std::fs::create_dir_all(&dir).expect("class directory");
    let out = Command::new("javac")
        .arg("-d")
        .arg(&dir)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../examples/adapters/java/AllinpayAdapter.java"
        ))
        .output()
        .expect("javac");
    assert!(
        out.status.success(),
        "javac failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.to_str().expect("path").to_owned()
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
    let wild = ["run", "--generate", "30", "--seed", "5", "--generate-wild"];
    let (_, w1, _) = ac(&wild);
    let (_, w2, _) = ac(&wild);
    assert_eq!(w1, w2);
    assert_ne!(w1, b1);
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
        &["run", "--generate-wild"],
        &["run", "--generate-wild", "--seed", "5"],
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

/// An implementation that binds amounts to integers and renders them back (`--broken
/// int-amounts`) signs what the gateway really sends exactly as the built-in does; under
/// `--generate-wild` an amount such as `01` makes it disagree, reported as a robustness
/// finding that does not fail the run.
fn int_amounts_agree_in_format_and_disagree_only_as_robustness_findings() {
    let adapter = python(Some("int-amounts"));
    agrees_on_5100_generated_messages(&adapter);
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--generate",
        "40",
        "--seed",
        "12",
        "--generate-wild",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let report = json(&out);
    let summary = &report["summary"];
    assert_eq!(summary["conformance"]["failed"], 0, "{summary}");
    assert_eq!(summary["robustness"]["failed"], 0, "{summary}");
    let disagreements = summary["robustness"]["warnings"]
        .as_u64()
        .expect("robustness");
    let failing = failures(&report);
    assert!(disagreements > 0, "{summary}");
    assert_eq!(failing.len() as u64, disagreements);
    for c in &failing {
        let id = c["id"].as_str().expect("id");
        assert!(id.starts_with("gen-wild/"), "{id}");
        assert!(
            c["flags"]
                .as_array()
                .expect("flags")
                .contains(&json!("Wild")),
            "{id}"
        );
        assert!(
            c["file"]
                .as_str()
                .is_some_and(|f| f.starts_with("generate-wild-")),
            "{id}"
        );
        assert!(
            c["detail"]
                .as_str()
                .is_some_and(|d| d.contains("robustness case (--generate-wild): out of format:")),
            "{id}"
        );
    }
    // A minimal case blames an amount written other than as an integer.
    let amounts = ["orderAmount", "payAmount", "refundAmount", "confirmAmount"];
    let mins = minimal(&report);
    assert!(
        mins.iter()
            .any(|(_, d)| d.lines().any(|l| l.contains("made plain:")
                && amounts.iter().any(|a| l.contains(&format!("{a} = \""))))),
        "{mins:#?}"
    );
    // The text report counts the two apart.
    let (code, text, _) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--generate",
        "40",
        "--seed",
        "12",
        "--generate-wild",
    ]);
    assert_eq!(code, 0);
    let line = |class: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{class}: ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("conformance").ends_with(" passed, 0 failed"), "{text}");
    assert!(
        line("robustness").contains(&format!(
            " passed, 0 failed, {disagreements} disagreements ("
        )),
        "{text}"
    );
}
