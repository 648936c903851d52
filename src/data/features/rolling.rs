//! Rolling-window statistics over the last `w` values: mean, standard deviation, min and max.
//!
//! Semantics are pandas' `Series.rolling(w).mean()/.std()/.min()/.max()` with its defaults:
//! `min_periods = w`, so the first `w - 1` entries and every window holding a NaN are NaN;
//! `std` uses `ddof = 1` (so `w = 1` gives NaN, as pandas); a window whose values are all equal
//! gets exactly that value as mean and exactly 0 as std (pandas tracks the same run of equal
//! values for this).
//!
//! Mean and std cost O(n) whatever `w`: running sums of `x - K` and `(x - K)²` in f64, where
//! the shift `K` is the series' first value, so a high level with small variations does not
//! cancel away the variance. The sums are recomputed exactly every [`RESYNC`] steps (at least
//! `8w`), which bounds the drift of adding and removing for any series length. Min and max use
//! a monotone deque of indices (each index enters and leaves once: O(n)), in a caller-provided
//! [`MinMaxScratch`] so a per-dataset loop allocates once.

use std::collections::VecDeque;

/// Steps between exact recomputations of the running sums (at least `8w`).
pub const RESYNC: usize = 4096;

/// Running sums of one window, shifted by `k`; NaN values are counted, not summed.
struct Moments {
    k: f64,
    s: f64,
    q: f64,
    nan: usize,
}

impl Moments {
    #[inline(always)]
    fn add(&mut self, v: f32) {
        if v.is_nan() {
            self.nan += 1;
        } else {
            let d = f64::from(v) - self.k;
            self.s += d;
            self.q += d * d;
        }
    }

    #[inline(always)]
    fn remove(&mut self, v: f32) {
        if v.is_nan() {
            self.nan -= 1;
        } else {
            let d = f64::from(v) - self.k;
            self.s -= d;
            self.q -= d * d;
        }
    }

    /// Sums over `window` from scratch.
    fn reset(&mut self, window: &[f32]) {
        self.s = 0.0;
        self.q = 0.0;
        self.nan = 0;
        for &v in window {
            self.add(v);
        }
    }
}

/// The shared loop: calls `emit(i, mean, var)` for every `i`, with NaN for both where pandas
/// gives NaN (the first `w - 1` entries, windows holding a NaN). `var` uses ddof = 1
/// (meaningless for `w = 1`; callers handle it).
///
/// Blocks whose windows hold no NaN (checked once per block, a vector pass) run a branch-free
/// loop: one f64 add per sum per step (`s += new - old`), selects for the equal-run rule. The
/// first block is only `w` long so that the fast loop starts as soon as windows are full.
#[inline(always)]
fn moments_loop(x: &[f32], w: usize, mut emit: impl FnMut(usize, f64, f64)) {
    let n = x.len();
    let k = x
        .iter()
        .find(|v| !v.is_nan())
        .map_or(0.0, |&v| f64::from(v));
    let inv_w = 1.0 / w as f64;
    let inv_w1 = 1.0 / (w as f64 - 1.0);
    let mut m = Moments {
        k,
        s: 0.0,
        q: 0.0,
        nan: 0,
    };
    // pandas' `num_consecutive_same_value`: how many non-NaN values in a row, ending here,
    // equal the last one.
    let mut run = 0usize;
    let mut last = f32::NAN;
    let block = RESYNC.max(8 * w);
    let mut start = 0;
    while start < n {
        let end = if start == 0 { w } else { start + block }.min(n);
        m.reset(&x[start.saturating_sub(w)..start]);
        if start >= w && !x[start - w..end].iter().any(|v| v.is_nan()) {
            let (mut s, mut q) = (m.s, m.q);
            for i in start..end {
                let v = x[i];
                let dn = f64::from(v) - k;
                let dold = f64::from(x[i - w]) - k;
                s += dn - dold;
                q += dn * dn - dold * dold;
                run = if v == last { run + 1 } else { 1 };
                last = v;
                let same = run >= w;
                let mean = if same { f64::from(v) } else { k + s * inv_w };
                let var = if same {
                    0.0
                } else {
                    (q - s * s * inv_w).max(0.0) * inv_w1
                };
                emit(i, mean, var);
            }
            start = end;
            continue;
        }
        for i in start..end {
            let v = x[i];
            m.add(v);
            if i >= w {
                m.remove(x[i - w]);
            }
            if !v.is_nan() {
                run = if v == last { run + 1 } else { 1 };
                last = v;
            }
            if i + 1 < w || m.nan > 0 {
                emit(i, f64::NAN, f64::NAN);
            } else if run >= w {
                emit(i, f64::from(last), 0.0);
            } else {
                let var = (m.q - m.s * m.s * inv_w).max(0.0) * inv_w1;
                emit(i, k + m.s * inv_w, var);
            }
        }
        start = end;
    }
}

/// Rolling mean over `w` values into `out`.
///
/// # Panics
/// If `w == 0` or the lengths differ.
pub fn rolling_mean(x: &[f32], w: usize, out: &mut [f32]) {
    assert!(w >= 1, "rolling_mean: window must be at least 1");
    assert_eq!(x.len(), out.len(), "rolling_mean: lengths differ");
    moments_loop(x, w, |i, mean, _| out[i] = mean as f32);
}

/// Rolling standard deviation (ddof = 1) over `w` values into `out`.
///
/// # Panics
/// If `w == 0` or the lengths differ.
pub fn rolling_std(x: &[f32], w: usize, out: &mut [f32]) {
    assert!(w >= 1, "rolling_std: window must be at least 1");
    assert_eq!(x.len(), out.len(), "rolling_std: lengths differ");
    if w == 1 {
        out.fill(f32::NAN);
        return;
    }
    moments_loop(x, w, |i, _, var| out[i] = var as f32);
    sqrt_in_place(out);
}

/// Rolling mean and standard deviation (ddof = 1) in one pass.
///
/// # Panics
/// If `w == 0` or any length differs from `x.len()`.
pub fn rolling_mean_std(x: &[f32], w: usize, mean: &mut [f32], std: &mut [f32]) {
    assert!(w >= 1, "rolling_mean_std: window must be at least 1");
    assert_eq!(x.len(), mean.len(), "rolling_mean_std: lengths differ");
    assert_eq!(x.len(), std.len(), "rolling_mean_std: lengths differ");
    moments_loop(x, w, |i, mu, var| {
        mean[i] = mu as f32;
        std[i] = var as f32;
    });
    if w == 1 {
        std.fill(f32::NAN);
    } else {
        sqrt_in_place(std);
    }
}

/// Variance to standard deviation, as a separate pass: a vector `sqrtps` over the column costs
/// far less than a scalar f64 square root inside the running-sum loop.
fn sqrt_in_place(v: &mut [f32]) {
    for x in v.iter_mut() {
        *x = x.sqrt();
    }
}

/// The deque rolling min and max keep; reuse one across series to allocate once.
#[derive(Debug, Default)]
pub struct MinMaxScratch {
    deque: VecDeque<usize>,
}

impl MinMaxScratch {
    /// A scratch sized for windows up to `w`.
    pub fn with_window(w: usize) -> MinMaxScratch {
        MinMaxScratch {
            deque: VecDeque::with_capacity(w),
        }
    }
}

/// The deque loop: `better(a, b)` is true when `a` beats or ties `b` (a ≤ b for min).
#[inline(always)]
fn extreme_loop(
    x: &[f32],
    w: usize,
    out: &mut [f32],
    scratch: &mut MinMaxScratch,
    better: impl Fn(f32, f32) -> bool,
) {
    assert!(w >= 1, "rolling min/max: window must be at least 1");
    assert_eq!(x.len(), out.len(), "rolling min/max: lengths differ");
    let dq = &mut scratch.deque;
    dq.clear();
    let mut nan = 0usize;
    for (i, &v) in x.iter().enumerate() {
        if i >= w {
            if x[i - w].is_nan() {
                nan -= 1;
            }
            if dq.front() == Some(&(i - w)) {
                dq.pop_front();
            }
        }
        if v.is_nan() {
            nan += 1;
        } else {
            // Indices whose value the new one beats can never be the extreme again.
            while dq.back().is_some_and(|&j| better(v, x[j])) {
                dq.pop_back();
            }
            dq.push_back(i);
        }
        out[i] = if i + 1 < w || nan > 0 {
            f32::NAN
        } else {
            x[dq[0]]
        };
    }
}

/// Rolling minimum over `w` values into `out`.
///
/// # Panics
/// If `w == 0` or the lengths differ.
pub fn rolling_min(x: &[f32], w: usize, out: &mut [f32], scratch: &mut MinMaxScratch) {
    extreme_loop(x, w, out, scratch, |a, b| a <= b);
}

/// Rolling maximum over `w` values into `out`.
///
/// # Panics
/// If `w == 0` or the lengths differ.
pub fn rolling_max(x: &[f32], w: usize, out: &mut [f32], scratch: &mut MinMaxScratch) {
    extreme_loop(x, w, out, scratch, |a, b| a >= b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The window ending at `i`, or None where pandas gives NaN.
    fn window(x: &[f32], w: usize, i: usize) -> Option<Vec<f64>> {
        if i + 1 < w || x[i + 1 - w..=i].iter().any(|v| v.is_nan()) {
            return None;
        }
        Some(x[i + 1 - w..=i].iter().map(|&v| f64::from(v)).collect())
    }

    fn naive_mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    fn naive_std(v: &[f64]) -> f64 {
        let m = naive_mean(v);
        (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (v.len() as f64 - 1.0)).sqrt()
    }

    fn all(x: &[f32], w: usize) -> [Vec<f32>; 5] {
        let n = x.len();
        let mut out = [
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
            vec![0.0; n],
        ];
        let [a, b, c, d, e] = &mut out;
        rolling_mean(x, w, a);
        rolling_std(x, w, b);
        let mut s = MinMaxScratch::with_window(w);
        rolling_min(x, w, c, &mut s);
        rolling_max(x, w, d, &mut s);
        let mut mean2 = vec![0.0; n];
        rolling_mean_std(x, w, &mut mean2, e);
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            mean2.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        out
    }

    #[test]
    fn pandas_examples() {
        // pandas: pd.Series([1, 2, 4, nan, 5, 5, 5, 7]).rolling(3)
        let x = [1.0, 2.0, 4.0, f32::NAN, 5.0, 5.0, 5.0, 7.0];
        let [mean, std, min, max, _] = all(&x, 3);
        let nan_at = [0, 1, 3, 4, 5];
        for i in nan_at {
            assert!(mean[i].is_nan() && std[i].is_nan() && min[i].is_nan() && max[i].is_nan());
        }
        assert!((mean[2] - 7.0 / 3.0).abs() < 1e-6);
        assert!((std[2] - 1.527_525_2).abs() < 1e-6);
        assert_eq!((min[2], max[2]), (1.0, 4.0));
        // The constant window [5, 5, 5]: exact mean, exact zero std.
        assert_eq!((mean[6], std[6]), (5.0, 0.0));
        assert!((mean[7] - 17.0 / 3.0).abs() < 1e-6);
        assert_eq!((min[7], max[7]), (5.0, 7.0));
        // ddof = 1 with one value: NaN, as pandas.
        let [m1, s1, ..] = all(&x, 1);
        assert_eq!(m1[0], 1.0);
        assert!(s1.iter().all(|v| v.is_nan()));
    }

    #[test]
    fn no_cancellation_on_a_high_level() {
        // Level 1e4 with ±0.01 noise: naive Σx² − (Σx)²/w loses every digit of it in f32, and
        // most in unshifted f64 after 10^5 steps.
        let mut rng = crate::rng::Rng::seed_from(7);
        let x: Vec<f32> = (0..100_000)
            .map(|_| 1e4 + rng.uniform(-0.01, 0.01))
            .collect();
        let w = 28;
        let [_, std, ..] = all(&x, w);
        for i in (w..x.len()).step_by(997) {
            let want = naive_std(&window(&x, w, i).unwrap());
            assert!(
                (f64::from(std[i]) - want).abs() <= 1e-3 * want,
                "i={i} got {} want {want}",
                std[i]
            );
        }
    }

    fn series() -> impl Strategy<Value = Vec<f32>> {
        // Values from a small set make ties and equal runs likely; some NaN.
        prop::collection::vec(
            prop_oneof![
                6 => -100.0f32..100.0,
                2 => (0i32..4).prop_map(|v| v as f32),
                1 => Just(f32::NAN),
            ],
            0..120,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn match_naive_windows(x in series(), w in 1usize..20) {
            let [mean, std, min, max, std2] = all(&x, w);
            prop_assert_eq!(
                std.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                std2.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
            for i in 0..x.len() {
                match window(&x, w, i) {
                    None => prop_assert!(
                        mean[i].is_nan() && std[i].is_nan() && min[i].is_nan() && max[i].is_nan(),
                        "i={}", i
                    ),
                    Some(v) => {
                        let scale = v.iter().fold(1.0f64, |m, a| m.max(a.abs()));
                        prop_assert!((f64::from(mean[i]) - naive_mean(&v)).abs() <= 1e-6 * scale);
                        if w == 1 {
                            prop_assert!(std[i].is_nan());
                        } else {
                            let want = naive_std(&v);
                            prop_assert!(
                                (f64::from(std[i]) - want).abs() <= 1e-5 * scale,
                                "i={} std {} want {}", i, std[i], want
                            );
                        }
                        let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
                        let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                        prop_assert_eq!(f64::from(min[i]), lo);
                        prop_assert_eq!(f64::from(max[i]), hi);
                    }
                }
            }
        }

        #[test]
        fn resync_keeps_long_series_exact_enough(seed in any::<u64>(), w in 2usize..40) {
            // Long enough to cross several resync blocks.
            let mut rng = crate::rng::Rng::seed_from(seed);
            let x: Vec<f32> = (0..9000).map(|t| 50.0 + (t as f32 * 0.01).sin() * 20.0 + rng.uniform(-1.0, 1.0)).collect();
            let [mean, std, ..] = all(&x, w);
            for i in (w - 1..x.len()).step_by(131) {
                let v = window(&x, w, i).unwrap();
                prop_assert!((f64::from(mean[i]) - naive_mean(&v)).abs() <= 1e-4);
                prop_assert!((f64::from(std[i]) - naive_std(&v)).abs() <= 1e-4);
            }
        }
    }
}
