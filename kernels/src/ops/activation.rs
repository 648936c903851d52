//! Activation kernels, forward and backward, generic over the vector type.
//!
//! Forward kernels write y = f(x); backward kernels accumulate dx += dy·f'(x), using the
//! forward output y where the derivative is cheapest from it (sigmoid, tanh, ELU, SELU).
use super::softmax::{load_w, store_w};
use super::transcendental::{map, map3_accumulate, map_inplace, Map1, Map3};
use crate::activation::Activation;
use crate::math;
use crate::simd::Simd;

/// f(x) for one vector. `s.max(zero, x)` passes NaN through (see `Simd::max`).
#[inline(always)]
fn apply<S: Simd>(s: S, act: Activation, x: S::V) -> S::V {
    let zero = s.zero();
    match act {
        Activation::Identity => x,
        Activation::Relu => s.max(zero, x),
        Activation::LeakyRelu { slope } => s.select(s.gt(x, zero), x, s.mul(x, s.splat(slope))),
        Activation::Elu { alpha } => {
            let neg = s.mul(s.splat(alpha), math::expm1_nonpositive(s, x));
            s.select(s.gt(x, zero), x, neg)
        }
        Activation::Selu => {
            let neg = s.mul(
                s.splat(Activation::SELU_ALPHA),
                math::expm1_nonpositive(s, x),
            );
            s.mul(
                s.splat(Activation::SELU_SCALE),
                s.select(s.gt(x, zero), x, neg),
            )
        }
        Activation::Gelu => math::gelu(s, x),
        Activation::Sigmoid => math::sigmoid(s, x),
        Activation::Tanh => math::tanh(s, x),
        Activation::Softplus { beta, threshold } => math::softplus(s, x, beta, threshold),
    }
}

/// dy·f'(x) for one vector, given y = f(x).
#[inline(always)]
fn grad<S: Simd>(s: S, act: Activation, x: S::V, y: S::V, dy: S::V) -> S::V {
    let zero = s.zero();
    let one = s.splat(1.0);
    match act {
        Activation::Identity => dy,
        // ReLU'(0) = 0, as PyTorch.
        Activation::Relu => s.select(s.gt(x, zero), dy, zero),
        Activation::LeakyRelu { slope } => s.select(s.gt(x, zero), dy, s.mul(dy, s.splat(slope))),
        // ELU'(x ≤ 0) = alpha·e^x = y + alpha.
        Activation::Elu { alpha } => {
            s.select(s.gt(x, zero), dy, s.mul(dy, s.add(y, s.splat(alpha))))
        }
        // SELU'(x ≤ 0) = λ·α·e^x = y + λ·α.
        Activation::Selu => {
            let la = Activation::SELU_SCALE * Activation::SELU_ALPHA;
            let d = s.select(
                s.gt(x, zero),
                s.splat(Activation::SELU_SCALE),
                s.add(y, s.splat(la)),
            );
            s.mul(dy, d)
        }
        Activation::Gelu => s.mul(dy, math::gelu_derivative(s, x)),
        // σ' = y(1 − y).
        Activation::Sigmoid => s.mul(dy, s.mul(y, s.sub(one, y))),
        // tanh' = 1 − y².
        Activation::Tanh => s.mul(dy, s.mul_add(s.neg(y), y, one)),
        // softplus' = σ(β·x), and 1 where β·x > threshold.
        Activation::Softplus { beta, threshold } => {
            let z = s.mul(x, s.splat(beta));
            let d = s.select(s.gt(z, s.splat(threshold)), one, math::sigmoid(s, z));
            s.mul(dy, d)
        }
    }
}

/// The forward function of one activation, as a [`Map1`].
#[derive(Clone, Copy)]
struct Forward(Activation);
impl<S: Simd> Map1<S> for Forward {
    #[inline(always)]
    fn f(self, s: S, x: S::V) -> S::V {
        apply(s, self.0, x)
    }
}

/// The backward function of one activation, as a [`Map3`].
#[derive(Clone, Copy)]
struct Backward(Activation);
impl<S: Simd> Map3<S> for Backward {
    #[inline(always)]
    fn f(self, s: S, x: S::V, y: S::V, dy: S::V) -> S::V {
        grad(s, self.0, x, y, dy)
    }
}

/// PReLU with one channel's slope, as a [`Map1`].
#[derive(Clone, Copy)]
struct Prelu<V>(V);
impl<S: Simd> Map1<S> for Prelu<S::V> {
    #[inline(always)]
    fn f(self, s: S, x: S::V) -> S::V {
        s.select(s.gt(x, s.zero()), x, s.mul(x, self.0))
    }
}

/// y = f(x). Panics if the lengths differ.
#[inline(always)]
pub fn forward<S: Simd>(s: S, act: Activation, x: &[f32], y: &mut [f32]) {
    // The `match` on `act` inside `apply` is loop-invariant (and perfectly predicted).
    map(s, x, y, Forward(act));
}

/// x = f(x).
#[inline(always)]
pub fn forward_inplace<S: Simd>(s: S, act: Activation, x: &mut [f32]) {
    map_inplace(s, x, Forward(act));
}

/// dx += dy·f'(x), where y = f(x). Panics if the lengths differ.
#[inline(always)]
pub fn backward<S: Simd>(s: S, act: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
    map3_accumulate(s, x, y, dy, dx, Backward(act));
}

/// Checks the (outer, C, inner) view of PReLU's input and returns outer.
fn prelu_outer(len: usize, channels: usize, inner: usize) -> usize {
    let plane = channels * inner;
    if plane == 0 {
        assert_eq!(
            len, 0,
            "prelu: x must be empty when slopes or inner is empty"
        );
        return 0;
    }
    assert_eq!(
        len % plane,
        0,
        "prelu: x.len() = {len} is not a multiple of slopes.len()·inner = {plane}"
    );
    len / plane
}

/// PReLU over x viewed as (outer, C, inner), C = slopes.len(): `y = x if x > 0 else slope[c]·x`.
#[inline(always)]
pub fn prelu_forward<S: Simd>(s: S, x: &[f32], slopes: &[f32], inner: usize, y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "prelu: x and y must have the same length");
    let channels = slopes.len();
    let outer = prelu_outer(x.len(), channels, inner);
    let zero = s.zero();
    if inner == 1 {
        // Channels last: each row of C is one slice of slopes, vector by vector.
        for o in 0..outer {
            let r = o * channels..(o + 1) * channels;
            let (xr, yr) = (&x[r.clone()], &mut y[r]);
            let mut c = 0;
            while c < channels {
                let w = (channels - c).min(S::LANES);
                let xv = load_w(s, &xr[c..c + w], 0.0);
                let av = load_w(s, &slopes[c..c + w], 0.0);
                store_w(
                    s,
                    &mut yr[c..c + w],
                    s.select(s.gt(xv, zero), xv, s.mul(xv, av)),
                );
                c += w;
            }
        }
        return;
    }
    for o in 0..outer {
        for (c, &slope) in slopes.iter().enumerate() {
            let r = (o * channels + c) * inner..(o * channels + c + 1) * inner;
            map(s, &x[r.clone()], &mut y[r], Prelu(s.splat(slope)));
        }
    }
}

/// `dx += dy·(1 if x > 0 else slope[c])`; `dslopes[c] += Σ dy·x` over the x ≤ 0 of channel c.
#[inline(always)]
pub fn prelu_backward<S: Simd>(
    s: S,
    x: &[f32],
    slopes: &[f32],
    inner: usize,
    dy: &[f32],
    dx: &mut [f32],
    dslopes: &mut [f32],
) {
    let n = x.len();
    assert!(
        dy.len() == n && dx.len() == n,
        "prelu: x, dy and dx must have the same length ({n}, {}, {})",
        dy.len(),
        dx.len()
    );
    assert_eq!(
        dslopes.len(),
        slopes.len(),
        "prelu: dslopes must match slopes"
    );
    let channels = slopes.len();
    let outer = prelu_outer(n, channels, inner);
    let zero = s.zero();
    if inner == 1 {
        // Channels last: each row of C meets slopes and dslopes vector by vector.
        for o in 0..outer {
            let mut c = 0;
            while c < channels {
                let w = (channels - c).min(S::LANES);
                let r = o * channels + c..o * channels + c + w;
                let xv = load_w(s, &x[r.clone()], 0.0);
                let dyv = load_w(s, &dy[r.clone()], 0.0);
                let a = load_w(s, &slopes[c..c + w], 0.0);
                let pos = s.gt(xv, zero);
                let d = s.add(
                    load_w(s, &dx[r.clone()], 0.0),
                    s.select(pos, dyv, s.mul(dyv, a)),
                );
                store_w(s, &mut dx[r], d);
                let ds = s.select(pos, zero, s.mul(dyv, xv));
                let ds = s.add(load_w(s, &dslopes[c..c + w], 0.0), ds);
                store_w(s, &mut dslopes[c..c + w], ds);
                c += w;
            }
        }
        return;
    }
    for o in 0..outer {
        for c in 0..channels {
            let base = (o * channels + c) * inner;
            let a = s.splat(slopes[c]);
            let mut acc = s.zero();
            let mut i = 0;
            while i < inner {
                let w = (inner - i).min(S::LANES);
                let r = base + i..base + i + w;
                let xv = load_w(s, &x[r.clone()], 0.0);
                let dyv = load_w(s, &dy[r.clone()], 0.0);
                let pos = s.gt(xv, zero);
                let g = s.select(pos, dyv, s.mul(dyv, a));
                let d = s.add(load_w(s, &dx[r.clone()], 0.0), g);
                store_w(s, &mut dx[r], d);
                acc = s.add(acc, s.select(pos, zero, s.mul(dyv, xv)));
                i += w;
            }
            dslopes[c] += s.reduce_add(acc);
        }
    }
}
