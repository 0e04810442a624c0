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

// ---------------------------------------------------------------------------------------
// Every mistake named alone and with one other; both directions; the real library bugs;
// certificate mode; JSON output.

fn md5_lower(bytes: &[u8]) -> String {
    md5_upper(bytes).to_ascii_lowercase()
}

/// The label sets of the `reproduced by:` lines of `out`.
fn explanations(out: &str) -> Vec<Vec<String>> {
    out.lines()
        .filter_map(|l| l.trim_start().strip_prefix("reproduced by: "))
        .map(|l| {
            let mut v: Vec<String> = l
                .split(" — ")
                .next()
                .unwrap_or_default()
                .split(" + ")
                .map(str::to_owned)
                .collect();
            v.sort();
            v
        })
        .collect()
}

fn assert_explained(out: &str, want: &[&str]) {
    let mut want: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert!(
        explanations(out).contains(&want),
        "{want:?} not named:\n{out}"
    );
}

/// Signing side: fields, key, the signature to explain.
fn signing(message: &str, key: &str, fields: &str, sig: &str) -> String {
    let (code, out, err) = ac(
        &["diagnose", message, "--key", key, "--expected", sig],
        fields,
    );
    assert!(err.is_empty(), "stderr: {err}");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains(KEY), "the key is printed: {out}");
    out
}

/// Verifying side: the wire, key, the merchant verifier's output.
fn verifying(message: &str, wire: &str, computed: &str) -> (i32, String) {
    let (code, out, err) = ac(
        &["diagnose", message, "--key", KEY, "--computed", computed],
        wire,
    );
    assert!(err.is_empty(), "stderr: {err}");
    assert!(!out.contains(KEY), "the key is printed: {out}");
    (code, out)
}

/// Names `mistake` for `source` hashed alone, and with lowercase hex (`lowercase-hex`
/// itself with `key-without-prefix`).
fn alone_and_paired(message: &str, key: &str, fields: &str, source: &str, mistake: &str) {
    let out = signing(message, key, fields, &md5_upper(source.as_bytes()));
    assert_explained(&out, &[mistake]);
    let out = signing(message, key, fields, &md5_lower(source.as_bytes()));
    assert_explained(&out, &[mistake, "lowercase-hex"]);
}

#[test]
fn every_flat_mistake_alone_and_with_one_other() {
    let k = KEY;
    let s = SOURCE;
    let shuffled = r#"{"merchantId":"100020091218001","orderNo":"NOM20141125141040856","inputCharset":"1","receiveUrl":"http://www","version":"v1.0","signType":"1","orderAmount":"1","orderDatetime":"20141125141040","productName":"笔记本电脑","payType":"0"}"#;
    let all = "inputCharset=1&receiveUrl=http://www&version=v1.0&language=&signType=1&merchantId=100020091218001&orderNo=NOM20141125141040856&orderAmount=1&orderCurrency=&orderDatetime=20141125141040&productName=笔记本电脑&ext1=&payType=0&issuerId=&tradeNature=";
    let intl = PAYDATA.replace(
        r#""payType":"0""#,
        r#""payType":"0","ship_to_country":"US""#,
    );
    let card = PAYDATA.replace(
        r#""payType":"0""#,
        r#""payType":"0","cardNo":"6222000011112222""#,
    );
    let empty = PAYDATA.replace(r#""payType":"0""#, r#""ext1":"","payType":"0""#);
    let yuan = PAYDATA.replace(r#""orderAmount":"1""#, r#""orderAmount":"1000""#);
    let p00 = PAYDATA.replace(r#""payType":"0""#, r#""payType":"00""#);
    let misspelt = PAYDATA
        .replace(r#""orderDatetime":"20141125141040","#, "")
        .replace(
            r#""payType":"0"}"#,
            r#""payType":"0","unknownFields":{"orderDatatime":"20141125141040"}}"#,
        );
    let extra = PAYDATA.replace(
        r#""payType":"0"}"#,
        r#""payType":"0","unknownFields":{"pickupUrl":"http://p"}}"#,
    );
    let extras = PAYDATA.replace(
        r#""payType":"0"}"#,
        r#""payType":"0","unknownFields":{"pickupUrl":"http://p","payerName":"z"}}"#,
    );
    let cases: Vec<(String, String, &str)> = vec![
        (PAYDATA.into(), format!("{all}&key={k}"), "all-table-fields-signed"),
        (PAYDATA.into(), format!("inputCharset=1&merchantId=100020091218001&orderAmount=1&orderDatetime=20141125141040&orderNo=NOM20141125141040856&payType=0&productName=笔记本电脑&receiveUrl=http://www&signType=1&version=v1.0&key={k}"), "alphabetical-order"),
        (shuffled.into(), format!("merchantId=100020091218001&orderNo=NOM20141125141040856&inputCharset=1&receiveUrl=http://www&version=v1.0&signType=1&orderAmount=1&orderDatetime=20141125141040&productName=笔记本电脑&payType=0&key={k}"), "wire-order"),
        (PAYDATA.into(), format!("{s}{k}"), "key-without-prefix"),
        (PAYDATA.into(), format!("{s}&{k}"), "key-after-ampersand"),
        (PAYDATA.into(), format!("{s}|{k}"), "key-after-bar"),
        (PAYDATA.into(), format!("{s}key={k}"), "key-eq-without-ampersand"),
        (PAYDATA.into(), format!("{s}&key={k}\n"), "key-trailing-newline"),
        (PAYDATA.into(), format!("{s}&key={k}\r\n"), "key-trailing-crlf"),
        (PAYDATA.into(), format!("{s}&key={k} "), "key-trailing-space"),
        (PAYDATA.into(), format!("{s}&key= {k}"), "key-leading-space"),
        (PAYDATA.into(), format!("&{s}&key={k}"), "leading-ampersand"),
        (PAYDATA.into(), format!("{s}&&key={k}"), "trailing-ampersand"),
        (PAYDATA.into(), format!("{s}&key={k}&"), "ampersand-after-key"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("http://www", "http%3A%2F%2Fwww").replace("笔记本电脑", "%E7%AC%94%E8%AE%B0%E6%9C%AC%E7%94%B5%E8%84%91")), "url-encoded-values"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("http://www", "http%3A%2F%2Fwww")), "decodeuri-values"),
        (empty, format!("{}&key={k}", s.replace("&payType=0", "&ext1=&payType=0")), "empty-fields-signed"),
        (card, format!("{s}&cardNo=6222000011112222&key={k}"), "cardno-signed"),
        (intl, format!("{s}&ship_to_country=US&key={k}"), "international-fields-signed"),
        (yuan.clone(), format!("{}&key={k}", s.replace("orderAmount=1&", "orderAmount=10.00&")), "amount-in-yuan-decimals"),
        (yuan, format!("{}&key={k}", s.replace("orderAmount=1&", "orderAmount=10&")), "amount-in-yuan"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("payType=0", "payType=00")), "paytype-00"),
        (p00, format!("{s}&key={k}"), "paytype-0"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("&productName=笔记本电脑", "")), "field-left-out(productName)"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("&orderNo=NOM20141125141040856", "&orderNo=NOM20141125141040856&orderNo=NOM20141125141040856")), "field-signed-twice(orderNo)"),
        (PAYDATA.into(), format!("{}&key={k}", s.replace("&orderAmount=1&", "&orderNo=NOM20141125141040856&")), "field-in-place-of(orderNo for orderAmount)"),
        (extra, format!("{s}&pickupUrl=http://p&key={k}"), "extra-field-signed(pickupUrl)"),
        (extras, format!("{s}&pickupUrl=http://p&payerName=z&key={k}"), "extra-fields-signed"),
        (misspelt, format!("{}&key={k}", s.replace("orderDatetime=", "orderDatatime=")), "misspelt-field(orderDatatime for orderDatetime)"),
    ];
    for (fields, source, mistake) in &cases {
        alone_and_paired("pay-request", KEY, fields, source, mistake);
    }
    // lowercase-hex alone, and with key-without-prefix.
    let out = signing(
        "pay-request",
        KEY,
        PAYDATA,
        &md5_lower(format!("{s}&key={k}").as_bytes()),
    );
    assert_explained(&out, &["lowercase-hex"]);
    let out = signing(
        "pay-request",
        KEY,
        PAYDATA,
        &md5_lower(format!("{s}{k}").as_bytes()),
    );
    assert_explained(&out, &["lowercase-hex", "key-without-prefix"]);
    // key-trimmed: the key given holds spaces the merchant's code trimmed.
    let spaced = format!(" {KEY} ");
    alone_and_paired(
        "pay-request",
        &spaced,
        PAYDATA,
        &format!("{s}&key={k}"),
        "key-trimmed",
    );
}

#[test]
fn cross_charset_alone_and_with_one_other() {
    let src = format!("{SOURCE}&key={KEY}");
    let gbk = python_md5(&src, "gbk").expect("python3");
    assert_explained(
        &signing("pay-request", KEY, PAYDATA, &gbk),
        &["gbk-charset"],
    );
    assert_explained(
        &signing("pay-request", KEY, PAYDATA, &gbk.to_ascii_lowercase()),
        &["gbk-charset", "lowercase-hex"],
    );
    // inputCharset 2 declares GBK: UTF-8 bytes are the (acceptable) utf8-charset quirk.
    let fields = PAYDATA.replace(r#""inputCharset":"1""#, r#""inputCharset":"2""#);
    let src = format!(
        "{}&key={KEY}",
        SOURCE.replace("inputCharset=1", "inputCharset=2")
    );
    let utf8 = python_md5(&src, "utf-8").expect("python3");
    assert_explained(
        &signing("pay-request", KEY, &fields, &utf8),
        &["utf8-charset"],
    );
    let utf8_amp = python_md5(&format!("&{src}"), "utf-8").expect("python3");
    assert_explained(
        &signing("pay-request", KEY, &fields, &utf8_amp),
        &["utf8-charset", "leading-ampersand"],
    );
}

/// A notification (A6's fields, capture from calvinxiao/allinpay's README, with A1's ext1)
/// as the gateway POSTs it, and its sign source written out by hand.
const NOTIFY_WIRE: &str = "merchantId=100020091218001&version=v1.0&language=1&signType=0&payType=0&issuerId=&paymentOrderId=201803141550202205&orderNo=20180314200130&orderDatetime=20180314150122&orderAmount=1200000&payDatetime=20180314155026&payAmount=1200000&ext1=%3CUSER%3E201609191778561%3C%2FUSER%3E&ext2=%E9%99%84%E5%8A%A0%E5%8F%82%E6%95%B02&payResult=1&errorCode=&returnDatetime=20180329171728&signMsg=7162FACB11D96BB49C3519CD02D56B86";
const NOTIFY_SOURCE: &str = "merchantId=100020091218001&version=v1.0&language=1&signType=0&payType=0&paymentOrderId=201803141550202205&orderNo=20180314200130&orderDatetime=20180314150122&orderAmount=1200000&payDatetime=20180314155026&payAmount=1200000&ext1=<USER>201609191778561</USER>&ext2=附加参数2&payResult=1&returnDatetime=20180329171728";

#[test]
fn the_notification_is_signed_as_the_hand_written_source() {
    // Python: hashlib.md5((NOTIFY_SOURCE + '&key=1234567890').encode()).hexdigest().upper()
    // = 7162FACB11D96BB49C3519CD02D56B86, recomputed here with md-5.
    assert_eq!(
        md5_upper(format!("{NOTIFY_SOURCE}&key={KEY}").as_bytes()),
        "7162FACB11D96BB49C3519CD02D56B86"
    );
    let (code, out) = verifying(
        "pay-notify",
        NOTIFY_WIRE,
        "7162FACB11D96BB49C3519CD02D56B86",
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("built-in verifier: valid\n"), "{out}");
    assert!(out.contains("it computes the right signature"), "{out}");
}

#[test]
fn real_bug_calvinxiao_decodeuri_and_ext1_twice() {
    // calvinxiao/allinpay libs/gateway_pay.js (commit 7d045a6): verifySignature runs
    // decodeURI over the body (%2F stays escaped) and its payCallback list holds 'ext1'
    // twice and no 'ext2'. Python hashlib.md5 of this source: 2EC9A773DA645EFE132433D744AD9125.
    let bug = "merchantId=100020091218001&version=v1.0&language=1&signType=0&payType=0&paymentOrderId=201803141550202205&orderNo=20180314200130&orderDatetime=20180314150122&orderAmount=1200000&payDatetime=20180314155026&payAmount=1200000&ext1=<USER>201609191778561<%2FUSER>&ext1=<USER>201609191778561<%2FUSER>&payResult=1&returnDatetime=20180329171728";
    let computed = md5_upper(format!("{bug}&key={KEY}").as_bytes());
    assert_eq!(computed, "2EC9A773DA645EFE132433D744AD9125");
    let (code, out) = verifying("pay-notify", NOTIFY_WIRE, &computed);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("built-in verifier: valid\n"), "{out}");
    assert_explained(
        &out,
        &["decodeuri-values", "field-in-place-of(ext1 for ext2)"],
    );
    // Each of the two alone, too.
    let only_uri = NOTIFY_SOURCE
        .replace("%2F", "")
        .replace("</USER>", "<%2FUSER>");
    let (_, out) = verifying(
        "pay-notify",
        NOTIFY_WIRE,
        &md5_upper(format!("{only_uri}&key={KEY}").as_bytes()),
    );
    assert_explained(&out, &["decodeuri-values"]);
    let only_twice = NOTIFY_SOURCE.replace("&ext2=附加参数2", "&ext1=<USER>201609191778561</USER>");
    let (_, out) = verifying(
        "pay-notify",
        NOTIFY_WIRE,
        &md5_upper(format!("{only_twice}&key={KEY}").as_bytes()),
    );
    assert_explained(&out, &["field-in-place-of(ext1 for ext2)"]);
}

#[test]
fn real_bug_refund_answer_without_mcht_refund_order_no() {
    // Capture A7 (calvinxiao/allinpay README): a v2.3 refund answer, signed by the gateway
    // over a source that holds mchtRefundOrderNo. The official SDK's generateRefundVerifySrc
    // (v1.3 list) and xmniao's verifySignMsg leave it out: Python hashlib gives
    // 5617B104AC829D2D09683592381A9AAF (.scratch/captures.md), recomputed here.
    let wire = "merchantId=100020091218001&version=v2.3&signType=0&orderNo=20180314200130&orderAmount=1200000&orderDatetime=20180314150122&refundAmount=20&refundDatetime=20180329172803&refundResult=20&mchtRefundOrderNo=201803132001321&returnDatetime=20180329171856&signMsg=7812ABB2B34ADA7E8D3DA19BDC139BED";
    let without = format!("merchantId=100020091218001&version=v2.3&signType=0&orderNo=20180314200130&orderAmount=1200000&orderDatetime=20180314150122&refundAmount=20&refundDatetime=20180329172803&refundResult=20&returnDatetime=20180329171856&key={KEY}");
    let computed = md5_upper(without.as_bytes());
    assert_eq!(computed, "5617B104AC829D2D09683592381A9AAF");
    let (code, out) = verifying("refund-response", wire, &computed);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("built-in verifier: valid\n"), "{out}");
    assert_explained(&out, &["field-left-out(mchtRefundOrderNo)"]);
    // With one other mistake: the left-out field and lowercase hex.
    let (_, out) = verifying("refund-response", wire, &computed.to_ascii_lowercase());
    assert_explained(
        &out,
        &["field-left-out(mchtRefundOrderNo)", "lowercase-hex"],
    );
    // --format json gives the same result.
    let (code2, json, err) = ac(
        &[
            "diagnose",
            "refund-response",
            "--key",
            KEY,
            "--computed",
            &computed,
            "--format",
            "json",
        ],
        wire,
    );
    assert!(err.is_empty(), "{err}");
    assert_eq!(code2, code);
    let v: serde_json::Value = serde_json::from_str(&json).expect("one JSON document");
    assert_eq!(v["builtin"]["valid"], true);
    assert_eq!(v["computed"]["matches"], false);
    assert_eq!(
        v["computed"]["explanations"][0]["mistakes"][0]["label"],
        "field-left-out(mchtRefundOrderNo)"
    );
    assert!(v["computed"]["variantsTried"].as_u64().expect("test value") > 10);
    assert!(!json.contains(KEY));
}

#[test]
fn decoding_mistakes_on_the_verifying_side() {
    // A value with a `+` (a space), an escaped `%2B` (a plus) and an escaped `%25`.
    let wire = NOTIFY_WIRE.replace(
        "&ext2=%E9%99%84%E5%8A%A0%E5%8F%82%E6%95%B02",
        "&ext2=a+b%2Bc%252F",
    );
    let src = NOTIFY_SOURCE.replace("&ext2=附加参数2", "&ext2=a b+c%2F");
    let good = md5_upper(format!("{src}&key={KEY}").as_bytes());
    let wire = wire.replace("7162FACB11D96BB49C3519CD02D56B86", &good);
    let (code, out) = verifying("pay-notify", &wire, &good);
    assert_eq!(code, 0, "{out}");
    let cases = [
        (src.replace("a b+c%2F", "a+b+c%2F"), "plus-kept"),
        // URL-decoding again turns the decoded `+` into a space and `%2F` into `/`.
        (src.replace("a b+c%2F", "a b c/"), "double-decoded"),
        (
            src.replace("a b+c%2F", "a+b%2Bc%2F")
                .replace("</USER>", "<%2FUSER>"),
            "decodeuri-values",
        ),
    ];
    for (s, mistake) in cases {
        let (_, out) = verifying(
            "pay-notify",
            &wire,
            &md5_upper(format!("{s}&key={KEY}").as_bytes()),
        );
        assert_explained(&out, &[mistake]);
        let (_, out) = verifying(
            "pay-notify",
            &wire,
            &md5_lower(format!("{s}&key={KEY}").as_bytes()),
        );
        assert_explained(&out, &[mistake, "lowercase-hex"]);
    }
    // The wire's order (signMsg moved first, extras on the wire) and an extra wire field.
    let wire2 = format!(
        "signMsg={good}&userName=zs&{}",
        wire.split("&signMsg=").next().expect("test value")
    )
    .replace("&ext1=", "&credentialsType=1&ext1=");
    let (code, out) = verifying("pay-notify", &wire2, &good);
    assert_eq!(code, 0, "{out}");
    let reordered = wire2.replace("merchantId=100020091218001&", "").replace(
        "&returnDatetime=",
        "&merchantId=100020091218001&returnDatetime=",
    );
    let (_, out) = verifying(
        "pay-notify",
        &reordered,
        &md5_upper(
            format!(
                "{}&merchantId=100020091218001&returnDatetime=20180329171728&key={KEY}",
                src.replace("merchantId=100020091218001&", "")
                    .replace("&returnDatetime=20180329171728", "")
            )
            .as_bytes(),
        ),
    );
    assert_explained(&out, &["wire-order"]);
    let (_, out) = verifying(
        "pay-notify",
        &wire2,
        &md5_upper(format!("{src}&userName=zs&key={KEY}").as_bytes()),
    );
    assert_explained(&out, &["extra-field-signed(userName)"]);
    let (_, out) = verifying(
        "pay-notify",
        &wire2,
        &md5_upper(format!("{src}&userName=zs&credentialsType=1{KEY}").as_bytes()),
    );
    assert_explained(&out, &["extra-fields-signed", "key-without-prefix"]);
}

const R1: &str = "v2.4|0|100020091218001|NO1|1|||TKSUCC0002|20141128151433";
const R2: &str = "v2.4|0|100020091218001|NO1|2|||TKSUCC0006|20141128151433";

fn text_wire() -> (String, String) {
    let sig = md5_upper(format!("{R1}\r\n{R2}|{KEY}").as_bytes());
    (format!("{R1}\r\n{R2}\r\n{sig}\r\n"), sig)
}

#[test]
fn every_text_mistake_alone_and_with_one_other() {
    let (wire, sig) = text_wire();
    let cases = [
        (format!("{R1}\n{R2}|{KEY}"), "lf-line-terminators"),
        (format!("{R1}\r\n{R2}&key={KEY}"), "key-as-form-field"),
        (format!("{R1}\r\n{R2}{KEY}"), "key-without-bar"),
        (
            format!("{R1}\r\n{R2}\r\n{sig}|{KEY}"),
            "signature-line-signed",
        ),
        (format!("{R1}{R2}|{KEY}"), "records-without-separators"),
        (format!("{R1}\r\n{R2}|{KEY}\n"), "key-trailing-newline"),
    ];
    for (src, mistake) in &cases {
        let (code, out) = verifying("refund-query-response", &wire, &md5_upper(src.as_bytes()));
        assert_eq!(code, 1, "{out}");
        assert!(
            out.starts_with("built-in verifier: valid (signed text: literal"),
            "{out}"
        );
        assert_explained(&out, &[mistake]);
        let (_, out) = verifying("refund-query-response", &wire, &md5_lower(src.as_bytes()));
        assert_explained(&out, &[mistake, "lowercase-hex"]);
    }
    // The empty last line: on the blank-line form (on the others it is a real form).
    let src = format!("{R1}\r\n{R2}\r\n\r\n\r\n|{KEY}");
    let (_, out) = verifying("refund-query-response", &wire, &md5_upper(src.as_bytes()));
    assert_explained(&out, &["empty-last-line-signed"]);
    assert!(out.contains("on the signed-text form: blank-line"), "{out}");
    let (_, out) = verifying("refund-query-response", &wire, &md5_lower(src.as_bytes()));
    assert_explained(&out, &["empty-last-line-signed", "lowercase-hex"]);
    // The signature line and the empty line after it (calvinxiao splits on \r\n).
    let src = format!("{R1}\r\n{R2}\r\n{sig}\r\n|{KEY}");
    let (_, out) = verifying("refund-query-response", &wire, &md5_upper(src.as_bytes()));
    assert!(!explanations(&out).is_empty(), "{out}");
}

#[test]
fn no_real_gateway_text_form_is_a_mistake() {
    let (wire, _) = text_wire();
    for (src, form) in [
        (format!("{R1}\r\n{R2}|{KEY}"), "literal"),
        (format!("{R1}\r\n{R2}\r\n|{KEY}"), "terminated"),
        (format!("{R1}\r\n{R2}\r\n\r\n|{KEY}"), "blank-line"),
    ] {
        let sig = md5_upper(src.as_bytes());
        let (code, out) = verifying("refund-query-response", &wire, &sig);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.contains(&format!(
                "it computes the right signature (signed text: {form})"
            )),
            "{out}"
        );
        // The gateway signing in this form: the built-in accepts it and names the form.
        // (The blank-line form needs the blank line on the wire.)
        let blank = if form == "blank-line" { "\r\n" } else { "" };
        let w = format!("{R1}\r\n{R2}\r\n{blank}{sig}");
        let (code, out, _) = ac(&["diagnose", "refund-query-response", "--key", KEY], &w);
        assert_eq!(code, 0, "{out}");
        assert!(
            out.starts_with(&format!("built-in verifier: valid (signed text: {form}")),
            "{out}"
        );
        assert!(!out.contains("reproduced by"), "{out}");
    }
}

#[test]
fn received_signature_explained_when_the_builtin_rejects() {
    // A hand-built notification signed with `&key=` missing.
    let src = NOTIFY_SOURCE;
    let bad = md5_upper(format!("{src}{KEY}").as_bytes());
    let wire = NOTIFY_WIRE.replace("7162FACB11D96BB49C3519CD02D56B86", &bad);
    let (code, out, err) = ac(&["diagnose", "pay-notify", "--key", KEY], &wire);
    assert!(err.is_empty(), "{err}");
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("built-in verifier: invalid: "), "{out}");
    assert_explained(&out, &["key-without-prefix"]);
}

fn openssl_sign(bytes: &[u8]) -> String {
    let key = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/keys/gateway-rsa1024.key.pem"
    );
    let mut child = Command::new("openssl")
        .args(["dgst", "-sha1", "-sign", key])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("openssl is needed for this test");
    child
        .stdin
        .take()
        .expect("test value")
        .write_all(bytes)
        .expect("test value");
    let out = child.wait_with_output().expect("test value");
    assert!(out.status.success());
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(out.stdout)
}

#[test]
fn certificate_mode_names_the_signed_bytes() {
    let cert = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../vectors/keys/gateway-rsa1024.cer"
    );
    let src = NOTIFY_SOURCE.replace("signType=0", "signType=1");
    let body = NOTIFY_WIRE
        .replace("signType=0", "signType=1")
        .split("&signMsg=")
        .next()
        .expect("test value")
        .to_owned();
    let wire = |sig: &str| -> String {
        let enc: String = form_urlencoded::byte_serialize(sig.as_bytes()).collect();
        format!("{body}&signMsg={enc}")
    };
    // Right: RSA over the sign source.
    let (code, out, err) = ac(
        &["diagnose", "pay-notify", "--cert", cert],
        &wire(&openssl_sign(src.as_bytes())),
    );
    assert!(err.is_empty(), "{err}");
    assert_eq!((code, out.as_str()), (0, "built-in verifier: valid\n"));
    let hex = md5_upper(src.as_bytes());
    for (bytes, what) in [
        (
            hex.clone().into_bytes(),
            "the uppercase MD5 hex of the sign source",
        ),
        (
            format!("{src}\r\n").into_bytes(),
            "the sign source with a final CRLF",
        ),
        (
            format!("{src}&key={KEY}").into_bytes(),
            "the sign source with `&key=KEY` appended",
        ),
    ] {
        let (code, out, err) = ac(
            &["diagnose", "pay-notify", "--cert", cert, "--key", KEY],
            &wire(&openssl_sign(&bytes)),
        );
        assert!(err.is_empty(), "{err}");
        assert_eq!(code, 1, "{out}");
        assert!(out.starts_with("built-in verifier: invalid: "), "{out}");
        assert!(
            out.contains(&format!(
                "certificate: the signature verifies over {what} ("
            )),
            "{what}: {out}"
        );
        assert!(!out.contains(KEY), "{out}");
    }
    // Texts: the RSA signature over the record itself instead of its MD5 hex.
    let rec = "v2.4|1|100020091218001|NO1|1|||TKSUCC0002|20141128151433";
    let w = format!("{rec}\r\n{}", openssl_sign(rec.as_bytes()));
    let (code, out, _) = ac(&["diagnose", "refund-query-response", "--cert", cert], &w);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("certificate: the signature verifies over the literal text ("),
        "{out}"
    );
}

#[test]
fn verifying_side_errors_are_one_line_exit_2_and_nothing_panics() {
    let sig = "4F521B6E630C4806A2D7388A014C1123";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["diagnose", "pay-notify", "--key", KEY, "--computed", "xyz"],
            NOTIFY_WIRE,
        ),
        (
            vec!["diagnose", "pay-notify", "--key", KEY, "--expected", sig],
            NOTIFY_WIRE,
        ),
        (vec!["diagnose", "pay-notify"], NOTIFY_WIRE),
        (
            vec![
                "diagnose",
                "pay-notify",
                "--key",
                KEY,
                "--cert",
                "/nonexistent.cer",
            ],
            NOTIFY_WIRE,
        ),
        (
            vec!["diagnose", "pay-notify", "--key", KEY, "--format", "xml"],
            NOTIFY_WIRE,
        ),
        (
            vec!["diagnose", "pay-notify", "--key", KEY, "--computed", sig],
            "a=%ZZ",
        ),
        (
            vec!["diagnose", "refund-query-response", "--key", KEY],
            "no pipes here",
        ),
        (
            vec!["diagnose", "batch-query-response", "--key", KEY],
            "!!!not base64",
        ),
        (
            vec!["diagnose", "pay-notify", "--key", KEY, "--computed", sig],
            "  \n",
        ),
        (
            vec!["diagnose", "pay-request", "--key", KEY, "--computed", sig],
            "{\"unknownFields\":[1]}",
        ),
    ];
    for (args, input) in cases {
        let (code, out, err) = ac(&args, input);
        assert_eq!(code, 2, "{args:?} {input:?}: stdout {out:?} stderr {err:?}");
        assert_eq!(err.lines().count(), 1, "{err:?}");
        assert!(err.starts_with("error: "), "{err:?}");
        assert!(!err.contains("panicked") && !err.contains(KEY), "{err:?}");
    }
    // Odd but parseable input: an answer, never a panic.
    let odd = [
        ("pay-notify", "merchantId=%E7&signMsg=x".to_owned()),
        (
            "pay-notify",
            "merchantId=1&ext1=%%%25%2&signType=0&signMsg=0123456789ABCDEF0123456789ABCDEF"
                .to_owned(),
        ),
        ("pay-notify", format!("{}&ext1=", "x".repeat(1000))),
        (
            "refund-query-response",
            "|||||||| \r\n\r\nSIG\r\n".to_owned(),
        ),
        (
            "refund-query-response",
            format!("{R1}\n{R2}\n0123456789abcdef0123456789ABCDEF"),
        ),
        ("preauth-cancel-response", "a|b\r\nx".to_owned()),
        ("refund-response", "signMsg=&signType=1".to_owned()),
        ("pay-notify", "&&&".to_owned()),
    ];
    for (m, input) in odd {
        for extra in [&[][..], &["--computed", sig][..], &["--format", "json"][..]] {
            let mut args = vec!["diagnose", m, "--key", KEY];
            args.extend_from_slice(extra);
            let (code, out, err) = ac(&args, &input);
            assert!((0..=2).contains(&code), "{m} {input:?}: {code} {out} {err}");
            assert!(!err.contains("panicked"), "{m} {input:?}: {err}");
            if code == 2 {
                assert_eq!(err.lines().count(), 1, "{err:?}");
            }
        }
    }
}

#[test]
fn the_search_says_how_many_variants_it_tried_and_stays_fast() {
    // The worst case: a notification with every signed field non-empty, extras and a
    // signature no mistake reproduces (every single, pair and cheap triple is hashed).
    let wire = "payDatetime=20170411164636&userName=%E5%BC%A0+%E4%B8%89&credentialsType=1&pan=6222&txOrgId=9&ext1=%3CUSER%3E1%3C%2FUSER%3E+a%2Bb&payAmount=1&returnDatetime=20170420185415&credentialsNo=11&issuerId=icbc&signMsg=45BAEDDB16EB2665D69F0EB9FC69544F&payType=0&language=1&errorCode=E1&merchantId=008500189990304&orderDatetime=20170411164619&version=v1.0&orderNo=order_001&ext2=%E9%99%84%E5%8A%A0&signType=0&orderAmount=1&extTL=x&paymentOrderId=201704111646298209&payResult=1&orderdatetime=20170411164619";
    let started = std::time::Instant::now();
    let (code, out, err) = ac(
        &[
            "diagnose",
            "pay-notify",
            "--key",
            KEY,
            "--computed",
            "0123456789ABCDEF0123456789ABCDEF",
            "--format",
            "json",
        ],
        wire,
    );
    let elapsed = started.elapsed();
    assert!(err.is_empty(), "{err}");
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("test value");
    let d = &v["computed"];
    let (s, p, t) = (
        d["singles"].as_u64().expect("test value"),
        d["pairs"].as_u64().expect("test value"),
        d["triples"].as_u64().expect("test value"),
    );
    assert!(s > 100 && p > 1000, "{d}");
    assert_eq!(
        d["variantsTried"].as_u64().expect("test value"),
        1 + s + p + t
    );
    eprintln!("worst case: {s} singles, {p} pairs, {t} triples in {elapsed:?} (debug build)");
    // The budget keeps an answer under a second even in a debug build.
    assert!(elapsed < std::time::Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn preauth_text_with_spaces_after_pipes_is_hashed_as_received() {
    // §4.2's format lines put a space after each `|`; the signature covers them as sent.
    let rec =
        "0000| ok| v1.8| 0| 100020091218001| NO1| 20141128151433| 100| USD| P1| 20141128151433";
    let sig = md5_upper(format!("{rec}|{KEY}").as_bytes());
    let wire = format!("{rec}\r\n{sig}\r\n");
    let (code, out) = verifying("preauth-cancel-response", &wire, &sig);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("built-in verifier: valid (signed text: literal"),
        "{out}"
    );
    let (code, out) = verifying(
        "preauth-cancel-response",
        &wire,
        &md5_upper(format!("{rec}\r\n{sig}|{KEY}").as_bytes()),
    );
    assert_eq!(code, 1, "{out}");
    assert_explained(&out, &["signature-line-signed"]);
}
