//! `Gru`: PyTorch's `nn.GRU(c_in, d, num_layers, bias, batch_first=True)`.
//!
//! Per layer and step, with gate order (r, z, n) as PyTorch stores them in `weight_ih_l{k}`:
//!   p_t = x_t·W_ihᵀ + b_ih          q_t = h_{t-1}·W_hhᵀ + b_hh       (B, 3D) each
//!   r = σ(p_r + q_r)   z = σ(p_z + q_z)   n = tanh(p_n + r ⊙ q_n)
//!   h_t = (1 − z) ⊙ n + z ⊙ h_{t-1}
//! Unlike the LSTM, the recurrent term of n sits inside the reset gate, so q_n is kept
//! (cache) and the input and recurrent pre-activation gradients differ in their n part.
//! Layer k > 0 takes layer k−1's h as its x. Outputs: every h of the last layer (B, T, D) and
//! h_n (L, B, D); h0 (L, B, D) is optional (zeros). Dropout between layers is not implemented
//! (NeuralForecast passes `dropout=0` by default).
//!
//! Backward through time, with dh = dy_t + dh_rec:
//!   dn = dh ⊙ (1 − z)          dz = dh ⊙ (h_{t-1} − n)
//!   dp_n = dn ⊙ (1 − n²)       dq_n = dp_n ⊙ r
//!   dp_r = dq_r = dp_n ⊙ q_n ⊙ r(1 − r)     dp_z = dq_z = dz ⊙ z(1 − z)
//!   dh_rec = dh ⊙ z + dq_t·W_hh   (one GEMM per step)
//! and after the loop dW_ih += dpᵀ·x, db_ih += Σ dp, dW_hh += dqᵀ·h_prev, db_hh += Σ dq,
//! dx += dp·W_ih (see [`super::recurrent`]).
//! The GEMMs are the layer's; the elementwise cell of each (b, t) row, forward and backward,
//! is one fused SIMD kernel (`gru_cell_forward`, `gru_cell_backward`, `nd_kernels::ops::gru_cell`).

use super::params::ParamLayout;
use super::recurrent::{carve, carve_ref, register_stack, shift_states, RecurrentLayer, SeqDims};
use nd_kernels::table::Kernels;
use nd_kernels::GruCellSaved;

const GATES: usize = 3;

/// A multi-layer GRU over batch-first (B, T, C) sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct Gru {
    /// C: input width.
    pub c_in: usize,
    /// D: hidden width.
    pub d: usize,
    /// The layers' tensors, bottom first.
    pub layers: Vec<RecurrentLayer>,
}

impl Gru {
    /// Registers `{name}.weight_ih_l{k}` (3D, C_k), `{name}.weight_hh_l{k}` (3D, D) and, with
    /// `bias`, `{name}.bias_ih_l{k}`, `{name}.bias_hh_l{k}` (3D), uniform(±1/√D) as PyTorch.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        c_in: usize,
        d: usize,
        num_layers: usize,
        bias: bool,
    ) -> Gru {
        let layers = register_stack(layout, name, c_in, d, num_layers, GATES, bias);
        Gru { c_in, d, layers }
    }

    fn top(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    /// Per layer: activated gates r, z, n (B, T, 3D), q_n (B, T, D), one step's q (B, 3D)
    /// (a work area) and, for every layer but the last, its output h (B, T, D).
    fn layer_cache_lens(&self, dims: SeqDims, l: usize) -> [usize; 4] {
        let (rows, d) = (dims.rows(), self.d);
        let h = if l < self.top() { rows * d } else { 0 };
        [rows * GATES * d, rows * d, dims.b * GATES * d, h]
    }

    fn layer_offset(&self, dims: SeqDims, l: usize) -> usize {
        (0..l)
            .map(|m| self.layer_cache_lens(dims, m).iter().sum::<usize>())
            .sum()
    }

    /// Floats of cache `forward` fills for `dims`.
    pub fn cache_len(&self, dims: SeqDims) -> usize {
        self.layer_offset(dims, self.layers.len())
    }

    /// dp and dq (B, T, 3D), h_prev (B, T, D), dy of the layer below (B, T, D), dh (B, D), and
    /// a (3D) column sum.
    fn scratch_lens(&self, dims: SeqDims) -> [usize; 6] {
        let (rows, d) = (dims.rows(), self.d);
        [
            rows * GATES * d,
            rows * GATES * d,
            rows * d,
            rows * d,
            dims.b * d,
            GATES * d,
        ]
    }

    /// Floats of scratch `backward` needs for `dims`.
    pub fn scratch_len(&self, dims: SeqDims) -> usize {
        self.scratch_lens(dims).iter().sum()
    }

    /// Training forward: x (B, T, C) → y (B, T, D) and, when given, the final states h_n
    /// (L, B, D); `h0` (L, B, D) defaults to zeros. Fills `cache` (`cache_len(dims)` floats).
    ///
    /// # Panics
    /// If a buffer's length does not match `dims` (a bug in the calling model).
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        dims: SeqDims,
        x: &[f32],
        h0: Option<&[f32]>,
        y: &mut [f32],
        mut h_n: Option<&mut [f32]>,
        cache: &mut [f32],
    ) {
        let (d, rows, bd, t_len) = (self.d, dims.rows(), dims.b * self.d, dims.t);
        let gd = GATES * d;
        assert_eq!(x.len(), rows * self.c_in, "Gru: x must be (B, T, C)");
        assert_eq!(y.len(), rows * d, "Gru: y must be (B, T, D)");
        for (l, layer) in self.layers.iter().enumerate() {
            let offset = self.layer_offset(dims, l);
            let lens = self.layer_cache_lens(dims, l);
            let (done, mine) = cache.split_at_mut(offset);
            // This layer's input: x, or the layer below's output, the last piece of its cache.
            let below: &[f32] = if l == 0 {
                x
            } else {
                &done[offset - self.layer_cache_lens(dims, l - 1)[3]..]
            };
            let [gates, qn, q, h_mid] = carve(mine, lens);
            let h: &mut [f32] = if l == self.top() { &mut *y } else { h_mid };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            layer.project_inputs(k, params, (rows, gd), below, gates);
            for t in 0..t_len {
                let h_prev = if t > 0 {
                    Some((&h[(t - 1) * d..], t_len * d))
                } else {
                    h0_l.map(|h0| (h0, d))
                };
                // q (B, 3D) = h_{t-1}·W_hhᵀ + b_hh
                layer.recurrent_term(k, params, (dims.b, d, gd), h_prev, q, gd, 0.0);
                for b in 0..dims.b {
                    let r = b * t_len + t;
                    let (done, now) = h.split_at_mut(r * d);
                    let h_prev = if t > 0 {
                        Some(&done[(r - 1) * d..])
                    } else {
                        h0_l.map(|h0| &h0[b * d..(b + 1) * d])
                    };
                    (k.gru_cell_forward)(
                        &mut gates[r * gd..(r + 1) * gd],
                        &q[b * gd..(b + 1) * gd],
                        h_prev,
                        &mut qn[r * d..(r + 1) * d],
                        &mut now[..d],
                    );
                }
            }
            if let (Some(h_n), true) = (h_n.as_deref_mut(), t_len > 0) {
                for b in 0..dims.b {
                    let r = (b * t_len + t_len - 1) * d;
                    h_n[l * bd + b * d..l * bd + (b + 1) * d].copy_from_slice(&h[r..r + d]);
                }
            }
        }
    }

    /// Accumulates every parameter's gradient into `grads` and, when given, dx (B, T, C) and
    /// dh0 (L, B, D), from dy (B, T, D) and the optional gradient of the final states dh_n
    /// (L, B, D). `x`, `h0`, `y` and `cache` are those of `forward`; `scratch` is
    /// `scratch_len(dims)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        dims: SeqDims,
        (x, h0): (&[f32], Option<&[f32]>),
        y: &[f32],
        cache: &[f32],
        (dy, dh_n): (&[f32], Option<&[f32]>),
        (mut dx, mut dh0): (Option<&mut [f32]>, Option<&mut [f32]>),
        scratch: &mut [f32],
    ) {
        let (d, rows, bd, t_len) = (self.d, dims.rows(), dims.b * self.d, dims.t);
        let gd = GATES * d;
        let [dp, dq, h_prev, dbuf, dh, colsum] = carve(scratch, self.scratch_lens(dims));
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let offset = self.layer_offset(dims, l);
            let lens = self.layer_cache_lens(dims, l);
            let [gates, qn, _, h_mid] = carve_ref(&cache[offset..], lens);
            let input: &[f32] = if l == 0 {
                x
            } else {
                let start = offset - self.layer_cache_lens(dims, l - 1)[3];
                &cache[start..offset]
            };
            let h_out: &[f32] = if l == self.top() { y } else { h_mid };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            match dh_n {
                Some(g) => dh.copy_from_slice(&g[l * bd..(l + 1) * bd]),
                None => dh.fill(0.0),
            }
            for t in (0..t_len).rev() {
                let dy_l: &[f32] = if l == self.top() { dy } else { dbuf };
                for b in 0..dims.b {
                    let r = b * t_len + t;
                    let prev = if t > 0 {
                        Some(&h_out[(r - 1) * d..r * d])
                    } else {
                        h0_l.map(|h0| &h0[b * d..(b + 1) * d])
                    };
                    let saved = GruCellSaved {
                        gates: &gates[r * gd..(r + 1) * gd],
                        qn: &qn[r * d..(r + 1) * d],
                        h_prev: prev,
                    };
                    (k.gru_cell_backward)(
                        &saved,
                        &dy_l[r * d..(r + 1) * d],
                        &mut dh[b * d..(b + 1) * d],
                        &mut dp[r * gd..(r + 1) * gd],
                        &mut dq[r * gd..(r + 1) * gd],
                    );
                }
                let dq_t = &dq[t * gd..];
                if t > 0 {
                    layer.recurrent_grad(k, params, (dims.b, d, gd), dq_t, t_len * gd, dh, 1.0);
                } else if let Some(dh0) = dh0.as_deref_mut() {
                    let dh0 = &mut dh0[l * bd..(l + 1) * bd];
                    (k.add_assign)(dh0, dh);
                    layer.recurrent_grad(k, params, (dims.b, d, gd), dq_t, t_len * gd, dh0, 1.0);
                }
            }
            shift_states(dims, d, h0_l, h_out, h_prev);
            let dx_l = if l > 0 {
                Some((&mut *dbuf, 0.0))
            } else {
                dx.take().map(|dx| (dx, 1.0))
            };
            layer.weight_grads(
                k,
                params,
                grads,
                (rows, d, gd),
                input,
                h_prev,
                dp,
                dq,
                colsum,
                dx_l,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::recurrent::test_support::{
        check_against_pytorch, check_random, Expected, OneState,
    };
    use proptest::prelude::*;

    impl OneState for Gru {
        fn shape(&self) -> (usize, usize, usize) {
            (self.c_in, self.d, self.layers.len())
        }
        fn cache_len(&self, dims: SeqDims) -> usize {
            Gru::cache_len(self, dims)
        }
        fn scratch_len(&self, dims: SeqDims) -> usize {
            Gru::scratch_len(self, dims)
        }
        fn fwd(
            &self,
            k: &Kernels,
            p: &[f32],
            dims: SeqDims,
            x: &[f32],
            h0: Option<&[f32]>,
            y: &mut [f32],
            h_n: Option<&mut [f32]>,
            cache: &mut [f32],
        ) {
            self.forward(k, p, dims, x, h0, y, h_n, cache);
        }
        fn bwd(
            &self,
            k: &Kernels,
            p: &[f32],
            g: &mut [f32],
            dims: SeqDims,
            x: &[f32],
            h0: Option<&[f32]>,
            y: &[f32],
            cache: &[f32],
            dy: &[f32],
            dh_n: Option<&[f32]>,
            dx: Option<&mut [f32]>,
            dh0: Option<&mut [f32]>,
            scratch: &mut [f32],
        ) {
            self.backward(
                k,
                p,
                g,
                dims,
                (x, h0),
                y,
                cache,
                (dy, dh_n),
                (dx, dh0),
                scratch,
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            b in 1usize..3, t in 1usize..4, c in 1usize..4, d in 1usize..4, layers in 1usize..3,
            bias: bool, with_state: bool,  seed: u64,
        ) {
            prop_assume!(check_random("Gru", (b, t, c, d, layers), bias, with_state, seed, |lay, c, d, l, bias| {
                Gru::new(lay, "gru", c, d, l, bias)
            }));
        }
    }

    // Produced with PyTorch 2.x in /work/pyenv: nn.GRU(2, 3, 2, batch_first=True) in float64
    // with parameter p (in `named_parameters()` order), element j set to
    // f32(0.5·sin(0.7·j + 1.3·p + 0.1)); x (2, 3, 2) = f32(cos(0.9·i + 0.2)),
    // h0 (2, 2, 3) = f32(0.3·sin(1.1·i + 0.5)); the loss is Σ_k Σ_i out_k[i]·sin(1.3·i + 0.4 + k)
    // over out = (y, h_n); printed with `', '.join(f'{v:.8e}' ...)` for the outputs, x.grad,
    // h0.grad and the parameter gradients concatenated in `parameters()` order.
    const Y: [f64; 18] = [
        -3.63516434e-02,
        5.17285184e-01,
        2.33353966e-01,
        2.73385315e-02,
        6.51252025e-01,
        7.33911346e-02,
        6.28602727e-02,
        7.28650877e-01,
        -3.44350703e-02,
        -3.05864261e-01,
        2.27796407e-01,
        3.39543994e-01,
        -1.76504384e-01,
        4.71212601e-01,
        3.50933088e-01,
        9.46186043e-03,
        6.25659721e-01,
        7.50215386e-02,
    ];
    const H_N: [f64; 12] = [
        5.27525424e-01,
        5.31971350e-01,
        5.39402833e-01,
        4.74975873e-01,
        5.59588443e-01,
        5.07480730e-01,
        6.28602727e-02,
        7.28650877e-01,
        -3.44350703e-02,
        9.46186043e-03,
        6.25659721e-01,
        7.50215386e-02,
    ];
    const DX: [f64; 12] = [
        4.02906988e-02,
        1.68563774e-03,
        1.03837199e-01,
        4.26819051e-02,
        -1.18174400e-03,
        -1.13082386e-01,
        -8.56763429e-02,
        -5.89898842e-02,
        -2.84438092e-01,
        -1.75944665e-01,
        -3.68293533e-01,
        -2.94993781e-01,
    ];
    const DH0: [f64; 12] = [
        8.81735817e-02,
        3.28451900e-02,
        -7.21456072e-02,
        -6.44527471e-02,
        2.03831241e-02,
        1.90013485e-01,
        7.88440703e-02,
        2.73456679e-01,
        9.46372591e-02,
        -5.46053487e-02,
        2.31295411e-01,
        3.29138868e-01,
    ];
    const DPARAMS: [f64; 135] = [
        5.29892665e-03,
        5.01452349e-02,
        1.54301276e-02,
        4.35906377e-03,
        8.01066547e-03,
        1.49101712e-02,
        5.44396307e-02,
        3.77154438e-02,
        6.80927798e-02,
        7.13234405e-02,
        2.09496157e-01,
        1.86050815e-01,
        -3.75148138e-02,
        1.81562115e-01,
        -2.26877249e-01,
        -5.46688784e-02,
        -1.81416814e-01,
        -2.54972442e-01,
        -2.40495973e-02,
        1.75520187e-02,
        2.59082165e-02,
        -6.39042173e-03,
        -7.78941685e-03,
        -5.89770813e-03,
        -1.55319732e-02,
        -2.97091214e-03,
        8.74384621e-04,
        -2.96427251e-02,
        -3.99032299e-02,
        -1.16847606e-02,
        -6.24867549e-02,
        -1.98323589e-02,
        -5.04228941e-03,
        -1.58344998e-01,
        -6.88280539e-02,
        -9.70952601e-03,
        -5.46546095e-02,
        6.25404703e-02,
        6.96528928e-02,
        5.03443214e-02,
        3.39722214e-02,
        2.46420934e-02,
        8.27450276e-02,
        1.53722312e-02,
        -3.98763624e-03,
        -4.08500466e-02,
        -4.80898895e-03,
        -2.86826164e-02,
        -4.43014209e-02,
        -1.13326667e-01,
        -2.70734797e-01,
        -3.24758567e-01,
        6.03043780e-01,
        5.71889933e-01,
        -4.08500466e-02,
        -4.80898895e-03,
        -2.86826164e-02,
        -4.43014209e-02,
        -1.13326667e-01,
        -2.70734797e-01,
        -1.33530152e-01,
        1.51871160e-01,
        1.65399182e-01,
        1.38826899e-01,
        1.37313485e-01,
        1.22206132e-01,
        3.69762334e-02,
        8.40811592e-04,
        -3.79336847e-03,
        1.29913080e-02,
        -1.73558584e-02,
        -1.83221914e-02,
        -5.26591132e-02,
        -5.97923131e-02,
        -5.25199440e-02,
        -1.30515246e-01,
        -2.22418659e-02,
        -8.02504719e-03,
        -1.12151483e-01,
        -2.03959400e-02,
        -1.50342454e-02,
        8.81132279e-01,
        9.20428381e-01,
        8.15293789e-01,
        3.82918839e-01,
        6.22078126e-02,
        1.49470420e-02,
        -4.02319877e-01,
        -6.80558355e-01,
        -7.13185260e-01,
        -2.65024659e-02,
        1.39630678e-01,
        6.37741863e-02,
        -1.24655737e-02,
        -9.88649152e-03,
        8.31456565e-03,
        -6.88719675e-03,
        -2.55012499e-02,
        -4.96669331e-03,
        2.51808645e-02,
        -4.95403102e-02,
        -3.79336948e-02,
        4.41999294e-02,
        1.16721405e-02,
        -3.25146192e-02,
        3.64521348e-02,
        2.36874837e-03,
        -1.14436079e-02,
        -1.05845455e-01,
        6.42803431e-01,
        2.87517842e-01,
        -8.86479532e-02,
        -3.36517365e-02,
        7.52288078e-02,
        -1.38255376e-02,
        -2.08452732e-01,
        -3.22223381e-02,
        2.68779983e-01,
        6.78537232e-02,
        2.15129468e-02,
        -1.09574153e-01,
        -2.43835343e-01,
        -2.10386758e-01,
        1.70041201e+00,
        7.24039929e-01,
        -8.34081521e-01,
        2.68779983e-01,
        6.78537232e-02,
        2.15129468e-02,
        -1.09574153e-01,
        -2.43835343e-01,
        -2.10386758e-01,
        1.16183657e+00,
        4.16556205e-01,
        -1.20270506e-01,
    ];

    #[test]
    fn matches_pytorch() {
        let mut layout = ParamLayout::new();
        let gru = Gru::new(&mut layout, "gru", 2, 3, 2, true);
        let want = Expected {
            y: &Y,
            h_n: &H_N,
            dx: &DX,
            dh0: &DH0,
            dparams: &DPARAMS,
        };
        check_against_pytorch(&layout, &gru, want);
    }
}
