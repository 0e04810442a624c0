//! `diagnose MESSAGE`: names the mistake behind a wrong MD5 signMsg, on the signing side
//! (fields as JSON, `--expected`) or the verifying side (the received wire, `--computed`).

use serde_json::{json, Value};

use allinpay_conformance::diagnose::{
    diagnose, diagnose_wire, diagnosis_json, render, render_report, report_json,
};
use allinpay_protocol::spec::{SignScheme, WireForm};

use super::{json_object, kind, read_stdin_or, write_stdout, CliError, KeyArgs};

/// How the result is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
enum OutputFormat {
    #[default]
    Text,
    Json,
}

/// `allinpay-conformance diagnose MESSAGE --key KEY (--expected SIG < fields.json | [--computed SIG] < wire)`.
#[derive(Debug, clap::Args)]
pub struct DiagnoseArgs {
    /// The message (pay-request, pay-notify, refund-response, refund-query-response, …).
    message: String,
    #[command(flatten)]
    key: KeyArgs,
    /// Signing side (fields as JSON on stdin): the signMsg to explain, what your code
    /// produced and the gateway rejected.
    #[arg(long, value_name = "SIG")]
    expected: Option<String>,
    /// Verifying side (the received wire on stdin): the signature your own verifier
    /// computed for it; diagnose names the mistake that produces it.
    #[arg(long, value_name = "SIG")]
    computed: Option<String>,
    /// The gateway's certificate (X.509 DER or PEM), for signType 1 messages.
    #[arg(long, value_name = "FILE")]
    cert: Option<std::path::PathBuf>,
    /// `text` for people, `json` for tools (the same result).
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

/// Runs the subcommand: 0 the signature is correct (verifying side: the built-in accepts
/// the message and your verifier's output, if given, is right), 1 it is not, `Err`
/// (exit 2) for unusable input.
pub fn run(args: DiagnoseArgs) -> Result<u8, CliError> {
    let kind = kind(&args.message)?;
    if kind.def().scheme == SignScheme::Unsigned {
        return Err(CliError(format!(
            "{} is not signed; diagnose does not apply",
            kind.name()
        )));
    }
    let key = args.key.load()?;
    let cert = args
        .cert
        .as_deref()
        .map(super::files::load_cert)
        .transpose()?;
    let expected = args.expected.as_deref().map(str::trim);
    let computed = args.computed.as_deref().map(str::trim);
    if let Some(s) = expected {
        check_md5("--expected", s)?;
    }
    if let Some(s) = computed {
        check_md5("--computed", s)?;
    }
    let buf =
        read_stdin_or("stdin is empty; give the fields as a JSON object, or the received wire")?;
    let json_wire = kind.def().wire == WireForm::Json;
    let is_json = json_wire || buf.trim_ascii_start().starts_with(b"{");
    if is_json && !(json_wire && expected.is_none() && computed.is_some()) {
        // Signing side: fields and the signature to explain.
        if computed.is_some() && !json_wire {
            return Err(CliError(
                "--computed takes the received wire on stdin, not JSON fields".into(),
            ));
        }
        let fields = json_object(&buf)?;
        let sig = match expected.or(computed) {
            Some(s) => s.to_owned(),
            None => {
                return Err(CliError(
                    "diagnose needs --expected SIG with fields given as JSON (or the received wire on stdin)"
                        .into(),
                ))
            }
        };
        let key = key.ok_or_else(|| CliError("diagnose needs --key or --key-file".into()))?;
        let d = diagnose(kind, &fields, &key, &sig)?;
        let out = match args.format {
            OutputFormat::Text => render(&d, &sig),
            OutputFormat::Json => {
                let mut v = diagnosis_json(&d, &sig);
                if let Value::Object(o) = &mut v {
                    o.insert("side".into(), json!("signing"));
                    o.insert("message".into(), json!(kind.name()));
                }
                format!("{v}\n")
            }
        };
        write_stdout(&out);
        return Ok(u8::from(!d.matches));
    }
    if expected.is_some() {
        return Err(CliError(
            "--expected is for fields given as JSON; for a received wire use --computed SIG (your verifier's output)"
                .into(),
        ));
    }
    if key.is_none() && cert.is_none() {
        return Err(CliError(
            "diagnose needs --key, --key-file or --cert".into(),
        ));
    }
    let r = diagnose_wire(kind, &buf, key.as_ref(), cert.as_ref(), computed)?;
    let out = match args.format {
        OutputFormat::Text => render_report(&r),
        OutputFormat::Json => {
            let mut v = report_json(&r);
            if let Value::Object(o) = &mut v {
                o.insert("message".into(), json!(kind.name()));
            }
            format!("{v}\n")
        }
    };
    write_stdout(&out);
    let computed_ok = r.computed.as_ref().is_none_or(|(_, d)| d.matches);
    Ok(u8::from(!(r.builtin.valid && computed_ok)))
}

fn check_md5(flag: &str, sig: &str) -> Result<(), CliError> {
    if sig.len() != 32 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CliError(format!(
            "{flag} {sig:?} is not an MD5 signMsg (32 hex digits)"
        )));
    }
    Ok(())
}
