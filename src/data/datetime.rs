//! Timestamps: ISO dates, ISO datetimes and integer time indices, parsed and formatted by hand.
//!
//! A time value is one `i64`. For integer indices it is the index itself. For dates and
//! datetimes it is the wall-clock time in microseconds since 1970-01-01 00:00:00, *before* any
//! UTC offset is applied: `2020-03-29 02:30:00+02:00` is stored as the micros of 02:30 with the
//! offset (+120 minutes) returned beside it. Keeping wall-clock time lets calendar features and
//! calendar frequencies (month start, ...) work on the dates the user wrote; the column decides
//! what to do with offsets (see [`crate::data::frame::TimeColumn`]).
//!
//! The calendar is the proleptic Gregorian one. Day counts use the well-known days-from-civil
//! algorithm (shift the year to start in March so the leap day is last, then count 400-year eras
//! of 146 097 days).

use std::fmt::Write as _;

/// Microseconds in common units.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in a minute.
pub const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
/// Microseconds in an hour.
pub const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
/// Microseconds in a day.
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// How the values of a time column are written and interpreted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimeKind {
    /// Plain integers (`1`, `2`, ...), as in the M3 files.
    Integer,
    /// Calendar dates (`2020-01-31`).
    Date,
    /// Dates with a time of day (`2020-01-31 13:00:00`, `2020-01-31T13:00:00.5Z`).
    DateTime,
}

/// One parsed time field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParsedTime {
    /// What the text looked like.
    pub kind: TimeKind,
    /// The integer, or wall-clock microseconds since 1970-01-01 00:00:00.
    pub value: i64,
    /// The UTC offset written in the text, in minutes east of UTC (`Z` is `Some(0)`); `None`
    /// when the text had none.
    pub offset_minutes: Option<i16>,
}

/// A calendar date and time of day, the broken-down form of a time value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Civil {
    /// Proleptic Gregorian year (may be zero or negative).
    pub year: i64,
    /// 1..=12
    pub month: u32,
    /// 1..=31
    pub day: u32,
    /// 0..=23
    pub hour: u32,
    /// 0..=59
    pub minute: u32,
    /// 0..=59 (leap seconds are not represented)
    pub second: u32,
    /// 0..=999_999
    pub micro: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (`month` 1..=12, `day` 1..=31).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400; // [0, 399]
    let m = month as i64;
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1; // [0, 365]
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year; // [0, 146096]
    era * 146_097 + day_of_era - 719_468
}

/// The date `days` after 1970-01-01, as (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097; // [0, 146096]
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365; // [0, 399]
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100); // [0, 365]
    let mp = (5 * day_of_year + 2) / 153; // [0, 11], March-based month
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

/// Whether `year` has a 29 February.
pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Number of days in `month` of `year`.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap_year(year) => 29,
        _ => 28,
    }
}

impl Civil {
    /// Breaks wall-clock microseconds since the epoch into calendar fields.
    pub fn from_micros(micros: i64) -> Civil {
        let days = micros.div_euclid(MICROS_PER_DAY);
        let in_day = micros.rem_euclid(MICROS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (in_day / MICROS_PER_HOUR) as u32,
            minute: (in_day / MICROS_PER_MINUTE % 60) as u32,
            second: (in_day / MICROS_PER_SECOND % 60) as u32,
            micro: (in_day % MICROS_PER_SECOND) as u32,
        }
    }

    /// Wall-clock microseconds since the epoch. Fields must be in range (as
    /// [`Civil::from_micros`] produces them); the result saturates instead of overflowing.
    pub fn to_micros(&self) -> i64 {
        let days = days_from_civil(self.year, self.month, self.day);
        let in_day = self.hour as i64 * MICROS_PER_HOUR
            + self.minute as i64 * MICROS_PER_MINUTE
            + self.second as i64 * MICROS_PER_SECOND
            + self.micro as i64;
        days.saturating_mul(MICROS_PER_DAY).saturating_add(in_day)
    }

    /// 0 = Monday ... 6 = Sunday (pandas' `dayofweek`).
    pub fn weekday(&self) -> u32 {
        // 1970-01-01 was a Thursday (3).
        (days_from_civil(self.year, self.month, self.day) + 3).rem_euclid(7) as u32
    }

    /// 1..=366
    pub fn day_of_year(&self) -> u32 {
        (days_from_civil(self.year, self.month, self.day) - days_from_civil(self.year, 1, 1)) as u32
            + 1
    }

    /// ISO 8601 (week-numbering year, week 1..=53), pandas' `isocalendar()` and `week`.
    /// Weeks start on Monday; week 1 is the week holding the year's first Thursday, so a date
    /// belongs to the ISO year of the Thursday of its week.
    pub fn iso_week(&self) -> (i64, u32) {
        let days = days_from_civil(self.year, self.month, self.day);
        let thursday = days + 3 - self.weekday() as i64;
        let (year, _, _) = civil_from_days(thursday);
        let week = (thursday - days_from_civil(year, 1, 1)) / 7 + 1;
        (year, week as u32)
    }

    /// 1..=4
    pub fn quarter(&self) -> u32 {
        (self.month - 1) / 3 + 1
    }
}

/// Years we accept: wide enough for any forecasting data, narrow enough that microseconds
/// since 1970 never overflow an `i64` (which would allow about ±292 000 years).
const YEAR_RANGE: std::ops::RangeInclusive<i64> = 1..=9999;

/// Parses one time field. Accepted forms:
/// - integer index: optional sign then digits (`42`, `-3`);
/// - date: `YYYY-MM-DD`;
/// - datetime: date, then `T` or a space, then `HH:MM`, `HH:MM:SS` or `HH:MM:SS.f` (1 to 9
///   fractional digits, truncated to microseconds), then
///   optionally `Z` or `±hh:mm` / `±hhmm` / `±hh`.
///
/// The error is a short phrase saying what was expected; the caller adds file, line and column.
pub fn parse_time(text: &[u8]) -> Result<ParsedTime, String> {
    let t = trim_ascii(text);
    if t.is_empty() {
        return Err("empty timestamp".into());
    }
    if let Some(v) = parse_integer(t) {
        return Ok(ParsedTime {
            kind: TimeKind::Integer,
            value: v,
            offset_minutes: None,
        });
    }
    let shown = String::from_utf8_lossy(t);
    let bad = |what: &str| format!("'{shown}' is not a valid timestamp: {what}");
    if t.len() < 10 || t[4] != b'-' || t[7] != b'-' {
        return Err(bad("expected YYYY-MM-DD, an ISO datetime, or an integer"));
    }
    let year = digits(&t[0..4]).ok_or_else(|| bad("year must be four digits"))? as i64;
    let month = digits(&t[5..7]).ok_or_else(|| bad("month must be two digits"))?;
    let day = digits(&t[8..10]).ok_or_else(|| bad("day must be two digits"))?;
    if !YEAR_RANGE.contains(&year) {
        return Err(bad("year out of range 0001..9999"));
    }
    if !(1..=12).contains(&month) {
        return Err(bad("month must be 01..12"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(bad("day does not exist in that month"));
    }
    let mut civil = Civil {
        year,
        month,
        day,
        hour: 0,
        minute: 0,
        second: 0,
        micro: 0,
    };
    if t.len() == 10 {
        return Ok(ParsedTime {
            kind: TimeKind::Date,
            value: civil.to_micros(),
            offset_minutes: None,
        });
    }
    if t[10] != b'T' && t[10] != b' ' {
        return Err(bad("date and time must be separated by 'T' or a space"));
    }
    let rest = &t[11..];
    if rest.len() < 5 || rest[2] != b':' {
        return Err(bad("time must be HH:MM or HH:MM:SS"));
    }
    civil.hour = digits(&rest[0..2]).ok_or_else(|| bad("hour must be two digits"))?;
    civil.minute = digits(&rest[3..5]).ok_or_else(|| bad("minute must be two digits"))?;
    let mut i = 5;
    if rest.len() > 5 && rest[5] == b':' {
        if rest.len() < 8 {
            return Err(bad("seconds must be two digits"));
        }
        civil.second = digits(&rest[6..8]).ok_or_else(|| bad("seconds must be two digits"))?;
        i = 8;
        if i < rest.len() && rest[i] == b'.' {
            i += 1;
            let start = i;
            let mut micro = 0u32;
            while i < rest.len() && rest[i].is_ascii_digit() {
                if i - start < 6 {
                    micro = micro * 10 + (rest[i] - b'0') as u32;
                }
                i += 1;
            }
            let n = i - start;
            if n == 0 || n > 9 {
                return Err(bad("fractional seconds must have 1 to 9 digits"));
            }
            for _ in n..6 {
                micro *= 10;
            }
            civil.micro = micro;
        }
    }
    if civil.hour > 23 || civil.minute > 59 || civil.second > 59 {
        return Err(bad("time of day out of range"));
    }
    let offset_minutes = parse_offset(&rest[i..])
        .ok_or_else(|| bad("expected 'Z' or an offset like +02:00 after the time"))?;
    Ok(ParsedTime {
        kind: TimeKind::DateTime,
        value: civil.to_micros(),
        offset_minutes,
    })
}

/// `""` → no offset; `Z` → 0; `±hh`, `±hhmm`, `±hh:mm` → minutes east of UTC.
fn parse_offset(s: &[u8]) -> Option<Option<i16>> {
    match s {
        [] => Some(None),
        [b'Z'] | [b'z'] => Some(Some(0)),
        [sign @ (b'+' | b'-'), rest @ ..] => {
            let (h, m) = match rest {
                [a, b] => (digits(&[*a, *b])?, 0),
                [a, b, c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                [a, b, b':', c, d] => (digits(&[*a, *b])?, digits(&[*c, *d])?),
                _ => return None,
            };
            if h > 18 || m > 59 {
                return None;
            }
            let minutes = (h * 60 + m) as i16;
            Some(Some(if *sign == b'-' { -minutes } else { minutes }))
        }
        _ => None,
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        v = v * 10 + (c - b'0') as u32;
    }
    Some(v)
}

fn parse_integer(s: &[u8]) -> Option<i64> {
    let (neg, body) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    if body.is_empty() || body.len() > 18 || !body.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let v = body
        .iter()
        .fold(0i64, |acc, &c| acc * 10 + (c - b'0') as i64);
    Some(if neg { -v } else { v })
}

fn trim_ascii(s: &[u8]) -> &[u8] {
    let start = s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !c.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Formats a time value the way pandas prints it: integers as integers, dates as
/// `YYYY-MM-DD`, datetimes as `YYYY-MM-DD HH:MM:SS` with `.ffffff` only when the microseconds
/// are not zero, followed by the offset when one is given (`+02:00`, `+00:00`).
pub fn format_time(kind: TimeKind, value: i64, offset_minutes: Option<i16>, out: &mut String) {
    match kind {
        TimeKind::Integer => {
            let _ = write!(out, "{value}");
        }
        TimeKind::Date => {
            let c = Civil::from_micros(value);
            let _ = write!(out, "{:04}-{:02}-{:02}", c.year, c.month, c.day);
        }
        TimeKind::DateTime => {
            let c = Civil::from_micros(value);
            let _ = write!(
                out,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
                c.year, c.month, c.day, c.hour, c.minute, c.second
            );
            if c.micro != 0 {
                let _ = write!(out, ".{:06}", c.micro);
            }
            if let Some(off) = offset_minutes {
                let sign = if off < 0 { '-' } else { '+' };
                let a = off.unsigned_abs();
                let _ = write!(out, "{sign}{:02}:{:02}", a / 60, a % 60);
            }
        }
    }
}

/// [`format_time`] into a new string.
pub fn time_to_string(kind: TimeKind, value: i64, offset_minutes: Option<i16>) -> String {
    let mut s = String::new();
    format_time(kind, value, offset_minutes, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        for d in -800_000..800_000i64 {
            if d % 997 == 0 {
                let (y, m, dd) = civil_from_days(d);
                assert_eq!(days_from_civil(y, m, dd), d);
            }
        }
    }

    #[test]
    fn weekday_and_day_of_year() {
        let c = Civil::from_micros(days_from_civil(2024, 12, 31) * MICROS_PER_DAY);
        assert_eq!(c.weekday(), 1); // Tuesday
        assert_eq!(c.day_of_year(), 366);
    }

    #[test]
    fn iso_weeks_and_quarters_match_pandas() {
        for (date, iso, quarter) in [
            ((2021, 1, 3), (2020, 53), 1),
            ((2024, 12, 30), (2025, 1), 4),
            ((2015, 12, 31), (2015, 53), 4),
            ((2023, 1, 1), (2022, 52), 1),
            ((2023, 1, 2), (2023, 1), 1),
            ((2020, 7, 15), (2020, 29), 3),
        ] {
            let c = Civil::from_micros(days_from_civil(date.0, date.1, date.2) * MICROS_PER_DAY);
            assert_eq!(c.iso_week(), iso, "{date:?}");
            assert_eq!(c.quarter(), quarter, "{date:?}");
        }
    }

    #[test]
    fn parses_the_accepted_forms() {
        let p = parse_time(b"1949-01-01").unwrap();
        assert_eq!(
            (p.kind, p.value),
            (TimeKind::Date, days_from_civil(1949, 1, 1) * MICROS_PER_DAY)
        );
        let p = parse_time(b"2015-01-01 01:00:00").unwrap();
        assert_eq!(p.kind, TimeKind::DateTime);
        assert_eq!(
            p.value,
            days_from_civil(2015, 1, 1) * MICROS_PER_DAY + MICROS_PER_HOUR
        );
        let p = parse_time(b"2015-01-01T01:00:00.25+05:30").unwrap();
        assert_eq!(p.offset_minutes, Some(330));
        assert_eq!(p.value % MICROS_PER_SECOND, 250_000);
        assert_eq!(
            parse_time(b"2015-01-01T01:00Z").unwrap().offset_minutes,
            Some(0)
        );
        assert_eq!(
            parse_time(b"51").unwrap(),
            ParsedTime {
                kind: TimeKind::Integer,
                value: 51,
                offset_minutes: None
            }
        );
    }

    #[test]
    fn rejects_impossible_dates_with_a_reason() {
        for (text, reason) in [
            ("2023-02-29", "day does not exist"),
            ("2023-13-01", "month must be"),
            ("2023-01-01 25:00:00", "time of day out of range"),
            ("2023-01-01 10:00:00+25:00", "offset"),
            ("01/02/2023", "expected YYYY-MM-DD"),
            ("2023-01-01X10:00", "separated by"),
            ("", "empty"),
        ] {
            let e = parse_time(text.as_bytes()).unwrap_err();
            assert!(e.contains(reason), "{text}: {e}");
        }
    }

    #[test]
    fn format_round_trips() {
        for text in [
            "1949-01-01",
            "2015-01-01 01:00:00",
            "2015-01-01 01:00:00.250000+05:30",
            "-7",
        ] {
            let p = parse_time(text.as_bytes()).unwrap();
            assert_eq!(time_to_string(p.kind, p.value, p.offset_minutes), text);
        }
    }

    use proptest::prelude::*;

    fn any_time() -> impl Strategy<Value = (TimeKind, i64, Option<i16>)> {
        let micros_range = days_from_civil(1, 1, 1) * MICROS_PER_DAY
            ..days_from_civil(10_000, 1, 1) * MICROS_PER_DAY;
        prop_oneof![
            (-999_999_999_999i64..999_999_999_999).prop_map(|v| (TimeKind::Integer, v, None)),
            (micros_range.clone()).prop_map(|v| (
                TimeKind::Date,
                v.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY,
                None
            )),
            (
                micros_range,
                prop::option::of(-18 * 60i16..=18 * 60),
                any::<bool>()
            )
                .prop_map(|(v, off, whole)| {
                    // Whole seconds half the time, so both printed forms are exercised.
                    let v = if whole {
                        v - v.rem_euclid(MICROS_PER_SECOND)
                    } else {
                        v
                    };
                    (TimeKind::DateTime, v, off)
                }),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever we print parses back to the same kind, value and offset, and prints again
        /// identically.
        #[test]
        fn format_then_parse_round_trips((kind, value, offset) in any_time()) {
            let text = time_to_string(kind, value, offset);
            let p = parse_time(text.as_bytes()).unwrap();
            prop_assert_eq!((p.kind, p.value, p.offset_minutes), (kind, value, offset), "{}", text);
            prop_assert_eq!(time_to_string(p.kind, p.value, p.offset_minutes), text);
        }

        /// Civil fields survive micros -> civil -> micros over the accepted years.
        #[test]
        fn civil_round_trips(v in days_from_civil(1, 1, 1) * MICROS_PER_DAY..days_from_civil(10_000, 1, 1) * MICROS_PER_DAY) {
            prop_assert_eq!(Civil::from_micros(v).to_micros(), v);
        }
    }
}
