//! A JSON array of rows read a piece at a time: `[row, row, ...]`, pretty-printed or on one
//! line, as `json.dump(rows, f, indent=2)` writes it.
//!
//! [`JsonArrayDecoder`] finds where each element of the top-level array starts and ends by
//! following strings (with their escapes) and bracket depth, without parsing, and decodes each
//! element on its own with [`decode_line`] as soon as it is complete. So a big document shows
//! its first rows at once, memory holds one element at a time beyond the input, and a broken
//! element is one error while the elements after it still decode. Each row keeps its element's
//! line, byte offset and bytes (for raw export).
//!
//! What is not an element is reported as an error row, once: text before the `[` or after the
//! `]`, an empty element (`[1,,2]`, a trailing comma), an array left open at the end.

use super::{decode_line, Line, LineError, RowResult};

/// Decodes the elements of one top-level JSON array from byte chunks cut anywhere.
///
/// ```
/// use trajex::domain::stream::JsonArrayDecoder;
/// let mut decoder = JsonArrayDecoder::new();
/// let mut rows = Vec::new();
/// for chunk in [&b"[{\"a\": \"x,]\"},\n {\"a\""[..], b": 2}]\n"] {
///     decoder.push(chunk, |row| rows.push(row));
/// }
/// decoder.finish(|row| rows.push(row));
/// let rows: Vec<_> = rows.into_iter().map(Result::unwrap).collect();
/// assert_eq!(rows[0].value["a"], "x,]");
/// assert_eq!((rows[1].line_no, rows[1].byte_offset), (2, 16));
/// ```
#[derive(Debug, Default)]
pub struct JsonArrayDecoder {
    /// Bytes kept: the element being read (or nothing), then the newest chunk.
    buf: Vec<u8>,
    /// Stream offset of `buf[0]`.
    buf_offset: u64,
    /// Where scanning resumes in `buf`.
    pos: usize,
    /// One-based line of `buf[pos]`.
    line_no: u64,
    phase: Phase,
    /// Inside an element: where it starts in `buf`, and its line.
    element: Option<(usize, u64)>,
    /// Brackets and braces open inside the element.
    depth: u32,
    in_string: bool,
    /// The previous byte in a string was an unescaped backslash.
    escaped: bool,
    /// Where unexpected text started (stream offset, line), reported at the end.
    stray: Option<(u64, u64)>,
}

/// Where the scanner is in the document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Phase {
    /// Before the opening `[` (whitespace and a byte order mark are skipped).
    #[default]
    Start,
    /// After `[` (`first`) or a comma: an element or, after `[`, the closing `]` comes next.
    BeforeElement { first: bool },
    /// Inside an element.
    Element,
    /// After the closing `]`: only whitespace may follow.
    End,
}

impl JsonArrayDecoder {
    /// A decoder at the start of a document.
    pub fn new() -> Self {
        JsonArrayDecoder { line_no: 1, ..Self::default() }
    }

    /// Adds a chunk and passes every row (element) it completes to `sink`, in order.
    pub fn push(&mut self, chunk: &[u8], mut sink: impl FnMut(RowResult)) {
        self.push_with_bytes(chunk, |_, result| sink(result));
    }

    /// Like [`push`](Self::push), also passing each element's source text (trimmed of the
    /// whitespace around it).
    pub fn push_with_bytes(&mut self, chunk: &[u8], mut sink: impl FnMut(&[u8], RowResult)) {
        self.buf.extend_from_slice(chunk);
        self.scan(&mut sink);
        // Keep only the element being read.
        let keep_from = self.element.map_or(self.pos, |(start, _)| start);
        self.buf.drain(..keep_from);
        self.buf_offset += keep_from as u64;
        self.pos -= keep_from;
        if let Some((start, _)) = &mut self.element {
            *start -= keep_from;
        }
    }

    /// Ends the document: decodes an element left without its closing `]` and reports what
    /// was wrong with the document's shape.
    pub fn finish(&mut self, mut sink: impl FnMut(RowResult)) {
        self.finish_with_bytes(|_, result| sink(result));
    }

    /// Like [`finish`](Self::finish), also passing the element's bytes.
    pub fn finish_with_bytes(&mut self, mut sink: impl FnMut(&[u8], RowResult)) {
        if self.phase == Phase::Element {
            let end = self.buf.len();
            self.emit(end, &mut sink);
        }
        let (offset, line_no) = (self.buf_offset + self.pos as u64, self.line_no);
        match self.phase {
            // Bytes left unscanned: the start of a byte order mark, and nothing after it.
            Phase::Start if self.stray.is_none() && self.pos < self.buf.len() => {
                self.stray = Some((offset, line_no));
            }
            Phase::Start | Phase::End => {}
            Phase::BeforeElement { .. } | Phase::Element => {
                sink(&[], Err(error(offset, line_no, "the array is not closed: `]` is missing")))
            }
        }
        if let Some((offset, line_no)) = self.stray.take() {
            let message = if self.phase == Phase::Start {
                "not a JSON array: the document does not start with `[`"
            } else {
                "unexpected text after the end of the array"
            };
            sink(&[], Err(error(offset, line_no, message)));
        }
        self.phase = Phase::End;
        self.buf.clear();
        self.pos = 0;
    }

    fn scan(&mut self, sink: &mut impl FnMut(&[u8], RowResult)) {
        while self.pos < self.buf.len() {
            if self.stray.is_some() {
                // Everything after stray text is part of it: count its lines and move on.
                self.skip_to(self.buf.len());
                return;
            }
            if self.in_string {
                self.scan_string();
                continue;
            }
            let byte = self.buf[self.pos];
            match self.phase {
                Phase::Start | Phase::End | Phase::BeforeElement { .. }
                    if byte.is_ascii_whitespace() => {}
                Phase::Start if self.buf_offset + self.pos as u64 == 0 && byte == 0xEF => {
                    // A UTF-8 byte order mark.
                    if self.buf.len() < 3 {
                        return;
                    }
                    if self.buf[..3] == [0xEF, 0xBB, 0xBF] {
                        self.pos += 3;
                        continue;
                    }
                    self.stray = Some((0, self.line_no));
                }
                Phase::Start if byte == b'[' => self.phase = Phase::BeforeElement { first: true },
                Phase::Start | Phase::End => {
                    self.stray = Some((self.buf_offset + self.pos as u64, self.line_no));
                    continue;
                }
                Phase::BeforeElement { first } => match byte {
                    b']' => {
                        if !first {
                            let offset = self.buf_offset + self.pos as u64;
                            let message = "empty element before `]` (a trailing comma)";
                            sink(&[], Err(error(offset, self.line_no, message)));
                        }
                        self.phase = Phase::End;
                    }
                    b',' => {
                        let offset = self.buf_offset + self.pos as u64;
                        sink(&[], Err(error(offset, self.line_no, "empty element (`,,`)")));
                        self.phase = Phase::BeforeElement { first: false };
                    }
                    _ => {
                        self.phase = Phase::Element;
                        self.element = Some((self.pos, self.line_no));
                        self.depth = 0;
                        continue;
                    }
                },
                Phase::Element => match byte {
                    b'"' => self.in_string = true,
                    b'{' | b'[' => self.depth += 1,
                    b'}' => self.depth = self.depth.saturating_sub(1),
                    b']' if self.depth > 0 => self.depth -= 1,
                    b']' | b',' if self.depth == 0 => {
                        self.emit(self.pos, sink);
                        self.phase = if byte == b']' {
                            Phase::End
                        } else {
                            Phase::BeforeElement { first: false }
                        };
                    }
                    _ => {}
                },
            }
            if self.buf[self.pos] == b'\n' {
                self.line_no += 1;
            }
            self.pos += 1;
        }
    }

    /// Moves through a string to its closing quote, or to the end of what is buffered.
    fn scan_string(&mut self) {
        if self.escaped {
            self.escaped = false;
            self.skip_to(self.pos + 1);
            return;
        }
        match memchr::memchr2(b'"', b'\\', &self.buf[self.pos..]) {
            Some(at) => {
                let at = self.pos + at;
                if self.buf[at] == b'"' {
                    self.in_string = false;
                } else {
                    self.escaped = true;
                }
                self.skip_to(at + 1);
            }
            None => self.skip_to(self.buf.len()),
        }
    }

    /// Moves `pos` to `to`, counting the lines passed (raw newlines are invalid in a JSON
    /// string, but a broken document may have them).
    fn skip_to(&mut self, to: usize) {
        self.line_no += memchr::memchr_iter(b'\n', &self.buf[self.pos..to]).count() as u64;
        self.pos = to;
    }

    /// Decodes the element that ends just before `end` and passes it on.
    fn emit(&mut self, end: usize, sink: &mut impl FnMut(&[u8], RowResult)) {
        let Some((start, line_no)) = self.element.take() else { return };
        let bytes = self.buf[start..end].trim_ascii_end();
        let line = Line { bytes, line_no, byte_offset: self.buf_offset + start as u64 };
        if let Some(result) = decode_line(line) {
            sink(bytes, result);
        }
    }
}

fn error(byte_offset: u64, line_no: u64, message: &str) -> LineError {
    LineError { line_no, byte_offset, message: message.to_owned() }
}
