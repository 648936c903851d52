//! `SeriesDecomp`: DLinear's (and Autoformer's) moving-average decomposition of a window into
//! trend and residual.
//!
//! NeuralForecast's `MovingAvg` replicates the first and last values (K − 1)/2 times at each
//! end, then runs `AvgPool1d(K, stride=1)`: `trend[t] = (1/K)·Σ_{j=−p..p} x[clamp(t + j)]` with
//! p = (K − 1)/2, summed in window order; `SeriesDecomp` returns residual = x − trend. An even
//! K would make the trend one step shorter than x (and PyTorch fail on the subtraction), so it
//! is refused.
//!
//! Layout: x (N, T, C), averaged along T per channel (DLinear's (B, L) is C = 1). The map is
//! linear, so there is no cache; backward with g = d_trend − d_residual is
//! dx += d_residual + Aᵀ·g, Aᵀ scattering `g[t]/K` onto the clamped window of t.

use crate::error::{Error, Result};

/// Series × channels decomposed side by side in the transposed path of
/// [`SeriesDecomp::forward`]: 64 floats are four AVX-512 or sixteen SSE vectors per step.
const BLOCK_WIDTH: usize = 64;

/// `acc[i] += add[i]`.
fn add_row(acc: &mut [f32], add: &[f32]) {
    for (a, &b) in acc.iter_mut().zip(add) {
        *a += b;
    }
}

/// Moving-average trend / residual decomposition.
#[derive(Clone, Debug, PartialEq)]
pub struct SeriesDecomp {
    /// Window length K (odd).
    pub kernel: usize,
    /// Series length T.
    pub t: usize,
    /// Channels C (the last dimension).
    pub channels: usize,
}

impl SeriesDecomp {
    /// A decomposition with window `kernel` (DLinear's `moving_avg_window`) for inputs
    /// (N, `t`, `channels`).
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] naming `moving_avg_window` when it is even or 0, or
    /// when `t` is 0.
    pub fn new(kernel: usize, t: usize, channels: usize) -> Result<SeriesDecomp> {
        if kernel == 0 || kernel.is_multiple_of(2) {
            return Err(Error::config(
                "moving_avg_window",
                format!("must be odd, got {kernel}"),
            ));
        }
        if t == 0 {
            return Err(Error::config(
                "input_size",
                "the decomposition needs at least one step",
            ));
        }
        Ok(SeriesDecomp {
            kernel,
            t,
            channels,
        })
    }

    /// Floats of cache: none.
    pub fn cache_len(&self, _n: usize) -> usize {
        0
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    /// The input step the window of `t` reads at offset `j` (0..K), edges replicated.
    fn source(&self, t: usize, j: usize) -> usize {
        let p = (self.kernel - 1) / 2;
        (t + j).saturating_sub(p).min(self.t - 1)
    }

    fn series(&self, len: usize) -> usize {
        len / (self.t * self.channels).max(1)
    }

    /// trend (N, T, C) = moving average of x (N, T, C); residual (N, T, C) = x − trend.
    ///
    /// With few channels (DLinear's C = 1) one series' window sums are too short to vectorise,
    /// so up to 64 / C series are first turned side by side (`BLOCK_WIDTH`): a block is
    /// transposed to (T, rows·C), where each step is one contiguous row of `rows·C` values,
    /// and decomposed as a single series with that many channels. The transposes run inside
    /// the block's own `residual` and `trend` (no scratch), and every trend value is still the
    /// same sum in the same window order, so both paths give the textbook bits.
    ///
    /// # Panics
    /// If the lengths do not match the dims.
    pub fn forward(&self, x: &[f32], trend: &mut [f32], residual: &mut [f32]) {
        let (t, c) = (self.t, self.channels);
        let n = self.series(x.len());
        assert_eq!(x.len(), n * t * c, "decomposition: x must be (N, T, C)");
        assert!(
            trend.len() == x.len() && residual.len() == x.len(),
            "decomposition: trend and residual must be shaped like x"
        );
        let row_len = t * c;
        if c >= BLOCK_WIDTH / 4 || n == 1 {
            for ((x, trend), residual) in x
                .chunks_exact(row_len)
                .zip(trend.chunks_exact_mut(row_len))
                .zip(residual.chunks_exact_mut(row_len))
            {
                self.window_sums(x, c, trend);
                for ((tr, r), &v) in trend.iter_mut().zip(residual.iter_mut()).zip(x) {
                    *tr /= self.kernel as f32;
                    *r = v - *tr;
                }
            }
            return;
        }
        let block = (BLOCK_WIDTH / c) * row_len;
        for ((x, trend), residual) in x
            .chunks(block)
            .zip(trend.chunks_mut(block))
            .zip(residual.chunks_mut(block))
        {
            let width = x.len() / t; // rows in this block × C
                                     // residual ← xᵀ (T, width): column r·C + ch of step i is x[r][i][ch].
            for (i, step) in residual.chunks_exact_mut(width).enumerate() {
                for (r, out) in step.chunks_exact_mut(c).enumerate() {
                    for (ch, o) in out.iter_mut().enumerate() {
                        *o = x[r * row_len + i * c + ch];
                    }
                }
            }
            // trend ← window sums of xᵀ / K, still (T, width) (a division per element, as the
            // per-series path: the same bits, here on whole vectors); residual ← that copy.
            self.window_sums_by_step(residual, width, trend);
            for v in trend.iter_mut() {
                *v /= self.kernel as f32;
            }
            residual.copy_from_slice(trend);
            // Back to (rows, T, C): trend = the averages, residual = x − trend.
            for (r, trend_row) in trend.chunks_exact_mut(row_len).enumerate() {
                for (i, out) in trend_row.chunks_exact_mut(c).enumerate() {
                    out.copy_from_slice(&residual[i * width + r * c..i * width + (r + 1) * c]);
                }
            }
            for ((r, &v), &tr) in residual.iter_mut().zip(x).zip(&*trend) {
                *r = v - tr;
            }
        }
    }

    /// The same sums as [`Self::window_sums`] for a wide x (T, width), step by step: each
    /// step's sums over a group of columns (32, then 16, 8, 4 and single columns for the rest)
    /// stay in registers while the K source rows are added in window order, so nothing is
    /// stored and reloaded per offset.
    fn window_sums_by_step(&self, x: &[f32], width: usize, sums: &mut [f32]) {
        for (i, out) in sums.chunks_exact_mut(width).enumerate() {
            let mut col = 0;
            while col + 32 <= width {
                self.step_sums::<32>(x, width, i, col, out);
                col += 32;
            }
            for group in [16, 8, 4] {
                if col + group <= width {
                    match group {
                        16 => self.step_sums::<16>(x, width, i, col, out),
                        8 => self.step_sums::<8>(x, width, i, col, out),
                        _ => self.step_sums::<4>(x, width, i, col, out),
                    }
                    col += group;
                }
            }
            while col < width {
                self.step_sums::<1>(x, width, i, col, out);
                col += 1;
            }
        }
    }

    /// out[col..col + N] = the window sums of step `i` over columns col..col + N of x (T, width).
    #[inline(always)]
    fn step_sums<const N: usize>(
        &self,
        x: &[f32],
        width: usize,
        i: usize,
        col: usize,
        out: &mut [f32],
    ) {
        let p = (self.kernel - 1) / 2;
        let mut acc = [0.0f32; N];
        for j in 0..self.kernel {
            let row = (i + j).saturating_sub(p).min(self.t - 1);
            let src = &x[row * width + col..][..N];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += v;
            }
        }
        out[col..col + N].copy_from_slice(&acc);
    }

    /// `sums` (T, c) = Σ_{j=0..K} x[clamp(t + j − p)] of one series x (T, c), offset by
    /// offset, so each step is a contiguous slice addition the compiler vectorises; every sum
    /// still runs over its window in window order (j = 0..K), exactly as the textbook loop
    /// `Σ_j x[source(t, j)]` (same rounding).
    fn window_sums(&self, x: &[f32], c: usize, sums: &mut [f32]) {
        let (t, p) = (self.t, (self.kernel - 1) / 2);
        sums.fill(0.0);
        for j in 0..self.kernel {
            // Steps i whose source i + j − p falls inside the series; before them the
            // first value is replicated, after them the last.
            let first_inside = p.saturating_sub(j).min(t);
            let end_inside = (t + p).saturating_sub(j).min(t).max(first_inside);
            for i in 0..first_inside {
                add_row(&mut sums[i * c..(i + 1) * c], &x[..c]);
            }
            if end_inside > first_inside {
                // Here first_inside = max(p − j, 0), so the source starts at step ≥ 0.
                let src_start = first_inside + j - p;
                let inside = (end_inside - first_inside) * c;
                add_row(
                    &mut sums[first_inside * c..first_inside * c + inside],
                    &x[src_start * c..src_start * c + inside],
                );
            }
            for i in end_inside..t {
                add_row(&mut sums[i * c..(i + 1) * c], &x[(t - 1) * c..]);
            }
        }
    }

    /// dx (N, T, C) += ∂/∂x of ⟨d_trend, trend⟩ + ⟨d_residual, residual⟩.
    ///
    /// # Panics
    /// If the lengths do not match the dims.
    pub fn backward(&self, d_trend: &[f32], d_residual: &[f32], dx: &mut [f32]) {
        let (t, c) = (self.t, self.channels);
        let n = self.series(dx.len());
        assert_eq!(dx.len(), n * t * c, "decomposition: dx must be (N, T, C)");
        assert!(
            d_trend.len() == dx.len() && d_residual.len() == dx.len(),
            "decomposition: d_trend and d_residual must be shaped like dx"
        );
        let k = self.kernel as f32;
        for s in 0..n {
            let base = s * t * c;
            for i in 0..t {
                for ch in 0..c {
                    let at = base + i * c + ch;
                    dx[at] += d_residual[at];
                    let g = (d_trend[at] - d_residual[at]) / k;
                    for j in 0..self.kernel {
                        dx[base + self.source(i, j) * c + ch] += g;
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        /// The slice-wise forward gives exactly (bit for bit) the textbook sum over each
        /// clamped window in window order, for windows shorter and longer than the series.
        #[test]
        fn forward_equals_the_textbook_window_sums(
            half in 0usize..14, t in 1usize..30, c in 1usize..20, n in 1usize..150, seed: u64,
        ) {
            let d = SeriesDecomp::new(2 * half + 1, t, c).unwrap();
            let mut rng = crate::rng::Rng::seed_from(seed);
            let x: Vec<f32> = (0..n * t * c).map(|_| rng.uniform(-3.0, 3.0)).collect();
            let (mut trend, mut residual) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            d.forward(&x, &mut trend, &mut residual);
            for s in 0..n {
                for i in 0..t {
                    for ch in 0..c {
                        let at = (s * t + i) * c + ch;
                        let mut sum = 0.0f32;
                        for j in 0..d.kernel {
                            sum += x[(s * t + d.source(i, j)) * c + ch];
                        }
                        let want = sum / d.kernel as f32;
                        prop_assert_eq!(trend[at].to_bits(), want.to_bits());
                        prop_assert_eq!(residual[at].to_bits(), (x[at] - want).to_bits());
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn gradients_match_finite_differences(
            half in 0usize..4, n in 1usize..3, t in 1usize..9, c in 1usize..3, seed: u64,
        ) {
            let layer = SeriesDecomp::new(2 * half + 1, t, c).unwrap();
            let len = n * t * c;
            // Output: trend then residual, concatenated.
            let fwd = |_: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| {
                let (trend, res) = y.split_at_mut(len);
                layer.forward(x, trend, res);
            };
            let bwd = |_: &Kernels, _: &[f32], _: &mut [f32], _: &[f32], dy: &[f32], dx: &mut [f32]| {
                layer.backward(&dy[..len], &dy[len..], dx);
            };
            let mut rng = crate::rng::Rng::seed_from(seed);
            let case = GradCase {
                name: "SeriesDecomp",
                params: vec![],
                input: (0..len).map(|_| rng.uniform(-2.0, 2.0)).collect(),
                out_len: 2 * len,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 0.0, seed).unwrap();
        }
    }

    // PyTorch's outputs for the case in `matches_neuralforecast`.
    const PT_TREND: [f32; 7] = [1.0, 1.5, 1.35, 2.35, 1.35, 1.55, 0.65];
    const PT_RES: [f32; 7] = [0.0, 2.5, -3.35, 1.1500001, -1.1, 4.45, -1.65];
    const PT_DX: [f32; 7] = [
        0.074285686,
        0.41142857,
        0.2857143,
        0.42857143,
        0.5714286,
        0.43428576,
        0.7942858,
    ];

    #[test]
    fn matches_neuralforecast() {
        // neuralforecast.models.dlinear.SeriesDecomp(5) on x (1, 7) below, with PyTorch:
        // res, trend = decomp(x); (trend * wt + res * wr).sum().backward(),
        // wt = arange(7)/7, wr = 1 − arange(7)/5.
        let x = [1.0, 4.0, -2.0, 3.5, 0.25, 6.0, -1.0];
        let layer = SeriesDecomp::new(5, 7, 1).unwrap();
        let (mut trend, mut res) = ([0.0; 7], [0.0; 7]);
        layer.forward(&x, &mut trend, &mut res);
        let wt: Vec<f32> = (0..7).map(|i| i as f32 / 7.0).collect();
        let wr: Vec<f32> = (0..7).map(|i| 1.0 - i as f32 / 5.0).collect();
        let mut dx = [0.0; 7];
        layer.backward(&wt, &wr, &mut dx);
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-6);
        assert!(close(&trend, &PT_TREND), "{trend:?}");
        assert!(close(&res, &PT_RES), "{res:?}");
        assert!(close(&dx, &PT_DX), "{dx:?}");
        assert!(SeriesDecomp::new(4, 7, 1)
            .unwrap_err()
            .message
            .contains("moving_avg_window"));
    }
}
