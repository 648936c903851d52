//! Column builders: each takes one column's fields, row after row, and types them.
//!
//! Vectors grow by amortised doubling, so at the end a column holds at most twice its data;
//! nothing keeps the field text once it is converted (text columns keep one copy of each
//! distinct value).

use super::time_cache::TimeCache;
use crate::data::datetime::{TimeKind, MICROS_PER_MINUTE};
use crate::data::float::{format_f64, parse_decimal_prefix, parse_field};
use crate::data::frame::{Column, TextColumn, TimeColumn};
use std::collections::HashMap;

/// Why one field did not fit its column; the caller adds file, line and column.
#[derive(Debug)]
pub(super) enum CellError {
    /// The bytes are not UTF-8 (the caller finds the bad byte).
    NotUtf8,
    /// The column must be numeric and this is not a number.
    NotNumber,
    /// The timestamp does not parse or does not fit the column; the phrase says why.
    BadTime(String),
    /// More distinct text values than a `u32` code can number.
    TooManyValues,
}

/// Whether [`Builder::push_fast`] may be used with delimiter `d`: not a byte that numbers
/// and dates are made of (a field's fast reading stops at the first byte that cannot continue
/// it, which must then be the field's end).
pub(super) fn fast_delimiter(d: u8) -> bool {
    !(d.is_ascii_digit() || matches!(d, b'-' | b'+' | b'.' | b'e' | b'E'))
}

/// Whether a field that ends at `text[end]` ends there as the column requires: at the
/// delimiter, or for the last column at a line break or the end of the text.
#[inline(always)]
fn ends_field(text: &[u8], end: usize, d: u8, last_col: bool) -> bool {
    match text.get(end) {
        None => last_col,
        Some(&c) if last_col => c == b'\n' || c == b'\r',
        Some(&c) => c == d,
    }
}

/// Whether one of the bytes of `w` under `mask` (whole bytes) is `b`.
#[inline(always)]
fn contains_byte(w: u64, mask: u64, b: u8) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // Bytes outside the mask become 0xFF, never zero; a zero byte is a match.
    let x = (w ^ (ONES * b as u64)) | !mask;
    x.wrapping_sub(ONES) & !x & HIGHS != 0
}

fn utf8(bytes: &[u8]) -> Result<&str, CellError> {
    std::str::from_utf8(bytes).map_err(|_| CellError::NotUtf8)
}

/// Dictionary-encoded text, with a fast path for a value equal to the previous row's (series
/// ids repeat for thousands of rows in long format).
#[derive(Debug, Default)]
pub(super) struct TextBuilder {
    dict: Vec<String>,
    codes: Vec<u32>,
    index: HashMap<String, u32>,
    last: Vec<u8>,
    last_code: u32,
    /// The previous value as a word (its bytes from the lowest, zeros past its end) and the
    /// mask of its bytes, when it is at most 8 bytes long and holds no line break: what
    /// [`TextBuilder::push_fast`] compares the next field with.
    last_word: Option<(u64, u64)>,
    /// Whether some rows hold numbers written back in canonical form (an automatic column
    /// that turned to text): their spelling in the input is lost.
    respelled: bool,
}

impl TextBuilder {
    #[inline]
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        if !self.codes.is_empty() && bytes == self.last.as_slice() {
            self.codes.push(self.last_code);
            return Ok(());
        }
        self.push_new(bytes)
    }

    #[cold]
    fn push_new(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        let s = utf8(bytes)?;
        let code = match self.index.get(s) {
            Some(&c) => c,
            None => {
                let c = u32::try_from(self.dict.len()).map_err(|_| CellError::TooManyValues)?;
                self.dict.push(s.to_owned());
                self.index.insert(s.to_owned(), c);
                c
            }
        };
        self.set_last(bytes, code);
        self.codes.push(code);
        Ok(())
    }

    fn set_last(&mut self, bytes: &[u8], code: u32) {
        self.last.clear();
        self.last.extend_from_slice(bytes);
        self.last_code = code;
        self.last_word = (bytes.len() <= 8 && !bytes.contains(&b'\n') && !bytes.contains(&b'\r'))
            .then(|| {
                let mut w = [0u8; 8];
                w[..bytes.len()].copy_from_slice(bytes);
                let mask = u64::MAX
                    .checked_shr(64 - 8 * bytes.len() as u32)
                    .unwrap_or(0);
                (u64::from_le_bytes(w), mask)
            });
    }

    /// The block reader's fast path (see [`Builder::push_fast`]): the field at `text[i..]`
    /// equal to the previous value (a short one), told by one 8-byte compare instead of a
    /// search for the field's end and a byte comparison.
    #[inline(always)]
    fn push_fast(&mut self, text: &[u8], i: usize, d: u8, last_col: bool) -> Option<usize> {
        let (key, mask) = self.last_word?;
        let len = self.last.len();
        let chunk = text.get(i..i + 8)?;
        let w = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        // The previous value must not hold the delimiter (a quoted one might, read serially
        // before), or its bytes here would be more than one field.
        let end = i + len;
        if (w ^ key) & mask != 0
            || contains_byte(key, mask, d)
            || !ends_field(text, end, d, last_col)
        {
            return None;
        }
        self.codes.push(self.last_code);
        Some(end)
    }

    fn reserve(&mut self, rows: usize) {
        let _ = self.codes.try_reserve_exact(rows);
    }

    /// Whether [`TextBuilder::append`] can take `other` and still number every value with a
    /// `u32` (checked conservatively, as if every value of `other` were new).
    fn can_append(&self, other: &TextBuilder) -> bool {
        self.dict.len() + other.dict.len() <= u32::MAX as usize + 1
    }

    /// Moves the rows of `other` (built from the rows that follow this one's) here, as if
    /// they had been pushed here: its new values join the dictionary in their
    /// first-appearance order. `other` is left empty (its capacity kept for the next block).
    fn append(&mut self, other: &mut TextBuilder) {
        if other.codes.is_empty() {
            return;
        }
        other.index.clear();
        let map: Vec<u32> = other
            .dict
            .drain(..)
            .map(|s| match self.index.get(&s) {
                Some(&c) => c,
                None => {
                    let c = self.dict.len() as u32;
                    self.index.insert(s.clone(), c);
                    self.dict.push(s);
                    c
                }
            })
            .collect();
        self.codes
            .extend(other.codes.iter().map(|&c| map[c as usize]));
        other.codes.clear();
        std::mem::swap(&mut self.last, &mut other.last);
        self.last_code = map[other.last_code as usize];
        self.last_word = other.last_word.take();
    }

    pub(super) fn finish(self) -> TextColumn {
        TextColumn {
            dict: self.dict,
            codes: self.codes,
        }
    }
}

/// A time column: one kind for every row; offsets resolved as `TimeColumn` documents.
#[derive(Debug, Default)]
pub(super) struct TimeBuilder {
    kind: Option<TimeKind>,
    values: Vec<i64>,
    first_offset: Option<i16>,
    /// Set once two rows carried different offsets: every value is then UTC.
    utc: bool,
    cache: TimeCache,
}

fn kind_words(k: TimeKind) -> &'static str {
    match k {
        TimeKind::Integer => "an integer time index",
        TimeKind::Date => "a date",
        TimeKind::DateTime => "a date with a time of day",
    }
}

impl TimeBuilder {
    #[inline]
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        let p = self.cache.parse(bytes).map_err(CellError::BadTime)?;
        match self.kind {
            Some(k) if k == p.kind => {}
            None => {
                self.kind = Some(p.kind);
                self.first_offset = p.offset_minutes;
            }
            Some(k) => {
                return Err(CellError::BadTime(format!(
                    "'{}' is {}, but the column's first value is {}",
                    String::from_utf8_lossy(bytes),
                    kind_words(p.kind),
                    kind_words(k)
                )))
            }
        }
        if !self.utc && p.offset_minutes == self.first_offset {
            self.values.push(p.value);
            return Ok(());
        }
        self.push_offset(bytes, p.value, p.offset_minutes)
    }

    /// The block reader's fast path (see [`Builder::push_fast`]): a date of the month cached
    /// in a column of dates without UTC offsets.
    #[inline(always)]
    fn push_fast(&mut self, text: &[u8], i: usize, d: u8, last_col: bool) -> Option<usize> {
        if self.kind != Some(TimeKind::Date) || self.utc || self.first_offset.is_some() {
            return None;
        }
        let (value, end) = self.cache.date_at(text, i)?;
        if !ends_field(text, end, d, last_col) {
            return None;
        }
        self.values.push(value);
        Some(end)
    }

    /// A value whose offset differs from the first row's: from now on the column is UTC.
    #[cold]
    fn push_offset(
        &mut self,
        bytes: &[u8],
        value: i64,
        offset: Option<i16>,
    ) -> Result<(), CellError> {
        let Some(off) = offset.filter(|_| self.first_offset.is_some()) else {
            return Err(CellError::BadTime(format!(
                "'{}' {}, but the column's first value {}",
                String::from_utf8_lossy(bytes),
                if offset.is_some() {
                    "has a UTC offset"
                } else {
                    "has no UTC offset"
                },
                if offset.is_some() {
                    "has none"
                } else {
                    "has one"
                },
            )));
        };
        if !self.utc {
            let first = self.first_offset.unwrap_or(0) as i64 * MICROS_PER_MINUTE;
            for v in &mut self.values {
                *v -= first;
            }
            self.utc = true;
        }
        self.values.push(value - off as i64 * MICROS_PER_MINUTE);
        Ok(())
    }

    fn reserve(&mut self, rows: usize) {
        let _ = self.values.try_reserve_exact(rows);
    }

    /// Whether the rows of `other` can follow these as they are: same kind, and no UTC
    /// offset that differs from this column's (that would turn earlier values to UTC).
    fn can_append(&self, other: &TimeBuilder) -> bool {
        match (self.kind, other.kind) {
            (_, None) | (None, _) => true,
            (Some(a), Some(b)) => {
                a == b && !self.utc && !other.utc && self.first_offset == other.first_offset
            }
        }
    }

    /// Moves the rows of `other` here ([`TimeBuilder::can_append`] must have said yes),
    /// leaving it empty.
    fn append(&mut self, other: &mut TimeBuilder) {
        let Some(kind) = other.kind.take() else {
            return;
        };
        if self.kind.is_none() {
            self.kind = Some(kind);
            self.first_offset = other.first_offset;
            self.utc = other.utc;
        }
        self.values.extend_from_slice(&other.values);
        other.values.clear();
        other.first_offset = None;
        other.utc = false;
    }

    /// A column with no rows has no kind to read; it is an integer index then.
    pub(super) fn finish(self) -> TimeColumn {
        TimeColumn {
            kind: self.kind.unwrap_or(TimeKind::Integer),
            values: self.values,
            offset_minutes: if self.utc { Some(0) } else { self.first_offset },
        }
    }
}

/// A column typed by its content: numeric while every field is a number (or missing), text
/// from the first field that is not.
#[derive(Debug)]
pub(super) enum AutoBuilder {
    Float(Vec<f64>),
    Text(TextBuilder),
}

impl AutoBuilder {
    #[inline]
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        match self {
            AutoBuilder::Float(v) => match parse_field(bytes) {
                Some(x) => {
                    v.push(x);
                    Ok(())
                }
                None => self.become_text(bytes),
            },
            AutoBuilder::Text(t) => t.push(bytes),
        }
    }

    /// The column turned out to be text. The numbers before this row are written back in
    /// canonical form (`1.50` reads back as `1.5`, a missing value as an empty string): the
    /// original spelling was not kept, so that numeric columns cost 8 bytes a row.
    #[cold]
    fn become_text(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        utf8(bytes)?;
        let t = self.make_text()?;
        t.push(bytes)
    }

    /// Turns a numeric column into text, its numbers in canonical form.
    fn make_text(&mut self) -> Result<&mut TextBuilder, CellError> {
        if let AutoBuilder::Float(v) = self {
            let mut t = TextBuilder {
                respelled: !v.is_empty(),
                ..TextBuilder::default()
            };
            let mut text = Vec::new();
            for &x in v.iter() {
                text.clear();
                format_f64(x, &mut text);
                t.push(&text)?;
            }
            *self = AutoBuilder::Text(t);
        }
        match self {
            AutoBuilder::Text(t) => Ok(t),
            AutoBuilder::Float(_) => unreachable!("turned to text above"),
        }
    }

    /// Whether the rows of `other` can follow these. A numeric `other` after a text column
    /// cannot: pushed here its numbers would have kept their spelling; nor can a text
    /// `other` whose first rows were numbers written back in canonical form.
    fn can_append(&self, other: &AutoBuilder) -> bool {
        match (self, other) {
            (AutoBuilder::Float(_), AutoBuilder::Float(_)) => true,
            (AutoBuilder::Float(v), AutoBuilder::Text(t)) => {
                v.len() + t.dict.len() <= u32::MAX as usize
            }
            (AutoBuilder::Text(a), AutoBuilder::Text(b)) => a.can_append(b) && !b.respelled,
            (AutoBuilder::Text(_), AutoBuilder::Float(v)) => v.is_empty(),
        }
    }

    /// Moves the rows of `other` here ([`AutoBuilder::can_append`] must have said yes),
    /// leaving it an empty numeric column.
    fn append(&mut self, other: &mut AutoBuilder) {
        match other {
            AutoBuilder::Float(o) => {
                if let AutoBuilder::Float(v) = self {
                    v.extend_from_slice(o);
                }
                o.clear();
            }
            AutoBuilder::Text(o) => {
                // Cannot fail: can_append bounded the dictionary.
                if let Ok(t) = self.make_text() {
                    t.append(o);
                }
                *other = AutoBuilder::Float(Vec::new());
            }
        }
    }

    pub(super) fn finish(self) -> Column {
        match self {
            AutoBuilder::Float(v) => Column::Float(v),
            AutoBuilder::Text(t) => Column::Text(t.finish()),
        }
    }
}

/// The builder for one column, chosen by its role.
#[derive(Debug)]
pub(super) enum Builder {
    /// The series id column: always text.
    Id(TextBuilder),
    /// The time column.
    Time(TimeBuilder),
    /// The target column: numbers only.
    Target(Vec<f64>),
    /// Any other column.
    Auto(AutoBuilder),
}

impl Builder {
    #[inline]
    pub(super) fn push(&mut self, bytes: &[u8]) -> Result<(), CellError> {
        match self {
            Builder::Id(t) => t.push(bytes),
            Builder::Time(t) => t.push(bytes),
            Builder::Target(v) => match parse_field(bytes) {
                Some(x) => {
                    v.push(x);
                    Ok(())
                }
                None => {
                    utf8(bytes)?;
                    Err(CellError::NotNumber)
                }
            },
            Builder::Auto(a) => a.push(bytes),
        }
    }

    /// Pushes the field that starts at `text[i]` when it has one of the common shapes read
    /// without searching for its end first (the previous row's short id, a date of the
    /// cached month, a plain decimal), and returns where it ends: at a delimiter `d` when
    /// `last_col` is false, at a line break or the end of `text` when it is true. `None`
    /// (nothing pushed) for anything else, which the caller then reads the general way.
    ///
    /// Whatever it pushes is exactly what [`Builder::push`] pushes for the field
    /// `text[i..end]`, and that field ends at the first delimiter or line break after `i`,
    /// provided `d` cannot be part of a number or a date (see [`fast_delimiter`]).
    #[inline(always)]
    pub(super) fn push_fast(
        &mut self,
        text: &[u8],
        i: usize,
        d: u8,
        last_col: bool,
    ) -> Option<usize> {
        match self {
            Builder::Id(t) | Builder::Auto(AutoBuilder::Text(t)) => {
                t.push_fast(text, i, d, last_col)
            }
            Builder::Time(t) => t.push_fast(text, i, d, last_col),
            Builder::Target(v) | Builder::Auto(AutoBuilder::Float(v)) => {
                let (x, end) = parse_decimal_prefix(text, i)?;
                if !ends_field(text, end, d, last_col) {
                    return None;
                }
                v.push(x);
                Some(end)
            }
        }
    }

    /// Makes room for `rows` more rows at once (a size estimate), so the vectors need not
    /// grow by doubling. Never fails: without the memory the vectors simply grow later.
    pub(super) fn reserve(&mut self, rows: usize) {
        match self {
            Builder::Id(t) | Builder::Auto(AutoBuilder::Text(t)) => t.reserve(rows),
            Builder::Time(t) => t.reserve(rows),
            Builder::Target(v) | Builder::Auto(AutoBuilder::Float(v)) => {
                // Only an estimate: when memory is short, grow as usual instead.
                let _ = v.try_reserve_exact(rows);
            }
        }
    }

    /// An empty builder for the same column role (for a block of rows parsed on its own).
    pub(super) fn fresh(&self) -> Builder {
        match self {
            Builder::Id(_) => Builder::Id(TextBuilder::default()),
            Builder::Time(_) => Builder::Time(TimeBuilder::default()),
            Builder::Target(_) => Builder::Target(Vec::new()),
            Builder::Auto(_) => Builder::Auto(AutoBuilder::Float(Vec::new())),
        }
    }

    /// Whether `other`, a [`Builder::fresh`] copy fed the rows that follow this builder's,
    /// can be appended so that the result equals pushing those rows here.
    pub(super) fn can_append(&self, other: &Builder) -> bool {
        match (self, other) {
            (Builder::Id(a), Builder::Id(b)) => a.can_append(b),
            (Builder::Time(a), Builder::Time(b)) => a.can_append(b),
            (Builder::Target(_), Builder::Target(_)) => true,
            (Builder::Auto(a), Builder::Auto(b)) => a.can_append(b),
            _ => false,
        }
    }

    /// Moves `other`'s rows here ([`Builder::can_append`] must have said yes), leaving it
    /// as [`Builder::fresh`] would make it, with its capacity kept for the next block.
    ///
    /// # Panics
    /// If the two builders are for different roles.
    pub(super) fn append(&mut self, other: &mut Builder) {
        match (self, other) {
            (Builder::Id(a), Builder::Id(b)) => a.append(b),
            (Builder::Time(a), Builder::Time(b)) => a.append(b),
            (Builder::Target(a), Builder::Target(b)) => {
                a.extend_from_slice(b);
                b.clear();
            }
            (Builder::Auto(a), Builder::Auto(b)) => a.append(b),
            _ => panic!("appending a builder of another column role"),
        }
    }

    pub(super) fn finish(self) -> Column {
        match self {
            Builder::Id(t) => Column::Text(t.finish()),
            Builder::Time(t) => Column::Time(t.finish()),
            Builder::Target(v) => Column::Float(v),
            Builder::Auto(a) => a.finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_dictionary_keeps_first_appearance_order() {
        let mut t = TextBuilder::default();
        for v in ["b", "b", "a", "b", "c", "a"] {
            t.push(v.as_bytes()).unwrap();
        }
        let c = t.finish();
        assert_eq!(c.dict, ["b", "a", "c"]);
        assert_eq!(c.codes, [0, 0, 1, 0, 2, 1]);
    }

    #[test]
    fn auto_column_turns_text_keeping_earlier_rows() {
        let mut a = AutoBuilder::Float(Vec::new());
        for v in ["1.50", "", "2", "x"] {
            a.push(v.as_bytes()).unwrap();
        }
        let Column::Text(t) = a.finish() else {
            panic!("expected text")
        };
        let values: Vec<&str> = (0..t.len()).map(|i| t.get(i)).collect();
        assert_eq!(values, ["1.5", "", "2", "x"]);
    }

    #[test]
    fn mixed_offsets_become_utc() {
        let mut t = TimeBuilder::default();
        t.push(b"2020-03-29 01:00:00+01:00").unwrap();
        t.push(b"2020-03-29 03:00:00+02:00").unwrap();
        t.push(b"2020-03-29 04:00:00+02:00").unwrap();
        let c = t.finish();
        assert_eq!(c.offset_minutes, Some(0));
        let h = crate::data::datetime::MICROS_PER_HOUR;
        assert_eq!(c.values[1] - c.values[0], h);
        assert_eq!(c.values[2] - c.values[1], h);
        let mut t = TimeBuilder::default();
        t.push(b"2020-03-29 01:00:00+01:00").unwrap();
        t.push(b"2020-03-29 02:00:00+01:00").unwrap();
        assert_eq!(t.finish().offset_minutes, Some(60));
    }

    #[test]
    fn time_kind_and_offset_presence_must_not_change() {
        let mut t = TimeBuilder::default();
        t.push(b"2020-01-01").unwrap();
        let Err(CellError::BadTime(m)) = t.push(b"2020-01-02 00:00:00") else {
            panic!()
        };
        assert!(m.contains("first value is a date"), "{m}");
        let mut t = TimeBuilder::default();
        t.push(b"2020-01-01 00:00:00").unwrap();
        let Err(CellError::BadTime(m)) = t.push(b"2020-01-01 01:00:00Z") else {
            panic!()
        };
        assert!(m.contains("has a UTC offset"), "{m}");
    }
}
