//! Level-1 kernels (BLAS level 1 and elementwise arithmetic), scalar reference.
//!
//! Each function is one plain loop in index order; the SIMD tiers in `ops::level1` are tested
//! against these. Reductions here add left to right, so a SIMD tier (which keeps several partial
//! sums) agrees only up to rounding; `max` and `argmax` must agree exactly.

// Index loops read like the formulas in the comments, which is the point of a reference.
#![allow(clippy::needless_range_loop)]

/// Panics unless two operands have the same length.
fn check_len(kernel: &str, a: usize, b: usize) {
    assert_eq!(a, b, "{kernel}: operand lengths differ ({a} vs {b})");
}

/// `Σ a[i]·b[i]`
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    check_len("dot", a.len(), b.len());
    let mut acc = 0.0f32;
    for i in 0..a.len() {
        acc += a[i] * b[i];
    }
    acc
}

/// `y[i] += alpha·x[i]`
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    check_len("axpy", x.len(), y.len());
    for i in 0..y.len() {
        y[i] += alpha * x[i];
    }
}

/// `x[i] *= alpha`
pub fn scale(alpha: f32, x: &mut [f32]) {
    for xi in x.iter_mut() {
        *xi *= alpha;
    }
}

/// `out[i] = a[i] + b[i]`
pub fn add(a: &[f32], b: &[f32], out: &mut [f32]) {
    check_len("add", a.len(), b.len());
    check_len("add", a.len(), out.len());
    for i in 0..out.len() {
        out[i] = a[i] + b[i];
    }
}

/// `out[i] = a[i] − b[i]`
pub fn sub(a: &[f32], b: &[f32], out: &mut [f32]) {
    check_len("sub", a.len(), b.len());
    check_len("sub", a.len(), out.len());
    for i in 0..out.len() {
        out[i] = a[i] - b[i];
    }
}

/// `out[i] = a[i]·b[i]`
pub fn mul(a: &[f32], b: &[f32], out: &mut [f32]) {
    check_len("mul", a.len(), b.len());
    check_len("mul", a.len(), out.len());
    for i in 0..out.len() {
        out[i] = a[i] * b[i];
    }
}

/// `out[i] = a[i] / b[i]`
pub fn div(a: &[f32], b: &[f32], out: &mut [f32]) {
    check_len("div", a.len(), b.len());
    check_len("div", a.len(), out.len());
    for i in 0..out.len() {
        out[i] = a[i] / b[i];
    }
}

/// `y[i] += x[i]`
pub fn add_assign(y: &mut [f32], x: &[f32]) {
    check_len("add_assign", y.len(), x.len());
    for i in 0..y.len() {
        y[i] += x[i];
    }
}

/// `y[i] −= x[i]`
pub fn sub_assign(y: &mut [f32], x: &[f32]) {
    check_len("sub_assign", y.len(), x.len());
    for i in 0..y.len() {
        y[i] -= x[i];
    }
}

/// `y[i] *= x[i]`
pub fn mul_assign(y: &mut [f32], x: &[f32]) {
    check_len("mul_assign", y.len(), x.len());
    for i in 0..y.len() {
        y[i] *= x[i];
    }
}

/// `y[i] /= x[i]`
pub fn div_assign(y: &mut [f32], x: &[f32]) {
    check_len("div_assign", y.len(), x.len());
    for i in 0..y.len() {
        y[i] /= x[i];
    }
}

/// `Σ x[i]`
pub fn sum(x: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for &xi in x {
        acc += xi;
    }
    acc
}

/// `Σ x[i]²`
pub fn sum_sq(x: &[f32]) -> f32 {
    let mut acc = 0.0f32;
    for &xi in x {
        acc += xi * xi;
    }
    acc
}

/// `max_i x[i]`: the first NaN if there is one, else the first largest element (so of `-0.0`
/// and `0.0`, which compare equal, whichever comes first); −∞ for an empty slice.
pub fn max(x: &[f32]) -> f32 {
    match argmax(x) {
        Some(i) => x[i],
        None => f32::NEG_INFINITY,
    }
}

/// The index of the first NaN if there is one, else of the first element `m` with no later
/// element `> m` — the first largest (`-0.0 == 0.0`, so the first of them wins).
pub fn argmax(x: &[f32]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (i, &xi) in x.iter().enumerate() {
        if xi.is_nan() {
            return Some(i);
        }
        if best.is_none_or(|b| xi > x[b]) {
            best = Some(i);
        }
    }
    best
}
