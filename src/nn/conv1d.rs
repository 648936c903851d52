//! `Conv1d`: PyTorch's `nn.Conv1d` (any kernel size, stride, dilation, zero padding), with an
//! optional activation after it, over **channel-last** activations.
//!
//! Layout: x is (B, T, C_in) and y is (B, T_out, C_out), as every other layer here sees time
//! series (PyTorch's `nn.Conv1d` wants (B, C, T); NeuralForecast permutes around it, we need
//! not). The weight is stored (C_out, C_in, K) exactly as PyTorch's, so weights load unchanged.
//!
//!   `y[b, t, o] = act(bias[o] + Σ_j Σ_c W[o, c, j] · x[b, t·stride + j·dilation − pad_left, c])`
//!
//! with x = 0 outside [0, T), and T_out = ⌊(T + pad_left + pad_right − dilation·(K−1) − 1) /
//! stride⌋ + 1. NeuralForecast's `CausalConv1d` (TCN) is PyTorch's conv with padding
//! (K−1)·dilation on both sides followed by `Chomp1d` dropping the last (K−1)·dilation steps;
//! that is exactly pad_left = (K−1)·dilation, pad_right = 0 here ([`Conv1dGeometry::causal`]):
//! y at t sees x at t, t − d, ..., t − (K−1)·d.
//!
//! Implementation: an explicit im2col into the cache, in tap-major order
//! col[(b, t), j·C_in + c] = x[b, t·s + j·d − pad_left, c], so each tap's part of a row is a
//! contiguous copy of one input row; the weight is permuted once per call to the matching
//! (C_out, K·C_in) order (K·C_in·C_out floats, negligible). Then the whole layer is one GEMM
//! with K·C_in as the inner dimension:
//!   y (B·T_out, C_out) = col (B·T_out, K·C_in) · W'ᵀ + bias
//! and backward is two GEMMs and a scatter:
//!   dW' (C_out, K·C_in) = dzᵀ·col   (permuted back and added into dW)
//!   db += Σ_rows dz
//!   dcol (B·T_out, K·C_in) = dz·W'   then dx[b, src, :] += dcol[(b, t), j·C_in..] (col2im)
//! One GEMM with inner dimension K·C_in runs faster than K GEMMs of inner dimension C_in over
//! shifted rows (and needs no fix-up of the rows where the shift crosses a sequence boundary).

use super::gemm;
use super::params::{Init, ParamLayout, ParamRange};
use super::recurrent::{carve, carve_ref, SeqDims};
use crate::error::{Error, Result};
use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// Stride, dilation and zero padding of a [`Conv1d`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv1dGeometry {
    /// Step between output positions (PyTorch `stride`, default 1).
    pub stride: usize,
    /// Spacing between taps (PyTorch `dilation`, default 1).
    pub dilation: usize,
    /// Zeros before the first step.
    pub pad_left: usize,
    /// Zeros after the last step.
    pub pad_right: usize,
}

impl Default for Conv1dGeometry {
    /// PyTorch's defaults: stride 1, dilation 1, no padding.
    fn default() -> Conv1dGeometry {
        Conv1dGeometry {
            stride: 1,
            dilation: 1,
            pad_left: 0,
            pad_right: 0,
        }
    }
}

impl Conv1dGeometry {
    /// NeuralForecast's `CausalConv1d`: stride 1, left padding (K−1)·dilation, so T_out = T and
    /// output t depends on inputs ≤ t only.
    pub fn causal(kernel: usize, dilation: usize) -> Conv1dGeometry {
        Conv1dGeometry {
            dilation,
            pad_left: kernel.saturating_sub(1) * dilation,
            ..Conv1dGeometry::default()
        }
    }

    /// PyTorch's `padding=p` (the same on both sides).
    pub fn padded(padding: usize, stride: usize, dilation: usize) -> Conv1dGeometry {
        Conv1dGeometry {
            stride,
            dilation,
            pad_left: padding,
            pad_right: padding,
        }
    }
}

/// A 1-d convolution over channel-last sequences, with an optional activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Conv1d {
    /// C_in
    pub c_in: usize,
    /// C_out
    pub c_out: usize,
    /// K: taps.
    pub kernel: usize,
    /// Stride, dilation, padding.
    pub geometry: Conv1dGeometry,
    /// (C_out, C_in, K)
    pub weight: ParamRange,
    /// (C_out), if the layer has a bias.
    pub bias: Option<ParamRange>,
    /// Applied after the convolution (`Identity` for a plain `nn.Conv1d`).
    pub activation: Activation,
}

impl Conv1d {
    /// Registers `{name}.weight` (C_out, C_in, K) and (with `bias`) `{name}.bias` (C_out),
    /// PyTorch-initialised (uniform ±1/√(C_in·K)). Errors if the kernel size, stride or
    /// dilation is 0.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        c_in: usize,
        c_out: usize,
        kernel: usize,
        geometry: Conv1dGeometry,
        bias: bool,
        activation: Activation,
    ) -> Result<Conv1d> {
        for (param, v) in [
            ("kernel_size", kernel),
            ("stride", geometry.stride),
            ("dilation", geometry.dilation),
        ] {
            if v == 0 {
                return Err(Error::config(
                    param,
                    format!("{name}: must be at least 1, got 0"),
                ));
            }
        }
        let init = Init::kaiming_uniform(c_in * kernel);
        let weight = layout.add(&format!("{name}.weight"), &[c_out, c_in, kernel], init);
        let bias = bias.then(|| layout.add(&format!("{name}.bias"), &[c_out], init));
        Ok(Conv1d {
            c_in,
            c_out,
            kernel,
            geometry,
            weight,
            bias,
            activation,
        })
    }

    /// T_out for an input of T steps; 0 when the input (padded) is shorter than the kernel's
    /// reach (a model should reject such an input size when it is built).
    pub fn out_len(&self, t: usize) -> usize {
        let g = &self.geometry;
        let padded = t + g.pad_left + g.pad_right;
        let reach = g.dilation * (self.kernel - 1) + 1;
        if padded < reach {
            0
        } else {
            (padded - reach) / g.stride + 1
        }
    }

    fn kc(&self) -> usize {
        self.kernel * self.c_in
    }

    /// Whether backward needs the pre-activation z cached: not without an activation, nor with
    /// ReLU, whose derivative (z > 0) is read from its output (y > 0 exactly where z > 0), so
    /// ReLU runs in the GEMM's epilogue.
    fn needs_pre_activation(&self) -> bool {
        !matches!(self.activation, Activation::Identity | Activation::Relu)
    }

    /// The permuted weight (C_out, K·C_in), im2col (B·T_out, K·C_in), and with an activation
    /// other than ReLU the pre-activation z (B·T_out, C_out).
    fn cache_lens(&self, dims: SeqDims) -> [usize; 3] {
        let rows = dims.b * self.out_len(dims.t);
        let z = if self.needs_pre_activation() {
            rows * self.c_out
        } else {
            0
        };
        [self.c_out * self.kc(), rows * self.kc(), z]
    }

    /// Floats of cache `forward` fills for a (B, T, C_in) input.
    pub fn cache_len(&self, dims: SeqDims) -> usize {
        self.cache_lens(dims).iter().sum()
    }

    /// dz (B·T_out, C_out) when there is an activation, dW' (C_out, K·C_in), dcol
    /// (B·T_out, K·C_in).
    fn scratch_lens(&self, dims: SeqDims) -> [usize; 3] {
        let [w, col, _] = self.cache_lens(dims);
        let dz = if self.activation == Activation::Identity {
            0
        } else {
            dims.b * self.out_len(dims.t) * self.c_out
        };
        [dz, w, col]
    }

    /// Floats of scratch `backward` needs for a (B, T, C_in) input.
    pub fn scratch_len(&self, dims: SeqDims) -> usize {
        self.scratch_lens(dims).iter().sum()
    }

    /// The input step tap `j` of output step `t` reads, if inside [0, T).
    fn source(&self, t: usize, j: usize, t_in: usize) -> Option<usize> {
        let g = &self.geometry;
        (t * g.stride + j * g.dilation)
            .checked_sub(g.pad_left)
            .filter(|&s| s < t_in)
    }

    /// Training forward: x (B, T, C_in) → y (B, T_out, C_out); fills `cache`
    /// (`cache_len(dims)` floats) for backward.
    ///
    /// # Panics
    /// If `x` or `y` does not have the length `dims` implies (a bug in the calling model).
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        dims: SeqDims,
        x: &[f32],
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        let (c, kc, t_out) = (self.c_in, self.kc(), self.out_len(dims.t));
        let rows = dims.b * t_out;
        assert_eq!(x.len(), dims.rows() * c, "Conv1d: x must be (B, T, C_in)");
        assert_eq!(
            y.len(),
            rows * self.c_out,
            "Conv1d: y must be (B, T_out, C_out)"
        );
        let [w, col, z] = carve(cache, self.cache_lens(dims));
        // W' (C_out, K·C_in): W'[o, j·C_in + c] = W[o, c, j]
        let weight = self.weight.of(params);
        for (o, row) in w.chunks_exact_mut(kc.max(1)).enumerate() {
            for j in 0..self.kernel {
                for ci in 0..c {
                    row[j * c + ci] = weight[(o * c + ci) * self.kernel + j];
                }
            }
        }
        // col (B·T_out, K·C_in), tap-major
        for b in 0..dims.b {
            for t in 0..t_out {
                let row = &mut col[(b * t_out + t) * kc..(b * t_out + t + 1) * kc];
                for (j, part) in row.chunks_exact_mut(c.max(1)).enumerate() {
                    match self.source(t, j, dims.t) {
                        Some(s) => {
                            part.copy_from_slice(&x[(b * dims.t + s) * c..(b * dims.t + s + 1) * c])
                        }
                        None => part.fill(0.0),
                    }
                }
            }
        }
        // y (B·T_out, C_out) = col · W'ᵀ + bias
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: kc,
            ..GemmSpec::new(rows, self.c_out, kc)
        };
        if !self.needs_pre_activation() {
            let ep = Epilogue {
                bias: self.bias.map(|b| b.of(params)),
                activation: self.activation,
            };
            gemm::sgemm(k, &spec, col, w, y, ep);
        } else {
            let ep = Epilogue {
                bias: self.bias.map(|b| b.of(params)),
                ..Epilogue::NONE
            };
            gemm::sgemm(k, &spec, col, w, z, ep);
            (k.act_forward)(self.activation, z, y);
        }
    }

    /// Accumulates dW, db into `grads` and, when given, dx (B, T, C_in) from dy
    /// (B, T_out, C_out). `y` and `cache` are `forward`'s, `scratch` `scratch_len(dims)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        _params: &[f32], // the permuted weights are in the cache
        grads: &mut [f32],
        dims: SeqDims,
        y: &[f32],
        cache: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let (c, kc, t_out) = (self.c_in, self.kc(), self.out_len(dims.t));
        let rows = dims.b * t_out;
        let [w, col, z] = carve_ref(cache, self.cache_lens(dims));
        let [dz_buf, dw, dcol] = carve(scratch, self.scratch_lens(dims));
        let dz: &[f32] = if self.activation == Activation::Identity {
            &dy[..rows * self.c_out]
        } else {
            // ReLU's derivative from its output: y > 0 exactly where z > 0.
            let z = if self.needs_pre_activation() { z } else { y };
            dz_buf.fill(0.0);
            (k.act_backward)(self.activation, z, y, dy, dz_buf);
            dz_buf
        };
        // dW' (C_out, K·C_in) = dzᵀ (C_out, B·T_out) · col (B·T_out, K·C_in)
        let spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: self.c_out,
            ..GemmSpec::new(self.c_out, kc, rows)
        };
        gemm::sgemm(k, &spec, dz, col, dw, Epilogue::NONE);
        let dweight = self.weight.of_mut(grads);
        for (o, row) in dw.chunks_exact(kc.max(1)).enumerate() {
            for j in 0..self.kernel {
                for ci in 0..c {
                    dweight[(o * c + ci) * self.kernel + j] += row[j * c + ci];
                }
            }
        }
        if let Some(b) = self.bias {
            (k.col_sum_acc)(dz, self.c_out, b.of_mut(grads));
        }
        if let Some(dx) = dx {
            // dcol (B·T_out, K·C_in) = dz (B·T_out, C_out) · W' (C_out, K·C_in), then col2im
            gemm::sgemm(
                k,
                &GemmSpec::new(rows, kc, self.c_out),
                dz,
                w,
                dcol,
                Epilogue::NONE,
            );
            for b in 0..dims.b {
                for t in 0..t_out {
                    let row = &dcol[(b * t_out + t) * kc..(b * t_out + t + 1) * kc];
                    for (j, part) in row.chunks_exact(c.max(1)).enumerate() {
                        if let Some(s) = self.source(t, j, dims.t) {
                            let r = b * dims.t + s;
                            (k.add_assign)(&mut dx[r * c..(r + 1) * c], part);
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
    use crate::nn::params::ParamStore;
    use crate::nn::recurrent::test_support::{assert_close, packed, pattern, pattern_params};
    use proptest::prelude::*;

    fn with_case(
        conv: &Conv1d,
        dims: SeqDims,
        params: Vec<f32>,
        x: Vec<f32>,
        check: impl FnOnce(&GradCase<'_>),
    ) {
        let y_len = dims.b * conv.out_len(dims.t) * conv.c_out;
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; conv.cache_len(dims)];
            conv.forward(k, p, dims, x, y, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; conv.cache_len(dims)];
            let mut y = vec![0.0; y_len];
            conv.forward(k, p, dims, x, &mut y, &mut cache);
            let mut scratch = vec![0.0; conv.scratch_len(dims)];
            conv.backward(k, p, g, dims, &y, &cache, dy, Some(dx), &mut scratch);
        };
        check(&GradCase {
            name: "Conv1d",
            params,
            input: x,
            out_len: y_len,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn gradients_match_finite_differences(
            b in 1usize..3, t in 1usize..7, c_in in 1usize..4, c_out in 1usize..4,
            kernel in 1usize..4, stride in 1usize..3, dilation in 1usize..3,
            pad_left in 0usize..4, pad_right in 0usize..3, bias: bool, tanh: bool, seed: u64,
        ) {
            let geometry = Conv1dGeometry { stride, dilation, pad_left, pad_right };
            let act = if tanh { Activation::Tanh } else { Activation::Identity };
            let mut layout = ParamLayout::new();
            let conv = Conv1d::new(&mut layout, "conv", c_in, c_out, kernel, geometry, bias, act)
                .unwrap();
            prop_assume!(conv.out_len(t) > 0);
            let store = ParamStore::new(layout, seed);
            let dims = SeqDims { b, t };
            let mut rng = crate::rng::Rng::seed_from(seed ^ 1);
            let x: Vec<f32> = (0..dims.rows() * c_in).map(|_| rng.uniform(-1.0, 1.0)).collect();
            with_case(&conv, dims, store.values.to_vec(), x, |case| {
                check_gradients(case, Tolerance::default(), seed).unwrap();
                check_isa_agreement(case, 1e-4, seed).unwrap();
            });
        }
    }

    #[test]
    fn causal_output_sees_only_the_past() {
        let mut layout = ParamLayout::new();
        let g = Conv1dGeometry::causal(3, 2);
        let conv = Conv1d::new(&mut layout, "c", 1, 1, 3, g, false, Activation::Identity).unwrap();
        assert_eq!(conv.out_len(10), 10);
        let mut params = vec![0.0; layout.len()];
        conv.weight
            .of_mut(&mut params)
            .copy_from_slice(&[1.0, 10.0, 100.0]);
        let x: Vec<f32> = (1..=10).map(|v| v as f32).collect();
        let dims = SeqDims { b: 1, t: 10 };
        let mut y = vec![0.0; 10];
        let mut cache = vec![0.0; conv.cache_len(dims)];
        conv.forward(
            nd_kernels::table::active(),
            &params,
            dims,
            &x,
            &mut y,
            &mut cache,
        );
        // y_t = 1·x_{t−4} + 10·x_{t−2} + 100·x_t, zeros before the start
        let want: Vec<f32> = (0..10usize)
            .map(|t| {
                let at = |s: Option<usize>| s.map_or(0.0, |s| x[s]);
                at(t.checked_sub(4)) + 10.0 * at(t.checked_sub(2)) + 100.0 * x[t]
            })
            .collect();
        assert_eq!(y, want);
    }

    #[test]
    fn zero_sizes_are_config_errors() {
        let mut layout = ParamLayout::new();
        let g = Conv1dGeometry {
            stride: 0,
            ..Conv1dGeometry::default()
        };
        let err = Conv1d::new(&mut layout, "c", 1, 1, 2, g, true, Activation::Identity);
        assert!(err.unwrap_err().to_string().contains("stride"));
        let err = Conv1d::new(
            &mut layout,
            "c",
            1,
            1,
            0,
            Conv1dGeometry::default(),
            true,
            Activation::Identity,
        );
        assert!(err.unwrap_err().to_string().contains("kernel_size"));
    }

    // Produced with PyTorch 2.x in /work/pyenv, float64: nn.Conv1d(3, 2, K, stride, padding,
    // dilation) with parameter p (weight, then bias), element j set to
    // f32(0.5·sin(0.7·j + 1.3·p + 0.1)); x (2, 5, 3) channel-last = f32(cos(0.9·i + 0.2)),
    // permuted to (B, C, T) for PyTorch; `causal`: K = 2, dilation 2, padding 2 and the last 2
    // steps chomped (NeuralForecast's CausalConv1d); `strided`: K = 3, stride 2, padding 1.
    // The loss is Σ_i y[i]·sin(1.3·i + 0.4) over y permuted back to (B, T_out, C_out);
    // printed with `', '.join(f'{v:.8e}' ...)` for y, x.grad (channel-last) and the parameter
    // gradients.
    pub mod causal {
        pub const Y: [f64; 20] = [
            1.11969539e+00,
            -2.19637345e-01,
            -1.72542670e-01,
            8.44863738e-01,
            1.29402424e+00,
            -3.89910600e-01,
            -3.27812823e-01,
            8.49960520e-01,
            1.17507604e+00,
            4.96672237e-01,
            6.80582124e-01,
            -2.85920191e-01,
            4.89460759e-02,
            1.19959947e+00,
            7.88686771e-01,
            -6.67151265e-01,
            -1.07284440e-01,
            1.51420287e+00,
            1.28166637e+00,
            -4.27133090e-01,
        ];
        pub const DX: [f64; 30] = [
            -6.32274105e-01,
            -2.58901333e-01,
            5.44264638e-01,
            5.71267160e-01,
            4.93537640e-01,
            -4.03496777e-01,
            -3.46750725e-01,
            -5.86912384e-01,
            1.47239078e-01,
            3.73451519e-01,
            3.75909246e-01,
            -2.45667079e-01,
            -1.36251352e-01,
            -4.22744739e-01,
            -7.45406674e-03,
            -5.49728102e-01,
            -1.34958332e-02,
            5.45140378e-01,
            6.34754585e-01,
            3.14183989e-01,
            -5.27952650e-01,
            -5.38099977e-01,
            -5.24945630e-01,
            3.59652943e-01,
            4.88659643e-01,
            2.59095739e-01,
            -4.00584110e-01,
            -3.32867381e-01,
            -3.94755411e-01,
            1.98676486e-01,
        ];
        pub const DPARAMS: [f64; 14] = [
            -3.88647421e+00,
            -1.84112317e+00,
            -2.25959709e+00,
            -4.15423453e+00,
            1.07729809e+00,
            -3.32350397e+00,
            1.00187018e+00,
            4.76082396e+00,
            -5.28395707e-01,
            1.75264485e+00,
            -1.65878222e+00,
            -2.58190093e+00,
            -1.96072295e-01,
            3.22846614e-01,
        ];
    }
    pub mod strided {
        pub const Y: [f64; 12] = [
            7.92199036e-01,
            7.37380703e-01,
            5.30390964e-01,
            4.64330546e-01,
            6.38625708e-02,
            2.57707985e-03,
            4.52322006e-01,
            3.99968840e-01,
            3.83464058e-01,
            3.19779310e-01,
            3.35767015e-01,
            2.67870630e-01,
        ];
        pub const DX: [f64; 30] = [
            5.01122283e-01,
            1.57100083e-01,
            -6.59745017e-01,
            6.42986606e-01,
            -6.21749762e-01,
            -1.52107211e-02,
            -2.83311659e-01,
            -8.52206420e-02,
            3.69358276e-01,
            -3.84834853e-01,
            1.54115102e-01,
            2.29226050e-01,
            -1.55891459e-02,
            -1.10508673e-02,
            2.67471265e-02,
            3.10027979e-01,
            1.04159368e-01,
            -4.15196890e-01,
            3.56498060e-01,
            -7.67014650e-01,
            4.17950676e-01,
            -5.15729824e-01,
            -1.67455111e-01,
            6.84807955e-01,
            -6.27493039e-01,
            9.56861684e-01,
            -3.38642763e-01,
            5.73818191e-01,
            1.82821435e-01,
            -7.58411578e-01,
        ];
        pub const DPARAMS: [f64; 20] = [
            1.63670868e-01,
            5.33304029e-01,
            -2.00228274e-01,
            -7.90957652e-02,
            -2.87998346e-01,
            3.19031271e-01,
            -2.62004313e-01,
            -8.91349333e-01,
            5.96854322e-01,
            1.55895479e-01,
            4.78492157e-01,
            -6.83319620e-02,
            -4.90795516e-01,
            6.75575556e-01,
            4.48479456e-01,
            -7.66062252e-01,
            3.61396906e-01,
            6.25890558e-01,
            5.99441901e-01,
            9.74886887e-01,
        ];
    }

    #[test]
    fn matches_pytorch() {
        let cases = [
            (
                Conv1dGeometry::causal(2, 2),
                2,
                &causal::Y[..],
                &causal::DX[..],
                &causal::DPARAMS[..],
            ),
            (
                Conv1dGeometry::padded(1, 2, 1),
                3,
                &strided::Y,
                &strided::DX,
                &strided::DPARAMS,
            ),
        ];
        for (geometry, kernel, want_y, want_dx, want_dp) in cases {
            let mut layout = ParamLayout::new();
            let conv = Conv1d::new(
                &mut layout,
                "conv",
                3,
                2,
                kernel,
                geometry,
                true,
                Activation::Identity,
            )
            .unwrap();
            let params = pattern_params(&layout);
            let dims = SeqDims { b: 2, t: 5 };
            let x = pattern(30, |i| (0.9 * i + 0.2).cos());
            let n_out = want_y.len();
            assert_eq!(n_out, 2 * conv.out_len(5) * 2);
            let dy = pattern(n_out, |i| (1.3 * i + 0.4).sin());
            for k in nd_kernels::table::all_supported() {
                let mut y = vec![0.0; n_out];
                let mut cache = vec![0.0; conv.cache_len(dims)];
                conv.forward(k, &params, dims, &x, &mut y, &mut cache);
                assert_close("y", &y, want_y, 1e-5);
                let mut grads = vec![0.0; layout.len()];
                let mut dx = vec![0.0; 30];
                let mut scratch = vec![0.0; conv.scratch_len(dims)];
                conv.backward(
                    k,
                    &params,
                    &mut grads,
                    dims,
                    &y,
                    &cache,
                    &dy,
                    Some(&mut dx),
                    &mut scratch,
                );
                assert_close("dx", &dx, want_dx, 1e-5);
                assert_close("dparams", &packed(&layout, &grads), want_dp, 1e-5);
            }
        }
    }
}
