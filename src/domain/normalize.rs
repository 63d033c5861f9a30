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
//! - `openhands`: OpenHands (V0) event logs (the UI's download, a run's `history`);
//! - `openhands_output`: OpenHands evaluation and resolver `output.jsonl` rows;
//! - `fields`: identifiers, outcome, exit status, patches, tools and metadata of object rows;
//! - `link`: tool results linked to their calls;
//! - one module per harness log format (`openhands_sdk`, `mini_swe_agent`, `inspect`, `atif`,
//!   `tau_bench`, `claude_code`, `codex`, `moatless`, `auto_code_rover`), each giving its
//!   detector and reader as an [`ObjectAdapter`] or [`ArrayAdapter`] in the tables below.
//!
//! Detection is a table walk: the object adapters are tried in order, then the message columns
//! (the generic chat path); a list is tried against the array adapters, then read as chat
//! messages. A row that no adapter takes and that has no message column gets one
//! `unknown_format` error naming every format tried and why it did not fit.
//!
//! Some formats spread one trajectory over many lines (Claude Code, Codex, OpenHands SDK
//! events): [`LineEvents`] tell such lines apart, and `domain::document` gathers them into one
//! list before it comes here. Some documents hold many trajectories (an Inspect eval log's
//! samples): a [`DocumentSplitter`] splits them into rows first.

mod atif;
mod auto_code_rover;
mod chat;
mod claude_code;
mod codex;
mod fields;
mod inspect;
mod json;
mod link;
mod mini_swe_agent;
mod moatless;
mod openhands;
mod openhands_output;
mod openhands_sdk;
mod swe_agent;
mod tau_bench;
mod text_calls;

use serde_json::{Map, Value};

use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, PatchText, Role, SourceRef, Trajectory};
use json::Loc;

/// An Inspect eval log's context for its samples (used by `domain::archive` for `.eval` files).
pub(crate) use inspect::{attach_eval_context, eval_context};
pub use text_calls::{command_name, SWE_AGENT_COMMANDS};

/// A format whose rows are JSON objects: its detector and its reader.
struct ObjectAdapter {
    /// The format this adapter reads.
    format: Format,
    /// `None` when `map` has this format's shape; otherwise why not, as a short phrase naming
    /// the field looked for (`no \"steps\" list`), shown when no format fits a row.
    misfit: fn(&Map<String, Value>) -> Option<String>,
    /// Reads the row into `trajectory` (messages, tools, outcome, patches, metadata), taking
    /// out of `map` what it used; the rest of `map` then goes to the generic field reader
    /// (identifiers, outcome, patches, metadata). Sets `trajectory.format`.
    read: fn(&mut Map<String, Value>, &mut Trajectory),
}

/// A format whose conversation is a JSON list (of events, steps, items): detector and reader.
struct ArrayAdapter {
    /// The format this adapter reads.
    format: Format,
    /// `None` when the list has this format's shape; otherwise why not. Must decide from the
    /// first few items (a file's first four elements are all that is looked at when deciding
    /// whether a top-level array is one trajectory or an array of rows).
    misfit: fn(&[Value]) -> Option<String>,
    /// Reads the list into `trajectory`; `path` is where the list sits in the row. Sets
    /// `trajectory.format`.
    read: fn(Vec<Value>, &Loc<'_>, &mut Trajectory),
}

/// Lines that are events of one trajectory spread over a file (Claude Code, Codex, OpenHands
/// SDK events): `domain::document` gathers consecutive such lines into one list.
pub(crate) struct LineEvents {
    /// The format the gathered list is read as (by its [`ArrayAdapter`]).
    pub format: Format,
    /// Whether one decoded line is an event of this format.
    pub is_event: fn(&Value) -> bool,
    /// The conversation a line belongs to, when lines say (`sessionId`): a change of key starts
    /// a new trajectory. `None` keeps the line in the current one.
    pub session_key: fn(&Value) -> Option<String>,
}

/// A document that holds many trajectories (an Inspect eval log's `samples`).
pub(crate) struct DocumentSplitter {
    /// The format of the rows it splits into.
    pub format: Format,
    /// The rows, when `value` is such a document (each carrying the document-level fields its
    /// reader wants, such as the eval's model and task); otherwise `value` back unchanged.
    pub split: fn(Value) -> Result<Vec<Value>, Value>,
}

/// Object adapters, tried in order before the generic message columns.
const OBJECT_ADAPTERS: &[ObjectAdapter] = &[
    // Before `swe_agent`: an OpenHands `{"trajectory": [events]}` is not a `.traj`.
    openhands_output::OUTPUT,
    swe_agent::TRAJ,
    mini_swe_agent::TRAJECTORY,
    mini_swe_agent::TOOL_CALLS,
    inspect::SAMPLE,
    atif::TRAJECTORY,
    tau_bench::RECORD,
    moatless::TRAJECTORY,
    auto_code_rover::CONVERSATION,
    openhands_sdk::LLM_CALL,
    openhands_sdk::CONVERSATION,
];

/// Array adapters, tried in order before a list is read as chat messages.
const ARRAY_ADAPTERS: &[ArrayAdapter] = &[
    // Before the raw OpenHands events: SDK `ActionEvent`s and `ObservationEvent`s also have
    // `action` and `observation` members.
    openhands_sdk::EVENTS,
    openhands::EVENTS,
    claude_code::EVENTS,
    codex::ITEMS,
    moatless::NODES,
    auto_code_rover::LOG,
];

/// Line-event formats, tried in order on each decoded line by `domain::document`.
pub(crate) const LINE_EVENTS: &[LineEvents] =
    &[openhands_sdk::LINES, claude_code::LINES, codex::LINES];

/// Documents that hold many trajectories, tried in order on each decoded row.
pub(crate) const DOCUMENT_SPLITTERS: &[DocumentSplitter] =
    &[inspect::LOG, atif::SUBAGENTS, tau_bench::RESULTS];

/// Whether a JSON list is one trajectory (its events, steps or chat messages) rather than a
/// list of rows: some [`ArrayAdapter`] fits its first items, or they are chat messages
/// (objects with a string `role`).
pub fn is_one_trajectory(items: &[Value]) -> bool {
    if items.is_empty() {
        return false;
    }
    let head = &items[..items.len().min(4)];
    head.iter().all(|item| item.get("role").is_some_and(Value::is_string))
        || ARRAY_ADAPTERS.iter().any(|adapter| (adapter.misfit)(head).is_none())
}

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
    let mut misfits = Vec::new();
    let adapter = OBJECT_ADAPTERS.iter().find(|adapter| match (adapter.misfit)(&map) {
        None => true,
        Some(why) => {
            misfits.push((adapter.format, why));
            false
        }
    });
    if let Some(adapter) = adapter {
        (adapter.read)(&mut map, trajectory);
        debug_assert_eq!(trajectory.format, adapter.format, "an adapter sets its format");
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
        let tried: Vec<String> =
            misfits.iter().map(|(format, why)| format!("{format}: {why}")).collect();
        trajectory.diagnostics.push(Diagnostic::error(
            "unknown_format",
            "",
            format!(
                "no conversation found: no column {} (the row has: {}); formats tried: {}",
                MESSAGE_COLUMNS.join(", "),
                keys.join(", "),
                tried.join("; ")
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
    let head = &items[..items.len().min(4)];
    if let Some(adapter) = ARRAY_ADAPTERS.iter().find(|adapter| (adapter.misfit)(head).is_none()) {
        (adapter.read)(items, path, trajectory);
        debug_assert_eq!(trajectory.format, adapter.format, "an adapter sets its format");
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
