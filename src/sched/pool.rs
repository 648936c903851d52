//! `Pool`: worker threads spawned once, and the way a thread enters one.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::error::{Error, ErrorKind, Result};

use super::config::check_threads;
use super::worker::{
    context, current, note_region_entered, set_context, worker_main, Context, Registry, Worker,
};

/// A set of worker threads, spawned when the pool is built and joined when it is dropped.
/// `new` returns once every worker has started.
///
/// A pool of `threads` threads spawns `threads - 1`: the thread that starts a parallel region
/// (`join`, `scope`, `parallel_for`) works as the last one while it waits. A pool of one thread
/// spawns nothing and runs everything on the caller. If a second outside thread starts a
/// region while one is running, it runs its region on its own thread, sequentially (correct,
/// never blocked, just not parallel).
///
/// ```
/// use neuro_divergent::sched::Pool;
/// let pool = Pool::new(2).unwrap();
/// let mut squares = vec![0u64; 100];
/// pool.scope(|s| {
///     for (i, chunk) in squares.chunks_mut(25).enumerate() {
///         s.spawn(move |_| {
///             for (j, x) in chunk.iter_mut().enumerate() {
///                 let v = (i * 25 + j) as u64;
///                 *x = v * v;
///             }
///         });
///     }
/// });
/// assert_eq!(squares[99], 99 * 99);
/// ```
pub struct Pool {
    pub(super) registry: Arc<Registry>,
    /// Slot 0's worker, made once so that entering a region allocates nothing.
    master: Arc<Worker>,
    handles: Vec<JoinHandle<()>>,
}

impl Pool {
    /// A pool of `threads` threads (1 to [`super::MAX_THREADS`]). Errors name the parameter
    /// `threads`, or say why the operating system refused a thread.
    pub fn new(threads: usize) -> Result<Pool> {
        check_threads("threads", threads)?;
        let registry = Arc::new(Registry::new(threads));
        let mut pool = Pool {
            registry: Arc::clone(&registry),
            master: Arc::new(Worker::new(Arc::clone(&registry), 0)),
            handles: Vec::with_capacity(threads - 1),
        };
        // Slot 0 belongs to the thread that enters the pool; workers take 1..threads.
        for index in 1..threads {
            let registry = Arc::clone(&registry);
            let spawned = thread::Builder::new()
                .name(format!("nd-worker-{index}"))
                .spawn(move || worker_main(registry, index));
            match spawned {
                Ok(handle) => pool.handles.push(handle),
                // Dropping `pool` stops and joins the workers spawned so far.
                Err(e) => {
                    return Err(Error::bare(
                        ErrorKind::Io,
                        format!("could not spawn worker thread {index} of {threads}: {e}"),
                    ))
                }
            }
        }
        // Wait for the workers' start-up (tens of µs each), so the first region does not pay
        // for it and nothing a starting worker allocates lands inside a later region.
        while registry.started.load(Ordering::Acquire) < threads - 1 {
            thread::yield_now();
        }
        Ok(pool)
    }

    /// The number of threads working in a region (spawned workers plus the caller).
    pub fn threads(&self) -> usize {
        self.registry.slots.len()
    }

    /// Runs `f` inside a region of this pool: the free functions ([`super::join`],
    /// [`super::scope`], [`super::parallel_for`], [`super::for_each_mut`]) called from `f` use
    /// this pool instead of the global one, and [`super::current_threads`] reports its size.
    pub fn install<R>(&self, f: impl FnOnce() -> R) -> R {
        self.enter(|_| f())
    }

    /// Runs `f` with the worker the current thread is in this pool: the one it already is
    /// (inside a task), else slot 0 if free; `None` means "run sequentially" (a one-thread pool,
    /// or slot 0 taken by another outside thread).
    pub(super) fn enter<R>(&self, f: impl FnOnce(Option<&Worker>) -> R) -> R {
        if context().is_none() {
            note_region_entered();
        }
        if self.threads() == 1 {
            return run_sequential(f);
        }
        if let Some(worker) = current() {
            if Arc::ptr_eq(&worker.registry, &self.registry) {
                return f(Some(&worker));
            }
        }
        if self
            .registry
            .entered
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return run_sequential(f);
        }
        self.registry.occupy(0, thread::current());
        let _leave = Leave(&self.registry);
        let _current = set_context(Context::Worker(Arc::clone(&self.master)));
        f(Some(&self.master))
    }
}

/// Runs `f` sequentially, with nested regions sequential too.
fn run_sequential<R>(f: impl FnOnce(Option<&Worker>) -> R) -> R {
    let _current = set_context(Context::Sequential);
    f(None)
}

/// Frees slot 0 when the entered thread leaves its region (its deque is empty by then: every
/// region waits for the jobs it queued).
struct Leave<'a>(&'a Registry);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.entered.store(false, Ordering::Release);
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.registry.terminate.store(true, Ordering::SeqCst);
        self.registry.wake_all();
        for handle in self.handles.drain(..) {
            // A worker never panics (jobs' panics are caught), so join only fails on a bug.
            let _ = handle.join();
        }
    }
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("threads", &self.threads())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_thread_spawns_nothing() {
        let pool = Pool::new(1).unwrap();
        assert_eq!(pool.threads(), 1);
        assert!(pool.handles.is_empty());
        pool.enter(|w| assert!(w.is_none()));
    }

    #[test]
    fn zero_threads_is_a_config_error() {
        let e = Pool::new(0).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Config);
        assert!(e.message.contains("'threads'"));
    }

    #[test]
    fn a_second_outside_thread_runs_sequentially() {
        let pool = Pool::new(2).unwrap();
        pool.enter(|w| {
            assert!(w.is_some());
            // Re-entering from the same thread reuses the worker.
            pool.enter(|again| assert!(again.is_some()));
            thread::scope(|s| {
                s.spawn(|| pool.enter(|other| assert!(other.is_none())));
            });
        });
        // Slot 0 is free again.
        thread::scope(|s| {
            s.spawn(|| pool.enter(|w| assert!(w.is_some())));
        });
    }

    #[test]
    fn dropping_the_pool_joins_its_workers() {
        for threads in [2, 4] {
            let pool = Pool::new(threads).unwrap();
            assert_eq!(pool.handles.len(), threads - 1);
            drop(pool);
        }
    }
}
