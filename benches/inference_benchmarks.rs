//! Inference cost (the guide's "Inference Performance" table). Until the models land, this
//! times the forward pass of NeuralForecast's default MLP stack (2 × 1024 hidden, ReLU, fused
//! bias and activation) for one window (24 → 12) and for a batch of 256 windows, on the active
//! ISA, one thread. `cargo bench --bench inference_benchmarks`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nd_kernels::table;

#[path = "common/mlp_stack.rs"]
mod mlp_stack;
use mlp_stack::MlpStack;

fn mlp_forward(c: &mut Criterion) {
    // One thread (large products would otherwise split over the pool).
    neuro_divergent::sched::set_threads(1).expect("one thread, set before any parallel call");
    let k = table::active();
    let mlp = MlpStack::new(24, 1024, 2, 12, 1);
    let mut g = c.benchmark_group("inference");
    for batch in [1usize, 256] {
        let x: Vec<f32> = (0..batch * 24).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut bufs = mlp.buffers(batch, &x);
        g.throughput(Throughput::Elements(batch as u64));
        g.bench_function(
            format!("mlp_2x1024_layers_forward_b{batch}_{:?}", k.isa),
            |b| b.iter(|| mlp.forward_inference(k, &mut bufs)),
        );
    }
    g.finish();
}

criterion_group!(benches, mlp_forward);
criterion_main!(benches);
