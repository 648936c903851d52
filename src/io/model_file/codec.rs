//! Section payloads: little-endian primitives, and the training [`Dataset`], the fitted
//! [`LocalScaler`] and parameter blobs written with them (byte layouts in [`super`]).
//!
//! Reading is defensive: every count is checked against the bytes left in the section before
//! anything is allocated, every read names what it was reading and at which byte of the file,
//! and a decoded dataset is checked for the invariants the rest of the library relies on
//! (offsets, lengths, a regular time grid), so a crafted file cannot make prediction panic.

use super::format::{describe, file_error, Section};
use crate::data::dataset::{Dataset, ExogBlock, StaticBlock};
use crate::data::datetime::{TimeKind, MICROS_PER_DAY};
use crate::data::freq::Freq;
use crate::data::scalers::local::{LocalScaler, LocalScalerKind};
use crate::error::{Error, Result};

// ---------------------------------------------------------------------------------------------
// Writing

/// Appends a `u8`.
pub fn put_u8(out: &mut Vec<u8>, v: u8) {
    out.push(v);
}

/// Appends a `u32`, little-endian.
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends a `u64`, little-endian.
pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Appends a string: `u32` byte length, then its UTF-8 bytes.
///
/// # Panics
/// If the string is 4 GiB or longer.
pub fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, u32::try_from(s.len()).expect("string under 4 GiB"));
    out.extend_from_slice(s.as_bytes());
}

/// Appends a list of strings: `u32` count, then each string.
///
/// # Panics
/// With 2^32 strings or more.
pub fn put_strs(out: &mut Vec<u8>, items: &[String]) {
    put_u32(out, u32::try_from(items.len()).expect("under 2^32 strings"));
    for s in items {
        put_str(out, s);
    }
}

/// Appends an `f32` array: `u64` count, then the values' IEEE-754 bits, little-endian (NaN
/// payloads and signed zeros survive).
pub fn put_f32s(out: &mut Vec<u8>, values: &[f32]) {
    put_u64(out, values.len() as u64);
    out.reserve(values.len() * 4);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

/// Appends an `i64` array: `u64` count, then the values.
pub fn put_i64s(out: &mut Vec<u8>, values: &[i64]) {
    put_u64(out, values.len() as u64);
    out.reserve(values.len() * 8);
    for v in values {
        out.extend_from_slice(&v.to_le_bytes());
    }
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads one section's payload front to back; every error names the file, the section and
/// the byte.
#[derive(Debug)]
pub struct SectionReader<'a> {
    bytes: &'a [u8],
    pos: usize,
    offset: usize,
    tag: [u8; 4],
    source: &'a str,
}

impl<'a> SectionReader<'a> {
    /// A reader of `section` of the file `source`.
    pub fn new(section: &Section<'a>, source: &'a str) -> SectionReader<'a> {
        SectionReader {
            bytes: section.payload,
            pos: 0,
            offset: section.offset,
            tag: section.tag,
            source,
        }
    }

    /// A `ModelFile` error at the current byte of this section.
    pub fn error(&self, message: impl std::fmt::Display) -> Error {
        file_error(
            self.source,
            format!(
                "malformed section '{}' ({}) at byte {}: {message}",
                String::from_utf8_lossy(&self.tag),
                describe(&self.tag),
                self.offset + self.pos
            ),
        )
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(self.error(format_args!(
                "{what} needs {n} bytes, only {} remain",
                self.remaining()
            )));
        }
        let s = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N, what)?);
        Ok(a)
    }

    /// A `u8`.
    pub fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }

    /// A `u32`.
    pub fn u32(&mut self, what: &str) -> Result<u32> {
        self.array(what).map(u32::from_le_bytes)
    }

    /// A `u64`.
    pub fn u64(&mut self, what: &str) -> Result<u64> {
        self.array(what).map(u64::from_le_bytes)
    }

    /// An `i16`.
    pub fn i16(&mut self, what: &str) -> Result<i16> {
        self.array(what).map(i16::from_le_bytes)
    }

    /// A count of items of `item_bytes` bytes each, checked to fit in what remains (so the
    /// caller may allocate it).
    fn count(&mut self, width: usize, item_bytes: usize, what: &str) -> Result<usize> {
        let n = if width == 4 {
            self.u32(what)? as u64
        } else {
            self.u64(what)?
        };
        let fits = n
            .checked_mul(item_bytes as u64)
            .is_some_and(|b| b <= self.remaining() as u64);
        if !fits {
            return Err(self.error(format_args!(
                "{what}: a count of {n} items of {item_bytes} bytes does not fit in the {} \
                 bytes left",
                self.remaining()
            )));
        }
        Ok(n as usize)
    }

    /// A string (`u32` length, UTF-8).
    pub fn string(&mut self, what: &str) -> Result<String> {
        let n = self.count(4, 1, what)?;
        let at = self.pos;
        let bytes = self.take(n, what)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.to_owned()),
            Err(_) => {
                self.pos = at;
                Err(self.error(format_args!("{what} is not valid UTF-8")))
            }
        }
    }

    /// A list of strings (`u32` count; each at least its 4-byte length).
    pub fn strings(&mut self, what: &str) -> Result<Vec<String>> {
        let n = self.count(4, 4, what)?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(self.string(what)?);
        }
        Ok(out)
    }

    /// An `f32` array (`u64` count).
    pub fn f32s(&mut self, what: &str) -> Result<Vec<f32>> {
        let n = self.count(8, 4, what)?;
        let bytes = self.take(n * 4, what)?;
        Ok(bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect())
    }

    /// An `i64` array (`u64` count).
    pub fn i64s(&mut self, what: &str) -> Result<Vec<i64>> {
        let n = self.count(8, 8, what)?;
        let bytes = self.take(n * 8, what)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                i64::from_le_bytes(a)
            })
            .collect())
    }

    /// Ends the section: bytes left over are an error.
    pub fn finish(&self) -> Result<()> {
        if self.remaining() != 0 {
            return Err(self.error(format_args!(
                "{} unexpected bytes at the end of the section",
                self.remaining()
            )));
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Parameters

/// `PARM` payload: the model's index (`u32`, its place in the header's model list), then its
/// flat parameter buffer as an `f32` array (padding included, as [`crate::nn::ParamLayout`]
/// lays it out).
pub fn put_params(out: &mut Vec<u8>, model: u32, values: &[f32]) {
    put_u32(out, model);
    put_f32s(out, values);
}

/// Reads a `PARM` payload: (model index, values).
pub fn read_params(section: &Section<'_>, source: &str) -> Result<(u32, Vec<f32>)> {
    let mut r = SectionReader::new(section, source);
    let model = r.u32("the model index")?;
    let values = r.f32s("the parameter values")?;
    r.finish()?;
    Ok((model, values))
}

// ---------------------------------------------------------------------------------------------
// Local scaler

/// `LSCL` payload: kind (string, NeuralForecast's name), column names (strings), number of
/// series S (`u64`), then the (C, S) statistics as an `f32` array of `2·C·S` values (offset,
/// scale pairs; λ, 0 for Box-Cox).
pub fn put_local_scaler(out: &mut Vec<u8>, scaler: &LocalScaler) {
    let (kind, columns, n_series, stats) = scaler.to_parts();
    put_str(out, kind.name());
    put_strs(out, columns);
    put_u64(out, n_series as u64);
    put_u64(out, (stats.len() * 2) as u64);
    for [a, b] in stats {
        out.extend_from_slice(&a.to_le_bytes());
        out.extend_from_slice(&b.to_le_bytes());
    }
}

/// Reads an `LSCL` payload.
pub fn read_local_scaler(section: &Section<'_>, source: &str) -> Result<LocalScaler> {
    let mut r = SectionReader::new(section, source);
    let name = r.string("the scaler kind")?;
    let kind = LocalScalerKind::parse(&name)
        .map_err(|_| r.error(format_args!("unknown local scaler '{name}'")))?;
    let columns = r.strings("the scaled column names")?;
    let n_series = r.u64("the number of series")?;
    let values = r.f32s("the scaler statistics")?;
    r.finish()?;
    let stats: Vec<[f32; 2]> = values.chunks_exact(2).map(|p| [p[0], p[1]]).collect();
    let odd = !values.len().is_multiple_of(2);
    let n_series = usize::try_from(n_series).unwrap_or(usize::MAX);
    match LocalScaler::from_parts(kind, columns, n_series, stats) {
        Ok(s) if !odd => Ok(s),
        Ok(_) => Err(r.error("an odd number of scaler statistics")),
        Err(e) => Err(r.error(e.message)),
    }
}

// ---------------------------------------------------------------------------------------------
// Dataset

/// Timestamps of dates and datetimes must lie within this many microseconds of 1970 (about
/// ±20 000 years), so calendar arithmetic on them cannot overflow.
const MAX_ABS_MICROS: i64 = 20_000 * 366 * MICROS_PER_DAY;

fn time_kind_code(kind: TimeKind) -> u8 {
    match kind {
        TimeKind::Integer => 0,
        TimeKind::Date => 1,
        TimeKind::DateTime => 2,
    }
}

/// `DATA` payload, in this order: ids (strings); offsets (`u64` count S + 1, then `u64`s);
/// time kind (`u8`: 0 integer, 1 date, 2 datetime); UTC offset (`u8` 0 absent / 1 present,
/// then `i16` minutes); freq (string, pandas alias); times (`i64` array, N); y (`f32` array,
/// N); mask (`f32` array, N); future-known exogenous (names, then `f32` array C·N column after
/// column); historical exogenous (same); static exogenous (names, then `f32` array S·C series
/// after series).
pub fn put_dataset(out: &mut Vec<u8>, ds: &Dataset) {
    put_strs(out, &ds.ids);
    put_u64(out, ds.offsets.len() as u64);
    for &o in &ds.offsets {
        put_u64(out, o as u64);
    }
    put_u8(out, time_kind_code(ds.time_kind));
    put_u8(out, ds.offset_minutes.is_some() as u8);
    out.extend_from_slice(&ds.offset_minutes.unwrap_or(0).to_le_bytes());
    put_str(out, &ds.freq.to_string());
    put_i64s(out, &ds.times);
    put_f32s(out, &ds.y);
    put_f32s(out, &ds.mask);
    for block in [&ds.futr_exog, &ds.hist_exog] {
        put_strs(out, &block.names);
        put_f32s(out, &block.values);
    }
    put_strs(out, &ds.static_exog.names);
    put_f32s(out, &ds.static_exog.values);
}

/// Reads a `DATA` payload and checks the dataset's invariants.
pub fn read_dataset(section: &Section<'_>, source: &str) -> Result<Dataset> {
    let mut r = SectionReader::new(section, source);
    let ids = r.strings("the series ids")?;
    let n_offsets = r.count(8, 8, "the series offsets")?;
    let mut offsets = Vec::with_capacity(n_offsets);
    for _ in 0..n_offsets {
        let o = r.u64("a series offset")?;
        offsets.push(usize::try_from(o).unwrap_or(usize::MAX));
    }
    let time_kind = match r.u8("the time kind")? {
        0 => TimeKind::Integer,
        1 => TimeKind::Date,
        2 => TimeKind::DateTime,
        k => return Err(r.error(format_args!("unknown time kind {k}"))),
    };
    let has_offset = r.u8("the UTC offset flag")?;
    let minutes = r.i16("the UTC offset")?;
    let offset_minutes = match has_offset {
        0 => None,
        1 if minutes.unsigned_abs() < 24 * 60 => Some(minutes),
        1 => return Err(r.error(format_args!("UTC offset of {minutes} minutes"))),
        f => return Err(r.error(format_args!("UTC offset flag {f} (expected 0 or 1)"))),
    };
    let freq_text = r.string("the frequency")?;
    let freq = Freq::parse(&freq_text)
        .map_err(|_| r.error(format_args!("'{freq_text}' is not a frequency")))?;
    let times = r.i64s("the timestamps")?;
    let y = r.f32s("the target values")?;
    let mask = r.f32s("the availability mask")?;
    let mut blocks = Vec::with_capacity(2);
    for what in ["future-known exogenous", "historical exogenous"] {
        let names = r.strings(&format!("the {what} column names"))?;
        let values = r.f32s(&format!("the {what} values"))?;
        blocks.push(ExogBlock { names, values });
    }
    let static_names = r.strings("the static exogenous column names")?;
    let static_values = r.f32s("the static exogenous values")?;
    r.finish()?;
    let hist_exog = blocks.pop().unwrap_or_default();
    let futr_exog = blocks.pop().unwrap_or_default();
    let ds = Dataset {
        ids,
        offsets,
        time_kind,
        offset_minutes,
        freq,
        times,
        y,
        mask,
        futr_exog,
        hist_exog,
        static_exog: StaticBlock {
            names: static_names,
            values: static_values,
        },
    };
    check_dataset(&ds).map_err(|why| {
        file_error(
            source,
            format!("malformed section 'DATA' (training data): {why}"),
        )
    })?;
    Ok(ds)
}

/// The invariants [`Dataset::from_frame`] guarantees and prediction relies on.
pub fn check_dataset(ds: &Dataset) -> std::result::Result<(), String> {
    let s = ds.ids.len();
    let n = ds.y.len();
    if s == 0 {
        return Err("no series".into());
    }
    let mut seen = std::collections::HashSet::with_capacity(s);
    if let Some(dup) = ds.ids.iter().find(|id| !seen.insert(id.as_str())) {
        return Err(format!("series id '{dup}' appears twice"));
    }
    if ds.offsets.len() != s + 1 {
        return Err(format!("{} offsets for {s} series", ds.offsets.len()));
    }
    if ds.offsets[0] != 0 || ds.offsets[s] != n {
        return Err(format!(
            "offsets run from {} to {}, expected 0 to {n} rows",
            ds.offsets[0], ds.offsets[s]
        ));
    }
    if let Some(i) = (0..s).find(|&i| ds.offsets[i + 1] <= ds.offsets[i]) {
        return Err(format!("series '{}' is empty or out of order", ds.ids[i]));
    }
    if ds.times.len() != n || ds.mask.len() != n {
        return Err(format!(
            "{n} target values but {} timestamps and {} mask values",
            ds.times.len(),
            ds.mask.len()
        ));
    }
    if ds.mask.iter().any(|&m| m != 0.0 && m != 1.0) {
        return Err("mask values other than 0 and 1".into());
    }
    for (what, block) in [
        ("future-known", &ds.futr_exog),
        ("historical", &ds.hist_exog),
    ] {
        if Some(block.values.len()) != block.names.len().checked_mul(n) {
            return Err(format!(
                "{} {what} exogenous values for {} columns of {n} rows",
                block.values.len(),
                block.names.len()
            ));
        }
    }
    let st = &ds.static_exog;
    if Some(st.values.len()) != st.names.len().checked_mul(s) {
        return Err(format!(
            "{} static exogenous values for {} columns of {s} series",
            st.values.len(),
            st.names.len()
        ));
    }
    if !ds.freq.fits(ds.time_kind) {
        return Err(format!(
            "frequency '{}' does not fit {:?} timestamps",
            ds.freq, ds.time_kind
        ));
    }
    if ds.time_kind != TimeKind::Integer {
        if let Some(t) = ds
            .times
            .iter()
            .find(|t| t.unsigned_abs() > MAX_ABS_MICROS as u64)
        {
            return Err(format!("timestamp {t} is out of range"));
        }
    }
    for i in 0..s {
        let times = &ds.times[ds.offsets[i]..ds.offsets[i + 1]];
        if !ds.freq.is_on_grid(times[0]) {
            return Err(format!(
                "series '{}' starts off its frequency's grid",
                ds.ids[i]
            ));
        }
        if let Some(w) = times
            .windows(2)
            .find(|w| ds.freq.steps_between(w[0], w[1]) != Some(1))
        {
            return Err(format!(
                "series '{}': timestamps {} and {} are not one '{}' step apart",
                ds.ids[i],
                ds.show_time(w[0]),
                ds.show_time(w[1]),
                ds.freq
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::format::{Container, ContainerWriter};
    use super::*;

    fn one_section(tag: &[u8; 4], write: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
        let mut w = ContainerWriter::new();
        w.section(tag, write);
        w.finish()
    }

    fn sample_dataset() -> Dataset {
        let mut ds = Dataset::from_series(&[("a", &[1.0, 2.0, f32::NAN]), ("b", &[4.0, -0.0])]);
        ds.mask[2] = 0.0;
        ds.futr_exog = ExogBlock {
            names: vec!["promo".into()],
            values: vec![0.0, 1.0, 0.0, 1.0, 1.0],
        };
        ds.hist_exog = ExogBlock {
            names: vec!["x1".into(), "x2".into()],
            values: (0..10).map(|i| i as f32 * 0.5).collect(),
        };
        ds.static_exog = StaticBlock {
            names: vec!["size".into()],
            values: vec![3.0, 7.0],
        };
        ds
    }

    fn same_bits(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.to_bits() == y.to_bits())
    }

    #[test]
    fn dataset_round_trips_bit_for_bit() {
        let ds = sample_dataset();
        let file = one_section(b"DATA", |b| put_dataset(b, &ds));
        let c = Container::parse(&file, "m.ndf").unwrap();
        let back = read_dataset(&c.sections[0], "m.ndf").unwrap();
        assert!(same_bits(&back.y, &ds.y));
        assert_eq!(back.ids, ds.ids);
        assert_eq!(back.offsets, ds.offsets);
        assert_eq!(back.times, ds.times);
        assert_eq!(back.mask, ds.mask);
        assert_eq!(back.futr_exog, ds.futr_exog);
        assert_eq!(back.hist_exog, ds.hist_exog);
        assert_eq!(back.static_exog, ds.static_exog);
        assert_eq!(
            (back.time_kind, back.offset_minutes, back.freq),
            (ds.time_kind, ds.offset_minutes, ds.freq)
        );
    }

    #[test]
    fn dates_with_an_offset_and_a_monthly_freq_round_trip() {
        use crate::data::datetime::days_from_civil;
        let mut ds = Dataset::from_series(&[("s", &[1.0, 2.0])]);
        ds.time_kind = TimeKind::DateTime;
        ds.offset_minutes = Some(-330);
        ds.freq = Freq::MonthStart(1);
        ds.times = vec![
            days_from_civil(2020, 1, 1) * MICROS_PER_DAY,
            days_from_civil(2020, 2, 1) * MICROS_PER_DAY,
        ];
        let file = one_section(b"DATA", |b| put_dataset(b, &ds));
        let c = Container::parse(&file, "m.ndf").unwrap();
        assert_eq!(read_dataset(&c.sections[0], "m.ndf").unwrap(), ds);
    }

    #[test]
    fn inconsistent_datasets_are_rejected_with_the_reason() {
        type Edit = Box<dyn Fn(&mut Dataset)>;
        let cases: Vec<(Edit, &str)> = vec![
            (Box::new(|d| d.offsets[1] = 9), "empty or out of order"),
            (
                Box::new(|d| d.offsets.pop().map(|_| ()).unwrap()),
                "offsets for",
            ),
            (Box::new(|d| d.times[1] = 5), "not one '1' step apart"),
            (Box::new(|d| d.mask[0] = 0.5), "mask values"),
            (Box::new(|d| d.ids[1] = "a".into()), "appears twice"),
            (
                Box::new(|d| d.hist_exog.values.push(1.0)),
                "historical exogenous",
            ),
            (
                Box::new(|d| d.static_exog.values.pop().map(|_| ()).unwrap()),
                "static",
            ),
            (Box::new(|d| d.freq = Freq::Days(1)), "does not fit"),
            (
                Box::new(|d| d.y.pop().map(|_| ()).unwrap()),
                "offsets run from",
            ),
        ];
        for (edit, want) in cases {
            let mut ds = sample_dataset();
            edit(&mut ds);
            let file = one_section(b"DATA", |b| put_dataset(b, &ds));
            let c = Container::parse(&file, "m.ndf").unwrap();
            let e = read_dataset(&c.sections[0], "m.ndf")
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("m.ndf: malformed section 'DATA'"), "{e}");
            assert!(e.contains(want), "{want}: {e}");
        }
    }

    #[test]
    fn every_cut_of_a_payload_is_an_error_naming_the_section() {
        let ds = sample_dataset();
        let mut payload = Vec::new();
        put_dataset(&mut payload, &ds);
        for cut in 0..payload.len() {
            let file = one_section(b"DATA", |b| b.extend_from_slice(&payload[..cut]));
            let c = Container::parse(&file, "m.ndf").unwrap();
            let e = read_dataset(&c.sections[0], "m.ndf").unwrap_err();
            assert!(e.message.contains("section 'DATA'"), "{cut}: {e}");
        }
    }

    #[test]
    fn huge_counts_do_not_allocate() {
        let file = one_section(b"DATA", |b| {
            put_u32(b, u32::MAX); // ids count far beyond the payload
        });
        let c = Container::parse(&file, "m.ndf").unwrap();
        let e = read_dataset(&c.sections[0], "m.ndf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("does not fit"), "{e}");
        let file = one_section(b"PARM", |b| {
            put_u32(b, 0);
            put_u64(b, u64::MAX / 2);
        });
        let c = Container::parse(&file, "m.ndf").unwrap();
        let e = read_params(&c.sections[0], "m.ndf")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("does not fit") && e.contains("at byte 52"),
            "{e}"
        );
    }

    #[test]
    fn local_scaler_round_trips() {
        let mut ds = sample_dataset();
        ds.y[2] = 0.0;
        for kind in LocalScalerKind::ALL {
            if kind == LocalScalerKind::BoxCox {
                ds.futr_exog.values.iter_mut().for_each(|v| *v += 1.0);
                ds.hist_exog.values.iter_mut().for_each(|v| *v += 1.0);
                ds.y[3] = 4.0;
                ds.y[4] = 2.0;
            }
            let sc = LocalScaler::fit(&ds, kind).unwrap();
            let file = one_section(b"LSCL", |b| put_local_scaler(b, &sc));
            let c = Container::parse(&file, "m.ndf").unwrap();
            assert_eq!(read_local_scaler(&c.sections[0], "m.ndf").unwrap(), sc);
        }
    }
}
