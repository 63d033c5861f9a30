//! Normalization over the real fixture rows (one check per source format) and over small rows
//! written here for the shapes no fixture has (OpenHands event logs, ShareGPT, content parts,
//! `<think>` blocks, tool results without ids) and for hostile input.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::{json, Value};
use trajex::domain::normalize::normalize;
use trajex::domain::trajectory::{CallRef, Format, Outcome, Role, SourceRef, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

use common::trajectories;

/// The per-row figures a fixture must normalize to, counted independently from the raw rows.
struct Expect {
    n_messages: usize,
    n_turns: usize,
    n_tool_calls: usize,
}

fn check(file: &str, format: Format, expected: &[Expect]) -> Vec<Trajectory> {
    let trajectories = trajectories(file);
    assert_eq!(trajectories.len(), expected.len(), "{file}: row count");
    for (idx, (trajectory, expect)) in trajectories.iter().zip(expected).enumerate() {
        let metrics = TrajectoryMetrics::of(trajectory);
        let at = format!("{file} row {idx}");
        assert_eq!(trajectory.format, format, "{at}: format");
        assert_eq!(metrics.n_messages, expect.n_messages, "{at}: n_messages");
        assert_eq!(metrics.n_turns, expect.n_turns, "{at}: n_turns");
        assert_eq!(metrics.n_tool_calls, expect.n_tool_calls, "{at}: n_tool_calls");
        assert!(trajectory.diagnostics.is_empty(), "{at}: {:?}", trajectory.diagnostics);
        assert_eq!(trajectory.source.row_idx, idx as u64);
        // Every linked result points back at a call that points at it.
        for (message_idx, message) in trajectory.messages.iter().enumerate() {
            if let Some(call_ref) = message.result_of {
                let call = trajectory.call(call_ref).expect("linked call exists");
                assert_eq!(call.result_idx, Some(message_idx), "{at}: link of {message_idx}");
            }
        }
    }
    trajectories
}

fn e(n_messages: usize, n_turns: usize, n_tool_calls: usize) -> Expect {
    Expect { n_messages, n_turns, n_tool_calls }
}

#[test]
fn open_swe_traces_layout() {
    let trajectories = check(
        "open_swe_traces/openhands_swegym.jsonl",
        Format::OpenAiToolCalls,
        &[e(17, 8, 7), e(41, 20, 18), e(27, 13, 11), e(33, 16, 13), e(45, 22, 20)],
    );
    let first = &trajectories[0];
    assert_eq!(first.ids.instance_id.as_deref(), Some("Project-MONAI__MONAI-6034"));
    assert_eq!(first.ids.repo.as_deref(), Some("Project-MONAI/MONAI"));
    assert_eq!(first.ids.language.as_deref(), Some("python"));
    assert_eq!(first.ids.trajectory_id.as_ref().map(String::len), Some(36));
    assert_eq!(first.outcome, Outcome::Resolved);
    // Each tool is stored as a JSON string on the Hub: parsed into schemas.
    let tool_names: Vec<&str> = first.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tool_names, ["execute_bash", "finish", "str_replace_editor"], "declaration order");
    assert_eq!(first.tools[0].parameters()["type"], "object");
    let patch = first.final_patch.as_ref().expect("model patch");
    assert_eq!(patch.field, "metadata.model_patch.patch");
    assert!(patch.text.starts_with("diff --git"));
    assert!(first.reference_patch.is_none(), "reference_patch is null in this fixture");
    // What is left of `metadata` is kept, merged at top level.
    assert!(first.metadata.contains_key("teacher_model"));
    assert_eq!(first.metadata["category"], "bug-fix");
    assert_eq!(first.metadata["model_patch"]["num_modified_files"], 2);
    assert!(first.metadata.contains_key("hf_dataset_name"));
    assert_eq!(first.ids.model.as_deref(), first.metadata["teacher_model"]["name"].as_str());
    // Empty `reasoning_content` is no reasoning.
    assert!(first.messages.iter().all(|m| m.reasoning.is_none()));

    let metrics = TrajectoryMetrics::of(first);
    let by_name: Vec<(&str, usize)> =
        metrics.tool_calls_by_name.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(by_name, [("execute_bash", 2), ("finish", 1), ("str_replace_editor", 4)]);
    assert_eq!(metrics.n_tool_results, 6);
    assert_eq!(metrics.n_messages_of(Role::Tool), 6);
    // By hand: message 9 ends with `exit code 1`, the rerun in message 13 with `exit code 0`.
    assert_eq!(metrics.n_tool_errors, 1);
    assert!(metrics.finished, "the run ends with a `finish` call");
    assert_eq!(metrics.est_tokens, metrics.total_chars().div_ceil(4));
    let patch = metrics.final_patch.as_ref().unwrap();
    assert_eq!((patch.stats.n_files, patch.stats.n_added, patch.stats.n_removed), (2, 8, 1));
    assert!(!patch.stats.touches_tests);
    // The first call (message 2) is answered by message 3, linked by `tool_call_id`.
    assert_eq!(first.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(first.messages[2].tool_calls[0].arguments()["command"], "view");
    assert!(first.messages[2].tool_calls[0].raw_arguments.starts_with('{'));
    assert_eq!(first.turns[0].assistant_idx, 2);
    assert_eq!(first.turns[0].result_idxs, [3]);
}

#[test]
fn swe_gym_openhands_rows() {
    let trajectories = check(
        "real/swegym_openhands_sampled_trajectories.jsonl",
        Format::OpenAiToolCalls,
        &[e(17, 8, 7), e(41, 20, 18), e(27, 13, 11), e(33, 16, 13), e(45, 22, 20)],
    );
    let first = &trajectories[0];
    assert_eq!(first.outcome, Outcome::Resolved, "`resolved` is a bool here");
    assert_eq!(first.ids.instance_id.as_deref(), Some("Project-MONAI__MONAI-6034_1"));
    assert_eq!(first.ids.repo.as_deref(), Some("Project-MONAI/MONAI"));
    assert_eq!(first.final_patch.as_ref().map(|p| p.field.as_str()), Some("test_result.git_patch"));
    assert_eq!(first.tools.len(), 3, "tools given as objects");
    assert!(first.metadata["test_result"]["report"]["resolved"].as_bool().unwrap());
}

#[test]
fn nebius_swe_agent_text_rows() {
    let trajectories = check(
        "real/nebius_swe_agent_trajectories.jsonl",
        Format::SweAgentText,
        &[e(33, 16, 16), e(31, 15, 15), e(37, 18, 18), e(23, 11, 11), e(17, 8, 8)],
    );
    let first = &trajectories[0];
    assert_eq!(first.messages[0].role, Role::System);
    assert!(first.messages[0].content.len() > 1000, "system prompt taken from `system_prompt`");
    assert_eq!(first.messages[2].role, Role::Assistant, "role `ai` is the assistant");
    let call = &first.messages[2].tool_calls[0];
    assert!(call.inferred);
    assert_eq!(call.name, "create");
    assert_eq!(call.arguments()["command"], "create reproduce.py");
    assert_eq!(first.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(first.outcome, Outcome::Resolved, "`target` true");
    assert_eq!(first.exit_status.as_deref(), Some("submitted"));
    assert_eq!(first.final_patch.as_ref().map(|p| p.field.as_str()), Some("generated_patch"));
    assert_eq!(first.ids.repo.as_deref(), Some("sayanarijit/expandvars"));
    let last_call = first.tool_calls().last().unwrap().1;
    assert_eq!(last_call.name, "submit");
}

#[test]
fn swe_smith_xml_calls() {
    let trajectories = check(
        "real/swe_smith_trajectories.jsonl",
        Format::XmlFunctionCalls,
        &[e(31, 15, 15), e(47, 23, 23), e(37, 18, 18), e(45, 22, 22), e(77, 38, 38)],
    );
    let first = &trajectories[0];
    let call = &first.messages[2].tool_calls[0];
    assert_eq!(call.name, "bash");
    assert!(call.arguments()["command"].as_str().unwrap().starts_with("find /testbed"));
    assert!(call.inferred);
    assert_eq!(first.tool_calls().last().unwrap().1.name, "submit");
    assert_eq!(first.outcome, Outcome::Resolved);
    assert_eq!(first.final_patch.as_ref().map(|p| p.field.as_str()), Some("patch"));
    assert_eq!(first.ids.repo.as_deref(), Some("arrow-py/arrow"));
    assert!(first.ids.model.is_some());
    assert!(first.ids.trajectory_id.is_some());
}

#[test]
fn swe_play_xml_calls() {
    let trajectories = check(
        "real/swe_play_trajectories_xml_calls.jsonl",
        Format::XmlFunctionCalls,
        &[e(43, 21, 21), e(45, 22, 22), e(65, 32, 32), e(43, 21, 21), e(65, 32, 31)],
    );
    let first = &trajectories[0];
    assert_eq!(first.ids.trajectory_id.as_deref(), Some("swe-play-0"));
    assert_eq!(first.outcome, Outcome::Unknown, "no label in this dataset");
    assert_eq!(first.messages[2].tool_calls[0].name, "str_replace_editor");
    assert_eq!(first.messages[2].tool_calls[0].arguments()["path"], "/workspace");
    assert_eq!(first.metadata["category"], "general");
}

#[test]
fn swe_agent_traj_files() {
    let trajectories = check(
        "real/sweagent_traj_files.jsonl",
        Format::SweAgentTraj,
        // The history ends on the `submit` call; its output (the patch) comes from the last
        // step, one message more than the history holds.
        &[e(27, 12, 12), e(13, 5, 5)],
    );
    let first = &trajectories[0];
    assert_eq!(first.exit_status.as_deref(), Some("submitted"));
    assert_eq!(first.outcome, Outcome::Unknown, "`submitted` is not a resolved label");
    assert_eq!(first.final_patch.as_ref().map(|p| p.field.as_str()), Some("info.submission"));
    let (call_ref, call) = first.tool_calls().next().unwrap();
    assert_eq!(call.name, "create");
    assert!(!call.inferred, "the action is given as data");
    assert_eq!(first.messages[call_ref.message_idx + 1].result_of, Some(call_ref));
    assert_eq!(first.metadata["n_steps"], 12);
    assert!(first.metadata["info"]["model_stats"].is_object());
}

#[test]
fn mini_swe_agent_bare_message_array() {
    let trajectories =
        check("real/mini_swe_agent_traj.jsonl", Format::MarkdownBash, &[e(22, 10, 10)]);
    let only = &trajectories[0];
    let metrics = TrajectoryMetrics::of(only);
    assert_eq!(metrics.tool_calls_by_name.get("bash"), Some(&10));
    assert_eq!(metrics.n_inferred_tool_calls, 10);
    assert_eq!(metrics.n_unanswered_tool_calls, 0, "every observation is a user turn");
    // By hand: `<returncode>1</returncode>` in messages 3 and 17.
    assert_eq!(metrics.n_tool_errors, 2);
    assert!(metrics.finished, "echoes COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT");
    // No patch column: the diff printed in the last observation is the final patch.
    let patch = only.final_patch.as_ref().unwrap();
    assert!(patch.inferred);
    assert_eq!(patch.field, "messages/21");
    let figures = metrics.final_patch.as_ref().unwrap();
    assert_eq!((figures.stats.n_files, figures.stats.n_added, figures.stats.n_removed), (1, 3, 2));
    assert!(figures.stats.touches_tests, "tests/missing_colon.py");
    assert!(only.messages[2].tool_calls[0].arguments()["command"]
        .as_str()
        .unwrap()
        .starts_with("cat "));
}

fn row(value: Value) -> Trajectory {
    normalize(value, SourceRef::default())
}

fn codes(trajectory: &Trajectory) -> Vec<&'static str> {
    trajectory.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn reasoning_from_field_and_think_blocks() {
    let t = row(json!({"messages": [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": "answer", "reasoning_content": "field thought"},
        {"role": "assistant", "content": "<think>\nblock thought\n</think>\n\nvisible"},
        {"role": "assistant", "content": "leading thought</think>after"},
        {"role": "assistant", "content": "<think>cut off"},
    ]}));
    let reasoning: Vec<Option<&str>> = t.messages.iter().map(|m| m.reasoning.as_deref()).collect();
    assert_eq!(
        reasoning,
        [
            None,
            Some("field thought"),
            Some("block thought"),
            Some("leading thought"),
            Some("cut off")
        ]
    );
    let content: Vec<&str> = t.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(content, ["go", "answer", "visible", "after", ""]);
    assert_eq!(TrajectoryMetrics::of(&t).reasoning_chars, 13 + 13 + 15 + 7);
}

#[test]
fn content_shapes() {
    let t = row(json!({"messages": [
        {"role": "system", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]},
        {"role": "user", "content": "[{\"type\": \"text\", \"text\": \"parts as a JSON string\"}]"},
        {"role": "user", "content": "[1, 2, 3]"},
        {"role": "user", "content": null},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]},
    ]}));
    let content: Vec<&str> = t.messages.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(content, ["ab", "parts as a JSON string", "[1, 2, 3]", "", "[image_url]"]);
    assert_eq!(codes(&t), ["non_text_part"]);
    assert_eq!(t.format, Format::PlainChat);
}

#[test]
fn messages_column_as_json_string_and_tools_as_string() {
    let messages = json!([
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "ok"},
    ])
    .to_string();
    let tools = json!([{"type": "function", "function": {"name": "bash", "parameters": {}}}]);
    let t = row(json!({"messages": messages, "tools": tools.to_string(), "resolved": 0}));
    assert_eq!(t.messages.len(), 2);
    assert_eq!(t.tools[0].name, "bash");
    assert_eq!(t.outcome, Outcome::Failed);
    assert!(t.diagnostics.is_empty());
}

#[test]
fn outcome_labels() {
    let outcome = |value: Value| row(json!({"messages": [], "resolved": value})).outcome;
    assert_eq!(outcome(json!(1)), Outcome::Resolved);
    assert_eq!(outcome(json!(0)), Outcome::Failed);
    assert_eq!(outcome(json!(-1)), Outcome::Unknown);
    assert_eq!(outcome(json!(true)), Outcome::Resolved);
    assert_eq!(outcome(json!("false")), Outcome::Failed);
    assert_eq!(row(json!({"messages": [], "target": false})).outcome, Outcome::Failed);
    assert_eq!(row(json!({"messages": [], "is_resolved": true})).outcome, Outcome::Resolved);
    assert_eq!(row(json!({"messages": []})).outcome, Outcome::Unknown);
}

#[test]
fn tool_results_without_ids_link_in_order() {
    // SWE-Hero messages carry no `tool_call_id`.
    let t = row(json!({"trajectory": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "", "tool_calls": [
            {"type": "function", "function": {"name": "a", "arguments": "{}"}},
            {"type": "function", "function": {"name": "b", "arguments": "not json"}},
        ]},
        {"role": "tool", "content": "ra"},
        {"role": "tool", "content": "rb"},
        {"role": "tool", "content": "orphan"},
    ], "model_patch": ""}));
    assert_eq!(t.format, Format::OpenAiToolCalls);
    assert_eq!(t.messages[2].result_of, Some(CallRef { message_idx: 1, call_idx: 0 }));
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 1, call_idx: 1 }));
    assert_eq!(t.messages[4].result_of, None);
    assert_eq!(codes(&t), ["orphan_tool_result"]);
    assert_eq!(t.messages[1].tool_calls[1].arguments(), &json!("not json"));
    assert_eq!(t.final_patch.as_ref().map(|p| p.text.as_str()), Some(""));
}

#[test]
fn openhands_event_log() {
    // The shape of OpenHands' event stream serialization (`history` of a run's output).
    let t = row(json!({"instance_id": "django__django-11099", "history": [
        {"id": 0, "source": "agent", "action": "system", "args": {"content": "You are OpenHands"}},
        {"id": 1, "source": "user", "action": "message", "args": {"content": "Fix the bug"}},
        {"id": 2, "source": "agent", "action": "run", "message": "Running command: ls",
         "args": {"command": "ls", "thought": "Look around"},
         "tool_call_metadata": {"function_name": "execute_bash", "tool_call_id": "toolu_1",
                                "model_response": {"id": "r1"}}},
        {"id": 3, "source": "agent", "observation": "run", "content": "setup.py", "cause": 2,
         "tool_call_metadata": {"function_name": "execute_bash", "tool_call_id": "toolu_1"}},
        {"id": 4, "source": "environment", "observation": "agent_state_changed", "content": ""},
        {"id": 5, "source": "agent", "action": "finish", "args": {"final_thought": "done"}},
    ]}));
    assert_eq!(t.format, Format::OpenHandsEvents);
    let roles: Vec<Role> = t.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant, Role::Tool, Role::Assistant]);
    assert_eq!(t.messages[2].content, "Look around");
    assert_eq!(t.messages[2].tool_calls[0].name, "execute_bash");
    assert_eq!(t.messages[2].tool_calls[0].arguments(), &json!({"command": "ls"}));
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(t.messages[4].tool_calls[0].name, "finish");
    assert_eq!(t.ids.repo.as_deref(), Some("django/django"));
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);

    // Older OpenHands stores `[action, observation]` pairs, and a bare list is a row too.
    let pairs = row(json!([
        [{"id": 1, "source": "user", "action": "message", "args": {"content": "hi"}},
         {"observation": "null", "content": ""}],
        [{"id": 2, "source": "agent", "action": "run", "args": {"command": "pwd"}},
         {"id": 3, "observation": "run", "content": "/", "cause": 2}],
    ]));
    assert_eq!(pairs.format, Format::OpenHandsEvents);
    assert_eq!(pairs.messages.len(), 3);
    assert_eq!(pairs.messages[2].result_of, Some(CallRef { message_idx: 1, call_idx: 0 }));
}

#[test]
fn sharegpt_conversations() {
    let t = row(json!({"conversations": [
        {"from": "system", "value": "s"}, {"from": "human", "value": "q"}, {"from": "gpt", "value": "a"},
    ]}));
    assert_eq!(t.format, Format::ShareGpt);
    let roles: Vec<Role> = t.messages.iter().map(|m| m.role).collect();
    assert_eq!(roles, [Role::System, Role::User, Role::Assistant]);
}

#[test]
fn rows_that_are_not_trajectories_give_diagnostics() {
    for (value, code) in [
        (json!(42), "not_a_row"),
        (json!("text"), "not_a_row"),
        (json!(null), "not_a_row"),
        (json!({}), "unknown_format"),
        (json!({"messages": null}), "no_messages"),
        (json!({"messages": 7}), "no_messages"),
        (json!({"messages": "[not json"}), "bad_json_string"),
        (json!({"messages": []}), "no_messages"),
        (json!([]), "no_messages"),
        (json!([1, 2]), "bad_message"),
    ] {
        let t = row(value.clone());
        assert!(codes(&t).contains(&code), "{value}: {:?}", t.diagnostics);
        assert!(t.diagnostics.iter().any(|d| d.severity == Severity::Error), "{value}");
    }
}

#[test]
fn odd_fields_are_warnings_not_failures() {
    let t = row(json!({"messages": [
        {"content": "no role"},
        {"role": "wizard", "content": "unknown role"},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"arguments": "{}"}}, 3]},
        {"role": "assistant", "content": "", "tool_calls": "oops"},
        "not a message",
    ], "tools": [7, "{\"name\": \"x\"}", {"type": "function"}], "resolved": {"weird": 1}}));
    assert_eq!(t.messages.len(), 4);
    assert_eq!(t.tools.len(), 1);
    assert_eq!(t.outcome, Outcome::Unknown);
    let codes = codes(&t);
    for code in [
        "unknown_role",
        "bad_tool_call",
        "bad_json_string",
        "bad_message",
        "bad_tool",
        "bad_outcome",
    ] {
        assert!(codes.contains(&code), "missing {code} in {codes:?}");
    }
}

#[test]
fn huge_cell_is_kept_whole() {
    let big = "x".repeat(10 * 1024 * 1024);
    let t = row(json!({"messages": [{"role": "tool", "content": big}]}));
    assert_eq!(t.messages[0].content.len(), 10 * 1024 * 1024);
    assert_eq!(TrajectoryMetrics::of(&t).chars_of(Role::Tool), 10 * 1024 * 1024);
}

#[test]
fn plain_chat_with_a_code_sample_is_not_an_agent() {
    let t = row(json!({"messages": [
        {"role": "user", "content": "how do I list files?"},
        {"role": "assistant", "content": "Use:\n```bash\nls\n```"},
        {"role": "user", "content": "thanks"},
        {"role": "assistant", "content": "you're welcome"},
        {"role": "assistant", "content": "anything else?"},
    ]}));
    assert_eq!(t.format, Format::PlainChat);
    assert_eq!(TrajectoryMetrics::of(&t).n_tool_calls, 0);
}

mod never_panics {
    //! Arbitrary rows built from the vocabulary of every supported layout (so the fuzzing reaches
    //! the adapters), normalized and measured: nothing panics, links stay consistent.

    use proptest::prelude::*;
    use serde_json::{Map, Value};
    use trajex::domain::export::{sft_record, SftOptions};
    use trajex::domain::normalize::normalize;
    use trajex::domain::trajectory::SourceRef;
    use trajex::domain::TrajectoryMetrics;

    const KEYS: [&str; 40] = [
        "messages",
        "trajectory",
        "history",
        "conversations",
        "role",
        "content",
        "text",
        "from",
        "value",
        "tool_calls",
        "function",
        "name",
        "arguments",
        "id",
        "type",
        "tool_call_id",
        "reasoning_content",
        "tools",
        "resolved",
        "target",
        "metadata",
        "model_patch",
        "patch",
        "action",
        "observation",
        "args",
        "source",
        "cause",
        "tool_call_metadata",
        "thought",
        "response",
        "info",
        "exit_status",
        "submission",
        "instance_id",
        "parameters",
        "function_call",
        "system_prompt",
        "test_result",
        "git_patch",
    ];
    const STRINGS: [&str; 16] = [
        "assistant",
        "user",
        "tool",
        "system",
        "ai",
        "human",
        "gpt",
        "function",
        "run",
        "message",
        "agent",
        "{\"command\": \"ls\"}",
        "<function=bash>\n<parameter=command>ls</parameter>",
        "```bash\nls\n```",
        "<think>x</think>y",
        "diff --git a/x b/x\n@@ -1 +1 @@\n-a\n+b\n",
    ];

    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-2i64..3).prop_map(Value::from),
            prop::sample::select(STRINGS.to_vec()).prop_map(Value::from),
            "[a-z{}\\[\\]\":,<>=/ ]{0,12}".prop_map(Value::from),
        ];
        leaf.prop_recursive(5, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner.clone()), 0..6)
                    .prop_map(|pairs| {
                        Value::Object(
                            pairs
                                .into_iter()
                                .map(|(k, v)| (k.to_owned(), v))
                                .collect::<Map<_, _>>(),
                        )
                    }),
                // A nested value serialized into a string, as some copies store columns.
                inner.prop_map(|v| Value::String(v.to_string())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn arbitrary_rows_normalize(row in json()) {
            let trajectory = normalize(row, SourceRef::default());
            let metrics = TrajectoryMetrics::of(&trajectory);
            prop_assert_eq!(metrics.n_messages, trajectory.messages.len());
            for (idx, message) in trajectory.messages.iter().enumerate() {
                if let Some(call_ref) = message.result_of {
                    prop_assert!(trajectory.call(call_ref).is_some());
                    prop_assert!(call_ref.message_idx < idx, "a result comes after its call");
                }
                for call in &message.tool_calls {
                    if let Some(result_idx) = call.result_idx {
                        prop_assert!(result_idx > idx);
                        prop_assert!(trajectory.messages[result_idx].result_of.is_some());
                    }
                }
            }
            let _ = sft_record(&trajectory, SftOptions::default());
        }
    }
}

#[test]
fn repeated_call_ids_link_within_their_step() {
    let call = |id: &str| json!({"id": id, "type": "function", "function": {"name": "f", "arguments": "{}"}});
    let t = row(json!({"messages": [
        {"role": "assistant", "content": "", "tool_calls": [call("call_0")]},
        {"role": "tool", "tool_call_id": "call_0", "content": "first"},
        {"role": "assistant", "content": "", "tool_calls": [call("call_0")]},
        {"role": "tool", "tool_call_id": "call_0", "content": "second"},
    ]}));
    assert_eq!(t.messages[1].result_of, Some(CallRef { message_idx: 0, call_idx: 0 }));
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
}

#[test]
fn tool_call_shapes() {
    let t = row(json!({"messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "", "tool_calls": [
            // OpenAI: the name and arguments in `function`; a top-level name is not used.
            {"id": "a", "type": "function", "name": "ignored",
             "function": {"name": "bash", "arguments": "{\"command\": \"ls\"}", "id": "ignored"}},
            // Flat, with arguments as an object.
            {"id": "b", "name": "edit", "arguments": {"path": "x"}},
            // Anthropic-style `input`.
            {"id": "c", "name": "view", "input": {"path": "y"}},
            // `arguments` is there (null): `input` is not read.
            {"name": "think", "arguments": null, "input": {"thought": "z"}},
            // `function` that is not an object: the call itself is read.
            {"id": "e", "function": "bash", "name": "grep", "arguments": "{}"},
            // No name in `function`: skipped with a diagnostic, even with one at the top.
            {"id": "f", "name": "top", "function": {"arguments": "{}"}},
        ]},
    ]}));
    let calls = &t.messages[1].tool_calls;
    let seen: Vec<(Option<&str>, &str, Value)> =
        calls.iter().map(|c| (c.id.as_deref(), c.name.as_str(), c.arguments().clone())).collect();
    assert_eq!(
        seen,
        vec![
            (Some("a"), "bash", json!({"command": "ls"})),
            (Some("b"), "edit", json!({"path": "x"})),
            (Some("c"), "view", json!({"path": "y"})),
            (None, "think", json!({})),
            (Some("e"), "grep", json!({})),
        ]
    );
    assert_eq!(codes(&t).iter().filter(|c| **c == "bad_tool_call").count(), 1);
}

#[test]
fn json_arguments_are_parsed_when_read_and_finish_calls_are_still_found() {
    let call = |arguments: &str| json!({"type": "function", "function": {"name": "execute_bash", "arguments": arguments}});
    let t = row(json!({"messages": [
        {"role": "user", "content": "task"},
        {"role": "assistant", "content": "", "tool_calls": [
            call(r#"{"command": "ls -la", "timeout": 30}"#),
            call(""),
            call(r#"{"command": "echo COMPLETE_TASK_AND_\u0053UBMIT_FINAL_OUTPUT"}"#),
        ]},
    ]}));
    let calls = &t.messages[1].tool_calls;
    assert_eq!(calls[0].raw_arguments, r#"{"command": "ls -la", "timeout": 30}"#);
    assert!(!calls[0].arguments_may_contain(&["submit"]));
    assert_eq!(calls[0].arguments(), &json!({"command": "ls -la", "timeout": 30}));
    assert!(calls[0].arguments_may_contain(&["submit"]), "parsed: the caller looks");
    assert_eq!(calls[1].arguments(), &json!({}));
    // The submit word is spelled with an escape: only the parsed command shows it.
    assert!(!calls[2].raw_arguments.contains("SUBMIT"));
    assert!(calls[2].arguments_may_contain(&["SUBMIT"]));
    assert!(TrajectoryMetrics::of(&t).finished);
    let mut unfinished = t.clone();
    unfinished.messages[1].tool_calls.pop();
    assert!(!TrajectoryMetrics::of(&unfinished).finished);
    // Equality compares the arguments, parsed or not.
    assert_eq!(
        row(json!({"messages": [{"role": "assistant", "content": "", "tool_calls": [
        call(r#"{"command": "ls -la", "timeout": 30}"#)]}]}))
        .messages[0]
            .tool_calls[0],
        calls[0]
    );
}

#[test]
fn tools_stored_as_json_text_read_like_tool_objects() {
    let tools = json!([
        {"type": "function", "function": {"name": "execute_bash", "description": "Run a command",
            "parameters": {"type": "object", "required": ["command"]}}},
        {"name": "str_replace_\u{e9}diteur", "input_schema": {"type": "object"}},
        {"type": "function", "function": "not an object", "name": "top_level"},
        {"type": "function", "function": {"description": "no name"}},
        ["not", "a", "tool"],
    ]);
    let as_text: Vec<Value> =
        tools.as_array().unwrap().iter().map(|t| Value::String(t.to_string())).collect();
    let objects = row(json!({"messages": [{"role": "user", "content": "x"}], "tools": tools}));
    let texts = row(json!({"messages": [{"role": "user", "content": "x"}], "tools": as_text}));
    assert_eq!(texts.tools, objects.tools);
    let names: Vec<&str> = texts.tools.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["execute_bash", "str_replace_\u{e9}diteur", "top_level"]);
    assert_eq!(texts.tools[0].description(), Some("Run a command"));
    assert_eq!(texts.tools[0].parameters()["required"][0], "command");
    assert_eq!(texts.tools[1].parameters(), &json!({"type": "object"}));
    assert_eq!(texts.tools[2].parameters(), &Value::Null);
    assert_eq!(texts.tools[0].definition(), &tools[0]);
    assert_eq!(codes(&texts), ["bad_tool", "bad_tool"]);
    assert_eq!(codes(&texts), codes(&objects));
    // An escaped name reads the same.
    let escaped = row(json!({"messages": [{"role": "user", "content": "x"}],
        "tools": [r#"{"name": "ex\u0065cute"}"#]}));
    assert_eq!(escaped.tools[0].name, "execute");
}
