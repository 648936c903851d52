//! Point-forecast accuracy metrics: MAE, RMSE, sMAPE and MASE.
//!
//! Definitions follow utilsforecast (`utilsforecast.losses`, which NeuralForecast's tutorials
//! evaluate with): each metric is computed per series over its horizon, then averaged over
//! series with equal weight (`evaluate(...).mean()`).
//!
//! - MAE  = mean |y − ŷ|
//! - RMSE = sqrt(mean (y − ŷ)²)
//! - sMAPE = 200 · mean(|y − ŷ| / (|y| + |ŷ|)), **in percent, 0..200**, the M3 competition's
//!   convention (Makridakis & Hibon 2000) and the figures the M3 papers report. utilsforecast's
//!   `smape` is the same quantity without the factor 200 (a fraction in 0..1): multiply it by
//!   200 to compare. A term with y = ŷ = 0 counts as 0 (utilsforecast's `fillna(0)`).
//! - MASE = MAE / mean over the training series of |y_t − y_{t−m}| (the in-sample MAE of the
//!   seasonal naive forecast with season `m`, utilsforecast's `mase(..., seasonality=m)`).
//!   A series whose training scale is 0 (constant at lag m) has an infinite or undefined MASE;
//!   it is reported as NaN and left out of the average over series.
//!
//! Missing values (NaN) in actuals or forecasts are an error at the caller's level: these
//! functions take complete, equal-length slices.

/// The four metrics of one forecast (one series, or averaged over series).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Metrics {
    /// Mean absolute error.
    pub mae: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Symmetric MAPE in percent (0..200).
    pub smape: f64,
    /// Mean absolute scaled error (NaN when the training scale is 0).
    pub mase: f64,
}

/// Mean absolute error of `forecast` against `actual`.
///
/// # Panics
/// If the slices differ in length or are empty.
pub fn mae(actual: &[f64], forecast: &[f64]) -> f64 {
    check(actual, forecast);
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f).abs())
        .sum();
    sum / actual.len() as f64
}

/// Root mean squared error.
///
/// # Panics
/// If the slices differ in length or are empty.
pub fn rmse(actual: &[f64], forecast: &[f64]) -> f64 {
    check(actual, forecast);
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| (y - f) * (y - f))
        .sum();
    (sum / actual.len() as f64).sqrt()
}

/// Symmetric MAPE in percent (0..200); 0/0 terms count as 0.
///
/// # Panics
/// If the slices differ in length or are empty.
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    check(actual, forecast);
    let sum: f64 = actual
        .iter()
        .zip(forecast)
        .map(|(y, f)| {
            let scale = y.abs() + f.abs();
            if scale == 0.0 {
                0.0
            } else {
                (y - f).abs() / scale
            }
        })
        .sum();
    200.0 * sum / actual.len() as f64
}

/// The in-sample MAE of the seasonal naive forecast with season `m` on `train`: MASE's scale.
/// NaN when the series has at most `m` values.
///
/// # Panics
/// If `m` is 0.
pub fn seasonal_scale(train: &[f64], m: usize) -> f64 {
    assert!(m > 0, "season must be at least 1");
    if train.len() <= m {
        return f64::NAN;
    }
    let sum: f64 = train[m..]
        .iter()
        .zip(train)
        .map(|(now, before)| (now - before).abs())
        .sum();
    sum / (train.len() - m) as f64
}

/// Mean absolute scaled error with season `m`; NaN when the scale is 0 or undefined.
///
/// # Panics
/// If the slices differ in length or are empty, or `m` is 0.
pub fn mase(actual: &[f64], forecast: &[f64], train: &[f64], m: usize) -> f64 {
    let scale = seasonal_scale(train, m);
    if scale.is_nan() || scale == 0.0 {
        return f64::NAN;
    }
    mae(actual, forecast) / scale
}

impl Metrics {
    /// All four metrics of one series.
    ///
    /// # Panics
    /// As the functions above.
    pub fn of_series(actual: &[f64], forecast: &[f64], train: &[f64], m: usize) -> Metrics {
        Metrics {
            mae: mae(actual, forecast),
            rmse: rmse(actual, forecast),
            smape: smape(actual, forecast),
            mase: mase(actual, forecast, train, m),
        }
    }

    /// The mean over series of each metric (NaN entries left out; NaN when all are).
    pub fn mean(per_series: &[Metrics]) -> Metrics {
        let avg = |f: fn(&Metrics) -> f64| {
            let (sum, n) = per_series
                .iter()
                .map(f)
                .filter(|x| !x.is_nan())
                .fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
            if n == 0 {
                f64::NAN
            } else {
                sum / n as f64
            }
        };
        Metrics {
            mae: avg(|m| m.mae),
            rmse: avg(|m| m.rmse),
            smape: avg(|m| m.smape),
            mase: avg(|m| m.mase),
        }
    }
}

fn check(actual: &[f64], forecast: &[f64]) {
    assert_eq!(actual.len(), forecast.len(), "actual and forecast lengths");
    assert!(!actual.is_empty(), "metrics of an empty horizon");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_values() {
        let y = [1.0, 2.0, 4.0];
        let f = [2.0, 2.0, 2.0];
        assert_eq!(mae(&y, &f), 1.0);
        assert!((rmse(&y, &f) - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        // 200/3 · (1/3 + 0 + 2/6)
        assert!((smape(&y, &f) - 200.0 / 3.0 * (2.0 / 3.0)).abs() < 1e-12);
        // scale with m = 1 on [1, 3, 4]: (2 + 1) / 2 = 1.5
        assert_eq!(seasonal_scale(&[1.0, 3.0, 4.0], 1), 1.5);
        assert!((mase(&y, &f, &[1.0, 3.0, 4.0], 1) - 1.0 / 1.5).abs() < 1e-15);
    }

    #[test]
    fn smape_bounds_and_zero_over_zero() {
        assert_eq!(smape(&[0.0, 0.0], &[0.0, 0.0]), 0.0);
        assert_eq!(smape(&[1.0], &[-1.0]), 200.0);
        assert_eq!(smape(&[0.0], &[5.0]), 200.0);
        assert_eq!(smape(&[3.0], &[3.0]), 0.0);
    }

    #[test]
    fn mase_of_a_constant_training_series_is_nan_and_skipped_in_the_mean() {
        assert!(mase(&[1.0], &[2.0], &[5.0, 5.0, 5.0], 1).is_nan());
        assert!(mase(&[1.0], &[2.0], &[5.0], 1).is_nan());
        let a = Metrics::of_series(&[1.0], &[2.0], &[5.0, 5.0], 1);
        let b = Metrics::of_series(&[1.0], &[4.0], &[1.0, 2.0], 1);
        let m = Metrics::mean(&[a, b]);
        assert_eq!(m.mae, 2.0);
        assert_eq!(m.mase, 3.0);
    }

    #[test]
    fn seasonal_scale_uses_the_lag() {
        // lag 2 differences: |3-1|, |4-2|, |9-3| = 2, 2, 6 → 10/3
        let s = seasonal_scale(&[1.0, 2.0, 3.0, 4.0, 9.0], 2);
        assert!((s - 10.0 / 3.0).abs() < 1e-15);
    }
}
