//! `CountingAlloc`: a global allocator that forwards to [`std::alloc::System`] and counts.
//!
//! Tests install it with `#[global_allocator] static A: CountingAlloc = CountingAlloc::new();`
//! and read the counters around the code that must not allocate (a steady-state training
//! step). Counts are kept twice: process-wide (atomics) and per thread (a thread-local cell,
//! so a test is not disturbed by the test harness or other tests running on other threads).
//! Only allocations (and reallocations, which may move) are counted as events; frees are
//! counted separately.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

thread_local! {
    /// Allocation events on this thread (const-initialised, no destructor: safe to touch
    /// from inside the allocator, even while the thread is being torn down).
    static THREAD_ALLOCS: Cell<u64> = const { Cell::new(0) };
}

/// A counting wrapper around the system allocator (see the module docs).
#[derive(Debug)]
pub struct CountingAlloc {
    allocs: AtomicU64,
    frees: AtomicU64,
    bytes: AtomicU64,
}

/// A snapshot of the process-wide counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocation events (alloc, alloc_zeroed, realloc).
    pub allocs: u64,
    /// Deallocation events.
    pub frees: u64,
    /// Bytes requested by allocation events.
    pub bytes: u64,
}

impl CountingAlloc {
    /// A fresh allocator with zeroed counters (usable in a `static`).
    pub const fn new() -> CountingAlloc {
        CountingAlloc {
            allocs: AtomicU64::new(0),
            frees: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// The process-wide counters so far.
    pub fn counts(&self) -> AllocCounts {
        AllocCounts {
            allocs: self.allocs.load(Ordering::Relaxed),
            frees: self.frees.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// Allocation events made by the calling thread so far (through any `CountingAlloc`).
    pub fn thread_allocations() -> u64 {
        THREAD_ALLOCS.try_with(Cell::get).unwrap_or(0)
    }

    fn record(&self, size: usize) {
        self.allocs.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(size as u64, Ordering::Relaxed);
        let _ = THREAD_ALLOCS.try_with(|c| c.set(c.get() + 1));
    }
}

impl Default for CountingAlloc {
    fn default() -> CountingAlloc {
        CountingAlloc::new()
    }
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract (layout validity, pointer provenance) is `System`'s; the counting
// only touches atomics and a const-initialised thread-local without destructor, neither of
// which allocates.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.record(layout.size());
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract (non-zero size layout),
        // which is exactly `System.alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        self.record(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        self.frees.fetch_add(1, Ordering::Relaxed);
        // SAFETY: the caller guarantees `ptr` came from this allocator (hence from `System`,
        // which served every request) with this `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.record(new_size);
        // SAFETY: the caller guarantees `ptr`/`layout` describe a live block of this
        // allocator (served by `System`) and that `new_size` is valid for `layout.align()`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_what_it_forwards() {
        let a = CountingAlloc::new();
        let layout = Layout::from_size_align(64, 16).unwrap();
        // SAFETY: a valid non-zero layout; the block is freed with the same layout.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null());
            let q = a.realloc(p, layout, 128);
            assert!(!q.is_null());
            a.dealloc(q, Layout::from_size_align(128, 16).unwrap());
        }
        assert_eq!(
            a.counts(),
            AllocCounts {
                allocs: 2,
                frees: 1,
                bytes: 192
            }
        );
        assert!(CountingAlloc::thread_allocations() >= 2);
    }
}
