//! Output frames in NeuralForecast's layout: `unique_id`, `ds`, optionally `cutoff` and `y`,
//! then one Float column per model output (`NLinear`, `MLP-median`, `MLP-lo-80`, ...).

use crate::data::frame::{Column, Frame, TextColumn, TimeColumn};
use crate::data::Dataset;
use crate::error::Result;
use crate::models::Model;

/// Rows of an output frame, collected series by series.
#[derive(Debug, Default)]
pub(crate) struct OutputRows {
    /// Series number (into the dataset's ids) of each row.
    pub series: Vec<u32>,
    /// Time of each row.
    pub times: Vec<i64>,
    /// Cutoff of each row (cross-validation, insample).
    pub cutoffs: Option<Vec<i64>>,
    /// Actual value of each row (NaN where unobserved).
    pub y: Option<Vec<f64>>,
}

/// `v` widened to f64 as its shortest decimal form reads (444.6583f32 → 444.6583, not
/// 444.6582946777344): models compute in f32, and output frames should not show digits the
/// computation never had.
pub(crate) fn widen(v: f32) -> f64 {
    if !v.is_finite() {
        return v as f64;
    }
    v.to_string().parse().unwrap_or(v as f64)
}

/// The column names of `model`'s outputs: the alias plus each loss output suffix.
pub(crate) fn output_names(model: &dyn Model) -> Vec<String> {
    let alias = model.alias();
    model
        .train_config()
        .loss
        .output_names()
        .iter()
        .map(|s| format!("{alias}{s}"))
        .collect()
}

/// Builds the frame: id and time columns named by `id_col`/`time_col`, then `cutoff`, `y`
/// (named `target_col`) when present, then `outputs` (name, one value per row).
pub(crate) fn build_frame(
    ds: &Dataset,
    rows: OutputRows,
    outputs: Vec<(String, Vec<f64>)>,
    id_col: &str,
    time_col: &str,
    target_col: &str,
) -> Result<Frame> {
    let mut f = Frame::new();
    let time = |values: Vec<i64>| {
        Column::Time(TimeColumn {
            kind: ds.time_kind,
            values,
            offset_minutes: ds.offset_minutes,
        })
    };
    f.push_column(
        id_col,
        Column::Text(TextColumn {
            dict: ds.ids.clone(),
            codes: rows.series,
        }),
    )?;
    f.push_column(time_col, time(rows.times))?;
    if let Some(c) = rows.cutoffs {
        f.push_column("cutoff", time(c))?;
    }
    if let Some(y) = rows.y {
        f.push_column(target_col, Column::Float(y))?;
    }
    for (name, values) in outputs {
        f.push_column(name, Column::Float(values))?;
    }
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::widen;

    #[test]
    fn widening_keeps_the_f32_shortest_decimal_and_round_trips() {
        assert_eq!(widen(444.6583), 444.6583);
        assert_eq!(widen(0.1), 0.1);
        assert!(widen(f32::NAN).is_nan());
        for v in [1.0e-30f32, 3.4e38, -7.25, 123456.79, 1.0 / 3.0] {
            assert_eq!(widen(v) as f32, v);
        }
    }
}
