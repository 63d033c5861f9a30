//! Helpers shared by the native test files: reading fixture rows and normalizing them.

#![allow(dead_code)]

use std::path::PathBuf;

use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::decode_document;
use trajex::domain::trajectory::{Origin, Trajectory};

/// Every trajectory fixture file, one per source format.
pub const FIXTURES: [&str; 7] = [
    "open_swe_traces/openhands_swegym.jsonl",
    "real/swegym_openhands_sampled_trajectories.jsonl",
    "real/nebius_swe_agent_trajectories.jsonl",
    "real/swe_smith_trajectories.jsonl",
    "real/swe_play_trajectories_xml_calls.jsonl",
    "real/sweagent_traj_files.jsonl",
    "real/mini_swe_agent_traj.jsonl",
];

/// Path of a file under `tests/fixtures`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// The bytes of a fixture file.
pub fn fixture_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixture_path(name)).unwrap_or_else(|err| panic!("reading fixture {name}: {err}"))
}

/// Every row of a fixture file, normalized; panics on a line that does not decode.
pub fn trajectories(name: &str) -> Vec<Trajectory> {
    decode_document(&fixture_bytes(name))
        .into_iter()
        .enumerate()
        .map(|(row_idx, row)| {
            let row = row.unwrap_or_else(|err| panic!("{name}: {err}"));
            normalize_decoded(row, Origin::File { path: name.to_owned() }, row_idx as u64)
        })
        .collect()
}

/// Every trajectory of a file's bytes read as the app and the CLI read a file
/// (`domain::document::read_file`: Parquet, zip archives, JSON text with event lines gathered
/// and many-trajectory documents split), named `path`; panics on a row that does not decode.
pub fn read_as_app(path: &str, bytes: &[u8]) -> Vec<Trajectory> {
    trajex::domain::document::read_file(bytes)
        .into_iter()
        .enumerate()
        .map(|(idx, (_, row))| {
            let row = row.unwrap_or_else(|err| panic!("{path}: {err}"));
            normalize_decoded(row, Origin::File { path: path.to_owned() }, idx as u64)
        })
        .collect()
}

/// Messages per role: system, user, assistant, tool (the metrics' count).
pub fn roles(trajectory: &Trajectory) -> [usize; 4] {
    trajex::domain::TrajectoryMetrics::of(trajectory).n_messages_by_role
}

/// Tool calls per name (the metrics' count).
pub fn calls_by_name(trajectory: &Trajectory) -> std::collections::BTreeMap<String, usize> {
    trajex::domain::TrajectoryMetrics::of(trajectory).tool_calls_by_name
}

/// `(name, count)` pairs as the map [`calls_by_name`] gives.
pub fn names(pairs: &[(&str, usize)]) -> std::collections::BTreeMap<String, usize> {
    pairs.iter().map(|(name, n)| ((*name).to_owned(), *n)).collect()
}

/// Tool messages not linked to any call.
pub fn unlinked_results(trajectory: &Trajectory) -> usize {
    trajectory
        .messages
        .iter()
        .filter(|m| m.role == trajex::domain::Role::Tool && m.result_of.is_none())
        .count()
}

/// Calls with no linked result.
pub fn unanswered_calls(trajectory: &Trajectory) -> usize {
    trajectory.tool_calls().filter(|(_, call)| call.result_idx.is_none()).count()
}

/// The codes of the trajectory's diagnostics of `severity`, in order.
pub fn codes_of(trajectory: &Trajectory, severity: trajex::domain::Severity) -> Vec<&'static str> {
    trajectory.diagnostics.iter().filter(|d| d.severity == severity).map(|d| d.code).collect()
}

/// A metadata member; panics naming the key when absent.
pub fn meta<'a>(trajectory: &'a Trajectory, key: &str) -> &'a serde_json::Value {
    trajectory.metadata.get(key).unwrap_or_else(|| panic!("no metadata `{key}`"))
}

/// Every fixture row (of [`FIXTURES`]) with its metrics, in file and row order.
pub fn fixture_rows() -> Vec<(Trajectory, trajex::domain::TrajectoryMetrics)> {
    FIXTURES
        .iter()
        .flat_map(|file| trajectories(file))
        .map(|t| {
            let m = trajex::domain::TrajectoryMetrics::of(&t);
            (t, m)
        })
        .collect()
}
