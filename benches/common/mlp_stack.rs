//! The layer stack of NeuralForecast's MLP (input L → hidden ×num_layers with ReLU → H), built
//! from our `Linear` layers, for the suites that run before the MLP model itself exists. It is
//! the same arithmetic the model will do, without the data pipeline around it.

#![allow(dead_code)] // each bench uses part of this module

use nd_kernels::table::Kernels;
use nd_kernels::Activation;
use neuro_divergent::nn::{Linear, ParamLayout, ParamStore};

pub struct MlpStack {
    pub layers: Vec<Linear>,
    pub store: ParamStore,
}

impl MlpStack {
    pub fn new(
        input: usize,
        hidden: usize,
        num_layers: usize,
        output: usize,
        seed: u64,
    ) -> MlpStack {
        let mut layout = ParamLayout::new();
        let mut layers = Vec::new();
        let mut width = input;
        for i in 0..num_layers {
            layers.push(Linear::new(
                &mut layout,
                &format!("mlp.{i}"),
                width,
                hidden,
                true,
                Activation::Relu,
            ));
            width = hidden;
        }
        layers.push(Linear::new(
            &mut layout,
            "out",
            width,
            output,
            true,
            Activation::Identity,
        ));
        MlpStack {
            layers,
            store: ParamStore::new(layout, seed),
        }
    }

    /// Buffers for a batch of `rows`: activations per layer (input included), caches, scratch.
    pub fn buffers(&self, rows: usize, input: &[f32]) -> Buffers {
        let mut acts = vec![input.to_vec()];
        for l in &self.layers {
            acts.push(vec![0.0; rows * l.d_out]);
        }
        Buffers {
            grads: acts.iter().map(|a| vec![0.0; a.len()]).collect(),
            caches: self
                .layers
                .iter()
                .map(|l| vec![0.0; l.cache_len(rows)])
                .collect(),
            scratch: vec![
                0.0;
                self.layers
                    .iter()
                    .map(|l| l.scratch_len(rows))
                    .max()
                    .unwrap_or(0)
            ],
            acts,
        }
    }

    pub fn forward_inference(&self, k: &Kernels, b: &mut Buffers) {
        for (i, l) in self.layers.iter().enumerate() {
            let (done, rest) = b.acts.split_at_mut(i + 1);
            l.forward_inference(k, &self.store.values, &done[i], &mut rest[0]);
        }
    }

    /// Forward, MSE gradient against `target`, backward (accumulating into the store's grads).
    pub fn forward_backward(&mut self, k: &Kernels, b: &mut Buffers, target: &[f32]) {
        for (i, l) in self.layers.iter().enumerate() {
            let (done, rest) = b.acts.split_at_mut(i + 1);
            l.forward(
                k,
                &self.store.values,
                &done[i],
                &mut rest[0],
                &mut b.caches[i],
            );
        }
        let n = self.layers.len();
        let scale = 2.0 / target.len() as f32;
        for ((g, &y), &t) in b.grads[n].iter_mut().zip(&b.acts[n]).zip(target) {
            *g = scale * (y - t);
        }
        for i in (0..n).rev() {
            let (lower, upper) = b.grads.split_at_mut(i + 1);
            let d_in = if i > 0 {
                lower[i].fill(0.0);
                Some(&mut lower[i][..])
            } else {
                None
            };
            let (values, grads) = (&self.store.values, &mut self.store.grads);
            self.layers[i].backward(
                k,
                values,
                grads,
                &b.acts[i],
                &b.acts[i + 1],
                &b.caches[i],
                &upper[0],
                d_in,
                &mut b.scratch,
            );
        }
    }
}

pub struct Buffers {
    pub acts: Vec<Vec<f32>>,
    pub grads: Vec<Vec<f32>>,
    pub caches: Vec<Vec<f32>>,
    pub scratch: Vec<f32>,
}
