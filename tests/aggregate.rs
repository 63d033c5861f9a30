//! Dataset aggregates over every fixture: the counts reconcile with the per-trajectory metrics.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use trajex::domain::aggregate::DatasetSummary;
use trajex::domain::TrajectoryMetrics;

#[test]
fn summary_over_every_fixture() {
    let mut summary = DatasetSummary::default();
    let mut n_tool_calls = 0u64;
    for file in common::FIXTURES {
        for trajectory in common::trajectories(file) {
            let metrics = TrajectoryMetrics::of(&trajectory);
            n_tool_calls += metrics.n_tool_calls as u64;
            summary.add(&trajectory, &metrics);
        }
    }
    assert_eq!(summary.n_trajectories, 28);
    // Every labelled row in the fixtures is resolved; SWE-Play, .traj and mini-swe-agent rows
    // carry no label.
    assert_eq!(
        (summary.outcomes.resolved, summary.outcomes.failed, summary.outcomes.unknown),
        (20, 0, 8)
    );
    assert_eq!(summary.outcomes.resolved_rate(), Some(1.0));
    assert_eq!(summary.tool_calls_by_name.values().sum::<u64>(), n_tool_calls);
    assert_eq!(summary.tool_calls.sum, n_tool_calls);
    assert_eq!(summary.turns.n, 28);
    assert_eq!(summary.formats["openai_tool_calls"], 10);
    assert_eq!(summary.formats["xml_function_calls"], 10);
    assert_eq!(summary.formats["swe_agent_text"], 5);
    assert_eq!(summary.formats["swe_agent_traj"], 2);
    assert_eq!(summary.formats["markdown_bash"], 1);
    assert_eq!(summary.languages.values().sum::<u64>(), 28);
    assert_eq!(summary.outcome_by_source.len(), 7, "one entry per file");
    // Patches: SWE-Play rows have none, two SWE-smith patches are empty.
    assert_eq!(summary.n_with_patch, 28 - 5 - 2);
    assert_eq!(summary.patch_lines.n, summary.n_with_patch);
    assert_eq!(summary.patch_files.n, summary.n_with_patch);
    // Every file of every patch is counted once under its extension.
    assert_eq!(summary.patch_files.sum, summary.patch_extensions.values().sum::<u64>());
    assert!(summary.patch_extensions["py"] > 0);
    let bins = summary.tokens.bins();
    assert_eq!(bins.iter().map(|b| b.count).sum::<u64>(), 28);
}
