//! Chat message lists: OpenAI messages (with `tool_calls`, `reasoning_content`, tool messages),
//! text-only messages (`{role, text}`, nebius), ShareGPT `{from, value}`.
//!
//! Content may be a string, a list of parts (`[{"type": "text", "text": ...}]`), a JSON string
//! holding such a list, or null. Reasoning comes from `reasoning_content` (or `reasoning`,
//! `thinking`) and from `<think>...</think>` blocks, which are taken out of the answer.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Message, Role, ToolCall};

/// Whether the list uses ShareGPT's `{from, value}` message keys.
pub(super) fn is_sharegpt(items: &[Value]) -> bool {
    items.first().is_some_and(|item| item.get("from").is_some() && item.get("value").is_some())
}

/// Reads every message of a list; unreadable items are skipped with a diagnostic each.
pub(super) fn read_messages(
    items: Vec<Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Message> {
    let mut messages = Vec::with_capacity(items.len());
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        match item {
            Value::Object(map) => messages.push(read_message(map, &item_path, diagnostics)),
            other => diagnostics.push(Diagnostic::error(
                "bad_message",
                item_path.to_string(),
                format!("a message must be an object, found {}; skipped", json::describe(&other)),
            )),
        }
    }
    messages
}

/// Keys that may hold a message's role, content and reasoning, in order of preference.
const ROLE_KEYS: [&str; 3] = ["role", "from", "author"];
const CONTENT_KEYS: [&str; 4] = ["content", "text", "value", "message"];
const REASONING_KEYS: [&str; 3] = ["reasoning_content", "reasoning", "thinking"];

/// The members of a message object that Trajex reads, taken out of the map in one pass.
#[derive(Default)]
struct MessageFields {
    roles: [Option<Value>; ROLE_KEYS.len()],
    contents: [Option<Value>; CONTENT_KEYS.len()],
    reasonings: [Option<Value>; REASONING_KEYS.len()],
    tool_calls: Option<Value>,
    function_call: Option<Value>,
    tool_call_id: Option<Value>,
    name: Option<Value>,
    system_prompt: Option<Value>,
}

impl MessageFields {
    fn take(map: Map<String, Value>) -> Self {
        let mut fields = MessageFields::default();
        let slot = |keys: &[&str], key: &str| keys.iter().position(|k| *k == key);
        for (key, value) in map {
            if let Some(idx) = slot(&ROLE_KEYS, &key) {
                fields.roles[idx] = Some(value);
            } else if let Some(idx) = slot(&CONTENT_KEYS, &key) {
                fields.contents[idx] = Some(value);
            } else if let Some(idx) = slot(&REASONING_KEYS, &key) {
                fields.reasonings[idx] = Some(value);
            } else {
                match key.as_str() {
                    "tool_calls" => fields.tool_calls = Some(value),
                    "function_call" => fields.function_call = Some(value),
                    "tool_call_id" => fields.tool_call_id = Some(value),
                    "name" => fields.name = Some(value),
                    "system_prompt" => fields.system_prompt = Some(value),
                    _ => {}
                }
            }
        }
        fields
    }
}

/// Reads one message object.
pub(super) fn read_message(
    map: Map<String, Value>,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Message {
    let fields = MessageFields::take(map);
    let role_name = fields.roles.iter().flatten().find_map(Value::as_str);
    let role = match role_name.map(|name| (name, Role::from_source(name))) {
        Some((_, Some(role))) => role,
        Some((name, None)) => {
            diagnostics.push(Diagnostic::warning(
                "unknown_role",
                path.key("role").to_string(),
                format!("unknown role `{name}`, read as user"),
            ));
            Role::User
        }
        None => {
            diagnostics.push(Diagnostic::warning(
                "unknown_role",
                path.to_string(),
                "the message has no role, read as user",
            ));
            Role::User
        }
    };

    let content = CONTENT_KEYS.iter().zip(fields.contents).find_map(|(key, value)| match value {
        Some(Value::Null) | None => None,
        Some(value) => Some((*key, value)),
    });
    let mut content = match content {
        Some((key, value)) => content_to_text(value, &path.key(key), diagnostics),
        None => String::new(),
    };
    // nebius SWE-agent rows keep the system prompt beside an empty `text`.
    if content.is_empty() && role == Role::System {
        if let Some(Value::String(prompt)) = fields.system_prompt {
            content = prompt;
        }
    }

    let mut reasoning = fields
        .reasonings
        .into_iter()
        .find_map(|value| value.and_then(json::into_string).filter(|s| !s.is_empty()));
    if role == Role::Assistant {
        if let Some((answer, thought)) = split_think(&content) {
            if !thought.is_empty() {
                reasoning = Some(match reasoning {
                    Some(given) => format!("{given}\n\n{thought}"),
                    None => thought,
                });
            }
            content = answer;
        }
    }

    let mut tool_calls = Vec::new();
    if let Some(value) = fields.tool_calls {
        let calls_path = path.key("tool_calls");
        match json::parse_if_string(value, &calls_path) {
            Ok(Value::Array(calls)) => {
                for (idx, call) in calls.into_iter().enumerate() {
                    match read_tool_call(call, &calls_path.index(idx)) {
                        Ok(call) => tool_calls.push(call),
                        Err(diagnostic) => diagnostics.push(diagnostic),
                    }
                }
            }
            Ok(Value::Null) => {}
            Ok(other) => diagnostics.push(Diagnostic::warning(
                "bad_tool_call",
                calls_path.to_string(),
                format!("`tool_calls` is {}, not a list; ignored", json::describe(&other)),
            )),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }
    // The legacy OpenAI `function_call` field (one call, no id).
    if let Some(call @ Value::Object(_)) = fields.function_call {
        match read_tool_call(call, &path.key("function_call")) {
            Ok(call) => tool_calls.push(call),
            Err(diagnostic) => diagnostics.push(diagnostic),
        }
    }

    Message {
        role,
        content,
        reasoning,
        tool_calls,
        tool_call_id: fields.tool_call_id.and_then(json::into_string),
        name: fields.name.and_then(json::into_string),
        result_of: None,
        is_error: false,
    }
}

/// The keys of a tool call (or of its `function` object) that name the tool and give its
/// arguments; other keys (`type`, ...) are dropped.
#[derive(Default)]
struct CallFields {
    name: Option<Value>,
    arguments: Option<Value>,
    input: Option<Value>,
}

impl CallFields {
    fn set(&mut self, key: &str, value: Value) {
        match key {
            "name" => self.name = Some(value),
            "arguments" => self.arguments = Some(value),
            "input" => self.input = Some(value),
            _ => {}
        }
    }
}

/// Reads an OpenAI tool call `{id, type, function: {name, arguments}}`, or a flat
/// `{id, name, arguments}`. `arguments` may be a JSON string (OpenAI) or already an object.
pub(super) fn read_tool_call(call: Value, path: &Loc<'_>) -> Result<ToolCall, Diagnostic> {
    let call = json::parse_if_string(call, path)?;
    let Value::Object(call) = call else {
        return Err(json::not_an_object("bad_tool_call", "a tool call", path, &call));
    };
    // One pass over the call's keys (a stream reads every call of every row): `function`, when
    // it is an object, holds the name and arguments; otherwise the call itself does (flat).
    let mut id = None;
    let mut function = None;
    let mut flat = CallFields::default();
    for (key, value) in call {
        match (key.as_str(), value) {
            ("id", value) => id = json::into_string(value),
            ("function", Value::Object(object)) => function = Some(object),
            ("function", _) => {}
            (key, value) => flat.set(key, value),
        }
    }
    let CallFields { name, arguments, input } = match function {
        Some(object) => {
            let mut fields = CallFields::default();
            for (key, value) in object {
                fields.set(&key, value);
            }
            fields
        }
        None => flat,
    };
    let Some(name) = name.and_then(json::into_string) else {
        return Err(Diagnostic::warning(
            "bad_tool_call",
            path.to_string(),
            "the tool call has no name; skipped",
        ));
    };
    // `arguments` when the key is there (even null), else Anthropic-style `input`.
    let arguments = arguments.or(input);
    Ok(match arguments {
        // Parsed when first read (see `ToolCall::with_json_arguments`).
        Some(Value::String(raw)) => ToolCall::with_json_arguments(id, name, raw),
        Some(Value::Null) | None => {
            ToolCall::new(id, name, Value::Object(Map::new()), String::new(), false)
        }
        Some(other) => {
            let raw = other.to_string();
            ToolCall::new(id, name, other, raw, false)
        }
    })
}

/// Turns message content of any shape into text.
///
/// A list of parts is joined: text parts by their text, other parts (images, audio) by a
/// `[type]` placeholder with a warning. A string holding a JSON list of parts is parsed first;
/// any other string is kept as it is, even when it looks like JSON (a tool may print JSON).
pub(super) fn content_to_text(
    value: Value,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(text) => {
            if json::starts_like_json(&text) {
                if let Ok(parsed @ (Value::Array(_) | Value::Object(_))) =
                    serde_json::from_str::<Value>(&text)
                {
                    if is_parts(&parsed) {
                        return content_to_text(parsed, path, diagnostics);
                    }
                }
            }
            text
        }
        Value::Array(parts) => {
            let mut text = String::new();
            for (idx, part) in parts.into_iter().enumerate() {
                let piece = match part {
                    Value::String(s) => s,
                    Value::Object(mut part) => {
                        match part.remove("text").and_then(json::into_string) {
                            Some(s) => s,
                            None => {
                                let kind = part
                                    .get("type")
                                    .and_then(Value::as_str)
                                    .unwrap_or("unknown")
                                    .to_owned();
                                diagnostics.push(Diagnostic::warning(
                                    "non_text_part",
                                    path.index(idx).to_string(),
                                    format!(
                                        "a content part of type `{kind}` is shown as a placeholder"
                                    ),
                                ));
                                format!("[{kind}]")
                            }
                        }
                    }
                    other => other.to_string(),
                };
                text.push_str(&piece);
            }
            text
        }
        Value::Object(mut part) => match part.remove("text").and_then(json::into_string) {
            Some(text) => text,
            None => Value::Object(part).to_string(),
        },
        other => other.to_string(),
    }
}

/// Whether a parsed JSON value is a content part or a list of them.
fn is_parts(value: &Value) -> bool {
    let is_part =
        |v: &Value| v.get("type").is_some_and(Value::is_string) && v.get("text").is_some();
    match value {
        Value::Array(items) => !items.is_empty() && items.iter().all(is_part),
        object => is_part(object),
    }
}

/// Splits `<think>...</think>` reasoning out of assistant text.
///
/// Handles several blocks, an opening tag without a close (the rest is reasoning: a cut-off
/// generation) and a close without an opening tag (chat templates that put `<think>` in the
/// prompt). Returns `None` when the text has no think tags.
pub fn split_think(text: &str) -> Option<(String, String)> {
    const OPEN: &str = "<think>";
    const CLOSE: &str = "</think>";
    // Both tags end in `think>`: one scan of the text tells most messages apart (every
    // assistant message of a stream comes here).
    static TAG_END: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("think>"));
    TAG_END.find(text.as_bytes())?;
    let mut answer = String::new();
    let mut thoughts: Vec<&str> = Vec::new();
    let mut rest = text;
    // A leading close tag without an opening: everything before it is reasoning.
    if let Some(close) = rest.find(CLOSE) {
        if rest.find(OPEN).is_none_or(|open| open > close) {
            thoughts.push(rest[..close].trim());
            rest = &rest[close + CLOSE.len()..];
        }
    }
    while let Some(open) = rest.find(OPEN) {
        answer.push_str(&rest[..open]);
        let inner = &rest[open + OPEN.len()..];
        match inner.find(CLOSE) {
            Some(close) => {
                thoughts.push(inner[..close].trim());
                rest = &inner[close + CLOSE.len()..];
            }
            None => {
                thoughts.push(inner.trim());
                rest = "";
            }
        }
    }
    answer.push_str(rest);
    let thought = thoughts.into_iter().filter(|t| !t.is_empty()).collect::<Vec<_>>().join("\n\n");
    Some((answer.trim_start().to_owned(), thought))
}
