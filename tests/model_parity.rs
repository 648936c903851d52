//! Whole-model parity with NeuralForecast: MLP, DLinear, NLinear, NBEATS, NBEATSx and NHITS against
//! NeuralForecast 3.3's own modules run by PyTorch.
//!
//! The fixtures in tests/fixtures/torch_models/ hold a model's hyperparameters, its weights under
//! PyTorch's parameter names, one batch of inputs, fixed targets, NeuralForecast's forward output,
//! the MAE and PyTorch's gradient of that MAE for every parameter. The weights are loaded into our
//! `ParamStore` by name (ours are PyTorch's), our forward and the MAE's backward through our
//! model's backward run on every ISA tier this CPU supports, and everything must match within
//! `|ours − torch| ≤ 1e-5·(|torch| + rms(torch array))`. Fixtures of models with Q > 1 outputs per
//! step use the mean of |y − ŷ| over (B, H, Q) with y repeated, so every output's place is checked.
//!
//! Regenerate with `/work/pyenv/bin/python tools/torch_model_parity.py tests/fixtures/torch_models`;
//! this test never needs Python.

use nd_kernels::table::{self, Kernels};
use neuro_divergent::loss::{Loss, LossDims, LossInputs};
use neuro_divergent::models::{registry, Hyperparams, Mode, Model, ModelInput};
use neuro_divergent::nn::ParamStore;
use std::collections::HashMap;

const RTOL: f32 = 1e-5;

/// One fixture: `meta key value` lines, and `tensor name dims...` lines each followed by a line
/// of values.
struct Fixture {
    name: String,
    meta: HashMap<String, String>,
    tensors: HashMap<String, Vec<f32>>,
}

impl Fixture {
    fn load(name: &str) -> Fixture {
        let path = format!(
            "{}/tests/fixtures/torch_models/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let (mut meta, mut tensors) = (HashMap::new(), HashMap::new());
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let mut words = line.split_whitespace();
            match words.next() {
                Some("meta") => {
                    let k = words.next().expect("meta key").to_owned();
                    meta.insert(k, words.collect::<Vec<_>>().join(" "));
                }
                Some("tensor") => {
                    let tname = words.next().expect("tensor name").to_owned();
                    let dims: Vec<usize> = words.map(|w| w.parse().expect("dim")).collect();
                    let values: Vec<f32> = lines
                        .next()
                        .expect("values line")
                        .split_whitespace()
                        .map(|v| v.parse().expect("f32"))
                        .collect();
                    assert_eq!(values.len(), dims.iter().product::<usize>(), "{tname}");
                    tensors.insert(tname, values);
                }
                _ => {}
            }
        }
        Fixture {
            name: name.to_owned(),
            meta,
            tensors,
        }
    }

    fn get(&self, tensor: &str) -> &[f32] {
        self.tensors
            .get(tensor)
            .unwrap_or_else(|| panic!("{}: no tensor {tensor}", self.name))
    }

    fn has(&self, tensor: &str) -> bool {
        self.tensors.contains_key(tensor)
    }

    fn meta(&self, key: &str) -> usize {
        self.meta[key].parse().unwrap()
    }

    fn assert_close(&self, tensor: &str, ours: &[f32], k: &Kernels) {
        let theirs = self.get(tensor);
        assert_eq!(ours.len(), theirs.len(), "{}: {tensor} length", self.name);
        let rms = (theirs.iter().map(|v| v * v).sum::<f32>() / theirs.len().max(1) as f32).sqrt();
        for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
            assert!(
                (a - b).abs() <= RTOL * (b.abs() + rms),
                "{} on {:?}: {tensor}[{i}] = {a}, PyTorch gives {b}",
                self.name,
                k.isa
            );
        }
    }
}

/// Builds `model` with the fixture's hyperparameters (`extra` names those beyond h and
/// input_size; lists are JSON) and exogenous lists of the fixture's widths, loads the weights, and checks the
/// forward output, the MAE and every parameter gradient on every ISA.
fn check(model: &str, fixture: &str, extra: &[&str]) {
    let f = Fixture::load(fixture);
    let (h, l, rows) = (f.meta("h"), f.meta("input_size"), f.meta("rows"));
    let mut hp = Hyperparams::new().with("h", h).with("input_size", l);
    for name in extra {
        hp.set_assignment(&format!("{name}={}", f.meta[*name]))
            .unwrap();
    }
    for (list, key, prefix) in [
        ("hist_exog_list", "n_hist", "h"),
        ("futr_exog_list", "n_futr", "f"),
        ("stat_exog_list", "n_stat", "s"),
    ] {
        let n = f.meta(key);
        if n > 0 {
            hp.set(
                list,
                (0..n).map(|i| format!("{prefix}{i}")).collect::<Vec<_>>(),
            );
        }
    }
    let m: Box<dyn Model> = registry::build(model, &hp).unwrap();
    let mut store = ParamStore::new(m.layout().clone(), 0);
    for spec in m.layout().specs() {
        let values = f.get(&format!("param.{}", spec.name));
        store.value_mut(&spec.name).unwrap().copy_from_slice(values);
    }
    let n_torch = f.tensors.keys().filter(|k| k.starts_with("param.")).count();
    assert_eq!(
        n_torch,
        m.layout().specs().len(),
        "{fixture}: parameter count"
    );

    let ones = vec![1.0; rows * l];
    let mask = if f.has("insample_mask") {
        f.get("insample_mask")
    } else {
        &ones
    };
    let x = ModelInput {
        rows,
        insample_y: f.get("insample_y"),
        insample_mask: mask,
        hist_exog: f.get("hist_exog"),
        futr_exog: f.get("futr_exog"),
        stat_exog: f.get("stat_exog"),
    };
    let dims = LossDims {
        batch: rows,
        horizon: h,
        series: 1,
    };
    let ws = m.workspace(rows);
    let q = m.n_outputs();
    for k in table::all_supported() {
        let (mut cache, mut scratch) = (vec![0.0; ws.cache], vec![0.0; ws.scratch]);
        let mut y_hat = vec![0.0; rows * h * q];
        m.forward(
            k,
            &store.values,
            &x,
            &mut y_hat,
            &mut cache,
            &mut scratch,
            Mode::Predict,
        );
        f.assert_close("y_hat", &y_hat, k);
        let mut d_y_hat = vec![0.0; rows * h * q];
        if q == 1 {
            let inputs = LossInputs::new(dims, f.get("y"), &y_hat);
            f.assert_close("loss", &[Loss::Mae.forward(&inputs)], k);
            Loss::Mae.backward(&inputs, 1.0, &mut d_y_hat);
        } else {
            // The fixture's stand-in loss: mean over (B, H, Q) of |y − ŷ| with y repeated.
            let n = (rows * h * q) as f32;
            let mut loss = 0.0;
            for (i, (d, v)) in d_y_hat.iter_mut().zip(&y_hat).enumerate() {
                let e = v - f.get("y")[i / q];
                loss += e.abs() / n;
                *d = e.signum() / n;
            }
            f.assert_close("loss", &[loss], k);
        }
        store.zero_grads();
        m.backward(
            k,
            &store.values,
            &mut store.grads,
            &x,
            &cache,
            &d_y_hat,
            &mut scratch,
        );
        for spec in m.layout().specs() {
            let name = format!("grad.param.{}", spec.name);
            f.assert_close(&name, store.grad(&spec.name).unwrap(), k);
        }
    }
}

#[test]
fn mlp_with_every_exogenous_kind_matches_neuralforecast() {
    check("mlp", "mlp_exog", &["num_layers", "hidden_size"]);
}

#[test]
fn mlp_with_three_layers_matches_neuralforecast() {
    check("mlp", "mlp_plain", &["num_layers", "hidden_size"]);
}

#[test]
fn dlinear_matches_neuralforecast() {
    check("dlinear", "dlinear", &["moving_avg_window"]);
}

#[test]
fn dlinear_with_a_window_longer_than_the_input_matches_neuralforecast() {
    check("dlinear", "dlinear_wide_window", &["moving_avg_window"]);
}

#[test]
fn nlinear_matches_neuralforecast() {
    check("nlinear", "nlinear", &[]);
}

#[test]
fn nbeats_with_every_stack_type_and_missing_steps_matches_neuralforecast() {
    check(
        "nbeats",
        "nbeats",
        &[
            "stack_types",
            "n_blocks",
            "mlp_units",
            "n_basis",
            "n_harmonics",
        ],
    );
}

#[test]
fn nbeats_with_shared_weights_a_legendre_trend_and_prelu_matches_neuralforecast() {
    check(
        "nbeats",
        "nbeats_shared_legendre",
        &[
            "stack_types",
            "n_blocks",
            "mlp_units",
            "n_basis",
            "basis",
            "n_harmonics",
            "shared_weights",
            "activation",
        ],
    );
}

#[test]
fn nbeatsx_with_every_exogenous_kind_and_an_exogenous_stack_matches_neuralforecast() {
    check(
        "nbeatsx",
        "nbeatsx_exog",
        &[
            "stack_types",
            "n_blocks",
            "mlp_units",
            "n_polynomials",
            "n_harmonics",
        ],
    );
}

#[test]
fn nbeatsx_with_a_static_only_exogenous_stack_matches_neuralforecast() {
    check(
        "nbeatsx",
        "nbeatsx_stat_only",
        &["stack_types", "n_blocks", "mlp_units"],
    );
}

#[test]
fn nbeats_with_three_outputs_per_step_matches_neuralforecast() {
    check(
        "nbeats",
        "nbeats_quantiles",
        &["stack_types", "n_blocks", "mlp_units", "loss"],
    );
}

#[test]
fn nbeatsx_exogenous_forecast_broadcasts_over_outputs_as_neuralforecasts() {
    check(
        "nbeatsx",
        "nbeatsx_quantiles",
        &["stack_types", "n_blocks", "mlp_units", "loss"],
    );
}

const NHITS_LISTS: [&str; 3] = ["n_blocks", "n_pool_kernel_size", "n_freq_downsample"];

#[test]
fn nhits_with_three_stacks_and_a_masked_window_matches_neuralforecast() {
    check(
        "nhits",
        "nhits_plain",
        &[&NHITS_LISTS[..], &["mlp_units"]].concat(),
    );
}

#[test]
fn nhits_with_every_exogenous_kind_avg_pooling_nearest_and_prelu_matches_neuralforecast() {
    let extra = [
        "stack_types",
        "mlp_units",
        "pooling_mode",
        "interpolation_mode",
        "activation",
    ];
    check("nhits", "nhits_exog", &[&NHITS_LISTS[..], &extra].concat());
}

#[test]
fn nhits_with_cubic_interpolation_matches_neuralforecast() {
    let extra = [
        "stack_types",
        "mlp_units",
        "interpolation_mode",
        "activation",
    ];
    check("nhits", "nhits_cubic", &[&NHITS_LISTS[..], &extra].concat());
}

#[test]
fn nhits_with_quantile_outputs_matches_neuralforecast() {
    let extra = ["stack_types", "mlp_units", "loss"];
    check(
        "nhits",
        "nhits_quantiles",
        &[&NHITS_LISTS[..], &extra].concat(),
    );
}
