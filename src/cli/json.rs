//! Just enough JSON output for `--json`: escaped strings and finite numbers.
//! (The crate has no dependencies; a reader of the output may use any JSON parser.)

/// `s` as a JSON string literal, quotes included (the escaping of [`crate::io::json`]).
pub fn string(s: &str) -> String {
    crate::io::json::Value::String(s.to_owned()).to_json()
}

/// `x` with `decimals` digits after the point; `null` when not finite (JSON has no NaN).
pub fn number(x: f64, decimals: usize) -> String {
    if x.is_finite() {
        format!("{x:.decimals$}")
    } else {
        "null".to_string()
    }
}

/// An object from `(key, already-encoded value)` pairs, on one line.
pub fn object(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(key, value)| format!("{}:{}", string(key), value))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// An array of already-encoded values.
pub fn array(items: &[String]) -> String {
    format!("[{}]", items.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_strings() {
        assert_eq!(string("a\"b\\c\n\u{1}é"), r#""a\"b\\c\n\u0001é""#);
    }

    #[test]
    fn numbers_are_valid_json() {
        assert_eq!(number(1.23456, 3), "1.235");
        assert_eq!(number(f64::NAN, 3), "null");
        assert_eq!(number(f64::INFINITY, 3), "null");
        assert_eq!(number(-0.5, 1), "-0.5");
    }

    #[test]
    fn builds_objects_and_arrays() {
        let o = object(&[("m", "32".into()), ("isa", string("avx2"))]);
        assert_eq!(o, r#"{"m":32,"isa":"avx2"}"#);
        assert_eq!(array(&[o.clone(), o]).matches('{').count(), 2);
        assert_eq!(array(&[]), "[]");
    }
}
