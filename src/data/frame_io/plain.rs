//! The one-pass parser for text without quotes: records are found and their fields typed in
//! the same loop, straight from the input bytes.
//!
//! Without a `"` every delimiter separates fields and every line break ends a record, so no
//! field spans need to be stored and no escape can occur. The result, errors included, is
//! exactly what [`crate::data::csv::RecordReader`] followed by the builders gives for the
//! same text (the block reader's property tests check this): blank lines are skipped, LF,
//! CRLF and a lone CR each end one line, a record with the wrong number of fields is reported
//! before any bad field in it.
//!
//! Each field is first offered to [`Builder::push_fast`], which reads the usual shapes (the
//! previous row's id, a date of the current month, a short decimal) straight from the text
//! and so finds the field's end while typing it; anything else is cut at the next delimiter
//! or line break and typed by [`Builder::push`].

use super::builders::{fast_delimiter, Builder};
use super::{cell_error, field_count_error};
use crate::data::csv::find_field_end;
use crate::error::Result;

/// What a block of records held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    /// Line breaks consumed (blank lines included).
    pub lines: u64,
    /// Records pushed to the builders.
    pub rows: usize,
}

/// Parses `text` (no `"` in it; whole records, the last one ended by a line break or by the
/// end of the input) into `builders`, one per column. `line` is the 1-based line `text`
/// starts on; errors name the absolute line and column.
///
/// # Panics
/// If `builders.len() != names.len()` or there are no columns.
pub(super) fn parse_plain(
    text: &[u8],
    delimiter: u8,
    line: u64,
    names: &[String],
    builders: &mut [Builder],
) -> Result<Counts> {
    assert_eq!(builders.len(), names.len(), "one builder per column");
    let n = builders.len();
    assert!(n > 0, "a header has at least one column");
    let len = text.len();
    let mut i = 0;
    let mut counts = Counts::default();
    let fast = fast_delimiter(delimiter);
    while i < len {
        let c = text[i];
        if c == b'\n' || c == b'\r' {
            // A blank line: no record.
            i += line_break_len(text, i);
            counts.lines += 1;
            continue;
        }
        let start = i;
        let here = line + counts.lines;
        for (k, builder) in builders.iter_mut().enumerate() {
            let last_col = k + 1 == n;
            if fast {
                if let Some(end) = builder.push_fast(text, i, delimiter, last_col) {
                    i = end + !last_col as usize;
                    continue;
                }
            }
            let end = find_field_end(text, i, delimiter);
            let more = end < len && text[end] == delimiter;
            if more != (k + 1 < n) {
                return Err(field_count_error(
                    n,
                    count_fields(text, start, delimiter),
                    here,
                ));
            }
            let field = &text[i..end];
            if let Err(e) = builder.push(field) {
                let found = count_fields(text, start, delimiter);
                if found != n {
                    return Err(field_count_error(n, found, here));
                }
                return Err(cell_error(e, here, k, &names[k], field));
            }
            i = end + more as usize;
        }
        if i < len {
            i += line_break_len(text, i);
        }
        counts.lines += 1;
        counts.rows += 1;
    }
    Ok(counts)
}

/// Length of the line break at `text[i]` (a CR or LF): 2 for CRLF, else 1.
#[inline(always)]
fn line_break_len(text: &[u8], i: usize) -> usize {
    if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
        2
    } else {
        1
    }
}

/// Fields of the record starting at `start` (it ends at the next line break).
#[cold]
fn count_fields(text: &[u8], start: usize, delimiter: u8) -> usize {
    let end = text[start..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
        .map_or(text.len(), |p| start + p);
    1 + text[start..end].iter().filter(|&&c| c == delimiter).count()
}

/// Where the record boundary nearest after `at` lies in quote-free `text`: just after the
/// first line break at or after `at` (after its LF for a CRLF), or `text.len()`.
pub(super) fn boundary_after(text: &[u8], at: usize) -> usize {
    match text[at.min(text.len())..]
        .iter()
        .position(|&c| c == b'\n' || c == b'\r')
    {
        None => text.len(),
        Some(p) => at + p + line_break_len(text, at + p),
    }
}

/// The end of the last whole record in quote-free `text` that more input may follow: just
/// after its last line break, where a CR at the very end does not count (an LF may follow it
/// in the next read). `None` when there is no such line break.
pub(super) fn last_boundary(text: &[u8]) -> Option<usize> {
    if text.last() == Some(&b'\n') {
        return Some(text.len());
    }
    let body = &text[..text.len().saturating_sub(1)];
    body.iter()
        .rposition(|&c| c == b'\n' || c == b'\r')
        .map(|p| p + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_respect_crlf() {
        assert_eq!(last_boundary(b"a\nb"), Some(2));
        assert_eq!(last_boundary(b"a\r\nb\r"), Some(3));
        assert_eq!(last_boundary(b"a\rb\r\n"), Some(5));
        assert_eq!(last_boundary(b"a\rb"), Some(2));
        assert_eq!(last_boundary(b"ab\r"), None);
        assert_eq!(last_boundary(b""), None);
        assert_eq!(boundary_after(b"ab\r\ncd\n", 1), 4);
        assert_eq!(boundary_after(b"ab\r\ncd\n", 4), 7);
        assert_eq!(boundary_after(b"ab", 1), 2);
        assert_eq!(boundary_after(b"ab\rcd", 0), 3);
    }
}
