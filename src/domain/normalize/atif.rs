//! Harbor's Agent Trajectory Interchange Format (ATIF), as specified by Harbor's RFC 0001
//! (`docs/rfcs/0001-trajectory-format.md`) and its pydantic models
//! (`harbor/models/trajectories/`: `Trajectory`, `Agent`, `Step`, `ToolCall`, `Observation`,
//! `ObservationResult`, `Metrics`, `FinalMetrics`), versions `ATIF-v1.0` to `ATIF-v1.7`.
//!
//! One trajectory is one JSON object:
//!
//! ```text
//! { schema_version: "ATIF-v1.N", session_id, trajectory_id (v1.7),
//!   agent: { name, version, model_name, tool_definitions (v1.5), extra },
//!   steps: [ { step_id, timestamp, source: "system" | "user" | "agent", model_name,
//!              message: string | [ContentPart] (v1.6), reasoning_content, reasoning_effort,
//!              tool_calls: [ { tool_call_id, function_name, arguments } ],
//!              observation: { results: [ { source_call_id, content: string | [ContentPart],
//!                                          subagent_trajectory_ref: [ { session_id,
//!                                          trajectory_id, trajectory_path, extra } ] } ] },
//!              metrics: { prompt_tokens, completion_tokens, cached_tokens, cost_usd,
//!                         prompt_token_ids (v1.4), completion_token_ids (v1.3), logprobs },
//!              is_copied_context (v1.5), llm_call_count (v1.7), extra } ],
//!   notes, final_metrics: { total_prompt_tokens, total_completion_tokens, total_cached_tokens,
//!                           total_cost_usd, total_steps, extra },
//!   continued_trajectory_ref, extra (v1.1), subagent_trajectories: [Trajectory] (v1.7) }
//! ```
//!
//! The versions only add optional fields (v1.1 root `extra`, v1.2 observations on system steps,
//! v1.3/v1.4 token ids, v1.5 `tool_definitions` and `is_copied_context`, v1.6 multimodal
//! content parts, v1.7 `trajectory_id`, `llm_call_count` and embedded subagent trajectories), so
//! one reader takes them all; writers outside Harbor that put `agent.model` for `model_name` or
//! a bare `"1.4"` for the version are read too.
//!
//! Mapping to the model:
//! - a `system`, `user` or `agent` step becomes a system, user or assistant message; its
//!   `message` (text or content parts) is the content, `reasoning_content` the reasoning;
//! - an agent step's `tool_calls` are its calls (given as data, not inferred);
//! - each `observation.results` item becomes a message after its step's message: a tool message
//!   when it names (`source_call_id`) a call seen so far, whatever step carries the result (a
//!   later step, a user or system step); `domain::normalize::link` then links it by that id. A
//!   result naming no call gets an `unknown_source_call_id` warning and is kept as an
//!   observation (a user message, not linked). A result without `source_call_id` is, by the
//!   spec, output of an action that is no tool call (a user message); but Harbor's own
//!   terminus-2 agent writes its command outputs so, with no id at all: when no result of an
//!   agent step's observation carries an id, its first results answer the step's calls in
//!   order (said by a `results_linked_by_order` info diagnostic);
//! - `agent.model_name` is the model (`ids.model`); `trajectory_id`, else `session_id`, the
//!   trajectory id; `agent.tool_definitions` the declared tools;
//! - metadata: `schema_version`, `agent_name`, `agent_version`, `agent_extra`, `input_tokens`,
//!   `output_tokens`, `cached_tokens`, `cost_usd` (from `final_metrics`, else summed over the
//!   steps' `metrics`, said by a `metrics_summed` info diagnostic), `n_steps`
//!   (`final_metrics.total_steps`), `final_metrics_extra`, `models` (step models other than the
//!   agent's), `started_at` / `ended_at` (first and last step timestamps),
//!   `n_copied_context_steps`, `n_llm_calls`, `subagent_trajectory_refs`, `notes`, `extra`,
//!   `continued_trajectory_ref`. Token ids and logprobs are not kept.
//!
//! A v1.7 document that embeds `subagent_trajectories` is split by [`SUBAGENTS`] into one row
//! per trajectory (the parent first, then each subagent, depth first): the parent keeps
//! `subagent_trajectory_ids`, each subagent gets `parent_trajectory_id`.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{chat, DocumentSplitter, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Message, Role, ToolCall, Trajectory};

/// The object-row adapter: an ATIF trajectory object.
pub(super) const TRAJECTORY: ObjectAdapter =
    ObjectAdapter { format: Format::Atif, misfit, read: read_trajectory };

/// The document splitter: an ATIF v1.7 trajectory with embedded `subagent_trajectories`
/// becomes one row per trajectory.
pub(super) const SUBAGENTS: DocumentSplitter =
    DocumentSplitter { format: Format::Atif, split: split_subagents };

/// The newest minor version of ATIF v1 this reader was written for.
const LATEST_MINOR: u32 = 7;

/// Step fields the reader understands; others are named in one `unread_fields` note.
const STEP_FIELDS: [&str; 13] = [
    "step_id",
    "timestamp",
    "source",
    "model_name",
    "reasoning_effort",
    "message",
    "reasoning_content",
    "tool_calls",
    "observation",
    "metrics",
    "is_copied_context",
    "llm_call_count",
    "extra",
];

/// `None` when `map` is an ATIF trajectory: a `steps` list, and an ATIF `schema_version` or a
/// first step with a `source` of `system`/`user`/`agent` and a `message` or `step_id`.
fn misfit(map: &Map<String, Value>) -> Option<String> {
    let Some(Value::Array(steps)) = map.get("steps") else {
        return Some("no `steps` list".into());
    };
    let versioned = map.get("schema_version").and_then(Value::as_str).is_some_and(is_atif_version);
    if versioned || steps.first().is_some_and(is_step) {
        None
    } else {
        Some("no ATIF `schema_version` and `steps` items are not ATIF steps (`source`)".into())
    }
}

/// Whether a `schema_version` names ATIF (`ATIF-v1.4`; any case).
fn is_atif_version(version: &str) -> bool {
    version.trim().get(..4).is_some_and(|head| head.eq_ignore_ascii_case("atif"))
}

/// Whether a value is an ATIF step: an object whose `source` is `system`, `user` or `agent`,
/// with a `message` or a `step_id`.
fn is_step(step: &Value) -> bool {
    step.get("source")
        .and_then(Value::as_str)
        .is_some_and(|source| matches!(source, "system" | "user" | "agent"))
        && (step.get("message").is_some() || step.get("step_id").is_some())
}

/// The minor version of `ATIF-v1.N` (also a bare `1.N` or `v1.N`); `None` for anything else.
fn minor_version(version: &str) -> Option<u32> {
    let rest = version.trim();
    let rest =
        if is_atif_version(rest) { rest.get(4..)?.trim_start_matches(['-', '_']) } else { rest };
    let rest = rest.strip_prefix(['v', 'V']).unwrap_or(rest);
    let minor = rest.strip_prefix("1.")?;
    let digits: String = minor.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// Reads an ATIF trajectory into `trajectory`, leaving in `map` the fields the generic field
/// reader turns into identifiers, tools and metadata (`trajectory_id`, `model`, `tools`, ...).
fn read_trajectory(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::Atif;
    check_version(map, &mut trajectory.diagnostics);
    // `trajectory_id` (v1.7) names this trajectory; `session_id` may be shared with subagents.
    if !map.contains_key("trajectory_id") {
        if let Some(session_id) = json::take_string(map, &["session_id"]) {
            map.insert("trajectory_id".to_owned(), Value::String(session_id));
        }
    }
    let agent_model = read_agent(map, &mut trajectory.diagnostics);

    let mut reader = StepReader::new(agent_model);
    // The detector saw a `steps` list.
    if let Some(Value::Array(steps)) = map.remove("steps") {
        let steps_path = Loc::Root.key("steps");
        for (idx, step) in steps.into_iter().enumerate() {
            reader.read_step(step, idx, &steps_path, trajectory);
        }
    }
    if trajectory.messages.is_empty() {
        trajectory.diagnostics.push(Diagnostic::error(
            "no_messages",
            "/steps",
            "no step of the trajectory could be read",
        ));
    }
    reader.finish(map, trajectory);
    read_final_metrics(map, &reader.totals, &mut trajectory.diagnostics);
    summarize_embedded_subagents(map, &mut trajectory.diagnostics);
}

/// Notes a `schema_version` that is not ATIF v1 (read as the latest v1), or newer than known.
fn check_version(map: &Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) {
    let note = |message: String| Diagnostic::info("atif_version", "/schema_version", message);
    match map.get("schema_version") {
        Some(Value::String(version)) => match minor_version(version) {
            Some(minor) if minor <= LATEST_MINOR => {}
            Some(_) => diagnostics.push(note(format!(
                "schema version `{version}` is newer than ATIF-v1.{LATEST_MINOR}; its new fields may be missed"
            ))),
            None => diagnostics.push(note(format!(
                "schema version `{version}` is not ATIF-v1.x; read as ATIF-v1.{LATEST_MINOR}"
            ))),
        },
        Some(other) => diagnostics.push(note(format!(
            "`schema_version` is {}; read as ATIF-v1.{LATEST_MINOR}",
            json::describe(other)
        ))),
        None => diagnostics.push(note(format!(
            "no `schema_version`; read as ATIF-v1.{LATEST_MINOR}"
        ))),
    }
}

/// Moves the `agent` object's fields to where the field reader finds them (`model`, `tools`,
/// `agent_name`, `agent_version`, `agent_extra`; anything else stays under `agent`). Returns
/// the agent's model.
fn read_agent(map: &mut Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) -> Option<String> {
    let mut agent = match map.remove("agent") {
        Some(Value::Object(agent)) => agent,
        Some(Value::Null) | None => {
            diagnostics.push(Diagnostic::warning(
                "no_agent",
                "/agent",
                "the trajectory has no `agent` object (name, version, model)",
            ));
            return None;
        }
        Some(other) => {
            diagnostics.push(Diagnostic::warning(
                "no_agent",
                "/agent",
                format!("`agent` is {}, not an object; kept as metadata", json::describe(&other)),
            ));
            map.insert("agent".to_owned(), other);
            return None;
        }
    };
    let model = json::take_string(&mut agent, &["model_name"])
        .or_else(|| json::take_string(&mut agent, &["model"]));
    if let Some(model) = &model {
        map.entry("model").or_insert_with(|| Value::String(model.clone()));
    }
    if let Some(tools) = agent.remove("tool_definitions") {
        map.entry("tools").or_insert(tools);
    }
    for (key, name) in
        [("name", "agent_name"), ("version", "agent_version"), ("extra", "agent_extra")]
    {
        match agent.remove(key) {
            Some(Value::Null) | None => {}
            Some(value) => {
                map.insert(name.to_owned(), value);
            }
        }
    }
    if !agent.is_empty() {
        map.insert("agent".to_owned(), Value::Object(agent));
    }
    model
}

/// Sums of the steps' `metrics`, each `None` until a step gives it.
#[derive(Default)]
struct Totals {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    cached_tokens: Option<u64>,
    cost_usd: Option<f64>,
}

impl Totals {
    /// Adds one step's `metrics` (fields that are not numbers are skipped).
    fn add(&mut self, metrics: &Map<String, Value>) {
        let add_u64 = |total: &mut Option<u64>, key: &str| {
            if let Some(n) = metrics.get(key).and_then(Value::as_u64) {
                *total = Some(total.unwrap_or(0).saturating_add(n));
            }
        };
        add_u64(&mut self.prompt_tokens, "prompt_tokens");
        add_u64(&mut self.completion_tokens, "completion_tokens");
        add_u64(&mut self.cached_tokens, "cached_tokens");
        if let Some(cost) = metrics.get("cost_usd").and_then(Value::as_f64) {
            self.cost_usd = Some(self.cost_usd.unwrap_or(0.0) + cost);
        }
    }
}

/// Reads steps one at a time, keeping what later steps need (the calls seen so far) and what
/// ends up in the metadata.
struct StepReader {
    /// The agent's model, to tell step models apart from it.
    agent_model: Option<String>,
    /// Function name of every call seen so far, by `tool_call_id`.
    call_names: HashMap<String, String>,
    /// Step models other than the agent's, in order of first use.
    models: Vec<String>,
    totals: Totals,
    first_timestamp: Option<String>,
    last_timestamp: Option<String>,
    n_copied_context: u64,
    n_llm_calls: Option<u64>,
    subagent_refs: Vec<Value>,
    unread_fields: BTreeSet<String>,
    /// Whether some results were linked by order (noted once).
    linked_by_order: bool,
    /// Whether a step id out of sequence was noted (noted once).
    noted_step_order: bool,
}

impl StepReader {
    /// A reader before the first step; `agent_model` is `agent.model_name`.
    fn new(agent_model: Option<String>) -> Self {
        StepReader {
            agent_model,
            call_names: HashMap::new(),
            models: Vec::new(),
            totals: Totals::default(),
            first_timestamp: None,
            last_timestamp: None,
            n_copied_context: 0,
            n_llm_calls: None,
            subagent_refs: Vec::new(),
            unread_fields: BTreeSet::new(),
            linked_by_order: false,
            noted_step_order: false,
        }
    }

    /// Reads step `idx` of `steps` into the step's message and its results' messages.
    fn read_step(&mut self, step: Value, idx: usize, steps: &Loc<'_>, trajectory: &mut Trajectory) {
        let path = steps.index(idx);
        let diagnostics = &mut trajectory.diagnostics;
        let Value::Object(mut step) = step else {
            diagnostics.push(Diagnostic::error(
                "bad_step",
                path.to_string(),
                format!("a step must be an object, found {}; skipped", json::describe(&step)),
            ));
            return;
        };
        for key in step.keys() {
            if !STEP_FIELDS.contains(&key.as_str()) {
                self.unread_fields.insert(key.clone());
            }
        }
        let step_id = step.get("step_id").and_then(Value::as_u64);
        if step_id.is_some_and(|id| id != idx as u64 + 1) && !self.noted_step_order {
            self.noted_step_order = true;
            diagnostics.push(Diagnostic::info(
                "step_order",
                path.key("step_id").to_string(),
                "step ids are not 1, 2, 3, ... in list order; steps are read in list order",
            ));
        }
        let role = read_source(step.remove("source"), &path, diagnostics);
        let mut content = match step.remove("message") {
            Some(message) => chat::content_to_text(message, &path.key("message"), diagnostics),
            None => String::new(),
        };
        let mut reasoning = match step.remove("reasoning_content") {
            Some(Value::String(text)) if !text.is_empty() => Some(text),
            Some(Value::String(_) | Value::Null) | None => None,
            Some(other) => {
                diagnostics.push(Diagnostic::warning(
                    "bad_reasoning",
                    path.key("reasoning_content").to_string(),
                    format!("`reasoning_content` is {}; ignored", json::describe(&other)),
                ));
                None
            }
        };
        if role == Role::Assistant {
            if let Some((answer, thought)) = chat::split_think(&content) {
                if !thought.is_empty() {
                    reasoning = Some(match reasoning {
                        Some(given) => format!("{given}\n\n{thought}"),
                        None => thought,
                    });
                }
                content = answer;
            }
        }
        let mut message = Message::new(role, content);
        message.reasoning = reasoning;
        if let Some(calls) = step.remove("tool_calls") {
            message.tool_calls = read_tool_calls(calls, &path.key("tool_calls"), diagnostics);
        }
        for call in &message.tool_calls {
            if let Some(id) = &call.id {
                self.call_names.entry(id.clone()).or_insert_with(|| call.name.clone());
            }
        }
        let n_calls = if role == Role::Assistant { message.tool_calls.len() } else { 0 };
        trajectory.messages.push(message);

        if let Some(observation) = step.remove("observation") {
            self.read_observation(observation, n_calls, &path.key("observation"), trajectory);
        }
        self.read_step_fields(step, &path, &mut trajectory.diagnostics);
    }

    /// Reads the step's bookkeeping fields: metrics, model, timestamp, copied context, LLM calls.
    fn read_step_fields(
        &mut self,
        mut step: Map<String, Value>,
        path: &Loc<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) {
        match step.remove("metrics") {
            Some(Value::Object(metrics)) => self.totals.add(&metrics),
            Some(Value::Null) | None => {}
            Some(other) => diagnostics.push(Diagnostic::warning(
                "bad_metrics",
                path.key("metrics").to_string(),
                format!("`metrics` is {}, not an object; ignored", json::describe(&other)),
            )),
        }
        if let Some(model) = step.remove("model_name").and_then(json::into_string) {
            if self.agent_model.as_deref() != Some(model.as_str()) && !self.models.contains(&model)
            {
                self.models.push(model);
            }
        }
        if let Some(timestamp) = step.remove("timestamp").and_then(json::into_string) {
            self.first_timestamp.get_or_insert_with(|| timestamp.clone());
            self.last_timestamp = Some(timestamp);
        }
        if step.get("is_copied_context").and_then(Value::as_bool) == Some(true) {
            self.n_copied_context += 1;
        }
        if let Some(n) = step.get("llm_call_count").and_then(Value::as_u64) {
            self.n_llm_calls = Some(self.n_llm_calls.unwrap_or(0).saturating_add(n));
        }
    }

    /// Reads an observation's results into messages (see the module doc for which become tool
    /// results). `n_calls` is the number of calls of the step when it is an agent step.
    fn read_observation(
        &mut self,
        observation: Value,
        n_calls: usize,
        path: &Loc<'_>,
        trajectory: &mut Trajectory,
    ) {
        let results = match observation {
            Value::Object(mut observation) => match observation.remove("results") {
                Some(Value::Array(results)) => results,
                Some(Value::Null) | None => return,
                Some(other) => {
                    trajectory.diagnostics.push(Diagnostic::warning(
                        "bad_observation",
                        path.key("results").to_string(),
                        format!("`results` is {}, not a list; ignored", json::describe(&other)),
                    ));
                    return;
                }
            },
            // Not the spec's shape, but unambiguous: the results themselves.
            Value::Array(results) => results,
            Value::Null => return,
            other => {
                trajectory.diagnostics.push(Diagnostic::warning(
                    "bad_observation",
                    path.to_string(),
                    format!(
                        "`observation` is {}, not an object with `results`; ignored",
                        json::describe(&other)
                    ),
                ));
                return;
            }
        };
        let results_path = path.key("results");
        let any_id = results
            .iter()
            .any(|result| result.get("source_call_id").is_some_and(|id| !id.is_null()));
        // Results without ids answer the step's calls in order only when none has an id.
        let mut by_order = if any_id { 0 } else { n_calls };
        for (idx, result) in results.into_iter().enumerate() {
            let result_path = results_path.index(idx);
            let Value::Object(mut result) = result else {
                trajectory.diagnostics.push(json::not_an_object(
                    "bad_observation",
                    "a result",
                    &result_path,
                    &result,
                ));
                continue;
            };
            let call_id = result.remove("source_call_id").and_then(call_id_string);
            let mut content = match result.remove("content") {
                Some(content) => chat::content_to_text(
                    content,
                    &result_path.key("content"),
                    &mut trajectory.diagnostics,
                ),
                None => String::new(),
            };
            if let Some(refs) = result.remove("subagent_trajectory_ref") {
                self.read_subagent_refs(refs, &mut content);
            }
            let message = match call_id {
                Some(id) => match self.call_names.get(&id) {
                    Some(name) => {
                        let mut message = Message::new(Role::Tool, content);
                        message.name = Some(name.clone());
                        message.tool_call_id = Some(id);
                        message
                    }
                    None => {
                        trajectory.diagnostics.push(Diagnostic::warning(
                            "unknown_source_call_id",
                            result_path.key("source_call_id").to_string(),
                            format!(
                                "the result names call `{id}`, which no tool call so far has; kept as an observation, not linked"
                            ),
                        ));
                        Message::new(Role::User, content)
                    }
                },
                None if by_order > 0 => {
                    by_order -= 1;
                    if !self.linked_by_order {
                        self.linked_by_order = true;
                        trajectory.diagnostics.push(Diagnostic::info(
                            "results_linked_by_order",
                            result_path.to_string(),
                            "results without `source_call_id` answer their step's tool calls in order",
                        ));
                    }
                    Message::new(Role::Tool, content)
                }
                // By the spec, the output of an action that is no tool call.
                None => Message::new(Role::User, content),
            };
            trajectory.messages.push(message);
        }
    }

    /// Keeps a result's subagent references for the metadata and names them in its content.
    fn read_subagent_refs(&mut self, refs: Value, content: &mut String) {
        let refs = match refs {
            Value::Array(refs) => refs,
            Value::Null => return,
            single => vec![single],
        };
        for reference in refs {
            let field = |key: &str| reference.get(key).and_then(Value::as_str);
            let id = field("trajectory_id").or_else(|| field("session_id")).unwrap_or("?");
            let line = match field("trajectory_path") {
                Some(path) => format!("[subagent trajectory {id}: {path}]"),
                None => format!("[subagent trajectory {id}]"),
            };
            if !content.is_empty() {
                content.push('\n');
            }
            content.push_str(&line);
            self.subagent_refs.push(reference);
        }
    }

    /// Hands what the steps gave to the metadata (through `map`) and notes unread fields.
    fn finish(&mut self, map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
        if !self.models.is_empty() {
            let models = self.models.drain(..).map(Value::String).collect();
            map.insert("models".to_owned(), Value::Array(models));
        }
        if let Some(first) = self.first_timestamp.take() {
            map.insert("started_at".to_owned(), Value::String(first));
        }
        if let Some(last) = self.last_timestamp.take() {
            map.insert("ended_at".to_owned(), Value::String(last));
        }
        if self.n_copied_context > 0 {
            map.insert("n_copied_context_steps".to_owned(), Value::from(self.n_copied_context));
        }
        if let Some(n) = self.n_llm_calls {
            map.insert("n_llm_calls".to_owned(), Value::from(n));
        }
        if !self.subagent_refs.is_empty() {
            let refs = std::mem::take(&mut self.subagent_refs);
            map.insert("subagent_trajectory_refs".to_owned(), Value::Array(refs));
        }
        if !self.unread_fields.is_empty() {
            let names: Vec<&str> = self.unread_fields.iter().map(String::as_str).collect();
            trajectory.diagnostics.push(Diagnostic::info(
                "unread_fields",
                "/steps",
                format!("step fields not read: {}", names.join(", ")),
            ));
        }
    }
}

/// The role of a step's `source`; an unknown or missing source is read as user, with a warning.
fn read_source(source: Option<Value>, path: &Loc<'_>, diagnostics: &mut Vec<Diagnostic>) -> Role {
    let name = match source {
        Some(Value::String(name)) => name,
        other => {
            let found = other.as_ref().map_or_else(|| "missing".to_owned(), json::describe);
            diagnostics.push(Diagnostic::warning(
                "unknown_role",
                path.key("source").to_string(),
                format!("the step's `source` is {found}; read as user"),
            ));
            return Role::User;
        }
    };
    match name.as_str() {
        "system" => Role::System,
        "user" => Role::User,
        "agent" => Role::Assistant,
        other => {
            let role = Role::from_source(other).unwrap_or(Role::User);
            diagnostics.push(Diagnostic::warning(
                "unknown_role",
                path.key("source").to_string(),
                format!("unknown step source `{other}`, read as {role}"),
            ));
            role
        }
    }
}

/// A call id given as a string or a number.
fn call_id_string(value: Value) -> Option<String> {
    match value {
        Value::String(id) => Some(id),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads a step's `tool_calls`: ATIF `{tool_call_id, function_name, arguments}` objects (and,
/// from writers that keep the OpenAI shape, `{id, function: {name, arguments}}`).
fn read_tool_calls(
    calls: Value,
    path: &Loc<'_>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<ToolCall> {
    let calls = match calls {
        Value::Array(calls) => calls,
        Value::Null => return Vec::new(),
        other => {
            diagnostics.push(Diagnostic::warning(
                "bad_tool_call",
                path.to_string(),
                format!("`tool_calls` is {}, not a list; ignored", json::describe(&other)),
            ));
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(calls.len());
    for (idx, call) in calls.into_iter().enumerate() {
        let call_path = path.index(idx);
        let mut call = match call {
            Value::Object(call) if call.contains_key("function_name") => call,
            // The OpenAI shape, or junk: the chat reader says what is wrong with it.
            other => {
                match chat::read_tool_call(other, &call_path) {
                    Ok(call) => out.push(call),
                    Err(diagnostic) => diagnostics.push(diagnostic),
                }
                continue;
            }
        };
        let Some(name) = call.remove("function_name").and_then(json::into_string) else {
            diagnostics.push(Diagnostic::warning(
                "bad_tool_call",
                call_path.key("function_name").to_string(),
                "`function_name` is not a string; the call is skipped",
            ));
            continue;
        };
        let id = call.remove("tool_call_id").and_then(call_id_string);
        if id.is_none() {
            diagnostics.push(Diagnostic::warning(
                "bad_tool_call",
                call_path.key("tool_call_id").to_string(),
                "the call has no `tool_call_id`; its result can only be linked by order",
            ));
        }
        out.push(match call.remove("arguments") {
            Some(Value::String(raw)) => ToolCall::with_json_arguments(id, name, raw),
            Some(Value::Null) | None => {
                ToolCall::new(id, name, Value::Object(Map::new()), String::new(), false)
            }
            Some(arguments) => {
                let raw = arguments.to_string();
                ToolCall::new(id, name, arguments, raw, false)
            }
        });
    }
    out
}

/// Moves `final_metrics` into the metadata under stable names, filling totals it lacks from the
/// steps' sums.
fn read_final_metrics(
    map: &mut Map<String, Value>,
    totals: &Totals,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let mut final_metrics = match map.remove("final_metrics") {
        Some(Value::Object(final_metrics)) => final_metrics,
        Some(Value::Null) | None => Map::new(),
        Some(other) => {
            diagnostics.push(Diagnostic::warning(
                "bad_metrics",
                "/final_metrics",
                format!("`final_metrics` is {}, not an object; ignored", json::describe(&other)),
            ));
            Map::new()
        }
    };
    let summed = [
        ("total_prompt_tokens", "input_tokens", totals.prompt_tokens.map(Value::from)),
        ("total_completion_tokens", "output_tokens", totals.completion_tokens.map(Value::from)),
        ("total_cached_tokens", "cached_tokens", totals.cached_tokens.map(Value::from)),
        ("total_cost_usd", "cost_usd", totals.cost_usd.map(Value::from)),
    ];
    let mut from_steps = Vec::new();
    for (source, key, sum) in summed {
        match final_metrics.remove(source) {
            Some(value @ Value::Number(_)) => {
                map.insert(key.to_owned(), value);
            }
            _ => {
                if let Some(sum) = sum {
                    map.insert(key.to_owned(), sum);
                    from_steps.push(key);
                }
            }
        }
    }
    if !from_steps.is_empty() {
        diagnostics.push(Diagnostic::info(
            "metrics_summed",
            "/final_metrics",
            format!("{} summed over the steps' `metrics`", from_steps.join(", ")),
        ));
    }
    for (source, key) in [("total_steps", "n_steps"), ("extra", "final_metrics_extra")] {
        match final_metrics.remove(source) {
            Some(Value::Null) | None => {}
            Some(value) => {
                map.insert(key.to_owned(), value);
            }
        }
    }
    for (key, value) in final_metrics {
        map.insert(format!("final_metrics.{key}"), value);
    }
}

/// The id an (embedded) trajectory goes by: `trajectory_id`, else `session_id`.
fn trajectory_id_of(map: &Map<String, Value>) -> Option<String> {
    ["trajectory_id", "session_id"]
        .iter()
        .find_map(|key| map.get(*key).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Embedded subagent trajectories left in a row (read without the document splitter, or not
/// ATIF): their ids go to the metadata, with a note that they are not read here.
fn summarize_embedded_subagents(map: &mut Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) {
    let Some(embedded) = map.remove("subagent_trajectories") else { return };
    let items = match embedded {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) | Value::Null => return,
        other => vec![other],
    };
    let ids: Vec<Value> = items
        .iter()
        .map(|item| item.as_object().and_then(trajectory_id_of).map_or(Value::Null, Value::String))
        .collect();
    diagnostics.push(Diagnostic::info(
        "embedded_subagents",
        "/subagent_trajectories",
        format!(
            "{} embedded subagent trajectories are not part of this trajectory (a file holding them is split into one trajectory each)",
            items.len()
        ),
    ));
    map.entry("subagent_trajectory_ids").or_insert(Value::Array(ids));
}

/// Splits an ATIF trajectory that embeds `subagent_trajectories` (v1.7) into one row per
/// trajectory: the parent first, then its subagents depth first. The parent gets
/// `subagent_trajectory_ids`, each subagent `parent_trajectory_id`. Items that are not ATIF
/// trajectories stay embedded (and are noted when the parent is read). Any other value is
/// handed back unchanged.
fn split_subagents(value: Value) -> Result<Vec<Value>, Value> {
    let root = match value {
        Value::Object(map)
            if misfit(&map).is_none()
                && matches!(map.get("subagent_trajectories"), Some(Value::Array(items)) if !items.is_empty()) =>
        {
            map
        }
        other => return Err(other),
    };
    let mut rows = Vec::new();
    // An explicit stack: nesting depth costs no recursion.
    let mut stack: Vec<(Map<String, Value>, Option<String>)> = vec![(root, None)];
    while let Some((mut map, parent)) = stack.pop() {
        if let Some(parent) = parent {
            map.entry("parent_trajectory_id").or_insert(Value::String(parent));
        }
        if let Some(Value::Array(children)) = map.remove("subagent_trajectories") {
            let id = trajectory_id_of(&map);
            let mut ids = Vec::new();
            let mut kept = Vec::new();
            let mut readable = Vec::new();
            for child in children {
                match child {
                    Value::Object(child) if misfit(&child).is_none() => {
                        ids.push(trajectory_id_of(&child).map_or(Value::Null, Value::String));
                        readable.push(child);
                    }
                    other => kept.push(other),
                }
            }
            // Pushed last first, so that they come out in order.
            for child in readable.into_iter().rev() {
                stack.push((child, id.clone()));
            }
            if !ids.is_empty() {
                map.insert("subagent_trajectory_ids".to_owned(), Value::Array(ids));
            }
            if !kept.is_empty() {
                map.insert("subagent_trajectories".to_owned(), Value::Array(kept));
            }
        }
        rows.push(Value::Object(map));
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(minor_version("ATIF-v1.0"), Some(0));
        assert_eq!(minor_version("ATIF-v1.7"), Some(7));
        assert_eq!(minor_version("atif-v1.12"), Some(12));
        assert_eq!(minor_version("1.4"), Some(4));
        assert_eq!(minor_version("v1.5"), Some(5));
        assert_eq!(minor_version("ATIF-v2.0"), None);
        assert_eq!(minor_version("rollouts-v1.0"), None);
        assert!(is_atif_version("ATIF-v1.2"));
        assert!(!is_atif_version("AT"));
    }

    #[test]
    fn nested_subagents_are_split_depth_first() {
        let doc = serde_json::json!({
            "schema_version": "ATIF-v1.7", "trajectory_id": "root", "agent": {"name": "a"},
            "steps": [],
            "subagent_trajectories": [
                {"schema_version": "ATIF-v1.7", "trajectory_id": "a", "steps": [],
                 "subagent_trajectories": [
                     {"schema_version": "ATIF-v1.7", "trajectory_id": "a1", "steps": []}]},
                {"schema_version": "ATIF-v1.7", "trajectory_id": "b", "steps": []},
                42,
            ],
        });
        let rows = split_subagents(doc).expect("split");
        let ids: Vec<&str> =
            rows.iter().map(|row| row["trajectory_id"].as_str().unwrap_or("")).collect();
        assert_eq!(ids, ["root", "a", "a1", "b"]);
        assert_eq!(rows[2]["parent_trajectory_id"], "a");
        assert_eq!(rows[0]["subagent_trajectory_ids"], serde_json::json!(["a", "b"]));
        assert_eq!(rows[0]["subagent_trajectories"], serde_json::json!([42]));
        assert!(split_subagents(serde_json::json!({"steps": []})).is_err());
    }
}
