//! `ext1`: the §5.4 international-card digest of fields given as JSON.

use allinpay_protocol::any::{self, AnyMessage};
use allinpay_protocol::{Charset, MessageKind};

use super::{read_json_object, CliError};

pub fn run() -> Result<u8, CliError> {
    let fields = read_json_object()?;
    let msg = any::from_fields(MessageKind::PayRequest, &fields)?;
    let AnyMessage::PayRequest(req) = msg else {
        return Err(CliError("not international-card fields".into()));
    };
    println!(
        "{}",
        allinpay_protocol::ext1::ext1_digest(&req, Charset::Utf8)?
    );
    Ok(0)
}
