//! The library's error type: every failure says what went wrong and where.
//!
//! A user reading an error should not need a debugger: a CSV problem names the file, line and
//! column; a data problem names the series and the timestamp; a configuration problem names the
//! parameter and what it accepts. The library never panics on user data; it returns one of these.

use std::fmt;

/// Where in the user's data a problem sits. Every field is optional because not every problem
/// has every coordinate (an empty file has no line; a frame built in memory has no file).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    /// Source file name as the user gave it (or `<stdin>`).
    pub file: Option<String>,
    /// 1-based physical line in the file.
    pub line: Option<u64>,
    /// 1-based column (field) number, with its header name when known.
    pub column: Option<(usize, Option<String>)>,
    /// Series id (`unique_id`).
    pub series: Option<String>,
    /// Timestamp, formatted as in the input.
    pub timestamp: Option<String>,
}

impl Location {
    /// A location in a file, without line or column yet.
    pub fn file(name: impl Into<String>) -> Location {
        Location {
            file: Some(name.into()),
            ..Location::default()
        }
    }

    /// A location inside one series.
    pub fn series(id: impl Into<String>) -> Location {
        Location {
            series: Some(id.into()),
            ..Location::default()
        }
    }

    /// Adds the 1-based line.
    pub fn at_line(mut self, line: u64) -> Location {
        self.line = Some(line);
        self
    }

    /// Adds the 1-based column and, when known, its header name.
    pub fn at_column(mut self, column: usize, name: Option<&str>) -> Location {
        self.column = Some((column, name.map(str::to_owned)));
        self
    }

    /// Adds the timestamp.
    pub fn at_timestamp(mut self, ts: impl Into<String>) -> Location {
        self.timestamp = Some(ts.into());
        self
    }

    fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts: Vec<String> = Vec::new();
        if let Some(file) = &self.file {
            parts.push(file.clone());
        }
        if let Some(line) = self.line {
            parts.push(format!("line {line}"));
        }
        if let Some((col, name)) = &self.column {
            match name {
                Some(n) => parts.push(format!("column {col} ({n})")),
                None => parts.push(format!("column {col}")),
            }
        }
        if let Some(s) = &self.series {
            parts.push(format!("series '{s}'"));
        }
        if let Some(t) = &self.timestamp {
            parts.push(format!("timestamp {t}"));
        }
        f.write_str(&parts.join(", "))
    }
}

/// What kind of problem it is; lets callers and tests match without parsing the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Reading or writing a file failed (not found, permission, disk full).
    Io,
    /// The bytes are not well-formed CSV (unterminated quote, ragged row, bad UTF-8, no header).
    Csv,
    /// A value does not parse as the type its column needs (number, date).
    Parse,
    /// The data are well-formed but invalid for forecasting (duplicates, gaps, NaN target,
    /// unsorted, too short, mixed frequencies).
    Data,
    /// A column the task needs is missing, or a column name is unknown.
    Column,
    /// A parameter is out of its allowed range or inconsistent with another.
    Config,
    /// A model file is truncated, corrupted, or from a newer format version.
    ModelFile,
}

/// The library's error: a kind, a location and a sentence.
///
/// `Debug` prints the kind and the readable sentence (`Parse: sales.csv, line 12, ...`), so
/// that `fn main() -> Result<(), Box<dyn Error>>` and `unwrap` report what users can act on;
/// `{:#?}` prints the fields.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of problem.
    pub kind: ErrorKind,
    /// Where it is (boxed: errors travel through every `Result`, keep them small).
    pub location: Box<Location>,
    /// What is wrong, as one sentence without the location (that is printed before it).
    pub message: String,
}

/// Shorthand used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error of `kind` at `location`.
    pub fn new(kind: ErrorKind, location: Location, message: impl Into<String>) -> Error {
        Error {
            kind,
            location: Box::new(location),
            message: message.into(),
        }
    }

    /// An error with no location (for example a bad parameter).
    pub fn bare(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, Location::default(), message)
    }

    /// A parameter outside its allowed range: names the parameter and what it accepts.
    pub fn config(parameter: &str, message: impl fmt::Display) -> Error {
        Error::bare(
            ErrorKind::Config,
            format!("parameter '{parameter}': {message}"),
        )
    }

    /// Fills in the file name when the error was raised below the level that knows it.
    pub fn in_file(mut self, file: &str) -> Error {
        if self.location.file.is_none() {
            self.location.file = Some(file.to_owned());
        }
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.location.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.location, self.message)
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if f.alternate() {
            f.debug_struct("Error")
                .field("kind", &self.kind)
                .field("location", &self.location)
                .field("message", &self.message)
                .finish()
        } else {
            write!(f, "{:?}: {self}", self.kind)
        }
    }
}

impl std::error::Error for Error {}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::bare(ErrorKind::Io, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_the_kind_and_the_sentence() {
        let e = Error::new(
            ErrorKind::Parse,
            Location::file("sales.csv").at_line(12),
            "'abc' is not a number",
        );
        assert_eq!(
            format!("{e:?}"),
            "Parse: sales.csv, line 12: 'abc' is not a number"
        );
        assert!(format!("{e:#?}").contains("message: \"'abc' is not a number\""));
    }

    #[test]
    fn display_puts_location_before_message() {
        let e = Error::new(
            ErrorKind::Parse,
            Location::file("sales.csv")
                .at_line(12)
                .at_column(3, Some("y")),
            "'abc' is not a number",
        );
        assert_eq!(
            e.to_string(),
            "sales.csv, line 12, column 3 (y): 'abc' is not a number"
        );
        let e = Error::new(
            ErrorKind::Data,
            Location::series("N1402").at_timestamp("1990-03-01"),
            "duplicate timestamp",
        );
        assert_eq!(
            e.to_string(),
            "series 'N1402', timestamp 1990-03-01: duplicate timestamp"
        );
        assert_eq!(
            Error::config("horizon", "must be at least 1").to_string(),
            "parameter 'horizon': must be at least 1"
        );
    }
}
