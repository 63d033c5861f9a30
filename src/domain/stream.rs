//! Streaming decoding: byte chunks in, complete lines and JSON rows out.
//!
//! [`LineSplitter`] takes chunks of any size, cut anywhere (inside a UTF-8 character, between
//! `\r` and `\n`), and yields complete lines with their one-based line number and byte offset.
//! [`JsonlDecoder`] sits on top and yields, per non-blank line, a row or a [`LineError`], and
//! goes on after errors. [`JsonArrayDecoder`] does the same for the elements of a JSON array of
//! rows. [`decode_document`] reads a whole file that may be JSONL, a JSON array of rows, or one
//! JSON object; [`DocumentDecoder`] reads the first two a piece at a time. [`RowKey`] and
//! [`OnceGuard`] key each row by where its bytes are, so that it is written once. Nothing here does IO:
//! the network layer and the CLI feed bytes in.

mod array;
mod key;

use serde_json::Value;

use crate::domain::diagnostic::Diagnostic;

pub use array::JsonArrayDecoder;
pub use key::{OnceGuard, RowKey};

/// One complete line, without its terminator (`\n` or `\r\n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line's bytes, not necessarily valid UTF-8.
    pub bytes: &'a [u8],
    /// One-based line number.
    pub line_no: u64,
    /// Offset of the line's first byte from the start of the stream.
    pub byte_offset: u64,
}

/// Splits a byte stream into lines, whatever the chunk boundaries.
///
/// ```
/// use trajex::domain::stream::LineSplitter;
/// let mut splitter = LineSplitter::new();
/// let mut lines = Vec::new();
/// for chunk in [&b"ab\r"[..], b"\ncd", b"\nef"] {
///     lines.extend(splitter.push(chunk).map(|l| l.bytes.to_vec()));
/// }
/// lines.extend(splitter.finish().map(|l| l.bytes.to_vec()));
/// assert_eq!(lines, [b"ab".to_vec(), b"cd".to_vec(), b"ef".to_vec()]);
/// ```
#[derive(Debug, Default)]
pub struct LineSplitter {
    /// Bytes not yet returned as lines (a partial line carried over, plus the newest chunk).
    buf: Vec<u8>,
    /// Positions and counters, kept apart from `buf` so that [`Lines`] can borrow both.
    cursor: Cursor,
}

#[derive(Debug, Default)]
struct Cursor {
    /// Bytes at the front of `buf` already returned; dropped at the next `push`.
    consumed: usize,
    /// Stream offset of `buf[0]`.
    buf_offset: u64,
    /// Number of lines returned so far.
    n_lines: u64,
}

impl LineSplitter {
    /// A splitter at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk and returns the lines it completes.
    pub fn push<'a>(&'a mut self, chunk: &[u8]) -> Lines<'a> {
        let cursor = &mut self.cursor;
        if cursor.consumed > 0 {
            self.buf.drain(..cursor.consumed);
            cursor.buf_offset += cursor.consumed as u64;
            cursor.consumed = 0;
        }
        // Only the new bytes can hold a newline that was not seen yet.
        let search_from = self.buf.len();
        self.buf.extend_from_slice(chunk);
        Lines { buf: &self.buf, cursor: &mut self.cursor, search_from }
    }

    /// Ends the stream and returns the last line if it had no terminator.
    pub fn finish(&mut self) -> Option<Line<'_>> {
        let cursor = &mut self.cursor;
        let rest = &self.buf[cursor.consumed..];
        if rest.is_empty() {
            return None;
        }
        cursor.n_lines += 1;
        let line = Line {
            bytes: strip_cr(rest),
            line_no: cursor.n_lines,
            byte_offset: cursor.buf_offset + cursor.consumed as u64,
        };
        cursor.consumed = self.buf.len();
        Some(line)
    }

    /// Bytes held for a line not yet complete.
    pub fn pending_len(&self) -> usize {
        self.buf.len() - self.cursor.consumed
    }

    /// Stream offset just past the last complete line returned: where a resumed download
    /// (an HTTP range request) should start so that no line is lost or repeated.
    pub fn resume_offset(&self) -> u64 {
        self.cursor.buf_offset + self.cursor.consumed as u64
    }

    /// Drops the bytes of a line not yet complete, so that the stream can go on from
    /// [`resume_offset`](Self::resume_offset) (a download resumed after a cut connection).
    /// Line numbers and offsets continue as if the dropped bytes had never come.
    pub fn discard_pending(&mut self) {
        self.buf.truncate(self.cursor.consumed);
    }
}

/// The lines completed by one [`LineSplitter::push`].
#[derive(Debug)]
pub struct Lines<'a> {
    buf: &'a [u8],
    cursor: &'a mut Cursor,
    search_from: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let start = self.cursor.consumed;
        let from = start.max(self.search_from);
        let newline = memchr::memchr(b'\n', &self.buf[from..])? + from;
        self.cursor.consumed = newline + 1;
        self.cursor.n_lines += 1;
        let buf: &'a [u8] = self.buf;
        Some(Line {
            bytes: strip_cr(&buf[start..newline]),
            line_no: self.cursor.n_lines,
            byte_offset: self.cursor.buf_offset + start as u64,
        })
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// A line that could not be decoded as a JSON row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    /// One-based line number.
    pub line_no: u64,
    /// Offset of the line's first byte in the stream.
    pub byte_offset: u64,
    /// What was wrong, from serde_json (with its column) or the decoder.
    pub message: String,
}

impl std::fmt::Display for LineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} (byte {}): {}", self.line_no, self.byte_offset, self.message)
    }
}

/// One decoded row with its position and any recovery made while decoding it.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedRow {
    /// The parsed JSON value.
    pub value: Value,
    /// One-based line number (for a whole-document array, the line where the element starts).
    pub line_no: u64,
    /// Offset of the row's first byte in the stream.
    pub byte_offset: u64,
    /// Length of the row's source text in bytes (the line, without its terminator).
    pub byte_len: u64,
    /// Recoveries, such as invalid UTF-8 replaced by U+FFFD.
    pub diagnostics: Vec<Diagnostic>,
}

/// The result of decoding one line: a row or an error.
pub type RowResult = Result<DecodedRow, LineError>;

/// Decodes one line of JSONL. Blank lines give `None`.
///
/// Invalid UTF-8 is not fatal: the line is decoded again with the bad bytes replaced by U+FFFD
/// and the row carries an `invalid_utf8` warning. serde_json's recursion limit (128 levels)
/// bounds nesting, so a deeply nested line is an error, not a stack overflow.
pub fn decode_line(line: Line<'_>) -> Option<RowResult> {
    let bytes = line.bytes;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let error = |message: String| LineError {
        line_no: line.line_no,
        byte_offset: line.byte_offset,
        message,
    };
    let row = |value, diagnostics| DecodedRow {
        value,
        line_no: line.line_no,
        byte_offset: line.byte_offset,
        byte_len: bytes.len() as u64,
        diagnostics,
    };
    Some(match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => Ok(row(value, Vec::new())),
        Err(err) if std::str::from_utf8(bytes).is_err() => {
            let lossy = String::from_utf8_lossy(bytes);
            match serde_json::from_str::<Value>(&lossy) {
                Ok(value) => {
                    let warning = Diagnostic::warning(
                        "invalid_utf8",
                        "",
                        "the line is not valid UTF-8; invalid bytes were replaced by U+FFFD",
                    );
                    Ok(row(value, vec![warning]))
                }
                Err(_) => Err(error(format!("invalid UTF-8 and not JSON: {err}"))),
            }
        }
        Err(err) => Err(error(describe_json_error(&err, bytes.len()))),
    })
}

fn describe_json_error(err: &serde_json::Error, len: usize) -> String {
    if err.is_eof() {
        format!("truncated JSON ({len} bytes): {err}")
    } else {
        format!("not JSON: {err}")
    }
}

/// Decodes JSONL from byte chunks: one row or error per non-blank line.
#[derive(Debug, Default)]
pub struct JsonlDecoder {
    splitter: LineSplitter,
}

impl JsonlDecoder {
    /// A decoder at the start of a stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a chunk and passes every row it completes to `sink`, in order.
    pub fn push(&mut self, chunk: &[u8], mut sink: impl FnMut(RowResult)) {
        self.push_with_bytes(chunk, |_, result| sink(result));
    }

    /// Like [`push`](Self::push), also passing each row's source line (without its
    /// terminator), for exports that must reproduce the input byte for byte.
    pub fn push_with_bytes(&mut self, chunk: &[u8], mut sink: impl FnMut(&[u8], RowResult)) {
        for line in self.splitter.push(chunk) {
            if let Some(result) = decode_line(line) {
                sink(line.bytes, result);
            }
        }
    }

    /// Ends the stream: decodes a last line that had no terminator.
    pub fn finish(&mut self, mut sink: impl FnMut(RowResult)) {
        self.finish_with_bytes(|_, result| sink(result));
    }

    /// Like [`finish`](Self::finish), also passing the line's bytes.
    pub fn finish_with_bytes(&mut self, mut sink: impl FnMut(&[u8], RowResult)) {
        if let Some(line) = self.splitter.finish() {
            if let Some(result) = decode_line(line) {
                sink(line.bytes, result);
            }
        }
    }

    /// See [`LineSplitter::resume_offset`].
    pub fn resume_offset(&self) -> u64 {
        self.splitter.resume_offset()
    }

    /// See [`LineSplitter::discard_pending`].
    pub fn discard_pending(&mut self) {
        self.splitter.discard_pending();
    }
}

/// Decodes a whole document: JSONL, a JSON array of rows, or a single JSON value.
///
/// A document whose first non-blank line is not a complete JSON value (a pretty-printed file)
/// is parsed as one JSON value. A top-level array is taken as an array of rows unless its
/// elements look like one trajectory ([`looks_like_one_trajectory`]: chat messages, as in a
/// mini-swe-agent `traj.json`, or an OpenHands event list): then the array is one row. Otherwise every line is a row. A document that is
/// none of these (a broken pretty-printed object) is read line by line, so that its lines are
/// reported as errors.
///
/// Rows of JSONL and of an array of rows carry their line or element's position and length;
/// a single value carries the whole document's.
pub fn decode_document(bytes: &[u8]) -> Vec<RowResult> {
    let mut rows = Vec::new();
    let mut decoder = match DocumentDecoder::for_document(bytes) {
        Some(decoder) => decoder,
        None => match decode_whole(bytes) {
            Some(row) => return vec![Ok(row)],
            None => DocumentDecoder::Lines(JsonlDecoder::new()),
        },
    };
    decoder.push(bytes, |r| rows.push(r));
    decoder.finish(|r| rows.push(r));
    rows
}

/// A document that [`decode_document`] reads row by row, decoded a piece at a time: the same
/// rows come out whatever the pieces (a big local file is read this way, with the page
/// updated between pieces).
#[derive(Debug)]
pub enum DocumentDecoder {
    /// JSONL: a row per non-blank line.
    Lines(JsonlDecoder),
    /// A JSON array of rows: a row per element.
    Array(JsonArrayDecoder),
}

/// Bytes of an array fed at a time while looking for its first elements (bytes).
const ARRAY_PROBE: usize = 64 * 1024;

impl DocumentDecoder {
    /// The decoder for `bytes` (the whole document), or `None` when [`decode_document`] reads
    /// it as one JSON value: a pretty-printed object, an array of chat messages.
    ///
    /// Only the document's start is looked at: its first line, or its first four array
    /// elements.
    pub fn for_document(bytes: &[u8]) -> Option<DocumentDecoder> {
        if reads_as_lines(bytes) {
            return Some(DocumentDecoder::Lines(JsonlDecoder::new()));
        }
        let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
            return None;
        }
        // An array whose first elements are one trajectory's messages or events is one row.
        let mut probe = JsonArrayDecoder::new();
        let mut head = Vec::new();
        let mut pieces = bytes.chunks(ARRAY_PROBE);
        while head.len() < 4 {
            let mut take = |result: RowResult| head.push(result.ok().map(|row| row.value));
            match pieces.next() {
                Some(piece) => probe.push(piece, &mut take),
                None => {
                    probe.finish(&mut take);
                    break;
                }
            }
        }
        let head: Option<Vec<Value>> = head.into_iter().take(4).collect();
        match head {
            Some(items) if looks_like_one_trajectory(&items) => None,
            _ => Some(DocumentDecoder::Array(JsonArrayDecoder::new())),
        }
    }

    /// Adds a piece and passes every row it completes to `sink`, in order.
    pub fn push(&mut self, chunk: &[u8], sink: impl FnMut(RowResult)) {
        match self {
            DocumentDecoder::Lines(decoder) => decoder.push(chunk, sink),
            DocumentDecoder::Array(decoder) => decoder.push(chunk, sink),
        }
    }

    /// Like [`push`](Self::push), also passing each row's source text (its line, or its
    /// array element).
    pub fn push_with_bytes(&mut self, chunk: &[u8], sink: impl FnMut(&[u8], RowResult)) {
        match self {
            DocumentDecoder::Lines(decoder) => decoder.push_with_bytes(chunk, sink),
            DocumentDecoder::Array(decoder) => decoder.push_with_bytes(chunk, sink),
        }
    }

    /// Ends the document (see [`JsonlDecoder::finish`], [`JsonArrayDecoder::finish`]).
    pub fn finish(&mut self, sink: impl FnMut(RowResult)) {
        match self {
            DocumentDecoder::Lines(decoder) => decoder.finish(sink),
            DocumentDecoder::Array(decoder) => decoder.finish(sink),
        }
    }

    /// Like [`finish`](Self::finish), also passing the row's source text.
    pub fn finish_with_bytes(&mut self, sink: impl FnMut(&[u8], RowResult)) {
        match self {
            DocumentDecoder::Lines(decoder) => decoder.finish_with_bytes(sink),
            DocumentDecoder::Array(decoder) => decoder.finish_with_bytes(sink),
        }
    }
}

/// Whether [`decode_document`] reads `bytes` line by line, so that the same rows come from
/// feeding the bytes, in chunks of any size, to a [`JsonlDecoder`]. False for what it reads
/// as one JSON value (a pretty-printed document) or as an array of rows (see
/// [`DocumentDecoder`]), even on one line; false also when unsure.
pub fn reads_as_lines(bytes: &[u8]) -> bool {
    let mut rest = bytes;
    let (first, after) = loop {
        let end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = strip_cr(&rest[..end]);
        let after = &rest[(end + 1).min(rest.len())..];
        if !line.iter().all(u8::is_ascii_whitespace) {
            break (line, after);
        }
        if end == rest.len() {
            // Blank: no rows either way.
            return true;
        }
        rest = after;
    };
    let Some(Ok(row)) = decode_line(Line { bytes: first, line_no: 1, byte_offset: 0 }) else {
        return false;
    };
    let only_line = after.iter().all(u8::is_ascii_whitespace);
    !(only_line && row.value.as_array().is_some_and(|items| !looks_like_one_trajectory(items)))
}

/// The document as one JSON value: one row.
fn decode_whole(bytes: &[u8]) -> Option<DecodedRow> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(0);
    let line_no = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64;
    Some(DecodedRow {
        value,
        line_no,
        byte_offset: start as u64,
        byte_len: (bytes.len() - start) as u64,
        diagnostics: Vec::new(),
    })
}

/// Whether a JSON array looks like one trajectory (chat messages, or the events or steps of a
/// format the core reads: see [`crate::domain::normalize::is_one_trajectory`]) rather than a
/// list of rows.
pub fn looks_like_one_trajectory(items: &[Value]) -> bool {
    crate::domain::normalize::is_one_trajectory(items)
}
