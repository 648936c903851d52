//! Scalar reference of the column sum (see `ops::colsum`).

/// `out[j] += Σ_r x[r·cols + j]` for x (rows, cols) and out (cols): each column gets its rows
/// added one after another, in row order, starting from `out[j]`.
///
/// # Panics
/// If `out.len() != cols` or `x.len()` is not a multiple of `cols`.
pub fn col_sum_acc(x: &[f32], cols: usize, out: &mut [f32]) {
    let rows = crate::ops::colsum::rows_checked(x.len(), cols, out.len());
    for r in 0..rows {
        for (o, &v) in out.iter_mut().zip(&x[r * cols..(r + 1) * cols]) {
            *o += v;
        }
    }
}
