//! CSV write → read round trips (property test) and quoting edge cases, through the public API.

use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::datetime::{days_from_civil, TimeKind, MICROS_PER_DAY};
use neuro_divergent::data::frame::{Column, Frame, TextColumn, TimeColumn};
use neuro_divergent::ErrorKind;
use proptest::prelude::*;

/// Frames are equal when names match and every column matches, NaN equal to NaN and
/// floats compared bit for bit (so -0.0 ≠ 0.0).
fn assert_same(a: &Frame, b: &Frame) -> Result<(), TestCaseError> {
    prop_assert_eq!(a.names(), b.names());
    for ((name, ca), cb) in a.names().iter().zip(a.columns()).zip(b.columns()) {
        match (ca, cb) {
            (Column::Float(x), Column::Float(y)) => {
                prop_assert_eq!(x.len(), y.len());
                for (i, (p, q)) in x.iter().zip(y).enumerate() {
                    prop_assert!(
                        p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan()),
                        "{} row {}: {:e} vs {:e}",
                        name,
                        i,
                        p,
                        q
                    );
                }
            }
            _ => prop_assert_eq!(ca, cb, "column {}", name),
        }
    }
    Ok(())
}

/// Text with every character CSV treats specially, and some that are multi-byte.
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            'a', 'Z', ',', ';', '\t', '"', '\n', '\r', ' ', '0', '1', '.', '-', 'e', 'é', '😀',
        ]),
        0..8,
    )
    .prop_map(|v| v.into_iter().collect())
}

fn time_column(n: usize) -> impl Strategy<Value = TimeColumn> {
    let first_day = days_from_civil(1, 1, 1);
    let last_day = days_from_civil(9999, 12, 31);
    prop_oneof![
        prop::collection::vec(-99_999_999_999_999_999i64..=99_999_999_999_999_999, n).prop_map(
            |values| TimeColumn {
                kind: TimeKind::Integer,
                values,
                offset_minutes: None
            }
        ),
        prop::collection::vec(first_day..=last_day, n).prop_map(|days| TimeColumn {
            kind: TimeKind::Date,
            values: days.into_iter().map(|d| d * MICROS_PER_DAY).collect(),
            offset_minutes: None,
        }),
        (
            prop::collection::vec(
                first_day * MICROS_PER_DAY..(last_day + 1) * MICROS_PER_DAY,
                n
            ),
            prop::option::of(-1139i16..=1139),
            any::<bool>(),
        )
            .prop_map(|(values, offset_minutes, whole_seconds)| TimeColumn {
                kind: TimeKind::DateTime,
                values: values
                    .into_iter()
                    .map(|v| if whole_seconds { v - v % 1_000_000 } else { v })
                    .collect(),
                offset_minutes,
            }),
    ]
}

fn float_column(n: usize) -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(
        prop_oneof![
            any::<u64>().prop_map(f64::from_bits),
            (-1_000_000i64..1_000_000).prop_map(|v| v as f64 / 100.0),
            Just(f64::NAN),
            Just(f64::INFINITY),
            Just(-0.0),
        ],
        n,
    )
}

/// A text column whose first value cannot be read as a number, so it reads back as text.
fn text_column(n: usize) -> impl Strategy<Value = TextColumn> {
    prop::collection::vec(text(), n).prop_map(|mut values| {
        if let Some(first) = values.first_mut() {
            first.insert(0, 'x');
        }
        let mut col = TextColumn::default();
        for v in values {
            let code = match col.dict.iter().position(|d| *d == v) {
                Some(c) => c,
                None => {
                    col.dict.push(v);
                    col.dict.len() - 1
                }
            };
            col.codes.push(code as u32);
        }
        col
    })
}

fn frame() -> impl Strategy<Value = (Frame, u8)> {
    (
        1usize..24,
        0usize..4,
        prop::sample::select(vec![b',', b';', b'\t']),
    )
        .prop_flat_map(|(n, extra, delimiter)| {
            let extras = prop::collection::vec(
                (
                    text(),
                    prop_oneof![
                        float_column(n).prop_map(Column::Float),
                        text_column(n).prop_map(Column::Text),
                    ],
                ),
                extra,
            );
            (
                prop::collection::vec(text(), n),
                time_column(n),
                float_column(n),
                extras,
                Just(delimiter),
            )
        })
        .prop_map(|(ids, ds, y, extras, delimiter)| {
            let mut f = Frame::new();
            let mut id = TextColumn::default();
            for v in ids {
                let code = match id.dict.iter().position(|d| *d == v) {
                    Some(c) => c,
                    None => {
                        id.dict.push(v);
                        id.dict.len() - 1
                    }
                };
                id.codes.push(code as u32);
            }
            f.push_column("unique_id", Column::Text(id)).unwrap();
            f.push_column("ds", Column::Time(ds)).unwrap();
            f.push_column("y", Column::Float(y)).unwrap();
            for (k, (name, col)) in extras.into_iter().enumerate() {
                f.push_column(format!("ex{k}:{name}"), col).unwrap();
            }
            (f, delimiter)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Any frame written and read back is the same frame, and writing it again gives the
    /// same bytes.
    #[test]
    fn write_then_read_is_identity((frame, delimiter) in frame()) {
        let opts = CsvOptions::with_delimiter(delimiter);
        let mut bytes = Vec::new();
        frame.write_csv(&mut bytes, &opts).unwrap();
        let back = Frame::from_reader(&bytes[..], "mem.csv", &opts)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{}", String::from_utf8_lossy(&bytes))))?;
        assert_same(&frame, &back)?;
        let mut again = Vec::new();
        back.write_csv(&mut again, &opts).unwrap();
        prop_assert_eq!(bytes, again);
    }

    /// The same text with CRLF line endings, a byte order mark and no final newline reads
    /// the same.
    #[test]
    fn line_endings_and_bom_do_not_matter((frame, delimiter) in frame()) {
        let opts = CsvOptions::with_delimiter(delimiter);
        let mut bytes = Vec::new();
        frame.write_csv(&mut bytes, &opts).unwrap();
        // Only rewrite line ends outside quoted fields: track quote parity.
        let mut crlf = b"\xEF\xBB\xBF".to_vec();
        let mut quoted = false;
        for &c in &bytes {
            if c == b'"' {
                quoted = !quoted;
            }
            if c == b'\n' && !quoted {
                crlf.push(b'\r');
            }
            crlf.push(c);
        }
        crlf.truncate(crlf.len() - 2);
        let back = Frame::from_reader(&crlf[..], "mem.csv", &opts)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        assert_same(&frame, &back)?;
    }
}

fn read(text: &str) -> neuro_divergent::Result<Frame> {
    Frame::from_reader(text.as_bytes(), "edge.csv", &CsvOptions::default())
}

fn texts(f: &Frame, name: &str) -> Vec<String> {
    let Some(Column::Text(t)) = f.column(name) else {
        panic!("{name} is not text")
    };
    (0..t.len()).map(|i| t.get(i).to_owned()).collect()
}

#[test]
fn quoting_edge_cases() {
    let f = read(concat!(
        "unique_id,ds,y,note\n",
        "\"a,b\",1,1,\"\"\"\"\n", // id with a comma; note is one quote
        "\"a,b\",2,2,\"line\nbreak\"\n", // embedded newline
        "\"a,b\",3,3,\"\"\n",     // quoted empty
        "c,4,\"4.5\",\"x\"\"y\"\"z\"\r\n", // quoted number, CRLF, doubled quotes inside
        "c,5,5,\"crlf\r\ninside\"", // CRLF inside quotes is data; no final newline
    ))
    .unwrap();
    assert_eq!(texts(&f, "unique_id"), ["a,b", "a,b", "a,b", "c", "c"]);
    assert_eq!(
        texts(&f, "note"),
        ["\"", "line\nbreak", "", "x\"y\"z", "crlf\r\ninside"]
    );
    let Some(Column::Float(y)) = f.column("y") else {
        panic!()
    };
    assert_eq!(y, &[1.0, 2.0, 3.0, 4.5, 5.0]);
}

#[test]
fn quoting_errors_point_at_the_opening_quote() {
    let e = read("unique_id,ds,y\na,1,1\n\"b,2,2\nc,3,3\n").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Csv);
    assert_eq!(e.location.line, Some(3));
    assert_eq!(e.location.file.as_deref(), Some("edge.csv"));
    let e = read("unique_id,ds,y\n\"a\"b,1,1\n").unwrap_err();
    assert_eq!(e.kind, ErrorKind::Csv);
    assert_eq!(e.location.line, Some(2));
}

#[test]
fn semicolon_and_tab_files() {
    let opts = CsvOptions::with_delimiter(b';');
    let f = Frame::from_reader(
        &b"unique_id;ds;y\n\"x;1\";2020-01-01;1\n"[..],
        "s.csv",
        &opts,
    )
    .unwrap();
    assert_eq!(texts(&f, "unique_id"), ["x;1"]);
    let opts = CsvOptions::with_delimiter(b'\t');
    let f = Frame::from_reader(&b"unique_id\tds\ty\na,b\t7\t1e3\n"[..], "t.tsv", &opts).unwrap();
    assert_eq!(texts(&f, "unique_id"), ["a,b"]);
}
