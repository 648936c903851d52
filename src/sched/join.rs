//! `join(a, b)`: runs two closures, potentially in parallel, and returns both results.

use std::panic::{self, AssertUnwindSafe};

use nd_kernels::sched::StackJob;

use super::pool::Pool;
use super::worker::{context, Context, Worker};

impl Pool {
    /// Runs `a` and `b`, `b` possibly on another thread, and returns both results.
    ///
    /// `a` runs on the calling thread; `b` is queued for a thief and taken back if nobody took
    /// it. If either panics, the panic is resumed here after both have stopped (`b` is not
    /// started at all if `a` panicked before anyone stole it); `a`'s panic wins.
    pub fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        self.enter(|worker| match worker {
            Some(w) => join_on(w, a, b),
            None => join_sequential(a, b),
        })
    }
}

/// [`Pool::join`] on the pool the current thread works for (sequential inside a sequential
/// region), else on the global pool.
pub fn join<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    match context() {
        Some(Context::Worker(w)) => join_on(&w, a, b),
        Some(Context::Sequential) => join_sequential(a, b),
        None => super::global().join(a, b),
    }
}

/// Both closures on this thread, `b` skipped if `a` panics (as when nobody stole it).
pub(super) fn join_sequential<A, B, RA, RB>(a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA,
    B: FnOnce() -> RB,
{
    let ra = a();
    (ra, b())
}

/// `join` on worker `w`: queue `b`, run `a`, then take `b` back or help until its thief is done.
pub(super) fn join_on<A, B, RA, RB>(w: &Worker, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    let job_b = StackJob::new(b);
    let ra = job_b.share(
        |job_ref| {
            let id = job_ref.id();
            w.push(job_ref);
            let ra = panic::catch_unwind(AssertUnwindSafe(a));
            // Everything `a` queued has been consumed by the time it returns, so our job is
            // at the back unless a thief has it.
            if let Some(job) = w.take_back(id) {
                if ra.is_ok() {
                    job.run();
                } else {
                    drop(job); // cancelled: not started
                }
            }
            ra
        },
        |done| w.wait_until(done),
    );
    let rb = job_b.into_result();
    match (ra, rb) {
        (Err(p), _) => panic::resume_unwind(p),
        (Ok(_), Some(Err(p))) => panic::resume_unwind(p),
        (Ok(ra), Some(Ok(rb))) => (ra, rb),
        (Ok(_), None) => unreachable!("join: b is only cancelled after a panicked"),
    }
}
