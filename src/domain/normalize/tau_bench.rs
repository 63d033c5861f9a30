//! tau-bench result records and tau2-bench simulation runs.
//!
//! **tau-bench** (sierra-research/tau-bench): `tau_bench/run.py` writes a results file that is
//! a JSON array of `EnvRunResult` records (`tau_bench/types.py`):
//!
//! ```text
//! { task_id: int, reward: float, trial: int,
//!   info: { task: {user_id, actions, instruction, outputs}, source, user_cost,
//!           reward_info: {reward, info: {r_actions, gt_data_hash} | {r_outputs, outputs},
//!                         actions} }
//!        | { error, traceback }          (a run that raised: `traj` is empty),
//!   traj: [OpenAI chat messages] }
//! ```
//!
//! The file is an array of rows (one trajectory per record), never one trajectory. `traj` is
//! read with the chat reader: the tool-calling and few-shot agents write OpenAI messages with
//! `tool_calls` and `tool` messages. The ReAct and Act agents (`chat_react_agent.py`) write
//! plain text, `Thought: ...` then `Action: {"name", "arguments"}`, and the environment's
//! reply as a user message `API output: ...`: there the action is read as a call (marked
//! inferred; `respond` is the answer to the user, not a call), the thought as reasoning, and
//! the `API output:` message as the call's tool result (noted by a `react_actions` info
//! diagnostic).
//!
//! **tau2-bench** (sierra-research/tau2-bench): `Results` (`src/tau2/data_model/simulation.py`)
//! `{timestamp, info: {git_commit, num_trials, user_info: {llm}, agent_info: {implementation,
//! llm}, environment_info: {domain_name, policy, tool_defs}}, tasks: [Task], simulations:
//! [SimulationRun]}` is split by [`RESULTS`] into one row per simulation, each carrying the
//! agent model (`model`), `user_model`, `domain`, `agent_implementation` and its `task`.
//! A `SimulationRun` is `{id, task_id, trial, seed, start_time, end_time, duration,
//! termination_reason, agent_cost, user_cost, reward_info: {reward, db_check, action_checks,
//! ...}, messages}` whose messages (`src/tau2/data_model/message.py`) are `{role, content,
//! tool_calls: [{id, name, arguments, requestor}], usage, cost, ...}`, tool results
//! `{role: "tool", id, content, requestor, error}` and `MultiToolMessage`s
//! `{role: "tool", tool_messages: [...]}` (flattened). The user simulator may call tools too
//! (telecom): its calls stay on the user message and are linked by id like the agent's.
//!
//! Mapping: `task_id` is the instance id; the reward goes to metadata `reward` and to the
//! outcome: resolved when it is 1 (within 1e-6, tau-bench's `is_successful`), failed otherwise;
//! tau2's `termination_reason` (and tau-bench's `error`) is the exit status; metadata also has
//! `cost_usd` (agent cost), `user_cost_usd`, `input_tokens` / `output_tokens` (the agent's
//! messages' `usage`, tau2), `user_input_tokens` / `user_output_tokens`, `trial`, `task`,
//! `reward_info`, and the rest of the record.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, DocumentSplitter, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The object-row adapter: a tau-bench record or a tau2-bench simulation run.
pub(super) const RECORD: ObjectAdapter =
    ObjectAdapter { format: Format::TauBench, misfit, read: read_record };

/// The document splitter: a tau2-bench `Results` document becomes one row per simulation.
pub(super) const RESULTS: DocumentSplitter =
    DocumentSplitter { format: Format::TauBench, split: split_results };

/// tau-bench's success band around a reward of 1 (`REWARD_SUCCESS_MIN`/`MAX`).
const SUCCESS_TOLERANCE: f64 = 1e-6;

/// The tau-bench action that answers the user rather than calling a tool.
const RESPOND_ACTION: &str = "respond";

/// The prefix the ReAct agent puts before an environment reply.
const API_OUTPUT: &str = "API output: ";

/// `None` when `map` is a tau-bench record (a `traj` list with `task_id` or `reward`) or a
/// tau2-bench simulation run (a `messages` list with `task_id` and `reward_info` or
/// `termination_reason`).
fn misfit(map: &Map<String, Value>) -> Option<String> {
    (!is_record(map) && !is_simulation(map)).then(|| {
        "no `traj` list with `task_id` (tau-bench), no `messages` with `task_id` and \
         `reward_info` (tau2-bench)"
            .into()
    })
}

/// Whether an object is a tau-bench `EnvRunResult`: a `traj` list with `task_id` or `reward`.
fn is_record(map: &Map<String, Value>) -> bool {
    matches!(map.get("traj"), Some(Value::Array(_)))
        && (map.contains_key("task_id") || map.contains_key("reward"))
}

/// Whether an object is a tau2-bench `SimulationRun`: a `messages` list with `task_id` and
/// `reward_info` or `termination_reason`.
fn is_simulation(map: &Map<String, Value>) -> bool {
    matches!(map.get("messages"), Some(Value::Array(_)))
        && map.contains_key("task_id")
        && (map.contains_key("reward_info") || map.contains_key("termination_reason"))
}

/// Reads a record or a simulation run, leaving in `map` what the generic field reader turns
/// into identifiers, outcome (`resolved`), exit status and metadata.
fn read_record(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::TauBench;
    if let Some(traj) = map.remove("traj") {
        read_tau_bench(traj, map, trajectory);
    } else if let Some(messages) = map.remove("messages") {
        read_tau2(messages, map, trajectory);
    }
    read_reward(map, &mut trajectory.diagnostics);
}

/// A tau-bench record: `traj` and `info`.
fn read_tau_bench(traj: Value, map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    let path = Loc::Root.key("traj");
    // The detector saw a list.
    let items = match traj {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    trajectory.messages = chat::read_messages(items, &path, &mut trajectory.diagnostics);
    let structured = trajectory
        .messages
        .iter()
        .any(|message| !message.tool_calls.is_empty() || message.role == Role::Tool);
    if !structured {
        let n = infer_react_actions(&mut trajectory.messages);
        if n > 0 {
            trajectory.diagnostics.push(Diagnostic::info(
                "react_actions",
                path.to_string(),
                format!(
                    "{n} tool calls read from `Action:` JSON in the agent's text (tau-bench ReAct/Act agent); `API output:` messages are their results"
                ),
            ));
        }
    }
    match map.remove("info") {
        Some(Value::Object(info)) => {
            for (key, value) in info {
                let key = match key.as_str() {
                    "user_cost" => "user_cost_usd".to_owned(),
                    "total_cost" => "cost_usd".to_owned(),
                    "error" => {
                        map.entry("exit_status").or_insert_with(|| Value::from("error"));
                        key
                    }
                    _ => key,
                };
                let key = if map.contains_key(&key) { format!("info.{key}") } else { key };
                map.insert(key, value);
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => {
            map.insert("info".to_owned(), other);
        }
    }
    if trajectory.messages.is_empty() {
        let why = match map.get("error").and_then(Value::as_str) {
            Some(error) => format!("`traj` is empty: the run failed ({error})"),
            None => "`traj` holds no message".to_owned(),
        };
        trajectory.diagnostics.push(Diagnostic::error("no_messages", path.to_string(), why));
    }
}

/// Reads ReAct/Act agent actions (`Thought: ...\nAction: {"name", "arguments"}`) from assistant
/// text into inferred calls, and the `API output: ...` user message after each into its tool
/// result. Returns the number of calls read.
fn infer_react_actions(messages: &mut [Message]) -> usize {
    let mut n = 0;
    for idx in 0..messages.len() {
        let Some(message) = messages.get_mut(idx) else { break };
        if message.role != Role::Assistant {
            continue;
        }
        let Some(at) = message.content.rfind("Action:") else { continue };
        let action_text = message.content[at + "Action:".len()..].trim();
        let Ok(Value::Object(mut action)) = serde_json::from_str::<Value>(action_text) else {
            continue;
        };
        let (Some(Value::String(name)), Some(arguments)) =
            (action.remove("name"), action.remove("arguments"))
        else {
            continue;
        };
        let thought = message.content[..at].trim();
        let thought = thought.strip_prefix("Thought:").unwrap_or(thought).trim();
        if !thought.is_empty() {
            message.reasoning = Some(match message.reasoning.take() {
                Some(given) => format!("{given}\n\n{thought}"),
                None => thought.to_owned(),
            });
        }
        if name == RESPOND_ACTION {
            message.content = match arguments.get("content") {
                Some(Value::String(text)) => text.clone(),
                _ => arguments.to_string(),
            };
            continue;
        }
        message.content = String::new();
        let raw = arguments.to_string();
        message.tool_calls.push(ToolCall::new(None, name.clone(), arguments, raw, true));
        n += 1;
        if let Some(next) = messages.get_mut(idx + 1) {
            if next.role == Role::User && next.content.starts_with(API_OUTPUT) {
                next.role = Role::Tool;
                next.name = Some(name);
            }
        }
    }
    n
}

/// Token counts summed over messages' `usage`.
#[derive(Default)]
struct Usage {
    prompt: Option<u64>,
    completion: Option<u64>,
}

impl Usage {
    /// Adds one message's `usage` (`prompt_tokens`, `completion_tokens`).
    fn add(&mut self, usage: Option<&Value>) {
        let Some(usage) = usage else { return };
        for (key, total) in
            [("prompt_tokens", &mut self.prompt), ("completion_tokens", &mut self.completion)]
        {
            if let Some(n) = usage.get(key).and_then(Value::as_u64) {
                *total = Some(total.unwrap_or(0).saturating_add(n));
            }
        }
    }

    /// Puts the sums in `map` under `prompt_key` and `completion_key` (when any was given).
    fn insert(self, map: &mut Map<String, Value>, prompt_key: &str, completion_key: &str) {
        for (key, total) in [(prompt_key, self.prompt), (completion_key, self.completion)] {
            if let Some(total) = total {
                map.entry(key).or_insert(Value::from(total));
            }
        }
    }
}

/// A tau2-bench simulation run: `messages`, `reward_info`, costs, termination reason.
fn read_tau2(messages: Value, map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    let path = Loc::Root.key("messages");
    let items = match messages {
        Value::Array(items) => items,
        _ => Vec::new(),
    };
    let mut agent_usage = Usage::default();
    let mut user_usage = Usage::default();
    let mut n_audio = 0;
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        let Value::Object(mut message) = item else {
            trajectory.diagnostics.push(Diagnostic::error(
                "bad_message",
                item_path.to_string(),
                format!("a message must be an object, found {}; skipped", json::describe(&item)),
            ));
            continue;
        };
        // A `MultiToolMessage` holds several tool results.
        if let Some(Value::Array(tool_messages)) = message.remove("tool_messages") {
            let inner_path = item_path.key("tool_messages");
            for (inner_idx, inner) in tool_messages.into_iter().enumerate() {
                let inner_path = inner_path.index(inner_idx);
                match inner {
                    Value::Object(inner) => {
                        let message =
                            read_tau2_message(inner, &inner_path, &mut n_audio, trajectory);
                        trajectory.messages.push(message);
                    }
                    other => trajectory.diagnostics.push(Diagnostic::error(
                        "bad_message",
                        inner_path.to_string(),
                        format!(
                            "a tool message must be an object, found {}; skipped",
                            json::describe(&other)
                        ),
                    )),
                }
            }
            continue;
        }
        match message.get("role").and_then(Value::as_str) {
            Some("assistant") => agent_usage.add(message.get("usage")),
            Some("user") => user_usage.add(message.get("usage")),
            _ => {}
        }
        let message = read_tau2_message(message, &item_path, &mut n_audio, trajectory);
        trajectory.messages.push(message);
    }
    if n_audio > 0 {
        trajectory.diagnostics.push(Diagnostic::warning(
            "audio_content",
            path.to_string(),
            format!("{n_audio} messages hold audio (base64), shown as `[audio]`"),
        ));
    }
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path.to_string(),
            "the simulation holds no message",
        ));
    }
    agent_usage.insert(map, "input_tokens", "output_tokens");
    user_usage.insert(map, "user_input_tokens", "user_output_tokens");
    for (source, key) in [
        ("agent_cost", "cost_usd"),
        ("user_cost", "user_cost_usd"),
        ("termination_reason", "exit_status"),
    ] {
        match map.remove(source) {
            Some(Value::Null) | None => {}
            Some(value) => {
                map.insert(key.to_owned(), value);
            }
        }
    }
    if let Some(reward) = json::get(map, &["reward_info", "reward"]).cloned() {
        map.entry("reward").or_insert(reward);
    }
}

/// One tau2 message: a tool result's `id` is the id of the call it answers; audio content is
/// replaced by a placeholder; per-message bookkeeping (`turn_idx`, `raw_data`, ...) is dropped.
fn read_tau2_message(
    mut message: Map<String, Value>,
    path: &Loc<'_>,
    n_audio: &mut usize,
    trajectory: &mut Trajectory,
) -> Message {
    if message.get("role").and_then(Value::as_str) == Some("tool")
        && !message.contains_key("tool_call_id")
    {
        if let Some(id) = message.remove("id") {
            message.insert("tool_call_id".to_owned(), id);
        }
    }
    if message.get("is_audio").and_then(Value::as_bool) == Some(true) {
        *n_audio += 1;
        message.insert("content".to_owned(), Value::from("[audio]"));
    }
    chat::read_message(message, path, &mut trajectory.diagnostics)
}

/// The outcome from the reward (in metadata `reward`, left there): `resolved` is set for the
/// field reader.
fn read_reward(map: &mut Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) {
    match map.get("reward") {
        Some(Value::Number(reward)) => {
            if let Some(reward) = reward.as_f64() {
                let resolved = (reward - 1.0).abs() <= SUCCESS_TOLERANCE;
                map.entry("resolved").or_insert(Value::Bool(resolved));
            }
        }
        Some(Value::Null) | None => {}
        Some(other) => diagnostics.push(Diagnostic::warning(
            "bad_outcome",
            "/reward",
            format!("the reward is {}, not a number; outcome unknown", json::describe(other)),
        )),
    }
}

/// Splits a tau2-bench `Results` document (`simulations` with `info` or `tasks`) into one row
/// per simulation, each with the document's agent model, user model, domain and its task.
fn split_results(value: Value) -> Result<Vec<Value>, Value> {
    let mut doc = match value {
        Value::Object(doc) if is_results(&doc) => doc,
        other => return Err(other),
    };
    let Some(Value::Array(simulations)) = doc.remove("simulations") else {
        return Err(Value::Object(doc));
    };
    let info = doc.remove("info");
    let info = info.as_ref();
    let text = |path: &[&str]| {
        let mut value = info?;
        for key in path {
            value = value.get(*key)?;
        }
        value.as_str().map(str::to_owned)
    };
    let shared: Vec<(&str, Option<Value>)> = vec![
        ("model", text(&["agent_info", "llm"]).map(Value::String)),
        ("user_model", text(&["user_info", "llm"]).map(Value::String)),
        ("agent_implementation", text(&["agent_info", "implementation"]).map(Value::String)),
        ("domain", text(&["environment_info", "domain_name"]).map(Value::String)),
        ("git_commit", text(&["git_commit"]).map(Value::String)),
        ("results_timestamp", doc.remove("timestamp").filter(|v| !v.is_null())),
        (
            "tools",
            info.and_then(|info| info.get("environment_info")?.get("tool_defs"))
                .filter(|defs| defs.is_array())
                .cloned(),
        ),
    ];
    let mut tasks: HashMap<String, Value> = HashMap::new();
    if let Some(Value::Array(items)) = doc.remove("tasks") {
        for task in items {
            if let Some(id) = task.get("id").cloned().and_then(id_string) {
                tasks.entry(id).or_insert(task);
            }
        }
    }
    let rows = simulations
        .into_iter()
        .map(|simulation| match simulation {
            Value::Object(mut simulation) => {
                for (key, value) in &shared {
                    if let Some(value) = value {
                        simulation.entry(*key).or_insert_with(|| value.clone());
                    }
                }
                let task = simulation.get("task_id").cloned().and_then(id_string);
                if let Some(task) = task.and_then(|id| tasks.get(&id)) {
                    simulation.entry("task").or_insert_with(|| task.clone());
                }
                Value::Object(simulation)
            }
            other => other,
        })
        .collect();
    Ok(rows)
}

/// Whether an object is a tau2-bench `Results` document: a non-empty `simulations` list of
/// objects with `messages` or `task_id`, beside `info` or `tasks`.
fn is_results(doc: &Map<String, Value>) -> bool {
    let Some(Value::Array(simulations)) = doc.get("simulations") else { return false };
    (doc.contains_key("info") || doc.contains_key("tasks"))
        && simulations.first().is_some_and(|simulation| {
            simulation.get("messages").is_some() || simulation.get("task_id").is_some()
        })
}

/// A task id given as a string or a number.
fn id_string(value: Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn react_actions_become_calls_and_results() {
        let mut messages = vec![
            Message::new(Role::System, "policy"),
            Message::new(Role::User, "hi"),
            Message::new(
                Role::Assistant,
                "Thought:\nI look the user up.\nAction:\n{\"name\": \"find_user\", \"arguments\": {\"id\": 1}}",
            ),
            Message::new(Role::User, "API output: {\"user\": 1}"),
            Message::new(
                Role::Assistant,
                "Thought:\nDone.\nAction:\n{\"name\": \"respond\", \"arguments\": {\"content\": \"Found you.\"}}",
            ),
            Message::new(Role::Assistant, "Action:\nnot json"),
        ];
        assert_eq!(infer_react_actions(&mut messages), 1);
        assert_eq!(messages[2].tool_calls[0].name, "find_user");
        assert!(messages[2].tool_calls[0].inferred);
        assert_eq!(messages[2].reasoning.as_deref(), Some("I look the user up."));
        assert_eq!(messages[3].role, Role::Tool);
        assert_eq!(messages[4].content, "Found you.");
        assert!(messages[4].tool_calls.is_empty());
        assert_eq!(messages[5].content, "Action:\nnot json");
    }
}
