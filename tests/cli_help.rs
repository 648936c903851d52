//! The CLI's help and its answers to mistakes: every command's `--help` lists each option with
//! its default, every listed option is one the command accepts, and an unknown option, command
//! or value names the closest valid one.

use neuro_divergent::cli::{run, EXIT_USAGE};

/// Runs the CLI in-process: (exit code, stdout, stderr).
fn cli(argv: &[&str]) -> (i32, String, String) {
    let argv: Vec<String> = argv.iter().map(|s| s.to_string()).collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run(&argv, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

/// Every command with a help text (the words before `--help`).
const COMMANDS: &[&[&str]] = &[
    &[],
    &["forecast"],
    &["fit"],
    &["predict"],
    &["eval"],
    &["info"],
    &["inspect"],
    &["bench"],
    &["bench", "kernels"],
    &["bench", "models"],
];

/// One option as a help text lists it: its name, whether it takes a value, and its
/// description (the option's line and the deeper-indented lines after it).
struct Listed {
    name: String,
    takes_value: bool,
    text: String,
}

fn listed_options(help: &str) -> Vec<Listed> {
    let lines: Vec<&str> = help.lines().collect();
    let mut options = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        if !trimmed.starts_with('-') {
            continue;
        }
        let start = trimmed
            .find("--")
            .expect("an option line has a long option")
            + 2;
        let after = &trimmed[start..];
        let end = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(after.len());
        let rest = &after[end..];
        // `--name VALUE  Description` versus `--name      Description`.
        let takes_value = rest.starts_with(' ') && !rest[1..].starts_with(' ');
        let indent = line.len() - trimmed.len();
        let mut text = line.to_string();
        for next in &lines[i + 1..] {
            let next_indent = next.len() - next.trim_start().len();
            if next.trim().is_empty() || next_indent <= indent || next.trim_start().starts_with('-')
            {
                break;
            }
            text.push('\n');
            text.push_str(next);
        }
        options.push(Listed {
            name: after[..end].to_string(),
            takes_value,
            text,
        });
    }
    options
}

fn help_of(command: &[&str]) -> String {
    let argv: Vec<&str> = command.iter().copied().chain(["--help"]).collect();
    let (code, out, err) = cli(&argv);
    assert_eq!(code, 0, "{argv:?}: {err}");
    assert!(out.contains("Usage: neuro-divergent"), "{argv:?}: {out}");
    out
}

#[test]
fn every_help_lists_each_option_with_its_default() {
    let mut with_value = 0;
    for command in COMMANDS {
        let help = help_of(command);
        let options = listed_options(&help);
        assert!(
            options.iter().any(|o| o.name == "help"),
            "{command:?} does not list --help:\n{help}"
        );
        for o in options.iter().filter(|o| o.takes_value) {
            with_value += 1;
            assert!(
                o.text.contains("[default: ") || o.text.contains("(required)"),
                "{command:?}: --{} has no [default: ...] and is not (required):\n{}",
                o.name,
                o.text
            );
        }
    }
    // The parser of the help text found the options (a broken parser would pass vacuously).
    assert!(
        with_value > 40,
        "only {with_value} options with values found"
    );
    let forecast = listed_options(&help_of(&["forecast"]));
    for name in [
        "input",
        "model",
        "horizon",
        "max-steps",
        "loss",
        "set",
        "futr",
    ] {
        assert!(
            forecast.iter().any(|o| o.name == name && o.takes_value),
            "{name}"
        );
    }
    assert!(forecast.iter().any(|o| o.name == "quiet" && !o.takes_value));
}

#[test]
fn every_listed_option_is_accepted_by_its_command() {
    for command in COMMANDS {
        for o in listed_options(&help_of(command)) {
            if o.name == "help" || o.name == "version" {
                continue;
            }
            let option = format!("--{}", o.name);
            let mut argv: Vec<&str> = command.to_vec();
            argv.push(&option);
            if o.takes_value {
                // Any value: a wrong one is a different error, never "unknown option".
                argv.push("1");
            }
            argv.push("--help");
            let (_, _, err) = cli(&argv);
            assert!(!err.contains("unknown option"), "{argv:?}: {err}");
        }
    }
}

#[test]
fn mistakes_name_the_closest_valid_choice() {
    for (argv, suggestion) in [
        // Options of every command.
        (
            &["forecast", "--modle", "mlp"][..],
            "did you mean `--model`?",
        ),
        (&["forecast", "-model", "mlp"], "did you mean `--model`?"),
        (&["fit", "--inptu", "x.csv"], "did you mean `--input`?"),
        (
            &["predict", "--model-fle", "m.nd"],
            "did you mean `--model-file`?",
        ),
        (&["eval", "--tset", "t.csv"], "did you mean `--test`?"),
        (
            &["inspect", "a.csv", "--delimitr", ";"],
            "did you mean `--delimiter`?",
        ),
        (&["info", "--hlep"], "did you mean `--help`?"),
        (&["bench", "kernels", "--quik"], "did you mean `--quick`?"),
        (
            &["bench", "models", "--spc", "w.json"],
            "did you mean `--spec`?",
        ),
        (&["--verison"], "did you mean `--version`?"),
        // Commands and benchmarks.
        (&["forcast"], "did you mean `forecast`?"),
        (&["help", "fti"], "did you mean `fit`?"),
        (&["bench", "modles"], "did you mean `models`?"),
        // Values.
        (&["forecast", "--model", "MPL"], "did you mean `MLP`?"),
        (&["forecast", "--model", "nhist"], "did you mean `nhits`?"),
        (&["forecast", "--loss", "maee"], "did you mean `mae`?"),
        (
            &["bench", "kernels", "--isa", "avx51"],
            "did you mean `avx512`?",
        ),
        (
            &["forecast", "--set", "hiden_size=3"],
            "did you mean `hidden_size`?",
        ),
        (
            &["forecast", "--set", "scaler_type=standrd"],
            "did you mean `standard`?",
        ),
    ] {
        let (code, out, err) = cli(argv);
        assert_eq!(code, EXIT_USAGE, "{argv:?}: {err}");
        assert!(out.is_empty(), "{argv:?}: {out}");
        assert!(err.contains(suggestion), "{argv:?}: {err}");
        assert!(err.contains("--help`)"), "{argv:?}: {err}");
    }
}

#[test]
fn a_word_like_nothing_valid_gets_no_suggestion() {
    for argv in [
        &["forecast", "--frobnicate"][..],
        &["frobnicate"],
        &["forecast", "--model", "prophet"],
    ] {
        let (code, _, err) = cli(argv);
        assert_eq!(code, EXIT_USAGE, "{argv:?}");
        assert!(err.contains("unknown"), "{argv:?}: {err}");
        assert!(!err.contains("did you mean"), "{argv:?}: {err}");
    }
}
