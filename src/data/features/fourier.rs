//! Fourier terms: `sin(2π k t / period)` and `cos(2π k t / period)` for harmonics k = 1..K.
//!
//! The time index follows utilsforecast's `fourier(df, freq, season_length, k)`, which
//! NeuralForecast users reach for: t counts steps from 1, and series are aligned on their last
//! row (the last row of every series gets t = the longest series' length; forecast steps
//! continue from there). Columns come all sines first, then all cosines, named `sin1_7`,
//! `sin2_7`, ..., `cos1_7`, ... utilsforecast computes the angle in f32, which loses about 1e-3
//! at t = 10,000; we reduce the phase exactly (integer periods) or in f64, so values can differ
//! from it by that much on long series and agree to f32 rounding on short ones.
//!
//! For an integer period p a term repeats every p steps: the first p values are computed and
//! the rest copied, so a column costs a memory copy.

use crate::error::{Error, Result};
use std::f64::consts::TAU;

/// Which of the pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trig {
    /// sin(2π k t / period)
    Sin,
    /// cos(2π k t / period)
    Cos,
}

/// Checks a period and a number of harmonics from the user.
pub fn check(period: f64, harmonics: usize) -> Result<()> {
    if !(period.is_finite() && period > 0.0) {
        return Err(Error::config(
            "period",
            format!("must be a positive finite number, got {period}"),
        ));
    }
    if harmonics == 0 {
        return Err(Error::config("harmonics", "must be at least 1, got 0"));
    }
    Ok(())
}

/// One term over consecutive time steps: `out[i] = trig(2π k (t0 + i) / period)`.
///
/// # Panics
/// If `period` is not positive and finite, or `k == 0`.
pub fn fourier_term(t0: i64, period: f64, k: usize, trig: Trig, out: &mut [f32]) {
    assert!(
        period.is_finite() && period > 0.0,
        "fourier_term: bad period"
    );
    assert!(k >= 1, "fourier_term: harmonic must be at least 1");
    let f = |angle: f64| match trig {
        Trig::Sin => angle.sin() as f32,
        Trig::Cos => angle.cos() as f32,
    };
    let n = out.len();
    if period.fract() == 0.0 && period <= (1u64 << 40) as f64 {
        // Exact phase k·t mod p in integers, one period computed, the rest copied.
        let p = period as i128;
        let kp = k as i128 % p;
        let first = n.min(p as usize);
        for (i, o) in out[..first].iter_mut().enumerate() {
            let phase = (kp * (i128::from(t0) + i as i128)).rem_euclid(p);
            *o = f(TAU * phase as f64 / period);
        }
        let mut filled = first;
        while filled < n {
            let c = filled.min(n - filled);
            out.copy_within(0..c, filled);
            filled += c;
        }
    } else {
        for (i, o) in out.iter_mut().enumerate() {
            let t = (t0 as f64 + i as f64).rem_euclid(period);
            let phase = (k as f64 * t).rem_euclid(period);
            *o = f(TAU * phase / period);
        }
    }
}

/// Column names in output order: `sin1_7, ..., sinK_7, cos1_7, ..., cosK_7`.
pub fn names(period: f64, harmonics: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(2 * harmonics);
    for op in ["sin", "cos"] {
        for k in 1..=harmonics {
            out.push(format!("{op}{k}_{period}"));
        }
    }
    out
}

/// The 2K Fourier columns (sines then cosines) of every series laid out by `offsets`, into
/// `out` (2K, N), with utilsforecast's time index (see the module documentation).
///
/// # Panics
/// If `out.len() != 2 * harmonics * N`, or the period or harmonics are invalid (see
/// [`check`]).
pub fn fourier_per_series(offsets: &[usize], period: f64, harmonics: usize, out: &mut [f32]) {
    let n = offsets.last().copied().unwrap_or(0);
    assert_eq!(
        out.len(),
        2 * harmonics * n,
        "fourier_per_series: out must be (2K, N)"
    );
    let max_len = offsets.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    for (c, col) in out.chunks_exact_mut(n.max(1)).enumerate() {
        let (trig, k) = column(c, harmonics);
        for w in offsets.windows(2) {
            let t0 = (max_len - (w[1] - w[0]) + 1) as i64;
            fourier_term(t0, period, k, trig, &mut col[w[0]..w[1]]);
        }
    }
}

/// The Fourier columns of `h` forecast steps after every one of `n_series` series, which all
/// continue from t = `max_len` + 1, into `out` (2K, S·H) (series after series in each column).
///
/// # Panics
/// If `out.len() != 2 * harmonics * n_series * h`, or the period or harmonics are invalid.
pub fn fourier_future(
    max_len: usize,
    n_series: usize,
    h: usize,
    period: f64,
    harmonics: usize,
    out: &mut [f32],
) {
    let n = n_series * h;
    assert_eq!(
        out.len(),
        2 * harmonics * n,
        "fourier_future: out must be (2K, S*H)"
    );
    if n == 0 {
        return;
    }
    for (c, col) in out.chunks_exact_mut(n).enumerate() {
        let (trig, k) = column(c, harmonics);
        let (first, rest) = col.split_at_mut(h);
        fourier_term(max_len as i64 + 1, period, k, trig, first);
        for chunk in rest.chunks_exact_mut(h) {
            chunk.copy_from_slice(first);
        }
    }
}

/// Column `c` of the 2K: which function and which harmonic.
fn column(c: usize, harmonics: usize) -> (Trig, usize) {
    if c < harmonics {
        (Trig::Sin, c + 1)
    } else {
        (Trig::Cos, c - harmonics + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(t: i64, period: f64, k: usize, trig: Trig) -> f64 {
        let a = TAU * k as f64 * t as f64 / period;
        match trig {
            Trig::Sin => a.sin(),
            Trig::Cos => a.cos(),
        }
    }

    #[test]
    fn utilsforecast_layout() {
        // Two series of lengths 3 and 5, period 4, one harmonic: the short one starts at t = 3.
        let offsets = [0, 3, 8];
        let mut out = vec![0.0; 2 * 8];
        fourier_per_series(&offsets, 4.0, 1, &mut out);
        let sin = |t: i64| naive(t, 4.0, 1, Trig::Sin) as f32;
        let cos = |t: i64| naive(t, 4.0, 1, Trig::Cos) as f32;
        let want_sin: Vec<f32> = [3, 4, 5, 1, 2, 3, 4, 5].iter().map(|&t| sin(t)).collect();
        let want_cos: Vec<f32> = [3, 4, 5, 1, 2, 3, 4, 5].iter().map(|&t| cos(t)).collect();
        for i in 0..8 {
            assert!((out[i] - want_sin[i]).abs() < 1e-7, "{i}");
            assert!((out[8 + i] - want_cos[i]).abs() < 1e-7, "{i}");
        }
        assert_eq!(names(7.0, 2), ["sin1_7", "sin2_7", "cos1_7", "cos2_7"]);
        assert_eq!(names(365.25, 1)[0], "sin1_365.25");
        let mut fut = vec![0.0; 2 * 2 * 3];
        fourier_future(5, 2, 3, 4.0, 1, &mut fut);
        assert!((fut[0] - sin(6)).abs() < 1e-7 && (fut[3] - sin(6)).abs() < 1e-7);
        assert!((fut[6 + 2] - cos(8)).abs() < 1e-7);
        assert!(check(0.0, 1).is_err() && check(f64::NAN, 1).is_err() && check(7.0, 0).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn terms_match_naive(
            t0 in -50i64..50_000,
            n in 0usize..200,
            period in prop_oneof![(1u32..60).prop_map(f64::from), 1.5f64..400.0],
            k in 1usize..5,
        ) {
            for trig in [Trig::Sin, Trig::Cos] {
                let mut out = vec![0.0; n];
                fourier_term(t0, period, k, trig, &mut out);
                for (i, &v) in out.iter().enumerate() {
                    let want = naive(t0 + i as i64, period, k, trig);
                    // f64 loses ~1e-11 on the naive angle at t = 5e4; f32 rounding dominates.
                    prop_assert!((f64::from(v) - want).abs() <= 2e-7, "i={} {} {}", i, v, want);
                }
            }
        }
    }
}
