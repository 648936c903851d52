//! Windows: which `input_size + h` stretches of which series a batch is made of, as indices.
//!
//! NeuralForecast (3.3, `BaseModel._create_windows`) builds training windows like this, and we
//! reproduce its choice of windows exactly, without ever materialising them:
//!
//! 1. Every series is left-padded with zeros (availability 0) to the length `M` of the longest
//!    series in the dataset (`TimeSeriesDataset.__getitem__`), so all series end together.
//! 2. The last `val_size + test_size` points are cut off (they are never seen in training).
//! 3. The result is padded with zeros: `input_size - 1` on the left when `start_padding` is on
//!    (0 otherwise) and `h` on the right.
//! 4. Windows of `input_size + h` points start every `step_size` points from the left end of that
//!    padded array (`unfold`). Their number `W` is the same for every series.
//! 5. A window is kept when its input part holds at least `max(1, ⌊input_size · f_in⌋)` observed
//!    points and its output part at least `max(1, ⌊h · f_out⌋)` (`f_in`, `f_out` =
//!    `training_data_availability_threshold`, 0 by default), counting only real rows with
//!    availability 1 (padding counts 0).
//!
//! Because of step 1, a short series' windows sit on the grid of the longest one, and a window
//! may start in the left padding even without `start_padding` (it is kept if its input part
//! reaches at least one observed point). We express every window in the series' own row
//! coordinates: [`WindowRef::start`] is the row of the window's first point, negative when the
//! window begins in the padding, and rows at or past [`WindowRef::visible`] read as padding.
//!
//! [`WindowIndex`] holds, per series, the valid windows as runs of consecutive window numbers
//! (one run per series unless the availability mask has long holes), built in one pass over the
//! masks: O(rows) time, O(series) memory. [`Sampler`] then does what NeuralForecast's loader and
//! `training_step` do per optimizer step: take the next `batch_size` series of a shuffled epoch
//! order, pool their valid windows (series in batch order, windows in time order), and draw
//! `windows_batch_size` of them: without replacement (a uniformly random ordered subset, as
//! `randperm(n)[:wbs]`) when the pool holds at least that many, with replacement (as
//! `randint(0, n, (wbs,))`) when it holds fewer; all of them when `windows_batch_size` is `None`.
//! The draws come from our own seeded [`Rng`], so the same seed gives the same batches (not
//! torch's numbers: the distribution is NeuralForecast's, the stream is ours).
//!
//! One deliberate difference: series without any valid window are left out of the epoch order.
//! NeuralForecast keeps them in its batches (where they contribute nothing) and raises "No windows
//! available for training" if a whole batch happens to hold only such series; leaving them out
//! changes only how many steps an epoch has, and never fails mid-training.
//!
//! Validation and prediction windows ([`EvalWindows`]) are not filtered by availability and sit
//! at fixed places relative to the series end: validation windows cover the last `val_size`
//! points before the test tail, prediction windows the last `input_size` points and the `h`
//! points after them (or, with `test_size > 0`, the test tail at a given step, as in
//! cross-validation).

use crate::data::Dataset;
use crate::error::{Error, ErrorKind, Result};
use crate::rng::Rng;

/// How windows are cut from each series (NeuralForecast's parameters of the same names).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WindowConfig {
    /// L: points the model sees.
    pub input_size: usize,
    /// H: points the model forecasts.
    pub h: usize,
    /// Distance between the starts of consecutive training (and validation) windows.
    pub step_size: usize,
    /// Pad `input_size - 1` zeros before each series, so windows may start before its first point.
    pub start_padding: bool,
    /// Points at the end of each series (before the test tail) kept for validation.
    pub val_size: usize,
    /// Points at the end of each series kept for testing (cross-validation).
    pub test_size: usize,
    /// Fraction of the input part that must be observed (`training_data_availability_threshold`,
    /// first value); at least one point always.
    pub min_insample_fraction: f64,
    /// Fraction of the output part that must be observed; at least one point always.
    pub min_outsample_fraction: f64,
}

impl WindowConfig {
    /// NeuralForecast's defaults: step 1, no start padding, no validation or test tail,
    /// availability threshold 0 (one observed point in each part suffices).
    pub fn new(input_size: usize, h: usize) -> WindowConfig {
        WindowConfig {
            input_size,
            h,
            step_size: 1,
            start_padding: false,
            val_size: 0,
            test_size: 0,
            min_insample_fraction: 0.0,
            min_outsample_fraction: 0.0,
        }
    }

    /// L + H.
    pub fn window_len(&self) -> usize {
        self.input_size + self.h
    }

    /// Checks every parameter's range; the error names the parameter.
    pub fn validate(&self) -> Result<()> {
        if self.input_size == 0 {
            return Err(Error::config("input_size", "must be at least 1"));
        }
        if self.h == 0 {
            return Err(Error::config("h", "must be at least 1"));
        }
        if self.step_size == 0 {
            return Err(Error::config("step_size", "must be at least 1"));
        }
        for (name, f) in [
            (
                "training_data_availability_threshold (input part)",
                self.min_insample_fraction,
            ),
            (
                "training_data_availability_threshold (output part)",
                self.min_outsample_fraction,
            ),
        ] {
            if !(0.0..=1.0).contains(&f) {
                return Err(Error::config(
                    name,
                    format_args!("must be between 0.0 and 1.0, got {f}"),
                ));
            }
        }
        Ok(())
    }

    /// Observed points a training window's input part needs: `max(1, ⌊L · f_in⌋)`.
    pub fn min_insample_points(&self) -> usize {
        ((self.input_size as f64 * self.min_insample_fraction) as usize).max(1)
    }

    /// Observed points a training window's output part needs: `max(1, ⌊H · f_out⌋)`.
    pub fn min_outsample_points(&self) -> usize {
        ((self.h as f64 * self.min_outsample_fraction) as usize).max(1)
    }

    fn left_pad(&self) -> usize {
        if self.start_padding {
            self.input_size - 1
        } else {
            0
        }
    }
}

/// One window of one series, in the series' row coordinates.
///
/// The window covers rows `start .. start + L + H`; rows outside `0..visible` are padding
/// (value 0, availability 0). Prediction windows read their horizon's future-known exogenous
/// values past the series end from a separate block (see `batch::gather_with_future`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRef {
    /// Series number in the dataset.
    pub series: usize,
    /// Row of the window's first point; negative when the window starts in the left padding.
    pub start: isize,
    /// Rows `0..visible` of the series may be read (the rest is cut off: validation or test
    /// tail during training).
    pub visible: usize,
}

/// A run of consecutive valid window numbers of one series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Run {
    first: usize,
    count: usize,
}

/// The valid training windows of every series, as runs of window numbers (never the windows).
#[derive(Clone, Debug, PartialEq)]
pub struct WindowIndex {
    cfg: WindowConfig,
    /// M: length of the longest series.
    max_len: usize,
    /// W: windows per series before the availability filter (the `unfold` count).
    per_series: usize,
    /// (S,) series lengths.
    lens: Vec<usize>,
    /// (S + 1,) series `s` owns `runs[run_offsets[s]..run_offsets[s + 1]]`.
    run_offsets: Vec<usize>,
    runs: Vec<Run>,
    /// (S,) valid windows per series.
    valid: Vec<usize>,
    total: usize,
}

impl WindowIndex {
    /// Finds the valid training windows of every series of `ds`.
    ///
    /// Errors: a bad parameter; a dataset without series; a longest series too short for one
    /// window once the validation and test tails are cut (NeuralForecast: "Time series is too
    /// short for training"); no valid window at all ("No windows available for training").
    pub fn build(ds: &Dataset, cfg: &WindowConfig) -> Result<WindowIndex> {
        cfg.validate()?;
        let n_series = ds.n_series();
        if n_series == 0 {
            return Err(Error::bare(ErrorKind::Data, "the dataset has no series"));
        }
        let lens: Vec<usize> = (0..n_series).map(|s| ds.len_of(s)).collect();
        let max_len = lens.iter().copied().max().unwrap_or(0);
        let cut = cfg.val_size + cfg.test_size;
        let trimmed = max_len.saturating_sub(cut);
        let padded = cfg.left_pad() + trimmed + cfg.h;
        if trimmed == 0 || padded < cfg.window_len() {
            return Err(Error::config(
                "input_size",
                format_args!(
                    "series are too short for training: the longest has {max_len} points, \
                     {trimmed} after removing val_size + test_size = {cut}, and a window needs \
                     input_size = {} of them; use a smaller input_size or start padding",
                    cfg.input_size
                ),
            ));
        }
        let per_series = (padded - cfg.window_len()) / cfg.step_size + 1;

        let (l, h, step) = (cfg.input_size, cfg.h, cfg.step_size);
        let (min_in, min_out) = (cfg.min_insample_points(), cfg.min_outsample_points());
        let mut run_offsets = Vec::with_capacity(n_series + 1);
        run_offsets.push(0);
        let mut runs: Vec<Run> = Vec::with_capacity(n_series);
        let mut valid = Vec::with_capacity(n_series);
        // (n + 1,) prefix counts of observed rows, reused across series.
        let mut prefix: Vec<usize> = Vec::new();
        for (s, &n) in lens.iter().enumerate() {
            let vis = n.saturating_sub(cut);
            let mask = &ds.mask_of(s)[..vis];
            prefix.clear();
            prefix.push(0);
            let mut acc = 0;
            for &m in mask {
                acc += usize::from(m >= 1.0);
                prefix.push(acc);
            }
            let observed = |a: isize, b: isize| -> usize {
                let clamp = |x: isize| x.clamp(0, vis as isize) as usize;
                prefix[clamp(b)] - prefix[clamp(a)]
            };
            // Window w starts at row w·step − offset.
            let offset = (cfg.left_pad() + max_len - n) as isize;
            // Only windows whose output part overlaps the visible rows can be valid.
            let w_lo = first_multiple_at_least(offset - l as isize + 1, step);
            let w_hi =
                (first_multiple_at_least(offset + vis as isize - l as isize, step)).min(per_series);
            let mut count = 0;
            let mut w = w_lo;
            while w < w_hi {
                let start = (w * step) as isize - offset;
                let ok = observed(start, start + l as isize) >= min_in
                    && observed(start + l as isize, start + (l + h) as isize) >= min_out;
                if ok {
                    let own_run = runs.len() > run_offsets[s];
                    match runs.last_mut() {
                        Some(r) if own_run && r.first + r.count == w => r.count += 1,
                        _ => runs.push(Run { first: w, count: 1 }),
                    }
                    count += 1;
                }
                w += 1;
            }
            valid.push(count);
            run_offsets.push(runs.len());
        }
        let total = valid.iter().sum();
        if total == 0 {
            return Err(Error::bare(
                ErrorKind::Data,
                "no windows available for training: no window has an observed point in both \
                 its input and its output part",
            ));
        }
        Ok(WindowIndex {
            cfg: *cfg,
            max_len,
            per_series,
            lens,
            run_offsets,
            runs,
            valid,
            total,
        })
    }

    /// The configuration the index was built with.
    pub fn config(&self) -> &WindowConfig {
        &self.cfg
    }

    /// Number of series.
    pub fn n_series(&self) -> usize {
        self.lens.len()
    }

    /// M: the length of the longest series (every series is padded to it).
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// W: training windows per series before the availability filter.
    pub fn windows_per_series(&self) -> usize {
        self.per_series
    }

    /// Valid training windows of series `s`.
    pub fn n_valid(&self, s: usize) -> usize {
        self.valid[s]
    }

    /// Valid training windows over all series.
    pub fn total_valid(&self) -> usize {
        self.total
    }

    /// Rows of series `s` training may read (its length less the validation and test tails).
    pub fn visible(&self, s: usize) -> usize {
        self.lens[s].saturating_sub(self.cfg.val_size + self.cfg.test_size)
    }

    /// Row of the first point of window number `w` (of `W`) of series `s`.
    pub fn start_row(&self, s: usize, w: usize) -> isize {
        (w * self.cfg.step_size) as isize
            - (self.cfg.left_pad() + self.max_len - self.lens[s]) as isize
    }

    /// The window numbers of series `s` that are valid, in increasing order.
    pub fn valid_numbers(&self, s: usize) -> impl Iterator<Item = usize> + '_ {
        self.runs[self.run_offsets[s]..self.run_offsets[s + 1]]
            .iter()
            .flat_map(|r| r.first..r.first + r.count)
    }

    /// The `k`-th valid window (in time order) of series `s`.
    ///
    /// # Panics
    /// If `k >= self.n_valid(s)`.
    pub fn window(&self, s: usize, k: usize) -> WindowRef {
        assert!(
            k < self.valid[s],
            "window {k} of series {s}: it has {}",
            self.valid[s]
        );
        let mut k = k;
        for r in &self.runs[self.run_offsets[s]..self.run_offsets[s + 1]] {
            if k < r.count {
                return WindowRef {
                    series: s,
                    start: self.start_row(s, r.first + k),
                    visible: self.visible(s),
                };
            }
            k -= r.count;
        }
        unreachable!("run counts add up to the valid count")
    }
}

/// Smallest w ≥ 0 with w · step ≥ x.
fn first_multiple_at_least(x: isize, step: usize) -> usize {
    if x <= 0 {
        0
    } else {
        (x as usize).div_ceil(step)
    }
}

/// How the sampler forms batches (NeuralForecast's `batch_size`, `windows_batch_size` and its
/// training loader's `shuffle=True`, `drop_last`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SamplerConfig {
    /// Series per step.
    pub batch_size: usize,
    /// Windows per step drawn from those series' valid windows; `None` takes them all.
    pub windows_batch_size: Option<usize>,
    /// Reshuffle the series order every epoch (NeuralForecast's training loader does).
    pub shuffle: bool,
    /// Skip an epoch's last, smaller batch of series.
    pub drop_last: bool,
}

impl SamplerConfig {
    /// NeuralForecast's defaults for windows-based models: 32 series, 1024 windows, shuffled.
    pub fn new(batch_size: usize, windows_batch_size: Option<usize>) -> SamplerConfig {
        SamplerConfig {
            batch_size,
            windows_batch_size,
            shuffle: true,
            drop_last: false,
        }
    }
}

/// Draws the windows of each training step; see the module documentation for the rules.
///
/// After construction, [`Sampler::next_batch`] allocates nothing as long as the output vector
/// was reserved with [`Sampler::max_windows`].
#[derive(Clone, Debug)]
pub struct Sampler<'a> {
    index: &'a WindowIndex,
    cfg: SamplerConfig,
    order_rng: Rng,
    pick_rng: Rng,
    /// Series with at least one valid window, in this epoch's order.
    order: Vec<usize>,
    pos: usize,
    epoch: u64,
    /// (batch_size + 1,) cumulative valid-window counts of the current batch's series.
    cum: Vec<usize>,
    /// (< 2 · windows_batch_size,) scratch for draws without replacement.
    picked: Vec<usize>,
    /// (⌈pool / 64⌉,) bitset of drawn pool positions; all zero between batches.
    taken: Vec<u64>,
}

impl<'a> Sampler<'a> {
    /// A sampler over `index`; the series order and window draws come from two streams forked
    /// from `rng` (so they do not disturb each other).
    pub fn new(index: &'a WindowIndex, cfg: SamplerConfig, rng: &Rng) -> Result<Sampler<'a>> {
        if cfg.batch_size == 0 {
            return Err(Error::config("batch_size", "must be at least 1"));
        }
        if cfg.windows_batch_size == Some(0) {
            return Err(Error::config("windows_batch_size", "must be at least 1"));
        }
        let order: Vec<usize> = (0..index.n_series())
            .filter(|&s| index.n_valid(s) > 0)
            .collect();
        if cfg.drop_last && order.len() < cfg.batch_size {
            return Err(Error::config(
                "batch_size",
                format_args!(
                    "with drop_last, batch_size ({}) must not exceed the number of series \
                     with a training window ({})",
                    cfg.batch_size,
                    order.len()
                ),
            ));
        }
        let pos = order.len(); // the first call starts an epoch
        let wbs = cfg.windows_batch_size.unwrap_or(0);
        let max_pool = largest_pool(index, &order, cfg.batch_size);
        Ok(Sampler {
            index,
            cfg,
            order_rng: rng.fork(0),
            pick_rng: rng.fork(1),
            order,
            pos,
            epoch: 0,
            cum: Vec::with_capacity(cfg.batch_size + 1),
            picked: Vec::with_capacity((2 * wbs).min(max_pool)),
            taken: vec![0; max_pool.div_ceil(64)],
        })
    }

    /// The most windows one batch can hold: `windows_batch_size`, or without it the valid
    /// windows of the `batch_size` series that have the most.
    pub fn max_windows(&self) -> usize {
        match self.cfg.windows_batch_size {
            Some(w) => w,
            None => largest_pool(self.index, &self.order, self.cfg.batch_size),
        }
    }

    /// Epochs started so far (1 after the first batch).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The series of the batch drawn last, in batch order.
    pub fn batch_series(&self) -> &[usize] {
        let end = self.pos.min(self.order.len());
        let start = end - self.cum.len().saturating_sub(1);
        &self.order[start..end]
    }

    /// Replaces the contents of `out` with the windows of the next training step.
    pub fn next_batch(&mut self, out: &mut Vec<WindowRef>) {
        let bs = self.cfg.batch_size;
        let remaining = self.order.len() - self.pos.min(self.order.len());
        if remaining == 0 || (self.cfg.drop_last && remaining < bs) {
            if self.cfg.shuffle {
                self.order_rng.shuffle(&mut self.order);
            }
            self.pos = 0;
            self.epoch += 1;
        }
        let end = (self.pos + bs).min(self.order.len());
        let batch = &self.order[self.pos..end];
        self.pos = end;

        self.cum.clear();
        self.cum.push(0);
        let mut n = 0;
        for &s in batch {
            n += self.index.n_valid(s);
            self.cum.push(n);
        }

        out.clear();
        let index = self.index;
        let cum = &self.cum;
        let locate = |k: usize| -> WindowRef {
            // The batch position whose range [cum[i], cum[i+1]) holds k.
            let i = cum.partition_point(|&c| c <= k) - 1;
            index.window(batch[i], k - cum[i])
        };
        match self.cfg.windows_batch_size {
            None => out.extend((0..n).map(locate)),
            Some(wbs) if n < wbs => {
                for _ in 0..wbs {
                    let k = self.pick_rng.below(n as u64) as usize;
                    out.push(locate(k));
                }
            }
            Some(wbs) => {
                // A uniformly random ordered sample without replacement (randperm(n)[:wbs]):
                // by rejection against a bitset when the sample is at most half the pool
                // (expected draws < 2·wbs), by a partial Fisher–Yates shuffle otherwise
                // (then the pool is under 2·wbs, so filling it costs O(wbs)).
                self.picked.clear();
                if 2 * wbs <= n {
                    for _ in 0..wbs {
                        loop {
                            let k = self.pick_rng.below(n as u64) as usize;
                            let (word, bit) = (k / 64, 1u64 << (k % 64));
                            if self.taken[word] & bit == 0 {
                                self.taken[word] |= bit;
                                self.picked.push(k);
                                break;
                            }
                        }
                    }
                    for &k in &self.picked {
                        self.taken[k / 64] = 0;
                    }
                } else {
                    self.picked.extend(0..n);
                    for i in 0..wbs {
                        let j = i + self.pick_rng.below((n - i) as u64) as usize;
                        self.picked.swap(i, j);
                    }
                    self.picked.truncate(wbs);
                }
                out.extend(self.picked.iter().map(|&k| locate(k)));
            }
        }
    }
}

/// The most valid windows `batch_size` of the `series` can hold together.
fn largest_pool(index: &WindowIndex, series: &[usize], batch_size: usize) -> usize {
    let mut counts: Vec<usize> = series.iter().map(|&s| index.n_valid(s)).collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    counts.iter().take(batch_size).sum()
}

/// Validation or prediction windows: a fixed number per series at fixed places relative to the
/// series end, not filtered by availability. Window `i` is window `i % per_series` of series
/// `i / per_series` (NeuralForecast's order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalWindows {
    /// (S,) series lengths.
    lens: Vec<usize>,
    per_series: usize,
    /// The first window of a series of length n starts at row n − back.
    back: usize,
    step: usize,
    /// Rows hidden at the end of every series (the test tail, for validation).
    hidden: usize,
}

impl EvalWindows {
    /// Validation windows: over the last `val_size` points before the test tail, every
    /// `step_size` points, each with its `input_size` points before; `(val_size − h) / step + 1`
    /// per series, none when `val_size` is 0. The test tail is never read.
    pub fn validation(ds: &Dataset, cfg: &WindowConfig) -> Result<EvalWindows> {
        cfg.validate()?;
        let per_series = if cfg.val_size == 0 {
            0
        } else if cfg.val_size < cfg.h {
            return Err(Error::config(
                "val_size",
                format_args!("must be 0 or at least h ({}), got {}", cfg.h, cfg.val_size),
            ));
        } else {
            (cfg.val_size - cfg.h) / cfg.step_size + 1
        };
        Ok(EvalWindows {
            lens: (0..ds.n_series()).map(|s| ds.len_of(s)).collect(),
            per_series,
            back: cfg.test_size + cfg.val_size + cfg.input_size,
            step: cfg.step_size,
            hidden: cfg.test_size,
        })
    }

    /// Prediction windows. With `test_size` 0: one per series, its last `input_size` points
    /// and the `h` points after its end. With `test_size > 0` (cross-validation): windows over
    /// the test tail every `step` points, `(test_size − h) / step + 1` per series.
    pub fn predict(ds: &Dataset, cfg: &WindowConfig, step: usize) -> Result<EvalWindows> {
        cfg.validate()?;
        if step == 0 {
            return Err(Error::config("step_size", "must be at least 1"));
        }
        let per_series = if cfg.test_size == 0 {
            1
        } else if cfg.test_size < cfg.h {
            return Err(Error::config(
                "test_size",
                format_args!("must be 0 or at least h ({}), got {}", cfg.h, cfg.test_size),
            ));
        } else {
            (cfg.test_size - cfg.h) / step + 1
        };
        Ok(EvalWindows {
            lens: (0..ds.n_series()).map(|s| ds.len_of(s)).collect(),
            per_series,
            back: cfg.test_size + cfg.input_size,
            step,
            hidden: 0,
        })
    }

    /// Windows per series.
    pub fn per_series(&self) -> usize {
        self.per_series
    }

    /// Windows over all series.
    pub fn len(&self) -> usize {
        self.per_series * self.lens.len()
    }

    /// No windows at all (no series, or no validation).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Window `i`, series-major.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn get(&self, i: usize) -> WindowRef {
        assert!(i < self.len(), "window {i} of {}", self.len());
        let (s, k) = (i / self.per_series, i % self.per_series);
        let n = self.lens[s];
        WindowRef {
            series: s,
            start: n as isize - self.back as isize + (k * self.step) as isize,
            visible: n.saturating_sub(self.hidden),
        }
    }

    /// Replaces the contents of `out` with windows `range` (for batching them).
    pub fn fill(&self, range: std::ops::Range<usize>, out: &mut Vec<WindowRef>) {
        out.clear();
        out.extend(range.map(|i| self.get(i)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(lens: &[usize]) -> Dataset {
        let data: Vec<Vec<f32>> = lens
            .iter()
            .map(|&n| (0..n).map(|i| i as f32 + 1.0).collect())
            .collect();
        let names: Vec<String> = (0..lens.len()).map(|i| format!("s{i}")).collect();
        let series: Vec<(&str, &[f32])> = names
            .iter()
            .zip(&data)
            .map(|(n, d)| (n.as_str(), d.as_slice()))
            .collect();
        Dataset::from_series(&series)
    }

    #[test]
    fn counts_match_unfold_by_hand() {
        // One series of 10, L=3, h=2, step 1: padded length 12, windows of 5 → W = 8, starts
        // 0..=7. Start 7's output part (rows 10, 11) is all padding: 7 valid.
        let d = ds(&[10]);
        let idx = WindowIndex::build(&d, &WindowConfig::new(3, 2)).unwrap();
        assert_eq!(idx.windows_per_series(), 8);
        assert_eq!(idx.n_valid(0), 7);
        assert_eq!(idx.window(0, 6).start, 6);
        // With start padding: 2 more on the left, starts −2..=7, of which −2..=6 are valid.
        let mut cfg = WindowConfig::new(3, 2);
        cfg.start_padding = true;
        let idx = WindowIndex::build(&d, &cfg).unwrap();
        assert_eq!(idx.n_valid(0), 9);
        assert_eq!(idx.window(0, 0).start, -2);
    }

    #[test]
    fn short_series_sit_on_the_longest_grid() {
        // Lengths 10 and 4, L=3, h=2, step 2: W = (12 − 5) / 2 + 1 = 4, padded starts 0,2,4,6.
        // Series 1 is left-padded by 6: its starts are −6,−4,−2,0. Input part must reach row 0:
        // start −2 (rows −2..1) and 0 are valid; −4 covers rows −4..−2: no.
        let d = ds(&[10, 4]);
        let mut cfg = WindowConfig::new(3, 2);
        cfg.step_size = 2;
        let idx = WindowIndex::build(&d, &cfg).unwrap();
        assert_eq!(idx.windows_per_series(), 4);
        assert_eq!(idx.n_valid(1), 2);
        assert_eq!(idx.window(1, 0).start, -2);
        assert_eq!(idx.window(1, 1).start, 0);
    }

    #[test]
    fn tails_are_cut_and_too_short_is_an_error() {
        let d = ds(&[10]);
        let mut cfg = WindowConfig::new(3, 2);
        cfg.val_size = 2;
        cfg.test_size = 2;
        let idx = WindowIndex::build(&d, &cfg).unwrap();
        assert_eq!(idx.visible(0), 6);
        // Valid starts: the output part must hold a row < 6: start + 3 ≤ 5 → starts 0..=2... and
        // W = (0 + 6 + 2 − 5) + 1 = 4 (starts 0..=3); start 3 has output rows 6,7: hidden.
        assert_eq!(idx.n_valid(0), 3);
        cfg.input_size = 7;
        let e = WindowIndex::build(&d, &cfg).unwrap_err();
        assert!(e.to_string().contains("input_size"), "{e}");
    }

    #[test]
    fn eval_windows_sit_at_the_end() {
        let d = ds(&[10, 2]);
        let mut cfg = WindowConfig::new(3, 2);
        cfg.val_size = 4;
        cfg.test_size = 1;
        let v = EvalWindows::validation(&d, &cfg).unwrap();
        assert_eq!(v.per_series(), 3);
        assert_eq!(
            v.get(0),
            WindowRef {
                series: 0,
                start: 2,
                visible: 9
            }
        );
        assert_eq!(v.get(2).start, 4);
        assert_eq!(v.get(3).start, 2 - 8);
        let p = EvalWindows::predict(&d, &WindowConfig::new(3, 2), 1).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p.get(0).start, 7);
        assert_eq!(p.get(1).start, -1);
    }

    #[test]
    fn sampler_is_deterministic_and_draws_without_replacement_when_it_can() {
        let d = ds(&[30, 30, 30]);
        let idx = WindowIndex::build(&d, &WindowConfig::new(4, 2)).unwrap();
        let rng = Rng::seed_from(5);
        let cfg = SamplerConfig::new(2, Some(16));
        let mut a = Sampler::new(&idx, cfg, &rng).unwrap();
        let mut b = Sampler::new(&idx, cfg, &rng).unwrap();
        let (mut wa, mut wb) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            a.next_batch(&mut wa);
            b.next_batch(&mut wb);
            assert_eq!(wa, wb);
            assert_eq!(wa.len(), 16);
            let mut keys: Vec<_> = wa.iter().map(|w| (w.series, w.start)).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), 16, "a repeated window");
        }
        // Epochs: 3 series in batches of 2 → batches of 2, 1, then a new epoch.
        assert_eq!(a.epoch(), 3);
    }
}
