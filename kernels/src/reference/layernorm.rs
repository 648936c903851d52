//! Row layer normalisation, forward and backward, in f64 per row.
use crate::table::LayerNormBackward;

/// Each row of x (rows, C), C = gamma.len(): mean = Σx/C, var = Σ(x − mean)²/C (biased),
/// rstd = 1/√(var + eps), y = (x − mean)·rstd·gamma + beta; writes mean and rstd per row.
pub fn rows(
    x: &[f32],
    gamma: &[f32],
    beta: &[f32],
    eps: f32,
    y: &mut [f32],
    mean: &mut [f32],
    rstd: &mut [f32],
) {
    let c = gamma.len();
    assert_eq!(
        beta.len(),
        c,
        "layernorm: gamma and beta must have the same length"
    );
    assert_eq!(
        x.len(),
        y.len(),
        "layernorm: x and y must have the same length"
    );
    if c == 0 {
        assert!(x.is_empty(), "layernorm: C is 0 but x is not empty");
        return;
    }
    assert_eq!(x.len() % c, 0, "layernorm: x.len() must be a multiple of C");
    let rows = x.len() / c;
    assert!(
        mean.len() == rows && rstd.len() == rows,
        "layernorm: one mean and rstd per row"
    );
    for r in 0..rows {
        let xr = &x[r * c..(r + 1) * c];
        let mu = xr.iter().map(|&v| v as f64).sum::<f64>() / c as f64;
        let var = xr.iter().map(|&v| (v as f64 - mu).powi(2)).sum::<f64>() / c as f64;
        let rs = 1.0 / (var + eps as f64).sqrt();
        mean[r] = mu as f32;
        rstd[r] = rs as f32;
        for j in 0..c {
            let xhat = (xr[j] as f64 - mu) * rs;
            y[r * c + j] = (xhat * gamma[j] as f64 + beta[j] as f64) as f32;
        }
    }
}

/// Per row, with xhat = (x − mean)·rstd and dxhat = dy·gamma (PyTorch's formula):
/// dx += rstd·(dxhat − mean(dxhat) − xhat·mean(dxhat·xhat)); dgamma += Σ_rows dy·xhat;
/// dbeta += Σ_rows dy.
pub fn rows_backward(
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
    let c = gamma.len();
    assert!(
        dy.len() == x.len() && dx.len() == x.len(),
        "layernorm backward: lengths"
    );
    assert!(
        dgamma.len() == c && dbeta.len() == c,
        "layernorm backward: parameter lengths"
    );
    if c == 0 {
        assert!(
            x.is_empty(),
            "layernorm backward: C is 0 but x is not empty"
        );
        return;
    }
    assert_eq!(
        x.len() % c,
        0,
        "layernorm backward: x.len() must be a multiple of C"
    );
    let rows = x.len() / c;
    assert!(
        mean.len() == rows && rstd.len() == rows,
        "layernorm backward: per-row stats"
    );
    for r in 0..rows {
        let (mu, rs) = (mean[r] as f64, rstd[r] as f64);
        let row = r * c..(r + 1) * c;
        let xhat = |i: usize| (x[i] as f64 - mu) * rs;
        let dxhat = |i: usize| dy[i] as f64 * gamma[i - r * c] as f64;
        let a = row.clone().map(dxhat).sum::<f64>() / c as f64;
        let b = row.clone().map(|i| dxhat(i) * xhat(i)).sum::<f64>() / c as f64;
        for i in row {
            let j = i - r * c;
            dx[i] += (rs * (dxhat(i) - a - xhat(i) * b)) as f32;
            dgamma[j] += (dy[i] as f64 * xhat(i)) as f32;
            dbeta[j] += dy[i];
        }
    }
}
