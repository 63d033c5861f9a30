//! The tool-call timeline (one mark per agent step, coloured by tool, errors flagged), the
//! per-tool colour, tool-call arguments as pretty JSON, message search and moving the selected
//! step through a list of messages.

use serde_json::Value;

use crate::domain::filter::contains_ignore_case;
use crate::domain::metrics::is_error_result;
use crate::domain::trajectory::{Message, Role, ToolCall, Trajectory};

/// Colours in the tool palette (count); [`tool_colour_index`] is below this.
pub const N_TOOL_COLOURS: usize = 10;

/// The palette colour of a tool (0 to [`N_TOOL_COLOURS`] - 1): a stable hash of its name, the
/// same on every machine and in every run.
///
/// The hash is 64-bit FNV-1a from the offset basis [`TOOL_HASH_BASIS`], reduced by its upper 32
/// bits. That basis was picked (by search) so that the tools of one harness get distinct colours:
/// OpenHands (`execute_bash`, `str_replace_editor`, `think`, `finish`, `task_tracker`,
/// `execute_ipython_cell`, `browser`), SWE-agent (`bash`, `str_replace_editor`, `submit`, and
/// the older `open`, `goto`, `scroll_down`, `create`, `edit`, `search_dir`, `search_file`,
/// `find_file`) and Anthropic-style (`str_replace_based_edit_tool`, `bash`, `submit`, `think`).
pub fn tool_colour_index(name: &str) -> usize {
    let mut hash = TOOL_HASH_BASIS;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    ((hash >> 32) % N_TOOL_COLOURS as u64) as usize
}

/// The FNV-1a offset basis of [`tool_colour_index`] (the standard one plus 0x853).
pub const TOOL_HASH_BASIS: u64 = 0xcbf2_9ce4_8422_2b78;

/// One mark of the timeline: an assistant message and what its calls did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimelineMark {
    /// Index of the assistant message.
    pub message_idx: usize,
    /// The names of its tool calls, in order (empty for a message without calls).
    pub tools: Vec<String>,
    /// The palette colour of its first tool; `None` when it calls no tool.
    pub colour: Option<usize>,
    /// Indexes of the messages holding its results, in order.
    pub result_idxs: Vec<usize>,
    /// Results that report an error (count); see `metrics::is_error_result`.
    pub n_errors: usize,
    /// Calls without a linked result (count).
    pub n_unanswered: usize,
}

impl TimelineMark {
    /// A short description: `#12 execute_bash, str_replace_editor (1 error)`.
    pub fn label(&self) -> String {
        let mut label = format!("#{}", self.message_idx);
        if self.tools.is_empty() {
            label.push_str(" no tool call");
        } else {
            label.push(' ');
            label.push_str(&self.tools.join(", "));
        }
        match self.n_errors {
            0 => {}
            1 => label.push_str(" (1 error)"),
            n => label.push_str(&format!(" ({n} errors)")),
        }
        label
    }
}

/// One mark per assistant message, in order.
pub fn timeline(trajectory: &Trajectory) -> Vec<TimelineMark> {
    let messages = &trajectory.messages;
    messages
        .iter()
        .enumerate()
        .filter(|(_, message)| message.role == Role::Assistant)
        .map(|(message_idx, message)| {
            let mut result_idxs: Vec<usize> =
                message.tool_calls.iter().filter_map(|call| call.result_idx).collect();
            result_idxs.sort_unstable();
            result_idxs.dedup();
            let n_errors = result_idxs
                .iter()
                .filter(|&&idx| messages.get(idx).is_some_and(is_error_result))
                .count();
            TimelineMark {
                message_idx,
                tools: message.tool_calls.iter().map(|call| call.name.clone()).collect(),
                colour: message.tool_calls.first().map(|call| tool_colour_index(&call.name)),
                result_idxs,
                n_errors,
                n_unanswered: message.tool_calls.iter().filter(|c| c.result_idx.is_none()).count(),
            }
        })
        .collect()
}

/// A call's arguments for reading: pretty-printed JSON, or the raw text when the arguments are
/// not JSON (kept as a JSON string by the normalizer).
pub fn pretty_arguments(call: &ToolCall) -> String {
    match call.arguments() {
        Value::String(raw) => raw.clone(),
        Value::Null if call.raw_arguments.trim().is_empty() => String::new(),
        value => serde_json::to_string_pretty(value).unwrap_or_else(|_| call.raw_arguments.clone()),
    }
}

/// Whether a message contains `needle` (case-insensitive) in its text, its reasoning, or its
/// tool calls' names and arguments. The empty needle matches every message.
pub fn message_matches(message: &Message, needle: &str) -> bool {
    contains_ignore_case(&message.content, needle)
        || message.reasoning.as_deref().is_some_and(|r| contains_ignore_case(r, needle))
        || message.name.as_deref().is_some_and(|n| contains_ignore_case(n, needle))
        || message.tool_calls.iter().any(|call| {
            contains_ignore_case(&call.name, needle)
                || contains_ignore_case(&call.raw_arguments, needle)
        })
}

/// The step after (`forward`) or before the current one among `shown` (message indexes in
/// increasing order). With no current step, the first shown message either way; at either end,
/// the end. `None` only when nothing is shown.
pub fn step_after(shown: &[usize], current: Option<usize>, forward: bool) -> Option<usize> {
    let Some(current) = current else { return shown.first().copied() };
    let found = if forward {
        shown.iter().find(|&&idx| idx > current)
    } else {
        shown.iter().rev().find(|&&idx| idx < current)
    };
    match found {
        Some(&idx) => Some(idx),
        None if shown.contains(&current) => Some(current),
        None if forward => shown.last().copied(),
        None => shown.first().copied(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps() {
        let shown = [1, 4, 9];
        assert_eq!(step_after(&shown, None, true), Some(1));
        assert_eq!(step_after(&shown, None, false), Some(1));
        assert_eq!(step_after(&shown, Some(1), true), Some(4));
        assert_eq!(step_after(&shown, Some(5), true), Some(9));
        assert_eq!(step_after(&shown, Some(9), true), Some(9));
        assert_eq!(step_after(&shown, Some(5), false), Some(4));
        assert_eq!(step_after(&shown, Some(1), false), Some(1));
        assert_eq!(step_after(&shown, Some(0), false), Some(1));
        assert_eq!(step_after(&shown, Some(10), true), Some(9));
        assert_eq!(step_after(&[], Some(3), true), None);
    }

    #[test]
    fn tools_of_one_harness_get_distinct_colours() {
        let harnesses: [&[&str]; 4] = [
            &[
                "execute_bash",
                "str_replace_editor",
                "think",
                "finish",
                "task_tracker",
                "execute_ipython_cell",
                "browser",
            ],
            &["bash", "str_replace_editor", "submit"],
            &[
                "open",
                "goto",
                "scroll_down",
                "create",
                "edit",
                "search_dir",
                "search_file",
                "find_file",
                "submit",
            ],
            &["str_replace_based_edit_tool", "bash", "submit", "think"],
        ];
        for tools in harnesses {
            let mut colours: Vec<usize> = tools.iter().map(|t| tool_colour_index(t)).collect();
            colours.sort_unstable();
            colours.dedup();
            assert_eq!(colours.len(), tools.len(), "{tools:?}");
        }
        assert_eq!(tool_colour_index("execute_bash"), 3);
    }

    #[test]
    fn colours_are_stable_and_in_range() {
        for name in ["execute_bash", "str_replace_editor", "think", "finish", "", "ß"] {
            let colour = tool_colour_index(name);
            assert!(colour < N_TOOL_COLOURS);
            assert_eq!(colour, tool_colour_index(name));
        }
    }
}
