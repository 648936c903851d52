//! `Interpolate`: `F.interpolate` along time to a new length, as NHITS upsamples its knots:
//! `mode='linear'` and `'nearest'` on (B, Q, n_knots), and for any mode containing `"cubic"`
//! `mode='bicubic'` on the 4-D view (B, 1, 1, n_knots) with `size=H`, keeping row 0 of the
//! (H, H) result.
//!
//! Layout: x (N, T_in, C) → y (N, T_out, C), channels last, each channel independently.
//! Every output is a fixed weighted sum of at most four inputs, so the layer precomputes
//! (index, weight) taps once, forward is a gather and backward the transposed scatter-add
//! (`dx[idx] += w·dy`). There are no parameters and no cache. Weights are computed in f32 with
//! the formulas of PyTorch's CPU kernels (`align_corners=False`, `scale = T_in/T_out` because
//! a size is given). Nearest and linear reproduce PyTorch's values bit for bit (linear with
//! the fused multiply-add PyTorch's AVX2/AVX-512 build uses, checked on 1400 outputs); cubic
//! agrees within about 2 ulp but not bit for bit (PyTorch's compiled kernel contracts its sums
//! and polynomials into FMAs in a pattern we did not pin down):
//! - nearest: src = min(⌊o·scale⌋, T_in − 1) (o itself when T_out = T_in, o/2 when
//!   T_out = 2·T_in).
//! - linear: r = max(scale·(o + ½) − ½, 0), i₀ = ⌊r⌋, i₁ = min(i₀ + 1, T_in − 1),
//!   λ = r − i₀, `y = x[i₀]·(1 − λ) + x[i₁]·λ` (identity when T_out = T_in).
//! - cubic: r = scale·(o + ½) − ½ (not clamped), i = min(⌊r⌋, T_in − 1), t = clamp(r − i, 0, 1),
//!   Keys' cubic convolution with A = −0.75 at distances 1 + t, t, 1 − t, 2 − t over the taps
//!   i − 1 … i + 2, each clamped into [0, T_in − 1] (border replication).
//!   The 2-D view adds a height pass from 1 row to H rows: output row 0's four height weights
//!   all land on the one input row, so y = Σ_i h_i·(Σ_j w_j·x_j); the h_i sum to 1 up to
//!   rounding. This is why NHITS's cubic is not quite
//!   plain 1-D cubic interpolation, and why it needs one channel (NHITS refuses
//!   `out_features > 1`; here each channel gets the same 1-row treatment).

use crate::error::{Error, Result};

/// PyTorch's cubic convolution coefficient.
const CUBIC_A: f32 = -0.75;

/// How outputs are computed from inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InterpolationMode {
    /// `mode='linear'`, `align_corners=False`.
    Linear,
    /// `mode='nearest'`.
    Nearest,
    /// NHITS's cubic: `mode='bicubic'` on a (1, n) image, row 0 kept.
    Cubic,
}

impl InterpolationMode {
    /// NHITS's `interpolation_mode`: `"linear"`, `"nearest"`, or any name containing `"cubic"`
    /// (NHITS tests `'cubic' in interpolation_mode`).
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] naming `interpolation_mode` for anything else.
    pub fn from_name(name: &str) -> Result<InterpolationMode> {
        match name {
            "linear" => Ok(InterpolationMode::Linear),
            "nearest" => Ok(InterpolationMode::Nearest),
            _ if name.contains("cubic") => Ok(InterpolationMode::Cubic),
            _ => Err(Error::config(
                "interpolation_mode",
                format!("unknown mode '{name}'; valid modes are linear, nearest, cubic"),
            )),
        }
    }
}

/// Resampling along time from `t_in` to `t_out` steps.
#[derive(Clone, Debug, PartialEq)]
pub struct Interpolate {
    /// The interpolation rule.
    pub mode: InterpolationMode,
    /// Input length T_in.
    pub t_in: usize,
    /// Output length T_out.
    pub t_out: usize,
    /// Channels C (the last dimension).
    pub channels: usize,
    /// Used taps per output: 1 (nearest), 2 (linear), 4 (cubic).
    n_taps: usize,
    /// Input positions per output (T_out, 4); unused taps are 0 with weight 0.
    taps: Vec<[usize; 4]>,
    /// Weights per output (T_out, 4).
    weights: Vec<[f32; 4]>,
    /// Cubic only: the height weights of output row 0 (all on input row 0).
    height: [f32; 4],
}

/// (idx, weights) of PyTorch's cubic upsampling for output `o` (`scale = in/out`).
fn cubic_taps(scale: f32, o: usize, t_in: usize) -> ([usize; 4], [f32; 4]) {
    let real = scale * (o as f32 + 0.5) - 0.5;
    let i = (real.floor() as i64).min(t_in as i64 - 1);
    let t = (real - i as f32).clamp(0.0, 1.0);
    let near = |x: f32| ((CUBIC_A + 2.0) * x - (CUBIC_A + 3.0)) * x * x + 1.0;
    let far = |x: f32| ((CUBIC_A * x - 5.0 * CUBIC_A) * x + 8.0 * CUBIC_A) * x - 4.0 * CUBIC_A;
    let x2 = 1.0 - t;
    let weights = [far(t + 1.0), near(t), near(x2), far(x2 + 1.0)];
    let clamp = |j: i64| (i - 1 + j).clamp(0, t_in as i64 - 1) as usize;
    ([clamp(0), clamp(1), clamp(2), clamp(3)], weights)
}

impl Interpolate {
    /// A resampler for inputs (N, `t_in`, `channels`) to (N, `t_out`, `channels`).
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] when either length is 0.
    pub fn new(
        mode: InterpolationMode,
        t_in: usize,
        t_out: usize,
        channels: usize,
    ) -> Result<Interpolate> {
        if t_in == 0 || t_out == 0 {
            return Err(Error::config(
                "interpolation size",
                format!("input and output lengths must be at least 1, got {t_in} and {t_out}"),
            ));
        }
        // PyTorch's compute_scales_value: (float)input_size / output_size.
        let scale = t_in as f32 / t_out as f32;
        let mut taps = Vec::with_capacity(t_out);
        let mut weights = Vec::with_capacity(t_out);
        let mut height = [0.0; 4];
        let n_taps = match mode {
            InterpolationMode::Nearest => {
                for o in 0..t_out {
                    let src = if t_out == t_in {
                        o
                    } else if t_out == 2 * t_in {
                        o >> 1
                    } else {
                        ((o as f32 * scale).floor() as usize).min(t_in - 1)
                    };
                    taps.push([src, 0, 0, 0]);
                    weights.push([1.0, 0.0, 0.0, 0.0]);
                }
                1
            }
            InterpolationMode::Linear => {
                for o in 0..t_out {
                    if t_out == t_in {
                        taps.push([o, o, 0, 0]);
                        weights.push([1.0, 0.0, 0.0, 0.0]);
                        continue;
                    }
                    let real = (scale * (o as f32 + 0.5) - 0.5).max(0.0);
                    let i0 = real as usize;
                    let i1 = if i0 < t_in - 1 { i0 + 1 } else { i0 };
                    let l1 = (real - i0 as f32).clamp(0.0, 1.0);
                    taps.push([i0, i1, 0, 0]);
                    weights.push([1.0 - l1, l1, 0.0, 0.0]);
                }
                2
            }
            InterpolationMode::Cubic => {
                for o in 0..t_out {
                    let (idx, w) = cubic_taps(scale, o, t_in);
                    taps.push(idx);
                    weights.push(w);
                }
                // Height: 1 input row, t_out output rows (size=H applies to both dims); row 0.
                height = cubic_taps(1.0 / t_out as f32, 0, 1).1;
                4
            }
        };
        Ok(Interpolate {
            mode,
            t_in,
            t_out,
            channels,
            n_taps,
            taps,
            weights,
            height,
        })
    }

    /// Floats of cache: none (the map is linear and fixed).
    pub fn cache_len(&self, _n: usize) -> usize {
        0
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    fn series(&self, len: usize, t: usize) -> usize {
        len / (t * self.channels).max(1)
    }

    /// y (N, T_out, C) = interpolate(x (N, T_in, C)).
    ///
    /// # Panics
    /// If the lengths do not match the dims.
    pub fn forward(&self, x: &[f32], y: &mut [f32]) {
        let c = self.channels;
        let n = self.series(x.len(), self.t_in);
        assert_eq!(
            x.len(),
            n * self.t_in * c,
            "interpolate: x must be (N, T_in, C)"
        );
        assert_eq!(
            y.len(),
            n * self.t_out * c,
            "interpolate: y must be (N, T_out, C)"
        );
        for s in 0..n {
            let xs = &x[s * self.t_in * c..(s + 1) * self.t_in * c]; // (T_in, C)
            let ys = &mut y[s * self.t_out * c..(s + 1) * self.t_out * c]; // (T_out, C)
            for (o, (idx, w)) in self.taps.iter().zip(&self.weights).enumerate() {
                for ch in 0..c {
                    let v = |j: usize| xs[idx[j] * c + ch];
                    ys[o * c + ch] = match self.mode {
                        InterpolationMode::Nearest => v(0),
                        // x₀·w₀ + x₁·w₁ as PyTorch's FMA build evaluates it: the second
                        // product rounded, the first fused (bit-identical to PyTorch then).
                        InterpolationMode::Linear => v(0).mul_add(w[0], v(1) * w[1]),
                        InterpolationMode::Cubic => {
                            let mut acc = v(0) * w[0];
                            for (j, &wj) in w.iter().enumerate().skip(1) {
                                acc += v(j) * wj;
                            }
                            let h = &self.height;
                            acc * h[0] + acc * h[1] + acc * h[2] + acc * h[3]
                        }
                    };
                }
            }
        }
    }

    /// dx (N, T_in, C) += Wᵀ·dy (N, T_out, C).
    ///
    /// # Panics
    /// If the lengths do not match the dims.
    pub fn backward(&self, dy: &[f32], dx: &mut [f32]) {
        let c = self.channels;
        let n = self.series(dx.len(), self.t_in);
        assert_eq!(
            dx.len(),
            n * self.t_in * c,
            "interpolate: dx must be (N, T_in, C)"
        );
        assert_eq!(
            dy.len(),
            n * self.t_out * c,
            "interpolate: dy must be (N, T_out, C)"
        );
        let gain = match self.mode {
            InterpolationMode::Cubic => self.height.iter().sum::<f32>(),
            _ => 1.0,
        };
        for s in 0..n {
            let dxs = &mut dx[s * self.t_in * c..(s + 1) * self.t_in * c]; // (T_in, C)
            let dys = &dy[s * self.t_out * c..(s + 1) * self.t_out * c]; // (T_out, C)
            for (o, (idx, w)) in self.taps.iter().zip(&self.weights).enumerate() {
                for ch in 0..c {
                    let g = dys[o * c + ch] * gain;
                    for j in 0..self.n_taps {
                        dxs[idx[j] * c + ch] += g * w[j];
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

    const MODES: [InterpolationMode; 3] = [
        InterpolationMode::Linear,
        InterpolationMode::Nearest,
        InterpolationMode::Cubic,
    ];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn gradients_match_finite_differences(
            mode in 0usize..3, n in 1usize..3, t_in in 1usize..7, t_out in 1usize..13,
            c in 1usize..3, seed: u64,
        ) {
            let layer = Interpolate::new(MODES[mode], t_in, t_out, c).unwrap();
            let fwd = |_: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| layer.forward(x, y);
            let bwd = |_: &Kernels, _: &[f32], _: &mut [f32], _: &[f32], dy: &[f32], dx: &mut [f32]| {
                layer.backward(dy, dx);
            };
            let mut rng = crate::rng::Rng::seed_from(seed);
            let case = GradCase {
                name: "Interpolate",
                params: vec![],
                input: (0..n * t_in * c).map(|_| rng.uniform(-2.0, 2.0)).collect(),
                out_len: n * t_out * c,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 0.0, seed).unwrap();
        }
    }

    // PyTorch's (mode, T_out, y, dx) for the cases in `matches_pytorch_as_nhits_calls_it`.
    #[allow(clippy::type_complexity)]
    const PT_INTERP: [(InterpolationMode, usize, &[f32], [f32; 5]); 15] = [
        (
            InterpolationMode::Linear,
            3,
            &[-0.08333328, 2.0, 0.66666734],
            [0.06666667, 0.03333333, 0.24285716, 0.1285715, 0.2571428],
        ),
        (
            InterpolationMode::Linear,
            5,
            &[0.5, -1.25, 2.0, 3.5, -0.75],
            [0.1, 0.24285716, 0.3857143, 0.5285714, 0.6714286],
        ),
        (
            InterpolationMode::Linear,
            7,
            &[
                0.5,
                -0.49999994,
                -0.32142824,
                2.0,
                3.0714288,
                1.6785712,
                -0.75,
            ],
            [0.20408164, 0.4142857, 0.8306122, 0.94489807, 1.3061225],
        ),
        (
            InterpolationMode::Linear,
            10,
            &[
                0.5, 0.0625, -0.8125, -0.4375, 1.1875, 2.375, 3.125, 2.4375, 0.3125, -0.75,
            ],
            [0.37857145, 0.9142858, 1.4857143, 2.057143, 2.5928574],
        ),
        (
            InterpolationMode::Linear,
            12,
            &[
                0.5,
                0.28125,
                -0.44791657,
                -1.1770831,
                -0.03125,
                1.3229162,
                2.3125,
                2.9375,
                3.3229175,
                1.5520837,
                -0.21875,
                -0.75,
            ],
            [0.51130956, 1.3351191, 2.0666668, 3.0196433, 3.695833],
        ),
        (
            InterpolationMode::Nearest,
            3,
            &[0.5, -1.25, 3.5],
            [0.1, 0.24285716, 0.0, 0.3857143, 0.0],
        ),
        (
            InterpolationMode::Nearest,
            5,
            &[0.5, -1.25, 2.0, 3.5, -0.75],
            [0.1, 0.24285716, 0.3857143, 0.5285714, 0.6714286],
        ),
        (
            InterpolationMode::Nearest,
            7,
            &[0.5, 0.5, -1.25, 2.0, 2.0, 3.5, -0.75],
            [0.34285715, 0.3857143, 1.2, 0.81428576, 0.9571429],
        ),
        (
            InterpolationMode::Nearest,
            10,
            &[0.5, 0.5, -1.25, -1.25, 2.0, 2.0, 3.5, 3.5, -0.75, -0.75],
            [0.34285715, 0.9142857, 1.4857144, 2.057143, 2.6285715],
        ),
        (
            InterpolationMode::Nearest,
            12,
            &[
                0.5, 0.5, 0.5, -1.25, -1.25, 2.0, 2.0, 2.0, 3.5, 3.5, -0.75, -0.75,
            ],
            [0.7285714, 1.2, 2.8714285, 2.6285715, 3.2],
        ),
        (
            InterpolationMode::Cubic,
            3,
            &[-0.23148115, 2.0000005, 0.6712967],
            [0.068518534, 0.037037056, 0.21587288, 0.14285727, 0.26428574],
        ),
        (
            InterpolationMode::Cubic,
            5,
            &[0.5, -1.25, 2.0, 3.4999995, -0.74999994],
            [0.09999998, 0.24285707, 0.3857142, 0.52857125, 0.67142844],
        ),
        (
            InterpolationMode::Cubic,
            7,
            &[
                0.63775563,
                -0.8564139,
                -0.64941597,
                1.9999998,
                3.7110052,
                1.873178,
                -1.0845493,
            ],
            [0.16765933, 0.45526886, 0.74277407, 1.033361, 1.3009373],
        ),
        (
            InterpolationMode::Cubic,
            10,
            &[
                0.68457043,
                -0.010742189,
                -1.1962893,
                -0.7509767,
                1.0439454,
                2.8320317,
                3.7226572,
                2.695313,
                0.26562506,
                -1.1982424,
            ],
            [0.3064174, 0.912779, 1.4857144, 2.1108818, 2.612779],
        ),
        (
            InterpolationMode::Cubic,
            12,
            &[
                0.69207036,
                0.28381342,
                -0.78475386,
                -1.2863718,
                -0.36999506,
                1.2090967,
                2.704209,
                3.6406243,
                3.4048567,
                1.7253506,
                -0.29052728,
                -1.2164578,
            ],
            [0.42568362, 1.3013165, 2.1258996, 3.0290978, 3.746573],
        ),
    ];

    #[test]
    fn matches_pytorch_as_nhits_calls_it() {
        // PyTorch: x = [0.5, -1.25, 2.0, 3.5, -0.75] (5 knots), w = arange(len(y))/7 + 0.1;
        // linear/nearest: y = F.interpolate(x.view(1, 1, 5), size=T_out, mode=m)[0, 0];
        // cubic: y = F.interpolate(x.view(1, 1, 1, 5), size=T_out, mode='bicubic')[0, 0, 0];
        // dx from (y * w).sum().backward().
        let x = [0.5, -1.25, 2.0, 3.5, -0.75];
        for (mode, t_out, want_y, want_dx) in PT_INTERP {
            let layer = Interpolate::new(mode, 5, t_out, 1).unwrap();
            let mut y = vec![0.0; t_out];
            layer.forward(&x, &mut y);
            let w: Vec<f32> = (0..t_out).map(|i| i as f32 / 7.0 + 0.1).collect();
            let mut dx = [0.0; 5];
            layer.backward(&w, &mut dx);
            for (a, b) in y.iter().zip(want_y) {
                if mode == InterpolationMode::Cubic {
                    assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{t_out}: y {y:?}");
                } else {
                    assert_eq!(a, b, "{mode:?} {t_out}: y {y:?} is not bit-identical");
                }
            }
            for (a, b) in dx.iter().zip(want_dx) {
                assert!(
                    (a - b).abs() <= 1e-5 * b.abs().max(1.0),
                    "{mode:?} {t_out}: dx {dx:?}"
                );
            }
        }
    }

    #[test]
    fn names_and_bad_sizes() {
        assert_eq!(
            InterpolationMode::from_name("cubic").unwrap(),
            InterpolationMode::Cubic
        );
        assert_eq!(
            InterpolationMode::from_name("bicubic").unwrap(),
            InterpolationMode::Cubic
        );
        let err = InterpolationMode::from_name("spline").unwrap_err();
        assert!(err.message.contains("interpolation_mode") && err.message.contains("linear"));
        assert!(Interpolate::new(InterpolationMode::Linear, 0, 3, 1).is_err());
    }
}
