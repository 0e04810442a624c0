//! `parse MESSAGE`: a message's wire form as JSON, fields under their spec names.

use allinpay_protocol::any;
use allinpay_protocol::codec::Mode;

use super::{kind, mode, read_stdin, CliError, ModeArg};

#[derive(clap::Args)]
pub struct ParseArgs {
    message: String,
    /// strict: refuse the quirks the spec's own examples show; lenient (default): accept
    /// and note them.
    #[arg(long, value_enum, conflicts_with = "strict")]
    mode: Option<ModeArg>,
    /// Shorthand for --mode strict.
    #[arg(long)]
    strict: bool,
}

pub fn run(args: ParseArgs) -> Result<u8, CliError> {
    let kind = kind(&args.message)?;
    let mode = mode(args.mode, args.strict, false, Mode::Lenient);
    let input = read_stdin()?;
    let received = any::parse(kind, &input, mode)?;
    println!("{}", serde_json::to_string_pretty(&received.to_json())?);
    Ok(0)
}
