//! `check MESSAGE`: every constraint of the spec's tables and prose a message breaks.

use allinpay_protocol::any;
use allinpay_protocol::check::{self, Clock};
use allinpay_protocol::codec::Mode;

use super::{kind, mode, read_stdin, CliError, ModeArg};

#[derive(clap::Args)]
pub struct CheckArgs {
    message: String,
    /// strict (default): every quirk is a violation; lenient: accept the quirks real
    /// gateways show (reported as deviations).
    #[arg(long, value_enum, conflicts_with = "lenient")]
    mode: Option<ModeArg>,
    /// Shorthand for --mode lenient.
    #[arg(long)]
    lenient: bool,
    /// The clock for time windows, yyyyMMddHHmmss (default: now, UTC+8).
    #[arg(long)]
    now: Option<String>,
}

pub fn run(args: CheckArgs) -> Result<u8, CliError> {
    let kind = kind(&args.message)?;
    let clock = match &args.now {
        Some(n) => {
            Clock::fixed(n).ok_or_else(|| CliError(format!("--now {n:?} is not yyyyMMddHHmmss")))?
        }
        None => Clock::system(),
    };
    let mode = mode(args.mode, false, args.lenient, Mode::Strict);
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
