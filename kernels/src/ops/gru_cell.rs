//! The GRU cell of one (b, t) row, forward and backward, generic over the vector type.
//!
//! The layer (`neuro_divergent::nn::gru`) computes one step's input and recurrent terms
//! p = x_t·W_ihᵀ + b_ih and q = h_{t−1}·W_hhᵀ + b_hh with GEMMs; the elementwise rest of the
//! step is here, in one pass over the row's D hidden units (no separate activation passes,
//! no copies of q's n part between them).
//!
//! Forward, gate order (r, z, n) as PyTorch stores them:
//!   r = σ(p_r + q_r)   z = σ(p_z + q_z)   n = tanh(p_n + r ⊙ q_n)
//!   h = (1 − z) ⊙ n + z ⊙ h_{t−1}
//! and q_n is saved for the backward pass. Backward, with dh the gradient reaching h_t from
//! step t+1:
//!   dh' = dh + dy         dp_n = dh' ⊙ (1 − z) ⊙ (1 − n²)      dq_n = dp_n ⊙ r
//!   dp_r = dq_r = dp_n ⊙ q_n ⊙ r(1 − r)     dp_z = dq_z = dh' ⊙ (h_{t−1} − n) ⊙ z(1 − z)
//!   dh ← dh' ⊙ z   (the caller adds dq·W_hh)
//! A missing h_{t−1} (no initial state) is zeros, as PyTorch's default h0.
//!
//! σ and tanh are `math::sigmoid` and `math::tanh`; the combines use `mul_add` (h as
//! n + z ⊙ (h_{t−1} − n)), fused on tiers with FMA, so results may differ from the scalar
//! reference by a few ULP of the terms (see `tests/recurrent_cells.rs` for the bound).

use super::lstm_cell::dsigmoid;
use super::softmax::{load_w, store_w};
use crate::math;
use crate::simd::Simd;

/// What the GRU cell's backward reads from its forward pass, for one row.
#[derive(Clone, Copy, Debug)]
pub struct GruCellSaved<'a> {
    /// The activated gates (r, z, n) of the row (3D).
    pub gates: &'a [f32],
    /// q_n = (h_{t−1}·W_hhᵀ + b_hh)'s n part (D).
    pub qn: &'a [f32],
    /// h_{t−1} (D); `None` for zeros.
    pub h_prev: Option<&'a [f32]>,
}

/// Checks the forward's lengths against D = `h.len()`.
pub(crate) fn check_forward(gates: usize, q: usize, h_prev: Option<usize>, qn: usize, h: usize) {
    let d = h;
    assert!(
        gates == 3 * d && q == 3 * d && qn == d && h_prev.is_none_or(|n| n == d),
        "gru_cell_forward: gates and q must be 3D and h_prev, qn D = {d} long \
         (gates {gates}, q {q}, h_prev {h_prev:?}, qn {qn})"
    );
}

/// Checks the backward's lengths against D = `dy.len()`.
pub(crate) fn check_backward(saved: &GruCellSaved<'_>, dy: usize, dh: usize, dp: usize, dq: usize) {
    let d = dy;
    let h_prev = saved.h_prev.map(<[f32]>::len);
    assert!(
        saved.gates.len() == 3 * d
            && saved.qn.len() == d
            && h_prev.is_none_or(|n| n == d)
            && dh == d
            && dp == 3 * d
            && dq == 3 * d,
        "gru_cell_backward: gates, dp and dq must be 3D and qn, h_prev, dh D = {d} long \
         (gates {}, qn {}, h_prev {h_prev:?}, dh {dh}, dp {dp}, dq {dq})",
        saved.gates.len(),
        saved.qn.len(),
    );
}

/// One row's forward (see the module docs): `gates` (3D) holds p and receives the activated
/// gates; `q` (3D) is the recurrent term; `qn` (D) receives q_n and `h` (D) the new state.
#[inline(always)]
pub fn forward<S: Simd>(
    s: S,
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
    let (gr, rest) = gates.split_at_mut(d);
    let (gz, gn) = rest.split_at_mut(d);
    let (qr, rest) = q.split_at(d);
    let (qz, qnn) = rest.split_at(d);
    let mut j = 0;
    while j < d {
        let w = (d - j).min(S::LANES);
        let x = j..j + w;
        let rv = s.add(
            load_w(s, &gr[x.clone()], 0.0),
            load_w(s, &qr[x.clone()], 0.0),
        );
        let zv = s.add(
            load_w(s, &gz[x.clone()], 0.0),
            load_w(s, &qz[x.clone()], 0.0),
        );
        let (rv, zv) = (math::sigmoid(s, rv), math::sigmoid(s, zv));
        let qv = load_w(s, &qnn[x.clone()], 0.0);
        let nv = math::tanh(s, s.mul_add(rv, qv, load_w(s, &gn[x.clone()], 0.0)));
        let hp = match h_prev {
            Some(hp) => load_w(s, &hp[x.clone()], 0.0),
            None => s.zero(),
        };
        store_w(s, &mut gr[x.clone()], rv);
        store_w(s, &mut gz[x.clone()], zv);
        store_w(s, &mut gn[x.clone()], nv);
        store_w(s, &mut qn[x.clone()], qv);
        store_w(s, &mut h[x], s.mul_add(zv, s.sub(hp, nv), nv));
        j += w;
    }
}

/// One row's backward (see the module docs): reads `dy` (D), replaces `dh` (D) by dh' ⊙ z and
/// overwrites `dp` and `dq` (3D) with the input and recurrent pre-activation gradients.
#[inline(always)]
pub fn backward<S: Simd>(
    s: S,
    saved: &GruCellSaved<'_>,
    dy: &[f32],
    dh: &mut [f32],
    dp: &mut [f32],
    dq: &mut [f32],
) {
    check_backward(saved, dy.len(), dh.len(), dp.len(), dq.len());
    let d = dy.len();
    let (gr, rest) = saved.gates.split_at(d);
    let (gz, gn) = rest.split_at(d);
    let (dpr, rest) = dp.split_at_mut(d);
    let (dpz, dpn) = rest.split_at_mut(d);
    let (dqr, rest) = dq.split_at_mut(d);
    let (dqz, dqn) = rest.split_at_mut(d);
    let one = s.splat(1.0);
    let mut j = 0;
    while j < d {
        let w = (d - j).min(S::LANES);
        let x = j..j + w;
        let rv = load_w(s, &gr[x.clone()], 0.0);
        let zv = load_w(s, &gz[x.clone()], 0.0);
        let nv = load_w(s, &gn[x.clone()], 0.0);
        let qv = load_w(s, &saved.qn[x.clone()], 0.0);
        let hp = match saved.h_prev {
            Some(hp) => load_w(s, &hp[x.clone()], 0.0),
            None => s.zero(),
        };
        let dht = s.add(
            load_w(s, &dh[x.clone()], 0.0),
            load_w(s, &dy[x.clone()], 0.0),
        );
        let dan = s.mul(s.mul(dht, s.sub(one, zv)), s.mul_add(s.neg(nv), nv, one));
        let dar = s.mul(s.mul(dan, qv), dsigmoid(s, rv));
        let daz = s.mul(s.mul(dht, s.sub(hp, nv)), dsigmoid(s, zv));
        store_w(s, &mut dpr[x.clone()], dar);
        store_w(s, &mut dpz[x.clone()], daz);
        store_w(s, &mut dpn[x.clone()], dan);
        store_w(s, &mut dqr[x.clone()], dar);
        store_w(s, &mut dqz[x.clone()], daz);
        store_w(s, &mut dqn[x.clone()], s.mul(dan, rv));
        store_w(s, &mut dh[x], s.mul(dht, zv));
        j += w;
    }
}
