//! Elementwise activation layers (PyTorch's `nn.ReLU`, `nn.GELU`, ...) and their lookup by the
//! names NeuralForecast passes to `getattr(nn, name)`.
//!
//! The functions themselves live in the kernels ([`Activation`] documents each definition);
//! this layer gives them the layer convention. It has no parameters and no cache: the
//! backward kernel needs only the input x and the output y, which the caller keeps anyway.
//! PReLU has a learned slope and is its own layer, [`super::prelu::PRelu`].

use crate::error::{Error, Result};
use nd_kernels::table::Kernels;
use nd_kernels::Activation;

/// Every name [`activation_by_name`] accepts, in the spelling of `torch.nn`.
pub const ACTIVATION_NAMES: [&str; 9] = [
    "Identity",
    "ReLU",
    "LeakyReLU",
    "ELU",
    "SELU",
    "GELU",
    "Sigmoid",
    "Tanh",
    "Softplus",
];

/// The activation `torch.nn` calls `name`, with PyTorch's default arguments (`LeakyReLU`
/// slope 0.01, `ELU` alpha 1, `Softplus` beta 1 and threshold 20). Names are case-sensitive,
/// as `getattr(nn, name)` is.
///
/// # Errors
/// [`crate::error::ErrorKind::Config`] naming the parameter `activation` and listing the valid
/// names; `"PReLU"` gets a message pointing at [`NamedActivation`], since it has a parameter.
pub fn activation_by_name(name: &str) -> Result<Activation> {
    match NamedActivation::from_name(name)? {
        NamedActivation::Fixed(a) => Ok(a),
        NamedActivation::PRelu => Err(Error::config(
            "activation",
            "'PReLU' has a learned slope: build it as a layer (NamedActivation::from_name \
             returns PRelu for it), not as a fixed activation",
        )),
    }
}

/// What a NeuralForecast `activation` string names: a fixed function or PReLU (which a model
/// must register as a layer with a parameter).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum NamedActivation {
    /// A parameter-free activation.
    Fixed(Activation),
    /// `nn.PReLU()`: one learned slope, initialised to 0.25.
    PRelu,
}

impl NamedActivation {
    /// Looks `name` up among [`ACTIVATION_NAMES`] and `"PReLU"`.
    ///
    /// # Errors
    /// [`crate::error::ErrorKind::Config`] for any other name, listing the valid ones.
    pub fn from_name(name: &str) -> Result<NamedActivation> {
        if name == "PReLU" {
            return Ok(NamedActivation::PRelu);
        }
        Activation::ALL_DEFAULT
            .iter()
            .find(|a| a.name() == name)
            .map(|&a| NamedActivation::Fixed(a))
            .ok_or_else(|| {
                Error::config(
                    "activation",
                    format!(
                        "unknown activation '{name}'; valid names are {}, PReLU",
                        ACTIVATION_NAMES.join(", ")
                    ),
                )
            })
    }
}

/// An activation as a layer: y = f(x) elementwise, any shape.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ActivationLayer {
    /// The function applied.
    pub activation: Activation,
}

impl ActivationLayer {
    /// The layer applying `activation`.
    pub fn new(activation: Activation) -> ActivationLayer {
        ActivationLayer { activation }
    }

    /// The layer `torch.nn` calls `name` (see [`activation_by_name`]).
    ///
    /// # Errors
    /// As [`activation_by_name`].
    pub fn by_name(name: &str) -> Result<ActivationLayer> {
        activation_by_name(name).map(ActivationLayer::new)
    }

    /// Floats of cache: none (backward reads x and y).
    pub fn cache_len(&self, _n: usize) -> usize {
        0
    }

    /// Floats of scratch: none.
    pub fn scratch_len(&self, _n: usize) -> usize {
        0
    }

    /// y (N) = f(x (N)).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn forward(&self, k: &Kernels, x: &[f32], y: &mut [f32]) {
        (k.act_forward)(self.activation, x, y);
    }

    /// In place: x = f(x).
    pub fn forward_inplace(&self, k: &Kernels, x: &mut [f32]) {
        (k.act_forward_inplace)(self.activation, x);
    }

    /// dx (N) += dy ⊙ f'(x); `y` is the forward output (some derivatives are cheaper from it).
    ///
    /// # Panics
    /// If the lengths differ.
    pub fn backward(&self, k: &Kernels, x: &[f32], y: &[f32], dy: &[f32], dx: &mut [f32]) {
        (k.act_backward)(self.activation, x, y, dy, dx);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use proptest::prelude::*;

    fn with_case(layer: ActivationLayer, x: Vec<f32>, run: impl FnOnce(&GradCase<'_>)) {
        let fwd = |k: &Kernels, _: &[f32], x: &[f32], y: &mut [f32]| layer.forward(k, x, y);
        let bwd = |k: &Kernels, _: &[f32], _: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut y = vec![0.0; x.len()];
            layer.forward(k, x, &mut y);
            layer.backward(k, x, &y, dy, dx);
        };
        let n = x.len();
        run(&GradCase {
            name: layer.activation.name(),
            params: vec![],
            input: x,
            out_len: n,
            forward: &fwd,
            backward: &bwd,
        });
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]
        #[test]
        fn gradients_match_finite_differences(
            which in 0usize..Activation::ALL_DEFAULT.len(), n in 1usize..12, seed: u64,
        ) {
            let layer = ActivationLayer::new(Activation::ALL_DEFAULT[which]);
            let mut rng = crate::rng::Rng::seed_from(seed);
            let x: Vec<f32> = (0..n).map(|_| rng.uniform(-3.0, 3.0)).collect();
            // The kinks of ReLU, LeakyReLU, ELU and SELU at 0 have no derivative.
            prop_assume!(x.iter().all(|v| v.abs() > 0.05));
            with_case(layer, x, |c| {
                check_gradients(c, Tolerance::default(), seed).unwrap();
                check_isa_agreement(c, 1e-5, seed).unwrap();
            });
        }
    }

    #[test]
    fn values_match_pytorch() {
        // Computed with PyTorch 2.x: torch.nn.<Name>()(torch.tensor(x)) for these x.
        let x = [-2.0f32, -0.5, 0.3, 1.7];
        let expected: [(&str, [f32; 4]); 8] = [
            ("ReLU", [0.0, 0.0, 0.3, 1.7]),
            ("LeakyReLU", [-0.02, -0.005, 0.3, 1.7]),
            ("ELU", [-0.86466473, -0.39346933, 0.3, 1.7]),
            ("SELU", [-1.5201665, -0.69175816, 0.3152103, 1.7861918]),
            ("GELU", [-0.04550028, -0.15426877, 0.18537344, 1.6242387]),
            ("Sigmoid", [0.11920292, 0.37754068, 0.5744425, 0.8455348]),
            ("Tanh", [-0.9640276, -0.46211717, 0.29131263, 0.93540907]),
            ("Softplus", [0.126928, 0.474077, 0.8543553, 1.867786]),
        ];
        for k in nd_kernels::table::all_supported() {
            for (name, want) in expected {
                let layer = ActivationLayer::by_name(name).unwrap();
                let mut y = [0.0; 4];
                layer.forward(k, &x, &mut y);
                for (g, w) in y.iter().zip(want) {
                    assert!(
                        (g - w).abs() <= 2e-6 * w.abs().max(1.0),
                        "{name}: {y:?} vs {want:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn names_resolve_and_unknown_names_list_the_valid_ones() {
        for name in ACTIVATION_NAMES {
            assert_eq!(activation_by_name(name).unwrap().name(), name);
        }
        assert_eq!(
            NamedActivation::from_name("PReLU").unwrap(),
            NamedActivation::PRelu
        );
        assert!(activation_by_name("PReLU").is_err());
        let err = activation_by_name("relu").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Config);
        assert!(err.message.contains("'relu'"), "{}", err.message);
        assert!(err.message.contains("ReLU, LeakyReLU"), "{}", err.message);
        assert!(err.message.contains("PReLU"), "{}", err.message);
    }
}
