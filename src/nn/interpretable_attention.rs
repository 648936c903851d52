//! `InterpretableAttention`: TFT's `InterpretableMultiHeadAttention` (NeuralForecast `tft.py`),
//! without its two dropouts (TFT's `attn_dropout` defaults to 0; the output dropout is a
//! separate layer after this one).
//!
//! Parameters, PyTorch's names and shapes: `{name}.qkv_linears.weight` ((2·NH + 1)·d, E), no
//! bias, rows = NH query heads, NH key heads, then ONE value head shared by all heads; and
//! `{name}.out_proj.weight` (E, d), no bias; d = E/NH. Both initialised as `nn.Linear`.
//!
//! Forward over x (B, T, E), per batch item b (W = (2·NH + 1)·d):
//!   [Q₁..Q_NH | K₁..K_NH | V] = x·W_qkvᵀ                        (B, T, W)
//!   S_h = Q_h·K_hᵀ · d^(−1/2);  S_h[i, j] = −∞ for j > i (causal)  (T, T)
//!   P_h = softmax_rows(S_h)                                      (B, NH, T, T) in the cache
//!   P̄ = mean_h P_h                                               (B, T, T) the returned weights
//!   m = mean_h (P_h·V) = P̄·V                                     (B, T, d)
//!   y = m·W_oᵀ                                                   (B, T, E)
//! NeuralForecast averages the heads' outputs P_h·V; averaging P first gives the same m with
//! one GEMM instead of NH (the difference is rounding only).
//!
//! Backward, with dm = dy·W_o:
//!   dV = P̄ᵀ·dm,  dP_h = dm·Vᵀ/NH (the same for every head),
//!   dS_h = P_h ⊙ (dP_h − rowsum(dP_h ⊙ P_h)),  dQ_h = dS_h·K_h·s,  dK_h = dS_hᵀ·Q_h·s.

use super::params::{Init, ParamLayout, ParamRange};
use crate::error::{Error, Result};
use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;

/// TFT's interpretable multi-head attention: per-head queries and keys, one shared value.
#[derive(Clone, Debug, PartialEq)]
pub struct InterpretableAttention {
    /// Hidden width E.
    pub e: usize,
    /// Number of heads NH.
    pub nh: usize,
    /// Head width d = E / NH.
    pub dh: usize,
    /// Whether step i may only attend to steps j ≤ i (TFT's `mask_future_timesteps`, always
    /// true in the model).
    pub causal: bool,
    /// ((2·NH + 1)·d, E)
    pub qkv: ParamRange,
    /// (E, d)
    pub out_proj: ParamRange,
}

impl InterpretableAttention {
    /// Registers `{name}.qkv_linears.weight` and `{name}.out_proj.weight`, initialised as
    /// PyTorch's `nn.Linear` (uniform ±1/√fan_in).
    ///
    /// Errors when `e` or `nh` is 0 or `nh` does not divide `e` (NeuralForecast asserts).
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        e: usize,
        nh: usize,
        causal: bool,
    ) -> Result<InterpretableAttention> {
        if e == 0 {
            return Err(Error::config("hidden_size", "must be at least 1"));
        }
        if nh == 0 || !e.is_multiple_of(nh) {
            return Err(Error::config(
                "n_head",
                format!("must be at least 1 and divide hidden_size = {e}, got {nh}"),
            ));
        }
        let dh = e / nh;
        let qkv = layout.add(
            &format!("{name}.qkv_linears.weight"),
            &[(2 * nh + 1) * dh, e],
            Init::kaiming_uniform(e),
        );
        let out_proj = layout.add(
            &format!("{name}.out_proj.weight"),
            &[e, dh],
            Init::kaiming_uniform(dh),
        );
        Ok(InterpretableAttention {
            e,
            nh,
            dh,
            causal,
            qkv,
            out_proj,
        })
    }

    /// Width of one row of the projection, W = (2·NH + 1)·d.
    fn w(&self) -> usize {
        (2 * self.nh + 1) * self.dh
    }

    /// Floats of cache `forward` fills for B items of T steps: the projection (B, T, W),
    /// the per-head probabilities P (B, NH, T, T), m (B, T, d), and one (T, T) block of scores.
    pub fn cache_len(&self, b: usize, t: usize) -> usize {
        b * t * self.w() + b * self.nh * t * t + b * t * self.dh + t * t
    }

    /// Floats of scratch `backward` needs: dm (B, T, d), the projection's gradient (B, T, W),
    /// and two (T, T) blocks.
    pub fn scratch_len(&self, b: usize, t: usize) -> usize {
        b * t * self.dh + b * t * self.w() + 2 * t * t
    }

    /// The per-head probabilities P (B, NH, T, T) of the last forward: what NeuralForecast's
    /// module returns as `attn_prob` (TFT's `attn_wts`).
    pub fn probs<'a>(&self, b: usize, t: usize, cache: &'a [f32]) -> &'a [f32] {
        let start = b * t * self.w();
        &cache[start..start + b * self.nh * t * t]
    }

    /// y (B, T, E) and the head-averaged attention weights P̄ (B, T, T) from x (B, T, E) with B
    /// batch items; `cache` holds `cache_len(B, T)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        b: usize,
        x: &[f32],
        y: &mut [f32],
        weights: &mut [f32],
        cache: &mut [f32],
    ) {
        let (e, dh, nh, w) = (self.e, self.dh, self.nh, self.w());
        let t = x.len() / (b * e).max(1);
        assert_eq!(x.len(), b * t * e, "x must be (B, T, E)");
        let block = t * t;
        let (qkv, rest) = cache.split_at_mut(b * t * w); // (B, T, W)
        let (probs, rest) = rest.split_at_mut(b * nh * block); // (B, NH, T, T)
        let (m, rest) = rest.split_at_mut(b * t * dh); // (B, T, d)
        let scores = &mut rest[..block]; // (T, T)

        // qkv (B·T, W) = x (B·T, E) · W_qkvᵀ (E, W)
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: e,
            ..GemmSpec::new(b * t, w, e)
        };
        (k.sgemm)(&spec, x, self.qkv.of(params), qkv, Epilogue::NONE);

        let scale = 1.0 / (dh as f32).sqrt();
        let inv_nh = 1.0 / nh as f32;
        for bi in 0..b {
            let base = bi * t * w;
            let pbar = &mut weights[bi * block..][..block]; // (T, T)
            pbar.fill(0.0);
            for h in 0..nh {
                // S (T, T) = Q_h (T, d) · K_hᵀ (d, T) · s
                let spec = GemmSpec {
                    trans_b: Transpose::Yes,
                    alpha: scale,
                    lda: w,
                    ldb: w,
                    ..GemmSpec::new(t, t, dh)
                };
                let q = &qkv[base + h * dh..];
                let kh = &qkv[base + (nh + h) * dh..];
                (k.sgemm)(&spec, q, kh, scores, Epilogue::NONE);
                if self.causal {
                    for (i, row) in scores.chunks_exact_mut(t).enumerate() {
                        row.iter_mut()
                            .skip(i + 1)
                            .for_each(|v| *v = f32::NEG_INFINITY);
                    }
                }
                let p = &mut probs[(bi * nh + h) * block..][..block];
                (k.softmax_rows)(scores, p, t);
                (k.axpy)(inv_nh, p, pbar);
            }
            // m_b (T, d) = P̄ (T, T) · V (T, d)
            let spec = GemmSpec {
                ldb: w,
                ..GemmSpec::new(t, dh, t)
            };
            let v = &qkv[base + 2 * nh * dh..];
            (k.sgemm)(&spec, pbar, v, &mut m[bi * t * dh..], Epilogue::NONE);
        }
        // y (B·T, E) = m (B·T, d) · W_oᵀ (d, E)
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: dh,
            ..GemmSpec::new(b * t, e, dh)
        };
        (k.sgemm)(&spec, m, self.out_proj.of(params), y, Epilogue::NONE);
    }

    /// Accumulates the parameter gradients and, when given, dx (B, T, E) from dy (B, T, E).
    /// `weights` is forward's P̄ output, `cache` its cache; `scratch` holds
    /// `scratch_len(B, T)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        b: usize,
        x: &[f32],
        weights: &[f32],
        cache: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let (e, dh, nh, w) = (self.e, self.dh, self.nh, self.w());
        let t = x.len() / (b * e).max(1);
        let block = t * t;
        let (qkv, rest) = cache.split_at(b * t * w);
        let (probs, rest) = rest.split_at(b * nh * block);
        let m = &rest[..b * t * dh];
        let (dm, s) = scratch.split_at_mut(b * t * dh); // (B, T, d)
        let (dqkv, s) = s.split_at_mut(b * t * w); // (B, T, W)
        let (dp, s) = s.split_at_mut(block); // (T, T)
        let ds = &mut s[..block]; // (T, T)

        // dW_o (E, d) += dyᵀ (E, B·T) · m (B·T, d)
        let spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: e,
            beta: 1.0,
            ..GemmSpec::new(e, dh, b * t)
        };
        (k.sgemm)(&spec, dy, m, self.out_proj.of_mut(grads), Epilogue::NONE);
        // dm (B·T, d) = dy (B·T, E) · W_o (E, d)
        (k.sgemm)(
            &GemmSpec::new(b * t, dh, e),
            dy,
            self.out_proj.of(params),
            dm,
            Epilogue::NONE,
        );

        let scale = 1.0 / (dh as f32).sqrt();
        for bi in 0..b {
            let base = bi * t * w;
            let pbar = &weights[bi * block..][..block];
            let dm_b = &dm[bi * t * dh..];
            let v = &qkv[base + 2 * nh * dh..];
            // dV (T, d) = P̄ᵀ (T, T) · dm_b (T, d)
            let spec = GemmSpec {
                trans_a: Transpose::Yes,
                lda: t,
                ldc: w,
                ..GemmSpec::new(t, dh, t)
            };
            (k.sgemm)(
                &spec,
                pbar,
                dm_b,
                &mut dqkv[base + 2 * nh * dh..],
                Epilogue::NONE,
            );
            // dP (T, T) = dm_b (T, d) · Vᵀ (d, T) / NH, shared by every head
            let spec = GemmSpec {
                trans_b: Transpose::Yes,
                alpha: 1.0 / nh as f32,
                ldb: w,
                ..GemmSpec::new(t, t, dh)
            };
            (k.sgemm)(&spec, dm_b, v, dp, Epilogue::NONE);
            for h in 0..nh {
                let p = &probs[(bi * nh + h) * block..][..block];
                ds.fill(0.0);
                (k.softmax_rows_backward)(p, dp, ds, t);
                // dQ_h (T, d) = dS (T, T) · K_h (T, d) · s
                let spec = GemmSpec {
                    alpha: scale,
                    ldb: w,
                    ldc: w,
                    ..GemmSpec::new(t, dh, t)
                };
                let kh = &qkv[base + (nh + h) * dh..];
                (k.sgemm)(&spec, ds, kh, &mut dqkv[base + h * dh..], Epilogue::NONE);
                // dK_h (T, d) = dSᵀ (T, T) · Q_h (T, d) · s
                let spec = GemmSpec {
                    trans_a: Transpose::Yes,
                    alpha: scale,
                    lda: t,
                    ldb: w,
                    ldc: w,
                    ..GemmSpec::new(t, dh, t)
                };
                let q = &qkv[base + h * dh..];
                (k.sgemm)(
                    &spec,
                    ds,
                    q,
                    &mut dqkv[base + (nh + h) * dh..],
                    Epilogue::NONE,
                );
            }
        }
        // dW_qkv (W, E) += dqkvᵀ (W, B·T) · x (B·T, E)
        let spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: w,
            beta: 1.0,
            ..GemmSpec::new(w, e, b * t)
        };
        (k.sgemm)(&spec, dqkv, x, self.qkv.of_mut(grads), Epilogue::NONE);
        if let Some(dx) = dx {
            // dx (B·T, E) += dqkv (B·T, W) · W_qkv (W, E)
            let spec = GemmSpec {
                beta: 1.0,
                ..GemmSpec::new(b * t, e, w)
            };
            (k.sgemm)(&spec, dqkv, self.qkv.of(params), dx, Epilogue::NONE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// The case's output is y (B, T, E); P̄ is an output for reading (interpretability), not
    /// differentiated, as in TFT where `attn_wts` feeds no loss.
    fn case_for(att: &InterpretableAttention, params: Vec<f32>, b: usize, t: usize, x: Vec<f32>) {
        let ny = b * t * att.e;
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; att.cache_len(b, t)];
            let mut weights = vec![0.0; b * t * t];
            att.forward(k, p, b, x, y, &mut weights, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; att.cache_len(b, t)];
            let mut weights = vec![0.0; b * t * t];
            let mut y = vec![0.0; ny];
            att.forward(k, p, b, x, &mut y, &mut weights, &mut cache);
            let mut scratch = vec![f32::NAN; att.scratch_len(b, t)];
            att.backward(k, p, g, b, x, &weights, &cache, dy, Some(dx), &mut scratch);
        };
        let case = GradCase {
            name: "InterpretableAttention",
            params,
            input: x,
            out_len: ny,
            forward: &fwd,
            backward: &bwd,
        };
        check_gradients(&case, Tolerance::default(), 3).unwrap();
        check_isa_agreement(&case, 1e-4, 3).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            b in 1usize..3, t in 1usize..5, nh in 1usize..4, dh in 1usize..4, causal: bool,
            seed: u64,
        ) {
            let e = nh * dh;
            let mut layout = ParamLayout::new();
            let att = InterpretableAttention::new(&mut layout, "attn", e, nh, causal).unwrap();
            let store = ParamStore::new(layout, seed);
            let mut rng = Rng::seed_from(seed ^ 6);
            let x: Vec<f32> = (0..b * t * e).map(|_| rng.uniform(-1.5, 1.5)).collect();
            case_for(&att, store.values.to_vec(), b, t, x);
        }
    }

    #[test]
    fn weights_average_the_heads_and_are_causal() {
        let (b, t, e, nh) = (2, 4, 6, 3);
        let mut layout = ParamLayout::new();
        let att = InterpretableAttention::new(&mut layout, "a", e, nh, true).unwrap();
        let store = ParamStore::new(layout, 8);
        let mut rng = Rng::seed_from(2);
        let x: Vec<f32> = (0..b * t * e).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let (mut y, mut wts) = (vec![0.0; b * t * e], vec![0.0; b * t * t]);
        let mut cache = vec![0.0; att.cache_len(b, t)];
        let k = nd_kernels::table::active();
        att.forward(k, &store.values, b, &x, &mut y, &mut wts, &mut cache);
        let probs = att.probs(b, t, &cache);
        for bi in 0..b {
            for i in 0..t {
                for j in 0..t {
                    let mean: f32 = (0..nh)
                        .map(|h| probs[((bi * nh + h) * t + i) * t + j])
                        .sum::<f32>()
                        / nh as f32;
                    let got = wts[(bi * t + i) * t + j];
                    assert!((got - mean).abs() < 1e-6);
                    assert_eq!(got == 0.0, j > i, "({i}, {j})");
                }
                let row: f32 = wts[(bi * t + i) * t..][..t].iter().sum();
                assert!((row - 1.0).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn bad_head_counts_are_config_errors() {
        let mut layout = ParamLayout::new();
        let err = InterpretableAttention::new(&mut layout, "a", 6, 4, true).unwrap_err();
        assert!(err.to_string().contains("n_head"), "{err}");
    }
}

/// Against NeuralForecast's `InterpretableMultiHeadAttention(n_head=3, hidden_size=6,
/// example_length=4, attn_dropout=0, dropout=0)` with `mask_future_timesteps=True`, B = 2,
/// T = 4; numbers from `/tmp/n3/ref.py interp` as described in
/// [`crate::nn::attention::torch_formula`]. `W` is the module's `attn_prob` averaged over heads.
#[cfg(test)]
// The references are printed from f64 with 10 digits and rounded to f32 here on purpose.
#[allow(clippy::excessive_precision)]
mod torch_reference_tests {
    use super::*;
    use crate::nn::attention::torch_formula::{assert_close, assert_grad_sums, cot, inp, params};

    const Y: [f32; 48] = [
        -1.477059936e-01,
        9.888580007e-02,
        6.557989547e-02,
        -3.810964083e-02,
        2.084821528e-01,
        -1.751050817e-01,
        1.218208307e-03,
        -9.192333356e-02,
        9.996690736e-02,
        -4.017803252e-02,
        -1.333195744e-01,
        1.156726851e-02,
        9.306567845e-02,
        -7.222247199e-02,
        -3.037986098e-02,
        1.960427826e-02,
        -1.456838722e-01,
        1.114310285e-01,
        2.934223646e-02,
        -1.055053112e-02,
        -2.305928101e-02,
        1.161211754e-02,
        -2.828065004e-02,
        3.377476620e-02,
        -1.474924942e-01,
        9.781830312e-02,
        6.650505949e-02,
        -3.846547315e-02,
        2.068453241e-01,
        -1.747492494e-01,
        -9.479857259e-02,
        2.491614824e-02,
        8.461621198e-02,
        -4.159203000e-02,
        7.812269084e-02,
        -1.081002082e-01,
        4.658393630e-02,
        -1.013662935e-02,
        -4.390488118e-02,
        2.137479601e-02,
        -3.534576963e-02,
        5.288622137e-02,
        4.307535229e-02,
        1.544639741e-02,
        -6.797838676e-02,
        3.079581679e-02,
        3.166861908e-03,
        4.614523617e-02,
    ];
    const W: [f32; 32] = [
        1.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        3.944971846e-01,
        6.055028154e-01,
        0.000000000e+00,
        0.000000000e+00,
        2.905506957e-01,
        3.497114125e-01,
        3.597378918e-01,
        0.000000000e+00,
        2.632202477e-01,
        2.172046750e-01,
        2.412867289e-01,
        2.782883484e-01,
        1.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        4.642315974e-01,
        5.357684026e-01,
        0.000000000e+00,
        0.000000000e+00,
        2.987011603e-01,
        3.243136165e-01,
        3.769852232e-01,
        0.000000000e+00,
        2.196104029e-01,
        2.072955622e-01,
        2.554327256e-01,
        3.176613093e-01,
    ];
    const DX: [f32; 48] = [
        3.545922896e-02,
        8.451793351e-03,
        1.923473060e-02,
        3.291627543e-02,
        -1.072176996e-01,
        1.583723936e-02,
        -9.924534937e-03,
        3.214334664e-02,
        1.074710439e-02,
        -1.130699994e-02,
        -3.329153686e-02,
        1.787043930e-02,
        9.497026812e-03,
        5.019513308e-03,
        1.595440336e-02,
        1.033733812e-02,
        -5.534672754e-02,
        1.280570107e-02,
        1.121099124e-02,
        -6.195860095e-03,
        4.901842779e-03,
        1.380812506e-02,
        -2.770219026e-02,
        3.165935704e-03,
        -7.609336373e-02,
        5.688714245e-02,
        9.216541203e-03,
        -5.958556060e-02,
        3.878545282e-02,
        2.032278896e-02,
        4.420750465e-02,
        -3.895416071e-02,
        5.229578312e-03,
        3.485844600e-02,
        -3.640224274e-02,
        -9.107371659e-03,
        5.188143592e-02,
        -5.397331667e-02,
        -3.378545306e-02,
        4.738921053e-02,
        3.730636046e-02,
        -3.749753832e-02,
        -6.134234072e-04,
        -1.054786294e-02,
        -1.748745991e-02,
        -1.797442477e-04,
        4.837402110e-02,
        -1.628813985e-02,
    ];
    const GRADS: [(&str, f32); 2] = [
        ("qkv_linears.weight", 2.267494183e-01),
        ("out_proj.weight", -1.292395075e-01),
    ];

    #[test]
    fn matches_neuralforecast() {
        let (b, t, e) = (2, 4, 6);
        let mut layout = ParamLayout::new();
        let att = InterpretableAttention::new(&mut layout, "attn", e, 3, true).unwrap();
        let p = params(&layout);
        for k in nd_kernels::table::all_supported() {
            let x = inp(b * t * e, 0);
            let (mut y, mut w) = (vec![0.0; b * t * e], vec![0.0; b * t * t]);
            let mut cache = vec![0.0; att.cache_len(b, t)];
            att.forward(k, &p, b, &x, &mut y, &mut w, &mut cache);
            assert_close("y", &y, &Y, 1e-6);
            assert_close("weights", &w, &W, 1e-6);
            let (mut g, mut dx) = (vec![0.0; p.len()], vec![0.0; x.len()]);
            let mut scratch = vec![0.0; att.scratch_len(b, t)];
            let dy = cot(y.len());
            att.backward(
                k,
                &p,
                &mut g,
                b,
                &x,
                &w,
                &cache,
                &dy,
                Some(&mut dx),
                &mut scratch,
            );
            assert_close("dx", &dx, &DX, 1e-6);
            assert_grad_sums(&layout, "attn", &g, &GRADS);
        }
    }
}
