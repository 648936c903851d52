//! Differencing: ordinary (`lag` 1), seasonal (`lag` m), repeated (any order), and its inverse.
//!
//! A [`Differences`] is a list of lags applied one after another, as mlforecast's
//! `Differences([1, 12])`: `[1]` is pandas' `s.diff()`, `[1, 1]` the second-order difference,
//! `[7]` a weekly seasonal difference, `[1, 7]` both. After the whole list the first
//! `span = Σ lags` entries are NaN, as repeated pandas `diff` leaves them; NaN inside the input
//! spreads to every entry that depends on it, as in pandas.
//!
//! The inverse integrates back, level by level, from the first `span` values of the original
//! series (recovering the whole series from its differences), or from the last `span` values of
//! a history (turning forecasts of differences into forecasts of the series, as mlforecast does
//! with the tails it keeps). It runs the recurrence `x[i] = d[i] - Σ c_m x[i - m]` of the
//! multiplied-out polynomial Π (1 - B^lag) with its state in f64, so the only error left is the
//! f32 rounding of the differences themselves (once each), integrated `len(lags)` times: about
//! 2^-24 · |d| · (steps per chain)^(k - 1/2) for random rounding.

use crate::error::{Error, Result};
use nd_kernels::table;

/// One difference at `lag`: `out[i] = x[i] - x[i - lag]`, the first `lag` entries NaN
/// (pandas `Series.diff(lag)`).
///
/// # Panics
/// If `lag == 0` or the lengths of `x` and `out` differ.
pub fn diff(x: &[f32], lag: usize, out: &mut [f32]) {
    assert!(lag >= 1, "diff: lag must be at least 1");
    assert_eq!(x.len(), out.len(), "diff: input and output lengths differ");
    let n = x.len();
    out[..lag.min(n)].fill(f32::NAN);
    if n > lag {
        (table::active().sub)(&x[lag..], &x[..n - lag], &mut out[lag..]);
    }
}

/// [`diff`] in place: `buf[i] -= buf[i - lag]` from the end backwards, the first `lag` NaN.
///
/// # Panics
/// If `lag == 0`.
pub fn diff_in_place(buf: &mut [f32], lag: usize) {
    assert!(lag >= 1, "diff_in_place: lag must be at least 1");
    let n = buf.len();
    if n > lag && lag < 16 {
        // Short lags: a plain backward loop (a kernel call per block would cost more).
        for i in (lag..n).rev() {
            buf[i] -= buf[i - lag];
        }
    } else if n > lag {
        // Walk blocks of at most `lag` entries from the end: inside a block no entry reads
        // another one of the same block, so each block is one vector subtraction.
        let sub_assign = table::active().sub_assign;
        let mut end = n;
        while end > lag {
            let start = end.saturating_sub(lag).max(lag);
            let (src, dst) = buf.split_at_mut(start);
            sub_assign(&mut dst[..end - start], &src[start - lag..end - lag]);
            end = start;
        }
    }
    buf[..lag.min(n)].fill(f32::NAN);
}

/// A column name in the style of the other features: `diff_1`, `diff_1_7`, `diff_1_1`.
pub fn name(lags: &[usize]) -> String {
    let mut name = String::from("diff");
    for l in lags {
        name.push('_');
        name.push_str(&l.to_string());
    }
    name
}

/// A sequence of differences, applied in order; see the module documentation.
#[derive(Clone, Debug, PartialEq)]
pub struct Differences {
    lags: Vec<usize>,
    /// The product Π (1 - B^lag) as its non-zero terms (m, c_m) for m ≥ 1 (c_0 = 1):
    /// `d[i] = x[i] + Σ c_m x[i - m]`.
    terms: Vec<(usize, f64)>,
}

impl Differences {
    /// Differences at `lags`, applied in the order given. Errors if the list is empty or a lag
    /// is 0.
    pub fn new(lags: &[usize]) -> Result<Differences> {
        if lags.is_empty() {
            return Err(Error::config("diff lags", "need at least one lag"));
        }
        if let Some(pos) = lags.iter().position(|&l| l == 0) {
            return Err(Error::config(
                "diff lags",
                format!(
                    "lag {} of {:?} is 0; lags must be at least 1",
                    pos + 1,
                    lags
                ),
            ));
        }
        // Multiply out Π (1 - B^lag): integer coefficients, exact in f64 for any sane list.
        let mut poly = vec![1i64];
        for &l in lags {
            let mut next = vec![0i64; poly.len() + l];
            for (m, &c) in poly.iter().enumerate() {
                next[m] += c;
                next[m + l] -= c;
            }
            poly = next;
        }
        let terms = poly
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(_, &c)| c != 0)
            .map(|(m, &c)| (m, c as f64))
            .collect();
        Ok(Differences {
            lags: lags.to_vec(),
            terms,
        })
    }

    /// Ordinary differencing of `order` (`order` lags of 1). Errors if `order == 0`.
    pub fn order(order: usize) -> Result<Differences> {
        if order == 0 {
            return Err(Error::config("diff order", "must be at least 1, got 0"));
        }
        Differences::new(&vec![1; order])
    }

    /// One seasonal difference at `period`. Errors if `period == 0`.
    pub fn seasonal(period: usize) -> Result<Differences> {
        Differences::new(&[period])
            .map_err(|_| Error::config("period", "must be at least 1, got 0"))
    }

    /// The lags, in the order they are applied.
    pub fn lags(&self) -> &[usize] {
        &self.lags
    }

    /// Number of leading NaN after differencing, and number of original values the inverse
    /// needs: the sum of the lags.
    pub fn span(&self) -> usize {
        self.lags.iter().sum()
    }

    /// The column name: see [`name`].
    pub fn name(&self) -> String {
        name(&self.lags)
    }

    /// Differences `x` into `out` (same length); the first `span()` entries (or all, for a
    /// shorter series) are NaN. One lag is one vector subtraction; several are evaluated as
    /// the multiplied-out polynomial in f64 and rounded once.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn apply(&self, x: &[f32], out: &mut [f32]) {
        if self.lags.len() == 1 {
            return diff(x, self.lags[0], out);
        }
        assert_eq!(x.len(), out.len(), "apply: input and output lengths differ");
        let span = self.span().min(x.len());
        out[..span].fill(f32::NAN);
        for i in span..x.len() {
            let mut acc = f64::from(x[i]);
            for &(m, c) in &self.terms {
                acc += c * f64::from(x[i - m]);
            }
            out[i] = acc as f32;
        }
    }

    /// Recovers a series from its differences `d` (as [`Differences::apply`] wrote them; the
    /// first `span()` entries are ignored) and `head`, the first `min(span(), len)` values of
    /// the original series. Writes the series into `out`.
    ///
    /// # Panics
    /// If `d` and `out` differ in length, or `head` is not `min(span(), d.len())` long.
    pub fn invert(&self, d: &[f32], head: &[f32], out: &mut [f32]) {
        assert_eq!(
            d.len(),
            out.len(),
            "invert: input and output lengths differ"
        );
        out.copy_from_slice(d);
        self.invert_in_place(out, head);
    }

    /// Turns forecasts of the differenced series into forecasts of the series.
    ///
    /// `tail` holds the last `span()` observed values of the series; `buf` is `span() + H` long
    /// with the H forecast differences in `buf[span()..]`. On return `buf[..span()]` holds
    /// `tail` and `buf[span()..]` the forecasts of the series itself.
    ///
    /// # Panics
    /// If `tail.len() != span()` or `buf` is shorter than `span()`.
    pub fn invert_forecast(&self, tail: &[f32], buf: &mut [f32]) {
        let span = self.span();
        assert_eq!(
            tail.len(),
            span,
            "invert_forecast: tail must hold span() values"
        );
        assert!(
            buf.len() >= span,
            "invert_forecast: buffer shorter than span()"
        );
        self.invert_in_place(buf, tail);
    }

    /// The inverse, in place over `buf` (the differences in, the series out):
    /// `x[i] = d[i] - Σ c_m x[i - m]`, with the last `span` values of x kept in f64 in a ring
    /// so that no intermediate rounding accumulates (on the stack for spans up to 64).
    fn invert_in_place(&self, buf: &mut [f32], head: &[f32]) {
        let n = buf.len();
        let span = self.span();
        assert_eq!(
            head.len(),
            span.min(n),
            "invert: head must hold min(span, len) values"
        );
        buf[..head.len()].copy_from_slice(head);
        if n <= span {
            return;
        }
        let mut stack = [0f64; 64];
        let mut heap = Vec::new();
        let ring: &mut [f64] = if span <= stack.len() {
            &mut stack[..span]
        } else {
            heap.resize(span, 0.0);
            &mut heap
        };
        // ring[i % span] holds x[i] for the last span indices.
        for (i, &h) in head.iter().enumerate() {
            ring[i % span] = f64::from(h);
        }
        for i in span..n {
            let mut acc = f64::from(buf[i]);
            for &(m, c) in &self.terms {
                acc -= c * ring[(i - m) % span];
            }
            ring[i % span] = acc;
            buf[i] = acc as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// pandas' `diff(lag)` written out, in f64.
    fn naive_diff(x: &[f64], lag: usize) -> Vec<f64> {
        (0..x.len())
            .map(|i| if i < lag { f64::NAN } else { x[i] - x[i - lag] })
            .collect()
    }

    fn same(a: f32, b: f64, tol: f64) -> bool {
        (a.is_nan() && b.is_nan()) || (f64::from(a) - b).abs() <= tol
    }

    #[test]
    fn first_difference_matches_pandas() {
        let x = [1.0, 4.0, 9.0, f32::NAN, 25.0, 36.0];
        let mut out = [0.0; 6];
        Differences::order(1).unwrap().apply(&x, &mut out);
        assert!(out[0].is_nan() && out[3].is_nan() && out[4].is_nan());
        assert_eq!([out[1], out[2], out[5]], [3.0, 5.0, 11.0]);
        Differences::order(2).unwrap().apply(&x[..3], &mut out[..3]);
        assert!(out[0].is_nan() && out[1].is_nan());
        assert_eq!(out[2], 2.0);
    }

    #[test]
    fn in_place_matches_out_of_place() {
        let x: Vec<f32> = (0..50).map(|t| ((t * t) % 17) as f32).collect();
        for lag in [1, 3, 20] {
            let mut a = vec![0.0; 50];
            diff(&x, lag, &mut a);
            let mut b = x.clone();
            diff_in_place(&mut b, lag);
            assert_eq!(
                a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn short_series_are_all_nan_and_invert_to_the_head() {
        let d = Differences::new(&[1, 7]).unwrap();
        let x = [3.0, 1.0, 4.0];
        let mut out = [0.0; 3];
        d.apply(&x, &mut out);
        assert!(out.iter().all(|v| v.is_nan()));
        let mut back = [0.0; 3];
        d.invert(&out, &x, &mut back);
        assert_eq!(back, x);
    }

    #[test]
    fn bad_lags_are_config_errors() {
        assert!(Differences::new(&[]).is_err());
        let e = Differences::new(&[1, 0]).unwrap_err();
        assert!(e.to_string().contains("lag 2"), "{e}");
        assert!(Differences::order(0).is_err());
        assert!(Differences::seasonal(0).is_err());
        assert_eq!(Differences::new(&[1, 12]).unwrap().name(), "diff_1_12");
    }

    #[test]
    fn forecast_inverse_continues_a_seasonal_trend() {
        // y = t + (t mod 3): differences [1, 3] are 0 after the head; zero forecasts of them
        // continue the pattern.
        let d = Differences::new(&[1, 3]).unwrap();
        let y: Vec<f32> = (0..12).map(|t| (t + t % 3) as f32).collect();
        let mut buf = vec![0.0; d.span() + 5];
        d.invert_forecast(&y[12 - d.span()..], &mut buf);
        let want: Vec<f32> = (12..17).map(|t| (t + t % 3) as f32).collect();
        assert_eq!(&buf[d.span()..], &want[..]);
    }

    fn lags_strategy() -> impl Strategy<Value = Vec<usize>> {
        prop::collection::vec(prop_oneof![Just(1usize), 1usize..14], 1..4)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn apply_matches_repeated_naive_diff(
            x in prop::collection::vec(-1e3f32..1e3, 0..80),
            lags in lags_strategy(),
        ) {
            let d = Differences::new(&lags).unwrap();
            let mut out = vec![0.0; x.len()];
            d.apply(&x, &mut out);
            let mut want: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            for &l in &lags {
                want = naive_diff(&want, l);
            }
            // Each level rounds once to f32; the error is bounded by the magnitudes involved.
            let tol = 1e-6 * 2f64.powi(lags.len() as i32) * 1e3;
            for i in 0..x.len() {
                prop_assert!(same(out[i], want[i], tol), "i={} got {} want {}", i, out[i], want[i]);
            }
        }

        /// Any data: the recovery error stays within the rounding bound. Each difference is
        /// rounded once (|δ_i| ≤ 2^-24 |d_i|) and the inverse integrates with non-negative
        /// weights g (Π 1/(1 - B^lag)), so |x̂_i - x_i| ≤ 2^-24 Σ_j g_(i-j) |d_j|, computed
        /// here by inverting |d| with a zero head.
        #[test]
        fn invert_error_within_rounding_bound(
            x in prop::collection::vec(-1e3f32..1e3, 0..300),
            lags in lags_strategy(),
        ) {
            let d = Differences::new(&lags).unwrap();
            let span = d.span().min(x.len());
            let mut diffs = vec![0.0; x.len()];
            d.apply(&x, &mut diffs);
            let mut back = vec![0.0; x.len()];
            d.invert(&diffs, &x[..span], &mut back);
            let mut bound: Vec<f32> = diffs.iter().map(|v| v.abs() * 2f32.powi(-24)).collect();
            let zeros = vec![0.0; span];
            let b = bound.clone();
            d.invert(&b, &zeros, &mut bound);
            for i in 0..x.len() {
                let err = f64::from((back[i] - x[i]).abs());
                // Slack: the f32 rounding of the output itself and of the bound.
                let tol = 1.01 * f64::from(bound[i]) + 2f64.powi(-24) * f64::from(x[i].abs());
                prop_assert!(err <= tol, "i={} got {} want {} err {} bound {}", i, back[i], x[i], err, tol);
            }
        }

        /// Series as forecasting data look (a positive level, trend, weekly season, 1% noise):
        /// recovered within 1e-6 of the series' scale. Each stored f32 difference carries one
        /// rounding, and the inverse sums them, so the error grows with the length: at 200
        /// points it stays under 1e-6, while a 300-point series once reached 1.01e-6. The
        /// length-independent statement is `invert_error_within_rounding_bound` above.
        #[test]
        fn invert_recovers_the_input(
            level in 1.0f32..1e4,
            trend in -0.002f32..0.002,
            noise in prop::collection::vec(-0.01f32..0.01, 0..200),
            lags in prop::collection::vec(prop_oneof![Just(1usize), 1usize..14], 1..3),
        ) {
            let x: Vec<f32> = noise
                .iter()
                .enumerate()
                .map(|(t, e)| level * (1.0 + trend * t as f32 + 0.1 * ((t % 7) as f32) + e))
                .collect();
            let d = Differences::new(&lags).unwrap();
            let mut diffs = vec![0.0; x.len()];
            d.apply(&x, &mut diffs);
            let head = &x[..d.span().min(x.len())];
            let mut back = vec![0.0; x.len()];
            d.invert(&diffs, head, &mut back);
            let scale = x.iter().fold(0f32, |m, v| m.max(v.abs()));
            for i in 0..x.len() {
                let err = (back[i] - x[i]).abs() / scale;
                prop_assert!(err <= 1e-6, "i={} got {} want {} rel {}", i, back[i], x[i], err);
            }
        }

        #[test]
        fn forecast_inverse_equals_full_inverse(
            x in prop::collection::vec(0.5f32..2.0, 30..60),
            lags in lags_strategy(),
        ) {
            // Differences of a history + future, inverted from the history's tail, give the
            // future back.
            let d = Differences::new(&lags).unwrap();
            let span = d.span();
            prop_assume!(span + 1 < x.len());
            let mut diffs = vec![0.0; x.len()];
            d.apply(&x, &mut diffs);
            let cut = x.len() - 5;
            prop_assume!(cut >= span);
            let mut buf = vec![0.0; span + 5];
            buf[span..].copy_from_slice(&diffs[cut..]);
            d.invert_forecast(&x[cut - span..cut], &mut buf);
            for i in 0..5 {
                prop_assert!((buf[span + i] - x[cut + i]).abs() <= 1e-5, "i={}", i);
            }
        }
    }
}
