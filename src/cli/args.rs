//! A small hand-written argument parser: flags, `--name value` / `--name=value` options and
//! positional words, with errors that name the offending argument.

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
        Args { rest, command }
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
            return Err(self.error(format!("unknown option `{arg}` for `{}`", self.command)));
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

    /// The error for an option this command does not know.
    pub fn unknown_option(&self, name: &str) -> UsageError {
        self.error(format!("unknown option `--{name}` for `{}`", self.command))
    }

    /// The error for a positional word this command does not expect.
    pub fn unexpected_word(&self, word: &str) -> UsageError {
        self.error(format!(
            "unexpected argument `{word}` for `{}`",
            self.command
        ))
    }
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
}
