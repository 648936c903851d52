//! The loop nest around the register tile, and the choice of path.
//!
//! Loops, outermost first (BLIS's names):
//!
//! ```text
//! for jc in 0..n step NC          B block (KC × NC) from L3
//!   for pc in 0..k step KC        (pack the B block, unless B is read in place)
//!     for ic in 0..m step MC      (pack the A block when A is large or badly strided)
//!       large/medium (B packed):  for jr step NR { for ir step MR { tile } }
//!           one B micro-panel (KC × NR = 32 KiB on AVX-512) stays in L1 while the A
//!           micro-panels (MR × KC, 8 KiB) stream from the A block in L2: 32 B per k step
//!       small (B in place):       for ir step MR { for jr step NR { tile } }
//!           one A micro-panel stays in L1 while B's rows stream by
//! ```
//!
//! Each tile runs KC steps of the register tile and writes C once through the epilogue
//! (beta on the first k block, bias and activation on the last).
//!
//! Paths: small products (m ≤ 64 in the computed orientation) read A and B in place — even
//! B's ragged last panel, whose whole vectors may run into the next row of B (lanes never
//! written back) except on B's last rows, which alone get packed — because they cannot
//! amortise a packing pass. B is packed once m is large enough to reuse it many times, or
//! when it is transposed; A is packed when it is large (m > 512) or its rows are a multiple
//! of 4 KiB apart, and reused across more than two column panels. The problem is computed
//! transposed (Cᵀ = op(B)ᵀ·op(A)ᵀ) when that wastes clearly fewer tile lanes without adding
//! a packing pass, e.g. a few rows of C with many columns on a tall tile.

use std::cell::Cell;

use crate::activation::Activation;
use crate::gemm::epilogue::{self, Bias, CTile};
use crate::gemm::kernel::{MicroKernel, Tile};
use crate::gemm::pack::{self, View};
use crate::gemm::{Epilogue, GemmSpec, Transpose};

/// Steps of k per block: a B micro-panel (KC × NR) is 32 KiB on AVX-512 and 16 KiB on AVX2
/// (L1d: 48 KiB on the Xeon this was tuned on; 128 and 192 measured slower there).
const KC: usize = 256;
/// Up to this many steps of k, a packed product runs k in one block.
const ONE_BLOCK_K: usize = 512;
/// Steps of k per block on the small path, where nothing is packed: longer blocks write C
/// fewer times.
const KC_SMALL: usize = 1024;
/// Columns per B block (rounded down to a multiple of NR). The B micro-panel, not the block,
/// is what stays in cache, so this only bounds the packing buffer (KC × NC × 4 B = 4 MiB).
const NC_TARGET: usize = 4096;
/// Rows per A block (rounded down to a multiple of MR): MC × KC × 4 B = 256 KiB in L2.
const MC_TARGET: usize = 256;
/// Above this many rows, A is packed (when reused).
const BIG_M: usize = 512;
/// Up to this many rows (in the computed orientation) B is used in place: it is reused by
/// only a few row panels, so packing it would not pay for itself. Public because a caller
/// that splits C into row blocks (the root crate's parallel sgemm) keeps every block above it,
/// so each block takes the same path, and gives the same bits, as the whole product.
pub const SMALL_M: usize = 64;
/// Up to this many rows of A, a product with a transposed B runs as dot products of rows
/// ([`dot_rows`]): A's rows stay in L1 while each row of B is read once.
const DOT_M: usize = 4;

thread_local! {
    /// Packing buffers, reused across calls so a steady stream of GEMMs does not allocate.
    static PACK_A: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
    static PACK_B: Cell<Vec<f32>> = const { Cell::new(Vec::new()) };
}

/// The most floats any call packs into `PACK_B` (k blocks of at most ONE_BLOCK_K when
/// packing, NC_TARGET columns plus the widest tile's padding) and into `PACK_A`.
const PACK_B_MAX: usize = ONE_BLOCK_K * (NC_TARGET + 64);
const PACK_A_MAX: usize = ONE_BLOCK_K * (MC_TARGET + 16);

/// Gives this thread's packing buffers the capacity of the largest call, so no later GEMM on
/// it allocates. Capacity is address space until a call writes into it: an untouched
/// reservation costs no memory.
pub(crate) fn reserve_pack_buffers() {
    for (cell, max) in [(&PACK_B, PACK_B_MAX), (&PACK_A, PACK_A_MAX)] {
        cell.with(|c| {
            let mut v = c.take();
            v.reserve_exact(max.saturating_sub(v.len()));
            c.set(v);
        });
    }
}

/// The product in the orientation it is computed in: C(i, j) = c[i·rs_c + j·cs_c].
struct Problem<'a> {
    m: usize,
    n: usize,
    k: usize,
    a: View<'a>,
    b: View<'a>,
    rs_c: usize,
    cs_c: usize,
    bias: Bias<'a>,
}

/// ⌈x / t⌉·t
fn pad(x: usize, t: usize) -> usize {
    x.div_ceil(t) * t
}

/// The whole GEMM; arguments were checked by the caller.
#[inline(always)]
pub(crate) fn run<S: MicroKernel>(
    s: S,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    let GemmSpec { m, n, k, .. } = *spec;
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || spec.alpha == 0.0 {
        epilogue::scale_only(s, (m, n, spec.ldc), spec.beta, c, ep);
        return;
    }
    let op_a = match spec.trans_a {
        Transpose::No => View {
            data: a,
            rs: spec.lda,
            cs: 1,
        },
        Transpose::Yes => View {
            data: a,
            rs: 1,
            cs: spec.lda,
        },
    };
    let op_b = match spec.trans_b {
        Transpose::No => View {
            data: b,
            rs: spec.ldb,
            cs: 1,
        },
        Transpose::Yes => View {
            data: b,
            rs: 1,
            cs: spec.ldb,
        },
    };
    // A few rows of A against a transposed B (a Linear layer's weight as stored, one output
    // per contiguous row): every output is a dot product of two contiguous rows, and B
    // streams through once instead of being packed first (which tripled its memory traffic:
    // a single-window MLP forward, 1024 × 1024 weights, took 670 µs).
    if m <= DOT_M && op_a.cs == 1 && op_b.rs == 1 && op_b.cs != 1 {
        dot_rows(s, spec, a, b, c, ep);
        return;
    }
    // Vector lanes of tile work in each orientation: edge columns fill a whole vector. Only
    // transpose for a clear gain: the transposed orientation writes C element by element.
    // Nor when that would mean packing B (rows of B' = op(A)ᵀ are not contiguous) for a
    // product too small to amortise it while the other orientation needs no packing.
    let lanes = |rows: usize, cols: usize| pad(rows, S::MR) * pad(cols, S::LANES);
    let packs_only_transposed = op_a.rs != 1 && op_b.cs == 1 && n <= SMALL_M;
    let transpose = 4 * lanes(n, m) < 3 * lanes(m, n) && !packs_only_transposed;
    let problem = if transpose {
        Problem {
            m: n,
            n: m,
            k,
            a: op_b.t(),
            b: op_a.t(),
            rs_c: 1,
            cs_c: spec.ldc,
            bias: ep.bias.map_or(Bias::None, Bias::PerRow),
        }
    } else {
        Problem {
            m,
            n,
            k,
            a: op_a,
            b: op_b,
            rs_c: spec.ldc,
            cs_c: 1,
            bias: ep.bias.map_or(Bias::None, Bias::PerCol),
        }
    };
    // Rows of C are contiguous in the computed orientation only when cs_c is 1; otherwise
    // the activation runs as a last pass over C's rows.
    let act_in_tile = problem.cs_c == 1;
    blocked(
        s,
        &problem,
        spec.alpha,
        spec.beta,
        ep.activation,
        act_in_tile,
        c,
    );
    if !act_in_tile {
        epilogue::activate_rows(s, ep.activation, c, m, n, spec.ldc);
    }
}

/// C = epilogue(alpha·A·Bᵀ + beta·C) for m ≤ [`DOT_M`] rows of A (contiguous rows, stride lda)
/// and B stored (n, k) with row stride ldb: C(i, j) = dot(A row i, B row j). Loops over B's
/// rows outside, so each is read from memory once for all rows of A.
#[inline(always)]
fn dot_rows<S: MicroKernel>(
    s: S,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    let GemmSpec {
        m,
        n,
        k,
        lda,
        ldb,
        ldc,
        alpha,
        beta,
        ..
    } = *spec;
    for j in 0..n {
        let b_row = &b[j * ldb..j * ldb + k];
        let bias = ep.bias.map_or(0.0, |bias| bias[j]);
        for i in 0..m {
            let product = alpha * crate::ops::level1::dot(s, &a[i * lda..i * lda + k], b_row);
            let out = &mut c[i * ldc + j];
            // beta = 0 ignores C's old contents (NaN included), as BLAS does.
            let old = if beta == 0.0 { 0.0 } else { beta * *out };
            *out = product + old + bias;
        }
    }
    epilogue::activate_rows(s, ep.activation, c, m, n, ldc);
}

/// The loop nest of the module comment, for m, n, k ≥ 1.
#[inline(always)]
fn blocked<S: MicroKernel>(
    s: S,
    p: &Problem<'_>,
    alpha: f32,
    beta: f32,
    act: Activation,
    act_in_tile: bool,
    c: &mut [f32],
) {
    let (mr, nr) = (S::MR, S::NR);
    let nc_max = (NC_TARGET / nr).max(1) * nr;
    let mc_max = (MC_TARGET / mr).max(1) * mr;
    let pack_b = p.b.cs != 1 || p.m > SMALL_M;
    // A in place is as fast as packed (the tile reads MR row streams) until A outgrows L2
    // or its rows sit a multiple of 4 KiB apart (all in one L1 set); packing then pays once
    // A is reused by more than two column panels. The tile also needs one of A's strides to
    // be 1 (always true of op(A) and op(B)ᵀ as given, but cheap to guarantee).
    let a_stride = p.a.rs.max(p.a.cs);
    let a_awkward = p.m > BIG_M || (a_stride >= 1024 && a_stride.is_multiple_of(1024));
    let pack_a = (a_awkward && p.n > 2 * nr) || (p.a.rs != 1 && p.a.cs != 1);
    // Nothing packed to keep in cache: fewer, longer k blocks write C fewer times.
    // A product whose k fits one block of ONE_BLOCK_K writes C once instead of reading it back
    // (512³: 85% of peak with one block of 512, 83% with two of 256; at 1024³ two blocks of
    // 512, whose B micro-panel outgrows L1, measured slower than four of 256).
    let kc_max = if !(pack_a || pack_b) {
        KC_SMALL
    } else if p.k <= ONE_BLOCK_K {
        p.k
    } else {
        KC
    }
    .min(p.k);
    // Which micro-panel stays in L1 (see the module comment).
    let b_outer = pack_b;

    let b_len = kc_max * if pack_b { pad(nc_max.min(p.n), nr) } else { nr };
    let a_len = if pack_a {
        kc_max * pad(mc_max.min(p.m), mr)
    } else {
        0
    };
    let mut b_buf = PACK_B.take();
    let mut a_buf = PACK_A.take();
    if b_buf.len() < b_len {
        b_buf.resize(b_len, 0.0);
    }
    if a_buf.len() < a_len {
        a_buf.resize(a_len, 0.0);
    }

    for jc in (0..p.n).step_by(nc_max) {
        let nc = nc_max.min(p.n - jc);
        // Full column panels read in place from B (the rest from b_buf).
        let in_place = if pack_b { 0 } else { nc / nr };
        // The ragged last panel can be read in place too, for the rows of B where its whole
        // vectors (reaching past the panel into the next row, lanes that are never written to
        // C) stay inside the slice: rows 0..k_split. Blocks of k split there.
        let k_split = if pack_b || in_place * nr == nc {
            p.k
        } else {
            let end = jc + in_place * nr + pack::panel_stride(nc - in_place * nr, S::LANES);
            p.b.data
                .len()
                .checked_sub(end)
                .map_or(0, |room| room / p.b.rs.max(1) + 1)
                .min(p.k)
        };
        let blocks = (0..k_split)
            .step_by(kc_max)
            .map(|pc| (pc, kc_max.min(k_split - pc)))
            .chain(
                (k_split..p.k)
                    .step_by(kc_max)
                    .map(|pc| (pc, kc_max.min(p.k - pc))),
            );
        for (pc, kc) in blocks {
            let edge_in_place = !pack_b && pc + kc <= k_split;
            if in_place * nr < nc && !edge_in_place {
                let j0 = in_place * nr;
                pack::pack_b(s, p.b, pc..pc + kc, jc + j0..jc + nc, nr, &mut b_buf);
            }
            let last = pc + kc == p.k;
            let mut out = CTile {
                c: &mut *c,
                rs: p.rs_c,
                cs: p.cs_c,
                i0: 0,
                j0: 0,
                cols: 0,
                alpha,
                beta: if pc == 0 { beta } else { 1.0 },
                read_c: pc > 0 || beta != 0.0,
                bias: if last { p.bias } else { Bias::None },
                act,
                act_in_tile: last && act_in_tile && act != Activation::Identity,
            };
            for ic in (0..p.m).step_by(mc_max) {
                let mc = mc_max.min(p.m - ic);
                if pack_a {
                    pack::pack_a(p.a, ic..ic + mc, pc..pc + kc, mr, &mut a_buf);
                }
                let a_buf = &a_buf[..];
                let b_buf = &b_buf[..];
                // The operands of the tile at rows ic + ir, columns jc + jr.
                let tile = |ir: usize, jr: usize| {
                    let (a, a_off, rs_a, cs_a) = if pack_a {
                        (a_buf, ir * kc, 1, mr)
                    } else {
                        (p.a.data, (ic + ir) * p.a.rs + pc * p.a.cs, p.a.rs, p.a.cs)
                    };
                    let cols = nr.min(nc - jr);
                    let q = jr / nr;
                    let (b, b_off, rs_b) = if q < in_place || edge_in_place {
                        (p.b.data, pc * p.b.rs + jc + jr, p.b.rs)
                    } else {
                        (
                            b_buf,
                            (q - in_place) * nr * kc,
                            pack::panel_stride(cols, S::LANES),
                        )
                    };
                    let t = Tile {
                        kc,
                        rows: mr.min(mc - ir),
                        nv: cols.div_ceil(S::LANES),
                        a,
                        a_off,
                        rs_a,
                        cs_a,
                        b,
                        b_off,
                        rs_b,
                    };
                    (t, cols)
                };
                let mut run = |ir: usize, jr: usize| {
                    let (t, cols) = tile(ir, jr);
                    out.i0 = ic + ir;
                    out.j0 = jc + jr;
                    out.cols = cols;
                    s.run_tile(&t, &mut out);
                };
                if b_outer {
                    for jr in (0..nc).step_by(nr) {
                        for ir in (0..mc).step_by(mr) {
                            run(ir, jr);
                        }
                    }
                } else {
                    for ir in (0..mc).step_by(mr) {
                        for jr in (0..nc).step_by(nr) {
                            run(ir, jr);
                        }
                    }
                }
            }
        }
    }
    PACK_A.set(a_buf);
    PACK_B.set(b_buf);
}
