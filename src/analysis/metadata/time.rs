//! Timestamps as Unix seconds: RFC 3339 parsing (the subset PyPI emits, plus its older
//! offset-less `upload_time`), calendar dates for messages, and human-readable ages.
//! Written by hand: it is a page of arithmetic, and a date crate would cost build time.

pub const SECONDS_PER_DAY: i64 = 86_400;

/// Parses an RFC 3339 timestamp into Unix seconds.
///
/// Accepts `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`, a space or lower-case `t`
/// as separator, and no offset at all (PyPI's `upload_time` is UTC without one). The
/// fraction is dropped. A bare date `YYYY-MM-DD` is midnight UTC. Anything else —
/// out-of-range fields, trailing text — is rejected with `None`.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month as u32, day as u32);
    if b.len() == 10 {
        return Some(days * SECONDS_PER_DAY);
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b.len() < 19 || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let hour = digits(&b[11..13])?;
    let minute = digits(&b[14..16])?;
    let second = digits(&b[17..19])?;
    // 60 is a leap second; counted as the next second, as Unix time does.
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(after_dot) = rest.strip_prefix(b".") {
        let n = after_dot.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &after_dot[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), tail @ ..] => {
            let (h, m) = match tail {
                [h1, h2, b':', m1, m2] | [h1, h2, m1, m2] => (digits(&[*h1, *h2])?, digits(&[*m1, *m2])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 3600 + m * 60;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    Some(days * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second - offset)
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut n: i64 = 0;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The calendar date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-11-13` for a Unix time (UTC).
pub fn format_date(unix: i64) -> String {
    let (y, m, d) = civil_from_days(unix.div_euclid(SECONDS_PER_DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-13 08:05 UTC` for a Unix time.
pub fn format_datetime(unix: i64) -> String {
    let secs = unix.rem_euclid(SECONDS_PER_DAY);
    format!("{} {:02}:{:02} UTC", format_date(unix), secs / 3600, (secs % 3600) / 60)
}

/// A duration for messages: "less than an hour", "5 hours", "12 days", "7 months",
/// "3.4 years". Negative durations (a timestamp in the future) read as zero.
pub fn describe_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    let hours = s / 3600;
    let days = s / SECONDS_PER_DAY;
    if hours == 0 {
        "less than an hour".to_string()
    } else if hours < 48 {
        plural(hours, "hour")
    } else if days < 90 {
        plural(days, "day")
    } else if days < 730 {
        plural(days * 12 / 365, "month")
    } else {
        format!("{:.1} years", days as f64 / 365.25)
    }
}

/// "1 day", "2 days".
pub fn plural(n: i64, unit: &str) -> String {
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pypi_timestamps() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2024-05-29T15:37:47.108415Z"), Some(1_716_997_067));
        assert_eq!(parse_rfc3339("2024-05-29T15:37:47"), Some(1_716_997_067));
        assert_eq!(parse_rfc3339("2024-05-29 15:37:47"), Some(1_716_997_067));
        assert_eq!(parse_rfc3339("2024-05-29T17:37:47+02:00"), Some(1_716_997_067));
        assert_eq!(parse_rfc3339("2024-05-29T10:37:47-0500"), Some(1_716_997_067));
        assert_eq!(parse_rfc3339("2024-05-29"), Some(1_716_940_800));
        assert_eq!(parse_rfc3339("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn rejects_malformed_timestamps() {
        for bad in ["", "2024", "2024-13-01", "2023-02-29", "2024-05-29T25:00:00", "2024-05-29T10:00", "2024-05-29T10:00:00.Z", "2024-05-29T10:00:00+2", "2024-05-29T10:00:00Zjunk", "２０２４-05-29", "abcd-ef-gh"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for (y, m, d) in [(1970, 1, 1), (2000, 2, 29), (2011, 2, 14), (2026, 11, 25), (1969, 12, 31), (2100, 3, 1)] {
            let days = days_from_civil(y, m, d);
            assert_eq!(civil_from_days(days), (y, m, d));
        }
        assert_eq!(format_date(1_716_997_067), "2024-05-29");
        assert_eq!(format_datetime(1_716_997_067), "2024-05-29 15:37 UTC");
        assert_eq!(format_date(-1), "1969-12-31");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(describe_duration(-50), "less than an hour");
        assert_eq!(describe_duration(3 * 3600), "3 hours");
        assert_eq!(describe_duration(12 * SECONDS_PER_DAY), "12 days");
        assert_eq!(describe_duration(200 * SECONDS_PER_DAY), "6 months");
        assert_eq!(describe_duration(1000 * SECONDS_PER_DAY), "2.7 years");
    }
}
