//! Claude Code session JSONL: one trajectory spread over the lines of a file.
//!
//! Claude Code writes each session to `~/.claude/projects/<project>/<sessionId>.jsonl`, one JSON
//! object per line (the shape its viewers read: claude-code-log's `models.py`, ccusage). Lines:
//! - `user` / `assistant`: `{type, uuid, parentUuid, sessionId, isSidechain, timestamp, cwd,
//!   gitBranch, version, message, requestId?, toolUseResult?, isMeta?}` where `message` is an
//!   Anthropic message (`role`, `model`, `id`, `content` as a string or a list of blocks `text`,
//!   `thinking` (with `signature`), `redacted_thinking`, `tool_use {id, name, input}`,
//!   `tool_result {tool_use_id, content, is_error}`, `image`; `usage`). One API response is
//!   written as several assistant lines, one content block each, sharing `message.id` and
//!   `requestId`; every such line repeats the response's `usage`.
//! - `system` (hooks, compaction boundaries, API errors), `summary {summary, leafUuid}`,
//!   `file-history-snapshot`, `progress` (hook and sub-agent progress), `attachment`,
//!   `queue-operation`, and session metadata lines (`ai-title`, `custom-title`,
//!   `permission-mode`, `last-prompt`, ...).
//!
//! The same reader takes `claude -p --output-format stream-json` output: lines `{type: system |
//! user | assistant | result, session_id, message?, parent_tool_use_id?}`, ending with a `result`
//! line (`total_cost_usd`, `usage`, `num_turns`, `subtype`).
//!
//! Mapping to the model:
//! - assistant lines of one response (same `message.id`; same `requestId` only when the lines
//!   are adjacent) become one assistant message: text blocks are its content, `thinking` its
//!   reasoning, `tool_use` its tool calls. Lines of a response may be separated by tool results
//!   (parallel calls run while the response streams); they still merge.
//! - `tool_result` blocks of user lines become tool messages with `tool_call_id`, linked to their
//!   calls by id (by order when the id is missing); the user text of the same line follows them
//!   as a user message.
//! - sidechains (sub-agent runs, `isSidechain: true`; in stream-json a non-null
//!   `parent_tool_use_id`) are left out of the messages and counted in `metadata.sidechain_lines`
//!   with an info diagnostic, so a sub-agent's steps are not interleaved with the main
//!   conversation. A file whose conversation lines are all sidechain lines (a sub-agent's own
//!   transcript, `subagents/agent-*.jsonl`) is read as it is.
//! - `system`, `progress` and the other bookkeeping lines are not messages: they are counted in
//!   `metadata.line_types` (and `system` subtypes in `metadata.system_subtypes`).
//! - metadata: `summaries`, `title`, `cwd`, `git_branch`, `claude_code_version`, token usage
//!   summed over the session's responses, sidechain ones included (each response counted once,
//!   with its last usage):
//!   `input_tokens`, `output_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`;
//!   `cost_usd` (old versions' per-line `costUSD`, or stream-json's `total_cost_usd`). The model
//!   is the one most responses name (`message.model`), all of them in `metadata.models`.
//! - the final patch is left to the generic inference (the last `git diff` a tool printed): Edit
//!   and Write results carry per-edit hunks, not the final state of the work tree.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use serde_json::{json, Map, Value};

use super::json::{self, Loc};
use super::{chat, ArrayAdapter, LineEvents};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, ToolSpec, Trajectory};

/// The list adapter: a list whose first items are Claude Code session (or stream-json) lines,
/// as `domain::document` gathers them from a file.
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::ClaudeCode,
    misfit: |items| {
        (items.is_empty() || !items.iter().all(is_line)).then(|| {
            "items are not Claude Code session lines (`type` with `sessionId` and `uuid`, \
             `summary`, or stream-json `session_id`)"
                .into()
        })
    },
    read: read_lines,
};

/// The line-event detector: Claude Code session lines and stream-json lines; the session is
/// `sessionId` (stream-json: `session_id`).
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::ClaudeCode, is_event: is_line, session_key };

/// The session a line belongs to (`sessionId`, or stream-json's `session_id`); summary and
/// snapshot lines have none and stay with the lines around them.
fn session_key(value: &Value) -> Option<String> {
    json::str_field(value, "sessionId")
        .or_else(|| json::str_field(value, "session_id"))
        .map(str::to_owned)
}

/// Whether one decoded line is a Claude Code session line or a stream-json line.
///
/// Decided from fields only Claude Code writes together: a `type` with `sessionId` and `uuid`
/// (or `parentUuid`), `summary` with `leafUuid`, `file-history-snapshot` with `snapshot`, a
/// kebab-case session metadata line with `sessionId`, or a stream-json line with `session_id`
/// (`message` for user/assistant, `subtype` for system/result).
fn is_line(value: &Value) -> bool {
    let Some(map) = value.as_object() else { return false };
    let Some(kind) = map.get("type").and_then(Value::as_str) else { return false };
    let has_str = |key: &str| map.get(key).is_some_and(Value::is_string);
    let has_message = || map.get("message").is_some_and(Value::is_object);
    if has_str("session_id") && !has_str("sessionId") {
        return match kind {
            "user" | "assistant" => has_message(),
            "system" | "result" => has_str("subtype"),
            "stream_event" => map.get("event").is_some_and(Value::is_object),
            _ => has_str("uuid"),
        };
    }
    match kind {
        "summary" => has_str("summary") && has_str("leafUuid"),
        "file-history-snapshot" => {
            map.get("snapshot").is_some_and(Value::is_object) && map.contains_key("messageId")
        }
        _ if !has_str("sessionId") => false,
        "user" | "assistant" => {
            has_message() && (has_str("uuid") || map.contains_key("parentUuid"))
        }
        "queue-operation" => has_str("operation"),
        _ => has_str("uuid") || map.contains_key("parentUuid") || is_kebab_case(kind),
    }
}

/// Whether a line type is kebab-case (`custom-title`, `permission-mode`): Claude Code's
/// session metadata lines, which carry only `sessionId` and their value.
fn is_kebab_case(kind: &str) -> bool {
    kind.contains('-') && kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')
}

/// Whether a line is a sub-agent's (a sidechain): `isSidechain: true`, or in stream-json a
/// `parent_tool_use_id`.
fn is_sidechain(line: &Value) -> bool {
    line.as_object().is_some_and(is_sidechain_line)
}

/// [`is_sidechain`] of a line's fields.
fn is_sidechain_line(line: &Map<String, Value>) -> bool {
    line.get("isSidechain").and_then(Value::as_bool) == Some(true)
        || line.get("parent_tool_use_id").is_some_and(Value::is_string)
}

/// Whether a line is a conversation line (a user or assistant message).
fn is_conversation(line: &Value) -> bool {
    matches!(json::str_field(line, "type"), Some("user" | "assistant"))
        && line.get("message").is_some_and(Value::is_object)
}

/// The usage counters summed into the metadata, under the same names.
const USAGE_KEYS: [&str; 4] =
    ["input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"];

/// Reads a gathered list of lines into `trajectory` (see the module doc for the mapping).
fn read_lines(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    trajectory.format = Format::ClaudeCode;
    let has_main_chain = items.iter().any(|line| is_conversation(line) && !is_sidechain(line));
    let mut reader = Reader { include_sidechains: !has_main_chain, ..Reader::default() };
    for (idx, line) in items.into_iter().enumerate() {
        let line_path = path.index(idx);
        match line {
            Value::Object(map) => reader.line(map, &line_path, &mut trajectory.diagnostics),
            other => trajectory.diagnostics.push(json::not_an_object(
                "bad_line",
                "a session line",
                &line_path,
                &other,
            )),
        }
    }
    reader.finish(trajectory);
}

/// The assistant message that later lines of the same response merge into.
#[derive(Debug)]
struct Open {
    /// Index of the message in `Reader::messages`.
    idx: usize,
    /// `message.id`, else `requestId`.
    key: String,
    /// True when `key` is a `message.id` (lines may then be separated by tool results).
    by_id: bool,
}

/// What is gathered while reading the lines of one session.
#[derive(Debug, Default)]
struct Reader {
    messages: Vec<Message>,
    open: Option<Open>,
    include_sidechains: bool,
    /// Tool names by call id, to name tool results.
    call_names: HashMap<String, String>,
    session_id: Option<String>,
    cwd: Option<String>,
    git_branch: Option<String>,
    version: Option<String>,
    /// Keys (`message.id`, else `requestId`) of the responses seen.
    responses: HashSet<String>,
    /// Responses named by each model, in first-seen order.
    models: Vec<(String, u64)>,
    /// The last usage of each response, by response key, in first-seen order.
    usage: Vec<(String, Map<String, Value>)>,
    /// Old versions' per-line `costUSD`, summed.
    cost_usd: Option<f64>,
    summaries: Vec<String>,
    title: Option<String>,
    custom_title: Option<String>,
    line_types: BTreeMap<String, u64>,
    system_subtypes: BTreeMap<String, u64>,
    sidechain_lines: u64,
    sidechain_agents: BTreeSet<String>,
    tool_error_results: u64,
    redacted_thinking_blocks: u64,
    api_errors: u64,
    compactions: u64,
    /// stream-json: the `system`/`init` line's fields and the `result` line.
    init: Map<String, Value>,
    tools: Vec<String>,
    result: Option<Map<String, Value>>,
    /// Block types not understood, with how many times they were seen.
    unknown_blocks: BTreeMap<String, u64>,
}

impl Reader {
    /// Reads one line: counts its type, takes its common fields, and reads it by type.
    fn line(
        &mut self,
        mut line: Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let kind = line.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        *self.line_types.entry(kind.clone()).or_default() += 1;
        self.common_fields(&line);
        match kind.as_str() {
            "user" | "assistant" if is_sidechain_line(&line) && !self.include_sidechains => {
                self.sidechain_lines += 1;
                if let Some(agent) = line.get("agentId").and_then(Value::as_str) {
                    self.sidechain_agents.insert(agent.to_owned());
                }
                // A sub-agent's tokens are spent by the session: they count in its usage.
                if kind == "assistant" {
                    if let Some(Value::Object(mut message)) = line.remove("message") {
                        let key = response_key(&message, &line);
                        self.record_usage(key, message.remove("usage"));
                    }
                }
            }
            "assistant" => self.assistant(&mut line, path, diagnostics),
            "user" => self.user(&mut line, path, diagnostics),
            "summary" => {
                if let Some(summary) = json::take_string(&mut line, &["summary"]) {
                    self.summaries.push(summary);
                }
            }
            "ai-title" => {
                self.title = json::take_string(&mut line, &["aiTitle"]).or(self.title.take())
            }
            "custom-title" => self.custom_title = json::take_string(&mut line, &["customTitle"]),
            "system" => self.system(&mut line),
            "result" => self.result = Some(line),
            _ => {}
        }
    }

    /// Fields any line may carry: the session, work tree, version and old per-line cost.
    fn common_fields(&mut self, line: &Map<String, Value>) {
        let text = |key: &str| line.get(key).and_then(Value::as_str).filter(|s| !s.is_empty());
        if self.session_id.is_none() {
            self.session_id = text("sessionId").or_else(|| text("session_id")).map(str::to_owned);
        }
        if self.cwd.is_none() {
            self.cwd = text("cwd").map(str::to_owned);
        }
        if let Some(branch) = text("gitBranch") {
            self.git_branch = Some(branch.to_owned());
        }
        if let Some(version) = text("version") {
            self.version = Some(version.to_owned());
        }
        if let Some(cost) = line.get("costUSD").and_then(Value::as_f64) {
            *self.cost_usd.get_or_insert(0.0) += cost;
        }
        if line.get("isApiErrorMessage").and_then(Value::as_bool) == Some(true) {
            self.api_errors += 1;
        }
    }

    /// An assistant line: its blocks go to the open message of the same response, or to a new
    /// assistant message; server tool results follow it as tool messages.
    fn assistant(
        &mut self,
        line: &mut Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        let message_path = path.key("message");
        let Some(Value::Object(mut message)) = line.remove("message") else { return };
        let id = message.get("id").and_then(Value::as_str).map(str::to_owned);
        let key = response_key(&message, line);
        // A response is counted once, however many lines it is written over.
        let new_response = key.as_ref().is_none_or(|key| self.responses.insert(key.clone()));
        if let Some(model) = message.get("model").and_then(Value::as_str) {
            // Claude Code names its own notices (`No response requested.`) `<synthetic>`.
            if new_response && !model.is_empty() && model != "<synthetic>" {
                self.count_model(model);
            }
        }
        let usage = message.remove("usage").or_else(|| line.remove("usage"));
        self.record_usage(key.clone(), usage);

        let mut text = Vec::new();
        let mut reasoning = Vec::new();
        let mut calls = Vec::new();
        let mut results = Vec::new();
        let content_path = message_path.key("content");
        match message.remove("content") {
            Some(Value::String(s)) => text.push(s),
            Some(Value::Array(blocks)) => {
                for (idx, block) in blocks.into_iter().enumerate() {
                    let block_path = content_path.index(idx);
                    let Value::Object(mut block) = block else {
                        diagnostics.push(bad_block(&block_path, &block));
                        continue;
                    };
                    let kind = block.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
                    match kind.as_str() {
                        "text" => {
                            if let Some(s) = json::take_string(&mut block, &["text"]) {
                                text.push(s);
                            }
                        }
                        "thinking" => match json::take_string(&mut block, &["thinking"]) {
                            Some(thought) if !thought.trim().is_empty() => reasoning.push(thought),
                            _ => {
                                if block
                                    .get("signature")
                                    .and_then(Value::as_str)
                                    .is_some_and(|s| !s.is_empty())
                                {
                                    self.redacted_thinking_blocks += 1;
                                }
                            }
                        },
                        "redacted_thinking" => self.redacted_thinking_blocks += 1,
                        "tool_use" | "server_tool_use" | "mcp_tool_use" => {
                            match tool_call(block, &block_path) {
                                Ok(call) => {
                                    if let Some(id) = &call.id {
                                        self.call_names.insert(id.clone(), call.name.clone());
                                    }
                                    calls.push(call);
                                }
                                Err(diagnostic) => diagnostics.push(diagnostic),
                            }
                        }
                        kind if kind.ends_with("_tool_result") => {
                            results.push(self.tool_result(block, &block_path, diagnostics));
                        }
                        other => self.other_block(other, &mut text, &block_path, diagnostics),
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => diagnostics.push(bad_content(&other, &content_path)),
        }

        // Merge into the open message of the same response, or start one.
        let target = match (&self.open, &key) {
            (Some(open), Some(key))
                if open.key == *key && (open.by_id || open.idx + 1 == self.messages.len()) =>
            {
                Some(open.idx)
            }
            _ => None,
        };
        let idx = match target {
            Some(idx) => idx,
            None => {
                self.messages.push(Message::new(Role::Assistant, ""));
                let idx = self.messages.len() - 1;
                self.open = key.map(|key| Open { idx, key, by_id: id.is_some() });
                idx
            }
        };
        if let Some(message) = self.messages.get_mut(idx) {
            append(
                &mut message.content,
                text.iter().map(String::as_str).filter(|t| !t.trim().is_empty()),
            );
            if !reasoning.is_empty() {
                let given = message.reasoning.get_or_insert_with(String::new);
                append(given, reasoning.iter().map(String::as_str));
            }
            message.tool_calls.extend(calls);
        }
        self.messages.extend(results);
    }

    /// A user line: tool results as tool messages, then its text (if any) as a user message.
    fn user(
        &mut self,
        line: &mut Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if line.get("isCompactSummary").and_then(Value::as_bool) == Some(true) {
            self.compactions += 1;
        }
        let message_path = path.key("message");
        let Some(Value::Object(mut message)) = line.remove("message") else { return };
        let content_path = message_path.key("content");
        let mut text = Vec::new();
        match message.remove("content") {
            Some(Value::String(s)) => text.push(s),
            Some(Value::Array(blocks)) => {
                for (idx, block) in blocks.into_iter().enumerate() {
                    let block_path = content_path.index(idx);
                    let Value::Object(mut block) = block else {
                        diagnostics.push(bad_block(&block_path, &block));
                        continue;
                    };
                    let kind = block.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
                    match kind.as_str() {
                        "tool_result" => {
                            let result = self.tool_result(block, &block_path, diagnostics);
                            self.messages.push(result);
                        }
                        "text" => {
                            if let Some(s) = json::take_string(&mut block, &["text"]) {
                                text.push(s);
                            }
                        }
                        other => self.other_block(other, &mut text, &block_path, diagnostics),
                    }
                }
            }
            Some(Value::Null) | None => {}
            Some(other) => diagnostics.push(bad_content(&other, &content_path)),
        }
        let mut content = String::new();
        append(&mut content, text.iter().map(String::as_str).filter(|t| !t.trim().is_empty()));
        if !content.is_empty() {
            self.messages.push(Message::new(Role::User, content));
            self.open = None;
        }
    }

    /// A content block neither message reader takes: an image or document becomes a
    /// placeholder in `text` (with a `non_text_part` warning); any other type is counted in
    /// `unknown_blocks`.
    fn other_block(
        &mut self,
        kind: &str,
        text: &mut Vec<String>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        if matches!(kind, "image" | "document") {
            text.push(format!("[{kind}]"));
            diagnostics.push(Diagnostic::warning(
                "non_text_part",
                path.to_string(),
                format!("a content part of type `{kind}` is shown as a placeholder"),
            ));
        } else {
            *self.unknown_blocks.entry(kind.to_owned()).or_default() += 1;
        }
    }

    /// A `tool_result` block (or a server tool's result block) as a tool message.
    fn tool_result(
        &mut self,
        mut block: Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Message {
        let id = json::take_string(&mut block, &["tool_use_id"]);
        let is_error = block.get("is_error").and_then(Value::as_bool) == Some(true);
        self.tool_error_results += u64::from(is_error);
        let content = match block.remove("content") {
            Some(Value::Array(parts))
                if parts.iter().all(|p| p.get("text").is_some()) || parts.is_empty() =>
            {
                let texts: Vec<String> = parts
                    .into_iter()
                    .filter_map(|p| p.get("text").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                texts.join("\n")
            }
            Some(value) => chat::content_to_text(value, &path.key("content"), diagnostics),
            None => String::new(),
        };
        let mut message = Message::new(Role::Tool, content);
        message.name = id.as_ref().and_then(|id| self.call_names.get(id)).cloned();
        message.tool_call_id = id;
        message.is_error = is_error;
        message
    }

    /// A `system` line: counted by subtype; stream-json's `init` line gives the configuration.
    fn system(&mut self, line: &mut Map<String, Value>) {
        let subtype = line.get("subtype").and_then(Value::as_str).unwrap_or("").to_owned();
        if subtype == "compact_boundary" {
            self.compactions += 1;
        }
        if subtype == "init" && line.contains_key("session_id") {
            // stream-json: the run's configuration.
            if let Some(Value::Array(tools)) = line.remove("tools") {
                self.tools = tools.into_iter().filter_map(json::into_string).collect();
            }
            for key in ["model", "cwd", "claude_code_version", "permissionMode", "apiKeySource"] {
                if let Some(value) = line.remove(key) {
                    self.init.insert(key.to_owned(), value);
                }
            }
            return;
        }
        *self.system_subtypes.entry(subtype).or_default() += 1;
    }

    /// Keeps the last usage of a response (every line of a response repeats it, the last
    /// with the final output count).
    fn record_usage(&mut self, key: Option<String>, usage: Option<Value>) {
        let Some(Value::Object(usage)) = usage else { return };
        let key = key.unwrap_or_else(|| format!("line {}", self.usage.len()));
        match self.usage.iter_mut().find(|(k, _)| *k == key) {
            Some((_, last)) => *last = usage,
            None => self.usage.push((key, usage)),
        }
    }

    /// Counts one response of `model`.
    fn count_model(&mut self, model: &str) {
        match self.models.iter_mut().find(|(name, _)| name == model) {
            Some((_, n)) => *n += 1,
            None => self.models.push((model.to_owned(), 1)),
        }
    }

    /// Moves what was gathered into the trajectory.
    fn finish(mut self, trajectory: &mut Trajectory) {
        if self.sidechain_lines > 0 {
            let agents: Vec<&str> = self.sidechain_agents.iter().map(String::as_str).collect();
            trajectory.diagnostics.push(Diagnostic::info(
                "sidechain_left_out",
                "",
                format!(
                    "{} sidechain lines (sub-agent runs{}) are left out of the conversation; \
                     counted in metadata `sidechain_lines`",
                    self.sidechain_lines,
                    if agents.is_empty() {
                        String::new()
                    } else {
                        format!(" {}", agents.join(", "))
                    }
                ),
            ));
        } else if self.include_sidechains && self.line_types.contains_key("assistant") {
            trajectory.diagnostics.push(Diagnostic::info(
                "sidechain_transcript",
                "",
                "every conversation line is a sidechain line (a sub-agent's transcript): read as \
                 the conversation",
            ));
        }
        if !self.unknown_blocks.is_empty() {
            let kinds: Vec<String> =
                self.unknown_blocks.iter().map(|(kind, n)| format!("`{kind}` ({n})")).collect();
            trajectory.diagnostics.push(Diagnostic::warning(
                "unknown_block",
                "",
                format!("content blocks of types not read, left out: {}", kinds.join(", ")),
            ));
        }

        let meta = &mut trajectory.metadata;
        trajectory.ids.trajectory_id = self.session_id.take();
        let main_model = self.models.iter().max_by_key(|(_, n)| *n).map(|(name, _)| name.clone());
        trajectory.ids.model = main_model
            .or_else(|| self.init.get("model").and_then(Value::as_str).map(str::to_owned));
        if self.models.len() > 1 {
            let models: Map<String, Value> =
                self.models.iter().map(|(name, n)| (name.clone(), json!(n))).collect();
            meta.insert("models".into(), Value::Object(models));
        }
        let mut insert_str = |key: &str, value: Option<String>| {
            if let Some(value) = value {
                meta.insert(key.to_owned(), Value::String(value));
            }
        };
        insert_str("cwd", self.cwd.take());
        insert_str("git_branch", self.git_branch.take());
        insert_str("claude_code_version", self.version.take());
        insert_str("title", self.custom_title.take().or(self.title.take()));
        if !self.summaries.is_empty() {
            meta.insert("summaries".into(), json!(self.summaries));
        }

        // Token usage: the stream-json result's totals when there is one, else each response's
        // last usage, summed.
        let result_usage = self.result.as_mut().and_then(|result| match result.remove("usage") {
            Some(Value::Object(usage)) => Some(usage),
            _ => None,
        });
        let usages: Vec<&Map<String, Value>> = match &result_usage {
            Some(usage) => vec![usage],
            None => self.usage.iter().map(|(_, usage)| usage).collect(),
        };
        for key in USAGE_KEYS {
            let values: Vec<u64> = usages.iter().filter_map(|u| u.get(key)?.as_u64()).collect();
            if !values.is_empty() {
                meta.insert(key.to_owned(), json!(values.iter().sum::<u64>()));
            }
        }
        if let Some(result) = self.result.take() {
            if let Some(cost) = result.get("total_cost_usd").and_then(Value::as_f64) {
                self.cost_usd = Some(cost);
            }
            trajectory.exit_status =
                result.get("subtype").and_then(Value::as_str).map(str::to_owned);
            for key in ["num_turns", "duration_ms", "duration_api_ms", "is_error"] {
                if let Some(value) = result.get(key) {
                    meta.insert(key.to_owned(), value.clone());
                }
            }
        }
        if let Some(cost) = self.cost_usd {
            meta.insert("cost_usd".into(), json!(cost));
        }
        // stream-json's `system`/`init` line: what the run was started with.
        for (key, value) in std::mem::take(&mut self.init) {
            let key = match key.as_str() {
                "model" if trajectory.ids.model.as_deref() == value.as_str() => continue,
                "model" => "init_model",
                "cwd" => "cwd",
                "claude_code_version" => "claude_code_version",
                "permissionMode" => "permission_mode",
                _ => "api_key_source",
            };
            meta.entry(key).or_insert(value);
        }
        let counters = [
            ("sidechain_lines", self.sidechain_lines),
            ("tool_error_results", self.tool_error_results),
            ("redacted_thinking_blocks", self.redacted_thinking_blocks),
            ("api_errors", self.api_errors),
            ("compactions", self.compactions),
        ];
        for (key, n) in counters {
            if n > 0 {
                meta.insert(key.to_owned(), json!(n));
            }
        }
        if !self.sidechain_agents.is_empty() {
            meta.insert("sidechain_agents".into(), json!(self.sidechain_agents));
        }
        if !self.system_subtypes.is_empty() {
            meta.insert("system_subtypes".into(), json!(self.system_subtypes));
        }
        meta.insert("line_types".into(), json!(self.line_types));

        trajectory.tools = self
            .tools
            .into_iter()
            .map(|name| ToolSpec::new(name.clone(), json!({ "name": name })))
            .collect();
        trajectory.messages = self.messages;
        if trajectory.messages.is_empty() {
            trajectory.diagnostics.push(Diagnostic::warning(
                "no_messages",
                "",
                "the session has no user or assistant message",
            ));
        }
    }
}

/// The key of the response an assistant line belongs to: `message.id`, else `requestId`.
fn response_key(message: &Map<String, Value>, line: &Map<String, Value>) -> Option<String> {
    message.get("id").or_else(|| line.get("requestId")).and_then(Value::as_str).map(str::to_owned)
}

/// The warning for a message `content` that is neither text nor a list of blocks.
fn bad_content(content: &Value, path: &Loc<'_>) -> Diagnostic {
    Diagnostic::warning(
        "bad_content",
        path.to_string(),
        format!("`content` is {}, not text or blocks; ignored", json::describe(content)),
    )
}

/// Appends `parts` to `text`, blank-line separated.
fn append<'a>(text: &mut String, parts: impl Iterator<Item = &'a str>) {
    for part in parts {
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(part);
    }
}

/// A `tool_use` block `{id, name, input}` as a tool call.
fn tool_call(mut block: Map<String, Value>, path: &Loc<'_>) -> Result<ToolCall, Diagnostic> {
    let Some(name) = json::take_string(&mut block, &["name"]) else {
        return Err(Diagnostic::warning(
            "bad_tool_call",
            path.to_string(),
            "a `tool_use` block without a name; skipped",
        ));
    };
    let id = json::take_string(&mut block, &["id"]);
    let input = block.remove("input").unwrap_or_else(|| Value::Object(Map::new()));
    let raw = input.to_string();
    Ok(ToolCall::new(id, name, input, raw, false))
}

/// A content block that is not an object.
fn bad_block(path: &Loc<'_>, block: &Value) -> Diagnostic {
    json::not_an_object("bad_block", "a content block", path, block)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_session_and_stream_lines_only() {
        let line = json!({"type": "user", "uuid": "u1", "sessionId": "s", "message": {"role": "user", "content": "hi"}});
        assert!(is_line(&line));
        assert!(is_line(&json!({"type": "summary", "summary": "x", "leafUuid": "u1"})));
        assert!(is_line(&json!({"type": "custom-title", "sessionId": "s", "customTitle": "t"})));
        assert!(is_line(&json!({"type": "result", "subtype": "success", "session_id": "s"})));
        assert!(!is_line(&json!({"type": "user", "message": {"role": "user", "content": "hi"}})));
        assert!(!is_line(&json!({"messages": [{"role": "user", "content": "hi"}]})));
        assert!(!is_line(&json!({"type": "note", "sessionId": "s"})));
        assert!(!is_line(&json!("text")));
    }
}
