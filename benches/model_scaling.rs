//! Strong scaling of training and batch inference over thread counts (issue 8): the
//! "Parallel Scalability" table of the performance guide, measured on M3 monthly.
//!
//! Workloads (NeuralForecast's default architectures, h = 18, input_size = 36):
//! - training MLP (2 × 1024) and NHITS (3 stacks of 512 × 512) with windows_batch_size 1024:
//!   the median time of one training step (sample, gather, scale, forward, loss, backward,
//!   Adam), data-parallel over the pool's threads;
//! - batch inference over the 1,428 M3 monthly series (the last window of each): the median
//!   time of `predict_windows`, blocks of windows in parallel.
//!
//! Each thread count gets its own pool (`Pool::new(t)`, entered with `install`), so one
//! process measures them all; rounds interleave the thread counts so a noisy neighbour shows
//! up as spread between rounds rather than as a bias against one count. Counts above the
//! machine's cores are oversubscribed and reported as such.
//!
//! Run: `cargo bench --bench model_scaling [-- ROUNDS [THREADS,...]]` (default 3 rounds,
//! threads 1,2,4,8). Needs the shared data (`NEURO_DIVERGENT_DATA`, else ../shared/data).

use std::time::Instant;

use neuro_divergent::data::build::DatasetOptions;
use neuro_divergent::data::frame::Frame;
use neuro_divergent::data::windows::WindowRef;
use neuro_divergent::data::Dataset;
use neuro_divergent::models::{Model, ModelBuilder};
use neuro_divergent::nn::ParamStore;
use neuro_divergent::sched::{available_cores, Pool};
use neuro_divergent::train::{predict_windows, Holdout, TrainPlan};

const H: usize = 18;
const INPUT: usize = 36;

fn m3_monthly() -> Dataset {
    let dir = std::env::var("NEURO_DIVERGENT_DATA")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/data").to_string());
    let path = format!("{dir}/m3_monthly_train.csv");
    let frame = Frame::read_csv(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Dataset::from_frame(&frame, &DatasetOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn model(name: &str) -> Box<dyn Model> {
    let b = ModelBuilder::new(name, H)
        .input_size(INPUT)
        .set("windows_batch_size", 1024usize)
        .scaler_type("standard");
    match name {
        "mlp" => b.set("hidden_size", 1024usize).set("num_layers", 2usize),
        _ => b,
    }
    .build()
    .unwrap()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median ms of `steps` training steps after `warmup`, trainer built on `pool`.
fn train_ms(pool: &Pool, m: &dyn Model, ds: &Dataset, warmup: usize, steps: usize) -> f64 {
    pool.install(|| {
        let plan = TrainPlan::new(m, ds, Holdout::default()).unwrap();
        let mut trainer = plan.trainer().unwrap();
        assert_eq!(trainer.lanes(), pool.threads());
        let mut store = ParamStore::new(m.layout().clone(), 1);
        for _ in 0..warmup {
            trainer.step(&mut store);
        }
        let mut times: Vec<f64> = (0..steps)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(trainer.step(&mut store));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        median(&mut times)
    })
}

/// Median ms of `reps` predictions of every series' last window, on `pool`.
fn predict_ms(pool: &Pool, m: &dyn Model, ds: &Dataset, reps: usize) -> f64 {
    let k = neuro_divergent::kernels::table::active();
    let store = ParamStore::new(m.layout().clone(), 1);
    let windows: Vec<WindowRef> = (0..ds.n_series())
        .map(|s| {
            let n = ds.len_of(s);
            WindowRef {
                series: s,
                start: n as isize - INPUT as isize,
                visible: n,
            }
        })
        .collect();
    pool.install(|| {
        for _ in 0..2 {
            predict_windows(k, m, &store.values, ds, &windows, None);
        }
        let mut times: Vec<f64> = (0..reps)
            .map(|_| {
                let t = Instant::now();
                std::hint::black_box(predict_windows(k, m, &store.values, ds, &windows, None));
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        median(&mut times)
    })
}

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let rounds: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(3);
    let threads: Vec<usize> = args
        .get(1)
        .map(|a| a.split(',').filter_map(|t| t.parse().ok()).collect())
        .unwrap_or_else(|| vec![1, 2, 4, 8]);
    let ds = m3_monthly();
    let cores = available_cores();
    println!(
        "M3 monthly: {} series; h {H}, input_size {INPUT}; {cores} cores; rounds {rounds}",
        ds.n_series()
    );
    let pools: Vec<Pool> = threads.iter().map(|&t| Pool::new(t).unwrap()).collect();
    let workloads = ["train MLP", "train NHITS", "predict MLP", "predict NHITS"];
    let models = [model("mlp"), model("nhits")];
    // samples[workload][thread index] = per-round medians
    let mut samples = vec![vec![Vec::new(); threads.len()]; workloads.len()];
    for round in 0..rounds {
        for (ti, pool) in pools.iter().enumerate() {
            for (mi, m) in models.iter().enumerate() {
                samples[mi][ti].push(train_ms(pool, m.as_ref(), &ds, 3, 10));
                samples[2 + mi][ti].push(predict_ms(pool, m.as_ref(), &ds, 15));
            }
        }
        eprintln!("round {} of {rounds} done", round + 1);
    }
    println!("| Workload | Threads | Median ms (min..max over rounds) | Speedup | Efficiency |");
    println!("|---|---|---|---|---|");
    for (wi, name) in workloads.iter().enumerate() {
        let base = median(&mut samples[wi][0].clone());
        for (ti, &t) in threads.iter().enumerate() {
            let v = &mut samples[wi][ti];
            let med = median(&mut v.clone());
            let (lo, hi) = (
                v.iter().cloned().fold(f64::INFINITY, f64::min),
                v.iter().cloned().fold(0.0, f64::max),
            );
            let speedup = base / med;
            let over = if t > cores { " (oversubscribed)" } else { "" };
            println!(
                "| {name} | {t}{over} | {med:.2} ({lo:.2}..{hi:.2}) | {speedup:.2}× | {:.0}% |",
                100.0 * speedup / t as f64
            );
        }
    }
}
