//! The hyperparameters the CLI (`forecast`, `fit`, `eval`) gives each model unless the command
//! line overrides them.
//!
//! NeuralForecast's own defaults (which the library keeps: `ModelBuilder` and model files use
//! them) are tuned for long training runs (DLinear: 5000 steps at learning rate 1e-4) and leave
//! `input_size` to the user. The CLI must answer in seconds and pick an input size itself, so
//! each model gets a short schedule, an input window of a few horizons and a temporal scaler.
//! They were chosen so that each model beats SeasonalNaive on AirPassengers (train through
//! 1959-12, test 1960; see tests/airpassengers_accuracy.rs for the figures).
//!
//! The input size is given as a multiple of the horizon `h`.
//!
//! Measured MAE on the 1960 test year (SeasonalNaive 47.83), seed 1, release build
//! (`neuro-divergent eval`, 2026-12-01): NLinear 17.33, DLinear 22.68, MLP 14.74 (MLP with
//! NeuralForecast's hidden_size 1024 and an input of 24: 12.84, but about 15 times slower; with
//! hidden_size 256 and input 24: 28.82); NBEATS 12.83 (NeuralForecast's three stacks with
//! mlp_units [[128, 128], [128, 128]] instead of three 512-wide layers); NBEATSx the same 12.83
//! (without exogenous inputs it is NBEATS, same parameter names and initialisation); NHITS 11.97
//! (seeds 2 and 3: 24.50, 13.85; with NeuralForecast's mlp_units 3·[[512, 512]]: 15.05, fit
//! about 18 times slower; with [[256, 256], [256, 256]]: 18.85). M3 sMAPE with these defaults,
//! next to NeuralForecast run with the same configuration: ACCURACY.md.

use crate::models::Hyperparams;

/// A model's CLI defaults.
#[derive(Clone, Copy, Debug)]
pub struct EvalDefaults {
    /// Registry name.
    pub model: &'static str,
    /// `input_size = input_horizons · h`.
    pub input_horizons: usize,
    /// Other hyperparameters, as `name=value` assignments.
    pub params: &'static [&'static str],
}

/// Every model with CLI defaults; a model not listed gets `input_size = 2h` and NeuralForecast's
/// defaults for the rest.
pub static DEFAULTS: &[EvalDefaults] = &[
    EvalDefaults {
        model: "nlinear",
        input_horizons: 2,
        // NLinear normalises by the window's last value itself; a temporal scaler on top
        // hurts it (AirPassengers MAE 28.84 with the standard scaler, M3 yearly sMAPE 17.86).
        params: &[
            "max_steps=300",
            "learning_rate=0.01",
            "scaler_type=identity",
        ],
    },
    EvalDefaults {
        model: "mlp",
        input_horizons: 3,
        // NeuralForecast's 1024 units make a 300-step fit take ~15x longer for no gain here.
        params: &["max_steps=300", "hidden_size=256", "scaler_type=standard"],
    },
    EvalDefaults {
        model: "dlinear",
        input_horizons: 2,
        // NeuralForecast's identity scaler: the standard scaler on windows of a few horizons
        // made DLinear worse than SeasonalNaive on M3 (yearly sMAPE 25.5 against 16.7).
        params: &[
            "max_steps=300",
            "learning_rate=0.01",
            "scaler_type=identity",
        ],
    },
    EvalDefaults {
        model: "nhits",
        input_horizons: 3,
        // One hidden layer of 128 per block instead of NeuralForecast's three of 512: about
        // 18 times faster to fit here, and more accurate on this short series (see above).
        params: &[
            "max_steps=300",
            "mlp_units=[[128,128]]",
            "scaler_type=standard",
        ],
    },
    EvalDefaults {
        model: "nbeats",
        input_horizons: 3,
        params: &[
            "max_steps=300",
            "mlp_units=[[128,128],[128,128]]",
            "scaler_type=standard",
        ],
    },
    EvalDefaults {
        model: "nbeatsx",
        input_horizons: 3,
        params: &[
            "max_steps=300",
            "mlp_units=[[128,128],[128,128]]",
            "scaler_type=standard",
        ],
    },
];

/// The defaults of the model registered as `name` (any case), for horizon `h`.
pub fn for_model(name: &str, h: usize) -> Hyperparams {
    let entry = DEFAULTS.iter().find(|d| d.model.eq_ignore_ascii_case(name));
    let mut hp = Hyperparams::new()
        .with("h", h)
        .with("input_size", entry.map_or(2, |d| d.input_horizons) * h);
    for assignment in entry.map_or(&[][..], |d| d.params) {
        hp.set_assignment(assignment)
            .expect("defaults are NAME=VALUE");
    }
    // NeuralForecast's trend and seasonality bases are undefined for one step (it refuses
    // h = 1 with them); the N-BEATS family then gets its generic, all-identity architecture, so
    // that `eval` with every model works on one-step horizons.
    if h == 1
        && ["nbeats", "nbeatsx"]
            .iter()
            .any(|m| m.eq_ignore_ascii_case(name))
    {
        hp.set_assignment(r#"stack_types=["identity","identity","identity"]"#)
            .expect("a JSON list");
    }
    hp
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::json::Value;

    #[test]
    fn every_model_builds_for_a_one_step_horizon() {
        for entry in crate::models::MODELS {
            let built = crate::models::registry::build(entry.name, &for_model(entry.name, 1));
            assert!(built.is_ok(), "{}: {:?}", entry.name, built.err());
        }
    }

    #[test]
    fn defaults_scale_with_the_horizon_and_build() {
        let hp = for_model("NLinear", 12);
        assert_eq!(hp.get("input_size"), Some(&Value::Number(24.0)));
        assert_eq!(hp.get("max_steps"), Some(&Value::Number(300.0)));
        assert!(crate::models::registry::build("nlinear", &hp).is_ok());
        let other = for_model("unknown", 6);
        assert_eq!(other.get("input_size"), Some(&Value::Number(12.0)));
    }

    #[test]
    fn every_registered_model_builds_with_its_defaults() {
        for e in crate::models::registry::MODELS {
            let hp = for_model(e.name, 4);
            let m = crate::models::registry::build(e.name, &hp);
            assert!(m.is_ok(), "{}: {:?}", e.name, m.err());
        }
    }
}
