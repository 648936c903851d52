//! `JobRef` (a type-erased, lifetime-erased job) and `StackJob` (a job in the caller's frame).

use std::any::Any;
use std::cell::{Cell, UnsafeCell};
use std::mem::ManuallyDrop;
use std::panic::{self, AssertUnwindSafe};
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, Thread};

/// A caught panic's payload, as `std::panic::catch_unwind` returns it.
pub type Panic = Box<dyn Any + Send + 'static>;

/// What the holder of a [`JobRef`] does with it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Action {
    /// Run the closure.
    Run,
    /// Drop the closure unrun.
    Cancel,
}

/// A job that can be sent to any thread and queued anywhere: a pointer to the job and the
/// function that knows its type.
///
/// Consumed exactly once: [`JobRef::run`] runs it; dropping it cancels it (its closure is
/// dropped unrun). Leaking one (`mem::forget`) is safe but leaves its owner waiting forever.
pub struct JobRef {
    data: NonNull<()>,
    call: unsafe fn(NonNull<()>, Action),
}

// SAFETY: a JobRef is only made by `StackJob::share` (which requires `F: Send, R: Send`) and by
// `ScopeCore::erase` (which requires `F: Send`), so running or dropping the closure on another
// thread, and sending the result back, is allowed. The pointee stays valid until the JobRef is
// consumed, because its owner does not return before that (see `StackJob::share`, `scoped`).
unsafe impl Send for JobRef {}

impl JobRef {
    /// Builds a JobRef.
    ///
    /// # Safety
    /// `call(data, action)` must be sound to call once, from any thread, until it returns.
    pub(super) unsafe fn new(data: NonNull<()>, call: unsafe fn(NonNull<()>, Action)) -> JobRef {
        JobRef { data, call }
    }

    /// Runs the job on this thread. A panic inside it is caught and handed to its owner.
    pub fn run(self) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is consumed here (ManuallyDrop: no second call from Drop), and the
        // pointee is valid until this call returns (the type's invariant).
        unsafe { (this.call)(this.data, Action::Run) }
    }

    /// The job's identity (its address), to recognise one's own job when taking it back
    /// from a deque. Two live JobRefs never share an id.
    pub fn id(&self) -> usize {
        self.data.as_ptr() as usize
    }
}

impl Drop for JobRef {
    fn drop(&mut self) {
        // SAFETY: drop runs at most once and only when `run` did not consume the JobRef.
        unsafe { (self.call)(self.data, Action::Cancel) }
    }
}

impl std::fmt::Debug for JobRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("JobRef").field(&self.data).finish()
    }
}

/// One closure `F -> R` that lives in its owner's stack frame and may run on another thread.
///
/// ```
/// use nd_kernels::sched::StackJob;
/// let data = vec![1, 2, 3];
/// let job = StackJob::new(|| data.iter().sum::<i32>());
/// job.share(
///     |job_ref| std::thread::spawn(move || job_ref.run()),
///     |_done| {}, // no help offered: share blocks until the job ran
/// );
/// assert_eq!(job.into_result().unwrap().ok(), Some(6));
/// ```
pub struct StackJob<F, R> {
    func: UnsafeCell<Option<F>>,
    /// `None` until run; stays `None` if the job was cancelled.
    result: UnsafeCell<Option<Result<R, Panic>>>,
    /// The thread to unpark when done (set by `share`).
    owner: UnsafeCell<Option<Thread>>,
    /// Set (Release) by the last access of whoever consumed the JobRef.
    done: AtomicBool,
    shared: Cell<bool>,
}

impl<F, R> StackJob<F, R>
where
    F: FnOnce() -> R + Send,
    R: Send,
{
    /// Wraps `func`; nothing runs until the job is shared and its JobRef run.
    pub fn new(func: F) -> StackJob<F, R> {
        StackJob {
            func: UnsafeCell::new(Some(func)),
            result: UnsafeCell::new(None),
            owner: UnsafeCell::new(None),
            done: AtomicBool::new(false),
            shared: Cell::new(false),
        }
    }

    /// Hands `body` the job's [`JobRef`] (to queue or send anywhere), then calls `wait` with a
    /// probe saying whether the job is done (the caller may run other work meanwhile, and may
    /// sleep in `std::thread::park`: the job's completion unparks this thread), and does not
    /// return, by value or by unwinding, until the JobRef has been run or dropped.
    ///
    /// # Panics
    /// If called twice on the same job (a programmer error).
    pub fn share<T>(
        &self,
        body: impl FnOnce(JobRef) -> T,
        wait: impl FnOnce(&dyn Fn() -> bool),
    ) -> T {
        assert!(!self.shared.replace(true), "StackJob::share called twice");
        // SAFETY: no JobRef exists yet, so nothing else accesses `owner`.
        unsafe { *self.owner.get() = Some(thread::current()) };
        // Blocks in its drop until done, so unwinding out of `body` or `wait` cannot free the
        // frame under a running job.
        let guard = BlockUntil(&self.done);
        // SAFETY: `call::<F, R>` matches the pointee's type, and `guard` keeps `self` alive
        // (and unmoved: it is borrowed) until the JobRef has been consumed.
        let job = unsafe { JobRef::new(NonNull::from(self).cast(), Self::call) };
        let out = body(job);
        wait(&|| self.done.load(Ordering::Acquire));
        drop(guard);
        out
    }

    /// The outcome: `None` if the job was never shared or was cancelled, else `Ok(value)` or
    /// `Err(panic payload)`.
    pub fn into_result(self) -> Option<Result<R, Panic>> {
        self.result.into_inner()
    }

    /// Runs or cancels the job behind `data` (a `*const StackJob<F, R>`).
    ///
    /// # Safety
    /// `data` points at a live, shared `StackJob<F, R>` whose JobRef is being consumed now
    /// (once). Only raw pointers are used, because the owner may free the job as soon as
    /// `done` is stored.
    unsafe fn call(data: NonNull<()>, action: Action) {
        let this: *const Self = data.cast::<Self>().as_ptr();
        // SAFETY (all derefs below): `this` is live until `done` is stored; the owner only
        // reads `func`, `result` and `owner` after observing `done` (Acquire), and this is the
        // only consumer, so these accesses do not race.
        let func = unsafe { (*(*this).func.get()).take() }.expect("StackJob consumed twice");
        let outcome = match action {
            Action::Run => Some(panic::catch_unwind(AssertUnwindSafe(func))),
            Action::Cancel => panic::catch_unwind(AssertUnwindSafe(move || drop(func)))
                .err()
                .map(Err),
        };
        unsafe { *(*this).result.get() = outcome };
        // Cloned before `done` is stored: after that, `this` may be gone.
        let owner =
            unsafe { (*(*this).owner.get()).clone() }.expect("shared StackJob has an owner");
        unsafe { (*ptr::addr_of!((*this).done)).store(true, Ordering::Release) };
        owner.unpark();
    }
}

/// Parks the current thread until the flag is set (the setter unparks it).
struct BlockUntil<'a>(&'a AtomicBool);

impl Drop for BlockUntil<'_> {
    fn drop(&mut self) {
        while !self.0.load(Ordering::Acquire) {
            thread::park();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc;

    #[test]
    fn runs_on_another_thread_and_borrows_the_stack() {
        let mut total = 0u64;
        let values: Vec<u64> = (1..=10).collect();
        let job = StackJob::new(|| {
            total = values.iter().sum();
            total * 2
        });
        job.share(|job_ref| thread::spawn(move || job_ref.run()), |_| {});
        assert_eq!(job.into_result().unwrap().ok(), Some(110));
        assert_eq!(total, 55);
    }

    #[test]
    fn owner_can_run_its_own_job_back() {
        let job = StackJob::new(|| 7);
        job.share(|job_ref| job_ref.run(), |done| assert!(done()));
        assert_eq!(job.into_result().unwrap().ok(), Some(7));
    }

    #[test]
    fn dropping_the_job_ref_cancels_and_drops_the_closure() {
        let drops = AtomicUsize::new(0);
        struct Count<'a>(&'a AtomicUsize);
        impl Drop for Count<'_> {
            fn drop(&mut self) {
                self.0.fetch_add(1, Ordering::SeqCst);
            }
        }
        let guard = Count(&drops);
        let job = StackJob::new(move || {
            let _g = &guard;
            1
        });
        job.share(|job_ref| thread::spawn(move || drop(job_ref)), |_| {});
        assert!(job.into_result().is_none());
        assert_eq!(drops.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_panic_is_caught_and_returned() {
        let job = StackJob::new(|| -> i32 { panic!("boom") });
        let (tx, rx) = mpsc::channel::<JobRef>();
        let worker = thread::spawn(move || {
            for j in rx {
                j.run();
            }
        });
        job.share(|job_ref| tx.send(job_ref).unwrap(), |_| {});
        drop(tx);
        worker.join().unwrap();
        let err = job.into_result().unwrap().unwrap_err();
        assert_eq!(err.downcast_ref::<&str>(), Some(&"boom"));
    }

    #[test]
    fn the_wait_callback_sees_completion() {
        let job = StackJob::new(|| 3);
        let mut polls = 0;
        job.share(
            |job_ref| thread::spawn(move || job_ref.run()),
            |done| {
                while !done() {
                    polls += 1;
                    thread::yield_now();
                }
            },
        );
        let _ = polls;
        assert_eq!(job.into_result().unwrap().ok(), Some(3));
    }

    #[test]
    fn share_waits_even_when_the_body_panics() {
        let ran = AtomicBool::new(false);
        let job = StackJob::new(|| {
            thread::yield_now();
            ran.store(true, Ordering::SeqCst);
        });
        let caught = panic::catch_unwind(AssertUnwindSafe(|| {
            job.share(
                |job_ref| {
                    thread::spawn(move || job_ref.run());
                    panic!("body")
                },
                |_| {},
            )
        }));
        assert!(caught.is_err());
        // share returned (by unwinding) only after the job ran.
        assert!(ran.load(Ordering::SeqCst));
    }

    #[test]
    #[should_panic(expected = "share called twice")]
    fn sharing_twice_is_refused() {
        let job = StackJob::new(|| 1);
        job.share(JobRef::run, |_| {});
        job.share(JobRef::run, |_| {});
    }

    #[test]
    fn ids_tell_jobs_apart() {
        let a = StackJob::new(|| 1);
        let b = StackJob::new(|| 2);
        a.share(
            |ra| {
                b.share(
                    |rb| {
                        assert_ne!(ra.id(), rb.id());
                        rb.run();
                    },
                    |_| {},
                );
                ra.run();
            },
            |_| {},
        );
    }
}
