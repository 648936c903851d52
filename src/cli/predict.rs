//! `neuro-divergent predict --model-file FILE`: forecast with models saved by `fit` (or
//! `forecast --save`), without training.

use std::io::Write;

use crate::data::csv::CsvOptions;

use super::args::{Arg, Args};
use super::forecast::{read_frame, OutputArgs};
use super::Failure;

/// `predict --help`.
pub const HELP: &str = "\
Forecast the H steps after every series with the models of a model file written by
`neuro-divergent fit --save FILE` (or `forecast --save FILE`), without training. The file
holds the training data, so without --input the forecast equals the one `forecast` printed
when it was saved; with --input the saved models forecast after the series of that file
instead (new series, or the old ones with newer data; same columns as the training data).

Usage: neuro-divergent predict --model-file FILE [OPTIONS]

Options:
      --model-file FILE    The model file (required)
      --input PATH         New history to forecast from (- for standard input)
                           [default: the training data saved in the model file]
      --static PATH        Static exogenous values for --input, one row per series
                           [default: none]
      --futr PATH          Future values of the futr_exog_list columns, H rows per series
                           [default: none; needed when a model has a futr_exog_list]
      --output PATH        Write the forecast as CSV to PATH (- for standard output) instead
                           of printing the table [default: print the table]
      --plot FILE.svg      Plot history and forecasts [default: no plot]
      --quiet              No notes on stderr
  -h, --help               Print this help
";

/// Runs `predict` on `argv` (after the command word).
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), Failure> {
    let mut args = Args::new(argv, "neuro-divergent predict").options_from(HELP);
    let mut outputs = OutputArgs::default();
    let mut model_file = None;
    let (mut input, mut static_path) = (None, None);
    let mut quiet = false;
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => {
                out.push_str(HELP);
                return Ok(());
            }
            Arg::Long("model-file", inline) => {
                model_file = Some(args.value("model-file", inline)?.to_string())
            }
            Arg::Long("input", inline) => input = Some(args.value("input", inline)?.to_string()),
            Arg::Long("static", inline) => {
                static_path = Some(args.value("static", inline)?.to_string())
            }
            Arg::Long("quiet", inline) => {
                args.flag("quiet", inline)?;
                quiet = true;
            }
            Arg::Long(name, inline) => {
                if !outputs.accept(&mut args, name, inline)? {
                    return Err(args.unknown_option(name).into());
                }
            }
            Arg::Word(word) => return Err(args.unexpected_word(word).into()),
        }
    }
    let Some(model_file) = model_file else {
        return Err(args
            .error("missing `--model-file FILE` (written by `neuro-divergent fit --save`)".into())
            .into());
    };
    let nf = super::fit::load(&model_file)?;
    let csv = CsvOptions {
        roles: nf.roles().clone(),
        ..CsvOptions::default()
    };
    if static_path.is_some() && input.is_none() {
        return Err(args
            .error("`--static` needs `--input` (the saved data keep their static values)".into())
            .into());
    }
    let df = match &input {
        Some(p) => Some(read_frame(Some(p), &csv)?),
        None => None,
    };
    let static_df = match &static_path {
        Some(p) => Some(super::forecast::read_static(p, &csv)?),
        None => None,
    };
    let history = df.as_ref().map(|d| (d, static_df.as_ref()));
    outputs.emit(&nf, history, &csv, quiet, out, err)?;
    Ok(())
}
