//! The hyperparameters every model shares: window shape, training loop, scaling, exogenous
//! columns (NeuralForecast's `BaseModel` arguments, with its names and meanings).
//!
//! NeuralForecast's defaults differ between models (MLP trains 1000 steps at lr 1e-3, DLinear
//! 5000 at 1e-4, ...), so each model passes its own [`TrainDefaults`] when it reads these.

use super::hyperparams::ParamReader;
use crate::data::scalers::TemporalScalerKind;
use crate::data::windows::{SamplerConfig, WindowConfig};
use crate::error::{Error, Result};
use crate::loss::Loss;

/// A model's defaults for the shared hyperparameters that vary between NeuralForecast models.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainDefaults {
    /// `max_steps`.
    pub max_steps: usize,
    /// `learning_rate`.
    pub learning_rate: f64,
    /// `batch_size` (series per step).
    pub batch_size: usize,
    /// `windows_batch_size` (`None`: every window of the batch's series).
    pub windows_batch_size: Option<usize>,
    /// `inference_windows_batch_size` (`None`: all at once).
    pub inference_windows_batch_size: Option<usize>,
    /// `scaler_type`.
    pub scaler_type: TemporalScalerKind,
}

/// The resolved shared hyperparameters of one model.
#[derive(Clone, Debug, PartialEq)]
pub struct TrainConfig {
    /// h: forecast horizon.
    pub h: usize,
    /// L: input window length.
    pub input_size: usize,
    /// Training loss (computed on scaled values, as NeuralForecast does).
    pub loss: Loss,
    /// Validation loss (on de-scaled values); `None` means the training loss.
    pub valid_loss: Option<Loss>,
    /// Optimizer steps.
    pub max_steps: usize,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Times the learning rate is halved, evenly spaced over `max_steps`; `None` (-1) never.
    pub num_lr_decays: Option<usize>,
    /// Validation checks without improvement before stopping; `None` (-1) never stops early.
    pub early_stop_patience_steps: Option<usize>,
    /// Steps between validation checks.
    pub val_check_steps: usize,
    /// Series per training step.
    pub batch_size: usize,
    /// Series per validation batch (`None`: `batch_size`).
    pub valid_batch_size: Option<usize>,
    /// Windows per training step (`None`: all windows of the step's series).
    pub windows_batch_size: Option<usize>,
    /// Windows per inference batch (`None`: all at once).
    pub inference_windows_batch_size: Option<usize>,
    /// Pad `input_size - 1` zeros before each series so early points get windows.
    pub start_padding_enabled: bool,
    /// Distance between consecutive training windows.
    pub step_size: usize,
    /// Per-window temporal normalisation.
    pub scaler_type: TemporalScalerKind,
    /// Seed of initialisation, sampling and dropout.
    pub random_seed: u64,
    /// Drop an epoch's last, smaller batch of series.
    pub drop_last_loader: bool,
    /// Fraction of the input and output parts of a training window that must be observed.
    pub training_data_availability_threshold: f64,
    /// Output column name (`None`: the class name, `MLP`).
    pub alias: Option<String>,
    /// Future-known exogenous columns the model reads.
    pub futr_exog_list: Vec<String>,
    /// Historical exogenous columns the model reads.
    pub hist_exog_list: Vec<String>,
    /// Static exogenous columns the model reads.
    pub stat_exog_list: Vec<String>,
}

/// Largest accepted `h` and `input_size` (2²⁴ points).
pub const MAX_WINDOW: usize = 1 << 24;

/// Most parameters a model may have (4 GiB of f32 values).
pub const MAX_PARAMS: u128 = 1 << 30;

/// An error naming `model.parameter` when `n_params` exceeds [`MAX_PARAMS`] (a typo must not
/// ask for terabytes, nor overflow the layout's arithmetic).
pub fn check_param_count(model: &str, parameter: &str, n_params: u128) -> Result<()> {
    if n_params > MAX_PARAMS {
        return Err(Error::config(
            &format!("{model}.{parameter}"),
            format_args!(
                "these sizes give {n_params} parameters; at most {MAX_PARAMS} are allowed"
            ),
        ));
    }
    Ok(())
}

const SCALERS: &[&str] = &[
    "identity",
    "standard",
    "robust",
    "minmax",
    "minmax1",
    "invariant",
    "revin",
];

impl TrainConfig {
    /// Reads the shared hyperparameters with `defaults`; `h` and `input_size` are required
    /// (`input_size` defaults to `input_size_default` when given).
    pub fn read(
        r: &mut ParamReader<'_>,
        defaults: TrainDefaults,
        input_size_default: Option<usize>,
    ) -> Result<TrainConfig> {
        let h = r.required_usize("h", 1)?;
        let input_size = match input_size_default {
            Some(d) => r.usize("input_size", d, 1)?,
            None => r.required_usize("input_size", 1)?,
        };
        // Sizes beyond these are typos (input_size=1e15), and products of them must not
        // overflow when layers are laid out.
        for (name, v) in [("h", h), ("input_size", input_size)] {
            if v > MAX_WINDOW {
                return Err(Error::config(
                    &format!("{}.{name}", r.model()),
                    format_args!("must be at most {MAX_WINDOW}, got {v}"),
                ));
            }
        }
        let loss_spec = r.string("loss", "MAE", &[])?;
        let loss = Loss::parse(&loss_spec)?;
        loss.validate(input_size)?;
        r.record("loss", loss.spec());
        let valid_loss = match r.opt_string("valid_loss")? {
            None => None,
            Some(s) => {
                let v = Loss::parse(&s)?;
                v.validate(input_size)?;
                r.record("valid_loss", v.spec());
                Some(v)
            }
        };
        let max_steps = r.usize("max_steps", defaults.max_steps, 1)?;
        let learning_rate = r.f64("learning_rate", defaults.learning_rate, 0.0..=10.0)?;
        if learning_rate <= 0.0 {
            return Err(Error::config("learning_rate", "must be greater than 0"));
        }
        let num_lr_decays = r.i64("num_lr_decays", -1, -1..=1_000_000)?;
        let early_stop = r.i64("early_stop_patience_steps", -1, -1..=1_000_000_000)?;
        let val_check_steps = r.usize("val_check_steps", 100, 1)?;
        let batch_size = r.usize("batch_size", defaults.batch_size, 1)?;
        let valid_batch_size = r.opt_usize("valid_batch_size", None)?;
        let windows_batch_size = r.opt_usize("windows_batch_size", defaults.windows_batch_size)?;
        let inference_windows_batch_size = r.opt_usize(
            "inference_windows_batch_size",
            defaults.inference_windows_batch_size,
        )?;
        let start_padding_enabled = r.bool("start_padding_enabled", false)?;
        let step_size = r.usize("step_size", 1, 1)?;
        let scaler = r.string("scaler_type", defaults.scaler_type.name(), SCALERS)?;
        let scaler_type = TemporalScalerKind::parse(&scaler)?;
        let random_seed = r.i64("random_seed", 1, 0..=i64::MAX)? as u64;
        let drop_last_loader = r.bool("drop_last_loader", false)?;
        let threshold = r.f64("training_data_availability_threshold", 0.0, 0.0..=1.0)?;
        let alias = r.opt_string("alias")?;
        if alias.as_deref() == Some("") {
            return Err(Error::config("alias", "must not be empty"));
        }
        let futr_exog_list = r.string_list("futr_exog_list")?;
        let hist_exog_list = r.string_list("hist_exog_list")?;
        let stat_exog_list = r.string_list("stat_exog_list")?;
        Ok(TrainConfig {
            h,
            input_size,
            loss,
            valid_loss,
            max_steps,
            learning_rate,
            num_lr_decays: (num_lr_decays >= 0).then_some(num_lr_decays as usize),
            early_stop_patience_steps: (early_stop >= 0).then_some(early_stop as usize),
            val_check_steps,
            batch_size,
            valid_batch_size,
            windows_batch_size,
            inference_windows_batch_size,
            start_padding_enabled,
            step_size,
            scaler_type,
            random_seed,
            drop_last_loader,
            training_data_availability_threshold: threshold,
            alias,
            futr_exog_list,
            hist_exog_list,
            stat_exog_list,
        })
    }

    /// An error naming the first exogenous list that is not empty, for models that take no
    /// exogenous inputs of that kind (`futr`, `hist`, `stat` say which kinds the model takes).
    pub fn check_exog_support(
        &self,
        model: &str,
        futr: bool,
        hist: bool,
        stat: bool,
    ) -> Result<()> {
        for (ok, list, name) in [
            (futr, &self.futr_exog_list, "futr_exog_list"),
            (hist, &self.hist_exog_list, "hist_exog_list"),
            (stat, &self.stat_exog_list, "stat_exog_list"),
        ] {
            if !ok && !list.is_empty() {
                return Err(Error::config(
                    &format!("{model}.{name}"),
                    format_args!(
                        "{model} takes no such exogenous inputs (got {})",
                        list.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The window shape for training with `val_size` and `test_size` points held out.
    pub fn windows(&self, val_size: usize, test_size: usize) -> WindowConfig {
        WindowConfig {
            step_size: self.step_size,
            start_padding: self.start_padding_enabled,
            val_size,
            test_size,
            min_insample_fraction: self.training_data_availability_threshold,
            min_outsample_fraction: self.training_data_availability_threshold,
            ..WindowConfig::new(self.input_size, self.h)
        }
    }

    /// The training sampler's settings.
    pub fn sampler(&self) -> SamplerConfig {
        SamplerConfig {
            drop_last: self.drop_last_loader,
            ..SamplerConfig::new(self.batch_size, self.windows_batch_size)
        }
    }

    /// The loss used for validation.
    pub fn validation_loss(&self) -> &Loss {
        self.valid_loss.as_ref().unwrap_or(&self.loss)
    }
}
