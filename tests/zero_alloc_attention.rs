//! Multi-head attention's forward and backward allocate nothing once warm: every buffer is
//! the caller's cache and scratch, and the per-head GEMMs (one per batch item and head, 6 per
//! pair) reuse the thread's packing buffers, including the transposed-B packing of Q·Kᵀ and
//! dO·Vᵀ. A counting global allocator sees zero allocations on this thread over 5 passes after
//! 2 warm-up passes, for self-attention (causal, no mask) and for cross-attention with a key
//! padding mask and Tq ≠ Tk.

use neuro_divergent::kernels::mem::CountingAlloc;
use neuro_divergent::kernels::table;
use neuro_divergent::nn::{AttnDims, MultiheadAttention, ParamLayout, ParamStore};

#[global_allocator]
static A: CountingAlloc = CountingAlloc::new();

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| ((i * 31 + seed * 17) % 97) as f32 / 97.0 - 0.5)
        .collect()
}

/// Allocations on this thread over 5 forward + backward passes after 2 warm-up passes of
/// `pass`.
fn steady_state_allocations(mut pass: impl FnMut()) -> u64 {
    for _ in 0..2 {
        pass();
    }
    let before = CountingAlloc::thread_allocations();
    for _ in 0..5 {
        pass();
    }
    CountingAlloc::thread_allocations() - before
}

#[test]
fn attention_passes_allocate_nothing() {
    let k = table::active();
    let (e, nh) = (32, 4);

    // Self-attention, causal: T 9 (ragged against every tile), B 3.
    let mut layout = ParamLayout::new();
    let mha = MultiheadAttention::new(&mut layout, "attn", e, nh, true, true).unwrap();
    let mut store = ParamStore::new(layout, 1);
    let d = AttnDims::self_attention(3, 9);
    let n = d.b * d.tq * e;
    let (x, dy) = (values(n, 1), values(n, 2));
    let (mut y, mut dx) = (vec![0.0; n], vec![0.0; n]);
    let mut cache = vec![0.0; mha.cache_len(d)];
    let mut scratch = vec![0.0; mha.scratch_len(d)];
    let allocs = steady_state_allocations(|| {
        mha.forward_self(k, &store.values, d, &x, None, &mut y, &mut cache);
        let (values, grads) = (&store.values, &mut store.grads);
        mha.backward_self(
            k,
            values,
            grads,
            d,
            &x,
            &cache,
            &dy,
            Some(&mut dx),
            &mut scratch,
        );
    });
    assert_eq!(allocs, 0, "self-attention");

    // Cross-attention with key padding: Tq 7, Tk 11, B 2, the last two keys of item 1 masked.
    let mut layout = ParamLayout::new();
    let mha = MultiheadAttention::new(&mut layout, "attn", e, nh, true, false).unwrap();
    let mut store = ParamStore::new(layout, 1);
    let d = AttnDims {
        b: 2,
        tq: 7,
        tk: 11,
    };
    let (nq, nk) = (d.b * d.tq * e, d.b * d.tk * e);
    let (q, key, v) = (values(nq, 3), values(nk, 4), values(nk, 5));
    let dy = values(nq, 6);
    let mask: Vec<bool> = (0..d.b * d.tk).map(|i| i >= 2 * d.tk - 2).collect();
    let mut y = vec![0.0; nq];
    let (mut dq, mut dk, mut dv) = (vec![0.0; nq], vec![0.0; nk], vec![0.0; nk]);
    let mut cache = vec![0.0; mha.cache_len(d)];
    let mut scratch = vec![0.0; mha.scratch_len(d)];
    let allocs = steady_state_allocations(|| {
        mha.forward(
            k,
            &store.values,
            d,
            &q,
            &key,
            &v,
            Some(&mask),
            &mut y,
            &mut cache,
        );
        let (values, grads) = (&store.values, &mut store.grads);
        mha.backward(
            k,
            values,
            grads,
            d,
            [&q, &key, &v],
            &cache,
            &dy,
            [Some(&mut dq), Some(&mut dk), Some(&mut dv)],
            &mut scratch,
        );
    });
    assert_eq!(allocs, 0, "cross-attention with key padding");
    assert!(y.iter().chain(&dq).chain(&dk).all(|x| x.is_finite()));

    // The counter works on this thread: an allocation is seen.
    let before = CountingAlloc::thread_allocations();
    let v: Vec<u8> = std::hint::black_box(vec![1, 2, 3]);
    assert!(CountingAlloc::thread_allocations() > before && v.len() == 3);
}
