//! Inspect AI eval logs: one trajectory per sample.
//!
//! The format follows Inspect's own models (UKGovernmentBEIS/inspect_ai):
//! `log/_log.py` (`EvalLog`, `EvalSpec`, `EvalSample`), `model/_chat_message.py`
//! (`ChatMessageSystem`/`User`/`Assistant`/`Tool`), `tool/_tool_call.py` (`ToolCall`,
//! `ToolCallError`), `_util/content.py` (`ContentText`, `ContentReasoning`, `ContentImage`,
//! `ContentToolUse`, ...), `log/_condense.py` (`attachment://` references) and
//! `scorer/_metric.py` (`value_to_float`).
//!
//! **Documents.** A `.json` eval log is one object
//! `{version, status, eval: {task, task_id, run_id, model, dataset, ...}, plan, results, stats,
//! samples: [EvalSample, ...], reductions}`. [`LOG`] splits it into one row per sample, each
//! carrying its log's context under the key `eval` (see [`eval_context`]): `task`, `task_id`,
//! `task_version`, `run_id`, `eval_id`, `created`, `model`, `solver`, `tags`, the dataset's name
//! as `dataset`, and the log's `status` and `version`. A `.eval` archive's samples get the same
//! context from its header (`domain::archive`). A log without samples (a header) is not split.
//!
//! **Samples.** [`SAMPLE`] reads one `EvalSample` `{id, epoch, input, target, messages, output,
//! scores, metadata, store, events, model_usage, total_time, working_time, uuid, error, limit,
//! attachments, ...}`, from a split log, an archive, or alone (a line of a JSONL of samples). It
//! takes an object with a numeric `epoch`, a `messages` list and one of `scores`, `score`,
//! `output`, `input`, `target`, so ordinary chat rows are left to the chat reader.
//!
//! The mapping to the model:
//! - `messages`: `role` system/user/assistant/tool; `content` a string (an assistant's
//!   `<think>` blocks go to reasoning, as Inspect does on load) or a list of parts: `text` parts
//!   joined by a newline (as `ChatMessage.text` does); `reasoning` parts go to
//!   `Message::reasoning` (a `redacted` part gives its readable `summary`, or nothing with an
//!   info diagnostic: its `reasoning` is an encrypted blob); `image`, `audio`, `video`,
//!   `document` parts become `[type]` placeholders with a warning; `data` parts (provider
//!   payloads) are dropped; a `tool_use` part (a server-side tool: web search, MCP) becomes a
//!   tool call of the message plus a tool message holding its `result`. The legacy assistant
//!   `reasoning` string is read too. `attachment://<hash>` (and the older `tc://<hash>`) text is
//!   replaced by the sample's `attachments` (or `transcript.content`) entry.
//! - Assistant `tool_calls`: `{id, function: NAME, arguments: {...}, parse_error, view}`, the
//!   arguments an object (a JSON string is read too); a `parse_error` is a warning. Tool
//!   messages: `tool_call_id`, `function` (the name) and `error: {type, message}`, which is put
//!   before the content as `ERROR: (type) message` so that the result counts as an error.
//! - `id` is the instance id; `uuid` the trajectory id (else `<id>_epoch_<epoch>`, the
//!   archive's entry name); the model is the log's `eval.model`, else `output.model`, else the
//!   last assistant message's `model`.
//! - `scores` (`{name: {value, answer, explanation, metadata}}`; the legacy single `score` is
//!   read as `{score: ...}`) are kept as metadata `scores`. The deciding score is the first one
//!   named like `swe_bench*` (inspect_evals' `swe_bench_scorer`), else the first: its value
//!   gives the outcome (`"C"`, `true`, `1` resolved; `"I"`, `false`, `0` failed; anything else,
//!   such as `"P"` partial or `0.5`, unknown) and metadata `reward` (Inspect's `value_to_float`:
//!   C 1, P 0.5, I and N 0, yes/true 1, no/false 0, numbers as they are). A score's
//!   `metadata.model_patch` (the SWE-bench scorer's diff of the agent's changes) is the final
//!   patch (field `model_patch`). SWE-bench samples (metadata with `base_commit` or
//!   `test_patch`) give their metadata `patch` as the reference patch and `repo` as the repo.
//! - `model_usage` (`{model: {input_tokens, output_tokens, total_tokens,
//!   input_tokens_cache_read, input_tokens_cache_write, reasoning_tokens, total_cost}}`, else
//!   `output.usage`) is summed over models into metadata `input_tokens`, `output_tokens`,
//!   `total_tokens`, `input_tokens_cache_read`, `input_tokens_cache_write`,
//!   `reasoning_tokens` and `cost_usd`; `model_usage` itself is kept.
//! - `error` gives exit status `error` (metadata `error`: its message, and `error_traceback`);
//!   else `limit` gives
//!   `<type>_limit`. `output` is dropped (it repeats the last message) but for metadata
//!   `stop_reason`. `events` are dropped but for their count (`n_events`) and the tools declared
//!   to the model (the first `model` event's `tools`); `input` (repeated in `messages`; read as
//!   the conversation when `messages` is empty), `attachments`, `message_pool`, `call_pool` and
//!   the legacy `transcript` are dropped. The log context gives metadata `task`,
//!   `task_version`, `eval_task_id`, `eval_run_id`, `eval_id`, `eval_created`, `eval_status`,
//!   `log_version`, `dataset`, `solver`, `tags`. Everything else is metadata: `epoch`,
//!   `target` (`sample_target` when the sample's own metadata has a `target`), the members of
//!   `metadata`, `store`, `total_time`, `working_time`, ...

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, DocumentSplitter, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The object-row adapter: one `EvalSample` (see the module doc).
pub(super) const SAMPLE: ObjectAdapter =
    ObjectAdapter { format: Format::InspectEval, misfit: sample_misfit, read: read_sample };

/// The document splitter: a `.json` eval log into one row per sample, each with its log's
/// context under [`CONTEXT_KEY`].
pub(super) const LOG: DocumentSplitter =
    DocumentSplitter { format: Format::InspectEval, split: split_log };

/// The key under which a split sample carries its log's context (see [`eval_context`]).
pub(crate) const CONTEXT_KEY: &str = "eval";

/// Members of the log's `eval` (`EvalSpec`) copied into each sample's context.
const SPEC_KEYS: [&str; 9] =
    ["task", "task_id", "task_version", "run_id", "eval_id", "created", "model", "solver", "tags"];

/// Keys whose presence (beside `epoch` and `messages`) marks an `EvalSample`.
const SAMPLE_KEYS: [&str; 5] = ["scores", "score", "output", "input", "target"];

/// The context a sample needs from its log (or a `.eval` archive's `header.json`):
/// `{task, task_id, task_version, run_id, eval_id, created, model, solver, tags, dataset,
/// status, version}`, each when the log has it (`dataset` is `eval.dataset.name`).
pub(crate) fn eval_context(log: &Map<String, Value>) -> Value {
    let mut context = Map::new();
    if let Some(Value::Object(spec)) = log.get("eval") {
        for key in SPEC_KEYS {
            if let Some(value) = spec.get(key).filter(|v| !v.is_null()) {
                context.insert(key.to_owned(), value.clone());
            }
        }
        if let Some(name) =
            spec.get("dataset").and_then(|d| d.get("name")).filter(|n| n.is_string())
        {
            context.insert("dataset".to_owned(), name.clone());
        }
    }
    for key in ["status", "version"] {
        if let Some(value) = log.get(key).filter(|v| !v.is_null()) {
            context.insert(key.to_owned(), value.clone());
        }
    }
    Value::Object(context)
}

/// Puts `context` into a sample object under [`CONTEXT_KEY`] (unless it has that key);
/// other values are returned unchanged.
pub(crate) fn attach_eval_context(sample: Value, context: &Value) -> Value {
    match sample {
        Value::Object(mut map) => {
            if !map.contains_key(CONTEXT_KEY) {
                map.insert(CONTEXT_KEY.to_owned(), context.clone());
            }
            Value::Object(map)
        }
        other => other,
    }
}

/// Whether an object is an eval log: an `eval` object naming its `task` or `model`.
fn is_log(map: &Map<String, Value>) -> bool {
    map.get("eval").is_some_and(|spec| {
        spec.get("task").is_some_and(Value::is_string)
            || spec.get("model").is_some_and(Value::is_string)
    })
}

/// Splits an eval log with samples into its samples (see [`LOG`]).
fn split_log(value: Value) -> Result<Vec<Value>, Value> {
    let Value::Object(mut map) = value else { return Err(value) };
    let has_samples =
        matches!(map.get("samples"), Some(Value::Array(samples)) if !samples.is_empty());
    if !is_log(&map) || !has_samples {
        return Err(Value::Object(map));
    }
    let Some(Value::Array(samples)) = map.remove("samples") else { return Err(Value::Object(map)) };
    let context = eval_context(&map);
    Ok(samples.into_iter().map(|sample| attach_eval_context(sample, &context)).collect())
}

fn sample_misfit(map: &Map<String, Value>) -> Option<String> {
    if is_sample(map) {
        return None;
    }
    if is_log(map) {
        let has_samples =
            matches!(map.get("samples"), Some(Value::Array(samples)) if !samples.is_empty());
        return Some(if has_samples {
            "an Inspect eval log whose samples are read one by one when the file is read as a document"
                .into()
        } else {
            "an Inspect eval log without samples (a header only: `samples` is missing or empty)"
                .into()
        });
    }
    Some(
        "no `epoch` with `messages` and `scores`/`output`/`input`/`target` (an Inspect sample)"
            .into(),
    )
}

/// Whether an object is an `EvalSample` (see the module doc).
fn is_sample(map: &Map<String, Value>) -> bool {
    map.get("epoch").is_some_and(Value::is_number)
        && map.get("messages").is_some_and(Value::is_array)
        && SAMPLE_KEYS.iter().any(|key| map.contains_key(*key))
}

/// Content references a sample's text may hold (`log/_condense.py`), and their table.
struct Attachments(Map<String, Value>);

impl Attachments {
    /// `text`, or the attachment it refers to (`attachment://HASH`, legacy `tc://HASH`).
    fn resolve(&self, text: String) -> String {
        let hash = text.strip_prefix("attachment://").or_else(|| text.strip_prefix("tc://"));
        match hash.and_then(|hash| self.0.get(hash)).and_then(Value::as_str) {
            Some(content) => content.to_owned(),
            None => text,
        }
    }
}

/// Reads one `EvalSample` (see the module doc), leaving in `map` what the field reader takes.
fn read_sample(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::InspectEval;
    let context = match map.remove(CONTEXT_KEY) {
        Some(Value::Object(context)) => context,
        Some(other) => {
            map.insert("eval_context".to_owned(), other);
            Map::new()
        }
        None => Map::new(),
    };

    // Attachments (and the legacy transcript's content table) first: messages refer to them.
    let mut table = match map.remove("attachments") {
        Some(Value::Object(table)) => table,
        _ => Map::new(),
    };
    let mut events = map.remove("events");
    if let Some(Value::Object(mut transcript)) = map.remove("transcript") {
        if let Some(Value::Object(content)) = transcript.remove("content") {
            for (hash, text) in content {
                table.entry(hash).or_insert(text);
            }
        }
        if events.is_none() {
            events = transcript.remove("events");
        }
    }
    let attachments = Attachments(table);
    map.remove("message_pool");
    map.remove("call_pool");

    // The conversation: `messages`, else `input` when there are none.
    let input = map.remove("input");
    let path = Loc::Root.key("messages");
    let mut assistant_model = None;
    match map.remove("messages") {
        Some(Value::Array(items)) => {
            read_messages(items, &path, &attachments, trajectory, &mut assistant_model)
        }
        Some(other) => trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            path.to_string(),
            format!("`messages` is {}, not a list of messages", json::describe(&other)),
        )),
        None => {}
    }
    if trajectory.messages.is_empty() {
        let input_path = Loc::Root.key("input");
        match input {
            Some(Value::String(text)) => {
                trajectory.messages.push(Message::new(Role::User, attachments.resolve(text)))
            }
            Some(Value::Array(items)) => {
                read_messages(items, &input_path, &attachments, trajectory, &mut assistant_model)
            }
            _ => {}
        }
        if trajectory.messages.is_empty() {
            trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                path.to_string(),
                "the sample has no messages (and no input to show)",
            ));
        } else {
            trajectory.diagnostics.push(Diagnostic::info(
                "input_as_messages",
                input_path.to_string(),
                "the sample has no messages: its input is shown",
            ));
        }
    }
    let diagnostics = &mut trajectory.diagnostics;

    // Identifiers.
    let id = match map.remove("id") {
        Some(Value::String(id)) => Some(id),
        Some(Value::Number(n)) => Some(n.to_string()),
        Some(other) => {
            map.insert("id".to_owned(), other);
            None
        }
        None => None,
    };
    let epoch = map.get("epoch").and_then(Value::as_u64);
    let trajectory_id = match map.remove("uuid") {
        Some(Value::String(uuid)) => Some(uuid),
        _ => id.as_ref().map(|id| match epoch {
            Some(epoch) => format!("{id}_epoch_{epoch}"),
            None => id.clone(),
        }),
    };
    if let Some(id) = id {
        map.insert("instance_id".to_owned(), Value::String(id));
    }
    if let Some(trajectory_id) = trajectory_id {
        map.insert("trajectory_id".to_owned(), Value::String(trajectory_id));
    }

    // The output: its model and stop reason; the rest repeats the last message.
    let mut output_model = None;
    let mut output_usage = None;
    if let Some(Value::Object(mut output)) = map.remove("output") {
        output_model = output.remove("model").and_then(json::into_string);
        output_usage = output.remove("usage");
        let stop_reason = match output.get("choices") {
            Some(Value::Array(choices)) => {
                choices.first().and_then(|c| json::str_field(c, "stop_reason"))
            }
            _ => None,
        };
        if let Some(stop_reason) = stop_reason {
            map.insert("stop_reason".to_owned(), Value::String(stop_reason.to_owned()));
        }
    }
    let context_model = context.get("model").and_then(Value::as_str).map(str::to_owned);
    if let Some(model) = context_model.or(output_model).or(assistant_model) {
        map.insert("model".to_owned(), Value::String(model));
    }

    read_scores(map, diagnostics);
    read_usage(map, output_usage);
    read_status(map);
    read_swe_bench_metadata(map);

    // The events: their count and the tools declared to the model.
    match events {
        Some(Value::Array(events)) => {
            map.insert("n_events".to_owned(), Value::from(events.len()));
            if let Some(tools) = declared_tools(events, &attachments) {
                map.insert("tools".to_owned(), tools);
            }
        }
        Some(other) => diagnostics.push(Diagnostic::warning(
            "bad_events",
            "/events",
            format!("`events` is {}, not a list; ignored", json::describe(&other)),
        )),
        None => {}
    }

    // The log's context.
    for (key, name) in [
        ("task", "task"),
        ("task_version", "task_version"),
        ("task_id", "eval_task_id"),
        ("run_id", "eval_run_id"),
        ("eval_id", "eval_id"),
        ("created", "eval_created"),
        ("status", "eval_status"),
        ("version", "log_version"),
        ("dataset", "dataset"),
        ("solver", "solver"),
        ("tags", "tags"),
    ] {
        if let Some(value) = context.get(key) {
            map.entry(name).or_insert_with(|| value.clone());
        }
    }
    // `target` is the dataset's answer, not an outcome label: it goes to the metadata through
    // the `metadata` object (the field reader reads a top-level `target` as an outcome).
    if let Some(target) = map.remove("target") {
        match map.entry("metadata").or_insert_with(|| Value::Object(Map::new())) {
            Value::Object(inner) if !inner.contains_key("target") => {
                inner.insert("target".to_owned(), target);
            }
            // The sample's own metadata has a `target` (or is not an object): keep both.
            _ => {
                map.insert("sample_target".to_owned(), target);
            }
        }
    }
}

/// Reads a list of Inspect chat messages into `trajectory.messages`; `model` is set to the
/// last assistant message's `model`.
fn read_messages(
    items: Vec<Value>,
    path: &Loc<'_>,
    attachments: &Attachments,
    trajectory: &mut Trajectory,
    model: &mut Option<String>,
) {
    trajectory.messages.reserve(items.len());
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = path.index(idx);
        match item {
            Value::Object(message) => read_message(
                message,
                &item_path,
                attachments,
                &mut trajectory.messages,
                &mut trajectory.diagnostics,
                model,
            ),
            other => trajectory.diagnostics.push(Diagnostic::error(
                "bad_message",
                item_path.to_string(),
                format!("a message must be an object, found {}; skipped", json::describe(&other)),
            )),
        }
    }
}

/// The text and reasoning of a message's content.
#[derive(Default)]
struct Content {
    texts: Vec<String>,
    reasonings: Vec<String>,
    /// Server-side tool uses (`ContentToolUse`): the call and its result message.
    tool_uses: Vec<(ToolCall, Message)>,
}

/// Reads one message (and, for server-side tool uses, the result messages after it).
fn read_message(
    mut map: Map<String, Value>,
    path: &Loc<'_>,
    attachments: &Attachments,
    messages: &mut Vec<Message>,
    diagnostics: &mut Vec<Diagnostic>,
    model: &mut Option<String>,
) {
    let role = match map.get("role").and_then(Value::as_str) {
        Some("system") => Role::System,
        Some("user") => Role::User,
        Some("assistant") => Role::Assistant,
        Some("tool") => Role::Tool,
        Some(name) => {
            let role = Role::from_source(name).unwrap_or(Role::User);
            diagnostics.push(Diagnostic::warning(
                "unknown_role",
                path.key("role").to_string(),
                format!("an Inspect message role `{name}`, read as {role}"),
            ));
            role
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
    let mut content = Content::default();
    match map.remove("content") {
        Some(Value::String(text)) => content.texts.push(attachments.resolve(text)),
        Some(Value::Array(parts)) => {
            read_parts(parts, &path.key("content"), attachments, &mut content, diagnostics)
        }
        Some(Value::Null) | None => {}
        Some(other) => {
            diagnostics.push(Diagnostic::warning(
                "bad_content",
                path.key("content").to_string(),
                format!("content is {}, shown as JSON", json::describe(&other)),
            ));
            content.texts.push(other.to_string());
        }
    }
    // The original representation of reasoning: an assistant `reasoning` string.
    if let Some(reasoning) = map.remove("reasoning").and_then(json::into_string) {
        if !reasoning.is_empty() {
            content.reasonings.insert(0, reasoning);
        }
    }
    let mut text = content.texts.join("\n");
    if role == Role::Assistant {
        if let Some((answer, thought)) = chat::split_think(&text) {
            if !thought.is_empty() {
                content.reasonings.push(thought);
            }
            text = answer;
        }
    }
    let mut message = Message::new(role, text);
    if !content.reasonings.is_empty() {
        message.reasoning = Some(content.reasonings.join("\n\n"));
    }
    match role {
        Role::Assistant => {
            if let Some(name) = map.remove("model").and_then(json::into_string) {
                *model = Some(name);
            }
            let calls_path = path.key("tool_calls");
            match map.remove("tool_calls") {
                Some(Value::Array(calls)) => {
                    for (idx, call) in calls.into_iter().enumerate() {
                        match read_tool_call(call, &calls_path.index(idx), diagnostics) {
                            Ok(call) => message.tool_calls.push(call),
                            Err(diagnostic) => diagnostics.push(diagnostic),
                        }
                    }
                }
                Some(Value::Null) | None => {}
                Some(other) => diagnostics.push(Diagnostic::warning(
                    "bad_tool_call",
                    calls_path.to_string(),
                    format!("`tool_calls` is {}, not a list; ignored", json::describe(&other)),
                )),
            }
        }
        Role::Tool => {
            message.tool_call_id = map.remove("tool_call_id").and_then(json::into_string);
            message.name = map.remove("function").and_then(json::into_string);
            if let Some(Value::Object(error)) = map.remove("error") {
                let kind = error.get("type").and_then(Value::as_str).unwrap_or("unknown");
                let detail = error.get("message").and_then(Value::as_str).unwrap_or("");
                let mut text = format!("ERROR: ({kind}) {detail}");
                if !message.content.is_empty() && message.content != detail {
                    text.push_str("\n\n");
                    text.push_str(&message.content);
                }
                message.content = text;
            }
        }
        Role::System | Role::User => {}
    }
    let tool_uses = std::mem::take(&mut content.tool_uses);
    let mut results = Vec::with_capacity(tool_uses.len());
    for (call, result) in tool_uses {
        message.tool_calls.push(call);
        results.push(result);
    }
    messages.push(message);
    messages.extend(results);
}

/// Reads a list of content parts (`_util/content.py`) into `content`.
fn read_parts(
    parts: Vec<Value>,
    path: &Loc<'_>,
    attachments: &Attachments,
    content: &mut Content,
    diagnostics: &mut Vec<Diagnostic>,
) {
    for (idx, part) in parts.into_iter().enumerate() {
        let part_path = path.index(idx);
        let mut part = match part {
            Value::Object(part) => part,
            Value::String(text) => {
                content.texts.push(attachments.resolve(text));
                continue;
            }
            Value::Null => continue,
            other => {
                diagnostics.push(Diagnostic::warning(
                    "bad_content",
                    part_path.to_string(),
                    format!("a content part that is {}, shown as JSON", json::describe(&other)),
                ));
                content.texts.push(other.to_string());
                continue;
            }
        };
        let kind = part.get("type").and_then(Value::as_str).unwrap_or("").to_owned();
        match kind.as_str() {
            "text" => {
                if let Some(text) = part.remove("text").and_then(json::into_string) {
                    content.texts.push(attachments.resolve(text));
                }
            }
            "reasoning" => read_reasoning(part, &part_path, attachments, content, diagnostics),
            "tool_use" => match read_tool_use(part, &part_path) {
                Ok(tool_use) => content.tool_uses.push(tool_use),
                Err(diagnostic) => diagnostics.push(diagnostic),
            },
            // Provider payloads kept for replay; nothing to show.
            "data" => {}
            "image" | "audio" | "video" | "document" => {
                diagnostics.push(Diagnostic::warning(
                    "non_text_part",
                    part_path.to_string(),
                    format!("a content part of type `{kind}` is shown as a placeholder"),
                ));
                content.texts.push(format!("[{kind}]"));
            }
            _ => match part.remove("text").and_then(json::into_string) {
                Some(text) => content.texts.push(attachments.resolve(text)),
                None => {
                    let kind = if kind.is_empty() { "unknown" } else { kind.as_str() };
                    diagnostics.push(Diagnostic::warning(
                        "non_text_part",
                        part_path.to_string(),
                        format!("a content part of type `{kind}` is shown as a placeholder"),
                    ));
                    content.texts.push(format!("[{kind}]"));
                }
            },
        }
    }
}

/// A `ContentReasoning` part `{reasoning, summary, signature, redacted}`: the reasoning text,
/// or for a redacted part (whose `reasoning` is an encrypted blob) its readable `summary`.
fn read_reasoning(
    mut part: Map<String, Value>,
    path: &Loc<'_>,
    attachments: &Attachments,
    content: &mut Content,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let redacted = part.get("redacted").and_then(Value::as_bool).unwrap_or(false);
    let summary = part.remove("summary").and_then(json::into_string).filter(|s| !s.is_empty());
    let reasoning = part.remove("reasoning").and_then(json::into_string).filter(|s| !s.is_empty());
    let text = if redacted { summary } else { reasoning.or(summary) };
    match text {
        Some(text) => content.reasonings.push(attachments.resolve(text)),
        None if redacted => diagnostics.push(Diagnostic::info(
            "reasoning_redacted",
            path.to_string(),
            "redacted reasoning (encrypted by the provider) without a summary",
        )),
        None => {}
    }
}

/// A `ContentToolUse` part `{tool_type, id, name, context, arguments, result, error}` (a tool
/// run by the provider): the call, and a tool message holding its result.
fn read_tool_use(
    mut part: Map<String, Value>,
    path: &Loc<'_>,
) -> Result<(ToolCall, Message), Diagnostic> {
    let Some(name) = part.remove("name").and_then(json::into_string) else {
        return Err(Diagnostic::warning(
            "bad_tool_call",
            path.to_string(),
            "a server-side tool use without a name; skipped",
        ));
    };
    let id = part.remove("id").and_then(json::into_string);
    let call = match part.remove("arguments") {
        Some(Value::String(raw)) => ToolCall::with_json_arguments(id.clone(), name.clone(), raw),
        Some(Value::Null) | None => {
            ToolCall::new(id.clone(), name.clone(), Value::Object(Map::new()), String::new(), false)
        }
        Some(other) => {
            let raw = other.to_string();
            ToolCall::new(id.clone(), name.clone(), other, raw, false)
        }
    };
    let mut text = part.remove("result").and_then(json::into_string).unwrap_or_default();
    if let Some(error) = part.remove("error").and_then(json::into_string).filter(|e| !e.is_empty())
    {
        text = if text.is_empty() {
            format!("ERROR: {error}")
        } else {
            format!("ERROR: {error}\n\n{text}")
        };
    }
    let mut result = Message::new(Role::Tool, text);
    result.tool_call_id = id;
    result.name = Some(name);
    Ok((call, result))
}

/// An Inspect tool call `{id, function: NAME, arguments: {...}, parse_error, view, type}`.
/// A call whose `function` is an object (OpenAI's shape) is read by the chat reader.
fn read_tool_call(
    call: Value,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<ToolCall, Diagnostic> {
    let mut call = match call {
        Value::Object(call) => call,
        other => return Err(json::not_an_object("bad_tool_call", "a tool call", path, &other)),
    };
    if !call.get("function").is_some_and(Value::is_string) {
        return chat::read_tool_call(Value::Object(call), path);
    }
    let name = call.remove("function").and_then(json::into_string).unwrap_or_default();
    let id = call.remove("id").and_then(json::into_string);
    if let Some(error) = call.get("parse_error").and_then(Value::as_str) {
        diagnostics.push(Diagnostic::warning(
            "tool_call_parse_error",
            path.key("parse_error").to_string(),
            format!("the model's arguments for `{name}` did not parse: {error}"),
        ));
    }
    Ok(match call.remove("arguments") {
        Some(Value::String(raw)) => ToolCall::with_json_arguments(id, name, raw),
        Some(Value::Null) | None => {
            ToolCall::new(id, name, Value::Object(Map::new()), String::new(), false)
        }
        Some(arguments) => {
            let raw = arguments.to_string();
            ToolCall::new(id, name, arguments, raw, false)
        }
    })
}

/// Scores to metadata `scores`, outcome (`resolved`), `reward` and the final patch
/// (`model_patch`); see the module doc.
fn read_scores(map: &mut Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) {
    let scores = match (map.remove("scores"), map.remove("score")) {
        (Some(Value::Object(scores)), _) => scores,
        (Some(Value::Null), None) | (None, None) => return,
        (None | Some(Value::Null), Some(score)) => {
            let mut scores = Map::new();
            scores.insert("score".to_owned(), score);
            scores
        }
        (Some(other), _) => {
            diagnostics.push(Diagnostic::warning(
                "bad_score",
                "/scores",
                format!(
                    "`scores` is {}, not an object of scores; kept as metadata",
                    json::describe(&other)
                ),
            ));
            map.insert("scores".to_owned(), other);
            return;
        }
    };
    let mut scores = scores;
    let mut patch = None;
    for score in scores.values_mut() {
        if let Some(Value::Object(meta)) = score.get_mut("metadata") {
            if matches!(meta.get("model_patch"), Some(Value::String(_))) && patch.is_none() {
                patch = meta.remove("model_patch");
            }
        }
    }
    let deciding = scores
        .iter()
        .find(|(name, _)| name.to_ascii_lowercase().contains("swe_bench"))
        .or_else(|| scores.iter().next())
        .map(|(_, score)| score.get("value").unwrap_or(score));
    if let Some(value) = deciding {
        let resolved = match value {
            Value::String(s) if s == "C" => Some(true),
            Value::String(s) if s == "I" => Some(false),
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Some(true),
                Some(0.0) => Some(false),
                _ => None,
            },
            _ => None,
        };
        if let Some(resolved) = resolved {
            map.insert("resolved".to_owned(), Value::Bool(resolved));
        }
        if let Some(reward) = value_to_float(value) {
            if let Some(reward) = serde_json::Number::from_f64(reward) {
                map.insert("reward".to_owned(), Value::Number(reward));
            }
        }
    }
    if let Some(patch) = patch {
        map.insert("model_patch".to_owned(), patch);
    }
    map.insert("scores".to_owned(), Value::Object(scores));
}

/// Inspect's `value_to_float` (`scorer/_metric.py`): C 1, P 0.5, I and N 0, yes/true 1,
/// no/false 0, numbers and numeric strings as they are; other values have none.
fn value_to_float(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::String(s) => match s.as_str() {
            "C" => Some(1.0),
            "P" => Some(0.5),
            "I" | "N" => Some(0.0),
            other => match other.to_ascii_lowercase().as_str() {
                "yes" | "true" => Some(1.0),
                "no" | "false" => Some(0.0),
                number => number.parse::<f64>().ok().filter(|v| v.is_finite()),
            },
        },
        _ => None,
    }
}

/// Token counts summed over `model_usage` (else `output.usage`), and `cost_usd`.
fn read_usage(map: &mut Map<String, Value>, output_usage: Option<Value>) {
    const COUNTS: [&str; 6] = [
        "input_tokens",
        "output_tokens",
        "total_tokens",
        "input_tokens_cache_read",
        "input_tokens_cache_write",
        "reasoning_tokens",
    ];
    let mut sums = [None::<u64>; COUNTS.len()];
    let mut cost = None::<f64>;
    let mut add = |usage: &Map<String, Value>| {
        for (sum, key) in sums.iter_mut().zip(COUNTS) {
            if let Some(n) = usage.get(key).and_then(Value::as_u64) {
                *sum = Some(sum.unwrap_or(0).saturating_add(n));
            }
        }
        if let Some(c) = usage.get("total_cost").and_then(Value::as_f64) {
            cost = Some(cost.unwrap_or(0.0) + c);
        }
    };
    match (map.get("model_usage"), &output_usage) {
        (Some(Value::Object(models)), _) if !models.is_empty() => {
            for usage in models.values().filter_map(Value::as_object) {
                add(usage);
            }
        }
        (_, Some(Value::Object(usage))) => add(usage),
        _ => return,
    }
    for (sum, key) in sums.into_iter().zip(COUNTS) {
        if let Some(sum) = sum {
            map.entry(key).or_insert(Value::from(sum));
        }
    }
    if let Some(cost) = cost.and_then(serde_json::Number::from_f64) {
        map.entry("cost_usd").or_insert(Value::Number(cost));
    }
}

/// `error` (exit status `error`, metadata `error`: the message) or `limit` (`<type>_limit`).
fn read_status(map: &mut Map<String, Value>) {
    match map.remove("error") {
        Some(Value::Object(mut error)) => {
            map.insert("exit_status".to_owned(), Value::String("error".to_owned()));
            let message = error.remove("message").unwrap_or(Value::Null);
            map.insert("error".to_owned(), message);
            if let Some(traceback) = error.remove("traceback") {
                map.insert("error_traceback".to_owned(), traceback);
            }
        }
        Some(Value::Null) | None => {
            let limit = map.get("limit").and_then(|l| l.get("type")).and_then(Value::as_str);
            if let Some(kind) = limit {
                let status = format!("{kind}_limit");
                map.insert("exit_status".to_owned(), Value::String(status));
            }
        }
        Some(other) => {
            map.insert("exit_status".to_owned(), Value::String("error".to_owned()));
            map.insert("error".to_owned(), other);
        }
    }
}

/// SWE-bench samples (inspect_evals `swe_bench`: metadata with `base_commit` or `test_patch`):
/// the gold `patch` becomes the reference patch and `repo` the repository.
fn read_swe_bench_metadata(map: &mut Map<String, Value>) {
    let Some(Value::Object(meta)) = map.get_mut("metadata") else { return };
    if !(meta.contains_key("base_commit") || meta.contains_key("test_patch")) {
        return;
    }
    let patch = match meta.get("patch") {
        Some(Value::String(_)) => meta.remove("patch"),
        _ => None,
    };
    let repo = match meta.get("repo") {
        Some(Value::String(_)) => meta.remove("repo"),
        _ => None,
    };
    if let Some(patch) = patch {
        map.entry("reference_patch").or_insert(patch);
    }
    if let Some(repo) = repo {
        map.entry("repo").or_insert(repo);
    }
}

/// The tools declared to the model: the `tools` (`ToolInfo`: `{name, description,
/// parameters}`) of the first top-level `model` event that has some, with descriptions
/// resolved from the attachments.
fn declared_tools(events: Vec<Value>, attachments: &Attachments) -> Option<Value> {
    let tools = events.into_iter().find_map(|event| {
        let Value::Object(mut event) = event else { return None };
        if event.get("event").and_then(Value::as_str) != Some("model") {
            return None;
        }
        match event.remove("tools") {
            Some(Value::Array(tools)) if !tools.is_empty() => Some(tools),
            _ => None,
        }
    })?;
    let tools = tools
        .into_iter()
        .map(|tool| match tool {
            Value::Object(mut tool) => {
                if let Some(Value::String(description)) = tool.remove("description") {
                    tool.insert(
                        "description".to_owned(),
                        Value::String(attachments.resolve(description)),
                    );
                }
                Value::Object(tool)
            }
            other => other,
        })
        .collect();
    Some(Value::Array(tools))
}
