//! A small hand-written argument parser: flags, `--name value` / `--name=value` options and
//! positional words, with errors that name the offending argument.
//!
//! A command hands its help text to [`Args::options_from`]; the options listed there are the
//! candidates for "did you mean `--model`?" when an option is unknown, so the suggestions can
//! never name an option the help does not document.

use std::fmt;

/// A command-line mistake: reported on stderr with exit code 2, like getopt tools.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsageError {
    pub message: String,
    /// The help command to suggest, e.g. `neuro-divergent bench kernels --help`.
    pub help_hint: String,
}

impl UsageError {
    pub fn new(message: impl Into<String>, help_hint: impl Into<String>) -> UsageError {
        UsageError {
            message: message.into(),
            help_hint: help_hint.into(),
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}\n(see `{}`)", self.message, self.help_hint)
    }
}

impl std::error::Error for UsageError {}

/// The arguments of one (sub)command, consumed left to right.
#[derive(Debug)]
pub struct Args<'a> {
    rest: &'a [String],
    /// The command these arguments belong to, e.g. `neuro-divergent bench kernels`.
    command: &'a str,
    /// The long options the command's help lists, without dashes (for suggestions).
    options: Vec<String>,
}

/// One parsed argument.
#[derive(Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    /// `-h` or `--help`.
    Help,
    /// `--name` or `--name=value` (without the dashes); the value, if given inline.
    Long(&'a str, Option<&'a str>),
    /// A word that does not start with `-`.
    Word(&'a str),
}

impl<'a> Args<'a> {
    pub fn new(rest: &'a [String], command: &'a str) -> Args<'a> {
        Args {
            rest,
            command,
            options: Vec::new(),
        }
    }

    /// Takes the command's long options from its help text: the first `--name` of every line
    /// that starts (after indentation) with `-`.
    pub fn options_from(mut self, help: &str) -> Args<'a> {
        self.options = help_options(help);
        self
    }

    /// The help command to point at in errors.
    pub fn help_hint(&self) -> String {
        format!("{} --help", self.command)
    }

    /// The next argument, or `None` at the end.
    pub fn next_arg(&mut self) -> Result<Option<Arg<'a>>, UsageError> {
        let Some((first, rest)) = self.rest.split_first() else {
            return Ok(None);
        };
        self.rest = rest;
        let arg = first.as_str();
        if arg == "-h" || arg == "--help" {
            return Ok(Some(Arg::Help));
        }
        if let Some(long) = arg.strip_prefix("--") {
            if long.is_empty() {
                return Err(self.error(format!("unexpected `--` in `{}`", self.command)));
            }
            return Ok(Some(match long.split_once('=') {
                Some((name, value)) => Arg::Long(name, Some(value)),
                None => Arg::Long(long, None),
            }));
        }
        if arg.starts_with('-') && arg.len() > 1 {
            // `-model` for `--model`: a single dash is a common slip.
            let hint =
                match crate::suggest::closest(&arg[1..], self.options.iter().map(String::as_str)) {
                    Some(option) => format!("; did you mean `--{option}`?"),
                    None => String::new(),
                };
            return Err(self.error(format!(
                "unknown option `{arg}` for `{}`{hint}",
                self.command
            )));
        }
        Ok(Some(Arg::Word(arg)))
    }

    /// The value of option `--name`: the inline `=value`, else the next argument.
    pub fn value(&mut self, name: &str, inline: Option<&'a str>) -> Result<&'a str, UsageError> {
        if let Some(value) = inline {
            return Ok(value);
        }
        match self.rest.split_first() {
            Some((value, rest)) if !value.starts_with("--") => {
                self.rest = rest;
                Ok(value.as_str())
            }
            _ => Err(self.error(format!("option `--{name}` needs a value"))),
        }
    }

    /// Rejects an inline value given to a flag (`--json=yes`).
    pub fn flag(&self, name: &str, inline: Option<&str>) -> Result<(), UsageError> {
        match inline {
            None => Ok(()),
            Some(value) => Err(self.error(format!(
                "flag `--{name}` takes no value (got `--{name}={value}`)"
            ))),
        }
    }

    /// An error about these arguments, pointing at this command's help.
    pub fn error(&self, message: String) -> UsageError {
        UsageError::new(message, self.help_hint())
    }

    /// The error for an option this command does not know, with the closest listed option.
    pub fn unknown_option(&self, name: &str) -> UsageError {
        let hint = match crate::suggest::closest(name, self.options.iter().map(String::as_str)) {
            Some(option) => format!("; did you mean `--{option}`?"),
            None => String::new(),
        };
        self.error(format!(
            "unknown option `--{name}` for `{}`{hint}",
            self.command
        ))
    }

    /// The error for a positional word this command does not expect.
    pub fn unexpected_word(&self, word: &str) -> UsageError {
        self.error(format!(
            "unexpected argument `{word}` for `{}`",
            self.command
        ))
    }
}

/// The long options a help text lists (see [`Args::options_from`]), in order, without dashes.
pub fn help_options(help: &str) -> Vec<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|line| line.starts_with('-'))
        .filter_map(|line| {
            let start = line.find("--")? + 2;
            let name: String = line[start..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect();
            (!name.is_empty()).then_some(name)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_flags_options_and_words() {
        let raw = strings(&["--json", "--isa", "avx2", "--isa=sse2", "word", "-h"]);
        let mut args = Args::new(&raw, "cmd");
        assert_eq!(args.next_arg().unwrap(), Some(Arg::Long("json", None)));
        assert_eq!(args.next_arg().unwrap(), Some(Arg::Long("isa", None)));
        assert_eq!(args.value("isa", None).unwrap(), "avx2");
        assert_eq!(
            args.next_arg().unwrap(),
            Some(Arg::Long("isa", Some("sse2")))
        );
        assert_eq!(args.next_arg().unwrap(), Some(Arg::Word("word")));
        assert_eq!(args.next_arg().unwrap(), Some(Arg::Help));
        assert_eq!(args.next_arg().unwrap(), None);
    }

    #[test]
    fn missing_value_and_short_options_are_errors() {
        let raw = strings(&["--isa"]);
        let mut args = Args::new(&raw, "cmd");
        args.next_arg().unwrap();
        let err = args.value("isa", None).unwrap_err();
        assert!(err.message.contains("--isa"), "{err}");

        let raw = strings(&["--isa", "--json"]);
        let mut args = Args::new(&raw, "cmd");
        args.next_arg().unwrap();
        assert!(args.value("isa", None).is_err());

        let raw = strings(&["-x"]);
        let err = Args::new(&raw, "cmd").next_arg().unwrap_err();
        assert!(err.message.contains("`-x`"), "{err}");
        assert_eq!(err.help_hint, "cmd --help");
    }

    #[test]
    fn unknown_options_suggest_the_closest_listed_one() {
        let help = "Usage: cmd\n\nOptions:\n  -h, --help   Help\n      --model NAME  The model\n                    (see --modle-notes)\n      --max-steps N  Steps\n";
        assert_eq!(help_options(help), ["help", "model", "max-steps"]);
        let raw = strings(&[]);
        let args = Args::new(&raw, "cmd").options_from(help);
        let err = args.unknown_option("modle");
        assert!(err.message.ends_with("did you mean `--model`?"), "{err}");
        let err = args.unknown_option("max-step");
        assert!(err.message.contains("`--max-steps`"), "{err}");
        let err = args.unknown_option("frobnicate");
        assert!(!err.message.contains("did you mean"), "{err}");
    }
}
