//! Row index benchmark: a filter change judged over 100,000 and 500,000 rows on the index's
//! columns (`domain::index::RowIndex::select`), beside the row-by-row judge the page runs today
//! (`Selector::judge` on each row's trajectory and metrics) over the same number of rows, in
//! the same run. The rows are the fixture rows' summaries repeated, each with its own instance
//! id; the judge walks the fixture trajectories round and round (the same cost per row).
//! It also prints the index's heap bytes per row.
//!
//! `cargo bench --bench index`.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use serde_json::Value;
use trajex::domain::filter::{FilterSet, Selector};
use trajex::domain::index::{RowIndex, RowSummary};
use trajex::domain::normalize::normalize;
use trajex::domain::trajectory::{SourceRef, Trajectory};
use trajex::domain::TrajectoryMetrics;

const FILTERS: [&str; 3] = [
    "outcome=resolved&max_tokens=32000&patch=yes",
    "lang=python&tool_calls=20-&tool=execute_bash",
    "instance=django&lang_cap=1000&flagged=no",
];

fn fixture_rows() -> Vec<(Trajectory, TrajectoryMetrics)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut rows = Vec::new();
    for name in [
        "open_swe_traces/openhands_swegym.jsonl",
        "real/swegym_openhands_sampled_trajectories.jsonl",
        "real/nebius_swe_agent_trajectories.jsonl",
    ] {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            if let Ok(value) = serde_json::from_str::<Value>(line) {
                let trajectory = normalize(value, SourceRef::default());
                let metrics = TrajectoryMetrics::of(&trajectory);
                rows.push((trajectory, metrics));
            }
        }
    }
    rows
}

fn bench(c: &mut Criterion) {
    let rows = fixture_rows();
    let summaries: Vec<RowSummary> =
        rows.iter().map(|(t, m)| RowSummary::of(t, m, Some("openhands/qwen"))).collect();
    let mut group = c.benchmark_group("filter_change");
    group.sample_size(10);
    for n in [100_000usize, 500_000] {
        let mut index = RowIndex::new();
        for i in 0..n {
            let mut row = summaries[i % summaries.len()].clone();
            row.instance = Some(format!("django__django-{}", i / 5));
            index.push(&row);
        }
        index.shrink_to_fit();
        println!("{n} rows: {:.1} heap bytes per row", index.heap_bytes() as f64 / n as f64);
        let filters: Vec<FilterSet> =
            FILTERS.iter().map(|q| FilterSet::from_query(q).filter).collect();
        group.bench_function(format!("index_select_{n}"), |b| {
            b.iter(|| {
                for filter in &filters {
                    black_box(index.select(filter).rows.len());
                }
            })
        });
        group.bench_function(format!("row_judge_{n}"), |b| {
            b.iter(|| {
                for filter in &filters {
                    let mut selector = Selector::new(filter.clone());
                    let mut kept = 0;
                    for i in 0..n {
                        let (t, m) = &rows[i % rows.len()];
                        kept += usize::from(
                            selector.judge(t, m) == trajex::domain::filter::Verdict::Keep,
                        );
                    }
                    black_box(kept);
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
