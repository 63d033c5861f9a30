//! OpenHands V1 software-agent-sdk event streams and LLM-call logs.
//!
//! # Event streams
//!
//! The SDK (OpenHands/software-agent-sdk, `openhands-sdk/openhands/sdk/event/`) records a
//! conversation as events, each a Pydantic model serialized with its class name in `kind`
//! (`DiscriminatedUnionMixin`) beside the base fields `id`, `timestamp` and `source`
//! (`agent`, `user`, `environment`). A conversation's events come as:
//! - the persisted `events/` folder, one `event-NNNNN-<id>.json` file per event (compact, or
//!   pretty-printed since v1.49): each file alone is one event, and such files put together one
//!   per line (JSONL) are gathered into one trajectory by `domain::document` (see [`LINES`]);
//! - a JSON list of events (the agent server's event search `items`, an evaluation output's
//!   `history`): read by [`EVENTS`], or by [`CONVERSATION`] when the list sits in a row;
//! - a maintainers' probe script's variant that names the class in `event` instead of `kind`
//!   and gives a `MessageEvent`'s `role` and `content` flat.
//!
//! Mapping to the model (following `LLMConvertibleEvent.events_to_messages`, which builds what
//! the model is sent):
//! - `SystemPromptEvent` and `SystemPromptUpdateEvent`: a system message (`system_prompt.text`,
//!   then `dynamic_context.text`); their `tools` become the declared tools (an SDK
//!   `ToolDefinition` dump named by `title`, or an OpenAI `{type, function: {name}}` schema);
//! - `MessageEvent`: `llm_message` (`role`, `content` parts, `reasoning_content`,
//!   `thinking_blocks`, `responses_reasoning_item`) read as a chat message, `extended_content`
//!   appended; a missing role is taken from `source`;
//! - `ActionEvent` (and the older `NonExecutableActionEvent`): an assistant message whose
//!   content is `thought`, whose reasoning is `reasoning_content`, `thinking_blocks` and the
//!   Responses reasoning summary, with one tool call read from `tool_call` (`{id, name,
//!   arguments}`), else from `tool_name`, `tool_call_id` and `action`. Consecutive actions of
//!   one LLM response (same `llm_response_id`, tool results between them allowed) are one
//!   assistant message with several calls; a call id or an event id seen before is not read
//!   twice;
//! - `ObservationEvent`: a tool message (`tool_call_id`, else the call of `action_id`; name
//!   `tool_name`) whose text is the observation's `content` (else the older `output`, else its
//!   `error`) between its `metadata.prefix` and `metadata.suffix`, then `extended_content`;
//!   `UserRejectObservation` gives `Action rejected: <rejection_reason>`, `AgentErrorEvent` its
//!   `error` (a user message when it names no call);
//! - `Condensation` (with a `summary`) and `CondensationSummaryEvent`: a user message holding
//!   the summary, which is what the model is shown from then on;
//! - `ACPToolCallEvent` (a tool call run by an ACP server): an assistant message with the call
//!   (`title`, `raw_input`) and a tool message with `raw_output`, updated by later events of the
//!   same `tool_call_id`;
//! - `ConversationStateUpdateEvent`: `execution_status` (or a `full_state` snapshot's) becomes
//!   the exit status, the agent's `llm.model` the model, and `stats.usage_to_metrics` the
//!   `cost_usd`, `input_tokens` and `output_tokens` metadata; `ConversationErrorEvent` sets the
//!   exit status `error` and keeps its `detail`;
//! - other known events (`PauseEvent`, `TokenEvent`, ...) carry no conversation: counted in the
//!   `skipped_events` metadata; unknown kinds give one `unknown_event` warning per kind.
//!
//! # LLM-call logs
//!
//! With `log_completions` on, the SDK's telemetry (`openhands/sdk/llm/utils/telemetry.py`,
//! `Telemetry.log_llm_call`) writes one JSON file per completion: the request context
//! (`messages`, `tools`, `kwargs`, `context_window`; `raw_messages` when function calls were
//! written into the prompt; `llm_path: "responses"` with `instructions` and `input` items for
//! the Responses API), then `response` (a LiteLLM `ModelResponse` or `ResponsesAPIResponse`),
//! `cost`, `timestamp`, `latency_sec`, `usage_summary` (and `raw_response`). A failed call's log
//! has `error` instead of `response`. [`LLM_CALL`] reads the request messages and appends the
//! response's assistant message (`choices[0].message`, or the Responses `output` items), with
//! its tool calls; cost, tokens, latency, model and finish reason go to the metadata. The format
//! is [`Format::OpenAiToolCalls`]: the log is an OpenAI chat request and its answer, read by the
//! chat reader, whatever harness made it.

use std::collections::{BTreeMap, HashMap, HashSet};

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, ArrayAdapter, LineEvents, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, ToolSpec, Trajectory};

/// The event-list adapter: a JSON list whose first items are SDK events (see [`is_event`]).
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::OpenHandsSdkEvents,
    misfit: |items| {
        (!is_event_list(items))
            .then(|| "items are not SDK events with a `kind` such as `ActionEvent`".into())
    },
    read: |items, path, trajectory| {
        trajectory.format = Format::OpenHandsSdkEvents;
        read_events(items, path, trajectory);
    },
};

/// The line-event detector: a JSONL line that is one SDK event (a persisted event file's
/// content). Events carry no conversation id, so every run of event lines is one trajectory.
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::OpenHandsSdkEvents, is_event, session_key: |_| None };

/// Keys of an object row that may hold a conversation's events: an evaluation output row's
/// `history` (OpenHands/benchmarks `EvalOutput`), a list's `events`, the agent server's event
/// search page `items`.
const EVENT_LIST_KEYS: [&str; 3] = ["history", "events", "items"];

/// The object-row adapter for rows holding a list of SDK events (see [`EVENT_LIST_KEYS`]): the
/// events are read as [`EVENTS`] does; the row's `metrics` (`accumulated_cost`,
/// `accumulated_token_usage`) give `cost_usd` and token counts, `metadata.llm.model` the model;
/// the rest (`instance_id`, `test_result.git_patch`, ...) is read by the generic field reader.
pub(super) const CONVERSATION: ObjectAdapter = ObjectAdapter {
    format: Format::OpenHandsSdkEvents,
    misfit: |map| {
        event_list_key(map)
            .is_none()
            .then(|| "no `history`, `events` or `items` list of SDK events".into())
    },
    read: read_conversation_row,
};

/// The LLM-call log adapter (see the module doc).
pub(super) const LLM_CALL: ObjectAdapter = ObjectAdapter {
    format: Format::OpenAiToolCalls,
    misfit: |map| {
        (!is_llm_call(map)).then(|| {
            "no `messages` (or `input`) with a `response` (or `error`) and `latency_sec` or \
             `context_window`"
                .into()
        })
    },
    read: read_llm_call,
};

/// The SDK's event classes (`kind` values), from `openhands/sdk/event/`.
const KNOWN_KINDS: [&str; 22] = [
    "SystemPromptEvent",
    "SystemPromptUpdateEvent",
    "MessageEvent",
    "ActionEvent",
    "NonExecutableActionEvent",
    "ObservationEvent",
    "AgentErrorEvent",
    "UserRejectObservation",
    "PauseEvent",
    "InterruptEvent",
    "Condensation",
    "CondensationRequest",
    "CondensationSummaryEvent",
    "ConversationStateUpdateEvent",
    "ConversationErrorEvent",
    "TokenEvent",
    "HookExecutionEvent",
    "LLMCompletionLogEvent",
    "ACPToolCallEvent",
    "StreamingDeltaEvent",
    "UserActionEvent",
    "SecurityAnalyzerEvent",
];

/// Known events that carry no conversation.
const SKIPPED_KINDS: [&str; 10] = [
    "PauseEvent",
    "InterruptEvent",
    "CondensationRequest",
    "TokenEvent",
    "HookExecutionEvent",
    "LLMCompletionLogEvent",
    "StreamingDeltaEvent",
    "UserActionEvent",
    "SecurityAnalyzerEvent",
    "ConversationIterationLimitEvent",
];

/// The event class of an object: `kind`, else (the probe-script variant) `event` when the
/// object has no `kind` or `type`.
fn kind_of(map: &Map<String, Value>) -> Option<&str> {
    match map.get("kind") {
        Some(kind) => kind.as_str(),
        None if map.contains_key("type") => None,
        None => map.get("event")?.as_str(),
    }
}

/// Whether one value is an SDK event: an object whose `kind` (or `event`) is one of the SDK's
/// event classes (and that is not a chat row with `messages`), or whose `kind` ends in `Event`
/// and that has the base event fields `id`, `timestamp` and `source` as strings. Rows of other
/// formats (`messages` rows, Claude Code and Codex lines typed by `type`, a probe's
/// `{"kind": "observation"}`) are not events.
pub(super) fn is_event(value: &Value) -> bool {
    let Some(map) = value.as_object() else { return false };
    let Some(kind) = kind_of(map) else { return false };
    if KNOWN_KINDS.contains(&kind) {
        return !map.contains_key("messages");
    }
    let base = |key: &str| map.get(key).is_some_and(Value::is_string);
    kind.len() > "Event".len()
        && kind.ends_with("Event")
        && kind.starts_with(|c: char| c.is_ascii_uppercase())
        && base("id")
        && base("timestamp")
        && base("source")
}

/// Whether a list is SDK events: its first (up to four) items all are.
fn is_event_list(items: &[Value]) -> bool {
    !items.is_empty() && items.iter().take(4).all(is_event)
}

/// The key of a row's event list, when it has one.
fn event_list_key(map: &Map<String, Value>) -> Option<&'static str> {
    EVENT_LIST_KEYS.into_iter().find(|key| match map.get(*key) {
        Some(Value::Array(items)) => is_event_list(items),
        _ => false,
    })
}

// ---------------------------------------------------------------------------------------------
// Event streams
// ---------------------------------------------------------------------------------------------

/// Reads a row holding an event list (see [`CONVERSATION`]). What the event reader found that
/// the generic field reader would overwrite (exit status, model, metadata) is put back in the
/// row for it.
fn read_conversation_row(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::OpenHandsSdkEvents;
    let Some(key) = event_list_key(map) else { return };
    if let Some(Value::Array(items)) = map.remove(key) {
        read_events(items, &Loc::Root.key(key), trajectory);
    }
    if let Some(metrics) = map.get("metrics") {
        for (name, value) in figure_values(metrics_figures(metrics)) {
            map.entry(name).or_insert(value);
        }
    }
    if !map.contains_key("model") {
        let model = json::get(map, &["metadata", "llm", "model"]).and_then(Value::as_str);
        if let Some(model) = model.map(str::to_owned).or(trajectory.ids.model.take()) {
            map.insert("model".to_owned(), Value::String(model));
        }
    }
    if let Some(status) = trajectory.exit_status.take() {
        map.entry("exit_status").or_insert(Value::String(status));
    }
    for (name, value) in std::mem::take(&mut trajectory.metadata) {
        map.entry(name).or_insert(value);
    }
}

/// The events being read into a trajectory, and what is remembered across events.
struct EventReader<'t> {
    trajectory: &'t mut Trajectory,
    /// Event ids read so far (a repeated event is skipped).
    seen_events: HashSet<String>,
    /// Tool call ids made so far (a call is read once).
    seen_calls: HashSet<String>,
    /// The call id of each action event, by event id (for observations with only `action_id`).
    call_of_action: HashMap<String, String>,
    /// The LLM response whose actions are being gathered, and the index of its message.
    open_response: Option<(String, usize)>,
    /// The tool message of each ACP tool call, by call id.
    acp_results: HashMap<String, usize>,
    /// Known events that carry no conversation, counted by kind.
    skipped: BTreeMap<String, u64>,
    /// Unknown event kinds, with the first location and the count.
    unknown: BTreeMap<String, (String, u64)>,
    /// `Condensation` events.
    n_condensations: u64,
}

/// Reads a list of SDK events into `trajectory` (messages, tools, exit status, metadata).
pub(super) fn read_events(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    let mut reader = EventReader {
        trajectory,
        seen_events: HashSet::new(),
        seen_calls: HashSet::new(),
        call_of_action: HashMap::new(),
        open_response: None,
        acp_results: HashMap::new(),
        skipped: BTreeMap::new(),
        unknown: BTreeMap::new(),
        n_condensations: 0,
    };
    for (idx, item) in items.into_iter().enumerate() {
        reader.read_event(item, &path.index(idx));
    }
    reader.finish(path);
}

impl EventReader<'_> {
    fn warn(&mut self, code: &'static str, path: &Loc<'_>, message: impl Into<String>) {
        self.trajectory.diagnostics.push(Diagnostic::warning(code, path.to_string(), message));
    }

    fn read_event(&mut self, item: Value, path: &Loc<'_>) {
        let Value::Object(mut event) = item else {
            let what = json::describe(&item);
            return self.warn(
                "bad_event",
                path,
                format!("an event must be an object, found {what}; skipped"),
            );
        };
        let Some(kind) = kind_of(&event).map(str::to_owned) else {
            return self.warn("unknown_event", path, "an event without a `kind`; skipped");
        };
        if let Some(id) = event.get("id").and_then(Value::as_str) {
            if !self.seen_events.insert(id.to_owned()) {
                return self.warn(
                    "duplicate_event",
                    path,
                    format!("event `{id}` ({kind}) was read before; skipped"),
                );
            }
        }
        match kind.as_str() {
            "SystemPromptEvent" | "SystemPromptUpdateEvent" => self.system_prompt(event, path),
            "MessageEvent" => self.message(event, path),
            "ActionEvent" | "NonExecutableActionEvent" => return self.action(event, path),
            "ObservationEvent" => {
                let text = observation_text(event.remove("observation"), path, self.diagnostics());
                let text = join_blocks(text, extended_text(&mut event, path, self.diagnostics()));
                return self.tool_result(&mut event, text);
            }
            "UserRejectObservation" => {
                let reason = event
                    .remove("rejection_reason")
                    .and_then(json::into_string)
                    .unwrap_or_else(|| "User rejected the action".to_owned());
                return self.tool_result(&mut event, format!("Action rejected: {reason}"));
            }
            "AgentErrorEvent" => {
                let error = event.remove("error").and_then(json::into_string).unwrap_or_default();
                if has_call_link(&event) {
                    return self.tool_result(&mut event, error);
                }
                self.trajectory.messages.push(Message::new(Role::User, error));
            }
            "CondensationSummaryEvent" | "Condensation" => {
                if kind == "Condensation" {
                    self.n_condensations += 1;
                }
                if let Some(summary) = event.remove("summary").and_then(json::into_string) {
                    if !summary.is_empty() {
                        self.trajectory.messages.push(Message::new(Role::User, summary));
                    }
                }
            }
            "ACPToolCallEvent" => self.acp_tool_call(event, path),
            "ConversationStateUpdateEvent" => {
                self.state_update(event);
                return;
            }
            "ConversationErrorEvent" => {
                self.trajectory.exit_status = Some("error".to_owned());
                let detail = event.remove("detail").or_else(|| event.remove("code"));
                if let Some(detail) = detail.filter(|d| !d.is_null()) {
                    self.trajectory.metadata.insert("conversation_error".to_owned(), detail);
                }
                return;
            }
            kind if SKIPPED_KINDS.contains(&kind) => {
                *self.skipped.entry(kind.to_owned()).or_default() += 1;
                return;
            }
            _ => {
                let entry = self.unknown.entry(kind).or_insert_with(|| (path.to_string(), 0));
                entry.1 += 1;
                return;
            }
        }
        // Anything but an action or a tool result ends the gathering of one response's actions.
        self.open_response = None;
    }

    fn diagnostics(&mut self) -> &mut Vec<Diagnostic> {
        &mut self.trajectory.diagnostics
    }

    /// A `SystemPromptEvent` or `SystemPromptUpdateEvent`: a system message, and its tools.
    fn system_prompt(&mut self, mut event: Map<String, Value>, path: &Loc<'_>) {
        let mut text = String::new();
        for key in ["system_prompt", "dynamic_context"] {
            if let Some(value) = event.remove(key).filter(|v| !v.is_null()) {
                let piece = chat::content_to_text(value, &path.key(key), self.diagnostics());
                text = join_blocks(text, piece);
            }
        }
        if !text.is_empty() {
            self.trajectory.messages.push(Message::new(Role::System, text));
        }
        if let Some(tools) = event.remove("tools") {
            let specs = read_tool_specs(tools, &path.key("tools"), self.diagnostics());
            for spec in specs {
                if !self.trajectory.tools.iter().any(|tool| tool.name == spec.name) {
                    self.trajectory.tools.push(spec);
                }
            }
        }
    }

    /// A `MessageEvent`: `llm_message` (or, in the probe variant, the event's own `role` and
    /// `content`), its role defaulting from `source`, with `extended_content` appended.
    fn message(&mut self, mut event: Map<String, Value>, path: &Loc<'_>) {
        let extended = extended_text(&mut event, path, self.diagnostics());
        let source = event.get("source").and_then(Value::as_str).map(str::to_owned);
        let (mut llm, llm_path) = match event.remove("llm_message") {
            Some(Value::Object(llm)) => (llm, path.key("llm_message")),
            Some(other) if !other.is_null() => {
                let what = json::describe(&other);
                return self.warn(
                    "bad_event",
                    &path.key("llm_message"),
                    format!("`llm_message` is {what}, not a message; skipped"),
                );
            }
            _ => (event, *path),
        };
        if !llm.get("role").is_some_and(Value::is_string) {
            let role = match source.as_deref() {
                Some("agent") => "assistant",
                _ => "user",
            };
            llm.insert("role".to_owned(), Value::String(role.to_owned()));
        }
        let mut message = read_llm_message(llm, &llm_path, self.diagnostics());
        message.content = join_blocks(std::mem::take(&mut message.content), extended);
        self.trajectory.messages.push(message);
    }

    /// An `ActionEvent`: one tool call, added to the message of its LLM response when that
    /// response's actions are being gathered.
    fn action(&mut self, mut event: Map<String, Value>, path: &Loc<'_>) {
        let event_id = event.get("id").and_then(Value::as_str).map(str::to_owned);
        let response_id = event.get("llm_response_id").and_then(Value::as_str).map(str::to_owned);
        let thought = match event.remove("thought") {
            Some(value) => chat::content_to_text(value, &path.key("thought"), self.diagnostics()),
            None => String::new(),
        };
        let reasoning = take_reasoning(&mut event);
        let Some(mut call) = self.action_call(&mut event, path) else { return };
        if call.id.is_none() {
            call.id = event.get("tool_call_id").and_then(Value::as_str).map(str::to_owned);
        }
        if let Some(id) = &call.id {
            if !self.seen_calls.insert(id.clone()) {
                return self.warn(
                    "duplicate_tool_call",
                    path,
                    format!("tool call `{id}` was read before; skipped"),
                );
            }
            if let Some(event_id) = event_id {
                self.call_of_action.insert(event_id, id.clone());
            }
        }
        let open = match (&self.open_response, &response_id) {
            (Some((open, idx)), Some(id)) if open == id => Some(*idx),
            _ => None,
        };
        let messages = &mut self.trajectory.messages;
        match open.and_then(|idx| messages.get_mut(idx)).filter(|m| m.role == Role::Assistant) {
            Some(message) => {
                message.content = join_blocks(std::mem::take(&mut message.content), thought);
                message.reasoning = match (message.reasoning.take(), reasoning) {
                    (Some(given), Some(more)) => Some(format!("{given}\n\n{more}")),
                    (given, more) => given.or(more),
                };
                message.tool_calls.push(call);
            }
            None => {
                let mut message = Message::new(Role::Assistant, thought);
                message.reasoning = reasoning;
                message.tool_calls.push(call);
                messages.push(message);
                self.open_response = response_id.map(|id| (id, messages.len() - 1));
            }
        }
    }

    /// The call of an action: `tool_call` (`{id, name, arguments}`), else `tool_name` with the
    /// `action`'s fields as arguments.
    fn action_call(&mut self, event: &mut Map<String, Value>, path: &Loc<'_>) -> Option<ToolCall> {
        let call_path = path.key("tool_call");
        let given = event.remove("tool_call").filter(|call| !call.is_null());
        let mut problem = None;
        if let Some(call) = given {
            match chat::read_tool_call(call, &call_path) {
                Ok(call) => return Some(call),
                Err(diagnostic) => problem = Some(diagnostic),
            }
        }
        let mut arguments = match event.remove("action") {
            Some(Value::Object(action)) => action,
            _ => Map::new(),
        };
        let action_kind = arguments.remove("kind").and_then(json::into_string);
        let name = event.remove("tool_name").and_then(json::into_string).or(action_kind);
        let Some(name) = name else {
            self.diagnostics().push(problem.unwrap_or_else(|| {
                Diagnostic::warning(
                    "bad_tool_call",
                    path.to_string(),
                    "an action with no `tool_call`, `tool_name` or `action.kind`; skipped",
                )
            }));
            return None;
        };
        if let Some(problem) = problem {
            self.diagnostics().push(problem);
        }
        let id = event.get("tool_call_id").and_then(Value::as_str).map(str::to_owned);
        let arguments = Value::Object(arguments);
        let raw = arguments.to_string();
        Some(ToolCall::new(id, name, arguments, raw, false))
    }

    /// A tool message answering the call named by the event's `tool_call_id` (else by the call
    /// of its `action_id`).
    fn tool_result(&mut self, event: &mut Map<String, Value>, text: String) {
        let call_id = event.remove("tool_call_id").and_then(json::into_string).or_else(|| {
            let action = event.get("action_id")?.as_str()?;
            self.call_of_action.get(action).cloned()
        });
        let mut message = Message::new(Role::Tool, text);
        message.tool_call_id = call_id;
        message.name = event.remove("tool_name").and_then(json::into_string);
        self.trajectory.messages.push(message);
    }

    /// An `ACPToolCallEvent`: the call and its result, or an update of the result.
    fn acp_tool_call(&mut self, mut event: Map<String, Value>, path: &Loc<'_>) {
        let Some(id) = event.remove("tool_call_id").and_then(json::into_string) else {
            return self.warn(
                "bad_tool_call",
                path,
                "an ACP tool call without `tool_call_id`; skipped",
            );
        };
        let output = match event.remove("raw_output").filter(|v| !v.is_null()) {
            Some(Value::String(text)) => Some(text),
            Some(other) => Some(other.to_string()),
            None => event.remove("content").filter(|v| !v.is_null()).map(|content| {
                chat::content_to_text(content, &path.key("content"), self.diagnostics())
            }),
        };
        if let Some(&idx) = self.acp_results.get(&id) {
            if let (Some(output), Some(message)) = (output, self.trajectory.messages.get_mut(idx)) {
                message.content = output;
            }
            return;
        }
        let name = event
            .remove("title")
            .and_then(json::into_string)
            .or_else(|| event.remove("tool_kind").and_then(json::into_string))
            .unwrap_or_else(|| "acp_tool".to_owned());
        let (arguments, raw) = match event.remove("raw_input").filter(|v| !v.is_null()) {
            Some(Value::String(text)) => (Value::String(text.clone()), text),
            Some(value) => {
                let raw = value.to_string();
                (value, raw)
            }
            None => (Value::Object(Map::new()), String::new()),
        };
        self.seen_calls.insert(id.clone());
        let mut call_message = Message::new(Role::Assistant, String::new());
        call_message.tool_calls.push(ToolCall::new(
            Some(id.clone()),
            name.clone(),
            arguments,
            raw,
            false,
        ));
        self.trajectory.messages.push(call_message);
        let mut result = Message::new(Role::Tool, output.unwrap_or_default());
        result.tool_call_id = Some(id.clone());
        result.name = Some(name);
        self.trajectory.messages.push(result);
        self.acp_results.insert(id, self.trajectory.messages.len() - 1);
    }

    /// A `ConversationStateUpdateEvent`: exit status, model and usage from the state.
    fn state_update(&mut self, mut event: Map<String, Value>) {
        let key = event.remove("key").and_then(json::into_string).unwrap_or_default();
        let value = event.remove("value").unwrap_or(Value::Null);
        let (status, stats, model) = match key.as_str() {
            "execution_status" => (Some(&value), None, None),
            "stats" => (None, Some(&value), None),
            "full_state" => (
                value.get("execution_status"),
                value.get("stats"),
                value.get("agent").and_then(|a| a.get("llm")).and_then(|l| l.get("model")),
            ),
            _ => (None, None, None),
        };
        if let Some(status) = status.and_then(Value::as_str) {
            self.trajectory.exit_status = Some(status.to_owned());
        }
        if let Some(model) = model.and_then(Value::as_str) {
            self.trajectory.ids.model = Some(model.to_owned());
        }
        if let Some(stats) = stats {
            for (name, figure) in stats_figures(stats) {
                self.trajectory.metadata.insert(name.to_owned(), figure);
            }
        }
    }

    /// Ends the list: summary metadata and diagnostics.
    fn finish(self, path: &Loc<'_>) {
        let trajectory = self.trajectory;
        if !self.skipped.is_empty() {
            let counts: Map<String, Value> =
                self.skipped.into_iter().map(|(kind, n)| (kind, Value::from(n))).collect();
            trajectory.metadata.insert("skipped_events".to_owned(), Value::Object(counts));
        }
        if self.n_condensations > 0 {
            trajectory
                .metadata
                .insert("n_condensations".to_owned(), Value::from(self.n_condensations));
        }
        for (kind, (location, n)) in self.unknown {
            trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_event",
                location,
                format!("{n} event(s) of kind `{kind}` are not read"),
            ));
        }
        if trajectory.messages.is_empty() {
            trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                "no event of the list holds a message, an action or an observation",
            ));
        }
    }
}

/// Whether an observation-like event names the call it answers.
fn has_call_link(event: &Map<String, Value>) -> bool {
    ["tool_call_id", "action_id"].iter().any(|key| event.get(*key).is_some_and(Value::is_string))
}

/// Joins two text blocks with a blank line (either may be empty).
fn join_blocks(first: String, second: String) -> String {
    match (first.is_empty(), second.is_empty()) {
        (_, true) => first,
        (true, false) => second,
        (false, false) => format!("{first}\n\n{second}"),
    }
}

/// The text of an event's `extended_content` (context added by skills), taken out of it.
fn extended_text(
    event: &mut Map<String, Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    match event.remove("extended_content") {
        Some(value) if !value.is_null() => {
            chat::content_to_text(value, &path.key("extended_content"), diagnostics)
        }
        _ => String::new(),
    }
}

/// The text the model was given for an observation: `content` (parts or a string), else the
/// older `output`, else `error`, between `metadata.prefix` and `metadata.suffix`.
fn observation_text(
    observation: Option<Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    let path = path.key("observation");
    let mut observation = match observation {
        Some(Value::Object(observation)) => observation,
        Some(Value::String(text)) => return text,
        Some(Value::Null) | None => return String::new(),
        Some(other) => return other.to_string(),
    };
    let mut text = String::new();
    for key in ["content", "output", "text", "error"] {
        match observation.remove(key) {
            Some(Value::String(s)) if !s.is_empty() => text = s,
            Some(value @ (Value::Array(_) | Value::Object(_))) => {
                text = chat::content_to_text(value, &path.key(key), diagnostics);
            }
            _ => {}
        }
        if !text.is_empty() {
            break;
        }
    }
    let affix = |key: &str| {
        observation.get("metadata").and_then(|m| m.get(key)).and_then(Value::as_str).unwrap_or("")
    };
    let (prefix, suffix) = (affix("prefix"), affix("suffix"));
    if prefix.is_empty() && suffix.is_empty() {
        text
    } else {
        format!("{prefix}{text}{suffix}")
    }
}

/// Reasoning of an LLM message or action, taken out of it: `reasoning_content`, the text of
/// `thinking_blocks` (Anthropic `{type: thinking, thinking}`; redacted blocks have none) and
/// the Responses reasoning item's `summary` and `content`, joined by blank lines.
fn take_reasoning(map: &mut Map<String, Value>) -> Option<String> {
    let mut pieces: Vec<String> = Vec::new();
    if let Some(text) = map.remove("reasoning_content").and_then(json::into_string) {
        pieces.push(text);
    }
    if let Some(Value::Array(blocks)) = map.remove("thinking_blocks") {
        pieces.extend(blocks.into_iter().filter_map(|mut block| {
            block.as_object_mut()?.remove("thinking").and_then(json::into_string)
        }));
    }
    if let Some(Value::Object(mut item)) = map.remove("responses_reasoning_item") {
        for key in ["summary", "content"] {
            if let Some(Value::Array(parts)) = item.remove(key) {
                pieces.extend(parts.into_iter().filter_map(|part| match part {
                    Value::String(text) => Some(text),
                    Value::Object(mut part) => part.remove("text").and_then(json::into_string),
                    _ => None,
                }));
            }
        }
    }
    let pieces: Vec<&str> = pieces.iter().map(|s| s.trim()).filter(|s| !s.is_empty()).collect();
    (!pieces.is_empty()).then(|| pieces.join("\n\n"))
}

/// Reads an SDK `Message` or LiteLLM message object: the chat reader, plus the reasoning
/// fields it does not know (`thinking_blocks`, `responses_reasoning_item`).
fn read_llm_message(
    mut map: Map<String, Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Message {
    let reasoning = take_reasoning(&mut map);
    let mut message = chat::read_message(map, path, diagnostics);
    message.reasoning = match (message.reasoning.take(), reasoning) {
        (Some(think), Some(given)) => Some(format!("{given}\n\n{think}")),
        (think, given) => given.or(think),
    };
    message
}

/// Declared tools: OpenAI schemas (`{type: function, function: {name}}`), flat `{name}`
/// definitions, or SDK `ToolDefinition` dumps (named by `title`, else `annotations.title`).
fn read_tool_specs(
    tools: Value,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ToolSpec> {
    let items = match tools {
        Value::Array(items) => items,
        Value::Null => return Vec::new(),
        other => {
            diagnostics.push(Diagnostic::warning(
                "bad_tool",
                path.to_string(),
                format!("`tools` is {}, not a list; ignored", json::describe(&other)),
            ));
            return Vec::new();
        }
    };
    let mut specs = Vec::with_capacity(items.len());
    for (idx, definition) in items.into_iter().enumerate() {
        let name = {
            let function =
                definition.get("function").filter(|f| f.is_object()).unwrap_or(&definition);
            json::str_field(function, "name")
                .or_else(|| json::str_field(&definition, "title"))
                .or_else(|| definition.get("annotations").and_then(|a| json::str_field(a, "title")))
                .map(str::to_owned)
        };
        match name {
            Some(name) => specs.push(ToolSpec::new(name, definition)),
            None => diagnostics.push(Diagnostic::warning(
                "bad_tool",
                path.index(idx).to_string(),
                "a tool with no `name`, `function.name` or `title`; skipped",
            )),
        }
    }
    specs
}

/// Usage figures of a `ConversationStats` (`usage_to_metrics`: a `Metrics` per LLM usage),
/// summed over the usages.
fn stats_figures(stats: &Value) -> Vec<(&'static str, Value)> {
    let Some(Value::Object(usages)) = stats.get("usage_to_metrics") else { return Vec::new() };
    let mut sums: [Option<f64>; 3] = [None; 3];
    for metrics in usages.values() {
        for (sum, figure) in sums.iter_mut().zip(metrics_figures(metrics)) {
            if let Some(figure) = figure {
                *sum = Some(sum.unwrap_or(0.0) + figure);
            }
        }
    }
    figure_values(sums)
}

/// Metadata names of the usage figures of a `Metrics`.
const FIGURE_NAMES: [&str; 3] = ["cost_usd", "input_tokens", "output_tokens"];

/// Usage figures of one SDK `Metrics` (`accumulated_cost`, `accumulated_token_usage.
/// prompt_tokens`, `.completion_tokens`), in [`FIGURE_NAMES`] order.
fn metrics_figures(metrics: &Value) -> [Option<f64>; 3] {
    let usage = metrics.get("accumulated_token_usage");
    [
        metrics.get("accumulated_cost"),
        usage.and_then(|u| u.get("prompt_tokens")),
        usage.and_then(|u| u.get("completion_tokens")),
    ]
    .map(|figure| figure.and_then(Value::as_f64))
}

/// The figures found, named: the cost as a float, token counts as integers.
fn figure_values(figures: [Option<f64>; 3]) -> Vec<(&'static str, Value)> {
    FIGURE_NAMES
        .iter()
        .zip(figures)
        .filter_map(|(name, figure)| Some((*name, number(figure?, *name != "cost_usd"))))
        .collect()
}

/// A JSON number: an integer when asked and exact, else a float.
fn number(value: f64, integer: bool) -> Value {
    if integer && value.fract() == 0.0 && value >= 0.0 && value < u64::MAX as f64 {
        Value::from(value as u64)
    } else {
        serde_json::Number::from_f64(value).map(Value::Number).unwrap_or(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------------
// LLM-call logs
// ---------------------------------------------------------------------------------------------

/// Whether an object row is an SDK completion log (see the module doc).
fn is_llm_call(map: &Map<String, Value>) -> bool {
    let request = map.get("messages").is_some_and(Value::is_array)
        || map.get("input").is_some_and(Value::is_array);
    let answer = map.get("response").is_some_and(Value::is_object)
        || map.get("error").is_some_and(Value::is_object);
    request && answer && (map.contains_key("latency_sec") || map.contains_key("context_window"))
}

/// Reads a completion log: the request messages, then the response's message; cost, tokens,
/// latency and model are put in the row for the generic field reader to keep as metadata.
fn read_llm_call(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::OpenAiToolCalls;
    let diagnostics = &mut trajectory.diagnostics;

    // The request: `raw_messages` (structured calls, before they were written into the
    // prompt) when present, else `messages`; or the Responses `instructions` and `input`.
    let raw = matches!(map.get("raw_messages"), Some(Value::Array(items)) if !items.is_empty());
    let key = if raw { "raw_messages" } else { "messages" };
    if raw {
        diagnostics.push(Diagnostic::info(
            "request_from_raw_messages",
            "/raw_messages",
            "the request is read from `raw_messages` (the messages before function calls were \
             written into the prompt); `messages` holds what was sent",
        ));
        map.remove("messages");
    }
    match map.remove(key) {
        Some(Value::Array(items)) => {
            let path = Loc::Root.key(key);
            for (idx, item) in items.into_iter().enumerate() {
                let item_path = path.index(idx);
                match item {
                    Value::Object(message) => {
                        trajectory.messages.push(read_llm_message(message, &item_path, diagnostics))
                    }
                    other => diagnostics.push(Diagnostic::error(
                        "bad_message",
                        item_path.to_string(),
                        format!(
                            "a message must be an object, found {}; skipped",
                            json::describe(&other)
                        ),
                    )),
                }
            }
        }
        Some(other) => {
            map.insert(key.to_owned(), other);
        }
        None => {}
    }
    if let Some(Value::String(instructions)) = map.remove("instructions") {
        trajectory.messages.push(Message::new(Role::System, instructions));
    }
    if let Some(Value::Array(items)) = map.remove("input") {
        read_response_items(items, &Loc::Root.key("input"), trajectory);
    }

    // The declared tools: `tools`, else the ones given in `kwargs`.
    let tools = map
        .remove("tools")
        .filter(|t| !t.is_null())
        .map(|tools| (tools, Loc::Root.key("tools")))
        .or_else(|| {
            let tools = map.get_mut("kwargs")?.as_object_mut()?.remove("tools")?;
            Some((tools, Loc::Root.key("kwargs")))
        });
    if let Some((tools, path)) = tools {
        trajectory.tools = read_tool_specs(tools, &path, &mut trajectory.diagnostics);
    }

    // The response: its assistant message, model, finish reason and usage.
    map.remove("raw_response");
    let n_request = trajectory.messages.len();
    if let Some(Value::Object(mut response)) = map.remove("response") {
        read_response(&mut response, trajectory);
        for (from, to) in
            [("model", "model"), ("id", "response_id"), ("finish_reason", "finish_reason")]
        {
            if let Some(Value::String(value)) = response.remove(from) {
                map.entry(to).or_insert(Value::String(value));
            }
        }
        if let Some(usage) = response.remove("usage") {
            for (name, value) in usage_figures(&usage) {
                map.entry(name).or_insert(value);
            }
        }
    } else if map.get("error").is_some_and(Value::is_object) {
        map.entry("exit_status").or_insert(Value::String("error".to_owned()));
    }
    if trajectory.messages.len() == n_request && map.contains_key("response") {
        trajectory.diagnostics.push(Diagnostic::warning(
            "no_response_message",
            "/response",
            "the response holds no assistant message",
        ));
    }
    if let Some(usage) = map.get("usage_summary") {
        for (name, value) in usage_figures(usage) {
            map.entry(name).or_insert(value);
        }
    }
    if let Some(cost) = map.remove("cost") {
        map.entry("cost_usd").or_insert(cost);
    }
}

/// Appends a response's assistant message: `choices[0].message` (chat completions) or the
/// `output` items (Responses API). The first choice's `finish_reason` is put in `response`.
fn read_response(response: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    let path = Loc::Root.key("response");
    if let Some(Value::Array(output)) = response.remove("output") {
        return read_response_items(output, &path.key("output"), trajectory);
    }
    let Some(Value::Array(choices)) = response.remove("choices") else {
        return trajectory.diagnostics.push(Diagnostic::warning(
            "no_response_message",
            path.to_string(),
            "the response has no `choices` or `output` list",
        ));
    };
    if choices.len() > 1 {
        trajectory.diagnostics.push(Diagnostic::info(
            "first_choice",
            path.key("choices").to_string(),
            format!("the response has {} choices; the first is read", choices.len()),
        ));
    }
    let choices_path = path.key("choices");
    let choice_path = choices_path.index(0);
    let Some(Value::Object(mut choice)) = choices.into_iter().next() else { return };
    if let Some(reason) = choice.remove("finish_reason").filter(Value::is_string) {
        response.insert("finish_reason".to_owned(), reason);
    }
    match choice.remove("message") {
        Some(Value::Object(mut message)) => {
            if !message.get("role").is_some_and(Value::is_string) {
                message.insert("role".to_owned(), Value::String("assistant".to_owned()));
            }
            let message =
                read_llm_message(message, &choice_path.key("message"), &mut trajectory.diagnostics);
            trajectory.messages.push(message);
        }
        _ => trajectory.diagnostics.push(Diagnostic::warning(
            "no_response_message",
            choice_path.to_string(),
            "the first choice has no `message` object",
        )),
    }
}

/// Token figures of a usage object: chat completions (`prompt_tokens`, `completion_tokens`,
/// `completion_tokens_details.reasoning_tokens`, `prompt_tokens_details.cached_tokens`), the
/// Responses API (`input_tokens`, `output_tokens`) or the log's `usage_summary`
/// (`reasoning_tokens`, `cache_read_tokens`).
fn usage_figures(usage: &Value) -> Vec<(&'static str, Value)> {
    let at = |path: &[&str]| {
        let mut value = usage;
        for key in path {
            value = value.get(*key)?;
        }
        value.is_number().then(|| value.clone())
    };
    let figures: [(&str, &[&[&str]]); 4] = [
        ("input_tokens", &[&["prompt_tokens"], &["input_tokens"]]),
        ("output_tokens", &[&["completion_tokens"], &["output_tokens"]]),
        (
            "reasoning_tokens",
            &[
                &["completion_tokens_details", "reasoning_tokens"],
                &["output_tokens_details", "reasoning_tokens"],
                &["reasoning_tokens"],
            ],
        ),
        (
            "cache_read_tokens",
            &[
                &["prompt_tokens_details", "cached_tokens"],
                &["input_tokens_details", "cached_tokens"],
                &["cache_read_tokens"],
            ],
        ),
    ];
    figures
        .into_iter()
        .filter_map(|(name, paths)| Some((name, paths.iter().find_map(|path| at(path))?)))
        .collect()
}

/// Reads OpenAI Responses API items (`message`, `function_call`, `function_call_output`,
/// `reasoning`) into messages: function calls join the assistant message before them, and a
/// reasoning item's summary goes to the next assistant message.
fn read_response_items(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    let mut reasoning: Option<String> = None;
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        let Value::Object(mut item) = item else {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_message",
                item_path.to_string(),
                "a Responses item must be an object; skipped",
            ));
            continue;
        };
        let kind =
            item.remove("type").and_then(json::into_string).unwrap_or_else(|| "message".to_owned());
        match kind.as_str() {
            "reasoning" => {
                let mut wrapper = Map::new();
                wrapper.insert("responses_reasoning_item".to_owned(), Value::Object(item));
                if let Some(text) = take_reasoning(&mut wrapper) {
                    reasoning = Some(match reasoning.take() {
                        Some(given) => format!("{given}\n\n{text}"),
                        None => text,
                    });
                }
            }
            "function_call" => {
                let id = item.remove("call_id").or_else(|| item.remove("id"));
                if let Some(id) = id {
                    item.insert("id".to_owned(), id);
                }
                match chat::read_tool_call(Value::Object(item), &item_path) {
                    Ok(call) => {
                        let messages = &mut trajectory.messages;
                        if messages.last().is_none_or(|last| last.role != Role::Assistant) {
                            messages.push(Message::new(Role::Assistant, String::new()));
                        }
                        if let Some(message) = messages.last_mut() {
                            if let Some(text) = reasoning.take() {
                                message.reasoning = Some(text);
                            }
                            message.tool_calls.push(call);
                        }
                    }
                    Err(diagnostic) => trajectory.diagnostics.push(diagnostic),
                }
            }
            "function_call_output" => {
                let output = item.remove("output").unwrap_or(Value::Null);
                let text = chat::content_to_text(
                    output,
                    &item_path.key("output"),
                    &mut trajectory.diagnostics,
                );
                let mut message = Message::new(Role::Tool, text);
                message.tool_call_id = item.remove("call_id").and_then(json::into_string);
                trajectory.messages.push(message);
            }
            "message" => {
                let mut message = chat::read_message(item, &item_path, &mut trajectory.diagnostics);
                if message.role == Role::Assistant {
                    if let Some(text) = reasoning.take() {
                        message.reasoning = Some(text);
                    }
                }
                trajectory.messages.push(message);
            }
            other => trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_item",
                item_path.to_string(),
                format!("a Responses item of type `{other}` is not read"),
            )),
        }
    }
    if let Some(text) = reasoning {
        let mut message = Message::new(Role::Assistant, String::new());
        message.reasoning = Some(text);
        trajectory.messages.push(message);
    }
}
