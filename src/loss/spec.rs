//! Losses written as text: `mae`, `huber(delta=0.5)`, `mqloss(level=[80, 90])`.
//!
//! The hyperparameters `loss` and `valid_loss`, the CLI's `--loss` and model files all name a
//! loss this way. Names are NeuralForecast's class names, compared case-insensitively, with the
//! short forms `huber`, `tukey` and `quantile` accepted too; arguments are NeuralForecast's
//! keyword names. [`Loss::spec`] writes the canonical form, which [`Loss::parse`] reads back
//! to an equal loss.

use super::{Huber, Loss, Mase, MaseScaling, MqLoss, QuantileLoss, Tukey};
use crate::error::{Error, Result};

const NAMES: &str = "MAE, MSE, RMSE, MAPE, SMAPE, MASE(seasonality=m), HuberLoss(delta=1.0), \
                     TukeyLoss(c=4.685, normalize=true), QuantileLoss(q=0.5), \
                     MQLoss(level=[80, 90]) or MQLoss(quantiles=[0.1, 0.5, 0.9])";

/// The names [`Loss::parse`] accepts, for suggestions.
const LOSS_NAMES: [&str; 12] = [
    "mae",
    "mse",
    "rmse",
    "mape",
    "smape",
    "mase",
    "huber",
    "huberloss",
    "tukey",
    "tukeyloss",
    "quantileloss",
    "mqloss",
];

impl Loss {
    /// Reads a loss from its text form (see the module docs).
    pub fn parse(spec: &str) -> Result<Loss> {
        let spec = spec.trim();
        let (name, args) = match spec.find('(') {
            Some(open) => {
                let Some(inner) = spec[open + 1..].strip_suffix(')') else {
                    return Err(Error::config(
                        "loss",
                        format_args!("'{spec}' lacks its closing ')'"),
                    ));
                };
                (spec[..open].trim(), split_args(inner.trim(), spec)?)
            }
            None => (spec, Vec::new()),
        };
        let mut args = Args { spec, args };
        let loss = match name.to_ascii_lowercase().as_str() {
            "mae" => Loss::Mae,
            "mse" => Loss::Mse,
            "rmse" => Loss::Rmse,
            "mape" => Loss::Mape,
            "smape" => Loss::Smape,
            "mase" => {
                let m = args.number("seasonality")?.unwrap_or(1.0);
                if m < 1.0 || m.fract() != 0.0 {
                    return Err(Error::config(
                        "loss",
                        format_args!("MASE seasonality must be a whole number ≥ 1, got {m}"),
                    ));
                }
                let mut mase = Mase::new(m as usize)?;
                if args.flag("broadcast")? == Some(true) {
                    mase.scaling = MaseScaling::NeuralForecastBroadcast;
                }
                Loss::Mase(mase)
            }
            "huberloss" | "huber" => {
                Loss::Huber(Huber::new(args.number("delta")?.unwrap_or(1.0) as f32)?)
            }
            "tukeyloss" | "tukey" => {
                let c = args.number("c")?.unwrap_or(4.685) as f32;
                let normalize = args.flag("normalize")?.unwrap_or(true);
                Loss::Tukey(Tukey::new(c, normalize)?)
            }
            "quantileloss" | "quantile" => {
                Loss::Quantile(QuantileLoss::new(args.number("q")?.unwrap_or(0.5))?)
            }
            "mqloss" => {
                let level = args.list("level")?;
                let quantiles = args.list("quantiles")?;
                Loss::Mq(match (level, quantiles) {
                    (Some(_), Some(_)) => {
                        return Err(Error::config(
                            "loss",
                            "MQLoss takes level or quantiles, not both",
                        ))
                    }
                    (_, Some(q)) => MqLoss::from_quantiles(&q)?,
                    (Some(l), None) => MqLoss::from_levels(&l)?,
                    (None, None) => MqLoss::from_levels(&[80.0, 90.0])?,
                })
            }
            _ => {
                return Err(Error::config(
                    "loss",
                    format_args!(
                        "unknown loss '{name}'; known: {NAMES}{}",
                        crate::suggest::hint(name, LOSS_NAMES)
                    ),
                ))
            }
        };
        args.finish()?;
        Ok(loss)
    }

    /// The canonical text form, which [`Loss::parse`] reads back to an equal loss.
    pub fn spec(&self) -> String {
        match self {
            Loss::Mae | Loss::Mse | Loss::Rmse | Loss::Mape | Loss::Smape => self.name().into(),
            Loss::Mase(m) => match m.scaling {
                MaseScaling::PerWindow => format!("MASE(seasonality={})", m.seasonality),
                MaseScaling::NeuralForecastBroadcast => {
                    format!("MASE(seasonality={}, broadcast=true)", m.seasonality)
                }
            },
            Loss::Huber(h) => format!("HuberLoss(delta={})", h.delta),
            Loss::Tukey(t) => format!("TukeyLoss(c={}, normalize={})", t.c, t.normalize),
            Loss::Quantile(q) => format!("QuantileLoss(q={})", q.q),
            Loss::Mq(m) => {
                // Levels when the loss is what those levels build, else the quantiles.
                let levels: Vec<f64> = m
                    .output_names()
                    .iter()
                    .filter_map(|n| n.strip_prefix("-hi-")?.parse().ok())
                    .collect();
                let as_levels = MqLoss::from_levels(&levels).ok();
                if !levels.is_empty() && as_levels.as_ref() == Some(m) {
                    format!("MQLoss(level={})", list(&levels))
                } else {
                    let q: Vec<f64> = m.quantiles().iter().map(|&q| shortest(q)).collect();
                    format!("MQLoss(quantiles={})", list(&q))
                }
            }
        }
    }
}

/// The f64 whose shortest decimal form is that of `q` (0.1f32 → 0.1, not 0.10000000149).
fn shortest(q: f32) -> f64 {
    q.to_string().parse().unwrap_or(q as f64)
}

fn list(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("[{}]", items.join(", "))
}

/// Splits `a=1, b=[1, 2]` at the commas outside brackets.
fn split_args<'a>(inner: &'a str, spec: &str) -> Result<Vec<(&'a str, &'a str)>> {
    let mut out = Vec::new();
    if inner.is_empty() {
        return Ok(out);
    }
    let (mut depth, mut start) = (0i32, 0);
    let mut parts = Vec::new();
    for (i, c) in inner.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    for part in parts {
        let Some((k, v)) = part.split_once('=') else {
            return Err(Error::config(
                "loss",
                format_args!("in '{spec}': expected name=value, got '{}'", part.trim()),
            ));
        };
        out.push((k.trim(), v.trim()));
    }
    Ok(out)
}

struct Args<'a> {
    spec: &'a str,
    args: Vec<(&'a str, &'a str)>,
}

impl<'a> Args<'a> {
    fn take(&mut self, key: &str) -> Option<&'a str> {
        let i = self.args.iter().position(|(k, _)| *k == key)?;
        Some(self.args.remove(i).1)
    }

    fn bad(&self, key: &str, what: &str, got: &str) -> Error {
        Error::config(
            "loss",
            format_args!("in '{}': {key} must be {what}, got '{got}'", self.spec),
        )
    }

    fn number(&mut self, key: &str) -> Result<Option<f64>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => match v.parse::<f64>() {
                Ok(x) if x.is_finite() => Ok(Some(x)),
                _ => Err(self.bad(key, "a number", v)),
            },
        }
    }

    fn flag(&mut self, key: &str) -> Result<Option<bool>> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(self.bad(key, "true or false", v)),
            },
        }
    }

    fn list(&mut self, key: &str) -> Result<Option<Vec<f64>>> {
        let Some(v) = self.take(key) else {
            return Ok(None);
        };
        let inner = v
            .strip_prefix('[')
            .and_then(|v| v.strip_suffix(']'))
            .unwrap_or(v);
        inner
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse::<f64>().ok().filter(|x| x.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .map(Some)
            .ok_or_else(|| self.bad(key, "a list of numbers", v))
    }

    fn finish(self) -> Result<()> {
        match self.args.first() {
            None => Ok(()),
            Some((k, _)) => Err(Error::config(
                "loss",
                format_args!("in '{}': unknown argument '{k}'", self.spec),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_loss_round_trips_through_its_spec() {
        for spec in [
            "mae",
            "MSE",
            "rmse",
            "mape",
            "smape",
            "mase(seasonality=12)",
            "mase(seasonality=4, broadcast=true)",
            "huber(delta=0.5)",
            "tukeyloss(c=3, normalize=false)",
            "quantile(q=0.9)",
            "mqloss",
            "MQLoss(level=[95, 80])",
            "mqloss(quantiles=[0.1, 0.5, 0.9])",
            "MQLoss(level=[80.5])",
        ] {
            let loss = Loss::parse(spec).unwrap();
            let again = Loss::parse(&loss.spec()).unwrap();
            assert_eq!(again, loss, "{spec} -> {}", loss.spec());
        }
        assert_eq!(
            Loss::parse("mqloss").unwrap().spec(),
            "MQLoss(level=[80, 90])"
        );
    }

    #[test]
    fn bad_specs_name_the_problem() {
        for (spec, needle) in [
            ("maee", "unknown loss 'maee'"),
            ("huber(delta=x)", "delta must be a number"),
            ("huber(delta=1", "closing ')'"),
            ("mae(q=1)", "unknown argument 'q'"),
            ("quantile(q=1.5)", "q"),
            ("mqloss(level=[80], quantiles=[0.5])", "not both"),
            ("mase(seasonality=0.5)", "whole number"),
        ] {
            let e = Loss::parse(spec).unwrap_err().to_string();
            assert!(e.contains(needle), "{spec}: {e}");
        }
    }
}
