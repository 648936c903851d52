//! The parameter store: every parameter of a model in one contiguous aligned buffer.
//!
//! A model is built in two phases. First each layer registers its tensors with a
//! [`ParamLayout`] (name, shape, initialiser) and keeps the returned [`ParamRange`]. Then a
//! [`ParamStore`] allocates one buffer for values and one, identically laid out, for gradients,
//! and initialises the values. Optimizer moments use the same layout (same length), so zeroing
//! gradients, reducing them across threads, the optimizer step and saving are each one flat loop.
//!
//! Each tensor starts on a 64-byte boundary (a multiple of 16 floats), so SIMD loads of a
//! tensor's start are aligned; the few padding floats stay zero forever (their gradient is never
//! written).
//!
//! Initialisation is deterministic: tensor `i` draws from `Rng::seed_from(seed).fork(i)`, so the
//! values of one tensor do not depend on the tensors registered before it, and adding a layer
//! does not change the others' starting weights.

use crate::rng::Rng;
use nd_kernels::mem::AlignedBuf;

/// Floats per alignment unit (64 bytes).
const ALIGN_FLOATS: usize = 16;

/// How a tensor is initialised. The defaults of PyTorch's layers are expressed with these:
/// `nn.Linear` and `nn.Conv1d` weights and biases are `Uniform { bound: 1/sqrt(fan_in) }`
/// (Kaiming-uniform with a = √5 reduces to that bound), recurrent weights and biases are
/// `Uniform { bound: 1/sqrt(hidden) }`, `nn.Embedding` is `Normal { std: 1 }`, LayerNorm's
/// weight `Constant(1)` and bias `Zeros`, PReLU's slope `Constant(0.25)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// All zeros.
    Zeros,
    /// Every element equal to the value.
    Constant(f32),
    /// Uniform in [-bound, bound).
    Uniform {
        /// Half-width of the interval.
        bound: f32,
    },
    /// Normal with mean 0.
    Normal {
        /// Standard deviation.
        std: f32,
    },
}

impl Init {
    /// PyTorch's default for `nn.Linear`/`nn.Conv1d` weights and biases: kaiming_uniform with
    /// a = √5, i.e. uniform(±1/√fan_in). `fan_in` 0 gives bound 0.
    pub fn kaiming_uniform(fan_in: usize) -> Init {
        let bound = if fan_in == 0 {
            0.0
        } else {
            1.0 / (fan_in as f32).sqrt()
        };
        Init::Uniform { bound }
    }

    /// Fills `out` from `rng`.
    pub fn fill(self, rng: &mut Rng, out: &mut [f32]) {
        match self {
            Init::Zeros => out.fill(0.0),
            Init::Constant(c) => out.fill(c),
            Init::Uniform { bound } => out.iter_mut().for_each(|v| *v = rng.uniform(-bound, bound)),
            Init::Normal { std } => out
                .iter_mut()
                .for_each(|v| *v = (rng.normal() * std as f64) as f32),
        }
    }
}

/// Where one tensor lives in the flat buffers: `offset..offset + len`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct ParamRange {
    /// First float.
    pub offset: usize,
    /// Number of floats.
    pub len: usize,
}

impl ParamRange {
    /// This tensor's part of a flat buffer (values, gradients or moments).
    pub fn of<'a>(&self, flat: &'a [f32]) -> &'a [f32] {
        &flat[self.offset..self.offset + self.len]
    }

    /// This tensor's part of a mutable flat buffer.
    pub fn of_mut<'a>(&self, flat: &'a mut [f32]) -> &'a mut [f32] {
        &mut flat[self.offset..self.offset + self.len]
    }
}

/// One registered tensor.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamSpec {
    /// Dotted name, PyTorch-style (`encoder.0.weight`).
    pub name: String,
    /// Shape, PyTorch's convention (`nn.Linear` weight is (out, in)).
    pub shape: Vec<usize>,
    /// Where it lives.
    pub range: ParamRange,
    /// How it starts.
    pub init: Init,
}

/// The list of a model's tensors and their places in the flat buffer.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ParamLayout {
    specs: Vec<ParamSpec>,
    len: usize,
}

impl ParamLayout {
    /// An empty layout.
    pub fn new() -> ParamLayout {
        ParamLayout::default()
    }

    /// Registers a tensor and returns where it will live.
    ///
    /// # Panics
    /// If the name is already registered (a bug in the model's construction, not user data).
    pub fn add(&mut self, name: &str, shape: &[usize], init: Init) -> ParamRange {
        assert!(
            self.specs.iter().all(|s| s.name != name),
            "parameter '{name}' registered twice"
        );
        let len = shape.iter().product::<usize>();
        let offset = self.len.next_multiple_of(ALIGN_FLOATS);
        let range = ParamRange { offset, len };
        self.specs.push(ParamSpec {
            name: name.to_owned(),
            shape: shape.to_vec(),
            range,
            init,
        });
        self.len = offset + len;
        range
    }

    /// Length of the flat buffer, padding included.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no tensor is registered.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Number of trainable scalars (padding excluded), as PyTorch's
    /// `sum(p.numel() for p in model.parameters())`.
    pub fn n_params(&self) -> usize {
        self.specs.iter().map(|s| s.range.len).sum()
    }

    /// The registered tensors, in registration order.
    pub fn specs(&self) -> &[ParamSpec] {
        &self.specs
    }

    /// The tensor called `name`.
    pub fn find(&self, name: &str) -> Option<&ParamSpec> {
        self.specs.iter().find(|s| s.name == name)
    }

    /// A fresh value buffer initialised from `seed` (see the module docs for the scheme).
    pub fn init_values(&self, seed: u64) -> AlignedBuf {
        let mut values = AlignedBuf::zeroed(self.len);
        let root = Rng::seed_from(seed);
        for (i, spec) in self.specs.iter().enumerate() {
            let mut rng = root.fork(i as u64);
            spec.init.fill(&mut rng, spec.range.of_mut(&mut values));
        }
        values
    }
}

/// A model's values and gradients, laid out by one [`ParamLayout`].
#[derive(Clone, Debug, PartialEq)]
pub struct ParamStore {
    /// The layout both buffers follow.
    pub layout: ParamLayout,
    /// Parameter values.
    pub values: AlignedBuf,
    /// Gradients, accumulated by backward passes; zero them with [`ParamStore::zero_grads`].
    pub grads: AlignedBuf,
}

impl ParamStore {
    /// Allocates and initialises the store for `layout` from `seed`.
    pub fn new(layout: ParamLayout, seed: u64) -> ParamStore {
        let values = layout.init_values(seed);
        let grads = AlignedBuf::zeroed(layout.len());
        ParamStore {
            layout,
            values,
            grads,
        }
    }

    /// Sets every gradient to zero.
    pub fn zero_grads(&mut self) {
        self.grads.as_mut_slice().fill(0.0);
    }

    /// Values of the tensor called `name`.
    pub fn value(&self, name: &str) -> Option<&[f32]> {
        self.layout.find(name).map(|s| s.range.of(&self.values))
    }

    /// Mutable values of the tensor called `name` (to load weights, e.g. from PyTorch).
    pub fn value_mut(&mut self, name: &str) -> Option<&mut [f32]> {
        let range = self.layout.find(name)?.range;
        Some(range.of_mut(&mut self.values))
    }

    /// Gradient of the tensor called `name`.
    pub fn grad(&self, name: &str) -> Option<&[f32]> {
        self.layout.find(name).map(|s| s.range.of(&self.grads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tensors_are_aligned_and_counted_without_padding() {
        let mut l = ParamLayout::new();
        let w = l.add("fc.weight", &[3, 5], Init::kaiming_uniform(5));
        let b = l.add("fc.bias", &[3], Init::kaiming_uniform(5));
        assert_eq!((w.offset, w.len), (0, 15));
        assert_eq!((b.offset, b.len), (16, 3));
        assert_eq!(l.len(), 19);
        assert_eq!(l.n_params(), 18);
    }

    #[test]
    fn init_is_deterministic_bounded_and_per_tensor() {
        let mut l = ParamLayout::new();
        l.add("a", &[1000], Init::Uniform { bound: 0.5 });
        let s1 = ParamStore::new(l.clone(), 7);
        let s2 = ParamStore::new(l.clone(), 7);
        assert_eq!(s1.values, s2.values);
        assert!(s1.values.iter().all(|v| (-0.5..0.5).contains(v)));
        assert!(s1.values.iter().any(|&v| v > 0.4) && s1.values.iter().any(|&v| v < -0.4));
        // Registering another tensor first does not change "a"'s values... only if it keeps
        // its index; appending after it never does.
        let mut l2 = l.clone();
        l2.add("b", &[4], Init::Constant(0.25));
        let s3 = ParamStore::new(l2, 7);
        assert_eq!(s3.value("a").unwrap(), s1.value("a").unwrap());
        assert_eq!(s3.value("b").unwrap(), &[0.25; 4]);
        assert_ne!(ParamStore::new(l, 8).values, s1.values);
    }

    #[test]
    #[should_panic(expected = "registered twice")]
    fn duplicate_names_are_a_bug() {
        let mut l = ParamLayout::new();
        l.add("w", &[1], Init::Zeros);
        l.add("w", &[1], Init::Zeros);
    }
}
