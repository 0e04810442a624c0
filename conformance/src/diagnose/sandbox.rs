//! The sandbox's [`Diagnoser`]: a `signMsg` a merchant sent that does not verify (§5.1,
//! §5.2) put through the mistake search. Mistakes that explained earlier requests are
//! tried first (a merchant repeats its mistake), so a flood of one wrong signature costs
//! a few hashes each; a full search stops at the budget the sandbox gives, and a zero
//! budget tries the known mistakes only. Each call works on a copy of what is known, so
//! a full search never holds up the cheap ones; what it learns is kept afterwards.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use allinpay_protocol::any;
use allinpay_protocol::codec::Mode;
use allinpay_protocol::{MerchantKey, MessageKind};
use allinpay_sandbox::{Diagnoser, Explanation};

use super::explainer::{Explainer, Finding};
use super::input::received_input;
use super::search::{search, Scheme};

/// The mistake search behind the sandbox's trait; one search at a time.
#[derive(Debug)]
pub struct SandboxDiagnoser {
    explainer: Mutex<Explainer>,
}

impl Default for SandboxDiagnoser {
    fn default() -> Self {
        Self {
            explainer: Mutex::new(Explainer::unbounded_run()),
        }
    }
}

impl Diagnoser for SandboxDiagnoser {
    fn explain(
        &self,
        kind: MessageKind,
        wire: &[u8],
        key: &MerchantKey,
        budget: Duration,
    ) -> Option<Explanation> {
        let text = std::str::from_utf8(wire).ok()?;
        let received = any::parse(kind, wire, Mode::Lenient).ok()?;
        let sig = received.sign_msg().to_owned();
        let mut ex = self
            .explainer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        ex.set_per_case(budget);
        let finding = ex.verify(kind, text, Some(key.expose()), false, &sig);
        if ex.searches > 0 {
            // A full search ran (the sandbox runs one at a time): keep what it learnt.
            *self.explainer.lock().unwrap_or_else(|e| e.into_inner()) = ex;
        }
        let Finding::Explained(found) = finding else {
            return None;
        };
        let first = found.first()?;
        // The §5.1 source: a search with no time for variants computes only the correct one.
        let (obj, input) = received_input(kind, wire, &received).ok()?;
        let correct = search(
            kind,
            &obj,
            input,
            Scheme::Md5(key),
            None,
            &sig,
            Instant::now(),
        )
        .ok()?;
        Some(Explanation {
            mistake: format!(
                "your signMsg is the MD5 of a sign source with {}: {}",
                first.labels.join(" + "),
                first.descriptions.join("; and ")
            ),
            merchant_source: first.source_masked.clone(),
            expected_source: correct.source_masked,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use allinpay_protocol::sign::md5_hex;

    #[test]
    fn names_alphabetical_order_and_masks_the_key() {
        let key = MerchantKey::new("1234567890").expect("key");
        // §2.1 payData fields, signed sorted by name instead of in table order.
        let fields = [
            ("inputCharset", "1"),
            ("receiveUrl", "http://127.0.0.1:9/notify"),
            ("version", "v1.0"),
            ("signType", "0"),
            ("merchantId", "100020091218001"),
            ("orderNo", "A1"),
            ("orderAmount", "1"),
            ("orderDatetime", "20240101120000"),
            ("productName", "tea"),
            ("payType", "0"),
        ];
        let mut sorted = fields.to_vec();
        sorted.sort();
        let source: Vec<String> = sorted.iter().map(|(n, v)| format!("{n}={v}")).collect();
        let sig = md5_hex(format!("{}&key=1234567890", source.join("&")).as_bytes()).to_string();
        let mut json = serde_json::Map::new();
        for (n, v) in fields {
            json.insert(n.into(), v.into());
        }
        json.insert("signMsg".into(), sig.into());
        let wire = serde_json::to_vec(&json).expect("json");
        let e = SandboxDiagnoser::default()
            .explain(
                MessageKind::PayRequest,
                &wire,
                &key,
                Duration::from_millis(500),
            )
            .expect("explained");
        assert!(e.mistake.contains("alphabetical-order"), "{}", e.mistake);
        assert!(e.mistake.contains("fields sorted by name"), "{}", e.mistake);
        assert!(
            e.merchant_source.starts_with("inputCharset=1&merchantId="),
            "{}",
            e.merchant_source
        );
        assert!(
            e.expected_source.starts_with("inputCharset=1&receiveUrl="),
            "{}",
            e.expected_source
        );
        for s in [&e.mistake, &e.merchant_source, &e.expected_source] {
            assert!(!s.contains("1234567890"), "{s}");
        }
        assert!(
            e.merchant_source.ends_with("&key=<key>"),
            "{}",
            e.merchant_source
        );
    }
}
