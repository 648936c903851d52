//! A kernel table that counts the floating-point operations of its GEMMs.
//!
//! The roofline of a training step needs its FLOPs, and counting them beats estimating them
//! by hand: every model does its matrix products through [`Kernels::sgemm`], so a table whose
//! `sgemm` adds `2·m·n·k` (one multiply and one add per term of every dot product) to a
//! counter and then calls the active tier's `sgemm` sees exactly the products a forward and
//! backward pass perform, with their real shapes. Every other entry is the active table's.
//!
//! The counter is process-wide (a static `AtomicU64`): read it before and after the work to
//! count, on a thread that nothing else shares it with. The scaling by `alpha` and `beta` and
//! the fused epilogue (bias, activation) are not counted: they are O(m·n), not O(m·n·k).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use crate::gemm::{Epilogue, GemmSpec};
use crate::table::{active, Kernels};

/// GEMM flops counted since the process started.
static GEMM_FLOPS: AtomicU64 = AtomicU64::new(0);

/// The active table with a counting `sgemm` (see the module docs).
pub fn counting() -> &'static Kernels {
    static TABLE: OnceLock<Kernels> = OnceLock::new();
    TABLE.get_or_init(|| Kernels {
        sgemm: counting_sgemm,
        ..*active()
    })
}

/// GEMM flops counted by [`counting`]'s `sgemm` so far (take differences).
pub fn gemm_flops() -> u64 {
    GEMM_FLOPS.load(Ordering::Relaxed)
}

fn counting_sgemm(spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], epilogue: Epilogue<'_>) {
    let flops = 2 * (spec.m as u64) * (spec.n as u64) * (spec.k as u64);
    GEMM_FLOPS.fetch_add(flops, Ordering::Relaxed);
    (active().sgemm)(spec, a, b, c, epilogue)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gemm::Transpose;

    #[test]
    fn counts_two_m_n_k_and_computes_what_the_active_table_computes() {
        let (m, n, k) = (3, 5, 7);
        let a: Vec<f32> = (0..m * k).map(|i| i as f32 * 0.25 - 1.0).collect();
        let b: Vec<f32> = (0..k * n).map(|i| 0.5 - i as f32 * 0.125).collect();
        let spec = GemmSpec {
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
        };
        let (mut counted, mut plain) = (vec![0.0f32; m * n], vec![0.0f32; m * n]);
        let before = gemm_flops();
        (counting().sgemm)(&spec, &a, &b, &mut counted, Epilogue::NONE);
        // Other tests of this crate never use the counting table, so nothing else adds.
        assert_eq!(gemm_flops() - before, 2 * 3 * 5 * 7);
        (active().sgemm)(&spec, &a, &b, &mut plain, Epilogue::NONE);
        assert_eq!(counted, plain);
        assert_eq!(counting().isa, active().isa);
    }
}
