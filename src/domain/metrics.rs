//! Per-trajectory metrics: plain numbers computed from a [`Trajectory`], with stable snake_case
//! names (the field names below) used in `trajex inspect` output, URLs and the UI.
//!
//! Counts are `n_*`; character counts are Unicode scalar values (`char`s), not bytes.

use std::collections::BTreeMap;

use crate::domain::trajectory::{Role, Trajectory};

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
    /// Diagnostics raised while reading the row (count).
    pub n_diagnostics: usize,
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
            metrics.chars_by_role[role_idx] += message.content.chars().count();
            metrics.reasoning_chars +=
                message.reasoning.as_deref().map_or(0, |r| r.chars().count());
            if message.result_of.is_some() {
                metrics.n_tool_results += 1;
            }
            for call in &message.tool_calls {
                metrics.n_tool_calls += 1;
                metrics.n_inferred_tool_calls += usize::from(call.inferred);
                metrics.n_unanswered_tool_calls += usize::from(call.result_idx.is_none());
                metrics.tool_call_chars += call.raw_arguments.chars().count();
                *metrics.tool_calls_by_name.entry(call.name.clone()).or_default() += 1;
            }
        }
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
