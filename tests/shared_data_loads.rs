//! Every CSV file of the shared data directory loads, with the right shape and values.
//!
//! The directory is `../shared/data` beside the clone (as in CI), or the one named by
//! `NEURO_DIVERGENT_DATA`; the test fails, saying where it looked, when neither exists.

use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::datetime::{time_to_string, TimeKind};
use neuro_divergent::data::frame::{Column, Frame};
use std::path::PathBuf;

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

/// One row rendered as text, for spot checks: `unique_id,ds,y,...` as the file writes it.
fn row(f: &Frame, i: usize) -> String {
    f.columns()
        .iter()
        .map(|c| match c {
            Column::Float(v) => v[i].to_string(),
            Column::Text(t) => t.get(i).to_owned(),
            Column::Time(t) => time_to_string(t.kind, t.values[i], t.offset_minutes),
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn series_count(f: &Frame) -> usize {
    match f.column("unique_id") {
        Some(Column::Text(t)) => t.dict.len(),
        other => panic!("unique_id is {other:?}"),
    }
}

struct Expect {
    file: &'static str,
    rows: usize,
    series: usize,
    kind: Option<TimeKind>,
    first: &'static str,
    last: &'static str,
}

const EXPECTED: &[Expect] = &[
    Expect {
        file: "air_passengers.csv",
        rows: 144,
        series: 1,
        kind: Some(TimeKind::Date),
        first: "AirPassengers,1949-01-01,112",
        last: "AirPassengers,1960-12-01,432",
    },
    Expect {
        file: "epf_fr_be.csv",
        rows: 32160,
        series: 2,
        kind: Some(TimeKind::DateTime),
        first: "FR,2015-01-01 00:00:00,53.48,76905,74812,3",
        last: "BE,2016-10-31 23:00:00,38.65,49094,53441,0",
    },
    Expect {
        file: "epf_fr_be_futr.csv",
        rows: 48,
        series: 2,
        kind: Some(TimeKind::DateTime),
        first: "FR,2016-11-01 00:00:00,49118,1",
        last: "BE,2016-11-01 23:00:00,49661,1",
    },
    Expect {
        file: "epf_np_short.csv",
        rows: 1680,
        series: 1,
        kind: Some(TimeKind::DateTime),
        first: "NP,2018-10-15 00:00:00,2.17,34078,1791",
        last: "NP,2018-12-23 23:00:00,52.32,51679,371",
    },
    Expect {
        file: "m3_meta.csv",
        rows: 3003,
        series: 3003,
        kind: None,
        first: "N0001,yearly,14,6,1,SALES ( CODE= ABT)",
        last: "N3003,other,63,8,1,Telecommunication data",
    },
    Expect {
        file: "m3_monthly_test.csv",
        rows: 25704,
        series: 1428,
        kind: Some(TimeKind::Integer),
        first: "N1402,51,2280",
        last: "N2829,71,1233.7",
    },
    Expect {
        file: "m3_monthly_train.csv",
        rows: 141858,
        series: 1428,
        kind: Some(TimeKind::Integer),
        first: "N1402,1,2640",
        last: "N2829,53,1507.6",
    },
    Expect {
        file: "m3_other_test.csv",
        rows: 1392,
        series: 174,
        kind: Some(TimeKind::Integer),
        first: "N2830,97,4381.08",
        last: "N3003,71,3354",
    },
    Expect {
        file: "m3_other_train.csv",
        rows: 11933,
        series: 174,
        kind: Some(TimeKind::Integer),
        first: "N2830,1,3060.42",
        last: "N3003,63,3496",
    },
    Expect {
        file: "m3_quarterly_test.csv",
        rows: 6048,
        series: 756,
        kind: Some(TimeKind::Integer),
        first: "N0646,37,5531.5",
        last: "N1401,48,1650",
    },
    Expect {
        file: "m3_quarterly_train.csv",
        rows: 30956,
        series: 756,
        kind: Some(TimeKind::Integer),
        first: "N0646,1,3142.63",
        last: "N1401,40,4200",
    },
    Expect {
        file: "m3_yearly_test.csv",
        rows: 3870,
        series: 645,
        kind: Some(TimeKind::Integer),
        first: "N0001,15,5379.75",
        last: "N0645,38,4001",
    },
    Expect {
        file: "m3_yearly_train.csv",
        rows: 14449,
        series: 645,
        kind: Some(TimeKind::Integer),
        first: "N0001,1,940.66",
        last: "N0645,32,6115",
    },
    Expect {
        file: "taylor.csv",
        rows: 4032,
        series: 1,
        kind: Some(TimeKind::DateTime),
        first: "taylor,2000-06-05 00:00:00,22262",
        last: "taylor,2000-08-27 23:30:00,23132",
    },
    Expect {
        file: "vic_elec.csv",
        rows: 52608,
        series: 1,
        kind: Some(TimeKind::DateTime),
        first: "vic_elec,2011-12-31 13:00:00,4382.825174,21.4,1",
        last: "vic_elec,2014-12-31 12:30:00,3809.414586,17.1,0",
    },
];

#[test]
fn every_shared_csv_loads() {
    let dir = data_dir();
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = EXPECTED.iter().map(|e| e.file).collect();
    assert_eq!(
        on_disk, listed,
        "a CSV file was added or removed: list it here"
    );

    for e in EXPECTED {
        let path = dir.join(e.file);
        // The metadata file has no time column: read it as a plain table.
        let opts = CsvOptions {
            require_id_and_time: e.kind.is_some(),
            ..CsvOptions::default()
        };
        let f = Frame::read_csv_with(&path, &opts).unwrap_or_else(|err| panic!("{err}"));
        assert_eq!(f.len(), e.rows, "{}: rows", e.file);
        assert_eq!(series_count(&f), e.series, "{}: series", e.file);
        assert_eq!(row(&f, 0), e.first, "{}: first row", e.file);
        assert_eq!(row(&f, f.len() - 1), e.last, "{}: last row", e.file);
        if let Some(kind) = e.kind {
            let Some(Column::Time(t)) = f.column("ds") else {
                panic!("{}: ds", e.file)
            };
            assert_eq!((t.kind, t.offset_minutes), (kind, None), "{}", e.file);
        }
        // Every column but the id, the time and the metadata's text columns is numeric.
        for (name, c) in f.names().iter().zip(f.columns()) {
            let text = matches!(name.as_str(), "unique_id" | "subset" | "description");
            let time = name == "ds";
            assert_eq!(
                c.type_name(),
                if text {
                    "text"
                } else if time {
                    "time"
                } else {
                    "numeric"
                },
                "{}: {name}",
                e.file
            );
        }
        if f.column("y").is_some() {
            let Some(Column::Float(y)) = f.column("y") else {
                panic!()
            };
            assert!(y.iter().all(|v| v.is_finite()), "{}: y", e.file);
        }
    }
}

/// Writing a shared file back gives the same frame (the files use no quoting, so the text
/// differs only in number spelling such as `1.50` → `1.5`).
#[test]
fn shared_files_round_trip() {
    let dir = data_dir();
    for file in ["vic_elec.csv", "epf_fr_be.csv", "m3_monthly_train.csv"] {
        let f = Frame::read_csv(dir.join(file)).unwrap();
        let mut out = Vec::new();
        f.write_csv(&mut out, &CsvOptions::default()).unwrap();
        let back = Frame::from_reader(&out[..], file, &CsvOptions::default()).unwrap();
        assert_eq!(f.names(), back.names());
        assert_eq!(f.columns(), back.columns(), "{file}");
    }
}
