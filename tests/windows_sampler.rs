//! Window sampler properties against a literal re-enactment of NeuralForecast's
//! `_create_windows` (pad every series to the longest, cut the validation and test tails, pad,
//! unfold, filter by availability), and the gather's padding.

use neuro_divergent::data::batch::{gather, Batch, BatchLayout};
use neuro_divergent::data::windows::{
    EvalWindows, Sampler, SamplerConfig, WindowConfig, WindowIndex, WindowRef,
};
use neuro_divergent::data::Dataset;
use neuro_divergent::rng::Rng;
use proptest::prelude::*;

/// NeuralForecast's valid training windows, as (series, start row), or None when it raises.
fn reference(ds: &Dataset, cfg: &WindowConfig) -> Option<Vec<(usize, isize)>> {
    let m = (0..ds.n_series()).map(|s| ds.len_of(s)).max().unwrap();
    let cut = cfg.val_size + cfg.test_size;
    let p = if cfg.start_padding {
        cfg.input_size - 1
    } else {
        0
    };
    let (l, h) = (cfg.input_size, cfg.h);
    let mut out = Vec::new();
    for s in 0..ds.n_series() {
        let n = ds.len_of(s);
        // Left-pad to M with availability 0, cut the tails, pad P left and h right.
        let mut avail = vec![0.0f32; m - n];
        avail.extend_from_slice(ds.mask_of(s));
        avail.truncate(m.saturating_sub(cut));
        let mut padded = vec![0.0f32; p];
        padded.extend(avail);
        padded.extend(std::iter::repeat_n(0.0, h));
        if padded.len() < l + h || m <= cut {
            return None; // "Time series is too short for training"
        }
        let mut st = 0;
        while st + l + h <= padded.len() {
            let ins: f32 = padded[st..st + l].iter().sum();
            let outs: f32 = padded[st + l..st + l + h].iter().sum();
            if ins >= cfg.min_insample_points() as f32 && outs >= cfg.min_outsample_points() as f32
            {
                out.push((s, st as isize - p as isize - (m - n) as isize));
            }
            st += cfg.step_size;
        }
    }
    if out.is_empty() {
        None // "No windows available for training"
    } else {
        Some(out)
    }
}

fn dataset(lens: &[usize], holes: &[(usize, usize)]) -> Dataset {
    let data: Vec<Vec<f32>> = lens
        .iter()
        .enumerate()
        .map(|(s, &n)| (0..n).map(|i| (100 * s + i) as f32 + 1.0).collect())
        .collect();
    let names: Vec<String> = (0..lens.len()).map(|i| format!("s{i}")).collect();
    let series: Vec<(&str, &[f32])> = names
        .iter()
        .zip(&data)
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    let mut ds = Dataset::from_series(&series);
    for &(s, i) in holes {
        if i < ds.len_of(s) {
            let r = ds.offsets[s] + i;
            ds.mask[r] = 0.0;
            ds.y[r] = 0.0;
        }
    }
    ds
}

fn setup() -> impl Strategy<Value = (Dataset, WindowConfig)> {
    (
        prop::collection::vec(1usize..40, 1..5),
        prop::collection::vec((0usize..5, 0usize..40), 0..30),
        (1usize..8, 1usize..5, 1usize..4, any::<bool>()),
        (
            0usize..7,
            0usize..7,
            prop::sample::select(vec![0.0, 0.5, 1.0]),
        ),
    )
        .prop_map(|(lens, holes, (l, h, step, pad), (val, test, frac))| {
            let holes: Vec<_> = holes.into_iter().filter(|&(s, _)| s < lens.len()).collect();
            let mut cfg = WindowConfig::new(l, h);
            cfg.step_size = step;
            cfg.start_padding = pad;
            cfg.val_size = val;
            cfg.test_size = test;
            cfg.min_insample_fraction = frac;
            cfg.min_outsample_fraction = frac / 2.0;
            (dataset(&lens, &holes), cfg)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn index_holds_exactly_neuralforecasts_windows((ds, cfg) in setup()) {
        let want = reference(&ds, &cfg);
        match (WindowIndex::build(&ds, &cfg), want) {
            (Ok(idx), Some(want)) => {
                let mut got = Vec::new();
                for s in 0..ds.n_series() {
                    prop_assert_eq!(idx.n_valid(s), want.iter().filter(|w| w.0 == s).count());
                    for k in 0..idx.n_valid(s) {
                        let w = idx.window(s, k);
                        got.push((w.series, w.start));
                    }
                }
                prop_assert_eq!(got, want);
            }
            (Err(_), None) => {}
            (got, want) => prop_assert!(false, "index {:?} vs reference {:?}", got.map(|i| i.total_valid()), want),
        }
    }

    #[test]
    fn sampled_windows_are_valid_padded_and_never_see_the_tails(
        (ds, cfg) in setup(),
        seed in any::<u64>(),
        batch_size in 1usize..4,
        wbs in prop::option::of(1usize..20),
    ) {
        let Some(want) = reference(&ds, &cfg) else { return Ok(()) };
        let idx = WindowIndex::build(&ds, &cfg).unwrap();
        let scfg = SamplerConfig::new(batch_size, wbs);
        let mut a = Sampler::new(&idx, scfg, &Rng::seed_from(seed)).unwrap();
        let mut b = Sampler::new(&idx, scfg, &Rng::seed_from(seed)).unwrap();
        let cap = a.max_windows();
        let mut batch = Batch::new(BatchLayout::for_dataset(&ds, cap, cfg.input_size, cfg.h));
        let (mut wa, mut wb) = (Vec::with_capacity(cap), Vec::new());
        let cut = cfg.val_size + cfg.test_size;
        for _ in 0..6 {
            a.next_batch(&mut wa);
            b.next_batch(&mut wb);
            prop_assert_eq!(&wa, &wb, "same seed, same windows");
            prop_assert!(wa.len() <= cap);
            // The pool: all valid windows of this batch's series.
            let pool: usize = a.batch_series().iter().map(|&s| idx.n_valid(s)).sum();
            match wbs {
                None => prop_assert_eq!(wa.len(), pool),
                Some(w) => {
                    prop_assert_eq!(wa.len(), w);
                    if pool >= w {
                        let mut keys: Vec<_> = wa.iter().map(|w| (w.series, w.start)).collect();
                        keys.sort();
                        keys.dedup();
                        prop_assert_eq!(keys.len(), w, "drawn without replacement");
                    }
                }
            }
            for w in &wa {
                prop_assert!(a.batch_series().contains(&w.series));
                prop_assert!(want.contains(&(w.series, w.start)), "{:?} is not a NeuralForecast window", w);
            }
            gather(&ds, &wa, &mut batch);
            let (l, h) = (cfg.input_size, cfg.h);
            for (i, w) in wa.iter().enumerate() {
                let n = ds.len_of(w.series);
                for t in 0..l + h {
                    let r = w.start + t as isize;
                    let (y, m) = if t < l {
                        (batch.insample_y.as_slice()[i * l + t], batch.insample_mask.as_slice()[i * l + t])
                    } else {
                        (batch.outsample_y.as_slice()[i * h + t - l], batch.outsample_mask.as_slice()[i * h + t - l])
                    };
                    if r < 0 || r as usize >= n.saturating_sub(cut) {
                        prop_assert_eq!((y, m), (0.0, 0.0), "padding or a cut tail at row {}", r);
                    } else {
                        let row = ds.offsets[w.series] + r as usize;
                        prop_assert_eq!((y, m), (ds.y[row], ds.mask[row]));
                    }
                }
            }
        }
    }
}

#[test]
fn different_seeds_give_different_batches() {
    let ds = dataset(&[50, 60, 70, 80], &[]);
    let idx = WindowIndex::build(&ds, &WindowConfig::new(5, 3)).unwrap();
    let cfg = SamplerConfig::new(2, Some(32));
    let draw = |seed| {
        let mut s = Sampler::new(&idx, cfg, &Rng::seed_from(seed)).unwrap();
        let mut out = Vec::new();
        s.next_batch(&mut out);
        out
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
}

#[test]
fn small_pools_are_drawn_with_replacement_uniformly() {
    // One series with 5 valid windows (starts 0..=4), 4 × 1000 draws: each about 800.
    let ds = dataset(&[8], &[]);
    let idx = WindowIndex::build(&ds, &WindowConfig::new(3, 2)).unwrap();
    assert_eq!(idx.total_valid(), 5);
    let mut s = Sampler::new(&idx, SamplerConfig::new(1, Some(1000)), &Rng::seed_from(3)).unwrap();
    let mut counts = [0usize; 5];
    let mut out: Vec<WindowRef> = Vec::new();
    for _ in 0..4 {
        s.next_batch(&mut out);
        for w in &out {
            counts[w.start as usize] += 1;
        }
    }
    for c in counts {
        assert!((650..950).contains(&c), "{counts:?}");
    }
}

#[test]
fn every_series_is_drawn_once_per_epoch() {
    let ds = dataset(&[20; 7], &[]);
    let idx = WindowIndex::build(&ds, &WindowConfig::new(3, 2)).unwrap();
    let mut s = Sampler::new(&idx, SamplerConfig::new(3, Some(4)), &Rng::seed_from(9)).unwrap();
    let mut out = Vec::new();
    for _ in 0..2 {
        let mut seen = Vec::new();
        for _ in 0..3 {
            s.next_batch(&mut out);
            seen.extend_from_slice(s.batch_series());
        }
        seen.sort();
        assert_eq!(seen, (0..7).collect::<Vec<_>>());
    }
}

#[test]
fn validation_windows_never_read_the_test_tail() {
    let ds = dataset(&[30], &[]);
    let mut cfg = WindowConfig::new(4, 2);
    cfg.val_size = 6;
    cfg.test_size = 3;
    let v = EvalWindows::validation(&ds, &cfg).unwrap();
    assert_eq!(v.len(), 5);
    let mut out = Vec::new();
    v.fill(0..v.len(), &mut out);
    let mut batch = Batch::new(BatchLayout::for_dataset(&ds, 5, 4, 2));
    gather(&ds, &out, &mut batch);
    // The last validation window's horizon is rows 25, 26: the values 26 and 27.
    assert_eq!(&batch.outsample_y.as_slice()[8..10], &[26.0, 27.0]);
    assert_eq!(out[0].start, 30 - 3 - 6 - 4);
    assert!(out.iter().all(|w| w.start + 6 <= 27));
}
