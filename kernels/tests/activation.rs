//! Every tier's activation kernels (forward, in place, backward) and PReLU against the scalar
//! reference, on random sizes 0..300 and unaligned sub-slices.
//!
//! Tolerances: forward within 4 ULP-class, checked as |got − want| ≤ 1e−6·|want| + 2^−126
//! (NaN must match NaN, infinities must match exactly); backward, whose derivatives come from
//! the f32 forward output y, within 2e−5·(|want| + |dx0| + |dy|) + 1e−30; PReLU exactly, its
//! dslopes (a sum in another order) within 1e−5 relative to Σ|dy·x|.

mod common;
use common::{config, Gen};
use nd_kernels::reference::activation as reference;
use nd_kernels::{all_supported, Activation};
use proptest::prelude::*;

impl Gen {
    /// Mostly [−12, 12], some wide values, and (when `special`) NaN, ±∞, ±0 sprinkled in.
    fn value(&mut self, special: bool) -> f32 {
        match self.next() % 32 {
            0 if special => f32::NAN,
            1 if special => f32::INFINITY,
            2 if special => f32::NEG_INFINITY,
            3 => 0.0,
            4 => -0.0,
            5 | 6 => self.uniform(-120.0, 120.0),
            7 => self.uniform(-1e-3, 1e-3),
            _ => self.uniform(-12.0, 12.0),
        }
    }
    fn vec(&mut self, n: usize, special: bool) -> Vec<f32> {
        (0..n).map(|_| self.value(special)).collect()
    }
}

/// The activations under test: PyTorch's defaults and some other parameters.
const ACTS: [Activation; 13] = [
    Activation::Identity,
    Activation::Relu,
    Activation::LEAKY_RELU,
    Activation::LeakyRelu { slope: 0.2 },
    Activation::ELU,
    Activation::Elu { alpha: 0.5 },
    Activation::Selu,
    Activation::Gelu,
    Activation::Sigmoid,
    Activation::Tanh,
    Activation::SOFTPLUS,
    Activation::Softplus {
        beta: 2.0,
        threshold: 10.0,
    },
    Activation::Softplus {
        beta: 0.5,
        threshold: 20.0,
    },
];

fn close_forward(got: f32, want: f32) -> bool {
    if want.is_nan() || got.is_nan() {
        return want.is_nan() && got.is_nan();
    }
    if want.is_infinite() || got.is_infinite() {
        return got == want;
    }
    (got - want).abs() <= 1e-6 * want.abs() + f32::MIN_POSITIVE
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn forward_matches_reference(n in 0usize..300, off in 0usize..16, seed in any::<u64>()) {
        let mut g = Gen(seed);
        let buf = g.vec(off + n, true);
        let x = &buf[off..];
        for act in ACTS {
            let mut want = vec![0.0f32; n];
            reference::forward(act, x, &mut want);
            for k in all_supported() {
                let mut out = vec![7.0f32; off + n + 3];
                (k.act_forward)(act, x, &mut out[off..off + n]);
                let y = &out[off..off + n];
                for i in 0..n {
                    prop_assert!(
                        close_forward(y[i], want[i]),
                        "{}({:e}) on {:?}: got {:e}, want {:e}", act.name(), x[i], k.isa, y[i], want[i]
                    );
                }
                // Nothing outside the output slice is touched.
                prop_assert!(out[..off].iter().chain(&out[off + n..]).all(|&v| v == 7.0));
                // In place gives the same bits as out of place.
                let mut inplace = buf.clone();
                (k.act_forward_inplace)(act, &mut inplace[off..]);
                for i in 0..n {
                    prop_assert!(inplace[off + i].to_bits() == y[i].to_bits() || (y[i].is_nan() && inplace[off + i].is_nan()));
                }
            }
        }
    }

    #[test]
    fn backward_matches_reference(n in 0usize..300, off in 0usize..16, seed in any::<u64>()) {
        let mut g = Gen(seed);
        let buf = g.vec(off + n, false);
        let x = &buf[off..];
        let dy: Vec<f32> = (0..n).map(|_| g.uniform(-2.0, 2.0)).collect();
        let dx0: Vec<f32> = (0..n).map(|_| g.uniform(-1.0, 1.0)).collect();
        for act in ACTS {
            let mut y = vec![0.0f32; n];
            reference::forward(act, x, &mut y);
            let mut want = dx0.clone();
            reference::backward(act, x, &y, &dy, &mut want);
            for k in all_supported() {
                let mut dxbuf = vec![0.0f32; off + n];
                dxbuf[off..].copy_from_slice(&dx0);
                (k.act_backward)(act, x, &y, &dy, &mut dxbuf[off..]);
                for i in 0..n {
                    let got = dxbuf[off + i];
                    let tol = 2e-5 * (want[i].abs() + dx0[i].abs() + dy[i].abs()) + 1e-30;
                    prop_assert!(
                        (got - want[i]).abs() <= tol,
                        "{}'({:e}) on {:?}: got {:e}, want {:e} (dy {:e}, dx0 {:e})",
                        act.name(), x[i], k.isa, got, want[i], dy[i], dx0[i]
                    );
                }
            }
        }
    }

    #[test]
    fn prelu_matches_reference(
        outer in 0usize..5,
        channels in 1usize..9,
        inner in prop_oneof![Just(1usize), 0usize..24],
        off in 0usize..16,
        seed in any::<u64>(),
    ) {
        let mut g = Gen(seed);
        let n = outer * channels * inner;
        let buf = g.vec(off + n, false);
        let x = &buf[off..];
        let slopes: Vec<f32> = (0..channels).map(|_| g.uniform(-0.5, 0.5)).collect();
        let dy: Vec<f32> = (0..n).map(|_| g.uniform(-2.0, 2.0)).collect();
        let dx0: Vec<f32> = (0..n).map(|_| g.uniform(-1.0, 1.0)).collect();
        let ds0: Vec<f32> = (0..channels).map(|_| g.uniform(-1.0, 1.0)).collect();

        let mut want_y = vec![0.0f32; n];
        reference::prelu_forward(x, &slopes, inner, &mut want_y);
        let (mut want_dx, mut want_ds) = (dx0.clone(), ds0.clone());
        reference::prelu_backward(x, &slopes, inner, &dy, &mut want_dx, &mut want_ds);
        // The scale of each channel's sum, for the dslopes tolerance.
        let mut scale = vec![0.0f32; channels];
        for i in 0..n {
            scale[(i / inner) % channels] += (dy[i] * x[i]).abs();
        }
        for k in all_supported() {
            let mut ybuf = vec![0.0f32; off + n];
            (k.prelu_forward)(x, &slopes, inner, &mut ybuf[off..]);
            prop_assert_eq!(&ybuf[off..], &want_y[..], "prelu forward on {:?}", k.isa);
            let (mut dx, mut ds) = (dx0.clone(), ds0.clone());
            (k.prelu_backward)(x, &slopes, inner, &dy, &mut dx, &mut ds);
            prop_assert_eq!(&dx, &want_dx, "prelu dx on {:?}", k.isa);
            for c in 0..channels {
                prop_assert!(
                    (ds[c] - want_ds[c]).abs() <= 1e-5 * (scale[c] + ds0[c].abs()) + 1e-30,
                    "prelu dslopes[{}] on {:?}: got {}, want {}", c, k.isa, ds[c], want_ds[c]
                );
            }
        }
    }
}

/// PyTorch's conventions at the edges, on every tier.
#[test]
fn edge_conventions() {
    for k in all_supported() {
        let x = [0.0f32, -0.0, f32::NAN];
        let mut y = [9.0f32; 3];
        (k.act_forward)(Activation::Relu, &x, &mut y);
        assert!(
            y[0] == 0.0 && y[1] == 0.0 && y[2].is_nan(),
            "relu on {:?}: {y:?}",
            k.isa
        );
        // ReLU'(0) = 0.
        let mut dx = [0.0f32; 2];
        (k.act_backward)(
            Activation::Relu,
            &[0.0, 1.0],
            &[0.0, 1.0],
            &[1.0, 1.0],
            &mut dx,
        );
        assert_eq!(dx, [0.0, 1.0], "relu' on {:?}", k.isa);
        // Softplus passes x through above the threshold, and saturates its derivative there.
        (k.act_forward)(Activation::SOFTPLUS, &[25.0, 1e30], &mut y[..2]);
        assert_eq!(&y[..2], &[25.0, 1e30]);
        let mut dx = [0.0f32];
        (k.act_backward)(Activation::SOFTPLUS, &[25.0], &[25.0], &[3.0], &mut dx);
        assert_eq!(dx[0], 3.0);
    }
}

#[test]
#[should_panic(expected = "same length")]
fn forward_length_mismatch_panics() {
    let k = nd_kernels::active();
    (k.act_forward)(Activation::Tanh, &[1.0, 2.0], &mut [0.0]);
}

#[test]
#[should_panic(expected = "multiple")]
fn prelu_shape_mismatch_panics() {
    let k = nd_kernels::active();
    (k.prelu_forward)(&[1.0; 5], &[0.1, 0.2], 2, &mut [0.0; 5]);
}
