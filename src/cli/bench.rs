//! `neuro-divergent bench kernels`: argument handling and printing; the measuring itself is
//! in `kernel_bench.rs`.

use std::io::{IsTerminal, Write};

use nd_kernels::{isa, Isa};

use super::args::{Arg, Args, UsageError};
use super::kernel_bench::{bench_isa, BenchConfig, IsaReport};
use super::machine::Machine;
use super::report;

pub const HELP: &str = "\
Run a benchmark.

Usage: neuro-divergent bench <BENCHMARK> [OPTIONS]

Benchmarks:
  kernels   sgemm GFLOP/s, elementwise Gelem/s and the measured f32 peak per ISA
  models    the comparison harness's model workloads (creation, training, inference, memory)

Options:
  -h, --help   Print this help (see also `neuro-divergent bench kernels --help`)
";

pub const KERNELS_HELP: &str = "\
Measure the numeric kernels on one thread: sgemm GFLOP/s at (M,N,K) = (32,1024,24),
(32,12,1024), (64,64,64), (128,512,128), (256,256,256), (512,512,512), (1024,1024,1024),
each also as a fraction of the tier's f32 peak measured by this binary (FMA chains; mul+add
pairs on SSE2 and AVX, which lack FMA); and Gelem/s of exp, tanh, sigmoid and axpy on 1M
floats. Each item is warmed up, then repeated for ~0.3 s, in each of 3 rounds over all
items (all tiers); the best run over the rounds is reported, and fractions use the best peak.

Usage: neuro-divergent bench kernels [OPTIONS]

Options:
  --isa NAME   The tier to measure: scalar, sse2, avx, avx2, avx512, neon, or `all` for every
               tier this CPU supports [default: the active tier, see NEURO_DIVERGENT_ISA]
  --json       Print one JSON object instead of tables: {\"isa\", \"timing\", \"machine\",
               \"peak_gflops\", \"peak_kind\", \"sgemm\": [{\"m\", \"n\", \"k\", \"gflops\",
               \"fraction_of_peak\", \"runs\"}], \"elementwise\": [{\"kernel\", \"n\",
               \"gelem_per_s\", \"runs\"}]}; with --isa all: {\"machine\", \"timing\",
               \"results\": [one such object per tier]}
  --rounds N   Measure everything N times, keeping the best [default: 3; 1 with --quick]
  --quick      ~0.03 s per item and 1 round instead of ~0.3 s and 3 (noisier figures)
  -h, --help   Print this help
";

/// Which tiers to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tiers {
    Active,
    One(Isa),
    All,
}

#[derive(Debug, PartialEq, Eq)]
struct KernelsOptions {
    tiers: Tiers,
    json: bool,
    quick: bool,
    rounds: Option<usize>,
}

/// `bench ...`: the benchmark word, then its options.
pub fn run(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), UsageError> {
    let mut args = Args::new(argv, "neuro-divergent bench").options_from(HELP);
    match args.next_arg()? {
        Some(Arg::Help) => {
            out.push_str(HELP);
            Ok(())
        }
        Some(Arg::Word("kernels")) => match parse_kernels(&argv[1..])? {
            None => {
                out.push_str(KERNELS_HELP);
                Ok(())
            }
            Some(options) => run_kernels(&options, out, err),
        },
        Some(Arg::Word("models")) => super::model_bench::run(&argv[1..], out, err),
        Some(Arg::Word(other)) => Err(args.error(format!(
            "unknown benchmark `{other}` (benchmarks: kernels, models){}",
            crate::suggest::hint(other, ["kernels", "models"])
        ))),
        Some(Arg::Long(name, _)) => Err(args.unknown_option(name)),
        None => {
            Err(args.error("missing the benchmark to run (benchmarks: kernels, models)".into()))
        }
    }
}

/// The options of `bench kernels`, or `None` when help was asked for.
fn parse_kernels(argv: &[String]) -> Result<Option<KernelsOptions>, UsageError> {
    let mut args = Args::new(argv, "neuro-divergent bench kernels").options_from(KERNELS_HELP);
    let mut options = KernelsOptions {
        tiers: Tiers::Active,
        json: false,
        quick: false,
        rounds: None,
    };
    while let Some(arg) = args.next_arg()? {
        match arg {
            Arg::Help => return Ok(None),
            Arg::Long("isa", inline) => {
                let name = args.value("isa", inline)?;
                options.tiers = if name.eq_ignore_ascii_case("all") {
                    Tiers::All
                } else {
                    let requested = Isa::from_name(name).ok_or_else(|| {
                        let names = ["scalar", "sse2", "avx", "avx2", "avx512", "neon", "all"];
                        args.error(format!(
                            "--isa: {}{}",
                            isa::IsaError::Unknown {
                                requested: name.to_string()
                            },
                            crate::suggest::hint(name, names)
                        ))
                    })?;
                    let usable =
                        isa::capped(requested).map_err(|e| args.error(format!("--isa: {e}")))?;
                    Tiers::One(usable)
                };
            }
            Arg::Long("json", inline) => {
                args.flag("json", inline)?;
                options.json = true;
            }
            Arg::Long("quick", inline) => {
                args.flag("quick", inline)?;
                options.quick = true;
            }
            Arg::Long("rounds", inline) => {
                let value = args.value("rounds", inline)?;
                match value.parse::<usize>() {
                    Ok(n) if (1..=100).contains(&n) => options.rounds = Some(n),
                    _ => {
                        return Err(args.error(format!(
                            "--rounds: expected a whole number from 1 to 100, got `{value}`"
                        )))
                    }
                }
            }
            Arg::Long(name, _) => return Err(args.unknown_option(name)),
            Arg::Word(word) => return Err(args.unexpected_word(word)),
        }
    }
    Ok(Some(options))
}

fn run_kernels(
    options: &KernelsOptions,
    out: &mut String,
    err: &mut dyn Write,
) -> Result<(), UsageError> {
    // An invalid NEURO_DIVERGENT_ISA is reported even when --isa overrides it: it is most
    // likely a typo the user wants to know about.
    let active = super::active_isa()?;
    let tiers: Vec<Isa> = match options.tiers {
        Tiers::Active => vec![active],
        Tiers::One(isa) => vec![isa],
        Tiers::All => isa::supported().to_vec(),
    };
    let mut config = if options.quick {
        BenchConfig::quick()
    } else {
        BenchConfig::full()
    };
    if let Some(rounds) = options.rounds {
        config.rounds = rounds;
    }
    let machine = Machine::detect();
    // Progress on stderr only when a person is watching it.
    let show_progress = std::io::stderr().is_terminal();

    let mut reports: Vec<IsaReport> = Vec::new();
    for round in 0..config.rounds {
        for (i, &tier) in tiers.iter().enumerate() {
            let report = bench_isa(tier, &config, |item| {
                if show_progress {
                    let _ = write!(
                        err,
                        "\r\x1b[2Kround {}/{}: {tier}: {item} ...",
                        round + 1,
                        config.rounds
                    );
                    let _ = err.flush();
                }
            });
            // `tiers` holds only supported tiers, so every report exists.
            let Some(report) = report else { continue };
            match reports.get_mut(i) {
                Some(best) if round > 0 => best.merge_best(&report),
                _ => reports.push(report),
            }
        }
    }
    if show_progress {
        let _ = write!(err, "\r\x1b[2K");
    }

    if options.json {
        let object = match options.tiers {
            Tiers::All => report::json_all(&reports, &machine),
            _ => match reports.first() {
                Some(r) => report::json_one(r, &machine),
                None => report::json_all(&reports, &machine),
            },
        };
        out.push_str(&object);
        out.push('\n');
    } else {
        out.push_str(&report::text_header(&machine, &config));
        for r in &reports {
            out.push_str(&report::text_one(r));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(argv: &[&str]) -> Result<Option<KernelsOptions>, UsageError> {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        parse_kernels(&argv)
    }

    #[test]
    fn parses_the_options() {
        let o = parse(&["--isa", "scalar", "--json", "--quick"])
            .unwrap()
            .unwrap();
        assert_eq!(
            o,
            KernelsOptions {
                tiers: Tiers::One(Isa::Scalar),
                json: true,
                quick: true,
                rounds: None,
            }
        );
        let o = parse(&["--isa=ALL"]).unwrap().unwrap();
        assert_eq!(o.tiers, Tiers::All);
        assert_eq!(parse(&[]).unwrap().unwrap().tiers, Tiers::Active);
        assert_eq!(parse(&["--json", "--help"]).unwrap(), None);
        assert_eq!(parse(&["--rounds", "5"]).unwrap().unwrap().rounds, Some(5));
        for bad in ["0", "x", "-1", "101"] {
            let e = parse(&["--rounds", bad]).unwrap_err().to_string();
            assert!(e.contains("--rounds"), "{e}");
        }
    }

    #[test]
    fn bad_isa_names_are_explained() {
        let err = parse(&["--isa", "avx1024"]).unwrap_err();
        assert!(err.message.contains("unknown ISA \"avx1024\""), "{err}");
        assert!(err.message.contains("expected one of"), "{err}");
        let err = parse(&["--isa", ""]).unwrap_err();
        assert!(err.message.contains("unknown ISA"), "{err}");
    }
}
