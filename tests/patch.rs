//! The unified-diff parser and printer over the patch corpus in `tests/fixtures/patches/`
//! (patches extracted from the trajectory fixtures by `extract.py`, plus hand-written and
//! git-generated cases): byte-for-byte round trips, the parse → print → parse fixpoint, counts
//! checked against independent counts, diagnostics, the path tables, and two property tests
//! (random well-formed models print and parse back to themselves; random diff-like text is a
//! fixpoint).

#![cfg(not(target_arch = "wasm32"))]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use proptest::prelude::*;
use serde_json::Value;
use trajex::domain::patch::{
    extension_of, is_test_path, language_of_path, parse, FileChange, FilePatch, Hunk, HunkLine,
    LineEnding, LineKind, LineRange, Patch, LANGUAGES,
};
use trajex::domain::Severity;

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/patches")
}

/// Every `.diff` fixture as (file name, text), sorted by name.
fn fixtures() -> Vec<(String, String)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(fixture_dir())
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "diff"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect()
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(fixture_dir().join(name)).unwrap()
}

/// The parsed fixture; fails on any diagnostic not in `allowed`.
fn parsed(name: &str, allowed: &[&str]) -> Patch {
    let (patch, diagnostics) = parse(&fixture(name));
    for diagnostic in &diagnostics {
        assert!(allowed.contains(&diagnostic.code), "{name}: unexpected {diagnostic}");
    }
    patch
}

fn codes(text: &str) -> Vec<&'static str> {
    parse(text).1.iter().map(|d| d.code).collect()
}

/// Fixtures whose input is not well formed in a way the model cannot keep, so printing
/// differs from the input (still a fixpoint).
const NOT_VERBATIM: [&str; 2] = [
    "empty_context_line.diff",    // an empty line in a hunk prints back as " "
    "garbage_between_hunks.diff", // text between two hunks is dropped
];

#[test]
fn the_corpus_has_every_extracted_patch() {
    let names: Vec<String> = fixtures().into_iter().map(|(name, _)| name).collect();
    for (prefix, n_rows) in
        [("open_swe_traces", 5), ("swegym", 5), ("nebius", 5), ("swe_smith", 5), ("sweagent", 2)]
    {
        for row in 0..n_rows {
            let name = format!("{prefix}_{row}.diff");
            assert!(names.contains(&name), "missing {name}; run tests/fixtures/patches/extract.py");
        }
    }
    assert!(names.len() >= 40, "{} fixtures", names.len());
}

#[test]
fn well_formed_fixtures_print_back_byte_for_byte() {
    for (name, text) in fixtures() {
        let printed = parse(&text).0.to_string();
        if NOT_VERBATIM.contains(&name.as_str()) {
            assert_ne!(printed, text, "{name} now prints back verbatim: update NOT_VERBATIM");
        } else {
            assert_eq!(printed, text, "{name}");
        }
    }
}

#[test]
fn every_fixture_is_a_fixpoint_of_print_then_parse() {
    for (name, text) in fixtures() {
        let patch = parse(&text).0;
        let printed = patch.to_string();
        let (again, _) = parse(&printed);
        assert_eq!(again, patch, "{name}: parse(print(parse(x))) != parse(x)");
        assert_eq!(again.to_string(), printed, "{name}: print is not stable");
    }
}

/// (fixture, n_files, n_added, n_removed, n_hunks), counted independently with grep
/// (`grep -c '^diff --git'`, `grep -c '^@@ '`, `grep -v '^+++ ' | grep -c '^+'`,
/// `grep -v '^--- ' | grep -c '^-'`) and with a separate Python hunk reader.
const COUNTS: [(&str, usize, usize, usize, usize); 22] = [
    ("open_swe_traces_0.diff", 2, 8, 1, 2),
    ("open_swe_traces_1.diff", 2, 36, 0, 2),
    ("open_swe_traces_2.diff", 2, 7, 3, 2),
    ("open_swe_traces_3.diff", 2, 22, 1, 2),
    ("open_swe_traces_4.diff", 2, 20, 0, 3),
    ("swegym_0.diff", 2, 8, 1, 2),
    ("swegym_1.diff", 2, 36, 0, 2),
    ("swegym_2.diff", 2, 7, 3, 2),
    ("swegym_3.diff", 2, 22, 1, 2),
    ("swegym_4.diff", 2, 20, 0, 3),
    ("nebius_0.diff", 1, 3, 3, 2),
    ("nebius_1.diff", 1, 7, 2, 2),
    ("nebius_2.diff", 1, 3, 0, 1),
    ("nebius_3.diff", 1, 2, 0, 1),
    ("nebius_4.diff", 1, 1, 1, 1),
    ("swe_smith_0.diff", 2, 113, 26, 2),
    ("swe_smith_1.diff", 1, 5, 2, 1),
    ("swe_smith_2.diff", 1, 30, 18, 2),
    ("swe_smith_3.diff", 0, 0, 0, 0),
    ("swe_smith_4.diff", 0, 0, 0, 0),
    ("sweagent_0.diff", 1, 3, 2, 1),
    ("sweagent_1.diff", 1, 1, 1, 1),
];

#[test]
fn extracted_patches_have_the_counts_found_by_hand() {
    for (name, n_files, n_added, n_removed, n_hunks) in COUNTS {
        let allowed: &[&str] = if name.starts_with("swegym") || name.starts_with("open_swe") {
            // These rows store the patch with CRLF line endings and the final newline trimmed.
            &["crlf_line_endings", "missing_final_newline"]
        } else {
            &[]
        };
        let patch = parsed(name, allowed);
        let stats = patch.stats();
        assert_eq!(
            (stats.n_files, stats.n_added, stats.n_removed, stats.n_hunks),
            (n_files, n_added, n_removed, n_hunks),
            "{name}"
        );
        assert_eq!(
            (patch.n_files(), patch.n_added(), patch.n_removed()),
            (n_files, n_added, n_removed)
        );
    }
}

#[test]
fn open_swe_traces_counts_match_the_rows_own_metadata() {
    // Each row's metadata.model_patch carries num_modified_files and num_modified_lines
    // (added + removed), computed by the dataset's curation, not by us.
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/open_swe_traces/openhands_swegym.jsonl");
    let text = std::fs::read_to_string(path).unwrap();
    let mut n_rows = 0;
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let row: Value = serde_json::from_str(line).unwrap();
        let model_patch = &row["metadata"]["model_patch"];
        let patch = parse(model_patch["patch"].as_str().unwrap()).0;
        assert_eq!(patch.n_files() as u64, model_patch["num_modified_files"].as_u64().unwrap());
        assert_eq!(
            (patch.n_added() + patch.n_removed()) as u64,
            model_patch["num_modified_lines"].as_u64().unwrap()
        );
        n_rows += 1;
    }
    assert_eq!(n_rows, 5);
}

#[test]
fn swe_gym_patches_are_crlf_and_trimmed() {
    let patch = parsed("swegym_1.diff", &["crlf_line_endings", "missing_final_newline"]);
    assert_eq!(patch.line_ending, LineEnding::CrLf);
    assert!(patch.no_final_newline);
    let added = &patch.files[1];
    assert_eq!(added.change, FileChange::Added);
    assert_eq!(added.new_path.as_deref(), Some("reproduce_bug.py"));
    let last = added.hunks[0].lines.last().unwrap();
    assert_eq!(last.text, "    main()");
    assert!(!last.no_newline, "the text is trimmed, the file itself had a newline");
    // The first and last row end in a `\ No newline at end of file` marker with no terminator.
    let patch = parsed("swegym_0.diff", &["crlf_line_endings", "missing_final_newline"]);
    let last = patch.files[1].hunks[0].lines.last().unwrap();
    assert!(last.no_newline);
    assert!(last.text.ends_with("inputs.grad)"), "no \\r left in {:?}", last.text);
    let codes = codes(&fixture("swegym_0.diff"));
    assert_eq!(codes, ["crlf_line_endings", "missing_final_newline"], "each once");
}

#[test]
fn agent_submissions_keep_their_leading_empty_line() {
    for name in ["nebius_0.diff", "sweagent_0.diff"] {
        let patch = parsed(name, &[]);
        assert_eq!(patch.preamble, [""], "{name}");
        assert_eq!(patch.files[0].header[0].split(' ').next(), Some("diff"));
    }
    // The SWE-agent test repository edits a file under tests/.
    assert!(parsed("sweagent_1.diff", &[]).touches_tests());
    assert!(!parsed("sweagent_0.diff", &[]).touches_tests());
    // SWE-Gym row 3 adds a reproduction script named like a pytest file.
    let patch = parsed("swegym_3.diff", &["crlf_line_endings", "missing_final_newline"]);
    assert!(patch.touches_tests());
    let stats = patch.stats();
    assert_eq!(stats.extensions, BTreeMap::from([("py".to_string(), 2)]));
    assert_eq!(stats.languages, BTreeMap::from([("python", 2)]));
    assert!(!stats.is_binary_any);
}

#[test]
fn empty_patches_are_empty_without_diagnostics() {
    assert_eq!(parse(""), (Patch::default(), Vec::new()));
    let patch = parsed("swe_smith_3.diff", &[]);
    assert_eq!(patch, Patch::default());
    assert_eq!(patch.to_string(), "");
    assert_eq!(patch.stats().extensions, BTreeMap::new());
}

#[test]
fn new_and_deleted_files() {
    let added = &parsed("new_file.diff", &[]).files[0];
    assert_eq!((added.old_path.as_deref(), added.new_path.as_deref()), (None, Some("src_new.py")));
    assert_eq!(added.change, FileChange::Added);
    assert_eq!((added.old_mode.as_deref(), added.new_mode.as_deref()), (None, Some("100644")));
    assert_eq!((added.n_added(), added.n_removed()), (2, 0));
    assert_eq!(added.path(), Some("src_new.py"));

    let deleted = &parsed("deleted_file.diff", &[]).files[0];
    assert_eq!((deleted.old_path.as_deref(), deleted.new_path.as_deref()), (Some("gone.py"), None));
    assert_eq!(deleted.change, FileChange::Deleted);
    assert_eq!(deleted.old_mode.as_deref(), Some("100644"));
    assert_eq!((deleted.n_added(), deleted.n_removed()), (0, 3));
    assert_eq!(deleted.path(), Some("gone.py"), "a deleted file is named by its old path");
}

#[test]
fn renames_copies_and_mode_changes() {
    let renamed = &parsed("rename_with_change.diff", &[]).files[0];
    assert_eq!(renamed.change, FileChange::Renamed { similarity: Some(94) });
    assert_eq!(renamed.old_path.as_deref(), Some("old_name.py"));
    assert_eq!(renamed.new_path.as_deref(), Some("new_name.py"));
    assert_eq!((renamed.n_added(), renamed.n_removed()), (1, 1));

    let moved = &parsed("pure_rename.diff", &[]).files[0];
    assert_eq!(moved.change, FileChange::Renamed { similarity: Some(100) });
    assert_eq!(moved.old_path.as_deref(), Some("moved.go"));
    assert_eq!(moved.new_path.as_deref(), Some("pkg/moved.go"));
    assert!(moved.hunks.is_empty());
    assert_eq!(moved.header.len(), 4);

    let copied = &parsed("copy.diff", &[]).files[0];
    assert_eq!(copied.change, FileChange::Copied { similarity: Some(73) });
    assert_eq!(copied.old_path.as_deref(), Some("keep.txt"));
    assert_eq!(copied.new_path.as_deref(), Some("keep_copy.txt"));

    let patch = parsed("mode_change.diff", &[]);
    let chmod = &patch.files[0];
    assert_eq!(chmod.change, FileChange::Modified);
    assert_eq!(
        (chmod.old_mode.as_deref(), chmod.new_mode.as_deref()),
        (Some("100644"), Some("100755"))
    );
    assert!(chmod.is_mode_change());
    assert!(chmod.hunks.is_empty());
    assert_eq!(chmod.path(), Some("run.sh"));
    assert_eq!((patch.n_files(), patch.n_added(), patch.n_removed()), (1, 0, 0));
    assert!(!parsed("new_file.diff", &[]).files[0].is_mode_change());
}

#[test]
fn binary_files() {
    let patch = parsed("binary_differ.diff", &[]);
    let file = &patch.files[0];
    assert!(file.is_binary && file.hunks.is_empty() && file.binary_patch.is_empty());
    assert_eq!(file.path(), Some("logo.png"));
    assert!(patch.is_binary_any());

    let file = &parsed("git_binary_patch.diff", &[]).files[0];
    assert!(file.is_binary);
    assert_eq!(file.header.len(), 2);
    assert_eq!(file.binary_patch.len(), 7);
    assert_eq!(file.binary_patch[0], "GIT binary patch");
    assert_eq!(file.binary_patch[1], "literal 20");
    assert_eq!(file.binary_patch.last().map(String::as_str), Some(""));

    // A lone `Binary files` line (GNU diff) is a file of its own, and /dev/null means absent.
    let (patch, diagnostics) = parse("Binary files /dev/null and b/img/new.gif differ\n");
    assert!(diagnostics.is_empty());
    let file = &patch.files[0];
    assert_eq!((file.old_path.as_deref(), file.new_path.as_deref()), (None, Some("img/new.gif")));
    assert_eq!(file.change, FileChange::Added);
    assert!(file.is_binary);
}

#[test]
fn no_newline_at_end_of_file_on_both_sides() {
    let file = &parsed("no_newline_both.diff", &[]).files[0];
    let lines: Vec<(LineKind, &str, bool)> =
        file.hunks[0].lines.iter().map(|l| (l.kind, l.text.as_str(), l.no_newline)).collect();
    assert_eq!(
        lines,
        [
            (LineKind::Context, "first", false),
            (LineKind::Removed, "last", true),
            (LineKind::Added, "second", false),
            (LineKind::Added, "last!", true),
        ]
    );
}

#[test]
fn crlf_patches() {
    let (patch, diagnostics) = parse(&fixture("crlf.diff"));
    assert_eq!(patch.line_ending, LineEnding::CrLf);
    assert!(!patch.no_final_newline);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(
        (diagnostics[0].code, diagnostics[0].severity),
        ("crlf_line_endings", Severity::Warning)
    );
    let file = &patch.files[0];
    assert_eq!(file.path(), Some("app/main.ts"));
    assert_eq!(file.hunks[0].section, "export function main() {");
    assert!(file.hunks[0].lines.iter().all(|line| !line.text.contains('\r')));
    // Printed alone, a file or hunk uses `\n`.
    assert!(!file.to_string().contains('\r'));

    // Git's diff of a CRLF file: headers end in \n, content lines in \r\n; the \r is content.
    let (patch, diagnostics) = parse(&fixture("crlf_content.diff"));
    assert_eq!(patch.line_ending, LineEnding::Lf);
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["crlf_line_endings"]);
    assert_eq!(diagnostics[0].location, "line 6");
    let texts: Vec<&str> = patch.files[0].hunks[0].lines.iter().map(|l| l.text.as_str()).collect();
    assert_eq!(texts, ["one\r", "two\r", "2\r", "three\r"]);
    assert_eq!(patch.files[0].path(), Some("win.txt"));
}

#[test]
fn plain_diffs_without_git_headers() {
    let patch = parsed("plain.diff", &[]);
    let file = &patch.files[0];
    assert_eq!(file.old_path.as_deref(), Some("lib/tool.py"), "prefix and timestamp removed");
    assert_eq!(file.new_path.as_deref(), Some("lib/tool.py"));
    assert_eq!(file.header.len(), 2);
    assert_eq!((file.old_mode.as_ref(), file.new_mode.as_ref()), (None, None));
    assert_eq!((patch.n_added(), patch.n_removed()), (2, 1));

    // `diff -ruN`: a `diff` command line per file; absent files carry an epoch timestamp.
    let patch = parsed("plain_recursive.diff", &[]);
    let files: Vec<(Option<&str>, Option<&str>, FileChange)> = patch
        .files
        .iter()
        .map(|f| (f.old_path.as_deref(), f.new_path.as_deref(), f.change))
        .collect();
    assert_eq!(
        files,
        [
            (Some("README"), None, FileChange::Deleted),
            (None, Some("lib/main_test.c"), FileChange::Added),
            (Some("lib/old_only.py"), None, FileChange::Deleted),
            (Some("lib/tool.py"), Some("lib/tool.py"), FileChange::Modified),
        ]
    );
    let stats = patch.stats();
    assert_eq!(
        stats.extensions,
        BTreeMap::from([("".to_string(), 1), ("c".to_string(), 1), ("py".to_string(), 2)])
    );
    assert_eq!(stats.languages, BTreeMap::from([("c", 1), ("python", 2)]));
    assert!(stats.touches_tests, "lib/main_test.c");

    // `diff -ru`: the `Only in` lines come first and are kept as the preamble.
    let patch = parsed("plain_only_in.diff", &[]);
    assert_eq!(patch.preamble.len(), 3);
    assert!(patch.preamble[0].starts_with("Only in"));
    assert_eq!(patch.n_files(), 1);
}

#[test]
fn quoted_and_spaced_paths() {
    let patch = parsed("quoted_paths.diff", &[]);
    let paths: Vec<Option<&str>> = patch.files.iter().map(FilePatch::path).collect();
    assert_eq!(paths, [Some("données.txt"), Some("with space.txt")]);
}

#[test]
fn hunk_headers_with_and_without_lengths() {
    let hunk = &parsed("single_line_hunk.diff", &[]).files[0].hunks[0];
    assert_eq!(
        (hunk.old, hunk.new),
        (LineRange { start: 1, len: 1 }, LineRange { start: 1, len: 1 })
    );
    assert_eq!((hunk.section.as_str(), hunk.raw_header.as_ref()), ("", None));
    assert_eq!(hunk.to_string(), "@@ -1 +1 @@\n-1.0.0\n+2.1.0\n");

    // `-3,1` and no space before the section: read, and printed back as written.
    let hunk = &parsed("explicit_len_one.diff", &[]).files[0].hunks[0];
    assert_eq!(
        (hunk.old, hunk.new),
        (LineRange { start: 3, len: 1 }, LineRange { start: 3, len: 1 })
    );
    assert_eq!(hunk.section, "func Add(a, b int) int {");
    assert_eq!(hunk.raw_header.as_deref(), Some("@@ -3,1 +3,1 @@func Add(a, b int) int {"));
    assert_eq!(
        trajex::domain::patch::canonical_hunk_header(hunk),
        "@@ -3 +3 @@ func Add(a, b int) int {"
    );

    let hunk = &parsed("new_file.diff", &[]).files[0].hunks[0];
    assert_eq!(
        (hunk.old, hunk.new),
        (LineRange { start: 0, len: 0 }, LineRange { start: 1, len: 2 })
    );
}

#[test]
fn truncated_patch() {
    let text = fixture("truncated.diff");
    let (patch, diagnostics) = parse(&text);
    assert_eq!(diagnostics.len(), 1);
    let diagnostic = &diagnostics[0];
    assert_eq!((diagnostic.code, diagnostic.severity), ("truncated_patch", Severity::Error));
    assert_eq!(diagnostic.location, "line 10");
    let hunks = &patch.files[0].hunks;
    assert_eq!(hunks.len(), 2);
    assert_eq!(hunks[1].lines.len(), 2, "what was there is kept");
    assert_eq!((hunks[1].n_old_lines(), hunks[1].new.len), (2, 4));
    assert_eq!(patch.to_string(), text);
}

#[test]
fn hunks_whose_lines_do_not_match_their_header() {
    let (patch, diagnostics) = parse(&fixture("wrong_count.diff"));
    let found: Vec<(&str, &str)> =
        diagnostics.iter().map(|d| (d.code, d.location.as_str())).collect();
    assert_eq!(found, [("hunk_length_mismatch", "line 5"), ("hunk_length_mismatch", "line 10")]);
    assert!(diagnostics.iter().all(|d| d.severity == Severity::Warning));
    // One line more than announced: kept in the hunk.
    let calc = &patch.files[0];
    assert_eq!(calc.hunks[0].lines.len(), 4);
    assert_eq!((calc.hunks[0].n_new_lines(), calc.hunks[0].new.len), (3, 2));
    // Fewer than announced, then the next file: the next file is still read.
    assert_eq!(calc.hunks[1].lines.len(), 3);
    assert_eq!(patch.files[1].path(), Some("README.md"));
    assert_eq!((patch.n_files(), patch.n_added(), patch.n_removed()), (2, 4, 3));
}

#[test]
fn text_around_files_is_kept() {
    let patch = parsed("garbage_between_files.diff", &[]);
    assert_eq!(patch.preamble, ["Here is the fix:", ""]);
    assert_eq!(patch.files[0].trailer, ["Only in b: generated.js", ""]);
    assert_eq!(patch.files[1].trailer, ["-- ", "2.40.0"], "a format-patch signature ends the hunk");
    assert_eq!((patch.n_files(), patch.n_added(), patch.n_removed()), (2, 2, 2));
}

#[test]
fn text_that_cannot_be_kept_is_reported() {
    let (patch, diagnostics) = parse(&fixture("garbage_between_hunks.diff"));
    assert_eq!(diagnostics.len(), 1);
    let diagnostic = &diagnostics[0];
    assert_eq!((diagnostic.code, diagnostic.severity), ("unparsed_line", Severity::Error));
    assert_eq!(diagnostic.location, "line 6");
    assert_eq!(patch.files[0].hunks.len(), 2);
    assert!(patch.files[0].trailer.is_empty());

    let (patch, diagnostics) = parse(&fixture("empty_context_line.diff"));
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["empty_context_line"]);
    assert_eq!(patch.files[0].hunks[0].lines[1], HunkLine::new(LineKind::Context, ""));

    let (patch, diagnostics) = parse(&fixture("invalid_hunk_header.diff"));
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["invalid_hunk_header"]);
    assert_eq!(diagnostics[0].location, "line 3");
    assert!(patch.files[0].hunks.is_empty());
    assert_eq!(patch.files[0].trailer.len(), 3, "kept as text");

    let (patch, diagnostics) = parse(&fixture("hunk_without_header.diff"));
    assert_eq!(
        diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(),
        ["hunk_without_file_header"]
    );
    assert_eq!(patch.files[0].path(), None);
    assert_eq!(patch.extensions(), BTreeMap::from([("".to_string(), 1)]));
}

#[test]
fn small_inputs() {
    assert_eq!(codes("\n"), Vec::<&str>::new());
    assert_eq!(parse("\n").0.preamble, [""]);
    assert_eq!(codes("just prose"), ["missing_final_newline"]);
    let (patch, _) = parse("just prose");
    assert_eq!(
        (patch.preamble.len(), patch.no_final_newline, patch.to_string()),
        (1, true, "just prose".into())
    );
    // A marker with no line before it is not a marker.
    let text = "--- a/x\n+++ b/x\n@@ -1 +1 @@\n\\ No newline at end of file\n";
    let (patch, diagnostics) = parse(text);
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["hunk_length_mismatch"]);
    assert_eq!(patch.files[0].trailer, ["\\ No newline at end of file"]);
    assert_eq!(patch.to_string(), text);
    // Stats never count `---`/`+++` headers.
    let text = "--- a/x.rs\n+++ b/x.rs\n@@ -1 +1 @@\n--- y\n+++ z\n";
    let (patch, diagnostics) = parse(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!((patch.n_added(), patch.n_removed()), (1, 1));
    assert_eq!(patch.files[0].hunks[0].lines[0].text, "-- y");
}

#[test]
fn printing_a_model_built_by_hand() {
    let hunk = Hunk {
        old: LineRange { start: 10, len: 2 },
        new: LineRange { start: 10, len: 1 },
        section: "fn main() {".into(),
        lines: vec![
            HunkLine::new(LineKind::Context, "    let a = 1;"),
            HunkLine { kind: LineKind::Removed, text: "}".into(), no_newline: true },
        ],
        raw_header: None,
    };
    assert_eq!(
        hunk.to_string(),
        "@@ -10,2 +10 @@ fn main() {\n     let a = 1;\n-}\n\\ No newline at end of file\n"
    );
    let file = FilePatch {
        old_path: Some("src/main.rs".into()),
        new_path: Some("src/main.rs".into()),
        header: vec!["--- a/src/main.rs".into(), "+++ b/src/main.rs".into()],
        hunks: vec![hunk],
        ..FilePatch::default()
    };
    let patch = Patch {
        files: vec![file],
        line_ending: LineEnding::CrLf,
        no_final_newline: true,
        ..Patch::default()
    };
    let text = patch.to_string();
    assert!(text
        .starts_with("--- a/src/main.rs\r\n+++ b/src/main.rs\r\n@@ -10,2 +10 @@ fn main() {\r\n"));
    assert!(text.ends_with("-}\r\n\\ No newline at end of file"));
    assert_eq!(parse(&text).0, patch);
    assert_eq!(format!("{}{}{}", LineKind::Context, LineKind::Added, LineKind::Removed), " +-");
}

#[test]
fn extension_table() {
    for (path, extension) in [
        ("src/app.py", "py"),
        ("src/App.PY", "py"),
        ("a/b.c/Makefile", ""),
        (".gitignore", ""),
        ("dir/.env.local", "local"),
        ("notes.", ""),
        ("archive.tar.gz", "gz"),
        ("", ""),
    ] {
        assert_eq!(extension_of(path), extension, "{path}");
    }
}

#[test]
fn language_table() {
    let table = [
        ("python", &["py", "pyi"][..]),
        ("go", &["go"]),
        ("typescript", &["ts", "tsx", "mts", "cts"]),
        ("javascript", &["js", "jsx", "mjs", "cjs"]),
        ("rust", &["rs"]),
        ("java", &["java"]),
        ("php", &["php"]),
        ("c", &["c", "h"]),
        ("cpp", &["cc", "cpp", "cxx", "c++", "hpp", "hh", "hxx", "h++"]),
    ];
    assert_eq!(table.map(|(language, _)| language), LANGUAGES);
    for (language, extensions) in table {
        for extension in extensions {
            assert_eq!(language_of_path(&format!("src/x.{extension}")), Some(language));
            let upper = extension.to_ascii_uppercase();
            assert_eq!(language_of_path(&format!("x.{upper}")), Some(language), "case-insensitive");
        }
    }
    for path in ["README.md", "Makefile", "x.rb", "x.cs", "x.kt", "pyproject.toml", "go.mod", "x.d"]
    {
        assert_eq!(language_of_path(path), None, "{path}");
    }
}

#[test]
fn test_path_table() {
    let tests = [
        "tests/test_api.py",
        "pkg/tests/helpers.py",
        "src/test/java/org/app/Parser.java",
        "lib/__tests__/util.js",
        "internal/testing/fake.go",
        "Tests/Thing.swift",
        "web/spec/app.ts",
        "test_api.py",
        "api_test.py",
        "conftest.py",
        "app/tests.py",
        "server/handler_test.go",
        "ui/button.test.tsx",
        "ui/button.spec.ts",
        "lib/x.test.mjs",
        "lib/x.spec.cjs",
        "ParserTest.java",
        "ParserTests.java",
        "ParserTestCase.java",
        "ParserIT.java",
        "TestParser.java",
        "src/lexer_test.rs",
        "src/lexer_tests.rs",
        "src/parser/tests.rs",
        "UserTest.php",
        "test_io.c",
        "vec_test.cc",
        "str_unittest.cpp",
        "list_tests.h",
    ];
    for path in tests {
        assert!(is_test_path(path), "{path} is a test path");
    }
    let not_tests = [
        "src/app.py",
        "src/latest.py",
        "testify.py",
        "contest/app.py",
        "spec/app.py",
        "docs/spec/index.md",
        "handler.go",
        "test.js",
        "button.tsx",
        "Testimony.java",
        "EDIT.java",
        "Contest.java",
        "src/lib.rs",
        "User.php",
        "attest.c",
        "tests.md",
        "",
    ];
    for path in not_tests {
        assert!(!is_test_path(path), "{path} is not a test path");
    }
}

// ---------------------------------------------------------------------------------------------
// Property tests.

/// A file of the generated model, before it is printed: which kind of header it gets.
#[derive(Clone, Debug)]
enum Kind {
    Modified,
    Added,
    Deleted,
    Renamed(u8),
    PureRename,
    Copied(u8),
    ModeChange,
    BinaryDiffer,
    GitBinary,
    Plain,
    Headerless,
}

impl Kind {
    /// The kind takes hunks.
    fn has_hunks(&self) -> bool {
        matches!(
            self,
            Kind::Modified
                | Kind::Added
                | Kind::Deleted
                | Kind::Renamed(_)
                | Kind::Copied(_)
                | Kind::Plain
                | Kind::Headerless
        )
    }
}

fn path_strategy() -> impl Strategy<Value = String> {
    (
        "[a-z]{1,6}( [a-z]{1,3})?(/[a-z_]{1,6}){0,2}",
        prop::sample::select(vec!["py", "rs", "ts", "c", "md", ""]),
    )
        .prop_map(|(stem, ext)| if ext.is_empty() { stem } else { format!("{stem}.{ext}") })
}

/// Printable ASCII text for a hunk line. A removed line whose text starts with `-- ` would
/// print as `--- ...`, which a miscounted-hunk rule may take for a file header: left out.
fn line_strategy() -> impl Strategy<Value = HunkLine> {
    (
        prop::sample::select(vec![LineKind::Context, LineKind::Added, LineKind::Removed]),
        "[ -~]{0,16}",
        prop::bool::weighted(0.1),
    )
        .prop_filter("removed `-- ` text", |(kind, text, _)| {
            !(*kind == LineKind::Removed && text.starts_with("-- "))
        })
        .prop_map(|(kind, text, no_newline)| HunkLine { kind, text, no_newline })
}

fn hunk_strategy() -> impl Strategy<Value = Hunk> {
    (0u64..5000, 0u64..5000, "([ -~]{0,12})?", prop::collection::vec(line_strategy(), 0..7))
        .prop_map(|(old_start, new_start, section, lines)| {
            let mut hunk = Hunk { section, lines, ..Hunk::default() };
            hunk.old = LineRange { start: old_start, len: hunk.n_old_lines() as u64 };
            hunk.new = LineRange { start: new_start, len: hunk.n_new_lines() as u64 };
            hunk
        })
}

fn kind_strategy() -> impl Strategy<Value = Kind> {
    prop_oneof![
        Just(Kind::Modified),
        Just(Kind::Added),
        Just(Kind::Deleted),
        (0u8..=100).prop_map(Kind::Renamed),
        Just(Kind::PureRename),
        (0u8..=100).prop_map(Kind::Copied),
        Just(Kind::ModeChange),
        Just(Kind::BinaryDiffer),
        Just(Kind::GitBinary),
        Just(Kind::Plain),
        Just(Kind::Headerless),
    ]
}

fn prose_strategy() -> impl Strategy<Value = String> {
    "(note: [a-z ,.]{0,20})?"
}

/// One generated file: kind, two paths, hunks, trailer.
fn file_strategy() -> impl Strategy<Value = (Kind, String, String, Vec<Hunk>, Vec<String>)> {
    (
        kind_strategy(),
        path_strategy(),
        path_strategy(),
        prop::collection::vec(hunk_strategy(), 0..4),
        prop::collection::vec(prose_strategy(), 0..3),
    )
}

/// Builds the file the printer and parser should agree on, with the header git (or diff)
/// would write for it.
fn build_file(
    kind: Kind,
    path: String,
    other: String,
    hunks: Vec<Hunk>,
    trailer: Vec<String>,
) -> FilePatch {
    let git = |old: &str, new: &str| format!("diff --git a/{old} b/{new}");
    let mode = || Some("100644".to_string());
    let mut file = FilePatch {
        old_path: Some(path.clone()),
        new_path: Some(path.clone()),
        ..FilePatch::default()
    };
    match kind {
        Kind::Modified => {
            file.header = vec![
                git(&path, &path),
                "index 1234567..89abcde 100644".into(),
                format!("--- a/{path}"),
                format!("+++ b/{path}"),
            ];
            (file.old_mode, file.new_mode) = (mode(), mode());
        }
        Kind::Added => {
            file.header = vec![
                git(&path, &path),
                "new file mode 100644".into(),
                "index 0000000..89abcde".into(),
                "--- /dev/null".into(),
                format!("+++ b/{path}"),
            ];
            file.old_path = None;
            file.change = FileChange::Added;
            file.new_mode = mode();
        }
        Kind::Deleted => {
            file.header = vec![
                git(&path, &path),
                "deleted file mode 100644".into(),
                "index 1234567..0000000".into(),
                format!("--- a/{path}"),
                "+++ /dev/null".into(),
            ];
            file.new_path = None;
            file.change = FileChange::Deleted;
            file.old_mode = mode();
        }
        Kind::Renamed(similarity) | Kind::Copied(similarity) => {
            let (verb, change) = match kind {
                Kind::Renamed(_) => {
                    ("rename", FileChange::Renamed { similarity: Some(similarity) })
                }
                _ => ("copy", FileChange::Copied { similarity: Some(similarity) }),
            };
            file.header = vec![
                git(&path, &other),
                format!("similarity index {similarity}%"),
                format!("{verb} from {path}"),
                format!("{verb} to {other}"),
                "index 1234567..89abcde 100644".into(),
                format!("--- a/{path}"),
                format!("+++ b/{other}"),
            ];
            file.new_path = Some(other);
            file.change = change;
            (file.old_mode, file.new_mode) = (mode(), mode());
        }
        Kind::PureRename => {
            file.header = vec![
                git(&path, &other),
                "similarity index 100%".into(),
                format!("rename from {path}"),
                format!("rename to {other}"),
            ];
            file.new_path = Some(other);
            file.change = FileChange::Renamed { similarity: Some(100) };
        }
        Kind::ModeChange => {
            file.header =
                vec![git(&path, &path), "old mode 100644".into(), "new mode 100755".into()];
            (file.old_mode, file.new_mode) = (mode(), Some("100755".into()));
        }
        Kind::BinaryDiffer => {
            file.header = vec![
                git(&path, &path),
                "index 1234567..89abcde 100644".into(),
                format!("Binary files a/{path} and b/{path} differ"),
            ];
            (file.old_mode, file.new_mode) = (mode(), mode());
            file.is_binary = true;
        }
        Kind::GitBinary => {
            file.header = vec![git(&path, &path), "index 1234567..89abcde 100644".into()];
            file.binary_patch = [
                "GIT binary patch",
                "literal 5",
                "Mc${NkU|?VZ0RR91",
                "",
                "literal 0",
                "HcmV?d00001",
                "",
            ]
            .map(String::from)
            .to_vec();
            (file.old_mode, file.new_mode) = (mode(), mode());
            file.is_binary = true;
        }
        Kind::Plain => {
            file.header = vec![
                format!("--- {path}\t2024-01-01 10:00:00.000000000 +0000"),
                format!("+++ {path}\t2024-01-02 11:00:00.000000000 +0000"),
            ];
        }
        Kind::Headerless => {
            file.old_path = None;
            file.new_path = None;
        }
    }
    if matches!(kind, Kind::Headerless) || (kind.has_hunks() && !hunks.is_empty()) {
        file.hunks = hunks;
    }
    // Text after the last hunk is a trailer (after a header alone it would join the header).
    if !file.hunks.is_empty() {
        file.trailer = trailer;
    }
    file
}

prop_compose! {
    fn patch_strategy()(
        preamble in prop::collection::vec(prose_strategy(), 0..3),
        files in prop::collection::vec(file_strategy(), 1..5),
        crlf in any::<bool>(),
        no_final_newline in any::<bool>(),
    ) -> Patch {
        let mut built: Vec<FilePatch> = Vec::new();
        for (idx, (kind, path, other, hunks, trailer)) in files.into_iter().enumerate() {
            // Hunks with no header only open a patch; a plain `---`/`+++` file must follow
            // a file that ended in hunks or a binary block, else its pair reads as part of
            // the previous (git) header.
            let kind = match kind {
                Kind::Headerless if idx > 0 => Kind::Modified,
                Kind::Plain if built.last().is_some_and(|f| f.hunks.is_empty() && f.binary_patch.is_empty()) => Kind::Modified,
                kind => kind,
            };
            let kind = match kind {
                Kind::Headerless if hunks.is_empty() => Kind::Modified,
                kind => kind,
            };
            built.push(build_file(kind, path, other, hunks, trailer));
        }
        let mut patch = Patch {
            preamble: if built.first().is_some_and(|f| f.header.is_empty()) { Vec::new() } else { preamble },
            files: built,
            line_ending: if crlf { LineEnding::CrLf } else { LineEnding::Lf },
            no_final_newline,
        };
        // Without a final newline the last line must not be empty (it would vanish).
        if patch.no_final_newline && patch.to_string().ends_with('\n') {
            patch.no_final_newline = false;
        }
        // A text without any line terminator reads as `\n`-terminated.
        if !patch.to_string().contains('\n') {
            patch.line_ending = LineEnding::Lf;
        }
        patch
    }
}

/// Diff-like lines for the random-text property: headers, hunk headers, hunk lines, markers,
/// prose and random printable text.
fn diffish_line() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "diff --git a/x.py b/x.py",
            "diff --git a/x y b/z",
            "diff -u a/x b/x",
            "--- a/x.py",
            "+++ b/x.py",
            "--- /dev/null",
            "+++ /dev/null",
            "--- x\t1970-01-01 00:00:00",
            "@@ -1,2 +1,2 @@",
            "@@ -1 +1 @@ fn f()",
            "@@ -0,0 +1 @@",
            "@@ -3,1 +3,1 @@",
            "@@ bad @@",
            " context",
            "+added",
            "-removed",
            "--- ",
            "+++ ",
            "-- ",
            "",
            "\\ No newline at end of file",
            "\\ other marker",
            "index 1234567..89abcde 100644",
            "new file mode 100644",
            "deleted file mode 100644",
            "old mode 100644",
            "new mode 100755",
            "rename from x",
            "rename to y",
            "copy from x",
            "similarity index 90%",
            "Binary files a/x and b/x differ",
            "Binary files /dev/null and b/x differ",
            "GIT binary patch",
            "literal 0",
            "Only in a: x",
        ])
        .prop_map(String::from),
        "[ -~]{0,8}",
        "[-+ @\\\\d]{0,4}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn generated_patches_print_and_parse_back_to_themselves(patch in patch_strategy()) {
        let text = patch.to_string();
        let (parsed, diagnostics) = parse(&text);
        prop_assert_eq!(&parsed, &patch, "printed:\n{}", text);
        for diagnostic in &diagnostics {
            prop_assert!(
                ["crlf_line_endings", "missing_final_newline", "hunk_without_file_header"].contains(&diagnostic.code),
                "{}", diagnostic
            );
        }
        prop_assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn any_diff_like_text_is_a_fixpoint(
        lines in prop::collection::vec((diffish_line(), any::<bool>()), 0..40),
        final_newline in any::<bool>(),
    ) {
        let mut text = String::new();
        for (idx, (line, crlf)) in lines.iter().enumerate() {
            text.push_str(line);
            if idx + 1 < lines.len() || final_newline {
                text.push_str(if *crlf { "\r\n" } else { "\n" });
            }
        }
        let (patch, _) = parse(&text);
        let printed = patch.to_string();
        let (again, _) = parse(&printed);
        prop_assert_eq!(&again, &patch, "input {:?}\nprinted {:?}", text, printed);
        prop_assert_eq!(again.to_string(), printed);
    }
}
