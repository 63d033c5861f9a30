//! Exports: `sft` records re-read and checked against the trajectories they come from, for
//! every fixture format; the manifest accounts for every row.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::{json, Value};
use trajex::domain::export::{sft_record, ExportCounts, SftOptions};
use trajex::domain::normalize::normalize;
use trajex::domain::trajectory::{Outcome, SourceRef};

#[test]
fn sft_records_of_every_fixture_reread_as_the_trajectory() {
    for file in common::FIXTURES {
        for trajectory in common::trajectories(file) {
            let record = sft_record(&trajectory, SftOptions::default()).unwrap();
            // Written as a line and read back, as `datasets` would.
            let line = serde_json::to_string(&record).unwrap();
            assert!(!line.contains('\n'));
            let back: Value = serde_json::from_str(&line).unwrap();
            let messages = back["messages"].as_array().unwrap();
            assert_eq!(messages.len(), trajectory.messages.len(), "{file}");
            for (message, original) in messages.iter().zip(&trajectory.messages) {
                assert_eq!(message["role"], original.role.as_str(), "{file}");
                assert_eq!(message["content"], original.content.as_str(), "{file}");
                let n_structured = original.tool_calls.iter().filter(|c| !c.inferred).count();
                let calls = message["tool_calls"].as_array().map_or(0, Vec::len);
                assert_eq!(calls, n_structured, "{file}");
                for call in message["tool_calls"].as_array().into_iter().flatten() {
                    assert!(call["function"]["arguments"].is_object(), "{file}: {call}");
                    assert_eq!(call["type"], "function");
                }
                if message["role"] == "tool" {
                    assert!(message["tool_call_id"].is_string(), "{file}: tool message id");
                }
            }
            // Every tool message answers a call of the record.
            let call_ids: Vec<&str> = messages
                .iter()
                .flat_map(|m| m["tool_calls"].as_array().into_iter().flatten())
                .map(|c| c["id"].as_str().unwrap())
                .collect();
            for message in messages.iter().filter(|m| m["role"] == "tool") {
                let id = message["tool_call_id"].as_str().unwrap();
                assert!(call_ids.contains(&id), "{file}: {id} answers no call");
            }
            assert_eq!(back["tools"].as_array().unwrap().len(), trajectory.tools.len());
            assert!(back["tools"]
                .as_array()
                .unwrap()
                .iter()
                .all(|t| t["function"]["name"].is_string()));
            assert_eq!(back["outcome"], trajectory.outcome.as_str());
            assert_eq!(back["format"], trajectory.format.as_str());
        }
    }
}

#[test]
fn sft_options_and_reasoning() {
    let t = normalize(
        json!({"resolved": -1, "messages": [
            {"role": "user", "content": "go"},
            {"role": "assistant", "content": "", "reasoning_content": "think",
             "tool_calls": [{"type": "function",
                             "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}"}}]},
            {"role": "tool", "content": "a.txt"},
        ]}),
        SourceRef::default(),
    );
    assert_eq!(t.outcome, Outcome::Unknown);
    let record = sft_record(&t, SftOptions::default()).unwrap();
    let assistant = &record["messages"][1];
    assert_eq!(assistant["reasoning_content"], "think");
    assert_eq!(assistant["tool_calls"][0]["function"]["arguments"], json!({"command": "ls"}));
    // No ids in the row: a synthetic id shared by the call and its result.
    assert_eq!(assistant["tool_calls"][0]["id"], "call_1_0");
    assert_eq!(record["messages"][2]["tool_call_id"], "call_1_0");
    assert_eq!(record["messages"][2]["name"], "bash");
    assert_eq!(record["resolved"], Value::Null);

    let options = SftOptions { arguments_as_string: true, drop_reasoning: true };
    let record = sft_record(&t, options).unwrap();
    let assistant = &record["messages"][1];
    assert!(assistant.get("reasoning_content").is_none());
    assert_eq!(assistant["tool_calls"][0]["function"]["arguments"], "{\"command\": \"ls\"}");
}

#[test]
fn empty_trajectories_are_skipped_with_a_reason() {
    let t = normalize(json!({"messages": []}), SourceRef::default());
    assert_eq!(sft_record(&t, SftOptions::default()).unwrap_err().as_str(), "no_messages");
}

#[test]
fn counts_balance() {
    let mut counts = ExportCounts { rows_read: 3, exported: 1, ..Default::default() };
    counts.filtered_out.insert("outcome".into(), 1);
    counts.skipped.insert("no_messages".into(), 1);
    assert!(counts.is_balanced());
    counts.add_line_error("f:4: not JSON".into());
    assert!(counts.is_balanced());
    assert_eq!(counts.rows_read, 4);
}
