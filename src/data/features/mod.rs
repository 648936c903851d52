//! Feature engineering on per-series columns: differences (with their inverse), lags, rolling
//! and expanding statistics, Fourier terms. Calendar features live in `data::calendar`.
//!
//! Each family has a kernel over one series (`&[f32]` in, caller-provided `&mut [f32]` out,
//! NaN where pandas gives NaN) and runs per series over a column laid out like
//! [`Dataset::y`]: series `s` owns rows `offsets[s]..offsets[s + 1]`, and no feature reaches
//! across a series boundary. [`compute`] takes a list of [`Feature`]s and returns the columns
//! as an [`ExogBlock`] (C, N) with pandas/mlforecast-style names; its only allocations are the
//! output and one scratch deque, none per series.
//!
//! Missing values: the kernels take NaN as missing, as pandas does. A [`Dataset`] stores 0 at
//! masked rows, so [`target_with_nan`] puts NaN back before features are computed from it.

pub mod diff;
pub mod expanding;
pub mod fourier;
pub mod lags;
pub mod rolling;

pub use diff::Differences;

use crate::data::dataset::{Dataset, ExogBlock};
use crate::error::{Error, Result};

/// One feature family with its parameters; see [`compute`].
#[derive(Clone, Debug, PartialEq)]
pub enum Feature {
    /// Differences at the given lags (`[1]`, `[1, 1]`, `[7]`, `[1, 7]`); column `diff_1_7`.
    Diff(Vec<usize>),
    /// Lagged copies; columns `lag1`, `lag7`, ...
    Lags(Vec<usize>),
    /// Rolling mean over each window; columns `rolling_mean_7`, ...
    RollingMean(Vec<usize>),
    /// Rolling standard deviation (ddof = 1); columns `rolling_std_7`, ...
    RollingStd(Vec<usize>),
    /// Rolling minimum; columns `rolling_min_7`, ...
    RollingMin(Vec<usize>),
    /// Rolling maximum; columns `rolling_max_7`, ...
    RollingMax(Vec<usize>),
    /// Expanding mean; column `expanding_mean`.
    ExpandingMean,
    /// Expanding standard deviation (ddof = 1); column `expanding_std`.
    ExpandingStd,
    /// Fourier terms of a period with K harmonics; columns `sin1_7`, ..., `cosK_7`.
    Fourier {
        /// Season length in steps (utilsforecast's `season_length`).
        period: f64,
        /// Number of harmonics K.
        harmonics: usize,
    },
}

impl Feature {
    /// Checks the parameters: windows at least 1, lags and diff lags valid, period positive.
    pub fn check(&self) -> Result<()> {
        let windows = |ws: &[usize]| -> Result<()> {
            if ws.is_empty() {
                return Err(Error::config("windows", "need at least one window"));
            }
            if ws.contains(&0) {
                return Err(Error::config(
                    "windows",
                    format!("{ws:?}: every window must be at least 1"),
                ));
            }
            Ok(())
        };
        match self {
            Feature::Diff(l) => Differences::new(l).map(drop),
            Feature::Lags(ks) => lags::check_lags(ks),
            Feature::RollingMean(w)
            | Feature::RollingStd(w)
            | Feature::RollingMin(w)
            | Feature::RollingMax(w) => windows(w),
            Feature::ExpandingMean | Feature::ExpandingStd => Ok(()),
            Feature::Fourier { period, harmonics } => fourier::check(*period, *harmonics),
        }
    }

    /// The names of the columns this feature produces, in order.
    pub fn names(&self) -> Vec<String> {
        let rolling = |stat: &str, ws: &[usize]| -> Vec<String> {
            ws.iter().map(|w| format!("rolling_{stat}_{w}")).collect()
        };
        match self {
            Feature::Diff(l) => vec![diff::name(l)],
            Feature::Lags(ks) => ks.iter().map(|&k| lags::lag_name(k)).collect(),
            Feature::RollingMean(w) => rolling("mean", w),
            Feature::RollingStd(w) => rolling("std", w),
            Feature::RollingMin(w) => rolling("min", w),
            Feature::RollingMax(w) => rolling("max", w),
            Feature::ExpandingMean => vec!["expanding_mean".into()],
            Feature::ExpandingStd => vec!["expanding_std".into()],
            Feature::Fourier { period, harmonics } => fourier::names(*period, *harmonics),
        }
    }
}

/// Runs `f(series, out)` on every series of a column laid out by `offsets`, with `out` the
/// matching rows of a (N,) output.
///
/// # Panics
/// If `x` and `out` differ in length or `offsets` does not end at `x.len()`.
pub fn per_series(
    offsets: &[usize],
    x: &[f32],
    out: &mut [f32],
    mut f: impl FnMut(&[f32], &mut [f32]),
) {
    assert_eq!(x.len(), out.len(), "per_series: lengths differ");
    assert_eq!(
        offsets.last().copied().unwrap_or(0),
        x.len(),
        "per_series: offsets end"
    );
    for w in offsets.windows(2) {
        f(&x[w[0]..w[1]], &mut out[w[0]..w[1]]);
    }
}

/// The target of `ds` with NaN where it is masked (missing), as pandas would hold it.
pub fn target_with_nan(ds: &Dataset) -> Vec<f32> {
    ds.y.iter()
        .zip(&ds.mask)
        .map(|(&y, &m)| if m == 0.0 { f32::NAN } else { y })
        .collect()
}

/// Computes `features` of a column `x` laid out by `offsets` into one block (C, N), columns in
/// the order of the features and of each feature's [`Feature::names`]. Errors on bad
/// parameters or when two features would produce the same column name.
pub fn compute(offsets: &[usize], x: &[f32], features: &[Feature]) -> Result<ExogBlock> {
    let n = x.len();
    if offsets.first() != Some(&0) || offsets.last() != Some(&n) {
        return Err(Error::config(
            "offsets",
            format!("must run from 0 to the column length {n}"),
        ));
    }
    let mut names: Vec<String> = Vec::new();
    for f in features {
        f.check()?;
        for name in f.names() {
            if names.contains(&name) {
                return Err(Error::config(
                    "features",
                    format!("two features produce the column '{name}'"),
                ));
            }
            names.push(name);
        }
    }
    let mut values = vec![0.0f32; names.len() * n];
    let max_window = features
        .iter()
        .filter_map(|f| match f {
            Feature::RollingMin(w) | Feature::RollingMax(w) => w.iter().max().copied(),
            _ => None,
        })
        .max()
        .unwrap_or(0);
    let mut scratch = rolling::MinMaxScratch::with_window(max_window);
    // Column c of the block is values[c * n..(c + 1) * n].
    let mut c = 0;
    let mut take = |width: usize| {
        let range = c * n..(c + width) * n;
        c += width;
        range
    };
    for f in features {
        match f {
            Feature::Diff(l) => {
                let d = Differences::new(l)?;
                let col = &mut values[take(1)];
                per_series(offsets, x, col, |s, o| d.apply(s, o));
            }
            Feature::Lags(ks) => {
                for &k in ks {
                    let col = &mut values[take(1)];
                    per_series(offsets, x, col, |s, o| lags::lag(s, k, o));
                }
            }
            Feature::RollingMean(ws) => {
                for &w in ws {
                    let col = &mut values[take(1)];
                    per_series(offsets, x, col, |s, o| rolling::rolling_mean(s, w, o));
                }
            }
            Feature::RollingStd(ws) => {
                for &w in ws {
                    let col = &mut values[take(1)];
                    per_series(offsets, x, col, |s, o| rolling::rolling_std(s, w, o));
                }
            }
            Feature::RollingMin(ws) => {
                for &w in ws {
                    let col = &mut values[take(1)];
                    per_series(offsets, x, col, |s, o| {
                        rolling::rolling_min(s, w, o, &mut scratch)
                    });
                }
            }
            Feature::RollingMax(ws) => {
                for &w in ws {
                    let col = &mut values[take(1)];
                    per_series(offsets, x, col, |s, o| {
                        rolling::rolling_max(s, w, o, &mut scratch)
                    });
                }
            }
            Feature::ExpandingMean => {
                let col = &mut values[take(1)];
                per_series(offsets, x, col, expanding::expanding_mean);
            }
            Feature::ExpandingStd => {
                let col = &mut values[take(1)];
                per_series(offsets, x, col, expanding::expanding_std);
            }
            Feature::Fourier { period, harmonics } => {
                let block = &mut values[take(2 * harmonics)];
                fourier::fourier_per_series(offsets, *period, *harmonics, block);
            }
        }
    }
    Ok(ExogBlock { names, values })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compute_names_columns_and_keeps_series_apart() {
        let a: Vec<f32> = (0..10).map(|t| t as f32).collect();
        let b: Vec<f32> = (0..6).map(|t| 100.0 + 2.0 * t as f32).collect();
        let ds = Dataset::from_series(&[("a", &a), ("b", &b)]);
        let features = [
            Feature::Diff(vec![1]),
            Feature::Lags(vec![1, 2]),
            Feature::RollingMean(vec![3]),
            Feature::RollingStd(vec![3]),
            Feature::RollingMin(vec![2]),
            Feature::RollingMax(vec![4]),
            Feature::ExpandingMean,
            Feature::ExpandingStd,
            Feature::Fourier {
                period: 7.0,
                harmonics: 1,
            },
        ];
        let block = compute(&ds.offsets, &ds.y, &features).unwrap();
        assert_eq!(
            block.names,
            [
                "diff_1",
                "lag1",
                "lag2",
                "rolling_mean_3",
                "rolling_std_3",
                "rolling_min_2",
                "rolling_max_4",
                "expanding_mean",
                "expanding_std",
                "sin1_7",
                "cos1_7"
            ]
        );
        let n = ds.n_rows();
        let col = |name: &str| {
            let c = block.names.iter().position(|x| x == name).unwrap();
            block.column(c, n).to_vec()
        };
        // Row 10 is the first of series b: nothing reaches back into series a.
        assert!(col("diff_1")[10].is_nan() && col("lag1")[10].is_nan());
        assert_eq!(col("diff_1")[11], 2.0);
        assert_eq!(col("lag2")[12], 100.0);
        assert!(col("rolling_mean_3")[11].is_nan());
        assert_eq!(col("rolling_mean_3")[12], 102.0);
        assert_eq!(col("rolling_std_3")[12], 2.0);
        assert_eq!(col("rolling_min_2")[11], 100.0);
        assert_eq!(col("rolling_max_4")[9], 9.0);
        assert_eq!(col("expanding_mean")[11], 101.0);
        assert!(col("expanding_std")[10].is_nan());
        // Fourier time index: series b (6 long) ends aligned with a (10 long): starts at t = 5.
        let want = (std::f64::consts::TAU * 5.0 / 7.0).sin() as f32;
        assert!((col("sin1_7")[10] - want).abs() < 1e-7);
    }

    #[test]
    fn bad_parameters_are_config_errors() {
        let x = [1.0f32; 4];
        let offsets = [0, 4];
        for f in [
            Feature::RollingMean(vec![0]),
            Feature::RollingStd(vec![]),
            Feature::Lags(vec![]),
            Feature::Diff(vec![0]),
            Feature::Fourier {
                period: -1.0,
                harmonics: 2,
            },
        ] {
            let e = compute(&offsets, &x, std::slice::from_ref(&f)).unwrap_err();
            assert_eq!(e.kind, crate::error::ErrorKind::Config, "{f:?}");
        }
        let dup = [Feature::Lags(vec![1]), Feature::Lags(vec![1])];
        assert!(compute(&offsets, &x, &dup)
            .unwrap_err()
            .to_string()
            .contains("lag1"));
        assert!(compute(&[0, 3], &x, &[Feature::ExpandingMean]).is_err());
    }

    #[test]
    fn masked_rows_become_nan() {
        let mut ds = Dataset::from_series(&[("a", &[1.0, 2.0, 3.0])]);
        ds.mask[1] = 0.0;
        ds.y[1] = 0.0;
        let y = target_with_nan(&ds);
        assert!(y[1].is_nan() && y[0] == 1.0 && y[2] == 3.0);
        let block = compute(&ds.offsets, &y, &[Feature::Lags(vec![1])]).unwrap();
        assert!(block.values[2].is_nan());
    }
}
