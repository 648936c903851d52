//! Frequencies: how far apart consecutive timestamps of a series are.
//!
//! Names follow pandas' offset aliases, which NeuralForecast users pass as `freq`: `1` (integer
//! index), `min`/`T`, `h`/`H`, `D`, `W` (`W-SUN`, `W-MON`, ...), `MS`, `ME`/`M`, `QS`, `QE`/`Q`,
//! `YS`/`AS`, `YE`/`Y`/`A`, each with an optional multiple (`15min`, `2W`, `3MS`).

/// A series frequency. The `u32` in each variant is the multiple `n` (at least 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Freq {
    /// Integer time index advancing by this step (non-zero).
    Integer(i64),
    /// Every n minutes.
    Minutes(u32),
    /// Every n hours.
    Hours(u32),
    /// Every n days.
    Days(u32),
    /// Every n weeks, anchored on a weekday (0 = Monday ... 6 = Sunday; pandas' `W` is `W-SUN`).
    Weeks(u32, u8),
    /// First day of every n-th month.
    MonthStart(u32),
    /// Last day of every n-th month.
    MonthEnd(u32),
    /// First day of every n-th quarter (January, April, July, October).
    QuarterStart(u32),
    /// Last day of every n-th quarter (March, June, September, December).
    QuarterEnd(u32),
    /// 1 January of every n-th year.
    YearStart(u32),
    /// 31 December of every n-th year.
    YearEnd(u32),
}

use std::fmt;

use crate::data::datetime::{
    days_from_civil, days_in_month, Civil, TimeKind, MICROS_PER_DAY, MICROS_PER_HOUR,
    MICROS_PER_MINUTE,
};
use crate::error::{Error, Result};

/// Weekday suffixes of pandas' weekly aliases, Monday first (index = our weekday number).
const WEEKDAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];

/// What [`Freq::parse`] accepts, for its error message.
const ACCEPTED: &str = "an integer step (1), or [n]min, [n]h, [n]D, [n]W[-MON..-SUN], [n]MS, \
                        [n]ME, [n]QS, [n]QE, [n]YS, [n]YE (pandas aliases; T, H, M, Q, A, Y, AS \
                        also accepted)";

impl Freq {
    /// Parses a pandas offset alias with an optional multiple (`15min`, `h`, `2W-MON`, `MS`,
    /// `QE-DEC`), or a plain integer step for integer time indices (`1`).
    ///
    /// Legacy aliases are accepted as pandas still reads them: `T` (minutes), `H` (hours),
    /// `M` (month end), `Q` (quarter end), `A`/`Y` (year end), `AS` (year start). Quarterly and
    /// yearly aliases must use the calendar anchors (`QS-JAN`, `QE-DEC`, `YS-JAN`, `YE-DEC`).
    pub fn parse(text: &str) -> Result<Freq> {
        let t = text.trim();
        let bad = |why: &str| {
            Error::config(
                "freq",
                format!("'{text}' is not a frequency{why} (expected {ACCEPTED})"),
            )
        };
        let split = t
            .find(|c: char| !c.is_ascii_digit() && c != '-' && c != '+')
            .unwrap_or(t.len());
        let (digits, alias) = t.split_at(split);
        if alias.is_empty() {
            return match digits.parse::<i64>() {
                Ok(n) if n > 0 => Ok(Freq::Integer(n)),
                _ => Err(bad(": an integer step must be positive")),
            };
        }
        let n = if digits.is_empty() {
            1
        } else {
            match digits.parse::<u32>() {
                Ok(n) if n > 0 => n,
                _ => return Err(bad(": the multiple must be a positive integer")),
            }
        };
        let freq = match alias {
            "min" | "T" => Freq::Minutes(n),
            "h" | "H" => Freq::Hours(n),
            "D" => Freq::Days(n),
            "W" => Freq::Weeks(n, 6),
            "MS" => Freq::MonthStart(n),
            "ME" | "M" => Freq::MonthEnd(n),
            "QS" | "QS-JAN" => Freq::QuarterStart(n),
            "QE" | "Q" | "QE-DEC" | "Q-DEC" => Freq::QuarterEnd(n),
            "YS" | "AS" | "YS-JAN" | "AS-JAN" => Freq::YearStart(n),
            "YE" | "Y" | "A" | "YE-DEC" | "Y-DEC" | "A-DEC" => Freq::YearEnd(n),
            _ => match alias.strip_prefix("W-") {
                Some(day) => match WEEKDAYS.iter().position(|d| *d == day) {
                    Some(wd) => Freq::Weeks(n, wd as u8),
                    None => return Err(bad(": unknown weekday")),
                },
                None => return Err(bad("")),
            },
        };
        Ok(freq)
    }

    /// Whether values of `kind` can follow this frequency (integer steps go with integer
    /// indices, every other frequency with dates or datetimes).
    pub fn fits(&self, kind: TimeKind) -> bool {
        matches!(self, Freq::Integer(_)) == (kind == TimeKind::Integer)
    }

    /// The step in time units when it is fixed: the integer step, or microseconds for
    /// minutes, hours, days and weeks. `None` for month-based frequencies.
    pub fn fixed_step(&self) -> Option<i64> {
        Some(match *self {
            Freq::Integer(n) => n,
            Freq::Minutes(n) => n as i64 * MICROS_PER_MINUTE,
            Freq::Hours(n) => n as i64 * MICROS_PER_HOUR,
            Freq::Days(n) => n as i64 * MICROS_PER_DAY,
            Freq::Weeks(n, _) => 7 * n as i64 * MICROS_PER_DAY,
            _ => return None,
        })
    }

    /// For month-based frequencies: (months per step, anchored on the month's last day).
    fn month_step(&self) -> Option<(i64, bool)> {
        Some(match *self {
            Freq::MonthStart(n) => (n as i64, false),
            Freq::MonthEnd(n) => (n as i64, true),
            Freq::QuarterStart(n) => (3 * n as i64, false),
            Freq::QuarterEnd(n) => (3 * n as i64, true),
            Freq::YearStart(n) => (12 * n as i64, false),
            Freq::YearEnd(n) => (12 * n as i64, true),
            _ => return None,
        })
    }

    /// Whether a month (1..=12) is one this frequency's dates fall in.
    fn month_allowed(&self, month: u32) -> bool {
        match self {
            Freq::QuarterStart(_) => month % 3 == 1,
            Freq::QuarterEnd(_) => month.is_multiple_of(3),
            Freq::YearStart(_) => month == 1,
            Freq::YearEnd(_) => month == 12,
            _ => true,
        }
    }

    /// Whether `t` is a date this frequency can produce: on the anchor weekday for weekly
    /// frequencies, on the first (last) day of an allowed month for month-based ones. Minutes,
    /// hours, days and integer steps accept any value (as pandas' fixed offsets do: their grid
    /// is set by where the series starts).
    pub fn is_on_grid(&self, t: i64) -> bool {
        match *self {
            Freq::Weeks(_, wd) => Civil::from_micros(t).weekday() == wd as u32,
            _ => match self.month_step() {
                None => true,
                Some((_, end)) => {
                    let c = Civil::from_micros(t);
                    let day = if end {
                        days_in_month(c.year, c.month)
                    } else {
                        1
                    };
                    c.day == day && self.month_allowed(c.month)
                }
            },
        }
    }

    /// `t` moved by `steps` steps (negative steps go back). Month-based frequencies keep the
    /// time of day and land on the first or last day of the target month. Saturates instead
    /// of overflowing.
    pub fn advance(&self, t: i64, steps: i64) -> i64 {
        if let Some(step) = self.fixed_step() {
            return t.saturating_add(step.saturating_mul(steps));
        }
        let (months, end) = self
            .month_step()
            .expect("every non-fixed freq is month-based");
        let c = Civil::from_micros(t);
        let index = month_index(&c).saturating_add(months.saturating_mul(steps));
        let year = index.div_euclid(12);
        let month = index.rem_euclid(12) as u32 + 1;
        let day = if end { days_in_month(year, month) } else { 1 };
        let in_day = t.rem_euclid(MICROS_PER_DAY);
        days_from_civil(year, month, day)
            .saturating_mul(MICROS_PER_DAY)
            .saturating_add(in_day)
    }

    /// The number of steps `k` with `advance(a, k) == b`, or `None` when `b` is not on the grid
    /// through `a`.
    pub fn steps_between(&self, a: i64, b: i64) -> Option<i64> {
        if let Some(step) = self.fixed_step() {
            let d = b.checked_sub(a)?;
            return divides(step, d).then(|| d / step);
        }
        let (months, _) = self.month_step()?;
        if a.rem_euclid(MICROS_PER_DAY) != b.rem_euclid(MICROS_PER_DAY)
            || !self.is_on_grid(a)
            || !self.is_on_grid(b)
        {
            return None;
        }
        let d = month_index(&Civil::from_micros(b)) - month_index(&Civil::from_micros(a));
        divides(months, d).then(|| d / months)
    }

    /// Appends the `h` timestamps that follow `last`.
    pub fn future_times(&self, last: i64, h: usize, out: &mut Vec<i64>) {
        out.extend((1..=h as i64).map(|k| self.advance(last, k)));
    }

    /// Infers the frequency of one series from its increasing `times`: calendar-anchored
    /// patterns first (every value on a month's first or last day: month, quarter or year
    /// frequencies, from the most common number of months between values), then the most
    /// common step (ties go to the smaller one, so a few gaps do not hide the frequency).
    /// `None` with fewer than two values, or when the step is not a whole number of minutes.
    pub fn infer(times: &[i64], kind: TimeKind) -> Option<Freq> {
        let d = most_common_step(times.windows(2).map(|w| w[1].saturating_sub(w[0])))?;
        Freq::infer_with_step(times, kind, d)
    }

    /// [`Freq::infer`] for a series whose most common step is already known to be `d`
    /// (as when every step was seen to be `d`): skips counting the steps again.
    pub(crate) fn infer_with_step(times: &[i64], kind: TimeKind, d: i64) -> Option<Freq> {
        if kind == TimeKind::Integer {
            return Some(Freq::Integer(d));
        }
        if d >= 28 * MICROS_PER_DAY {
            if let Some(f) = infer_monthly(times) {
                return Some(f);
            }
        }
        let f = if d % MICROS_PER_DAY == 0 {
            let days = d / MICROS_PER_DAY;
            if days % 7 == 0 {
                let wd = Civil::from_micros(times[0]).weekday() as u8;
                Freq::Weeks(u32::try_from(days / 7).ok()?, wd)
            } else {
                Freq::Days(u32::try_from(days).ok()?)
            }
        } else if d % MICROS_PER_HOUR == 0 {
            Freq::Hours(u32::try_from(d / MICROS_PER_HOUR).ok()?)
        } else if d % MICROS_PER_MINUTE == 0 {
            Freq::Minutes(u32::try_from(d / MICROS_PER_MINUTE).ok()?)
        } else {
            return None;
        };
        Some(f)
    }
}

/// Months since year 0 (January of year 0 is 0).
fn month_index(c: &Civil) -> i64 {
    c.year * 12 + c.month as i64 - 1
}

/// Whether `d` is a whole number of `step`s (a zero step divides nothing).
fn divides(step: i64, d: i64) -> bool {
    step != 0 && d.checked_rem(step) == Some(0)
}

/// The most common positive value; ties go to the smallest. `None` when there is none.
fn most_common_step(diffs: impl Iterator<Item = i64> + Clone) -> Option<i64> {
    let mut all = diffs.clone().filter(|&d| d > 0);
    let first = all.next()?;
    if all.all(|d| d == first) {
        return Some(first); // the usual case: a regular series, no allocation
    }
    let mut v: Vec<i64> = diffs.filter(|&d| d > 0).collect();
    v.sort_unstable();
    let (mut best, mut best_count) = (v[0], 0);
    let mut i = 0;
    while i < v.len() {
        let j = i + v[i..].iter().take_while(|&&x| x == v[i]).count();
        if j - i > best_count {
            (best, best_count) = (v[i], j - i);
        }
        i = j;
    }
    Some(best)
}

/// Month, quarter or year frequency when every value is on the first (or every value on the
/// last) day of a month at one time of day.
fn infer_monthly(times: &[i64]) -> Option<Freq> {
    let civil: Vec<Civil> = times.iter().map(|&t| Civil::from_micros(t)).collect();
    let in_day = times[0].rem_euclid(MICROS_PER_DAY);
    if times.iter().any(|t| t.rem_euclid(MICROS_PER_DAY) != in_day) {
        return None;
    }
    let end = if civil.iter().all(|c| c.day == 1) {
        false
    } else if civil
        .iter()
        .all(|c| c.day == days_in_month(c.year, c.month))
    {
        true
    } else {
        return None;
    };
    let m = most_common_step(
        civil
            .windows(2)
            .map(|w| month_index(&w[1]) - month_index(&w[0])),
    )?;
    let n = u32::try_from(m).ok()?;
    // The widest family whose anchor months every value is in wins (pandas names yearly
    // data YS/YE, not 12MS).
    let candidates = if end {
        [
            Freq::YearEnd(n / 12),
            Freq::QuarterEnd(n / 3),
            Freq::MonthEnd(n),
        ]
    } else {
        [
            Freq::YearStart(n / 12),
            Freq::QuarterStart(n / 3),
            Freq::MonthStart(n),
        ]
    };
    let months_per = [12, 3, 1];
    let freq = candidates
        .into_iter()
        .zip(months_per)
        .find(|(f, per)| n % per == 0 && civil.iter().all(|c| f.month_allowed(c.month)))
        .map(|(f, _)| f)?;
    Some(freq)
}

/// The pandas alias (`15min`, `h`, `D`, `W-SUN`, `MS`, `ME`, `QS-JAN`, `QE-DEC`, `YS-JAN`,
/// `YE-DEC`), or the integer step; the multiple is written only when it is not 1. The output
/// parses back with [`Freq::parse`] to the same value.
impl fmt::Display for Freq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (n, alias) = match *self {
            Freq::Integer(n) => return write!(f, "{n}"),
            Freq::Minutes(n) => (n, "min"),
            Freq::Hours(n) => (n, "h"),
            Freq::Days(n) => (n, "D"),
            Freq::Weeks(n, wd) => {
                let day = WEEKDAYS[wd as usize % 7];
                return match n {
                    1 => write!(f, "W-{day}"),
                    n => write!(f, "{n}W-{day}"),
                };
            }
            Freq::MonthStart(n) => (n, "MS"),
            Freq::MonthEnd(n) => (n, "ME"),
            Freq::QuarterStart(n) => (n, "QS-JAN"),
            Freq::QuarterEnd(n) => (n, "QE-DEC"),
            Freq::YearStart(n) => (n, "YS-JAN"),
            Freq::YearEnd(n) => (n, "YE-DEC"),
        };
        if n == 1 {
            f.write_str(alias)
        } else {
            write!(f, "{n}{alias}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datetime::parse_time;
    use proptest::prelude::*;

    fn t(text: &str) -> i64 {
        parse_time(text.as_bytes()).unwrap().value
    }

    fn ts(texts: &[&str]) -> Vec<i64> {
        texts.iter().map(|s| t(s)).collect()
    }

    #[test]
    fn parses_pandas_aliases_and_displays_the_canonical_one() {
        for (text, freq, shown) in [
            ("1", Freq::Integer(1), "1"),
            ("12", Freq::Integer(12), "12"),
            ("min", Freq::Minutes(1), "min"),
            ("15min", Freq::Minutes(15), "15min"),
            ("30T", Freq::Minutes(30), "30min"),
            ("h", Freq::Hours(1), "h"),
            ("H", Freq::Hours(1), "h"),
            ("6h", Freq::Hours(6), "6h"),
            ("D", Freq::Days(1), "D"),
            ("W", Freq::Weeks(1, 6), "W-SUN"),
            ("2W-MON", Freq::Weeks(2, 0), "2W-MON"),
            ("MS", Freq::MonthStart(1), "MS"),
            ("M", Freq::MonthEnd(1), "ME"),
            ("3ME", Freq::MonthEnd(3), "3ME"),
            ("QS", Freq::QuarterStart(1), "QS-JAN"),
            ("Q", Freq::QuarterEnd(1), "QE-DEC"),
            ("QE-DEC", Freq::QuarterEnd(1), "QE-DEC"),
            ("AS", Freq::YearStart(1), "YS-JAN"),
            ("A", Freq::YearEnd(1), "YE-DEC"),
            ("Y", Freq::YearEnd(1), "YE-DEC"),
        ] {
            assert_eq!(Freq::parse(text).unwrap(), freq, "{text}");
            assert_eq!(freq.to_string(), shown);
            assert_eq!(Freq::parse(shown).unwrap(), freq);
        }
        for bad in [
            "",
            "0",
            "-1",
            "0min",
            "fortnight",
            "W-XYZ",
            "QS-FEB",
            "ms",
            "1.5h",
        ] {
            let e = Freq::parse(bad).unwrap_err();
            assert!(e.to_string().contains("parameter 'freq'"), "{bad}: {e}");
            assert!(e.to_string().contains(&format!("'{bad}'")), "{bad}: {e}");
        }
    }

    #[test]
    fn month_frequencies_advance_on_the_calendar() {
        let me = Freq::MonthEnd(1);
        assert_eq!(me.advance(t("2024-01-31"), 1), t("2024-02-29"));
        assert_eq!(me.advance(t("2024-01-31"), 13), t("2025-02-28"));
        assert_eq!(me.advance(t("2024-03-31"), -1), t("2024-02-29"));
        assert_eq!(
            Freq::QuarterStart(1).advance(t("2023-10-01"), 1),
            t("2024-01-01")
        );
        assert_eq!(
            Freq::YearEnd(2).advance(t("2020-12-31 06:00"), 1),
            t("2022-12-31 06:00")
        );
        assert_eq!(Freq::Days(1).advance(t("2024-02-28"), 2), t("2024-03-01"));
        assert_eq!(Freq::Integer(1).advance(5, 3), 8);
        let mut out = vec![];
        Freq::MonthStart(1).future_times(t("1960-12-01"), 3, &mut out);
        assert_eq!(out, ts(&["1961-01-01", "1961-02-01", "1961-03-01"]));
    }

    #[test]
    fn steps_between_rejects_points_off_the_grid() {
        let ms = Freq::MonthStart(1);
        assert_eq!(ms.steps_between(t("2020-01-01"), t("2021-03-01")), Some(14));
        assert_eq!(ms.steps_between(t("2020-01-01"), t("2020-03-02")), None);
        assert_eq!(
            Freq::MonthStart(2).steps_between(t("2020-01-01"), t("2020-02-01")),
            None
        );
        assert_eq!(
            Freq::Hours(1).steps_between(t("2020-01-01 00:00"), t("2020-01-01 00:30")),
            None
        );
        assert_eq!(
            Freq::Minutes(30).steps_between(t("2020-01-01 00:00"), t("2020-01-01 02:00")),
            Some(4)
        );
        assert!(Freq::Weeks(1, 6).is_on_grid(t("2024-06-02"))); // a Sunday
        assert!(!Freq::Weeks(1, 6).is_on_grid(t("2024-06-03")));
        assert!(!Freq::QuarterEnd(1).is_on_grid(t("2024-04-30")));
        assert!(Freq::QuarterEnd(1).is_on_grid(t("2024-06-30")));
    }

    #[test]
    fn infers_the_usual_frequencies() {
        let cases: [(&[&str], Freq); 9] = [
            (
                &["1949-01-01", "1949-02-01", "1949-03-01"],
                Freq::MonthStart(1),
            ),
            (
                &["2020-01-31", "2020-02-29", "2020-03-31"],
                Freq::MonthEnd(1),
            ),
            (
                &["2020-03-31", "2020-06-30", "2020-09-30"],
                Freq::QuarterEnd(1),
            ),
            (
                &["2020-01-01", "2020-04-01", "2020-10-01"],
                Freq::QuarterStart(1),
            ),
            (
                &["2019-01-01", "2020-01-01", "2021-01-01"],
                Freq::YearStart(1),
            ),
            (
                &["2019-12-31", "2021-12-31", "2023-12-31"],
                Freq::YearEnd(2),
            ),
            (
                &["2024-06-02", "2024-06-09", "2024-06-23"],
                Freq::Weeks(1, 6),
            ),
            (
                &["2000-06-05 00:00", "2000-06-05 00:30", "2000-06-05 01:00"],
                Freq::Minutes(30),
            ),
            // One gap among regular steps: the most common step wins.
            (
                &[
                    "2015-01-01 00:00",
                    "2015-01-01 01:00",
                    "2015-01-01 03:00",
                    "2015-01-01 04:00",
                ],
                Freq::Hours(1),
            ),
        ];
        for (texts, freq) in cases {
            let kind = parse_time(texts[0].as_bytes()).unwrap().kind;
            assert_eq!(Freq::infer(&ts(texts), kind), Some(freq), "{texts:?}");
        }
        // Months starting in February every 3 months are not QS-JAN.
        assert_eq!(
            Freq::infer(&ts(&["2020-02-01", "2020-05-01"]), TimeKind::Date),
            Some(Freq::MonthStart(3))
        );
        assert_eq!(
            Freq::infer(&[1, 2, 3], TimeKind::Integer),
            Some(Freq::Integer(1))
        );
        assert_eq!(Freq::infer(&[1], TimeKind::Integer), None);
        assert_eq!(
            Freq::infer(
                &ts(&["2020-01-01", "2020-01-02", "2020-01-03"]),
                TimeKind::Date
            ),
            Some(Freq::Days(1))
        );
    }

    /// pandas' `date_range` and `infer_freq` for 19 aliases from random starts, written by
    /// `tools/pandas_date_range_fixture.py`: our grid steps, future times and inferred names
    /// must agree (pandas' anchored quarters such as QE-NOV, which we have no name for, must
    /// still give the same grid).
    #[test]
    fn matches_pandas_date_range_and_infer_freq() {
        let text = include_str!("../../tests/fixtures/pandas/date_range.txt");
        let mut lines = 0;
        for line in text.lines() {
            let fields: Vec<&str> = line.split('|').collect();
            let (alias, inferred) = (fields[0], fields[1]);
            let times: Vec<i64> = fields[2..].iter().map(|f| t(f)).collect();
            let freq = Freq::parse(alias).unwrap();
            assert!(freq.is_on_grid(times[0]), "{line}");
            let mut ours = vec![times[0]];
            freq.future_times(times[0], times.len() - 1, &mut ours);
            assert_eq!(ours, times, "{alias} from {}", fields[2]);
            assert_eq!(freq.steps_between(times[0], times[7]), Some(7), "{line}");
            let found = Freq::infer(&times, TimeKind::DateTime).unwrap();
            match Freq::parse(inferred) {
                Ok(named) => assert_eq!(found.to_string(), named.to_string(), "{line}"),
                Err(_) => {
                    let mut again = vec![times[0]];
                    found.future_times(times[0], 7, &mut again);
                    assert_eq!(again, times, "{line}");
                }
            }
            lines += 1;
        }
        assert_eq!(lines, 114);
    }

    fn any_freq() -> impl Strategy<Value = Freq> {
        (1u32..5, 0u8..7, 0..11).prop_map(|(n, wd, which)| match which {
            0 => Freq::Integer(n as i64),
            1 => Freq::Minutes(n * 10),
            2 => Freq::Hours(n),
            3 => Freq::Days(n),
            4 => Freq::Weeks(n, wd),
            5 => Freq::MonthStart(n),
            6 => Freq::MonthEnd(n),
            7 => Freq::QuarterStart(n),
            8 => Freq::QuarterEnd(n),
            9 => Freq::YearStart(n),
            _ => Freq::YearEnd(n),
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        /// From any on-grid start, advancing k steps is k steps away, back again is the start,
        /// the alias round-trips, and a regular run of times is inferred as the same grid.
        #[test]
        fn advance_steps_and_infer_agree(freq in any_freq(), day in 0i64..40_000, k in 1i64..40) {
            prop_assert_eq!(Freq::parse(&freq.to_string()).unwrap(), freq);
            let kind = if matches!(freq, Freq::Integer(_)) { TimeKind::Integer } else { TimeKind::Date };
            let mut start = if kind == TimeKind::Integer { day } else { day * MICROS_PER_DAY };
            // Move the start onto the grid: the first on-grid day at or after it.
            while !freq.is_on_grid(start) {
                start += MICROS_PER_DAY;
            }
            if freq.month_step().is_some() {
                start = freq.advance(freq.advance(start, 1), -1);
            }
            prop_assert!(freq.is_on_grid(start));
            let end = freq.advance(start, k);
            prop_assert!(freq.is_on_grid(end));
            prop_assert_eq!(freq.steps_between(start, end), Some(k));
            prop_assert_eq!(freq.advance(end, -k), start);
            let mut times = vec![start];
            freq.future_times(start, 4, &mut times);
            let kind = if matches!(freq, Freq::Minutes(_) | Freq::Hours(_)) { TimeKind::DateTime } else { kind };
            // Inference may name the same grid differently (QS every 4 quarters from January
            // is YS): what must agree is the grid.
            let inferred = Freq::infer(&times, kind).unwrap();
            let mut again = vec![start];
            inferred.future_times(start, 4, &mut again);
            prop_assert_eq!(again, times);
        }
    }
}
