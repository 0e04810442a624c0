//! The verdict on one answer of the merchant to a §2.2.3 notification: what the built-in
//! implementation lets a merchant accept (read, §5.3 verified, the merchant's order), and
//! the class of the answer (critical, robustness, or none).

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::{GatewayCert, MessageKind};
use allinpay_sandbox::net::NetError;
use allinpay_sandbox::signing::TEST_CERT_PEM;

use super::Target;
use crate::fuzz::oracle::FindingClass;

/// What the built-in lets a merchant do with a body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// A correct merchant may accept it (once per order; a duplicate may be refused).
    MayAccept,
    /// A correct merchant rejects it: the kind of reason (kept while shrinking: the step
    /// and the error's name or the field) and the reason.
    Reject { kind: String, reason: String },
}

/// The built-in's view of the merchant's notifications: its credentials and order.
#[derive(Debug)]
pub struct Builtin {
    target: Target,
    cert: Option<GatewayCert>,
}

impl Builtin {
    pub fn new(target: &Target) -> Result<Builtin, allinpay_protocol::error::CertError> {
        let cert = match target.sign_type.as_str() {
            "1" => Some(GatewayCert::from_bytes(TEST_CERT_PEM.as_bytes())?),
            _ => None,
        };
        Ok(Builtin {
            target: target.clone(),
            cert,
        })
    }

    /// §2.2.3 read, §5.3 verified with the merchant's credentials and configured signType,
    /// then the merchant's id, the order's number, orderDatetime and amount, and
    /// `payResult` 1.
    pub fn expected(&self, body: &[u8]) -> Expected {
        let reject = |kind: String, reason: String| Expected::Reject { kind, reason };
        let received = match any::parse(MessageKind::PayNotify, body, Mode::Lenient) {
            Ok(r) => r,
            Err(e) => {
                return reject(
                    format!("unreadable: {}", variant(&e)),
                    format!("the built-in cannot read: {e}"),
                )
            }
        };
        let creds = Credentials {
            key: Some(&self.target.keys.key),
            cert: self.cert.as_ref(),
            expected_sign_type: self.target.sign_type.parse().ok(),
        };
        if let Err(e) = received.verify_as_received(creds, Mode::Lenient) {
            return reject(
                format!("signature: {}", variant(&e)),
                format!("whose signature does not verify: {e}"),
            );
        }
        let AnyMessage::PayNotify(n) = &received.message else {
            return reject("unreadable".into(), "not a §2.2.3 notification".into());
        };
        let o = &self.target.order;
        let amount = o.amount.to_string();
        let checks = [
            (
                "merchantId",
                n.merchant_id.as_deref(),
                &*self.target.merchant_id,
            ),
            ("orderNo", n.order_no.as_deref(), &*o.order_no),
            ("orderDatetime", n.order_datetime.as_deref(), &*o.datetime),
            ("orderAmount", n.order_amount.as_deref(), &*amount),
            ("payAmount", n.pay_amount.as_deref(), &*amount),
            ("payResult", n.pay_result.as_deref(), "1"),
        ];
        for (name, got, want) in checks {
            if got != Some(want) {
                return reject(
                    format!("not the order's: {name}"),
                    format!("correctly signed but with {name} {got:?}, not {want:?}"),
                );
            }
        }
        Expected::MayAccept
    }
}

/// The name of an error's variant (`BadPercentEncoding`): what a shrunk input keeps.
fn variant(e: &impl std::fmt::Debug) -> String {
    format!("{e:?}")
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// What the merchant did with one POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The status and the start of the answer's text.
    Answer { status: u16, text: String },
    /// No HTTP answer: the kind (`timeout`, `reset`, `closed`, `malformed`, `refused`)
    /// and the error.
    Failed { kind: &'static str, detail: String },
}

impl Outcome {
    pub(super) fn of(reply: Result<allinpay_sandbox::net::Reply, NetError>) -> Outcome {
        let failed = |kind, e: &NetError| Outcome::Failed {
            kind,
            detail: e.to_string(),
        };
        match reply {
            Ok(r) => Outcome::Answer {
                status: r.status,
                text: r.text().chars().take(120).collect(),
            },
            Err(e @ NetError::Timeout(_)) => failed("timeout", &e),
            Err(e @ NetError::Connect(..)) => failed("refused", &e),
            Err(e @ NetError::Malformed("no end of headers")) => failed("closed", &e),
            Err(e @ NetError::Malformed(_)) => failed("malformed", &e),
            Err(e) => failed("reset", &e),
        }
    }
}

/// The verdict on one answer: the class, the kind kept while shrinking, one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MerchantVerdict {
    pub class: FindingClass,
    pub kind: String,
    pub why: String,
}

/// `None` when the answer is one a correct merchant may give.
pub fn judge(outcome: &Outcome, expected: &Expected) -> Option<MerchantVerdict> {
    let v = |class, kind: &str, why: String| {
        Some(MerchantVerdict {
            class,
            kind: kind.to_owned(),
            why,
        })
    };
    match (outcome, expected) {
        (
            Outcome::Answer {
                status: s @ 200..=299,
                text,
            },
            Expected::Reject { kind, reason },
        ) => v(
            FindingClass::Critical,
            kind,
            format!("answered HTTP {s} {text:?} (accepted) to a notification {reason}"),
        ),
        (
            Outcome::Answer {
                status: s @ 500..=599,
                text,
            },
            _,
        ) => v(
            FindingClass::Robustness,
            "5xx",
            format!("answered HTTP {s} {text:?}"),
        ),
        (Outcome::Failed { kind, detail }, _) => v(
            FindingClass::Robustness,
            kind,
            match *kind {
                "closed" => "closed the connection without an answer".into(),
                "refused" => format!("{detail} (the merchant stopped listening: an input sent before this one, or alongside it on another connection, may have brought it down)"),
                _ => detail.clone(),
            },
        ),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_class_from_its_answer() {
        let answer = |status| Outcome::Answer {
            status,
            text: String::new(),
        };
        let reject = Expected::Reject {
            kind: "signature".into(),
            reason: "r".into(),
        };
        let class = |o: Outcome, e: &Expected| judge(&o, e).map(|v| v.class);
        assert_eq!(class(answer(200), &reject), Some(FindingClass::Critical));
        assert_eq!(class(answer(400), &reject), None);
        assert_eq!(class(answer(200), &Expected::MayAccept), None);
        assert_eq!(class(answer(409), &Expected::MayAccept), None);
        assert_eq!(
            class(answer(503), &Expected::MayAccept),
            Some(FindingClass::Robustness)
        );
        let timeout = Outcome::Failed {
            kind: "timeout",
            detail: "no answer".into(),
        };
        assert_eq!(class(timeout, &reject), Some(FindingClass::Robustness));
    }
}
