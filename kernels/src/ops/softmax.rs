//! Row softmax, forward and backward, generic over the vector type.
use crate::math;
use crate::simd::Simd;

/// Checks a (rows, cols) matrix and returns rows.
pub(crate) fn rows_of(len: usize, cols: usize, what: &str) -> usize {
    if cols == 0 {
        assert_eq!(len, 0, "{what}: cols is 0 but the matrix is not empty");
        return 0;
    }
    assert_eq!(
        len % cols,
        0,
        "{what}: length {len} is not a multiple of cols = {cols}"
    );
    len / cols
}

/// Σ a[i]·b[i] over one row, vector lanes then a fixed reduction.
#[inline(always)]
pub(crate) fn row_dot<S: Simd>(s: S, a: &[f32], b: &[f32]) -> f32 {
    let mut acc = s.zero();
    let mut i = 0;
    while i < a.len() {
        let w = (a.len() - i).min(S::LANES);
        let av = load_w(s, &a[i..i + w], 0.0);
        let bv = load_w(s, &b[i..i + w], 0.0);
        acc = s.mul_add(av, bv, acc);
        i += w;
    }
    s.reduce_add(acc)
}

/// Each row of x (rows, cols): y = exp(x − max)/Σ exp(x − max). A row of all −∞ gives NaN (as
/// PyTorch); a NaN anywhere in a row makes the row NaN.
#[inline(always)]
pub fn rows<S: Simd>(s: S, x: &[f32], y: &mut [f32], cols: usize) {
    assert_eq!(
        x.len(),
        y.len(),
        "softmax: x and y must have the same length"
    );
    let rows = rows_of(x.len(), cols, "softmax");
    if cols <= SHORT * S::LANES {
        return short_rows(s, x, y, cols, rows);
    }
    for r in 0..rows {
        let xr = &x[r * cols..(r + 1) * cols];
        let yr = &mut y[r * cols..(r + 1) * cols];
        let mut mv = s.splat(f32::NEG_INFINITY);
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            mv = s.max(load_w(s, &xr[i..i + w], f32::NEG_INFINITY), mv);
            i += w;
        }
        let m = s.splat(s.reduce_max(mv));
        let mut sum = s.zero();
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            // Lanes past the row hold −∞, so they add exp(−∞) = 0 (or NaN when the row is
            // all −∞, which is NaN anyway).
            let xv = load_w(s, &xr[i..i + w], f32::NEG_INFINITY);
            let e = math::exp(s, s.sub(xv, m));
            sum = s.add(sum, e);
            store_w(s, &mut yr[i..i + w], e);
            i += w;
        }
        let inv = s.splat(1.0 / s.reduce_add(sum));
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            let v = s.mul(load_w(s, &yr[i..i + w], 0.0), inv);
            store_w(s, &mut yr[i..i + w], v);
            i += w;
        }
    }
}

/// Rows of at most this many vectors are softmaxed in registers.
const SHORT: usize = 4;

/// [`rows`] for rows of at most [`SHORT`] vectors (attention's 36-wide score rows): the row
/// stays in registers from load to store instead of being stored as exp(x − max) and read
/// back to be scaled. The arithmetic and its order are [`rows`]'s, so the results are the
/// same bits. (The fixed-size arrays with constant trip counts keep the vectors in registers.)
#[inline(always)]
fn short_rows<S: Simd>(s: S, x: &[f32], y: &mut [f32], cols: usize, rows: usize) {
    let n = S::LANES;
    let nv = cols.div_ceil(n);
    for r in 0..rows {
        let xr = &x[r * cols..(r + 1) * cols];
        let yr = &mut y[r * cols..(r + 1) * cols];
        let mut v = [s.splat(f32::NEG_INFINITY); SHORT];
        let mut mv = s.splat(f32::NEG_INFINITY);
        for (i, vi) in v.iter_mut().enumerate() {
            if i < nv {
                let hi = cols.min((i + 1) * n);
                *vi = load_w(s, &xr[i * n..hi], f32::NEG_INFINITY);
                mv = s.max(*vi, mv);
            }
        }
        let m = s.splat(s.reduce_max(mv));
        let mut sum = s.zero();
        for (i, vi) in v.iter_mut().enumerate() {
            if i < nv {
                // Lanes past the row hold −∞ and add exp(−∞) = 0, as in `rows`.
                *vi = math::exp(s, s.sub(*vi, m));
                sum = s.add(sum, *vi);
            }
        }
        let inv = s.splat(1.0 / s.reduce_add(sum));
        for (i, vi) in v.iter().enumerate() {
            if i < nv {
                let hi = cols.min((i + 1) * n);
                store_w(s, &mut yr[i * n..hi], s.mul(*vi, inv));
            }
        }
    }
}

/// dx += y ⊙ (dy − Σ dy·y), per row of (rows, cols).
#[inline(always)]
pub fn rows_backward<S: Simd>(s: S, y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) {
    let n = y.len();
    assert!(
        dy.len() == n && dx.len() == n,
        "softmax backward: y, dy and dx must have the same length ({n}, {}, {})",
        dy.len(),
        dx.len()
    );
    let rows = rows_of(n, cols, "softmax backward");
    for r in 0..rows {
        let range = r * cols..(r + 1) * cols;
        let (yr, dyr) = (&y[range.clone()], &dy[range.clone()]);
        let dxr = &mut dx[range];
        let dot = s.splat(row_dot(s, dyr, yr));
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            let yv = load_w(s, &yr[i..i + w], 0.0);
            let dyv = load_w(s, &dyr[i..i + w], 0.0);
            let d = s.mul_add(yv, s.sub(dyv, dot), load_w(s, &dxr[i..i + w], 0.0));
            store_w(s, &mut dxr[i..i + w], d);
            i += w;
        }
    }
}

/// Loads a chunk of up to `LANES` elements: a plain load when it is full, else a partial one
/// whose missing lanes are `fill`.
#[inline(always)]
pub(crate) fn load_w<S: Simd>(s: S, src: &[f32], fill: f32) -> S::V {
    if src.len() == S::LANES {
        s.load(src)
    } else {
        s.load_partial(src, fill)
    }
}

/// Stores the first `dst.len()` (at most `LANES`) lanes of `v`.
#[inline(always)]
pub(crate) fn store_w<S: Simd>(s: S, dst: &mut [f32], v: S::V) {
    if dst.len() == S::LANES {
        s.store(dst, v)
    } else {
        s.store_partial(dst, v)
    }
}
