//! Any bytes as a number: never a panic; what parses agrees with std and round-trips through
//! our formatting bit for bit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use neuro_divergent::data::float::{f64_to_string, parse_f64, parse_field};

fuzz_target!(|data: &[u8]| {
    let _ = parse_field(data);
    if let Some(v) = parse_f64(data) {
        if let Ok(s) = std::str::from_utf8(data) {
            let want: f64 = s
                .trim_matches([' ', '\t'])
                .parse()
                .expect("std accepts it too");
            assert!(
                v.to_bits() == want.to_bits() || (v.is_nan() && want.is_nan()),
                "{s:?}"
            );
        }
        let back = parse_field(f64_to_string(v).as_bytes()).unwrap();
        assert!(v.to_bits() == back.to_bits() || (v.is_nan() && back.is_nan()));
    }
});
