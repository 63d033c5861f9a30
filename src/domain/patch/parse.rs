//! The lenient unified-diff parser: a line-oriented state machine (no regex) that turns any text
//! into a [`Patch`] plus [`Diagnostic`]s, and never fails or panics.
//!
//! Diagnostics are located as `line N` (one-based line of the patch text).

use crate::domain::diagnostic::Diagnostic;

use super::{
    canonical_hunk_header, FileChange, FilePatch, Hunk, HunkLine, LineEnding, LineKind, LineRange,
    Patch, NO_NEWLINE_MARKER,
};

/// Reads a unified diff (git's or GNU diff's) leniently; never fails.
///
/// What it reads:
/// - **Files** start at a `diff --git` line, at another `diff ...` command line followed by a
///   `---`/`+++` pair or `Binary files ... differ`, at a `---` line directly followed by a
///   `+++` line (plain diffs), or at a lone `Binary files A and B differ` line. The header runs
///   up to the first hunk; git's extended lines (`index`, `old mode`/`new mode`,
///   `new file mode`, `deleted file mode`, `rename from`/`to`, `copy from`/`to`,
///   `similarity index`, `Binary files ... differ`) are read and every header line is kept
///   verbatim in [`FilePatch::header`]. Paths lose git's `a/` and `b/` prefixes (in plain
///   diffs only when both sides have them), `\t`-separated timestamps and C-style quoting;
///   `/dev/null`, or a timestamp at the Unix epoch in UTC (`diff -N`), means the file is absent
///   on that side.
/// - **`GIT binary patch`** blocks are kept verbatim up to the next file, and mark the file
///   binary.
/// - **Hunks**: `@@ -a,b +c,d @@ section`, a missing length meaning 1. A hunk reads the lines
///   its header announces (` `, `+`, `-`; an empty line counts as an empty context line, with
///   the warning `empty_context_line`), then goes on over further ` `/`+`/`-` lines (warning
///   `hunk_length_mismatch`) until anything else: another `@@`, a `diff` line, a `---` line
///   followed by `+++`, a `-- ` mail signature, an empty or other line. A hunk cut short by
///   such a line is also a `hunk_length_mismatch`; one cut short by the end of the text is a
///   `truncated_patch` (error). Before its announced length is reached, a hunk only stops early
///   at a `---`/`+++` pair followed by a valid `@@` line (a miscounted hunk before the next
///   plain-diff file). `\ No newline at end of file` (any line starting with `\`) sets
///   [`HunkLine::no_newline`] on the line before it.
/// - **Other lines** are kept: before the first file in [`Patch::preamble`], after a file's
///   hunks in [`FilePatch::trailer`], inside a header in [`FilePatch::header`]. Lines that
///   stand between two hunks of one file cannot be kept: they are dropped with the error
///   `unparsed_line`. A malformed `@@` line is kept like any other line, with the warning
///   `invalid_hunk_header` (so a hunk under it is not counted); hunks before any file header
///   make a file without paths (warning `hunk_without_file_header`).
/// - **Line endings**: when every line ends in `\r\n` the patch is read without the `\r`s and
///   [`Patch::line_ending`] is [`LineEnding::CrLf`]; when only some do, the `\r`s stay in the
///   line texts. Either way the warning `crlf_line_endings` is given once. A text that does not
///   end with a newline sets [`Patch::no_final_newline`] (warning `missing_final_newline`).
///
/// Empty text gives an empty patch and no diagnostic. Diagnostics are located as `line N`
/// (one-based line of `text`).
///
/// The result prints back (`Display`) to `text` byte for byte, except where the text could not
/// be kept as written: dropped lines, empty context lines (printed `" "`), a marker written
/// another way or twice. In those cases the result is re-read from its own printout, so that in
/// every case `parse(&patch.to_string()).0 == patch`.
pub fn parse(text: &str) -> (Patch, Vec<Diagnostic>) {
    let (mut patch, diagnostics, mut lossy) = parse_once(text);
    // Part of the text could not be kept as written (lines dropped, a marker written another
    // way): re-read the printout so that the result is a fixpoint of print then parse (dropping
    // lines can change what their neighbours look like). A printout is normally read without
    // loss at once; the bound only guards against surprises.
    let mut n_rounds = 0;
    while lossy && n_rounds < 4 {
        let (again, _, again_lossy) = parse_once(&patch.to_string());
        patch = again;
        lossy = again_lossy;
        n_rounds += 1;
    }
    (patch, diagnostics)
}

/// One pass of [`parse`]; also says whether some text was not kept as written.
fn parse_once(text: &str) -> (Patch, Vec<Diagnostic>, bool) {
    let mut diagnostics = Vec::new();
    if text.is_empty() {
        return (Patch::default(), diagnostics, false);
    }
    let (lines, line_ending, no_final_newline) = split_lines(text, &mut diagnostics);
    let mut parser = Parser {
        lines,
        idx: 0,
        state: State::Outside,
        patch: Patch { line_ending, no_final_newline, ..Patch::default() },
        file: None,
        trailer_start: 0,
        lossy: false,
        diagnostics,
    };
    while parser.idx < parser.lines.len() {
        parser.step();
    }
    parser.close_file();
    (parser.patch, parser.diagnostics, parser.lossy)
}

/// Splits `text` into lines without terminators, and finds its line ending.
fn split_lines<'t>(
    text: &'t str,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Vec<&'t str>, LineEnding, bool) {
    let bytes = text.as_bytes();
    let mut n_lf = 0usize;
    let mut n_crlf = 0usize;
    let mut first_crlf = None;
    for pos in memchr::memchr_iter(b'\n', bytes) {
        n_lf += 1;
        if pos > 0 && bytes.get(pos - 1) == Some(&b'\r') {
            n_crlf += 1;
            first_crlf.get_or_insert(n_lf);
        }
    }
    let no_final_newline = !text.ends_with('\n');
    let line_ending = if n_lf > 0 && n_crlf == n_lf { LineEnding::CrLf } else { LineEnding::Lf };
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut lines: Vec<&str> = body.split('\n').collect();
    if line_ending == LineEnding::CrLf {
        // Every terminated line lost its `\n`; drop its `\r` too (not the unterminated last).
        let n_terminated =
            if no_final_newline { lines.len().saturating_sub(1) } else { lines.len() };
        for line in lines.iter_mut().take(n_terminated) {
            *line = line.strip_suffix('\r').unwrap_or(line);
        }
        diagnostics.push(Diagnostic::warning(
            "crlf_line_endings",
            "",
            "every line ends in CRLF (\\r\\n); read without the \\r and printed back with it",
        ));
    } else if let Some(line_no) = first_crlf {
        diagnostics.push(Diagnostic::warning(
            "crlf_line_endings",
            at(line_no),
            format!(
                "{n_crlf} of {n_lf} lines end in CRLF (\\r\\n); their \\r is kept in the line text"
            ),
        ));
    }
    if no_final_newline {
        diagnostics.push(Diagnostic::warning(
            "missing_final_newline",
            at(lines.len()),
            "the text does not end with a newline (it was probably trimmed); printed back the same",
        ));
    }
    (lines, line_ending, no_final_newline)
}

/// The location of one-based line `line_no`.
fn at(line_no: usize) -> String {
    format!("line {line_no}")
}

/// Where the parser stands between lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// Before the first file, after a complete header (`---`/`+++` read) or after a hunk:
    /// lines that start nothing go to the preamble or the current file's trailer.
    Outside,
    /// Inside a header begun by a `diff` line, before `---`/`+++`, a hunk or a binary block:
    /// lines go to the header.
    Header,
    /// Inside a `GIT binary patch` block: lines go to it.
    Binary,
}

/// How a file starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Start {
    /// A `diff --git` (or other `diff ...`) line; the header goes on.
    Diff,
    /// A `---` line followed by a `+++` line; the header is complete.
    MinusPlus,
    /// A lone `Binary files A and B differ` line; the header is complete.
    BinaryFiles,
}

struct Parser<'t> {
    lines: Vec<&'t str>,
    /// Index of the next line to read (zero-based; line number `idx + 1`).
    idx: usize,
    state: State,
    patch: Patch,
    /// The file being read.
    file: Option<FilePatch>,
    /// Index of the first line of the current file's trailer, when it has one.
    trailer_start: usize,
    /// Some text was not kept as written (see [`parse`]).
    lossy: bool,
    diagnostics: Vec<Diagnostic>,
}

impl<'t> Parser<'t> {
    fn line(&self, idx: usize) -> Option<&'t str> {
        self.lines.get(idx).copied()
    }

    /// A `---` line at `idx` directly followed by a `+++` line.
    fn is_minus_plus(&self, idx: usize) -> bool {
        self.line(idx).is_some_and(|line| line.starts_with("--- "))
            && self.line(idx + 1).is_some_and(|line| line.starts_with("+++ "))
    }

    /// How a file starts at `idx`, if one does (see [`parse`]).
    fn file_start(&self, idx: usize) -> Option<Start> {
        let line = self.line(idx)?;
        if line.starts_with("diff --git ") {
            return Some(Start::Diff);
        }
        if line.starts_with("diff ")
            && (self.is_minus_plus(idx + 1)
                || self.line(idx + 1).is_some_and(|next| binary_files_paths(next).is_some()))
        {
            return Some(Start::Diff);
        }
        if self.state == State::Header {
            // A `---`/`+++` pair or a `Binary files` line belongs to the header being read.
            return None;
        }
        if self.is_minus_plus(idx) {
            Some(Start::MinusPlus)
        } else if binary_files_paths(line).is_some() {
            Some(Start::BinaryFiles)
        } else {
            None
        }
    }

    /// Reads the line at `idx` (and maybe more).
    fn step(&mut self) {
        let Some(line) = self.line(self.idx) else {
            return;
        };
        if let Some(start) = self.file_start(self.idx) {
            self.close_file();
            let mut file = FilePatch::default();
            file.header.push(line.to_string());
            self.idx += 1;
            self.state = match start {
                Start::Diff => State::Header,
                Start::MinusPlus => {
                    file.header.extend(self.line(self.idx).map(str::to_string));
                    self.idx += 1;
                    State::Outside
                }
                Start::BinaryFiles => State::Outside,
            };
            self.file = Some(file);
            return;
        }
        match self.state {
            State::Binary => {
                if let Some(file) = &mut self.file {
                    file.binary_patch.push(line.to_string());
                }
                self.idx += 1;
            }
            State::Header => {
                if let Some(hunk) = parse_hunk_header(line) {
                    self.state = State::Outside;
                    self.hunk(hunk);
                } else if strip_cr(line) == "GIT binary patch" {
                    if let Some(file) = &mut self.file {
                        file.binary_patch.push(line.to_string());
                    }
                    self.state = State::Binary;
                    self.idx += 1;
                } else if self.is_minus_plus(self.idx) {
                    let next = self.line(self.idx + 1);
                    if let Some(file) = &mut self.file {
                        file.header.push(line.to_string());
                        file.header.extend(next.map(str::to_string));
                    }
                    self.state = State::Outside;
                    self.idx += 2;
                } else {
                    self.check_hunk_like(line);
                    if let Some(file) = &mut self.file {
                        file.header.push(line.to_string());
                    }
                    self.idx += 1;
                }
            }
            State::Outside => {
                if let Some(hunk) = parse_hunk_header(line) {
                    self.prepare_for_hunk();
                    self.hunk(hunk);
                } else {
                    self.check_hunk_like(line);
                    match &mut self.file {
                        Some(file) => {
                            if file.trailer.is_empty() {
                                self.trailer_start = self.idx;
                            }
                            file.trailer.push(line.to_string());
                        }
                        None => self.patch.preamble.push(line.to_string()),
                    }
                    self.idx += 1;
                }
            }
        }
    }

    /// Reports a line that starts like a hunk header but is not one.
    fn check_hunk_like(&mut self, line: &str) {
        if line.starts_with("@@") {
            self.diagnostics.push(Diagnostic::warning(
                "invalid_hunk_header",
                at(self.idx + 1),
                "a line starts with @@ but is not a hunk header `@@ -a,b +c,d @@`; kept as text",
            ));
        }
    }

    /// Makes sure a hunk found outside a header has a file to go to, with no trailer before it.
    fn prepare_for_hunk(&mut self) {
        match &mut self.file {
            None => {
                self.diagnostics.push(Diagnostic::warning(
                    "hunk_without_file_header",
                    at(self.idx + 1),
                    "a hunk before any file header; read as a file without paths",
                ));
                self.file = Some(FilePatch::default());
            }
            Some(file) if !file.trailer.is_empty() => {
                let n_dropped = file.trailer.len();
                file.trailer.clear();
                self.lossy = true;
                let first = self.trailer_start + 1;
                let last = self.trailer_start + n_dropped;
                let lines = if n_dropped == 1 {
                    format!("line {first}")
                } else {
                    format!("lines {first}-{last}")
                };
                self.diagnostics.push(Diagnostic::error(
                    "unparsed_line",
                    at(first),
                    format!("text between two hunks of one file ({lines}) fits no hunk; dropped"),
                ));
            }
            Some(_) => {}
        }
    }

    /// Reads the hunk whose header is at `idx`, into the current file.
    fn hunk(&mut self, mut hunk: Hunk) {
        let header_line_no = self.idx + 1;
        self.idx += 1;
        let (mut n_old, mut n_new) = (0u64, 0u64);
        let mut truncated = false;
        loop {
            let Some(line) = self.line(self.idx) else {
                truncated = n_old < hunk.old.len || n_new < hunk.new.len;
                break;
            };
            if line.starts_with('\\') {
                match hunk.lines.last_mut() {
                    Some(last) => {
                        // Printed back as the usual marker, once.
                        self.lossy |= last.no_newline || line != NO_NEWLINE_MARKER;
                        last.no_newline = true;
                        self.idx += 1;
                        continue;
                    }
                    None => break,
                }
            }
            let complete = n_old >= hunk.old.len && n_new >= hunk.new.len;
            let kind = match line.as_bytes().first() {
                Some(b' ') => LineKind::Context,
                Some(b'+') => LineKind::Added,
                Some(b'-') => LineKind::Removed,
                None if !complete => {
                    self.lossy = true;
                    self.diagnostics.push(Diagnostic::warning(
                        "empty_context_line",
                        at(self.idx + 1),
                        "an empty line inside a hunk; read as an empty context line",
                    ));
                    LineKind::Context
                }
                _ => break,
            };
            if complete && (line == "-- " || self.is_minus_plus(self.idx)) {
                break;
            }
            if !complete
                && self.is_minus_plus(self.idx)
                && self.line(self.idx + 2).and_then(parse_hunk_header).is_some()
            {
                break;
            }
            match kind {
                LineKind::Context => {
                    n_old += 1;
                    n_new += 1;
                }
                LineKind::Added => n_new += 1,
                LineKind::Removed => n_old += 1,
            }
            hunk.lines.push(HunkLine::new(kind, line.get(1..).unwrap_or("")));
            self.idx += 1;
        }
        let (old_len, new_len) = (hunk.old.len, hunk.new.len);
        if truncated {
            self.diagnostics.push(Diagnostic::error(
                "truncated_patch",
                at(header_line_no),
                format!(
                    "the text ends inside the hunk at line {header_line_no}: it announces \
                     {old_len} old and {new_len} new lines, {n_old} and {n_new} were read"
                ),
            ));
        } else if n_old != old_len || n_new != new_len {
            self.diagnostics.push(Diagnostic::warning(
                "hunk_length_mismatch",
                at(header_line_no),
                format!(
                    "the hunk at line {header_line_no} announces {old_len} old and {new_len} new \
                     lines but has {n_old} and {n_new}; kept as read"
                ),
            ));
        }
        if let Some(file) = &mut self.file {
            file.hunks.push(hunk);
        }
        self.state = State::Outside;
    }

    /// Ends the current file: reads its header into its fields and adds it to the patch.
    fn close_file(&mut self) {
        if let Some(mut file) = self.file.take() {
            read_header(&mut file);
            self.patch.files.push(file);
        }
        self.state = State::Outside;
    }
}

/// The line without one trailing `\r` (for lines of a patch with mixed line endings).
fn strip_cr(line: &str) -> &str {
    line.strip_suffix('\r').unwrap_or(line)
}

/// Reads `@@ -a[,b] +c[,d] @@[ section]` into an empty hunk; `None` when `line` is not one.
fn parse_hunk_header(line: &str) -> Option<Hunk> {
    let rest = line.strip_prefix("@@ -")?;
    let (old, rest) = parse_range(rest)?;
    let rest = rest.strip_prefix(" +")?;
    let (new, rest) = parse_range(rest)?;
    let rest = strip_cr(rest.strip_prefix(" @@")?);
    let section = rest.strip_prefix(' ').unwrap_or(rest);
    let mut hunk = Hunk { old, new, section: section.to_string(), ..Hunk::default() };
    if canonical_hunk_header(&hunk) != line {
        hunk.raw_header = Some(line.to_string());
    }
    Some(hunk)
}

/// Reads `start[,len]` at the beginning of `text`; returns it and the rest.
fn parse_range(text: &str) -> Option<(LineRange, &str)> {
    let (start, rest) = parse_number(text)?;
    match rest.strip_prefix(',') {
        Some(rest) => {
            let (len, rest) = parse_number(rest)?;
            Some((LineRange { start, len }, rest))
        }
        None => Some((LineRange { start, len: 1 }, rest)),
    }
}

/// Reads the decimal digits at the beginning of `text`; returns their value and the rest.
fn parse_number(text: &str) -> Option<(u64, &str)> {
    let n_digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let digits = text.get(..n_digits)?;
    let rest = text.get(n_digits..)?;
    Some((digits.parse().ok()?, rest))
}

/// One side's path as a `---`, `+++` or `Binary files` line names it.
#[derive(Clone, Debug, Default)]
struct Side {
    /// The path as written, unquoted, prefix (`a/`, `b/`) kept.
    name: String,
    /// The file does not exist on this side (`/dev/null`, or an epoch timestamp).
    absent: bool,
}

/// Reads the part of a `---`/`+++` line after the marker: path, then maybe `\t` and a timestamp.
fn header_side(rest: &str) -> Side {
    let rest = strip_cr(rest);
    let (name, tail) = match unquote(rest) {
        Some((name, tail)) => (name, tail),
        None => match rest.split_once('\t') {
            Some((name, tail)) => (name.to_string(), tail),
            None => (rest.to_string(), ""),
        },
    };
    let absent = name == "/dev/null" || is_epoch(tail.trim_start_matches('\t'));
    Side { name, absent }
}

/// A GNU diff timestamp at the Unix epoch in UTC (`1970-01-01 00:00:00[.000000000] [+0000]`),
/// which `diff -N` writes for a file that does not exist.
fn is_epoch(timestamp: &str) -> bool {
    let mut parts = timestamp.split(' ');
    let date = parts.next();
    let time = parts.next().unwrap_or_default();
    let zone = parts.next();
    date == Some("1970-01-01")
        && time.starts_with("00:00:00")
        && time.trim_start_matches("00:00:00").trim_start_matches('.').bytes().all(|b| b == b'0')
        && matches!(zone, None | Some("+0000") | Some("-0000"))
        && parts.next().is_none()
}

/// The two sides of `Binary files A and B differ`; `None` when `line` is not one.
fn binary_files_paths(line: &str) -> Option<(Side, Side)> {
    let inner = strip_cr(line).strip_prefix("Binary files ")?.strip_suffix(" differ")?;
    let (old, new) = match unquote(inner) {
        Some((old, tail)) => (old, tail.strip_prefix(" and ")?.to_string()),
        None => {
            let (old, new) = inner.split_once(" and ")?;
            (old.to_string(), new.to_string())
        }
    };
    let new = match unquote(&new) {
        Some((unquoted, "")) => unquoted,
        _ => new,
    };
    let side = |name: String| Side { absent: name == "/dev/null", name };
    Some((side(old), side(new)))
}

/// The two paths of a `diff --git A B` line (after `diff --git `), prefixes kept.
fn git_diff_paths(rest: &str) -> Option<(String, String)> {
    let rest = strip_cr(rest);
    if let Some((old, tail)) = unquote(rest) {
        let tail = tail.strip_prefix(' ')?;
        let new = match unquote(tail) {
            Some((new, _)) => new,
            None => tail.to_string(),
        };
        return Some((old, new));
    }
    // An unquoted old path and a quoted new one.
    if let Some(pos) = rest.find(" \"") {
        if let Some((new, "")) = rest.get(pos + 1..).and_then(unquote) {
            return Some((rest.get(..pos)?.to_string(), new));
        }
    }
    // The same path on both sides (`a/P b/P`, the usual case, spaces allowed): split in the middle.
    if rest.len() % 2 == 1 {
        let half = rest.len() / 2;
        if let (Some(old), Some(" "), Some(new)) =
            (rest.get(..half), rest.get(half..half + 1), rest.get(half + 1..))
        {
            if old.get(2..) == new.get(2..) {
                return Some((old.to_string(), new.to_string()));
            }
        }
    }
    let (old, new) = rest.split_once(" b/").map(|(old, new)| (old, format!("b/{new}")))?;
    Some((old.to_string(), new))
}

/// Reads a C-style quoted string at the start of `text` (git quotes paths with unusual
/// characters: `"a/donn\303\251es.txt"`); returns it and the rest after the closing quote.
fn unquote(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut bytes = Vec::new();
    let mut chars = body.char_indices().peekable();
    while let Some((pos, c)) = chars.next() {
        match c {
            '"' => {
                let rest = body.get(pos + 1..).unwrap_or("");
                return Some((String::from_utf8_lossy(&bytes).into_owned(), rest));
            }
            '\\' => {
                let (_, escaped) = chars.next()?;
                match escaped {
                    'a' => bytes.push(0x07),
                    'b' => bytes.push(0x08),
                    't' => bytes.push(b'\t'),
                    'n' => bytes.push(b'\n'),
                    'v' => bytes.push(0x0b),
                    'f' => bytes.push(0x0c),
                    'r' => bytes.push(b'\r'),
                    '0'..='7' => {
                        let mut value = escaped.to_digit(8).unwrap_or(0);
                        for _ in 0..2 {
                            match chars.peek().and_then(|(_, c)| c.to_digit(8)) {
                                Some(digit) => {
                                    value = value * 8 + digit;
                                    chars.next();
                                }
                                None => break,
                            }
                        }
                        bytes.push((value & 0xff) as u8);
                    }
                    other => {
                        let mut buf = [0u8; 4];
                        bytes.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
                    }
                }
            }
            other => {
                let mut buf = [0u8; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    None
}

/// A path from a `rename`/`copy` line: unquoted when quoted.
fn plain_path(rest: &str) -> String {
    let rest = strip_cr(rest);
    match unquote(rest) {
        Some((path, _)) => path,
        None => rest.to_string(),
    }
}

/// What a header says, before it is turned into [`FilePatch`] fields.
#[derive(Default)]
struct HeaderInfo {
    is_git: bool,
    git_paths: Option<(String, String)>,
    minus: Option<Side>,
    plus: Option<Side>,
    binary_sides: Option<(Side, Side)>,
    is_binary: bool,
    created: bool,
    deleted: bool,
    old_mode: Option<String>,
    new_mode: Option<String>,
    index_mode: Option<String>,
    rename_from: Option<String>,
    rename_to: Option<String>,
    copy_from: Option<String>,
    copy_to: Option<String>,
    similarity: Option<u8>,
}

/// Sets a file's paths, change, modes and binary flag from its header lines.
fn read_header(file: &mut FilePatch) {
    let mut info = HeaderInfo {
        is_git: file.header.first().is_some_and(|line| line.starts_with("diff --git ")),
        ..HeaderInfo::default()
    };
    for line in &file.header {
        let line = strip_cr(line);
        if let Some(rest) = line.strip_prefix("diff --git ") {
            info.git_paths = git_diff_paths(rest);
        } else if let Some(rest) = line.strip_prefix("--- ") {
            info.minus = Some(header_side(rest));
        } else if let Some(rest) = line.strip_prefix("+++ ") {
            info.plus = Some(header_side(rest));
        } else if let Some(mode) = line.strip_prefix("old mode ") {
            info.old_mode = Some(mode.to_string());
        } else if let Some(mode) = line.strip_prefix("new mode ") {
            info.new_mode = Some(mode.to_string());
        } else if let Some(mode) = line.strip_prefix("deleted file mode ") {
            info.deleted = true;
            info.old_mode = Some(mode.to_string());
        } else if let Some(mode) = line.strip_prefix("new file mode ") {
            info.created = true;
            info.new_mode = Some(mode.to_string());
        } else if let Some(path) = line.strip_prefix("rename from ") {
            info.rename_from = Some(plain_path(path));
        } else if let Some(path) = line.strip_prefix("rename to ") {
            info.rename_to = Some(plain_path(path));
        } else if let Some(path) = line.strip_prefix("copy from ") {
            info.copy_from = Some(plain_path(path));
        } else if let Some(path) = line.strip_prefix("copy to ") {
            info.copy_to = Some(plain_path(path));
        } else if let Some(percent) = line.strip_prefix("similarity index ") {
            info.similarity = percent.strip_suffix('%').and_then(|p| p.parse().ok());
        } else if let Some(rest) = line.strip_prefix("index ") {
            info.index_mode = rest.split(' ').nth(1).map(str::to_string);
        } else if let Some(sides) = binary_files_paths(line) {
            info.is_binary = true;
            info.binary_sides = Some(sides);
        }
    }

    let (binary_old, binary_new) = match info.binary_sides {
        Some((old, new)) => (Some(old), Some(new)),
        None => (None, None),
    };
    // A git header names its paths on the `diff --git` line, which splits better than the
    // `Binary files A and B differ` line: the latter then only says which side is absent.
    let (binary_old, binary_new) = match (&info.git_paths, binary_old, binary_new) {
        (Some(_), Some(old), Some(new)) => (old.absent.then_some(old), new.absent.then_some(new)),
        (_, old, new) => (old, new),
    };
    let old_side = info.minus.or(binary_old);
    let new_side = info.plus.or(binary_new);
    // Git always writes prefixes (unless told not to); plain diffs have them when both sides do.
    let strip = info.is_git
        || match (&old_side, &new_side) {
            (Some(old), Some(new)) => {
                (old.name.starts_with("a/") || old.name == "/dev/null")
                    && (new.name.starts_with("b/") || new.name == "/dev/null")
            }
            _ => false,
        };
    let unprefix = |name: String, prefix: &str| -> String {
        match name.strip_prefix(prefix) {
            Some(path) if strip => path.to_string(),
            _ => name,
        }
    };
    let (git_old, git_new) = match info.git_paths {
        Some((old, new)) => (Some(unprefix(old, "a/")), Some(unprefix(new, "b/"))),
        None => (None, None),
    };

    file.old_path = match old_side {
        _ if info.created => None,
        Some(side) if side.absent => None,
        Some(side) => Some(unprefix(side.name, "a/")),
        None => info.rename_from.clone().or(info.copy_from.clone()).or(git_old),
    };
    file.new_path = match new_side {
        _ if info.deleted => None,
        Some(side) if side.absent => None,
        Some(side) => Some(unprefix(side.name, "b/")),
        None => info.rename_to.clone().or(info.copy_to.clone()).or(git_new),
    };
    file.change = if info.rename_from.is_some() || info.rename_to.is_some() {
        FileChange::Renamed { similarity: info.similarity }
    } else if info.copy_from.is_some() || info.copy_to.is_some() {
        FileChange::Copied { similarity: info.similarity }
    } else {
        match (&file.old_path, &file.new_path) {
            (None, Some(_)) => FileChange::Added,
            (Some(_), None) => FileChange::Deleted,
            _ => FileChange::Modified,
        }
    };
    if info.old_mode.is_none() && info.new_mode.is_none() {
        info.old_mode = info.index_mode.clone();
        info.new_mode = info.index_mode;
    }
    file.old_mode = info.old_mode;
    file.new_mode = info.new_mode;
    file.is_binary = info.is_binary || !file.binary_patch.is_empty();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_paths_split_in_the_middle_or_at_b() {
        let split = |rest: &str| git_diff_paths(rest).unwrap();
        assert_eq!(split("a/x y.txt b/x y.txt"), ("a/x y.txt".into(), "b/x y.txt".into()));
        assert_eq!(split("a/old.py b/new.py"), ("a/old.py".into(), "b/new.py".into()));
        assert_eq!(split("\"a/\\303\\251\" \"b/\\303\\251\""), ("a/é".into(), "b/é".into()));
        assert_eq!(split("a/x \"b/\\303\\251\""), ("a/x".into(), "b/é".into()));
    }

    #[test]
    fn unquote_reads_c_escapes() {
        assert_eq!(unquote("\"a\\tb\\\\c\\\"d\" rest"), Some(("a\tb\\c\"d".into(), " rest")));
        assert_eq!(unquote("\"unterminated"), None);
        assert_eq!(unquote("plain"), None);
    }

    #[test]
    fn epoch_timestamps() {
        assert!(is_epoch("1970-01-01 00:00:00.000000000 +0000"));
        assert!(is_epoch("1970-01-01 00:00:00"));
        assert!(!is_epoch("1970-01-01 00:00:01 +0000"));
        assert!(!is_epoch("2024-03-01 10:00:00.000000000 +0000"));
        assert!(!is_epoch(""));
    }

    #[test]
    fn hunk_headers() {
        let hunk = parse_hunk_header("@@ -1 +1,0 @@").unwrap();
        assert_eq!(
            (hunk.old, hunk.new),
            (LineRange { start: 1, len: 1 }, LineRange { start: 1, len: 0 })
        );
        assert_eq!(hunk.raw_header, None);
        assert!(parse_hunk_header("@@ -1,2 +1,2").is_none());
        assert!(parse_hunk_header("@@ -99999999999999999999 +1 @@").is_none());
        assert!(parse_hunk_header("@@ def f(): @@").is_none());
        let raw = parse_hunk_header("@@ -1,1 +1,1 @@").unwrap();
        assert_eq!(raw.raw_header.as_deref(), Some("@@ -1,1 +1,1 @@"));
    }
}
