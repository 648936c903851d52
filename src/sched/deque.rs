//! `Deque`: one worker's queue of jobs; the owner works at the back, thieves take the front.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use nd_kernels::sched::JobRef;

/// A lock-based work-stealing deque. An uncontended `Mutex` costs about as much as the atomic
/// operations of a lock-free Chase-Lev deque, needs no unsafe code, and the pool's jobs are
/// coarse (a grain of work each). The owner pushes and pops at the back (newest first: its
/// caches are warm and nested joins unwind in order); thieves steal the oldest job, which is
/// the biggest piece of a recursively split range.
pub(super) struct Deque {
    jobs: Mutex<VecDeque<JobRef>>,
    /// The length, readable without the lock, so idle thieves skip empty deques cheaply. Only
    /// a hint for other threads; exact for the owner (only it pushes).
    len: AtomicUsize,
}

impl Deque {
    pub(super) fn new() -> Deque {
        Deque {
            jobs: Mutex::new(VecDeque::with_capacity(64)),
            len: AtomicUsize::new(0),
        }
    }

    /// The lock; a panic never happens while it is held, but poison is ignored regardless.
    fn lock(&self) -> MutexGuard<'_, VecDeque<JobRef>> {
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Owner only: adds a job at the back.
    pub(super) fn push(&self, job: JobRef) {
        let mut jobs = self.lock();
        jobs.push_back(job);
        self.len.store(jobs.len(), Ordering::Relaxed);
    }

    /// Owner only: the newest job.
    pub(super) fn pop(&self) -> Option<JobRef> {
        if self.len.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut jobs = self.lock();
        let job = jobs.pop_back();
        self.len.store(jobs.len(), Ordering::Relaxed);
        job
    }

    /// Owner only: the newest job if it is the one with this id (the owner taking back the job
    /// it queued, when nobody stole it).
    pub(super) fn take_back(&self, id: usize) -> Option<JobRef> {
        let mut jobs = self.lock();
        if jobs.back().is_some_and(|j| j.id() == id) {
            let job = jobs.pop_back();
            self.len.store(jobs.len(), Ordering::Relaxed);
            job
        } else {
            None
        }
    }

    /// Any thread: the oldest job. `hinted` skips the lock when the hint says empty (for
    /// spinning); the check before sleeping passes `false`.
    pub(super) fn steal(&self, hinted: bool) -> Option<JobRef> {
        if hinted && self.len.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let mut jobs = self.lock();
        let job = jobs.pop_front();
        self.len.store(jobs.len(), Ordering::Relaxed);
        job
    }

    /// Any thread, under the lock: whether a job is queued.
    pub(super) fn has_jobs(&self) -> bool {
        !self.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nd_kernels::sched::StackJob;
    use std::cell::Cell;

    #[test]
    fn owner_pops_newest_thief_steals_oldest() {
        let order = Cell::new(Vec::new());
        let push_order = |v: u32| {
            let mut o = order.take();
            o.push(v);
            order.set(o);
        };
        let d = Deque::new();
        let value: [fn() -> u32; 3] = [|| 1, || 2, || 3];
        let jobs = value.map(StackJob::new);
        jobs[0].share(
            |j0| {
                d.push(j0);
                jobs[1].share(
                    |j1| {
                        d.push(j1);
                        jobs[2].share(
                            |j2| {
                                let id2 = j2.id();
                                d.push(j2);
                                assert!(d.take_back(id2 + 1).is_none());
                                d.take_back(id2).unwrap().run();
                                push_order(3);
                                assert!(d.has_jobs());
                                d.steal(true).unwrap().run();
                                push_order(1);
                                d.pop().unwrap().run();
                                push_order(2);
                                assert!(d.pop().is_none());
                                assert!(d.steal(false).is_none());
                                assert!(!d.has_jobs());
                            },
                            |_| {},
                        )
                    },
                    |_| {},
                )
            },
            |_| {},
        );
        assert_eq!(order.take(), [3, 1, 2]);
        let [a, b, c] = jobs;
        let results: Vec<u32> = [a.into_result(), b.into_result(), c.into_result()]
            .into_iter()
            .map(|r| r.unwrap().unwrap())
            .collect();
        assert_eq!(results, [1, 2, 3]);
    }
}
