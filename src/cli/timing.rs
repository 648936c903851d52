//! Repeat-until-budget timing for the benchmarks of the CLI.

use std::time::{Duration, Instant};

/// The outcome of timing one item.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    /// The fastest timed run: the figure every report uses (the least disturbed by
    /// preemption, page faults and frequency changes on a shared machine).
    pub best: Duration,
    /// The median of the timed runs, for judging the noise.
    pub median: Duration,
    /// How many timed runs there were.
    pub runs: usize,
}

/// Runs `f` once to warm up (caches, page faults, the wide units' power-up), then repeats it
/// until `budget` has passed, at least `min_runs` times; an item whose warm-up alone exceeds
/// the budget is timed once more and no further.
pub fn measure(budget: Duration, min_runs: usize, mut f: impl FnMut()) -> Timing {
    let warm_start = Instant::now();
    f();
    let warm = warm_start.elapsed();
    let min_runs = if warm > budget { 1 } else { min_runs.max(1) };

    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < min_runs || start.elapsed() < budget {
        let t = Instant::now();
        f();
        times.push(t.elapsed());
    }
    times.sort();
    Timing {
        best: times[0],
        median: times[times.len() / 2],
        runs: times.len(),
    }
}

/// `work` units per second at `time` (0 for a zero duration, which only a broken clock gives).
pub fn rate(work: f64, time: Duration) -> f64 {
    let secs = time.as_secs_f64();
    if secs > 0.0 {
        work / secs
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_at_least_the_minimum_and_orders_best_before_median() {
        let mut calls = 0;
        let t = measure(Duration::from_millis(2), 3, || calls += 1);
        assert!(t.runs >= 3);
        assert_eq!(calls, t.runs + 1); // warm-up + timed runs
        assert!(t.best <= t.median);
    }

    #[test]
    fn a_slow_item_is_timed_once_after_its_warm_up() {
        let mut calls = 0;
        let t = measure(Duration::ZERO, 3, || {
            calls += 1;
            std::thread::sleep(Duration::from_millis(1));
        });
        assert_eq!((t.runs, calls), (1, 2));
    }

    #[test]
    fn rate_of_zero_time_is_zero() {
        assert_eq!(rate(10.0, Duration::ZERO), 0.0);
        assert_eq!(rate(10.0, Duration::from_secs(2)), 5.0);
    }
}
