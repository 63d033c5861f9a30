//! SWE-agent `.traj` files: `trajectory` (steps of thought / action / observation / response),
//! `history` (the chat the model saw: `{role, content, agent, thought, action, is_demo}`) and
//! `info` (`exit_status`, `submission`, `model_stats`).
//!
//! The conversation comes from `history` when present (it has the system prompt and the
//! demonstrations); otherwise from the steps. An assistant message's `action` is its tool call:
//! given by the harness as data, so not marked inferred.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, text_calls};
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The `.traj` adapter.
pub(super) const TRAJ: super::ObjectAdapter = super::ObjectAdapter {
    format: Format::SweAgentTraj,
    misfit: |map| (!is_traj(map)).then(|| "no `trajectory` list of steps".into()),
    read: read_traj,
};

const STEP_KEYS: [&str; 4] = ["action", "observation", "response", "thought"];

/// Whether an object row is a SWE-agent `.traj`: a `trajectory` list of steps (objects with
/// action/observation/response/thought and no role).
pub(super) fn is_traj(map: &Map<String, Value>) -> bool {
    let Some(Value::Array(steps)) = map.get("trajectory") else { return false };
    steps.first().is_some_and(|step| {
        step.get("role").is_none() && STEP_KEYS.iter().any(|key| step.get(*key).is_some())
    })
}

/// Reads the conversation of a `.traj` row into `trajectory`, removing the keys it used.
pub(super) fn read_traj(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::SweAgentTraj;
    let steps = map.remove("trajectory");
    match map.remove("history") {
        Some(Value::Array(history)) if !history.is_empty() => {
            read_history(history, trajectory);
            // The steps repeat what the history holds; keep their count only.
            if let Some(Value::Array(steps)) = steps {
                map.insert("n_steps".to_owned(), Value::from(steps.len()));
            }
        }
        other => {
            if let Some(history) = other {
                map.insert("history".to_owned(), history);
            }
            if let Some(Value::Array(steps)) = steps {
                read_steps(steps, trajectory);
            }
        }
    }
}

fn read_history(history: Vec<Value>, trajectory: &mut Trajectory) {
    for (idx, item) in history.into_iter().enumerate() {
        let history = Loc::Root.key("history");
        let path = history.index(idx);
        let Value::Object(mut map) = item else {
            trajectory.diagnostics.push(crate::domain::diagnostic::Diagnostic::error(
                "bad_message",
                path.to_string(),
                "a history item must be an object; skipped",
            ));
            continue;
        };
        let action = map.remove("action").and_then(json::into_string);
        let mut message = chat::read_message(map, &path, &mut trajectory.diagnostics);
        if message.role == Role::Assistant {
            if let Some(action) = action.filter(|a| !a.trim().is_empty()) {
                message.tool_calls.push(action_call(action));
            }
        }
        trajectory.messages.push(message);
    }
}

fn read_steps(steps: Vec<Value>, trajectory: &mut Trajectory) {
    for step in steps {
        let Value::Object(mut step) = step else { continue };
        let mut take = |key: &str| step.remove(key).and_then(json::into_string);
        let (response, thought, action, observation) =
            (take("response"), take("thought"), take("action"), take("observation"));
        let mut message = Message::new(Role::Assistant, response.or(thought).unwrap_or_default());
        if let Some(action) = action.filter(|a| !a.trim().is_empty()) {
            message.tool_calls.push(action_call(action));
        }
        trajectory.messages.push(message);
        if let Some(observation) = observation {
            trajectory.messages.push(Message::new(Role::User, observation));
        }
    }
}

fn action_call(action: String) -> ToolCall {
    let action = action.trim_end().to_owned();
    let mut arguments = Map::new();
    arguments.insert("command".to_owned(), Value::String(action.clone()));
    let name = text_calls::command_name(&action).to_owned();
    ToolCall::new(None, name, Value::Object(arguments), action, false)
}
