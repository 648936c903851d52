//! `scope`: spawn any number of tasks that borrow from the caller's stack; all of them finish
//! before `scope` returns.

use std::panic;
use std::sync::Arc;

use nd_kernels::sched::{scoped, ScopeCore};

use super::pool::Pool;
use super::worker::{context, current, Context, Registry};

/// What a scope's tasks need to know: the pool they may queue on (`None`: run them inline).
pub(super) struct ScopeCtx {
    registry: Option<Arc<Registry>>,
}

/// A handle to a running scope; copy it freely, into tasks too, to spawn more tasks.
///
/// `'scope` is the scope's own lifetime (tasks may borrow anything that outlives it), `'env`
/// the caller's data it borrows, as in `std::thread::Scope`.
pub struct Scope<'scope, 'env: 'scope> {
    core: &'scope ScopeCore<'scope, 'env, ScopeCtx>,
}

impl<'scope, 'env> Clone for Scope<'scope, 'env> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<'scope, 'env> Copy for Scope<'scope, 'env> {}

impl<'scope, 'env> Scope<'scope, 'env> {
    /// Queues `task` (it gets this scope, to spawn more). It runs on any thread of the pool, or
    /// at once on this thread when the scope is sequential (a one-thread pool) or when called
    /// from a thread outside the scope's pool. A panic in it is resumed by `scope` after every
    /// task has stopped.
    pub fn spawn<F>(&self, task: F)
    where
        F: FnOnce(Scope<'scope, 'env>) + Send + 'scope,
    {
        let this = *self;
        let job = self.core.erase(move || task(this));
        let registry = self.core.data().registry.as_ref();
        match (registry, current()) {
            (Some(r), Some(w)) if Arc::ptr_eq(r, &w.registry) => w.push(job),
            _ => job.run(),
        }
    }
}

impl Pool {
    /// Runs `f` with a [`Scope`] whose tasks may borrow anything that outlives this call, and
    /// returns once `f` and every task spawned (also from tasks) have finished. While waiting,
    /// the calling thread runs tasks itself. The first panic (`f`'s own, else a task's) is
    /// resumed here after every task has stopped.
    pub fn scope<'env, F, T>(&self, f: F) -> T
    where
        F: for<'scope> FnOnce(Scope<'scope, 'env>) -> T,
    {
        self.enter(|worker| {
            let ctx = ScopeCtx {
                registry: worker.map(|w| Arc::clone(&w.registry)),
            };
            let out = scoped(
                ctx,
                |core| f(Scope { core }),
                |done| {
                    if let Some(w) = worker {
                        w.wait_until(done);
                    }
                },
            );
            out.unwrap_or_else(|p| panic::resume_unwind(p))
        })
    }
}

/// [`Pool::scope`] on the pool the current thread works for (sequential inside a sequential
/// region), else on the global pool.
pub fn scope<'env, F, T>(f: F) -> T
where
    F: for<'scope> FnOnce(Scope<'scope, 'env>) -> T,
{
    let worker = match context() {
        Some(Context::Worker(w)) => Some(w),
        Some(Context::Sequential) => None,
        None => return super::global().scope(f),
    };
    let ctx = ScopeCtx {
        registry: worker.as_ref().map(|w| Arc::clone(&w.registry)),
    };
    let out = scoped(
        ctx,
        |core| f(Scope { core }),
        |done| {
            if let Some(w) = &worker {
                w.wait_until(done);
            }
        },
    );
    out.unwrap_or_else(|p| panic::resume_unwind(p))
}
