//! `Frame`: a columnar table in NeuralForecast's long format (one row per series and timestamp).
//!
//! Columns are typed once, when read: numbers as `f64` (so a frame written and read back is
//! bit-for-bit the same), text dictionary-encoded (series ids repeat on every row; a code per
//! row is 4 bytes instead of a heap string), and times as one `i64` per row (see
//! [`crate::data::datetime`]). Missing numbers (empty fields, `NaN`) are `f64::NAN`.

use crate::data::datetime::TimeKind;
use crate::error::{Error, ErrorKind, Location, Result};

/// Which columns play the roles of series id, timestamp and target. Defaults are
/// NeuralForecast's: `unique_id`, `ds`, `y` (its `id_col`, `time_col`, `target_col`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnRoles {
    /// Series identifier column.
    pub id_col: String,
    /// Timestamp column.
    pub time_col: String,
    /// Target column.
    pub target_col: String,
}

impl Default for ColumnRoles {
    fn default() -> ColumnRoles {
        ColumnRoles {
            id_col: "unique_id".into(),
            time_col: "ds".into(),
            target_col: "y".into(),
        }
    }
}

/// Text values, dictionary-encoded: `dict[codes[row]]` is the value of `row`. `dict` lists
/// the distinct values in order of first appearance.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextColumn {
    /// Distinct values, in first-appearance order.
    pub dict: Vec<String>,
    /// One code per row, indexing `dict`.
    pub codes: Vec<u32>,
}

impl TextColumn {
    /// The value of `row`.
    pub fn get(&self, row: usize) -> &str {
        &self.dict[self.codes[row] as usize]
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Time values, one `i64` per row (integer index, or wall-clock microseconds).
///
/// `offset_minutes` is `None` for naive times. When every row carried the same UTC offset it is
/// that offset and `values` stay wall-clock. When rows carried different offsets (a daylight
/// saving change), every value was converted to UTC and `offset_minutes` is `Some(0)`, so the
/// series stays regular.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeColumn {
    /// How the values were written.
    pub kind: TimeKind,
    /// One value per row.
    pub values: Vec<i64>,
    /// The UTC offset shared by the column, if any (see above).
    pub offset_minutes: Option<i16>,
}

/// One typed column.
#[derive(Clone, Debug, PartialEq)]
pub enum Column {
    /// Numbers; missing values are NaN.
    Float(Vec<f64>),
    /// Text (series ids, categorical values).
    Text(TextColumn),
    /// Timestamps or integer time indices.
    Time(TimeColumn),
}

impl Column {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Column::Float(v) => v.len(),
            Column::Text(t) => t.len(),
            Column::Time(t) => t.values.len(),
        }
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A word for error messages: "numeric", "text" or "time".
    pub fn type_name(&self) -> &'static str {
        match self {
            Column::Float(_) => "numeric",
            Column::Text(_) => "text",
            Column::Time(_) => "time",
        }
    }
}

/// A columnar table: named, typed columns of equal length.
///
/// Read from CSV ([`Frame::read_csv`] for a file, [`Frame::from_reader`] for any reader),
/// written back with [`Frame::write_csv_file`]; `NeuralForecast` takes and returns frames.
///
/// ```
/// use neuro_divergent::data::{Column, CsvOptions, Frame};
/// # fn main() -> neuro_divergent::Result<()> {
/// let text = "unique_id,ds,y,price\n\
///             a,2024-01-01,10,1.5\n\
///             a,2024-01-02,,1.5\n\
///             b,2024-01-01,7,2\n";
/// let df = Frame::from_reader(text.as_bytes(), "sales.csv", &CsvOptions::default())?;
/// assert_eq!(df.len(), 3);
/// assert_eq!(df.names(), ["unique_id", "ds", "y", "price"]);
/// let Some(Column::Float(y)) = df.column("y") else { panic!("y is numeric") };
/// assert!(y[1].is_nan()); // an empty field is a missing value
/// let Some(Column::Text(ids)) = df.column("unique_id") else { panic!("ids are text") };
/// assert_eq!(ids.dict, ["a", "b"]); // each distinct id stored once
///
/// // A file round trip keeps every value bit for bit.
/// let path = std::env::temp_dir().join(format!("nd-frame-doc-{}.csv", std::process::id()));
/// df.write_csv_file(&path, &CsvOptions::default())?;
/// let back = Frame::read_csv(&path)?;
/// assert_eq!(back.column("price"), df.column("price"));
/// # std::fs::remove_file(&path).ok();
///
/// // Errors name the file, line and column.
/// let bad = Frame::from_reader("unique_id,ds,y\na,2024-01-01,1\na,2024-13-01,2\n".as_bytes(),
///                              "bad.csv", &CsvOptions::default());
/// let message = bad.unwrap_err().to_string();
/// assert!(message.contains("bad.csv") && message.contains("line 3"), "{message}");
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Frame {
    names: Vec<String>,
    columns: Vec<Column>,
    /// Where the frame came from (file name), for error messages.
    source: Option<String>,
}

impl Frame {
    /// An empty frame (no columns, no rows).
    pub fn new() -> Frame {
        Frame::default()
    }

    /// Adds a column. Errors if the name is taken or the length differs from the others.
    pub fn push_column(&mut self, name: impl Into<String>, column: Column) -> Result<()> {
        let name = name.into();
        if self.names.contains(&name) {
            return Err(Error::new(
                ErrorKind::Column,
                self.location(),
                format!("duplicate column name '{name}'"),
            ));
        }
        if let Some(first) = self.columns.first() {
            if first.len() != column.len() {
                return Err(Error::new(
                    ErrorKind::Column,
                    self.location(),
                    format!(
                        "column '{name}' has {} rows, the frame has {}",
                        column.len(),
                        first.len()
                    ),
                ));
            }
        }
        self.names.push(name);
        self.columns.push(column);
        Ok(())
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.columns.first().map_or(0, Column::len)
    }

    /// Whether the frame has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Column names, in order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Columns, in the order of [`Frame::names`].
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column called `name`, if any.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.names
            .iter()
            .position(|n| n == name)
            .map(|i| &self.columns[i])
    }

    /// The column called `name`, or an error naming it and listing the columns there are.
    pub fn require(&self, name: &str) -> Result<&Column> {
        self.column(name).ok_or_else(|| {
            Error::new(
                ErrorKind::Column,
                self.location(),
                format!(
                    "no column '{name}' (columns are: {})",
                    self.names.join(", ")
                ),
            )
        })
    }

    /// The file this frame was read from, if any.
    pub fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }

    /// Records the file this frame was read from.
    pub fn set_source(&mut self, source: impl Into<String>) {
        self.source = Some(source.into());
    }

    /// The frame's location for error messages (its file, if known).
    pub fn location(&self) -> Location {
        self.source
            .as_deref()
            .map(Location::file)
            .unwrap_or_default()
    }
}
