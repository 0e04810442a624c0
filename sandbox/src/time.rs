//! Wall-clock time. The gateway's datetimes are `yyyyMMddHHmmss` in China Standard Time
//! (UTC+8), as `Clock::system` reads them.

use allinpay_protocol::check::DateTime;

/// Milliseconds since the Unix epoch.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Seconds since the Unix epoch.
pub fn unix_secs() -> i64 {
    (unix_ms() / 1000) as i64
}

/// `yyyyMMddHHmmss` (UTC+8) of a Unix time.
pub fn cst14(unix_secs: i64) -> String {
    DateTime::from_unix_cst(unix_secs).to_string()
}

/// The Unix time of a `yyyyMMddHHmmss` (UTC+8); `None` if it is not a real datetime.
pub fn parse_cst14(s: &str) -> Option<i64> {
    DateTime::parse14(s).map(|t| t.to_unix_cst())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        // 2014-11-25 14:10:40 CST is 06:10:40Z, Unix 1416895840 (date -d @1416895840 -u).
        assert_eq!(cst14(1_416_895_840), "20141125141040");
        assert_eq!(parse_cst14("20141125141040"), Some(1_416_895_840));
        assert_eq!(cst14(0), "19700101080000");
        assert_eq!(
            parse_cst14("20240229235959").map(cst14).as_deref(),
            Some("20240229235959")
        );
        assert_eq!(parse_cst14("20230229000000"), None);
    }
}
