//! Level-1 throughput per tier: axpy, dot and sum over 1M floats (4 MiB per operand: beyond
//! L2 on most machines, so these measure the memory path more than the arithmetic), and over
//! 16K floats (64 KiB per operand: cache-resident, so these show the tiers' arithmetic).
//!
//! `cargo bench -p nd-kernels --bench level1`; criterion reports elements per second.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nd_kernels::{all_supported, AlignedBuf};

fn level1(c: &mut Criterion) {
    for (name, n) in [("level1_1M", 1 << 20), ("level1_16K", 1 << 14)] {
        bench_size(c, name, n);
    }
}

fn bench_size(c: &mut Criterion, name: &str, n: usize) {
    let x = AlignedBuf::from_slice(&(0..n).map(|i| (i % 1000) as f32 * 1e-3).collect::<Vec<_>>());
    let mut y = AlignedBuf::from_slice(&(0..n).map(|i| (i % 7) as f32).collect::<Vec<_>>());

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(n as u64));
    for k in all_supported() {
        let isa = k.isa.name();
        group.bench_with_input(BenchmarkId::new("axpy", isa), &(), |b, _| {
            // Alternating the sign keeps y bounded over millions of iterations.
            let mut alpha = 1e-3f32;
            b.iter(|| {
                alpha = -alpha;
                (k.axpy)(black_box(alpha), &x, &mut y)
            })
        });
        group.bench_with_input(BenchmarkId::new("dot", isa), &(), |b, _| {
            b.iter(|| (k.dot)(black_box(&x), black_box(&y)))
        });
        group.bench_with_input(BenchmarkId::new("sum", isa), &(), |b, _| {
            b.iter(|| (k.sum)(black_box(&x)))
        });
    }
    group.finish();
}

criterion_group!(benches, level1);
criterion_main!(benches);
