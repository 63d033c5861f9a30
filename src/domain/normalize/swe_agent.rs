//! SWE-agent `.traj` files, 0.x and 1.x (SWE-agent/SWE-agent: `sweagent/types.py`,
//! `DefaultAgent.get_trajectory_data` in `sweagent/agent/agents.py`).
//!
//! A `.traj` is one JSON object:
//! - `trajectory`: the steps, `{action, observation, response, thought, state}` in 0.x, plus
//!   `execution_time`, `query` (the messages sent for the step), `extra_info` and sometimes
//!   `reasoning_content` in 1.x. `state` is an object, or a JSON string in early 0.x files;
//! - `history`: the chat the model saw, `{role, content, agent, thought, action, is_demo}`; 1.x
//!   adds `message_type` (`system_prompt`, `observation`, `action`, `thought`, `user`,
//!   `demonstration`), `thinking_blocks`, and with function calling `tool_calls` (OpenAI shape)
//!   on assistant items and `tool_call_ids` on `tool` items;
//! - `info`: `exit_status`, `submission`, `model_stats` (`instance_cost`, `tokens_sent`,
//!   `tokens_received`, `api_calls`; 0.x also `total_cost`, the whole batch's), and in 1.x
//!   `swe_agent_version`, `edited_files30/50/70`, `review`, ...;
//! - `replay_config` (1.x; an object or its JSON text): the run's config, with the model name and
//!   the problem statement's id; `environment`: the environment's name;
//! - `attempts` (1.x `RetryAgent`): every attempt's data, the chosen one's merged at top level.
//!
//! A SWE-agent demonstration file (`trajectories/demonstrations/*.traj`) may hold `history` alone.
//!
//! Mapping to the model:
//! - The conversation comes from `history`; each call is read once from there: an assistant
//!   item's `tool_calls` when it has them (function calling: its `action` is the same call in
//!   command form and is not read), else its `action`, given by the harness as data (so not
//!   marked inferred) and named after its first word ([`text_calls::command_name`]). A `tool`
//!   item answers the call named by its first `tool_call_ids` entry. `thinking_blocks` (and
//!   `reasoning_content`) are the message's reasoning; `thought` repeats the visible text.
//! - The steps only add what the history lacks: steps are matched in order to the history's
//!   assistant items (same `response`, or same `thought` and `action`). A matched step gives its
//!   `reasoning_content` when the item has none, and its `observation` when no observation
//!   follows the item (0.x histories end on the `submit` call; its output, the patch, is only in
//!   the step). Steps after the last matched one (early 1.x histories miss the last step) are
//!   added as assistant messages with their observations, with a `steps_added` info. Unmatched
//!   steps before that are model outputs the harness requeried after a format or syntax error:
//!   they never entered the history and are kept apart (`n_requeried_steps`, with an info).
//!   Without a history, the conversation is the steps, opened by the first step's `query` (the
//!   system prompt, demonstrations and task it sent).
//! - Demonstrations (`is_demo`, or `message_type` `demonstration`) are kept apart from the run:
//!   each run of consecutive demonstration items becomes one user message, their contents joined
//!   by a newline (as SWE-agent itself joins a demonstration into one message when it does not
//!   put it in the history), with no tool calls; the indexes of these messages are listed in the
//!   metadata as `demonstration_messages`.
//! - `info.submission` is the final patch and `info.exit_status` the exit status (read by
//!   `fields`); `info.model_stats` gives `cost_usd` (`instance_cost`), `input_tokens`
//!   (`tokens_sent`), `output_tokens` (`tokens_received`) and `api_calls`; the steps'
//!   `execution_time` adds up to `execution_time_s`; `replay_config` gives the model and the
//!   instance id; `n_steps` counts the steps. The steps themselves (with their `query` copies of
//!   the history) are not kept; `attempts` is kept as each attempt's `info` without its
//!   `edited_files*` excerpts.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, text_calls};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The `.traj` adapter.
pub(super) const TRAJ: super::ObjectAdapter = super::ObjectAdapter {
    format: Format::SweAgentTraj,
    misfit: |map| {
        (!is_traj(map)).then(|| {
            "no `trajectory` list of steps, nor a `history` of SWE-agent messages \
             (`role` with `agent` or `message_type`)"
                .into()
        })
    },
    read: read_traj,
};

/// Keys of a trajectory step (`TrajectoryStep` in `sweagent/types.py`).
const STEP_KEYS: [&str; 4] = ["action", "observation", "response", "thought"];

/// Whether an object row is a SWE-agent `.traj`: a `trajectory` list of steps (objects with
/// action/observation/response/thought and no role), an empty `trajectory` beside a `history` or
/// an `info` object, or no steps but a SWE-agent `history` (a demonstration file).
pub(super) fn is_traj(map: &Map<String, Value>) -> bool {
    match map.get("trajectory") {
        Some(Value::Array(steps)) => match steps.first() {
            Some(step) => {
                step.is_object()
                    && step.get("role").is_none()
                    && STEP_KEYS.iter().any(|key| step.get(*key).is_some())
            }
            None => is_history(map.get("history")) || map.get("info").is_some_and(Value::is_object),
        },
        _ => is_history(map.get("history")),
    }
}

/// Whether a value is a SWE-agent history: a list whose first item has a string `role` and an
/// `agent` or `message_type` (the keys SWE-agent adds to every history item).
fn is_history(value: Option<&Value>) -> bool {
    let Some(Value::Array(items)) = value else { return false };
    items.first().is_some_and(|item| {
        item.get("role").is_some_and(Value::is_string)
            && (item.get("agent").is_some() || item.get("message_type").is_some())
    })
}

/// One message read from a history item, with what the step matching needs.
struct Entry {
    message: Message,
    /// A demonstration item (`is_demo`, `message_type: demonstration`).
    demo: bool,
    /// For assistant items: the raw `content`, `thought` and `action`, to match steps.
    key: Option<StepKey>,
}

/// What identifies a model output: its text, its thought and its action.
#[derive(Default)]
struct StepKey {
    response: Option<String>,
    thought: Option<String>,
    action: Option<String>,
}

impl StepKey {
    fn matches(&self, other: &StepKey) -> bool {
        let same = |a: &Option<String>, b: &Option<String>| a.is_some() && a == b;
        same(&self.response, &other.response)
            || (same(&self.action, &other.action) && self.thought == other.thought)
    }
}

/// Reads the conversation of a `.traj` row into `trajectory`, removing the keys it used and
/// adding its figures (`cost_usd`, `n_steps`, ...) to `map` for the metadata.
pub(super) fn read_traj(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::SweAgentTraj;
    let had_steps = map.contains_key("trajectory");
    let steps = match map.remove("trajectory") {
        Some(Value::Array(steps)) => steps,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_steps",
                "/trajectory",
                format!("`trajectory` is {}, not a list of steps; kept", json::describe(&other)),
            ));
            map.insert("trajectory".to_owned(), other);
            Vec::new()
        }
    };
    let history = match map.remove("history") {
        Some(Value::Array(history)) => history,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_history",
                "/history",
                format!("`history` is {}, not a list of messages; kept", json::describe(&other)),
            ));
            map.insert("history".to_owned(), other);
            Vec::new()
        }
    };
    let n_steps = steps.len();
    let execution_time: Option<f64> = steps
        .iter()
        .filter_map(|step| step.get("execution_time").and_then(Value::as_f64))
        .fold(None, |sum, t| Some(sum.unwrap_or(0.0) + t));

    let entries = if history.is_empty() {
        read_steps_alone(steps, trajectory)
    } else {
        let entries = read_history(history, &Loc::Root.key("history"), &mut trajectory.diagnostics);
        add_steps(entries, steps, map, trajectory)
    };
    let entries = fold_demonstrations(entries);
    let demo_idxs: Vec<Value> = entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.demo)
        .map(|(idx, _)| Value::from(idx))
        .collect();
    trajectory.messages = entries.into_iter().map(|entry| entry.message).collect();
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            "",
            "the `.traj` has no history and no steps to read",
        ));
    }

    if had_steps {
        map.insert("n_steps".to_owned(), Value::from(n_steps));
    }
    if !demo_idxs.is_empty() {
        map.insert("demonstration_messages".to_owned(), Value::Array(demo_idxs));
    }
    if let Some(seconds) = execution_time {
        insert_new(map, "execution_time_s", Value::from(seconds));
    }
    read_model_stats(map);
    read_replay_config(map);
    summarize_attempts(map);
}

/// Reads every history item into an entry; non-objects are skipped with a diagnostic.
fn read_history(
    history: Vec<Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Entry> {
    let mut entries = Vec::with_capacity(history.len());
    for (idx, item) in history.into_iter().enumerate() {
        let item_path = path.index(idx);
        match item {
            Value::Object(item) => entries.push(read_history_item(item, &item_path, diagnostics)),
            other => diagnostics.push(Diagnostic::error(
                "bad_message",
                item_path.to_string(),
                format!(
                    "a history item must be an object, found {}; skipped",
                    json::describe(&other)
                ),
            )),
        }
    }
    entries
}

/// Reads one history item (`HistoryItem` in `sweagent/types.py`).
fn read_history_item(
    mut item: Map<String, Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Entry {
    let message_type = item.remove("message_type").and_then(json::into_string);
    let demo = item.remove("is_demo").is_some_and(|value| is_true(&value))
        || message_type.as_deref() == Some("demonstration");
    let action = item.remove("action").and_then(json::into_string);
    let thought = item.remove("thought").and_then(json::into_string);
    let thinking = item.remove("thinking_blocks").and_then(thinking_text);
    // A tool result names the call it answers in a list (one id: SWE-agent's function-calling
    // parser allows one call per step).
    if let Some(ids) = item.remove("tool_call_ids") {
        if !item.contains_key("tool_call_id") {
            let first = match ids {
                Value::Array(ids) => ids.into_iter().next(),
                other => Some(other),
            };
            if let Some(id @ Value::String(_)) = first {
                item.insert("tool_call_id".to_owned(), id);
            }
        }
    }
    let is_assistant = item.get("role").and_then(Value::as_str) == Some("assistant");
    let key = is_assistant.then(|| StepKey {
        response: item.get("content").and_then(Value::as_str).map(str::to_owned),
        thought,
        action: action.clone(),
    });
    let mut message = chat::read_message(item, path, diagnostics);
    if message.role == Role::Assistant {
        if message.tool_calls.is_empty() {
            if let Some(action) = action.filter(|a| !a.trim().is_empty()) {
                message.tool_calls.push(action_call(action));
            }
        }
        if message.reasoning.is_none() {
            message.reasoning = thinking;
        }
    }
    Entry { message, demo, key }
}

/// The steps alone (no history): the first step's `query` opens the conversation, then each step
/// is an assistant message (its `response`, else its `thought`) with its action, and a user
/// message with its observation.
fn read_steps_alone(steps: Vec<Value>, trajectory: &mut Trajectory) -> Vec<Entry> {
    let mut entries = Vec::with_capacity(2 * steps.len() + 3);
    let steps_path = Loc::Root.key("trajectory");
    for (idx, step) in steps.into_iter().enumerate() {
        let Value::Object(mut step) = step else {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_step",
                steps_path.index(idx).to_string(),
                "a step must be an object; skipped",
            ));
            continue;
        };
        if idx == 0 {
            if let Some(Value::Array(query)) = step.remove("query") {
                let step_path = steps_path.index(0);
                let query_path = step_path.key("query");
                // The query ends with the prompt of the first step: everything the history
                // would have held before the first model output.
                entries.extend(
                    read_history(query, &query_path, &mut trajectory.diagnostics)
                        .into_iter()
                        .filter(|entry| entry.message.role != Role::Assistant || entry.demo),
                );
            }
        }
        entries.extend(step_messages(&mut step, Role::User));
    }
    entries
}

/// The messages of one step: the model output with its action, then its observation (when the
/// step has one).
fn step_messages(step: &mut Map<String, Value>, observation_role: Role) -> Vec<Entry> {
    let mut take = |key: &str| step.remove(key).and_then(json::into_string);
    let (response, thought, action, observation, reasoning) = (
        take("response"),
        take("thought"),
        take("action"),
        take("observation"),
        take("reasoning_content"),
    );
    let mut message = Message::new(Role::Assistant, response.or(thought).unwrap_or_default());
    message.reasoning = reasoning.filter(|r| !r.is_empty());
    if let Some(action) = action.filter(|a| !a.trim().is_empty()) {
        message.tool_calls.push(action_call(action));
    }
    let mut entries = vec![Entry { message, demo: false, key: None }];
    if let Some(observation) = observation {
        entries.push(Entry {
            message: Message::new(observation_role, observation),
            demo: false,
            key: None,
        });
    }
    entries
}

/// Matches the steps to the history's assistant items and adds what the history lacks (see the
/// module doc).
fn add_steps(
    mut entries: Vec<Entry>,
    steps: Vec<Value>,
    map: &mut Map<String, Value>,
    trajectory: &mut Trajectory,
) -> Vec<Entry> {
    if steps.is_empty() {
        return entries;
    }
    let assistants: Vec<usize> = entries
        .iter()
        .enumerate()
        .filter(|(_, entry)| !entry.demo && entry.key.is_some())
        .map(|(idx, _)| idx)
        .collect();
    let observation_role = if entries.iter().any(|entry| entry.message.role == Role::Tool) {
        Role::Tool
    } else {
        Role::User
    };
    let mut next = 0;
    // (entry index, step) of the matched steps; the unmatched steps, in order.
    let mut matched: Vec<(usize, Map<String, Value>)> = Vec::new();
    let mut unmatched: Vec<(usize, Map<String, Value>)> = Vec::new();
    let mut matched_steps: Vec<usize> = Vec::new();
    for (step_idx, step) in steps.into_iter().enumerate() {
        let Value::Object(step) = step else { continue };
        let key = StepKey {
            response: step.get("response").and_then(Value::as_str).map(str::to_owned),
            thought: step.get("thought").and_then(Value::as_str).map(str::to_owned),
            action: step.get("action").and_then(Value::as_str).map(str::to_owned),
        };
        let hit = assistants.get(next).filter(|&&idx| {
            entries.get(idx).and_then(|e| e.key.as_ref()).is_some_and(|k| k.matches(&key))
        });
        match hit {
            Some(&entry_idx) => {
                matched.push((entry_idx, step));
                matched_steps.push(step_idx);
                next += 1;
            }
            None => unmatched.push((step_idx, step)),
        }
    }
    if matched.is_empty() && !assistants.is_empty() {
        trajectory.diagnostics.push(Diagnostic::info(
            "steps_unmatched",
            "/trajectory",
            "no trajectory step matches an assistant message of the history; the history is read alone",
        ));
        return entries;
    }
    // Unmatched steps after the last matched one, once every assistant item of the history is
    // matched, are missing from the history; the other unmatched steps were requeried.
    let last_matched_step = matched_steps.last().copied();
    let first_trailing = if next == assistants.len() {
        unmatched
            .iter()
            .position(|(step_idx, _)| last_matched_step.is_none_or(|last| *step_idx > last))
            .unwrap_or(unmatched.len())
    } else {
        unmatched.len()
    };
    let trailing: Vec<(usize, Map<String, Value>)> = unmatched.split_off(first_trailing);
    let n_requeried = unmatched.len();

    // Reasoning and missing observations from the matched steps, last first so that insertions
    // do not move the entries still to visit.
    for (entry_idx, mut step) in matched.into_iter().rev() {
        let answered = entries
            .get(entry_idx + 1)
            .is_some_and(|next| !next.demo && matches!(next.message.role, Role::User | Role::Tool));
        let Some(entry) = entries.get_mut(entry_idx) else { continue };
        if entry.message.reasoning.is_none() {
            entry.message.reasoning = step
                .remove("reasoning_content")
                .and_then(json::into_string)
                .filter(|r| !r.is_empty());
        }
        if answered || entry.message.tool_calls.is_empty() {
            continue;
        }
        let observation = step.remove("observation").and_then(json::into_string);
        if let Some(observation) = observation.filter(|o| !o.trim().is_empty()) {
            let message = Message::new(observation_role, observation);
            entries.insert(entry_idx + 1, Entry { message, demo: false, key: None });
        }
    }
    if !trailing.is_empty() {
        trajectory.diagnostics.push(Diagnostic::info(
            "steps_added",
            "/trajectory",
            format!(
                "{} trajectory step(s) after the history's last assistant message were added from \
                 the steps",
                trailing.len()
            ),
        ));
        for (_, mut step) in trailing {
            entries.extend(step_messages(&mut step, observation_role));
        }
    }
    if n_requeried > 0 {
        trajectory.diagnostics.push(Diagnostic::info(
            "steps_requeried",
            "/trajectory",
            format!(
                "{n_requeried} trajectory step(s) are not in the history (model outputs requeried \
                 after an error); not shown"
            ),
        ));
        map.insert("n_requeried_steps".to_owned(), Value::from(n_requeried));
    }
    entries
}

/// Folds each run of consecutive demonstration entries into one user message (see the module
/// doc); other entries are kept as they are.
fn fold_demonstrations(entries: Vec<Entry>) -> Vec<Entry> {
    if !entries.iter().any(|entry| entry.demo) {
        return entries;
    }
    let mut out: Vec<Entry> = Vec::with_capacity(entries.len());
    // Whether the last entry of `out` is a demonstration still being folded into.
    let mut folding = false;
    for entry in entries {
        if !entry.demo {
            folding = false;
            out.push(entry);
            continue;
        }
        let text = entry.message.content;
        match out.last_mut().filter(|_| folding) {
            Some(last) => {
                last.message.content.push('\n');
                last.message.content.push_str(&text);
            }
            None => {
                out.push(Entry { message: Message::new(Role::User, text), demo: true, key: None });
                folding = true;
            }
        }
    }
    out
}

/// A call from a SWE-agent `action` (a command line, with its arguments and any multi-line
/// body): named after its first word, arguments `{"command": action}`.
fn action_call(action: String) -> ToolCall {
    let action = action.trim_end().to_owned();
    let mut arguments = Map::new();
    arguments.insert("command".to_owned(), Value::String(action.clone()));
    let name = text_calls::command_name(&action).to_owned();
    ToolCall::new(None, name, Value::Object(arguments), action, false)
}

/// The text of Anthropic-style `thinking_blocks` (`[{"type": "thinking", "thinking": ...}]`, as
/// LiteLLM returns them and SWE-agent and mini-swe-agent store them), blocks joined by a blank
/// line; redacted blocks carry no text. `None` when no block has text.
pub(super) fn thinking_text(blocks: Value) -> Option<String> {
    let Value::Array(blocks) = blocks else { return None };
    let texts: Vec<String> = blocks
        .into_iter()
        .filter_map(|block| match block {
            Value::Object(mut block) => block.remove("thinking").and_then(json::into_string),
            Value::String(text) => Some(text),
            _ => None,
        })
        .filter(|text| !text.trim().is_empty())
        .collect();
    (!texts.is_empty()).then(|| texts.join("\n\n"))
}

/// Whether a flag is set: `true`, or the strings `true`/`True` (as some converted files keep
/// Python's `True`), or a non-zero number.
fn is_true(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::String(s) => s.trim().eq_ignore_ascii_case("true"),
        Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0),
        _ => false,
    }
}

/// Inserts `key` unless the row already has it.
pub(super) fn insert_new(map: &mut Map<String, Value>, key: &str, value: Value) {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), value);
    }
}

/// `info.model_stats` (`APIStats`/`InstanceStats` in `sweagent/agent/models.py`) as metadata:
/// `instance_cost` → `cost_usd`, `tokens_sent` → `input_tokens`, `tokens_received` →
/// `output_tokens`, `api_calls` → `api_calls`. The stats stay in `info` as given.
fn read_model_stats(map: &mut Map<String, Value>) {
    let Some(Value::Object(stats)) = json::get(map, &["info", "model_stats"]) else { return };
    let pairs = [
        ("instance_cost", "cost_usd"),
        ("tokens_sent", "input_tokens"),
        ("tokens_received", "output_tokens"),
        ("api_calls", "api_calls"),
    ];
    let found: Vec<(&str, Value)> = pairs
        .iter()
        .filter_map(|(from, to)| {
            stats.get(*from).filter(|v| v.is_number()).map(|v| (*to, v.clone()))
        })
        .collect();
    for (key, value) in found {
        insert_new(map, key, value);
    }
}

/// The model name and instance id from `replay_config` (an object, or its JSON text as 1.x
/// writes it with `model_dump_json`): `agent.model.name` (or the first of a retry agent's
/// `agent.agent_configs`) → `model`, `problem_statement.id` → `instance_id`, when the row has
/// neither.
fn read_replay_config(map: &mut Map<String, Value>) {
    let parsed;
    let config = match map.get("replay_config") {
        Some(config @ Value::Object(_)) => config,
        Some(Value::String(text)) if json::starts_like_json(text) => {
            match serde_json::from_str::<Value>(text) {
                Ok(value) => {
                    parsed = value;
                    &parsed
                }
                Err(_) => return,
            }
        }
        _ => return,
    };
    let agent = config.get("agent");
    let model = agent
        .and_then(|agent| agent.pointer("/model/name"))
        .or_else(|| agent.and_then(|agent| agent.pointer("/agent_configs/0/model/name")))
        .and_then(Value::as_str)
        .map(str::to_owned);
    let instance_id =
        config.pointer("/problem_statement/id").and_then(Value::as_str).map(str::to_owned);
    if let Some(model) = model {
        if !map.contains_key("model_name") {
            insert_new(map, "model", Value::String(model));
        }
    }
    if let Some(id) = instance_id {
        insert_new(map, "instance_id", Value::String(id));
    }
}

/// A retry agent's `attempts` (every attempt's whole trajectory data) become each attempt's
/// `info` without the `edited_files*` excerpts: the chosen attempt is the one at top level.
fn summarize_attempts(map: &mut Map<String, Value>) {
    let Some(Value::Array(attempts)) = map.remove("attempts") else { return };
    let summary: Vec<Value> = attempts
        .into_iter()
        .map(|attempt| match attempt {
            Value::Object(mut attempt) => match attempt.remove("info") {
                Some(Value::Object(mut info)) => {
                    info.retain(|key, _| !key.starts_with("edited_files"));
                    Value::Object(info)
                }
                _ => Value::Null,
            },
            _ => Value::Null,
        })
        .collect();
    map.insert("attempts".to_owned(), Value::Array(summary));
}
