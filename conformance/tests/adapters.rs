//! The runner against the example adapters (examples/adapters/): the correct ones pass
//! every case they support, and each deliberately broken variant fails exactly the cases
//! listed here. The lists were written by hand from what each vector tests (its flags,
//! its wire and its expected result), not from a run.

use std::collections::BTreeSet;
use std::process::Command;

use serde_json::Value;

const PY: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/python/allinpay_adapter.py"
);
const PHP: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../examples/adapters/php/allinpay_adapter.php"
);

fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

fn python_has_cryptography() -> bool {
    succeeds("python3", &["-c", "import cryptography"])
}

fn php_available() -> bool {
    succeeds("php", &["-r", "exit(0);"])
}

fn php_has_openssl() -> bool {
    succeeds(
        "php",
        &["-r", "exit(function_exists('openssl_verify') ? 0 : 1);"],
    )
}

/// Runs the adapter over every case; returns (exit code, failing ids, skipped ids).
fn run(adapter: &str) -> (i32, BTreeSet<String>, BTreeSet<String>) {
    run_env(adapter, &[])
}

fn run_env(adapter: &str, env: &[(&str, &str)]) -> (i32, BTreeSet<String>, BTreeSet<String>) {
    let out = Command::new(env!("CARGO_BIN_EXE_allinpay-conformance"))
        .args(["run", "--adapter", adapter, "--format", "json"])
        .envs(env.iter().copied())
        .output()
        .expect("spawn");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{adapter}: not a JSON report ({e}); stderr {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let mut failing = BTreeSet::new();
    let mut skipped = BTreeSet::new();
    for c in report["cases"].as_array().expect("cases") {
        let id = c["id"].as_str().expect("id").to_owned();
        match c["verdict"].as_str().expect("verdict") {
            "pass" => {}
            "skipped" => {
                skipped.insert(id);
            }
            "fail" => {
                failing.insert(id);
            }
            other => panic!("{adapter}: {id} is {other}: {}", c["detail"]),
        }
    }
    (out.status.code().unwrap_or(-1), failing, skipped)
}

/// Ids of the cases in groups of the given types, read from the vector files.
fn ids_of_groups(types: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let dir = allinpay_conformance::vectors_dir();
    for e in std::fs::read_dir(dir).expect("vectors") {
        let path = e.expect("entry").path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let stem = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("json");
        for g in v["testGroups"].as_array().expect("groups") {
            if !types.contains(&g["type"].as_str().expect("type")) {
                continue;
            }
            for t in g["tests"].as_array().expect("tests") {
                let section = t["section"]
                    .as_str()
                    .expect("section")
                    .trim_start_matches('§');
                out.insert(format!(
                    "{section}/{}/{stem}/tc{}",
                    v["message"].as_str().expect("message"),
                    t["tcId"]
                ));
            }
        }
    }
    out
}

fn ids(file: &str, prefix: &str, tcs: &[u32]) -> Vec<String> {
    tcs.iter()
        .map(|n| format!("{prefix}/{file}/tc{n}"))
        .collect()
}

/// The expected failures; ids of vector files that are not in `vectors/` are dropped (so a
/// file added later must be added to these lists before this test passes again).
fn expect(mut md5: Vec<String>, cert: Vec<String>, with_cert: bool) -> BTreeSet<String> {
    if with_cert {
        md5.extend(cert);
    }
    let dir = allinpay_conformance::vectors_dir();
    md5.into_iter()
        .filter(|id| {
            let file = id.split('/').nth(2).unwrap_or_default();
            dir.join(format!("{file}.json")).exists()
        })
        .collect()
}

/// What the examples answer `unsupported`: parse and check, and the certificate mode
/// when the language lacks RSA.
fn expected_skips(with_cert: bool) -> BTreeSet<String> {
    let mut s = ids_of_groups(&["Parse", "Check"]);
    if !with_cert {
        s.extend(ids_of_groups(&["CertVerify"]));
    }
    s
}

fn check(adapter: &str, want_failing: &BTreeSet<String>, with_cert: bool) {
    let (code, failing, skipped) = run(adapter);
    let missing: Vec<_> = want_failing.difference(&failing).collect();
    let extra: Vec<_> = failing.difference(want_failing).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{adapter}:\n expected to fail but passed: {missing:#?}\n failed unexpectedly: {extra:#?}"
    );
    assert_eq!(
        skipped,
        expected_skips(with_cert),
        "{adapter}: skipped cases"
    );
    assert_eq!(
        code,
        i32::from(!want_failing.is_empty()),
        "{adapter}: exit code"
    );
}

#[test]
fn python_adapter_passes_and_alphabetical_order_fails_exactly_the_name_value_signatures() {
    let crypto = python_has_cryptography();
    if !crypto {
        eprintln!("python3 lacks `cryptography`: certificate cases are skipped by the adapter");
    }
    check(&format!("python3 {PY}"), &BTreeSet::new(), crypto);

    // Alphabetical order changes every name=value sign source with more than one field
    // (§5.1), not the texts (§3.8: record columns have a fixed order).
    let md5 = [
        // Valid signatures no longer reproduce.
        ids("spec_pay_request", "2.1/pay-request", &[1]),
        // Invalid (erratum), but the documented sign source is checked, and differs.
        ids("spec_pay_request", "5.2/pay-request", &[3]),
        ids("capture_pay_notify", "2.2.3/pay-notify", &[1, 2]),
        ids("capture_refund_response", "3.6/refund-response", &[1]),
        // GBK, GB2312 and UTF-8 signatures of the §2.1 fields (tc2, invalid, still differs).
        ids(
            "generated_charset_pay_request",
            "5.1/pay-request",
            &[1, 3, 4, 5],
        ),
    ]
    .concat();
    // The certificate signs the same sign source (without the key): every genuine
    // signature of a name=value message stops verifying.
    let cert = [
        ids(
            "pay_notify_cert",
            "2.2.3/pay-notify",
            &[1, 2, 3, 4, 18, 19, 20, 21, 31, 32],
        ),
        ids(
            "order_query_response_cert",
            "3.2/order-query-response",
            &[1, 2, 3, 4, 18, 19, 20, 21],
        ),
    ]
    .concat();
    check(
        &format!("python3 {PY} --broken alphabetical"),
        &expect(md5, cert, crypto),
        crypto,
    );
}

#[test]
fn php_adapter_passes_and_its_broken_variants_fail_exactly_the_cases_they_break() {
    if !php_available() {
        // .ci/adapters.sh installs php-cli and sets ALLINPAY_REQUIRE_PHP: CI never skips.
        assert!(
            std::env::var_os("ALLINPAY_REQUIRE_PHP").is_none(),
            "php is required (ALLINPAY_REQUIRE_PHP) but not installed"
        );
        eprintln!("SKIPPED: php is not installed (.ci/adapters.sh installs php-cli)");
        return;
    }
    let ssl = php_has_openssl();
    check(&format!("php {PHP}"), &BTreeSet::new(), ssl);

    // md5() without strtoupper: every MD5 in uppercase hex stops matching, and lowercase
    // values the spec forbids start matching (§5.2, §5.4).
    let md5 = [
        ids("spec_pay_request", "2.1/pay-request", &[1]),
        ids(
            "spec_refund_query_response_md5",
            "3.8/refund-query-response",
            &[1, 2, 3],
        ),
        // The LowercaseHex vectors (invalid) are now accepted.
        ids(
            "spec_refund_query_response_md5",
            "3.8/refund-query-response",
            &[5],
        ),
        ids("capture_pay_notify", "2.2.3/pay-notify", &[1, 2, 5]),
        ids("capture_refund_response", "3.6/refund-response", &[1]),
        // §5.4: the uppercase digest is missed, the lowercase one (invalid) reproduced.
        ids("spec_ext1", "5.4/pay-request", &[1, 2]),
        // Valid GBK, GB2312 and UTF-8 signatures (tc2, invalid, still differs).
        ids(
            "generated_charset_pay_request",
            "5.1/pay-request",
            &[1, 3, 4, 5],
        ),
    ]
    .concat();
    // Texts in certificate mode sign the uppercase hex MD5 of the text (§3.8 a): genuine
    // signatures fail, and those over the lowercase hex (WrongSignedBytes tc14/tc32)
    // verify. name=value messages sign their source directly and are not affected.
    let cert = [
        ids(
            "batch_query_response_cert",
            "3.4/batch-query-response",
            &[1, 2, 3, 4, 19, 20, 21, 22],
        ),
        ids(
            "preauth_cancel_response_cert",
            "4.2/preauth-cancel-response",
            &[1, 2, 5, 14, 19, 20, 23, 32],
        ),
        ids(
            "preauth_confirm_response_cert",
            "4.4/preauth-confirm-response",
            &[1, 2, 5, 14, 19, 20, 23, 32],
        ),
        ids(
            "refund_query_response_cert",
            "3.8/refund-query-response",
            &[1, 2, 3, 4, 5, 14, 19, 20, 21, 22, 23, 32, 37, 38],
        ),
    ]
    .concat();
    check(
        &format!("php {PHP} --broken lowercase-hex"),
        &expect(md5, cert, ssl),
        ssl,
    );

    // Empty fields signed as `name=`: only messages received with empty fields on the
    // wire are affected (capture tc2; the certificate vectors whose wires carry
    // `issuerId=`, `ext1=`, `ext2=` or `errorCode=`), and the WrongSignedBytes vectors
    // signed over exactly that source (tc13) now verify. Vectors with the empty fields
    // left out (tc4, tc21) still pass.
    let md5 = ids("capture_pay_notify", "2.2.3/pay-notify", &[2]);
    let cert = [
        ids(
            "pay_notify_cert",
            "2.2.3/pay-notify",
            &[1, 2, 3, 13, 18, 19, 20, 31, 32],
        ),
        ids(
            "order_query_response_cert",
            "3.2/order-query-response",
            &[1, 2, 3, 13, 18, 19, 20],
        ),
    ]
    .concat();
    check(
        &format!("php {PHP} --broken empty-fields"),
        &expect(md5, cert, ssl),
        ssl,
    );
}

#[test]
fn python_adapter_without_cryptography_skips_the_certificate_cases() {
    // A package directory that shadows `cryptography` with one that cannot be imported,
    // as on a machine where it is not installed.
    let dir = std::env::temp_dir().join(format!("allinpay-nocrypto-{}", std::process::id()));
    let pkg = dir.join("cryptography");
    std::fs::create_dir_all(&pkg).expect("temp dir");
    std::fs::write(
        pkg.join("__init__.py"),
        "raise ImportError('not installed')\n",
    )
    .expect("write");
    let path = dir.to_str().expect("path");
    let (code, failing, skipped) = run_env(&format!("python3 {PY}"), &[("PYTHONPATH", path)]);
    assert!(failing.is_empty(), "{failing:#?}");
    assert_eq!(skipped, expected_skips(false));
    assert_eq!(code, 0);
}
