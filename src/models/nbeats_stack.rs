//! The doubly residual stack NBEATS and NBEATSx share: blocks of a θ network
//! ([`BlockMlp`]) and a [`Basis`], each reading what the blocks before it could not explain.
//!
//! ```text
//! r_0 = reverse(y)                    (B, L)   the window, most recent first
//! m   = reverse(mask)                 (B, L)
//! x_i = [ r_i | hist (L, X) | futr (L+H, F) | stat (S) ]      (B, D)   NBEATS: x_i = r_i
//! θ_i = mlp_i(x_i);  (b_i, f_i) = basis_i(θ_i)
//! r_{i+1} = (r_i − b_i) ⊙ m
//! y_hat = y[:, L−1] + Σ_i f_i         (B, H, Q)  the last value (Naive1) is the level
//! ```
//! as NeuralForecast's `forward`. The exogenous parts of x_i are flattened time-major, channel
//! inner (our channel-last buffers as they are) and are the same for every block; with
//! `exclude_insample_y` (NBEATSx) y is zeros, level included, as NeuralForecast's `BaseModel`
//! zeroes `insample_y` before `forward`.
//!
//! Backward runs the chain in reverse. With g_{i+1} = ∂L/∂r_{i+1} (g_N = 0) and dy = ∂L/∂y_hat,
//! which every f_i receives whole:
//! ```text
//! db_i = −g_{i+1} ⊙ m,   dθ_i = basis_iᵀ(db_i, dy)
//! g_i  = g_{i+1} ⊙ m + (∂x_i/∂r_i)ᵀ · mlp_iᵀ(dθ_i)       (the first L columns of dx_i)
//! ```
//! g_0 is not needed (the input is data), so the first block's backward skips dx.
//!
//! Blocks that share weights (`shared_weights`: every block of a stack after its first) hold
//! clones of the first block's [`BlockMlp`], which address the same parameters, so their
//! gradients add up in the same place, as PyTorch's do for a module used twice.
//!
//! Cache, per block i: x_i (B, D), then the MLP's cache (`BlockMlp::cache_len(B)`).
//! Scratch: θ (B, Θ) and the backcast (B, L) in forward; in backward g (B, L), db (B, L),
//! dθ (B, Θ), dx (B, D) and the MLP's scratch, where Θ is the widest block's θ.

use super::block_mlp::{check_mlp_units, BlockMlp};
use super::hyperparams::ParamReader;
use super::nbeats_basis::{Basis, ExogRow};
use super::train_config::{check_param_count, TrainConfig};
use super::{Mode, ModelInput};
use crate::error::{Error, Result};
use crate::nn::activation::NamedActivation;
use crate::nn::dropout::Dropout;
use crate::nn::ParamLayout;
use nd_kernels::table::Kernels;

/// One block: its θ network and basis.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// x → θ.
    pub mlp: BlockMlp,
    /// θ → (backcast, forecast).
    pub basis: Basis,
}

/// The blocks in order and the shape of their input (see the module docs).
#[derive(Clone, Debug, PartialEq)]
pub struct ResidualStack {
    /// L.
    pub l: usize,
    /// H.
    pub h: usize,
    /// Q.
    pub q: usize,
    /// X, F, S: historical, future and static exogenous channels the MLP reads.
    pub exog: [usize; 3],
    /// Read y as zeros (NBEATSx's `exclude_insample_y`).
    pub exclude_insample_y: bool,
    /// The blocks, shared ones repeated.
    pub blocks: Vec<Block>,
}

impl ResidualStack {
    /// D: width of a block's input, L + L·X + (L+H)·F + S.
    pub fn d_in(&self) -> usize {
        let [x, f, s] = self.exog;
        self.l * (1 + x) + (self.l + self.h) * f + s
    }

    fn max_theta(&self) -> usize {
        self.blocks
            .iter()
            .map(|b| b.basis.n_theta())
            .max()
            .unwrap_or(0)
    }

    fn block_cache(&self, i: usize, rows: usize) -> usize {
        rows * self.d_in() + self.blocks[i].mlp.cache_len(rows)
    }

    /// Floats of cache for `rows` windows.
    pub fn cache_len(&self, rows: usize) -> usize {
        (0..self.blocks.len())
            .map(|i| self.block_cache(i, rows))
            .sum()
    }

    /// Floats of scratch for `rows` windows.
    pub fn scratch_len(&self, rows: usize) -> usize {
        let mlp = self
            .blocks
            .iter()
            .map(|b| b.mlp.scratch_len(rows))
            .max()
            .unwrap_or(0);
        rows * (2 * self.l + self.max_theta() + self.d_in()) + mlp
    }

    /// Row r's exogenous inputs for the exogenous basis.
    fn exog_row<'a>(&self, x: &ModelInput<'a>, r: usize) -> ExogRow<'a> {
        let [_, f, s] = self.exog;
        let span = (self.l + self.h) * f;
        ExogRow {
            futr: &x.futr_exog[r * span..(r + 1) * span],
            stat: &x.stat_exog[r * s..(r + 1) * s],
        }
    }

    /// Writes x_0 (B, D): the reversed window, then the exogenous inputs as they are.
    fn first_input(&self, x: &ModelInput<'_>, x0: &mut [f32]) {
        let (l, d) = (self.l, self.d_in());
        let [nx, nf, ns] = self.exog;
        let (hist, futr) = (l * nx, (l + self.h) * nf);
        for (r, row) in x0.chunks_exact_mut(d).enumerate() {
            let (y_part, rest) = row.split_at_mut(l);
            if self.exclude_insample_y {
                y_part.fill(0.0);
            } else {
                let y = &x.insample_y[r * l..(r + 1) * l];
                y_part
                    .iter_mut()
                    .zip(y.iter().rev())
                    .for_each(|(o, v)| *o = *v);
            }
            let (hist_part, rest) = rest.split_at_mut(hist);
            hist_part.copy_from_slice(&x.hist_exog[r * hist..(r + 1) * hist]);
            let (futr_part, stat_part) = rest.split_at_mut(futr);
            futr_part.copy_from_slice(&x.futr_exog[r * futr..(r + 1) * futr]);
            stat_part.copy_from_slice(&x.stat_exog[r * ns..(r + 1) * ns]);
        }
    }

    /// y_hat (B, H, Q) from `x`, writing `cache_len(B)` floats of cache.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        x: &ModelInput<'_>,
        y_hat: &mut [f32],
        cache: &mut [f32],
        scratch: &mut [f32],
        mut mode: Mode<'_>,
    ) {
        let (rows, l, d) = (x.rows, self.l, self.d_in());
        let hq = self.h * self.q;
        let y_hat = &mut y_hat[..rows * hq];
        // The level: the last observed value (Naive1), over every step and output.
        for (r, out) in y_hat.chunks_exact_mut(hq).enumerate() {
            let level = if self.exclude_insample_y {
                0.0
            } else {
                x.insample_y[r * l + l - 1]
            };
            out.fill(level);
        }
        let (theta, rest) = scratch.split_at_mut(rows * self.max_theta());
        let backcast = &mut rest[..rows * l];
        let mut cache = &mut cache[..self.cache_len(rows)];
        for (i, block) in self.blocks.iter().enumerate() {
            let (here, next) = cache.split_at_mut(self.block_cache(i, rows));
            let (xi, mlp_cache) = here.split_at_mut(rows * d);
            if i == 0 {
                self.first_input(x, xi);
            }
            let n_theta = block.basis.n_theta();
            let theta = &mut theta[..rows * n_theta];
            let rng = match &mut mode {
                Mode::Train(r) => Some(&mut **r),
                Mode::Predict => None,
            };
            block.mlp.forward(k, params, xi, theta, mlp_cache, rng);
            for r in 0..rows {
                block.basis.forward_row(
                    &theta[r * n_theta..(r + 1) * n_theta],
                    self.exog_row(x, r),
                    &mut backcast[r * l..(r + 1) * l],
                    &mut y_hat[r * hq..(r + 1) * hq],
                );
            }
            if i + 1 < self.blocks.len() {
                // x_{i+1}: the masked residual, then the same exogenous inputs.
                let x_next = &mut next[..rows * d];
                for r in 0..rows {
                    let (src, dst) = (&xi[r * d..(r + 1) * d], &mut x_next[r * d..(r + 1) * d]);
                    let mask = &x.insample_mask[r * l..(r + 1) * l];
                    let bc = &backcast[r * l..(r + 1) * l];
                    for t in 0..l {
                        dst[t] = (src[t] - bc[t]) * mask[l - 1 - t];
                    }
                    dst[l..].copy_from_slice(&src[l..]);
                }
            }
            cache = next;
        }
    }

    /// Adds ∂L/∂params into `grads` from `d_y_hat` (B, H, Q), after `forward` on the same `x`
    /// filled `cache`.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        x: &ModelInput<'_>,
        cache: &[f32],
        d_y_hat: &[f32],
        scratch: &mut [f32],
    ) {
        let (rows, l, d) = (x.rows, self.l, self.d_in());
        let hq = self.h * self.q;
        let (g, rest) = scratch.split_at_mut(rows * l);
        let (db, rest) = rest.split_at_mut(rows * l);
        let (d_theta, rest) = rest.split_at_mut(rows * self.max_theta());
        let (dx, mlp_scratch) = rest.split_at_mut(rows * d);
        g.fill(0.0);
        let mut end = self.cache_len(rows);
        for (i, block) in self.blocks.iter().enumerate().rev() {
            let here = &cache[end - self.block_cache(i, rows)..end];
            end -= here.len();
            let (xi, mlp_cache) = here.split_at(rows * d);
            let n_theta = block.basis.n_theta();
            let d_theta = &mut d_theta[..rows * n_theta];
            for r in 0..rows {
                let mask = &x.insample_mask[r * l..(r + 1) * l];
                let (g_r, db_r) = (&g[r * l..(r + 1) * l], &mut db[r * l..(r + 1) * l]);
                for t in 0..l {
                    db_r[t] = -g_r[t] * mask[l - 1 - t];
                }
                block.basis.backward_row(
                    self.exog_row(x, r),
                    db_r,
                    &d_y_hat[r * hq..(r + 1) * hq],
                    &mut d_theta[r * n_theta..(r + 1) * n_theta],
                );
            }
            if i == 0 {
                block
                    .mlp
                    .backward(k, params, grads, xi, mlp_cache, d_theta, None, mlp_scratch);
                break;
            }
            dx.fill(0.0);
            block.mlp.backward(
                k,
                params,
                grads,
                xi,
                mlp_cache,
                d_theta,
                Some(dx),
                mlp_scratch,
            );
            // g_i = g_{i+1} ⊙ m + dx[:, :L], and db holds −g_{i+1} ⊙ m.
            for r in 0..rows {
                let (g_r, db_r) = (&mut g[r * l..(r + 1) * l], &db[r * l..(r + 1) * l]);
                for t in 0..l {
                    g_r[t] = dx[r * d + t] - db_r[t];
                }
            }
        }
    }
}

/// NeuralForecast's `ACTIVATIONS` for NBEATS and NBEATSx.
pub const ACTIVATIONS: [&str; 7] = [
    "ReLU",
    "Softplus",
    "Tanh",
    "SELU",
    "LeakyReLU",
    "PReLU",
    "Sigmoid",
];

/// Largest accepted number of blocks in all (each costs a cache of the batch's inputs).
const MAX_BLOCKS: usize = 1024;

/// What differs between NBEATS and NBEATSx when the stack is read.
#[derive(Clone, Copy, Debug)]
pub struct Variant<'a> {
    /// The class name, for errors (`NBEATS`).
    pub model: &'static str,
    /// The trend basis (`polynomial`, ...) and its `n_basis`.
    pub trend: (&'a str, usize),
    /// `n_harmonics`.
    pub harmonics: usize,
    /// Whether `dropout_prob_theta > 0` is accepted (NBEATS raises NotImplementedError).
    pub dropout: bool,
    /// Whether the `exogenous` stack type exists (NBEATSx).
    pub exogenous: bool,
    /// Zero the target window (NBEATSx's `exclude_insample_y`).
    pub exclude_insample_y: bool,
}

impl ResidualStack {
    /// Reads `stack_types`, `n_blocks`, `mlp_units`, `dropout_prob_theta`, `activation` and
    /// `shared_weights` (NeuralForecast's names, defaults and checks) and registers the blocks'
    /// parameters as `blocks.{i}.layers.{j}`; `config` gives the window shape, the loss's Q and
    /// the exogenous lists.
    pub fn read(
        r: &mut ParamReader<'_>,
        layout: &mut ParamLayout,
        config: &TrainConfig,
        v: Variant<'_>,
    ) -> Result<ResidualStack> {
        let model = v.model;
        let err = |param: &str, msg: std::fmt::Arguments<'_>| {
            Error::config(&format!("{model}.{param}"), msg)
        };
        let stack_types = r.string_list_or("stack_types", &["identity", "trend", "seasonality"])?;
        let n_blocks = r.usize_list("n_blocks", &[1, 1, 1])?;
        let units = r.usize_pairs("mlp_units", &[[512, 512]; 3])?;
        let p = r.f64("dropout_prob_theta", 0.0, 0.0..=1.0)?;
        let activation = r.string("activation", "ReLU", &ACTIVATIONS)?;
        let shared = r.bool("shared_weights", false)?;
        check_mlp_units(model, &units)?;
        if p > 0.0 && !v.dropout {
            return Err(err(
                "dropout_prob_theta",
                format_args!("{model} has no dropout (NeuralForecast raises NotImplementedError)"),
            ));
        }
        if n_blocks.len() != stack_types.len() {
            return Err(err(
                "n_blocks",
                format_args!(
                    "has {} entries but stack_types has {}",
                    n_blocks.len(),
                    stack_types.len()
                ),
            ));
        }
        let total: usize = n_blocks.iter().map(|&n| n.min(MAX_BLOCKS + 1)).sum();
        if total == 0 || total > MAX_BLOCKS {
            return Err(err(
                "n_blocks",
                format_args!("needs between 1 and {MAX_BLOCKS} blocks in all, got {total}"),
            ));
        }
        let (l, h) = (config.input_size, config.h);
        let q = config.loss.outputsize_multiplier();
        let exog = [
            config.hist_exog_list.len(),
            config.futr_exog_list.len(),
            config.stat_exog_list.len(),
        ];
        let [_, nf, ns] = exog;
        let mut bases = Vec::with_capacity(stack_types.len());
        for kind in &stack_types {
            let basis = match kind.as_str() {
                "identity" => Basis::identity(l, h, q),
                "trend" | "seasonality" if h == 1 => {
                    return Err(err(
                        "h",
                        format_args!("h = 1 is incompatible with a {kind} stack"),
                    ))
                }
                "trend" => Basis::trend(model, v.trend.0, v.trend.1, l, h, q)?,
                "seasonality" => Basis::seasonality(v.harmonics, l, h, q),
                "exogenous" if v.exogenous => {
                    if nf + ns == 0 {
                        return Err(err(
                            "stack_types",
                            format_args!(
                                "an exogenous stack needs future or static exogenous inputs"
                            ),
                        ));
                    }
                    Basis::exogenous(nf, ns, l, h, q)
                }
                other => {
                    let known = if v.exogenous {
                        "identity, trend, seasonality, exogenous"
                    } else {
                        "identity, trend, seasonality"
                    };
                    return Err(err(
                        "stack_types",
                        format_args!("unknown stack type '{other}'; valid: {known}"),
                    ));
                }
            };
            bases.push(basis);
        }
        let mut stack = ResidualStack {
            l,
            h,
            q,
            exog,
            exclude_insample_y: v.exclude_insample_y,
            blocks: Vec::with_capacity(total),
        };
        let d_in = stack.d_in();
        let n_params: u128 = bases
            .iter()
            .zip(&n_blocks)
            .map(|(b, &n)| {
                let distinct = if shared { n.min(1) } else { n };
                distinct as u128 * BlockMlp::param_count(d_in, &units, b.n_theta())
            })
            .sum();
        check_param_count(model, "mlp_units", n_params)?;
        let activation = NamedActivation::from_name(&activation)?;
        let dropout = Dropout::new(p as f32)?;
        for (basis, &n) in bases.iter().zip(&n_blocks) {
            for j in 0..n {
                let i = stack.blocks.len();
                let mlp = if shared && j > 0 {
                    stack.blocks[i - 1].mlp.clone()
                } else {
                    let prefix = format!("blocks.{i}.layers");
                    let n_theta = basis.n_theta();
                    BlockMlp::new(layout, &prefix, d_in, &units, n_theta, activation, dropout)
                };
                stack.blocks.push(Block {
                    mlp,
                    basis: basis.clone(),
                });
            }
        }
        Ok(stack)
    }
}
