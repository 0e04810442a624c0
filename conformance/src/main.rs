//! `allinpay-conformance`: sign, verify, check and parse Allinpay messages from the shell,
//! and replay the conformance vectors. Exit codes: 0 ok/valid/conforming, 1 invalid or
//! violations or failures, 2 unreadable input or bad usage (one line on stderr).

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use allinpay_conformance::key_args::KeyArgs;
use allinpay_conformance::{diagnose, runner};
use allinpay_protocol::any;
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::{Charset, GatewayCert, MessageKind, MAX_INPUT_LEN};

#[derive(Parser)]
#[command(
    name = "allinpay-conformance",
    version,
    about = "Conformance suite for the Allinpay mobile-payment merchant protocol (spec v2.7)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum CharsetArg {
    #[value(name = "utf-8")]
    Utf8,
    Gbk,
    Gb2312,
}

/// The signed-text forms of §3.4/§3.8/§4.2/§4.4 (ERRATA E-3.8-TEXT).
#[derive(Clone, Copy, ValueEnum)]
enum TextFormArg {
    Literal,
    Terminated,
    BlankLine,
}

impl TextFormArg {
    fn form(self) -> TextForm {
        match self {
            TextFormArg::Literal => TextForm::Literal,
            TextFormArg::Terminated => TextForm::Terminated,
            TextFormArg::BlankLine => TextForm::BlankLine,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Read a message's fields as a JSON object on stdin and print its MD5 signMsg.
    Sign {
        message: String,
        #[command(flatten)]
        key: KeyArgs,
        /// The charset to hash in (default: payData's inputCharset, else UTF-8; §5.1 c).
        #[arg(long, value_enum)]
        charset: Option<CharsetArg>,
        /// Texts: which signed-text form to sign (default: literal; §3.4 blank-line).
        #[arg(long, value_enum)]
        text_form: Option<TextFormArg>,
        /// Print the sign source (key masked) instead of the signature.
        #[arg(long)]
        source: bool,
    },
    /// Read a message's wire form on stdin and verify its signature.
    Verify {
        message: String,
        #[command(flatten)]
        key: KeyArgs,
        /// The gateway's certificate (X.509 DER or PEM), for signType 1.
        #[arg(long)]
        cert: Option<std::path::PathBuf>,
        /// The charset to hash in (default: payData's inputCharset, else UTF-8; §5.1 c).
        #[arg(long, value_enum)]
        charset: Option<CharsetArg>,
        /// Reject the quirks the spec's own examples show (default: accept and note them).
        #[arg(long)]
        strict: bool,
        /// The signType your orders use (0 MD5, 1 certificate): a message claiming another
        /// is invalid, whatever --key/--cert are given (§2.2.3). Default: the message's own.
        #[arg(long, value_parser = ["0", "1"])]
        sign_type: Option<String>,
    },
    /// Read the international-card fields as JSON and print the §5.4 ext1 digest.
    Ext1,
    /// Run the conformance cases (every vector) against the built-in implementation or
    /// your own through --adapter (docs/adapter.md).
    Run(runner::RunArgs),
    /// Explain a wrong MD5 signMsg: the fields as JSON with --expected SIG (signing side),
    /// or the received wire with --computed SIG, your verifier's output (verifying side).
    Diagnose(diagnose::DiagnoseArgs),
    /// Read a message's wire form and list every constraint it breaks.
    Check {
        message: String,
        /// Accept the quirks real gateways show (reported as deviations).
        #[arg(long)]
        lenient: bool,
        /// The clock for time windows, yyyyMMddHHmmss (default: now, UTC+8).
        #[arg(long)]
        now: Option<String>,
    },
    /// Read a message's wire form and print it as JSON, fields under their spec names.
    Parse {
        message: String,
        #[arg(long)]
        strict: bool,
    },
    /// Run the offline sandbox gateway on loopback (docs/gateway.md).
    Gateway(allinpay_conformance::gateway::GatewayArgs),
    /// Post a battery of notifications to a merchant's endpoint and judge its answers.
    ProbeMerchant(allinpay_conformance::gateway::probe::ProbeArgs),
}

/// A one-line failure with exit code 2.
struct Unreadable(String);

impl<E: std::fmt::Display> From<E> for Unreadable {
    fn from(e: E) -> Self {
        Unreadable(e.to_string())
    }
}

fn kind(name: &str) -> Result<MessageKind, Unreadable> {
    MessageKind::from_name(name).ok_or_else(|| {
        let names: Vec<_> = MessageKind::ALL.iter().map(|k| k.name()).collect();
        Unreadable(format!(
            "unknown message {name:?}; one of {}",
            names.join(", ")
        ))
    })
}

fn charset(c: CharsetArg) -> Charset {
    match c {
        CharsetArg::Utf8 => Charset::Utf8,
        CharsetArg::Gbk => Charset::Gbk,
        CharsetArg::Gb2312 => Charset::Gb2312,
    }
}

fn read_stdin() -> Result<Vec<u8>, Unreadable> {
    let mut buf = Vec::new();
    std::io::stdin()
        .take(MAX_INPUT_LEN as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| Unreadable(format!("cannot read stdin: {e}")))?;
    if buf.len() > MAX_INPUT_LEN {
        return Err(Unreadable(format!(
            "stdin is larger than the {MAX_INPUT_LEN}-byte limit"
        )));
    }
    if buf.iter().all(u8::is_ascii_whitespace) {
        return Err(Unreadable("stdin is empty".into()));
    }
    Ok(buf)
}

fn read_json_object() -> Result<serde_json::Map<String, serde_json::Value>, Unreadable> {
    let buf = read_stdin()?;
    match serde_json::from_slice(&buf) {
        Ok(serde_json::Value::Object(o)) => Ok(o),
        Ok(_) => Err(Unreadable("stdin must be a JSON object of fields".into())),
        Err(e) => Err(Unreadable(format!("stdin is not JSON: {e}"))),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            if matches!(
                e.kind(),
                ErrorKind::DisplayHelp
                    | ErrorKind::DisplayVersion
                    | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                return ExitCode::SUCCESS;
            }
            let text = e.to_string();
            let line = text
                .lines()
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ");
            eprintln!("error: {line} (see --help)");
            return ExitCode::from(2);
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Unreadable(msg)) => {
            eprintln!("error: {}", msg.replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<u8, Unreadable> {
    match cli.command {
        Command::Sign {
            message,
            key,
            charset: cs,
            text_form,
            source,
        } => {
            let kind = kind(&message)?;
            let key = key.require("sign")?;
            let fields = read_json_object()?;
            let form = text_form.map(TextFormArg::form);
            let cs = match cs {
                Some(c) => charset(c),
                None => Charset::declared_by(
                    fields
                        .get("inputCharset")
                        .and_then(serde_json::Value::as_str),
                ),
            };
            if source {
                let src = any::sign_source_fields(kind, &fields, form)?;
                let sep = if kind.def().scheme == allinpay_protocol::spec::SignScheme::GatewayText {
                    "|"
                } else {
                    "&key="
                };
                println!("{src}{sep}{}", key.masked());
            } else {
                println!("{}", any::md5_sign_fields(kind, &fields, &key, cs, form)?);
            }
            Ok(0)
        }
        Command::Verify {
            message,
            key,
            cert,
            charset: cs,
            strict,
            sign_type,
        } => {
            let kind = kind(&message)?;
            let key = key.load()?;
            let cert = match cert {
                Some(path) => {
                    let bytes = allinpay_conformance::read_bounded(
                        &path,
                        allinpay_conformance::MAX_CERT_FILE,
                    )
                    .map_err(|e| Unreadable(format!("certificate {}: {e}", path.display())))?;
                    Some(
                        GatewayCert::from_bytes(&bytes)
                            .map_err(|e| Unreadable(format!("{}: {e}", path.display())))?,
                    )
                }
                None => None,
            };
            if key.is_none() && cert.is_none() {
                return Err(Unreadable(
                    "verify needs --key, --key-file or --cert".into(),
                ));
            }
            if kind.def().scheme == allinpay_protocol::spec::SignScheme::Unsigned {
                return Err(Unreadable(format!(
                    "{} is not signed; verify does not apply",
                    kind.name()
                )));
            }
            let input = read_stdin()?;
            let mode = if strict { Mode::Strict } else { Mode::Lenient };
            let received = any::parse(kind, &input, mode)?;
            let creds = Credentials {
                key: key.as_ref(),
                cert: cert.as_ref(),
                expected_sign_type: sign_type.as_deref().map(|t| u8::from(t == "1")),
            };
            let verdict = match cs {
                Some(c) => received
                    .verify_form(creds, charset(c))
                    .map(|text_form| any::Verified {
                        text_form,
                        charset: charset(c),
                        deviation: None,
                    }),
                None => received.verify_as_received(creds, mode),
            };
            match verdict {
                Ok(v) => {
                    println!("valid");
                    if let Some(f) = v.text_form {
                        println!("signed text: {} — {}", f.name(), f.describe());
                    }
                    if let Some(d) = v.deviation {
                        println!(
                            "deviation: {d:?} (hashed in {}; see ERRATA E-CHARSET)",
                            v.charset.name()
                        );
                    }
                    Ok(0)
                }
                Err(e) => {
                    println!("invalid: {e}");
                    Ok(1)
                }
            }
        }
        Command::Ext1 => {
            let fields = read_json_object()?;
            let msg = any::from_fields(MessageKind::PayRequest, &fields)?;
            let any::AnyMessage::PayRequest(req) = msg else {
                return Err(Unreadable("not international-card fields".into()));
            };
            println!(
                "{}",
                allinpay_protocol::ext1::ext1_digest(&req, Charset::Utf8)?
            );
            Ok(0)
        }
        Command::Run(args) => runner::cli(args).map_err(Unreadable),
        Command::Diagnose(args) => diagnose::cli(args).map_err(Unreadable),
        Command::Check {
            message,
            lenient,
            now,
        } => {
            let kind = kind(&message)?;
            let clock = match now {
                Some(n) => Clock::fixed(&n)
                    .ok_or_else(|| Unreadable(format!("--now {n:?} is not yyyyMMddHHmmss")))?,
                None => Clock::system(),
            };
            let mode = if lenient { Mode::Lenient } else { Mode::Strict };
            let input = read_stdin()?;
            let received = any::parse(kind, &input, mode)?;
            let violations = check::check(&received, &clock, mode);
            for d in &received.deviations {
                println!("deviation: {d:?} (accepted in lenient mode)");
            }
            for v in &violations {
                println!("{v}");
            }
            Ok(u8::from(!violations.is_empty()))
        }
        Command::Parse { message, strict } => {
            let kind = kind(&message)?;
            let mode = if strict { Mode::Strict } else { Mode::Lenient };
            let input = read_stdin()?;
            let received = any::parse(kind, &input, mode)?;
            println!("{}", serde_json::to_string_pretty(&received.to_json())?);
            Ok(0)
        }
        Command::Gateway(args) => Ok(allinpay_conformance::gateway::cli_main(&args)?),
        Command::ProbeMerchant(args) => Ok(allinpay_conformance::gateway::probe::cli_main(&args)?),
    }
}
