//! AutoCodeRover conversations with their API-call logs.
//!
//! Not read yet: every detector here answers "does not fit".

use super::ObjectAdapter;
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const CONVERSATION: ObjectAdapter = ObjectAdapter {
    format: Format::AutoCodeRover,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
