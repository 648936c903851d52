//! `Rnn`: PyTorch's `nn.RNN(c_in, d, num_layers, nonlinearity, bias, batch_first=True)`, the
//! Elman network.
//!
//! Per layer and step:
//!   h_t = act(x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh)        act = tanh or ReLU
//! Layer k > 0 takes layer k−1's h as its x. Outputs: every h of the last layer (B, T, D) and
//! the final states h_n (L, B, D), as PyTorch returns `output, h_n`; the initial state h0
//! (L, B, D) is optional (zeros). Dropout between layers is not implemented (NeuralForecast
//! passes `dropout=0` by default).
//!
//! Backward through time, with dh = dy_t + dh_rec:
//!   da_t = dh ⊙ act'(·)   (1 − h_t² for tanh, `[h_t > 0]` for ReLU: both from the output)
//!   dh_rec = da_t·W_hh    (one GEMM per step)
//! and the weight and input gradients after the loop as in [`super::recurrent`].

use super::params::ParamLayout;
use super::recurrent::{carve, carve_ref, register_stack, shift_states, RecurrentLayer, SeqDims};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// The Elman cell's nonlinearity (PyTorch's `nonlinearity` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RnnNonlinearity {
    /// `'tanh'`, PyTorch's default.
    Tanh,
    /// `'relu'`.
    Relu,
}

impl RnnNonlinearity {
    fn activation(self) -> Activation {
        match self {
            RnnNonlinearity::Tanh => Activation::Tanh,
            RnnNonlinearity::Relu => Activation::Relu,
        }
    }
}

/// A multi-layer Elman RNN over batch-first (B, T, C) sequences.
#[derive(Clone, Debug, PartialEq)]
pub struct Rnn {
    /// C: input width.
    pub c_in: usize,
    /// D: hidden width.
    pub d: usize,
    /// tanh or ReLU.
    pub nonlinearity: RnnNonlinearity,
    /// The layers' tensors, bottom first.
    pub layers: Vec<RecurrentLayer>,
}

impl Rnn {
    /// Registers `{name}.weight_ih_l{k}` (D, C_k), `{name}.weight_hh_l{k}` (D, D) and, with
    /// `bias`, `{name}.bias_ih_l{k}`, `{name}.bias_hh_l{k}` (D), uniform(±1/√D) as PyTorch.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        c_in: usize,
        d: usize,
        num_layers: usize,
        nonlinearity: RnnNonlinearity,
        bias: bool,
    ) -> Rnn {
        let layers = register_stack(layout, name, c_in, d, num_layers, 1, bias);
        Rnn {
            c_in,
            d,
            nonlinearity,
            layers,
        }
    }

    fn top(&self) -> usize {
        self.layers.len().saturating_sub(1)
    }

    /// Per layer: the pre-activations (B, T, D) and, for every layer but the last, its output
    /// h (B, T, D) (the last one's is the caller's `y`).
    fn layer_cache_lens(&self, dims: SeqDims, l: usize) -> [usize; 2] {
        let rows = dims.rows();
        let h = if l < self.top() { rows * self.d } else { 0 };
        [rows * self.d, h]
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

    /// da (B, T, D), h_prev (B, T, D), dy of the layer below (B, T, D), dh (B, D), and a (D)
    /// column sum.
    fn scratch_lens(&self, dims: SeqDims) -> [usize; 5] {
        let (rows, d) = (dims.rows(), self.d);
        [rows * d, rows * d, rows * d, dims.b * d, d]
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
        assert_eq!(x.len(), rows * self.c_in, "Rnn: x must be (B, T, C)");
        assert_eq!(y.len(), rows * d, "Rnn: y must be (B, T, D)");
        let act = self.nonlinearity.activation();
        for (l, layer) in self.layers.iter().enumerate() {
            let offset = self.layer_offset(dims, l);
            let lens = self.layer_cache_lens(dims, l);
            let (done, mine) = cache.split_at_mut(offset);
            // This layer's input: x, or the layer below's output, the last piece of its cache.
            let below: &[f32] = if l == 0 {
                x
            } else {
                &done[offset - self.layer_cache_lens(dims, l - 1)[1]..]
            };
            let [pre, h_mid] = carve(mine, lens);
            let h: &mut [f32] = if l == self.top() { &mut *y } else { h_mid };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            layer.project_inputs(k, params, (rows, d), below, pre);
            for t in 0..t_len {
                let h_prev = if t > 0 {
                    Some((&h[(t - 1) * d..], t_len * d))
                } else {
                    h0_l.map(|h0| (h0, d))
                };
                if h_prev.is_some() || layer.b_hh.is_some() {
                    let p = &mut pre[t * d..];
                    layer.recurrent_term(k, params, (dims.b, d, d), h_prev, p, t_len * d, 1.0);
                }
                for b in 0..dims.b {
                    let r = (b * t_len + t) * d;
                    (k.act_forward)(act, &pre[r..r + d], &mut h[r..r + d]);
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
        let [da, h_prev, dbuf, dh, colsum] = carve(scratch, self.scratch_lens(dims));
        for l in (0..self.layers.len()).rev() {
            let layer = &self.layers[l];
            let offset = self.layer_offset(dims, l);
            let lens = self.layer_cache_lens(dims, l);
            let input: &[f32] = if l == 0 {
                x
            } else {
                let start = offset - self.layer_cache_lens(dims, l - 1)[1];
                &cache[start..offset]
            };
            let h_out: &[f32] = if l == self.top() {
                y
            } else {
                carve_ref(&cache[offset..], lens)[1]
            };
            let h0_l = h0.map(|s| &s[l * bd..(l + 1) * bd]);
            match dh_n {
                Some(g) => dh.copy_from_slice(&g[l * bd..(l + 1) * bd]),
                None => dh.fill(0.0),
            }
            for t in (0..t_len).rev() {
                let dy_l: &[f32] = if l == self.top() { dy } else { dbuf };
                for b in 0..dims.b {
                    let r = (b * t_len + t) * d;
                    let rows = da[r..r + d]
                        .iter_mut()
                        .zip(&h_out[r..r + d])
                        .zip(&dy_l[r..r + d])
                        .zip(&dh[b * d..(b + 1) * d]);
                    match self.nonlinearity {
                        RnnNonlinearity::Tanh => {
                            for (((a, &h), &g), &gr) in rows {
                                *a = (g + gr) * (1.0 - h * h);
                            }
                        }
                        RnnNonlinearity::Relu => {
                            for (((a, &h), &g), &gr) in rows {
                                *a = if h > 0.0 { g + gr } else { 0.0 };
                            }
                        }
                    }
                }
                let da_t = &da[t * d..];
                if t > 0 {
                    layer.recurrent_grad(k, params, (dims.b, d, d), da_t, t_len * d, dh, 0.0);
                } else if let Some(dh0) = dh0.as_deref_mut() {
                    let dh0 = &mut dh0[l * bd..(l + 1) * bd];
                    layer.recurrent_grad(k, params, (dims.b, d, d), da_t, t_len * d, dh0, 1.0);
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
                (rows, d, d),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::recurrent::test_support::{
        check_against_pytorch, check_random, Expected, OneState,
    };
    use proptest::prelude::*;

    impl OneState for Rnn {
        fn shape(&self) -> (usize, usize, usize) {
            (self.c_in, self.d, self.layers.len())
        }
        fn cache_len(&self, dims: SeqDims) -> usize {
            Rnn::cache_len(self, dims)
        }
        fn scratch_len(&self, dims: SeqDims) -> usize {
            Rnn::scratch_len(self, dims)
        }
        fn smooth_at(&self, cache: &[f32]) -> bool {
            // Pre-activations and outputs both: ReLU's are 0 exactly below the kink.
            self.nonlinearity == RnnNonlinearity::Tanh
                || cache.iter().all(|&v| v == 0.0 || v.abs() > 0.05)
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
            bias: bool, with_state: bool, relu: bool, seed: u64,
        ) {
            prop_assume!(check_random("Rnn", (b, t, c, d, layers), bias, with_state, seed, |lay, c, d, l, bias| {
                Rnn::new(lay, "rnn", c, d, l, if relu { RnnNonlinearity::Relu } else { RnnNonlinearity::Tanh }, bias)
            }));
        }
    }

    // Produced with PyTorch 2.x in /work/pyenv: nn.RNN(2, 3, 2, nonlinearity='tanh',
    // batch_first=True) in float64 with parameter p (in `named_parameters()` order), element j
    // set to f32(0.5·sin(0.7·j + 1.3·p + 0.1)); x (2, 3, 2) = f32(cos(0.9·i + 0.2)),
    // h0 (2, 2, 3) = f32(0.3·sin(1.1·i + 0.5)); the loss is Σ_k Σ_i out_k[i]·sin(1.3·i + 0.4 + k)
    // over out = (y, h_n); printed with `', '.join(f'{v:.8e}' ...)` for the outputs, x.grad,
    // h0.grad and the parameter gradients concatenated in `parameters()` order.
    mod tanh {
        pub const Y: [f64; 18] = [
            5.12665578e-01,
            4.60840491e-02,
            -2.55581433e-01,
            6.37936121e-01,
            -3.83687627e-01,
            5.13762547e-03,
            6.24479404e-01,
            -3.12262338e-01,
            -5.45517430e-02,
            2.69974118e-01,
            3.74862374e-03,
            7.07879637e-02,
            6.09847016e-01,
            -2.87962051e-01,
            -5.78707498e-02,
            6.68164040e-01,
            -4.75254328e-01,
            6.58581501e-02,
        ];
        pub const H_N: [f64; 12] = [
            -7.14291085e-01,
            -2.62149280e-01,
            -7.47082126e-01,
            -7.16126084e-01,
            -7.05485096e-01,
            -7.11298627e-01,
            6.24479404e-01,
            -3.12262338e-01,
            -5.45517430e-02,
            6.68164040e-01,
            -4.75254328e-01,
            6.58581501e-02,
        ];
        pub const DX: [f64; 12] = [
            2.32595762e-01,
            2.86410657e-01,
            -1.59185810e-01,
            4.16542809e-02,
            2.36822875e-01,
            2.53738479e-01,
            -1.17070509e-02,
            1.17889198e-01,
            -2.53774432e-01,
            -4.48459629e-01,
            3.42206193e-01,
            -8.59165430e-02,
        ];
        pub const DH0: [f64; 12] = [
            1.00347538e-01,
            5.50753254e-03,
            -9.19227571e-02,
            1.74965506e-01,
            1.17445090e-01,
            4.68841350e-03,
            2.02600205e-01,
            4.91905453e-02,
            -1.27354189e-01,
            -3.16672657e-01,
            -6.70178040e-01,
            -7.08488214e-01,
        ];
        pub const DPARAMS: [f64; 45] = [
            3.46017305e-01,
            8.48286527e-01,
            -5.70454993e-01,
            1.82602434e-01,
            -6.67450043e-01,
            -3.79174407e-01,
            2.66862980e-02,
            -2.57915996e-01,
            5.39105102e-01,
            -3.75080028e-01,
            -4.92820260e-01,
            -1.74531267e-01,
            -2.92045702e-01,
            -1.57377766e-01,
            -3.22474575e-01,
            -3.71082483e-02,
            6.76678034e-01,
            4.28994990e-01,
            -3.71082483e-02,
            6.76678034e-01,
            4.28994990e-01,
            -1.09730879e+00,
            -8.30530437e-01,
            -7.54474538e-01,
            -3.15961536e-01,
            -4.96770581e-01,
            -1.08475856e+00,
            7.07975311e-01,
            2.31773091e-01,
            -7.21219021e-03,
            9.79179387e-01,
            -4.43698599e-01,
            1.15408257e-02,
            1.24237893e-01,
            -2.02550777e-01,
            -1.74266978e-01,
            -9.90232596e-01,
            4.60321406e-01,
            -3.76417883e-01,
            1.01666328e+00,
            1.57735022e+00,
            2.76556420e-02,
            1.01666328e+00,
            1.57735022e+00,
            2.76556420e-02,
        ];
    }

    // Produced with PyTorch 2.x in /work/pyenv: nn.RNN(2, 3, 2, nonlinearity='relu',
    // batch_first=True) in float64 with parameter p (in `named_parameters()` order), element j
    // set to f32(0.5·sin(0.7·j + 1.3·p + 0.1)); x (2, 3, 2) = f32(cos(0.9·i + 0.2)),
    // h0 (2, 2, 3) = f32(0.3·sin(1.1·i + 0.5)); the loss is Σ_k Σ_i out_k[i]·sin(1.3·i + 0.4 + k)
    // over out = (y, h_n); printed with `', '.join(f'{v:.8e}' ...)` for the outputs, x.grad,
    // h0.grad and the parameter gradients concatenated in `parameters()` order.
    mod relu {
        pub const Y: [f64; 18] = [
            6.71651149e-01,
            3.23480134e-01,
            0.00000000e+00,
            8.53088868e-01,
            3.65079812e-01,
            0.00000000e+00,
            8.99040489e-01,
            4.25738950e-01,
            0.00000000e+00,
            4.15851815e-01,
            2.22184748e-01,
            0.00000000e+00,
            7.70170180e-01,
            2.79031450e-01,
            0.00000000e+00,
            8.49534850e-01,
            3.97186738e-01,
            0.00000000e+00,
        ];
        pub const H_N: [f64; 12] = [
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            8.99040489e-01,
            4.25738950e-01,
            0.00000000e+00,
            8.49534850e-01,
            3.97186738e-01,
            0.00000000e+00,
        ];
        pub const DX: [f64; 12] = [
            8.50807424e-03,
            6.11350308e-02,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            2.62687093e-01,
            2.12914926e-01,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
        ];
        pub const DH0: [f64; 12] = [
            8.39826982e-02,
            7.35650429e-02,
            2.85485982e-02,
            -9.23776330e-02,
            -2.29526671e-01,
            -2.58725735e-01,
            2.07400768e-01,
            8.17646837e-02,
            -8.23266061e-02,
            2.33120304e-01,
            -2.03102560e-01,
            -5.43803100e-01,
        ];
        pub const DPARAMS: [f64; 45] = [
            1.67047866e-01,
            7.73133818e-02,
            4.08485541e-01,
            5.14362423e-01,
            0.00000000e+00,
            0.00000000e+00,
            2.45147667e-02,
            5.11118219e-02,
            2.18534821e-02,
            -9.66784792e-02,
            -1.55235441e-01,
            -4.41499026e-02,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            1.70445423e-01,
            5.26693555e-01,
            0.00000000e+00,
            1.70445423e-01,
            5.26693555e-01,
            0.00000000e+00,
            4.74148555e-02,
            -1.79632722e-01,
            0.00000000e+00,
            1.45820848e-01,
            3.34546393e-01,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            1.71106658e+00,
            7.58344930e-01,
            1.49466665e-03,
            9.86073091e-02,
            -1.10033531e-01,
            2.97516741e-02,
            0.00000000e+00,
            0.00000000e+00,
            0.00000000e+00,
            1.64225771e+00,
            1.66323123e+00,
            0.00000000e+00,
            1.64225771e+00,
            1.66323123e+00,
            0.00000000e+00,
        ];
    }

    #[test]
    fn matches_pytorch() {
        for (nl, y, h_n, dx, dh0, dparams) in [
            (
                RnnNonlinearity::Tanh,
                &tanh::Y,
                &tanh::H_N,
                &tanh::DX,
                &tanh::DH0,
                &tanh::DPARAMS[..],
            ),
            (
                RnnNonlinearity::Relu,
                &relu::Y,
                &relu::H_N,
                &relu::DX,
                &relu::DH0,
                &relu::DPARAMS[..],
            ),
        ] {
            let mut layout = ParamLayout::new();
            let rnn = Rnn::new(&mut layout, "rnn", 2, 3, 2, nl, true);
            check_against_pytorch(
                &layout,
                &rnn,
                Expected {
                    y,
                    h_n,
                    dx,
                    dh0,
                    dparams,
                },
            );
        }
    }
}
