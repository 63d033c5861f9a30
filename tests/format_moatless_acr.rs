//! Moatless Tools and AutoCodeRover logs: the real files in `tests/fixtures/real/moatless_acr`
//! (see its SOURCES.md) read as the app reads a file, and small rows written here for the
//! shapes no public file was found in (flat node lists, several branches, ACR's
//! function-calling threads) and for hostile input.

#![cfg(not(target_arch = "wasm32"))]

use serde_json::{json, Value};
use trajex::domain::document::gather_document;
use trajex::domain::normalize::{normalize, normalize_decoded};
use trajex::domain::trajectory::{Format, Origin, Role, SourceRef, Trajectory};
use trajex::domain::TrajectoryMetrics;

/// Every trajectory of a fixture file, read as the app does.
fn read(name: &str) -> Vec<Trajectory> {
    let path = format!("{}/tests/fixtures/real/moatless_acr/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    gather_document(&bytes)
        .into_iter()
        .enumerate()
        .map(|(idx, (_, row))| {
            let row = row.unwrap_or_else(|err| panic!("{name}: {err}"));
            normalize_decoded(row, Origin::File { path: name.to_owned() }, idx as u64)
        })
        .collect()
}

/// The one trajectory of a fixture file, with its format checked, no diagnostics, and every
/// linked result pointing back at a call that points at it.
fn one(name: &str, format: Format) -> (Trajectory, TrajectoryMetrics) {
    let mut all = read(name);
    assert_eq!(all.len(), 1, "{name}: trajectories");
    let trajectory = all.remove(0);
    assert_eq!(trajectory.format, format, "{name}: format");
    assert!(trajectory.diagnostics.is_empty(), "{name}: {:?}", trajectory.diagnostics);
    check_links(&trajectory);
    let metrics = TrajectoryMetrics::of(&trajectory);
    (trajectory, metrics)
}

fn check_links(trajectory: &Trajectory) {
    for (idx, message) in trajectory.messages.iter().enumerate() {
        if let Some(call_ref) = message.result_of {
            let call = trajectory.call(call_ref).expect("linked call exists");
            assert_eq!(call.result_idx, Some(idx), "link of message {idx}");
            assert_eq!(message.tool_call_id, call.id, "result {idx} answers its id");
        }
    }
}

/// Messages per role: system, user, assistant, tool.
fn roles(metrics: &TrajectoryMetrics) -> [usize; 4] {
    metrics.n_messages_by_role
}

fn calls(metrics: &TrajectoryMetrics) -> Vec<(&str, usize)> {
    metrics.tool_calls_by_name.iter().map(|(name, n)| (name.as_str(), *n)).collect()
}

fn row(value: Value) -> Trajectory {
    let trajectory = normalize(value, SourceRef::default());
    check_links(&trajectory);
    trajectory
}

fn codes(trajectory: &Trajectory) -> Vec<&str> {
    trajectory.diagnostics.iter().map(|d| d.code).collect()
}

// ---------------------------------------------------------------- Moatless, real files

#[test]
fn moatless_agentic_loop_of_june_2024() {
    let (t, m) = one("moatless_agentic_loop_two_edits.json", Format::Moatless);
    assert_eq!(roles(&m), [0, 1, 5, 5]);
    assert_eq!(calls(&m), [("EditCode", 2), ("PlanToCode", 3)]);
    assert_eq!(m.n_unanswered_tool_calls, 0);
    assert_eq!(m.n_tool_results, 5);
    assert!(t.messages[0].content.starts_with("Incorrect caching of skipif/xfail"));
    // `thoughts` is the reasoning; the nested `action` object is the call's arguments.
    let first = &t.messages[1];
    assert!(first.reasoning.as_deref().unwrap().starts_with("To address the issue, I will remove"));
    assert_eq!(first.tool_calls[0].arguments()["span_id"], "cached_eval");
    assert!(first.tool_calls[0].arguments().get("thoughts").is_none());
    // An output object without message is shown as JSON; an edit's message as it is.
    assert!(t.messages[2].content.contains("\"start_line\": 21"));
    assert!(t.messages[4].content.starts_with("Applied change:"));
    let patch = t.final_patch.as_ref().expect("patch");
    assert_eq!((patch.field.as_str(), patch.inferred), ("info.submission", false));
    assert!(patch.text.starts_with("diff --git a/src/_pytest/mark/evaluate.py"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("pytest-dev__pytest-7373"));
    assert_eq!(t.ids.repo.as_deref(), Some("pytest-dev/pytest"));
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-2024-05-13"));
    assert_eq!(t.exit_status.as_deref(), Some("Finished"), "the last state");
    assert_eq!(t.metadata["cost_usd"], json!(0.16648000000000002), "info.total_cost");
    assert_eq!(t.metadata["models"], json!(["gpt-4o-2024-05-13", "claude-3-opus-20240229"]));
    assert_eq!(t.metadata["moatless_layout"], "transitions");
    assert!(t.metadata.get("input_tokens").is_none(), "the file has costs, no token counts");
}

#[test]
fn moatless_tools_transitions_of_august_2024() {
    let (t, m) = one("moatless_tools_transitions_django-9296.json", Format::Moatless);
    assert_eq!(roles(&m), [0, 1, 5, 5]);
    assert_eq!(
        calls(&m),
        [
            ("DecideRelevance", 1),
            ("EditCode", 1),
            ("IdentifyCode", 1),
            ("PlanToCode", 1),
            ("SearchCode", 1)
        ]
    );
    assert_eq!(m.n_unanswered_tool_calls, 0);
    // The transition id names the call.
    assert_eq!(t.messages[1].tool_calls[0].id.as_deref(), Some("t1-a0"));
    // `scratch_pad` is the reasoning; the request without it is the arguments.
    assert!(t.messages[1].reasoning.as_deref().unwrap().contains("Search strategy:"));
    let search = t.messages[1].tool_calls[0].arguments();
    assert_eq!(search["search_requests"][0]["query"], "Paginator class definition");
    assert!(search.get("scratch_pad").is_none());
    // A search's ranked spans are its result (as JSON); an empty output shows the trigger.
    assert!(t.messages[2].content.contains("Paginator.page_range"));
    assert_eq!(t.messages[4].content, "trigger: finish");
    // The edit's result has the message and the diff.
    let edit = &t.messages[10];
    assert!(edit.content.starts_with("Applied the change to django/core/paginator.py."));
    assert!(edit.content.contains("+    def __iter__(self):"));
    let patch = t.final_patch.as_ref().expect("patch");
    assert_eq!(patch.field, "info.submission");
    assert_eq!(t.ids.instance_id.as_deref(), Some("django__django-9296"));
    assert_eq!(t.exit_status.as_deref(), Some("finished"), "info.status");
    // Tokens summed over the two completions; the cost is the run's total.
    assert_eq!(t.metadata["input_tokens"], 999 + 1522);
    assert_eq!(t.metadata["output_tokens"], 152 + 26);
    assert_eq!(t.metadata["cost_usd"], json!(0.026480000000000004));
    assert_eq!(t.ids.model.as_deref(), Some("claude-3-5-sonnet-20240620"), "first model used");
    assert_eq!(t.metadata["models"], json!(["claude-3-5-sonnet-20240620", "azure/gpt-4o"]));
    // The completions' input messages are not read as messages (no call counted twice).
    assert_eq!(m.n_messages, 11);
}

#[test]
fn moatless_search_tree_with_nested_children() {
    let (t, m) = one("moatless_search_tree_nested_claude.json", Format::Moatless);
    assert_eq!(roles(&m), [1, 1, 4, 4]);
    assert_eq!(
        calls(&m),
        [("EditAction", 1), ("FindClass", 1), ("Finish", 1), ("RequestMoreContext", 1)]
    );
    assert_eq!(m.n_unanswered_tool_calls, 0);
    assert!(m.finished, "Moatless's `Finish` is a finishing call");
    assert!(t.messages[0].content.starts_with("You are an autonomous AI assistant"));
    assert!(t.messages[1].content.starts_with("FileBasedCache has_key is susceptible"));
    // The root's own action (this version ran one on the root) comes first.
    let find = &t.messages[2];
    assert_eq!(find.tool_calls[0].id.as_deref(), Some("node0-0"));
    assert_eq!(find.tool_calls[0].arguments()["class_name"], "FileBasedCache");
    assert!(find.reasoning.as_deref().unwrap().starts_with("I'll help analyze"));
    assert!(t.messages[3].content.starts_with("Found 1 classes."));
    assert_eq!(t.metadata["moatless_nodes"], 4);
    assert_eq!(t.metadata["moatless_path"], json!([0, 1, 2, 3]));
    assert_eq!(t.metadata["moatless_selected_node"], 3);
    assert_eq!(t.metadata["moatless_branches"], json!([]));
    assert!(t.metadata["moatless_selection"].as_str().unwrap().starts_with("the finished node"));
    let patch = t.final_patch.as_ref().expect("patch of the finished node");
    assert_eq!(
        (patch.field.as_str(), patch.inferred),
        ("nodes/3/file_context.files[].patch", false)
    );
    assert!(patch.text.starts_with("--- a/django/core/cache/backends/filebased.py"));
    assert_eq!(t.ids.model.as_deref(), Some("claude-3-5-sonnet-20241022"));
    // Usage of the four build_action completions.
    assert_eq!(t.metadata["input_tokens"], 511 + 720 + 196 + 4468);
    assert_eq!(t.metadata["output_tokens"], 101 + 147 + 424 + 284);
    assert_eq!(t.metadata["cached_tokens"], 2639 + 2639 + 3353);
    let cost = t.metadata["cost_usd"].as_f64().unwrap();
    assert!((cost - (0.003048 + 0.004365 + 0.006948 + 0.017664)).abs() < 1e-9);
    // The system prompt is not repeated in the metadata.
    assert!(t.metadata["agent"].get("system_prompt").is_none());
}

#[test]
fn moatless_search_tree_root_never_expanded() {
    let (t, m) = one("moatless_search_tree_root_only.json", Format::Moatless);
    assert_eq!(roles(&m), [1, 1, 0, 0]);
    assert_eq!(m.n_tool_calls, 0);
    assert_eq!(t.metadata["moatless_nodes"], 1);
    assert_eq!(t.metadata["moatless_path"], json!([0]));
    assert_eq!(t.metadata["reward"], 100);
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-mini-2024-07-18"), "the agent's model");
    assert!(t.final_patch.is_none());
}

// ---------------------------------------------------------------- Moatless, written rows

/// A node of the newer layout (`action_steps`), finished or not, with a reward.
fn node(id: i64, parent: Option<i64>, reward: Option<i64>, finish: bool) -> Value {
    let action = if finish {
        json!({"thoughts": "done", "finish_reason": "ok", "action_args_class": "moatless.actions.finish.FinishArgs"})
    } else {
        json!({"thoughts": format!("step {id}"), "query": "q", "action_args_class": "moatless.actions.semantic_search.SemanticSearchArgs"})
    };
    json!({
        "node_id": id,
        "parent_id": parent,
        "action_steps": [{"action": action, "observation": {"message": format!("out {id}"), "terminal": finish}}],
        "reward": reward.map(|value| json!({"value": value, "explanation": format!("why {id}")})),
        "file_context": {"files": [{"file_path": "a.py", "patch": format!("--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-x\n+{id}\n")}]},
    })
}

fn branching_nodes() -> Vec<Value> {
    vec![
        json!({"node_id": 0, "parent_id": null, "user_message": "task", "action_steps": []}),
        node(1, Some(0), Some(40), false),
        node(2, Some(1), Some(50), true),
        node(3, Some(0), Some(90), true),
        node(4, Some(3), None, false),
        node(5, Some(0), Some(95), false),
    ]
}

#[test]
fn moatless_flat_nodes_pick_the_best_finished_branch() {
    let t = row(json!({"nodes": branching_nodes(), "metadata": {"instance_id": "octo__demo-7"}}));
    assert_eq!(t.format, Format::Moatless);
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(t.metadata["moatless_path"], json!([0, 3]), "node 3 finished with reward 90");
    assert_eq!(t.metadata["moatless_selected_node"], 3);
    assert_eq!(t.metadata["reward"], 90);
    assert_eq!(t.metadata["reward_explanation"], "why 3");
    assert_eq!(
        t.metadata["moatless_branches"],
        json!([
            {"node_id": 2, "depth": 2, "reward": 50, "finished": true},
            {"node_id": 4, "depth": 2, "reward": null, "finished": false},
            {"node_id": 5, "depth": 1, "reward": 95, "finished": false},
        ])
    );
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(roles(&m), [0, 1, 1, 1]);
    assert_eq!(calls(&m), [("Finish", 1)]);
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("done"));
    assert_eq!(t.messages[2].content, "out 3");
    assert!(t.final_patch.as_ref().unwrap().text.ends_with("+3\n"));
    assert_eq!(t.ids.instance_id.as_deref(), Some("octo__demo-7"));
    assert_eq!(t.ids.repo.as_deref(), Some("octo/demo"));
}

#[test]
fn moatless_bare_node_list_and_no_finished_node() {
    let mut nodes = branching_nodes();
    // Nothing finished: the leaf with the highest reward (node 5, 95) wins.
    for node in &mut nodes {
        if let Some(steps) = node["action_steps"].as_array_mut() {
            for step in steps {
                step["observation"]["terminal"] = json!(false);
                step["action"]["action_args_class"] =
                    json!("moatless.actions.view_code.ViewCodeArgs");
            }
        }
    }
    let t = row(Value::Array(nodes));
    assert_eq!(t.format, Format::Moatless);
    assert_eq!(t.metadata["moatless_path"], json!([0, 5]));
    assert!(t.metadata["moatless_selection"].as_str().unwrap().starts_with("no node finished"));
    assert_eq!(calls(&TrajectoryMetrics::of(&t)), [("ViewCode", 1)]);
}

#[test]
fn moatless_action_name_from_the_completion() {
    // Some dumps keep only the thoughts of an action: the name is the tool the model called.
    let t = row(json!({"root": {
        "node_id": 0, "user_message": "task", "action_steps": [],
        "children": [{
            "node_id": 1,
            "action_steps": [{"action": {"thoughts": "look"}, "observation": {"message": "found"}}],
            "completions": {"build_action": {
                "model": "gpt-4o-mini",
                "response": {"choices": [{"message": {"tool_calls": [{"function": {"name": "FindFunction", "arguments": "{}"}}]}}],
                             "usage": {"prompt_tokens": 10, "completion_tokens": 2}},
            }},
            "children": [],
        }],
    }}));
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(calls(&m), [("FindFunction", 1)]);
    assert_eq!(m.n_unanswered_tool_calls, 0);
    // No `usage` of moatless's own: the provider response's is read.
    assert_eq!(t.metadata["input_tokens"], 10);
    assert_eq!(t.ids.model.as_deref(), Some("gpt-4o-mini"));
}

#[test]
fn moatless_steps_beside_the_node_level_action() {
    // moatless-tree-search's December 2024 dumps (tests/itegration_test_gpt-4o-mini.json): the
    // step's action keeps only its thoughts; the node repeats the full action and its output.
    let t = row(json!({"root": {
        "node_id": 0, "user_message": "task", "action_steps": [],
        "children": [{
            "node_id": 1,
            "action_steps": [{"action": {"thoughts": "locate has_key"},
                              "observation": {"message": "Found the code", "terminal": false},
                              "completion": null}],
            "action": {"thoughts": "locate has_key", "function_name": "has_key", "class_name": null,
                       "action_args_class": "moatless.actions.find_function.FindFunctionArgs"},
            "output": {"message": "Found the code", "terminal": false},
            "children": [],
        }],
    }}));
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(calls(&m), [("FindFunction", 1)]);
    assert_eq!(m.n_tool_results, 1, "the repeated output is not a second result");
    let call = &t.messages[1].tool_calls[0];
    assert_eq!(call.arguments()["function_name"], "has_key");
    assert_eq!(t.messages[1].reasoning.as_deref(), Some("locate has_key"));
}

#[test]
fn moatless_bare_root_node_object() {
    let t = row(node(0, None, Some(10), true));
    assert_eq!(t.format, Format::Moatless);
    assert_eq!(t.metadata["moatless_nodes"], 1);
    assert_eq!(calls(&TrajectoryMetrics::of(&t)), [("Finish", 1)]);
}

#[test]
fn moatless_unexecuted_step_has_no_result() {
    let t = row(json!({"root": {"node_id": 0, "action_steps": [
        {"action": {"name": "ViewCode", "files": []}},
    ]}}));
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(calls(&m), [("ViewCode", 1)]);
    assert_eq!(m.n_unanswered_tool_calls, 1);
}

#[test]
fn moatless_transitions_with_state_and_diff_only() {
    // The layout with a `state` object and no `info.submission`: the last diff is the patch.
    let t = row(json!({
        "name": "MoatlessTools",
        "initial_message": "fix it",
        "transitions": [
            {"id": 0, "name": "Pending"},
            {"id": 1, "name": "EditCode", "state": {"model": "m-1"}, "actions": [
                {"action": {"content": "<replace>"}, "output": {"message": "Applied", "diff": "--- a.py\n+++ a.py\n"},
                 "completion": {"model": "m-1", "usage": {"prompt_tokens": 5, "completion_tokens": 1}}},
            ]},
            {"id": 2, "name": "Rejected"},
        ],
        "info": {"instance_id": "octo__demo-1"},
    }));
    assert_eq!(t.format, Format::Moatless);
    assert_eq!(t.exit_status.as_deref(), Some("Rejected"));
    let patch = t.final_patch.as_ref().expect("diff as patch");
    assert!(patch.inferred);
    assert_eq!(patch.field, "/transitions/1/actions/0/output/diff");
    assert_eq!(t.ids.model.as_deref(), Some("m-1"));
    assert_eq!(t.messages[2].content, "Applied\n\n--- a.py\n+++ a.py\n");
}

#[test]
fn moatless_junk_gives_diagnostics_not_panics() {
    let t = row(json!({"initial_message": "x", "transitions": [
        {"name": "SearchCode", "actions": "nope"},
        {"name": "PlanToCode", "actions": [5, {"action": "text", "output": [1, 2]}]},
        7,
    ]}));
    assert_eq!(t.format, Format::Moatless);
    let found = codes(&t);
    assert!(found.contains(&"bad_transition"), "{found:?}");
    assert!(found.contains(&"bad_action"), "{found:?}");
    assert_eq!(TrajectoryMetrics::of(&t).n_tool_calls, 1);

    // A parent cycle, a missing parent, junk fields.
    let t = row(json!({"nodes": [
        {"node_id": 0, "parent_id": 1, "action_steps": "x", "reward": {"value": "high"}},
        {"node_id": 1, "parent_id": 0, "action_steps": [7, null], "file_context": 3},
        {"node_id": 2, "parent_id": 99, "children": 5, "completions": {"build_action": 1}},
    ]}));
    assert_eq!(t.format, Format::Moatless);
    assert!(codes(&t).contains(&"bad_node"));

    for junk in [
        json!({"root": {"node_id": 0, "children": [1, "x", null, {"node_id": "a"}]}}),
        json!({"root": {"node_id": 0, "action": 3, "observation": [], "thoughts": 4, "user_message": 5}}),
        json!([{"node_id": 0, "parent_id": 0, "action_steps": []}]),
        json!({"transitions": [], "initial_message": 3}),
    ] {
        let t = row(junk.clone());
        assert_eq!(t.format, Format::Moatless, "{junk}");
    }
}

#[test]
fn moatless_long_chain_in_list_form() {
    // A flat list has no nesting: a long chain reads without deep recursion.
    let nodes: Vec<Value> =
        (0..3000).map(|id| node(id, (id > 0).then(|| id - 1), Some(id % 7), id == 2999)).collect();
    let t = row(json!({"nodes": nodes}));
    assert_eq!(t.metadata["moatless_path"].as_array().unwrap().len(), 3000);
    assert_eq!(TrajectoryMetrics::of(&t).n_tool_calls, 3000, "one step per node");
}

// ---------------------------------------------------------------- AutoCodeRover, real files

#[test]
fn acr_write_patch_thread() {
    let (t, m) = one("acr_debug_agent_write_patch_astropy-12907.json", Format::AutoCodeRover);
    assert_eq!(roles(&m), [1, 9, 6, 5]);
    assert_eq!(
        calls(&m),
        [("search_class", 3), ("search_method", 1), ("search_method_in_file", 1)]
    );
    assert_eq!(m.n_unanswered_tool_calls, 0);
    assert_eq!(m.n_inferred_tool_calls, 5, "read from text");
    assert_eq!(t.metadata["acr_log"], "write_patch");
    // The first answer names four calls; their results follow it as tool messages.
    let answer = &t.messages[3];
    assert_eq!(answer.role, Role::Assistant);
    let names: Vec<&str> = answer.tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["search_method", "search_class", "search_class", "search_class"]);
    assert_eq!(answer.tool_calls[0].raw_arguments, "search_method(\"separability_matrix\")");
    assert_eq!(answer.tool_calls[0].arguments()["method_name"], "separability_matrix");
    assert_eq!(answer.tool_calls[2].arguments()["class_name"], "Pix2Sky_TAN");
    assert!(t.messages[4].content.starts_with("Found 1 methods with name separability_matrix"));
    assert_eq!(t.messages[6].content, "Could not find class Pix2Sky_TAN in the codebase.");
    assert_eq!(t.messages[6].role, Role::Tool);
    let by_file = &t
        .messages
        .iter()
        .flat_map(|m| &m.tool_calls)
        .find(|c| c.name == "search_method_in_file")
        .unwrap();
    assert_eq!(by_file.arguments()["file_name"], "astropy/modeling/separable.py");
    assert!(t.final_patch.is_none(), "ACR's modification blocks are not a diff");
}

#[test]
fn acr_conversation_rounds() {
    let (t, m) = one("acr_conversation_round_3_django-10914.json", Format::AutoCodeRover);
    assert_eq!(roles(&m), [1, 7, 5, 14]);
    // The same calls as the task's `tool_call_layers.json` rounds 1 and 2.
    assert_eq!(
        calls(&m),
        [
            ("search_class", 4),
            ("search_code", 2),
            ("search_code_in_file", 6),
            ("search_method_in_class", 2)
        ]
    );
    assert_eq!(m.n_unanswered_tool_calls, 0);
    assert_eq!(t.metadata["acr_log"], "conversation");
    // The second round's calls belong to the answer before the results (it names none itself).
    let second: Vec<&str> = t.messages[12].tool_calls.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(second.len(), 9);
    assert_eq!(second[0], "search_method_in_class");
    let in_file = &t.messages[12].tool_calls[3];
    assert_eq!(in_file.arguments()["code_str"], "tempfile.NamedTemporaryFile");
    assert_eq!(in_file.arguments()["file_name"], "django/core/files/temp.py");
    // The bug-location code stays a user message.
    assert!(t
        .messages
        .last()
        .unwrap()
        .content
        .starts_with("Here are the code in buggy locations:"));
}

#[test]
fn acr_tool_call_layers() {
    let (t, m) = one("acr_tool_call_layers_django-10914.json", Format::AutoCodeRover);
    assert_eq!(roles(&m), [0, 0, 4, 0]);
    assert_eq!(m.n_tool_calls, 19);
    assert_eq!(m.tool_calls_by_name["search_code_in_file"], 6);
    assert_eq!(m.tool_calls_by_name["write_patch"], 1);
    assert_eq!(m.n_unanswered_tool_calls, 19, "the file has no results");
    assert_eq!(t.metadata["acr_layers"], 4);
    assert_eq!(t.metadata["acr_calls_failed"], 4);
    assert_eq!(t.metadata["acr_log"], "tool_call_layers");
    assert_eq!(t.messages[0].tool_calls[0].arguments()["class_name"], "FileSystemStorage");
}

#[test]
fn acr_agent_proxy_threads() {
    let (t, m) = one("acr_agent_proxy_0_astropy-12907.json", Format::AutoCodeRover);
    assert_eq!(roles(&m), [1, 1, 1, 0]);
    assert_eq!(m.n_tool_calls, 0);
    assert_eq!(t.metadata["acr_log"], "agent_proxy");
    assert_eq!(t.metadata["acr_proxy_threads"], 1);
    assert!(t.messages[2].content.contains("\"API_calls\""));
}

// ---------------------------------------------------------------- AutoCodeRover, written rows

const SYSTEM: &str = "You are a software developer maintaining a large project.\nYou are working on an issue submitted to your project.\nThe issue contains a description marked between <issue> and </issue>.\n";

#[test]
fn acr_function_calling_thread() {
    // State-machine mode (`start_conversation_round_state_machine`): OpenAI tool calls.
    let t = row(json!([
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "<issue>bug</issue>"},
        {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
            "function": {"name": "search_class", "arguments": "{\"class_name\": \"Foo\"}"}}]},
        {"role": "tool", "content": "Found 1 classes", "tool_call_id": "call_1"},
        {"role": "user", "content": "What's the next step to complete the task?"},
    ]));
    assert_eq!(t.format, Format::AutoCodeRover);
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(calls(&m), [("search_class", 1)]);
    assert_eq!((m.n_unanswered_tool_calls, m.n_inferred_tool_calls), (0, 0));
}

#[test]
fn acr_thread_in_a_row_and_results_without_an_answer() {
    let t = row(json!({"instance_id": "octo__demo-3", "messages": [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Result of search_class(\"Foo\"):\nnothing"},
        {"role": "assistant", "content": "search_code(\"x\")"},
        {"role": "user", "content": "Some words first.\nResult of search_code(\"x\"):\n\nhit\n\nResult of mystery_api(1, 'two'):\nok\n\n"},
    ]}));
    assert_eq!(t.format, Format::AutoCodeRover);
    assert_eq!(t.ids.instance_id.as_deref(), Some("octo__demo-3"));
    assert_eq!(codes(&t), ["acr_result_without_call"]);
    let m = TrajectoryMetrics::of(&t);
    assert_eq!(roles(&m), [1, 2, 1, 2]);
    assert_eq!(t.messages[3].content, "Some words first.");
    assert_eq!(t.messages[4].content, "hit");
    let mystery = &t.messages[2].tool_calls[1];
    assert_eq!(mystery.arguments()["args"], json!([1, "two"]));
}

#[test]
fn acr_does_not_take_ordinary_chat() {
    let t = row(json!([
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "Result of search_class(\"Foo\"):\nx"},
        {"role": "assistant", "content": "ok"},
    ]));
    assert_eq!(t.format, Format::PlainChat);
    // A list of plain numbers-in-lists is no call log either.
    let t = row(json!([[1, 2], [3]]));
    assert_ne!(t.format, Format::AutoCodeRover);
}

#[test]
fn acr_call_sequence_and_junk() {
    let t = row(json!([
        {"func_name": "search_class", "arguments": {"class_name": "A"}, "call_ok": true},
        {"func_name": "write_patch", "arguments": {}, "call_ok": false},
    ]));
    assert_eq!(t.format, Format::AutoCodeRover);
    assert_eq!(t.metadata["acr_log"], "tool_call_sequence");
    assert_eq!(t.metadata["acr_calls_failed"], 1);
    assert_eq!(TrajectoryMetrics::of(&t).n_turns, 2);

    let t = row(json!([
        [{"func_name": "search_class", "arguments": "A"}, {"func_name": "x", "arguments": null}],
        [],
        "junk",
    ]));
    assert_eq!(t.format, Format::AutoCodeRover);
    assert_eq!(t.messages[0].tool_calls[0].arguments()["args"], "A");

    let t = row(json!([[{"role": "system", "content": SYSTEM}, 3], "x"]));
    assert_eq!(t.format, Format::AutoCodeRover);
    assert!(codes(&t).contains(&"bad_message"));
}
