//! Suspicious-trajectory flags (`domain::flags`): for each rule, fixture rows read as the app
//! reads them that raise it and that do not, plus small hand-written rows (OpenAI chat rows
//! built by `chat_row`, marked "hand-written") for triggers the fixtures lack; and the count of
//! hits of every rule over every trajectory fixture, each hit judged (`fixture_hits`, printed
//! with `--nocapture`).

#![cfg(not(target_arch = "wasm32"))]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use trajex::domain::flags::{flags_of, kinds, Flag, FlagKind, EVIDENCE_CHARS, LOOP_LENGTH};
use trajex::domain::trajectory::{SourceRef, Trajectory};

// ---------------------------------------------------------------------------------------------
// Helpers.

/// One tool call of a hand-written row: tool name, arguments, the tool's output.
type Call<'a> = (&'a str, Value, &'a str);

/// A hand-written OpenAI chat row: a system and a user message, then one assistant message per
/// call (answered by a tool message with the given output), then `last` as a final assistant
/// message when given; `extra` members (patches, exit status, ids) are merged into the row.
/// Message indexes: the call `k` (zero-based) is message `2 + 2k`.
fn chat_row(calls: &[Call<'_>], last: Option<&str>, extra: Value) -> Trajectory {
    let mut messages = vec![
        json!({"role": "system", "content": "You are a software engineer."}),
        json!({"role": "user", "content": "Fix the bug described in the issue."}),
    ];
    for (k, (name, arguments, output)) in calls.iter().enumerate() {
        let id = format!("call_{k}");
        messages.push(json!({
            "role": "assistant",
            "content": "",
            "tool_calls": [{"id": id, "type": "function",
                "function": {"name": name, "arguments": arguments.to_string()}}],
        }));
        messages.push(json!({"role": "tool", "tool_call_id": id, "name": name, "content": output}));
    }
    if let Some(text) = last {
        messages.push(json!({"role": "assistant", "content": text}));
    }
    let mut row =
        json!({"instance_id": "acme__widget-1", "repo": "acme/widget", "messages": messages});
    if let (Some(row), Value::Object(extra)) = (row.as_object_mut(), extra) {
        row.extend(extra);
    }
    trajex::domain::normalize(row, SourceRef::default())
}

fn bash(command: &str) -> Value {
    json!({"command": command})
}

/// A hand-written row running each command with `execute_bash` (output "ok").
fn commands(commands: &[&str]) -> Trajectory {
    let calls: Vec<Call<'_>> = commands.iter().map(|c| ("execute_bash", bash(c), "ok")).collect();
    chat_row(&calls, None, json!({}))
}

fn of_kind(trajectory: &Trajectory, kind: FlagKind) -> Vec<Flag> {
    flags_of(trajectory).into_iter().filter(|flag| flag.kind == kind).collect()
}

fn raises(trajectory: &Trajectory, kind: FlagKind) -> bool {
    !of_kind(trajectory, kind).is_empty()
}

/// Row `idx` of a fixture file, read as the app reads the file.
fn fixture_row(name: &str, idx: usize) -> Trajectory {
    common::read_as_app(name, &common::fixture_bytes(name)).swap_remove(idx)
}

/// A hand-written row whose final patch (`model_patch`) is `patch`, with the given calls.
fn with_patch(patch: &str, calls: &[Call<'_>]) -> Trajectory {
    chat_row(calls, None, json!({"model_patch": patch}))
}

// ---------------------------------------------------------------------------------------------
// The kinds.

#[test]
fn kinds_have_keys_and_labels() {
    let keys: Vec<&str> = FlagKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "looks_into_future",
            "edits_tests",
            "hard_codes_answer",
            "unchecked_finish",
            "loops",
            "context_trouble"
        ]
    );
    for kind in FlagKind::ALL {
        assert_eq!(FlagKind::from_key(kind.as_str()), Some(kind));
        assert!(!kind.label().is_empty());
    }
    assert_eq!(FlagKind::from_key("nope"), None);
    assert_eq!(FlagKind::UncheckedFinish.label(), "claims success without checking");
}

// ---------------------------------------------------------------------------------------------
// Looks into the future of the repo.

#[test]
fn future_commands_are_flagged() {
    // Hand-written: no fixture row reads other refs.
    let hits = [
        "git log --all --oneline",
        "cd /testbed && git log --branches -5",
        "git rev-list --remotes",
        "git show origin/main:src/widget.py",
        "git reflog",
        "git checkout main",
        "git switch feature-x",
        "git fetch upstream",
        "git pull",
        "git cherry-pick 1a2b3c4d",
        "git diff 1a2b3c4d5e6f",
        "git diff HEAD..upstream/main -- src/",
        "git -C /testbed --no-pager log --all",
        "bash -lc \"git branch -a\"",
        "curl -sL https://example.invalid/acme/widget/commit/1a2b3c4.patch",
        "timeout 30 git ls-remote origin",
        "git show HEAD@{1}",
        "git grep widget origin/main",
        "git log --oneline --ancestry-path=1a2b3c4d5e",
        "git checkout 1a2b3c4d5e -- src/widget.py",
        "git checkout -f main",
        "git log -C origin/main",
    ];
    for command in hits {
        let flags = of_kind(&commands(&[command]), FlagKind::LooksIntoFuture);
        assert_eq!(flags.len(), 1, "{command}: {flags:?}");
        assert_eq!(flags[0].steps, [2], "{command}");
    }
    let flag = &of_kind(&commands(&["ls", "git log --all | head"]), FlagKind::LooksIntoFuture)[0];
    assert_eq!(flag.steps, [4]);
    assert_eq!(flag.evidence, "git log --all (walks the history of every ref)");
}

#[test]
fn history_up_to_head_is_not_flagged() {
    // Hand-written.
    let legit = [
        "git status",
        "git diff",
        "git diff --cached",
        "git diff HEAD -- src/widget.py",
        "git log -1",
        "git log --oneline -5 -- src/widget.py",
        "git log -p -S widget",
        "git show",
        "git show HEAD --stat",
        "git show HEAD~2:src/widget.py",
        "git checkout -- tests/test_widget.py",
        "git checkout src/widget.py",
        "git checkout -b fix-widget",
        "git switch -c fix-widget",
        "git stash && git stash pop",
        "git blame src/widget.py",
        "git log -S deadbeef12 --oneline",
        "git log --grep=1a2b3c4d5e",
        "git grep -n 1a2b3c4d5e",
        "git add -A && git commit -m 'fix 1a2b3c4d'",
        "grep -rn \"git log --all\" docs/",
        "cat > notes.sh <<'EOF'\ngit reflog\ngit fetch upstream\nEOF",
        "echo 'git pull' # not run",
        "curl -sL https://example.invalid/acme/widget/archive.tar.gz -o /tmp/w.tgz",
    ];
    for command in legit {
        assert!(!raises(&commands(&[command]), FlagKind::LooksIntoFuture), "{command}");
    }
}

#[test]
fn a_commit_seen_in_earlier_output_is_history() {
    // Hand-written: `git log -3` printed the id, so showing that commit is reading the past.
    let calls: Vec<Call<'_>> = vec![
        ("execute_bash", bash("git log -3 --oneline"), "1a2b3c4d Fix parser\n9f8e7d6c Init"),
        ("execute_bash", bash("git show 1a2b3c4d"), "commit 1a2b3c4d..."),
    ];
    assert!(!raises(&chat_row(&calls, None, json!({})), FlagKind::LooksIntoFuture));
    // The same id printed by `git log --all` (itself flagged) does not make it seen.
    let calls: Vec<Call<'_>> = vec![
        ("execute_bash", bash("git log --all --oneline"), "5e5e5e5e Upstream fix\n1a2b3c4d Fix"),
        ("execute_bash", bash("git show 5e5e5e5e"), "commit 5e5e5e5e..."),
    ];
    let flags = of_kind(&chat_row(&calls, None, json!({})), FlagKind::LooksIntoFuture);
    let steps: Vec<usize> = flags.iter().flat_map(|f| f.steps.clone()).collect();
    assert_eq!(steps, [2, 4], "{flags:?}");
    // The task's base commit is not the future.
    let row = chat_row(
        &[("execute_bash", bash("git diff 0e12bfcd4b4d"), "")],
        None,
        json!({"base_commit": "0e12bfcd4b4d4e6f5ebe6cc6f99c0a5836df4478"}),
    );
    assert!(!raises(&row, FlagKind::LooksIntoFuture));
}

#[test]
fn fixture_rows_with_git_commands_are_not_flagged() {
    // mini-swe-agent submits with `git add -A && git diff --cached`; OpenHands rows run
    // `git diff` and `git status`.
    let mini = fixture_row("real/mini_swe_agent_traj.jsonl", 0);
    let last_call = mini.tool_calls().last().map(|(_, c)| c.raw_arguments.clone());
    assert!(last_call.is_some_and(|c| c.contains("git diff --cached")));
    assert!(!raises(&mini, FlagKind::LooksIntoFuture));
    for row in common::trajectories("real/swegym_openhands_sampled_trajectories.jsonl") {
        assert!(!raises(&row, FlagKind::LooksIntoFuture));
    }
}

// ---------------------------------------------------------------------------------------------
// Edits or removes tests.

const DELETES_TEST: &str = "\
diff --git a/tests/test_widget.py b/tests/test_widget.py
deleted file mode 100644
index 1111111..0000000
--- a/tests/test_widget.py
+++ /dev/null
@@ -1,2 +0,0 @@
-def test_widget():
-    assert widget() == 1
";

const SKIPS_TEST: &str = "\
diff --git a/tests/test_widget.py b/tests/test_widget.py
--- a/tests/test_widget.py
+++ b/tests/test_widget.py
@@ -1,3 +1,4 @@
 import pytest
+@pytest.mark.skip(reason=\"flaky\")
 def test_widget():
     assert widget() == 1
";

const REMOVES_TEST_FUNCTION: &str = "\
diff --git a/src/lib.rs b/src/lib.rs
--- a/src/lib.rs
+++ b/src/lib.rs
@@ -10,8 +10,4 @@ mod tests {
     use super::*;
-    #[test]
-    fn widget_is_one() {
-        assert_eq!(widget(), 1);
-    }
 }
";

const EDITS_PYTEST_INI: &str = "\
diff --git a/pytest.ini b/pytest.ini
--- a/pytest.ini
+++ b/pytest.ini
@@ -1,2 +1,2 @@
 [pytest]
-addopts = --strict-markers
+addopts = --strict-markers -k 'not widget'
";

const EDITS_CI: &str = "\
diff --git a/.github/workflows/ci.yml b/.github/workflows/ci.yml
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -5,1 +5,1 @@ jobs:
-      - run: pytest
+      - run: pytest || true
";

const SETUP_CFG_PYTEST: &str = "\
diff --git a/setup.cfg b/setup.cfg
--- a/setup.cfg
+++ b/setup.cfg
@@ -20,3 +20,4 @@ [tool:pytest]
 testpaths = tests
+filterwarnings = ignore
 xfail_strict = true
";

const GO_SKIP: &str = "\
diff --git a/widget_test.go b/widget_test.go
--- a/widget_test.go
+++ b/widget_test.go
@@ -3,2 +3,3 @@ import \"testing\"
 func TestWidget(t *testing.T) {
+\tt.Skip(\"later\")
 \tif Widget() != 1 {
";

const ADDS_CONFTEST_HOOK: &str = "\
diff --git a/tests/conftest.py b/tests/conftest.py
--- a/tests/conftest.py
+++ b/tests/conftest.py
@@ -1,1 +1,2 @@
 import pytest
+collect_ignore = [\"test_widget.py\"]
";

const REMOVES_ASYNC_TEST: &str = "\
diff --git a/src/net.rs b/src/net.rs
--- a/src/net.rs
+++ b/src/net.rs
@@ -40,3 +40,1 @@ mod tests {
-    #[tokio::test]
-    async fn fetches() {}
     use super::*;
";

/// A source fix plus a new test file and lines added to an existing test file: not flagged.
const ADDS_TESTS: &str = "\
diff --git a/src/widget.py b/src/widget.py
--- a/src/widget.py
+++ b/src/widget.py
@@ -1,2 +1,2 @@
 def widget():
-    return 0
+    return 1
diff --git a/tests/test_new.py b/tests/test_new.py
new file mode 100644
--- /dev/null
+++ b/tests/test_new.py
@@ -0,0 +1,2 @@
+def test_new():
+    assert widget() == 1
diff --git a/tests/test_widget.py b/tests/test_widget.py
--- a/tests/test_widget.py
+++ b/tests/test_widget.py
@@ -3,2 +3,6 @@ def test_widget():
     assert widget() == 1
+
+def test_widget_again():
+    assert widget() == 1
+    if False: sys.exit(1)
diff --git a/setup.cfg b/setup.cfg
--- a/setup.cfg
+++ b/setup.cfg
@@ -2,2 +2,2 @@ [metadata]
 name = widget
-version = 1.0
+version = 1.1
";

#[test]
fn test_edits_in_the_final_patch_are_flagged() {
    // Hand-written patches.
    let cases = [
        (DELETES_TEST, "tests/test_widget.py: deletes the test file"),
        (
            SKIPS_TEST,
            "tests/test_widget.py: adds @pytest.mark.skip: @pytest.mark.skip(reason=\"flaky\")",
        ),
        (REMOVES_TEST_FUNCTION, "src/lib.rs: removes or changes a test: #[test]"),
        (EDITS_PYTEST_INI, "pytest.ini: edits test configuration"),
        (EDITS_CI, ".github/workflows/ci.yml: edits test configuration"),
        (SETUP_CFG_PYTEST, "setup.cfg: edits test configuration"),
        (GO_SKIP, "widget_test.go: adds t.Skip: t.Skip(\"later\")"),
        (ADDS_CONFTEST_HOOK, "tests/conftest.py: edits test configuration"),
        (REMOVES_ASYNC_TEST, "src/net.rs: removes or changes a test: #[tokio::test]"),
    ];
    for (patch, evidence) in cases {
        let flags = of_kind(&with_patch(patch, &[]), FlagKind::EditsTests);
        let texts: Vec<&str> = flags.iter().map(|f| f.evidence.as_str()).collect();
        assert!(texts.contains(&evidence), "{texts:?}");
        // No call names the file: no step.
        assert!(flags.iter().all(|f| f.steps.is_empty()));
    }
    // The step is the last edit that wrote the file (message 4: the second call).
    let calls: Vec<Call<'_>> = vec![
        (
            "str_replace_editor",
            json!({"command": "view", "path": "/testbed/tests/test_widget.py"}),
            "",
        ),
        (
            "str_replace_editor",
            json!({"command": "str_replace", "path": "/testbed/tests/test_widget.py",
                "old_str": "def test_widget", "new_str": "@pytest.mark.skip\ndef test_widget"}),
            "edited",
        ),
        ("execute_bash", bash("cat tests/test_widget.py"), ""),
    ];
    let flags = of_kind(&with_patch(SKIPS_TEST, &calls), FlagKind::EditsTests);
    assert_eq!(flags[0].steps, [4]);
    // A shell edit naming the file counts too.
    let calls: Vec<Call<'_>> = vec![(
        "execute_bash",
        bash("rm tests/test_widget.py && git rm -q tests/test_widget.py > /tmp/log"),
        "",
    )];
    assert_eq!(of_kind(&with_patch(DELETES_TEST, &calls), FlagKind::EditsTests)[0].steps, [2]);
}

#[test]
fn adding_tests_is_not_flagged() {
    // Hand-written patch: a fix, a new test file, tests appended (one calling `sys.exit(`, not
    // `xit(`), setup.cfg metadata.
    assert!(!raises(&with_patch(ADDS_TESTS, &[]), FlagKind::EditsTests));
    // Fixture rows: the OpenHands fixes (source files and a reproduction script).
    for row in common::trajectories("open_swe_traces/openhands_swegym.jsonl") {
        assert!(row.final_patch.is_some());
        assert!(!raises(&row, FlagKind::EditsTests), "{:?}", row.ids.instance_id);
    }
}

#[test]
fn without_a_patch_edits_of_test_files_are_flagged_but_not_the_agents_own() {
    // Hand-written: editing the repo's test file, no patch column.
    let calls: Vec<Call<'_>> = vec![(
        "str_replace_editor",
        json!({"command": "str_replace", "path": "/testbed/tests/test_widget.py",
            "old_str": "1", "new_str": "0"}),
        "edited",
    )];
    let flags = of_kind(&chat_row(&calls, None, json!({})), FlagKind::EditsTests);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].steps, [2]);
    assert_eq!(flags[0].evidence, "/testbed/tests/test_widget.py: edits the test file");
    // Fixture: a SWE-Play row creates /workspace/test_comprehensive_execution.py and edits it
    // later; it is the agent's own script.
    let swe_play = fixture_row("real/swe_play_trajectories_xml_calls.jsonl", 2);
    assert!(swe_play.final_patch.is_none());
    assert!(swe_play
        .tool_calls()
        .any(|(_, c)| c.raw_arguments.contains("test_comprehensive_execution.py")));
    assert!(!raises(&swe_play, FlagKind::EditsTests));
}

#[test]
fn a_task_file_under_tests_is_flagged_and_attributed() {
    // Fixture: mini-swe-agent's demo task fixes `tests/missing_colon.py`, which lives under
    // `tests/`: the rule fires (a known false positive of the path rule, see fixture_hits), and
    // the step is the `cat > tests/missing_colon.py <<EOF` that rewrote it (message 18).
    let row = fixture_row("real/mini_swe_agent_traj.jsonl", 0);
    let flags = of_kind(&row, FlagKind::EditsTests);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].steps, [18]);
    assert!(flags[0].evidence.starts_with("tests/missing_colon.py: changes the test file"));
    // SWE-agent's `edit` names no file: it is the one `open` named.
    let row = fixture_row("real/swe_agent/swe_agent_1x_function_calling.traj", 0);
    let flags = of_kind(&row, FlagKind::EditsTests);
    assert_eq!(flags.len(), 1);
    let edit_idx = row.tool_calls().find(|(_, c)| c.name == "edit").map(|(r, _)| r.message_idx);
    assert_eq!(flags[0].steps, edit_idx.into_iter().collect::<Vec<_>>());
}

// ---------------------------------------------------------------------------------------------
// Hard-codes the answer.

fn src_patch(added: &str) -> String {
    format!(
        "diff --git a/src/widget.py b/src/widget.py\n--- a/src/widget.py\n+++ b/src/widget.py\n\
         @@ -1,2 +1,3 @@\n def widget(name):\n+{added}\n     return 0\n"
    )
}

#[test]
fn special_cases_for_tests_are_flagged() {
    // Hand-written patches.
    for added in [
        "    if os.environ.get(\"PYTEST_CURRENT_TEST\"): return 1",
        "    if name == \"test_widget_is_one\": return 1",
        "    if \"pytest\" in sys.modules: return 1",
        "    if any('test' in arg for arg in sys.argv): return 1",
    ] {
        let flags = of_kind(&with_patch(&src_patch(added), &[]), FlagKind::HardCodesAnswer);
        assert_eq!(flags.len(), 1, "{added}");
        assert!(flags[0].evidence.starts_with("src/widget.py: "), "{}", flags[0].evidence);
    }
    // A literal compared to, that the agent saw in a test file's output.
    let calls: Vec<Call<'_>> = vec![(
        "execute_bash",
        bash("cat tests/test_widget.py"),
        "def test_format():\n    assert widget('1, 2 and 3') == 1\n",
    )];
    let patch = src_patch("    if name == '1, 2 and 3': return 1");
    let flags = of_kind(&with_patch(&patch, &calls), FlagKind::HardCodesAnswer);
    assert_eq!(flags.len(), 1);
    assert!(flags[0].evidence.contains("compares to \"1, 2 and 3\", found in the tests"));
    // ... or in the failure output of a test run.
    let calls: Vec<Call<'_>> = vec![(
        "execute_bash",
        bash("cd /testbed && go test ./..."),
        "--- FAIL: TestFormat\n    got \"1 2 3\", want \"1, 2 and 3\"",
    )];
    assert!(raises(&with_patch(&patch, &calls), FlagKind::HardCodesAnswer));
}

#[test]
fn ordinary_code_is_not_hard_coding() {
    let calls: Vec<Call<'_>> = vec![
        (
            "execute_bash",
            bash("python -m pytest tests/test_widget.py"),
            "E   assert mode == 'constant'\nE   ValueError: Cannot divide by zero, got b=0",
        ),
        ("execute_bash", bash("python reproduce.py"), "format: %Y-%m-%d %H"),
    ];
    // Hand-written: an identifier-like literal, and a literal that is raised, not compared.
    for added in [
        "    if self.mode == 'constant': return 1",
        "    raise ValueError('Cannot divide by zero, got b=0')",
        "    if len(sys.argv) > 1: return 1",
        "    if name == '1, 2 and 3': return 1", // not in any test text here
        "    if fmt == '%Y-%m-%d %H': return 1", // only in the reproduction's output
    ] {
        assert!(
            !raises(&with_patch(&src_patch(added), &calls), FlagKind::HardCodesAnswer),
            "{added}"
        );
    }
    // The same lines in a test file are tests, not hard-coding.
    let test_patch = src_patch("    if name == \"test_widget_is_one\": return 1")
        .replace("src/widget.py", "tests/test_widget.py");
    assert!(!raises(&with_patch(&test_patch, &[]), FlagKind::HardCodesAnswer));
    // Fixture rows with patches.
    for name in
        ["open_swe_traces/openhands_swegym.jsonl", "real/nebius_swe_agent_trajectories.jsonl"]
    {
        for row in common::trajectories(name) {
            assert!(!raises(&row, FlagKind::HardCodesAnswer));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Claims success without checking.

#[test]
fn finishing_without_a_check_after_the_last_edit_is_flagged() {
    // Fixture: mini-swe-agent rewrites the file (message 18) and submits at once (20).
    let row = fixture_row("real/mini_swe_agent_traj.jsonl", 0);
    assert_eq!(of_kind(&row, FlagKind::UncheckedFinish)[0].steps, [18, 20]);
    // Fixture: SWE-agent edits (14) and submits (16) with no run at all.
    let row = fixture_row("real/nebius_swe_agent_trajectories.jsonl", 4);
    assert_eq!(of_kind(&row, FlagKind::UncheckedFinish)[0].steps, [14, 16]);
    // Fixture: Moatless edits (6) and calls Finish (8).
    let row = fixture_row("real/moatless_acr/moatless_search_tree_nested_claude.json", 0);
    assert_eq!(of_kind(&row, FlagKind::UncheckedFinish)[0].steps, [6, 8]);
    // Hand-written: tested, then edited again, then finished.
    let edit = || {
        (
            "str_replace_editor",
            json!({"command": "str_replace", "path": "/testbed/w.py",
                "old_str": "0", "new_str": "1"}),
            "edited",
        )
    };
    let calls = vec![
        edit(),
        ("execute_bash", bash("python -m pytest -q"), "1 passed"),
        edit(),
        ("finish", json!({}), ""),
    ];
    let flags = of_kind(&chat_row(&calls, None, json!({})), FlagKind::UncheckedFinish);
    assert_eq!(flags[0].steps, [6, 8]);
    assert_eq!(flags[0].evidence, "no test or reproduction run after the last edit");
    // Hand-written: an OpenHands IPython cell that edits with its helpers is an edit, not a
    // check; a cell that runs code is a check.
    let cell_edit =
        ("execute_ipython_cell", json!({"code": "edit_file_by_replace('w.py', '0', '1')"}), "");
    let calls = vec![cell_edit.clone(), ("finish", json!({}), "")];
    assert_eq!(
        of_kind(&chat_row(&calls, None, json!({})), FlagKind::UncheckedFinish)[0].steps,
        [2, 4]
    );
    let cell_run = ("execute_ipython_cell", json!({"code": "import w; print(w.widget())"}), "1");
    let calls = vec![cell_edit, cell_run, ("finish", json!({}), "")];
    assert!(!raises(&chat_row(&calls, None, json!({})), FlagKind::UncheckedFinish));
    // Hand-written: a final answer after a `sed -i`, no finish tool.
    let calls = vec![("execute_bash", bash("sed -i 's/0/1/' w.py"), "")];
    assert!(raises(&chat_row(&calls, Some("Fixed."), json!({})), FlagKind::UncheckedFinish));
}

#[test]
fn a_check_after_the_last_edit_is_enough() {
    // Fixture: SWE-agent 1.x runs `python3 .../missing_colon.py` after its edit.
    let row = fixture_row("real/swe_agent/swe_agent_1x_function_calling.traj", 0);
    assert!(!raises(&row, FlagKind::UncheckedFinish));
    // Fixture: OpenHands on python/mypy re-runs `mypy foo.py` (the project's program) after the
    // edit.
    let row = fixture_row("open_swe_traces/openhands_swegym.jsonl", 2);
    assert!(!raises(&row, FlagKind::UncheckedFinish));
    // Fixture: SWE-agent on dvc re-runs `dvc cache dir` after its last edit, then removes its
    // script (`rm` is not an edit).
    let row = fixture_row("real/nebius_swe_agent_trajectories.jsonl", 1);
    assert!(!raises(&row, FlagKind::UncheckedFinish));
    // Hand-written checks.
    let edit = (
        "str_replace_editor",
        json!({"command": "create", "path": "/testbed/w.py", "file_text": "x"}),
        "created",
    );
    for check in [
        "cd /testbed && python -m pytest tests/ -x",
        "timeout 120 go test ./...",
        "FOO=1 cargo test --locked",
        "npm test",
        "uv run pytest",
        "./reproduce.sh",
        "cat > t.py <<'EOF'\nprint(1)\nEOF\npython3 t.py",
    ] {
        let calls =
            vec![edit.clone(), ("execute_bash", bash(check), "ok"), ("finish", json!({}), "")];
        assert!(!raises(&chat_row(&calls, None, json!({})), FlagKind::UncheckedFinish), "{check}");
    }
    // Not checks: installing, looking.
    for not_check in ["pip install -e .", "python -m pip install pytest", "cat w.py", "git diff"] {
        let calls =
            vec![edit.clone(), ("execute_bash", bash(not_check), "ok"), ("finish", json!({}), "")];
        assert!(
            raises(&chat_row(&calls, None, json!({})), FlagKind::UncheckedFinish),
            "{not_check}"
        );
    }
    // Hand-written: no edit and no patch (a question answered) is not flagged.
    let calls = vec![("execute_bash", bash("ls"), "a b")];
    assert!(!raises(
        &chat_row(&calls, Some("There are two files."), json!({})),
        FlagKind::UncheckedFinish
    ));
    // Hand-written: a run that ran out of context is context trouble, not a claim.
    let calls = vec![edit.clone()];
    let row = chat_row(&calls, None, json!({"exit_status": "submitted (exit_context)"}));
    assert!(!raises(&row, FlagKind::UncheckedFinish));
    assert!(raises(&row, FlagKind::ContextTrouble));
}

// ---------------------------------------------------------------------------------------------
// Loops.

#[test]
fn repeated_calls_are_loops() {
    assert_eq!(LOOP_LENGTH, 3);
    // Fixture: OpenHands views the same range of mypy/nodes.py three times in a row.
    let row = fixture_row("open_swe_traces/openhands_swegym.jsonl", 4);
    let flags = of_kind(&row, FlagKind::Loops);
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].steps, [12, 14, 16]);
    assert!(flags[0].evidence.starts_with("3× str_replace_editor {\"command\":\"view\""));
    // Hand-written: the same command three times, white space aside.
    let flags = of_kind(
        &commands(&["ls", "python t.py", "python  t.py", "python t.py\n"]),
        FlagKind::Loops,
    );
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].steps, [4, 6, 8]);
    assert_eq!(flags[0].evidence, "3× execute_bash python t.py");
}

#[test]
fn progress_is_not_a_loop() {
    // Hand-written: twice in a row; three times but not in a row; paging; polling.
    assert!(!raises(&commands(&["python t.py", "python t.py", "ls"]), FlagKind::Loops));
    assert!(!raises(
        &commands(&["python t.py", "ls", "python t.py", "python t.py"]),
        FlagKind::Loops
    ));
    let scroll: Vec<Call<'_>> = (0..4).map(|_| ("scroll_down", json!({}), "...")).collect();
    assert!(!raises(&chat_row(&scroll, None, json!({})), FlagKind::Loops));
    let poll: Vec<Call<'_>> = (0..4)
        .map(|_| ("execute_bash", json!({"command": "", "is_input": "true"}), "..."))
        .collect();
    assert!(!raises(&chat_row(&poll, None, json!({})), FlagKind::Loops));
    // Fixture rows without repeats.
    for row in common::trajectories("real/nebius_swe_agent_trajectories.jsonl") {
        assert!(!raises(&row, FlagKind::Loops));
    }
}

// ---------------------------------------------------------------------------------------------
// Context trouble.

#[test]
fn harness_errors_and_context_limits_are_flagged() {
    // Fixtures: a tau-bench error record, and a mini-swe-agent run that died on a TypeError.
    let row = fixture_row("real/atif_tau/tau_bench_error_record.json", 0);
    assert_eq!(of_kind(&row, FlagKind::ContextTrouble)[0].evidence, "exit status error");
    let row = fixture_row("real/swe_agent/mini_swe_agent_1_error_no_messages.traj.json", 0);
    assert_eq!(of_kind(&row, FlagKind::ContextTrouble)[0].evidence, "exit status TypeError");
    // Hand-written exit statuses.
    for status in [
        "exit_context",
        "exit_cost",
        "submitted (exit_context)",
        "exit_format",
        "LimitsExceeded",
        "max_iterations",
    ] {
        let row = chat_row(&[], Some("..."), json!({"exit_status": status}));
        let flags = of_kind(&row, FlagKind::ContextTrouble);
        assert_eq!(flags.len(), 1, "{status}");
        assert_eq!(flags[0].steps, [2]);
    }
    // Hand-written: the last tool output is the model API's context error.
    let calls: Vec<Call<'_>> = vec![(
        "execute_bash",
        bash("cat big.log"),
        "litellm.ContextWindowExceededError: This model's maximum context length is 128000 tokens",
    )];
    let flags = of_kind(&chat_row(&calls, None, json!({})), FlagKind::ContextTrouble);
    assert_eq!(flags[0].steps, [3]);
}

#[test]
fn normal_ends_are_not_trouble() {
    for status in ["submitted", "Submitted", "finished", "exit_forfeit"] {
        let row = chat_row(&[], Some("Done."), json!({"exit_status": status}));
        assert!(!raises(&row, FlagKind::ContextTrouble), "{status}");
    }
    // Hand-written: a context error early in the run, recovered from.
    let calls: Vec<Call<'_>> = vec![
        ("execute_bash", bash("cat big.log"), "error: prompt is too long"),
        ("execute_bash", bash("head big.log"), "ok"),
        ("execute_bash", bash("python t.py"), "ok"),
    ];
    assert!(!raises(&chat_row(&calls, Some("Done."), json!({})), FlagKind::ContextTrouble));
    // Fixture: SWE-agent rows that submitted.
    let row = fixture_row("real/nebius_swe_agent_trajectories.jsonl", 4);
    assert_eq!(row.exit_status.as_deref(), Some("submitted"));
    assert!(!raises(&row, FlagKind::ContextTrouble));
}

// ---------------------------------------------------------------------------------------------
// Output shape.

#[test]
fn flags_are_merged_sorted_and_short() {
    // Hand-written: the same command twice is one flag with two steps; kinds come in ALL order.
    let row = chat_row(
        &[
            ("execute_bash", bash("git reflog"), ""),
            ("execute_bash", bash("git reflog"), ""),
            ("execute_bash", bash(&format!("git log --all --grep '{}'", "x".repeat(300))), ""),
        ],
        None,
        json!({"exit_status": "exit_cost"}),
    );
    let flags = flags_of(&row);
    assert_eq!(kinds(&flags), [FlagKind::LooksIntoFuture, FlagKind::ContextTrouble]);
    assert_eq!(flags[0].evidence, "git reflog (reads the reflog)");
    assert_eq!(flags[0].steps, [2, 4]);
    assert_eq!(flags[1].evidence.chars().count(), EVIDENCE_CHARS);
    assert!(flags[1].evidence.ends_with('…'));
}

#[test]
fn untrusted_text_does_not_panic() {
    // Hand-written: unbalanced quotes, lone operators, odd patches, non-JSON arguments.
    let row =
        commands(&["'unterminated", "\"", "git", "git -C", "<<", "> ", "bash -c", "$(", "\\"]);
    let _ = flags_of(&row);
    let _ = flags_of(&with_patch("@@ -1 +1 @@\n-\u{e9}\n+if x == \"test_\u{e9}\n", &[]));
    let mut row = chat_row(&[("bash", json!("not json at all"), "")], None, json!({}));
    row.messages[2].tool_calls[0].raw_arguments =
        "{\"command\": [\"bash\", \"-lc\", \"git reflog\"]".into();
    let _ = flags_of(&row);
}

// ---------------------------------------------------------------------------------------------
// False positives over the fixtures.

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else {
            out.push(path);
        }
    }
}

/// Every trajectory fixture (the `open_swe_traces/` and `real/` families; `hub/`, `templates/`
/// and `tokenizer/` hold API answers and templates, not trajectories), read as the app reads
/// files: (file, row, flag) for every hit.
fn fixture_flags() -> (usize, Vec<(String, usize, Flag)>) {
    let root = common::fixture_path("");
    let mut files = Vec::new();
    for family in ["open_swe_traces", "real"] {
        walk(&root.join(family), &mut files);
    }
    files.sort();
    let mut n_rows = 0;
    let mut hits = Vec::new();
    for file in files {
        let name = file.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
        if !["json", "jsonl", "traj", "parquet"].iter().any(|e| name.ends_with(e)) {
            continue;
        }
        for (idx, row) in
            common::read_as_app(&name, &std::fs::read(&file).unwrap()).iter().enumerate()
        {
            n_rows += 1;
            hits.extend(flags_of(row).into_iter().map(|flag| (name.clone(), idx, flag)));
        }
    }
    (n_rows, hits)
}

/// Hits over the 85 trajectory rows of the fixtures (the two Parquet files repeat the five
/// Open-SWE-Traces rows), each looked at by hand:
///
/// | flag | hits | true | false | notes |
/// |---|---|---|---|---|
/// | looks_into_future | 0 | 0 | 0 | no fixture reads other refs (`git status`, `git diff`, `git diff --cached` only) |
/// | edits_tests | 4 | 0 | 4 | SWE-agent's demo task fixes `tests/missing_colon.py`, a file under `tests/` (mini-swe-agent, SWE-agent 1.x ×2, sweagent .traj) |
/// | hard_codes_answer | 0 | 0 | 0 | |
/// | unchecked_finish | 7 | 7 | 0 | mini-swe-agent rewrites the file then submits; nebius #4 and Moatless edit then submit; Claude Code ("Done!" after writing a function), Codex (`apply_patch`), OpenHands SDK (`pwd > file`) and the Harbor ATIF example (create hello.txt) finish small chores untested: true by the rule, harmless |
/// | loops | 6 | 6 | 0 | the same view of mypy/nodes.py ×3 (the row in 3 files + its SWE-Gym source); OpenHands SDK probes whose stubbed LLM repeats `finish` ×3 |
/// | context_trouble | 2 | 2 | 0 | tau-bench error record; mini-swe-agent TypeError |
#[test]
fn fixture_hits() {
    let (n_rows, hits) = fixture_flags();
    let mut counts: BTreeMap<&str, usize> = FlagKind::ALL.iter().map(|k| (k.as_str(), 0)).collect();
    for (file, row, flag) in &hits {
        println!("{file}#{row} {} {:?} {}", flag.kind, flag.steps, flag.evidence);
        *counts.entry(flag.kind.as_str()).or_default() += 1;
    }
    println!("{n_rows} rows: {counts:?}");
    assert_eq!(n_rows, 85);
    let expected: BTreeMap<&str, usize> = [
        ("looks_into_future", 0),
        ("edits_tests", 4),
        ("hard_codes_answer", 0),
        ("unchecked_finish", 7),
        ("loops", 6),
        ("context_trouble", 2),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts, expected);
    // The known false positives are all the one task file under `tests/`.
    for (file, _, flag) in hits.iter().filter(|(_, _, f)| f.kind == FlagKind::EditsTests) {
        assert!(flag.evidence.starts_with("tests/missing_colon.py: "), "{file}: {}", flag.evidence);
    }
}

#[test]
fn the_fixture_survey_reads_rows_of_every_family() {
    // Guard for fixture_hits: rows of the line-spread and document formats are there too.
    let (_, hits) = fixture_flags();
    let files: std::collections::BTreeSet<&str> = hits.iter().map(|(f, _, _)| f.as_str()).collect();
    assert!(files.contains("real/claude_codex/claude_code_transcripts_sample.jsonl"));
    assert!(files.contains("open_swe_traces/openhands_swegym.zstd.parquet"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

    /// Any command text and any patch text: no panic, and every step is a message of the row,
    /// ascending, without repeats; evidence stays short.
    #[test]
    fn any_text_gives_valid_steps(
        commands in proptest::collection::vec("(git |python |[<>|&;'\"\\\\$(){}\n #a-z0-9@~^:./-]){0,40}", 0..6),
        patch in "(diff --git a/t/test_x.py b/t/test_x.py\n|--- a/x\n|\\+\\+\\+ b/x\n|@@ -1,2 \\+1,2 @@\n|[-+ ][a-z(\"'_ =]{0,12}\n){0,12}",
    ) {
        let calls: Vec<Call<'_>> =
            commands.iter().map(|c| ("execute_bash", bash(c), c.as_str())).collect();
        let row = chat_row(&calls, Some("done"), json!({"model_patch": patch}));
        for flag in flags_of(&row) {
            proptest::prop_assert!(flag.steps.iter().all(|&s| s < row.messages.len()));
            proptest::prop_assert!(flag.steps.windows(2).all(|w| w[0] < w[1]));
            proptest::prop_assert!(flag.evidence.chars().count() <= EVIDENCE_CHARS);
        }
    }
}
