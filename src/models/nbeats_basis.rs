//! The bases of NBEATS and NBEATSx blocks: how a block's coefficients θ become its backcast
//! (B, L) and its forecast (B, H, Q).
//!
//! ```text
//! identity:     backcast[t] = θ[t]                          θ = [L | H·Q],  forecast (H, Q) row-major
//! trend,
//! seasonality:  backcast[t] = Σ_p θ[p] · Bb[p, t]           θ = [P | P·Q]
//!               forecast[t, q] = Σ_p θ[P + p·Q + q] · Bf[p, t]
//! exogenous:    backcast[t] = Σ_c θ[C + c] · e[t, c]        θ = [C | C],  t < L
//!               forecast[t, q] = Σ_c θ[c] · e[L + t, c]     the same for every q
//! ```
//!
//! The forecast coefficients are NeuralForecast's `reshape(B, P, Q)` of `θ[:, P:]` with the
//! einsum `bpq,pt->btq`, so the output index q is innermost in θ. Bb (P, L) and Bf (P, H) are
//! fixed (PyTorch holds them as parameters with `requires_grad=False`; here they are plain
//! matrices outside the parameter layout), computed in f64 as NeuralForecast computes them with
//! numpy and rounded to f32:
//!
//! * trend, `n = n_basis + 1` functions on a grid of `len` points (`x` = numpy's
//!   `linspace(a, b, len)`: `a + i·(b − a)/(len − 1)`, the last point exactly `b`):
//!   `polynomial` (i/len)^p; `legendre` and `chebyshev` P_p(x), T_p(x) on linspace(−1, 1);
//!   `changepoint` max(0, x − c_j) with `c = linspace(0, 1, n + 1)[1:]`; `piecewise_linear` hat
//!   functions on the knots linspace(0, 1, n + 1) whose first column is zero (NeuralForecast's
//!   loop starts at 1); `linear_hat` max(0, 1 − |x − c_j|·(n − 1)) with c = linspace(0, 1, n);
//!   `spline` the n cubic B-splines on the knots [0, 0, 0, linspace(0, 1, n − 2), 1, 1, 1]
//!   evaluated as scipy's `BSpline` does (de Boor's triangle; x = 1 takes the last interval).
//! * seasonality: frequencies f = [0, (k + j)/k for j in 0..⌈k·H/2 − k⌉] for k = n_harmonics,
//!   then Bb = [cos; sin](−2π·(t/H)·f) over t < L and Bf = [cos; sin](2π·(t/H)·f) over t < H:
//!   P = 2·len(f) rows, the cosines first.
//! * exogenous (NBEATSx): e (L + H, C) is the window's future exogenous, then its static
//!   exogenous repeated over time, so C = F + S. Its forecast coefficients come first in θ and
//!   are one per channel: NeuralForecast reshapes them to (B, C, 1), so the forecast is
//!   (B, H, 1) and broadcasts over the Q outputs when added to the running forecast. Its
//!   backcast runs in calendar order while the block input (the residual) is reversed in time;
//!   that is NeuralForecast's arithmetic and is kept.
//!
//! Backward is the transpose of each map: dθ from dbackcast (L) and dforecast (H, Q).

use crate::error::{Error, Result};

/// The trend functions NeuralForecast's `basis` names.
pub const TREND_BASES: [&str; 7] = [
    "polynomial",
    "legendre",
    "changepoint",
    "piecewise_linear",
    "linear_hat",
    "spline",
    "chebyshev",
];

/// What a block's θ expands on.
#[derive(Clone, Debug, PartialEq)]
pub enum BasisKind {
    /// θ is the backcast and the forecast themselves.
    Identity,
    /// Fixed functions (trend or seasonality): Bb (P, L) and Bf (P, H), row-major.
    Fixed {
        /// P: number of functions.
        p: usize,
        /// Bb (P, L).
        backcast: Vec<f32>,
        /// Bf (P, H).
        forecast: Vec<f32>,
    },
    /// The window's future and static exogenous (NBEATSx).
    Exogenous {
        /// F: future exogenous channels.
        futr: usize,
        /// S: static exogenous channels.
        stat: usize,
    },
}

/// One window's exogenous inputs as the exogenous basis reads them.
#[derive(Clone, Copy, Debug)]
pub struct ExogRow<'a> {
    /// (L + H, F)
    pub futr: &'a [f32],
    /// (S)
    pub stat: &'a [f32],
}

/// A block's basis for backcast length L, horizon H and Q outputs per step.
#[derive(Clone, Debug, PartialEq)]
pub struct Basis {
    /// The functions.
    pub kind: BasisKind,
    l: usize,
    h: usize,
    q: usize,
}

impl Basis {
    /// The identity basis.
    pub fn identity(l: usize, h: usize, q: usize) -> Basis {
        Basis {
            kind: BasisKind::Identity,
            l,
            h,
            q,
        }
    }

    /// NeuralForecast's `TrendBasis(n_basis, L, H, Q, basis)`: `n_basis + 1` functions of the
    /// kind `basis` (one of [`TREND_BASES`]). `model` names the model in errors.
    pub fn trend(
        model: &str,
        basis: &str,
        n_basis: usize,
        l: usize,
        h: usize,
        q: usize,
    ) -> Result<Basis> {
        let n = n_basis + 1;
        let param = format!("{model}.n_basis");
        match basis {
            "linear_hat" if n < 2 => {
                // NeuralForecast divides by n − 1 (ZeroDivisionError).
                return Err(Error::config(
                    &param,
                    "the linear_hat basis needs n_basis ≥ 1",
                ));
            }
            "spline" if n < 4 => {
                return Err(Error::config(
                    &param,
                    format_args!(
                        "the spline basis needs n_basis ≥ 3 (n_basis + 1 ≥ 4 functions); got \
                         {n_basis}"
                    ),
                ));
            }
            _ => {}
        }
        let backcast = trend_matrix(basis, l, n)?;
        let forecast = trend_matrix(basis, h, n)?;
        Ok(Basis {
            kind: BasisKind::Fixed {
                p: n,
                backcast,
                forecast,
            },
            l,
            h,
            q,
        })
    }

    /// NeuralForecast's `SeasonalityBasis(n_harmonics, L, H, Q)`.
    pub fn seasonality(harmonics: usize, l: usize, h: usize, q: usize) -> Basis {
        let k = harmonics as f64;
        // numpy's arange(k, k/2·H): ⌈k/2·H − k⌉ values k, k + 1, ..., each divided by k.
        let count = (k / 2.0 * h as f64 - k).ceil().max(0.0) as usize;
        let freq: Vec<f64> = std::iter::once(0.0)
            .chain((0..count).map(|j| (k + j as f64) / k))
            .collect();
        let templates = |len: usize, sign: f64| -> Vec<f32> {
            let grid =
                |t: usize, f: f64| sign * 2.0 * std::f64::consts::PI * (t as f64 / h as f64) * f;
            let cos = freq
                .iter()
                .flat_map(|&f| (0..len).map(move |t| grid(t, f).cos() as f32));
            let sin = freq
                .iter()
                .flat_map(|&f| (0..len).map(move |t| grid(t, f).sin() as f32));
            cos.chain(sin).collect()
        };
        Basis {
            kind: BasisKind::Fixed {
                p: 2 * freq.len(),
                backcast: templates(l, -1.0),
                forecast: templates(h, 1.0),
            },
            l,
            h,
            q,
        }
    }

    /// NBEATSx's `ExogenousBasis` over F future and S static channels.
    pub fn exogenous(futr: usize, stat: usize, l: usize, h: usize, q: usize) -> Basis {
        Basis {
            kind: BasisKind::Exogenous { futr, stat },
            l,
            h,
            q,
        }
    }

    /// Width of θ.
    pub fn n_theta(&self) -> usize {
        match &self.kind {
            BasisKind::Identity => self.l + self.h * self.q,
            BasisKind::Fixed { p, .. } => (self.q + 1) * p,
            BasisKind::Exogenous { futr, stat } => 2 * (futr + stat),
        }
    }

    /// One window: writes `backcast` (L) and adds the forecast into `forecast` (H, Q).
    pub fn forward_row(
        &self,
        theta: &[f32],
        exog: ExogRow<'_>,
        backcast: &mut [f32],
        forecast: &mut [f32],
    ) {
        let (l, h, q) = (self.l, self.h, self.q);
        match &self.kind {
            BasisKind::Identity => {
                backcast.copy_from_slice(&theta[..l]);
                for (f, t) in forecast[..h * q].iter_mut().zip(&theta[l..l + h * q]) {
                    *f += t;
                }
            }
            BasisKind::Fixed {
                p,
                backcast: bb,
                forecast: bf,
            } => {
                let (tb, tf) = theta[..(q + 1) * p].split_at(*p);
                backcast.fill(0.0);
                for (c, basis) in tb.iter().zip(bb.chunks_exact(l)) {
                    for (b, v) in backcast.iter_mut().zip(basis) {
                        *b += c * v;
                    }
                }
                for (cs, basis) in tf.chunks_exact(q).zip(bf.chunks_exact(h)) {
                    for (out, v) in forecast.chunks_exact_mut(q).zip(basis) {
                        for (o, c) in out.iter_mut().zip(cs) {
                            *o += c * v;
                        }
                    }
                }
            }
            BasisKind::Exogenous { futr, stat } => {
                let n = futr + stat;
                let (tf, tb) = theta[..2 * n].split_at(n);
                for (t, b) in backcast.iter_mut().enumerate() {
                    *b = (0..n).map(|c| tb[c] * exog_at(exog, *futr, t, c)).sum();
                }
                for (t, out) in forecast.chunks_exact_mut(q).enumerate() {
                    let v: f32 = (0..n).map(|c| tf[c] * exog_at(exog, *futr, l + t, c)).sum();
                    out.iter_mut().for_each(|o| *o += v);
                }
            }
        }
    }

    /// One window: writes dθ from `d_backcast` (L) and `d_forecast` (H, Q).
    pub fn backward_row(
        &self,
        exog: ExogRow<'_>,
        d_backcast: &[f32],
        d_forecast: &[f32],
        d_theta: &mut [f32],
    ) {
        let (l, h, q) = (self.l, self.h, self.q);
        match &self.kind {
            BasisKind::Identity => {
                d_theta[..l].copy_from_slice(d_backcast);
                d_theta[l..l + h * q].copy_from_slice(&d_forecast[..h * q]);
            }
            BasisKind::Fixed {
                p,
                backcast: bb,
                forecast: bf,
            } => {
                let (db, df) = d_theta[..(q + 1) * p].split_at_mut(*p);
                for (d, basis) in db.iter_mut().zip(bb.chunks_exact(l)) {
                    *d = basis.iter().zip(d_backcast).map(|(v, g)| v * g).sum();
                }
                for (ds, basis) in df.chunks_exact_mut(q).zip(bf.chunks_exact(h)) {
                    ds.fill(0.0);
                    for (g, v) in d_forecast.chunks_exact(q).zip(basis) {
                        for (d, gq) in ds.iter_mut().zip(g) {
                            *d += v * gq;
                        }
                    }
                }
            }
            BasisKind::Exogenous { futr, stat } => {
                let n = futr + stat;
                let (df, db) = d_theta[..2 * n].split_at_mut(n);
                for c in 0..n {
                    db[c] = (0..l)
                        .map(|t| d_backcast[t] * exog_at(exog, *futr, t, c))
                        .sum();
                    df[c] = d_forecast
                        .chunks_exact(q)
                        .enumerate()
                        .map(|(t, g)| g.iter().sum::<f32>() * exog_at(exog, *futr, l + t, c))
                        .sum();
                }
            }
        }
    }
}

/// e[t, c]: future channel c, or static channel c − F repeated over time.
fn exog_at(e: ExogRow<'_>, futr: usize, t: usize, c: usize) -> f32 {
    if c < futr {
        e.futr[t * futr + c]
    } else {
        e.stat[c - futr]
    }
}

/// numpy's `linspace(a, b, len)`.
fn linspace(a: f64, b: f64, len: usize) -> Vec<f64> {
    let step = (b - a) / (len as f64 - 1.0);
    let mut x: Vec<f64> = (0..len).map(|i| a + i as f64 * step).collect();
    if len > 1 {
        x[len - 1] = b;
    } else if len == 1 {
        x[0] = a;
    }
    x
}

/// The (n, len) matrix of `n` trend functions of kind `basis` on `len` points, row-major.
fn trend_matrix(basis: &str, len: usize, n: usize) -> Result<Vec<f32>> {
    // Column-major while building: one function at a time.
    let columns: Vec<Vec<f64>> = match basis {
        "polynomial" => (0..n)
            .map(|p| {
                (0..len)
                    .map(|t| (t as f64 / len as f64).powi(p as i32))
                    .collect()
            })
            .collect(),
        "legendre" | "chebyshev" => {
            let x = linspace(-1.0, 1.0, len);
            let mut cols = vec![vec![1.0; len], x.clone()];
            for p in 1..n.saturating_sub(1) {
                let next = (0..len)
                    .map(|t| {
                        let (a, b) = (cols[p][t], cols[p - 1][t]);
                        if basis == "legendre" {
                            // (p + 1)·P_{p+1} = (2p + 1)·x·P_p − p·P_{p−1}
                            ((2 * p + 1) as f64 * x[t] * a - p as f64 * b) / (p + 1) as f64
                        } else {
                            2.0 * x[t] * a - b
                        }
                    })
                    .collect();
                cols.push(next);
            }
            cols.truncate(n);
            cols
        }
        "changepoint" => {
            let x = linspace(0.0, 1.0, len);
            linspace(0.0, 1.0, n + 1)[1..]
                .iter()
                .map(|c| x.iter().map(|v| (v - c).max(0.0)).collect())
                .collect()
        }
        "piecewise_linear" => {
            let x = linspace(0.0, 1.0, len);
            let k = linspace(0.0, 1.0, n + 1);
            let mut cols = vec![vec![0.0; len]];
            for i in 1..n {
                cols.push(
                    x.iter()
                        .map(|v| {
                            let up = (v - k[i - 1]) / (k[i] - k[i - 1]);
                            let down = (k[i + 1] - v) / (k[i + 1] - k[i]);
                            up.min(down).max(0.0)
                        })
                        .collect(),
                );
            }
            cols
        }
        "linear_hat" => {
            let x = linspace(0.0, 1.0, len);
            let width = 1.0 / (n as f64 - 1.0);
            linspace(0.0, 1.0, n)
                .iter()
                .map(|c| {
                    x.iter()
                        .map(|v| (1.0 - (v - c).abs() / width).max(0.0))
                        .collect()
                })
                .collect()
        }
        "spline" => cubic_bsplines(&linspace(0.0, 1.0, len), n),
        other => {
            return Err(Error::config(
                "basis",
                format_args!("unknown basis '{other}'; valid: {}", TREND_BASES.join(", ")),
            ))
        }
    };
    let mut out = vec![0.0f32; n * len];
    for (row, col) in out.chunks_exact_mut(len.max(1)).zip(&columns) {
        for (o, v) in row.iter_mut().zip(col) {
            *o = *v as f32;
        }
    }
    Ok(out)
}

/// The `n` cubic B-splines on the clamped knots [0, 0, 0, linspace(0, 1, n − 2), 1, 1, 1] at
/// each of `x`, one vector per spline: scipy's `BSpline(t, I, 3)(x)`, whose evaluation finds
/// the interval t[l] ≤ x < t[l + 1] (the last one for x = 1) and runs de Boor's triangle there.
fn cubic_bsplines(x: &[f64], n: usize) -> Vec<Vec<f64>> {
    const K: usize = 3;
    let mut t = vec![0.0; K];
    t.extend(linspace(0.0, 1.0, n - 2));
    t.extend([1.0; K]);
    let mut cols = vec![vec![0.0; x.len()]; n];
    for (i, &v) in x.iter().enumerate() {
        // Interval index l in K..n with t[l] ≤ v < t[l + 1], or the last one.
        let mut l = K;
        while l < n - 1 && v >= t[l + 1] {
            l += 1;
        }
        let mut hv = [0.0f64; K + 1];
        hv[0] = 1.0;
        for j in 1..=K {
            let prev = hv;
            hv[0] = 0.0;
            for m in 1..=j {
                let (xb, xa) = (t[l + m], t[l + m - j]);
                if xb == xa {
                    hv[m] = 0.0;
                    continue;
                }
                let w = prev[m - 1] / (xb - xa);
                hv[m - 1] += w * (xb - v);
                hv[m] = w * (v - xa);
            }
        }
        for (m, value) in hv.iter().enumerate() {
            cols[l - K + m][i] = *value;
        }
    }
    cols
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One matrix of the fixture: (kind, n, L, H, which, rows, values).
    type Case = (String, usize, usize, usize, String, usize, Vec<f32>);

    /// NeuralForecast's matrices from tests/fixtures/nbeats_bases.txt (tools/nbeats_bases.py).
    fn fixture() -> Vec<Case> {
        let text = include_str!("../../tests/fixtures/nbeats_bases.txt");
        let mut lines = text.lines().filter(|l| !l.starts_with('#'));
        let mut out = Vec::new();
        while let Some(head) = lines.next() {
            let w: Vec<&str> = head.split_whitespace().collect();
            let num = |i: usize| w[i].parse::<usize>().unwrap();
            let values = lines
                .next()
                .unwrap()
                .split_whitespace()
                .map(|v| v.parse().unwrap())
                .collect::<Vec<f32>>();
            assert_eq!(values.len(), num(5) * num(6), "{head}");
            out.push((
                w[0].into(),
                num(1),
                num(2),
                num(3),
                w[4].into(),
                num(5),
                values,
            ));
        }
        out
    }

    #[test]
    fn bases_equal_neuralforecasts_f32_matrices() {
        let cases = fixture();
        assert!(cases.len() >= 20);
        for (kind, n, l, h, which, rows, want) in cases {
            let b = if kind == "seasonality" {
                Basis::seasonality(n, l, h, 1)
            } else {
                Basis::trend("NBEATS", &kind, n, l, h, 1).unwrap()
            };
            let BasisKind::Fixed {
                p,
                backcast,
                forecast,
            } = &b.kind
            else {
                panic!("fixed basis")
            };
            assert_eq!(*p, rows, "{kind} {n}");
            let got = if which == "backcast" {
                backcast
            } else {
                forecast
            };
            assert_eq!(got.len(), want.len(), "{kind} {n} {which}");
            for (i, (a, w)) in got.iter().zip(&want).enumerate() {
                // Rounded from f64 values equal to ~1e-15: the f32s agree but for a last-bit tie.
                assert!(
                    (a - w).abs() <= 2e-7 * w.abs().max(1.0),
                    "{kind} n={n} L={l} H={h} {which}[{i}]: {a} vs NeuralForecast {w}"
                );
            }
        }
    }

    #[test]
    fn theta_widths_are_neuralforecasts() {
        // Seasonality: 2·(Q + 1)·(⌈k/2·H⌉ − (k − 1)); trend: (Q + 1)·(n_basis + 1).
        for (k, h, q) in [(2usize, 12usize, 1usize), (3, 5, 3), (1, 4, 2), (0, 2, 1)] {
            let want = 2 * (q + 1) * ((k as f64 / 2.0 * h as f64).ceil() as usize + 1 - k);
            assert_eq!(
                Basis::seasonality(k, 7, h, q).n_theta(),
                want,
                "{k} {h} {q}"
            );
        }
        let trend = Basis::trend("NBEATS", "polynomial", 2, 7, 3, 3).unwrap();
        assert_eq!(trend.n_theta(), 4 * 3);
        assert_eq!(Basis::identity(7, 3, 2).n_theta(), 7 + 6);
        assert_eq!(Basis::exogenous(2, 1, 7, 3, 2).n_theta(), 6);
        for (basis, n) in [("spline", 2), ("linear_hat", 0)] {
            let e = Basis::trend("NBEATS", basis, n, 5, 3, 1).unwrap_err();
            assert!(e.to_string().contains("NBEATS.n_basis"), "{e}");
        }
    }

    /// Forward is linear in θ and backward is its transpose: ⟨dF, F(θ)⟩ + ⟨dB, B(θ)⟩ = ⟨dθ, θ⟩.
    #[test]
    fn backward_is_the_transpose_of_forward() {
        let (l, h, q) = (5, 3, 2);
        let futr: Vec<f32> = (0..(l + h) * 2).map(|i| (i as f32 * 0.37).sin()).collect();
        let stat = [0.5f32];
        let exog = ExogRow {
            futr: &futr,
            stat: &stat,
        };
        let bases = [
            Basis::identity(l, h, q),
            Basis::trend("NBEATS", "legendre", 2, l, h, q).unwrap(),
            Basis::seasonality(2, l, h, q),
            Basis::exogenous(2, 1, l, h, q),
        ];
        for b in bases {
            let n = b.n_theta();
            let theta: Vec<f32> = (0..n).map(|i| (i as f32 * 0.71).cos()).collect();
            let db: Vec<f32> = (0..l).map(|i| (i as f32 * 1.3).sin()).collect();
            let df: Vec<f32> = (0..h * q).map(|i| (i as f32 * 0.9).cos()).collect();
            let (mut back, mut fore) = (vec![0.0; l], vec![0.0; h * q]);
            b.forward_row(&theta, exog, &mut back, &mut fore);
            let mut dt = vec![f32::NAN; n];
            b.backward_row(exog, &db, &df, &mut dt);
            let dot = |a: &[f32], c: &[f32]| a.iter().zip(c).map(|(x, y)| x * y).sum::<f32>();
            let lhs = dot(&df, &fore) + dot(&db, &back);
            let rhs = dot(&dt, &theta);
            assert!(
                (lhs - rhs).abs() < 1e-4 * (1.0 + lhs.abs()),
                "{b:?}: {lhs} vs {rhs}"
            );
        }
    }

    #[test]
    fn exogenous_basis_follows_neuralforecasts_layout() {
        // θ = [forecast coefficients (C) | backcast coefficients (C)]; channels futr then stat.
        let (l, h) = (2, 2);
        let futr = [1.0f32, 2.0, 3.0, 4.0]; // (L + H, F = 1)
        let stat = [10.0f32];
        let b = Basis::exogenous(1, 1, l, h, 2);
        let theta = [1.0f32, 0.5, -1.0, 0.1];
        let (mut back, mut fore) = (vec![0.0; l], vec![0.0; h * 2]);
        let exog = ExogRow {
            futr: &futr,
            stat: &stat,
        };
        b.forward_row(&theta, exog, &mut back, &mut fore);
        assert_eq!(back, [-1.0 + 1.0, -2.0 + 1.0]);
        assert_eq!(fore, [3.0 + 5.0, 8.0, 4.0 + 5.0, 9.0]);
    }
}
