//! `futr_df` → [`FutureExog`]: the future-known exogenous values of the `h` steps after each
//! series' end, checked as NeuralForecast's `get_missing_future` does, but stricter about
//! what is reported: a missing column, series or timestamp, or a missing value, is an error
//! naming the column, the series and the timestamp. Rows for other series or times are ignored.

use std::collections::HashMap;

use crate::data::batch::FutureExog;
use crate::data::frame::{Column, ColumnRoles, Frame};
use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Location, Result};

/// The values of `columns` (in that order) for the `h` steps after every series of `ds`,
/// read from `futr_df`: (S, H, F).
///
/// Errors: no id or time column, or one of the wrong type; a column of `columns` missing
/// (named, with the models that list it from `who`); a series or timestamp without a row; a
/// missing (NaN) value.
pub fn future_exog(
    ds: &Dataset,
    futr_df: &Frame,
    roles: &ColumnRoles,
    columns: &[String],
    who: &dyn Fn(&str) -> String,
    h: usize,
) -> Result<FutureExog> {
    let loc = futr_df.location();
    let ids = match futr_df.require(&roles.id_col)? {
        Column::Text(t) => t,
        other => return Err(mistyped(futr_df, &roles.id_col, "text", other)),
    };
    let times = match futr_df.require(&roles.time_col)? {
        Column::Time(t) => t,
        other => return Err(mistyped(futr_df, &roles.time_col, "time", other)),
    };
    if times.kind != ds.time_kind {
        return Err(Error::new(
            ErrorKind::Column,
            loc,
            format!(
                "futr_df's '{}' column holds {:?} times; the training data hold {:?}",
                roles.time_col, times.kind, ds.time_kind
            ),
        ));
    }
    let mut values_of = Vec::with_capacity(columns.len());
    for name in columns {
        match futr_df.column(name) {
            Some(Column::Float(v)) => values_of.push(v),
            Some(other) => return Err(mistyped(futr_df, name, "numeric", other)),
            None => {
                return Err(Error::new(
                    ErrorKind::Column,
                    loc,
                    format!(
                        "futr_df has no column '{name}', which {} lists in futr_exog_list \
                         (columns are: {})",
                        who(name),
                        futr_df.names().join(", ")
                    ),
                ))
            }
        }
    }
    // Dictionary code of each dataset series in futr_df's id column (None: absent).
    let code_of: HashMap<&str, u32> = ids
        .dict
        .iter()
        .enumerate()
        .map(|(c, s)| (s.as_str(), c as u32))
        .collect();
    let mut row_of: HashMap<(u32, i64), usize> = HashMap::with_capacity(futr_df.len());
    for r in 0..futr_df.len() {
        row_of.entry((ids.codes[r], times.values[r])).or_insert(r);
    }
    let nf = columns.len();
    let mut out = vec![0.0f32; ds.n_series() * h * nf];
    let mut future = Vec::with_capacity(h);
    for s in 0..ds.n_series() {
        let id = &ds.ids[s];
        future.clear();
        ds.future_times(s, h, &mut future);
        let at = |t: i64| Location::series(id.clone()).at_timestamp(ds.show_time(t));
        let Some(&code) = code_of.get(id.as_str()) else {
            return Err(Error::new(
                ErrorKind::Data,
                at(future[0]),
                format!(
                    "futr_df has no rows for this series; it needs {} for the {h} steps \
                     after the series end",
                    columns.join(", ")
                ),
            ));
        };
        for (j, &t) in future.iter().enumerate() {
            let Some(&r) = row_of.get(&(code, t)) else {
                return Err(Error::new(
                    ErrorKind::Data,
                    at(t),
                    format!(
                        "futr_df has no row for this timestamp (step {} of {h} after the \
                         series end); it needs {}",
                        j + 1,
                        columns.join(", ")
                    ),
                ));
            };
            for (c, v) in values_of.iter().enumerate() {
                let x = v[r];
                if x.is_nan() {
                    return Err(Error::new(
                        ErrorKind::Data,
                        at(t),
                        format!("futr_df's column '{}' has no value here", columns[c]),
                    ));
                }
                out[(s * h + j) * nf + c] = x as f32;
            }
        }
    }
    Ok(FutureExog {
        h,
        n_futr: nf,
        values: out,
    })
}

fn mistyped(frame: &Frame, name: &str, want: &str, got: &Column) -> Error {
    Error::new(
        ErrorKind::Column,
        frame.location(),
        format!(
            "futr_df's column '{name}' must be {want}, not {}",
            got.type_name()
        ),
    )
}
