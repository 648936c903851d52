//! sgemm of every tier this CPU supports (the `Scalar` tier is the reference itself) against
//! an f64 computation of the same product.
//!
//! Error bound, per element of C (ε = 2⁻²⁴, the f32 unit roundoff):
//!
//!   |c − c₆₄| ≤ (k + 4)·2ε · (|alpha|·Σ_p |a_ip·b_pj| + |beta·c0_ij| + |bias_j|) + 1e-30
//!
//! The k + 4 counts the roundings of a k-term f32 dot product (any summation order, with or
//! without FMA: γ_k ≤ k·ε·(1 + small)) plus those of alpha, beta, the bias and the final
//! addition; the factor 2 is slack for the blocked, split-k accumulation (C is updated once per
//! block of k). With an activation the bound is multiplied by the activation's Lipschitz
//! constant (≤ 1.13 for every activation here; 1.25 is used) and the activation kernel's own
//! error (16 ulp of the result, plus 1e-6 absolute for results near 0) is added.
//!
//! Tests of ReLU/GELU/... epilogues are in `epilogue_with_activation`: they need the activation
//! kernels (`ops::activation`, `reference::activation`), which land from another branch; until
//! then run this file with `--skip activation`.

mod common;
use common::config;
use nd_kernels::{all_supported, Activation, Epilogue, GemmSpec, Transpose};
use proptest::prelude::*;

/// Deterministic values in [-1, 1) from a seed (keeps proptest's shrinking on the shape).
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ((x >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// A shape biased towards small sizes (fast), sometimes medium, rarely past the 256 blocks.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![8 => 0usize..=40, 3 => 0usize..=130, 1 => 200usize..=300]
}

fn scalar() -> impl Strategy<Value = f32> {
    prop_oneof![Just(0.0f32), Just(1.0f32), -2.0f32..2.0]
}

fn transpose() -> impl Strategy<Value = Transpose> {
    prop_oneof![Just(Transpose::No), Just(Transpose::Yes)]
}

#[derive(Clone, Debug)]
struct Case {
    spec: GemmSpec,
    /// Offsets of A, B and C within their buffers (unaligned sub-slices).
    off: [usize; 3],
    bias: bool,
    seed: u64,
}

fn case() -> impl Strategy<Value = Case> {
    (
        (size(), size(), size()),
        (transpose(), transpose()),
        (0usize..3, 0usize..3, 0usize..3),
        (scalar(), scalar()),
        (0usize..16, 0usize..16, 0usize..16),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |((m, n, k), (ta, tb), pads, (alpha, beta), off, bias, seed)| {
                let a_cols = if ta == Transpose::No { k } else { m };
                let b_cols = if tb == Transpose::No { n } else { k };
                // Strides: minimal, or larger by a few elements (pads 0..3 → +0, +1, +7).
                let grow = |p: usize| [0, 1, 7][p];
                Case {
                    spec: GemmSpec {
                        m,
                        n,
                        k,
                        trans_a: ta,
                        trans_b: tb,
                        alpha,
                        beta,
                        lda: a_cols + grow(pads.0),
                        ldb: b_cols + grow(pads.1),
                        ldc: n + grow(pads.2),
                    },
                    off: [off.0, off.1, off.2],
                    bias,
                    seed,
                }
            },
        )
}

/// Buffers for a case: A, B, C (with `off` elements in front and a sentinel-filled tail and
/// stride padding), and the bias.
struct Operands {
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
    bias: Option<Vec<f32>>,
}

/// The value stored in C's padding (between rows and around the matrix); it must survive.
const SENTINEL: f32 = 777.0;

fn operands(case: &Case) -> Operands {
    let s = &case.spec;
    let need =
        |rows: usize, cols: usize, ld: usize| if rows == 0 { 0 } else { (rows - 1) * ld + cols };
    let (ar, ac) = s.a_stored();
    let (br, bc) = s.b_stored();
    // A and B end exactly at their last element (so reads past it would panic), and every
    // element that is not part of the matrix (the offset, stride padding) is NaN, so that a
    // tile lane fed from outside the matrix cannot reach C unnoticed.
    let poison = |mut buf: Vec<f32>, off: usize, rows: usize, cols: usize, ld: usize| {
        for (idx, x) in buf.iter_mut().enumerate() {
            if idx < off || (idx - off) % ld.max(1) >= cols || (idx - off) / ld.max(1) >= rows {
                *x = f32::NAN;
            }
        }
        buf
    };
    let a = values(case.off[0] + need(ar, ac, s.lda), case.seed);
    let a = poison(a, case.off[0], ar, ac, s.lda);
    let b = values(case.off[1] + need(br, bc, s.ldb), case.seed ^ 0x55);
    let b = poison(b, case.off[1], br, bc, s.ldb);
    let mut c = vec![SENTINEL; case.off[2] + need(s.m, s.n, s.ldc) + 3];
    let c0 = values(s.m * s.n, case.seed ^ 0xAA);
    for i in 0..s.m {
        for j in 0..s.n {
            // With beta == 0, C must not be read: fill it with NaN.
            c[case.off[2] + i * s.ldc + j] = if s.beta == 0.0 {
                f32::NAN
            } else {
                c0[i * s.n + j]
            };
        }
    }
    let bias = case.bias.then(|| values(s.n, case.seed ^ 0x33));
    Operands { a, b, c, bias }
}

/// Expected C (before activation) in f64 and the error bound of each element.
fn expected(case: &Case, ops: &Operands) -> (Vec<f64>, Vec<f64>) {
    let s = &case.spec;
    let a = &ops.a[case.off[0]..];
    let b = &ops.b[case.off[1]..];
    let c = &ops.c[case.off[2]..];
    let op_a = |i: usize, p: usize| match s.trans_a {
        Transpose::No => a[i * s.lda + p],
        Transpose::Yes => a[p * s.lda + i],
    } as f64;
    let op_b = |p: usize, j: usize| match s.trans_b {
        Transpose::No => b[p * s.ldb + j],
        Transpose::Yes => b[j * s.ldb + p],
    } as f64;
    let eps = (-24f64).exp2();
    let mut want = vec![0.0; s.m * s.n];
    let mut tol = vec![0.0; s.m * s.n];
    for i in 0..s.m {
        for j in 0..s.n {
            let (mut dot, mut mag) = (0.0f64, 0.0f64);
            if s.alpha != 0.0 {
                for p in 0..s.k {
                    dot += op_a(i, p) * op_b(p, j);
                    mag += (op_a(i, p) * op_b(p, j)).abs();
                }
            }
            let old = if s.beta == 0.0 {
                0.0
            } else {
                s.beta as f64 * c[i * s.ldc + j] as f64
            };
            let bias = ops.bias.as_ref().map_or(0.0, |b| b[j] as f64);
            want[i * s.n + j] = s.alpha as f64 * dot + old + bias;
            tol[i * s.n + j] = (s.k as f64 + 4.0)
                * 2.0
                * eps
                * ((s.alpha as f64).abs() * mag + old.abs() + bias.abs())
                + 1e-30;
        }
    }
    (want, tol)
}

/// Runs every tier on `case` with `act` and checks C and its padding.
fn check_case(case: &Case, act: Activation) -> Result<(), TestCaseError> {
    let s = &case.spec;
    let ops = operands(case);
    let (want, tol) = expected(case, &ops);
    for table in all_supported() {
        let mut c = ops.c.clone();
        let epilogue = Epilogue {
            bias: ops.bias.as_deref(),
            activation: act,
        };
        (table.sgemm)(
            s,
            &ops.a[case.off[0]..],
            &ops.b[case.off[1]..],
            &mut c[case.off[2]..],
            epilogue,
        );
        let isa = table.isa;
        for (idx, &got) in c.iter().enumerate() {
            let inside = idx >= case.off[2] && {
                let rel = idx - case.off[2];
                rel / s.ldc.max(1) < s.m && rel % s.ldc.max(1) < s.n
            };
            if !inside {
                prop_assert!(
                    got.to_bits() == SENTINEL.to_bits(),
                    "{isa}: padding at {idx} changed to {got} ({case:?})"
                );
                continue;
            }
            let rel = idx - case.off[2];
            let (i, j) = (rel / s.ldc, rel % s.ldc);
            let (w, t) = (want[i * s.n + j], tol[i * s.n + j]);
            if act == Activation::Identity {
                prop_assert!(
                    (got as f64 - w).abs() <= t,
                    "{isa}: C[{i}][{j}] = {got}, expected {w} ± {t} ({case:?})"
                );
            } else {
                let mut y = [w as f32];
                nd_kernels::reference::activation::forward_inplace(act, &mut y);
                let y = y[0] as f64;
                let t = 1.25 * t + 16.0 * f32::EPSILON as f64 * y.abs() + 1e-6;
                prop_assert!(
                    (got as f64 - y).abs() <= t,
                    "{isa}: {act:?} C[{i}][{j}] = {got}, expected {y} ± {t} ({case:?})"
                );
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Every tier, both transposes, padded strides, unaligned sub-slices, alpha/beta in
    /// {0, 1, other}, with and without bias.
    #[test]
    fn matches_f64_reference(case in case()) {
        check_case(&case, Activation::Identity)?;
    }

    /// The fused bias + activation epilogue. Needs the activation kernels (another branch).
    #[test]
    fn epilogue_with_activation(case in case(), which in 0usize..9) {
        check_case(&case, Activation::ALL_DEFAULT[which])?;
    }
}

/// Shapes that cross every block boundary (NC = 512 columns, KC = 256 steps, MC = 256 rows)
/// and the small-product shapes models use, on every tier.
#[test]
fn block_boundaries_and_model_shapes() {
    let shapes = [
        (1, 1, 1),
        (1, 530, 3),
        (530, 1, 3),
        (70, 530, 300),
        (270, 40, 513),
        (530, 70, 300),
        (33, 12, 1024),
        (32, 1024, 24),
        (13, 17, 19),
        (1, 1024, 1024),
        (4, 530, 300),
    ];
    for (m, n, k) in shapes {
        for (ta, tb) in [
            (Transpose::No, Transpose::No),
            (Transpose::Yes, Transpose::Yes),
            // A Linear layer's forward (W stored (D_out, D_in)): the dot-product path for
            // up to 4 rows, the blocked path above.
            (Transpose::No, Transpose::Yes),
        ] {
            let mut spec = GemmSpec::new(m, n, k);
            spec.trans_a = ta;
            spec.trans_b = tb;
            spec.lda = spec.a_stored().1;
            spec.ldb = spec.b_stored().1;
            spec.beta = 0.5;
            let case = Case {
                spec,
                off: [1, 2, 3],
                bias: true,
                seed: (m * n * k) as u64,
            };
            if let Err(e) = check_case(&case, Activation::Identity) {
                panic!("{e}");
            }
        }
    }
}

/// m, n or k zero: C = epilogue(beta·C); nothing read from A or B.
#[test]
fn empty_dimensions() {
    for table in all_supported() {
        let spec = GemmSpec {
            beta: 2.0,
            ..GemmSpec::new(2, 3, 0)
        };
        let mut c = vec![1.0f32; 6];
        let bias = [1.0f32, 2.0, 3.0];
        let epilogue = Epilogue {
            bias: Some(&bias),
            activation: Activation::Identity,
        };
        (table.sgemm)(&spec, &[], &[], &mut c, epilogue);
        assert_eq!(c, [3.0, 4.0, 5.0, 3.0, 4.0, 5.0], "{}", table.isa);

        let spec = GemmSpec::new(0, 3, 4);
        (table.sgemm)(&spec, &[], &[0.0; 12], &mut [], Epilogue::NONE);
        let spec = GemmSpec::new(3, 0, 4);
        (table.sgemm)(&spec, &[0.0; 12], &[], &mut [], Epilogue::NONE);

        // alpha == 0, beta == 0: C = bias even when A, B and C hold NaN.
        let spec = GemmSpec {
            alpha: 0.0,
            ..GemmSpec::new(2, 3, 2)
        };
        let mut c = vec![f32::NAN; 6];
        (table.sgemm)(&spec, &[f32::NAN; 4], &[f32::NAN; 6], &mut c, epilogue);
        assert_eq!(c, [1.0, 2.0, 3.0, 1.0, 2.0, 3.0], "{}", table.isa);
    }
}

#[test]
fn check_reports_misuse() {
    let spec = GemmSpec::new(2, 3, 4); // A (2, 4), B (4, 3), C (2, 3)
    assert_eq!(spec.check(8, 12, 6, None), Ok(()));
    assert_eq!(spec.check(100, 100, 100, Some(3)), Ok(()));
    assert!(spec.check(7, 12, 6, None).unwrap_err().contains("A has 7"));
    assert!(spec.check(8, 11, 6, None).unwrap_err().contains("B has 11"));
    assert!(spec.check(8, 12, 5, None).unwrap_err().contains("C has 5"));
    assert!(spec.check(8, 12, 6, Some(2)).unwrap_err().contains("bias"));
    let bad_lda = GemmSpec { lda: 3, ..spec };
    assert!(bad_lda
        .check(100, 100, 100, None)
        .unwrap_err()
        .contains("row stride"));
    let bad_ldb = GemmSpec {
        trans_b: Transpose::Yes,
        ..spec
    }; // B stored (3, 4), ldb 3 < 4
    assert!(bad_ldb
        .check(100, 100, 100, None)
        .unwrap_err()
        .contains("B is stored (3, 4)"));
    let bad_ldc = GemmSpec { ldc: 2, ..spec };
    assert!(bad_ldc.check(100, 100, 100, None).is_err());
    // Padded strides: the last row needs only its own columns.
    let padded = GemmSpec { lda: 10, ..spec };
    assert_eq!(padded.check(14, 12, 6, None), Ok(()));
    assert!(padded.check(13, 12, 6, None).is_err());
    // Empty matrices need no elements, but strides are still checked.
    assert_eq!(GemmSpec::new(0, 0, 0).check(0, 0, 0, None), Ok(()));
    let huge = GemmSpec {
        m: usize::MAX / 2,
        lda: 4,
        ..spec
    };
    assert!(huge.check(0, 12, 6, None).is_err());
}

#[test]
fn misuse_panics_on_every_tier() {
    for table in all_supported() {
        let spec = GemmSpec::new(2, 3, 4);
        let run = |a: usize, b: usize, c: usize, bias: usize| {
            std::panic::catch_unwind(move || {
                let bias = vec![0.0; bias];
                let epilogue = Epilogue {
                    bias: Some(&bias),
                    activation: Activation::Identity,
                };
                (table.sgemm)(
                    &spec,
                    &vec![0.0; a],
                    &vec![0.0; b],
                    &mut vec![0.0; c],
                    epilogue,
                );
            })
            .is_err()
        };
        assert!(!run(8, 12, 6, 3), "{}", table.isa);
        assert!(run(7, 12, 6, 3), "{}: short A", table.isa);
        assert!(run(8, 11, 6, 3), "{}: short B", table.isa);
        assert!(run(8, 12, 5, 3), "{}: short C", table.isa);
        assert!(run(8, 12, 6, 4), "{}: long bias", table.isa);
    }
}
