//! SWE-agent `.traj` files (0.x and 1.x) and mini-swe-agent trajectories, read as the app reads
//! a file (`gather_document`, then `normalize_decoded`): the real fixtures of
//! `tests/fixtures/real/swe_agent/` (see its SOURCES.md) and the older ones of
//! `tests/fixtures/real/`, then rows written here after the harnesses' own source for the shapes
//! no fixture has (requeried steps, demonstrations in the history, `thinking_blocks`, steps
//! without a history, mini-swe-agent v2 `extra.actions`, tool calls, Responses-API items, the
//! `exit` message) and for junk.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;

use common::{calls_by_name, roles};
use serde_json::{json, Value};
use trajex::domain::normalize::normalize;
use trajex::domain::trajectory::{CallRef, Format, Role, SourceRef, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

/// Every trajectory of a fixture file, read as the app reads a file.
fn read(name: &str) -> Vec<Trajectory> {
    common::read_as_app(name, &common::fixture_bytes(name))
}

fn row(value: Value) -> Trajectory {
    normalize(value, SourceRef::default())
}

/// Checks that every link goes both ways, and returns the number of tool-role messages that
/// answer no call.
fn unlinked_tool_results(t: &Trajectory) -> usize {
    for (idx, message) in t.messages.iter().enumerate() {
        if let Some(call_ref) = message.result_of {
            let call = t.call(call_ref).expect("a linked call exists");
            assert_eq!(call.result_idx, Some(idx), "link of message {idx}");
        }
    }
    t.messages.iter().filter(|m| m.role == Role::Tool && m.result_of.is_none()).count()
}

fn codes(t: &Trajectory) -> Vec<&'static str> {
    t.diagnostics.iter().map(|d| d.code).collect()
}

fn names(map: &[(&str, usize)]) -> BTreeMap<String, usize> {
    map.iter().map(|(name, n)| (name.to_string(), *n)).collect()
}

// ---------------------------------------------------------------------------------------------
// SWE-agent, real files

#[test]
fn swe_agent_0x_traj_files() {
    let trajectories = read("real/sweagent_traj_files.jsonl");
    assert_eq!(trajectories.len(), 2);
    let expected = [
        (
            [1, 14, 12, 0],
            names(&[
                ("bash", 3),
                ("create", 1),
                ("edit", 5),
                ("find_file", 1),
                ("open", 1),
                ("submit", 1),
            ]),
            (1.26719, 122_612, 1369, 12),
        ),
        (
            [1, 7, 5, 0],
            names(&[("bash", 1), ("edit", 1), ("find_file", 1), ("open", 1), ("submit", 1)]),
            (0.53839, 52_861, 326, 5),
        ),
    ];
    for (t, (by_role, by_name, (cost, sent, received, calls))) in trajectories.iter().zip(expected)
    {
        assert_eq!(t.format, Format::SweAgentTraj);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        assert_eq!(roles(t), by_role);
        assert_eq!(calls_by_name(t), by_name);
        let metrics = TrajectoryMetrics::of(t);
        assert_eq!(metrics.n_unanswered_tool_calls, 0, "the submit's output comes from its step");
        assert_eq!(metrics.n_inferred_tool_calls, 0, "actions are given as data");
        assert!(metrics.finished);
        assert_eq!(unlinked_tool_results(t), 0);
        // One call per step: the history's actions, not the steps' again.
        assert_eq!(metrics.n_tool_calls, t.metadata["n_steps"].as_u64().unwrap() as usize);
        // The demonstration (one `is_demo` user message) is marked, with no calls.
        assert_eq!(t.metadata["demonstration_messages"], json!([1]));
        assert!(t.messages[1].content.starts_with("Here is a demonstration"));
        // The last message is the `submit` step's observation: the patch, as submitted.
        let last = t.messages.last().unwrap();
        let patch = t.final_patch.as_ref().unwrap();
        assert_eq!((patch.field.as_str(), patch.inferred), ("info.submission", false));
        assert_eq!(last.content.trim(), patch.text.trim());
        assert_eq!(t.exit_status.as_deref(), Some("submitted"));
        assert_eq!(t.metadata["cost_usd"], json!(cost));
        assert_eq!(t.metadata["input_tokens"], json!(sent));
        assert_eq!(t.metadata["output_tokens"], json!(received));
        assert_eq!(t.metadata["api_calls"], json!(calls));
        assert!(!t.metadata.contains_key("trajectory"), "the steps are not kept");
        assert!(!t.metadata.contains_key("history"));
    }
}

#[test]
fn swe_agent_1x_function_calling_run() {
    let trajectories = read("real/swe_agent/swe_agent_1x_function_calling.traj");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::SweAgentTraj);
    assert_eq!(roles(t), [1, 1, 5, 5]);
    assert_eq!(
        calls_by_name(t),
        names(&[("bash", 1), ("edit", 1), ("find_file", 1), ("open", 1), ("submit", 1)])
    );
    let metrics = TrajectoryMetrics::of(t);
    // Five steps, five calls: a history item's `tool_calls` and `action` are one call.
    assert_eq!(metrics.n_tool_calls, 5);
    assert_eq!(t.metadata["n_steps"], 5);
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    assert_eq!(unlinked_tool_results(t), 0);
    // The four function calls keep their ids and JSON arguments; tool results name them.
    let edit = &t.messages[6].tool_calls[0];
    assert_eq!(edit.id.as_deref(), Some("call_DVnbJcFrvwPsrPt3KfIMf7OH"));
    assert_eq!(edit.arguments()["replace"], "def division(a: float, b: float) -> float:");
    assert!(!edit.inferred);
    assert_eq!(t.messages[7].tool_call_id.as_deref(), Some("call_DVnbJcFrvwPsrPt3KfIMf7OH"));
    assert_eq!(t.messages[7].result_of, Some(CallRef { message_idx: 6, call_idx: 0 }));
    // The history lacks the last step (`submit`): it comes from the steps, said so.
    assert_eq!(codes(t), ["steps_added"]);
    assert_eq!(t.diagnostics[0].severity, Severity::Info);
    let submit = &t.messages[10];
    assert_eq!(submit.tool_calls[0].name, "submit");
    assert_eq!(t.messages[11].role, Role::Tool);
    assert_eq!(t.messages[11].result_of, Some(CallRef { message_idx: 10, call_idx: 0 }));
    assert!(metrics.finished);
    // Patch, outcome and figures.
    let patch = t.final_patch.as_ref().unwrap();
    assert_eq!((patch.field.as_str(), patch.inferred), ("info.submission", false));
    assert!(patch.text.contains("+def division(a: float, b: float) -> float:"));
    assert_eq!(t.exit_status.as_deref(), Some("submitted"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("SWE-agent__test-repo-i1"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o"));
    // serde_json reads floats to within one ulp.
    assert!((t.metadata["cost_usd"].as_f64().unwrap() - 0.01952).abs() < 1e-12);
    assert_eq!(
        (t.metadata["input_tokens"].as_u64(), t.metadata["output_tokens"].as_u64()),
        (Some(7141), Some(243))
    );
    assert_eq!(t.metadata["api_calls"], 5);
    let seconds = t.metadata["execution_time_s"].as_f64().unwrap();
    assert!((seconds - 1.6334885).abs() < 1e-6, "{seconds}");
    assert!(t.metadata["info"]["edited_files30"].is_string());
    assert!(!t.metadata.contains_key("trajectory"));
}

#[test]
fn swe_agent_1x_function_calling_demonstration_has_history_only() {
    let trajectories = read("real/swe_agent/swe_agent_1x_function_calling_demo.traj");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::SweAgentTraj, "detected from the `history` alone");
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(t), [1, 1, 5, 5]);
    let metrics = TrajectoryMetrics::of(t);
    assert_eq!(metrics.n_tool_calls, 5);
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    assert_eq!(unlinked_tool_results(t), 0);
    assert!(t
        .tool_calls()
        .all(|(_, call)| call.id.as_deref().is_some_and(|id| id.starts_with("call_"))));
    assert!(!t.metadata.contains_key("n_steps"), "no steps in the file");
    // No `info`: the patch is the diff `submit` printed, marked inferred.
    let patch = t.final_patch.as_ref().unwrap();
    assert!(patch.inferred);
    assert_eq!(patch.field, "messages/11");
}

// ---------------------------------------------------------------------------------------------
// SWE-agent, shapes from `sweagent/agent/agents.py`

/// A 1.x text-mode (`thought_action`) `.traj`: demonstrations put in the history, a requeried
/// step, thinking blocks, the final observation only in the steps, a JSON-string replay config
/// and a retry agent's attempts.
fn text_mode_traj() -> Value {
    let replay = json!({
        "agent": {"model": {"name": "claude-sonnet-4"}},
        "problem_statement": {"id": "octo__demo-7", "type": "text"},
    });
    json!({
        "environment": "main",
        "trajectory": [
            {"action": "", "observation": "", "response": "I will look around", "thought": "I will look around",
             "execution_time": 0.0, "state": {}, "query": [{"role": "system", "content": "sys"}], "extra_info": {}},
            {"action": "open \"src/a.py\"", "observation": "[File: src/a.py (3 lines total)]",
             "response": "Let me open it.\n```\nopen \"src/a.py\"\n```", "thought": "Let me open it.",
             "execution_time": 0.5, "state": {"open_file": "src/a.py"}, "query": [], "extra_info": {},
             "reasoning_content": "from the step"},
            {"action": "submit", "observation": "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x\n+y\n",
             "response": "Done.\n```\nsubmit\n```", "thought": "Done.", "execution_time": 0.25,
             "state": {}, "query": [], "extra_info": {}, "reasoning_content": "submit now"},
        ],
        "history": [
            {"role": "system", "content": "sys", "agent": "main", "message_type": "system_prompt"},
            {"role": "user", "content": "demo task", "agent": "main", "is_demo": true, "message_type": "observation"},
            {"role": "assistant", "content": "demo step\n```\nls\n```", "thought": "demo step", "action": "ls",
             "agent": "main", "is_demo": true, "message_type": "action"},
            {"role": "user", "content": "demo output", "agent": "main", "is_demo": true, "message_type": "observation"},
            {"role": "user", "content": "the task", "agent": "main", "message_type": "observation"},
            {"role": "assistant", "content": "Let me open it.\n```\nopen \"src/a.py\"\n```", "thought": "Let me open it.",
             "action": "open \"src/a.py\"", "agent": "main", "tool_calls": null, "message_type": "action",
             "thinking_blocks": [{"type": "thinking", "thinking": "the file is small", "signature": "x"},
                                 {"type": "redacted_thinking", "data": "..."}]},
            {"role": "user", "content": "[File: src/a.py (3 lines total)]\n(Open file: src/a.py)", "agent": "main",
             "message_type": "observation"},
            {"role": "assistant", "content": "Done.\n```\nsubmit\n```", "thought": "Done.", "action": "submit",
             "agent": "main", "tool_calls": null, "message_type": "action"},
        ],
        "info": {
            "swe_agent_version": "1.1.0",
            "exit_status": "submitted",
            "submission": "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x\n+y\n",
            "model_stats": {"instance_cost": 0.5, "tokens_sent": 100, "tokens_received": 20, "api_calls": 3},
        },
        "replay_config": replay.to_string(),
        "attempts": [{"info": {"exit_status": "submitted", "edited_files30": "big", "model_stats": {"api_calls": 3}},
                      "history": [], "trajectory": []}],
    })
}

#[test]
fn swe_agent_text_mode_requery_demonstrations_and_reasoning() {
    let t = row(text_mode_traj());
    assert_eq!(t.format, Format::SweAgentTraj);
    // system, the folded demonstration, the task, two steps with observations.
    assert_eq!(roles(&t), [1, 4, 2, 0]);
    let demo = &t.messages[1];
    assert_eq!(demo.role, Role::User);
    assert_eq!(demo.content, "demo task\ndemo step\n```\nls\n```\ndemo output");
    assert!(demo.tool_calls.is_empty(), "a demonstration's actions are not the run's");
    assert_eq!(t.metadata["demonstration_messages"], json!([1]));
    assert_eq!(calls_by_name(&t), names(&[("open", 1), ("submit", 1)]));
    let metrics = TrajectoryMetrics::of(&t);
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    // The requeried step is kept apart and said so.
    assert_eq!(t.metadata["n_requeried_steps"], 1);
    assert_eq!(codes(&t), ["steps_requeried"]);
    // Reasoning: the history's thinking blocks first, the step's `reasoning_content` otherwise.
    assert_eq!(t.messages[3].reasoning.as_deref(), Some("the file is small"));
    assert_eq!(t.messages[5].reasoning.as_deref(), Some("submit now"));
    // The final observation comes from the step.
    assert_eq!(t.messages[6].result_of, Some(CallRef { message_idx: 5, call_idx: 0 }));
    assert_eq!(t.ids.model.as_deref(), Some("claude-sonnet-4"), "from the JSON-text replay config");
    assert_eq!(t.ids.instance_id.as_deref(), Some("octo__demo-7"));
    assert_eq!(t.ids.repo.as_deref(), Some("octo/demo"));
    assert_eq!(t.metadata["execution_time_s"], json!(0.75));
    assert_eq!(
        t.metadata["attempts"],
        json!([{"exit_status": "submitted", "model_stats": {"api_calls": 3}}])
    );
    assert_eq!(t.metadata["cost_usd"], json!(0.5));
    assert_eq!(t.final_patch.as_ref().map(|p| p.field.as_str()), Some("info.submission"));
}

#[test]
fn swe_agent_steps_without_history_open_with_the_first_query() {
    let t = row(json!({
        "trajectory": [
            {"action": "ls\n", "observation": "a.py\n", "response": "look\n```\nls\n```", "thought": "look",
             "state": "{\"open_file\": \"n/a\"}",
             "query": [{"role": "system", "content": "sys", "agent": "primary"},
                       {"role": "user", "content": "the task", "agent": "primary"}]},
            {"action": "submit\n", "observation": "diff --git a/a.py b/a.py\n", "response": "done", "thought": "done"},
        ],
        "info": {"exit_status": "submitted", "submission": "diff --git a/a.py b/a.py\n"},
    }));
    assert_eq!(t.format, Format::SweAgentTraj);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(&t), [1, 3, 2, 0]);
    assert_eq!(t.messages[0].content, "sys");
    assert_eq!(calls_by_name(&t), names(&[("bash", 1), ("submit", 1)]));
    assert_eq!(t.messages[2].tool_calls[0].arguments()["command"], "ls");
    assert_eq!(TrajectoryMetrics::of(&t).n_unanswered_tool_calls, 0);
    assert_eq!(t.metadata["n_steps"], 2);
}

#[test]
fn swe_agent_junk_gives_diagnostics_not_panics() {
    // A history of odd items: numbers, junk ids and flags, content in parts.
    let t = row(json!({
        "history": [
            {"role": "system", "content": [{"type": "text", "text": "sys"}], "agent": "main"},
            7,
            {"role": "assistant", "content": null, "agent": "main", "action": 42, "tool_calls": "not json",
             "thinking_blocks": "x", "is_demo": {"a": 1}},
            {"role": "tool", "content": "out", "agent": "main", "tool_call_ids": [null, 3]},
            {"role": "wizard", "content": "?", "agent": "main"},
        ],
        "trajectory": "not steps",
        "info": {"model_stats": {"instance_cost": "free"}, "submission": {"patch": "x"}},
        "replay_config": "{not json",
        "attempts": [1, {"info": 2}],
    }));
    assert_eq!(t.format, Format::SweAgentTraj);
    let found = codes(&t);
    for code in
        ["bad_steps", "bad_message", "bad_json_string", "unknown_role", "orphan_tool_result"]
    {
        assert!(found.contains(&code), "{code} in {found:?}");
    }
    assert_eq!(t.messages.len(), 4);
    assert!(!t.metadata.contains_key("cost_usd"), "a cost that is not a number is not read");
    assert_eq!(t.metadata["trajectory"], "not steps", "kept as given");
    assert_eq!(t.metadata["attempts"], json!([null, null]));
    assert!(t.final_patch.is_none(), "a submission that is not text is no patch");

    // An empty run: no history, no steps.
    let t = row(json!({"trajectory": [], "info": {"exit_status": "exit_cost"}}));
    assert_eq!(t.format, Format::SweAgentTraj);
    assert_eq!(codes(&t), ["no_messages"]);
    assert_eq!(t.exit_status.as_deref(), Some("exit_cost"));

    // Steps that match nothing in the history: the history is read alone, said so.
    let t = row(json!({
        "history": [{"role": "assistant", "content": "a", "agent": "main", "action": "ls"}],
        "trajectory": [{"action": "pwd", "response": "b", "thought": "b", "observation": "/"}],
    }));
    assert_eq!(codes(&t), ["steps_unmatched"]);
    assert_eq!(t.messages.len(), 1);
}

#[test]
fn other_rows_are_not_traj_files() {
    // A chat row whose `trajectory` holds messages (nebius) is not a `.traj`.
    let t = row(json!({"trajectory": [{"role": "user", "text": "hi"}]}));
    assert_ne!(t.format, Format::SweAgentTraj);
    // An object no format fits names the fields each reader looked for.
    let t = row(json!({"foo": 1}));
    let message = &t.diagnostics[0].message;
    assert!(message.contains("`trajectory` list of steps"), "{message}");
    assert!(message.contains("markdown_bash: no mini-swe-agent `messages` list"), "{message}");
}

// ---------------------------------------------------------------------------------------------
// mini-swe-agent, real files

#[test]
fn mini_swe_agent_1_run_that_crashed_before_any_message() {
    let trajectories = read("real/swe_agent/mini_swe_agent_1_error_no_messages.traj.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::MarkdownBash);
    assert!(t.messages.is_empty());
    assert_eq!(codes(t), ["no_messages"]);
    assert_eq!(t.diagnostics[0].severity, Severity::Warning);
    assert_eq!(t.exit_status.as_deref(), Some("TypeError"));
    // The "submission" of a crashed run is its error message: no patch.
    assert!(t.final_patch.is_none());
    assert!(t.metadata["result"]
        .as_str()
        .unwrap()
        .starts_with("jinja2.environment.Template.render()"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(
        (t.metadata["cost_usd"].as_f64(), t.metadata["api_calls"].as_u64()),
        (Some(0.0), Some(0))
    );
    assert_eq!(t.metadata["trajectory_format"], "mini-swe-agent-1");
    assert_eq!(t.metadata["info"]["mini_version"], "1.9.1");
}

#[test]
fn mini_swe_agent_inspector_samples() {
    // The object the harness's inspector test writes (no `trajectory_format`).
    let trajectories = read("real/swe_agent/mini_swe_agent_inspector_swebench.traj.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::MarkdownBash);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(t), [1, 2, 2, 0]);
    assert_eq!(t.messages[1].content, "Please solve this issue.", "content given as parts");
    assert_eq!(calls_by_name(t), names(&[("bash", 2)]));
    let metrics = TrajectoryMetrics::of(t);
    assert_eq!(metrics.n_inferred_tool_calls, 2, "read from the ```mswea_bash_command blocks");
    assert_eq!(t.messages[2].tool_calls[0].arguments()["command"], "cat file.py");
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(metrics.n_unanswered_tool_calls, 1, "the sample ends on the submitting call");
    assert!(metrics.finished);
    assert_eq!(t.ids.instance_id.as_deref(), Some("test-instance-1"));
    let patch = t.final_patch.as_ref().unwrap();
    assert_eq!(
        (patch.field.as_str(), patch.text.as_str(), patch.inferred),
        ("info.submission", "Fixed the issue", false)
    );
    assert_eq!(t.exit_status.as_deref(), Some("Submitted"));
    assert_eq!(t.metadata["cost_usd"], json!(0.05));
    assert_eq!(t.metadata["api_calls"], 3);

    // The bare list of the same test is a chat list, read as before.
    let trajectories = read("real/swe_agent/mini_swe_agent_inspector_simple.traj.json");
    assert_eq!(trajectories.len(), 1);
    assert_eq!(trajectories[0].format, Format::MarkdownBash);
    assert_eq!(calls_by_name(&trajectories[0]), names(&[("bash", 2)]));
}

#[test]
fn mini_swe_agent_bare_list_still_reads_as_before() {
    let trajectories = read("real/mini_swe_agent_traj.jsonl");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::MarkdownBash);
    assert_eq!(roles(t), [1, 11, 10, 0]);
    let metrics = TrajectoryMetrics::of(t);
    assert_eq!(calls_by_name(t), names(&[("bash", 10)]));
    assert_eq!((metrics.n_unanswered_tool_calls, metrics.n_tool_errors), (0, 2));
    assert_eq!(
        t.final_patch.as_ref().map(|p| (p.field.as_str(), p.inferred)),
        Some(("messages/21", true))
    );
}

// ---------------------------------------------------------------------------------------------
// mini-swe-agent, shapes from `src/minisweagent` (v1 `agents/default.py`, v2 `models/litellm_*`,
// `models/utils/actions_*.py`, `docs/usage/output_files.md`)

/// The `info` of a v2 run, as `DefaultAgent.serialize` writes it.
fn v2_info(submission: &str) -> Value {
    json!({
        "model_stats": {"instance_cost": 0.25, "api_calls": 3},
        "config": {"model": {"model_name": "anthropic/claude-sonnet-4-5"}, "agent_type": "minisweagent.agents.default.DefaultAgent"},
        "mini_version": "2.0.0",
        "exit_status": "Submitted",
        "submission": submission,
    })
}

const PATCH: &str = "diff --git a/x.py b/x.py\n--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b\n";

#[test]
fn mini_swe_agent_v2_text_based() {
    let usage = |p, c| json!({"usage": {"prompt_tokens": p, "completion_tokens": c}});
    let t = row(json!({
        "info": v2_info(PATCH),
        "messages": [
            {"role": "system", "content": "You are a helpful assistant..."},
            {"role": "user", "content": "Please solve this issue: ..."},
            {"role": "assistant", "content": "Let me check.\n\n```mswea_bash_command\nls -la\n```",
             "extra": {"actions": [{"command": "ls -la"}], "cost": 0.003, "timestamp": 1706000000.0, "response": usage(100, 10)}},
            {"role": "user", "content": "<returncode>2</returncode>\n<output>\nls: cannot access\n</output>",
             "extra": {"returncode": 2, "raw_output": "ls: cannot access\n", "timestamp": 1706000001.0}},
            {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks, found 2 actions.",
             "extra": {"interrupt_type": "FormatError", "n_actions": 2, "model_response": "```mswea_bash_command\na\n```\n```mswea_bash_command\nb\n```"}},
            {"role": "assistant", "content": "Submitting.\n\n```mswea_bash_command\necho COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff\n```",
             "reasoning_content": "all done", "extra": {"actions": [{"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff"}], "response": usage(200, 20)}},
            {"role": "exit", "content": PATCH, "extra": {"exit_status": "Submitted", "submission": PATCH}},
        ],
        "trajectory_format": "mini-swe-agent-1.1",
        "instance_id": "octo__x-1",
    }));
    assert_eq!(t.format, Format::MarkdownBash);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(&t), [1, 4, 2, 0]);
    let metrics = TrajectoryMetrics::of(&t);
    assert_eq!(calls_by_name(&t), names(&[("bash", 2)]));
    assert_eq!(metrics.n_inferred_tool_calls, 0, "`extra.actions` gives the calls");
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(metrics.n_tool_errors, 1, "returncode 2");
    assert_eq!(t.messages[4].result_of, None, "a format error answers no call");
    // The exit message is the submitting call's output.
    assert_eq!(t.messages[6].result_of, Some(CallRef { message_idx: 5, call_idx: 0 }));
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    assert!(metrics.finished);
    assert_eq!(t.messages[5].reasoning.as_deref(), Some("all done"));
    let patch = t.final_patch.as_ref().unwrap();
    assert_eq!((patch.field.as_str(), patch.inferred), ("info.submission", false));
    assert_eq!(t.ids.model.as_deref(), Some("anthropic/claude-sonnet-4-5"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("octo__x-1"));
    assert_eq!(t.metadata["cost_usd"], json!(0.25));
    assert_eq!(
        (t.metadata["input_tokens"].as_u64(), t.metadata["output_tokens"].as_u64()),
        (Some(300), Some(30))
    );
}

#[test]
fn mini_swe_agent_v1_takes_exactly_one_bash_block() {
    let t = row(json!({
        "info": {"exit_status": "LimitsExceeded", "submission": "", "model_stats": {"instance_cost": 1.0, "api_calls": 2}, "mini_version": "1.9.1"},
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "task"},
            {"role": "assistant", "content": "Two at once.\n```bash\nls\n```\n```bash\npwd\n```", "extra": {"response": {}}},
            {"role": "user", "content": "Please always provide EXACTLY ONE action in triple backticks."},
            {"role": "assistant", "content": "THOUGHT: one.\n\n```bash\ncat a.py\n```\nand a python example:\n```python\nprint(1)\n```"},
            {"role": "user", "content": "<returncode>0</returncode>\n<output>\nx = 1\n</output>"},
        ],
        "trajectory_format": "mini-swe-agent-1",
    }));
    assert_eq!(t.format, Format::MarkdownBash);
    assert!(t.messages[2].tool_calls.is_empty(), "two blocks: the harness took no action");
    assert_eq!(t.messages[3].result_of, None);
    assert_eq!(t.messages[4].tool_calls.len(), 1);
    assert_eq!(t.messages[4].tool_calls[0].arguments()["command"], "cat a.py");
    assert!(t.messages[4].tool_calls[0].inferred);
    assert_eq!(t.messages[5].result_of, Some(CallRef { message_idx: 4, call_idx: 0 }));
    // Not submitted, nothing submitted: an empty patch from `info.submission`, no guess.
    let patch = t.final_patch.as_ref().unwrap();
    assert_eq!((patch.field.as_str(), patch.text.as_str()), ("info.submission", ""));
    assert_eq!(t.exit_status.as_deref(), Some("LimitsExceeded"));
}

#[test]
fn mini_swe_agent_v2_tool_calls() {
    let call = |id: &str, command: &str| {
        json!({"index": 0, "id": id, "type": "function",
               "function": {"name": "bash", "arguments": json!({"command": command}).to_string()}})
    };
    let t = row(json!({
        "info": v2_info(PATCH),
        "messages": [
            {"role": "system", "content": "sys"},
            {"role": "user", "content": "task"},
            {"role": "assistant", "content": "Looking.", "tool_calls": [call("call_1", "ls"), call("call_2", "cat a.py")],
             "thinking_blocks": [{"type": "thinking", "thinking": "two reads", "signature": "s"}],
             "function_call": null, "provider_specific_fields": null,
             "extra": {"actions": [{"command": "ls", "tool_call_id": "call_1"}, {"command": "cat a.py", "tool_call_id": "call_2"}],
                       "response": {"usage": {"prompt_tokens": 50, "completion_tokens": 5}}}},
            {"role": "tool", "tool_call_id": "call_2", "content": "<returncode>0</returncode>\n<output>\nx\n</output>", "extra": {"returncode": 0}},
            {"role": "tool", "tool_call_id": "call_1", "content": "<returncode>0</returncode>\n<output>\na.py\n</output>", "extra": {"returncode": 0}},
            {"role": "assistant", "content": null, "tool_calls": [call("call_3", "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff")],
             "extra": {"actions": [{"command": "echo COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT && git diff", "tool_call_id": "call_3"}]}},
            {"role": "exit", "content": PATCH, "extra": {"exit_status": "Submitted", "submission": PATCH}},
        ],
        "trajectory_format": "mini-swe-agent-1.1",
    }));
    assert_eq!(t.format, Format::OpenAiToolCalls);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(&t), [1, 1, 2, 3]);
    assert_eq!(calls_by_name(&t), names(&[("bash", 3)]));
    let metrics = TrajectoryMetrics::of(&t);
    assert_eq!(metrics.n_inferred_tool_calls, 0);
    assert_eq!(metrics.n_unanswered_tool_calls, 0);
    assert_eq!(unlinked_tool_results(&t), 0);
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 1 }), "by id");
    assert_eq!(t.messages[6].role, Role::Tool, "the exit message answers the submitting call");
    assert_eq!(t.messages[6].tool_call_id.as_deref(), Some("call_3"));
    assert_eq!(t.messages[2].reasoning.as_deref(), Some("two reads"));
    assert!(metrics.finished);
    assert_eq!(t.metadata["input_tokens"], 50);
}

#[test]
fn mini_swe_agent_v2_responses_api() {
    let t = row(json!({
        "info": v2_info(PATCH),
        "messages": [
            {"role": "system", "content": "sys"},
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "task"}]},
            {"object": "response", "id": "resp_1", "usage": {"input_tokens": 70, "output_tokens": 7},
             "output": [
                {"type": "reasoning", "summary": [{"type": "summary_text", "text": "check files"}]},
                {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Listing."}]},
                {"type": "function_call", "call_id": "fc_1", "name": "bash", "arguments": "{\"command\": \"ls\"}"},
             ],
             "extra": {"actions": [{"command": "ls", "tool_call_id": "fc_1"}], "cost": 0.01}},
            {"type": "function_call_output", "call_id": "fc_1", "output": "<returncode>1</returncode>\n<output>\n</output>",
             "extra": {"returncode": 1}},
        ],
        "trajectory_format": "mini-swe-agent-1.1",
    }));
    assert_eq!(t.format, Format::OpenAiToolCalls);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(roles(&t), [1, 1, 1, 1]);
    assert_eq!(t.messages[1].content, "task");
    let answer = &t.messages[2];
    assert_eq!(
        (answer.content.as_str(), answer.reasoning.as_deref()),
        ("Listing.", Some("check files"))
    );
    assert_eq!(answer.tool_calls[0].arguments()["command"], "ls");
    assert_eq!(t.messages[3].result_of, Some(CallRef { message_idx: 2, call_idx: 0 }));
    assert_eq!(TrajectoryMetrics::of(&t).n_tool_errors, 1);
    assert_eq!(
        (t.metadata["input_tokens"].as_u64(), t.metadata["output_tokens"].as_u64()),
        (Some(70), Some(7))
    );
}

#[test]
fn mini_swe_agent_junk_gives_diagnostics_not_panics() {
    let t = row(json!({"trajectory_format": "mini-swe-agent-1", "messages": "{oops", "info": []}));
    assert_eq!(t.format, Format::MarkdownBash);
    assert_eq!(codes(&t), ["bad_json_string", "no_messages"]);

    let t = row(json!({
        "trajectory_format": "mini-swe-agent-1.1",
        "messages": [3, {"role": "exit"}, {"role": "assistant", "content": "```bash\nls\n```", "extra": "x"},
                     {"object": "response", "output": [1, {"type": "function_call"}]},
                     {"type": "function_call_output", "output": null}],
        "info": {"model_stats": {"instance_cost": null}, "exit_status": 5, "config": {"model": []}},
    }));
    assert_eq!(t.format, Format::OpenAiToolCalls);
    assert!(codes(&t).contains(&"bad_message"));
    assert_eq!(t.messages.len(), 4);
    assert!(!t.metadata.contains_key("cost_usd"));
}
