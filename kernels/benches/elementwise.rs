//! Throughput of exp, tanh and sigmoid on 1M floats, per supported tier (single thread).
//!
//! `cargo bench -p nd-kernels --bench elementwise`; criterion reports elements/s.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nd_kernels::{all_supported, Activation};

const N: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    // (N) inputs spread over the interesting range of each function.
    let x: Vec<f32> = (0..N)
        .map(|i| (i as f32 / N as f32) * 40.0 - 20.0)
        .collect();
    // (N) the range most activations see.
    let x_narrow: Vec<f32> = (0..N).map(|i| (i as f32 / N as f32) * 6.0 - 3.0).collect();
    let mut y = vec![0.0f32; N];
    let mut group = c.benchmark_group("elementwise");
    group.throughput(Throughput::Elements(N as u64));
    for k in all_supported() {
        group.bench_function(format!("exp/{:?}", k.isa), |b| {
            b.iter(|| (k.exp)(&x, &mut y))
        });
        group.bench_function(format!("tanh/{:?}", k.isa), |b| {
            b.iter(|| (k.act_forward)(Activation::Tanh, &x, &mut y))
        });
        group.bench_function(format!("sigmoid/{:?}", k.isa), |b| {
            b.iter(|| (k.act_forward)(Activation::Sigmoid, &x, &mut y))
        });
        group.bench_function(format!("gelu/{:?}", k.isa), |b| {
            b.iter(|| (k.act_forward)(Activation::Gelu, &x, &mut y))
        });
        group.bench_function(format!("gelu_narrow/{:?}", k.isa), |b| {
            b.iter(|| (k.act_forward)(Activation::Gelu, &x_narrow, &mut y))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(std::time::Duration::from_millis(300))
        .measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
