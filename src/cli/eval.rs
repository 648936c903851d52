//! `neuro-divergent eval --train FILE --test FILE`: fit each model on the training file,
//! forecast the test file's horizon, and report MAE, RMSE, sMAPE and MASE (definitions in
//! [`crate::eval::metrics`]; sMAPE in percent, 0..200, as the M3 papers report it) with the
//! fit and predict seconds of each model. SeasonalNaive is always evaluated too, first, as the
//! baseline.
//!
//! The horizon is the number of rows per series in the test file (all series must have the
//! same); the test file must hold exactly the series of the training file, each continuing
//! right after its training end. Each model is fitted in its own `NeuralForecast` so that its
//! fit and predict times are its own.

use std::collections::HashMap;
use std::io::Write;
use std::time::Instant;

use crate::data::{Column, Dataset, DatasetOptions, Frame};
use crate::error::{Error, ErrorKind, Location};
use crate::eval::{defaults, seasonal_naive, Metrics};
use crate::forecast::NeuralForecast;
use crate::models::registry;

use super::args::{Arg, Args, UsageError};
use super::forecast::{fit, read_frame, TrainArgs};
use super::json;
use super::model_args::options_help;
use super::Failure;

/// `eval --help`.
pub fn help() -> String {
    let mut defaults_text = String::new();
    for d in defaults::DEFAULTS {
        defaults_text.push_str(&format!(
            "  {:<9} input_size={}h {}\n",
            d.model,
            d.input_horizons,
            d.params.join(" ")
        ));
    }
    format!(
        "\
Fit models on a training file, forecast the test file's horizon, and print MAE, RMSE, sMAPE
and MASE per model (averaged over series) with fit and predict seconds. SeasonalNaive is
always evaluated as the baseline row.

Usage: neuro-divergent eval --train FILE --test FILE [--models LIST] [OPTIONS]

Options:
      --train FILE         Training data (long format: unique_id, ds, y) (required)
      --test FILE          The actual values after each training series (required): the same
                           series, the same number of rows each (that number is the horizon)
      --models LIST        Comma-separated models [default: every model: {}]
      --season P           Season length for MASE and SeasonalNaive [default: by frequency:
                           12 monthly, 4 quarterly, 7 daily, 24 hourly, 52 weekly, else 1]
      --json               One JSON object: {{\"models\": [{{\"model\", \"mae\", \"rmse\", \"smape\",
                           \"mase\", \"fit_seconds\", \"predict_seconds\", \"class\",
                           \"hyperparams\" (every resolved value)}}, ...], ...}}
      --freq FREQ          Frequency [default: inferred]
      --local-scaler-type TYPE
                           Scale each series before training and invert the forecasts
                           (local_scaler_type): standard, robust, robust-iqr, minmax, boxcox
                           [default: none]
      --id-col NAME        Series id column [default: unique_id]
      --time-col NAME      Timestamp column [default: ds]
      --target-col NAME    Target column [default: y]
      --quiet              No progress bar
  -h, --help               Print this help

{}
Metrics (utilsforecast's definitions, per series then averaged over series):
  mae   mean |y - yhat|            rmse  sqrt(mean (y - yhat)^2)
  smape 200 * mean(|y - yhat| / (|y| + |yhat|)), percent (0..200, the M3 convention;
        utilsforecast's smape is this divided by 200)
  mase  mae / mean |y_t - y_(t-P)| over the training series (P = --season)

CLI defaults per model (input_size in horizons; overridden by the options above):
{defaults_text}",
        super::forecast::model_list(),
        options_help(false, "every model, as --models")
    )
}

/// One row of the report.
#[derive(Clone, Debug, PartialEq)]
pub struct EvalRow {
    /// Model alias (`SeasonalNaive` for the baseline).
    pub model: String,
    /// Metrics averaged over series.
    pub metrics: Metrics,
    /// Seconds to fit (0 for SeasonalNaive, which has nothing to fit).
    pub fit_seconds: f64,
    /// Seconds to forecast.
    pub predict_seconds: f64,
    /// NeuralForecast's class name and every resolved hyperparameter (None for the baseline),
    /// so that a peer can be run with exactly the same configuration.
    pub config: Option<(&'static str, crate::io::json::Value)>,
}

/// The train/test pair, checked.
struct Split {
    train: Dataset,
    /// Test values per series, in the training series' order.
    test: Vec<Vec<f64>>,
    h: usize,
}

/// Runs `eval` on `argv` (after the command word).
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), Failure> {
    let mut args = Args::new(argv, "neuro-divergent eval").options_from(&help());
    let mut req = TrainArgs::default();
    let (mut train, mut test, mut season, mut as_json) = (None, None, None, false);
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => {
                out.push_str(&help());
                return Ok(());
            }
            Arg::Long("train", inline) => train = Some(args.value("train", inline)?.to_string()),
            Arg::Long("test", inline) => test = Some(args.value("test", inline)?.to_string()),
            Arg::Long("season", inline) => {
                let value = args.value("season", inline)?;
                season = Some(super::model_args::positive(&args, "season", value)?);
            }
            Arg::Long("json", inline) => {
                args.flag("json", inline)?;
                as_json = true;
            }
            Arg::Long(name @ ("input" | "static" | "horizon"), _) => {
                return Err(args
                    .error(format!(
                        "`--{name}` does not apply to eval (the data are --train and --test; \
                         the horizon is the test file's rows per series)"
                    ))
                    .into())
            }
            Arg::Long(name, inline) => {
                if !req.accept(&mut args, name, inline)? {
                    return Err(args.unknown_option(name).into());
                }
            }
            Arg::Word(word) => return Err(args.unexpected_word(word).into()),
        }
    }
    let (Some(train), Some(test)) = (train, test) else {
        return Err(args
            .error("missing `--train FILE` and `--test FILE`".into())
            .into());
    };
    let csv = req.csv(&args)?;
    let train_frame = read_frame(Some(&train), &csv)?;
    let test_frame = read_frame(Some(&test), &csv)?;
    let split = split(&train_frame, &test_frame, &req)?;
    let m = season.unwrap_or_else(|| seasonal_naive::default_season(split.train.freq));
    let names = req
        .models
        .names(&registry::MODELS.iter().map(|e| e.name).collect::<Vec<_>>());
    // Build every model first: a bad hyperparameter fails before any training.
    let models = req
        .models
        .build(&names, split.h)
        .map_err(|e| UsageError::new(e.to_string(), args.help_hint()))?;
    for (i, model) in models.iter().enumerate() {
        if models[..i].iter().any(|o| o.alias() == model.alias()) {
            let msg = format!("--models lists {} twice", model.alias());
            return Err(UsageError::new(msg, args.help_hint()).into());
        }
    }
    let mut rows = vec![seasonal_naive_row(&split, m)?];
    for model in models {
        let alias = model.alias().to_string();
        let config = Some((model.class_name(), model.hyperparams().to_json()));
        let point = point_column(&*model);
        let mut nf = NeuralForecast::new(vec![model], split.train.freq)
            .with_roles(req.roles.clone())
            .with_local_scaler(req.local_scaler);
        let t0 = Instant::now();
        fit(&mut nf, &train_frame, None, req.quiet, err)?;
        let fit_seconds = t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let forecast = nf.predict()?;
        let predict_seconds = t1.elapsed().as_secs_f64();
        let per_series = score(&split, &forecast, &point, m)?;
        rows.push(EvalRow {
            model: alias,
            metrics: Metrics::mean(&per_series),
            fit_seconds,
            predict_seconds,
            config,
        });
    }
    if as_json {
        write_json(&rows, &split, m, &train, &test, out);
    } else {
        write_text(&rows, &split, m, out);
    }
    Ok(())
}

/// The column holding a model's point forecast: the alias, or `ALIAS-median` for
/// multi-quantile losses.
fn point_column(model: &dyn crate::models::Model) -> String {
    let alias = model.alias();
    let names = model.train_config().loss.output_names();
    if names.iter().any(|n| n.is_empty()) {
        alias.to_string()
    } else if names.iter().any(|n| n == "-median") {
        format!("{alias}-median")
    } else {
        format!("{alias}{}", names.first().map_or("", String::as_str))
    }
}

/// Checks the pair and lines the test values up with the training series.
fn split(train: &Frame, test: &Frame, req: &TrainArgs) -> Result<Split, Error> {
    let opts = DatasetOptions {
        roles: req.roles.clone(),
        freq: req.freq,
        ..DatasetOptions::default()
    };
    let tr = Dataset::from_frame(train, &opts)?;
    let te = Dataset::from_frame(
        test,
        &DatasetOptions {
            freq: Some(tr.freq),
            ..opts
        },
    )?;
    let test_loc = |id: &str| Location {
        file: test.source().map(str::to_owned),
        series: Some(id.to_string()),
        ..Location::default()
    };
    let index: HashMap<&str, usize> = te
        .ids
        .iter()
        .enumerate()
        .map(|(s, id)| (id.as_str(), s))
        .collect();
    if let Some(extra) = te.ids.iter().find(|id| !tr.ids.contains(id)) {
        return Err(Error::new(
            ErrorKind::Data,
            test_loc(extra),
            "series is in the test file but not in the training file",
        ));
    }
    let h = te.len_of(0);
    let mut values = Vec::with_capacity(tr.n_series());
    for (s, id) in tr.ids.iter().enumerate() {
        let Some(&t) = index.get(id.as_str()) else {
            return Err(Error::new(
                ErrorKind::Data,
                test_loc(id),
                "series of the training file has no rows in the test file",
            ));
        };
        if te.len_of(t) != h {
            return Err(Error::new(
                ErrorKind::Data,
                test_loc(id),
                format!(
                    "has {} test rows but series '{}' has {h}: every series needs the same \
                     number (the horizon)",
                    te.len_of(t),
                    te.ids[0]
                ),
            ));
        }
        let last = *tr.times_of(s).last().expect("series are never empty");
        let expected = tr.freq.advance(last, 1);
        let first = te.times_of(t)[0];
        if first != expected {
            return Err(Error::new(
                ErrorKind::Data,
                test_loc(id).at_timestamp(te.show_time(first)),
                format!(
                    "the test rows must start right after the training end ({}), at {}",
                    tr.show_time(last),
                    tr.show_time(expected)
                ),
            ));
        }
        values.push(te.y_of(t).iter().map(|&v| f64::from(v)).collect());
    }
    Ok(Split {
        train: tr,
        test: values,
        h,
    })
}

/// The training values of series `s` as f64.
fn train_values(data: &Dataset, s: usize) -> Vec<f64> {
    data.y_of(s).iter().map(|&v| f64::from(v)).collect()
}

fn seasonal_naive_row(split: &Split, m: usize) -> Result<EvalRow, Error> {
    let t0 = Instant::now();
    let mut forecasts = Vec::with_capacity(split.train.n_series());
    for s in 0..split.train.n_series() {
        let y = train_values(&split.train, s);
        let f = seasonal_naive::forecast(&y, m, split.h).ok_or_else(|| {
            Error::new(
                ErrorKind::Data,
                Location::series(&split.train.ids[s]),
                format!(
                    "{} training values are fewer than one season ({m}) for SeasonalNaive \
                     (set --season)",
                    y.len()
                ),
            )
        })?;
        forecasts.push(f);
    }
    let predict_seconds = t0.elapsed().as_secs_f64();
    let per_series: Vec<Metrics> = forecasts
        .iter()
        .enumerate()
        .map(|(s, f)| Metrics::of_series(&split.test[s], f, &train_values(&split.train, s), m))
        .collect();
    Ok(EvalRow {
        model: "SeasonalNaive".into(),
        metrics: Metrics::mean(&per_series),
        fit_seconds: 0.0,
        predict_seconds,
        config: None,
    })
}

/// Per-series metrics of the forecast column `point` of `forecast`.
fn score(split: &Split, forecast: &Frame, point: &str, m: usize) -> Result<Vec<Metrics>, Error> {
    let (Some(Column::Text(ids)), Some(Column::Float(values))) =
        (forecast.columns().first(), forecast.column(point))
    else {
        return Err(Error::bare(
            ErrorKind::Column,
            format!("the forecast lacks the id column or the column '{point}'"),
        ));
    };
    let mut per_id: HashMap<&str, Vec<f64>> = HashMap::new();
    for (r, &v) in values.iter().enumerate() {
        per_id.entry(ids.get(r)).or_default().push(v);
    }
    let mut out = Vec::with_capacity(split.train.n_series());
    for (s, id) in split.train.ids.iter().enumerate() {
        let f = per_id.get(id.as_str()).map_or(&[][..], Vec::as_slice);
        if f.len() != split.h || f.iter().any(|v| !v.is_finite()) {
            return Err(Error::new(
                ErrorKind::Data,
                Location::series(id),
                format!(
                    "model {point} gave {} forecasts ({} not finite) for a horizon of {}",
                    f.len(),
                    f.iter().filter(|v| !v.is_finite()).count(),
                    split.h
                ),
            ));
        }
        out.push(Metrics::of_series(
            &split.test[s],
            f,
            &train_values(&split.train, s),
            m,
        ));
    }
    Ok(out)
}

fn write_text(rows: &[EvalRow], split: &Split, m: usize, out: &mut String) {
    out.push_str(&format!(
        "{} series, horizon {}, season {m}, frequency {}\n\n",
        split.train.n_series(),
        split.h,
        split.train.freq
    ));
    let width = rows.iter().map(|r| r.model.len()).max().unwrap_or(5).max(5);
    out.push_str(&format!(
        "{:<width$}  {:>10}  {:>10}  {:>8}  {:>8}  {:>8}  {:>9}\n",
        "model", "mae", "rmse", "smape", "mase", "fit_s", "predict_s"
    ));
    for r in rows {
        let m = &r.metrics;
        out.push_str(&format!(
            "{:<width$}  {:>10.3}  {:>10.3}  {:>8.3}  {:>8.3}  {:>8.3}  {:>9.4}\n",
            r.model, m.mae, m.rmse, m.smape, m.mase, r.fit_seconds, r.predict_seconds
        ));
    }
}

fn write_json(
    rows: &[EvalRow],
    split: &Split,
    m: usize,
    train: &str,
    test: &str,
    out: &mut String,
) {
    let models: Vec<String> = rows
        .iter()
        .map(|r| {
            let mut fields = vec![
                ("model", json::string(&r.model)),
                ("mae", json::number(r.metrics.mae, 6)),
                ("rmse", json::number(r.metrics.rmse, 6)),
                ("smape", json::number(r.metrics.smape, 6)),
                ("mase", json::number(r.metrics.mase, 6)),
                ("fit_seconds", json::number(r.fit_seconds, 6)),
                ("predict_seconds", json::number(r.predict_seconds, 6)),
            ];
            if let Some((class, hyperparams)) = &r.config {
                fields.push(("class", json::string(class)));
                fields.push(("hyperparams", hyperparams.to_json()));
            }
            json::object(&fields)
        })
        .collect();
    out.push_str(&json::object(&[
        ("train", json::string(train)),
        ("test", json::string(test)),
        ("n_series", split.train.n_series().to_string()),
        ("horizon", split.h.to_string()),
        ("season", m.to_string()),
        ("freq", json::string(&split.train.freq.to_string())),
        ("smape_unit", json::string("percent (0..200)")),
        ("models", json::array(&models)),
    ]));
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::super::tests::cli;

    fn temp_csv(name: &str, text: &str) -> String {
        let dir = std::env::temp_dir().join(format!("nd-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    #[test]
    fn test_files_that_do_not_match_the_training_file_are_input_errors() {
        let train = temp_csv("train.csv", "unique_id,ds,y\nA,1,1\nA,2,2\nB,1,3\nB,2,4\n");
        for (name, test, needle) in [
            (
                "uneven.csv",
                "unique_id,ds,y\nA,3,1\nA,4,1\nB,3,1\n",
                "series 'B': has 1 test rows but series 'A' has 2",
            ),
            (
                "extra.csv",
                "unique_id,ds,y\nA,3,1\nB,3,1\nC,3,1\n",
                "series 'C': series is in the test file but not in the training file",
            ),
            (
                "missing.csv",
                "unique_id,ds,y\nA,3,1\n",
                "series 'B': series of the training file has no rows in the test file",
            ),
            (
                "late.csv",
                "unique_id,ds,y\nA,3,1\nB,4,1\n",
                "series 'B', timestamp 4: the test rows must start right after the training end (2), at 3",
            ),
        ] {
            let test = temp_csv(name, test);
            let (code, out, err) = cli(&["eval", "--train", &train, "--test", &test]);
            assert_eq!(code, 1, "{name}: {err}");
            assert!(out.is_empty());
            assert!(err.contains(needle), "{name}: {err}");
        }
    }

    #[test]
    fn a_series_shorter_than_the_season_is_named() {
        let train = temp_csv("short.csv", "unique_id,ds,y\nA,1,1\nA,2,2\n");
        let test = temp_csv("short_test.csv", "unique_id,ds,y\nA,3,1\n");
        let (code, _, err) = cli(&["eval", "--train", &train, "--test", &test, "--season", "3"]);
        assert_eq!(code, 1);
        assert!(
            err.contains("series 'A': 2 training values are fewer than one season (3)"),
            "{err}"
        );
    }
}
