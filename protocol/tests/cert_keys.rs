//! Certificate loading and RSA verification against data made outside this crate: keys
//! of every size ring verifies (1024–8192 bits), a bare DER SubjectPublicKeyInfo, and
//! Wycheproof's RSA PKCS#1 v1.5 signature files. Fixtures: `tests/data/`.

use allinpay_protocol::error::CertError;
use allinpay_protocol::GatewayCert;
use base64::Engine as _;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .expect("fixture")
}

fn text(name: &str) -> String {
    String::from_utf8(data(name))
        .expect("UTF-8")
        .trim()
        .to_owned()
}

#[test]
fn a_6144_bit_certificate_loads_and_verifies() {
    // rsa's own decoder stops at 4096 bits; ring verifies up to 8192.
    let cert = GatewayCert::from_bytes(&data("rsa6144.pem")).expect("6144-bit certificate");
    assert_eq!(cert.bits(), 6144);
    let sig = text("rsa6144-abc.sig.b64");
    assert_eq!(cert.verify_bytes(b"abc", &sig), Ok(()));
    assert!(cert.verify_bytes(b"abd", &sig).is_err());
}

#[test]
fn a_bare_der_public_key_loads() {
    // What `openssl pkey -pubout -outform DER` writes: a key without its certificate.
    let cert = GatewayCert::from_bytes(&data("gateway-rsa1024.spki.der")).expect("DER SPKI");
    assert_eq!(cert.bits(), 1024);
    assert_eq!(
        cert.verify_bytes(b"abc", &text("rsa1024-abc.sig.b64")),
        Ok(())
    );
    // Garbage is still no certificate.
    assert_eq!(
        GatewayCert::from_bytes(b"\x30\x03\x02\x01\x00"),
        Err(CertError::NotACertificate)
    );
}

#[test]
fn wycheproof_rsa_pkcs1_signatures_through_the_sha1_verifier() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    // The gateway signs SHA-1 only (§5.3). The crate's files are SHA-2/SHA-3 sets; among
    // their "WrongHash" cases, "The message is hashed with SHA-1 instead of …" ones are
    // genuine SHA-1 PKCS#1 v1.5 signatures: the SHA-1 verifier must accept exactly those
    // and refuse every other signature (valid for its own hash or not). Every key (2048 to
    // 8192 bits, DER SubjectPublicKeyInfo) must load.
    let b64 = base64::engine::general_purpose::STANDARD;
    let (mut keys, mut tests, mut sha1) = (0, 0, 0);
    for name in TestName::all() {
        let set = TestSet::load(name).expect("wycheproof data");
        for group in &set.test_groups {
            let cert = GatewayCert::from_bytes(&group.der)
                .unwrap_or_else(|e| panic!("{name:?}: {}-bit key refused: {e}", group.key_size));
            assert_eq!(cert.bits(), group.key_size, "{name:?}");
            keys += 1;
            for t in &group.tests {
                let is_sha1 = t
                    .comment
                    .starts_with("The message is hashed with SHA-1 instead");
                let verdict = cert.verify_bytes(&t.msg, &b64.encode(&*t.sig));
                assert_eq!(
                    verdict.is_ok(),
                    is_sha1,
                    "{name:?} tcId {} ({}): {verdict:?}",
                    t.tc_id,
                    t.comment
                );
                tests += 1;
                sha1 += usize::from(is_sha1);
            }
        }
    }
    assert!(
        keys >= 24 && tests > 5_000 && sha1 >= 24,
        "{keys} keys, {tests} tests, {sha1} SHA-1"
    );
}
