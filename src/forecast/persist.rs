//! Saving and loading a [`NeuralForecast`] as one model file (format in
//! [`crate::io::model_file`]).
//!
//! A file holds the models (registry name and every resolved hyperparameter), one parameter
//! buffer per model (bit for bit), the frequency, the column roles, `local_scaler_type`, and
//! when fitted, the fitted local scaler and the (unscaled) training data: `predict` forecasts
//! from the end of the training series, so a loaded forecaster predicts exactly what the saved
//! one did, bit for bit. An unfitted forecaster saves its configuration and its initial
//! parameters. Loading then fitting again continues from the loaded weights (warm start), as
//! fitting the saved forecaster again would: the optimizer state is not saved, since each fit
//! starts a fresh Adam (see [`crate::forecast`]).
//!
//! Differences from NeuralForecast's `save`/`load`: one file instead of a directory of
//! checkpoints; the training data are always saved (NeuralForecast's `save_dataset=True`
//! default); the file is refused cleanly when truncated, corrupted or from a newer format.

use std::path::Path;

use super::NeuralForecast;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::io::json::Value;
use crate::io::model_file::{self, SnapshotRef};
use crate::nn::ParamStore;
use nd_kernels::mem::AlignedBuf;

impl NeuralForecast {
    /// The model file's bytes (see the module docs).
    ///
    /// Errors: a model that is not in the registry cannot be saved (`Config`).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let params: Vec<Option<&[f32]>> = self
            .params
            .iter()
            .map(|p| Some(p.values.as_slice()))
            .collect();
        let state = Value::Object(Vec::new());
        model_file::encode(&SnapshotRef {
            freq: self.freq,
            roles: &self.roles,
            local_scaler_kind: self.local_scaler_kind,
            models: &self.models,
            params: &params,
            local_scaler: self.local_scaler.as_ref(),
            dataset: self.dataset.as_ref(),
            state: &state,
        })
    }

    /// A forecaster from a model file's bytes; `source` names them in errors.
    ///
    /// Errors (`ModelFile`, naming `source`): not a model file, truncated, corrupted, a newer
    /// format version, an unknown model, parameters that do not fit the model, inconsistent
    /// contents.
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<NeuralForecast> {
        let snap = model_file::decode(bytes, source)?;
        let params = snap
            .models
            .iter()
            .zip(snap.params)
            .map(|(m, p)| match p {
                Some(values) => ParamStore {
                    layout: m.layout().clone(),
                    values: AlignedBuf::from_slice(&values),
                    grads: AlignedBuf::zeroed(m.layout().len()),
                },
                None => ParamStore::new(m.layout().clone(), m.train_config().random_seed),
            })
            .collect();
        let nf = NeuralForecast {
            models: snap.models,
            params,
            freq: snap.freq,
            local_scaler_kind: snap.local_scaler_kind,
            local_scaler: snap.local_scaler,
            dataset: snap.dataset,
            roles: snap.roles,
        };
        nf.check_loaded()
            .map_err(|e| model_file::format::file_error(source, e.to_string()))?;
        Ok(nf)
    }

    /// Writes the model file to `path` (through a temporary file renamed into place, so an
    /// interrupted save never leaves a half-written file under `path`).
    ///
    /// Errors: `Io` naming the path; `Config` as [`NeuralForecast::to_bytes`].
    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = self.to_bytes()?;
        let shown = path.display().to_string();
        let io = |e: std::io::Error| {
            Error::new(ErrorKind::Io, Location::file(shown.clone()), e.to_string())
        };
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        std::fs::write(&tmp, &bytes).map_err(io)?;
        std::fs::rename(&tmp, path).map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            io(e)
        })
    }

    /// Reads a model file written by [`NeuralForecast::save`].
    ///
    /// Errors: `Io` (not found, permission) naming the path; `ModelFile` as
    /// [`NeuralForecast::from_bytes`].
    pub fn load(path: &Path) -> Result<NeuralForecast> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::new(ErrorKind::Io, Location::file(shown.clone()), e.to_string()))?;
        NeuralForecast::from_bytes(&bytes, &shown)
    }

    /// What `new` and `fit` guarantee and a crafted file could break: the models agree (unique
    /// aliases, one horizon), and the training data hold every column a model lists.
    fn check_loaded(&self) -> Result<()> {
        if self.models.is_empty() {
            return Err(Error::bare(ErrorKind::ModelFile, "the file holds no model"));
        }
        self.check_models()?;
        let Some(ds) = &self.dataset else {
            return Ok(());
        };
        if ds.freq != self.freq {
            return Err(Error::bare(
                ErrorKind::ModelFile,
                format!(
                    "the training data's frequency '{}' differs from the forecaster's '{}'",
                    ds.freq, self.freq
                ),
            ));
        }
        for m in &self.models {
            let c = m.train_config();
            for (list, names, what) in [
                (&c.futr_exog_list, &ds.futr_exog.names, "futr_exog_list"),
                (&c.hist_exog_list, &ds.hist_exog.names, "hist_exog_list"),
                (&c.stat_exog_list, &ds.static_exog.names, "stat_exog_list"),
            ] {
                if let Some(col) = list.iter().find(|c| !names.contains(c)) {
                    return Err(Error::bare(
                        ErrorKind::ModelFile,
                        format!(
                            "model {} lists '{col}' in {what}, but the saved training data \
                             have no such column",
                            m.alias()
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}
