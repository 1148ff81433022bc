//! QDate, QTime and QDateTime as text: ISO 8601 forms (`2024-01-02`, `12:34:56.789`,
//! `2024-01-02T12:00:00Z`, `…+01:00`, `…[Europe/Berlin]`).
//!
//! Hand-written on purpose: a QDate is a Julian day number covering every year of an `i32`
//! (-2147483648-01-01 to 2147483647-12-31, [`QDate::MIN_JULIAN_DAY`]..=[`QDate::MAX_JULIAN_DAY`]),
//! while the date crates stop far earlier (`time`: ±9999, or ±999999 with `large-dates`; `chrono`:
//! ±262143; `jiff`: ±9999), and each would add several crates and seconds of build time to the
//! library for the few lines of syntax below; the calendar arithmetic is [`QDate::from_ymd`] /
//! [`QDate::ymd`] either way. Julian days outside Qt's range (a peer may send any) print as
//! `jd:N`, which reads back.

use crate::core::{QDate, QDateTime, QTime, TimeSpec};

/// Decimal digits only (no sign, no blanks), as a number.
fn digits(s: &str) -> Option<u64> {
    if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

pub(super) fn date_text(d: QDate) -> String {
    if d.is_null() {
        return "null".into();
    }
    match d.ymd() {
        None => format!("jd:{}", d.julian_day),
        Some((y, m, day)) if (0..=9999).contains(&y) => format!("{y:04}-{m:02}-{day:02}"),
        Some((y, m, day)) => format!("{y}-{m:02}-{day:02}"),
    }
}

/// `YYYY-MM-DD` (any number of year digits, `-` for years BC: `-44-03-15`), `jd:N`, or `null`
/// (what the null date prints as, so `date:null` reads back).
pub(super) fn parse_date(s: &str) -> Result<QDate, String> {
    if s == "null" {
        return Ok(QDate::NULL);
    }
    if let Some(jd) = s.strip_prefix("jd:") {
        let julian_day = jd.parse::<i64>().map_err(|_| format!("expected a Julian day number after jd:, got {s:?}"))?;
        return Ok(QDate { julian_day });
    }
    let bad = || format!("expected a date YYYY-MM-DD, got {s:?}");
    let (neg, body) = match s.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let mut parts = body.split('-').map(digits);
    let (Some(Some(y)), Some(Some(m)), Some(Some(d)), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad());
    };
    let year = i32::try_from(if neg { -(y as i128) } else { y as i128 })
        .map_err(|_| format!("the year of {s:?} is outside QDate's range"))?;
    if year == 0 {
        return Err(format!("there is no year 0 (1 BC is -1), got {s:?}"));
    }
    let (Ok(month), Ok(day)) = (u32::try_from(m), u32::try_from(d)) else { return Err(bad()) };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let date = QDate::from_ymd(year, month, day);
    // A day past the end of its month (2023-02-29) would become another date.
    if date.ymd() != Some((year, month, day)) {
        return Err(format!("{s:?} is not a date: the month has fewer days"));
    }
    Ok(date)
}

pub(super) fn time_text(t: QTime) -> String {
    if t.is_null() {
        return "null".into();
    }
    let ms = t.msecs;
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    if f == 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{h:02}:{m:02}:{s:02}.{f:03}")
    }
}

/// `HH:MM[:SS[.mmm]]` (1 to 3 digits of fraction), or `null`.
pub(super) fn parse_time(s: &str) -> Result<QTime, String> {
    if s == "null" {
        return Ok(QTime::NULL);
    }
    let bad = || format!("expected a time HH:MM[:SS[.mmm]], got {s:?}");
    let (hms, frac) = match s.split_once('.') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let parts: Vec<Option<u64>> = hms.split(':').map(digits).collect();
    let (h, m, sec) = match parts.as_slice() {
        [Some(h), Some(m)] => (*h, *m, 0),
        [Some(h), Some(m), Some(x)] => (*h, *m, *x),
        _ => return Err(bad()),
    };
    let ms = match frac {
        None => 0,
        Some(f) if f.len() <= 3 => digits(f).ok_or_else(bad)? * 10u64.pow(3 - f.len() as u32),
        Some(_) => return Err(bad()),
    };
    if h > 23 || m > 59 || sec > 59 {
        return Err(bad());
    }
    Ok(QTime::from_hms_ms(h as u32, m as u32, sec as u32, ms as u32))
}

fn offset_text(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.unsigned_abs();
    if a.is_multiple_of(60) {
        format!("{sign}{:02}:{:02}", a / 3600, a / 60 % 60)
    } else {
        format!("{sign}{:02}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
    }
}

/// `HH:MM[:SS]` after the sign of a UTC offset, in seconds.
fn parse_offset(s: &str, full: &str) -> Result<i64, String> {
    let bad = || format!("bad UTC offset in {full:?}");
    let parts: Vec<Option<u64>> = s.split(':').map(digits).collect();
    let (h, m, x) = match parts.as_slice() {
        [Some(h), Some(m)] => (*h, *m, 0),
        [Some(h), Some(m), Some(x)] => (*h, *m, *x),
        _ => return Err(bad()),
    };
    if m > 59 || x > 59 {
        return Err(bad());
    }
    i64::try_from(h).ok().and_then(|h| h.checked_mul(3600)).map(|h| h + (m * 60 + x) as i64).ok_or_else(bad)
}

pub(super) fn datetime_text(dt: &QDateTime) -> String {
    if dt.date.is_null() && dt.time.is_null() {
        return "null".into();
    }
    let base = format!("{}T{}", date_text(dt.date), time_text(dt.time));
    match &dt.spec {
        TimeSpec::LocalTime => base,
        TimeSpec::Utc => format!("{base}Z"),
        TimeSpec::OffsetFromUtc(s) => format!("{base}{}", offset_text(*s)),
        TimeSpec::TimeZone(id) => format!("{base}[{id}]"),
        TimeSpec::UtcOffsetZone(z) => format!("{base}{}", offset_text(z.offset_seconds)),
    }
}

/// A date, `T` (or a blank), a time, then `Z` (UTC), `±HH:MM[:SS]` (offset), `[Zone/Id]` (time
/// zone) or nothing (local time); or `null`.
pub(super) fn parse_datetime(s: &str) -> Result<QDateTime, String> {
    if s == "null" {
        return Ok(QDateTime::null());
    }
    let (date, rest) = s
        .split_once(['T', ' '])
        .ok_or_else(|| format!("expected YYYY-MM-DDTHH:MM:SS[.mmm][Z|±HH:MM|[Zone]], got {s:?}"))?;
    let date = parse_date(date)?;
    let (time, spec) = if let Some(t) = rest.strip_suffix('Z') {
        (t, TimeSpec::Utc)
    } else if let Some(open) = rest.find('[') {
        let id = rest[open + 1..].strip_suffix(']').ok_or_else(|| format!("unterminated time zone in {s:?}"))?;
        (&rest[..open], TimeSpec::TimeZone(id.to_owned()))
    } else if let Some(pos) = rest.rfind(['+', '-']) {
        let secs = parse_offset(&rest[pos + 1..], s)?;
        let secs = if rest.as_bytes()[pos] == b'-' { -secs } else { secs };
        let secs = i32::try_from(secs).map_err(|_| format!("bad UTC offset in {s:?}"))?;
        (&rest[..pos], TimeSpec::OffsetFromUtc(secs))
    } else {
        (rest, TimeSpec::LocalTime)
    };
    Ok(QDateTime { date, time: parse_time(time)?, spec })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> QDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn dates_read_and_print() {
        for (text, ymd) in [
            ("2024-01-02", (2024, 1, 2)),
            ("0001-01-01", (1, 1, 1)),
            ("9999-12-31", (9999, 12, 31)),
            ("-1-12-31", (-1, 12, 31)),
            ("-44-03-15", (-44, 3, 15)),
            ("12345-06-07", (12345, 6, 7)),
            ("2024-02-29", (2024, 2, 29)),
            ("2000-02-29", (2000, 2, 29)),
            // Astronomical year 0 (1 BC) is a leap year.
            ("-1-02-29", (-1, 2, 29)),
            ("2147483647-12-31", (i32::MAX, 12, 31)),
            ("-2147483648-01-01", (i32::MIN, 1, 1)),
        ] {
            let d = date(text);
            assert_eq!(d.ymd(), Some(ymd), "{text}");
            assert_eq!(date_text(d), text);
        }
        assert_eq!(date("+2024-1-2"), QDate::from_ymd(2024, 1, 2), "sign and single digits");
        assert_eq!(date("2024-01-02").julian_day, 2460312, "Qt's Julian day");
        assert_eq!(date_text(QDate::NULL), "null");
    }

    #[test]
    fn dates_outside_qt_range_print_as_julian_days() {
        for jd in [QDate::MAX_JULIAN_DAY + 1, QDate::MIN_JULIAN_DAY - 1, i64::MAX, i64::MIN + 1] {
            let d = QDate { julian_day: jd };
            let text = date_text(d);
            assert_eq!(text, format!("jd:{jd}"));
            assert_eq!(parse_date(&text), Ok(d));
        }
        assert_eq!(date("jd:2460312"), QDate::from_ymd(2024, 1, 2));
        assert!(parse_date("jd:x").is_err());
    }

    #[test]
    fn bad_dates_are_refused() {
        for bad in [
            "2023-02-29",
            "2024-04-31",
            "1900-02-29",
            "0000-01-01",
            "2024-13-01",
            "2024-00-10",
            "2024-01-00",
            "2024-01-32",
            "2147483648-01-01",
            "-2147483649-12-31",
            "99999999999999999999-01-01",
            "2024-01",
            "2024-01-02-03",
            "2024-+1-02",
            "2024-01-02 ",
            "24/01/02",
            "",
            "--2024-01-02",
        ] {
            assert!(parse_date(bad).is_err(), "{bad}");
        }
        assert!(parse_date("0000-01-01").unwrap_err().contains("no year 0"));
        assert!(parse_date("2023-02-29").unwrap_err().contains("fewer days"));
    }

    #[test]
    fn times_read_and_print() {
        assert_eq!(parse_time("12:34:56.789"), Ok(QTime::from_hms_ms(12, 34, 56, 789)));
        assert_eq!(parse_time("12:34"), Ok(QTime::from_hms_ms(12, 34, 0, 0)));
        assert_eq!(parse_time("00:00:00.5"), Ok(QTime::from_hms_ms(0, 0, 0, 500)));
        assert_eq!(parse_time("23:59:59.999"), Ok(QTime::from_hms_ms(23, 59, 59, 999)));
        assert_eq!(time_text(QTime::from_hms_ms(23, 59, 59, 999)), "23:59:59.999");
        assert_eq!(time_text(QTime::from_hms_ms(1, 2, 3, 0)), "01:02:03");
        assert_eq!(time_text(QTime::NULL), "null");
        for bad in [
            "24:00",
            "12:60",
            "12:00:60",
            "12:00:00.1234",
            "12:00:00.",
            "12",
            "1:2:3:4",
            "+1:00",
            "12:00:0x",
            "12:00:00.-1",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn datetimes_read_and_print() {
        let day = QDate::from_ymd(2024, 1, 2);
        let noon = QTime::from_hms_ms(12, 0, 0, 0);
        for (text, spec) in [
            ("2024-01-02T12:00:00", TimeSpec::LocalTime),
            ("2024-01-02T12:00:00Z", TimeSpec::Utc),
            ("2024-01-02T12:00:00+01:00", TimeSpec::OffsetFromUtc(3600)),
            ("2024-01-02T12:00:00-05:30", TimeSpec::OffsetFromUtc(-19800)),
            ("2024-01-02T12:00:00+00:00:01", TimeSpec::OffsetFromUtc(1)),
            ("2024-01-02T12:00:00[Europe/Berlin]", TimeSpec::TimeZone("Europe/Berlin".into())),
        ] {
            let dt = QDateTime { date: day, time: noon, spec };
            assert_eq!(parse_datetime(text), Ok(dt.clone()), "{text}");
            assert_eq!(datetime_text(&dt), text);
        }
        assert_eq!(parse_datetime("2024-01-02 12:00:00Z").map(|d| d.spec), Ok(TimeSpec::Utc), "a blank for the T");
        for secs in [i32::MAX, i32::MIN] {
            let dt = QDateTime { date: day, time: noon, spec: TimeSpec::OffsetFromUtc(secs) };
            assert_eq!(parse_datetime(&datetime_text(&dt)), Ok(dt), "the widest offsets read back");
        }
        for bad in [
            "2024-01-02",
            "2024-01-02T12:00:00+1",
            "2024-01-02T12:00:00+01:60",
            "2024-01-02T12:00:00+999999:00",
            "2024-01-02T12:00:00+99999999999999999999:00",
            "2024-01-02T12:00:00[Europe/Berlin",
            "2024-02-30T12:00:00",
            "2024-01-02T25:00:00",
        ] {
            assert!(parse_datetime(bad).is_err(), "{bad}");
        }
        assert_eq!(datetime_text(&QDateTime::null()), "null");
    }
}
