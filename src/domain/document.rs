//! From one file's decoded rows to the rows that are trajectories.
//!
//! A file may hold one trajectory per row (JSONL rows, an array of rows), one trajectory spread
//! over its lines (a Claude Code session, a Codex rollout, OpenHands SDK events: one event per
//! line), or many trajectories in one document (an Inspect eval log's `samples`). The decoders
//! in [`crate::domain::stream`] cut the bytes into JSON values; a [`Gatherer`] then decides,
//! from each value's shape, which of these the file is, and hands on one row per trajectory:
//!
//! - a line that is an event of a line-spread format (see `normalize::LINE_EVENTS`) is held;
//!   consecutive events of the same format and session become one row, a JSON list of the
//!   events, handed on when the run of events ends (another kind of row, another session, or the
//!   end of the file);
//! - a document that holds many trajectories (see `normalize::DOCUMENT_SPLITTERS`) is split
//!   into one row per trajectory;
//! - any other row is handed on as it is, at once (a stream of rows stays a stream).
//!
//! What was decided is said on the row: a gathered or split row carries an `info` diagnostic
//! (`lines_gathered`, `document_split`) that the normalizer keeps on the trajectory. Errors
//! (lines that are not JSON) are handed on in order and never break a run of events.

use serde_json::Value;

use crate::domain::diagnostic::Diagnostic;
use crate::domain::normalize::{DOCUMENT_SPLITTERS, LINE_EVENTS};
use crate::domain::stream::{DecodedRow, RowResult};
use crate::domain::trajectory::Format;

/// What kind of file a byte buffer is, told from its first bytes (never from its name).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    /// Apache Parquet: starts with the magic `PAR1`.
    Parquet,
    /// A zip archive (`PK\x03\x04`), such as an Inspect AI `.eval` log.
    Zip,
    /// Anything else, read as JSON text: JSONL, a JSON array of rows, or one JSON value.
    Json,
}

impl FileKind {
    /// The kind of a file whose first bytes are `head` (four bytes are enough).
    pub fn sniff(head: &[u8]) -> FileKind {
        if head.starts_with(b"PAR1") {
            FileKind::Parquet
        } else if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
            FileKind::Zip
        } else {
            FileKind::Json
        }
    }
}

/// One row handed on by a [`Gatherer`], with its source text when it is one decoded row's
/// (a JSONL line, an array element): `None` for a gathered or split row, whose raw export is
/// its value serialized.
pub type GatheredRow<'a> = (Option<&'a [u8]>, RowResult);

/// Decides, row by row, how a file's rows make trajectories (see the module doc).
///
/// ```
/// use serde_json::json;
/// use trajex::domain::document::Gatherer;
/// use trajex::domain::stream::DecodedRow;
///
/// let line = |value, line_no| DecodedRow { value, line_no, byte_offset: 0, byte_len: 0, diagnostics: vec![] };
/// let mut gatherer = Gatherer::new();
/// let mut out = Vec::new();
/// gatherer.push(None, Ok(line(json!({"messages": []}), 1)), &mut |_, row| out.push(row));
/// gatherer.finish(&mut |_, row| out.push(row));
/// assert_eq!(out.len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct Gatherer {
    /// The run of line events being gathered.
    run: Option<Run>,
    /// Trajectories handed on so far (rows, gathered runs and split documents).
    pub n_trajectories: u64,
    /// Runs of line events gathered into one trajectory so far.
    pub n_gathered: u64,
    /// Documents split into several trajectories so far.
    pub n_split: u64,
}

/// Consecutive line events of one format and session.
#[derive(Debug)]
struct Run {
    format: Format,
    session: Option<String>,
    events: Vec<Value>,
    first_line: u64,
    last_line: u64,
    byte_offset: u64,
    byte_end: u64,
    diagnostics: Vec<Diagnostic>,
}

impl Gatherer {
    /// A gatherer at the start of a file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes one decoded row (and its source text, when known) and hands on to `sink` every row
    /// that is complete: at once for a row that is a trajectory, later for a line event.
    pub fn push(
        &mut self,
        bytes: Option<&[u8]>,
        result: RowResult,
        sink: &mut dyn FnMut(Option<&[u8]>, RowResult),
    ) {
        let row = match result {
            Ok(row) => row,
            Err(error) => return sink(bytes, Err(error)),
        };
        if let Some(events) = LINE_EVENTS.iter().find(|events| (events.is_event)(&row.value)) {
            let session = (events.session_key)(&row.value);
            let continues = self.run.as_ref().is_some_and(|run| {
                run.format == events.format
                    && (session.is_none() || run.session.is_none() || run.session == session)
            });
            if !continues {
                self.flush(sink);
            }
            let run = self.run.get_or_insert_with(|| Run {
                format: events.format,
                session: None,
                events: Vec::new(),
                first_line: row.line_no,
                last_line: row.line_no,
                byte_offset: row.byte_offset,
                byte_end: row.byte_offset,
                diagnostics: Vec::new(),
            });
            if run.session.is_none() {
                run.session = session;
            }
            run.last_line = row.line_no;
            run.byte_end = row.byte_offset + row.byte_len;
            run.diagnostics.extend(row.diagnostics);
            run.events.push(row.value);
            return;
        }
        self.flush(sink);
        self.split_or_pass(bytes, row, sink);
    }

    /// Ends the file: hands on the run of line events still held, if any.
    pub fn finish(&mut self, sink: &mut dyn FnMut(Option<&[u8]>, RowResult)) {
        self.flush(sink);
    }

    /// Hands on the run being gathered as one row.
    fn flush(&mut self, sink: &mut dyn FnMut(Option<&[u8]>, RowResult)) {
        let Some(run) = self.run.take() else { return };
        let n = run.events.len();
        let mut diagnostics = vec![Diagnostic::info(
            "lines_gathered",
            "",
            match &run.session {
                Some(session) => format!(
                    "lines {}-{} ({n} events of session {session}) read as one {} trajectory",
                    run.first_line, run.last_line, run.format
                ),
                None => format!(
                    "lines {}-{} ({n} events) read as one {} trajectory",
                    run.first_line, run.last_line, run.format
                ),
            },
        )];
        diagnostics.extend(run.diagnostics);
        self.n_trajectories += 1;
        self.n_gathered += 1;
        sink(
            None,
            Ok(DecodedRow {
                value: Value::Array(run.events),
                line_no: run.first_line,
                byte_offset: run.byte_offset,
                byte_len: run.byte_end - run.byte_offset,
                diagnostics,
            }),
        );
    }

    /// Splits a document of many trajectories, or hands the row on as it is.
    fn split_or_pass(
        &mut self,
        bytes: Option<&[u8]>,
        row: DecodedRow,
        sink: &mut dyn FnMut(Option<&[u8]>, RowResult),
    ) {
        let DecodedRow { mut value, line_no, byte_offset, byte_len, diagnostics } = row;
        for splitter in DOCUMENT_SPLITTERS {
            match (splitter.split)(value) {
                Ok(rows) => {
                    let n = rows.len();
                    self.n_split += 1;
                    for (idx, value) in rows.into_iter().enumerate() {
                        let mut row_diagnostics = vec![Diagnostic::info(
                            "document_split",
                            "",
                            format!(
                                "trajectory {} of {n} in the {} document at line {line_no}",
                                idx + 1,
                                splitter.format
                            ),
                        )];
                        row_diagnostics.extend(diagnostics.iter().cloned());
                        self.n_trajectories += 1;
                        // A split row has no source text of its own: its position is the
                        // document's, with no length.
                        sink(
                            None,
                            Ok(DecodedRow {
                                value,
                                line_no,
                                byte_offset,
                                byte_len: 0,
                                diagnostics: row_diagnostics,
                            }),
                        );
                    }
                    return;
                }
                Err(unsplit) => value = unsplit,
            }
        }
        self.n_trajectories += 1;
        sink(bytes, Ok(DecodedRow { value, line_no, byte_offset, byte_len, diagnostics }));
    }
}

/// Every trajectory row of a whole document held in memory: the rows of
/// [`crate::domain::stream::decode_document`] through a [`Gatherer`], with the source text of
/// each row that has its own (for the raw export; `None` for gathered and split rows).
pub fn gather_document(bytes: &[u8]) -> Vec<(Option<Vec<u8>>, RowResult)> {
    let mut out = Vec::new();
    let mut gatherer = Gatherer::new();
    let mut sink = |source: Option<&[u8]>, result: RowResult| {
        out.push((source.map(<[u8]>::to_vec), result));
    };
    for result in crate::domain::stream::decode_document(bytes) {
        let source = result.as_ref().ok().and_then(|row| {
            let start = row.byte_offset as usize;
            bytes.get(start..start + row.byte_len as usize)
        });
        gatherer.push(source, result, &mut sink);
    }
    gatherer.finish(&mut sink);
    out
}

/// Every trajectory row of a whole file held in memory, whatever its kind ([`FileKind::sniff`]):
/// a Parquet file's rows, a zip archive's samples ([`crate::domain::archive::read_archive`]),
/// or a JSON text document's rows through [`gather_document`]. Each row comes with its source
/// text when it has its own (a JSONL line, an array element; `None` for Parquet rows, archive
/// samples, and gathered or split rows, whose raw export is their value serialized). A Parquet
/// file that cannot be read gives one error row.
pub fn read_file(bytes: &[u8]) -> Vec<(Option<Vec<u8>>, RowResult)> {
    match FileKind::sniff(bytes) {
        FileKind::Parquet => match parquet_rows(bytes) {
            Ok(rows) => rows.into_iter().map(|row| (None, row)).collect(),
            Err(error) => vec![(
                None,
                Err(crate::domain::stream::LineError {
                    line_no: 0,
                    byte_offset: 0,
                    message: format!("not a readable Parquet file: {error}"),
                }),
            )],
        },
        FileKind::Zip => {
            crate::domain::archive::read_archive(bytes).into_iter().map(|row| (None, row)).collect()
        }
        FileKind::Json => gather_document(bytes),
    }
}

/// The rows of a whole Parquet file, each with its one-based row number as `line_no` and no
/// byte position (a Parquet row has no source text of its own). A row group that cannot be
/// decoded gives one error per row it declares (`row group G: ...`), so counts stay whole and
/// the other groups are still read.
///
/// # Errors
/// When the footer cannot be read (not Parquet, a metadata length past the file's start,
/// corrupt metadata; see [`crate::domain::parquet::read_layout`]): then no row count is known.
pub fn parquet_rows(
    bytes: &[u8],
) -> Result<Vec<RowResult>, crate::domain::parquet::ParquetReadError> {
    use crate::domain::parquet::{decode_row_group, read_layout, LayoutRead, ParquetReadError};
    let layout = match read_layout(bytes.len() as u64, bytes)? {
        LayoutRead::Layout(layout) => layout,
        LayoutRead::NeedTail(needed) => {
            return Err(ParquetReadError(format!(
                "the footer asks for {needed} bytes of metadata, more than the file's {}",
                bytes.len()
            )))
        }
    };
    let whole = bytes::Bytes::copy_from_slice(bytes);
    let mut rows = Vec::new();
    for (group_idx, group) in layout.row_groups.iter().enumerate() {
        let span = usize::try_from(group.start).ok().zip(usize::try_from(group.end).ok());
        let decoded = match span.filter(|(start, end)| start <= end && *end <= bytes.len()) {
            Some((start, end)) => decode_row_group(&layout, group_idx, whole.slice(start..end)),
            None => Err(ParquetReadError(format!(
                "its bytes {}..{} are past the file's end ({} bytes)",
                group.start,
                group.end,
                bytes.len()
            ))),
        };
        match decoded {
            Ok(values) => {
                for value in values {
                    let line_no = rows.len() as u64 + 1;
                    let diagnostics = Vec::new();
                    let row =
                        DecodedRow { value, line_no, byte_offset: 0, byte_len: 0, diagnostics };
                    rows.push(Ok(row));
                }
            }
            Err(error) => {
                for _ in 0..group.n_rows {
                    rows.push(Err(crate::domain::stream::LineError {
                        line_no: rows.len() as u64 + 1,
                        byte_offset: 0,
                        message: format!("row group {group_idx}: {error}"),
                    }));
                }
            }
        }
    }
    Ok(rows)
}
