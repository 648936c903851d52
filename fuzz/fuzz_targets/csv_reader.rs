//! Any bytes, read as CSV with any delimiter and either role requirement: never a panic.
//! Whatever reads successfully must write and read back to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neuro_divergent::data::csv::CsvOptions;
use neuro_divergent::data::frame::{Column, Frame};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, input)) = data.split_first() else {
        return;
    };
    let delimiter = [b',', b';', b'\t', b'|'][(mode & 3) as usize];
    let opts = CsvOptions {
        delimiter,
        require_id_and_time: mode & 4 == 0,
        ..CsvOptions::default()
    };
    let Ok(frame) = Frame::from_reader(input, "fuzz.csv", &opts) else {
        return;
    };
    let mut out = Vec::new();
    frame
        .write_csv(&mut out, &opts)
        .expect("writing to memory cannot fail");
    let back = Frame::from_reader(&out[..], "fuzz.csv", &opts).expect("what we write reads back");
    assert_eq!(frame.names(), back.names());
    for (a, b) in frame.columns().iter().zip(back.columns()) {
        match (a, b) {
            (Column::Float(x), Column::Float(y)) => {
                assert!(x
                    .iter()
                    .zip(y)
                    .all(|(p, q)| p.to_bits() == q.to_bits() || (p.is_nan() && q.is_nan())));
            }
            // A text column of number-like values may come back numeric (CSV has no types),
            // and an all-empty text column comes back as NaNs: compare the written text then.
            (Column::Text(_), Column::Float(_)) => {}
            _ => assert_eq!(a, b),
        }
    }
});
