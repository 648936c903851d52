//! The optimizer step applied in parallel over fixed chunks of the parameters, each chunk
//! first finishing its gradient (data-parallel training sums the shards' gradients there).
//!
//! Every update rule here is elementwise, so a chunked step gives exactly the bits of
//! [`Optimizer::step`]; the chunks are fixed by `grain` alone (not by the thread count), so
//! whatever `finish_grads` does per chunk is deterministic too.

use std::ops::Range;

use super::Optimizer;
use crate::sched::join;
use nd_kernels::table::Kernels;

/// One chunk's mutable state: parameters, gradients and up to two optimizer buffers.
struct Chunk<'a> {
    offset: usize,
    params: &'a mut [f32],
    grads: &'a mut [f32],
    s1: &'a mut [f32],
    s2: &'a mut [f32],
}

/// Splits `c` at `at` elements (state buffers that are empty stay empty on both sides).
fn split(c: Chunk<'_>, at: usize) -> (Chunk<'_>, Chunk<'_>) {
    let (p0, p1) = c.params.split_at_mut(at);
    let (g0, g1) = c.grads.split_at_mut(at);
    let (a0, a1) = c.s1.split_at_mut(at.min(c.s1.len()));
    let (b0, b1) = c.s2.split_at_mut(at.min(c.s2.len()));
    (
        Chunk {
            offset: c.offset,
            params: p0,
            grads: g0,
            s1: a0,
            s2: b0,
        },
        Chunk {
            offset: c.offset + at,
            params: p1,
            grads: g1,
            s1: a1,
            s2: b1,
        },
    )
}

/// Runs `f` on chunks of `grain` elements by recursive halving at multiples of `grain`.
fn halves<F: Fn(Chunk<'_>) + Sync>(c: Chunk<'_>, grain: usize, f: &F) {
    let n = c.params.len();
    if n <= grain {
        f(c);
        return;
    }
    let at = n.div_ceil(grain) / 2 * grain;
    let (lo, hi) = split(c, at);
    join(|| halves(lo, grain, f), || halves(hi, grain, f));
}

impl Optimizer {
    /// One update of `params`, as [`Optimizer::step`], in parallel over chunks of `grain`
    /// elements (rounded up to a multiple of 16, so chunks keep the buffers' alignment), on the
    /// pool the current thread works for, else the global pool. Before a chunk is updated,
    /// `finish_grads(range, grads_chunk)` completes its gradients (e.g. adds other shards').
    ///
    /// # Panics
    /// If the lengths differ from each other or from the optimizer's state.
    pub fn step_chunked<F>(
        &mut self,
        k: &Kernels,
        params: &mut [f32],
        grads: &mut [f32],
        grain: usize,
        finish_grads: F,
    ) where
        F: Fn(Range<usize>, &mut [f32]) + Sync,
    {
        assert_eq!(
            params.len(),
            grads.len(),
            "optimizer: params and grads lengths"
        );
        let grain = grain.max(1).next_multiple_of(16);
        let finish = |c: &mut Chunk<'_>| {
            let range = c.offset..c.offset + c.params.len();
            finish_grads(range, c.grads);
        };
        match self {
            Optimizer::Adam(a) => {
                let (spec, m, v) = a.begin_step();
                assert_eq!(m.len(), params.len(), "adam: state length");
                let all = Chunk {
                    offset: 0,
                    params,
                    grads,
                    s1: m,
                    s2: v,
                };
                halves(all, grain, &|mut c: Chunk<'_>| {
                    finish(&mut c);
                    (k.adam_step)(&spec, c.params, c.grads, c.s1, c.s2);
                });
            }
            Optimizer::Sgd(s) => {
                let (update, buf) = s.begin_step();
                let all = Chunk {
                    offset: 0,
                    params,
                    grads,
                    s1: buf,
                    s2: &mut [],
                };
                halves(all, grain, &|mut c: Chunk<'_>| {
                    finish(&mut c);
                    update.apply(c.params, c.grads, c.s1);
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::{AdamConfig, SgdConfig};
    use crate::sched::Pool;

    fn optimizers(n: usize) -> Vec<Optimizer> {
        let sgd = SgdConfig {
            lr: 0.1,
            momentum: 0.9,
            nesterov: true,
            weight_decay: 0.01,
            ..SgdConfig::default()
        };
        vec![
            Optimizer::adam(AdamConfig::adam(), n).unwrap(),
            Optimizer::adam(AdamConfig::adamw(), n).unwrap(),
            Optimizer::sgd(sgd, n).unwrap(),
            Optimizer::sgd(SgdConfig::default(), n).unwrap(),
        ]
    }

    /// Chunked steps (with another shard's gradient added per chunk) give exactly the bits of
    /// whole steps on the summed gradient, for any thread count and grain.
    #[test]
    fn chunked_steps_equal_whole_steps() {
        let k = nd_kernels::table::active();
        for n in [0usize, 1, 17, 1000, 4099] {
            for (threads, grain) in [(1, 64), (2, 16), (2, 1000), (4, 48), (3, 1 << 20)] {
                let pool = Pool::new(threads).unwrap();
                for (mut whole, mut chunked) in optimizers(n).into_iter().zip(optimizers(n)) {
                    let mut p1: Vec<f32> = (0..n).map(|i| (i as f32 * 0.37).sin()).collect();
                    let mut p2 = p1.clone();
                    for step in 0..3 {
                        let g: Vec<f32> = (0..n).map(|i| ((i + step) as f32).cos()).collect();
                        let other: Vec<f32> = (0..n).map(|i| (i as f32 * 0.11).sin()).collect();
                        let summed: Vec<f32> = g.iter().zip(&other).map(|(a, b)| a + b).collect();
                        whole.step(k, &mut p1, &summed);
                        let mut g2 = g.clone();
                        pool.install(|| {
                            chunked.step_chunked(k, &mut p2, &mut g2, grain, |r, gc| {
                                for (a, b) in gc.iter_mut().zip(&other[r]) {
                                    *a += b;
                                }
                            })
                        });
                        assert_eq!(g2, summed);
                        assert_eq!(p1, p2, "n {n}, {threads} threads, grain {grain}");
                    }
                    assert_eq!(whole.steps(), chunked.steps());
                }
            }
        }
    }
}
