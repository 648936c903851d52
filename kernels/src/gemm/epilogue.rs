//! Writing results to C: C = act(alpha·acc + beta·C + bias), fused into the store of each
//! register tile so the epilogue costs no extra pass over memory.
//!
//! When k is split into several blocks, the first block applies beta (and does not read C
//! when beta is 0), later blocks add to C, and only the last applies bias and activation.

use crate::activation::Activation;
use crate::gemm::Epilogue;
use crate::ops::activation::forward_inplace;
use crate::simd::Simd;

/// The bias in the coordinates of the problem being computed: per column of C, or per row
/// when the driver computes Cᵀ = op(B)ᵀ·op(A)ᵀ instead.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Bias<'a> {
    None,
    /// (n): added to column j.
    PerCol(&'a [f32]),
    /// (m): added to row i.
    PerRow(&'a [f32]),
}

/// Where and how a register tile lands in C: element (i, j) of C is
/// `c[i·rs + j·cs]`; the tile covers rows i0.. and columns j0..j0 + cols.
#[derive(Debug)]
pub struct CTile<'a> {
    pub(crate) c: &'a mut [f32],
    pub(crate) rs: usize,
    pub(crate) cs: usize,
    pub(crate) i0: usize,
    pub(crate) j0: usize,
    pub(crate) cols: usize,
    pub(crate) alpha: f32,
    /// The factor of the old C, used only when `read_c`.
    pub(crate) beta: f32,
    pub(crate) read_c: bool,
    pub(crate) bias: Bias<'a>,
    pub(crate) act: Activation,
    /// Apply `act` to each tile row after writing it (rows must be contiguous: cs == 1).
    pub(crate) act_in_tile: bool,
}

/// Writes the first `rows` (= R) rows and `out.cols` columns of the tile `acc` to C.
#[inline(always)]
pub(crate) fn write_tile<S: Simd, const R: usize, const V: usize>(
    s: S,
    acc: &[[S::V; V]; R],
    rows: usize,
    out: &mut CTile<'_>,
) {
    debug_assert_eq!(rows, R);
    let lanes = S::LANES;
    let width = V * lanes;
    if out.cs == 1 {
        // Contiguous rows: vector loads and stores, partial (masked on AVX-512) at the edge.
        let (alpha, beta) = (s.splat(out.alpha), s.splat(out.beta));
        let cols = out.cols;
        for (i, acc_row) in acc.iter().enumerate() {
            let start = (out.i0 + i) * out.rs + out.j0;
            let row = &mut out.c[start..start + cols];
            let row_bias = match out.bias {
                Bias::PerRow(b) => s.splat(b[out.i0 + i]),
                _ => s.zero(),
            };
            for (v, &x) in acc_row.iter().enumerate() {
                let lo = v * lanes;
                if lo >= cols {
                    break;
                }
                let hi = cols.min(lo + lanes);
                let full = hi - lo == lanes;
                let dst = &mut row[lo..hi];
                let mut y = if out.alpha == 1.0 { x } else { s.mul(alpha, x) };
                if out.read_c {
                    let old = if full {
                        s.load(dst)
                    } else {
                        s.load_partial(dst, 0.0)
                    };
                    y = s.mul_add(beta, old, y);
                }
                match out.bias {
                    Bias::None => {}
                    Bias::PerCol(b) => {
                        let b = &b[out.j0 + lo..out.j0 + hi];
                        y = s.add(
                            y,
                            if full {
                                s.load(b)
                            } else {
                                s.load_partial(b, 0.0)
                            },
                        );
                    }
                    Bias::PerRow(_) => y = s.add(y, row_bias),
                }
                if full {
                    s.store(dst, y);
                } else {
                    s.store_partial(dst, y);
                }
            }
            if out.act_in_tile {
                forward_inplace(s, out.act, row);
            }
        }
    } else {
        // Strided C (the transposed orientation): spill each row to the stack, then write
        // element by element.
        assert!(width <= 64, "gemm: tile wider than 64 columns");
        let mut buf = [0.0f32; 64];
        for (i, acc_row) in acc.iter().enumerate() {
            for (v, &x) in acc_row.iter().enumerate() {
                s.store(&mut buf[v * lanes..], x);
            }
            let row_start = (out.i0 + i) * out.rs + out.j0 * out.cs;
            for (j, &x) in buf[..out.cols].iter().enumerate() {
                let dst = &mut out.c[row_start + j * out.cs];
                let mut y = out.alpha * x;
                if out.read_c {
                    y += out.beta * *dst;
                }
                match out.bias {
                    Bias::None => {}
                    Bias::PerCol(b) => y += b[out.j0 + j],
                    Bias::PerRow(b) => y += b[out.i0 + i],
                }
                *dst = y;
            }
            if out.act_in_tile {
                forward_inplace(s, out.act, &mut out.c[row_start..row_start + out.cols]);
            }
        }
    }
}

/// Applies `act` to each row of the (m, n) matrix C with row stride ldc.
#[inline(always)]
pub(crate) fn activate_rows<S: Simd>(
    s: S,
    act: Activation,
    c: &mut [f32],
    m: usize,
    n: usize,
    ldc: usize,
) {
    if act == Activation::Identity {
        return;
    }
    for i in 0..m {
        forward_inplace(s, act, &mut c[i * ldc..i * ldc + n]);
    }
}

/// C = act(beta·C + bias) for the (m, n) matrix C with row stride ldc, in the cases without a product (k == 0 or alpha == 0); C is not
/// read when beta is 0.
#[inline(always)]
pub(crate) fn scale_only<S: Simd>(
    s: S,
    (m, n, ldc): (usize, usize, usize),
    beta: f32,
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    for i in 0..m {
        let row = &mut c[i * ldc..i * ldc + n];
        for (j, x) in row.iter_mut().enumerate() {
            let y = if beta == 0.0 { 0.0 } else { beta * *x };
            *x = match ep.bias {
                Some(b) => y + b[j],
                None => y,
            };
        }
    }
    activate_rows(s, ep.activation, c, m, n, ldc);
}
