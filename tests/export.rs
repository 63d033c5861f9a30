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

mod once {
    //! The one exporter (`domain::export::Exporter`) that the page and the CLI drive: each
    //! keyed row once, a restart voids what was taken, every row accounted for.

    use super::common;
    use proptest::prelude::*;
    use trajex::domain::export::{ExportFormat, Exporter, SftOptions};
    use trajex::domain::filter::FilterSet;
    use trajex::domain::stream::RowKey;
    use trajex::domain::trajectory::Trajectory;
    use trajex::domain::TrajectoryMetrics;

    fn rows() -> Vec<Trajectory> {
        common::trajectories("open_swe_traces/openhands_swegym.jsonl")
    }

    fn key(position: u64) -> Option<RowKey> {
        Some(RowKey { file: 0, position, part: 0 })
    }

    fn raw_exporter() -> Exporter {
        Exporter::new(FilterSet::default(), ExportFormat::Raw, SftOptions::default(), None)
    }

    fn take(exporter: &mut Exporter, idx: usize, rows: &[Trajectory]) -> Option<Vec<u8>> {
        let row = &rows[idx];
        let raw = format!("row {idx}").into_bytes();
        exporter.row(key(idx as u64 * 100), raw, row, &TrajectoryMetrics::of(row))
    }

    #[test]
    fn a_row_handed_on_again_is_not_written_again_and_is_counted_apart() {
        let rows = rows();
        let mut exporter = raw_exporter();
        assert_eq!(take(&mut exporter, 0, &rows), Some(b"row 0\n".to_vec()));
        assert_eq!(take(&mut exporter, 1, &rows), Some(b"row 1\n".to_vec()));
        assert_eq!(take(&mut exporter, 1, &rows), None);
        assert_eq!(take(&mut exporter, 0, &rows), None);
        exporter.line_error(key(150), "row x: bad".into());
        exporter.line_error(key(150), "row x: bad".into());
        assert_eq!(take(&mut exporter, 2, &rows), Some(b"row 2\n".to_vec()));
        let counts = &exporter.counts;
        assert_eq!((counts.rows_read, counts.exported, counts.n_line_errors), (4, 3, 1));
        assert_eq!(counts.repeated_rows_dropped, 3);
        assert!(counts.is_balanced());
        // Rows without a key (a local file read once, whole) are all taken.
        let mut exporter = raw_exporter();
        for _ in 0..2 {
            assert!(exporter
                .row(None, b"x".to_vec(), &rows[0], &TrajectoryMetrics::of(&rows[0]))
                .is_some());
        }
    }

    #[test]
    fn a_restart_voids_the_counts_but_keeps_how_the_source_was_read() {
        let rows = rows();
        let mut exporter = raw_exporter();
        take(&mut exporter, 0, &rows);
        take(&mut exporter, 1, &rows);
        exporter.counts.reads.retries = 4;
        exporter.start_again();
        assert_eq!((exporter.counts.rows_read, exporter.counts.exported), (0, 0));
        assert_eq!(exporter.counts.reads.retries, 4);
        // After a restart the same keys are new again.
        assert!(take(&mut exporter, 0, &rows).is_some());
    }

    #[test]
    fn text_without_a_template_skips_each_passing_row_by_name() {
        let rows = rows();
        let mut exporter =
            Exporter::new(FilterSet::default(), ExportFormat::Text, SftOptions::default(), None);
        assert_eq!(take(&mut exporter, 0, &rows), None);
        assert_eq!(exporter.counts.skipped.get("no_chat_template"), Some(&1));
        assert!(exporter.counts.is_balanced());
    }

    /// One delivery of a reader that misbehaves: rows handed on in order but some again, and
    /// restarts that void what came before.
    #[derive(Clone, Debug)]
    enum Step {
        Next,
        Again(usize),
        Restart,
    }

    proptest! {
        /// Whatever a reader repeats, the lines written after the last restart are each row of
        /// that read once, in order, and the counts balance.
        #[test]
        fn each_row_once_whatever_the_reader_repeats(steps in proptest::collection::vec(
            prop_oneof![4 => Just(Step::Next), 2 => (0usize..5).prop_map(Step::Again), 1 => Just(Step::Restart)],
            0..40,
        )) {
            let rows = rows();
            let mut exporter = raw_exporter();
            let mut written: Vec<Vec<u8>> = Vec::new();
            let mut next = 0;
            for step in &steps {
                match step {
                    Step::Next if next < rows.len() => {
                        written.extend(take(&mut exporter, next, &rows));
                        next += 1;
                    }
                    Step::Next => {}
                    Step::Again(back) => {
                        let idx = next.saturating_sub(1 + back);
                        if idx < next {
                            prop_assert!(take(&mut exporter, idx, &rows).is_none());
                        }
                    }
                    Step::Restart => {
                        exporter.start_again();
                        written.clear();
                        next = 0;
                    }
                }
            }
            let want: Vec<Vec<u8>> = (0..next).map(|i| format!("row {i}\n").into_bytes()).collect();
            prop_assert_eq!(written, want);
            prop_assert_eq!(exporter.counts.exported, next as u64);
            prop_assert!(exporter.counts.is_balanced());
        }
    }
}
