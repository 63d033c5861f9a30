//! OpenHands (V0, the classic agent controller) event streams: the list of events the web UI
//! downloads ("export trajectory", read by the OpenHands trajectory visualizer and replayed by
//! `replay_trajectory_path`), and the `history` of an evaluation or resolver `output.jsonl` row
//! (read in `openhands_output`).
//!
//! The shape follows OpenHands' event serialization (`openhands/events/serialization/event.py`,
//! `event_to_dict`): each event is an object with `id`, `timestamp`, `source` (`agent`, `user`,
//! `environment`), `message`, `cause` (the id of the action an observation answers), and either
//! `action` with `args`, or `observation` with `content` and `extras`; actions the LLM chose carry
//! `tool_call_metadata` (`function_name`, `tool_call_id`, `model_response`: the LiteLLM chat
//! completion, with `choices[0].message.{content, tool_calls, reasoning_content}` and `usage`,
//! `total_calls_in_response`), and newer versions add `llm_metrics` (the run's accumulated cost and
//! token usage at that event). Older versions differ in three ways, all read here:
//! - `history` is a list of `[action, observation]` pairs (observation `null` when none);
//! - events have no `id`, `source` or `cause`, and the action's arguments and the observation's
//!   extras sit beside `action` / `observation` instead of in `args` / `extras`
//!   (the resolver's test output);
//! - no `tool_call_metadata` (agents that wrote their actions as text).
//!
//! Mapping to the model:
//! - `system` action → system message (its `args.tools` → `Trajectory::tools` when the row
//!   declares none); `message` action → user message, or assistant message when `source` is
//!   `agent`;
//! - any other agent action → one tool call named by `tool_call_metadata.function_name` (else the
//!   action: `run`, `edit`, `finish`, ...), with the arguments the model wrote (the matching call
//!   of `model_response`; else the event's `args` without OpenHands' bookkeeping fields). The
//!   actions of one model response (a parallel call batch: each repeats the whole response) are
//!   the calls of ONE assistant message, merged by `model_response.id`, so each call is counted
//!   once; the message's text is the response's content (else the action's `thought`), its
//!   reasoning the response's `reasoning_content`; a `think` action's thought is reasoning too;
//! - an observation → a tool message answering the call with its `tool_call_metadata.tool_call_id`,
//!   else the call of the action its `cause` names, else (old logs without ids) the next
//!   unanswered call of the latest step; an observation that answers no call (an environment
//!   error, the result of a user's own command) → a user message;
//! - state changes (`change_agent_state`, `agent_state_changed`), `null` placeholders and `recall`
//!   events carry no conversation and are left out;
//! - usage: `input_tokens` / `output_tokens` summed over the distinct model responses' `usage`
//!   (or taken from the last event's `llm_metrics`), `cost_usd` from the last `llm_metrics`, the
//!   model from the first response (see [`EventUsage`]).

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, ArrayAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, ToolSpec, Trajectory};

/// The event-list adapter: a bare list of events (the UI's download) or of `[action,
/// observation]` pairs.
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::OpenHandsEvents,
    misfit: |items| {
        (!is_event_log(items))
            .then(|| "items are not events with a string `action` or `observation`".into())
    },
    read: |items, path, trajectory| {
        trajectory.format = Format::OpenHandsEvents;
        let usage = read_events(items, path, trajectory);
        usage.apply(trajectory);
    },
};

/// Actions that carry no conversation (`condensation`: the memory condenser's note of the
/// events it forgot, not an action of the agent's model).
const SKIPPED_ACTIONS: [&str; 4] = ["null", "change_agent_state", "recall", "condensation"];

/// Observations that carry no conversation.
const SKIPPED_OBSERVATIONS: [&str; 3] = ["null", "agent_state_changed", "recall"];

/// Keys of an event itself (not of its arguments) in the old layout whose arguments sit beside
/// `action`; also dropped from arguments read from the event when the model's own are not known.
const EVENT_KEYS: [&str; 11] = [
    "id",
    "timestamp",
    "source",
    "message",
    "action",
    "observation",
    "cause",
    "timeout",
    "action_risk",
    "is_confirmed",
    "security_risk",
];

/// OpenHands' own fields in an action's `args` (not arguments the model wrote).
const BOOKKEEPING_ARGS: [&str; 7] = [
    "thought",
    "confirmation_state",
    "hidden",
    "impl_source",
    "translated_ipython_code",
    "kernel_init_code",
    "keep_prompt",
];

/// Whether a list is an OpenHands event log: among its first four items, at least one is an
/// event (an object with a string `action` or a string `observation`, not both, and no `role`:
/// a SWE-agent step has both) or a non-empty `[action, observation]` pair of events, and the
/// others are events, pairs or junk the reader reports (numbers, strings, null, `[]`, an object
/// whose `action` is not a string), not objects or lists of another shape (an OpenHands SDK
/// event has a `kind`).
pub(super) fn is_event_log(items: &[Value]) -> bool {
    let is_event = |v: &Value| {
        v.get("role").is_none()
            && (v.get("action").is_some_and(Value::is_string)
                != v.get("observation").is_some_and(Value::is_string))
    };
    let mut any_event = false;
    for item in items.iter().take(4) {
        match item {
            Value::Array(pair) if pair.is_empty() => {}
            Value::Array(pair) if pair.iter().all(is_event) => any_event = true,
            Value::Object(_) if is_event(item) => any_event = true,
            // A broken event (`"action": 5`), reported by the reader.
            Value::Object(map)
                if map.get("role").is_none()
                    && map.get("kind").is_none()
                    && map.contains_key("action") != map.contains_key("observation") => {}
            Value::Array(_) | Value::Object(_) => return false,
            _ => {}
        }
    }
    any_event
}

/// Token usage, cost and model found on the events of one log.
///
/// `llm_metrics` (newer OpenHands) is a running total, so the last one seen is the run's; the
/// `usage` of each distinct `model_response` is summed otherwise.
#[derive(Debug, Default)]
pub(super) struct EventUsage {
    /// The model of the first model response (`model_response.model`).
    pub model: Option<String>,
    /// Sum of `usage.prompt_tokens` over the distinct model responses.
    prompt_tokens: u64,
    /// Sum of `usage.completion_tokens` over the distinct model responses.
    completion_tokens: u64,
    /// Distinct model responses that gave a `usage`.
    n_usages: usize,
    /// The last `llm_metrics.accumulated_cost`.
    cost_usd: Option<f64>,
    /// The last `llm_metrics.accumulated_token_usage` (prompt, completion tokens).
    accumulated_tokens: Option<(u64, u64)>,
}

impl EventUsage {
    /// The figures as metadata entries (`cost_usd`, `input_tokens`, `output_tokens`).
    pub(super) fn entries(&self) -> Vec<(&'static str, Value)> {
        let mut entries = Vec::new();
        if let Some(cost) = self.cost_usd {
            entries.push(("cost_usd", Value::from(cost)));
        }
        let tokens = self.accumulated_tokens.or_else(|| {
            (self.n_usages > 0).then_some((self.prompt_tokens, self.completion_tokens))
        });
        if let Some((input, output)) = tokens {
            entries.push(("input_tokens", Value::from(input)));
            entries.push(("output_tokens", Value::from(output)));
        }
        entries
    }

    /// Puts the figures on a trajectory read from a bare event list.
    fn apply(self, trajectory: &mut Trajectory) {
        for (key, value) in self.entries() {
            trajectory.metadata.entry(key).or_insert(value);
        }
        if trajectory.ids.model.is_none() {
            trajectory.ids.model = self.model;
        }
    }

    fn add_response(&mut self, response: &Value) {
        if self.model.is_none() {
            self.model = json::str_field(response, "model").map(str::to_owned);
        }
        if let Some(usage) = response.get("usage").filter(|u| u.is_object()) {
            self.prompt_tokens += usage.get("prompt_tokens").and_then(Value::as_u64).unwrap_or(0);
            self.completion_tokens +=
                usage.get("completion_tokens").and_then(Value::as_u64).unwrap_or(0);
            self.n_usages += 1;
        }
    }

    fn add_metrics(&mut self, metrics: &Value) {
        if let Some(cost) = metrics.get("accumulated_cost").and_then(Value::as_f64) {
            self.cost_usd = Some(cost);
        }
        if let Some(usage) = metrics.get("accumulated_token_usage").filter(|u| u.is_object()) {
            let count = |key| usage.get(key).and_then(Value::as_u64).unwrap_or(0);
            self.accumulated_tokens = Some((count("prompt_tokens"), count("completion_tokens")));
        }
    }
}

/// Reads an event log (events, or `[action, observation]` pairs) into `trajectory.messages`
/// (and `trajectory.tools` from the system action, when none are declared yet); returns the
/// usage found on the events, for the caller to put where its row's metadata goes.
pub(super) fn read_events(
    items: Vec<Value>,
    path: &Loc<'_>,
    trajectory: &mut Trajectory,
) -> EventUsage {
    let mut reader = Reader {
        trajectory,
        usage: EventUsage::default(),
        seen_responses: HashSet::new(),
        response: None,
        call_of_event: HashMap::new(),
        call_ids: HashSet::new(),
        user_actions: HashSet::new(),
        pending: 0,
    };
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        match item {
            Value::Array(pair) => {
                for (pos, event) in pair.into_iter().enumerate() {
                    reader.item(event, &item_path.index(pos));
                }
            }
            event => reader.item(event, &item_path),
        }
    }
    reader.usage
}

/// The state of reading one event log.
struct Reader<'t> {
    trajectory: &'t mut Trajectory,
    usage: EventUsage,
    /// Model responses already counted in `usage`.
    seen_responses: HashSet<String>,
    /// The assistant message of the latest model response: (response id, message index).
    response: Option<(String, usize)>,
    /// The call id of each action event read as a call, by event id.
    call_of_event: HashMap<String, String>,
    /// Every call id given so far.
    call_ids: HashSet<String>,
    /// Event ids of actions a person took (a user's own command), read as user messages.
    user_actions: HashSet<String>,
    /// Calls of the latest assistant step not answered yet.
    pending: usize,
}

/// An event or cause id as text (`5`, `"5"`); `None` for null and other kinds.
fn id_key(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// `choices[0].message` of a LiteLLM chat completion.
fn response_message(response: &Value) -> Option<&Value> {
    response.get("choices")?.get(0)?.get("message")
}

/// The reasoning a model response carries: `reasoning_content`, else the text of Anthropic
/// `thinking_blocks`.
fn response_reasoning(message: &Value) -> Option<String> {
    if let Some(text) = json::str_field(message, "reasoning_content").filter(|t| !t.is_empty()) {
        return Some(text.to_owned());
    }
    let blocks = message.get("thinking_blocks")?.as_array()?;
    let text: Vec<&str> = blocks
        .iter()
        .filter_map(|b| json::str_field(b, "thinking"))
        .filter(|t| !t.is_empty())
        .collect();
    (!text.is_empty()).then(|| text.join("\n\n"))
}

/// The arguments the model wrote for call `call_id` (`function.arguments` of the matching
/// `tool_calls` item of the response), as JSON text.
fn response_arguments(message: &Value, call_id: &str) -> Option<String> {
    let call = message
        .get("tool_calls")?
        .as_array()?
        .iter()
        .find(|call| json::str_field(call, "id") == Some(call_id))?;
    match call.get("function")?.get("arguments")? {
        Value::String(raw) => Some(raw.clone()),
        object @ Value::Object(_) => Some(object.to_string()),
        _ => None,
    }
}

/// Appends a paragraph to a message's reasoning.
fn add_reasoning(message: &mut Message, text: String) {
    if text.trim().is_empty() {
        return;
    }
    message.reasoning = Some(match message.reasoning.take() {
        Some(given) if !given.is_empty() => format!("{given}\n\n{text}"),
        _ => text,
    });
}

impl Reader<'_> {
    fn item(&mut self, item: Value, path: &Loc<'_>) {
        match item {
            Value::Object(event) => self.event(event, path),
            other => self.trajectory.diagnostics.push(json::not_an_object(
                "unknown_event",
                "an event",
                path,
                &other,
            )),
        }
    }

    fn event(&mut self, mut event: Map<String, Value>, path: &Loc<'_>) {
        let meta = event.remove("tool_call_metadata").unwrap_or(Value::Null);
        if let Some(metrics) = event.remove("llm_metrics") {
            self.usage.add_metrics(&metrics);
        }
        let response = meta.get("model_response").filter(|r| r.is_object());
        let response_id =
            response.and_then(|r| json::str_field(r, "id")).filter(|id| !id.is_empty());
        if let (Some(id), Some(response)) = (response_id, response) {
            if self.seen_responses.insert(id.to_owned()) {
                self.usage.add_response(response);
            }
        }
        match (event.get("action"), event.get("observation")) {
            (Some(Value::String(_)), _) => self.action(event, &meta, path),
            (_, Some(Value::String(_))) => self.observation(event, &meta, path),
            _ => self.trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_event",
                path.to_string(),
                "an event with no string `action` or `observation`; skipped",
            )),
        }
    }

    fn action(&mut self, mut event: Map<String, Value>, meta: &Value, path: &Loc<'_>) {
        let action = event.get("action").and_then(Value::as_str).unwrap_or_default().to_owned();
        if SKIPPED_ACTIONS.contains(&action.as_str()) {
            return;
        }
        let source = event.get("source").and_then(Value::as_str).unwrap_or_default().to_owned();
        let event_id = event.get("id").and_then(id_key);
        let mut args = match event.remove("args") {
            Some(Value::Object(args)) => args,
            Some(Value::Null) => Map::new(),
            Some(other) => {
                self.trajectory.diagnostics.push(Diagnostic::warning(
                    "bad_event_args",
                    path.key("args").to_string(),
                    format!("`args` is {}, not an object; ignored", json::describe(&other)),
                ));
                Map::new()
            }
            // Old layout: the arguments sit beside `action`.
            None => {
                let mut args = Map::new();
                for (key, value) in std::mem::take(&mut event) {
                    if !EVENT_KEYS.contains(&key.as_str()) {
                        args.insert(key, value);
                    } else {
                        event.insert(key, value);
                    }
                }
                args
            }
        };
        let event_text = |event: &mut Map<String, Value>| {
            event.remove("message").and_then(json::into_string).unwrap_or_default()
        };
        match action.as_str() {
            "system" => {
                let text = args.remove("content").and_then(json::into_string);
                let text = text.unwrap_or_else(|| event_text(&mut event));
                if self.trajectory.tools.is_empty() {
                    if let Some(Value::Array(tools)) = args.remove("tools") {
                        self.trajectory.tools = tools_of(tools);
                    }
                }
                self.push(Message::new(Role::System, text));
                self.response = None;
                self.pending = 0;
            }
            "message" => {
                let args_path = path.key("args");
                let content_path = args_path.key("content");
                let text = match args.remove("content") {
                    Some(value @ (Value::String(_) | Value::Array(_))) => chat::content_to_text(
                        value,
                        &content_path,
                        &mut self.trajectory.diagnostics,
                    ),
                    _ => event_text(&mut event),
                };
                let role = if source == "agent" { Role::Assistant } else { Role::User };
                let mut message = Message::new(role, text);
                if role == Role::Assistant {
                    if let Some(reasoning) = meta
                        .get("model_response")
                        .and_then(response_message)
                        .and_then(response_reasoning)
                    {
                        add_reasoning(&mut message, reasoning);
                    }
                }
                self.push(message);
                self.response = None;
                self.pending = 0;
            }
            _ if source == "user" && meta.is_null() => {
                // A person's own action (a command typed in the terminal): not the agent's call.
                let text = event_text(&mut event);
                let text = if text.is_empty() { Value::Object(args).to_string() } else { text };
                self.push(Message::new(Role::User, text));
                if let Some(id) = event_id {
                    self.user_actions.insert(id);
                }
                self.response = None;
                self.pending = 0;
            }
            _ => self.call(action, args, event_id, meta),
        }
    }

    /// An agent action: one tool call, in the assistant message of its model response.
    fn call(
        &mut self,
        action: String,
        mut args: Map<String, Value>,
        event_id: Option<String>,
        meta: &Value,
    ) {
        let response = meta.get("model_response").filter(|r| r.is_object());
        let response_id =
            response.and_then(|r| json::str_field(r, "id")).filter(|id| !id.is_empty());
        let message = response.and_then(response_message);
        let call_id = json::str_field(meta, "tool_call_id")
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .or_else(|| event_id.as_ref().map(|id| format!("event-{id}")));
        let name = json::str_field(meta, "function_name")
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| action.clone());
        let thought = args.get("thought").and_then(Value::as_str).unwrap_or_default().to_owned();

        let model_arguments =
            message.zip(call_id.as_deref()).and_then(|(m, id)| response_arguments(m, id));
        let call = match model_arguments {
            Some(raw) => ToolCall::with_json_arguments(call_id.clone(), name, raw),
            None => {
                for key in BOOKKEEPING_ARGS.iter().chain(&EVENT_KEYS) {
                    args.remove(*key);
                }
                let arguments = Value::Object(args);
                let raw = arguments.to_string();
                ToolCall::new(call_id.clone(), name, arguments, raw, false)
            }
        };
        // A `think` action's thought is reasoning: the tool's own `thought` argument when the
        // model's arguments are known (OpenHands prefixes the response's text to it), else the
        // whole thought.
        let think = (action == "think").then(|| match call.arguments().get("thought") {
            Some(Value::String(text)) if message.is_some() => text.clone(),
            _ => thought.clone(),
        });

        let merge_into = match (&self.response, response_id) {
            (Some((id, idx)), Some(response_id)) if id == response_id => Some(*idx),
            _ => None,
        };
        let idx = match merge_into.filter(|idx| {
            self.trajectory.messages.get(*idx).is_some_and(|m| m.role == Role::Assistant)
        }) {
            Some(idx) => {
                self.pending += 1;
                idx
            }
            None => {
                // The response's text, else the action's thought (OpenHands copies the text
                // into the first action's `thought`; a `think` action's is reasoning).
                let response_text = message
                    .and_then(|m| m.get("content"))
                    .and_then(Value::as_str)
                    .filter(|text| !text.trim().is_empty());
                let text = match response_text {
                    Some(text) => text.to_owned(),
                    None if think.is_some() => String::new(),
                    None => thought,
                };
                let mut new = Message::new(Role::Assistant, text);
                if let Some(reasoning) = message.and_then(response_reasoning) {
                    add_reasoning(&mut new, reasoning);
                }
                self.push(new);
                self.pending = 1;
                self.trajectory.messages.len() - 1
            }
        };
        self.response = response_id.map(|id| (id.to_owned(), idx));
        if let Some(id) = &call_id {
            self.call_ids.insert(id.clone());
            if let Some(event_id) = event_id {
                self.call_of_event.insert(event_id, id.clone());
            }
        }
        if let Some(message) = self.trajectory.messages.get_mut(idx) {
            if let Some(think) = think {
                add_reasoning(message, think);
            }
            message.tool_calls.push(call);
        }
    }

    fn observation(&mut self, mut event: Map<String, Value>, meta: &Value, path: &Loc<'_>) {
        let observation =
            event.get("observation").and_then(Value::as_str).unwrap_or_default().to_owned();
        if SKIPPED_OBSERVATIONS.contains(&observation.as_str()) {
            return;
        }
        let content = match event.remove("content") {
            Some(value @ (Value::String(_) | Value::Array(_))) => {
                chat::content_to_text(value, &path.key("content"), &mut self.trajectory.diagnostics)
            }
            _ => event.remove("message").and_then(json::into_string).unwrap_or_default(),
        };
        let cause = event.get("cause").and_then(id_key);
        let given_id = json::str_field(meta, "tool_call_id").filter(|id| !id.is_empty());
        let name = json::str_field(meta, "function_name")
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| observation.clone());
        // The call answered: by tool call id, else by the cause's call, else (no ids at all)
        // the next unanswered call of the latest step.
        let target = given_id
            .filter(|id| self.call_ids.contains(*id))
            .map(|id| Some(id.to_owned()))
            .or_else(|| cause.as_ref().and_then(|c| self.call_of_event.get(c)).cloned().map(Some));
        let by_user = cause.as_ref().is_some_and(|c| self.user_actions.contains(c));
        let target = match target {
            Some(id) => Some(id),
            None if by_user => None,
            None if cause.is_none() && given_id.is_none() && self.pending > 0 => Some(None),
            // An id naming a call the log does not hold: kept, and reported when linking.
            None => given_id.map(|id| Some(id.to_owned())),
        };
        match target {
            Some(id) => {
                let mut message = Message::new(Role::Tool, content);
                message.tool_call_id = id;
                message.name = Some(name);
                self.push(message);
                self.pending = self.pending.saturating_sub(1);
            }
            // An observation nobody asked for (an environment error, a user's own command).
            None => self.push(Message::new(Role::User, content)),
        }
    }

    fn push(&mut self, message: Message) {
        self.trajectory.messages.push(message);
    }
}

/// Tool definitions of a system action's `args.tools` (OpenAI function-tool objects); items
/// without a name are left out.
fn tools_of(tools: Vec<Value>) -> Vec<ToolSpec> {
    tools
        .into_iter()
        .filter_map(|tool| {
            let function = tool.get("function").filter(|f| f.is_object()).unwrap_or(&tool);
            let name = json::str_field(function, "name")?.to_owned();
            Some(ToolSpec::new(name, tool))
        })
        .collect()
}
