//! Future-known exogenous variables: a column whose future values are known when the
//! forecast is made (a planned promotion, a holiday, a price), listed in `futr_exog_list`.
//!
//! ```text
//! cargo run --release --example exogenous_variables
//! ```
//!
//! The data are generated here, deterministically, so the effect is known: two stores' daily
//! sales with a weekly pattern, a slow trend, noise, and +25 on promotion days, which follow
//! no calendar (a model cannot learn them from the past alone). Two MLPs with the same
//! settings are fitted together, one blind to the promotions and one with `promo` in its
//! `futr_exog_list`; both forecast the 14 held-out days, for which `predict_with` receives the
//! promotion plan (`unique_id`, `ds`, `promo`: the future frame NeuralForecast calls
//! `futr_df`). The model that sees the plan should have clearly the smaller error.

use neuro_divergent::data::datetime::{civil_from_days, days_from_civil};
use neuro_divergent::data::{Column, CsvOptions, Frame, Freq};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

type BoxResult<T> = Result<T, Box<dyn std::error::Error>>;

const DAYS: usize = 280;
const H: usize = 14;
const STORES: [&str; 2] = ["store_1", "store_2"];

/// xorshift64: deterministic noise and promotion days without a dependency.
struct Noise(u64);

impl Noise {
    /// Uniform in [0, 1).
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// One row of the generated data.
struct Row {
    store: &'static str,
    date: String,
    promo: f64,
    sales: f64,
}

fn generate() -> Vec<Row> {
    let mut noise = Noise(0x2545_F491_4F6C_DD1D);
    let first = days_from_civil(2024, 1, 1);
    let mut rows = Vec::with_capacity(STORES.len() * DAYS);
    for (s, store) in STORES.iter().enumerate() {
        for t in 0..DAYS {
            let (y, m, d) = civil_from_days(first + t as i64);
            let promo = if noise.next() < 0.2 { 1.0 } else { 0.0 };
            let weekly = [0.0, -4.0, -6.0, -3.0, 2.0, 12.0, 9.0][t % 7];
            let sales = 80.0
                + 20.0 * s as f64
                + 0.05 * t as f64
                + weekly
                + 25.0 * promo
                + 6.0 * (noise.next() - 0.5);
            rows.push(Row {
                store,
                date: format!("{y:04}-{m:02}-{d:02}"),
                promo,
                sales,
            });
        }
    }
    rows
}

/// Parses CSV text as the library reads files.
fn frame(csv: &str, name: &str) -> BoxResult<Frame> {
    Ok(Frame::from_reader(
        csv.as_bytes(),
        name,
        &CsvOptions::default(),
    )?)
}

fn floats<'f>(frame: &'f Frame, name: &str) -> BoxResult<&'f [f64]> {
    match frame.require(name)? {
        Column::Float(v) => Ok(v),
        other => Err(format!("column {name} is {}, not numbers", other.type_name()).into()),
    }
}

fn main() -> BoxResult<()> {
    let rows = generate();
    // History: all but the last H days of each store, with the promotions that happened.
    // Future: the last H days' promotion plan, without sales. Actual: what the models should hit.
    let (mut history, mut future) = (String::from("unique_id,ds,y,promo\n"), String::new());
    future.push_str("unique_id,ds,promo\n");
    let mut actual = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        if i % DAYS < DAYS - H {
            history.push_str(&format!(
                "{},{},{:.2},{}\n",
                r.store, r.date, r.sales, r.promo
            ));
        } else {
            future.push_str(&format!("{},{},{}\n", r.store, r.date, r.promo));
            actual.push(r.sales);
        }
    }
    let df = frame(&history, "<generated history>")?;
    let futr_df = frame(&future, "<generated promotion plan>")?;

    let mlp = |alias: &str, futr: Vec<&str>| {
        ModelBuilder::new("mlp", H)
            .input_size(4 * H)
            .set("hidden_size", 128usize)
            .scaler_type("standard")
            .max_steps(300)
            .alias(alias)
            .set("futr_exog_list", futr)
            .build()
    };
    let models = vec![mlp("MLP", vec![])?, mlp("MLP_promo", vec!["promo"])?];
    let mut nf = NeuralForecast::new(models, Freq::parse("D")?);
    nf.fit(&df)?;

    // Without the plan the model that needs it cannot forecast: the error says what is missing.
    if let Err(e) = nf.predict() {
        println!("predict() without futr_df: {e}");
    }
    let fc = nf.predict_with(&futr_df)?; // unique_id, ds, MLP, MLP_promo

    println!(
        "mean absolute error over {H} days of {} stores:",
        STORES.len()
    );
    for alias in ["MLP", "MLP_promo"] {
        let f = floats(&fc, alias)?;
        let mae = f
            .iter()
            .zip(&actual)
            .map(|(f, a)| (f - a).abs())
            .sum::<f64>()
            / f.len() as f64;
        println!("  {alias:<10} {mae:6.2}");
    }
    Ok(())
}
