//! `allinpay-conformance run --adapter CMD --fuzz`: each fragile variant of the Python
//! example is found with a fixed seed, in its class, and shrunk to a minimal input with a
//! reproducer that replays it; the four clean example adapters have no critical and no
//! robustness finding over a short run; a run is the same for a seed.
//!
//! A libtest-mimic harness (`harness = false`): a trial that needs php, javac or node
//! reports `ignored` with the reason when it is missing, and fails instead when its
//! `ALLINPAY_REQUIRE_…` is set (CI never skips).

use std::process::Command;

use libtest_mimic::Arguments;

mod tools;
use tools::{trial, JAVA, JDK, NODE, NODE_JS, PHP, PHP_CLI, PY};

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        trial(
            "uri_error_is_a_robustness_finding_shrunk_to_a_lone_percent",
            None,
            uri_error_is_a_robustness_finding_shrunk_to_a_lone_percent,
        ),
        trial(
            "last_line_signature_rejects_a_genuine_text_with_a_trailing_crlf",
            None,
            last_line_signature_rejects_a_genuine_text_with_a_trailing_crlf,
        ),
        trial(
            "valid_on_exception_is_a_critical_finding_shrunk_to_a_few_bytes",
            None,
            valid_on_exception_is_a_critical_finding_shrunk_to_a_few_bytes,
        ),
        trial(
            "slow_long_value_is_a_timeout_shrunk_to_200_kib",
            None,
            slow_long_value_is_a_timeout_shrunk_to_200_kib,
        ),
        trial(
            "the_json_report_carries_the_findings",
            None,
            the_json_report_carries_the_findings,
        ),
        trial("python_example_is_clean", None, python_example_is_clean),
        trial("php_example_is_clean", Some(&PHP_CLI), php_example_is_clean),
        trial(
            "node_example_is_clean",
            Some(&NODE_JS),
            node_example_is_clean,
        ),
        trial("java_example_is_clean", Some(&JDK), java_example_is_clean),
        trial(
            "a_run_is_the_same_for_a_seed",
            None,
            a_run_is_the_same_for_a_seed,
        ),
        trial(
            "fuzz_arguments_are_checked",
            None,
            fuzz_arguments_are_checked,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}

/// `run --adapter ADAPTER --fuzz N --seed S EXTRA…`: (exit code, stdout, stderr).
fn fuzz(adapter: &str, n: &str, seed: &str, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(["run", "--adapter", adapter, "--fuzz", n, "--seed", seed])
        .args(extra)
        .output()
        .expect("allinpay-conformance runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The printed findings: (heading, the lines under it).
fn findings(stdout: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in stdout.lines() {
        if line.starts_with("finding ") {
            out.push((line.to_owned(), String::new()));
        } else if line.starts_with("summary:") {
            break;
        } else if let Some(f) = out.last_mut() {
            f.1.push_str(line);
            f.1.push('\n');
        }
    }
    out
}

/// The line of `body` starting (after indentation) with `prefix`.
fn line<'a>(body: &'a str, prefix: &str) -> &'a str {
    body.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix:?} line in\n{body}"))
}

/// Runs a reproducer line with sh and returns its stdout.
fn replay(body: &str) -> String {
    let cmd = line(body, "reproduce: ")
        .trim_start_matches("reproduce: ")
        .to_owned();
    let out = Command::new("sh")
        .arg("-c")
        .arg(&cmd)
        .output()
        .expect("sh runs the reproducer");
    String::from_utf8_lossy(&out.stdout).into_owned()
        + "\nstderr: "
        + &String::from_utf8_lossy(&out.stderr)
}

fn uri_error_is_a_robustness_finding_shrunk_to_a_lone_percent() {
    let adapter = format!("python3 {PY} --broken uri-error");
    let (code, out, err) = fuzz(&adapter, "40", "7", &[]);
    assert_eq!(code, 1, "a robustness finding fails the run:\n{out}\n{err}");
    let f = findings(&out);
    let (head, body) = f
        .iter()
        .find(|(h, _)| h.contains("ROBUSTNESS"))
        .unwrap_or_else(|| panic!("no robustness finding:\n{out}"));
    assert!(head.contains("verify"), "{head}");
    assert!(
        body.contains("adapter crashed") && body.contains("URIError"),
        "{body}"
    );
    assert!(
        line(body, "minimal wire").ends_with("→ 2 bytes): \"=%\""),
        "shrunk to a lone %: {body}"
    );
    // The reproducer makes the adapter die without an answer.
    let replayed = replay(body);
    assert!(replayed.contains("URIError"), "{replayed}");
    assert!(!replayed.contains("\"valid\""), "{replayed}");
    assert!(
        out.contains("\"method\": \"Found by `run --fuzz`; source.method: the expected result is the built-in implementation's"),
        "the vector case says where its expected result came from:\n{out}"
    );
    assert!(
        err.contains("inputs/s") && err.contains("robustness"),
        "progress line on stderr: {err}"
    );
}

fn the_json_report_carries_the_findings() {
    let adapter = format!("python3 {PY} --broken uri-error");
    let (code, out, err) = fuzz(&adapter, "40", "7", &["--format", "json"]);
    assert_eq!(code, 1, "{out}{err}");
    let r: serde_json::Value = serde_json::from_str(&out).expect("one JSON object");
    assert_eq!(r["schema"], "allinpay-conformance-fuzz/v1");
    assert_eq!(r["target"], "adapter");
    assert_eq!(r["seed"], 7);
    assert_eq!(r["inputs"], 40);
    assert!(r["counts"]["robustness"].as_u64() >= Some(1), "{r:#}");
    let f = r["findings"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["class"] == "robustness"))
        .unwrap_or_else(|| panic!("a robustness finding: {r:#}"));
    // Shrunk to the lone `%` the variant chokes on, and the reproducer crashes it again.
    assert_eq!(f["wire"], "=%", "{f:#}");
    assert_eq!(f["op"], "verify", "{f:#}");
    let cmd = f["reproduce"].as_str().expect("a reproducer");
    let again = replay(&format!("reproduce: {cmd}"));
    assert!(again.contains("URIError"), "{again}");
    assert_eq!(f["vectorCase"]["schema"], "allinpay-vectors/v1", "{f:#}");
    let (code, _, err) = fuzz(&adapter, "5", "7", &["--format", "junit"]);
    assert_eq!(code, 2);
    assert!(err.contains("text or json"), "{err}");
}

fn last_line_signature_rejects_a_genuine_text_with_a_trailing_crlf() {
    let adapter = format!("python3 {PY} --broken last-line-signature");
    let (code, out, err) = fuzz(&adapter, "40", "7", &[]);
    assert!(code == 0 || code == 1, "{out}\n{err}");
    let f = findings(&out);
    let (head, body) = f
        .iter()
        .find(|(h, _)| h.contains("REJECTION") && h.contains("mutations: trailing CRLF"))
        .unwrap_or_else(|| panic!("no rejection after a trailing CRLF:\n{out}"));
    assert!(head.contains("verify"), "{head}");
    assert!(body.contains("the built-in verifies it"), "{body}");
    let wire = line(body, "minimal wire");
    assert!(
        wire.ends_with("\\r\\n\""),
        "the trailing CRLF stays: {wire}"
    );
    // The correct example verifies the same bytes.
    let correct = replay(&body.replace(" --broken last-line-signature", ""));
    assert!(correct.contains("\"valid\": true"), "{correct}");
    let broken = replay(body);
    assert!(
        broken.contains("\"valid\": false") || broken.contains("\"error\""),
        "{broken}"
    );
}

fn valid_on_exception_is_a_critical_finding_shrunk_to_a_few_bytes() {
    let adapter = format!("python3 {PY} --broken valid-on-exception");
    let (code, out, err) = fuzz(&adapter, "40", "7", &[]);
    assert_eq!(code, 1, "{out}\n{err}");
    let f = findings(&out);
    let (_, body) = f
        .iter()
        .find(|(h, _)| h.contains("CRITICAL") && h.contains("pay-notify"))
        .unwrap_or_else(|| panic!("no critical pay-notify finding:\n{out}"));
    assert!(
        body.contains("answers valid; the built-in refuses it"),
        "{body}"
    );
    // Shrunk to a few bytes that make the parser throw (the built-in's reason kept).
    let wire = line(body, "minimal wire");
    let bytes: usize = wire
        .split("→ ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(usize::MAX);
    assert!(bytes <= 8, "{wire}");
    let replayed = replay(body);
    assert!(replayed.contains("\"valid\": true"), "{replayed}");
    assert!(
        out.contains("\"result\": \"invalid\""),
        "the vector case expects invalid:\n{out}"
    );
}

fn slow_long_value_is_a_timeout_shrunk_to_200_kib() {
    let adapter = format!("python3 {PY} --broken slow-long-value");
    let (code, out, err) = fuzz(&adapter, "16", "7", &["--timeout", "0.5"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let f = findings(&out);
    let (_, body) = f
        .iter()
        .find(|(h, _)| h.contains("ROBUSTNESS"))
        .unwrap_or_else(|| panic!("no robustness finding:\n{out}"));
    assert!(body.contains("no answer within 0.5 s"), "{body}");
    let wire = line(body, "minimal wire");
    assert!(
        wire.contains("×204800 "),
        "shrunk to the 200 KiB threshold: {wire}"
    );
    // The reproducer rebuilds the long value with python3 (one line, not 200 KiB).
    let repro = line(body, "reproduce: ");
    assert!(
        repro.starts_with("reproduce: python3 -c ") && repro.len() < 1000,
        "{repro}"
    );
}

fn assert_clean(adapter: &str) {
    let (code, out, err) = fuzz(adapter, "300", "11", &[]);
    assert!(
        out.contains("findings: 0 critical, 0 robustness"),
        "{adapter}:\n{out}\n{err}"
    );
    assert_eq!(code, 0, "{out}");
}

fn python_example_is_clean() {
    assert_clean(&format!("python3 {PY}"));
}

fn php_example_is_clean() {
    assert_clean(&format!("php {PHP}"));
}

fn node_example_is_clean() {
    assert_clean(&format!("node {NODE}"));
}

fn java_example_is_clean() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("java-fuzz-adapter");
    std::fs::create_dir_all(&dir).expect("class directory");
    let out = Command::new("javac")
        .arg("-d")
        .arg(&dir)
        .arg(JAVA)
        .output()
        .expect("javac");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_clean(&format!(
        "java -cp {} AllinpayAdapter",
        dir.to_str().expect("path")
    ));
}

fn a_run_is_the_same_for_a_seed() {
    let adapter = format!("python3 {PY} --broken valid-on-exception");
    let strip = |s: String| -> String {
        s.lines()
            .filter(|l| !l.starts_with("summary:"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let a = strip(fuzz(&adapter, "120", "3", &[]).1);
    let b = strip(fuzz(&adapter, "120", "3", &[]).1);
    assert!(a.contains("finding 1:"), "{a}");
    assert_eq!(a, b);
    let c = strip(fuzz(&adapter, "120", "4", &[]).1);
    assert_ne!(a, c, "another seed, other inputs");
}

fn fuzz_arguments_are_checked() {
    let bin = env!("CARGO_BIN_EXE_allinpay-conformance");
    let run = |args: &[&str]| {
        let o = Command::new(bin).args(args).output().expect("runs");
        (
            o.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let adapter = format!("python3 {PY}");
    let (code, err) = run(&["run", "--adapter", &adapter, "--fuzz", "soon"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--fuzz \"soon\" must be a duration"), "{err}");
    let (code, err) = run(&["run", "--fuzz", "10"]);
    assert_eq!(code, 2, "--fuzz needs --adapter: {err}");
    let (code, err) = run(&[
        "run",
        "--adapter",
        &adapter,
        "--fuzz",
        "10",
        "--generate",
        "5",
    ]);
    assert_eq!(code, 2, "--fuzz and --generate exclude each other: {err}");
    // A duration stops the run.
    let started = std::time::Instant::now();
    let (code, out, _) = fuzz(&adapter, "2s", "1", &[]);
    assert_eq!(code, 0, "{out}");
    assert!(started.elapsed().as_secs() < 30, "stopped at the duration");
    assert!(out.contains("summary: "), "{out}");
}
