//! Inspect AI eval logs: one trajectory per sample.
//!
//! Not read yet: every detector here answers "does not fit".

use super::{DocumentSplitter, ObjectAdapter};
use crate::domain::trajectory::Format;

/// The object-row adapter.
pub(super) const SAMPLE: ObjectAdapter = ObjectAdapter {
    format: Format::InspectEval,
    misfit: |_| Some("not read yet".into()),
    read: |_, _| {},
};

/// The document splitter.
pub(super) const LOG: DocumentSplitter =
    DocumentSplitter { format: Format::InspectEval, split: Err };
