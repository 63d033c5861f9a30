//! Harbor ATIF trajectories and tau-bench / tau2-bench results, read as the app reads a file
//! (`gather_document` then `normalize_decoded`), over the real samples in
//! `tests/fixtures/real/atif_tau/` (see its `SOURCES.md`) and over small rows written here for
//! the shapes no sample has (results on later steps, unknown call ids, content parts, ReAct
//! text actions, tau2 multi-tool and user tool messages) and for hostile input.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::{json, Value};
use trajex::domain::normalize::normalize;
use trajex::domain::trajectory::{Format, Outcome, Role, SourceRef, Trajectory};
use trajex::domain::{Severity, TrajectoryMetrics};

use common::fixture_bytes;
use common::{
    calls_by_name as calls, codes_of as codes, meta, names, roles, unanswered_calls,
    unlinked_results,
};

/// Every trajectory of a fixture file under `real/atif_tau/`, read as the app reads a file.
fn read_fixture(name: &str) -> Vec<Trajectory> {
    let path = format!("real/atif_tau/{name}");
    read_bytes(&fixture_bytes(&path), &path)
}

/// Every trajectory of a document given as bytes.
fn read_bytes(bytes: &[u8], path: &str) -> Vec<Trajectory> {
    common::read_as_app(path, bytes)
}

/// Every link goes both ways, and a tool result named after a tool answers a call of that name.
fn check_links(trajectory: &Trajectory) {
    for (idx, message) in trajectory.messages.iter().enumerate() {
        let Some(call_ref) = message.result_of else { continue };
        let call = trajectory.call(call_ref).expect("the linked call exists");
        // A call answered twice keeps its first result.
        let first = call.result_idx.expect("a linked call has a result");
        assert!(first <= idx, "link of message {idx}");
        assert_eq!(trajectory.messages[first].result_of, Some(call_ref), "link of message {idx}");
        if let Some(name) = &message.name {
            assert_eq!(&call.name, name, "message {idx} answers a call of its tool");
        }
        if let Some(id) = &message.tool_call_id {
            assert_eq!(call.id.as_ref(), Some(id), "message {idx} answers the call it names");
        }
    }
}

/// A float in the metadata, compared to within 1e-12 (the JSON parser may round the last digit).
fn meta_f64(trajectory: &Trajectory, key: &str) -> f64 {
    meta(trajectory, key).as_f64().unwrap_or_else(|| panic!("`{key}` is not a number"))
}

fn assert_close(found: f64, expected: f64) {
    assert!((found - expected).abs() < 1e-12, "{found} != {expected}");
}

fn atif(steps: Value) -> Value {
    json!({
        "schema_version": "ATIF-v1.6",
        "session_id": "s-1",
        "agent": {"name": "terminus-2", "version": "2.0.0", "model_name": "openai/gpt-4o"},
        "steps": steps,
    })
}

// ---------------------------------------------------------------------------------------------
// ATIF: real samples
// ---------------------------------------------------------------------------------------------

#[test]
fn harbor_openhands_golden_v1_5() {
    let trajectories = read_fixture("harbor_golden_openhands_atif_v1_5.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::Atif);
    // Steps: system, user, system, system, agent (1 call + its result), agent (finish).
    assert_eq!(roles(t), [3, 1, 2, 1]);
    assert_eq!(calls(t), names(&[("finish", 1), ("str_replace_editor", 1)]));
    assert_eq!(unlinked_results(t), 0);
    assert_eq!(unanswered_calls(t), 1, "finish has no result");
    check_links(t);
    assert_eq!(t.messages[5].content, "File created successfully at: /app/hello.txt");
    assert_eq!(t.messages[5].name.as_deref(), Some("str_replace_editor"));
    assert_eq!(t.tools.len(), 6, "agent.tool_definitions (v1.5)");
    assert_eq!(t.tools[0].name, "execute_bash");
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("NORMALIZED_SESSION_ID"));
    assert_eq!(t.ids.model, None, "this agent gives no model_name");
    assert_eq!(meta(t, "agent_name"), "openhands");
    assert_eq!(meta(t, "agent_version"), "1.0.0");
    assert_eq!(meta(t, "agent_extra"), &json!({"agent_class": "CodeActAgent"}));
    assert_eq!(meta(t, "schema_version"), "ATIF-v1.5");
    assert_eq!(meta(t, "input_tokens"), 220);
    assert_eq!(meta(t, "output_tokens"), 80);
    assert_close(meta_f64(t, "cost_usd"), 0.00135);
    assert!(!t.metadata.contains_key("cached_tokens"), "not in the file");
    assert_eq!(t.outcome, Outcome::Unknown, "ATIF records no outcome");
    assert!(TrajectoryMetrics::of(t).finished);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn harbor_rfc_example_v1_4() {
    let trajectories = read_fixture("harbor_rfc_example_atif_v1_4.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::Atif);
    assert_eq!(roles(t), [0, 1, 2, 2]);
    assert_eq!(calls(t), names(&[("financial_search", 2)]));
    assert_eq!((unlinked_results(t), unanswered_calls(t)), (0, 0));
    check_links(t);
    // Two calls of one step, each answered by its own result.
    assert_eq!(t.messages[2].tool_call_id.as_deref(), Some("call_price_1"));
    assert!(t.messages[3].content.starts_with("GOOGL volume"));
    assert_eq!(t.turns[0].result_idxs, [2, 3]);
    let reasoning: Vec<_> = t.messages.iter().filter_map(|m| m.reasoning.as_deref()).collect();
    assert_eq!(reasoning.len(), 2);
    assert!(reasoning[0].starts_with("The request requires two data points"));
    assert_eq!(
        t.messages[1].tool_calls[0].arguments(),
        &json!({"ticker": "GOOGL", "metric": "price"})
    );
    assert!(!t.messages[1].tool_calls[0].inferred);
    assert_eq!(t.ids.model.as_deref(), Some("gemini-2.5-flash"));
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("025B810F-B3A2-4C67-93C0-FE7A142A947A"));
    assert_eq!(meta(t, "input_tokens"), 1120);
    assert_eq!(meta(t, "output_tokens"), 124);
    assert_eq!(meta(t, "cached_tokens"), 200);
    assert_close(meta_f64(t, "cost_usd"), 0.00078);
    assert_eq!(meta(t, "n_steps"), 3);
    assert_eq!(meta(t, "started_at"), "2025-10-11T10:30:00Z");
    assert_eq!(meta(t, "ended_at"), "2025-10-11T10:30:05Z");
    assert!(meta(t, "notes").as_str().is_some_and(|n| n.starts_with("Initial test trajectory")));
    assert!(!t.metadata.contains_key("models"), "step models are the agent's");
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
}

#[test]
fn nemo_v1_7_subagents_are_split_into_trajectories() {
    let trajectories = read_fixture("nemo_trace_intel_atif_v1_7.jsonl");
    assert_eq!(trajectories.len(), 3, "the parent and its two embedded subagents");
    let ids: Vec<_> = trajectories.iter().map(|t| t.ids.trajectory_id.as_deref()).collect();
    assert_eq!(ids, [Some("trace-1"), Some("research"), Some("container")]);
    for t in &trajectories {
        assert_eq!(t.format, Format::Atif);
        assert!(codes(t, Severity::Info).contains(&"document_split"));
        check_links(t);
    }

    let parent = &trajectories[0];
    // system, user, agent (3 calls), 2 results by id, 1 result without id (an observation, as
    // the spec reads it, since its siblings have ids), agent "Done.".
    assert_eq!(roles(parent), [1, 2, 2, 2]);
    assert_eq!(calls(parent), names(&[("delegate", 1), ("save", 1), ("search", 1)]));
    assert_eq!(unlinked_results(parent), 0);
    assert_eq!(unanswered_calls(parent), 1, "the `missing` call has no result");
    assert_eq!(parent.messages[3].content, "", "content null");
    assert_eq!(parent.messages[4].content, "Delegated.\n[subagent trajectory research]");
    assert_eq!(parent.messages[5].role, Role::User);
    assert_eq!(parent.messages[5].content, "Background checkpoint.");
    assert_eq!(parent.messages[2].reasoning.as_deref(), Some("Use lookup and delegate research."));
    assert_eq!(parent.ids.model.as_deref(), Some("test-model"));
    assert_eq!(meta(parent, "session_id"), "run-1");
    assert_eq!(meta(parent, "subagent_trajectory_ids"), &json!(["research", "container"]));
    assert_eq!(meta(parent, "subagent_trajectory_refs")[0]["trajectory_id"], "research");
    assert_eq!(meta(parent, "input_tokens"), 120);
    assert_eq!(meta(parent, "cached_tokens"), 20);
    assert_eq!(meta(parent, "output_tokens"), 15);
    assert_close(meta_f64(parent, "cost_usd"), 0.02);
    assert_eq!(meta(parent, "n_llm_calls"), 0);
    assert_eq!(meta(parent, "extra"), &json!({"dataset": "synthetic-research"}));
    assert!(codes(parent, Severity::Warning).is_empty(), "{:?}", parent.diagnostics);

    let research = &trajectories[1];
    assert_eq!(roles(research), [0, 1, 1, 1]);
    assert_eq!(calls(research), names(&[("lookup", 1)]));
    assert_eq!((unlinked_results(research), unanswered_calls(research)), (0, 0));
    assert_eq!(meta(research, "parent_trajectory_id"), "trace-1");
    assert_eq!(meta(research, "agent_name"), "researcher");

    let container = &trajectories[2];
    assert!(container.messages.is_empty());
    assert_eq!(codes(container, Severity::Error), ["no_messages"]);
    assert_eq!(meta(container, "parent_trajectory_id"), "trace-1");
}

// ---------------------------------------------------------------------------------------------
// ATIF: shapes of the spec and its writers
// ---------------------------------------------------------------------------------------------

#[test]
fn results_link_by_id_on_later_steps_and_user_steps() {
    let row = atif(json!([
        {"step_id": 1, "source": "user", "message": "go"},
        {"step_id": 2, "source": "agent", "message": "",
         "tool_calls": [{"tool_call_id": "a", "function_name": "run", "arguments": {"cmd": "ls"}}]},
        {"step_id": 3, "source": "agent", "message": "",
         "tool_calls": [{"tool_call_id": "b", "function_name": "read", "arguments": {}}],
         "observation": {"results": [
             {"source_call_id": "b", "content": "file"},
             {"source_call_id": "a", "content": "listing"}]}},
        {"step_id": 4, "source": "system", "message": "async done",
         "observation": {"results": [{"source_call_id": "a", "content": "again"}]}},
        {"step_id": 5, "source": "user", "message": "late",
         "observation": {"results": [{"source_call_id": "zzz", "content": "orphan"}]}},
    ]));
    let t = normalize(row, SourceRef::default());
    check_links(&t);
    let by_content = |text: &str| t.messages.iter().position(|m| m.content == text).expect(text);
    let listing = by_content("listing");
    assert_eq!(t.messages[listing].result_of.map(|r| r.message_idx), Some(1), "a later step");
    assert_eq!(t.messages[by_content("file")].result_of.map(|r| r.message_idx), Some(2));
    // A second result for `a`, on a system step: linked to `a`, `a` keeps its first result.
    let again = by_content("again");
    assert_eq!(t.messages[again].role, Role::Tool);
    assert_eq!(t.messages[again].result_of.map(|r| r.message_idx), Some(1));
    assert_eq!(t.messages[1].tool_calls[0].result_idx, Some(listing));
    // An id no call has: an observation, not linked, with a warning.
    let orphan = by_content("orphan");
    assert_eq!((t.messages[orphan].role, t.messages[orphan].result_of), (Role::User, None));
    let warning =
        t.diagnostics.iter().find(|d| d.code == "unknown_source_call_id").expect("warned");
    assert_eq!(warning.location, "/steps/4/observation/results/0/source_call_id");
    assert_eq!(unlinked_results(&t), 0);
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("s-1"));
    assert_eq!(t.ids.model.as_deref(), Some("openai/gpt-4o"));
}

#[test]
fn results_without_ids_answer_their_steps_calls_in_order() {
    // As Harbor's terminus-2 writes them: one result per call, no `source_call_id`.
    let row = atif(json!([
        {"step_id": 1, "source": "user", "message": "task"},
        {"step_id": 2, "source": "agent", "message": "Plan: two commands",
         "tool_calls": [
             {"tool_call_id": "call_0_1", "function_name": "bash_command", "arguments": {"keystrokes": "ls\n"}},
             {"tool_call_id": "call_0_2", "function_name": "bash_command", "arguments": {"keystrokes": "pwd\n"}}],
         "observation": {"results": [{"content": "out 1"}, {"content": "out 2"}, {"content": "extra"}]},
         "metrics": {"prompt_tokens": 10, "completion_tokens": 3, "cached_tokens": 1, "cost_usd": 0.5}},
        {"step_id": 3, "source": "agent", "message": "done",
         "metrics": {"prompt_tokens": 5, "completion_tokens": 2, "cost_usd": 0.25}},
    ]));
    let t = normalize(row, SourceRef::default());
    check_links(&t);
    assert_eq!(roles(&t), [0, 2, 2, 2], "the third result has no call left: an observation");
    assert_eq!(t.messages[2].result_of.map(|r| r.call_idx), Some(0));
    assert_eq!(t.messages[3].result_of.map(|r| r.call_idx), Some(1));
    assert_eq!((unlinked_results(&t), unanswered_calls(&t)), (0, 0));
    assert!(codes(&t, Severity::Info).contains(&"results_linked_by_order"));
    // No final_metrics: the steps' metrics are summed, and that is said.
    assert_eq!(meta(&t, "input_tokens"), 15);
    assert_eq!(meta(&t, "output_tokens"), 5);
    assert_eq!(meta(&t, "cached_tokens"), 1);
    assert_close(meta_f64(&t, "cost_usd"), 0.75);
    assert!(codes(&t, Severity::Info).contains(&"metrics_summed"));
}

#[test]
fn content_parts_think_blocks_and_writers_outside_harbor() {
    let row = json!({
        "schema_version": "1.4",
        "session_id": "x",
        "agent": {"name": "claude-code", "version": "2.0.58", "model": "claude-sonnet-4", "provider": "anthropic"},
        "steps": [
            {"step_id": 1, "source": "user", "message": [
                {"type": "text", "text": "look at "},
                {"type": "image", "source": {"media_type": "image/png", "path": "a.png"}}]},
            {"step_id": 2, "source": "agent", "model_name": "claude-haiku",
             "message": "<think>hmm</think>Answer", "reasoning_content": "given",
             "is_copied_context": true, "llm_call_count": 2, "latency_ms": 12,
             "tool_calls": [{"id": "c1", "type": "function",
                             "function": {"name": "Read", "arguments": "{\"path\": \"a\"}"}}],
             "observation": {"results": [{"source_call_id": "c1", "content": [{"type": "text", "text": "A"}]}]}},
        ],
    });
    let t = normalize(row, SourceRef::default());
    assert_eq!(t.format, Format::Atif);
    check_links(&t);
    assert_eq!(t.messages[0].content, "look at [image]");
    assert!(codes(&t, Severity::Warning).contains(&"non_text_part"));
    assert_eq!(t.messages[1].content, "Answer");
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("given\n\nhmm"));
    assert_eq!(calls(&t), names(&[("Read", 1)]), "an OpenAI-shaped call is read too");
    assert_eq!(t.messages[2].content, "A");
    assert_eq!(t.messages[2].result_of.map(|r| r.message_idx), Some(1));
    assert_eq!(t.ids.model.as_deref(), Some("claude-sonnet-4"), "`agent.model`");
    assert_eq!(meta(&t, "agent"), &json!({"provider": "anthropic"}));
    assert_eq!(meta(&t, "models"), &json!(["claude-haiku"]));
    assert_eq!(meta(&t, "n_copied_context_steps"), 1);
    assert_eq!(meta(&t, "n_llm_calls"), 2);
    let unread = t.diagnostics.iter().find(|d| d.code == "unread_fields").expect("noted");
    assert!(unread.message.contains("latency_ms"));
    assert!(t.diagnostics.iter().all(|d| d.code != "atif_version"), "1.4 is a v1 version");
}

#[test]
fn versions_outside_v1_are_noted() {
    for (version, noted) in [
        (json!("ATIF-v1.0"), false),
        (json!("ATIF-v1.7"), false),
        (json!("ATIF-v1.30"), true),
        (json!("ATIF-v2.0"), true),
        (json!(3), true),
    ] {
        let mut row = atif(json!([{"step_id": 1, "source": "user", "message": "hi"}]));
        row["schema_version"] = version.clone();
        let t = normalize(row, SourceRef::default());
        assert_eq!(t.format, Format::Atif, "{version}");
        let found = t.diagnostics.iter().any(|d| d.code == "atif_version");
        assert_eq!(found, noted, "{version}: {:?}", t.diagnostics);
    }
    // No version at all: still ATIF by its steps' shape.
    let row = json!({"steps": [{"step_id": 1, "source": "agent", "message": "hi"}]});
    let t = normalize(row, SourceRef::default());
    assert_eq!(t.format, Format::Atif);
    assert!(codes(&t, Severity::Info).contains(&"atif_version"));
    assert!(codes(&t, Severity::Warning).contains(&"no_agent"));
}

#[test]
fn embedded_subagents_read_without_the_splitter_are_noted() {
    let mut row = atif(json!([{"step_id": 1, "source": "user", "message": "hi"}]));
    row["subagent_trajectories"] = json!([atif(json!([]))]);
    row["subagent_trajectories"][0]["trajectory_id"] = json!("child");
    let t = normalize(row, SourceRef::default());
    assert!(codes(&t, Severity::Info).contains(&"embedded_subagents"));
    assert_eq!(meta(&t, "subagent_trajectory_ids"), &json!(["child"]));
}

#[test]
fn not_atif_is_not_taken() {
    // `steps` that are not ATIF steps, and no ATIF version: some other format's.
    let row = json!({"steps": [{"action": "x"}], "messages": [{"role": "user", "content": "hi"}]});
    let t = normalize(row, SourceRef::default());
    assert_ne!(t.format, Format::Atif);
    let row = json!({"steps": [{"thought": "x"}]});
    let t = normalize(row, SourceRef::default());
    let unknown = t.diagnostics.iter().find(|d| d.code == "unknown_format").expect("unknown");
    assert!(unknown.message.contains("atif: no ATIF `schema_version`"), "{}", unknown.message);
}

#[test]
fn junk_in_atif_fields_gives_diagnostics_not_panics() {
    let junk = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1.5e300),
        json!("text"),
        json!("[not json"),
        json!([]),
        json!([null, 1, "a", {}]),
        json!({}),
        json!({"results": 7}),
        json!([{"source_call_id": {}, "content": {"a": 1}, "subagent_trajectory_ref": "x"}]),
    ];
    let step_keys = [
        "source",
        "message",
        "reasoning_content",
        "tool_calls",
        "observation",
        "metrics",
        "model_name",
        "timestamp",
        "step_id",
        "llm_call_count",
    ];
    for value in &junk {
        for key in step_keys {
            let mut step = json!({"step_id": 1, "source": "agent", "message": "m",
                "tool_calls": [{"tool_call_id": "a", "function_name": "f", "arguments": {}}]});
            step[key] = value.clone();
            let t = normalize(atif(json!([step])), SourceRef::default());
            assert_eq!(t.format, Format::Atif, "{key} = {value}");
            check_links(&t);
        }
        for key in ["agent", "final_metrics", "session_id", "subagent_trajectories", "notes"] {
            let mut row = atif(json!([{"step_id": 1, "source": "user", "message": "m"}]));
            row[key] = value.clone();
            let _ = normalize(row.clone(), SourceRef::default());
            let _ = read_bytes(row.to_string().as_bytes(), "junk.json");
        }
        let mut call = json!({"tool_call_id": "a", "function_name": "f", "arguments": {}});
        for key in ["tool_call_id", "function_name", "arguments"] {
            call[key] = value.clone();
            let step = json!({"source": "agent", "message": "", "tool_calls": [call.clone()]});
            let _ = normalize(atif(json!([step])), SourceRef::default());
        }
        let _ = normalize(atif(json!([value.clone()])), SourceRef::default());
    }
    // Named failures.
    let t = normalize(atif(json!([7, {"source": "robot", "message": "x"}])), SourceRef::default());
    assert!(codes(&t, Severity::Error).contains(&"bad_step"));
    assert!(codes(&t, Severity::Warning).contains(&"unknown_role"));
    let t = normalize(
        atif(json!([{"source": "agent", "message": "",
                      "tool_calls": [{"function_name": 5}, {"tool_call_id": "x"}, 3],
                      "observation": "done", "metrics": "many"}])),
        SourceRef::default(),
    );
    let warnings = codes(&t, Severity::Warning);
    for code in ["bad_tool_call", "bad_observation", "bad_metrics"] {
        assert!(warnings.contains(&code), "{code}: {warnings:?}");
    }
    let t = normalize(atif(json!([])), SourceRef::default());
    assert_eq!(codes(&t, Severity::Error), ["no_messages"]);
}

// ---------------------------------------------------------------------------------------------
// tau-bench and tau2-bench: real samples
// ---------------------------------------------------------------------------------------------

#[test]
fn tau_bench_results_file_is_one_row_per_record() {
    let trajectories = read_fixture("tau_bench_gpt4o_airline_first2.json");
    assert_eq!(trajectories.len(), 2, "a results file is an array of records, not one trajectory");
    for t in &trajectories {
        assert_eq!(t.format, Format::TauBench);
        assert_eq!(t.outcome, Outcome::Failed, "reward 0");
        assert_eq!(meta(t, "reward"), 0.0);
        assert_eq!(meta(t, "trial"), 0);
        assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
        check_links(t);
    }
    let first = &trajectories[0];
    assert_eq!(first.ids.instance_id.as_deref(), Some("0"));
    assert_eq!(roles(first), [1, 8, 15, 8]);
    assert_eq!(
        calls(first),
        names(&[
            ("book_reservation", 2),
            ("calculate", 2),
            ("get_user_details", 1),
            ("search_direct_flight", 1),
            ("search_onestop_flight", 1),
            ("think", 1),
        ])
    );
    // Call ids repeat across steps (the model reuses them): each result still answers its own.
    assert_eq!((unlinked_results(first), unanswered_calls(first)), (0, 0));
    assert_close(meta_f64(first, "user_cost_usd"), 0.0035475000000000003);
    assert_eq!(meta(first, "task")["user_id"], "mia_li_3668");
    assert_eq!(meta(first, "reward_info")["info"]["r_actions"], 0.0);
    assert_eq!(first.exit_status, None);

    let second = &trajectories[1];
    assert_eq!(second.ids.instance_id.as_deref(), Some("1"));
    assert_eq!(roles(second), [1, 6, 5, 0]);
    assert!(calls(second).is_empty());
}

#[test]
fn tau_bench_error_record() {
    let trajectories = read_fixture("tau_bench_error_record.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::TauBench);
    assert!(t.messages.is_empty());
    assert_eq!(codes(t, Severity::Error), ["no_messages"]);
    assert!(t.diagnostics[0].message.contains("EOF when reading a line"));
    assert_eq!(t.exit_status.as_deref(), Some("error"));
    assert_eq!(t.outcome, Outcome::Failed);
    assert!(meta(t, "traceback").as_str().is_some_and(|tb| tb.contains("EOFError")));
}

#[test]
fn tau2_results_document_is_split_into_simulations() {
    let trajectories = read_fixture("tau2_bench_airline_grok3_first_simulation.json");
    assert_eq!(trajectories.len(), 1);
    let t = &trajectories[0];
    assert_eq!(t.format, Format::TauBench);
    assert_eq!(codes(t, Severity::Info), ["document_split"]);
    assert_eq!(t.diagnostics.len(), 1, "{:?}", t.diagnostics);
    assert_eq!(roles(t), [0, 6, 13, 7]);
    assert_eq!(
        calls(t),
        names(&[
            ("cancel_reservation", 1),
            ("get_reservation_details", 5),
            ("get_user_details", 1)
        ])
    );
    assert_eq!((unlinked_results(t), unanswered_calls(t)), (0, 0), "tool results link by `id`");
    check_links(t);
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("32878876-f260-4bba-a50a-c69b4fba051c"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("1"));
    assert_eq!(t.ids.model.as_deref(), Some("xai/grok-3"));
    assert_eq!(t.exit_status.as_deref(), Some("user_stop"));
    assert_eq!(t.outcome, Outcome::Failed);
    assert_eq!(meta(t, "reward"), 0.0);
    assert_close(meta_f64(t, "cost_usd"), 0.21586200000000003);
    assert_close(meta_f64(t, "user_cost_usd"), 0.017973000000000003);
    assert_eq!(meta(t, "input_tokens"), 67399);
    assert_eq!(meta(t, "output_tokens"), 911);
    assert_eq!(meta(t, "user_model"), "xai/grok-3");
    assert_eq!(meta(t, "domain"), "airline");
    assert_eq!(meta(t, "task")["id"], "1");
    assert_eq!(meta(t, "trial"), 11);
    assert_eq!(meta(t, "reward_info")["reward_breakdown"]["COMMUNICATE"], 1.0);
}

// ---------------------------------------------------------------------------------------------
// tau-bench and tau2-bench: shapes of the harnesses' sources
// ---------------------------------------------------------------------------------------------

fn record(reward: Value, traj: Value) -> Value {
    json!({"task_id": 7, "reward": reward, "info": {"task": {"user_id": "u"}}, "traj": traj, "trial": 2})
}

#[test]
fn tau_bench_reward_is_the_outcome() {
    let traj =
        json!([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]);
    for (reward, outcome) in [
        (json!(1.0), Outcome::Resolved),
        (json!(1), Outcome::Resolved),
        (json!(0.9999999), Outcome::Resolved),
        (json!(0.0), Outcome::Failed),
        (json!(0.5), Outcome::Failed),
        (json!(null), Outcome::Unknown),
    ] {
        let t = normalize(record(reward.clone(), traj.clone()), SourceRef::default());
        assert_eq!((t.format, t.outcome), (Format::TauBench, outcome), "reward {reward}");
        assert_eq!(t.ids.instance_id.as_deref(), Some("7"));
    }
    let t = normalize(record(json!("high"), traj), SourceRef::default());
    assert_eq!(t.outcome, Outcome::Unknown);
    assert!(codes(&t, Severity::Warning).contains(&"bad_outcome"));
}

#[test]
fn tau_bench_react_agent_text_actions_become_calls() {
    // As `tau_bench/agents/chat_react_agent.py` writes its messages.
    let traj = json!([
        {"role": "system", "content": "policy"},
        {"role": "user", "content": "I want to return an item."},
        {"role": "assistant", "content": "Thought:\nI need the user id.\nAction:\n{\"name\": \"respond\", \"arguments\": {\"content\": \"What is your user id?\"}}"},
        {"role": "user", "content": "u_1"},
        {"role": "assistant", "content": "Thought:\nLook the user up.\nAction:\n{\"name\": \"get_user_details\", \"arguments\": {\"user_id\": \"u_1\"}}"},
        {"role": "user", "content": "API output: {\"name\": \"U\"}"},
    ]);
    let t = normalize(record(json!(1.0), traj), SourceRef::default());
    check_links(&t);
    assert_eq!(roles(&t), [1, 2, 2, 1]);
    assert_eq!(calls(&t), names(&[("get_user_details", 1)]));
    assert!(t.messages[4].tool_calls[0].inferred);
    assert_eq!(t.messages[4].tool_calls[0].arguments(), &json!({"user_id": "u_1"}));
    assert_eq!(t.messages[5].result_of.map(|r| r.message_idx), Some(4));
    assert_eq!(t.messages[2].content, "What is your user id?");
    assert_eq!(t.messages[2].reasoning.as_deref(), Some("I need the user id."));
    assert!(codes(&t, Severity::Info).contains(&"react_actions"));
    assert_eq!(t.outcome, Outcome::Resolved);
}

#[test]
fn tau2_simulation_shapes() {
    // A telecom-style run: the user simulator calls tools too, and a MultiToolMessage.
    let simulation = json!({
        "id": "sim-1", "task_id": "t9", "termination_reason": "agent_stop",
        "agent_cost": 0.5, "user_cost": 0.1, "trial": 0,
        "reward_info": {"reward": 1.0, "reward_basis": ["DB"]},
        "messages": [
            {"role": "assistant", "content": "Hi!", "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
            {"role": "user", "content": "check my phone",
             "tool_calls": [{"id": "u1", "name": "check_status_bar", "arguments": {}, "requestor": "user"}]},
            {"id": "u1", "role": "tool", "content": "4G", "requestor": "user", "error": false},
            {"role": "assistant", "content": null, "usage": {"prompt_tokens": 20, "completion_tokens": 3},
             "tool_calls": [
                 {"id": "a1", "name": "get_line", "arguments": {"n": 1}, "requestor": "assistant"},
                 {"id": "a2", "name": "get_plan", "arguments": {}, "requestor": "assistant"}]},
            {"role": "tool", "tool_messages": [
                {"id": "a2", "role": "tool", "content": "plan", "requestor": "assistant"},
                {"id": "a1", "role": "tool", "content": "line", "requestor": "assistant"},
                "junk"]},
            {"role": "assistant", "content": "AAAA", "is_audio": true},
        ],
    });
    let t = normalize(simulation, SourceRef::default());
    assert_eq!(t.format, Format::TauBench);
    check_links(&t);
    assert_eq!(roles(&t), [0, 1, 3, 3]);
    assert_eq!(calls(&t), names(&[("check_status_bar", 1), ("get_line", 1), ("get_plan", 1)]));
    assert_eq!((unlinked_results(&t), unanswered_calls(&t)), (0, 0));
    assert_eq!(t.messages[2].result_of.map(|r| r.message_idx), Some(1), "the user's own call");
    assert_eq!(t.messages[4].content, "plan");
    assert_eq!(t.messages[4].result_of.map(|r| r.call_idx), Some(1), "by id, not by order");
    assert_eq!(t.messages[6].content, "[audio]");
    assert!(codes(&t, Severity::Warning).contains(&"audio_content"));
    assert!(codes(&t, Severity::Error).contains(&"bad_message"));
    assert_eq!(t.outcome, Outcome::Resolved);
    assert_eq!(t.exit_status.as_deref(), Some("agent_stop"));
    assert_eq!(meta(&t, "input_tokens"), 30);
    assert_eq!(meta(&t, "output_tokens"), 5);
    assert_close(meta_f64(&t, "cost_usd"), 0.5);
    assert_eq!(t.ids.trajectory_id.as_deref(), Some("sim-1"));
}

#[test]
fn tau2_results_documents_split_or_fall_through() {
    let doc = json!({
        "timestamp": "2025-01-01",
        "info": {"agent_info": {"llm": "gpt-4.1", "implementation": "llm_agent"},
                 "user_info": {"llm": "gpt-4.1-mini"},
                 "environment_info": {"domain_name": "retail", "tool_defs": [
                     {"type": "function", "function": {"name": "find_user"}}]}},
        "tasks": [{"id": "0", "description": {}}, {"id": 1}],
        "simulations": [
            {"id": "a", "task_id": "0", "reward_info": {"reward": 1.0},
             "messages": [{"role": "user", "content": "hi"}]},
            {"id": "b", "task_id": 1, "reward_info": {"reward": 0.0},
             "messages": [{"role": "user", "content": "hi"}]},
            "junk",
        ],
    });
    let trajectories = read_bytes(doc.to_string().as_bytes(), "results.json");
    assert_eq!(trajectories.len(), 3);
    assert_eq!(trajectories[0].ids.model.as_deref(), Some("gpt-4.1"));
    assert_eq!(trajectories[0].tools.len(), 1);
    assert_eq!(meta(&trajectories[0], "task")["id"], "0");
    assert_eq!(meta(&trajectories[1], "task")["id"], 1);
    assert_eq!(meta(&trajectories[1], "domain"), "retail");
    assert_eq!(trajectories[0].outcome, Outcome::Resolved);
    assert_eq!(trajectories[1].outcome, Outcome::Failed);
    assert_eq!(codes(&trajectories[2], Severity::Error), ["not_a_row"]);
    // No simulation: not split; read as one row that no format takes.
    let empty = json!({"info": {}, "tasks": [], "simulations": []});
    let trajectories = read_bytes(empty.to_string().as_bytes(), "empty.json");
    assert_eq!(trajectories.len(), 1);
    assert!(codes(&trajectories[0], Severity::Error).contains(&"unknown_format"));
}

#[test]
fn tau_bench_records_as_jsonl_and_as_an_array() {
    let one = record(json!(1.0), json!([{"role": "user", "content": "hi"}]));
    let array = json!([one.clone(), one.clone(), one.clone()]).to_string();
    assert_eq!(read_bytes(array.as_bytes(), "r.json").len(), 3);
    let lines = format!("{one}\n{one}\n");
    let trajectories = read_bytes(lines.as_bytes(), "r.jsonl");
    assert_eq!(trajectories.len(), 2);
    assert!(trajectories.iter().all(|t| t.format == Format::TauBench));
}

#[test]
fn junk_in_tau_fields_gives_diagnostics_not_panics() {
    let junk = [
        json!(null),
        json!(false),
        json!(3),
        json!("x"),
        json!("API output: x"),
        json!([]),
        json!([1, null, "a", [], {}]),
        json!({}),
        json!({"tool_messages": 4}),
    ];
    for value in &junk {
        for key in ["info", "reward", "task_id", "trial"] {
            let mut row = record(json!(0.0), json!([{"role": "user", "content": "hi"}]));
            row[key] = value.clone();
            let _ = normalize(row, SourceRef::default());
        }
        let _ = normalize(record(json!(1.0), json!([value.clone()])), SourceRef::default());
        let row = json!({"task_id": "1", "reward_info": value.clone(), "messages": [value.clone()],
                         "agent_cost": value.clone(), "termination_reason": value.clone()});
        let _ = normalize(row, SourceRef::default());
        let doc = json!({"info": value.clone(), "tasks": value.clone(),
                         "simulations": [{"task_id": value.clone(), "messages": value.clone()}]});
        let _ = read_bytes(doc.to_string().as_bytes(), "doc.json");
        let assistant = json!({"role": "assistant", "content": format!("Action:\n{value}")});
        let _ = normalize(record(json!(0.0), json!([assistant])), SourceRef::default());
    }
}
