//! The NeuralForecast API end to end: fit, predict, cross-validation, in-sample prediction,
//! exogenous validation, output columns.

use neuro_divergent::data::datetime::TimeKind;
use neuro_divergent::data::frame::{Column, Frame, TextColumn, TimeColumn};
use neuro_divergent::data::Freq;
use neuro_divergent::forecast::NeuralForecast;
use neuro_divergent::models::ModelBuilder;

/// A long frame from (id, values), integer times from `t0`.
fn frame(series: &[(&str, Vec<f64>)], t0: i64) -> Frame {
    let mut dict = Vec::new();
    let (mut codes, mut ds, mut y) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (id, values)) in series.iter().enumerate() {
        dict.push(id.to_string());
        for (t, v) in values.iter().enumerate() {
            codes.push(i as u32);
            ds.push(t0 + t as i64);
            y.push(*v);
        }
    }
    let mut f = Frame::new();
    f.push_column("unique_id", Column::Text(TextColumn { dict, codes }))
        .unwrap();
    f.push_column(
        "ds",
        Column::Time(TimeColumn {
            kind: TimeKind::Integer,
            values: ds,
            offset_minutes: None,
        }),
    )
    .unwrap();
    f.push_column("y", Column::Float(y)).unwrap();
    f
}

fn floats<'a>(f: &'a Frame, name: &str) -> &'a [f64] {
    match f.column(name) {
        Some(Column::Float(v)) => v,
        other => panic!("column {name}: {other:?}"),
    }
}

fn times<'a>(f: &'a Frame, name: &str) -> &'a [i64] {
    match f.column(name) {
        Some(Column::Time(t)) => &t.values,
        other => panic!("column {name}: {other:?}"),
    }
}

fn ids(f: &Frame) -> Vec<String> {
    match f.column("unique_id") {
        Some(Column::Text(t)) => (0..t.len()).map(|r| t.get(r).to_string()).collect(),
        other => panic!("unique_id: {other:?}"),
    }
}

fn trend(n: usize, a: f64, b: f64) -> Vec<f64> {
    (0..n).map(|t| a + b * t as f64).collect()
}

#[test]
fn nlinear_fit_predict_learns_a_linear_trend() {
    let df = frame(
        &[
            ("up", trend(60, 5.0, 2.0)),
            ("down", trend(50, 100.0, -1.5)),
        ],
        0,
    );
    let model = ModelBuilder::new("nlinear", 6)
        .input_size(12)
        .max_steps(300)
        .learning_rate(1e-2)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
    assert!(!nf.is_fitted());
    let report = nf.fit(&df).unwrap();
    assert_eq!(report.models[0].steps, 300);
    assert!(nf.is_fitted());
    let fc = nf.predict().unwrap();
    assert_eq!(fc.names(), &["unique_id", "ds", "NLinear"]);
    assert_eq!(fc.len(), 12);
    assert_eq!(
        ids(&fc),
        [vec!["up".to_string(); 6], vec!["down".to_string(); 6]].concat()
    );
    let ds = times(&fc, "ds");
    assert_eq!(&ds[..6], &[60, 61, 62, 63, 64, 65]);
    assert_eq!(&ds[6..], &[50, 51, 52, 53, 54, 55]);
    let y = floats(&fc, "NLinear");
    for j in 0..6 {
        let up = 5.0 + 2.0 * (60 + j) as f64;
        let down = 100.0 - 1.5 * (50 + j) as f64;
        assert!((y[j] - up).abs() < 0.5, "up step {j}: {} vs {up}", y[j]);
        assert!(
            (y[6 + j] - down).abs() < 0.5,
            "down step {j}: {} vs {down}",
            y[6 + j]
        );
    }
}

#[test]
fn predict_before_fit_is_an_error() {
    let model = ModelBuilder::new("nlinear", 2)
        .input_size(4)
        .build()
        .unwrap();
    let nf = NeuralForecast::new(vec![model], Freq::Integer(1));
    let e = nf.predict().unwrap_err().to_string();
    assert!(e.contains("not fitted"), "{e}");
}

// ---- a tiny model with future-known inputs, to exercise the exogenous plumbing ----

use neuro_divergent::models::{
    Hyperparams, Mode, Model, ModelInput, ParamReader, TrainConfig, Workspace,
};
use neuro_divergent::nn::{Init, ParamLayout, ParamRange};

/// y_hat[b, j] = v · futr[b, L + j, :] + bias[j].
#[derive(Debug)]
struct FutrLinear {
    config: TrainConfig,
    hp: Hyperparams,
    layout: ParamLayout,
    v: ParamRange,
    bias: ParamRange,
}

impl FutrLinear {
    fn boxed(h: usize, l: usize, futr: &[&str], alias: &str) -> Box<dyn Model> {
        let given = Hyperparams::new()
            .with("h", h)
            .with("input_size", l)
            .with("max_steps", 600usize)
            .with("learning_rate", 0.1)
            .with("alias", alias)
            .with("futr_exog_list", futr.to_vec());
        let mut r = ParamReader::new("FutrLinear", &given);
        let config =
            TrainConfig::read(&mut r, neuro_divergent::models::nlinear::DEFAULTS, None).unwrap();
        let hp = r.finish().unwrap();
        let mut layout = ParamLayout::new();
        let v = layout.add("v", &[futr.len()], Init::Zeros);
        let bias = layout.add("bias", &[h], Init::Zeros);
        Box::new(FutrLinear {
            config,
            hp,
            layout,
            v,
            bias,
        })
    }
}

impl Model for FutrLinear {
    fn class_name(&self) -> &'static str {
        "FutrLinear"
    }
    fn train_config(&self) -> &TrainConfig {
        &self.config
    }
    fn hyperparams(&self) -> &Hyperparams {
        &self.hp
    }
    fn layout(&self) -> &ParamLayout {
        &self.layout
    }
    fn workspace(&self, _rows: usize) -> Workspace {
        Workspace::default()
    }
    fn forward(
        &self,
        _k: &neuro_divergent::kernels::Kernels,
        params: &[f32],
        x: &ModelInput<'_>,
        y_hat: &mut [f32],
        _cache: &mut [f32],
        _scratch: &mut [f32],
        _mode: Mode<'_>,
    ) {
        let (l, h, f) = (self.config.input_size, self.config.h, self.v.len);
        let (v, b) = (self.v.of(params), self.bias.of(params));
        for r in 0..x.rows {
            for j in 0..h {
                let fx = &x.futr_exog[(r * (l + h) + l + j) * f..][..f];
                let dot: f32 = v.iter().zip(fx).map(|(a, b)| a * b).sum();
                y_hat[r * h + j] = dot + b[j];
            }
        }
    }
    fn backward(
        &self,
        _k: &neuro_divergent::kernels::Kernels,
        _params: &[f32],
        grads: &mut [f32],
        x: &ModelInput<'_>,
        _cache: &[f32],
        d_y_hat: &[f32],
        _scratch: &mut [f32],
    ) {
        let (l, h, f) = (self.config.input_size, self.config.h, self.v.len);
        for r in 0..x.rows {
            for j in 0..h {
                let d = d_y_hat[r * h + j];
                let fx = &x.futr_exog[(r * (l + h) + l + j) * f..][..f];
                for (g, &e) in self.v.of_mut(grads).iter_mut().zip(fx) {
                    *g += d * e;
                }
                self.bias.of_mut(grads)[j] += d;
            }
        }
    }
}

/// A frame with columns unique_id, ds, y = 10 + 3·price, and `price`.
fn exog_frame(n: usize, t0: i64, with_y: bool) -> Frame {
    let mut f = Frame::new();
    let (mut codes, mut ds, mut y, mut p) = (vec![], vec![], vec![], vec![]);
    for s in 0..2u32 {
        for t in 0..n {
            codes.push(s);
            ds.push(t0 + t as i64);
            let price = ((t * 7 + s as usize * 3) % 5) as f64;
            p.push(price);
            y.push(10.0 + 3.0 * price);
        }
    }
    f.push_column(
        "unique_id",
        Column::Text(TextColumn {
            dict: vec!["a".into(), "b".into()],
            codes,
        }),
    )
    .unwrap();
    f.push_column(
        "ds",
        Column::Time(TimeColumn {
            kind: TimeKind::Integer,
            values: ds,
            offset_minutes: None,
        }),
    )
    .unwrap();
    if with_y {
        f.push_column("y", Column::Float(y)).unwrap();
    }
    f.push_column("price", Column::Float(p)).unwrap();
    f
}

#[test]
fn future_exogenous_columns_are_validated_and_used() {
    // Missing in df: names model, list and column.
    let df = frame(&[("a", trend(30, 1.0, 1.0))], 0);
    let mut nf = NeuralForecast::new(
        vec![FutrLinear::boxed(2, 4, &["price"], "FL")],
        Freq::Integer(1),
    );
    let e = nf.fit(&df).unwrap_err().to_string();
    assert!(
        e.contains("FL") && e.contains("futr_exog_list") && e.contains("price"),
        "{e}"
    );

    let df = exog_frame(40, 0, true);
    nf.fit(&df).unwrap();
    // predict() without future values.
    let e = nf.predict().unwrap_err().to_string();
    assert!(e.contains("price") && e.contains("predict_with"), "{e}");
    // futr_df without the column.
    let mut no_col = Frame::new();
    for name in ["unique_id", "ds"] {
        no_col
            .push_column(name, exog_frame(2, 40, false).column(name).unwrap().clone())
            .unwrap();
    }
    let e = nf.predict_with(&no_col).unwrap_err().to_string();
    assert!(e.contains("price") && e.contains("FL"), "{e}");
    // futr_df lacking a timestamp (only 1 of h = 2 steps).
    let e = nf
        .predict_with(&exog_frame(1, 40, false))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("series 'a'") && e.contains("timestamp 41"),
        "{e}"
    );
    // futr_df lacking a series.
    let only_a = {
        let full = exog_frame(2, 40, false);
        let mut f = Frame::new();
        for name in ["unique_id", "ds", "price"] {
            let c = match full.column(name).unwrap() {
                Column::Text(t) => Column::Text(TextColumn {
                    dict: t.dict.clone(),
                    codes: t.codes[..2].to_vec(),
                }),
                Column::Time(t) => Column::Time(TimeColumn {
                    values: t.values[..2].to_vec(),
                    ..t.clone()
                }),
                Column::Float(v) => Column::Float(v[..2].to_vec()),
            };
            f.push_column(name, c).unwrap();
        }
        f
    };
    let e = nf.predict_with(&only_a).unwrap_err().to_string();
    assert!(
        e.contains("series 'b'") && e.contains("timestamp 40"),
        "{e}"
    );
    // A complete futr_df: the model learnt y ≈ 10 + 3·price from the future prices.
    let futr = exog_frame(2, 40, false);
    let fc = nf.predict_with(&futr).unwrap();
    assert_eq!(fc.names(), &["unique_id", "ds", "FL"]);
    let y = floats(&fc, "FL");
    let p = floats(&futr, "price");
    let truth: Vec<f64> = (0..4).map(|i| 10.0 + 3.0 * p[i]).collect();
    let err: f64 = y
        .iter()
        .zip(&truth)
        .map(|(a, b)| (a - b).abs())
        .sum::<f64>()
        / 4.0;
    assert!(err < 1.0, "{y:?} vs {truth:?}");
}

#[test]
fn cross_validation_cutoffs_shapes_and_values() {
    // a: 20 points, b: 15; h = 2, 3 windows every 2 → test_size 6.
    let df = frame(
        &[("a", trend(20, 0.0, 1.0)), ("b", trend(15, 100.0, 2.0))],
        1000,
    );
    let model = ModelBuilder::new("nlinear", 2)
        .input_size(4)
        .max_steps(50)
        .learning_rate(1e-2)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
    let cv = nf.cross_validation(&df, 3, 2).unwrap();
    assert_eq!(cv.names(), &["unique_id", "ds", "cutoff", "y", "NLinear"]);
    assert_eq!(cv.len(), 12);
    let a_ds: Vec<i64> = (1014..1020).collect();
    let a_cut = [1013, 1013, 1015, 1015, 1017, 1017];
    let b_ds: Vec<i64> = (1009..1015).collect();
    let b_cut = [1008, 1008, 1010, 1010, 1012, 1012];
    assert_eq!(times(&cv, "ds"), [a_ds.clone(), b_ds.clone()].concat());
    assert_eq!(times(&cv, "cutoff"), [a_cut, b_cut].concat());
    let y = floats(&cv, "y");
    assert_eq!(&y[..6], &[14.0, 15.0, 16.0, 17.0, 18.0, 19.0]);
    assert_eq!(&y[6..], &[118.0, 120.0, 122.0, 124.0, 126.0, 128.0]);
    assert!(floats(&cv, "NLinear").iter().all(|v| v.is_finite()));
    // Afterwards the object is fitted on all of df.
    let fc = nf.predict().unwrap();
    assert_eq!(&times(&fc, "ds")[..2], &[1020, 1021]);
    // Too short for the test tail: names the series.
    let short = frame(
        &[("a", trend(20, 0.0, 1.0)), ("tiny", trend(6, 0.0, 1.0))],
        0,
    );
    let e = nf.cross_validation(&short, 3, 2).unwrap_err().to_string();
    assert!(e.contains("tiny"), "{e}");
}

#[test]
fn mqloss_columns_are_named_and_never_cross() {
    let df = frame(
        &[("a", trend(40, 0.0, 1.0)), ("b", trend(40, 5.0, -0.5))],
        0,
    );
    let model = ModelBuilder::new("nlinear", 3)
        .input_size(6)
        .max_steps(5)
        .loss("mqloss(level=[80, 90])")
        .build()
        .unwrap();
    let plain = ModelBuilder::new("nlinear", 3)
        .input_size(6)
        .max_steps(5)
        .alias("plain")
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model, plain], Freq::Integer(1));
    nf.fit(&df).unwrap();
    let fc = nf.predict().unwrap();
    assert_eq!(
        fc.names(),
        &[
            "unique_id",
            "ds",
            "NLinear-median",
            "NLinear-lo-90",
            "NLinear-lo-80",
            "NLinear-hi-80",
            "NLinear-hi-90",
            "plain"
        ]
    );
    let col = |n: &str| floats(&fc, n).to_vec();
    let (lo90, lo80, med, hi80, hi90) = (
        col("NLinear-lo-90"),
        col("NLinear-lo-80"),
        col("NLinear-median"),
        col("NLinear-hi-80"),
        col("NLinear-hi-90"),
    );
    for r in 0..fc.len() {
        assert!(
            lo90[r] <= lo80[r] && lo80[r] <= med[r] && med[r] <= hi80[r] && hi80[r] <= hi90[r],
            "row {r}"
        );
    }
    // Duplicate aliases are an error.
    let twins = vec![
        ModelBuilder::new("nlinear", 3)
            .input_size(6)
            .build()
            .unwrap(),
        ModelBuilder::new("nlinear", 3)
            .input_size(6)
            .build()
            .unwrap(),
    ];
    let e = NeuralForecast::new(twins, Freq::Integer(1))
        .fit(&df)
        .unwrap_err()
        .to_string();
    assert!(e.contains("alias") && e.contains("NLinear"), "{e}");
}

#[test]
fn predict_insample_windows_end_at_the_series_end() {
    let df = frame(&[("a", trend(20, 0.0, 1.0)), ("b", trend(11, 0.0, 1.0))], 0);
    let model = ModelBuilder::new("nlinear", 2)
        .input_size(4)
        .max_steps(5)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1));
    nf.fit(&df).unwrap();
    let ins = nf.predict_insample(3).unwrap();
    assert_eq!(ins.names(), &["unique_id", "ds", "cutoff", "y", "NLinear"]);
    // a: n − h = 18, offset 0: horizons at 0, 3, ..., 18 (7); b: 9, offset 0: 0, 3, 6, 9 (4).
    assert_eq!(ins.len(), 2 * (7 + 4));
    let cut = times(&ins, "cutoff");
    assert_eq!(&cut[..4], &[-1, -1, 2, 2]);
    assert_eq!(&times(&ins, "ds")[12..14], &[18, 19]);
    assert_eq!(&floats(&ins, "y")[12..14], &[18.0, 19.0]);
}

#[test]
fn local_scaler_round_trips_forecasts() {
    use neuro_divergent::data::scalers::LocalScalerKind;
    let df = frame(
        &[
            ("up", trend(60, 500.0, 20.0)),
            ("down", trend(50, 1e4, -15.0)),
        ],
        0,
    );
    let model = ModelBuilder::new("nlinear", 4)
        .input_size(12)
        .max_steps(300)
        .learning_rate(1e-2)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1))
        .with_local_scaler(Some(LocalScalerKind::Standard));
    nf.fit(&df).unwrap();
    let y = floats(&nf.predict().unwrap(), "NLinear").to_vec();
    for j in 0..4 {
        let up = 500.0 + 20.0 * (60 + j) as f64;
        let down = 1e4 - 15.0 * (50 + j) as f64;
        assert!((y[j] - up).abs() < 5.0, "{} vs {up}", y[j]);
        assert!((y[4 + j] - down).abs() < 5.0, "{} vs {down}", y[4 + j]);
    }
}

#[test]
fn mlp_with_future_historical_and_static_inputs() {
    use neuro_divergent::forecast::FitOptions;
    let mut df = exog_frame(40, 0, true);
    let noise: Vec<f64> = (0..80).map(|r| (r % 3) as f64).collect();
    df.push_column("noise", Column::Float(noise)).unwrap();
    let mut stat = Frame::new();
    stat.push_column(
        "unique_id",
        Column::Text(TextColumn {
            dict: vec!["a".into(), "b".into()],
            codes: vec![0, 1],
        }),
    )
    .unwrap();
    stat.push_column("s", Column::Float(vec![1.0, 2.0]))
        .unwrap();
    let mlp = ModelBuilder::new("mlp", 2)
        .input_size(4)
        .max_steps(30)
        .set("hidden_size", 16usize)
        .set("futr_exog_list", vec!["price"])
        .set("hist_exog_list", vec!["noise"])
        .set("stat_exog_list", vec!["s"])
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![mlp], Freq::Integer(1));
    let e = nf.fit(&df).unwrap_err().to_string();
    assert!(
        e.contains("MLP") && e.contains("stat_exog_list") && e.contains("'s'"),
        "{e}"
    );
    nf.fit_with(
        &df,
        FitOptions {
            static_df: Some(&stat),
            ..FitOptions::default()
        },
    )
    .unwrap();
    let futr = exog_frame(2, 40, false);
    let a = nf.predict_with(&futr).unwrap();
    assert_eq!(a.names(), &["unique_id", "ds", "MLP"]);
    assert!(floats(&a, "MLP").iter().all(|v| v.is_finite()));
    // The future values reach the model: other prices, other forecasts.
    let mut futr2 = Frame::new();
    for name in ["unique_id", "ds"] {
        futr2
            .push_column(name, futr.column(name).unwrap().clone())
            .unwrap();
    }
    futr2
        .push_column("price", Column::Float(vec![9.0, -9.0, 9.0, -9.0]))
        .unwrap();
    let b = nf.predict_with(&futr2).unwrap();
    assert_ne!(floats(&a, "MLP"), floats(&b, "MLP"));
}

#[test]
fn predict_on_new_history_forecasts_after_its_end_and_leaves_predict_alone() {
    use neuro_divergent::data::scalers::LocalScalerKind;
    let df = frame(&[("up", trend(60, 500.0, 20.0))], 0);
    let model = ModelBuilder::new("nlinear", 4)
        .input_size(12)
        .max_steps(300)
        .learning_rate(1e-2)
        .build()
        .unwrap();
    let mut nf = NeuralForecast::new(vec![model], Freq::Integer(1))
        .with_local_scaler(Some(LocalScalerKind::Standard));
    assert!(nf.predict_on(&df, None, None).is_err(), "before fit");
    nf.fit(&df).unwrap();
    let before = nf.predict().unwrap();
    // The training data again: the same forecast, bit for bit.
    assert_eq!(nf.predict_on(&df, None, None).unwrap(), before);
    // A new series the models never saw, at another level and slope (same length, so its
    // standardised shape is the training series'): forecasts follow it.
    let new = frame(&[("new", trend(60, -300.0, 5.0))], 120);
    let fc = nf.predict_on(&new, None, None).unwrap();
    assert_eq!(ids(&fc), vec!["new".to_string(); 4]);
    assert_eq!(times(&fc, "ds"), &[180, 181, 182, 183]);
    let y = floats(&fc, "NLinear");
    for (j, v) in y.iter().enumerate() {
        let want = -300.0 + 5.0 * (60 + j) as f64;
        assert!((v - want).abs() < 2.0, "step {j}: {v} vs {want}");
    }
    // predict still forecasts the training data.
    assert_eq!(nf.predict().unwrap(), before);
    // Bad new data gets the same errors fit gives.
    let mut gap = trend(20, 1.0, 1.0);
    gap[7] = f64::NAN;
    let e = nf
        .predict_on(&frame(&[("g", gap)], 0), None, None)
        .unwrap_err();
    assert!(e.to_string().contains("'g'"), "{e}");
}
