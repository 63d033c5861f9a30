//! Moatless Tools trajectories.
//!
//! Not read yet: every detector here answers "does not fit".

use super::ObjectAdapter;
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const TRAJECTORY: ObjectAdapter = ObjectAdapter {
    format: Format::Moatless,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
