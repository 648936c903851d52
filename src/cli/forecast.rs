//! `neuro-divergent forecast`: train on a long-format CSV (or the embedded AirPassengers) and
//! print the forecast of the `h` steps after every series.
//!
//! The default model is MLP (registry `mlp`) with the CLI defaults of
//! [`crate::eval::defaults`]: an input window of three horizons (36 months for
//! AirPassengers), two hidden layers of 256 units, a standard temporal scaler, 300 steps.
//! Why MLP: it is NeuralForecast's simplest nonlinear model, it trains in a second or two at
//! this size, and with a scaler it forecasts a trending, seasonal monthly series like
//! AirPassengers well (MAE 14.7 on 1960 against SeasonalNaive's 47.8, where NLinear and DLinear
//! reach about 28; see tests/airpassengers_accuracy.rs). NLinear is the fallback for a build
//! without MLP.

use std::io::Write;

use crate::data::csv::CsvOptions;
use crate::data::scalers::LocalScalerKind;
use crate::data::{ColumnRoles, Dataset, DatasetOptions, Frame, Freq};
use crate::error::Error;
use crate::forecast::{FitOptions, FitReport, NeuralForecast, Progress};
use crate::models::registry;

use super::args::{Arg, Args, UsageError};
use super::model_args::{default_horizon, options_help, ModelArgs};
use super::output;
use super::progress::{ProgressBar, Tick};
use super::Failure;

/// `forecast --help`.
pub fn help() -> String {
    format!(
        "\
Train forecasting models on a long-format CSV file (unique_id, ds, y, ...) and print the
forecast of the next H steps of every series. With no arguments it forecasts the embedded
AirPassengers series (monthly, 1949-1960) 12 months ahead with MLP.

Usage: neuro-divergent forecast [OPTIONS]

Data options:
      --input PATH         CSV file, or - for standard input [default: embedded AirPassengers]
      --freq FREQ          Frequency (pandas alias: MS, D, h, 30min, ... or an integer step)
                           [default: inferred]
      --static PATH        Static exogenous values: one row per series (for stat_exog_list)
                           [default: none]
      --futr PATH          Future values of the futr_exog_list columns, H rows per series
                           [default: none; needed when a model has a futr_exog_list]
      --local-scaler-type TYPE
                           Scale each series before training and invert the forecasts
                           (local_scaler_type): standard, robust, robust-iqr, minmax, boxcox
                           [default: none]
      --id-col NAME        Series id column [default: unique_id]
      --time-col NAME      Timestamp column [default: ds]
      --target-col NAME    Target column [default: y]

{}
Output options:
      --output PATH        Write the forecast as CSV to PATH (- for standard output) instead
                           of printing the table [default: print the table]
      --plot FILE.svg      Plot history and forecasts (intervals when the loss gives them:
                           e.g. --loss 'mqloss(level=[80,90])'); first {} series
                           [default: no plot]
      --save FILE          Save the fitted models to a model file (see `predict`)
                           [default: not saved]
      --quiet              No progress bar and no notes on stderr
  -h, --help               Print this help

Models: {}.
The default model is mlp; CLI defaults per model (input size, steps, scaler) are listed by
`neuro-divergent eval --help`. A progress bar is drawn on stderr while training when stderr
is a terminal. Exit codes: 0 success, 2 usage mistake, 1 bad input data or output failure.
",
        options_help(true, default_model()),
        output::PLOT_MAX_SERIES,
        model_list()
    )
}

/// The registered models, comma separated.
pub fn model_list() -> String {
    registry::MODELS
        .iter()
        .map(|e| e.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The default model: MLP when this build has it, else NLinear.
pub fn default_model() -> &'static str {
    if registry::entry("mlp").is_ok() {
        "mlp"
    } else {
        "nlinear"
    }
}

/// The data and training options shared by `forecast` and `fit`.
#[derive(Debug, Default)]
pub struct TrainArgs {
    /// `--input` (`None`: the embedded AirPassengers).
    pub input: Option<String>,
    /// `--freq`.
    pub freq: Option<Freq>,
    /// `--static`.
    pub static_path: Option<String>,
    /// `--local-scaler-type` (NeuralForecast's `local_scaler_type`; `None`: no scaling).
    pub local_scaler: Option<LocalScalerKind>,
    /// Id, time and target column names.
    pub roles: ColumnRoles,
    /// The model options.
    pub models: ModelArgs,
    /// `--quiet`.
    pub quiet: bool,
}

impl TrainArgs {
    /// Consumes a data or model option; `Ok(false)` when `--name` is neither.
    pub fn accept<'a>(
        &mut self,
        args: &mut Args<'a>,
        name: &str,
        inline: Option<&'a str>,
    ) -> Result<bool, UsageError> {
        match name {
            "input" => self.input = Some(args.value(name, inline)?.to_string()),
            "static" => self.static_path = Some(args.value(name, inline)?.to_string()),
            "freq" => {
                let value = args.value(name, inline)?;
                self.freq = Some(Freq::parse(value).map_err(|e| args.error(e.to_string()))?);
            }
            "local-scaler-type" => {
                let value = args.value(name, inline)?;
                let kind = LocalScalerKind::parse(value).map_err(|e| {
                    let names = LocalScalerKind::ALL.map(LocalScalerKind::name);
                    args.error(format!("{e}{}", crate::suggest::hint(value, names)))
                })?;
                self.local_scaler = Some(kind);
            }
            "id-col" => self.roles.id_col = args.value(name, inline)?.to_string(),
            "time-col" => self.roles.time_col = args.value(name, inline)?.to_string(),
            "target-col" => self.roles.target_col = args.value(name, inline)?.to_string(),
            "quiet" => {
                args.flag(name, inline)?;
                self.quiet = true;
            }
            _ => return self.models.accept(args, name, inline),
        }
        Ok(true)
    }

    /// The CSV options for the role names; a usage error when they are not distinct.
    pub fn csv(&self, args: &Args<'_>) -> Result<CsvOptions, UsageError> {
        let csv = CsvOptions {
            roles: self.roles.clone(),
            ..CsvOptions::default()
        };
        csv.validate().map_err(|e| args.error(e.to_string()))?;
        Ok(csv)
    }
}

/// Reads a CSV file, `-` (standard input), or the embedded AirPassengers (`None`).
pub fn read_frame(path: Option<&str>, csv: &CsvOptions) -> Result<Frame, Error> {
    match path {
        None => Frame::from_reader(
            crate::data::embedded::AIR_PASSENGERS_CSV.as_bytes(),
            crate::data::embedded::AIR_PASSENGERS_NAME,
            csv,
        ),
        Some("-") => Frame::from_reader(std::io::stdin().lock(), "<stdin>", csv),
        Some(p) => Frame::read_csv_with(p, csv),
    }
}

/// Reads a static exogenous file (`--static`): one row per series, keyed by the id column, with
/// no time column.
pub fn read_static(path: &str, csv: &CsvOptions) -> Result<Frame, Error> {
    let options = CsvOptions {
        require_id_and_time: false,
        ..csv.clone()
    };
    read_frame(Some(path), &options)
}

/// Reads the training data, checks it, and builds the (unfitted) models:
/// (NeuralForecast, training frame, static frame).
pub fn prepare(
    req: &TrainArgs,
    csv: &CsvOptions,
    hint: &str,
) -> Result<(NeuralForecast, Frame, Option<Frame>), Failure> {
    let frame = read_frame(req.input.as_deref(), csv)?;
    // Validate the target and times (naming series and timestamp) and learn the frequency.
    let data = Dataset::from_frame(
        &frame,
        &DatasetOptions {
            roles: req.roles.clone(),
            freq: req.freq,
            ..DatasetOptions::default()
        },
    )?;
    let h = req
        .models
        .horizon
        .unwrap_or_else(|| default_horizon(data.freq));
    let names = req.models.names(&[default_model()]);
    // A bad hyperparameter is a usage mistake: it names the model and the parameter.
    let models = req
        .models
        .build(&names, h)
        .map_err(|e| UsageError::new(e.to_string(), hint))?;
    let static_df = match &req.static_path {
        Some(p) => Some(read_static(p, csv)?),
        None => None,
    };
    let nf = NeuralForecast::new(models, data.freq)
        .with_roles(req.roles.clone())
        .with_local_scaler(req.local_scaler);
    Ok((nf, frame, static_df))
}

/// Fits `nf` with a progress bar on stderr (when it is a terminal and not `quiet`).
pub fn fit(
    nf: &mut NeuralForecast,
    frame: &Frame,
    static_df: Option<&Frame>,
    quiet: bool,
    err: &mut dyn Write,
) -> Result<FitReport, Error> {
    let mut bar = ProgressBar::for_stderr(quiet);
    if bar.enabled() {
        let mut on_step = |p: &Progress| {
            bar.update(
                &Tick {
                    model: p.model,
                    model_index: p.model_index,
                    n_models: p.n_models,
                    step: p.step,
                    max_steps: p.max_steps,
                    train_loss: p.train_loss,
                    valid_loss: p.valid_loss,
                },
                err,
            )
        };
        let r = nf.fit_with(
            frame,
            FitOptions {
                static_df,
                progress: Some(&mut on_step),
                ..FitOptions::default()
            },
        );
        bar.finish(err);
        r
    } else {
        nf.fit_with(
            frame,
            FitOptions {
                static_df,
                ..FitOptions::default()
            },
        )
    }
}

/// What `forecast` and `predict` do with a forecast: print it, write it, plot it.
#[derive(Debug, Default)]
pub struct OutputArgs {
    /// `--output`.
    pub output: Option<String>,
    /// `--plot`.
    pub plot: Option<String>,
    /// `--futr`.
    pub futr: Option<String>,
}

impl OutputArgs {
    /// Consumes an output option; `Ok(false)` when `--name` is not one.
    pub fn accept<'a>(
        &mut self,
        args: &mut Args<'a>,
        name: &str,
        inline: Option<&'a str>,
    ) -> Result<bool, UsageError> {
        match name {
            "output" => self.output = Some(args.value(name, inline)?.to_string()),
            "plot" => self.plot = Some(args.value(name, inline)?.to_string()),
            "futr" => self.futr = Some(args.value(name, inline)?.to_string()),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Forecasts with `nf` (with `--futr` when given; after the series of `history`, a new
    /// (frame, static frame), when given) and prints, writes and plots it.
    pub fn emit(
        &self,
        nf: &NeuralForecast,
        history: Option<(&Frame, Option<&Frame>)>,
        csv: &CsvOptions,
        quiet: bool,
        out: &mut String,
        err: &mut dyn Write,
    ) -> Result<(), Error> {
        let futr = match &self.futr {
            Some(p) => Some(read_frame(Some(p), csv)?),
            None => None,
        };
        // The new history as the plot shows it (built only when there is a plot to draw).
        let new_data = match (history, &self.plot) {
            (Some((df, static_df)), Some(_)) => Some(nf.build_dataset(df, static_df)?),
            _ => None,
        };
        let forecast = match (history, &futr) {
            (Some((df, static_df)), _) => nf.predict_on(df, static_df, futr.as_ref())?,
            (None, Some(f)) => nf.predict_with(f)?,
            (None, None) => nf.predict()?,
        };
        match self.output.as_deref() {
            None => out.push_str(&output::table(&forecast)),
            Some(path) => {
                output::write_output(&forecast, path, out)?;
                if path != "-" && !quiet {
                    let _ = writeln!(err, "wrote {} forecast rows to {path}", forecast.len());
                }
            }
        }
        if let Some(path) = &self.plot {
            let data = new_data.as_ref().or(nf.dataset()).ok_or_else(|| {
                Error::bare(crate::error::ErrorKind::Config, "the models are not fitted")
            })?;
            let h = nf.models().first().map_or(0, |m| m.train_config().h);
            let svg = output::plot(data, &forecast, (12 * h).max(120))?;
            std::fs::write(path, svg).map_err(|e| {
                Error::new(
                    crate::error::ErrorKind::Io,
                    crate::error::Location::file(path),
                    format!("cannot write the plot: {e}"),
                )
            })?;
            if !quiet {
                let _ = writeln!(err, "wrote the plot to {path}");
            }
        }
        Ok(())
    }
}

/// Runs `forecast` on `argv` (after the command word).
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), Failure> {
    let mut args = Args::new(argv, "neuro-divergent forecast").options_from(&help());
    let mut req = TrainArgs::default();
    let mut outputs = OutputArgs::default();
    let mut save = None;
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => {
                out.push_str(&help());
                return Ok(());
            }
            Arg::Long("save", inline) => save = Some(args.value("save", inline)?.to_string()),
            Arg::Long(name, inline) => {
                if !req.accept(&mut args, name, inline)?
                    && !outputs.accept(&mut args, name, inline)?
                {
                    return Err(args.unknown_option(name).into());
                }
            }
            Arg::Word(word) => return Err(args.unexpected_word(word).into()),
        }
    }
    let csv = req.csv(&args)?;
    let (mut nf, frame, static_df) = prepare(&req, &csv, &args.help_hint())?;
    fit(&mut nf, &frame, static_df.as_ref(), req.quiet, err)?;
    outputs.emit(&nf, None, &csv, req.quiet, out, err)?;
    if let Some(path) = save {
        super::fit::save(&nf, &path)?;
        if !req.quiet {
            let _ = writeln!(err, "saved the models to {path}");
        }
    }
    Ok(())
}
