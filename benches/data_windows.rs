//! Criterion benchmark of the data path of one training step: draw the windows (sampler),
//! copy them into the planned batch (gather), normalise them (temporal scaler); and the
//! one-off window index build. Synthetic data: 1000 series of 500 points, 2 historical and
//! 2 future exogenous columns, L = 28, H = 14, batch_size 32, windows_batch_size 1024.
//!
//! Run: `cargo bench --bench data_windows`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neuro_divergent::data::batch::{gather, Batch, BatchLayout};
use neuro_divergent::data::dataset::ExogBlock;
use neuro_divergent::data::scalers::{ScaleStats, TemporalScaler, TemporalScalerKind};
use neuro_divergent::data::windows::{Sampler, SamplerConfig, WindowConfig, WindowIndex};
use neuro_divergent::data::Dataset;
use neuro_divergent::rng::Rng;

const N_SERIES: usize = 1000;
const LEN: usize = 500;
const L: usize = 28;
const H: usize = 14;

fn dataset() -> Dataset {
    let mut rng = Rng::seed_from(1);
    let data: Vec<Vec<f32>> = (0..N_SERIES)
        .map(|_| {
            (0..LEN)
                .map(|_| rng.normal() as f32 * 10.0 + 100.0)
                .collect()
        })
        .collect();
    let ids: Vec<String> = (0..N_SERIES).map(|i| format!("s{i}")).collect();
    let series: Vec<(&str, &[f32])> = ids
        .iter()
        .zip(&data)
        .map(|(i, d)| (i.as_str(), d.as_slice()))
        .collect();
    let mut ds = Dataset::from_series(&series);
    let n = ds.n_rows();
    let exog = |names: [&str; 2], rng: &mut Rng| ExogBlock {
        names: names.iter().map(|s| s.to_string()).collect(),
        values: (0..2 * n).map(|_| rng.next_f32()).collect(),
    };
    ds.hist_exog = exog(["x1", "x2"], &mut rng);
    ds.futr_exog = exog(["f1", "f2"], &mut rng);
    ds
}

fn step(c: &mut Criterion) {
    let ds = dataset();
    let cfg = WindowConfig::new(L, H);
    let mut group = c.benchmark_group("data");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    group.bench_function("window_index_build_1000x500", |b| {
        b.iter(|| WindowIndex::build(&ds, &cfg).unwrap())
    });
    let idx = WindowIndex::build(&ds, &cfg).unwrap();
    let mut sampler =
        Sampler::new(&idx, SamplerConfig::new(32, Some(1024)), &Rng::seed_from(7)).unwrap();
    let mut windows = Vec::with_capacity(sampler.max_windows());
    let mut batch = Batch::new(BatchLayout::for_dataset(&ds, 1024, L, H));
    let mut scaler = TemporalScaler::new(TemporalScalerKind::Robust, 5);
    let mut stats = ScaleStats::new(1024);
    group.throughput(Throughput::Elements(1024));
    group.bench_function("sample_1024", |b| {
        b.iter(|| sampler.next_batch(&mut windows))
    });
    group.bench_function("sample_gather_1024", |b| {
        b.iter(|| {
            sampler.next_batch(&mut windows);
            gather(&ds, &windows, &mut batch);
        })
    });
    group.bench_function("sample_gather_robust_scale_1024", |b| {
        b.iter(|| {
            sampler.next_batch(&mut windows);
            gather(&ds, &windows, &mut batch);
            scaler.scale(&mut batch, &mut stats);
        })
    });
    group.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
