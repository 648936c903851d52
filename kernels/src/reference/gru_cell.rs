//! Scalar reference of the GRU cell (see `ops::gru_cell` for the equations): one loop over
//! the row, σ and tanh from `reference::activation` (f64, rounded once), the combines in f32.
use super::activation::apply;
use crate::activation::Activation::{Sigmoid, Tanh};
use crate::ops::gru_cell::{check_backward, check_forward, GruCellSaved};

/// r = σ(p_r + q_r), z = σ(p_z + q_z), n = tanh(p_n + r·q_n) in place of p; qn = q_n;
/// h = (1 − z)·n + z·h_prev (h_prev `None`: zeros).
pub fn forward(
    gates: &mut [f32],
    q: &[f32],
    h_prev: Option<&[f32]>,
    qn: &mut [f32],
    h: &mut [f32],
) {
    check_forward(
        gates.len(),
        q.len(),
        h_prev.map(<[f32]>::len),
        qn.len(),
        h.len(),
    );
    let d = h.len();
    for j in 0..d {
        let r = apply(Sigmoid, gates[j] + q[j]);
        let z = apply(Sigmoid, gates[d + j] + q[d + j]);
        let n = apply(Tanh, gates[2 * d + j] + r * q[2 * d + j]);
        let hp = h_prev.map_or(0.0, |h| h[j]);
        (gates[j], gates[d + j], gates[2 * d + j]) = (r, z, n);
        qn[j] = q[2 * d + j];
        h[j] = (1.0 - z) * n + z * hp;
    }
}

/// dh' = dh + dy; dp_n = dh'·(1 − z)·(1 − n²); dp_r = dq_r = dp_n·q_n·r(1 − r);
/// dp_z = dq_z = dh'·(h_prev − n)·z(1 − z); dq_n = dp_n·r; dh = dh'·z.
pub fn backward(
    saved: &GruCellSaved<'_>,
    dy: &[f32],
    dh: &mut [f32],
    dp: &mut [f32],
    dq: &mut [f32],
) {
    check_backward(saved, dy.len(), dh.len(), dp.len(), dq.len());
    let (d, a) = (dy.len(), saved.gates);
    for j in 0..d {
        let (r, z, n) = (a[j], a[d + j], a[2 * d + j]);
        let hp = saved.h_prev.map_or(0.0, |h| h[j]);
        let dht = dh[j] + dy[j];
        let dan = dht * (1.0 - z) * (1.0 - n * n);
        let dar = dan * saved.qn[j] * (r * (1.0 - r));
        let daz = dht * (hp - n) * (z * (1.0 - z));
        (dp[j], dp[d + j], dp[2 * d + j]) = (dar, daz, dan);
        (dq[j], dq[d + j], dq[2 * d + j]) = (dar, daz, dan * r);
        dh[j] = dht * z;
    }
}
