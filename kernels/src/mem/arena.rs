//! `Arena`: a bump allocator over one aligned block, reset once per training step.
//!
//! `alloc` takes `&self` and hands out `&mut [f32]` slices tied to that borrow; `reset` takes
//! `&mut self`. The borrow checker therefore proves that no slice outlives a reset, and since
//! the offset only grows between resets, slices never overlap. The offset lives in a `Cell`,
//! which makes the arena `Send` but not `Sync`: one thread bumps it at a time (the design has
//! one scratch arena per thread).

use std::cell::Cell;
use std::fmt;

use super::block::{AllocError, Block, ALIGN_ELEMS};

/// The arena had too little room left for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArenaFull {
    /// Elements requested.
    pub requested: usize,
    /// Elements still free after aligning the next slice's start.
    pub available: usize,
    /// The arena's capacity in elements.
    pub capacity: usize,
}

impl fmt::Display for ArenaFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "arena full: {} f32 requested, {} of {} free",
            self.requested, self.available, self.capacity
        )
    }
}

impl std::error::Error for ArenaFull {}

/// A fixed-capacity bump allocator of 64-byte aligned f32 slices.
///
/// ```
/// use nd_kernels::Arena;
/// let mut arena = Arena::new(1024);
/// for _step in 0..3 {
///     let x = arena.alloc_zeroed(100).unwrap(); // (100)
///     let y = arena.alloc(100).unwrap(); // (100), disjoint from x
///     y.copy_from_slice(x);
///     arena.reset(); // x and y are no longer usable here
/// }
/// assert_eq!(arena.high_water(), 212); // 100, padding to 112, 100
/// ```
///
/// A slice cannot outlive the reset that would hand its memory out again:
///
/// ```compile_fail
/// let mut arena = nd_kernels::Arena::new(64);
/// let x = arena.alloc(8).unwrap();
/// arena.reset();
/// x[0] = 1.0; // error: `arena` is still borrowed by `x`
/// ```
pub struct Arena {
    block: Block,
    /// Elements handed out since the last reset (the next slice starts at or after it).
    offset: Cell<usize>,
    /// The largest `offset` ever reached.
    high_water: Cell<usize>,
}

impl Arena {
    /// An arena of `capacity` f32. Panics with the size if the block cannot be allocated.
    pub fn new(capacity: usize) -> Arena {
        Arena::try_new(capacity).unwrap_or_else(|e| panic!("Arena::new: {e}"))
    }

    /// An arena of `capacity` f32, or an error naming the size.
    pub fn try_new(capacity: usize) -> Result<Arena, AllocError> {
        Ok(Arena {
            block: Block::try_zeroed(capacity)?,
            offset: Cell::new(0),
            high_water: Cell::new(0),
        })
    }

    /// A slice of `len` elements, 64-byte aligned, disjoint from every other live slice. Its
    /// contents are whatever the previous user left (always valid f32; zeros when fresh).
    // Handing `&mut` out of `&self` is the point of a bump arena; the SAFETY comment below
    // says why the slices are disjoint.
    #[allow(clippy::mut_from_ref)]
    pub fn alloc(&self, len: usize) -> Result<&mut [f32], ArenaFull> {
        let capacity = self.block.len();
        // Round the start up to the next 64-byte boundary (the block itself is aligned).
        let start = self
            .offset
            .get()
            .next_multiple_of(ALIGN_ELEMS)
            .min(capacity);
        let available = capacity - start;
        if len > available {
            return Err(ArenaFull {
                requested: len,
                available,
                capacity,
            });
        }
        if len == 0 {
            // An empty slice at an aligned dangling pointer: `start` may be the block's end,
            // which is not 64-byte aligned when the capacity is not a multiple of 16.
            return Ok(Block::empty_slice_mut());
        }
        let end = start + len;
        self.offset.set(end);
        self.high_water.set(self.high_water.get().max(end));
        // SAFETY: `start + len <= capacity`, so the range lies inside the block, whose elements
        // are initialised f32. It starts at or after every slice handed out since the last
        // reset (the offset only grows), so it overlaps none of them; `reset` needs `&mut self`,
        // so none of them is still alive when the offset goes back. The slice borrows `self`,
        // which keeps the block alive. The pointer derives from the block's raw pointer, not
        // from a reference to the whole block, so disjoint slices do not invalidate each other.
        Ok(unsafe { std::slice::from_raw_parts_mut(self.block.as_ptr().add(start), len) })
    }

    /// Like [`alloc`](Self::alloc), with the slice filled with zeros.
    #[allow(clippy::mut_from_ref)]
    pub fn alloc_zeroed(&self, len: usize) -> Result<&mut [f32], ArenaFull> {
        let slice = self.alloc(len)?;
        slice.fill(0.0);
        Ok(slice)
    }

    /// Frees every slice at once (the borrow checker has already proven none is alive).
    pub fn reset(&mut self) {
        self.offset.set(0);
    }

    /// The capacity in f32 elements.
    pub fn capacity(&self) -> usize {
        self.block.len()
    }

    /// Elements used since the last reset, including alignment padding.
    pub fn used(&self) -> usize {
        self.offset.get()
    }

    /// The most elements ever in use at once (including padding): the capacity a plan needs.
    pub fn high_water(&self) -> usize {
        self.high_water.get()
    }
}

impl fmt::Debug for Arena {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Arena")
            .field("capacity", &self.capacity())
            .field("used", &self.used())
            .field("high_water", &self.high_water())
            .finish()
    }
}
