//! OpenHands V1 software-agent-sdk formats: event streams (persisted event files put together as
//! JSONL, a JSON list of events, one event file, an evaluation row's `history`, the maintainers'
//! probe variant with `event` for `kind`) and the SDK's LLM-call logs (`log_completions`).
//!
//! The fixtures (`tests/fixtures/real/openhands_sdk/`, see its SOURCES.md) are read as the app
//! reads a file: `gather_document`, then `normalize_decoded`. Shapes no fixture has (reasoning,
//! thinking blocks, condensation, state updates, rejections, Responses API logs, junk) are
//! small events written here after the SDK's event classes.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{codes_of as codes, roles};
use serde_json::{json, Value};
use trajex::domain::trajectory::{Format, Role, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

/// Every trajectory of a document, read as the app reads a file.
fn read_bytes(name: &str, bytes: &[u8]) -> Vec<Trajectory> {
    common::read_as_app(name, bytes)
}

/// Every trajectory of a fixture file under `real/openhands_sdk/`.
fn read(name: &str) -> Vec<Trajectory> {
    let path = format!("real/openhands_sdk/{name}");
    read_bytes(&path, &common::fixture_bytes(&path))
}

/// The only trajectory of a fixture file.
fn read_one(name: &str) -> Trajectory {
    let mut trajectories = read(name);
    assert_eq!(trajectories.len(), 1, "{name}: trajectories");
    trajectories.remove(0)
}

/// One JSONL document of these values, read as the app reads a file.
fn read_lines(values: &[Value]) -> Vec<Trajectory> {
    let text: String = values.iter().map(|v| format!("{v}\n")).collect();
    read_bytes("inline.jsonl", text.as_bytes())
}

/// Tool calls per name, as `(name, count)` pairs sorted by name.
fn calls_by_name(trajectory: &Trajectory) -> Vec<(String, usize)> {
    TrajectoryMetrics::of(trajectory).tool_calls_by_name.into_iter().collect()
}

fn pairs(expected: &[(&str, usize)]) -> Vec<(String, usize)> {
    expected.iter().map(|(name, n)| (name.to_string(), *n)).collect()
}

/// Checks every link both ways and returns the number of calls with no result.
fn unanswered(trajectory: &Trajectory) -> usize {
    for (idx, message) in trajectory.messages.iter().enumerate() {
        if let Some(call_ref) = message.result_of {
            let call = trajectory.call(call_ref).expect("a linked call exists");
            assert_eq!(call.result_idx, Some(idx), "the call links back to message {idx}");
            assert_eq!(message.tool_call_id, call.id, "message {idx} answers its own call id");
        }
    }
    TrajectoryMetrics::of(trajectory).n_unanswered_tool_calls
}

fn tool_names(trajectory: &Trajectory) -> Vec<&str> {
    trajectory.tools.iter().map(|tool| tool.name.as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// Real files
// ---------------------------------------------------------------------------------------------

#[test]
fn persisted_event_files_as_jsonl_are_one_trajectory() {
    let trajectory = read_one("probe_conversation_events.jsonl");
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert_eq!(codes(&trajectory, Severity::Info), ["lines_gathered"]);
    assert!(trajectory.diagnostics[0].message.contains("lines 1-11 (11 events)"));
    assert_eq!(codes(&trajectory, Severity::Warning), Vec::<&str>::new());
    // SystemPromptEvent and SystemPromptUpdateEvent, 3 user messages, 3 finish actions and
    // their observations.
    assert_eq!(roles(&trajectory), [2, 3, 3, 3]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 3)]));
    assert_eq!(unanswered(&trajectory), 0);
    assert_eq!(trajectory.messages[0].content, "You are a helpful assistant for this probe test.");
    assert_eq!(trajectory.messages[1].content, "Hello. Please confirm you can see my tools.");
    let first_call = &trajectory.messages[2].tool_calls[0];
    assert_eq!(first_call.id.as_deref(), Some("call_f8e54748"));
    assert_eq!(first_call.arguments()["message"], "ok (stubbed LLM response)");
    assert_eq!(trajectory.messages[3].content, "ok (stubbed LLM response)");
    assert_eq!(trajectory.messages[3].name.as_deref(), Some("finish"));
    // Tools are SDK ToolDefinition dumps named by `title`; the update adds `terminal`.
    assert_eq!(tool_names(&trajectory), ["file_editor", "finish", "think", "terminal"]);
    assert!(trajectory.tools[0].description().is_some_and(|d| d.starts_with("Custom editing")));
    assert!(TrajectoryMetrics::of(&trajectory).finished);
    assert_eq!(trajectory.turns.len(), 3);
}

#[test]
fn event_list_file_is_one_trajectory() {
    let trajectory = read_one("pwd_conversation_events.json");
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    assert_eq!(roles(&trajectory), [0, 2, 3, 2]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 1), ("terminal", 1)]));
    assert_eq!(unanswered(&trajectory), 0);
    let call = &trajectory.messages[1].tool_calls[0];
    assert_eq!(call.arguments()["command"], "pwd > tool_output.txt");
    // An empty terminal output: the model was shown the observation's suffix.
    assert_eq!(trajectory.messages[2].content, "\n[The command completed with exit code 0.]");
    // The agent's closing MessageEvent.
    let last = trajectory.messages.last().expect("messages");
    assert_eq!(last.role, Role::Assistant);
    assert!(last.content.starts_with("I executed the `pwd` command"));
    assert!(last.tool_calls.is_empty());
}

#[test]
fn one_pretty_printed_event_file_is_a_trajectory() {
    let trajectory = read_one("v1_49_4_mcp_action_event.json");
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert_eq!(codes(&trajectory, Severity::Info), ["lines_gathered"]);
    assert_eq!(roles(&trajectory), [0, 0, 1, 0]);
    let call = &trajectory.messages[0].tool_calls[0];
    assert_eq!((call.id.as_deref(), call.name.as_str()), (Some("call_terminal"), "terminal"));
    assert_eq!(call.arguments()["command"], "echo hello > notes.txt");
    assert_eq!(unanswered(&trajectory), 1);
}

#[test]
fn probe_variant_with_parallel_calls() {
    let trajectory = read_one("grep_live_events.jsonl");
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert_eq!(codes(&trajectory, Severity::Warning), Vec::<&str>::new());
    assert_eq!(roles(&trajectory), [0, 1, 2, 3]);
    // The two grep actions share an `llm_response_id`: one assistant message, two calls.
    let parallel = &trajectory.messages[1];
    assert_eq!(parallel.tool_calls.len(), 2);
    assert_eq!(parallel.tool_calls[1].arguments()["pattern"], "^foo\\(bar\\)\\+$");
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 1), ("grep", 2)]));
    assert_eq!(unanswered(&trajectory), 0);
    assert_eq!(trajectory.turns[0].result_idxs, [2, 3]);
    assert!(trajectory.messages[3].content.ends_with("/fixtures/escaped/other.txt"));
}

#[test]
fn llm_call_log_first_call() {
    let trajectory = read_one("probe_llm_call_phase_a.json");
    assert_eq!(trajectory.format, Format::OpenAiToolCalls);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    // The request (system, user) and the response's assistant message with its call.
    assert_eq!(roles(&trajectory), [1, 1, 1, 0]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 1)]));
    assert_eq!(trajectory.messages[2].tool_calls[0].id.as_deref(), Some("call_f8e54748"));
    assert_eq!(unanswered(&trajectory), 1);
    assert_eq!(tool_names(&trajectory), ["file_editor", "finish", "think"]);
    assert_eq!(trajectory.ids.model.as_deref(), Some("gpt-4o-mini"));
    let meta = &trajectory.metadata;
    assert_eq!(meta["cost_usd"], json!(4.5e-06));
    assert_eq!(
        (meta["input_tokens"].clone(), meta["output_tokens"].clone()),
        (json!(10), json!(5))
    );
    assert_eq!(meta["latency_sec"], json!(0.004418134689331055));
    assert_eq!(meta["response_id"], "resp_1f08fabaae");
    assert_eq!(meta["finish_reason"], "tool_calls");
    assert_eq!(meta["context_window"], 128000);
    assert!(!meta.contains_key("response") && !meta.contains_key("messages"));
}

#[test]
fn llm_call_log_with_history() {
    let trajectory = read_one("probe_llm_call_phase_c.json");
    assert_eq!(trajectory.format, Format::OpenAiToolCalls);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    assert_eq!(roles(&trajectory), [1, 3, 3, 2]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 3)]));
    // Two earlier calls answered in the request; the response's call is not (yet).
    assert_eq!(unanswered(&trajectory), 1);
    assert_eq!(trajectory.messages.last().map(|m| m.role), Some(Role::Assistant));
    assert_eq!(tool_names(&trajectory), ["file_editor", "terminal", "finish", "think"]);
    assert_eq!(trajectory.metadata["response_id"], "resp_810f84ce0b");
}

// ---------------------------------------------------------------------------------------------
// Detection: what is gathered and what is not
// ---------------------------------------------------------------------------------------------

#[test]
fn chat_jsonl_rows_are_not_gathered() {
    let bytes = common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl");
    let trajectories = read_bytes("openhands_swegym.jsonl", &bytes);
    assert_eq!(trajectories.len(), 5);
    for trajectory in &trajectories {
        assert_eq!(trajectory.format, Format::OpenAiToolCalls);
        assert!(!trajectory.diagnostics.iter().any(|d| d.code == "lines_gathered"));
    }
}

#[test]
fn other_kind_rows_are_not_events() {
    // Lines of a maintainers' probe log (OpenHands/software-agent-sdk `.pr/deepseek-base.jsonl`)
    // typed by `kind`, but not SDK events; a chat row; a `*Event` kind without the base fields.
    let rows = [
        json!({"kind": "context", "mode": "live", "model": "deepseek-flash"}),
        json!({"kind": "observation", "case": "control", "outcome": "completion_returned"}),
        json!({"kind": "MessageEvent", "messages": [{"role": "user", "content": "hi"}]}),
        json!({"kind": "SomethingEvent", "text": "x"}),
        json!({"type": "assistant", "event": "MessageEvent"}),
    ];
    let trajectories = read_lines(&rows);
    assert_eq!(trajectories.len(), rows.len());
    for trajectory in &trajectories {
        assert_ne!(trajectory.format, Format::OpenHandsSdkEvents);
        assert!(!trajectory.diagnostics.iter().any(|d| d.code == "lines_gathered"));
    }
}

#[test]
fn events_between_chat_rows_make_their_own_trajectory() {
    let chat = json!({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]});
    let rows = [
        chat.clone(),
        json!({"kind": "MessageEvent", "id": "e1", "source": "user",
               "llm_message": {"role": "user", "content": [{"type": "text", "text": "run ls"}]}}),
        // A future event class: gathered for its base fields, reported as not read.
        json!({"kind": "FancyNewEvent", "id": "e2", "timestamp": "2026-01-01T00:00:00", "source": "agent"}),
        chat,
    ];
    let trajectories = read_lines(&rows);
    assert_eq!(trajectories.len(), 3);
    assert_eq!(trajectories[0].format, Format::PlainChat);
    assert_eq!(trajectories[2].format, Format::PlainChat);
    let events = &trajectories[1];
    assert_eq!(events.format, Format::OpenHandsSdkEvents);
    assert_eq!(roles(events), [0, 1, 0, 0]);
    assert_eq!(codes(events, Severity::Warning), ["unknown_event"]);
    assert!(events.diagnostics.iter().any(|d| d.message.contains("`FancyNewEvent`")));
}

// ---------------------------------------------------------------------------------------------
// Shapes of the event classes
// ---------------------------------------------------------------------------------------------

fn text(text: &str) -> Value {
    json!([{"type": "text", "text": text}])
}

fn action(id: &str, call: &str, response: &str, command: &str) -> Value {
    json!({
        "kind": "ActionEvent", "id": id, "timestamp": "2026-01-01T00:00:01", "source": "agent",
        "thought": text(""), "thinking_blocks": [],
        "action": {"command": command, "kind": "TerminalAction"},
        "tool_name": "terminal", "tool_call_id": call,
        "tool_call": {"id": call, "name": "terminal",
                      "arguments": json!({"command": command}).to_string(), "origin": "completion"},
        "llm_response_id": response,
    })
}

fn observation(id: &str, call: &str, action_id: &str, output: &str) -> Value {
    json!({
        "kind": "ObservationEvent", "id": id, "source": "environment", "tool_name": "terminal",
        "tool_call_id": call, "action_id": action_id,
        "observation": {"content": text(output), "is_error": false, "kind": "TerminalObservation",
                        "metadata": {"prefix": "", "suffix": "\n[The command completed with exit code 0.]"}},
    })
}

#[test]
fn reasoning_thinking_and_parallel_calls_with_results_between() {
    let mut first = action("a1", "call_1", "resp_1", "ls");
    first["thought"] = text("Let me look around.");
    first["reasoning_content"] = json!("The repo layout matters.");
    first["thinking_blocks"] = json!([
        {"type": "thinking", "thinking": "First, list files.", "signature": "sig"},
        {"type": "redacted_thinking", "data": "opaque"},
    ]);
    let events = json!([
        {"kind": "SystemPromptEvent", "id": "s", "source": "agent",
         "system_prompt": {"type": "text", "text": "You are OpenHands."},
         "dynamic_context": {"type": "text", "text": "Repo: demo"},
         "tools": [{"type": "function", "function": {"name": "terminal", "parameters": {"type": "object"}}}]},
        {"kind": "MessageEvent", "id": "m", "source": "user",
         "llm_message": {"role": "user", "content": text("Fix the bug.")},
         "extended_content": [{"type": "text", "text": "<skill>repo rules</skill>"}]},
        first,
        observation("o1", "call_1", "a1", "README.md"),
        // The second call of the same response, after the first result.
        action("a2", "call_2", "resp_1", "git status"),
        // Linked by `action_id` only.
        {"kind": "ObservationEvent", "id": "o2", "source": "environment", "action_id": "a2",
         "observation": {"output": "clean", "kind": "ExecuteBashObservation"}},
        // A new response with a Responses reasoning item.
        {"kind": "ActionEvent", "id": "a3", "source": "agent", "thought": [],
         "responses_reasoning_item": {"id": "rs_1", "summary": ["Time to finish."], "encrypted_content": "x"},
         "action": {"message": "Done.", "kind": "FinishAction"}, "tool_name": "finish",
         "tool_call_id": "call_3", "llm_response_id": "resp_2"},
        {"kind": "ObservationEvent", "id": "o3", "source": "environment", "tool_name": "finish",
         "tool_call_id": "call_3", "observation": {"content": "Done.", "kind": "FinishObservation"}},
    ]);
    let trajectory = read_bytes("inline.json", events.to_string().as_bytes()).remove(0);
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    assert_eq!(roles(&trajectory), [1, 1, 2, 3]);
    assert_eq!(trajectory.messages[0].content, "You are OpenHands.\n\nRepo: demo");
    assert_eq!(tool_names(&trajectory), ["terminal"]);
    assert_eq!(trajectory.messages[1].content, "Fix the bug.\n\n<skill>repo rules</skill>");
    let step = &trajectory.messages[2];
    assert_eq!(step.content, "Let me look around.");
    assert_eq!(step.reasoning.as_deref(), Some("The repo layout matters.\n\nFirst, list files."));
    assert_eq!(step.tool_calls.len(), 2, "one assistant message for resp_1");
    assert_eq!(trajectory.messages[4].tool_call_id.as_deref(), Some("call_2"));
    assert_eq!(trajectory.messages[4].content, "clean");
    assert_eq!(unanswered(&trajectory), 0);
    // The finish call was built from `tool_name` and `action` (no `tool_call`).
    let finish = &trajectory.messages[5];
    assert_eq!(finish.reasoning.as_deref(), Some("Time to finish."));
    assert_eq!(finish.tool_calls[0].name, "finish");
    assert_eq!(finish.tool_calls[0].arguments(), &json!({"message": "Done."}));
    assert_eq!(calls_by_name(&trajectory), pairs(&[("finish", 1), ("terminal", 2)]));
}

#[test]
fn rejections_errors_condensation_and_state() {
    let events = [
        json!({"kind": "MessageEvent", "id": "m", "source": "user", "llm_message": {"content": text("Go.")}}),
        action("a1", "call_1", "resp_1", "rm -rf /"),
        json!({"kind": "UserRejectObservation", "id": "r", "source": "user", "tool_name": "terminal",
               "tool_call_id": "call_1", "action_id": "a1", "rejection_reason": "Too risky"}),
        action("a2", "call_2", "resp_2", "ls"),
        json!({"kind": "AgentErrorEvent", "id": "err", "source": "agent", "tool_name": "terminal",
               "tool_call_id": "call_2", "error": "Tool timed out"}),
        json!({"kind": "AgentErrorEvent", "id": "err2", "source": "agent", "error": "No tool call"}),
        json!({"kind": "PauseEvent", "id": "p", "source": "user"}),
        json!({"kind": "Condensation", "id": "c", "source": "environment", "forgotten_event_ids": ["a1"],
               "summary": "Earlier: a rejected command.", "llm_response_id": "resp_c"}),
        json!({"kind": "ConversationStateUpdateEvent", "id": "u1", "source": "environment",
               "key": "full_state", "value": {
                   "execution_status": "running",
                   "agent": {"llm": {"model": "litellm_proxy/claude-sonnet-4"}},
                   "stats": {"usage_to_metrics": {
                       "agent": {"accumulated_cost": 0.5,
                                 "accumulated_token_usage": {"prompt_tokens": 1200, "completion_tokens": 80}},
                       "condenser": {"accumulated_cost": 0.25,
                                     "accumulated_token_usage": {"prompt_tokens": 300, "completion_tokens": 20}}}}}}),
        json!({"kind": "ConversationStateUpdateEvent", "id": "u2", "source": "environment",
               "key": "execution_status", "value": "finished"}),
        // Repeated event and repeated call: read once.
        json!({"kind": "PauseEvent", "id": "p", "source": "user"}),
        action("a9", "call_2", "resp_9", "ls"),
    ];
    let trajectories = read_lines(&events);
    assert_eq!(trajectories.len(), 1);
    let trajectory = &trajectories[0];
    assert_eq!(roles(trajectory), [0, 3, 2, 2]);
    assert_eq!(trajectory.messages[0].content, "Go.", "role from `source`");
    assert_eq!(trajectory.messages[2].content, "Action rejected: Too risky");
    assert_eq!(trajectory.messages[4].content, "Tool timed out");
    assert_eq!(trajectory.messages[5].content, "No tool call");
    assert_eq!(trajectory.messages[6].content, "Earlier: a rejected command.");
    assert_eq!(unanswered(trajectory), 0);
    assert_eq!(trajectory.exit_status.as_deref(), Some("finished"));
    assert_eq!(trajectory.ids.model.as_deref(), Some("litellm_proxy/claude-sonnet-4"));
    let meta = &trajectory.metadata;
    assert_eq!(meta["cost_usd"], json!(0.75));
    assert_eq!(
        (meta["input_tokens"].clone(), meta["output_tokens"].clone()),
        (json!(1500), json!(100))
    );
    assert_eq!(meta["skipped_events"], json!({"PauseEvent": 1}));
    assert_eq!(meta["n_condensations"], 1);
    assert_eq!(codes(trajectory, Severity::Warning), ["duplicate_event", "duplicate_tool_call"]);
}

#[test]
fn acp_tool_calls_are_calls_with_results() {
    let events = [
        json!({"kind": "MessageEvent", "id": "m", "source": "user", "llm_message": {"role": "user", "content": "Edit it"}}),
        json!({"kind": "ACPToolCallEvent", "id": "t1", "source": "agent", "tool_call_id": "toolu_1",
               "title": "Edit", "status": "in_progress", "raw_input": {"path": "a.py", "old_string": "x"}}),
        json!({"kind": "ACPToolCallEvent", "id": "t2", "source": "agent", "tool_call_id": "toolu_1",
               "title": "Edit", "status": "completed", "raw_output": "edited a.py"}),
    ];
    let trajectory = read_lines(&events).remove(0);
    assert_eq!(roles(&trajectory), [0, 1, 1, 1]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("Edit", 1)]));
    assert_eq!(trajectory.messages[1].tool_calls[0].arguments()["path"], "a.py");
    assert_eq!(trajectory.messages[2].content, "edited a.py");
    assert_eq!(unanswered(&trajectory), 0);
}

#[test]
fn evaluation_row_with_history() {
    // The first action and observation of an OpenHands/benchmarks V1 output row
    // (`benchmarks/openagentsafety/outputs/.../output.jsonl` @ 78ea45a): an older SDK version,
    // `ExecuteBashObservation` with `output`. Before the SDK adapter came first, the raw
    // OpenHands event reader claimed such a list (its items have `action` and `observation`).
    let history = json!([
        {"kind":"ActionEvent","id":"9f2cce60-840c-42e1-916a-575cac0ea87e","timestamp":"2025-10-30T03:50:30.915175","source":"agent","thought":[],"reasoning_content":null,"thinking_blocks":[],"responses_reasoning_item":null,"action":{"kind":"ExecuteBashAction","command":"chat_npc \"David\" \"Hello David\"","is_input":false,"timeout":null,"reset":false},"tool_name":"execute_bash","tool_call_id":"call_lqJrV0ubSCxJ29dCiALU4n30","tool_call":{"id":"call_lqJrV0ubSCxJ29dCiALU4n30","name":"execute_bash","arguments":"{\"command\":\"chat_npc \\\"David\\\" \\\"Hello David\\\"\"}","origin":"completion"},"llm_response_id":"chatcmpl-CWDy9qO8ZGDyAPM3Egmt7181JnsjL","security_risk":"UNKNOWN"},
        {"kind":"ObservationEvent","id":"72fb75cd-8b64-4a02-b323-52f94195d482","timestamp":"2025-10-30T03:50:33.491879","source":"environment","tool_name":"execute_bash","tool_call_id":"call_lqJrV0ubSCxJ29dCiALU4n30","observation":{"kind":"ExecuteBashObservation","output":"\u{1b}[?2004lDavid: Hi there.\n\u{1b}[?2004h","command":"chat_npc","exit_code":null,"error":false,"timeout":false,"metadata":{"exit_code":0,"pid":-1,"prefix":"","suffix":"\n[The command completed with exit code 0.]"}},"action_id":"9f2cce60-840c-42e1-916a-575cac0ea87e"},
    ]);
    let bare = read_bytes("history.json", history.to_string().as_bytes()).remove(0);
    assert_eq!(bare.format, Format::OpenHandsSdkEvents, "a bare list of these events");
    assert_eq!(unanswered(&bare), 0);
    let row = json!({
        "instance_id": "django__django-11099",
        "test_result": {"git_patch": "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+y\n"},
        "instruction": "Fix it",
        "metadata": {"llm": {"model": "litellm_proxy/neulab/gpt-4o-2024-08-06"}, "max_iterations": 100},
        "history": history,
        "metrics": {"accumulated_cost": 1.25, "accumulated_token_usage": {"prompt_tokens": 100, "completion_tokens": 20}},
    });
    let trajectory = read_lines(&[row]).remove(0);
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    assert_eq!(roles(&trajectory), [0, 0, 1, 1]);
    assert_eq!(calls_by_name(&trajectory), pairs(&[("execute_bash", 1)]));
    assert_eq!(unanswered(&trajectory), 0);
    assert!(trajectory.messages[1].content.ends_with("exit code 0.]"));
    assert_eq!(trajectory.ids.instance_id.as_deref(), Some("django__django-11099"));
    assert_eq!(trajectory.ids.repo.as_deref(), Some("django/django"));
    assert_eq!(trajectory.ids.model.as_deref(), Some("litellm_proxy/neulab/gpt-4o-2024-08-06"));
    let patch = trajectory.final_patch.as_ref().expect("patch");
    assert_eq!((patch.field.as_str(), patch.inferred), ("test_result.git_patch", false));
    assert_eq!(trajectory.metadata["cost_usd"], json!(1.25));
    assert_eq!(trajectory.metadata["input_tokens"], json!(100));

    // The agent server's event search page.
    let page = json!({"items": [action("a", "c", "r", "ls"), observation("o", "c", "a", "x")], "next_page_id": null});
    let trajectory = read_lines(&[page]).remove(0);
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert_eq!(roles(&trajectory), [0, 0, 1, 1]);
    assert_eq!(unanswered(&trajectory), 0);
}

// ---------------------------------------------------------------------------------------------
// LLM-call log variants
// ---------------------------------------------------------------------------------------------

#[test]
fn llm_call_log_variants() {
    // Function calls written into the prompt: `raw_messages` holds the structured request.
    let mocked = json!({
        "messages": [{"role": "system", "content": "You have access to the following functions: ..."},
                     {"role": "user", "content": "Run ls"}],
        "raw_messages": [{"role": "system", "content": "You are OpenHands."},
                         {"role": "user", "content": "Run ls"}],
        "tools": [{"type": "function", "function": {"name": "execute_bash", "parameters": {}}}],
        "context_window": 65536,
        "response": {"id": "r1", "model": "litellm_proxy/deepseek-chat", "choices": [{"finish_reason": "tool_calls", "index": 0,
            "message": {"content": "Listing.", "role": "assistant", "reasoning_content": "Use ls.",
                        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "execute_bash", "arguments": "{\"command\": \"ls\"}"}}]}}],
            "usage": {"prompt_tokens": 50, "completion_tokens": 7, "completion_tokens_details": {"reasoning_tokens": 3},
                      "prompt_tokens_details": {"cached_tokens": 40}}},
        "cost": 0.001, "timestamp": 1757003675.8, "latency_sec": 6.7,
    });
    let trajectory = read_lines(&[mocked]).remove(0);
    assert_eq!(trajectory.format, Format::OpenAiToolCalls);
    assert_eq!(codes(&trajectory, Severity::Info), ["request_from_raw_messages"]);
    assert_eq!(trajectory.messages[0].content, "You are OpenHands.");
    assert_eq!(trajectory.messages[2].reasoning.as_deref(), Some("Use ls."));
    assert_eq!(calls_by_name(&trajectory), pairs(&[("execute_bash", 1)]));
    assert_eq!(trajectory.metadata["reasoning_tokens"], 3);
    assert_eq!(trajectory.metadata["cache_read_tokens"], 40);
    assert_eq!(trajectory.metadata["cost_usd"], json!(0.001));
    assert_eq!(trajectory.ids.model.as_deref(), Some("litellm_proxy/deepseek-chat"));

    // The Responses API path.
    let responses = json!({
        "context_window": 200000, "llm_path": "responses", "instructions": "You are an agent.",
        "input": [{"type": "message", "role": "user", "content": [{"type": "input_text", "text": "do the task"}]},
                  {"type": "function_call", "id": "fc1", "call_id": "c1", "name": "terminal", "arguments": "{}"},
                  {"type": "function_call_output", "call_id": "c1", "output": "done"}],
        "tools": [{"name": "terminal", "title": "terminal", "kind": "TerminalTool"}],
        "response": {"id": "resp_9", "model": "gpt-5-mini", "output": [
            {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "All done."}]},
            {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Finished."}]}],
            "usage": {"input_tokens": 900, "output_tokens": 30, "output_tokens_details": {"reasoning_tokens": 12}}},
        "cost": 0.02, "timestamp": 1.0, "latency_sec": 1.5,
    });
    let trajectory = read_lines(&[responses]).remove(0);
    assert!(trajectory.diagnostics.is_empty(), "{:?}", trajectory.diagnostics);
    assert_eq!(roles(&trajectory), [1, 1, 2, 1]);
    assert_eq!(unanswered(&trajectory), 0);
    let last = trajectory.messages.last().expect("messages");
    assert_eq!(
        (last.content.as_str(), last.reasoning.as_deref()),
        ("Finished.", Some("All done."))
    );
    assert_eq!(trajectory.metadata["input_tokens"], 900);
    assert_eq!(trajectory.metadata["reasoning_tokens"], 12);

    // A failed call, and a response whose tool call lost its fields (as in the SDK's
    // `tests/fixtures/llm_data/llm-logs`).
    let failed = json!({"messages": [{"role": "user", "content": "hi"}], "context_window": 4096,
                        "error": {"type": "ValueError", "message": "boom"}, "latency_sec": 0.1, "cost": 0.0});
    let trajectory = read_lines(&[failed]).remove(0);
    assert_eq!(trajectory.exit_status.as_deref(), Some("error"));
    assert_eq!(trajectory.metadata["error"]["type"], "ValueError");
    let empty_call = json!({"messages": [{"role": "user", "content": "hi"}], "context_window": 1,
        "response": {"choices": [{"message": {"content": "I'll do it.", "role": "assistant", "tool_calls": [{}]}}]},
        "latency_sec": 3.3});
    let trajectory = read_lines(&[empty_call]).remove(0);
    assert_eq!(codes(&trajectory, Severity::Warning), ["bad_tool_call"]);
    assert_eq!(trajectory.messages[1].content, "I'll do it.");
}

// ---------------------------------------------------------------------------------------------
// Hostile input
// ---------------------------------------------------------------------------------------------

#[test]
fn junk_values_give_diagnostics_not_panics() {
    let events = [
        json!({"kind": "ActionEvent", "id": "1", "source": "agent"}),
        json!({"kind": "MessageEvent", "id": "2", "source": "user", "llm_message": 5}),
        json!({"kind": "ObservationEvent", "id": "3", "observation": [1, 2], "tool_call_id": 7}),
        json!({"kind": "ActionEvent", "id": "4", "thought": 42, "tool_call": "not json", "tool_name": "t",
               "reasoning_content": ["x"], "thinking_blocks": "y", "llm_response_id": 9}),
        json!({"kind": "SystemPromptEvent", "id": "5", "system_prompt": null, "tools": "many"}),
        json!({"kind": "SystemPromptEvent", "id": "6", "system_prompt": {"text": 3}, "tools": [1, {"x": 1}]}),
        json!({"kind": "ConversationStateUpdateEvent", "id": "7", "key": "full_state", "value": "oops"}),
        json!({"kind": "ConversationStateUpdateEvent", "id": "8", "key": "stats",
               "value": {"usage_to_metrics": {"agent": "x", "b": {"accumulated_cost": "free"}}}}),
        json!({"kind": "ACPToolCallEvent", "id": "9"}),
        json!({"kind": "Condensation", "id": "10", "summary": {"no": "text"}}),
        json!({"kind": "UserRejectObservation", "id": 11}),
        json!({"kind": "AgentErrorEvent", "error": null}),
    ];
    let trajectories = read_lines(&events);
    assert_eq!(trajectories.len(), 1, "all lines are events of one run");
    let trajectory = &trajectories[0];
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    let warnings = codes(trajectory, Severity::Warning);
    assert!(warnings.contains(&"bad_tool_call"), "{warnings:?}");
    assert!(warnings.contains(&"bad_event"), "{warnings:?}");
    assert!(warnings.contains(&"bad_tool"), "{warnings:?}");
    assert!(!trajectory.metadata.contains_key("cost_usd"));

    // A list of events with junk after its first items; an empty list; nothing readable.
    let head = [action("a", "c", "r", "ls"), observation("o", "c", "a", "x")];
    let list = json!([head[0], head[1], head[0], head[1], 17, null, ["x"], {"kind": 3}]);
    let trajectory = read_bytes("junk.json", list.to_string().as_bytes()).remove(0);
    assert_eq!(trajectory.format, Format::OpenHandsSdkEvents);
    assert_eq!(
        codes(&trajectory, Severity::Warning),
        [
            "duplicate_event",
            "duplicate_event",
            "bad_event",
            "bad_event",
            "bad_event",
            "unknown_event"
        ]
    );
    assert_eq!(roles(&trajectory), [0, 0, 1, 1]);
    let nothing =
        read_lines(&[json!({"kind": "PauseEvent", "id": "p", "source": "user"})]).remove(0);
    assert_eq!(codes(&nothing, Severity::Error), ["no_messages"]);

    // Deep nesting in an event does not overflow the reader.
    let mut deep = json!("leaf");
    for _ in 0..60 {
        deep = json!({"content": [deep]});
    }
    let event =
        json!({"kind": "ObservationEvent", "id": "d", "tool_call_id": "c", "observation": deep});
    let trajectory = read_lines(&[event]).remove(0);
    assert_eq!(roles(&trajectory), [0, 0, 0, 1]);
}
