//! Model creation (the guide's "Model Creation Performance" table): building the parameter
//! layout and initialising every tensor. Until the models land, the MLP rows use the MLP's own
//! layer stack (see benches/common/mlp_stack.rs); the other models join as they are written.
//! `cargo bench --bench model_benchmarks`

use criterion::{black_box, criterion_group, criterion_main, Criterion};

#[path = "common/mlp_stack.rs"]
mod mlp_stack;
use mlp_stack::MlpStack;

fn creation(c: &mut Criterion) {
    let mut g = c.benchmark_group("model_creation");
    // MLP (small): 2 × 64 hidden, 6,540 parameters; MLP (large): 3 × 512, 544,268 (as in
    // benches/workloads.json, which NeuralForecast builds with the same counts).
    for (label, hidden, layers) in [("mlp_small", 64, 2), ("mlp_large", 512, 3)] {
        let n = MlpStack::new(24, hidden, layers, 12, 1)
            .store
            .layout
            .n_params();
        g.bench_function(format!("{label}_{n}_params"), |b| {
            b.iter(|| black_box(MlpStack::new(24, hidden, layers, 12, 1)))
        });
    }
    g.finish();
}

criterion_group!(benches, creation);
criterion_main!(benches);
