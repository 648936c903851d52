//! Scalar reference of the LSTM cell (see `ops::lstm_cell` for the equations): one loop over
//! the row, σ and tanh from `reference::activation` (f64, rounded once), the combines in f32.
use super::activation::apply;
use crate::activation::Activation::{Sigmoid, Tanh};
use crate::ops::lstm_cell::{check_backward, check_forward, LstmCellSaved};

/// i, f, g, o = σ(a_i), σ(a_f), tanh(a_g), σ(a_o) in place of a;
/// c = f·c_prev + i·g (c_prev `None`: zeros); tc = tanh(c); h = o·tc.
pub fn forward(
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
    for j in 0..d {
        let i = apply(Sigmoid, gates[j]);
        let f = apply(Sigmoid, gates[d + j]);
        let g = apply(Tanh, gates[2 * d + j]);
        let o = apply(Sigmoid, gates[3 * d + j]);
        let cp = c_prev.map_or(0.0, |c| c[j]);
        (gates[j], gates[d + j], gates[2 * d + j], gates[3 * d + j]) = (i, f, g, o);
        c[j] = f * cp + i * g;
        tc[j] = apply(Tanh, c[j]);
        h[j] = o * tc[j];
    }
}

/// dh' = dh + dy; dc' = dc + dh'·o·(1 − tc²); da = (dc'·g·i(1 − i), dc'·c_prev·f(1 − f),
/// dc'·i·(1 − g²), dh'·tc·o(1 − o)); dc = dc'·f.
pub fn backward(saved: &LstmCellSaved<'_>, dy: &[f32], dh: &[f32], dc: &mut [f32], da: &mut [f32]) {
    check_backward(saved, dy.len(), dh.len(), dc.len(), da.len());
    let (d, a) = (dy.len(), saved.gates);
    for j in 0..d {
        let (i, f, g, o) = (a[j], a[d + j], a[2 * d + j], a[3 * d + j]);
        let tc = saved.tc[j];
        let cp = saved.c_prev.map_or(0.0, |c| c[j]);
        let dht = dh[j] + dy[j];
        let dct = dc[j] + dht * o * (1.0 - tc * tc);
        da[j] = dct * g * (i * (1.0 - i));
        da[d + j] = dct * cp * (f * (1.0 - f));
        da[2 * d + j] = dct * i * (1.0 - g * g);
        da[3 * d + j] = dht * tc * (o * (1.0 - o));
        dc[j] = dct * f;
    }
}
