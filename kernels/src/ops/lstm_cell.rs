//! The LSTM cell of one (b, t) row, forward and backward, generic over the vector type.
//!
//! The layer (`neuro_divergent::nn::lstm`) computes one step's pre-activations
//! a = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh with GEMMs; the elementwise rest of the step is
//! here, in one pass over the row's D hidden units: each vector of lanes loads its four gates
//! and c_{t−1} once and writes every result once, instead of separate activation passes and a
//! scalar combine loop that read each intermediate back from memory.
//!
//! Forward, gate order (i, f, g, o) as PyTorch stores them:
//!   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
//!   c = f ⊙ c_{t−1} + i ⊙ g       h = o ⊙ tanh(c)
//! Backward, with dh the gradient reaching h_t from step t+1 and dc the one reaching c_t:
//!   dh' = dh + dy                 dc' = dc + dh' ⊙ o ⊙ (1 − tanh²(c))
//!   da_i = dc' ⊙ g ⊙ i(1 − i)     da_f = dc' ⊙ c_{t−1} ⊙ f(1 − f)
//!   da_g = dc' ⊙ i ⊙ (1 − g²)     da_o = dh' ⊙ tanh(c) ⊙ o(1 − o)
//!   dc ← dc' ⊙ f   (dh_{t−1} = da·W_hh is the caller's GEMM)
//! A missing c_{t−1} (no initial state) is zeros, as PyTorch's default c0.
//!
//! σ and tanh are `math::sigmoid` and `math::tanh` (their accuracy is stated there); the
//! combines use `mul_add`, fused on tiers with FMA, so results may differ from the scalar
//! reference by a few ULP of the terms (see `tests/recurrent_cells.rs` for the bound).

use super::softmax::{load_w, store_w};
use crate::math;
use crate::simd::Simd;

/// What the LSTM cell's backward reads from its forward pass, for one row.
#[derive(Clone, Copy, Debug)]
pub struct LstmCellSaved<'a> {
    /// The activated gates (i, f, g, o) of the row (4D).
    pub gates: &'a [f32],
    /// tanh(c_t) (D).
    pub tc: &'a [f32],
    /// c_{t−1} (D); `None` for zeros.
    pub c_prev: Option<&'a [f32]>,
}

/// Checks the forward's lengths against D = `c.len()`.
pub(crate) fn check_forward(gates: usize, c_prev: Option<usize>, c: usize, tc: usize, h: usize) {
    let d = c;
    assert!(
        gates == 4 * d && tc == d && h == d && c_prev.is_none_or(|n| n == d),
        "lstm_cell_forward: gates must be 4D and c_prev, tc, h D = {d} long \
         (gates {gates}, c_prev {c_prev:?}, tc {tc}, h {h})"
    );
}

/// Checks the backward's lengths against D = `dy.len()`.
pub(crate) fn check_backward(
    saved: &LstmCellSaved<'_>,
    dy: usize,
    dh: usize,
    dc: usize,
    da: usize,
) {
    let d = dy;
    let c_prev = saved.c_prev.map(<[f32]>::len);
    assert!(
        saved.gates.len() == 4 * d
            && saved.tc.len() == d
            && c_prev.is_none_or(|n| n == d)
            && dh == d
            && dc == d
            && da == 4 * d,
        "lstm_cell_backward: gates and da must be 4D and tc, c_prev, dh, dc D = {d} long \
         (gates {}, tc {}, c_prev {c_prev:?}, dh {dh}, dc {dc}, da {da})",
        saved.gates.len(),
        saved.tc.len(),
    );
}

/// One row's forward (see the module docs): `gates` (4D) holds the pre-activations and
/// receives the activated gates; `c`, `tc` = tanh(c) and `h` (D) are overwritten.
#[inline(always)]
pub fn forward<S: Simd>(
    s: S,
    gates: &mut [f32],
    c_prev: Option<&[f32]>,
    c: &mut [f32],
    tc: &mut [f32],
    h: &mut [f32],
) {
    check_forward(
        gates.len(),
        c_prev.map(<[f32]>::len),
        c.len(),
        tc.len(),
        h.len(),
    );
    let d = c.len();
    let (gi, rest) = gates.split_at_mut(d);
    let (gf, rest) = rest.split_at_mut(d);
    let (gg, go) = rest.split_at_mut(d);
    let mut j = 0;
    while j < d {
        let w = (d - j).min(S::LANES);
        let r = j..j + w;
        let i = math::sigmoid(s, load_w(s, &gi[r.clone()], 0.0));
        let f = math::sigmoid(s, load_w(s, &gf[r.clone()], 0.0));
        let g = math::tanh(s, load_w(s, &gg[r.clone()], 0.0));
        let o = math::sigmoid(s, load_w(s, &go[r.clone()], 0.0));
        let cp = match c_prev {
            Some(cp) => load_w(s, &cp[r.clone()], 0.0),
            None => s.zero(),
        };
        let cv = s.mul_add(f, cp, s.mul(i, g));
        let tcv = math::tanh(s, cv);
        store_w(s, &mut gi[r.clone()], i);
        store_w(s, &mut gf[r.clone()], f);
        store_w(s, &mut gg[r.clone()], g);
        store_w(s, &mut go[r.clone()], o);
        store_w(s, &mut c[r.clone()], cv);
        store_w(s, &mut tc[r.clone()], tcv);
        store_w(s, &mut h[r], s.mul(o, tcv));
        j += w;
    }
}

/// One row's backward (see the module docs): reads `dy` and `dh` (D), replaces `dc` (D) by the
/// gradient reaching c_{t−1} and overwrites `da` (4D) with the pre-activation gradients.
#[inline(always)]
pub fn backward<S: Simd>(
    s: S,
    saved: &LstmCellSaved<'_>,
    dy: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    da: &mut [f32],
) {
    check_backward(saved, dy.len(), dh.len(), dc.len(), da.len());
    let d = dy.len();
    let (gi, rest) = saved.gates.split_at(d);
    let (gf, rest) = rest.split_at(d);
    let (gg, go) = rest.split_at(d);
    let (dai, rest) = da.split_at_mut(d);
    let (daf, rest) = rest.split_at_mut(d);
    let (dag, dao) = rest.split_at_mut(d);
    let one = s.splat(1.0);
    let mut j = 0;
    while j < d {
        let w = (d - j).min(S::LANES);
        let r = j..j + w;
        let i = load_w(s, &gi[r.clone()], 0.0);
        let f = load_w(s, &gf[r.clone()], 0.0);
        let g = load_w(s, &gg[r.clone()], 0.0);
        let o = load_w(s, &go[r.clone()], 0.0);
        let tcv = load_w(s, &saved.tc[r.clone()], 0.0);
        let cp = match saved.c_prev {
            Some(cp) => load_w(s, &cp[r.clone()], 0.0),
            None => s.zero(),
        };
        let dht = s.add(
            load_w(s, &dh[r.clone()], 0.0),
            load_w(s, &dy[r.clone()], 0.0),
        );
        // dc' = dc + dh'·o·(1 − tanh²(c))
        let dct = s.mul_add(
            s.mul(dht, o),
            s.mul_add(s.neg(tcv), tcv, one),
            load_w(s, &dc[r.clone()], 0.0),
        );
        store_w(s, &mut dai[r.clone()], s.mul(s.mul(dct, g), dsigmoid(s, i)));
        store_w(
            s,
            &mut daf[r.clone()],
            s.mul(s.mul(dct, cp), dsigmoid(s, f)),
        );
        let dtanh_g = s.mul_add(s.neg(g), g, one);
        store_w(s, &mut dag[r.clone()], s.mul(s.mul(dct, i), dtanh_g));
        store_w(
            s,
            &mut dao[r.clone()],
            s.mul(s.mul(dht, tcv), dsigmoid(s, o)),
        );
        store_w(s, &mut dc[r], s.mul(dct, f));
        j += w;
    }
}

/// σ'(a) = y(1 − y) from y = σ(a). (A function rather than a closure: a closure would be
/// compiled without the tier's target features, see `ops::transcendental::Map1`.)
#[inline(always)]
pub(crate) fn dsigmoid<S: Simd>(s: S, y: S::V) -> S::V {
    s.mul(y, s.sub(s.splat(1.0), y))
}
