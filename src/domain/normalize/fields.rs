//! The non-conversation fields of an object row: identifiers, outcome, exit status, patches,
//! declared tools, and everything else as metadata.
//!
//! Field names follow the dataset cards: Open-SWE-Traces (`instance_id`, `repo`, `language`,
//! `license`, `trajectory_id`, `resolved` as 1/0/-1, `tools` as JSON strings, `metadata` with
//! `model_patch`, `reference_patch`, `teacher_model`), SWE-Zero/SWE-Hero (`model_patch`),
//! nebius (`target`, `generated_patch`, `exit_status`), SWE-Gym (`test_result.git_patch`,
//! `test_result.report.resolved`), SWE-smith (`patch`, `traj_id`, `model`), SWE-agent `.traj`
//! (`info.submission`, `info.exit_status`).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::json::{self, Loc};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Identifiers, Outcome, PatchText, ToolSpec, Trajectory};

/// Where the agent's final patch may be, in order of preference.
pub(crate) const FINAL_PATCH_FIELDS: [&[&str]; 10] = [
    &["metadata", "model_patch", "patch"],
    &["metadata", "model_patch"],
    &["model_patch", "patch"],
    &["model_patch"],
    &["generated_patch"],
    &["patch"],
    &["test_result", "git_patch"],
    &["info", "submission"],
    &["submission"],
    &["git_patch"],
];

/// Where the gold (reference) patch may be, in order of preference.
pub(crate) const REFERENCE_PATCH_FIELDS: [&[&str]; 6] = [
    &["metadata", "reference_patch", "patch"],
    &["metadata", "reference_patch"],
    &["reference_patch", "patch"],
    &["reference_patch"],
    &["gold_patch"],
    // The SWE-bench task record an OpenHands evaluation row keeps.
    &["instance", "patch"],
];

/// Where an outcome label may be, in order of preference.
const OUTCOME_FIELDS: [&[&str]; 7] = [
    &["resolved"],
    &["is_resolved"],
    &["target"],
    &["success"],
    &["test_result", "report", "resolved"],
    &["metadata", "resolved"],
    &["report", "resolved"],
];

/// Reads identifiers, outcome, patches and tools from what is left of the row, then keeps the
/// rest as metadata.
pub(super) fn read_fields(mut map: Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.ids = read_identifiers(&mut map);
    trajectory.outcome = read_outcome(&mut map, &mut trajectory.diagnostics);
    trajectory.exit_status = json::take_string(&mut map, &["exit_status"])
        .or_else(|| json::take_string(&mut map, &["info", "exit_status"]));
    // A patch the format's adapter found (a search tree's file context) stays when no column
    // holds one.
    if let Some(patch) = take_patch(&mut map, &FINAL_PATCH_FIELDS) {
        trajectory.final_patch = Some(patch);
    }
    trajectory.reference_patch = take_patch(&mut map, &REFERENCE_PATCH_FIELDS);
    if let Some(tools) = map.remove("tools") {
        trajectory.tools = read_tools(tools, &mut trajectory.diagnostics);
    }
    trajectory.metadata = flatten_metadata(map);
}

fn read_identifiers(map: &mut Map<String, Value>) -> Identifiers {
    let mut first = |keys: &[&str]| keys.iter().find_map(|key| json::take_string(map, &[key]));
    let instance_id = first(&["instance_id", "task_id", "problem_id"]);
    let trajectory_id = first(&["trajectory_id", "traj_id", "run_id", "id"]);
    let repo = first(&["repo", "repository", "repo_name"]);
    let language = first(&["language", "lang"]);
    let license = first(&["license", "licence"]);
    let model = first(&["model", "model_name", "model_name_or_path"]).or_else(|| {
        json::get(map, &["metadata", "teacher_model", "name"])
            .or_else(|| json::get(map, &["teacher_model", "name"]))
            .and_then(Value::as_str)
            .map(str::to_owned)
    });
    let repo = repo.or_else(|| instance_id.as_deref().and_then(repo_from_instance_id));
    Identifiers { instance_id, trajectory_id, repo, language, license, model }
}

/// Derives `owner/name` from a SWE-bench-style instance id: `owner__name-1234` (SWE-bench,
/// SWE-Gym, SWE-rebench) or `owner__name.abc123.mutation` (SWE-smith).
pub fn repo_from_instance_id(instance_id: &str) -> Option<String> {
    let (owner, rest) = instance_id.split_once("__")?;
    // SWE-Gym and nebius add a run suffix: `owner__name-1234_3`.
    let rest = match rest.rsplit_once('_') {
        Some((head, run)) if !run.is_empty() && run.chars().all(|c| c.is_ascii_digit()) => head,
        _ => rest,
    };
    let name = match rest.split_once('.') {
        Some((name, _)) => name,
        None => rest.rsplit_once('-').filter(|(_, n)| n.chars().all(|c| c.is_ascii_digit()))?.0,
    };
    let valid = |s: &str| {
        !s.is_empty()
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    (valid(owner) && valid(name)).then(|| format!("{owner}/{name}"))
}

fn read_outcome(map: &mut Map<String, Value>, diagnostics: &mut Vec<Diagnostic>) -> Outcome {
    for path in OUTCOME_FIELDS {
        let Some(value) = json::get(map, path) else { continue };
        let outcome = match value {
            Value::Null => continue,
            Value::Bool(true) => Outcome::Resolved,
            Value::Bool(false) => Outcome::Failed,
            Value::Number(n) => match n.as_f64() {
                Some(1.0) => Outcome::Resolved,
                Some(0.0) => Outcome::Failed,
                _ => Outcome::Unknown,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "1" | "resolved" | "yes" | "pass" | "passed" | "success" => {
                    Outcome::Resolved
                }
                "false" | "0" | "failed" | "no" | "fail" | "unresolved" => Outcome::Failed,
                _ => Outcome::Unknown,
            },
            other => {
                diagnostics.push(Diagnostic::warning(
                    "bad_outcome",
                    format!("/{}", path.join("/")),
                    format!("an outcome label that is {}; read as unknown", json::describe(other)),
                ));
                Outcome::Unknown
            }
        };
        // Nested labels (`test_result.report.resolved`) stay in the metadata with their report.
        if path.len() == 1 {
            json::take(map, path);
        }
        return outcome;
    }
    Outcome::Unknown
}

fn take_patch(map: &mut Map<String, Value>, candidates: &[&[&str]]) -> Option<PatchText> {
    candidates.iter().find_map(|path| {
        let text = json::take_string(map, path)?;
        Some(PatchText { text, field: path.join("."), inferred: false })
    })
}

/// Reads declared tools: a list (or a JSON string of a list) whose items are tool objects or
/// JSON strings of tool objects (Open-SWE-Traces stores each as a string).
fn read_tools(tools: Value, diagnostics: &mut Vec<Diagnostic>) -> Vec<ToolSpec> {
    let tools_path = Loc::Root.key("tools");
    let items = match json::parse_if_string(tools, &tools_path) {
        Ok(Value::Array(items)) => items,
        Ok(Value::Null) => return Vec::new(),
        Ok(other) => {
            diagnostics.push(Diagnostic::warning(
                "bad_tool",
                "/tools",
                format!("`tools` is {}, not a list; ignored", json::describe(&other)),
            ));
            return Vec::new();
        }
        Err(diagnostic) => {
            diagnostics.push(diagnostic);
            return Vec::new();
        }
    };
    let mut specs = Vec::with_capacity(items.len());
    for (idx, item) in items.into_iter().enumerate() {
        let item_path = tools_path.index(idx);
        // A definition stored as JSON text: its name is read without building the whole
        // value (see `ToolSpec::with_json_text`); anything unusual takes the general path.
        let item = match item {
            Value::String(text) => match name_of_tool_text(&text) {
                Some(name) => {
                    specs.push(ToolSpec::with_json_text(name, text));
                    continue;
                }
                None => Value::String(text),
            },
            other => other,
        };
        let path = item_path.to_string();
        let definition = match json::parse_if_string(item, &item_path) {
            Ok(definition @ Value::Object(_)) => definition,
            Ok(other) => {
                diagnostics.push(Diagnostic::warning(
                    "bad_tool",
                    path,
                    format!("a tool must be an object, found {}; skipped", json::describe(&other)),
                ));
                continue;
            }
            Err(diagnostic) => {
                diagnostics.push(diagnostic);
                continue;
            }
        };
        let function = definition.get("function").filter(|f| f.is_object()).unwrap_or(&definition);
        let Some(name) = json::str_field(function, "name").map(str::to_owned) else {
            diagnostics.push(Diagnostic::warning(
                "bad_tool",
                path,
                "a tool without a name; skipped",
            ));
            continue;
        };
        specs.push(ToolSpec::new(name, definition));
    }
    specs
}

/// The name of a tool definition given as JSON text, when the text is an object whose
/// function has a string name (see [`ToolHead`]).
fn name_of_tool_text(text: &str) -> Option<String> {
    let head = serde_json::from_str::<ToolHead<'_>>(text).ok()?;
    let function = head.function.unwrap_or(FunctionHead { name: head.name });
    function.name.map(Cow::into_owned)
}

/// The name of a tool definition given as JSON text: `function.name` when `function` is an
/// object, else `name`. Parsing into this checks the whole text and keeps only the names.
#[derive(serde::Deserialize)]
struct ToolHead<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    function: Option<FunctionHead<'a>>,
}

#[derive(serde::Deserialize)]
struct FunctionHead<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
}

/// The rest of the row as metadata; the members of a `metadata` object are merged in at top
/// level (a member whose name is already taken keeps a `metadata.` prefix).
fn flatten_metadata(mut map: Map<String, Value>) -> Map<String, Value> {
    if let Some(Value::Object(inner)) = map.remove("metadata") {
        for (key, value) in inner {
            if map.contains_key(&key) {
                map.insert(format!("metadata.{key}"), value);
            } else {
                map.insert(key, value);
            }
        }
    }
    map
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_from_swe_bench_and_swe_smith_ids() {
        let repo = |id| repo_from_instance_id(id);
        assert_eq!(repo("Project-MONAI__MONAI-5686").as_deref(), Some("Project-MONAI/MONAI"));
        assert_eq!(repo("python-attrs__attrs-770").as_deref(), Some("python-attrs/attrs"));
        assert_eq!(repo("arrow-py__arrow.1d70d009.func_x").as_deref(), Some("arrow-py/arrow"));
        assert_eq!(repo("getmoto__moto-5200_3").as_deref(), Some("getmoto/moto"));
        assert_eq!(repo("plain-id"), None);
    }
}
