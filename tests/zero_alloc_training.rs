//! The steady-state training step allocates nothing: a counting global allocator sees zero
//! allocations on this thread over 20 steps after 2 warm-up steps; and none on any thread
//! when the steps run data-parallel on a pool of workers.

use neuro_divergent::data::Dataset;
use neuro_divergent::io::json;
use neuro_divergent::kernels::mem::CountingAlloc;
use neuro_divergent::models::{Model, ModelBuilder};
use neuro_divergent::nn::ParamStore;
use neuro_divergent::sched::Pool;
use neuro_divergent::train::{Holdout, TrainPlan};

#[global_allocator]
static A: CountingAlloc = CountingAlloc::new();

fn data() -> Dataset {
    let series: Vec<Vec<f32>> = (0..5)
        .map(|s| {
            (0..80)
                .map(|t| (t as f32 * 0.1 * (s + 1) as f32).sin() + s as f32)
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

/// Allocations over 20 steady-state steps: on this thread with one thread; on every thread
/// (the process-wide count: this file's only test runs alone) with a pool of three, where the
/// steps run data-parallel.
fn steady_state_allocations(model: &dyn Model) -> u64 {
    let sequential = steps_allocations(model, &Pool::new(1).unwrap(), || {
        CountingAlloc::thread_allocations()
    });
    let parallel = steps_allocations(model, &Pool::new(3).unwrap(), || A.counts().allocs);
    sequential + parallel
}

fn steps_allocations(model: &dyn Model, pool: &Pool, count: impl Fn() -> u64) -> u64 {
    let d = data();
    pool.install(|| {
        let plan = TrainPlan::new(model, &d, Holdout::default()).unwrap();
        let mut t = plan.trainer().unwrap();
        assert_eq!(t.lanes(), pool.threads());
        let mut store = ParamStore::new(model.layout().clone(), 1);
        for _ in 0..2 {
            t.step(&mut store);
        }
        let before = count();
        let mut total = 0.0;
        for _ in 0..20 {
            total += t.step(&mut store);
        }
        let after = count();
        assert!(total.is_finite());
        after - before
    })
}

#[test]
fn training_steps_allocate_nothing() {
    for (scaler, loss) in [
        ("identity", "mae"),
        ("standard", "mse"),
        ("robust", "mqloss(level=[80])"),
        ("minmax", "mase(seasonality=2)"),
    ] {
        let m = ModelBuilder::new("nlinear", 6)
            .input_size(12)
            .set("batch_size", 3usize)
            .set("windows_batch_size", 32usize)
            .scaler_type(scaler)
            .loss(loss)
            .build()
            .unwrap();
        assert_eq!(
            steady_state_allocations(m.as_ref()),
            0,
            "NLinear with {scaler} scaler and {loss}"
        );
    }
    let mlp = ModelBuilder::new("mlp", 6)
        .input_size(12)
        .set("hidden_size", 32usize)
        .set("num_layers", 2usize)
        .set("batch_size", 3usize)
        .set("windows_batch_size", 32usize)
        .scaler_type("standard")
        .build()
        .unwrap();
    assert_eq!(steady_state_allocations(mlp.as_ref()), 0, "MLP");
    let nbeats = ModelBuilder::new("nbeats", 6)
        .input_size(12)
        .set(
            "mlp_units",
            json::parse("[[16,16],[16,16]]", "mlp_units").unwrap(),
        )
        .set("shared_weights", true)
        .set("n_blocks", vec![2usize, 1, 1])
        .set("batch_size", 3usize)
        .set("windows_batch_size", 32usize)
        .scaler_type("standard")
        .loss("mqloss(level=[80])")
        .build()
        .unwrap();
    assert_eq!(steady_state_allocations(nbeats.as_ref()), 0, "NBEATS");
    // NBEATSx with dropout: the training stream is drawn from inside the blocks.
    let nbeatsx = ModelBuilder::new("nbeatsx", 6)
        .input_size(12)
        .set("mlp_units", json::parse("[[16,16]]", "mlp_units").unwrap())
        .set("dropout_prob_theta", 0.2)
        .set("batch_size", 3usize)
        .set("windows_batch_size", 32usize)
        .build()
        .unwrap();
    assert_eq!(steady_state_allocations(nbeatsx.as_ref()), 0, "NBEATSx");
    // NHITS with dropout (drawing from the training stream), both poolings.
    for pooling in ["MaxPool1d", "AvgPool1d"] {
        let nhits = ModelBuilder::new("nhits", 6)
            .input_size(12)
            .set("mlp_units", vec![vec![16usize, 16]])
            .set("dropout_prob_theta", 0.1)
            .set("pooling_mode", pooling)
            .set("batch_size", 3usize)
            .set("windows_batch_size", 32usize)
            .scaler_type("standard")
            .build()
            .unwrap();
        assert_eq!(
            steady_state_allocations(nhits.as_ref()),
            0,
            "NHITS with {pooling}"
        );
    }
    // A step does allocate when something does: the counter works on this thread.
    let before = CountingAlloc::thread_allocations();
    let v: Vec<u8> = std::hint::black_box(vec![1, 2, 3]);
    assert!(CountingAlloc::thread_allocations() > before && v.len() == 3);
}
