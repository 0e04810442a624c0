//! Civil date-times of the protocol: `yyyyMMddHHmmss` (§2.1 orderDatetime and every other
//! datetime field), China Standard Time (UTC+8), the injectable [`Clock`] the time-window
//! rules read (§3.1), and the lenient date forms §3.4's examples print.
//!
//! A leaf: it imports nothing of the crate, so that the codecs and the checker can both
//! use it.

/// A civil date-time to the second, read from and written as `yyyyMMddHHmmss` (§2.1
/// orderDatetime: "yyyyMMDDhhmmss"), in China Standard Time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DateTime14 {
    /// Year, four digits.
    pub year: u16,
    /// Month, 1-12.
    pub month: u8,
    /// Day of the month, from 1.
    pub day: u8,
    /// Hour, 0-23.
    pub hour: u8,
    /// Minute, 0-59.
    pub minute: u8,
    /// Second, 0-59.
    pub second: u8,
}

fn days_in_month(year: u16, month: u8) -> u8 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

impl DateTime14 {
    /// Parses `yyyyMMddHHmmss` (exactly 14 digits, a real date and time).
    pub fn parse14(s: &str) -> Option<Self> {
        if s.len() != 14 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n = |a: usize, b: usize| s[a..b].parse::<u16>().ok();
        let dt = DateTime14 {
            year: n(0, 4)?,
            month: n(4, 6)? as u8,
            day: n(6, 8)? as u8,
            hour: n(8, 10)? as u8,
            minute: n(10, 12)? as u8,
            second: n(12, 14)? as u8,
        };
        let ok = (1..=12).contains(&dt.month)
            && dt.day >= 1
            && dt.day <= days_in_month(dt.year, dt.month)
            && dt.hour < 24
            && dt.minute < 60
            && dt.second < 60;
        ok.then_some(dt)
    }

    /// Seconds since 0000-03-01 (a monotone count for differences).
    pub fn seconds(&self) -> i64 {
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let days =
            365 * y + y / 4 - y / 100 + y / 400 + (153 * m + 2) / 5 + i64::from(self.day) - 1;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }
}

/// UTC+8, the zone of every datetime of the protocol.
const CST: i64 = 8 * 3600;

impl DateTime14 {
    /// The China Standard Time (UTC+8) civil time of a Unix time.
    pub fn from_unix_cst(unix_secs: i64) -> Self {
        let secs = unix_secs + CST;
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as u16;
        DateTime14 {
            year,
            month,
            day,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: (rem % 60) as u8,
        }
    }

    /// The Unix time of this civil time read as UTC+8.
    pub fn to_unix_cst(&self) -> i64 {
        const EPOCH: DateTime14 = DateTime14 {
            year: 1970,
            month: 1,
            day: 1,
            hour: 0,
            minute: 0,
            second: 0,
        };
        self.seconds() - EPOCH.seconds() - CST
    }
}

/// `yyyyMMddHHmmss`.
impl std::fmt::Display for DateTime14 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// The clock the time-window rules read (§3.1 queryDatetime, orderDatetime); injectable.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Clock {
    now: DateTime14,
}

impl Clock {
    /// A fixed clock at `yyyyMMddHHmmss`.
    pub fn fixed(now: &str) -> Option<Self> {
        DateTime14::parse14(now).map(|now| Clock { now })
    }

    /// The system clock, in China Standard Time (UTC+8), which the gateway's times use.
    pub fn system() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Clock {
            now: DateTime14::from_unix_cst(secs),
        }
    }

    /// The current time (CST).
    pub fn now(&self) -> DateTime14 {
        self.now
    }
}

/// §3.4's example `201301080000000`: 15 digits, a real date and time in the first 14
/// (accepted in lenient mode only).
pub fn lenient_datetime15(v: &str) -> bool {
    v.len() == 15
        && v.bytes().all(|b| b.is_ascii_digit())
        && DateTime14::parse14(&v[..14]).is_some()
}

/// §3.4's example `2013-01-08`: a dashed date where a 14-digit datetime belongs (accepted
/// in lenient mode only).
pub fn lenient_dashed_date(v: &str) -> bool {
    v.len() == 10
        && v.as_bytes()[4] == b'-'
        && v.as_bytes()[7] == b'-'
        && DateTime14::parse14(&format!("{}{}{}000000", &v[..4], &v[5..7], &v[8..])).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn real_dates_only() {
        assert!(DateTime14::parse14("20240229235959").is_some());
        assert!(DateTime14::parse14("20230229000000").is_none());
        assert!(DateTime14::parse14("20231301000000").is_none());
        assert!(DateTime14::parse14("2023010100000").is_none());
        assert!(DateTime14::parse14("20230101240000").is_none());
    }

    #[test]
    fn system_clock_is_plausible() {
        let now = Clock::system().now();
        assert!(now.year >= 2024 && (1..=12).contains(&now.month));
    }

    #[test]
    fn seconds_difference() {
        let a = DateTime14::parse14("20240229235959").unwrap();
        let b = DateTime14::parse14("20240301000000").unwrap();
        assert_eq!(b.seconds() - a.seconds(), 1);
    }

    #[test]
    fn lenient_forms_of_the_3_4_example() {
        assert!(lenient_datetime15("201301080000000"));
        assert!(!lenient_datetime15("20130108000000"));
        assert!(lenient_dashed_date("2013-01-08"));
        assert!(!lenient_dashed_date("2013-02-30"));
    }
}
