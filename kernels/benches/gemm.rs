//! GEMM throughput against the machine's FMA peak, single thread.
//!
//! `cargo bench -p nd-kernels --bench gemm [-- FILTER]` prints, per tier and shape, the best
//! GFLOP/s (2·m·n·k / time) over several timed batches, and its fraction of the tier's FMA
//! peak measured in the same process. Runs without criterion: the numbers we want are
//! best-of-N throughput, not latency distributions.

use std::hint::black_box;
use std::time::{Duration, Instant};

use nd_kernels::{Epilogue, GemmSpec, Isa, Transpose};

/// FMA throughput of tier `S` in GFLOP/s: 12 independent accumulator chains (more than
/// latency × throughput on any current core), 2·LANES flops per FMA.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn peak_loop<S: nd_kernels::simd::Simd>(s: S, iters: usize) -> f32 {
    let x = s.splat(black_box(0.999_999));
    let y = s.splat(black_box(1e-7));
    let mut acc = [s.splat(1.0); 12];
    for _ in 0..iters {
        for a in acc.iter_mut() {
            *a = s.mul_add(*a, x, y);
        }
    }
    acc.iter().map(|&a| s.reduce_add(a)).sum()
}

#[cfg(target_arch = "x86_64")]
mod x86_peak {
    use super::*;
    use nd_kernels::simd::Simd;

    /// # Safety
    /// The CPU must support AVX-512F, AVX2 and FMA.
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn peak_avx512(s: nd_kernels::x86::Avx512, iters: usize) -> f32 {
        peak_loop(s, iters)
    }

    /// # Safety
    /// The CPU must support AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    unsafe fn peak_avx2(s: nd_kernels::x86::Avx2, iters: usize) -> f32 {
        peak_loop(s, iters)
    }

    /// GFLOP/s of one short batch of the peak loop for `isa`, or None when the CPU lacks it.
    pub fn peak_once(isa: Isa) -> Option<f64> {
        let iters = 100_000;
        let t = Instant::now();
        let r = match isa {
            Isa::Avx512 => {
                let s = nd_kernels::x86::Avx512::try_new()?;
                // SAFETY: the token exists, so the CPU supports AVX-512F, AVX2 and FMA.
                unsafe { peak_avx512(s, iters) }
            }
            Isa::Avx2 => {
                let s = nd_kernels::x86::Avx2::try_new()?;
                // SAFETY: the token exists, so the CPU supports AVX2 and FMA.
                unsafe { peak_avx2(s, iters) }
            }
            _ => return None,
        };
        let secs = t.elapsed().as_secs_f64();
        black_box(r);
        let lanes = if isa == Isa::Avx512 { 16 } else { 8 };
        Some((iters * 12 * 2 * lanes) as f64 / secs / 1e9)
    }
}
#[cfg(target_arch = "x86_64")]
use x86_peak::peak_once;

/// No peak loop for this architecture (the bench measures the x86 tiers).
#[cfg(not(target_arch = "x86_64"))]
fn peak_once(_isa: Isa) -> Option<f64> {
    None
}

/// A deterministic pseudo-random fill in [-1, 1).
fn fill(buf: &mut [f32], mut seed: u64) {
    for x in buf {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *x = ((seed >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0;
    }
}

/// Parses "MxNxK", optionally followed by the transposes of A and B: "36x36x32nt" is
/// C = A·Bᵀ (`n` as stored, `t` transposed; none means "nn").
fn parse_shape(s: &str) -> Option<GemmSpec> {
    let (dims, ops) = match s.len().checked_sub(2).and_then(|i| s.get(i..)) {
        Some(ops @ ("nn" | "nt" | "tn" | "tt")) => (&s[..s.len() - 2], ops),
        _ => (s, "nn"),
    };
    let mut it = dims.split('x').map(|x| x.parse::<usize>().ok());
    let (m, n, k) = (it.next()??, it.next()??, it.next()??);
    if it.next().is_some() {
        return None;
    }
    let op = |c: u8| {
        if c == b't' {
            Transpose::Yes
        } else {
            Transpose::No
        }
    };
    let (trans_a, trans_b) = (op(ops.as_bytes()[0]), op(ops.as_bytes()[1]));
    let spec = GemmSpec {
        trans_a,
        trans_b,
        ..GemmSpec::new(m, n, k)
    };
    // Minimal strides of A and B as stored.
    Some(GemmSpec {
        lda: spec.a_stored().1,
        ldb: spec.b_stored().1,
        ..spec
    })
}

/// Arguments (after `--`): tier names (`avx512`, `avx2`) and shapes (`64x64x64`, `36x36x32nt`)
/// to run; by default every tier the CPU has and the shapes of the tuning targets, the last
/// three those of one attention head (T 36, d 32: Q·Kᵀ, P·V, Pᵀ·dO).
fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut shapes: Vec<GemmSpec> = args.iter().filter_map(|a| parse_shape(a)).collect();
    if shapes.is_empty() {
        shapes = [
            "64x64x64",
            "256x256x256",
            "512x512x512",
            "128x512x128",
            "1024x1024x1024",
            "32x1024x24",
            "32x12x1024",
            "36x36x32nt",
            "36x32x36nn",
            "36x32x36tn",
        ]
        .iter()
        .filter_map(|s| parse_shape(s))
        .collect();
    }
    let tiers: Vec<&String> = args.iter().filter(|a| parse_shape(a).is_none()).collect();
    for isa in [Isa::Avx512, Isa::Avx2] {
        let Some(table) = nd_kernels::for_isa(isa) else {
            continue;
        };
        if !tiers.is_empty() && !tiers.iter().any(|t| **t == isa.to_string()) {
            continue;
        }
        let Some(mut peak) = (0..20).filter_map(|_| peak_once(isa)).reduce(f64::max) else {
            continue;
        };
        println!("{isa}: FMA peak {peak:.1} GFLOP/s (best of the startup batches)");
        for spec in &shapes {
            let (m, n, k) = (spec.m, spec.n, spec.k);
            let t = |t: Transpose| if t == Transpose::Yes { "t" } else { "n" };
            let name = format!("{m}x{n}x{k}{}{}", t(spec.trans_a), t(spec.trans_b));
            let (mut a, mut b, mut c) = (vec![0.0; m * k], vec![0.0; k * n], vec![0.0; m * n]);
            fill(&mut a, 1);
            fill(&mut b, 2);
            let flops = 2.0 * (m * n * k) as f64;
            // Calls per timed batch: about 1 ms of work at peak; many batches, keep the best (the
            // machine is shared, so the best batch is the one least disturbed).
            let calls = ((0.001 * peak * 1e9 / flops) as usize).max(1);
            // The machine is shared and its clock varies: interleave peak batches with the
            // GEMM batches and report the best of each, so both see the same conditions.
            let mut best = Duration::MAX;
            peak = 0.0;
            for _ in 0..80 {
                peak = peak.max(peak_once(isa).unwrap_or(0.0));
                let t = Instant::now();
                for _ in 0..calls {
                    (table.sgemm)(spec, black_box(&a), black_box(&b), &mut c, Epilogue::NONE);
                }
                best = best.min(t.elapsed());
            }
            black_box(&c);
            let gflops = flops * calls as f64 / best.as_secs_f64() / 1e9;
            println!(
                "  {isa:>7} {name:>16}: {gflops:6.1} GFLOP/s  {:5.1}% of peak ({peak:.1})",
                100.0 * gflops / peak
            );
        }
    }
}
