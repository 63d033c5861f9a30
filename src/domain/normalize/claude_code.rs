//! Claude Code session JSONL: one event per line.
//!
//! Not read yet: every detector here answers "does not fit".

use super::{ArrayAdapter, LineEvents};
use crate::domain::trajectory::Format;

/// The list adapter.
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::ClaudeCode,
    misfit: |_| Some("not read yet".into()),
    read: |_, _, _| {},
};

/// The line-event detector.
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::ClaudeCode, is_event: |_| false, session_key: |_| None };
