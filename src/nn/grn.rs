//! `Grn`: TFT's gated residual network, exactly as NeuralForecast's `tft.py` defines `GRN`.
//!
//! With a (B, T, D_in) input `a` (R = B·T rows; T = 1 for static inputs) and an optional
//! context c (B, D_ctx), shared by the T rows of each batch item (`lin_c(c).unsqueeze(1)`):
//!   x₁ = a·W_aᵀ + b_a [+ c·W_cᵀ]           (R, D_h)     `lin_a`, `lin_c` (no bias)
//!   h₁ = act(x₁)                            (R, D_h)     ELU by default
//!   h₂ = dropout(h₁·W_iᵀ + b_i)             (R, D_h)     `lin_i`, `dropout`
//!   skip = a·W_pᵀ + b_p  if output_size is given, else a   (`out_proj`)
//!   y = LayerNorm(GLU(h₂) + skip), eps 1e-3 (R, D_out)   `glu`, `layer_norm`
//! The last line is a [`GateAddNorm`]. As in `MaybeLayerNorm`, the norm is the identity when
//! `output_size == Some(1)`, and normalises over D_out = output_size or D_h otherwise.
//! NeuralForecast builds `out_proj` whenever `output_size` is given, even when it equals
//! `input_size`; so does this. Without `output_size` the residual is `a` itself, which needs
//! `input_size == hidden_size`.
//!
//! Dropout is inverted dropout (kept values scaled by 1/(1 − p)), drawn only when `forward`
//! receives an [`Rng`]: element i of the (R, D_h) mask is kept when the i-th `next_f32()` of
//! that generator is ≥ p. Without an `Rng` (evaluation) it is the identity.
//!
//! Parameter names (registration order as PyTorch's): `{name}.layer_norm.ln.weight`/`.bias`,
//! `{name}.lin_a.weight`/`.bias`, `{name}.lin_c.weight`, `{name}.lin_i.weight`/`.bias`,
//! `{name}.glu.lin.weight`/`.bias`, `{name}.out_proj.weight`/`.bias`.

use super::gated_skip::{GateAddNorm, NormParams, TFT_LAYER_NORM_EPS};
use super::linear::Linear;
use super::params::{Init, ParamLayout};
use crate::error::{Error, Result};
use crate::rng::Rng;
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// The gated residual network of TFT.
#[derive(Clone, Debug, PartialEq)]
pub struct Grn {
    /// Input width D_in.
    pub d_in: usize,
    /// Hidden width D_h.
    pub d_hidden: usize,
    /// Output width D_out (output_size, or D_h).
    pub d_out: usize,
    /// `lin_a`: D_in → D_h.
    pub lin_a: Linear,
    /// `lin_c`: D_ctx → D_h without bias, when the GRN takes a context.
    pub lin_c: Option<Linear>,
    /// `lin_i`: D_h → D_h.
    pub lin_i: Linear,
    /// `glu` + `layer_norm`.
    pub gate: GateAddNorm,
    /// `out_proj`: D_in → D_out, when output_size is given.
    pub out_proj: Option<Linear>,
    /// The activation after `lin_a`.
    pub activation: Activation,
    /// Dropout probability after `lin_i`.
    pub dropout: f32,
}

impl Grn {
    /// Registers the GRN's tensors under `name` (see the module docs), PyTorch-initialised.
    /// Arguments as NeuralForecast's `GRN(input_size, hidden_size, output_size,
    /// context_hidden_size, dropout, activation)`.
    ///
    /// Errors when a size is 0, when `dropout` is outside [0, 1), or when `output_size` is
    /// `None` and `input_size != hidden_size` (the residual could not be added).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        input_size: usize,
        hidden_size: usize,
        output_size: Option<usize>,
        context_size: Option<usize>,
        dropout: f32,
        activation: Activation,
    ) -> Result<Grn> {
        for (param, v) in [
            ("input_size", Some(input_size)),
            ("hidden_size", Some(hidden_size)),
            ("output_size", output_size),
            ("context_hidden_size", context_size),
        ] {
            if v == Some(0) {
                return Err(Error::config(param, "must be at least 1"));
            }
        }
        if !(0.0..1.0).contains(&dropout) {
            return Err(Error::config(
                "dropout",
                format!("must be in [0, 1), got {dropout}"),
            ));
        }
        if output_size.is_none() && input_size != hidden_size {
            return Err(Error::config(
                "input_size",
                format!(
                    "a GRN without output_size adds its input to its output, so input_size \
                     ({input_size}) must equal hidden_size ({hidden_size})"
                ),
            ));
        }
        let d_out = output_size.unwrap_or(hidden_size);
        // PyTorch order: layer_norm, lin_a, lin_c, lin_i, glu, out_proj.
        let norm = (output_size != Some(1)).then(|| NormParams {
            weight: layout.add(
                &format!("{name}.layer_norm.ln.weight"),
                &[d_out],
                Init::Constant(1.0),
            ),
            bias: layout.add(&format!("{name}.layer_norm.ln.bias"), &[d_out], Init::Zeros),
            eps: TFT_LAYER_NORM_EPS,
        });
        let id = Activation::Identity;
        let lin_a = Linear::new(
            layout,
            &format!("{name}.lin_a"),
            input_size,
            hidden_size,
            true,
            id,
        );
        let lin_c = context_size
            .map(|c| Linear::new(layout, &format!("{name}.lin_c"), c, hidden_size, false, id));
        let lin_i = Linear::new(
            layout,
            &format!("{name}.lin_i"),
            hidden_size,
            hidden_size,
            true,
            id,
        );
        let mut gate = GateAddNorm::new(layout, &format!("{name}.glu"), None, hidden_size, d_out);
        gate.norm = norm;
        let out_proj = output_size
            .map(|o| Linear::new(layout, &format!("{name}.out_proj"), input_size, o, true, id));
        Ok(Grn {
            d_in: input_size,
            d_hidden: hidden_size,
            d_out,
            lin_a,
            lin_c,
            lin_i,
            gate,
            out_proj,
            activation,
            dropout,
        })
    }

    fn has_mask(&self) -> bool {
        self.dropout > 0.0
    }

    /// Floats of cache `forward` fills for R rows and B batch items:
    /// x₁, h₁, h₂ (R, D_h) each, the dropout multipliers (R, D_h) when dropout > 0,
    /// the context projection (B, D_h) with a context, skip (R, D_out) with `out_proj`,
    /// and the gate's cache.
    pub fn cache_len(&self, rows: usize, batch: usize) -> usize {
        let dh = self.d_hidden;
        rows * dh * (3 + usize::from(self.has_mask()))
            + if self.lin_c.is_some() { batch * dh } else { 0 }
            + if self.out_proj.is_some() {
                rows * self.d_out
            } else {
                0
            }
            + self.gate.cache_len(rows)
    }

    /// Floats of scratch `backward` needs: dh₂, dh₁, dx₁ (R, D_h) each, d_skip (R, D_out)
    /// with `out_proj`, d_ctx (B, D_h) with a context, and the gate's scratch.
    pub fn scratch_len(&self, rows: usize, batch: usize) -> usize {
        let dh = self.d_hidden;
        rows * dh * 3
            + if self.out_proj.is_some() {
                rows * self.d_out
            } else {
                0
            }
            + if self.lin_c.is_some() { batch * dh } else { 0 }
            + self.gate.scratch_len(rows)
    }

    /// y (R, D_out) from a (R, D_in) and, when the GRN has `lin_c`, the context (B, D_ctx),
    /// whose row b is shared by rows b·T..(b+1)·T of `a` (T = R / B). `rng` draws the dropout
    /// mask (training); `None` turns dropout off (evaluation). `cache` holds
    /// `cache_len(R, B)` floats (B = 1 without a context).
    ///
    /// # Panics
    /// If a context is passed to a GRN without `lin_c` or the other way round, or B does not
    /// divide R.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        a: &[f32],
        context: Option<&[f32]>,
        rng: Option<&mut Rng>,
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        let dh = self.d_hidden;
        let rows = a.len() / self.d_in;
        assert_eq!(a.len(), rows * self.d_in, "a must be (R, D_in)");
        let (x1, rest) = cache.split_at_mut(rows * dh); // (R, D_h)
        let (h1, rest) = rest.split_at_mut(rows * dh); // (R, D_h)
        let (h2, rest) = rest.split_at_mut(rows * dh); // (R, D_h)
        let (mask, rest) = rest.split_at_mut(if self.has_mask() { rows * dh } else { 0 });

        self.lin_a.forward_inference(k, params, a, x1);
        let rest = match (&self.lin_c, context) {
            (Some(lin_c), Some(c)) => {
                let batch = c.len() / lin_c.d_in;
                assert!(batch > 0 && rows.is_multiple_of(batch), "B must divide R");
                let (xc, rest) = rest.split_at_mut(batch * dh); // (B, D_h)
                lin_c.forward_inference(k, params, c, xc);
                let per_item = rows / batch * dh;
                for (x1_b, xc_b) in x1.chunks_exact_mut(per_item).zip(xc.chunks_exact(dh)) {
                    for row in x1_b.chunks_exact_mut(dh) {
                        (k.add_assign)(row, xc_b);
                    }
                }
                rest
            }
            (None, None) => rest,
            _ => panic!("a GRN takes a context exactly when it was built with context_size"),
        };
        (k.act_forward)(self.activation, x1, h1);
        self.lin_i.forward_inference(k, params, h1, h2);
        if self.has_mask() {
            fill_dropout_mask(self.dropout, rng, mask);
            (k.mul_assign)(h2, mask);
        }
        let (skip, rest) = match &self.out_proj {
            Some(proj) => {
                let (skip, rest) = rest.split_at_mut(rows * self.d_out); // (R, D_out)
                proj.forward_inference(k, params, a, skip);
                (&*skip, rest)
            }
            None => (a, rest),
        };
        self.gate.forward(k, params, h2, skip, y, rest);
    }

    /// Accumulates every parameter gradient and, when given, da (R, D_in) and d_context
    /// (B, D_ctx) from dy (R, D_out). `a`, `context` and `cache` are those of `forward`;
    /// `scratch` holds `scratch_len(R, B)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        a: &[f32],
        context: Option<&[f32]>,
        cache: &[f32],
        dy: &[f32],
        mut da: Option<&mut [f32]>,
        d_context: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let dh = self.d_hidden;
        let rows = a.len() / self.d_in;
        let (x1, rest) = cache.split_at(rows * dh);
        let (h1, rest) = rest.split_at(rows * dh);
        let (h2, rest) = rest.split_at(rows * dh);
        let (mask, rest) = rest.split_at(if self.has_mask() { rows * dh } else { 0 });
        let batch = match (&self.lin_c, context) {
            (Some(lin_c), Some(c)) => c.len() / lin_c.d_in,
            _ => 0,
        };
        let rest = &rest[batch * dh..]; // the context projection is not needed
        let rest = &rest[if self.out_proj.is_some() {
            rows * self.d_out
        } else {
            0
        }..];
        let gate_cache = rest;

        let (dh2, s) = scratch.split_at_mut(rows * dh); // (R, D_h)
        let (dh1, s) = s.split_at_mut(rows * dh); // (R, D_h)
        let (dx1, s) = s.split_at_mut(rows * dh); // (R, D_h)
        let (dskip, s) = s.split_at_mut(if self.out_proj.is_some() {
            rows * self.d_out
        } else {
            0
        }); // (R, D_out)
        let (dxc, s) = s.split_at_mut(batch * dh); // (B, D_h)

        // The gate: dh₂ and d_skip (straight into da when the skip is a itself).
        dh2.fill(0.0);
        let d_residual = if self.out_proj.is_some() {
            dskip.fill(0.0);
            Some(&mut *dskip)
        } else {
            da.as_deref_mut()
        };
        self.gate.backward(
            k,
            params,
            grads,
            h2,
            gate_cache,
            dy,
            Some(dh2),
            d_residual,
            s,
        );
        if let Some(proj) = &self.out_proj {
            proj.backward(
                k,
                params,
                grads,
                a,
                &[],
                &[],
                dskip,
                da.as_deref_mut(),
                &mut [],
            );
        }
        // Dropout: the same multipliers as forward.
        if self.has_mask() {
            (k.mul_assign)(dh2, mask);
        }
        // Dropout's input was lin_i's output; lin_i's backward reads only its input h₁.
        dh1.fill(0.0);
        self.lin_i
            .backward(k, params, grads, h1, &[], &[], dh2, Some(dh1), &mut []);
        dx1.fill(0.0);
        (k.act_backward)(self.activation, x1, h1, dh1, dx1);
        if let (Some(lin_c), Some(c)) = (&self.lin_c, context) {
            // d(c·W_cᵀ) of item b is the sum of dx₁ over its T rows.
            let per_item = rows / batch * dh;
            for (dxc_b, dx1_b) in dxc.chunks_exact_mut(dh).zip(dx1.chunks_exact(per_item)) {
                dxc_b.fill(0.0);
                for row in dx1_b.chunks_exact(dh) {
                    (k.add_assign)(dxc_b, row);
                }
            }
            lin_c.backward(k, params, grads, c, &[], &[], dxc, d_context, &mut []);
        }
        self.lin_a
            .backward(k, params, grads, a, &[], &[], dx1, da, &mut []);
    }
}

/// Inverted-dropout multipliers: 0 with probability p, else 1/(1 − p); all 1 without an `Rng`.
fn fill_dropout_mask(p: f32, rng: Option<&mut Rng>, mask: &mut [f32]) {
    match rng {
        Some(rng) => {
            let keep = 1.0 / (1.0 - p);
            for m in mask.iter_mut() {
                *m = if rng.next_f32() >= p { keep } else { 0.0 };
            }
        }
        None => mask.fill(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// Smooth activations only: finite differences across a kink (ReLU, SELU at 0) are wrong.
    const SMOOTH: [Activation; 5] = [
        Activation::ELU,
        Activation::Tanh,
        Activation::Gelu,
        Activation::Sigmoid,
        Activation::SOFTPLUS,
    ];

    /// The case's input is a (B·T, D_in) followed by the context (B, D_ctx) if any. Dropout
    /// (when the GRN has some) draws the same mask on every call, from a fixed seed.
    fn case_for(grn: &Grn, params: Vec<f32>, input: Vec<f32>, batch: usize, t: usize) {
        let rows = batch * t;
        let na = rows * grn.d_in;
        let ctx_batch = if grn.lin_c.is_some() { batch } else { 1 };
        let split = |input: &[f32]| -> (Vec<f32>, Option<Vec<f32>>) {
            let (a, c) = input.split_at(na);
            (a.to_vec(), grn.lin_c.as_ref().map(|_| c.to_vec()))
        };
        let fwd = |k: &Kernels, p: &[f32], input: &[f32], y: &mut [f32]| {
            let (a, c) = split(input);
            let mut cache = vec![0.0; grn.cache_len(rows, ctx_batch)];
            let mut rng = Rng::seed_from(99);
            grn.forward(k, p, &a, c.as_deref(), Some(&mut rng), y, &mut cache);
        };
        let bwd =
            |k: &Kernels, p: &[f32], g: &mut [f32], input: &[f32], dy: &[f32], d: &mut [f32]| {
                let (a, c) = split(input);
                let mut cache = vec![0.0; grn.cache_len(rows, ctx_batch)];
                let mut y = vec![0.0; rows * grn.d_out];
                let mut rng = Rng::seed_from(99);
                grn.forward(k, p, &a, c.as_deref(), Some(&mut rng), &mut y, &mut cache);
                let mut scratch = vec![f32::NAN; grn.scratch_len(rows, ctx_batch)];
                let (da, dc) = d.split_at_mut(na);
                let dc = grn.lin_c.as_ref().map(|_| dc);
                grn.backward(
                    k,
                    p,
                    g,
                    &a,
                    c.as_deref(),
                    &cache,
                    dy,
                    Some(da),
                    dc,
                    &mut scratch,
                );
            };
        let case = GradCase {
            name: "GRN",
            params,
            input,
            out_len: rows * grn.d_out,
            forward: &fwd,
            backward: &bwd,
        };
        // h = 1e-3: LayerNorm over a few values with a small variance is strongly curved; the
        // quotient's truncation error reached 4% at h = 1e-2 and 3.5% at h = 3e-3 on such draws
        // (both saved in proptest-regressions/nn/grn.txt), and vanishes as h shrinks.
        // No single step suits every draw in f32 (a smaller h trades truncation for rounding
        // error), so a gradient passes when it agrees at one of three steps: a wrong gradient
        // disagrees at all of them.
        let at = |h: f32| {
            let tol = Tolerance {
                h,
                ..Tolerance::default()
            };
            check_gradients(&case, tol, 5)
        };
        at(1e-3)
            .or_else(|_| at(3e-4))
            .or_else(|_| at(3e-3))
            .unwrap();
        check_isa_agreement(&case, 1e-4, 5).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            batch in 1usize..3, t in 1usize..3, d_in in 1usize..4, hidden in 1usize..4,
            out in prop::option::of(1usize..4), ctx in prop::option::of(1usize..3),
            act in 0usize..SMOOTH.len(), dropout: bool, seed: u64,
        ) {
            // Without output_size the residual needs input_size == hidden_size.
            let d_in = if out.is_none() { hidden } else { d_in };
            // LayerNorm over 2 values outputs ±γ + β whatever the input (see gated_skip).
            prop_assume!(out.unwrap_or(hidden) != 2);
            let mut layout = ParamLayout::new();
            let p = if dropout { 0.3 } else { 0.0 };
            let grn = Grn::new(&mut layout, "grn", d_in, hidden, out, ctx, p, SMOOTH[act]).unwrap();
            let store = ParamStore::new(layout, seed);
            let mut rng = Rng::seed_from(seed ^ 4);
            let n = batch * t * d_in + ctx.map_or(0, |c| batch * c);
            let input: Vec<f32> = (0..n).map(|_| rng.uniform(-2.0, 2.0)).collect();
            case_for(&grn, store.values.to_vec(), input, batch, t);
        }
    }

    #[test]
    fn names_and_shapes_are_pytorchs() {
        let mut layout = ParamLayout::new();
        Grn::new(
            &mut layout,
            "g",
            6,
            4,
            Some(3),
            Some(5),
            0.1,
            Activation::ELU,
        )
        .unwrap();
        let got: Vec<(&str, &[usize])> = layout
            .specs()
            .iter()
            .map(|s| (s.name.as_str(), s.shape.as_slice()))
            .collect();
        let want: [(&str, &[usize]); 11] = [
            ("g.layer_norm.ln.weight", &[3]),
            ("g.layer_norm.ln.bias", &[3]),
            ("g.lin_a.weight", &[4, 6]),
            ("g.lin_a.bias", &[4]),
            ("g.lin_c.weight", &[4, 5]),
            ("g.lin_i.weight", &[4, 4]),
            ("g.lin_i.bias", &[4]),
            ("g.glu.lin.weight", &[6, 4]),
            ("g.glu.lin.bias", &[6]),
            ("g.out_proj.weight", &[3, 6]),
            ("g.out_proj.bias", &[3]),
        ];
        assert_eq!(got, want);
        // output_size 1: MaybeLayerNorm is the identity, so no norm parameters.
        let mut layout = ParamLayout::new();
        Grn::new(&mut layout, "g", 6, 4, Some(1), None, 0.0, Activation::ELU).unwrap();
        assert!(layout.find("g.layer_norm.ln.weight").is_none());
    }

    #[test]
    fn bad_configurations_are_errors() {
        let mut l = ParamLayout::new();
        let e = Grn::new(&mut l, "a", 3, 4, None, None, 0.0, Activation::ELU).unwrap_err();
        assert!(e.to_string().contains("input_size"), "{e}");
        let e = Grn::new(&mut l, "b", 4, 4, None, None, 1.0, Activation::ELU).unwrap_err();
        assert!(e.to_string().contains("dropout"), "{e}");
        assert!(Grn::new(&mut l, "c", 4, 0, Some(2), None, 0.0, Activation::ELU).is_err());
    }

    #[test]
    fn dropout_is_off_without_rng_and_scales_kept_values_with_one() {
        let mut layout = ParamLayout::new();
        let grn = Grn::new(&mut layout, "g", 4, 4, None, None, 0.5, Activation::ELU).unwrap();
        let mut off = ParamLayout::new();
        let plain = Grn::new(&mut off, "g", 4, 4, None, None, 0.0, Activation::ELU).unwrap();
        let store = ParamStore::new(layout, 2);
        let k = nd_kernels::table::active();
        let a: Vec<f32> = (0..3 * 4).map(|i| (i as f32 * 0.7).sin()).collect();
        let (mut y1, mut y2) = (vec![0.0; 12], vec![0.0; 12]);
        let mut c1 = vec![0.0; grn.cache_len(3, 1)];
        let mut c2 = vec![0.0; plain.cache_len(3, 1)];
        grn.forward(k, &store.values, &a, None, None, &mut y1, &mut c1);
        plain.forward(k, &store.values, &a, None, None, &mut y2, &mut c2);
        assert_eq!(y1, y2);
        let mut rng = Rng::seed_from(1);
        grn.forward(k, &store.values, &a, None, Some(&mut rng), &mut y1, &mut c1);
        let mask = &c1[3 * 12..4 * 12];
        assert!(mask.iter().all(|&m| m == 0.0 || m == 2.0));
        assert!(mask.contains(&0.0) && mask.contains(&2.0));
    }
}

/// Against NeuralForecast's `GRN` (ELU, eval mode), B = 2, T = 3; numbers from
/// `/tmp/n3/ref.py grn` as described in [`crate::nn::attention::torch_formula`]: first
/// `GRN(3, 4, output_size=2, context_hidden_size=2)` with context `inp(i, 5)` (B, 2), then
/// `GRN(4, 4)`.
#[cfg(test)]
// The references are printed from f64 with 10 digits and rounded to f32 here on purpose.
#[allow(clippy::excessive_precision)]
mod torch_reference_tests {
    use super::*;
    use crate::nn::attention::torch_formula::{assert_close, assert_grad_sums, cot, inp, params};

    // GRN(3, 4, output_size=2, context_hidden_size=2)
    const CTX_Y: [f32; 12] = [
        4.460682134e-01,
        1.415196216e-01,
        4.471809332e-01,
        1.410842095e-01,
        4.485822028e-01,
        1.405358866e-01,
        4.484292180e-01,
        1.405957502e-01,
        4.489468510e-01,
        1.403931982e-01,
        4.459504810e-01,
        1.415656908e-01,
    ];
    const CTX_DA: [f32; 18] = [
        -9.142192295e-05,
        1.020333065e-03,
        1.010738042e-03,
        -2.654393213e-06,
        4.964321671e-05,
        5.001802583e-05,
        -9.738294268e-05,
        4.201088210e-04,
        3.821664940e-04,
        1.693764415e-04,
        -6.228240499e-04,
        -5.845548126e-04,
        -7.668509522e-05,
        2.885057373e-04,
        2.707447274e-04,
        1.275622956e-04,
        -1.365640517e-03,
        -1.427406968e-03,
    ];
    const CTX_DC: [f32; 4] = [
        -4.584041280e-04,
        -3.979158881e-04,
        5.851772728e-04,
        4.593310989e-04,
    ];
    const CTX_GRADS: [(&str, f32); 11] = [
        ("layer_norm.ln.weight", 2.190145711e-01),
        ("layer_norm.ln.bias", 2.213438735e-02),
        ("lin_a.weight", -9.013701753e-05),
        ("lin_a.bias", -2.054607951e-04),
        ("lin_c.weight", 9.494131077e-04),
        ("lin_i.weight", -7.890903105e-05),
        ("lin_i.bias", -8.662484187e-04),
        ("glu.lin.weight", 1.262500069e-04),
        ("glu.lin.bias", -1.049040746e-03),
        ("out_proj.weight", -4.676999435e-04),
        ("out_proj.bias", -1.706328574e-03),
    ];
    // GRN(4, 4)
    const PLAIN_Y: [f32; 24] = [
        3.294096250e-01,
        2.923172441e-01,
        -1.203264080e-01,
        -3.294749036e-01,
        3.163704617e-01,
        2.895921138e-01,
        -1.212242067e-01,
        -3.425878041e-01,
        -7.217787100e-02,
        9.878364425e-02,
        -3.924881631e-01,
        -3.557735975e-02,
        -3.133214246e-01,
        5.382550059e-01,
        -2.788569311e-01,
        2.611912892e-01,
        -3.222711643e-01,
        5.382103852e-01,
        -2.787333906e-01,
        2.532343727e-01,
        5.237089002e-01,
        4.023068196e-01,
        -2.192840604e-01,
        4.392724874e-01,
    ];
    const PLAIN_DA: [f32; 24] = [
        8.248490703e-02,
        -1.160466702e-01,
        3.345253645e-02,
        5.429819965e-04,
        2.833250754e-01,
        3.300226142e-02,
        -2.711374705e-02,
        -2.595344818e-01,
        2.580992636e-01,
        3.241164088e-02,
        7.436143474e-02,
        -3.333742582e-01,
        1.013527818e-01,
        -1.686785081e-02,
        6.593897478e-02,
        -1.389839437e-01,
        7.171468209e-02,
        1.308125498e-02,
        -1.074130385e-02,
        -6.834469601e-02,
        1.634468677e-02,
        -2.258523238e-02,
        5.750571417e-03,
        6.059076309e-04,
    ];
    const PLAIN_GRADS: [(&str, f32); 8] = [
        ("layer_norm.ln.weight", 5.712854198e-02),
        ("layer_norm.ln.bias", -8.426877470e-01),
        ("lin_a.weight", 2.120356856e-02),
        ("lin_a.bias", -8.398966507e-02),
        ("lin_i.weight", 2.312153210e-02),
        ("lin_i.bias", -5.139111593e-02),
        ("glu.lin.weight", 1.299124396e-01),
        ("glu.lin.bias", 4.143994693e-02),
    ];

    #[test]
    fn grn_with_context_and_output_size_matches_neuralforecast() {
        let (b, t) = (2, 3);
        let mut layout = ParamLayout::new();
        let grn = Grn::new(
            &mut layout,
            "grn",
            3,
            4,
            Some(2),
            Some(2),
            0.0,
            Activation::ELU,
        )
        .unwrap();
        let p = params(&layout);
        for k in nd_kernels::table::all_supported() {
            let (a, c) = (inp(b * t * 3, 0), inp(b * 2, 5));
            let mut y = vec![0.0; b * t * 2];
            let mut cache = vec![0.0; grn.cache_len(b * t, b)];
            grn.forward(k, &p, &a, Some(&c), None, &mut y, &mut cache);
            assert_close("y", &y, &CTX_Y, 1e-6);
            let (mut g, mut da, mut dc) =
                (vec![0.0; p.len()], vec![0.0; a.len()], vec![0.0; c.len()]);
            let mut scratch = vec![0.0; grn.scratch_len(b * t, b)];
            let dy = cot(y.len());
            grn.backward(
                k,
                &p,
                &mut g,
                &a,
                Some(&c),
                &cache,
                &dy,
                Some(&mut da),
                Some(&mut dc),
                &mut scratch,
            );
            assert_close("da", &da, &CTX_DA, 1e-6);
            assert_close("dc", &dc, &CTX_DC, 1e-6);
            assert_grad_sums(&layout, "grn", &g, &CTX_GRADS);
        }
    }

    #[test]
    fn plain_grn_matches_neuralforecast() {
        let rows = 6;
        let mut layout = ParamLayout::new();
        let grn = Grn::new(&mut layout, "grn", 4, 4, None, None, 0.0, Activation::ELU).unwrap();
        let p = params(&layout);
        for k in nd_kernels::table::all_supported() {
            let a = inp(rows * 4, 0);
            let mut y = vec![0.0; rows * 4];
            let mut cache = vec![0.0; grn.cache_len(rows, 1)];
            grn.forward(k, &p, &a, None, None, &mut y, &mut cache);
            assert_close("y", &y, &PLAIN_Y, 1e-6);
            let (mut g, mut da) = (vec![0.0; p.len()], vec![0.0; a.len()]);
            let mut scratch = vec![0.0; grn.scratch_len(rows, 1)];
            let dy = cot(y.len());
            grn.backward(
                k,
                &p,
                &mut g,
                &a,
                None,
                &cache,
                &dy,
                Some(&mut da),
                None,
                &mut scratch,
            );
            assert_close("da", &da, &PLAIN_DA, 1e-6);
            assert_grad_sums(&layout, "grn", &g, &PLAIN_GRADS);
        }
    }
}
