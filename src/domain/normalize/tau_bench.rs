//! tau-bench result records: `task_id`, `reward`, `traj`.
//!
//! Not read yet: every detector here answers "does not fit".

use super::ObjectAdapter;
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const RECORD: ObjectAdapter = ObjectAdapter {
    format: Format::TauBench,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};
