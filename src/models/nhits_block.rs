//! One NHITS block: NeuralForecast's `NHITSBlock` with its `_IdentityBasis`.
//!
//! A block reads the current residual window r (B, L) (the time-flipped target, see
//! [`super::nhits`]) and the exogenous inputs, and gives a backcast (B, L) and a forecast
//! (B, H, Q):
//!
//! ```text
//! p   = pool(r)                         (B, L')         L'  = ⌈L / k⌉
//! ph  = pool(hist_exog)                 (B, L', X)      pooled along time, per channel
//! pf  = pool(futr_exog)                 (B, Lf', F)     Lf' = ⌈(L + H) / k⌉
//! x   = [ p | ph | pf | stat ]          (B, D_in)       D_in = L' + L'·X + Lf'·F + S
//! θ   = BlockMlp(x)                     (B, L + Q·K)    K = max(⌊H / n_freq_downsample⌋, 1)
//! backcast = θ[:, :L]
//! knots    = θ[:, L:] viewed (B, Q, K)
//! forecast = interpolate(knots, H) viewed (B, Q, H), permuted to (B, H, Q)
//! ```
//!
//! `pool` is `MaxPool1d` or `AvgPool1d` with kernel = stride = k and `ceil_mode=True`
//! ([`Pool1d::nhits`]). The exogenous channels are pooled unflipped (NeuralForecast flips only
//! the target), and flattened time-major with the channel inner, which is NeuralForecast's
//! `permute(0, 2, 1)` after pooling followed by `reshape(B, -1)`, and is our channel-last layout
//! as it is. Exogenous inputs are data: they get no gradient, so their max pooling needs no
//! cache.
//!
//! The knots of output q are θ[:, L + q·K .. L + (q+1)·K] (NeuralForecast's
//! `reshape(B, Q, -1)`), so one row's knots are Q contiguous series of K steps, which
//! [`Interpolate`] (N = Q, C = 1) resamples in place; the (Q, H) result is added transposed into
//! y_hat (B, H, Q).
//!
//! Cache per forward, rows R: x (R, D_in), then the argmax of the target's max pooling
//! (R, L') (nothing for average pooling), then the [`BlockMlp`] cache.
//! Scratch: dx (R, D_in), one row's temporaries (its (Q, H) forecast or gradient, or an
//! exogenous max pooling's argmax), then the BlockMlp's scratch; forward uses only the row
//! temporaries.

use super::block_mlp::BlockMlp;
use super::ModelInput;
use crate::nn::activation::NamedActivation;
use crate::nn::dropout::Dropout;
use crate::nn::interpolate::{Interpolate, InterpolationMode};
use crate::nn::pool::{Pool1d, PoolKind};
use crate::nn::ParamLayout;
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// The shape of one block (what NeuralForecast's `create_stack` passes to `NHITSBlock`).
#[derive(Clone, Copy, Debug)]
pub struct BlockShape<'a> {
    /// L.
    pub input_size: usize,
    /// H.
    pub h: usize,
    /// Q: outputs per horizon step.
    pub n_outputs: usize,
    /// X, F, S: historical, future and static exogenous channels.
    pub n_hist: usize,
    /// F.
    pub n_futr: usize,
    /// S.
    pub n_stat: usize,
    /// k: the pooling kernel and stride (at least 1).
    pub pool_kernel: usize,
    /// Max or average pooling.
    pub pooling: PoolKind,
    /// The stack's `n_freq_downsample` (at least 1).
    pub freq_downsample: usize,
    /// How knots become the forecast.
    pub interpolation: InterpolationMode,
    /// The θ network's hidden layers (checked by `check_mlp_units`).
    pub mlp_units: &'a [[usize; 2]],
    /// The θ network's activation.
    pub activation: NamedActivation,
    /// Dropout after each activation.
    pub dropout: Dropout,
}

impl BlockShape<'_> {
    /// K: knots per output, `max(h // n_freq_downsample, 1)`.
    pub fn n_knots(&self) -> usize {
        (self.h / self.freq_downsample).max(1)
    }

    /// L', Lf': pooled lengths of the input window and of the input-plus-horizon window.
    pub fn pooled_lengths(&self) -> (usize, usize) {
        let k = self.pool_kernel;
        (
            self.input_size.div_ceil(k),
            (self.input_size + self.h).div_ceil(k),
        )
    }

    /// D_in: width of the θ network's input.
    pub fn input_width(&self) -> usize {
        let (lp, lf) = self.pooled_lengths();
        lp + lp * self.n_hist + lf * self.n_futr + self.n_stat
    }

    /// n_theta = L + Q·K.
    pub fn n_theta(&self) -> usize {
        self.input_size + self.n_outputs * self.n_knots()
    }
}

/// One NHITS block (see the module docs).
#[derive(Clone, Debug)]
pub struct NhitsBlock {
    l: usize,
    h: usize,
    q: usize,
    n_stat: usize,
    /// The target's pooling, (L, 1) → (L', 1).
    pool_y: Pool1d,
    /// Historical exogenous, (L, X) → (L', X).
    pool_hist: Pool1d,
    /// Future exogenous, (L + H, F) → (Lf', F).
    pool_futr: Pool1d,
    /// D_in.
    d_in: usize,
    /// n_theta.
    n_theta: usize,
    mlp: BlockMlp,
    /// Knots (K, 1) → (H, 1).
    interp: Interpolate,
}

impl NhitsBlock {
    /// Registers the block's θ network under `{prefix}.layers` (PyTorch's
    /// `blocks.{i}.layers.{j}`). `shape` must have been validated by the model (kernel,
    /// downsampling and units at least 1).
    pub fn new(layout: &mut ParamLayout, prefix: &str, shape: &BlockShape<'_>) -> NhitsBlock {
        let (l, h, k) = (shape.input_size, shape.h, shape.pool_kernel);
        let pool = |t: usize, c: usize| {
            Pool1d::nhits(shape.pooling, t, c, k).expect("validated kernel and lengths")
        };
        let pool_y = pool(l, 1);
        let pool_hist = pool(l, shape.n_hist);
        let pool_futr = pool(l + h, shape.n_futr);
        debug_assert_eq!(
            (pool_y.t_out, pool_futr.t_out),
            shape.pooled_lengths(),
            "PyTorch's ceil_mode length is NeuralForecast's ⌈T / k⌉"
        );
        let d_in = shape.input_width();
        let n_theta = shape.n_theta();
        let mlp = BlockMlp::new(
            layout,
            &format!("{prefix}.layers"),
            d_in,
            shape.mlp_units,
            n_theta,
            shape.activation,
            shape.dropout,
        );
        let interp = Interpolate::new(shape.interpolation, shape.n_knots(), h, 1)
            .expect("knots and horizon are at least 1");
        NhitsBlock {
            l,
            h,
            q: shape.n_outputs,
            n_stat: shape.n_stat,
            pool_y,
            pool_hist,
            pool_futr,
            d_in,
            n_theta,
            mlp,
            interp,
        }
    }

    /// n_theta = L + Q·K.
    pub fn n_theta(&self) -> usize {
        self.n_theta
    }

    /// D_in.
    pub fn input_width(&self) -> usize {
        self.d_in
    }

    /// Floats of the target pooling's argmax per row.
    fn argmax_len(&self) -> usize {
        self.pool_y.cache_len(1)
    }

    /// Floats of one row's temporaries: the (Q, H) forecast, or an exogenous pooling's argmax.
    fn row_tmp_len(&self) -> usize {
        (self.q * self.h)
            .max(self.pool_hist.cache_len(1))
            .max(self.pool_futr.cache_len(1))
    }

    /// Floats of cache `forward` writes for `rows` rows.
    pub fn cache_len(&self, rows: usize) -> usize {
        rows * (self.d_in + self.argmax_len()) + self.mlp.cache_len(rows)
    }

    /// Floats of scratch `forward` and `backward` need for `rows` rows.
    pub fn scratch_len(&self, rows: usize) -> usize {
        rows * self.d_in + self.row_tmp_len() + self.mlp.scratch_len(rows)
    }

    /// Splits a block cache into x (R, D_in), the argmax (R, L') and the BlockMlp cache.
    fn split_cache<'c>(&self, cache: &'c [f32], rows: usize) -> (&'c [f32], &'c [f32], &'c [f32]) {
        let (x, rest) = cache[..self.cache_len(rows)].split_at(rows * self.d_in);
        let (argmax, mlp) = rest.split_at(rows * self.argmax_len());
        (x, argmax, mlp)
    }

    /// θ (R, n_theta) from the residuals (R, L) and the exogenous inputs of `x`, adding the
    /// block's forecast into `y_hat` (R, H, Q). Writes `cache_len(R)` floats of cache; `rng` is
    /// the training stream (dropout), `None` inference.
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        residuals: &[f32],
        x: &ModelInput<'_>,
        theta: &mut [f32],
        y_hat: &mut [f32],
        cache: &mut [f32],
        scratch: &mut [f32],
        rng: Option<&mut Rng>,
    ) {
        let (rows, l, h, q) = (x.rows, self.l, self.h, self.q);
        let (x_in, rest) = cache[..self.cache_len(rows)].split_at_mut(rows * self.d_in);
        let (argmax, mlp_cache) = rest.split_at_mut(rows * self.argmax_len());
        // The row temporaries sit where backward keeps them, after room for dx.
        let tmp = &mut scratch[rows * self.d_in..][..self.row_tmp_len()];
        let (n_hist, n_futr) = (self.pool_hist.channels, self.pool_futr.channels);
        let (lp, lf) = (self.pool_y.t_out, self.pool_futr.t_out);
        let (hist_len, futr_len) = (l * n_hist, (l + h) * n_futr);
        let a = self.argmax_len();
        for (r, row) in x_in.chunks_exact_mut(self.d_in).enumerate() {
            let (p, rest) = row.split_at_mut(lp);
            self.pool_y.forward(
                &residuals[r * l..(r + 1) * l],
                p,
                &mut argmax[r * a..(r + 1) * a],
            );
            let (ph, rest) = rest.split_at_mut(lp * n_hist);
            if n_hist > 0 {
                let hist = &x.hist_exog[r * hist_len..(r + 1) * hist_len];
                let c = self.pool_hist.cache_len(1);
                self.pool_hist.forward(hist, ph, &mut tmp[..c]);
            }
            let (pf, stat) = rest.split_at_mut(lf * n_futr);
            if n_futr > 0 {
                let futr = &x.futr_exog[r * futr_len..(r + 1) * futr_len];
                let c = self.pool_futr.cache_len(1);
                self.pool_futr.forward(futr, pf, &mut tmp[..c]);
            }
            stat.copy_from_slice(&x.stat_exog[r * self.n_stat..(r + 1) * self.n_stat]);
        }
        let theta = &mut theta[..rows * self.n_theta];
        self.mlp.forward(k, params, x_in, theta, mlp_cache, rng);
        let forecast = &mut tmp[..q * h]; // (Q, H)
        for (r, th) in theta.chunks_exact(self.n_theta).enumerate() {
            self.interp.forward(&th[l..], forecast);
            let out = &mut y_hat[r * h * q..(r + 1) * h * q]; // (H, Q)
            for (qi, series) in forecast.chunks_exact(h).enumerate() {
                for (t, v) in series.iter().enumerate() {
                    out[t * q + qi] += v;
                }
            }
        }
    }

    /// Adds ∂L/∂params into `grads`, given dθ (R, n_theta) whose backcast part dθ[:, :L] the
    /// caller has filled (its knot part is overwritten here from `d_y_hat` (R, H, Q)), after
    /// `forward` on the same rows filled `cache`. When `d_residuals` (R, L) is given, the
    /// gradient reaching the residuals through the target pooling is added into it.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        rows: usize,
        cache: &[f32],
        d_theta: &mut [f32],
        d_y_hat: &[f32],
        d_residuals: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let (l, h, q) = (self.l, self.h, self.q);
        let (x_in, argmax, mlp_cache) = self.split_cache(cache, rows);
        let (dx, rest) = scratch[..self.scratch_len(rows)].split_at_mut(rows * self.d_in);
        let (tmp, mlp_scratch) = rest.split_at_mut(self.row_tmp_len());
        let d_theta = &mut d_theta[..rows * self.n_theta];
        let d_forecast = &mut tmp[..q * h]; // (Q, H)
        for (r, dth) in d_theta.chunks_exact_mut(self.n_theta).enumerate() {
            let dy = &d_y_hat[r * h * q..(r + 1) * h * q]; // (H, Q)
            for (qi, series) in d_forecast.chunks_exact_mut(h).enumerate() {
                for (t, v) in series.iter_mut().enumerate() {
                    *v = dy[t * q + qi];
                }
            }
            let d_knots = &mut dth[l..];
            d_knots.fill(0.0);
            self.interp.backward(d_forecast, d_knots);
        }
        let Some(d_res) = d_residuals else {
            self.mlp.backward(
                k,
                params,
                grads,
                x_in,
                mlp_cache,
                d_theta,
                None,
                mlp_scratch,
            );
            return;
        };
        dx.fill(0.0);
        self.mlp.backward(
            k,
            params,
            grads,
            x_in,
            mlp_cache,
            d_theta,
            Some(dx),
            mlp_scratch,
        );
        // Only the pooled target depends on the residuals; the exogenous part of dx is unused.
        let (lp, a) = (self.pool_y.t_out, self.argmax_len());
        for (r, d_row) in dx.chunks_exact(self.d_in).enumerate() {
            self.pool_y.backward(
                &argmax[r * a..(r + 1) * a],
                &d_row[..lp],
                &mut d_res[r * l..(r + 1) * l],
            );
        }
    }
}
