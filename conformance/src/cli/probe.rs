//! `probe-merchant`: a battery of §2.2.3 notifications against a merchant's `receiveUrl`.

use allinpay_protocol::{GatewaySigner, MerchantKey};
use allinpay_sandbox::net::LoopbackUrl;
use allinpay_sandbox::parse_duration;
use allinpay_sandbox::probe::{render, Expect, OrderRef, Probe, Report, ReportFormat};
use allinpay_sandbox::signing::{Keys, TEST_KEY_PEM};

use allinpay_conformance::fuzz::{self, merchant};

use super::{write_stdout, CliError, KeyArgs};

/// Report formats, as `run` offers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Junit,
    Html,
}

/// `allinpay-conformance probe-merchant`.
#[derive(clap::Args)]
pub struct ProbeArgs {
    /// The merchant's notification endpoint (its receiveUrl); loopback only.
    #[arg(long)]
    notify_url: String,
    #[command(flatten)]
    key: KeyArgs,
    /// The merchant's id.
    #[arg(long, default_value = "100020091218001")]
    merchant_id: String,
    /// 0: MD5 notifications; 1: certificate-signed with the sandbox's test key
    /// (the merchant verifies with vectors/keys/gateway-rsa1024.pem).
    #[arg(long, default_value = "0", value_parser = ["0", "1"])]
    sign_type: String,
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Per-request timeout.
    #[arg(long, default_value = "5s")]
    timeout: String,
    /// An order the merchant has and has not refunded: every case uses it, so a merchant
    /// that refuses unknown orders (as it should) is judged fairly. With
    /// --order-amount and --order-datetime; without them the probe invents one.
    #[arg(long, requires = "order_amount", requires = "order_datetime")]
    order_no: Option<String>,
    /// The order's orderAmount (分).
    #[arg(long, requires = "order_no")]
    order_amount: Option<u64>,
    /// The order's orderDatetime (yyyyMMddHHmmss).
    #[arg(long, requires = "order_no")]
    order_datetime: Option<String>,
    /// NO,AMOUNT,DATETIME of an order the merchant has refunded: adds the case of a
    /// payment notified for it.
    #[arg(long)]
    refunded_order: Option<String>,
    /// Fuzz the endpoint instead (docs/gateway.md, "Fuzzing the merchant's endpoint"):
    /// mutated notifications of the order (--order-no …) for DURATION (`30s`, `5m`) or N
    /// inputs; a 2xx to one the built-in rejects is critical, a 5xx, reset or timeout a
    /// robustness finding; findings are shrunk and printed with a `curl` line. Exit 1 on a
    /// finding.
    #[arg(long, value_name = "DURATION|N")]
    fuzz: Option<String>,
    /// The seed of a fuzz run (default: from the clock, printed in the report).
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Requests per second at most, shrinking included (1 to 1000; default 50).
    #[arg(long, value_name = "N")]
    rate: Option<u32>,
    /// Connections open at once at most (1 to 8; default 2).
    #[arg(long, value_name = "N")]
    connections: Option<usize>,
}

impl std::fmt::Debug for ProbeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProbeArgs")
            .field("notify_url", &self.notify_url)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Runs `probe-merchant`: exit 0 when every verdict is right, 1 otherwise.
pub fn run(args: &ProbeArgs) -> Result<u8, CliError> {
    let url = LoopbackUrl::parse(&args.notify_url)?;
    let key: MerchantKey = args.key.require("probe-merchant")?;
    let signer = if args.sign_type == "1" {
        Some(GatewaySigner::from_pem(TEST_KEY_PEM)?)
    } else {
        None
    };
    let order = match (&args.order_no, args.order_amount, &args.order_datetime) {
        (Some(no), Some(amount), Some(dt)) => Some(OrderRef::new(no, amount, dt)?),
        _ => None,
    };
    let refunded = args
        .refunded_order
        .as_deref()
        .map(OrderRef::parse)
        .transpose()?;
    let probe = Probe {
        url,
        keys: Keys { key, signer },
        merchant_id: args.merchant_id.clone(),
        sign_type: args.sign_type.clone(),
        timeout: parse_duration(&args.timeout)?,
        order,
        refunded,
    };
    if let Some(budget) = &args.fuzz {
        return fuzz(args, &probe, budget);
    }
    if args.seed.is_some() || args.rate.is_some() || args.connections.is_some() {
        return Err(CliError(
            "--seed, --rate and --connections apply only to --fuzz".into(),
        ));
    }
    let report = probe.run()?;
    let format = match args.format {
        FormatArg::Text => ReportFormat::Text,
        FormatArg::Json => ReportFormat::Json,
        FormatArg::Junit => ReportFormat::Junit,
        FormatArg::Html => {
            print!("{}", html(&report));
            return Ok(u8::from(report.wrong() > 0));
        }
    };
    print!("{}", render(&report, format));
    Ok(u8::from(report.wrong() > 0))
}

/// `probe-merchant --fuzz DURATION|N`: the findings and the summary on stdout, the
/// progress line on stderr.
fn fuzz(args: &ProbeArgs, probe: &Probe, budget: &str) -> Result<u8, CliError> {
    let Some(budget) = fuzz::Budget::parse(budget) else {
        return Err(CliError(format!(
            "--fuzz {budget:?} must be a duration (30s, 5m, 1h, 500ms) or a number of inputs (1 to {})",
            fuzz::MAX_INPUTS
        )));
    };
    let Some(order) = probe.order.clone() else {
        return Err(CliError(
            "--fuzz needs the merchant's own order: --order-no, --order-amount and --order-datetime"
                .into(),
        ));
    };
    if probe.timeout.is_zero() || probe.timeout > std::time::Duration::from_secs(600) {
        return Err(CliError(format!(
            "--timeout {} must be above 0 and at most 10m",
            args.timeout
        )));
    }
    let rate = args.rate.unwrap_or(merchant::DEFAULT_RATE);
    if !(1..=merchant::MAX_RATE).contains(&rate) {
        return Err(CliError(format!(
            "--rate {rate} must be 1 to {} requests per second",
            merchant::MAX_RATE
        )));
    }
    let connections = args.connections.unwrap_or(merchant::DEFAULT_CONNECTIONS);
    if !(1..=merchant::MAX_CONNECTIONS).contains(&connections) {
        return Err(CliError(format!(
            "--connections {connections} must be 1 to {}",
            merchant::MAX_CONNECTIONS
        )));
    }
    if args.refunded_order.is_some() {
        return Err(CliError("--refunded-order does not apply to --fuzz".into()));
    }
    let json = match args.format {
        FormatArg::Text => false,
        FormatArg::Json => true,
        FormatArg::Junit | FormatArg::Html => {
            return Err(CliError(
                "--format: a fuzz run's report is text or json".into(),
            ))
        }
    };
    let target = merchant::Target {
        url: probe.url.clone(),
        keys: probe.keys.clone(),
        merchant_id: probe.merchant_id.clone(),
        sign_type: probe.sign_type.clone(),
        order,
        timeout: probe.timeout,
    };
    let opts = merchant::MerchantFuzzOptions {
        budget,
        seed: args.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() ^ u64::from(d.subsec_nanos()))
        }),
        rate,
        connections,
        progress: true,
    };
    let builtin = merchant::Builtin::new(&target)?;
    let seeds = merchant::notify_seeds(&target)?;
    let summary = merchant::run(&target, &builtin, &opts, &seeds)?;
    if json {
        write_stdout(&format!("{:#}\n", summary.json(&target, &opts)));
    } else {
        write_stdout(&summary.render(&target, &opts));
    }
    Ok(u8::from(summary.failed()))
}

/// The probe's verdicts as a page in the look of `run --format html`: every case with
/// what a correct merchant does and what this one did. Everything shown is escaped (the
/// URL and the merchant's answers come from outside).
fn html(report: &Report) -> String {
    use std::fmt::Write as _;

    use allinpay_conformance::report::{html_escape as esc, html_page};
    let wrong = report.wrong();
    let mut o = format!(
        "<p id=\"totals\" class=\"tot\">merchant <code>{}</code>: <span class=\"pass\">{} right</span>, <span class=\"{}\">{} wrong</span></p><section id=\"cases\"><table><tr><th>case</th><th>what it sends</th><th>a correct merchant</th><th>this merchant</th><th>verdict</th></tr>",
        esc(&report.notify_url),
        report.cases.len() - wrong,
        if wrong > 0 { "fail" } else { "pass" },
        wrong
    );
    for c in &report.cases {
        let expected = match c.expected {
            Expect::Accept => "accepts (2xx)",
            Expect::Reject => "rejects (not 2xx)",
        };
        let _ = write!(
            o,
            "<tr class=\"{}\"><td><code>{}</code></td><td>{}</td><td>{expected}</td><td>{} ({})</td><td class=\"{}\">{}</td></tr>",
            if c.correct { "pass" } else { "fail" },
            esc(c.name),
            esc(c.description),
            if c.accepted { "accepted" } else { "rejected" },
            esc(&c.observed),
            if c.correct { "pass" } else { "fail" },
            if c.correct { "right" } else { "WRONG" },
        );
    }
    o.push_str("</table></section>");
    html_page("allinpay-conformance probe-merchant", &o)
}
