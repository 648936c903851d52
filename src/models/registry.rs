//! The models by name: what the CLI's `--model`, model files and [`super::ModelBuilder`] look up.

use super::{Hyperparams, Model};
use crate::error::{Error, Result};

/// One registered model.
#[derive(Clone, Copy, Debug)]
pub struct ModelEntry {
    /// The registry name, lower case (`mlp`).
    pub name: &'static str,
    /// NeuralForecast's class name (`MLP`).
    pub class_name: &'static str,
    /// One line for `--help` and error messages.
    pub summary: &'static str,
    /// Builds the model from hyperparameters (which must include `h`).
    pub build: fn(&Hyperparams) -> Result<Box<dyn Model>>,
}

/// Every model, in the order `--help` lists them. Adding a model adds one line here.
pub static MODELS: &[ModelEntry] = &[
    super::mlp::ENTRY,
    super::dlinear::ENTRY,
    super::nlinear::ENTRY,
    super::nbeats::ENTRY,
    super::nbeatsx::ENTRY,
    super::nhits::ENTRY,
];

/// The entry called `name` (registry or class name, any case).
pub fn entry(name: &str) -> Result<&'static ModelEntry> {
    MODELS
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case(name) || e.class_name.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let known: Vec<&str> = MODELS.iter().map(|e| e.name).collect();
            // Suggest in the user's style: `MPL` → `MLP`, `nhist` → `nhits`.
            let lower = name == name.to_ascii_lowercase();
            let styled = MODELS
                .iter()
                .map(|e| if lower { e.name } else { e.class_name });
            Error::config(
                "model",
                format_args!(
                    "unknown model '{name}'; known: {}{}",
                    known.join(", "),
                    crate::suggest::hint(name, styled)
                ),
            )
        })
}

/// Builds the model called `name` from `hp`.
pub fn build(name: &str, hp: &Hyperparams) -> Result<Box<dyn Model>> {
    (entry(name)?.build)(hp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_lower_case_and_found_by_class_name() {
        for (i, e) in MODELS.iter().enumerate() {
            assert_eq!(e.name, e.name.to_ascii_lowercase());
            assert!(MODELS[..i].iter().all(|o| o.name != e.name));
            assert_eq!(entry(e.class_name).unwrap().name, e.name);
        }
        let err = entry("prophet").unwrap_err().to_string();
        assert!(
            err.contains("unknown model 'prophet'") && err.contains("nlinear"),
            "{err}"
        );
    }

    #[test]
    fn every_model_rebuilds_identically_from_its_resolved_hyperparameters() {
        for e in MODELS {
            let hp = Hyperparams::new()
                .with("h", 3usize)
                .with("input_size", 8usize);
            let m = (e.build)(&hp).unwrap();
            let again = (e.build)(m.hyperparams()).unwrap();
            assert_eq!(again.hyperparams(), m.hyperparams(), "{}", e.name);
            assert_eq!(again.layout(), m.layout(), "{}", e.name);
            assert_eq!(m.class_name(), e.class_name);
        }
    }
}
