//! Per-trajectory metrics: plain numbers computed from a [`Trajectory`], with stable snake_case
//! names (the field names below) used in `trajex inspect` output, URLs and the UI.
//!
//! Counts are `n_*`; character counts are Unicode scalar values (`char`s), not bytes.
//!
//! Rules (documented here because they are guesses about free text):
//! - **Estimated tokens** (`est_tokens`): every character the model reads or writes (content,
//!   reasoning, tool-call arguments) divided by 4, rounded up, the rule of thumb of the
//!   Open-SWE-Traces curation notebook. Exact counts come from the model's tokenizer
//!   (`exact_tokens`, see `domain::tokens`) and take the estimate's place in `tokens()`.
//! - **Tool errors** (`n_tool_errors`): a tool result that reports a non-zero exit code
//!   (`exit code N` in the last 256 bytes, where OpenHands prints it;
//!   `<returncode>N</returncode>` in the first 64 bytes, where mini-swe-agent puts it), starts with `ERROR:` (OpenHands editor errors, also after an
//!   `OBSERVATION:` line), is an OpenHands `error` observation, or is marked failed by the
//!   harness (`Message::is_error`: Claude Code's `is_error`).
//! - **Finished** (`finished`): the agent called a finishing tool (`finish`, `submit`,
//!   `exit_forfeit`, `task_complete`, in any case: Moatless calls it `Finish`), or echoed mini-swe-agent's `COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT`), or the
//!   harness's exit status starts with `submitted`.

use std::collections::BTreeMap;

use crate::domain::flags::{flags_of, Flag};
use crate::domain::patch::{self, PatchStats};
use crate::domain::trajectory::{Message, PatchText, Role, ToolCall, Trajectory};

/// Metrics of one trajectory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrajectoryMetrics {
    /// Messages in the conversation (count).
    pub n_messages: usize,
    /// Agent steps: assistant messages (count).
    pub n_turns: usize,
    /// Tool calls, structured or inferred (count).
    pub n_tool_calls: usize,
    /// Tool calls found in message text rather than given as data (count).
    pub n_inferred_tool_calls: usize,
    /// Tool calls with no linked result (count).
    pub n_unanswered_tool_calls: usize,
    /// Messages linked as the result of a tool call (count).
    pub n_tool_results: usize,
    /// Tool calls per tool name (count per name), sorted by name.
    pub tool_calls_by_name: BTreeMap<String, usize>,
    /// Messages per role (count), indexed by `Role::ALL` order: system, user, assistant, tool.
    pub n_messages_by_role: [usize; 4],
    /// Characters of visible content per role (chars), in `Role::ALL` order.
    pub chars_by_role: [usize; 4],
    /// Characters of reasoning text (chars).
    pub reasoning_chars: usize,
    /// Characters of tool-call arguments as given (chars).
    pub tool_call_chars: usize,
    /// Tools declared to the model (count).
    pub n_tools_declared: usize,
    /// Tool results that report an error (count); see the module doc for the rule.
    pub n_tool_errors: usize,
    /// Estimated tokens (tokens): all characters / 4, rounded up; see the module doc.
    pub est_tokens: usize,
    /// Exact tokens (tokens) of the trajectory's counted text (`domain::tokens::trajectory_text`)
    /// by the tokenizer of the model `exact_tokenizer`, once counted; `None` until then.
    pub exact_tokens: Option<usize>,
    /// The Hub model id whose tokenizer counted `exact_tokens`.
    pub exact_tokenizer: Option<std::sync::Arc<str>>,
    /// Whether the agent finished by itself (finish/submit call or exit status).
    pub finished: bool,
    /// Figures of the final patch, when the trajectory has one.
    pub final_patch: Option<PatchFigures>,
    /// Figures of the reference (gold) patch, when the row has one.
    pub reference_patch: Option<PatchFigures>,
    /// Diagnostics raised while reading the row (count).
    pub n_diagnostics: usize,
    /// The suspicious-trajectory flags of the row (`domain::flags::flags_of`), computed with the
    /// metrics from the whole row, so that they stay right when the messages are dropped.
    pub flags: Vec<Flag>,
}

/// Figures of one patch, from its parsed unified diff.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchFigures {
    /// True when the patch text is empty or white space only.
    pub is_empty: bool,
    /// True when taken from a tool result rather than a column.
    pub inferred: bool,
    /// Files, hunks, added and removed lines, extensions, languages, test files.
    pub stats: PatchStats,
    /// Problems found while parsing the diff (count).
    pub n_diagnostics: usize,
}

impl PatchFigures {
    /// Parses a patch text and measures it.
    pub fn of(patch: &PatchText) -> Self {
        let (parsed, diagnostics) = patch::parse(&patch.text);
        PatchFigures {
            is_empty: patch.text.trim().is_empty(),
            inferred: patch.inferred,
            stats: parsed.stats(),
            n_diagnostics: diagnostics.len(),
        }
    }

    /// Added + removed lines (lines).
    pub fn n_changed_lines(&self) -> usize {
        self.stats.n_added + self.stats.n_removed
    }
}

impl TrajectoryMetrics {
    /// Computes the metrics of a trajectory.
    pub fn of(trajectory: &Trajectory) -> Self {
        let mut metrics = TrajectoryMetrics {
            n_messages: trajectory.messages.len(),
            n_turns: trajectory.turns.len(),
            n_tools_declared: trajectory.tools.len(),
            n_diagnostics: trajectory.diagnostics.len(),
            ..Default::default()
        };
        for message in &trajectory.messages {
            let role_idx = role_index(message.role);
            metrics.n_messages_by_role[role_idx] += 1;
            metrics.chars_by_role[role_idx] += count_chars(&message.content);
            metrics.reasoning_chars += message.reasoning.as_deref().map_or(0, count_chars);
            if message.result_of.is_some() {
                metrics.n_tool_results += 1;
                metrics.n_tool_errors += usize::from(is_error_result(message));
            }
            for call in &message.tool_calls {
                metrics.n_tool_calls += 1;
                metrics.n_inferred_tool_calls += usize::from(call.inferred);
                metrics.n_unanswered_tool_calls += usize::from(call.result_idx.is_none());
                metrics.tool_call_chars += count_chars(&call.raw_arguments);
                match metrics.tool_calls_by_name.get_mut(&call.name) {
                    Some(n) => *n += 1,
                    None => {
                        metrics.tool_calls_by_name.insert(call.name.clone(), 1);
                    }
                }
            }
        }
        // The finishing call is usually the last one: looked for from the end.
        metrics.finished = trajectory
            .messages
            .iter()
            .rev()
            .flat_map(|message| message.tool_calls.iter().rev())
            .any(is_finish_call);
        metrics.finished |=
            trajectory.exit_status.as_deref().is_some_and(|s| s.trim().starts_with("submitted"));
        metrics.est_tokens = metrics.total_chars().div_ceil(4);
        metrics.final_patch = trajectory.final_patch.as_ref().map(PatchFigures::of);
        metrics.reference_patch = trajectory.reference_patch.as_ref().map(PatchFigures::of);
        metrics.flags = flags_of(trajectory);
        metrics
    }

    /// Messages of one role (count).
    pub fn n_messages_of(&self, role: Role) -> usize {
        self.n_messages_by_role[role_index(role)]
    }

    /// Characters of visible content of one role (chars).
    pub fn chars_of(&self, role: Role) -> usize {
        self.chars_by_role[role_index(role)]
    }

    /// The token count that filters and charts use (tokens): the exact count by the model's
    /// tokenizer when known, else the estimate `est_tokens`; [`TrajectoryMetrics::tokens_are_exact`]
    /// says which.
    pub fn tokens(&self) -> usize {
        self.exact_tokens.unwrap_or(self.est_tokens)
    }

    /// Whether [`TrajectoryMetrics::tokens`] is an exact count (and by which model's tokenizer).
    pub fn tokens_are_exact(&self) -> Option<&str> {
        self.exact_tokens.and(self.exact_tokenizer.as_deref())
    }

    /// Records an exact count (tokens) by `model`'s tokenizer.
    pub fn set_exact_tokens(&mut self, tokens: usize, model: std::sync::Arc<str>) {
        self.exact_tokens = Some(tokens);
        self.exact_tokenizer = Some(model);
    }

    /// Every character of the conversation: content, reasoning and tool-call arguments (chars).
    pub fn total_chars(&self) -> usize {
        self.chars_by_role.iter().sum::<usize>() + self.reasoning_chars + self.tool_call_chars
    }
}

fn role_index(role: Role) -> usize {
    match role {
        Role::System => 0,
        Role::User => 1,
        Role::Assistant => 2,
        Role::Tool => 3,
    }
}

/// Characters in `text` (Unicode scalar values, as `text.chars().count()`): its bytes less its
/// UTF-8 continuation bytes (`0b10xx_xxxx`), counted eight bytes at a time. In the browser
/// (wasm32) std's count works on 4-byte words; counting every message's characters was ~3% of
/// a stream there.
pub fn count_chars(text: &str) -> usize {
    const HIGH_BITS: u64 = 0x8080_8080_8080_8080;
    let bytes = text.as_bytes();
    let mut words = bytes.chunks_exact(8);
    let mut continuation = 0;
    for word in &mut words {
        let x = u64::from_le_bytes(word.try_into().unwrap_or_default());
        // Bit 7 set and bit 6 clear: `x << 1` brings each byte's bit 6 to its bit 7.
        continuation += (x & !(x << 1) & HIGH_BITS).count_ones() as usize;
    }
    continuation += words.remainder().iter().filter(|&&b| (b as i8) < -64).count();
    bytes.len() - continuation
}

/// Tool names that end a run.
const FINISH_TOOLS: [&str; 4] = ["finish", "submit", "exit_forfeit", "task_complete"];

/// The command mini-swe-agent's agents echo to submit.
const MINI_SWE_AGENT_SUBMIT: &str = "COMPLETE_TASK_AND_SUBMIT_FINAL_OUTPUT";

/// Whether a call ends the run: a finishing tool, or a shell command that submits.
pub fn is_finish_call(call: &ToolCall) -> bool {
    if FINISH_TOOLS.iter().any(|name| call.name.eq_ignore_ascii_case(name)) {
        return true;
    }
    // Both tests need "submit" in the command (any case): most calls are told apart without
    // parsing their arguments.
    if !call.arguments_may_contain(&["submit", "SUBMIT"]) {
        return false;
    }
    let command = call.arguments().get("command").and_then(|c| c.as_str()).unwrap_or("");
    command.contains(MINI_SWE_AGENT_SUBMIT) || command.trim() == "submit"
}

/// Whether a tool result reports an error; see the module doc for the rule.
pub fn is_error_result(message: &Message) -> bool {
    let text = message.content.as_str();
    let body = text.trim_start();
    let body = body.strip_prefix("OBSERVATION:").unwrap_or(body).trim_start();
    if message.is_error || message.name.as_deref() == Some("error") || body.starts_with("ERROR:") {
        return true;
    }
    // OpenHands prints the exit code on the output's last line; mini-swe-agent puts
    // `<returncode>` first. Looking only there keeps `exit code 1` inside a printed file from
    // counting, and keeps the check cheap on megabytes of output.
    nonzero_after(tail(text, 256), "exit code ") || nonzero_after(head(text, 64), "<returncode>")
}

/// The last `n` bytes of `text` (or a little more, to stay on a character boundary).
fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    &text[start..]
}

/// The first `n` bytes of `text` (or a little more, to stay on a character boundary).
fn head(text: &str, n: usize) -> &str {
    let mut end = n.min(text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    &text[..end]
}

/// Whether the last occurrence of `marker` in `text` is followed by a non-zero integer.
fn nonzero_after(text: &str, marker: &str) -> bool {
    let Some(at) = memchr::memmem::rfind(text.as_bytes(), marker.as_bytes()) else {
        return false;
    };
    let rest = &text[at + marker.len()..];
    // The number is the run of ASCII digits and `-` after the marker (one byte each).
    let end = rest.bytes().position(|b| !(b.is_ascii_digit() || b == b'-')).unwrap_or(rest.len());
    rest[..end].parse::<i64>().is_ok_and(|code| code != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(text: &str) -> Message {
        Message::new(Role::Tool, text)
    }

    #[test]
    fn error_results() {
        assert!(is_error_result(&tool("x\n[Command finished with exit code 1]")));
        assert!(is_error_result(&tool("[The command completed with exit code 2.]")));
        assert!(is_error_result(&tool("<returncode>127</returncode>\n<output>")));
        assert!(is_error_result(&tool("ERROR:\nInvalid `path` parameter")));
        assert!(is_error_result(&tool("OBSERVATION:\nERROR:\nNo replacement was performed")));
        assert!(!is_error_result(&tool("[Command finished with exit code 0]")));
        assert!(!is_error_result(&tool("<returncode>0</returncode>")));
        assert!(!is_error_result(&tool("all good")));
        // The last exit code counts: a retried command that then succeeds is not an error.
        assert!(!is_error_result(&tool("exit code 1 ... exit code 0")));
        // An exit code printed early in a long output is file content, not the status.
        let long =
            format!("says exit code 1{}\n[Command finished with exit code 0]", "x".repeat(1000));
        assert!(!is_error_result(&tool(&long)));
        assert!(!is_error_result(&tool("é".repeat(300).as_str())));
    }

    proptest::proptest! {
        #[test]
        fn count_chars_is_chars_count(text in "(\\PC|[é✓\u{10348}\n])*") {
            proptest::prop_assert_eq!(count_chars(&text), text.chars().count());
            for cut in 0..text.len().min(9) {
                let tail = &text[text.char_indices().map(|(i, _)| i).find(|&i| i >= cut).unwrap_or(text.len())..];
                proptest::prop_assert_eq!(count_chars(tail), tail.chars().count());
            }
        }
    }
}
