//! `traffic` on captures no one here wrote: the public captures the vectors cite, arranged
//! as mitmproxy and DevTools write HAR (conformance/tests/fixtures/traffic/), as raw files
//! and as log lines; the expected verdicts come from the vector files (computed with
//! Python hashlib), never from the code under test. Then hostile input: truncated JSON,
//! wrong types, huge entries, unknown encodings, each a clear error without a panic.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::Value;

use allinpay_conformance::traffic::finding::{Severity, Topic, Verdict};
use allinpay_conformance::traffic::judge::{JudgedMessage, SignatureStatus};
use allinpay_conformance::traffic::redact::Redaction;
use allinpay_conformance::traffic::report::EntryReport;
use allinpay_conformance::traffic::to_vectors::{self, VectorOptions};
use allinpay_conformance::traffic::{judge_inputs, Keys, TrafficError, TrafficReport};
use allinpay_protocol::{MerchantKey, MessageKind};

const KEY_TEST: &str = "1234567890";
const KEY_ZNL: &str = "fcc3c40d59c191b3e91f47a03c010900";

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/traffic")
        .join(rel)
}

fn vector(name: &str) -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../vectors")
        .join(name);
    serde_json::from_slice(&std::fs::read(p).expect("vector file")).expect("json")
}

fn vector_test(doc: &Value, tc: u64) -> Value {
    doc["testGroups"]
        .as_array()
        .expect("groups")
        .iter()
        .flat_map(|g| g["tests"].as_array().expect("tests").iter())
        .find(|t| t["tcId"] == tc)
        .cloned()
        .expect("tcId")
}

fn judged(paths: &[PathBuf], key: Option<&str>) -> TrafficReport {
    let key = key.map(|k| MerchantKey::new(k).expect("key"));
    judge_inputs(
        paths,
        Keys {
            key: key.as_ref(),
            cert: None,
        },
    )
    .expect("judged")
}

fn text(r: &TrafficReport) -> String {
    allinpay_conformance::traffic::render(r, allinpay_conformance::traffic::TrafficFormat::Text)
}

fn message(e: &EntryReport, kind: MessageKind) -> &JudgedMessage {
    e.messages
        .iter()
        .find(|m| m.kind == kind)
        .unwrap_or_else(|| panic!("{} has no {}", e.place, kind.name()))
}

fn lines(findings: &[allinpay_conformance::traffic::finding::Finding]) -> Vec<String> {
    findings.iter().map(|f| f.line()).collect()
}

/// The names a vector note lists in parentheses.
fn listed(note: &str) -> String {
    let inner = note
        .split_once('(')
        .and_then(|(_, r)| r.split_once(')'))
        .map(|(l, _)| l)
        .expect("a parenthesised list");
    inner.to_owned()
}

#[test]
fn mitmproxy_capture_of_znl_is_judged_as_the_vectors_say() {
    let r = judged(&[fixture("mitmproxy/znl.har")], Some(KEY_ZNL));
    let t = text(&r);
    let cq = vector("capture_order_query_response.json");
    let cr = vector("capture_refund_response_v23.json");
    assert_eq!(r.entries.len(), 4, "{t}");
    let unknown = listed(cq["notes"]["UnknownFieldsOnWire"].as_str().expect("note"));
    for (e, (doc, tc, kind)) in r.entries.iter().zip([
        (&cq, 3, MessageKind::OrderQueryResponse),
        (&cq, 5, MessageKind::OrderQueryResponse),
        (&cr, 1, MessageKind::RefundResponse),
        (&cr, 4, MessageKind::RefundResponse),
    ]) {
        let v = vector_test(doc, tc);
        let m = message(e, kind);
        assert_eq!(
            m.wire,
            v["wire"].as_str().expect("wire").as_bytes(),
            "{}",
            e.place
        );
        assert_eq!(v["result"], "valid");
        assert_eq!(m.signature.status, SignatureStatus::Verified, "{t}");
        let request = e.messages.iter().find(|m| m.kind != kind).expect("request");
        assert_eq!(request.verdict, Verdict::Valid, "{t}");
        assert!(e.findings.is_empty(), "{t}");
        if kind == MessageKind::OrderQueryResponse {
            // The gateway's extra fields, named as the vector's note names them.
            assert_eq!(
                lines(&m.findings),
                vec![format!(
                    "quirk check: tolerated: fields outside the table, not signed: {unknown} (§3.2)"
                )]
            );
            assert_eq!(m.verdict, Verdict::Acceptable);
        } else {
            assert_eq!(m.verdict, Verdict::Valid, "{t}");
        }
    }
    assert_eq!(r.exit_code(), 0, "{t}");
    assert_eq!(
        r.inputs[0].creator.as_deref(),
        Some("mitmproxy exporthar 0.1")
    );
}

#[test]
fn a1_and_the_2017_notification() {
    let r = judged(&[fixture("mitmproxy/jcp-and-notify.har")], Some(KEY_TEST));
    let t = text(&r);
    let cq = vector("capture_order_query_response.json");
    let a1 = message(&r.entries[0], MessageKind::OrderQueryResponse);
    assert_eq!(vector_test(&cq, 1)["result"], "valid");
    assert_eq!(a1.signature.status, SignatureStatus::Verified, "{t}");
    // EmptyRequiredDatetimes: "orderDatetime and payDatetime, required by the table, are
    // sent empty".
    let note = cq["notes"]["EmptyRequiredDatetimes"]
        .as_str()
        .expect("note");
    assert!(note.starts_with("orderDatetime and payDatetime"));
    let errors: Vec<String> = a1
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.text.clone())
        .collect();
    assert_eq!(
        errors,
        vec![
            "orderDatetime: required (必填/不可空), missing or empty",
            "payDatetime: required (必填/不可空), missing or empty"
        ]
    );
    let n = message(&r.entries[1], MessageKind::PayNotify);
    let cn = vector("capture_pay_notify.json");
    assert_eq!(
        n.wire,
        vector_test(&cn, 1)["wire"]
            .as_str()
            .expect("wire")
            .as_bytes()
    );
    assert_eq!(n.verdict, Verdict::Valid, "{t}");
    assert_eq!(n.signature.status, SignatureStatus::Verified);
    // The merchant acknowledged a genuine notification: nothing to say.
    assert!(r.entries[1].findings.is_empty(), "{t}");
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn devtools_capture_with_a_base64_body() {
    let path = fixture("devtools/calvinxiao.har");
    let har: Value = serde_json::from_slice(&std::fs::read(&path).expect("fixture")).expect("json");
    assert_eq!(har["log"]["creator"]["name"], "WebInspector");
    assert_eq!(
        har["log"]["entries"][1]["response"]["content"]["encoding"],
        "base64"
    );
    let r = judged(&[path], Some(KEY_TEST));
    let t = text(&r);
    let a7 = message(&r.entries[1], MessageKind::RefundResponse);
    let cr = vector("capture_refund_response.json");
    assert_eq!(
        a7.wire,
        vector_test(&cr, 1)["wire"]
            .as_str()
            .expect("wire")
            .as_bytes()
    );
    for (_, m) in r.messages() {
        assert_eq!(m.verdict, Verdict::Valid, "{t}");
        assert_eq!(m.signature.status, SignatureStatus::Verified, "{t}");
    }
    assert_eq!(r.exit_code(), 0, "{t}");
}

#[test]
fn the_derived_invalid_answers_are_caught_and_explained() {
    let r = judged(&[fixture("mitmproxy/tampered.har")], Some(KEY_ZNL));
    let t = text(&r);
    let cq = vector("capture_order_query_response.json");
    let cr = vector("capture_refund_response_v23.json");
    for (e, (doc, tc)) in r
        .entries
        .iter()
        .zip([(&cq, 4), (&cr, 2), (&cr, 3), (&cr, 6)])
    {
        let v = vector_test(doc, tc);
        assert_eq!(v["result"], "invalid");
        let answer = e
            .messages
            .iter()
            .find(|m| m.kind != MessageKind::OrderQuery && m.kind != MessageKind::Refund)
            .expect("answer");
        assert_eq!(answer.wire, v["wire"].as_str().expect("wire").as_bytes());
        assert_eq!(answer.signature.status, SignatureStatus::Failed, "{t}");
        let sig = answer
            .findings
            .iter()
            .find(|f| f.topic == Topic::Signature)
            .expect("finding");
        assert!(
            sig.detail
                .iter()
                .any(|l| l.starts_with("built-in verifier: invalid")),
            "{t}"
        );
    }
    // SignedFieldDropped: mchtRefundOrderNo removed from the answer; the request gave it.
    assert_eq!(
        lines(&r.entries[1].findings),
        vec!["error exchange: the request gave mchtRefundOrderNo \"refund_001\"; the answer returns \"\" (§3.6)"]
    );
    // Tampered: refundAmount changed from 1 to 10.
    for e in &r.entries[2..] {
        assert_eq!(
            lines(&e.findings),
            vec!["error exchange: the answer's refundAmount \"10\" is not the request's refundAmount \"1\" (§3.6)"]
        );
    }
    assert_eq!(r.exit_code(), 1);
}

#[test]
fn raw_files_and_log_lines_judge_like_the_har() {
    let har = judged(&[fixture("mitmproxy/znl.har")], Some(KEY_ZNL));
    let raw = judged(&[fixture("raw")], Some(KEY_ZNL));
    let t = text(&raw);
    assert_eq!(raw.entries.len(), 3, "{t}");
    assert_eq!(raw.entries[0].place.entry.to_string(), "01-order-query.txt");
    let lines_report = judged(&[fixture("lines/znl.log")], Some(KEY_ZNL));
    assert_eq!(lines_report.entries.len(), 2, "{}", text(&lines_report));
    // A2's answer: the same wire, the same verdict and findings in all three forms.
    let a2 = |r: &TrafficReport| {
        let m = message(&r.entries[0], MessageKind::OrderQueryResponse).clone();
        (m.wire, m.verdict, lines(&m.findings), m.signature.status)
    };
    assert_eq!(a2(&har), a2(&raw));
    assert_eq!(a2(&har), a2(&lines_report));
    // A file named by its content only: a refund.
    let content = message(&raw.entries[2], MessageKind::Refund);
    assert_eq!(content.signature.status, SignatureStatus::Verified, "{t}");
    assert_eq!(raw.exit_code(), 0, "{t}");
    assert_eq!(lines_report.exit_code(), 0);
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "allinpay-traffic-test-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&d);
    d
}

#[test]
fn vectors_written_pass_the_lint_and_name_their_provenance() {
    let r = judged(
        &[
            fixture("mitmproxy/znl.har"),
            fixture("mitmproxy/tampered.har"),
        ],
        Some(KEY_ZNL),
    );
    let key = MerchantKey::new(KEY_ZNL).expect("key");
    for (with_key, redact) in [(true, ""), (false, ""), (true, "orderNo,payAmount")] {
        let dir = temp_dir(&format!("{with_key}-{}", redact.len()));
        let red = Redaction::new(&[redact]).expect("names");
        let w = to_vectors::write(
            &r,
            &VectorOptions {
                dir: &dir,
                key: with_key.then_some(&key),
                cert: None,
                redact: &red,
            },
        )
        .expect("written");
        assert_eq!(w.files.len(), 4, "{:?}", w.files);
        assert!(w.skipped.is_empty(), "{:?}", w.skipped);
        let mut verify_groups = 0;
        for f in &w.files {
            let v = allinpay_conformance::vectors::load(f).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(
                v.source.kind,
                allinpay_conformance::vectors::SourceKind::TrafficCapture
            );
            assert!(v.notes.contains_key("RealMerchantData"));
            let text = std::fs::read_to_string(f).expect("read");
            // The key only when given (and a signature case was written).
            assert_eq!(text.contains(KEY_ZNL), with_key && redact.is_empty());
            // Provenance: file, entry, capture time, side.
            assert!(
                text.contains("mitmproxy/znl.har entries[0] 2017-04-20T10:54:14.412377+00:00 ")
                    || text
                        .contains("mitmproxy/znl.har entries[2] 2017-04-11T03:44:23.412377+00:00 "),
                "{}",
                f.display()
            );
            verify_groups += text.matches("\"Md5Verify\"").count();
            if !redact.is_empty() {
                assert!(!text.contains("orderNo=order_001"), "{}", f.display());
                assert!(v.notes.contains_key("Redacted"));
            }
        }
        match (with_key, redact.is_empty()) {
            (true, true) => assert_eq!(verify_groups, 4),
            _ => assert_eq!(
                verify_groups, 0,
                "no key or masked values: parse and check only"
            ),
        }
        if !redact.is_empty() {
            assert_eq!(w.redacted.get("orderNo"), Some(&16));
            assert_eq!(w.redacted.get("payAmount"), Some(&3), "{:?}", w.redacted);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}

// --- hostile input ------------------------------------------------------------------

fn judge_bytes(bytes: &[u8]) -> (Result<(), String>, TrafficReport) {
    let mut session = allinpay_conformance::traffic::session::Session::new(Keys::default());
    let r = allinpay_conformance::traffic::har::read(bytes, "h.har", &mut |e| session.entry(e));
    (r.map(drop).map_err(|e| e.to_string()), session.finish())
}

#[test]
fn truncated_json_judges_what_came_before_and_names_the_entry() {
    let bytes = std::fs::read(fixture("mitmproxy/znl.har")).expect("fixture");
    let whole = judge_bytes(&bytes).1;
    assert_eq!(whole.entries.len(), 4);
    let start = Instant::now();
    for cut in (0..bytes.len()).step_by(97) {
        let (read, r) = judge_bytes(&bytes[..cut]);
        match read {
            Err(e) => {
                assert!(e.starts_with("h.har: not a HAR file: "), "{e}");
                assert!(r.entries.is_empty());
            }
            Ok(()) => {
                let p = r.unreadable.last().expect("the cut is named");
                let msg = p.to_string();
                assert!(
                    msg.starts_with(&format!("h.har entries[{}]: ", r.entries.len())),
                    "{msg}"
                );
                assert!(msg.contains("the file ends inside this entry"), "{msg}");
            }
        }
    }
    assert!(start.elapsed() < Duration::from_secs(60));
}

#[test]
fn wrong_types_are_named_and_the_other_entries_judged() {
    let good = r#"{"startedDateTime":"2017-05-02T14:03:45Z","request":{"method":"POST","url":"http://m/notify","postData":{"text":"merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5"}},"response":{"status":200,"content":{"text":"success"}}}"#;
    let cases = [
        (
            r#"{"request":{"method":"POST","url":7}}"#,
            "request.url must be a string, not a number",
        ),
        (
            r#"{"request":{"method":"POST","url":"http://h/","postData":{"text":5}}}"#,
            "request.postData.text must be a string, not a number",
        ),
        (
            r#"{"request":{"method":"POST","url":"http://h/"},"response":{"status":"200"}}"#,
            "response.status must be a number, not a string",
        ),
        (
            r#"{"request":{"method":"POST","url":"http://h/"},"response":{"content":[]}}"#,
            "response.content must be an object, not an array",
        ),
        (
            r#"{"startedDateTime":1,"request":{"method":"GET","url":"http://h/"}}"#,
            "startedDateTime must be a string, not a number",
        ),
        (
            r#"{"time":"5","request":{"method":"GET","url":"http://h/"}}"#,
            "time must be a number, not a string",
        ),
        (r#"{"response":{}}"#, "request is missing"),
        (r#"[1,2]"#, "the entry must be an object, not an array"),
        (
            r#"{"request":{"method":"POST","url":"http://h/","postData":{"params":{"a":1}}}}"#,
            "request.postData.params must be an array, not an object",
        ),
    ];
    let entries: Vec<&str> = cases.iter().map(|(e, _)| *e).chain([good]).collect();
    let har = format!(
        r#"{{"log":{{"version":"1.2","entries":[{}]}}}}"#,
        entries.join(",")
    );
    let (read, r) = judge_bytes(har.as_bytes());
    read.expect("a HAR");
    let got: Vec<String> = r.unreadable.iter().map(|p| p.to_string()).collect();
    let want: Vec<String> = cases
        .iter()
        .enumerate()
        .map(|(i, (_, why))| format!("h.har entries[{i}]: {why}"))
        .collect();
    assert_eq!(got, want);
    assert_eq!(r.entries.len(), 1);
    assert_eq!(r.entries[0].messages[0].kind, MessageKind::PayNotify);
    assert_eq!(r.entries[0].messages[0].verdict, Verdict::Valid);
}

#[test]
fn huge_entries_and_unknown_encodings_are_clear_errors() {
    let big = "a".repeat(allinpay_protocol::MAX_INPUT_LEN + 10);
    let har = format!(
        r#"{{"log":{{"entries":[
        {{"request":{{"method":"POST","url":"http://ceshi.allinpay.com/gateway/index.do","postData":{{"text":"version=v1.5"}}}},"response":{{"status":200,"content":{{"text":"{big}"}}}}}},
        {{"request":{{"method":"GET","url":"https://cdn.example/app.js"}},"response":{{"status":200,"content":{{"text":"{big}"}}}}}},
        {{"request":{{"method":"POST","url":"http://ceshi.allinpay.com/mchtoq/refundQuery","postData":{{"text":"dmVyc2lvbj12Mi40","encoding":"x-unknown"}}}}}},
        {{"request":{{"method":"POST","url":"http://ceshi.allinpay.com/mchtoq/index.do","postData":{{"text":"version=v1.6"}}}},"response":{{"status":200,"content":{{"text":"H4sIAAAAAAAAAw==","encoding":"base64"}}}}}},
        {{"request":{{"method":"POST","url":"http://ceshi.allinpay.com/gateway/index.do","postData":{{"text":"@@@","encoding":"base64"}}}}}}
        ]}}}}"#
    );
    let start = Instant::now();
    let (read, r) = judge_bytes(har.as_bytes());
    read.expect("a HAR");
    assert!(start.elapsed() < Duration::from_secs(20));
    let got: Vec<String> = r.unreadable.iter().map(|p| p.to_string()).collect();
    assert_eq!(got.len(), 4, "{got:?}");
    assert_eq!(
        got[0],
        format!(
            "h.har entries[0]: response.content: {} bytes, above the {}-byte limit of one message",
            big.len(),
            allinpay_protocol::MAX_INPUT_LEN
        )
    );
    assert_eq!(
        got[1],
        "h.har entries[2]: request.postData.encoding: encoding \"x-unknown\" is not one HAR 1.2 defines (only \"base64\")"
    );
    assert_eq!(
        got[2],
        "h.har entries[3]: response.content.text: gzip-compressed bytes; HAR 1.2 holds bodies decompressed"
    );
    assert!(
        got[3].starts_with("h.har entries[4]: request.postData.text: not base64 ("),
        "{}",
        got[3]
    );
    // Traffic that is not Allinpay's is listed, big or not.
    assert_eq!(r.unrecognised.len(), 1);
    assert!(
        r.unrecognised[0].why.contains("response body of"),
        "{}",
        r.unrecognised[0].why
    );
}

#[test]
fn deep_nesting_and_long_forms_stay_bounded() {
    let deep = format!(
        r#"{{"log":{{"entries":[{}{}]}}}}"#,
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (read, r) = judge_bytes(deep.as_bytes());
    read.expect("the header is a HAR");
    assert_eq!(r.unreadable.len(), 1);
    assert!(
        r.unreadable[0].to_string().contains("recursion limit"),
        "{}",
        r.unreadable[0]
    );
    let form = "version=v1.5&".to_owned() + &"a=1&".repeat(60_000);
    let har = serde_json::json!({"log": {"entries": [{"request": {
        "method": "POST", "url": "http://ceshi.allinpay.com/gateway/index.do",
        "postData": {"text": form}}}]}});
    let start = Instant::now();
    let (read, r) = judge_bytes(har.to_string().as_bytes());
    read.expect("a HAR");
    assert!(start.elapsed() < Duration::from_secs(10));
    assert_eq!(r.entries[0].messages[0].verdict, Verdict::Invalid);
}

#[test]
fn many_entries_stream_in_linear_time() {
    let entry = r#"{"startedDateTime":"2023-03-30T00:00:54.250Z","request":{"method":"GET","url":"https://example.com/a.png","headers":[]},"response":{"status":200,"content":{"size":10,"mimeType":"image/png","text":"iVBORw0KGgo=","encoding":"base64"}}}"#;
    let n = 40_000;
    let mut har = String::from(r#"{"log":{"version":"1.2","entries":["#);
    for i in 0..n {
        if i > 0 {
            har.push(',');
        }
        har.push_str(entry);
    }
    har.push_str("]}}");
    let start = Instant::now();
    let (read, r) = judge_bytes(har.as_bytes());
    read.expect("a HAR");
    assert_eq!(r.unrecognised.len(), n);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn unusable_files_are_one_error_each() {
    let dir = temp_dir("files");
    std::fs::create_dir_all(dir.join("empty")).expect("dir");
    let write = |name: &str, bytes: &[u8]| {
        let p = dir.join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    };
    let zhar = write("dump.zhar", b"x\x9c\x01\x02\x03");
    let flows = write("flows", b"1234:5:hello,");
    let not_har = write("capture.har", b"[1,2,3]");
    let sparse = dir.join("big.har");
    let f = std::fs::File::create(&sparse).expect("create");
    f.set_len(allinpay_conformance::traffic::har::MAX_HAR_FILE + 1)
        .expect("sparse");
    drop(f);
    let cases: Vec<(PathBuf, String)> = vec![
        (
            zhar.clone(),
            format!(
                "{}: zlib-compressed (a mitmproxy .zhar dump)",
                zhar.display()
            ),
        ),
        (
            flows.clone(),
            format!(
                "{}: a mitmproxy flow file (mitmdump -w), not HAR",
                flows.display()
            ),
        ),
        (
            not_har.clone(),
            format!(
                "{}: not a HAR file: a member of the wrong type",
                not_har.display()
            ),
        ),
        (
            sparse.clone(),
            format!(
                "{}: {} bytes, above the",
                sparse.display(),
                allinpay_conformance::traffic::har::MAX_HAR_FILE + 1
            ),
        ),
        (
            dir.join("empty"),
            format!("{}: no message files", dir.join("empty").display()),
        ),
        (
            dir.join("missing.har"),
            format!("{}: cannot read", dir.join("missing.har").display()),
        ),
    ];
    for (path, want) in cases {
        let e: TrafficError = judge_inputs(&[&path], Keys::default()).expect_err("unusable");
        let e = e.to_string();
        assert!(e.starts_with(&want), "{e}\nwanted {want}");
        assert!(!e.contains('\n'));
    }
    #[cfg(unix)]
    {
        // An endless device is read up to one message's limit, then named.
        let r = judge_inputs(&[Path::new("/dev/zero")], Keys::default()).expect("read");
        assert_eq!(r.unreadable.len(), 1);
        assert!(r.unreadable[0]
            .to_string()
            .contains("above the 262144-byte limit"));
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_fuzz_corpus_and_regressions_replay() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut n = 0;
    for sub in ["corpus/har", "regressions/har"] {
        let Ok(rd) = std::fs::read_dir(fuzz.join(sub)) else {
            continue;
        };
        for e in rd.filter_map(Result::ok) {
            allinpay_conformance::traffic::fuzzing::har(&std::fs::read(e.path()).expect("read"));
            n += 1;
        }
    }
    assert!(n >= 5, "only {n} har corpus entries");
}
