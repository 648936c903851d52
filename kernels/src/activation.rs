//! The activation functions the kernels know, with their parameters.
//!
//! Definitions (NeuralForecast/PyTorch's, with PyTorch's default parameters):
//! - `Identity`: x
//! - `Relu`: max(0, x)
//! - `LeakyRelu { slope }`: x if x > 0 else slope·x            (PyTorch default slope 0.01)
//! - `Elu { alpha }`: x if x > 0 else alpha·(exp(x) − 1)        (default alpha 1)
//! - `Selu`: λ·x if x > 0 else λ·α·(exp(x) − 1), λ = 1.0507009873554805, α = 1.6732632423543772
//! - `Gelu`: x·Φ(x) = ½·x·(1 + erf(x/√2))                       (the exact form, PyTorch's default)
//! - `Sigmoid`: 1 / (1 + exp(−x))
//! - `Tanh`: tanh(x)
//! - `Softplus { beta, threshold }`: log(1 + exp(beta·x)) / beta, and x where beta·x > threshold
//!   (defaults beta 1, threshold 20)
//!
//! PReLU has a learned slope per channel and therefore its own kernels.
//! NaN inputs give NaN outputs for every activation but `Identity`'s caller-defined uses.

/// An elementwise activation, as used by layers and by the GEMM epilogue.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Identity,
    Relu,
    LeakyRelu { slope: f32 },
    Elu { alpha: f32 },
    Selu,
    Gelu,
    Sigmoid,
    Tanh,
    Softplus { beta: f32, threshold: f32 },
}

impl Activation {
    /// PyTorch's `nn.LeakyReLU()`.
    pub const LEAKY_RELU: Activation = Activation::LeakyRelu { slope: 0.01 };
    /// PyTorch's `nn.ELU()`.
    pub const ELU: Activation = Activation::Elu { alpha: 1.0 };
    /// PyTorch's `nn.Softplus()`.
    pub const SOFTPLUS: Activation = Activation::Softplus {
        beta: 1.0,
        threshold: 20.0,
    };
    /// SELU's λ.
    pub const SELU_SCALE: f32 = 1.050_701; // 1.0507009873554805 rounded to f32
    /// SELU's α.
    pub const SELU_ALPHA: f32 = 1.673_263_2; // 1.6732632423543772 rounded to f32

    /// Every activation with its default parameters (handy for tests and benchmarks).
    pub const ALL_DEFAULT: [Activation; 9] = [
        Activation::Identity,
        Activation::Relu,
        Activation::LEAKY_RELU,
        Activation::ELU,
        Activation::Selu,
        Activation::Gelu,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::SOFTPLUS,
    ];

    /// NeuralForecast's name for it (`"ReLU"`, `"GELU"`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "Identity",
            Activation::Relu => "ReLU",
            Activation::LeakyRelu { .. } => "LeakyReLU",
            Activation::Elu { .. } => "ELU",
            Activation::Selu => "SELU",
            Activation::Gelu => "GELU",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Softplus { .. } => "Softplus",
        }
    }
}
