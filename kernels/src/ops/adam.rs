//! The Adam / AdamW update over flat parameter, gradient and moment buffers.
//!
//! One pass over four streams (params, grads, m, v), following `torch.optim.Adam`/`AdamW`
//! (single-tensor path): the bias corrections are folded into two scalars computed once per
//! call in f64, exactly as PyTorch computes them in Python floats:
//!
//! ```text
//! step_size = lr / (1 − β1^t)        bc2_sqrt = √(1 − β2^t)
//! AdamW:  p ← p·(1 − lr·wd)          Adam: g ← g + wd·p
//! m ← β1·m + (1 − β1)·g
//! v ← β2·v + (1 − β2)·g²
//! p ← p − step_size · m / (√v / bc2_sqrt + eps)
//! ```
//!
//! which equals `p − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + eps)`. PyTorch updates `m`
//! with `lerp`, which rounds differently from the formula above by at most an ulp or so.
//! The hyperparameters arrive as f32, so e.g. β2 = 0.999 is 0.99900001287 here where PyTorch
//! keeps the double: v then differs by ~1e-5 relative, but the bias correction divides the
//! same factor back out and p agrees to ~1e-9 (see `tests/adam.rs`).
use crate::simd::Simd;

/// The hyperparameters of one optimizer step (PyTorch's `torch.optim.Adam`/`AdamW` semantics).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AdamStep {
    /// Learning rate.
    pub lr: f32,
    pub beta1: f32,
    pub beta2: f32,
    pub eps: f32,
    /// L2 penalty (Adam: added to the gradient) or decoupled decay (AdamW: applied to the weights).
    pub weight_decay: f32,
    /// `true` for AdamW's decoupled weight decay, `false` for Adam's L2 penalty.
    pub decoupled_weight_decay: bool,
    /// The 1-based step number, for bias correction.
    pub step: u64,
}

/// The per-call scalars of one step, rounded to f32 once (shared with the reference so that
/// both tiers start from the same constants).
#[derive(Clone, Copy, Debug)]
pub(crate) struct AdamScalars {
    /// lr / (1 − β1^t)
    pub step_size: f32,
    /// √(1 − β2^t)
    pub bc2_sqrt: f32,
    /// 1 − lr·wd for AdamW, 1 for Adam.
    pub decay: f32,
    /// wd for Adam's L2 penalty, 0 for AdamW.
    pub l2: f32,
    pub one_minus_beta1: f32,
    pub one_minus_beta2: f32,
}

impl AdamStep {
    /// Checks the arguments of a step (panicking on misuse) and computes its scalars.
    pub(crate) fn scalars(&self, params: usize, grads: usize, m: usize, v: usize) -> AdamScalars {
        assert!(self.step >= 1, "adam_step: step is 1-based, got 0");
        assert!(
            params == grads && params == m && params == v,
            "adam_step: buffer lengths differ (params {params}, grads {grads}, m {m}, v {v})"
        );
        // β^t in f64; steps past i32::MAX give β^t = 0 for any β < 1, as powf does.
        let t = self.step as f64;
        let bc1 = 1.0 - (self.beta1 as f64).powf(t);
        let bc2 = 1.0 - (self.beta2 as f64).powf(t);
        let (lr, wd) = (self.lr as f64, self.weight_decay as f64);
        let (decay, l2) = if self.decoupled_weight_decay {
            ((1.0 - lr * wd) as f32, 0.0)
        } else {
            (1.0, self.weight_decay)
        };
        AdamScalars {
            step_size: (lr / bc1) as f32,
            bc2_sqrt: bc2.sqrt() as f32,
            decay,
            l2,
            one_minus_beta1: (1.0 - self.beta1 as f64) as f32,
            one_minus_beta2: (1.0 - self.beta2 as f64) as f32,
        }
    }
}

/// One Adam/AdamW step over equal-length buffers; panics on mismatched lengths or step 0.
#[inline(always)]
pub fn step<S: Simd>(
    s: S,
    step: &AdamStep,
    params: &mut [f32],
    grads: &[f32],
    m: &mut [f32],
    v: &mut [f32],
) {
    let k = step.scalars(params.len(), grads.len(), m.len(), v.len());
    let beta1 = s.splat(step.beta1);
    let beta2 = s.splat(step.beta2);
    let one_minus_beta1 = s.splat(k.one_minus_beta1);
    let one_minus_beta2 = s.splat(k.one_minus_beta2);
    let neg_step_size = s.splat(-k.step_size);
    let bc2_sqrt = s.splat(k.bc2_sqrt);
    let eps = s.splat(step.eps);
    let decay = s.splat(k.decay);
    let l2 = s.splat(k.l2);
    let decoupled = step.decoupled_weight_decay;

    let c = Consts {
        beta1,
        beta2,
        one_minus_beta1,
        one_minus_beta2,
        neg_step_size,
        bc2_sqrt,
        eps,
        decay,
        l2,
        decoupled,
    };

    let n = S::LANES;
    let whole = params.len() - params.len() % n;
    let chunks = params[..whole]
        .chunks_exact_mut(n)
        .zip(grads[..whole].chunks_exact(n))
        .zip(m[..whole].chunks_exact_mut(n))
        .zip(v[..whole].chunks_exact_mut(n));
    for (((pc, gc), mc), vc) in chunks {
        let (p, mv, vv) = update_one(s, &c, s.load(pc), s.load(gc), s.load(mc), s.load(vc));
        s.store(pc, p);
        s.store(mc, mv);
        s.store(vc, vv);
    }
    if whole < params.len() {
        let (p, mv, vv) = update_one(
            s,
            &c,
            s.load_partial(&params[whole..], 0.0),
            s.load_partial(&grads[whole..], 0.0),
            s.load_partial(&m[whole..], 0.0),
            s.load_partial(&v[whole..], 0.0),
        );
        s.store_partial(&mut params[whole..], p);
        s.store_partial(&mut m[whole..], mv);
        s.store_partial(&mut v[whole..], vv);
    }
}

struct Consts<V> {
    beta1: V,
    beta2: V,
    one_minus_beta1: V,
    one_minus_beta2: V,
    neg_step_size: V,
    bc2_sqrt: V,
    eps: V,
    decay: V,
    l2: V,
    decoupled: bool,
}

#[inline(always)]
fn update_one<S: Simd>(
    s: S,
    c: &Consts<S::V>,
    p: S::V,
    g: S::V,
    mv: S::V,
    vv: S::V,
) -> (S::V, S::V, S::V) {
    let (p, g) = if c.decoupled {
        (s.mul(p, c.decay), g)
    } else {
        (p, s.mul_add(c.l2, p, g))
    };
    let mv = s.mul_add(c.beta1, mv, s.mul(c.one_minus_beta1, g));
    let vv = s.mul_add(c.beta2, vv, s.mul(s.mul(c.one_minus_beta2, g), g));
    let denom = s.add(s.div(s.sqrt(vv), c.bc2_sqrt), c.eps);
    let p = s.mul_add(c.neg_step_size, s.div(mv, denom), p);
    (p, mv, vv)
}
