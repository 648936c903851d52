//! `scoped` and `ScopeCore`: any number of boxed jobs borrowing for `'scope`, awaited together.

use std::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread::{self, Thread};

use super::job::{Action, JobRef, Panic};

/// The part of a scope its jobs touch: not generic, so a job holds a plain pointer to it.
struct ScopeState {
    /// Jobs erased and not yet consumed.
    pending: AtomicUsize,
    /// The first panic of a job (later ones are dropped).
    panic: Mutex<Option<Panic>>,
    /// The thread running `scoped`, unparked when `pending` drops to zero.
    owner: Thread,
}

/// A scope's shared state: the caller's `data` plus the count of outstanding jobs. Obtained only
/// inside [`scoped`], as `&'scope ScopeCore`.
///
/// `'scope` is invariant (as in `std::thread::Scope`), so a job made by [`ScopeCore::erase`]
/// can borrow anything that outlives the call to `scoped`, and nothing shorter.
pub struct ScopeCore<'scope, 'env: 'scope, D> {
    data: D,
    state: ScopeState,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

/// Runs `body` with a scope, then calls `wait` with a probe saying whether every job erased
/// from the scope has been consumed (the caller may run queued jobs meanwhile, or sleep in
/// `std::thread::park`: the last job's completion unparks this thread), and returns only when
/// they all have, by value or by unwinding.
///
/// Returns `body`'s value, or the first panic: `body`'s own if it panicked, else the first
/// job's. Either way every job has stopped when this returns.
///
/// ```
/// use nd_kernels::sched::{scoped, JobRef};
/// use std::sync::atomic::{AtomicUsize, Ordering};
/// let hits = AtomicUsize::new(0);
/// let mut queue: Vec<JobRef> = Vec::new();
/// let out = scoped(
///     (),
///     |scope| {
///         for _ in 0..3 {
///             queue.push(scope.erase(|| { hits.fetch_add(1, Ordering::Relaxed); }));
///         }
///         let jobs = std::mem::take(&mut queue);
///         std::thread::spawn(move || jobs.into_iter().for_each(JobRef::run));
///         "body done"
///     },
///     |_done| {},
/// );
/// assert_eq!(out.ok(), Some("body done"));
/// assert_eq!(hits.load(Ordering::Relaxed), 3);
/// ```
pub fn scoped<'env, D, T>(
    data: D,
    body: impl for<'scope> FnOnce(&'scope ScopeCore<'scope, 'env, D>) -> T,
    wait: impl FnOnce(&dyn Fn() -> bool),
) -> Result<T, Panic>
where
    D: Sync,
{
    let core = ScopeCore {
        data,
        state: ScopeState {
            pending: AtomicUsize::new(0),
            panic: Mutex::new(None),
            owner: thread::current(),
        },
        _scope: PhantomData,
        _env: PhantomData,
    };
    let outcome = {
        // Declared before anything can be erased, dropped after everything else here: no
        // exit path from this block leaves a job running on `core`.
        let _guard = BlockUntilZero(&core.state.pending);
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| body(&core)));
        wait(&|| core.state.pending.load(Ordering::Acquire) == 0);
        outcome
    };
    let job_panic = core
        .state
        .panic
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    match (outcome, job_panic) {
        (Err(p), _) => Err(p),
        (Ok(_), Some(p)) => Err(p),
        (Ok(value), None) => Ok(value),
    }
}

impl<'scope, 'env, D> ScopeCore<'scope, 'env, D> {
    /// The data given to [`scoped`].
    pub fn data(&self) -> &D {
        &self.data
    }

    /// Whether every job erased so far has been consumed.
    pub fn is_done(&self) -> bool {
        self.state.pending.load(Ordering::Acquire) == 0
    }

    /// Boxes `func` as a `'static` [`JobRef`]; the enclosing [`scoped`] call waits for it.
    pub fn erase<F>(&'scope self, func: F) -> JobRef
    where
        F: FnOnce() + Send + 'scope,
    {
        // Relaxed: the caller is the scope body or a pending job, so the count cannot reach
        // zero before this increment (a job's own decrement follows it in modification order).
        self.state.pending.fetch_add(1, Ordering::Relaxed);
        let job = Box::new(HeapJob {
            func,
            state: NonNull::from(&self.state),
        });
        let data = NonNull::from(Box::leak(job)).cast::<()>();
        // SAFETY: `call::<F>` matches the box's type; the box is consumed once by the JobRef;
        // `func` borrows for `'scope` and `state` lives in `scoped`'s frame, which does not
        // return before `pending` (incremented above, decremented only by `call`) is zero.
        unsafe { JobRef::new(data, HeapJob::<F>::call) }
    }
}

/// A boxed job of a scope.
struct HeapJob<F> {
    func: F,
    state: NonNull<ScopeState>,
}

impl<F: FnOnce() + Send> HeapJob<F> {
    /// Runs or cancels the job behind `data` (a leaked `Box<HeapJob<F>>`).
    ///
    /// # Safety
    /// `data` came from `ScopeCore::erase::<F>` and is consumed now, once.
    unsafe fn call(data: NonNull<()>, action: Action) {
        // SAFETY: the box was leaked by `erase` and is reclaimed exactly once, here.
        let job = unsafe { Box::from_raw(data.cast::<HeapJob<F>>().as_ptr()) };
        let HeapJob { func, state } = *job;
        let outcome = match action {
            Action::Run => panic::catch_unwind(AssertUnwindSafe(func)).err(),
            Action::Cancel => panic::catch_unwind(AssertUnwindSafe(move || drop(func))).err(),
        };
        let state: *const ScopeState = state.as_ptr();
        // SAFETY: `state` is live until `pending` reaches zero, which only our decrement below
        // can cause; nothing touches it after that decrement.
        unsafe {
            if let Some(p) = outcome {
                let mut first = (*state)
                    .panic
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner);
                if first.is_none() {
                    *first = Some(p);
                }
            }
            let owner = (*state).owner.clone();
            if (*state).pending.fetch_sub(1, Ordering::Release) == 1 {
                owner.unpark();
            }
        }
    }
}

/// Parks the current thread until the count is zero (the last job unparks it).
struct BlockUntilZero<'a>(&'a AtomicUsize);

impl Drop for BlockUntilZero<'_> {
    fn drop(&mut self) {
        while self.0.load(Ordering::Acquire) != 0 {
            thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    /// A thread that runs every JobRef sent to it, until the senders are gone.
    fn runner() -> (mpsc::Sender<JobRef>, thread::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel::<JobRef>();
        let handle = thread::spawn(move || {
            for job in rx {
                job.run();
            }
        });
        (tx, handle)
    }

    #[test]
    fn jobs_borrow_the_stack_and_are_all_awaited() {
        let mut results = vec![0u32; 8];
        let (tx, handle) = runner();
        let out = scoped(
            tx,
            |scope| {
                for (i, slot) in results.iter_mut().enumerate() {
                    let job = scope.erase(move || *slot = (i as u32 + 1) * 10);
                    scope.data().send(job).unwrap();
                }
                5
            },
            |_| {},
        );
        handle.join().unwrap();
        assert_eq!(out.ok(), Some(5));
        assert_eq!(results, [10, 20, 30, 40, 50, 60, 70, 80]);
    }

    #[test]
    fn jobs_can_erase_more_jobs() {
        let sum = AtomicUsize::new(0);
        let (tx, handle) = runner();
        let out = scoped(
            Mutex::new(tx),
            |scope| {
                for i in 0..4usize {
                    let sum = &sum;
                    let job = scope.erase(move || {
                        sum.fetch_add(i, Ordering::SeqCst);
                        let child = scope.erase(move || {
                            sum.fetch_add(100, Ordering::SeqCst);
                        });
                        scope.data().lock().unwrap().send(child).unwrap();
                    });
                    scope.data().lock().unwrap().send(job).unwrap();
                }
            },
            |done| {
                while !done() {
                    thread::yield_now();
                }
            },
        );
        handle.join().unwrap();
        assert!(out.is_ok());
        assert_eq!(sum.load(Ordering::SeqCst), 406);
    }

    #[test]
    fn the_first_job_panic_is_returned_after_the_others_ran() {
        let ran = AtomicUsize::new(0);
        let (tx, handle) = runner();
        let out = scoped(
            tx,
            |scope| {
                let ran = &ran;
                let job = scope.erase(|| panic!("task failed"));
                scope.data().send(job).unwrap();
                for _ in 0..3 {
                    let job = scope.erase(move || {
                        ran.fetch_add(1, Ordering::SeqCst);
                    });
                    scope.data().send(job).unwrap();
                }
            },
            |_| {},
        );
        handle.join().unwrap();
        let err = out.unwrap_err();
        assert_eq!(err.downcast_ref::<&str>(), Some(&"task failed"));
        assert_eq!(ran.load(Ordering::SeqCst), 3);
    }

    #[test]
    fn a_body_panic_waits_for_the_jobs_and_wins() {
        let ran = AtomicUsize::new(0);
        let (tx, handle) = runner();
        let out: Result<(), Panic> = scoped(
            tx,
            |scope| {
                let job = scope.erase(|| {
                    thread::yield_now();
                    ran.fetch_add(1, Ordering::SeqCst);
                });
                scope.data().send(job).unwrap();
                panic!("body failed");
            },
            |_| {},
        );
        assert_eq!(ran.load(Ordering::SeqCst), 1);
        handle.join().unwrap();
        assert_eq!(
            out.unwrap_err().downcast_ref::<&str>(),
            Some(&"body failed")
        );
    }

    #[test]
    fn dropped_jobs_are_cancelled_not_run() {
        let ran = AtomicUsize::new(0);
        let out = scoped(
            (),
            |scope| {
                let job = scope.erase(|| {
                    ran.fetch_add(1, Ordering::SeqCst);
                });
                thread::spawn(move || drop(job)).join().unwrap();
                assert!(scope.is_done());
            },
            |done| assert!(done()),
        );
        assert!(out.is_ok());
        assert_eq!(ran.load(Ordering::SeqCst), 0);
    }
}
