//! The unsafe primitives of the work-stealing scheduler (the scheduler itself is safe code in
//! the root crate's `sched` module).
//!
//! A scheduler that keeps its worker threads alive between parallel regions cannot use
//! `std::thread::scope` (it spawns threads every time, ~56 µs here), yet its tasks borrow from
//! the caller's stack. The two primitives here erase those borrows behind a `'static + Send`
//! [`JobRef`] and restore safety the way `std::thread::scope` does: the frame that owns the
//! borrowed data does not return, not even by unwinding, until every `JobRef` made from it has
//! been run or dropped.
//!
//! - [`StackJob`]: one closure living in the caller's frame (no allocation); `join` uses it.
//! - [`scoped`] and [`ScopeCore::erase`]: any number of boxed closures that borrow for `'scope`;
//!   a scope with `spawn` uses it.
//!
//! A `JobRef` is consumed exactly once: [`JobRef::run`] runs the closure, dropping the `JobRef`
//! drops the closure unrun. Either way a panic is caught and handed to the owner, and the owner
//! thread is unparked, so a waiting owner may sleep in `std::thread::park`.

mod job;
mod scope;

pub use job::{JobRef, Panic, StackJob};
pub use scope::{scoped, ScopeCore};
