//! `verify MESSAGE`: a received message's signature, MD5 or certificate (§5).

use allinpay_protocol::any;
use allinpay_protocol::codec::{Deviation, Mode};
use allinpay_protocol::sign::Credentials;
use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::SignType;

use super::{kind, mode, read_stdin, CharsetArg, CliError, KeyArgs, ModeArg};

#[derive(clap::Args)]
pub struct VerifyArgs {
    message: String,
    #[command(flatten)]
    key: KeyArgs,
    /// The gateway's certificate (X.509 DER or PEM), for signType 1.
    #[arg(long)]
    cert: Option<std::path::PathBuf>,
    /// The charset to hash in (default: payData's inputCharset, else UTF-8; §5.1 c).
    #[arg(long, value_enum)]
    charset: Option<CharsetArg>,
    /// strict: reject the quirks the spec's own examples show; lenient (default): accept
    /// and note them.
    #[arg(long, value_enum, conflicts_with = "strict")]
    mode: Option<ModeArg>,
    /// Shorthand for --mode strict.
    #[arg(long)]
    strict: bool,
    /// The signType your orders use (0 MD5, 1 certificate): a message claiming another
    /// is invalid, whatever --key/--cert are given (§2.2.3). Default: the message's own.
    #[arg(long, value_parser = SignType::KNOWN.to_vec())]
    sign_type: Option<String>,
}

pub fn run(args: VerifyArgs) -> Result<u8, CliError> {
    let kind = kind(&args.message)?;
    let key = args.key.load()?;
    let cert = args
        .cert
        .as_deref()
        .map(super::files::load_cert)
        .transpose()?;
    if key.is_none() && cert.is_none() {
        return Err(CliError("verify needs --key, --key-file or --cert".into()));
    }
    if kind.def().scheme == SignScheme::Unsigned {
        return Err(CliError(format!(
            "{} is not signed; verify does not apply",
            kind.name()
        )));
    }
    let input = read_stdin()?;
    let mode = mode(args.mode, args.strict, false, Mode::Lenient);
    let received = any::parse(kind, &input, mode)?;
    let creds = Credentials {
        key: key.as_ref(),
        cert: cert.as_ref(),
        expected_sign_type: args
            .sign_type
            .as_deref()
            .and_then(SignType::known)
            .and_then(|t| t.code()),
    };
    let verdict = match args.charset {
        Some(c) => received.verify_form(creds, c.into()).and_then(|text_form| {
            Ok(any::Verified {
                text_form,
                charset: c.into(),
                deviation: received.text_form_deviation(text_form, mode)?,
            })
        }),
        None => received.verify_as_received(creds, mode),
    };
    match verdict {
        Ok(v) => {
            println!("valid");
            if let Some(f) = v.text_form {
                println!("signed text: {} — {}", f.name(), f.describe());
            }
            match v.deviation {
                Some(d @ Deviation::TerminatedSignedText) => {
                    println!("deviation: {d:?} (see ERRATA E-3.8-TEXT)");
                }
                Some(d) => println!(
                    "deviation: {d:?} (hashed in {}; see ERRATA E-CHARSET)",
                    v.charset.name()
                ),
                None => {}
            }
            Ok(0)
        }
        Err(e) => {
            println!("invalid: {e}");
            Ok(1)
        }
    }
}
