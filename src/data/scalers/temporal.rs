//! Temporal scalers: each window normalised by statistics of its own input part.
//!
//! NeuralForecast's `TemporalNorm` (`common/_scalers.py`), applied by `BaseModel._normalization`
//! to every window of a batch. For each window and channel, a shift and a scale are computed
//! over the input part only, counting only observed points (availability 1: the horizon and
//! every padded or missing point are excluded), and then applied to the whole window, horizon and
//! masked points included. With `eps = 1e-6`:
//!
//! | kind       | shift               | scale                                              | z            |
//! |------------|---------------------|----------------------------------------------------|--------------|
//! | identity   | 0                   | 1                                                  | x            |
//! | standard   | mean                | std (population; 0 → 1) + eps                      | (x − s) / c  |
//! | revin      | as standard         | as standard                                        | (x − s) / c  |
//! | robust     | median              | mad (0 → 0.6744897501960817·std; 0 → 1) + eps      | (x − s) / c  |
//! | invariant  | as robust           | as robust                                          | asinh((x − s) / c) |
//! | minmax     | min                 | max − min (0 → 1) + eps                            | (x − s) / c  |
//! | minmax1    | min                 | max − min (0 → 1) + eps                            | 2 (x − s) / c − 1 |
//!
//! The median is torch's: the lower of the two middle values for an even count; mad is the
//! median of |x − median|. With no observed point, mean and median are 0 and std is 0 (as
//! torch's `nan_to_num` gives); minmax would give NaN in NeuralForecast (min +∞, max −∞), and
//! we use min 0, range 1 + eps instead.
//!
//! The inverse maps model outputs back: x = z·c + s (identity: x = z; invariant: sinh(z)·c + s;
//! minmax1: (z + 1)/2·c + s). For `revin`, the statistics kept for the inverse carry
//! NeuralForecast's learnable affine: s' = s + bias, c' = c · (relu(weight) + eps), while the
//! forward transform uses the plain s and c; so revin's inverse is not the transform's exact
//! inverse unless bias = 0 and weight = 1 − eps. `bias` and `weight` ([`Revin`]) are model
//! parameters, one per channel (y first, then historical, then future exogenous channels);
//! only the target's pair reaches the output. Their gradient (d/d bias = the upstream gradient
//! of the de-normalised output summed, d/d weight = that times `z·c·[weight > 0]`) belongs to the
//! trainer and is not computed here.
//!
//! Exogenous channels (X historical over L points, F future over L + H points) are scaled the
//! same way, each with its own statistics over the input part and the target's availability;
//! their statistics are not kept (only the target's are needed to invert forecasts).
//! NeuralForecast leaves categorical exogenous columns unscaled; they do not exist here yet.

use crate::data::batch::Batch;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// NeuralForecast's `eps`.
pub const EPS: f32 = 1e-6;

/// mad ≈ 0.6745 σ for a normal distribution: the fallback when the mad is 0.
const MAD_PER_STD: f64 = 0.674_489_750_196_081_7;

/// Which temporal scaler (`scaler_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemporalScalerKind {
    /// No scaling.
    Identity,
    /// Mean and standard deviation.
    Standard,
    /// Median and mean absolute deviation.
    Robust,
    /// Minimum and range, to [0, 1].
    MinMax,
    /// Minimum and range, to [−1, 1].
    MinMax1,
    /// Robust, then arcsinh.
    Invariant,
    /// Standard with a learnable affine on the inverse.
    Revin,
}

impl TemporalScalerKind {
    /// All kinds, in NeuralForecast's documentation order.
    pub const ALL: [TemporalScalerKind; 7] = [
        TemporalScalerKind::Identity,
        TemporalScalerKind::Standard,
        TemporalScalerKind::Robust,
        TemporalScalerKind::MinMax,
        TemporalScalerKind::MinMax1,
        TemporalScalerKind::Invariant,
        TemporalScalerKind::Revin,
    ];

    /// From NeuralForecast's name (`scaler_type`).
    pub fn parse(name: &str) -> Result<TemporalScalerKind> {
        TemporalScalerKind::ALL
            .into_iter()
            .find(|k| k.name() == name)
            .ok_or_else(|| {
                Error::config(
                    "scaler_type",
                    format_args!(
                        "unknown '{name}'; expected one of identity, standard, robust, \
                         minmax, minmax1, invariant, revin"
                    ),
                )
            })
    }

    /// NeuralForecast's name.
    pub fn name(self) -> &'static str {
        match self {
            TemporalScalerKind::Identity => "identity",
            TemporalScalerKind::Standard => "standard",
            TemporalScalerKind::Robust => "robust",
            TemporalScalerKind::MinMax => "minmax",
            TemporalScalerKind::MinMax1 => "minmax1",
            TemporalScalerKind::Invariant => "invariant",
            TemporalScalerKind::Revin => "revin",
        }
    }
}

/// RevIN's learnable affine, one pair per channel (y, then historical, then future exogenous).
#[derive(Clone, Debug, PartialEq)]
pub struct Revin {
    /// (C,) added to the shift; initialised to 0.
    pub bias: Vec<f32>,
    /// (C,) scale multiplier through relu(·) + eps; initialised to 1.
    pub weight: Vec<f32>,
}

/// The target's statistics of each window of a batch, kept to invert the forecasts.
#[derive(Clone, Debug)]
pub struct ScaleStats {
    /// (B, 2): shift, scale of each row (for revin, with the affine applied).
    pub y: Tensor,
    len: usize,
}

impl ScaleStats {
    /// Room for `b` rows.
    pub fn new(b: usize) -> ScaleStats {
        ScaleStats {
            y: Tensor::zeros(&[b, 2]).expect("2 dims"),
            len: 0,
        }
    }

    /// Rows filled by the last `scale`.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No rows filled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// (shift, scale) of row `b`.
    pub fn row(&self, b: usize) -> (f32, f32) {
        let s = self.y.as_slice();
        (s[2 * b], s[2 * b + 1])
    }
}

/// A temporal scaler with its scratch space (so scaling allocates nothing after the first call).
#[derive(Clone, Debug)]
pub struct TemporalScaler {
    kind: TemporalScalerKind,
    revin: Option<Revin>,
    /// Scale the exogenous channels too (NeuralForecast does).
    pub scale_exog: bool,
    /// Observed values of one channel of one window.
    scratch: Vec<f64>,
}

impl TemporalScaler {
    /// A scaler of `kind` for `n_channels` channels (1 + X + F; used for revin's parameters).
    pub fn new(kind: TemporalScalerKind, n_channels: usize) -> TemporalScaler {
        let revin = (kind == TemporalScalerKind::Revin).then(|| Revin {
            bias: vec![0.0; n_channels],
            weight: vec![1.0; n_channels],
        });
        TemporalScaler {
            kind,
            revin,
            scale_exog: true,
            scratch: Vec::new(),
        }
    }

    /// Which scaler.
    pub fn kind(&self) -> TemporalScalerKind {
        self.kind
    }

    /// RevIN's parameters (`None` unless the kind is revin).
    pub fn revin(&self) -> Option<&Revin> {
        self.revin.as_ref()
    }

    /// RevIN's parameters, to load or update them.
    pub fn revin_mut(&mut self) -> Option<&mut Revin> {
        self.revin.as_mut()
    }

    /// (shift, scale) over the values `x(t)` for `t < n` where `mask(t) ≥ 1`.
    pub fn statistics(
        &mut self,
        n: usize,
        x: impl Fn(usize) -> f32,
        mask: impl Fn(usize) -> f32,
    ) -> (f32, f32) {
        self.scratch.clear();
        self.scratch
            .extend((0..n).filter(|&t| mask(t) >= 1.0).map(|t| x(t) as f64));
        statistics_of(self.kind, &mut self.scratch)
    }

    /// Normalises rows `0..batch.len()` in place: the target over input and horizon, and the
    /// exogenous channels if `scale_exog`; writes the target's statistics into `stats`.
    ///
    /// # Panics
    /// If `stats` has fewer rows than the batch, or revin parameters have fewer channels
    /// than the batch.
    pub fn scale(&mut self, batch: &mut Batch, stats: &mut ScaleStats) {
        let lay = *batch.layout();
        let (l, h, nx, nf) = (lay.l, lay.h, lay.n_hist, lay.n_futr);
        let t_len = l + h;
        let rows = batch.len();
        assert!(stats.y.dims()[0] >= rows, "stats rows");
        if let Some(r) = &self.revin {
            assert!(
                r.bias.len() > nx + nf && r.weight.len() > nx + nf,
                "revin channels"
            );
        }
        let kind = self.kind;
        for b in 0..rows {
            let mask = &batch.insample_mask.as_slice()[b * l..(b + 1) * l];
            // Target: statistics on the input part, applied to input and horizon.
            let iy = &batch.insample_y.as_slice()[b * l..(b + 1) * l];
            let (shift, scale) = self.statistics(l, |t| iy[t], |t| mask[t]);
            for v in &mut batch.insample_y.as_mut_slice()[b * l..(b + 1) * l] {
                *v = forward(kind, *v, shift, scale);
            }
            for v in &mut batch.outsample_y.as_mut_slice()[b * h..(b + 1) * h] {
                *v = forward(kind, *v, shift, scale);
            }
            let (s_keep, c_keep) = match &self.revin {
                Some(r) => (shift + r.bias[0], scale * (r.weight[0].max(0.0) + EPS)),
                None => (shift, scale),
            };
            stats.y.as_mut_slice()[2 * b] = s_keep;
            stats.y.as_mut_slice()[2 * b + 1] = c_keep;

            if !self.scale_exog {
                continue;
            }
            let mask = &batch.insample_mask.as_slice()[b * l..(b + 1) * l];
            for c in 0..nx {
                let hx = &batch.hist_exog.as_slice()[b * l * nx..(b + 1) * l * nx];
                self.scratch.clear();
                self.scratch.extend(
                    (0..l)
                        .filter(|&t| mask[t] >= 1.0)
                        .map(|t| hx[t * nx + c] as f64),
                );
                let (s, k) = statistics_of(kind, &mut self.scratch);
                let hx = &mut batch.hist_exog.as_mut_slice()[b * l * nx..(b + 1) * l * nx];
                for t in 0..l {
                    hx[t * nx + c] = forward(kind, hx[t * nx + c], s, k);
                }
            }
            for c in 0..nf {
                let span = b * t_len * nf..(b + 1) * t_len * nf;
                let fx = &batch.futr_exog.as_slice()[span.clone()];
                self.scratch.clear();
                self.scratch.extend(
                    (0..l)
                        .filter(|&t| mask[t] >= 1.0)
                        .map(|t| fx[t * nf + c] as f64),
                );
                let (s, k) = statistics_of(kind, &mut self.scratch);
                let fx = &mut batch.futr_exog.as_mut_slice()[span];
                for t in 0..t_len {
                    fx[t * nf + c] = forward(kind, fx[t * nf + c], s, k);
                }
            }
        }
        stats.len = rows;
    }

    /// Maps normalised outputs back: `values` is (rows, m) for any m (horizon × outputs), row
    /// `b` uses `stats` row `b`.
    ///
    /// # Panics
    /// If `values.len()` is not a multiple of `stats.len()`.
    pub fn inverse(&self, values: &mut [f32], stats: &ScaleStats) {
        let rows = stats.len();
        if rows == 0 {
            assert!(values.is_empty(), "values without statistics");
            return;
        }
        assert!(
            values.len().is_multiple_of(rows),
            "{} values for {rows} rows",
            values.len()
        );
        let m = values.len() / rows;
        for (b, chunk) in values.chunks_exact_mut(m.max(1)).enumerate().take(rows) {
            let (s, c) = stats.row(b);
            for v in chunk {
                *v = inverse(self.kind, *v, s, c);
            }
        }
    }
}

/// (shift, scale) of `kind` over `values` (the observed points; reordered in place).
pub fn statistics_of(kind: TemporalScalerKind, values: &mut [f64]) -> (f32, f32) {
    use TemporalScalerKind as K;
    let n = values.len();
    match kind {
        K::Identity => (0.0, 1.0),
        K::Standard | K::Revin => {
            let (mean, std) = mean_std(values);
            let std = if std == 0.0 { 1.0 } else { std };
            (mean, std + EPS)
        }
        K::Robust | K::Invariant => {
            if n == 0 {
                return (0.0, 1.0 + EPS);
            }
            let (_, std) = mean_std(values);
            let median = lower_median(values) as f32;
            for v in values.iter_mut() {
                *v = (*v as f32 - median).abs() as f64;
            }
            let mut mad = lower_median(values) as f32;
            if mad == 0.0 {
                mad = (std as f64 * MAD_PER_STD) as f32;
            }
            if mad == 0.0 {
                mad = 1.0;
            }
            (median, mad + EPS)
        }
        K::MinMax | K::MinMax1 => {
            if n == 0 {
                return (0.0, 1.0 + EPS);
            }
            let (lo, hi) = values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let (lo, hi) = (lo as f32, hi as f32);
            let range = hi - lo;
            let range = if range == 0.0 { 1.0 } else { range };
            (lo, range + EPS)
        }
    }
}

fn mean_std(values: &[f64]) -> (f32, f32) {
    if values.is_empty() {
        return (0.0, 0.0);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean as f32, var.sqrt() as f32)
}

/// torch's median: the lower middle value. Reorders `values`.
fn lower_median(values: &mut [f64]) -> f64 {
    let k = (values.len() - 1) / 2;
    *values.select_nth_unstable_by(k, |a, b| a.total_cmp(b)).1
}

/// The forward transform z(x).
#[inline]
pub fn forward(kind: TemporalScalerKind, x: f32, shift: f32, scale: f32) -> f32 {
    use TemporalScalerKind as K;
    match kind {
        K::Identity => x,
        K::Standard | K::Revin | K::Robust | K::MinMax => (x - shift) / scale,
        K::MinMax1 => (x - shift) / scale * 2.0 - 1.0,
        K::Invariant => ((x - shift) / scale).asinh(),
    }
}

/// The inverse transform x(z).
#[inline]
pub fn inverse(kind: TemporalScalerKind, z: f32, shift: f32, scale: f32) -> f32 {
    use TemporalScalerKind as K;
    match kind {
        K::Identity => z,
        K::Standard | K::Revin | K::Robust | K::MinMax => z * scale + shift,
        K::MinMax1 => (z + 1.0) / 2.0 * scale + shift,
        K::Invariant => z.sinh() * scale + shift,
    }
}
