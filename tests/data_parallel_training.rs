//! Data-parallel training (src/train/data_parallel.rs): bitwise deterministic for a seed at a
//! given thread count, equal to the one-thread step up to float rounding when no dropout
//! draws, and robust to batches smaller than the lane count.

use neuro_divergent::data::{Dataset, Freq};
use neuro_divergent::forecast::{example_frame, NeuralForecast};
use neuro_divergent::io::json;
use neuro_divergent::models::{Model, ModelBuilder};
use neuro_divergent::nn::ParamStore;
use neuro_divergent::sched::Pool;
use neuro_divergent::train::{Holdout, TrainPlan};

fn data() -> Dataset {
    let series: Vec<Vec<f32>> = (0..6)
        .map(|s| {
            (0..90)
                .map(|t| {
                    (t as f32 * 0.13 * (s + 1) as f32).sin() * 3.0 + s as f32 + t as f32 * 0.02
                })
                .collect()
        })
        .collect();
    let named: Vec<(String, &[f32])> = series
        .iter()
        .enumerate()
        .map(|(i, v)| (format!("s{i}"), v.as_slice()))
        .collect();
    let refs: Vec<(&str, &[f32])> = named.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    Dataset::from_series(&refs)
}

/// Models covering plain GEMM stacks, dropout drawn inside blocks, and a decomposition.
fn models(windows_batch_size: usize) -> Vec<Box<dyn Model>> {
    let common = |name: &str| {
        ModelBuilder::new(name, 6)
            .input_size(12)
            .random_seed(11)
            .set("batch_size", 4usize)
            .set("windows_batch_size", windows_batch_size)
            .scaler_type("standard")
    };
    vec![
        common("mlp")
            .set("hidden_size", 48usize)
            .set("num_layers", 2usize)
            .build()
            .unwrap(),
        common("nhits")
            .set("mlp_units", vec![vec![24usize, 24]])
            .set("dropout_prob_theta", 0.2)
            .build()
            .unwrap(),
        common("nbeatsx")
            .set("mlp_units", json::parse("[[16,16]]", "mlp_units").unwrap())
            .set("dropout_prob_theta", 0.3)
            .loss("mqloss(level=[80])")
            .build()
            .unwrap(),
        common("dlinear").build().unwrap(),
    ]
}

/// Trains `model` for `steps` steps with the trainer built and run on `pool`; returns the
/// final parameters, every step's loss, and the trainer's lane count.
fn train_on(
    pool: &Pool,
    model: &dyn Model,
    ds: &Dataset,
    steps: usize,
) -> (Vec<u32>, Vec<f32>, usize) {
    pool.install(|| {
        let plan = TrainPlan::new(model, ds, Holdout::default()).unwrap();
        let mut trainer = plan.trainer().unwrap();
        let mut store = ParamStore::new(model.layout().clone(), 11);
        let losses = (0..steps).map(|_| trainer.step(&mut store)).collect();
        let bits = store.values.iter().map(|x| x.to_bits()).collect();
        (bits, losses, trainer.lanes())
    })
}

#[test]
fn a_seed_gives_identical_bits_at_each_thread_count() {
    let ds = data();
    for threads in [2, 3, 4, 8] {
        let pool = Pool::new(threads).unwrap();
        for m in models(64) {
            let a = train_on(&pool, m.as_ref(), &ds, 12);
            let b = train_on(&pool, m.as_ref(), &ds, 12);
            assert_eq!(a.2, threads, "{} lanes", m.alias());
            assert!(
                a.1.iter().all(|l| l.is_finite()),
                "{}: {:?}",
                m.alias(),
                a.1
            );
            assert_eq!(
                a.0,
                b.0,
                "{} with {threads} threads: weights differ",
                m.alias()
            );
            assert_eq!(
                a.1,
                b.1,
                "{} with {threads} threads: losses differ",
                m.alias()
            );
        }
    }
}

#[test]
fn without_dropout_two_threads_match_one_up_to_rounding() {
    let ds = data();
    let (one, two) = (Pool::new(1).unwrap(), Pool::new(2).unwrap());
    for m in models(64) {
        if m.hyperparams().get("dropout_prob_theta").is_some() {
            continue; // the lanes draw dropout masks from their own streams
        }
        let (w1, l1, lanes1) = train_on(&one, m.as_ref(), &ds, 10);
        let (w2, l2, lanes2) = train_on(&two, m.as_ref(), &ds, 10);
        assert_eq!((lanes1, lanes2), (1, 2));
        for (step, (a, b)) in l1.iter().zip(&l2).enumerate() {
            assert!(
                (a - b).abs() <= 1e-4 * a.abs().max(1.0),
                "{} step {step}: loss {a} with one thread, {b} with two",
                m.alias()
            );
        }
        let worst = w1
            .iter()
            .zip(&w2)
            .map(|(a, b)| (f32::from_bits(*a) - f32::from_bits(*b)).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-3, "{}: weights differ by {worst}", m.alias());
    }
}

#[test]
fn batches_smaller_than_the_lane_count_still_train() {
    let ds = data();
    let pool = Pool::new(8).unwrap();
    for m in models(3) {
        let (a, losses, lanes) = train_on(&pool, m.as_ref(), &ds, 5);
        assert_eq!(lanes, 8);
        assert!(
            losses.iter().all(|l| l.is_finite()),
            "{}: {losses:?}",
            m.alias()
        );
        assert_eq!(a, train_on(&pool, m.as_ref(), &ds, 5).0, "{}", m.alias());
    }
}

#[test]
fn forecasts_through_the_api_are_reproducible_on_a_pool() {
    let df = example_frame(&[("x", 60), ("y", 50), ("z", 70)]);
    let pool = Pool::new(2).unwrap();
    let run = || {
        pool.install(|| {
            let m = ModelBuilder::new("nhits", 5)
                .input_size(10)
                .max_steps(15)
                .set("mlp_units", vec![vec![16usize, 16]])
                .set("dropout_prob_theta", 0.1)
                .build()
                .unwrap();
            let mut nf = NeuralForecast::new(vec![m], Freq::Integer(1));
            nf.fit(&df).unwrap();
            let f = nf.predict().unwrap();
            match f.column("NHITS") {
                Some(neuro_divergent::data::Column::Float(v)) => {
                    v.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
                }
                _ => panic!("no NHITS column"),
            }
        })
    };
    let a = run();
    assert_eq!(a.len(), 15);
    assert_eq!(a, run());
}

#[test]
fn the_validation_loss_does_not_depend_on_the_thread_count() {
    let ds = data();
    // Groups of 2 series, chunks of 5 windows: several chunks per check.
    let m = ModelBuilder::new("mlp", 6)
        .input_size(12)
        .set("hidden_size", 32usize)
        .set("valid_batch_size", 2usize)
        .set("inference_windows_batch_size", 5usize)
        .loss("mqloss(level=[80])")
        .set("valid_loss", "mase(seasonality=3)")
        .build()
        .unwrap();
    let store = ParamStore::new(m.layout().clone(), 5);
    let holdout = Holdout {
        val_size: 12,
        test_size: 0,
    };
    let on = |threads: usize| {
        Pool::new(threads).unwrap().install(|| {
            let plan = TrainPlan::new(m.as_ref(), &ds, holdout).unwrap();
            let mut t = plan.trainer().unwrap();
            (t.validate(&store).unwrap(), t.validate(&store).unwrap())
        })
    };
    let (one, again) = on(1);
    assert!(one.is_finite() && one > 0.0);
    assert_eq!(one.to_bits(), again.to_bits());
    for threads in [2, 3, 8] {
        let (a, b) = on(threads);
        assert_eq!(
            (a.to_bits(), b.to_bits()),
            (one.to_bits(), one.to_bits()),
            "{threads} threads"
        );
    }
}
