//! Inspect AI `.eval` archives: a zip file of JSON entries, read into one row per sample.
//!
//! The layout is the one Inspect's `EvalRecorder` writes (UKGovernmentBEIS/inspect_ai,
//! `src/inspect_ai/log/_recorders/eval.py`), each entry JSON, stored or deflated:
//! - `header.json`: the log without its samples (`{version, status, eval, plan, results,
//!   stats, error}`), written when the eval finishes;
//! - `_journal/start.json`: `{version, eval, plan}`, written when it starts (the only header of
//!   an eval still running or interrupted: its status is then `started`);
//! - `samples/<id>_epoch_<n>.json`: one `EvalSample` each;
//! - `summaries.json` and `_journal/summaries/<n>.json`: short summaries of the samples;
//!   `reductions.json`: scores reduced over epochs. Neither is read here: the samples hold
//!   what they summarize.
//!
//! Entries are deflated (level 5), or zstd-compressed when `INSPECT_USE_ZSTD` is set (Inspect's
//! `zipfile_compress_kwargs`): zstd entries are not decompressed here (the zip reader is built
//! with pure-Rust deflate only) and give an error row saying so. The experimental `.eval2`
//! layout (`_recorders/eval2/format.py`: each sample a folder of a `sample.json` shell and
//! chunk entries) is told apart and not read.
//!
//! [`read_archive`] hands on one row per sample entry, in the archive's order, each carrying the
//! header's context the way a split `.json` log's samples do (see
//! `normalize::inspect::eval_context`), so the Inspect sample reader reads both alike.

use std::io::{Cursor, Read};

use serde_json::Value;

use crate::domain::diagnostic::Diagnostic;
use crate::domain::normalize::{attach_eval_context, eval_context};
use crate::domain::stream::{decode_line, Line, LineError, RowResult};

/// The largest entry read, uncompressed (a guard against zip bombs).
const MAX_ENTRY_BYTES: u64 = 1 << 30;

/// The entries that may hold the log's header, in order of preference.
const HEADERS: [&str; 2] = ["header.json", "_journal/start.json"];

/// Reads an Inspect `.eval` archive (the whole file, `bytes`) into one row per sample entry
/// (`samples/*.json`), in the archive's order.
///
/// Each row's `line_no` is the entry's index in the archive plus one (`byte_offset` and
/// `byte_len` are 0: an entry has no place in the file's text); its value is the sample with
/// the header's context under `eval`; an `archive_entry` info diagnostic names the entry. An
/// entry that cannot be read or is not JSON gives an error row naming it; bytes that are not
/// a readable zip give one error row, and so does an archive with no sample entries (or one in
/// the experimental `.eval2` layout, whose samples are folders of chunks).
pub fn read_archive(bytes: &[u8]) -> Vec<RowResult> {
    let whole = |message: String| vec![Err(LineError { line_no: 1, byte_offset: 0, message })];
    let mut archive = match zip::ZipArchive::new(Cursor::new(bytes)) {
        Ok(archive) => archive,
        Err(err) => return whole(format!("not a readable zip archive: {err}")),
    };
    let names: Vec<String> = (0..archive.len())
        .map(|idx| match archive.name_for_index(idx) {
            Some(Ok(name)) => name.into_owned(),
            _ => String::new(),
        })
        .collect();
    let is_sample = |name: &str| {
        name.strip_prefix("samples/")
            .is_some_and(|file| file.ends_with(".json") && !file.contains('/'))
    };
    let n_samples = names.iter().filter(|name| is_sample(name)).count();
    // The experimental `.eval2` layout (`_recorders/eval2/format.py`): each sample a folder of
    // a shell and chunks (`samples/<id>_epoch_<n>/sample.json`, `.../messages/<start>.json`).
    if n_samples == 0
        && names.iter().any(|name| name.starts_with("samples/") && name.ends_with("/sample.json"))
    {
        return whole(
            "an Inspect `.eval2` archive (samples split into chunk entries under \
             `samples/<id>_epoch_<n>/`): this experimental layout is not read; save the log as \
             `.eval` or `.json`"
                .to_owned(),
        );
    }
    let mut rows = Vec::with_capacity(n_samples.max(1));

    // The header: its context goes with every sample.
    let mut context = Value::Object(serde_json::Map::new());
    let header = HEADERS.iter().find_map(|header| names.iter().position(|name| name == header));
    if let Some(idx) = header {
        match read_entry(&mut archive, idx, &names[idx]) {
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(Value::Object(mut header)) => {
                    if !header.contains_key("status") && names[idx] == HEADERS[1] {
                        header.insert("status".to_owned(), Value::String("started".to_owned()));
                    }
                    context = eval_context(&header);
                }
                Ok(other) => rows.push(Err(entry_error(
                    idx,
                    &names[idx],
                    &format!("a header that is not an object ({})", kind_of(&other)),
                ))),
                Err(err) => {
                    rows.push(Err(entry_error(idx, &names[idx], &format!("not JSON: {err}"))))
                }
            },
            Err(message) => rows.push(Err(entry_error(idx, &names[idx], &message))),
        }
    }

    if n_samples == 0 {
        let listed: Vec<&str> = names.iter().map(String::as_str).take(8).collect();
        rows.push(Err(LineError {
            line_no: 1,
            byte_offset: 0,
            message: format!(
                "the archive holds no `samples/*.json` entries, so no trajectory (an Inspect log \
                 written without samples, or not an Inspect log); its {} entries: {}",
                names.len(),
                listed.join(", ")
            ),
        }));
        return rows;
    }

    let mut n = 0;
    for (idx, name) in names.iter().enumerate() {
        if !is_sample(name) {
            continue;
        }
        n += 1;
        let bytes = match read_entry(&mut archive, idx, name) {
            Ok(bytes) => bytes,
            Err(message) => {
                rows.push(Err(entry_error(idx, name, &message)));
                continue;
            }
        };
        let line = Line { bytes: &bytes, line_no: idx as u64 + 1, byte_offset: 0 };
        match decode_line(line) {
            Some(Ok(mut row)) => {
                row.byte_len = 0;
                row.value = attach_eval_context(row.value, &context);
                row.diagnostics.insert(
                    0,
                    Diagnostic::info(
                        "archive_entry",
                        "",
                        format!("sample {n} of {n_samples}: entry `{name}` of the Inspect `.eval` archive"),
                    ),
                );
                rows.push(Ok(row));
            }
            Some(Err(error)) => rows.push(Err(entry_error(idx, name, &error.message))),
            None => rows.push(Err(entry_error(idx, name, "an empty entry, not JSON"))),
        }
    }
    rows
}

/// The uncompressed bytes of entry `idx`, or why they could not be read.
fn read_entry(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    idx: usize,
    name: &str,
) -> Result<Vec<u8>, String> {
    let method = archive.by_index_raw(idx).map(|file| file.compression()).ok();
    if method == Some(zip::CompressionMethod::ZSTD) {
        return Err("compressed with zstd (Inspect writes zstd entries when INSPECT_USE_ZSTD is \
                    set), which this reader does not decompress"
            .to_owned());
    }
    let file = archive.by_index(idx).map_err(|err| match method {
        Some(method) => format!("cannot open `{name}` (compression {method:?}): {err}"),
        None => format!("cannot open `{name}`: {err}"),
    })?;
    let capacity = file.size().min(64 << 20) as usize;
    let mut bytes = Vec::with_capacity(capacity);
    file.take(MAX_ENTRY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot decompress: {err}"))?;
    if bytes.len() as u64 > MAX_ENTRY_BYTES {
        return Err(format!("larger than {} MiB uncompressed; not read", MAX_ENTRY_BYTES >> 20));
    }
    Ok(bytes)
}

/// An error row for entry `idx` (its `line_no` is the index plus one).
fn entry_error(idx: usize, name: &str, message: &str) -> LineError {
    LineError {
        line_no: idx as u64 + 1,
        byte_offset: 0,
        message: format!("archive entry `{name}`: {message}"),
    }
}

/// A word for a JSON value's kind.
fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
