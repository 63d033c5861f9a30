//! Inspect AI eval logs: `.json` logs read as the app reads a file (`gather_document`, then
//! `normalize_decoded`), `.eval` archives (`domain::archive::read_archive`) built here from the
//! same real logs in the layout of Inspect's `EvalRecorder`, samples given alone (JSONL), and
//! small samples written from the Inspect source for the shapes no fixture has (reasoning
//! parts, server-side tool uses, the SWE-bench scorer) and for junk.
//!
//! Fixtures: `tests/fixtures/real/inspect/` (see its `SOURCES.md`).

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::io::{Cursor, Write};

use serde_json::{json, Map, Value};
use trajex::domain::archive::read_archive;
use trajex::domain::document::FileKind;
use trajex::domain::normalize::{normalize, normalize_decoded};
use trajex::domain::stream::RowResult;
use trajex::domain::trajectory::{Format, Origin, Outcome, Role, SourceRef, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

use common::codes_of as codes;
use common::fixture_bytes;

const DIR: &str = "real/inspect";

/// Every trajectory of a fixture file read as the app reads a JSON file.
fn read_file(name: &str) -> Vec<Trajectory> {
    read_bytes(&fixture_bytes(&format!("{DIR}/{name}")), name)
}

fn read_bytes(bytes: &[u8], name: &str) -> Vec<Trajectory> {
    common::read_as_app(name, bytes)
}

/// The trajectories of an archive's rows (panics on an error row).
fn read_rows(rows: Vec<RowResult>, name: &str) -> Vec<Trajectory> {
    rows.into_iter()
        .enumerate()
        .map(|(idx, row)| {
            let row = row.unwrap_or_else(|err| panic!("{name}: {err}"));
            normalize_decoded(row, Origin::File { path: name.to_owned() }, idx as u64)
        })
        .collect()
}

fn log(name: &str) -> Map<String, Value> {
    match serde_json::from_slice(&fixture_bytes(&format!("{DIR}/{name}"))) {
        Ok(Value::Object(map)) => map,
        other => panic!("{name}: not a JSON object: {other:?}"),
    }
}

fn roles(trajectory: &Trajectory) -> Vec<Role> {
    trajectory.messages.iter().map(|m| m.role).collect()
}

fn meta<'a>(trajectory: &'a Trajectory, key: &str) -> &'a Value {
    trajectory.metadata.get(key).unwrap_or_else(|| {
        panic!("no metadata `{key}`; has {:?}", trajectory.metadata.keys().collect::<Vec<_>>())
    })
}

/// Results that answer no call and calls with no result.
fn unlinked(trajectory: &Trajectory) -> (usize, usize) {
    let results = trajectory
        .messages
        .iter()
        .filter(|m| m.role == Role::Tool && m.result_of.is_none())
        .count();
    let calls = trajectory.tool_calls().filter(|(_, call)| call.result_idx.is_none()).count();
    (results, calls)
}

#[test]
fn legacy_v2_log_with_transcript_is_one_failed_sample() {
    let trajectories = read_file("log_formats.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::InspectEval);
    assert_eq!(roles(t), [Role::System, Role::User, Role::Assistant]);
    assert_eq!(t.messages[2].content, "No");
    assert!(t.messages[0].content.contains("only respond with exactly \"Yes\" or \"No\""));
    assert_eq!(t.outcome, Outcome::Failed, "score `match` = \"I\"");
    assert_eq!(meta(t, "reward"), &json!(0.0));
    assert_eq!(meta(t, "scores"), &json!({"match": {"value": "I", "answer": "No"}}));
    assert_eq!(t.ids.model.as_deref(), Some("ollama/llama3.1"), "the log's eval.model");
    assert_eq!(t.ids.instance_id.as_deref(), Some("1"));
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("1_epoch_1"), "no uuid in this version");
    assert_eq!(meta(t, "task"), "popularity");
    assert_eq!(meta(t, "eval_status"), "success");
    assert_eq!(meta(t, "log_version"), &json!(2));
    assert_eq!(meta(t, "dataset"), "popularity");
    assert_eq!(meta(t, "eval_run_id"), "BpiPFmbVcMCRUAXv8ovCTx");
    assert_eq!(meta(t, "target"), " Yes", "the target is metadata, not an outcome label");
    assert_eq!(meta(t, "label_confidence"), &json!(0.8860552919198255));
    assert_eq!(meta(t, "epoch"), &json!(1));
    assert_eq!(meta(t, "stop_reason"), "stop");
    // No sample `model_usage` in this version: the output's usage counts.
    assert_eq!(meta(t, "input_tokens"), &json!(66));
    assert_eq!(meta(t, "output_tokens"), &json!(2));
    assert_eq!(meta(t, "total_tokens"), &json!(68));
    assert_eq!(meta(t, "n_events"), &json!(11), "transcript.events counted");
    for dropped in ["transcript", "events", "output", "input", "attachments"] {
        assert!(!t.metadata.contains_key(dropped), "{dropped} kept");
    }
    assert_eq!(t.exit_status, None);
    assert_eq!(t.final_patch, None);
    assert_eq!(codes(t, Severity::Info), ["document_split"]);
    assert!(
        codes(t, Severity::Warning).is_empty() && codes(t, Severity::Error).is_empty(),
        "{:?}",
        t.diagnostics
    );
}

#[test]
fn current_log_with_events_and_attachments_is_one_resolved_sample() {
    let trajectories = read_file("log_read_sample.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::InspectEval);
    assert_eq!(roles(t), [Role::System, Role::User, Role::Assistant]);
    assert_eq!(t.messages[2].content, "Yes\n");
    assert!(t.messages[1].content.starts_with("Is the following statement"));
    assert_eq!(t.outcome, Outcome::Resolved, "score `match` = \"C\"");
    assert_eq!(meta(t, "reward"), &json!(1.0));
    assert_eq!(meta(t, "scores")["match"]["explanation"], "Yes\n");
    assert_eq!(t.ids.model.as_deref(), Some("ollama/gemma3"));
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("8rN5WC55fErMswTifp3eVJ"), "the sample's uuid");
    assert_eq!(t.ids.instance_id.as_deref(), Some("1"));
    assert_eq!(meta(t, "eval_id"), "hj8C8q8gxzHhwyCT67xh4L");
    assert_eq!(meta(t, "eval_task_id"), "mAenKNP6uMKq3aaTLhR3qp");
    assert_eq!(meta(t, "input_tokens"), &json!(66));
    assert_eq!(meta(t, "output_tokens"), &json!(3));
    assert_eq!(meta(t, "total_tokens"), &json!(69));
    assert_eq!(meta(t, "model_usage")["ollama/gemma3"]["total_tokens"], json!(69));
    assert_eq!(meta(t, "total_time"), &json!(2.113));
    assert_eq!(meta(t, "working_time"), &json!(1.952));
    assert_eq!(meta(t, "n_events"), &json!(17));
    assert!(t.tools.is_empty(), "the model event declares no tools");
    assert!(!t.metadata.contains_key("attachments"));
    assert_eq!(codes(t, Severity::Info), ["document_split"]);
    assert_eq!(t.diagnostics.len(), 1, "{:?}", t.diagnostics);
}

#[test]
fn browser_agent_log_links_every_tool_call() {
    let trajectories = read_file("log_browser_tool_calls.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    let metrics = TrajectoryMetrics::of(t);
    assert_eq!(t.format, Format::InspectEval);
    assert_eq!(metrics.n_messages_of(Role::User), 1);
    assert_eq!(metrics.n_messages_of(Role::Assistant), 5);
    assert_eq!(metrics.n_messages_of(Role::Tool), 4);
    assert_eq!(metrics.n_messages_of(Role::System), 0);
    assert_eq!(metrics.n_tool_calls, 4);
    assert_eq!(metrics.tool_calls_by_name.get("web_browser_go"), Some(&1));
    assert_eq!(metrics.tool_calls_by_name.get("web_browser_click"), Some(&3));
    assert_eq!(metrics.n_turns, 5);
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    assert_eq!(unlinked(t), (0, 0));
    // Each call is answered by the next message, by id.
    for (call_ref, call) in t.tool_calls() {
        let result = call.result_idx.expect("linked");
        assert_eq!(result, call_ref.message_idx + 1);
        assert_eq!(t.messages[result].tool_call_id, call.id);
        assert_eq!(t.messages[result].name.as_deref(), Some(call.name.as_str()));
    }
    let first = &t.messages[1].tool_calls[0];
    assert_eq!(first.id.as_deref(), Some("call_35FTpd6shR9efioDgeEBZ33s"));
    assert_eq!(first.arguments(), &json!({"url": "https://www.aisi.gov.uk/"}));
    assert_eq!(t.messages[3].tool_calls[0].arguments(), &json!({"element_id": 151}));
    assert!(t.messages[2]
        .content
        .starts_with("[132] link \"We are now the AI Security Institute\""));
    assert!(t.messages[9].content.starts_with("The AI Security Institute (AISI) is the premier"));
    assert_eq!(t.outcome, Outcome::Resolved, "score `includes` = \"C\"");
    assert_eq!(t.ids.model.as_deref(), Some("openai/gpt-4o-mini"));
    assert_eq!(meta(t, "task"), "browser");
    // The cut sample has no `model_usage`: the output's usage counts.
    assert_eq!(meta(t, "input_tokens"), &json!(5915));
    assert_eq!(meta(t, "input_tokens_cache_read"), &json!(3840));
    assert_eq!(meta(t, "reasoning_tokens"), &json!(0));
    assert_eq!(meta(t, "target"), "");
    assert!(!t.metadata.contains_key("dataset"), "this dataset has no name");
    assert_eq!(metrics.n_tool_errors, 0);
    assert_eq!(t.diagnostics.len(), 1, "{:?}", t.diagnostics);
}

#[test]
fn tool_errors_are_errors_and_results_without_calls_are_reported() {
    let trajectories = read_file("log_tool_call_error.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    let metrics = TrajectoryMetrics::of(t);
    assert_eq!(t.format, Format::InspectEval);
    assert_eq!(metrics.n_messages_of(Role::Tool), 11);
    assert_eq!(metrics.n_messages, 11);
    assert_eq!(metrics.n_tool_calls, 0);
    // Every `error` makes its result an error result (counted once linked to a call; these
    // answer no call in the log, so the figure stays 0).
    assert!(t.messages.iter().all(trajex::domain::metrics::is_error_result));
    assert_eq!(metrics.n_tool_errors, 0);
    assert_eq!(t.messages[0].content, "ERROR: (parsing) ...");
    assert_eq!(t.messages[0].tool_call_id.as_deref(), Some("bash_1"));
    assert_eq!(t.messages[0].name.as_deref(), Some("bash"));
    assert!(t.messages[10].content.starts_with(
        "ERROR: (output_limit) The tool output limit of 10 MiB was exceeded.\n\n\nThe output of your call to bash was too long"
    ));
    // No assistant message made these calls: each result is reported, none is linked.
    assert_eq!(unlinked(t), (11, 0));
    assert_eq!(codes(t, Severity::Warning), ["orphan_tool_result"; 11]);
    assert_eq!(t.outcome, Outcome::Unknown, "no scores");
    assert!(!t.metadata.contains_key("reward"));
    assert_eq!(t.ids.model.as_deref(), Some("..."));
    assert_eq!(meta(t, "setup"), "...");
}

#[test]
fn a_log_of_several_samples_gives_one_trajectory_each_with_the_log_context() {
    // The browser log's header with its sample and the popularity log's sample.
    let mut combined = log("log_browser_tool_calls.json");
    let other = log("log_read_sample.json");
    let mut samples = combined["samples"].as_array().cloned().unwrap_or_default();
    samples.extend(other["samples"].as_array().cloned().unwrap_or_default());
    assert_eq!(samples.len(), 2);
    combined.insert("samples".into(), Value::Array(samples));
    let bytes = serde_json::to_vec_pretty(&combined).unwrap();
    let trajectories = read_bytes(&bytes, "combined.json");
    assert_eq!(trajectories.len(), 2);
    assert_eq!(trajectories[0].messages.len(), 10);
    assert_eq!(trajectories[1].messages.len(), 3);
    for (idx, t) in trajectories.iter().enumerate() {
        assert_eq!(t.format, Format::InspectEval);
        assert_eq!(t.ids.model.as_deref(), Some("openai/gpt-4o-mini"), "the log's model");
        assert_eq!(meta(t, "task"), "browser");
        assert_eq!(t.source.row_idx, idx as u64);
        let split = &t.diagnostics[0];
        assert_eq!((split.severity, split.code), (Severity::Info, "document_split"));
        assert!(
            split.message.contains(&format!("trajectory {} of 2", idx + 1)),
            "{}",
            split.message
        );
    }
}

#[test]
fn samples_alone_one_per_line_are_read_without_a_log() {
    let mut jsonl = Vec::new();
    for name in [
        "log_formats.json",
        "log_read_sample.json",
        "log_tool_call_error.json",
        "log_browser_tool_calls.json",
    ] {
        let sample = log(name)["samples"][0].clone();
        serde_json::to_writer(&mut jsonl, &sample).unwrap();
        jsonl.push(b'\n');
    }
    let trajectories = read_bytes(&jsonl, "samples.jsonl");
    assert_eq!(trajectories.len(), 4);
    assert!(trajectories.iter().all(|t| t.format == Format::InspectEval));
    let models: Vec<Option<&str>> = trajectories.iter().map(|t| t.ids.model.as_deref()).collect();
    // Without the log: the output's model, else the last assistant message's.
    assert_eq!(models, [Some("llama3.1"), Some("gemma3"), None, Some("gpt-4o-mini-2024-07-18")]);
    let outcomes: Vec<Outcome> = trajectories.iter().map(|t| t.outcome).collect();
    assert_eq!(outcomes, [Outcome::Failed, Outcome::Resolved, Outcome::Unknown, Outcome::Resolved]);
    assert_eq!(trajectories[3].tool_calls().count(), 4);
    assert_eq!(unlinked(&trajectories[3]), (0, 0));
    assert!(!trajectories[0].metadata.contains_key("task"), "no log, no task");
    assert_eq!(trajectories[1].source.line_no, Some(2));
}

// ---- `.eval` archives -------------------------------------------------------------------------

/// A `.eval` archive of `log` in the `EvalRecorder` layout: `_journal/start.json`, one
/// `samples/<id>_epoch_<n>.json` per sample, `_journal/summaries/1.json`, `summaries.json`,
/// `reductions.json` and (unless `running`) `header.json`.
fn eval_archive(
    log: &Map<String, Value>,
    method: zip::CompressionMethod,
    running: bool,
) -> Vec<u8> {
    let options = zip::write::SimpleFileOptions::default().compression_method(method);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let mut put = |name: &str, value: &Value| {
        zip.start_file(name, options).unwrap();
        zip.write_all(&serde_json::to_vec_pretty(value).unwrap()).unwrap();
    };
    let start = json!({"version": log["version"], "eval": log["eval"], "plan": log["plan"]});
    put("_journal/start.json", &start);
    let samples = log["samples"].as_array().cloned().unwrap_or_default();
    let summaries: Vec<Value> = samples
        .iter()
        .map(|s| json!({"id": s["id"], "epoch": s["epoch"], "input": s["input"], "target": s["target"], "scores": s.get("scores")}))
        .collect();
    for sample in &samples {
        put(&format!("samples/{}_epoch_{}.json", sample["id"], sample["epoch"]), sample);
    }
    put("_journal/summaries/1.json", &Value::Array(summaries.clone()));
    if !running {
        put("summaries.json", &Value::Array(summaries));
        if let Some(reductions) = log.get("reductions") {
            put("reductions.json", reductions);
        }
        let mut header = log.clone();
        header.remove("samples");
        header.remove("reductions");
        put("header.json", &Value::Object(header));
    }
    zip.finish().unwrap().into_inner()
}

/// What must match between a sample read from a `.json` log and from an archive.
fn same_trajectory(from_json: &Trajectory, from_archive: &Trajectory) {
    assert_eq!(from_archive.format, Format::InspectEval);
    assert_eq!(from_archive.messages, from_json.messages);
    assert_eq!(from_archive.turns, from_json.turns);
    assert_eq!(from_archive.ids, from_json.ids);
    assert_eq!(from_archive.outcome, from_json.outcome);
    assert_eq!(from_archive.metadata, from_json.metadata);
    assert_eq!(from_archive.tools, from_json.tools);
}

#[test]
fn eval_archives_give_the_same_samples_as_the_json_logs() {
    for name in ["log_read_sample.json", "log_browser_tool_calls.json", "log_formats.json"] {
        let from_json = read_file(name);
        for method in [zip::CompressionMethod::Deflated, zip::CompressionMethod::Stored] {
            let bytes = eval_archive(&log(name), method, false);
            assert_eq!(FileKind::sniff(&bytes), FileKind::Zip);
            let rows = read_archive(&bytes);
            assert_eq!(rows.len(), 1, "{name}");
            let row = rows[0].as_ref().unwrap();
            assert_eq!(row.line_no, 2, "the sample is the archive's second entry");
            assert_eq!((row.byte_offset, row.byte_len), (0, 0));
            assert_eq!(row.diagnostics[0].code, "archive_entry");
            assert!(row.diagnostics[0].message.contains("`samples/1_epoch_1.json`"));
            let from_archive = read_rows(rows, name);
            same_trajectory(&from_json[0], &from_archive[0]);
            assert_eq!(from_archive[0].diagnostics.len(), 1, "{:?}", from_archive[0].diagnostics);
        }
    }
}

#[test]
fn archive_samples_come_in_the_archive_order_with_their_entry_numbers() {
    // Two real samples in one archive (the browser log's header): entries 2 and 3.
    let mut combined = log("log_browser_tool_calls.json");
    let mut second = log("log_read_sample.json")["samples"][0].clone();
    second["id"] = json!(2);
    let mut samples = combined["samples"].as_array().cloned().unwrap_or_default();
    samples.push(second);
    combined.insert("samples".into(), Value::Array(samples));
    let rows = read_archive(&eval_archive(&combined, zip::CompressionMethod::Deflated, false));
    let lines: Vec<u64> = rows.iter().map(|r| r.as_ref().unwrap().line_no).collect();
    assert_eq!(lines, [2, 3]);
    let trajectories = read_rows(rows, "two.eval");
    assert_eq!(trajectories[0].tool_calls().count(), 4);
    assert_eq!(trajectories[1].ids.instance_id.as_deref(), Some("2"));
    assert!(trajectories.iter().all(|t| t.ids.model.as_deref() == Some("openai/gpt-4o-mini")));
    assert!(trajectories[1].diagnostics[0].message.contains("sample 2 of 2"));
}

#[test]
fn a_running_eval_takes_its_context_from_the_journal_start() {
    let bytes = eval_archive(&log("log_read_sample.json"), zip::CompressionMethod::Deflated, true);
    let trajectories = read_rows(read_archive(&bytes), "running.eval");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(meta(t, "eval_status"), "started");
    assert_eq!(meta(t, "task"), "popularity");
    assert_eq!(t.ids.model.as_deref(), Some("ollama/gemma3"));
    assert_eq!(t.outcome, Outcome::Resolved);
}

#[test]
fn unreadable_archives_and_entries_give_error_rows() {
    // Not a zip at all.
    let rows = read_archive(b"PK\x03\x04 not really a zip");
    assert_eq!(rows.len(), 1);
    let error = rows[0].as_ref().unwrap_err();
    assert!(error.message.starts_with("not a readable zip archive"), "{}", error.message);
    assert!(read_archive(b"").len() == 1 && read_archive(b"").iter().all(Result::is_err));

    // An entry that is not JSON among good ones: an error naming it, the others read.
    let options = zip::write::SimpleFileOptions::default();
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let sample = log("log_read_sample.json")["samples"][0].clone();
    zip.start_file("samples/1_epoch_1.json", options).unwrap();
    zip.write_all(b"{\"id\": 1, \"epoch\": 1, \"mess").unwrap();
    zip.start_file("samples/1_epoch_2.json", options).unwrap();
    zip.write_all(&serde_json::to_vec(&sample).unwrap()).unwrap();
    zip.start_file("header.json", options).unwrap();
    zip.write_all(b"[1, 2]").unwrap();
    let rows = read_archive(&zip.finish().unwrap().into_inner());
    assert_eq!(rows.len(), 3);
    let header = rows[0].as_ref().unwrap_err();
    assert_eq!(header.line_no, 3);
    assert!(header.message.contains("`header.json`") && header.message.contains("not an object"));
    let bad = rows[1].as_ref().unwrap_err();
    assert_eq!(bad.line_no, 1);
    assert!(
        bad.message.starts_with("archive entry `samples/1_epoch_1.json`: truncated JSON"),
        "{}",
        bad.message
    );
    assert_eq!(rows[2].as_ref().unwrap().line_no, 2);

    // A zip with no samples: one clear error.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("header.json", options).unwrap();
    zip.write_all(b"{\"version\": 2, \"eval\": {\"task\": \"t\", \"model\": \"m\"}}").unwrap();
    let rows = read_archive(&zip.finish().unwrap().into_inner());
    assert_eq!(rows.len(), 1);
    let error = rows[0].as_ref().unwrap_err();
    assert!(
        error.message.contains("no `samples/*.json` entries")
            && error.message.contains("header.json")
    );
}

// ---- shapes no fixture has, from the Inspect source ------------------------------------------

fn sample(messages: Value, extra: Value) -> Value {
    let mut sample =
        json!({"id": "s1", "epoch": 1, "input": "task", "target": "", "messages": messages});
    if let (Value::Object(sample), Value::Object(extra)) = (&mut sample, extra) {
        sample.extend(extra);
    }
    sample
}

fn read(row: Value) -> Trajectory {
    normalize(row, SourceRef::default())
}

#[test]
fn reasoning_parts_go_to_reasoning() {
    let t = read(sample(
        json!([
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [
                {"type": "reasoning", "reasoning": "Let me think.", "signature": "sig==", "redacted": false},
                {"type": "text", "text": "First."},
                {"type": "text", "text": "Second."},
            ]},
            {"role": "assistant", "content": [
                {"type": "reasoning", "reasoning": "gAAAAB-encrypted", "summary": "I checked the file.", "redacted": true},
                {"type": "text", "text": "Done."},
            ]},
            {"role": "assistant", "content": [
                {"type": "reasoning", "reasoning": "gAAAAB-encrypted", "redacted": true},
                {"type": "text", "text": "Again."},
            ]},
            {"role": "assistant", "content": "<think>hidden plan</think>Visible."},
            {"role": "assistant", "content": "Legacy.", "reasoning": "old field"},
        ]),
        json!({}),
    ));
    assert_eq!(t.format, Format::InspectEval);
    let reasoning: Vec<Option<&str>> = t.messages.iter().map(|m| m.reasoning.as_deref()).collect();
    assert_eq!(
        reasoning,
        [
            None,
            Some("Let me think."),
            Some("I checked the file."),
            None,
            Some("hidden plan"),
            Some("old field")
        ]
    );
    let content: Vec<&str> = t.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(content, ["hi", "First.\nSecond.", "Done.", "Again.", "Visible.", "Legacy."]);
    assert_eq!(codes(&t, Severity::Info), ["reasoning_redacted"]);
    assert_eq!(t.diagnostics[0].location, "/messages/3/content/0");
    assert!(TrajectoryMetrics::of(&t).reasoning_chars > 0);
}

#[test]
fn other_parts_server_tool_uses_and_attachments() {
    let t = read(sample(
        json!([
            {"role": "user", "content": [
                {"type": "text", "text": "attachment://abc"},
                {"type": "image", "image": "attachment://img", "detail": "auto"},
            ]},
            {"role": "assistant", "content": [
                {"type": "data", "data": {"opaque": true}},
                {"type": "tool_use", "tool_type": "web_search", "id": "ws_1", "name": "web_search",
                 "arguments": "{\"query\": \"rust zip\"}", "result": "3 results"},
                {"type": "text", "text": "Found it."},
            ], "tool_calls": [
                {"id": "c1", "function": "bash", "arguments": {"cmd": "ls"}, "parse_error": "bad JSON"},
            ]},
            {"role": "tool", "tool_call_id": "c1", "function": "bash", "content": [{"type": "text", "text": "a.txt"}]},
        ]),
        json!({"attachments": {"abc": "the long task text", "img": "data:image/png;base64,AAAA"}}),
    ));
    assert_eq!(roles(&t), [Role::User, Role::Assistant, Role::Tool, Role::Tool]);
    assert_eq!(t.messages[0].content, "the long task text\n[image]");
    assert_eq!(t.messages[1].content, "Found it.");
    let calls: Vec<&str> = t.messages[1].tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(calls, ["bash", "web_search"]);
    assert_eq!(t.messages[1].tool_calls[1].arguments(), &json!({"query": "rust zip"}));
    assert_eq!(t.messages[2].content, "3 results", "the server tool's result follows its message");
    assert_eq!(t.messages[3].content, "a.txt");
    assert_eq!(unlinked(&t), (0, 0));
    assert_eq!(t.messages[1].tool_calls[0].result_idx, Some(3));
    assert_eq!(t.messages[1].tool_calls[1].result_idx, Some(2));
    assert_eq!(codes(&t, Severity::Warning), ["non_text_part", "tool_call_parse_error"]);
}

#[test]
fn swe_bench_scorer_gives_outcome_patches_and_repo() {
    let t = read(sample(
        json!([
            {"role": "user", "content": "Fix the bug"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "b1", "function": "bash", "arguments": {"cmd": "git diff"}}]},
            {"role": "tool", "tool_call_id": "b1", "function": "bash", "content": "diff --git a/x b/x"},
            {"role": "assistant", "content": "Submitted."},
        ]),
        json!({
            "id": "django__django-11099",
            "scores": {"swe_bench_scorer": {"value": 1.0, "explanation": "PASS_TO_PASS: ...",
                "metadata": {"model_patch": "diff --git a/django/x.py b/django/x.py\n"}}},
            "metadata": {"base_commit": "abc123", "patch": "diff --git a/gold b/gold\n",
                "test_patch": "diff --git a/t b/t\n", "repo": "django/django", "version": "3.0"},
            "model_usage": {
                "anthropic/claude-sonnet": {"input_tokens": 100, "output_tokens": 10, "total_tokens": 110, "total_cost": 0.25},
                "openai/gpt-4o-mini": {"input_tokens": 50, "output_tokens": 5, "total_tokens": 55, "total_cost": 0.5},
            },
        }),
    ));
    assert_eq!(t.outcome, Outcome::Resolved);
    assert_eq!(meta(&t, "reward"), &json!(1.0));
    let patch = t.final_patch.as_ref().expect("final patch");
    assert_eq!(patch.text, "diff --git a/django/x.py b/django/x.py\n");
    assert_eq!((patch.field.as_str(), patch.inferred), ("model_patch", false));
    let gold = t.reference_patch.as_ref().expect("reference patch");
    assert_eq!(gold.text, "diff --git a/gold b/gold\n");
    assert_eq!(t.ids.instance_id.as_deref(), Some("django__django-11099"));
    assert_eq!(t.ids.repo.as_deref(), Some("django/django"));
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("django__django-11099_epoch_1"));
    assert_eq!(meta(&t, "input_tokens"), &json!(150));
    assert_eq!(meta(&t, "output_tokens"), &json!(15));
    assert_eq!(meta(&t, "cost_usd"), &json!(0.75));
    assert_eq!(meta(&t, "base_commit"), "abc123");
    assert!(
        meta(&t, "scores")["swe_bench_scorer"]["metadata"].get("model_patch").is_none(),
        "moved"
    );
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);

    // A failed run: 0.0; another scorer first does not decide.
    let t = read(sample(
        json!([{"role": "user", "content": "x"}]),
        json!({"scores": {"other": {"value": "C"}, "swe_bench_scorer": {"value": 0.0}}}),
    ));
    assert_eq!(t.outcome, Outcome::Failed);
}

#[test]
fn score_values_errors_and_limits() {
    let outcome = |value: Value| {
        let t = read(sample(
            json!([{"role": "user", "content": "x"}]),
            json!({"scores": {"s": {"value": value}}}),
        ));
        (t.outcome, t.metadata.get("reward").cloned())
    };
    assert_eq!(outcome(json!("C")), (Outcome::Resolved, Some(json!(1.0))));
    assert_eq!(outcome(json!("I")), (Outcome::Failed, Some(json!(0.0))));
    assert_eq!(outcome(json!("P")), (Outcome::Unknown, Some(json!(0.5))));
    assert_eq!(outcome(json!("N")), (Outcome::Unknown, Some(json!(0.0))));
    assert_eq!(outcome(json!(true)), (Outcome::Resolved, Some(json!(1.0))));
    assert_eq!(outcome(json!(0)), (Outcome::Failed, Some(json!(0.0))));
    assert_eq!(outcome(json!(0.25)), (Outcome::Unknown, Some(json!(0.25))));
    assert_eq!(outcome(json!({"a": 1})), (Outcome::Unknown, None));
    // The legacy single `score`.
    let t =
        read(sample(json!([{"role": "user", "content": "x"}]), json!({"score": {"value": "C"}})));
    assert_eq!(
        (t.outcome, meta(&t, "scores").clone()),
        (Outcome::Resolved, json!({"score": {"value": "C"}}))
    );

    let t = read(sample(
        json!([{"role": "user", "content": "x"}]),
        json!({"error": {"message": "RuntimeError: boom", "traceback": "Traceback ...", "traceback_ansi": "..."}}),
    ));
    assert_eq!(t.exit_status.as_deref(), Some("error"));
    assert_eq!(meta(&t, "error"), "RuntimeError: boom");
    let t = read(sample(
        json!([{"role": "user", "content": "x"}]),
        json!({"limit": {"type": "message", "limit": 30}}),
    ));
    assert_eq!(t.exit_status.as_deref(), Some("message_limit"));

    // A sample whose own metadata has a `target` keeps both.
    let t = read(sample(
        json!([{"role": "user", "content": "x"}]),
        json!({"target": "B", "metadata": {"target": "meta"}}),
    ));
    assert_eq!((meta(&t, "target"), meta(&t, "sample_target")), (&json!("meta"), &json!("B")));
    assert_eq!(t.outcome, Outcome::Unknown);
    let t = read(sample(json!([{"role": "user", "content": "x"}]), json!({"target": "true"})));
    assert_eq!(
        (t.outcome, meta(&t, "target")),
        (Outcome::Unknown, &json!("true")),
        "a target is no outcome"
    );
}

#[test]
fn declared_tools_come_from_the_first_model_event() {
    let t = read(sample(
        json!([{"role": "user", "content": "x"}]),
        json!({
            "events": [
                {"event": "sample_init"},
                {"event": "model", "tools": [], "input": []},
                {"event": "model", "tools": [{"name": "bash", "description": "attachment://d1",
                    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}]},
            ],
            "attachments": {"d1": "Run a bash command."},
        }),
    ));
    assert_eq!(t.tools.len(), 1);
    assert_eq!(t.tools[0].name, "bash");
    assert_eq!(t.tools[0].description(), Some("Run a bash command."));
    assert_eq!(t.tools[0].parameters()["properties"]["cmd"]["type"], "string");
    assert_eq!(meta(&t, "n_events"), &json!(3));
}

#[test]
fn ordinary_chat_rows_and_logs_without_samples_are_not_samples() {
    let chat = read(
        json!({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]}),
    );
    assert_eq!(chat.format, Format::PlainChat);
    let epoch_only = read(json!({"epoch": 3, "messages": [{"role": "user", "content": "hi"}]}));
    assert_ne!(epoch_only.format, Format::InspectEval);

    let header = br#"{"version": 2, "status": "success", "eval": {"task": "t", "model": "m"}, "samples": []}"#;
    let trajectories = read_bytes(header, "header.json");
    assert_eq!(trajectories.len(), 1);
    let error =
        trajectories[0].diagnostics.iter().find(|d| d.code == "unknown_format").expect("unknown");
    assert!(error.message.contains("an Inspect eval log without samples"), "{}", error.message);
}

#[test]
fn junk_shapes_give_diagnostics_not_panics() {
    let junk = [
        json!({"id": 1, "epoch": 1, "messages": [], "scores": "bad", "events": 7}),
        json!({"id": {"x": 1}, "epoch": 1, "messages": [1, null, {"role": 5}, {"content": 3}], "output": 1}),
        json!({"id": 1, "epoch": 1.5, "messages": [{"role": "assistant", "content": [1, {"type": 2}, {"type": "text"}], "tool_calls": {"a": 1}}], "target": 1}),
        json!({"epoch": 1, "messages": [{"role": "assistant", "tool_calls": [null, {"function": 3}, {"function": "f", "arguments": 9}]}], "input": [1], "eval": 3}),
        json!({"epoch": 1, "messages": [{"role": "tool", "error": "x", "tool_call_id": 4}, {"role": "user", "tool_call_id": ["a"]}],
               "score": 1, "model_usage": {"m": 3}, "attachments": [], "transcript": 2, "error": 5, "limit": {"type": 1}}),
        json!({"epoch": 1, "messages": [], "input": [{"role": "user", "content": [{"type": "reasoning"}]}]}),
        json!({"epoch": 1, "messages": [], "target": "t"}),
    ];
    for row in junk {
        let t = read(row.clone());
        assert_eq!(t.format, Format::InspectEval, "{row}");
        let _ = TrajectoryMetrics::of(&t);
    }
    let t = read(json!({"id": 1, "epoch": 1, "messages": [], "scores": "bad", "events": 7}));
    assert_eq!(codes(&t, Severity::Error), ["no_messages"]);
    assert!(
        codes(&t, Severity::Warning).contains(&"bad_score")
            && codes(&t, Severity::Warning).contains(&"bad_events")
    );
    // `messages` that is not a list is not an Inspect sample (the chat reader says why).
    let t = read(json!({"id": 1, "epoch": 1, "messages": "nope", "scores": {}}));
    assert_ne!(t.format, Format::InspectEval);
    assert!(!t.diagnostics.is_empty());
    // A sample with no messages shows its input.
    let t = read(json!({"epoch": 1, "messages": [], "input": "What is 2+2?", "target": "4"}));
    assert_eq!(t.messages.len(), 1);
    assert_eq!(t.messages[0].content, "What is 2+2?");
    assert_eq!(codes(&t, Severity::Info), ["input_as_messages"]);

    // Logs and samples of every junk shape through the document path.
    for bytes in [
        &br#"{"eval": {"task": 1}, "samples": [1, "x", null]}"#[..],
        br#"{"eval": {"task": "t"}, "samples": [1, "x", null, {"epoch": 1}]}"#,
        br#"{"eval": {"model": "m"}, "samples": {"a": 1}}"#,
    ] {
        let _ = read_bytes(bytes, "junk.json");
    }
    let trajectories = read_bytes(
        br#"{"eval": {"task": "t"}, "samples": [1, {"epoch": 1, "messages": [], "input": "q"}]}"#,
        "j",
    );
    assert_eq!(trajectories.len(), 2);
    assert!(trajectories[0].diagnostics.iter().any(|d| d.code == "not_a_row"));
    assert_eq!(trajectories[1].format, Format::InspectEval);
}

#[test]
fn zstd_entries_and_the_eval2_layout_are_named_not_misread() {
    // A stored archive whose sample entry is then marked zstd (method 93) in both headers.
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("samples/1_epoch_1.json", options).unwrap();
    zip.write_all(b"{}").unwrap();
    let mut bytes = zip.finish().unwrap().into_inner();
    for (signature, at) in [(&b"PK\x03\x04"[..], 8), (&b"PK\x01\x02"[..], 10)] {
        let start = bytes.windows(4).position(|w| w == signature).unwrap();
        bytes[start + at..start + at + 2].copy_from_slice(&93u16.to_le_bytes());
    }
    let rows = read_archive(&bytes);
    assert_eq!(rows.len(), 1);
    let error = rows[0].as_ref().unwrap_err();
    assert!(
        error.message.contains("`samples/1_epoch_1.json`") && error.message.contains("zstd"),
        "{}",
        error.message
    );

    // `.eval2`: samples are folders of chunks; none of their entries is read as a sample.
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for name in
        ["header.json", "samples/1_epoch_1/sample.json", "samples/1_epoch_1/messages/0.json"]
    {
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(b"{}").unwrap();
    }
    let rows = read_archive(&zip.finish().unwrap().into_inner());
    assert_eq!(rows.len(), 1);
    let error = rows[0].as_ref().unwrap_err();
    assert!(error.message.contains(".eval2"), "{}", error.message);
}
