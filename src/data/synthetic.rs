//! Deterministic synthetic panels for benchmarks, examples and tests.
//!
//! [`DailyPanel`] describes S daily series of equal length: each is a positive level times
//! (trend + weekly and yearly seasons) plus AR(1) noise, rounded to 3 decimals so the values
//! written to CSV read back exactly as the in-memory ones. The same spec and seed give the same
//! bytes on every machine (our own PRNG, no float formatting beyond `{:.3}`).
//!
//! The benchmark file of `benches/data_processing_benchmarks.rs` is
//! `DailyPanel { n_series: 100, len: 10_000, seed: 2024, start: 2000-01-01 }`: 1M rows,
//! `unique_id,ds,y` with ids `S000`..`S099` and ISO dates.

use crate::data::datetime::{civil_from_days, days_from_civil};
use crate::data::Dataset;
use crate::rng::Rng;
use std::f64::consts::TAU;
use std::io::{self, Write};

/// A panel of daily series; see the module documentation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DailyPanel {
    /// Number of series S.
    pub n_series: usize,
    /// Points per series.
    pub len: usize,
    /// PRNG seed.
    pub seed: u64,
    /// First date, in days since 1970-01-01.
    pub start_day: i64,
}

impl DailyPanel {
    /// The benchmark panel: 100 series × 10,000 days from 2000-01-01.
    pub fn benchmark() -> DailyPanel {
        DailyPanel {
            n_series: 100,
            len: 10_000,
            seed: 2024,
            start_day: days_from_civil(2000, 1, 1),
        }
    }

    /// The id of series `s`: `S000`, `S001`, ...
    pub fn id(&self, s: usize) -> String {
        format!("S{s:03}")
    }

    /// The values of series `s` (rounded to 3 decimals).
    pub fn values(&self, s: usize) -> Vec<f32> {
        let mut rng = Rng::seed_from(self.seed).fork(s as u64);
        let level = 50.0 + 950.0 * rng.next_f64();
        let slope = (rng.next_f64() - 0.5) * 1e-4;
        let phase = TAU * rng.next_f64();
        let mut noise = 0.0;
        (0..self.len)
            .map(|t| {
                let t = t as f64;
                noise = 0.7 * noise + 0.05 * rng.normal();
                let season = 0.2 * (TAU * t / 7.0 + phase).sin() + 0.1 * (TAU * t / 365.25).sin();
                let v = level * (1.0 + slope * t + season + noise);
                ((v * 1000.0).round() / 1000.0) as f32
            })
            .collect()
    }

    /// All series as a [`Dataset`] (integer time index), without going through CSV.
    pub fn dataset(&self) -> Dataset {
        let ids: Vec<String> = (0..self.n_series).map(|s| self.id(s)).collect();
        let values: Vec<Vec<f32>> = (0..self.n_series).map(|s| self.values(s)).collect();
        let series: Vec<(&str, &[f32])> = ids
            .iter()
            .zip(&values)
            .map(|(id, v)| (id.as_str(), v.as_slice()))
            .collect();
        Dataset::from_series(&series)
    }

    /// Writes the panel as CSV `unique_id,ds,y`, series after series, dates as `YYYY-MM-DD`.
    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let mut w = io::BufWriter::with_capacity(1 << 20, out);
        writeln!(w, "unique_id,ds,y")?;
        for s in 0..self.n_series {
            let id = self.id(s);
            for (t, v) in self.values(s).iter().enumerate() {
                let (y, m, d) = civil_from_days(self.start_day + t as i64);
                writeln!(w, "{id},{y:04}-{m:02}-{d:02},{v:.3}")?;
            }
        }
        w.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        let p = DailyPanel {
            n_series: 2,
            len: 3,
            seed: 1,
            start_day: days_from_civil(2000, 12, 31),
        };
        let mut a = Vec::new();
        p.write_csv(&mut a).unwrap();
        let mut b = Vec::new();
        p.write_csv(&mut b).unwrap();
        assert_eq!(a, b);
        let text = String::from_utf8(a).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 7);
        assert_eq!(lines[0], "unique_id,ds,y");
        assert!(lines[1].starts_with("S000,2000-12-31,"));
        assert!(lines[3].starts_with("S000,2001-01-02,"));
        assert!(lines[4].starts_with("S001,2000-12-31,"));
        // The written value parses back to the in-memory f32.
        let v: f32 = lines[2].rsplit(',').next().unwrap().parse().unwrap();
        assert_eq!(v, p.values(0)[1]);
        assert!(p.values(1).iter().all(|&v| v > 0.0));
        assert_ne!(p.values(0), p.values(1));
        assert_eq!(p.dataset().n_rows(), 6);
    }
}
