//! `mem`: alignment, no overlap between live blocks, contents surviving other allocations, the
//! pool's reuse accounting, and the byte counters returning to their baseline.
//!
//! Also runs under Miri (`cargo +nightly miri test -p nd-kernels --test memory`), with few
//! cases, to check the unsafe code for undefined behaviour (aliasing, bounds, leaks).

use std::sync::{Mutex, MutexGuard};

use nd_kernels::mem::{self, AlignedBuf, AllocError, Arena, Pool, PoolBuf, ALIGN};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// The counters are process-wide and the tests of this file run on parallel threads: each
/// test holds this lock so that the others' allocations do not move its baseline.
static COUNTERS: Mutex<()> = Mutex::new(());

fn lock() -> MutexGuard<'static, ()> {
    COUNTERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn config() -> Config {
    let cases = if cfg!(miri) {
        4
    } else {
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(64)
    };
    // No failure persistence: Miri's isolation forbids the file system.
    Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    }
}

/// The largest allocation the property tests make (Miri is slow).
const MAX_LEN: usize = if cfg!(miri) { 200 } else { 3000 };

fn is_aligned(ptr: *const f32) -> bool {
    (ptr as usize).is_multiple_of(ALIGN)
}

/// The value block `tag` holds at index `i`: distinct across blocks and positions.
fn pattern(tag: usize, i: usize) -> f32 {
    (tag * 4096 + i % 4096) as f32
}

fn fill(tag: usize, x: &mut [f32]) {
    for (i, e) in x.iter_mut().enumerate() {
        *e = pattern(tag, i);
    }
}

fn holds(tag: usize, x: &[f32]) -> bool {
    x.iter().enumerate().all(|(i, &e)| e == pattern(tag, i))
}

/// Panics if any two of the byte ranges `[start, start + len)` overlap.
fn assert_disjoint(mut ranges: Vec<(usize, usize)>) {
    ranges.retain(|&(_, len)| len > 0);
    ranges.sort_unstable();
    for w in ranges.windows(2) {
        assert!(
            w[0].0 + w[0].1 <= w[1].0,
            "live blocks overlap: {:?} and {:?}",
            w[0],
            w[1]
        );
    }
}

fn range_of(x: &[f32]) -> (usize, usize) {
    (x.as_ptr() as usize, std::mem::size_of_val(x))
}

#[test]
fn aligned_buf_basics() {
    let _guard = lock();
    let base = mem::stats();

    let empty = AlignedBuf::zeroed(0);
    assert!(empty.is_empty() && is_aligned(empty.as_ptr()));
    assert_eq!(
        mem::stats().allocations,
        base.allocations,
        "len 0 must not allocate"
    );
    assert_eq!(empty, AlignedBuf::default());

    for len in [1usize, 3, 16, 17, 100] {
        let mut buf = AlignedBuf::zeroed(len);
        assert_eq!(buf.len(), len);
        assert!(is_aligned(buf.as_ptr()));
        assert!(buf.iter().all(|&x| x == 0.0));
        assert_eq!(mem::stats().live_bytes, base.live_bytes + 4 * len);
        fill(len, &mut buf);
        let copy = buf.clone();
        assert!(is_aligned(copy.as_ptr()) && copy.as_ptr() != buf.as_ptr());
        assert_eq!(copy, buf);
        assert!(holds(len, &copy));
        assert_eq!(AlignedBuf::from_slice(&buf), buf);
        buf.as_mut_slice()[0] = -1.0;
        assert_ne!(copy, buf);
    }
    assert_eq!(
        format!("{:?}", AlignedBuf::from_slice(&[1.0, 2.5])),
        "[1.0, 2.5]"
    );
    assert_eq!(mem::stats().live_bytes, base.live_bytes);
}

#[test]
fn impossible_sizes_are_errors_not_aborts() {
    let _guard = lock();
    let base = mem::stats();
    for len in [usize::MAX, usize::MAX / 4, isize::MAX as usize / 4 + 1] {
        let err: AllocError = AlignedBuf::try_zeroed(len).expect_err("cannot fit");
        assert_eq!(err.len, len);
        assert_eq!(err.bytes(), len as u128 * 4);
        assert!(err.to_string().contains(&len.to_string()), "{err}");
        assert!(Arena::try_new(len).is_err());
        assert!(Pool::new().try_take(len).is_err());
    }
    // A size the layout accepts but no machine has: the allocator itself refuses. (Miri
    // reports such a request as resource exhaustion instead of returning null.)
    if !cfg!(miri) {
        assert!(AlignedBuf::try_zeroed(1 << 60).is_err());
    }
    let panic = std::panic::catch_unwind(|| AlignedBuf::zeroed(usize::MAX)).expect_err("panics");
    let msg = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("cannot allocate"), "{msg:?}");
    assert_eq!(mem::stats().live_bytes, base.live_bytes);
}

#[test]
fn counters_track_live_and_peak() {
    let _guard = lock();
    let base = mem::stats();
    mem::reset_peak();
    assert_eq!(mem::stats().peak_bytes, base.live_bytes);
    {
        let _a = AlignedBuf::zeroed(1000);
        let arena = Arena::new(500);
        let mut pool = Pool::new();
        let b = pool.take(20); // class of 32 f32 = 128 bytes
        let s = mem::stats();
        assert_eq!(s.live_bytes, base.live_bytes + 4000 + 2000 + 128);
        assert_eq!(s.allocations, base.allocations + 3);
        assert_eq!(s.peak_bytes, s.live_bytes);
        let _ = arena.alloc(100).unwrap(); // carving from the arena allocates nothing
        pool.give(b); // cached blocks stay live
        assert_eq!(mem::stats().live_bytes, s.live_bytes);
        assert_eq!(mem::stats().allocations, s.allocations);
        pool.trim();
        assert_eq!(mem::stats().live_bytes, s.live_bytes - 128);
    }
    let end = mem::stats();
    assert_eq!(end.live_bytes, base.live_bytes);
    assert_eq!(end.peak_bytes, base.live_bytes + 6128);
    mem::reset_peak();
    assert_eq!(mem::stats().peak_bytes, base.live_bytes);
}

#[test]
fn arena_errors_and_high_water() {
    let _guard = lock();
    let mut arena = Arena::new(40);
    let a = arena.alloc(10).unwrap();
    let b = arena.alloc_zeroed(10).unwrap(); // starts at 16, ends at 26
    a.fill(1.0);
    b.fill(2.0);
    let full = arena.alloc(9).expect_err("32 + 9 > 40");
    assert_eq!((full.requested, full.available, full.capacity), (9, 8, 40));
    assert!(full.to_string().contains("arena full"));
    assert_eq!(arena.alloc(8).unwrap().len(), 8);
    assert_eq!(arena.alloc(0).unwrap().len(), 0);
    assert!(is_aligned(arena.alloc(0).unwrap().as_ptr()));
    assert_eq!((arena.used(), arena.high_water()), (40, 40));
    arena.reset();
    assert_eq!((arena.used(), arena.high_water()), (0, 40));
    // Stale data comes back from `alloc`, zeros from `alloc_zeroed`.
    assert_eq!(arena.alloc(10).unwrap()[0], 1.0);
    assert!(arena.alloc_zeroed(10).unwrap().iter().all(|&x| x == 0.0));
}

/// One step of an arena test: the lengths to allocate, each zeroed or not.
type Step = Vec<(usize, bool)>;

fn arena_steps() -> impl Strategy<Value = (usize, Vec<Step>)> {
    (
        0..MAX_LEN * 2,
        prop::collection::vec(
            prop::collection::vec((0..MAX_LEN / 4, any::<bool>()), 0..12),
            1..5,
        ),
    )
}

#[derive(Clone, Debug)]
enum PoolOp {
    Take(usize),
    TakeZeroed(usize),
    /// Give back the live buffer at this index (modulo the count).
    Give(usize),
    /// Drop the live buffer at this index instead of giving it back.
    Drop(usize),
    Trim,
}

fn pool_ops() -> impl Strategy<Value = Vec<PoolOp>> {
    let op = prop_oneof![
        4 => (0..MAX_LEN).prop_map(PoolOp::Take),
        2 => (0..MAX_LEN).prop_map(PoolOp::TakeZeroed),
        4 => any::<usize>().prop_map(PoolOp::Give),
        1 => any::<usize>().prop_map(PoolOp::Drop),
        1 => Just(PoolOp::Trim),
    ];
    prop::collection::vec(op, 0..40)
}

/// The class size in f32 of a request: the next power of two ≥ max(len, 16).
fn class_elems(len: usize) -> usize {
    len.max(16).next_power_of_two()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arena_slices_are_aligned_disjoint_and_stable((capacity, steps) in arena_steps()) {
        let _guard = lock();
        let base = mem::stats().live_bytes;
        let mut arena = Arena::new(capacity);
        let mut high_water = 0;
        for (s, step) in steps.into_iter().enumerate() {
            {
                // Every slice of this step stays borrowed until the reset below.
                let mut live: Vec<(usize, &mut [f32])> = Vec::new();
                let mut offset = 0usize; // the model of the arena's bump pointer
                for (j, (len, zeroed)) in step.into_iter().enumerate() {
                    let start = offset.next_multiple_of(16).min(capacity);
                    let got = if zeroed { arena.alloc_zeroed(len) } else { arena.alloc(len) };
                    match got {
                        Ok(slice) => {
                            prop_assert!(len <= capacity - start);
                            prop_assert_eq!(slice.len(), len);
                            prop_assert!(is_aligned(slice.as_ptr()));
                            if zeroed {
                                prop_assert!(slice.iter().all(|&x| x == 0.0));
                            }
                            if len > 0 {
                                offset = start + len;
                            }
                            let tag = s * 100 + j;
                            fill(tag, slice);
                            live.push((tag, slice));
                        }
                        Err(full) => {
                            prop_assert!(len > capacity - start);
                            prop_assert_eq!(full.available, capacity - start);
                        }
                    }
                    prop_assert_eq!(arena.used(), offset);
                    high_water = high_water.max(offset);
                }
                for (tag, slice) in &live {
                    prop_assert!(holds(*tag, slice), "slice {} was overwritten", tag);
                }
                assert_disjoint(live.iter().map(|(_, s)| range_of(s)).collect());
            }
            arena.reset();
            prop_assert_eq!(arena.high_water(), high_water);
        }
        drop(arena);
        prop_assert_eq!(mem::stats().live_bytes, base);
    }

    #[test]
    fn pool_never_hands_out_a_live_block(ops in pool_ops()) {
        let _guard = lock();
        let base = mem::stats().live_bytes;
        let mut pool = Pool::new();
        let mut live: Vec<(usize, PoolBuf)> = Vec::new();
        // The model: cached blocks per class size, and the expected hit and miss counts.
        let mut cached: std::collections::BTreeMap<usize, usize> = Default::default();
        let (mut hits, mut misses) = (0u64, 0u64);
        for (tag, op) in ops.into_iter().enumerate() {
            match op {
                PoolOp::Take(len) | PoolOp::TakeZeroed(len) => {
                    let class = class_elems(len);
                    match cached.get_mut(&class) {
                        Some(n) if *n > 0 => {
                            *n -= 1;
                            hits += 1;
                        }
                        _ => misses += 1,
                    }
                    let mut buf = match op {
                        PoolOp::TakeZeroed(_) => {
                            let buf = pool.take_zeroed(len);
                            prop_assert!(buf.iter().all(|&x| x == 0.0));
                            buf
                        }
                        _ => pool.take(len),
                    };
                    prop_assert_eq!(buf.len(), len);
                    prop_assert_eq!(buf.capacity(), class);
                    prop_assert!(is_aligned(buf.as_ptr()));
                    fill(tag, &mut buf);
                    live.push((tag, buf));
                }
                PoolOp::Give(i) | PoolOp::Drop(i) if !live.is_empty() => {
                    let (_, buf) = live.swap_remove(i % live.len());
                    if matches!(op, PoolOp::Give(_)) {
                        *cached.entry(buf.capacity()).or_default() += 1;
                        pool.give(buf);
                    }
                }
                PoolOp::Give(_) | PoolOp::Drop(_) => {}
                PoolOp::Trim => {
                    pool.trim();
                    cached.clear();
                }
            }
            for (tag, buf) in &live {
                prop_assert!(holds(*tag, buf), "buffer {} was overwritten", tag);
            }
            // Whole blocks (capacity), not just the visible lengths, must be disjoint.
            assert_disjoint(live.iter().map(|(_, b)| (b.as_ptr() as usize, 4 * b.capacity())).collect());
            let stats = pool.stats();
            prop_assert_eq!((stats.hits, stats.misses), (hits, misses));
            prop_assert_eq!(stats.cached_blocks, cached.values().sum::<usize>());
        }
        drop(live);
        drop(pool);
        prop_assert_eq!(mem::stats().live_bytes, base);
    }

    #[test]
    fn aligned_bufs_keep_their_contents(lens in prop::collection::vec(0..MAX_LEN, 0..10)) {
        let _guard = lock();
        let base = mem::stats().live_bytes;
        let mut bufs: Vec<AlignedBuf> = Vec::new();
        for (tag, &len) in lens.iter().enumerate() {
            let mut buf = if tag % 2 == 0 { AlignedBuf::zeroed(len) } else { AlignedBuf::try_zeroed(len).unwrap() };
            prop_assert!(is_aligned(buf.as_ptr()));
            prop_assert!(buf.iter().all(|&x| x == 0.0));
            fill(tag, &mut buf);
            bufs.push(buf);
        }
        prop_assert_eq!(mem::stats().live_bytes, base + 4 * lens.iter().sum::<usize>());
        for (tag, buf) in bufs.iter().enumerate() {
            prop_assert!(holds(tag, buf));
        }
        assert_disjoint(bufs.iter().map(|b| range_of(b)).collect());
        drop(bufs);
        prop_assert_eq!(mem::stats().live_bytes, base);
    }
}

#[test]
fn buffers_move_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    fn send<T: Send>() {}
    send_sync::<AlignedBuf>();
    send_sync::<Pool>();
    send_sync::<PoolBuf>();
    send::<Arena>();

    let _guard = lock();
    let buf = AlignedBuf::from_slice(&[1.0, 2.0, 3.0]);
    let sum = std::thread::spawn(move || buf.iter().sum::<f32>())
        .join()
        .unwrap();
    assert_eq!(sum, 6.0);
}
