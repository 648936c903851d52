//! `Pool`: reusable aligned buffers in power-of-two size classes, for the few buffers whose
//! lifetimes do not follow the training step.
//!
//! Class `k` holds blocks of `64 · 2^k` bytes (16·2^k f32). `take(len)` returns a [`PoolBuf`]
//! of exactly `len` elements backed by a block of the smallest class that fits, popped from
//! that class's free list when one is cached (a *hit*) or freshly allocated (a *miss*).
//! Buffers go back explicitly with [`Pool::give`]; a `PoolBuf` that is dropped instead simply
//! frees its block. A `PoolBuf` owns its block, and the free lists hold only blocks that were
//! given back, so the pool can never hand out a block that is still in use.
//!
//! Cached blocks stay allocated (and count as live in `mem::stats`) until [`Pool::trim`] or
//! the pool's drop.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::block::{AllocError, Block, ALIGN, ALIGN_ELEMS};

/// The class of a request of `len` f32: the smallest `k` with `16·2^k ≥ len`.
fn class_of(len: usize) -> usize {
    let blocks = len.div_ceil(ALIGN_ELEMS).max(1);
    blocks.next_power_of_two().trailing_zeros() as usize
}

/// The number of f32 in a block of class `k` (16·2^k), if it fits in `usize`.
fn class_elems(k: usize) -> Option<usize> {
    let unit_log2 = ALIGN_ELEMS.trailing_zeros() as usize;
    1usize.checked_shl((k + unit_log2) as u32)
}

/// Hit and miss counts and the cache's size.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PoolStats {
    /// `take` calls served from a free list.
    pub hits: u64,
    /// `take` calls that allocated a new block.
    pub misses: u64,
    /// Blocks cached in the free lists.
    pub cached_blocks: usize,
    /// Bytes held by the cached blocks.
    pub cached_bytes: usize,
}

/// A buffer from a [`Pool`]: `len` f32, 64-byte aligned, backed by a whole size-class block.
pub struct PoolBuf {
    block: Block,
    len: usize,
}

impl PoolBuf {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The size of the backing block in f32 (its class size).
    pub fn capacity(&self) -> usize {
        self.block.len()
    }

    pub fn as_slice(&self) -> &[f32] {
        &self.block.as_slice()[..self.len]
    }

    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        &mut self.block.as_mut_slice()[..self.len]
    }

    /// The first element (64-byte aligned).
    pub fn as_ptr(&self) -> *const f32 {
        self.block.as_ptr()
    }
}

impl Deref for PoolBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        self.as_slice()
    }
}

impl DerefMut for PoolBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        self.as_mut_slice()
    }
}

impl fmt::Debug for PoolBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PoolBuf")
            .field("len", &self.len)
            .field("capacity", &self.capacity())
            .finish()
    }
}

/// Free lists of aligned blocks by power-of-two size class (see the module docs).
#[derive(Default)]
pub struct Pool {
    /// `free[k]`: cached blocks of class `k` (grown on demand).
    free: Vec<Vec<Block>>,
    hits: u64,
    misses: u64,
}

impl Pool {
    pub fn new() -> Pool {
        Pool::default()
    }

    /// A buffer of `len` elements with unspecified contents (stale values from its previous
    /// user, always valid f32). Panics with the size if a needed allocation fails.
    pub fn take(&mut self, len: usize) -> PoolBuf {
        self.try_take(len)
            .unwrap_or_else(|e| panic!("Pool::take: {e}"))
    }

    /// A buffer of `len` zeros.
    pub fn take_zeroed(&mut self, len: usize) -> PoolBuf {
        let mut buf = self.take(len);
        buf.fill(0.0);
        buf
    }

    /// Like [`take`](Self::take), returning an error naming the size instead of panicking.
    pub fn try_take(&mut self, len: usize) -> Result<PoolBuf, AllocError> {
        let k = class_of(len);
        if let Some(block) = self.free.get_mut(k).and_then(Vec::pop) {
            self.hits += 1;
            return Ok(PoolBuf { block, len });
        }
        let elems = class_elems(k).ok_or(AllocError { len })?;
        let block = Block::try_zeroed(elems)?;
        self.misses += 1;
        Ok(PoolBuf { block, len })
    }

    /// Returns a buffer to its class's free list for reuse. A buffer from another pool is
    /// welcome too: its block is a whole class block all the same.
    pub fn give(&mut self, buf: PoolBuf) {
        let k = class_of(buf.block.len());
        debug_assert_eq!(class_elems(k), Some(buf.block.len()));
        if self.free.len() <= k {
            self.free.resize_with(k + 1, Vec::new);
        }
        self.free[k].push(buf.block);
    }

    /// Frees every cached block.
    pub fn trim(&mut self) {
        self.free.clear();
    }

    pub fn stats(&self) -> PoolStats {
        let cached_blocks = self.free.iter().map(Vec::len).sum();
        let cached_bytes = self
            .free
            .iter()
            .flatten()
            .map(|b| b.len() * size_of::<f32>())
            .sum();
        PoolStats {
            hits: self.hits,
            misses: self.misses,
            cached_blocks,
            cached_bytes,
        }
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("stats", &self.stats())
            .finish()
    }
}

// The smallest class is one alignment unit.
const _: () = assert!(ALIGN_ELEMS * size_of::<f32>() == ALIGN);
