//! `Lstm`: PyTorch's `nn.LSTM(c_in, d, num_layers, bias, batch_first=True)`.
//!
//! Per layer and step, with gate order (i, f, g, o) as PyTorch stores them in `weight_ih_l{k}`:
//!   a_t = x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh                    (B, 4D)
//!   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
//!   c_t = f ⊙ c_{t-1} + i ⊙ g
//!   h_t = o ⊙ tanh(c_t)
//! Layer k > 0 takes layer k−1's h as its x. Outputs: every h of the last layer (B, T, D), and
//! the final states h_n, c_n (L, B, D), as PyTorch returns `output, (h_n, c_n)`. Initial states
//! h0, c0 (L, B, D) are optional (zeros). Dropout between layers is not implemented
//! (NeuralForecast's LSTM passes `dropout=0` by default).
//!
//! Backward through time, from the last step down, with dh = dy_t + dh_rec and dc = dc_rec:
//!   do = dh ⊙ tanh(c_t)                   da_o = do ⊙ o(1 − o)
//!   dc += dh ⊙ o ⊙ (1 − tanh²(c_t))
//!   da_i = dc ⊙ g ⊙ i(1 − i)   da_f = dc ⊙ c_{t-1} ⊙ f(1 − f)   da_g = dc ⊙ i ⊙ (1 − g²)
//!   dc_rec = dc ⊙ f                       dh_rec = da_t·W_hh   (one GEMM per step)
//! and after the loop, over all steps at once: dW_ih += daᵀ·x, dW_hh += daᵀ·h_prev,
//! db_ih = db_hh += Σ da, dx += da·W_ih (see [`super::recurrent`]).
//! The GEMMs are the layer's; the elementwise cell of each (b, t) row, forward and backward,
//! is one fused SIMD kernel (`lstm_cell_forward`, `lstm_cell_backward`, `nd_kernels::ops::lstm_cell`).

use super::params::ParamLayout;
use super::recurrent::{carve, carve_ref, register_stack, shift_states, RecurrentLayer, SeqDims};
use nd_kernels::table::Kernels;
use nd_kernels::LstmCellSaved;

const GATES: usize = 4;

/// The input-side gradients `Lstm::backward` accumulates when asked: dx (B, T, C), dh0 and
/// dc0 (L, B, D).
pub type LstmInputGrads<'a> = (
    Option<&'a mut [f32]>,
    Option<&'a mut [f32]>,
    Option<&'a mut [f32]>,
);

/// A multi-layer LSTM over batch-first (B, T, C) sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct Lstm {
    /// C: input width.
    pub c_in: usize,
    /// D: hidden width.
    pub d: usize,
    /// The layers' tensors, bottom first.
    pub layers: Vec<RecurrentLayer>,
}

impl Lstm {
    /// Registers `{name}.weight_ih_l{k}` (4D, C_k), `{name}.weight_hh_l{k}` (4D, D) and, with
    /// `bias`, `{name}.bias_ih_l{k}`, `{name}.bias_hh_l{k}` (4D), uniform(±1/√D) as PyTorch.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        c_in: usize,
        d: usize,
        num_layers: usize,
        bias: bool,
    ) -> Lstm {
        let layers = register_stack(layout, name, c_in, d, num_layers, GATES, bias);
        Lstm { c_in, d, layers }
    }

    fn top(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    /// Per layer: activated gates (B, T, 4D), c (B, T, D), tanh(c) (B, T, D), and for every
    /// layer but the last its output h (B, T, D) (the last one's is the caller's `y`).
    fn layer_cache_lens(&self, dims: SeqDims, l: usize) -> [usize; 4] {
        let rows = dims.rows();
        let h = if l < self.top() { rows * self.d } else { 0 };
        [rows * GATES * self.d, rows * self.d, rows * self.d, h]
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

    /// da (B, T, 4D), h_prev (B, T, D), dy of the layer below (B, T, D), dh and dc (B, D),
    /// and a (4D) column sum.
    fn scratch_lens(&self, dims: SeqDims) -> [usize; 6] {
        let (rows, d) = (dims.rows(), self.d);
        [
            rows * GATES * d,
            rows * d,
            rows * d,
            dims.b * d,
            dims.b * d,
            GATES * d,
        ]
    }

    /// Floats of scratch `backward` needs for `dims`.
    pub fn scratch_len(&self, dims: SeqDims) -> usize {
        self.scratch_lens(dims).iter().sum()
    }

    /// Training forward: x (B, T, C) → y (B, T, D), and when given the final states
    /// h_n, c_n (L, B, D); `h0`, `c0` (L, B, D) default to zeros. Fills `cache`
    /// (`cache_len(dims)` floats) for backward.
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
        c0: Option<&[f32]>,
        y: &mut [f32],
        mut h_n: Option<&mut [f32]>,
        mut c_n: Option<&mut [f32]>,
        cache: &mut [f32],
    ) {
        let (d, rows, bd) = (self.d, dims.rows(), dims.b * self.d);
        assert_eq!(x.len(), rows * self.c_in, "Lstm: x must be (B, T, C)");
        assert_eq!(y.len(), rows * d, "Lstm: y must be (B, T, D)");
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
            let [gates, c, tc, h_mid] = carve(mine, lens);
            let h: &mut [f32] = if l == self.top() { &mut *y } else { h_mid };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            let c0_l = c0.map(|s| &s[l * bd..(l + 1) * bd]);
            forward_layer(
                k,
                params,
                layer,
                dims,
                d,
                below,
                (h0_l, c0_l),
                gates,
                c,
                tc,
                h,
            );
            let last = |buf: &[f32], out: &mut [f32]| {
                for b in 0..dims.b {
                    let r = b * dims.t + dims.t - 1;
                    out[l * bd + b * d..l * bd + (b + 1) * d]
                        .copy_from_slice(&buf[r * d..(r + 1) * d]);
                }
            };
            if dims.t > 0 {
                if let Some(h_n) = h_n.as_deref_mut() {
                    last(h, h_n);
                }
                if let Some(c_n) = c_n.as_deref_mut() {
                    last(c, c_n);
                }
            }
        }
    }

    /// Accumulates every parameter's gradient into `grads` and, when given, dx (B, T, C) and
    /// dh0, dc0 (L, B, D), from dy (B, T, D) and the optional gradients of the final states
    /// dh_n, dc_n (L, B, D). `x`, `h0`, `c0`, `y` and `cache` are those of `forward`;
    /// `scratch` is `scratch_len(dims)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        dims: SeqDims,
        (x, h0, c0): (&[f32], Option<&[f32]>, Option<&[f32]>),
        y: &[f32],
        cache: &[f32],
        (dy, dh_n, dc_n): (&[f32], Option<&[f32]>, Option<&[f32]>),
        (mut dx, mut dh0, mut dc0): LstmInputGrads<'_>,
        scratch: &mut [f32],
    ) {
        let (d, gd, rows, bd, t_len) =
            (self.d, GATES * self.d, dims.rows(), dims.b * self.d, dims.t);
        let [da, h_prev, dbuf, dh, dc, colsum] = carve(scratch, self.scratch_lens(dims));
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let offset = self.layer_offset(dims, l);
            let lens = self.layer_cache_lens(dims, l);
            let [gates, c, tc, _] = carve_ref(&cache[offset..], lens);
            let input: &[f32] = if l == 0 {
                x
            } else {
                let below = self.layer_cache_lens(dims, l - 1);
                let start = offset - below[3];
                &cache[start..offset]
            };
            let h_out: &[f32] = if l == self.top() {
                y
            } else {
                let start = offset + lens[0] + lens[1] + lens[2];
                &cache[start..start + lens[3]]
            };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            let c0_l = c0.map(|s| &s[l * bd..(l + 1) * bd]);
            match dh_n {
                Some(g) => dh.copy_from_slice(&g[l * bd..(l + 1) * bd]),
                None => dh.fill(0.0),
            }
            match dc_n {
                Some(g) => dc.copy_from_slice(&g[l * bd..(l + 1) * bd]),
                None => dc.fill(0.0),
            }
            for t in (0..t_len).rev() {
                for b in 0..dims.b {
                    let r = b * t_len + t;
                    let dy_l: &[f32] = if l == self.top() { dy } else { dbuf };
                    let c_prev = if t > 0 {
                        Some(&c[(r - 1) * d..r * d])
                    } else {
                        c0_l.map(|c0| &c0[b * d..(b + 1) * d])
                    };
                    let saved = LstmCellSaved {
                        gates: &gates[r * gd..(r + 1) * gd],
                        tc: &tc[r * d..(r + 1) * d],
                        c_prev,
                    };
                    (k.lstm_cell_backward)(
                        &saved,
                        &dy_l[r * d..(r + 1) * d],
                        &dh[b * d..(b + 1) * d],
                        &mut dc[b * d..(b + 1) * d],
                        &mut da[r * gd..(r + 1) * gd],
                    );
                }
                let da_t = &da[t * gd..];
                if t > 0 {
                    layer.recurrent_grad(k, params, (dims.b, d, gd), da_t, t_len * gd, dh, 0.0);
                } else {
                    if let Some(dh0) = dh0.as_deref_mut() {
                        let dh0 = &mut dh0[l * bd..(l + 1) * bd];
                        layer.recurrent_grad(
                            k,
                            params,
                            (dims.b, d, gd),
                            da_t,
                            t_len * gd,
                            dh0,
                            1.0,
                        );
                    }
                    if let Some(dc0) = dc0.as_deref_mut() {
                        (k.add_assign)(&mut dc0[l * bd..(l + 1) * bd], dc);
                    }
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
                da,
                da,
                colsum,
                dx_l,
            );
        }
    }
}

/// One layer over all steps: gates, c, tanh(c) (cache) and h (its output), see the module docs.
#[allow(clippy::too_many_arguments)]
fn forward_layer(
    k: &Kernels,
    params: &[f32],
    layer: &RecurrentLayer,
    dims: SeqDims,
    d: usize,
    x: &[f32],
    (h0, c0): (Option<&[f32]>, Option<&[f32]>),
    gates: &mut [f32], // (B, T, 4D)
    c: &mut [f32],     // (B, T, D)
    tc: &mut [f32],    // (B, T, D)
    h: &mut [f32],     // (B, T, D)
) {
    let (gd, t_len) = (GATES * d, dims.t);
    layer.project_inputs(k, params, (dims.rows(), gd), x, gates);
    for t in 0..t_len {
        let h_prev = if t > 0 {
            Some((&h[(t - 1) * d..], t_len * d))
        } else {
            h0.map(|h0| (h0, d))
        };
        if h_prev.is_some() || layer.b_hh.is_some() {
            let g = &mut gates[t * gd..];
            layer.recurrent_term(k, params, (dims.b, d, gd), h_prev, g, t_len * gd, 1.0);
        }
        for b in 0..dims.b {
            let r = b * t_len + t;
            let (done, now) = c.split_at_mut(r * d);
            let c_prev = if t > 0 {
                Some(&done[(r - 1) * d..])
            } else {
                c0.map(|c0| &c0[b * d..(b + 1) * d])
            };
            (k.lstm_cell_forward)(
                &mut gates[r * gd..(r + 1) * gd],
                c_prev,
                &mut now[..d],
                &mut tc[r * d..(r + 1) * d],
                &mut h[r * d..(r + 1) * d],
            );
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

    /// Runs `check` on the GradCase whose input is [x | h0 | c0] (the states only `with_state`)
    /// and whose output is [y | h_n | c_n].
    fn with_case(
        lstm: &Lstm,
        dims: SeqDims,
        params: Vec<f32>,
        input: Vec<f32>,
        with_state: bool,
        check: impl FnOnce(&GradCase<'_>),
    ) {
        let (x_len, y_len) = (dims.rows() * lstm.c_in, dims.rows() * lstm.d);
        let s_len = lstm.layers.len() * dims.b * lstm.d;
        let split = |v: &[f32]| -> (usize, Option<(usize, usize)>) {
            let _ = v;
            (x_len, with_state.then_some((x_len, x_len + s_len)))
        };
        let fwd = |k: &Kernels, p: &[f32], inp: &[f32], out: &mut [f32]| {
            let (_, st) = split(inp);
            let h0 = st.map(|(a, b)| &inp[a..b]);
            let c0 = st.map(|(_, b)| &inp[b..b + s_len]);
            let (y, rest) = out.split_at_mut(y_len);
            let (h_n, c_n) = rest.split_at_mut(s_len);
            let mut cache = vec![0.0; lstm.cache_len(dims)];
            lstm.forward(
                k,
                p,
                dims,
                &inp[..x_len],
                h0,
                c0,
                y,
                Some(h_n),
                Some(c_n),
                &mut cache,
            );
        };
        let bwd =
            |k: &Kernels, p: &[f32], g: &mut [f32], inp: &[f32], dout: &[f32], din: &mut [f32]| {
                let (_, st) = split(inp);
                let h0 = st.map(|(a, b)| &inp[a..b]);
                let c0 = st.map(|(_, b)| &inp[b..b + s_len]);
                let mut y = vec![0.0; y_len];
                let mut cache = vec![0.0; lstm.cache_len(dims)];
                lstm.forward(
                    k,
                    p,
                    dims,
                    &inp[..x_len],
                    h0,
                    c0,
                    &mut y,
                    None,
                    None,
                    &mut cache,
                );
                let (dy, rest) = dout.split_at(y_len);
                let (dh_n, dc_n) = rest.split_at(s_len);
                let (dx, rest) = din.split_at_mut(x_len);
                let (dh0, dc0) = if with_state {
                    let (a, b) = rest.split_at_mut(s_len);
                    (Some(a), Some(b))
                } else {
                    (None, None)
                };
                let mut scratch = vec![0.0; lstm.scratch_len(dims)];
                lstm.backward(
                    k,
                    p,
                    g,
                    dims,
                    (&inp[..x_len], h0, c0),
                    &y,
                    &cache,
                    (dy, Some(dh_n), Some(dc_n)),
                    (Some(dx), dh0, dc0),
                    &mut scratch,
                );
            };
        check(&GradCase {
            name: "Lstm",
            params,
            input,
            out_len: y_len + 2 * s_len,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            b in 1usize..3, t in 1usize..4, c in 1usize..4, d in 1usize..4, layers in 1usize..3,
            bias: bool, with_state: bool, seed: u64,
        ) {
            let mut layout = ParamLayout::new();
            let lstm = Lstm::new(&mut layout, "lstm", c, d, layers, bias);
            let store = ParamStore::new(layout, seed);
            let dims = SeqDims { b, t };
            let mut rng = crate::rng::Rng::seed_from(seed ^ 1);
            let n_in = dims.rows() * c + if with_state { 2 * layers * b * d } else { 0 };
            let input: Vec<f32> = (0..n_in).map(|_| rng.uniform(-1.0, 1.0)).collect();
            with_case(&lstm, dims, store.values.to_vec(), input, with_state, |case| {
                check_gradients(case, Tolerance::default(), seed).unwrap();
                check_isa_agreement(case, 1e-4, seed).unwrap();
            });
        }
    }

    // Produced with PyTorch 2.x in /work/pyenv: nn.LSTM(2, 3, 2, batch_first=True) in float64
    // with parameter p (in `named_parameters()` order), element j set to
    // f32(0.5·sin(0.7·j + 1.3·p + 0.1)); x (2, 3, 2) = f32(cos(0.9·i + 0.2)),
    // h0 (2, 2, 3) = f32(0.3·sin(1.1·i + 0.5)), c0 = f32(0.4·cos(0.6·i)); the loss is
    // Σ_k Σ_i out_k[i]·sin(1.3·i + 0.4 + k) over out = (y, h_n, c_n); printed with
    // `', '.join(f'{v:.8e}' ...)` for the outputs, x.grad, h0.grad, c0.grad and the parameter
    // gradients concatenated in `parameters()` order.
    const Y: [f64; 18] = [
        4.18929570e-03,
        1.90606673e-01,
        5.62803051e-02,
        7.70001547e-02,
        2.47732951e-01,
        9.43105897e-02,
        1.24001225e-01,
        2.80354697e-01,
        9.00456043e-02,
        5.60074035e-03,
        2.01004325e-01,
        2.31054334e-01,
        1.09659833e-01,
        2.28083633e-01,
        1.42017202e-01,
        1.56701571e-01,
        2.56954039e-01,
        1.07577485e-01,
    ];
    const H_N: [f64; 12] = [
        2.31756149e-01,
        6.86370674e-02,
        8.03949913e-02,
        1.63070079e-01,
        5.27605519e-02,
        5.16627915e-02,
        1.24001225e-01,
        2.80354697e-01,
        9.00456043e-02,
        1.56701571e-01,
        2.56954039e-01,
        1.07577485e-01,
    ];
    const C_N: [f64; 12] = [
        5.32448603e-01,
        2.90367665e-01,
        2.87770709e-01,
        4.32640053e-01,
        2.94061039e-01,
        1.66137751e-01,
        1.88528935e-01,
        5.40129485e-01,
        2.68569783e-01,
        2.36410710e-01,
        5.00373131e-01,
        3.22164639e-01,
    ];
    const DX: [f64; 12] = [
        6.13468415e-02,
        6.51442380e-02,
        7.44441846e-02,
        8.23112921e-02,
        1.23278759e-01,
        1.12950856e-01,
        -6.88403821e-02,
        -8.11416868e-02,
        -9.72227409e-02,
        -1.18445748e-01,
        -3.92282160e-02,
        -1.04909981e-01,
    ];
    const DH0: [f64; 12] = [
        1.43374839e-01,
        9.73489400e-02,
        5.53831585e-03,
        -6.25439268e-02,
        -6.74107536e-02,
        -4.05732489e-02,
        4.46842215e-03,
        -5.65141685e-02,
        -9.09172623e-02,
        2.21385475e-02,
        -7.31989225e-02,
        -1.34109793e-01,
    ];
    const DC0: [f64; 12] = [
        1.20646277e-01,
        -2.31875282e-03,
        -2.25197660e-01,
        -2.49738792e-02,
        8.56641500e-02,
        1.96414362e-01,
        -5.35089446e-02,
        5.22649958e-02,
        2.84878240e-02,
        5.13735370e-02,
        1.82815618e-01,
        1.42731332e-01,
    ];
    const DPARAMS: [f64; 180] = [
        -4.74339420e-02,
        -7.60551978e-03,
        -2.82073125e-02,
        -9.77901450e-02,
        7.59332431e-03,
        -4.63920532e-02,
        -7.77317005e-02,
        -2.33382518e-02,
        -4.94846114e-02,
        -6.12937502e-02,
        5.16012968e-02,
        3.56679115e-02,
        -2.02912791e-01,
        -4.18648019e-02,
        1.17930283e-01,
        2.33296475e-02,
        1.17359109e-01,
        -8.30313412e-03,
        4.07427409e-02,
        6.13210942e-02,
        -3.17443984e-02,
        -1.92450258e-02,
        -1.49660045e-02,
        -2.80539906e-02,
        5.11952815e-02,
        4.56921279e-02,
        3.30071864e-02,
        1.40077849e-02,
        5.13558398e-03,
        -2.10793725e-02,
        -2.21280788e-02,
        9.42883466e-03,
        -1.92293339e-02,
        4.57099601e-02,
        1.84551636e-02,
        1.96612980e-02,
        7.21836771e-03,
        8.12313666e-03,
        -5.39746326e-03,
        -2.91129816e-02,
        -5.71390431e-03,
        1.93699305e-03,
        9.29014682e-02,
        4.09690621e-02,
        4.71481830e-02,
        -1.05753369e-02,
        -2.61812769e-02,
        -2.56969296e-02,
        -6.23375513e-02,
        -5.25851077e-02,
        -5.69953849e-02,
        1.22110359e-02,
        1.28084829e-02,
        2.25691471e-02,
        7.28059710e-03,
        5.87338921e-03,
        1.29750610e-03,
        -4.69554105e-03,
        7.60443467e-04,
        -6.82110988e-03,
        1.67963361e-01,
        1.33518785e-01,
        -5.89437848e-02,
        1.82474072e-01,
        2.14190040e-02,
        -1.81856945e-01,
        2.95362073e-01,
        1.55816376e-01,
        -8.59655429e-02,
        2.06961376e-02,
        3.43094033e-02,
        -1.74788742e-03,
        1.67963361e-01,
        1.33518785e-01,
        -5.89437848e-02,
        1.82474072e-01,
        2.14190040e-02,
        -1.81856945e-01,
        2.95362073e-01,
        1.55816376e-01,
        -8.59655429e-02,
        2.06961376e-02,
        3.43094033e-02,
        -1.74788742e-03,
        1.94471876e-02,
        8.67444407e-03,
        1.68420060e-03,
        -1.60398754e-02,
        -4.12776013e-03,
        -2.54704807e-02,
        -1.46467056e-02,
        -8.38913348e-03,
        -1.09659003e-02,
        1.75635494e-02,
        5.03438135e-03,
        2.75971135e-03,
        -1.53644012e-02,
        -3.84662870e-03,
        -1.58312376e-02,
        -1.87541181e-02,
        -8.11297846e-03,
        -6.90345725e-03,
        2.10726112e-01,
        9.31618878e-02,
        -1.06132456e-02,
        -2.02338435e-02,
        -5.34925480e-03,
        -5.97166559e-02,
        -4.43731653e-02,
        -1.92904751e-02,
        -1.75551232e-02,
        1.96701296e-02,
        7.09412841e-03,
        4.64597470e-03,
        2.44255662e-02,
        3.82521455e-03,
        -1.21612078e-02,
        1.29302046e-02,
        -4.16947854e-04,
        -2.12764140e-02,
        1.19492559e-02,
        2.98143090e-02,
        2.56821126e-02,
        -1.26826998e-02,
        -4.02411737e-02,
        8.12484943e-03,
        -2.82160378e-02,
        -4.96553983e-02,
        -2.50803107e-02,
        8.28315161e-03,
        1.77504286e-02,
        1.11260202e-02,
        -1.26512804e-02,
        -3.00090886e-02,
        4.84052478e-03,
        -1.86881703e-02,
        -3.80151863e-02,
        -2.16778101e-02,
        8.31084754e-02,
        2.57321527e-01,
        2.82438621e-01,
        -3.86715913e-02,
        -9.31795465e-02,
        2.51490341e-02,
        -4.25101165e-02,
        -8.78636122e-02,
        -5.37378419e-02,
        1.15358530e-02,
        2.60210517e-02,
        1.67455125e-02,
        -1.33229482e-03,
        -9.77131149e-03,
        1.23068673e-02,
        -4.60471613e-02,
        -5.34831483e-02,
        -3.73062512e-03,
        1.23887814e-01,
        -1.16204216e-02,
        -8.81264071e-02,
        9.52208188e-02,
        -2.02453409e-02,
        -1.05836913e-01,
        1.39017242e+00,
        6.20405019e-02,
        -2.66091977e-01,
        1.06019010e-01,
        1.63238164e-01,
        9.17605734e-02,
        1.23887814e-01,
        -1.16204216e-02,
        -8.81264071e-02,
        9.52208188e-02,
        -2.02453409e-02,
        -1.05836913e-01,
        1.39017242e+00,
        6.20405019e-02,
        -2.66091977e-01,
        1.06019010e-01,
        1.63238164e-01,
        9.17605734e-02,
    ];

    #[test]
    fn matches_pytorch() {
        let mut layout = ParamLayout::new();
        let lstm = Lstm::new(&mut layout, "lstm", 2, 3, 2, true);
        let params = pattern_params(&layout);
        let dims = SeqDims { b: 2, t: 3 };
        let x = pattern(12, |i| (0.9 * i + 0.2).cos());
        let h0 = pattern(12, |i| 0.3 * (1.1 * i + 0.5).sin());
        let c0 = pattern(12, |i| 0.4 * (0.6 * i).cos());
        let cot = |n, k: f64| pattern(n, move |i| (1.3 * i + 0.4 + k).sin());
        for k in nd_kernels::table::all_supported() {
            let (mut y, mut h_n, mut c_n) = (vec![0.0; 18], vec![0.0; 12], vec![0.0; 12]);
            let mut cache = vec![0.0; lstm.cache_len(dims)];
            let (h0, c0) = (Some(&h0[..]), Some(&c0[..]));
            let (hn, cn) = (Some(&mut h_n[..]), Some(&mut c_n[..]));
            lstm.forward(k, &params, dims, &x, h0, c0, &mut y, hn, cn, &mut cache);
            assert_close("y", &y, &Y, 1e-5);
            assert_close("h_n", &h_n, &H_N, 1e-5);
            assert_close("c_n", &c_n, &C_N, 1e-5);
            let mut grads = vec![0.0; layout.len()];
            let (mut dx, mut dh0, mut dc0) = (vec![0.0; 12], vec![0.0; 12], vec![0.0; 12]);
            let mut scratch = vec![0.0; lstm.scratch_len(dims)];
            let (dy, dhn, dcn) = (cot(18, 0.0), cot(12, 1.0), cot(12, 2.0));
            lstm.backward(
                k,
                &params,
                &mut grads,
                dims,
                (&x, h0, c0),
                &y,
                &cache,
                (&dy, Some(&dhn), Some(&dcn)),
                (Some(&mut dx), Some(&mut dh0), Some(&mut dc0)),
                &mut scratch,
            );
            assert_close("dx", &dx, &DX, 1e-4);
            assert_close("dh0", &dh0, &DH0, 1e-4);
            assert_close("dc0", &dc0, &DC0, 1e-4);
            assert_close("dparams", &packed(&layout, &grads), &DPARAMS, 1e-4);
        }
    }

    #[test]
    fn missing_initial_states_are_zeros() {
        let mut layout = ParamLayout::new();
        let lstm = Lstm::new(&mut layout, "lstm", 2, 4, 2, true);
        let params = ParamStore::new(layout, 5).values.to_vec();
        let dims = SeqDims { b: 3, t: 4 };
        let x = pattern(24, |i| (0.37 * i).sin());
        let zeros = vec![0.0; 24];
        let k = nd_kernels::table::active();
        let run = |state: Option<&[f32]>| {
            let mut y = vec![0.0; 48];
            let mut cache = vec![0.0; lstm.cache_len(dims)];
            lstm.forward(
                k, &params, dims, &x, state, state, &mut y, None, None, &mut cache,
            );
            y
        };
        assert_eq!(run(None), run(Some(&zeros)));
    }
}
