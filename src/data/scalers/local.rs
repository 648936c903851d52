//! Local scalers: each series (and each exogenous column of it) normalised by its own
//! statistics before training, and forecasts mapped back afterwards.
//!
//! NeuralForecast's `local_scaler_type` (`core.py`) uses coreforecast's grouped scalers
//! (`coreforecast/scalers.h`) on every temporal column, f32 data:
//!
//! | name        | offset | scale                                  | transform / inverse                 |
//! |-------------|--------|----------------------------------------|-------------------------------------|
//! | standard    | mean   | std (population, accumulated in f64)   | (x − o) / s  /  z·s + o              |
//! | robust      | median | median of \|x − median\|                | as standard                          |
//! | robust-iqr  | median | q75 − q25                              | as standard                          |
//! | minmax      | min    | max − min                              | as standard                          |
//! | boxcox      | λ      | (unused)                               | Box-Cox with λ / its inverse         |
//!
//! Quantiles interpolate linearly between order statistics (position p·(n − 1), numpy's
//! default), so an even count's median is the mean of the middle two (unlike the temporal
//! scalers' torch median). A scale below f32 epsilon in magnitude (a constant series) is
//! replaced by 1 when transforming, so a constant series is only shifted.
//!
//! Box-Cox (`LocalBoxCoxScaler(method="loglik", lower=0.0)`, upper 2.0): λ maximises the
//! profile log-likelihood `(λ − 1) Σ ln x − n/2 · ln var(x^λ / λ)` (`var(ln x)` at λ = 0) by
//! Brent's minimisation on [0, 2] with tolerance `f32::EPSILON^¼`, as coreforecast does. The
//! transform is `expm1(λ ln x)/λ` for x > 0 (`ln x` for |λ| < 1e-19; for x < 0,
//! `(−exp(λ ln(−x)) − 1)/λ`, NaN if λ < 0), the inverse `exp(ln1p(λ z)/λ)` (`exp z` at λ = 0).
//!
//! Differences from NeuralForecast, by choice: statistics use only observed rows (availability
//! 1; NeuralForecast uses every row, which matters only for data with masked rows); a column of a
//! series with no observed row gets the identity (offset 0, scale 1; coreforecast gives NaN);
//! Box-Cox rejects values ≤ 0 with an error naming series, column and timestamp
//! (NeuralForecast rejects values < 0 and produces meaningless λ for zeros). Static exogenous
//! columns (`local_static_scaler_type`) are not covered yet.

use crate::data::datetime::time_to_string;
use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Location, Result};

/// Which local scaler (`local_scaler_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LocalScalerKind {
    /// Mean and standard deviation.
    Standard,
    /// Median and median absolute deviation.
    Robust,
    /// Median and interquartile range.
    RobustIqr,
    /// Minimum and range.
    MinMax,
    /// Box-Cox with a per-series λ.
    BoxCox,
}

impl LocalScalerKind {
    /// All kinds.
    pub const ALL: [LocalScalerKind; 5] = [
        LocalScalerKind::Standard,
        LocalScalerKind::Robust,
        LocalScalerKind::RobustIqr,
        LocalScalerKind::MinMax,
        LocalScalerKind::BoxCox,
    ];

    /// From NeuralForecast's name.
    pub fn parse(name: &str) -> Result<LocalScalerKind> {
        LocalScalerKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                Error::config(
                    "local_scaler_type",
                    format_args!(
                        "unknown '{name}'; expected one of standard, robust, robust-iqr, \
                         minmax, boxcox"
                    ),
                )
            })
    }

    /// NeuralForecast's name.
    pub fn name(self) -> &'static str {
        match self {
            LocalScalerKind::Standard => "standard",
            LocalScalerKind::Robust => "robust",
            LocalScalerKind::RobustIqr => "robust-iqr",
            LocalScalerKind::MinMax => "minmax",
            LocalScalerKind::BoxCox => "boxcox",
        }
    }
}

/// Fitted per-series statistics of every temporal column: the target first, then the
/// future-known, then the historical exogenous columns (dataset order).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalScaler {
    kind: LocalScalerKind,
    columns: Vec<String>,
    n_series: usize,
    /// (C, S) pairs: (offset, scale), or (λ, 0) for Box-Cox.
    stats: Vec<[f32; 2]>,
}

impl LocalScaler {
    /// Fits every temporal column of every series of `ds`.
    ///
    /// Errors: Box-Cox on a value ≤ 0 (names series, column and timestamp).
    pub fn fit(ds: &Dataset, kind: LocalScalerKind) -> Result<LocalScaler> {
        let n_rows = ds.n_rows();
        let mut columns = vec!["y".to_owned()];
        columns.extend(ds.futr_exog.names.iter().cloned());
        columns.extend(ds.hist_exog.names.iter().cloned());
        let n_series = ds.n_series();
        let mut stats = Vec::with_capacity(columns.len() * n_series);
        let mut scratch = Vec::new();
        for (c, name) in columns.iter().enumerate() {
            let col = column(ds, c, n_rows);
            for s in 0..n_series {
                let range = ds.range(s);
                if kind == LocalScalerKind::Standard {
                    // Mean and std need no reordering: straight from the column, no copy.
                    stats.push(standard_stats(&col[range.clone()], &ds.mask[range]));
                    continue;
                }
                scratch.clear();
                for r in range {
                    if ds.mask[r] < 1.0 {
                        continue;
                    }
                    let v = col[r];
                    if kind == LocalScalerKind::BoxCox && v <= 0.0 {
                        return Err(Error::new(
                            ErrorKind::Data,
                            Location::series(ds.ids[s].clone()).at_timestamp(time_to_string(
                                ds.time_kind,
                                ds.times[r],
                                ds.offset_minutes,
                            )),
                            format!(
                                "the boxcox local scaler needs positive values; column '{name}' \
                                 is {v}"
                            ),
                        ));
                    }
                    scratch.push(v);
                }
                stats.push(fit_one(kind, &mut scratch));
            }
        }
        Ok(LocalScaler {
            kind,
            columns,
            n_series,
            stats,
        })
    }

    /// Which scaler.
    pub fn kind(&self) -> LocalScalerKind {
        self.kind
    }

    /// Column names: `y`, then future-known, then historical exogenous.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The fitted state, for saving: (kind, column names, number of series, (C, S) statistics
    /// as in [`LocalScaler::stats`]).
    pub fn to_parts(&self) -> (LocalScalerKind, &[String], usize, &[[f32; 2]]) {
        (self.kind, &self.columns, self.n_series, &self.stats)
    }

    /// A scaler from the state [`LocalScaler::to_parts`] gave (a model file).
    ///
    /// Errors: the statistics are not one pair per column and series, or there is no column.
    pub fn from_parts(
        kind: LocalScalerKind,
        columns: Vec<String>,
        n_series: usize,
        stats: Vec<[f32; 2]>,
    ) -> Result<LocalScaler> {
        if columns.is_empty() || Some(stats.len()) != columns.len().checked_mul(n_series) {
            return Err(Error::bare(
                ErrorKind::Data,
                format!(
                    "local scaler state: {} statistics for {} columns of {n_series} series",
                    stats.len(),
                    columns.len()
                ),
            ));
        }
        Ok(LocalScaler {
            kind,
            columns,
            n_series,
            stats,
        })
    }

    /// (offset, scale) of column `c` of series `s` (for Box-Cox: (λ, 0)).
    pub fn stats(&self, c: usize, s: usize) -> [f32; 2] {
        self.stats[c * self.n_series + s]
    }

    /// Transforms every temporal column of `ds` in place (all rows, observed or not).
    ///
    /// Errors: `ds` has other series or columns than the data the scaler was fitted on.
    pub fn transform(&self, ds: &mut Dataset) -> Result<()> {
        self.check(ds)?;
        let n_rows = ds.n_rows();
        for c in 0..self.columns.len() {
            for s in 0..self.n_series {
                let range = ds.range(s);
                let col = column_mut(ds, c, n_rows);
                self.transform_values(c, s, &mut col[range]);
            }
        }
        Ok(())
    }

    /// Transforms `values` of column `c` of series `s` (e.g. future exogenous values at
    /// prediction time: column `1 + f` for future channel f).
    pub fn transform_values(&self, c: usize, s: usize, values: &mut [f32]) {
        let [o, k] = self.stats(c, s);
        match self.kind {
            LocalScalerKind::BoxCox => values.iter_mut().for_each(|v| *v = boxcox(*v, o)),
            _ => {
                let k = guarded(k);
                values.iter_mut().for_each(|v| *v = (*v - o) / k);
            }
        }
    }

    /// Inverts [`LocalScaler::transform_values`].
    pub fn inverse_values(&self, c: usize, s: usize, values: &mut [f32]) {
        let [o, k] = self.stats(c, s);
        match self.kind {
            LocalScalerKind::BoxCox => values.iter_mut().for_each(|v| *v = inv_boxcox(*v, o)),
            _ => {
                let k = guarded(k);
                values.iter_mut().for_each(|v| *v = *v * k + o);
            }
        }
    }

    /// Maps forecasts of series `s`'s target back to the data's scale.
    pub fn inverse_y(&self, s: usize, values: &mut [f32]) {
        self.inverse_values(0, s, values)
    }

    fn check(&self, ds: &Dataset) -> Result<()> {
        let mut cols = vec!["y".to_owned()];
        cols.extend(ds.futr_exog.names.iter().cloned());
        cols.extend(ds.hist_exog.names.iter().cloned());
        if ds.n_series() != self.n_series || cols != self.columns {
            return Err(Error::config(
                "local_scaler_type",
                format_args!(
                    "the scaler was fitted on {} series with columns {:?}; this data has {} \
                     series with columns {:?}",
                    self.n_series,
                    self.columns,
                    ds.n_series(),
                    cols
                ),
            ));
        }
        Ok(())
    }
}

/// coreforecast replaces a scale below f32 epsilon in magnitude by 1.
fn guarded(scale: f32) -> f32 {
    if scale.abs() < f32::EPSILON {
        1.0
    } else {
        scale
    }
}

fn column(ds: &Dataset, c: usize, n_rows: usize) -> &[f32] {
    let nf = ds.futr_exog.n_cols();
    match c {
        0 => &ds.y,
        c if c <= nf => ds.futr_exog.column(c - 1, n_rows),
        c => ds.hist_exog.column(c - 1 - nf, n_rows),
    }
}

fn column_mut(ds: &mut Dataset, c: usize, n_rows: usize) -> &mut [f32] {
    let nf = ds.futr_exog.n_cols();
    match c {
        0 => &mut ds.y,
        c if c <= nf => &mut ds.futr_exog.values[(c - 1) * n_rows..c * n_rows],
        c => {
            let c = c - 1 - nf;
            &mut ds.hist_exog.values[c * n_rows..(c + 1) * n_rows]
        }
    }
}

/// Lanes of independent f64 accumulators: a single running sum would make every addition wait
/// for the previous one; eight independent ones let the additions overlap and vectorise.
const LANES: usize = 8;

/// `[mean, std]` (population std, ddof 0, as coreforecast) of the entries of `values` whose
/// `mask` is 1, accumulated in f64. Equals `fit_one(Standard, observed values)` up to the
/// order of the f64 additions.
pub fn standard_stats(values: &[f32], mask: &[f32]) -> [f32; 2] {
    if mask.iter().all(|&m| m >= 1.0) {
        return standard_stats_all_observed(values);
    }
    let observed = |m: f32| if m >= 1.0 { 1.0f64 } else { 0.0 };
    let (mut sum, mut count) = ([0f64; LANES], [0f64; LANES]);
    for (v, m) in values.chunks(LANES).zip(mask.chunks(LANES)) {
        for i in 0..v.len() {
            let w = observed(m[i]);
            // w·v would turn a masked NaN into NaN; select instead.
            sum[i] += if w > 0.0 { v[i] as f64 } else { 0.0 };
            count[i] += w;
        }
    }
    let n: f64 = count.iter().sum();
    if n == 0.0 {
        return [0.0, 1.0];
    }
    let mean = sum.iter().sum::<f64>() / n;
    let mut ss = [0f64; LANES];
    for (v, m) in values.chunks(LANES).zip(mask.chunks(LANES)) {
        for i in 0..v.len() {
            let d = v[i] as f64 - mean;
            ss[i] += if m[i] >= 1.0 { d * d } else { 0.0 };
        }
    }
    [mean as f32, (ss.iter().sum::<f64>() / n).sqrt() as f32]
}

/// [`standard_stats`] when every entry is observed (the common case): no selects, so the
/// f32 → f64 conversions and additions vectorise.
fn standard_stats_all_observed(values: &[f32]) -> [f32; 2] {
    if values.is_empty() {
        return [0.0, 1.0];
    }
    let mut sum = [0f64; LANES];
    let chunks = values.chunks_exact(LANES);
    let tail = chunks.remainder();
    for v in chunks {
        for i in 0..LANES {
            sum[i] += v[i] as f64;
        }
    }
    let n = values.len() as f64;
    let mean = (sum.iter().sum::<f64>() + tail.iter().map(|&v| v as f64).sum::<f64>()) / n;
    let mut ss = [0f64; LANES];
    for v in values.chunks_exact(LANES) {
        for i in 0..LANES {
            let d = v[i] as f64 - mean;
            ss[i] += d * d;
        }
    }
    let tail_ss: f64 = tail
        .iter()
        .map(|&v| (v as f64 - mean) * (v as f64 - mean))
        .sum();
    [
        mean as f32,
        ((ss.iter().sum::<f64>() + tail_ss) / n).sqrt() as f32,
    ]
}

/// The statistics of one column of one series over its observed `values` (reordered).
pub fn fit_one(kind: LocalScalerKind, values: &mut [f32]) -> [f32; 2] {
    if values.is_empty() {
        return if kind == LocalScalerKind::BoxCox {
            [1.0, 0.0]
        } else {
            [0.0, 1.0]
        };
    }
    match kind {
        LocalScalerKind::MinMax => {
            let (lo, hi) = values
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            [lo, hi - lo]
        }
        LocalScalerKind::Standard => {
            let n = values.len() as f64;
            let mean = values.iter().map(|&v| v as f64).sum::<f64>() / n;
            let var = values
                .iter()
                .map(|&v| (v as f64 - mean) * (v as f64 - mean))
                .sum::<f64>()
                / n;
            [mean as f32, var.sqrt() as f32]
        }
        LocalScalerKind::RobustIqr => {
            let q1 = quantile(values, 0.25);
            let median = quantile(values, 0.5);
            let q3 = quantile(values, 0.75);
            [median, q3 - q1]
        }
        LocalScalerKind::Robust => {
            let median = quantile(values, 0.5);
            values.iter_mut().for_each(|v| *v = (*v - median).abs());
            [median, quantile(values, 0.5)]
        }
        LocalScalerKind::BoxCox => [boxcox_lambda_loglik(values, 0.0, 2.0), 0.0],
    }
}

/// The p-quantile with linear interpolation at position p·(n − 1), in f32 as coreforecast.
/// Reorders `values`.
///
/// # Panics
/// If `values` is empty.
pub fn quantile(values: &mut [f32], p: f32) -> f32 {
    let n = values.len();
    let pos = p * (n - 1) as f32;
    let i = pos as usize;
    let g = pos - i as f32;
    let (_, &mut at, rest) = values.select_nth_unstable_by(i, |a, b| a.total_cmp(b));
    if g > 0.0 {
        let next = rest.iter().copied().fold(f32::INFINITY, f32::min);
        at + g * (next - at)
    } else {
        at
    }
}

/// The Box-Cox transform with parameter `lambda` (evaluated in f64, so a round trip through
/// [`inv_boxcox`] loses only the rounding of the f32 result).
pub fn boxcox(x: f32, lambda: f32) -> f32 {
    let (x, lambda) = (x as f64, lambda as f64);
    let z = if lambda < 0.0 && x < 0.0 {
        f64::NAN
    } else if lambda.abs() < 1e-19 {
        x.ln()
    } else if x > 0.0 {
        (lambda * x.ln()).exp_m1() / lambda
    } else {
        (-(lambda * (-x).ln()).exp() - 1.0) / lambda
    };
    z as f32
}

/// The inverse Box-Cox transform (evaluated in f64).
pub fn inv_boxcox(z: f32, lambda: f32) -> f32 {
    let (z, lambda) = (z as f64, lambda as f64);
    let x = if lambda < 0.0 && lambda * z + 1.0 < 0.0 {
        f64::NAN
    } else if lambda == 0.0 {
        z.exp()
    } else if lambda * z + 1.0 > 0.0 {
        ((lambda * z).ln_1p() / lambda).exp()
    } else {
        -((-lambda * z - 1.0).ln() / lambda).exp()
    };
    x as f32
}

/// Negative profile log-likelihood of Box-Cox parameter `lambda` for positive `x`, in f32 as
/// coreforecast evaluates it (sums accumulated in f64).
fn boxcox_neg_loglik(lambda: f64, x: &[f32]) -> f64 {
    let lam = lambda as f32;
    let n = x.len() as f64;
    let log_sum: f64 = x.iter().map(|&v| v.ln() as f64).sum();
    let var = if lam == 0.0 {
        let mean = log_sum / n;
        x.iter()
            .map(|&v| (v.ln() as f64 - mean).powi(2))
            .sum::<f64>()
            / n
    } else {
        let t = |v: f32| ((v.ln() * lam).exp() / lam) as f64;
        let mean = x.iter().map(|&v| t(v)).sum::<f64>() / n;
        x.iter().map(|&v| (t(v) - mean).powi(2)).sum::<f64>() / n
    };
    -(((lam as f64 - 1.0) * log_sum - n / 2.0 * var.ln()) as f32) as f64
}

/// The maximum-likelihood Box-Cox λ of positive `x` within [lower, upper] (coreforecast's
/// `method="loglik"`).
pub fn boxcox_lambda_loglik(x: &[f32], lower: f64, upper: f64) -> f32 {
    let tol = (f32::EPSILON as f64).powf(0.25);
    brent_minimize(|l| boxcox_neg_loglik(l, x), lower, upper, tol) as f32
}

/// Brent's minimisation of a unimodal `f` on [a, b] to tolerance `tol`: golden-section steps,
/// replaced by parabolic interpolation through the three best points whenever the parabola's
/// minimum falls inside the bracket and the step shrinks fast enough (Brent 1973, ch. 5; the
/// variant in Forsythe, Malcolm and Moler's `fmin`, which coreforecast also follows, so λ
/// agrees with it to within the tolerance).
pub fn brent_minimize(f: impl Fn(f64) -> f64, mut a: f64, mut b: f64, tol: f64) -> f64 {
    // (3 − √5) / 2: the golden-section fraction, rounded as coreforecast rounds it.
    const GOLD: f64 = 0.381_966_0;
    let sqrt_eps = f64::EPSILON.sqrt();
    // x: best point so far; w: second best; v: previous value of w.
    let mut x = a + GOLD * (b - a);
    let (mut w, mut v) = (x, x);
    let mut fx = f(x);
    let (mut fw, mut fv) = (fx, fx);
    // d: the last step; e: the step before it (the parabola must beat half of it).
    let (mut d, mut e) = (0.0f64, 0.0f64);
    loop {
        let mid = 0.5 * (a + b);
        let tol1 = sqrt_eps * x.abs() + tol / 3.0;
        let tol2 = 2.0 * tol1;
        if (x - mid).abs() <= tol2 - 0.5 * (b - a) {
            return x;
        }
        let mut parabolic = false;
        if e.abs() > tol1 {
            // Fit a parabola through (v, fv), (w, fw), (x, fx): step p / q from x.
            let r = (x - w) * (fx - fv);
            let mut q = (x - v) * (fx - fw);
            let mut p = (x - v) * q - (x - w) * r;
            q = 2.0 * (q - r);
            if q > 0.0 {
                p = -p;
            } else {
                q = -q;
            }
            let e_prev = e;
            e = d;
            if p.abs() < (0.5 * q * e_prev).abs() && p > q * (a - x) && p < q * (b - x) {
                d = p / q;
                let u = x + d;
                // Do not evaluate too close to the bracket ends.
                if u - a < tol2 || b - u < tol2 {
                    d = if x < mid { tol1 } else { -tol1 };
                }
                parabolic = true;
            }
        }
        if !parabolic {
            e = if x < mid { b - x } else { a - x };
            d = GOLD * e;
        }
        // Never step by less than tol1.
        let u = if d.abs() >= tol1 {
            x + d
        } else if d > 0.0 {
            x + tol1
        } else {
            x - tol1
        };
        let fu = f(u);
        if fu <= fx {
            if u < x {
                b = x;
            } else {
                a = x;
            }
            (v, fv) = (w, fw);
            (w, fw) = (x, fx);
            (x, fx) = (u, fu);
        } else {
            if u < x {
                a = u;
            } else {
                b = u;
            }
            if fu <= fw || w == x {
                (v, fv) = (w, fw);
                (w, fw) = (u, fu);
            } else if fu <= fv || v == x || v == w {
                (v, fv) = (u, fu);
            }
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn standard_stats_skip_masked_entries_and_match_fit_one() {
        let values = [
            3.0,
            f32::NAN,
            5.0,
            9.5,
            -1.0,
            2.25,
            7.0,
            0.5,
            4.0,
            11.0,
            6.0,
        ];
        let mask = [1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0];
        let mut observed: Vec<f32> = values
            .iter()
            .zip(&mask)
            .filter(|(_, &m)| m >= 1.0)
            .map(|(&v, _)| v)
            .collect();
        let [m1, s1] = standard_stats(&values, &mask);
        let [m2, s2] = fit_one(LocalScalerKind::Standard, &mut observed);
        let [m3, s3] = standard_stats(&observed, &vec![1.0; observed.len()]);
        assert!((m3 - m2).abs() <= 1e-6 * m2.abs() && (s3 - s2).abs() <= 1e-6 * s2);
        assert!(
            (m1 - m2).abs() <= 1e-6 * m2.abs() && (s1 - s2).abs() <= 1e-6 * s2,
            "{m1} {s1} vs {m2} {s2}"
        );
        assert_eq!(standard_stats(&[1.0, 2.0], &[0.0, 0.0]), [0.0, 1.0]);
    }
    use super::*;

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let mut v = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(quantile(&mut v, 0.5), 2.5);
        assert_eq!(quantile(&mut v, 0.25), 1.75);
        assert_eq!(quantile(&mut v, 0.75), 3.25);
        let mut v = [5.0];
        assert_eq!(quantile(&mut v, 0.5), 5.0);
    }

    #[test]
    fn hand_computed_statistics() {
        let x = [1.0f32, 2.0, 3.0, 4.0, 10.0];
        let fit = |k| fit_one(k, &mut x.to_vec());
        assert_eq!(fit(LocalScalerKind::MinMax), [1.0, 9.0]);
        // mean 4, population variance (9 + 4 + 1 + 0 + 36)/5 = 10.
        let [m, s] = fit(LocalScalerKind::Standard);
        assert_eq!(m, 4.0);
        assert!((s - 10f32.sqrt()).abs() < 1e-6);
        // median 3; |x − 3| = 2,1,0,1,7 → median 1.
        assert_eq!(fit(LocalScalerKind::Robust), [3.0, 1.0]);
        // q25 = 2, q75 = 4.
        assert_eq!(fit(LocalScalerKind::RobustIqr), [3.0, 2.0]);
    }

    #[test]
    fn brent_finds_a_parabola_minimum() {
        let m = brent_minimize(|x| (x - 0.7).powi(2) + 1.0, 0.0, 2.0, 1e-8);
        assert!((m - 0.7).abs() < 1e-6, "{m}");
        // A minimum at the bracket end is approached to within the tolerance.
        let m = brent_minimize(|x| x, 0.0, 2.0, 1e-5);
        assert!(m < 1e-4, "{m}");
    }

    #[test]
    fn boxcox_round_trips_and_lambda_one_is_a_shift() {
        for &l in &[0.0f32, 0.3, 1.0, 1.7] {
            for &x in &[0.5f32, 1.0, 7.0, 120.0] {
                let z = boxcox(x, l);
                assert!((inv_boxcox(z, l) - x).abs() <= 1e-5 * x, "{l} {x}");
            }
        }
        assert!((boxcox(5.0, 1.0) - 4.0).abs() < 1e-6);
    }

    #[test]
    fn boxcox_rejects_non_positive_values_with_location() {
        let d = Dataset::from_series(&[("a", &[1.0, 2.0]), ("b", &[3.0, 0.0])]);
        let e = LocalScaler::fit(&d, LocalScalerKind::BoxCox).unwrap_err();
        assert_eq!(e.location.series.as_deref(), Some("b"));
        assert_eq!(e.location.timestamp.as_deref(), Some("1"));
    }
}
