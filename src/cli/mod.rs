//! The command-line interface: hand-written argument parsing, one module per command.
//!
//! [`run`] takes the arguments (without the program name) and the output streams, and returns
//! the exit code: 0 on success, 2 for a usage mistake (unknown command or option, bad value,
//! an invalid `NEURO_DIVERGENT_ISA`), 1 for bad input data (a malformed file, invalid series)
//! or when the output cannot be written.
//! It never panics on user input.

mod args;
mod bench;
mod eval;
mod fit;
mod forecast;
mod info;
mod inspect;
pub mod json;
pub mod kernel_bench;
pub mod machine;
mod model_args;
mod model_bench;
mod model_workload;
mod output;
mod predict;
pub mod progress;
mod raw_batch;
mod report;
mod roofline;
pub mod timing;

use std::io::{self, Write};

use args::{Arg, Args, UsageError};

/// Exit code of a usage mistake.
pub const EXIT_USAGE: i32 = 2;

/// Exit code of bad input data (and of output that cannot be written).
pub const EXIT_INPUT: i32 = 1;

/// Why a command failed: a usage mistake (exit 2) or the input data (exit 1).
#[derive(Debug)]
pub(crate) enum Failure {
    Usage(UsageError),
    Input(crate::error::Error),
}

impl From<UsageError> for Failure {
    fn from(e: UsageError) -> Failure {
        Failure::Usage(e)
    }
}

impl From<crate::error::Error> for Failure {
    fn from(e: crate::error::Error) -> Failure {
        Failure::Input(e)
    }
}

const MAIN_HELP: &str = "\
neuro-divergent: neural time-series forecasting on a zero-dependency numerics engine

Usage: neuro-divergent <COMMAND> [OPTIONS]

Commands:
  forecast        Train models and print the forecast (no arguments: the embedded
                  AirPassengers series, 12 months ahead, with MLP)
  fit             Train models and save them to a model file
  predict         Forecast from a model file, without training
  eval            Fit on a train file, score on a test file: MAE, RMSE, sMAPE, MASE vs SeasonalNaive
  info            Version, CPU, detected and active ISA, usable ISAs, threads
  inspect FILE    Validate a long-format CSV file; per-series counts, dates, frequency, stats
  bench kernels   sgemm GFLOP/s, elementwise Gelem/s and the measured f32 peak per ISA
  bench models    The comparison harness's model workloads (see benches/workloads.json)
  help [COMMAND]  Print this help, or a command's help

Options:
  -h, --help      Print help (every command accepts it)
  -V, --version   Print the version

Environment:
  NEURO_DIVERGENT_ISA   Cap the kernel tier: scalar, sse2, avx, avx2, avx512 or neon.
                        A name the CPU does not support, or an unknown one, is an error.

Start with `neuro-divergent forecast`, then `neuro-divergent forecast --help`.
";

/// The command words, as `--help` lists them.
const COMMANDS: [&str; 8] = [
    "forecast", "fit", "predict", "eval", "info", "inspect", "bench", "help",
];

/// The tier the process uses, or the usage error for an invalid `NEURO_DIVERGENT_ISA`.
pub(crate) fn active_isa() -> Result<nd_kernels::Isa, UsageError> {
    nd_kernels::isa::active_checked().map_err(|e| {
        UsageError::new(
            format!("invalid NEURO_DIVERGENT_ISA: {e}"),
            "neuro-divergent --help",
        )
    })
}

/// Runs the CLI on `argv` (without the program name), writing to `out` and `err`.
pub fn run(argv: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let mut text = String::new();
    let result = dispatch(argv, &mut text, err);
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match (result, written) {
        (Err(Failure::Usage(usage)), _) => {
            let _ = writeln!(err, "{usage}");
            EXIT_USAGE
        }
        (Err(Failure::Input(e)), _) => {
            let _ = writeln!(err, "error: {e}");
            EXIT_INPUT
        }
        (Ok(()), Ok(())) => 0,
        // `neuro-divergent info | head -1` is not a failure.
        (Ok(()), Err(e)) if e.kind() == io::ErrorKind::BrokenPipe => 0,
        (Ok(()), Err(e)) => {
            let _ = writeln!(err, "error: cannot write the output: {e}");
            1
        }
    }
}

/// Parses the command word and hands the rest to the command. Output goes to `out` (printed
/// by [`run`] once complete, so that an error never leaves half a report behind).
fn dispatch(argv: &[String], out: &mut String, err: &mut dyn Write) -> Result<(), Failure> {
    if argv.first().map(String::as_str) == Some("-V") {
        out.push_str(&format!("neuro-divergent {}\n", env!("CARGO_PKG_VERSION")));
        return Ok(());
    }
    // A bad NEURO_DIVERGENT_THREADS is reported before any work, not silently replaced.
    crate::sched::configured_threads()?;
    let mut args = Args::new(argv, "neuro-divergent").options_from(MAIN_HELP);
    match args.next_arg()? {
        // With no command, show what there is (forecasting needs the word `forecast`).
        None | Some(Arg::Help) => out.push_str(MAIN_HELP),
        Some(Arg::Long("version", None)) => {
            out.push_str(&format!("neuro-divergent {}\n", env!("CARGO_PKG_VERSION")));
        }
        Some(Arg::Long(name, _)) => return Err(args.unknown_option(name).into()),
        Some(Arg::Word("forecast")) => forecast::run(&argv[1..], out, err)?,
        Some(Arg::Word("fit")) => fit::run(&argv[1..], out, err)?,
        Some(Arg::Word("predict")) => predict::run(&argv[1..], out, err)?,
        Some(Arg::Word("eval")) => eval::run(&argv[1..], out, err)?,
        Some(Arg::Word("info")) => info::run(&argv[1..], out)?,
        Some(Arg::Word("bench")) => bench::run(&argv[1..], out, err)?,
        Some(Arg::Word("inspect")) => inspect::run(&argv[1..], out)?,
        Some(Arg::Word("help")) => help(&argv[1..], out)?,
        Some(Arg::Word(other)) => {
            return Err(args
                .error(format!(
                    "unknown command `{other}` (commands: {}){}",
                    COMMANDS.join(", "),
                    crate::suggest::hint(other, COMMANDS)
                ))
                .into())
        }
    }
    Ok(())
}

/// `help [COMMAND...]`.
fn help(words: &[String], out: &mut String) -> Result<(), UsageError> {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let owned;
    let text = match words.as_slice() {
        [] => MAIN_HELP,
        ["forecast"] => {
            owned = forecast::help();
            &owned
        }
        ["fit"] => {
            owned = fit::help();
            &owned
        }
        ["predict"] => predict::HELP,
        ["eval"] => {
            owned = eval::help();
            &owned
        }
        ["info"] => info::HELP,
        ["inspect"] => inspect::HELP,
        ["bench"] => bench::HELP,
        ["bench", "kernels"] => bench::KERNELS_HELP,
        ["bench", "models"] => model_bench::HELP,
        _ => {
            return Err(UsageError::new(
                format!(
                    "no help for `{}`{}",
                    words.join(" "),
                    crate::suggest::hint(&words.join(" "), COMMANDS)
                ),
                "neuro-divergent --help",
            ))
        }
    };
    out.push_str(text);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the CLI, returning (exit code, stdout, stderr).
    pub(crate) fn cli(argv: &[&str]) -> (i32, String, String) {
        let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run(&argv, &mut out, &mut err);
        (
            code,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn no_arguments_print_the_help() {
        let (code, out, _) = cli(&[]);
        assert_eq!(code, 0);
        assert!(out.starts_with("neuro-divergent:"), "{out}");
        assert_eq!(cli(&["--help"]).1, out);
        assert_eq!(cli(&["help"]).1, out);
    }

    #[test]
    fn version() {
        for flag in ["--version", "-V"] {
            let (code, out, _) = cli(&[flag]);
            assert_eq!(code, 0);
            assert_eq!(
                out,
                format!("neuro-divergent {}\n", env!("CARGO_PKG_VERSION"))
            );
        }
    }

    #[test]
    fn every_command_has_help() {
        for argv in [
            &["info", "--help"][..],
            &["bench", "--help"],
            &["bench", "kernels", "--help"],
            &["bench", "kernels", "-h"],
            &["help", "bench", "kernels"],
            &["help", "info"],
            &["inspect", "--help"],
            &["help", "inspect"],
            &["forecast", "--help"],
            &["fit", "-h"],
            &["predict", "--help"],
            &["eval", "--help"],
            &["help", "forecast"],
            &["help", "fit"],
            &["help", "predict"],
            &["help", "eval"],
        ] {
            let (code, out, err) = cli(argv);
            assert_eq!(code, 0, "{argv:?}: {err}");
            assert!(out.contains("Usage: neuro-divergent"), "{argv:?}: {out}");
        }
    }

    #[test]
    fn unknown_commands_and_options_are_usage_errors() {
        for (argv, needle) in [
            (&["frobnicate"][..], "unknown command `frobnicate`"),
            (&["--frobnicate"], "unknown option `--frobnicate`"),
            (&["-x"], "unknown option `-x`"),
            (&["info", "--json"], "unknown option `--json`"),
            (&["info", "extra"], "unexpected argument `extra`"),
            (&["bench"], "missing the benchmark"),
            (&["bench", "modles"], "unknown benchmark `modles`"),
            (&["bench", "kernels", "--fast"], "unknown option `--fast`"),
            (&["bench", "kernels", "--isa"], "`--isa` needs a value"),
            (&["bench", "kernels", "--isa", "avx1024"], "avx1024"),
            (&["bench", "kernels", "--json=yes"], "takes no value"),
            (&["bench", "kernels", "x"], "unexpected argument `x`"),
            (&["help", "nothing"], "no help for `nothing`"),
        ] {
            let (code, out, err) = cli(argv);
            assert_eq!(code, EXIT_USAGE, "{argv:?}");
            assert!(out.is_empty(), "{argv:?}: {out}");
            assert!(err.contains(needle), "{argv:?}: {err}");
            assert!(err.contains("--help"), "{argv:?}: {err}");
        }
    }

    #[test]
    fn a_tier_of_another_architecture_is_refused() {
        #[cfg(target_arch = "x86_64")]
        let foreign = "neon";
        #[cfg(not(target_arch = "x86_64"))]
        let foreign = "avx2";
        let (code, _, err) = cli(&["bench", "kernels", "--isa", foreign]);
        assert_eq!(code, EXIT_USAGE);
        assert!(
            err.contains(&format!("ISA {foreign} is not supported")),
            "{err}"
        );
    }
}
