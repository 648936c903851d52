//! Reading a [`Frame`] from CSV and writing it back.
//!
//! Column typing on read (roles from [`CsvOptions::roles`]):
//! - the id column (`unique_id`) is text, whatever it holds;
//! - the time column (`ds`) is a time column: every row must parse with
//!   [`crate::data::datetime::parse_time`] and be of the same kind (integer index, date,
//!   datetime); UTC offsets are resolved as [`crate::data::frame::TimeColumn`] documents;
//! - the target column (`y`) must be numeric: a value that is not a number is an error;
//! - every other column is numeric when every field is a number or missing, text otherwise.
//!
//! Numbers follow [`crate::data::float`]: empty fields and pandas' missing-value markers
//! (`NaN`, `NA`, `NULL`, ...) are NaN; `inf`, `-inf` are infinities. A header-only file gives
//! a frame with its columns and no rows (a time column with no rows says
//! [`TimeKind::Integer`](crate::data::datetime::TimeKind::Integer)).
//!
//! Speed: the body is read in 1 MiB blocks; a block without quotes is split at line breaks
//! and parsed on one thread per core, with the same frame and errors as a serial read (see
//! `blocks.rs`). A block with quotes hands the rest of the input to the serial record reader.
//!
//! Memory: the input streams through 1 MiB buffers; each column vector grows by doubling, so
//! the peak is at most about twice the parsed data plus the buffers (and a block's worth of
//! rows per extra thread), whatever the file size.
//!
//! Writing is the inverse: numbers in their shortest round-trip form (NaN as an empty field),
//! times as [`crate::data::datetime::format_time`] prints them, fields quoted only when
//! needed. Reading what was written gives back the same frame, bit for bit, as long as each
//! text column holds at least one value that is not a number (CSV has no types).

mod blocks;
mod builders;
mod plain;
mod time_cache;

use crate::data::csv::{write_field, CsvOptions, Record, RecordReader};
use crate::data::datetime::{format_time, parse_time};
use crate::data::float::{format_f64, parse_f64};
use crate::data::frame::{Column, Frame};
use crate::error::{Error, ErrorKind, Location, Result};
use blocks::{Body, Plan};
use builders::{AutoBuilder, Builder, CellError, TextBuilder, TimeBuilder};
use std::collections::HashSet;
use std::io::{Read, Write};
use std::path::Path;

/// How much output to gather before handing it to the writer.
const WRITE_CHUNK: usize = 1 << 16;

impl Frame {
    /// Reads a CSV file with the default options (comma, NeuralForecast's column names).
    pub fn read_csv(path: impl AsRef<Path>) -> Result<Frame> {
        Frame::read_csv_with(path, &CsvOptions::default())
    }

    /// Reads a CSV file.
    pub fn read_csv_with(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Frame> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                Location::file(&name),
                format!("cannot open for reading: {e}"),
            )
        })?;
        let size = file.metadata().ok().map(|m| m.len());
        options.validate()?;
        read(
            file,
            &name,
            options,
            size,
            Some(Plan::default_for_machine()),
        )
        .map_err(|e| e.in_file(&name))
    }

    /// Reads CSV from any byte source; `name` names it in error messages (the file name, or
    /// `<stdin>`).
    pub fn from_reader(reader: impl Read, name: &str, options: &CsvOptions) -> Result<Frame> {
        options.validate()?;
        read(
            reader,
            name,
            options,
            None,
            Some(Plan::default_for_machine()),
        )
        .map_err(|e| e.in_file(name))
    }

    /// Writes the frame as CSV: a header line, then one line per row, `\n` line endings.
    pub fn write_csv(&self, mut writer: impl Write, options: &CsvOptions) -> Result<()> {
        options.validate()?;
        let d = options.delimiter;
        let alone = self.names().len() == 1;
        let mut out = Vec::with_capacity(WRITE_CHUNK + 1024);
        for (k, name) in self.names().iter().enumerate() {
            if k > 0 {
                out.push(d);
            }
            write_field(name.as_bytes(), d, alone, &mut out);
        }
        out.push(b'\n');
        let mut scratch = String::new();
        for row in 0..self.len() {
            for (k, column) in self.columns().iter().enumerate() {
                if k > 0 {
                    out.push(d);
                }
                match column {
                    Column::Float(v) => {
                        if alone && v[row].is_nan() {
                            out.extend_from_slice(b"\"\"");
                        } else {
                            format_f64(v[row], &mut out);
                        }
                    }
                    Column::Text(t) => write_field(t.get(row).as_bytes(), d, alone, &mut out),
                    Column::Time(t) => {
                        scratch.clear();
                        format_time(t.kind, t.values[row], t.offset_minutes, &mut scratch);
                        out.extend_from_slice(scratch.as_bytes());
                    }
                }
            }
            out.push(b'\n');
            if out.len() >= WRITE_CHUNK {
                writer.write_all(&out).map_err(|e| self.write_error(e))?;
                out.clear();
            }
        }
        writer.write_all(&out).map_err(|e| self.write_error(e))?;
        writer.flush().map_err(|e| self.write_error(e))
    }

    /// Writes the frame to a CSV file (created or truncated).
    pub fn write_csv_file(&self, path: impl AsRef<Path>, options: &CsvOptions) -> Result<()> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let file = std::fs::File::create(path).map_err(|e| {
            Error::new(
                ErrorKind::Io,
                Location::file(&name),
                format!("cannot create: {e}"),
            )
        })?;
        self.write_csv(file, options).map_err(|e| e.in_file(&name))
    }

    fn write_error(&self, e: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, self.location(), format!("write failed: {e}"))
    }
}

/// Rows read before the column vectors are sized from the input's length.
const ROWS_BEFORE_ESTIMATE: usize = 4096;

/// `size`, when known, is the input's length in bytes: after the first
/// [`ROWS_BEFORE_ESTIMATE`] rows the columns reserve room for the rows the rest of the input
/// likely holds (5% spare), so a file is read without regrowing its columns, and the peak
/// stays near the data instead of up to twice it.
///
/// `plan` says how the body is read: in blocks, on several threads ([`Body::read`]), or, when
/// `None`, record by record with the serial reader (the reference the block reader is tested
/// against).
fn read(
    reader: impl Read,
    name: &str,
    options: &CsvOptions,
    size: Option<u64>,
    plan: Option<Plan>,
) -> Result<Frame> {
    let roles = &options.roles;
    let mut records = RecordReader::new(reader, options.delimiter);
    let Some(header) = records.next_record()? else {
        return Err(Error::new(
            ErrorKind::Csv,
            Location::file(name),
            "the input is empty (or holds only blank lines): a header line naming the columns is required",
        ));
    };
    let names = header_names(&header)?;
    let id = names.iter().position(|n| *n == roles.id_col);
    let time = names.iter().position(|n| *n == roles.time_col);
    if options.require_id_and_time {
        for (found, role, col) in [(id, "id", &roles.id_col), (time, "time", &roles.time_col)] {
            if found.is_none() {
                return Err(missing_column(&header, &names, role, col));
            }
        }
    }
    let mut builders: Vec<Builder> = names
        .iter()
        .map(|n| {
            if *n == roles.id_col {
                Builder::Id(TextBuilder::default())
            } else if *n == roles.time_col {
                Builder::Time(TimeBuilder::default())
            } else if *n == roles.target_col {
                Builder::Target(Vec::new())
            } else {
                Builder::Auto(AutoBuilder::Float(Vec::new()))
            }
        })
        .collect();

    let estimate = Estimate {
        size,
        n_cols: names.len(),
        header_bytes: records.bytes_consumed(),
        consumed: records.bytes_consumed(),
        rows: 0,
        done: false,
    };
    let body = Body {
        delimiter: options.delimiter,
        names: &names,
        builders: &mut builders,
        estimate,
        spare: Vec::new(),
    };
    match plan {
        Some(plan) => body.read(records, plan)?,
        None => body.serial(records)?,
    }

    let mut frame = Frame::new();
    frame.set_source(name);
    for (name, builder) in names.into_iter().zip(builders) {
        frame.push_column(name, builder.finish())?;
    }
    Ok(frame)
}

/// The header's names: UTF-8, distinct.
fn header_names(header: &Record<'_>) -> Result<Vec<String>> {
    let mut names = Vec::with_capacity(header.len());
    let mut seen = HashSet::with_capacity(header.len());
    for (k, field) in header.fields().enumerate() {
        let at = || {
            Location::default()
                .at_line(header.field_line(k))
                .at_column(k + 1, None)
        };
        let name = std::str::from_utf8(field).map_err(|e| {
            Error::new(
                ErrorKind::Csv,
                at(),
                format!(
                    "header name is not valid UTF-8 (byte 0x{:02X} at byte {} of the field)",
                    field[e.valid_up_to()],
                    e.valid_up_to() + 1
                ),
            )
        })?;
        if !seen.insert(name) {
            return Err(Error::new(
                ErrorKind::Csv,
                at(),
                format!("duplicate column name '{name}' in the header"),
            ));
        }
        names.push(name.to_owned());
    }
    Ok(names)
}

/// The id or time column is not in the header. When the header looks like data, say so.
fn missing_column(header: &Record<'_>, names: &[String], role: &str, col: &str) -> Error {
    let looks_like_data = header
        .fields()
        .any(|f| parse_f64(f).is_some() || parse_time(f).is_ok());
    let mut message = format!(
        "no {role} column '{col}' in the header (columns are: {})",
        names.join(", ")
    );
    if looks_like_data {
        message.push_str("; the first line looks like data, but a header line is required");
    } else {
        message.push_str(
            "; name the column in the options (id_col, time_col) if it is called otherwise",
        );
    }
    Error::new(
        ErrorKind::Column,
        Location::default().at_line(header.line()),
        message,
    )
}

/// How far the body has been read, to size the columns once from the input's length.
struct Estimate {
    /// The input's length in bytes, when known.
    size: Option<u64>,
    n_cols: usize,
    header_bytes: u64,
    /// Bytes consumed so far, header included.
    consumed: u64,
    /// Rows read so far.
    rows: usize,
    /// Whether the columns were sized already.
    done: bool,
}

impl Estimate {
    /// Records `bytes` more consumed holding `rows` more rows; once past
    /// [`ROWS_BEFORE_ESTIMATE`] rows, reserves room for the rows the rest of the input likely
    /// holds.
    #[inline]
    fn advance(&mut self, bytes: u64, rows: usize, builders: &mut [Builder]) {
        self.consumed += bytes;
        self.rows += rows;
        if self.done || self.rows < ROWS_BEFORE_ESTIMATE {
            return;
        }
        self.done = true;
        if let Some(size) = self.size {
            let done = self.consumed.saturating_sub(self.header_bytes).max(1);
            let left = size.saturating_sub(self.header_bytes + done);
            // A row takes at least one byte per field (separators, line end).
            let most = (left / self.n_cols as u64) as usize;
            let more = ((left as f64 / done as f64 * self.rows as f64 * 1.05) as usize).min(most);
            for b in builders {
                b.reserve(more);
            }
        }
    }
}

/// A record whose field count differs from the header's.
#[cold]
fn field_count_error(expected: usize, found: usize, line: u64) -> Error {
    Error::new(
        ErrorKind::Csv,
        Location::default().at_line(line),
        format!("expected {expected} fields (as in the header), found {found}"),
    )
}

/// Turns a field-level failure into an error naming line, column and header name; `line`
/// is the line the field starts on.
#[cold]
fn cell_error(e: CellError, line: u64, k: usize, name: &str, field: &[u8]) -> Error {
    let at = Location::default()
        .at_line(line)
        .at_column(k + 1, Some(name));
    // Bad UTF-8 is reported as such whichever column type met it, on the line of the byte.
    if let Err(bad) = std::str::from_utf8(field) {
        let i = bad.valid_up_to();
        let breaks = field[..i].iter().filter(|&&c| c == b'\n').count() as u64;
        return Error::new(
            ErrorKind::Csv,
            Location::default()
                .at_line(line + breaks)
                .at_column(k + 1, Some(name)),
            format!(
                "invalid UTF-8 (byte 0x{:02X} at byte {} of the field)",
                field[i],
                i + 1
            ),
        );
    }
    let shown = String::from_utf8_lossy(field);
    match e {
        CellError::NotUtf8 => Error::new(ErrorKind::Csv, at, "invalid UTF-8"),
        CellError::NotNumber => Error::new(
            ErrorKind::Parse,
            at,
            format!("'{shown}' is not a number (the target column must be numeric)"),
        ),
        CellError::BadTime(why) => Error::new(ErrorKind::Parse, at, why),
        CellError::TooManyValues => Error::new(
            ErrorKind::Data,
            at,
            "more than 2^32 distinct text values in one column",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datetime::TimeKind;

    fn read_str(text: &str) -> Result<Frame> {
        Frame::from_reader(text.as_bytes(), "t.csv", &CsvOptions::default())
    }

    fn floats(f: &Frame, name: &str) -> Vec<f64> {
        match f.column(name) {
            Some(Column::Float(v)) => v.clone(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn types_columns_by_role_and_content() {
        let f = read_str(
            "unique_id,ds,y,price,kind,empty\n\
             1,2020-01-01,1.5,3,a,\n\
             1,2020-01-02,,NaN,b,\n\
             2,2020-01-01,-inf,4e2,a,\n",
        )
        .unwrap();
        assert_eq!(f.len(), 3);
        assert_eq!(f.source(), Some("t.csv"));
        let Some(Column::Text(id)) = f.column("unique_id") else {
            panic!()
        };
        assert_eq!(id.dict, ["1", "2"]);
        assert_eq!(id.codes, [0, 0, 1]);
        let Some(Column::Time(ds)) = f.column("ds") else {
            panic!()
        };
        assert_eq!(ds.kind, TimeKind::Date);
        assert_eq!(
            ds.values[1] - ds.values[0],
            crate::data::datetime::MICROS_PER_DAY
        );
        let y = floats(&f, "y");
        assert_eq!((y[0], y[1].is_nan(), y[2]), (1.5, true, f64::NEG_INFINITY));
        let price = floats(&f, "price");
        assert_eq!((price[0], price[1].is_nan(), price[2]), (3.0, true, 400.0));
        assert!(matches!(f.column("kind"), Some(Column::Text(_))));
        assert!(floats(&f, "empty").iter().all(|v| v.is_nan()));
    }

    #[test]
    fn header_only_gives_empty_columns() {
        let f = read_str("unique_id,ds,y,x\n").unwrap();
        assert_eq!(f.names(), ["unique_id", "ds", "y", "x"]);
        assert_eq!(f.len(), 0);
        assert!(matches!(f.column("ds"), Some(Column::Time(_))));
        assert!(matches!(f.column("x"), Some(Column::Float(_))));
    }

    #[test]
    fn bad_target_names_everything() {
        let e = read_str("unique_id,ds,y\na,1,2\na,2,two\n").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Parse);
        assert_eq!(
            e.to_string(),
            "t.csv, line 3, column 3 (y): 'two' is not a number (the target column must be numeric)"
        );
    }

    #[test]
    fn structural_errors() {
        let cases: &[(&str, ErrorKind, &str)] = &[
            ("", ErrorKind::Csv, "t.csv: the input is empty"),
            ("\n\n", ErrorKind::Csv, "header line naming the columns is required"),
            ("unique_id,ds,y\na,1\n", ErrorKind::Csv, "t.csv, line 2: expected 3 fields (as in the header), found 2"),
            ("unique_id,ds,y,y\n", ErrorKind::Csv, "line 1, column 4: duplicate column name 'y'"),
            ("id,ds,y\na,1,2\n", ErrorKind::Column, "no id column 'unique_id' in the header (columns are: id, ds, y)"),
            ("a,1,2\n", ErrorKind::Column, "the first line looks like data"),
            ("unique_id,ds,y\na,2020-01-01,1\na,2020-01-32,1\n", ErrorKind::Parse, "t.csv, line 3, column 2 (ds): '2020-01-32' is not a valid timestamp"),
            ("unique_id,ds,y\na,1,1\na,2020-01-01,1\n", ErrorKind::Parse, "line 3, column 2 (ds): '2020-01-01' is a date, but the column's first value is an integer"),
            ("unique_id,ds,y\n\"a\n\u{FF}b\",1,1\n", ErrorKind::Csv, "line 3, column 1 (unique_id): invalid UTF-8 (byte 0xFF at byte 3 of the field)"),
            ("unique_id,ds,y\na,1,1\nb,\"2\n", ErrorKind::Csv, "t.csv, line 3, column 2: quoted field is never closed"),
        ];
        for (input, kind, want) in cases {
            let bytes: Vec<u8> = input
                .chars()
                .map(|c| if c == '\u{FF}' { 0xFF } else { c as u8 })
                .collect();
            let e = Frame::from_reader(&bytes[..], "t.csv", &CsvOptions::default()).unwrap_err();
            assert_eq!(e.kind, *kind, "{input:?}: {e}");
            assert!(e.to_string().contains(want), "{input:?}: {e}");
        }
    }

    #[test]
    fn options_change_delimiter_and_roles() {
        let opts = CsvOptions {
            delimiter: b';',
            roles: crate::data::frame::ColumnRoles {
                id_col: "series".into(),
                time_col: "t".into(),
                target_col: "sales".into(),
            },
            require_id_and_time: true,
        };
        let f = Frame::from_reader(&b"series;t;sales\nA;1;1,5\n"[..], "x", &opts);
        let e = f.unwrap_err();
        assert!(e.to_string().contains("'1,5' is not a number"), "{e}");
        let f = Frame::from_reader(&b"series;t;sales\nA;1;2.5\n"[..], "x", &opts).unwrap();
        assert_eq!(floats(&f, "sales"), [2.5]);
        let table = CsvOptions {
            require_id_and_time: false,
            ..CsvOptions::default()
        };
        let f = Frame::from_reader(&b"a,b\n1,x\n"[..], "x", &table).unwrap();
        assert_eq!(floats(&f, "a"), [1.0]);
    }

    #[test]
    fn writes_and_reads_back() {
        let input = "unique_id,ds,y,note\n\"a,1\",2020-01-01 00:00:00,1.25,\"say \"\"hi\"\"\"\n\"a,1\",2020-01-01 00:30:00,,\n";
        let f = read_str(input).unwrap();
        let mut out = Vec::new();
        f.write_csv(&mut out, &CsvOptions::default()).unwrap();
        assert_eq!(String::from_utf8(out.clone()).unwrap(), input);
        let back = Frame::from_reader(&out[..], "t.csv", &CsvOptions::default()).unwrap();
        assert_eq!(format!("{back:?}"), format!("{f:?}"));
    }
}
