//! The unified-diff parser (`domain::patch::parse`) over arbitrary text.
//!
//! Checks: parsing never panics; the parse is a fixpoint of print then parse
//! (`parse(&patch.to_string()).0 == patch`, as `parse`'s doc promises for every input) and the
//! printout is stable; the figures (`stats`: files, hunks, added and removed lines, extensions,
//! languages, test files) never panic and agree with the model's own counts.
//!
//! Bytes that are not UTF-8 are read lossily (a patch column is a string, so U+FFFD is what the
//! parser would see).

#![no_main]

use libfuzzer_sys::fuzz_target;
use trajex::domain::patch::parse;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (patch, _) = parse(&text);
    let printed = patch.to_string();
    let (again, _) = parse(&printed);
    assert_eq!(again, patch, "parse(print(parse(x))) != parse(x)");
    assert_eq!(again.to_string(), printed, "print is not stable");

    let stats = patch.stats();
    assert_eq!(stats.n_files, patch.files.len());
    assert_eq!(stats.n_files, patch.n_files());
    assert_eq!(stats.n_hunks, patch.files.iter().map(|file| file.hunks.len()).sum::<usize>());
    assert_eq!(stats.n_added, patch.files.iter().map(|file| file.n_added()).sum::<usize>());
    assert_eq!(stats.n_removed, patch.files.iter().map(|file| file.n_removed()).sum::<usize>());
    for file in &patch.files {
        for hunk in &file.hunks {
            let _ = (hunk.n_old_lines(), hunk.n_new_lines(), file.path(), file.touches_tests());
        }
    }
});
