//! Building a [`Dataset`] from a long-format [`Frame`], with validation.
//!
//! One pass groups rows by series (the id column's dictionary codes; a stable counting sort
//! only when a series' rows are not contiguous), a second reads each series' times once
//! (increasing? one step throughout?), which settles ordering, the inferred frequency and the
//! gap check together in the usual case of a regular series (an irregular one is checked step
//! by step), and a third writes the values into preallocated arrays. Every problem is an
//! error naming the series and the timestamp (printed as the input writes it); nothing is
//! dropped or altered silently: gaps are filled only when asked, and then masked.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use crate::data::dataset::{Dataset, ExogBlock, StaticBlock};
use crate::data::datetime::{time_to_string, TimeKind};
use crate::data::float::parse_field;
use crate::data::frame::{Column, ColumnRoles, Frame, TextColumn, TimeColumn};
use crate::data::freq::Freq;
use crate::error::{Error, ErrorKind, Location, Result};

/// How to turn a frame into a dataset: NeuralForecast's `fit` arguments that concern data.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasetOptions {
    /// Names of the id, time and target columns.
    pub roles: ColumnRoles,
    /// The frequency; `None` infers it from the data (all series must agree).
    pub freq: Option<Freq>,
    /// Future-known exogenous columns of the frame.
    pub futr_exog: Vec<String>,
    /// Historical exogenous columns of the frame.
    pub hist_exog: Vec<String>,
    /// Static exogenous values: one row per series, keyed by the id column.
    pub static_df: Option<Frame>,
    /// Columns of `static_df` to use; empty means every numeric column but the id.
    pub stat_exog: Vec<String>,
    /// Insert the timestamps missing from a series (target masked, exogenous values 0)
    /// instead of rejecting the gap.
    pub fill_gaps: bool,
    /// Accept missing (NaN or empty) targets, masked, instead of rejecting them.
    pub mask_missing_y: bool,
    /// Sort each series' rows by time instead of rejecting unsorted rows.
    pub sort: bool,
    /// The fewest rows a series may have (after filling gaps), e.g. `input_size + h`.
    pub min_length: usize,
}

impl Default for DatasetOptions {
    fn default() -> DatasetOptions {
        DatasetOptions {
            roles: ColumnRoles::default(),
            freq: None,
            futr_exog: Vec::new(),
            hist_exog: Vec::new(),
            static_df: None,
            stat_exog: Vec::new(),
            fill_gaps: false,
            mask_missing_y: false,
            sort: false,
            min_length: 1,
        }
    }
}

/// Filling gaps may not grow the data beyond this many rows per input row (plus a constant):
/// a typo in one timestamp (year 2302 for 2023) must be an error, not an exhausted memory.
const MAX_FILL_GROWTH: usize = 10;
const MAX_FILL_EXTRA: usize = 1_000_000;

impl Dataset {
    /// Builds the dataset: groups rows by series (first-appearance order), checks times
    /// (sorted, no duplicates, regular at the frequency), and converts target and exogenous
    /// columns to `f32`.
    ///
    /// Errors ([`ErrorKind::Column`] for missing or mistyped columns, [`ErrorKind::Config`]
    /// for inconsistent options, [`ErrorKind::Data`] otherwise) name the column, or the
    /// series and timestamp: empty data, a duplicate or unsorted timestamp, a gap or a
    /// timestamp off the frequency's grid, series of different frequencies, a missing target
    /// or exogenous value, a series shorter than `min_length`, a series without static values.
    pub fn from_frame(frame: &Frame, opts: &DatasetOptions) -> Result<Dataset> {
        let roles = &opts.roles;
        let ids = text_column(frame, &roles.id_col, "series id")?;
        let time = time_column(frame, &roles.time_col)?;
        let target = float_column(frame, &roles.target_col, "target")?;
        let futr = exog_columns(frame, roles, &opts.futr_exog, &opts.hist_exog, "futr_exog")?;
        let hist = exog_columns(frame, roles, &opts.hist_exog, &opts.futr_exog, "hist_exog")?;
        if frame.is_empty() {
            return Err(Error::new(
                ErrorKind::Data,
                frame.location(),
                "the data have no rows (a header alone is not a dataset)",
            ));
        }
        let given = match opts.freq {
            Some(f) if !f.fits(time.kind) => {
                let what = if time.kind == TimeKind::Integer {
                    "integer time indices need an integer step such as 1"
                } else {
                    "dates need a calendar frequency such as D or MS, not an integer step"
                };
                return Err(Error::config("freq", format!("'{f}' does not fit: {what}")));
            }
            other => other,
        };
        let (series_codes, mut order, starts) = group_rows(frame, ids)?;
        let names: Vec<String> = series_codes
            .iter()
            .map(|&c| ids.dict[c as usize].clone())
            .collect();
        let ctx = Ctx {
            frame,
            time,
            ids: &names,
        };

        // Times in the order of `order`, series after series (before any gap is filled),
        // gathered once: (N_in,)
        let mut sorted: Cow<[i64]> = match &order {
            Order::Identity => Cow::Borrowed(&time.values),
            Order::Rows(rows) => Cow::Owned(rows.iter().map(|&r| time.values[r]).collect()),
        };
        // The step shared by all of a series' times, when there is one.
        let mut steps = Vec::with_capacity(names.len());
        for s in 0..names.len() {
            let range = starts[s]..starts[s + 1];
            steps.push(order_series(
                &ctx,
                s,
                &mut order,
                &mut sorted,
                range,
                opts.sort,
            )?);
        }
        let freq = match given {
            Some(f) => f,
            None => infer_common(&ctx, &sorted, &starts, &steps)?,
        };

        // Final lengths, gaps included; every step checked.
        let mut offsets = Vec::with_capacity(names.len() + 1);
        offsets.push(0usize);
        let limit = sorted.len() * MAX_FILL_GROWTH + MAX_FILL_EXTRA;
        for s in 0..names.len() {
            let times = &sorted[starts[s]..starts[s + 1]];
            let len = series_length(&ctx, s, times, steps[s], freq, opts)?;
            let total = offsets[s] + len;
            if total > limit {
                return Err(Error::new(
                    ErrorKind::Data,
                    ctx.at_series(s),
                    format!(
                        "filling the gaps at {freq} would make {total} rows from {}; \
                         check the timestamps for typos",
                        sorted.len()
                    ),
                ));
            }
            if len < opts.min_length {
                return Err(Error::new(
                    ErrorKind::Data,
                    ctx.at_series(s),
                    format!(
                        "the series has {len} rows, fewer than the {} needed",
                        opts.min_length
                    ),
                ));
            }
            offsets.push(total);
        }

        let n = *offsets.last().expect("offsets start with 0");
        let mut out = Columns {
            times: vec![0; n],
            y: vec![0.0; n],
            mask: vec![0.0; n],
            futr: vec![0.0; futr.len() * n],
            hist: vec![0.0; hist.len() * n],
        };
        for s in 0..names.len() {
            let (range, o) = (starts[s]..starts[s + 1], offsets[s]);
            let exog = (&futr[..], &hist[..]);
            if offsets[s + 1] - o != range.len() {
                write_series(
                    &ctx, s, &order, range, o, freq, target, exog, opts, &mut out,
                )?;
                continue;
            }
            out.times[o..o + range.len()].copy_from_slice(&sorted[range.clone()]);
            match &order {
                Order::Rows(rows) => {
                    let rows = rows[range].iter().copied();
                    write_rows(&ctx, s, rows, o, target, exog, opts, &mut out)?
                }
                Order::Identity => write_rows(&ctx, s, range, o, target, exog, opts, &mut out)?,
            }
        }
        let static_exog = match &opts.static_df {
            Some(df) => static_block(df, &roles.id_col, &opts.stat_exog, &names)?,
            None if !opts.stat_exog.is_empty() => {
                return Err(Error::config(
                    "stat_exog",
                    "static columns were named but no static_df was given",
                ))
            }
            None => StaticBlock::default(),
        };
        Ok(Dataset {
            ids: names,
            offsets,
            time_kind: time.kind,
            offset_minutes: time.offset_minutes,
            freq,
            times: out.times,
            y: out.y,
            mask: out.mask,
            futr_exog: ExogBlock {
                names: opts.futr_exog.clone(),
                values: out.futr,
            },
            hist_exog: ExogBlock {
                names: opts.hist_exog.clone(),
                values: out.hist,
            },
            static_exog,
        })
    }
}

/// Exogenous columns of the frame: (name, values by input row).
type ExogCols<'a> = [(&'a str, &'a [f64])];

/// What error messages need: the frame's file, the time column, the series names.
struct Ctx<'a> {
    frame: &'a Frame,
    time: &'a TimeColumn,
    ids: &'a [String],
}

impl Ctx<'_> {
    fn show(&self, t: i64) -> String {
        time_to_string(self.time.kind, t, self.time.offset_minutes)
    }

    fn at_series(&self, s: usize) -> Location {
        Location {
            series: Some(self.ids[s].clone()),
            ..self.frame.location()
        }
    }

    fn at(&self, s: usize, t: i64) -> Location {
        self.at_series(s).at_timestamp(self.show(t))
    }
}

/// The output arrays, filled series by series.
struct Columns {
    times: Vec<i64>, // (N,)
    y: Vec<f32>,     // (N,)
    mask: Vec<f32>,  // (N,)
    futr: Vec<f32>,  // (C_futr, N)
    hist: Vec<f32>,  // (C_hist, N)
}

fn text_column<'a>(frame: &'a Frame, name: &str, role: &str) -> Result<&'a TextColumn> {
    match frame.require(name)? {
        Column::Text(t) => Ok(t),
        other => Err(mistyped(frame, name, role, "text", other)),
    }
}

fn time_column<'a>(frame: &'a Frame, name: &str) -> Result<&'a TimeColumn> {
    match frame.require(name)? {
        Column::Time(t) => Ok(t),
        other => Err(mistyped(frame, name, "time", "timestamps", other)),
    }
}

fn float_column<'a>(frame: &'a Frame, name: &str, role: &str) -> Result<&'a [f64]> {
    match frame.require(name)? {
        Column::Float(v) => Ok(v),
        other => Err(mistyped(frame, name, role, "numeric", other)),
    }
}

fn mistyped(frame: &Frame, name: &str, role: &str, want: &str, got: &Column) -> Error {
    // For text where numbers are needed, show the first value that is not one.
    let example = match got {
        Column::Text(text) if want == "numeric" => (0..text.len())
            .find(|&row| parse_field(text.get(row).as_bytes()).is_none())
            .map(|row| {
                format!(
                    " (the first that is not a number: '{}', data row {})",
                    text.get(row),
                    row + 1
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    };
    Error::new(
        ErrorKind::Column,
        frame.location(),
        format!(
            "column '{name}' ({role}) must be {want}, but it holds {} values{example}",
            got.type_name()
        ),
    )
}

/// The exogenous columns named in `names` (for option `param`), checked: present, numeric,
/// not a role column, not listed twice, not also in `other` (the other exogenous list).
fn exog_columns<'a>(
    frame: &'a Frame,
    roles: &ColumnRoles,
    names: &'a [String],
    other: &[String],
    param: &str,
) -> Result<Vec<(&'a str, &'a [f64])>> {
    let mut out = Vec::with_capacity(names.len());
    for (i, name) in names.iter().enumerate() {
        if [&roles.id_col, &roles.time_col, &roles.target_col].contains(&name) {
            return Err(Error::config(
                param,
                format!("'{name}' is the id, time or target column, not an exogenous one"),
            ));
        }
        if names[..i].contains(name) || other.contains(name) {
            return Err(Error::config(
                param,
                format!("column '{name}' is listed twice among the exogenous columns"),
            ));
        }
        out.push((name.as_str(), float_column(frame, name, "exogenous")?));
    }
    Ok(out)
}

/// The input rows of the series, series after series, each series in time order.
enum Order {
    /// The input order itself (the usual case: no index array is built).
    Identity,
    /// Input row indices: (N_in,).
    Rows(Vec<usize>),
}

impl Order {
    /// The input row at position `p`.
    #[inline]
    fn row(&self, p: usize) -> usize {
        match self {
            Order::Identity => p,
            Order::Rows(rows) => rows[p],
        }
    }
}

/// Groups rows by series in order of first appearance: (dictionary code of each series,
/// the rows series after series, where each series starts in them (S + 1 entries)).
/// Rows keep their input order within a series (the counting sort is stable).
fn group_rows(frame: &Frame, ids: &TextColumn) -> Result<(Vec<u32>, Order, Vec<usize>)> {
    const UNSEEN: u32 = u32::MAX;
    let mut series_of_code = vec![UNSEEN; ids.dict.len()];
    let mut codes_in_order: Vec<u32> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut contiguous = true;
    let mut prev = UNSEEN;
    let mut run = 0usize; // rows of the current run of equal codes not yet counted
    for &code in &ids.codes {
        if code == prev {
            run += 1; // the usual case: the same series as the previous row
            continue;
        }
        if prev != UNSEEN {
            counts[series_of_code[prev as usize] as usize] += run;
        }
        run = 1;
        let slot = series_of_code.get_mut(code as usize).ok_or_else(|| {
            Error::new(
                ErrorKind::Column,
                frame.location(),
                format!("the id column has code {code} outside its dictionary"),
            )
        })?;
        if *slot == UNSEEN {
            *slot = codes_in_order.len() as u32;
            codes_in_order.push(code);
            counts.push(0);
        } else {
            contiguous = false; // a series comes back after another one
        }
        prev = code;
    }
    if prev != UNSEEN {
        counts[series_of_code[prev as usize] as usize] += run;
    }
    if counts.iter().sum::<usize>() != ids.codes.len() {
        // Only a frame built by hand can get here (a code of u32::MAX).
        return Err(Error::new(
            ErrorKind::Column,
            frame.location(),
            "the id column has codes outside its dictionary",
        ));
    }
    let mut starts = Vec::with_capacity(counts.len() + 1);
    starts.push(0);
    for c in &counts {
        starts.push(starts.last().copied().unwrap_or(0) + c);
    }
    let order = if contiguous {
        Order::Identity
    } else {
        let mut next = starts.clone();
        let mut rows = vec![0usize; ids.codes.len()];
        for (row, &code) in ids.codes.iter().enumerate() {
            let s = series_of_code[code as usize] as usize;
            rows[next[s]] = row;
            next[s] += 1;
        }
        Order::Rows(rows)
    };
    Ok((codes_in_order, order, starts))
}

/// One pass over a series' times: the first index whose time does not increase, else the
/// step every pair of neighbours shares (`None` when the steps differ, or with fewer than two
/// times).
fn scan_times(times: &[i64]) -> (Option<usize>, Option<i64>) {
    // Blocks of pairs without an early exit, so the compares vectorise; the block that
    // holds a problem is searched again.
    const BLOCK: usize = 256;
    let n = times.len().saturating_sub(1);
    let (a, b) = (&times[..n], &times[times.len().min(1)..]);
    let first = times.get(1).and_then(|t1| t1.checked_sub(times[0]));
    let step = first.unwrap_or(0);
    let mut uniform = first.is_some();
    let mut start = 0;
    while start < n {
        let end = (start + BLOCK).min(n);
        let mut bad = false;
        for (x, y) in a[start..end].iter().zip(&b[start..end]) {
            bad |= y <= x;
            // Between increasing times, equal wrapped differences are equal differences.
            uniform &= y.wrapping_sub(*x) == step;
        }
        if bad {
            let p = (start..end).find(|&i| b[i] <= a[i]);
            return (p.map(|i| i + 1), None);
        }
        start = end;
    }
    (None, first.filter(|_| uniform))
}

/// Checks that series `s` (positions `range` of `order`, whose times are `sorted[range]`)
/// is strictly increasing in time, sorting it first when asked (which builds the row index);
/// a duplicate timestamp is an error either way. Returns the step all its (sorted) times
/// share, if they share one (see [`scan_times`]).
fn order_series(
    ctx: &Ctx,
    s: usize,
    order: &mut Order,
    sorted: &mut Cow<[i64]>,
    range: Range<usize>,
    sort: bool,
) -> Result<Option<i64>> {
    let t = &ctx.time.values;
    // The first position whose time does not increase, and the common step.
    let scan = |times: &[i64]| {
        let (bad, step) = scan_times(&times[range.clone()]);
        (bad.map(|i| range.start + i), step)
    };
    let (mut bad, mut step) = scan(sorted);
    if let Some(p) = bad {
        let (before, after) = (order.row(p - 1), order.row(p));
        if t[after] < t[before] {
            if !sort {
                return Err(Error::new(
                    ErrorKind::Data,
                    ctx.at(s, t[after]),
                    format!(
                        "rows are not sorted by time: {} (data row {}) comes after {} (data row \
                         {}); sort them (the sort option, --sort)",
                        ctx.show(t[after]),
                        after + 1,
                        ctx.show(t[before]),
                        before + 1
                    ),
                ));
            }
            if let Order::Identity = order {
                *order = Order::Rows((0..t.len()).collect());
            }
            if let Order::Rows(rows) = order {
                let rows = &mut rows[range.clone()];
                rows.sort_by_key(|&r| t[r]);
                for (dst, &r) in sorted.to_mut()[range.clone()].iter_mut().zip(rows.iter()) {
                    *dst = t[r];
                }
            }
            (bad, step) = scan(sorted);
        }
    }
    if let Some(p) = bad {
        let (a, b) = (order.row(p - 1), order.row(p));
        return Err(Error::new(
            ErrorKind::Data,
            ctx.at(s, t[b]),
            format!(
                "duplicate timestamp (data rows {} and {})",
                a.min(b) + 1,
                a.max(b) + 1
            ),
        ));
    }
    Ok(step)
}

/// The one frequency every series with two or more timestamps shows.
/// `steps` holds each series' common step, if it has one (from [`order_series`]).
fn infer_common(
    ctx: &Ctx,
    sorted: &[i64],
    starts: &[usize],
    steps: &[Option<i64>],
) -> Result<Freq> {
    let mut found: Option<(usize, Freq)> = None;
    for s in 0..ctx.ids.len() {
        let times = &sorted[starts[s]..starts[s + 1]];
        if times.len() < 2 {
            continue;
        }
        // A series with one step throughout: that step is its most common one.
        let inferred = match steps[s] {
            Some(d) => Freq::infer_with_step(times, ctx.time.kind, d),
            None => Freq::infer(times, ctx.time.kind),
        };
        let Some(f) = inferred else {
            return Err(Error::new(
                ErrorKind::Data,
                ctx.at(s, times[1]),
                format!(
                    "cannot infer a frequency: the step from {} is not a whole number of \
                     minutes; give the frequency explicitly",
                    ctx.show(times[0])
                ),
            ));
        };
        match found {
            None => found = Some((s, f)),
            Some((first, g)) if g != f => {
                return Err(Error::new(
                    ErrorKind::Data,
                    ctx.at_series(s),
                    format!(
                        "mixed frequencies: series '{}' is {g} but series '{}' is {f}; \
                         all series must share one frequency",
                        ctx.ids[first], ctx.ids[s]
                    ),
                ))
            }
            Some(_) => {}
        }
    }
    found.map(|(_, f)| f).ok_or_else(|| {
        Error::new(
            ErrorKind::Data,
            ctx.frame.location(),
            "cannot infer the frequency: no series has two timestamps; give it explicitly",
        )
    })
}

/// The length of series `s` once its gaps are filled; an error for a timestamp off the grid,
/// or for a gap when gaps are not filled. `step` is the step all of `times` share, if they
/// share one: when it is the frequency's, there is no gap to look for.
fn series_length(
    ctx: &Ctx,
    s: usize,
    times: &[i64],
    step: Option<i64>,
    freq: Freq,
    opts: &DatasetOptions,
) -> Result<usize> {
    if let Some(&first) = times.first() {
        if !freq.is_on_grid(first) {
            return Err(Error::new(
                ErrorKind::Data,
                ctx.at(s, first),
                format!("the first timestamp is not on the {freq} grid"),
            ));
        }
    }
    let fixed = freq.fixed_step();
    if step.is_some() && step == fixed {
        return Ok(times.len());
    }
    let mut len = times.len();
    for w in times.windows(2) {
        let (a, b) = (w[0], w[1]);
        if fixed.is_some() && b.checked_sub(a) == fixed {
            continue; // the usual case, without the general grid arithmetic
        }
        match freq.steps_between(a, b) {
            Some(1) => {}
            Some(k) if k > 1 => {
                if !opts.fill_gaps {
                    let missing = k - 1;
                    return Err(Error::new(
                        ErrorKind::Data,
                        ctx.at(s, b),
                        format!(
                            "gap: {missing} timestamp{} missing at frequency {freq} after {} \
                             (the first is {}); fix the data or fill the gaps (the fill_gaps \
                             option, --fill-gaps)",
                            if missing == 1 { " is" } else { "s are" },
                            ctx.show(a),
                            ctx.show(freq.advance(a, 1))
                        ),
                    ));
                }
                len = len.saturating_add(usize::try_from(k - 1).unwrap_or(usize::MAX));
            }
            _ => {
                return Err(Error::new(
                    ErrorKind::Data,
                    ctx.at(s, b),
                    format!(
                        "timestamp is not on the {freq} grid after {} (the next would be {})",
                        ctx.show(a),
                        ctx.show(freq.advance(a, 1))
                    ),
                ))
            }
        }
    }
    Ok(len)
}

/// Writes the values of series `s`, which has no gaps, from output row `o` (its times are
/// already written): its input `rows` in time order. Column by column, so each loop is a
/// plain gather (a sequential read when the input is already in order).
#[allow(clippy::too_many_arguments)]
fn write_rows(
    ctx: &Ctx,
    s: usize,
    rows: impl Iterator<Item = usize> + Clone,
    o: usize,
    target: &[f64],
    (futr, hist): (&ExogCols, &ExogCols),
    opts: &DatasetOptions,
    out: &mut Columns,
) -> Result<()> {
    let n = out.times.len();
    let t = &ctx.time.values;
    let target_name = opts.roles.target_col.as_str();
    // Without a branch per row (a missing value is the exception): the first row that is
    // not allowed is looked for again only when some value was not finite.
    let mut all_finite = true;
    for ((y, m), row) in out.y[o..]
        .iter_mut()
        .zip(&mut out.mask[o..])
        .zip(rows.clone())
    {
        let x = target[row] as f32;
        let finite = x.is_finite();
        (*y, *m) = if finite { (x, 1.0) } else { (0.0, 0.0) };
        all_finite &= finite;
    }
    if !all_finite {
        let allowed = |x: f32| x.is_finite() || (x.is_nan() && opts.mask_missing_y);
        if let Some(row) = rows.clone().find(|&r| !allowed(target[r] as f32)) {
            return Err(bad_value(ctx, s, t[row], target_name, target[row], true));
        }
    }
    for (block, cols) in [(&mut out.futr, futr), (&mut out.hist, hist)] {
        for (c, (name, values)) in cols.iter().enumerate() {
            for (dst, row) in block[c * n + o..].iter_mut().zip(rows.clone()) {
                let x = values[row] as f32;
                if !x.is_finite() {
                    return Err(bad_value(ctx, s, t[row], name, values[row], false));
                }
                *dst = x;
            }
        }
    }
    Ok(())
}

/// The error for a value that is not a finite `f32`: missing (NaN) or out of range.
#[cold]
fn bad_value(ctx: &Ctx, s: usize, t: i64, column: &str, v: f64, is_target: bool) -> Error {
    let message = match (v.is_nan(), is_target) {
        (true, true) => format!(
            "the target '{column}' is missing (NaN or empty); remove the row or mask \
             missing targets (the mask_missing_y option)"
        ),
        (true, false) => format!("the exogenous column '{column}' is missing (NaN or empty)"),
        (false, _) => format!(
            "column '{column}' holds {}, which is not a finite f32 value",
            show_number(v)
        ),
    };
    Error::new(ErrorKind::Data, ctx.at(s, t), message)
}

/// Writes series `s` (positions `range` of `order`) from output row `o`, filling gaps
/// (masked, exogenous values 0) and checking values.
#[allow(clippy::too_many_arguments)]
fn write_series(
    ctx: &Ctx,
    s: usize,
    order: &Order,
    range: Range<usize>,
    mut o: usize,
    freq: Freq,
    target: &[f64],
    (futr, hist): (&ExogCols, &ExogCols),
    opts: &DatasetOptions,
    out: &mut Columns,
) -> Result<()> {
    let n = out.times.len();
    let t = &ctx.time.values;
    let fixed = freq.fixed_step();
    let mut prev: Option<i64> = None;
    for p in range {
        let row = order.row(p);
        let now = t[row];
        match prev {
            Some(before) if fixed.is_none() || now.checked_sub(before) != fixed => {
                // Validated by `series_length`: on the grid, and only a gap when filling.
                let k = freq.steps_between(before, now).unwrap_or(1);
                for j in 1..k {
                    out.times[o] = freq.advance(before, j);
                    o += 1; // y, mask and exogenous values stay 0
                }
            }
            _ => {}
        }
        prev = Some(now);
        out.times[o] = now;
        let x = target[row] as f32;
        if x.is_finite() {
            (out.y[o], out.mask[o]) = (x, 1.0);
        } else if !(x.is_nan() && opts.mask_missing_y) {
            let name = &opts.roles.target_col;
            return Err(bad_value(ctx, s, now, name, target[row], true));
        }
        for (block, cols) in [(&mut out.futr, futr), (&mut out.hist, hist)] {
            for (c, (name, values)) in cols.iter().enumerate() {
                let x = values[row] as f32;
                if !x.is_finite() {
                    return Err(bad_value(ctx, s, now, name, values[row], false));
                }
                block[c * n + o] = x;
            }
        }
        o += 1;
    }
    Ok(())
}

/// A number for a message: plain when short, in exponent form when huge or tiny.
fn show_number(v: f64) -> String {
    if v.is_finite() && v != 0.0 && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// The static values of each series in `ids`, from `df` keyed by `id_col`.
fn static_block(df: &Frame, id_col: &str, names: &[String], ids: &[String]) -> Result<StaticBlock> {
    let key = text_column(df, id_col, "static_df series id")?;
    let names: Vec<String> = if names.is_empty() {
        df.names()
            .iter()
            .zip(df.columns())
            .filter(|(n, c)| *n != id_col && matches!(c, Column::Float(_)))
            .map(|(n, _)| n.clone())
            .collect()
    } else {
        names.to_vec()
    };
    let mut columns = Vec::with_capacity(names.len());
    for name in &names {
        if name == id_col {
            return Err(Error::config(
                "stat_exog",
                format!("'{name}' is the id column, not a static one"),
            ));
        }
        columns.push(float_column(df, name, "static exogenous")?);
    }
    let mut row_of: HashMap<&str, usize> = HashMap::with_capacity(key.len());
    for row in 0..key.len() {
        if let Some(first) = row_of.insert(key.get(row), row) {
            return Err(Error::new(
                ErrorKind::Data,
                Location {
                    series: Some(key.get(row).to_owned()),
                    ..df.location()
                },
                format!(
                    "static_df has two rows for this series (data rows {} and {})",
                    first + 1,
                    row + 1
                ),
            ));
        }
    }
    let mut values = Vec::with_capacity(ids.len() * names.len()); // (S, C)
    for id in ids {
        let at = || Location {
            series: Some(id.clone()),
            ..df.location()
        };
        let Some(&row) = row_of.get(id.as_str()) else {
            return Err(Error::new(
                ErrorKind::Data,
                at(),
                "static_df has no row for this series",
            ));
        };
        for (name, col) in names.iter().zip(&columns) {
            let v = col[row];
            let x = v as f32;
            if !x.is_finite() {
                return Err(Error::new(
                    ErrorKind::Data,
                    at(),
                    format!(
                        "static column '{name}' holds {}, not a finite f32 value",
                        show_number(v)
                    ),
                ));
            }
            values.push(x);
        }
    }
    Ok(StaticBlock { names, values })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::datetime::parse_time;

    /// A long-format frame built in memory, as a CSV reader would type it.
    fn frame(ids: &[&str], times: &[&str], y: &[f64]) -> Frame {
        let mut text = TextColumn::default();
        for id in ids {
            let code = match text.dict.iter().position(|d| d == id) {
                Some(c) => c,
                None => {
                    text.dict.push(id.to_string());
                    text.dict.len() - 1
                }
            };
            text.codes.push(code as u32);
        }
        let parsed: Vec<_> = times
            .iter()
            .map(|t| parse_time(t.as_bytes()).unwrap())
            .collect();
        let time = TimeColumn {
            kind: parsed.first().map_or(TimeKind::Integer, |p| p.kind),
            values: parsed.iter().map(|p| p.value).collect(),
            offset_minutes: None,
        };
        let mut f = Frame::new();
        f.push_column("unique_id", Column::Text(text)).unwrap();
        f.push_column("ds", Column::Time(time)).unwrap();
        f.push_column("y", Column::Float(y.to_vec())).unwrap();
        f.set_source("sales.csv");
        f
    }

    fn build(f: &Frame, opts: &DatasetOptions) -> Result<Dataset> {
        Dataset::from_frame(f, opts)
    }

    fn err(f: &Frame, opts: &DatasetOptions) -> String {
        build(f, opts).unwrap_err().to_string()
    }

    #[test]
    fn groups_series_in_first_appearance_order() {
        // B's rows are split around A's: grouping is stable and keeps B first.
        let f = frame(
            &["B", "B", "A", "A", "B"],
            &["1", "2", "1", "2", "3"],
            &[1.0, 2.0, 10.0, 20.0, 3.0],
        );
        let d = build(&f, &DatasetOptions::default()).unwrap();
        assert_eq!(d.ids, ["B", "A"]);
        assert_eq!(d.offsets, [0, 3, 5]);
        assert_eq!(d.y, [1.0, 2.0, 3.0, 10.0, 20.0]);
        assert_eq!(d.times, [1, 2, 3, 1, 2]);
        assert_eq!(d.mask, [1.0; 5]);
        assert_eq!(d.freq, Freq::Integer(1));
    }

    #[test]
    fn unsorted_rows_are_an_error_unless_sorting_is_asked() {
        let f = frame(
            &["A", "A", "A"],
            &["2020-01-03", "2020-01-01", "2020-01-02"],
            &[3.0, 1.0, 2.0],
        );
        let e = err(&f, &DatasetOptions::default());
        assert!(
            e.starts_with("sales.csv, series 'A', timestamp 2020-01-01: rows are not sorted"),
            "{e}"
        );
        let opts = DatasetOptions {
            sort: true,
            ..DatasetOptions::default()
        };
        let d = build(&f, &opts).unwrap();
        assert_eq!(d.y, [1.0, 2.0, 3.0]);
        assert_eq!(d.freq, Freq::Days(1));
    }

    #[test]
    fn duplicates_gaps_and_off_grid_times_name_series_and_timestamp() {
        let dup = frame(&["A", "A", "A"], &["1", "2", "2"], &[1.0, 2.0, 3.0]);
        let e = err(&dup, &DatasetOptions::default());
        assert_eq!(
            e,
            "sales.csv, series 'A', timestamp 2: duplicate timestamp (data rows 2 and 3)"
        );
        let gap = frame(
            &["A", "A", "A", "A"],
            &["2020-01-01", "2020-02-01", "2020-05-01", "2020-06-01"],
            &[1.0, 2.0, 5.0, 6.0],
        );
        let e = err(&gap, &DatasetOptions::default());
        assert!(
            e.contains("series 'A', timestamp 2020-05-01: gap: 2 timestamps are missing at frequency MS after 2020-02-01"),
            "{e}"
        );
        let opts = DatasetOptions {
            fill_gaps: true,
            ..DatasetOptions::default()
        };
        let d = build(&gap, &opts).unwrap();
        assert_eq!(d.y, [1.0, 2.0, 0.0, 0.0, 5.0, 6.0]);
        assert_eq!(d.mask, [1.0, 1.0, 0.0, 0.0, 1.0, 1.0]);
        assert_eq!(d.times[2], parse_time(b"2020-03-01").unwrap().value);

        let off = frame(
            &["A", "A", "A"],
            &["2020-01-01", "2020-02-01", "2020-02-15"],
            &[1.0, 2.0, 3.0],
        );
        let opts = DatasetOptions {
            freq: Some(Freq::MonthStart(1)),
            ..DatasetOptions::default()
        };
        let e = err(&off, &opts);
        assert!(
            e.contains("timestamp 2020-02-15: timestamp is not on the MS grid after 2020-02-01"),
            "{e}"
        );
    }

    #[test]
    fn mixed_frequencies_name_two_series() {
        let f = frame(
            &["A", "A", "B", "B"],
            &["2020-01-01", "2020-02-01", "2020-01-01", "2020-01-02"],
            &[1.0; 4],
        );
        let e = err(&f, &DatasetOptions::default());
        assert!(
            e.contains("mixed frequencies: series 'A' is MS but series 'B' is D"),
            "{e}"
        );
    }

    #[test]
    fn missing_targets_are_an_error_unless_masked() {
        let f = frame(&["A", "A", "A"], &["1", "2", "3"], &[1.0, f64::NAN, 3.0]);
        let e = err(&f, &DatasetOptions::default());
        assert!(
            e.starts_with("sales.csv, series 'A', timestamp 2: the target 'y' is missing"),
            "{e}"
        );
        let opts = DatasetOptions {
            mask_missing_y: true,
            ..DatasetOptions::default()
        };
        let d = build(&f, &opts).unwrap();
        assert_eq!((d.y[1], d.mask[1]), (0.0, 0.0));
        let f = frame(&["A", "A"], &["1", "2"], &[1.0, 1e300]);
        assert!(err(&f, &opts).contains("not a finite f32"));
    }

    #[test]
    fn short_series_and_empty_data_are_errors() {
        let f = frame(
            &["A", "A", "B", "B", "B"],
            &["1", "2", "1", "2", "3"],
            &[1.0; 5],
        );
        let opts = DatasetOptions {
            min_length: 3,
            ..DatasetOptions::default()
        };
        assert_eq!(
            err(&f, &opts),
            "sales.csv, series 'A': the series has 2 rows, fewer than the 3 needed"
        );
        let empty = frame(&[], &[], &[]);
        assert!(err(&empty, &DatasetOptions::default()).contains("no rows"));
        let single = frame(&["A"], &["2020-01-01"], &[1.0]);
        assert!(err(&single, &DatasetOptions::default()).contains("cannot infer the frequency"));
        let opts = DatasetOptions {
            freq: Some(Freq::Integer(1)),
            ..DatasetOptions::default()
        };
        assert!(err(&single, &opts).contains("parameter 'freq': '1' does not fit"));
    }

    #[test]
    fn exogenous_columns_are_split_and_checked() {
        let mut f = frame(&["A", "A", "B", "B"], &["1", "2", "1", "2"], &[1.0; 4]);
        f.push_column("price", Column::Float(vec![1.0, 2.0, 3.0, 4.0]))
            .unwrap();
        f.push_column("promo", Column::Float(vec![0.0, 1.0, 0.0, 1.0]))
            .unwrap();
        f.push_column("note", Column::Text(TextColumn::default()))
            .unwrap_err(); // wrong length: a frame invariant, not ours
        let mut stat = Frame::new();
        stat.push_column(
            "unique_id",
            Column::Text(TextColumn {
                dict: vec!["B".into(), "A".into()],
                codes: vec![0, 1],
            }),
        )
        .unwrap();
        stat.push_column("size", Column::Float(vec![20.0, 10.0]))
            .unwrap();
        let opts = DatasetOptions {
            futr_exog: vec!["promo".into()],
            hist_exog: vec!["price".into()],
            static_df: Some(stat.clone()),
            ..DatasetOptions::default()
        };
        let d = build(&f, &opts).unwrap();
        assert_eq!(d.futr_exog.names, ["promo"]);
        assert_eq!(d.futr_exog.values, [0.0, 1.0, 0.0, 1.0]);
        assert_eq!(d.hist_exog.column(0, 4), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(d.static_exog.names, ["size"]);
        assert_eq!(d.static_exog.values, [10.0, 20.0]); // A then B, as the series

        let missing = DatasetOptions {
            futr_exog: vec!["temperature".into()],
            ..DatasetOptions::default()
        };
        assert!(err(&f, &missing).contains("no column 'temperature'"));
        let twice = DatasetOptions {
            futr_exog: vec!["price".into()],
            hist_exog: vec!["price".into()],
            ..DatasetOptions::default()
        };
        assert!(err(&f, &twice).contains("listed twice"));
        let target = DatasetOptions {
            hist_exog: vec!["y".into()],
            ..DatasetOptions::default()
        };
        assert!(err(&f, &target).contains("'y' is the id, time or target column"));

        let mut nan = f.clone();
        nan.push_column("temp", Column::Float(vec![1.0, 1.0, f64::NAN, 1.0]))
            .unwrap();
        let opts = DatasetOptions {
            hist_exog: vec!["temp".into()],
            ..DatasetOptions::default()
        };
        assert_eq!(
            err(&nan, &opts),
            "sales.csv, series 'B', timestamp 1: the exogenous column 'temp' is missing (NaN or empty)"
        );

        let short_static = {
            let mut s = Frame::new();
            s.push_column(
                "unique_id",
                Column::Text(TextColumn {
                    dict: vec!["A".into()],
                    codes: vec![0],
                }),
            )
            .unwrap();
            s.push_column("size", Column::Float(vec![1.0])).unwrap();
            s
        };
        let opts = DatasetOptions {
            static_df: Some(short_static),
            ..DatasetOptions::default()
        };
        assert_eq!(
            err(&f, &opts),
            "series 'B': static_df has no row for this series"
        );
    }

    #[test]
    fn a_text_target_is_a_column_error() {
        let mut f = Frame::new();
        f.push_column(
            "unique_id",
            Column::Text(TextColumn {
                dict: vec!["A".into()],
                codes: vec![0],
            }),
        )
        .unwrap();
        f.push_column(
            "ds",
            Column::Time(TimeColumn {
                kind: TimeKind::Integer,
                values: vec![1],
                offset_minutes: None,
            }),
        )
        .unwrap();
        f.push_column(
            "y",
            Column::Text(TextColumn {
                dict: vec!["x".into()],
                codes: vec![0],
            }),
        )
        .unwrap();
        let e = Dataset::from_frame(&f, &DatasetOptions::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Column);
        assert!(e
            .to_string()
            .contains("column 'y' (target) must be numeric, but it holds text values"));
    }

    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The one-pass scan finds what the step-by-step definitions find: the first time
        /// that does not increase, and the step only when every step is that one (runs long
        /// enough to cross the scan's blocks, with a change or a bad pair anywhere).
        #[test]
        fn time_scan_matches_its_definition(
            start in -1_000i64..1_000,
            step in prop_oneof![Just(1i64), Just(86_400_000_000), 1i64..1_000],
            len in 0usize..700,
            change in prop::option::of((0usize..700, -3i64..3)),
            extreme in any::<bool>(),
        ) {
            let mut times: Vec<i64> = (0..len as i64).map(|i| start + i * step).collect();
            if let Some((at, by)) = change {
                if at < len {
                    for t in &mut times[at..] {
                        *t += by;
                    }
                }
            }
            if extreme && len >= 2 {
                times[len - 1] = i64::MAX; // a step that overflows nothing but is unique
                times[0] = i64::MIN;
            }
            let want_bad = times.windows(2).position(|w| w[1] <= w[0]).map(|i| i + 1);
            let steps: Vec<Option<i64>> =
                times.windows(2).map(|w| w[1].checked_sub(w[0])).collect();
            let want_step = match (want_bad, steps.first()) {
                (None, Some(&Some(d))) if steps.iter().all(|&x| x == Some(d)) => Some(d),
                _ => None,
            };
            prop_assert_eq!(scan_times(&times), (want_bad, want_step));
        }

        /// Shuffled rows of several series, with some rows dropped: with sorting and gap
        /// filling, the dataset is every series on its full daily grid, in first-appearance
        /// order, masked exactly where rows were dropped.
        #[test]
        fn shuffled_rows_with_gaps_rebuild_the_grid(
            lens in prop::collection::vec(2usize..12, 1..5),
            seed in any::<u64>(),
        ) {
            // Full grid: series k has lens[k] days from 2020-01-0(k+1); y = 100k + i.
            let mut rows: Vec<(usize, usize)> = lens
                .iter()
                .enumerate()
                .flat_map(|(k, &n)| (0..n).map(move |i| (k, i)))
                .collect();
            let mut state = seed | 1;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            for i in (1..rows.len()).rev() {
                rows.swap(i, (next() % (i as u64 + 1)) as usize);
            }
            // Drop interior rows (never a series' first or last, so the grid is unchanged).
            let kept: Vec<(usize, usize)> = rows
                .iter()
                .copied()
                .filter(|&(k, i)| i == 0 || i == lens[k] - 1 || next() % 3 != 0)
                .collect();
            let day = |k: usize, i: usize| format!("2020-01-{:02}", k + i + 1);
            let ids: Vec<String> = kept.iter().map(|&(k, _)| format!("s{k}")).collect();
            let times: Vec<String> = kept.iter().map(|&(k, i)| day(k, i)).collect();
            let ys: Vec<f64> = kept.iter().map(|&(k, i)| (100 * k + i) as f64).collect();
            let f = frame(
                &ids.iter().map(String::as_str).collect::<Vec<_>>(),
                &times.iter().map(String::as_str).collect::<Vec<_>>(),
                &ys,
            );
            let opts = DatasetOptions {
                sort: true,
                fill_gaps: true,
                freq: Some(Freq::Days(1)),
                ..DatasetOptions::default()
            };
            let d = Dataset::from_frame(&f, &opts).unwrap();
            let mut order: Vec<usize> = Vec::new();
            for &(k, _) in &kept {
                if !order.contains(&k) {
                    order.push(k);
                }
            }
            prop_assert_eq!(d.n_series(), order.len());
            for (s, &k) in order.iter().enumerate() {
                prop_assert_eq!(&d.ids[s], &format!("s{k}"));
                prop_assert_eq!(d.len_of(s), lens[k]);
                for i in 0..lens[k] {
                    let present = kept.contains(&(k, i));
                    let at = d.range(s).start + i;
                    prop_assert_eq!(d.show_time(d.times[at]), day(k, i));
                    prop_assert_eq!(d.mask[at], if present { 1.0 } else { 0.0 });
                    prop_assert_eq!(d.y[at], if present { (100 * k + i) as f32 } else { 0.0 });
                }
            }
        }
    }
}
