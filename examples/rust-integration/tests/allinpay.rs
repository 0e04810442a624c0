//! The Allinpay conformance suite in this crate's `cargo test`: every vector case is a
//! named test; what this back end does not do (certificate mode, texts, …) is reported as
//! ignored. `cargo test -- --list`, filters and `--exact` work as usual.

use allinpay_conformance::suite::{
    self, Answer, Integration, SignRequest, Signature, VerifyRequest,
};
use allinpay_protocol::any;
use allinpay_protocol::enums::SignType;
use allinpay_protocol::{Charset, MerchantKey, MessageKind, VerifyError};
use allinpay_rust_integration_example as merchant;

#[derive(Default)]
struct BackEnd;

impl Integration for BackEnd {
    fn describe(&self) -> String {
        "examples/rust-integration (MD5)".into()
    }

    /// What this back end sends: payData (§2.1) and the order query (§3.1).
    fn sign(&mut self, req: &SignRequest<'_>) -> Answer<Signature> {
        let kind = match MessageKind::from_name(req.message) {
            Some(k @ (MessageKind::PayRequest | MessageKind::OrderQuery)) => k,
            _ => return Answer::Unsupported,
        };
        let Some(charset) = Charset::from_name(req.charset) else {
            return Answer::Unsupported;
        };
        let key = match MerchantKey::new(req.key) {
            Ok(k) => k,
            Err(e) => return Answer::Refused(e.to_string()),
        };
        match any::md5_sign_fields(kind, req.fields, &key, charset, None) {
            Ok(sig) => Answer::Done(Signature {
                sign_msg: sig.to_string(),
                sign_source: None,
            }),
            Err(e) => Answer::Refused(e.to_string()),
        }
    }

    /// What this back end receives: the §2.2.3 notification and the §3.2 query answer.
    fn verify(&mut self, req: &VerifyRequest<'_>) -> Answer<Result<(), String>> {
        if !matches!(req.message, "pay-notify" | "order-query-response") {
            return Answer::Unsupported;
        }
        let Some(key) = req.key else {
            return Answer::Unsupported; // certificate only
        };
        let key = match MerchantKey::new(key) {
            Ok(k) => k,
            Err(e) => return Answer::Refused(e.to_string()),
        };
        let configured = req.configured_sign_type.map(SignType::from_wire);
        match merchant::verify_notification(req.wire.as_bytes(), &key, configured) {
            Ok(_) => Answer::Done(Ok(())),
            Err(merchant::Refusal::Signature(VerifyError::NeedCertificate(_))) => {
                Answer::Unsupported
            }
            Err(merchant::Refusal::Malformed(e)) => Answer::Refused(e.to_string()),
            Err(other) => Answer::Done(Err(other.to_string())),
        }
    }
}

fn main() {
    suite::main(BackEnd)
}
