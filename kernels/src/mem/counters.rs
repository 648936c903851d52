//! Process-wide byte counters for every block allocated through `mem`.
//!
//! `AlignedBuf`, `Arena` and `Pool` all allocate through `block::Block`, which reports here, so
//! these numbers are the engine's own footprint (not the whole process's heap). A pool's cached
//! free blocks are still allocated memory and count as live until the pool releases them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);
static PEAK_BYTES: AtomicUsize = AtomicUsize::new(0);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

/// A snapshot of the counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Bytes allocated through `mem` and not yet freed.
    pub live_bytes: usize,
    /// The largest `live_bytes` seen since start-up or the last [`reset_peak`].
    pub peak_bytes: usize,
    /// How many blocks `mem` has allocated since start-up (never decreases): the difference
    /// across a training step counts that step's heap allocations through `mem`.
    pub allocations: u64,
}

/// The counters now. Each field is read atomically, the three not as one snapshot.
pub fn stats() -> MemoryStats {
    MemoryStats {
        live_bytes: LIVE_BYTES.load(Ordering::Relaxed),
        peak_bytes: PEAK_BYTES.load(Ordering::Relaxed),
        allocations: ALLOCATIONS.load(Ordering::Relaxed),
    }
}

/// Starts a new peak measurement from the current live bytes.
pub fn reset_peak() {
    PEAK_BYTES.store(LIVE_BYTES.load(Ordering::Relaxed), Ordering::Relaxed);
}

/// Records a new block of `bytes`.
pub(crate) fn on_alloc(bytes: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    let live = LIVE_BYTES.fetch_add(bytes, Ordering::Relaxed) + bytes;
    PEAK_BYTES.fetch_max(live, Ordering::Relaxed);
}

/// Records that a block of `bytes` was freed.
pub(crate) fn on_free(bytes: usize) {
    LIVE_BYTES.fetch_sub(bytes, Ordering::Relaxed);
}
