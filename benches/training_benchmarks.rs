//! Training step cost (the guide's "Training Performance" table). Until the trainer lands, this
//! times the compute of one step of NeuralForecast's default MLP (2 × 1024 hidden, ReLU) on the
//! guide's workload shape (32 windows of input 24, horizon 12): forward, MSE gradient, backward
//! and the Adam update, on the active ISA, one thread. No data pipeline, no scaler.
//! `cargo bench --bench training_benchmarks`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use nd_kernels::ops::adam::AdamStep;
use nd_kernels::table;

#[path = "common/mlp_stack.rs"]
mod mlp_stack;
use mlp_stack::MlpStack;

fn mlp_step(c: &mut Criterion) {
    // One thread (large products would otherwise split over the pool).
    neuro_divergent::sched::set_threads(1).expect("one thread, set before any parallel call");
    let k = table::active();
    let (batch, input, horizon) = (32, 24, 12);
    let mut mlp = MlpStack::new(input, 1024, 2, horizon, 1);
    let x: Vec<f32> = (0..batch * input)
        .map(|i| (i as f32 * 0.37).sin())
        .collect();
    let target: Vec<f32> = (0..batch * horizon)
        .map(|i| (i as f32 * 0.11).cos())
        .collect();
    let mut bufs = mlp.buffers(batch, &x);
    let n = mlp.store.layout.len();
    let (mut m, mut v) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut step = 0u64;
    let mut g = c.benchmark_group("training_step");
    g.throughput(Throughput::Elements(batch as u64));
    g.bench_function(
        format!("mlp_2x1024_layers_b{batch}_fwd_bwd_adam_{:?}", k.isa),
        |b| {
            b.iter(|| {
                mlp.store.zero_grads();
                mlp.forward_backward(k, &mut bufs, &target);
                step += 1;
                let hp = AdamStep {
                    lr: 1e-3,
                    beta1: 0.9,
                    beta2: 0.999,
                    eps: 1e-8,
                    weight_decay: 0.0,
                    decoupled_weight_decay: false,
                    step,
                };
                let (values, grads) = (&mut mlp.store.values, &mlp.store.grads);
                (k.adam_step)(&hp, values, grads, &mut m, &mut v);
            })
        },
    );
    g.finish();
}

criterion_group!(benches, mlp_step);
criterion_main!(benches);
