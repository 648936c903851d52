//! Model files (`.ndf`): a versioned, self-describing, checksummed binary container holding
//! a forecaster's configuration, parameters, scaler state and the training data prediction
//! needs.
//!
//! Layers: [`format`](mod@format) writes and verifies the container (magic, version, length, sections,
//! checksums) and knows nothing of models; [`codec`] turns datasets, scaler state and
//! parameter blobs into section payloads and back; [`snapshot`] assembles a whole file from
//! plain parts; `forecast::persist` maps `NeuralForecast` onto those parts.
//!
//! # Byte layout, format version 1
//!
//! Every integer and float is little-endian. Offsets are from the start of the file.
//!
//! ```text
//! offset  size  field
//! 0       8     magic: 8E 4E 44 46 0D 0A 1A 0A  ("\x8eNDF\r\n\x1a\n", see format::MAGIC)
//! 8       4     format version, u32 (1). Bytes 0..12 keep this meaning in every version.
//! 12      8     total file length in bytes, u64, the closing checksum included
//! 20      4     number of sections, u32
//! 24      4     CRC-32C of bytes 0..24 (the header checksum)
//! 28      …     the sections, one after another:
//!                 4  tag: ASCII letters/digits/spaces, starting with a letter. An upper-case
//!                    first letter marks a section a reader must understand (it refuses the
//!                    file otherwise); a lower-case one a section it may skip.
//!                 8  payload length P, u64
//!                 P  payload
//! len-4   4     CRC-32C of bytes 0..len-4 (everything before it)
//! ```
//!
//! Sections of version 1, in the order they are written:
//!
//! - `HEAD` (exactly one, first): UTF-8 JSON object:
//!   `format` (`"neuro-divergent model file"`), `format_version` (1), `library_version`
//!   (the writer's crate version), `freq` (pandas alias), `roles` (`id_col`, `time_col`,
//!   `target_col`), `local_scaler_type` (NeuralForecast's name or `null`), `models`: a list
//!   of `{name` (registry name), `class_name`, `alias`, `hyperparams` (every resolved
//!   hyperparameter, `Model::hyperparams()`), `params}` where `params` is `null` (no
//!   parameters saved) or `{floats` (flat buffer length, padding included), `tensors`: list
//!   of `{name, shape, offset}}` (the `ParamLayout`, checked against the rebuilt model),
//!   and `state`: a JSON object of further forecaster state (see `forecast::persist`).
//! - `PARM` (one per model with parameters): model index u32 (its place in `models`), count
//!   N u64, then N f32 (the flat parameter buffer, bit for bit).
//! - `LSCL` (at most one, fitted forecasters with a local scaler): kind (string), column names
//!   (string list: `y`, future-known, historical), series count S u64, count 2·C·S u64, then
//!   2·C·S f32: (offset, scale) — for Box-Cox (λ, 0) — column after column, series after
//!   series within a column.
//! - `DATA` (at most one, fitted forecasters): the training `Dataset`: ids (string list);
//!   offsets (count S+1 u64, then S+1 u64); time kind u8 (0 integer, 1 date, 2 datetime);
//!   UTC offset present u8 (0/1) and minutes i16; freq (string); times (count N u64, N i64:
//!   integers, or microseconds since 1970-01-01 wall-clock); y (count u64, N f32); mask
//!   (count u64, N f32); future-known exogenous (names: string list, values: count u64 then
//!   C·N f32, column after column); historical exogenous (same); static exogenous (names,
//!   values: count u64 then S·C f32, series after series).
//!
//! A string is its byte length u32 then UTF-8 bytes; a string list is a count u32 then the
//! strings.
//!
//! # Reading
//!
//! Checks run in the order of the layout: magic ("not a neuro-divergent model file", with a
//! hint when the magic shows text-mode or 7-bit damage), version (a newer one is refused at
//! once: "written by a newer neuro-divergent: format N, this build reads up to M"), header
//! checksum, length ("truncated", naming the section and byte where the file ends; or bytes
//! appended), the closing checksum ("corrupted": any change of up to 32 consecutive bits is
//! certain to be caught, and other damage with probability 1 − 2⁻³²), then the contents.
//! Contents that pass the checksum but are wrong (a crafted file, a bug) still get errors:
//! every count is checked against the bytes that remain before anything is allocated,
//! unknown models and layouts that differ from the rebuilt model are refused, and the training
//! data are checked for the invariants prediction relies on. Every error is
//! [`crate::error::ErrorKind::ModelFile`] and names the file. Nothing panics.
//!
//! Differences from NeuralForecast: its `save` writes a directory of PyTorch checkpoints
//! (pickles) plus a `configuration.pkl`, and loading unpickles, which can run code; this is
//! one file of plain data that any version of this library can refuse cleanly.

pub mod checksum;
pub mod codec;
pub mod format;
pub mod snapshot;

pub use format::{Container, FORMAT_VERSION, MAGIC};
pub use snapshot::{decode, encode, Snapshot, SnapshotRef};
