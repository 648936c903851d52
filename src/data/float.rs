//! Decimal text ↔ `f64`, written for the CSV hot loop.
//!
//! Parsing takes bytes (no UTF-8 check, no allocation). The grammar is the one pandas reads
//! in a numeric column: optional sign, digits with an optional `.` (`1`, `1.`, `.5`, `1.50`),
//! optional exponent (`e`/`E`, optional sign, digits), surrounding spaces or tabs allowed;
//! `inf`/`infinity` and `nan` in any letter case with an optional sign; and pandas' default
//! missing-value markers (`NA`, `N/A`, `NULL`, `None`, `#N/A`, ...) as NaN (see
//! [`parse_field`]).
//!
//! Correct rounding: the value is first gathered as an integer mantissa `m` and a power of ten
//! `e`. When `m ≤ 2^53` and `|e| ≤ 22`, both `m` and `10^|e|` are exact `f64`s, so one IEEE
//! multiply or divide gives the correctly rounded result (Clinger's fast path). That covers
//! almost every number in real data files (up to 15–16 significant digits). Everything else
//! (more digits, huge or tiny exponents) goes to std's `str::parse::<f64>`, which is correctly
//! rounded for every input.
//!
//! Formatting uses std's shortest round-trip digits, so `parse_f64(format_f64(x)) == x` bit
//! for bit (NaN payloads aside): plain notation for `1e-5 ≤ |x| < 1e16`, exponent notation
//! (`1e300`, `2.5e-7`) outside it so no value needs hundreds of characters.

use std::io::Write as _;

/// 2^53: every integer up to it is an exact `f64`.
const MAX_EXACT_MANTISSA: u64 = 1 << 53;

/// Powers of ten that are exact `f64`s (10^22 is the largest: 5^22 < 2^53).
const EXACT_POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// pandas' default `na_values` other than the empty string and the NaN spellings (which
/// [`parse_f64`] accepts itself): a numeric field holding one of these is missing.
const MISSING_MARKERS: [&[u8]; 13] = [
    b"NA",
    b"N/A",
    b"n/a",
    b"NULL",
    b"null",
    b"None",
    b"#N/A",
    b"#N/A N/A",
    b"#NA",
    b"<NA>",
    b"1.#IND",
    b"-1.#IND",
    b"1.#QNAN",
];

/// Parses a whole numeric CSV field: empty (or blank) and pandas' missing-value markers give
/// NaN (as do `-1.#QNAN` and the `nan` spellings), anything else goes through [`parse_f64`].
/// `None` means the field is not a number.
#[inline]
pub fn parse_field(s: &[u8]) -> Option<f64> {
    if let Some(v) = parse_f64(s) {
        return Some(v);
    }
    let t = trim(s);
    if t.is_empty() || MISSING_MARKERS.contains(&t) || t == b"-1.#QNAN" {
        return Some(f64::NAN);
    }
    None
}

/// Parses a decimal number (see the module documentation for the grammar). `None` when the
/// bytes are not exactly one number (an empty field is not a number here; see
/// [`parse_field`]).
#[inline]
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    let mut i = 0;
    let n = s.len();
    while i < n && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    let start = i;
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };

    // Mantissa digits, integer and fraction part together. With at most 19 digits `m`
    // holds them exactly (10^19 < 2^64); longer numbers take the slow path (std), which
    // re-reads the text, so the wrapping arithmetic below never yields a wrong value.
    let mut m: u64 = 0;
    let mut exp10: i64 = 0;
    let digits_start = i;
    while i < n && s[i].is_ascii_digit() {
        m = m.wrapping_mul(10).wrapping_add((s[i] - b'0') as u64);
        i += 1;
    }
    let int_digits = i - digits_start;
    let mut frac_digits = 0;
    if i < n && s[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < n && s[i].is_ascii_digit() {
            m = m.wrapping_mul(10).wrapping_add((s[i] - b'0') as u64);
            i += 1;
        }
        frac_digits = i - frac_start;
        exp10 -= frac_digits as i64;
    }
    if int_digits + frac_digits == 0 {
        return parse_special(&s[start..], negative);
    }
    if i < n && (s[i] == b'e' || s[i] == b'E') {
        i += 1;
        let exp_negative = match s.get(i) {
            Some(b'-') => {
                i += 1;
                true
            }
            Some(b'+') => {
                i += 1;
                false
            }
            _ => false,
        };
        let exp_start = i;
        let mut e: i64 = 0;
        while i < n && s[i].is_ascii_digit() {
            // Saturate: any exponent this large already means 0 or infinity.
            e = (e * 10 + (s[i] - b'0') as i64).min(1 << 40);
            i += 1;
        }
        if i == exp_start {
            return None;
        }
        exp10 += if exp_negative { -e } else { e };
    }
    let end = i;
    while i < n && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    if i != n {
        return None;
    }

    if int_digits + frac_digits <= 19 {
        if let Some(v) = exact_value(m, exp10, negative) {
            return Some(v);
        }
    }
    slow_path(&s[start..end])
}

/// `±m · 10^exp10` when one IEEE operation gives it correctly rounded (Clinger's fast path:
/// `m` and `10^|exp10|` both exact `f64`s), or `m` is zero. `m` must hold every digit of the
/// number exactly (at most 19 digits).
#[inline(always)]
fn exact_value(m: u64, exp10: i64, negative: bool) -> Option<f64> {
    if m == 0 {
        return Some(if negative { -0.0 } else { 0.0 });
    }
    if m <= MAX_EXACT_MANTISSA && (-22..=22).contains(&exp10) {
        let mf = m as f64;
        let v = if exp10 >= 0 {
            mf * EXACT_POW10[exp10 as usize]
        } else {
            mf / EXACT_POW10[(-exp10) as usize]
        };
        return Some(if negative { -v } else { v });
    }
    None
}

/// The CSV reader's fast path: a plain decimal (`-` optional, digits with an optional `.`,
/// at least one digit, at most 19) at `s[i..]`, read up to the first byte that cannot
/// continue it. Returns the value and where it stopped, or `None` for anything else
/// (an exponent, a `+`, spaces, the special words, too many digits, a value off Clinger's
/// fast path), which the caller then reads with [`parse_field`].
///
/// When the byte it stopped at ends the field, the value is exactly what [`parse_f64`] gives
/// for `s[i..end]` (the same digits through the same [`exact_value`]). The digits are
/// gathered eight at a time where the input allows (SWAR), since nearly every number in a
/// data file is short.
#[inline(always)]
pub(crate) fn parse_decimal_prefix(s: &[u8], mut i: usize) -> Option<(f64, usize)> {
    let negative = s.get(i) == Some(&b'-');
    i += negative as usize;
    let (mut m, int_digits) = digits(s, i, 0);
    i += int_digits;
    let mut frac_digits = 0;
    if s.get(i) == Some(&b'.') {
        i += 1;
        (m, frac_digits) = digits(s, i, m);
        i += frac_digits;
    }
    let n = int_digits + frac_digits;
    if n == 0 || n > 19 || matches!(s.get(i), Some(b'e' | b'E')) {
        return None;
    }
    Some((exact_value(m, -(frac_digits as i64), negative)?, i))
}

/// Reads the run of ASCII digits at `s[i..]` into `m` (`m · 10^k + digits`, wrapping: the
/// caller rejects runs that make the total exceed 19 digits); returns `m` and the run's
/// length.
#[inline(always)]
fn digits(s: &[u8], i: usize, mut m: u64) -> (u64, usize) {
    let mut j = i;
    // Eight bytes at a time: the leading digits of the word, converted in three
    // multiply-adds (pairs, then quads, then the eight).
    while let Some(chunk) = s.get(j..j + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let k = leading_digits(w);
        if k == 8 {
            m = m.wrapping_mul(100_000_000).wrapping_add(eight_digits(w));
            j += 8;
            continue;
        }
        if k > 0 {
            // Shift the k digits to the top of the word, zeros ('0') below them.
            let shift = 8 * (8 - k);
            let w = (w << shift) | (0x3030_3030_3030_3030u64 >> (64 - shift));
            m = m.wrapping_mul(POW10_U64[k]).wrapping_add(eight_digits(w));
        }
        return (m, j + k - i);
    }
    while let Some(&c) = s.get(j) {
        if !c.is_ascii_digit() {
            break;
        }
        m = m.wrapping_mul(10).wrapping_add((c - b'0') as u64);
        j += 1;
    }
    (m, j - i)
}

/// 10^k for k in 0..=8.
const POW10_U64: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the word's bytes, from the lowest (the first in the text), are ASCII digits
/// before the first that is not.
#[inline(always)]
fn leading_digits(w: u64) -> usize {
    // A byte is a digit when its high nibble is 3 and its low nibble is below 10: adding 6
    // to the low nibble carries into bit 4 exactly for 10..15.
    let not_three = (w & 0xF0F0_F0F0_F0F0_F0F0) ^ 0x3030_3030_3030_3030;
    let over_nine =
        (w & 0x0F0F_0F0F_0F0F_0F0F).wrapping_add(0x0606_0606_0606_0606) & 0x1010_1010_1010_1010;
    let bad = not_three | over_nine;
    (bad.trailing_zeros() / 8) as usize
}

/// The value of eight ASCII digits (the first in the lowest byte).
#[inline(always)]
fn eight_digits(w: u64) -> u64 {
    let w = w - 0x3030_3030_3030_3030;
    // Pairs: 10·first + second in each 16-bit lane, then quads, then the whole.
    let w = (w * 10 + (w >> 8)) & 0x00FF_00FF_00FF_00FF;
    let w = (w * 100 + (w >> 16)) & 0x0000_FFFF_0000_FFFF;
    (w * 10_000 + (w >> 32)) & 0xFFFF_FFFF
}

/// Correctly rounded fallback for inputs the fast path cannot do exactly. `text` has passed
/// the grammar above, so it is ASCII and in a form std accepts.
#[cold]
fn slow_path(text: &[u8]) -> Option<f64> {
    std::str::from_utf8(text).ok()?.parse::<f64>().ok()
}

/// `inf`, `infinity`, `nan` in any letter case (the sign was already taken off).
#[cold]
fn parse_special(signed: &[u8], negative: bool) -> Option<f64> {
    let unsigned = match signed.first() {
        Some(b'-' | b'+') => &signed[1..],
        _ => signed,
    };
    // Spaces may surround the whole field, not sit between the sign and the word.
    if unsigned.first().is_some_and(|c| *c == b' ' || *c == b'\t') {
        return None;
    }
    let body = trim(unsigned);
    if body.eq_ignore_ascii_case(b"inf") || body.eq_ignore_ascii_case(b"infinity") {
        Some(if negative {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        })
    } else if body.eq_ignore_ascii_case(b"nan") {
        Some(f64::NAN)
    } else {
        None
    }
}

fn trim(s: &[u8]) -> &[u8] {
    let is_space = |c: &u8| *c == b' ' || *c == b'\t';
    let start = s.iter().position(|c| !is_space(c)).unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|c| !is_space(c))
        .map_or(start, |e| e + 1);
    &s[start..end]
}

/// Appends the shortest text that parses back to exactly `v`; NaN appends nothing (pandas'
/// `na_rep`, so a missing value is an empty field), infinities append `inf` / `-inf`.
pub fn format_f64(v: f64, out: &mut Vec<u8>) {
    if v.is_nan() {
        return;
    }
    if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 { b"inf" } else { b"-inf" });
        return;
    }
    let a = v.abs();
    // Writing into a Vec cannot fail.
    let _ = if a == 0.0 || (1e-5..1e16).contains(&a) {
        write!(out, "{v}")
    } else {
        write!(out, "{v:e}")
    };
}

/// [`format_f64`] into a new `String`.
pub fn f64_to_string(v: f64) -> String {
    let mut out = Vec::new();
    format_f64(v, &mut out);
    // format_f64 writes ASCII only.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn same(a: f64, b: f64) -> bool {
        a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn accepts_what_pandas_reads() {
        for (text, want) in [
            ("1", 1.0),
            ("-1.5", -1.5),
            ("+2", 2.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("1.50", 1.5),
            ("1e3", 1000.0),
            ("1E+03", 1000.0),
            ("2.5e-3", 0.0025),
            (" 7 ", 7.0),
            ("\t7", 7.0),
            ("0.1", 0.1),
            ("4382.825174", 4382.825174),
            ("1e400", f64::INFINITY),
            ("-1e400", f64::NEG_INFINITY),
            ("1e-400", 0.0),
            ("Inf", f64::INFINITY),
            ("-infinity", f64::NEG_INFINITY),
            ("+INF", f64::INFINITY),
            ("123456789012345678901234567890", 1.2345678901234568e29),
            ("0.000000000000000000000000000001", 1e-30),
        ] {
            let got = parse_f64(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert!(same(got, want), "{text}: {got:e} != {want:e}");
        }
        assert!(same(parse_f64(b"-0").unwrap(), -0.0));
        assert!(same(parse_f64(b"-0.000").unwrap(), -0.0));
        for nan in ["nan", "NaN", "NAN", "-nan", "-NaN"] {
            assert!(parse_f64(nan.as_bytes()).unwrap().is_nan(), "{nan}");
        }
    }

    #[test]
    fn rejects_what_is_not_one_number() {
        for text in [
            "", " ", "-", "+", ".", "-.", "e5", "1e", "1e+", "1.2.3", "1,5", "0x10", "1_000",
            "12a", "a12", "1 2", "--1", "+-1", "nana", "in", "1e5.5", "∞", "- 1", "- NAN",
            "+\tinf",
        ] {
            assert_eq!(parse_f64(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn missing_markers_are_nan_only_in_parse_field() {
        for text in [
            "", "  ", "NA", "N/A", "NULL", "None", "#N/A", "<NA>", "-1.#QNAN",
        ] {
            assert!(parse_field(text.as_bytes()).unwrap().is_nan(), "{text:?}");
            if !text.trim().is_empty() {
                assert_eq!(parse_f64(text.as_bytes()), None, "{text:?}");
            }
        }
        assert_eq!(parse_field(b"abc"), None);
        assert_eq!(parse_field(b"1.5"), Some(1.5));
    }

    #[test]
    fn format_is_short_and_plain_in_the_usual_range() {
        for (v, want) in [
            (112.0, "112"),
            (0.1, "0.1"),
            (-0.0, "-0"),
            (1e15, "1000000000000000"),
            (1e16, "1e16"),
            (1e-5, "0.00001"),
            (2.5e-7, "2.5e-7"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, ""),
            (f64::MAX, "1.7976931348623157e308"),
            (5e-324, "5e-324"),
        ] {
            assert_eq!(f64_to_string(v), want);
        }
    }

    #[test]
    fn decimal_prefix_reads_plain_decimals_and_stops_where_they_end() {
        for (text, want) in [
            ("123.456,", Some((123.456, 7))),
            ("-0.0\n", Some((-0.0, 4))),
            ("1.", Some((1.0, 2))),
            ("-.5", Some((-0.5, 3))),
            ("12345678.125;", Some((12345678.125, 12))),
            ("1234567890123456", Some((1234567890123456.0, 16))),
            ("0.000001x", Some((0.000001, 8))),
            ("7 ", Some((7.0, 1))),
            ("1.2.3", Some((1.2, 3))),
        ] {
            let got = parse_decimal_prefix(text.as_bytes(), 0);
            assert_eq!(
                got.map(|(v, e)| (v.to_bits(), e)),
                want.map(|(v, e)| (f64::to_bits(v), e)),
                "{text:?}"
            );
        }
        // Not plain decimals, or not exact in one operation: the caller's general path.
        for text in [
            "",
            "-",
            ".",
            "+1",
            "1e5",
            "2E-3",
            "nan",
            "inf",
            " 1",
            "12345678901234567890",
            "0.1234567890123456789",
            "9007199254740993",
            "--1",
        ] {
            assert_eq!(parse_decimal_prefix(text.as_bytes(), 0), None, "{text:?}");
        }
        // From an offset, as the CSV reader calls it.
        assert_eq!(parse_decimal_prefix(b"S1,2.5\n", 3), Some((2.5, 6)));
    }

    #[test]
    fn digit_words_classify_every_byte() {
        for b in 0..=255u8 {
            let w = u64::from_le_bytes([b, b'0', b'1', b'2', b'3', b'4', b'5', b'6']);
            let want = if b.is_ascii_digit() { 8 } else { 0 };
            assert_eq!(leading_digits(w), want, "byte {b:#04x}");
            let w = u64::from_le_bytes([b'9', b'8', b'7', b, b'0', b'0', b'0', b'0']);
            assert_eq!(
                leading_digits(w),
                if b.is_ascii_digit() { 8 } else { 3 },
                "byte {b:#04x}"
            );
        }
        assert_eq!(eight_digits(u64::from_le_bytes(*b"12345678")), 12_345_678);
        assert_eq!(eight_digits(u64::from_le_bytes(*b"99999999")), 99_999_999);
        assert_eq!(eight_digits(u64::from_le_bytes(*b"00000001")), 1);
    }

    /// Decimal strings shaped like data: a few digits, a point, maybe an exponent.
    fn decimal_text() -> impl Strategy<Value = String> {
        (
            prop::option::of(prop::sample::select(vec!["-", "+"])),
            "[0-9]{0,20}",
            prop::option::of("[0-9]{0,20}"),
            prop::option::of((prop::sample::select(vec!["e", "E"]), -350i32..350)),
        )
            .prop_filter_map("needs a digit", |(sign, int, frac, exp)| {
                if int.is_empty() && frac.as_deref().is_none_or(str::is_empty) {
                    return None;
                }
                let mut s = String::from(sign.unwrap_or(""));
                s.push_str(&int);
                if let Some(f) = frac {
                    s.push('.');
                    s.push_str(&f);
                }
                if let Some((e, x)) = exp {
                    s.push_str(e);
                    s.push_str(&x.to_string());
                }
                Some(s)
            })
    }

    proptest! {
        // Each case is a microsecond; many cases are cheap and catch rare rounding slips.
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn agrees_with_std_on_decimal_text(text in decimal_text()) {
            let want: f64 = text.parse().unwrap();
            let got = parse_f64(text.as_bytes()).unwrap();
            prop_assert!(same(got, want), "{} -> {:e}, std {:e}", text, got, want);
        }

        /// Wherever the fast path reads a number, the bytes it read parse to the same value
        /// with [`parse_f64`] (which agrees with std above), and it stopped at a byte that
        /// cannot continue the number.
        #[test]
        fn decimal_prefix_agrees_with_parse_f64(
            text in decimal_text(),
            short in "-?[0-9]{1,9}(\\.[0-9]{0,6})?",
            use_short in any::<bool>(),
            tail in prop::sample::select(vec!["", ",", "\n", "\r\n", ";1", "x", "e", " ", ".5", "-"]),
            offset in 0usize..3,
        ) {
            let number = if use_short { &short } else { &text };
            let s = format!("{}{number}{tail}", &",,,"[..offset]);
            let got = parse_decimal_prefix(s.as_bytes(), offset);
            if let Some((v, end)) = got {
                let want = parse_f64(&s.as_bytes()[offset..end]);
                prop_assert!(want.is_some_and(|w| same(v, w)), "{:?}: {:e} vs {:?}", s, v, want);
                let next = s.as_bytes().get(end);
                prop_assert!(!next.is_some_and(|c| c.is_ascii_digit()), "{:?} stopped at {}", s, end);
            }
            // Short plain decimals (the bulk of data files) take the fast path.
            if use_short && !matches!(tail, "e" | ".5") {
                prop_assert!(got.is_some_and(|(_, end)| end == offset + short.len()), "{:?}", s);
            }
        }

        #[test]
        fn format_round_trips_every_bit_pattern(bits in any::<u64>()) {
            let v = f64::from_bits(bits);
            let text = f64_to_string(v);
            let back = parse_field(text.as_bytes()).unwrap();
            prop_assert!(same(back, v), "{:e} -> {} -> {:e}", v, text, back);
        }

        #[test]
        fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..24)) {
            let got = parse_f64(&bytes);
            // Whatever we accept, std accepts too (after trimming), with the same value.
            if let (Some(v), Ok(t)) = (got, std::str::from_utf8(&bytes)) {
                let t = t.trim_matches([' ', '\t']);
                let want = t.parse::<f64>();
                prop_assert!(want.is_ok_and(|w| same(v, w)), "{:?}", t);
            }
        }
    }
}
