//! Gradient clipping by global L2 norm, `torch.nn.utils.clip_grad_norm_` with norm type 2.
//!
//! ```text
//! norm = √(Σ g²)  over every gradient of the model (one flat buffer here)
//! coef = max_norm / (norm + 1e-6)
//! g ← g·coef  when coef < 1
//! ```
//!
//! and the norm is returned. As in PyTorch (with `error_if_nonfinite=False`, its default), a
//! NaN or infinite norm is not an error: the gradients are scaled by the resulting NaN or 0
//! coefficient; callers that want to skip such a step check the returned norm.

use nd_kernels::table::Kernels;

/// Floats summed per f32 partial sum before the partials are added in f64 (accuracy over long
/// buffers without giving up the SIMD reduction).
const CHUNK: usize = 1 << 14;

/// The global L2 norm of `grads`.
pub fn global_norm(k: &Kernels, grads: &[f32]) -> f32 {
    let sum: f64 = grads.chunks(CHUNK).map(|c| (k.sum_sq)(c) as f64).sum();
    sum.sqrt() as f32
}

/// Scales `grads` so that their global L2 norm is at most about `max_norm`; returns the norm
/// before clipping.
pub fn clip_grad_norm(k: &Kernels, grads: &mut [f32], max_norm: f32) -> f32 {
    let norm = global_norm(k, grads);
    let coef = max_norm / (norm + 1e-6);
    // A NaN coefficient is applied too, as PyTorch does.
    if coef.is_nan() || coef < 1.0 {
        (k.scale)(coef, grads);
    }
    norm
}

#[cfg(test)]
mod tests {
    use super::*;
    use nd_kernels::table;

    #[test]
    #[allow(clippy::excessive_precision)] // the digits PyTorch printed
    fn matches_torch_clip_grad_norm() {
        // torch.nn.utils.clip_grad_norm_ over two tensors [3, -4, 1] and [2, 0.5], max_norm 1.5
        // (PyTorch 2.x, CPU): norm 5.5, gradients below.
        let expect = [
            8.181817532e-01,
            -1.090909004e+00,
            2.727272511e-01,
            5.454545021e-01,
            1.363636255e-01,
        ];
        for k in table::all_supported() {
            let mut g = [3.0, -4.0, 1.0, 2.0, 0.5];
            let norm = clip_grad_norm(k, &mut g, 1.5);
            assert_eq!(norm, 5.5);
            for (a, e) in g.iter().zip(expect) {
                assert!((a - e).abs() <= 1e-6 * e.abs(), "{a} vs {e} on {:?}", k.isa);
            }
        }
    }

    #[test]
    fn small_gradients_are_untouched_and_nan_propagates() {
        let k = table::active();
        let mut g = [0.3, -0.4];
        assert!((clip_grad_norm(k, &mut g, 1.0) - 0.5).abs() < 1e-7);
        assert_eq!(g, [0.3, -0.4]);
        let mut g = [f32::NAN, 1.0];
        assert!(clip_grad_norm(k, &mut g, 1.0).is_nan());
        assert!(g[1].is_nan());
    }

    #[test]
    fn long_buffers_sum_accurately() {
        let k = table::active();
        let g = vec![0.1f32; 1_000_003];
        let exact = (1_000_003f64 * (0.1f32 as f64).powi(2)).sqrt();
        assert!((global_norm(k, &g) as f64 - exact).abs() < 1e-6 * exact);
    }
}
