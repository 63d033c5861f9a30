//! Small helpers for reading untrusted `serde_json::Value`s: paths, strings held as JSON text,
//! short descriptions for diagnostics.

use serde_json::{Map, Value};

use crate::domain::diagnostic::Diagnostic;

/// A location inside a row, rendered as a JSON-pointer-like path (`/messages/3/tool_calls/0`)
/// only when a diagnostic needs it, so reading a row allocates no path strings.
#[derive(Clone, Copy, Debug)]
pub(super) enum Loc<'a> {
    /// The row itself (renders as the empty string).
    Root,
    /// A member of an object.
    Key(&'a Loc<'a>, &'a str),
    /// An element of a list.
    Index(&'a Loc<'a>, usize),
}

impl<'a> Loc<'a> {
    /// The member `key` of this location.
    pub(super) fn key(&'a self, key: &'a str) -> Loc<'a> {
        Loc::Key(self, key)
    }

    /// The element `idx` of this location.
    pub(super) fn index(&'a self, idx: usize) -> Loc<'a> {
        Loc::Index(self, idx)
    }
}

impl std::fmt::Display for Loc<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Root => Ok(()),
            Loc::Key(parent, key) => write!(f, "{parent}/{key}"),
            Loc::Index(parent, idx) => write!(f, "{parent}/{idx}"),
        }
    }
}

/// A short description of a value's kind for diagnostics (`a number (42)`, `a string`).
pub(super) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => format!("a boolean ({b})"),
        Value::Number(n) => format!("a number ({n})"),
        Value::String(s) => format!("a string of {} bytes", s.len()),
        Value::Array(items) => format!("a list of {} items", items.len()),
        Value::Object(map) if map.is_empty() => "an empty object".to_owned(),
        Value::Object(map) => format!("an object with {} fields", map.len()),
    }
}

/// When `value` is a string holding JSON (a list or an object), parses it; other values are
/// returned as they are. A string that starts like JSON but does not parse is an error.
pub(super) fn parse_if_string(value: Value, path: &Loc<'_>) -> Result<Value, Diagnostic> {
    match value {
        Value::String(text) if starts_like_json(&text) => {
            serde_json::from_str(&text).map_err(|err| {
                Diagnostic::error("bad_json_string", path.to_string(), format!("not JSON: {err}"))
            })
        }
        Value::String(text) => Err(Diagnostic::error(
            "bad_json_string",
            path.to_string(),
            format!("expected a list, found a string of {} bytes", text.len()),
        )),
        other => Ok(other),
    }
}

/// Whether text starts (after white space) with `[` or `{`.
pub(super) fn starts_like_json(text: &str) -> bool {
    matches!(text.trim_start().as_bytes().first(), Some(b'[' | b'{'))
}

/// The value at a dotted path of object keys.
pub(super) fn get<'a>(map: &'a Map<String, Value>, path: &[&str]) -> Option<&'a Value> {
    let (last, parents) = path.split_last()?;
    let mut current = map;
    for key in parents {
        current = current.get(*key)?.as_object()?;
    }
    current.get(*last)
}

/// Removes and returns the value at a dotted path of object keys.
pub(super) fn take(map: &mut Map<String, Value>, path: &[&str]) -> Option<Value> {
    let (last, parents) = path.split_last()?;
    let mut current = map;
    for key in parents {
        current = current.get_mut(*key)?.as_object_mut()?;
    }
    current.remove(*last)
}

/// Removes and returns a string at `path` (numbers are written out); other kinds stay in place.
pub(super) fn take_string(map: &mut Map<String, Value>, path: &[&str]) -> Option<String> {
    match get(map, path)? {
        Value::String(_) | Value::Number(_) => {}
        _ => return None,
    }
    match take(map, path)? {
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A string field of an object, borrowed.
pub(super) fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key)?.as_str()
}

/// Takes a string out of an owned value (other kinds give `None`).
pub(super) fn into_string(value: Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The warning for an item of a list that had to be an object and is not: `what` names the
/// item (`a message`, `a session line`), `code` is the diagnostic's code; the item is skipped.
pub(super) fn not_an_object(
    code: &'static str,
    what: &str,
    path: &Loc<'_>,
    value: &Value,
) -> Diagnostic {
    Diagnostic::warning(
        code,
        path.to_string(),
        format!("{what} must be an object, found {}; skipped", describe(value)),
    )
}
