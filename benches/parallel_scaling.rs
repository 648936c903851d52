//! Parallel sgemm (issue 8): speedup of sgemm 1024³ over pool sizes, and the sweep behind
//! `nn::gemm::PART_FLOPS` (the size from which splitting a product over 2 threads pays).
//!
//! Each figure is the median over interleaved rounds (every configuration once per round),
//! so a noisy neighbour shows as spread between rounds instead of favouring one thread count.
//! The load average is printed before and after: figures taken under load are not usable.
//!
//! Run: `cargo bench --bench parallel_scaling` (optionally `-- ROUNDS`, default 7; add `sweep`
//! or `scaling` to run only that part).

use std::hint::black_box;
use std::time::Instant;

use nd_kernels::{Epilogue, GemmSpec, Kernels};
use neuro_divergent::nn::gemm::{self, split_into};
use neuro_divergent::sched::Pool;

/// Deterministic values in [-1, 1).
fn values(len: usize, seed: u32) -> Vec<f32> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 8) as f32 / (1u32 << 23) as f32 - 1.0
        })
        .collect()
}

/// The operands of one (m, n, k) product: A (m, k), B (k, n), C (m, n).
struct Product {
    spec: GemmSpec,
    a: Vec<f32>,
    b: Vec<f32>,
    c: Vec<f32>,
}

impl Product {
    fn new(m: usize, n: usize, k: usize) -> Product {
        Product {
            spec: GemmSpec::new(m, n, k),
            a: values(m * k, 1),
            b: values(k * n, 2),
            c: vec![0.0; m * n],
        }
    }

    fn flops(&self) -> f64 {
        2.0 * (self.spec.m * self.spec.n * self.spec.k) as f64
    }

    /// Seconds per product split into (up to) `parts` on `pool`, averaged over enough calls
    /// to last about 20 ms.
    fn time(&mut self, pool: &Pool, parts: usize, k: &Kernels) -> f64 {
        let run = |p: &mut Product| {
            split_into(
                pool,
                parts,
                k,
                &p.spec,
                &p.a,
                &p.b,
                &mut p.c,
                Epilogue::NONE,
            );
            black_box(&p.c);
        };
        run(self);
        let reps = (2e8 / self.flops()).clamp(1.0, 100_000.0) as usize;
        let start = Instant::now();
        for _ in 0..reps {
            run(self);
        }
        start.elapsed().as_secs_f64() / reps as f64
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// sgemm 1024³ on pools of 1, 2, 4 and 8 threads.
fn scaling(k: &Kernels, rounds: usize) {
    let threads = [1, 2, 4, 8];
    let pools: Vec<Pool> = threads.iter().map(|&t| Pool::new(t).unwrap()).collect();
    let mut p = Product::new(1024, 1024, 1024);
    let mut times = vec![Vec::new(); threads.len()];
    for _ in 0..rounds {
        for (i, pool) in pools.iter().enumerate() {
            times[i].push(p.time(pool, pool.threads(), k));
        }
    }
    println!("\nsgemm 1024x1024x1024, median of {rounds} interleaved rounds");
    println!(
        "{:>7} {:>10} {:>9} {:>8} {:>10}   per-round ms",
        "threads", "ms", "GFLOP/s", "speedup", "efficiency"
    );
    let t1 = median(times[0].clone());
    for (i, &t) in threads.iter().enumerate() {
        let med = median(times[i].clone());
        let rounds: Vec<String> = times[i].iter().map(|s| format!("{:.2}", s * 1e3)).collect();
        println!(
            "{t:>7} {:>10.2} {:>9.1} {:>7.2}x {:>9.0}%   {}",
            med * 1e3,
            p.flops() / med / 1e9,
            t1 / med,
            100.0 * t1 / med / t as f64,
            rounds.join(" ")
        );
    }
}

/// 1- vs 2-thread time of square products and layer shapes, split into 2 whatever the
/// threshold says (when the shape allows a split at all).
fn sweep(k: &Kernels, rounds: usize) {
    let pool1 = Pool::new(1).unwrap();
    let pool2 = Pool::new(2).unwrap();
    let mut shapes: Vec<(usize, usize, usize)> = [32, 64, 96, 128, 144, 160, 192, 256, 384, 512]
        .iter()
        .map(|&s| (s, s, s))
        .collect();
    // The smallest splittable row count (two parts of MIN_PART_ROWS) with growing k: where
    // the break-even lies.
    for k in [4, 8, 16, 32, 64, 128] {
        shapes.push((2 * gemm::MIN_PART_ROWS, 64, k));
    }
    for m in [32, 256, 1024] {
        for nk in [512, 1024] {
            shapes.push((m, nk, nk));
        }
    }
    let mut products: Vec<Product> = shapes
        .iter()
        .map(|&(m, n, k)| Product::new(m, n, k))
        .collect();
    let mut t1 = vec![Vec::new(); products.len()];
    let mut t2 = vec![Vec::new(); products.len()];
    for _ in 0..rounds {
        for (i, p) in products.iter_mut().enumerate() {
            t1[i].push(p.time(&pool1, 1, k));
            t2[i].push(p.time(&pool2, 2, k));
        }
    }
    println!(
        "\nthreshold sweep: forced 2-part split vs 1 thread, median of {rounds} rounds \
         (PART_FLOPS = {:.1} MFLOP)",
        gemm::PART_FLOPS as f64 / 1e6
    );
    println!(
        "{:>16} {:>9} {:>11} {:>11} {:>7} {:>10} {:>8}",
        "m x n x k", "MFLOP", "1 thr (us)", "2 thr (us)", "t1/t2", "splittable", "policy"
    );
    for (i, p) in products.iter().enumerate() {
        let (a, b) = (median(t1[i].clone()), median(t2[i].clone()));
        let s = p.spec;
        println!(
            "{:>16} {:>9.2} {:>11.1} {:>11.1} {:>7.2} {:>10} {:>8}",
            format!("{}x{}x{}", s.m, s.n, s.k),
            p.flops() / 1e6,
            a * 1e6,
            b * 1e6,
            a / b,
            if gemm::max_parts(&s) >= 2 {
                "yes"
            } else {
                "no"
            },
            format!("{} part", gemm::parts(&s, 2)),
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rounds = args.iter().find_map(|a| a.parse().ok()).unwrap_or(7usize);
    let only = |name: &str| {
        !args.iter().any(|a| a == "sweep" || a == "scaling") || args.iter().any(|a| a == name)
    };
    let k = nd_kernels::active();
    println!(
        "parallel sgemm bench: ISA {:?}, {} cores available, load average {} at start",
        k.isa,
        neuro_divergent::sched::available_cores(),
        load()
    );
    if only("scaling") {
        scaling(k, rounds);
    }
    if only("sweep") {
        sweep(k, rounds);
    }
    println!("\nload average {} at end", load());
}
