//! `GateAddNorm`: TFT's gated skip connection, y = LayerNorm(GLU(x) + residual).
//!
//! In NeuralForecast's `tft.py` this is written inline three times (`input_gate` +
//! `input_gate_ln`, `attention_gate` + `attention_ln`, `decoder_gate` + `decoder_ln`) and once
//! inside the GRN (`glu` + `layer_norm`):
//!   g = x·Wᵀ + b                        (R, 2·D_out)   `GLU.lin = nn.Linear(D_in, 2·D_out)`
//!   u = g[:, :D_out] ⊙ σ(g[:, D_out:])  (R, D_out)     `F.glu`, first half gated by the second
//!   z = u + residual                    (R, D_out)
//!   y = LayerNorm(z), eps 1e-3          (R, D_out)     or y = z where the norm is `nn.Identity`
//!                                                      (the GRN's `MaybeLayerNorm` with output 1)
//!
//! Backward, with dz from the norm's backward:
//!   d_residual += dz,  dg₁ = dz ⊙ σ(g₂),  dg₂ = dz ⊙ g₁ ⊙ σ(g₂)(1 − σ(g₂)),
//!   then the `Linear` backward from dg.

use super::linear::Linear;
use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::table::{Kernels, LayerNormBackward};
use nd_kernels::Activation;

/// The LayerNorm epsilon TFT uses everywhere.
pub const TFT_LAYER_NORM_EPS: f32 = 1e-3;

/// LayerNorm's affine parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NormParams {
    /// γ (D_out), starts at 1.
    pub weight: ParamRange,
    /// β (D_out), starts at 0.
    pub bias: ParamRange,
    /// Added to the variance.
    pub eps: f32,
}

/// GLU, add the residual, LayerNorm.
#[derive(Clone, Debug, PartialEq)]
pub struct GateAddNorm {
    /// Input width.
    pub d_in: usize,
    /// Output (and residual) width.
    pub d_out: usize,
    /// The GLU's linear map, D_in → 2·D_out.
    pub lin: Linear,
    /// The LayerNorm over D_out, or `None` for the identity.
    pub norm: Option<NormParams>,
}

impl GateAddNorm {
    /// Registers `{gate_name}.lin.weight` (2·D_out, D_in), `{gate_name}.lin.bias` and, when
    /// `norm_name` is given, `{norm_name}.weight` and `{norm_name}.bias` (D_out), so that TFT's
    /// `attention_gate` + `attention_ln` map to `("…attention_gate", Some("…attention_ln"))`.
    /// The norm's eps is [`TFT_LAYER_NORM_EPS`].
    pub fn new(
        layout: &mut ParamLayout,
        gate_name: &str,
        norm_name: Option<&str>,
        d_in: usize,
        d_out: usize,
    ) -> GateAddNorm {
        let lin = Linear::new(
            layout,
            &format!("{gate_name}.lin"),
            d_in,
            2 * d_out,
            true,
            Activation::Identity,
        );
        let norm = norm_name.map(|n| NormParams {
            weight: layout.add(&format!("{n}.weight"), &[d_out], Init::Constant(1.0)),
            bias: layout.add(&format!("{n}.bias"), &[d_out], Init::Zeros),
            eps: TFT_LAYER_NORM_EPS,
        });
        GateAddNorm {
            d_in,
            d_out,
            lin,
            norm,
        }
    }

    /// Floats of cache `forward` fills for R rows: g (R, 2·D_out) and, with the norm,
    /// z (R, D_out), mean (R) and rstd (R).
    pub fn cache_len(&self, rows: usize) -> usize {
        rows * 2 * self.d_out
            + if self.norm.is_some() {
                rows * (self.d_out + 2)
            } else {
                0
            }
    }

    /// Floats of scratch `backward` needs for R rows: dz (R, D_out), dg (R, 2·D_out) and one
    /// row of D_out.
    pub fn scratch_len(&self, rows: usize) -> usize {
        rows * 3 * self.d_out + self.d_out
    }

    /// y (R, D_out) from x (R, D_in) and residual (R, D_out); `cache` of `cache_len(R)`.
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &[f32],
        residual: &[f32],
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        let (dout, rows) = (self.d_out, x.len() / self.d_in.max(1));
        assert_eq!(residual.len(), rows * dout, "residual must be (R, D_out)");
        let (g, rest) = cache.split_at_mut(rows * 2 * dout); // (R, 2·D_out)
        self.lin.forward_inference(k, params, x, g);
        let Some(norm) = self.norm else {
            glu_add(k, dout, g, residual, &mut y[..rows * dout]);
            return;
        };
        let (z, rest) = rest.split_at_mut(rows * dout); // (R, D_out)
        let (mean, rest) = rest.split_at_mut(rows);
        glu_add(k, dout, g, residual, z);
        (k.layernorm_rows)(
            z,
            norm.weight.of(params),
            norm.bias.of(params),
            norm.eps,
            y,
            mean,
            &mut rest[..rows],
        );
    }

    /// Accumulates the parameter gradients and, when given, dx (R, D_in) and
    /// d_residual (R, D_out) from dy (R, D_out). `scratch` holds `scratch_len(R)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &[f32],
        cache: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        d_residual: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let (dout, rows) = (self.d_out, x.len() / self.d_in.max(1));
        let (g, rest) = cache.split_at(rows * 2 * dout);
        let (dz_buf, rest_s) = scratch.split_at_mut(rows * dout); // (R, D_out)
        let (dg, rest_s) = rest_s.split_at_mut(rows * 2 * dout); // (R, 2·D_out)
        let tmp = &mut rest_s[..dout]; // (D_out)
        let dz: &[f32] = match self.norm {
            Some(norm) => {
                let (z, rest) = rest.split_at(rows * dout);
                let (mean, rest) = rest.split_at(rows);
                dz_buf.fill(0.0);
                let (dgamma, dbeta) = two_ranges_mut(grads, norm.weight, norm.bias);
                (k.layernorm_rows_backward)(
                    &LayerNormBackward {
                        x: z,
                        gamma: norm.weight.of(params),
                        mean,
                        rstd: &rest[..rows],
                        dy,
                    },
                    dz_buf,
                    dgamma,
                    dbeta,
                );
                dz_buf
            }
            None => &dy[..rows * dout],
        };
        if let Some(dr) = d_residual {
            (k.add_assign)(&mut dr[..rows * dout], dz);
        }
        glu_backward(k, dout, g, dz, dg, tmp);
        self.lin
            .backward(k, params, grads, x, &[], &[], dg, dx, &mut []);
    }
}

/// out (R, D) = g₁ ⊙ σ(g₂) + residual, with g (R, 2D) = [g₁ | g₂] per row and D = `d`.
pub(crate) fn glu_add(k: &Kernels, d: usize, g: &[f32], residual: &[f32], out: &mut [f32]) {
    for ((g_row, r_row), o_row) in g
        .chunks_exact(2 * d)
        .zip(residual.chunks_exact(d))
        .zip(out.chunks_exact_mut(d))
    {
        let (g1, g2) = g_row.split_at(d);
        (k.act_forward)(Activation::Sigmoid, g2, o_row); // σ(g₂)
        (k.mul_assign)(o_row, g1);
        (k.add_assign)(o_row, r_row);
    }
}

/// GLU backward: dg (R, 2D) = [dz ⊙ σ(g₂) | dz ⊙ g₁ ⊙ σ'(g₂)] (overwritten); `tmp` is one row
/// (D).
pub(crate) fn glu_backward(
    k: &Kernels,
    d: usize,
    g: &[f32],
    dz: &[f32],
    dg: &mut [f32],
    tmp: &mut [f32],
) {
    for ((g_row, dz_row), dg_row) in g
        .chunks_exact(2 * d)
        .zip(dz.chunks_exact(d))
        .zip(dg.chunks_exact_mut(2 * d))
    {
        let (g1, g2) = g_row.split_at(d);
        let (dg1, dg2) = dg_row.split_at_mut(d);
        (k.act_forward)(Activation::Sigmoid, g2, dg1); // σ(g₂), finished below
        (k.mul)(dz_row, g1, tmp); // ∂L/∂σ(g₂)
        dg2.fill(0.0);
        (k.act_backward)(Activation::Sigmoid, g2, dg1, tmp, dg2);
        (k.mul_assign)(dg1, dz_row);
    }
}

/// Two disjoint mutable parameter views (the norm's γ and β gradients).
fn two_ranges_mut(grads: &mut [f32], a: ParamRange, b: ParamRange) -> (&mut [f32], &mut [f32]) {
    assert!(a.offset + a.len <= b.offset, "γ is registered before β");
    let (lo, hi) = grads.split_at_mut(b.offset);
    (a.of_mut(lo), &mut hi[..b.len])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    /// The case's input is x (R, D_in) then residual (R, D_out).
    fn case_for(gan: &GateAddNorm, params: Vec<f32>, input: Vec<f32>, rows: usize) {
        let nx = rows * gan.d_in;
        let fwd = |k: &Kernels, p: &[f32], input: &[f32], y: &mut [f32]| {
            let (x, r) = input.split_at(nx);
            let mut cache = vec![0.0; gan.cache_len(rows)];
            gan.forward(k, p, x, r, y, &mut cache);
        };
        let bwd =
            |k: &Kernels, p: &[f32], g: &mut [f32], input: &[f32], dy: &[f32], d: &mut [f32]| {
                let (x, r) = input.split_at(nx);
                let mut cache = vec![0.0; gan.cache_len(rows)];
                let mut y = vec![0.0; rows * gan.d_out];
                gan.forward(k, p, x, r, &mut y, &mut cache);
                let mut scratch = vec![f32::NAN; gan.scratch_len(rows)];
                let (dx, dr) = d.split_at_mut(nx);
                gan.backward(k, p, g, x, &cache, dy, Some(dx), Some(dr), &mut scratch);
            };
        let case = GradCase {
            name: "GateAddNorm",
            params,
            input,
            out_len: rows * gan.d_out,
            forward: &fwd,
            backward: &bwd,
        };
        // h = 3e-3: LayerNorm over a few values with a small variance is strongly curved (see
        // the GRN's test).
        let tol = Tolerance {
            h: 3e-3,
            ..Tolerance::default()
        };
        check_gradients(&case, tol, 7).unwrap();
        // The norm's input gradient over a few values is a difference of terms up to 1/σ
        // larger than itself, so rounding differences between ISAs (FMA or not, summation
        // order) show relative to it: a 3-value norm drew 6e-4 (the saved regression case).
        let agreement = if gan.d_out <= 4 { 2e-3 } else { 1e-4 };
        check_isa_agreement(&case, agreement, 7).unwrap();
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            rows in 1usize..5, d_in in 1usize..5, d_out in 2usize..5, with_norm: bool, seed: u64,
        ) {
            // LayerNorm over 2 values outputs ±γ + β whatever the input, so the input gradient
            // is rounding noise and cannot be compared across ISAs.
            prop_assume!(!(with_norm && d_out == 2));
            let mut layout = ParamLayout::new();
            let gan = GateAddNorm::new(&mut layout, "gate", with_norm.then_some("ln"), d_in, d_out);
            let mut store = ParamStore::new(layout, seed);
            let mut rng = Rng::seed_from(seed ^ 3);
            // Move γ and β off their 1 and 0 starts so their use is tested.
            for name in ["ln.weight", "ln.bias"] {
                if let Some(v) = store.value_mut(name) {
                    v.iter_mut().for_each(|v| *v += rng.uniform(-0.5, 0.5));
                }
            }
            let input: Vec<f32> = (0..rows * (d_in + d_out)).map(|_| rng.uniform(-2.0, 2.0)).collect();
            case_for(&gan, store.values.to_vec(), input, rows);
        }
    }

    /// Without the norm the output is the GLU of the linear map plus the residual, by hand.
    #[test]
    fn width_one_without_norm_is_glu_plus_residual() {
        let mut layout = ParamLayout::new();
        let gan = GateAddNorm::new(&mut layout, "g", None, 2, 1);
        let store = ParamStore::new(layout, 1);
        let p = &store.values;
        let (x, r) = ([0.3f32, -0.7, 1.1, 0.2], [0.5f32, -0.25]);
        let mut y = [0.0; 2];
        let mut cache = vec![0.0; gan.cache_len(2)];
        gan.forward(nd_kernels::table::active(), p, &x, &r, &mut y, &mut cache);
        let (w, b) = (
            store.value("g.lin.weight").unwrap(),
            store.value("g.lin.bias").unwrap(),
        );
        for i in 0..2 {
            let g1 = w[0] * x[2 * i] + w[1] * x[2 * i + 1] + b[0];
            let g2 = w[2] * x[2 * i] + w[3] * x[2 * i + 1] + b[1];
            let want = g1 / (1.0 + (-g2).exp()) + r[i];
            assert!((y[i] - want).abs() < 1e-6, "{} vs {want}", y[i]);
        }
    }
}

/// Against TFT's inline gate + norm (`ln(GLU(d, d)(x) + r)`, LayerNorm eps 1e-3, the module
/// built from NeuralForecast's `GLU` in `/tmp/n3/ref.py gan`), R = 5 rows, D = 4, residual
/// `inp(i, 3)`; see [`crate::nn::attention::torch_formula`].
#[cfg(test)]
// The references are printed from f64 with 10 digits and rounded to f32 here on purpose.
#[allow(clippy::excessive_precision)]
mod torch_reference_tests {
    use super::*;
    use crate::nn::attention::torch_formula::{assert_close, cot, fill, inp, params};

    const Y: [f32; 20] = [
        6.177878538e-01,
        -4.131196036e-01,
        -1.390670807e-01,
        -3.576830416e-01,
        3.611319369e-01,
        -4.543727712e-01,
        1.784243974e-02,
        5.476892152e-01,
        1.849456791e-01,
        -4.733745302e-01,
        -4.261766124e-01,
        5.067064034e-02,
        4.596495867e-02,
        -4.702151529e-01,
        -4.220627579e-01,
        2.080907873e-01,
        -2.025124823e-01,
        -3.314973307e-01,
        -2.668873074e-01,
        -1.597472047e-01,
    ];
    const DX: [f32; 20] = [
        -8.004582981e-03,
        -2.455471673e-03,
        -1.187707138e-03,
        -2.426083466e-02,
        1.616357920e-02,
        1.503120581e-02,
        -1.858930981e-02,
        -4.382438476e-03,
        2.536713239e-02,
        3.613196714e-02,
        -2.317948686e-02,
        1.930643037e-02,
        9.418102811e-03,
        1.110969576e-02,
        -1.272807589e-03,
        5.854132748e-03,
        1.524858643e-02,
        1.584235661e-02,
        1.653340720e-02,
        -1.074476841e-02,
    ];
    const DR: [f32; 20] = [
        -4.029197475e-02,
        5.039117498e-02,
        5.786373305e-02,
        -6.796293328e-02,
        -5.434496351e-02,
        -2.189803388e-02,
        3.679089256e-02,
        3.945210483e-02,
        -7.092190214e-03,
        -8.609966661e-02,
        -7.322192683e-02,
        1.664137837e-01,
        -5.887815278e-03,
        -2.870910762e-02,
        -4.879736195e-02,
        8.339428485e-02,
        -4.773124063e-02,
        6.637203924e-02,
        -1.265315034e-01,
        1.078907048e-01,
    ];
    const GRADS: [(&str, f32); 4] = [
        ("gate.lin.weight", 3.032981831e-02),
        ("gate.lin.bias", 2.189714067e-02),
        ("ln.weight", 5.891028040e-01),
        ("ln.bias", -7.367588933e-01),
    ];

    #[test]
    fn matches_pytorch() {
        let (rows, d) = (5, 4);
        let mut layout = ParamLayout::new();
        // PyTorch's names here are gate.lin.* and ln.*, the module's own.
        let gan = GateAddNorm::new(&mut layout, "gate", Some("ln"), d, d);
        let p = params(&layout);
        for k in nd_kernels::table::all_supported() {
            let (x, r) = (inp(rows * d, 0), inp(rows * d, 3));
            let mut y = vec![0.0; rows * d];
            let mut cache = vec![0.0; gan.cache_len(rows)];
            gan.forward(k, &p, &x, &r, &mut y, &mut cache);
            assert_close("y", &y, &Y, 1e-6);
            let (mut g, mut dx, mut dr) =
                (vec![0.0; p.len()], vec![0.0; x.len()], vec![0.0; r.len()]);
            let mut scratch = vec![0.0; gan.scratch_len(rows)];
            let dy = cot(y.len());
            gan.backward(
                k,
                &p,
                &mut g,
                &x,
                &cache,
                &dy,
                Some(&mut dx),
                Some(&mut dr),
                &mut scratch,
            );
            assert_close("dx", &dx, &DX, 1e-6);
            assert_close("dr", &dr, &DR, 1e-6);
            for &(name, want) in &GRADS {
                let spec = layout.find(name).unwrap();
                let got: f32 = spec
                    .range
                    .of(&g)
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v * fill(99, i))
                    .sum();
                assert!(
                    (got - want).abs() <= 1e-5 * want.abs() + 2e-6,
                    "{name}: {got} vs {want}"
                );
            }
        }
    }
}
