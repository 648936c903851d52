//! Criterion benchmarks of the nn layers' training step (forward + backward, single thread),
//! at the shapes of issue 4's performance table. `benches/python/nn_bench.py` times the same
//! shapes with PyTorch (`torch.set_num_threads(1)`); PERF.md reports the ratios.
//!
//! Run: `cargo bench --bench nn_benchmarks` (all), or filter, e.g.
//! `cargo bench --bench nn_benchmarks -- attention`.
//!
//! Each benchmark owns preallocated buffers (parameters, gradients, cache, scratch), so the
//! timed loop is the layer's work only, as in training.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use neuro_divergent::kernels::{self, Kernels};
use neuro_divergent::nn::attention::{AttnDims, MultiheadAttention};
use neuro_divergent::nn::{ParamLayout, ParamStore};
use neuro_divergent::rng::Rng;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::seed_from(seed);
    (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

fn group(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    let mut g = c.benchmark_group("nn");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// Multi-head self-attention, NH = 4, E = 128, T = 36, B = 128, with biases and no mask
/// (PyTorch's `nn.MultiheadAttention(128, 4, batch_first=True)`), forward + backward
/// including the input gradient (attention sits inside a model, after other layers).
pub fn bench_attention(c: &mut Criterion) {
    let k: &Kernels = kernels::active();
    let (e, nh) = (128, 4);
    let d = AttnDims::self_attention(128, 36);
    let mut layout = ParamLayout::new();
    let mha = MultiheadAttention::new(&mut layout, "attn", e, nh, true, false).expect("4 | 128");
    let mut store = ParamStore::new(layout, 1);
    let n = d.b * d.tq * e;
    let x = random(n, 2);
    let dy = random(n, 3);
    let mut y = vec![0.0f32; n]; // (B, T, E)
    let mut dx = vec![0.0f32; n]; // (B, T, E)
    let mut cache = vec![0.0f32; mha.cache_len(d)];
    let mut scratch = vec![0.0f32; mha.scratch_len(d)];
    let mut g = group(c);
    g.bench_function("mha_nh4_b128_t36_d128", |bench| {
        bench.iter(|| {
            mha.forward_self(k, &store.values, d, &x, None, &mut y, &mut cache);
            store.zero_grads();
            dx.fill(0.0);
            mha.backward_self(
                k,
                &store.values,
                &mut store.grads,
                d,
                &x,
                &cache,
                &dy,
                Some(&mut dx),
                &mut scratch,
            );
        })
    });
    g.finish();
}

criterion_group!(benches, bench_attention);
criterion_main!(benches);
