//! `domain::document`: from one file's decoded rows to one row per trajectory, and the kind of
//! a file told from its bytes.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::json;
use trajex::domain::document::{gather_document, read_file, FileKind, Gatherer};
use trajex::domain::stream::{decode_document, DecodedRow, LineError, RowResult};

fn row(value: serde_json::Value, line_no: u64) -> RowResult {
    Ok(DecodedRow { value, line_no, byte_offset: line_no * 10, byte_len: 9, diagnostics: vec![] })
}

#[test]
fn file_kinds_are_told_from_the_first_bytes() {
    assert_eq!(FileKind::sniff(b"PAR1\x15\x04"), FileKind::Parquet);
    assert_eq!(FileKind::sniff(b"PK\x03\x04rest"), FileKind::Zip);
    assert_eq!(FileKind::sniff(b"PK\x05\x06"), FileKind::Zip, "an empty zip");
    assert_eq!(FileKind::sniff(b"{\"a\": 1}\n"), FileKind::Json);
    assert_eq!(FileKind::sniff(b"PA"), FileKind::Json);
    assert_eq!(FileKind::sniff(b""), FileKind::Json);
}

#[test]
fn rows_that_are_trajectories_pass_at_once_with_their_bytes_and_errors_in_order() {
    let mut gatherer = Gatherer::new();
    // (source text, line number or error message) of each row handed on.
    type Out = (Option<Vec<u8>>, Result<u64, String>);
    let mut out: Vec<Out> = Vec::new();
    let mut sink = |bytes: Option<&[u8]>, result: RowResult| {
        out.push((bytes.map(<[u8]>::to_vec), result.map(|r| r.line_no).map_err(|e| e.message)))
    };
    gatherer.push(Some(b"line one"), row(json!({"messages": []}), 1), &mut sink);
    gatherer.push(
        None,
        Err(LineError { line_no: 2, byte_offset: 20, message: "not JSON".into() }),
        &mut sink,
    );
    gatherer.push(
        Some(b"line three"),
        row(json!([{"role": "user", "content": "hi"}]), 3),
        &mut sink,
    );
    // Nothing is held back: each row came out when pushed, before `finish`.
    assert_eq!(out.len(), 3);
    gatherer.finish(&mut |_, _| panic!("nothing was held"));
    assert_eq!(
        out,
        [
            (Some(b"line one".to_vec()), Ok(1)),
            (None, Err("not JSON".to_owned())),
            (Some(b"line three".to_vec()), Ok(3)),
        ]
    );
    assert_eq!(gatherer.n_trajectories, 2);
    assert_eq!(gatherer.n_gathered, 0);
}

#[test]
fn gather_document_keeps_every_fixture_row_as_decode_document_gives_it() {
    for name in common::FIXTURES {
        let bytes = common::fixture_bytes(name);
        let decoded = decode_document(&bytes);
        let gathered = gather_document(&bytes);
        assert_eq!(gathered.len(), decoded.len(), "{name}");
        for ((source, gathered), decoded) in gathered.iter().zip(&decoded) {
            let (gathered, decoded) = (gathered.as_ref().unwrap(), decoded.as_ref().unwrap());
            assert_eq!(gathered.value, decoded.value, "{name}");
            let start = decoded.byte_offset as usize;
            let text = &bytes[start..start + decoded.byte_len as usize];
            assert_eq!(source.as_deref(), Some(text), "{name}: each row keeps its source text");
        }
    }
}

#[test]
fn read_file_reads_parquet_rows_like_the_jsonl_they_came_from() {
    let jsonl = common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl");
    let want: Vec<serde_json::Value> =
        decode_document(&jsonl).into_iter().map(|r| r.unwrap().value).collect();
    for name in ["openhands_swegym.snappy.parquet", "openhands_swegym.zstd.parquet"] {
        let rows = read_file(&common::fixture_bytes(&format!("open_swe_traces/{name}")));
        assert_eq!(rows.len(), want.len(), "{name}");
        for (idx, (source, result)) in rows.into_iter().enumerate() {
            let row = result.unwrap();
            assert!(source.is_none(), "parquet rows have no source text");
            assert_eq!(row.line_no, idx as u64 + 1);
            assert_eq!(row.value["instance_id"], want[idx]["instance_id"], "{name}");
        }
    }
    let broken = read_file(b"PAR1 this is not parquet");
    assert_eq!(broken.len(), 1);
    let error = broken[0].1.as_ref().unwrap_err();
    assert!(error.message.starts_with("not a readable Parquet file"), "{}", error.message);
}

#[test]
fn a_row_of_no_known_shape_names_every_format_tried_and_why() {
    use trajex::domain::normalize::normalize;
    use trajex::domain::trajectory::{Format, SourceRef};
    let trajectory = normalize(json!({"foo": 1, "bar": [1, 2]}), SourceRef::default());
    assert_eq!(trajectory.format, Format::Unknown);
    let diagnostic = trajectory.diagnostics.iter().find(|d| d.code == "unknown_format").unwrap();
    let message = &diagnostic.message;
    assert!(message.contains("the row has: foo, bar"), "{message}");
    for format in ["swe_agent_traj", "inspect_eval", "atif", "tau_bench", "moatless"] {
        assert!(message.contains(&format!("{format}: ")), "{format} not named in: {message}");
    }
}

#[test]
fn a_session_spread_over_lines_is_one_trajectory_beside_ordinary_rows() {
    // A Claude Code session's lines, then an ordinary chat row: the run ends at the row.
    let bytes = common::fixture_bytes("real/claude_codex/claude_code_minimal_showcase.jsonl");
    let n_lines = bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count() as u64;
    let mut file = bytes.clone();
    file.extend_from_slice(b"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\n");
    let rows = gather_document(&file);
    assert_eq!(rows.len(), 2);
    let (source, session) = (&rows[0].0, rows[0].1.as_ref().unwrap());
    assert!(source.is_none(), "a gathered row has no one source line");
    assert_eq!(session.value.as_array().map(Vec::len), Some(n_lines as usize));
    assert_eq!(session.diagnostics[0].code, "lines_gathered");
    assert!(session.diagnostics[0].message.starts_with(&format!("lines 1-{n_lines} ")));
    let row = rows[1].1.as_ref().unwrap();
    assert_eq!(row.line_no, n_lines + 1);
    assert!(rows[1].0.as_deref().is_some_and(|s| s.starts_with(b"{\"messages\"")));
}
