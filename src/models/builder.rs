//! `ModelBuilder`: a model from Rust code, with typed setters for the shared hyperparameters.
//!
//! ```
//! use neuro_divergent::models::ModelBuilder;
//! let model = ModelBuilder::new("nlinear", 12).input_size(24).max_steps(50).build().unwrap();
//! assert_eq!(model.alias(), "NLinear");
//! ```

use super::{registry, Hyperparams, Model};
use crate::error::Result;
use crate::io::json::Value;

/// Collects hyperparameters for the model called `name`; [`ModelBuilder::build`] checks them.
#[derive(Clone, Debug)]
pub struct ModelBuilder {
    name: String,
    hp: Hyperparams,
}

impl ModelBuilder {
    /// A builder for the registered model `name` (`mlp`, `NHITS`, ...) with horizon `h`.
    pub fn new(name: &str, h: usize) -> ModelBuilder {
        ModelBuilder {
            name: name.to_string(),
            hp: Hyperparams::new().with("h", h),
        }
    }

    /// Sets any hyperparameter by its NeuralForecast name.
    pub fn set(mut self, name: &str, value: impl Into<Value>) -> ModelBuilder {
        self.hp.set(name, value);
        self
    }

    /// `input_size`.
    pub fn input_size(self, n: usize) -> ModelBuilder {
        self.set("input_size", n)
    }

    /// `max_steps`.
    pub fn max_steps(self, n: usize) -> ModelBuilder {
        self.set("max_steps", n)
    }

    /// `learning_rate`.
    pub fn learning_rate(self, lr: f64) -> ModelBuilder {
        self.set("learning_rate", lr)
    }

    /// `loss`, as text (`"mae"`, `"mqloss(level=[80, 90])"`).
    pub fn loss(self, spec: &str) -> ModelBuilder {
        self.set("loss", spec)
    }

    /// `random_seed`.
    pub fn random_seed(self, seed: u64) -> ModelBuilder {
        self.set("random_seed", seed)
    }

    /// `scaler_type`.
    pub fn scaler_type(self, name: &str) -> ModelBuilder {
        self.set("scaler_type", name)
    }

    /// `alias`: the output column name.
    pub fn alias(self, alias: &str) -> ModelBuilder {
        self.set("alias", alias)
    }

    /// The hyperparameters set so far.
    pub fn hyperparams(&self) -> &Hyperparams {
        &self.hp
    }

    /// Builds the model; errors name the parameter and its allowed range.
    pub fn build(&self) -> Result<Box<dyn Model>> {
        registry::build(&self.name, &self.hp)
    }
}
