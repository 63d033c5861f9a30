//! The `trajex` command line, run as a process on fixture files and on standard input.

#![cfg(not(target_arch = "wasm32"))]

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

fn run_raw(args: &[&str]) -> (String, String, i32) {
    let output = Command::new(env!("CARGO_BIN_EXE_trajex")).args(args).output().unwrap();
    (
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
        output.status.code().unwrap_or(-1),
    )
}

#[test]
fn export_raw_is_byte_identical_and_the_manifest_counts_every_row() {
    let dir = std::env::temp_dir().join(format!("trajex-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.jsonl");
    let open_swe = common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl");
    let mut bytes = open_swe.clone();
    bytes.extend_from_slice(b"{broken\n");
    bytes.extend_from_slice(&common::fixture_bytes("real/nebius_swe_agent_trajectories.jsonl"));
    std::fs::write(&input, &bytes).unwrap();
    let out = dir.join("out.jsonl");
    let (_, stderr, code) = run_raw(&[
        "export",
        "--filter",
        "outcome=resolved&lang=python&max_tokens=1000000&tool=execute_bash",
        "-o",
        out.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    // Only the Open-SWE-Traces rows call execute_bash: they come out byte for byte.
    assert_eq!(std::fs::read(&out).unwrap(), open_swe);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "raw");
    assert_eq!(manifest["counts"]["rows_read"], 11);
    assert_eq!(manifest["counts"]["exported"], 5);
    assert_eq!(manifest["counts"]["filtered_out"]["tool"], 5);
    assert_eq!(manifest["counts"]["n_line_errors"], 1);
    assert_eq!(
        manifest["counts"]["line_errors"][0].as_str().unwrap().split(": ").nth(1),
        Some("not JSON")
    );
    assert_eq!(
        manifest["filter_query"],
        "outcome=resolved&max_tokens=1000000&lang=python&tool=execute_bash"
    );
    assert!(manifest["filter_summary"].as_str().unwrap().starts_with("resolved, ≤ 1000000 tokens"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// An array of rows exports one row per line: an element written on one line as it is, a
/// pretty-printed one serialized compactly; a broken element is counted, not written.
#[test]
fn export_raw_of_json_arrays_is_one_row_per_line() {
    let dir = std::env::temp_dir().join(format!("trajex-cli-array-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let one_line = dir.join("one_line.json");
    std::fs::write(&one_line, b"[{\"b\": 1,  \"a\": [ 2 ]}, {\"c\": \"x\"}]").unwrap();
    let (stdout, stderr, code) = run_raw(&["export", one_line.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "{\"b\": 1,  \"a\": [ 2 ]}\n{\"c\": \"x\"}\n");

    let pretty = dir.join("pretty.json");
    std::fs::write(
        &pretty,
        b"[\n  {\n    \"b\": 1,\n    \"a\": [2]\n  },\n  {\"c\": oops},\n  {\"c\": \"x\"}\n]\n",
    )
    .unwrap();
    let (stdout, stderr, code) = run_raw(&["export", pretty.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "{\"b\":1,\"a\":[2]}\n{\"c\": \"x\"}\n");
    assert!(stderr.contains("3 rows read, 2 exported, 0 filtered out, 0 skipped, 1 line errors"));
    assert!(stderr.contains("pretty.json:6: not JSON"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_sft_to_stdout_with_manifest_on_stderr() {
    let path = common::fixture_path("real/swe_smith_trajectories.jsonl");
    let (stdout, stderr, code) =
        run_raw(&["export", "--format", "sft", "--filter", "patch=yes", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    // Two of the five SWE-smith rows have an empty `patch`.
    assert_eq!(records.len(), 3);
    assert_eq!(records[0]["messages"][0]["role"], "system");
    assert_eq!(records[0]["resolved"], true);
    assert!(stderr.contains("\"kind\": \"trajex-export\""), "{stderr}");
    assert!(stderr.contains("5 rows read, 3 exported, 2 filtered out"), "{stderr}");
}

#[test]
fn export_rejects_unknown_filter_keys() {
    let (_, stderr, code) = run_raw(&["export", "--filter", "colour=blue", "-"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`colour` is not a filter key"), "{stderr}");
    // A filter on the other runs of an instance cannot be judged in one pass.
    let (_, stderr, code) = run_raw(&["export", "--filter", "mixed_outcome=yes", "-"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("`mixed_outcome`"), "{stderr}");
}

#[test]
fn export_filters_on_flags() {
    // Row 4 of the Open-SWE-Traces sample loops (tests/flags.rs); the others have no flag.
    let rows = common::fixture_path("open_swe_traces/openhands_swegym.jsonl");
    let (stdout, stderr, code) =
        run_raw(&["export", "--filter", "flag=loops", rows.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let kept: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["instance_id"], "python__mypy-11567");
}

#[test]
fn export_text_renders_the_chat_template_and_counts_refused_rows() {
    let config = common::fixture_path("templates/qwen2_5/tokenizer_config.json");
    let rows = common::fixture_path("templates/reasoning_rows.jsonl");
    let (stdout, stderr, code) = run_raw(&[
        "export",
        "--format",
        "text",
        "--template",
        config.to_str().unwrap(),
        rows.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 2);
    // The same text as Python's jinja2 rendering the template (scripts/expected-template-renders.py).
    let expected: Vec<Value> =
        String::from_utf8(common::fixture_bytes("templates/expected_renders.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .filter(|case: &Value| {
                case["template"] == "qwen2_5" && case["fixture"] == "templates/reasoning_rows.jsonl"
            })
            .collect();
    assert_eq!(expected.len(), 2);
    for (record, case) in records.iter().zip(&expected) {
        assert_eq!(record["text"], case["text"]);
        assert_eq!(record.as_object().unwrap().keys().next().unwrap(), "text");
    }
    assert!(stderr.contains("\"format\": \"text\""), "{stderr}");
    assert!(stderr.contains("tokenizer_config.json (default)"), "{stderr}");

    // A template that refuses tool messages: those rows are skipped with the reason and the
    // template's message; the manifest still accounts for every row.
    let dir = std::env::temp_dir().join(format!("trajex-cli-text-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let strict = dir.join("tokenizer_config.json");
    let template = "{% for m in messages %}{% if m.role == 'tool' %}{{ raise_exception('no tool role') }}{% endif %}{{ m.role }}: {{ m.content }}\n{% endfor %}";
    std::fs::write(&strict, serde_json::json!({"chat_template": template}).to_string()).unwrap();
    let mixed = common::fixture_path("real/swe_smith_trajectories.jsonl");
    let out = dir.join("out.jsonl");
    let (_, stderr, code) = run_raw(&[
        "export",
        "--format",
        "text",
        "--template",
        strict.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        rows.to_str().unwrap(),
        mixed.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    let written = std::fs::read_to_string(&out).unwrap();
    let texts: Vec<Value> = written.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(texts.len(), 5, "the SWE-smith rows have no tool role");
    assert!(texts[0]["text"].as_str().unwrap().starts_with("system: "));
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("out.manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["counts"]["rows_read"], 7);
    assert_eq!(manifest["counts"]["exported"], 5);
    assert_eq!(manifest["counts"]["skipped"]["template_raised"], 2);
    let note = manifest["counts"]["skip_notes"][0].as_str().unwrap();
    assert!(note.ends_with("reasoning_rows.jsonl:0: the chat template refused this conversation (template line 1): no tool role"), "{note}");
    std::fs::remove_dir_all(&dir).unwrap();

    // text needs a template, and a broken one is reported before anything is written.
    let (_, stderr, code) = run_raw(&["export", "--format", "text", rows.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--format text needs --template"), "{stderr}");
    let broken = std::env::temp_dir().join(format!("trajex-broken-{}.json", std::process::id()));
    std::fs::write(&broken, r#"{"chat_template": "{% for m in messages %}"}"#).unwrap();
    let (stdout, stderr, code) = run_raw(&[
        "export",
        "--format",
        "text",
        "--template",
        broken.to_str().unwrap(),
        rows.to_str().unwrap(),
    ]);
    std::fs::remove_file(&broken).unwrap();
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(stderr.contains("chat template syntax error"), "{stderr}");
}

#[test]
fn inspect_reads_parquet_like_the_page_with_the_same_figures_as_jsonl() {
    let jsonl = common::fixture_path("open_swe_traces/openhands_swegym.jsonl");
    let (expected, _, code) = trajex(&["inspect", jsonl.to_str().unwrap()], b"");
    assert_eq!(code, 0);
    for name in ["openhands_swegym.snappy.parquet", "openhands_swegym.zstd.parquet"] {
        let path = common::fixture_path(&format!("open_swe_traces/{name}"));
        // Read as a file and from standard input: the kind is told from the bytes.
        let bytes = std::fs::read(&path).unwrap();
        for (args, stdin) in
            [(vec!["inspect", path.to_str().unwrap()], &[][..]), (vec!["inspect", "-"], &bytes[..])]
        {
            let (records, stderr, code) = trajex(&args, stdin);
            assert_eq!(code, 0, "{stderr}");
            assert_eq!(records.len(), expected.len(), "{name}: {stderr}");
            for (record, want) in records.iter().zip(&expected) {
                let (mut record, mut want) = (record.clone(), want.clone());
                for key in ["source", "line_no", "byte_offset"] {
                    record.as_object_mut().unwrap().remove(key);
                    want.as_object_mut().unwrap().remove(key);
                }
                assert_eq!(record, want, "{name}");
            }
        }
    }
}

#[test]
fn export_raw_of_parquet_writes_each_row_once() {
    let path = common::fixture_path("open_swe_traces/openhands_swegym.zstd.parquet");
    let (out, stderr, code) = run_raw(&["export", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let lines: Vec<Value> = out.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 5);
    assert!(lines.iter().all(|row| row.get("messages").is_some()));
    assert!(stderr.contains("5 rows read, 5 exported"), "{stderr}");
}

#[test]
fn a_parquet_file_whose_footer_lies_is_refused_with_one_clear_message() {
    let mut bytes =
        std::fs::read(common::fixture_path("open_swe_traces/openhands_swegym.zstd.parquet"))
            .unwrap();
    let n = bytes.len();
    bytes[n - 8..n - 4].copy_from_slice(&(n as u32 * 3).to_le_bytes());
    let (records, stderr, code) = trajex(&["inspect", "-"], &bytes);
    assert_ne!(code, 0, "{stderr}");
    assert!(records.is_empty());
    assert_eq!(
        stderr.lines().filter(|l| l.contains("Parquet") || l.contains("parquet")).count(),
        1,
        "{stderr}"
    );
}

#[test]
fn index_counts_the_rows_and_the_passing_rows_as_export_does() {
    let files: Vec<String> = common::FIXTURES
        .iter()
        .map(|f| common::fixture_path(f).to_str().unwrap().to_owned())
        .collect();
    let query = "outcome=resolved&tool_calls=10-";
    let mut args = vec!["index", "--filter", query];
    args.extend(files.iter().map(String::as_str));
    let (out, stderr, code) = run_raw(&args);
    assert_eq!(code, 0, "{stderr}");
    let summary: Value = serde_json::from_str(&out).unwrap();
    let mut export = vec!["export", "--filter", query, "--manifest", "/dev/null"];
    export.extend(files.iter().map(String::as_str));
    let (exported, stderr, code) = run_raw(&export);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(summary["passing"], exported.lines().count() as u64, "{summary}");
    let (all, _, _) = run_raw(
        &[&["inspect"][..], &files.iter().map(String::as_str).collect::<Vec<_>>()].concat(),
    );
    assert_eq!(
        summary["rows"].as_u64().unwrap() + summary["row_errors"].as_u64().unwrap(),
        all.lines().count() as u64
    );
    let outcomes: u64 =
        summary["outcomes"].as_object().unwrap().values().map(|v| v.as_u64().unwrap()).sum();
    assert_eq!(outcomes, summary["passing"].as_u64().unwrap());
    assert!(summary["bytes_per_row"].as_f64().unwrap() > 0.0);
}
