//! NBEATSx, NeuralForecast's `NBEATSx`: NBEATS whose blocks also read the exogenous inputs,
//! with an `exogenous` stack type whose basis is the window's own future and static exogenous.
//!
//! ```text
//! x_i = [ r_i (L) | hist (L, X) | futr (L+H, F) | stat (S) ]    each block's MLP input
//! exogenous block: θ = [θ_f (C) | θ_b (C)], e = [futr | stat repeated] (L+H, C), C = F + S
//!   backcast[t] = Σ_c θ_b[c]·e[t, c] (t < L),   forecast[t, ·] = Σ_c θ_f[c]·e[L + t, c]
//! ```
//! Everything else is NBEATS: the same residual driver ([`super::nbeats_stack`]) and model
//! type ([`super::nbeats::Nbeats`]), the bases of [`super::nbeats_basis`] (whose docs give the
//! exogenous basis's details, including that its forecast is shared by the Q outputs and that
//! its backcast is in calendar order against the reversed residual, both as NeuralForecast
//! computes them). Unlike NBEATS, NBEATSx's trend is always polynomial with `n_polynomials`
//! (default 2), it has `dropout_prob_theta` (dropout after each hidden activation, in
//! [`super::block_mlp`]) and `exclude_insample_y` (the window and the level read as zeros).
//!
//! Deliberate differences from NeuralForecast: an `exogenous` stack without future or static
//! exogenous inputs is a configuration error (NeuralForecast then silently reuses the previous
//! stack's basis, or fails with an UnboundLocalError when it is the first); with only exogenous
//! stacks and a multi-output loss the forecast is broadcast to (B, H, Q) rather than left
//! (B, H, 1); categorical exogenous embeddings (`cat_exog_list`) are not supported; and the
//! differences listed for NBEATS (`n_blocks` length, at least one block, errors for exceptions).

use super::hyperparams::{Hyperparams, ParamReader};
use super::nbeats::{Nbeats, DEFAULTS};
use super::nbeats_stack::Variant;
use super::registry::ModelEntry;
use super::train_config::TrainConfig;
use crate::error::Result;

/// The registry entry.
pub const ENTRY: ModelEntry = ModelEntry {
    name: "nbeatsx",
    class_name: "NBEATSx",
    summary: "NBEATS with exogenous inputs in every block and an exogenous basis",
    build: |hp| Ok(Box::new(from_hyperparams(hp)?)),
};

/// Builds NBEATSx from `hp` (`h` and `input_size` required; NeuralForecast's defaults else).
///
/// ```
/// use neuro_divergent::models::{ModelBuilder, Model};
/// # fn main() -> neuro_divergent::Result<()> {
/// let model = neuro_divergent::models::nbeatsx::from_hyperparams(
///     ModelBuilder::new("nbeatsx", 6)
///         .input_size(12)
///         .set("futr_exog_list", vec!["price"])
///         .set("stat_exog_list", vec!["size"])
///         .set("mlp_units", vec![vec![32, 32]])
///         .hyperparams(),
/// )?;
/// assert_eq!(model.class_name(), "NBEATSx");
/// // Each block reads the window, the price over window and horizon, and the static value.
/// assert_eq!(model.stack().exog, [0, 1, 1]);
/// assert_eq!(model.stack().d_in(), 12 + (12 + 6) + 1);
/// # Ok(()) }
/// ```
pub fn from_hyperparams(hp: &Hyperparams) -> Result<Nbeats> {
    let mut r = ParamReader::new("NBEATSx", hp);
    let config = TrainConfig::read(&mut r, DEFAULTS, None)?;
    config.check_exog_support("NBEATSx", true, true, true)?;
    let exclude_insample_y = r.bool("exclude_insample_y", false)?;
    let harmonics = r.usize("n_harmonics", 2, 0)?;
    let n_polynomials = r.usize("n_polynomials", 2, 0)?;
    let variant = Variant {
        model: "NBEATSx",
        trend: ("polynomial", n_polynomials),
        harmonics,
        dropout: true,
        exogenous: true,
        exclude_insample_y,
    };
    Nbeats::build("NBEATSx", r, config, variant)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::check::{check_model, predict, RandomInput};
    use crate::models::{Mode, Model};
    use crate::nn::gradcheck::Tolerance;
    use crate::nn::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    fn names(p: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{p}{i}")).collect()
    }

    fn small(h: usize, l: usize, stacks: &[&str], exog: [usize; 3]) -> Hyperparams {
        let units = crate::io::json::parse("[[3,3],[3,2]]", "mlp_units").unwrap();
        Hyperparams::new()
            .with("h", h)
            .with("input_size", l)
            .with("stack_types", stacks.to_vec())
            .with("n_blocks", vec![1usize; stacks.len()])
            .with("mlp_units", units)
            .with("activation", "Softplus")
            .with("hist_exog_list", names("h", exog[0]))
            .with("futr_exog_list", names("f", exog[1]))
            .with("stat_exog_list", names("s", exog[2]))
    }

    const STACKS: [&str; 4] = ["identity", "trend", "seasonality", "exogenous"];

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        /// Every stack type with every exogenous kind in the block input, Q = 1 or 3, shared
        /// weights, exclude_insample_y.
        #[test]
        fn whole_model_gradients_match_finite_differences(
            h in 2usize..4, l in 1usize..4, rows in 1usize..3,
            kinds in proptest::collection::vec(0usize..4, 1..4),
            n_hist in 0usize..3, n_futr in 0usize..3, n_stat in 0usize..3,
            shared: bool, mq: bool, exclude: bool, seed: u64,
        ) {
            let stacks: Vec<&str> = kinds.iter().map(|&k| STACKS[k]).collect();
            // The exogenous basis needs a future or static input.
            let n_futr = if n_futr + n_stat == 0 { 1 } else { n_futr };
            let m = from_hyperparams(
                &small(h, l, &stacks, [n_hist, n_futr, n_stat])
                    .with("n_blocks", vec![2usize; stacks.len()])
                    .with("shared_weights", shared)
                    .with("exclude_insample_y", exclude)
                    .with("loss", if mq { "mqloss(level=[80])" } else { "mae" }),
            )
            .unwrap();
            check_model(&m, rows, Tolerance::default(), seed).unwrap();
        }
    }

    /// Dropout's gradient with the training stream: finite differences on a fixed mask.
    #[test]
    fn dropout_gradients_match_on_a_fixed_mask() {
        let m = from_hyperparams(
            &small(3, 4, &["identity", "exogenous"], [1, 1, 1]).with("dropout_prob_theta", 0.3),
        )
        .unwrap();
        let store = ParamStore::new(m.layout().clone(), 4);
        let x = RandomInput::new(&m, 2, 5);
        let k = nd_kernels::table::active();
        let ws = m.workspace(2);
        let run = |p: &[f32], y: &mut [f32], cache: &mut [f32]| {
            let mut scratch = vec![0.0; ws.scratch];
            let mut rng = Rng::seed_from(9);
            m.forward(
                k,
                p,
                &x.view(),
                y,
                cache,
                &mut scratch,
                Mode::Train(&mut rng),
            );
        };
        let loss = |p: &[f32]| {
            let (mut y, mut cache) = (vec![0.0; 6], vec![0.0; ws.cache]);
            run(p, &mut y, &mut cache);
            y.iter().map(|&v| v as f64).sum::<f64>()
        };
        let (mut y, mut cache) = (vec![0.0; 6], vec![0.0; ws.cache]);
        run(&store.values, &mut y, &mut cache);
        let mut grads = vec![0.0; store.values.len()];
        let mut scratch = vec![0.0; ws.scratch];
        m.backward(
            k,
            &store.values,
            &mut grads,
            &x.view(),
            &cache,
            &[1.0; 6],
            &mut scratch,
        );
        let mut p = store.values.to_vec();
        for i in (0..p.len()).step_by(7) {
            let e = 1e-2;
            let v = p[i];
            p[i] = v + e;
            let up = loss(&p);
            p[i] = v - e;
            let down = loss(&p);
            p[i] = v;
            let fd = (up - down) / (2.0 * e as f64);
            assert!(
                (fd - grads[i] as f64).abs() < 2e-2 * (1.0 + fd.abs()),
                "param {i}: finite difference {fd}, backward {}",
                grads[i]
            );
        }
    }

    #[test]
    fn block_input_reads_exogenous_in_neuralforecasts_order() {
        let m = from_hyperparams(&small(2, 3, &["identity"], [2, 1, 1])).unwrap();
        assert_eq!(m.stack().d_in(), 3 + 3 * 2 + 5 + 1);
        let first = m.layout().find("blocks.0.layers.0.weight").unwrap();
        assert_eq!(first.shape, [3, 3 + 6 + 5 + 1]);
        // Exogenous stack: θ = 2·(F + S).
        let m = from_hyperparams(&small(2, 3, &["exogenous"], [0, 2, 1])).unwrap();
        let out = m.layout().find("blocks.0.layers.5.weight").unwrap();
        assert_eq!(out.shape, [6, 2]);
    }

    #[test]
    fn exclude_insample_y_ignores_the_window_and_the_level() {
        let m = from_hyperparams(
            &small(2, 4, &["identity", "exogenous"], [0, 1, 0]).with("exclude_insample_y", true),
        )
        .unwrap();
        let k = nd_kernels::table::active();
        let store = ParamStore::new(m.layout().clone(), 3);
        let mut x = RandomInput::new(&m, 2, 5);
        let a = predict(&m, k, &store.values, &x.view());
        x.insample_y.iter_mut().for_each(|v| *v += 1.0);
        assert_eq!(a, predict(&m, k, &store.values, &x.view()));
    }

    #[test]
    fn defaults_and_refusals_are_neuralforecasts() {
        let hp = |h: usize| Hyperparams::new().with("h", h).with("input_size", 6usize);
        let m = from_hyperparams(&hp(3)).unwrap();
        assert_eq!(m.class_name(), "NBEATSx");
        let get = |n: &str| m.hyperparams().get(n).unwrap().to_json();
        assert_eq!(
            (get("n_polynomials"), get("n_harmonics")),
            ("2".into(), "2".into())
        );
        assert_eq!(get("dropout_prob_theta"), "0");
        let cases = [
            (
                hp(3)
                    .with("stack_types", vec!["exogenous"])
                    .with("n_blocks", vec![1usize]),
                "NBEATSx.stack_types",
            ),
            (hp(1), "NBEATSx.h"),
            (hp(3).with("n_basis", 3usize), "NBEATSx.n_basis"),
            (
                hp(3).with("dropout_prob_theta", 1.5),
                "NBEATSx.dropout_prob_theta",
            ),
        ];
        for (given, param) in cases {
            let e = from_hyperparams(&given).unwrap_err().to_string();
            assert!(e.contains(param), "{param}: {e}");
        }
        assert!(from_hyperparams(&hp(3).with("dropout_prob_theta", 0.2)).is_ok());
    }
}
