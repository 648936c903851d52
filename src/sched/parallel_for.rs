//! `parallel_for`: an index range cut into fixed chunks of `grain` indices, run in parallel.

use std::ops::Range;

use super::join::join;
use super::pool::Pool;
use super::worker::{context, Context};

/// The chunks of `range`: `grain` indices each (the last may be shorter). They depend only on
/// the range and the grain, never on the thread count, so a reduction per chunk gives the same
/// bits with any number of threads.
fn chunk(range: &Range<usize>, grain: usize, index: usize) -> Range<usize> {
    let start = range.start + index * grain;
    start..(start + grain).min(range.end)
}

fn chunk_count(range: &Range<usize>, grain: usize) -> usize {
    range.len().div_ceil(grain)
}

/// Runs chunks `chunks` by recursive halving: each split queues its upper half for thieves.
fn split<F>(range: &Range<usize>, grain: usize, chunks: Range<usize>, f: &F)
where
    F: Fn(Range<usize>) + Sync,
{
    if chunks.len() == 1 {
        f(chunk(range, grain, chunks.start));
        return;
    }
    let mid = chunks.start + chunks.len() / 2;
    join(
        || split(range, grain, chunks.start..mid, f),
        || split(range, grain, mid..chunks.end, f),
    );
}

impl Pool {
    /// Calls `f(chunk)` for consecutive chunks of `grain` indices (at least 1) covering
    /// `range`, in parallel. An empty range calls nothing. A panic in `f` is resumed here after
    /// every chunk has stopped (chunks not started by then are skipped).
    pub fn parallel_for_chunks<F>(&self, range: Range<usize>, grain: usize, f: F)
    where
        F: Fn(Range<usize>) + Sync,
    {
        let grain = grain.max(1);
        let n = chunk_count(&range, grain);
        if n == 0 {
            return;
        }
        self.enter(|worker| match worker {
            Some(_) => split(&range, grain, 0..n, &f),
            None => (0..n).for_each(|i| f(chunk(&range, grain, i))),
        })
    }

    /// Calls `f(i)` for every `i` in `range`, in parallel, `grain` indices per task (at least
    /// 1). Panics as [`Pool::parallel_for_chunks`].
    pub fn parallel_for<F>(&self, range: Range<usize>, grain: usize, f: F)
    where
        F: Fn(usize) + Sync,
    {
        self.parallel_for_chunks(range, grain, |chunk| chunk.for_each(&f));
    }
}

/// [`Pool::parallel_for_chunks`] on the pool the current thread works for (sequential inside
/// a sequential region), else on the global pool.
pub fn parallel_for_chunks<F>(range: Range<usize>, grain: usize, f: F)
where
    F: Fn(Range<usize>) + Sync,
{
    let grain = grain.max(1);
    let n = chunk_count(&range, grain);
    match context() {
        None => super::global().parallel_for_chunks(range, grain, f),
        Some(_) if n == 0 => {}
        Some(Context::Worker(_)) => split(&range, grain, 0..n, &f),
        Some(Context::Sequential) => (0..n).for_each(|i| f(chunk(&range, grain, i))),
    }
}

/// [`Pool::parallel_for`] on the pool the current thread works for (sequential inside a
/// sequential region), else on the global pool.
pub fn parallel_for<F>(range: Range<usize>, grain: usize, f: F)
where
    F: Fn(usize) + Sync,
{
    parallel_for_chunks(range, grain, |chunk| chunk.for_each(&f));
}

/// Calls `f(i, &mut items[i])` for every item, in parallel, one task per item, on the pool the
/// current thread works for, else the global pool. Allocates nothing: the items are split in
/// halves by [`join`], so each task owns its item exclusively.
pub fn for_each_mut<T, F>(items: &mut [T], f: F)
where
    T: Send,
    F: Fn(usize, &mut T) + Sync,
{
    fn halves<T: Send, F: Fn(usize, &mut T) + Sync>(items: &mut [T], first: usize, f: &F) {
        match items.len() {
            0 => {}
            1 => f(first, &mut items[0]),
            n => {
                let (lo, hi) = items.split_at_mut(n / 2);
                join(|| halves(lo, first, f), || halves(hi, first + n / 2, f));
            }
        }
    }
    match context() {
        None if items.len() > 1 => super::global().install(|| halves(items, 0, &f)),
        _ => halves(items, 0, &f),
    }
}
