//! Several models fitted together on one frame, each forecasting into its own column, scored
//! on a held-out year against the seasonal-naive baseline.
//!
//! ```text
//! cargo run --release --example multiple_models
//! ```
//!
//! AirPassengers is split at 1959-12: the models train on 1949–1959 and forecast 1960, which
//! is compared with the actual values. Each model gets the settings of the CLI's defaults
//! (`neuro-divergent eval --help`, src/eval/defaults.rs) except for 200 training steps instead
//! of 300, so the errors are close to, not equal to, ACCURACY.md's AirPassengers table.

use std::time::Instant;

use neuro_divergent::data::embedded::{AIR_PASSENGERS_CSV, AIR_PASSENGERS_NAME};
use neuro_divergent::data::{Column, CsvOptions, Frame, Freq};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

const H: usize = 12;

/// The embedded CSV without its last `test` rows, and those rows' `y` values.
fn split(test: usize) -> Result<(Frame, Vec<f64>), Box<dyn std::error::Error>> {
    let lines: Vec<&str> = AIR_PASSENGERS_CSV.lines().collect();
    let cut = lines.len() - test;
    let train = lines[..cut].join("\n");
    let df = Frame::from_reader(
        train.as_bytes(),
        AIR_PASSENGERS_NAME,
        &CsvOptions::default(),
    )?;
    let mut actual = Vec::with_capacity(test);
    for line in &lines[cut..] {
        let y = line.rsplit(',').next().unwrap_or_default();
        actual.push(y.parse::<f64>()?);
    }
    Ok((df, actual))
}

/// A float column of `frame` by name.
fn floats<'f>(frame: &'f Frame, name: &str) -> Result<&'f [f64], Box<dyn std::error::Error>> {
    match frame.require(name)? {
        Column::Float(v) => Ok(v),
        other => Err(format!("column {name} is {}, not numbers", other.type_name()).into()),
    }
}

fn mae(forecast: &[f64], actual: &[f64]) -> f64 {
    let sum: f64 = forecast
        .iter()
        .zip(actual)
        .map(|(f, a)| (f - a).abs())
        .sum();
    sum / actual.len() as f64
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (train, actual) = split(H)?;
    let y = floats(&train, "y")?;

    // Input windows of a few horizons; fewer steps than the CLI's 300 keep this to seconds.
    let models = vec![
        ModelBuilder::new("mlp", H)
            .input_size(3 * H)
            .set("hidden_size", 256usize)
            .scaler_type("standard")
            .max_steps(200)
            .build()?,
        ModelBuilder::new("dlinear", H)
            .input_size(2 * H)
            .learning_rate(0.01)
            .max_steps(200)
            .build()?,
        ModelBuilder::new("nlinear", H)
            .input_size(2 * H)
            .learning_rate(0.01)
            .max_steps(200)
            .build()?,
        ModelBuilder::new("nbeats", H)
            .input_size(3 * H)
            .set("mlp_units", vec![vec![128usize, 128]; 2])
            .scaler_type("standard")
            .max_steps(200)
            .build()?,
        ModelBuilder::new("nhits", H)
            .input_size(3 * H)
            .set("mlp_units", vec![vec![128usize, 128]])
            .scaler_type("standard")
            .max_steps(200)
            .build()?,
    ];
    let mut nf = NeuralForecast::new(models, Freq::parse("MS")?);
    let start = Instant::now();
    let report = nf.fit(&train)?;
    let fit_total = start.elapsed().as_secs_f64();
    let forecast = nf.predict()?; // unique_id, ds, MLP, DLinear, NLinear, NBEATS, NHITS

    // Seasonal naive: each month of 1960 forecast as the same month of 1959.
    let naive = &y[y.len() - H..];
    println!("AirPassengers, test year 1960 (h = {H})");
    println!("{:<14} {:>8} {:>10}", "model", "MAE", "fit s");
    println!(
        "{:<14} {:>8.2} {:>10}",
        "SeasonalNaive",
        mae(naive, &actual),
        "-"
    );
    for m in &report.models {
        let column = floats(&forecast, &m.alias)?;
        println!(
            "{:<14} {:>8.2} {:>10.2}",
            m.alias,
            mae(column, &actual),
            m.seconds
        );
    }
    println!(
        "fitting all {} models took {fit_total:.2} s",
        report.models.len()
    );
    Ok(())
}
