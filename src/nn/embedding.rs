//! `Embedding`: PyTorch's `nn.Embedding(num_embeddings, embedding_dim)`: row lookup in a
//! (num, D) table, initialised N(0, 1) as in PyTorch.
//!
//! Indices come from our own encoding of categorical columns (the data layer maps each
//! category to 0..num), so an index out of range is a bug in the caller and panics; it is not
//! user data. Backward scatter-adds dy rows into the table's gradient (repeated indices add
//! up); the indices get no gradient.

use super::params::{Init, ParamLayout, ParamRange};
use nd_kernels::table::Kernels;

/// A lookup table of learned vectors.
#[derive(Clone, Debug, PartialEq)]
pub struct Embedding {
    /// Number of rows (categories).
    pub num_embeddings: usize,
    /// Vector width D.
    pub dim: usize,
    /// (num_embeddings, D), PyTorch's `weight`.
    pub weight: ParamRange,
}

impl Embedding {
    /// Registers `{name}.weight` (num_embeddings, dim), N(0, 1)-initialised.
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        num_embeddings: usize,
        dim: usize,
    ) -> Embedding {
        let weight = layout.add(
            &format!("{name}.weight"),
            &[num_embeddings, dim],
            Init::Normal { std: 1.0 },
        );
        Embedding {
            num_embeddings,
            dim,
            weight,
        }
    }

    /// Floats of cache: none (backward needs only the indices).
    pub fn cache_len(&self, _n: usize) -> usize {
        0
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    /// y (N, D) = weight[indices (N)].
    ///
    /// # Panics
    /// If an index is ≥ `num_embeddings` or y is not (N, D).
    pub fn forward(&self, params: &[f32], indices: &[usize], y: &mut [f32]) {
        assert_eq!(
            y.len(),
            indices.len() * self.dim,
            "embedding: y must be (N, D)"
        );
        let table = self.weight.of(params); // (num, D)
        for (row, &i) in y.chunks_exact_mut(self.dim.max(1)).zip(indices) {
            row.copy_from_slice(&table[self.row(i)]);
        }
    }

    /// `grad[indices[r]] += dy[r]` for every row r of dy (N, D).
    ///
    /// # Panics
    /// If an index is ≥ `num_embeddings` or dy is not (N, D).
    pub fn backward(&self, k: &Kernels, grads: &mut [f32], indices: &[usize], dy: &[f32]) {
        assert_eq!(
            dy.len(),
            indices.len() * self.dim,
            "embedding: dy must be (N, D)"
        );
        let table = self.weight.of_mut(grads); // (num, D)
        for (row, &i) in dy.chunks_exact(self.dim.max(1)).zip(indices) {
            (k.add_assign)(&mut table[self.row(i)], row);
        }
    }

    fn row(&self, i: usize) -> std::ops::Range<usize> {
        assert!(
            i < self.num_embeddings,
            "embedding index {i} out of range for {} rows",
            self.num_embeddings
        );
        i * self.dim..(i + 1) * self.dim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn gradients_match_finite_differences(
            num in 1usize..5, dim in 1usize..4, n in 1usize..6, seed: u64,
        ) {
            let mut layout = ParamLayout::new();
            let emb = Embedding::new(&mut layout, "emb", num, dim);
            let store = ParamStore::new(layout, seed);
            let mut rng = crate::rng::Rng::seed_from(seed);
            let indices: Vec<usize> = (0..n).map(|_| rng.below(num as u64) as usize).collect();
            let fwd = |_: &Kernels, p: &[f32], _: &[f32], y: &mut [f32]| emb.forward(p, &indices, y);
            let bwd = |k: &Kernels, _: &[f32], g: &mut [f32], _: &[f32], dy: &[f32], _: &mut [f32]| {
                emb.backward(k, g, &indices, dy);
            };
            let case = GradCase {
                name: "Embedding",
                params: store.values.to_vec(),
                input: vec![],
                out_len: n * dim,
                forward: &fwd,
                backward: &bwd,
            };
            check_gradients(&case, Tolerance::default(), seed).unwrap();
            check_isa_agreement(&case, 0.0, seed).unwrap();
        }
    }

    #[test]
    fn looks_up_rows_and_adds_repeated_gradients() {
        // As nn.Embedding(3, 2) with weight [[1, 2], [3, 4], [5, 6]] and indices [2, 0, 2]:
        // y = [[5, 6], [1, 2], [5, 6]]; y.sum().backward() gives grad [[1, 1], [0, 0], [2, 2]].
        let mut layout = ParamLayout::new();
        let emb = Embedding::new(&mut layout, "emb", 3, 2);
        let mut store = ParamStore::new(layout, 0);
        store
            .value_mut("emb.weight")
            .unwrap()
            .copy_from_slice(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let mut y = [0.0; 6];
        emb.forward(&store.values, &[2, 0, 2], &mut y);
        assert_eq!(y, [5.0, 6.0, 1.0, 2.0, 5.0, 6.0]);
        let k = nd_kernels::table::active();
        emb.backward(k, &mut store.grads, &[2, 0, 2], &[1.0; 6]);
        assert_eq!(
            store.grad("emb.weight").unwrap(),
            &[1.0, 1.0, 0.0, 0.0, 2.0, 2.0]
        );
    }

    #[test]
    fn initialisation_is_standard_normal() {
        let mut layout = ParamLayout::new();
        Embedding::new(&mut layout, "emb", 100, 50);
        let store = ParamStore::new(layout, 11);
        let w = store.value("emb.weight").unwrap();
        let mean = w.iter().sum::<f32>() / w.len() as f32;
        let var = w.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / w.len() as f32;
        assert!(mean.abs() < 0.05 && (var - 1.0).abs() < 0.1, "{mean} {var}");
    }

    #[test]
    #[should_panic(expected = "out of range")]
    fn an_index_out_of_range_is_a_bug() {
        let mut layout = ParamLayout::new();
        let emb = Embedding::new(&mut layout, "emb", 3, 2);
        let store = ParamStore::new(layout, 0);
        emb.forward(&store.values, &[3], &mut [0.0; 2]);
    }
}
