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
