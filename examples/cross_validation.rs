//! Rolling-origin evaluation with `cross_validation`: how well would the models have
//! forecast each of the last few years, had they been trained before it?
//!
//! ```text
//! cargo run --release --example cross_validation
//! ```
//!
//! `cross_validation(df, n_windows, step_size)` is NeuralForecast's `refit=False`: the models
//! are trained once on the series without its last `h + step_size·(n_windows − 1)` points,
//! then forecast `n_windows` horizons over that tail, one every `step_size` points. The output
//! has NeuralForecast's columns: `unique_id`, `ds`, `cutoff` (the last timestamp the forecast
//! could see), `y` (the actual value) and one column per model. Here: 3 windows of 12 months
//! on AirPassengers, so the models train on 1949–1957 and forecast 1958, 1959 and 1960.

use neuro_divergent::data::datetime::format_time;
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
    let df = air_passengers();
    let h = 12;
    let models = vec![
        ModelBuilder::new("nlinear", h)
            .input_size(2 * h)
            .learning_rate(0.01)
            .max_steps(200)
            .build()?,
        ModelBuilder::new("mlp", h)
            .input_size(3 * h)
            .set("hidden_size", 256usize)
            .scaler_type("standard")
            .max_steps(200)
            .build()?,
    ];
    let aliases: Vec<String> = models.iter().map(|m| m.alias().to_string()).collect();
    let mut nf = NeuralForecast::new(models, Freq::parse("MS")?);
    let cv = nf.cross_validation(&df, 3, h)?;

    let Column::Time(cutoff) = cv.require("cutoff")? else {
        return Err("cutoff is not a time column".into());
    };
    let y = floats(&cv, "y")?;

    // One line per window: its cutoff and each model's mean absolute error over the window.
    print!("{:<12}", "cutoff");
    for alias in &aliases {
        print!(" {:>10}", format!("{alias} MAE"));
    }
    println!();
    let mut start = 0;
    while start < cutoff.values.len() {
        let c = cutoff.values[start];
        let end = start
            + cutoff.values[start..]
                .iter()
                .take_while(|&&v| v == c)
                .count();
        let mut label = String::new();
        format_time(cutoff.kind, c, cutoff.offset_minutes, &mut label);
        print!("{label:<12}");
        for alias in &aliases {
            let f = &floats(&cv, alias)?[start..end];
            let err: f64 = f
                .iter()
                .zip(&y[start..end])
                .map(|(f, y)| (f - y).abs())
                .sum();
            print!(" {:>10.2}", err / (end - start) as f64);
        }
        println!();
        start = end;
    }
    println!("({} rows: {} windows × {h} months)", cv.len(), cv.len() / h);
    Ok(())
}
