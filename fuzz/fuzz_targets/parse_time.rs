//! Any bytes as a timestamp: never a panic, and what parses formats back to text that parses
//! to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neuro_divergent::data::datetime::{parse_time, time_to_string};

fuzz_target!(|data: &[u8]| {
    if let Ok(p) = parse_time(data) {
        let text = time_to_string(p.kind, p.value, p.offset_minutes);
        let q = parse_time(text.as_bytes()).expect("formatted time parses");
        assert_eq!(
            (p.kind, p.value, p.offset_minutes),
            (q.kind, q.value, q.offset_minutes)
        );
    }
});
