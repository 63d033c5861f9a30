//! The trajectory model: one agent run, normalized from one dataset row.
//!
//! Every source format (OpenAI chat with `tool_calls`, text agents, SWE-agent `.traj`, OpenHands
//! event logs, ...) becomes the same [`Trajectory`]. This module owns the types and the small
//! amount of logic that only depends on them (linking tool results to calls, building turns); it
//! does not read rows (see `normalize`) and does not compute metrics (see `metrics`).

use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::domain::diagnostic::Diagnostic;

/// One agent run, normalized from one dataset row.
#[derive(Clone, Debug, PartialEq)]
pub struct Trajectory {
    /// Where the row came from.
    pub source: SourceRef,
    /// The row layout that was detected (by shape, never by dataset name).
    pub format: Format,
    /// Identifiers found in the row.
    pub ids: Identifiers,
    /// The tools declared to the model (OpenAI function-tool schemas), in declaration order.
    pub tools: Vec<ToolSpec>,
    /// The conversation, in order.
    pub messages: Vec<Message>,
    /// Agent steps: one per assistant message, with the messages that answer its tool calls.
    pub turns: Vec<Turn>,
    /// Whether the run resolved its task, as the dataset labels it.
    pub outcome: Outcome,
    /// The harness's exit status (`submitted`, `exit_context`, ...) when the row gives one.
    pub exit_status: Option<String>,
    /// The agent's final patch as text, when the row stores it in a column.
    pub final_patch: Option<PatchText>,
    /// The gold (reference) patch as text, when the row has one.
    pub reference_patch: Option<PatchText>,
    /// Every other field of the row, kept as JSON (teacher model, thinking on/off, category, ...).
    /// For Open-SWE-Traces the members of the `metadata` column are merged in at top level.
    pub metadata: Map<String, Value>,
    /// What could not be read or was read with a guess.
    pub diagnostics: Vec<Diagnostic>,
}

/// Where a row came from: its origin and its position there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceRef {
    /// The file or Hugging Face split the row was read from.
    pub origin: Origin,
    /// Zero-based index of the row in its origin (the dataset viewer's `row_idx`).
    pub row_idx: u64,
    /// One-based line number in a JSONL file, when read from one.
    pub line_no: Option<u64>,
    /// Byte offset of the row's first byte in its file or stream, when known.
    pub byte_offset: Option<u64>,
}

/// The file or split a row was read from.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Origin {
    /// Not known (a row given directly, in tests).
    #[default]
    Unknown,
    /// A local file, or `-` for standard input.
    File {
        /// The path as given by the user.
        path: String,
    },
    /// A Hugging Face dataset split (Hub names: dataset `owner/name`, config, split).
    Split {
        /// The dataset id, `owner/name`.
        dataset: String,
        /// The config (the Hub's "subset") name.
        config: String,
        /// The split name.
        split: String,
    },
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Unknown => f.write_str("-"),
            Origin::File { path } => f.write_str(path),
            Origin::Split { dataset, config, split } => write!(f, "{dataset}/{config}/{split}"),
        }
    }
}

/// The row layouts Trajex understands, detected from the row's shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// OpenAI chat messages with structured `tool_calls` and `tool` messages (Open-SWE-Traces,
    /// SWE-Zero, SWE-Hero, nebius SWE-rebench-openhands, SWE-Gym OpenHands).
    OpenAiToolCalls,
    /// Chat messages whose tool calls are XML-style text:
    /// `<function=NAME><parameter=KEY>...</parameter></function>` (SWE-smith, SWE-Play).
    XmlFunctionCalls,
    /// mini-swe-agent: `THOUGHT:` plus one ```bash (or ```mswea_bash_command) block per turn,
    /// observations as user turns.
    MarkdownBash,
    /// SWE-agent text rows `{role, text}` with the command in a bare ``` block
    /// (nebius SWE-agent-trajectories).
    SweAgentText,
    /// SWE-agent `.traj` files: `trajectory` steps (thought/action/observation), `history`, `info`.
    SweAgentTraj,
    /// Raw OpenHands event logs: a list of action and observation events (the UI's download,
    /// evaluation `output.jsonl` `history`, resolver output).
    OpenHandsEvents,
    /// OpenHands V1 software-agent-sdk events typed by `kind` (`MessageEvent`, `ActionEvent`,
    /// `ObservationEvent`, ...), one conversation per file or set of lines.
    OpenHandsSdkEvents,
    /// Inspect AI eval log samples (`.json` logs and `.eval` archives): one trajectory per sample.
    InspectEval,
    /// Harbor's Agent Trajectory Interchange Format: `schema_version`, `steps` with `source`,
    /// `message`, `tool_calls` and `observation.results`.
    Atif,
    /// tau-bench result records: `task_id`, `reward`, `traj` (OpenAI chat messages), `info`.
    TauBench,
    /// Claude Code session JSONL: `type` user/assistant lines with `message.content` blocks.
    ClaudeCode,
    /// Codex CLI rollout JSONL: `session_meta`, `response_item` (`message`, `reasoning`,
    /// `function_call`, `function_call_output`), ...
    CodexRollout,
    /// Moatless Tools trajectories: `transitions` (or a search tree's nodes) with actions.
    Moatless,
    /// AutoCodeRover conversations with their API-call logs.
    AutoCodeRover,
    /// ShareGPT `conversations` of `{from, value}`.
    ShareGpt,
    /// Chat messages with no tool calls found.
    PlainChat,
    /// Nothing recognizable: see the diagnostics.
    Unknown,
}

impl Format {
    /// Every format, in declaration order.
    pub const ALL: [Format; 17] = [
        Format::OpenAiToolCalls,
        Format::XmlFunctionCalls,
        Format::MarkdownBash,
        Format::SweAgentText,
        Format::SweAgentTraj,
        Format::OpenHandsEvents,
        Format::OpenHandsSdkEvents,
        Format::InspectEval,
        Format::Atif,
        Format::TauBench,
        Format::ClaudeCode,
        Format::CodexRollout,
        Format::Moatless,
        Format::AutoCodeRover,
        Format::ShareGpt,
        Format::PlainChat,
        Format::Unknown,
    ];

    /// The stable snake_case name used in output, URLs and CSS classes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::OpenAiToolCalls => "openai_tool_calls",
            Format::XmlFunctionCalls => "xml_function_calls",
            Format::MarkdownBash => "markdown_bash",
            Format::SweAgentText => "swe_agent_text",
            Format::SweAgentTraj => "swe_agent_traj",
            Format::OpenHandsEvents => "openhands_events",
            Format::OpenHandsSdkEvents => "openhands_sdk_events",
            Format::InspectEval => "inspect_eval",
            Format::Atif => "atif",
            Format::TauBench => "tau_bench",
            Format::ClaudeCode => "claude_code",
            Format::CodexRollout => "codex_rollout",
            Format::Moatless => "moatless",
            Format::AutoCodeRover => "auto_code_rover",
            Format::ShareGpt => "sharegpt",
            Format::PlainChat => "plain_chat",
            Format::Unknown => "unknown",
        }
    }

    /// Whether tool calls in this format are found in message text rather than given as data.
    pub fn calls_are_inferred(self) -> bool {
        matches!(self, Format::XmlFunctionCalls | Format::MarkdownBash | Format::SweAgentText)
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Identifiers found in a row; `None` when the row has no such field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identifiers {
    /// The task instance, SWE-bench style (`owner__repo-1234`); many trajectories share one.
    pub instance_id: Option<String>,
    /// This run's own id (`trajectory_id`, `traj_id`, `run_id` or `id`).
    pub trajectory_id: Option<String>,
    /// The task repository, `owner/name`; derived from a SWE-bench instance id when absent.
    pub repo: Option<String>,
    /// The task's programming language, lower-case as Open-SWE-Traces writes it (`python`).
    pub language: Option<String>,
    /// The task repository's licence (`MIT`, `Apache-2.0`, ...).
    pub license: Option<String>,
    /// The model that produced the run (`model`, `model_name`, or the teacher model's name).
    pub model: Option<String>,
}

/// A tool declared to the model, in the OpenAI function-tool shape
/// (`{"type":"function","function":{"name","description","parameters"}}`).
#[derive(Clone, Debug)]
pub struct ToolSpec {
    /// The function name the model calls.
    pub name: String,
    /// The definition as JSON text, when the row stored it so (Open-SWE-Traces keeps each tool
    /// as a string); parsed on first use.
    text: Option<String>,
    /// The whole definition as JSON, given or parsed from `text`.
    definition: OnceLock<Value>,
}

/// The JSON `null`, for accessors that return a reference.
static NULL: Value = Value::Null;

impl ToolSpec {
    /// A tool named `name` with its definition as JSON.
    pub fn new(name: String, definition: Value) -> Self {
        ToolSpec { name, text: None, definition: OnceLock::from(definition) }
    }

    /// A tool named `name` whose definition is the JSON text `text` (an object, already
    /// checked to parse), parsed when first read: every row of a split repeats the same
    /// definitions, and only an export or a template preview reads them.
    pub fn with_json_text(name: String, text: String) -> Self {
        ToolSpec { name, text: Some(text), definition: OnceLock::new() }
    }

    /// The whole definition (also when the row stored it as a JSON string).
    pub fn definition(&self) -> &Value {
        self.definition.get_or_init(|| {
            self.text
                .as_deref()
                .and_then(|text| serde_json::from_str(text).ok())
                .unwrap_or_default()
        })
    }

    /// The function part of the definition: `function` when it is an object, else the whole.
    fn function(&self) -> &Value {
        let definition = self.definition();
        definition.get("function").filter(|f| f.is_object()).unwrap_or(definition)
    }

    /// The description shown to the model.
    pub fn description(&self) -> Option<&str> {
        self.function().get("description").and_then(Value::as_str)
    }

    /// The JSON schema of the arguments (`parameters`, or Anthropic's `input_schema`; null
    /// when absent).
    pub fn parameters(&self) -> &Value {
        let function = self.function();
        function.get("parameters").or_else(|| function.get("input_schema")).unwrap_or(&NULL)
    }
}

impl PartialEq for ToolSpec {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.definition() == other.definition()
    }
}

/// Who wrote a message. Source roles are mapped: `developer` → system, `human` → user,
/// `ai`/`gpt`/`model` → assistant, `function`/`ipython`/`observation` → tool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The system prompt.
    System,
    /// The user, or the environment when a text agent's observations come back as user turns.
    User,
    /// The model.
    Assistant,
    /// A tool result.
    Tool,
}

impl Role {
    /// Every role, in declaration order.
    pub const ALL: [Role; 4] = [Role::System, Role::User, Role::Assistant, Role::Tool];

    /// The OpenAI chat name: `system`, `user`, `assistant`, `tool`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
            Role::Tool => "tool",
        }
    }

    /// Maps a source role name to a role; `None` for names Trajex does not know.
    pub fn from_source(name: &str) -> Option<Role> {
        const NAMES: [(&str, Role); 17] = [
            ("system", Role::System),
            ("developer", Role::System),
            ("user", Role::User),
            ("human", Role::User),
            ("environment", Role::User),
            ("env", Role::User),
            ("assistant", Role::Assistant),
            ("ai", Role::Assistant),
            ("gpt", Role::Assistant),
            ("model", Role::Assistant),
            ("agent", Role::Assistant),
            ("bot", Role::Assistant),
            ("tool", Role::Tool),
            ("function", Role::Tool),
            ("ipython", Role::Tool),
            ("observation", Role::Tool),
            ("tool_result", Role::Tool),
        ];
        let name = name.trim();
        NAMES.iter().find(|(known, _)| known.eq_ignore_ascii_case(name)).map(|(_, role)| *role)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One chat message.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The visible text (the answer), with reasoning taken out.
    pub content: String,
    /// Reasoning text (`reasoning_content`, or `<think>` blocks), kept apart from the answer.
    pub reasoning: Option<String>,
    /// Tool calls made by this message (assistant messages only).
    pub tool_calls: Vec<ToolCall>,
    /// For tool results: the id of the call answered, as the row gives it.
    pub tool_call_id: Option<String>,
    /// For tool results: the tool's name, as the row gives it.
    pub name: Option<String>,
    /// For tool results (also a text agent's observation given as a user turn): the call this
    /// message answers, once linked.
    pub result_of: Option<CallRef>,
    /// For tool results: the harness itself marked the call as failed (Claude Code's
    /// `tool_result.is_error`); results the harness does not mark are judged from their text
    /// (see `metrics::is_error_result`).
    pub is_error: bool,
}

impl Message {
    /// A message with only a role and text.
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Message {
            role,
            content: content.into(),
            reasoning: None,
            tool_calls: Vec::new(),
            tool_call_id: None,
            name: None,
            result_of: None,
            is_error: false,
        }
    }
}

/// A tool call made by an assistant message.
#[derive(Clone, Debug)]
pub struct ToolCall {
    /// The call id (`call_...`), when the row gives one.
    pub id: Option<String>,
    /// The tool (function) name.
    pub name: String,
    /// The arguments as the row gave them (OpenAI keeps them as a JSON string; a call found in
    /// message text keeps the text it was read from).
    pub raw_arguments: String,
    /// The arguments as JSON, given or parsed from `raw_arguments` on first use; see
    /// [`ToolCall::arguments`].
    arguments: OnceLock<Value>,
    /// True when the call was found in message text (XML tags, a bash block) rather than given
    /// as structured data.
    pub inferred: bool,
    /// Index (into `Trajectory::messages`) of the message holding this call's result, if any.
    pub result_idx: Option<usize>,
}

impl ToolCall {
    /// A call whose arguments are known as JSON, read from `raw_arguments`.
    pub fn new(
        id: Option<String>,
        name: String,
        arguments: Value,
        raw_arguments: String,
        inferred: bool,
    ) -> Self {
        ToolCall {
            id,
            name,
            raw_arguments,
            arguments: OnceLock::from(arguments),
            inferred,
            result_idx: None,
        }
    }

    /// A call whose arguments are the JSON text `raw_arguments` (OpenAI's `function.arguments`
    /// string), parsed when first asked for: reading a split measures every call but displays
    /// few, and parsing every call's arguments was ~8% of a parquet stream in the browser.
    pub fn with_json_arguments(id: Option<String>, name: String, raw_arguments: String) -> Self {
        ToolCall {
            id,
            name,
            raw_arguments,
            arguments: OnceLock::new(),
            inferred: false,
            result_idx: None,
        }
    }

    /// The arguments as JSON: parsed from `raw_arguments` when the row gave JSON text (a JSON
    /// string holding the raw text when it is not JSON, `{}` when it is empty).
    pub fn arguments(&self) -> &Value {
        self.arguments.get_or_init(|| {
            if self.raw_arguments.trim().is_empty() {
                Value::Object(Map::new())
            } else {
                serde_json::from_str(&self.raw_arguments)
                    .unwrap_or_else(|_| Value::String(self.raw_arguments.clone()))
            }
        })
    }

    /// False when no string in the arguments can contain any of `needles`, told without
    /// parsing unparsed JSON text: its strings can only hold a needle if the text does, or
    /// spells it with `\u` escapes. True means "look at [`ToolCall::arguments`]".
    pub fn arguments_may_contain(&self, needles: &[&str]) -> bool {
        self.arguments.get().is_some()
            || self.raw_arguments.contains("\\u")
            || needles.iter().any(|needle| self.raw_arguments.contains(needle))
    }
}

impl PartialEq for ToolCall {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
            && self.name == other.name
            && self.raw_arguments == other.raw_arguments
            && self.arguments() == other.arguments()
            && self.inferred == other.inferred
            && self.result_idx == other.result_idx
    }
}

/// A reference to one tool call: the message holding it and its index in that message's calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CallRef {
    /// Index into `Trajectory::messages`.
    pub message_idx: usize,
    /// Index into that message's `tool_calls`.
    pub call_idx: usize,
}

/// One agent step: an assistant message and the messages holding its tool results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Turn {
    /// Index of the assistant message.
    pub assistant_idx: usize,
    /// Indexes of the messages answering its tool calls, in order.
    pub result_idxs: Vec<usize>,
}

/// Whether the run resolved its task.
///
/// Open-SWE-Traces `resolved` is an int: 1 resolved, 0 failed, -1 unknown. Other sets use a bool
/// (`resolved`, `target`, `is_resolved`, `test_result.report.resolved`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The task's tests pass with the agent's patch.
    Resolved,
    /// Evaluated, not resolved.
    Failed,
    /// Not evaluated, or the row has no label.
    #[default]
    Unknown,
}

impl Outcome {
    /// Every outcome, in declaration order.
    pub const ALL: [Outcome; 3] = [Outcome::Resolved, Outcome::Failed, Outcome::Unknown];

    /// `resolved`, `failed` or `unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Resolved => "resolved",
            Outcome::Failed => "failed",
            Outcome::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Patch text found in a row, with the field it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatchText {
    /// The unified diff as stored.
    pub text: String,
    /// Where it was found: a dotted path (`metadata.model_patch.patch`, `info.submission`), or
    /// `messages/N` for a patch inferred from a tool result.
    pub field: String,
    /// True when no column held the patch and it was taken from the last `git diff` output the
    /// agent printed in a tool result.
    pub inferred: bool,
}

impl Trajectory {
    /// An empty trajectory of unknown format for `source`.
    pub fn empty(source: SourceRef) -> Self {
        Trajectory {
            source,
            format: Format::Unknown,
            ids: Identifiers::default(),
            tools: Vec::new(),
            messages: Vec::new(),
            turns: Vec::new(),
            outcome: Outcome::Unknown,
            exit_status: None,
            final_patch: None,
            reference_patch: None,
            metadata: Map::new(),
            diagnostics: Vec::new(),
        }
    }

    /// Iterates over every tool call with its reference, in message order.
    pub fn tool_calls(&self) -> impl Iterator<Item = (CallRef, &ToolCall)> {
        self.messages.iter().enumerate().flat_map(|(message_idx, message)| {
            message
                .tool_calls
                .iter()
                .enumerate()
                .map(move |(call_idx, call)| (CallRef { message_idx, call_idx }, call))
        })
    }

    /// The call a message answers, if linked.
    pub fn call(&self, call_ref: CallRef) -> Option<&ToolCall> {
        self.messages.get(call_ref.message_idx)?.tool_calls.get(call_ref.call_idx)
    }

    /// Rebuilds `turns` from the messages and the result links: one turn per assistant message,
    /// holding the indexes of the messages linked to its calls.
    pub fn rebuild_turns(&mut self) {
        self.turns = self
            .messages
            .iter()
            .enumerate()
            .filter(|(_, message)| message.role == Role::Assistant)
            .map(|(assistant_idx, message)| {
                let mut result_idxs: Vec<usize> =
                    message.tool_calls.iter().filter_map(|call| call.result_idx).collect();
                result_idxs.sort_unstable();
                result_idxs.dedup();
                Turn { assistant_idx, result_idxs }
            })
            .collect();
    }
}
