//! Raw OpenHands event logs: a list of events (or of `[action, observation]` pairs, as older
//! OpenHands versions store `history`), each an action (`{"action": "run", "args": {...},
//! "source": "agent", "tool_call_metadata": {...}}`) or an observation (`{"observation": "run",
//! "content": "...", "cause": 5}`), following OpenHands' event stream serialization.
//!
//! Messages become chat messages; other agent actions become assistant messages with one tool
//! call (named by `tool_call_metadata.function_name`, else by the action); observations become
//! tool messages linked by `tool_call_metadata.tool_call_id`, else by `cause`. State-change
//! events carry no conversation and are left out.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::ArrayAdapter;
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The event-log adapter.
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::OpenHandsEvents,
    misfit: |items| {
        (!is_event_log(items)).then(|| "items are not events with `action` or `observation`".into())
    },
    read: |items, path, trajectory| {
        trajectory.format = Format::OpenHandsEvents;
        read_events(items, path, trajectory);
    },
};

/// Events that carry no conversation.
const SKIPPED: [&str; 4] = ["null", "change_agent_state", "agent_state_changed", "recall"];

/// Whether a list is an OpenHands event log.
pub(super) fn is_event_log(items: &[Value]) -> bool {
    let is_event = |v: &Value| v.get("action").is_some() || v.get("observation").is_some();
    items.iter().take(4).all(|item| match item {
        Value::Array(pair) => pair.iter().all(is_event) && !pair.is_empty(),
        Value::Object(map) => map.get("role").is_none() && is_event(item),
        _ => false,
    })
}

/// Reads an event log into `trajectory.messages`.
pub(super) fn read_events(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    let events = items.into_iter().flat_map(|item| match item {
        Value::Array(pair) => pair,
        event => vec![event],
    });
    // The model response an assistant message came from, to merge parallel calls.
    let mut last_response_id: Option<String> = None;
    for (idx, event) in events.enumerate() {
        let event_path = path.index(idx);
        let Value::Object(mut event) = event else { continue };
        let meta = event.remove("tool_call_metadata").unwrap_or(Value::Null);
        let call_id = json::str_field(&meta, "tool_call_id").map(str::to_owned);
        let function_name = json::str_field(&meta, "function_name").map(str::to_owned);
        let response_id =
            meta.get("model_response").and_then(|r| json::str_field(r, "id")).map(str::to_owned);
        let source = event.get("source").and_then(Value::as_str).unwrap_or("").to_owned();
        let event_id = event.get("id").map(|id| format!("event-{id}"));

        if let Some(action) = event.get("action").and_then(Value::as_str).map(str::to_owned) {
            if SKIPPED.contains(&action.as_str()) {
                continue;
            }
            let mut args = match event.remove("args") {
                Some(Value::Object(args)) => args,
                _ => Map::new(),
            };
            let text = args
                .remove("content")
                .and_then(json::into_string)
                .or_else(|| event.remove("message").and_then(json::into_string))
                .unwrap_or_default();
            match action.as_str() {
                "system" => trajectory.messages.push(Message::new(Role::System, text)),
                "message" => {
                    let role = if source == "agent" { Role::Assistant } else { Role::User };
                    trajectory.messages.push(Message::new(role, text));
                    last_response_id = None;
                }
                _ => {
                    let thought =
                        args.remove("thought").and_then(json::into_string).unwrap_or_default();
                    let arguments = Value::Object(args);
                    let raw_arguments = arguments.to_string();
                    let call = ToolCall::new(
                        call_id.or(event_id),
                        function_name.unwrap_or(action),
                        arguments,
                        raw_arguments,
                        false,
                    );
                    let same_response = response_id.is_some() && response_id == last_response_id;
                    match trajectory.messages.last_mut() {
                        Some(last) if same_response && last.role == Role::Assistant => {
                            last.tool_calls.push(call);
                        }
                        _ => {
                            let mut message = Message::new(Role::Assistant, thought);
                            message.tool_calls.push(call);
                            trajectory.messages.push(message);
                        }
                    }
                    last_response_id = response_id;
                }
            }
        } else if let Some(observation) = event.get("observation").and_then(Value::as_str) {
            if SKIPPED.contains(&observation) {
                continue;
            }
            let observation = observation.to_owned();
            let content = event
                .remove("content")
                .and_then(json::into_string)
                .or_else(|| event.remove("message").and_then(json::into_string))
                .unwrap_or_default();
            let cause = event.get("cause").filter(|c| !c.is_null()).map(|c| format!("event-{c}"));
            match call_id.or(cause) {
                Some(id) => {
                    let mut message = Message::new(Role::Tool, content);
                    message.tool_call_id = Some(id);
                    message.name = Some(function_name.unwrap_or(observation));
                    trajectory.messages.push(message);
                }
                // An observation nobody asked for (an error from the environment).
                None => trajectory.messages.push(Message::new(Role::User, content)),
            }
        } else {
            trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_event",
                event_path.to_string(),
                "an event that is neither an action nor an observation; skipped",
            ));
        }
    }
}
