//! Harbor's Agent Trajectory Interchange Format (ATIF): `schema_version`, `steps`.
//!
//! Not read yet: every detector here answers "does not fit".

use super::ObjectAdapter;
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const TRAJECTORY: ObjectAdapter = ObjectAdapter {
    format: Format::Atif,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
