//! Reading CSV streams: peak memory is bounded by about twice the parsed columns plus the
//! reader's buffer, not by the size of the input. Measured as the growth of the process's
//! peak resident set (Linux `VmHWM`), alone in its own test binary so no other test adds to it.

use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::frame::Frame;
use std::io::Read;

/// Produces `unique_id,ds,y` rows on the fly, so the input never sits in memory.
struct Generated {
    row: usize,
    rows: usize,
    pending: Vec<u8>,
    at: usize,
}

impl Read for Generated {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.pending.len() {
            self.pending.clear();
            self.at = 0;
            if self.row == 0 {
                self.pending.extend_from_slice(b"unique_id,ds,y\n");
            }
            while self.pending.len() < 1 << 16 && self.row < self.rows {
                let s = self.row / 10_000;
                let day = self.row % 10_000;
                let (y, m, d) =
                    neuro_divergent::data::datetime::civil_from_days(10_957 + day as i64);
                let v = (self.row * 7919 % 100_000) as f64 / 1000.0;
                self.pending
                    .extend_from_slice(format!("S{s:03},{y:04}-{m:02}-{d:02},{v:.3}\n").as_bytes());
                self.row += 1;
            }
        }
        let n = out.len().min(self.pending.len() - self.at);
        out[..n].copy_from_slice(&self.pending[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

fn peak_rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
}

#[test]
fn peak_memory_is_about_the_parsed_data() {
    let Some(before) = peak_rss_bytes() else {
        eprintln!("no /proc/self/status: peak memory not measured on this system");
        return;
    };
    // Just past a power of two, the worst case for doubling vectors.
    let rows = (1 << 20) + 1;
    let input = Generated {
        row: 0,
        rows,
        pending: Vec::new(),
        at: 0,
    };
    let f = Frame::from_reader(input, "<generated>", &CsvOptions::default()).unwrap();
    assert_eq!(f.len(), rows);
    let after = peak_rss_bytes().unwrap();
    // u32 id code + i64 time + f64 target per row; about 25 MB of text went through.
    let data = rows as u64 * (4 + 8 + 8);
    let growth = after.saturating_sub(before);
    eprintln!(
        "peak RSS growth {growth} bytes for {data} bytes of columns (ratio {:.2})",
        growth as f64 / data as f64
    );
    assert!(
        growth <= 2 * data + (4 << 20),
        "peak grew by {growth} bytes for {data} bytes of parsed data"
    );
}
