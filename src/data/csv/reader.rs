//! The streaming record reader: bytes in, one record (a list of field slices) at a time out.
//!
//! The buffer holds `buf[pos..end]` of unread input. A record is scanned from `pos`; if the
//! scan reaches `end` before the record ends (and the input is not exhausted), the unread tail
//! is moved to the front, the buffer is refilled, and the record is scanned again from its
//! start. Rescanning one record per refill costs nothing measurable and keeps the scanner a
//! plain loop without resumable state.
//!
//! Quoted fields that contain doubled quotes are unescaped in place once their record is
//! complete (the text only shrinks, inside the field's own bytes), so every field is a slice of
//! the buffer and no field allocates.

use super::{BUFFER_BYTES, MAX_FIELD_BYTES, MAX_RECORD_BYTES};
use crate::error::{Error, ErrorKind, Location, Result};
use std::io::{ErrorKind as IoErrorKind, Read};

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One field of the current record: `buf[start..end]`, on line `record line + line_offset`.
#[derive(Clone, Copy, Debug)]
struct FieldSpan {
    start: u32,
    end: u32,
    /// Line breaks inside quoted fields before this field, within the record.
    line_offset: u32,
}

/// Reads records from any byte source, through a fixed-size buffer.
pub struct RecordReader<R> {
    src: R,
    /// Unread input is `buf[pos..end]`; `buf.len()` is the capacity in use.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    eof: bool,
    /// Bytes read from `src` so far.
    total_read: u64,
    started: bool,
    /// Whether a byte order mark at the start is skipped (only at the start of a file).
    skip_bom: bool,
    delimiter: u8,
    /// 1-based line where the next record starts.
    line: u64,
    spans: Vec<FieldSpan>,
    /// Indices into `spans` of quoted fields holding `""`, to unescape.
    escaped: Vec<usize>,
}

/// One record: its fields as byte slices, and where it sits in the file.
#[derive(Debug)]
pub struct Record<'a> {
    buf: &'a [u8],
    spans: &'a [FieldSpan],
    line: u64,
}

impl<'a> Record<'a> {
    /// Number of fields.
    #[inline]
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    /// Whether the record has no fields (never true for a record the reader returns).
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i` (0-based), quotes removed and `""` unescaped.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    #[inline]
    pub fn field(&self, i: usize) -> &'a [u8] {
        let s = self.spans[i];
        &self.buf[s.start as usize..s.end as usize]
    }

    /// The fields in order.
    pub fn fields(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).map(|i| self.field(i))
    }

    /// 1-based line where the record starts.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// 1-based line where field `i` starts (later than [`Record::line`] when an earlier
    /// quoted field held line breaks).
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn field_line(&self, i: usize) -> u64 {
        self.line + self.spans[i].line_offset as u64
    }
}

/// What one scan of the buffer found.
enum Scan {
    /// A record ends before `next`; `lines` line breaks were consumed (0 at the end of input).
    Record { next: usize, lines: u64 },
    /// The buffer ends inside the record; the field in progress started at `field_start`
    /// (a quoted one opened on line `quote_line`).
    NeedMore {
        field_start: usize,
        quote_line: Option<u64>,
    },
}

impl<R: Read> RecordReader<R> {
    /// A reader over `src` splitting fields at `delimiter` (checked by
    /// [`super::CsvOptions::validate`]).
    pub fn new(src: R, delimiter: u8) -> RecordReader<R> {
        RecordReader {
            src,
            buf: Vec::new(),
            pos: 0,
            end: 0,
            eof: false,
            total_read: 0,
            started: false,
            skip_bom: true,
            delimiter,
            line: 1,
            spans: Vec::new(),
            escaped: Vec::new(),
        }
    }

    /// A reader that continues a file from the start of a record on line `line` (no byte
    /// order mark is looked for): the serial reader taking over from the block reader.
    pub fn resume(src: R, delimiter: u8, line: u64) -> RecordReader<R> {
        RecordReader {
            skip_bom: false,
            line,
            ..RecordReader::new(src, delimiter)
        }
    }

    /// Stops reading between records: the input already buffered but not consumed, the
    /// source (positioned after those bytes), the line the next record starts on, and
    /// whether the source is exhausted.
    pub fn into_parts(mut self) -> (Vec<u8>, R, u64, bool) {
        self.buf.truncate(self.end);
        self.buf.drain(..self.pos);
        (self.buf, self.src, self.line, self.eof)
    }

    /// Bytes of input consumed by the records returned so far (header included).
    pub fn bytes_consumed(&self) -> u64 {
        self.total_read - (self.end - self.pos) as u64
    }

    /// The next record, or `None` at the end of the input. Empty lines are skipped.
    /// Errors (`ErrorKind::Csv` or `Io`) carry the line and, where one applies, the column;
    /// the caller adds the file name.
    pub fn next_record(&mut self) -> Result<Option<Record<'_>>> {
        if !self.started {
            self.started = true;
            self.buf = vec![0; BUFFER_BYTES];
            self.refill()?;
            if self.skip_bom && self.buf[..self.end].starts_with(BOM) {
                self.pos = BOM.len();
            }
        }
        loop {
            if self.pos == self.end {
                if self.eof {
                    return Ok(None);
                }
                self.refill()?;
                continue;
            }
            match self.scan()? {
                Scan::NeedMore {
                    field_start,
                    quote_line,
                } => self.make_room(field_start, quote_line)?,
                Scan::Record { next, lines } => {
                    let line = self.line;
                    let start = self.pos;
                    self.pos = next;
                    self.line += lines;
                    // A line with nothing on it is no record (pandas' skip_blank_lines).
                    if self.spans.len() == 1
                        && self.spans[0].start == self.spans[0].end
                        && self.buf.get(start) != Some(&b'"')
                    {
                        continue;
                    }
                    self.unescape();
                    return Ok(Some(Record {
                        buf: &self.buf,
                        spans: &self.spans,
                        line,
                    }));
                }
            }
        }
    }

    /// Finds the fields of the record starting at `pos`.
    #[inline]
    fn scan(&mut self) -> Result<Scan> {
        let buf = &self.buf[..self.end];
        let d = self.delimiter;
        let mut i = self.pos;
        let mut line_offset = 0u32;
        self.spans.clear();
        self.escaped.clear();
        loop {
            let field_start = i;
            if i < buf.len() && buf[i] == b'"' {
                // Quoted field: runs to the next quote not followed by another quote.
                let quote_line = self.line + line_offset as u64;
                let mut j = i + 1;
                let mut escaped = false;
                let close = loop {
                    match buf[j..].iter().position(|&c| c == b'"') {
                        None if self.eof => {
                            return Err(Error::new(
                                ErrorKind::Csv,
                                Location::default()
                                    .at_line(quote_line)
                                    .at_column(self.spans.len() + 1, None),
                                "quoted field is never closed: the quote opened here has no closing quote before the end of the input",
                            ));
                        }
                        None => {
                            return Ok(Scan::NeedMore {
                                field_start,
                                quote_line: Some(quote_line),
                            })
                        }
                        Some(k) => {
                            let q = j + k;
                            match buf.get(q + 1) {
                                Some(b'"') => {
                                    escaped = true;
                                    j = q + 2;
                                }
                                None if !self.eof => {
                                    return Ok(Scan::NeedMore {
                                        field_start,
                                        quote_line: Some(quote_line),
                                    })
                                }
                                _ => break q,
                            }
                        }
                    }
                };
                let breaks = buf[i + 1..close].iter().filter(|&&c| c == b'\n').count();
                if close - (i + 1) > MAX_FIELD_BYTES {
                    return Err(self.too_long(quote_line, self.spans.len() + 1));
                }
                if escaped {
                    self.escaped.push(self.spans.len());
                }
                self.spans.push(FieldSpan {
                    start: (i + 1) as u32,
                    end: close as u32,
                    line_offset,
                });
                line_offset += breaks as u32;
                i = close + 1;
                match buf.get(i) {
                    Some(&c) if c == d => {
                        i += 1;
                        continue;
                    }
                    Some(b'\n' | b'\r') | None => {}
                    Some(_) => {
                        return Err(Error::new(
                            ErrorKind::Csv,
                            Location::default()
                                .at_line(self.line + line_offset as u64)
                                .at_column(self.spans.len(), None),
                            "text after the closing quote of a quoted field (a quote inside a quoted field must be doubled: \"\")",
                        ));
                    }
                }
            } else {
                i = find_field_end(buf, i, d);
                if i - field_start > MAX_FIELD_BYTES {
                    return Err(self.too_long(self.line + line_offset as u64, self.spans.len() + 1));
                }
                self.spans.push(FieldSpan {
                    start: field_start as u32,
                    end: i as u32,
                    line_offset,
                });
                if i < buf.len() && buf[i] == d {
                    i += 1;
                    continue;
                }
            }
            // `i` is at a line break or the end of the buffer.
            let (next, lines) = match buf.get(i) {
                None if self.eof => (i, 0),
                None => {
                    return Ok(Scan::NeedMore {
                        field_start,
                        quote_line: None,
                    })
                }
                Some(b'\r') => match buf.get(i + 1) {
                    Some(b'\n') => (i + 2, 1),
                    Some(_) => (i + 1, 1),
                    None if self.eof => (i + 1, 1),
                    None => {
                        return Ok(Scan::NeedMore {
                            field_start,
                            quote_line: None,
                        })
                    }
                },
                Some(_) => (i + 1, 1),
            };
            return Ok(Scan::Record {
                next,
                lines: lines + line_offset as u64,
            });
        }
    }

    /// Turns `""` into `"` inside the quoted fields that hold it, in place.
    fn unescape(&mut self) {
        for &f in &self.escaped {
            let span = &mut self.spans[f];
            let (start, end) = (span.start as usize, span.end as usize);
            let mut w = start;
            let mut r = start;
            while r < end {
                let c = self.buf[r];
                self.buf[w] = c;
                w += 1;
                // Inside a closed quoted field every quote is the first of a pair.
                r += if c == b'"' { 2 } else { 1 };
            }
            span.end = w as u32;
        }
    }

    /// The buffer ends inside a record: keep the record, drop what was consumed, read more
    /// (growing the buffer when the record alone fills it).
    fn make_room(&mut self, field_start: usize, quote_line: Option<u64>) -> Result<()> {
        if self.pos == 0 && self.end == self.buf.len() {
            if self.end - field_start > MAX_FIELD_BYTES {
                let line = quote_line.unwrap_or(self.line);
                let mut e = self.too_long(line, self.spans.len() + 1);
                if quote_line.is_some() {
                    e.message.push_str(" (is a closing quote missing?)");
                }
                return Err(e);
            }
            if self.buf.len() >= MAX_RECORD_BYTES {
                return Err(Error::new(
                    ErrorKind::Csv,
                    Location::default().at_line(self.line),
                    format!("record longer than the limit of {MAX_RECORD_BYTES} bytes"),
                ));
            }
            let grown = (self.buf.len() * 2).min(MAX_RECORD_BYTES);
            self.buf.resize(grown, 0);
        }
        self.refill()
    }

    fn too_long(&self, line: u64, column: usize) -> Error {
        Error::new(
            ErrorKind::Csv,
            Location::default().at_line(line).at_column(column, None),
            format!("field longer than the limit of {MAX_FIELD_BYTES} bytes"),
        )
    }

    /// Moves the unread tail to the front and reads until the buffer is full or the input
    /// ends.
    fn refill(&mut self) -> Result<()> {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        while self.end < self.buf.len() && !self.eof {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    self.end += n;
                    self.total_read += n as u64;
                }
                Err(e) if e.kind() == IoErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(Error::new(
                        ErrorKind::Io,
                        Location::default().at_line(self.line),
                        format!("read failed: {e}"),
                    ))
                }
            }
        }
        Ok(())
    }
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);

/// The high bit of each byte of `w` that is zero; bits above the lowest set one may be
/// spurious (a borrow runs on), which is harmless since only the lowest one is used.
#[inline(always)]
fn zero_bytes(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGHS
}

/// The index of the first delimiter, LF or CR at or after `i`, or `buf.len()`.
///
/// Eight bytes at a time (SWAR: the classic has-zero-byte trick, once per special byte),
/// because unquoted fields are the whole of a typical file and a byte loop with three
/// compares per byte would be the reader's bottleneck.
#[inline(always)]
pub(crate) fn find_field_end(buf: &[u8], mut i: usize, d: u8) -> usize {
    let delims = ONES * d as u64;
    let lfs = ONES * b'\n' as u64;
    let crs = ONES * b'\r' as u64;
    while let Some(chunk) = buf.get(i..i + 8) {
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        let hits = zero_bytes(w ^ delims) | zero_bytes(w ^ lfs) | zero_bytes(w ^ crs);
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < buf.len() {
        let c = buf[i];
        if c == d || c == b'\n' || c == b'\r' {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `input` as strings, or the error.
    fn read_all(input: &[u8], delimiter: u8) -> Result<Vec<Vec<String>>> {
        let mut r = RecordReader::new(input, delimiter);
        let mut out = Vec::new();
        while let Some(rec) = r.next_record()? {
            out.push(
                rec.fields()
                    .map(|f| String::from_utf8_lossy(f).into_owned())
                    .collect(),
            );
        }
        Ok(out)
    }

    fn rows(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|r| r.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn rfc4180_forms() {
        let want = rows(&[&["a", "b", "c"], &["1", "x,y", "he said \"hi\""]]);
        for input in [
            "a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"\n",
            "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\r\n",
            "a,b,c\r\n1,\"x,y\",\"he said \"\"hi\"\"\"",
            "\u{feff}a,b,c\n1,\"x,y\",\"he said \"\"hi\"\"\"",
            "a,b,c\r1,\"x,y\",\"he said \"\"hi\"\"\"\r",
            "a,b,c\n\n\r\n1,\"x,y\",\"he said \"\"hi\"\"\"\n\n",
        ] {
            assert_eq!(read_all(input.as_bytes(), b',').unwrap(), want, "{input:?}");
        }
    }

    #[test]
    fn embedded_newlines_and_empty_fields() {
        let got = read_all(b"a,b\n\"line1\nline2\",\n,\n\"\",\"\"\"\"\n", b',').unwrap();
        assert_eq!(
            got,
            rows(&[&["a", "b"], &["line1\nline2", ""], &["", ""], &["", "\""]])
        );
        // A quoted empty field is a record, a blank line is not.
        assert_eq!(
            read_all(b"a\n\"\"\n\nb", b',').unwrap(),
            rows(&[&["a"], &[""], &["b"]])
        );
        // A bare quote inside an unquoted field is data.
        assert_eq!(read_all(b"5\"x", b',').unwrap(), rows(&[&["5\"x"]]));
        assert_eq!(read_all(b"", b',').unwrap(), rows(&[]));
        assert_eq!(read_all(b"\xEF\xBB\xBF", b',').unwrap(), rows(&[]));
    }

    #[test]
    fn other_delimiters() {
        assert_eq!(
            read_all(b"a;b\n1,5;\"x;y\"\n", b';').unwrap(),
            rows(&[&["a", "b"], &["1,5", "x;y"]])
        );
        assert_eq!(
            read_all(b"a\tb\n1\t2", b'\t').unwrap(),
            rows(&[&["a", "b"], &["1", "2"]])
        );
    }

    #[test]
    fn lines_count_breaks_inside_quotes() {
        let input = b"h1,h2\n\"a\nb\nc\",x\n\r\ny,\"z\"\n";
        let mut r = RecordReader::new(&input[..], b',');
        assert_eq!(r.next_record().unwrap().unwrap().line(), 1);
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!(
            (rec.line(), rec.field_line(0), rec.field_line(1)),
            (2, 2, 4)
        );
        let rec = r.next_record().unwrap().unwrap();
        assert_eq!(rec.line(), 6);
        assert!(r.next_record().unwrap().is_none());
    }

    #[test]
    fn unterminated_quote_names_its_line() {
        let e = read_all(b"a,b\n1,2\n3,\"open\n\nmore", b',').unwrap_err();
        assert_eq!(e.kind, ErrorKind::Csv);
        assert_eq!(e.location.line, Some(3));
        assert_eq!(e.location.column, Some((2, None)));
        assert!(e.message.contains("never closed"), "{e}");
    }

    #[test]
    fn text_after_closing_quote_is_an_error() {
        let e = read_all(b"a,b\n\"x\"y,2\n", b',').unwrap_err();
        assert_eq!(e.location.line, Some(2));
        assert!(e.message.contains("after the closing quote"), "{e}");
    }

    #[test]
    fn too_long_fields_are_refused() {
        let mut big = b"a\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_FIELD_BYTES + 1));
        big.extend_from_slice(b"\nb\n");
        let e = read_all(&big, b',').unwrap_err();
        assert_eq!(e.location.line, Some(2));
        assert!(e.message.contains("longer than"), "{e}");
        let mut big = b"a\n\"".to_vec();
        big.extend(std::iter::repeat_n(b'x', 3 * MAX_FIELD_BYTES));
        let e = read_all(&big, b',').unwrap_err();
        assert!(e.message.contains("closing quote"), "{e}");
        // Exactly at the limit is fine, and spans buffer refills.
        let mut ok = b"a\n".to_vec();
        ok.extend(std::iter::repeat_n(b'y', MAX_FIELD_BYTES));
        ok.extend_from_slice(b"\nb");
        let got = read_all(&ok, b',').unwrap();
        assert_eq!(got[1][0].len(), MAX_FIELD_BYTES);
        assert_eq!(got[2][0], "b");
    }

    #[test]
    fn field_end_search_matches_a_byte_loop() {
        let specials = [b',', b';', b'\n', b'\r', b'a', 0x80, 0xFF, 0x00, 0x2B, 0x2D];
        let mut state = 12345u32;
        for len in 0..40 {
            for _ in 0..200 {
                let buf: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                        specials[(state >> 16) as usize % specials.len()]
                    })
                    .collect();
                for start in 0..=len {
                    for d in [b',', b';'] {
                        let want = (start..len)
                            .find(|&i| buf[i] == d || buf[i] == b'\n' || buf[i] == b'\r')
                            .unwrap_or(len);
                        assert_eq!(find_field_end(&buf, start, d), want, "{buf:?} {start}");
                    }
                }
            }
        }
    }

    /// A source that hands out one byte per read, to exercise every refill boundary.
    struct Trickle<'a>(&'a [u8]);
    impl Read for Trickle<'_> {
        fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() || out.is_empty() {
                return Ok(0);
            }
            out[0] = self.0[0];
            self.0 = &self.0[1..];
            Ok(1)
        }
    }

    #[test]
    fn records_spanning_refills() {
        // Rows long enough that some straddle the 1 MiB buffer boundary at every position
        // class: inside a quoted field, on a doubled quote, between CR and LF.
        let mut input = Vec::new();
        let mut want = Vec::new();
        let mut small_len = 0;
        let mut k = 0usize;
        while input.len() < 3 * BUFFER_BYTES {
            let text = format!("v{k} \"q\",\n{}", "z".repeat(k % 37));
            let quoted = text.replace('"', "\"\"");
            input.extend_from_slice(format!("{k},\"{quoted}\"\r\n").as_bytes());
            want.push(vec![k.to_string(), text]);
            k += 1;
            if k == 50 {
                small_len = input.len();
            }
        }
        assert_eq!(read_all(&input, b',').unwrap(), want);
        let mut r = RecordReader::new(Trickle(&input[..small_len]), b',');
        let mut n = 0;
        while let Some(rec) = r.next_record().unwrap() {
            assert_eq!(rec.field(1), want[n][1].as_bytes());
            n += 1;
        }
        assert_eq!(n, 50);
    }
}
