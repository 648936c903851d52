//! `CachePadded`: keeps each worker's hot state on cache lines of its own.

use std::ops::Deref;

/// A value aligned (and so padded) to 128 bytes: two 64-byte lines, because Intel's adjacent
/// line prefetcher pulls lines in pairs, so 64 bytes alone still lets neighbours share traffic.
#[repr(align(128))]
pub(super) struct CachePadded<T>(pub(super) T);

impl<T> Deref for CachePadded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_sit_128_bytes_apart() {
        let v = [CachePadded(1u8), CachePadded(2u8)];
        let a = &v[0] as *const _ as usize;
        let b = &v[1] as *const _ as usize;
        assert_eq!(b - a, 128);
        assert_eq!(a % 128, 0);
        assert_eq!(*v[1], 2);
    }
}
