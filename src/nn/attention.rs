//! `MultiheadAttention`: PyTorch's `nn.MultiheadAttention(E, NH, bias, batch_first=True)`
//! without dropout, with an optional causal mask and an optional key padding mask.
//!
//! Parameters, as PyTorch names and shapes them (so weights load by name):
//! `in_proj_weight` (3E, E) = [W_q; W_k; W_v], `in_proj_bias` (3E), `out_proj.weight` (E, E),
//! `out_proj.bias` (E). Initialisation as PyTorch: Xavier-uniform `in_proj_weight`
//! (±√(6/(E + 3E))), zero biases, `out_proj.weight` uniform ±1/√E.
//!
//! Forward, per batch item b and head h (d = E/NH, head h owns columns h·d..(h+1)·d):
//!   Q = q·W_qᵀ + b_q, K = k·W_kᵀ + b_k, V = v·W_vᵀ + b_v           (B, T, E) each
//!   S_bh = Q_bh·K_bhᵀ / √d                                          (Tq, Tk)
//!   S_bh[i, j] = −∞ where j > i (causal) or key j of item b is padding
//!   P_bh = softmax_rows(S_bh);  O_bh = P_bh·V_bh                    (Tq, d)
//!   y = O·W_oᵀ + b_o, O the heads side by side                      (B, Tq, E)
//! A query row whose keys are all masked gives NaN, as in PyTorch.
//!
//! Backward, per (b, h), with dO = dy·W_o:
//!   dV_bh = P_bhᵀ·dO_bh,  dP = dO_bh·V_bhᵀ,  dS = P ⊙ (dP − rowsum(dP ⊙ P))
//!   dQ_bh = dS·K_bh/√d,  dK_bh = dSᵀ·Q_bh/√d
//! then the projections' backward as for a `Linear`. Masked entries have P = 0 and so dS = 0.
//!
//! Self-attention (q = k = v = x) has its own entry points, [`MultiheadAttention::forward_self`]
//! and [`MultiheadAttention::backward_self`]: one (B·T, E)×(E, 3E) projection GEMM, and
//! dx = dQ·W_q + dK·W_k + dV·W_v summed inside one GEMM with inner dimension 3E.
//!
//! The attention itself is one small GEMM per (b, h) on strided views of the projections:
//! nothing is transposed or copied into per-head buffers.

use super::params::{Init, ParamLayout, ParamRange};
use crate::error::{Error, Result};
use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose};
use nd_kernels::table::Kernels;

/// The sizes of one attention call: batch, query steps, key/value steps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AttnDims {
    /// Batch size B.
    pub b: usize,
    /// Query length Tq.
    pub tq: usize,
    /// Key and value length Tk.
    pub tk: usize,
}

impl AttnDims {
    /// Self-attention over T steps: Tq = Tk = T.
    pub fn self_attention(b: usize, t: usize) -> AttnDims {
        AttnDims { b, tq: t, tk: t }
    }
}

/// Multi-head scaled dot-product attention with input and output projections.
#[derive(Clone, Debug, PartialEq)]
pub struct MultiheadAttention {
    /// Embedding width E.
    pub e: usize,
    /// Number of heads NH.
    pub nh: usize,
    /// Width of one head, d = E / NH.
    pub dh: usize,
    /// Whether query i may only attend to keys j ≤ i.
    pub causal: bool,
    /// (3E, E): W_q, W_k, W_v stacked.
    pub in_proj_weight: ParamRange,
    /// (3E), if the layer has biases.
    pub in_proj_bias: Option<ParamRange>,
    /// (E, E)
    pub out_proj_weight: ParamRange,
    /// (E), if the layer has biases.
    pub out_proj_bias: Option<ParamRange>,
}

/// Where Q, K and V sit in the projection buffer: their offsets and row strides. Self-attention
/// keeps them interleaved, one (B·T, 3E) matrix; cross-attention keeps three contiguous
/// matrices.
#[derive(Clone, Copy, Debug)]
struct ProjLayout {
    q: usize,
    k: usize,
    v: usize,
    ldq: usize,
    ldk: usize,
    ldv: usize,
}

impl MultiheadAttention {
    /// Registers `{name}.in_proj_weight`, `{name}.out_proj.weight` and, with `bias`,
    /// `{name}.in_proj_bias` and `{name}.out_proj.bias`, PyTorch-initialised.
    ///
    /// Errors when `e` or `nh` is 0 or `nh` does not divide `e` (as PyTorch's assertion).
    pub fn new(
        layout: &mut ParamLayout,
        name: &str,
        e: usize,
        nh: usize,
        bias: bool,
        causal: bool,
    ) -> Result<MultiheadAttention> {
        if e == 0 {
            return Err(Error::config("embed_dim", "must be at least 1"));
        }
        if nh == 0 || !e.is_multiple_of(nh) {
            return Err(Error::config(
                "num_heads",
                format!("must be at least 1 and divide embed_dim = {e}, got {nh}"),
            ));
        }
        let xavier = Init::Uniform {
            bound: (6.0 / (4 * e) as f32).sqrt(),
        };
        let in_proj_weight = layout.add(&format!("{name}.in_proj_weight"), &[3 * e, e], xavier);
        let in_proj_bias =
            bias.then(|| layout.add(&format!("{name}.in_proj_bias"), &[3 * e], Init::Zeros));
        let out_proj_weight = layout.add(
            &format!("{name}.out_proj.weight"),
            &[e, e],
            Init::kaiming_uniform(e),
        );
        let out_proj_bias =
            bias.then(|| layout.add(&format!("{name}.out_proj.bias"), &[e], Init::Zeros));
        Ok(MultiheadAttention {
            e,
            nh,
            dh: e / nh,
            causal,
            in_proj_weight,
            in_proj_bias,
            out_proj_weight,
            out_proj_bias,
        })
    }

    fn proj_len(&self, d: AttnDims) -> usize {
        d.b * (d.tq + 2 * d.tk) * self.e
    }

    fn probs_len(&self, d: AttnDims) -> usize {
        d.b * self.nh * d.tq * d.tk
    }

    /// Floats of cache `forward` fills:
    /// projections (B, Tq + 2Tk, E), probabilities P (B, NH, Tq, Tk), head outputs O (B, Tq, E),
    /// and one (Tq, Tk) block of scores used while computing P.
    pub fn cache_len(&self, d: AttnDims) -> usize {
        self.proj_len(d) + self.probs_len(d) + d.b * d.tq * self.e + d.tq * d.tk
    }

    /// Floats of scratch `backward` needs: dO (B, Tq, E), the projections' gradients
    /// (B, Tq + 2Tk, E) and two (Tq, Tk) blocks (dP, dS).
    pub fn scratch_len(&self, d: AttnDims) -> usize {
        d.b * d.tq * self.e + self.proj_len(d) + 2 * d.tq * d.tk
    }

    fn self_layout(&self) -> ProjLayout {
        let e = self.e;
        ProjLayout {
            q: 0,
            k: e,
            v: 2 * e,
            ldq: 3 * e,
            ldk: 3 * e,
            ldv: 3 * e,
        }
    }

    fn cross_layout(&self, d: AttnDims) -> ProjLayout {
        let e = self.e;
        ProjLayout {
            q: 0,
            k: d.b * d.tq * e,
            v: d.b * (d.tq + d.tk) * e,
            ldq: e,
            ldk: e,
            ldv: e,
        }
    }

    /// The attention probabilities P (B, NH, Tq, Tk) of the last forward, from its cache.
    pub fn probs<'a>(&self, d: AttnDims, cache: &'a [f32]) -> &'a [f32] {
        let start = self.proj_len(d);
        &cache[start..start + self.probs_len(d)]
    }

    /// PyTorch's returned attention weights (`average_attn_weights=True`): P averaged over the
    /// heads, written to `out` (B, Tq, Tk).
    pub fn average_weights(&self, d: AttnDims, cache: &[f32], out: &mut [f32]) {
        let block = d.tq * d.tk;
        let probs = self.probs(d, cache); // (B, NH, Tq, Tk)
        let inv = 1.0 / self.nh as f32;
        for (b, out_b) in out[..d.b * block].chunks_exact_mut(block).enumerate() {
            out_b.fill(0.0);
            for h in 0..self.nh {
                let p = &probs[(b * self.nh + h) * block..][..block];
                for (o, &v) in out_b.iter_mut().zip(p) {
                    *o += v;
                }
            }
            out_b.iter_mut().for_each(|o| *o *= inv);
        }
    }

    /// Self-attention forward: y (B, T, E) from x (B, T, E); `key_padding` (B, T) marks keys to
    /// ignore (`true`), as PyTorch's boolean `key_padding_mask`.
    #[allow(clippy::too_many_arguments)]
    pub fn forward_self(
        &self,
        k: &Kernels,
        params: &[f32],
        d: AttnDims,
        x: &[f32],
        key_padding: Option<&[bool]>,
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        assert_eq!(d.tq, d.tk, "self-attention needs Tq == Tk");
        let e = self.e;
        let rows = d.b * d.tq;
        assert_eq!(x.len(), rows * e, "x must be (B, T, E)");
        let (proj, rest) = cache.split_at_mut(self.proj_len(d));
        // proj (B·T, 3E) = x (B·T, E) · W_inᵀ (E, 3E) + b_in
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: e,
            ..GemmSpec::new(rows, 3 * e, e)
        };
        let epilogue = Epilogue {
            bias: self.in_proj_bias.map(|b| b.of(params)),
            ..Epilogue::NONE
        };
        (k.sgemm)(&spec, x, self.in_proj_weight.of(params), proj, epilogue);
        self.attend_and_project(k, params, d, self.self_layout(), proj, rest, key_padding, y);
    }

    /// Forward with separate query (B, Tq, E), key (B, Tk, E) and value (B, Tk, E) inputs:
    /// y (B, Tq, E). `key_padding` (B, Tk) as in [`MultiheadAttention::forward_self`].
    #[allow(clippy::too_many_arguments)]
    pub fn forward(
        &self,
        k: &Kernels,
        params: &[f32],
        d: AttnDims,
        query: &[f32],
        key: &[f32],
        value: &[f32],
        key_padding: Option<&[bool]>,
        y: &mut [f32],
        cache: &mut [f32],
    ) {
        let e = self.e;
        let lay = self.cross_layout(d);
        let (proj, rest) = cache.split_at_mut(self.proj_len(d));
        let w = self.in_proj_weight.of(params);
        let bias = self.in_proj_bias.map(|b| b.of(params));
        for (part, (input, rows, off)) in [
            (query, d.tq, lay.q),
            (key, d.tk, lay.k),
            (value, d.tk, lay.v),
        ]
        .into_iter()
        .enumerate()
        {
            let rows = d.b * rows;
            assert_eq!(input.len(), rows * e, "attention inputs must be (B, T, E)");
            // (B·T, E) = input (B·T, E) · W_partᵀ + b_part
            let spec = GemmSpec {
                trans_b: Transpose::Yes,
                ldb: e,
                ..GemmSpec::new(rows, e, e)
            };
            let epilogue = Epilogue {
                bias: bias.map(|b| &b[part * e..(part + 1) * e]),
                ..Epilogue::NONE
            };
            let w_part = &w[part * e * e..(part + 1) * e * e];
            (k.sgemm)(
                &spec,
                input,
                w_part,
                &mut proj[off..off + rows * e],
                epilogue,
            );
        }
        self.attend_and_project(k, params, d, lay, proj, rest, key_padding, y);
    }

    /// Everything after the input projections: P and O per (b, h), then y = O·W_oᵀ + b_o.
    /// `rest` is the cache after the projections.
    #[allow(clippy::too_many_arguments)]
    fn attend_and_project(
        &self,
        k: &Kernels,
        params: &[f32],
        d: AttnDims,
        lay: ProjLayout,
        proj: &[f32],
        rest: &mut [f32],
        key_padding: Option<&[bool]>,
        y: &mut [f32],
    ) {
        let (e, dh) = (self.e, self.dh);
        let block = d.tq * d.tk;
        if let Some(mask) = key_padding {
            assert_eq!(mask.len(), d.b * d.tk, "key_padding must be (B, Tk)");
        }
        let (probs, rest) = rest.split_at_mut(self.probs_len(d)); // (B, NH, Tq, Tk)
        let (heads, rest) = rest.split_at_mut(d.b * d.tq * e); // (B, Tq, E)
        let scores = &mut rest[..block]; // (Tq, Tk)
        let alpha = 1.0 / (dh as f32).sqrt();
        for b in 0..d.b {
            let q_b = lay.q + b * d.tq * lay.ldq;
            let k_b = lay.k + b * d.tk * lay.ldk;
            let v_b = lay.v + b * d.tk * lay.ldv;
            for h in 0..self.nh {
                // S (Tq, Tk) = Q_bh (Tq, d) · K_bhᵀ (d, Tk) / √d
                let spec = GemmSpec {
                    trans_b: Transpose::Yes,
                    alpha,
                    lda: lay.ldq,
                    ldb: lay.ldk,
                    ..GemmSpec::new(d.tq, d.tk, dh)
                };
                let q = &proj[q_b + h * dh..];
                (k.sgemm)(&spec, q, &proj[k_b + h * dh..], scores, Epilogue::NONE);
                self.mask_scores(d, b, key_padding, scores);
                let p = &mut probs[(b * self.nh + h) * block..][..block];
                (k.softmax_rows)(scores, p, d.tk);
                // O_bh (Tq, d) = P (Tq, Tk) · V_bh (Tk, d), written into its columns of O
                let spec = GemmSpec {
                    ldb: lay.ldv,
                    ldc: e,
                    ..GemmSpec::new(d.tq, dh, d.tk)
                };
                let o = &mut heads[b * d.tq * e + h * dh..];
                (k.sgemm)(&spec, p, &proj[v_b + h * dh..], o, Epilogue::NONE);
            }
        }
        // y (B·Tq, E) = O (B·Tq, E) · W_oᵀ + b_o
        let spec = GemmSpec {
            trans_b: Transpose::Yes,
            ldb: e,
            ..GemmSpec::new(d.b * d.tq, e, e)
        };
        let epilogue = Epilogue {
            bias: self.out_proj_bias.map(|b| b.of(params)),
            ..Epilogue::NONE
        };
        (k.sgemm)(&spec, heads, self.out_proj_weight.of(params), y, epilogue);
    }

    /// Sets the masked entries of one (Tq, Tk) block of scores to −∞.
    fn mask_scores(&self, d: AttnDims, b: usize, key_padding: Option<&[bool]>, s: &mut [f32]) {
        if self.causal {
            for (i, row) in s.chunks_exact_mut(d.tk).enumerate() {
                row.iter_mut()
                    .skip(i + 1)
                    .for_each(|v| *v = f32::NEG_INFINITY);
            }
        }
        if let Some(mask) = key_padding {
            let mask_b = &mask[b * d.tk..(b + 1) * d.tk];
            for row in s.chunks_exact_mut(d.tk) {
                for (v, &m) in row.iter_mut().zip(mask_b) {
                    if m {
                        *v = f32::NEG_INFINITY;
                    }
                }
            }
        }
    }

    /// Self-attention backward: accumulates every parameter gradient into `grads` and, when
    /// given, dx (B, T, E) — the sum of the query, key and value paths — from dy (B, T, E).
    /// `x` and `cache` are those of [`MultiheadAttention::forward_self`]; `scratch` holds
    /// `scratch_len(d)` floats.
    #[allow(clippy::too_many_arguments)]
    pub fn backward_self(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        d: AttnDims,
        x: &[f32],
        cache: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        scratch: &mut [f32],
    ) {
        let e = self.e;
        let rows = d.b * d.tq;
        let (dproj, _) =
            self.attention_backward(k, params, grads, d, self.self_layout(), cache, dy, scratch);
        // dproj (B·T, 3E)
        // dW_in (3E, E) += dprojᵀ (3E, B·T) · x (B·T, E)
        let dw_spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: 3 * e,
            beta: 1.0,
            ..GemmSpec::new(3 * e, e, rows)
        };
        let dw = self.in_proj_weight.of_mut(grads);
        (k.sgemm)(&dw_spec, dproj, x, dw, Epilogue::NONE);
        if let Some(bias) = self.in_proj_bias {
            (k.col_sum_acc)(&dproj[..rows * 3 * e], 3 * e, bias.of_mut(grads));
        }
        if let Some(dx) = dx {
            // dx (B·T, E) += dproj (B·T, 3E) · W_in (3E, E): the three paths in one sum
            let spec = GemmSpec {
                beta: 1.0,
                ..GemmSpec::new(rows, e, 3 * e)
            };
            (k.sgemm)(
                &spec,
                dproj,
                self.in_proj_weight.of(params),
                dx,
                Epilogue::NONE,
            );
        }
    }

    /// Backward of [`MultiheadAttention::forward`]: accumulates every parameter gradient and,
    /// when given, d_query (B, Tq, E), d_key and d_value (B, Tk, E).
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        d: AttnDims,
        inputs: [&[f32]; 3],
        cache: &[f32],
        dy: &[f32],
        d_inputs: [Option<&mut [f32]>; 3],
        scratch: &mut [f32],
    ) {
        let e = self.e;
        let lay = self.cross_layout(d);
        let (dproj, _) = self.attention_backward(k, params, grads, d, lay, cache, dy, scratch);
        let w = self.in_proj_weight.of(params);
        for (part, ((input, d_input), (rows, off))) in inputs
            .into_iter()
            .zip(d_inputs)
            .zip([(d.tq, lay.q), (d.tk, lay.k), (d.tk, lay.v)])
            .enumerate()
        {
            let rows = d.b * rows;
            let dp = &dproj[off..off + rows * e]; // (B·T, E)
                                                  // dW_part (E, E) += dpᵀ · input
            let dw_spec = GemmSpec {
                trans_a: Transpose::Yes,
                lda: e,
                beta: 1.0,
                ..GemmSpec::new(e, e, rows)
            };
            let dw = &mut self.in_proj_weight.of_mut(grads)[part * e * e..(part + 1) * e * e];
            (k.sgemm)(&dw_spec, dp, input, dw, Epilogue::NONE);
            if let Some(bias) = self.in_proj_bias {
                let db = &mut bias.of_mut(grads)[part * e..(part + 1) * e];
                (k.col_sum_acc)(dp, e, db);
            }
            if let Some(d_input) = d_input {
                // d_input (B·T, E) += dp (B·T, E) · W_part (E, E)
                let spec = GemmSpec {
                    beta: 1.0,
                    ..GemmSpec::new(rows, e, e)
                };
                let w_part = &w[part * e * e..(part + 1) * e * e];
                (k.sgemm)(&spec, dp, w_part, d_input, Epilogue::NONE);
            }
        }
    }

    /// The shared part of both backward passes: the output projection's gradients and the
    /// attention's, leaving dQ, dK, dV in the returned projection-gradient buffer (laid out as
    /// `lay`), followed by the unused rest of the scratch.
    #[allow(clippy::too_many_arguments)]
    fn attention_backward<'s>(
        &self,
        k: &Kernels,
        params: &[f32],
        grads: &mut [f32],
        d: AttnDims,
        lay: ProjLayout,
        cache: &[f32],
        dy: &[f32],
        scratch: &'s mut [f32],
    ) -> (&'s [f32], &'s mut [f32]) {
        let (e, dh) = (self.e, self.dh);
        let rows = d.b * d.tq;
        let block = d.tq * d.tk;
        assert_eq!(dy.len(), rows * e, "dy must be (B, Tq, E)");
        let (proj, rest) = cache.split_at(self.proj_len(d));
        let (probs, rest) = rest.split_at(self.probs_len(d)); // (B, NH, Tq, Tk)
        let heads = &rest[..rows * e]; // (B, Tq, E)

        let (d_heads, rest) = scratch.split_at_mut(rows * e); // dO (B, Tq, E)
        let (dproj, rest) = rest.split_at_mut(self.proj_len(d));
        let (dp, rest) = rest.split_at_mut(block); // (Tq, Tk)
        let (ds, rest) = rest.split_at_mut(block); // (Tq, Tk)

        // dW_o (E, E) += dyᵀ (E, B·Tq) · O (B·Tq, E)
        let dw_spec = GemmSpec {
            trans_a: Transpose::Yes,
            lda: e,
            beta: 1.0,
            ..GemmSpec::new(e, e, rows)
        };
        (k.sgemm)(
            &dw_spec,
            dy,
            heads,
            self.out_proj_weight.of_mut(grads),
            Epilogue::NONE,
        );
        if let Some(bias) = self.out_proj_bias {
            (k.col_sum_acc)(dy, e, bias.of_mut(grads));
        }
        // dO (B·Tq, E) = dy · W_o
        (k.sgemm)(
            &GemmSpec::new(rows, e, e),
            dy,
            self.out_proj_weight.of(params),
            d_heads,
            Epilogue::NONE,
        );

        let alpha = 1.0 / (dh as f32).sqrt();
        for b in 0..d.b {
            let q_b = lay.q + b * d.tq * lay.ldq;
            let k_b = lay.k + b * d.tk * lay.ldk;
            let v_b = lay.v + b * d.tk * lay.ldv;
            let do_b = b * d.tq * e;
            for h in 0..self.nh {
                let p = &probs[(b * self.nh + h) * block..][..block];
                let do_bh = &d_heads[do_b + h * dh..];
                // dV_bh (Tk, d) = Pᵀ (Tk, Tq) · dO_bh (Tq, d)
                let spec = GemmSpec {
                    trans_a: Transpose::Yes,
                    lda: d.tk,
                    ldb: e,
                    ldc: lay.ldv,
                    ..GemmSpec::new(d.tk, dh, d.tq)
                };
                (k.sgemm)(&spec, p, do_bh, &mut dproj[v_b + h * dh..], Epilogue::NONE);
                // dP (Tq, Tk) = dO_bh (Tq, d) · V_bhᵀ (d, Tk)
                let spec = GemmSpec {
                    trans_b: Transpose::Yes,
                    lda: e,
                    ldb: lay.ldv,
                    ..GemmSpec::new(d.tq, d.tk, dh)
                };
                (k.sgemm)(&spec, do_bh, &proj[v_b + h * dh..], dp, Epilogue::NONE);
                ds.fill(0.0);
                (k.softmax_rows_backward)(p, dp, ds, d.tk);
                // dQ_bh (Tq, d) = dS (Tq, Tk) · K_bh (Tk, d) / √d
                let spec = GemmSpec {
                    alpha,
                    ldb: lay.ldk,
                    ldc: lay.ldq,
                    ..GemmSpec::new(d.tq, dh, d.tk)
                };
                (k.sgemm)(
                    &spec,
                    ds,
                    &proj[k_b + h * dh..],
                    &mut dproj[q_b + h * dh..],
                    Epilogue::NONE,
                );
                // dK_bh (Tk, d) = dSᵀ (Tk, Tq) · Q_bh (Tq, d) / √d
                let spec = GemmSpec {
                    trans_a: Transpose::Yes,
                    alpha,
                    lda: d.tk,
                    ldb: lay.ldq,
                    ldc: lay.ldk,
                    ..GemmSpec::new(d.tk, dh, d.tq)
                };
                (k.sgemm)(
                    &spec,
                    ds,
                    &proj[q_b + h * dh..],
                    &mut dproj[k_b + h * dh..],
                    Epilogue::NONE,
                );
            }
        }
        (dproj, rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::gradcheck::{check_gradients, check_isa_agreement, GradCase, Tolerance};
    use crate::nn::params::ParamStore;
    use crate::rng::Rng;
    use proptest::prelude::*;

    fn random(n: usize, rng: &mut Rng) -> Vec<f32> {
        (0..n).map(|_| rng.uniform(-1.0, 1.0)).collect()
    }

    /// Runs `check` on the self-attention case of `mha` over input x (B, T, E).
    fn self_case(
        mha: &MultiheadAttention,
        params: Vec<f32>,
        d: AttnDims,
        x: Vec<f32>,
        pad: Option<Vec<bool>>,
        check: impl FnOnce(&GradCase<'_>),
    ) {
        let pad = pad.as_deref();
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; mha.cache_len(d)];
            mha.forward_self(k, p, d, x, pad, y, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; mha.cache_len(d)];
            let mut y = vec![0.0; d.b * d.tq * mha.e];
            mha.forward_self(k, p, d, x, pad, &mut y, &mut cache);
            let mut scratch = vec![f32::NAN; mha.scratch_len(d)];
            mha.backward_self(k, p, g, d, x, &cache, dy, Some(dx), &mut scratch);
        };
        check(&GradCase {
            name: "MultiheadAttention (self)",
            params,
            input: x,
            out_len: d.b * d.tq * mha.e,
            forward: &fwd,
            backward: &bwd,
        });
    }

    /// The cross-attention case: the input is query, key and value concatenated.
    fn cross_case(
        mha: &MultiheadAttention,
        params: Vec<f32>,
        d: AttnDims,
        input: Vec<f32>,
        check: impl FnOnce(&GradCase<'_>),
    ) {
        let e = mha.e;
        let (nq, nk) = (d.b * d.tq * e, d.b * d.tk * e);
        let fwd = |k: &Kernels, p: &[f32], x: &[f32], y: &mut [f32]| {
            let mut cache = vec![0.0; mha.cache_len(d)];
            let (q, kv) = x.split_at(nq);
            let (key, value) = kv.split_at(nk);
            mha.forward(k, p, d, q, key, value, None, y, &mut cache);
        };
        let bwd = |k: &Kernels, p: &[f32], g: &mut [f32], x: &[f32], dy: &[f32], dx: &mut [f32]| {
            let mut cache = vec![0.0; mha.cache_len(d)];
            let mut y = vec![0.0; nq];
            let (q, kv) = x.split_at(nq);
            let (key, value) = kv.split_at(nk);
            mha.forward(k, p, d, q, key, value, None, &mut y, &mut cache);
            let mut scratch = vec![f32::NAN; mha.scratch_len(d)];
            let (dq, dkv) = dx.split_at_mut(nq);
            let (dk, dv) = dkv.split_at_mut(nk);
            mha.backward(
                k,
                p,
                g,
                d,
                [q, key, value],
                &cache,
                dy,
                [Some(dq), Some(dk), Some(dv)],
                &mut scratch,
            );
        };
        check(&GradCase {
            name: "MultiheadAttention (cross)",
            params,
            input,
            out_len: nq,
            forward: &fwd,
            backward: &bwd,
        });
    }

    /// A store whose biases are random too (PyTorch starts them at zero, which would leave
    /// their use in forward untested).
    fn store_with_random_biases(layout: ParamLayout, seed: u64) -> ParamStore {
        let mut store = ParamStore::new(layout, seed);
        let mut rng = Rng::seed_from(seed ^ 0x5eed);
        for name in ["mha.in_proj_bias", "mha.out_proj.bias"] {
            if let Some(b) = store.value_mut(name) {
                b.iter_mut().for_each(|v| *v = rng.uniform(-0.5, 0.5));
            }
        }
        store
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]
        #[test]
        fn self_attention_gradients_match_finite_differences(
            b in 1usize..3, t in 1usize..5, nh in 1usize..3, dh in 1usize..4,
            bias: bool, causal: bool, padded: bool, seed: u64,
        ) {
            let e = nh * dh;
            let mut layout = ParamLayout::new();
            let mha = MultiheadAttention::new(&mut layout, "mha", e, nh, bias, causal).unwrap();
            let store = store_with_random_biases(layout, seed);
            let mut rng = Rng::seed_from(seed ^ 1);
            let x = random(b * t * e, &mut rng);
            // Pad the last key of each item (never key 0, so no row is fully masked).
            let pad = (padded && t > 1).then(|| {
                (0..b * t).map(|i| i % t == t - 1).collect::<Vec<_>>()
            });
            let d = AttnDims::self_attention(b, t);
            self_case(&mha, store.values.to_vec(), d, x, pad, |c| {
                check_gradients(c, Tolerance::default(), seed).unwrap();
                check_isa_agreement(c, 1e-4, seed).unwrap();
            });
        }

        #[test]
        fn cross_attention_gradients_match_finite_differences(
            b in 1usize..3, tq in 1usize..4, tk in 1usize..4, nh in 1usize..3, dh in 1usize..3,
            causal: bool, seed: u64,
        ) {
            let e = nh * dh;
            let mut layout = ParamLayout::new();
            let mha = MultiheadAttention::new(&mut layout, "mha", e, nh, true, causal).unwrap();
            let store = store_with_random_biases(layout, seed);
            let mut rng = Rng::seed_from(seed ^ 2);
            let d = AttnDims { b, tq, tk };
            let input = random(b * (tq + 2 * tk) * e, &mut rng);
            cross_case(&mha, store.values.to_vec(), d, input, |c| {
                check_gradients(c, Tolerance::default(), seed).unwrap();
                check_isa_agreement(c, 1e-4, seed).unwrap();
            });
        }
    }

    /// q = k = v through the general entry points gives the self-attention output, and the
    /// three input gradients add up to the self-attention input gradient.
    #[test]
    fn self_attention_is_cross_attention_with_summed_gradients() {
        let (b, t, e, nh) = (2, 5, 6, 3);
        let mut layout = ParamLayout::new();
        let mha = MultiheadAttention::new(&mut layout, "mha", e, nh, true, true).unwrap();
        let store = store_with_random_biases(layout, 4);
        let p = &store.values;
        let mut rng = Rng::seed_from(9);
        let x = random(b * t * e, &mut rng);
        let dy = random(b * t * e, &mut rng);
        let d = AttnDims::self_attention(b, t);
        let k = nd_kernels::table::active();
        let n = b * t * e;
        let mut cache = vec![0.0; mha.cache_len(d)];
        let mut scratch = vec![0.0; mha.scratch_len(d)];

        let (mut y1, mut dx1, mut g1) = (vec![0.0; n], vec![0.0; n], vec![0.0; p.len()]);
        mha.forward_self(k, p, d, &x, None, &mut y1, &mut cache);
        mha.backward_self(
            k,
            p,
            &mut g1,
            d,
            &x,
            &cache,
            &dy,
            Some(&mut dx1),
            &mut scratch,
        );

        let (mut y2, mut g2) = (vec![0.0; n], vec![0.0; p.len()]);
        let mut dxs = [vec![0.0; n], vec![0.0; n], vec![0.0; n]];
        mha.forward(k, p, d, &x, &x, &x, None, &mut y2, &mut cache);
        let [dq, dk, dv] = &mut dxs;
        mha.backward(
            k,
            p,
            &mut g2,
            d,
            [&x, &x, &x],
            &cache,
            &dy,
            [Some(dq), Some(dk), Some(dv)],
            &mut scratch,
        );
        for i in 0..n {
            assert!((y1[i] - y2[i]).abs() < 1e-5);
            let sum = dxs[0][i] + dxs[1][i] + dxs[2][i];
            assert!((dx1[i] - sum).abs() < 1e-4, "{i}: {} vs {sum}", dx1[i]);
        }
        // Each path alone is not the whole gradient.
        assert!((0..n).any(|i| (dx1[i] - dxs[0][i]).abs() > 1e-3));
        for (a, b) in g1.iter().zip(&g2) {
            assert!((a - b).abs() < 1e-4);
        }
    }

    #[test]
    fn bad_head_counts_are_config_errors() {
        let mut layout = ParamLayout::new();
        let err = MultiheadAttention::new(&mut layout, "a", 6, 4, true, false).unwrap_err();
        assert!(err.to_string().contains("num_heads"), "{err}");
        assert!(MultiheadAttention::new(&mut layout, "b", 6, 0, true, false).is_err());
        assert!(MultiheadAttention::new(&mut layout, "c", 0, 1, true, false).is_err());
    }
}

/// The formula the PyTorch reference numbers in this module's and its siblings' tests were
/// computed from, so that both sides see identical parameters and inputs without pasting them.
/// The Python side (PyTorch 2 / NeuralForecast 3.3 in f64, `torch.set_default_dtype(float64)`):
/// ```text
/// fill(n, i) = 0.8 * (((7*i + 13*n) % 23) / 23 - 0.5)   # parameter n (named_parameters order)
/// inp(i, off) = 2 * (((5*(i + off) + 3) % 17) / 17 - 0.5)
/// cot(i) = ((3*i + 1) % 11) / 11 - 0.5                   # loss = sum(y * cot)
/// checksum(g) = sum_i g[i] * fill(99, i)                 # one number per parameter gradient
/// ```
#[cfg(test)]
pub(crate) mod torch_formula {
    use crate::nn::params::ParamLayout;

    /// Element i of parameter n.
    pub fn fill(n: usize, i: usize) -> f32 {
        (0.8 * (((7 * i + 13 * n) % 23) as f64 / 23.0 - 0.5)) as f32
    }

    /// Input element i, shifted by `off`.
    pub fn inp(n: usize, off: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (2.0 * (((5 * (i + off) + 3) % 17) as f64 / 17.0 - 0.5)) as f32)
            .collect()
    }

    /// The loss cotangent, n elements.
    pub fn cot(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| (((3 * i + 1) % 11) as f64 / 11.0 - 0.5) as f32)
            .collect()
    }

    /// Parameter values by the formula, tensor n being the n-th registered.
    pub fn params(layout: &ParamLayout) -> Vec<f32> {
        let mut values = vec![0.0; layout.len()];
        for (n, spec) in layout.specs().iter().enumerate() {
            for (i, v) in spec.range.of_mut(&mut values).iter_mut().enumerate() {
                *v = fill(n, i);
            }
        }
        values
    }

    /// Asserts `got` matches the f64 reference `want` to `|got − want| ≤ 1e-5·|want| + atol`.
    pub fn assert_close(what: &str, got: &[f32], want: &[f32], atol: f32) {
        assert_eq!(got.len(), want.len(), "{what}: length");
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs() + atol,
                "{what}[{i}]: {g} but PyTorch gives {w}"
            );
        }
    }

    /// Checks every parameter gradient's checksum Σ g[i]·fill(99, i) against PyTorch's.
    /// PyTorch's names are the module's own; ours carry `prefix`.
    pub fn assert_grad_sums(
        layout: &ParamLayout,
        prefix: &str,
        grads: &[f32],
        want: &[(&str, f32)],
    ) {
        assert_eq!(layout.specs().len(), want.len(), "parameter count");
        for &(name, sum) in want {
            let name = format!("{prefix}.{name}");
            let spec = layout
                .find(&name)
                .unwrap_or_else(|| panic!("no parameter {name}"));
            let got: f64 = spec
                .range
                .of(grads)
                .iter()
                .enumerate()
                .map(|(i, &g)| g as f64 * fill(99, i) as f64)
                .sum();
            assert!(
                (got as f32 - sum).abs() <= 1e-5 * sum.abs() + 2e-6,
                "checksum of d{name}: {got} but PyTorch gives {sum}"
            );
        }
    }
}

/// Forward outputs, returned weights and gradients against PyTorch's `nn.MultiheadAttention`
/// (batch_first, bias), numbers from `/tmp/n3/ref.py mha` as described in [`torch_formula`]:
/// E = 4, NH = 2, B = 2; self-attention over T = 3 with the causal `attn_mask`
/// `triu(full((T, T), -inf), 1)`; cross-attention Tq = 2, Tk = 3 (key inputs `inp(i, 7)`, values
/// `inp(i, 11)`) with `key_padding_mask = [[F, F, T], [F, T, F]]`.
#[cfg(test)]
// The references are printed from f64 with 10 digits and rounded to f32 here on purpose.
#[allow(clippy::excessive_precision)]
mod torch_reference_tests {
    use super::torch_formula::{assert_close, assert_grad_sums, cot, inp, params};
    use super::*;

    // self-attention, causal
    const SELF_Y: [f32; 24] = [
        4.047503614e-01,
        -2.069253864e-01,
        -5.530256866e-01,
        1.271655732e-01,
        4.272131637e-01,
        -2.011108084e-01,
        -5.098821220e-01,
        8.452044223e-02,
        2.977703205e-01,
        -3.192223486e-01,
        -4.339437005e-01,
        1.251101458e-01,
        -1.897475815e-02,
        -4.968575559e-01,
        -5.115979095e-02,
        9.827198933e-02,
        3.768478336e-03,
        -4.900420484e-01,
        -6.309191902e-03,
        5.313202847e-02,
        8.048029252e-02,
        -4.481564652e-01,
        -7.864746148e-02,
        5.322410774e-02,
    ];
    const SELF_W: [f32; 18] = [
        1.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        5.155070163e-01,
        4.844929837e-01,
        0.000000000e+00,
        3.379415816e-01,
        3.309410909e-01,
        3.311173275e-01,
        1.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        4.988666523e-01,
        5.011333477e-01,
        0.000000000e+00,
        3.491009827e-01,
        3.484346746e-01,
        3.024643427e-01,
    ];
    const SELF_DX: [f32; 24] = [
        1.407551382e-01,
        -6.331857816e-02,
        -1.875048399e-01,
        1.171947353e-01,
        8.558421936e-02,
        -3.195379929e-02,
        -1.352238668e-02,
        7.592040526e-02,
        3.462729830e-02,
        -1.099086524e-02,
        -2.459863427e-03,
        3.249674468e-02,
        2.801402329e-02,
        -1.660830232e-02,
        9.281875579e-02,
        1.756719715e-02,
        -7.635078663e-02,
        2.683470820e-02,
        7.698285645e-02,
        -7.793772136e-02,
        -2.440499809e-02,
        5.288541934e-03,
        2.987835264e-02,
        -2.863557924e-02,
    ];
    const SELF_GRADS: [(&str, f32); 4] = [
        ("in_proj_weight", -3.375349605e-01),
        ("in_proj_bias", 5.499386795e-02),
        ("out_proj.weight", -2.974958134e-01),
        ("out_proj.bias", -8.426877470e-01),
    ];
    // cross-attention, key padding
    const CROSS_Y: [f32; 16] = [
        4.262388310e-02,
        -5.453272478e-01,
        -3.067586393e-01,
        2.221749629e-01,
        4.365613078e-02,
        -5.455479461e-01,
        -3.053901091e-01,
        2.212466434e-01,
        2.564209261e-01,
        -3.325782845e-01,
        -2.362846426e-01,
        2.963288084e-02,
        2.308302718e-01,
        -3.532429046e-01,
        -1.990380122e-01,
        2.477929039e-02,
    ];
    const CROSS_W: [f32; 12] = [
        5.341090315e-01,
        4.658909685e-01,
        0.000000000e+00,
        5.174114443e-01,
        4.825885557e-01,
        0.000000000e+00,
        4.601888625e-01,
        0.000000000e+00,
        5.398111375e-01,
        5.273051255e-01,
        0.000000000e+00,
        4.726948745e-01,
    ];
    const CROSS_DQ: [f32; 16] = [
        -6.557500661e-04,
        -5.053630155e-05,
        3.943551907e-04,
        -1.347254809e-03,
        6.802765509e-04,
        -1.442264225e-04,
        -9.081836018e-04,
        1.667116083e-03,
        -4.394622102e-03,
        -7.901796221e-03,
        -3.734337486e-03,
        2.393489634e-02,
        -4.397954786e-03,
        -7.458320461e-03,
        -4.248263537e-03,
        2.335039420e-02,
    ];
    const CROSS_DK: [f32; 24] = [
        5.581125958e-04,
        -1.029278744e-04,
        -1.884696194e-04,
        7.007945342e-04,
        -5.581125958e-04,
        1.029278744e-04,
        1.884696194e-04,
        -7.007945342e-04,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        -3.492234588e-03,
        1.145856622e-03,
        9.600621718e-05,
        -3.634508088e-03,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        3.492234588e-03,
        -1.145856622e-03,
        -9.600621718e-05,
        3.634508088e-03,
    ];
    const CROSS_DV: [f32; 24] = [
        8.276866601e-02,
        -4.275280113e-02,
        -9.819508317e-02,
        6.756433785e-02,
        7.027481225e-02,
        -2.373284933e-02,
        -1.005469687e-01,
        5.930282146e-02,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        1.008782310e-01,
        -3.920554603e-02,
        6.247743396e-03,
        9.154049033e-02,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        0.000000000e+00,
        1.088622743e-01,
        -4.295290044e-02,
        6.730431548e-03,
        9.752292263e-02,
    ];
    const CROSS_GRADS: [(&str, f32); 4] = [
        ("in_proj_weight", -2.163700417e-02),
        ("in_proj_bias", 2.529733318e-01),
        ("out_proj.weight", -1.977839603e-02),
        ("out_proj.bias", -5.833992095e-01),
    ];

    #[test]
    fn self_attention_matches_pytorch() {
        let (b, t, e) = (2, 3, 4);
        let mut layout = ParamLayout::new();
        let mha = MultiheadAttention::new(&mut layout, "mha", e, 2, true, true).unwrap();
        let p = params(&layout);
        let d = AttnDims::self_attention(b, t);
        for k in nd_kernels::table::all_supported() {
            let x = inp(b * t * e, 0);
            let (mut y, mut w) = (vec![0.0; b * t * e], vec![0.0; b * t * t]);
            let mut cache = vec![0.0; mha.cache_len(d)];
            mha.forward_self(k, &p, d, &x, None, &mut y, &mut cache);
            mha.average_weights(d, &cache, &mut w);
            assert_close("y", &y, &SELF_Y, 1e-6);
            assert_close("weights", &w, &SELF_W, 1e-6);
            let (mut g, mut dx) = (vec![0.0; p.len()], vec![0.0; x.len()]);
            let mut scratch = vec![0.0; mha.scratch_len(d)];
            let dy = cot(y.len());
            mha.backward_self(
                k,
                &p,
                &mut g,
                d,
                &x,
                &cache,
                &dy,
                Some(&mut dx),
                &mut scratch,
            );
            assert_close("dx", &dx, &SELF_DX, 1e-6);
            assert_grad_sums(&layout, "mha", &g, &SELF_GRADS);
        }
    }

    #[test]
    fn cross_attention_with_key_padding_matches_pytorch() {
        let (b, tq, tk, e) = (2, 2, 3, 4);
        let mut layout = ParamLayout::new();
        let mha = MultiheadAttention::new(&mut layout, "mha", e, 2, true, false).unwrap();
        let p = params(&layout);
        let d = AttnDims { b, tq, tk };
        let pad = [false, false, true, false, true, false];
        for k in nd_kernels::table::all_supported() {
            let (q, key, v) = (inp(b * tq * e, 0), inp(b * tk * e, 7), inp(b * tk * e, 11));
            let (mut y, mut w) = (vec![0.0; b * tq * e], vec![0.0; b * tq * tk]);
            let mut cache = vec![0.0; mha.cache_len(d)];
            mha.forward(k, &p, d, &q, &key, &v, Some(&pad), &mut y, &mut cache);
            mha.average_weights(d, &cache, &mut w);
            assert_close("y", &y, &CROSS_Y, 1e-6);
            assert_close("weights", &w, &CROSS_W, 1e-6);
            let mut g = vec![0.0; p.len()];
            let (mut dq, mut dk, mut dv) =
                (vec![0.0; q.len()], vec![0.0; key.len()], vec![0.0; v.len()]);
            let mut scratch = vec![0.0; mha.scratch_len(d)];
            let dy = cot(y.len());
            mha.backward(
                k,
                &p,
                &mut g,
                d,
                [&q, &key, &v],
                &cache,
                &dy,
                [Some(&mut dq), Some(&mut dk), Some(&mut dv)],
                &mut scratch,
            );
            assert_close("dq", &dq, &CROSS_DQ, 1e-6);
            assert_close("dk", &dk, &CROSS_DK, 1e-6);
            assert_close("dv", &dv, &CROSS_DV, 1e-6);
            assert_grad_sums(&layout, "mha", &g, &CROSS_GRADS);
        }
    }
}
