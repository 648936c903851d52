//! The registry (what the threads of one pool share) and a worker's loop: find work, run it,
//! spin briefly when there is none, then park.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, Thread};
use std::time::{Duration, Instant};

use nd_kernels::sched::JobRef;

use super::deque::Deque;
use super::padded::CachePadded;

/// How long an idle worker keeps looking for work before it parks. Waking a parked thread
/// costs ~45 µs here, a spinning one answers in ~0.1 µs; spinning about as long as one
/// park/unpark round trip bounds the waste to 2x the best policy, while back-to-back regions
/// (a training loop's steps) never pay for a wake-up.
const SPIN_TIME: Duration = Duration::from_micros(100);

/// How much of [`SPIN_TIME`] is pure `spin_loop`; after it idle workers yield the core each
/// round (an oversubscribed machine: a spinning thread must not starve the one it waits for).
/// Measured on the shared 2-core VM (`cargo bench --bench sched`): with 20 µs of pure spinning
/// the cross-thread region's 90th percentile was a whole time slice (8 ms: the worker that
/// never yields is the one the kernel preempts) in 4 of 10 rounds; with 1 µs, in none of 10
/// (medians alike, ~1 µs; the machine was less loaded then, so this is a hint, not a proof).
const PURE_SPIN_TIME: Duration = Duration::from_micros(1);

/// One worker's state, each on its own 128-byte block.
pub(super) struct Slot {
    pub(super) deque: Deque,
    /// Set while the worker is about to park or parked; a waker clears it and unparks.
    sleeping: AtomicBool,
    /// The thread occupying the slot (slot 0: the thread that entered the pool).
    thread: Mutex<Option<Thread>>,
}

/// What the threads of one pool share.
pub(super) struct Registry {
    pub(super) slots: Box<[CachePadded<Slot>]>,
    /// How many workers are in `sleep`; pushers skip the wake-up scan while it is zero.
    sleepers: CachePadded<AtomicUsize>,
    /// Set when the pool is dropped: workers leave their loop.
    pub(super) terminate: AtomicBool,
    /// Slot 0 is taken by the thread that entered the pool (one at a time).
    pub(super) entered: AtomicBool,
    /// Spawned workers that have finished starting (see `worker_main`).
    pub(super) started: AtomicUsize,
}

impl Registry {
    pub(super) fn new(threads: usize) -> Registry {
        Registry {
            slots: (0..threads)
                .map(|_| {
                    CachePadded(Slot {
                        deque: Deque::new(),
                        sleeping: AtomicBool::new(false),
                        thread: Mutex::new(None),
                    })
                })
                .collect(),
            sleepers: CachePadded(AtomicUsize::new(0)),
            terminate: AtomicBool::new(false),
            entered: AtomicBool::new(false),
            started: AtomicUsize::new(0),
        }
    }

    /// Records which thread occupies slot `index` (the one to unpark).
    pub(super) fn occupy(&self, index: usize, thread: Thread) {
        *self.slots[index]
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(thread);
    }

    /// Unparks one sleeping worker, if any.
    fn wake_one(&self) {
        for slot in self.slots.iter() {
            if slot.sleeping.swap(false, Ordering::SeqCst) {
                if let Some(t) = &*slot.thread.lock().unwrap_or_else(PoisonError::into_inner) {
                    t.unpark();
                }
                return;
            }
        }
    }

    /// Unparks every thread of the pool (on termination).
    pub(super) fn wake_all(&self) {
        for slot in self.slots.iter() {
            slot.sleeping.store(false, Ordering::SeqCst);
            if let Some(t) = &*slot.thread.lock().unwrap_or_else(PoisonError::into_inner) {
                t.unpark();
            }
        }
    }

    /// Whether any deque holds a job, checked under each lock (no hints): the last look
    /// before parking.
    fn any_jobs(&self) -> bool {
        self.slots.iter().any(|s| s.deque.has_jobs())
    }
}

/// The calling thread's place in a pool, while it is a worker of it.
pub(super) struct Worker {
    pub(super) registry: Arc<Registry>,
    index: usize,
    /// xorshift state: where to start looking for a victim (only the occupying thread uses
    /// it; atomic so that a pool can keep its slot-0 worker ready for whoever enters).
    rng: AtomicU64,
}

/// What the current thread is doing, as far as the scheduler is concerned.
#[derive(Clone)]
pub(super) enum Context {
    /// A worker of a pool: a spawned worker always, an entered thread inside its region.
    Worker(Arc<Worker>),
    /// Inside a region that runs sequentially (a one-thread pool, or slot 0 was taken):
    /// nested regions run sequentially too, instead of escaping to the global pool.
    Sequential,
}

thread_local! {
    static CURRENT: RefCell<Option<Context>> = const { RefCell::new(None) };
    /// Regions this thread has entered from outside every region (see `regions_entered_here`).
    static ENTERED: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one region entered by this thread from outside every region.
pub(super) fn note_region_entered() {
    ENTERED.with(|n| n.set(n.get() + 1));
}

/// How many regions this thread has entered from outside every region.
pub(super) fn regions_entered_here() -> u64 {
    ENTERED.with(|n| n.get())
}

/// The current thread's context; `None` outside every region.
pub(super) fn context() -> Option<Context> {
    CURRENT.with(|c| c.borrow().clone())
}

/// The current thread's worker, if it is one.
pub(super) fn current() -> Option<Arc<Worker>> {
    match context() {
        Some(Context::Worker(w)) => Some(w),
        _ => None,
    }
}

/// Makes `context` the current thread's until the returned guard is dropped, which restores
/// the previous one (regions of different pools nest).
pub(super) fn set_context(context: Context) -> CurrentGuard {
    CurrentGuard {
        previous: CURRENT.with(|c| c.replace(Some(context))),
    }
}

/// Restores the previous context on drop.
pub(super) struct CurrentGuard {
    previous: Option<Context>,
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

impl Worker {
    pub(super) fn new(registry: Arc<Registry>, index: usize) -> Worker {
        Worker {
            registry,
            index,
            rng: AtomicU64::new(
                0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
            ),
        }
    }

    fn slot(&self) -> &Slot {
        &self.registry.slots[self.index]
    }

    /// Queues a job on this worker's deque and wakes a sleeping worker to steal it.
    pub(super) fn push(&self, job: JobRef) {
        self.slot().deque.push(job);
        // Pairs with `sleep`: either that worker's final check sees this job (its lock of our
        // deque comes after our push), or its `sleepers` increment (before that lock) is
        // visible here.
        if self.registry.sleepers.load(Ordering::SeqCst) > 0 {
            self.registry.wake_one();
        }
    }

    /// Takes back the job with this id if nobody stole it.
    pub(super) fn take_back(&self, id: usize) -> Option<JobRef> {
        self.slot().deque.take_back(id)
    }

    fn next_random(&self) -> usize {
        let mut x = self.rng.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng.store(x, Ordering::Relaxed);
        x as usize
    }

    /// A job from our own deque (newest), else one stolen from another (oldest), starting at a
    /// random victim so thieves spread out.
    fn find_work(&self, hinted: bool) -> Option<JobRef> {
        if let Some(job) = self.slot().deque.pop() {
            return Some(job);
        }
        let n = self.registry.slots.len();
        let start = self.next_random() % n;
        (0..n)
            .map(|k| (start + k) % n)
            .filter(|&i| i != self.index)
            .find_map(|i| self.registry.slots[i].deque.steal(hinted))
    }

    /// Runs jobs (ours, then stolen ones) until `done()`; when there are none, spins for
    /// [`SPIN_TIME`], then parks until woken (by a push, or by whoever makes `done()` true:
    /// the job primitives unpark their owner, pool termination unparks everyone).
    pub(super) fn wait_until(&self, done: &dyn Fn() -> bool) {
        let mut idle_since: Option<Instant> = None;
        while !done() {
            if let Some(job) = self.find_work(true) {
                job.run();
                idle_since = None;
                continue;
            }
            let idle = idle_since.get_or_insert_with(Instant::now).elapsed();
            if idle < PURE_SPIN_TIME {
                std::hint::spin_loop();
            } else if idle < SPIN_TIME {
                thread::yield_now();
            } else {
                self.sleep(done);
                idle_since = None;
            }
        }
    }

    /// Parks unless `done()` or a job shows up during the final check.
    fn sleep(&self, done: &dyn Fn() -> bool) {
        let registry = &self.registry;
        let slot = self.slot();
        registry.sleepers.fetch_add(1, Ordering::SeqCst);
        slot.sleeping.store(true, Ordering::SeqCst);
        if !done() && !registry.any_jobs() {
            // A wake-up that came before this point left a token: park returns at once.
            thread::park();
        }
        slot.sleeping.store(false, Ordering::SeqCst);
        registry.sleepers.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A spawned worker's whole life: register, then work until the pool is dropped.
pub(super) fn worker_main(registry: Arc<Registry>, index: usize) {
    registry.occupy(index, thread::current());
    let worker = Arc::new(Worker::new(Arc::clone(&registry), index));
    // Setting the thread-local context registers its destructor (an allocation); counting the
    // start only after it lets `Pool::new` return with every worker's start-up done.
    let _current = set_context(Context::Worker(Arc::clone(&worker)));
    // Likewise the GEMM packing buffers: reserved now (address space only), they never grow
    // inside a region.
    nd_kernels::gemm::reserve_thread_buffers();
    registry.started.fetch_add(1, Ordering::Release);
    worker.wait_until(&|| registry.terminate.load(Ordering::Acquire));
}
