//! Comparing runs of one task (`domain::compare`): the three-way patch comparison (files, hunks
//! matched by their changed lines, differing line counts) on fixture patches and hand-written
//! ones; the first divergent step between two trajectories (fixture rows, and hand-written chat
//! rows made by `chat_row`); runs per instance.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::{json, Value};
use trajex::domain::compare::{
    compare_patches, divergence, instance_runs, steps_of, without_root, DiffersIn, LineDifferences,
    Side,
};
use trajex::domain::trajectory::{Outcome, SourceRef, Trajectory};

fn patch_fixture(name: &str) -> String {
    std::fs::read_to_string(common::fixture_path("patches").join(name)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Patches.

/// Hand-written: A and the reference make the same fix in `src/widget.py` (A at another offset,
/// with other context); B makes another fix there, and also changes `src/extra.py`; A adds a
/// reproduction script; the reference changes `CHANGES.rst`.
const A: &str = "\
diff --git a/src/widget.py b/src/widget.py
--- a/src/widget.py
+++ b/src/widget.py
@@ -12,3 +12,3 @@ def widget():
     x = 1
-    return 0
+    return 1
     # end
diff --git a/reproduce.py b/reproduce.py
new file mode 100644
--- /dev/null
+++ b/reproduce.py
@@ -0,0 +1,1 @@
+print(widget())
";

const B: &str = "\
diff --git a/src/widget.py b/src/widget.py
--- a/src/widget.py
+++ b/src/widget.py
@@ -10,3 +10,3 @@ def widget():
 def widget():
-    return 0
+    return int(True)
diff --git a/src/extra.py b/src/extra.py
--- a/src/extra.py
+++ b/src/extra.py
@@ -1,1 +1,2 @@
 import os
+import sys
";

const REFERENCE: &str = "\
diff --git a/src/widget.py b/src/widget.py
--- a/src/widget.py
+++ b/src/widget.py
@@ -10,3 +10,3 @@ def widget():
 def widget():
-    return 0
+    return 1   
diff --git a/CHANGES.rst b/CHANGES.rst
--- a/CHANGES.rst
+++ b/CHANGES.rst
@@ -1,1 +1,2 @@
 Changes
+- widget returns 1
";

#[test]
fn three_way_file_and_hunk_matching() {
    let cmp = compare_patches(Some(A), Some(B), Some(REFERENCE));
    assert_eq!(cmp.present, [true, true, true]);
    let paths: Vec<&str> = cmp.files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(paths, ["src/widget.py", "reproduce.py", "src/extra.py", "CHANGES.rst"]);

    let widget = &cmp.files[0];
    assert_eq!(widget.touched, [true, true, true]);
    // A's hunk and the reference's are the same change (offset, context and trailing white
    // space aside); B's is another.
    assert_eq!(widget.hunks.len(), 2);
    assert_eq!(widget.hunks[0].sides(), [Side::A, Side::Reference]);
    assert_eq!(widget.hunks[0].hunk.old.start, 12, "kept as A wrote it");
    assert_eq!(widget.hunks[1].sides(), [Side::B]);
    assert!(!widget.hunks[0].shared_by_runs());
    assert_eq!(widget.changed_lines, [2, 2, 2]);
    // `-return 0` is in all three; `+return 1` in A and the reference; `+return int(True)` in B.
    assert_eq!(widget.differing_lines, LineDifferences { a_b: 2, a_reference: 0, b_reference: 2 });

    assert_eq!(
        cmp.files_of_one_side(),
        [("reproduce.py", Side::A), ("src/extra.py", Side::B), ("CHANGES.rst", Side::Reference)]
    );
    assert_eq!(
        cmp.files[1].differing_lines,
        LineDifferences { a_b: 1, a_reference: 1, b_reference: 0 }
    );
    assert_eq!(cmp.differing_lines(), LineDifferences { a_b: 4, a_reference: 2, b_reference: 4 });
}

#[test]
fn missing_and_empty_sides() {
    let cmp = compare_patches(Some(A), None, Some(""));
    assert_eq!(cmp.present, [true, false, true]);
    assert!(cmp.files.iter().all(|f| f.touched == [true, false, false]));
    assert_eq!(cmp.differing_lines(), LineDifferences { a_b: 3, a_reference: 3, b_reference: 0 });
    let none = compare_patches(None, None, None);
    assert_eq!(none.present, [false; 3]);
    assert!(none.files.is_empty());
    // Garbage is a patch that changes nothing, and does not panic.
    let junk = compare_patches(Some("@@ nonsense\n+++\n-- \n"), Some("\u{0}\r\n"), None);
    assert_eq!(junk.differing_lines().a_b, 0);
}

#[test]
fn fixture_patches_compare_with_themselves_and_each_other() {
    // Fixtures: the Open-SWE-Traces patch and its SWE-Gym source are the same text, and every
    // hunk is shared by all three sides.
    let a = patch_fixture("open_swe_traces_1.diff");
    let b = patch_fixture("swegym_1.diff");
    let cmp = compare_patches(Some(&a), Some(&b), Some(&a));
    assert!(!cmp.files.is_empty());
    for file in &cmp.files {
        assert_eq!(file.touched, [true; 3]);
        assert!(file.hunks.iter().all(|h| h.sides == [true; 3]), "{}", file.path);
        assert_eq!(file.differing_lines, LineDifferences::default());
    }
    // Two patches of other tasks share no file; every changed line differs.
    let c = patch_fixture("nebius_0.diff");
    let cmp = compare_patches(Some(&a), Some(&c), None);
    let (pa, _) = trajex::domain::patch::parse(&a);
    let (pc, _) = trajex::domain::patch::parse(&c);
    assert_eq!(cmp.files.len(), pa.files.len() + pc.files.len());
    let changed = |p: &trajex::domain::patch::Patch| p.n_added() + p.n_removed();
    assert_eq!(cmp.differing_lines().a_b, changed(&pa) + changed(&pc));
    assert_eq!(cmp.differing_lines().a_reference, changed(&pa));
}

// ---------------------------------------------------------------------------------------------
// Divergence.

/// A hand-written OpenAI chat row: one assistant message per call (answered by a tool message).
fn chat_row(calls: &[(&str, Value)]) -> Trajectory {
    let mut messages = vec![json!({"role": "user", "content": "Fix the bug."})];
    for (k, (name, arguments)) in calls.iter().enumerate() {
        let id = format!("call_{k}");
        messages.push(json!({"role": "assistant", "content": "", "tool_calls": [{"id": id,
            "type": "function", "function": {"name": name, "arguments": arguments.to_string()}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": id, "content": "ok"}));
    }
    trajex::domain::normalize(json!({"messages": messages}), SourceRef::default())
}

fn view(path: &str) -> Value {
    json!({"command": "view", "path": path})
}

#[test]
fn the_first_different_step() {
    // Hand-written runs; the harnesses name the shell and the checkout differently.
    let a = chat_row(&[
        ("str_replace_editor", view("/testbed/src/widget.py")),
        ("bash", json!({"command": "python  -m pytest\ttests/"})),
        ("bash", json!({"command": "python reproduce.py"})),
    ]);
    let same_then_command = chat_row(&[
        ("str_replace_editor", view("/workspace/acme__widget__1.0/src/widget.py")),
        ("execute_bash", json!({"command": "python -m pytest tests/"})),
        ("execute_bash", json!({"command": "python -m pytest tests/test_widget.py"})),
    ]);
    let d = divergence(&a, &same_then_command).unwrap();
    assert_eq!((d.turn, d.a_message, d.b_message, d.differs_in), (2, 5, 5, DiffersIn::Command));
    assert_eq!(d.a[0].command.as_deref(), Some("python reproduce.py"));
    assert_eq!(d.b[0].tool, "execute_bash");

    let other_file = chat_row(&[("str_replace_editor", view("/testbed/src/other.py"))]);
    let d = divergence(&a, &other_file).unwrap();
    assert_eq!((d.turn, d.differs_in), (0, DiffersIn::File));
    assert_eq!(d.a[0].file.as_deref(), Some("src/widget.py"));

    let other_tool =
        chat_row(&[("str_replace_editor", view("/testbed/src/widget.py")), ("finish", json!({}))]);
    let d = divergence(&a, &other_tool).unwrap();
    assert_eq!((d.turn, d.differs_in), (1, DiffersIn::Tool));

    // The editor's text arguments say how, not what: the same view with another range is the
    // same step.
    let ranged = chat_row(&[(
        "str_replace_editor",
        json!({"command": "view", "path": "/testbed/src/widget.py", "view_range": [1, 20]}),
    )]);
    assert!(divergence(&ranged, &a).is_none());
}

#[test]
fn a_prefix_is_no_divergence() {
    let long = chat_row(&[
        ("bash", json!({"command": "ls"})),
        ("bash", json!({"command": "cat setup.py"})),
        ("submit", json!({})),
    ]);
    let short = chat_row(&[("bash", json!({"command": "ls"}))]);
    assert!(divergence(&long, &short).is_none());
    assert!(divergence(&short, &long).is_none());
    // The shorter ends at step 1 (its number of steps); the longer goes on.
    assert_eq!(steps_of(&short).len(), 1);
    assert_eq!(steps_of(&long).len(), 3);
    assert_eq!(steps_of(&long)[1].message_idx, 3);
}

#[test]
fn fixture_runs() {
    // Fixture: the Open-SWE-Traces row is its SWE-Gym source in another layout: no divergence.
    let converted = common::trajectories("open_swe_traces/openhands_swegym.jsonl");
    let source = common::trajectories("real/swegym_openhands_sampled_trajectories.jsonl");
    for (a, b) in converted.iter().zip(&source) {
        assert!(!steps_of(a).is_empty());
        assert_eq!(steps_of(a), steps_of(b));
        assert!(divergence(a, b).is_none());
    }
    // Two OpenHands runs of different tasks both view their checkout's root first (`.` once
    // the root is dropped), then view different files.
    let d = divergence(&converted[0], &converted[1]).unwrap();
    assert_eq!((d.turn, d.a_message, d.b_message, d.differs_in), (1, 4, 4, DiffersIn::File));
    assert_eq!(steps_of(&converted[0])[0].actions[0].file.as_deref(), Some("."));
    assert_eq!(d.a[0].file.as_deref(), Some("monai/inferers/utils.py"));
    assert_eq!(d.b[0].file.as_deref(), Some("pandas"));
    // A SWE-agent text run against an OpenHands run: different tools from the start.
    let swe_agent = common::trajectories("real/nebius_swe_agent_trajectories.jsonl");
    let d = divergence(&swe_agent[0], &converted[0]).unwrap();
    assert_eq!((d.turn, d.differs_in), (0, DiffersIn::Tool));
    assert_eq!(d.a[0].tool, "create");
}

#[test]
fn checkout_roots() {
    assert_eq!(without_root("/testbed/src/a.py"), "src/a.py");
    assert_eq!(
        without_root("/workspace/pandas-dev__pandas__2.0/pandas/core/a.py"),
        "pandas/core/a.py"
    );
    assert_eq!(without_root("./src/a.py"), "src/a.py");
    assert_eq!(without_root("/usr/lib/x.py"), "/usr/lib/x.py");
    assert_eq!(without_root("/workspace/python__mypy__0.920"), ".");
    assert_eq!(without_root("/testbed/"), ".");
    assert_eq!(without_root("/testbedding/x.py"), "/testbedding/x.py");
}

// ---------------------------------------------------------------------------------------------
// Runs per instance.

#[test]
fn runs_per_instance() {
    let runs = instance_runs([
        ("b__b-2", Outcome::Failed),
        ("a__a-1", Outcome::Resolved),
        ("b__b-2", Outcome::Resolved),
        ("a__a-1", Outcome::Resolved),
        ("b__b-2", Outcome::Unknown),
    ]);
    let ids: Vec<&str> = runs.iter().map(|r| r.instance_id.as_str()).collect();
    assert_eq!(ids, ["a__a-1", "b__b-2"]);
    assert_eq!((runs[0].n_runs, runs[0].n_resolved, runs[0].is_mixed()), (2, 2, false));
    assert_eq!(
        (runs[1].n_runs, runs[1].n_resolved, runs[1].n_failed, runs[1].n_unknown),
        (3, 1, 1, 1)
    );
    assert!(runs[1].is_mixed());
    // Fixture: five Open-SWE-Traces rows, five instances, all resolved.
    let rows = common::trajectories("open_swe_traces/openhands_swegym.jsonl");
    let runs =
        instance_runs(rows.iter().filter_map(|t| Some((t.ids.instance_id.as_deref()?, t.outcome))));
    assert_eq!(runs.len(), 5);
    assert!(runs.iter().all(|r| r.n_runs == 1 && r.n_resolved == 1 && !r.is_mixed()));
}

#[test]
fn runs_side_by_side() {
    use trajex::domain::compare::{aligned_steps, fact_pairs, harness_of};
    use trajex::domain::TrajectoryMetrics;
    let converted = common::trajectories("open_swe_traces/openhands_swegym.jsonl");
    let (a, b) = (&converted[0], &converted[4]);
    let (ma, mb) = (TrajectoryMetrics::of(a), TrajectoryMetrics::of(b));
    // No harness key in these rows: the row format names the family.
    assert_eq!(harness_of(a), a.format.as_str());
    let mut named = a.clone();
    named.metadata.insert("harness".into(), json!(" OpenHands "));
    assert_eq!(harness_of(&named), "OpenHands");
    let pairs = fact_pairs((a, &ma), (b, &mb));
    let line = |label: &str| pairs.iter().find(|p| p.label == label).unwrap();
    assert!(line("Instance").differs());
    assert!(!line("Outcome").differs(), "both resolved");
    assert!(!line("Harness").differs());
    assert_eq!(line("Turns").a, ma.n_turns.to_string());
    // Row 4 loops (tests/flags.rs); row 0 has no flag.
    assert_eq!((line("Flags").a.as_str(), line("Flags").b.as_str()), ("none", "loops"));
    assert_eq!(pairs.len(), 13);
    // The same row against itself differs nowhere.
    assert!(fact_pairs((a, &ma), (a, &ma)).iter().all(|p| !p.differs()));
    // Aligned steps: as many rows as the longer run, `None` past the shorter one's end.
    let (sa, sb) = (steps_of(a), steps_of(b));
    let aligned = aligned_steps(&sa, &sb);
    assert_eq!(aligned.len(), sa.len().max(sb.len()));
    assert!(sa.len() != sb.len(), "{} {}", sa.len(), sb.len());
    let short = sa.len().min(sb.len());
    assert!(aligned[short..].iter().all(|(x, y)| x.is_none() != y.is_none()));
    assert_eq!(aligned[0].0.as_ref(), sa.first());
    assert_eq!(sa[0].actions[0].describe(), "str_replace_editor .: view");
}

#[test]
fn the_demo_dataset_of_several_runs_per_instance() {
    // hub/data/trajex-demo/runs-per-instance (hub/make-demo.mjs): the five Open-SWE-Traces
    // rows, then a failed run of MONAI-6034 cut after three steps and without a patch, and a
    // failed run of mypy-11567 without its loop and without one hunk.
    use trajex::domain::filter::mixed_instances;
    use trajex::domain::flags::{flags_of, kinds, FlagKind};
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/hub/data/trajex-demo/runs-per-instance/default/train/train.jsonl"
    );
    let rows = common::read_as_app("train.jsonl", &std::fs::read(path).unwrap());
    assert_eq!(rows.len(), 7);
    let mixed = mixed_instances(rows.iter().map(|t| (t.ids.instance_id.as_deref(), t.outcome)));
    assert_eq!(
        mixed.iter().map(String::as_str).collect::<Vec<_>>(),
        ["Project-MONAI__MONAI-6034", "python__mypy-11567"]
    );
    let runs =
        instance_runs(rows.iter().filter_map(|t| Some((t.ids.instance_id.as_deref()?, t.outcome))));
    assert_eq!(runs.iter().filter(|r| r.is_mixed()).count(), 2);
    let (a, b) = (&rows[4], &rows[6]);
    assert_eq!((a.outcome, b.outcome), (Outcome::Resolved, Outcome::Failed));
    assert_eq!(kinds(&flags_of(a)), [FlagKind::Loops]);
    assert!(!kinds(&flags_of(b)).contains(&FlagKind::Loops));
    // Both view mypy/nodes.py at step 7 (other line ranges); at step 8 the original views it
    // again and the derived run views astdiff.py.
    let d = divergence(a, b).unwrap();
    assert_eq!((d.turn, d.a_message, d.b_message, d.differs_in), (7, 16, 16, DiffersIn::File));
    assert_eq!(d.a[0].file.as_deref(), Some("mypy/nodes.py"));
    assert_eq!(d.b[0].file.as_deref(), Some("mypy/server/astdiff.py"));
    let text = |t: &Trajectory| t.final_patch.as_ref().map(|p| p.text.clone());
    let (pa, pb) = (text(a), text(b));
    let cmp = compare_patches(pa.as_deref(), pb.as_deref(), None);
    assert_eq!(cmp.present, [true, true, false]);
    let astdiff = cmp.files.iter().find(|f| f.path == "mypy/server/astdiff.py").unwrap();
    assert_eq!(astdiff.hunks.len(), 2);
    assert!(astdiff.hunks[0].shared_by_runs());
    assert_eq!(astdiff.hunks[1].sides(), [Side::A]);
    assert_eq!(astdiff.differing_lines.a_b, 6);
    // MONAI-6034: the cut run has no patch.
    let monai = &rows[5];
    assert!(monai.final_patch.as_ref().is_none_or(|p| p.text.trim().is_empty()));
}
