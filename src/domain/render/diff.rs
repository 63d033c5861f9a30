//! A patch as the rows of a diff view: per file a header row, per hunk its `@@` row and its
//! lines with their old and new line numbers, and the text around files as note rows. The line
//! numbers are counted here from the hunk ranges, so the view only prints them.

use crate::domain::diagnostic::Diagnostic;
use crate::domain::patch::{
    self, canonical_hunk_header, FileChange, FilePatch, Hunk, LineKind, Patch,
};
use crate::domain::trajectory::PatchText;

/// One row of a diff view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DiffRow {
    /// The first row of a file.
    File(DiffFile),
    /// A hunk's `@@` line, as written.
    Hunk {
        /// The `@@ -a,b +c,d @@ section` text.
        header: String,
    },
    /// One line of a hunk.
    Line(DiffLine),
    /// A line that belongs to no hunk (text before the first file, a file's trailer, a binary
    /// notice), shown as it is.
    Note {
        /// The line's text.
        text: String,
    },
}

/// The header row of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffFile {
    /// The file's path (the new one; the old one for a deleted file); empty for hunks that came
    /// without a file header.
    pub path: String,
    /// The path before a rename or copy; `None` otherwise.
    pub from_path: Option<String>,
    /// What happens to the file.
    pub change: FileChange,
    /// Added lines (count).
    pub n_added: usize,
    /// Removed lines (count).
    pub n_removed: usize,
    /// The file is binary.
    pub is_binary: bool,
    /// The mode change, old then new (`100644`, `100755`), when there is one.
    pub mode_change: Option<(String, String)>,
}

impl DiffFile {
    /// The change as a word for labels and CSS modifiers: `added`, `deleted`, `modified`,
    /// `renamed` or `copied`.
    pub fn change_name(&self) -> &'static str {
        match self.change {
            FileChange::Added => "added",
            FileChange::Deleted => "deleted",
            FileChange::Modified => "modified",
            FileChange::Renamed { .. } => "renamed",
            FileChange::Copied { .. } => "copied",
        }
    }
}

/// One line of a hunk with its line numbers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffLine {
    /// Context, added or removed.
    pub kind: LineKind,
    /// The line's number in the old file (one-based); `None` for an added line.
    pub old_no: Option<u64>,
    /// The line's number in the new file (one-based); `None` for a removed line.
    pub new_no: Option<u64>,
    /// The text, without its sign and line ending.
    pub text: String,
    /// The line has no newline at the end of its file.
    pub no_newline: bool,
}

/// A patch text ready for the view: its rows, its figures and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchView {
    /// The rows, in order.
    pub rows: Vec<DiffRow>,
    /// Files (count).
    pub n_files: usize,
    /// Added lines (count).
    pub n_added: usize,
    /// Removed lines (count).
    pub n_removed: usize,
    /// The text is empty or white space only.
    pub is_empty: bool,
    /// Taken from a tool result rather than a column.
    pub inferred: bool,
    /// The field it was read from (`metadata.model_patch`, `messages/12`).
    pub field: String,
    /// For an inferred patch: the index of the message it was taken from.
    pub source_message: Option<usize>,
    /// Problems found while parsing the diff.
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a patch text and lays it out as rows.
pub fn patch_view(patch: &PatchText) -> PatchView {
    let (parsed, diagnostics) = patch::parse(&patch.text);
    PatchView {
        rows: diff_rows(&parsed),
        n_files: parsed.n_files(),
        n_added: parsed.n_added(),
        n_removed: parsed.n_removed(),
        is_empty: patch.text.trim().is_empty(),
        inferred: patch.inferred,
        field: patch.field.clone(),
        source_message: patch_source_message(patch),
        diagnostics,
    }
}

/// The message an inferred patch was taken from (its field is `messages/N`).
pub fn patch_source_message(patch: &PatchText) -> Option<usize> {
    patch.field.strip_prefix("messages/")?.split('/').next()?.parse().ok()
}

/// The rows of a diff view of `patch`: notes for the text before the first file, then per file
/// its header row, per hunk the `@@` row and the lines numbered from the hunk's ranges, and
/// notes for the file's trailer.
pub fn diff_rows(patch: &Patch) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    let note = |text: &String| DiffRow::Note { text: text.clone() };
    rows.extend(patch.preamble.iter().filter(|line| !line.trim().is_empty()).map(note));
    for file in &patch.files {
        rows.push(DiffRow::File(file_row(file)));
        if file.is_binary && file.hunks.is_empty() {
            rows.push(DiffRow::Note { text: "Binary file".to_owned() });
        }
        for hunk in &file.hunks {
            hunk_rows(hunk, &mut rows);
        }
        rows.extend(file.trailer.iter().filter(|line| !line.trim().is_empty()).map(note));
    }
    rows
}

fn file_row(file: &FilePatch) -> DiffFile {
    let from_path = match file.change {
        FileChange::Renamed { .. } | FileChange::Copied { .. } => file.old_path.clone(),
        _ => None,
    };
    let mode_change = match (&file.old_mode, &file.new_mode) {
        (Some(old), Some(new)) if old != new => Some((old.clone(), new.clone())),
        _ => None,
    };
    DiffFile {
        path: file.path().unwrap_or_default().to_owned(),
        from_path,
        change: file.change,
        n_added: file.n_added(),
        n_removed: file.n_removed(),
        is_binary: file.is_binary,
        mode_change,
    }
}

/// The rows of one hunk alone: its `@@` line, then its lines with their numbers (what the
/// patch comparison shows for a hunk).
pub fn hunk_diff_rows(hunk: &Hunk) -> Vec<DiffRow> {
    let mut rows = Vec::new();
    hunk_rows(hunk, &mut rows);
    rows
}

fn hunk_rows(hunk: &Hunk, rows: &mut Vec<DiffRow>) {
    let header = hunk.raw_header.clone().unwrap_or_else(|| canonical_hunk_header(hunk));
    rows.push(DiffRow::Hunk { header });
    let (mut old_no, mut new_no) = (hunk.old.start, hunk.new.start);
    for line in &hunk.lines {
        let (old, new) = match line.kind {
            LineKind::Context => (Some(old_no), Some(new_no)),
            LineKind::Removed => (Some(old_no), None),
            LineKind::Added => (None, Some(new_no)),
        };
        if old.is_some() {
            old_no = old_no.saturating_add(1);
        }
        if new.is_some() {
            new_no = new_no.saturating_add(1);
        }
        rows.push(DiffRow::Line(DiffLine {
            kind: line.kind,
            old_no: old,
            new_no: new,
            text: line.text.clone(),
            no_newline: line.no_newline,
        }));
    }
}
