//! Parquet rows without the whole file: the layout of a file from its tail (footer and
//! metadata), and the rows of one row group from the bytes of its span, decoded by the
//! `parquet` crate (snappy, gzip, lz4 and zstd pages) into JSON values shaped like the
//! dataset's JSONL rows (structs as objects, lists as arrays).
//!
//! This is how a browser reads Open-SWE-Traces' parquet shards with HTTP range requests: fetch
//! the last [`TAIL_PROBE`] bytes (and the first [`HEAD_PREFETCH`] beside them), call
//! [`read_layout`] (which may ask for a longer tail when the metadata is bigger), then fetch
//! each row group's byte span ([`plan_reads`], less what [`HeldBytes`] has) and call
//! [`decode_row_group`].
//! No IO happens here; [`decode_file`] is the same over a whole file in memory.

mod assemble;
mod thrift;

use std::io::{Cursor, Read};
use std::sync::Arc;

use bytes::Bytes;
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageMetadata, PageReader};
use parquet::errors::ParquetError;
use parquet::file::metadata::page_index::RowGroupPageIndex;
use parquet::file::metadata::{
    ColumnChunkMetaData, ParquetMetaData, ParquetMetaDataOptions, ParquetMetaDataReader,
    ParquetStatisticsPolicy,
};
use parquet::file::properties::ReaderProperties;
use parquet::file::reader::{ChunkReader, FileReader, Length, RowGroupReader};
use parquet::file::serialized_reader::{
    ReadOptionsBuilder, SerializedFileReader, SerializedRowGroupReader,
};
use serde_json::Value;

/// How many bytes of a file's end to read first (bytes): enough for the metadata of most
/// files, so that the footer needs no second round trip (a converted split's footer holds one
/// entry per column per row group: 0.9 MB for 100 groups of 25 columns). The bytes before the
/// metadata are the last row groups' and are used for them ([`HeldBytes`]), so a bigger probe
/// reads no byte twice.
pub const TAIL_PROBE: u64 = 1024 * 1024;

/// How many bytes of a file's start to read beside its tail (bytes): the first row group
/// starts at byte 4 (after the `PAR1` magic) in the files parquet writers make, so when it
/// fits here its rows need no round trip after the footer's. Used like the tail's bytes
/// ([`HeldBytes`]).
pub const HEAD_PREFETCH: u64 = 1024 * 1024;

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
    /// The parsed footer, kept so that each row group is decoded without parsing it again
    /// (a footer can be megabytes: one column chunk entry per column and row group).
    pub footer: Footer,
}

/// A file's parsed metadata (parquet's `ParquetMetaData`), shared; equal when it is the same
/// parse.
#[derive(Clone)]
pub struct Footer(Arc<ParquetMetaData>);

impl PartialEq for Footer {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Footer {}

impl std::fmt::Debug for Footer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Footer({} row groups)", self.0.num_row_groups())
    }
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

/// Bytes asked for at most in one range request when row groups are read together (bytes).
pub const MAX_READ_SPAN: u64 = 4 * 1024 * 1024;

/// One range request covering consecutive row groups: the byte span `start..end` and the
/// groups it holds (indexes into [`ParquetLayout::row_groups`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadSpan {
    /// Offset of the first byte.
    pub start: u64,
    /// Offset just past the last byte.
    pub end: u64,
    /// The row groups inside, in order.
    pub groups: std::ops::Range<usize>,
}

/// Groups consecutive row groups into range requests of at most `max_span` bytes (a single
/// bigger group gets a request of its own), so that a file of many small groups is not read
/// one request per group. The first request holds only the first group, so that the first
/// rows come as soon as possible. Empty groups (no bytes) get no request of their own (they
/// may sit inside another's range: skip them when decoding).
pub fn plan_reads(groups: &[RowGroupSpan], max_span: u64) -> Vec<ReadSpan> {
    let mut reads: Vec<ReadSpan> = Vec::new();
    for (idx, group) in groups.iter().enumerate() {
        if group.end <= group.start {
            continue;
        }
        // The first read stays one group; later ones grow up to `max_span`.
        let can_join = reads.len() > 1;
        match reads.last_mut() {
            Some(last)
                if can_join && last.end == group.start && group.end - last.start <= max_span =>
            {
                last.end = group.end;
                last.groups.end = idx + 1;
            }
            _ => reads.push(ReadSpan { start: group.start, end: group.end, groups: idx..idx + 1 }),
        }
    }
    reads
}

/// The bytes of a file already read: its first bytes (`head`, from offset 0; empty when they
/// were not read) and its last ones (`tail`, from `tail_start`). A [`ReadSpan`] is then served
/// from them and from one fetch of the part they miss ([`HeldBytes::missing`]), which is a
/// single range because the held bytes lie at the file's two ends.
#[derive(Clone, Debug, Default)]
pub struct HeldBytes {
    /// Bytes `0..head.len()` of the file.
    pub head: Bytes,
    /// Bytes `tail_start..tail_start + tail.len()` of the file (its end).
    pub tail: Bytes,
    /// Offset of the tail's first byte in the file.
    pub tail_start: u64,
}

impl HeldBytes {
    fn head_end(&self) -> u64 {
        // A head reaching into the tail adds nothing the tail does not have.
        (self.head.len() as u64).min(self.tail_start)
    }

    /// The byte range of `read` to fetch (`start..end`, file offsets), or `None` when the held
    /// bytes cover all of it.
    pub fn missing(&self, read: &ReadSpan) -> Option<std::ops::Range<u64>> {
        let start = read.start.max(self.head_end());
        let end = read.end.min(self.tail_start);
        (start < end).then_some(start..end)
    }

    /// The bytes of `read`: the held bytes inside it around `fetched`, the bytes of
    /// [`HeldBytes::missing`] as the server sent them. A `fetched` shorter than asked ends the
    /// span there (the groups past it then fail to decode, each row counted as an error);
    /// `None` stands for nothing fetched. Copies only when the span has more than one piece.
    pub fn span(&self, read: &ReadSpan, fetched: Option<Bytes>) -> Bytes {
        let head_end = self.head_end();
        let mut pieces: Vec<Bytes> = Vec::with_capacity(3);
        if read.start < head_end {
            pieces.push(self.head.slice(read.start as usize..read.end.min(head_end) as usize));
        }
        let mut whole = true;
        if let Some(range) = self.missing(read) {
            let fetched = fetched.unwrap_or_default();
            whole = fetched.len() as u64 >= range.end - range.start;
            pieces.push(fetched.slice(..fetched.len().min((range.end - range.start) as usize)));
        }
        let tail_end = self.tail_start + self.tail.len() as u64;
        if whole && read.end > self.tail_start && read.start < tail_end {
            let from = read.start.max(self.tail_start) - self.tail_start;
            let to = read.end.min(tail_end) - self.tail_start;
            pieces.push(self.tail.slice(from as usize..to as usize));
        }
        match pieces.len() {
            0 => Bytes::new(),
            1 => pieces.pop().unwrap_or_default(),
            _ => Bytes::from(pieces.concat()),
        }
    }
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
    let metadata_start = tail.len() - needed as usize;
    thrift::check_struct(&tail[metadata_start..tail.len() - FOOTER_LEN as usize])
        .map_err(ParquetReadError)?;
    // Column statistics are skipped: Trajex reads every row and never uses them, and in a
    // converted split's footer (one entry per column per row group, with min/max strings) they
    // were most of the parse: ~25 ms of a 0.9 MB footer in the browser.
    let metadata = ParquetMetaDataReader::new()
        .with_metadata_options(Some(
            ParquetMetaDataOptions::new()
                .with_encoding_stats_as_mask(true)
                .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
                .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll),
        ))
        .parse_and_finish(&SparseFile::new(
            file_len,
            vec![(file_len - tail_len, Bytes::copy_from_slice(tail))],
        ))?;
    let row_groups = metadata
        .row_groups()
        .iter()
        .map(|group| {
            let (mut start, mut end) = (u64::MAX, 0);
            for column in group.columns() {
                let (offset, len) = chunk_range(column)?;
                (start, end) = (start.min(offset), end.max(offset + len));
            }
            Ok(RowGroupSpan { n_rows: group.num_rows().max(0) as u64, start: start.min(end), end })
        })
        .collect::<Result<_, ParquetReadError>>()?;
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
        footer: Footer(Arc::new(metadata)),
    }))
}

/// The byte range of a column chunk (offset, length), as `ColumnChunkMetaData::byte_range`
/// gives it: from the dictionary page when there is one, else from the first data page.
///
/// # Errors
/// A negative offset or length (corrupt metadata), on which `byte_range` panics (the `parquet`
/// crate 60.1: "column start and length should not be negative"; found by the `parquet` fuzz
/// target).
fn chunk_range(column: &ColumnChunkMetaData) -> Result<(u64, u64), ParquetReadError> {
    let start = column.dictionary_page_offset().unwrap_or(column.data_page_offset());
    let len = column.compressed_size();
    match (u64::try_from(start), u64::try_from(len)) {
        (Ok(start), Ok(len)) => Ok((start, len)),
        _ => Err(ParquetReadError(format!(
            "column chunk `{}` at offset {start} with {len} bytes",
            column.column_path()
        ))),
    }
}

/// Decodes row group `group_idx` of the file `layout` describes into JSON rows, from the bytes
/// of the group's span (`span` starts at the group's `start`; see [`RowGroupSpan`]).
///
/// # Errors
/// A group index past the end, a span that does not hold the group's column chunks, or pages
/// that do not decode (corrupt data, an unsupported codec).
pub fn decode_row_group(
    layout: &ParquetLayout,
    group_idx: usize,
    span: Bytes,
) -> Result<Vec<Value>, ParquetReadError> {
    let metadata = &layout.footer.0;
    let (Some(group), true) =
        (layout.row_groups.get(group_idx), group_idx < metadata.num_row_groups())
    else {
        return Err(ParquetReadError(format!(
            "row group {group_idx} of {}",
            metadata.num_row_groups()
        )));
    };
    let file = Arc::new(SparseFile::new(layout.file_len, vec![(group.start, span)]));
    let reader = SerializedRowGroupReader::new(
        file,
        metadata.row_group(group_idx),
        RowGroupPageIndex::new(group_idx, None),
        Arc::new(ReaderProperties::builder().build()),
    )?;
    rows_of_group(&reader)
}

/// Decodes every row of a whole parquet file in memory (a local file the user opened).
pub fn decode_file(bytes: Bytes) -> Result<Vec<Value>, ParquetReadError> {
    let len = bytes.len() as u64;
    if let Some(metadata) = footer_metadata(&bytes) {
        thrift::check_struct(metadata).map_err(ParquetReadError)?;
    }
    let options = ReadOptionsBuilder::new()
        .with_encoding_stats_as_mask(true)
        .with_column_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .with_size_stats_policy(ParquetStatisticsPolicy::SkipAll)
        .build();
    let reader =
        SerializedFileReader::new_with_options(SparseFile::new(len, vec![(0, bytes)]), options)?;
    let mut rows = Vec::new();
    for group_idx in 0..reader.num_row_groups() {
        rows.extend(rows_of_group(&*reader.get_row_group(group_idx)?)?);
    }
    Ok(rows)
}

/// The metadata bytes of a whole file (before its 8-byte footer), when the footer is there and
/// the length it gives fits.
fn footer_metadata(file: &[u8]) -> Option<&[u8]> {
    let footer = file.len().checked_sub(FOOTER_LEN as usize).map(|at| &file[at..])?;
    let len = u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]) as usize;
    let end = file.len() - FOOTER_LEN as usize;
    (&footer[4..] == b"PAR1").then(|| file.get(end.checked_sub(len)?..end)).flatten()
}

/// The rows of one row group as JSON values: assembled from the columns when the schema
/// allows (see [`assemble`]), else by the `parquet` crate's record API. Either way the pages
/// are read through [`CheckedGroup`].
fn rows_of_group(group: &dyn RowGroupReader) -> Result<Vec<Value>, ParquetReadError> {
    let group = &CheckedGroup(group);
    match assemble::Plan::of(group.metadata().schema_descr()) {
        Some(plan) => plan.rows(group),
        None => record_rows(group),
    }
}

/// The rows of one row group by the record API (`Row::to_json_value`).
fn record_rows(group: &dyn RowGroupReader) -> Result<Vec<Value>, ParquetReadError> {
    for field in group.metadata().schema_descr().root_schema().get_fields() {
        record_api_reads(field).map_err(ParquetReadError)?;
    }
    let mut rows = Vec::with_capacity(group.metadata().num_rows().max(0) as usize);
    for row in group.get_row_iter(None)? {
        rows.push(row?.to_json_value());
    }
    Ok(rows)
}

/// `Err` naming the field when the schema under `field` has a shape on which the `parquet`
/// crate's record API (60.1, `record::reader::TreeBuilder::reader_tree`) panics instead of
/// failing: a field without repetition, a `LIST` group whose one child is not `REPEATED` (or a
/// group with no fields), a `MAP` group that is not one `REPEATED` group of one or two fields
/// (the Parquet logical types spec, "Nested Types"). Found by the `parquet` fuzz target (a
/// mutated schema: `required group list` in a `LIST`).
fn record_api_reads(field: &parquet::schema::types::Type) -> Result<(), String> {
    use parquet::basic::{ConvertedType, Repetition};
    let info = field.get_basic_info();
    let repetition = |field: &parquet::schema::types::Type| {
        let info = field.get_basic_info();
        info.has_repetition().then(|| info.repetition())
    };
    let misshapen = |kind: &str| {
        Err(format!("the {kind} field `{}` is not of a shape read here", field.name()))
    };
    if !info.has_repetition() {
        return misshapen("schema");
    }
    if field.is_primitive() {
        return Ok(());
    }
    let fields = field.get_fields();
    match info.converted_type() {
        ConvertedType::LIST => {
            let [repeated] = fields else { return misshapen("LIST") };
            if repetition(repeated) != Some(Repetition::REPEATED)
                || (!repeated.is_primitive() && repeated.get_fields().is_empty())
            {
                return misshapen("LIST");
            }
            record_api_reads(repeated)
        }
        ConvertedType::MAP | ConvertedType::MAP_KEY_VALUE => {
            let [entries] = fields else { return misshapen("MAP") };
            if entries.is_primitive()
                || repetition(entries) != Some(Repetition::REPEATED)
                || !(1..=2).contains(&entries.get_fields().len())
            {
                return misshapen("MAP");
            }
            entries.get_fields().iter().try_for_each(|field| record_api_reads(field))
        }
        _ => fields.iter().try_for_each(|field| record_api_reads(field)),
    }
}

/// A row group whose column pages are checked ([`CheckedPages`]) before the `parquet` crate's
/// column readers decode them.
struct CheckedGroup<'a>(&'a dyn RowGroupReader);

impl RowGroupReader for CheckedGroup<'_> {
    fn metadata(&self) -> &parquet::file::metadata::RowGroupMetaData {
        self.0.metadata()
    }

    fn num_columns(&self) -> usize {
        self.0.num_columns()
    }

    fn get_column_page_reader(&self, i: usize) -> parquet::errors::Result<Box<dyn PageReader>> {
        let Some(column) = self.0.metadata().columns().get(i) else {
            return Err(ParquetError::General(format!("no column {i} in the row group")));
        };
        // The page reader calls `byte_range`, which panics on a negative offset or length.
        chunk_range(column).map_err(|error| ParquetError::General(error.0))?;
        let pages = self.0.get_column_page_reader(i)?;
        Ok(Box::new(CheckedPages {
            pages,
            physical_type: column.column_type(),
            has_dictionary: false,
        }))
    }

    fn get_column_bloom_filter(&self, i: usize) -> Option<&parquet::bloom_filter::Sbbf> {
        self.0.get_column_bloom_filter(i)
    }

    fn get_row_iter(
        &self,
        projection: Option<parquet::schema::types::Type>,
    ) -> parquet::errors::Result<parquet::record::reader::RowIter<'_>> {
        parquet::record::reader::RowIter::from_row_group(projection, self)
    }
}

/// A column chunk's pages, refused where the `parquet` crate (60.1) would panic on them, which in
/// the browser (built with `panic = "abort"`) kills the page. Both are corrupt chunks, so they
/// are read errors here. Found by the `parquet` fuzz target (`fuzz/`).
/// - A dictionary-encoded data page (`PLAIN_DICTIONARY`, `RLE_DICTIONARY`) before any dictionary
///   page: its column reader panics ("Decoder for dict should have been set"). The format puts
///   the dictionary page first (Apache Parquet `format/README.md`, "Column chunks").
/// - A `BYTE_ARRAY` dictionary page whose `num_values` length-prefixed values (PLAIN: a `u32`
///   little-endian length, then the bytes) do not fit in the page: the plain decoder reads a
///   length past the end of the page and panics (`bit_util::read_num_bytes`).
struct CheckedPages {
    pages: Box<dyn PageReader>,
    /// The column's physical type.
    physical_type: PhysicalType,
    /// A dictionary page was handed on.
    has_dictionary: bool,
}

impl PageReader for CheckedPages {
    fn get_next_page(&mut self) -> parquet::errors::Result<Option<Page>> {
        let page = self.pages.get_next_page()?;
        let refuse = |why: &str| Err(ParquetError::General(why.to_owned()));
        match &page {
            Some(Page::DictionaryPage { buf, num_values, .. }) => {
                if self.physical_type == PhysicalType::BYTE_ARRAY
                    && !byte_arrays_fit(buf, *num_values as usize)
                {
                    return refuse("a dictionary page shorter than its values");
                }
                self.has_dictionary = true;
            }
            Some(Page::DataPage { encoding, .. } | Page::DataPageV2 { encoding, .. })
                if matches!(encoding, Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY)
                    && !self.has_dictionary =>
            {
                return refuse("a dictionary-encoded data page before any dictionary page");
            }
            _ => {}
        }
        Ok(page)
    }

    fn peek_next_page(&mut self) -> parquet::errors::Result<Option<PageMetadata>> {
        self.pages.peek_next_page()
    }

    fn skip_next_page(&mut self) -> parquet::errors::Result<()> {
        // Rows are never skipped here; a skipped dictionary page would not be handed on, so a
        // dictionary-encoded page after it is refused like one without a dictionary.
        self.pages.skip_next_page()
    }

    fn at_record_boundary(&mut self) -> parquet::errors::Result<bool> {
        self.pages.at_record_boundary()
    }
}

impl Iterator for CheckedPages {
    type Item = parquet::errors::Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}

/// Whether `buf` holds `n` PLAIN-encoded `BYTE_ARRAY` values (each a `u32` little-endian length,
/// then that many bytes). Stops at the first value that does not fit, so it runs in at most
/// `buf.len() / 4` steps whatever `n` claims.
fn byte_arrays_fit(buf: &[u8], n: usize) -> bool {
    let mut at = 0usize;
    for _ in 0..n {
        let Some(&[a, b, c, d]) = buf.get(at..at + 4) else { return false };
        at = at.saturating_add(4).saturating_add(u32::from_le_bytes([a, b, c, d]) as usize);
        if at > buf.len() {
            return false;
        }
    }
    true
}

/// The bytes of [`SparseFile::get_read`], read as a page header is: reading past their end is
/// an error (`UnexpectedEof`), not the end of the stream (`Ok(0)`).
///
/// The `parquet` crate (60.1) reads page headers (thrift compact) from this reader and skips
/// the fields it does not know; skipping a `DOUBLE` or a UUID ignores the end of the input, so
/// a corrupt header listing many of them spent up to a minute "skipping" nothing after the end
/// (in the browser, a frozen page; slow units of the `parquet` fuzz target). With the end an
/// error the header fails at once. Nothing reads these bytes to their end on purpose: headers
/// are read field by field, page data with `get_bytes`. See also `thrift::check_struct`.
struct EndIsAnError(Cursor<Bytes>);

impl Read for EndIsAnError {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 if !buf.is_empty() => Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "read past the end of the fetched bytes",
            )),
            n => Ok(n),
        }
    }
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
    type T = EndIsAnError;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        // A reader from `start` to the end of the fetched range that holds it.
        for (offset, bytes) in &self.ranges {
            let end = offset + bytes.len() as u64;
            if start >= *offset && start < end {
                let bytes = bytes.slice((start - offset) as usize..);
                // Every read here but the footer's last 8 bytes (the metadata reader's) starts
                // a page header: refuse one that would take the parquet crate seconds.
                if start + FOOTER_LEN != self.len {
                    thrift::check_struct(&bytes).map_err(ParquetError::General)?;
                }
                return Ok(EndIsAnError(Cursor::new(bytes)));
            }
        }
        Err(ParquetError::General(format!("byte {start} was not fetched")))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, length as u64)
    }
}
