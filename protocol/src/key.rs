//! The merchant's MD5 key (§5.2: "MD5 密钥(key)"), a secret.

use std::fmt;

/// The merchant's MD5 key. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantKey(Box<str>);

/// Why a key is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// With an empty key, `MD5(source + "&key=")` verifies: anyone could forge it.
    #[error("the MD5 key is empty or only whitespace; with it anyone could forge a signature")]
    Blank,
}

impl MerchantKey {
    /// Wraps a key; an empty or all-whitespace key is refused. The spec's test merchant
    /// key is `1234567890`.
    pub fn new(key: impl Into<String>) -> Result<Self, KeyError> {
        let key = key.into();
        if key.trim().is_empty() {
            return Err(KeyError::Blank);
        }
        Ok(Self(key.into_boxed_str()))
    }

    /// The key's bytes, for hashing. Never log them.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What diagnostics print in the key's place: nothing of it, not even its length.
    pub fn masked(&self) -> &'static str {
        "<key>"
    }
}

impl fmt::Debug for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MerchantKey(<redacted>)")
    }
}

impl fmt::Display for MerchantKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_never_show_the_key() {
        let k = MerchantKey::new("1234567890").unwrap();
        assert!(!format!("{k:?}").contains("1234567890"));
        assert!(!format!("{k}").contains("1234567890"));
        assert!(!format!("{:?}", Some(&k)).contains("12345"));
        // Nothing of the key: no character, no length.
        assert_eq!(k.masked(), "<key>");
        assert_eq!(MerchantKey::new("abcde").unwrap().masked(), "<key>");
    }

    #[test]
    fn blank_keys_are_refused() {
        for k in ["", " ", "\n", "\r\n", "\t \n"] {
            assert_eq!(MerchantKey::new(k), Err(KeyError::Blank), "{k:?}");
        }
        assert!(MerchantKey::new(" k ").is_ok());
    }
}
