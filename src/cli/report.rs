//! How `bench kernels` prints its figures: an aligned table for people, one JSON object for
//! tools.
//!
//! JSON layout (one object, on one line):
//! - one tier (`--isa NAME`, or the active tier by default):
//!   `{"isa": "avx2", "timing": "best", "machine": {...}, "peak_gflops": 97.1,
//!     "peak_kind": "fma", "sgemm": [{"m": 32, "n": 1024, "k": 24, "gflops": 61.2,
//!     "fraction_of_peak": 0.630, "runs": 40}, ...],
//!     "elementwise": [{"kernel": "exp", "n": 1048576, "gelem_per_s": 2.41, "runs": 90}, ...]}`
//! - every tier (`--isa all`): `{"machine": {...}, "timing": "best", "results": [<one object
//!   per tier, as above but without "machine" and "timing">, ...]}`
//!
//! `machine` is `{"cpu": "...", "arch": "x86_64", "os": "linux", "threads": 2}`; `timing` says
//! that each figure comes from the best (fastest) of the timed runs; `peak_kind` is `"fma"` or
//! `"mul+add"` (SSE2 and AVX have no FMA).

use std::fmt::Write as _;

use super::json;
use super::kernel_bench::{BenchConfig, IsaReport};
use super::machine::Machine;

fn peak_kind(report: &IsaReport) -> &'static str {
    if report.peak_uses_fma {
        "fma"
    } else {
        "mul+add"
    }
}

fn machine_json(machine: &Machine) -> String {
    json::object(&[
        ("cpu", json::string(&machine.cpu)),
        ("arch", json::string(machine.arch)),
        ("os", json::string(machine.os)),
        ("threads", machine.threads.to_string()),
    ])
}

/// The fields of one tier's object; `header` fields come first.
fn isa_fields(report: &IsaReport) -> Vec<(&'static str, String)> {
    let sgemm: Vec<String> = report
        .sgemm
        .iter()
        .map(|r| {
            json::object(&[
                ("m", r.m.to_string()),
                ("n", r.n.to_string()),
                ("k", r.k.to_string()),
                ("gflops", json::number(r.gflops, 3)),
                ("fraction_of_peak", json::number(r.fraction_of_peak, 4)),
                ("runs", r.runs.to_string()),
            ])
        })
        .collect();
    let elementwise: Vec<String> = report
        .elementwise
        .iter()
        .map(|r| {
            json::object(&[
                ("kernel", json::string(r.kernel)),
                ("n", r.n.to_string()),
                ("gelem_per_s", json::number(r.gelem_per_s, 4)),
                ("runs", r.runs.to_string()),
            ])
        })
        .collect();
    vec![
        ("isa", json::string(report.isa.name())),
        ("peak_gflops", json::number(report.peak_gflops, 3)),
        ("peak_kind", json::string(peak_kind(report))),
        ("sgemm", json::array(&sgemm)),
        ("elementwise", json::array(&elementwise)),
    ]
}

/// The JSON object of one tier's report.
pub fn json_one(report: &IsaReport, machine: &Machine) -> String {
    let mut fields = isa_fields(report);
    fields.insert(1, ("timing", json::string("best")));
    fields.insert(2, ("machine", machine_json(machine)));
    json::object(&fields)
}

/// The JSON object of `--isa all`.
pub fn json_all(reports: &[IsaReport], machine: &Machine) -> String {
    let results: Vec<String> = reports
        .iter()
        .map(|r| json::object(&isa_fields(r)))
        .collect();
    json::object(&[
        ("machine", machine_json(machine)),
        ("timing", json::string("best")),
        ("results", json::array(&results)),
    ])
}

/// The header of the human-readable output.
pub fn text_header(machine: &Machine, config: &BenchConfig) -> String {
    format!(
        "neuro-divergent {} bench kernels: one thread, best of repeated runs (~{} ms per item, {} rounds)\n\
         machine: {} ({}, {}, {} threads available)\n",
        env!("CARGO_PKG_VERSION"),
        config.budget.as_millis(),
        config.rounds,
        machine.cpu,
        machine.arch,
        machine.os,
        machine.threads,
    )
}

/// One tier's figures as aligned tables.
pub fn text_one(report: &IsaReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nISA {}: measured f32 peak {:.1} GFLOP/s ({}, {} lane{})",
        report.isa,
        report.peak_gflops,
        if report.peak_uses_fma {
            "FMA"
        } else {
            "mul+add pairs, no FMA"
        },
        report.isa.lanes(),
        if report.isa.lanes() == 1 { "" } else { "s" },
    );
    let _ = writeln!(
        out,
        "  {:<8} {:>5} {:>5} {:>5} {:>10} {:>8} {:>6}",
        "sgemm", "M", "N", "K", "GFLOP/s", "of peak", "runs"
    );
    for r in &report.sgemm {
        let _ = writeln!(
            out,
            "  {:<8} {:>5} {:>5} {:>5} {:>10.2} {:>7.1}% {:>6}",
            "",
            r.m,
            r.n,
            r.k,
            r.gflops,
            100.0 * r.fraction_of_peak,
            r.runs
        );
    }
    let _ = writeln!(
        out,
        "  {:<8} {:>17} {:>10} {:>8} {:>6}",
        "kernel", "n", "Gelem/s", "", "runs"
    );
    for r in &report.elementwise {
        let _ = writeln!(
            out,
            "  {:<8} {:>17} {:>10.3} {:>8} {:>6}",
            r.kernel, r.n, r.gelem_per_s, "", r.runs
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::kernel_bench::{ElementwiseResult, SgemmResult};
    use super::*;
    use nd_kernels::Isa;

    fn sample() -> IsaReport {
        IsaReport {
            isa: Isa::Scalar,
            peak_gflops: 10.0,
            peak_uses_fma: false,
            sgemm: vec![SgemmResult {
                m: 32,
                n: 1024,
                k: 24,
                gflops: 5.0,
                fraction_of_peak: 0.5,
                runs: 3,
            }],
            elementwise: vec![ElementwiseResult {
                kernel: "exp",
                n: 1 << 20,
                gelem_per_s: 1.5,
                runs: 4,
            }],
        }
    }

    fn machine() -> Machine {
        Machine {
            cpu: "Test \"CPU\"".into(),
            arch: "x86_64",
            os: "linux",
            threads: 2,
        }
    }

    #[test]
    fn json_one_has_the_documented_fields() {
        let j = json_one(&sample(), &machine());
        assert!(j.starts_with(r#"{"isa":"scalar","timing":"best","machine":{"cpu":"Test \"CPU\""#));
        assert!(
            j.contains(r#""peak_gflops":10.000,"peak_kind":"mul+add""#),
            "{j}"
        );
        assert!(j.contains(
            r#""sgemm":[{"m":32,"n":1024,"k":24,"gflops":5.000,"fraction_of_peak":0.5000,"runs":3}]"#
        ));
        assert!(j.contains(
            r#""elementwise":[{"kernel":"exp","n":1048576,"gelem_per_s":1.5000,"runs":4}]"#
        ));
        assert!(!j.contains('\n'));
    }

    #[test]
    fn json_all_wraps_one_object_per_tier() {
        let j = json_all(&[sample(), sample()], &machine());
        assert!(j.starts_with(r#"{"machine":{"#));
        assert!(
            j.contains(r#""results":[{"isa":"scalar","peak_gflops""#),
            "{j}"
        );
        assert_eq!(j.matches(r#""isa":"#).count(), 2);
    }

    #[test]
    fn text_tables_align() {
        let t = text_one(&sample());
        let lines: Vec<&str> = t.lines().filter(|l| l.starts_with("  ")).collect();
        // The header and the row of each table have the same width.
        assert_eq!(lines[0].len(), lines[1].len(), "{t}");
        assert_eq!(lines[2].len(), lines[3].len(), "{t}");
        assert!(t.contains("50.0%"));
        assert!(t.contains("(mul+add pairs, no FMA, 1 lane)"), "{t}");
    }
}
