//! Comparing runs of one task: two final patches against the reference patch, file by file and
//! hunk by hunk; the first step where two trajectories do something different; and, over many
//! rows, how many runs of each task instance resolved.
//!
//! # Patches
//! [`compare_patches`] parses each text with `patch::parse` and matches by sets, not by a line
//! diff:
//! - **files** by path ([`crate::domain::patch::FilePatch::path`], a leading `./` dropped);
//! - **hunks** by their changed lines: two hunks are the same when their added and removed lines,
//!   in order, have the same kinds and texts (trailing white space ignored). Context lines and
//!   line numbers do not count, so the same change made at another offset is shared;
//! - **lines** as multisets of changed lines (kind and text, trailing white space ignored): the
//!   number of lines that differ between two sides is the size of their symmetric difference (a
//!   line changed twice in one side and once in the other differs once).
//!
//! # Steps
//! A step is a turn (one assistant message and its tool calls, `Trajectory::turns`). What a step
//! does is the list of its calls' [`Action`]s: the tool, the file it names
//! (`flags::call_file`) and the command (`flags::shell_command` for shell calls, the
//! sub-command such as `view` or `str_replace` for editors, the `command` argument otherwise),
//! white space collapsed. Shell tools (`flags::SHELL_TOOLS`) count as one tool, and so do the
//! file editors (`str_replace_editor`, `str_replace_based_edit_tool`, `file_editor`,
//! `EditAction`), so that harnesses that name them differently can be compared. Files are
//! compared without the task checkout's root (`/testbed/`, `/workspace/NAME/`, `/repo/`,
//! `/app/`). Arguments beyond the file and the command (an edit's text, a view's line range) are
//! not compared: they say how, not what.

use std::collections::BTreeMap;

use crate::domain::flags::{call_file, collapse_whitespace, shell_command, SHELL_TOOLS};
use crate::domain::patch::{self, Hunk, LineKind, Patch};
use crate::domain::trajectory::{Outcome, ToolCall, Trajectory};

/// One of the three patches compared; its index into the `[_; 3]` arrays below is
/// [`Side::index`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The first run's final patch.
    A,
    /// The second run's final patch.
    B,
    /// The reference (gold) patch.
    Reference,
}

impl Side {
    /// Every side, in index order.
    pub const ALL: [Side; 3] = [Side::A, Side::B, Side::Reference];

    /// Its index in the arrays of this module: A 0, B 1, reference 2.
    pub fn index(self) -> usize {
        match self {
            Side::A => 0,
            Side::B => 1,
            Side::Reference => 2,
        }
    }

    /// `a`, `b` or `reference`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::A => "a",
            Side::B => "b",
            Side::Reference => "reference",
        }
    }
}

/// The three-way comparison of two final patches and a reference patch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PatchComparison {
    /// Which sides were given a patch text, by [`Side::index`].
    pub present: [bool; 3],
    /// Every file some side changes, in order of first appearance (A's files, then B's, then
    /// the reference's).
    pub files: Vec<FileComparison>,
}

/// One file in a [`PatchComparison`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileComparison {
    /// The file's path (`(no path)` for hunks that came without a header).
    pub path: String,
    /// Which sides change the file, by [`Side::index`].
    pub touched: [bool; 3],
    /// Every distinct hunk of the file over the three sides, in order of first appearance.
    pub hunks: Vec<HunkComparison>,
    /// Changed (added plus removed) lines of the file in each side (lines), by [`Side::index`].
    pub changed_lines: [usize; 3],
    /// Changed lines that differ between two sides (lines).
    pub differing_lines: LineDifferences,
}

/// One distinct hunk and the sides that have it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HunkComparison {
    /// The hunk as the first side having it wrote it (line numbers and context are that side's).
    pub hunk: Hunk,
    /// Which sides have a hunk with the same changed lines, by [`Side::index`].
    pub sides: [bool; 3],
}

impl HunkComparison {
    /// Whether both runs have this hunk.
    pub fn shared_by_runs(&self) -> bool {
        self.sides[0] && self.sides[1]
    }

    /// The sides that have it, in index order.
    pub fn sides(&self) -> Vec<Side> {
        Side::ALL.into_iter().filter(|side| self.sides[side.index()]).collect()
    }
}

/// Numbers of changed lines (lines) in one side and not the other, or the other way round, per
/// pair of sides.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LineDifferences {
    /// Between A and B.
    pub a_b: usize,
    /// Between A and the reference.
    pub a_reference: usize,
    /// Between B and the reference.
    pub b_reference: usize,
}

impl std::ops::AddAssign for LineDifferences {
    fn add_assign(&mut self, other: LineDifferences) {
        self.a_b += other.a_b;
        self.a_reference += other.a_reference;
        self.b_reference += other.b_reference;
    }
}

impl PatchComparison {
    /// Differing changed lines over every file (lines).
    pub fn differing_lines(&self) -> LineDifferences {
        let mut total = LineDifferences::default();
        for file in &self.files {
            total += file.differing_lines;
        }
        total
    }

    /// Files changed by exactly one side, with that side.
    pub fn files_of_one_side(&self) -> Vec<(&str, Side)> {
        self.files
            .iter()
            .filter_map(|file| match Side::ALL.map(|s| file.touched[s.index()]) {
                [true, false, false] => Some((file.path.as_str(), Side::A)),
                [false, true, false] => Some((file.path.as_str(), Side::B)),
                [false, false, true] => Some((file.path.as_str(), Side::Reference)),
                _ => None,
            })
            .collect()
    }
}

/// A changed line as compared: its kind and its text without trailing white space.
type LineKey = (char, String);

fn hunk_key(hunk: &Hunk) -> Vec<LineKey> {
    hunk.lines
        .iter()
        .filter(|line| line.kind != LineKind::Context)
        .map(|line| (line.kind.sign(), line.text.trim_end().to_owned()))
        .collect()
}

fn file_path(file: &patch::FilePatch) -> String {
    file.path().map(|p| p.trim_start_matches("./").to_owned()).unwrap_or_else(|| "(no path)".into())
}

/// Compares two runs' final patches `a` and `b` with the reference patch, file by file and
/// hunk by hunk (see the module doc for how they are matched). `None` for a side without a
/// patch; an empty or unparsable text is a patch that changes no file.
pub fn compare_patches(
    a: Option<&str>,
    b: Option<&str>,
    reference: Option<&str>,
) -> PatchComparison {
    let texts = [a, b, reference];
    let patches: [Option<Patch>; 3] = texts.map(|text| text.map(|t| patch::parse(t).0));
    let mut comparison = PatchComparison { present: texts.map(|t| t.is_some()), files: Vec::new() };
    // Per file: the changed lines of each side as multisets.
    let mut lines: Vec<[BTreeMap<LineKey, usize>; 3]> = Vec::new();
    let mut hunk_keys: Vec<Vec<Vec<LineKey>>> = Vec::new();
    for side in Side::ALL {
        let Some(patch) = &patches[side.index()] else { continue };
        for file in &patch.files {
            let path = file_path(file);
            let pos = match comparison.files.iter().position(|f| f.path == path) {
                Some(pos) => pos,
                None => {
                    comparison.files.push(FileComparison { path, ..FileComparison::default() });
                    lines.push(Default::default());
                    hunk_keys.push(Vec::new());
                    comparison.files.len() - 1
                }
            };
            let entry = &mut comparison.files[pos];
            entry.touched[side.index()] = true;
            for hunk in &file.hunks {
                let key = hunk_key(hunk);
                for line in &key {
                    *lines[pos][side.index()].entry(line.clone()).or_insert(0) += 1;
                }
                entry.changed_lines[side.index()] += key.len();
                match hunk_keys[pos].iter().position(|known| *known == key) {
                    Some(h) => entry.hunks[h].sides[side.index()] = true,
                    None => {
                        let mut sides = [false; 3];
                        sides[side.index()] = true;
                        entry.hunks.push(HunkComparison { hunk: hunk.clone(), sides });
                        hunk_keys[pos].push(key);
                    }
                }
            }
        }
    }
    for (file, [la, lb, lr]) in comparison.files.iter_mut().zip(&lines) {
        file.differing_lines = LineDifferences {
            a_b: symmetric_difference(la, lb),
            a_reference: symmetric_difference(la, lr),
            b_reference: symmetric_difference(lb, lr),
        };
    }
    comparison
}

/// The size of the multiset symmetric difference of two line counts (lines).
fn symmetric_difference(x: &BTreeMap<LineKey, usize>, y: &BTreeMap<LineKey, usize>) -> usize {
    let mut n = 0;
    for (line, &count) in x {
        n += count.abs_diff(y.get(line).copied().unwrap_or(0));
    }
    for (line, &count) in y {
        if !x.contains_key(line) {
            n += count;
        }
    }
    n
}

// ---------------------------------------------------------------------------------------------
// Steps.

/// What one tool call does, as runs are compared (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Action {
    /// The tool name as the row gives it.
    pub tool: String,
    /// The file the call names, without the checkout root.
    pub file: Option<String>,
    /// The command, white space collapsed.
    pub command: Option<String>,
}

/// One step of a trajectory: a turn and what its calls do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The turn's index in `Trajectory::turns` (zero-based).
    pub turn: usize,
    /// The index of the turn's assistant message in `Trajectory::messages`.
    pub message_idx: usize,
    /// Its calls' actions, in order; empty for a message without tool calls.
    pub actions: Vec<Action>,
}

/// What two steps differ in, the first of tool, file, command that does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DiffersIn {
    /// Another tool, or another number of calls.
    Tool,
    /// The same tool on another file.
    File,
    /// The same tool and file, another command.
    Command,
}

impl DiffersIn {
    /// `tool`, `file` or `command`.
    pub fn as_str(self) -> &'static str {
        match self {
            DiffersIn::Tool => "tool",
            DiffersIn::File => "file",
            DiffersIn::Command => "command",
        }
    }
}

/// The first step where two trajectories do different things.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Divergence {
    /// The step (turn index, zero-based), the same in both runs.
    pub turn: usize,
    /// The index of that turn's assistant message in the first run's messages.
    pub a_message: usize,
    /// The index of that turn's assistant message in the second run's messages.
    pub b_message: usize,
    /// What differs.
    pub differs_in: DiffersIn,
    /// The first run's actions at that step.
    pub a: Vec<Action>,
    /// The second run's actions at that step.
    pub b: Vec<Action>,
}

/// The steps of a trajectory (one per turn), with what their calls do.
pub fn steps_of(trajectory: &Trajectory) -> Vec<Step> {
    trajectory
        .turns
        .iter()
        .enumerate()
        .map(|(turn, t)| Step {
            turn,
            message_idx: t.assistant_idx,
            actions: trajectory
                .messages
                .get(t.assistant_idx)
                .map(|m| m.tool_calls.iter().map(action_of).collect())
                .unwrap_or_default(),
        })
        .collect()
}

/// File editors that count as one tool.
const EDITORS: [&str; 4] =
    ["str_replace_editor", "str_replace_based_edit_tool", "file_editor", "editaction"];

fn action_of(call: &ToolCall) -> Action {
    let command = shell_command(call)
        .or_else(|| {
            call.arguments().get("command").and_then(|c| c.as_str()).map(|c| {
                if is_editor(&call.name) {
                    c.split_whitespace().next().unwrap_or("").to_owned()
                } else {
                    c.to_owned()
                }
            })
        })
        .map(|c| collapse_whitespace(&c));
    Action { tool: call.name.clone(), file: call_file(call).map(|f| without_root(&f)), command }
}

fn is_editor(name: &str) -> bool {
    EDITORS.iter().any(|e| e.eq_ignore_ascii_case(name))
}

/// The tool as compared: shells as one, editors as one, other names in lower case.
fn tool_class(name: &str) -> String {
    if SHELL_TOOLS.iter().any(|s| s.eq_ignore_ascii_case(name)) {
        "(shell)".to_owned()
    } else if is_editor(name) {
        "(editor)".to_owned()
    } else {
        name.to_ascii_lowercase()
    }
}

/// `path` without the task checkout's root (see the module doc); the root itself is `.`.
pub fn without_root(path: &str) -> String {
    let path = path.trim().trim_end_matches('/');
    let inner = ["/testbed", "/repo", "/app"]
        .iter()
        .find_map(|root| path.strip_prefix(root).filter(|r| r.is_empty() || r.starts_with('/')))
        .or_else(|| {
            let rest = path.strip_prefix("/workspace/")?;
            Some(rest.find('/').map_or("", |at| &rest[at..]))
        });
    match inner {
        Some(inner) => match inner.trim_start_matches('/') {
            "" => ".".to_owned(),
            inner => inner.to_owned(),
        },
        None => path.trim_start_matches("./").to_owned(),
    }
}

/// What two lists of actions differ in, if they do.
fn differs(a: &[Action], b: &[Action]) -> Option<DiffersIn> {
    for (x, y) in a.iter().zip(b) {
        if tool_class(&x.tool) != tool_class(&y.tool) {
            return Some(DiffersIn::Tool);
        }
        if x.file != y.file {
            return Some(DiffersIn::File);
        }
        if x.command != y.command {
            return Some(DiffersIn::Command);
        }
    }
    (a.len() != b.len()).then_some(DiffersIn::Tool)
}

/// The first step (turn) where `a` and `b` differ in what they do (see the module doc), or
/// `None` when the steps of one are the first steps of the other: then the shorter run ends at
/// step `min(steps_of(a).len(), steps_of(b).len())` (its number of steps) and the longer goes
/// on from there.
pub fn divergence(a: &Trajectory, b: &Trajectory) -> Option<Divergence> {
    let (steps_a, steps_b) = (steps_of(a), steps_of(b));
    steps_a.into_iter().zip(steps_b).find_map(|(x, y)| {
        differs(&x.actions, &y.actions).map(|differs_in| Divergence {
            turn: x.turn,
            a_message: x.message_idx,
            b_message: y.message_idx,
            differs_in,
            a: x.actions,
            b: y.actions,
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Runs per instance.

/// The runs of one task instance in a set of rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InstanceRuns {
    /// The `instance_id`.
    pub instance_id: String,
    /// Rows with this instance id (count).
    pub n_runs: usize,
    /// Of which resolved (count).
    pub n_resolved: usize,
    /// Of which evaluated and not resolved (count).
    pub n_failed: usize,
    /// Of which not evaluated (count).
    pub n_unknown: usize,
}

impl InstanceRuns {
    /// Some runs resolve the instance and others fail it: the most instructive pairs.
    pub fn is_mixed(&self) -> bool {
        self.n_resolved > 0 && self.n_failed > 0
    }
}

/// Per instance id, its runs and their outcomes, sorted by instance id, from `(instance_id,
/// outcome)` pairs (one per row).
pub fn instance_runs<'a>(rows: impl IntoIterator<Item = (&'a str, Outcome)>) -> Vec<InstanceRuns> {
    let mut by_id: BTreeMap<&str, InstanceRuns> = BTreeMap::new();
    for (id, outcome) in rows {
        let entry = by_id
            .entry(id)
            .or_insert_with(|| InstanceRuns { instance_id: id.to_owned(), ..Default::default() });
        entry.n_runs += 1;
        match outcome {
            Outcome::Resolved => entry.n_resolved += 1,
            Outcome::Failed => entry.n_failed += 1,
            Outcome::Unknown => entry.n_unknown += 1,
        }
    }
    by_id.into_values().collect()
}

// ---------------------------------------------------------------------------------------------
// Runs side by side.

/// Metadata keys that name the harness (agent scaffold) of a row, in the order they are tried.
pub const HARNESS_KEYS: [&str; 5] = ["harness", "agent", "scaffold", "agent_name", "agent_class"];

/// The harness that produced a row: the first of [`HARNESS_KEYS`] in `Trajectory::metadata`
/// that is a non-empty string (Open-SWE-Traces merges its `metadata` column there), else the
/// detected row format (`Format::as_str`, such as `openai_tool_calls`), which tells harness
/// families apart.
pub fn harness_of(trajectory: &Trajectory) -> String {
    HARNESS_KEYS
        .iter()
        .find_map(|key| trajectory.metadata.get(*key)?.as_str().map(str::trim))
        .filter(|name| !name.is_empty())
        .map_or_else(|| trajectory.format.as_str().to_owned(), str::to_owned)
}

/// One line of the side-by-side header of two runs: a label and each run's value as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FactPair {
    /// What the line shows (`Outcome`, `Turns`, ...).
    pub label: &'static str,
    /// The first run's value (`—` when it has none).
    pub a: String,
    /// The second run's value (`—` when it has none).
    pub b: String,
}

impl FactPair {
    /// Whether the two runs differ on this line.
    pub fn differs(&self) -> bool {
        self.a != self.b
    }
}

/// The facts of one run as `(label, text)`, in display order: instance, harness
/// ([`harness_of`]), teacher model, outcome, exit status, turns, tool calls, tool errors,
/// tokens (exact or estimated, as `TrajectoryMetrics::tokens`), finished, patch files and
/// changed lines (added + removed), and the flags' keys. Missing values are `—`.
pub fn run_facts(
    trajectory: &Trajectory,
    metrics: &crate::domain::TrajectoryMetrics,
) -> Vec<(&'static str, String)> {
    const MISSING: &str = "—";
    let or_missing = |value: Option<&String>| value.cloned().unwrap_or_else(|| MISSING.to_owned());
    let patch = metrics.final_patch.as_ref().filter(|p| !p.is_empty);
    let flags = crate::domain::flags::kinds(&metrics.flags);
    vec![
        ("Instance", or_missing(trajectory.ids.instance_id.as_ref())),
        ("Harness", harness_of(trajectory)),
        ("Teacher", or_missing(trajectory.ids.model.as_ref())),
        ("Outcome", trajectory.outcome.as_str().to_owned()),
        ("Exit status", or_missing(trajectory.exit_status.as_ref())),
        ("Turns", metrics.n_turns.to_string()),
        ("Tool calls", metrics.n_tool_calls.to_string()),
        ("Tool errors", metrics.n_tool_errors.to_string()),
        ("Tokens", metrics.tokens().to_string()),
        ("Finished", if metrics.finished { "yes" } else { "no" }.to_owned()),
        ("Patch files", patch.map_or_else(|| MISSING.to_owned(), |p| p.stats.n_files.to_string())),
        (
            "Patch lines",
            patch.map_or_else(|| MISSING.to_owned(), |p| p.n_changed_lines().to_string()),
        ),
        (
            "Flags",
            if flags.is_empty() {
                "none".to_owned()
            } else {
                flags.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
            },
        ),
    ]
}

/// The facts of two runs side by side ([`run_facts`] of each, line by line).
pub fn fact_pairs(
    a: (&Trajectory, &crate::domain::TrajectoryMetrics),
    b: (&Trajectory, &crate::domain::TrajectoryMetrics),
) -> Vec<FactPair> {
    run_facts(a.0, a.1)
        .into_iter()
        .zip(run_facts(b.0, b.1))
        .map(|((label, a), (_, b))| FactPair { label, a, b })
        .collect()
}

/// Two step lists aligned by step index for one axis: row `i` holds each run's `i`-th step,
/// `None` past a run's end. Rows whose actions differ are where the runs do different things.
pub fn aligned_steps(a: &[Step], b: &[Step]) -> Vec<(Option<Step>, Option<Step>)> {
    (0..a.len().max(b.len())).map(|i| (a.get(i).cloned(), b.get(i).cloned())).collect()
}

impl Action {
    /// The action in a few words for a person: `tool file: command` (the parts it has).
    pub fn describe(&self) -> String {
        let mut text = self.tool.clone();
        if let Some(file) = &self.file {
            text.push(' ');
            text.push_str(file);
        }
        if let Some(command) = &self.command {
            text.push_str(": ");
            text.push_str(command);
        }
        text
    }
}
