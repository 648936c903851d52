//! The LSTM and GRU cell kernels on every tier against the scalar reference, on D 1..80 (so
//! below, at and off multiples of every vector width), with and without a previous state, on
//! unaligned sub-slices whose neighbours must stay untouched.
//!
//! Tolerances: activated gates as the activation kernels' forward (1e−6 relative, NaN ↔ NaN);
//! every other output within 1e−5 of its magnitude, the same expression evaluated on absolute
//! values (1 − x read as 1 + |x|), which bounds the rounding of both sides, the mul_add fusing
//! of the SIMD tiers and the few ULP of σ and tanh propagated through the combines. q_n passes
//! through the GRU forward unchanged (bit for bit). Forward inputs include NaN and ±∞
//! pre-activations and NaN states: a NaN must come out as NaN exactly where the reference
//! has one.

mod common;
use common::{config, Gen};
use nd_kernels::reference::{gru_cell, lstm_cell};
use nd_kernels::{active, all_supported, GruCellSaved, LstmCellSaved};
use proptest::prelude::*;

/// Value written around every output slice; it must survive.
const GUARD: f32 = 7.0;

impl Gen {
    /// A pre-activation: mostly [−12, 12], some wide values, and (when `special`) NaN and ±∞.
    fn pre(&mut self, special: bool) -> f32 {
        match self.next() % 32 {
            0 if special => f32::NAN,
            1 if special => f32::INFINITY,
            2 if special => f32::NEG_INFINITY,
            3 => 0.0,
            4 | 5 => self.uniform(-120.0, 120.0),
            6 => self.uniform(-1e-3, 1e-3),
            _ => self.uniform(-12.0, 12.0),
        }
    }
    fn vec(&mut self, n: usize, lo: f32, hi: f32) -> Vec<f32> {
        (0..n).map(|_| self.uniform(lo, hi)).collect()
    }
    /// A state: uniform in [−a, a], one in 32 NaN when `nan`.
    fn state(&mut self, n: usize, a: f32, nan: bool) -> Vec<f32> {
        (0..n)
            .map(|_| {
                if nan && self.next().is_multiple_of(32) {
                    f32::NAN
                } else {
                    self.uniform(-a, a)
                }
            })
            .collect()
    }
}

/// `n` floats at offset `off` of a guarded buffer: (buffer, range of the slice).
fn guarded(off: usize, n: usize) -> (Vec<f32>, std::ops::Range<usize>) {
    (vec![GUARD; off + n + 3], off..off + n)
}

fn guards_intact(buf: &[f32], r: &std::ops::Range<usize>) -> bool {
    buf[..r.start]
        .iter()
        .chain(&buf[r.end..])
        .all(|&v| v == GUARD)
}

/// |got − want| ≤ 1e−5·mag (+ the smallest normal, for results that underflow), NaN ↔ NaN.
fn close(got: f32, want: f32, mag: f32) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    (got - want).abs() <= 1e-5 * mag + f32::MIN_POSITIVE
}

/// The activation kernels' forward tolerance, for the activated gates.
fn close_gate(got: f32, want: f32) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    (got - want).abs() <= 1e-6 * want.abs() + f32::MIN_POSITIVE
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn lstm_forward_matches_reference(
        d in 1usize..80, off in 0usize..16, with_prev: bool, seed in any::<u64>(),
    ) {
        let mut g = Gen(seed);
        let pre: Vec<f32> = (0..off + 4 * d).map(|_| g.pre(true)).collect();
        let c_prev = g.state(d, 4.0, true);
        let c_prev = with_prev.then_some(&c_prev[..]);
        let (mut want_a, mut want_c, mut want_tc, mut want_h) =
            (pre[off..].to_vec(), vec![0.0; d], vec![0.0; d], vec![0.0; d]);
        lstm_cell::forward(&mut want_a, c_prev, &mut want_c, &mut want_tc, &mut want_h);
        for k in all_supported() {
            let mut a = pre.clone();
            let (mut c, r) = guarded(off, d);
            let (mut tc, _) = guarded(off, d);
            let (mut h, _) = guarded(off, d);
            (k.lstm_cell_forward)(
                &mut a[off..], c_prev, &mut c[r.clone()], &mut tc[r.clone()], &mut h[r.clone()],
            );
            prop_assert!(a[..off].iter().zip(&pre[..off]).all(|(x, y)| x.to_bits() == y.to_bits()));
            prop_assert!(guards_intact(&c, &r) && guards_intact(&tc, &r) && guards_intact(&h, &r));
            for (q, (&got, &want)) in a[off..].iter().zip(&want_a).enumerate() {
                prop_assert!(close_gate(got, want), "gate {q} on {:?}: got {got:e}, want {want:e}", k.isa);
            }
            for j in 0..d {
                let (i, f, gg) = (want_a[j], want_a[d + j], want_a[2 * d + j]);
                let cp = c_prev.map_or(0.0, |c| c[j]);
                let mag_c = (f * cp).abs() + (i * gg).abs();
                let mag_t = mag_c + want_tc[j].abs();
                let (gc, gt, gh) = (c[off + j], tc[off + j], h[off + j]);
                prop_assert!(close(gc, want_c[j], mag_c), "c[{j}] on {:?}: got {gc:e}, want {:e}", k.isa, want_c[j]);
                prop_assert!(close(gt, want_tc[j], mag_t), "tc[{j}] on {:?}: got {gt:e}, want {:e}", k.isa, want_tc[j]);
                prop_assert!(close(gh, want_h[j], mag_t), "h[{j}] on {:?}: got {gh:e}, want {:e}", k.isa, want_h[j]);
            }
        }
    }

    #[test]
    fn lstm_backward_matches_reference(
        d in 1usize..80, off in 0usize..16, with_prev: bool, seed in any::<u64>(),
    ) {
        let mut g = Gen(seed);
        // Activated gates: i, f, o in (0, 1), g in (−1, 1).
        let mut gates = g.vec(4 * d, 0.0, 1.0);
        gates[2 * d..3 * d].copy_from_slice(&g.vec(d, -1.0, 1.0));
        let tc = g.vec(d, -1.0, 1.0);
        let c_prev = g.vec(d, -4.0, 4.0);
        let (dy, dh, dc0) = (g.vec(d, -2.0, 2.0), g.vec(d, -2.0, 2.0), g.vec(d, -2.0, 2.0));
        let saved = LstmCellSaved { gates: &gates, tc: &tc, c_prev: with_prev.then_some(&c_prev[..]) };
        let (mut want_dc, mut want_da) = (dc0.clone(), vec![0.0; 4 * d]);
        lstm_cell::backward(&saved, &dy, &dh, &mut want_dc, &mut want_da);
        // Magnitudes: the formulas on absolute values.
        let mut mag_da = vec![0.0f32; 4 * d];
        let mut mag_dc = vec![0.0f32; d];
        for j in 0..d {
            let (i, f, gg, o) = (gates[j], gates[d + j], gates[2 * d + j].abs(), gates[3 * d + j]);
            let (t, cp) = (tc[j].abs(), saved.c_prev.map_or(0.0, |c| c[j].abs()));
            let dht = dh[j].abs() + dy[j].abs();
            let dct = dc0[j].abs() + dht * o * (1.0 + t * t);
            mag_da[j] = dct * gg * i * (1.0 + i);
            mag_da[d + j] = dct * cp * f * (1.0 + f);
            mag_da[2 * d + j] = dct * i * (1.0 + gg * gg);
            mag_da[3 * d + j] = dht * t * o * (1.0 + o);
            mag_dc[j] = dct * f;
        }
        for k in all_supported() {
            let (mut dc, r) = guarded(off, d);
            dc[r.clone()].copy_from_slice(&dc0);
            let (mut da, r4) = guarded(off, 4 * d);
            (k.lstm_cell_backward)(&saved, &dy, &dh, &mut dc[r.clone()], &mut da[r4.clone()]);
            prop_assert!(guards_intact(&dc, &r) && guards_intact(&da, &r4));
            for q in 0..4 * d {
                let got = da[off + q];
                prop_assert!(close(got, want_da[q], mag_da[q]), "da[{q}] on {:?}: got {got:e}, want {:e}", k.isa, want_da[q]);
            }
            for j in 0..d {
                let got = dc[off + j];
                prop_assert!(close(got, want_dc[j], mag_dc[j]), "dc[{j}] on {:?}: got {got:e}, want {:e}", k.isa, want_dc[j]);
            }
        }
    }

    #[test]
    fn gru_forward_matches_reference(
        d in 1usize..80, off in 0usize..16, with_prev: bool, seed in any::<u64>(),
    ) {
        let mut g = Gen(seed);
        let pre: Vec<f32> = (0..off + 3 * d).map(|_| g.pre(true)).collect();
        // The recurrent term stays finite: r·q_n with r = 0 and q_n = ±∞ would be NaN on
        // one side and not the other where σ rounds to 0 or to a subnormal.
        let q: Vec<f32> = (0..3 * d).map(|_| g.pre(false)).collect();
        let h_prev = g.state(d, 2.0, true);
        let h_prev = with_prev.then_some(&h_prev[..]);
        let (mut want_a, mut want_qn, mut want_h) = (pre[off..].to_vec(), vec![0.0; d], vec![0.0; d]);
        gru_cell::forward(&mut want_a, &q, h_prev, &mut want_qn, &mut want_h);
        for k in all_supported() {
            let mut a = pre.clone();
            let (mut qn, r) = guarded(off, d);
            let (mut h, _) = guarded(off, d);
            (k.gru_cell_forward)(&mut a[off..], &q, h_prev, &mut qn[r.clone()], &mut h[r.clone()]);
            prop_assert!(guards_intact(&qn, &r) && guards_intact(&h, &r));
            for q in 0..2 * d {
                let (got, want) = (a[off + q], want_a[q]);
                prop_assert!(close_gate(got, want), "gate {q} on {:?}: got {got:e}, want {want:e}", k.isa);
            }
            for j in 0..d {
                let (rr, z, n) = (want_a[j], want_a[d + j], want_a[2 * d + j]);
                let hp = h_prev.map_or(0.0, |h| h[j]);
                let mag_n = pre[off + 2 * d + j].abs() + (rr * q[2 * d + j]).abs() + n.abs();
                let mag_h = mag_n + n.abs() + hp.abs() + z * (hp.abs() + n.abs());
                let (gn, gh) = (a[off + 2 * d + j], h[off + j]);
                prop_assert!(close(gn, n, mag_n), "n[{j}] on {:?}: got {gn:e}, want {n:e}", k.isa);
                prop_assert!(qn[off + j].to_bits() == want_qn[j].to_bits(), "qn[{j}] on {:?}", k.isa);
                prop_assert!(close(gh, want_h[j], mag_h), "h[{j}] on {:?}: got {gh:e}, want {:e}", k.isa, want_h[j]);
            }
        }
    }

    #[test]
    fn gru_backward_matches_reference(
        d in 1usize..80, off in 0usize..16, with_prev: bool, seed in any::<u64>(),
    ) {
        let mut g = Gen(seed);
        // Activated gates: r, z in (0, 1), n in (−1, 1).
        let mut gates = g.vec(3 * d, 0.0, 1.0);
        gates[2 * d..].copy_from_slice(&g.vec(d, -1.0, 1.0));
        let (qn, h_prev) = (g.vec(d, -3.0, 3.0), g.vec(d, -2.0, 2.0));
        let (dy, dh0) = (g.vec(d, -2.0, 2.0), g.vec(d, -2.0, 2.0));
        let saved = GruCellSaved { gates: &gates, qn: &qn, h_prev: with_prev.then_some(&h_prev[..]) };
        let (mut want_dh, mut want_dp, mut want_dq) = (dh0.clone(), vec![0.0; 3 * d], vec![0.0; 3 * d]);
        gru_cell::backward(&saved, &dy, &mut want_dh, &mut want_dp, &mut want_dq);
        // Magnitudes: the formulas on absolute values; dp and dq share all but the n part.
        let (mut mag_dp, mut mag_dq, mut mag_dh) = (vec![0.0f32; 3 * d], vec![0.0f32; 3 * d], vec![0.0f32; d]);
        for j in 0..d {
            let (r, z, n) = (gates[j], gates[d + j], gates[2 * d + j].abs());
            let hp = saved.h_prev.map_or(0.0, |h| h[j].abs());
            let dht = dh0[j].abs() + dy[j].abs();
            let dan = dht * (1.0 + z) * (1.0 + n * n);
            let dar = dan * qn[j].abs() * r * (1.0 + r);
            let daz = dht * (hp + n) * z * (1.0 + z);
            (mag_dp[j], mag_dp[d + j], mag_dp[2 * d + j]) = (dar, daz, dan);
            (mag_dq[j], mag_dq[d + j], mag_dq[2 * d + j]) = (dar, daz, dan * r);
            mag_dh[j] = dht * z;
        }
        for k in all_supported() {
            let (mut dh, r) = guarded(off, d);
            dh[r.clone()].copy_from_slice(&dh0);
            let (mut dp, r3) = guarded(off, 3 * d);
            let (mut dq, _) = guarded(off, 3 * d);
            (k.gru_cell_backward)(&saved, &dy, &mut dh[r.clone()], &mut dp[r3.clone()], &mut dq[r3.clone()]);
            prop_assert!(guards_intact(&dh, &r) && guards_intact(&dp, &r3) && guards_intact(&dq, &r3));
            for q in 0..3 * d {
                let (gp, gq) = (dp[off + q], dq[off + q]);
                prop_assert!(close(gp, want_dp[q], mag_dp[q]), "dp[{q}] on {:?}: got {gp:e}, want {:e}", k.isa, want_dp[q]);
                prop_assert!(close(gq, want_dq[q], mag_dq[q]), "dq[{q}] on {:?}: got {gq:e}, want {:e}", k.isa, want_dq[q]);
            }
            for j in 0..d {
                let got = dh[off + j];
                prop_assert!(close(got, want_dh[j], mag_dh[j]), "dh[{j}] on {:?}: got {got:e}, want {:e}", k.isa, want_dh[j]);
            }
        }
    }
}

#[test]
#[should_panic(expected = "lstm_cell_forward: gates must be 4D")]
fn lstm_forward_rejects_mismatched_lengths() {
    let (mut gates, mut c, mut tc, mut h) =
        (vec![0.0; 12], vec![0.0; 4], vec![0.0; 4], vec![0.0; 4]);
    (active().lstm_cell_forward)(&mut gates, None, &mut c, &mut tc, &mut h);
}

#[test]
#[should_panic(expected = "lstm_cell_backward: gates and da must be 4D")]
fn lstm_backward_rejects_mismatched_lengths() {
    let (gates, tc, c_prev) = (vec![0.0; 16], vec![0.0; 4], vec![0.0; 3]);
    let saved = LstmCellSaved {
        gates: &gates,
        tc: &tc,
        c_prev: Some(&c_prev),
    };
    let (dy, dh, mut dc, mut da) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 4], vec![0.0; 16]);
    (active().lstm_cell_backward)(&saved, &dy, &dh, &mut dc, &mut da);
}

#[test]
#[should_panic(expected = "gru_cell_forward: gates and q must be 3D")]
fn gru_forward_rejects_mismatched_lengths() {
    let (mut gates, q, mut qn, mut h) = (vec![0.0; 12], vec![0.0; 9], vec![0.0; 4], vec![0.0; 4]);
    (active().gru_cell_forward)(&mut gates, &q, None, &mut qn, &mut h);
}

#[test]
#[should_panic(expected = "gru_cell_backward: gates, dp and dq must be 3D")]
fn gru_backward_rejects_mismatched_lengths() {
    let (gates, qn) = (vec![0.0; 12], vec![0.0; 4]);
    let saved = GruCellSaved {
        gates: &gates,
        qn: &qn,
        h_prev: None,
    };
    let (dy, mut dh, mut dp, mut dq) = (vec![0.0; 4], vec![0.0; 4], vec![0.0; 12], vec![0.0; 9]);
    (active().gru_cell_backward)(&saved, &dy, &mut dh, &mut dp, &mut dq);
}
