//! Our pseudo-random number generator: xoshiro256++ seeded through SplitMix64.
//!
//! Why these: xoshiro256++ (Blackman and Vigna, 2019) is small (32 bytes of state), fast, passes
//! BigCrush, and is the generator many numeric libraries default to; SplitMix64 turns any 64-bit
//! seed, including 0, into a well-mixed state, as the xoshiro authors recommend.
//!
//! Reproducibility is a product feature (the same seed gives bitwise identical weights and
//! forecasts), so the algorithm is fixed and documented here and must never change silently.
//! Independent streams come from [`Rng::fork`]: the child is seeded from the parent's seed
//! material and a stream number, so adding a consumer never shifts the numbers another one sees.

/// One step of SplitMix64: advances `state` and returns a well-mixed 64-bit value.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256++ generator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rng {
    s: [u64; 4],
    /// The seed material this generator was made from, kept so forks are reproducible.
    origin: u64,
}

impl Rng {
    /// A generator from a 64-bit seed (any value, 0 included).
    pub fn seed_from(seed: u64) -> Rng {
        let mut sm = seed;
        let s = [
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
            splitmix64(&mut sm),
        ];
        Rng { s, origin: seed }
    }

    /// An independent generator for stream number `stream` (e.g. one per layer, per worker):
    /// depends only on this generator's seed and `stream`, not on how much it has been used.
    pub fn fork(&self, stream: u64) -> Rng {
        let mut sm = self.origin ^ 0xD1B5_4A32_D192_ED03;
        let a = splitmix64(&mut sm);
        let mut sm2 = stream.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ a;
        Rng::seed_from(splitmix64(&mut sm2))
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.s;
        let result = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1) with 24 random bits (every f32 multiple of 2^-24).
    pub fn next_f32(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 * (1.0 / (1u64 << 24) as f32)
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f32()
    }

    /// Uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).
    ///
    /// # Panics
    /// If `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "Rng::below(0)");
        loop {
            let m = (self.next_u64() as u128) * (n as u128);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as u64;
            }
        }
    }

    /// Standard normal, by the Box–Muller transform (one of the pair is discarded, which keeps
    /// the generator stateless beyond `s`).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln is finite
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Shuffles `items` in place (Fisher–Yates).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_published_sequence_for_seed_zero() {
        // Reference values of SplitMix64 from seed 0 (Vigna's splitmix64.c).
        let mut s = 0u64;
        assert_eq!(splitmix64(&mut s), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(&mut s), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn same_seed_same_stream_and_forks_are_independent_of_use() {
        let mut a = Rng::seed_from(42);
        let mut b = Rng::seed_from(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
        let fresh = Rng::seed_from(42);
        assert_eq!(a.fork(3), fresh.fork(3));
        assert_ne!(fresh.fork(3), fresh.fork(4));
        assert_ne!(Rng::seed_from(1).next_u64(), Rng::seed_from(2).next_u64());
    }

    #[test]
    fn below_is_in_range_and_roughly_uniform() {
        let mut r = Rng::seed_from(7);
        let mut counts = [0u32; 10];
        for _ in 0..100_000 {
            counts[r.below(10) as usize] += 1;
        }
        for c in counts {
            assert!((9_000..11_000).contains(&c), "{counts:?}");
        }
    }

    #[test]
    fn floats_are_in_unit_interval_and_normal_has_unit_variance() {
        let mut r = Rng::seed_from(9);
        let mut sum = 0.0;
        let mut sum_sq = 0.0;
        let n = 200_000;
        for _ in 0..n {
            let f = r.next_f32();
            assert!((0.0..1.0).contains(&f));
            let z = r.normal();
            sum += z;
            sum_sq += z * z;
        }
        let mean = sum / n as f64;
        assert!(mean.abs() < 0.01, "{mean}");
        assert!((sum_sq / n as f64 - 1.0).abs() < 0.02);
    }
}
