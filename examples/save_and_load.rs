//! Saving fitted models to one file and loading them in another process (or later): the
//! loaded forecaster predicts exactly what the saved one did, bit for bit.
//!
//! ```text
//! cargo run --release --example save_and_load [-- FILE]
//! ```
//!
//! A model file (`.ndf`) holds every model's registry name and resolved hyperparameters, the
//! parameters, the frequency and column names, the fitted local scaler and the training data
//! `predict` forecasts from; it is versioned and checksummed, so a truncated or corrupted file
//! is refused with an error naming it. The file is written to FILE, or to the system's
//! temporary directory and removed at the end.
//!
//! After loading: `predict()` forecasts after the training data; `predict_on(df, ...)`
//! forecasts after the series of new data without training; `fit` continues training from
//! the loaded weights (a warm start).

use std::path::PathBuf;

use neuro_divergent::data::embedded::air_passengers;
use neuro_divergent::data::{Column, Frame, Freq};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

fn floats<'f>(frame: &'f Frame, name: &str) -> BoxResult<&'f [f64]> {
    match frame.require(name)? {
        Column::Float(v) => Ok(v),
        other => Err(format!("column {name} is {}, not numbers", other.type_name()).into()),
    }
}

fn main() -> BoxResult<()> {
    let given = std::env::args().nth(1).map(PathBuf::from);
    let path = given.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("save_and_load-{}.ndf", std::process::id()))
    });

    let df = air_passengers();
    let h = 12;
    let models = vec![
        ModelBuilder::new("nlinear", h)
            .input_size(2 * h)
            .learning_rate(0.01)
            .max_steps(200)
            .build()?,
        ModelBuilder::new("nhits", h)
            .input_size(3 * h)
            .set("mlp_units", vec![vec![128usize, 128]])
            .scaler_type("standard")
            .max_steps(200)
            .build()?,
    ];
    let mut nf = NeuralForecast::new(models, Freq::parse("MS")?);
    nf.fit(&df)?;
    let before = nf.predict()?;
    nf.save(&path)?;
    let bytes = std::fs::metadata(&path)?.len();
    println!("saved {} ({bytes} bytes)", path.display());

    let loaded = NeuralForecast::load(&path)?;
    let after = loaded.predict()?;
    for alias in ["NLinear", "NHITS"] {
        let (a, b) = (floats(&before, alias)?, floats(&after, alias)?);
        let same = a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits());
        println!("{alias}: loaded forecast identical to the saved one: {same}");
        if !same {
            return Err(format!("{alias}: the loaded model forecasts differently").into());
        }
    }

    // New data, no training: the forecast after the series of `recent` (here the first ten
    // years, so the forecast is for 1959).
    let recent = df_prefix(&df, 120)?;
    let from_recent = loaded.predict_on(&recent, None, None)?;
    println!(
        "forecast after 1958-12 from the loaded models, NHITS: {:.0?}",
        floats(&from_recent, "NHITS")?
    );

    if given.is_none() {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

/// The first `n` rows of a one-series frame (every column sliced alike).
fn df_prefix(df: &Frame, n: usize) -> BoxResult<Frame> {
    let mut out = Frame::new();
    for (name, column) in df.names().iter().zip(df.columns()) {
        let cut = match column {
            Column::Float(v) => Column::Float(v[..n].to_vec()),
            Column::Time(t) => {
                let mut t = t.clone();
                t.values.truncate(n);
                Column::Time(t)
            }
            Column::Text(t) => {
                let mut t = t.clone();
                t.codes.truncate(n);
                Column::Text(t)
            }
        };
        out.push_column(name.clone(), cut)?;
    }
    Ok(out)
}
