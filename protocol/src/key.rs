//! The merchant's MD5 key (§5.2: "MD5 密钥(key)"), a secret.

use std::fmt;

/// The merchant's MD5 key. Its `Debug` and `Display` never show the value.
#[derive(Clone, PartialEq, Eq)]
pub struct MerchantKey(Box<str>);

impl MerchantKey {
    /// Wraps a key. The spec's test merchant key is `1234567890`.
    pub fn new(key: impl Into<String>) -> Self {
        Self(key.into().into_boxed_str())
    }

    /// The key's bytes, for hashing. Never log them.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key with all but its first and last character masked, for diagnostics.
    pub fn masked(&self) -> String {
        let n = self.0.chars().count();
        // Short keys are masked whole: showing two of three characters is no mask.
        if n <= 4 {
            return "*".repeat(n);
        }
        let first = self.0.chars().next().unwrap_or('*');
        let last = self.0.chars().last().unwrap_or('*');
        format!("{first}{}{last}", "*".repeat(n - 2))
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
        let k = MerchantKey::new("1234567890");
        assert!(!format!("{k:?}").contains("1234567890"));
        assert!(!format!("{k}").contains("1234567890"));
        assert!(!format!("{:?}", Some(&k)).contains("12345"));
        assert_eq!(k.masked(), "1********0");
    }
}
