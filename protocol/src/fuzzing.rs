//! Harness code of the fuzz targets (`fuzz/`), kept in the library so that plain
//! `cargo test` replays every committed corpus and regression on stable Rust.
//!
//! Each harness feeds bytes to one parser in both modes, checks the parsed value, and,
//! where a parse succeeds, that `render` gives a wire form that parses to the same value.
//! A harness panics only on a bug.

use crate::any;
use crate::check::{self, Clock};
use crate::codec::Mode;
use crate::sign::{self, Credentials};
use crate::spec::{MessageKind, WireForm};
use crate::{GatewayCert, MerchantKey, MAX_INPUT_LEN};

/// Every fuzz target, by name (the directory names under `fuzz/corpus/`).
pub const TARGETS: &[&str] = &[
    "form_body",
    "pay_request_json",
    "sync_result",
    "batch_query_response",
    "refund_query_response",
    "preauth_response",
    "error_response",
    "signature_decode",
    "certificate",
    "structured_sign_verify",
];

/// Runs the harness of `target` on `data`. Returns `false` for an unknown target name.
pub fn run(target: &str, data: &[u8]) -> bool {
    match target {
        "form_body" => form_body(data),
        "pay_request_json" => kinds(data, &[MessageKind::PayRequest]),
        "sync_result" => kinds(
            data,
            &[MessageKind::SyncResultIos, MessageKind::SyncResultAndroid],
        ),
        "batch_query_response" => kinds(data, &[MessageKind::BatchQueryResponse]),
        "refund_query_response" => kinds(data, &[MessageKind::RefundQueryResponse]),
        "preauth_response" => kinds(
            data,
            &[
                MessageKind::PreauthCancelResponse,
                MessageKind::PreauthConfirmResponse,
            ],
        ),
        "error_response" => kinds(data, &[MessageKind::ErrorResponse]),
        "signature_decode" => signature_decode(data),
        "certificate" => certificate(data),
        "structured_sign_verify" => structured_sign_verify(data),
        _ => return false,
    }
    true
}

/// The form-body messages, in [`MessageKind::ALL`] order (`fuzz/seed-corpus.py` writes
/// the selector byte of [`form_body`] in this order).
pub fn form_kinds() -> Vec<MessageKind> {
    MessageKind::ALL
        .iter()
        .copied()
        .filter(|k| k.def().wire == WireForm::Form)
        .collect()
}

/// A form body of one message in one mode, both chosen by the first byte (message
/// `b % 9`, lenient when `b / 9` is odd): one parse per input rather than one per
/// message and mode, which keeps the fuzzer's throughput.
pub fn form_body(data: &[u8]) {
    let Some((&b, body)) = data.split_first() else {
        return;
    };
    let forms = form_kinds();
    let kind = forms[usize::from(b) % forms.len()];
    let mode = if (usize::from(b) / forms.len()) % 2 == 0 {
        Mode::Strict
    } else {
        Mode::Lenient
    };
    one(kind, body, mode);
}

fn kinds(data: &[u8], kinds: &[MessageKind]) {
    for &kind in kinds {
        for mode in [Mode::Strict, Mode::Lenient] {
            one(kind, data, mode);
        }
    }
}

fn one(kind: MessageKind, data: &[u8], mode: Mode) {
    let Ok(received) = any::parse(kind, data, mode) else {
        return;
    };
    assert_eq!(received.kind, kind);
    // Constraint checks and verification must not panic on anything that parsed.
    let clock = Clock::fixed("20261126120000").expect("valid clock");
    let _ = check::check(&received, &clock, mode);
    let key = MerchantKey::new("1234567890").expect("a test key");
    let _ = received.verify(
        Credentials {
            key: Some(&key),
            cert: None,
            expected_sign_type: None,
        },
        crate::Charset::Gbk,
    );
    // Round trip: render(parse(x)) parses to the same value.
    let rendered = any::render(&received.message);
    if rendered.trim().is_empty() || rendered.len() > MAX_INPUT_LEN {
        return;
    }
    let again = any::parse(kind, rendered.as_bytes(), mode).unwrap_or_else(|e| {
        panic!(
            "render of a parsed {} does not parse: {e}\n{rendered:?}",
            kind.name()
        )
    });
    assert_eq!(
        again.message,
        received.message,
        "round trip changed a {}: {rendered:?}",
        kind.name()
    );
    // Rendering is a fixed point after one round.
    assert_eq!(any::render(&again.message), rendered);
}

/// Hex and base64 signature decoding.
pub fn signature_decode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let expected = sign::md5_hex(data);
    if expected.verify(text).is_ok() {
        assert_eq!(text, expected.as_str());
    }
    if let Ok(bytes) = sign::cert::decode_base64_signature(text) {
        assert!(bytes.len() <= text.len());
    }
}

/// Certificate loading (DER, PEM, PEM public keys).
pub fn certificate(data: &[u8]) {
    if let Ok(cert) = GatewayCert::from_bytes(data) {
        assert!(cert.bits() > 0);
        let _ = cert.verify_bytes(b"x", "AAAA");
    }
}

/// Structure-aware: a generated message, signed, rendered, parsed and verified must
/// succeed; with any one signed field changed, verification must fail.
pub fn structured_sign_verify(data: &[u8]) {
    #[cfg(feature = "fuzzing")]
    structured::run(data);
    #[cfg(not(feature = "fuzzing"))]
    let _ = data;
}

#[cfg(feature = "fuzzing")]
mod structured {
    use arbitrary::{Arbitrary, Unstructured};

    use super::*;
    use crate::msgs::{Message, PayNotify, Refund, RefundResponse};
    use crate::spec::Signing;

    pub(super) fn run(data: &[u8]) {
        let mut u = Unstructured::new(data);
        let Ok(which) = u.int_in_range(0u8..=2) else {
            return;
        };
        match which {
            0 => form::<PayNotify>(&mut u),
            1 => form::<Refund>(&mut u),
            _ => form::<RefundResponse>(&mut u),
        }
    }

    fn form<M: Message + for<'a> Arbitrary<'a>>(u: &mut Unstructured<'_>) {
        let Ok(mut msg) = M::arbitrary(u) else {
            return;
        };
        let key = MerchantKey::new("1234567890").expect("a test key");
        // MD5 mode: the merchant key decides, whatever signType says.
        if let Some(slot) = msg.slot("signType") {
            *slot = Some("0".into());
        }
        let Ok(sig) = sign::md5_sign(&msg, &key, crate::Charset::Utf8) else {
            return;
        };
        if let Some(slot) = msg.slot("signMsg") {
            *slot = Some(sig.to_string());
        }
        let wire = crate::codec::form::render(&msg);
        if wire.is_empty() || wire.len() > MAX_INPUT_LEN {
            return;
        }
        let parsed = crate::codec::form::parse::<M>(wire.as_bytes())
            .unwrap_or_else(|e| panic!("rendered message does not parse: {e}: {wire:?}"))
            .message;
        assert_eq!(parsed, msg);
        sign::md5_verify(&parsed, &key, crate::Charset::Utf8)
            .unwrap_or_else(|e| panic!("signed message does not verify: {e}: {wire:?}"));
        // Flip one signed, non-empty field: verification must fail.
        let Ok(pick) = u.arbitrary::<usize>() else {
            return;
        };
        let signed: Vec<&'static str> = M::DEF
            .fields
            .iter()
            .filter(|f| f.signing == Signing::Signed)
            .filter(|f| parsed.get(f.name).is_some_and(|v| !v.is_empty()))
            .map(|f| f.name)
            .collect();
        if signed.is_empty() {
            return;
        }
        let name = signed[pick % signed.len()];
        let mut tampered = parsed.clone();
        if let Some(Some(v)) = tampered.slot(name) {
            v.push('1');
        }
        assert!(
            sign::md5_verify(&tampered, &key, crate::Charset::Utf8).is_err(),
            "changing {name} did not break the signature: {wire:?}"
        );
    }
}
