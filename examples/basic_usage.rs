//! The smallest complete workflow: a long-format frame in, one model fitted, a forecast out.
//!
//! ```text
//! cargo run --release --example basic_usage
//! ```
//!
//! The data are AirPassengers (monthly airline passengers, 1949–1960), shipped inside the
//! library; `Frame::read_csv("your.csv")` reads your own file with the same columns
//! (`unique_id`, `ds`, `y`). The model is MLP with the settings the CLI's `forecast` uses:
//! an input window of three years, two hidden layers of 256 units, a standard scaler per
//! window, 300 training steps (about a second in a release build).

use neuro_divergent::data::embedded::air_passengers;
use neuro_divergent::data::{CsvOptions, Freq};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let df = air_passengers(); // unique_id, ds, y: 144 months of one series
    let horizon = 12;

    // Hyperparameters carry NeuralForecast's names; anything without a typed setter goes
    // through `set`.
    let mlp = ModelBuilder::new("mlp", horizon)
        .input_size(3 * horizon)
        .set("hidden_size", 256usize)
        .scaler_type("standard")
        .max_steps(300)
        .build()?;

    // "MS": month-start timestamps, pandas' alias.
    let mut nf = NeuralForecast::new(vec![mlp], Freq::parse("MS")?);
    let report = nf.fit(&df)?;
    for m in &report.models {
        eprintln!(
            "{}: {} steps in {:.2} s, last training loss {:.4}",
            m.alias, m.steps, m.seconds, m.train_loss
        );
    }

    // unique_id, ds, MLP: the 12 months after the end of the series (1961).
    let forecast = nf.predict()?;
    forecast.write_csv(std::io::stdout().lock(), &CsvOptions::default())?;
    Ok(())
}
