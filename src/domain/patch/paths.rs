//! What a changed file's path says: its extension, its language (one of the nine languages of
//! nvidia/Open-SWE-Traces) and whether it is a test file. Pure string rules, documented on each
//! function; paths use `/` as separator, as diffs write them.

/// The nine languages of Open-SWE-Traces, as its `language` column spells them.
pub const LANGUAGES: [&str; 9] =
    ["python", "go", "typescript", "javascript", "rust", "java", "php", "c", "cpp"];

/// The extension of `path`'s last segment, lower-cased, without the dot: `"py"` for
/// `src/App.PY`. Empty when there is none: no dot (`Makefile`), a leading dot only
/// (`.gitignore`) or a trailing dot (`notes.`).
pub fn extension_of(path: &str) -> String {
    let name = file_name(path);
    match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => extension.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The language of `path` by its extension (case-insensitive), one of [`LANGUAGES`]:
///
/// | language | extensions |
/// |---|---|
/// | python | `.py` `.pyi` |
/// | go | `.go` |
/// | typescript | `.ts` `.tsx` `.mts` `.cts` |
/// | javascript | `.js` `.jsx` `.mjs` `.cjs` |
/// | rust | `.rs` |
/// | java | `.java` |
/// | php | `.php` |
/// | c | `.c` `.h` (headers count as C) |
/// | cpp | `.cc` `.cpp` `.cxx` `.c++` `.hpp` `.hh` `.hxx` `.h++` |
///
/// `None` for anything else (docs, configs, data, other languages).
pub fn language_of_path(path: &str) -> Option<&'static str> {
    let language = match extension_of(path).as_str() {
        "py" | "pyi" => "python",
        "go" => "go",
        "ts" | "tsx" | "mts" | "cts" => "typescript",
        "js" | "jsx" | "mjs" | "cjs" => "javascript",
        "rs" => "rust",
        "java" => "java",
        "php" => "php",
        "c" | "h" => "c",
        "cc" | "cpp" | "cxx" | "c++" | "hpp" | "hh" | "hxx" | "h++" => "cpp",
        _ => return None,
    };
    Some(language)
}

/// Whether `path` is a test file by the usual conventions of the nine languages.
///
/// A path is a test path when either rule holds:
/// - **A folder** of the path (not the file name; compared ignoring ASCII case) is `test`,
///   `tests`, `__tests__` or `testing` — this covers Rust's `tests/`, Java's `src/test/`, PHP's
///   and Python's `tests/`; or, for JavaScript and TypeScript files only, `spec` or `specs`.
/// - **The file name** (case-sensitive) follows its language's convention:
///   - python: `test_*.py`, `*_test.py`, `conftest.py`, `tests.py` (Django);
///   - go: `*_test.go`;
///   - javascript, typescript: `*.test.*` or `*.spec.*` (`app.test.tsx`, `util.spec.mjs`);
///   - java: `*Test.java`, `*Tests.java`, `*TestCase.java`, `*IT.java` unless an upper-case
///     letter comes before `IT` (`ParserIT.java`, not `EDIT.java`), and `Test*.java` when an
///     upper-case letter comes after `Test` (`TestParser.java`, not `Testimony.java`);
///   - rust: `*_test.rs`, `*_tests.rs`, `tests.rs`;
///   - php: `*Test.php`;
///   - c, cpp: stems `test_*`, `*_test`, `*_tests`, `*_unittest` (`test_io.c`, `vec_test.cc`,
///     `str_unittest.cpp`, `list_tests.h`).
///
/// Files in other languages are test paths only by their folder.
pub fn is_test_path(path: &str) -> bool {
    let language = language_of_path(path);
    let is_js_or_ts = matches!(language, Some("javascript" | "typescript"));
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let name = segments.pop().unwrap_or_default();
    let in_test_folder = segments.iter().any(|segment| {
        ["test", "tests", "__tests__", "testing"]
            .iter()
            .any(|folder| segment.eq_ignore_ascii_case(folder))
            || (is_js_or_ts
                && (segment.eq_ignore_ascii_case("spec") || segment.eq_ignore_ascii_case("specs")))
    });
    in_test_folder || language.is_some_and(|language| is_test_file_name(name, language))
}

/// The file-name rule of [`is_test_path`] for a file of `language`.
fn is_test_file_name(name: &str, language: &str) -> bool {
    let stem = match name.rsplit_once('.') {
        Some((stem, _)) => stem,
        None => name,
    };
    match language {
        "python" => {
            stem.starts_with("test_")
                || stem.ends_with("_test")
                || stem == "conftest"
                || stem == "tests"
        }
        "go" => stem.ends_with("_test"),
        "javascript" | "typescript" => {
            // The part before the language extension ends in `.test` or `.spec`.
            stem.ends_with(".test") || stem.ends_with(".spec")
        }
        "java" => {
            ["Test", "Tests", "TestCase"].iter().any(|suffix| stem.ends_with(suffix))
                || stem
                    .strip_suffix("IT")
                    .and_then(|rest| rest.chars().next_back())
                    .is_some_and(|c| !c.is_ascii_uppercase())
                || stem
                    .strip_prefix("Test")
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(|c| c.is_ascii_uppercase())
        }
        "rust" => stem.ends_with("_test") || stem.ends_with("_tests") || stem == "tests",
        "php" => stem.ends_with("Test"),
        "c" | "cpp" => {
            stem.starts_with("test_")
                || ["_test", "_tests", "_unittest"].iter().any(|suffix| stem.ends_with(suffix))
        }
        _ => false,
    }
}

/// The last segment of `path`.
fn file_name(path: &str) -> &str {
    match path.rsplit_once('/') {
        Some((_, name)) => name,
        None => path,
    }
}
