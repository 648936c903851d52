//! Stress tests of the scheduler: thousands of regions at 1, 2, 4 and 8 threads (8 is
//! oversubscribed on a 2-core machine), nested joins, regions started inside tasks, empty
//! ranges, random grains, panicking tasks; every result is compared with the sequential run.

use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use neuro_divergent::sched::{self, Pool};
use proptest::prelude::*;

const THREADS: [usize; 4] = [1, 2, 4, 8];

/// A value per index that no off-by-one or repeated call produces by accident.
fn mix(i: usize) -> u64 {
    let mut x = i as u64 ^ 0x9E37_79B9_7F4A_7C15;
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^ (x >> 31)
}

/// Small deterministic generator for region shapes.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

fn zeros(n: usize) -> Vec<AtomicU64> {
    (0..n).map(|_| AtomicU64::new(0)).collect()
}

/// `parallel_for` over random ranges and grains writes each index exactly once, and exactly
/// the sequential values.
#[test]
fn thousands_of_parallel_for_regions_match_the_sequential_run() {
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        let mut rng = Lcg(threads as u64);
        let out = zeros(300);
        for region in 0..2000 {
            let start = rng.below(50);
            let len = rng.below(250);
            let grain = 1 + rng.below(40);
            pool.parallel_for(start..start + len, grain, |i| {
                // fetch_add: a repeated index would show as a wrong value.
                out[i].fetch_add(mix(i), Ordering::Relaxed);
            });
            for (i, slot) in out.iter().enumerate() {
                let want = if (start..start + len).contains(&i) {
                    mix(i)
                } else {
                    0
                };
                assert_eq!(
                    slot.swap(0, Ordering::Relaxed),
                    want,
                    "threads {threads}, region {region}, index {i}, grain {grain}"
                );
            }
        }
    }
}

fn fib_seq(n: u32) -> u64 {
    if n < 2 {
        n as u64
    } else {
        fib_seq(n - 1) + fib_seq(n - 2)
    }
}

/// Joins nested ~20 deep: every level queues a job, thieves steal from the middle of others'
/// recursions.
fn fib_join(n: u32) -> u64 {
    if n < 2 {
        return n as u64;
    }
    let (a, b) = sched::join(|| fib_join(n - 1), || fib_join(n - 2));
    a + b
}

#[test]
fn nested_joins_match_the_sequential_run() {
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        for n in [0, 1, 2, 10, 18] {
            let (got, one) = pool.join(|| fib_join(n), || 1);
            assert_eq!((got, one), (fib_seq(n), 1), "threads {threads}, n {n}");
        }
        // Many small join regions back to back.
        for k in 0..3000u64 {
            let (a, b) = pool.join(|| k * 3, || k + 7);
            assert_eq!((a, b), (k * 3, k + 7));
        }
    }
}

/// Regions started from inside tasks: a scope inside a parallel_for task, a join inside a
/// scope task, a parallel_for inside a join; and a region of another pool inside a task.
#[test]
fn regions_inside_tasks_do_not_deadlock() {
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        let other = Pool::new(2).unwrap();
        let total = AtomicU64::new(0);
        for _ in 0..50 {
            pool.parallel_for(0..16, 1, |i| {
                sched::scope(|s| {
                    for j in 0..4usize {
                        let total = &total;
                        s.spawn(move |_| {
                            let (a, b) = sched::join(|| mix(i * 4 + j), || 0);
                            total.fetch_add(a + b, Ordering::Relaxed);
                        });
                    }
                });
                let inner = zeros(8);
                sched::parallel_for(0..8, 3, |k| inner[k].store(mix(k), Ordering::Relaxed));
                assert!(inner
                    .iter()
                    .enumerate()
                    .all(|(k, v)| v.load(Ordering::Relaxed) == mix(k)));
                other.parallel_for(0..4, 1, |k| {
                    total.fetch_add(mix(1000 + k), Ordering::Relaxed);
                });
            });
        }
        let want: u64 = (0..64).map(mix).fold(0u64, u64::wrapping_add);
        let want_other: u64 = (1000..1004).map(mix).fold(0u64, u64::wrapping_add);
        let per_round = want.wrapping_add(want_other.wrapping_mul(16));
        assert_eq!(
            total.load(Ordering::Relaxed),
            per_round.wrapping_mul(50),
            "threads {threads}"
        );
    }
}

/// A scope whose tasks spawn tasks (a binary tree of 2^10 - 1 tasks), borrowing stack data.
#[test]
fn scope_tasks_spawning_tasks_all_finish_before_scope_returns() {
    fn grow<'scope>(s: sched::Scope<'scope, '_>, depth: u32, count: &'scope AtomicUsize) {
        count.fetch_add(1, Ordering::Relaxed);
        if depth > 1 {
            s.spawn(move |s| grow(s, depth - 1, count));
            s.spawn(move |s| grow(s, depth - 1, count));
        }
    }
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        for _ in 0..100 {
            let count = AtomicUsize::new(0);
            let mut written = [0u32; 4];
            pool.scope(|s| {
                for (i, w) in written.iter_mut().enumerate() {
                    s.spawn(move |_| *w = i as u32 + 1);
                }
                grow(s, 10, &count);
            });
            assert_eq!(count.load(Ordering::Relaxed), 1023, "threads {threads}");
            assert_eq!(written, [1, 2, 3, 4]);
        }
    }
}

#[test]
fn empty_ranges_call_nothing() {
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        let calls = AtomicUsize::new(0);
        for range in [0..0, 7..7, usize::MAX..usize::MAX] {
            for grain in [0, 1, 100] {
                pool.parallel_for(range.clone(), grain, |_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                });
                pool.parallel_for_chunks(range.clone(), grain, |_| {
                    calls.fetch_add(1, Ordering::Relaxed);
                });
            }
        }
        #[allow(clippy::reversed_empty_ranges)]
        pool.parallel_for(9..3, 1, |_| {
            calls.fetch_add(1, Ordering::Relaxed);
        });
        pool.scope(|_| {});
        assert_eq!(calls.load(Ordering::Relaxed), 0);
    }
}

/// Tracks tasks in flight: the caller must see none running, and none may start later.
struct InFlight {
    running: AtomicUsize,
    started: AtomicUsize,
}

impl InFlight {
    fn new() -> InFlight {
        InFlight {
            running: AtomicUsize::new(0),
            started: AtomicUsize::new(0),
        }
    }
    fn task(&self, body: impl FnOnce()) {
        self.started.fetch_add(1, Ordering::SeqCst);
        self.running.fetch_add(1, Ordering::SeqCst);
        struct Done<'a>(&'a AtomicUsize);
        impl Drop for Done<'_> {
            fn drop(&mut self) {
                self.0.fetch_sub(1, Ordering::SeqCst);
            }
        }
        let _done = Done(&self.running);
        // Long enough that other tasks are mid-flight when the panic happens.
        for _ in 0..200 {
            std::hint::black_box(());
        }
        body();
    }
    /// Checks, after the region returned, that nothing runs and nothing starts any more.
    fn assert_stopped(&self, what: &str) {
        assert_eq!(
            self.running.load(Ordering::SeqCst),
            0,
            "{what}: a task still runs"
        );
        let started = self.started.load(Ordering::SeqCst);
        thread::sleep(Duration::from_millis(2));
        assert_eq!(
            self.started.load(Ordering::SeqCst),
            started,
            "{what}: a task started after the panic reached the caller"
        );
    }
}

fn panic_message(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

#[test]
fn a_panicking_task_reaches_the_caller_after_every_task_stopped() {
    // The default hook would print every expected panic.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    for threads in THREADS {
        let pool = Pool::new(threads).unwrap();
        for round in 0..100usize {
            let bad = round % 97;
            let flight = InFlight::new();
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.parallel_for(0..97, 1 + round % 5, |i| {
                    flight.task(|| assert!(i != bad, "task {i} failed"));
                })
            }));
            let p = caught.expect_err("the panic must reach the caller");
            assert_eq!(panic_message(&p), format!("task {bad} failed"));
            flight.assert_stopped("parallel_for");

            let flight = InFlight::new();
            let caught = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.scope(|s| {
                    for i in 0..20usize {
                        let flight = &flight;
                        s.spawn(move |_| flight.task(|| assert!(i != round % 20, "spawned {i}")));
                    }
                })
            }));
            let p = caught.expect_err("the panic must reach the caller");
            assert_eq!(panic_message(&p), format!("spawned {}", round % 20));
            flight.assert_stopped("scope");

            // join: either side panicking; the other side's result is lost, the pool works on.
            let a = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.join(|| panic!("left"), thread::yield_now)
            }));
            assert_eq!(panic_message(&a.unwrap_err()), "left");
            let b = panic::catch_unwind(AssertUnwindSafe(|| {
                pool.join(|| 1, || -> u32 { panic!("right") })
            }));
            assert_eq!(panic_message(&b.unwrap_err()), "right");
        }
        // The pool still works after all those panics.
        assert_eq!(pool.join(|| fib_join(12), || 2), (fib_seq(12), 2));
    }
    panic::set_hook(hook);
}

/// Two outside threads using one pool at once: one gets the workers, the other runs its region
/// sequentially; both get the right answers.
#[test]
fn concurrent_callers_share_a_pool_correctly() {
    let pool = Pool::new(2).unwrap();
    thread::scope(|s| {
        for t in 0..3u64 {
            let pool = &pool;
            s.spawn(move || {
                for k in 0..300u64 {
                    let out = zeros(64);
                    pool.parallel_for(0..64, 4, |i| {
                        out[i].store(mix(i) ^ t ^ k, Ordering::Relaxed);
                    });
                    assert!(out
                        .iter()
                        .enumerate()
                        .all(|(i, v)| v.load(Ordering::Relaxed) == mix(i) ^ t ^ k));
                }
            });
        }
    });
}

/// Chunks depend on range and grain only: a per-chunk reduction is the same at every thread
/// count (what deterministic training will rely on).
#[test]
fn chunk_boundaries_do_not_depend_on_the_thread_count() {
    let chunks_at = |threads: usize| {
        let pool = Pool::new(threads).unwrap();
        let seen = std::sync::Mutex::new(Vec::new());
        pool.parallel_for_chunks(3..103, 7, |c| seen.lock().unwrap().push(c));
        let mut v = seen.into_inner().unwrap();
        v.sort_by_key(|c| c.start);
        v
    };
    let one = chunks_at(1);
    assert_eq!(one.len(), 15);
    assert_eq!(one[0], 3..10);
    assert_eq!(one[14], 101..103);
    for threads in [2, 4, 8] {
        assert_eq!(chunks_at(threads), one, "threads {threads}");
    }
}

/// The workers spin, then park: after a quiet spell a region still completes (wake-up path).
#[test]
fn parked_workers_wake_up_for_new_work() {
    let pool = Pool::new(4).unwrap();
    for _ in 0..5 {
        thread::sleep(Duration::from_millis(3));
        let hits = zeros(4);
        let seen_other_thread = AtomicBool::new(false);
        let me = thread::current().id();
        pool.parallel_for(0..4, 1, |i| {
            hits[i].store(1, Ordering::Relaxed);
            if thread::current().id() != me {
                seen_other_thread.store(true, Ordering::Relaxed);
            }
            thread::sleep(Duration::from_millis(1));
        });
        assert!(hits.iter().all(|h| h.load(Ordering::Relaxed) == 1));
        let _ = seen_other_thread.load(Ordering::Relaxed);
    }
}

/// The global pool and the free functions; NEURO_DIVERGENT_THREADS is not set in the test
/// environment unless the caller sets it, so only consistency is checked.
#[test]
fn free_functions_use_the_global_pool() {
    let threads = sched::current_threads();
    assert!(threads >= 1);
    assert_eq!(sched::global().threads(), threads);
    // Asking for the count it already has is fine; another count is refused once built.
    assert!(sched::set_threads(threads).is_ok());
    let e = sched::set_threads(threads + 1).unwrap_err();
    assert!(e.message.contains("'threads'"), "{}", e.message);
    assert!(sched::set_threads(0).is_err());
    let (a, b) = sched::join(|| fib_join(15), || 5);
    assert_eq!((a, b), (fib_seq(15), 5));
    let sum = AtomicU64::new(0);
    sched::parallel_for(0..1000, 16, |i| {
        sum.fetch_add(i as u64, Ordering::Relaxed);
    });
    assert_eq!(sum.load(Ordering::Relaxed), 499_500);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Random ranges, grains and thread counts: a tree reduction over chunks equals the
    /// sequential sum, and every index is visited once.
    #[test]
    fn random_grains_match_sequential(
        threads in 1usize..=8,
        start in 0usize..100,
        len in 0usize..3000,
        grain in 0usize..300,
    ) {
        let pool = Pool::new(threads).unwrap();
        let visits = zeros(start + len);
        let total = AtomicU64::new(0);
        pool.parallel_for_chunks(start..start + len, grain, |chunk| {
            assert!(!chunk.is_empty() && chunk.len() <= grain.max(1));
            let mut s = 0u64;
            for i in chunk {
                visits[i].fetch_add(1, Ordering::Relaxed);
                s = s.wrapping_add(mix(i));
            }
            total.fetch_add(s, Ordering::Relaxed);
        });
        let want = (start..start + len).map(mix).fold(0u64, u64::wrapping_add);
        prop_assert_eq!(total.load(Ordering::Relaxed), want);
        for (i, v) in visits.iter().enumerate() {
            prop_assert_eq!(v.load(Ordering::Relaxed), u64::from(i >= start), "index {}", i);
        }
    }
}

/// A one-thread pool runs everything on the caller, nested free-function regions included
/// (they must not escape to the global pool's threads).
#[test]
fn one_thread_pool_keeps_nested_regions_on_the_caller() {
    let pool = Pool::new(1).unwrap();
    let me = thread::current().id();
    let elsewhere = AtomicUsize::new(0);
    let check = || {
        if thread::current().id() != me {
            elsewhere.fetch_add(1, Ordering::Relaxed);
        }
    };
    pool.parallel_for(0..64, 1, |_| {
        assert_eq!(sched::current_threads(), 1);
        sched::join(check, check);
        sched::parallel_for(0..8, 1, |_| check());
        sched::scope(|s| {
            s.spawn(|_| check());
        });
    });
    assert_eq!(elsewhere.load(Ordering::Relaxed), 0);
}
