//! Normalization: one raw dataset row (a `serde_json::Value`) in, one [`Trajectory`] out.
//!
//! The format is detected from the row's shape (field names and message layout), never from a
//! dataset name. Normalizing never panics and never fails: what could not be understood becomes
//! a [`Diagnostic`] on the trajectory. The row is taken by value so that large strings (tool
//! outputs, patches) are moved into the model, not copied.
//!
//! Adapters, one per family of layouts:
//! - `chat`: message lists (`messages`, `trajectory`, `conversations`, ...), content in any of
//!   its shapes, `reasoning_content` and `<think>` blocks, OpenAI `tool_calls`;
//! - `text_calls`: tool calls written in message text (XML `<function=...>`, fenced bash blocks);
//! - `swe_agent`: SWE-agent `.traj` objects;
//! - `openhands`: raw OpenHands event logs;
//! - `fields`: identifiers, outcome, exit status, patches, tools and metadata of object rows;
//! - `link`: tool results linked to their calls.

mod chat;
mod fields;
mod json;
mod link;
mod openhands;
mod swe_agent;
mod text_calls;

use serde_json::{Map, Value};

use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, PatchText, Role, SourceRef, Trajectory};
use json::Loc;

pub use text_calls::{command_name, SWE_AGENT_COMMANDS};

/// Columns that may hold the conversation, in order of preference.
const MESSAGE_COLUMNS: [&str; 7] =
    ["messages", "trajectory", "conversations", "conversation", "history", "chat", "dialog"];

/// Normalizes one row into a trajectory.
///
/// `row` is any JSON value: an object (a dataset row, a `.traj` file), an array (a bare list of
/// messages, an OpenHands event log), or anything else (which yields an empty trajectory with a
/// `not_a_row` error).
///
/// ```
/// use serde_json::json;
/// use trajex::domain::normalize::normalize;
/// use trajex::domain::trajectory::{Format, Outcome, SourceRef};
///
/// let row = json!({
///     "instance_id": "octo__demo-1",
///     "resolved": 1,
///     "messages": [
///         {"role": "user", "content": "fix it"},
///         {"role": "assistant", "content": "", "tool_calls": [{"id": "c1", "type": "function",
///             "function": {"name": "execute_bash", "arguments": "{\"command\": \"ls\"}"}}]},
///         {"role": "tool", "tool_call_id": "c1", "content": "README.md"},
///     ],
/// });
/// let trajectory = normalize(row, SourceRef::default());
/// assert_eq!(trajectory.format, Format::OpenAiToolCalls);
/// assert_eq!(trajectory.outcome, Outcome::Resolved);
/// assert_eq!(trajectory.ids.repo.as_deref(), Some("octo/demo"));
/// assert_eq!(trajectory.turns[0].result_idxs, [2]);
/// ```
pub fn normalize(row: Value, source: SourceRef) -> Trajectory {
    let mut trajectory = Trajectory::empty(source);
    match row {
        Value::Object(map) => normalize_object(map, &mut trajectory),
        Value::Array(items) => normalize_array(items, &Loc::Root, &mut trajectory),
        other => trajectory.diagnostics.push(Diagnostic::error(
            "not_a_row",
            "",
            format!("the row is {}, not a JSON object or array", json::describe(&other)),
        )),
    }
    link::link_results(&mut trajectory);
    trajectory.rebuild_turns();
    if trajectory.final_patch.is_none() {
        trajectory.final_patch = infer_patch(&trajectory.messages);
    }
    trajectory
}

/// The last `git diff` output the agent printed: the text from the last `diff --git` header
/// block of the last tool result (or observation) holding one. Only tool results count (a diff
/// the user pasted into the task is not the agent's patch).
fn infer_patch(messages: &[crate::domain::trajectory::Message]) -> Option<PatchText> {
    messages.iter().enumerate().rev().filter(|(_, m)| m.result_of.is_some()).find_map(|(idx, m)| {
        let text = &m.content;
        let start =
            if text.starts_with("diff --git ") { 0 } else { text.find("\ndiff --git ")? + 1 };
        Some(PatchText {
            text: text[start..].to_owned(),
            field: format!("messages/{idx}"),
            inferred: true,
        })
    })
}

fn normalize_object(mut map: Map<String, Value>, trajectory: &mut Trajectory) {
    if swe_agent::is_traj(&map) {
        swe_agent::read_traj(&mut map, trajectory);
    } else if let Some(key) = MESSAGE_COLUMNS.iter().find(|key| map.contains_key(**key)) {
        let key = *key;
        let path = Loc::Root.key(key);
        match json::parse_if_string(map.remove(key).unwrap_or(Value::Null), &path) {
            Ok(Value::Array(items)) => normalize_array(items, &path, trajectory),
            Ok(Value::Null) => trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                format!("the `{key}` column is null"),
            )),
            Ok(other) => trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                format!("the `{key}` column is {}, not a list of messages", json::describe(&other)),
            )),
            Err(diagnostic) => trajectory.diagnostics.push(diagnostic),
        }
    } else {
        let keys: Vec<&str> = map.keys().map(String::as_str).take(12).collect();
        trajectory.diagnostics.push(Diagnostic::error(
            "unknown_format",
            "",
            format!(
                "no conversation found: expected one of {} (the row has: {})",
                MESSAGE_COLUMNS.join(", "),
                keys.join(", ")
            ),
        ));
    }
    fields::read_fields(map, trajectory);
}

/// Normalizes a list that holds the conversation: chat messages, ShareGPT turns or OpenHands
/// events. `path` is where the list sits in the row.
fn normalize_array(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    if items.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path.to_string(),
            "the conversation is an empty list",
        ));
        return;
    }
    if openhands::is_event_log(&items) {
        trajectory.format = Format::OpenHandsEvents;
        openhands::read_events(items, path, trajectory);
        return;
    }
    let sharegpt = chat::is_sharegpt(&items);
    trajectory.messages = chat::read_messages(items, path, &mut trajectory.diagnostics);
    let has_structured_calls = trajectory
        .messages
        .iter()
        .any(|message| !message.tool_calls.is_empty() || message.role == Role::Tool);
    trajectory.format = if has_structured_calls {
        Format::OpenAiToolCalls
    } else {
        let format = text_calls::detect(&trajectory.messages);
        text_calls::infer_calls(format, &mut trajectory.messages);
        match format {
            Format::PlainChat if sharegpt => Format::ShareGpt,
            format => format,
        }
    };
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path.to_string(),
            "no message in the conversation could be read",
        ));
    }
}

/// Normalizes a row decoded from a stream: the source is built from `origin`, `row_idx` and the
/// row's line and offset, and the decoder's diagnostics (such as `invalid_utf8`) come first.
pub fn normalize_decoded(
    row: crate::domain::stream::DecodedRow,
    origin: crate::domain::trajectory::Origin,
    row_idx: u64,
) -> Trajectory {
    let source = SourceRef {
        origin,
        row_idx,
        line_no: Some(row.line_no),
        byte_offset: Some(row.byte_offset),
    };
    let mut trajectory = normalize(row.value, source);
    if !row.diagnostics.is_empty() {
        trajectory.diagnostics.splice(0..0, row.diagnostics);
    }
    trajectory
}
