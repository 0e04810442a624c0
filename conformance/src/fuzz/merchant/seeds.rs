//! The starting notifications of `probe-merchant --fuzz`: §2.2.3 notifications of the
//! merchant's own order, validly signed (§5.2 MD5 with the key, §5.3 with the sandbox's
//! test key for signType 1), with no clock time in them.

use allinpay_protocol::codec::form;
use allinpay_protocol::msgs::PayNotify;
use allinpay_sandbox::error::SignError;
use allinpay_sandbox::signing::sign_in_place;
use allinpay_sandbox::time::{cst14, parse_cst14};

use super::Target;

/// A validly signed starting notification.
#[derive(Clone, Debug)]
pub struct NotifySeed {
    pub name: &'static str,
    pub wire: String,
}

/// The starting notifications: the merchant's order paid, as the probe sends it, with the
/// empty optional fields the gateway sends (`issuerId=&ext1=&ext2=&errorCode=`), and with
/// escaped and multibyte `ext1`/`ext2`. No clock time: `payDatetime` is a minute after
/// `orderDatetime`.
pub fn notify_seeds(t: &Target) -> Result<Vec<NotifySeed>, SignError> {
    let ordered = parse_cst14(&t.order.datetime).unwrap_or_default();
    let paid = cst14(ordered + 60);
    let base = PayNotify {
        merchant_id: Some(t.merchant_id.clone()),
        version: Some("v1.0".into()),
        language: Some("1".into()),
        sign_type: Some(t.sign_type.clone()),
        pay_type: Some("27".into()),
        payment_order_id: Some(format!("{paid}0001")),
        order_no: Some(t.order.order_no.clone()),
        order_datetime: Some(t.order.datetime.clone()),
        order_amount: Some(t.order.amount.to_string()),
        pay_datetime: Some(paid),
        pay_amount: Some(t.order.amount.to_string()),
        pay_result: Some("1".into()),
        return_datetime: Some(cst14(ordered + 61)),
        ..PayNotify::default()
    };
    let empties = PayNotify {
        version: Some("v2.0".into()),
        issuer_id: Some(String::new()),
        ext1: Some(String::new()),
        ext2: Some(String::new()),
        error_code: Some(String::new()),
        ..base.clone()
    };
    let exts = PayNotify {
        ext1: Some("<USER>170502828662290</USER>".into()),
        ext2: Some("笔记本电脑 测试订单".into()),
        ..empties.clone()
    };
    [
        ("paid", base),
        ("paid, empty fields sent", empties),
        ("paid, ext1 and ext2", exts),
    ]
    .into_iter()
    .map(|(name, mut m)| {
        sign_in_place(&t.keys, &mut m, &t.sign_type)?;
        Ok(NotifySeed {
            name,
            wire: form::render(&m),
        })
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::notify_seeds;
    use crate::fuzz::merchant::{Builtin, Expected, Target};
    use allinpay_protocol::MerchantKey;
    use allinpay_sandbox::net::LoopbackUrl;
    use allinpay_sandbox::probe::OrderRef;
    use allinpay_sandbox::signing::Keys;
    use std::time::Duration;

    fn target(sign_type: &str) -> Target {
        Target {
            url: LoopbackUrl::parse("http://127.0.0.1:9/notify").expect("url"),
            keys: Keys {
                key: MerchantKey::new("1234567890").expect("key"),
                signer: (sign_type == "1").then(|| {
                    allinpay_protocol::GatewaySigner::from_pem(
                        allinpay_sandbox::signing::TEST_KEY_PEM,
                    )
                    .expect("test key")
                }),
            },
            merchant_id: "100020091218001".into(),
            sign_type: sign_type.into(),
            order: OrderRef::new("SHOP-1001", 1000, "20261126101500").expect("order"),
            timeout: Duration::from_secs(1),
        }
    }

    /// The starting notifications carry no clock time, so the bodies of a run are the same
    /// for a seed (and another seed draws others).
    #[test]
    fn a_run_draws_the_same_bodies_for_a_seed() {
        let t = target("0");
        let first = notify_seeds(&t).expect("seeds");
        std::thread::sleep(Duration::from_millis(1100));
        let again = notify_seeds(&t).expect("seeds");
        let wires = |s: &[crate::fuzz::merchant::NotifySeed]| {
            s.iter().map(|x| x.wire.clone()).collect::<Vec<_>>()
        };
        assert_eq!(wires(&first), wires(&again));
        let a = crate::fuzz::merchant::bodies(7, &first, 200);
        assert_eq!(a, crate::fuzz::merchant::bodies(7, &again, 200));
        assert_ne!(a, crate::fuzz::merchant::bodies(8, &first, 200));
        assert_eq!(a.len(), 200);
    }

    /// Every starting notification is one the built-in accepts, in both sign types; a
    /// changed amount, another order and a broken escape are rejected, each for its kind.
    #[test]
    fn the_seeds_verify_and_the_builtin_rejects_what_is_not_the_order() {
        for st in ["0", "1"] {
            let t = target(st);
            let b = Builtin::new(&t).expect("builtin");
            let seeds = notify_seeds(&t).expect("seeds");
            assert_eq!(seeds.len(), 3);
            for s in &seeds {
                assert_eq!(b.expected(s.wire.as_bytes()), Expected::MayAccept, "{s:?}");
            }
            let w = &seeds[0].wire;
            let kind = |w: &str| match b.expected(w.as_bytes()) {
                Expected::Reject { kind, .. } => kind,
                Expected::MayAccept => "accept".into(),
            };
            assert!(
                kind(&w.replace("orderAmount=1000", "orderAmount=1")).starts_with("signature: "),
                "{st}"
            );
            assert_eq!(
                kind(&format!("{w}&x=%G1")),
                "unreadable: BadPercentEncoding"
            );
            let mut other = t.clone();
            other.order = OrderRef::new("SHOP-1002", 1000, "20261126101500").expect("o");
            let other_seed = &notify_seeds(&other).expect("seeds")[0].wire;
            assert_eq!(kind(other_seed), "not the order's: orderNo");
        }
    }
}
