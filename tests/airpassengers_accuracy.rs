//! Each model, with the CLI's eval defaults (src/eval/defaults.rs), beats SeasonalNaive on
//! AirPassengers: train 1949-01..1959-12, forecast the 12 months of 1960, compare MAE with
//! SeasonalNaive's 47.83. Through the library for every model, and once through the binary
//! (`neuro-divergent eval --json`). Prints each MAE (`cargo test --test
//! airpassengers_accuracy -- --nocapture`).

use neuro_divergent::data::frame::Column;
use neuro_divergent::data::{CsvOptions, Frame, Freq};
use neuro_divergent::eval::{defaults, metrics, seasonal_naive};
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::registry;

const CSV: &str = include_str!("../data/air_passengers.csv");
const MODELS: [&str; 6] = ["nlinear", "mlp", "dlinear", "nbeats", "nbeatsx", "nhits"];

/// (train CSV text, the 1960 values).
fn split() -> (String, Vec<f64>) {
    let lines: Vec<&str> = CSV.lines().collect();
    let (train, test) = lines.split_at(lines.len() - 12);
    let test = test
        .iter()
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    (train.join("\n") + "\n", test)
}

fn seasonal_naive_mae(train: &Frame, test: &[f64]) -> f64 {
    let Some(Column::Float(y)) = train.column("y") else {
        panic!("y is numeric")
    };
    let f = seasonal_naive::forecast(y, 12, 12).unwrap();
    metrics::mae(test, &f)
}

#[test]
fn every_model_beats_seasonal_naive_through_the_library() {
    let (train_csv, test) = split();
    let train = Frame::from_reader(train_csv.as_bytes(), "train", &CsvOptions::default()).unwrap();
    let baseline = seasonal_naive_mae(&train, &test);
    assert!((baseline - 47.8333).abs() < 1e-3, "{baseline}");
    println!("SeasonalNaive MAE {baseline:.3}");
    for name in MODELS {
        assert!(
            registry::entry(name).is_ok(),
            "model {name} is not registered"
        );
        let model = registry::build(name, &defaults::for_model(name, 12)).unwrap();
        let alias = model.alias().to_string();
        let mut nf = NeuralForecast::new(vec![model], Freq::MonthStart(1));
        nf.fit(&train).unwrap();
        let fc = nf.predict().unwrap();
        let Some(Column::Float(yhat)) = fc.column(&alias) else {
            panic!("no column {alias}")
        };
        let mae = metrics::mae(&test, yhat);
        println!("{alias} MAE {mae:.3} (SeasonalNaive {baseline:.3})");
        assert!(
            mae < baseline,
            "{alias}: MAE {mae} does not beat SeasonalNaive {baseline}"
        );
    }
}

#[test]
fn nlinear_beats_seasonal_naive_through_the_binary() {
    let dir = std::env::temp_dir().join(format!("nd-air-accuracy-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (train_csv, _) = split();
    let header = CSV.lines().next().unwrap();
    let test_csv: Vec<&str> = CSV.lines().skip(CSV.lines().count() - 12).collect();
    let (train, test) = (dir.join("train.csv"), dir.join("test.csv"));
    std::fs::write(&train, train_csv).unwrap();
    std::fs::write(&test, format!("{header}\n{}\n", test_csv.join("\n"))).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_neuro-divergent"))
        .args([
            "eval", "--models", "nlinear", "--json", "--quiet", "--train",
        ])
        .arg(&train)
        .arg("--test")
        .arg(&test)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mae_of = |model: &str| -> f64 {
        let key = format!("{{\"model\":\"{model}\",\"mae\":");
        let at = stdout
            .find(&key)
            .unwrap_or_else(|| panic!("{model}: {stdout}"))
            + key.len();
        stdout[at..].split(',').next().unwrap().parse().unwrap()
    };
    let (naive, nlinear) = (mae_of("SeasonalNaive"), mae_of("NLinear"));
    println!("binary: NLinear MAE {nlinear:.3}, SeasonalNaive {naive:.3}");
    assert!((naive - 47.8333).abs() < 1e-3);
    assert!(nlinear < naive, "{stdout}");
}
