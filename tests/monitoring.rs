//! PerformanceMonitor against known allocations. In its own test binary: the memory marks are
//! process-wide, so other tests allocating in parallel would blur them.

use nd_kernels::mem::AlignedBuf;
use neuro_divergent::monitoring::{process_peak_rss_bytes, PerformanceMonitor};

const BYTES: usize = 64 << 20;

#[test]
fn a_known_allocation_raises_both_peaks_by_at_least_its_size() {
    let monitor = PerformanceMonitor::new();
    monitor.start_timing("alloc");
    let mut buf = AlignedBuf::zeroed(BYTES / 4);
    // Touch every page so it becomes resident.
    for chunk in buf.as_mut_slice().chunks_mut(1024) {
        chunk[0] = 1.0;
    }
    let total: f32 = buf.iter().step_by(1024).sum();
    drop(buf);
    let m = monitor.stop_timing("alloc");
    assert_eq!(total, (BYTES / 4 / 1024) as f32);
    let mb = BYTES as f64 / (1024.0 * 1024.0);
    assert!(
        m.engine_peak_mb >= mb,
        "engine peak {} MB < {mb} MB",
        m.engine_peak_mb
    );
    assert!(m.engine_allocations >= 1);
    if cfg!(target_os = "linux") {
        let rss = m.process_peak_rss_mb.expect("Linux reports VmHWM");
        assert!(rss >= mb, "process peak RSS {rss} MB < {mb} MB");
        assert!(m.peak_memory_mb >= mb);
    }
    assert!(m.duration_secs > 0.0);
}

#[test]
fn the_rss_mark_is_reset_at_start_where_linux_allows_it() {
    if !cfg!(target_os = "linux") {
        return;
    }
    // Raise the mark with a big short-lived allocation, then time a stretch that allocates
    // nothing: if the reset worked, that stretch's peak is well below the earlier one.
    let big = vec![1u8; 4 * BYTES];
    let before = process_peak_rss_bytes().unwrap();
    drop(std::hint::black_box(big));
    let monitor = PerformanceMonitor::new();
    monitor.start_timing("quiet");
    let m = monitor.stop_timing("quiet");
    if m.rss_since_start {
        eprintln!("clear_refs refused here: the peak covers the process lifetime");
        assert!(m.process_peak_rss_mb.unwrap() * 1048576.0 >= before as f64 - 1.0);
    } else {
        assert!(
            m.process_peak_rss_mb.unwrap() * 1048576.0 < before as f64 - BYTES as f64,
            "{m:?} vs {before}"
        );
    }
}

#[test]
fn unknown_names_are_timed_from_creation_and_timings_are_independent() {
    let monitor = PerformanceMonitor::new();
    monitor.start_timing("a");
    std::thread::sleep(std::time::Duration::from_millis(5));
    monitor.start_timing("b");
    let b = monitor.stop_timing("b");
    let a = monitor.stop_timing("a");
    assert!(a.duration > b.duration);
    assert!(monitor.stop_timing("never started").duration >= a.duration);
}
