//! `LayerNorm`: PyTorch's `nn.LayerNorm(D, eps=1e-5)` over the last dimension with its
//! elementwise affine (weight γ, bias β).
//!
//! Per row of D: y = (x − mean)·rstd·γ + β with the biased variance and rstd = 1/√(var + eps).
//! The cache keeps mean and rstd per row, so backward does not recompute the statistics:
//! with x̂ = (x − mean)·rstd and g = dy·γ,
//!   dx += rstd·(g − mean(g) − x̂·mean(g·x̂)),  dγ += Σ_rows dy·x̂,  dβ += Σ_rows dy.

use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::table::{Kernels, LayerNormBackward};

/// PyTorch's default epsilon.
pub const DEFAULT_EPS: f32 = 1e-5;

/// Layer normalisation over the last dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerNorm {
    /// Normalised width D.
    pub d: usize,
    /// Added to the variance.
    pub eps: f32,
    /// γ (D), PyTorch's `weight`.
    pub weight: ParamRange,
    /// β (D), PyTorch's `bias`.
    pub bias: ParamRange,
}

impl LayerNorm {
    /// Registers `{name}.weight` (ones) and `{name}.bias` (zeros), as `nn.LayerNorm(d, eps)`.
    pub fn new(layout: &mut ParamLayout, name: &str, d: usize, eps: f32) -> LayerNorm {
        let weight = layout.add(&format!("{name}.weight"), &[d], Init::Constant(1.0));
        let bias = layout.add(&format!("{name}.bias"), &[d], Init::Zeros);
        LayerNorm {
            d,
            eps,
            weight,
            bias,
        }
    }

    /// Floats of cache for `rows` rows: mean (R) then rstd (R).
    pub fn cache_len(&self, rows: usize) -> usize {
        2 * rows
    }

    /// Floats of scratch for `rows` rows: a throw-away dx (R, D) when the caller passes none.
    pub fn scratch_len(&self, rows: usize) -> usize {
        rows * self.d
    }

    fn rows(&self, n: usize) -> usize {
        n / self.d.max(1)
    }

    /// y (R, D) = layernorm(x (R, D)); fills `cache` (`cache_len(R)` floats).
    ///
    /// # Panics
    /// If x and y differ in length, x is not whole rows, or the cache is too short.
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &[f32],
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        let rows = self.rows(x.len());
        let (mean, rest) = cache.split_at_mut(rows); // (R)
        let rstd = &mut rest[..rows]; // (R)
        (k.layernorm_rows)(
            x,
            self.weight.of(params),
            self.bias.of(params),
            self.eps,
            y,
            mean,
            rstd,
        );
    }

    /// Accumulates dγ, dβ into `grads` and, when given, dx (R, D) from dy (R, D), using the
    /// mean and rstd `forward` cached. `scratch` (`scratch_len(R)`) is used only without dx.
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
        scratch: &mut [f32],
    ) {
        let rows = self.rows(x.len());
        let dx = match dx {
            Some(dx) => dx,
            None => {
                let s = &mut scratch[..x.len()];
                s.fill(0.0);
                s
            }
        };
        let (dgamma, dbeta) = two_ranges_mut(grads, self.weight, self.bias);
        let inputs = LayerNormBackward {
            x,
            gamma: self.weight.of(params),
            mean: &cache[..rows],
            rstd: &cache[rows..2 * rows],
            dy,
        };
        (k.layernorm_rows_backward)(&inputs, dx, dgamma, dbeta);
    }
}

/// Mutable views of two disjoint tensors of one flat buffer.
///
/// # Panics
/// If the ranges overlap (they never do for tensors of one layout).
fn two_ranges_mut(flat: &mut [f32], a: ParamRange, b: ParamRange) -> (&mut [f32], &mut [f32]) {
    if a.offset < b.offset {
        assert!(a.offset + a.len <= b.offset, "overlapping parameter ranges");
        let (lo, hi) = flat.split_at_mut(b.offset);
        (a.of_mut(lo), &mut hi[..b.len])
    } else {
        let (y, x) = two_ranges_mut(flat, b, a);
        (x, y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use proptest::prelude::*;

    fn with_case(ln: &LayerNorm, params: Vec<f32>, x: Vec<f32>, run: impl FnOnce(&GradCase<'_>)) {
        let rows = x.len() / ln.d;
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; ln.cache_len(rows)];
            ln.forward(k, p, x, y, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; ln.cache_len(rows)];
            let mut y = vec![0.0; x.len()];
            ln.forward(k, p, x, &mut y, &mut cache);
            ln.backward(k, p, g, x, &cache, dy, Some(dx), &mut []);
        };
        let n = x.len();
        run(&GradCase {
            name: "LayerNorm",
            params,
            input: x,
            out_len: n,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(rows in 1usize..4, d in 3usize..7, seed: u64) {
            let mut layout = ParamLayout::new();
            let ln = LayerNorm::new(&mut layout, "ln", d, DEFAULT_EPS);
            let mut store = ParamStore::new(layout, seed);
            let mut rng = crate::rng::Rng::seed_from(seed);
            // Non-trivial γ and β so their gradients and their use in dx are exercised.
            for v in store.values.iter_mut() {
                *v = rng.uniform(-1.5, 1.5);
            }
            let x: Vec<f32> = (0..rows * d).map(|_| rng.uniform(-2.0, 2.0)).collect();
            // A row of near-equal values makes rstd huge and the finite difference meaningless.
            // (D = 2 is excluded: x̂ = ±1 whatever x is, so dx is rounding noise around 0.)
            for r in x.chunks(d) {
                let mean = r.iter().sum::<f32>() / d as f32;
                let var = r.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / d as f32;
                prop_assume!(var > 0.1);
            }
            with_case(&ln, store.values.to_vec(), x, |c| {
                check_gradients(c, Tolerance::default(), seed).unwrap();
                check_isa_agreement(c, 1e-4, seed).unwrap();
            });
        }
    }

    // PyTorch's outputs for the case in `matches_pytorch`.
    const PT_Y: [f32; 6] = [
        -1.5035621,
        0.33363014,
        2.3726037,
        -1.9954778,
        -0.24449526,
        0.7159892,
    ];
    const PT_DX: [f32; 6] = [
        0.23480284, -0.3522121, 0.11740926, 0.12415619, 0.6206386, -0.7447949,
    ];
    const PT_DW: [f32; 3] = [-1.019205, 0.36488032, 1.2667341];
    const PT_DB: [f32; 3] = [0.8, -0.5, 0.70000005];

    #[test]
    fn matches_pytorch() {
        // PyTorch: ln = nn.LayerNorm(3); weight [1.5, -0.5, 2.0], bias [0.1, 0.2, -0.3];
        // x = [[1, 2, 4], [-1, 0.5, 0.25]]; y = ln(x); (y * w).sum().backward(),
        // w = [[0.3, -0.7, 1.1], [0.5, 0.2, -0.4]].
        let mut layout = ParamLayout::new();
        let ln = LayerNorm::new(&mut layout, "ln", 3, DEFAULT_EPS);
        let mut store = ParamStore::new(layout, 0);
        assert_eq!(store.value("ln.weight").unwrap(), &[1.0; 3]);
        assert_eq!(store.value("ln.bias").unwrap(), &[0.0; 3]);
        store
            .value_mut("ln.weight")
            .unwrap()
            .copy_from_slice(&[1.5, -0.5, 2.0]);
        store
            .value_mut("ln.bias")
            .unwrap()
            .copy_from_slice(&[0.1, 0.2, -0.3]);
        let x = [1.0, 2.0, 4.0, -1.0, 0.5, 0.25];
        let w = [0.3, -0.7, 1.1, 0.5, 0.2, -0.4];
        let want_y = PT_Y;
        let want_dx = PT_DX;
        let want_dw = PT_DW;
        let want_db = PT_DB;
        for k in nd_kernels::table::all_supported() {
            let (mut y, mut cache, mut dx) = ([0.0; 6], [0.0; 4], [0.0; 6]);
            ln.forward(k, &store.values, &x, &mut y, &mut cache);
            store.zero_grads();
            ln.backward(
                k,
                &store.values,
                &mut store.grads,
                &x,
                &cache,
                &w,
                Some(&mut dx),
                &mut [],
            );
            let close = |a: &[f32], b: &[f32]| {
                a.iter()
                    .zip(b)
                    .all(|(a, b)| (a - b).abs() <= 1e-5 * b.abs().max(1.0))
            };
            assert!(close(&y, &want_y), "{y:?}");
            assert!(close(&dx, &want_dx), "{dx:?}");
            assert!(close(store.grad("ln.weight").unwrap(), &want_dw));
            assert!(close(store.grad("ln.bias").unwrap(), &want_db));
            // Without dx (a first layer), the parameter gradients are the same.
            store.zero_grads();
            let mut scratch = vec![0.0; ln.scratch_len(2)];
            ln.backward(
                k,
                &store.values,
                &mut store.grads,
                &x,
                &cache,
                &w,
                None,
                &mut scratch,
            );
            assert!(close(store.grad("ln.weight").unwrap(), &want_dw));
            assert!(close(store.grad("ln.bias").unwrap(), &want_db));
        }
    }
}
