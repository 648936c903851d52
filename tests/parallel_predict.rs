//! Parallel inference (src/train/predict.rs): blocks of windows run on the pool give the same
//! bits with any thread count; a small model's single-window forecast never touches the pool,
//! a large one's splits its big layers by columns with the same bits.

use neuro_divergent::data::windows::WindowRef;
use neuro_divergent::data::{Dataset, Freq};
use neuro_divergent::forecast::{example_frame, NeuralForecast};
use neuro_divergent::models::{Model, ModelBuilder};
use neuro_divergent::nn::ParamStore;
use neuro_divergent::sched::{regions_entered_here, Pool};
use neuro_divergent::train::predict::PREDICT_BLOCK;
use neuro_divergent::train::predict_windows;

fn data(series: usize, len: usize) -> Dataset {
    let values: Vec<Vec<f32>> = (0..series)
        .map(|s| {
            (0..len)
                .map(|t| (t as f32 * 0.2 + s as f32).sin() * 4.0 + s as f32)
                .collect()
        })
        .collect();
    let named: Vec<(String, &[f32])> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("s{i}"), v.as_slice()))
        .collect();
    let refs: Vec<(&str, &[f32])> = named.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    Dataset::from_series(&refs)
}

fn models() -> Vec<Box<dyn Model>> {
    vec![
        ModelBuilder::new("mlp", 4)
            .input_size(8)
            .set("hidden_size", 40usize)
            .scaler_type("robust")
            .loss("mqloss(level=[80, 90])")
            .build()
            .unwrap(),
        ModelBuilder::new("nhits", 4)
            .input_size(8)
            .set("mlp_units", vec![vec![16usize, 16]])
            .build()
            .unwrap(),
        ModelBuilder::new("dlinear", 4)
            .input_size(8)
            .set("inference_windows_batch_size", 50usize)
            .build()
            .unwrap(),
    ]
}

/// Every window of every series (each window ends `h` points before the end or earlier).
fn all_windows(ds: &Dataset, l: usize, h: usize) -> Vec<WindowRef> {
    (0..ds.n_series())
        .flat_map(|s| {
            let n = ds.len_of(s);
            (0..=n - l - h).map(move |start| WindowRef {
                series: s,
                start: start as isize,
                visible: n,
            })
        })
        .collect()
}

#[test]
fn forecasts_are_identical_with_any_thread_count() {
    let ds = data(7, 80);
    for m in models() {
        let c = m.train_config();
        let store = ParamStore::new(m.layout().clone(), 3);
        let k = neuro_divergent::kernels::table::active();
        let windows = all_windows(&ds, c.input_size, c.h);
        assert!(windows.len() > 3 * PREDICT_BLOCK, "several blocks");
        let on = |threads: usize| {
            Pool::new(threads)
                .unwrap()
                .install(|| predict_windows(k, m.as_ref(), &store.values, &ds, &windows, None))
        };
        let one = on(1);
        assert_eq!(one.len(), windows.len() * c.h * m.n_outputs());
        assert!(one.iter().all(|v| v.is_finite()));
        for threads in [2, 3, 8] {
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(
                bits(&on(threads)),
                bits(&one),
                "{} on {threads} threads",
                m.alias()
            );
        }
        // Each window's forecast does not depend on which block it sits in beyond rounding:
        // alone, window 5 agrees with its batched value.
        let alone = predict_windows(k, m.as_ref(), &store.values, &ds, &windows[5..6], None);
        let n = c.h * m.n_outputs();
        for (a, b) in alone.iter().zip(&one[5 * n..6 * n]) {
            assert!(
                (a - b).abs() <= 1e-4 * b.abs().max(1.0),
                "{}: {a} vs {b}",
                m.alias()
            );
        }
    }
}

/// An MLP with `hidden` units fitted (2 steps) on one series of 40 points, horizon 4.
fn fitted_single_series_mlp(hidden: usize) -> NeuralForecast {
    let df = example_frame(&[("only", 40)]);
    let m = ModelBuilder::new("mlp", 4)
        .input_size(8)
        .max_steps(2)
        .set("hidden_size", hidden)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![m], Freq::Integer(1));
    nf.fit(&df).unwrap();
    nf
}

#[test]
fn a_single_series_forecast_never_touches_the_pool() {
    let nf = fitted_single_series_mlp(16);
    let before = regions_entered_here();
    let f = nf.predict().unwrap();
    assert_eq!(f.len(), 4);
    assert_eq!(
        regions_entered_here(),
        before,
        "predict entered a parallel region"
    );
}

#[test]
fn a_large_models_single_window_splits_its_big_layers_with_the_same_forecast() {
    // 512 x 512 hidden weights: 256 Ki floats, two column blocks (src/nn/gemv.rs).
    let nf = fitted_single_series_mlp(512);
    // Inside a one-thread pool's region nothing splits: the sequential bits.
    let sequential = Pool::new(1).unwrap().install(|| nf.predict().unwrap());
    let before = regions_entered_here();
    let split = nf.predict().unwrap();
    if neuro_divergent::sched::global().threads() > 1 {
        assert!(
            regions_entered_here() > before,
            "the 512 x 512 layer was not split over the pool"
        );
    }
    assert_eq!(split, sequential);
}
