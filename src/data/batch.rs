//! Batches: the windows of one step copied into buffers planned once, channel-last.
//!
//! A [`BatchLayout`] fixes (B, L, H, F, X, S) once per fit; a [`Batch`] owns one tensor per
//! input NeuralForecast's models receive (`insample_y`, `insample_mask`, `outsample_y`,
//! `outsample_mask`, `hist_exog`, `futr_exog`, `stat_exog`), and [`gather`] fills its first
//! `windows.len()` rows from a [`Dataset`] and a list of [`WindowRef`]s without allocating.
//! Rows past `len()` keep stale values and must not be read.
//!
//! Padding follows NeuralForecast: every point of a window outside the rows it may read
//! (before the series start, past its visible end) is 0 with availability 0, in every channel.
//! Points inside are copied as they are, observed or not (the dataset holds 0 for an
//! unobserved target). Static values are copied per window from its series.

use crate::data::windows::WindowRef;
use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::tensor::Tensor;

/// The sizes of a batch, planned once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchLayout {
    /// B: most windows per batch.
    pub b: usize,
    /// L: input points.
    pub l: usize,
    /// H: horizon.
    pub h: usize,
    /// F: future-known exogenous channels.
    pub n_futr: usize,
    /// X: historical exogenous channels.
    pub n_hist: usize,
    /// S: static exogenous channels.
    pub n_stat: usize,
}

impl BatchLayout {
    /// The layout for batches of up to `b` windows of `l + h` points of `ds`, with all its
    /// exogenous columns.
    pub fn for_dataset(ds: &Dataset, b: usize, l: usize, h: usize) -> BatchLayout {
        BatchLayout {
            b,
            l,
            h,
            n_futr: ds.futr_exog.n_cols(),
            n_hist: ds.hist_exog.n_cols(),
            n_stat: ds.static_exog.names.len(),
        }
    }

    /// An error unless `ds` has exactly this layout's exogenous channel counts.
    pub fn check(&self, ds: &Dataset) -> Result<()> {
        let have = (
            ds.futr_exog.n_cols(),
            ds.hist_exog.n_cols(),
            ds.static_exog.names.len(),
        );
        if have != (self.n_futr, self.n_hist, self.n_stat) {
            return Err(Error::config(
                "exogenous columns",
                format_args!(
                    "the model was planned for {} future, {} historical and {} static \
                     columns; the data has {}, {} and {}",
                    self.n_futr, self.n_hist, self.n_stat, have.0, have.1, have.2
                ),
            ));
        }
        Ok(())
    }
}

/// The buffers of one batch (shapes with B the planned capacity).
#[derive(Clone, Debug)]
pub struct Batch {
    layout: BatchLayout,
    len: usize,
    /// (B, L) target over the input part.
    pub insample_y: Tensor,
    /// (B, L) availability over the input part.
    pub insample_mask: Tensor,
    /// (B, H) target over the horizon.
    pub outsample_y: Tensor,
    /// (B, H) availability over the horizon.
    pub outsample_mask: Tensor,
    /// (B, L, X) historical exogenous over the input part.
    pub hist_exog: Tensor,
    /// (B, L + H, F) future-known exogenous over the whole window.
    pub futr_exog: Tensor,
    /// (B, S) static exogenous of each window's series.
    pub stat_exog: Tensor,
}

impl Batch {
    /// Zeroed buffers for `layout`.
    ///
    /// # Panics
    /// If the buffers cannot be allocated.
    pub fn new(layout: BatchLayout) -> Batch {
        let BatchLayout {
            b,
            l,
            h,
            n_futr,
            n_hist,
            n_stat,
        } = layout;
        let z = |dims: &[usize]| Tensor::zeros(dims).expect("batch shapes have at most 3 dims");
        Batch {
            layout,
            len: 0,
            insample_y: z(&[b, l]),
            insample_mask: z(&[b, l]),
            outsample_y: z(&[b, h]),
            outsample_mask: z(&[b, h]),
            hist_exog: z(&[b, l, n_hist]),
            futr_exog: z(&[b, l + h, n_futr]),
            stat_exog: z(&[b, n_stat]),
        }
    }

    /// The planned sizes.
    pub fn layout(&self) -> &BatchLayout {
        &self.layout
    }

    /// Rows filled by the last gather.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No rows filled.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Future-known exogenous values past the end of each series, for prediction: (S, H, F).
#[derive(Clone, Debug, PartialEq)]
pub struct FutureExog {
    /// H: points per series.
    pub h: usize,
    /// F: channels, in the dataset's `futr_exog` order.
    pub n_futr: usize,
    /// (S, H, F) values.
    pub values: Vec<f32>,
}

/// Fills `batch` with `windows` of `ds` (rows `0..windows.len()`); see the module docs.
///
/// # Panics
/// If there are more windows than the batch holds, or `ds` does not match the layout (check
/// it once with [`BatchLayout::check`]).
pub fn gather(ds: &Dataset, windows: &[WindowRef], batch: &mut Batch) {
    gather_with_future(ds, windows, None, batch)
}

/// As [`gather`], and future-known exogenous values at rows past a series' end are read from
/// `future` (row n + j of series s is `future[s, j]`) instead of being padding.
///
/// # Panics
/// As [`gather`]; also if `future` does not match the dataset's series and channels.
pub fn gather_with_future(
    ds: &Dataset,
    windows: &[WindowRef],
    future: Option<&FutureExog>,
    batch: &mut Batch,
) {
    let lay = batch.layout;
    let (l, h, nf, nx, ns) = (lay.l, lay.h, lay.n_futr, lay.n_hist, lay.n_stat);
    assert!(
        windows.len() <= lay.b,
        "{} windows for a batch of {}",
        windows.len(),
        lay.b
    );
    assert_eq!(
        (
            ds.futr_exog.n_cols(),
            ds.hist_exog.n_cols(),
            ds.static_exog.names.len()
        ),
        (nf, nx, ns),
        "dataset exogenous columns do not match the batch layout"
    );
    if let Some(f) = future {
        assert_eq!(f.n_futr, nf, "future exogenous channels");
        assert_eq!(
            f.values.len(),
            ds.n_series() * f.h * nf,
            "future exogenous size"
        );
    }
    let n_rows = ds.n_rows();
    let t_len = l + h;
    for (b, w) in windows.iter().enumerate() {
        let base = ds.offsets[w.series];
        let vis = w.visible.min(ds.len_of(w.series)) as isize;
        // The window's rows [w.start, w.start + T) overlapping [0, vis), as window offsets.
        let lo = (-w.start).clamp(0, t_len as isize) as usize;
        let hi = (vis - w.start).clamp(lo as isize, t_len as isize) as usize;
        let row = |t: usize| base + (w.start + t as isize) as usize;

        // Target and mask: copy the overlap, zero the rest; split at L.
        let (iy, im) = (b * l..(b + 1) * l, b * h..(b + 1) * h);
        fill_part(
            &ds.y,
            0..l,
            lo,
            hi,
            &row,
            &mut batch.insample_y.as_mut_slice()[iy.clone()],
        );
        fill_part(
            &ds.mask,
            0..l,
            lo,
            hi,
            &row,
            &mut batch.insample_mask.as_mut_slice()[iy],
        );
        fill_part(
            &ds.y,
            l..t_len,
            lo,
            hi,
            &row,
            &mut batch.outsample_y.as_mut_slice()[im.clone()],
        );
        fill_part(
            &ds.mask,
            l..t_len,
            lo,
            hi,
            &row,
            &mut batch.outsample_mask.as_mut_slice()[im],
        );

        // (L, X) historical exogenous, channel-last.
        let hx = &mut batch.hist_exog.as_mut_slice()[b * l * nx..(b + 1) * l * nx];
        for c in 0..nx {
            let col = ds.hist_exog.column(c, n_rows);
            for t in 0..l {
                hx[t * nx + c] = if (lo..hi).contains(&t) {
                    col[row(t)]
                } else {
                    0.0
                };
            }
        }

        // (L + H, F) future-known exogenous, channel-last; past the series end from `future`.
        let n = ds.len_of(w.series) as isize;
        let fx = &mut batch.futr_exog.as_mut_slice()[b * t_len * nf..(b + 1) * t_len * nf];
        for c in 0..nf {
            let col = ds.futr_exog.column(c, n_rows);
            for t in 0..t_len {
                let r = w.start + t as isize;
                fx[t * nf + c] = if (lo..hi).contains(&t) {
                    col[row(t)]
                } else {
                    match future {
                        Some(f) if r >= n && ((r - n) as usize) < f.h => {
                            f.values[(w.series * f.h + (r - n) as usize) * nf + c]
                        }
                        _ => 0.0,
                    }
                };
            }
        }

        // (S,) static.
        batch.stat_exog.as_mut_slice()[b * ns..(b + 1) * ns]
            .copy_from_slice(&ds.static_exog.values[w.series * ns..(w.series + 1) * ns]);
    }
    batch.len = windows.len();
}

/// Copies window offsets `range` of a per-row column into `out` (one value per offset): the
/// offsets in `lo..hi` from the dataset, the others 0.
fn fill_part(
    column: &[f32],
    range: std::ops::Range<usize>,
    lo: usize,
    hi: usize,
    row: &impl Fn(usize) -> usize,
    out: &mut [f32],
) {
    let first = range.start;
    let a = lo.clamp(range.start, range.end);
    let b = hi.clamp(a, range.end);
    out[..a - first].fill(0.0);
    if b > a {
        out[a - first..b - first].copy_from_slice(&column[row(a)..row(a) + (b - a)]);
    }
    out[b - first..].fill(0.0);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::dataset::{ExogBlock, StaticBlock};

    fn dataset() -> Dataset {
        let mut d = Dataset::from_series(&[("a", &[1.0, 2.0, 3.0, 4.0]), ("b", &[5.0, 6.0])]);
        d.mask[1] = 0.0;
        d.y[1] = 0.0;
        // One future column: 10·row; one historical: −row.
        d.futr_exog = ExogBlock {
            names: vec!["f".into()],
            values: (0..6).map(|r| 10.0 * r as f32).collect(),
        };
        d.hist_exog = ExogBlock {
            names: vec!["x".into()],
            values: (0..6).map(|r| -(r as f32)).collect(),
        };
        d.static_exog = StaticBlock {
            names: vec!["s".into()],
            values: vec![7.0, 8.0],
        };
        d
    }

    #[test]
    fn gather_copies_and_pads() {
        let d = dataset();
        let lay = BatchLayout::for_dataset(&d, 3, 2, 2);
        lay.check(&d).unwrap();
        let mut batch = Batch::new(lay);
        let windows = [
            WindowRef {
                series: 0,
                start: 1,
                visible: 4,
            },
            WindowRef {
                series: 1,
                start: -1,
                visible: 2,
            },
        ];
        gather(&d, &windows, &mut batch);
        assert_eq!(batch.len(), 2);
        // Series a rows 1..5: y [0(masked), 3 | 4, pad].
        assert_eq!(&batch.insample_y.as_slice()[..2], &[0.0, 3.0]);
        assert_eq!(&batch.insample_mask.as_slice()[..2], &[0.0, 1.0]);
        assert_eq!(&batch.outsample_y.as_slice()[..2], &[4.0, 0.0]);
        assert_eq!(&batch.outsample_mask.as_slice()[..2], &[1.0, 0.0]);
        // Series b rows −1..3: [pad, 5 | 6, pad].
        assert_eq!(&batch.insample_y.as_slice()[2..4], &[0.0, 5.0]);
        assert_eq!(&batch.insample_mask.as_slice()[2..4], &[0.0, 1.0]);
        assert_eq!(&batch.outsample_y.as_slice()[2..4], &[6.0, 0.0]);
        assert_eq!(&batch.hist_exog.as_slice()[..4], &[-1.0, -2.0, 0.0, -4.0]);
        assert_eq!(&batch.futr_exog.as_slice()[..4], &[10.0, 20.0, 30.0, 0.0]);
        assert_eq!(&batch.futr_exog.as_slice()[4..8], &[0.0, 40.0, 50.0, 0.0]);
        assert_eq!(&batch.stat_exog.as_slice()[..2], &[7.0, 8.0]);

        // With future values, the rows past b's end are read from them.
        let future = FutureExog {
            h: 2,
            n_futr: 1,
            values: vec![100.0, 101.0, 200.0, 201.0],
        };
        gather_with_future(&d, &windows[1..], Some(&future), &mut batch);
        assert_eq!(&batch.futr_exog.as_slice()[..4], &[0.0, 40.0, 50.0, 200.0]);
    }

    #[test]
    fn layout_mismatch_is_an_error() {
        let d = dataset();
        let mut lay = BatchLayout::for_dataset(&d, 3, 2, 2);
        lay.n_hist = 2;
        assert!(lay
            .check(&d)
            .unwrap_err()
            .to_string()
            .contains("historical"));
    }
}
