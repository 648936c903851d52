//! Lags: `out[i] = x[i - k]`, the first `k` entries NaN (pandas `Series.shift(k)`).
//!
//! A lag is a shifted copy, so it runs at memory speed; the per-dataset driver writes one
//! column per lag, (K, N) column after column like the exogenous blocks, so a lag column of a
//! series is one contiguous slice.

use crate::error::{Error, Result};

/// Shifts `x` by `k` into `out`: `out[i] = x[i - k]`, NaN for `i < k` (`k = 0` copies).
///
/// # Panics
/// If the lengths of `x` and `out` differ.
pub fn lag(x: &[f32], k: usize, out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "lag: input and output lengths differ");
    let n = x.len();
    let k = k.min(n);
    out[..k].fill(f32::NAN);
    out[k..].copy_from_slice(&x[..n - k]);
}

/// Lags `ks` of every series of a column laid out by `offsets` (series `s` owns rows
/// `offsets[s]..offsets[s + 1]`), into `out` (K, N): lag `ks[j]` of row `r` at
/// `out[j * N + r]`. Lags never reach across series.
///
/// # Panics
/// If `out.len() != ks.len() * x.len()` or `offsets` does not end at `x.len()`.
pub fn lags_per_series(offsets: &[usize], x: &[f32], ks: &[usize], out: &mut [f32]) {
    let n = x.len();
    assert_eq!(
        out.len(),
        ks.len() * n,
        "lags_per_series: out must be (K, N)"
    );
    assert_eq!(
        offsets.last().copied().unwrap_or(0),
        n,
        "lags_per_series: offsets end"
    );
    for (&k, col) in ks.iter().zip(out.chunks_exact_mut(n.max(1))) {
        for w in offsets.windows(2) {
            lag(&x[w[0]..w[1]], k, &mut col[w[0]..w[1]]);
        }
    }
}

/// The column name of lag `k`, as mlforecast writes it: `lag7`.
pub fn lag_name(k: usize) -> String {
    format!("lag{k}")
}

/// Checks a list of lags from the user: non-empty, no duplicates.
pub fn check_lags(ks: &[usize]) -> Result<()> {
    if ks.is_empty() {
        return Err(Error::config("lags", "need at least one lag"));
    }
    for (i, k) in ks.iter().enumerate() {
        if ks[..i].contains(k) {
            return Err(Error::config("lags", format!("lag {k} is listed twice")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shift_matches_pandas() {
        let x = [1.0, 2.0, 3.0, 4.0];
        let mut out = [0.0; 4];
        lag(&x, 2, &mut out);
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(&out[2..], &[1.0, 2.0]);
        lag(&x, 9, &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
        lag(&x, 0, &mut out);
        assert_eq!(out, x);
        assert!(check_lags(&[1, 7, 1]).is_err());
        assert!(check_lags(&[]).is_err());
        assert_eq!(lag_name(7), "lag7");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn per_series_lags_match_naive(
            lens in prop::collection::vec(0usize..30, 1..5),
            ks in prop::collection::vec(0usize..12, 1..7),
            seed in any::<u64>(),
        ) {
            let mut rng = crate::rng::Rng::seed_from(seed);
            let mut offsets = vec![0];
            for l in &lens {
                offsets.push(offsets.last().unwrap() + l);
            }
            let n = *offsets.last().unwrap();
            let x: Vec<f32> = (0..n).map(|_| rng.uniform(-5.0, 5.0)).collect();
            let mut out = vec![0.0; ks.len() * n];
            lags_per_series(&offsets, &x, &ks, &mut out);
            for (j, &k) in ks.iter().enumerate() {
                for s in 0..lens.len() {
                    for r in offsets[s]..offsets[s + 1] {
                        let got = out[j * n + r];
                        if r - offsets[s] < k {
                            prop_assert!(got.is_nan());
                        } else {
                            prop_assert_eq!(got, x[r - k]);
                        }
                    }
                }
            }
        }
    }
}
