//! The data-parallel training step: a batch's windows split into fixed shards ("lanes"), each
//! lane running forward and backward on its rows into its own gradient buffer, the gradients
//! reduced chunk by chunk in lane order, and the optimizer step run in parallel over chunks.
//!
//! ```text
//! sample → gather → scale                          (whole batch, this thread)
//! lane 0..n: forward(rows of lane) → y_hat rows    (parallel)
//! loss and ∂loss/∂y_hat over the whole batch       (this thread: the mean's denominator is global)
//! lane 0..n: backward(rows of lane) → lane grads   (parallel)
//! chunk c: grads[c] = Σ_lane lane_grads[c] in lane order; optimizer update of c   (parallel)
//! ```
//!
//! Determinism: lane `i` always takes rows `⌊i·B/n⌋..⌊(i+1)·B/n⌋` of the batch, draws dropout
//! masks from its own stream (forked from the dropout seed by step and lane), and writes its
//! own buffer; the sum runs in lane order whatever thread ran which lane. So a seed gives
//! bitwise identical training for a given lane count, which is the thread count when the
//! trainer is built. Different thread counts give different lane counts, hence sums in a
//! different order: results then agree to float rounding, not bit for bit. With one thread no
//! lane exists and [`super::step::train_step`] runs as before.
//!
//! Memory: lanes replace the single-batch cache and scratch (about the same total, each lane
//! holding ⌈B/n⌉ rows), and add one gradient buffer per lane after the first.

use std::ops::Range;

use super::step::{StepBuffers, StepState};
use crate::data::batch::gather;
use crate::data::scalers::TemporalScaler;
use crate::data::Dataset;
use crate::models::{Mode, Model, ModelInput};
use crate::nn::ParamStore;
use crate::rng::Rng;
use crate::sched::{for_each_mut, MAX_THREADS};
use nd_kernels::mem::AlignedBuf;
use nd_kernels::table::Kernels;

/// Parameters per chunk of the reduce-and-update pass: 128 KiB of each stream, so a chunk's
/// gradients, values and moments stay in L2 between the sum and the update.
const OPTIMIZER_GRAIN: usize = 1 << 15;

/// Stream numbers of the lanes' dropout forks: `LANE_STREAMS + step · MAX_THREADS + lane`.
const LANE_STREAMS: u64 = 0x5A3D_0003_0000_0000;

/// One shard's buffers.
#[derive(Debug)]
struct Lane {
    /// Rows of the current batch.
    rows: Range<usize>,
    /// Model cache and scratch for ⌈B/n⌉ rows.
    cache: Vec<f32>,
    scratch: Vec<f32>,
    /// (rows, H, Q) forecasts of this lane's rows.
    y_hat: Vec<f32>,
    /// This lane's gradient (lane 0's is swapped with the store's during a step).
    grads: AlignedBuf,
    /// This step's dropout stream.
    rng: Rng,
}

/// The lanes of a data-parallel trainer.
#[derive(Debug)]
pub struct Lanes {
    lanes: Vec<Lane>,
}

impl Lanes {
    /// `n` lanes (at least 2) for `model` and batches of up to `b` windows.
    pub fn new(model: &dyn Model, b: usize, n: usize) -> Lanes {
        assert!(n >= 2, "data-parallel training needs at least 2 lanes");
        let rows = b.div_ceil(n);
        let ws = model.workspace(rows);
        let out = rows * model.train_config().h * model.n_outputs();
        let n_params = model.layout().len();
        let lanes = (0..n)
            .map(|_| Lane {
                rows: 0..0,
                cache: vec![0.0; ws.cache],
                scratch: vec![0.0; ws.scratch],
                y_hat: vec![0.0; out],
                grads: AlignedBuf::zeroed(n_params),
                rng: Rng::seed_from(0),
            })
            .collect();
        Lanes { lanes }
    }

    /// The number of lanes.
    pub fn len(&self) -> usize {
        self.lanes.len()
    }

    /// Never true (kept for the `len` convention).
    pub fn is_empty(&self) -> bool {
        self.lanes.is_empty()
    }
}

/// One optimizer step on the windows already in `bufs.windows`, split over `lanes`; returns
/// the training loss. Same contract as [`super::step::train_step`].
#[allow(clippy::too_many_arguments)]
pub fn train_step_parallel(
    k: &Kernels,
    model: &dyn Model,
    store: &mut ParamStore,
    ds: &Dataset,
    scaler: &mut TemporalScaler,
    bufs: &mut StepBuffers,
    state: &mut StepState,
    lanes: &mut Lanes,
) -> f32 {
    let c = model.train_config();
    let (h, q) = (c.h, model.n_outputs());
    gather(ds, &bufs.windows, &mut bufs.batch);
    scaler.scale(&mut bufs.batch, &mut bufs.stats);
    let rows = bufs.batch.len();
    let n = lanes.len();
    for (i, lane) in lanes.lanes.iter_mut().enumerate() {
        lane.rows = i * rows / n..(i + 1) * rows / n;
        let stream = LANE_STREAMS + state.step * MAX_THREADS as u64 + i as u64;
        lane.rng = state.dropout_rng.fork(stream);
    }
    let params: &[f32] = &store.values;
    let batch = &bufs.batch;
    for_each_mut(&mut lanes.lanes, |_, lane| {
        if lane.rows.is_empty() {
            return;
        }
        let x = ModelInput::from_batch_rows(batch, lane.rows.clone());
        let out = lane.rows.len() * h * q;
        let mode = Mode::Train(&mut lane.rng);
        model.forward(
            k,
            params,
            &x,
            &mut lane.y_hat[..out],
            &mut lane.cache,
            &mut lane.scratch,
            mode,
        );
    });
    for lane in &lanes.lanes {
        let (r, out) = (&lane.rows, lane.rows.len() * h * q);
        bufs.y_hat[r.start * h * q..r.end * h * q].copy_from_slice(&lane.y_hat[..out]);
    }

    let loss = bufs.loss_and_gradient(model, rows);
    let out = rows * h * q;

    // Lane 0 accumulates into the store's own gradient buffer.
    std::mem::swap(&mut store.grads, &mut lanes.lanes[0].grads);
    let params: &[f32] = &store.values;
    let batch = &bufs.batch;
    let d_y_hat = &bufs.d_y_hat[..out];
    for_each_mut(&mut lanes.lanes, |_, lane| {
        lane.grads.fill(0.0);
        if lane.rows.is_empty() {
            return;
        }
        let x = ModelInput::from_batch_rows(batch, lane.rows.clone());
        let r = &lane.rows;
        model.backward(
            k,
            params,
            &mut lane.grads,
            &x,
            &lane.cache,
            &d_y_hat[r.start * h * q..r.end * h * q],
            &mut lane.scratch,
        );
    });
    std::mem::swap(&mut store.grads, &mut lanes.lanes[0].grads);

    state.optimizer.set_lr(state.schedule.lr_at(state.step));
    let others = &lanes.lanes[1..];
    state.optimizer.step_chunked(
        k,
        &mut store.values,
        &mut store.grads,
        OPTIMIZER_GRAIN,
        |range, grads| {
            // The kernels' vector add (one rounding per element, as a scalar `+=`).
            for lane in others {
                (k.add_assign)(grads, &lane.grads[range.clone()]);
            }
        },
    );
    state.step += 1;
    loss
}
