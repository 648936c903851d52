//! Parallel sgemm: a large product split into row blocks of C, one per thread of the pool.
//!
//! [`sgemm`] has the contract of `(k.sgemm)` (C = epilogue(alpha·op(A)·op(B) + beta·C), same
//! panics) and decides whether splitting is worth it. It runs `(k.sgemm)` directly, touching
//! no pool at all, when
//! - the calling thread is already inside a parallel region (`sched::in_region()`): the work
//!   is already spread over the threads (data-parallel training shards, parallel predict
//!   chunks), and splitting again would only add queueing;
//! - the pool has one thread;
//! - the product is too small to pay for the wake-up of a second thread ([`PART_FLOPS`]).
//!
//! A single row (one window's forward) is never split by rows; against a large stored weight
//! it is split by columns instead ([`super::gemv`]), and small models' single-window
//! prediction never enters a region.
//!
//! Otherwise C's rows are cut into `parts` contiguous blocks (at most one per thread), and
//! each block is an ordinary `(k.sgemm)` call on the rows of A it needs, the whole of B, the
//! bias and the activation, all run through `Pool::join`. The blocks of C are disjoint
//! `&mut` slices (`split_at_mut` at a row boundary), so no unsafe code is needed.
//!
//! Block boundaries are multiples of [`ROW_UNIT`] rows (24, the lcm of every tier's tile
//! height: 8 on AVX-512 and NEON, 6 on AVX/AVX2, 4 on SSE2), so only the last block can end
//! in a partial register tile, as the whole product would. They depend only on m and the
//! number of parts, never on timing.
//!
//! **Same bits as the sequential call.** Each block computes its elements with exactly the
//! operations the whole product would use, because it takes the same kernel path (see
//! kernels/src/gemm/blocking.rs): a row block has more than [`SMALL_M`] rows, so B is packed
//! and k is cut into the same blocks as for the whole product, and the register tile
//! accumulates each element over k in the same order; C is at least [`MIN_COLS`] columns
//! wide, so no tier computes Cᵀ instead (the orientation choice depends on m's padding to the
//! tile only for narrow C: at most 8 columns on AVX-512, 18 on AVX/AVX2, never on SSE2/NEON).
//! Products outside these bounds are not split. The result is therefore independent of the
//! thread count, which keeps training and prediction reproducible across machines.
//!
//! **Cost of splitting.** Every block packs all of B itself (k·n floats copied per block
//! instead of once), i.e. one extra read and write of B per additional part. Against the
//! block's 2·(m/parts)·n·k flops that is (parts − 1)·k·n copies; with at least 72 rows per
//! block, under 1.5% of the arithmetic even at the smallest split.

use std::ops::Range;

use nd_kernels::gemm::{Epilogue, GemmSpec, Transpose, SMALL_M};
use nd_kernels::table::Kernels;

use super::gemv;
use crate::sched::{self, Pool};

/// Row blocks start at multiples of this: the lcm of every tier's register-tile height.
pub const ROW_UNIT: usize = 24;

/// The fewest rows in a block: the smallest multiple of [`ROW_UNIT`] above the kernels'
/// [`SMALL_M`], so every block packs B as the whole product does (see the module docs).
pub const MIN_PART_ROWS: usize = (SMALL_M / ROW_UNIT + 1) * ROW_UNIT;

/// Narrower products are not split: below 19 columns the kernels may compute Cᵀ for some row
/// counts and not others (module docs); 32 leaves a margin.
pub const MIN_COLS: usize = 32;

/// The fewest flops (2·m·n·k) worth giving to one part; a product is split into at most
/// flops / PART_FLOPS parts, so it splits at all from 2·PART_FLOPS = 2 MFLOP.
///
/// Measured with `cargo bench --bench parallel_scaling -- 9 sweep` (AVX-512, AMD EPYC VM, 2 cores,
/// load average 2.0 from other jobs), forced 2-part split vs 1 thread, warm workers:
/// 144×64×k (the smallest splittable m) gives t1/t2 = 0.87 at 0.15 MFLOP (k = 8), 1.07 at
/// 0.29, 1.25 at 0.59, 1.45 at 1.18, 1.62 at 2.36; 144³ (6 MFLOP) 1.63, 256³ 1.78,
/// 1024³ 1.93. The break-even is near 0.3 MFLOP; the threshold sits well above it, where the
/// gain is already ~1.5×, so a part's work (≥ ~10 µs) also covers a worker that has to be
/// woken from parking (~45 µs in the worst case is bounded anyway: `join` takes back a part
/// nobody stole, so a cold pool costs about the sequential time).
pub const PART_FLOPS: usize = 1_000_000;

/// The most parts `spec` may be cut into with every part taking the kernel path of the whole
/// product (module docs): 1 when it must not be split.
pub fn max_parts(spec: &GemmSpec) -> usize {
    if spec.alpha == 0.0 || spec.n < MIN_COLS {
        return 1;
    }
    (spec.m / MIN_PART_ROWS).max(1)
}

/// How many parts `spec` is split into on a pool of `threads` threads (1: not split).
pub fn parts(spec: &GemmSpec, threads: usize) -> usize {
    let flops = 2usize
        .saturating_mul(spec.m)
        .saturating_mul(spec.n)
        .saturating_mul(spec.k);
    max_parts(spec).min(threads).min(flops / PART_FLOPS).max(1)
}

/// The rows of C that part `i` of `parts` computes: boundaries at multiples of [`ROW_UNIT`]
/// spread as evenly as whole units allow, the last part taking the remainder.
pub fn part_rows(m: usize, parts: usize, i: usize) -> Range<usize> {
    let units = m / ROW_UNIT;
    let start = |i: usize| {
        if i >= parts {
            m
        } else {
            ROW_UNIT * (i * units / parts)
        }
    };
    start(i)..start(i + 1)
}

/// C = epilogue(alpha·op(A)·op(B) + beta·C), as `(k.sgemm)`, split over the global pool's
/// threads when that pays (module docs). Below the threshold or inside a region the global
/// pool is not even built.
///
/// A single row against a large stored weight (one window through a big Linear layer) is
/// split by columns instead ([`super::gemv`], same bits either way).
pub fn sgemm(k: &Kernels, spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], ep: Epilogue<'_>) {
    if sched::in_region() {
        return (k.sgemm)(spec, a, b, c, ep);
    }
    if gemv::parts(spec, usize::MAX) >= 2 {
        let pool = sched::global();
        let parts = gemv::parts(spec, pool.threads());
        return gemv::split_columns(pool, parts, k, spec, a, b, c, ep);
    }
    if parts(spec, usize::MAX) < 2 {
        return (k.sgemm)(spec, a, b, c, ep);
    }
    sgemm_on(sched::global(), k, spec, a, b, c, ep);
}

/// [`sgemm`] on a given pool (benchmarks and tests).
pub fn sgemm_on(
    pool: &Pool,
    k: &Kernels,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    let parts = if sched::in_region() {
        1
    } else {
        parts(spec, pool.threads())
    };
    split_into(pool, parts, k, spec, a, b, c, ep);
}

/// The product in `parts` row blocks (capped by [`max_parts`], so the bits stay those of the
/// whole product) on `pool`, whatever its size: what the threshold sweep of
/// `benches/parallel_scaling.rs` times. One part calls `(k.sgemm)` without entering the pool.
#[allow(clippy::too_many_arguments)]
pub fn split_into(
    pool: &Pool,
    parts: usize,
    k: &Kernels,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    let parts = parts.min(max_parts(spec));
    run_split(pool, Axis::Rows, parts, k, spec, a, b, c, ep);
}

/// Which dimension of C a split product cuts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Axis {
    /// Row blocks ([`part_rows`]); each block reads its rows of A.
    Rows,
    /// Column blocks of a single-row C ([`super::gemv::part_columns`]); each block reads its
    /// rows of the transposed B and its slice of the bias.
    Columns,
}

/// The product in `parts` blocks along `axis` on `pool`, each an ordinary `(k.sgemm)` call,
/// run by recursive halving over `Pool::join`; one part calls `(k.sgemm)` without entering
/// the pool. The caller has checked that every block takes the whole product's kernel path.
///
/// # Panics
/// As `(k.sgemm)` on a bad call, before any block runs.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_split(
    pool: &Pool,
    axis: Axis,
    parts: usize,
    k: &Kernels,
    spec: &GemmSpec,
    a: &[f32],
    b: &[f32],
    c: &mut [f32],
    ep: Epilogue<'_>,
) {
    if parts < 2 {
        return (k.sgemm)(spec, a, b, c, ep);
    }
    // Check the whole call first, so a bad one panics with the message `(k.sgemm)` gives,
    // before any block runs.
    if let Err(msg) = spec.check(a.len(), b.len(), c.len(), ep.bias.map(<[f32]>::len)) {
        panic!("{msg}");
    }
    let job = Split {
        k,
        spec,
        a,
        b,
        ep,
        axis,
        parts,
    };
    job.run(pool, 0..parts, c);
}

/// One split product: everything the parts share.
struct Split<'a> {
    k: &'a Kernels,
    spec: &'a GemmSpec,
    a: &'a [f32],
    b: &'a [f32],
    ep: Epilogue<'a>,
    axis: Axis,
    parts: usize,
}

impl Split<'_> {
    /// The rows (or columns) of C part `i` computes.
    fn part(&self, i: usize) -> Range<usize> {
        match self.axis {
            Axis::Rows => part_rows(self.spec.m, self.parts, i),
            Axis::Columns => gemv::part_columns(self.spec.n, self.parts, i),
        }
    }

    /// Runs parts `range`, whose block of C starts at `c[0]`, by recursive halving.
    fn run(&self, pool: &Pool, range: Range<usize>, c: &mut [f32]) {
        let s = self.spec;
        if range.len() == 1 {
            let part = self.part(range.start);
            match self.axis {
                Axis::Rows => {
                    let a = match s.trans_a {
                        Transpose::No => &self.a[part.start * s.lda..],
                        Transpose::Yes => &self.a[part.start..],
                    };
                    let spec = GemmSpec {
                        m: part.len(),
                        ..*s
                    };
                    (self.k.sgemm)(&spec, a, self.b, c, self.ep);
                }
                Axis::Columns => {
                    let spec = GemmSpec {
                        n: part.len(),
                        ..*s
                    };
                    let ep = Epilogue {
                        bias: self.ep.bias.map(|b| &b[part.clone()]),
                        activation: self.ep.activation,
                    };
                    let b = &self.b[part.start * s.ldb..];
                    (self.k.sgemm)(&spec, self.a, b, c, ep);
                }
            }
            return;
        }
        let mid = range.start + range.len() / 2;
        let offset = self.part(mid).start - self.part(range.start).start;
        let stride = match self.axis {
            Axis::Rows => s.ldc,
            Axis::Columns => 1,
        };
        let (lo, hi) = c.split_at_mut(offset * stride);
        pool.join(
            || self.run(pool, range.start..mid, lo),
            || self.run(pool, mid..range.end, hi),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nd_kernels::{table, Activation};
    use proptest::prelude::*;
    use std::sync::Mutex;

    /// Deterministic values in [-1, 1).
    fn values(len: usize, seed: u64) -> Vec<f32> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
            })
            .collect()
    }

    /// One product with its operands; C is prefilled (beta ≠ 0 reads it) and padded with
    /// `ldc > n`, A and B with `lda`, `ldb` above their stored widths.
    #[derive(Clone, Debug)]
    struct Case {
        spec: GemmSpec,
        a: Vec<f32>,
        b: Vec<f32>,
        c: Vec<f32>,
        bias: Option<Vec<f32>>,
        act: Activation,
    }

    #[allow(clippy::too_many_arguments)]
    fn case(
        (m, n, k): (usize, usize, usize),
        trans: (bool, bool),
        pad: (usize, usize, usize),
        beta: f32,
        bias: bool,
        act: Activation,
        seed: u64,
    ) -> Case {
        let t = |yes| if yes { Transpose::Yes } else { Transpose::No };
        let mut spec = GemmSpec {
            trans_a: t(trans.0),
            trans_b: t(trans.1),
            alpha: 0.75,
            beta,
            ..GemmSpec::new(m, n, k)
        };
        spec.lda = spec.a_stored().1 + pad.0;
        spec.ldb = spec.b_stored().1 + pad.1;
        spec.ldc = n + pad.2;
        let (ar, br) = (spec.a_stored().0, spec.b_stored().0);
        Case {
            a: values(ar * spec.lda, seed),
            b: values(br * spec.ldb, seed ^ 1),
            c: values(m * spec.ldc, seed ^ 2),
            bias: bias.then(|| values(n, seed ^ 3)),
            act,
            spec,
        }
    }

    impl Case {
        fn ep(&self) -> Epilogue<'_> {
            Epilogue {
                bias: self.bias.as_deref(),
                activation: self.act,
            }
        }

        /// C after `(k.sgemm)`, and after the split into (up to) `parts` on `pool`.
        fn both(&self, k: &Kernels, pool: &Pool, parts: usize) -> (Vec<f32>, Vec<f32>) {
            let mut want = self.c.clone();
            (k.sgemm)(&self.spec, &self.a, &self.b, &mut want, self.ep());
            let mut got = self.c.clone();
            split_into(
                pool,
                parts,
                k,
                &self.spec,
                &self.a,
                &self.b,
                &mut got,
                self.ep(),
            );
            (want, got)
        }
    }

    /// Bitwise equality, naming the first element that differs.
    fn same_bits(want: &[f32], got: &[f32]) -> Result<(), String> {
        match want
            .iter()
            .zip(got)
            .position(|(w, g)| w.to_bits() != g.to_bits())
        {
            None => Ok(()),
            Some(i) => Err(format!("element {i}: {} vs {}", want[i], got[i])),
        }
    }

    #[test]
    fn parts_respect_rows_columns_and_work() {
        let big = GemmSpec::new(1024, 1024, 1024);
        assert_eq!(parts(&big, 1), 1);
        assert_eq!(parts(&big, 2), 2);
        assert_eq!(parts(&big, 8), 8);
        assert_eq!(parts(&big, 64), 1024 / MIN_PART_ROWS);
        // Too few rows for two blocks above SMALL_M, too narrow, or alpha = 0.
        assert_eq!(
            parts(&GemmSpec::new(2 * MIN_PART_ROWS - 1, 4096, 4096), 8),
            1
        );
        assert_eq!(parts(&GemmSpec::new(4096, MIN_COLS - 1, 4096), 8), 1);
        let zero = GemmSpec { alpha: 0.0, ..big };
        assert_eq!(parts(&zero, 8), 1);
        // Below the flop threshold: one part; at twice it, two.
        let m = 2 * MIN_PART_ROWS;
        let k_for = |flops: usize| flops.div_ceil(2 * m * 64);
        assert_eq!(parts(&GemmSpec::new(m, 64, k_for(PART_FLOPS)), 8), 1);
        assert_eq!(parts(&GemmSpec::new(m, 64, k_for(2 * PART_FLOPS)), 8), 2);
    }

    #[test]
    fn part_rows_tile_m_at_multiples_of_the_unit() {
        for m in [0, 1, 143, 144, 150, 1000, 1024, 4097] {
            for parts in 1..=9 {
                let mut next = 0;
                for i in 0..parts {
                    let r = part_rows(m, parts, i);
                    assert_eq!(r.start, next, "m {m}, {parts} parts, part {i}");
                    if i + 1 < parts {
                        assert_eq!(r.end % ROW_UNIT, 0);
                    }
                    next = r.end;
                }
                assert_eq!(next, m);
                if parts <= m / MIN_PART_ROWS {
                    // Every part of an allowed split is above SMALL_M.
                    assert!((0..parts).all(|i| part_rows(m, parts, i).len() >= MIN_PART_ROWS));
                }
            }
        }
    }

    /// Shapes that split on every pool of more than one thread, k beyond one block of the
    /// kernels' packed path (512), both transposes, padded strides, beta, bias, activation:
    /// the same bits as one `(k.sgemm)` on every tier.
    #[test]
    fn split_products_give_the_bits_of_the_whole_product() {
        let pools: Vec<Pool> = [1, 2, 3, 8].map(|t| Pool::new(t).unwrap()).into();
        let shapes = [(150, 40, 600), (300, 64, 520), (457, 33, 70)];
        for (i, &shape) in shapes.iter().enumerate() {
            for trans in [(false, false), (true, false), (false, true), (true, true)] {
                let c = case(
                    shape,
                    trans,
                    (3, 1, 5),
                    0.5,
                    true,
                    Activation::ALL_DEFAULT[i % 9 + 1],
                    i as u64,
                );
                for k in table::all_supported() {
                    for pool in &pools {
                        let before = sched::regions_entered_here();
                        let (want, got) = c.both(k, pool, pool.threads());
                        let entered = sched::regions_entered_here() - before;
                        // Every pool but the one-thread pool really split (a one-part
                        // product calls the kernel without entering the pool).
                        let split = u64::from(pool.threads() > 1);
                        assert_eq!(entered, split, "{shape:?} on {} threads", pool.threads());
                        same_bits(&want, &got).unwrap_or_else(|e| {
                            panic!(
                                "{:?} {shape:?} {trans:?} {} thr: {e}",
                                k.isa,
                                pool.threads()
                            )
                        });
                    }
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Random shapes (some too small or too narrow to split, m below the part count,
        /// empty dimensions), every option of the spec, every tier, 1/2/3/8 threads: C is
        /// bitwise `(k.sgemm)`'s, padding included.
        #[test]
        fn matches_the_sequential_call(
            m in prop_oneof![0usize..8, 0usize..400],
            n in prop_oneof![0usize..8, 0usize..90],
            k in prop_oneof![0usize..4, 1usize..80, 500usize..560],
            trans in (any::<bool>(), any::<bool>()),
            pad in (0usize..3, 0usize..3, 0usize..3),
            beta in prop_oneof![Just(0.0f32), Just(1.0), Just(-0.5)],
            bias in any::<bool>(),
            act in 0usize..9,
            threads in prop_oneof![Just(1usize), Just(2), Just(3), Just(8)],
            seed in any::<u64>(),
        ) {
            let c = case((m, n, k), trans, pad, beta, bias, Activation::ALL_DEFAULT[act], seed);
            let pool = Pool::new(threads).unwrap();
            for table in table::all_supported() {
                let (want, got) = c.both(table, &pool, threads);
                prop_assert!(same_bits(&want, &got).is_ok(), "{:?}: {:?}", table.isa, same_bits(&want, &got));
            }
        }
    }

    /// (m, thread) of every call of [`spy_sgemm`] with k = the test's marker.
    static CALLS: Mutex<Vec<(usize, usize, std::thread::ThreadId)>> = Mutex::new(Vec::new());

    /// The active sgemm, recording each call.
    fn spy_sgemm(spec: &GemmSpec, a: &[f32], b: &[f32], c: &mut [f32], ep: Epilogue<'_>) {
        CALLS
            .lock()
            .unwrap()
            .push((spec.k, spec.m, std::thread::current().id()));
        (nd_kernels::active().sgemm)(spec, a, b, c, ep);
    }

    /// The `(m)` of every recorded call of a product with `k` = `marker`.
    fn calls_with(marker: usize) -> Vec<usize> {
        let calls = CALLS.lock().unwrap();
        calls
            .iter()
            .filter(|c| c.0 == marker)
            .map(|c| c.1)
            .collect()
    }

    #[test]
    fn inside_a_region_the_product_is_not_split_again() {
        let spy = Kernels {
            sgemm: spy_sgemm,
            ..*nd_kernels::active()
        };
        let pool = Pool::new(2).unwrap();
        // Large enough for 2 parts, marked by its k.
        let c = case(
            (1024, 256, 401),
            (false, false),
            (0, 0, 0),
            0.0,
            false,
            Activation::Identity,
            7,
        );
        let run = || {
            let mut out = c.c.clone();
            sgemm_on(&pool, &spy, &c.spec, &c.a, &c.b, &mut out, c.ep());
            out
        };
        let outside = run();
        let halves = vec![part_rows(1024, 2, 0).len(), part_rows(1024, 2, 1).len()];
        assert_eq!(halves, vec![504, 520]); // 21 and 22 units of 24 rows
        let mut outside_calls = calls_with(401);
        outside_calls.sort_unstable(); // the parts may finish in either order
        assert_eq!(outside_calls, halves, "outside a region: two parts");
        CALLS.lock().unwrap().retain(|c| c.0 != 401);
        let (inside, ()) = pool.join(run, || ());
        assert_eq!(calls_with(401), vec![1024], "inside a region: one call");
        same_bits(&outside, &inside).unwrap();
    }

    #[test]
    fn a_product_below_the_threshold_enters_no_region() {
        let k = nd_kernels::active();
        // A single-window Linear forward below the column split's weight threshold (1 row,
        // 0.5 MFLOP: too few rows to split by rows) and a batch just under the flop threshold.
        let (m2, n2) = (2 * MIN_PART_ROWS, 64);
        let k2 = (2 * PART_FLOPS - 1) / (2 * m2 * n2);
        assert_eq!(max_parts(&GemmSpec::new(m2, n2, k2)), 2);
        for (m, n, kk) in [(1, 1024, 255), (m2, n2, k2)] {
            let c = case(
                (m, n, kk),
                (false, true),
                (0, 0, 0),
                0.0,
                true,
                Activation::Relu,
                3,
            );
            let before = sched::regions_entered_here();
            let mut got = c.c.clone();
            sgemm(k, &c.spec, &c.a, &c.b, &mut got, c.ep());
            assert_eq!(sched::regions_entered_here(), before, "({m}, {n}, {kk})");
            let mut want = c.c.clone();
            (k.sgemm)(&c.spec, &c.a, &c.b, &mut want, c.ep());
            same_bits(&want, &got).unwrap();
        }
        // The counter does see a split product (so the check above can fail).
        let pool = Pool::new(2).unwrap();
        let c = case(
            (1024, 256, 64),
            (false, false),
            (0, 0, 0),
            0.0,
            false,
            Activation::Identity,
            5,
        );
        let before = sched::regions_entered_here();
        let mut got = c.c.clone();
        sgemm_on(&pool, k, &c.spec, &c.a, &c.b, &mut got, c.ep());
        assert_eq!(sched::regions_entered_here(), before + 1);
    }

    #[test]
    #[should_panic(expected = "sgemm: C has")]
    fn a_short_c_panics_before_any_part_runs() {
        let pool = Pool::new(2).unwrap();
        let c = case(
            (1024, 256, 64),
            (false, false),
            (0, 0, 0),
            0.0,
            false,
            Activation::Identity,
            5,
        );
        let mut short = vec![0.0; c.c.len() - 1];
        sgemm_on(
            &pool,
            nd_kernels::active(),
            &c.spec,
            &c.a,
            &c.b,
            &mut short,
            c.ep(),
        );
    }
}
