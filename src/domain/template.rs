//! Chat templates: the exact text a trainer sees for a trajectory, rendered through the model's
//! Jinja `chat_template` (from its `tokenizer_config.json`) with minijinja, and the byte and
//! character spans of that text a trainer computes the loss on (the assistant turns).
//!
//! Rendering follows Hugging Face transformers' `apply_chat_template` (jinja2's
//! `ImmutableSandboxedEnvironment` with `trim_blocks` and `lstrip_blocks`, the `loopcontrols`
//! extension, the globals `raise_exception` and `strftime_now`, and a `tojson` filter that is
//! Python's `json.dumps` with `ensure_ascii=False`): the variables are `messages`, `tools`
//! (`none` when the trajectory declares none), `documents` (`none`), `add_generation_prompt`,
//! the tokenizer's special tokens (`bos_token`, `eos_token`, ... as transformers'
//! `special_tokens_map`) and, when asked, `enable_thinking`. Python's string, dict and list
//! methods come from `minijinja_contrib::pycompat`; values print as Python's `str()` does
//! (`None`, `True`, `{'a': 1}`). Messages are the `sft` export's (see [`crate::domain::export`]):
//! OpenAI / Hugging Face chat messages with `tool_calls` whose `arguments` are JSON objects,
//! `tool_call_id`, and `reasoning_content`.
//!
//! Untrusted strings only ever flow as data: auto-escaping is off (the output is text, not HTML)
//! and nothing from a row is compiled as a template.
//!
//! Assistant spans use the prefix method: for each assistant message `i`, the text added by
//! rendering `messages[..=i]` over rendering `messages[..i]` with `add_generation_prompt`, kept
//! only when both renders are prefixes of the full text. Templates that render earlier turns
//! differently once later ones exist (Qwen3 adds an empty `<think>` block to the last assistant
//! turn only) are not prefix-stable; the affected messages are reported, not guessed.
//! `{% generation %}` blocks (transformers' assistant-mask markers) render their body, as in
//! transformers; spans still come from the prefix method.

use std::fmt::{self, Write as _};
use std::ops::Range;

use minijinja::value::{Kwargs, Rest, Value, ValueKind};
use minijinja::{AutoEscape, Environment, Error, ErrorKind, State};

use crate::domain::export::{sft_record, SftOptions};
use crate::domain::trajectory::Trajectory;

/// The special tokens transformers passes to every chat template (its `special_tokens_map`), in
/// the order it lists them.
const SPECIAL_TOKENS: [&str; 8] = [
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
    "additional_special_tokens",
];

/// What went wrong with a chat template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TemplateErrorKind {
    /// `tokenizer_config.json` has no `chat_template` (newer repositories may keep it in a
    /// separate `chat_template.jinja` file).
    Missing,
    /// `chat_template` is neither a string nor a list of `{name, template}`, or the list has no
    /// usable template.
    BadConfig,
    /// The template does not compile.
    Syntax,
    /// The template called `raise_exception(message)`: it refuses these messages.
    Raised,
    /// Rendering failed (a type error, an unknown filter, an undefined value used as an object).
    Render,
    /// The trajectory has no message to render.
    NoMessages,
}

impl TemplateErrorKind {
    /// The kind's snake_case name, as counted in an export manifest's skipped rows
    /// (`template_syntax`, `template_raised`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            TemplateErrorKind::Missing => "no_chat_template",
            TemplateErrorKind::BadConfig => "bad_chat_template",
            TemplateErrorKind::Syntax => "template_syntax",
            TemplateErrorKind::Raised => "template_raised",
            TemplateErrorKind::Render => "template_render",
            TemplateErrorKind::NoMessages => "no_messages",
        }
    }
}

/// A chat template that could not be read, compiled or rendered: its kind, the message (the
/// template's own for `raise_exception`, minijinja's otherwise) and the template line (1-based)
/// where it happened, when known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// What went wrong.
    pub kind: TemplateErrorKind,
    /// The message, without the line.
    pub message: String,
    /// The 1-based line of the template, when known.
    pub line: Option<usize>,
}

impl TemplateError {
    fn new(kind: TemplateErrorKind, message: impl Into<String>) -> Self {
        TemplateError { kind, message: message.into(), line: None }
    }

    /// Classifies a minijinja error: `raise_exception` calls carry [`Raised`] as their source.
    fn from_jinja(error: &Error) -> Self {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
        let mut raised = false;
        while let Some(current) = source {
            if current.downcast_ref::<Raised>().is_some() {
                raised = true;
                break;
            }
            source = current.source();
        }
        let kind = if raised {
            TemplateErrorKind::Raised
        } else if error.kind() == ErrorKind::SyntaxError {
            TemplateErrorKind::Syntax
        } else {
            TemplateErrorKind::Render
        };
        let message = match error.detail() {
            Some(detail) if raised => detail.to_owned(),
            Some(detail) => format!("{}: {detail}", error.kind()),
            None => error.kind().to_string(),
        };
        TemplateError { kind, message, line: error.line().filter(|&line| line > 0) }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            TemplateErrorKind::Missing | TemplateErrorKind::BadConfig => "chat template",
            TemplateErrorKind::Syntax => "chat template syntax error",
            TemplateErrorKind::Raised => "the chat template refused this conversation",
            TemplateErrorKind::Render => "chat template error",
            TemplateErrorKind::NoMessages => "nothing to render",
        };
        match self.line {
            Some(line) => write!(f, "{what} (template line {line}): {}", self.message),
            None => write!(f, "{what}: {}", self.message),
        }
    }
}

impl std::error::Error for TemplateError {}

/// The source of the error a template's `raise_exception(message)` call returns.
#[derive(Debug)]
struct Raised;

impl fmt::Display for Raised {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("raised by the template")
    }
}

impl std::error::Error for Raised {}

/// How to render: the variables a caller of `apply_chat_template` chooses.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RenderOptions {
    /// Append the header of a new assistant turn (`add_generation_prompt`).
    pub add_generation_prompt: bool,
    /// `enable_thinking` (Qwen3 and others); left undefined when `None`.
    pub enable_thinking: Option<bool>,
    /// The current time for `strftime_now`, in seconds since the Unix epoch (UTC); the core has
    /// no clock, so a template calling `strftime_now` fails when this is `None`.
    pub now_unix_seconds: Option<i64>,
}

/// A model's chat template, compiled, with the special tokens it is rendered with.
#[derive(Clone, Debug)]
pub struct ChatTemplate {
    env: Environment<'static>,
    /// Names of the compiled templates, in the config's order (`default` for a single string).
    names: Vec<String>,
    /// The template used when the conversation has no tools.
    default_name: String,
    /// Special tokens as transformers' `special_tokens_map` (name, value), strings or a list.
    special: Vec<(String, Value)>,
}

impl ChatTemplate {
    /// Reads `chat_template` and the special tokens of a parsed `tokenizer_config.json`.
    ///
    /// `chat_template` is a string, or a list of `{name, template}` objects: `default` (else the
    /// first) is used, and `tool_use` when the conversation declares tools, as transformers does.
    /// Special tokens (`bos_token`, `eos_token`, ...) are strings or `{content: ...}` objects.
    /// Errors: [`TemplateErrorKind::Missing`], [`TemplateErrorKind::BadConfig`], or
    /// [`TemplateErrorKind::Syntax`] with the line.
    pub fn from_tokenizer_config(
        config: &serde_json::Value,
    ) -> Result<ChatTemplate, TemplateError> {
        let templates: Vec<(String, String)> = match config.get("chat_template") {
            None | Some(serde_json::Value::Null) => {
                return Err(TemplateError::new(
                    TemplateErrorKind::Missing,
                    "tokenizer_config.json has no chat_template (the repository may keep it in \
                     chat_template.jinja)",
                ))
            }
            Some(serde_json::Value::String(source)) => vec![("default".to_owned(), source.clone())],
            Some(serde_json::Value::Array(items)) => {
                let mut templates = Vec::new();
                for item in items {
                    let name = item.get("name").and_then(serde_json::Value::as_str);
                    let source = item.get("template").and_then(serde_json::Value::as_str);
                    match (name, source) {
                        (Some(name), Some(source)) => {
                            templates.push((name.to_owned(), source.to_owned()))
                        }
                        _ => {
                            return Err(TemplateError::new(
                                TemplateErrorKind::BadConfig,
                                "a chat_template list item is not {\"name\", \"template\"}",
                            ))
                        }
                    }
                }
                templates
            }
            Some(_) => {
                return Err(TemplateError::new(
                    TemplateErrorKind::BadConfig,
                    "chat_template is neither a string nor a list of {name, template}",
                ))
            }
        };
        let special = SPECIAL_TOKENS
            .iter()
            .filter_map(|&name| {
                let value = config.get(name)?;
                let value = match value {
                    serde_json::Value::Array(items) => {
                        Value::from(items.iter().filter_map(token_text).collect::<Vec<_>>())
                    }
                    other => Value::from(token_text(other)?),
                };
                Some((name.to_owned(), value))
            })
            .collect();
        ChatTemplate::compile(templates, special)
    }

    /// A chat template from its source (for example a `chat_template.jinja` file), rendered with
    /// the given `bos_token` and `eos_token`. Errors: [`TemplateErrorKind::Syntax`].
    pub fn from_source(
        source: &str,
        bos_token: Option<&str>,
        eos_token: Option<&str>,
    ) -> Result<ChatTemplate, TemplateError> {
        let special = [("bos_token", bos_token), ("eos_token", eos_token)]
            .into_iter()
            .filter_map(|(name, token)| Some((name.to_owned(), Value::from(token?))))
            .collect();
        ChatTemplate::compile(vec![("default".to_owned(), source.to_owned())], special)
    }

    fn compile(
        templates: Vec<(String, String)>,
        special: Vec<(String, Value)>,
    ) -> Result<ChatTemplate, TemplateError> {
        let Some(default_name) = templates
            .iter()
            .find(|(name, _)| name == "default")
            .or(templates.first())
            .map(|(name, _)| name.clone())
        else {
            return Err(TemplateError::new(
                TemplateErrorKind::BadConfig,
                "chat_template is an empty list",
            ));
        };
        let mut env = python_like_environment();
        let mut names = Vec::with_capacity(templates.len());
        for (name, source) in templates {
            env.add_template_owned(name.clone(), without_generation_tags(&source))
                .map_err(|error| TemplateError::from_jinja(&error))?;
            names.push(name);
        }
        Ok(ChatTemplate { env, names, default_name, special })
    }

    /// Names of the templates, in the config's order (`default` for a single template).
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The special token `name` (`bos_token`, `eos_token`, ...) as the template sees it.
    pub fn special_token(&self, name: &str) -> Option<&str> {
        self.special.iter().find(|(key, _)| key == name).and_then(|(_, value)| value.as_str())
    }

    /// The name of the template used for a conversation with or without tools (`tool_use` when
    /// there are tools and the config has it, else `default` or the first).
    pub fn template_name(&self, has_tools: bool) -> &str {
        match self.names.iter().find(|name| has_tools && *name == "tool_use") {
            Some(name) => name,
            None => &self.default_name,
        }
    }

    /// Renders chat messages (OpenAI / Hugging Face chat format, as JSON values) and tool
    /// definitions (`None` or empty: the template sees `tools = none`).
    pub fn render(
        &self,
        messages: &[serde_json::Value],
        tools: Option<&[serde_json::Value]>,
        options: &RenderOptions,
    ) -> Result<String, TemplateError> {
        let conversation = Conversation::new(messages, tools.unwrap_or_default());
        self.render_prefix(&conversation, messages.len(), options)
    }

    /// Renders an `sft` record (`{"messages": [...], "tools": [...]}`, see
    /// [`crate::domain::export::sft_record`]).
    pub fn render_record(
        &self,
        record: &serde_json::Value,
        options: &RenderOptions,
    ) -> Result<String, TemplateError> {
        let (messages, tools) = record_parts(record);
        self.render(messages, Some(tools), options)
    }

    fn render_prefix(
        &self,
        conversation: &Conversation,
        n_messages: usize,
        options: &RenderOptions,
    ) -> Result<String, TemplateError> {
        let name = self.template_name(!conversation.tools.is_none());
        let template =
            self.env.get_template(name).map_err(|error| TemplateError::from_jinja(&error))?;
        let messages = Value::from(conversation.messages[..n_messages].to_vec());
        let mut context: Vec<(String, Value)> = self.special.clone();
        context.push(("messages".into(), messages));
        context.push(("tools".into(), conversation.tools.clone()));
        context.push(("documents".into(), Value::from(())));
        context.push(("add_generation_prompt".into(), Value::from(options.add_generation_prompt)));
        if let Some(enable_thinking) = options.enable_thinking {
            context.push(("enable_thinking".into(), Value::from(enable_thinking)));
        }
        if let Some(now) = options.now_unix_seconds {
            context.push((NOW_VARIABLE.into(), Value::from(now)));
        }
        let context: std::collections::BTreeMap<String, Value> = context.into_iter().collect();
        template.render(context).map_err(|error| TemplateError::from_jinja(&error))
    }

    /// The training text of a trajectory (its `sft` messages and tools, rendered without a
    /// generation prompt) and its assistant spans. Spans cost one or two extra renders of a
    /// prefix per assistant message; once those renders add up to more than
    /// `span_budget_bytes` of text, the remaining messages are reported as
    /// [`SpanProblem::OverBudget`]. [`SpanScan`] does the same in steps.
    pub fn training_text(
        &self,
        trajectory: &Trajectory,
        options: &RenderOptions,
        span_budget_bytes: usize,
    ) -> Result<TrainingText, TemplateError> {
        let mut scan = SpanScan::of_trajectory(self, trajectory, options, span_budget_bytes)?;
        while !scan.step(usize::MAX) {}
        Ok(scan.finish())
    }

    /// [`ChatTemplate::training_text`] of an `sft` record (`{"messages", "tools"}`).
    pub fn training_text_of_record(
        &self,
        record: &serde_json::Value,
        options: &RenderOptions,
        span_budget_bytes: usize,
    ) -> Result<TrainingText, TemplateError> {
        let mut scan = SpanScan::of_record(self, record, options, span_budget_bytes)?;
        while !scan.step(usize::MAX) {}
        Ok(scan.finish())
    }
}

/// The training text of one conversation, rendered, with its assistant spans found a few
/// messages at a time (so a page can keep responding between steps): build it, call
/// [`SpanScan::step`] until it returns `true`, then [`SpanScan::finish`].
pub struct SpanScan<'a> {
    template: &'a ChatTemplate,
    conversation: Conversation,
    /// Whether each message is an assistant message.
    assistant: Vec<bool>,
    options: RenderOptions,
    budget: usize,
    spent: usize,
    /// The next message to look at.
    next: usize,
    text: String,
    template_name: String,
    spans: Vec<AssistantSpan>,
    problems: Vec<SpanProblem>,
}

impl<'a> SpanScan<'a> {
    /// Renders the trajectory's `sft` messages and tools (no generation prompt). Errors: the
    /// template's, or [`TemplateErrorKind::NoMessages`].
    pub fn of_trajectory(
        template: &'a ChatTemplate,
        trajectory: &Trajectory,
        options: &RenderOptions,
        span_budget_bytes: usize,
    ) -> Result<Self, TemplateError> {
        let record = sft_record(trajectory, SftOptions::default()).map_err(|_| {
            TemplateError::new(TemplateErrorKind::NoMessages, "the trajectory has no message")
        })?;
        SpanScan::of_record(template, &record, options, span_budget_bytes)
    }

    /// Renders an `sft` record (`{"messages", "tools"}`, no generation prompt).
    pub fn of_record(
        template: &'a ChatTemplate,
        record: &serde_json::Value,
        options: &RenderOptions,
        span_budget_bytes: usize,
    ) -> Result<Self, TemplateError> {
        let (messages, tools) = record_parts(record);
        if messages.is_empty() {
            return Err(TemplateError::new(TemplateErrorKind::NoMessages, "no message"));
        }
        let conversation = Conversation::new(messages, tools);
        let options = RenderOptions { add_generation_prompt: false, ..*options };
        let text = template.render_prefix(&conversation, messages.len(), &options)?;
        let template_name = template.template_name(!conversation.tools.is_none()).to_owned();
        let assistant = messages
            .iter()
            .map(|m| m.get("role").and_then(serde_json::Value::as_str) == Some("assistant"))
            .collect();
        Ok(SpanScan {
            template,
            conversation,
            assistant,
            options,
            budget: span_budget_bytes,
            spent: 0,
            next: 0,
            text,
            template_name,
            spans: Vec::new(),
            problems: Vec::new(),
        })
    }

    /// The rendered text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Assistant messages looked at so far, and in all (counts).
    pub fn progress(&self) -> (usize, usize) {
        let done = self.assistant[..self.next].iter().filter(|&&a| a).count();
        (done, self.assistant.iter().filter(|&&a| a).count())
    }

    /// Looks for the spans of up to `max_assistant_messages` more assistant messages; `true`
    /// when every message has been looked at.
    pub fn step(&mut self, max_assistant_messages: usize) -> bool {
        let mut looked = 0;
        while self.next < self.assistant.len() && looked < max_assistant_messages {
            let idx = self.next;
            self.next += 1;
            if self.assistant.get(idx) == Some(&true) {
                looked += 1;
                self.look_at(idx);
            }
        }
        self.next >= self.assistant.len()
    }

    /// The span of assistant message `idx`, or why there is none.
    fn look_at(&mut self, idx: usize) {
        if self.spent > self.budget {
            self.problems.push(SpanProblem::OverBudget { message_idx: idx });
            return;
        }
        let prompt = RenderOptions { add_generation_prompt: true, ..self.options };
        let start = match self.template.render_prefix(&self.conversation, idx, &prompt) {
            Ok(before) => {
                self.spent += before.len();
                if !self.text.starts_with(&before) {
                    self.problems.push(SpanProblem::PromptNotPrefix { message_idx: idx });
                    return;
                }
                before.len()
            }
            Err(error) => {
                self.problems.push(SpanProblem::RenderFailed { message_idx: idx, error });
                return;
            }
        };
        let end = if idx + 1 == self.assistant.len() {
            self.text.len()
        } else {
            match self.template.render_prefix(&self.conversation, idx + 1, &self.options) {
                Ok(through) => {
                    self.spent += through.len();
                    if !self.text.starts_with(&through) {
                        self.problems.push(SpanProblem::TurnNotPrefix { message_idx: idx });
                        return;
                    }
                    through.len()
                }
                Err(error) => {
                    self.problems.push(SpanProblem::RenderFailed { message_idx: idx, error });
                    return;
                }
            }
        };
        if end <= start {
            self.problems.push(SpanProblem::Empty { message_idx: idx });
            return;
        }
        self.spans.push(AssistantSpan { message_idx: idx, bytes: start..end, chars: 0..0 });
    }

    /// The text and the spans found (messages not looked at yet count as over budget).
    pub fn finish(mut self) -> TrainingText {
        while self.next < self.assistant.len() {
            if self.assistant.get(self.next) == Some(&true) {
                self.problems.push(SpanProblem::OverBudget { message_idx: self.next });
            }
            self.next += 1;
        }
        fill_char_ranges(&self.text, &mut self.spans);
        let assistant_messages = self.assistant.iter().filter(|&&a| a).count();
        TrainingText {
            text: self.text,
            template_name: self.template_name,
            spans: self.spans,
            assistant_messages,
            problems: self.problems,
        }
    }
}

/// The template with transformers' `{% generation %}` / `{% endgeneration %}` tags turned into
/// `{% if true %}` / `{% endif %}` (same whitespace control), which render their body the same.
fn without_generation_tags(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut rest = source;
    while let Some(at) = rest.find("{%") {
        out.push_str(&rest[..at]);
        let tag = &rest[at..];
        let inner_start = 2 + usize::from(tag[2..].starts_with(['-', '+']));
        let inner = &tag[inner_start..];
        let word_start = inner.len() - inner.trim_start().len();
        let word = inner[word_start..]
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .next()
            .unwrap_or_default();
        let replacement = match word {
            "generation" => Some("if true"),
            "endgeneration" => Some("endif"),
            _ => None,
        };
        let after_word = &inner[word_start + word.len()..];
        let trimmed = after_word.trim_start();
        let closes =
            trimmed.starts_with("%}") || trimmed.starts_with("-%}") || trimmed.starts_with("+%}");
        match replacement {
            Some(replacement) if closes => {
                out.push_str(&tag[..inner_start + word_start]);
                out.push_str(replacement);
                rest = after_word;
            }
            _ => {
                out.push_str("{%");
                rest = &tag[2..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The variable holding `RenderOptions::now_unix_seconds` for `strftime_now` (not a name a
/// template would use).
const NOW_VARIABLE: &str = "__trajex_now_unix_seconds";

/// A token's text: a string, or the `content` of an `{"content": ...}` (AddedToken) object.
fn token_text(value: &serde_json::Value) -> Option<String> {
    match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Object(map) => map.get("content")?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// `messages` and `tools` of an `sft` record (empty when absent or not arrays).
fn record_parts(record: &serde_json::Value) -> (&[serde_json::Value], &[serde_json::Value]) {
    let list = |key: &str| record.get(key).and_then(serde_json::Value::as_array);
    (list("messages").map_or(&[][..], Vec::as_slice), list("tools").map_or(&[][..], Vec::as_slice))
}

/// Messages and tools converted to template values once, so prefixes share them.
struct Conversation {
    messages: Vec<Value>,
    tools: Value,
}

impl Conversation {
    fn new(messages: &[serde_json::Value], tools: &[serde_json::Value]) -> Self {
        Conversation {
            messages: messages.iter().map(Value::from_serialize).collect(),
            tools: if tools.is_empty() { Value::from(()) } else { Value::from_serialize(tools) },
        }
    }
}

/// The training text of one trajectory and the spans a trainer computes the loss on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrainingText {
    /// The rendered text (no generation prompt).
    pub text: String,
    /// The template used (`default`, `tool_use`, ...).
    pub template_name: String,
    /// Spans of assistant turns, in order, non-overlapping.
    pub spans: Vec<AssistantSpan>,
    /// Assistant messages in the conversation (count).
    pub assistant_messages: usize,
    /// Assistant messages without a span, and why.
    pub problems: Vec<SpanProblem>,
}

impl TrainingText {
    /// Whether every assistant message got a span.
    pub fn spans_complete(&self) -> bool {
        self.problems.is_empty()
    }

    /// The text of every span, in order.
    pub fn span_texts(&self) -> impl Iterator<Item = &str> + '_ {
        self.spans.iter().map(|span| self.text.get(span.bytes.clone()).unwrap_or_default())
    }

    /// Bytes of the text inside assistant spans.
    pub fn span_bytes(&self) -> usize {
        self.spans.iter().map(|span| span.bytes.len()).sum()
    }

    /// The text cut into pieces, each `(byte range, inside an assistant span)`, covering the
    /// whole text in order; for highlighting.
    pub fn segments(&self) -> Vec<(Range<usize>, bool)> {
        let mut segments = Vec::with_capacity(self.spans.len() * 2 + 1);
        let mut at = 0;
        for span in &self.spans {
            if span.bytes.start > at {
                segments.push((at..span.bytes.start, false));
            }
            segments.push((span.bytes.clone(), true));
            at = span.bytes.end;
        }
        if at < self.text.len() {
            segments.push((at..self.text.len(), false));
        }
        segments
    }

    /// What went wrong with the spans, in a sentence, or `None` when every assistant message
    /// has one.
    pub fn span_summary(&self) -> Option<String> {
        let first = self.problems.first()?;
        let unstable: Vec<usize> = self
            .problems
            .iter()
            .filter(|problem| {
                matches!(
                    problem,
                    SpanProblem::PromptNotPrefix { .. } | SpanProblem::TurnNotPrefix { .. }
                )
            })
            .map(SpanProblem::message_idx)
            .collect();
        let mut summary = format!(
            "assistant spans found for {} of {} assistant messages",
            self.spans.len(),
            self.assistant_messages
        );
        if !unstable.is_empty() {
            let listed: Vec<String> = unstable.iter().take(8).map(usize::to_string).collect();
            let more = if unstable.len() > 8 { ", ..." } else { "" };
            let _ = write!(
                summary,
                "; the template is not prefix-stable at message{} {}{more}: rendering the \
                 conversation up to there does not give the start of the full text (the \
                 template renders a turn differently once later turns follow, as Qwen3 does \
                 with the last turn's <think> block)",
                if unstable.len() == 1 { "" } else { "s" },
                listed.join(", ")
            );
        }
        for problem in &self.problems {
            match problem {
                SpanProblem::RenderFailed { message_idx, error } => {
                    let _ = write!(summary, "; message {message_idx}: {error}");
                    break;
                }
                SpanProblem::OverBudget { message_idx } => {
                    let _ = write!(
                        summary,
                        "; stopped at message {message_idx}: the prefix renders grew past the \
                         size budget"
                    );
                    break;
                }
                _ => {}
            }
        }
        if matches!(first, SpanProblem::Empty { .. }) && unstable.is_empty() {
            summary.push_str("; some assistant turns render to nothing");
        }
        Some(summary)
    }
}

/// One assistant turn in the training text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssistantSpan {
    /// Index of the message in the trajectory (and in the `sft` record).
    pub message_idx: usize,
    /// Byte range in [`TrainingText::text`] (UTF-8, on character boundaries).
    pub bytes: Range<usize>,
    /// The same range in Unicode scalar values (Rust `char`s).
    pub chars: Range<usize>,
}

/// Why an assistant message has no span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpanProblem {
    /// Rendering the messages before it with `add_generation_prompt` is not a prefix of the
    /// full text.
    PromptNotPrefix {
        /// The assistant message's index.
        message_idx: usize,
    },
    /// Rendering the messages through it is not a prefix of the full text.
    TurnNotPrefix {
        /// The assistant message's index.
        message_idx: usize,
    },
    /// The turn adds no text.
    Empty {
        /// The assistant message's index.
        message_idx: usize,
    },
    /// A prefix did not render (templates may refuse a conversation that does not start
    /// or end as they expect).
    RenderFailed {
        /// The assistant message's index.
        message_idx: usize,
        /// The template's error.
        error: TemplateError,
    },
    /// Not computed: the prefix renders passed the size budget.
    OverBudget {
        /// The assistant message's index.
        message_idx: usize,
    },
}

impl SpanProblem {
    /// The assistant message's index.
    pub fn message_idx(&self) -> usize {
        match self {
            SpanProblem::PromptNotPrefix { message_idx }
            | SpanProblem::TurnNotPrefix { message_idx }
            | SpanProblem::Empty { message_idx }
            | SpanProblem::RenderFailed { message_idx, .. }
            | SpanProblem::OverBudget { message_idx } => *message_idx,
        }
    }
}

/// Sets `chars` of spans sorted by position, counting characters once over the text.
fn fill_char_ranges(text: &str, spans: &mut [AssistantSpan]) {
    let (mut byte_at, mut char_at) = (0usize, 0usize);
    let mut advance = |to: usize| -> usize {
        char_at += text.get(byte_at..to).map_or(0, |piece| piece.chars().count());
        byte_at = to;
        char_at
    };
    for span in spans {
        let start = advance(span.bytes.start);
        let end = advance(span.bytes.end);
        span.chars = start..end;
    }
}

/// A minijinja environment that behaves like transformers' jinja2 environment for chat
/// templates.
fn python_like_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(false);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_unknown_method_callback(minijinja_contrib::pycompat::unknown_method_callback);
    env.set_formatter(|out, _state, value| {
        let mut text = String::new();
        python_str(value, &mut text)?;
        out.write_str(&text).map_err(Error::from)
    });
    env.add_filter("tojson", tojson);
    env.add_function("raise_exception", |message: Option<Value>| -> Result<Value, Error> {
        let mut text = String::new();
        if let Some(message) = message {
            python_str(&message, &mut text)?;
        }
        Err(Error::new(ErrorKind::InvalidOperation, text).with_source(Raised))
    });
    env.add_function("strftime_now", |state: &State, format: String| -> Result<String, Error> {
        let now = state.lookup(NOW_VARIABLE).and_then(|value| value.as_i64()).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidOperation,
                "strftime_now: no current date was given to the renderer",
            )
        })?;
        Ok(strftime(now, &format))
    });
    env
}

/// `tojson` as transformers defines it: `json.dumps(x, ensure_ascii=False, indent=None,
/// separators=None, sort_keys=False)`, arguments positional or by keyword.
fn tojson(value: &Value, args: Rest<Value>, kwargs: Kwargs) -> Result<String, Error> {
    let positional = |idx: usize, name: &str| -> Result<Option<Value>, Error> {
        match (args.get(idx), kwargs.get::<Option<Value>>(name)?) {
            (Some(value), _) => Ok(Some(value.clone())),
            (None, value) => Ok(value),
        }
    };
    let ensure_ascii = positional(0, "ensure_ascii")?.is_some_and(|value| value.is_true());
    let indent = match positional(1, "indent")? {
        Some(value) if value.is_none() => None,
        Some(value) => match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => Some(" ".repeat(value.as_usize().unwrap_or(0))),
        },
        None => None,
    };
    let separators = match positional(2, "separators")? {
        Some(value) if !value.is_none() => {
            let item = value.get_item_by_index(0)?.as_str().map(str::to_owned);
            let key = value.get_item_by_index(1)?.as_str().map(str::to_owned);
            item.zip(key)
        }
        _ => None,
    };
    let sort_keys = positional(3, "sort_keys")?.is_some_and(|value| value.is_true());
    kwargs.assert_all_used()?;
    let (item_sep, key_sep) = separators
        .unwrap_or_else(|| (if indent.is_some() { ",".into() } else { ", ".into() }, ": ".into()));
    let mut out = String::new();
    let style = JsonStyle { ensure_ascii, indent, item_sep, key_sep, sort_keys };
    write_json(value, &style, 0, &mut out)?;
    Ok(out)
}

/// The options of Python's `json.dumps` that `tojson` accepts.
struct JsonStyle {
    ensure_ascii: bool,
    indent: Option<String>,
    item_sep: String,
    key_sep: String,
    sort_keys: bool,
}

/// Writes `value` as Python's `json.dumps` would.
fn write_json(
    value: &Value,
    style: &JsonStyle,
    depth: usize,
    out: &mut String,
) -> Result<(), Error> {
    if depth > 256 {
        return Err(Error::new(ErrorKind::InvalidOperation, "tojson: value nested too deeply"));
    }
    match value.kind() {
        ValueKind::Undefined => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                "tojson: Object of type Undefined is not JSON serializable",
            ))
        }
        ValueKind::None => out.push_str("null"),
        ValueKind::Bool => out.push_str(if value.is_true() { "true" } else { "false" }),
        ValueKind::Number => write_number(value, true, out),
        ValueKind::String => write_json_string(value.as_str().unwrap_or_default(), style, out),
        ValueKind::Map => {
            let mut entries: Vec<(String, Value)> = Vec::new();
            for key in value.try_iter()? {
                let item = value.get_item(&key)?;
                let key = match key.kind() {
                    ValueKind::String => key.as_str().unwrap_or_default().to_owned(),
                    ValueKind::None => "null".to_owned(),
                    ValueKind::Bool => (if key.is_true() { "true" } else { "false" }).to_owned(),
                    ValueKind::Number => {
                        let mut text = String::new();
                        write_number(&key, true, &mut text);
                        text
                    }
                    _ => {
                        return Err(Error::new(
                            ErrorKind::InvalidOperation,
                            "tojson: keys must be str, int, float, bool or None",
                        ))
                    }
                };
                entries.push((key, item));
            }
            if style.sort_keys {
                entries.sort_by(|a, b| a.0.cmp(&b.0));
            }
            if entries.is_empty() {
                out.push_str("{}");
                return Ok(());
            }
            out.push('{');
            for (idx, (key, item)) in entries.iter().enumerate() {
                separate(idx, style, depth + 1, out);
                write_json_string(key, style, out);
                out.push_str(&style.key_sep);
                write_json(item, style, depth + 1, out)?;
            }
            close(style, depth, out);
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<Value> = value.try_iter()?.collect();
            if items.is_empty() {
                out.push_str("[]");
                return Ok(());
            }
            out.push('[');
            for (idx, item) in items.iter().enumerate() {
                separate(idx, style, depth + 1, out);
                write_json(item, style, depth + 1, out)?;
            }
            close(style, depth, out);
            out.push(']');
        }
        _ => {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("tojson: Object of type {} is not JSON serializable", value.kind()),
            ))
        }
    }
    Ok(())
}

/// The separator before item `idx` of a container at nesting `depth`.
fn separate(idx: usize, style: &JsonStyle, depth: usize, out: &mut String) {
    if idx > 0 {
        out.push_str(&style.item_sep);
    }
    if let Some(indent) = &style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

/// The line break before a non-empty container's closing bracket.
fn close(style: &JsonStyle, depth: usize, out: &mut String) {
    if let Some(indent) = &style.indent {
        out.push('\n');
        for _ in 0..depth {
            out.push_str(indent);
        }
    }
}

/// A JSON string as Python's `json.dumps` writes it (`ensure_ascii` escapes non-ASCII as
/// `\uXXXX`, with surrogate pairs).
fn write_json_string(text: &str, style: &JsonStyle, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ch if (ch as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", ch as u32);
            }
            ch if style.ensure_ascii && !ch.is_ascii() => {
                let mut units = [0u16; 2];
                for unit in ch.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{:04x}", unit);
                }
            }
            ch => out.push(ch),
        }
    }
    out.push('"');
}

/// A number as Python writes it: integers in full, floats as `repr` (`1.0`, `1e-05`, `1e+16`);
/// non-finite floats as `json.dumps` (`NaN`, `Infinity`) or `str` (`nan`, `inf`) writes them.
fn write_number(value: &Value, json: bool, out: &mut String) {
    if value.is_integer() {
        let _ = write!(out, "{value}");
        return;
    }
    let float = f64::try_from(value.clone()).unwrap_or(f64::NAN);
    out.push_str(&python_float(float, json));
}

/// Python's `repr(float)`.
fn python_float(value: f64, json: bool) -> String {
    if value.is_nan() {
        return (if json { "NaN" } else { "nan" }).to_owned();
    }
    if value.is_infinite() {
        let text = match (json, value > 0.0) {
            (true, true) => "Infinity",
            (true, false) => "-Infinity",
            (false, true) => "inf",
            (false, false) => "-inf",
        };
        return text.to_owned();
    }
    if value == 0.0 {
        return (if value.is_sign_negative() { "-0.0" } else { "0.0" }).to_owned();
    }
    let scientific = format!("{value:e}");
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if (-4..16).contains(&exponent) {
        let plain = format!("{value}");
        if plain.contains('.') {
            plain
        } else {
            plain + ".0"
        }
    } else {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", exponent.abs())
    }
}

/// Writes `value` as Python's `str()` does (how jinja2 prints a value).
fn python_str(value: &Value, out: &mut String) -> Result<(), Error> {
    match value.kind() {
        ValueKind::Undefined => {}
        ValueKind::String => out.push_str(value.as_str().unwrap_or_default()),
        _ => python_repr(value, 0, out)?,
    }
    Ok(())
}

/// Writes `value` as Python's `repr()` does.
fn python_repr(value: &Value, depth: usize, out: &mut String) -> Result<(), Error> {
    if depth > 256 {
        return Err(Error::new(ErrorKind::InvalidOperation, "value nested too deeply to print"));
    }
    match value.kind() {
        ValueKind::Undefined => {}
        ValueKind::None => out.push_str("None"),
        ValueKind::Bool => out.push_str(if value.is_true() { "True" } else { "False" }),
        ValueKind::Number => write_number(value, false, out),
        ValueKind::String => python_repr_str(value.as_str().unwrap_or_default(), out),
        ValueKind::Map => {
            out.push('{');
            for (idx, key) in value.try_iter()?.enumerate() {
                if idx > 0 {
                    out.push_str(", ");
                }
                python_repr(&key, depth + 1, out)?;
                out.push_str(": ");
                python_repr(&value.get_item(&key)?, depth + 1, out)?;
            }
            out.push('}');
        }
        ValueKind::Seq | ValueKind::Iterable => {
            out.push('[');
            for (idx, item) in value.try_iter()?.enumerate() {
                if idx > 0 {
                    out.push_str(", ");
                }
                python_repr(&item, depth + 1, out)?;
            }
            out.push(']');
        }
        _ => {
            let _ = write!(out, "{value}");
        }
    }
    Ok(())
}

/// Python's `repr(str)`: single quotes unless the text has `'` and no `"`, escapes for
/// backslashes, the quote, control and other non-printable characters.
fn python_repr_str(text: &str, out: &mut String) {
    let quote = if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            ch if ch == quote => {
                out.push('\\');
                out.push(ch);
            }
            ch if !python_printable(ch) => {
                let code = ch as u32;
                let _ = match code {
                    0..=0xff => write!(out, "\\x{code:02x}"),
                    0x100..=0xffff => write!(out, "\\u{code:04x}"),
                    _ => write!(out, "\\U{code:08x}"),
                };
            }
            ch => out.push(ch),
        }
    }
    out.push(quote);
}

/// Close to Python's `str.isprintable` for one character: control characters, separators other
/// than the ASCII space, format characters and private-use characters are not printable.
fn python_printable(ch: char) -> bool {
    let code = ch as u32;
    !(ch.is_control()
        || matches!(
            code,
            0xa0 | 0xad
                | 0x61c
                | 0x1680
                | 0x180e
                | 0x2000..=0x200f
                | 0x2028..=0x202f
                | 0x205f..=0x2064
                | 0x2066..=0x206f
                | 0x3000
                | 0xfeff
                | 0xfff9..=0xfffb
                | 0xe000..=0xf8ff
        ))
}

/// `strftime` of a Unix time (UTC) for the directives chat templates use: `%Y %y %m %d %e %j
/// %H %I %M %S %p %a %A %b %B %Z %z %%`, and glibc's `%-d`, `%-m`; others are kept as written.
fn strftime(unix_seconds: i64, format: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] =
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    let days = unix_seconds.div_euclid(86_400);
    let seconds = unix_seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let weekday = (days + 3).rem_euclid(7) as usize; // 1970-01-01 was a Thursday.
    let day_of_year = days - days_from_civil(year, 1, 1) + 1;
    let (hour, minute, second) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    let month_name = MONTHS.get(month as usize - 1).copied().unwrap_or_default();
    let day_name = DAYS.get(weekday).copied().unwrap_or_default();
    let mut out = String::new();
    let mut chars = format.chars().peekable();
    while let Some(ch) = chars.next() {
        if ch != '%' {
            out.push(ch);
            continue;
        }
        let no_pad = chars.peek() == Some(&'-');
        if no_pad {
            chars.next();
        }
        let Some(directive) = chars.next() else {
            out.push('%');
            break;
        };
        let number = |value: i64, width: usize| {
            if no_pad {
                value.to_string()
            } else {
                format!("{value:0width$}")
            }
        };
        let piece = match directive {
            'Y' => year.to_string(),
            'y' => number(year.rem_euclid(100), 2),
            'm' => number(month, 2),
            'd' => number(day, 2),
            'e' => format!("{day:>2}"),
            'j' => number(day_of_year, 3),
            'H' => number(hour, 2),
            'I' => number((hour + 11) % 12 + 1, 2),
            'M' => number(minute, 2),
            'S' => number(second, 2),
            'p' => (if hour < 12 { "AM" } else { "PM" }).to_owned(),
            'a' => day_name.get(..3).unwrap_or_default().to_owned(),
            'A' => day_name.to_owned(),
            'b' | 'h' => month_name.get(..3).unwrap_or_default().to_owned(),
            'B' => month_name.to_owned(),
            'Z' => "UTC".to_owned(),
            'z' => "+0000".to_owned(),
            '%' => "%".to_owned(),
            other => format!("%{}{other}", if no_pad { "-" } else { "" }),
        };
        out.push_str(&piece);
    }
    out
}

/// (year, month 1-12, day 1-31) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a civil date (the inverse of [`civil_from_days`]).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_tags_become_plain_blocks() {
        assert_eq!(
            without_generation_tags(
                "a{%- generation %}\nb{% endgeneration -%} {% if x %}{%+generation+%}"
            ),
            "a{%- if true %}\nb{% endif -%} {% if x %}{%+if true+%}"
        );
        assert_eq!(
            without_generation_tags("{% generations %}{% set generation = 1 %}{%"),
            "{% generations %}{% set generation = 1 %}{%"
        );
    }

    #[test]
    fn python_float_repr() {
        assert_eq!(python_float(1.0, true), "1.0");
        assert_eq!(python_float(0.1, true), "0.1");
        assert_eq!(python_float(1e-5, true), "1e-05");
        assert_eq!(python_float(1.5e16, true), "1.5e+16");
        assert_eq!(python_float(123456789012345.0, true), "123456789012345.0");
        assert_eq!(python_float(0.0001, true), "0.0001");
        assert_eq!(python_float(f64::INFINITY, true), "Infinity");
        assert_eq!(python_float(f64::NAN, false), "nan");
    }

    #[test]
    fn strftime_matches_known_dates() {
        // 2024-07-26 13:05:09 UTC, a Friday, day 208.
        let t = 1_722_000_000 - 1_722_000_000 % 86_400 + 13 * 3600 + 5 * 60 + 9;
        assert_eq!(strftime(t, "%d %b %Y"), "26 Jul 2024");
        assert_eq!(
            strftime(t, "%A %B %-d, %y %H:%M:%S %p %j"),
            "Friday July 26, 24 13:05:09 PM 208"
        );
        assert_eq!(strftime(0, "%Y-%m-%d %a"), "1970-01-01 Thu");
        assert_eq!(strftime(951_782_400, "%Y-%m-%d"), "2000-02-29");
    }
}
