//! `PRelu`: PyTorch's `nn.PReLU(num_parameters)`: y = x if x > 0 else a_c·x, with a learned
//! slope per channel (or one shared slope), initialised to 0.25.
//!
//! PyTorch puts channels on dim 1 of (N, C, *); our activations are channels-last, so x is
//! viewed as (R, C) with C the last dimension. With one slope (the default and what
//! NeuralForecast's `nn.PReLU()` uses) the layout does not matter.
//!
//! Backward (the kernels' `prelu_backward`): dx += dy·(1 if x > 0 else a_c),
//! da_c += Σ_{x ≤ 0 in channel c} dy·x.

use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::table::Kernels;

/// Parametric ReLU over the last dimension.
#[derive(Clone, Debug, PartialEq)]
pub struct PRelu {
    /// Number of slopes: 1 (shared) or C (one per channel of the last dimension).
    pub num_parameters: usize,
    /// (num_parameters), PyTorch's `weight`.
    pub weight: ParamRange,
}

impl PRelu {
    /// Registers `{name}.weight` of shape (num_parameters), every slope 0.25 as in PyTorch.
    ///
    /// # Panics
    /// If `num_parameters` is 0 (a model-construction bug).
    pub fn new(layout: &mut ParamLayout, name: &str, num_parameters: usize) -> PRelu {
        assert!(num_parameters > 0, "PReLU needs at least one slope");
        let weight = layout.add(
            &format!("{name}.weight"),
            &[num_parameters],
            Init::Constant(0.25),
        );
        PRelu {
            num_parameters,
            weight,
        }
    }

    /// Floats of cache: none (backward reads x).
    pub fn cache_len(&self, _n: usize) -> usize {
        0
    }

    /// Floats of scratch for `n` elements: a throw-away dx (N) when the caller passes no dx.
    pub fn scratch_len(&self, n: usize) -> usize {
        n
    }

    /// y (R, C) = prelu(x (R, C)).
    ///
    /// # Panics
    /// If the lengths differ or x.len() is not a multiple of `num_parameters`.
    pub fn forward(&self, k: &Kernels, params: &[f32], x: &[f32], y: &mut [f32]) {
        (k.prelu_forward)(x, self.weight.of(params), 1, y);
    }

    /// Accumulates the slopes' gradient into `grads` and, when given, dx (R, C).
    /// `scratch` is `scratch_len(N)` floats, used only when `dx` is `None`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let dx = match dx {
            Some(dx) => dx,
            None => {
                let s = &mut scratch[..x.len()];
                s.fill(0.0);
                s
            }
        };
        (k.prelu_backward)(
            x,
            self.weight.of(params),
            1,
            dy,
            dx,
            self.weight.of_mut(grads),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            rows in 1usize..5, c in 1usize..5, shared: bool, seed: u64,
        ) {
            let mut layout = ParamLayout::new();
            let layer = PRelu::new(&mut layout, "act", if shared { 1 } else { c });
            let mut store = ParamStore::new(layout, seed);
            let mut rng = crate::rng::Rng::seed_from(seed);
            // Slopes other than the 0.25 they start at, so every slope is distinguishable.
            for a in store.value_mut("act.weight").unwrap() {
                *a = rng.uniform(-0.5, 1.0);
            }
            let x: Vec<f32> = (0..rows * c).map(|_| rng.uniform(-2.0, 2.0)).collect();
            prop_assume!(x.iter().all(|v| v.abs() > 0.05));
            let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| layer.forward(k, p, x, y);
            let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
                layer.backward(k, p, g, x, dy, Some(dx), &mut []);
            };
            let case = GradCase {
                name: "PReLU",
                params: store.values.to_vec(),
                input: x,
                out_len: rows * c,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 1e-6, seed).unwrap();
        }
    }

    #[test]
    fn matches_pytorch_and_starts_at_a_quarter() {
        // PyTorch: m = nn.PReLU(3); m.weight.data = tensor([0.25, -0.5, 2.0]);
        // y = m(x.reshape(2, 3)) with x as below; (y * w).sum().backward() with w = arange(6)/6
        // gives exactly these (hand-derived) values. Channels on dim 1 of (N, C) is the last
        // dimension here.
        let mut layout = ParamLayout::new();
        let layer = PRelu::new(&mut layout, "p", 3);
        let mut store = ParamStore::new(layout, 0);
        assert_eq!(store.value("p.weight").unwrap(), &[0.25; 3]);
        store
            .value_mut("p.weight")
            .unwrap()
            .copy_from_slice(&[0.25, -0.5, 2.0]);
        let x = [-1.0, 2.0, -3.0, 0.5, -0.25, 4.0];
        let k = nd_kernels::table::active();
        let mut y = [0.0; 6];
        layer.forward(k, &store.values, &x, &mut y);
        assert_eq!(y, [-0.25, 2.0, -6.0, 0.5, 0.125, 4.0]);
        let w: Vec<f32> = (0..6).map(|i| i as f32 / 6.0).collect();
        let mut dx = [0.0; 6];
        layer.backward(
            k,
            &store.values,
            &mut store.grads,
            &x,
            &w,
            Some(&mut dx),
            &mut [],
        );
        let want_dx = [
            0.0,
            1.0 / 6.0,
            2.0 * 2.0 / 6.0,
            3.0 / 6.0,
            -0.5 * 4.0 / 6.0,
            5.0 / 6.0,
        ];
        // Channel 0's only negative input (-1) has weight 0.
        let want_da = [0.0, -0.25 * 4.0 / 6.0, -3.0 * 2.0 / 6.0];
        for (g, w) in dx.iter().zip(want_dx) {
            assert!((g - w).abs() < 1e-6, "{dx:?}");
        }
        for (g, w) in store.grad("p.weight").unwrap().iter().zip(want_da) {
            assert!((g - w).abs() < 1e-6);
        }
    }
}
