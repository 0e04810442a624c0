//! `allinpay-conformance diagnose`: each wrong signature below is computed here,
//! independently of the code under test (md-5 over a hand-written sign source, or Python's
//! hashlib), and diagnose must name the mistake that produced it.

use std::io::Write;
use std::process::{Command, Stdio};

use md5::{Digest, Md5};

fn ac(args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().expect("wait");
    let _ = writer.join();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn md5_upper(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect()
}

/// Python's hashlib over `source` encoded with `codec` (an implementation that shares
/// nothing with ours, GBK codec included).
fn python_md5(source: &str, codec: &str) -> Option<String> {
    let out = Command::new("python3")
        .args([
            "-c",
            "import hashlib,sys; print(hashlib.md5(sys.argv[1].encode(sys.argv[2])).hexdigest().upper())",
            source,
            codec,
        ])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

const KEY: &str = "1234567890";
/// §2.1's payData example (receiveUrl without the PDF's wrap space).
const PAYDATA: &str = r#"{"inputCharset":"1","receiveUrl":"http://www","version":"v1.0","signType":"1","merchantId":"100020091218001","orderNo":"NOM20141125141040856","orderAmount":"1","orderDatetime":"20141125141040","productName":"笔记本电脑","payType":"0"}"#;
/// Its sign source (§5.1), written out by hand.
const SOURCE: &str = "inputCharset=1&receiveUrl=http://www&version=v1.0&signType=1&merchantId=100020091218001&orderNo=NOM20141125141040856&orderAmount=1&orderDatetime=20141125141040&productName=笔记本电脑&payType=0";

fn diagnose(message: &str, fields: &str, sig: &str) -> (i32, String) {
    let (code, out, err) = ac(
        &["diagnose", message, "--key", KEY, "--expected", sig],
        fields,
    );
    assert!(err.is_empty(), "stderr: {err}");
    assert!(!out.contains(KEY), "the key is printed: {out}");
    (code, out)
}

fn assert_names(fields: &str, sig: &str, mistake: &str) {
    let (code, out) = diagnose("pay-request", fields, sig);
    assert_eq!(code, 1, "{out}");
    let line = out
        .lines()
        .find(|l| l.starts_with("reproduced by: "))
        .unwrap_or_else(|| panic!("no explanation for {mistake}:\n{out}"));
    assert_eq!(
        line.trim_start_matches("reproduced by: ")
            .split(" — ")
            .next(),
        Some(mistake),
        "{out}"
    );
}

#[test]
fn the_right_signature_matches() {
    // §2.1 prints 4F521B6E…; recomputed here from the hand-written source.
    let sig = md5_upper(format!("{SOURCE}&key={KEY}").as_bytes());
    assert_eq!(sig, "4F521B6E630C4806A2D7388A014C1123");
    let (code, out) = diagnose("pay-request", PAYDATA, &sig);
    assert_eq!(
        (code, out.as_str()),
        (0, "match: the signature is correct\n")
    );
}

#[test]
fn alphabetical_order() {
    let sorted = "inputCharset=1&merchantId=100020091218001&orderAmount=1&orderDatetime=20141125141040&orderNo=NOM20141125141040856&payType=0&productName=笔记本电脑&receiveUrl=http://www&signType=1&version=v1.0";
    let sig = md5_upper(format!("{sorted}&key={KEY}").as_bytes());
    assert_names(PAYDATA, &sig, "alphabetical-order");
}

#[test]
fn lowercase_hex() {
    assert_names(PAYDATA, "4f521b6e630c4806a2d7388a014c1123", "lowercase-hex");
}

#[test]
fn gbk_instead_of_utf8() {
    let Some(sig) = python_md5(&format!("{SOURCE}&key={KEY}"), "gbk") else {
        panic!("python3 is needed for this test (it is on every machine of this project)");
    };
    assert_names(PAYDATA, &sig, "gbk-charset");
}

#[test]
fn key_without_prefix_and_with_ampersands() {
    assert_names(
        PAYDATA,
        &md5_upper(format!("{SOURCE}{KEY}").as_bytes()),
        "key-without-prefix",
    );
    assert_names(
        PAYDATA,
        &md5_upper(format!("&{SOURCE}&key={KEY}").as_bytes()),
        "leading-ampersand",
    );
    // §5.1 注意事项 read literally: `&` at both ends of the source, then `&key=`.
    assert_names(
        PAYDATA,
        &md5_upper(format!("&{SOURCE}&&key={KEY}").as_bytes()),
        "leading-ampersand + trailing-ampersand",
    );
}

#[test]
fn empty_fields_cardno_and_url_encoding() {
    let with_empty = PAYDATA.replace(r#""payType":"0""#, r#""ext1":"","payType":"0""#);
    let src = SOURCE.replace("&payType=0", "&ext1=&payType=0");
    assert_names(
        &with_empty,
        &md5_upper(format!("{src}&key={KEY}").as_bytes()),
        "empty-fields-signed",
    );

    let with_card = PAYDATA.replace(
        r#""payType":"0""#,
        r#""payType":"0","cardNo":"6222000011112222""#,
    );
    assert_names(
        &with_card,
        &md5_upper(format!("{SOURCE}&cardNo=6222000011112222&key={KEY}").as_bytes()),
        "cardno-signed",
    );

    let encoded = SOURCE.replace("http://www", "http%3A%2F%2Fwww").replace(
        "笔记本电脑",
        "%E7%AC%94%E8%AE%B0%E6%9C%AC%E7%94%B5%E8%84%91",
    );
    assert_names(
        PAYDATA,
        &md5_upper(format!("{encoded}&key={KEY}").as_bytes()),
        "url-encoded-values",
    );
}

#[test]
fn amounts_in_yuan_and_paytype() {
    let fields = PAYDATA.replace(r#""orderAmount":"1""#, r#""orderAmount":"1000""#);
    let src = SOURCE.replace("orderAmount=1&", "orderAmount=10.00&");
    assert_names(
        &fields,
        &md5_upper(format!("{src}&key={KEY}").as_bytes()),
        "amount-in-yuan-decimals",
    );
    let src = SOURCE.replace("orderAmount=1&", "orderAmount=10&");
    assert_names(
        &fields,
        &md5_upper(format!("{src}&key={KEY}").as_bytes()),
        "amount-in-yuan",
    );
    let src = SOURCE.replace("payType=0", "payType=00");
    assert_names(
        PAYDATA,
        &md5_upper(format!("{src}&key={KEY}").as_bytes()),
        "paytype-00",
    );
}

#[test]
fn both_real_text_forms_are_correct_and_named() {
    // §3.8's MD5 example reproduces with the record's CRLF; the literal signString (no
    // CRLF) is what real answers sign (ERRATA E-3.8-TEXT): neither is a mistake.
    let record = r#"{"version":"v2.4","signType":"0","merchantId":"100020091218001","orderNo":"NO20141128151700","refundAmount":"1","refundDatetime":"20141128031757","mchtRefundOrderNo":"2014","refundResult":"TKSUCC0002","returnDatetime":"20141128151433"}"#;
    let line =
        "v2.4|0|100020091218001|NO20141128151700|1|20141128031757|2014|TKSUCC0002|20141128151433";
    let terminated = md5_upper(format!("{line}\r\n|{KEY}").as_bytes());
    assert_eq!(terminated, "B93C478F65CBB562122D367B262FC305");
    let (code, out) = diagnose("refund-query-response", record, &terminated);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("match: the signature is correct (signed text: terminated"),
        "{out}"
    );
    let literal = md5_upper(format!("{line}|{KEY}").as_bytes());
    assert_eq!(literal, "6CDB30553190F5FDCB5B693C6A92503C");
    let (code, out) = diagnose("refund-query-response", record, &literal);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("match: the signature is correct (signed text: literal"),
        "{out}"
    );
    // A real mistake on top of a real form is still named: LF line ends, two records.
    let two = r#"{"records":[{"version":"v2.4","signType":"0","merchantId":"100020091218001","orderNo":"NO1","refundAmount":"1","refundResult":"TKSUCC0002","returnDatetime":"20141128151433"},{"version":"v2.4","signType":"0","merchantId":"100020091218001","orderNo":"NO1","refundAmount":"2","refundResult":"TKSUCC0006","returnDatetime":"20141128151433"}]}"#;
    let r1 = "v2.4|0|100020091218001|NO1|1|||TKSUCC0002|20141128151433";
    let r2 = "v2.4|0|100020091218001|NO1|2|||TKSUCC0006|20141128151433";
    let lf = md5_upper(format!("{r1}\n{r2}|{KEY}").as_bytes());
    let (code, out) = diagnose("refund-query-response", two, &lf);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("reproduced by: lf-line-terminators — "),
        "{out}"
    );
}

#[test]
fn the_section_5_2_erratum_is_not_explained() {
    // ERRATA E-5.2: no rule reproduces the printed value.
    let fields = r#"{"inputCharset":"1","receiveUrl":"http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do","version":"v1.0","signType":"0","merchantId":"100020091218001","orderNo":"NOM20150717161126543","orderAmount":"1","orderDatetime":"20150717161126","productName":"笔记本电脑","payType":"00"}"#;
    let (code, out) = diagnose("pay-request", fields, "581D81D2FAE6579D53C73867611468B7");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("no known mistake reproduces 581D81D2FAE6579D53C73867611468B7"),
        "{out}"
    );
    assert!(!out.contains("reproduced by"), "{out}");
    assert!(
        out.contains("expected sign source: inputCharset=1&receiveUrl=http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do&version=v1.0&signType=0&merchantId=100020091218001&orderNo=NOM20150717161126543&orderAmount=1&orderDatetime=20150717161126&productName=笔记本电脑&payType=00&key=<key>\n"),
        "{out}"
    );
}

#[test]
fn unreadable_input_is_one_line_exit_2() {
    let sig = "4F521B6E630C4806A2D7388A014C1123";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", sig],
            "{",
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", sig],
            "",
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", sig],
            "[1]",
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", sig],
            r#"{"noSuchField":"1"}"#,
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", sig],
            r#"{"orderNo":[1]}"#,
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--expected", "XYZ"],
            PAYDATA,
        ),
        (
            vec!["diagnose", "no-such", "--key", KEY, "--expected", sig],
            PAYDATA,
        ),
        (
            vec![
                "diagnose",
                "sync-result-ios",
                "--key",
                KEY,
                "--expected",
                sig,
            ],
            "{}",
        ),
        (vec!["diagnose", "pay-request", "--expected", sig], PAYDATA),
        (vec!["diagnose", "pay-request", "--key", KEY], PAYDATA),
        (
            vec![
                "diagnose",
                "batch-query-response",
                "--key",
                KEY,
                "--expected",
                sig,
            ],
            "{}",
        ),
    ];
    for (args, input) in cases {
        let (code, out, err) = ac(&args, input);
        assert_eq!(code, 2, "{args:?} {input:?}: stdout {out:?} stderr {err:?}");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.starts_with("error: "), "{err:?}");
        assert!(!err.contains("panicked") && !err.contains(KEY), "{err:?}");
    }
}
