//! Writing one CSV field: quoted only when the reader would otherwise split or drop it.

/// Whether `field` must be quoted to read back as itself: it holds the delimiter, a quote or
/// a line break, or starts with a byte order mark (which the reader strips at the start of a
/// file). An empty field alone on its line (`alone`) is quoted too, because the reader skips
/// blank lines.
#[inline]
pub fn needs_quotes(field: &[u8], delimiter: u8, alone: bool) -> bool {
    (alone && field.is_empty())
        || field.starts_with(b"\xEF\xBB\xBF")
        || field
            .iter()
            .any(|&c| c == delimiter || c == b'"' || c == b'\n' || c == b'\r')
}

/// Appends `field` to `out`, in quotes with `"` doubled when [`needs_quotes`] says so.
pub fn write_field(field: &[u8], delimiter: u8, alone: bool, out: &mut Vec<u8>) {
    if !needs_quotes(field, delimiter, alone) {
        out.extend_from_slice(field);
        return;
    }
    out.push(b'"');
    for &c in field {
        if c == b'"' {
            out.push(b'"');
        }
        out.push(c);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(field: &str, alone: bool) -> String {
        let mut out = Vec::new();
        write_field(field.as_bytes(), b',', alone, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(w("plain text", false), "plain text");
        assert_eq!(w("", false), "");
        assert_eq!(w("", true), "\"\"");
        assert_eq!(w("a,b", false), "\"a,b\"");
        assert_eq!(w("say \"hi\"", false), "\"say \"\"hi\"\"\"");
        assert_eq!(w("two\nlines", false), "\"two\nlines\"");
        assert_eq!(w("cr\r", false), "\"cr\r\"");
        assert_eq!(w("\u{feff}x", false), "\"\u{feff}x\"");
        let mut out = Vec::new();
        write_field(b"a,b;c", b';', false, &mut out);
        assert_eq!(out, b"\"a,b;c\"");
    }
}
