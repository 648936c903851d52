//! `neuro-divergent fit`: train models and save them to a model file for `predict`.

use std::io::Write;

use crate::error::Error;
use crate::forecast::NeuralForecast;

use super::args::{Arg, Args};
use super::forecast::{fit, prepare, TrainArgs};
use super::model_args::options_help;
use super::Failure;

/// `fit --help`.
pub fn help() -> String {
    format!(
        "\
Train forecasting models on a long-format CSV file and save them, with the training data
they forecast from, to a model file; `neuro-divergent predict --model-file FILE` forecasts
from it later without retraining.

Usage: neuro-divergent fit --save FILE [OPTIONS]

Options:
      --save FILE          The model file to write (required)
      --input PATH         CSV file, or - for standard input [default: embedded AirPassengers]
      --freq FREQ          Frequency [default: inferred]
      --static PATH        Static exogenous values: one row per series [default: none]
      --local-scaler-type TYPE
                           Scale each series before training and invert the forecasts
                           (local_scaler_type): standard, robust, robust-iqr, minmax, boxcox
                           [default: none]
      --id-col NAME        Series id column [default: unique_id]
      --time-col NAME      Timestamp column [default: ds]
      --target-col NAME    Target column [default: y]
      --quiet              No progress bar and no summary
  -h, --help               Print this help

{}
Prints one line per model: steps, last training loss, seconds.
",
        options_help(true, super::forecast::default_model())
    )
}

/// Saves `nf` to `path` (the model file format of [`crate::io::model_file`]).
pub fn save(nf: &NeuralForecast, path: &str) -> Result<(), Error> {
    nf.save(std::path::Path::new(path))
}

/// Loads the models saved at `path`.
pub fn load(path: &str) -> Result<NeuralForecast, Error> {
    NeuralForecast::load(std::path::Path::new(path))
}

/// Runs `fit` on `argv` (after the command word).
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), Failure> {
    let mut args = Args::new(argv, "neuro-divergent fit").options_from(&help());
    let mut req = TrainArgs::default();
    let mut path = None;
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => {
                out.push_str(&help());
                return Ok(());
            }
            Arg::Long("save", inline) => path = Some(args.value("save", inline)?.to_string()),
            Arg::Long(name, inline) => {
                if !req.accept(&mut args, name, inline)? {
                    return Err(args.unknown_option(name).into());
                }
            }
            Arg::Word(word) => return Err(args.unexpected_word(word).into()),
        }
    }
    let Some(path) = path else {
        return Err(args
            .error("missing `--save FILE` (the model file to write)".into())
            .into());
    };
    let csv = req.csv(&args)?;
    let (mut nf, frame, static_df) = prepare(&req, &csv, &args.help_hint())?;
    let report = fit(&mut nf, &frame, static_df.as_ref(), req.quiet, err)?;
    save(&nf, &path)?;
    if !req.quiet {
        for m in &report.models {
            out.push_str(&format!(
                "{}: {} steps, train loss {:.4}, {:.2} s\n",
                m.alias, m.steps, m.train_loss, m.seconds
            ));
        }
        out.push_str(&format!("saved to {path}\n"));
    }
    Ok(())
}
