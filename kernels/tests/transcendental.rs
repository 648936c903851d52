//! ULP tests of exp, log, tanh, sigmoid, GELU (and ELU, softplus) on every supported tier.
//!
//! Each function is swept over every `stride`-th f32 bit pattern (both signs, every exponent,
//! NaNs and subnormals included) plus a list of special values, and its error is measured
//! against an f64 oracle in units of the f32 spacing at the exact value. The stride is
//! `ND_ULP_STRIDE` (a prime by default: 4099 natively, about a million points; pass a larger
//! one under emulation, e.g. 65537, or a smaller one for a denser sweep).

use nd_kernels::reference::transcendental::normal_cdf;
use nd_kernels::{all_supported, Activation, Kernels};

/// The sweep stride. Under emulation (`PROPTEST_CASES` set below 32, as the qemu runs do) the
/// default is 16x sparser so that each file finishes in a minute or two there.
fn stride() -> u64 {
    if let Some(s) = std::env::var("ND_ULP_STRIDE")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return s;
    }
    let quick = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .is_some_and(|c| c < 32);
    if quick {
        65_537
    } else {
        4_099
    }
}

/// Inputs every sweep includes: zeros, subnormal and normal extremes, infinities, NaNs, and the
/// overflow/underflow thresholds of exp with their neighbours.
fn special_inputs() -> Vec<f32> {
    let mut v = vec![
        0.0,
        -0.0,
        f32::from_bits(1),
        f32::from_bits(0x007f_ffff),
        f32::MIN_POSITIVE,
        f32::MAX,
        f32::INFINITY,
        f32::NAN,
        1.0,
        0.5,
        2.0,
        std::f32::consts::LN_2,
        88.722_83,
        88.722_84,
        88.7,
        89.0,
        -87.336_55,
        -103.972_08,
        -103.972_09,
        -104.0,
        9.01,
        16.7,
        14.0,
        13.2,
        1e-8,
        2.441_406_3e-4,
    ];
    for x in v.clone() {
        v.push(-x);
        for k in 1..4 {
            v.push(f32::from_bits(x.to_bits().wrapping_add(k)));
            v.push(f32::from_bits(x.to_bits().wrapping_sub(k)));
        }
    }
    v
}

fn sweep_inputs() -> Vec<f32> {
    let mut v: Vec<f32> = (0..=u32::MAX as u64)
        .step_by(stride() as usize)
        .map(|b| f32::from_bits(b as u32))
        .collect();
    v.extend(special_inputs());
    v
}

/// The spacing of f32 values at magnitude |v| (2^−149 in the subnormal range).
fn spacing(v: f64) -> f64 {
    let a = v.abs();
    if a < f32::MIN_POSITIVE as f64 {
        return 2f64.powi(-149);
    }
    2f64.powi(a.log2().floor() as i32 - 23).min(2f64.powi(104))
}

/// |got − exact| in ULPs of f32 at `exact`; 0 when both are the same infinity or both NaN.
fn ulp_error(got: f32, exact: f64) -> f64 {
    if exact.is_nan() || got.is_nan() {
        return if exact.is_nan() && got.is_nan() {
            0.0
        } else {
            f64::INFINITY
        };
    }
    let rounded = exact as f32;
    if got.is_infinite() || rounded.is_infinite() {
        if got == rounded {
            return 0.0;
        }
        if got.is_infinite() {
            return f64::INFINITY;
        }
    }
    if exact.is_infinite() {
        return f64::INFINITY;
    }
    (got as f64 - exact).abs() / spacing(exact)
}

struct Case {
    name: &'static str,
    run: fn(&Kernels, &[f32], &mut [f32]),
    exact: fn(f32) -> f64,
    /// The documented ULP bound.
    max_ulp: f64,
    /// Below this |exact|, the error is measured absolutely instead, bounded by `max_abs`.
    abs_below: f64,
    max_abs: f64,
}

fn check(case: &Case) {
    let x = sweep_inputs();
    let exact: Vec<f64> = x.iter().map(|&v| (case.exact)(v)).collect();
    let mut y = vec![0.0f32; x.len()];
    for k in all_supported() {
        (case.run)(k, &x, &mut y);
        let mut worst = (0.0f64, 0.0f32, 0.0f32, 0.0f64);
        let mut worst_abs = 0.0f64;
        for ((&xi, &yi), &ei) in x.iter().zip(&y).zip(&exact) {
            if ei.abs() < case.abs_below && !(yi.is_nan() || ei.is_nan()) {
                worst_abs = worst_abs.max((yi as f64 - ei).abs());
                continue;
            }
            let e = ulp_error(yi, ei);
            if e > worst.0 {
                worst = (e, xi, yi, ei);
            }
        }
        println!(
            "{:>9} {:?}: max {:.3} ULP (at x = {:e}: got {:e}, exact {:e}), max abs below {:e}: {:e}, {} points",
            case.name, k.isa, worst.0, worst.1, worst.2, worst.3, case.abs_below, worst_abs, x.len()
        );
        assert!(
            worst.0 <= case.max_ulp,
            "{} on {:?}: {} ULP at x = {:e} (bits {:#x}): got {:e}, exact {:e}; bound {}",
            case.name,
            k.isa,
            worst.0,
            worst.1,
            worst.1.to_bits(),
            worst.2,
            worst.3,
            case.max_ulp
        );
        assert!(
            worst_abs <= case.max_abs,
            "{} on {:?}: absolute error {worst_abs:e} in the tiny range; bound {:e}",
            case.name,
            k.isa,
            case.max_abs
        );
    }
}

fn act(k: &Kernels, a: Activation, x: &[f32], y: &mut [f32]) {
    (k.act_forward)(a, x, y)
}

#[test]
fn exp_ulp() {
    check(&Case {
        name: "exp",
        run: |k, x, y| (k.exp)(x, y),
        exact: |x| (x as f64).exp(),
        max_ulp: 1.5,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

#[test]
fn log_ulp() {
    check(&Case {
        name: "log",
        run: |k, x, y| (k.log)(x, y),
        exact: |x| (x as f64).ln(),
        max_ulp: 1.0,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

#[test]
fn tanh_ulp() {
    check(&Case {
        name: "tanh",
        run: |k, x, y| act(k, Activation::Tanh, x, y),
        exact: |x| (x as f64).tanh(),
        max_ulp: 3.0,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

#[test]
fn sigmoid_ulp() {
    check(&Case {
        name: "sigmoid",
        run: |k, x, y| act(k, Activation::Sigmoid, x, y),
        exact: |x| 1.0 / (1.0 + (-(x as f64)).exp()),
        max_ulp: 2.5,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

#[test]
fn gelu_ulp() {
    check(&Case {
        name: "gelu",
        run: |k, x, y| act(k, Activation::Gelu, x, y),
        exact: |x| {
            if x == f32::NEG_INFINITY {
                0.0
            } else {
                x as f64 * normal_cdf(x as f64)
            }
        },
        max_ulp: 6.0,
        abs_below: f32::MIN_POSITIVE as f64,
        max_abs: f32::MIN_POSITIVE as f64,
    });
}

#[test]
fn elu_ulp() {
    check(&Case {
        name: "elu",
        run: |k, x, y| act(k, Activation::ELU, x, y),
        exact: |x| {
            if x > 0.0 {
                x as f64
            } else {
                (x as f64).exp_m1()
            }
        },
        max_ulp: 2.0,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

#[test]
fn softplus_ulp() {
    check(&Case {
        name: "softplus",
        run: |k, x, y| act(k, Activation::SOFTPLUS, x, y),
        exact: |x| {
            let z = x as f64;
            if x > 20.0 {
                z
            } else {
                z.max(0.0) + (-z.abs()).exp().ln_1p()
            }
        },
        max_ulp: 3.0,
        abs_below: 0.0,
        max_abs: 0.0,
    });
}

/// Exact special values, on every tier.
#[test]
fn special_values() {
    let inf = f32::INFINITY;
    let cases: [(&str, f32, f32); 24] = [
        ("exp", f32::NAN, f32::NAN),
        ("exp", -inf, 0.0),
        ("exp", inf, inf),
        ("exp", 0.0, 1.0),
        ("exp", 88.8, inf),
        ("exp", -104.0, 0.0),
        ("log", 0.0, -inf),
        ("log", -0.0, -inf),
        ("log", -1.0, f32::NAN),
        ("log", inf, inf),
        ("log", f32::NAN, f32::NAN),
        ("log", 1.0, 0.0),
        ("tanh", 20.0, 1.0),
        ("tanh", -20.0, -1.0),
        ("tanh", inf, 1.0),
        ("tanh", -inf, -1.0),
        ("tanh", f32::NAN, f32::NAN),
        ("sigmoid", 40.0, 1.0),
        ("sigmoid", inf, 1.0),
        ("sigmoid", -inf, 0.0),
        ("sigmoid", f32::NAN, f32::NAN),
        ("gelu", inf, inf),
        ("gelu", -inf, 0.0),
        ("gelu", f32::NAN, f32::NAN),
    ];
    for k in all_supported() {
        for &(name, x, want) in &cases {
            let mut y = [0.0f32];
            match name {
                "exp" => (k.exp)(&[x], &mut y),
                "log" => (k.log)(&[x], &mut y),
                "tanh" => act(k, Activation::Tanh, &[x], &mut y),
                "sigmoid" => act(k, Activation::Sigmoid, &[x], &mut y),
                _ => act(k, Activation::Gelu, &[x], &mut y),
            }
            let ok = (want.is_nan() && y[0].is_nan()) || y[0] == want;
            assert!(ok, "{name}({x}) on {:?} = {}, want {want}", k.isa, y[0]);
        }
        // Signed zeros pass through tanh, and every activation maps NaN to NaN.
        let mut y = [0.0f32; 2];
        act(k, Activation::Tanh, &[0.0, -0.0], &mut y);
        assert!(y[0].to_bits() == 0 && y[1].to_bits() == (-0.0f32).to_bits());
        for a in Activation::ALL_DEFAULT {
            act(k, a, &[f32::NAN], &mut y[..1]);
            assert!(y[0].is_nan(), "{}(NaN) on {:?} = {}", a.name(), k.isa, y[0]);
        }
    }
}
