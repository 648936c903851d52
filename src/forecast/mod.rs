//! `NeuralForecast`: several models fitted on one long-format frame, predicting, cross-
//! validating and predicting in-sample, as NeuralForecast's `core.NeuralForecast`.
//!
//! ```
//! use neuro_divergent::data::Freq;
//! use neuro_divergent::forecast::NeuralForecast;
//! use neuro_divergent::models::ModelBuilder;
//! # fn main() -> neuro_divergent::Result<()> {
//! let df = neuro_divergent::forecast::example_frame(&[("a", 40), ("b", 30)]);
//! let model = ModelBuilder::new("nlinear", 4).input_size(8).max_steps(20).build()?;
//! let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
//! nf.fit(&df)?;
//! let fc = nf.predict()?; // unique_id, ds, NLinear: 4 rows per series
//! assert_eq!(fc.len(), 8);
//! # Ok(()) }
//! ```
//!
//! ## Semantics
//! - `fit` builds one [`Dataset`] with every exogenous column any model lists, fits the local
//!   scaler (`local_scaler_type`) on it, and trains each model in turn on the dataset projected
//!   onto its own `futr_exog_list`, `hist_exog_list` and `stat_exog_list`. A listed column the
//!   data lack is an error naming the model, the list and the column.
//! - **Warm start** (NeuralForecast lacks it): `fit` again continues from the current weights.
//!   Each fit starts a fresh Adam (zero moments, bias correction from step 1) and the learning
//!   rate schedule from step 0, and runs `max_steps` more steps; the sampler's stream restarts
//!   from the seed.
//! - `predict` forecasts the `h` steps after the end of every series of the last fit, from its
//!   last `input_size` points; `predict_with(futr_df)` supplies the future-known exogenous
//!   values of those steps (see [`future`]).
//! - `cross_validation(df, n_windows, step_size)` is NeuralForecast's `refit=False`: one fit
//!   with `test_size = h + step_size·(n_windows − 1)` points of every series held out (like
//!   `fit`, it continues from the current weights), then the windows over that tail every
//!   `step_size` points; `cutoff` is the last timestamp before each window's horizon and `y`
//!   the actual value (as f32, NaN where unobserved). As in NeuralForecast, the local scaler is
//!   fitted on the whole of `df`. Afterwards the object is fitted on `df` (a `predict` forecasts
//!   after its end with the weights trained without the tail).
//! - `predict_insample(step_size)`: for every series of length n ≥ h, windows whose horizons
//!   start at rows `o, o + step, ...` with `o = (n − h) mod step`, so the last horizon ends at
//!   the series end (NeuralForecast's `forefront_offset` trim); the first horizons have an input
//!   window in the zero padding before the series, as NeuralForecast's do.
//! - All models must share `h`; aliases must be distinct (errors at `fit`).

pub mod cross_validation;
pub mod frames;
pub mod future;
pub mod insample;
pub mod persist;

use std::borrow::Cow;
use std::time::Instant;

use crate::data::batch::FutureExog;
use crate::data::frame::{Column, ColumnRoles, Frame, TextColumn, TimeColumn};
use crate::data::scalers::{LocalScaler, LocalScalerKind};
use crate::data::windows::{EvalWindows, WindowRef};
use crate::data::{Dataset, DatasetOptions, Freq};
use crate::error::{Error, ErrorKind, Result};
use crate::models::Model;
use crate::nn::ParamStore;
use crate::train::{exog, fit_model, predict_windows, Holdout, StepReport};
use frames::{build_frame, output_names, OutputRows};

/// Which windows of a (projected) dataset a model predicts.
pub(crate) type WindowsOf<'f> = dyn Fn(&dyn Model, &Dataset) -> Result<Vec<WindowRef>> + 'f;

/// Options of [`NeuralForecast::fit_with`].
#[derive(Default)]
pub struct FitOptions<'a> {
    /// Points at the end of every series held out for validation (0: none).
    pub val_size: usize,
    /// Static exogenous values: one row per series, keyed by the id column.
    pub static_df: Option<&'a Frame>,
    /// Called after every training step of every model.
    pub progress: Option<&'a mut dyn FnMut(&Progress)>,
}

/// What the progress callback sees after each step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Progress<'a> {
    /// The model's alias.
    pub model: &'a str,
    /// Its position among the models.
    pub model_index: usize,
    /// How many models are fitted.
    pub n_models: usize,
    /// Steps taken (1 after the first).
    pub step: usize,
    /// `max_steps`.
    pub max_steps: usize,
    /// This step's training loss (scaled data).
    pub train_loss: f32,
    /// The last validation loss, if validation has run.
    pub valid_loss: Option<f32>,
}

/// What `fit` did, per model.
#[derive(Clone, Debug, PartialEq)]
pub struct FitReport {
    /// One report per model, in order.
    pub models: Vec<ModelFitReport>,
}

/// What `fit` did for one model.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelFitReport {
    /// The model's alias.
    pub alias: String,
    /// Optimizer steps taken.
    pub steps: usize,
    /// The last step's training loss.
    pub train_loss: f32,
    /// The lowest validation loss, if validation ran.
    pub best_valid_loss: Option<f32>,
    /// Whether early stopping ended training.
    pub stopped_early: bool,
    /// Wall-clock seconds of the fit.
    pub seconds: f64,
}

/// Several forecasting models fitted and used together (see the module docs).
#[derive(Debug)]
pub struct NeuralForecast {
    /// The models, in the order given.
    pub(crate) models: Vec<Box<dyn Model>>,
    /// One parameter store per model, initialised from its `random_seed` at `new`.
    pub(crate) params: Vec<ParamStore>,
    /// The series frequency.
    pub(crate) freq: Freq,
    /// `local_scaler_type`.
    pub(crate) local_scaler_kind: Option<LocalScalerKind>,
    /// The local scaler fitted by the last fit.
    pub(crate) local_scaler: Option<LocalScaler>,
    /// The data of the last fit, unscaled, with every exogenous column any model lists.
    pub(crate) dataset: Option<Dataset>,
    /// Id, time and target column names.
    pub(crate) roles: ColumnRoles,
}

impl NeuralForecast {
    /// The models with freshly initialised parameters (each from its `random_seed`).
    pub fn new(models: Vec<Box<dyn Model>>, freq: Freq) -> NeuralForecast {
        let params = models
            .iter()
            .map(|m| ParamStore::new(m.layout().clone(), m.train_config().random_seed))
            .collect();
        NeuralForecast {
            models,
            params,
            freq,
            local_scaler_kind: None,
            local_scaler: None,
            dataset: None,
            roles: ColumnRoles::default(),
        }
    }

    /// Sets `local_scaler_type` (`None`: no local scaling).
    pub fn with_local_scaler(mut self, kind: Option<LocalScalerKind>) -> NeuralForecast {
        self.local_scaler_kind = kind;
        self
    }

    /// Sets the id, time and target column names.
    pub fn with_roles(mut self, roles: ColumnRoles) -> NeuralForecast {
        self.roles = roles;
        self
    }

    /// The models.
    pub fn models(&self) -> &[Box<dyn Model>] {
        &self.models
    }

    /// Each model's parameters, in model order.
    pub fn params(&self) -> &[ParamStore] {
        &self.params
    }

    /// The frequency.
    pub fn freq(&self) -> Freq {
        self.freq
    }

    /// The column roles.
    pub fn roles(&self) -> &ColumnRoles {
        &self.roles
    }

    /// Whether `fit` or `cross_validation` has run.
    pub fn is_fitted(&self) -> bool {
        self.dataset.is_some()
    }

    /// The data of the last fit (unscaled), if fitted.
    pub fn dataset(&self) -> Option<&Dataset> {
        self.dataset.as_ref()
    }

    /// Fits every model on `df` (no validation, no static data).
    pub fn fit(&mut self, df: &Frame) -> Result<FitReport> {
        self.fit_with(df, FitOptions::default())
    }

    /// Fits every model on `df` with `opts` (see the module docs).
    pub fn fit_with(&mut self, df: &Frame, opts: FitOptions<'_>) -> Result<FitReport> {
        let FitOptions {
            val_size,
            static_df,
            progress,
        } = opts;
        let raw = self.build_dataset(df, static_df)?;
        let (report, scaler) = self.train_all(
            &raw,
            Holdout {
                val_size,
                test_size: 0,
            },
            progress,
        )?;
        self.dataset = Some(raw);
        self.local_scaler = scaler;
        Ok(report)
    }

    /// Forecasts the `h` steps after every series' end (models without future-known
    /// exogenous inputs only; otherwise use [`NeuralForecast::predict_with`]).
    pub fn predict(&self) -> Result<Frame> {
        self.forecast_from(self.fitted()?, self.local_scaler.as_ref(), None)
    }

    /// Forecasts with the future-known exogenous values of the `h` steps after each series'
    /// end taken from `futr_df` (see [`future`] for what it must hold).
    pub fn predict_with(&self, futr_df: &Frame) -> Result<Frame> {
        self.forecast_from(self.fitted()?, self.local_scaler.as_ref(), Some(futr_df))
    }

    /// NeuralForecast's `predict(df=..., static_df=..., futr_df=...)`: the fitted models
    /// forecast the `h` steps after each series of `df`, a new history (new series, or the
    /// old ones with more data), without training and without changing what `predict` uses.
    /// Built and validated as `fit` builds its data; with `local_scaler_type` the scaler is
    /// fitted on `df`'s series (statistics of series the models never saw cannot come from
    /// the training data).
    pub fn predict_on(
        &self,
        df: &Frame,
        static_df: Option<&Frame>,
        futr_df: Option<&Frame>,
    ) -> Result<Frame> {
        self.fitted()?;
        let raw = self.build_dataset(df, static_df)?;
        let scaler = match self.local_scaler_kind {
            Some(kind) => Some(LocalScaler::fit(&raw, kind)?),
            None => None,
        };
        self.forecast_from(&raw, scaler.as_ref(), futr_df)
    }

    /// NeuralForecast's `cross_validation(df, n_windows, step_size, refit=False)`: output
    /// columns `unique_id`, `ds`, `cutoff`, `y`, then the models' (see the module docs).
    pub fn cross_validation(
        &mut self,
        df: &Frame,
        n_windows: usize,
        step_size: usize,
    ) -> Result<Frame> {
        cross_validation::run(self, df, n_windows, step_size)
    }

    /// Forecasts over the training data: `unique_id`, `ds`, `cutoff`, `y`, then the models'.
    pub fn predict_insample(&self, step_size: usize) -> Result<Frame> {
        insample::run(self, step_size)
    }

    // ---- shared steps ----

    /// The common horizon; errors on duplicate aliases or different horizons.
    pub(crate) fn check_models(&self) -> Result<usize> {
        let Some(first) = self.models.first() else {
            return Err(Error::config("models", "at least one model is needed"));
        };
        let h = first.train_config().h;
        for (i, m) in self.models.iter().enumerate() {
            if let Some(prev) = self.models[..i].iter().find(|p| p.alias() == m.alias()) {
                return Err(Error::config(
                    "alias",
                    format_args!(
                        "two models are called '{}' ({} and {}); give one an alias",
                        m.alias(),
                        prev.class_name(),
                        m.class_name()
                    ),
                ));
            }
            if m.train_config().h != h {
                return Err(Error::config(
                    "h",
                    format_args!(
                        "all models must share the horizon: {} has h = {}, {} has h = {}",
                        first.alias(),
                        h,
                        m.alias(),
                        m.train_config().h
                    ),
                ));
            }
        }
        Ok(h)
    }

    /// The union of one exogenous list over all models, in first-appearance order.
    pub(crate) fn union(&self, list: impl Fn(&dyn Model) -> &[String]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for m in &self.models {
            for c in list(m.as_ref()) {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
        }
        out
    }

    /// The aliases of the models listing `column` in `futr_exog_list`, for error messages.
    pub(crate) fn listing_futr(&self, column: &str) -> String {
        let who: Vec<&str> = self
            .models
            .iter()
            .filter(|m| m.train_config().futr_exog_list.iter().any(|c| c == column))
            .map(|m| m.alias())
            .collect();
        format!("model {}", who.join(", "))
    }

    /// Checks the models and the columns they list, then builds the (unscaled) dataset.
    pub(crate) fn build_dataset(&self, df: &Frame, static_df: Option<&Frame>) -> Result<Dataset> {
        self.check_models()?;
        for m in &self.models {
            let c = m.train_config();
            for (list, name) in [
                (&c.futr_exog_list, "futr_exog_list"),
                (&c.hist_exog_list, "hist_exog_list"),
            ] {
                for col in list {
                    if df.column(col).is_none() {
                        return Err(Error::new(
                            ErrorKind::Column,
                            df.location(),
                            format!(
                                "model {} lists '{col}' in {name}, but the data have no such \
                                 column (columns are: {})",
                                m.alias(),
                                df.names().join(", ")
                            ),
                        ));
                    }
                }
            }
            for col in &c.stat_exog_list {
                let found = static_df.is_some_and(|s| s.column(col).is_some());
                if !found {
                    let why = if static_df.is_some() {
                        "static_df has no such column"
                    } else {
                        "no static_df was given"
                    };
                    return Err(Error::new(
                        ErrorKind::Column,
                        static_df.map(Frame::location).unwrap_or_default(),
                        format!(
                            "model {} lists '{col}' in stat_exog_list, but {why}",
                            m.alias()
                        ),
                    ));
                }
            }
        }
        let stat = self.union(|m| &m.train_config().stat_exog_list);
        let opts = DatasetOptions {
            roles: self.roles.clone(),
            freq: Some(self.freq),
            futr_exog: self.union(|m| &m.train_config().futr_exog_list),
            hist_exog: self.union(|m| &m.train_config().hist_exog_list),
            static_df: if stat.is_empty() {
                None
            } else {
                static_df.cloned()
            },
            stat_exog: stat,
            ..DatasetOptions::default()
        };
        Dataset::from_frame(df, &opts)
    }

    /// `raw` transformed by `scaler` (borrowed without one).
    pub(crate) fn scaled<'d>(
        raw: &'d Dataset,
        scaler: Option<&LocalScaler>,
    ) -> Result<Cow<'d, Dataset>> {
        match scaler {
            None => Ok(Cow::Borrowed(raw)),
            Some(s) => {
                let mut d = raw.clone();
                s.transform(&mut d)?;
                Ok(Cow::Owned(d))
            }
        }
    }

    /// Fits the local scaler on `raw` and trains every model with `holdout`.
    pub(crate) fn train_all(
        &mut self,
        raw: &Dataset,
        holdout: Holdout,
        mut progress: Option<&mut dyn FnMut(&Progress)>,
    ) -> Result<(FitReport, Option<LocalScaler>)> {
        let scaler = match self.local_scaler_kind {
            Some(kind) => Some(LocalScaler::fit(raw, kind)?),
            None => None,
        };
        let ds = Self::scaled(raw, scaler.as_ref())?;
        let n_models = self.models.len();
        let mut reports = Vec::with_capacity(n_models);
        for (i, (model, store)) in self.models.iter().zip(&mut self.params).enumerate() {
            let proj = exog::project(&ds, model.train_config())?;
            let alias = model.alias();
            let start = Instant::now();
            let mut cb = |r: &StepReport| {
                if let Some(p) = progress.as_mut() {
                    p(&Progress {
                        model: alias,
                        model_index: i,
                        n_models,
                        step: r.step,
                        max_steps: r.max_steps,
                        train_loss: r.train_loss,
                        valid_loss: r.valid_loss,
                    });
                }
            };
            let r = fit_model(model.as_ref(), store, &proj, holdout, &mut cb)?;
            reports.push(ModelFitReport {
                alias: alias.to_string(),
                steps: r.steps,
                train_loss: r.train_loss,
                best_valid_loss: r.best_valid_loss,
                stopped_early: r.stopped_early,
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        Ok((FitReport { models: reports }, scaler))
    }

    /// The fitted dataset, or an error saying to fit first.
    pub(crate) fn fitted(&self) -> Result<&Dataset> {
        self.dataset.as_ref().ok_or_else(|| {
            Error::bare(
                ErrorKind::Config,
                "the models are not fitted: call fit or cross_validation first",
            )
        })
    }

    /// Runs every model on `windows(model)` of the (locally scaled) dataset and maps the
    /// outputs back; returns (column name, one value per window and horizon step) pairs.
    /// `series_of(i)` is window i's series (for the local scaler's inverse).
    pub(crate) fn run_models(
        &self,
        ds: &Dataset,
        scaler: Option<&LocalScaler>,
        future: Option<&FutureExog>,
        windows: &WindowsOf<'_>,
    ) -> Result<Vec<(String, Vec<f64>)>> {
        let k = nd_kernels::table::active();
        let mut cols = Vec::new();
        for (model, store) in self.models.iter().zip(&self.params) {
            let c = model.train_config();
            let proj = exog::project(ds, c)?;
            let fut = match future {
                Some(f) if !c.futr_exog_list.is_empty() => Some(exog::project_future(
                    f,
                    &ds.futr_exog.names,
                    &c.futr_exog_list,
                )?),
                _ => None,
            };
            let w = windows(model.as_ref(), &proj)?;
            let mut y = predict_windows(k, model.as_ref(), &store.values, &proj, &w, fut.as_ref());
            let (h, q) = (c.h, model.n_outputs());
            if let Some(s) = scaler {
                for (win, block) in w.iter().zip(y.chunks_exact_mut(h * q)) {
                    s.inverse_y(win.series, block);
                }
            }
            for (ch, name) in output_names(model.as_ref()).into_iter().enumerate() {
                let v: Vec<f64> = y.chunks_exact(q).map(|o| frames::widen(o[ch])).collect();
                cols.push((name, v));
            }
        }
        Ok(cols)
    }

    /// Forecasts the `h` steps after each series of `raw`, whose local scaler (if any) is
    /// `scaler`.
    fn forecast_from(
        &self,
        raw: &Dataset,
        scaler: Option<&LocalScaler>,
        futr_df: Option<&Frame>,
    ) -> Result<Frame> {
        let h = self.check_models()?;
        let futr_cols = self.union(|m| &m.train_config().futr_exog_list);
        let future = match (futr_df, futr_cols.is_empty()) {
            (_, true) => None,
            (None, false) => {
                return Err(Error::config(
                    "futr_df",
                    format_args!(
                        "{} needs future values of {}: call predict_with(futr_df)",
                        self.listing_futr(&futr_cols[0]),
                        futr_cols.join(", ")
                    ),
                ))
            }
            (Some(f), false) => {
                let who = |c: &str| self.listing_futr(c);
                let mut fut = future::future_exog(raw, f, &self.roles, &futr_cols, &who, h)?;
                if let Some(s) = scaler {
                    scale_future(s, raw, &futr_cols, &mut fut);
                }
                Some(fut)
            }
        };
        let ds = Self::scaled(raw, scaler)?;
        let cols = self.run_models(&ds, scaler, future.as_ref(), &|m, d| {
            let w = EvalWindows::predict(d, &m.train_config().windows(0, 0), 1)?;
            let mut out = Vec::with_capacity(w.len());
            w.fill(0..w.len(), &mut out);
            Ok(out)
        })?;
        let mut rows = OutputRows::default();
        let mut times = Vec::with_capacity(h);
        for s in 0..raw.n_series() {
            times.clear();
            raw.future_times(s, h, &mut times);
            rows.series.extend(std::iter::repeat_n(s as u32, h));
            rows.times.extend_from_slice(&times);
        }
        build_frame(
            raw,
            rows,
            cols,
            &self.roles.id_col,
            &self.roles.time_col,
            &self.roles.target_col,
        )
    }
}

/// Applies the local scaler of each future-known column to `fut` (channels `names`).
fn scale_future(s: &LocalScaler, raw: &Dataset, names: &[String], fut: &mut FutureExog) {
    let nf = fut.n_futr;
    for (c, name) in names.iter().enumerate() {
        let col = 1 + raw
            .futr_exog
            .names
            .iter()
            .position(|n| n == name)
            .expect("the union of futr lists is the dataset's futr columns");
        for (i, point) in fut.values.chunks_exact_mut(nf).enumerate() {
            let series = i / fut.h;
            s.transform_values(col, series, &mut point[c..c + 1]);
        }
    }
}

/// A long-format frame of synthetic series (`unique_id`, integer `ds` from 0, `y`): a trend
/// plus a period-7 wave, different per series. For examples and tests.
pub fn example_frame(series: &[(&str, usize)]) -> Frame {
    let mut dict = Vec::new();
    let (mut codes, mut ds, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for (i, &(id, n)) in series.iter().enumerate() {
        dict.push(id.to_string());
        for t in 0..n {
            codes.push(i as u32);
            ds.push(t as i64);
            let phase = (t % 7) as f64;
            y.push(10.0 + i as f64 + 0.5 * t as f64 + (phase - 3.0).abs());
        }
    }
    let mut f = Frame::new();
    f.push_column("unique_id", Column::Text(TextColumn { dict, codes }))
        .expect("fresh frame");
    f.push_column(
        "ds",
        Column::Time(TimeColumn {
            kind: crate::data::datetime::TimeKind::Integer,
            values: ds,
            offset_minutes: None,
        }),
    )
    .expect("same length");
    f.push_column("y", Column::Float(y)).expect("same length");
    f
}
