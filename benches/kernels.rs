//! Criterion benchmark of the kernels `neuro-divergent bench kernels` reports: sgemm at the
//! same (M, N, K) shapes and exp/tanh/sigmoid/axpy on 1M floats, for every ISA tier this CPU
//! supports. Throughput is in elements: for sgemm one "element" is one flop (2·M·N·K per
//! product), so criterion's `Gelem/s` reads as GFLOP/s.
//!
//! Run: `cargo bench --bench kernels` (all), or filter, e.g.
//! `cargo bench --bench kernels -- sgemm/avx2`. The CLI (`cargo run --release -- bench
//! kernels --isa all`) gives the same figures faster, with the fraction of the measured peak.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use nd_kernels::Isa;
use neuro_divergent::cli::kernel_bench::{
    Elementwise, ElementwiseInputs, SgemmInputs, ELEMENTWISE_N, SGEMM_SHAPES,
};

/// The scalar reference tier is skipped above this many multiply-adds (512³ and 1024³ take
/// seconds per product there and say nothing new).
const SCALAR_MAX_MACS: usize = 256 * 256 * 256;

fn sgemm(c: &mut Criterion) {
    for kernels in nd_kernels::all_supported() {
        let mut group = c.benchmark_group(format!("sgemm/{}", kernels.isa));
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2));
        for (m, n, k) in SGEMM_SHAPES {
            if kernels.isa == Isa::Scalar && m * n * k > SCALAR_MAX_MACS {
                continue;
            }
            let mut inputs = SgemmInputs::new(m, n, k);
            group.throughput(Throughput::Elements(inputs.flops() as u64));
            group.bench_function(
                BenchmarkId::from_parameter(format!("{m}x{n}x{k}")),
                |bench| bench.iter(|| inputs.run(kernels)),
            );
        }
        group.finish();
    }
}

fn elementwise(c: &mut Criterion) {
    for kernels in nd_kernels::all_supported() {
        let mut group = c.benchmark_group(format!("elementwise/{}", kernels.isa));
        group
            .sample_size(20)
            .warm_up_time(Duration::from_millis(300))
            .measurement_time(Duration::from_secs(1));
        group.throughput(Throughput::Elements(ELEMENTWISE_N as u64));
        for kernel in Elementwise::ALL {
            let mut inputs = ElementwiseInputs::new(kernel, ELEMENTWISE_N);
            group.bench_function(BenchmarkId::from_parameter(kernel.name()), |bench| {
                bench.iter(|| inputs.run(kernels))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, sgemm, elementwise);
criterion_main!(benches);
