//! Trigger values, like test cards: the last two digits of `orderAmount` (in 分) choose
//! a payment's outcome or a scripted notification fault. Amounts below 100 分 (1 元) are
//! always plain successes, so the spec's example `orderAmount: 1` pays.
//! Headers `X-Sandbox-Outcome` and `X-Sandbox-Fault` on `/sdk/pay` override the amount.

use serde::{Deserialize, Serialize};

/// What the sandbox does with a valid payment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Paid; the §2.2.3 notification follows.
    Approve,
    /// The bank declines: §2.2.2 受理失败, no notification (§2.2.3: 仅在支付成功时通知).
    Decline,
    /// The payer cancels in the control: iOS `payResult` -1, Android `allinpay_pay_fail`.
    Cancel,
    /// §6.1 EM0001_000030 移动支付限额超过银行规定的支付限额.
    Limit,
    /// §6.1 EM0001_000059 移动支付-通联订单已过期.
    Expired,
    /// §6.1 EM0001_000043 ITS 通讯异常.
    Unreachable,
}

/// A scripted fault of the notification, for testing the merchant's handler.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fault {
    /// The first delivery is posted twice, byte for byte.
    Duplicate,
    /// Before the first delivery: a copy with `orderAmount`/`payAmount` changed and the
    /// original `signMsg`.
    TamperedAmount,
    /// Before the first delivery: a copy signed with another key.
    WrongKey,
    /// Before the first delivery: a copy without `signMsg`.
    Unsigned,
    /// The first delivery waits `--fault-delay` before it is posted.
    Delayed,
    /// Two valid deliveries: the one with the later `returnDatetime` is posted first.
    OutOfOrder,
}

impl Outcome {
    pub const ALL: [(Outcome, &'static str, u64); 6] = [
        (Outcome::Approve, "approve", 0),
        (Outcome::Decline, "decline", 1),
        (Outcome::Limit, "limit", 2),
        (Outcome::Expired, "expired", 3),
        (Outcome::Cancel, "cancel", 4),
        (Outcome::Unreachable, "unreachable", 5),
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(o, _, _)| *o)
    }

    /// The §6.1 error code answered instead of a result, if any.
    pub fn error_code(self) -> Option<&'static str> {
        match self {
            Outcome::Limit => Some("EM0001_000030"),
            Outcome::Expired => Some("EM0001_000059"),
            Outcome::Unreachable => Some("EM0001_000043"),
            _ => None,
        }
    }
}

impl Fault {
    pub const ALL: [(Fault, &'static str, u64); 6] = [
        (Fault::Duplicate, "duplicate", 11),
        (Fault::TamperedAmount, "tampered-amount", 12),
        (Fault::WrongKey, "wrong-key", 13),
        (Fault::Unsigned, "unsigned", 14),
        (Fault::Delayed, "delayed", 15),
        (Fault::OutOfOrder, "out-of-order", 16),
    ];

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(f, _, _)| *f)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _, _)| *f == self)
            .map_or("", |(_, n, _)| n)
    }
}

/// The outcome and fault an amount selects.
pub fn by_amount(amount: u64) -> (Outcome, Option<Fault>) {
    if amount < 100 {
        return (Outcome::Approve, None);
    }
    let cents = amount % 100;
    if let Some((o, _, _)) = Outcome::ALL.iter().find(|(_, _, c)| *c == cents && *c != 0) {
        return (*o, None);
    }
    let fault = Fault::ALL
        .iter()
        .find(|(_, _, c)| *c == cents)
        .map(|(f, _, _)| *f);
    (Outcome::Approve, fault)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_table() {
        // docs/gateway.md, "Trigger values".
        assert_eq!(by_amount(1), (Outcome::Approve, None));
        assert_eq!(by_amount(99), (Outcome::Approve, None));
        assert_eq!(by_amount(1000), (Outcome::Approve, None));
        assert_eq!(by_amount(1001), (Outcome::Decline, None));
        assert_eq!(by_amount(102), (Outcome::Limit, None));
        assert_eq!(by_amount(1003), (Outcome::Expired, None));
        assert_eq!(by_amount(1004), (Outcome::Cancel, None));
        assert_eq!(by_amount(1005), (Outcome::Unreachable, None));
        assert_eq!(by_amount(1011), (Outcome::Approve, Some(Fault::Duplicate)));
        assert_eq!(
            by_amount(1012),
            (Outcome::Approve, Some(Fault::TamperedAmount))
        );
        assert_eq!(by_amount(1013), (Outcome::Approve, Some(Fault::WrongKey)));
        assert_eq!(by_amount(1014), (Outcome::Approve, Some(Fault::Unsigned)));
        assert_eq!(by_amount(1015), (Outcome::Approve, Some(Fault::Delayed)));
        assert_eq!(by_amount(1016), (Outcome::Approve, Some(Fault::OutOfOrder)));
        assert_eq!(by_amount(1017), (Outcome::Approve, None));
        assert_eq!(Fault::from_name("wrong-key"), Some(Fault::WrongKey));
        assert_eq!(Outcome::from_name("limit"), Some(Outcome::Limit));
        assert_eq!(Fault::from_name("nope"), None);
    }
}
