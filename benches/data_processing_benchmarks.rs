//! Data processing on 1M samples (100 series × 10,000 daily points), the operations of
//! PERFORMANCE-GUIDE.md "Data Processing Performance": CSV loading, per-series standard
//! scaling, differencing, 6 lags, rolling mean and std over 3 windows, Fourier terms; and
//! building the `Dataset` from the frame read (`Dataset::from_frame`), which every fit does.
//! "gbps" is the least traffic an operation must move (inputs read once, outputs written once;
//! the file size for CSV loading) over its time.
//!
//! The input file is generated deterministically (`neuro_divergent::data::synthetic::
//! DailyPanel::benchmark()`, about 25 MB) into `target/data_bench_1m.csv` when absent; the
//! pandas/polars peer script (`benches/python/data_bench.py`) reads the same file.
//!
//! Run: `cargo bench --bench data_processing_benchmarks` (criterion), or
//! `cargo bench --bench data_processing_benchmarks -- --json [--reps N]` for one round of plain
//! timings (median of N, default 7) printed as JSON, which `benches/python/compare_data.py`
//! interleaves with pandas and polars rounds.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use neuro_divergent::data::features::{fourier, lags, rolling, Differences};
use neuro_divergent::data::scalers::local::{LocalScaler, LocalScalerKind};
use neuro_divergent::data::synthetic::DailyPanel;
use neuro_divergent::data::{Dataset, DatasetOptions, Frame};

/// The 6 lags (as the pandas script: `groupby.shift(k)`).
const LAGS: [usize; 6] = [1, 2, 3, 7, 14, 28];
/// The 3 rolling windows.
const WINDOWS: [usize; 3] = [7, 14, 28];
/// Fourier period and harmonics.
const PERIOD: f64 = 7.0;
const HARMONICS: usize = 3;

/// The benchmark file, generated if absent.
fn data_file() -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/data_bench_1m.csv");
    if !path.exists() {
        let tmp = path.with_extension("csv.tmp");
        let mut f = std::fs::File::create(&tmp).expect("create the benchmark file");
        DailyPanel::benchmark()
            .write_csv(&mut f)
            .expect("write the benchmark file");
        std::fs::rename(&tmp, &path).expect("rename the benchmark file");
    }
    path
}

/// One operation with its output buffer and the bytes it must move at the least.
struct Op {
    name: &'static str,
    bytes: usize,
    run: Box<dyn FnMut()>,
}

/// Per-series standardisation with the product's local scaler (`local_scaler_type =
/// "standard"`): fit the per-series statistics, then write the scaled values, as pandas'
/// `groupby.transform` does.
fn standard_scale(ds: &Dataset, out: &mut [f32]) {
    let scaler =
        LocalScaler::fit(ds, LocalScalerKind::Standard).expect("standard scaling cannot fail");
    for s in 0..ds.n_series() {
        let o = &mut out[ds.range(s)];
        o.copy_from_slice(ds.y_of(s));
        scaler.transform_values(0, s, o);
    }
}

fn ops(ds: &'static Dataset) -> Vec<Op> {
    let n = ds.n_rows();
    let f = 4; // bytes per f32
    let mut v = Vec::new();
    let path = data_file();
    let file_bytes = std::fs::metadata(&path).map_or(0, |m| m.len() as usize);
    v.push(Op {
        name: "read_csv",
        bytes: file_bytes,
        run: Box::new(move || {
            black_box(Frame::read_csv(&path).expect("read the benchmark file"));
        }),
    });
    // The frame the file reads as, turned into the training view (grouping, ordering,
    // frequency and gap checks, f32 columns): what every fit does after reading.
    let frame: &'static Frame = Box::leak(Box::new(
        Frame::read_csv(data_file()).expect("read the benchmark file"),
    ));
    v.push(Op {
        name: "dataset_from_frame",
        // Read: codes (4 B), times and targets (8 B each); written: times (8 B), y and mask (4 B each).
        bytes: (4 + 8 + 8 + 8 + 4 + 4) * n,
        run: Box::new(move || {
            black_box(
                Dataset::from_frame(frame, &DatasetOptions::default())
                    .expect("the benchmark frame is a valid dataset"),
            );
        }),
    });
    let mut out = vec![0f32; n];
    v.push(Op {
        name: "standard_scaling",
        bytes: 3 * n * f,
        run: Box::new(move || standard_scale(ds, black_box(&mut out))),
    });
    let mut out = vec![0f32; n];
    let d = Differences::order(1).unwrap();
    v.push(Op {
        name: "diff",
        bytes: 2 * n * f,
        run: Box::new(move || {
            for s in 0..ds.n_series() {
                d.apply(ds.y_of(s), &mut out[ds.range(s)]);
            }
            black_box(&out);
        }),
    });
    let mut out = vec![0f32; LAGS.len() * n];
    v.push(Op {
        name: "lags6",
        bytes: 2 * LAGS.len() * n * f,
        run: Box::new(move || {
            lags::lags_per_series(&ds.offsets, &ds.y, &LAGS, black_box(&mut out));
        }),
    });
    let mut out = vec![0f32; 2 * WINDOWS.len() * n];
    v.push(Op {
        name: "rolling_mean_std3",
        bytes: (WINDOWS.len() + 2 * WINDOWS.len()) * n * f,
        run: Box::new(move || {
            let (means, stds) = out.split_at_mut(WINDOWS.len() * n);
            for (j, &w) in WINDOWS.iter().enumerate() {
                let (mc, sc) = (&mut means[j * n..][..n], &mut stds[j * n..][..n]);
                for s in 0..ds.n_series() {
                    let r = ds.range(s);
                    rolling::rolling_mean_std(ds.y_of(s), w, &mut mc[r.clone()], &mut sc[r]);
                }
            }
            black_box(&out);
        }),
    });
    let mut out = vec![0f32; 2 * HARMONICS * n];
    v.push(Op {
        name: "fourier3",
        bytes: 2 * HARMONICS * n * f,
        run: Box::new(move || {
            fourier::fourier_per_series(&ds.offsets, PERIOD, HARMONICS, black_box(&mut out));
        }),
    });
    v
}

fn dataset() -> &'static Dataset {
    // The same values the file holds (they are written with 3 decimals and read back exactly).
    Box::leak(Box::new(DailyPanel::benchmark().dataset()))
}

fn median_ms(mut run: impl FnMut(), reps: usize) -> f64 {
    run(); // warm up: page in the buffers
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[t.len() / 2]
}

/// One round of plain timings, printed as JSON: `{"op": {"ms": .., "gbps": ..}, ...}`.
fn json_round(reps: usize) {
    let ds = dataset();
    let mut fields = Vec::new();
    for mut op in ops(ds) {
        let ms = median_ms(&mut op.run, reps);
        fields.push(format!(
            "\"{}\": {{\"ms\": {ms:.3}, \"gbps\": {:.2}}}",
            op.name,
            op.bytes as f64 / (ms * 1e-3) / 1e9
        ));
    }
    println!("{{{}}}", fields.join(", "));
}

fn criterion_benches(c: &mut Criterion) {
    let ds = dataset();
    let mut group = c.benchmark_group("data_processing");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    group.throughput(Throughput::Elements(ds.n_rows() as u64));
    for mut op in ops(ds) {
        group.bench_function(op.name, |b| b.iter(&mut op.run));
    }
    group.finish();
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--json") {
        let reps = args
            .iter()
            .position(|a| a == "--reps")
            .and_then(|i| args.get(i + 1))
            .and_then(|r| r.parse().ok())
            .unwrap_or(7);
        json_round(reps);
        return;
    }
    let mut c = Criterion::default().configure_from_args();
    criterion_benches(&mut c);
    c.final_summary();
}
