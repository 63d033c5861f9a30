//! Unified diffs: the model of a patch (files, hunks, lines), its printer and its statistics.
//!
//! The model follows patch-rs and unidiff: a [`Patch`] holds [`FilePatch`]es, which hold
//! [`Hunk`]s, which hold [`HunkLine`]s. Line kinds are an enum ([`LineKind`]) whose `Display` is
//! the diff sign, and the "\ No newline at end of file" marker is a flag on the line it follows,
//! not a line. [`parse`] reads any text leniently (see [`parse`] for the rules) and `Display`
//! writes it back: for well-formed input the printed text is the input byte for byte, and in every
//! case `parse(&patch.to_string()).0 == patch` (the model is a fixpoint of print then parse).
//!
//! Faithful printing is why some fields are kept as text: a file's header lines (`diff --git`,
//! `index`, modes, renames, `---`/`+++` with their `a/` `b/` prefixes and timestamps) and its
//! `GIT binary patch` block are stored verbatim and printed as they are; the paths, modes and
//! change kind beside them are what the parser read from those lines. Text around the files
//! (an agent's prose, `Only in ...` lines) is kept in [`Patch::preamble`] and
//! [`FilePatch::trailer`].
//!
//! The closest thing the format has to a specification is the GNU diffutils manual ("Detailed
//! Description of Unified Format") plus git's `diff-generate-patch` documentation for the
//! extended header lines.

mod parse;
mod paths;

use std::collections::BTreeMap;
use std::fmt;

pub use parse::parse;
pub use paths::{extension_of, is_test_path, language_of_path, LANGUAGES};

/// A unified diff: the files it changes, in order, plus the text before the first file.
///
/// Printing (`Display`) joins every line with [`Patch::line_ending`] and ends the text with one
/// unless [`Patch::no_final_newline`] is set.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Patch {
    /// Lines before the first file (commit message, an agent's prose, empty lines), verbatim,
    /// without line endings; printed first.
    pub preamble: Vec<String>,
    /// The changed files, in the order they appear.
    pub files: Vec<FilePatch>,
    /// The line terminator of the whole text: `\r\n` when every line of the input ended so.
    /// (A patch whose lines end in a mix of both is [`LineEnding::Lf`] and keeps the `\r`s
    /// inside the line texts; so is a text with no line terminator at all.)
    pub line_ending: LineEnding,
    /// The text's last line has no terminator (the patch was trimmed). Never set on an empty
    /// patch.
    pub no_final_newline: bool,
}

/// A line terminator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LineEnding {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n`.
    CrLf,
}

impl LineEnding {
    /// The terminator's text: `"\n"` or `"\r\n"`.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnding::Lf => "\n",
            LineEnding::CrLf => "\r\n",
        }
    }
}

/// The changes to one file: its header, then hunks (text) or a binary patch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilePatch {
    /// The path before the change, without git's `a/` prefix; `None` when the file is new
    /// (`/dev/null`) or the header names no file.
    pub old_path: Option<String>,
    /// The path after the change, without git's `b/` prefix; `None` when the file is deleted
    /// (`/dev/null`) or the header names no file.
    pub new_path: Option<String>,
    /// What happened to the file.
    pub change: FileChange,
    /// The file is binary: its header says `Binary files ... differ` or it has a
    /// `GIT binary patch` block.
    pub is_binary: bool,
    /// The mode before the change as written by git (octal text, e.g. `"100644"`), from
    /// `old mode`, `deleted file mode` or the `index` line.
    pub old_mode: Option<String>,
    /// The mode after the change (octal text, e.g. `"100755"`), from `new mode`,
    /// `new file mode` or the `index` line.
    pub new_mode: Option<String>,
    /// The header lines, verbatim and in order, without line endings: from the `diff` line (or
    /// the `---` line when there is none) through `+++`, with every extended line between
    /// (`index`, modes, `rename from`/`to`, `copy from`/`to`, `similarity index`,
    /// `Binary files ... differ`, lines the parser does not know). Empty for hunks that came
    /// without any header. Printed as is; the fields above are read from it.
    pub header: Vec<String>,
    /// The `GIT binary patch` block verbatim, without line endings: from that line up to the
    /// next file (base85 data and the empty lines that end each part). Empty when there is none.
    pub binary_patch: Vec<String>,
    /// The text hunks, in order.
    pub hunks: Vec<Hunk>,
    /// Lines after the last hunk that belong to no hunk and start no file (prose,
    /// `Only in ...`, empty lines, a `-- ` mail signature), verbatim; printed last.
    pub trailer: Vec<String>,
}

/// What a [`FilePatch`] does to its file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum FileChange {
    /// The file is created (`new file mode`, or `---` names `/dev/null`).
    Added,
    /// The file is removed (`deleted file mode`, or `+++` names `/dev/null`).
    Deleted,
    /// The file's content or mode changes in place.
    #[default]
    Modified,
    /// The file is moved (`rename from`/`rename to`), maybe with content changes.
    Renamed {
        /// Git's `similarity index`, in percent (0 to 100), when given.
        similarity: Option<u8>,
    },
    /// The file is copied to a new path (`copy from`/`copy to`), maybe with content changes.
    Copied {
        /// Git's `similarity index`, in percent (0 to 100), when given.
        similarity: Option<u8>,
    },
}

/// One hunk: a header `@@ -old +new @@ section` and its lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hunk {
    /// The lines of the old file this hunk covers (one-based, as in the header).
    pub old: LineRange,
    /// The lines of the new file this hunk covers (one-based, as in the header).
    pub new: LineRange,
    /// The text after the second `@@`, without the one space that separates it (usually the
    /// enclosing function); empty when there is none.
    pub section: String,
    /// The hunk's lines, in order.
    pub lines: Vec<HunkLine>,
    /// The `@@` line as written, kept only when it differs from how the printer would write it
    /// from the fields above (`-3,1` instead of `-3`, no space before the section, ...);
    /// `None` for the usual form.
    pub raw_header: Option<String>,
}

/// A range of lines in a hunk header: `start,len` (one-based start; `len` lines).
///
/// Headers written `-5` (no length) mean `len` 1. A range of length 0 names the line *after*
/// which lines are inserted (`-0,0` for an empty or absent file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct LineRange {
    /// First line (one-based line number).
    pub start: u64,
    /// Number of lines (count).
    pub len: u64,
}

/// One line of a hunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HunkLine {
    /// Context, added or removed.
    pub kind: LineKind,
    /// The line's text, without its sign and without its line ending.
    pub text: String,
    /// The line is the last of its file and has no newline: the diff follows it with
    /// `\ No newline at end of file`.
    pub no_newline: bool,
}

/// The kind of a hunk line. `Display` writes its sign: `' '`, `'+'` or `'-'`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LineKind {
    /// Unchanged (` `).
    Context,
    /// Added in the new file (`+`).
    Added,
    /// Removed from the old file (`-`).
    Removed,
}

impl LineKind {
    /// The diff sign of the kind: `' '`, `'+'` or `'-'`.
    pub fn sign(self) -> char {
        match self {
            LineKind::Context => ' ',
            LineKind::Added => '+',
            LineKind::Removed => '-',
        }
    }
}

impl HunkLine {
    /// A line of `kind` with `text`, followed by a newline.
    pub fn new(kind: LineKind, text: impl Into<String>) -> Self {
        HunkLine { kind, text: text.into(), no_newline: false }
    }
}

/// The marker that follows a line without a newline, as diff and git write it.
pub const NO_NEWLINE_MARKER: &str = "\\ No newline at end of file";

/// Figures about a patch, computed by [`Patch::stats`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchStats {
    /// Files in the patch (count), binary and header-only ones included.
    pub n_files: usize,
    /// Added lines inside hunks (count); `+++` headers are not counted.
    pub n_added: usize,
    /// Removed lines inside hunks (count); `---` headers are not counted.
    pub n_removed: usize,
    /// Hunks (count).
    pub n_hunks: usize,
    /// Files per lower-case extension (see [`Patch::extensions`]).
    pub extensions: BTreeMap<String, usize>,
    /// Files per language (see [`Patch::languages`]).
    pub languages: BTreeMap<&'static str, usize>,
    /// Some file is a test file (see [`is_test_path`]).
    pub touches_tests: bool,
    /// Some file is binary.
    pub is_binary_any: bool,
}

impl Patch {
    /// Files in the patch (count).
    pub fn n_files(&self) -> usize {
        self.files.len()
    }

    /// Added lines inside hunks, over all files (count).
    pub fn n_added(&self) -> usize {
        self.files.iter().map(FilePatch::n_added).sum()
    }

    /// Removed lines inside hunks, over all files (count).
    pub fn n_removed(&self) -> usize {
        self.files.iter().map(FilePatch::n_removed).sum()
    }

    /// Hunks, over all files (count).
    pub fn n_hunks(&self) -> usize {
        self.files.iter().map(|file| file.hunks.len()).sum()
    }

    /// Files per extension of [`FilePatch::path`] (see [`extension_of`]: lower case, no dot),
    /// sorted by extension. Files without an extension, or without any path, count under the
    /// empty key `""`, so the counts add up to [`Patch::n_files`].
    pub fn extensions(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for file in &self.files {
            let extension = file.path().map(extension_of).unwrap_or_default();
            *counts.entry(extension).or_insert(0) += 1;
        }
        counts
    }

    /// Files per language of [`FilePatch::path`] (see [`language_of_path`]), sorted by language.
    /// Files in none of the nine languages are not counted.
    pub fn languages(&self) -> BTreeMap<&'static str, usize> {
        let mut counts = BTreeMap::new();
        for file in &self.files {
            if let Some(language) = file.path().and_then(language_of_path) {
                *counts.entry(language).or_insert(0) += 1;
            }
        }
        counts
    }

    /// Some file's old or new path is a test path (see [`is_test_path`]).
    pub fn touches_tests(&self) -> bool {
        self.files.iter().any(FilePatch::touches_tests)
    }

    /// Some file is binary.
    pub fn is_binary_any(&self) -> bool {
        self.files.iter().any(|file| file.is_binary)
    }

    /// All the figures above at once.
    pub fn stats(&self) -> PatchStats {
        PatchStats {
            n_files: self.n_files(),
            n_added: self.n_added(),
            n_removed: self.n_removed(),
            n_hunks: self.n_hunks(),
            extensions: self.extensions(),
            languages: self.languages(),
            touches_tests: self.touches_tests(),
            is_binary_any: self.is_binary_any(),
        }
    }
}

impl FilePatch {
    /// The path that names the file: the new path, or the old one for a deleted file; `None`
    /// only for hunks that came without a header.
    pub fn path(&self) -> Option<&str> {
        self.new_path.as_deref().or(self.old_path.as_deref())
    }

    /// Added lines in this file's hunks (count).
    pub fn n_added(&self) -> usize {
        self.hunks.iter().map(Hunk::n_added).sum()
    }

    /// Removed lines in this file's hunks (count).
    pub fn n_removed(&self) -> usize {
        self.hunks.iter().map(Hunk::n_removed).sum()
    }

    /// The mode changes: both modes are known and differ (`old mode`/`new mode` lines).
    pub fn is_mode_change(&self) -> bool {
        matches!((&self.old_mode, &self.new_mode), (Some(old), Some(new)) if old != new)
    }

    /// The old or the new path is a test path (see [`is_test_path`]).
    pub fn touches_tests(&self) -> bool {
        self.old_path.as_deref().is_some_and(is_test_path)
            || self.new_path.as_deref().is_some_and(is_test_path)
    }
}

impl Hunk {
    /// Added lines (count).
    pub fn n_added(&self) -> usize {
        self.lines.iter().filter(|line| line.kind == LineKind::Added).count()
    }

    /// Removed lines (count).
    pub fn n_removed(&self) -> usize {
        self.lines.iter().filter(|line| line.kind == LineKind::Removed).count()
    }

    /// Context and removed lines: what the header's old length should be (count).
    pub fn n_old_lines(&self) -> usize {
        self.lines.iter().filter(|line| line.kind != LineKind::Added).count()
    }

    /// Context and added lines: what the header's new length should be (count).
    pub fn n_new_lines(&self) -> usize {
        self.lines.iter().filter(|line| line.kind != LineKind::Removed).count()
    }
}

/// Writes lines with a terminator between them, and after the last one unless told otherwise.
struct LineWriter<'a, 'b> {
    out: &'a mut fmt::Formatter<'b>,
    eol: &'static str,
    pending_eol: bool,
}

impl<'a, 'b> LineWriter<'a, 'b> {
    fn new(out: &'a mut fmt::Formatter<'b>, line_ending: LineEnding) -> Self {
        LineWriter { out, eol: line_ending.as_str(), pending_eol: false }
    }

    /// Starts a new line (ending the previous one) and writes `text` on it.
    fn line(&mut self, text: impl fmt::Display) -> fmt::Result {
        if self.pending_eol {
            self.out.write_str(self.eol)?;
        }
        self.pending_eol = true;
        write!(self.out, "{text}")
    }

    fn finish(self, final_newline: bool) -> fmt::Result {
        if self.pending_eol && final_newline {
            self.out.write_str(self.eol)?;
        }
        Ok(())
    }

    fn file(&mut self, file: &FilePatch) -> fmt::Result {
        for line in file.header.iter().chain(&file.binary_patch) {
            self.line(line)?;
        }
        for hunk in &file.hunks {
            self.hunk(hunk)?;
        }
        for line in &file.trailer {
            self.line(line)?;
        }
        Ok(())
    }

    fn hunk(&mut self, hunk: &Hunk) -> fmt::Result {
        match &hunk.raw_header {
            Some(raw) => self.line(raw)?,
            None => self.line(HunkHeader(hunk))?,
        }
        for line in &hunk.lines {
            self.line(format_args!("{}{}", line.kind, line.text))?;
            if line.no_newline {
                self.line(NO_NEWLINE_MARKER)?;
            }
        }
        Ok(())
    }
}

/// The usual form of a hunk's `@@` line, from its fields.
struct HunkHeader<'a>(&'a Hunk);

impl fmt::Display for HunkHeader<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hunk = self.0;
        write!(f, "@@ -{} +{} @@", hunk.old, hunk.new)?;
        if !hunk.section.is_empty() {
            write!(f, " {}", hunk.section)?;
        }
        Ok(())
    }
}

/// The usual `@@` line of `hunk` (`@@ -3,7 +3,8 @@ section`, lengths of 1 left out), ignoring
/// [`Hunk::raw_header`].
pub fn canonical_hunk_header(hunk: &Hunk) -> String {
    HunkHeader(hunk).to_string()
}

impl fmt::Display for LineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = self.sign();
        write!(f, "{sign}")
    }
}

impl fmt::Display for LineRange {
    /// `start,len`, or just `start` when `len` is 1 (as git and GNU diff write it).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.len == 1 {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{},{}", self.start, self.len)
        }
    }
}

impl fmt::Display for Patch {
    /// The unified diff text: preamble, then each file; lines joined by [`Patch::line_ending`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = LineWriter::new(f, self.line_ending);
        for line in &self.preamble {
            out.line(line)?;
        }
        for file in &self.files {
            out.file(file)?;
        }
        out.finish(!self.no_final_newline)
    }
}

impl fmt::Display for FilePatch {
    /// The file's part of a unified diff (header, binary block, hunks, trailer), every line
    /// ending in `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = LineWriter::new(f, LineEnding::Lf);
        out.file(self)?;
        out.finish(true)
    }
}

impl fmt::Display for Hunk {
    /// The hunk's `@@` line and lines, every line ending in `\n`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = LineWriter::new(f, LineEnding::Lf);
        out.hunk(self)?;
        out.finish(true)
    }
}
