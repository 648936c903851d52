//! Expanding-window statistics: mean and standard deviation of everything seen so far.
//!
//! Semantics are pandas' `Series.expanding().mean()/.std()` with its defaults:
//! `min_periods = 1`, NaN values skipped (they count for nothing), so the mean is NaN only
//! until the first value and the std (ddof = 1) until the second. Both use Welford's update in
//! f64, which is exact for a constant series (0 std, the value as mean, as pandas).

/// Expanding mean into `out`.
///
/// # Panics
/// If the lengths differ.
pub fn expanding_mean(x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "expanding_mean: lengths differ");
    welford(x, |i, count, mean, _| {
        out[i] = if count == 0 { f32::NAN } else { mean as f32 };
    });
}

/// Expanding standard deviation (ddof = 1) into `out`.
///
/// # Panics
/// If the lengths differ.
pub fn expanding_std(x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "expanding_std: lengths differ");
    welford(x, |i, count, _, m2| {
        out[i] = if count < 2 {
            f32::NAN
        } else {
            (m2 / (count - 1) as f64).sqrt() as f32
        };
    });
}

/// Welford's running mean and sum of squared deviations; `emit(i, count, mean, m2)` after
/// each value.
#[inline(always)]
fn welford(x: &[f32], mut emit: impl FnMut(usize, usize, f64, f64)) {
    let (mut count, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    for (i, &v) in x.iter().enumerate() {
        if !v.is_nan() {
            count += 1;
            let v = f64::from(v);
            let delta = v - mean;
            mean += delta / count as f64;
            m2 += delta * (v - mean);
        }
        emit(i, count, mean, m2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pandas_example() {
        // pd.Series([nan, 2, nan, 4, 9]).expanding().mean() / .std()
        let x = [f32::NAN, 2.0, f32::NAN, 4.0, 9.0];
        let (mut mean, mut std) = ([0.0; 5], [0.0; 5]);
        expanding_mean(&x, &mut mean);
        expanding_std(&x, &mut std);
        assert!(mean[0].is_nan());
        assert_eq!(&mean[1..], &[2.0, 2.0, 3.0, 5.0]);
        assert!(std[..3].iter().all(|v| v.is_nan()));
        assert!((std[3] - 2f32.sqrt()).abs() < 1e-6);
        assert!((std[4] - 13f32.sqrt()).abs() < 1e-6);
        let c = [3.25f32; 50];
        let mut s = [1.0; 50];
        expanding_std(&c, &mut s);
        assert!(s[1..].iter().all(|&v| v == 0.0));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn matches_naive_prefixes(
            x in prop::collection::vec(prop_oneof![5 => -1e3f32..1e3, 1 => Just(f32::NAN)], 0..100)
        ) {
            let (mut mean, mut std) = (vec![0.0; x.len()], vec![0.0; x.len()]);
            expanding_mean(&x, &mut mean);
            expanding_std(&x, &mut std);
            for i in 0..x.len() {
                let v: Vec<f64> = x[..=i].iter().filter(|v| !v.is_nan()).map(|&v| f64::from(v)).collect();
                if v.is_empty() {
                    prop_assert!(mean[i].is_nan());
                } else {
                    let m = v.iter().sum::<f64>() / v.len() as f64;
                    prop_assert!((f64::from(mean[i]) - m).abs() <= 1e-6 * 1e3);
                    if v.len() < 2 {
                        prop_assert!(std[i].is_nan());
                    } else {
                        let s = (v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (v.len() - 1) as f64).sqrt();
                        prop_assert!((f64::from(std[i]) - s).abs() <= 1e-6 * 1e3, "i={} {} {}", i, std[i], s);
                    }
                }
            }
        }
    }
}
