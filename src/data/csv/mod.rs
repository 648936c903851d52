//! CSV in the RFC 4180 dialect: a streaming record reader and a writer that quotes only when
//! it must.
//!
//! What the reader accepts: fields separated by one delimiter byte (comma by default; `;` and
//! tab are common), records ended by LF, CRLF or a lone CR, the last one with or without a
//! line ending; fields in double quotes may hold delimiters, line breaks and doubled quotes
//! (`""` for one `"`). A UTF-8 byte order mark at the start is skipped; completely empty lines
//! are skipped, as pandas does. A quote inside an unquoted field is kept as data (as pandas
//! and Python's `csv` do); text after a closing quote other than a delimiter or line end is an
//! error.
//!
//! The reader streams through a fixed buffer ([`BUFFER_BYTES`]), growing it only for a record
//! longer than the buffer, so memory does not depend on the file size. Fields are handed out
//! as byte slices of that buffer, with no allocation per field. Typing the fields (numbers,
//! times, text) is [`crate::data::frame_io`]'s job.
//!
//! Limits: a field may hold at most [`MAX_FIELD_BYTES`], a record at most
//! [`MAX_RECORD_BYTES`]; past that the reader returns an error instead of buffering without
//! bound (a missing closing quote otherwise swallows the rest of the file).

mod reader;
mod writer;

pub(crate) use reader::find_field_end;
pub use reader::{Record, RecordReader};
pub use writer::{needs_quotes, write_field};

use crate::data::frame::ColumnRoles;
use crate::error::{Error, Result};

/// Size of the reader's buffer. Large enough that refills are rare, small enough to stay in L2/L3.
pub const BUFFER_BYTES: usize = 1 << 20;

/// The longest field the reader accepts (1 MiB).
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// The longest record (one row, all its fields and separators) the reader accepts (64 MiB).
pub const MAX_RECORD_BYTES: usize = 64 << 20;

/// How to read and write a CSV file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field separator: one ASCII byte other than `"`, CR and LF. Default `,`.
    pub delimiter: u8,
    /// Which columns are the series id, the timestamp and the target (NeuralForecast's
    /// `id_col`, `time_col`, `target_col`; default `unique_id`, `ds`, `y`).
    pub roles: ColumnRoles,
    /// Whether the id and time columns must be present (default `true`). Set it to `false`
    /// to read a plain table (such as a metadata file); role columns that are present are
    /// still typed by their role.
    pub require_id_and_time: bool,
}

impl Default for CsvOptions {
    fn default() -> CsvOptions {
        CsvOptions {
            delimiter: b',',
            roles: ColumnRoles::default(),
            require_id_and_time: true,
        }
    }
}

impl CsvOptions {
    /// Default options with another delimiter.
    pub fn with_delimiter(delimiter: u8) -> CsvOptions {
        CsvOptions {
            delimiter,
            ..CsvOptions::default()
        }
    }

    /// The delimiter a user named on the command line: a single ASCII character (`,` `;` `|`),
    /// or `tab` / `\t` for a tab.
    pub fn delimiter_from_name(name: &str) -> Result<u8> {
        let d = match name {
            "tab" | "\\t" | "\t" => b'\t',
            "comma" => b',',
            "semicolon" => b';',
            _ if name.len() == 1 => name.as_bytes()[0],
            _ => {
                return Err(Error::config(
                    "delimiter",
                    format!("'{name}' is not one character (use ',', ';', 'tab', ...)"),
                ))
            }
        };
        check_delimiter(d)?;
        Ok(d)
    }

    /// Checks that the options are usable: a valid delimiter and three distinct role names.
    pub fn validate(&self) -> Result<()> {
        check_delimiter(self.delimiter)?;
        let r = &self.roles;
        for (a, an, b, bn) in [
            (&r.id_col, "id_col", &r.time_col, "time_col"),
            (&r.id_col, "id_col", &r.target_col, "target_col"),
            (&r.time_col, "time_col", &r.target_col, "target_col"),
        ] {
            if a == b {
                return Err(Error::config(
                    bn,
                    format!("'{b}' is already the {an}; the three roles need distinct columns"),
                ));
            }
        }
        Ok(())
    }
}

fn check_delimiter(d: u8) -> Result<()> {
    if !d.is_ascii() || d == b'"' || d == b'\n' || d == b'\r' {
        return Err(Error::config(
            "delimiter",
            format!(
                "{:?} cannot separate fields (it must be one ASCII character other than a quote or a line break)",
                d as char
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiter_names() {
        assert_eq!(CsvOptions::delimiter_from_name(";").unwrap(), b';');
        assert_eq!(CsvOptions::delimiter_from_name("tab").unwrap(), b'\t');
        assert_eq!(CsvOptions::delimiter_from_name("\\t").unwrap(), b'\t');
        assert!(CsvOptions::delimiter_from_name("\"").is_err());
        assert!(CsvOptions::delimiter_from_name(";;").is_err());
        assert!(CsvOptions::delimiter_from_name("é").is_err());
    }

    #[test]
    fn roles_must_be_distinct() {
        let mut o = CsvOptions::default();
        assert!(o.validate().is_ok());
        o.roles.target_col = "ds".into();
        let e = o.validate().unwrap_err();
        assert!(e.message.contains("target_col"), "{e}");
    }
}
