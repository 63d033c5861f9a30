//! OpenHands V1 software-agent-sdk event streams and LLM-call logs.
//!
//! Not read yet: every detector here answers "does not fit".

use super::{ArrayAdapter, LineEvents, ObjectAdapter};
use crate::domain::trajectory::Format;

/// The list adapter.
pub(super) const EVENTS: ArrayAdapter = ArrayAdapter {
    format: Format::OpenHandsSdkEvents,
    misfit: |_| Some("not read yet".into()),
    read: |_, _, _| {},
};

/// The line-event detector.
pub(super) const LINES: LineEvents =
    LineEvents { format: Format::OpenHandsSdkEvents, is_event: |_| false, session_key: |_| None };

/// The object-row adapter.
pub(super) const LLM_CALL: ObjectAdapter = ObjectAdapter {
    format: Format::OpenAiToolCalls,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
