//! The work-stealing scheduler: a pool of worker threads spawned once, with a scope whose tasks
//! borrow from the caller's stack, `join`, and `parallel_for` over index ranges.
//!
//! Threads are expensive to start (~56 µs here) and to wake from sleep (~45 µs), and cheap to
//! reach while spinning (~0.1 µs). So a [`Pool`] spawns its workers once; each worker owns a
//! deque of jobs (on its own 128-byte block), takes its newest job first and steals the oldest
//! job of another worker when it runs dry; an idle worker spins for ~100 µs, then parks until
//! a job is queued. The thread that starts a region works in it too, so a pool of `n` threads
//! spawns `n - 1`, and a pool of one spawns none.
//!
//! A panic in a task is caught, every other task of the region stops (tasks not started are
//! dropped unrun, started ones finish), and then the panic is resumed in the caller. Waiting is
//! never idle: a thread waiting for a stolen job runs other jobs meanwhile, so nested joins and
//! regions started from inside tasks cannot deadlock.
//!
//! The free functions ([`join`], [`scope`], [`parallel_for`], [`for_each_mut`]) use the pool
//! the current thread works for (inside a task, or inside [`Pool::install`]), else the global
//! pool, built on first use with
//! [`configured_threads`] threads: [`set_threads`] if called, else `NEURO_DIVERGENT_THREADS`,
//! else the available cores.
//!
//! ```
//! use neuro_divergent::sched::{join, parallel_for_chunks, Pool};
//! fn sum(v: &[u64]) -> u64 {
//!     if v.len() <= 1024 {
//!         return v.iter().sum();
//!     }
//!     let (lo, hi) = v.split_at(v.len() / 2);
//!     let (a, b) = join(|| sum(lo), || sum(hi));
//!     a + b
//! }
//! let v: Vec<u64> = (0..100_000).collect();
//! let pool = Pool::new(2).unwrap();
//! assert_eq!(pool.join(|| sum(&v), || 1).0, 4_999_950_000);
//!
//! let out: Vec<std::sync::atomic::AtomicU64> = (0..64).map(|_| Default::default()).collect();
//! pool.parallel_for_chunks(0..64, 8, |chunk| {
//!     for i in chunk {
//!         out[i].store(i as u64 * 2, std::sync::atomic::Ordering::Relaxed);
//!     }
//! });
//! assert_eq!(out[63].load(std::sync::atomic::Ordering::Relaxed), 126);
//! ```

mod config;
mod deque;
mod join;
mod padded;
mod parallel_for;
mod pool;
mod scope;
mod worker;

use std::sync::OnceLock;

use crate::error::{Error, Result};

pub use config::{available_cores, configured_threads, parse_threads, MAX_THREADS, THREADS_ENV};
pub use join::join;
pub use parallel_for::{for_each_mut, parallel_for, parallel_for_chunks};
pub use pool::Pool;
pub use scope::{scope, Scope};

static GLOBAL: OnceLock<Pool> = OnceLock::new();

/// Sets the thread count of the global pool. Takes precedence over `NEURO_DIVERGENT_THREADS`.
/// Must come before the first parallel call (which builds the pool); afterwards it is an error
/// unless it asks for the count the pool already has.
pub fn set_threads(threads: usize) -> Result<()> {
    config::request(threads)?;
    match GLOBAL.get() {
        Some(pool) if pool.threads() != threads => Err(Error::config(
            "threads",
            format!(
                "the global pool already runs {} threads; set the count before the first \
                 parallel call, or build a Pool of {threads}",
                pool.threads()
            ),
        )),
        _ => Ok(()),
    }
}

/// The global pool, built on first use with [`configured_threads`]. Returns an error if
/// `NEURO_DIVERGENT_THREADS` is invalid or a worker cannot be spawned; a program should call
/// this once at start so such errors are reported.
pub fn init_global() -> Result<&'static Pool> {
    if let Some(pool) = GLOBAL.get() {
        return Ok(pool);
    }
    let pool = Pool::new(configured_threads()?)?;
    // Another thread may have won the race; its pool is as good, ours is dropped (joined).
    Ok(GLOBAL.get_or_init(|| pool))
}

/// The global pool. If it cannot be built as configured (see [`init_global`]), a one-thread
/// pool stands in, so library calls never fail for want of threads.
pub fn global() -> &'static Pool {
    match init_global() {
        Ok(pool) => pool,
        Err(_) => GLOBAL.get_or_init(|| Pool::new(1).expect("a one-thread pool spawns nothing")),
    }
}

/// Whether the current thread runs inside a parallel region (in a task, or waiting for one).
/// Code that could split its work further (a large GEMM) checks this, so that work already
/// spread over the pool's threads is not split again.
pub fn in_region() -> bool {
    worker::context().is_some()
}

/// Runs `f` inside a region of the pool the current thread works for, entering the global
/// pool from outside every region: the parallel calls `f` makes then share one region entry.
pub fn in_pool<R>(f: impl FnOnce() -> R) -> R {
    match worker::context() {
        Some(_) => f(),
        None => global().install(f),
    }
}

/// How many parallel regions the current thread has entered from outside every region (any
/// pool, one-thread pools included; nested regions are not counted). A diagnostic that lets a
/// test show that a call never touches the pool, as a small model's single-window prediction
/// must not.
pub fn regions_entered_here() -> u64 {
    worker::regions_entered_here()
}

/// The thread count of the pool the current thread works for (1 inside a sequential region),
/// else of the global pool.
pub fn current_threads() -> usize {
    match worker::context() {
        Some(worker::Context::Worker(w)) => w.registry.slots.len(),
        Some(worker::Context::Sequential) => 1,
        None => global().threads(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_counted_once_per_outermost_entry() {
        let pool = Pool::new(2).unwrap();
        let before = regions_entered_here();
        assert!(!in_region());
        pool.join(
            || {
                assert!(in_region());
                // Nested: not counted again.
                join(|| (), || ());
            },
            || (),
        );
        pool.parallel_for(0..0, 1, |_| ()); // empty: enters nothing
        pool.parallel_for(0..4, 1, |_| ());
        assert_eq!(regions_entered_here() - before, 2);
        let seq = Pool::new(1).unwrap();
        seq.join(|| assert!(in_region()), || ());
        assert_eq!(regions_entered_here() - before, 3);
        assert!(!in_region());
    }

    #[test]
    fn install_makes_the_free_functions_use_that_pool() {
        let pool = Pool::new(3).unwrap();
        pool.install(|| {
            assert_eq!(current_threads(), 3);
            assert!(in_region());
        });
        let one = Pool::new(1).unwrap();
        one.install(|| assert_eq!(current_threads(), 1));
    }

    #[test]
    fn for_each_mut_visits_every_item_once_with_its_index() {
        for threads in [1, 2, 4] {
            let pool = Pool::new(threads).unwrap();
            for n in [0usize, 1, 2, 7, 64] {
                let mut items = vec![0usize; n];
                pool.install(|| for_each_mut(&mut items, |i, x| *x += i + 1));
                assert_eq!(
                    items,
                    (1..=n).collect::<Vec<_>>(),
                    "{threads} threads, {n} items"
                );
            }
        }
        // Outside every region: one item runs inline without touching the pool.
        let before = regions_entered_here();
        let mut one = [5];
        for_each_mut(&mut one, |_, x| *x *= 2);
        assert_eq!((one[0], regions_entered_here()), (10, before));
    }
}
