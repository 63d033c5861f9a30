//! mini-swe-agent trajectories (SWE-agent/mini-swe-agent): the `.traj.json` objects written by
//! `save_traj` (`src/minisweagent/run/utils/save.py`, v1: `trajectory_format`
//! `mini-swe-agent-1`) and by `DefaultAgent.serialize`/`save` (v2: `mini-swe-agent-1.1`).
//!
//! Shape: `{"info": {exit_status, submission, model_stats: {instance_cost, api_calls},
//! mini_version, config: {agent, model, environment, *_type}, ...}, "messages": [...],
//! "trajectory_format": "mini-swe-agent-1[.x]", "instance_id"?}` (the SWE-bench runner adds
//! `instance_id`). The older bare list of messages (`traj.json`) is not read here: it is a chat
//! list, read by the generic path as `markdown_bash`.
//!
//! Messages are chat messages; mini-swe-agent adds `extra` to some:
//! - v1 text agents: the model writes one `` ```bash `` block per turn (v2 text-based models:
//!   `` ```mswea_bash_command ``); observations come back as user turns rendered by the
//!   observation template (`<returncode>N</returncode>` then `<output>`); a format error, a
//!   timeout, and the final submission are user turns too. v1 assistant messages may carry
//!   `extra.response` (the raw API response); v2 ones carry `extra.actions` (the harness's
//!   parsed actions, `[{command}]`), `extra.cost`, `extra.response`, `extra.timestamp`;
//!   observations carry `extra.returncode`, `extra.raw_output`.
//! - v2 tool-calling models (the v2 default): assistant messages have OpenAI `tool_calls` (and
//!   `extra.actions` `[{command, tool_call_id}]`), observations are `role: tool` messages with
//!   `tool_call_id`. Response-API models store the whole response object (`object:
//!   "response"`, its `output` items `message`, `reasoning`, `function_call`) as the assistant
//!   message, and observations as `{type: function_call_output, call_id, output}`.
//! - v2 ends a run with a `role: exit` message whose `content` (and `extra.submission`) is the
//!   submission, `extra.exit_status` the exit status.
//!
//! Mapping to the model:
//! - Text-based files are `markdown_bash`: an assistant message's call is its `extra.actions`
//!   when given (not inferred), else, as v1 parses it (`re.findall(r"```bash\s*\n(.*?)\n```")`
//!   and exactly one match), its one `` ```bash `` or `` ```mswea_bash_command `` block
//!   (inferred); a message with none or several blocks has no call (the harness answered it with a format
//!   error). The user turn after it is its observation (`link`).
//! - Files with tool calls are `openai_tool_calls`: calls and results are linked by id.
//! - The `exit` message is the result of the call that submitted when it directly follows the
//!   assistant message whose call raised the submission (a `tool` message answering the call
//!   whose command holds `COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`, else its first call, in
//!   tool-call files; a user turn in text files); otherwise a user turn.
//! - Reasoning: `reasoning_content` (and `<think>` blocks, via `chat`), `thinking_blocks`, a
//!   response's `reasoning` items.
//! - `info.submission` is the final patch when the run submitted (`exit_status` `Submitted`),
//!   when the text is a diff, or when it is empty (nothing submitted); otherwise (a crashed run
//!   stores its error message there) it is kept as `result`. `info.model_stats` gives `cost_usd` and `api_calls`; the messages' recorded
//!   usage (`extra.response.usage`, a response's `usage`) adds up to `input_tokens` and
//!   `output_tokens`; `info.config.model.model_name` is the model. Everything else of `info`
//!   (config, mini_version) stays in the metadata; the messages' `extra` is not kept.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::swe_agent::{insert_new, thinking_text};
use super::{chat, text_calls, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// Text-based mini-swe-agent trajectories (no tool calls in `messages`).
pub(super) const TRAJECTORY: ObjectAdapter = ObjectAdapter {
    format: Format::MarkdownBash,
    misfit: |map| match mini_misfit(map) {
        Some(why) => Some(why),
        None if uses_tool_calls(map) => {
            Some("a mini-swe-agent trajectory whose `messages` have tool calls".into())
        }
        None => None,
    },
    read: |map, trajectory| read_mini(map, trajectory, Format::MarkdownBash),
};

/// mini-swe-agent trajectories of tool-calling models (`tool_calls`, `tool` messages,
/// Responses-API items in `messages`).
pub(super) const TOOL_CALLS: ObjectAdapter = ObjectAdapter {
    format: Format::OpenAiToolCalls,
    misfit: |map| match mini_misfit(map) {
        Some(why) => Some(why),
        None if !uses_tool_calls(map) => {
            Some("a mini-swe-agent trajectory whose `messages` have no tool calls".into())
        }
        None => None,
    },
    read: |map, trajectory| read_mini(map, trajectory, Format::OpenAiToolCalls),
};

/// The command mini-swe-agent's agents echo to submit.
const SUBMIT_MARKER: &str = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT";

/// Languages of the fenced block mini-swe-agent parses as the action (v1 `` ```bash ``, v2
/// `` ```mswea_bash_command ``).
const ACTION_LANGUAGES: [&str; 2] = ["bash", "mswea_bash_command"];

/// `None` when `map` is a mini-swe-agent trajectory: a `messages` member and a
/// `trajectory_format` starting with `mini-swe-agent`, or an `info` with `mini_version`, or an
/// `info.model_stats` object beside `info.exit_status`/`info.submission` (files written before
/// `trajectory_format`, and the inspector's own samples).
fn mini_misfit(map: &Map<String, Value>) -> Option<String> {
    if !map.contains_key("messages") {
        return Some("no mini-swe-agent `messages` list".into());
    }
    let by_format = map
        .get("trajectory_format")
        .and_then(Value::as_str)
        .is_some_and(|format| format.starts_with("mini-swe-agent"));
    let info = map.get("info").and_then(Value::as_object);
    let by_info = info.is_some_and(|info| {
        info.contains_key("mini_version")
            || (info.get("model_stats").is_some_and(Value::is_object)
                && (info.contains_key("exit_status") || info.contains_key("submission")))
    });
    (!by_format && !by_info).then(|| {
        "no `trajectory_format` mini-swe-agent-*, nor an `info` with `mini_version` or \
         `model_stats`"
            .into()
    })
}

/// Whether the `messages` hold structured tool calls: a non-empty `tool_calls`, a `tool` role, a
/// Responses-API response object or `function_call`/`function_call_output` item.
fn uses_tool_calls(map: &Map<String, Value>) -> bool {
    let Some(Value::Array(messages)) = map.get("messages") else { return false };
    messages.iter().any(|message| {
        message.get("tool_calls").and_then(Value::as_array).is_some_and(|calls| !calls.is_empty())
            || message.get("role").and_then(Value::as_str) == Some("tool")
            || message.get("object").and_then(Value::as_str) == Some("response")
            || matches!(
                message.get("type").and_then(Value::as_str),
                Some("function_call" | "function_call_output")
            )
    })
}

/// Token counts recorded on the messages, summed.
#[derive(Default)]
struct Usage {
    input: u64,
    output: u64,
    found: bool,
}

impl Usage {
    /// Adds a usage object: `prompt_tokens`/`completion_tokens` (chat completions) or
    /// `input_tokens`/`output_tokens` (Responses API).
    fn add(&mut self, usage: Option<&Value>) {
        let Some(usage) = usage.filter(|u| u.is_object()) else { return };
        let count = |keys: [&str; 2]| keys.iter().find_map(|key| usage.get(*key)?.as_u64());
        let input = count(["prompt_tokens", "input_tokens"]);
        let output = count(["completion_tokens", "output_tokens"]);
        if input.is_some() || output.is_some() {
            self.found = true;
            self.input += input.unwrap_or(0);
            self.output += output.unwrap_or(0);
        }
    }
}

/// Reads a mini-swe-agent object into `trajectory` as `format`, removing `messages` and adding
/// its figures (`cost_usd`, ...) to `map` for the metadata.
fn read_mini(map: &mut Map<String, Value>, trajectory: &mut Trajectory, format: Format) {
    trajectory.format = format;
    let path = Loc::Root.key("messages");
    let items = match json::parse_if_string(map.remove("messages").unwrap_or(Value::Null), &path) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Null) => Vec::new(),
        Ok(other) => {
            trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                format!("`messages` is {}, not a list of messages", json::describe(&other)),
            ));
            Vec::new()
        }
        Err(diagnostic) => {
            trajectory.diagnostics.push(diagnostic);
            Vec::new()
        }
    };
    let text_based = format == Format::MarkdownBash;
    let mut usage = Usage::default();
    let mut messages = Vec::with_capacity(items.len());
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        let Value::Object(item) = item else {
            trajectory.diagnostics.push(Diagnostic::error(
                "bad_message",
                item_path.to_string(),
                format!("a message must be an object, found {}; skipped", json::describe(&item)),
            ));
            continue;
        };
        if let Some(message) =
            read_message(item, &item_path, text_based, &mut usage, &mut trajectory.diagnostics)
        {
            push_message(&mut messages, message, text_based);
        }
    }
    if messages.is_empty() {
        let status = json::get(map, &["info", "exit_status"]).and_then(Value::as_str);
        trajectory.diagnostics.push(Diagnostic::warning(
            "no_messages",
            path.to_string(),
            match status {
                Some(status) => format!("the run recorded no messages (exit status `{status}`)"),
                None => "the run recorded no messages".to_owned(),
            },
        ));
    }
    trajectory.messages = messages;

    read_info(map, usage);
}

/// A message read from one item, before it is placed.
enum Read {
    /// A message to append as it is.
    Message(Message),
    /// The run's `exit` message: its text, placed by [`push_message`].
    Exit(String),
}

/// Appends a read message; an `exit` message becomes the result of the submitting call when it
/// directly follows the assistant message that made it (see the module doc).
fn push_message(messages: &mut Vec<Message>, read: Read, text_based: bool) {
    let text = match read {
        Read::Message(message) => return messages.push(message),
        Read::Exit(text) => text,
    };
    let mut message = Message::new(Role::User, text);
    if !text_based {
        if let Some(previous) = messages.last().filter(|m| m.role == Role::Assistant) {
            let submitting = previous
                .tool_calls
                .iter()
                .find(|call| call.raw_arguments.contains(SUBMIT_MARKER))
                .or_else(|| previous.tool_calls.first());
            if let Some(call) = submitting {
                message.role = Role::Tool;
                message.tool_call_id = call.id.clone();
            }
        }
    }
    messages.push(message);
}

/// Reads one message item; `None` for items that are not part of the conversation.
fn read_message(
    mut item: Map<String, Value>,
    path: &Loc<'_>,
    text_based: bool,
    usage: &mut Usage,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<Read> {
    let extra = match item.remove("extra") {
        Some(Value::Object(extra)) => extra,
        _ => Map::new(),
    };
    usage.add(extra.get("response").and_then(|response| response.get("usage")));
    if item.get("object").and_then(Value::as_str) == Some("response") {
        usage.add(item.get("usage"));
        return Some(Read::Message(read_response(item)));
    }
    match item.get("type").and_then(Value::as_str) {
        Some("function_call_output") => {
            let call_id = item.remove("call_id").and_then(json::into_string);
            let content = chat::content_to_text(
                item.remove("output").unwrap_or(Value::Null),
                &path.key("output"),
                diagnostics,
            );
            let mut message = Message::new(Role::Tool, content);
            message.tool_call_id = call_id;
            return Some(Read::Message(message));
        }
        Some("function_call") => {
            let mut message = Message::new(Role::Assistant, "");
            if let Some(call) = response_call(item) {
                message.tool_calls.push(call);
            }
            return Some(Read::Message(message));
        }
        _ => {}
    }
    if item.get("role").and_then(Value::as_str) == Some("exit") {
        let content = item.remove("content").unwrap_or(Value::Null);
        let text = chat::content_to_text(content, &path.key("content"), diagnostics);
        return Some(Read::Exit(text));
    }
    let thinking = item.remove("thinking_blocks").and_then(thinking_text);
    let mut message = chat::read_message(item, path, diagnostics);
    if message.role == Role::Assistant {
        if message.reasoning.is_none() {
            message.reasoning = thinking;
        }
        if text_based && message.tool_calls.is_empty() {
            message.tool_calls = match extra.get("actions") {
                Some(Value::Array(actions)) => actions.iter().filter_map(action_call).collect(),
                _ => block_call(&message.content).into_iter().collect(),
            };
        }
    }
    Some(Read::Message(message))
}

/// A Responses-API response object (`object: "response"`) as one assistant message: its
/// `message` items' text, its `reasoning` items' summaries (or content) as reasoning, its
/// `function_call` items as calls.
fn read_response(mut response: Map<String, Value>) -> Message {
    let mut message = Message::new(Role::Assistant, "");
    let mut reasoning: Vec<String> = Vec::new();
    let output = match response.remove("output") {
        Some(Value::Array(output)) => output,
        _ => Vec::new(),
    };
    for item in output {
        let Value::Object(mut item) = item else { continue };
        match item.get("type").and_then(Value::as_str) {
            Some("message") => {
                if let Some(Value::Array(parts)) = item.remove("content") {
                    for part in parts {
                        if let Some(text) = part.get("text").and_then(Value::as_str) {
                            if !message.content.is_empty() {
                                message.content.push('\n');
                            }
                            message.content.push_str(text);
                        }
                    }
                }
            }
            Some("reasoning") => {
                let texts = |value: Option<Value>| -> Vec<String> {
                    match value {
                        Some(Value::Array(parts)) => parts
                            .into_iter()
                            .filter_map(|part| {
                                part.get("text").and_then(Value::as_str).map(str::to_owned)
                            })
                            .filter(|text| !text.trim().is_empty())
                            .collect(),
                        _ => Vec::new(),
                    }
                };
                let mut found = texts(item.remove("summary"));
                if found.is_empty() {
                    found = texts(item.remove("content"));
                }
                reasoning.extend(found);
            }
            Some("function_call") => {
                if let Some(call) = response_call(item) {
                    message.tool_calls.push(call);
                }
            }
            _ => {}
        }
    }
    if !reasoning.is_empty() {
        message.reasoning = Some(reasoning.join("\n\n"));
    }
    message
}

/// A Responses-API `function_call` item: `{call_id, name, arguments}` (`id` when no `call_id`).
fn response_call(mut item: Map<String, Value>) -> Option<ToolCall> {
    let id = item
        .remove("call_id")
        .and_then(json::into_string)
        .or_else(|| item.remove("id").and_then(json::into_string));
    let name = item.remove("name").and_then(json::into_string)?;
    Some(match item.remove("arguments") {
        Some(Value::String(raw)) => ToolCall::with_json_arguments(id, name, raw),
        Some(other @ Value::Object(_)) => {
            let raw = other.to_string();
            ToolCall::new(id, name, other, raw, false)
        }
        _ => ToolCall::new(id, name, Value::Object(Map::new()), String::new(), false),
    })
}

/// A call from one of the harness's parsed actions (`extra.actions[i]`, `{command}`): a `bash`
/// call given as data.
fn action_call(action: &Value) -> Option<ToolCall> {
    let command = action.get("command")?.as_str()?.trim_end().to_owned();
    let id = action.get("tool_call_id").and_then(Value::as_str).map(str::to_owned);
    let mut arguments = Map::new();
    arguments.insert("command".to_owned(), Value::String(command.clone()));
    Some(ToolCall::new(id, "bash".to_owned(), Value::Object(arguments), command, false))
}

/// The call of a text-based message as mini-swe-agent parses it: its one `` ```bash `` (or
/// `` ```mswea_bash_command ``) block; none when it has no such block or several.
fn block_call(content: &str) -> Option<ToolCall> {
    let blocks = text_calls::fenced_blocks(content);
    let mut actions = blocks.iter().filter(|block| ACTION_LANGUAGES.contains(&block.language));
    let block = actions.next()?;
    if actions.next().is_some() {
        return None;
    }
    let command = block.code.trim().to_owned();
    let mut arguments = Map::new();
    arguments.insert("command".to_owned(), Value::String(command.clone()));
    Some(ToolCall::new(None, "bash".to_owned(), Value::Object(arguments), command, true))
}

/// Metadata from `info` (see the module doc), added to `map` top-level; a submission that is not
/// a patch is moved to `result`.
fn read_info(map: &mut Map<String, Value>, usage: Usage) {
    if let Some(Value::Object(stats)) = json::get(map, &["info", "model_stats"]) {
        let cost = stats.get("instance_cost").filter(|v| v.is_number()).cloned();
        let calls = stats.get("api_calls").filter(|v| v.is_number()).cloned();
        let input = stats.get("input_tokens").filter(|v| v.is_number()).cloned();
        let output = stats.get("output_tokens").filter(|v| v.is_number()).cloned();
        for (key, value) in [
            ("cost_usd", cost),
            ("api_calls", calls),
            ("input_tokens", input),
            ("output_tokens", output),
        ] {
            if let Some(value) = value {
                insert_new(map, key, value);
            }
        }
    }
    if usage.found {
        insert_new(map, "input_tokens", Value::from(usage.input));
        insert_new(map, "output_tokens", Value::from(usage.output));
    }
    let model = json::get(map, &["info", "config", "model", "model_name"])
        .or_else(|| json::get(map, &["info", "model_name"]))
        .and_then(Value::as_str)
        .map(str::to_owned);
    if let Some(model) = model {
        if !map.contains_key("model_name") {
            insert_new(map, "model", Value::String(model));
        }
    }
    let submitted = json::get(map, &["info", "exit_status"])
        .and_then(Value::as_str)
        .is_none_or(|status| status.trim().eq_ignore_ascii_case("submitted"));
    let not_a_patch = json::get(map, &["info", "submission"])
        .and_then(Value::as_str)
        .is_some_and(|text| !text.trim().is_empty() && !looks_like_patch(text));
    if !submitted && not_a_patch {
        if let Some(result) = json::take(map, &["info", "submission"]) {
            insert_new(map, "result", result);
        }
    }
}

/// Whether a text is a unified diff: it starts with a `diff ` or `--- ` header, or has a
/// `diff --git` or `--- a/` header line.
fn looks_like_patch(text: &str) -> bool {
    let text = text.trim_start();
    text.starts_with("diff ")
        || text.starts_with("--- ")
        || text.contains("\ndiff --git ")
        || text.contains("\n--- a/")
}
