//! `PerformanceMonitor`: wall time and peak memory of named stretches of work.
//!
//! ```
//! use neuro_divergent::monitoring::PerformanceMonitor;
//! let monitor = PerformanceMonitor::new();
//! monitor.start_timing("training");
//! let weights = vec![0.5f32; 1 << 16];          // ... your training code here ...
//! let metrics = monitor.stop_timing("training");
//! assert!(metrics.duration_secs >= 0.0);
//! println!("Training took: {:.2}s, peak memory {:.2} MB", metrics.duration_secs, metrics.peak_memory_mb);
//! # drop(weights);
//! ```
//!
//! Two memory figures are kept, because they answer different questions:
//! - **engine peak**: the most bytes the engine itself held through its allocator (`AlignedBuf`,
//!   arenas, pools: tensors, parameters, gradients, batches) above what it held at
//!   `start_timing`. Exact, and available on every platform.
//! - **process peak RSS**: the operating system's high-water mark of resident memory for the
//!   whole process (`VmHWM` in `/proc/self/status` on Linux), which includes everything: code,
//!   the Rust heap, the data frame. On Linux `start_timing` resets the mark (writing `5` to
//!   `/proc/self/clear_refs`, which needs no privilege for one's own process) so the figure
//!   covers the timed stretch only; if the reset is refused, the figure is the peak since the
//!   process started and `rss_since_start` says so. Elsewhere it is `None` (documented fallback:
//!   use the engine peak).
//!
//! `peak_memory_mb` is the process peak RSS when known, else the engine peak. Both the RSS mark
//! and the engine peak are process-wide: overlapping timings share them, so nested timings
//! report the inner stretch's reset for the outer one too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use nd_kernels::mem as counters;

const MB: f64 = 1024.0 * 1024.0;

/// What one timed stretch cost.
#[derive(Clone, Debug, PartialEq)]
pub struct TimingMetrics {
    /// The name given to `start_timing`.
    pub name: String,
    /// Wall-clock duration.
    pub duration: Duration,
    /// `duration` in seconds.
    pub duration_secs: f64,
    /// Process peak RSS in MiB when known, else the engine peak.
    pub peak_memory_mb: f64,
    /// Peak bytes held by the engine's allocator during the stretch, above its holding at the
    /// start, in MiB.
    pub engine_peak_mb: f64,
    /// Blocks the engine allocated during the stretch (0 in a steady-state training loop).
    pub engine_allocations: u64,
    /// Process peak resident memory in MiB (Linux), `None` where unavailable.
    pub process_peak_rss_mb: Option<f64>,
    /// True when the RSS mark could not be reset, so `process_peak_rss_mb` covers the whole
    /// process lifetime rather than the stretch.
    pub rss_since_start: bool,
}

#[derive(Clone, Copy, Debug)]
struct Start {
    at: Instant,
    engine_live: usize,
    engine_allocations: u64,
    rss_reset: bool,
}

/// Times named stretches of work (see the module docs). Shareable across threads.
#[derive(Debug)]
pub struct PerformanceMonitor {
    created: Start,
    running: Mutex<HashMap<String, Start>>,
}

impl Default for PerformanceMonitor {
    fn default() -> PerformanceMonitor {
        PerformanceMonitor::new()
    }
}

impl PerformanceMonitor {
    /// A monitor with no timing running.
    pub fn new() -> PerformanceMonitor {
        PerformanceMonitor {
            created: Start::now(false),
            running: Mutex::new(HashMap::new()),
        }
    }

    /// Starts (or restarts) the timing called `name`, resetting the peak-memory marks.
    pub fn start_timing(&self, name: &str) {
        let start = Start::now(true);
        self.lock().insert(name.to_owned(), start);
    }

    /// Stops the timing called `name` and returns its metrics. A name that was never started
    /// is measured from the monitor's creation.
    pub fn stop_timing(&self, name: &str) -> TimingMetrics {
        let end = Instant::now();
        let start = self.lock().remove(name).unwrap_or(self.created);
        let stats = counters::stats();
        let engine_peak = stats.peak_bytes.saturating_sub(start.engine_live);
        let rss = process_peak_rss_bytes();
        let engine_peak_mb = engine_peak as f64 / MB;
        let process_peak_rss_mb = rss.map(|b| b as f64 / MB);
        let duration = end - start.at;
        TimingMetrics {
            name: name.to_owned(),
            duration,
            duration_secs: duration.as_secs_f64(),
            peak_memory_mb: process_peak_rss_mb.unwrap_or(engine_peak_mb),
            engine_peak_mb,
            engine_allocations: stats.allocations - start.engine_allocations,
            process_peak_rss_mb,
            rss_since_start: rss.is_some() && !start.rss_reset,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Start>> {
        // A panic while holding this lock cannot leave the map inconsistent (single inserts and
        // removes), so a poisoned lock is still usable.
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Start {
    fn now(reset_marks: bool) -> Start {
        let rss_reset = reset_marks && reset_rss_mark();
        if reset_marks {
            counters::reset_peak();
        }
        let stats = counters::stats();
        Start {
            at: Instant::now(),
            engine_live: stats.live_bytes,
            engine_allocations: stats.allocations,
            rss_reset,
        }
    }
}

/// Resets the kernel's resident-set high-water mark of this process (Linux ≥ 4.0).
fn reset_rss_mark() -> bool {
    cfg!(target_os = "linux") && std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The process's peak resident set size in bytes (`VmHWM`), where the OS reports it.
pub fn process_peak_rss_bytes() -> Option<u64> {
    proc_status_kib("VmHWM:").map(|kib| kib * 1024)
}

/// The process's current resident set size in bytes (`VmRSS`), where the OS reports it.
pub fn process_rss_bytes() -> Option<u64> {
    proc_status_kib("VmRSS:").map(|kib| kib * 1024)
}

fn proc_status_kib(field: &str) -> Option<u64> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
