//! `allinpay-conformance traffic`: exit codes (0 conforming, 1 findings, 2 unusable input
//! with one line on stderr), the three formats, and `--to-vectors` files that `run`
//! replays.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const KEY_ZNL: &str = "fcc3c40d59c191b3e91f47a03c010900";

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traffic")
        .join(rel)
        .display()
        .to_string()
}

fn ac(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn one_line_error(code: i32, stderr: &str, starts: &str) {
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.starts_with(starts), "{stderr:?}");
    assert!(!stderr.contains("panicked"));
}

fn temp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "allinpay-traffic-cli-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn exit_codes_follow_the_findings() {
    let (code, out, _) = ac(&["traffic", &fixture("mitmproxy/znl.har"), "--key", KEY_ZNL]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("8 messages judged: 6 valid, 2 acceptable, 0 invalid; 0 errors"),
        "{out}"
    );
    let (code, out, _) = ac(&[
        "traffic",
        &fixture("mitmproxy/tampered.har"),
        "--key",
        KEY_ZNL,
    ]);
    assert_eq!(code, 1, "{out}");
    // Without a key the signatures are not checked, and the report says so.
    let (code, out, _) = ac(&["traffic", &fixture("mitmproxy/znl.har")]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("signatures not checked (8): give --key"),
        "{out}"
    );
}

#[test]
fn unusable_input_is_one_line_and_exit_2() {
    let dir = temp("bad");
    std::fs::create_dir_all(&dir).expect("dir");
    let truncated = dir.join("t.har");
    std::fs::write(&truncated, br#"{"log":{"entries":[{"request":{"meth"#).expect("write");
    let not_har = dir.join("n.har");
    std::fs::write(&not_har, b"<html>").expect("write");
    let t = truncated.display().to_string();
    let n = not_har.display().to_string();
    let missing = dir.join("missing.har").display().to_string();
    for (args, starts) in [
        (
            vec!["traffic", missing.as_str()],
            format!("error: {missing}: cannot read"),
        ),
        (
            vec!["traffic", n.as_str()],
            format!("error: {n}: not a HAR file: malformed JSON"),
        ),
        (
            vec!["traffic", t.as_str()],
            format!(
                "error: nothing could be read: {t} entries[0]: the file ends inside this entry"
            ),
        ),
        (
            vec![
                "traffic",
                t.as_str(),
                "--to-vectors",
                "x",
                "--redact",
                "cardNumber",
            ],
            "error: --redact \"cardNumber\": no message of the spec has a field of that name"
                .to_owned(),
        ),
        (
            vec!["traffic", t.as_str(), "--redact", "cardNo"],
            "error: the following required arguments".to_owned(),
        ),
        (
            vec!["traffic"],
            "error: the following required arguments".to_owned(),
        ),
        (
            vec!["traffic", t.as_str(), "--format", "pdf"],
            "error: invalid value 'pdf'".to_owned(),
        ),
        (
            vec!["traffic", t.as_str(), "--key", ""],
            "error: --key:".to_owned(),
        ),
    ] {
        let (code, _, err) = ac(&args);
        one_line_error(code, &err, &starts);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn json_and_junit_report_the_same_run() {
    let har = fixture("mitmproxy/tampered.har");
    let (code, out, _) = ac(&["traffic", &har, "--key", KEY_ZNL, "--format", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["schema"], "allinpay-conformance-traffic/v1");
    assert_eq!(v["summary"]["messages"], 8);
    assert_eq!(v["summary"]["invalid"], 4);
    assert_eq!(
        v["summary"]["byEndpoint"][0]["endpoint"],
        "/gateway/index.do"
    );
    let e = &v["entries"][1];
    assert_eq!(e["place"]["entry"]["at"], 1);
    assert_eq!(e["time"], "2017-04-11T03:44:23.412377+00:00");
    assert_eq!(e["messages"][1]["kind"], "refund-response");
    assert_eq!(e["messages"][1]["signature"]["status"], "failed");
    assert_eq!(e["findings"][0]["topic"], "exchange");
    let (code, out, _) = ac(&["traffic", &har, "--key", KEY_ZNL, "--format", "junit"]);
    assert_eq!(code, 1);
    assert!(out.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"allinpay-conformance traffic\" tests=\"11\" failures=\"7\" errors=\"0\" skipped=\"0\">"), "{out}");
    assert!(out.contains("<testcase name=\"entries[1] exchange\" classname=\"allinpay-traffic./gateway/index.do\">"), "{out}");
}

#[test]
fn to_vectors_writes_files_run_replays() {
    let dir = temp("vectors");
    let d = dir.display().to_string();
    let (code, out, err) = ac(&[
        "traffic",
        &fixture("mitmproxy/znl.har"),
        &fixture("mitmproxy/tampered.har"),
        "--key",
        KEY_ZNL,
        "--format",
        "json",
        "--to-vectors",
        &d,
        "--redact",
        "cardNo,payAmount",
    ]);
    assert_eq!(code, 1, "{err}");
    serde_json::from_str::<Value>(&out).expect("stdout stays JSON");
    assert!(
        err.contains("--redact payAmount: masked in 3 messages"),
        "{err}"
    );
    assert!(
        err.contains("--redact cardNo: no message held a value"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 4);
    let (code, out, err) = ac(&["run", "--vectors", &d]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(" 0 failed"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
