//! Codex CLI rollout JSONL: one item per line.
//!
//! Not read yet: every detector here answers "does not fit".

use super::{ArrayAdapter, LineEvents};
use crate::domain::trajectory::Format;

/// The list adapter.
pub(super) const ITEMS: ArrayAdapter = ArrayAdapter {
    format: Format::CodexRollout,
    misfit: |_| Some("not read yet".into()),
    read: |_, _, _| {},
};

/// The line-event detector.
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::CodexRollout, is_event: |_| false, session_key: |_| None };
