//! AutoCodeRover (nus-apr/auto-code-rover, AutoCodeRoverSG) output files.
//!
//! ACR writes one folder per task; the files that hold a trajectory are bare JSON lists:
//! - `conversation_round_N.json`, `debug_agent_write_patch_N.json`: the message thread
//!   (`app/data_structures.py` `MessageThread.save_to_file`): `[{role, content}]`, where in
//!   function-calling mode an assistant message is `{role, content: null, tool_calls: [{id,
//!   type, function: {name, arguments}}]}` and a result `{role: "tool", content,
//!   tool_call_id}`. In the default (stratified) mode the model names its search API calls in
//!   prose (`search_class("Foo")`, ...); a proxy model turns them into JSON, the harness runs
//!   them and answers with ONE user message that concatenates `Result of {api_call}:\n{output}`
//!   blocks (`app/inference.py`, `app/search/search_backend.py`).
//! - `agent_proxy_N.json`: a list of proxy threads (`[[{role, content}]]`), whose system prompt
//!   asks for `{"API_calls": [...], "bug_locations": [...]}`.
//! - `tool_call_layers.json`: a list per round of `{func_name, arguments, call_ok}`;
//!   `tool_call_sequence.json`: the same calls as one flat list.
//!
//! Other files of the folder (`meta.json`, `cost.json`, `extracted_patch_N.diff`) hold no
//! conversation and are not read here.
//!
//! Detection is by shape and by ACR's own prompts: a message list is ACR's only when its first
//! message is a system prompt of ACR's agents ("You are a software developer maintaining a
//! large project." with the `<issue>` convention, or the proxy's "... API calls and bug
//! locations ... json format"), so ordinary chat lists are not taken.
//!
//! Mapping to the model: messages are read as chat messages. In text mode each `Result of
//! NAME(ARGS):` block of a user message becomes a tool call of the assistant message before it
//! (marked inferred: it is read from text) and a tool message holding that block, linked by a
//! generated id (`acr-<message>-<block>`); the call's arguments are named after the search
//! API's parameters (`SearchManager` in `app/search/search_manage.py`: `search_class(class_name)`,
//! `search_method_in_file(method_name, file_name)`, ...), or kept as `{"args": [...]}` for an
//! API not listed. In function-calling mode the structured calls are kept as they are. Call
//! layers become one assistant message per round (one per call for a sequence), with no results
//! (the file records only `call_ok`, counted in `acr_calls_failed`). Which file was read is said
//! in the metadata (`acr_log`: `conversation`, `write_patch`, `agent_proxy`,
//! `tool_call_layers`, `tool_call_sequence`).
//!
//! Guessed: a `Result of ...:` line inside a tool's output would be read as a new block; the
//! thread's kind (`write_patch`) is told from its "Write a patch for the issue" prompt.

use serde_json::{Map, Value};

use super::chat;
use super::json::{self, Loc};
use super::{ArrayAdapter, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The object-row adapter. ACR writes no object form of a conversation (its threads are bare
/// lists, read by [`LOG`], also when a row holds one in a message column), so nothing fits.
pub(super) const CONVERSATION: ObjectAdapter = ObjectAdapter {
    format: Format::AutoCodeRover,
    misfit: |_| {
        Some("AutoCodeRover writes bare lists (read as a list); no object form is known".into())
    },
    read: |_, trajectory| trajectory.format = Format::AutoCodeRover,
};

/// The list adapter: an ACR message thread, a list of proxy threads, or tool-call layers.
pub(super) const LOG: ArrayAdapter = ArrayAdapter {
    format: Format::AutoCodeRover,
    misfit: |items| {
        kind_of(items).is_none().then(|| {
            "not an AutoCodeRover thread (no ACR system prompt) nor a list of `func_name` calls"
                .into()
        })
    },
    read: read_log,
};

/// The kinds of ACR list files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// A message thread (`conversation_round_N.json`, `debug_agent_write_patch_N.json`, or one
    /// proxy thread).
    Thread,
    /// `agent_proxy_N.json`: a list of proxy threads.
    ProxyThreads,
    /// `tool_call_layers.json`: a list per round of calls.
    CallLayers,
    /// `tool_call_sequence.json`: one list of calls.
    CallSequence,
}

/// Whether a system prompt is one of ACR's: the search / patch agents' opening, or the proxy's.
fn is_acr_prompt(content: &str) -> bool {
    is_main_prompt(content) || is_proxy_prompt(content)
}

fn is_main_prompt(content: &str) -> bool {
    content.trim_start().starts_with("You are a software developer maintaining a large project.")
        && content.contains("<issue>")
}

fn is_proxy_prompt(content: &str) -> bool {
    content.contains("API calls and bug locations") && content.contains("json")
}

/// Whether a message object is a system message with an ACR prompt.
fn is_acr_system(message: &Value) -> bool {
    json::str_field(message, "role") == Some("system")
        && json::str_field(message, "content").is_some_and(is_acr_prompt)
}

/// Whether a value is one recorded API call `{func_name, arguments?, call_ok?}`.
fn is_call_record(value: &Value) -> bool {
    value.get("func_name").is_some_and(Value::is_string) && value.get("role").is_none()
}

fn kind_of(head: &[Value]) -> Option<Kind> {
    let first = head.first()?;
    if is_acr_system(first) {
        return Some(Kind::Thread);
    }
    if first.as_array().and_then(|t| t.first()).is_some_and(is_acr_system) {
        return Some(Kind::ProxyThreads);
    }
    if first.is_array() {
        // Layers: lists of recorded calls (an item that is no list is skipped when read).
        let records = || head.iter().filter_map(Value::as_array).flatten();
        let layers = records().next().is_some() && records().all(is_call_record);
        return layers.then_some(Kind::CallLayers);
    }
    head.iter().all(is_call_record).then_some(Kind::CallSequence)
}

/// Reads an ACR list file into `trajectory` (see the module doc).
fn read_log(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) {
    trajectory.format = Format::AutoCodeRover;
    let head = &items[..items.len().min(4)];
    let label = match kind_of(head) {
        Some(Kind::Thread) => read_thread(items, path, trajectory),
        Some(Kind::ProxyThreads) => {
            let n_threads = items.len();
            for (idx, thread) in items.into_iter().enumerate() {
                match thread {
                    Value::Array(messages) => {
                        let thread_path = path.index(idx);
                        let mut read = chat::read_messages(
                            messages,
                            &thread_path,
                            &mut trajectory.diagnostics,
                        );
                        trajectory.messages.append(&mut read);
                    }
                    other => trajectory.diagnostics.push(Diagnostic::warning(
                        "bad_message",
                        path.index(idx).to_string(),
                        format!(
                            "a proxy thread must be a list, found {}; skipped",
                            json::describe(&other)
                        ),
                    )),
                }
            }
            trajectory.metadata.insert("acr_proxy_threads".into(), Value::from(n_threads));
            "agent_proxy"
        }
        Some(Kind::CallLayers) => {
            let n_layers = items.len();
            let mut failed = 0;
            for (l_idx, layer) in items.into_iter().enumerate() {
                let Value::Array(calls) = layer else {
                    trajectory.diagnostics.push(Diagnostic::warning(
                        "bad_tool_call",
                        path.index(l_idx).to_string(),
                        format!(
                            "a layer must be a list of calls, found {}; skipped",
                            json::describe(&layer)
                        ),
                    ));
                    continue;
                };
                if calls.is_empty() {
                    continue;
                }
                let mut message = Message::new(Role::Assistant, "");
                for (c_idx, record) in calls.into_iter().enumerate() {
                    let record_path = path.index(l_idx);
                    if let Some((call, ok)) =
                        call_record(record, &record_path.index(c_idx), trajectory)
                    {
                        failed += usize::from(!ok);
                        message.tool_calls.push(call);
                    }
                }
                trajectory.messages.push(message);
            }
            trajectory.metadata.insert("acr_layers".into(), Value::from(n_layers));
            trajectory.metadata.insert("acr_calls_failed".into(), Value::from(failed));
            "tool_call_layers"
        }
        Some(Kind::CallSequence) => {
            let mut failed = 0;
            for (idx, record) in items.into_iter().enumerate() {
                if let Some((call, ok)) = call_record(record, &path.index(idx), trajectory) {
                    failed += usize::from(!ok);
                    let mut message = Message::new(Role::Assistant, "");
                    message.tool_calls.push(call);
                    trajectory.messages.push(message);
                }
            }
            trajectory.metadata.insert("acr_calls_failed".into(), Value::from(failed));
            "tool_call_sequence"
        }
        None => {
            trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                "not an AutoCodeRover log",
            ));
            return;
        }
    };
    trajectory.metadata.insert("acr_log".into(), Value::from(label));
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path.to_string(),
            "no message or call in the AutoCodeRover log could be read",
        ));
    }
}

/// One recorded call `{func_name, arguments, call_ok}` as a tool call and its `call_ok`.
fn call_record(
    record: Value,
    path: &Loc<'_>,
    trajectory: &mut Trajectory,
) -> Option<(ToolCall, bool)> {
    let Value::Object(mut record) = record else {
        trajectory.diagnostics.push(Diagnostic::warning(
            "bad_tool_call",
            path.to_string(),
            "a recorded call must be an object; skipped",
        ));
        return None;
    };
    let Some(name) = record.remove("func_name").and_then(json::into_string) else {
        trajectory.diagnostics.push(Diagnostic::warning(
            "bad_tool_call",
            path.key("func_name").to_string(),
            "a recorded call without a `func_name`; skipped",
        ));
        return None;
    };
    let arguments = match record.remove("arguments") {
        Some(arguments @ Value::Object(_)) => arguments,
        Some(Value::Null) | None => Value::Object(Map::new()),
        Some(other) => {
            let mut wrapped = Map::new();
            wrapped.insert("args".into(), other);
            Value::Object(wrapped)
        }
    };
    let ok = record.get("call_ok").and_then(Value::as_bool).unwrap_or(true);
    let raw = arguments.to_string();
    Some((ToolCall::new(None, name, arguments, raw, false), ok))
}

/// Reads a message thread; returns its kind for the metadata.
fn read_thread(items: Vec<Value>, path: &Loc<'_>, trajectory: &mut Trajectory) -> &'static str {
    let proxy = items
        .first()
        .and_then(|m| json::str_field(m, "content"))
        .is_some_and(|c| is_proxy_prompt(c) && !is_main_prompt(c));
    let messages = chat::read_messages(items, path, &mut trajectory.diagnostics);
    let structured = messages.iter().any(|m| !m.tool_calls.is_empty() || m.role == Role::Tool);
    let write_patch = messages.iter().any(|m| {
        m.role == Role::User && m.content.trim_start().starts_with("Write a patch for the issue")
    });
    trajectory.messages =
        if structured { messages } else { split_results(messages, &mut trajectory.diagnostics) };
    if proxy {
        "agent_proxy"
    } else if write_patch {
        "write_patch"
    } else {
        "conversation"
    }
}

/// One `Result of NAME(ARGS):` block: the call as written and the output that follows it.
struct ResultBlock<'a> {
    name: &'a str,
    args: &'a str,
    call: &'a str,
    body: &'a str,
}

/// The header `Result of NAME(ARGS):` of a line, as `(call, name, args)`.
fn header(line: &str) -> Option<(&str, &str, &str)> {
    let call = line.trim_end().strip_prefix("Result of ")?.strip_suffix(':')?;
    let open = call.find('(')?;
    let name = &call[..open];
    let valid = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    let args = call[open + 1..].strip_suffix(')')?;
    valid.then_some((call, name, args))
}

/// Splits a user message into the text before its first result header and its result blocks;
/// `None` when it has no header.
fn result_blocks(text: &str) -> Option<(&str, Vec<ResultBlock<'_>>)> {
    // (start of the header line, end of the header line, call, name, args)
    let mut headers = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some((call, name, args)) = header(line.trim_end_matches(['\n', '\r'])) {
            headers.push((offset, offset + line.len(), call, name, args));
        }
        offset += line.len();
    }
    let first = headers.first()?.0;
    let blocks = headers
        .iter()
        .enumerate()
        .map(|(idx, &(_, body_start, call, name, args))| {
            let body_end = headers.get(idx + 1).map_or(text.len(), |next| next.0);
            let body = text[body_start..body_end].trim_start_matches(['\n', '\r']).trim_end();
            ResultBlock { name, args, call, body }
        })
        .collect();
    Some((&text[..first], blocks))
}

/// In a text-mode thread, turns each user message of `Result of ...:` blocks into tool calls of
/// the assistant message before it and one tool message per block.
fn split_results(messages: Vec<Message>, diagnostics: &mut Vec<Diagnostic>) -> Vec<Message> {
    let mut out: Vec<Message> = Vec::with_capacity(messages.len());
    for (msg_idx, message) in messages.into_iter().enumerate() {
        if message.role != Role::User {
            out.push(message);
            continue;
        }
        let assistant = out.iter().rposition(|m| m.role == Role::Assistant);
        let (Some(assistant), Some((preamble, blocks))) =
            (assistant, result_blocks(&message.content))
        else {
            if result_blocks(&message.content).is_some() {
                diagnostics.push(Diagnostic::warning(
                    "acr_result_without_call",
                    format!("/{msg_idx}"),
                    "search results with no assistant message before them; kept as a user message",
                ));
            }
            out.push(message);
            continue;
        };
        let mut results = Vec::with_capacity(blocks.len());
        for (block_idx, block) in blocks.iter().enumerate() {
            let id = format!("acr-{msg_idx}-{block_idx}");
            let arguments = api_arguments(block.name, block.args);
            let call = ToolCall::new(
                Some(id.clone()),
                block.name.to_owned(),
                arguments,
                block.call.to_owned(),
                true,
            );
            out[assistant].tool_calls.push(call);
            let mut result = Message::new(Role::Tool, block.body);
            result.tool_call_id = Some(id);
            result.name = Some(block.name.to_owned());
            results.push(result);
        }
        if !preamble.trim().is_empty() {
            out.push(Message::new(Role::User, preamble.trim_end()));
        }
        out.extend(results);
    }
    out
}

/// The parameter names of ACR's search APIs, from `SearchManager`'s signatures
/// (`app/search/search_manage.py`), as its `tool_call_layers.json` records them.
const API_PARAMETERS: [(&str, &[&str]); 10] = [
    ("search_class", &["class_name"]),
    ("search_class_in_file", &["class_name", "file_name"]),
    ("search_method", &["method_name"]),
    ("search_method_in_class", &["method_name", "class_name"]),
    ("search_method_in_file", &["method_name", "file_name"]),
    ("search_code", &["code_str"]),
    ("search_code_in_file", &["code_str", "file_name"]),
    ("get_code_around_line", &["file_path", "line_number", "window_size"]),
    ("get_class_full_snippet", &["class_name"]),
    ("semantic_search_code", &["query", "top_k"]),
];

/// The arguments of a call written as text: named after the API's parameters when the API and
/// the count are known (keyword arguments keep their names), else `{"args": [...]}`.
fn api_arguments(name: &str, args: &str) -> Value {
    let parsed = parse_args(args);
    let params = API_PARAMETERS.iter().find(|(api, _)| *api == name).map(|(_, p)| *p);
    let mut object = Map::new();
    match params {
        Some(params) if parsed.len() == params.len() => {
            for ((keyword, value), param) in parsed.into_iter().zip(params) {
                object.insert(keyword.unwrap_or_else(|| (*param).to_owned()), value);
            }
        }
        _ if !parsed.is_empty() && parsed.iter().all(|(k, _)| k.is_some()) => {
            for (keyword, value) in parsed {
                object.insert(keyword.unwrap_or_default(), value);
            }
        }
        _ => {
            object
                .insert("args".into(), Value::Array(parsed.into_iter().map(|(_, v)| v).collect()));
        }
    }
    Value::Object(object)
}

/// Splits Python-style call arguments (`"a", 'b', 3, name="x"`) at the commas outside quotes
/// and brackets; strings are unquoted (with `\n`, `\t`, `\\` and quote escapes), integers become
/// numbers, anything else stays as its text.
fn parse_args(args: &str) -> Vec<(Option<String>, Value)> {
    let mut pieces = Vec::new();
    let (mut depth, mut quote, mut escaped, mut start) = (0i32, None::<char>, false, 0);
    for (idx, c) in args.char_indices() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '"' | '\'' => quote = Some(c),
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => depth -= 1,
                ',' if depth == 0 => {
                    pieces.push(&args[start..idx]);
                    start = idx + 1;
                }
                _ => {}
            },
        }
    }
    pieces.push(&args[start..]);
    pieces
        .into_iter()
        .map(str::trim)
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let keyword = piece.find('=').and_then(|eq| {
                let key = piece[..eq].trim();
                let is_ident =
                    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                is_ident.then(|| (key.to_owned(), piece[eq + 1..].trim()))
            });
            match keyword {
                Some((key, value)) => (Some(key), literal(value)),
                None => (None, literal(piece)),
            }
        })
        .collect()
}

/// A Python literal as JSON: a quoted string unquoted, an integer as a number, else the text.
fn literal(text: &str) -> Value {
    let quoted = text.len() >= 2
        && ((text.starts_with('"') && text.ends_with('"'))
            || (text.starts_with('\'') && text.ends_with('\'')));
    if quoted {
        let inner = &text[1..text.len() - 1];
        let mut out = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        }
        return Value::String(out);
    }
    match text.parse::<i64>() {
        Ok(n) => Value::from(n),
        Err(_) => Value::String(text.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_and_arguments() {
        let (preamble, blocks) =
            result_blocks("Result of search_class(\"Foo\"):\nFound 1.\n\n\nResult of search_code_in_file(\"a, b\", 'x.py'):\n\nnone\n").unwrap();
        assert_eq!(preamble, "");
        assert_eq!(blocks.len(), 2);
        assert_eq!((blocks[0].name, blocks[0].body), ("search_class", "Found 1."));
        assert_eq!(blocks[1].body, "none");
        let args = api_arguments(blocks[1].name, blocks[1].args);
        assert_eq!(args["code_str"], "a, b");
        assert_eq!(args["file_name"], "x.py");
        assert_eq!(api_arguments("get_code_around_line", "\"a.py\", 10, 5")["line_number"], 10);
        assert_eq!(api_arguments("unknown_api", "1, 'x'")["args"][1], "x");
        assert_eq!(api_arguments("search_class", "class_name=\"A\"")["class_name"], "A");
    }

    #[test]
    fn not_headers() {
        assert!(header("Result of the search:").is_none());
        assert!(header("Result of 9x(1):").is_none());
        assert!(header("Result of f(1)").is_none());
        assert!(result_blocks("no results here").is_none());
    }
}
