//! Diagnostics: what the core could not understand, reported as data instead of failures.
//!
//! Parsing and normalizing never fail as a whole (the rust-analyzer rule): they return a value plus
//! a list of [`Diagnostic`]s. This module owns only the diagnostic type; it does not log or print.

use serde::Serialize;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// What the reader decided from the input's shape (lines gathered into one trajectory, a
    /// document split into samples): not a problem, said so that nothing is silent.
    Info,
    /// Something was recovered from (a field in an unexpected shape, a lossy conversion).
    Warning,
    /// Data could not be read: a line that is not JSON, a row with no messages.
    Error,
}

/// One thing the core could not fully understand.
///
/// `location` is a JSON-pointer-like path inside the row (`/messages/3/tool_calls/0`), or empty
/// when the diagnostic is about the whole row or line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Warning or error.
    pub severity: Severity,
    /// A stable snake_case code, for counting and filtering (`invalid_utf8`, `unknown_format`).
    pub code: &'static str,
    /// A sentence for a person, lower-case start, no trailing period.
    pub message: String,
    /// Where inside the row, as a JSON-pointer-like path; empty for the whole row.
    pub location: String,
}

impl Diagnostic {
    /// A warning at `location`.
    pub fn warning(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            code,
            message: message.into(),
            location: location.into(),
        }
    }

    /// A note at `location` on what the reader decided.
    pub fn info(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Info,
            code,
            message: message.into(),
            location: location.into(),
        }
    }

    /// An error at `location`.
    pub fn error(
        code: &'static str,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: location.into(),
        }
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let severity = match self.severity {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        if self.location.is_empty() {
            write!(f, "{severity}[{}]: {}", self.code, self.message)
        } else {
            write!(f, "{severity}[{}] at {}: {}", self.code, self.location, self.message)
        }
    }
}
