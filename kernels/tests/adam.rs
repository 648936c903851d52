//! The Adam/AdamW step: every tier against the scalar reference, and both against a two-step
//! example computed by hand (in f64, from the formulas of `torch.optim.Adam`/`AdamW`).

use nd_kernels::reference::adam as reference;
use nd_kernels::{all_supported, AdamStep};
use proptest::prelude::*;

fn hyper() -> impl Strategy<Value = AdamStep> {
    (
        1e-4f32..1e-1,
        0.5f32..0.99,
        0.9f32..0.9999,
        prop_oneof![Just(1e-8f32), 1e-8f32..1e-5],
        prop_oneof![Just(0.0f32), 0.0f32..0.1],
        any::<bool>(),
        prop_oneof![1u64..10, 1u64..100_000, Just(u64::MAX)],
    )
        .prop_map(
            |(lr, beta1, beta2, eps, weight_decay, decoupled, step)| AdamStep {
                lr,
                beta1,
                beta2,
                eps,
                weight_decay,
                decoupled_weight_decay: decoupled,
                step,
            },
        )
}

/// (params, grads, m, v) of one length, with v ≥ 0 as a real second moment is.
type State = (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>);

fn state() -> impl Strategy<Value = State> {
    prop_oneof![3 => 0usize..300, 1 => prop::sample::select(vec![1usize, 7, 17, 63, 65, 257])]
        .prop_flat_map(|n| {
            (
                prop::collection::vec(-2.0f32..2.0, n),
                prop::collection::vec(-1.0f32..1.0, n),
                prop::collection::vec(-0.1f32..0.1, n),
                prop::collection::vec(0.0f32..0.01, n),
            )
        })
}

fn placed(values: &[f32], off: usize) -> Vec<f32> {
    let mut buf = vec![5.0f32; off];
    buf.extend_from_slice(values);
    buf
}

proptest! {
    #[test]
    fn tiers_match_reference(
        h in hyper(),
        (p0, g, m0, v0) in state(),
        (off_p, off_g, off_m, off_v) in (0usize..16, 0usize..16, 0usize..16, 0usize..16),
    ) {
        let (mut p_ref, mut m_ref, mut v_ref) = (p0.clone(), m0.clone(), v0.clone());
        reference::step(&h, &mut p_ref, &g, &mut m_ref, &mut v_ref);

        // Tolerances from the FMA contractions a tier may do (m, v, the L2 term and the final
        // p update each round once instead of twice), propagated through the update in f64.
        let t = h.step as f64;
        let step_size = h.lr as f64 / (1.0 - (h.beta1 as f64).powf(t));
        let bc2_sqrt = (1.0 - (h.beta2 as f64).powf(t)).sqrt();
        let u = 2f64.powi(-20);

        let g_buf = placed(&g, off_g);
        for k in all_supported() {
            let (mut p, mut m, mut v) =
                (placed(&p0, off_p), placed(&m0, off_m), placed(&v0, off_v));
            (k.adam_step)(&h, &mut p[off_p..], &g_buf[off_g..], &mut m[off_m..], &mut v[off_v..]);
            for i in 0..p0.len() {
                let (p, m, v) = (p[off_p + i] as f64, m[off_m + i] as f64, v[off_v + i] as f64);
                let g_mag = g[i].abs() as f64 + (h.weight_decay * p0[i]).abs() as f64;
                let m_tol = u * (h.beta1 as f64 * (m0[i] as f64).abs() + g_mag);
                let v_tol = u * (h.beta2 as f64 * v0[i] as f64 + g_mag * g_mag);
                let denom = (v_ref[i] as f64).sqrt() / bc2_sqrt + h.eps as f64;
                let upd = step_size * (m_ref[i] as f64).abs() / denom;
                let p_tol = u * ((p0[i] as f64).abs() + upd) + step_size * m_tol / denom + 1e-30;
                prop_assert!((m - m_ref[i] as f64).abs() <= m_tol, "{} m[{i}]: {m} vs {}", k.isa, m_ref[i]);
                prop_assert!((v - v_ref[i] as f64).abs() <= v_tol, "{} v[{i}]: {v} vs {}", k.isa, v_ref[i]);
                prop_assert!(
                    (p - p_ref[i] as f64).abs() <= p_tol,
                    "{} p[{i}]: {p} vs {} (tolerance {p_tol:e})", k.isa, p_ref[i]
                );
            }
            prop_assert!(p[..off_p].iter().all(|&x| x == 5.0), "{} wrote outside params", k.isa);
        }
    }
}

/// Two steps on three parameters, by hand. With lr = 0.01, β = (0.9, 0.999), eps = 1e-8,
/// wd = 0.1. Adam, step 1, element 0: g = 0.1 + 0.1·0.5 = 0.15, m = 0.015, v = 2.25e-5,
/// m̂ = 0.15, v̂ = 0.0225, so p = 0.5 − 0.01·0.15/(0.15 + 1e-8) = 0.49000001. Step 2:
/// g = −0.05 + 0.1·0.49 = −0.001, m = 0.0134, v = 2.24785e-5, m̂ = 0.0134/0.19,
/// v̂ = 2.24785e-5/0.001999, p = 0.49 − 0.01·0.0705263/0.1060418 = 0.48334920.
///
/// The table holds the same formulas evaluated in f64 (Python floats) — p with the decimal
/// hyperparameters, as PyTorch (which keeps them as doubles) would compute; m and v with the
/// f32-rounded ones `AdamStep` carries: β2 = 0.999f32 is 0.99900001287, so 1 − β2 is 1.3e-5
/// smaller in relative terms and v is too (2.2478212e-5 instead of PyTorch's 2.24785e-5).
/// The bias correction divides the same factor back out, so p agrees with PyTorch to 1e-9.
fn two_steps(decoupled: bool) -> [[f64; 3]; 3] {
    if decoupled {
        [
            [0.486_347_131, -0.991_672_036, 1.979_311_418], // p
            [4.000_000_775e-3, 2.200_000_605e-2, 2.700_000_679e-2], // m
            [1.248_983_970e-5, 1.999_574_321e-4, 8.990_885_075e-5], // v
        ]
    } else {
        [
            [0.483_349_201, -0.990_542_954, 1.981_021_889],
            [1.340_000_305e-2, 3.100_001_495e-3, 6.490_001_592e-2],
            [2.247_821_156e-5, 1.805_086_825e-4, 2.893_472_940e-4],
        ]
    }
}

#[test]
fn two_step_example_by_hand() {
    for decoupled in [false, true] {
        let want = two_steps(decoupled).map(|row| row.map(|x| x as f32));
        let mut tables: Vec<(&str, nd_kernels::Kernels)> = all_supported()
            .into_iter()
            .map(|k| (k.isa.name(), *k))
            .collect();
        tables.push((
            "reference",
            *nd_kernels::for_isa(nd_kernels::Isa::Scalar).unwrap(),
        ));
        for (name, k) in tables {
            let mut p = [0.5f32, -1.0, 2.0];
            let (mut m, mut v) = ([0.0f32; 3], [0.0f32; 3]);
            let grads = [[0.1f32, -0.2, 0.3], [-0.05, 0.4, 0.0]];
            for (t, g) in grads.iter().enumerate() {
                let h = AdamStep {
                    lr: 0.01,
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.1,
                    decoupled_weight_decay: decoupled,
                    step: t as u64 + 1,
                };
                (k.adam_step)(&h, &mut p, g, &mut m, &mut v);
            }
            for i in 0..3 {
                let ctx = format!("{name} decoupled={decoupled} [{i}]");
                assert!(
                    (p[i] - want[0][i]).abs() <= 2e-6,
                    "{ctx} p {} vs {}",
                    p[i],
                    want[0][i]
                );
                assert!(
                    (m[i] - want[1][i]).abs() <= 2e-6 * want[1][i].abs(),
                    "{ctx} m {} vs {}",
                    m[i],
                    want[1][i]
                );
                assert!(
                    (v[i] - want[2][i]).abs() <= 2e-6 * want[2][i].abs(),
                    "{ctx} v {} vs {}",
                    v[i],
                    want[2][i]
                );
            }
        }
    }
}

#[test]
fn misuse_panics_clearly() {
    let h = AdamStep {
        lr: 0.01,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weight_decay: 0.0,
        decoupled_weight_decay: false,
        step: 1,
    };
    for k in all_supported() {
        let (mut p, g, mut m, mut v) = (
            vec![0.0f32; 4],
            vec![0.0f32; 4],
            vec![0.0f32; 4],
            vec![0.0f32; 3],
        );
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (k.adam_step)(&h, &mut p, &g, &mut m, &mut v)
        }))
        .expect_err("mismatched lengths");
        let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(msg.contains("lengths differ"), "{}: {msg:?}", k.isa);

        let step0 = AdamStep { step: 0, ..h };
        let mut v = vec![0.0f32; 4];
        let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            (k.adam_step)(&step0, &mut p, &g, &mut m, &mut v)
        }))
        .expect_err("step 0");
        let msg = err
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        assert!(msg.contains("1-based"), "{}: {msg:?}", k.isa);
    }
}
