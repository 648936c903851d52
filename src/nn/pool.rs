//! `Pool1d`: PyTorch's `nn.MaxPool1d` and `nn.AvgPool1d` over time, with kernel size, stride,
//! zero/−∞ padding and `ceil_mode`, as NHITS builds them
//! (`MaxPool1d(kernel_size=k, stride=k, ceil_mode=True)`, see [`Pool1d::nhits`]).
//!
//! Layout: x is (N, T, C), channels last, pooled along T independently per channel (PyTorch
//! pools the last dim of (N, C, T); NHITS permutes its exogenous (B, T, C) into that and back,
//! which this layout makes unnecessary; a univariate (B, L) input is C = 1).
//!
//! Output length (PyTorch's `pooling_output_shape`):
//! `T_out = ⌊(T + 2p − K + (ceil ? S − 1 : 0)) / S⌋ + 1`, minus one if `ceil` and the last
//! window would start at or beyond `T + p` (every window must start inside the input or the
//! left padding).
//!
//! Window o covers positions `[o·S − p, o·S − p + K)`:
//! - max: the largest input inside it (padding never wins; a NaN does, as in PyTorch; on ties
//!   the first). The cache keeps the winning position, and backward routes dy there.
//! - avg: the sum of the inputs inside it divided by the window's size clipped to
//!   `[−p, T + p)` (`count_include_pad=True`, PyTorch's default: padding counts, the overhang
//!   past the padding that `ceil_mode` allows does not), or by the number of real inputs with
//!   `count_include_pad=False`. Backward spreads dy/divisor over the window.

use crate::error::{Error, Result};

/// Which reduction the window applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// `nn.MaxPool1d`.
    Max,
    /// `nn.AvgPool1d`.
    Avg,
}

impl PoolKind {
    /// NeuralForecast's `pooling_mode` names: `"MaxPool1d"`, `"AvgPool1d"`.
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] naming `pooling_mode` for any other name.
    pub fn from_name(name: &str) -> Result<PoolKind> {
        match name {
            "MaxPool1d" => Ok(PoolKind::Max),
            "AvgPool1d" => Ok(PoolKind::Avg),
            _ => Err(Error::config(
                "pooling_mode",
                format!("unknown pooling '{name}'; valid names are MaxPool1d, AvgPool1d"),
            )),
        }
    }
}

/// One-dimensional max or average pooling over time.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool1d {
    /// Max or average.
    pub kind: PoolKind,
    /// Input length T.
    pub t_in: usize,
    /// Channels C (the last dimension).
    pub channels: usize,
    /// Window length K.
    pub kernel: usize,
    /// Step S between windows.
    pub stride: usize,
    /// Implicit padding p on both ends (−∞ for max, 0 for avg).
    pub padding: usize,
    /// Round the output length up (see the module docs).
    pub ceil_mode: bool,
    /// Average: whether padded positions count in the divisor (PyTorch's default true).
    pub count_include_pad: bool,
    /// Output length T_out.
    pub t_out: usize,
}

impl Pool1d {
    /// A pooling layer for inputs (N, `t_in`, `channels`); `stride` `None` means `kernel`
    /// (PyTorch's default).
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] when the kernel or stride is 0, the padding exceeds
    /// half the kernel (PyTorch's rule), or the input is too short for one window.
    pub fn new(
        kind: PoolKind,
        t_in: usize,
        channels: usize,
        kernel: usize,
        stride: Option<usize>,
        padding: usize,
        ceil_mode: bool,
    ) -> Result<Pool1d> {
        let stride = stride.unwrap_or(kernel);
        if kernel == 0 {
            return Err(Error::config("kernel_size", "must be at least 1, got 0"));
        }
        if t_in == 0 {
            return Err(Error::config(
                "input_size",
                "pooling needs at least one time step",
            ));
        }
        if stride == 0 {
            return Err(Error::config("stride", "must be at least 1, got 0"));
        }
        if padding > kernel / 2 {
            return Err(Error::config(
                "padding",
                format!("must be at most half the kernel size {kernel}, got {padding}"),
            ));
        }
        // PyTorch's pooling_output_shape, in signed arithmetic (⌊·⌋ rounds toward −∞).
        let (t, k, s, p) = (t_in as i64, kernel as i64, stride as i64, padding as i64);
        let extra = if ceil_mode { s - 1 } else { 0 };
        let mut t_out = (t + 2 * p - k + extra).div_euclid(s) + 1;
        if ceil_mode && (t_out - 1) * s >= t + p {
            t_out -= 1;
        }
        if t_out < 1 {
            return Err(Error::config(
                "kernel_size",
                format!(
                    "{kernel} is longer than the input ({t_in} steps, padding {padding} on each side)"
                ),
            ));
        }
        let t_out = t_out as usize;
        Ok(Pool1d {
            kind,
            t_in,
            channels,
            kernel,
            stride,
            padding,
            ceil_mode,
            count_include_pad: true,
            t_out,
        })
    }

    /// NHITS's pooling: `kernel_size = stride = k`, no padding, `ceil_mode=True`.
    ///
    /// # Errors
    /// As [`Pool1d::new`].
    pub fn nhits(kind: PoolKind, t_in: usize, channels: usize, k: usize) -> Result<Pool1d> {
        Pool1d::new(kind, t_in, channels, k, Some(k), 0, true)
    }

    /// Floats of cache for `n` series: the argmax position per output (N, T_out, C) for max
    /// (stored as f32, exact below 2²⁴ steps), nothing for avg.
    pub fn cache_len(&self, n: usize) -> usize {
        match self.kind {
            PoolKind::Max => n * self.t_out * self.channels,
            PoolKind::Avg => 0,
        }
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    /// Window `o` as real input positions `lo..hi` and the average's divisor.
    fn window(&self, o: usize) -> (usize, usize, f32) {
        // Signed arithmetic: the first window may start inside the left padding.
        let start = (o * self.stride) as isize - self.padding as isize;
        let end = start + self.kernel as isize;
        let lo = start.max(0) as usize;
        let hi = (end.min(self.t_in as isize)) as usize;
        let divisor = if self.count_include_pad {
            end.min((self.t_in + self.padding) as isize) - start
        } else {
            (hi - lo) as isize
        };
        (lo, hi, divisor as f32)
    }

    fn series(&self, len: usize) -> usize {
        len / (self.t_in * self.channels).max(1)
    }

    /// y (N, T_out, C) = pool(x (N, T, C)); max pooling records its argmax in `cache`.
    ///
    /// # Panics
    /// If x is not whole series or y or the cache is too short.
    pub fn forward(&self, x: &[f32], y: &mut [f32], cache: &mut [f32]) {
        let (t, c) = (self.t_in, self.channels);
        let n = self.series(x.len());
        assert_eq!(x.len(), n * t * c, "pool: x must be (N, T, C)");
        assert_eq!(y.len(), n * self.t_out * c, "pool: y must be (N, T_out, C)");
        for s in 0..n {
            let xs = &x[s * t * c..(s + 1) * t * c]; // (T, C)
            for o in 0..self.t_out {
                let (lo, hi, divisor) = self.window(o);
                let out = (s * self.t_out + o) * c;
                for ch in 0..c {
                    match self.kind {
                        PoolKind::Max => {
                            let (mut best, mut at) = (xs[lo * c + ch], lo);
                            for i in lo + 1..hi {
                                let v = xs[i * c + ch];
                                if v > best || v.is_nan() {
                                    (best, at) = (v, i);
                                }
                            }
                            y[out + ch] = best;
                            cache[out + ch] = at as f32;
                        }
                        PoolKind::Avg => {
                            let sum: f32 = (lo..hi).map(|i| xs[i * c + ch]).sum();
                            y[out + ch] = sum / divisor;
                        }
                    }
                }
            }
        }
    }

    /// dx (N, T, C) += the transpose of the pooling applied to dy (N, T_out, C).
    ///
    /// # Panics
    /// If the lengths do not match the dims.
    pub fn backward(&self, cache: &[f32], dy: &[f32], dx: &mut [f32]) {
        let (t, c) = (self.t_in, self.channels);
        let n = self.series(dx.len());
        assert_eq!(dx.len(), n * t * c, "pool backward: dx must be (N, T, C)");
        assert_eq!(
            dy.len(),
            n * self.t_out * c,
            "pool backward: dy must be (N, T_out, C)"
        );
        for s in 0..n {
            let dxs = &mut dx[s * t * c..(s + 1) * t * c]; // (T, C)
            for o in 0..self.t_out {
                let out = (s * self.t_out + o) * c;
                match self.kind {
                    PoolKind::Max => {
                        for ch in 0..c {
                            let at = cache[out + ch] as usize;
                            dxs[at * c + ch] += dy[out + ch];
                        }
                    }
                    PoolKind::Avg => {
                        let (lo, hi, divisor) = self.window(o);
                        for ch in 0..c {
                            let g = dy[out + ch] / divisor;
                            for i in lo..hi {
                                dxs[i * c + ch] += g;
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use nd_kernels::table::Kernels;
    use proptest::prelude::*;

    fn with_case(pool: &Pool1d, x: Vec<f32>, run: impl FnOnce(&GradCase<'_>)) {
        let n = x.len() / (pool.t_in * pool.channels);
        let fwd = |_: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; pool.cache_len(n)];
            pool.forward(x, y, &mut cache);
        };
        let bwd = |_: &Kernels, _: &[f32], _: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; pool.cache_len(n)];
            let mut y = vec![0.0; dy.len()];
            pool.forward(x, &mut y, &mut cache);
            pool.backward(&cache, dy, dx);
        };
        run(&GradCase {
            name: "Pool1d",
            params: vec![],
            input: x,
            out_len: n * pool.t_out * pool.channels,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn gradients_match_finite_differences(
            max: bool, n in 1usize..3, t in 1usize..10, c in 1usize..3, kernel in 1usize..5,
            stride in 1usize..4, padding in 0usize..3, ceil_mode: bool, seed: u64,
        ) {
            let kind = if max { PoolKind::Max } else { PoolKind::Avg };
            let Ok(pool) = Pool1d::new(kind, t, c, kernel, Some(stride), padding, ceil_mode) else {
                return Ok(());
            };
            // Distinct values spaced well beyond h, so the max of a window never changes hands
            // under a finite-difference step.
            let mut rng = crate::rng::Rng::seed_from(seed);
            let mut x: Vec<f32> = (0..n * t * c).map(|i| 0.1 * i as f32).collect();
            rng.shuffle(&mut x);
            with_case(&pool, x, |case| {
                check_gradients(case, Tolerance::default(), seed).unwrap();
                check_isa_agreement(case, 0.0, seed).unwrap();
            });
        }
    }

    // PyTorch's output lengths for the cases in `output_lengths_follow_pytorch` (0: PyTorch
    // raises "Output size is too small").
    const PT_LENGTHS: [(usize, usize, usize, usize, bool, usize); 98] = [
        (1, 1, 1, 0, false, 1),
        (1, 1, 1, 0, true, 1),
        (1, 2, 2, 0, false, 0),
        (1, 2, 2, 0, true, 1),
        (1, 3, 2, 1, false, 1),
        (1, 3, 2, 1, true, 1),
        (1, 3, 3, 1, false, 1),
        (1, 3, 3, 1, true, 1),
        (1, 4, 3, 2, false, 1),
        (1, 4, 3, 2, true, 1),
        (1, 3, 1, 0, false, 0),
        (1, 3, 1, 0, true, 0),
        (1, 5, 2, 2, false, 1),
        (1, 5, 2, 2, true, 1),
        (2, 1, 1, 0, false, 2),
        (2, 1, 1, 0, true, 2),
        (2, 2, 2, 0, false, 1),
        (2, 2, 2, 0, true, 1),
        (2, 3, 2, 1, false, 1),
        (2, 3, 2, 1, true, 2),
        (2, 3, 3, 1, false, 1),
        (2, 3, 3, 1, true, 1),
        (2, 4, 3, 2, false, 1),
        (2, 4, 3, 2, true, 2),
        (2, 3, 1, 0, false, 0),
        (2, 3, 1, 0, true, 0),
        (2, 5, 2, 2, false, 1),
        (2, 5, 2, 2, true, 2),
        (5, 1, 1, 0, false, 5),
        (5, 1, 1, 0, true, 5),
        (5, 2, 2, 0, false, 2),
        (5, 2, 2, 0, true, 3),
        (5, 3, 2, 1, false, 3),
        (5, 3, 2, 1, true, 3),
        (5, 3, 3, 1, false, 2),
        (5, 3, 3, 1, true, 2),
        (5, 4, 3, 2, false, 2),
        (5, 4, 3, 2, true, 3),
        (5, 3, 1, 0, false, 3),
        (5, 3, 1, 0, true, 3),
        (5, 5, 2, 2, false, 3),
        (5, 5, 2, 2, true, 3),
        (7, 1, 1, 0, false, 7),
        (7, 1, 1, 0, true, 7),
        (7, 2, 2, 0, false, 3),
        (7, 2, 2, 0, true, 4),
        (7, 3, 2, 1, false, 4),
        (7, 3, 2, 1, true, 4),
        (7, 3, 3, 1, false, 3),
        (7, 3, 3, 1, true, 3),
        (7, 4, 3, 2, false, 3),
        (7, 4, 3, 2, true, 3),
        (7, 3, 1, 0, false, 5),
        (7, 3, 1, 0, true, 5),
        (7, 5, 2, 2, false, 4),
        (7, 5, 2, 2, true, 4),
        (8, 1, 1, 0, false, 8),
        (8, 1, 1, 0, true, 8),
        (8, 2, 2, 0, false, 4),
        (8, 2, 2, 0, true, 4),
        (8, 3, 2, 1, false, 4),
        (8, 3, 2, 1, true, 5),
        (8, 3, 3, 1, false, 3),
        (8, 3, 3, 1, true, 3),
        (8, 4, 3, 2, false, 3),
        (8, 4, 3, 2, true, 4),
        (8, 3, 1, 0, false, 6),
        (8, 3, 1, 0, true, 6),
        (8, 5, 2, 2, false, 4),
        (8, 5, 2, 2, true, 5),
        (10, 1, 1, 0, false, 10),
        (10, 1, 1, 0, true, 10),
        (10, 2, 2, 0, false, 5),
        (10, 2, 2, 0, true, 5),
        (10, 3, 2, 1, false, 5),
        (10, 3, 2, 1, true, 6),
        (10, 3, 3, 1, false, 4),
        (10, 3, 3, 1, true, 4),
        (10, 4, 3, 2, false, 4),
        (10, 4, 3, 2, true, 4),
        (10, 3, 1, 0, false, 8),
        (10, 3, 1, 0, true, 8),
        (10, 5, 2, 2, false, 5),
        (10, 5, 2, 2, true, 6),
        (12, 1, 1, 0, false, 12),
        (12, 1, 1, 0, true, 12),
        (12, 2, 2, 0, false, 6),
        (12, 2, 2, 0, true, 6),
        (12, 3, 2, 1, false, 6),
        (12, 3, 2, 1, true, 7),
        (12, 3, 3, 1, false, 4),
        (12, 3, 3, 1, true, 5),
        (12, 4, 3, 2, false, 5),
        (12, 4, 3, 2, true, 5),
        (12, 3, 1, 0, false, 10),
        (12, 3, 1, 0, true, 10),
        (12, 5, 2, 2, false, 6),
        (12, 5, 2, 2, true, 7),
    ];

    // PyTorch's y (4) and dx (7) for the case in `values_and_gradients_match_pytorch`.
    #[allow(clippy::type_complexity)]
    const PT_POOL: [(PoolKind, [f32; 4], [f32; 7]); 2] = [
        (
            PoolKind::Max,
            [3.0, 4.0, 9.0, 9.0],
            [1.0, 0.0, 2.0, 0.0, 0.0, 7.0, 0.0],
        ),
        (
            PoolKind::Avg,
            [0.6666667, 1.3333334, 1.6666666, 3.6666667],
            [
                0.33333334, 1.0, 0.6666667, 1.6666667, 1.0, 2.3333335, 1.3333334,
            ],
        ),
    ];

    #[test]
    fn output_lengths_follow_pytorch() {
        // torch.nn.{Max,Avg}Pool1d(k, s, p, ceil_mode=c)(torch.zeros(1, 1, T)).shape[-1] for
        // (T, k, s, p, ceil) in PT_LENGTHS, computed with PyTorch (both kinds agree).
        let cases = PT_LENGTHS;
        for (t, k, s, p, ceil, want) in cases {
            let got = Pool1d::new(PoolKind::Max, t, 1, k, Some(s), p, ceil).map(|p| p.t_out);
            assert_eq!(
                got.unwrap_or(0),
                want,
                "T={t} k={k} s={s} p={p} ceil={ceil}"
            );
        }
        assert!(Pool1d::new(PoolKind::Max, 3, 1, 4, None, 0, false).is_err());
        assert!(Pool1d::new(PoolKind::Max, 3, 1, 2, None, 2, true).is_err());
        assert!(Pool1d::new(PoolKind::Avg, 3, 1, 0, None, 0, true).is_err());
        assert!(PoolKind::from_name("MinPool1d")
            .unwrap_err()
            .message
            .contains("MaxPool1d, AvgPool1d"));
    }

    #[test]
    fn values_and_gradients_match_pytorch() {
        // PyTorch: x = [3, -1, 4, 1, -5, 9, 2] as (1, 1, 7), requires_grad;
        // y = nn.{Max,Avg}Pool1d(3, 2, padding=1, ceil_mode=True)(x);
        // (y * w).sum().backward() with w = [1, 2, 3, 4][:len(y)].
        let x = [3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0];
        for (kind, want_y, want_dx) in PT_POOL {
            let pool = Pool1d::new(kind, 7, 1, 3, Some(2), 1, true).unwrap();
            let mut y = vec![0.0; pool.t_out];
            let mut cache = vec![0.0; pool.cache_len(1)];
            pool.forward(&x, &mut y, &mut cache);
            let w: Vec<f32> = (1..=y.len()).map(|i| i as f32).collect();
            let mut dx = [0.0; 7];
            pool.backward(&cache, &w, &mut dx);
            for (a, b) in y.iter().zip(want_y).chain(dx.iter().zip(want_dx)) {
                assert!((a - b).abs() < 1e-6, "{kind:?}: {y:?} {dx:?}");
            }
        }
    }

    #[test]
    fn count_include_pad_false_and_nan_match_pytorch() {
        // PyTorch: nn.AvgPool1d(3, 2, padding=1, ceil_mode=True, count_include_pad=False) on
        // the x of `values_and_gradients_match_pytorch`, w = [1, 2, 3, 4].
        let x = [3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0];
        let mut pool = Pool1d::new(PoolKind::Avg, 7, 1, 3, Some(2), 1, true).unwrap();
        pool.count_include_pad = false;
        let (mut y, mut dx) = ([0.0; 4], [0.0; 7]);
        pool.forward(&x, &mut y, &mut []);
        pool.backward(&[], &[1.0, 2.0, 3.0, 4.0], &mut dx);
        let want_y = [1.0, 1.333_333_4, 1.666_666_6, 5.5];
        let want_dx = [0.5, 1.166_666_7, 0.666_666_7, 1.666_666_7, 1.0, 3.0, 2.0];
        for (a, b) in y.iter().zip(want_y).chain(dx.iter().zip(want_dx)) {
            assert!((a - b).abs() < 1e-6, "{y:?} {dx:?}");
        }
        // nn.MaxPool1d(2) on [1, nan, 3, 2] gives [nan, 3]: a NaN wins its window.
        let pool = Pool1d::new(PoolKind::Max, 4, 1, 2, None, 0, false).unwrap();
        let (mut y, mut cache) = ([0.0; 2], [0.0; 2]);
        pool.forward(&[1.0, f32::NAN, 3.0, 2.0], &mut y, &mut cache);
        assert!(y[0].is_nan() && y[1] == 3.0 && cache == [1.0, 2.0]);
    }

    #[test]
    fn channels_last_pools_each_channel_separately() {
        // (N=1, T=4, C=2), NHITS-style k = 2: channel 0 is 1,5,2,0; channel 1 is -1,-2,7,8.
        let pool = Pool1d::nhits(PoolKind::Max, 4, 2, 2).unwrap();
        let x = [1.0, -1.0, 5.0, -2.0, 2.0, 7.0, 0.0, 8.0];
        let (mut y, mut cache) = ([0.0; 4], [0.0; 4]);
        pool.forward(&x, &mut y, &mut cache);
        assert_eq!(y, [5.0, -1.0, 2.0, 8.0]);
        assert_eq!(cache, [1.0, 0.0, 2.0, 3.0]);
    }
}
