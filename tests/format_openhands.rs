//! OpenHands (V0) logs read as the app reads a file (`gather_document`, then
//! `normalize_decoded`): the UI's event-list download, evaluation and resolver `output.jsonl`
//! rows (real files in `tests/fixtures/real/openhands/`, see its SOURCES.md), and the shapes
//! those files do not show (parallel calls, `think`, `llm_metrics`, `metrics`, the server's
//! `{"trajectory": [...]}`, junk), written here after OpenHands' own event serialization
//! (`openhands/events/serialization/event.py`) and `EvalOutput` (`evaluation/utils/shared.py`).

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{calls_by_name as calls, names, roles, unlinked_results};
use serde_json::{json, Value};
use trajex::domain::diagnostic::Severity;
use trajex::domain::normalize::{is_one_trajectory, normalize};
use trajex::domain::stream::decode_document;
use trajex::domain::trajectory::{Format, Outcome, Role, SourceRef, Trajectory};
use trajex::domain::TrajectoryMetrics;

/// The bytes of a fixture file under `tests/fixtures/real/openhands/`.
fn fixture(name: &str) -> Vec<u8> {
    common::fixture_bytes(&format!("real/openhands/{name}"))
}

/// Every trajectory of a fixture file, read as the app reads a file.
fn read(name: &str) -> Vec<Trajectory> {
    read_bytes(&fixture(name), name)
}

fn read_bytes(bytes: &[u8], path: &str) -> Vec<Trajectory> {
    common::read_as_app(path, bytes)
}

/// The one trajectory of a fixture file.
fn only(name: &str) -> Trajectory {
    let mut trajectories = read(name);
    assert_eq!(trajectories.len(), 1, "{name}: one trajectory");
    trajectories.remove(0)
}

fn row(value: Value) -> Trajectory {
    normalize(value, SourceRef::default())
}

/// Codes of the warnings and errors (not the info notes).
fn codes(t: &Trajectory) -> Vec<&'static str> {
    t.diagnostics.iter().filter(|d| d.severity != Severity::Info).map(|d| d.code).collect()
}

fn meta<'t>(t: &'t Trajectory, key: &str) -> &'t Value {
    t.metadata.get(key).unwrap_or(&Value::Null)
}

#[test]
fn ui_export_of_a_chat_that_starts_with_a_user_message() {
    let bytes = fixture("ui_export_basic_interactions.json");
    // The download is a bare array of events: one row, not one row per event.
    assert_eq!(decode_document(&bytes).len(), 1);
    let t = only("ui_export_basic_interactions.json");
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [0, 3, 3, 0]);
    assert_eq!(calls(&t), names(&[("finish", 1)]));
    assert_eq!(t.messages[1].content, "1 + 1 equals 2.");
    assert_eq!(t.messages[1].role, Role::Assistant);
    assert!(TrajectoryMetrics::of(&t).finished);
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-2024-08-06"));
    assert_eq!(meta(&t, "input_tokens"), &json!(2473));
    assert_eq!(meta(&t, "output_tokens"), &json!(10));
    assert_eq!(t.final_patch, None);
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn ui_export_with_tool_calls_links_every_observation() {
    let t = only("ui_export_wrong_initial_state.json");
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [0, 1, 4, 3]);
    assert_eq!(calls(&t), names(&[("execute_bash", 1), ("finish", 1), ("str_replace_editor", 2)]));
    let metrics = TrajectoryMetrics::of(&t);
    assert_eq!(metrics.n_tool_results, 3);
    assert_eq!(unlinked_results(&t), 0);
    // Only the finish call has no observation.
    assert_eq!(metrics.n_unanswered_tool_calls, 1);
    // The arguments are the model's (from `model_response`), not OpenHands' `args`.
    let bash = &t.messages[3].tool_calls[0];
    assert_eq!(bash.id.as_deref(), Some("toolu_01PuY3mXrE6fm3j52GscR4rj"));
    assert_eq!(
        bash.arguments(),
        &json!({"command": "mv /workspace/game_2048.py /workspace/2048.py", "is_input": "false"})
    );
    assert_eq!(t.messages[4].tool_call_id.as_deref(), Some("toolu_01PuY3mXrE6fm3j52GscR4rj"));
    assert_eq!(t.messages[4].name.as_deref(), Some("execute_bash"));
    assert!(t.messages[1].content.starts_with("I'll help you rename the file."));
    // Usage: four responses of claude.
    assert_eq!(t.ids.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    assert_eq!(meta(&t, "input_tokens"), &json!(3475 + 3616 + 3804 + 3933));
    assert_eq!(meta(&t, "output_tokens"), &json!(95 + 111 + 85 + 67));
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);

    // The same events on one line (a JSONL file of one line) are still one trajectory.
    let value: Value = serde_json::from_slice(&fixture("ui_export_wrong_initial_state.json"))
        .expect("the fixture is JSON");
    let one_line = serde_json::to_vec(&value).expect("serializes");
    let again = read_bytes(&one_line, "one_line.json");
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].messages, t.messages);
}

#[test]
fn evaluation_row_of_action_observation_pairs() {
    // Gorilla evaluation output (OpenHands 2024): `history` of [action, observation] pairs.
    let t = only("eval_output_gorilla_pairs.jsonl");
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [0, 2, 2, 0]);
    assert_eq!(calls(&t), names(&[("finish", 1)]));
    assert!(t.messages[1].content.starts_with("<<<domain>>> Natural Language Processing"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-2024-05-13"));
    // Gorilla's verdict `correct: false` when no report says.
    assert_eq!(t.outcome, Outcome::Failed);
    assert_eq!(meta(&t, "agent_class"), &json!("CodeActAgent"));
    assert_eq!(meta(&t, "correct"), &json!(false));
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn resolver_row_of_old_flattened_events() {
    let t = only("resolver_output_mit_license.jsonl");
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [0, 1, 4, 3]);
    assert_eq!(calls(&t), names(&[("finish", 1), ("run", 2), ("run_ipython", 1)]));
    // No ids and no causes: each observation answers the call before it.
    assert_eq!(TrajectoryMetrics::of(&t).n_tool_results, 3);
    assert_eq!(unlinked_results(&t), 0);
    assert_eq!(t.messages[2].result_of.map(|c| c.message_idx), Some(1));
    // Arguments sit beside `action`; OpenHands' own fields are left out.
    assert_eq!(t.messages[1].tool_calls[0].arguments(), &json!({"command": "touch LICENSE"}));
    assert!(t.messages[1].content.starts_with("Certainly! I'll add the MIT license"));
    let patch = t.final_patch.as_ref().expect("the resolver's patch");
    assert_eq!((patch.field.as_str(), patch.inferred), ("git_patch", false));
    assert!(patch.text.starts_with("diff --git a/LICENSE b/LICENSE"));
    assert_eq!(t.outcome, Outcome::Resolved);
    assert_eq!(t.ids.repo.as_deref(), Some("neubig/pr-viewer"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("neubig/pr-viewer#5"));
    assert_eq!(meta(&t, "cost_usd"), &json!(0.070713));
    assert_eq!(meta(&t, "n_llm_calls"), &json!(4));
    assert!(meta(&t, "result_explanation").is_string());
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);
}

/// A model response as OpenHands keeps it in `tool_call_metadata.model_response`.
fn response(
    id: &str,
    content: Option<&str>,
    calls: &[(&str, &str, Value)],
    usage: (u64, u64),
) -> Value {
    let tool_calls: Vec<Value> = calls
        .iter()
        .map(|(call_id, name, args)| {
            json!({"id": call_id, "type": "function",
                   "function": {"name": name, "arguments": args.to_string()}})
        })
        .collect();
    json!({"id": id, "model": "claude-3-7-sonnet-20250219", "object": "chat.completion",
           "choices": [{"index": 0, "finish_reason": "tool_calls",
                        "message": {"role": "assistant", "content": content, "tool_calls": tool_calls}}],
           "usage": {"prompt_tokens": usage.0, "completion_tokens": usage.1}})
}

fn metadata(name: &str, call_id: &str, response: &Value) -> Value {
    json!({"function_name": name, "tool_call_id": call_id, "model_response": response,
           "total_calls_in_response": response["choices"][0]["message"]["tool_calls"].as_array().map_or(0, Vec::len)})
}

/// A SWE-bench evaluation row of a current OpenHands V0 (system prompt with tools, function
/// calls, a parallel batch, `think`, `llm_metrics`, `metrics`, the evaluation's report).
fn swe_bench_row() -> Value {
    let mut r1 = response(
        "r1",
        Some("Let me look."),
        &[("c1", "execute_bash", json!({"command": "ls"}))],
        (100, 10),
    );
    r1["choices"][0]["message"]["reasoning_content"] = json!("The repo layout first.");
    let batch = response(
        "r2",
        Some("Two things at once."),
        &[
            ("c2", "str_replace_editor", json!({"command": "view", "path": "/testbed/a.py"})),
            ("c3", "execute_bash", json!({"command": "git status"})),
        ],
        (200, 20),
    );
    let r3 = response(
        "r3",
        None,
        &[("c4", "think", json!({"thought": "The bug is in a.py."}))],
        (300, 30),
    );
    let r4 =
        response("r4", Some("Done."), &[("c5", "finish", json!({"message": "Fixed."}))], (400, 40));
    let running = |cost: f64| json!({"accumulated_cost": cost, "accumulated_token_usage": {"prompt_tokens": 1, "completion_tokens": 1}});
    json!({
        "instance_id": "astropy__astropy-12907",
        "instruction": "<uploaded_files>\n/workspace/astropy\n</uploaded_files>\nFix the bug.",
        "instance": {"repo": "astropy/astropy", "instance_id": "astropy__astropy-12907",
                     "patch": "diff --git a/gold.py b/gold.py\n", "problem_statement": "Fix the bug."},
        "test_result": {"git_patch": "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n",
                        "report": {"empty_generation": false, "resolved": true, "failed_apply_patch": false}},
        "metadata": {"agent_class": "CodeActAgent", "max_iterations": 100,
                     "llm_config": {"model": "litellm_proxy/claude-3-7-sonnet-20250219", "api_key": "**********"}},
        "history": [
            {"id": 0, "source": "agent", "action": "system", "message": "You are OpenHands agent.",
             "args": {"content": "You are OpenHands agent.", "agent_class": "CodeActAgent",
                      "tools": [{"type": "function", "function": {"name": "execute_bash", "parameters": {}}},
                                {"type": "function", "function": {"name": "str_replace_editor", "parameters": {}}}]}},
            {"id": 1, "source": "user", "action": "message", "message": "Fix the bug.",
             "args": {"content": "Fix the bug.", "image_urls": null, "wait_for_response": false}},
            {"id": 2, "source": "user", "observation": "recall", "cause": 1, "content": "Added workspace context"},
            {"id": 3, "source": "agent", "action": "run", "message": "Running command: ls",
             "tool_call_metadata": metadata("execute_bash", "c1", &r1), "llm_metrics": running(0.01),
             "args": {"command": "ls", "is_input": false, "thought": "Let me look.", "blocking": false}},
            {"id": 4, "source": "agent", "observation": "run", "cause": 3, "content": "a.py setup.py",
             "tool_call_metadata": metadata("execute_bash", "c1", &r1), "extras": {"metadata": {"exit_code": 0}}},
            // A parallel batch: every action repeats the whole response; observations interleave.
            {"id": 5, "source": "agent", "action": "read", "tool_call_metadata": metadata("str_replace_editor", "c2", &batch),
             "args": {"path": "/testbed/a.py", "thought": "Two things at once."}},
            {"id": 6, "source": "agent", "observation": "read", "cause": 5, "content": "1 import os",
             "tool_call_metadata": metadata("str_replace_editor", "c2", &batch)},
            {"id": 7, "source": "agent", "action": "run", "tool_call_metadata": metadata("execute_bash", "c3", &batch),
             "args": {"command": "git status", "thought": ""}},
            // An error the controller reports for an action: only `cause` names it.
            {"id": 8, "source": "agent", "observation": "error", "cause": 7, "content": "the command timed out"},
            {"id": 9, "source": "agent", "action": "think", "tool_call_metadata": metadata("think", "c4", &r3),
             "args": {"thought": "The bug is in a.py."}},
            {"id": 10, "source": "agent", "observation": "think", "cause": 9, "content": "Your thought has been logged.",
             "tool_call_metadata": metadata("think", "c4", &r3)},
            {"id": 11, "source": "agent", "action": "condensation",
             "args": {"forgotten_event_ids": [3, 4], "summary": null}},
            {"id": 12, "source": "environment", "observation": "agent_state_changed", "content": "", "extras": {"agent_state": "running"}},
            {"id": 13, "source": "agent", "action": "finish", "tool_call_metadata": metadata("finish", "c5", &r4),
             "llm_metrics": running(0.05), "args": {"final_thought": "Fixed.", "outputs": {}, "thought": "Done."}},
        ],
        "metrics": {"accumulated_cost": 0.42,
                    "accumulated_token_usage": {"model": "litellm_proxy/claude-3-7-sonnet-20250219",
                        "prompt_tokens": 1000, "completion_tokens": 100, "cache_read_tokens": 600, "cache_write_tokens": 50},
                    "costs": [{"model": "m", "cost": 0.1}, {"model": "m", "cost": 0.32}],
                    "response_latencies": [{"latency": 1.0}, {"latency": 2.0}, {"latency": 1.5}, {"latency": 0.5}],
                    "token_usages": [{"prompt_tokens": 100}, {"prompt_tokens": 200}, {"prompt_tokens": 300}, {"prompt_tokens": 400}]},
        "error": null,
        "llm_completions": [{"messages": []}, {"messages": []}],
    })
}

#[test]
fn swe_bench_evaluation_row() {
    let t = row(swe_bench_row());
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(
        t.tools.iter().map(|tool| tool.name.as_str()).collect::<Vec<_>>(),
        ["execute_bash", "str_replace_editor"]
    );
    // system, user, 4 assistant steps (the batch is one), 5 results (the finish has none).
    assert_eq!(roles(&t), [1, 1, 4, 4]);
    // Each call once, although every action of the batch repeats both calls.
    assert_eq!(
        calls(&t),
        names(&[("execute_bash", 2), ("finish", 1), ("str_replace_editor", 1), ("think", 1)])
    );
    let batch = &t.messages[4];
    assert_eq!(batch.content, "Two things at once.");
    assert_eq!(
        batch.tool_calls.iter().map(|c| c.id.as_deref().unwrap_or("")).collect::<Vec<_>>(),
        ["c2", "c3"]
    );
    assert_eq!(unlinked_results(&t), 0);
    assert_eq!(
        batch.tool_calls[1].result_idx,
        Some(6),
        "the error answers the call its cause names"
    );
    assert_eq!(t.messages[6].content, "the command timed out");
    // Reasoning: the response's `reasoning_content`, and the think tool's thought.
    assert_eq!(t.messages[2].reasoning.as_deref(), Some("The repo layout first."));
    assert_eq!(t.messages[7].reasoning.as_deref(), Some("The bug is in a.py."));
    assert_eq!(t.messages[7].content, "");
    assert_eq!(t.messages[9].tool_calls[0].arguments(), &json!({"message": "Fixed."}));
    assert_eq!(t.messages[9].content, "Done.");
    // Fields.
    let patch = t.final_patch.as_ref().expect("git_patch");
    assert_eq!((patch.field.as_str(), patch.inferred), ("test_result.git_patch", false));
    assert_eq!(t.reference_patch.as_ref().map(|p| p.field.as_str()), Some("instance.patch"));
    assert_eq!(t.outcome, Outcome::Resolved);
    assert_eq!(t.ids.model.as_deref(), Some("litellm_proxy/claude-3-7-sonnet-20250219"));
    assert_eq!(t.ids.repo.as_deref(), Some("astropy/astropy"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("astropy__astropy-12907"));
    // The row's metrics win over the events' running figures.
    assert_eq!(meta(&t, "cost_usd"), &json!(0.42));
    assert_eq!(meta(&t, "input_tokens"), &json!(1000));
    assert_eq!(meta(&t, "output_tokens"), &json!(100));
    assert_eq!(meta(&t, "cache_read_tokens"), &json!(600));
    assert_eq!(meta(&t, "cache_write_tokens"), &json!(50));
    assert_eq!(meta(&t, "n_llm_calls"), &json!(4));
    assert_eq!(meta(&t, "n_llm_completions"), &json!(2));
    assert_eq!(meta(&t, "llm_completions"), &Value::Null);
    assert_eq!(meta(&t, "agent_class"), &json!("CodeActAgent"));
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn bare_event_list_takes_cost_from_the_last_llm_metrics() {
    let Value::Array(history) = swe_bench_row()["history"].take() else { panic!("a list") };
    // A list that starts with the system prompt is one trajectory, not rows.
    assert!(is_one_trajectory(&history[..4]));
    let t = row(Value::Array(history));
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(meta(&t, "cost_usd"), &json!(0.05));
    assert_eq!(meta(&t, "input_tokens"), &json!(1));
    assert_eq!(t.ids.model.as_deref(), Some("claude-3-7-sonnet-20250219"));
    // Without `llm_metrics`: the usage of the four distinct responses (the batch's once).
    let mut plain = swe_bench_row()["history"].take();
    for event in plain.as_array_mut().expect("a list") {
        event.as_object_mut().expect("an event").remove("llm_metrics");
    }
    let t = row(plain);
    assert_eq!(meta(&t, "input_tokens"), &json!(100 + 200 + 300 + 400));
    assert_eq!(meta(&t, "output_tokens"), &json!(10 + 20 + 30 + 40));
    assert_eq!(meta(&t, "cost_usd"), &Value::Null);
}

#[test]
fn event_list_starting_with_state_changes_is_one_trajectory() {
    // The start of OpenHands' tests/runtime/trajs/basic_gui_mode.json (a UI download).
    let events = json!([
        {"id": 0, "timestamp": "2025-01-20T20:29:13.519638", "source": "environment", "message": "",
         "observation": "agent_state_changed", "content": "", "extras": {"agent_state": "loading"}},
        {"id": 1, "timestamp": "2025-01-20T20:29:32.163218", "source": "environment",
         "message": "Agent state changed to init", "action": "change_agent_state",
         "args": {"agent_state": "init", "thought": ""}},
        {"id": 2, "timestamp": "2025-01-20T20:29:32.165837", "source": "environment",
         "message": "No observation", "cause": 1, "observation": "null", "content": "", "extras": {}},
        {"id": 3, "timestamp": "2025-01-20T20:29:32.176175", "source": "environment", "message": "",
         "observation": "agent_state_changed", "content": "", "extras": {"agent_state": "init"}},
        {"id": 4, "timestamp": "2025-01-20T20:29:32.262843", "source": "user",
         "message": "I want to create a VueJS app", "action": "message",
         "args": {"content": "I want to create a VueJS app", "image_urls": [], "wait_for_response": false}},
        {"id": 7, "source": "agent", "message": "Running command: mkdir -p /workspace/todo-app", "action": "run",
         "tool_call_metadata": {"function_name": "execute_bash", "tool_call_id": "toolu_01W9Z8jBctr8X2frZV9p1RYs"},
         "args": {"command": "mkdir -p /workspace/todo-app", "is_input": false, "thought": "First, a directory:"}},
        {"id": 8, "source": "agent", "message": "Command `mkdir -p /workspace/todo-app` executed with exit code 0.",
         "cause": 7, "observation": "run",
         "tool_call_metadata": {"function_name": "execute_bash", "tool_call_id": "toolu_01W9Z8jBctr8X2frZV9p1RYs"},
         "content": "", "extras": {"command": "mkdir -p /workspace/todo-app"}, "success": true},
    ]);
    let items = events.as_array().expect("a list");
    assert!(is_one_trajectory(&items[..4]));
    let pretty = serde_json::to_vec_pretty(&events).expect("serializes");
    let trajectories = read_bytes(&pretty, "basic_gui_mode.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(t), [0, 1, 1, 1]);
    assert_eq!(t.messages[1].content, "First, a directory:");
    // Without the model's arguments, the event's own (less OpenHands' bookkeeping).
    assert_eq!(
        t.messages[1].tool_calls[0].arguments(),
        &json!({"command": "mkdir -p /workspace/todo-app", "is_input": false})
    );
    assert_eq!(unlinked_results(t), 0);

    // A JSON array of evaluation rows is many rows.
    let rows = json!([swe_bench_row(), swe_bench_row()]);
    let trajectories = read_bytes(&serde_json::to_vec(&rows).expect("serializes"), "rows.json");
    assert_eq!(trajectories.len(), 2);
    assert!(trajectories.iter().all(|t| t.format == Format::OpenHandsEvents));
}

#[test]
fn server_trajectory_answer_is_not_a_swe_agent_traj() {
    let history = swe_bench_row()["history"].take();
    let t = row(json!({"trajectory": history}));
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [1, 1, 4, 4]);
    // SWE-agent steps (action and observation in one object) are not OpenHands events.
    let steps =
        json!([{"action": "ls", "observation": "a.py", "response": "ls", "thought": "look"}]);
    assert_ne!(row(steps.clone()).format, Format::OpenHandsEvents);
    assert_eq!(row(json!({"trajectory": steps})).format, Format::SweAgentTraj);
}

#[test]
fn older_events_without_function_calling() {
    let t = row(json!([
        {"id": 0, "source": "user", "action": "message", "args": {"content": "Why?"}},
        {"id": 1, "source": "agent", "action": "think", "args": {"thought": "Because of x."}},
        {"id": 2, "source": "agent", "observation": "think", "cause": 1, "content": "Your thought has been logged."},
        // A person's own command, and what it printed: not the agent's call.
        {"id": 3, "source": "user", "action": "run", "message": "Running command: ls", "args": {"command": "ls"}},
        {"id": 4, "source": "user", "observation": "run", "cause": 3, "content": "a.py"},
        {"id": 5, "source": "agent", "action": "message", "args": {"content": "It is x."}},
    ]));
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert_eq!(roles(&t), [0, 3, 2, 1]);
    assert_eq!(calls(&t), names(&[("think", 1)]));
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("Because of x."));
    assert_eq!(t.messages[1].content, "");
    assert_eq!(t.messages[2].result_of.map(|c| c.message_idx), Some(1));
    assert_eq!(t.messages[3].content, "Running command: ls");
    assert_eq!(t.messages[4].content, "a.py");
    assert_eq!(unlinked_results(&t), 0);
    assert!(codes(&t).is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn failed_run_with_no_events_keeps_its_fields() {
    let t = row(json!({
        "instance_id": "django__django-11099", "history": [], "instruction": "Fix it.",
        "test_result": {"git_patch": ""}, "metadata": {"llm_config": {"model": "gpt-4o"}},
        "metrics": null, "error": "RuntimeError: sandbox failed to start",
    }));
    assert_eq!(t.format, Format::OpenHandsEvents);
    assert!(t.messages.is_empty());
    assert_eq!(codes(&t), ["no_messages"]);
    assert_eq!(t.final_patch.as_ref().map(|p| p.field.as_str()), Some("test_result.git_patch"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o"));
    assert_eq!(meta(&t, "error"), &json!("RuntimeError: sandbox failed to start"));
    assert_eq!(t.ids.repo.as_deref(), Some("django/django"));
}

#[test]
fn an_observation_for_a_call_the_log_lacks_is_reported() {
    let t = row(json!([
        {"id": 1, "source": "user", "action": "message", "args": {"content": "go"}},
        {"id": 2, "source": "agent", "observation": "run", "content": "x",
         "tool_call_metadata": {"function_name": "execute_bash", "tool_call_id": "gone"}},
        {"id": 3, "source": "environment", "observation": "error", "content": "sandbox died"},
    ]));
    assert_eq!(roles(&t), [0, 2, 0, 1]);
    assert_eq!(codes(&t), ["orphan_tool_result"]);
    assert_eq!(t.messages[2].content, "sandbox died");
}

#[test]
fn junk_values_give_diagnostics_not_panics() {
    let t = row(json!({
        "instance_id": "a__b-1",
        "history": [
            {"id": 1, "source": "user", "action": "message", "args": {"content": "go"}},
            42,
            {"id": 2, "source": "agent", "action": "run", "args": "ls",
             "tool_call_metadata": {"tool_call_id": 7, "function_name": [], "model_response": {"id": 3, "choices": "no"}},
             "llm_metrics": "lots"},
            {"id": 3, "source": "agent", "action": 5},
            {"id": 4, "observation": "run", "cause": {"id": 2}, "content": {"text": "out"}},
            [],
        ],
        "metrics": {"accumulated_cost": "free", "accumulated_token_usage": [], "costs": 3},
        "llm_completions": "none",
        "test_result": "not an object",
        "instance": [1, 2],
        "issue": {"owner": 1},
    }));
    assert_eq!(t.format, Format::OpenHandsEvents);
    let found = codes(&t);
    for code in ["unknown_event", "bad_event_args", "bad_metrics"] {
        assert!(found.contains(&code), "{code} in {found:?}");
    }
    assert_eq!(calls(&t), names(&[("run", 1)]));
    assert_eq!(meta(&t, "llm_completions"), &json!("none"));

    let t = row(json!({"history": [], "metrics": "lots", "issue": {}}));
    assert!(codes(&t).contains(&"bad_metrics"));

    // Every field of every real event replaced by junk: never a panic.
    let events: Value = serde_json::from_slice(&fixture("ui_export_wrong_initial_state.json"))
        .expect("the fixture is JSON");
    let junk = [json!(null), json!(7), json!("x"), json!([]), json!({}), json!([[1]])];
    let events = events.as_array().expect("a list");
    for (idx, event) in events.iter().enumerate() {
        for key in event.as_object().expect("an event").keys() {
            for value in &junk {
                let mut copy = events.clone();
                copy[idx][key] = value.clone();
                let _ = row(Value::Array(copy.clone()));
                let _ = row(json!({"history": copy, "test_result": value, "metrics": value}));
            }
        }
    }
}
