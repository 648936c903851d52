//! exp and log over slices, generic over the vector type (the approximations live in `math/`),
//! and the slice-mapping loops the activation kernels share.
use crate::math;
use crate::simd::Simd;

/// A function of one vector. Kernels pass small structs implementing it rather than closures:
/// a closure is a separate function compiled without the tier's target features, so the
/// intrinsics inside it would not inline unless the closure itself happened to be inlined.
pub(crate) trait Map1<S: Simd>: Copy {
    fn f(self, s: S, x: S::V) -> S::V;
}

/// A function of (x, y, dy) vectors: the shape of an activation's backward pass.
pub(crate) trait Map3<S: Simd>: Copy {
    fn f(self, s: S, x: S::V, y: S::V, dy: S::V) -> S::V;
}

/// y[i] = f(x[i]), a vector at a time; the tail goes through a partial vector.
#[inline(always)]
pub(crate) fn map<S: Simd>(s: S, x: &[f32], y: &mut [f32], f: impl Map1<S>) {
    assert_eq!(x.len(), y.len(), "x and y must have the same length");
    // Two vectors per iteration: two independent dependency chains for the scheduler.
    let mut xs2 = x.chunks_exact(2 * S::LANES);
    let mut ys2 = y.chunks_exact_mut(2 * S::LANES);
    for (xc, yc) in (&mut xs2).zip(&mut ys2) {
        let (a, b) = (s.load(xc), s.load(&xc[S::LANES..]));
        let (fa, fb) = (f.f(s, a), f.f(s, b));
        s.store(yc, fa);
        s.store(&mut yc[S::LANES..], fb);
    }
    let (x, y) = (xs2.remainder(), ys2.into_remainder());
    let mut xs = x.chunks_exact(S::LANES);
    let mut ys = y.chunks_exact_mut(S::LANES);
    for (xc, yc) in (&mut xs).zip(&mut ys) {
        s.store(yc, f.f(s, s.load(xc)));
    }
    let (xt, yt) = (xs.remainder(), ys.into_remainder());
    if !xt.is_empty() {
        s.store_partial(yt, f.f(s, s.load_partial(xt, 0.0)));
    }
}

/// x[i] = f(x[i]) in place.
#[inline(always)]
pub(crate) fn map_inplace<S: Simd>(s: S, x: &mut [f32], f: impl Map1<S>) {
    let mut xs = x.chunks_exact_mut(S::LANES);
    for xc in &mut xs {
        let v = f.f(s, s.load(xc));
        s.store(xc, v);
    }
    let xt = xs.into_remainder();
    if !xt.is_empty() {
        let v = f.f(s, s.load_partial(xt, 0.0));
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
    f: impl Map3<S>,
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
        let g = f.f(
            s,
            s.load(&x[r.clone()]),
            s.load(&y[r.clone()]),
            s.load(&dy[r.clone()]),
        );
        let acc = s.add(s.load(&dx[r.clone()]), g);
        s.store(&mut dx[r], acc);
        i += S::LANES;
    }
    if i < n {
        let g = f.f(
            s,
            s.load_partial(&x[i..], 0.0),
            s.load_partial(&y[i..], 0.0),
            s.load_partial(&dy[i..], 0.0),
        );
        let acc = s.add(s.load_partial(&dx[i..], 0.0), g);
        s.store_partial(&mut dx[i..], acc);
    }
}

#[derive(Clone, Copy)]
struct Exp;
impl<S: Simd> Map1<S> for Exp {
    #[inline(always)]
    fn f(self, s: S, x: S::V) -> S::V {
        math::exp(s, x)
    }
}

#[derive(Clone, Copy)]
struct Log;
impl<S: Simd> Map1<S> for Log {
    #[inline(always)]
    fn f(self, s: S, x: S::V) -> S::V {
        math::log(s, x)
    }
}

/// y = e^x elementwise (see [`math::exp`](fn@math::exp) for the accuracy).
#[inline(always)]
pub fn exp<S: Simd>(s: S, x: &[f32], y: &mut [f32]) {
    map(s, x, y, Exp);
}

/// y = ln x elementwise (see [`math::log`](fn@math::log) for the accuracy).
#[inline(always)]
pub fn log<S: Simd>(s: S, x: &[f32], y: &mut [f32]) {
    map(s, x, y, Log);
}
