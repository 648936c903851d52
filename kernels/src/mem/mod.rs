//! Aligned buffers, the per-step bump arena, the size-class pool and the byte counters.
