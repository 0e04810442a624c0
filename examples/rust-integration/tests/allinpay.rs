//! The Allinpay conformance suite in this crate's `cargo test`: every vector case is a
//! named test; what this back end does not do (certificate mode, GBK, texts, …) is
//! reported as ignored. `cargo test -- --list`, filters and `--exact` work as usual.

use allinpay_conformance::suite::{
    self, Answer, Integration, SignRequest, Signature, VerifyRequest,
};
use allinpay_rust_integration_example as merchant;
use serde_json::Value;

#[derive(Default)]
struct BackEnd;

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) if n.is_u64() || n.is_i64() => Some(n.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

impl Integration for BackEnd {
    fn describe(&self) -> String {
        "examples/rust-integration (MD5, UTF-8)".into()
    }

    fn sign(&mut self, req: &SignRequest<'_>) -> Answer<Signature> {
        if req.message != "pay-request" || req.charset != "utf-8" {
            return Answer::Unsupported;
        }
        if req.key.trim().is_empty() {
            return Answer::Refused("blank key".into());
        }
        let mut values = Vec::new();
        for (name, v) in req.fields {
            let Some(t) = text(v) else {
                return Answer::Refused(format!("{name} is not a string or an integer"));
            };
            values.push((name.clone(), t));
        }
        let get = |n: &str| values.iter().find(|(m, _)| m == n).map(|(_, v)| v.clone());
        Answer::Done(Signature {
            sign_msg: merchant::md5_sign(merchant::PAY_REQUEST_SIGNED, get, req.key),
            sign_source: None,
        })
    }

    fn verify(&mut self, req: &VerifyRequest<'_>) -> Answer<Result<(), String>> {
        if !matches!(req.message, "pay-notify" | "order-query-response") {
            return Answer::Unsupported;
        }
        let Some(key) = req.key else {
            return Answer::Unsupported; // certificate only
        };
        match merchant::verify_notification(req.wire, key, req.configured_sign_type) {
            Ok(()) => Answer::Done(Ok(())),
            Err(merchant::Refusal::CertificateMode) => Answer::Unsupported,
            Err(merchant::Refusal::BlankKey) => Answer::Refused("blank key".into()),
            Err(merchant::Refusal::Malformed(m)) => Answer::Refused(m),
            Err(other) => Answer::Done(Err(format!("{other:?}"))),
        }
    }
}

fn main() {
    suite::main(BackEnd)
}
