//! Softmax and layer norm rows on every tier against the scalar (f64-accumulating) reference,
//! on random shapes (rows 0..8, cols 1..300) and unaligned sub-slices.
//!
//! Tolerances: softmax y within 1e−6·|y| + 1e−7·max(y) (exp is ≤ 1 ULP, the sum is f32 in
//! another order); backward within 1e−5 of Σ|terms|; layer norm y and dx within 2e−5 of the
//! row's scale (|gamma|·|xhat| + |beta|), mean and rstd within 1e−5 relative.

mod common;
use common::{config, Gen};
use nd_kernels::{all_supported, reference, LayerNormBackward};
use proptest::prelude::*;

impl Gen {
    fn vec(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn softmax_matches_reference(
        rows in 0usize..6,
        cols in 1usize..300,
        off in 0usize..16,
        seed in any::<u64>(),
        neg_inf in any::<bool>(),
    ) {
        let mut g = Gen(seed);
        let n = rows * cols;
        let mut buf = g.vec(off + n, -30.0, 30.0);
        if neg_inf {
            // Masked entries, as attention uses them.
            for i in 0..n {
                if g.next().is_multiple_of(5) {
                    buf[off + i] = f32::NEG_INFINITY;
                }
            }
        }
        let x = &buf[off..];
        let mut want = vec![0.0f32; n];
        reference::softmax::rows(x, &mut want, cols);
        let dy = g.vec(n, -1.0, 1.0);
        let dx0 = g.vec(n, -1.0, 1.0);
        for k in all_supported() {
            let mut ybuf = vec![0.0f32; off + n];
            (k.softmax_rows)(x, &mut ybuf[off..], cols);
            let y = &ybuf[off..];
            for r in 0..rows {
                let row = r * cols..(r + 1) * cols;
                let m = want[row.clone()].iter().fold(0.0f32, |a, &b| a.max(b));
                for i in row {
                    if want[i].is_nan() {
                        prop_assert!(y[i].is_nan(), "softmax on {:?}: want NaN, got {}", k.isa, y[i]);
                        continue;
                    }
                    prop_assert!(
                        (y[i] - want[i]).abs() <= 1e-6 * want[i].abs() + 1e-7 * m,
                        "softmax on {:?} at {}: got {:e}, want {:e}", k.isa, i, y[i], want[i]
                    );
                }
            }
            // Backward, from the reference's y.
            let mut want_dx = dx0.clone();
            reference::softmax::rows_backward(&want, &dy, &mut want_dx, cols);
            let mut dx = dx0.clone();
            (k.softmax_rows_backward)(&want, &dy, &mut dx, cols);
            for i in 0..n {
                if want_dx[i].is_nan() {
                    prop_assert!(dx[i].is_nan());
                    continue;
                }
                let tol = 1e-5 * (dx0[i].abs() + want[i].abs() * 2.0) + 1e-30;
                prop_assert!(
                    (dx[i] - want_dx[i]).abs() <= tol,
                    "softmax backward on {:?} at {}: got {:e}, want {:e}", k.isa, i, dx[i], want_dx[i]
                );
            }
        }
    }

    #[test]
    fn layernorm_matches_reference(
        rows in 0usize..6,
        cols in 1usize..300,
        off in 0usize..16,
        seed in any::<u64>(),
        shift in prop_oneof![Just(0.0f32), Just(1000.0f32), -50.0f32..50.0],
    ) {
        let mut g = Gen(seed);
        let n = rows * cols;
        // A large common shift checks that the two-pass variance does not cancel.
        let buf: Vec<f32> = g.vec(off + n, -3.0, 3.0).into_iter().map(|v| v + shift).collect();
        let x = &buf[off..];
        let gamma = g.vec(cols, -2.0, 2.0);
        let beta = g.vec(cols, -1.0, 1.0);
        let eps = 1e-5;
        let (mut want, mut wmean, mut wrstd) = (vec![0.0f32; n], vec![0.0f32; rows], vec![0.0f32; rows]);
        reference::layernorm::rows(x, &gamma, &beta, eps, &mut want, &mut wmean, &mut wrstd);
        let dy = g.vec(n, -1.0, 1.0);
        let dx0 = g.vec(n, -1.0, 1.0);
        let dg0 = g.vec(cols, -1.0, 1.0);
        let db0 = g.vec(cols, -1.0, 1.0);
        let inputs = LayerNormBackward { x, gamma: &gamma, mean: &wmean, rstd: &wrstd, dy: &dy };
        let (mut want_dx, mut want_dg, mut want_db) = (dx0.clone(), dg0.clone(), db0.clone());
        reference::layernorm::rows_backward(&inputs, &mut want_dx, &mut want_dg, &mut want_db);
        // The size of a row's xhat is about 1..3; the scale for each tolerance:
        let gscale: f32 = gamma.iter().map(|v| v.abs()).fold(0.0, f32::max) + 1.0;
        for k in all_supported() {
            let (mut y, mut mean, mut rstd) = (vec![0.0f32; n], vec![0.0f32; rows], vec![0.0f32; rows]);
            (k.layernorm_rows)(x, &gamma, &beta, eps, &mut y, &mut mean, &mut rstd);
            // Rows shifted by 1000 carry f32 input rounding of 6e−5, so compare relative to it.
            let xscale = 1.0 + shift.abs() * 1e-2;
            for r in 0..rows {
                prop_assert!((mean[r] - wmean[r]).abs() <= 1e-6 * (wmean[r].abs() + 1.0));
                prop_assert!(
                    (rstd[r] - wrstd[r]).abs() <= 1e-5 * wrstd[r] * xscale,
                    "rstd on {:?}: got {}, want {}", k.isa, rstd[r], wrstd[r]
                );
            }
            for i in 0..n {
                prop_assert!(
                    (y[i] - want[i]).abs() <= 2e-5 * gscale * 4.0 * xscale,
                    "layernorm on {:?} at {}: got {:e}, want {:e}", k.isa, i, y[i], want[i]
                );
            }
            let (mut dx, mut dg, mut db) = (dx0.clone(), dg0.clone(), db0.clone());
            (k.layernorm_rows_backward)(&inputs, &mut dx, &mut dg, &mut db);
            let rmax = wrstd.iter().fold(0.0f32, |a, &b| a.max(b));
            for i in 0..n {
                prop_assert!(
                    (dx[i] - want_dx[i]).abs() <= 1e-4 * (gscale * 4.0 * rmax * xscale + dx0[i].abs()),
                    "layernorm dx on {:?} at {}: got {:e}, want {:e}", k.isa, i, dx[i], want_dx[i]
                );
            }
            for j in 0..cols {
                let tol = 1e-5 * (rows as f32 * 4.0 * xscale + dg0[j].abs() + 1.0);
                prop_assert!((dg[j] - want_dg[j]).abs() <= tol, "dgamma on {:?}: {} vs {}", k.isa, dg[j], want_dg[j]);
                prop_assert!((db[j] - want_db[j]).abs() <= 1e-5 * (rows as f32 + 1.0), "dbeta on {:?}", k.isa);
            }
        }
    }
}

/// An all −∞ row gives NaN (as PyTorch); a partly −∞ row gives 0 there; other rows are unharmed.
#[test]
fn softmax_infinities() {
    let ninf = f32::NEG_INFINITY;
    let x = [ninf, ninf, ninf, 0.0, ninf, 0.0, 1.0, 2.0, 3.0];
    for k in all_supported() {
        let mut y = [0.0f32; 9];
        (k.softmax_rows)(&x, &mut y, 3);
        assert!(y[..3].iter().all(|v| v.is_nan()), "{:?}: {y:?}", k.isa);
        assert_eq!(&y[3..6], &[0.5, 0.0, 0.5], "{:?}", k.isa);
        let s: f32 = y[6..].iter().sum();
        assert!((s - 1.0).abs() < 1e-6 && y[6] < y[7] && y[7] < y[8]);
    }
}

/// Rows with a huge mean keep their variance (two passes, no E[x²] − E[x]² cancellation).
#[test]
fn layernorm_large_mean() {
    let cols = 64;
    let x: Vec<f32> = (0..cols).map(|i| 1.0e4 + (i % 2) as f32).collect();
    let gamma = vec![1.0f32; cols];
    let beta = vec![0.0f32; cols];
    for k in all_supported() {
        let (mut y, mut mean, mut rstd) = (vec![0.0f32; cols], [0.0f32], [0.0f32]);
        (k.layernorm_rows)(&x, &gamma, &beta, 0.0, &mut y, &mut mean, &mut rstd);
        assert!(
            (mean[0] - 10000.5).abs() < 1e-3,
            "{:?}: mean {}",
            k.isa,
            mean[0]
        );
        assert!(
            (rstd[0] - 2.0).abs() < 1e-4,
            "{:?}: rstd {}",
            k.isa,
            rstd[0]
        );
        assert!(
            (y[0] + 1.0).abs() < 1e-3 && (y[1] - 1.0).abs() < 1e-3,
            "{:?}: {:?}",
            k.isa,
            &y[..2]
        );
    }
}

#[test]
#[should_panic(expected = "multiple")]
fn softmax_shape_mismatch_panics() {
    let k = nd_kernels::active();
    (k.softmax_rows)(&[1.0; 5], &mut [0.0; 5], 2);
}

#[test]
#[should_panic(expected = "one entry per row")]
fn layernorm_stats_length_panics() {
    let k = nd_kernels::active();
    (k.layernorm_rows)(
        &[1.0; 4],
        &[1.0; 2],
        &[0.0; 2],
        1e-5,
        &mut [0.0; 4],
        &mut [0.0; 1],
        &mut [0.0; 2],
    );
}
