//! `probe-merchant`: posts a battery of §2.2.3 notifications to a merchant's `receiveUrl`
//! and judges each answer against what a correct merchant does: accept (2xx) every valid
//! notification, idempotently; reject (non-2xx) every other one.

use std::time::Duration;

use allinpay_protocol::codec::form;
use allinpay_protocol::msgs::PayNotify;
use allinpay_protocol::{GatewaySigner, MerchantKey};

use super::net::{request_blocking, LoopbackUrl, NetError};
use super::signing::{sign_in_place, Keys, TEST_KEY_PEM};
use super::time::{cst14, unix_ms, unix_secs};
use super::GatewayError;

/// Report formats, as `run` offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Text,
    Json,
    Junit,
}

/// `allinpay-conformance probe-merchant`.
#[derive(clap::Args)]
pub struct ProbeArgs {
    /// The merchant's notification endpoint (its receiveUrl); loopback only.
    #[arg(long)]
    pub notify_url: String,
    #[command(flatten)]
    pub key: crate::key_args::KeyArgs,
    /// The merchant's id.
    #[arg(long, default_value = "100020091218001")]
    pub merchant_id: String,
    /// 0: MD5 notifications; 1: certificate-signed with the sandbox's test key
    /// (the merchant verifies with vectors/keys/gateway-rsa1024.pem).
    #[arg(long, default_value = "0", value_parser = ["0", "1"])]
    pub sign_type: String,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ReportFormat,
    /// Per-request timeout.
    #[arg(long, default_value = "5s")]
    pub timeout: String,
}

impl std::fmt::Debug for ProbeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeArgs")
            .field("notify_url", &self.notify_url)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
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

/// The battery's settings.
#[derive(Clone, Debug)]
pub struct Probe {
    pub url: LoopbackUrl,
    pub keys: Keys,
    pub merchant_id: String,
    pub sign_type: String,
    pub timeout: Duration,
}

fn base(p: &Probe, order_no: &str, amount: u64, ret: i64) -> PayNotify {
    let now = unix_secs();
    PayNotify {
        merchant_id: Some(p.merchant_id.clone()),
        version: Some("v1.0".into()),
        language: Some("1".into()),
        sign_type: Some(p.sign_type.clone()),
        pay_type: Some("27".into()),
        issuer_id: None,
        payment_order_id: Some(format!("{}{:04}", cst14(now), amount % 10_000)),
        order_no: Some(order_no.to_owned()),
        order_datetime: Some(cst14(now - 120)),
        order_amount: Some(amount.to_string()),
        pay_datetime: Some(cst14(now - 60)),
        pay_amount: Some(amount.to_string()),
        ext1: None,
        ext2: None,
        pay_result: Some("1".into()),
        error_code: None,
        return_datetime: Some(cst14(ret)),
        sign_msg: None,
    }
}

impl Probe {
    fn signed(&self, mut m: PayNotify) -> Result<String, GatewayError> {
        sign_in_place(&self.keys, &mut m, &self.sign_type)
            .map_err(|e| GatewayError::Usage(e.to_string()))?;
        Ok(form::render(&m))
    }

    /// The cases: (name, description, expected, body).
    pub fn cases(&self) -> Result<Vec<(&'static str, &'static str, Expect, String)>, GatewayError> {
        let run = unix_ms();
        let no = |n: u32| format!("PROBE{run}{n:02}");
        let now = unix_secs();
        let valid = self.signed(base(self, &no(1), 1000, now))?;
        let resend = self.signed(base(self, &no(1), 1000, now + 2))?;
        let tampered = {
            let mut m = base(self, &no(4), 1000, now);
            sign_in_place(&self.keys, &mut m, &self.sign_type)
                .map_err(|e| GatewayError::Usage(e.to_string()))?;
            m.order_amount = Some("1".into());
            m.pay_amount = Some("1".into());
            form::render(&m)
        };
        let wrong_key = {
            let mut m = base(self, &no(5), 1000, now);
            sign_in_place(&self.keys.wrong(), &mut m, &self.sign_type)
                .map_err(|e| GatewayError::Usage(e.to_string()))?;
            form::render(&m)
        };
        let unsigned = form::render(&base(self, &no(6), 1000, now));
        let other_merchant = {
            let mut m = base(self, &no(7), 1000, now);
            // Another merchant's notification, correctly signed with this key.
            let other = if self.merchant_id == "100020091218002" {
                "100020091218003"
            } else {
                "100020091218002"
            };
            m.merchant_id = Some(other.into());
            self.signed(m)?
        };
        let unpaid = {
            let mut m = base(self, &no(8), 1000, now);
            m.pay_result = Some("0".into());
            self.signed(m)?
        };
        use Expect::*;
        Ok(vec![
            (
                "valid",
                "a valid notification of a paid order",
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
        ])
    }

    /// Posts every case. Fails only if the merchant cannot be reached at all.
    pub fn run(&self) -> Result<Report, GatewayError> {
        let mut results = Vec::new();
        for (i, (name, description, expected, body)) in self.cases()?.into_iter().enumerate() {
            let reply = request_blocking(
                &self.url,
                Some((
                    "application/x-www-form-urlencoded;charset=UTF-8",
                    body.as_bytes(),
                )),
                &[],
                self.timeout,
            );
            let (observed, accepted) = match reply {
                Ok(r) => (format!("HTTP {}", r.status), r.is_success()),
                Err(NetError::Connect(addr, e)) if i == 0 => {
                    return Err(GatewayError::Io(format!(
                        "cannot reach the merchant at {addr}: {e}"
                    )))
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
                "{:<16} {:<7} {:<9} {:<8} {}\n",
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
                    "{:<16} {expect:<7} {seen:<9} {verdict:<8} {} ({})\n",
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

/// Runs `probe-merchant`: exit 0 when every verdict is right, 1 otherwise.
pub fn cli_main(args: &ProbeArgs) -> Result<u8, GatewayError> {
    let url = LoopbackUrl::parse(&args.notify_url)?;
    let key: MerchantKey = args
        .key
        .require("probe-merchant")
        .map_err(GatewayError::Usage)?;
    let signer = if args.sign_type == "1" {
        Some(
            GatewaySigner::from_pem(TEST_KEY_PEM)
                .map_err(|e| GatewayError::Usage(e.to_string()))?,
        )
    } else {
        None
    };
    let probe = Probe {
        url,
        keys: Keys { key, signer },
        merchant_id: args.merchant_id.clone(),
        sign_type: args.sign_type.clone(),
        timeout: super::parse_duration(&args.timeout)?,
    };
    let report = probe.run()?;
    print!("{}", render(&report, args.format));
    Ok(u8::from(report.wrong() > 0))
}
