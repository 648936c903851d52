//! Gradient checking: analytic backward passes against central finite differences.
//!
//! Every layer, loss and model in this crate is checked with these two functions, and users
//! writing their own layers can use them too.
//!
//! **Method.** Pick a random cotangent `w` for the output. The scalar
//! `L(θ, x) = Σ w · f(θ, x)` is accumulated in f64 from an f32 forward pass run on the scalar
//! reference kernels (`Kernels::for_isa(Isa::Scalar)`), so SIMD rounding does not enter. Its
//! gradient is what the backward pass computes when handed `d_out = w` (accumulating into
//! zeros). The numerical gradient of each coordinate is the central difference
//! `(L(z + h) − L(z − h)) / 2h`.
//!
//! **Tolerance.** The forward pass is f32, so `L` carries a relative rounding error of about
//! `n·2⁻²⁴` and the difference quotient an absolute one of that over `h`; the quotient's own
//! truncation error is `O(h²·f‴)`. With `h = 1e-2` on inputs of order 1 both are well below
//! `|num − ana| ≤ rtol·max(|num|, |ana|) + atol` with the defaults `rtol = 2e-2`,
//! `atol = 2e-3` (scaled by the cotangent norm), while a real mistake in a backward pass (a
//! missing term, a transposed index, a wrong sign) is off by O(1).
//! `tests::a_broken_backward_fails` shows the check catching such mistakes.
//!
//! Inputs should avoid kinks (ReLU at 0, max-pool ties), where the derivative does not exist.

use crate::rng::Rng;
use nd_kernels::isa::Isa;
use nd_kernels::table::{self, Kernels};

/// Forward: `(kernels, params, input, out)`; writes `out`.
pub type ForwardFn<'a> = dyn Fn(&Kernels, &[f32], &[f32], &mut [f32]) + 'a;

/// Backward: `(kernels, params, grads, input, d_out, d_in)`; **adds** ∂L/∂params to `grads` and
/// ∂L/∂input to `d_in`. It may run the forward pass itself to rebuild its cache.
pub type BackwardFn<'a> = dyn Fn(&Kernels, &[f32], &mut [f32], &[f32], &[f32], &mut [f32]) + 'a;

/// A differentiable function of (params, input) under test.
pub struct GradCase<'a> {
    /// Name for messages.
    pub name: &'a str,
    /// Flat parameter buffer (may be empty).
    pub params: Vec<f32>,
    /// Flat input (several inputs can be concatenated; the closures split them).
    pub input: Vec<f32>,
    /// Output length.
    pub out_len: usize,
    /// The forward pass.
    pub forward: &'a ForwardFn<'a>,
    /// The backward pass.
    pub backward: &'a BackwardFn<'a>,
}

/// The acceptance rule `|num − ana| ≤ rtol·max(|num|, |ana|) + atol`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tolerance {
    /// Finite-difference step.
    pub h: f32,
    /// Relative tolerance.
    pub rtol: f64,
    /// Absolute tolerance (multiplied by the cotangent's RMS).
    pub atol: f64,
}

impl Default for Tolerance {
    fn default() -> Tolerance {
        Tolerance {
            h: 1e-2,
            rtol: 2e-2,
            atol: 2e-3,
        }
    }
}

fn scalar_kernels() -> &'static Kernels {
    table::for_isa(Isa::Scalar).expect("the scalar kernels always exist")
}

/// Checks every parameter and input coordinate of `case` (see the module docs). `seed` draws
/// the cotangent. `Err` names the first coordinate that disagrees.
pub fn check_gradients(case: &GradCase<'_>, tol: Tolerance, seed: u64) -> Result<(), String> {
    let k = scalar_kernels();
    let mut rng = Rng::seed_from(seed);
    let w: Vec<f32> = (0..case.out_len).map(|_| rng.uniform(-1.0, 1.0)).collect();
    let w_rms = (w.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / w.len().max(1) as f64).sqrt();
    let mut out = vec![0.0f32; case.out_len];
    let mut loss = |params: &[f32], input: &[f32]| -> f64 {
        (case.forward)(k, params, input, &mut out);
        out.iter().zip(&w).map(|(&o, &c)| o as f64 * c as f64).sum()
    };

    let mut d_params = vec![0.0f32; case.params.len()];
    let mut d_input = vec![0.0f32; case.input.len()];
    (case.backward)(
        k,
        &case.params,
        &mut d_params,
        &case.input,
        &w,
        &mut d_input,
    );

    let h = tol.h as f64;
    let compare =
        |what: &str, i: usize, at: f32, analytic: f32, numerical: f64| -> Result<(), String> {
            let a = analytic as f64;
            if !a.is_finite()
                || (numerical - a).abs()
                    > tol.rtol * numerical.abs().max(a.abs()) + tol.atol * w_rms.max(1e-3)
            {
                return Err(format!(
                    "{}: d/d{what}[{i}] analytic {a:.6e} vs numerical {numerical:.6e} (at {at})",
                    case.name
                ));
            }
            Ok(())
        };

    let mut params = case.params.clone();
    for i in 0..params.len() {
        let p0 = params[i];
        params[i] = p0 + tol.h;
        let up = loss(&params, &case.input);
        params[i] = p0 - tol.h;
        let down = loss(&params, &case.input);
        params[i] = p0;
        compare("param", i, p0, d_params[i], (up - down) / (2.0 * h))?;
    }
    let mut input = case.input.clone();
    for i in 0..input.len() {
        let x0 = input[i];
        input[i] = x0 + tol.h;
        let up = loss(&case.params, &input);
        input[i] = x0 - tol.h;
        let down = loss(&case.params, &input);
        input[i] = x0;
        compare("input", i, x0, d_input[i], (up - down) / (2.0 * h))?;
    }
    Ok(())
}

/// Runs forward and backward of `case` with every kernel table this CPU supports and compares
/// output, parameter gradients and input gradients with the scalar reference run:
/// `|x − ref| ≤ rtol·(|ref| + scale)` where `scale` is the RMS of the reference array (so values
/// near zero after cancellation are judged against the array's magnitude).
pub fn check_isa_agreement(case: &GradCase<'_>, rtol: f64, seed: u64) -> Result<(), String> {
    let run = |k: &Kernels| {
        let mut rng = Rng::seed_from(seed);
        let w: Vec<f32> = (0..case.out_len).map(|_| rng.uniform(-1.0, 1.0)).collect();
        let mut out = vec![0.0f32; case.out_len];
        (case.forward)(k, &case.params, &case.input, &mut out);
        let mut dp = vec![0.0f32; case.params.len()];
        let mut dx = vec![0.0f32; case.input.len()];
        (case.backward)(k, &case.params, &mut dp, &case.input, &w, &mut dx);
        [out, dp, dx]
    };
    let reference = run(scalar_kernels());
    for k in table::all_supported() {
        let got = run(k);
        for (which, (g, r)) in ["output", "param grad", "input grad"]
            .iter()
            .zip(got.iter().zip(&reference))
        {
            let scale =
                (r.iter().map(|&v| (v as f64).powi(2)).sum::<f64>() / r.len().max(1) as f64).sqrt();
            for (i, (&a, &b)) in g.iter().zip(r).enumerate() {
                let (a, b) = (a as f64, b as f64);
                if (a - b).abs() > rtol * (b.abs() + scale) || a.is_nan() != b.is_nan() {
                    return Err(format!(
                        "{}: {which}[{i}] on {:?} is {a} but the scalar reference gives {b}",
                        case.name, k.isa
                    ));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(θ, x) = θ₀·x² + θ₁·x, elementwise.
    fn forward(_: &Kernels, p: &[f32], x: &[f32], out: &mut [f32]) {
        for (o, &v) in out.iter_mut().zip(x) {
            *o = p[0] * v * v + p[1] * v;
        }
    }

    fn backward_with(broken: u8) -> Box<BackwardFn<'static>> {
        Box::new(move |_, p, dp, x, dy, dx| {
            for i in 0..x.len() {
                let v = x[i];
                dp[0] += dy[i] * v * v;
                if broken != 1 {
                    dp[1] += dy[i] * v; // broken = 1: a forgotten parameter gradient
                }
                dx[i] += dy[i]
                    * if broken == 2 {
                        2.0 * p[0] * v - p[1]
                    } else {
                        2.0 * p[0] * v + p[1]
                    };
            }
        })
    }

    fn case<'a>(b: &'a BackwardFn<'a>) -> GradCase<'a> {
        GradCase {
            name: "quadratic",
            params: vec![0.7, -1.3],
            input: vec![0.5, -2.0, 1.5],
            out_len: 3,
            forward: &forward,
            backward: b,
        }
    }

    #[test]
    fn a_correct_backward_passes() {
        let b = backward_with(0);
        check_gradients(&case(&*b), Tolerance::default(), 1).unwrap();
        check_isa_agreement(&case(&*b), 1e-6, 1).unwrap();
    }

    #[test]
    fn a_broken_backward_fails() {
        for broken in [1, 2] {
            let b = backward_with(broken);
            let err = check_gradients(&case(&*b), Tolerance::default(), 1).unwrap_err();
            assert!(
                err.contains(if broken == 1 { "param[1]" } else { "input[" }),
                "{err}"
            );
        }
    }
}
