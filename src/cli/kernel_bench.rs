//! The measurements behind `neuro-divergent bench kernels`: sgemm GFLOP/s at the shapes
//! forecasting models use, elementwise Gelem/s, and the tier's measured f32 peak.
//!
//! The shapes and inputs are public so the criterion benchmark (`benches/kernels.rs`)
//! measures exactly the same work.

use std::time::Duration;

use nd_kernels::{Activation, Epilogue, GemmSpec, Isa, Kernels};

use super::timing::{measure, rate};

/// (M, N, K) of the benchmarked products C(M, N) = A(M, K)·B(K, N): the two MLP-shaped
/// products of forecasting models (batch × wide hidden layer from a short window; batch ×
/// horizon from a wide layer), then squares from small to large.
pub const SGEMM_SHAPES: [(usize, usize, usize); 7] = [
    (32, 1024, 24),
    (32, 12, 1024),
    (64, 64, 64),
    (128, 512, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
];

/// The length of the elementwise benchmarks' vectors (1M floats: 4 MiB, larger than L2).
pub const ELEMENTWISE_N: usize = 1 << 20;

/// An elementwise kernel measured by the benchmark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Elementwise {
    /// y = exp(x), x in [−10, 10].
    Exp,
    /// y = tanh(x), x in [−5, 5].
    Tanh,
    /// y = 1/(1 + exp(−x)), x in [−5, 5].
    Sigmoid,
    /// y += α·x.
    Axpy,
}

impl Elementwise {
    /// Every kernel, in the order reports list them.
    pub const ALL: [Elementwise; 4] = [
        Elementwise::Exp,
        Elementwise::Tanh,
        Elementwise::Sigmoid,
        Elementwise::Axpy,
    ];

    /// The name reports and `--json` use.
    pub fn name(self) -> &'static str {
        match self {
            Elementwise::Exp => "exp",
            Elementwise::Tanh => "tanh",
            Elementwise::Sigmoid => "sigmoid",
            Elementwise::Axpy => "axpy",
        }
    }

    /// The input range the benchmark draws x from.
    pub fn input_range(self) -> (f32, f32) {
        match self {
            Elementwise::Exp => (-10.0, 10.0),
            Elementwise::Tanh | Elementwise::Sigmoid => (-5.0, 5.0),
            Elementwise::Axpy => (-1.0, 1.0),
        }
    }

    /// One call of the kernel on x (n) into y (n).
    pub fn run(self, k: &Kernels, x: &[f32], y: &mut [f32]) {
        match self {
            Elementwise::Exp => (k.exp)(x, y),
            Elementwise::Tanh => (k.act_forward)(Activation::Tanh, x, y),
            Elementwise::Sigmoid => (k.act_forward)(Activation::Sigmoid, x, y),
            // A small alpha keeps y bounded however many times the benchmark repeats.
            Elementwise::Axpy => (k.axpy)(1e-6, x, y),
        }
    }
}

/// Deterministic pseudo-random values in [lo, hi) (xorshift64*: the benchmarks need varied
/// data, not statistical quality).
pub fn fill_uniform(buf: &mut [f32], seed: u64, lo: f32, hi: f32) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for v in buf.iter_mut() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let bits = state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40; // 24 random bits
        *v = lo + (hi - lo) * (bits as f32 / (1u64 << 24) as f32);
    }
}

/// The inputs of one sgemm benchmark: A (m, k), B (k, n), C (m, n), all row-major, packed.
pub struct SgemmInputs {
    /// m, n, k, with the packed leading dimensions.
    pub spec: GemmSpec,
    /// A (m, k), row-major.
    pub a: Vec<f32>,
    /// B (k, n), row-major.
    pub b: Vec<f32>,
    /// C (m, n), row-major; overwritten by each run.
    pub c: Vec<f32>,
}

impl SgemmInputs {
    /// C = 1·A·B + 0·C with no transposes and packed leading dimensions.
    pub fn new(m: usize, n: usize, k: usize) -> SgemmInputs {
        let mut a = vec![0.0; m * k]; // (M, K)
        let mut b = vec![0.0; k * n]; // (K, N)
        fill_uniform(&mut a, 1, -1.0, 1.0);
        fill_uniform(&mut b, 2, -1.0, 1.0);
        let spec = GemmSpec::new(m, n, k);
        SgemmInputs {
            spec,
            a,
            b,
            c: vec![0.0; m * n], // (M, N)
        }
    }

    /// One product with `k`'s sgemm.
    pub fn run(&mut self, k: &Kernels) {
        (k.sgemm)(&self.spec, &self.a, &self.b, &mut self.c, Epilogue::NONE);
    }

    /// Floating-point operations of one product: a multiply and an add per (i, j, p).
    pub fn flops(&self) -> f64 {
        2.0 * self.spec.m as f64 * self.spec.n as f64 * self.spec.k as f64
    }
}

/// The inputs of one elementwise benchmark: x (n) and y (n).
pub struct ElementwiseInputs {
    /// Which kernel.
    pub kernel: Elementwise,
    /// The input, drawn from the kernel's input range.
    pub x: Vec<f32>,
    /// The output (also an input for axpy).
    pub y: Vec<f32>,
}

impl ElementwiseInputs {
    /// Inputs of `n` elements for `kernel`, with fixed seeds.
    pub fn new(kernel: Elementwise, n: usize) -> ElementwiseInputs {
        let (lo, hi) = kernel.input_range();
        let mut x = vec![0.0; n];
        fill_uniform(&mut x, 3, lo, hi);
        let mut y = vec![0.0; n];
        fill_uniform(&mut y, 4, -1.0, 1.0);
        ElementwiseInputs { kernel, x, y }
    }

    /// One call of the kernel with `k`.
    pub fn run(&mut self, k: &Kernels) {
        self.kernel.run(k, &self.x, &mut self.y);
    }
}

/// How long to measure and what.
#[derive(Clone, Debug)]
pub struct BenchConfig {
    /// Time spent repeating each item after its warm-up.
    pub budget: Duration,
    /// Timed runs per item at least (unless its warm-up alone exceeds the budget).
    pub min_runs: usize,
    /// Time spent measuring the peak.
    pub peak_duration: Duration,
    /// The sgemm shapes (m, n, k) to measure.
    pub sgemm_shapes: Vec<(usize, usize, usize)>,
    /// The element count of each elementwise benchmark.
    pub elementwise_n: usize,
    /// How many times the whole set of items is measured; each figure is the best over the
    /// rounds. Rounds spread each item's runs over time, so one burst of load from a neighbour
    /// on a shared machine cannot spoil an item's every run.
    pub rounds: usize,
}

impl BenchConfig {
    /// The default: ~0.3 s per item.
    pub fn full() -> BenchConfig {
        BenchConfig {
            budget: Duration::from_millis(300),
            min_runs: 3,
            peak_duration: Duration::from_millis(300),
            sgemm_shapes: SGEMM_SHAPES.to_vec(),
            elementwise_n: ELEMENTWISE_N,
            rounds: 3,
        }
    }

    /// `--quick`: ~0.03 s per item, same shapes (the figures are noisier).
    pub fn quick() -> BenchConfig {
        BenchConfig {
            budget: Duration::from_millis(30),
            min_runs: 2,
            peak_duration: Duration::from_millis(50),
            rounds: 1,
            ..BenchConfig::full()
        }
    }
}

/// One sgemm figure.
#[derive(Clone, Debug)]
pub struct SgemmResult {
    /// Rows of A and C.
    pub m: usize,
    /// Columns of B and C.
    pub n: usize,
    /// The shared dimension.
    pub k: usize,
    /// From the best run.
    pub gflops: f64,
    /// `gflops` / the tier's measured peak.
    pub fraction_of_peak: f64,
    /// Timed runs (over all rounds).
    pub runs: usize,
}

/// One elementwise figure.
#[derive(Clone, Debug)]
pub struct ElementwiseResult {
    /// The kernel's name (see [`Elementwise::name`]).
    pub kernel: &'static str,
    /// Elements per call.
    pub n: usize,
    /// Billions of elements per second, from the best run.
    pub gelem_per_s: f64,
    /// Timed runs (over all rounds).
    pub runs: usize,
}

/// Every figure of one tier.
#[derive(Clone, Debug)]
pub struct IsaReport {
    /// The tier measured.
    pub isa: Isa,
    /// The measured f32 peak of the tier, GFLOP/s.
    pub peak_gflops: f64,
    /// Whether the peak was measured with FMA (else multiply-then-add pairs).
    pub peak_uses_fma: bool,
    /// One figure per shape of [`BenchConfig::sgemm_shapes`].
    pub sgemm: Vec<SgemmResult>,
    /// One figure per kernel of [`Elementwise::ALL`].
    pub elementwise: Vec<ElementwiseResult>,
}

impl IsaReport {
    /// Keeps, item by item, the better of `self` and `other` (a later round of the same tier):
    /// the higher peak and rates, the runs of both; fractions are recomputed from the best
    /// peak so that no figure is compared with a peak measured while the machine was slower.
    pub fn merge_best(&mut self, other: &IsaReport) {
        debug_assert_eq!(self.isa, other.isa);
        self.peak_gflops = self.peak_gflops.max(other.peak_gflops);
        for (mine, theirs) in self.sgemm.iter_mut().zip(&other.sgemm) {
            mine.gflops = mine.gflops.max(theirs.gflops);
            mine.runs += theirs.runs;
        }
        for r in &mut self.sgemm {
            r.fraction_of_peak = r.gflops / self.peak_gflops;
        }
        for (mine, theirs) in self.elementwise.iter_mut().zip(&other.elementwise) {
            mine.gelem_per_s = mine.gelem_per_s.max(theirs.gelem_per_s);
            mine.runs += theirs.runs;
        }
    }
}

/// Measures every item for `isa`; `None` if this CPU does not support it. `progress` is
/// called with the name of each item before it is measured.
pub fn bench_isa(
    isa: Isa,
    config: &BenchConfig,
    mut progress: impl FnMut(&str),
) -> Option<IsaReport> {
    let kernels = nd_kernels::for_isa(isa)?;
    progress("peak");
    let peak_gflops = nd_kernels::peak::fma_peak_gflops(isa, config.peak_duration)?;

    let mut sgemm = Vec::new();
    for &(m, n, k) in &config.sgemm_shapes {
        progress(&format!("sgemm {m}x{n}x{k}"));
        let mut inputs = SgemmInputs::new(m, n, k);
        let t = measure(config.budget, config.min_runs, || inputs.run(kernels));
        let gflops = rate(inputs.flops(), t.best) / 1e9;
        sgemm.push(SgemmResult {
            m,
            n,
            k,
            gflops,
            fraction_of_peak: gflops / peak_gflops,
            runs: t.runs,
        });
    }

    let mut elementwise = Vec::new();
    for kernel in Elementwise::ALL {
        progress(kernel.name());
        let mut inputs = ElementwiseInputs::new(kernel, config.elementwise_n);
        let t = measure(config.budget, config.min_runs, || inputs.run(kernels));
        elementwise.push(ElementwiseResult {
            kernel: kernel.name(),
            n: config.elementwise_n,
            gelem_per_s: rate(config.elementwise_n as f64, t.best) / 1e9,
            runs: t.runs,
        });
    }

    Some(IsaReport {
        isa,
        peak_gflops,
        peak_uses_fma: nd_kernels::peak::uses_fma(isa),
        sgemm,
        elementwise,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_uniform_stays_in_range_and_varies() {
        let mut buf = vec![0.0; 1000];
        fill_uniform(&mut buf, 7, -2.0, 3.0);
        assert!(buf.iter().all(|&v| (-2.0..3.0).contains(&v)));
        let distinct = buf
            .iter()
            .map(|v| v.to_bits())
            .collect::<std::collections::HashSet<_>>();
        assert!(distinct.len() > 900);
    }

    #[test]
    fn sgemm_inputs_have_the_shapes_of_the_spec() {
        let inputs = SgemmInputs::new(3, 5, 7);
        assert_eq!(inputs.a.len(), 21);
        assert_eq!(inputs.b.len(), 35);
        assert_eq!(inputs.c.len(), 15);
        assert_eq!(inputs.flops(), 210.0);
    }

    #[test]
    fn small_bench_reports_every_item() {
        let config = BenchConfig {
            budget: Duration::ZERO,
            min_runs: 1,
            peak_duration: Duration::from_millis(1),
            sgemm_shapes: vec![(4, 5, 6), (1, 1, 1)],
            elementwise_n: 37,
            rounds: 1,
        };
        let mut items = 0;
        let report = bench_isa(Isa::Scalar, &config, |_| items += 1).unwrap();
        assert_eq!(items, 1 + 2 + 4);
        assert_eq!(report.sgemm.len(), 2);
        assert_eq!(report.elementwise.len(), 4);
        assert!(report.peak_gflops > 0.0);
        assert!(report
            .sgemm
            .iter()
            .all(|r| r.gflops.is_finite() && r.runs == 1));
    }

    #[test]
    fn merging_rounds_keeps_the_best_figures_against_the_best_peak() {
        let round = |peak: f64, gflops: f64, gelem: f64| IsaReport {
            isa: Isa::Scalar,
            peak_gflops: peak,
            peak_uses_fma: false,
            sgemm: vec![SgemmResult {
                m: 1,
                n: 1,
                k: 1,
                gflops,
                fraction_of_peak: gflops / peak,
                runs: 2,
            }],
            elementwise: vec![ElementwiseResult {
                kernel: "exp",
                n: 1,
                gelem_per_s: gelem,
                runs: 3,
            }],
        };
        let mut best = round(10.0, 4.0, 1.0);
        best.merge_best(&round(8.0, 6.0, 0.5));
        assert_eq!(best.peak_gflops, 10.0);
        assert_eq!(best.sgemm[0].gflops, 6.0);
        assert_eq!(best.sgemm[0].fraction_of_peak, 0.6);
        assert_eq!(best.sgemm[0].runs, 4);
        assert_eq!(best.elementwise[0].gelem_per_s, 1.0);
        assert_eq!(best.elementwise[0].runs, 6);
    }
}
