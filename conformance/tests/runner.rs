//! `allinpay-conformance run`: case ids, selection, report formats, deviations, baseline,
//! `--strict`, and adapters that time out, crash or answer garbage.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

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

fn assert_one_line_error(code: i32, out: &str, err: &str) {
    assert_eq!(code, 2, "stdout {out:?} stderr {err:?}");
    assert_eq!(err.lines().count(), 1, "stderr {err:?}");
    assert!(
        err.starts_with("error: ") && !err.contains("panicked"),
        "{err:?}"
    );
}

/// A file under a per-test temporary directory.
fn temp_file(test: &str, name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("allinpay-runner-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

fn json_report(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

/// (id, verdict) of every case of a JSON report.
fn verdicts(report: &Value) -> Vec<(String, String)> {
    report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| {
            (
                c["id"].as_str().expect("id").to_owned(),
                c["verdict"].as_str().expect("verdict").to_owned(),
            )
        })
        .collect()
}

/// The number of tests the vector files declare, read here from the files themselves.
fn declared_tests() -> usize {
    let dir = allinpay_conformance::vectors_dir();
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("vectors") {
        let p = e.expect("entry").path();
        if p.extension().is_some_and(|x| x == "json") {
            let v: Value =
                serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
            n += v["numberOfTests"].as_u64().expect("numberOfTests") as usize;
        }
    }
    n
}

/// The ids of the `acceptable` cases of §3.8/§4.x texts signed in the terminated form
/// (flag `TextTerminated` or `RecordCrlfSigned`; ERRATA E-3.8-TEXT), read from the files.
fn terminated_text_ids() -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(allinpay_conformance::vectors_dir()).expect("vectors") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&p).expect("read")).expect("json");
        let stem = p.file_stem().expect("stem").to_string_lossy().into_owned();
        for g in v["testGroups"].as_array().expect("groups") {
            for t in g["tests"].as_array().expect("tests") {
                let flagged = t["flags"].as_array().expect("flags").iter().any(|f| {
                    f.as_str()
                        .is_some_and(|f| f == "TextTerminated" || f == "RecordCrlfSigned")
                });
                if flagged && t["result"] == "acceptable" {
                    let section = t["section"].as_str().expect("section");
                    out.insert(format!(
                        "{}/{}/{stem}/tc{}",
                        section.trim_start_matches('§'),
                        v["message"].as_str().expect("message"),
                        t["tcId"]
                    ));
                }
            }
        }
    }
    out
}

const PY_GOOD: &str = concat!(
    "python3 ",
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/python/allinpay_adapter.py"
);
const PY_ALPHA: &str = concat!(
    "python3 ",
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/python/allinpay_adapter.py --broken alphabetical"
);

#[test]
fn list_prints_one_id_per_case_starting_with_the_section() {
    let (code, out, err) = ac(&["run", "--list"]);
    assert_eq!(code, 0, "{err}");
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), declared_tests());
    let unique: std::collections::BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "ids are unique");
    for id in &ids {
        let parts: Vec<&str> = id.split('/').collect();
        assert_eq!(parts.len(), 4, "{id}");
        assert!(
            parts[0]
                .split('.')
                .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())),
            "{id}: starts with a section number"
        );
        assert!(parts[3].starts_with("tc"), "{id}");
    }
    for want in [
        "5.2/pay-request/spec_pay_request/tc3",
        "2.1/pay-request/spec_pay_request/tc1",
        "2.2.3/pay-notify/capture_pay_notify/tc1",
        "3.8/refund-query-response/refund_query_response_cert/tc41",
        "5.4/pay-request/spec_ext1/tc2",
        "3.4/batch-query-response/spec_parse_batch_query_response/tc6",
    ] {
        assert!(ids.contains(&want), "{want} missing");
    }
}

#[test]
fn filter_selects_by_glob_and_reruns_one_case() {
    let (code, out, _) = ac(&["run", "--list", "--filter", "5.2/*/spec_*"]);
    assert_eq!(
        (code, out.as_str()),
        (0, "5.2/pay-request/spec_pay_request/tc3\n")
    );
    let (code, out, _) = ac(&[
        "run",
        "--list",
        "--filter",
        "*/capture_pay_notify/tc?",
        "--filter",
        "*/capture_refund_response/tc?",
        "--filter",
        "5.4/*",
    ]);
    assert_eq!(code, 0);
    assert_eq!(
        out,
        "2.2.3/pay-notify/capture_pay_notify/tc1\n2.2.3/pay-notify/capture_pay_notify/tc2\n\
         2.2.3/pay-notify/capture_pay_notify/tc3\n2.2.3/pay-notify/capture_pay_notify/tc4\n\
         2.2.3/pay-notify/capture_pay_notify/tc5\n3.6/refund-response/capture_refund_response/tc1\n\
         3.6/refund-response/capture_refund_response/tc2\n5.4/pay-request/spec_ext1/tc1\n\
         5.4/pay-request/spec_ext1/tc2\n"
    );
    let (code, out, _) = ac(&["run", "--filter", "2.2.3/pay-notify/capture_pay_notify/tc3"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.ends_with("\n1 passed, 0 failed\n"), "{out}");
    let (code, out, err) = ac(&["run", "--filter", "9.9/*"]);
    assert_one_line_error(code, &out, &err);
    assert!(err.contains("no case matches"), "{err}");
}

#[test]
fn builtin_json_report_passes_everything() {
    let (code, out, err) = ac(&["run", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r = json_report(&out);
    assert_eq!(r["schema"], "allinpay-conformance-report/v1");
    let v = verdicts(&r);
    assert_eq!(v.len(), declared_tests());
    assert_eq!(r["summary"]["failed"], 0);
    // The `acceptable` vectors of parse and verify, and the one of check: accepted by the
    // lenient built-in implementation.
    let acceptable: BTreeSet<String> = v
        .iter()
        .filter(|(_, verdict)| verdict == "acceptable")
        .map(|(id, _)| id.clone())
        .collect();
    // Texts signed in the terminated form (ERRATA E-3.8-TEXT), MD5 and certificate mode.
    let terminated = terminated_text_ids();
    assert!(terminated
        .iter()
        .any(|id| id.contains("/md5_preauth_cancel_response/")));
    assert!(terminated
        .iter()
        .any(|id| id.contains("/refund_query_response_cert/")));
    let listed: BTreeSet<String> = [
        // The attack battery: bytes moved between fields (ERRATA E-5.1-REPARTITION)
        // and a folded or CR-terminated base64 signMsg.
        "2.2.3/pay-notify/attack_repartition_pay_notify/tc2",
        "2.2.3/pay-notify/attack_repartition_pay_notify/tc4",
        "2.2.3/pay-notify/attack_repartition_pay_notify/tc7",
        "2.2.3/pay-notify/attack_repartition_pay_notify/tc9",
        "2.2.3/pay-notify/attack_signature_text_pay_notify/tc2",
        "2.2.3/pay-notify/attack_signature_text_pay_notify/tc3",
        // payData declaring GBK/GB2312 hashed in UTF-8 (ERRATA E-CHARSET).
        "5.1/pay-request/md5_pay_request/tc149",
        "5.1/pay-request/md5_pay_request/tc150",
        "5.1/pay-request/md5_pay_request/tc164",
        "5.1/pay-request/md5_pay_request/tc165",
        "3.4/batch-query-response/spec_check_batch_query_response/tc1",
        "3.8/error-response/spec_parse_error_response/tc1",
        "3.4/error-response/spec_parse_error_response/tc2",
        "3.8/refund-query-response/spec_parse_refund_query_response/tc4",
        "3.8/refund-query-response/spec_refund_query_response_md5/tc4",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(
        acceptable,
        listed.union(&terminated).cloned().collect::<BTreeSet<_>>()
    );
    assert!(v.iter().all(|(_, x)| x == "pass" || x == "acceptable"));
}

#[test]
fn strict_runs_the_builtin_strictly_and_fails_accepted_quirks() {
    let (code, out, _) = ac(&[
        "run",
        "--strict",
        "--filter",
        "*/spec_parse_error_response/*",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("\n0 acceptable,"), "{out}");
    assert!(out.ends_with("\n4 passed, 0 failed\n"), "{out}");

    // An implementation that accepts everything: the acceptable case passes as
    // `acceptable`, and fails under --strict; the invalid one fails either way.
    let script = temp_file(
        "strict",
        "accept_all.py",
        "import json,sys\nfor l in sys.stdin:\n    print(json.dumps({'valid': True}), flush=True)\n",
    );
    let adapter = format!("python3 {}", script.display());
    let acc = "3.8/refund-query-response/spec_refund_query_response_md5/tc4";
    let (code, out, _) = ac(&["run", "--adapter", &adapter, "--filter", acc]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&format!("  ACCEPTABLE {acc} ")), "{out}");
    assert!(out.ends_with("\n1 passed, 0 failed\n"), "{out}");
    let (code, out, _) = ac(&["run", "--adapter", &adapter, "--filter", acc, "--strict"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&format!("  FAIL {acc} ")), "{out}");
    assert!(out.ends_with("\n0 passed, 1 failed\n"), "{out}");
}

#[test]
fn adapter_failures_are_reported_per_case_and_never_hang() {
    // capture_pay_notify: tc1 unsupported, tc2 hangs, tc3 crashes, tc4 prints garbage,
    // tc5 (invalid) answered correctly by the restarted adapter.
    let script = temp_file(
        "misbehave",
        "misbehave.py",
        r#"import json, sys, time
for line in sys.stdin:
    tc = json.loads(line)["id"].rsplit("/", 1)[1]
    if tc == "tc1":
        print(json.dumps({"unsupported": True}), flush=True)
    elif tc == "tc2":
        time.sleep(60)
    elif tc == "tc3":
        print("dying on purpose", file=sys.stderr, flush=True)
        sys.exit(3)
    elif tc == "tc4":
        print("this is not json", flush=True)
    else:
        print(json.dumps({"valid": False, "reason": "tampered"}), flush=True)
"#,
    );
    let adapter = format!("python3 {}", script.display());
    let started = Instant::now();
    let (code, out, err) = ac(&[
        "run",
        "--adapter",
        &adapter,
        "--timeout",
        "2",
        "--filter",
        "*/capture_pay_notify/*",
        "--format",
        "json",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1, "{err}");
    let r = json_report(&out);
    let v = verdicts(&r);
    let got: Vec<(&str, &str)> = v
        .iter()
        .map(|(id, x)| (id.rsplit('/').next().unwrap_or_default(), x.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("tc1", "skipped"),
            ("tc2", "error"),
            ("tc3", "error"),
            ("tc4", "error"),
            ("tc5", "pass")
        ]
    );
    let detail = |i: usize| {
        r["cases"][i]["detail"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        detail(1).contains("no answer within 2.0 s"),
        "{}",
        detail(1)
    );
    assert!(
        detail(2).contains("crashed") && detail(2).contains("dying on purpose"),
        "{}",
        detail(2)
    );
    assert!(detail(3).contains("not JSON"), "{}", detail(3));
    assert_eq!(r["summary"]["failed"], 3);
    assert_eq!(r["summary"]["errors"], 3);
}

#[test]
fn adapter_command_errors_are_one_line_exit_2() {
    for args in [
        vec!["run", "--adapter", "/nonexistent/adapter"],
        vec!["run", "--adapter", ""],
        vec!["run", "--adapter", "python3 'unclosed"],
        vec!["run", "--timeout", "0"],
        vec!["run", "--timeout", "soon"],
        vec!["run", "--format", "xml"],
        vec!["run", "--include-deviations"],
        vec!["run", "--baseline", "/nonexistent/baseline.json"],
        vec!["run", "--deviations", "/nonexistent/deviations.txt"],
        vec!["run", "--vectors", "/nonexistent/vectors"],
    ] {
        let (code, out, err) = ac(&args);
        assert_one_line_error(code, &out, &err);
    }
    let bad = temp_file("bad", "deviations.txt", "# ok\n5.2/*\n");
    let (code, out, err) = ac(&["run", "--deviations", bad.to_str().expect("path")]);
    assert_one_line_error(code, &out, &err);
    assert!(err.contains("line 2"), "{err}");
    let bad = temp_file("bad", "baseline.json", r#"{"cases": []}"#);
    let (code, out, err) = ac(&["run", "--baseline", bad.to_str().expect("path")]);
    assert_one_line_error(code, &out, &err);
}

#[test]
fn deviations_are_reported_not_failed_unless_included() {
    let dev = temp_file(
        "deviations",
        "deviations.txt",
        "# our legacy notifier sorts fields\n\
         2.2.3/pay-notify/capture_pay_notify/tc?   alphabetical order, ticket 12\n\
         3.6/*/capture_refund_response/tc1         same bug\n\
         9.9/*                                     stale entry\n",
    );
    let dev = dev.to_str().expect("path");
    let (filter, filter2) = ("*/capture_pay_notify/*", "*/capture_refund_response/*");
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--deviations",
        dev,
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("\n0 acceptable, 0 skipped, 6 deviations, "),
        "{out}"
    );
    assert!(
        out.contains("note: deviation 9.9/* (line 4) matches no case"),
        "{out}"
    );
    assert!(out.ends_with("\n1 passed, 0 failed\n"), "{out}");

    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--deviations",
        dev,
        "--include-deviations",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.ends_with("\n4 passed, 3 failed\n"), "{out}");
    // Cases listed but passing are pointed out.
    assert!(
        out.contains("  FIXED 2.2.3/pay-notify/capture_pay_notify/tc3 "),
        "{out}"
    );
}

#[test]
fn baseline_fails_only_on_regressions() {
    let (filter, filter2) = ("*/capture_pay_notify/*", "*/capture_refund_response/*");
    // Against a baseline where everything passed (the correct adapter), the broken one
    // regresses on the three valid MD5 captures.
    let (code, good, _) = ac(&[
        "run",
        "--adapter",
        PY_GOOD,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let good = temp_file("baseline", "good.json", &good);
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--baseline",
        good.to_str().expect("p"),
    ]);
    assert_eq!(code, 1, "{out}");
    for id in [
        "2.2.3/pay-notify/capture_pay_notify/tc1",
        "2.2.3/pay-notify/capture_pay_notify/tc2",
        "3.6/refund-response/capture_refund_response/tc1",
    ] {
        assert!(out.contains(&format!("  REGRESSION {id} ")), "{id}: {out}");
    }
    assert!(out.ends_with("\n4 passed, 3 failed\n"), "{out}");

    // Against its own earlier report, nothing regressed: exit 0, failures known.
    let (_, broken, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--format",
        "json",
    ]);
    let broken = temp_file("baseline", "broken.json", &broken);
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--baseline",
        broken.to_str().expect("p"),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" 3 known failures, 0 regressions,"), "{out}");
    assert!(out.ends_with("\n4 passed, 0 failed\n"), "{out}");

    // A hand-written baseline: tc1 failed before, tc2 passed, refund tc1 absent (new).
    let hand = temp_file(
        "baseline",
        "hand.json",
        r#"{"schema": "allinpay-conformance-report/v1", "cases": [
            {"id": "2.2.3/pay-notify/capture_pay_notify/tc1", "verdict": "fail"},
            {"id": "2.2.3/pay-notify/capture_pay_notify/tc2", "verdict": "pass"}]}"#,
    );
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        PY_ALPHA,
        "--filter",
        filter,
        "--filter",
        filter2,
        "--baseline",
        hand.to_str().expect("p"),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let r = json_report(&out);
    let notes: Vec<(String, String)> = r["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter_map(|c| {
            Some((
                c["id"].as_str()?.to_owned(),
                c["baseline"].as_str()?.to_owned(),
            ))
        })
        .collect();
    assert_eq!(
        notes,
        [
            (
                "2.2.3/pay-notify/capture_pay_notify/tc1".to_owned(),
                "known-failure".to_owned()
            ),
            (
                "2.2.3/pay-notify/capture_pay_notify/tc2".to_owned(),
                "regression".to_owned()
            ),
            (
                "3.6/refund-response/capture_refund_response/tc1".to_owned(),
                "new".to_owned()
            ),
        ]
    );
    assert_eq!(r["summary"]["failed"], 2);
}

#[test]
fn junit_is_well_formed_xml_with_one_testcase_per_case() {
    let (code, out, _) = ac(&["run", "--adapter", PY_ALPHA, "--format", "junit"]);
    assert_eq!(code, 1);
    let xml = temp_file("junit", "report.xml", &out);
    // Parsed by Python's expat-based ElementTree: an XML parser independent of ours.
    let py = "import sys, xml.etree.ElementTree as E\n\
              r = E.parse(sys.argv[1]).getroot()\n\
              assert r.tag == 'testsuites'\n\
              cs = r.findall('testsuite/testcase')\n\
              f = [c.get('name') for c in cs if c.find('failure') is not None]\n\
              s = [c for c in cs if c.find('skipped') is not None]\n\
              assert int(r.get('tests')) == len(cs) and int(r.get('failures')) == len(f)\n\
              assert sum(int(t.get('tests')) for t in r.findall('testsuite')) == len(cs)\n\
              lead = r.findall('testsuite')[0]\n\
              assert lead.get('name') == 'root causes and scope' and lead.get('tests') == '0'\n\
              assert lead.find('properties/property') is not None and lead.find('system-out') is not None\n\
              print(len(r.findall('testsuite')) - 1, len(cs), len(f), len(s))\n\
              print('\\n'.join(f))";
    let res = Command::new("python3")
        .args(["-c", py, xml.to_str().expect("path")])
        .output()
        .expect("python3 is on every machine of this project");
    let stdout = String::from_utf8_lossy(&res.stdout);
    assert!(
        res.status.success(),
        "{}{}",
        stdout,
        String::from_utf8_lossy(&res.stderr)
    );
    let mut lines = stdout.lines();
    let counts: Vec<usize> = lines
        .next()
        .unwrap_or_default()
        .split(' ')
        .map(|n| n.parse().expect("count"))
        .collect();
    let files = std::fs::read_dir(allinpay_conformance::vectors_dir())
        .expect("vectors")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    assert_eq!(
        counts[0], files,
        "one testsuite per vector file, after the lead suite"
    );
    assert_eq!(counts[1], declared_tests());
    let failed: Vec<&str> = lines.collect();
    assert_eq!(counts[2], failed.len());
    assert!(
        failed.contains(&"2.1/pay-request/spec_pay_request/tc1"),
        "{failed:?}"
    );
    assert!(
        counts[3] >= 30,
        "parse and check cases are skipped: {counts:?}"
    );
}

#[test]
fn the_documented_deviations_example_is_valid() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../docs/deviations-example.txt"
    );
    let (code, out, err) = ac(&["run", "--strict", "--deviations", example]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("matches no case"), "{out}");
    let listed = 36 + 2 + 6 + 1; // batch_query_response_cert, spec_check_…, spec_parse_…, tc4
    assert!(out.contains(&format!(" {listed} deviations, ")), "{out}");
}

#[test]
fn an_adapter_that_keeps_dying_is_given_up_on() {
    let started = Instant::now();
    let (code, out, _) = ac(&[
        "run",
        "--adapter",
        "false",
        "--filter",
        "*/pay_notify_cert/*",
        "--format",
        "json",
    ]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let r = json_report(&out);
    let cases = r["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 35);
    assert!(cases.iter().all(|c| c["verdict"] == "error"), "{out}");
    let detail = |i: usize| cases[i]["detail"].as_str().unwrap_or_default();
    assert!(detail(0).contains("adapter crashed"), "{}", detail(0));
    assert!(!detail(7).contains("not restarted"), "{}", detail(7));
    assert!(
        detail(8).contains("not restarted after 8 failures in a row"),
        "{}",
        detail(8)
    );
    assert!(detail(34).contains("not restarted"), "{}", detail(34));
}
