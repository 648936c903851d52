//! Criterion benchmark of the optimizer step and gradient clipping over a 1M-float parameter
//! buffer, for every ISA tier this CPU supports. Throughput is in bytes moved: an Adam step
//! reads params, grads, m, v and writes params, m, v (28 bytes per parameter), the clipping
//! norm reads the gradients once (4 bytes; the scale pass, when clipping applies, adds 8), plain SGD reads p, g and writes p (12).
//! Compare with the machine's memory bandwidth (a STREAM-style triad).
//!
//! Run: `cargo bench --bench optim` (all), or e.g. `cargo bench --bench optim -- adam/avx512`.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use neuro_divergent::optim::{clip_grad_norm, AdamConfig, Optimizer, SgdConfig};

/// Parameters in the benchmarked buffer (4 MiB per stream, beyond L2, about L3-sized).
const N: usize = 1 << 20;

fn optim(c: &mut Criterion) {
    let grads: Vec<f32> = (0..N).map(|i| ((i % 97) as f32 - 48.0) * 1e-3).collect();
    for k in nd_kernels::all_supported() {
        let mut group = c.benchmark_group(format!("optim/{}", k.isa));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));

        let mut params = vec![0.5f32; N];
        let mut adam = Optimizer::adam(AdamConfig::adam(), N).unwrap();
        group.throughput(Throughput::Bytes(28 * N as u64));
        group.bench_function("adam_1M", |b| b.iter(|| adam.step(k, &mut params, &grads)));

        let mut adamw = Optimizer::adam(AdamConfig::adamw(), N).unwrap();
        group.bench_function("adamw_1M", |b| {
            b.iter(|| adamw.step(k, &mut params, &grads))
        });

        let mut sgd = Optimizer::sgd(SgdConfig::default(), N).unwrap();
        group.throughput(Throughput::Bytes(12 * N as u64));
        group.bench_function("sgd_1M", |b| b.iter(|| sgd.step(k, &mut params, &grads)));

        let mut g = grads.clone();
        group.throughput(Throughput::Bytes(4 * N as u64));
        // max_norm far above the norm: measures the norm pass plus the (skipped) scale.
        group.bench_function("clip_norm_1M", |b| {
            b.iter(|| clip_grad_norm(k, &mut g, 1e30))
        });
        group.finish();
    }
}

criterion_group!(benches, optim);
criterion_main!(benches);
