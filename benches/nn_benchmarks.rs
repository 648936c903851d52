//! Criterion benchmarks of the nn layers' training step (forward + backward, single thread),
//! at the shapes of issue 4's performance table. `benches/python/nn_bench.py` times the same
//! shapes with PyTorch (`torch.set_num_threads(1)`); PERF.md reports the ratios.
//!
//! Run: `cargo bench --bench nn_benchmarks` (all), or filter, e.g.
//! `cargo bench --bench nn_benchmarks -- lstm` (or `attention`, `conv1d`, `gru`).
//!
//! Each benchmark owns preallocated buffers (parameters, gradients, cache, scratch), so the
//! timed loop is the layer's work only, as in training. The first layer's input gradient is
//! not computed (a model's input needs none), as on the PyTorch side where x has no grad.

use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use neuro_divergent::kernels::{self, Activation, Kernels};
use neuro_divergent::nn::attention::{AttnDims, MultiheadAttention};
use neuro_divergent::nn::{
    Conv1d, Conv1dGeometry, Gru, Linear, Lstm, ParamLayout, ParamStore, SeqDims,
};
use neuro_divergent::rng::Rng;

/// B = 128 sequences of T = 36 steps, as in the issue.
const DIMS: SeqDims = SeqDims { b: 128, t: 36 };
/// Input width of the recurrent benchmarks: one value per step (a univariate series, as
/// NeuralForecast's recurrent encoders see it without exogenous inputs).
const RNN_C: usize = 1;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::seed_from(seed);
    (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

fn group(c: &mut Criterion) -> criterion::BenchmarkGroup<'_, criterion::measurement::WallTime> {
    // One thread, as PyTorch's side (large products would otherwise split over the pool).
    neuro_divergent::sched::set_threads(1).expect("one thread, set before any parallel call");
    let mut g = c.benchmark_group("nn");
    g.sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

/// Linear 1024 → 1024 with ReLU at B = 1024 (`nn.Linear(1024, 1024)` + `relu`), forward +
/// backward including the input gradient (a hidden layer of NeuralForecast's default MLP).
pub fn bench_linear(c: &mut Criterion) {
    let k: &Kernels = kernels::active();
    let (rows, width) = (1024, 1024);
    let mut layout = ParamLayout::new();
    let lin = Linear::new(&mut layout, "fc", width, width, true, Activation::Relu);
    let mut store = ParamStore::new(layout, 1);
    let x = random(rows * width, 2);
    let dy = random(rows * width, 3);
    let mut y = vec![0.0f32; rows * width]; // (B, 1024)
    let mut dx = vec![0.0f32; rows * width]; // (B, 1024)
    let mut cache = vec![0.0f32; lin.cache_len(rows)];
    let mut scratch = vec![0.0f32; lin.scratch_len(rows)];
    let mut g = group(c);
    g.bench_function("linear_relu_b1024_1024x1024", |bench| {
        bench.iter(|| {
            lin.forward(k, &store.values, &x, &mut y, &mut cache);
            store.zero_grads();
            dx.fill(0.0);
            let (values, grads) = (&store.values, &mut store.grads);
            lin.backward(
                k,
                values,
                grads,
                &x,
                &y,
                &cache,
                &dy,
                Some(&mut dx),
                &mut scratch,
            );
        })
    });
    g.finish();
}

/// Conv1d stack: 5 causal layers, dilations 1, 2, 4, 8, 16, 128 → 128 channels, kernel 2,
/// ReLU after each (NeuralForecast's TemporalConvolutionEncoder), forward + backward.
pub fn bench_conv1d(c: &mut Criterion) {
    let k: &Kernels = kernels::active();
    let ch = 128;
    let mut layout = ParamLayout::new();
    let convs: Vec<Conv1d> = [1, 2, 4, 8, 16]
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            let g = Conv1dGeometry::causal(2, d);
            Conv1d::new(
                &mut layout,
                &format!("tcn.{i}"),
                ch,
                ch,
                2,
                g,
                true,
                Activation::Relu,
            )
            .expect("valid geometry")
        })
        .collect();
    let mut store = ParamStore::new(layout, 1);
    let n = DIMS.rows() * ch;
    let x = random(n, 2);
    let dy = random(n, 3);
    let mut acts = vec![vec![0.0f32; n]; convs.len()]; // each layer's output (B, T, 128)
    let mut caches: Vec<Vec<f32>> = convs.iter().map(|l| vec![0.0; l.cache_len(DIMS)]).collect();
    let mut scratch = vec![0.0f32; convs[0].scratch_len(DIMS)];
    let (mut d_a, mut d_b) = (vec![0.0f32; n], vec![0.0f32; n]);
    let mut g = group(c);
    g.bench_function("conv1d_stack_b128_t36_c128_k2", |bench| {
        bench.iter(|| {
            for (i, conv) in convs.iter().enumerate() {
                let (done, rest) = acts.split_at_mut(i);
                let input = if i == 0 { &x } else { &done[i - 1] };
                conv.forward(k, &store.values, DIMS, input, &mut rest[0], &mut caches[i]);
            }
            store.zero_grads();
            d_a.copy_from_slice(&dy);
            for (i, conv) in convs.iter().enumerate().rev() {
                d_b.fill(0.0);
                let dx = (i > 0).then_some(&mut d_b[..]);
                conv.backward(
                    k,
                    &store.values,
                    &mut store.grads,
                    DIMS,
                    &acts[i],
                    &caches[i],
                    &d_a,
                    dx,
                    &mut scratch,
                );
                std::mem::swap(&mut d_a, &mut d_b);
            }
        })
    });
    g.finish();
}

/// LSTM, 2 layers, D = 128, forward + backward.
pub fn bench_lstm(c: &mut Criterion) {
    let k: &Kernels = kernels::active();
    let d = 128;
    let mut layout = ParamLayout::new();
    let lstm = Lstm::new(&mut layout, "hist_encoder", RNN_C, d, 2, true);
    let mut store = ParamStore::new(layout, 1);
    let x = random(DIMS.rows() * RNN_C, 2);
    let dy = random(DIMS.rows() * d, 3);
    let mut y = vec![0.0f32; DIMS.rows() * d];
    let mut cache = vec![0.0f32; lstm.cache_len(DIMS)];
    let mut scratch = vec![0.0f32; lstm.scratch_len(DIMS)];
    let mut g = group(c);
    g.bench_function("lstm_l2_b128_t36_d128", |bench| {
        bench.iter(|| {
            lstm.forward(
                k,
                &store.values,
                DIMS,
                &x,
                None,
                None,
                &mut y,
                None,
                None,
                &mut cache,
            );
            store.zero_grads();
            lstm.backward(
                k,
                &store.values,
                &mut store.grads,
                DIMS,
                (&x, None, None),
                &y,
                &cache,
                (&dy, None, None),
                (None, None, None),
                &mut scratch,
            );
        })
    });
    g.finish();
}

/// GRU, 2 layers, D = 200, forward + backward.
pub fn bench_gru(c: &mut Criterion) {
    let k: &Kernels = kernels::active();
    let d = 200;
    let mut layout = ParamLayout::new();
    let gru = Gru::new(&mut layout, "hist_encoder", RNN_C, d, 2, true);
    let mut store = ParamStore::new(layout, 1);
    let x = random(DIMS.rows() * RNN_C, 2);
    let dy = random(DIMS.rows() * d, 3);
    let mut y = vec![0.0f32; DIMS.rows() * d];
    let mut cache = vec![0.0f32; gru.cache_len(DIMS)];
    let mut scratch = vec![0.0f32; gru.scratch_len(DIMS)];
    let mut g = group(c);
    g.bench_function("gru_l2_b128_t36_d200", |bench| {
        bench.iter(|| {
            gru.forward(k, &store.values, DIMS, &x, None, &mut y, None, &mut cache);
            store.zero_grads();
            gru.backward(
                k,
                &store.values,
                &mut store.grads,
                DIMS,
                (&x, None),
                &y,
                &cache,
                (&dy, None),
                (None, None),
                &mut scratch,
            );
        })
    });
    g.finish();
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

criterion_group!(
    benches,
    bench_linear,
    bench_conv1d,
    bench_lstm,
    bench_gru,
    bench_attention
);
criterion_main!(benches);
