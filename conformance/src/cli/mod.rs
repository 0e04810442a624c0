//! The command line: one file per command, each turning its arguments into calls of the
//! library (`allinpay_conformance`, `allinpay_protocol`, `allinpay_sandbox`).

mod check;
mod diagnose;
mod ext1;
mod files;
mod gateway;
mod key_args;
mod parse;
mod probe;
mod run;
mod sign;
mod traffic;
mod verify;

use std::io::Read as _;

use clap::{Parser, Subcommand, ValueEnum};

use allinpay_protocol::codec::Mode;
use allinpay_protocol::{Charset, MessageKind, MAX_INPUT_LEN};

pub use key_args::KeyArgs;

#[derive(Parser)]
#[command(
    name = "allinpay-conformance",
    version,
    about = "Conformance suite for the Allinpay mobile-payment merchant protocol (spec v2.7)"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read a message's fields as a JSON object on stdin and print its MD5 signMsg.
    Sign(sign::SignArgs),
    /// Read a message's wire form on stdin and verify its signature.
    Verify(verify::VerifyArgs),
    /// Read the international-card fields as JSON and print the §5.4 ext1 digest.
    Ext1,
    /// Run the conformance cases (every vector) against the built-in implementation or
    /// your own through --adapter (docs/adapter.md).
    Run(run::RunArgs),
    /// Explain a wrong MD5 signMsg: the fields as JSON with --expected SIG (signing side),
    /// or the received wire with --computed SIG, your verifier's output (verifying side).
    Diagnose(diagnose::DiagnoseArgs),
    /// Read a message's wire form and list every constraint it breaks.
    Check(check::CheckArgs),
    /// Read a message's wire form and print it as JSON, fields under their spec names.
    Parse(parse::ParseArgs),
    /// Run the offline sandbox gateway on loopback (docs/gateway.md).
    Gateway(gateway::GatewayArgs),
    /// Post a battery of notifications to a merchant's endpoint and judge its answers.
    ProbeMerchant(probe::ProbeArgs),
    /// Judge captured traffic (HAR files, raw message files, log lines): every message,
    /// every exchange, a summary per endpoint (docs/traffic.md).
    Traffic(traffic::TrafficArgs),
}

/// Runs the command: `Ok(exit code)`, or `Err` for exit 2.
pub fn run(cli: Cli) -> Result<u8, CliError> {
    match cli.command {
        Command::Sign(args) => sign::run(args),
        Command::Verify(args) => verify::run(args),
        Command::Ext1 => ext1::run(),
        Command::Run(args) => run::run(args),
        Command::Diagnose(args) => diagnose::run(args),
        Command::Check(args) => check::run(args),
        Command::Parse(args) => parse::run(args),
        Command::Gateway(args) => Ok(gateway::run(&args)?),
        Command::ProbeMerchant(args) => Ok(probe::run(&args)?),
        Command::Traffic(args) => traffic::run(args),
    }
}

/// A one-line failure: exit code 2.
#[derive(Debug)]
pub struct CliError(pub String);

impl<E: std::fmt::Display> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError(e.to_string())
    }
}

/// The charsets a hash can be taken in (§5.1 c, ERRATA E-CHARSET).
#[derive(Clone, Copy, ValueEnum)]
enum CharsetArg {
    #[value(name = "utf-8")]
    Utf8,
    Gbk,
    Gb2312,
}

impl From<CharsetArg> for Charset {
    fn from(c: CharsetArg) -> Self {
        match c {
            CharsetArg::Utf8 => Charset::Utf8,
            CharsetArg::Gbk => Charset::Gbk,
            CharsetArg::Gb2312 => Charset::Gb2312,
        }
    }
}

/// `--mode strict|lenient`: one strictness vocabulary for `verify`, `parse` and `check`
/// (`--strict` and `--lenient` stay as shorthands).
#[derive(Clone, Copy, ValueEnum)]
enum ModeArg {
    Strict,
    Lenient,
}

/// The mode a command runs in: `--mode`, else the shorthand flags, else `default`.
fn mode(arg: Option<ModeArg>, strict: bool, lenient: bool, default: Mode) -> Mode {
    match arg {
        Some(ModeArg::Strict) => Mode::Strict,
        Some(ModeArg::Lenient) => Mode::Lenient,
        None if strict => Mode::Strict,
        None if lenient => Mode::Lenient,
        None => default,
    }
}

fn kind(name: &str) -> Result<MessageKind, CliError> {
    MessageKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = MessageKind::ALL.iter().map(|k| k.name()).collect();
        CliError(format!(
            "unknown message {name:?}; one of {}",
            names.join(", ")
        ))
    })
}

/// Stdin, at most [`MAX_INPUT_LEN`] bytes; `empty` is the message for blank input.
fn read_stdin_or(empty: &str) -> Result<Vec<u8>, CliError> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError(format!("cannot read stdin: {e}")))?;
    if buf.len() > MAX_INPUT_LEN {
        return Err(CliError(format!(
            "stdin is larger than the {MAX_INPUT_LEN}-byte limit"
        )));
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err(CliError(empty.into()));
    }
    Ok(buf)
}

fn read_stdin() -> Result<Vec<u8>, CliError> {
    read_stdin_or("stdin is empty")
}

/// `buf` as a JSON object of fields.
fn json_object(buf: &[u8]) -> Result<serde_json::Map<String, serde_json::Value>, CliError> {
    match serde_json::from_slice(buf) {
        Ok(serde_json::Value::Object(o)) => Ok(o),
        Ok(_) => Err(CliError("stdin must be a JSON object of fields".into())),
        Err(e) => Err(CliError(format!("stdin is not JSON: {e}"))),
    }
}

fn read_json_object() -> Result<serde_json::Map<String, serde_json::Value>, CliError> {
    json_object(&read_stdin()?)
}

/// Writes to stdout; a closed stdout (`| head`) is not an error worth a panic.
fn write_stdout(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
}
