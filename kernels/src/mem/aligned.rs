//! `AlignedBuf`: an owned f32 buffer whose first element sits on a 64-byte boundary.

use std::fmt;
use std::ops::{Deref, DerefMut};

use super::block::{AllocError, Block};

/// An owned, fixed-length f32 buffer, 64-byte aligned, zero-initialised on creation.
///
/// A zero-length buffer allocates nothing (its pointer is aligned and dangling). It derefs to
/// `[f32]`, so slicing, iteration and the kernels take it directly.
pub struct AlignedBuf {
    block: Block,
}

impl AlignedBuf {
    /// `len` zeros. Panics with the requested size if the allocation fails.
    pub fn zeroed(len: usize) -> AlignedBuf {
        AlignedBuf::try_zeroed(len).unwrap_or_else(|e| panic!("AlignedBuf::zeroed: {e}"))
    }

    /// `len` zeros, or an error naming the size if it cannot be allocated (no panic, no abort,
    /// also for sizes that overflow).
    pub fn try_zeroed(len: usize) -> Result<AlignedBuf, AllocError> {
        Ok(AlignedBuf {
            block: Block::try_zeroed(len)?,
        })
    }

    /// A copy of `src`.
    pub fn from_slice(src: &[f32]) -> AlignedBuf {
        let mut buf = AlignedBuf::zeroed(src.len());
        buf.copy_from_slice(src);
        buf
    }

    pub fn len(&self) -> usize {
        self.block.len()
    }

    pub fn is_empty(&self) -> bool {
        self.block.len() == 0
    }

    pub fn as_slice(&self) -> &[f32] {
        self.block.as_slice()
    }

    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        self.block.as_mut_slice()
    }

    /// The first element (64-byte aligned; dangling when empty).
    pub fn as_ptr(&self) -> *const f32 {
        self.block.as_ptr()
    }

    /// The first element, for writing (64-byte aligned; dangling when empty).
    pub fn as_mut_ptr(&mut self) -> *mut f32 {
        self.block.as_ptr()
    }
}

impl Deref for AlignedBuf {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        self.as_slice()
    }
}

impl DerefMut for AlignedBuf {
    fn deref_mut(&mut self) -> &mut [f32] {
        self.as_mut_slice()
    }
}

impl Clone for AlignedBuf {
    fn clone(&self) -> AlignedBuf {
        AlignedBuf::from_slice(self)
    }
}

impl Default for AlignedBuf {
    fn default() -> AlignedBuf {
        AlignedBuf::zeroed(0)
    }
}

impl fmt::Debug for AlignedBuf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

/// Element-wise, as for `[f32]` (so a buffer holding NaN is not equal to itself).
impl PartialEq for AlignedBuf {
    fn eq(&self, other: &AlignedBuf) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl From<&[f32]> for AlignedBuf {
    fn from(src: &[f32]) -> AlignedBuf {
        AlignedBuf::from_slice(src)
    }
}
