//! Exact token counts with a model's own tokenizer (`tokenizer.json`, Hugging Face
//! `tokenizers` format), as pure values: which text of a trajectory is counted, the model id
//! and the files fetched for it, the counter, the wire format that carries texts to a counting
//! worker, and how a token figure is labelled (exact or estimated).
//!
//! **The counted text.** The same characters the estimate counts ([`TrajectoryMetrics`]:
//! content, reasoning and tool-call arguments): for each message, in order, its reasoning
//! (when present and not empty), its content (always, even empty), then the raw arguments of
//! each of its tool calls; all these parts of all messages joined with `"\n"`. For rows whose
//! messages have only content this is exactly the text of the Open-SWE-Traces curation
//! notebook (`"\n".join(m["content"] for m in msgs)`). A message's own text is its parts joined
//! the same way, so per-message counts need not add up to the trajectory's count (tokens can
//! merge across a join).
//!
//! **Counting** is `Tokenizer::encode(text, add_special_tokens = true)` and the number of ids:
//! what Python's `Tokenizer.encode(text).ids` gives on the same file (only the tokenizer's own
//! post-processor may add special tokens; for Qwen's it adds none).

use std::sync::Arc;

use crate::domain::hub::{DatasetId, Endpoints};
use crate::domain::trajectory::{Message, Trajectory};
use crate::domain::TrajectoryMetrics;

/// The model whose tokenizer counts by default: a Qwen2.5-Coder instruct model, the family the
/// Open-SWE-Traces style datasets train.
pub const DEFAULT_MODEL: &str = "Qwen/Qwen2.5-Coder-32B-Instruct";

/// The tokenizer file of a model repo (Hugging Face `tokenizers` JSON).
pub const TOKENIZER_FILE: &str = "tokenizer.json";

/// The tokenizer config of a model repo (`transformers`; holds the `chat_template`).
pub const TOKENIZER_CONFIG_FILE: &str = "tokenizer_config.json";

/// A Hub model id, `owner/name` (or a bare `name`), with the Hub's repo-name rules.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ModelId(String);

impl ModelId {
    /// Validates a model id (the same rules as a dataset id: one or two segments of letters,
    /// digits, `-`, `_` and `.`); a pasted `https://host/owner/name` model page is accepted too.
    pub fn parse(text: &str) -> Result<ModelId, String> {
        let text = text.trim();
        let text = match text.split_once("://") {
            // A model page URL: the first two path segments after the host.
            Some((_, rest)) => {
                let path = rest.split(['?', '#']).next().unwrap_or(rest);
                let segments: Vec<&str> =
                    path.split('/').skip(1).filter(|s| !s.is_empty()).take(2).collect();
                segments.join("/")
            }
            None => text.to_owned(),
        };
        match DatasetId::parse(&text) {
            Ok(id) => Ok(ModelId(id.as_str().to_owned())),
            Err(_) => Err(format!("`{text}` is not a model id (expected owner/name)")),
        }
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ModelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `{hub}/{model}/resolve/{revision}/{file}`: a model repo file through the Hub's resolve route
/// (models have no `datasets/` prefix).
pub fn model_file_url(
    endpoints: &Endpoints,
    model: &ModelId,
    revision: &str,
    file: &str,
) -> String {
    endpoints.resolve_model(model.as_str(), revision, file)
}

/// The text of one message that is counted: reasoning (when not empty), content, then the raw
/// arguments of each tool call, joined with `"\n"` (see the module doc).
pub fn message_text(message: &Message) -> String {
    let mut text = String::new();
    push_message(&mut text, message);
    text
}

/// The text of a whole trajectory that is counted: every message's parts joined with `"\n"`.
pub fn trajectory_text(trajectory: &Trajectory) -> String {
    let mut text = String::with_capacity(text_len(trajectory));
    for (idx, message) in trajectory.messages.iter().enumerate() {
        if idx > 0 {
            text.push('\n');
        }
        push_message(&mut text, message);
    }
    text
}

/// Bytes of [`trajectory_text`] (bytes), without building it.
pub fn text_len(trajectory: &Trajectory) -> usize {
    let mut len = trajectory.messages.len().saturating_sub(1);
    for message in &trajectory.messages {
        let parts = message_parts(message);
        len += parts.iter().map(|p| p.len()).sum::<usize>() + parts.len().saturating_sub(1);
    }
    len
}

fn message_parts(message: &Message) -> Vec<&str> {
    let mut parts = Vec::with_capacity(2 + message.tool_calls.len());
    if let Some(reasoning) = message.reasoning.as_deref().filter(|r| !r.is_empty()) {
        parts.push(reasoning);
    }
    parts.push(message.content.as_str());
    parts.extend(message.tool_calls.iter().map(|call| call.raw_arguments.as_str()));
    parts
}

fn push_message(text: &mut String, message: &Message) {
    for (idx, part) in message_parts(message).into_iter().enumerate() {
        if idx > 0 {
            text.push('\n');
        }
        text.push_str(part);
    }
}

/// A loaded tokenizer that counts tokens.
pub struct TokenCounter {
    tokenizer: tokenizers::Tokenizer,
}

impl std::fmt::Debug for TokenCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCounter").finish_non_exhaustive()
    }
}

impl TokenCounter {
    /// Reads a `tokenizer.json` (the bytes of the file). Errors say why it could not be read
    /// (not JSON, or a model or component this `tokenizers` version does not know).
    pub fn from_json(bytes: &[u8]) -> Result<TokenCounter, String> {
        tokenizers::Tokenizer::from_bytes(bytes)
            .map(|tokenizer| TokenCounter { tokenizer })
            .map_err(|error| format!("this tokenizer.json could not be read: {error}"))
    }

    /// Tokens of `text` (count): the ids of `encode(text, add_special_tokens = true)`, as
    /// Python's `Tokenizer.encode(text).ids`. Errors come from the tokenizer (rare: a
    /// normalizer or pre-tokenizer that fails on this input).
    pub fn count(&self, text: &str) -> Result<usize, String> {
        self.tokenizer
            .encode_fast(text, true)
            .map(|encoding| encoding.len())
            .map_err(|error| format!("the tokenizer failed on a text: {error}"))
    }

    /// Token ids of `text` (the same encoding as [`TokenCounter::count`]).
    pub fn ids(&self, text: &str) -> Result<Vec<u32>, String> {
        self.tokenizer
            .encode_fast(text, true)
            .map(|encoding| encoding.get_ids().to_vec())
            .map_err(|error| format!("the tokenizer failed on a text: {error}"))
    }
}

/// Packs texts for a worker: their UTF-8 bytes one after the other, and each one's length
/// (bytes). One buffer travels (transferred, not copied) where many strings would be cloned.
pub fn pack_texts<S: AsRef<str>>(texts: &[S]) -> (Vec<u8>, Vec<u32>) {
    let total = texts.iter().map(|t| t.as_ref().len()).sum();
    let mut bytes = Vec::with_capacity(total);
    let mut lens = Vec::with_capacity(texts.len());
    for text in texts {
        bytes.extend_from_slice(text.as_ref().as_bytes());
        lens.push(u32::try_from(text.as_ref().len()).unwrap_or(u32::MAX));
    }
    (bytes, lens)
}

/// The texts of a [`pack_texts`] buffer. Errors when the lengths do not add up to the buffer
/// or cut a text inside a UTF-8 character.
pub fn unpack_texts<'a>(bytes: &'a [u8], lens: &[u32]) -> Result<Vec<&'a str>, String> {
    let mut texts = Vec::with_capacity(lens.len());
    let mut at = 0usize;
    for &len in lens {
        let end = at.saturating_add(len as usize);
        let slice = bytes.get(at..end).ok_or("the text lengths run past the buffer")?;
        texts.push(std::str::from_utf8(slice).map_err(|e| format!("a text is not UTF-8: {e}"))?);
        at = end;
    }
    if at != bytes.len() {
        return Err("the text lengths do not cover the buffer".to_owned());
    }
    Ok(texts)
}

/// Which token figure is shown for a set of rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenBasis {
    /// The estimate (characters / 4) for every row.
    Estimated,
    /// Exact counts by `model`'s tokenizer for `counted` of `total` rows (the others estimated).
    Exact {
        /// The Hub model id.
        model: String,
        /// Rows with an exact count (count).
        counted: usize,
        /// Rows in all (count).
        total: usize,
    },
}

impl TokenBasis {
    /// The basis of these rows' [`TrajectoryMetrics::tokens`]: exact when any row has an exact
    /// count (the model of the first such row), else estimated.
    pub fn of<'a>(metrics: impl IntoIterator<Item = &'a TrajectoryMetrics>) -> TokenBasis {
        let mut model: Option<Arc<str>> = None;
        let (mut counted, mut total) = (0, 0);
        for m in metrics {
            total += 1;
            if let (Some(_), Some(by)) = (m.exact_tokens, &m.exact_tokenizer) {
                counted += 1;
                model.get_or_insert_with(|| by.clone());
            }
        }
        match model {
            Some(model) => TokenBasis::Exact { model: model.to_string(), counted, total },
            None => TokenBasis::Estimated,
        }
    }

    /// A label for a token axis, column or filter: `tokens (exact, MODEL)` when every row is
    /// counted, `tokens (exact for N / M rows, MODEL; others estimated)` while counting,
    /// `tokens (estimated)` otherwise.
    pub fn label(&self) -> String {
        match self {
            TokenBasis::Estimated => "tokens (estimated)".to_owned(),
            TokenBasis::Exact { model, counted, total } if counted >= total => {
                format!("tokens (exact, {model})")
            }
            TokenBasis::Exact { model, counted, total } => {
                format!("tokens (exact for {counted} / {total} rows, {model}; others estimated)")
            }
        }
    }

    /// Whether every row has an exact count.
    pub fn is_exact(&self) -> bool {
        matches!(self, TokenBasis::Exact { counted, total, .. } if counted >= total)
    }
}
