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
use neuro_divergent::nn::{activation_by_name, LayerNorm, Linear, ParamLayout, ParamStore};
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
