//! The `trajex` command line, run as a process on fixture files and on standard input.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value;

fn trajex(args: &[&str], stdin: &[u8]) -> (Vec<Value>, String, i32) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_trajex"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    let output = child.wait_with_output().unwrap();
    let records = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    (records, String::from_utf8(output.stderr).unwrap(), output.status.code().unwrap_or(-1))
}

#[test]
fn inspect_prints_one_record_per_trajectory_with_metrics() {
    let path = common::fixture_path("open_swe_traces/openhands_swegym.jsonl");
    let (records, stderr, code) = trajex(&["inspect", path.to_str().unwrap()], b"");
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(records.len(), 5);
    let first = &records[0];
    assert_eq!(first["format"], "openai_tool_calls");
    assert_eq!(first["row_idx"], 0);
    assert_eq!(first["line_no"], 1);
    assert_eq!(first["instance_id"], "Project-MONAI__MONAI-6034");
    assert_eq!(first["outcome"], "resolved");
    assert_eq!(first["n_messages"], 17);
    assert_eq!(first["n_turns"], 8);
    assert_eq!(first["n_tool_calls"], 7);
    assert_eq!(first["tool_calls_by_name"]["str_replace_editor"], 4);
    assert_eq!(first["final_patch_field"], "metadata.model_patch.patch");
    assert!(first["source"].as_str().unwrap().ends_with("openhands_swegym.jsonl"));
    assert_eq!(records[4]["row_idx"], 4);
    assert!(stderr.contains("5 rows, 5 trajectories, 0 line errors"), "{stderr}");
}

#[test]
fn inspect_reads_stdin_and_reports_bad_lines_in_place() {
    let input = b"{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}\nnot json\n42\n";
    let (records, stderr, code) = trajex(&["inspect", "-"], input);
    assert_eq!(code, 0);
    assert_eq!(records.len(), 3, "one record per row, errors included");
    assert_eq!(records[0]["format"], "plain_chat");
    assert_eq!(records[1]["line_no"], 2);
    assert!(records[1]["error"].as_str().unwrap().starts_with("not JSON"));
    assert_eq!(records[2]["n_diagnostics"], 1);
    assert_eq!(records[2]["diagnostics"][0]["code"], "not_a_row");
    assert!(stderr.contains("3 rows, 2 trajectories, 1 line errors"), "{stderr}");
}

#[test]
fn inspect_reads_a_pretty_printed_json_array() {
    let input = b"[\n  {\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]},\n  {\"trajectory\": []}\n]\n";
    let (records, _, code) = trajex(&["inspect", "-"], input);
    assert_eq!(code, 0);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1]["diagnostics"][0]["code"], "no_messages");
}

#[test]
fn missing_file_and_usage_errors() {
    let (_, stderr, code) = trajex(&["inspect", "/no/such/file.jsonl"], b"");
    assert_eq!(code, 1);
    assert!(stderr.contains("/no/such/file.jsonl"));
    let (_, _, code) = trajex(&["frobnicate"], b"");
    assert_eq!(code, 2);
}
