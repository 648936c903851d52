//! The machine's own f32 arithmetic peak, measured per tier.
//!
//! GEMM efficiency is reported as a fraction of what the core can actually retire, not of a
//! datasheet figure (turbo, AVX-512 licence clocks and virtualisation all move it). The peak
//! is measured the way the hardware reaches it: many independent accumulator chains, each
//! `acc = acc·a + b`, so that (latency × throughput) instructions are always in flight. Two
//! FMA ports with a 4-cycle latency need at least 8 chains; we run [`CHAINS`] = 12, which
//! also fits in the 16 vector registers of SSE2/AVX/AVX2 next to the two constants.
//!
//! Tiers with FMA (AVX2, AVX-512, NEON) count one fused multiply-add as 2 flops. SSE2 and AVX
//! have no FMA: their chains are a multiply followed by an add (still 2 flops per lane), which
//! is the best those instruction sets can do, and on a CPU that has FMA units it is about half
//! the FMA peak. [`uses_fma`] says which kind a tier measures.
//!
//! The scalar tier runs the same 12 chains on plain `f32`, counted as one lane each. It is a
//! reference point for the scalar reference kernels, not a hardware peak: the compiler packs
//! the chains into a few SSE registers (on x86-64 it makes 3 vectors of 4), which leaves the
//! loop latency-bound. (More chains do not help: they spill.)

use std::hint::black_box;
use std::time::{Duration, Instant};

use crate::isa::Isa;
use crate::simd::Simd;

/// Independent accumulator chains kept in flight.
pub const CHAINS: usize = 12;

/// Multiplier and addend of the chains: `acc → acc·A + B` has the fixed point B / (1 − A) = 1,
/// so the values stay near 1 (no overflow, no subnormals to slow the units down).
const A: f32 = 0.999_999;
const B: f32 = 0.000_001;

/// Whether the peak of `isa` is measured with fused multiply-adds (`true`) or with
/// multiply-then-add pairs (`false`: scalar, SSE2, AVX).
pub fn uses_fma(isa: Isa) -> bool {
    matches!(isa, Isa::Avx2 | Isa::Avx512 | Isa::Neon)
}

/// The measured f32 peak of `isa` on one thread, in GFLOP/s (a multiply-add counts 2 flops),
/// or `None` when this CPU does not support the tier.
///
/// Runs for about `duration` (at least a few milliseconds) and reports the best of several
/// timed runs, which filters out preemption and frequency ramp-up.
pub fn fma_peak_gflops(isa: Isa, duration: Duration) -> Option<f64> {
    if !isa.is_supported() {
        return None;
    }
    let run = runner(isa)?;
    let lanes = isa.lanes() as f64;
    let flops_per_iter = 2.0 * lanes * CHAINS as f64;

    // Warm up (and wake up the wide units), then size one run to ~1/20 of the budget.
    let mut iters: u64 = 1 << 10;
    let target_run = (duration / 20).max(Duration::from_millis(1));
    loop {
        let start = Instant::now();
        black_box(run(black_box(iters)));
        if start.elapsed() >= target_run / 4 || iters >= 1 << 40 {
            break;
        }
        iters *= 2;
    }

    let mut best = 0.0f64;
    let deadline = Instant::now() + duration;
    let mut runs = 0;
    while runs < 3 || Instant::now() < deadline {
        let start = Instant::now();
        black_box(run(black_box(iters)));
        let secs = start.elapsed().as_secs_f64().max(1e-9);
        best = best.max(flops_per_iter * iters as f64 / secs / 1e9);
        runs += 1;
    }
    Some(best)
}

/// The chains over one tier's vectors: `iters` rounds of `acc = acc·a + b` on each of
/// [`CHAINS`] accumulators. Returns a value depending on every accumulator so nothing can
/// be discarded.
#[inline(always)]
fn chains<S: Simd>(s: S, iters: u64) -> f32 {
    let a = s.splat(black_box(A));
    let b = s.splat(black_box(B));
    // Start each chain at a different value near the fixed point.
    let mut acc: [S::V; CHAINS] = std::array::from_fn(|i| s.splat(1.0 + i as f32 / 64.0));
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = s.mul_add(*v, a, b);
        }
    }
    let total = acc.iter().fold(s.zero(), |t, &v| s.add(t, v));
    s.reduce_add(total)
}

/// The same chains on plain `f32`, for the scalar tier.
fn scalar_chains(iters: u64) -> f32 {
    let a = black_box(A);
    let b = black_box(B);
    let mut acc: [f32; CHAINS] = std::array::from_fn(|i| 1.0 + i as f32 / 64.0);
    for _ in 0..iters {
        for v in acc.iter_mut() {
            *v = *v * a + b;
        }
    }
    acc.iter().sum()
}

/// Expands a safe function that runs [`chains`] compiled with a tier's target features.
macro_rules! tier_runner {
    ($name:ident, $Token:ty, $features:literal) => {
        fn $name(iters: u64) -> f32 {
            #[target_feature(enable = $features)]
            unsafe fn entry(s: $Token, iters: u64) -> f32 {
                chains(s, iters)
            }
            let Some(token) = <$Token as Simd>::try_new() else {
                panic!("peak: tier {} is not supported", <$Token as Simd>::ISA);
            };
            // SAFETY: `token` exists, so `try_new` found every feature `entry` is compiled
            // with on this CPU.
            unsafe { entry(token, iters) }
        }
    };
}

#[cfg(target_arch = "x86_64")]
tier_runner!(run_sse2, crate::x86::Sse2, "sse2");
#[cfg(target_arch = "x86_64")]
tier_runner!(run_avx, crate::x86::Avx, "avx");
#[cfg(target_arch = "x86_64")]
tier_runner!(run_avx2, crate::x86::Avx2, "avx2,fma");
#[cfg(target_arch = "x86_64")]
tier_runner!(run_avx512, crate::x86::Avx512, "avx512f,avx2,fma");
#[cfg(target_arch = "aarch64")]
tier_runner!(run_neon, crate::arm::Neon, "neon");

/// The chain runner of `isa` on this architecture (support is checked by the caller).
fn runner(isa: Isa) -> Option<fn(u64) -> f32> {
    match isa {
        Isa::Scalar => Some(scalar_chains),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse2 => Some(run_sse2),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx => Some(run_avx),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Some(run_avx2),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => Some(run_avx512),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => Some(run_neon),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_tier_has_no_peak() {
        #[cfg(target_arch = "x86_64")]
        let foreign = Isa::Neon;
        #[cfg(not(target_arch = "x86_64"))]
        let foreign = Isa::Avx512;
        assert_eq!(fma_peak_gflops(foreign, Duration::from_millis(1)), None);
    }

    #[test]
    fn every_supported_tier_measures_a_positive_finite_peak() {
        for &isa in crate::isa::supported() {
            let peak = fma_peak_gflops(isa, Duration::from_millis(5)).unwrap();
            assert!(peak.is_finite() && peak > 0.0, "{isa}: {peak}");
        }
    }

    #[test]
    fn chains_stay_near_their_fixed_point() {
        // The chains start at 1 + i/64 and decay towards 1, so their sum stays between
        // CHAINS and CHAINS + 66/64: a sign that the measured loop computes what it claims.
        let in_range = |t: f32| t > CHAINS as f32 - 0.01 && t < CHAINS as f32 + 1.04;
        let total = scalar_chains(1000);
        assert!(in_range(total), "{total}");
        for &isa in crate::isa::supported() {
            let total = runner(isa).unwrap()(1000) / isa.lanes() as f32;
            assert!(in_range(total), "{isa}: {total}");
        }
    }
}
