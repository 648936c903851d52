//! Column sums accumulated into a vector (bias gradients: db += Σ over rows of dy), generic
//! over the vector type.
//!
//! Adding the rows one by one with `add_assign` loads and stores `out` once per row; here a
//! block of up to `BLOCK` vectors of `out` stays in registers while every row streams by,
//! so each element of x is one load and one add. Each column still receives its rows in
//! order, starting from `out`, so the result is the reference's bit for bit on every tier.

use crate::simd::Simd;

/// Vectors of columns kept in registers per pass over the rows: 8 independent add chains
/// cover the add latency (4 cycles) × 2 ports; with the 8 loads they fit 16 registers.
const BLOCK: usize = 8;

/// Checks the shapes and returns the number of rows.
pub(crate) fn rows_checked(x_len: usize, cols: usize, out_len: usize) -> usize {
    assert_eq!(
        out_len, cols,
        "col_sum_acc: out has {out_len} elements but cols is {cols}"
    );
    if cols == 0 {
        assert_eq!(x_len, 0, "col_sum_acc: cols is 0 but x is not empty");
        return 0;
    }
    assert!(
        x_len.is_multiple_of(cols),
        "col_sum_acc: length {x_len} of x is not a multiple of cols = {cols}"
    );
    x_len / cols
}

/// `out[j] += Σ_r x[r·cols + j]` for x (rows, cols) and out (cols), rows added in order.
///
/// # Panics
/// If `out.len() != cols` or `x.len()` is not a multiple of `cols`.
#[inline(always)]
pub fn col_sum_acc<S: Simd>(s: S, x: &[f32], cols: usize, out: &mut [f32]) {
    let rows = rows_checked(x.len(), cols, out.len());
    let n = S::LANES;
    let full = BLOCK * n;
    let mut j = 0;
    // Whole blocks: the fixed trip count keeps the accumulators in registers.
    while j + full <= cols {
        let mut acc: [S::V; BLOCK] = std::array::from_fn(|v| s.load(&out[j + v * n..]));
        for r in 0..rows {
            let row = &x[r * cols + j..][..full];
            for v in 0..BLOCK {
                acc[v] = s.add(acc[v], s.load(&row[v * n..]));
            }
        }
        for (v, a) in acc.iter().enumerate() {
            s.store(&mut out[j + v * n..], *a);
        }
        j += full;
    }
    // The remaining columns, one vector (the last one partial) at a time.
    while j < cols {
        let w = n.min(cols - j);
        let mut acc = s.load_partial(&out[j..j + w], 0.0);
        for r in 0..rows {
            let start = r * cols + j;
            let xv = if w == n {
                s.load(&x[start..start + n])
            } else {
                s.load_partial(&x[start..start + w], 0.0)
            };
            acc = s.add(acc, xv);
        }
        s.store_partial(&mut out[j..j + w], acc);
        j += w;
    }
}
