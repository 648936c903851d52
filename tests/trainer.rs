//! The trainer: determinism, warm start, validation and early stopping.

use neuro_divergent::data::Dataset;
use neuro_divergent::data::Freq;
use neuro_divergent::forecast::{example_frame, FitOptions, NeuralForecast};
use neuro_divergent::models::{Model, ModelBuilder};
use neuro_divergent::nn::ParamStore;
use neuro_divergent::train::{fit_model, Holdout, TrainPlan};

fn nlinear(seed: u64, steps: usize) -> Box<dyn Model> {
    ModelBuilder::new("nlinear", 4)
        .input_size(8)
        .max_steps(steps)
        .learning_rate(1e-2)
        .random_seed(seed)
        .set("windows_batch_size", 16usize)
        .set("batch_size", 2usize)
        .build()
        .unwrap()
}

fn data() -> Dataset {
    let a: Vec<f32> = (0..50)
        .map(|t| (t as f32 * 0.3).sin() * 5.0 + t as f32 * 0.2)
        .collect();
    let b: Vec<f32> = (0..40)
        .map(|t| (t as f32 * 0.5).cos() * 3.0 + 10.0)
        .collect();
    let c: Vec<f32> = (0..45).map(|t| (t % 5) as f32).collect();
    Dataset::from_series(&[("a", &a), ("b", &b), ("c", &c)])
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn train(seed: u64) -> ParamStore {
    let m = nlinear(seed, 30);
    let mut store = ParamStore::new(m.layout().clone(), m.train_config().random_seed);
    fit_model(
        m.as_ref(),
        &mut store,
        &data(),
        Holdout::default(),
        &mut |_| {},
    )
    .unwrap();
    store
}

#[test]
fn same_seed_gives_identical_bits_and_another_seed_differs() {
    let (a, b, c) = (train(7), train(7), train(8));
    assert_eq!(bits(&a.values), bits(&b.values));
    assert_ne!(bits(&a.values), bits(&c.values));
    // Training changed the weights.
    let m = nlinear(7, 30);
    let init = ParamStore::new(m.layout().clone(), 7);
    assert_ne!(bits(&a.values), bits(&init.values));
}

#[test]
fn forecasts_are_bitwise_reproducible() {
    let df = example_frame(&[("x", 40), ("y", 35)]);
    let run = |seed| {
        let mut nf = NeuralForecast::new(vec![nlinear(seed, 20)], Freq::Integer(1));
        nf.fit(&df).unwrap();
        let f = nf.predict().unwrap();
        match f.column("NLinear") {
            Some(neuro_divergent::data::Column::Float(v)) => {
                v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            }
            _ => panic!(),
        }
    };
    assert_eq!(run(3), run(3));
    assert_ne!(run(3), run(4));
}

#[test]
fn warm_start_continues_from_the_first_fits_weights() {
    let df = example_frame(&[("x", 40), ("y", 35)]);
    let mut nf = NeuralForecast::new(vec![nlinear(1, 15)], Freq::Integer(1));
    nf.fit(&df).unwrap();
    let after_first = nf.params()[0].values.to_vec();
    nf.fit(&df).unwrap();
    let after_second = nf.params()[0].values.to_vec();
    // A fresh object fitted once lands on the first fit's weights ...
    let mut fresh = NeuralForecast::new(vec![nlinear(1, 15)], Freq::Integer(1));
    fresh.fit(&df).unwrap();
    assert_eq!(bits(&fresh.params()[0].values), bits(&after_first));
    // ... and the second fit starts from them: it equals training a store holding them.
    assert_ne!(bits(&after_second), bits(&after_first));
    let m = nlinear(1, 15);
    let mut store = ParamStore::new(m.layout().clone(), 1);
    store.values.as_mut_slice().copy_from_slice(&after_first);
    let ds = nf.dataset().unwrap().clone();
    fit_model(m.as_ref(), &mut store, &ds, Holdout::default(), &mut |_| {}).unwrap();
    assert_eq!(bits(&store.values), bits(&after_second));
    // Not from the initial weights.
    let mut from_init = ParamStore::new(m.layout().clone(), 1);
    fit_model(
        m.as_ref(),
        &mut from_init,
        &ds,
        Holdout::default(),
        &mut |_| {},
    )
    .unwrap();
    assert_ne!(bits(&from_init.values), bits(&after_second));
}

#[test]
fn early_stopping_needs_val_size_and_stops() {
    let d = data();
    let m = ModelBuilder::new("nlinear", 4)
        .input_size(8)
        .max_steps(2000)
        .learning_rate(5e-2)
        .set("early_stop_patience_steps", 2i64)
        .set("val_check_steps", 5usize)
        .build()
        .unwrap();
    let e = TrainPlan::new(m.as_ref(), &d, Holdout::default()).unwrap_err();
    assert!(e.to_string().contains("val_size"), "{e}");

    let mut store = ParamStore::new(m.layout().clone(), 1);
    let mut checks = Vec::new();
    let r = fit_model(
        m.as_ref(),
        &mut store,
        &d,
        Holdout {
            val_size: 8,
            test_size: 0,
        },
        &mut |s| {
            if s.step % 5 == 0 {
                checks.push(s.valid_loss.unwrap());
            }
        },
    )
    .unwrap();
    assert!(r.stopped_early, "{r:?}");
    assert!(r.steps < 2000 && r.steps.is_multiple_of(5), "{r:?}");
    // The last two checks did not beat the best before them.
    let n = checks.len();
    let best_before = checks[..n - 2]
        .iter()
        .cloned()
        .fold(f32::INFINITY, f32::min);
    assert!(checks[n - 1] >= best_before && checks[n - 2] >= best_before);
    assert_eq!(r.best_valid_loss, Some(best_before));
}

#[test]
fn validation_loss_is_on_the_data_scale_and_val_size_is_checked() {
    // A constant series of 1000s: a model that forecasts the last value exactly (NLinear with
    // zero weights does) has valid loss 0 whatever the scaler; a series of different level
    // gives a loss in the data's units.
    let d = data();
    let m = ModelBuilder::new("nlinear", 4)
        .input_size(8)
        .max_steps(5)
        .set("val_check_steps", 5usize)
        .scaler_type("standard")
        .build()
        .unwrap();
    let plan = TrainPlan::new(
        m.as_ref(),
        &d,
        Holdout {
            val_size: 4,
            test_size: 0,
        },
    )
    .unwrap();
    let mut t = plan.trainer().unwrap();
    let mut zero = ParamStore::new(m.layout().clone(), 1);
    zero.values.as_mut_slice().fill(0.0);
    let v = t.validate(&zero).unwrap();
    // Hand computation: forecast = last input value; MAE over the last 4 points of each series.
    let mut num = 0.0f64;
    for s in 0..3 {
        let y = d.y_of(s);
        let n = y.len();
        let last = y[n - 5];
        for &target in &y[n - 4..] {
            num += (target - last).abs() as f64;
        }
    }
    let want = num / 12.0;
    assert!(
        (v as f64 - want).abs() < 1e-3 * want.max(1.0),
        "{v} vs {want}"
    );

    let e = TrainPlan::new(
        m.as_ref(),
        &d,
        Holdout {
            val_size: 3,
            test_size: 0,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("val_size"), "{e}");
}

#[test]
fn fit_report_and_progress() {
    let df = example_frame(&[("x", 40)]);
    let mut nf = NeuralForecast::new(vec![nlinear(1, 12)], Freq::Integer(1));
    let mut seen = Vec::new();
    let mut cb = |p: &neuro_divergent::forecast::Progress| seen.push((p.step, p.max_steps));
    let r = nf
        .fit_with(
            &df,
            FitOptions {
                val_size: 4,
                progress: Some(&mut cb),
                ..FitOptions::default()
            },
        )
        .unwrap();
    assert_eq!(seen.len(), 12);
    assert_eq!(seen[11], (12, 12));
    assert_eq!(r.models[0].alias, "NLinear");
    assert_eq!(r.models[0].steps, 12);
    assert!(
        r.models[0].best_valid_loss.is_none(),
        "val_check_steps is 100"
    );
}
