//! Quick timing of `Frame::read_csv` on the benchmark-shaped file (1M rows = 100 series ×
//! 10,000 daily points, `unique_id,ds,y`, ids `S000`.., ISO dates, values with 3 decimals).
//!
//! ```text
//! cargo run --release --example csv_read_timing [-- PATH [ROUNDS]]
//! ```
//! Generates `target/csv_read_timing.csv` if no path is given, then prints the best and the
//! median of ROUNDS (default 7) reads, the throughput, and the peak resident memory of the
//! process (Linux `VmHWM`) against the size of the parsed columns.

use neuro_divergent::data::frame::Frame;
use std::io::Write;
use std::time::Instant;

fn vm_hwm_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn generate(path: &str) {
    let mut w = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(w, "unique_id,ds,y").unwrap();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for s in 0..100 {
        let first = neuro_divergent::data::datetime::days_from_civil(2000, 1, 1);
        for day in first..first + 10_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let v = 50.0 + (state >> 11) as f64 / (1u64 << 53) as f64 * 950.0;
            let (y, m, d) = neuro_divergent::data::datetime::civil_from_days(day);
            writeln!(w, "S{s:03},{y:04}-{m:02}-{d:02},{v:.3}").unwrap();
        }
    }
    w.flush().unwrap();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).cloned().unwrap_or_else(|| {
        let p = format!("{}/target/csv_read_timing.csv", env!("CARGO_MANIFEST_DIR"));
        if !std::path::Path::new(&p).exists() {
            generate(&p);
        }
        p
    });
    let rounds: usize = args.get(2).and_then(|r| r.parse().ok()).unwrap_or(7);
    let bytes = std::fs::metadata(&path).unwrap().len();
    let before = vm_hwm_kib();
    let mut times = Vec::new();
    let mut rows = 0;
    let mut data_bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let f = Frame::read_csv(&path).unwrap();
        times.push(t.elapsed().as_secs_f64());
        rows = f.len();
        data_bytes = f
            .columns()
            .iter()
            .map(|c| match c {
                neuro_divergent::data::frame::Column::Float(v) => v.len() * 8,
                neuro_divergent::data::frame::Column::Text(t) => t.codes.len() * 4,
                neuro_divergent::data::frame::Column::Time(t) => t.values.len() * 8,
            })
            .sum::<usize>();
    }
    times.sort_by(f64::total_cmp);
    let best = times[0];
    let median = times[times.len() / 2];
    println!(
        "{path}: {rows} rows, {:.1} MB; best {:.1} ms, median {:.1} ms ({:.1} M rows/s, {:.0} MB/s best)",
        bytes as f64 / 1e6,
        best * 1e3,
        median * 1e3,
        rows as f64 / best / 1e6,
        bytes as f64 / best / 1e6
    );
    if let (Some(b), Some(a)) = (before, vm_hwm_kib()) {
        let peak = (a.saturating_sub(b)) * 1024;
        println!(
            "peak RSS growth {:.1} MB for {:.1} MB of parsed columns (ratio {:.2})",
            peak as f64 / 1e6,
            data_bytes as f64 / 1e6,
            peak as f64 / data_bytes as f64
        );
    }
}
