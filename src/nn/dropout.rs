//! `Dropout`: inverted dropout as PyTorch's `nn.Dropout(p)`: in training each element is
//! zeroed with probability p and the survivors are scaled by 1/(1 − p), so inference (and
//! p = 0) is the identity.
//!
//! Randomness comes from a caller-provided [`Rng`] (a model forks one stream per layer and
//! per step from its seed), so a training run is reproducible bit for bit. Element i is
//! dropped when the i-th `rng.next_f32()` (uniform in [0, 1) with 24 bits) is below p: one
//! draw per element, in memory order. The numbers differ from PyTorch's generator, the
//! distribution does not.
//!
//! The cache holds the mask m (0 or 1/(1 − p)); y = x ⊙ m and dx += dy ⊙ m.

use crate::error::{Error, Result};
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// Inverted dropout with drop probability `p`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dropout {
    /// Probability of zeroing an element, in [0, 1].
    pub p: f32,
}

impl Dropout {
    /// Dropout with probability `p`.
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] naming `dropout` when p is not in [0, 1] (PyTorch's rule).
    pub fn new(p: f32) -> Result<Dropout> {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::config(
                "dropout",
                format!("probability must be between 0 and 1, got {p}"),
            ));
        }
        Ok(Dropout { p })
    }

    /// Whether training forward changes anything (p > 0).
    pub fn is_active(&self) -> bool {
        self.p > 0.0
    }

    /// Floats of cache for `n` elements: the mask (N), or nothing when p = 0.
    pub fn cache_len(&self, n: usize) -> usize {
        if self.is_active() {
            n
        } else {
            0
        }
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    /// Inference: y = x.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn forward_inference(&self, x: &[f32], y: &mut [f32]) {
        y.copy_from_slice(x);
    }

    /// Training: draws the mask into `cache` (`cache_len(N)` floats) and writes y = x ⊙ mask.
    ///
    /// # Panics
    /// If the lengths differ or the cache is too short.
    pub fn forward(&self, k: &Kernels, rng: &mut Rng, x: &[f32], y: &mut [f32], cache: &mut [f32]) {
        if !self.is_active() {
            return self.forward_inference(x, y);
        }
        // PyTorch returns zeros for p = 1 (the scale 1/(1 − p) would be infinite).
        let keep = if self.p < 1.0 {
            1.0 / (1.0 - self.p)
        } else {
            0.0
        };
        let mask = &mut cache[..x.len()]; // (N)
        for m in mask.iter_mut() {
            *m = if rng.next_f32() < self.p { 0.0 } else { keep };
        }
        (k.mul)(x, mask, y);
    }

    /// dx (N) += dy ⊙ mask, with the mask `forward` left in `cache`.
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn backward(&self, cache: &[f32], dy: &[f32], dx: &mut [f32]) {
        assert_eq!(dy.len(), dx.len(), "dropout: dy and dx lengths differ");
        if !self.is_active() {
            dx.iter_mut().zip(dy).for_each(|(d, &g)| *d += g);
            return;
        }
        for ((d, &g), &m) in dx.iter_mut().zip(dy).zip(&cache[..dy.len()]) {
            *d += g * m;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::rng::Rng;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(n in 1usize..20, p in 0.0f32..0.9, seed: u64) {
            let layer = Dropout::new(p).unwrap();
            // The same stream for every call, so forward and backward see the same mask.
            let fwd = |k: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| {
                let mut cache = vec![0.0; layer.cache_len(x.len())];
                layer.forward(k, &mut Rng::seed_from(seed), x, y, &mut cache);
            };
            let bwd = |k: &Kernels, _: &[f32], _: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
                let mut cache = vec![0.0; layer.cache_len(x.len())];
                let mut y = vec![0.0; x.len()];
                layer.forward(k, &mut Rng::seed_from(seed), x, &mut y, &mut cache);
                layer.backward(&cache, dy, dx);
            };
            let mut rng = Rng::seed_from(seed ^ 3);
            let case = GradCase {
                name: "Dropout",
                params: vec![],
                input: (0..n).map(|_| rng.uniform(-2.0, 2.0)).collect(),
                out_len: n,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 0.0, seed).unwrap();
        }
    }

    #[test]
    fn drops_about_p_scales_survivors_and_is_reproducible() {
        let layer = Dropout::new(0.3).unwrap();
        let k = nd_kernels::table::active();
        let x = vec![2.0f32; 10_000];
        let (mut y, mut cache) = (vec![0.0; x.len()], vec![0.0; layer.cache_len(x.len())]);
        layer.forward(k, &mut Rng::seed_from(5), &x, &mut y, &mut cache);
        let dropped = y.iter().filter(|&&v| v == 0.0).count();
        // Binomial(10000, 0.3): sd ≈ 46, so ±250 is > 5 sd.
        assert!((2750..3250).contains(&dropped), "{dropped}");
        assert!(y.iter().all(|&v| v == 0.0 || (v - 2.0 / 0.7).abs() < 1e-6));
        let mut y2 = vec![0.0; x.len()];
        layer.forward(k, &mut Rng::seed_from(5), &x, &mut y2, &mut cache);
        assert_eq!(y, y2);
        layer.forward(k, &mut Rng::seed_from(6), &x, &mut y2, &mut cache);
        assert_ne!(y, y2);
    }

    #[test]
    fn p_zero_is_identity_p_one_is_zero_and_bad_p_is_an_error() {
        let k = nd_kernels::table::active();
        let x = [1.0, -2.0, 3.0];
        let mut y = [0.0; 3];
        let off = Dropout::new(0.0).unwrap();
        assert_eq!(off.cache_len(3), 0);
        off.forward(k, &mut Rng::seed_from(1), &x, &mut y, &mut []);
        assert_eq!(y, x);
        let all = Dropout::new(1.0).unwrap();
        let mut cache = [9.0; 3];
        all.forward(k, &mut Rng::seed_from(1), &x, &mut y, &mut cache);
        assert_eq!(y, [0.0; 3]);
        let mut dx = [1.0; 3];
        all.backward(&cache, &[1.0; 3], &mut dx);
        assert_eq!(dx, [1.0; 3]);
        for bad in [-0.1, 1.5, f32::NAN] {
            let err = Dropout::new(bad).unwrap_err();
            assert!(err.message.contains("dropout"), "{}", err.message);
        }
    }
}
