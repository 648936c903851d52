//! PyTorch parity: our layers and losses against fixtures written by PyTorch's autograd.
//!
//! The fixtures in tests/fixtures/torch/ hold fixed weights and inputs, PyTorch's forward output,
//! a cotangent `d_out`, and the gradients of L = Σ d_out·out for every parameter and input.
//! Regenerate them with `/work/pyenv/bin/python tools/torch_parity.py tests/fixtures/torch`
//! (see the script's docstring); this test never needs Python.
//!
//! Tolerance: |ours − torch| ≤ 1e-5·(|torch| + rms(torch array)), 1e-4 for recurrent stacks,
//! on every ISA tier this CPU supports.

use nd_kernels::table::{self, Kernels};
use nd_kernels::Activation;
use neuro_divergent::loss::{Huber, Loss, LossDims, LossInputs, Mase, MqLoss, QuantileLoss, Tukey};
use neuro_divergent::nn::attention::{AttnDims, MultiheadAttention};
use neuro_divergent::nn::{
    activation_by_name, Conv1d, Conv1dGeometry, Grn, Gru, InterpretableAttention, LayerNorm,
    Linear, Lstm, ParamLayout, ParamStore, Rnn, RnnNonlinearity, SeqDims,
};
use std::collections::HashMap;

/// One fixture file: `meta key value` lines and `tensor name dims...` lines each followed by a
/// line of values.
struct Fixture {
    name: String,
    meta: HashMap<String, String>,
    tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Fixture {
    fn load(name: &str) -> Fixture {
        let path = format!(
            "{}/tests/fixtures/torch/{name}.txt",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let mut meta = HashMap::new();
        let mut tensors = HashMap::new();
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
                    assert_eq!(
                        values.len(),
                        dims.iter().product::<usize>(),
                        "{name}: {tname}"
                    );
                    tensors.insert(tname, (dims, values));
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
        &self
            .tensors
            .get(tensor)
            .unwrap_or_else(|| panic!("{}: no tensor {tensor}", self.name))
            .1
    }

    fn meta(&self, key: &str) -> usize {
        self.meta[key].parse().unwrap()
    }

    /// Copies every `param.<torch name>` tensor into our tensor `rename` maps to it (our names
    /// are PyTorch's module paths; `rename` bridges a different module prefix), and checks that
    /// the two sides have the same number of parameters.
    fn load_params(&self, store: &mut ParamStore, rename: &dyn Fn(&str) -> String) {
        for spec in store.layout.specs().to_vec() {
            let values = self.get(&format!("param.{}", rename(&spec.name)));
            store.value_mut(&spec.name).unwrap().copy_from_slice(values);
        }
        let n_fixture = self
            .tensors
            .keys()
            .filter(|k| k.starts_with("param."))
            .count();
        assert_eq!(
            n_fixture,
            store.layout.specs().len(),
            "{}: parameter count",
            self.name
        );
    }

    /// Compares `ours` with the fixture's `tensor`.
    fn assert_close(&self, tensor: &str, ours: &[f32], rtol: f32, k: &Kernels) {
        let theirs = self.get(tensor);
        assert_eq!(ours.len(), theirs.len(), "{}: {tensor} length", self.name);
        let rms = (theirs.iter().map(|v| v * v).sum::<f32>() / theirs.len().max(1) as f32).sqrt();
        for (i, (&a, &b)) in ours.iter().zip(theirs).enumerate() {
            assert!(
                (a - b).abs() <= rtol * (b.abs() + rms),
                "{} on {:?}: {tensor}[{i}] = {a}, PyTorch gives {b}",
                self.name,
                k.isa
            );
        }
    }

    fn assert_param_grads(
        &self,
        store: &ParamStore,
        rtol: f32,
        k: &Kernels,
        rename: &dyn Fn(&str) -> String,
    ) {
        for spec in store.layout.specs() {
            self.assert_close(
                &format!("grad.param.{}", rename(&spec.name)),
                spec.range.of(&store.grads),
                rtol,
                k,
            );
        }
    }
}

fn same(name: &str) -> String {
    name.to_owned()
}

#[test]
fn linear_matches_torch() {
    for name in ["linear_relu", "linear_tanh_nobias"] {
        let f = Fixture::load(name);
        let (d_in, d_out, rows) = (f.meta("d_in"), f.meta("d_out"), f.meta("rows"));
        let mut layout = ParamLayout::new();
        let has_bias = f.tensors.contains_key("param.fc.bias");
        let lin = Linear::new(
            &mut layout,
            "fc",
            d_in,
            d_out,
            has_bias,
            activation_by_name(&f.meta["activation"]).unwrap(),
        );
        let mut store = ParamStore::new(layout, 0);
        f.load_params(&mut store, &same);
        for k in table::all_supported() {
            store.zero_grads();
            let x = f.get("x");
            let mut y = vec![0.0; rows * d_out];
            let mut cache = vec![0.0; lin.cache_len(rows)];
            lin.forward(k, &store.values, x, &mut y, &mut cache);
            f.assert_close("output", &y, 1e-5, k);
            let mut dx = vec![0.0; rows * d_in];
            let mut scratch = vec![0.0; lin.scratch_len(rows)];
            let (values, grads) = (&store.values, &mut store.grads);
            lin.backward(
                k,
                values,
                grads,
                x,
                &y,
                &cache,
                f.get("d_out"),
                Some(&mut dx),
                &mut scratch,
            );
            f.assert_close("grad.x", &dx, 1e-5, k);
            f.assert_param_grads(&store, 1e-5, k, &same);
        }
    }
}

#[test]
fn layernorm_matches_torch() {
    let f = Fixture::load("layernorm");
    let (rows, d) = (f.meta("rows"), f.meta("d"));
    let mut layout = ParamLayout::new();
    let ln = LayerNorm::new(&mut layout, "ln", d, 1e-5);
    let mut store = ParamStore::new(layout, 0);
    // The fixture's module is a bare nn.LayerNorm: its tensors have no prefix.
    let rename = |ours: &str| ours.trim_start_matches("ln.").to_owned();
    f.load_params(&mut store, &rename);
    for k in table::all_supported() {
        store.zero_grads();
        let x = f.get("x");
        let mut y = vec![0.0; rows * d];
        let mut cache = vec![0.0; ln.cache_len(rows)];
        ln.forward(k, &store.values, x, &mut y, &mut cache);
        f.assert_close("output", &y, 1e-5, k);
        let mut dx = vec![0.0; rows * d];
        let mut scratch = vec![0.0; ln.scratch_len(rows)];
        let (values, grads) = (&store.values, &mut store.grads);
        ln.backward(
            k,
            values,
            grads,
            x,
            &cache,
            f.get("d_out"),
            Some(&mut dx),
            &mut scratch,
        );
        f.assert_close("grad.x", &dx, 1e-5, k);
        f.assert_param_grads(&store, 1e-5, k, &rename);
    }
}

fn strip(prefix: &'static str) -> impl Fn(&str) -> String {
    move |ours: &str| ours.strip_prefix(prefix).unwrap_or(ours).to_owned()
}

/// (B, C, T) → (B, T, C), and back with `swap(.., t, c)`.
fn swap_last_two(x: &[f32], b: usize, rows: usize, cols: usize) -> Vec<f32> {
    let mut out = vec![0.0; x.len()];
    for n in 0..b {
        for r in 0..rows {
            for c in 0..cols {
                out[n * rows * cols + c * rows + r] = x[n * rows * cols + r * cols + c];
            }
        }
    }
    out
}

#[test]
fn causal_conv1d_matches_torch() {
    let f = Fixture::load("conv1d_causal");
    let (b, ci, co, kk, dil, t) = (
        f.meta("batch"),
        f.meta("c_in"),
        f.meta("c_out"),
        f.meta("kernel"),
        f.meta("dilation"),
        f.meta("t"),
    );
    let mut layout = ParamLayout::new();
    let conv = Conv1d::new(
        &mut layout,
        "conv",
        ci,
        co,
        kk,
        Conv1dGeometry::causal(kk, dil),
        true,
        Activation::Identity,
    )
    .unwrap();
    let mut store = ParamStore::new(layout, 0);
    f.load_params(&mut store, &same);
    let dims = SeqDims { b, t };
    let x = swap_last_two(f.get("x"), b, ci, t); // (B, T, C_in)
    let dy = swap_last_two(f.get("d_out"), b, co, t); // (B, T, C_out)
    for k in table::all_supported() {
        store.zero_grads();
        let mut y = vec![0.0; b * t * co];
        let mut cache = vec![0.0; conv.cache_len(dims)];
        conv.forward(k, &store.values, dims, &x, &mut y, &mut cache);
        f.assert_close("output", &swap_last_two(&y, b, t, co), 1e-5, k);
        let mut dx = vec![0.0; x.len()];
        let mut scratch = vec![0.0; conv.scratch_len(dims)];
        let (values, grads) = (&store.values, &mut store.grads);
        conv.backward(
            k,
            values,
            grads,
            dims,
            &y,
            &cache,
            &dy,
            Some(&mut dx),
            &mut scratch,
        );
        f.assert_close("grad.x", &swap_last_two(&dx, b, t, ci), 1e-5, k);
        f.assert_param_grads(&store, 1e-5, k, &same);
    }
}

/// The recurrent fixtures: 2 layers, batch_first, output = all hidden states of the last layer.
fn recurrent_case(
    name: &str,
    build: &dyn Fn(&mut ParamLayout, usize, usize, usize) -> RecurrentLayer,
) {
    let f = Fixture::load(name);
    let (b, t, c, d, layers) = (
        f.meta("batch"),
        f.meta("t"),
        f.meta("c_in"),
        f.meta("d"),
        f.meta("layers"),
    );
    let mut layout = ParamLayout::new();
    let layer = build(&mut layout, c, d, layers);
    let mut store = ParamStore::new(layout, 0);
    let rename = strip("rnn.");
    f.load_params(&mut store, &rename);
    let dims = SeqDims { b, t };
    let x = f.get("x");
    for k in table::all_supported() {
        store.zero_grads();
        let mut y = vec![0.0; b * t * d];
        let mut dx = vec![0.0; x.len()];
        let (values, grads) = (&store.values, &mut store.grads);
        layer.forward_backward(k, values, grads, dims, x, &mut y, f.get("d_out"), &mut dx);
        f.assert_close("output", &y, 1e-4, k);
        f.assert_close("grad.x", &dx, 1e-4, k);
        f.assert_param_grads(&store, 1e-4, k, &rename);
    }
}

enum RecurrentLayer {
    Lstm(Lstm),
    Gru(Gru),
    Rnn(Rnn),
}

impl RecurrentLayer {
    #[allow(clippy::too_many_arguments)]
    fn forward_backward(
        &self,
        k: &Kernels,
        p: &[f32],
        g: &mut [f32],
        dims: SeqDims,
        x: &[f32],
        y: &mut [f32],
        dy: &[f32],
        dx: &mut [f32],
    ) {
        match self {
            RecurrentLayer::Lstm(l) => {
                let mut cache = vec![0.0; l.cache_len(dims)];
                let mut scratch = vec![0.0; l.scratch_len(dims)];
                l.forward(k, p, dims, x, None, None, y, None, None, &mut cache);
                l.backward(
                    k,
                    p,
                    g,
                    dims,
                    (x, None, None),
                    y,
                    &cache,
                    (dy, None, None),
                    (Some(dx), None, None),
                    &mut scratch,
                );
            }
            RecurrentLayer::Gru(l) => {
                let mut cache = vec![0.0; l.cache_len(dims)];
                let mut scratch = vec![0.0; l.scratch_len(dims)];
                l.forward(k, p, dims, x, None, y, None, &mut cache);
                l.backward(
                    k,
                    p,
                    g,
                    dims,
                    (x, None),
                    y,
                    &cache,
                    (dy, None),
                    (Some(dx), None),
                    &mut scratch,
                );
            }
            RecurrentLayer::Rnn(l) => {
                let mut cache = vec![0.0; l.cache_len(dims)];
                let mut scratch = vec![0.0; l.scratch_len(dims)];
                l.forward(k, p, dims, x, None, y, None, &mut cache);
                l.backward(
                    k,
                    p,
                    g,
                    dims,
                    (x, None),
                    y,
                    &cache,
                    (dy, None),
                    (Some(dx), None),
                    &mut scratch,
                );
            }
        }
    }
}

#[test]
fn lstm_gru_and_rnn_match_torch() {
    recurrent_case("lstm", &|l, c, d, n| {
        RecurrentLayer::Lstm(Lstm::new(l, "rnn", c, d, n, true))
    });
    recurrent_case("gru", &|l, c, d, n| {
        RecurrentLayer::Gru(Gru::new(l, "rnn", c, d, n, true))
    });
    recurrent_case("rnn_tanh", &|l, c, d, n| {
        RecurrentLayer::Rnn(Rnn::new(l, "rnn", c, d, n, RnnNonlinearity::Tanh, true))
    });
}

#[test]
fn causal_multihead_attention_matches_torch() {
    let f = Fixture::load("mha_causal");
    let (b, t, e, nh) = (f.meta("batch"), f.meta("t"), f.meta("e"), f.meta("heads"));
    let mut layout = ParamLayout::new();
    let mha = MultiheadAttention::new(&mut layout, "mha", e, nh, true, true).unwrap();
    let mut store = ParamStore::new(layout, 0);
    f.load_params(&mut store, &same);
    let d = AttnDims::self_attention(b, t);
    let (q, kk, v) = (f.get("q"), f.get("k"), f.get("v"));
    for k in table::all_supported() {
        store.zero_grads();
        let mut y = vec![0.0; b * t * e];
        let mut cache = vec![0.0; mha.cache_len(d)];
        mha.forward(k, &store.values, d, q, kk, v, None, &mut y, &mut cache);
        f.assert_close("output", &y, 1e-5, k);
        let (mut dq, mut dk, mut dv) =
            (vec![0.0; q.len()], vec![0.0; kk.len()], vec![0.0; v.len()]);
        let mut scratch = vec![0.0; mha.scratch_len(d)];
        let (values, grads) = (&store.values, &mut store.grads);
        mha.backward(
            k,
            values,
            grads,
            d,
            [q, kk, v],
            &cache,
            f.get("d_out"),
            [Some(&mut dq), Some(&mut dk), Some(&mut dv)],
            &mut scratch,
        );
        f.assert_close("grad.q", &dq, 1e-5, k);
        f.assert_close("grad.k", &dk, 1e-5, k);
        f.assert_close("grad.v", &dv, 1e-5, k);
        f.assert_param_grads(&store, 1e-5, k, &same);
    }
}

#[test]
fn tft_grn_with_context_matches_neuralforecast() {
    let f = Fixture::load("grn_context");
    let (b, t, din, dh, dout, dc) = (
        f.meta("batch"),
        f.meta("t"),
        f.meta("input_size"),
        f.meta("hidden"),
        f.meta("output"),
        f.meta("context"),
    );
    let mut layout = ParamLayout::new();
    let grn = Grn::new(
        &mut layout,
        "grn",
        din,
        dh,
        Some(dout),
        Some(dc),
        0.0,
        Activation::ELU,
    )
    .unwrap();
    let mut store = ParamStore::new(layout, 0);
    let rename = strip("grn.");
    f.load_params(&mut store, &rename);
    let rows = b * t;
    let (a, c) = (f.get("a"), f.get("c"));
    for k in table::all_supported() {
        store.zero_grads();
        let mut y = vec![0.0; rows * dout];
        let mut cache = vec![0.0; grn.cache_len(rows, b)];
        grn.forward(k, &store.values, a, Some(c), None, &mut y, &mut cache);
        f.assert_close("output", &y, 1e-5, k);
        let (mut da, mut dctx) = (vec![0.0; a.len()], vec![0.0; c.len()]);
        let mut scratch = vec![0.0; grn.scratch_len(rows, b)];
        let (values, grads) = (&store.values, &mut store.grads);
        grn.backward(
            k,
            values,
            grads,
            a,
            Some(c),
            &cache,
            f.get("d_out"),
            Some(&mut da),
            Some(&mut dctx),
            &mut scratch,
        );
        f.assert_close("grad.a", &da, 1e-5, k);
        f.assert_close("grad.c", &dctx, 1e-5, k);
        f.assert_param_grads(&store, 1e-5, k, &rename);
    }
}

#[test]
fn tft_interpretable_attention_matches_neuralforecast() {
    let f = Fixture::load("interpretable_mha");
    let (b, t, e, nh) = (
        f.meta("batch"),
        f.meta("t"),
        f.meta("hidden"),
        f.meta("heads"),
    );
    let mut layout = ParamLayout::new();
    let attn = InterpretableAttention::new(&mut layout, "attn", e, nh, true).unwrap();
    let mut store = ParamStore::new(layout, 0);
    let rename = strip("attn.");
    f.load_params(&mut store, &rename);
    let x = f.get("x");
    for k in table::all_supported() {
        store.zero_grads();
        let mut y = vec![0.0; b * t * e];
        let mut weights = vec![0.0; b * t * t];
        let mut cache = vec![0.0; attn.cache_len(b, t)];
        attn.forward(k, &store.values, b, x, &mut y, &mut weights, &mut cache);
        f.assert_close("output", &y, 1e-5, k);
        let mut dx = vec![0.0; x.len()];
        let mut scratch = vec![0.0; attn.scratch_len(b, t)];
        let (values, grads) = (&store.values, &mut store.grads);
        attn.backward(
            k,
            values,
            grads,
            b,
            x,
            &weights,
            &cache,
            f.get("d_out"),
            Some(&mut dx),
            &mut scratch,
        );
        f.assert_close("grad.x", &dx, 1e-5, k);
        f.assert_param_grads(&store, 1e-5, k, &rename);
    }
}

#[test]
fn every_loss_matches_neuralforecast() {
    let cases: Vec<(&str, Loss)> = vec![
        ("loss_mae", Loss::Mae),
        ("loss_mse", Loss::Mse),
        ("loss_rmse", Loss::Rmse),
        ("loss_mape", Loss::Mape),
        ("loss_smape", Loss::Smape),
        ("loss_mase", Loss::Mase(Mase::new(2).unwrap())),
        ("loss_huber", Loss::Huber(Huber::new(1.0).unwrap())),
        ("loss_tukey", Loss::Tukey(Tukey::new(4.685, true).unwrap())),
        (
            "loss_quantile",
            Loss::Quantile(QuantileLoss::new(0.3).unwrap()),
        ),
        (
            "loss_mq",
            Loss::Mq(MqLoss::from_levels(&[80.0, 90.0]).unwrap()),
        ),
    ];
    let k = table::for_isa(nd_kernels::Isa::Scalar).unwrap();
    for (name, loss) in cases {
        let f = Fixture::load(name);
        let dims = LossDims {
            batch: f.meta("batch"),
            horizon: f.meta("h"),
            series: 1,
        };
        let x = LossInputs::new(dims, f.get("y"), f.get("y_hat"))
            .with_mask(f.get("mask"))
            .with_insample(f.get("y_insample"));
        f.assert_close("output", &[loss.forward(&x)], 1e-5, k);
        let mut d = vec![0.0; x.y_hat.len()];
        loss.backward(&x, f.get("d_out")[0], &mut d);
        f.assert_close("grad.y_hat", &d, 1e-5, k);
    }
}
