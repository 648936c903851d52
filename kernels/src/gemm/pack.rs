//! Packing: copying a block of A or B into the panel layout the register tile streams, so
//! that the k loop reads memory sequentially whatever the operands' strides and transposes.
//!
//! Layouts (for a block of kc steps of k):
//! - A, rows in panels of MR: element (i, p) of panel r at `r·MR·kc + p·MR + i`,
//!   i.e. the tile reads it with rs_a = 1, cs_a = MR.
//! - B, columns in panels of NR: element (p, j) of panel q at `q·NR·kc + p·NR + j`,
//!   i.e. rs_b = NR; the ragged last panel, w < NR columns wide, has row stride ⌈w/LANES⌉·LANES.
//!
//! Edge panels keep the full MR/NR stride; the slots past the last row/column are left as
//! they were or are zero (initialised, never written to C: each lane of the tile is independent and the
//! writer drops lanes beyond the edge).

use std::ops::Range;

use crate::gemm::MicroKernel;

/// The row stride of a packed B panel `cols` wide: NR for full panels, whole vectors for the
/// ragged last one (so a narrow problem streams no padding).
#[inline(always)]
pub(crate) fn panel_stride(cols: usize, lanes: usize) -> usize {
    cols.div_ceil(lanes) * lanes
}

/// A strided view of a matrix: element (i, j) is `data[i·rs + j·cs]`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct View<'a> {
    pub data: &'a [f32],
    pub rs: usize,
    pub cs: usize,
}

impl<'a> View<'a> {
    /// The transpose: element (i, j) of the result is (j, i) of `self`.
    pub fn t(self) -> View<'a> {
        View {
            data: self.data,
            rs: self.cs,
            cs: self.rs,
        }
    }
}

/// Packs rows i0..i0+mc, columns p0..p0+kc of `a` into `dst` (at least ⌈mc/mr⌉·mr·kc long).
pub(crate) fn pack_a(
    a: View<'_>,
    rows: Range<usize>,
    steps: Range<usize>,
    mr: usize,
    dst: &mut [f32],
) {
    let (i0, mc) = (rows.start, rows.len());
    let (p0, kc) = (steps.start, steps.len());
    let panels = &mut dst[..mc.div_ceil(mr) * mr * kc];
    if a.cs == 1 {
        // A in place, rows contiguous: per panel, walk the steps and gather the panel's rows,
        // so the writes are sequential (a full panel's steps are whole mr-wide stores).
        for (r, panel) in panels.chunks_exact_mut(mr * kc).enumerate() {
            let rows = mr.min(mc - r * mr);
            if rows == 8 {
                // The AVX-512/NEON tile height: fixed-size rows let LLVM keep 8 row pointers.
                let src: [&[f32]; 8] =
                    std::array::from_fn(|ii| &a.data[(i0 + r * 8 + ii) * a.rs + p0..][..kc]);
                for (p, d) in panel.chunks_exact_mut(8).enumerate() {
                    let d: &mut [f32; 8] = d.try_into().unwrap();
                    *d = std::array::from_fn(|ii| src[ii][p]);
                }
            } else {
                for ii in 0..rows {
                    let src = &a.data[(i0 + r * mr + ii) * a.rs + p0..][..kc];
                    for (d, &x) in panel.chunks_exact_mut(mr).zip(src) {
                        d[ii] = x;
                    }
                }
            }
        }
    } else if a.rs == 1 {
        // Transposed A: each step's mr values are contiguous already.
        for (r, panel) in panels.chunks_exact_mut(mr * kc).enumerate() {
            let rows = mr.min(mc - r * mr);
            for (p, d) in panel.chunks_exact_mut(mr).enumerate() {
                let start = (p0 + p) * a.cs + i0 + r * mr;
                d[..rows].copy_from_slice(&a.data[start..start + rows]);
            }
        }
    } else {
        for i in 0..mc {
            for p in 0..kc {
                panels[(i / mr) * mr * kc + p * mr + i % mr] =
                    a.data[(i0 + i) * a.rs + (p0 + p) * a.cs];
            }
        }
    }
}

/// Packs rows p0..p0+kc, columns j0..j0+nc of `b` into `dst` (at least ⌈nc/nr⌉·nr·kc long).
/// Inlined into the tier's entry point so that the vector copies get its target features.
#[inline(always)]
pub(crate) fn pack_b<S: MicroKernel>(
    s: S,
    b: View<'_>,
    steps: Range<usize>,
    cols: Range<usize>,
    nr: usize,
    dst: &mut [f32],
) {
    let (p0, kc) = (steps.start, steps.len());
    let (j0, nc) = (cols.start, cols.len());
    let panels = &mut dst[..nc.div_ceil(nr) * nr * kc];
    if b.cs == 1 {
        // B in place, rows contiguous: each step of a panel is one contiguous copy, by vectors
        // (a ragged last panel with a partial, masked where the tier can, last vector).
        // Panel by panel, so the writes are one sequential stream (step by step across all
        // panels, the NC/NR write streams sat NR·KC·4 bytes apart, all in one L1 set).
        let lanes = S::LANES;
        for (q, panel) in panels.chunks_mut(nr * kc).enumerate() {
            let (c0, w) = (q * nr, nr.min(nc - q * nr));
            for p in 0..kc {
                let src = &b.data[(p0 + p) * b.rs + j0 + c0..][..w];
                if w == nr {
                    panel[p * nr..(p + 1) * nr].copy_from_slice(src);
                } else {
                    // The ragged last panel is only as wide as its vectors: its row stride is
                    // ⌈width / LANES⌉·LANES (see `panel_stride`).
                    let ws = panel_stride(w, lanes);
                    let panel_row = &mut panel[p * ws..(p + 1) * ws];
                    for (d, x) in panel_row.chunks_mut(lanes).zip(src.chunks(lanes)) {
                        s.store(d, s.load_partial(x, 0.0));
                    }
                }
            }
        }
    } else if b.rs == 1 {
        // Transposed B: the columns of op(B) are contiguous rows of the stored matrix. Blocks of
        // 4 columns × 4 steps go through the tier's in-register transpose; the ragged edges
        // (fewer than 4 columns or steps left) are copied step by step. (Column by column,
        // storing at the panel's row stride, compiled to scatter instructions: a 36 × 36 × 32
        // product with a transposed B ran at 26% of the AVX-512 peak on Zen 4, against 62% for
        // its untransposed neighbours.)
        for (q, panel) in panels.chunks_mut(nr * kc).enumerate() {
            let (c0, w) = (j0 + q * nr, nr.min(nc - q * nr));
            let ws = panel_stride(w, S::LANES);
            // op(B)[p0 + p, c0 + j], at step p of column j of the panel.
            let at = |p: usize, j: usize| (c0 + j) * b.cs + p0 + p;
            let (w4, kc4) = (w / 4 * 4, kc / 4 * 4);
            for j in (0..w4).step_by(4) {
                for p in (0..kc4).step_by(4) {
                    s.transpose4(&b.data[at(p, j)..], b.cs, &mut panel[p * ws + j..], ws);
                }
            }
            for p in 0..kc {
                let cols = if p < kc4 { w4..w } else { 0..w };
                for j in cols {
                    panel[p * ws + j] = b.data[at(p, j)];
                }
            }
        }
    } else {
        for p in 0..kc {
            for j in 0..nc {
                let q = j / nr;
                let w = panel_stride(nr.min(nc - q * nr), S::LANES);
                panels[q * nr * kc + p * w + j % nr] = b.data[(p0 + p) * b.rs + (j0 + j) * b.cs];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simd::Simd;
    use proptest::prelude::*;

    /// Packs a transposed B with tier `S` and compares every lane a tile reads (columns below
    /// the panel's width, padding excluded) with op(B) read element by element: packing only
    /// moves values, so they must be equal bit for bit.
    fn transposed_pack_matches<S: MicroKernel>(
        s: S,
        (n_stored, k_stored, ld): (usize, usize, usize),
        steps: Range<usize>,
        cols: Range<usize>,
    ) -> Result<(), TestCaseError> {
        // Stored (n_stored, k_stored) with row stride ld: op(B) = its transpose, (k, n).
        let data: Vec<f32> = (0..(n_stored - 1) * ld + k_stored)
            .map(|i| i as f32 + 0.5)
            .collect();
        let b = View {
            data: &data,
            rs: 1,
            cs: ld,
        };
        let (kc, nc, nr) = (steps.len(), cols.len(), S::NR);
        let mut dst = vec![f32::NAN; nc.div_ceil(nr) * nr * kc];
        pack_b(s, b, steps.clone(), cols.clone(), nr, &mut dst);
        for j in 0..nc {
            let (q, jj) = (j / nr, j % nr);
            let ws = panel_stride(nr.min(nc - q * nr), S::LANES);
            for p in 0..kc {
                let want = data[(cols.start + j) * ld + steps.start + p];
                let got = dst[q * nr * kc + p * ws + jj];
                prop_assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "{} step {} column {}",
                    S::ISA,
                    p,
                    j
                );
            }
        }
        Ok(())
    }

    /// Every tier this CPU has, on one case.
    fn on_every_tier(
        shape: (usize, usize, usize),
        steps: Range<usize>,
        cols: Range<usize>,
    ) -> Result<(), TestCaseError> {
        #[cfg(target_arch = "x86_64")]
        {
            use crate::x86::{Avx, Avx2, Avx512, Sse2};
            if let Some(s) = Sse2::try_new() {
                transposed_pack_matches(s, shape, steps.clone(), cols.clone())?;
            }
            if let Some(s) = Avx::try_new() {
                transposed_pack_matches(s, shape, steps.clone(), cols.clone())?;
            }
            if let Some(s) = Avx2::try_new() {
                transposed_pack_matches(s, shape, steps.clone(), cols.clone())?;
            }
            if let Some(s) = Avx512::try_new() {
                transposed_pack_matches(s, shape, steps.clone(), cols.clone())?;
            }
        }
        #[cfg(target_arch = "aarch64")]
        if let Some(s) = crate::arm::Neon::try_new() {
            transposed_pack_matches(s, shape, steps.clone(), cols.clone())?;
        }
        Ok(())
    }

    proptest! {
        /// Sub-blocks of a transposed B, from 1 × 1 to several panels wide and past the 4 × 4
        /// blocks in both directions, with padded row strides: whole 4 × 4 blocks, ragged
        /// columns and ragged steps all land where the tile reads them.
        #[test]
        fn transposed_b_packs_exactly_on_every_tier(
            (n_stored, k_stored) in (1usize..80, 1usize..40),
            pad in 0usize..6,
            (c0, c1, p0, p1) in (0usize..80, 0usize..80, 0usize..40, 0usize..40),
        ) {
            let (c0, c1, p0, p1) = (c0 % n_stored, c1 % n_stored, p0 % k_stored, p1 % k_stored);
            let (cols, steps) = (c0.min(c1)..c0.max(c1) + 1, p0.min(p1)..p0.max(p1) + 1);
            on_every_tier((n_stored, k_stored, k_stored + pad), steps, cols)?;
        }
    }
}
