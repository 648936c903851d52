//! exp and log over slices, generic over the vector type (the approximations live in `math/`),
//! and the slice-mapping loops the activation kernels share.
use crate::math;
use crate::simd::Simd;

/// y[i] = f(x[i]), a vector at a time; the tail goes through a partial vector.
#[inline(always)]
pub(crate) fn map<S: Simd>(s: S, x: &[f32], y: &mut [f32], f: impl Fn(S::V) -> S::V) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    let mut xs = x.chunks_exact(S::LANES);
    let mut ys = y.chunks_exact_mut(S::LANES);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        s.store(yc, f(s.load(xc)));
    }
    let (xt, yt) = (xs.remainder(), ys.into_remainder());
    if !xt.is_empty() {
        s.store_partial(yt, f(s.load_partial(xt, 0.0)));
    }
}

/// x[i] = f(x[i]) in place.
#[inline(always)]
pub(crate) fn map_inplace<S: Simd>(s: S, x: &mut [f32], f: impl Fn(S::V) -> S::V) {
    let mut xs = x.chunks_exact_mut(S::LANES);
    for xc in &mut xs {
        let v = f(s.load(xc));
        s.store(xc, v);
    }
    let xt = xs.into_remainder();
    if !xt.is_empty() {
        let v = f(s.load_partial(xt, 0.0));
        s.store_partial(xt, v);
    }
}

/// dx[i] += f(x[i], y[i], dy[i]) (the shape of every activation's backward pass).
#[inline(always)]
pub(crate) fn map3_accumulate<S: Simd>(
    s: S,
    x: &[f32],
    y: &[f32],
    dy: &[f32],
    dx: &mut [f32],
    f: impl Fn(S::V, S::V, S::V) -> S::V,
) {
    let n = x.len();
    assert!(
        y.len() == n && dy.len() == n && dx.len() == n,
        "x, y, dy and dx must have the same length ({n}, {}, {}, {})",
        y.len(),
        dy.len(),
        dx.len()
    );
    let body = n - n % S::LANES;
    let mut i = 0;
    while i < body {
        let r = i..i + S::LANES;
        let g = f(
            s.load(&x[r.clone()]),
            s.load(&y[r.clone()]),
            s.load(&dy[r.clone()]),
        );
        let acc = s.add(s.load(&dx[r.clone()]), g);
        s.store(&mut dx[r], acc);
        i += S::LANES;
    }
    if i < n {
        let g = f(
            s.load_partial(&x[i..], 0.0),
            s.load_partial(&y[i..], 0.0),
            s.load_partial(&dy[i..], 0.0),
        );
        let acc = s.add(s.load_partial(&dx[i..], 0.0), g);
        s.store_partial(&mut dx[i..], acc);
    }
}

/// y = e^x elementwise (see [`math::exp`] for the accuracy).
pub fn exp<S: Simd>(s: S, x: &[f32], y: &mut [f32]) {
    map(s, x, y, |v| math::exp(s, v));
}

/// y = ln x elementwise (see [`math::log`] for the accuracy).
pub fn log<S: Simd>(s: S, x: &[f32], y: &mut [f32]) {
    map(s, x, y, |v| math::log(s, v));
}
