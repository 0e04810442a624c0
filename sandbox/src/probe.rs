//! `probe-merchant`: posts a battery of §2.2.3 notifications to a merchant's `receiveUrl`
//! and judges each answer against what a correct merchant does: accept (2xx) every valid
//! notification, idempotently; reject (non-2xx) every other one.

use std::time::Duration;

use allinpay_protocol::codec::form;
use allinpay_protocol::msgs::PayNotify;

use crate::error::{OrderRefError, ProbeError};
use crate::net::{request_blocking, LoopbackUrl, NetError};
use crate::signing::{sign_in_place, Keys, SignError};
use crate::time::{cst14, unix_ms, unix_secs};

/// Report formats, as `run` offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Junit,
}

/// What a correct merchant does with a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Accept,
    Reject,
}

/// The verdict on one case.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CaseResult {
    pub name: &'static str,
    pub description: &'static str,
    pub expected: Expect,
    /// HTTP status, or the transport failure.
    pub observed: String,
    pub accepted: bool,
    pub correct: bool,
}

/// The whole battery.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Report {
    pub notify_url: String,
    pub cases: Vec<CaseResult>,
}

impl Report {
    pub fn wrong(&self) -> usize {
        self.cases.iter().filter(|c| !c.correct).count()
    }
}

/// An order of the merchant's, as the probe's notifications name it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderRef {
    pub order_no: String,
    pub amount: u64,
    /// `yyyyMMddHHmmss`.
    pub datetime: String,
}

impl OrderRef {
    /// `NO,AMOUNT,DATETIME`.
    pub fn parse(s: &str) -> Result<Self, OrderRefError> {
        let bad = || OrderRefError::NotTriple { text: s.to_owned() };
        let mut parts = s.split(',');
        let (Some(no), Some(amount), Some(datetime), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        Self::new(no, amount.parse().map_err(|_| bad())?, datetime)
    }

    /// Checks the order number's characters (§2.1) and the datetime.
    pub fn new(order_no: &str, amount: u64, datetime: &str) -> Result<Self, OrderRefError> {
        let ok_no = !order_no.is_empty()
            && order_no.len() <= 50
            && order_no
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !ok_no {
            return Err(OrderRefError::OrderNo {
                order_no: order_no.to_owned(),
            });
        }
        if amount == 0 {
            return Err(OrderRefError::ZeroAmount);
        }
        if crate::time::parse_cst14(datetime).is_none() {
            return Err(OrderRefError::OrderDatetime {
                datetime: datetime.to_owned(),
            });
        }
        Ok(Self {
            order_no: order_no.to_owned(),
            amount,
            datetime: datetime.to_owned(),
        })
    }
}

/// The battery's settings.
#[derive(Clone, Debug)]
pub struct Probe {
    pub url: LoopbackUrl,
    pub keys: Keys,
    pub merchant_id: String,
    pub sign_type: String,
    pub timeout: Duration,
    /// The merchant's order every case uses; `None`: one the probe invents.
    pub order: Option<OrderRef>,
    /// An order the merchant refunded (the `paid-after-refund` case).
    pub refunded: Option<OrderRef>,
}

/// A notification of `order` (paid at `payment_order_id`), returned at `ret`.
fn notice(p: &Probe, order: &OrderRef, payment_order_id: &str, ret: i64) -> PayNotify {
    let paid = crate::time::parse_cst14(&order.datetime).map_or(unix_secs(), |t| t + 60);
    PayNotify {
        merchant_id: Some(p.merchant_id.clone()),
        version: Some("v1.0".into()),
        language: Some("1".into()),
        sign_type: Some(p.sign_type.clone()),
        pay_type: Some("27".into()),
        issuer_id: None,
        payment_order_id: Some(payment_order_id.to_owned()),
        order_no: Some(order.order_no.clone()),
        order_datetime: Some(order.datetime.clone()),
        order_amount: Some(order.amount.to_string()),
        pay_datetime: Some(cst14(paid.min(unix_secs()))),
        pay_amount: Some(order.amount.to_string()),
        ext1: None,
        ext2: None,
        pay_result: Some("1".into()),
        error_code: None,
        return_datetime: Some(cst14(ret)),
        sign_msg: None,
    }
}

impl Probe {
    fn signed(&self, mut m: PayNotify) -> Result<String, SignError> {
        sign_in_place(&self.keys, &mut m, &self.sign_type)?;
        Ok(form::render(&m))
    }

    /// The cases: (name, description, expected, body).
    pub fn cases(&self) -> Result<Vec<(&'static str, &'static str, Expect, String)>, SignError> {
        let run = unix_ms();
        let now = unix_secs();
        let order = match &self.order {
            Some(o) => o.clone(),
            None => OrderRef {
                order_no: format!("PROBE{run}01"),
                amount: 1000,
                datetime: cst14(now - 120),
            },
        };
        let poid = format!("{}{:04}", cst14(now), run % 10_000);
        let mine = |ret: i64| notice(self, &order, &poid, ret);
        let sign = |m: PayNotify| self.signed(m);
        let valid = sign(mine(now))?;
        let resend = sign(mine(now + 2))?;
        let tampered = {
            let mut m = mine(now);
            sign_in_place(&self.keys, &mut m, &self.sign_type)?;
            let other = if order.amount == 1 { 2 } else { 1 };
            m.order_amount = Some(other.to_string());
            m.pay_amount = Some(other.to_string());
            form::render(&m)
        };
        let wrong_key = {
            let mut m = mine(now);
            sign_in_place(&self.keys.wrong(), &mut m, &self.sign_type)?;
            form::render(&m)
        };
        let unsigned = form::render(&mine(now));
        let other_merchant = {
            let mut m = mine(now);
            // Another merchant's notification, correctly signed with this key.
            let other = if self.merchant_id == "100020091218002" {
                "100020091218003"
            } else {
                "100020091218002"
            };
            m.merchant_id = Some(other.into());
            sign(m)?
        };
        let unpaid = {
            let mut m = mine(now);
            m.pay_result = Some("0".into());
            sign(m)?
        };
        // The money-losing ones: correctly signed, about the merchant's own order.
        let less = if order.amount == 1 { 2 } else { 1 };
        let wrong_order_amount = {
            let mut m = mine(now);
            m.order_amount = Some(less.to_string());
            m.pay_amount = Some(less.to_string());
            sign(m)?
        };
        let wrong_pay_amount = {
            let mut m = mine(now);
            m.pay_amount = Some(less.to_string());
            sign(m)?
        };
        let unknown_order = {
            let mut m = mine(now);
            m.order_no = Some(format!("PROBE{run}99"));
            sign(m)?
        };
        let replayed = {
            // An earlier payment of another order that had this number: its own
            // orderDatetime (a day before) and paymentOrderId.
            let t = crate::time::parse_cst14(&order.datetime).unwrap_or(now) - 86_400;
            let mut m = notice(
                self,
                &OrderRef {
                    datetime: cst14(t),
                    ..order.clone()
                },
                &format!("{}{:04}", cst14(t), run % 10_000),
                t + 120,
            );
            m.return_datetime = Some(cst14(t + 120));
            sign(m)?
        };
        use Expect::*;
        let mut cases = vec![
            (
                "valid",
                "a valid notification of the merchant's order",
                Accept,
                valid.clone(),
            ),
            (
                "duplicate",
                "the same notification again, byte for byte (fulfil once)",
                Accept,
                valid,
            ),
            (
                "resend",
                "the same order resent with a new returnDatetime and signMsg (§2.2.1)",
                Accept,
                resend,
            ),
            (
                "tampered-amount",
                "orderAmount/payAmount changed, the original signMsg kept",
                Reject,
                tampered,
            ),
            ("wrong-key", "signed with another key", Reject, wrong_key),
            ("unsigned", "no signMsg", Reject, unsigned),
            (
                "wrong-merchant",
                "another merchantId, correctly signed",
                Reject,
                other_merchant,
            ),
            (
                "pay-result-0",
                "payResult 0 (未付款), correctly signed",
                Reject,
                unpaid,
            ),
            (
                "wrong-order-amount",
                "orderAmount and payAmount differ from the order's, correctly signed",
                Reject,
                wrong_order_amount,
            ),
            (
                "wrong-pay-amount",
                "payAmount below the order's amount, correctly signed",
                Reject,
                wrong_pay_amount,
            ),
            (
                "unknown-order",
                "an orderNo the merchant never issued (another merchant's order), correctly signed",
                Reject,
                unknown_order,
            ),
            (
                "replayed",
                "an old payment of another order with this orderNo (its orderDatetime and paymentOrderId), correctly signed",
                Reject,
                replayed,
            ),
        ];
        if let Some(r) = &self.refunded {
            let again = notice(
                self,
                r,
                &format!("{}{:04}", cst14(now), (run + 1) % 10_000),
                now,
            );
            cases.push((
                "paid-after-refund",
                "payResult 1 with a new paymentOrderId for an order the merchant refunded",
                Reject,
                sign(again)?,
            ));
        }
        Ok(cases)
    }

    /// Posts every case. Fails only if the merchant cannot be reached at all.
    pub fn run(&self) -> Result<Report, ProbeError> {
        let mut results = Vec::new();
        for (i, (name, description, expected, body)) in self.cases()?.into_iter().enumerate() {
            let reply = request_blocking(
                &self.url,
                Some((crate::net::FORM, body.as_bytes())),
                &[],
                self.timeout,
            );
            let (observed, accepted) = match reply {
                Ok(r) => (format!("HTTP {}", r.status), r.is_success()),
                Err(NetError::Connect(addr, source)) if i == 0 => {
                    return Err(ProbeError::Unreachable { addr, source })
                }
                Err(e) => (e.to_string(), false),
            };
            results.push(CaseResult {
                name,
                description,
                expected,
                correct: accepted == (expected == Expect::Accept),
                observed,
                accepted,
            });
        }
        Ok(Report {
            notify_url: format!("http://{}{}", self.url.host, self.url.path),
            cases: results,
        })
    }
}

/// The report in `format`.
pub fn render(report: &Report, format: ReportFormat) -> String {
    match format {
        ReportFormat::Json => serde_json::to_string_pretty(report).unwrap_or_default(),
        ReportFormat::Text => {
            let mut out = format!(
                "{:<18} {:<7} {:<9} {:<8} {}\n",
                "case", "expect", "observed", "verdict", "what"
            );
            for c in &report.cases {
                let verdict = if c.correct { "ok" } else { "WRONG" };
                let seen = if c.accepted { "accepted" } else { "rejected" };
                let expect = match c.expected {
                    Expect::Accept => "accept",
                    Expect::Reject => "reject",
                };
                out.push_str(&format!(
                    "{:<18} {expect:<7} {seen:<9} {verdict:<8} {} ({})\n",
                    c.name, c.description, c.observed
                ));
            }
            let wrong = report.wrong();
            out.push_str(&format!(
                "{} passed, {wrong} failed\n",
                report.cases.len() - wrong
            ));
            out
        }
        ReportFormat::Junit => {
            let esc = |s: &str| {
                s.replace('&', "&amp;")
                    .replace('<', "&lt;")
                    .replace('>', "&gt;")
                    .replace('"', "&quot;")
            };
            let mut out = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n<testsuite name=\"probe-merchant {}\" tests=\"{}\" failures=\"{}\">\n",
                esc(&report.notify_url),
                report.cases.len(),
                report.wrong()
            );
            for c in &report.cases {
                out.push_str(&format!(
                    "  <testcase classname=\"probe-merchant\" name=\"{}\">",
                    esc(c.name)
                ));
                if !c.correct {
                    out.push_str(&format!(
                        "<failure message=\"expected {:?}, merchant {} ({})\">{}</failure>",
                        c.expected,
                        if c.accepted { "accepted" } else { "rejected" },
                        esc(&c.observed),
                        esc(c.description)
                    ));
                }
                out.push_str("</testcase>\n");
            }
            out.push_str("</testsuite>\n</testsuites>\n");
            out
        }
    }
}
