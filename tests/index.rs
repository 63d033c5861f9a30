//! The row index (`domain::index`): a filter judged on its columns passes exactly the rows the
//! row-by-row judge (`Selector`) keeps, on every fixture row and random filters; facets count
//! what the rows hold; previous/next in the filter; and the memory per row at the real size.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use trajex::domain::filter::{language_of, mixed_instances, FilterSet, Range, Selector, Verdict};
use trajex::domain::flags::FlagKind;
use trajex::domain::index::{IndexSelection, RowIndex, RowSummary};
use trajex::domain::trajectory::{Outcome, Trajectory};
use trajex::domain::TrajectoryMetrics;

use common::fixture_rows;

fn index_of(rows: &[(Trajectory, TrajectoryMetrics)]) -> RowIndex {
    let mut index = RowIndex::new();
    for (t, m) in rows {
        index.push(&RowSummary::of(t, m, Some("default/train")));
    }
    index
}

fn judged(rows: &[(Trajectory, TrajectoryMetrics)], filter: &FilterSet) -> Vec<u32> {
    // `mixed_outcome` is judged against the instances of all the rows, as the page does.
    let mixed =
        mixed_instances(rows.iter().map(|(t, _)| (t.ids.instance_id.as_deref(), t.outcome)));
    let mut selector = Selector::with_mixed_instances(filter.clone(), mixed);
    (0..rows.len() as u32)
        .filter(|&i| {
            let (t, m) = &rows[i as usize];
            selector.judge(t, m) == Verdict::Keep
        })
        .collect()
}

fn range() -> impl Strategy<Value = Range> {
    (proptest::option::of(0u64..60), proptest::option::of(0u64..400))
        .prop_map(|(min, max)| Range { min, max })
}

fn filter() -> impl Strategy<Value = FilterSet> {
    let words =
        || proptest::sample::subsequence(vec!["python", "go", "rust", "unknown", "java"], 0..2);
    let tools = || {
        proptest::sample::subsequence(
            vec!["execute_bash", "str_replace_editor", "bash", "finish", "think"],
            0..2,
        )
    };
    (
        proptest::sample::subsequence(
            vec![Outcome::Resolved, Outcome::Failed, Outcome::Unknown],
            0..3,
        ),
        proptest::option::of(0u64..200_000),
        (range(), range(), range()),
        (proptest::option::of(any::<bool>()), proptest::option::of(any::<bool>())),
        (words(), words()),
        (tools(), tools()),
        proptest::option::of(proptest::sample::select(vec!["django", "__", "pydantic", "zz"])),
        proptest::option::of(1u64..4),
        (
            proptest::sample::subsequence(FlagKind::ALL.to_vec(), 0..2),
            proptest::sample::subsequence(FlagKind::ALL.to_vec(), 0..2),
            proptest::option::of(any::<bool>()),
            proptest::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |(
                outcomes,
                max_tokens,
                (turns, tool_calls, patch_lines),
                (patch, tests),
                (langs, not_langs),
                (used, not_used),
                instance,
                cap,
                (flags, flags_not, flagged, mixed),
            )| FilterSet {
                flags: flags.into_iter().collect(),
                flags_not: flags_not.into_iter().collect(),
                flagged,
                mixed_outcome: mixed,
                outcomes: outcomes.into_iter().collect(),
                max_tokens,
                turns,
                tool_calls,
                patch_lines,
                has_patch: patch,
                touches_tests: tests,
                languages: langs.into_iter().map(str::to_owned).collect(),
                exclude_languages: not_langs.into_iter().map(str::to_owned).collect(),
                tools_used: used.into_iter().map(str::to_owned).collect(),
                tools_not_used: not_used.into_iter().map(str::to_owned).collect(),
                instance: instance.map(str::to_owned),
                language_cap: cap,
                ..FilterSet::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// The index passes exactly the rows the row-by-row judge keeps.
    #[test]
    fn the_index_passes_what_the_row_judge_keeps(filter in filter()) {
        static ROWS: std::sync::OnceLock<(Vec<(Trajectory, TrajectoryMetrics)>, RowIndex)> =
            std::sync::OnceLock::new();
        let (rows, index) = ROWS.get_or_init(|| {
            let rows = fixture_rows();
            let index = index_of(&rows);
            (rows, index)
        });
        let selection = index.select(&filter);
        prop_assert_eq!(&selection.rows, &judged(rows, &filter), "{}", filter.to_query());
        prop_assert!(selection.needs_content.is_empty());
    }
}

#[test]
fn text_search_is_named_as_needing_the_content() {
    let rows = fixture_rows();
    let filter = FilterSet { text: Some("Traceback".into()), ..FilterSet::default() };
    let selection = index_of(&rows).select(&filter);
    assert_eq!(selection.needs_content, ["q"]);
    assert_eq!(selection.rows.len(), rows.len(), "the other predicates (none) pass every row");
}

#[test]
fn facets_count_what_the_rows_hold() {
    let rows = fixture_rows();
    let index = index_of(&rows);
    let all: Vec<u32> = (0..rows.len() as u32).collect();
    let mut languages = std::collections::BTreeMap::new();
    let mut tools = std::collections::BTreeMap::new();
    for (t, m) in &rows {
        *languages.entry(language_of(t, m).unwrap_or_else(|| "unknown".into())).or_insert(0u64) +=
            1;
        for name in m.tool_calls_by_name.keys() {
            *tools.entry(name.clone()).or_insert(0u64) += 1;
        }
    }
    assert_eq!(index.languages(&all), languages);
    assert_eq!(index.tools(&all), tools);
    assert_eq!(index.splits(&all).get("default/train"), Some(&(rows.len() as u64)));
    let by_teacher: u64 = index.harness_by_teacher(&all).values().sum();
    assert_eq!(by_teacher, rows.len() as u64);
}

#[test]
fn previous_and_next_in_the_filter() {
    let selection = IndexSelection { rows: vec![2, 5, 9], needs_content: Vec::new() };
    assert_eq!(selection.next_after(0), Some(2));
    assert_eq!(selection.next_after(5), Some(9));
    assert_eq!(selection.next_after(9), None);
    assert_eq!(selection.previous_before(9), Some(5));
    assert_eq!(selection.previous_before(6), Some(5));
    assert_eq!(selection.previous_before(2), None);
}

/// At 100,000 and 500,000 rows (the fixture rows' summaries repeated, each with its own
/// instance id, as Open-SWE-Traces has ~100k distinct instances over ~511k runs), the index
/// holds at most 256 bytes per row.
#[test]
fn memory_per_row_at_the_real_size() {
    let rows = fixture_rows();
    let summaries: Vec<RowSummary> =
        rows.iter().map(|(t, m)| RowSummary::of(t, m, Some("openhands/qwen"))).collect();
    for n in [100_000usize, 500_000] {
        let mut index = RowIndex::new();
        for i in 0..n {
            let mut row = summaries[i % summaries.len()].clone();
            row.instance = Some(format!("owner__repository-{}", i / 5));
            index.push(&row);
        }
        index.shrink_to_fit();
        let per_row = index.heap_bytes() as f64 / n as f64;
        eprintln!("{n} rows: {:.1} bytes per row", per_row);
        assert!(per_row <= 256.0, "{n} rows: {per_row:.1} bytes per row");
    }
}
