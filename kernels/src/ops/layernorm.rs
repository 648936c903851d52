//! Row layer normalisation, forward and backward, generic over the vector type.
//!
//! Two passes over each row (mean, then the centred sum of squares), so rows with a large mean
//! do not lose their variance to cancellation.
use super::softmax::{load_w, rows_of, store_w};
use crate::simd::Simd;
use crate::table::LayerNormBackward;

/// Σ x[i] over a row.
#[inline(always)]
fn row_sum<S: Simd>(s: S, x: &[f32]) -> f32 {
    let mut acc = s.zero();
    let mut i = 0;
    while i < x.len() {
        let w = (x.len() - i).min(S::LANES);
        acc = s.add(acc, load_w(s, &x[i..i + w], 0.0));
        i += w;
    }
    s.reduce_add(acc)
}

/// Σ (x[i] − mu)² over a row (tail lanes are filled with mu, so they add 0).
#[inline(always)]
fn row_sum_sq_dev<S: Simd>(s: S, x: &[f32], mu: f32) -> f32 {
    let muv = s.splat(mu);
    let mut acc = s.zero();
    let mut i = 0;
    while i < x.len() {
        let w = (x.len() - i).min(S::LANES);
        let d = s.sub(load_w(s, &x[i..i + w], mu), muv);
        acc = s.mul_add(d, d, acc);
        i += w;
    }
    s.reduce_add(acc)
}

/// Each row of x (rows, C), C = gamma.len(): y = (x − mean)·rstd·gamma + beta with
/// rstd = 1/√(var + eps), var biased; writes mean (rows) and rstd (rows).
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub fn rows<S: Simd>(
    s: S,
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
    y: &mut [f32],
    mean: &mut [f32],
    rstd: &mut [f32],
) {
    let cols = gamma.len();
    assert_eq!(
        beta.len(),
        cols,
        "layernorm: gamma and beta must have the same length"
    );
    assert_eq!(
        x.len(),
        y.len(),
        "layernorm: x and y must have the same length"
    );
    let rows = rows_of(x.len(), cols, "layernorm");
    if cols == 0 {
        return;
    }
    assert!(
        mean.len() == rows && rstd.len() == rows,
        "layernorm: mean and rstd must have one entry per row ({rows}), got {} and {}",
        mean.len(),
        rstd.len()
    );
    let inv_n = 1.0 / cols as f32;
    for r in 0..rows {
        let xr = &x[r * cols..(r + 1) * cols];
        let yr = &mut y[r * cols..(r + 1) * cols];
        let mu = row_sum(s, xr) * inv_n;
        let muv = s.splat(mu);
        let var = row_sum_sq_dev(s, xr, mu) * inv_n;
        let rs = 1.0 / (var + eps).sqrt();
        mean[r] = mu;
        rstd[r] = rs;
        let rsv = s.splat(rs);
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            let xhat = s.mul(s.sub(load_w(s, &xr[i..i + w], 0.0), muv), rsv);
            let g = load_w(s, &gamma[i..i + w], 0.0);
            let b = load_w(s, &beta[i..i + w], 0.0);
            store_w(s, &mut yr[i..i + w], s.mul_add(xhat, g, b));
            i += w;
        }
    }
}

/// PyTorch's formula, per row: xhat = (x − mean)·rstd, dxhat = dy·gamma,
/// dx += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)); dgamma += Σ_rows dy·xhat;
/// dbeta += Σ_rows dy.
#[inline(always)]
pub fn rows_backward<S: Simd>(
    s: S,
    inputs: &LayerNormBackward<'_>,
    dx: &mut [f32],
    dgamma: &mut [f32],
    dbeta: &mut [f32],
) {
    let LayerNormBackward {
        x,
        gamma,
        mean,
        rstd,
        dy,
    } = *inputs;
    let cols = gamma.len();
    assert!(
        dy.len() == x.len() && dx.len() == x.len(),
        "layernorm backward: x, dy and dx must have the same length ({}, {}, {})",
        x.len(),
        dy.len(),
        dx.len()
    );
    assert!(
        dgamma.len() == cols && dbeta.len() == cols,
        "layernorm backward: dgamma and dbeta must have gamma's length {cols}"
    );
    let rows = rows_of(x.len(), cols, "layernorm backward");
    if cols == 0 {
        return;
    }
    assert!(
        mean.len() == rows && rstd.len() == rows,
        "layernorm backward: mean and rstd must have one entry per row ({rows})"
    );
    let inv_n = 1.0 / cols as f32;
    for r in 0..rows {
        let range = r * cols..(r + 1) * cols;
        let (xr, dyr) = (&x[range.clone()], &dy[range.clone()]);
        let dxr = &mut dx[range];
        let muv = s.splat(mean[r]);
        let rsv = s.splat(rstd[r]);
        // Pass 1: mean(dxhat), mean(dxhat·xhat), and the parameter gradients.
        let mut sum_dxhat = s.zero();
        let mut sum_dxhat_xhat = s.zero();
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            let xhat = s.mul(s.sub(load_w(s, &xr[i..i + w], 0.0), muv), rsv);
            let dyv = load_w(s, &dyr[i..i + w], 0.0);
            let dxhat = s.mul(dyv, load_w(s, &gamma[i..i + w], 0.0));
            sum_dxhat = s.add(sum_dxhat, dxhat);
            sum_dxhat_xhat = s.mul_add(dxhat, xhat, sum_dxhat_xhat);
            let dg = s.mul_add(dyv, xhat, load_w(s, &dgamma[i..i + w], 0.0));
            store_w(s, &mut dgamma[i..i + w], dg);
            let db = s.add(dyv, load_w(s, &dbeta[i..i + w], 0.0));
            store_w(s, &mut dbeta[i..i + w], db);
            i += w;
        }
        let a = s.splat(s.reduce_add(sum_dxhat) * inv_n);
        let b = s.splat(s.reduce_add(sum_dxhat_xhat) * inv_n);
        // Pass 2: dx.
        let mut i = 0;
        while i < cols {
            let w = (cols - i).min(S::LANES);
            let xhat = s.mul(s.sub(load_w(s, &xr[i..i + w], 0.0), muv), rsv);
            let dxhat = s.mul(
                load_w(s, &dyr[i..i + w], 0.0),
                load_w(s, &gamma[i..i + w], 0.0),
            );
            let inner = s.sub(s.sub(dxhat, a), s.mul(xhat, b));
            let d = s.mul_add(rsv, inner, load_w(s, &dxr[i..i + w], 0.0));
            store_w(s, &mut dxr[i..i + w], d);
            i += w;
        }
    }
}
