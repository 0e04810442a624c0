//! `--key KEY | --key-file FILE`: the merchant's MD5 key, for every command that needs it.

use std::path::PathBuf;

use allinpay_protocol::MerchantKey;

use super::files::{read_bounded, MAX_SECRET_FILE};
use super::CliError;

#[derive(Clone, Default, clap::Args)]
pub struct KeyArgs {
    /// The merchant's MD5 key.
    #[arg(long)]
    pub key: Option<String>,
    /// A file holding the MD5 key (keeps it out of the process list).
    #[arg(long, conflicts_with = "key")]
    pub key_file: Option<PathBuf>,
}

/// Never shows the key.
impl std::fmt::Debug for KeyArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyArgs")
            .field("key", &self.key.as_ref().map(|_| "<redacted>"))
            .field("key_file", &self.key_file)
            .finish()
    }
}

impl KeyArgs {
    /// The key, if one was given; a key file's trailing line terminator is dropped. An
    /// empty or all-whitespace key is refused (anyone could forge with it), and a key file
    /// is read only up to [`MAX_SECRET_FILE`] bytes.
    pub fn load(&self) -> Result<Option<MerchantKey>, CliError> {
        if let Some(key) = &self.key {
            return MerchantKey::new(key.as_str())
                .map(Some)
                .map_err(|e| CliError(format!("--key: {e}")));
        }
        let Some(path) = &self.key_file else {
            return Ok(None);
        };
        let bytes = read_bounded(path, MAX_SECRET_FILE)
            .map_err(|e| CliError(format!("key file {}: {e}", path.display())))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| CliError(format!("key file {}: not UTF-8", path.display())))?;
        MerchantKey::new(text.trim_end_matches(['\r', '\n']))
            .map(Some)
            .map_err(|e| CliError(format!("key file {}: {e}", path.display())))
    }

    /// The key, which `command` cannot do without.
    pub fn require(&self, command: &str) -> Result<MerchantKey, CliError> {
        self.load()?
            .ok_or_else(|| CliError(format!("{command} needs --key or --key-file")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_key() {
        let k = KeyArgs {
            key: Some("1234567890".into()),
            key_file: None,
        };
        assert!(!format!("{k:?}").contains("1234567890"));
        assert_eq!(
            k.require("x").map(|k| k.expose().to_owned()).ok(),
            Some("1234567890".into())
        );
        assert_eq!(
            KeyArgs::default().require("sign").err().map(|e| e.0),
            Some("sign needs --key or --key-file".into())
        );
    }
}
