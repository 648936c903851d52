//! Aligned buffers, the per-step bump arena, the size-class pool and the byte counters.
//!
//! All three allocate through one private type, `block::Block` (64-byte aligned, zeroed,
//! counted), so `stats()` sees every byte the engine holds through `mem`.

mod aligned;
mod arena;
mod block;
mod counters;
mod counting_alloc;
mod pool;

pub use aligned::AlignedBuf;
pub use arena::{Arena, ArenaFull};
pub use block::{AllocError, ALIGN};
pub use counters::{reset_peak, stats, MemoryStats};
pub use counting_alloc::{AllocCounts, CountingAlloc};
pub use pool::{Pool, PoolBuf, PoolStats};
