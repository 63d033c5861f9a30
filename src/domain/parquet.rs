//! Parquet rows without the whole file: the layout of a file from its tail (footer and
//! metadata), and the rows of one row group from the bytes of its span, decoded by the
//! `parquet` crate (snappy, gzip, lz4 and zstd pages) into JSON values shaped like the
//! dataset's JSONL rows (structs as objects, lists as arrays).
//!
//! This is how a browser reads Open-SWE-Traces' parquet shards with HTTP range requests: fetch
//! the last [`TAIL_PROBE`] bytes, call [`read_layout`] (which may ask for a longer tail when the
//! metadata is bigger), then fetch each row group's byte span and call [`decode_row_group`].
//! No IO happens here; [`decode_file`] is the same over a whole file in memory.

use std::io::Cursor;

use bytes::Bytes;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, FileReader, Length, SerializedFileReader};
use serde_json::Value;

/// How many bytes of a file's end to read first: enough for the metadata of most files.
pub const TAIL_PROBE: u64 = 64 * 1024;

/// Parquet's 8-byte footer: metadata length (u32, little endian) and the magic `PAR1`.
const FOOTER_LEN: u64 = 8;

/// Where the rows of a parquet file are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParquetLayout {
    /// File length (bytes).
    pub file_len: u64,
    /// Rows in the file.
    pub n_rows: u64,
    /// Top-level column names, in order.
    pub columns: Vec<String>,
    /// The row groups, in order.
    pub row_groups: Vec<RowGroupSpan>,
}

/// One row group: its rows and the byte span of its column chunks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RowGroupSpan {
    /// Rows in the group.
    pub n_rows: u64,
    /// Offset of the group's first byte in the file.
    pub start: u64,
    /// Offset just past the group's last byte.
    pub end: u64,
}

/// What [`read_layout`] needs or found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LayoutRead {
    /// The tail was too short for the metadata: read this many bytes from the end, then call
    /// again.
    NeedTail(u64),
    /// The layout.
    Layout(ParquetLayout),
}

/// A parquet file that could not be read: not parquet, encrypted, an unsupported codec, or
/// corrupt data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParquetReadError(pub String);

impl std::fmt::Display for ParquetReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "parquet: {}", self.0)
    }
}

impl std::error::Error for ParquetReadError {}

impl From<ParquetError> for ParquetReadError {
    fn from(err: ParquetError) -> Self {
        ParquetReadError(err.to_string())
    }
}

/// Reads a file's layout from its last `tail.len()` bytes (`file_len` is the whole file's).
pub fn read_layout(file_len: u64, tail: &[u8]) -> Result<LayoutRead, ParquetReadError> {
    let tail_len = tail.len() as u64;
    if file_len < FOOTER_LEN + 4 || tail_len < FOOTER_LEN || tail_len > file_len {
        return Err(ParquetReadError(format!("too short for parquet ({file_len} bytes)")));
    }
    let footer = &tail[tail.len() - FOOTER_LEN as usize..];
    if &footer[4..] != b"PAR1" {
        return Err(ParquetReadError(
            "not a parquet file (no PAR1 footer; encrypted files are not supported)".into(),
        ));
    }
    let metadata_len = u64::from(u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]));
    let needed = metadata_len + FOOTER_LEN;
    if needed > file_len {
        return Err(ParquetReadError(format!(
            "metadata of {metadata_len} bytes in a file of {file_len}"
        )));
    }
    if needed > tail_len {
        return Ok(LayoutRead::NeedTail(needed));
    }
    let reader = SerializedFileReader::new(SparseFile::new(
        file_len,
        vec![(file_len - tail_len, Bytes::copy_from_slice(tail))],
    ))?;
    let metadata = reader.metadata();
    let row_groups = metadata
        .row_groups()
        .iter()
        .map(|group| {
            let (start, end) =
                group.columns().iter().fold((u64::MAX, 0), |(start, end), column| {
                    let (offset, len) = column.byte_range();
                    (start.min(offset), end.max(offset + len))
                });
            RowGroupSpan { n_rows: group.num_rows().max(0) as u64, start: start.min(end), end }
        })
        .collect();
    let columns = metadata
        .file_metadata()
        .schema_descr()
        .root_schema()
        .get_fields()
        .iter()
        .map(|field| field.name().to_owned())
        .collect();
    Ok(LayoutRead::Layout(ParquetLayout {
        file_len,
        n_rows: metadata.file_metadata().num_rows().max(0) as u64,
        columns,
        row_groups,
    }))
}

/// Decodes row group `group_idx` into JSON rows, from the file's tail (as given to
/// [`read_layout`]) and the bytes of the group's span (`span` starts at the group's `start`).
pub fn decode_row_group(
    file_len: u64,
    tail: Bytes,
    group: RowGroupSpan,
    span: Bytes,
    group_idx: usize,
) -> Result<Vec<Value>, ParquetReadError> {
    let tail_offset = file_len.saturating_sub(tail.len() as u64);
    let file = SparseFile::new(file_len, vec![(tail_offset, tail), (group.start, span)]);
    let reader = SerializedFileReader::new(file)?;
    rows_of_group(&reader, group_idx)
}

/// Decodes every row of a whole parquet file in memory (a local file the user opened).
pub fn decode_file(bytes: Bytes) -> Result<Vec<Value>, ParquetReadError> {
    let len = bytes.len() as u64;
    let reader = SerializedFileReader::new(SparseFile::new(len, vec![(0, bytes)]))?;
    let mut rows = Vec::new();
    for group_idx in 0..reader.num_row_groups() {
        rows.extend(rows_of_group(&reader, group_idx)?);
    }
    Ok(rows)
}

fn rows_of_group(
    reader: &SerializedFileReader<SparseFile>,
    group_idx: usize,
) -> Result<Vec<Value>, ParquetReadError> {
    let group = reader.get_row_group(group_idx)?;
    let mut rows = Vec::with_capacity(group.metadata().num_rows().max(0) as usize);
    for row in group.get_row_iter(None)? {
        rows.push(row?.to_json_value());
    }
    Ok(rows)
}

/// A file of which only some byte ranges are in memory; reading outside them is an error.
struct SparseFile {
    len: u64,
    ranges: Vec<(u64, Bytes)>,
}

impl SparseFile {
    fn new(len: u64, ranges: Vec<(u64, Bytes)>) -> Self {
        SparseFile { len, ranges }
    }

    fn slice(&self, start: u64, length: u64) -> parquet::errors::Result<Bytes> {
        for (offset, bytes) in &self.ranges {
            let end = offset + bytes.len() as u64;
            if start >= *offset && start + length <= end {
                let from = (start - offset) as usize;
                return Ok(bytes.slice(from..from + length as usize));
            }
        }
        Err(ParquetError::General(format!("bytes {start}..{} were not fetched", start + length)))
    }
}

impl Length for SparseFile {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for SparseFile {
    type T = Cursor<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        // A reader from `start` to the end of the fetched range that holds it.
        for (offset, bytes) in &self.ranges {
            let end = offset + bytes.len() as u64;
            if start >= *offset && start < end {
                return Ok(Cursor::new(bytes.slice((start - offset) as usize..)));
            }
        }
        Err(ParquetError::General(format!("byte {start} was not fetched")))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, length as u64)
    }
}
