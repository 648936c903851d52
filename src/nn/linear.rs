//! `Linear`: y = act(x·Wᵀ + b), PyTorch's `nn.Linear` followed by an optional activation.
//!
//! W is stored (D_out, D_in) as in PyTorch, so weights can be copied across unchanged. The bias
//! and the activation are fused into the GEMM epilogue at inference; in training the
//! pre-activation z is kept in the cache because activation derivatives are computed from it,
//! except for ReLU, whose derivative (z > 0) is read from its output (y > 0 exactly when
//! z > 0, NaN included), so ReLU stays in the epilogue in training too: one pass over
//! (R, D_out) less each way and no cache.
//!
//! Backward, with dz = dy ⊙ act'(z):
//!   dW += dzᵀ·x      (D_out, R)·(R, D_in)
//!   db += Σ_rows dz
//!   dx += dz·W       (R, D_out)·(D_out, D_in)
//!
//! The three products go through [`super::gemm::sgemm`], which splits large ones over the
//! pool's threads (outside parallel regions only) with the same bits as one kernel call.

use super::gemm;
use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// A fully connected layer with an optional fused activation.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
    /// (D_out, D_in)
    pub weight: ParamRange,
    /// (D_out), if the layer has a bias.
    pub bias: Option<ParamRange>,
    /// Applied after the affine map.
    pub activation: Activation,
}

impl Linear {
    /// Registers `{name}.weight` and (with `bias`) `{name}.bias`, PyTorch-initialised
    /// (uniform ±1/√D_in).
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        d_in: usize,
        d_out: usize,
        bias: bool,
        activation: Activation,
    ) -> Linear {
        let init = Init::kaiming_uniform(d_in);
        let weight = layout.add(&format!("{name}.weight"), &[d_out, d_in], init);
        let bias = bias.then(|| layout.add(&format!("{name}.bias"), &[d_out], init));
        Linear {
            d_in,
            d_out,
            weight,
            bias,
            activation,
        }
    }

    fn needs_pre_activation(&self) -> bool {
        !matches!(self.activation, Activation::Identity | Activation::Relu)
    }

    /// Floats of cache `forward` fills for `rows` rows: the pre-activation (R, D_out), or nothing
    /// without an activation or with ReLU.
    pub fn cache_len(&self, rows: usize) -> usize {
        if self.needs_pre_activation() {
            rows * self.d_out
        } else {
            0
        }
    }

    /// Floats of scratch `backward` needs for `rows` rows: dz (R, D_out), or nothing without an
    /// activation.
    pub fn scratch_len(&self, rows: usize) -> usize {
        if self.activation == Activation::Identity {
            0
        } else {
            rows * self.d_out
        }
    }

    fn affine_spec(&self, rows: usize) -> GemmSpec {
        GemmSpec {
            trans_b: Transpose::Yes,
            ldb: self.d_in,
            ..GemmSpec::new(rows, self.d_out, self.d_in)
        }
    }

    /// Inference: y (R, D_out) = act(x (R, D_in)·Wᵀ + b) in one fused GEMM.
    pub fn forward_inference(&self, k: &Kernels, params: &[f32], x: &[f32], y: &mut [f32]) {
        let rows = x.len() / self.d_in.max(1);
        let epilogue = Epilogue {
            bias: self.bias.map(|b| b.of(params)),
            activation: self.activation,
        };
        gemm::sgemm(
            k,
            &self.affine_spec(rows),
            x,
            self.weight.of(params),
            y,
            epilogue,
        );
    }

    /// Training forward: y (R, D_out), and `cache` (`cache_len(R)` floats) for backward.
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        if !self.needs_pre_activation() {
            return self.forward_inference(k, params, x, y);
        }
        let rows = x.len() / self.d_in.max(1);
        let epilogue = Epilogue {
            bias: self.bias.map(|b| b.of(params)),
            activation: Activation::Identity,
        };
        let z = &mut cache[..rows * self.d_out];
        gemm::sgemm(
            k,
            &self.affine_spec(rows),
            x,
            self.weight.of(params),
            z,
            epilogue,
        );
        (k.act_forward)(self.activation, z, y);
    }

    /// Accumulates dW, db into `grads` and, when given, dx (R, D_in) from dy (R, D_out).
    /// `y` is the forward output, `cache` what `forward` stored, `scratch` `scratch_len(R)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &[f32],
        y: &[f32],
        cache: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let rows = x.len() / self.d_in.max(1);
        let dz: &[f32] = if self.activation == Activation::Identity {
            dy
        } else {
            // ReLU's derivative from its output: y > 0 exactly where z > 0.
            let z = if self.needs_pre_activation() {
                &cache[..rows * self.d_out]
            } else {
                &y[..rows * self.d_out]
            };
            let dz = &mut scratch[..rows * self.d_out];
            dz.fill(0.0);
            (k.act_backward)(self.activation, z, y, dy, dz);
            dz
        };
        // dW (D_out, D_in) += dzᵀ (D_out, R) · x (R, D_in)
        let dw_spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: self.d_out,
            beta: 1.0,
            ..GemmSpec::new(self.d_out, self.d_in, rows)
        };
        gemm::sgemm(
            k,
            &dw_spec,
            dz,
            x,
            self.weight.of_mut(grads),
            Epilogue::NONE,
        );
        if let Some(b) = self.bias {
            (k.col_sum_acc)(dz, self.d_out, b.of_mut(grads));
        }
        if let Some(dx) = dx {
            // dx (R, D_in) += dz (R, D_out) · W (D_out, D_in)
            let dx_spec = GemmSpec {
                beta: 1.0,
                ..GemmSpec::new(rows, self.d_in, self.d_out)
            };
            gemm::sgemm(k, &dx_spec, dz, self.weight.of(params), dx, Epilogue::NONE);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use proptest::prelude::*;

    fn case_for(
        lin: &Linear,
        params: Vec<f32>,
        x: Vec<f32>,
        rows: usize,
        run: impl FnOnce(&GradCase<'_>),
    ) {
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; lin.cache_len(rows)];
            lin.forward(k, p, x, y, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; lin.cache_len(rows)];
            let mut y = vec![0.0; rows * lin.d_out];
            lin.forward(k, p, x, &mut y, &mut cache);
            let mut scratch = vec![0.0; lin.scratch_len(rows)];
            lin.backward(k, p, g, x, &y, &cache, dy, Some(dx), &mut scratch);
        };
        run(&GradCase {
            name: "Linear",
            params,
            input: x,
            out_len: rows * lin.d_out,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            rows in 1usize..5, d_in in 1usize..6, d_out in 1usize..6, bias: bool,
            act in 0usize..Activation::ALL_DEFAULT.len(), seed: u64,
        ) {
            let mut layout = ParamLayout::new();
            let activation = Activation::ALL_DEFAULT[act];
            let lin = Linear::new(&mut layout, "fc", d_in, d_out, bias, activation);
            let store = ParamStore::new(layout, seed);
            let mut rng = crate::rng::Rng::seed_from(seed ^ 1);
            let x: Vec<f32> = (0..rows * d_in).map(|_| rng.uniform(-2.0, 2.0)).collect();
            // ReLU-like kinks: skip draws that put a pre-activation within h of 0.
            let mut z = vec![0.0; rows * d_out];
            let plain = Linear { activation: Activation::Identity, ..lin.clone() };
            plain.forward_inference(nd_kernels::table::active(), &store.values, &x, &mut z);
            prop_assume!(z.iter().all(|v| v.abs() > 0.05));
            case_for(&lin, store.values.to_vec(), x, rows, |c| {
                check_gradients(c, Tolerance::default(), seed).unwrap();
                check_isa_agreement(c, 1e-4, seed).unwrap();
            });
        }
    }

    #[test]
    fn inference_and_training_forward_agree_and_match_the_definition() {
        let mut layout = ParamLayout::new();
        let lin = Linear::new(&mut layout, "fc", 3, 2, true, Activation::Tanh);
        let store = ParamStore::new(layout, 3);
        let x = [0.5, -1.0, 2.0, 1.5, 0.25, -0.75];
        let k = nd_kernels::table::active();
        let (mut y1, mut y2, mut cache) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; lin.cache_len(2)]);
        lin.forward_inference(k, &store.values, &x, &mut y1);
        lin.forward(k, &store.values, &x, &mut y2, &mut cache);
        let w = store.value("fc.weight").unwrap();
        let b = store.value("fc.bias").unwrap();
        for r in 0..2 {
            for o in 0..2 {
                let z: f32 = (0..3).map(|i| x[r * 3 + i] * w[o * 3 + i]).sum::<f32>() + b[o];
                assert!((y2[r * 2 + o] - z.tanh()).abs() < 1e-5);
                assert!((y1[r * 2 + o] - y2[r * 2 + o]).abs() < 1e-6);
            }
        }
    }
}
