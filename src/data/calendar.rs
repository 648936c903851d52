//! Calendar features of timestamps, written into caller-provided `f32` buffers.
//!
//! Two encodings of each feature:
//! - [`Encoding::Raw`]: pandas' accessor values (`hour` 0..=23, `minute` 0..=59, `dayofweek`
//!   0 = Monday .. 6 = Sunday, `day` 1..=31, `dayofyear` 1..=366, ISO `week` 1..=53, `month`
//!   1..=12, `quarter` 1..=4);
//! - [`Encoding::Centered`]: NeuralForecast's `augment_calendar_df` / `TimeFeature` encoding,
//!   each value mapped onto [-0.5, 0.5] by its fixed range (`hour / 23 - 0.5`,
//!   `(day - 1) / 30 - 0.5`, `(dayofyear - 1) / 365 - 0.5`, `(week - 1) / 52 - 0.5`, ...).
//!   Quarter has no NeuralForecast encoding; it gets the same treatment, `(quarter - 1) / 3 - 0.5`.
//!
//! Times are the wall-clock values of [`crate::data::datetime`], so features describe the dates
//! the user wrote, whatever their UTC offset.

use crate::data::datetime::{Civil, TimeKind};
use crate::data::freq::Freq;
use crate::error::{Error, Result};

/// One calendar feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CalendarFeature {
    /// Minute of the hour, 0..=59.
    Minute,
    /// Hour of the day, 0..=23.
    Hour,
    /// Day of the week, 0 = Monday .. 6 = Sunday.
    DayOfWeek,
    /// Day of the month, 1..=31.
    DayOfMonth,
    /// Day of the year, 1..=366.
    DayOfYear,
    /// ISO week of the year, 1..=53.
    Week,
    /// Month, 1..=12.
    Month,
    /// Quarter, 1..=4.
    Quarter,
}

/// How a feature's value is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// pandas' integer values, as `f32`.
    Raw,
    /// NeuralForecast's [-0.5, 0.5] encoding.
    Centered,
}

impl CalendarFeature {
    /// Every feature, finest first.
    pub const ALL: [CalendarFeature; 8] = [
        CalendarFeature::Minute,
        CalendarFeature::Hour,
        CalendarFeature::DayOfWeek,
        CalendarFeature::DayOfMonth,
        CalendarFeature::DayOfYear,
        CalendarFeature::Week,
        CalendarFeature::Month,
        CalendarFeature::Quarter,
    ];

    /// The pandas accessor name (`hour`, `dayofweek`, `day`, `dayofyear`, `week`, `month`,
    /// `quarter`, `minute`), used as the column name.
    pub fn name(&self) -> &'static str {
        match self {
            CalendarFeature::Minute => "minute",
            CalendarFeature::Hour => "hour",
            CalendarFeature::DayOfWeek => "dayofweek",
            CalendarFeature::DayOfMonth => "day",
            CalendarFeature::DayOfYear => "dayofyear",
            CalendarFeature::Week => "week",
            CalendarFeature::Month => "month",
            CalendarFeature::Quarter => "quarter",
        }
    }

    /// The feature called `name` (as [`CalendarFeature::name`] writes it).
    pub fn parse(name: &str) -> Result<CalendarFeature> {
        CalendarFeature::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = CalendarFeature::ALL.iter().map(|f| f.name()).collect();
                Error::config(
                    "calendar feature",
                    format!("unknown feature '{name}' (known: {})", names.join(", ")),
                )
            })
    }

    /// The pandas value of this feature at `c`.
    pub fn raw(&self, c: &Civil) -> u32 {
        match self {
            CalendarFeature::Minute => c.minute,
            CalendarFeature::Hour => c.hour,
            CalendarFeature::DayOfWeek => c.weekday(),
            CalendarFeature::DayOfMonth => c.day,
            CalendarFeature::DayOfYear => c.day_of_year(),
            CalendarFeature::Week => c.iso_week().1,
            CalendarFeature::Month => c.month,
            CalendarFeature::Quarter => c.quarter(),
        }
    }

    /// (smallest raw value, largest raw value minus smallest): NeuralForecast divides by the
    /// second after subtracting the first.
    fn range(&self) -> (f32, f32) {
        match self {
            CalendarFeature::Minute => (0.0, 59.0),
            CalendarFeature::Hour => (0.0, 23.0),
            CalendarFeature::DayOfWeek => (0.0, 6.0),
            CalendarFeature::DayOfMonth => (1.0, 30.0),
            CalendarFeature::DayOfYear => (1.0, 365.0),
            CalendarFeature::Week => (1.0, 52.0),
            CalendarFeature::Month => (1.0, 11.0),
            CalendarFeature::Quarter => (1.0, 3.0),
        }
    }

    /// The feature at `c` in `encoding`.
    pub fn value(&self, c: &Civil, encoding: Encoding) -> f32 {
        let raw = self.raw(c) as f32;
        match encoding {
            Encoding::Raw => raw,
            Encoding::Centered => {
                let (lo, span) = self.range();
                (raw - lo) / span - 0.5
            }
        }
    }

    /// The features NeuralForecast's `augment_calendar_df` adds for a frequency: month for
    /// monthly and quarterly data, day of month and week for weekly, day of week, month and
    /// year for daily, plus hour for hourly and minute for minute data. Yearly and integer
    /// frequencies get none.
    pub fn for_freq(freq: Freq) -> &'static [CalendarFeature] {
        use CalendarFeature::*;
        match freq {
            Freq::MonthStart(_)
            | Freq::MonthEnd(_)
            | Freq::QuarterStart(_)
            | Freq::QuarterEnd(_) => &[Month],
            Freq::Weeks(..) => &[DayOfMonth, Week],
            Freq::Days(_) => &[DayOfWeek, DayOfMonth, DayOfYear],
            Freq::Hours(_) => &[Hour, DayOfWeek, DayOfMonth, DayOfYear],
            Freq::Minutes(_) => &[Minute, Hour, DayOfWeek, DayOfMonth, DayOfYear],
            Freq::YearStart(_) | Freq::YearEnd(_) | Freq::Integer(_) => &[],
        }
    }
}

/// Writes `feature` of every time in `times` (of `kind`) into `out`. Integer time indices
/// have no calendar: that is an error naming the feature.
///
/// # Panics
/// If `out.len() != times.len()`.
pub fn calendar_feature(
    feature: CalendarFeature,
    encoding: Encoding,
    times: &[i64],
    kind: TimeKind,
    out: &mut [f32],
) -> Result<()> {
    assert_eq!(out.len(), times.len(), "one output per time");
    if kind == TimeKind::Integer {
        return Err(Error::config(
            "calendar feature",
            format!(
                "'{}' needs dates, but the time column holds integer indices",
                feature.name()
            ),
        ));
    }
    for (o, &t) in out.iter_mut().zip(times) {
        *o = feature.value(&Civil::from_micros(t), encoding);
    }
    Ok(())
}

/// Writes several features, one after another: `out[f * n + i]` is feature `f` of `times[i]`
/// (the column-major layout of [`crate::data::dataset::ExogBlock`]).
///
/// # Panics
/// If `out.len() != features.len() * times.len()`.
pub fn calendar_features(
    features: &[CalendarFeature],
    encoding: Encoding,
    times: &[i64],
    kind: TimeKind,
    out: &mut [f32], // (F, N)
) -> Result<()> {
    let n = times.len();
    assert_eq!(out.len(), features.len() * n, "F * N outputs");
    if n == 0 {
        return Ok(());
    }
    for (feature, column) in features.iter().zip(out.chunks_exact_mut(n)) {
        calendar_feature(*feature, encoding, times, kind, column)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datetime::parse_time;

    fn t(text: &str) -> i64 {
        parse_time(text.as_bytes()).unwrap().value
    }

    #[test]
    fn raw_values_follow_pandas() {
        // pd.Timestamp("2024-12-30 17:45"): Monday, ISO week 1 of 2025, day 365 of a leap year.
        let times = [t("2024-12-30 17:45"), t("2021-01-03 00:00")];
        let expect = [
            (CalendarFeature::Minute, [45.0, 0.0]),
            (CalendarFeature::Hour, [17.0, 0.0]),
            (CalendarFeature::DayOfWeek, [0.0, 6.0]),
            (CalendarFeature::DayOfMonth, [30.0, 3.0]),
            (CalendarFeature::DayOfYear, [365.0, 3.0]),
            (CalendarFeature::Week, [1.0, 53.0]),
            (CalendarFeature::Month, [12.0, 1.0]),
            (CalendarFeature::Quarter, [4.0, 1.0]),
        ];
        for (feature, want) in expect {
            let mut out = [0.0; 2];
            calendar_feature(feature, Encoding::Raw, &times, TimeKind::DateTime, &mut out).unwrap();
            assert_eq!(out, want, "{}", feature.name());
            assert_eq!(CalendarFeature::parse(feature.name()).unwrap(), feature);
        }
    }

    #[test]
    fn centered_values_follow_neuralforecast() {
        let c = Civil::from_micros(t("2024-12-30 17:45"));
        let close = |a: f32, b: f64| (a as f64 - b).abs() < 1e-6;
        assert!(close(
            CalendarFeature::Hour.value(&c, Encoding::Centered),
            17.0 / 23.0 - 0.5
        ));
        assert!(close(
            CalendarFeature::DayOfMonth.value(&c, Encoding::Centered),
            29.0 / 30.0 - 0.5
        ));
        assert!(close(
            CalendarFeature::Month.value(&c, Encoding::Centered),
            0.5
        ));
        assert!(close(
            CalendarFeature::DayOfWeek.value(&c, Encoding::Centered),
            -0.5
        ));
        assert!(close(
            CalendarFeature::DayOfYear.value(&c, Encoding::Centered),
            364.0 / 365.0 - 0.5
        ));
    }

    #[test]
    fn several_features_are_stored_column_after_column() {
        let times = [t("2020-01-01"), t("2020-04-01"), t("2020-07-01")];
        let mut out = [0.0; 6];
        calendar_features(
            &[CalendarFeature::Month, CalendarFeature::Quarter],
            Encoding::Raw,
            &times,
            TimeKind::Date,
            &mut out,
        )
        .unwrap();
        assert_eq!(out, [1.0, 4.0, 7.0, 1.0, 2.0, 3.0]);
        assert_eq!(
            CalendarFeature::for_freq(Freq::Hours(1)),
            &[
                CalendarFeature::Hour,
                CalendarFeature::DayOfWeek,
                CalendarFeature::DayOfMonth,
                CalendarFeature::DayOfYear
            ]
        );
    }

    /// pandas' accessors on 488 datetimes (random ones from 1900 to 2100, and year ends),
    /// written by `tools/pandas_calendar_fixture.py`.
    #[test]
    fn raw_values_match_a_pandas_fixture() {
        let text = include_str!("../../tests/fixtures/pandas/calendar.csv");
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let features: Vec<CalendarFeature> = header[1..]
            .iter()
            .map(|name| CalendarFeature::parse(name).unwrap())
            .collect();
        assert_eq!(features.len(), CalendarFeature::ALL.len());
        let mut rows = 0;
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            let c = Civil::from_micros(parse_time(fields[0].as_bytes()).unwrap().value);
            for (feature, want) in features.iter().zip(&fields[1..]) {
                let got = feature.value(&c, Encoding::Raw);
                assert_eq!(
                    got.to_string(),
                    *want,
                    "{} of {}",
                    feature.name(),
                    fields[0]
                );
            }
            rows += 1;
        }
        assert_eq!(rows, 488);
    }

    #[test]
    fn integer_indices_have_no_calendar() {
        let mut out = [0.0; 2];
        let e = calendar_feature(
            CalendarFeature::Month,
            Encoding::Raw,
            &[1, 2],
            TimeKind::Integer,
            &mut out,
        )
        .unwrap_err();
        assert!(e.to_string().contains("'month' needs dates"), "{e}");
        assert!(CalendarFeature::parse("weekday").is_err());
    }
}
