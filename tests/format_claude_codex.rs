//! Claude Code session JSONL and Codex CLI rollout JSONL, read as the app reads a file:
//! `gather_document` (the lines of one session become one row), then `normalize_decoded`.
//!
//! The fixtures are public files (see `tests/fixtures/real/claude_codex/SOURCES.md`); the figures
//! expected here were counted from the raw lines by hand. The inline cases cover the shapes no
//! fixture has (legacy state markers, old output shapes, stream-json results, merged responses
//! around tool results, hostile values) and the files that must not be gathered.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::meta;
use serde_json::{json, Value};
use trajex::domain::document::gather_document;
use trajex::domain::normalize::{normalize, normalize_decoded};
use trajex::domain::trajectory::{Format, Origin, Role, SourceRef, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

/// The trajectories of a document, read as the app reads a file, with the decoding errors.
fn read_bytes(name: &str, bytes: &[u8]) -> (Vec<Trajectory>, usize) {
    let mut errors = 0;
    let trajectories = gather_document(bytes)
        .into_iter()
        .enumerate()
        .filter_map(|(idx, (_, row))| match row {
            Ok(row) => {
                Some(normalize_decoded(row, Origin::File { path: name.to_owned() }, idx as u64))
            }
            Err(_) => {
                errors += 1;
                None
            }
        })
        .collect();
    (trajectories, errors)
}

/// The one trajectory of a fixture file (panics unless the file is exactly one).
fn read_one(name: &str) -> Trajectory {
    let path = format!("real/claude_codex/{name}");
    let (mut trajectories, errors) = read_bytes(&path, &common::fixture_bytes(&path));
    assert_eq!(errors, 0, "{name}: lines that do not decode");
    assert_eq!(trajectories.len(), 1, "{name}: one session, one trajectory");
    trajectories.remove(0)
}

/// Lines of JSON as a JSONL document.
fn jsonl(lines: &[Value]) -> Vec<u8> {
    lines.iter().map(|line| format!("{line}\n")).collect::<String>().into_bytes()
}

/// What a fixture must normalize to, counted from its raw lines.
struct Expect {
    format: Format,
    /// Messages per role: system, user, assistant, tool.
    roles: [usize; 4],
    /// Tool calls per name.
    calls: &'static [(&'static str, usize)],
    /// Calls with no result (a cut file, a call whose result the format does not log).
    unanswered: usize,
}

/// Checks the figures, that every tool message is linked to its call and back, and that the
/// only diagnostics are the info notes and the `allowed` codes.
fn check(name: &str, trajectory: &Trajectory, expect: &Expect, allowed: &[&str]) {
    let metrics = TrajectoryMetrics::of(trajectory);
    assert_eq!(trajectory.format, expect.format, "{name}: format");
    assert_eq!(metrics.n_messages_by_role, expect.roles, "{name}: messages per role");
    let calls: Vec<(&str, usize)> =
        metrics.tool_calls_by_name.iter().map(|(name, n)| (name.as_str(), *n)).collect();
    assert_eq!(calls, expect.calls, "{name}: tool calls per name");
    assert_eq!(metrics.n_unanswered_tool_calls, expect.unanswered, "{name}: unanswered calls");
    for (idx, message) in trajectory.messages.iter().enumerate() {
        if message.role == Role::Tool {
            let call_ref =
                message.result_of.unwrap_or_else(|| panic!("{name}: tool message {idx} unlinked"));
            let call = trajectory.call(call_ref).expect("linked call exists");
            assert_eq!(call.result_idx, Some(idx), "{name}: link of {idx}");
            if let (Some(id), Some(call_id)) = (&message.tool_call_id, &call.id) {
                assert_eq!(id, call_id, "{name}: message {idx} linked to the call of its id");
            }
        }
    }
    for diagnostic in &trajectory.diagnostics {
        assert!(
            diagnostic.severity == Severity::Info || allowed.contains(&diagnostic.code),
            "{name}: unexpected {diagnostic}"
        );
    }
    assert!(
        trajectory.diagnostics.iter().any(|d| d.code == "lines_gathered"),
        "{name}: the gathering is said"
    );
}

// ---------------------------------------------------------------------------------------------
// Claude Code fixtures

#[test]
fn claude_code_real_session_merges_a_split_response() {
    let name = "claude_code_live_text_view_prefix.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::ClaudeCode,
            roles: [0, 5, 1, 1],
            calls: &[("Glob", 6)],
            unanswered: 5,
        },
        &[],
    );
    // Seven assistant lines (one `thinking`, six `tool_use`) are one response.
    let assistant = &t.messages[5];
    assert_eq!(assistant.role, Role::Assistant);
    assert_eq!(assistant.tool_calls.len(), 6);
    assert_eq!(assistant.reasoning.as_deref(), Some("**Planning multi-file analysis**"));
    assert_eq!(assistant.tool_calls[0].arguments(), &json!({"pattern": "**/CLAUDE.md"}));
    // The one result in this prefix answers the first call, by id.
    assert_eq!(t.messages[6].tool_call_id.as_deref(), Some("call_F7kLq2yDQEkolAyhWqzVAnYW"));
    assert_eq!(t.messages[6].name.as_deref(), Some("Glob"));
    assert_eq!(assistant.tool_calls[0].result_idx, Some(6));
    // `isMeta` lines and local command output stay user messages, escapes and all.
    assert!(t.messages[2].content.contains("\u{1b}[1mDefault"));
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("2a117374-8028-4060-a17e-fe63e0c20099"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-5.3-codex"));
    assert_eq!(meta(&t, "claude_code_version"), "2.1.44");
    assert_eq!(meta(&t, "git_branch"), "main");
    assert_eq!(meta(&t, "line_types")["progress"], 3);
    assert_eq!(meta(&t, "line_types")["file-history-snapshot"], 2);
    assert_eq!(meta(&t, "output_tokens"), 0);
    assert!(t.final_patch.is_none());
}

#[test]
fn claude_code_sidechains_are_left_out_and_counted() {
    let name = "claude_code_sidechain_integrated.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::ClaudeCode,
            roles: [0, 0, 2, 1],
            calls: &[("Task", 1)],
            unanswered: 0,
        },
        &[],
    );
    // The sub-agent's Grep call and its result (lines 3-5) are not in the main conversation.
    assert!(t.tool_calls().all(|(_, call)| call.name != "Grep"));
    assert!(t.messages.iter().all(|m| !m.content.contains("research how `data-border-color`")));
    assert_eq!(meta(&t, "sidechain_lines"), 3);
    assert_eq!(meta(&t, "sidechain_agents"), &json!(["e1c84ba5"]));
    assert!(t.diagnostics.iter().any(|d| d.code == "sidechain_left_out"));
    // Usage: three responses, the sub-agent's split one counted once.
    assert_eq!(meta(&t, "input_tokens"), 9);
    assert_eq!(meta(&t, "output_tokens"), 365 + 183 + 190);
    assert_eq!(meta(&t, "cache_creation_input_tokens"), 141272 + 19830 + 2952);
    assert_eq!(meta(&t, "cache_read_input_tokens"), 141272);
    assert_eq!(t.ids.model.as_deref(), Some("claude-sonnet-4-5-20250929"));
}

#[test]
fn claude_code_parallel_calls_and_block_results() {
    let name = "claude_code_minimal_showcase.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::ClaudeCode,
            roles: [0, 1, 5, 5],
            calls: &[
                ("Agent", 2),
                ("ScheduleWakeup", 1),
                ("mcp__plugin_showcase_example__inspect_repository_structure", 1),
                ("mcp__plugin_showcase_example__refresh_search_index", 1),
            ],
            unanswered: 0,
        },
        &[],
    );
    let agents = &t.messages[7];
    assert_eq!(agents.tool_calls.len(), 2);
    assert_eq!(agents.content, "Now two agents, one per module, so their reports can be compared.");
    assert_eq!(agents.tool_calls[1].result_idx, Some(9));
    // A result given as text blocks is their text, one block per line.
    assert!(t.messages[9].content.starts_with("The jobs module defines three scheduled jobs"));
    assert!(t.messages[9].content.contains("\nagentId: showcol2"));
    assert_eq!(meta(&t, "input_tokens"), 600);
    assert_eq!(meta(&t, "output_tokens"), 200);
}

#[test]
fn claude_code_sub_agent_transcript_and_bookkeeping_lines() {
    let name = "claude_code_stage0_small.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::ClaudeCode,
            roles: [0, 1, 2, 1],
            calls: &[("bash", 1)],
            unanswered: 0,
        },
        &[],
    );
    // Every conversation line is a sidechain line: the file is read as it is, and says so.
    assert!(t.diagnostics.iter().any(|d| d.code == "sidechain_transcript"));
    // A call without id and a result without `tool_use_id` are linked by order.
    assert_eq!(t.messages[1].tool_calls[0].id, None);
    assert_eq!(t.messages[2].result_of.map(|r| r.message_idx), Some(1));
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("Reasoning goes here."));
    assert_eq!(meta(&t, "title"), "Stage0 small fixture");
    assert_eq!(meta(&t, "summaries"), &json!(["Claude Code: Context usage summary"]));
    assert_eq!(meta(&t, "system_subtypes"), &json!({"session_start": 1, "stop_hook_summary": 1}));
    // All 15 lines (twelve kinds) belong to the one trajectory.
    let line_types = meta(&t, "line_types").as_object().unwrap();
    assert_eq!(line_types.len(), 12);
    assert_eq!(line_types.values().filter_map(Value::as_u64).sum::<u64>(), 15);
}

#[test]
fn claude_code_minimal_lines_after_a_summary() {
    let name = "claude_code_transcripts_sample.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::ClaudeCode,
            roles: [0, 2, 3, 2],
            calls: &[("Bash", 1), ("Write", 1)],
            unanswered: 0,
        },
        &[],
    );
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("test-session-id"));
    assert_eq!(meta(&t, "summaries"), &json!(["Test session for JSONL parsing"]));
    let write = &t.messages[1].tool_calls[0];
    assert_eq!(write.arguments()["file_path"], "/project/hello.py");
}

#[test]
fn claude_code_stream_json_output() {
    let name = "claude_code_stream_json_fast.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect { format: Format::ClaudeCode, roles: [0, 1, 3, 0], calls: &[], unanswered: 0 },
        &[],
    );
    // `msg_fast` streamed over two lines is one message, and its usage the last line's.
    assert_eq!(t.messages[2].content, "fast turn (streaming)\n\nfast turn (final)");
    assert_eq!(meta(&t, "output_tokens"), 100 + 200 + 40);
    assert_eq!(meta(&t, "models"), &json!({"claude-opus-4-8": 2, "claude-sonnet-5": 1}));
    assert_eq!(t.ids.model.as_deref(), Some("claude-opus-4-8"));
    assert_eq!(meta(&t, "cwd"), "/redacted/worktree");
}

// ---------------------------------------------------------------------------------------------
// Codex fixtures

#[test]
fn codex_rollout_calls_outputs_and_usage() {
    let name = "codex_real_v116_session.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::CodexRollout,
            roles: [1, 2, 2, 2],
            calls: &[("exec_command", 2)],
            unanswered: 0,
        },
        &[],
    );
    // The developer message is the system message; the environment context stays a user one.
    assert_eq!(t.messages[0].content, "You are Codex, a coding agent.");
    assert!(t.messages[1].content.starts_with("<environment_context>"));
    assert_eq!(t.messages[1].role, Role::User);
    // `event_msg` user_message / agent_message repeat the items: not read twice.
    assert_eq!(t.messages[3].content, "I'll investigate the login bug.");
    assert_eq!(t.messages[3].tool_calls[0].arguments(), &json!({"cmd": "cat login.go"}));
    assert_eq!(t.messages[4].name.as_deref(), Some("exec_command"));
    // The last cumulative token count.
    assert_eq!(meta(&t, "input_tokens"), 8000);
    assert_eq!(meta(&t, "cached_input_tokens"), 6000);
    assert_eq!(meta(&t, "output_tokens"), 400);
    assert_eq!(meta(&t, "reasoning_output_tokens"), 80);
    assert_eq!(meta(&t, "total_tokens"), 8480);
    assert_eq!(meta(&t, "model_context_window"), 200000);
    assert_eq!(meta(&t, "cli_version"), "0.116.0");
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("019a6ba6-9fd8-71d1-bcf7-1e3286abc131"));
}

#[test]
fn codex_reasoning_custom_tools_and_unknown_lines() {
    let name = "codex_synthetic_tools.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::CodexRollout,
            roles: [0, 1, 4, 3],
            calls: &[("apply_patch", 1), ("exec_command", 1), ("mcp__synthetic__lookup", 1)],
            unanswered: 0,
        },
        &["unknown_item"],
    );
    // The reasoning summary goes with the call that follows it; the encrypted part is not shown.
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("I will inspect the synthetic directory."));
    assert!(t.messages.iter().all(|m| !m.content.contains("SYNTHETIC_ENCRYPTED")));
    let patch = &t.messages[3].tool_calls[0];
    assert!(patch.raw_arguments.starts_with("*** Begin Patch\n*** Add File: gamma.txt"));
    assert_eq!(patch.arguments()["input"], patch.raw_arguments.as_str());
    // An output given as a list of parts is their text.
    assert_eq!(t.messages[4].content, "Done!");
    assert_eq!(t.ids.model.as_deref(), Some("synthetic-model"));
    assert_eq!(meta(&t, "sandbox_mode"), "read-only");
    // The future line type is named, not silently dropped, and does not split the session.
    let unknown = t.diagnostics.iter().find(|d| d.code == "unknown_item").unwrap();
    assert!(unknown.message.contains("future_synthetic_record"));
    // Codex patches are not unified diffs and nothing printed a `git diff`: no final patch.
    assert!(t.final_patch.is_none());
}

#[test]
fn codex_legacy_layout_without_envelope() {
    let name = "codex_legacy_bare.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect { format: Format::CodexRollout, roles: [0, 1, 1, 0], calls: &[], unanswered: 0 },
        &[],
    );
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("44444444-4444-4444-8444-444444444444"));
    assert_eq!(t.messages[1].content, "The synthetic legacy session is open.");
}

#[test]
fn codex_conversation_only_in_events() {
    let name = "codex_events_only.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect {
            format: Format::CodexRollout,
            roles: [0, 2, 4, 2],
            calls: &[("local_shell", 1), ("shell_command", 1)],
            unanswered: 0,
        },
        &[],
    );
    assert!(t.diagnostics.iter().any(|d| d.code == "conversation_from_events"));
    assert_eq!(t.messages[0].content, "Create a hello world function");
    let shell = &t.messages[3].tool_calls[0];
    assert_eq!(shell.arguments()["command"], json!(["git", "commit", "-m", "Add hello function"]));
    assert_eq!(t.messages[4].result_of.map(|r| r.message_idx), Some(3));
    assert_eq!(meta(&t, "git_branch"), "main");
    assert_eq!(meta(&t, "git_commit"), "deadbeef");
    assert_eq!(meta(&t, "repository_url"), "https://github.com/example/project");
}

#[test]
fn codex_real_session_start_keeps_context_messages() {
    let name = "codex_homelab_session_start.jsonl";
    let t = read_one(name);
    check(
        name,
        &t,
        &Expect { format: Format::CodexRollout, roles: [0, 3, 0, 0], calls: &[], unanswered: 0 },
        &[],
    );
    assert!(t.messages[0].content.starts_with("# AGENTS.md instructions for"));
    assert!(t.messages[1].content.starts_with("<environment_context>"));
    assert!(t.messages[2].content.starts_with("can you analyse the MD files"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-5.2-codex"));
    assert!(meta(&t, "instructions").as_str().unwrap().starts_with("## Skills"));
    assert_eq!(meta(&t, "line_types")["turn_context"], 6);
    assert_eq!(meta(&t, "approval_policy"), "on-request");
}

// ---------------------------------------------------------------------------------------------
// What is gathered, and what is not

#[test]
fn chat_rows_are_not_gathered() {
    let rows = jsonl(&[
        json!({"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}]}),
        json!({"messages": [{"role": "user", "content": "c"}]}),
        json!({"type": "user", "message": {"role": "user", "content": "no session"}}),
        json!({"type": "message", "role": "user", "content": "text, not parts"}),
        json!({"id": "1", "timestamp": "2025-01-01T00:00:00Z", "text": "a log row"}),
    ]);
    let (trajectories, errors) = read_bytes("rows.jsonl", &rows);
    assert_eq!(errors, 0);
    assert_eq!(trajectories.len(), 5, "one trajectory per row");
    for t in &trajectories {
        assert!(!matches!(t.format, Format::ClaudeCode | Format::CodexRollout), "{:?}", t.format);
        assert!(t.diagnostics.iter().all(|d| d.code != "lines_gathered"));
    }
}

#[test]
fn sessions_split_on_their_ids_and_junk_lines_do_not_break_them() {
    let claude = |session: &str, uuid: &str| {
        json!({"type": "user", "uuid": uuid, "parentUuid": null, "sessionId": session,
               "message": {"role": "user", "content": format!("hello from {session}")}})
    };
    let mut bytes = jsonl(&[claude("s1", "a"), claude("s1", "b")]);
    bytes.extend_from_slice(b"this line is not json\n");
    bytes.extend(jsonl(&[claude("s1", "c"), claude("s2", "d")]));
    let (trajectories, errors) = read_bytes("two.jsonl", &bytes);
    assert_eq!(errors, 1);
    assert_eq!(trajectories.len(), 2);
    assert_eq!(trajectories[0].messages.len(), 3);
    assert_eq!(trajectories[1].ids.trajectory_id.as_deref(), Some("s2"));

    let meta = |id: &str| json!({"timestamp": "t", "type": "session_meta", "payload": {"id": id}});
    let user = json!({"timestamp": "t", "type": "response_item",
                      "payload": {"type": "message", "role": "user",
                                  "content": [{"type": "input_text", "text": "hi"}]}});
    let (trajectories, _) =
        read_bytes("two.jsonl", &jsonl(&[meta("r1"), user.clone(), meta("r2"), user]));
    assert_eq!(trajectories.len(), 2);
    assert_eq!(trajectories[1].ids.trajectory_id.as_deref(), Some("r2"));
    assert!(trajectories.iter().all(|t| t.format == Format::CodexRollout && t.messages.len() == 1));
}

// ---------------------------------------------------------------------------------------------
// Shapes no fixture has

#[test]
fn claude_code_response_lines_merge_around_tool_results() {
    let line = |uuid: &str, kind: &str, message: Value| json!({"type": kind, "uuid": uuid, "sessionId": "s", "message": message, "requestId": "r1"});
    let call = |id: &str| {
        json!({"id": "m1", "role": "assistant", "model": "claude-x",
               "content": [{"type": "tool_use", "id": id, "name": "Bash", "input": {"command": "ls"}}],
               "usage": {"input_tokens": 5, "output_tokens": 1}})
    };
    let result = |id: &str, error: bool| {
        json!({"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": id, "content": "out", "is_error": error},
            {"type": "text", "text": "[Request interrupted by user]"}]})
    };
    let lines = [
        line("a", "assistant", call("t1")),
        line(
            "b",
            "user",
            json!({"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "one"}]}]}),
        ),
        line("c", "assistant", call("t2")),
        line("d", "user", result("t2", true)),
        json!({"type": "assistant", "uuid": "e", "sessionId": "s", "requestId": "r2", "costUSD": 0.25,
               "message": {"role": "assistant", "content": [{"type": "redacted_thinking", "data": "x"},
                           {"type": "text", "text": "first"}]}}),
        json!({"type": "assistant", "uuid": "f", "sessionId": "s", "requestId": "r2", "costUSD": 0.5,
               "message": {"role": "assistant", "content": [{"type": "text", "text": "second"}]}}),
    ];
    let (mut trajectories, _) = read_bytes("merge.jsonl", &jsonl(&lines));
    let t = trajectories.remove(0);
    let roles: Vec<Role> = t.messages.iter().map(|m| m.role).collect();
    // m1 over two lines, its results between them: one assistant message with both calls.
    assert_eq!(roles, [Role::Assistant, Role::Tool, Role::Tool, Role::User, Role::Assistant]);
    assert_eq!(t.messages[0].tool_calls.len(), 2);
    assert_eq!(t.messages[0].tool_calls[1].result_idx, Some(2));
    assert_eq!(t.messages[3].content, "[Request interrupted by user]");
    // Lines sharing only a `requestId` merge when adjacent.
    assert_eq!(t.messages[4].content, "first\n\nsecond");
    assert_eq!(t.metadata["tool_error_results"], 1);
    // The result Claude Code marks `is_error` is a tool error in the metrics too.
    assert!(t.messages[2].is_error && !t.messages[1].is_error);
    assert_eq!(trajex::domain::TrajectoryMetrics::of(&t).n_tool_errors, 1);
    assert_eq!(t.metadata["redacted_thinking_blocks"], 1);
    assert_eq!(t.metadata["cost_usd"], 0.75);
    assert_eq!(t.metadata["input_tokens"], 5, "m1's usage counted once");
}

#[test]
fn claude_code_stream_json_result_line() {
    let lines = [
        json!({"type": "system", "subtype": "init", "session_id": "s", "model": "claude-x",
               "tools": ["Bash", "Read"], "cwd": "/w", "claude_code_version": "2.0.0"}),
        json!({"type": "assistant", "session_id": "s", "parent_tool_use_id": null,
               "message": {"id": "m1", "role": "assistant", "model": "claude-x",
                           "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "git diff"}}],
                           "usage": {"input_tokens": 1, "output_tokens": 1}}}),
        json!({"type": "assistant", "session_id": "s", "parent_tool_use_id": "t0",
               "message": {"id": "m9", "role": "assistant", "content": [{"type": "text", "text": "sub-agent"}]}}),
        json!({"type": "user", "session_id": "s", "parent_tool_use_id": null,
               "message": {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1",
                           "content": "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n"}]}}),
        json!({"type": "result", "subtype": "success", "session_id": "s", "is_error": false,
               "num_turns": 2, "total_cost_usd": 0.125, "result": "done",
               "usage": {"input_tokens": 40, "output_tokens": 9}}),
    ];
    let (mut trajectories, _) = read_bytes("stream.jsonl", &jsonl(&lines));
    assert_eq!(trajectories.len(), 1);
    let t = trajectories.remove(0);
    assert_eq!(t.format, Format::ClaudeCode);
    assert_eq!(t.messages.len(), 2, "the sub-agent's line is a sidechain");
    assert_eq!(t.metadata["sidechain_lines"], 1);
    assert_eq!(t.metadata["cost_usd"], 0.125);
    assert_eq!(t.metadata["input_tokens"], 40, "the result's totals");
    assert_eq!(t.metadata["num_turns"], 2);
    assert_eq!(t.exit_status.as_deref(), Some("success"));
    assert_eq!(t.tools.iter().map(|tool| tool.name.as_str()).collect::<Vec<_>>(), ["Bash", "Read"]);
    assert_eq!(t.metadata["claude_code_version"], "2.0.0");
    // The diff the Bash call printed is the inferred final patch.
    let patch = t.final_patch.as_ref().expect("inferred patch");
    assert!(patch.inferred);
    assert_eq!(patch.field, "messages/1");
    assert!(patch.text.starts_with("diff --git a/x b/x"));
}

#[test]
fn codex_legacy_markers_old_outputs_and_flat_token_counts() {
    let lines = [
        json!({"id": "1b66bf05-f332-4f85-a233-c5c50bdac687", "timestamp": "2025-09-11T16:38:04.973Z",
               "instructions": null, "git": {"commit_hash": "abc123", "branch": "main"}}),
        json!({"record_type": "state"}),
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "<user_instructions>\nrules\n</user_instructions>"}]}),
        json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Show the diff"}]}),
        json!({"record_type": "state"}),
        json!({"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": "gAAAA"}),
        json!({"type": "function_call", "name": "shell", "arguments": "{\"command\":[\"git\",\"diff\"]}", "call_id": "call_1"}),
        json!({"type": "function_call_output", "call_id": "call_1",
               "output": "{\"output\":\"diff --git a/m.py b/m.py\\n--- a/m.py\\n+++ b/m.py\\n@@ -1 +1 @@\\n-a\\n+b\\n\",\"metadata\":{\"exit_code\":0,\"duration_seconds\":0.1}}"}),
        json!({"type": "function_call", "name": "shell", "arguments": {"command": ["false"]}, "call_id": "call_2"}),
        json!({"type": "function_call_output", "call_id": "call_2", "output": {"content": "failed", "success": false}}),
        json!({"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Done."}]}),
    ];
    let (mut trajectories, _) = read_bytes("legacy.jsonl", &jsonl(&lines));
    assert_eq!(trajectories.len(), 1, "markers and bare items are one session");
    let t = trajectories.remove(0);
    assert_eq!(t.format, Format::CodexRollout);
    let roles: Vec<Role> = t.messages.iter().map(|m| m.role).collect();
    assert_eq!(
        roles,
        [
            Role::User,
            Role::User,
            Role::Assistant,
            Role::Tool,
            Role::Assistant,
            Role::Tool,
            Role::Assistant
        ]
    );
    assert!(t.messages[0].content.starts_with("<user_instructions>"));
    // The old exec JSON output is shown as its text, and its diff is the inferred patch.
    assert!(t.messages[3].content.starts_with("diff --git a/m.py"));
    let patch = t.final_patch.as_ref().expect("inferred patch");
    assert_eq!(patch.field, "messages/3");
    assert_eq!(t.messages[5].content, "failed");
    assert_eq!(t.messages[4].tool_calls[0].arguments(), &json!({"command": ["false"]}));
    assert_eq!(t.metadata["encrypted_reasoning_items"], 1);
    assert_eq!(t.metadata["git_commit"], "abc123");
    assert_eq!(t.metadata["line_types"]["state"], 2);

    // A flat `token_count` (no `info`) is per response: summed.
    let meta = json!({"timestamp": "t", "type": "session_meta", "payload": {"id": "r"}});
    let count = |n: u64| {
        json!({"timestamp": "t", "type": "event_msg",
                                 "payload": {"type": "token_count", "input_tokens": n, "output_tokens": 1}})
    };
    let (trajectories, _) = read_bytes("flat.jsonl", &jsonl(&[meta, count(10), count(20)]));
    assert_eq!(trajectories[0].metadata["input_tokens"], 30);
    assert_eq!(trajectories[0].metadata["output_tokens"], 2);
}

#[test]
fn hostile_values_give_diagnostics_not_panics() {
    let junk = [
        json!(null),
        json!(7),
        json!("text"),
        json!([1, [2, [3]]]),
        json!({"type": 5}),
        json!({"type": "assistant", "message": null}),
        json!({"type": "assistant", "message": {"content": 42, "usage": "lots", "model": 3}}),
        json!({"type": "assistant", "message": {"content": [7, {"type": "tool_use"}, {"type": "tool_use", "name": 9}, {"type": "weird"}]}}),
        json!({"type": "user", "message": {"content": [{"type": "tool_result", "content": {"nested": [1]}}, "bare", {"type": "image"}]}}),
        json!({"type": "result", "usage": [1], "total_cost_usd": "free"}),
        json!({"type": "summary", "summary": ["not", "text"]}),
        json!({"type": "system", "subtype": {"x": 1}}),
    ];
    let codex_junk = [
        json!({"type": "response_item", "payload": "not an object"}),
        json!({"type": "response_item", "payload": {"type": "message", "role": 4, "content": {"a": 1}}}),
        json!({"type": "response_item", "payload": {"type": "function_call", "arguments": 1}}),
        json!({"type": "response_item", "payload": {"type": "function_call_output", "output": [null, 3, {"type": "input_image"}]}}),
        json!({"type": "response_item", "payload": {"type": "reasoning", "summary": "plain text"}}),
        json!({"type": "event_msg", "payload": {"type": "token_count", "info": {"total_token_usage": [1]}}}),
        json!({"type": "turn_context", "payload": {"model": ["x"], "sandbox_policy": 3}}),
        json!({"type": "session_meta", "payload": {"id": 1, "git": "none", "base_instructions": 2, "dynamic_tools": [1, {"name": 2}]}}),
        json!({"type": "compacted", "payload": {"replacement_history": "x"}}),
    ];
    let claude_head = json!({"type": "user", "uuid": "u", "sessionId": "s",
                             "message": {"role": "user", "content": "start"}});
    let codex_head = json!({"timestamp": "t", "type": "session_meta", "payload": {"id": "r"}});
    for (head, tail, format) in [
        (claude_head, &junk[..], Format::ClaudeCode),
        (codex_head, &codex_junk[..], Format::CodexRollout),
    ] {
        // Read directly (no gathering), so that every junk item reaches the reader.
        let mut items = vec![head.clone(); 4];
        items.extend(tail.iter().cloned());
        items.extend(junk.iter().cloned());
        let t = normalize(Value::Array(items), SourceRef::default());
        assert_eq!(t.format, format);
        assert!(!t.messages.is_empty());
        assert!(
            t.diagnostics.iter().any(|d| d.severity == Severity::Warning),
            "{format}: junk is reported"
        );
    }
}
