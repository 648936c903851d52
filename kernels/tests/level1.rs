//! Every level-1 kernel of every tier this CPU supports against the scalar reference.
//!
//! Elementwise kernels must match bit for bit (any NaN matches any NaN); `axpy` may fuse its
//! multiply-add, so it gets half an ulp of slack per term. Reductions add in a different order
//! than the reference; recursive summation of n terms errs by at most (n−1)·u·Σ|tᵢ| with
//! u = 2⁻²⁴ (Higham, *Accuracy and Stability*, §4.2), so two orders differ by at most
//! 2·n·u·Σ|tᵢ| = n·2⁻²³·Σ|tᵢ|, plus the smallest normal for underflow. `max` and `argmax`
//! must match exactly, bits included (NaN payloads, the sign of the first zero).

use nd_kernels::reference::level1 as reference;
use nd_kernels::{all_supported, Kernels};
use proptest::prelude::*;

/// Ordinary values, with exact zeros of both signs now and then.
fn finite() -> BoxedStrategy<f32> {
    prop_oneof![
        20 => -1000.0f32..1000.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => -1e-30f32..1e-30,
    ]
    .boxed()
}

/// Anything, IEEE specials included (for the elementwise kernels, which must match exactly).
fn any_value() -> BoxedStrategy<f32> {
    prop_oneof![
        10 => finite(),
        2 => any::<f32>(),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(f32::NAN),
    ]
    .boxed()
}

/// Few distinct values, so that ties (±0 included), infinities and NaN with different payloads
/// are common: the hard cases for `max` and `argmax`.
fn tie_value(with_nan: bool) -> BoxedStrategy<f32> {
    let plain = prop_oneof![
        Just(0.0f32),
        Just(-0.0f32),
        Just(1.0f32),
        Just(-1.0f32),
        Just(f32::INFINITY),
        Just(f32::NEG_INFINITY),
        Just(f32::MAX),
        Just(-f32::MIN_POSITIVE),
        -2.0f32..2.0,
    ];
    if with_nan {
        prop_oneof![
            40 => plain,
            1 => Just(f32::NAN),
            1 => Just(f32::from_bits(0x7fc0_1234)),
            1 => Just(f32::from_bits(0xffc0_0001)),
        ]
        .boxed()
    } else {
        plain.boxed()
    }
}

/// A sub-slice of `n` values at offset `off` (0..16) of a larger buffer, so that loads start
/// at every alignment.
fn placed(values: Vec<f32>, off: usize) -> Vec<f32> {
    let mut buf = vec![7.0f32; off];
    buf.extend(values);
    buf
}

fn same(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_same(isa: &str, what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len());
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert!(same(g, w), "{isa} {what}[{i}]: got {g:e}, want {w:e}");
    }
}

/// |got − want| ≤ n·2⁻²³·Σ|tᵢ| + tiny (see the module docs).
fn assert_sum_close(isa: &str, what: &str, got: f32, want: f32, n: usize, abs_sum: f64) {
    let bound = n as f64 * 2f64.powi(-23) * abs_sum + f32::MIN_POSITIVE as f64;
    let err = (got as f64 - want as f64).abs();
    assert!(
        err <= bound,
        "{isa} {what}: got {got:e}, reference {want:e}, error {err:e} > bound {bound:e} (n = {n})"
    );
}

/// Sizes: mostly 0..300, plus primes and one-off-a-vector lengths around the widths.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        3 => 0usize..300,
        1 => prop::sample::select(vec![
            0usize, 1, 2, 3, 5, 7, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 251, 257, 293,
        ]),
    ]
}

fn vec_of<S: Strategy<Value = f32> + Clone>(s: S) -> impl Strategy<Value = Vec<f32>> {
    size().prop_flat_map(move |n| prop::collection::vec(s.clone(), n))
}

fn pair_of<S: Strategy<Value = f32> + Clone>(s: S) -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    size().prop_flat_map(move |n| {
        (
            prop::collection::vec(s.clone(), n),
            prop::collection::vec(s.clone(), n),
        )
    })
}

type Binary = fn(&[f32], &[f32], &mut [f32]);
type Assign = fn(&mut [f32], &[f32]);

fn binaries(k: &Kernels) -> [(&'static str, Binary, Binary); 4] {
    [
        ("add", k.add, reference::add),
        ("sub", k.sub, reference::sub),
        ("mul", k.mul, reference::mul),
        ("div", k.div, reference::div),
    ]
}

fn assigns(k: &Kernels) -> [(&'static str, Assign, Assign); 4] {
    [
        ("add_assign", k.add_assign, reference::add_assign),
        ("sub_assign", k.sub_assign, reference::sub_assign),
        ("mul_assign", k.mul_assign, reference::mul_assign),
        ("div_assign", k.div_assign, reference::div_assign),
    ]
}

proptest! {
    #[test]
    fn elementwise_match_exactly(
        (a, b) in pair_of(any_value()),
        (off_a, off_b, off_o) in (0usize..16, 0usize..16, 0usize..16),
    ) {
        let n = a.len();
        let (a_buf, b_buf) = (placed(a, off_a), placed(b, off_b));
        let (a, b) = (&a_buf[off_a..], &b_buf[off_b..]);
        for k in all_supported() {
            let isa = k.isa.name();
            for (name, kernel, oracle) in binaries(k) {
                let mut want = vec![0.0f32; n];
                oracle(a, b, &mut want);
                let mut out_buf = vec![-3.0f32; off_o + n];
                kernel(a, b, &mut out_buf[off_o..]);
                assert_same(isa, name, &out_buf[off_o..], &want);
                prop_assert!(out_buf[..off_o].iter().all(|&x| x == -3.0), "{isa} {name} wrote before out");
            }
            for (name, kernel, oracle) in assigns(k) {
                let mut want = a.to_vec();
                oracle(&mut want, b);
                let mut y_buf = placed(a.to_vec(), off_o);
                kernel(&mut y_buf[off_o..], b);
                assert_same(isa, name, &y_buf[off_o..], &want);
            }
            let alpha = b.first().copied().unwrap_or(0.5);
            let mut want = a.to_vec();
            reference::scale(alpha, &mut want);
            let mut x_buf = placed(a.to_vec(), off_o);
            (k.scale)(alpha, &mut x_buf[off_o..]);
            assert_same(isa, "scale", &x_buf[off_o..], &want);
        }
    }

    #[test]
    fn axpy_within_one_rounding(
        (x, y) in pair_of(finite()),
        alpha in -10.0f32..10.0,
        (off_x, off_y) in (0usize..16, 0usize..16),
    ) {
        let x_buf = placed(x, off_x);
        let x = &x_buf[off_x..];
        let mut want = y.clone();
        reference::axpy(alpha, x, &mut want);
        for k in all_supported() {
            let mut y_buf = placed(y.clone(), off_y);
            (k.axpy)(alpha, x, &mut y_buf[off_y..]);
            for (i, (&got, &w)) in y_buf[off_y..].iter().zip(&want).enumerate() {
                // Fused vs unfused: the reference rounds α·x once more, by ≤ 2⁻²⁴·|α·x|, and
                // the two final roundings differ by ≤ 2⁻²⁴·|y'| each.
                let bound = 2f64.powi(-23) * ((alpha as f64 * x[i] as f64).abs() + (w as f64).abs())
                    + f32::MIN_POSITIVE as f64;
                let err = (got as f64 - w as f64).abs();
                prop_assert!(err <= bound, "{} axpy[{i}]: got {got:e}, want {w:e}", k.isa);
            }
        }
    }

    #[test]
    fn reductions_within_bound(
        (a, b) in pair_of(finite()),
        (off_a, off_b) in (0usize..16, 0usize..16),
    ) {
        let n = a.len();
        let (a_buf, b_buf) = (placed(a, off_a), placed(b, off_b));
        let (a, b) = (&a_buf[off_a..], &b_buf[off_b..]);
        let abs_sum: f64 = a.iter().map(|&x| (x as f64).abs()).sum();
        let sq_sum: f64 = a.iter().map(|&x| x as f64 * x as f64).sum();
        let dot_abs: f64 = a.iter().zip(b).map(|(&x, &y)| (x as f64 * y as f64).abs()).sum();
        for k in all_supported() {
            let isa = k.isa.name();
            assert_sum_close(isa, "sum", (k.sum)(a), reference::sum(a), n, abs_sum);
            assert_sum_close(isa, "sum_sq", (k.sum_sq)(a), reference::sum_sq(a), n, sq_sum);
            assert_sum_close(isa, "dot", (k.dot)(a, b), reference::dot(a, b), n, dot_abs);
        }
    }

    #[test]
    fn max_argmax_exact_with_ties(x in vec_of(tie_value(false)), off in 0usize..16) {
        check_max_argmax(&placed(x, off)[off..]);
    }

    #[test]
    fn max_argmax_exact_with_nan(x in vec_of(tie_value(true)), off in 0usize..16) {
        check_max_argmax(&placed(x, off)[off..]);
    }

    #[test]
    fn max_argmax_exact_on_any(x in vec_of(any_value()), off in 0usize..16) {
        check_max_argmax(&placed(x, off)[off..]);
    }
}

fn check_max_argmax(x: &[f32]) {
    let want_max = reference::max(x);
    let want_arg = reference::argmax(x);
    for k in all_supported() {
        let got = (k.max)(x);
        assert_eq!(
            got.to_bits(),
            want_max.to_bits(),
            "{} max: got {got:e}, want {want_max:e} in {x:?}",
            k.isa
        );
        assert_eq!((k.argmax)(x), want_arg, "{} argmax of {x:?}", k.isa);
    }
}

#[test]
fn reference_max_semantics() {
    assert_eq!(reference::max(&[]), f32::NEG_INFINITY);
    assert_eq!(reference::argmax(&[]), None);
    assert_eq!(reference::argmax(&[f32::NEG_INFINITY; 3]), Some(0));
    // The first of equal zeros wins, whatever its sign.
    assert_eq!(reference::max(&[-0.0, 0.0]).to_bits(), (-0.0f32).to_bits());
    assert_eq!(reference::max(&[0.0, -0.0]).to_bits(), 0.0f32.to_bits());
    assert_eq!(reference::argmax(&[-1.0, -0.0, 0.0]), Some(1));
    // The first NaN wins, payload included.
    let nan2 = f32::from_bits(0x7fc0_0002);
    let x = [1.0, nan2, f32::INFINITY, f32::NAN];
    assert_eq!(reference::argmax(&x), Some(1));
    assert_eq!(reference::max(&x).to_bits(), nan2.to_bits());
    assert_eq!(reference::argmax(&[1.0, 3.0, 2.0, 3.0]), Some(1));
}

#[test]
fn edge_cases_every_tier() {
    for k in all_supported() {
        assert_eq!((k.sum)(&[]), 0.0);
        assert_eq!((k.sum_sq)(&[]), 0.0);
        assert_eq!((k.dot)(&[], &[]), 0.0);
        assert_eq!((k.max)(&[]), f32::NEG_INFINITY);
        assert_eq!((k.argmax)(&[]), None);
        // A long run of zeros with the positive one late: the first zero's sign wins.
        let mut x = vec![-0.0f32; 1000];
        x[999] = 0.0;
        assert_eq!((k.max)(&x).to_bits(), (-0.0f32).to_bits(), "{}", k.isa);
        assert_eq!((k.argmax)(&x), Some(0));
        // A NaN in the last (partial) vector.
        let mut x: Vec<f32> = (0..37).map(|i| i as f32).collect();
        x[36] = f32::NAN;
        assert!((k.max)(&x).is_nan());
        assert_eq!((k.argmax)(&x), Some(36));
        let ones = vec![1.0f32; 1001];
        assert_eq!((k.sum)(&ones), 1001.0);
        assert_eq!((k.dot)(&ones, &ones), 1001.0);
    }
}

/// A named call that is expected to panic.
type MisuseCase<'a> = (&'static str, Box<dyn Fn() + 'a>);

/// Every two-operand kernel of every tier panics with a clear message on mismatched lengths.
#[test]
fn mismatched_lengths_panic() {
    let (a, b) = (vec![1.0f32; 5], vec![1.0f32; 6]);
    for k in all_supported() {
        let cases: Vec<MisuseCase<'_>> = vec![
            (
                "dot",
                Box::new(|| {
                    let _ = (k.dot)(&a, &b);
                }),
            ),
            ("axpy", Box::new(|| (k.axpy)(1.0, &a, &mut b.clone()))),
            ("add", Box::new(|| (k.add)(&a, &a, &mut b.clone()))),
            ("sub", Box::new(|| (k.sub)(&a, &b, &mut a.clone()))),
            ("mul", Box::new(|| (k.mul)(&b, &a, &mut a.clone()))),
            ("div", Box::new(|| (k.div)(&a, &b, &mut b.clone()))),
            (
                "add_assign",
                Box::new(|| (k.add_assign)(&mut a.clone(), &b)),
            ),
            (
                "sub_assign",
                Box::new(|| (k.sub_assign)(&mut a.clone(), &b)),
            ),
            (
                "mul_assign",
                Box::new(|| (k.mul_assign)(&mut b.clone(), &a)),
            ),
            (
                "div_assign",
                Box::new(|| (k.div_assign)(&mut b.clone(), &a)),
            ),
        ];
        for (name, call) in cases {
            let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call)).expect_err(name);
            let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
            assert!(
                msg.contains(name) && msg.contains("lengths differ"),
                "{} {name}: unclear panic message {msg:?}",
                k.isa
            );
        }
    }
}
