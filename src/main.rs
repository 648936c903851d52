//! The `neuro-divergent` command; everything it does lives in the library's `cli` module.
#![forbid(unsafe_code)]

use std::io::Write;

fn main() {
    let mut argv = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => argv.push(arg),
            Err(bad) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "error: argument {bad:?} is not valid UTF-8\n(see `neuro-divergent --help`)"
                );
                std::process::exit(neuro_divergent::cli::EXIT_USAGE);
            }
        }
    }
    let code = neuro_divergent::cli::run(&argv, &mut std::io::stdout(), &mut std::io::stderr());
    std::process::exit(code);
}
