//! What the recurrent layers ([`super::Rnn`], [`super::Lstm`], [`super::Gru`]) share: their
//! dimensions, PyTorch's parameter names and shapes, and the big GEMMs around the time loop.
//!
//! A recurrent layer with G gates per unit and hidden width D computes, for each layer l,
//! pre-activations `a_t = x_t·W_ihᵀ + b_ih + h_{t-1}·W_hhᵀ + b_hh` (G·D wide) and a cell update
//! that differs per layer type. The work splits into
//! - one GEMM for the input projection of **all** time steps, `(B·T, C)·(C, G·D)`, before the
//!   loop;
//! - per step, one `(B, D)·(D, G·D)` GEMM on strided rows (the rows of step t in a batch-first
//!   (B, T, ·) buffer are `T·width` apart, which GEMM's leading dimensions express without a
//!   copy) plus the fused elementwise gates;
//! - in backward, the mirror image: per step only `dh_{t-1} = da_t·W_hh`; all weight gradients
//!   after the loop, `dW_ih += daᵀ·x` and `dW_hh += daᵀ·h_prev` each one GEMM over B·T rows.
//!
//! Parameters are registered exactly as PyTorch's `nn.RNN`/`nn.LSTM`/`nn.GRU` name them
//! (`{name}.weight_ih_l{k}` (G·D, C_k), `{name}.weight_hh_l{k}` (G·D, D), `{name}.bias_ih_l{k}`
//! (G·D), `{name}.bias_hh_l{k}` (G·D)), in PyTorch's order, initialised uniform(±1/√D) as
//! PyTorch does, so a `state_dict` can be loaded tensor by tensor.

use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;

/// The run-time shape of a sequence batch: B sequences of T steps, batch first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeqDims {
    /// B: sequences in the batch.
    pub b: usize,
    /// T: time steps.
    pub t: usize,
}

impl SeqDims {
    /// B·T, the rows of a batch-first (B, T, ·) buffer.
    pub fn rows(&self) -> usize {
        self.b * self.t
    }
}

/// The tensors of one layer of a recurrent stack.
#[derive(Clone, Debug, PartialEq)]
pub struct RecurrentLayer {
    /// Input width of this layer: C for the first, D for the others.
    pub c_in: usize,
    /// (G·D, C_in)
    pub w_ih: ParamRange,
    /// (G·D, D)
    pub w_hh: ParamRange,
    /// (G·D), when the stack has biases.
    pub b_ih: Option<ParamRange>,
    /// (G·D), when the stack has biases.
    pub b_hh: Option<ParamRange>,
}

/// Registers the tensors of a `layers`-deep stack of `gates`-gate cells, PyTorch's names,
/// shapes, order and initialisation.
pub(crate) fn register_stack(
    layout: &mut ParamLayout,
    name: &str,
    c_in: usize,
    d: usize,
    layers: usize,
    gates: usize,
    bias: bool,
) -> Vec<RecurrentLayer> {
    let bound = if d == 0 { 0.0 } else { 1.0 / (d as f32).sqrt() };
    let init = Init::Uniform { bound };
    let gd = gates * d;
    (0..layers)
        .map(|l| {
            let c = if l == 0 { c_in } else { d };
            let w_ih = layout.add(&format!("{name}.weight_ih_l{l}"), &[gd, c], init);
            let w_hh = layout.add(&format!("{name}.weight_hh_l{l}"), &[gd, d], init);
            let (b_ih, b_hh) = if bias {
                (
                    Some(layout.add(&format!("{name}.bias_ih_l{l}"), &[gd], init)),
                    Some(layout.add(&format!("{name}.bias_hh_l{l}"), &[gd], init)),
                )
            } else {
                (None, None)
            };
            RecurrentLayer {
                c_in: c,
                w_ih,
                w_hh,
                b_ih,
                b_hh,
            }
        })
        .collect()
}

impl RecurrentLayer {
    /// a (rows, G·D) = x (rows, C_in)·W_ihᵀ + b_ih: the input projection of every step at once.
    pub(crate) fn project_inputs(
        &self,
        k: &Kernels,
        params: &[f32],
        (rows, gd): (usize, usize),
        x: &[f32],
        a: &mut [f32],
    ) {
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: self.c_in,
            ..GemmSpec::new(rows, gd, self.c_in)
        };
        let ep = Epilogue {
            bias: self.b_ih.map(|b| b.of(params)),
            ..Epilogue::NONE
        };
        (k.sgemm)(&spec, x, self.w_ih.of(params), a, ep);
    }

    /// c (B, G·D, row stride `ldc`) = beta·c + h (B, D, row stride `ldh`)·W_hhᵀ + b_hh, one
    /// step's recurrent term. `h` `None` stands for zeros (no initial state), leaving
    /// beta·c + b_hh.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn recurrent_term(
        &self,
        k: &Kernels,
        params: &[f32],
        (b, d, gd): (usize, usize, usize),
        h: Option<(&[f32], usize)>,
        c: &mut [f32],
        ldc: usize,
        beta: f32,
    ) {
        let (h, ldh, kk) = match h {
            Some((h, ldh)) => (h, ldh, d),
            None => (&[][..], 0, 0),
        };
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: d,
            lda: ldh.max(kk),
            ldc,
            beta,
            ..GemmSpec::new(b, gd, kk)
        };
        let ep = Epilogue {
            bias: self.b_hh.map(|b| b.of(params)),
            ..Epilogue::NONE
        };
        (k.sgemm)(&spec, h, self.w_hh.of(params), c, ep);
    }

    /// dh (B, D) = beta·dh + da (B, G·D, row stride `lda`)·W_hh: the gradient flowing to the
    /// previous step's hidden state.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn recurrent_grad(
        &self,
        k: &Kernels,
        params: &[f32],
        (b, d, gd): (usize, usize, usize),
        da: &[f32],
        lda: usize,
        dh: &mut [f32],
        beta: f32,
    ) {
        let spec = GemmSpec {
            lda,
            beta,
            ..GemmSpec::new(b, d, gd)
        };
        (k.sgemm)(&spec, da, self.w_hh.of(params), dh, Epilogue::NONE);
    }

    /// After the time loop: dW_ih += da_xᵀ·x, db_ih += Σ_rows da_x, dW_hh += da_hᵀ·h_prev,
    /// db_hh += Σ_rows da_h, and dx (B·T, C_in) = beta·dx + da_x·W_ih when asked.
    /// `da_x` and `da_h` are (B·T, G·D) (the same buffer for RNN and LSTM, where the recurrent
    /// and the input pre-activations coincide); `colsum` is G·D floats of scratch.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn weight_grads(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        (rows, d, gd): (usize, usize, usize),
        x: &[f32],
        h_prev: &[f32],
        da_x: &[f32],
        da_h: &[f32],
        colsum: &mut [f32],
        dx: Option<(&mut [f32], f32)>,
    ) {
        let (da_x, da_h) = (&da_x[..rows * gd], &da_h[..rows * gd]);
        // dW_ih (G·D, C_in) += da_xᵀ (G·D, B·T) · x (B·T, C_in)
        let spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: gd,
            beta: 1.0,
            ..GemmSpec::new(gd, self.c_in, rows)
        };
        (k.sgemm)(&spec, da_x, x, self.w_ih.of_mut(grads), Epilogue::NONE);
        // dW_hh (G·D, D) += da_hᵀ (G·D, B·T) · h_prev (B·T, D)
        let spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: gd,
            beta: 1.0,
            ..GemmSpec::new(gd, d, rows)
        };
        (k.sgemm)(&spec, da_h, h_prev, self.w_hh.of_mut(grads), Epilogue::NONE);
        // db = Σ_rows da; RNN and LSTM pass one buffer for both, summed once.
        let same = std::ptr::eq(da_x, da_h);
        let colsum = &mut colsum[..gd];
        for (i, (bias, da)) in [(self.b_ih, da_x), (self.b_hh, da_h)]
            .into_iter()
            .enumerate()
        {
            if let Some(bias) = bias {
                if i == 0 || !same || self.b_ih.is_none() {
                    colsum.fill(0.0);
                    (k.col_sum_acc)(da, gd, colsum);
                }
                (k.add_assign)(bias.of_mut(grads), colsum);
            }
        }
        if let Some((dx, beta)) = dx {
            // dx (B·T, C_in) = beta·dx + da_x (B·T, G·D) · W_ih (G·D, C_in)
            let spec = GemmSpec {
                beta,
                ..GemmSpec::new(rows, self.c_in, gd)
            };
            (k.sgemm)(&spec, da_x, self.w_ih.of(params), dx, Epilogue::NONE);
        }
    }
}

/// h_prev (B, T, D): row (b, t) is h (b, t−1), and h0 (b) (zeros without one) for t = 0 — the
/// right-hand factor of dW_hh as one contiguous matrix.
pub(crate) fn shift_states(
    dims: SeqDims,
    d: usize,
    h0: Option<&[f32]>,
    h: &[f32],
    out: &mut [f32],
) {
    let (bt, t) = (dims.t * d, dims.t);
    for b in 0..dims.b {
        let out = &mut out[b * bt..(b + 1) * bt];
        match h0 {
            Some(h0) => out[..d].copy_from_slice(&h0[b * d..(b + 1) * d]),
            None => out[..d].fill(0.0),
        }
        if t > 1 {
            out[d..].copy_from_slice(&h[b * bt..b * bt + (t - 1) * d]);
        }
    }
}

/// Splits `buf` into consecutive mutable pieces of the given lengths.
///
/// # Panics
/// If `buf` is shorter than their sum (a caller sized its cache or scratch wrongly).
pub(crate) fn carve<const N: usize>(mut buf: &mut [f32], lens: [usize; N]) -> [&mut [f32]; N] {
    lens.map(|len| {
        let (head, tail) = std::mem::take(&mut buf).split_at_mut(len);
        buf = tail;
        head
    })
}

/// Splits `buf` into consecutive read-only pieces of the given lengths.
///
/// # Panics
/// If `buf` is shorter than their sum.
pub(crate) fn carve_ref<const N: usize>(mut buf: &[f32], lens: [usize; N]) -> [&[f32]; N] {
    lens.map(|len| {
        let (head, tail) = buf.split_at(len);
        buf = tail;
        head
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_shapes_and_order_are_pytorchs() {
        let mut layout = ParamLayout::new();
        let layers = register_stack(&mut layout, "lstm", 3, 5, 2, 4, true);
        let names: Vec<_> = layout
            .specs()
            .iter()
            .map(|s| (s.name.as_str(), s.shape.clone()))
            .collect();
        assert_eq!(
            names,
            [
                ("lstm.weight_ih_l0", vec![20, 3]),
                ("lstm.weight_hh_l0", vec![20, 5]),
                ("lstm.bias_ih_l0", vec![20]),
                ("lstm.bias_hh_l0", vec![20]),
                ("lstm.weight_ih_l1", vec![20, 5]),
                ("lstm.weight_hh_l1", vec![20, 5]),
                ("lstm.bias_ih_l1", vec![20]),
                ("lstm.bias_hh_l1", vec![20]),
            ]
        );
        assert_eq!(layers[1].c_in, 5);
        assert!(layout.specs().iter().all(|s| s.init
            == Init::Uniform {
                bound: 1.0 / 5f32.sqrt()
            }));
    }

    #[test]
    fn shift_states_puts_h0_first_and_drops_the_last_step() {
        let dims = SeqDims { b: 2, t: 3 };
        let h: Vec<f32> = (0..12).map(|v| v as f32).collect(); // (2, 3, 2)
        let h0 = [-1.0, -2.0, -3.0, -4.0];
        let mut out = vec![9.0; 12];
        shift_states(dims, 2, Some(&h0), &h, &mut out);
        assert_eq!(
            out,
            [-1.0, -2.0, 0.0, 1.0, 2.0, 3.0, -3.0, -4.0, 6.0, 7.0, 8.0, 9.0]
        );
        shift_states(dims, 2, None, &h, &mut out);
        assert_eq!(&out[..2], &[0.0, 0.0]);
    }
}

/// Helpers shared by the recurrent layers' tests.
#[cfg(test)]
pub(crate) mod test_support {
    use super::SeqDims;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::{ParamLayout, ParamStore};
    use nd_kernels::table::Kernels;

    /// `n` values of `f(i)` computed in f64 and rounded to f32, as the PyTorch scripts in the
    /// definition tests do (`f32(fn(i))`), so both sides start from the same floats.
    pub fn pattern(n: usize, f: impl Fn(f64) -> f64) -> Vec<f32> {
        (0..n).map(|i| f(i as f64) as f32).collect()
    }

    /// Parameter tensor p (registration order), element j: 0.5·sin(0.7·j + 1.3·p + 0.1); the
    /// flat buffer's padding stays 0.
    pub fn pattern_params(layout: &ParamLayout) -> Vec<f32> {
        let mut values = vec![0.0f32; layout.len()];
        for (p, spec) in layout.specs().iter().enumerate() {
            let v = pattern(spec.range.len, |j| {
                0.5 * (0.7 * j + 1.3 * p as f64 + 0.1).sin()
            });
            spec.range.of_mut(&mut values).copy_from_slice(&v);
        }
        values
    }

    /// The parameter gradients in registration order without padding (PyTorch's
    /// `torch.cat([p.grad.flatten() for p in m.parameters()])`).
    pub fn packed(layout: &ParamLayout, flat: &[f32]) -> Vec<f32> {
        layout
            .specs()
            .iter()
            .flat_map(|s| s.range.of(flat).iter().copied())
            .collect()
    }

    /// Asserts `|got − want| ≤ rtol·(|want| + 1e-2)` elementwise.
    pub fn assert_close(what: &str, got: &[f32], want: &[f64], rtol: f64) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g as f64 - w).abs() <= rtol * (w.abs() + 1e-2),
                "{what}[{i}]: got {g}, PyTorch gives {w}"
            );
        }
    }

    /// The forward/backward signature RNN and GRU share (one state, h), so their tests can
    /// share the harness below.
    pub trait OneState {
        /// (C, D, L)
        fn shape(&self) -> (usize, usize, usize);
        fn cache_len(&self, dims: SeqDims) -> usize;
        fn scratch_len(&self, dims: SeqDims) -> usize;
        /// Whether the forward pass that filled `cache` stays clear of kinks (ReLU at 0), where
        /// finite differences do not measure the derivative.
        fn smooth_at(&self, _cache: &[f32]) -> bool {
            true
        }
        #[allow(clippy::too_many_arguments)]
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
        );
        #[allow(clippy::too_many_arguments)]
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
        );
    }

    /// Runs `check` on the GradCase whose input is [x | h0] (h0 only `with_state`) and whose
    /// output is [y | h_n].
    pub fn with_case<L: OneState>(
        name: &str,
        layer: &L,
        dims: SeqDims,
        params: Vec<f32>,
        input: Vec<f32>,
        with_state: bool,
        check: impl FnOnce(&GradCase<'_>),
    ) {
        let (c, d, layers) = layer.shape();
        let (x_len, y_len, s_len) = (dims.rows() * c, dims.rows() * d, layers * dims.b * d);
        let h0_of = |inp: &[f32]| -> Option<Vec<f32>> {
            with_state.then(|| inp[x_len..x_len + s_len].to_vec())
        };
        let fwd = |k: &Kernels, p: &[f32], inp: &[f32], out: &mut [f32]| {
            let h0 = h0_of(inp);
            let (y, h_n) = out.split_at_mut(y_len);
            let mut cache = vec![0.0; layer.cache_len(dims)];
            layer.fwd(
                k,
                p,
                dims,
                &inp[..x_len],
                h0.as_deref(),
                y,
                Some(h_n),
                &mut cache,
            );
        };
        let bwd =
            |k: &Kernels, p: &[f32], g: &mut [f32], inp: &[f32], dout: &[f32], din: &mut [f32]| {
                let h0 = h0_of(inp);
                let mut y = vec![0.0; y_len];
                let mut cache = vec![0.0; layer.cache_len(dims)];
                layer.fwd(
                    k,
                    p,
                    dims,
                    &inp[..x_len],
                    h0.as_deref(),
                    &mut y,
                    None,
                    &mut cache,
                );
                let (dy, dh_n) = dout.split_at(y_len);
                let (dx, dh0) = din.split_at_mut(x_len);
                let dh0 = with_state.then_some(dh0);
                let mut scratch = vec![0.0; layer.scratch_len(dims)];
                layer.bwd(
                    k,
                    p,
                    g,
                    dims,
                    &inp[..x_len],
                    h0.as_deref(),
                    &y,
                    &cache,
                    dy,
                    Some(dh_n),
                    Some(dx),
                    dh0,
                    &mut scratch,
                );
            };
        check(&GradCase {
            name,
            params,
            input,
            out_len: y_len + s_len,
            forward: &fwd,
            backward: &bwd,
        });
    }

    /// Gradient check and ISA agreement for random small shapes; `build` makes the layer
    /// (C, D, L, bias). Returns false, without checking, when the draw lands near a kink.
    pub fn check_random<L: OneState>(
        name: &str,
        (b, t, c, d, layers): (usize, usize, usize, usize, usize),
        bias: bool,
        with_state: bool,
        seed: u64,
        build: impl Fn(&mut ParamLayout, usize, usize, usize, bool) -> L,
    ) -> bool {
        let mut layout = ParamLayout::new();
        let layer = build(&mut layout, c, d, layers, bias);
        let store = ParamStore::new(layout, seed);
        let dims = SeqDims { b, t };
        let mut rng = crate::rng::Rng::seed_from(seed ^ 1);
        let n_in = dims.rows() * c + if with_state { layers * b * d } else { 0 };
        let input: Vec<f32> = (0..n_in).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let mut cache = vec![0.0; layer.cache_len(dims)];
        let mut y = vec![0.0; dims.rows() * d];
        let h0 = with_state.then(|| &input[dims.rows() * c..]);
        let k = nd_kernels::table::active();
        let x = &input[..dims.rows() * c];
        layer.fwd(k, &store.values, dims, x, h0, &mut y, None, &mut cache);
        if !layer.smooth_at(&cache) {
            return false;
        }
        with_case(
            name,
            &layer,
            dims,
            store.values.to_vec(),
            input,
            with_state,
            |case| {
                check_gradients(case, Tolerance::default(), seed).unwrap();
                check_isa_agreement(case, 1e-4, seed).unwrap();
            },
        );
        true
    }

    /// PyTorch's outputs and gradients for the definition test (see the callers' comments).
    pub struct Expected<'a> {
        pub y: &'a [f64],
        pub h_n: &'a [f64],
        pub dx: &'a [f64],
        pub dh0: &'a [f64],
        pub dparams: &'a [f64],
    }

    /// The definition test shared by RNN and GRU: C = 2, D = 3, L = 2, B = 2, T = 3 with the
    /// pattern parameters and inputs of the PyTorch script, on every ISA.
    pub fn check_against_pytorch<L: OneState>(layout: &ParamLayout, layer: &L, want: Expected<'_>) {
        let params = pattern_params(layout);
        let dims = SeqDims { b: 2, t: 3 };
        let x = pattern(12, |i| (0.9 * i + 0.2).cos());
        let h0 = pattern(12, |i| 0.3 * (1.1 * i + 0.5).sin());
        let cot = |n, k: f64| pattern(n, move |i| (1.3 * i + 0.4 + k).sin());
        for k in nd_kernels::table::all_supported() {
            let (mut y, mut h_n) = (vec![0.0; 18], vec![0.0; 12]);
            let mut cache = vec![0.0; layer.cache_len(dims)];
            layer.fwd(
                k,
                &params,
                dims,
                &x,
                Some(&h0),
                &mut y,
                Some(&mut h_n),
                &mut cache,
            );
            assert_close("y", &y, want.y, 1e-5);
            assert_close("h_n", &h_n, want.h_n, 1e-5);
            let mut grads = vec![0.0; layout.len()];
            let (mut dx, mut dh0) = (vec![0.0; 12], vec![0.0; 12]);
            let mut scratch = vec![0.0; layer.scratch_len(dims)];
            let (dy, dhn) = (cot(18, 0.0), cot(12, 1.0));
            layer.bwd(
                k,
                &params,
                &mut grads,
                dims,
                &x,
                Some(&h0),
                &y,
                &cache,
                &dy,
                Some(&dhn),
                Some(&mut dx),
                Some(&mut dh0),
                &mut scratch,
            );
            assert_close("dx", &dx, want.dx, 1e-4);
            assert_close("dh0", &dh0, want.dh0, 1e-4);
            assert_close("dparams", &packed(layout, &grads), want.dparams, 1e-4);
        }
    }
}
