//! OpenHands (V0) run outputs: one `output.jsonl` row per task, whose `history` is the run's
//! event log (read by `openhands::read_events`).
//!
//! Two harnesses write such rows:
//! - the evaluation harness (`evaluation/utils/shared.py`, `EvalOutput`): `instance_id`,
//!   `instruction`, `instance` (the benchmark's task record; for SWE-bench `repo`, `patch` = the
//!   gold patch, `problem_statement`, ...), `test_result` (for SWE-bench `git_patch`, and after
//!   evaluation `report.resolved`), `metadata` (`EvalMetadata`: `agent_class`, `llm_config.model`
//!   (older: `model_name`), `max_iterations`, `dataset`, ...), `history` (events; older versions:
//!   `[action, observation]` pairs), `metrics` (`accumulated_cost`, `accumulated_token_usage`,
//!   `costs`, `response_latencies`, `token_usages`), `error`, `llm_completions`;
//! - the issue resolver (`openhands/resolver/resolver_output.py`, `ResolverOutput`): `issue`
//!   (`owner`, `repo`, `number`, `title`, `body`), `issue_type`, `instruction`, `base_commit`,
//!   `git_patch`, `history`, `metrics`, `success`, `result_explanation`, `error`.
//!
//! Mapping: the final patch is `test_result.git_patch` (evaluation) or `git_patch` (resolver),
//! the reference patch `instance.patch`, the outcome `test_result.report.resolved` (or the
//! resolver's `success`, or a benchmark's boolean `correct` when no report says), the model
//! `metadata.llm_config.model` (else `metadata.model_name`, else the model responses'); `metrics`
//! becomes `cost_usd`, `input_tokens`, `output_tokens`, `cache_read_tokens`, `cache_write_tokens`
//! and `n_llm_calls` (over the event figures); `llm_completions` (raw prompts) is kept as its
//! count `n_llm_completions`; the resolver's issue gives `repo` (`owner/name`) and an instance id
//! `owner/name#number`. The rest of the row goes to the metadata as usual.

use serde_json::{Map, Value};

use super::json::{self, Loc};
use super::{openhands, ObjectAdapter};
use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{Format, Trajectory};

/// The `output.jsonl` row adapter (evaluation and resolver).
pub(super) const OUTPUT: ObjectAdapter =
    ObjectAdapter { format: Format::OpenHandsEvents, misfit, read: read_output };

/// The members that may hold a run's event log: `history` (evaluation and resolver rows) and
/// `trajectory` (the server's `/trajectory` answer, `{"trajectory": [...]}`).
const LOG_KEYS: [&str; 2] = ["history", "trajectory"];

/// The member holding the event log: the first of [`LOG_KEYS`] that is an OpenHands event
/// list, or an empty `history` beside the evaluation's `test_result` or the resolver's `issue`
/// (a run that failed before its first event).
fn log_key(map: &Map<String, Value>) -> Option<&'static str> {
    LOG_KEYS.into_iter().find(|key| match map.get(*key) {
        Some(Value::Array(items)) if openhands::is_event_log(items) => true,
        Some(Value::Array(items)) => {
            *key == "history"
                && items.is_empty()
                && (map.contains_key("test_result") || map.contains_key("issue"))
        }
        _ => false,
    })
}

/// `None` when the row holds an OpenHands event log (see [`log_key`]).
fn misfit(map: &Map<String, Value>) -> Option<String> {
    if log_key(map).is_some() {
        return None;
    }
    Some(match map.get("history") {
        Some(Value::Array(_)) => "`history` is not a list of OpenHands events".into(),
        _ => "no `history` list of OpenHands events".into(),
    })
}

/// Reads an output row: the history into messages, the rest into the fields `fields` reads
/// (patches, outcome, model, usage), leaving what stays metadata in `map`.
fn read_output(map: &mut Map<String, Value>, trajectory: &mut Trajectory) {
    trajectory.format = Format::OpenHandsEvents;
    let key = log_key(map).unwrap_or("history");
    let history_path = Loc::Root.key(key);
    let usage = match map.remove(key) {
        Some(Value::Array(items)) if !items.is_empty() => {
            openhands::read_events(items, &history_path, trajectory)
        }
        _ => {
            trajectory.diagnostics.push(Diagnostic::error(
                "no_messages",
                history_path.to_string(),
                format!("the `{key}` list is empty: the run recorded no events"),
            ));
            openhands::EventUsage::default()
        }
    };

    let model = json::get(map, &["metadata", "llm_config", "model"])
        .or_else(|| json::get(map, &["metadata", "model_name"]))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| usage.model.clone());
    if let Some(model) = model {
        map.entry("model").or_insert(Value::String(model));
    }
    for (key, value) in usage.entries() {
        map.entry(key).or_insert(value);
    }
    match map.remove("metrics") {
        Some(Value::Object(metrics)) => read_metrics(metrics, map, &mut trajectory.diagnostics),
        Some(Value::Null) | None => {}
        Some(other) => {
            trajectory.diagnostics.push(Diagnostic::warning(
                "bad_metrics",
                "/metrics",
                format!("`metrics` is {}, not an object; kept as it is", json::describe(&other)),
            ));
            map.insert("metrics".to_owned(), other);
        }
    }
    if let Some(completions) = map.remove("llm_completions") {
        match completions {
            Value::Array(items) => {
                map.insert("n_llm_completions".to_owned(), Value::from(items.len()));
            }
            Value::Null => {}
            other => {
                map.insert("llm_completions".to_owned(), other);
            }
        }
    }
    read_instance(map);
    read_issue(map);
    // A benchmark's own verdict (Gorilla's `correct`), when no report says.
    let has_outcome =
        ["resolved", "success"].iter().any(|k| map.get(*k).is_some_and(|v| !v.is_null()))
            || json::get(map, &["test_result", "report", "resolved"]).is_some_and(|v| !v.is_null())
            || json::get(map, &["report", "resolved"]).is_some_and(|v| !v.is_null());
    if !has_outcome {
        if let Some(correct @ Value::Bool(_)) = map.get("correct").cloned() {
            map.insert("resolved".to_owned(), correct);
        }
    }
}

/// `metrics` (OpenHands' `Metrics.get()`): the accumulated cost and token usage become the
/// metadata's `cost_usd`, `input_tokens`, `output_tokens`, `cache_read_tokens`,
/// `cache_write_tokens`; the per-call lists become `n_llm_calls`; other members stay under
/// `metrics`.
fn read_metrics(
    mut metrics: Map<String, Value>,
    map: &mut Map<String, Value>,
    diagnostics: &mut Vec<Diagnostic>,
) {
    match metrics.remove("accumulated_cost") {
        Some(Value::Number(cost)) => {
            map.insert("cost_usd".to_owned(), Value::Number(cost));
        }
        Some(Value::Null) | None => {}
        Some(other) => {
            diagnostics.push(Diagnostic::warning(
                "bad_metrics",
                "/metrics/accumulated_cost",
                format!("the cost is {}, not a number; ignored", json::describe(&other)),
            ));
        }
    }
    let mut usage = match metrics.remove("accumulated_token_usage") {
        Some(Value::Object(usage)) => Some(usage),
        _ => None,
    };
    let token_usages = match metrics.remove("token_usages") {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    // Older metrics have no accumulated usage: the sum of the per-call usages.
    if usage.is_none() && !token_usages.is_empty() {
        let mut sum = Map::new();
        for key in ["prompt_tokens", "completion_tokens", "cache_read_tokens", "cache_write_tokens"]
        {
            let total: u64 =
                token_usages.iter().filter_map(|u| u.get(key).and_then(Value::as_u64)).sum();
            sum.insert(key.to_owned(), Value::from(total));
        }
        usage = Some(sum);
    }
    if let Some(usage) = usage {
        for (from, to) in [
            ("prompt_tokens", "input_tokens"),
            ("completion_tokens", "output_tokens"),
            ("cache_read_tokens", "cache_read_tokens"),
            ("cache_write_tokens", "cache_write_tokens"),
        ] {
            if let Some(count @ Value::Number(_)) = usage.get(from) {
                map.insert(to.to_owned(), count.clone());
            }
        }
    }
    let n_calls = [metrics.remove("response_latencies"), metrics.remove("costs")]
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_array().map(Vec::len))
        .chain((!token_usages.is_empty()).then_some(token_usages.len()))
        .max();
    if let Some(n) = n_calls {
        map.insert("n_llm_calls".to_owned(), Value::from(n));
    }
    if !metrics.is_empty() {
        map.insert("metrics".to_owned(), Value::Object(metrics));
    }
}

/// A non-empty string member of an object.
fn string_of(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key)?.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// The benchmark's task record (`instance`): its `repo` and `instance_id` when the row has none
/// (its gold `patch` is read as the reference patch from `instance.patch`).
fn read_instance(map: &mut Map<String, Value>) {
    let Some(Value::Object(instance)) = map.get("instance") else { return };
    let repo = string_of(instance, "repo");
    let instance_id = string_of(instance, "instance_id");
    if let Some(repo) = repo {
        map.entry("repo").or_insert(Value::String(repo));
    }
    if let Some(id) = instance_id {
        map.entry("instance_id").or_insert(Value::String(id));
    }
}

/// The resolver's `issue`: `repo` = `owner/name` and instance id `owner/name#number`, when the
/// row has none.
fn read_issue(map: &mut Map<String, Value>) {
    let Some(Value::Object(issue)) = map.get("issue") else { return };
    let (Some(owner), Some(name)) = (string_of(issue, "owner"), string_of(issue, "repo")) else {
        return;
    };
    let repo = format!("{owner}/{name}");
    let id = match issue.get("number") {
        Some(Value::Number(n)) => Some(format!("{repo}#{n}")),
        Some(Value::String(n)) if !n.is_empty() => Some(format!("{repo}#{n}")),
        _ => None,
    };
    map.entry("repo").or_insert(Value::String(repo));
    if let Some(id) = id {
        map.entry("instance_id").or_insert(Value::String(id));
    }
}
