//! The `trajex inspect` record: one flat JSON object per trajectory with its source, detected
//! format, identifiers and every metric the core computes.
//!
//! These are serialize-only wire structs, kept apart from the domain types (as ripgrep's JSON
//! printer does) so that the model can change without changing the output. Field names are the
//! metric names of [`TrajectoryMetrics`]; the order of fields is the order below.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::domain::diagnostic::Diagnostic;
use crate::domain::metrics::{PatchFigures, TrajectoryMetrics};
use crate::domain::stream::LineError;
use crate::domain::trajectory::{Role, Trajectory};

/// One line of `trajex inspect` output for a trajectory.
#[derive(Debug, Serialize)]
pub struct InspectRecord<'a> {
    /// The file or split the row came from.
    pub source: String,
    /// Zero-based row index in the source (errors included, so indexes match lines).
    pub row_idx: u64,
    /// One-based line number in a JSONL file.
    pub line_no: Option<u64>,
    /// `Format::as_str` of the detected format.
    pub format: &'static str,
    /// `instance_id` (SWE-bench style).
    pub instance_id: Option<&'a str>,
    /// This run's id.
    pub trajectory_id: Option<&'a str>,
    /// `owner/name` of the task repository.
    pub repo: Option<&'a str>,
    /// Task language.
    pub language: Option<&'a str>,
    /// Task repository licence.
    pub license: Option<&'a str>,
    /// Model that produced the run.
    pub model: Option<&'a str>,
    /// `resolved`, `failed` or `unknown`.
    pub outcome: &'static str,
    /// Harness exit status.
    pub exit_status: Option<&'a str>,
    /// Field holding the final patch (`metadata.model_patch.patch`, ...), if any.
    pub final_patch_field: Option<&'a str>,
    /// Field holding the reference patch, if any.
    pub reference_patch_field: Option<&'a str>,
    /// Messages (count).
    pub n_messages: usize,
    /// System messages (count).
    pub n_system_messages: usize,
    /// User messages (count).
    pub n_user_messages: usize,
    /// Assistant messages (count).
    pub n_assistant_messages: usize,
    /// Tool messages (count).
    pub n_tool_messages: usize,
    /// Agent steps (count).
    pub n_turns: usize,
    /// Tool calls (count).
    pub n_tool_calls: usize,
    /// Tool calls found in text (count).
    pub n_inferred_tool_calls: usize,
    /// Tool calls without a linked result (count).
    pub n_unanswered_tool_calls: usize,
    /// Messages linked as tool results (count).
    pub n_tool_results: usize,
    /// Tool calls per tool name (count).
    pub tool_calls_by_name: &'a BTreeMap<String, usize>,
    /// Characters of system content (chars).
    pub system_chars: usize,
    /// Characters of user content (chars).
    pub user_chars: usize,
    /// Characters of assistant content (chars).
    pub assistant_chars: usize,
    /// Characters of tool content (chars).
    pub tool_chars: usize,
    /// Characters of reasoning (chars).
    pub reasoning_chars: usize,
    /// Characters of tool-call arguments (chars).
    pub tool_call_chars: usize,
    /// All characters: content, reasoning, arguments (chars).
    pub total_chars: usize,
    /// Declared tools (count).
    pub n_tools_declared: usize,
    /// Tool results reporting an error (count).
    pub n_tool_errors: usize,
    /// Estimated tokens: all characters / 4, rounded up (tokens).
    pub est_tokens: usize,
    /// Whether the agent finished by itself (finish/submit call or exit status).
    pub finished: bool,
    /// Whether the final patch was taken from a tool result rather than a column.
    pub final_patch_inferred: bool,
    /// Final patch figures, absent without a final patch.
    pub final_patch: Option<PatchRecord<'a>>,
    /// Reference patch figures, absent without a reference patch.
    pub reference_patch: Option<PatchRecord<'a>>,
    /// Diagnostics (count).
    pub n_diagnostics: usize,
    /// The diagnostics themselves.
    pub diagnostics: &'a [Diagnostic],
}

impl<'a> InspectRecord<'a> {
    /// The record of a trajectory and its metrics.
    pub fn new(trajectory: &'a Trajectory, metrics: &'a TrajectoryMetrics) -> Self {
        let ids = &trajectory.ids;
        InspectRecord {
            source: trajectory.source.origin.to_string(),
            row_idx: trajectory.source.row_idx,
            line_no: trajectory.source.line_no,
            format: trajectory.format.as_str(),
            instance_id: ids.instance_id.as_deref(),
            trajectory_id: ids.trajectory_id.as_deref(),
            repo: ids.repo.as_deref(),
            language: ids.language.as_deref(),
            license: ids.license.as_deref(),
            model: ids.model.as_deref(),
            outcome: trajectory.outcome.as_str(),
            exit_status: trajectory.exit_status.as_deref(),
            final_patch_field: trajectory.final_patch.as_ref().map(|p| p.field.as_str()),
            reference_patch_field: trajectory.reference_patch.as_ref().map(|p| p.field.as_str()),
            n_messages: metrics.n_messages,
            n_system_messages: metrics.n_messages_of(Role::System),
            n_user_messages: metrics.n_messages_of(Role::User),
            n_assistant_messages: metrics.n_messages_of(Role::Assistant),
            n_tool_messages: metrics.n_messages_of(Role::Tool),
            n_turns: metrics.n_turns,
            n_tool_calls: metrics.n_tool_calls,
            n_inferred_tool_calls: metrics.n_inferred_tool_calls,
            n_unanswered_tool_calls: metrics.n_unanswered_tool_calls,
            n_tool_results: metrics.n_tool_results,
            tool_calls_by_name: &metrics.tool_calls_by_name,
            system_chars: metrics.chars_of(Role::System),
            user_chars: metrics.chars_of(Role::User),
            assistant_chars: metrics.chars_of(Role::Assistant),
            tool_chars: metrics.chars_of(Role::Tool),
            reasoning_chars: metrics.reasoning_chars,
            tool_call_chars: metrics.tool_call_chars,
            total_chars: metrics.total_chars(),
            n_tools_declared: metrics.n_tools_declared,
            n_tool_errors: metrics.n_tool_errors,
            est_tokens: metrics.est_tokens,
            finished: metrics.finished,
            final_patch_inferred: trajectory.final_patch.as_ref().is_some_and(|p| p.inferred),
            final_patch: metrics.final_patch.as_ref().map(PatchRecord::new),
            reference_patch: metrics.reference_patch.as_ref().map(PatchRecord::new),
            n_diagnostics: metrics.n_diagnostics,
            diagnostics: &trajectory.diagnostics,
        }
    }
}

/// Figures of one patch in an inspect record.
#[derive(Debug, Serialize)]
pub struct PatchRecord<'a> {
    /// Whether the patch text is empty.
    pub is_empty: bool,
    /// Files changed (count).
    pub n_files: usize,
    /// Hunks (count).
    pub n_hunks: usize,
    /// Lines added (lines).
    pub n_added: usize,
    /// Lines removed (lines).
    pub n_removed: usize,
    /// Files per extension (files).
    pub extensions: &'a BTreeMap<String, usize>,
    /// Files per language (files).
    pub languages: &'a BTreeMap<&'static str, usize>,
    /// Whether a test file is changed.
    pub touches_tests: bool,
    /// Problems found parsing the diff (count).
    pub n_diagnostics: usize,
}

impl<'a> PatchRecord<'a> {
    fn new(figures: &'a PatchFigures) -> Self {
        let stats = &figures.stats;
        PatchRecord {
            is_empty: figures.is_empty,
            n_files: stats.n_files,
            n_hunks: stats.n_hunks,
            n_added: stats.n_added,
            n_removed: stats.n_removed,
            extensions: &stats.extensions,
            languages: &stats.languages,
            touches_tests: stats.touches_tests,
            n_diagnostics: figures.n_diagnostics,
        }
    }
}

/// One line of `trajex inspect` output for a line that could not be decoded.
#[derive(Debug, Serialize)]
pub struct InspectError<'a> {
    /// The file or split the line came from.
    pub source: &'a str,
    /// Zero-based row index in the source.
    pub row_idx: u64,
    /// One-based line number.
    pub line_no: u64,
    /// Offset of the line in the source (bytes).
    pub byte_offset: u64,
    /// What was wrong.
    pub error: &'a str,
}

impl<'a> InspectError<'a> {
    /// The record of a line error.
    pub fn new(source: &'a str, row_idx: u64, error: &'a LineError) -> Self {
        InspectError {
            source,
            row_idx,
            line_no: error.line_no,
            byte_offset: error.byte_offset,
            error: &error.message,
        }
    }
}
