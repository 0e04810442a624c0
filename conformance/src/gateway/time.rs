//! Wall-clock time. The gateway's datetimes are `yyyyMMddHHmmss` in China Standard Time
//! (UTC+8), as `Clock::system` reads them.

use allinpay_protocol::check::DateTime;

const CST: i64 = 8 * 3600;

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
    let secs = unix_secs + CST;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}{:02}{:02}{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The Unix time of a `yyyyMMddHHmmss` (UTC+8); `None` if it is not a real datetime.
pub fn parse_cst14(s: &str) -> Option<i64> {
    let epoch = DateTime {
        year: 1970,
        month: 1,
        day: 1,
        hour: 0,
        minute: 0,
        second: 0,
    };
    DateTime::parse14(s).map(|t| t.seconds() - epoch.seconds() - CST)
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
