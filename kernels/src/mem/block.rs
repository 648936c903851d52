//! `Block`: the one place that calls the allocator. A zero-initialised, 64-byte aligned run of
//! f32 owned by its value; `AlignedBuf`, `Arena` and `Pool` are built on it.

use std::alloc::{self, Layout};
use std::fmt;
use std::ptr::NonNull;

use super::counters;

/// The alignment of every block, in bytes: one cache line, and one AVX-512 vector.
pub const ALIGN: usize = 64;

/// The number of f32 in [`ALIGN`] bytes.
pub(crate) const ALIGN_ELEMS: usize = ALIGN / size_of::<f32>();

/// A request the allocator could not satisfy: too large to describe, or refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocError {
    /// The number of f32 elements requested.
    pub len: usize,
}

impl AllocError {
    /// The size of the request in bytes (exact even where it overflows `usize`).
    pub fn bytes(&self) -> u128 {
        self.len as u128 * size_of::<f32>() as u128
    }
}

impl fmt::Display for AllocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot allocate {} f32 elements ({} bytes, {ALIGN}-byte aligned)",
            self.len,
            self.bytes()
        )
    }
}

impl std::error::Error for AllocError {}

/// An owned, zero-initialised, `ALIGN`-aligned allocation of `len` f32 (no allocation when
/// `len` is 0). Every element is always initialised, so it can be viewed as `[f32]`.
pub(crate) struct Block {
    ptr: NonNull<f32>,
    len: usize,
}

// SAFETY: a `Block` owns its allocation exclusively (like `Vec<f32>`); shared access only
// reads through `&self` and mutation needs `&mut self`, so moving it to or sharing it with
// another thread is as sound as for `Vec<f32>`.
unsafe impl Send for Block {}
// SAFETY: see above.
unsafe impl Sync for Block {}

impl Block {
    /// The layout of `len` elements, or an error when it cannot be described.
    fn layout(len: usize) -> Result<Layout, AllocError> {
        let bytes = len
            .checked_mul(size_of::<f32>())
            .ok_or(AllocError { len })?;
        Layout::from_size_align(bytes, ALIGN).map_err(|_| AllocError { len })
    }

    /// A zero-length block: an aligned, dangling, never dereferenced pointer.
    pub(crate) fn empty() -> Block {
        let ptr = std::ptr::without_provenance_mut::<f32>(ALIGN);
        Block {
            // `ALIGN` is non-zero.
            ptr: NonNull::new(ptr).expect("ALIGN is non-zero"),
            len: 0,
        }
    }

    /// `len` zeroed elements, or an error (never a panic or abort) if they cannot be had.
    pub(crate) fn try_zeroed(len: usize) -> Result<Block, AllocError> {
        if len == 0 {
            return Ok(Block::empty());
        }
        let layout = Block::layout(len)?;
        // SAFETY: `layout` has a non-zero size (len > 0) and a valid power-of-two alignment.
        let raw = unsafe { alloc::alloc_zeroed(layout) };
        let ptr = NonNull::new(raw.cast::<f32>()).ok_or(AllocError { len })?;
        counters::on_alloc(layout.size());
        Ok(Block { ptr, len })
    }

    /// An empty slice at an aligned dangling pointer (what `&mut []` lacks: alignment).
    pub(crate) fn empty_slice_mut<'a>() -> &'a mut [f32] {
        let ptr = std::ptr::without_provenance_mut::<f32>(ALIGN);
        // SAFETY: a zero-length slice needs only a non-null, aligned pointer, which `ptr` is;
        // no element is ever read or written through it.
        unsafe { std::slice::from_raw_parts_mut(ptr, 0) }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The first element; valid for `len` reads and writes while `self` lives.
    pub(crate) fn as_ptr(&self) -> *mut f32 {
        self.ptr.as_ptr()
    }

    pub(crate) fn as_slice(&self) -> &[f32] {
        // SAFETY: `ptr` is non-null and aligned, and (for len > 0) points at `len` initialised
        // f32 owned by `self`; the returned borrow of `self` keeps them alive and unmodified.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }

    pub(crate) fn as_mut_slice(&mut self) -> &mut [f32] {
        // SAFETY: as in `as_slice`, and `&mut self` makes this the only access to the elements.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        if self.len == 0 {
            return;
        }
        let layout = Block::layout(self.len).expect("the layout was valid when allocated");
        // SAFETY: `ptr` came from `alloc_zeroed` with this same layout (same len, same
        // alignment) and is freed exactly once, here.
        unsafe { alloc::dealloc(self.ptr.as_ptr().cast::<u8>(), layout) };
        counters::on_free(layout.size());
    }
}
