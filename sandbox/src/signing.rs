//! How the sandbox signs what it sends (§5.2, §5.3): MD5 with the merchant key for
//! signType 0, RSA with its own test key for signType 1 (only with `--cert-mode`).

use allinpay_protocol::msgs::Message;
use allinpay_protocol::sign::{md5_sign, text_md5_sign};
use allinpay_protocol::{Charset, GatewaySigner, MerchantKey};

pub use crate::error::SignError;

/// The committed test key and its certificate (`vectors/keys/`, public test data).
pub const TEST_KEY_PEM: &str = include_str!("../../vectors/keys/gateway-rsa1024.key.pem");
pub const TEST_CERT_PEM: &str = include_str!("../../vectors/keys/gateway-rsa1024.pem");
/// A second test key, for the "wrong key" fault in certificate mode.
pub const OTHER_KEY_PEM: &str = include_str!("../../vectors/keys/other-rsa1024.key.pem");

/// The keys of one sandbox.
#[derive(Clone, Debug)]
pub struct Keys {
    pub key: MerchantKey,
    /// `Some` in certificate mode.
    pub signer: Option<GatewaySigner>,
}

impl Keys {
    /// `signMsg` of a `name=value` message (§2.2.3, §3.6).
    pub fn sign_message<M: Message>(&self, msg: &M, sign_type: &str) -> Result<String, SignError> {
        match sign_type {
            "0" => md5_sign(msg, &self.key, Charset::Utf8)
                .map(|h| h.to_string())
                .map_err(SignError::from),
            "1" => self
                .signer
                .as_ref()
                .ok_or(SignError::NoCertMode)?
                .sign_message(msg)
                .map_err(SignError::from),
            _ => Err(SignError::BadSignType),
        }
    }

    /// `signMsg` of a text answer (§3.4, §3.8, §4.2, §4.4): `MD5(text|key)` or RSA over the
    /// hex MD5 of the text.
    pub fn sign_text(&self, text: &[u8], sign_type: &str) -> Result<String, SignError> {
        match sign_type {
            "0" => Ok(text_md5_sign(text, &self.key).to_string()),
            "1" => self
                .signer
                .as_ref()
                .ok_or(SignError::NoCertMode)?
                .sign_text(text)
                .map_err(SignError::from),
            _ => Err(SignError::BadSignType),
        }
    }

    /// Keys that sign like these but with the wrong secrets (the "wrong key" fault).
    pub fn wrong(&self) -> Keys {
        Keys {
            // Never blank: it ends in "-wrong".
            key: MerchantKey::new(format!("{}-wrong", self.key.expose()))
                .unwrap_or_else(|_| self.key.clone()),
            signer: self
                .signer
                .as_ref()
                .and_then(|_| GatewaySigner::from_pem(OTHER_KEY_PEM).ok()),
        }
    }
}

/// Signs `msg` in place (sets `signMsg`).
pub fn sign_in_place<M: Message>(
    keys: &Keys,
    msg: &mut M,
    sign_type: &str,
) -> Result<(), SignError> {
    if let Some(slot) = msg.slot("signMsg") {
        *slot = None;
    }
    let sig = keys.sign_message(msg, sign_type)?;
    if let Some(slot) = msg.slot("signMsg") {
        *slot = Some(sig);
    }
    Ok(())
}
