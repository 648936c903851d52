//! Every file of the shared data directory builds a `Dataset` (or, for the metadata and
//! future-exogenous files, plays its part in one), with spot-checked counts, frequencies,
//! first and last values, and the continuity of train and test files.
//!
//! The directory is `../shared/data` beside the clone (as in CI), or the one named by
//! `NEURO_DIVERGENT_DATA`; the test fails, saying where it looked, when neither exists.

use std::path::PathBuf;

use neuro_divergent::data::calendar::{calendar_feature, CalendarFeature, Encoding};
use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::datetime::{parse_time, TimeKind};
use neuro_divergent::data::frame::{Column, Frame};
use neuro_divergent::data::{Dataset, DatasetOptions, Freq};

fn data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NEURO_DIVERGENT_DATA") {
        return PathBuf::from(d);
    }
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A worktree may sit one level deeper than the main clone.
    let candidates = [
        manifest.join("../shared/data"),
        manifest.join("../../shared/data"),
    ];
    for c in &candidates {
        if c.join("air_passengers.csv").is_file() {
            return c.clone();
        }
    }
    panic!("shared data not found (looked in {candidates:?}); set NEURO_DIVERGENT_DATA");
}

fn read(file: &str) -> Frame {
    Frame::read_csv(data_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn build(file: &str, opts: &DatasetOptions) -> Dataset {
    Dataset::from_frame(&read(file), opts).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// (first time, first y, last time, last y) of series `s`, times as the file writes them.
fn ends(d: &Dataset, s: usize) -> (String, f32, String, f32) {
    let (t, y) = (d.times_of(s), d.y_of(s));
    (
        d.show_time(t[0]),
        y[0],
        d.show_time(t[t.len() - 1]),
        y[y.len() - 1],
    )
}

/// The files this test covers; a new file in the directory makes it fail until it is added.
const COVERED: &[&str] = &[
    "air_passengers.csv",
    "epf_fr_be.csv",
    "epf_fr_be_futr.csv",
    "epf_np_short.csv",
    "m3_meta.csv",
    "m3_monthly_test.csv",
    "m3_monthly_train.csv",
    "m3_other_test.csv",
    "m3_other_train.csv",
    "m3_quarterly_test.csv",
    "m3_quarterly_train.csv",
    "m3_yearly_test.csv",
    "m3_yearly_train.csv",
    "taylor.csv",
    "vic_elec.csv",
];

#[test]
fn every_csv_file_is_covered() {
    let mut found: Vec<String> = std::fs::read_dir(data_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    found.sort();
    assert_eq!(found, COVERED);
}

#[test]
fn air_passengers_is_monthly() {
    let d = build("air_passengers.csv", &DatasetOptions::default());
    assert_eq!(d.ids, ["AirPassengers"]);
    assert_eq!(d.freq, Freq::MonthStart(1));
    assert_eq!(d.time_kind, TimeKind::Date);
    assert_eq!(
        ends(&d, 0),
        ("1949-01-01".into(), 112.0, "1960-12-01".into(), 432.0)
    );
    assert_eq!(d.n_rows(), 144);
    assert!(d.mask.iter().all(|&m| m == 1.0));
    let mut future = Vec::new();
    d.future_times(0, 12, &mut future);
    assert_eq!(d.show_time(future[0]), "1961-01-01");
    assert_eq!(d.show_time(future[11]), "1961-12-01");
    // Monthly calendar feature as NeuralForecast encodes it: January is -0.5.
    let mut month = vec![0.0; 144];
    calendar_feature(
        CalendarFeature::Month,
        Encoding::Centered,
        d.times_of(0),
        d.time_kind,
        &mut month,
    )
    .unwrap();
    assert_eq!((month[0], month[11]), (-0.5, 0.5));
}

#[test]
fn m3_train_and_test_continue_each_other_and_match_the_metadata() {
    let meta_opts = CsvOptions {
        require_id_and_time: false,
        ..CsvOptions::default()
    };
    let meta = Frame::read_csv_with(data_dir().join("m3_meta.csv"), &meta_opts).unwrap();
    assert!(matches!(meta.column("subset"), Some(Column::Text(_))));
    for (subset, n_series, first, last) in [
        ("yearly", 645, "N0001", "N0645"),
        ("quarterly", 756, "N0646", "N1401"),
        ("monthly", 1428, "N1402", "N2829"),
        ("other", 174, "N2830", "N3003"),
    ] {
        let opts = DatasetOptions {
            static_df: Some(meta.clone()),
            stat_exog: strings(&["n_train", "h"]),
            ..DatasetOptions::default()
        };
        let train = build(&format!("m3_{subset}_train.csv"), &opts);
        let test = build(&format!("m3_{subset}_test.csv"), &opts);
        assert_eq!(train.n_series(), n_series, "{subset}");
        assert_eq!(train.ids, test.ids, "{subset}: same series, same order");
        assert_eq!(
            (train.ids[0].as_str(), train.ids[n_series - 1].as_str()),
            (first, last)
        );
        assert_eq!(train.freq, Freq::Integer(1));
        assert_eq!(train.time_kind, TimeKind::Integer);
        for s in 0..n_series {
            let (n_train, h) = (
                train.static_exog.values[2 * s],
                train.static_exog.values[2 * s + 1],
            );
            assert_eq!(train.len_of(s) as f32, n_train, "{subset} {}", train.ids[s]);
            assert_eq!(test.len_of(s) as f32, h, "{subset} {}", train.ids[s]);
            assert_eq!(train.times_of(s)[0], 1);
            let mut next = Vec::new();
            train.future_times(s, test.len_of(s), &mut next);
            assert_eq!(next, test.times_of(s), "{subset} {}", train.ids[s]);
        }
    }
    // Spot checks from the files' first and last lines.
    let train = build("m3_monthly_train.csv", &DatasetOptions::default());
    assert_eq!(ends(&train, 0).1, 2640.0);
    let test = build("m3_monthly_test.csv", &DatasetOptions::default());
    let e = ends(&test, 0);
    assert_eq!((e.0.as_str(), e.1, e.2.as_str()), ("51", 2280.0, "68"));
    let last = test.n_series() - 1;
    assert_eq!(ends(&test, last).2, "71");
    assert_eq!(ends(&test, last).3, 1233.7);
    let yearly = build("m3_yearly_train.csv", &DatasetOptions::default());
    assert_eq!(ends(&yearly, 0).1, 940.66);
    assert_eq!(ends(&yearly, 644).2, "32");
    assert_eq!(ends(&yearly, 644).3, 6115.0);
}

#[test]
fn epf_is_hourly_with_future_and_historical_exogenous_columns() {
    let opts = DatasetOptions {
        futr_exog: strings(&["gen_forecast", "week_day"]),
        hist_exog: strings(&["system_load"]),
        min_length: 16_080,
        ..DatasetOptions::default()
    };
    let d = build("epf_fr_be.csv", &opts);
    assert_eq!(d.ids, ["FR", "BE"]);
    assert_eq!(d.freq, Freq::Hours(1));
    assert_eq!(d.time_kind, TimeKind::DateTime);
    assert_eq!(d.offsets, [0, 16_080, 32_160]);
    assert_eq!(
        ends(&d, 0).0.as_str(),
        "2015-01-01 00:00:00",
        "first FR row"
    );
    assert_eq!(ends(&d, 0).1, 53.48);
    assert_eq!(
        (ends(&d, 1).2.as_str(), ends(&d, 1).3),
        ("2016-10-31 23:00:00", 38.65)
    );
    let n = d.n_rows();
    assert_eq!(d.futr_exog.names, ["gen_forecast", "week_day"]);
    assert_eq!(d.futr_exog.column(0, n)[0], 76905.0);
    assert_eq!(d.futr_exog.column(1, n)[n - 1], 0.0);
    assert_eq!(d.hist_exog.column(0, n)[0], 74812.0);
    assert_eq!(d.hist_exog.column(0, n)[n - 1], 53441.0);
    // week_day is pandas' dayofweek of each timestamp.
    let mut dow = vec![0.0; n];
    calendar_feature(
        CalendarFeature::DayOfWeek,
        Encoding::Raw,
        &d.times,
        d.time_kind,
        &mut dow,
    )
    .unwrap();
    assert_eq!(dow, d.futr_exog.column(1, n));

    // The future file holds exactly the 24 hours after each series ends.
    let futr = read("epf_fr_be_futr.csv");
    let Some(Column::Time(ft)) = futr.column("ds") else {
        panic!("ds is a time column")
    };
    for s in 0..2 {
        let mut next = Vec::new();
        d.future_times(s, 24, &mut next);
        assert_eq!(next, ft.values[24 * s..24 * (s + 1)], "{}", d.ids[s]);
    }
    assert_eq!(
        next_after(&d, 0),
        parse_time(b"2016-11-01 00:00:00").unwrap().value
    );
}

fn next_after(d: &Dataset, s: usize) -> i64 {
    let mut next = Vec::new();
    d.future_times(s, 1, &mut next);
    next[0]
}

#[test]
fn epf_np_short_is_hourly() {
    let opts = DatasetOptions {
        hist_exog: strings(&["exog1", "exog2"]),
        ..DatasetOptions::default()
    };
    let d = build("epf_np_short.csv", &opts);
    assert_eq!(d.ids, ["NP"]);
    assert_eq!(d.freq, Freq::Hours(1));
    assert_eq!(d.n_rows(), 1680);
    assert_eq!(
        ends(&d, 0),
        (
            "2018-10-15 00:00:00".into(),
            2.17,
            "2018-12-23 23:00:00".into(),
            52.32
        )
    );
    assert_eq!(d.hist_exog.column(1, 1680)[1679], 371.0);
}

#[test]
fn half_hourly_series_are_30min() {
    let opts = DatasetOptions {
        futr_exog: strings(&["holiday"]),
        hist_exog: strings(&["temperature"]),
        ..DatasetOptions::default()
    };
    let vic = build("vic_elec.csv", &opts);
    assert_eq!(vic.freq, Freq::Minutes(30));
    assert_eq!(vic.n_rows(), 52_608);
    assert_eq!(
        ends(&vic, 0),
        (
            "2011-12-31 13:00:00".into(),
            4382.825174_f64 as f32,
            "2014-12-31 12:30:00".into(),
            3809.414586_f64 as f32
        )
    );
    assert_eq!(vic.hist_exog.column(0, 52_608)[0], 21.4);
    assert_eq!(vic.futr_exog.column(0, 52_608)[0], 1.0);
    let mut hour = vec![0.0; 52_608];
    calendar_feature(
        CalendarFeature::Hour,
        Encoding::Raw,
        &vic.times,
        vic.time_kind,
        &mut hour,
    )
    .unwrap();
    assert_eq!((hour[0], hour[22], hour[52_607]), (13.0, 0.0, 12.0));

    let taylor = build("taylor.csv", &DatasetOptions::default());
    assert_eq!(taylor.freq, Freq::Minutes(30));
    assert_eq!(
        ends(&taylor, 0),
        (
            "2000-06-05 00:00:00".into(),
            22262.0,
            "2000-08-27 23:30:00".into(),
            23132.0
        )
    );
    assert_eq!(taylor.n_rows(), 4032);
    assert_eq!(taylor.n_rows(), 12 * 7 * 48, "twelve weeks of half hours");
}
