//! Export of curated trajectories as JSONL, and the manifest written beside every export.
//!
//! Formats:
//! - `raw`: the source rows exactly as they came in, one per line (byte-identical to the source
//!   line for JSONL input, and for an array element written on one line); a row whose source
//!   spans lines (a pretty-printed document or array element) is serialized compactly instead
//!   ([`raw_line`]). The caller keeps the bytes.
//! - `sft`: one line per trajectory in the conversational format that Hugging Face `datasets`
//!   and TRL's `SFTTrainer` load as is: `{"messages": [...], "tools": [...], ...}`. Tool-call
//!   `function.arguments` is a JSON object, the form Hugging Face chat templates expect (Qwen2.5's
//!   template would print a string argument quoted); [`SftOptions::arguments_as_string`] keeps
//!   OpenAI's JSON-string form. `tools` are objects, not JSON strings. Tool messages carry
//!   `tool_call_id`. Reasoning is kept in `reasoning_content` unless
//!   [`SftOptions::drop_reasoning`]. Identifiers and the outcome are extra columns.
//! - `text`: one line per trajectory, `{"text": ...}`, the `sft` record rendered through the
//!   model's chat template (see [`crate::domain::template`]): the exact training text, as
//!   pretraining-style loaders (`datasets`' `text` column, TRL with `dataset_text_field`) read
//!   it. Identifiers and the outcome are extra columns, as in `sft`. Rows the template refuses
//!   or fails on are skipped and counted by reason (`template_raised`, `template_render`, ...).
//!
//! Calls inferred from text (XML tags, bash blocks) are already in the assistant's content, as
//! the model wrote them, so they are not repeated as structured `tool_calls`; their
//! observations keep the role they had (user). Calls without an id get a stable synthetic one,
//! `call_<message index>_<call index>`, shared by the call and its result.
//!
//! Wire structs here are serialize-only and apart from the domain types.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::domain::filter::{FilterSet, Selector, Verdict};
use crate::domain::hub::ReadCounts;
use crate::domain::metrics::TrajectoryMetrics;
use crate::domain::stream::{OnceGuard, RowKey};
use crate::domain::template::{ChatTemplate, RenderOptions, TemplateError};
use crate::domain::trajectory::{CallRef, Role, Trajectory};

/// The export formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// Source rows as they came in.
    #[default]
    Raw,
    /// Conversational SFT records.
    Sft,
    /// The training text rendered by the model's chat template (`{"text": ...}`).
    Text,
}

impl ExportFormat {
    /// `raw`, `sft` or `text`.
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Raw => "raw",
            ExportFormat::Sft => "sft",
            ExportFormat::Text => "text",
        }
    }

    /// Parses `raw`, `sft` or `text`.
    pub fn parse(name: &str) -> Option<ExportFormat> {
        match name {
            "raw" => Some(ExportFormat::Raw),
            "sft" => Some(ExportFormat::Sft),
            "text" => Some(ExportFormat::Text),
            _ => None,
        }
    }
}

/// Options of the `sft` format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SftOptions {
    /// Write `function.arguments` as a JSON string (OpenAI's form) instead of an object.
    pub arguments_as_string: bool,
    /// Leave `reasoning_content` out.
    pub drop_reasoning: bool,
}

/// Why a trajectory could not be exported in the `sft` format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SftSkip {
    /// The trajectory has no message.
    NoMessages,
}

impl SftSkip {
    /// The reason's snake_case name, as counted in the manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            SftSkip::NoMessages => "no_messages",
        }
    }
}

/// The line a row is written as in a `raw` export (without its `\n`): its source text when
/// that is a single line (a JSONL line, an array element written on one line), else `value`
/// serialized compactly (a pretty-printed document or array element), so that the export stays
/// one row per line.
pub fn raw_line(source: &[u8], value: &Value) -> Vec<u8> {
    if !source.is_empty() && memchr::memchr2(b'\n', b'\r', source).is_none() {
        return source.to_vec();
    }
    serde_json::to_vec(value).unwrap_or_default()
}

/// One `sft` record as a JSON value (keys: `messages`, `tools`, then the extra columns
/// `instance_id`, `trajectory_id`, `repo`, `language`, `model`, `outcome`, `resolved`, `format`).
pub fn sft_record(trajectory: &Trajectory, options: SftOptions) -> Result<Value, SftSkip> {
    if trajectory.messages.is_empty() {
        return Err(SftSkip::NoMessages);
    }
    let call_id = |call_ref: CallRef| -> String {
        trajectory
            .call(call_ref)
            .and_then(|call| call.id.clone())
            .unwrap_or_else(|| format!("call_{}_{}", call_ref.message_idx, call_ref.call_idx))
    };
    let mut messages = Vec::with_capacity(trajectory.messages.len());
    for (message_idx, message) in trajectory.messages.iter().enumerate() {
        let mut out = Map::new();
        out.insert("role".into(), Value::from(message.role.as_str()));
        out.insert("content".into(), Value::from(message.content.as_str()));
        if let Some(reasoning) = message.reasoning.as_deref().filter(|_| !options.drop_reasoning) {
            out.insert("reasoning_content".into(), Value::from(reasoning));
        }
        let calls: Vec<Value> = message
            .tool_calls
            .iter()
            .enumerate()
            .filter(|(_, call)| !call.inferred)
            .map(|(call_idx, call)| {
                let arguments = if options.arguments_as_string {
                    Value::String(if call.raw_arguments.is_empty() {
                        call.arguments().to_string()
                    } else {
                        call.raw_arguments.clone()
                    })
                } else {
                    call.arguments().clone()
                };
                serde_json::json!({
                    "id": call_id(CallRef { message_idx, call_idx }),
                    "type": "function",
                    "function": {"name": call.name, "arguments": arguments},
                })
            })
            .collect();
        if !calls.is_empty() {
            out.insert("tool_calls".into(), Value::Array(calls));
        }
        if message.role == Role::Tool {
            let id = message.result_of.map(call_id).or_else(|| message.tool_call_id.clone());
            if let Some(id) = id {
                out.insert("tool_call_id".into(), Value::from(id));
            }
            let name = message.name.clone().or_else(|| {
                message.result_of.and_then(|r| trajectory.call(r)).map(|c| c.name.clone())
            });
            if let Some(name) = name {
                out.insert("name".into(), Value::from(name));
            }
        }
        messages.push(Value::Object(out));
    }
    let tools: Vec<Value> = trajectory
        .tools
        .iter()
        .map(|tool| match tool.definition().get("function") {
            Some(_) => tool.definition().clone(),
            None => serde_json::json!({"type": "function", "function": tool.definition()}),
        })
        .collect();
    let mut record = Map::new();
    record.insert("messages".into(), Value::Array(messages));
    record.insert("tools".into(), Value::Array(tools));
    insert_extra_columns(trajectory, &mut record);
    Ok(Value::Object(record))
}

/// Adds the identifier and outcome columns shared by the `sft` and `text` records.
fn insert_extra_columns(trajectory: &Trajectory, record: &mut Map<String, Value>) {
    let ids = &trajectory.ids;
    let resolved = match trajectory.outcome {
        crate::domain::trajectory::Outcome::Resolved => Value::Bool(true),
        crate::domain::trajectory::Outcome::Failed => Value::Bool(false),
        crate::domain::trajectory::Outcome::Unknown => Value::Null,
    };
    for (key, value) in [
        ("instance_id", &ids.instance_id),
        ("trajectory_id", &ids.trajectory_id),
        ("repo", &ids.repo),
        ("language", &ids.language),
        ("model", &ids.model),
    ] {
        record.insert(key.into(), value.clone().map_or(Value::Null, Value::String));
    }
    record.insert("outcome".into(), Value::from(trajectory.outcome.as_str()));
    record.insert("resolved".into(), resolved);
    record.insert("format".into(), Value::from(trajectory.format.as_str()));
}

/// Why a trajectory could not be exported in the `text` format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TextSkip {
    /// The trajectory has no message.
    NoMessages,
    /// The chat template refused the conversation or failed on it.
    Template(TemplateError),
}

impl TextSkip {
    /// The reason's snake_case name, as counted in the manifest (`no_messages`,
    /// `template_raised`, `template_render`, ...).
    pub fn as_str(&self) -> &'static str {
        match self {
            TextSkip::NoMessages => "no_messages",
            TextSkip::Template(error) => error.kind.as_str(),
        }
    }
}

impl std::fmt::Display for TextSkip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TextSkip::NoMessages => f.write_str("the trajectory has no message"),
            TextSkip::Template(error) => error.fmt(f),
        }
    }
}

/// One `text` record: `{"text": <the sft record rendered by the chat template, without a
/// generation prompt>}` followed by the extra columns of [`sft_record`].
pub fn text_record(
    trajectory: &Trajectory,
    template: &ChatTemplate,
    options: &RenderOptions,
) -> Result<Value, TextSkip> {
    let sft = sft_record(trajectory, SftOptions::default()).map_err(|_| TextSkip::NoMessages)?;
    let options = RenderOptions { add_generation_prompt: false, ..*options };
    let text = template.render_record(&sft, &options).map_err(TextSkip::Template)?;
    let mut record = Map::new();
    record.insert("text".into(), Value::String(text));
    insert_extra_columns(trajectory, &mut record);
    Ok(Value::Object(record))
}

/// Counts of an export, for the manifest. Nothing is lost silently: every row read is either
/// exported, filtered out (by predicate), skipped (by reason) or a line error.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ExportCounts {
    /// Rows read, line errors included (count).
    pub rows_read: u64,
    /// Rows written (count).
    pub exported: u64,
    /// Rows that did not pass the filter, per predicate key (count).
    pub filtered_out: BTreeMap<String, u64>,
    /// Rows that passed but could not be written, per reason (count).
    pub skipped: BTreeMap<String, u64>,
    /// Lines that were not JSON (count); their positions are in `line_errors`.
    pub n_line_errors: u64,
    /// The first line errors, as `source:line: message` (at most 100 are listed).
    pub line_errors: Vec<String>,
    /// The first skipped rows with a message worth reading (a chat template's error), as
    /// `source:row: message` (at most 100 are listed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skip_notes: Vec<String>,
    /// How the source was read: requests tried again, of those the reads resumed from a byte
    /// offset, and reads started again from zero because a file changed (the rows of the void
    /// read are not in any count).
    pub reads: ReadCounts,
    /// Rows the reader handed on again (a key not after the last one written) and not written
    /// again (count; see [`OnceGuard`](crate::domain::stream::OnceGuard)). Not part of
    /// `rows_read`.
    pub repeated_rows_dropped: u64,
}

impl ExportCounts {
    /// Records a line error.
    pub fn add_line_error(&mut self, description: String) {
        self.rows_read += 1;
        self.n_line_errors += 1;
        if self.line_errors.len() < 100 {
            self.line_errors.push(description);
        }
    }

    /// Records a skipped row under `reason`, with a note when `note` is given.
    pub fn add_skip(&mut self, reason: &str, note: Option<String>) {
        *self.skipped.entry(reason.to_owned()).or_default() += 1;
        if let Some(note) = note.filter(|_| self.skip_notes.len() < 100) {
            self.skip_notes.push(note);
        }
    }

    /// Starts the counts again from zero (the read was void: a file changed), keeping how it
    /// was read.
    pub fn start_again(&mut self) {
        *self = ExportCounts {
            reads: self.reads,
            repeated_rows_dropped: self.repeated_rows_dropped,
            ..ExportCounts::default()
        };
    }

    /// Whether every row read is accounted for.
    pub fn is_balanced(&self) -> bool {
        let filtered: u64 = self.filtered_out.values().sum();
        let skipped: u64 = self.skipped.values().sum();
        self.rows_read == self.exported + filtered + skipped + self.n_line_errors
    }
}

/// Where the exported rows came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ExportSource {
    /// Local files.
    Files {
        /// The paths as given.
        paths: Vec<String>,
    },
    /// A Hugging Face dataset split.
    Split {
        /// `owner/name`.
        dataset: String,
        /// Config name.
        config: String,
        /// Split name.
        split: String,
        /// Revision (commit sha or branch) when known.
        revision: Option<String>,
    },
}

/// The manifest written beside every export (`<export>.manifest.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Manifest {
    /// Always `trajex-export`.
    pub kind: &'static str,
    /// Trajex version that wrote the export.
    pub app_version: &'static str,
    /// Where the rows came from.
    pub source: ExportSource,
    /// `raw`, `sft` or `text`.
    pub format: ExportFormat,
    /// Options of the `sft` format (absent for `raw` and `text`).
    pub sft_options: Option<SftOptions>,
    /// For the `text` format: where the chat template came from (a model id or a file path)
    /// and which of its templates was used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_template: Option<String>,
    /// The filter as a query string (the same as in the page URL).
    pub filter_query: String,
    /// The filter in words.
    pub filter_summary: String,
    /// What happened to every row.
    pub counts: ExportCounts,
}

impl Manifest {
    /// A manifest for an export of `source` with the given format and filter.
    pub fn new(
        source: ExportSource,
        format: ExportFormat,
        sft_options: SftOptions,
        filter: &crate::domain::filter::FilterSet,
        counts: ExportCounts,
    ) -> Self {
        Manifest {
            kind: "trajex-export",
            app_version: env!("CARGO_PKG_VERSION"),
            source,
            format,
            sft_options: (format == ExportFormat::Sft).then_some(sft_options),
            filter_query: filter.to_query(),
            filter_summary: filter.summary(),
            counts,
            chat_template: None,
        }
    }

    /// The same manifest, saying where the `text` format's chat template came from.
    pub fn with_chat_template(mut self, description: impl Into<String>) -> Self {
        self.chat_template = Some(description.into());
        self
    }
}

/// The one exporter of the page and the CLI: judges each row with the filter, formats it
/// (`raw`, `sft` or `text`) and counts what happened to it, so that every row read is
/// exported, filtered out, skipped or a line error ([`ExportCounts::is_balanced`]). Rows that
/// come with a [`RowKey`] are taken once each (a reader that resumes can never make a row
/// count twice); [`start_again`](Self::start_again) voids what was written when the source
/// changed mid-read. The caller writes the lines where it wants (a file, the browser's blob
/// parts) and drops them on a restart.
pub struct Exporter {
    /// What happened to every row so far.
    pub counts: ExportCounts,
    selector: Selector,
    format: ExportFormat,
    options: SftOptions,
    /// The chat template of the `text` format, and how to render.
    template: Option<(ChatTemplate, RenderOptions)>,
    once: OnceGuard,
}

impl Exporter {
    /// An exporter of the rows passing `filter` in `format`; `template` is needed by `text`
    /// (without one, each passing row is skipped as `no_chat_template`).
    pub fn new(
        filter: FilterSet,
        format: ExportFormat,
        options: SftOptions,
        template: Option<(ChatTemplate, RenderOptions)>,
    ) -> Self {
        Exporter {
            counts: ExportCounts::default(),
            selector: Selector::new(filter),
            format,
            options,
            template,
            once: OnceGuard::default(),
        }
    }

    /// Takes one row: its key (where its bytes are; `None` for a source read once, whole), its
    /// source bytes for `raw` (see [`raw_line`]), the trajectory and its metrics (which may hold
    /// exact token counts). Returns the line to write, `\n` included, when the row is
    /// exported; `None` when it was filtered out, skipped or already taken.
    pub fn row(
        &mut self,
        key: Option<RowKey>,
        raw: Vec<u8>,
        trajectory: &Trajectory,
        metrics: &TrajectoryMetrics,
    ) -> Option<Vec<u8>> {
        if !self.admit(key) {
            return None;
        }
        self.counts.rows_read += 1;
        if let Verdict::Reject(rejection) = self.selector.judge(trajectory, metrics) {
            *self.counts.filtered_out.entry(rejection.as_str().to_owned()).or_default() += 1;
            return None;
        }
        let mut line = match self.format {
            ExportFormat::Raw => raw,
            ExportFormat::Sft => match sft_record(trajectory, self.options) {
                Ok(record) => serde_json::to_vec(&record).unwrap_or_default(),
                Err(skip) => {
                    *self.counts.skipped.entry(skip.as_str().to_owned()).or_default() += 1;
                    return None;
                }
            },
            ExportFormat::Text => {
                let Some((template, render_options)) = &self.template else {
                    self.counts.add_skip("no_chat_template", None);
                    return None;
                };
                match text_record(trajectory, template, render_options) {
                    Ok(record) => serde_json::to_vec(&record).unwrap_or_default(),
                    Err(skip) => {
                        let source = &trajectory.source;
                        let note = format!("{}:{}: {skip}", source.origin, source.row_idx);
                        self.counts.add_skip(skip.as_str(), Some(note));
                        return None;
                    }
                }
            }
        };
        line.push(b'\n');
        self.counts.exported += 1;
        Some(line)
    }

    /// Judges `mixed_outcome` against these instance ids (the instances some loaded runs
    /// resolve and others fail; see [`crate::domain::filter::mixed_instances`]).
    pub fn with_mixed_instances(mut self, mixed: std::collections::BTreeSet<String>) -> Self {
        self.selector = Selector::with_mixed_instances(self.selector.filter().clone(), mixed);
        self
    }

    /// The names of the chat template's templates (`default`, `tool_use`, ...), when it has one.
    pub fn template_names(&self) -> Option<Vec<String>> {
        self.template.as_ref().map(|(template, _)| template.names().to_vec())
    }

    /// Takes a row that could not be read (`description` says where and why), once per key.
    pub fn line_error(&mut self, key: Option<RowKey>, description: String) {
        if self.admit(key) {
            self.counts.add_line_error(description);
        }
    }

    /// Voids everything taken so far (the source changed while it was read and will be read
    /// again from zero); how it was read is kept.
    pub fn start_again(&mut self) {
        self.counts.start_again();
        self.once.reset();
    }

    fn admit(&mut self, key: Option<RowKey>) -> bool {
        let admitted = key.is_none_or(|key| self.once.admit(key));
        self.counts.repeated_rows_dropped = self.once.repeated;
        admitted
    }
}
