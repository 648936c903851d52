//! A fast path for the timestamps of long-format files: consecutive rows share their date's
//! year and month (daily data) or the whole date (hourly data), so the calendar arithmetic of
//! [`parse_time`] is done once per month or day and each row only reads its last digits.
//!
//! The cache is a pure accelerator: for every input it returns exactly what [`parse_time`]
//! returns (a property test checks this), falling back to it for anything not in the two
//! fixed layouts `YYYY-MM-DD` and `YYYY-MM-DD HH:MM:SS` (or with `T`).

use crate::data::datetime::{
    days_in_month, parse_time, Civil, ParsedTime, TimeKind, MICROS_PER_DAY, MICROS_PER_HOUR,
    MICROS_PER_MINUTE, MICROS_PER_SECOND,
};

/// The last month and day seen.
#[derive(Debug, Default)]
pub(super) struct TimeCache {
    /// `YYYY-MM-` of the cached month, when one is cached.
    month_prefix: Option<[u8; 8]>,
    /// Wall-clock micros of the first day of that month.
    month_start: i64,
    /// Days in that month.
    month_days: u32,
    /// `YYYY-MM-DD` plus the separator of the cached day (datetimes only).
    day_prefix: Option<[u8; 11]>,
    /// Wall-clock micros of that day's midnight.
    day_start: i64,
}

impl TimeCache {
    /// The block reader's fast path for a date of the cached month at `text[i..]`: its
    /// wall-clock micros and where it ends (`i + 10`), when the ten bytes there are the
    /// month's `YYYY-MM-` and a valid day. Whether the field ends there is the caller's check;
    /// when it does, the value is the one [`TimeCache::parse`] gives for the field.
    #[inline(always)]
    pub(super) fn date_at(&self, text: &[u8], i: usize) -> Option<(i64, usize)> {
        let p = self.month_prefix?;
        let t = text.get(i..i + 10)?;
        if t[..8] != p {
            return None;
        }
        let d = two_digits(t[8], t[9])?;
        if !(1..=self.month_days).contains(&d) {
            return None;
        }
        Some((self.month_start + (d as i64 - 1) * MICROS_PER_DAY, i + 10))
    }

    /// Parses one time field, as [`parse_time`] does.
    #[inline]
    pub(super) fn parse(&mut self, text: &[u8]) -> Result<ParsedTime, String> {
        match text.len() {
            10 => {
                if let Some(p) = self.month_prefix {
                    if text[..8] == p {
                        if let Some(d) = two_digits(text[8], text[9]) {
                            if (1..=self.month_days).contains(&d) {
                                return Ok(naive(
                                    TimeKind::Date,
                                    self.month_start + (d as i64 - 1) * MICROS_PER_DAY,
                                ));
                            }
                        }
                    }
                }
            }
            19 => {
                if let Some(p) = self.day_prefix {
                    if text[..11] == p {
                        if let Some(micros) = time_of_day(&text[11..]) {
                            return Ok(naive(TimeKind::DateTime, self.day_start + micros));
                        }
                    }
                }
            }
            _ => {}
        }
        let parsed = parse_time(text)?;
        self.remember(text, &parsed);
        Ok(parsed)
    }

    /// Caches the month (and, for a datetime, the day) of a value [`parse_time`] accepted.
    #[cold]
    fn remember(&mut self, text: &[u8], parsed: &ParsedTime) {
        match (text.len(), parsed.kind) {
            (10, TimeKind::Date) => {
                let c = Civil::from_micros(parsed.value);
                let mut p = [0u8; 8];
                p.copy_from_slice(&text[..8]);
                self.month_prefix = Some(p);
                self.month_start = parsed.value - (c.day as i64 - 1) * MICROS_PER_DAY;
                self.month_days = days_in_month(c.year, c.month);
            }
            (19, TimeKind::DateTime) if parsed.offset_minutes.is_none() => {
                let mut p = [0u8; 11];
                p.copy_from_slice(&text[..11]);
                self.day_prefix = Some(p);
                self.day_start = parsed.value.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
            }
            _ => {}
        }
    }
}

fn naive(kind: TimeKind, value: i64) -> ParsedTime {
    ParsedTime {
        kind,
        value,
        offset_minutes: None,
    }
}

#[inline(always)]
fn two_digits(a: u8, b: u8) -> Option<u32> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some((a - b'0') as u32 * 10 + (b - b'0') as u32)
    } else {
        None
    }
}

/// `HH:MM:SS` → micros since midnight, with parse_time's range checks.
#[inline(always)]
fn time_of_day(t: &[u8]) -> Option<i64> {
    if t[2] != b':' || t[5] != b':' {
        return None;
    }
    let h = two_digits(t[0], t[1])?;
    let m = two_digits(t[3], t[4])?;
    let s = two_digits(t[6], t[7])?;
    if h > 23 || m > 59 || s > 59 {
        return None;
    }
    Some(h as i64 * MICROS_PER_HOUR + m as i64 * MICROS_PER_MINUTE + s as i64 * MICROS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn daily_and_hourly_runs_match_parse_time() {
        let mut cache = TimeCache::default();
        for text in [
            "2020-02-27",
            "2020-02-28",
            "2020-02-29",
            "2020-02-30",
            "2020-03-01",
            "2021-02-29",
            "2021-02-28",
            "2021-02-2x",
            "2021-02-00",
            "2021-02-28 23:00:00",
            "2021-02-28 23:30:00",
            "2021-02-28 24:00:00",
            "2021-02-28T23:59:59",
            "2021-03-01 00:00:00",
            "2021-03-01 00:60:00",
            "2021-03-01 00:0a:00",
            "2021-03-01 00:00+01",
            "42",
        ] {
            assert_eq!(
                cache.parse(text.as_bytes()),
                parse_time(text.as_bytes()),
                "{text}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// A run of related timestamps (shared prefixes, mutated digits) parses exactly as
        /// parse_time parses each one alone.
        #[test]
        fn agrees_with_parse_time(
            start in 0i64..3_000_000,
            steps in prop::collection::vec((0i64..100_000, 0usize..19, 0u8..128), 1..40),
            datetime in any::<bool>(),
        ) {
            let mut cache = TimeCache::default();
            let mut t = start * 60 * MICROS_PER_SECOND;
            for (step, pos, byte) in steps {
                t += step * 60 * MICROS_PER_SECOND;
                let mut text = crate::data::datetime::time_to_string(
                    if datetime { TimeKind::DateTime } else { TimeKind::Date }, t, None,
                ).into_bytes();
                // Corrupt one byte now and then.
                if byte < 32 && pos < text.len() {
                    text[pos] = b'0' + byte % 12;
                }
                prop_assert_eq!(cache.parse(&text), parse_time(&text), "{}", String::from_utf8_lossy(&text));
            }
        }
    }
}
