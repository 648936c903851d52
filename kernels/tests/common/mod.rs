//! Helpers shared by the kernel tests: the proptest configuration and a seeded generator.
// Each test file is its own crate and uses only part of this module.
#![allow(dead_code)]

use proptest::prelude::ProptestConfig;

/// 64 cases unless `PROPTEST_CASES` says otherwise (CI lowers it under emulation).
pub fn config() -> ProptestConfig {
    ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(64),
    )
}

/// A small deterministic generator (splitmix64): proptest draws the seed and the shapes, this
/// fills the buffers, so a failing case shrinks by shape rather than by every value. Test
/// files add the value distributions they need in their own `impl Gen` blocks.
pub struct Gen(pub u64);

impl Gen {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * ((self.next() >> 40) as f32 / (1u64 << 24) as f32)
    }
}
