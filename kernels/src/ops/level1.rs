//! Level-1 kernels (BLAS level 1 and elementwise arithmetic), generic over the vector type.
//!
//! Elementwise kernels walk whole vectors, then finish the tail with one partial load/store.
//! They compute exactly what the reference does, except `axpy`, which fuses `alpha·x + y` on
//! tiers with FMA (one rounding instead of two).
//!
//! Reductions keep four independent vector accumulators so consecutive adds do not wait on
//! each other's latency; they therefore add in a different order than the left-to-right
//! reference and agree with it only up to rounding (the tests state the bound).
//!
//! `max` and `argmax` are exact: they return the same bits as the reference on every input.
//! Pass one finds the largest value with vector `max` and notes whether any NaN was seen;
//! pass two finds the first index holding that value (or the first NaN). Equal non-zero
//! floats have equal bits, so the value of pass one is already the answer unless it is a NaN
//! (whose payload is the first NaN's) or a zero (whose sign is the first zero's: `-0.0` and
//! `0.0` compare equal, so "the first largest" is the first of them) — only then does `max`
//! run pass two. `argmax` always does.

use crate::simd::Simd;

/// How many vectors a reduction keeps in flight.
const ACCUMULATORS: usize = 4;

/// Panics unless two operands have the same length: a programmer error, reported clearly.
#[inline(always)]
fn check_len(kernel: &str, a: usize, b: usize) {
    assert_eq!(a, b, "{kernel}: operand lengths differ ({a} vs {b})");
}

/// out[i] = f(a[i], b[i]) for equal-length `a`, `b`, `out`.
#[inline(always)]
fn map2<S: Simd>(
    s: S,
    kernel: &str,
    a: &[f32],
    b: &[f32],
    out: &mut [f32],
    f: impl Fn(S::V, S::V) -> S::V,
) {
    check_len(kernel, a.len(), b.len());
    check_len(kernel, a.len(), out.len());
    let n = S::LANES;
    let whole = out.len() - out.len() % n;
    for ((ac, bc), oc) in a[..whole]
        .chunks_exact(n)
        .zip(b[..whole].chunks_exact(n))
        .zip(out[..whole].chunks_exact_mut(n))
    {
        s.store(oc, f(s.load(ac), s.load(bc)));
    }
    if whole < out.len() {
        // Fill the unused lanes with 1.0 so that `div` does not compute 0/0 there.
        let v = f(
            s.load_partial(&a[whole..], 1.0),
            s.load_partial(&b[whole..], 1.0),
        );
        s.store_partial(&mut out[whole..], v);
    }
}

/// y[i] = f(y[i], x[i]) for equal-length `y`, `x`.
#[inline(always)]
fn update2<S: Simd>(s: S, kernel: &str, y: &mut [f32], x: &[f32], f: impl Fn(S::V, S::V) -> S::V) {
    check_len(kernel, y.len(), x.len());
    let n = S::LANES;
    let whole = y.len() - y.len() % n;
    for (yc, xc) in y[..whole]
        .chunks_exact_mut(n)
        .zip(x[..whole].chunks_exact(n))
    {
        let v = f(s.load(yc), s.load(xc));
        s.store(yc, v);
    }
    if whole < y.len() {
        let v = f(
            s.load_partial(&y[whole..], 1.0),
            s.load_partial(&x[whole..], 1.0),
        );
        s.store_partial(&mut y[whole..], v);
    }
}

/// Folds `step(a_vec, b_vec, acc)` over equal-length `a` and `b` into `ACCUMULATORS` partial
/// sums, then adds them. Tail lanes are loaded as 0.0, which every caller's step ignores.
#[inline(always)]
fn fold2<S: Simd>(s: S, a: &[f32], b: &[f32], step: impl Fn(S::V, S::V, S::V) -> S::V) -> f32 {
    debug_assert_eq!(a.len(), b.len());
    let n = S::LANES;
    let block = ACCUMULATORS * n;
    let mut acc = [s.zero(); ACCUMULATORS];
    let blocks = a.len() - a.len() % block;
    for (ab, bb) in a[..blocks]
        .chunks_exact(block)
        .zip(b[..blocks].chunks_exact(block))
    {
        for (k, acc_k) in acc.iter_mut().enumerate() {
            *acc_k = step(s.load(&ab[k * n..]), s.load(&bb[k * n..]), *acc_k);
        }
    }
    let whole = a.len() - a.len() % n;
    for (ac, bc) in a[blocks..whole]
        .chunks_exact(n)
        .zip(b[blocks..whole].chunks_exact(n))
    {
        acc[0] = step(s.load(ac), s.load(bc), acc[0]);
    }
    if whole < a.len() {
        let (at, bt) = (&a[whole..], &b[whole..]);
        acc[1] = step(s.load_partial(at, 0.0), s.load_partial(bt, 0.0), acc[1]);
    }
    let pair01 = s.add(acc[0], acc[1]);
    let pair23 = s.add(acc[2], acc[3]);
    s.reduce_add(s.add(pair01, pair23))
}

/// `Σ a[i]·b[i]`
#[inline(always)]
pub fn dot<S: Simd>(s: S, a: &[f32], b: &[f32]) -> f32 {
    check_len("dot", a.len(), b.len());
    fold2(s, a, b, |av, bv, acc| s.mul_add(av, bv, acc))
}

/// `y[i] += alpha·x[i]` (fused on tiers with FMA).
#[inline(always)]
pub fn axpy<S: Simd>(s: S, alpha: f32, x: &[f32], y: &mut [f32]) {
    let alpha_v = s.splat(alpha);
    update2(s, "axpy", y, x, |yv, xv| s.mul_add(alpha_v, xv, yv));
}

/// `x[i] *= alpha`
#[inline(always)]
pub fn scale<S: Simd>(s: S, alpha: f32, x: &mut [f32]) {
    let alpha_v = s.splat(alpha);
    let n = S::LANES;
    let whole = x.len() - x.len() % n;
    for xc in x[..whole].chunks_exact_mut(n) {
        let v = s.mul(s.load(xc), alpha_v);
        s.store(xc, v);
    }
    if whole < x.len() {
        let v = s.mul(s.load_partial(&x[whole..], 0.0), alpha_v);
        s.store_partial(&mut x[whole..], v);
    }
}

/// `out[i] = a[i] + b[i]`
#[inline(always)]
pub fn add<S: Simd>(s: S, a: &[f32], b: &[f32], out: &mut [f32]) {
    map2(s, "add", a, b, out, |av, bv| s.add(av, bv));
}

/// `out[i] = a[i] − b[i]`
#[inline(always)]
pub fn sub<S: Simd>(s: S, a: &[f32], b: &[f32], out: &mut [f32]) {
    map2(s, "sub", a, b, out, |av, bv| s.sub(av, bv));
}

/// `out[i] = a[i]·b[i]`
#[inline(always)]
pub fn mul<S: Simd>(s: S, a: &[f32], b: &[f32], out: &mut [f32]) {
    map2(s, "mul", a, b, out, |av, bv| s.mul(av, bv));
}

/// `out[i] = a[i] / b[i]`
#[inline(always)]
pub fn div<S: Simd>(s: S, a: &[f32], b: &[f32], out: &mut [f32]) {
    map2(s, "div", a, b, out, |av, bv| s.div(av, bv));
}

/// `y[i] += x[i]`
#[inline(always)]
pub fn add_assign<S: Simd>(s: S, y: &mut [f32], x: &[f32]) {
    update2(s, "add_assign", y, x, |yv, xv| s.add(yv, xv));
}

/// `y[i] −= x[i]`
#[inline(always)]
pub fn sub_assign<S: Simd>(s: S, y: &mut [f32], x: &[f32]) {
    update2(s, "sub_assign", y, x, |yv, xv| s.sub(yv, xv));
}

/// `y[i] *= x[i]`
#[inline(always)]
pub fn mul_assign<S: Simd>(s: S, y: &mut [f32], x: &[f32]) {
    update2(s, "mul_assign", y, x, |yv, xv| s.mul(yv, xv));
}

/// `y[i] /= x[i]`
#[inline(always)]
pub fn div_assign<S: Simd>(s: S, y: &mut [f32], x: &[f32]) {
    update2(s, "div_assign", y, x, |yv, xv| s.div(yv, xv));
}

/// `Σ x[i]`
#[inline(always)]
pub fn sum<S: Simd>(s: S, x: &[f32]) -> f32 {
    // Folding x against itself costs no extra memory traffic (the same loads) and lets the
    // three reductions share one loop; the step ignores its second operand.
    fold2(s, x, x, |xv, _, acc| s.add(xv, acc))
}

/// `Σ x[i]²`
#[inline(always)]
pub fn sum_sq<S: Simd>(s: S, x: &[f32]) -> f32 {
    fold2(s, x, x, |xv, _, acc| s.mul_add(xv, xv, acc))
}

/// Pass one of `max`/`argmax` over a non-empty `x`: the largest value ignoring NaN (its sign
/// unspecified when it is a zero), and whether any NaN was seen.
#[inline(always)]
fn max_ignoring_nan<S: Simd>(s: S, x: &[f32]) -> (f32, bool) {
    let n = S::LANES;
    let block = ACCUMULATORS * n;
    let neg_inf = s.splat(f32::NEG_INFINITY);
    let mut acc = [neg_inf; ACCUMULATORS];
    // `max(v, acc)` returns `acc` where `v` is NaN, so NaN never enters `acc`; `nan` records it.
    let mut nan = s.lt(neg_inf, neg_inf); // all false
    let blocks = x.len() - x.len() % block;
    for xb in x[..blocks].chunks_exact(block) {
        for (k, acc_k) in acc.iter_mut().enumerate() {
            let v = s.load(&xb[k * n..]);
            *acc_k = s.max(v, *acc_k);
            nan = s.mask_or(nan, s.is_nan(v));
        }
    }
    let whole = x.len() - x.len() % n;
    for xc in x[blocks..whole].chunks_exact(n) {
        let v = s.load(xc);
        acc[0] = s.max(v, acc[0]);
        nan = s.mask_or(nan, s.is_nan(v));
    }
    if whole < x.len() {
        // −∞ in the unused lanes never exceeds a real element and is not NaN.
        let v = s.load_partial(&x[whole..], f32::NEG_INFINITY);
        acc[1] = s.max(v, acc[1]);
        nan = s.mask_or(nan, s.is_nan(v));
    }
    let pair01 = s.max(acc[0], acc[1]);
    let pair23 = s.max(acc[2], acc[3]);
    (s.reduce_max(s.max(pair01, pair23)), s.mask_any(nan))
}

/// Pass two: the first index whose element satisfies the predicate, given as a vector test
/// and the equivalent scalar test (they must agree lane by lane).
#[inline(always)]
fn first_match<S: Simd>(
    s: S,
    x: &[f32],
    vector_test: impl Fn(S::V) -> S::M,
    scalar_test: impl Fn(f32) -> bool,
) -> Option<usize> {
    let n = S::LANES;
    let whole = x.len() - x.len() % n;
    for (c, xc) in x[..whole].chunks_exact(n).enumerate() {
        if s.mask_any(vector_test(s.load(xc))) {
            if let Some(p) = xc.iter().position(|&e| scalar_test(e)) {
                return Some(c * n + p);
            }
        }
    }
    x[whole..]
        .iter()
        .position(|&e| scalar_test(e))
        .map(|p| whole + p)
}

/// Pass two for a pass-one result: the first NaN if `any_nan`, else the first element equal
/// to `m` (with `-0.0 == 0.0`).
#[inline(always)]
fn first_index_of<S: Simd>(s: S, x: &[f32], m: f32, any_nan: bool) -> Option<usize> {
    if any_nan {
        first_match(s, x, |v| s.is_nan(v), f32::is_nan)
    } else {
        let mv = s.splat(m);
        first_match(s, x, |v| s.mask_and(s.ge(v, mv), s.le(v, mv)), |e| e == m)
    }
}

/// The first NaN if any, else the first largest element; −∞ for an empty slice. Exact.
#[inline(always)]
pub fn max<S: Simd>(s: S, x: &[f32]) -> f32 {
    if x.is_empty() {
        return f32::NEG_INFINITY;
    }
    let (m, any_nan) = max_ignoring_nan(s, x);
    if !any_nan && m != 0.0 {
        return m;
    }
    // A NaN's payload or a zero's sign depends on which element comes first.
    match first_index_of(s, x, m, any_nan) {
        Some(i) => x[i],
        None => unreachable!("max: pass two must find the value pass one saw"),
    }
}

/// The index of the first NaN if any, else of the first largest element; `None` if empty.
#[inline(always)]
pub fn argmax<S: Simd>(s: S, x: &[f32]) -> Option<usize> {
    if x.is_empty() {
        return None;
    }
    let (m, any_nan) = max_ignoring_nan(s, x);
    first_index_of(s, x, m, any_nan)
}
