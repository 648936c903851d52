//! The body of a CSV file read block by block, each block's records parsed on several threads.
//!
//! The input is read in blocks of about [`BLOCK_BYTES`]. A block without any `"` byte can be
//! cut anywhere after a line break, since every line break there ends a record: it is cut at
//! its last line break (the rest waits for the next block), then into one piece per thread at
//! line breaks. The first piece is parsed into the frame's builders on this thread while the
//! others are parsed into fresh builders on their own threads; those are then appended in file
//! order. A piece whose parse failed, or whose rows cannot simply be appended (a time column
//! whose kind or UTC offset changes, a column that turns to text), is parsed again into the
//! frame's builders after the pieces before it, on this thread: so the frame and every error
//! (with its absolute line, the first in file order) are those of a serial parse.
//!
//! The first block holding a quote (a quoted field may hold line breaks, so lines are no longer
//! records) hands the rest of the input to the serial [`RecordReader`]; so does a block with no
//! line break at all (a record longer than a block).
//!
//! The next block is read while the current one is parsed (two buffers), so on a machine with
//! as many cores as threads the read costs no wall time beyond the parse.
//!
//! Memory: two blocks of input, plus the pieces' columns until they are appended (a block's
//! worth of rows).

use super::builders::Builder;
use super::plain::{boundary_after, last_boundary, parse_plain, Counts};
use super::{field_count_error, Estimate};
use crate::data::csv::{RecordReader, MAX_FIELD_BYTES};
use crate::error::{Error, ErrorKind, Location, Result};
use std::io::{Cursor, ErrorKind as IoErrorKind, Read};

/// Bytes read per block. At most [`MAX_FIELD_BYTES`], so no field in a block can exceed the
/// field limit (the serial reader's checks need not be repeated).
pub(super) const BLOCK_BYTES: usize = 1 << 20;
const _: () = assert!(BLOCK_BYTES <= MAX_FIELD_BYTES);

/// Blocks shorter than this are parsed on one thread (starting threads would cost more).
const MIN_PARALLEL_BYTES: usize = 64 << 10;

/// How the body is read: block size and threads (tests shrink both to exercise boundaries).
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    /// Bytes per block.
    pub block: usize,
    /// Threads per block (1: everything on the calling thread).
    pub threads: usize,
    /// Blocks shorter than this are parsed on one thread.
    pub min_parallel: usize,
}

impl Plan {
    /// Full blocks, one thread per core (at most 8).
    pub(super) fn default_for_machine() -> Plan {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
        Plan {
            block: BLOCK_BYTES,
            threads,
            min_parallel: MIN_PARALLEL_BYTES,
        }
    }
}

/// Where the body reading stands.
pub(super) struct Body<'a> {
    pub delimiter: u8,
    pub names: &'a [String],
    pub builders: &'a mut [Builder],
    pub estimate: Estimate,
    /// Builders for the pieces after the first, emptied and reused block after block (fresh
    /// ones would fault in new pages for every block).
    pub spare: Vec<Vec<Builder>>,
}

impl Body<'_> {
    /// Reads every record after the header. `records` has just returned the header.
    pub(super) fn read<R: Read>(mut self, records: RecordReader<R>, plan: Plan) -> Result<()> {
        let (mut buf, mut src, mut line, mut eof) = records.into_parts();
        // The input not yet parsed is `buf[..len]`. Two buffers, zeroed once: while one
        // block is parsed, the next is read into the other (the rest of the block's last
        // line first), so reading does not wait for parsing nor parsing for reading.
        let size = plan.block.max(buf.len());
        let mut len = buf.len();
        buf.resize(size, 0);
        let mut next = vec![0u8; size];
        fill(&mut src, &mut buf, &mut len, &mut eof).map_err(|e| read_error(e, line))?;
        loop {
            let text = &buf[..len];
            if text.is_empty() {
                return Ok(());
            }
            if text.contains(&b'"') {
                break;
            }
            let cut = if eof {
                len
            } else {
                match last_boundary(text) {
                    Some(cut) => cut,
                    None => break,
                }
            };
            let (head, tail) = text.split_at(cut);
            let mut next_len = tail.len();
            next[..next_len].copy_from_slice(tail);
            let mut read = Ok(());
            let counts = self.block(head, line, plan, || {
                read = fill(&mut src, &mut next, &mut next_len, &mut eof);
            })?;
            line += counts.lines;
            // A read error is reported after the errors of the block before it, as a
            // serial reader would meet them.
            read.map_err(|e| read_error(e, line))?;
            self.estimate
                .advance(cut as u64, counts.rows, self.builders);
            std::mem::swap(&mut buf, &mut next);
            len = next_len;
        }
        // The rest goes through the serial reader, starting with what is buffered.
        buf.truncate(len);
        let records = RecordReader::resume(Cursor::new(buf).chain(src), self.delimiter, line);
        self.serial(records)
    }

    /// Parses one block of whole records, quote-free, starting on line `line`; `meanwhile`
    /// runs on this thread once its own piece is parsed, while the other threads may still
    /// be parsing theirs (the next block is read then).
    fn block(
        &mut self,
        text: &[u8],
        line: u64,
        plan: Plan,
        meanwhile: impl FnOnce(),
    ) -> Result<Counts> {
        let (d, names) = (self.delimiter, self.names);
        if plan.threads < 2 || text.len() < plan.min_parallel.max(plan.threads) {
            let counts = parse_plain(text, d, line, names, self.builders)?;
            meanwhile();
            return Ok(counts);
        }
        // Pieces: (T,) slices of `text`, cut after line breaks.
        let mut pieces = Vec::with_capacity(plan.threads);
        let mut start = 0;
        for t in 1..=plan.threads {
            let end = if t == plan.threads {
                text.len()
            } else {
                boundary_after(text, (text.len() * t / plan.threads).max(start))
            };
            if end > start {
                pieces.push(&text[start..end]);
            }
            start = end;
        }
        while self.spare.len() + 1 < pieces.len() {
            self.spare
                .push(self.builders.iter().map(Builder::fresh).collect());
        }
        let fresh: Vec<Vec<Builder>> = self.spare.drain(..pieces.len() - 1).collect();
        let builders = &mut *self.builders;
        let (first, rest) = std::thread::scope(|s| {
            let handles: Vec<_> = pieces[1..]
                .iter()
                .zip(fresh)
                .map(|(&piece, mut b)| {
                    s.spawn(move || {
                        let r = parse_plain(piece, d, 1, names, &mut b);
                        (r, b)
                    })
                })
                .collect();
            let first = parse_plain(pieces[0], d, line, names, builders);
            meanwhile();
            let rest: Vec<_> = handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                .collect();
            (first, rest)
        });
        let mut counts = first?;
        let mut serial = false;
        for (&piece, (result, mut parsed)) in pieces[1..].iter().zip(rest) {
            if !serial {
                if let Ok(c) = result {
                    if builders.iter().zip(&parsed).all(|(a, b)| a.can_append(b)) {
                        for (a, b) in builders.iter_mut().zip(&mut parsed) {
                            a.append(b);
                        }
                        self.spare.push(parsed);
                        counts.lines += c.lines;
                        counts.rows += c.rows;
                        continue;
                    }
                }
                serial = true;
            }
            for b in &mut parsed {
                *b = b.fresh();
            }
            self.spare.push(parsed);
            let c = parse_plain(piece, d, line + counts.lines, names, builders)?;
            counts.lines += c.lines;
            counts.rows += c.rows;
        }
        Ok(counts)
    }

    /// Reads the remaining records one by one with the general (quote-aware) reader.
    pub(super) fn serial<R: Read>(mut self, mut records: RecordReader<R>) -> Result<()> {
        let n_cols = self.names.len();
        let base = self.estimate.consumed;
        while let Some(record) = records.next_record()? {
            if record.len() != n_cols {
                return Err(field_count_error(n_cols, record.len(), record.line()));
            }
            for (k, builder) in self.builders.iter_mut().enumerate() {
                let field = record.field(k);
                if let Err(e) = builder.push(field) {
                    return Err(super::cell_error(
                        e,
                        record.field_line(k),
                        k,
                        &self.names[k],
                        field,
                    ));
                }
            }
            let consumed = base + records.bytes_consumed();
            self.estimate
                .advance(consumed - self.estimate.consumed, 1, self.builders);
        }
        Ok(())
    }
}

/// Reads from `src` after the `len` bytes `buf` holds until it is full or the input ends.
fn fill(
    src: &mut impl Read,
    buf: &mut [u8],
    len: &mut usize,
    eof: &mut bool,
) -> std::io::Result<()> {
    while *len < buf.len() && !*eof {
        match src.read(&mut buf[*len..]) {
            Ok(0) => *eof = true,
            Ok(n) => *len += n,
            Err(e) if e.kind() == IoErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A failed read, met when the records before line `line` were read.
#[cold]
fn read_error(e: std::io::Error, line: u64) -> Error {
    Error::new(
        ErrorKind::Io,
        Location::default().at_line(line),
        format!("read failed: {e}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::csv::CsvOptions;
    use proptest::prelude::*;

    /// The frame (as its debug text) or the error text, read with `plan` (`None`: serial).
    fn outcome(input: &[u8], plan: Option<Plan>) -> String {
        outcome_with(input, plan, &CsvOptions::default())
    }

    fn outcome_with(input: &[u8], plan: Option<Plan>, options: &CsvOptions) -> String {
        match super::super::read(input, "t.csv", options, None, plan) {
            Ok(f) => format!("{f:?}"),
            Err(e) => format!("error: {}", e.in_file("t.csv")),
        }
    }

    fn small(block: usize, threads: usize) -> Plan {
        Plan {
            block,
            threads,
            min_parallel: 0,
        }
    }

    /// `rows` records of `unique_id,ds,y,note`: 4 series of daily points, `\n` line ends.
    fn panel(rows: usize) -> String {
        let mut s = String::from("unique_id,ds,y,note\n");
        for r in 0..rows {
            let day = 1 + r % 28;
            s += &format!("s{},2020-02-{day:02},{}.25,{}\n", r / 28, r % 7, r % 3);
        }
        s
    }

    #[test]
    fn parallel_blocks_give_the_serial_frame() {
        let text = panel(2000);
        let want = outcome(text.as_bytes(), None);
        assert!(!want.starts_with("error"), "{want}");
        for plan in [
            small(97, 2),
            small(4096, 3),
            small(1 << 20, 2),
            Plan::default_for_machine(),
        ] {
            assert_eq!(outcome(text.as_bytes(), Some(plan)), want, "{plan:?}");
        }
    }

    #[test]
    fn error_in_a_later_piece_names_the_absolute_line() {
        let mut text = panel(3000);
        // Line 2500 (the header is line 1): its target is not a number.
        let at = text.match_indices('\n').nth(2498).unwrap().0 + 1;
        let end = at + text[at..].find('\n').unwrap();
        let row: Vec<&str> = text[at..end].split(',').collect();
        let bad = format!("{},{},oops,{}", row[0], row[1], row[3]);
        text.replace_range(at..end, &bad);
        let want = "t.csv, line 2500, column 3 (y): 'oops' is not a number (the target column must be numeric)";
        for plan in [
            None,
            Some(small(1 << 20, 2)),
            Some(small(1 << 20, 4)),
            Some(small(300, 3)),
        ] {
            assert_eq!(
                outcome(text.as_bytes(), plan),
                format!("error: {want}"),
                "{plan:?}"
            );
        }
        // Two bad pieces: the first in file order is reported.
        let at = text.match_indices('\n').nth(1999).unwrap().0 + 1;
        text.insert_str(at, "x,1,2,3\n");
        let got = outcome(text.as_bytes(), Some(small(1 << 20, 4)));
        assert!(
            got.contains("line 2001, column 2 (ds): '1' is an integer time index"),
            "{got}"
        );
    }

    #[test]
    fn a_kind_change_in_a_later_piece_is_found_where_serial_finds_it() {
        let mut text = panel(1000);
        text += "s9,5,1,1\ns9,6,1,1\n";
        let want = outcome(text.as_bytes(), None);
        assert!(want.contains("line 1002, column 2 (ds)"), "{want}");
        assert_eq!(outcome(text.as_bytes(), Some(small(1 << 20, 2))), want);
    }

    #[test]
    fn a_later_piece_turning_text_keeps_its_numbers_spelling() {
        // The note column is text from the first row; the second piece starts with numbers
        // (` 4`, `3e2`) and turns text only at its end. Read serially those numbers are text
        // as written; the piece alone wrote them back as `4` and `300`.
        let mut text = String::from("unique_id,ds,y,note\n");
        for r in 0..200 {
            let note = match r {
                0 => "x",
                199 => "text",
                r if r < 100 => "1",
                r if r % 2 == 0 => " 4",
                _ => "3e2",
            };
            text += &format!("s,{},1,{note}\n", r + 1);
        }
        let want = outcome(text.as_bytes(), None);
        assert!(want.contains("\" 4\", \"3e2\""), "{want}");
        assert_eq!(outcome(text.as_bytes(), Some(small(1 << 20, 2))), want);
    }

    /// One field's text: mostly ordinary, sometimes quoted (with a delimiter, a line break or
    /// a doubled quote), empty, or not of the column's type.
    fn field(col: usize) -> impl Strategy<Value = String> {
        let ordinary = match col {
            0 => prop_oneof![Just("a"), Just("b"), Just("ser 3"), Just("12")].boxed(),
            1 => prop_oneof![Just("2020-01-30"), Just("2020-01-31"), Just("2020-02-01")].boxed(),
            _ => prop_oneof![
                Just("1.5"),
                Just("-2"),
                Just(""),
                Just("NaN"),
                Just("3e2"),
                Just("12345678.125"),
                Just("-.5"),
                Just("1."),
                Just("+3"),
                Just(" 4"),
                Just("9007199254740993"),
                Just("0.1234567890123456789"),
                Just("1.5x"),
                Just("1.2.3"),
            ]
            .boxed(),
        };
        prop_oneof![
            40 => ordinary.prop_map(str::to_owned),
            1 => Just("\"q,1\"".to_owned()),
            1 => Just("\"two\nlines\"".to_owned()),
            1 => Just("\"say \"\"hi\"\"\"".to_owned()),
            1 => Just("text".to_owned()),
            1 => Just("2020-01-01 10:00:00".to_owned()),
            1 => Just("7".to_owned()),
        ]
    }

    /// A record: 4 fields (sometimes 3 or 5), then a line ending (LF, CRLF or CR), sometimes
    /// after a blank line.
    fn record() -> impl Strategy<Value = String> {
        (
            prop::collection::vec(0usize..4, 4),
            prop_oneof![20 => Just(4usize), 1 => Just(3), 1 => Just(5)],
            prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
            prop_oneof![20 => Just(""), 1 => Just("\n"), 1 => Just("\r\n")],
        )
            .prop_flat_map(|(_, n, end, blank)| {
                let fields: Vec<_> = (0..n).map(|c| field(c.min(3))).collect();
                (fields, Just(end), Just(blank))
            })
            .prop_map(|(fields, end, blank)| format!("{blank}{}{end}", fields.join(",")))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Any block size and thread count gives the serial reader's frame, or its error.
        #[test]
        fn blocks_agree_with_the_serial_reader(
            records in prop::collection::vec(record(), 0..120),
            plain_only in any::<bool>(),
            last_end in any::<bool>(),
            block in 8usize..300,
            threads in 1usize..5,
        ) {
            let mut text = String::from("unique_id,ds,y,note\n");
            for r in &records {
                // Half the cases keep to the parallel path: no quotes, four fields.
                if plain_only && (r.contains('"') || r.matches(',').count() != 3) {
                    continue;
                }
                text += r;
            }
            if !last_end {
                text.truncate(text.trim_end_matches(['\n', '\r']).len());
            }
            let want = outcome(text.as_bytes(), None);
            prop_assert_eq!(outcome(text.as_bytes(), Some(small(block, threads))), want);
        }

        /// The same with delimiters that numbers and dates are made of (the fast field
        /// reading must step aside for them) and with ordinary ones.
        #[test]
        fn any_delimiter_agrees_with_the_serial_reader(
            records in prop::collection::vec(record(), 0..60),
            delimiter in prop::sample::select(vec![b';', b'\t', b'.', b'-', b'1', b'e', b'+', b'S']),
            block in 8usize..300,
            threads in 1usize..4,
        ) {
            // Column names free of every delimiter tried, so the header splits as meant.
            let options = CsvOptions {
                delimiter,
                roles: crate::data::frame::ColumnRoles {
                    id_col: "id".into(),
                    time_col: "t".into(),
                    target_col: "v".into(),
                },
                require_id_and_time: true,
            };
            let d = delimiter as char;
            let mut text = format!("id{d}t{d}v{d}note\n");
            for r in &records {
                text += &r.replace(',', &d.to_string());
            }
            let want = outcome_with(text.as_bytes(), None, &options);
            let got = outcome_with(text.as_bytes(), Some(small(block, threads)), &options);
            prop_assert_eq!(got, want);
        }
    }
}
