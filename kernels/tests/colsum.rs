//! The column-sum kernel of every tier this CPU supports against the scalar reference: each
//! column receives its rows in the same order on every tier, so the results must match bit
//! for bit (any NaN matches any NaN), tails and whole register blocks alike.

use nd_kernels::all_supported;
use nd_kernels::reference::colsum::col_sum_acc as reference;
use proptest::prelude::*;

fn same_bits(a: f32, b: f32) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn value() -> BoxedStrategy<f32> {
    prop_oneof![
        20 => -1000.0f32..1000.0,
        1 => Just(0.0f32),
        1 => Just(-0.0f32),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NAN),
        1 => -1e-30f32..1e-30,
    ]
    .boxed()
}

/// (x (rows, cols), out (cols)), with cols crossing the 8-vector blocks of every tier
/// (up to 128 columns per block on AVX-512) and their tails.
fn case() -> impl Strategy<Value = (usize, Vec<f32>, Vec<f32>)> {
    (0usize..12, 1usize..300).prop_flat_map(|(rows, cols)| {
        (
            Just(cols),
            prop::collection::vec(value(), rows * cols),
            prop::collection::vec(value(), cols),
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn col_sum_matches_reference_exactly((cols, x, out) in case()) {
        let mut want = out.clone();
        reference(&x, cols, &mut want);
        for k in all_supported() {
            let mut got = out.clone();
            (k.col_sum_acc)(&x, cols, &mut got);
            for (j, (g, w)) in got.iter().zip(&want).enumerate() {
                prop_assert!(same_bits(*g, *w), "{}: column {j}: {g} vs {w}", k.isa);
            }
        }
    }
}

/// The reference itself: sums of known columns (so a kernel that matched a broken
/// reference would still fail here).
#[test]
fn sums_known_columns() {
    // x (3, 2) = [[1, 10], [2, 20], [3, 30]]
    let x = [1.0, 10.0, 2.0, 20.0, 3.0, 30.0];
    for k in all_supported() {
        let mut out = [0.5, -60.0];
        (k.col_sum_acc)(&x, 2, &mut out);
        assert_eq!(out, [6.5, 0.0], "{}", k.isa);
    }
    // 200 columns of ones over 1000 rows: every tier's whole blocks and tail.
    let ones = vec![1.0f32; 200 * 1000];
    for k in all_supported() {
        let mut out = vec![0.0f32; 200];
        (k.col_sum_acc)(&ones, 200, &mut out);
        assert!(out.iter().all(|&v| v == 1000.0), "{}", k.isa);
    }
}

#[test]
fn bad_shapes_panic() {
    for k in all_supported() {
        let long_out = std::panic::catch_unwind(|| (k.col_sum_acc)(&[1.0; 6], 2, &mut [0.0; 3]));
        assert!(long_out.is_err(), "{}: out of the wrong length", k.isa);
        let ragged = std::panic::catch_unwind(|| (k.col_sum_acc)(&[1.0; 5], 2, &mut [0.0; 2]));
        assert!(ragged.is_err(), "{}: x not a multiple of cols", k.isa);
    }
}
