//! `Dataset`: the training view of a long-format frame, one contiguous run of rows per series.
//!
//! Series keep their order of first appearance in the input. Every per-row array is laid out
//! series after series: series `s` owns rows `offsets[s]..offsets[s + 1]`, sorted by time,
//! regular at `freq` (gaps filled and masked, or rejected, when the dataset is built).
//! Values are `f32`, the precision models compute in. Exogenous columns are stored one column
//! after another (column-major), so a window of one column is one contiguous slice.
//!
//! Built from a long-format frame by [`Dataset::from_frame`] (in [`crate::data::build`]),
//! which validates the data and names the series and timestamp of any problem.

use crate::data::datetime::TimeKind;
use crate::data::freq::Freq;

/// Exogenous columns that vary over time: `values[c * n_rows + row]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExogBlock {
    /// Column names, in the order the user listed them.
    pub names: Vec<String>,
    /// (C, N): column after column, each in row order.
    pub values: Vec<f32>,
}

impl ExogBlock {
    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Column `c` over all rows.
    pub fn column(&self, c: usize, n_rows: usize) -> &[f32] {
        &self.values[c * n_rows..(c + 1) * n_rows]
    }
}

/// Static exogenous values, one row per series: `values[s * n_cols + c]`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StaticBlock {
    /// Column names.
    pub names: Vec<String>,
    /// (S, C): series after series.
    pub values: Vec<f32>,
}

/// Per-series contiguous values ready for window sampling.
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Series ids, in order of first appearance.
    pub ids: Vec<String>,
    /// Row ranges: series `s` is `offsets[s]..offsets[s + 1]`; `offsets.len() == ids.len() + 1`.
    pub offsets: Vec<usize>,
    /// How `times` are written.
    pub time_kind: TimeKind,
    /// The UTC offset shared by the time column, if any (see `frame::TimeColumn`).
    pub offset_minutes: Option<i16>,
    /// The series frequency.
    pub freq: Freq,
    /// (N,) timestamps, increasing by exactly one `freq` step within each series.
    pub times: Vec<i64>,
    /// (N,) target values; 0.0 where `mask` is 0.
    pub y: Vec<f32>,
    /// (N,) availability: 1.0 where `y` was observed, 0.0 where it is missing (a filled gap, or
    /// a NaN target the user asked to mask).
    pub mask: Vec<f32>,
    /// Future-known exogenous columns (also given for the forecast horizon at predict time).
    pub futr_exog: ExogBlock,
    /// Historical exogenous columns (known only up to the forecast start).
    pub hist_exog: ExogBlock,
    /// Static exogenous columns, one row per series.
    pub static_exog: StaticBlock,
}

impl Dataset {
    /// Number of series.
    pub fn n_series(&self) -> usize {
        self.ids.len()
    }

    /// Total number of rows over all series.
    pub fn n_rows(&self) -> usize {
        self.y.len()
    }

    /// Row range of series `s`.
    pub fn range(&self, s: usize) -> std::ops::Range<usize> {
        self.offsets[s]..self.offsets[s + 1]
    }

    /// Length of series `s`.
    pub fn len_of(&self, s: usize) -> usize {
        self.offsets[s + 1] - self.offsets[s]
    }

    /// Target values of series `s`.
    pub fn y_of(&self, s: usize) -> &[f32] {
        &self.y[self.range(s)]
    }

    /// Availability mask of series `s`.
    pub fn mask_of(&self, s: usize) -> &[f32] {
        &self.mask[self.range(s)]
    }

    /// Timestamps of series `s`.
    pub fn times_of(&self, s: usize) -> &[i64] {
        &self.times[self.range(s)]
    }

    /// A time value written as the input wrote it (see [`crate::data::datetime::format_time`]).
    pub fn show_time(&self, t: i64) -> String {
        crate::data::datetime::time_to_string(self.time_kind, t, self.offset_minutes)
    }

    /// Appends the `h` timestamps that follow series `s` (its forecast horizon).
    ///
    /// # Panics
    /// If series `s` is empty (a built dataset has no empty series).
    pub fn future_times(&self, s: usize, h: usize, out: &mut Vec<i64>) {
        let last = *self.times_of(s).last().expect("series are never empty");
        self.freq.future_times(last, h, out);
    }

    /// A dataset from in-memory series (id, values), integer time index starting at 0, all
    /// observed, no exogenous columns. For tests, examples and synthetic benchmarks.
    pub fn from_series(series: &[(&str, &[f32])]) -> Dataset {
        let mut offsets = vec![0];
        let mut y = Vec::new();
        let mut times = Vec::new();
        for (_, values) in series {
            y.extend_from_slice(values);
            times.extend(0..values.len() as i64);
            offsets.push(y.len());
        }
        Dataset {
            ids: series.iter().map(|(id, _)| id.to_string()).collect(),
            offsets,
            time_kind: TimeKind::Integer,
            offset_minutes: None,
            freq: Freq::Integer(1),
            mask: vec![1.0; y.len()],
            times,
            y,
            futr_exog: ExogBlock::default(),
            hist_exog: ExogBlock::default(),
            static_exog: StaticBlock::default(),
        }
    }
}
