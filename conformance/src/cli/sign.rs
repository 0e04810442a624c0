//! `sign MESSAGE`: the MD5 signMsg of fields given as JSON (§5.1), or its sign source.

use allinpay_protocol::any;
use allinpay_protocol::sign::TextForm;
use allinpay_protocol::spec::SignScheme;
use allinpay_protocol::Charset;

use super::{kind, read_json_object, CharsetArg, CliError, KeyArgs};

/// The signed-text forms of §3.4/§3.8/§4.2/§4.4 (ERRATA E-3.8-TEXT).
#[derive(Clone, Copy, clap::ValueEnum)]
enum TextFormArg {
    Literal,
    Terminated,
    BlankLine,
}

impl From<TextFormArg> for TextForm {
    fn from(f: TextFormArg) -> Self {
        match f {
            TextFormArg::Literal => TextForm::Literal,
            TextFormArg::Terminated => TextForm::Terminated,
            TextFormArg::BlankLine => TextForm::BlankLine,
        }
    }
}

#[derive(clap::Args)]
pub struct SignArgs {
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
}

pub fn run(args: SignArgs) -> Result<u8, CliError> {
    let kind = kind(&args.message)?;
    let key = args.key.require("sign")?;
    let fields = read_json_object()?;
    let form = args.text_form.map(TextForm::from);
    let cs = match args.charset {
        Some(c) => c.into(),
        None => Charset::declared_by(
            fields
                .get("inputCharset")
                .and_then(serde_json::Value::as_str),
        ),
    };
    if args.source {
        let src = any::sign_source_fields(kind, &fields, form)?;
        let sep = if kind.def().scheme == SignScheme::GatewayText {
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
