//! Codex CLI rollout JSONL: one trajectory spread over the lines of a file.
//!
//! Codex writes each session to `~/.codex/sessions/YYYY/MM/DD/rollout-<time>-<id>.jsonl`
//! (openai/codex: `codex-rs/protocol` `RolloutLine` / `RolloutItem`, written by
//! `codex-rs/core/src/rollout/recorder.rs`, filtered by `rollout/policy.rs`). Two layouts:
//! - current: every line is `{timestamp, type, payload}` with `type` one of `session_meta`
//!   (`SessionMetaLine`: `id`, `cwd`, `originator`, `cli_version`, `source`, `model_provider`,
//!   `base_instructions`, `dynamic_tools`, `git {commit_hash, branch, repository_url}`),
//!   `response_item` (a `ResponseItem`, below), `event_msg` (an `EventMsg`: `token_count`,
//!   `user_message`, `agent_message`, `agent_reasoning`, `turn_aborted`, ...), `turn_context`
//!   (`model`, `cwd`, `approval_policy`, `sandbox_policy`, `effort`) and `compacted`
//!   (`message`, `replacement_history`). Later versions add types (`world_state`): skipped.
//! - legacy (2025): a first line `{id, timestamp, instructions?, git?}`, then bare response
//!   items, and `{record_type: "state"}` markers.
//!
//! `ResponseItem`s (`codex-rs/protocol/src/models.rs`): `message {role, content: [{type:
//! input_text | output_text | input_image, ...}]}`, `reasoning {summary: [{type: summary_text,
//! text}], content?, encrypted_content?}`, `function_call {name, arguments (JSON text),
//! call_id}`, `function_call_output {call_id, output}` (output as text, as a list of
//! `input_text`/`input_image` items, or in old versions an object `{content, success}`),
//! `custom_tool_call {name, input, call_id}` / `custom_tool_call_output`, `local_shell_call
//! {call_id, action}`, `web_search_call {action}`, `tool_search_call`, `image_generation_call`,
//! `ghost_snapshot`, `compaction`.
//!
//! Mapping to the model:
//! - model output items that follow one another (`reasoning`, assistant `message`, calls) make
//!   one assistant message: assistant text is its content, reasoning summaries and content its
//!   reasoning, calls its tool calls (`custom_tool_call` arguments are `{"input": <text>}`,
//!   raw arguments the text; `local_shell_call` is named `local_shell`, `web_search_call`
//!   `web_search`). Any input item (a user or developer message, a call output) ends it.
//! - `function_call_output` and `custom_tool_call_output` become tool messages linked by
//!   `call_id`; an old exec output printed as JSON `{"output": ..., "metadata": ...}` is shown
//!   as its `output` text.
//! - `user`, `developer` and `system` messages keep their role (developer is a system message);
//!   environment context (`<environment_context>`, `<user_instructions>`, AGENTS.md text) stays
//!   in the user messages it came in. `session_meta.base_instructions` is the system prompt
//!   (a first system message); the legacy `instructions` (user instructions) go to metadata.
//! - `event_msg` lines repeat the response items: they are not read as messages, except when a
//!   rollout has no `message` item at all (some writers keep only the events); `user_message`
//!   and `agent_message` (and `agent_reasoning`) are then the conversation, said by an info
//!   diagnostic. The last `token_count` gives the usage (its totals are cumulative):
//!   `input_tokens`, `cached_input_tokens`, `output_tokens`, `reasoning_output_tokens`,
//!   `total_tokens`; an old flat `token_count` (no `info`) is summed.
//! - metadata: `cwd`, `originator`, `cli_version`, `source`, `model_provider`, `git_branch`,
//!   `git_commit`, `repository_url`, `forked_from_id`, `approval_policy`, `sandbox_mode`,
//!   `reasoning_effort`, `model_context_window`, counts (`encrypted_reasoning_items`,
//!   `compactions`, `turns_aborted`, `line_types`, `event_types`). The model is the one most
//!   `turn_context` lines name; `ids.trajectory_id` is the session id.
//! - the final patch: `apply_patch` calls carry Codex's own `*** Begin Patch` format, whose hunks
//!   have no line numbers and build on each other, so they are not turned into a unified diff;
//!   the patch is left to the generic inference (the last `git diff` output a tool printed).

use std::collections::{BTreeMap, HashMap};

use serde_json::{json, Map, Value};

use super::json::{self, Loc};
use super::{ArrayAdapter, LineEvents};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, ToolSpec, Trajectory};

/// The list adapter: a list whose first items are rollout lines (current or legacy), as
/// `domain::document` gathers them from a file.
pub(super) const ITEMS: ArrayAdapter = ArrayAdapter {
    format: Format::CodexRollout,
    misfit: |items| {
        (items.is_empty() || !items.iter().all(is_line)).then(|| {
            "items are not Codex rollout lines (`{timestamp, type, payload}` with `session_meta`, \
             `response_item`, `event_msg`, ..., or bare response items)"
                .into()
        })
    },
    read: read_items,
};

/// The line-event detector: rollout lines of both layouts; the session is the `session_meta`
/// id (legacy: the first line's `id`), given only by that line.
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::CodexRollout, is_event: is_line, session_key };

/// The envelope types `RolloutItem` serializes to (plus `world_state`, added later).
const ENVELOPE_TYPES: [&str; 6] =
    ["session_meta", "response_item", "event_msg", "turn_context", "compacted", "world_state"];

/// The members of a legacy first line (`SessionMeta` before the envelope).
const LEGACY_META_KEYS: [&str; 9] = [
    "id",
    "timestamp",
    "instructions",
    "git",
    "cwd",
    "originator",
    "cli_version",
    "source",
    "model_provider",
];

/// The session a line opens: `session_meta`'s `payload.id`, or a legacy first line's `id`.
fn session_key(value: &Value) -> Option<String> {
    let map = value.as_object()?;
    match map.get("type").and_then(Value::as_str) {
        Some("session_meta") => json::str_field(map.get("payload")?, "id").map(str::to_owned),
        None if is_legacy_meta(map) => map.get("id")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// Whether one decoded line is a rollout line: an envelope `{timestamp, type, payload}` (a
/// known `type`, or no other member than those), a legacy first line or state marker, or a
/// bare response item of the legacy layout.
fn is_line(value: &Value) -> bool {
    let Some(map) = value.as_object() else { return false };
    match map.get("type") {
        Some(Value::String(kind)) => match map.get("payload") {
            Some(payload) => {
                payload.is_object()
                    && (ENVELOPE_TYPES.contains(&kind.as_str())
                        || map
                            .keys()
                            .all(|k| matches!(k.as_str(), "timestamp" | "type" | "payload")))
            }
            None => is_bare_item(kind, map),
        },
        Some(_) => false,
        None => is_state_marker(map) || is_legacy_meta(map),
    }
}

/// A legacy `{record_type: "state"}` marker.
fn is_state_marker(map: &Map<String, Value>) -> bool {
    map.get("record_type").and_then(Value::as_str) == Some("state")
}

/// A legacy first line: `id` and `timestamp` strings, nothing but `SessionMeta` members, and
/// either one of its distinctive members or a UUID id.
fn is_legacy_meta(map: &Map<String, Value>) -> bool {
    let id = map.get("id").and_then(Value::as_str);
    id.is_some()
        && map.get("timestamp").is_some_and(Value::is_string)
        && map.keys().all(|k| LEGACY_META_KEYS.contains(&k.as_str()))
        && (["instructions", "git", "cwd", "originator", "cli_version"]
            .iter()
            .any(|k| map.contains_key(*k))
            || id.is_some_and(is_uuid))
}

/// Whether text is a UUID (`8-4-4-4-12` hex digits).
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Whether a line without envelope is a response item (the legacy layout), told by the
/// members each item type requires.
fn is_bare_item(kind: &str, map: &Map<String, Value>) -> bool {
    let has_str = |key: &str| map.get(key).is_some_and(Value::is_string);
    match kind {
        "message" => {
            has_str("role")
                && map.get("content").and_then(Value::as_array).is_some_and(|parts| {
                    parts.iter().all(|part| {
                        json::str_field(part, "type")
                            .is_some_and(|t| t.starts_with("input_") || t.starts_with("output_"))
                    })
                })
        }
        "reasoning" => {
            !map.contains_key("role")
                && (map.get("summary").is_some_and(Value::is_array)
                    || map.contains_key("encrypted_content")
                    || map.keys().all(|k| matches!(k.as_str(), "type" | "id")))
        }
        "function_call" => has_str("name") && has_str("call_id") && map.contains_key("arguments"),
        "custom_tool_call" => has_str("name") && has_str("call_id") && map.contains_key("input"),
        "function_call_output" | "custom_tool_call_output" | "mcp_tool_call_output" => {
            has_str("call_id") && map.contains_key("output")
        }
        "local_shell_call" | "web_search_call" => map.get("action").is_some_and(Value::is_object),
        "tool_search_call" | "tool_search_output" => has_str("call_id"),
        "ghost_snapshot" => map.get("ghost_commit").is_some_and(Value::is_object),
        "compaction" | "compaction_summary" => has_str("encrypted_content"),
        _ => false,
    }
}

/// The response item a line holds, when it holds one: an envelope's payload or a bare item.
fn response_item(line: &Value) -> Option<&Map<String, Value>> {
    match json::str_field(line, "type")? {
        "response_item" => line.get("payload")?.as_object(),
        _ if line.get("payload").is_none() => line.as_object(),
        _ => None,
    }
}

/// Reads a gathered list of rollout lines into `trajectory` (see the module doc).
fn read_items(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    trajectory.format = Format::CodexRollout;
    // Whether the conversation is in the response items, or only in the events.
    let mut has_messages = false;
    let mut has_reasoning_text = false;
    for item in items.iter().filter_map(response_item) {
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                has_messages |=
                    matches!(item.get("role").and_then(Value::as_str), Some("user" | "assistant"))
            }
            Some("reasoning") => has_reasoning_text |= !reasoning_text(item).is_empty(),
            _ => {}
        }
    }
    let mut reader = Reader {
        events_are_messages: !has_messages,
        events_are_reasoning: !has_reasoning_text,
        ..Reader::default()
    };
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        match item {
            Value::Object(map) => reader.line(map, &item_path, &mut trajectory.diagnostics),
            other => trajectory.diagnostics.push(json::not_an_object(
                "bad_line",
                "a rollout line",
                &item_path,
                &other,
            )),
        }
    }
    reader.finish(trajectory);
}

/// What is gathered while reading one rollout.
#[derive(Debug, Default)]
struct Reader {
    messages: Vec<Message>,
    /// The assistant message the current run of model output items goes to.
    open: Option<usize>,
    /// No `message` item: `user_message`/`agent_message` events are the conversation.
    events_are_messages: bool,
    /// No reasoning item with text: `agent_reasoning` events are the reasoning.
    events_are_reasoning: bool,
    /// Whether an event was read as a message.
    read_events: bool,
    call_names: HashMap<String, String>,
    session_id: Option<String>,
    meta: Map<String, Value>,
    tools: Vec<ToolSpec>,
    /// Turns naming each model, in first-seen order.
    models: Vec<(String, u64)>,
    /// The last cumulative `token_count` totals.
    token_totals: Option<Map<String, Value>>,
    /// Old flat `token_count` events, summed.
    token_sums: BTreeMap<String, u64>,
    line_types: BTreeMap<String, u64>,
    event_types: BTreeMap<String, u64>,
    unknown_items: BTreeMap<String, u64>,
    unknown_lines: BTreeMap<String, u64>,
    encrypted_reasoning_items: u64,
    compactions: u64,
    turns_aborted: u64,
}

impl Reader {
    /// Reads one line: an envelope by its `type`, a bare item, a state marker or a legacy
    /// first line.
    fn line(
        &mut self,
        mut line: Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let kind = line.get("type").and_then(Value::as_str).map(str::to_owned);
        let payload = line.remove("payload");
        match (kind, payload) {
            (Some(kind), Some(payload)) => {
                *self.line_types.entry(kind.clone()).or_default() += 1;
                let payload_path = path.key("payload");
                let Value::Object(payload) = payload else {
                    diagnostics.push(Diagnostic::warning(
                        "bad_payload",
                        payload_path.to_string(),
                        format!(
                            "a `{kind}` payload is {}, not an object; skipped",
                            json::describe(&payload)
                        ),
                    ));
                    return;
                };
                match kind.as_str() {
                    "session_meta" => self.session_meta(payload),
                    "response_item" => self.item(payload, &payload_path, diagnostics),
                    "event_msg" => self.event(payload),
                    "turn_context" => self.turn_context(&payload),
                    "compacted" => self.compactions += 1,
                    "world_state" => {}
                    other => *self.unknown_lines.entry(other.to_owned()).or_default() += 1,
                }
            }
            (Some(kind), None) => {
                *self.line_types.entry(kind).or_default() += 1;
                self.item(line, path, diagnostics);
            }
            (None, _) if is_state_marker(&line) => {
                *self.line_types.entry("state".into()).or_default() += 1;
            }
            (None, _) => {
                *self.line_types.entry("session_meta".into()).or_default() += 1;
                self.session_meta(line);
            }
        }
    }

    /// `session_meta` (or a legacy first line): ids, work tree, versions, git, instructions.
    fn session_meta(&mut self, mut meta: Map<String, Value>) {
        let id = json::take_string(&mut meta, &["id"]);
        if self.session_id.is_none() {
            self.session_id = id;
        }
        for key in [
            "cwd",
            "originator",
            "cli_version",
            "source",
            "model_provider",
            "forked_from_id",
            "agent_nickname",
            "agent_role",
            "model",
        ] {
            match meta.remove(key) {
                Some(Value::Null) | None => {}
                Some(value) => {
                    self.meta.entry(key).or_insert(value);
                }
            }
        }
        if let Some(Value::Object(git)) = meta.remove("git") {
            for (from, to) in [
                ("branch", "git_branch"),
                ("commit_hash", "git_commit"),
                ("repository_url", "repository_url"),
            ] {
                if let Some(value @ Value::String(_)) = git.get(from) {
                    self.meta.entry(to).or_insert(value.clone());
                }
            }
        }
        if let Some(Value::String(instructions)) = meta.remove("instructions") {
            if !instructions.is_empty() {
                self.meta.entry("instructions").or_insert(Value::String(instructions));
            }
        }
        let base = match meta.remove("base_instructions") {
            Some(Value::String(text)) => Some(text),
            Some(Value::Object(mut base)) => json::take_string(&mut base, &["text"]),
            _ => None,
        };
        if let Some(text) = base.filter(|t| !t.trim().is_empty()) {
            self.close();
            self.messages.push(Message::new(Role::System, text));
        }
        if let Some(Value::Array(tools)) = meta.remove("dynamic_tools") {
            for tool in tools {
                if let Some(name) = json::str_field(&tool, "name").map(str::to_owned) {
                    self.tools.push(ToolSpec::new(name, tool));
                }
            }
        }
    }

    /// A response item (see the module doc).
    fn item(
        &mut self,
        mut item: Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let kind = item.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        match kind.as_str() {
            "message" => {
                let role_name = item.get("role").and_then(Value::as_str).unwrap_or("").to_owned();
                let text = content_text(item.remove("content"), &path.key("content"), diagnostics);
                if role_name == "assistant" {
                    let idx = self.open_assistant();
                    append(&mut self.messages[idx].content, &text);
                    return;
                }
                let role = Role::from_source(&role_name).unwrap_or_else(|| {
                    diagnostics.push(Diagnostic::warning(
                        "unknown_role",
                        path.key("role").to_string(),
                        format!("unknown role `{role_name}`, read as user"),
                    ));
                    Role::User
                });
                self.close();
                self.messages.push(Message::new(role, text));
            }
            "reasoning" => {
                let text = reasoning_text(&item);
                if text.is_empty() {
                    if item.get("encrypted_content").is_some_and(Value::is_string) {
                        self.encrypted_reasoning_items += 1;
                    }
                    return;
                }
                self.add_reasoning(&text);
            }
            "function_call" => {
                let name = json::take_string(&mut item, &["name"]);
                let id = json::take_string(&mut item, &["call_id"]);
                let call = match (name, item.remove("arguments")) {
                    (Some(name), Some(Value::String(raw))) => {
                        Some(ToolCall::with_json_arguments(id, name, raw))
                    }
                    (Some(name), Some(arguments)) => {
                        let raw = arguments.to_string();
                        Some(ToolCall::new(id, name, arguments, raw, false))
                    }
                    (Some(name), None) => Some(ToolCall::new(
                        id,
                        name,
                        Value::Object(Map::new()),
                        String::new(),
                        false,
                    )),
                    (None, _) => None,
                };
                self.add_call(call, path, diagnostics);
            }
            "custom_tool_call" => {
                let name = json::take_string(&mut item, &["name"]);
                let id = json::take_string(&mut item, &["call_id"]);
                let input = match item.remove("input") {
                    Some(Value::String(input)) => input,
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                let call = name
                    .map(|name| ToolCall::new(id, name, json!({ "input": input }), input, false));
                self.add_call(call, path, diagnostics);
            }
            "local_shell_call"
            | "web_search_call"
            | "tool_search_call"
            | "image_generation_call" => {
                let id = json::take_string(&mut item, &["call_id"])
                    .or_else(|| json::take_string(&mut item, &["id"]));
                let (name, arguments) = match kind.as_str() {
                    "local_shell_call" => ("local_shell", item.remove("action")),
                    "web_search_call" => ("web_search", item.remove("action")),
                    "tool_search_call" => ("tool_search", item.remove("arguments")),
                    _ => (
                        "image_generation",
                        item.remove("revised_prompt").map(|p| json!({ "revised_prompt": p })),
                    ),
                };
                let arguments = arguments.unwrap_or_else(|| Value::Object(Map::new()));
                let raw = arguments.to_string();
                self.add_call(
                    Some(ToolCall::new(id, name.to_owned(), arguments, raw, false)),
                    path,
                    diagnostics,
                );
            }
            "function_call_output" | "custom_tool_call_output" | "mcp_tool_call_output" => {
                let id = json::take_string(&mut item, &["call_id"]);
                let output = item.remove("output").or_else(|| item.remove("result"));
                let text = output_text(output, &path.key("output"), diagnostics);
                self.add_result(id, text);
            }
            "tool_search_output" => {
                let id = json::take_string(&mut item, &["call_id"]);
                let names: Vec<String> = match item.get("tools") {
                    Some(Value::Array(tools)) => tools
                        .iter()
                        .filter_map(|t| json::str_field(t, "name").map(str::to_owned))
                        .collect(),
                    _ => Vec::new(),
                };
                self.add_result(id, names.join("\n"));
            }
            "ghost_snapshot" | "compaction" | "compaction_summary" | "other" => {}
            other => *self.unknown_items.entry(other.to_owned()).or_default() += 1,
        }
    }

    /// An `event_msg` payload: usage, counters, and the conversation when no item has it.
    fn event(&mut self, mut event: Map<String, Value>) {
        let kind = event.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        *self.event_types.entry(kind.clone()).or_default() += 1;
        match kind.as_str() {
            "token_count" => match event.remove("info") {
                Some(Value::Object(mut info)) => {
                    if let Some(Value::Object(total)) = info.remove("total_token_usage") {
                        self.token_totals = Some(total);
                    }
                    if let Some(window) = info.remove("model_context_window").filter(Value::is_u64)
                    {
                        self.meta.insert("model_context_window".into(), window);
                    }
                }
                Some(_) => {}
                None => {
                    for (key, value) in &event {
                        if let Some(n) = value.as_u64() {
                            *self.token_sums.entry(key.clone()).or_default() += n;
                        }
                    }
                }
            },
            "turn_aborted" => self.turns_aborted += 1,
            "user_message" if self.events_are_messages => {
                if let Some(text) = json::take_string(&mut event, &["message"]) {
                    self.close();
                    self.messages.push(Message::new(Role::User, text));
                    self.read_events = true;
                }
            }
            "agent_message" if self.events_are_messages => {
                if let Some(text) = json::take_string(&mut event, &["message"]) {
                    let idx = self.open_assistant();
                    append(&mut self.messages[idx].content, &text);
                    self.read_events = true;
                }
            }
            "agent_reasoning" if self.events_are_reasoning => {
                if let Some(text) = json::take_string(&mut event, &["text"]) {
                    self.add_reasoning(&text);
                }
            }
            _ => {}
        }
    }

    /// `turn_context`: the model of the turn, and the last policies.
    fn turn_context(&mut self, context: &Map<String, Value>) {
        if let Some(model) = context.get("model").and_then(Value::as_str).filter(|m| !m.is_empty())
        {
            match self.models.iter_mut().find(|(name, _)| name == model) {
                Some((_, n)) => *n += 1,
                None => self.models.push((model.to_owned(), 1)),
            }
        }
        if !self.meta.contains_key("cwd") {
            if let Some(cwd @ Value::String(_)) = context.get("cwd") {
                self.meta.insert("cwd".into(), cwd.clone());
            }
        }
        if let Some(policy @ Value::String(_)) = context.get("approval_policy") {
            self.meta.insert("approval_policy".into(), policy.clone());
        }
        let sandbox = context.get("sandbox_policy").and_then(|p| {
            json::str_field(p, "type").or_else(|| json::str_field(p, "mode")).or_else(|| p.as_str())
        });
        if let Some(sandbox) = sandbox {
            self.meta.insert("sandbox_mode".into(), json!(sandbox));
        }
        if let Some(effort @ Value::String(_)) = context.get("effort") {
            self.meta.insert("reasoning_effort".into(), effort.clone());
        }
    }

    /// The assistant message model output goes to, opened when needed.
    fn open_assistant(&mut self) -> usize {
        match self.open {
            Some(idx) if idx < self.messages.len() => idx,
            _ => {
                self.messages.push(Message::new(Role::Assistant, ""));
                let idx = self.messages.len() - 1;
                self.open = Some(idx);
                idx
            }
        }
    }

    /// Ends the current run of model output.
    fn close(&mut self) {
        self.open = None;
    }

    /// Adds reasoning text to the current assistant message.
    fn add_reasoning(&mut self, text: &str) {
        let idx = self.open_assistant();
        append(self.messages[idx].reasoning.get_or_insert_with(String::new), text);
    }

    /// Adds a call to the current assistant message (a call without name is a diagnostic).
    fn add_call(
        &mut self,
        call: Option<ToolCall>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let Some(call) = call else {
            diagnostics.push(Diagnostic::warning(
                "bad_tool_call",
                path.to_string(),
                "a call without a `name`; skipped",
            ));
            return;
        };
        if let Some(id) = &call.id {
            self.call_names.insert(id.clone(), call.name.clone());
        }
        let idx = self.open_assistant();
        self.messages[idx].tool_calls.push(call);
    }

    /// A call output as a tool message; it ends the run of model output.
    fn add_result(&mut self, id: Option<String>, text: String) {
        self.close();
        let mut message = Message::new(Role::Tool, text);
        message.name = id.as_ref().and_then(|id| self.call_names.get(id)).cloned();
        message.tool_call_id = id;
        self.messages.push(message);
    }

    /// Moves what was gathered into the trajectory.
    fn finish(self, trajectory: &mut Trajectory) {
        let Reader { mut meta, .. } = self;
        if self.read_events {
            trajectory.diagnostics.push(Diagnostic::info(
                "conversation_from_events",
                "",
                "the rollout has no `message` response item: the conversation is read from its \
                 `event_msg` user_message and agent_message lines",
            ));
        }
        if !self.unknown_items.is_empty() || !self.unknown_lines.is_empty() {
            let kinds: Vec<String> = self
                .unknown_lines
                .iter()
                .map(|(kind, n)| format!("line `{kind}` ({n})"))
                .chain(self.unknown_items.iter().map(|(kind, n)| format!("item `{kind}` ({n})")))
                .collect();
            trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_item",
                "",
                format!("rollout entries of types not read, left out: {}", kinds.join(", ")),
            ));
        }
        trajectory.ids.trajectory_id = self.session_id;
        let turn_model = self.models.iter().max_by_key(|(_, n)| *n).map(|(name, _)| name.clone());
        let meta_model = match meta.remove("model") {
            Some(Value::String(model)) => Some(model),
            _ => None,
        };
        trajectory.ids.model = turn_model.or(meta_model);
        if self.models.len() > 1 {
            let models: Map<String, Value> =
                self.models.iter().map(|(name, n)| (name.clone(), json!(n))).collect();
            meta.insert("models".into(), Value::Object(models));
        }
        match self.token_totals {
            Some(totals) => {
                for (key, value) in totals {
                    if value.is_u64() {
                        meta.insert(key, value);
                    }
                }
            }
            None => {
                for (key, n) in self.token_sums {
                    meta.insert(key, json!(n));
                }
            }
        }
        let counters = [
            ("encrypted_reasoning_items", self.encrypted_reasoning_items),
            ("compactions", self.compactions),
            ("turns_aborted", self.turns_aborted),
        ];
        for (key, n) in counters {
            if n > 0 {
                meta.insert(key.to_owned(), json!(n));
            }
        }
        meta.insert("line_types".into(), json!(self.line_types));
        if !self.event_types.is_empty() {
            meta.insert("event_types".into(), json!(self.event_types));
        }
        trajectory.metadata = meta;
        trajectory.tools = self.tools;
        trajectory.messages = self.messages;
        if trajectory.messages.is_empty() {
            trajectory.diagnostics.push(Diagnostic::warning(
                "no_messages",
                "",
                "the rollout has no message",
            ));
        }
    }
}

/// The text of a reasoning item: its summaries, then its raw content, blank-line separated.
fn reasoning_text(item: &Map<String, Value>) -> String {
    let mut text = String::new();
    for key in ["summary", "content"] {
        match item.get(key) {
            Some(Value::Array(parts)) => {
                for part in parts {
                    if let Some(t) = json::str_field(part, "text").filter(|t| !t.trim().is_empty())
                    {
                        append(&mut text, t);
                    }
                }
            }
            Some(Value::String(t)) if !t.trim().is_empty() => append(&mut text, t),
            _ => {}
        }
    }
    text
}

/// The text of a message's content parts (`input_text`, `output_text`; images as a
/// placeholder), one part per line.
fn content_text(
    content: Option<Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    match content {
        Some(Value::Array(parts)) => {
            let mut pieces = Vec::with_capacity(parts.len());
            for (idx, part) in parts.into_iter().enumerate() {
                let kind = json::str_field(&part, "type").unwrap_or("").to_owned();
                match part {
                    Value::Object(mut part) => {
                        match json::take_string(&mut part, &["text"])
                            .or_else(|| json::take_string(&mut part, &["refusal"]))
                        {
                            Some(text) => pieces.push(text),
                            None => {
                                let kind =
                                    if kind.is_empty() { "unknown".to_owned() } else { kind };
                                diagnostics.push(Diagnostic::warning(
                                    "non_text_part",
                                    path.index(idx).to_string(),
                                    format!(
                                        "a content part of type `{kind}` is shown as a placeholder"
                                    ),
                                ));
                                pieces.push(format!("[{kind}]"));
                            }
                        }
                    }
                    Value::String(text) => pieces.push(text),
                    other => pieces.push(other.to_string()),
                }
            }
            pieces.join("\n")
        }
        Some(Value::String(text)) => text,
        Some(Value::Null) | None => String::new(),
        Some(other) => {
            diagnostics.push(Diagnostic::warning(
                "bad_content",
                path.to_string(),
                format!(
                    "`content` is {}, not a list of parts; kept as JSON",
                    json::describe(&other)
                ),
            ));
            other.to_string()
        }
    }
}

/// The text of a call output: a string (an old exec output's JSON `{"output", "metadata"}`
/// unwrapped), a list of content items, or an object `{content}` / `{text}`.
fn output_text(output: Option<Value>, path: &Loc<'_>, diagnostics: &mut Vec<Diagnostic>) -> String {
    match output {
        Some(Value::String(text)) => unwrap_exec_json(&text).unwrap_or(text),
        Some(Value::Array(parts)) => content_text(Some(Value::Array(parts)), path, diagnostics),
        Some(Value::Object(mut object)) => json::take_string(&mut object, &["content"])
            .or_else(|| json::take_string(&mut object, &["text"]))
            .or_else(|| match object.remove("content") {
                Some(parts @ Value::Array(_)) => Some(content_text(Some(parts), path, diagnostics)),
                _ => None,
            })
            .unwrap_or_else(|| Value::Object(object).to_string()),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The `output` text of Codex's legacy exec output format `{"output": "...", "metadata":
/// {"exit_code": .., "duration_seconds": ..}}` (`format_exec_output`, `LegacyJson`).
fn unwrap_exec_json(text: &str) -> Option<String> {
    if !text.starts_with("{\"output\"") {
        return None;
    }
    let Value::Object(mut object) = serde_json::from_str::<Value>(text).ok()? else { return None };
    if object.len() != 2 || !object.get("metadata").is_some_and(Value::is_object) {
        return None;
    }
    json::into_string(object.remove("output")?)
}

/// Appends `part` to `text`, blank-line separated.
fn append(text: &mut String, part: &str) {
    if part.is_empty() {
        return;
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(part);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_rollout_lines_only() {
        assert!(is_line(
            &json!({"timestamp": "t", "type": "session_meta", "payload": {"id": "x"}})
        ));
        assert!(is_line(&json!({"timestamp": "t", "type": "world_state", "payload": {}})));
        assert!(is_line(&json!({"record_type": "state"})));
        assert!(is_line(&json!({"id": "4b6c1f25-0000-4000-8000-000000000000", "timestamp": "t"})));
        assert!(is_line(
            &json!({"type": "message", "role": "user", "content": [{"type": "input_text", "text": "x"}]})
        ));
        assert!(is_line(
            &json!({"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c"})
        ));
        assert!(!is_line(&json!({"type": "message", "role": "user", "content": "plain"})));
        assert!(!is_line(&json!({"id": "1", "timestamp": "t"})));
        assert!(!is_line(&json!({"role": "user", "content": "hi"})));
        assert!(!is_line(&json!({"type": "event", "payload": {}, "extra": 1})));
    }

    #[test]
    fn unwraps_legacy_exec_output_only() {
        let text = r#"{"output":"a\nb","metadata":{"exit_code":0,"duration_seconds":0.1}}"#;
        assert_eq!(unwrap_exec_json(text).as_deref(), Some("a\nb"));
        assert_eq!(unwrap_exec_json(r#"{"output":"a"}"#), None);
        assert_eq!(unwrap_exec_json("plain"), None);
    }
}
