//! `traffic FILE…`: captured exchanges (HAR 1.2, directories of raw message files, the
//! line format) judged message by message and exchange by exchange, optionally written
//! out as capture vectors (docs/traffic.md).

use std::path::PathBuf;

use allinpay_conformance::traffic::redact::Redaction;
use allinpay_conformance::traffic::to_vectors::{self, VectorOptions};
use allinpay_conformance::traffic::{judge_inputs, render, Keys, TrafficFormat};

use super::files::{load_cert, read_bounded, MAX_CERT_FILE};
use super::{write_stdout, CliError, KeyArgs};

/// Report formats.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FormatArg {
    Text,
    Json,
    Junit,
    Html,
}

impl From<FormatArg> for TrafficFormat {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Text => TrafficFormat::Text,
            FormatArg::Json => TrafficFormat::Json,
            FormatArg::Junit => TrafficFormat::Junit,
            FormatArg::Html => TrafficFormat::Html,
        }
    }
}

/// `allinpay-conformance traffic FILE… [--key K | --key-file F] [--cert PEM] [--format
/// text|json|junit] [--to-vectors DIR [--redact FIELD,…]]`.
#[derive(Debug, clap::Args)]
pub struct TrafficArgs {
    /// HAR files (DevTools "Save all as HAR", mitmproxy `--set hardump=FILE`), directories
    /// of raw message files, or files of lines `direction message-kind base64-bytes`.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    #[command(flatten)]
    key: KeyArgs,
    /// The gateway's certificate (X.509 DER or PEM), for signType 1 answers.
    #[arg(long, value_name = "PEM")]
    cert: Option<PathBuf>,
    /// Output: a human report, JSON for tools, or JUnit XML.
    #[arg(long, value_enum, default_value = "text")]
    format: FormatArg,
    /// Write every judged message as a capture vector into DIR (one file per message kind).
    #[arg(long, value_name = "DIR")]
    to_vectors: Option<PathBuf>,
    /// Mask these fields' values in the vectors written (comma-separated, repeatable),
    /// e.g. cardNo,ship_to_firstname.
    #[arg(long, value_name = "FIELD,…", requires = "to_vectors")]
    redact: Vec<String>,
}

/// Runs the subcommand: 0 everything judged conforms, 1 something does not (or an entry
/// cannot be read), `Err` (exit 2) for unusable arguments or input.
pub fn run(args: TrafficArgs) -> Result<u8, CliError> {
    let redact = Redaction::new(&args.redact)?;
    let key = args.key.load()?;
    let cert = args.cert.as_deref().map(load_cert).transpose()?;
    let cert_bytes = match (&args.cert, &args.to_vectors) {
        (Some(p), Some(_)) => Some(
            read_bounded(p, MAX_CERT_FILE)
                .map_err(|e| CliError(format!("certificate {}: {e}", p.display())))?,
        ),
        _ => None,
    };
    let keys = Keys {
        key: key.as_ref(),
        cert: cert.as_ref(),
    };
    let report = judge_inputs(&args.files, keys)?;
    if report.entries.is_empty() && report.unrecognised.is_empty() {
        if let Some(first) = report.unreadable.first() {
            let more = match report.unreadable.len() {
                1 => String::new(),
                n => format!(" (and {} more)", n - 1),
            };
            return Err(CliError(format!("nothing could be read: {first}{more}")));
        }
    }
    write_stdout(&render(&report, args.format.into()));
    if let Some(dir) = &args.to_vectors {
        let written = to_vectors::write(
            &report,
            &VectorOptions {
                dir,
                key: key.as_ref(),
                cert: cert_bytes.as_deref(),
                redact: &redact,
            },
        )?;
        for f in &written.files {
            eprintln!("wrote {}", f.display());
        }
        eprintln!(
            "{} vector tests in {} files{}",
            written.tests,
            written.files.len(),
            if key.is_some() {
                " (they hold the MD5 key: keep them private)"
            } else {
                " (no key given: parse and check cases only)"
            }
        );
        for field in redact.fields() {
            match written.redacted.get(field) {
                Some(n) => eprintln!("--redact {field}: masked in {n} messages"),
                None => eprintln!("--redact {field}: no message held a value"),
            }
        }
        for s in &written.skipped {
            eprintln!("not written: {s}");
        }
    }
    Ok(report.exit_code())
}
