//! The options shared by the commands that build models (`forecast`, `fit`, `eval`): which
//! models, the horizon, the common hyperparameters and `--set NAME=VALUE` for any other.
//!
//! Precedence, lowest first: NeuralForecast's defaults (in each model), the CLI defaults of
//! [`crate::eval::defaults`], the dedicated flags (`--input-size`, `--max-steps`, `--seed`,
//! `--loss`), then `--set` in command-line order. `--set NAME=VALUE` applies to every model;
//! `--set MODEL.NAME=VALUE` (e.g. `mlp.hidden_size=64`) only to the models registered as MODEL.

use crate::data::Freq;
use crate::eval::defaults;
use crate::models::{registry, Hyperparams, Model};

use super::args::{Args, UsageError};

/// The help text of `--horizon`.
const HORIZON_HELP: &str = concat!(
    "      --horizon H          Steps to forecast (NeuralForecast's h) [default: by frequency:\n",
    "                           12 monthly, 8 quarterly, 6 yearly, 13 weekly, 14 daily, 24 hourly,\n",
    "                           else 12]\n",
);

/// The help text of the model options (`with_horizon`: include `--horizon`; `default_models`:
/// what runs without `--model`).
pub fn options_help(with_horizon: bool, default_models: &str) -> String {
    format!(
        "\
Model options:
      --model NAME[,NAME]  Model(s) to train; repeatable [default: {}]
{}      --input-size N       Input window length [default: per model, 2-3 horizons]
      --max-steps N        Training steps [default: 300]
      --seed N             random_seed [default: 1]
      --loss SPEC          Training loss: mae, mse, huber(delta=1), mqloss(level=[80,90]), ...
                           [default: mae]
      --set NAME=VALUE     Any hyperparameter by its NeuralForecast name (repeatable);
                           MODEL.NAME=VALUE sets it for one model only [default: none]
",
        default_models,
        if with_horizon { HORIZON_HELP } else { "" }
    )
}

/// What the model options asked for.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModelArgs {
    /// Registry names (or class names) as given; empty: the command's default.
    pub models: Vec<String>,
    /// `--horizon`.
    pub horizon: Option<usize>,
    /// `--input-size`.
    pub input_size: Option<usize>,
    /// `--max-steps`.
    pub max_steps: Option<usize>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--loss`.
    pub loss: Option<String>,
    /// `--set` assignments, in order: (model filter, `name=value`).
    pub sets: Vec<(Option<String>, String)>,
}

/// A positive integer option value.
pub fn positive(args: &Args<'_>, name: &str, value: &str) -> Result<usize, UsageError> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(args.error(format!(
            "option `--{name}` needs a positive integer, got `{value}`"
        ))),
    }
}

impl ModelArgs {
    /// Consumes option `--name` if it is a model option; `Ok(false)` when it is not ours.
    pub fn accept<'a>(
        &mut self,
        args: &mut Args<'a>,
        name: &str,
        inline: Option<&'a str>,
    ) -> Result<bool, UsageError> {
        match name {
            "model" | "models" => {
                let value = args.value(name, inline)?;
                for part in value.split(',').map(str::trim) {
                    if part.is_empty() {
                        return Err(args.error(format!("empty model name in `--{name} {value}`")));
                    }
                    registry::entry(part).map_err(|e| args.error(e.message))?;
                    self.models.push(part.to_string());
                }
            }
            "horizon" | "input-size" | "max-steps" => {
                let value = args.value(name, inline)?;
                let n = Some(positive(args, name, value)?);
                match name {
                    "horizon" => self.horizon = n,
                    "input-size" => self.input_size = n,
                    _ => self.max_steps = n,
                }
            }
            "seed" => {
                let value = args.value(name, inline)?;
                self.seed = Some(value.parse::<u64>().map_err(|_| {
                    args.error(format!(
                        "option `--seed` needs a non-negative integer, got `{value}`"
                    ))
                })?);
            }
            "loss" => {
                let value = args.value(name, inline)?;
                crate::loss::Loss::parse(value).map_err(|e| args.error(e.message))?;
                self.loss = Some(value.to_string());
            }
            "set" => {
                let value = args.value(name, inline)?;
                let Some((lhs, _)) = value.split_once('=') else {
                    return Err(args.error(format!(
                        "`--set {value}`: expected NAME=VALUE (for example hidden_size=256)"
                    )));
                };
                let (filter, assignment) = match lhs.split_once('.') {
                    Some((model, _)) => {
                        registry::entry(model.trim()).map_err(|e| args.error(e.message))?;
                        (Some(model.trim().to_string()), &value[model.len() + 1..])
                    }
                    None => (None, value),
                };
                if assignment
                    .split_once('=')
                    .is_none_or(|(n, _)| n.trim().is_empty())
                {
                    return Err(
                        args.error(format!("`--set {value}`: the name before '=' is empty"))
                    );
                }
                self.sets.push((filter, assignment.to_string()));
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The models' registry names: the ones given, or `default` when none was.
    pub fn names(&self, default: &[&str]) -> Vec<String> {
        if self.models.is_empty() {
            default.iter().map(|s| s.to_string()).collect()
        } else {
            self.models.clone()
        }
    }

    /// The hyperparameters of model `name` for horizon `h` (see the module docs for the
    /// precedence).
    pub fn hyperparams(&self, name: &str, h: usize) -> Result<Hyperparams, crate::Error> {
        let registered = registry::entry(name)?.name;
        let mut hp = defaults::for_model(registered, h);
        if let Some(n) = self.input_size {
            hp.set("input_size", n);
        }
        if let Some(n) = self.max_steps {
            hp.set("max_steps", n);
        }
        if let Some(seed) = self.seed {
            hp.set("random_seed", seed);
        }
        if let Some(loss) = &self.loss {
            hp.set("loss", loss.as_str());
        }
        for (filter, assignment) in &self.sets {
            let applies = filter
                .as_deref()
                .is_none_or(|f| registry::entry(f).is_ok_and(|e| e.name == registered));
            if applies {
                hp.set_assignment(assignment)?;
            }
        }
        Ok(hp)
    }

    /// Builds the models (registry names from [`ModelArgs::names`]) for horizon `h`. Errors
    /// name the model and the parameter.
    pub fn build(&self, names: &[String], h: usize) -> Result<Vec<Box<dyn Model>>, crate::Error> {
        names
            .iter()
            .map(|name| {
                let hp = self.hyperparams(name, h)?;
                registry::build(name, &hp).map_err(|mut e| {
                    e.message = format!("model {name}: {}", e.message);
                    e
                })
            })
            .collect()
    }
}

/// The horizon used when `--horizon` is not given: a customary one for the frequency.
pub fn default_horizon(freq: Freq) -> usize {
    match freq {
        Freq::MonthStart(1) | Freq::MonthEnd(1) => 12,
        Freq::QuarterStart(1) | Freq::QuarterEnd(1) => 8,
        Freq::YearStart(1) | Freq::YearEnd(1) => 6,
        Freq::Weeks(1, _) => 13,
        Freq::Days(1) => 14,
        Freq::Hours(1) => 24,
        _ => 12,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::json::Value;

    fn parse(argv: &[&str]) -> Result<ModelArgs, UsageError> {
        let raw: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let mut args = Args::new(&raw, "nd test");
        let mut m = ModelArgs::default();
        while let Some(arg) = args.next_arg()? {
            match arg {
                super::super::args::Arg::Long(name, inline) => {
                    assert!(m.accept(&mut args, name, inline)?, "{name}");
                }
                other => panic!("{other:?}"),
            }
        }
        Ok(m)
    }

    #[test]
    fn flags_and_sets_in_precedence_order() {
        let m = parse(&[
            "--model",
            "nlinear",
            "--max-steps=7",
            "--set",
            "max_steps=9",
            "--set",
            "nlinear.learning_rate=0.5",
            "--seed",
            "3",
            "--input-size",
            "5",
            "--loss",
            "huber(delta=2)",
        ])
        .unwrap();
        assert_eq!(m.names(&["mlp"]), ["nlinear"]);
        let hp = m.hyperparams("NLinear", 4).unwrap();
        assert_eq!(hp.get("h"), Some(&Value::Number(4.0)));
        assert_eq!(hp.get("max_steps"), Some(&Value::Number(9.0)));
        assert_eq!(hp.get("learning_rate"), Some(&Value::Number(0.5)));
        assert_eq!(hp.get("input_size"), Some(&Value::Number(5.0)));
        assert_eq!(hp.get("random_seed"), Some(&Value::Number(3.0)));
        let models = m.build(&m.names(&[]), 4).unwrap();
        assert_eq!(models[0].train_config().max_steps, 9);
    }

    #[test]
    fn mistakes_are_usage_errors() {
        for (argv, needle) in [
            (&["--model", "prophet"][..], "unknown model 'prophet'"),
            (&["--model", "nlinear,"], "empty model name"),
            (&["--horizon", "0"], "positive integer"),
            (&["--max-steps", "x"], "positive integer"),
            (&["--seed", "-1"], "non-negative integer"),
            (&["--loss", "nope"], "loss"),
            (&["--set", "hidden_size"], "expected NAME=VALUE"),
            (&["--set", "=3"], "name before '=' is empty"),
            (&["--set", "prophet.x=3"], "unknown model 'prophet'"),
        ] {
            let err = parse(argv).unwrap_err();
            assert!(err.to_string().contains(needle), "{argv:?}: {err}");
        }
    }

    #[test]
    fn an_unknown_hyperparameter_names_the_model_and_parameter() {
        let m = parse(&["--set", "hiden_size=3"]).unwrap();
        let err = m.build(&["nlinear".into()], 4).err().unwrap().to_string();
        assert!(
            err.contains("nlinear") && err.contains("hiden_size"),
            "{err}"
        );
    }
}
