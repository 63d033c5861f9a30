//! mini-swe-agent trajectories (`trajectory_format` mini-swe-agent-1.x).
//!
//! Not read yet: every detector here answers "does not fit".

use super::ObjectAdapter;
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const TRAJECTORY: ObjectAdapter = ObjectAdapter {
    format: Format::MarkdownBash,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
