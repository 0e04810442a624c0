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
    /// Accepted (§2.2.2 payResult 0: 受理成功) but not yet debited: "实际是否扣款成功以异步
    /// 通知为准". The order waits until the dashboard pays or fails it.
    Pending,
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
    pub const ALL: [(Outcome, &'static str, u64); 7] = [
        (Outcome::Approve, "approve", 0),
        (Outcome::Decline, "decline", 1),
        (Outcome::Limit, "limit", 2),
        (Outcome::Expired, "expired", 3),
        (Outcome::Cancel, "cancel", 4),
        (Outcome::Unreachable, "unreachable", 5),
        (Outcome::Pending, "pending", 6),
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

/// What the sandbox does with a valid §3.5 refund, chosen by the last two digits of
/// `refundAmount` (amounts of at least 100 分) or the `X-Sandbox-Refund` header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefundPlan {
    pub name: &'static str,
    /// §3.6 `refundResult`: 20 accepted; anything else is a failure.
    pub refund_result: &'static str,
    /// The §3.8 states the refund goes through, one every `--refund-step`; the last stays.
    pub states: &'static [&'static str],
    pub cents: u64,
}

/// The §3.6 `refundResult` of a refused refund (§3.6: "申请成功：20 其他为失败").
pub const REFUND_REFUSED: &str = "30";

impl RefundPlan {
    pub const ALL: [RefundPlan; 15] = [
        RefundPlan::new("success", "20", &["TKSUCC0006"], 0),
        RefundPlan::new("refused", REFUND_REFUSED, &["TKSUCC0001"], 21),
        RefundPlan::new("TKSUCC0001", "20", &["TKSUCC0001"], 31),
        RefundPlan::new("TKSUCC0002", "20", &["TKSUCC0002"], 32),
        RefundPlan::new("TKSUCC0003", "20", &["TKSUCC0003"], 33),
        RefundPlan::new("TKSUCC0004", "20", &["TKSUCC0004"], 34),
        RefundPlan::new("TKSUCC0005", "20", &["TKSUCC0005"], 35),
        RefundPlan::new("TKSUCC0006", "20", &["TKSUCC0006"], 36),
        RefundPlan::new("TKSUCC0007", "20", &["TKSUCC0007"], 37),
        RefundPlan::new("TKSUCC0008", "20", &["TKSUCC0008"], 38),
        RefundPlan::new("pending-success", "20", &["TKSUCC0005", "TKSUCC0006"], 41),
        RefundPlan::new(
            "review-success",
            "20",
            &["TKSUCC0002", "TKSUCC0003", "TKSUCC0006"],
            42,
        ),
        RefundPlan::new("pending-failure", "20", &["TKSUCC0005", "TKSUCC0007"], 43),
        RefundPlan::new("review-rejected", "20", &["TKSUCC0002", "TKSUCC0008"], 44),
        RefundPlan::new("reversed", "20", &["TKSUCC0006", "TKSUCC0004"], 45),
    ];

    const fn new(
        name: &'static str,
        refund_result: &'static str,
        states: &'static [&'static str],
        cents: u64,
    ) -> Self {
        Self {
            name,
            refund_result,
            states,
            cents,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name == name)
    }

    /// The plan a refund amount selects.
    pub fn by_amount(amount: u64) -> Self {
        let success = Self::ALL[0];
        if amount < 100 {
            return success;
        }
        Self::ALL
            .into_iter()
            .find(|p| p.cents == amount % 100 && p.cents != 0)
            .unwrap_or(success)
    }
}

/// §3.8 states in which the refund's money is not (or no longer) on its way back to the
/// payer: 未受理, 冲销, 失败, 审核不通过. Refunds in them do not count against the order.
pub fn refund_state_releases(state: &str) -> bool {
    matches!(
        state,
        "TKSUCC0001" | "TKSUCC0004" | "TKSUCC0007" | "TKSUCC0008"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refund_table() {
        // docs/gateway.md, "Refund outcomes".
        assert_eq!(RefundPlan::by_amount(50).name, "success");
        assert_eq!(RefundPlan::by_amount(300).name, "success");
        assert_eq!(RefundPlan::by_amount(121).refund_result, "30");
        for n in 1..=8u64 {
            let p = RefundPlan::by_amount(130 + n);
            assert_eq!(p.states, [format!("TKSUCC000{n}").as_str()]);
        }
        assert_eq!(
            RefundPlan::by_amount(142).states,
            ["TKSUCC0002", "TKSUCC0003", "TKSUCC0006"]
        );
        assert_eq!(RefundPlan::by_amount(145).name, "reversed");
        assert_eq!(RefundPlan::by_amount(146).name, "success");
        assert_eq!(
            RefundPlan::from_name("pending-failure").map(|p| p.cents),
            Some(43)
        );
    }

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
        assert_eq!(by_amount(1006), (Outcome::Pending, None));
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
