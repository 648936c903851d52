//! Instantiates every generic kernel once per SIMD tier and builds the tiers' tables.
//!
//! For each tier, `simd_tier!` expands every kernel into a private safe function that calls a
//! `#[target_feature]` entry point, which in turn calls the generic kernel with the tier's
//! token. Because the generic code and the token's methods are `#[inline(always)]`, the whole
//! kernel is compiled with the tier's features: one source, one machine-code body per tier.
//!
//! The list of kernels lives here once, in `simd_tier!`; adding a kernel means adding a field
//! to `Kernels`, a line here, and a line in `SCALAR`.

use crate::activation::Activation;
use crate::gemm::{self, Epilogue, GemmSpec};
use crate::isa::Isa;
use crate::ops::{self, adam::AdamStep, gru_cell::GruCellSaved, lstm_cell::LstmCellSaved};
use crate::reference;
use crate::table::{Kernels, LayerNormBackward};

/// Expands one kernel: the safe wrapper stored in the table, around the unsafe entry point.
macro_rules! entry {
    ($features:literal, $Token:ty,
     fn $name:ident($($arg:ident: $ty:ty),*) $(-> $ret:ty)? => $generic:path) => {
        fn $name($($arg: $ty),*) $(-> $ret)? {
            #[target_feature(enable = $features)]
            unsafe fn entry($($arg: $ty),*) $(-> $ret)? {
                // SAFETY: `entry` is only called from the wrapper below, whose SAFETY
                // argument establishes that the CPU supports the tier.
                let token = unsafe { <$Token>::new_unchecked() };
                $generic(token, $($arg),*)
            }
            // SAFETY: this wrapper is private to its tier's module and only reachable through
            // that module's `TABLE`, which `table::for_isa` returns only after detection found
            // the tier's features on this CPU; so the target features of `entry` are present.
            unsafe { entry($($arg),*) }
        }
    };
}

/// Expands the table of one SIMD tier into a module holding `TABLE`.
macro_rules! simd_tier {
    ($module:ident, $Token:ty, $features:literal, $isa:expr) => {
        mod $module {
            use super::*;

            entry!($features, $Token, fn dot(a: &[f32], b: &[f32]) -> f32 => ops::level1::dot);
            entry!($features, $Token, fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) => ops::level1::axpy);
            entry!($features, $Token, fn scale(alpha: f32, x: &mut [f32]) => ops::level1::scale);
            entry!($features, $Token, fn add(a: &[f32], b: &[f32], out: &mut [f32]) => ops::level1::add);
            entry!($features, $Token, fn sub(a: &[f32], b: &[f32], out: &mut [f32]) => ops::level1::sub);
            entry!($features, $Token, fn mul(a: &[f32], b: &[f32], out: &mut [f32]) => ops::level1::mul);
            entry!($features, $Token, fn div(a: &[f32], b: &[f32], out: &mut [f32]) => ops::level1::div);
            entry!($features, $Token, fn add_assign(y: &mut [f32], x: &[f32]) => ops::level1::add_assign);
            entry!($features, $Token, fn sub_assign(y: &mut [f32], x: &[f32]) => ops::level1::sub_assign);
            entry!($features, $Token, fn mul_assign(y: &mut [f32], x: &[f32]) => ops::level1::mul_assign);
            entry!($features, $Token, fn div_assign(y: &mut [f32], x: &[f32]) => ops::level1::div_assign);
            entry!($features, $Token, fn sum(x: &[f32]) -> f32 => ops::level1::sum);
            entry!($features, $Token, fn sum_sq(x: &[f32]) -> f32 => ops::level1::sum_sq);
            entry!($features, $Token, fn max(x: &[f32]) -> f32 => ops::level1::max);
            entry!($features, $Token, fn argmax(x: &[f32]) -> Option<usize> => ops::level1::argmax);
            entry!($features, $Token, fn col_sum_acc(x: &[f32], cols: usize, out: &mut [f32]) => ops::colsum::col_sum_acc);

            entry!($features, $Token, fn act_forward(act: Activation, x: &[f32], y: &mut [f32]) => ops::activation::forward);
            entry!($features, $Token, fn act_forward_inplace(act: Activation, x: &mut [f32]) => ops::activation::forward_inplace);
            entry!($features, $Token, fn act_backward(act: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) => ops::activation::backward);
            entry!($features, $Token, fn prelu_forward(x: &[f32], slopes: &[f32], inner: usize, y: &mut [f32]) => ops::activation::prelu_forward);
            entry!($features, $Token, fn prelu_backward(x: &[f32], slopes: &[f32], inner: usize, dy: &[f32], dx: &mut [f32], dslopes: &mut [f32]) => ops::activation::prelu_backward);
            entry!($features, $Token, fn exp(x: &[f32], y: &mut [f32]) => ops::transcendental::exp);
            entry!($features, $Token, fn log(x: &[f32], y: &mut [f32]) => ops::transcendental::log);

            entry!($features, $Token, fn softmax_rows(x: &[f32], y: &mut [f32], cols: usize) => ops::softmax::rows);
            entry!($features, $Token, fn softmax_rows_backward(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize) => ops::softmax::rows_backward);
            entry!($features, $Token, fn layernorm_rows(x: &[f32], gamma: &[f32], beta: &[f32], eps: f32, y: &mut [f32], mean: &mut [f32], rstd: &mut [f32]) => ops::layernorm::rows);
            entry!($features, $Token, fn layernorm_rows_backward(inputs: &LayerNormBackward<'_>, dx: &mut [f32], dgamma: &mut [f32], dbeta: &mut [f32]) => ops::layernorm::rows_backward);

            entry!($features, $Token, fn lstm_cell_forward(gates: &mut [f32], c_prev: Option<&[f32]>, c: &mut [f32], tc: &mut [f32], h: &mut [f32]) => ops::lstm_cell::forward);
            entry!($features, $Token, fn lstm_cell_backward(saved: &LstmCellSaved<'_>, dy: &[f32], dh: &[f32], dc: &mut [f32], da: &mut [f32]) => ops::lstm_cell::backward);
            entry!($features, $Token, fn gru_cell_forward(gates: &mut [f32], q: &[f32], h_prev: Option<&[f32]>, qn: &mut [f32], h: &mut [f32]) => ops::gru_cell::forward);
            entry!($features, $Token, fn gru_cell_backward(saved: &GruCellSaved<'_>, dy: &[f32], dh: &mut [f32], dp: &mut [f32], dq: &mut [f32]) => ops::gru_cell::backward);

            entry!($features, $Token, fn sgemm(spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], epilogue: Epilogue<'_>) => gemm::sgemm);
            entry!($features, $Token, fn adam_step(step: &AdamStep, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]) => ops::adam::step);

            pub static TABLE: Kernels = Kernels {
                isa: $isa,
                dot, axpy, scale, add, sub, mul, div, add_assign, sub_assign, mul_assign,
                div_assign, sum, sum_sq, max, argmax, col_sum_acc,
                act_forward, act_forward_inplace, act_backward, prelu_forward, prelu_backward,
                exp, log,
                softmax_rows, softmax_rows_backward, layernorm_rows, layernorm_rows_backward,
                lstm_cell_forward, lstm_cell_backward, gru_cell_forward, gru_cell_backward,
                sgemm, adam_step,
            };
        }
    };
}

#[cfg(target_arch = "x86_64")]
simd_tier!(sse2, crate::x86::Sse2, "sse2", Isa::Sse2);
#[cfg(target_arch = "x86_64")]
simd_tier!(avx, crate::x86::Avx, "avx", Isa::Avx);
#[cfg(target_arch = "x86_64")]
simd_tier!(avx2, crate::x86::Avx2, "avx2,fma", Isa::Avx2);
#[cfg(target_arch = "x86_64")]
simd_tier!(avx512, crate::x86::Avx512, "avx512f,avx2,fma", Isa::Avx512);
#[cfg(target_arch = "aarch64")]
simd_tier!(neon, crate::arm::Neon, "neon", Isa::Neon);

/// The scalar tier: the reference kernels themselves.
pub static SCALAR: Kernels = Kernels {
    isa: Isa::Scalar,
    dot: reference::level1::dot,
    axpy: reference::level1::axpy,
    scale: reference::level1::scale,
    add: reference::level1::add,
    sub: reference::level1::sub,
    mul: reference::level1::mul,
    div: reference::level1::div,
    add_assign: reference::level1::add_assign,
    sub_assign: reference::level1::sub_assign,
    mul_assign: reference::level1::mul_assign,
    div_assign: reference::level1::div_assign,
    sum: reference::level1::sum,
    sum_sq: reference::level1::sum_sq,
    max: reference::level1::max,
    argmax: reference::level1::argmax,
    col_sum_acc: reference::colsum::col_sum_acc,
    act_forward: reference::activation::forward,
    act_forward_inplace: reference::activation::forward_inplace,
    act_backward: reference::activation::backward,
    prelu_forward: reference::activation::prelu_forward,
    prelu_backward: reference::activation::prelu_backward,
    exp: reference::transcendental::exp,
    log: reference::transcendental::log,
    softmax_rows: reference::softmax::rows,
    softmax_rows_backward: reference::softmax::rows_backward,
    layernorm_rows: reference::layernorm::rows,
    layernorm_rows_backward: reference::layernorm::rows_backward,
    lstm_cell_forward: reference::lstm_cell::forward,
    lstm_cell_backward: reference::lstm_cell::backward,
    gru_cell_forward: reference::gru_cell::forward,
    gru_cell_backward: reference::gru_cell::backward,
    sgemm: reference::gemm::sgemm,
    adam_step: reference::adam::step,
};

/// The table of `isa` on this architecture (support is checked by the caller).
pub(crate) fn table_of(isa: Isa) -> Option<&'static Kernels> {
    match isa {
        Isa::Scalar => Some(&SCALAR),
        #[cfg(target_arch = "x86_64")]
        Isa::Sse2 => Some(&sse2::TABLE),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx => Some(&avx::TABLE),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Some(&avx2::TABLE),
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => Some(&avx512::TABLE),
        #[cfg(target_arch = "aarch64")]
        Isa::Neon => Some(&neon::TABLE),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}
