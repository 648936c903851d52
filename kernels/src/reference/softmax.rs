//! Row softmax, forward and backward.

/// Each row of x (rows, cols): y = exp(x − max)/Σ exp(x − max), in f64 per row.
pub fn rows(x: &[f32], y: &mut [f32], cols: usize) {
    assert_eq!(
        x.len(),
        y.len(),
        "softmax: x and y must have the same length"
    );
    assert!(
        (cols == 0 && x.is_empty()) || (cols > 0 && x.len() % cols == 0),
        "softmax: length must be a multiple of cols"
    );
    for (xr, yr) in x
        .chunks_exact(cols.max(1))
        .zip(y.chunks_exact_mut(cols.max(1)))
    {
        // NaN anywhere makes the row NaN; an all −∞ row gives (−∞) − (−∞) = NaN.
        let m = xr
            .iter()
            .fold(f32::NEG_INFINITY, |m, &v| if v > m { v } else { m }) as f64;
        let sum: f64 = xr.iter().map(|&v| (v as f64 - m).exp()).sum();
        for (yi, &xi) in yr.iter_mut().zip(xr) {
            *yi = ((xi as f64 - m).exp() / sum) as f32;
        }
    }
}

/// dx += y ⊙ (dy − Σ dy·y), per row of (rows, cols).
pub fn rows_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) {
    let n = y.len();
    assert!(
        dy.len() == n && dx.len() == n,
        "softmax backward: lengths must match"
    );
    assert!(
        (cols == 0 && n == 0) || (cols > 0 && n % cols == 0),
        "softmax backward: length must be a multiple of cols"
    );
    for r in 0..n / cols.max(1) {
        let row = r * cols..(r + 1) * cols;
        let dot: f64 = row.clone().map(|i| dy[i] as f64 * y[i] as f64).sum();
        for i in row {
            dx[i] += (y[i] as f64 * (dy[i] as f64 - dot)) as f32;
        }
    }
}
