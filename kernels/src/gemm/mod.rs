//! Single-precision GEMM: blocking, packing and the small/medium/large paths, generic over the
//! tier's micro-kernel (which lives in the tier's file in `x86/` or `arm/`).
//!
//! The structure follows BLIS. Only the register tile is tier-specific, and even that is one
//! generic loop ([`kernel::tile_and_write`]) instantiated with each tier's tile shape: a tier states its
//! shape (`MR` rows × `NV` vectors of C) and how to load a vector from a raw pointer, in its
//! [`MicroKernel`] impl. Everything else — choosing the orientation, blocking for the caches,
//! packing, edge tiles, the fused epilogue — is written once, here:
//!
//! - `mod.rs`: the public types, argument checks, and the entry point [`sgemm`].
//! - `blocking.rs`: the loop nest (NC → KC → MC → MR → NR) and the small/pack-B/pack-both policy.
//! - `pack.rs`: copying blocks of A and B into the panel layouts the micro-kernel streams.
//! - `kernel.rs`: the register tile (the only `unsafe` loop) and its dispatch over edge shapes.
//! - `epilogue.rs`: writing a tile to C (alpha, beta, bias, activation) and the `k == 0` path.

mod blocking;
mod epilogue;
pub mod kernel;
mod pack;

pub use blocking::SMALL_M;
pub use epilogue::CTile;
pub use kernel::{MicroKernel, Tile};

use crate::activation::Activation;

/// Whether an operand is used as stored or transposed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transpose {
    No,
    Yes,
}

/// The shape and scalars of C = alpha·op(A)·op(B) + beta·C, all matrices row-major.
///
/// op(A) is (m, k): A is stored (m, k) with row stride `lda` when `trans_a` is `No`, and
/// (k, m) when it is `Yes`; likewise op(B) is (k, n). C is (m, n) with row stride `ldc`.
/// When `beta` is 0, C is not read (NaN in C does not propagate), as in BLAS.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GemmSpec {
    pub m: usize,
    pub n: usize,
    pub k: usize,
    pub trans_a: Transpose,
    pub trans_b: Transpose,
    pub alpha: f32,
    pub beta: f32,
    pub lda: usize,
    pub ldb: usize,
    pub ldc: usize,
}

/// What to apply to each element of C after the product: add `bias[j]` to column j, then the
/// activation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Epilogue<'a> {
    /// (n), added to every row of C.
    pub bias: Option<&'a [f32]>,
    pub activation: Activation,
}

impl Epilogue<'_> {
    /// No bias, identity activation: plain GEMM.
    pub const NONE: Epilogue<'static> = Epilogue {
        bias: None,
        activation: Activation::Identity,
    };
}

/// The minimal slice length holding a row-major (rows, cols) matrix with row stride `ld`,
/// or an error when `ld < cols` or the length overflows.
fn stored_len(name: &str, rows: usize, cols: usize, ld: usize) -> Result<usize, String> {
    if ld < cols {
        return Err(format!(
            "sgemm: {name} is stored ({rows}, {cols}) but its row stride is {ld} < {cols}"
        ));
    }
    if rows == 0 || cols == 0 {
        return Ok(0);
    }
    (rows - 1)
        .checked_mul(ld)
        .and_then(|x| x.checked_add(cols))
        .ok_or_else(|| format!("sgemm: {name} ({rows}, {cols}) with stride {ld} overflows usize"))
}

impl GemmSpec {
    /// Plain C = A·B for contiguous (m, k), (k, n) and (m, n) matrices.
    pub fn new(m: usize, n: usize, k: usize) -> GemmSpec {
        GemmSpec {
            m,
            n,
            k,
            trans_a: Transpose::No,
            trans_b: Transpose::No,
            alpha: 1.0,
            beta: 0.0,
            lda: k,
            ldb: n,
            ldc: n,
        }
    }

    /// (rows, cols) of A as stored.
    pub fn a_stored(&self) -> (usize, usize) {
        match self.trans_a {
            Transpose::No => (self.m, self.k),
            Transpose::Yes => (self.k, self.m),
        }
    }

    /// (rows, cols) of B as stored.
    pub fn b_stored(&self) -> (usize, usize) {
        match self.trans_b {
            Transpose::No => (self.k, self.n),
            Transpose::Yes => (self.n, self.k),
        }
    }

    /// Checks the strides and the slice lengths a call with this spec needs, without
    /// panicking: `Err` holds the message [`sgemm`] would panic with. Slices may be longer
    /// than needed; `bias_len` is `None` when there is no bias.
    pub fn check(
        &self,
        a_len: usize,
        b_len: usize,
        c_len: usize,
        bias_len: Option<usize>,
    ) -> Result<(), String> {
        let (ar, ac) = self.a_stored();
        let (br, bc) = self.b_stored();
        let need_a = stored_len("A", ar, ac, self.lda)?;
        let need_b = stored_len("B", br, bc, self.ldb)?;
        let need_c = stored_len("C", self.m, self.n, self.ldc)?;
        for (name, have, need) in [
            ("A", a_len, need_a),
            ("B", b_len, need_b),
            ("C", c_len, need_c),
        ] {
            if have < need {
                return Err(format!(
                    "sgemm: {name} has {have} elements but {self:?} needs at least {need}"
                ));
            }
        }
        if let Some(len) = bias_len {
            if len != self.n {
                return Err(format!(
                    "sgemm: bias has {len} elements but must have n = {}",
                    self.n
                ));
            }
        }
        Ok(())
    }

    /// Panics with [`GemmSpec::check`]'s message if the arguments do not fit.
    pub(crate) fn assert_fits(&self, a: &[f32], b: &[f32], c: &[f32], epilogue: &Epilogue<'_>) {
        if let Err(msg) = self.check(a.len(), b.len(), c.len(), epilogue.bias.map(<[f32]>::len)) {
            panic!("{msg}");
        }
    }
}

/// Reserves the calling thread's GEMM packing buffers at their largest size (address space
/// only: pages are touched when a call packs into them), so that no later GEMM on this thread
/// allocates. Worker threads call it once at start, which keeps data-parallel training steps
/// allocation-free whichever worker runs which shard.
pub fn reserve_thread_buffers() {
    blocking::reserve_pack_buffers();
}

/// C = epilogue(alpha·op(A)·op(B) + beta·C) on tier `S` (see [`GemmSpec`] and [`Epilogue`]).
/// Panics if the strides or slice lengths do not fit the spec.
#[inline(always)]
pub fn sgemm<S: MicroKernel>(
    s: S,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    epilogue: Epilogue<'_>,
) {
    spec.assert_fits(a, b, c, &epilogue);
    blocking::run(s, spec, a, b, c, epilogue);
}
