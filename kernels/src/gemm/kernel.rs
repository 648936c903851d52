//! The register tile: C[0..R, 0..V·LANES] += Σ_p A[i, p]·B[p, j], held in R·V vector
//! registers for the whole k loop, then written once.
//!
//! Per step p the tile loads V vectors of one row of B and broadcasts R scalars of one column
//! of A, then issues R·V fused multiply-adds. With R·V accumulators (16 on AVX-512's 8×32,
//! 12 on AVX2's 6×16, 24 on NEON's 8×12) there are more independent chains than FMA
//! latency × throughput, so the loop runs at the FMA ports' rate; the tier picks R and V so
//! that accumulators + V B vectors + a broadcast fit its register file.
//!
//! A is addressed with strides (rs_a, cs_a) one of which is 1: packed panels (1, MR), A in
//! place (lda, 1) or transposed A in place (1, lda). B rows must hold V·LANES readable values at row
//! stride rs_b (a packed panel, or B in place when the tile is a full panel).

use crate::gemm::epilogue::{self, CTile};
use crate::simd::Simd;

/// A tier's GEMM micro-kernel: its tile shape, an unchecked vector load and a 4 × 4
/// transpose. Implemented in each tier's file (`x86/*.rs`, `arm/neon.rs`).
pub trait MicroKernel: Simd {
    /// Rows of C in the register tile (at most 16).
    const MR: usize;
    /// Vectors of C per tile row; the tile is MR × (NV·LANES), at most 64 columns.
    const NV: usize;
    /// Columns of the tile.
    const NR: usize = Self::NV * Self::LANES;

    /// Loads `LANES` values starting at `p`.
    ///
    /// # Safety
    /// `p .. p + LANES` must be in bounds of one allocation and initialised.
    unsafe fn load_ptr(self, p: *const f32) -> Self::V;

    /// Writes the transpose of a 4 × 4 block, dst[c·ldd + r] = src[r·lds + c] for r, c < 4,
    /// with four vector loads, eight shuffles and four stores: packing a transposed B (the
    /// `pack` module) is made of these. Panics if a row of either block is out of bounds.
    fn transpose4(self, src: &[f32], lds: usize, dst: &mut [f32], ldd: usize);

    /// Runs [`tile_and_write`] for `t.rows` (1..=MR) rows and `t.nv` (1..=NV) vectors, which
    /// writes the result through `out`. Implemented with `dispatch_tile!` so that every edge shape gets
    /// its own fully unrolled loop.
    fn run_tile(self, t: &Tile<'_>, out: &mut CTile<'_>);
}

/// The operands of one register tile.
#[derive(Clone, Copy, Debug)]
pub struct Tile<'a> {
    /// Steps of the k loop (at least 1).
    pub(crate) kc: usize,
    /// Rows of C this tile computes (1..=MR).
    pub(crate) rows: usize,
    /// Vectors per row this tile computes (1..=NV).
    pub(crate) nv: usize,
    /// A[i, p] = a[a_off + i·rs_a + p·cs_a].
    pub(crate) a: &'a [f32],
    pub(crate) a_off: usize,
    pub(crate) rs_a: usize,
    pub(crate) cs_a: usize,
    /// B[p, j] = b[b_off + p·rs_b + j], j < nv·LANES.
    pub(crate) b: &'a [f32],
    pub(crate) b_off: usize,
    pub(crate) rs_b: usize,
}

/// `base + i·stride`, or `usize::MAX` on overflow (which then fails the bounds check).
#[inline(always)]
pub(crate) fn at(base: usize, i: usize, stride: usize) -> usize {
    i.checked_mul(stride)
        .and_then(|x| x.checked_add(base))
        .unwrap_or(usize::MAX)
}

/// The R × V register tile Σ_p A[i, p]·B[p, j·LANES..] for i < R, j < V, written to C
/// through `out`.
///
/// `A_ROWS` selects how A is addressed, so that the strides LLVM knows at compile time keep
/// address arithmetic out of the loop: `true` for A in place with contiguous rows
/// (cs_a = 1: R row pointers, one shared index), `false` for contiguous columns (rs_a = 1:
/// packed panels and transposed A, one pointer plus constant offsets). The other stride is
/// taken from `t`; the one fixed by `A_ROWS` is ignored.
///
/// The accumulators are a local array that never leaves this function except through the
/// copy made after the loop; when the writer indexed the accumulators themselves, LLVM kept
/// them in memory and stored every accumulator on every step.
///
/// Unoptimised builds do not inline it (see kernels/build.rs: the inlined copies' stack slots
/// would overflow the stack).
#[cfg_attr(not(nd_unoptimized), inline(always))]
#[cfg_attr(nd_unoptimized, inline(never))]
pub fn tile_and_write<S: MicroKernel, const R: usize, const V: usize, const A_ROWS: bool>(
    s: S,
    t: &Tile<'_>,
    out: &mut CTile<'_>,
) {
    let (rs_a, cs_a) = if A_ROWS { (t.rs_a, 1) } else { (1, t.cs_a) };
    debug_assert!(rs_a == t.rs_a && cs_a == t.cs_a);
    // The last elements the loop reads; checked once so the loop itself can skip checks.
    assert!(t.kc >= 1 && R >= 1 && V >= 1, "gemm tile: empty tile");
    let a_last = at(at(t.a_off, R - 1, rs_a), t.kc - 1, cs_a);
    let b_last = at(at(t.b_off, t.kc - 1, t.rs_b), V * S::LANES - 1, 1);
    assert!(
        a_last < t.a.len() && b_last < t.b.len(),
        "gemm tile: operands out of bounds"
    );

    let mut acc = [[s.zero(); V]; R];
    let a = t.a.as_ptr().wrapping_add(t.a_off);
    // Row pointers of A, computed once (wrapping: not dereferenced here).
    let a_rows: [*const f32; R] = std::array::from_fn(|i| a.wrapping_add(i * rs_a));
    let b = t.b.as_ptr().wrapping_add(t.b_off);
    // acc[i][v] += A[i, p]·B[p, v·LANES..] for one step p < kc. (A function, not a closure:
    // closures are not `inline(always)` and, compiled on their own, would lose the tier's
    // target features.)
    #[inline(always)]
    fn step<S: MicroKernel, const R: usize, const V: usize>(
        s: S,
        a_rows: &[*const f32; R],
        cs_a: usize,
        b: *const f32,
        rs_b: usize,
        p: usize,
        acc: &mut [[S::V; V]; R],
    ) {
        // SAFETY: `tile_and_write` calls this only for p < kc; the reads are at
        // a + i·rs_a + p·cs_a (i < R) and b + p·rs_b + v·LANES .. + LANES (v < V), whose
        // largest indices for p < kc are a_last and b_last, checked there to be in bounds of
        // their slices (computed without overflow); every smaller index is in bounds too.
        let (bv, ai) = unsafe {
            let bp = b.add(p * rs_b);
            let bv: [S::V; V] = std::array::from_fn(|v| s.load_ptr(bp.add(v * S::LANES)));
            let ai: [f32; R] = std::array::from_fn(|i| *a_rows[i].add(p * cs_a));
            (bv, ai)
        };
        for i in 0..R {
            let x = s.splat(ai[i]);
            for v in 0..V {
                acc[i][v] = s.mul_add(x, bv[v], acc[i][v]);
            }
        }
    }
    if V == 1 {
        // A one-vector tile has only R chains of dependent FMAs, too few to cover FMA
        // latency × throughput on two-port cores: alternate two sets of accumulators between
        // even and odd steps, and add them at the end.
        // Unrolled by eight ((32, 12, 1024): 55% of peak; 52% by four, 49% by two).
        let mut odd = [[s.zero(); V]; R];
        let mut p = 0;
        while p + 8 <= t.kc {
            for q in 0..4 {
                step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 2 * q, &mut acc);
                step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 2 * q + 1, &mut odd);
            }
            p += 8;
        }
        while p + 1 < t.kc {
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p, &mut acc);
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 1, &mut odd);
            p += 2;
        }
        if p < t.kc {
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p, &mut acc);
        }
        for i in 0..R {
            for v in 0..V {
                acc[i][v] = s.add(acc[i][v], odd[i][v]);
            }
        }
    } else {
        // Four steps per iteration: the A row addresses of four steps share one base (constant
        // offsets), and the loop counter costs a quarter as much (512³: 83% of peak, from 80%).
        let quads = t.kc / 4;
        for p4 in 0..quads {
            let p = 4 * p4;
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p, &mut acc);
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 1, &mut acc);
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 2, &mut acc);
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p + 3, &mut acc);
        }
        for p in 4 * quads..t.kc {
            step::<S, R, V>(s, &a_rows, cs_a, b, t.rs_b, p, &mut acc);
        }
    }
    // Copy to a second array element by element (constant indices after unrolling), so the
    // accumulators themselves are only ever indexed by constants and stay in registers.
    let mut spill = [[s.zero(); V]; R];
    for i in 0..R {
        for v in 0..V {
            spill[i][v] = acc[i][v];
        }
    }
    epilogue::write_tile::<S, R, V>(s, &spill, t.rows, out);
}

/// Expands a tier's `run_tile`: one instance of [`tile_and_write`] per (rows, vectors, A
/// layout) up to the tier's MR × NV, so each is a straight-line loop over registers.
///
/// The expansion is a `#[target_feature]` function of its own, not inlined into the loop
/// nest: in one function with the blocking loops, LLVM ran out of general registers and
/// reloaded A's row stride from the stack on every step.
///
/// `dispatch_tile!(Token, "features", self, t, out, rows: [1, 2, ..., MR], vectors: [1, ..., NV])`
macro_rules! dispatch_tile {
    ($Token:ty, $features:literal, $s:expr, $t:expr, $out:expr, rows: $rows:tt, vectors: [$($v:literal),*]) => {{
        /// # Safety
        /// The CPU must support `$features` (a `$Token` proves it).
        #[target_feature(enable = $features)]
        #[inline(never)]
        unsafe fn tiles(s: $Token, t: &$crate::gemm::Tile<'_>, out: &mut $crate::gemm::CTile<'_>) {
            match (t.nv, t.cs_a == 1) {
                $(
                    ($v, true) => $crate::gemm::kernel::dispatch_tile!(@rows $Token, s, t, out, $v, true, $rows),
                    ($v, false) => $crate::gemm::kernel::dispatch_tile!(@rows $Token, s, t, out, $v, false, $rows),
                )*
                (nv, _) => panic!("gemm: tile with {nv} vectors"),
            }
        }
        // SAFETY: the token `$s` exists only on CPUs with the tier's features, which are
        // the features `tiles` is compiled for.
        unsafe { tiles($s, $t, $out) }
    }};
    (@rows $Token:ty, $s:expr, $t:expr, $out:expr, $v:literal, $a_rows:literal, [$($r:literal),*]) => {
        match $t.rows {
            $( $r => $crate::gemm::kernel::tile_and_write::<$Token, $r, $v, $a_rows>($s, $t, $out), )*
            rows => panic!("gemm: tile with {rows} rows"),
        }
    };
}
pub(crate) use dispatch_tile;
