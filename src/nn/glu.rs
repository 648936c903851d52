//! `Glu`: PyTorch's `F.glu(x, dim=-1)` / `nn.GLU()`: the last dimension of width 2D is split
//! into halves a (first) and b (second), and y = a ⊙ σ(b).
//!
//! The cache keeps s = σ(b) (R, D), computed by the kernels' sigmoid; backward is
//! da += dy ⊙ s, db += dy ⊙ a ⊙ s ⊙ (1 − s).
//! (TFT's gated linear unit with its own linear maps is built from this and `Linear`.)

use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// Gated linear unit over the last dimension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Glu {
    /// Output width D (the input is 2D wide).
    pub d: usize,
}

impl Glu {
    /// A GLU producing `d` outputs from `2·d` inputs per row.
    pub fn new(d: usize) -> Glu {
        Glu { d }
    }

    fn rows(&self, y_len: usize) -> usize {
        y_len / self.d.max(1)
    }

    /// Floats of cache for `rows` rows: σ(b) (R, D).
    pub fn cache_len(&self, rows: usize) -> usize {
        rows * self.d
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _rows: usize) -> usize {
        0
    }

    /// y (R, D) = a ⊙ σ(b) for x (R, 2D) = [a | b]; σ(b) goes to `cache` (`cache_len(R)`).
    ///
    /// # Panics
    /// If x is not (R, 2D) for y (R, D) or the cache is too short.
    pub fn forward(&self, k: &Kernels, x: &[f32], y: &mut [f32], cache: &mut [f32]) {
        let (d, rows) = (self.d, self.rows(y.len()));
        assert_eq!(x.len(), 2 * y.len(), "glu: x must be (R, 2D) for y (R, D)");
        let sig = &mut cache[..rows * d]; // (R, D)
        for r in 0..rows {
            let (a, b) = x[2 * d * r..2 * d * (r + 1)].split_at(d);
            let s = &mut sig[r * d..(r + 1) * d];
            (k.act_forward)(Activation::Sigmoid, b, s);
            (k.mul)(a, s, &mut y[r * d..(r + 1) * d]);
        }
    }

    /// dx (R, 2D) += ∂/∂x of ⟨dy, y⟩, from x and the cached σ(b).
    ///
    /// # Panics
    /// If the lengths do not match.
    pub fn backward(&self, x: &[f32], cache: &[f32], dy: &[f32], dx: &mut [f32]) {
        let (d, rows) = (self.d, self.rows(dy.len()));
        assert!(
            x.len() == 2 * dy.len() && dx.len() == x.len(),
            "glu backward: x and dx must be (R, 2D) for dy (R, D)"
        );
        for r in 0..rows {
            let a = &x[2 * d * r..2 * d * r + d];
            let (da, db) = dx[2 * d * r..2 * d * (r + 1)].split_at_mut(d);
            let s = &cache[r * d..(r + 1) * d];
            let g = &dy[r * d..(r + 1) * d];
            for j in 0..d {
                da[j] += g[j] * s[j];
                db[j] += g[j] * a[j] * s[j] * (1.0 - s[j]);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(rows in 1usize..4, d in 1usize..6, seed: u64) {
            let glu = Glu::new(d);
            let fwd = |k: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| {
                glu.forward(k, x, y, &mut vec![0.0; glu.cache_len(rows)]);
            };
            let bwd = |k: &Kernels, _: &[f32], _: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
                let mut cache = vec![0.0; glu.cache_len(rows)];
                glu.forward(k, x, &mut vec![0.0; dy.len()], &mut cache);
                glu.backward(x, &cache, dy, dx);
            };
            let mut rng = crate::rng::Rng::seed_from(seed);
            let case = GradCase {
                name: "GLU",
                params: vec![],
                input: (0..rows * 2 * d).map(|_| rng.uniform(-3.0, 3.0)).collect(),
                out_len: rows * d,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 1e-5, seed).unwrap();
        }
    }

    // PyTorch's outputs for the case in `matches_pytorch`.
    const PT_Y: [f32; 4] = [0.62245935, -1.9051483, -0.65673524, 1.6979468];
    const PT_DX: [f32; 8] = [
        0.1867378,
        -0.66680187,
        0.07050112,
        0.063247316,
        0.48160586,
        0.33958936,
        -0.40612125,
        0.27236873,
    ];

    #[test]
    fn matches_pytorch() {
        // PyTorch: x = [[1, -2, 0.5, 3], [-1.5, 2.5, -0.25, 0.75]] requires_grad;
        // y = F.glu(x, dim=-1); (y * w).sum().backward() with w = [[0.3, -0.7], [1.1, 0.5]].
        let x = [1.0, -2.0, 0.5, 3.0, -1.5, 2.5, -0.25, 0.75];
        let w = [0.3, -0.7, 1.1, 0.5];
        let glu = Glu::new(2);
        for k in nd_kernels::table::all_supported() {
            let (mut y, mut cache, mut dx) = ([0.0; 4], [0.0; 4], [0.0; 8]);
            glu.forward(k, &x, &mut y, &mut cache);
            glu.backward(&x, &cache, &w, &mut dx);
            for (a, b) in y.iter().zip(PT_Y).chain(dx.iter().zip(PT_DX)) {
                assert!((a - b).abs() <= 2e-6 * b.abs().max(1.0), "{y:?} {dx:?}");
            }
        }
    }
}
