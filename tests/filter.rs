//! Curation filters: predicates on fixture trajectories, the per-language cap, the query-string
//! round trip (a property test) and the summary in words.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use trajex::domain::filter::{mixed_instances, FilterSet, Range, Rejection, Selector, Verdict};
use trajex::domain::flags::FlagKind;
use trajex::domain::trajectory::{Outcome, Role, Trajectory};
use trajex::domain::TrajectoryMetrics;

fn measured(file: &str) -> Vec<(Trajectory, TrajectoryMetrics)> {
    common::trajectories(file)
        .into_iter()
        .map(|t| {
            let m = TrajectoryMetrics::of(&t);
            (t, m)
        })
        .collect()
}

fn filter(query: &str) -> FilterSet {
    let parsed = FilterSet::from_query(query);
    assert!(parsed.errors.is_empty() && parsed.unknown_keys.is_empty(), "{parsed:?}");
    parsed.filter
}

fn passing(query: &str, rows: &[(Trajectory, TrajectoryMetrics)]) -> Vec<usize> {
    let filter = filter(query);
    rows.iter()
        .enumerate()
        .filter(|(_, (t, m))| filter.check(t, m).is_ok())
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn notebook_filters_on_open_swe_traces_rows() {
    let rows = measured("open_swe_traces/openhands_swegym.jsonl");
    assert_eq!(passing("", &rows), [0, 1, 2, 3, 4]);
    assert_eq!(passing("outcome=resolved", &rows), [0, 1, 2, 3, 4]);
    assert_eq!(passing("outcome=failed&outcome=unknown", &rows), Vec::<usize>::new());
    assert_eq!(passing("lang=python&patch=yes", &rows), [0, 1, 2, 3, 4]);
    assert_eq!(passing("lang_not=python", &rows), Vec::<usize>::new());
    assert_eq!(passing("patch=no", &rows), Vec::<usize>::new());
    // Token budget: the estimates of the rows decide.
    let tokens: Vec<usize> = rows.iter().map(|(_, m)| m.tokens()).collect();
    let budget = tokens[0];
    let expected: Vec<usize> = (0..5).filter(|&i| tokens[i] <= budget).collect();
    assert_eq!(passing(&format!("max_tokens={budget}"), &rows), expected);
    assert!(expected.len() < 5, "the budget must cut something: {tokens:?}");
    // Patch size, by hand: row 0's model patch changes 2 files.
    let row0 = rows[0].1.final_patch.as_ref().unwrap();
    assert_eq!(row0.stats.n_files, 2);
    assert!(passing("patch_files=2-2", &rows).contains(&0));
    let lines = row0.n_changed_lines() as u64;
    assert!(passing(&format!("patch_lines={lines}-{lines}"), &rows).contains(&0));
    assert!(!passing(&format!("patch_lines={}-", lines + 1), &rows).contains(&0));
    // A token range (what a click on a token-histogram bin sets): both ends count.
    let expected: Vec<usize> = (0..5).filter(|&i| tokens[i] >= budget).collect();
    assert_eq!(passing(&format!("tokens={budget}-"), &rows), expected);
    assert_eq!(passing(&format!("tokens={budget}-{budget}"), &rows), [0]);
    assert_eq!(filter(&format!("tokens={budget}-")).summary(), format!("≥ {budget} tokens"));
}

#[test]
fn tools_turns_text_and_ids() {
    let rows = measured("open_swe_traces/openhands_swegym.jsonl");
    assert_eq!(passing("tool=finish&tool=execute_bash", &rows), [0, 1, 2, 3, 4]);
    assert_eq!(passing("tool_not=execute_bash", &rows), Vec::<usize>::new());
    assert_eq!(passing("turns=-10", &rows), [0]);
    assert_eq!(passing("tool_calls=18-", &rows), [1, 4]);
    assert_eq!(passing("instance=monai", &rows), [0, 3]);
    assert_eq!(passing("repo=python%2Fmypy", &rows), [2, 4]);
    assert_eq!(passing("q=Compute_Importance_Map", &rows), [3], "case-insensitive");
    assert_eq!(passing("q=OBSERVATION&q_role=tool", &rows), [0, 1, 2, 3, 4]);
    assert_eq!(passing("q=OBSERVATION&q_role=system", &rows), Vec::<usize>::new());
}

#[test]
fn flags_filter_on_fixture_rows() {
    // Row 4 of the Open-SWE-Traces sample views mypy/nodes.py three times in a row (a loop);
    // the others raise no flag (tests/flags.rs, fixture_hits).
    let rows = measured("open_swe_traces/openhands_swegym.jsonl");
    let kinds: Vec<Vec<&str>> =
        rows.iter().map(|(_, m)| m.flags.iter().map(|f| f.kind.as_str()).collect()).collect();
    assert_eq!(kinds, [vec![], vec![], vec![], vec![], vec!["loops"]]);
    assert_eq!(passing("flag=loops", &rows), [LOOP_ROW]);
    assert_eq!(passing("flag=edits_tests&flag=loops", &rows), [LOOP_ROW]);
    assert_eq!(passing("flag=edits_tests,loops", &rows), [LOOP_ROW], "a comma list is read too");
    assert_eq!(passing("flag=edits_tests", &rows), Vec::<usize>::new());
    let others: Vec<usize> = (0..5).filter(|&i| i != LOOP_ROW).collect();
    assert_eq!(passing("flag_not=loops", &rows), others);
    assert_eq!(passing("flagged=no", &rows), others);
    assert_eq!(passing("flagged=yes", &rows), [LOOP_ROW]);
    let (t, m) = &rows[LOOP_ROW];
    assert_eq!(filter("flagged=no").check(t, m), Err(Rejection::Flags));
    // Without its messages (a row kept `lite`), the row keeps the flags of its full text.
    let mut lite = t.clone();
    lite.messages.clear();
    lite.turns.clear();
    assert!(filter("flag=loops").check(&lite, m).is_ok());
    // Nebius row 4 edits and then submits without running anything.
    let nebius = measured("real/nebius_swe_agent_trajectories.jsonl");
    assert!(passing("flag=unchecked_finish", &nebius).contains(&4));
    assert_eq!(
        filter("flag=loops&flag_not=edits_tests&flagged=yes").summary(),
        "flagged loops, not flagged edits or removes tests, some flag"
    );
    let bad = FilterSet::from_query("flag=loops,reads_minds");
    assert_eq!(bad.errors.len(), 1, "{:?}", bad.errors);
    assert!(bad.errors[0].contains("reads_minds"), "{:?}", bad.errors);
    assert_eq!(bad.filter.flags.len(), 1);
}

/// The Open-SWE-Traces sample row that loops.
const LOOP_ROW: usize = 4;

#[test]
fn mixed_outcome_needs_the_other_runs() {
    let mut rows = measured("open_swe_traces/openhands_swegym.jsonl");
    // A second run of row 0's instance that failed, and a second resolved run of row 1's.
    let mut failed = rows[0].clone();
    failed.0.outcome = Outcome::Failed;
    let resolved_again = rows[1].clone();
    rows.push(failed);
    rows.push(resolved_again);
    let mixed =
        mixed_instances(rows.iter().map(|(t, _)| (t.ids.instance_id.as_deref(), t.outcome)));
    let id0 = rows[0].0.ids.instance_id.clone().unwrap();
    assert_eq!(mixed.into_iter().collect::<Vec<_>>(), [id0]);
    let judge = |query: &str| -> Vec<usize> {
        let mixed =
            mixed_instances(rows.iter().map(|(t, _)| (t.ids.instance_id.as_deref(), t.outcome)));
        let mut selector = Selector::with_mixed_instances(filter(query), mixed);
        (0..rows.len())
            .filter(|&i| selector.judge(&rows[i].0, &rows[i].1) == Verdict::Keep)
            .collect()
    };
    assert_eq!(judge("mixed_outcome=yes"), [0, 5]);
    assert_eq!(judge("mixed_outcome=no"), [1, 2, 3, 4, 6]);
    assert_eq!(judge("mixed_outcome=yes&outcome=failed"), [5]);
    // Without the other rows nothing is mixed.
    assert_eq!(passing("mixed_outcome=yes", &rows), Vec::<usize>::new());
    assert_eq!(filter("mixed_outcome=yes").summary(), "instances with mixed outcomes");
    assert!(filter("mixed_outcome=no").needs_other_rows());
    assert!(!filter("flag=loops").needs_other_rows());
}

#[test]
fn language_from_patch_when_the_row_has_none() {
    // SWE-smith rows have no `language` column; three patches change .py files, two are empty.
    let rows = measured("real/swe_smith_trajectories.jsonl");
    assert_eq!(passing("lang=python", &rows), [0, 1, 2]);
    assert_eq!(passing("lang_not=python", &rows), [3, 4]);
}

#[test]
fn language_cap_rebalances_in_stream_order() {
    let mut rows = measured("open_swe_traces/openhands_swegym.jsonl");
    rows.extend(measured("real/nebius_swe_agent_trajectories.jsonl"));
    let mut selector = Selector::new(filter("lang_cap=2"));
    let verdicts: Vec<Verdict> = rows.iter().map(|(t, m)| selector.judge(t, m)).collect();
    let kept: Vec<usize> =
        verdicts.iter().enumerate().filter(|(_, v)| **v == Verdict::Keep).map(|(i, _)| i).collect();
    // Five python rows (capped to 2), then five nebius rows whose patches are python too.
    assert_eq!(kept, [0, 1]);
    assert_eq!(verdicts[2], Verdict::Reject(Rejection::LanguageCap));
    assert_eq!(selector.n_kept, 2);
    assert_eq!(selector.rejected.get("lang_cap"), Some(&8));
}

#[test]
fn summary_in_words() {
    let f = filter("outcome=resolved&max_tokens=32000&lang=python&lang=go&patch_lines=1-200");
    assert_eq!(f.summary(), "resolved, ≤ 32000 tokens, go or python, patch 1–200 lines");
    assert_eq!(FilterSet::default().summary(), "all trajectories");
    assert_eq!(
        filter("patch=yes&tests=no&turns=5-&q=panic&q_role=tool&lang_cap=100").summary(),
        "≤ 100 per language, with a patch, ≥ 5 turns, no test changes, tool messages contain “panic”"
    );
}

#[test]
fn bad_values_and_foreign_keys_are_reported() {
    let parsed =
        FilterSet::from_query("?dataset=a%2Fb&row=3&outcome=maybe&turns=x-1&max_tokens=12");
    assert_eq!(parsed.unknown_keys, ["dataset", "row"]);
    assert_eq!(parsed.errors.len(), 2, "{:?}", parsed.errors);
    assert_eq!(parsed.filter.max_tokens, Some(12));
}

#[test]
fn ranges() {
    assert_eq!(Range::parse("1-200"), Some(Range { min: Some(1), max: Some(200) }));
    assert_eq!(Range::parse("-5"), Some(Range { min: None, max: Some(5) }));
    assert_eq!(Range::parse("7"), Some(Range { min: Some(7), max: Some(7) }));
    assert_eq!(Range::parse("a-b"), None);
    assert!(Range::parse("3-").unwrap().contains(3));
    assert!(!Range::parse("3-").unwrap().contains(2));
}

fn range_strategy() -> impl Strategy<Value = Range> {
    (prop::option::of(0u64..10_000), prop::option::of(0u64..10_000))
        .prop_map(|(min, max)| Range { min, max })
}

fn text_strategy() -> impl Strategy<Value = String> {
    // Any text, including the characters that need escaping in a query string.
    "[a-zA-Z0-9 &=+%?#/,é你\\-]{1,12}"
}

fn flag_sets() -> impl Strategy<Value = std::collections::BTreeSet<FlagKind>> {
    prop::collection::btree_set(prop::sample::select(FlagKind::ALL.to_vec()), 0..3)
}

fn filter_strategy() -> impl Strategy<Value = FilterSet> {
    let sets = || prop::collection::btree_set(text_strategy(), 0..3);
    let lower_sets = || prop::collection::btree_set("[a-z+#]{1,8}", 0..3);
    (
        (
            prop::collection::btree_set(prop::sample::select(Outcome::ALL.to_vec()), 0..3),
            prop::option::of(0u64..1_000_000),
            prop::option::of(any::<bool>()),
            range_strategy(),
            range_strategy(),
            range_strategy(),
            range_strategy(),
            range_strategy(),
        ),
        (lower_sets(), lower_sets(), prop::option::of(0u64..1000), sets(), sets()),
        (
            prop::option::of(any::<bool>()),
            prop::option::of(text_strategy()),
            prop::option::of(text_strategy()),
            prop::option::of(text_strategy()),
            prop::option::of(prop::sample::select(Role::ALL.to_vec())),
        ),
        (
            flag_sets(),
            flag_sets(),
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(|(a, b, c, d)| FilterSet {
            outcomes: a.0,
            max_tokens: a.1,
            has_patch: a.2,
            patch_lines: a.3,
            patch_files: a.4,
            turns: a.5,
            tool_calls: a.6,
            tokens: a.7,
            languages: b.0,
            exclude_languages: b.1,
            language_cap: b.2,
            tools_used: b.3,
            tools_not_used: b.4,
            touches_tests: c.0,
            instance: c.1,
            repo: c.2,
            text: c.3,
            text_role: c.4,
            flags: d.0,
            flags_not: d.1,
            flagged: d.2,
            mixed_outcome: d.3,
        })
}

proptest! {
    #[test]
    fn query_round_trip(filter in filter_strategy()) {
        let query = filter.to_query();
        let parsed = FilterSet::from_query(&query);
        prop_assert!(parsed.errors.is_empty(), "{:?}", parsed.errors);
        prop_assert!(parsed.unknown_keys.is_empty());
        prop_assert_eq!(&parsed.filter, &filter, "query: {}", query);
        // The query is canonical: writing it again gives the same string.
        prop_assert_eq!(parsed.filter.to_query(), query);
    }
}
