//! SeasonalNaive: the baseline every `eval` run reports.
//!
//! As statsforecast's `SeasonalNaive(season_length=m)`: the forecast for step k (1-based) of
//! the horizon repeats the value one season earlier, i.e. the last `m` observations cycled,
//! `ŷ[T + k] = y[T − m + ((k − 1) mod m)]`. With m = 1 it is the naive forecast (last value).
//! statsforecast rejects series shorter than a season; so do we (the caller names the series).

/// The `h`-step seasonal naive forecast of `history` with season `m`, or `None` when the
/// history holds fewer than `m` values.
///
/// # Panics
/// If `m` is 0.
pub fn forecast(history: &[f64], m: usize, h: usize) -> Option<Vec<f64>> {
    assert!(m > 0, "season must be at least 1");
    if history.len() < m {
        return None;
    }
    let season = &history[history.len() - m..];
    Some((0..h).map(|k| season[k % m]).collect())
}

/// The season length customary for a frequency: 12 for monthly, 4 quarterly, 7 daily, 24
/// hourly, 52 weekly, 1 for yearly, integer-indexed and sub-hourly data (no assumption).
pub fn default_season(freq: crate::data::Freq) -> usize {
    use crate::data::Freq;
    match freq {
        Freq::MonthStart(1) | Freq::MonthEnd(1) => 12,
        Freq::QuarterStart(1) | Freq::QuarterEnd(1) => 4,
        Freq::Days(1) => 7,
        Freq::Hours(1) => 24,
        Freq::Weeks(1, _) => 52,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Freq;

    #[test]
    fn repeats_the_last_season() {
        let y = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(forecast(&y, 2, 5).unwrap(), [4.0, 5.0, 4.0, 5.0, 4.0]);
        assert_eq!(forecast(&y, 1, 3).unwrap(), [5.0, 5.0, 5.0]);
        assert_eq!(forecast(&y, 5, 2).unwrap(), [1.0, 2.0]);
        assert!(forecast(&y, 6, 2).is_none());
    }

    #[test]
    fn air_passengers_1960_mae_is_47_83() {
        // The 1959 and 1960 values of AirPassengers (Box-Jenkins series G).
        let y1959 = [
            360.0, 342.0, 406.0, 396.0, 420.0, 472.0, 548.0, 559.0, 463.0, 407.0, 362.0, 405.0,
        ];
        let y1960 = [
            417.0, 391.0, 419.0, 461.0, 472.0, 535.0, 622.0, 606.0, 508.0, 461.0, 390.0, 432.0,
        ];
        let f = forecast(&y1959, 12, 12).unwrap();
        let mae = crate::eval::metrics::mae(&y1960, &f);
        assert!((mae - 47.8333).abs() < 1e-3, "{mae}");
    }

    #[test]
    fn seasons_by_frequency() {
        assert_eq!(default_season(Freq::MonthStart(1)), 12);
        assert_eq!(default_season(Freq::QuarterEnd(1)), 4);
        assert_eq!(default_season(Freq::Integer(1)), 1);
        assert_eq!(default_season(Freq::Hours(1)), 24);
    }
}
