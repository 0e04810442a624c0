//! The command line as integrators script it: outputs, exit codes, one-line errors.

use std::io::Write;
use std::process::{Command, Stdio};

fn ac(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_vec();
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

const PAYDATA: &str = r#"{"inputCharset":"1","receiveUrl":"http://www","version":"v1.0","signType":"1","merchantId":"100020091218001","orderNo":"NOM20141125141040856","orderAmount":"1","orderDatetime":"20141125141040","productName":"笔记本电脑","payType":"0"}"#;
const NOTIFY: &str = "merchantId=008411353990035&version=v1.0&language=1&signType=0&payType=33&paymentOrderId=201705022201545501&orderNo=P37337118799092&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=%3CUSER%3E170502828662290%3C%2FUSER%3E&payResult=1&returnDatetime=20170502220345&signMsg=0C8908E3003A7CE6A973EEE30CA53BA5";

fn assert_one_line_error(code: i32, stdout: &str, stderr: &str) {
    assert_eq!(code, 2, "stdout {stdout:?} stderr {stderr:?}");
    assert_eq!(stderr.lines().count(), 1, "stderr: {stderr:?}");
    assert!(stderr.starts_with("error: "), "{stderr:?}");
    assert!(!stderr.contains("panicked"), "{stderr:?}");
}

#[test]
fn sign_reproduces_the_spec_example() {
    let (code, out, _) = ac(
        &["sign", "pay-request", "--key", "1234567890"],
        PAYDATA.as_bytes(),
    );
    assert_eq!((code, out.trim()), (0, "4F521B6E630C4806A2D7388A014C1123"));
}

#[test]
fn sign_source_masks_the_key() {
    let (code, out, _) = ac(
        &["sign", "pay-request", "--key", "1234567890", "--source"],
        PAYDATA.as_bytes(),
    );
    assert_eq!(code, 0);
    // Nothing of the key: not its characters, not its length.
    assert!(out.trim().ends_with("&payType=0&key=<key>"), "{out}");
    assert!(!out.contains("1234567890"));
    assert!(!out.contains("********"), "{out}");
}

#[test]
fn verify_valid_invalid_unreadable() {
    let (code, out, _) = ac(
        &["verify", "pay-notify", "--key", "1234567890"],
        NOTIFY.as_bytes(),
    );
    assert_eq!((code, out.trim()), (0, "valid"));
    let tampered = NOTIFY.replace("payAmount=13000", "payAmount=1");
    let (code, out, _) = ac(
        &["verify", "pay-notify", "--key", "1234567890"],
        tampered.as_bytes(),
    );
    assert_eq!(code, 1);
    assert!(out.starts_with("invalid: "), "{out}");
    let (code, out, err) = ac(
        &["verify", "pay-notify", "--key", "1234567890"],
        b"orderNo=%ZZ",
    );
    assert_one_line_error(code, &out, &err);
    assert!(err.contains("percent"), "{err}");
}

#[test]
fn verify_with_certificate() {
    let vectors = allinpay_conformance::vectors_dir();
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors.join("refund_query_response_cert.json")).expect("read"),
    )
    .expect("json");
    let group = &file["testGroups"][0];
    let cert = vectors.join(group["certificate"].as_str().expect("cert"));
    let test = &group["tests"][0];
    assert_eq!(test["result"], "valid");
    let (code, out, _) = ac(
        &[
            "verify",
            "refund-query-response",
            "--cert",
            cert.to_str().expect("path"),
        ],
        test["wire"].as_str().expect("wire").as_bytes(),
    );
    assert_eq!(code, 0, "{out}");
    assert_eq!(out.lines().next(), Some("valid"), "{out}");
    assert!(out.contains("signed text: "), "texts name the form: {out}");
}

#[test]
fn ext1_reproduces_the_spec_example() {
    let fields = r#"{"ship_to_country":"US","ship_to_state":"AL","ship_to_city":"city","ship_to_street1":"street_1","ship_to_street2":"street_2","ship_to_phonenumber":"020-13818349139","ship_to_postalcode":"20004","ship_to_firstname":"Smith","ship_to_lastname":"Black","registration_name":"rname","registration_email":"rname@gmail.com","registration_phone":"999-13800000000","buyerid_period":"200","fnpay_mode":"0","bill_firstname":"handon","bill_lastname":"hao","expireddate":"2211","cvv2":"888","bill_email":"haod@gmail.com","bill_country":"US","bill_address":"billaddress","bill_city":"billcity","bill_state":"IL","bill_zip":"22222"}"#;
    let (code, out, _) = ac(&["ext1"], fields.as_bytes());
    assert_eq!((code, out.trim()), (0, "B7C37324D6824A6FD029EE365BD0F5A8"));
}

#[test]
fn malformed_input_is_one_line_exit_2() {
    let huge = vec![b'a'; allinpay_protocol::MAX_INPUT_LEN + 10];
    let bad_b64 = b"!!!not base64!!!".to_vec();
    let binary = vec![0xff, 0xfe, 0x00, 0x80, b'&', b'='];
    let cases: Vec<(Vec<&str>, Vec<u8>)> = vec![
        (vec!["sign", "pay-request", "--key", "k"], b"".to_vec()),
        (
            vec!["sign", "pay-request", "--key", "k"],
            b"{\"orderNo\": ".to_vec(),
        ),
        (vec!["sign", "pay-request", "--key", "k"], b"[1,2]".to_vec()),
        (
            vec!["sign", "pay-request", "--key", "k"],
            b"{\"noSuchField\":\"1\"}".to_vec(),
        ),
        (
            vec!["sign", "sync-result-ios", "--key", "k"],
            b"{\"payResult\":0}".to_vec(),
        ),
        (
            vec!["sign", "no-such-message", "--key", "k"],
            b"{}".to_vec(),
        ),
        (vec!["sign", "pay-request"], b"{}".to_vec()),
        (vec!["verify", "pay-notify", "--key", "k"], binary.clone()),
        (vec!["verify", "pay-notify", "--key", "k"], huge.clone()),
        (
            vec!["verify", "batch-query-response", "--key", "k"],
            bad_b64,
        ),
        (
            vec!["verify", "refund-query-response", "--key", "k"],
            b"v2.4|0|1\r\n".to_vec(),
        ),
        (
            vec!["verify", "error-response", "--key", "k"],
            b"ERRORCODE=1".to_vec(),
        ),
        (vec!["verify", "pay-notify"], b"a=b".to_vec()),
        (
            vec!["verify", "pay-notify", "--cert", "/nonexistent.cer"],
            b"a=b".to_vec(),
        ),
        (vec!["check", "pay-request"], b"{".to_vec()),
        (
            vec!["check", "pay-request", "--now", "2026"],
            b"{}".to_vec(),
        ),
        (vec!["parse", "pay-notify"], b"a=%".to_vec()),
        (vec!["parse", "batch-query-response"], b"QUJD".to_vec()),
        (vec!["ext1"], b"\"x\"".to_vec()),
        (vec!["frobnicate"], Vec::new()),
    ];
    for (args, input) in cases {
        let (code, out, err) = ac(&args, &input);
        assert_eq!(code, 2, "{args:?}: stdout {out:?} stderr {err:?}");
        assert_one_line_error(code, &out, &err);
    }
}

#[test]
fn check_lists_violations() {
    let (code, out, _) = ac(
        &["check", "pay-request", "--now", "20141125141500"],
        PAYDATA.as_bytes(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("orderCurrency: required"), "{out}");
    assert!(out.contains("signMsg: required"), "{out}");
}

#[test]
fn parse_prints_spec_names() {
    let (code, out, _) = ac(&["parse", "pay-notify"], NOTIFY.as_bytes());
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["ext1"], "<USER>170502828662290</USER>");
    assert_eq!(v["paymentOrderId"], "201705022201545501");
}

#[test]
fn run_replays_the_vectors() {
    let (code, out, err) = ac(&["run"], b"");
    assert_eq!(code, 0, "{out}{err}");
    let last = out.lines().last().unwrap_or_default();
    assert!(last.ends_with(" passed, 0 failed"), "{last}");
}

#[test]
fn parse_keeps_unknown_fields_and_refuses_bodies_of_unknown_names_only() {
    // An extra field is shown, not dropped.
    let wire = format!("{NOTIFY}&foo=bar");
    let (code, out, _) = ac(&["parse", "pay-notify"], wire.as_bytes());
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["unknownFields"]["foo"], "bar", "{out}");
    assert_eq!(v["orderNo"], "P37337118799092");
    // A line of base64 read as a form body holds no field of §2.2.3: refused (it printed
    // `{}` and exited 0 before).
    let (code, out, err) = ac(&["parse", "pay-notify"], b"bWVyY2hhbnRJZD0xMjM0NQ==\n");
    assert_one_line_error(code, &out, &err);
    assert!(err.contains("no field of the §2.2.3 table"), "{err}");
}

#[test]
fn blank_keys_and_endless_files_are_refused() {
    let dir = std::env::temp_dir().join(format!("allinpay-cli-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let blank = dir.join("blank.key");
    std::fs::write(&blank, "\n").expect("write");
    let blank = blank.to_str().expect("path");
    for args in [
        vec!["verify", "pay-notify", "--key", ""],
        vec!["verify", "pay-notify", "--key", "  "],
        vec!["verify", "pay-notify", "--key-file", blank],
        vec!["sign", "pay-request", "--key", ""],
    ] {
        let (code, out, err) = ac(&args, NOTIFY.as_bytes());
        assert_one_line_error(code, &out, &err);
        assert!(err.contains("empty or only whitespace"), "{args:?}: {err}");
    }
    // Refused at a bound rather than read until memory runs out.
    for args in [
        vec!["verify", "pay-notify", "--key-file", "/dev/zero"],
        vec!["verify", "pay-notify", "--cert", "/dev/zero"],
    ] {
        let (code, out, err) = ac(&args, NOTIFY.as_bytes());
        assert_one_line_error(code, &out, &err);
        assert!(err.contains("limit"), "{args:?}: {err}");
    }
}

/// The first valid certificate-mode notification of `pay_notify_cert.json` and the path of
/// its certificate.
fn cert_notify() -> (String, String) {
    let vectors = allinpay_conformance::vectors_dir();
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(vectors.join("pay_notify_cert.json")).expect("read"),
    )
    .expect("json");
    let group = &file["testGroups"][0];
    let test = &group["tests"][0];
    assert_eq!(test["result"], "valid");
    let cert = vectors.join(group["certificate"].as_str().expect("cert"));
    (
        test["wire"].as_str().expect("wire").to_owned(),
        cert.to_str().expect("path").to_owned(),
    )
}

#[test]
fn sign_type_pinning_refuses_a_downgrade() {
    // An MD5-signed notification (signType 0) verified by a merchant holding both the key
    // and the certificate: without a pinned signType an MD5 forgery would pass (§2.2.3).
    let (wire, cert) = cert_notify();
    let with = |t: &str, input: &str| {
        ac(
            &[
                "verify",
                "pay-notify",
                "--key",
                "1234567890",
                "--cert",
                &cert,
                "--sign-type",
                t,
            ],
            input.as_bytes(),
        )
    };
    let (code, out, _) = with("1", NOTIFY);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("signType 0 differs from the configured 1"),
        "{out}"
    );
    let (code, out, _) = with("0", NOTIFY);
    assert_eq!((code, out.trim()), (0, "valid"));
    // And the other way: a certificate-signed one when the merchant uses MD5.
    let (code, out, _) = with("0", &wire);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("signType 1 differs from the configured 0"),
        "{out}"
    );
}

#[test]
fn strict_verify_takes_only_the_canonical_signature_text() {
    let (wire, cert) = cert_notify();
    let (head, sig) = wire.rsplit_once("signMsg=").expect("signMsg last");
    let folded = format!("{head}signMsg={}%0D%0A{}", &sig[..40], &sig[40..]);
    let trailing_cr = format!("{wire}%0D");
    for w in [&folded, &trailing_cr] {
        let (code, out, _) = ac(&["verify", "pay-notify", "--cert", &cert], w.as_bytes());
        assert_eq!(code, 0, "lenient reads folded base64: {out}");
        let (code, out, _) = ac(
            &["verify", "pay-notify", "--cert", &cert, "--strict"],
            w.as_bytes(),
        );
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("canonical"), "{out}");
    }
    let (code, _, _) = ac(
        &["verify", "pay-notify", "--cert", &cert, "--strict"],
        wire.as_bytes(),
    );
    assert_eq!(code, 0);
}

#[test]
fn repartitioned_values_are_flagged() {
    // ext1 `A&ext2=coupon=5` with ext2 absent signs as ext1 `A`, ext2 `coupon=5`
    // (ERRATA E-5.1-REPARTITION); the signature below is Python hashlib's over that source.
    let src = "merchantId=008411353990035&version=v1.0&signType=0&paymentOrderId=1&orderNo=P1&orderDatetime=20170502220151&orderAmount=13000&payDatetime=20170502220345&payAmount=13000&ext1=A&ext2=coupon=5&payResult=1&returnDatetime=20170502220345";
    let sig = "96A4A9DF5C31817F0AAA5A663E4450C9";
    let joined = format!(
        "{}&signMsg={sig}",
        src.replace("ext1=A&ext2=coupon=5", "ext1=A%26ext2%3Dcoupon%3D5")
    );
    let split = format!(
        "{}&signMsg={sig}",
        src.replace("ext2=coupon=5", "ext2=coupon%3D5")
    );
    let verify = |w: &str, strict: bool| {
        let mut args = vec!["verify", "pay-notify", "--key", "1234567890"];
        if strict {
            args.push("--strict");
        }
        ac(&args, w.as_bytes())
    };
    assert_eq!(verify(&split, true).0, 0);
    assert_eq!(verify(&joined, false).0, 0, "the signature itself matches");
    let (code, out, _) = verify(&joined, true);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ext1 holds \"&ext2=\""), "{out}");
    let (code, out, _) = ac(&["check", "pay-notify"], joined.as_bytes());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("ext1: holds \"&ext2=\""), "{out}");
    let (_, out, _) = ac(&["check", "pay-notify"], split.as_bytes());
    assert!(!out.contains("holds \"&"), "{out}");
}

#[test]
fn duplicate_json_names_are_refused() {
    let dup = PAYDATA.replace(
        r#""orderAmount":"1""#,
        r#""orderAmount":"1","orderAmount":"100000""#,
    );
    for args in [vec!["check", "pay-request"], vec!["parse", "pay-request"]] {
        let (code, out, err) = ac(&args, dup.as_bytes());
        assert_one_line_error(code, &out, &err);
        assert!(err.contains("orderAmount appears more than once"), "{err}");
    }
}

#[test]
fn the_sandbox_refuses_a_blank_key() {
    for key in ["", " ", "\t"] {
        let (code, out, err) = ac(&["gateway", "--key", key, "--listen", "127.0.0.1:0"], b"");
        assert_one_line_error(code, &out, &err);
        assert!(err.contains("empty or only whitespace"), "{err}");
    }
}

/// One strictness vocabulary: `--mode strict|lenient` on verify, parse and check, with the
/// older `--strict`/`--lenient` as shorthands that give the same answer.
#[test]
fn mode_is_one_vocabulary_across_verify_parse_and_check() {
    // The §3.4 example page: its record holds a 15-digit orderDatetime and a dashed
    // payDatetime, quirks strict mode reports (spec_check_batch_query_response.json,
    // QuirkyDatetimes); the command reads the page as the base64 body.
    let page = "100020091218001|1|1|N\r\n100020091218001|20130108100811000|NO20130108020644452|201301080000000|100|2013-01-08|100|||1\r\n\r\nKjZSXMf1nH6Q/wD22xI59ImN8Wzix15UcqA18pZeaWp7vQevMOA4UXTTX/mbqDAiTSEIwp3hQ8bVZnAoXi4TRseAUu6hTrdqpLTAO/E8+A/7OTCww0ifixPkD654RkTYQSiEZndW4Tx1I5xcGsxBRAJuEm8KrhCemZcAB8JlqRo=";
    let quirky = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, page);
    let quirky = quirky.as_str();
    for (args, alias) in [
        (
            &[
                "check",
                "batch-query-response",
                "--now",
                "20130108120000",
                "--mode",
                "lenient",
            ][..],
            &[
                "check",
                "batch-query-response",
                "--now",
                "20130108120000",
                "--lenient",
            ][..],
        ),
        (
            &[
                "check",
                "batch-query-response",
                "--now",
                "20130108120000",
                "--mode",
                "strict",
            ][..],
            &["check", "batch-query-response", "--now", "20130108120000"][..],
        ),
        (
            &["parse", "batch-query-response", "--mode", "strict"][..],
            &["parse", "batch-query-response", "--strict"][..],
        ),
        (
            &[
                "verify",
                "pay-notify",
                "--key",
                "1234567890",
                "--mode",
                "strict",
            ][..],
            &["verify", "pay-notify", "--key", "1234567890", "--strict"][..],
        ),
    ] {
        let input = if args[0] == "verify" { NOTIFY } else { quirky };
        assert_eq!(
            ac(args, input.as_bytes()),
            ac(alias, input.as_bytes()),
            "{args:?}"
        );
    }
    let lenient = ac(
        &[
            "check",
            "batch-query-response",
            "--now",
            "20130108120000",
            "--mode",
            "lenient",
        ],
        quirky.as_bytes(),
    );
    let strict = ac(
        &[
            "check",
            "batch-query-response",
            "--now",
            "20130108120000",
            "--mode",
            "strict",
        ],
        quirky.as_bytes(),
    );
    assert_ne!(lenient, strict, "the two modes differ on a quirk");
    let (code, out, err) = ac(
        &["parse", "pay-notify", "--mode", "strict", "--strict"],
        b"a=1",
    );
    assert_one_line_error(code, &out, &err);
}
