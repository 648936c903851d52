//! Batched inference: windows → scaled batch → forward → inverse temporal scaling, as
//! NeuralForecast's `predict_step` (then MQLoss outputs sorted so quantiles never cross).
//!
//! Windows are evaluated in blocks of at most [`PREDICT_BLOCK`] windows (fewer when
//! `inference_windows_batch_size` says so); with more than one block and more than one thread
//! the blocks run in parallel on the pool, each thread with its own buffers. The blocks depend
//! only on the window count and the model's settings, never on the thread count, so forecasts
//! are bitwise identical with any number of threads. One block (a single window, or a few)
//! runs on the calling thread; only its layers with large weights split over the pool
//! (src/nn/gemv.rs), with the same bits.
//!
//! Future-known exogenous values past a series' end come from a [`FutureExog`]; without one
//! they read as 0 (only models without future exogenous inputs may predict that way).

use std::sync::{Mutex, PoisonError};

use super::step::StepBuffers;
use crate::data::batch::{gather_with_future, BatchLayout, FutureExog};
use crate::data::scalers::TemporalScaler;
use crate::data::windows::WindowRef;
use crate::data::Dataset;
use crate::loss::Loss;
use crate::models::{Mode, Model};
use nd_kernels::table::Kernels;

/// Most windows per forward pass. Small enough that 1,428 windows (M3 monthly) make a dozen
/// blocks to share between threads, large enough that each block's GEMMs run near the
/// blocked kernel's speed (a block reads each weight once for 128 rows).
pub const PREDICT_BLOCK: usize = 128;

/// One thread's buffers for blocks of up to `block` windows.
struct BlockBuffers {
    bufs: StepBuffers,
    scaler: TemporalScaler,
}

impl BlockBuffers {
    fn new(model: &dyn Model, ds: &Dataset, block: usize) -> BlockBuffers {
        let c = model.train_config();
        let layout = BatchLayout::for_dataset(ds, block, c.input_size, c.h);
        BlockBuffers {
            bufs: StepBuffers::new(model, layout),
            scaler: TemporalScaler::new(c.scaler_type, 1 + layout.n_hist + layout.n_futr),
        }
    }

    /// Forecasts of `part` into `dst` ((part.len(), H, Q), on the dataset's scale).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &mut self,
        k: &Kernels,
        model: &dyn Model,
        params: &[f32],
        ds: &Dataset,
        part: &[WindowRef],
        future: Option<&FutureExog>,
        dst: &mut [f32],
    ) {
        let bufs = &mut self.bufs;
        gather_with_future(ds, part, future, &mut bufs.batch);
        let rows = bufs.forward_gathered(k, model, params, &mut self.scaler, Mode::Predict);
        let n = dst.len();
        debug_assert_eq!(n, rows * model.train_config().h * model.n_outputs());
        self.scaler.inverse(&mut bufs.y_hat[..n], &bufs.stats);
        dst.copy_from_slice(&bufs.y_hat[..n]);
    }
}

/// Forecasts for `windows` of `ds`: (W, H, Q) on the dataset's scale (temporal scaling
/// inverted; a local scaler, if any, is the caller's to invert).
///
/// # Panics
/// If `ds` or `future` do not carry the model's exogenous channels (callers project them).
pub fn predict_windows(
    k: &Kernels,
    model: &dyn Model,
    params: &[f32],
    ds: &Dataset,
    windows: &[WindowRef],
    future: Option<&FutureExog>,
) -> Vec<f32> {
    let c = model.train_config();
    let (h, q) = (c.h, model.n_outputs());
    let mut out = vec![0.0f32; windows.len() * h * q];
    if windows.is_empty() {
        return out;
    }
    let block = c
        .inference_windows_batch_size
        .unwrap_or(PREDICT_BLOCK)
        .min(PREDICT_BLOCK)
        .min(windows.len())
        .max(1);
    let parts = windows.chunks(block).zip(out.chunks_mut(block * h * q));
    if windows.len() <= block || crate::sched::current_threads() == 1 {
        let mut b = BlockBuffers::new(model, ds, block);
        for (part, dst) in parts {
            b.run(k, model, params, ds, part, future, dst);
        }
    } else {
        // Buffers are made on demand and handed back after each block, so there are at most
        // as many as blocks ran at once (the thread count), whichever thread runs which block.
        let spare: Mutex<Vec<BlockBuffers>> = Mutex::new(Vec::new());
        let take = || spare.lock().unwrap_or_else(PoisonError::into_inner).pop();
        let give = |b| spare.lock().unwrap_or_else(PoisonError::into_inner).push(b);
        crate::sched::scope(|s| {
            for (part, dst) in parts {
                let (take, give) = (&take, &give);
                s.spawn(move |_| {
                    let mut b = take().unwrap_or_else(|| BlockBuffers::new(model, ds, block));
                    b.run(k, model, params, ds, part, future, dst);
                    give(b);
                });
            }
        });
    }
    if let Loss::Mq(m) = &c.loss {
        m.sort_quantiles(&mut out);
    }
    out
}
