//! `Kernels`: one table of safe function pointers per ISA tier, built once.
//!
//! Every entry checks its arguments (lengths, shapes) and panics with a message on
//! programmer misuse; none can cause undefined behaviour. The entries for a SIMD tier are
//! only reachable through that tier's table, and [`for_isa`] hands a table out only when the
//! CPU supports the tier — that is the soundness argument for the `unsafe` calls in
//! `dispatch.rs`.

use std::sync::OnceLock;

use crate::activation::Activation;
use crate::gemm::{Epilogue, GemmSpec};
use crate::isa::{self, Isa};
use crate::ops::adam::AdamStep;
use crate::ops::gru_cell::GruCellSaved;
use crate::ops::lstm_cell::LstmCellSaved;

/// The kernels of one ISA tier.
///
/// Conventions: `out`/`y` parameters are overwritten; `d*` parameters of backward kernels are
/// **accumulated into** (`+=`), as layers' backward passes require. Row kernels take a
/// row-major matrix of `cols` columns whose length must be a multiple of `cols`.
// The field types are the kernels' signatures, spelled out where a reader looks for them.
#[allow(clippy::type_complexity)]
#[derive(Clone, Copy)]
pub struct Kernels {
    /// The tier these functions belong to.
    pub isa: Isa,

    // ---- level 1 --------------------------------------------------------------------------
    /// `Σ a[i]·b[i]`. Panics if the lengths differ.
    pub dot: fn(a: &[f32], b: &[f32]) -> f32,
    /// y += alpha·x. Panics if the lengths differ.
    pub axpy: fn(alpha: f32, x: &[f32], y: &mut [f32]),
    /// x *= alpha.
    pub scale: fn(alpha: f32, x: &mut [f32]),
    /// out = a + b (lengths must match).
    pub add: fn(a: &[f32], b: &[f32], out: &mut [f32]),
    /// out = a − b.
    pub sub: fn(a: &[f32], b: &[f32], out: &mut [f32]),
    /// out = a · b.
    pub mul: fn(a: &[f32], b: &[f32], out: &mut [f32]),
    /// out = a / b.
    pub div: fn(a: &[f32], b: &[f32], out: &mut [f32]),
    /// y += x.
    pub add_assign: fn(y: &mut [f32], x: &[f32]),
    /// y −= x.
    pub sub_assign: fn(y: &mut [f32], x: &[f32]),
    /// y *= x.
    pub mul_assign: fn(y: &mut [f32], x: &[f32]),
    /// y /= x.
    pub div_assign: fn(y: &mut [f32], x: &[f32]),
    /// `Σ x[i]` (0 for an empty slice).
    pub sum: fn(x: &[f32]) -> f32,
    /// `Σ x[i]²` (0 for an empty slice).
    pub sum_sq: fn(x: &[f32]) -> f32,
    /// The largest element; NaN if any element is NaN; −∞ for an empty slice.
    pub max: fn(x: &[f32]) -> f32,
    /// The index of the first NaN if there is one, else of the first largest element;
    /// `None` for an empty slice.
    pub argmax: fn(x: &[f32]) -> Option<usize>,
    /// `out[j] += Σ_r x[r·cols + j]` for x (rows, cols) and out (cols): column sums, as a bias
    /// gradient. Each column gets its rows added in row order, so every tier returns the
    /// reference's bits. Panics if `out.len() != cols` or `x.len()` is not a multiple of it.
    pub col_sum_acc: fn(x: &[f32], cols: usize, out: &mut [f32]),

    // ---- activations and transcendentals ----------------------------------------------------
    /// y = f(x).
    pub act_forward: fn(act: Activation, x: &[f32], y: &mut [f32]),
    /// x = f(x).
    pub act_forward_inplace: fn(act: Activation, x: &mut [f32]),
    /// dx += dy · f'(x), where y = f(x) was produced by `act_forward` (some derivatives are
    /// cheapest from y).
    pub act_backward: fn(act: Activation, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]),
    /// PReLU over x viewed as (outer, C, inner) with C = slopes.len():
    /// `y = x if x > 0 else slopes[c]·x`.
    pub prelu_forward: fn(x: &[f32], slopes: &[f32], inner: usize, y: &mut [f32]),
    /// `dx += dy·(1 if x > 0 else slope)`; `dslopes[c] += Σ dy·x` over x ≤ 0 in channel c.
    pub prelu_backward: fn(
        x: &[f32],
        slopes: &[f32],
        inner: usize,
        dy: &[f32],
        dx: &mut [f32],
        dslopes: &mut [f32],
    ),
    /// y = exp(x).
    pub exp: fn(x: &[f32], y: &mut [f32]),
    /// y = ln(x).
    pub log: fn(x: &[f32], y: &mut [f32]),

    // ---- rows: softmax and layer norm -------------------------------------------------------
    /// Each row of `cols`: y = exp(x − max) / Σ exp(x − max).
    pub softmax_rows: fn(x: &[f32], y: &mut [f32], cols: usize),
    /// dx += y · (dy − Σ dy·y), per row.
    pub softmax_rows_backward: fn(y: &[f32], dy: &[f32], dx: &mut [f32], cols: usize),
    /// Each row of C = gamma.len(): y = (x − mean)·rstd·gamma + beta, with
    /// rstd = 1/√(var + eps) (biased variance, as PyTorch); writes mean and rstd per row.
    pub layernorm_rows: fn(
        x: &[f32],
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
        y: &mut [f32],
        mean: &mut [f32],
        rstd: &mut [f32],
    ),
    /// Accumulates dx, dgamma and dbeta from dy and the saved mean and rstd.
    pub layernorm_rows_backward:
        fn(&LayerNormBackward<'_>, dx: &mut [f32], dgamma: &mut [f32], dbeta: &mut [f32]),

    // ---- recurrent cells: one (b, t) row of D hidden units each -------------------------------
    // Unlike the other backward kernels these overwrite their gradients (see each entry): the
    // recurrent gradients are carried from step to step, not summed over calls.
    /// LSTM forward (`ops::lstm_cell`): `gates` (4D) pre-activations (i, f, g, o) in,
    /// σ, σ, tanh, σ of them out; c = f·c_prev + i·g (c_prev `None`: zeros), tc = tanh(c),
    /// h = o·tc (D each, overwritten).
    pub lstm_cell_forward:
        fn(gates: &mut [f32], c_prev: Option<&[f32]>, c: &mut [f32], tc: &mut [f32], h: &mut [f32]),
    /// LSTM backward: from the saved row, dy and dh (D, the gradient reaching h_t from t+1),
    /// replaces dc (D) by the gradient reaching c_{t−1} and overwrites da (4D).
    pub lstm_cell_backward:
        fn(saved: &LstmCellSaved<'_>, dy: &[f32], dh: &[f32], dc: &mut [f32], da: &mut [f32]),
    /// GRU forward (`ops::gru_cell`): `gates` (3D) holds p = x·W_ihᵀ + b_ih and receives
    /// r, z, n; `q` (3D) = h_prev·W_hhᵀ + b_hh; qn (D) = q's n part and
    /// h = (1 − z)·n + z·h_prev (h_prev `None`: zeros) are overwritten.
    pub gru_cell_forward:
        fn(gates: &mut [f32], q: &[f32], h_prev: Option<&[f32]>, qn: &mut [f32], h: &mut [f32]),
    /// GRU backward: from the saved row and dy (D), replaces dh (D) by dh'·z (the direct part
    /// of the gradient reaching h_{t−1}) and overwrites dp and dq (3D).
    pub gru_cell_backward:
        fn(saved: &GruCellSaved<'_>, dy: &[f32], dh: &mut [f32], dp: &mut [f32], dq: &mut [f32]),

    // ---- GEMM and the optimizer -------------------------------------------------------------
    /// C = epilogue(alpha·op(A)·op(B) + beta·C); see [`GemmSpec`].
    pub sgemm: fn(spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], epilogue: Epilogue<'_>),
    /// One Adam/AdamW step over flat buffers of equal length.
    pub adam_step:
        fn(step: &AdamStep, params: &mut [f32], grads: &[f32], m: &mut [f32], v: &mut [f32]),
}

/// The read-only inputs of `layernorm_rows_backward`.
#[derive(Clone, Copy, Debug)]
pub struct LayerNormBackward<'a> {
    /// (rows, C)
    pub x: &'a [f32],
    /// (C)
    pub gamma: &'a [f32],
    /// (rows)
    pub mean: &'a [f32],
    /// (rows)
    pub rstd: &'a [f32],
    /// (rows, C)
    pub dy: &'a [f32],
}

/// The table of the tier this process uses (see [`isa::active`]).
pub fn active() -> &'static Kernels {
    static ACTIVE: OnceLock<&'static Kernels> = OnceLock::new();
    ACTIVE.get_or_init(|| for_isa(isa::active()).unwrap_or(&crate::dispatch::SCALAR))
}

/// The table of `isa`, if this CPU supports it.
pub fn for_isa(isa: Isa) -> Option<&'static Kernels> {
    if !isa.is_supported() {
        return None;
    }
    crate::dispatch::table_of(isa)
}

/// The tables of every tier this CPU supports, lowest first (for tests and benchmarks).
pub fn all_supported() -> Vec<&'static Kernels> {
    isa::supported()
        .iter()
        .filter_map(|&isa| for_isa(isa))
        .collect()
}
