//! The recurrent layers' forward and backward allocate nothing once their buffers exist: a
//! counting global allocator sees zero allocations on this thread over repeated LSTM and GRU
//! training passes (after one warm-up pass, which may set up the GEMM's packing buffers), on
//! every tier, with and without initial states. (No model of the registry uses these layers
//! yet, so `zero_alloc_training` cannot cover them.)

use neuro_divergent::kernels::mem::CountingAlloc;
use neuro_divergent::kernels::{all_supported, Kernels};
use neuro_divergent::nn::{Gru, Lstm, ParamLayout, ParamStore, SeqDims};
use neuro_divergent::rng::Rng;

#[global_allocator]
static A: CountingAlloc = CountingAlloc::new();

const DIMS: SeqDims = SeqDims { b: 3, t: 5 };
const C: usize = 2;
/// Off every vector width, so the kernels' partial tails run too.
const D: usize = 11;
const L: usize = 2;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut rng = Rng::seed_from(seed);
    (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
}

/// Allocations on this thread over 3 calls of `pass`, after one warm-up call.
fn allocations(mut pass: impl FnMut()) -> u64 {
    pass();
    let before = CountingAlloc::thread_allocations();
    for _ in 0..3 {
        pass();
    }
    CountingAlloc::thread_allocations() - before
}

fn lstm_allocations(k: &Kernels, with_state: bool) -> u64 {
    let mut layout = ParamLayout::new();
    let lstm = Lstm::new(&mut layout, "lstm", C, D, L, true);
    let mut store = ParamStore::new(layout, 1);
    let (rows, s_len) = (DIMS.rows(), L * DIMS.b * D);
    let (x, dy) = (random(rows * C, 2), random(rows * D, 3));
    let (h0, c0) = (random(s_len, 4), random(s_len, 5));
    let (h0, c0) = if with_state {
        (Some(&h0[..]), Some(&c0[..]))
    } else {
        (None, None)
    };
    let (dhn, dcn) = (random(s_len, 6), random(s_len, 7));
    let mut y = vec![0.0; rows * D];
    let (mut hn, mut cn) = (vec![0.0; s_len], vec![0.0; s_len]);
    let (mut dx, mut dh0, mut dc0) = (vec![0.0; rows * C], vec![0.0; s_len], vec![0.0; s_len]);
    let mut cache = vec![0.0; lstm.cache_len(DIMS)];
    let mut scratch = vec![0.0; lstm.scratch_len(DIMS)];
    allocations(|| {
        lstm.forward(
            k,
            &store.values,
            DIMS,
            &x,
            h0,
            c0,
            &mut y,
            Some(&mut hn),
            Some(&mut cn),
            &mut cache,
        );
        store.zero_grads();
        lstm.backward(
            k,
            &store.values,
            &mut store.grads,
            DIMS,
            (&x, h0, c0),
            &y,
            &cache,
            (&dy, Some(&dhn), Some(&dcn)),
            (Some(&mut dx), Some(&mut dh0), Some(&mut dc0)),
            &mut scratch,
        );
    })
}

fn gru_allocations(k: &Kernels, with_state: bool) -> u64 {
    let mut layout = ParamLayout::new();
    let gru = Gru::new(&mut layout, "gru", C, D, L, true);
    let mut store = ParamStore::new(layout, 1);
    let (rows, s_len) = (DIMS.rows(), L * DIMS.b * D);
    let (x, dy, dhn) = (random(rows * C, 2), random(rows * D, 3), random(s_len, 6));
    let h0 = random(s_len, 4);
    let h0 = with_state.then_some(&h0[..]);
    let mut y = vec![0.0; rows * D];
    let mut hn = vec![0.0; s_len];
    let (mut dx, mut dh0) = (vec![0.0; rows * C], vec![0.0; s_len]);
    let mut cache = vec![0.0; gru.cache_len(DIMS)];
    let mut scratch = vec![0.0; gru.scratch_len(DIMS)];
    allocations(|| {
        gru.forward(
            k,
            &store.values,
            DIMS,
            &x,
            h0,
            &mut y,
            Some(&mut hn),
            &mut cache,
        );
        store.zero_grads();
        gru.backward(
            k,
            &store.values,
            &mut store.grads,
            DIMS,
            (&x, h0),
            &y,
            &cache,
            (&dy, Some(&dhn)),
            (Some(&mut dx), Some(&mut dh0)),
            &mut scratch,
        );
    })
}

#[test]
fn recurrent_passes_allocate_nothing() {
    for k in all_supported() {
        for with_state in [false, true] {
            let what = format!("on {:?}, initial states {with_state}", k.isa);
            assert_eq!(lstm_allocations(k, with_state), 0, "LSTM {what}");
            assert_eq!(gru_allocations(k, with_state), 0, "GRU {what}");
        }
    }
    // The counter works on this thread: a pass that allocates is seen.
    assert_eq!(allocations(|| drop(std::hint::black_box(vec![0u8; 64]))), 3);
}
