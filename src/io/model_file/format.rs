//! The container: magic number, format version, length, typed sections, checksums.
//!
//! This layer knows nothing of models: it writes and reads a list of `(tag, payload)` sections
//! (see the byte layout in [`super`]) and guarantees that a successfully parsed container is
//! byte for byte what was written. Parsing borrows the payloads from the input (no copies), and
//! never allocates from a length field before checking it against the bytes that remain.

use super::checksum::crc32c;
use crate::error::{Error, ErrorKind, Location, Result};

/// The 8 bytes every model file starts with: `8E 4E 44 46 0D 0A 1A 0A`. As PNG's signature
/// does, each byte catches a kind of damage: `8E` (high bit set) a transfer that strips the
/// 8th bit, `NDF` names the format to a person looking at a hex dump, `0D 0A` a conversion of
/// CRLF line endings to LF, `1A` (Ctrl-Z) stops a DOS `type`, and the final `0A` a conversion
/// of LF to CRLF.
pub const MAGIC: [u8; 8] = [0x8E, b'N', b'D', b'F', b'\r', b'\n', 0x1A, b'\n'];

/// The newest format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Bytes of the fixed header: magic (8), version (4), total length (8), section count (4),
/// header checksum (4).
pub const HEADER_LEN: usize = 28;

/// Bytes before each section's payload: tag (4) and payload length (8).
pub const SECTION_HEADER_LEN: usize = 12;

/// Bytes of the closing checksum.
pub const TRAILER_LEN: usize = 4;

/// One section: a 4-byte ASCII tag and its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Section<'a> {
    /// The tag (`HEAD`, `PARM`, ...). A tag starting with an upper-case letter is critical (a
    /// reader that does not know it must refuse the file); lower-case first letters mark
    /// sections a reader may skip (PNG's convention).
    pub tag: [u8; 4],
    /// The payload bytes.
    pub payload: &'a [u8],
    /// Byte offset of the payload in the file (for error messages).
    pub offset: usize,
}

impl Section<'_> {
    /// The tag as text.
    pub fn tag_str(&self) -> &str {
        tag_text(&self.tag)
    }

    /// Whether a reader must understand this section to use the file.
    pub fn is_critical(&self) -> bool {
        self.tag[0].is_ascii_uppercase()
    }
}

/// A parsed container: the version it was written with and its sections in file order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Container<'a> {
    /// The format version in the file (at most [`FORMAT_VERSION`]).
    pub version: u32,
    /// The sections, in file order.
    pub sections: Vec<Section<'a>>,
}

/// Writes a container section by section, straight into one buffer.
#[derive(Debug)]
pub struct ContainerWriter {
    buf: Vec<u8>,
    count: u32,
}

impl Default for ContainerWriter {
    fn default() -> ContainerWriter {
        ContainerWriter::new()
    }
}

impl ContainerWriter {
    /// A container with no sections yet (the header is filled in by [`ContainerWriter::finish`]).
    pub fn new() -> ContainerWriter {
        let mut buf = Vec::with_capacity(4096);
        buf.extend_from_slice(&MAGIC);
        buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        buf.resize(HEADER_LEN, 0);
        ContainerWriter { buf, count: 0 }
    }

    /// Appends a section whose payload `write` appends to the buffer it is given.
    ///
    /// # Panics
    /// If `tag` is not four ASCII letters, digits or spaces starting with a letter (tags are
    /// constants of our own code).
    pub fn section(&mut self, tag: &[u8; 4], write: impl FnOnce(&mut Vec<u8>)) {
        assert!(valid_tag(tag), "bad section tag {tag:?}");
        self.buf.extend_from_slice(tag);
        let len_at = self.buf.len();
        self.buf.extend_from_slice(&[0; 8]);
        write(&mut self.buf);
        let len = (self.buf.len() - len_at - 8) as u64;
        self.buf[len_at..len_at + 8].copy_from_slice(&len.to_le_bytes());
        self.count += 1;
    }

    /// The finished file: header fields, header checksum and closing checksum filled in.
    pub fn finish(mut self) -> Vec<u8> {
        let total = (self.buf.len() + TRAILER_LEN) as u64;
        self.buf[12..20].copy_from_slice(&total.to_le_bytes());
        self.buf[20..24].copy_from_slice(&self.count.to_le_bytes());
        let head = crc32c(&self.buf[..24]);
        self.buf[24..28].copy_from_slice(&head.to_le_bytes());
        let all = crc32c(&self.buf);
        self.buf.extend_from_slice(&all.to_le_bytes());
        self.buf
    }
}

/// Recomputes the total length, both checksums and nothing else of a file edited by hand, so
/// that tests and fuzzers can reach the section decoders with arbitrary section contents.
/// Files shorter than the fixed header are left as they are.
pub fn reseal(bytes: &mut [u8]) {
    if bytes.len() < HEADER_LEN + TRAILER_LEN {
        return;
    }
    let total = bytes.len() as u64;
    bytes[12..20].copy_from_slice(&total.to_le_bytes());
    let head = crc32c(&bytes[..24]);
    bytes[24..28].copy_from_slice(&head.to_le_bytes());
    let end = bytes.len() - TRAILER_LEN;
    let all = crc32c(&bytes[..end]);
    bytes[end..].copy_from_slice(&all.to_le_bytes());
}

fn valid_tag(tag: &[u8; 4]) -> bool {
    tag[0].is_ascii_alphabetic() && tag.iter().all(|b| b.is_ascii_alphanumeric() || *b == b' ')
}

fn tag_text(tag: &[u8; 4]) -> &str {
    std::str::from_utf8(tag).unwrap_or("????")
}

/// What a section of format version 1 holds, for messages.
pub fn describe(tag: &[u8; 4]) -> &'static str {
    match tag {
        b"HEAD" => "header",
        b"PARM" => "model parameters",
        b"LSCL" => "local scaler state",
        b"DATA" => "training data",
        _ => "unknown section",
    }
}

/// A `ModelFile` error about `source`.
pub(crate) fn file_error(source: &str, message: impl Into<String>) -> Error {
    Error::new(ErrorKind::ModelFile, Location::file(source), message)
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(b)
}

/// Why the first bytes are not our magic number, in words.
fn not_a_model_file(bytes: &[u8], source: &str) -> Error {
    // Our magic after the usual kinds of text-mode damage.
    let crlf_to_lf = [0x8E, b'N', b'D', b'F', b'\n', 0x1A, b'\n'];
    let lf_to_crlf = [
        0x8E, b'N', b'D', b'F', b'\r', b'\r', b'\n', 0x1A, b'\r', b'\n',
    ];
    let hint = if bytes.starts_with(&crlf_to_lf) || bytes.starts_with(&lf_to_crlf) {
        " (it looks like a model file whose line endings were converted by a text-mode \
         transfer; copy it in binary mode)"
    } else if bytes.len() >= 4 && bytes[0] == 0x0E && &bytes[1..4] == b"NDF" {
        " (it looks like a model file whose bytes lost their 8th bit in a 7-bit transfer)"
    } else {
        ""
    };
    file_error(
        source,
        format!("not a neuro-divergent model file: it does not start with the model file magic number{hint}"),
    )
}

impl<'a> Container<'a> {
    /// Parses and verifies a whole file. `source` names it in errors.
    ///
    /// Checks, in this order: the magic number; the format version (a newer one is refused
    /// before anything else is read, since its layout may differ); the header checksum; the
    /// length (shorter: truncated, with the section it ends in; longer: bytes appended); the
    /// closing checksum over everything before it; then the section structure.
    pub fn parse(bytes: &'a [u8], source: &str) -> Result<Container<'a>> {
        let len = bytes.len();
        if len < MAGIC.len() {
            if len == 0 {
                return Err(file_error(
                    source,
                    "not a neuro-divergent model file: the file is empty",
                ));
            }
            if bytes == &MAGIC[..len] {
                return Err(file_error(
                    source,
                    format!("truncated model file: it ends at byte {len}, inside the magic number"),
                ));
            }
            return Err(not_a_model_file(bytes, source));
        }
        if bytes[..8] != MAGIC {
            return Err(not_a_model_file(bytes, source));
        }
        if len < 12 {
            return Err(truncated_in_header(len, source));
        }
        let version = u32_at(bytes, 8);
        if version > FORMAT_VERSION {
            return Err(file_error(
                source,
                format!(
                    "written by a newer neuro-divergent: format {version}, this build reads up \
                     to {FORMAT_VERSION}; upgrade neuro-divergent to read it"
                ),
            ));
        }
        if version == 0 {
            return Err(file_error(
                source,
                "corrupted model file: format version 0 does not exist",
            ));
        }
        if len < HEADER_LEN {
            return Err(truncated_in_header(len, source));
        }
        let stored = u32_at(bytes, 24);
        let computed = crc32c(&bytes[..24]);
        if stored != computed {
            return Err(file_error(
                source,
                format!(
                    "corrupted model file: header checksum mismatch (stored {stored:#010x}, \
                     computed {computed:#010x})"
                ),
            ));
        }
        let total = u64_at(bytes, 12);
        let count = u32_at(bytes, 20);
        if total < (HEADER_LEN + TRAILER_LEN) as u64 {
            return Err(file_error(
                source,
                format!("malformed model file: its header gives a length of {total} bytes"),
            ));
        }
        if (len as u64) < total {
            return Err(file_error(
                source,
                format!(
                    "truncated model file: it has {len} bytes of the {total} its header \
                     announces; it ends {}",
                    where_it_ends(bytes, count)
                ),
            ));
        }
        if (len as u64) > total {
            return Err(file_error(
                source,
                format!(
                    "corrupted model file: {} unexpected bytes after its end at byte {total}",
                    len as u64 - total
                ),
            ));
        }
        let end = len - TRAILER_LEN;
        let stored = u32_at(bytes, end);
        let computed = crc32c(&bytes[..end]);
        if stored != computed {
            return Err(file_error(
                source,
                format!(
                    "corrupted model file: checksum mismatch (stored {stored:#010x}, computed \
                     {computed:#010x}); the file was changed after it was written"
                ),
            ));
        }
        let sections = walk(bytes, end, count, source)?;
        Ok(Container { version, sections })
    }

    /// The sections tagged `tag`, in file order.
    pub fn all(&self, tag: &[u8; 4]) -> impl Iterator<Item = &Section<'a>> + '_ {
        let tag = *tag;
        self.sections.iter().filter(move |s| s.tag == tag)
    }

    /// The one section tagged `tag`, `None` when absent; an error when repeated.
    pub fn one(&self, tag: &[u8; 4], source: &str) -> Result<Option<&Section<'a>>> {
        let mut it = self.all(tag);
        let first = it.next();
        if let Some(second) = it.next() {
            return Err(file_error(
                source,
                format!(
                    "malformed model file: section '{}' ({}) appears twice (second at byte {})",
                    tag_text(tag),
                    describe(tag),
                    second.offset - SECTION_HEADER_LEN
                ),
            ));
        }
        Ok(first)
    }
}

fn truncated_in_header(len: usize, source: &str) -> Error {
    file_error(
        source,
        format!("truncated model file: it ends at byte {len}, inside the {HEADER_LEN}-byte header"),
    )
}

/// Where a file cut short ends, in terms of its sections (best effort: nothing past the cut
/// can be checked).
fn where_it_ends(bytes: &[u8], count: u32) -> String {
    let len = bytes.len();
    let mut pos = HEADER_LEN;
    for i in 1..=count as u64 {
        if pos + SECTION_HEADER_LEN > len {
            return format!("at byte {len}, inside the header of section {i} (byte {pos})");
        }
        let tag = [bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]];
        let payload = u64_at(bytes, pos + 4);
        let start = pos + SECTION_HEADER_LEN;
        let end = (start as u64).saturating_add(payload);
        if end > len as u64 {
            return format!(
                "at byte {len}, inside section {i} of {count}, '{}' ({}), whose payload spans \
                 bytes {start}..{end}",
                tag_text(&tag).escape_default(),
                describe(&tag)
            );
        }
        pos = end as usize;
    }
    format!(
        "at byte {len}, inside the closing checksum (bytes {pos}..{})",
        pos + TRAILER_LEN
    )
}

/// Splits bytes `HEADER_LEN..end` into `count` sections, checking every length.
fn walk<'a>(bytes: &'a [u8], end: usize, count: u32, source: &str) -> Result<Vec<Section<'a>>> {
    let malformed = |msg: String| file_error(source, format!("malformed model file: {msg}"));
    // Every section needs at least its 12-byte header: bound the allocation by the bytes.
    let room = (end - HEADER_LEN) / SECTION_HEADER_LEN;
    if count as usize > room {
        return Err(malformed(format!(
            "the header announces {count} sections, but only {} bytes follow it",
            end - HEADER_LEN
        )));
    }
    let mut sections = Vec::with_capacity(count as usize);
    let mut pos = HEADER_LEN;
    for i in 1..=count {
        if end - pos < SECTION_HEADER_LEN {
            return Err(malformed(format!(
                "section {i} of {count} would start at byte {pos}, past the last section"
            )));
        }
        let tag = [bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]];
        if !valid_tag(&tag) {
            return Err(malformed(format!(
                "section {i} at byte {pos} has an invalid tag {:?}",
                String::from_utf8_lossy(&tag)
            )));
        }
        let payload = u64_at(bytes, pos + 4);
        let start = pos + SECTION_HEADER_LEN;
        if payload > (end - start) as u64 {
            return Err(malformed(format!(
                "section {i} '{}' at byte {pos} claims {payload} bytes, only {} remain",
                tag_text(&tag),
                end - start
            )));
        }
        let stop = start + payload as usize;
        sections.push(Section {
            tag,
            payload: &bytes[start..stop],
            offset: start,
        });
        pos = stop;
    }
    if pos != end {
        return Err(malformed(format!(
            "{} bytes between the last section (ends at byte {pos}) and the checksum",
            end - pos
        )));
    }
    Ok(sections)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut w = ContainerWriter::new();
        w.section(b"HEAD", |b| b.extend_from_slice(b"{}"));
        w.section(b"PARM", |b| b.extend_from_slice(&[1, 2, 3, 4, 5]));
        w.section(b"note", |_| {});
        w.finish()
    }

    #[test]
    fn writes_the_documented_layout() {
        let f = sample();
        assert_eq!(&f[..8], &MAGIC);
        assert_eq!(u32_at(&f, 8), FORMAT_VERSION);
        assert_eq!(u64_at(&f, 12), f.len() as u64);
        assert_eq!(u32_at(&f, 20), 3);
        assert_eq!(u32_at(&f, 24), crc32c(&f[..24]));
        assert_eq!(&f[28..32], b"HEAD");
        assert_eq!(u64_at(&f, 32), 2);
        assert_eq!(&f[40..42], b"{}");
        let n = f.len();
        assert_eq!(n, 28 + (12 + 2) + (12 + 5) + 12 + 4);
        assert_eq!(u32_at(&f, n - 4), crc32c(&f[..n - 4]));
    }

    #[test]
    fn parses_what_it_writes() {
        let f = sample();
        let c = Container::parse(&f, "m.ndf").unwrap();
        assert_eq!(c.version, 1);
        let tags: Vec<&str> = c.sections.iter().map(|s| s.tag_str()).collect();
        assert_eq!(tags, ["HEAD", "PARM", "note"]);
        assert_eq!(c.sections[1].payload, &[1, 2, 3, 4, 5]);
        assert_eq!(c.sections[0].offset, 40);
        assert!(c.sections[1].is_critical() && !c.sections[2].is_critical());
        assert_eq!(c.one(b"PARM", "m.ndf").unwrap().unwrap().payload.len(), 5);
        assert!(c.one(b"DATA", "m.ndf").unwrap().is_none());
    }

    #[test]
    fn text_mode_damage_is_named() {
        let f = sample();
        let mut crlf_to_lf = f.clone();
        crlf_to_lf.remove(4);
        let e = Container::parse(&crlf_to_lf, "m.ndf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line endings were converted"), "{e}");
        let mut seven_bit = f.clone();
        seven_bit[0] &= 0x7F;
        let e = Container::parse(&seven_bit, "m.ndf")
            .unwrap_err()
            .to_string();
        assert!(e.contains("8th bit"), "{e}");
    }

    #[test]
    fn reseal_repairs_lengths_and_checksums_only() {
        let mut f = sample();
        f[40] = b'[';
        assert!(Container::parse(&f, "x").is_err());
        reseal(&mut f);
        let c = Container::parse(&f, "x").unwrap();
        assert_eq!(c.sections[0].payload, b"[}");
    }

    #[test]
    fn a_sealed_file_with_bad_structure_is_malformed_not_a_panic() {
        let mut f = sample();
        f[20] = 200; // section count
        reseal(&mut f);
        let e = Container::parse(&f, "x").unwrap_err().to_string();
        assert!(e.contains("malformed") && e.contains("200 sections"), "{e}");
        let mut f = sample();
        f[20] = 2; // one section too few: bytes left before the checksum
        reseal(&mut f);
        let e = Container::parse(&f, "x").unwrap_err().to_string();
        assert!(e.contains("between the last section"), "{e}");
        let mut f = sample();
        f[32] = 0xFF; // HEAD's length
        reseal(&mut f);
        let e = Container::parse(&f, "x").unwrap_err().to_string();
        assert!(e.contains("claims"), "{e}");
    }
}
