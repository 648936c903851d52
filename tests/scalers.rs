//! Scalers against NeuralForecast's own code (fixtures written by
//! `tools/gen_scaler_fixtures.py`) and round-trip properties.

use neuro_divergent::data::batch::{gather, Batch, BatchLayout};
use neuro_divergent::data::scalers::local::{boxcox, fit_one, inv_boxcox};
use neuro_divergent::data::scalers::{
    LocalScaler, LocalScalerKind, ScaleStats, TemporalScaler, TemporalScalerKind,
};
use neuro_divergent::data::windows::WindowRef;
use neuro_divergent::data::Dataset;
use proptest::prelude::*;

struct Case {
    kind: String,
    index: usize,
    fields: Vec<(String, Vec<f32>)>,
}

impl Case {
    fn get(&self, key: &str) -> &[f32] {
        &self.fields.iter().find(|(k, _)| k == key).unwrap().1
    }
}

fn cases(text: &str) -> Vec<Case> {
    let mut out: Vec<Case> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let mut words = line.split_whitespace();
        let key = words.next().unwrap();
        if key == "case" {
            out.push(Case {
                kind: words.next().unwrap().to_owned(),
                index: words.next().unwrap().parse().unwrap(),
                fields: Vec::new(),
            });
        } else {
            let values = words.map(|w| w.parse::<f64>().unwrap() as f32).collect();
            out.last_mut()
                .unwrap()
                .fields
                .push((key.to_owned(), values));
        }
    }
    out
}

fn close(got: &[f32], want: &[f32], tol: f32, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!(
            (g - w).abs() <= tol * w.abs().max(1.0),
            "{what}[{i}]: got {g}, NeuralForecast {w}\n got {got:?}\nwant {want:?}"
        );
    }
}

const L: usize = 8;
const H: usize = 3;

/// A batch holding one window: `x` over L + H points with availability `mask`.
fn batch_of(x: &[f32], mask: &[f32]) -> Batch {
    let mut ds = Dataset::from_series(&[("a", x)]);
    ds.mask.copy_from_slice(mask);
    let mut b = Batch::new(BatchLayout::for_dataset(&ds, 1, L, H));
    let w = WindowRef {
        series: 0,
        start: 0,
        visible: L + H,
    };
    gather(&ds, &[w], &mut b);
    b
}

#[test]
fn temporal_scalers_match_neuralforecast() {
    let cases = cases(include_str!("fixtures/temporal_scalers.txt"));
    assert!(cases.len() >= 35, "{} cases", cases.len());
    for c in &cases {
        let what = format!("{} case {}", c.kind, c.index);
        let kind = TemporalScalerKind::parse(&c.kind).unwrap();
        let mut scaler = TemporalScaler::new(kind, 1);
        let mut batch = batch_of(c.get("x"), c.get("mask"));
        let mut stats = ScaleStats::new(1);
        scaler.scale(&mut batch, &mut stats);
        let (s, k) = stats.row(0);
        close(&[s, k], c.get("stats"), 2e-6, &format!("{what} stats"));
        let mut z = batch.insample_y.as_slice().to_vec();
        z.extend_from_slice(batch.outsample_y.as_slice());
        close(&z, c.get("z"), 1e-5, &format!("{what} z"));
        let mut inv = c.get("zin").to_vec();
        scaler.inverse(&mut inv, &stats);
        close(&inv, c.get("inv"), 2e-6, &format!("{what} inverse"));
    }
}

#[test]
fn local_scalers_match_coreforecast() {
    let cases = cases(include_str!("fixtures/local_scalers.txt"));
    let kinds = ["standard", "robust", "robust-iqr", "minmax", "boxcox"];
    for name in kinds {
        let mine: Vec<&Case> = cases.iter().filter(|c| c.kind == name).collect();
        assert!(mine.len() >= 5);
        let kind = LocalScalerKind::parse(name).unwrap();
        let ids: Vec<String> = mine.iter().map(|c| format!("s{}", c.index)).collect();
        let series: Vec<(&str, &[f32])> = ids
            .iter()
            .zip(&mine)
            .map(|(id, c)| (id.as_str(), c.get("x")))
            .collect();
        let mut ds = Dataset::from_series(&series);
        let sc = LocalScaler::fit(&ds, kind).unwrap();
        let constant = |c: &Case| c.get("x").iter().all(|&v| v == c.get("x")[0]);
        for (s, c) in mine.iter().enumerate() {
            let what = format!("{name} series {s}");
            let got = sc.stats(0, s);
            if kind == LocalScalerKind::BoxCox {
                // λ agrees to Brent's tolerance (f32 ε^¼ ≈ 0.019); for a constant series the
                // likelihood is degenerate (log 0) and λ is arbitrary on both sides.
                if !constant(c) {
                    assert!(
                        (got[0] - c.get("stats")[0]).abs() < 0.02,
                        "{what}: λ {} vs {}",
                        got[0],
                        c.get("stats")[0]
                    );
                }
                // The transform with coreforecast's λ.
                let lambda = c.get("stats")[0];
                let z: Vec<f32> = c.get("x").iter().map(|&v| boxcox(v, lambda)).collect();
                close(&z, c.get("z"), 2e-6, &format!("{what} z"));
                let back: Vec<f32> = c.get("z").iter().map(|&v| inv_boxcox(v, lambda)).collect();
                close(&back, c.get("inv"), 2e-6, &format!("{what} inverse"));
            } else {
                close(&got, c.get("stats"), 1e-6, &format!("{what} stats"));
            }
        }
        if kind != LocalScalerKind::BoxCox {
            sc.transform(&mut ds).unwrap();
            for (s, c) in mine.iter().enumerate() {
                close(
                    ds.y_of(s),
                    c.get("z"),
                    2e-6,
                    &format!("{name} series {s} z"),
                );
                let mut back = ds.y_of(s).to_vec();
                sc.inverse_y(s, &mut back);
                close(
                    &back,
                    c.get("inv"),
                    2e-6,
                    &format!("{name} series {s} inverse"),
                );
            }
        }
    }
}

#[test]
fn hand_computed_temporal_statistics() {
    // x over the input part [1, 2, 3, 4, 100, 6, 7, 8]; position 4 masked.
    let mut scaler = TemporalScaler::new(TemporalScalerKind::Robust, 1);
    let x = [1.0, 2.0, 3.0, 4.0, 100.0, 6.0, 7.0, 8.0];
    let m = [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0];
    // Observed: 1 2 3 4 6 7 8 → median 4; |x − 4| = 3 2 1 0 2 3 4 → sorted 0 1 2 2 3 3 4 → 2.
    assert_eq!(scaler.statistics(8, |t| x[t], |t| m[t]), (4.0, 2.0 + 1e-6));
    // Even count (drop the 8): 1 2 3 4 6 7 → torch's lower median 3.
    let m2 = [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 0.0];
    assert_eq!(scaler.statistics(8, |t| x[t], |t| m2[t]).0, 3.0);
    let mut mm = TemporalScaler::new(TemporalScalerKind::MinMax1, 1);
    assert_eq!(mm.statistics(8, |t| x[t], |t| m[t]), (1.0, 7.0 + 1e-6));
    let mut st = TemporalScaler::new(TemporalScalerKind::Standard, 1);
    let (mean, std) = st.statistics(4, |t| x[t], |_| 1.0);
    assert_eq!(mean, 2.5);
    assert!((std - (1.25f32.sqrt() + 1e-6)).abs() < 1e-7);
}

fn windows() -> impl Strategy<Value = (Vec<f32>, Vec<f32>)> {
    (
        prop::collection::vec(-1e3f32..1e3, L + H),
        prop::collection::vec(prop::bool::weighted(0.8), L + H),
        -1e4f32..1e4,
    )
        .prop_map(|(x, m, level)| {
            let x = x.iter().map(|v| v + level).collect();
            let m = m.iter().map(|&b| f32::from(u8::from(b))).collect();
            (x, m)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn temporal_inverse_recovers_the_window((x, m) in windows()) {
        for kind in TemporalScalerKind::ALL {
            let mut scaler = TemporalScaler::new(kind, 1);
            if let Some(r) = scaler.revin_mut() {
                r.weight[0] = 1.0 - 1e-6; // relu(w) + eps = 1: the inverse is exact
            }
            let mut batch = batch_of(&x, &m);
            let mut stats = ScaleStats::new(1);
            scaler.scale(&mut batch, &mut stats);
            let (s, c) = stats.row(0);
            let mut back = batch.insample_y.as_slice().to_vec();
            back.extend_from_slice(batch.outsample_y.as_slice());
            scaler.inverse(&mut back, &stats);
            for (b, v) in back.iter().zip(&x) {
                // Relative to the window's magnitude: (x − s)/c·c + s cancels when x ≈ s.
                let tol = 1e-6 * (v.abs() + s.abs() + c.abs());
                prop_assert!((b - v).abs() <= tol, "{:?}: {} → {} (s {}, c {})", kind, v, b, s, c);
            }
        }
    }

    #[test]
    fn local_inverse_recovers_the_series(
        x in prop::collection::vec(0.1f32..1e4, 2..40),
        shift in -1e3f32..1e3,
    ) {
        for kind in LocalScalerKind::ALL {
            let data: Vec<f32> = if kind == LocalScalerKind::BoxCox {
                x.clone()
            } else {
                x.iter().map(|v| v + shift).collect()
            };
            let mut ds = Dataset::from_series(&[("a", &data)]);
            let sc = LocalScaler::fit(&ds, kind).unwrap();
            sc.transform(&mut ds).unwrap();
            let mut back = ds.y.clone();
            sc.inverse_y(0, &mut back);
            let [o, k] = sc.stats(0, 0);
            for (b, v) in back.iter().zip(&data) {
                let tol = if kind == LocalScalerKind::BoxCox {
                    1e-6 * v.abs()
                } else {
                    1e-6 * (v.abs() + o.abs() + k.abs())
                };
                prop_assert!((b - v).abs() <= tol, "{:?}: {} → {}", kind, v, b);
            }
        }
    }

    #[test]
    fn local_statistics_are_order_free(mut x in prop::collection::vec(-1e3f32..1e3, 1..30)) {
        for kind in [LocalScalerKind::Robust, LocalScalerKind::RobustIqr, LocalScalerKind::MinMax] {
            let a = fit_one(kind, &mut x.clone());
            x.reverse();
            prop_assert_eq!(a, fit_one(kind, &mut x.clone()));
        }
    }
}
