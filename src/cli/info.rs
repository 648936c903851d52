//! `neuro-divergent info`: what this binary will run on.

use nd_kernels::isa;

use super::args::{Arg, Args, UsageError};
use super::machine::Machine;

pub const HELP: &str = "\
Print the version, the CPU, the detected and active kernel tiers and the available threads.

Usage: neuro-divergent info [OPTIONS]

Options:
  -h, --help   Print this help

The active tier is the best one this CPU supports, capped by NEURO_DIVERGENT_ISA when set
(scalar, sse2, avx, avx2, avx512, neon); an invalid value is reported as an error.
";

pub fn run(argv: &[String], out: &mut String) -> Result<(), UsageError> {
    let mut args = Args::new(argv, "neuro-divergent info").options_from(HELP);
    if let Some(arg) = args.next_arg()? {
        return match arg {
            Arg::Help => {
                out.push_str(HELP);
                Ok(())
            }
            Arg::Long(name, _) => Err(args.unknown_option(name)),
            Arg::Word(word) => Err(args.unexpected_word(word)),
        };
    }
    let active = super::active_isa()?;
    let machine = Machine::detect();
    let usable: Vec<&str> = isa::supported().iter().map(|i| i.name()).collect();
    let cap = match std::env::var("NEURO_DIVERGENT_ISA") {
        Ok(v) if !v.trim().is_empty() => format!("NEURO_DIVERGENT_ISA={v}"),
        _ => "NEURO_DIVERGENT_ISA unset".to_string(),
    };
    let lines = [
        (
            "version",
            format!("neuro-divergent {}", env!("CARGO_PKG_VERSION")),
        ),
        ("cpu", machine.cpu.clone()),
        ("arch", format!("{} ({})", machine.arch, machine.os)),
        ("detected ISA", isa::best().name().to_string()),
        ("active ISA", format!("{} ({cap})", active.name())),
        ("usable ISAs", usable.join(", ")),
        ("threads", machine.threads.to_string()),
    ];
    for (key, value) in lines {
        out.push_str(&format!("{:<14}{value}\n", format!("{key}:")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::tests::cli;

    #[test]
    fn info_names_the_tiers_and_threads() {
        let (code, out, err) = cli(&["info"]);
        // Under an invalid NEURO_DIVERGENT_ISA (set by whoever runs the tests), info refuses.
        if nd_kernels::isa::active_checked().is_err() {
            assert_eq!(code, 2, "{err}");
            return;
        }
        assert_eq!(code, 0, "{err}");
        for key in [
            "version:",
            "detected ISA:",
            "active ISA:",
            "usable ISAs:",
            "threads:",
        ] {
            assert!(out.contains(key), "{key} missing from\n{out}");
        }
        assert!(out.contains(nd_kernels::isa::best().name()));
    }
}
