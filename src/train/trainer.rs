//! The fit loop: NeuralForecast's `BaseModel.fit` for one model on one dataset.
//!
//! [`TrainPlan`] checks the settings and indexes the training windows; [`Trainer`] owns
//! every buffer of the loop, planned once, so [`Trainer::step`] allocates nothing.
//!
//! Randomness: the parameters are initialised from `random_seed` ([`ParamStore::new`]), and
//! the sampler's and dropout's streams are forks of `Rng::seed_from(random_seed)` with stream
//! numbers of their own, so one seed gives bitwise identical weights and forecasts.
//!
//! Validation runs after every `val_check_steps`-th step when `val_size > 0` (Lightning's
//! `val_check_interval` counted in global steps, as NeuralForecast configures it). Early
//! stopping follows Lightning's `EarlyStopping(monitor="ptl/val_loss", patience =
//! early_stop_patience_steps)`: a check improves when its loss is strictly below the best so
//! far; after `patience` checks in a row without improvement training stops. As in
//! NeuralForecast, the weights that remain are those of the last step taken, not the best
//! checkpoint. Asking for early stopping without `val_size` is an error (NeuralForecast raises
//! too).
//!
//! Differences by choice: RevIN's learnable affine (`scaler_type="revin"`) stays at its
//! initial value (bias 0, weight 1) instead of being trained; a NaN training loss is an error
//! naming the model and the step (NeuralForecast raises "Loss is NaN").

use super::data_parallel::{train_step_parallel, Lanes};
use super::step::{train_step, StepBuffers, StepState};
use super::validation::{point_channel, Validator};
use crate::data::batch::BatchLayout;
use crate::data::scalers::TemporalScaler;
use crate::data::windows::{EvalWindows, Sampler, WindowConfig, WindowIndex};
use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::models::Model;
use crate::nn::ParamStore;
use crate::optim::{AdamConfig, LrSchedule, Optimizer};
use crate::rng::Rng;
use nd_kernels::table::Kernels;

/// Stream numbers of the forks of `Rng::seed_from(random_seed)` (far from the small numbers
/// `ParamStore` uses per tensor).
const SAMPLER_STREAM: u64 = 0x5A3D_0001_0000_0000;
const DROPOUT_STREAM: u64 = 0x5A3D_0002_0000_0000;

/// What a fit holds out at the end of every series.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Holdout {
    /// Points before the test tail used for validation.
    pub val_size: usize,
    /// Points at the very end never read (cross-validation's test tail).
    pub test_size: usize,
}

/// What one step or validation check reports to a progress callback.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepReport {
    /// Steps taken so far in this fit (1 after the first).
    pub step: usize,
    /// `max_steps`.
    pub max_steps: usize,
    /// This step's training loss.
    pub train_loss: f32,
    /// The last validation loss, if any check has run.
    pub valid_loss: Option<f32>,
}

/// The outcome of a fit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainReport {
    /// Optimizer steps taken.
    pub steps: usize,
    /// The last step's training loss.
    pub train_loss: f32,
    /// The lowest validation loss seen, if validation ran.
    pub best_valid_loss: Option<f32>,
    /// Whether early stopping ended the fit before `max_steps`.
    pub stopped_early: bool,
}

/// The checked settings and the training-window index of one fit.
#[derive(Debug)]
pub struct TrainPlan<'a> {
    model: &'a dyn Model,
    ds: &'a Dataset,
    windows: WindowConfig,
    index: WindowIndex,
}

impl<'a> TrainPlan<'a> {
    /// Plans a fit of `model` on `ds` (already projected on the model's exogenous lists).
    ///
    /// Errors: early stopping without validation; bad window settings; series too short; no
    /// valid window; exogenous channels that do not match the model's lists.
    pub fn new(model: &'a dyn Model, ds: &'a Dataset, holdout: Holdout) -> Result<TrainPlan<'a>> {
        let c = model.train_config();
        if c.early_stop_patience_steps.is_some() && holdout.val_size == 0 {
            return Err(Error::config(
                "early_stop_patience_steps",
                format_args!(
                    "{}: early stopping needs a validation set: set val_size > 0",
                    model.alias()
                ),
            ));
        }
        let lists = (
            c.futr_exog_list.len(),
            c.hist_exog_list.len(),
            c.stat_exog_list.len(),
        );
        let have = (
            ds.futr_exog.n_cols(),
            ds.hist_exog.n_cols(),
            ds.static_exog.names.len(),
        );
        if lists != have {
            return Err(Error::bare(
                ErrorKind::Config,
                format!(
                    "{}: the data carry {} future, {} historical and {} static columns; the \
                     model lists {}, {} and {}",
                    model.alias(),
                    have.0,
                    have.1,
                    have.2,
                    lists.0,
                    lists.1,
                    lists.2
                ),
            ));
        }
        let windows = c.windows(holdout.val_size, holdout.test_size);
        let index = WindowIndex::build(ds, &windows)?;
        // Checked here so a bad val_size or valid_loss fails before any buffer is planned.
        EvalWindows::validation(ds, &windows)?;
        if holdout.val_size > 0 {
            point_channel(model)?;
        }
        Ok(TrainPlan {
            model,
            ds,
            windows,
            index,
        })
    }

    /// The window settings (with the holdout).
    pub fn windows(&self) -> &WindowConfig {
        &self.windows
    }

    /// The training-window index.
    pub fn index(&self) -> &WindowIndex {
        &self.index
    }

    /// A trainer with fresh Adam state and the schedule at step 0.
    pub fn trainer(&self) -> Result<Trainer<'_>> {
        let model = self.model;
        let c = model.train_config();
        let root = Rng::seed_from(c.random_seed);
        let sampler = Sampler::new(&self.index, c.sampler(), &root.fork(SAMPLER_STREAM))?;
        let layout = BatchLayout::for_dataset(self.ds, sampler.max_windows(), c.input_size, c.h);
        let threads = crate::sched::current_threads();
        let (bufs, lanes) = if threads > 1 {
            let lanes = Lanes::new(model, layout.b, threads);
            (StepBuffers::without_workspace(model, layout), Some(lanes))
        } else {
            (StepBuffers::new(model, layout), None)
        };
        let scaler = TemporalScaler::new(c.scaler_type, 1 + layout.n_hist + layout.n_futr);
        let n_params = model.layout().len();
        let state = StepState {
            optimizer: Optimizer::adam(
                AdamConfig {
                    lr: c.learning_rate as f32,
                    ..AdamConfig::adam()
                },
                n_params,
            )?,
            schedule: LrSchedule::neuralforecast(
                c.learning_rate,
                c.max_steps as u64,
                c.num_lr_decays.map_or(-1, |d| d as i64),
            ),
            dropout_rng: root.fork(DROPOUT_STREAM),
            step: 0,
        };
        let validator = Validator::new(model, self.ds, &self.windows)?;
        Ok(Trainer {
            k: nd_kernels::table::active(),
            model,
            ds: self.ds,
            sampler,
            bufs,
            lanes,
            scaler,
            state,
            validator,
        })
    }
}

/// The fit loop's state: sampler, buffers, optimizer and validator.
pub struct Trainer<'p> {
    k: &'static Kernels,
    model: &'p dyn Model,
    ds: &'p Dataset,
    sampler: Sampler<'p>,
    bufs: StepBuffers,
    /// Data-parallel shards, when the trainer was built with more than one thread.
    lanes: Option<Lanes>,
    scaler: TemporalScaler,
    state: StepState,
    validator: Option<Validator>,
}

impl std::fmt::Debug for Trainer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("model", &self.model.alias())
            .field("steps", &self.state.step)
            .finish_non_exhaustive()
    }
}

impl Trainer<'_> {
    /// One optimizer step on the next sampled batch; returns its training loss.
    ///
    /// # Panics
    /// If `store` does not follow the model's layout.
    pub fn step(&mut self, store: &mut ParamStore) -> f32 {
        assert_eq!(
            store.values.len(),
            self.model.layout().len(),
            "param store layout"
        );
        self.sampler.next_batch(&mut self.bufs.windows);
        match &mut self.lanes {
            None => train_step(
                self.k,
                self.model,
                store,
                self.ds,
                &mut self.scaler,
                &mut self.bufs,
                &mut self.state,
            ),
            Some(lanes) => crate::sched::in_pool(|| {
                train_step_parallel(
                    self.k,
                    self.model,
                    store,
                    self.ds,
                    &mut self.scaler,
                    &mut self.bufs,
                    &mut self.state,
                    lanes,
                )
            }),
        }
    }

    /// The number of data-parallel shards a step is split into (1: not split). It is the
    /// thread count of the pool current when the trainer was built (see
    /// [`crate::sched::current_threads`]); a seed gives bitwise identical training for a given
    /// count.
    pub fn lanes(&self) -> usize {
        self.lanes.as_ref().map_or(1, Lanes::len)
    }

    /// Steps taken so far.
    pub fn steps(&self) -> usize {
        self.state.step as usize
    }

    /// The validation loss of the current weights (`None` without validation).
    pub fn validate(&mut self, store: &ParamStore) -> Option<f32> {
        let v = self.validator.as_mut()?;
        Some(v.loss(self.k, self.model, &store.values, self.ds))
    }

    /// Runs `max_steps` steps with validation and early stopping; calls `progress` after
    /// every step.
    ///
    /// Errors: a NaN training or validation loss (names the model and the step).
    pub fn run(
        &mut self,
        store: &mut ParamStore,
        progress: &mut dyn FnMut(&StepReport),
    ) -> Result<TrainReport> {
        let c = self.model.train_config();
        let patience = c.early_stop_patience_steps;
        let (mut best, mut last_valid, mut wait) = (None::<f32>, None, 0usize);
        let mut train_loss = f32::NAN;
        let mut stopped_early = false;
        while self.steps() < c.max_steps {
            train_loss = self.step(store);
            let step = self.steps();
            if train_loss.is_nan() {
                return Err(self.nan_error("training", step));
            }
            if step.is_multiple_of(c.val_check_steps) {
                if let Some(v) = self.validate(store) {
                    if v.is_nan() {
                        return Err(self.nan_error("validation", step));
                    }
                    last_valid = Some(v);
                    if best.is_none_or(|b| v < b) {
                        best = Some(v);
                        wait = 0;
                    } else {
                        wait += 1;
                    }
                }
            }
            progress(&StepReport {
                step,
                max_steps: c.max_steps,
                train_loss,
                valid_loss: last_valid,
            });
            if let Some(p) = patience {
                if last_valid.is_some() && wait >= p.max(1) && step < c.max_steps {
                    stopped_early = true;
                    break;
                }
            }
        }
        Ok(TrainReport {
            steps: self.steps(),
            train_loss,
            best_valid_loss: best,
            stopped_early,
        })
    }

    fn nan_error(&self, what: &str, step: usize) -> Error {
        Error::bare(
            ErrorKind::Data,
            format!(
                "{}: the {what} loss is NaN at step {step}; training stopped (check the data \
                 for extreme values, the learning rate and the scaler)",
                self.model.alias()
            ),
        )
    }
}

/// Fits `model`'s parameters in `store` on `ds` (projected on the model's lists), continuing
/// from the values `store` holds, with fresh Adam state and the schedule from step 0.
pub fn fit_model(
    model: &dyn Model,
    store: &mut ParamStore,
    ds: &Dataset,
    holdout: Holdout,
    progress: &mut dyn FnMut(&StepReport),
) -> Result<TrainReport> {
    let plan = TrainPlan::new(model, ds, holdout)?;
    let mut trainer = plan.trainer()?;
    trainer.run(store, progress)
}
