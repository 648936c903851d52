//! Scheduler overheads (issue 8): empty parallel regions, join latency, per-task cost of
//! `parallel_for`, and the wake-up after workers parked, with thread spawning as the peer.
//!
//! Criterion reports means; the target is a median, and the interesting figures are
//! around a microsecond, so this harness times every region on its own with `Instant` (about
//! 20 ns of the figure is the clock itself), keeps the median and the 90th percentile, and
//! repeats the whole set in interleaved rounds so a noisy neighbour shows as spread between
//! rounds rather than as a shifted figure.
//!
//! Run: `cargo bench --bench sched` (optionally `-- ROUNDS`, default 5).

use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use neuro_divergent::sched::Pool;

/// Times `n` single calls of `f`, returns (median, p90) in nanoseconds.
fn sample(n: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..n / 10 {
        f();
    }
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_nanos() as f64
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    (t[n / 2], t[n * 9 / 10])
}

/// Times `reps` calls of `f` together (for work per call far above the clock's cost), returns
/// the median over `n` such batches, per call, in nanoseconds.
fn sample_batched(n: usize, reps: usize, mut f: impl FnMut()) -> f64 {
    let mut t: Vec<f64> = (0..n)
        .map(|_| {
            let s = Instant::now();
            for _ in 0..reps {
                f();
            }
            s.elapsed().as_nanos() as f64 / reps as f64
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    t[n / 2]
}

struct Row {
    name: &'static str,
    rounds: Vec<(f64, f64)>,
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let pool1 = Pool::new(1).unwrap();
    let pool2 = Pool::new(2).unwrap();
    let pool4 = Pool::new(4).unwrap();
    let names = [
        "clock alone (Instant::now + elapsed)",
        "empty region, 2 threads: parallel_for(0..2, grain 1)",
        "empty region, 2 threads, both must run a task",
        "empty region, 4 threads: parallel_for(0..4, grain 1)",
        "join(noop, noop), 2 threads (b taken back)",
        "join(noop, noop), 1 thread (sequential)",
        "parallel_for per task, 2 threads, 4096 tasks",
        "parallel_for per task, 1 thread, 4096 tasks",
        "empty region after 1 ms idle (workers parked), 2 thr",
        "peer: std::thread::scope spawning 1 thread",
    ];
    let mut rows: Vec<Row> = names
        .iter()
        .map(|&name| Row {
            name,
            rounds: Vec::new(),
        })
        .collect();

    for _ in 0..rounds {
        let mut k = 0;
        let mut push = |m: (f64, f64)| {
            rows[k].rounds.push(m);
            k += 1;
        };
        push(sample(20_000, || {}));
        push(sample(20_000, || {
            pool2.parallel_for(0..2, 1, |i| {
                black_box(i);
            })
        }));
        // The first task waits until the second started: that one must have been stolen, so
        // this is the full cross-thread path (queue, steal by a spinning worker, completion
        // signal back), not the owner taking its own job back.
        push(sample(20_000, || {
            let started = AtomicBool::new(false);
            pool2.join(
                || {
                    while !started.load(Ordering::Acquire) {
                        std::hint::spin_loop();
                    }
                },
                || started.store(true, Ordering::Release),
            );
        }));
        push(sample(20_000, || {
            pool4.parallel_for(0..4, 1, |i| {
                black_box(i);
            })
        }));
        push(sample(20_000, || {
            pool2.join(|| black_box(1), || black_box(2));
        }));
        push(sample(20_000, || {
            pool1.join(|| black_box(1), || black_box(2));
        }));
        let per_task2 = sample_batched(101, 1, || {
            pool2.parallel_for(0..4096, 1, |i| {
                black_box(i);
            })
        }) / 4096.0;
        push((per_task2, per_task2));
        let per_task1 = sample_batched(101, 1, || {
            pool1.parallel_for(0..4096, 1, |i| {
                black_box(i);
            })
        }) / 4096.0;
        push((per_task1, per_task1));
        let mut after_idle: Vec<f64> = (0..200)
            .map(|_| {
                std::thread::sleep(Duration::from_millis(1));
                let s = Instant::now();
                pool2.parallel_for(0..2, 1, |i| {
                    black_box(i);
                });
                s.elapsed().as_nanos() as f64
            })
            .collect();
        after_idle.sort_by(|a, b| a.total_cmp(b));
        push((after_idle[100], after_idle[180]));
        push(sample(2_000, || {
            std::thread::scope(|s| {
                s.spawn(|| black_box(1));
            });
        }));
    }

    println!(
        "neuro-divergent sched bench: {} rounds, {} cores available; ns per operation, \
         median (p90) per round",
        rounds,
        neuro_divergent::sched::available_cores()
    );
    for row in &rows {
        let cells: Vec<String> = row
            .rounds
            .iter()
            .map(|(m, p)| {
                if (m - p).abs() < f64::EPSILON {
                    format!("{m:.1}")
                } else {
                    format!("{m:.0} ({p:.0})")
                }
            })
            .collect();
        let mut medians: Vec<f64> = row.rounds.iter().map(|r| r.0).collect();
        medians.sort_by(|a, b| a.total_cmp(b));
        println!(
            "{:<56} median of rounds {:>9.1} | {}",
            row.name,
            medians[medians.len() / 2],
            cells.join("  ")
        );
    }
}
