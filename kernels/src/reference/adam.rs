//! The Adam / AdamW update, scalar reference (see `ops::adam` for the formulas' origin).
use crate::ops::adam::AdamStep;

/// One Adam/AdamW step, element by element:
///
/// ```text
/// AdamW: p ← p·(1 − lr·wd), g = grad       Adam: g = grad + wd·p
/// m ← β1·m + (1 − β1)·g
/// v ← β2·v + (1 − β2)·g²
/// p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps)
/// ```
pub fn step(step: &AdamStep, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]) {
    let k = step.scalars(params.len(), grads.len(), m.len(), v.len());
    for i in 0..params.len() {
        let mut g = grads[i];
        if step.decoupled_weight_decay {
            params[i] *= k.decay;
        } else {
            g += k.l2 * params[i];
        }
        m[i] = step.beta1 * m[i] + k.one_minus_beta1 * g;
        v[i] = step.beta2 * v[i] + k.one_minus_beta2 * g * g;
        let denom = v[i].sqrt() / k.bc2_sqrt + step.eps;
        params[i] -= k.step_size * (m[i] / denom);
    }
}
