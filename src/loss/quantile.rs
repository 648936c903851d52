//! Quantile (pinball) losses: `QuantileLoss(q)` and the multi-quantile `MQLoss`.
//!
//! With r = y − ŷ, the pinball loss of quantile q is ρ_q(r) = max(q·r, (q − 1)·r), whose
//! derivative in ŷ is −q for r > 0 and 1 − q for r < 0; at r = 0 PyTorch's `max`/`maximum` split
//! the gradient between the tied branches, giving ½ − q, and so does this code.
//!
//! `MQLoss` predicts Q quantiles per target, laid out (B, H, N, Q) (quantile fastest), and is
//! `Σ_{b,h,n} w·Σ_q ρ_q / Σ_{b,h,n} w`: summed over quantiles, averaged over weighted entries.
//! (NeuralForecast's source multiplies by `1 / len(quantiles)`, but `quantiles` there is the
//! (1, 1, 1, Q) view, whose `len` is 1, so no division by Q happens; checked numerically.)
//!
//! **Output order and names.** From `level = [80, 90]` NeuralForecast builds the quantiles
//! 0.5, then the interval ends sorted ascending: 0.05, 0.10, 0.90, 0.95, named `-median`,
//! `-lo-90`, `-lo-80`, `-hi-80`, `-hi-90` (appended to the model name: `NHITS-lo-90`). From
//! explicit `quantiles` it keeps the given order, naming q < 0.5 `-lo-{100 − 200q}`,
//! q > 0.5 `-hi-{100 − 200(1 − q)}` (rounded to 2 decimals and printed as a Python float, so
//! 0.1 gives `-lo-80.0`), and 0.5 `-median`.
//!
//! **Crossing quantiles.** NeuralForecast does nothing to stop predicted quantiles from
//! crossing (a 10% quantile above the 90% one): its predictions are the raw network outputs.
//! [`MqLoss::sort_quantiles`] is an optional post-step that sorts each target's Q predictions
//! and hands them out in quantile order, so the output is monotone in q; it is off by
//! default (parity), and leaves already-ordered predictions unchanged.

use super::inputs::{weighted_mean, weighted_mean_backward, LossInputs};
use crate::error::{Error, Result};

/// ρ_q(y − ŷ), with `q_minus_one` = q − 1 rounded once (as PyTorch receives it).
#[inline]
fn pinball(q: f32, q_minus_one: f32, y: f32, p: f32) -> f32 {
    let r = y - p;
    (q * r).max(q_minus_one * r)
}

/// ∂ρ_q/∂ŷ, with ½ − q at the tie r = 0.
#[inline]
fn pinball_grad(q: f32, y: f32, p: f32) -> f32 {
    let r = y - p;
    if r > 0.0 {
        -q
    } else if r < 0.0 {
        1.0 - q
    } else {
        0.5 - q
    }
}

/// Python's `repr` of a float for the magnitudes names use (80.0, 33.4, 0.05).
fn python_float(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e16 {
        format!("{x:.1}")
    } else {
        format!("{x}")
    }
}

fn check_quantile(q: f64, what: &str) -> Result<()> {
    if !(q > 0.0 && q < 1.0) {
        return Err(Error::config(what, format!("must lie in (0, 1), got {q}")));
    }
    Ok(())
}

/// The pinball loss of one quantile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantileLoss {
    /// The quantile level, in (0, 1).
    pub q: f64,
}

impl QuantileLoss {
    /// Quantile loss of level `q` in (0, 1).
    pub fn new(q: f64) -> Result<QuantileLoss> {
        check_quantile(q, "q")?;
        Ok(QuantileLoss { q })
    }

    /// NeuralForecast's output name suffix, `_ql{q}` (`_ql0.5`).
    pub fn output_name(&self) -> String {
        format!("_ql{}", python_float(self.q))
    }

    /// The loss value.
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        let (q, q1) = (self.q as f32, (self.q - 1.0) as f32);
        weighted_mean(x, |i| pinball(q, q1, x.y[i], x.y_hat[i]))
    }

    /// Accumulates d_loss·∂loss/∂ŷ into `d_y_hat` (B, H, N).
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        let q = self.q as f32;
        weighted_mean_backward(x, d_loss, d_y_hat, |i| pinball_grad(q, x.y[i], x.y_hat[i]));
    }
}

/// The multi-quantile loss.
#[derive(Clone, Debug, PartialEq)]
pub struct MqLoss {
    /// The quantile of each output channel, in channel order.
    quantiles: Vec<f32>,
    /// The name suffix of each output channel (`-median`, `-lo-80`, ...).
    names: Vec<String>,
    /// Channels by ascending quantile (for [`MqLoss::sort_quantiles`]).
    order: Vec<usize>,
}

impl Default for MqLoss {
    /// NeuralForecast's default, `level = [80, 90]`.
    fn default() -> MqLoss {
        MqLoss::from_levels(&[80.0, 90.0]).expect("the default levels are valid")
    }
}

impl MqLoss {
    fn build(quantiles: Vec<f32>, names: Vec<String>) -> MqLoss {
        let mut order: Vec<usize> = (0..quantiles.len()).collect();
        order.sort_by(|&a, &b| quantiles[a].total_cmp(&quantiles[b]));
        MqLoss {
            quantiles,
            names,
            order,
        }
    }

    /// From interval levels in percent (each in (0, 100), no repeats): the median, then the
    /// interval ends sorted by quantile (see the module docs). Integral levels are named
    /// without a fraction (`-lo-80`), as NeuralForecast names integer levels.
    pub fn from_levels(levels: &[f64]) -> Result<MqLoss> {
        if levels.is_empty() {
            return Err(Error::config("level", "needs at least one level"));
        }
        let mut ends: Vec<(f64, String)> = Vec::with_capacity(2 * levels.len());
        for (i, &l) in levels.iter().enumerate() {
            if !(l > 0.0 && l < 100.0) {
                return Err(Error::config(
                    "level",
                    format!("must lie in (0, 100), got {l}"),
                ));
            }
            if levels[..i].contains(&l) {
                return Err(Error::config("level", format!("{l} is given twice")));
            }
            let name = if l.fract() == 0.0 {
                format!("{}", l as i64)
            } else {
                python_float(l)
            };
            ends.push((50.0 - l / 2.0, format!("-lo-{name}")));
            ends.push((50.0 + l / 2.0, format!("-hi-{name}")));
        }
        ends.sort_by(|a, b| a.0.total_cmp(&b.0));
        // NeuralForecast: torch.Tensor(percentages) / 100, i.e. an f32 division.
        let mut quantiles = vec![0.5f32];
        let mut names = vec!["-median".to_owned()];
        for (pct, name) in ends {
            quantiles.push(pct as f32 / 100.0);
            names.push(name);
        }
        Ok(MqLoss::build(quantiles, names))
    }

    /// From explicit quantiles (each in (0, 1), no repeats), kept in the given order.
    pub fn from_quantiles(quantiles: &[f64]) -> Result<MqLoss> {
        if quantiles.is_empty() {
            return Err(Error::config("quantiles", "needs at least one quantile"));
        }
        let mut names = Vec::with_capacity(quantiles.len());
        for (i, &q) in quantiles.iter().enumerate() {
            check_quantile(q, "quantiles")?;
            if quantiles[..i].contains(&q) {
                return Err(Error::config("quantiles", format!("{q} is given twice")));
            }
            // np.round(x, 2): round half to even on x·100.
            let round2 = |v: f64| (v * 100.0).round_ties_even() / 100.0;
            names.push(if q < 0.5 {
                format!("-lo-{}", python_float(round2(100.0 - 200.0 * q)))
            } else if q > 0.5 {
                format!("-hi-{}", python_float(round2(100.0 - 200.0 * (1.0 - q))))
            } else {
                "-median".to_owned()
            });
        }
        let qs = quantiles.iter().map(|&q| q as f32).collect();
        Ok(MqLoss::build(qs, names))
    }

    /// The quantile of each output channel.
    pub fn quantiles(&self) -> &[f32] {
        &self.quantiles
    }

    /// The output name suffix of each channel.
    pub fn output_names(&self) -> &[String] {
        &self.names
    }

    /// Q, the outputs per target (NeuralForecast's `outputsize_multiplier`).
    pub fn n_outputs(&self) -> usize {
        self.quantiles.len()
    }

    /// The channel holding quantile 0.5, if any (what recursive models feed back).
    pub fn median_channel(&self) -> Option<usize> {
        self.quantiles.iter().position(|&q| q == 0.5)
    }

    /// The loss value; `x.y_hat` is (B, H, N, Q).
    pub fn forward(&self, x: &LossInputs<'_>) -> f32 {
        let nq = self.quantiles.len();
        weighted_mean(x, |i| {
            let y = x.y[i];
            let row = &x.y_hat[i * nq..(i + 1) * nq];
            row.iter()
                .zip(&self.quantiles)
                .map(|(&p, &q)| pinball(q, q - 1.0, y, p))
                .sum()
        })
    }

    /// Accumulates d_loss·∂loss/∂ŷ into `d_y_hat` (B, H, N, Q).
    pub fn backward(&self, x: &LossInputs<'_>, d_loss: f32, d_y_hat: &mut [f32]) {
        let nq = self.quantiles.len();
        let den = x.weight_sum();
        if den == 0.0 {
            return;
        }
        let s = d_loss as f64 / den;
        for i in 0..x.dims.entries() {
            let w = x.weight(i);
            if w == 0.0 {
                continue;
            }
            let y = x.y[i];
            let (p, d) = (
                &x.y_hat[i * nq..(i + 1) * nq],
                &mut d_y_hat[i * nq..(i + 1) * nq],
            );
            for ((d, &p), &q) in d.iter_mut().zip(p).zip(&self.quantiles) {
                *d += (s * w as f64 * pinball_grad(q, y, p) as f64) as f32;
            }
        }
    }

    /// Makes each target's predictions monotone in the quantile: sorts the Q values of every
    /// (B, H, N) entry of `y_hat` (B, H, N, Q) and writes the k-th smallest into the channel of
    /// the k-th smallest quantile. NaN sorts last. Not part of NeuralForecast (module docs).
    pub fn sort_quantiles(&self, y_hat: &mut [f32]) {
        let nq = self.quantiles.len();
        let o = &self.order;
        for row in y_hat.chunks_exact_mut(nq) {
            // Insertion sort through the channel permutation: Q is small and outputs are
            // usually nearly ordered already, and no buffer is needed.
            for k in 1..nq {
                let v = row[o[k]];
                let mut j = k;
                while j > 0 && row[o[j - 1]].total_cmp(&v).is_gt() {
                    row[o[j]] = row[o[j - 1]];
                    j -= 1;
                }
                row[o[j]] = v;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_names_and_order_are_neuralforecasts() {
        let mq = MqLoss::default();
        assert_eq!(mq.quantiles(), &[0.5, 0.05, 0.1, 0.9, 0.95]);
        assert_eq!(
            mq.output_names(),
            &["-median", "-lo-90", "-lo-80", "-hi-80", "-hi-90"]
        );
        assert_eq!(mq.median_channel(), Some(0));
        let mq = MqLoss::from_levels(&[95.5]).unwrap();
        assert_eq!(mq.output_names(), &["-median", "-lo-95.5", "-hi-95.5"]);
        assert_eq!(mq.quantiles(), &[0.5, 2.25f32 / 100.0, 97.75f32 / 100.0]);
    }

    #[test]
    fn quantile_names_are_neuralforecasts() {
        let mq = MqLoss::from_quantiles(&[0.1, 0.5, 0.9, 0.333]).unwrap();
        assert_eq!(
            mq.output_names(),
            &["-lo-80.0", "-median", "-hi-80.0", "-lo-33.4"]
        );
        assert_eq!(mq.median_channel(), Some(1));
        assert_eq!(QuantileLoss::new(0.5).unwrap().output_name(), "_ql0.5");
        assert_eq!(QuantileLoss::new(0.1).unwrap().output_name(), "_ql0.1");
    }

    #[test]
    fn bad_levels_and_quantiles_are_errors_naming_the_parameter() {
        for bad in [&[][..], &[0.0], &[100.0], &[80.0, 80.0], &[f64::NAN]] {
            let e = MqLoss::from_levels(bad).unwrap_err();
            assert!(e.to_string().contains("'level'"), "{e}");
        }
        for bad in [&[][..], &[0.0], &[1.0], &[0.2, 0.2]] {
            let e = MqLoss::from_quantiles(bad).unwrap_err();
            assert!(e.to_string().contains("'quantiles'"), "{e}");
        }
        assert!(QuantileLoss::new(1.5).is_err());
    }

    #[test]
    fn sorting_makes_predictions_monotone_in_the_quantile() {
        let mq = MqLoss::default(); // quantiles 0.5, 0.05, 0.1, 0.9, 0.95
        let mut y_hat = [
            3.0, 1.0, 2.0, 4.0, 5.0, // already monotone: unchanged
            0.0, 9.0, 1.0, 8.0, 2.0, // crossing
        ];
        mq.sort_quantiles(&mut y_hat);
        assert_eq!(y_hat[..5], [3.0, 1.0, 2.0, 4.0, 5.0]);
        // sorted values 0,1,2,8,9 go to channels 1 (0.05), 2 (0.1), 0 (0.5), 3 (0.9), 4 (0.95).
        assert_eq!(y_hat[5..], [2.0, 0.0, 1.0, 8.0, 9.0]);
    }

    #[test]
    fn pinball_tie_gradient_splits_like_torch() {
        assert_eq!(pinball_grad(0.3, 1.0, 1.0), 0.5 - 0.3f32);
        assert_eq!(pinball_grad(0.3, 2.0, 1.0), -0.3);
        assert_eq!(pinball_grad(0.3, 1.0, 2.0), 0.7);
    }
}
