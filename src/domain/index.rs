//! The row index: a dataset's rows as a compact columnar table of summaries (one fixed-width
//! column per figure, strings interned), so that filtering, facet counts and the previous/next
//! row in the filter run over hundreds of thousands of rows without holding any row's
//! messages.
//!
//! Columns per row (bytes): instance, repository, language, harness, teacher model and split
//! (interned, 4 each), outcome (1), patch bits (1: present, touches tests), the
//! suspicious-trajectory flags (1, a bit per [`FlagKind`]), messages,
//! turns, tool calls, tool errors, tokens, patch lines (4 each), patch files (2), what the
//! figures are known from (1), and the tool calls by tool name as a compressed sparse row
//! (4 for the row's start, 8 per tool it calls). About 80 bytes plus 8 per distinct tool a row
//! calls, and each distinct string once ([`RowIndex::heap_bytes`] measures it).
//!
//! [`RowIndex::select`] judges a [`FilterSet`] on the columns with the same rules as
//! [`Selector`](crate::domain::filter::Selector) (the per-language cap in row order
//! included, `mixed_outcome` against the instances of the index itself); the one predicate
//! that needs message text (`q`) is not judged here and is named
//! in [`IndexSelection::needs_content`], so a caller can say how many rows a count covers.

use std::collections::{BTreeMap, HashMap};

use crate::domain::filter::{contains_ignore_case, language_of, FilterSet};
use crate::domain::flags::FlagKind;
use crate::domain::metrics::TrajectoryMetrics;
use crate::domain::trajectory::{Outcome, Trajectory};

/// Strings stored once, numbered from 0 in the order first seen.
#[derive(Clone, Debug, Default)]
pub struct Interner {
    strings: Vec<Box<str>>,
    ids: HashMap<Box<str>, u32>,
}

impl Interner {
    /// The number of `text`, adding it when new.
    pub fn intern(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(text.into());
        self.ids.insert(text.into(), id);
        id
    }

    /// The number of `text`, when it was interned.
    pub fn get(&self, text: &str) -> Option<u32> {
        self.ids.get(text).copied()
    }

    /// The text of number `id`.
    pub fn text(&self, id: u32) -> Option<&str> {
        self.strings.get(id as usize).map(|s| &**s)
    }

    /// Heap bytes held (the strings twice: list and map keys, plus the map's slots).
    pub fn heap_bytes(&self) -> usize {
        let text: usize = self.strings.iter().map(|s| s.len()).sum();
        2 * text
            + self.strings.capacity() * std::mem::size_of::<Box<str>>()
            + self.ids.capacity() * (std::mem::size_of::<Box<str>>() + 4 + 1)
    }
}

/// No string (an interned column's value when the row has none).
pub const NONE: u32 = u32::MAX;

/// Where a row's figures come from (bits of [`RowIndex`]'s `known` column).
pub mod known {
    /// Figures read from the small columns only (ids, outcome, roles, tool names, metadata).
    pub const INDEX_PASS: u8 = 1;
    /// Figures computed from the whole row (characters, tokens, tool errors, patch details).
    pub const CONTENT_PASS: u8 = 2;
    /// The token count is exact (the model's tokenizer), not the estimate.
    pub const EXACT_TOKENS: u8 = 4;
}

const HAS_PATCH: u8 = 1;
const TOUCHES_TESTS: u8 = 2;

/// One row's summary, as the index takes it ([`RowIndex::push`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RowSummary {
    /// `instance_id`.
    pub instance: Option<String>,
    /// Repository, `owner/name`.
    pub repo: Option<String>,
    /// Language, lower case ([`language_of`]).
    pub language: Option<String>,
    /// Harness (agent framework) that ran it, when the row says.
    pub harness: Option<String>,
    /// Teacher model.
    pub teacher: Option<String>,
    /// `config/split` (or the file) the row is in.
    pub split: Option<String>,
    /// The dataset's label.
    pub outcome: Outcome,
    /// Messages (count).
    pub messages: u32,
    /// Agent steps (count).
    pub turns: u32,
    /// Tool calls (count).
    pub tool_calls: u32,
    /// Tool results judged errors (count).
    pub tool_errors: u32,
    /// Tokens (estimate or exact, see `known`).
    pub tokens: u32,
    /// Whether the final patch is present and not empty.
    pub has_patch: bool,
    /// Added + removed lines of the final patch.
    pub patch_lines: u32,
    /// Files the final patch changes.
    pub patch_files: u16,
    /// Whether the final patch changes a test file.
    pub touches_tests: bool,
    /// Tool calls per tool name.
    pub tools: BTreeMap<String, u32>,
    /// The row's flags, a bit per [`FlagKind::ALL`] entry.
    pub flags: u8,
    /// [`known`] bits.
    pub known: u8,
}

impl RowSummary {
    /// The summary of a whole row (a content pass): every figure.
    pub fn of(trajectory: &Trajectory, metrics: &TrajectoryMetrics, split: Option<&str>) -> Self {
        let patch = metrics.final_patch.as_ref();
        let meta = |keys: &[&str]| {
            keys.iter().find_map(|key| trajectory.metadata.get(*key)?.as_str().map(str::to_owned))
        };
        let to_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        RowSummary {
            instance: trajectory.ids.instance_id.clone(),
            repo: trajectory.ids.repo.clone(),
            language: language_of(trajectory, metrics),
            harness: meta(&["harness", "agent", "scaffold", "framework"]),
            teacher: trajectory.ids.model.clone(),
            split: split.map(str::to_owned),
            outcome: trajectory.outcome,
            messages: to_u32(trajectory.messages.len()),
            turns: to_u32(metrics.n_turns),
            tool_calls: to_u32(metrics.n_tool_calls),
            tool_errors: to_u32(metrics.n_tool_errors),
            tokens: to_u32(metrics.tokens()),
            has_patch: patch.is_some_and(|p| !p.is_empty),
            patch_lines: to_u32(patch.map_or(0, |p| p.n_changed_lines())),
            patch_files: u16::try_from(patch.map_or(0, |p| p.stats.n_files)).unwrap_or(u16::MAX),
            touches_tests: patch.is_some_and(|p| p.stats.touches_tests),
            tools: metrics
                .tool_calls_by_name
                .iter()
                .map(|(name, n)| (name.clone(), to_u32(*n)))
                .collect(),
            flags: flag_bits(metrics.flags.iter().map(|flag| flag.kind)),
            known: known::CONTENT_PASS
                | if metrics.exact_tokens.is_some() { known::EXACT_TOKENS } else { 0 },
        }
    }
}

/// The columnar table of row summaries, rows numbered from 0 in the order pushed.
#[derive(Clone, Debug, Default)]
pub struct RowIndex {
    strings: Interner,
    instance: Vec<u32>,
    repo: Vec<u32>,
    language: Vec<u32>,
    harness: Vec<u32>,
    teacher: Vec<u32>,
    split: Vec<u32>,
    outcome: Vec<u8>,
    bits: Vec<u8>,
    flags: Vec<u8>,
    known: Vec<u8>,
    messages: Vec<u32>,
    turns: Vec<u32>,
    tool_calls: Vec<u32>,
    tool_errors: Vec<u32>,
    tokens: Vec<u32>,
    patch_lines: Vec<u32>,
    patch_files: Vec<u16>,
    /// Start of each row's tools in `tool_names` / `tool_counts` (CSR offsets).
    tool_start: Vec<u32>,
    tool_names: Vec<u32>,
    tool_counts: Vec<u32>,
}

/// The rows a filter passes, and the predicates the index could not judge.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexSelection {
    /// Passing rows, ascending.
    pub rows: Vec<u32>,
    /// Query keys of predicates that need the rows' content (`q`): not applied.
    pub needs_content: Vec<&'static str>,
}

impl IndexSelection {
    /// The passing row after `row` (the "next" of a filtered table), if any.
    pub fn next_after(&self, row: u32) -> Option<u32> {
        let at = self.rows.partition_point(|&r| r <= row);
        self.rows.get(at).copied()
    }

    /// The passing row before `row`, if any.
    pub fn previous_before(&self, row: u32) -> Option<u32> {
        let at = self.rows.partition_point(|&r| r < row);
        at.checked_sub(1).and_then(|i| self.rows.get(i)).copied()
    }
}

/// The bit of each flag kind (its place in [`FlagKind::ALL`]), or'ed.
pub fn flag_bits(kinds: impl IntoIterator<Item = FlagKind>) -> u8 {
    kinds
        .into_iter()
        .filter_map(|kind| FlagKind::ALL.iter().position(|k| *k == kind))
        .fold(0, |bits, at| bits | 1 << at)
}

fn outcome_code(outcome: Outcome) -> u8 {
    match outcome {
        Outcome::Unknown => 0,
        Outcome::Resolved => 1,
        Outcome::Failed => 2,
    }
}

impl RowIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rows in the index (count).
    pub fn len(&self) -> usize {
        self.outcome.len()
    }

    /// Whether the index has no row.
    pub fn is_empty(&self) -> bool {
        self.outcome.is_empty()
    }

    /// Adds a row; returns its number.
    pub fn push(&mut self, row: &RowSummary) -> u32 {
        let id = self.len() as u32;
        let mut intern = |text: &Option<String>| match text {
            Some(text) => self.strings.intern(text),
            None => NONE,
        };
        let (instance, repo, language) =
            (intern(&row.instance), intern(&row.repo), intern(&row.language));
        let (harness, teacher, split) =
            (intern(&row.harness), intern(&row.teacher), intern(&row.split));
        self.instance.push(instance);
        self.repo.push(repo);
        self.language.push(language);
        self.harness.push(harness);
        self.teacher.push(teacher);
        self.split.push(split);
        self.outcome.push(outcome_code(row.outcome));
        let bits = if row.has_patch { HAS_PATCH } else { 0 }
            | if row.touches_tests { TOUCHES_TESTS } else { 0 };
        self.bits.push(bits);
        self.flags.push(row.flags);
        self.known.push(row.known);
        self.messages.push(row.messages);
        self.turns.push(row.turns);
        self.tool_calls.push(row.tool_calls);
        self.tool_errors.push(row.tool_errors);
        self.tokens.push(row.tokens);
        self.patch_lines.push(row.patch_lines);
        self.patch_files.push(row.patch_files);
        self.tool_start.push(self.tool_names.len() as u32);
        for (name, n) in &row.tools {
            let name = self.strings.intern(name);
            self.tool_names.push(name);
            self.tool_counts.push(*n);
        }
        id
    }

    /// Heap bytes the index holds (bytes): every column's capacity and the strings.
    pub fn heap_bytes(&self) -> usize {
        fn bytes<T>(v: &Vec<T>) -> usize {
            v.capacity() * std::mem::size_of::<T>()
        }
        let u32s = [
            &self.instance,
            &self.repo,
            &self.language,
            &self.harness,
            &self.teacher,
            &self.split,
            &self.messages,
            &self.turns,
            &self.tool_calls,
            &self.tool_errors,
            &self.tokens,
            &self.patch_lines,
            &self.tool_start,
            &self.tool_names,
            &self.tool_counts,
        ];
        u32s.iter().map(|v| bytes(v)).sum::<usize>()
            + bytes(&self.outcome)
            + bytes(&self.bits)
            + bytes(&self.flags)
            + bytes(&self.known)
            + bytes(&self.patch_files)
            + self.strings.heap_bytes()
    }

    /// Gives back spare capacity (after the last row).
    pub fn shrink_to_fit(&mut self) {
        for v in [
            &mut self.instance,
            &mut self.repo,
            &mut self.language,
            &mut self.harness,
            &mut self.teacher,
            &mut self.split,
            &mut self.messages,
            &mut self.turns,
            &mut self.tool_calls,
            &mut self.tool_errors,
            &mut self.tokens,
            &mut self.patch_lines,
            &mut self.tool_start,
            &mut self.tool_names,
            &mut self.tool_counts,
        ] {
            v.shrink_to_fit();
        }
        self.outcome.shrink_to_fit();
        self.bits.shrink_to_fit();
        self.flags.shrink_to_fit();
        self.known.shrink_to_fit();
        self.patch_files.shrink_to_fit();
    }

    fn tools_of(&self, row: usize) -> std::ops::Range<usize> {
        let start = self.tool_start[row] as usize;
        let end = self.tool_start.get(row + 1).map_or(self.tool_names.len(), |&e| e as usize);
        start..end
    }

    fn uses(&self, row: usize, tool: Option<u32>) -> bool {
        tool.is_some_and(|tool| self.tool_names[self.tools_of(row)].contains(&tool))
    }

    /// The rows passing `filter`, judged on the columns with the rules of
    /// [`FilterSet::check`] and the per-language cap in row order.
    pub fn select(&self, filter: &FilterSet) -> IndexSelection {
        let mut needs_content = Vec::new();
        if filter.text.as_deref().is_some_and(|t| !t.is_empty()) {
            needs_content.push("q");
        }
        let outcomes: Vec<u8> = filter.outcomes.iter().map(|o| outcome_code(*o)).collect();
        let ids = |names: &std::collections::BTreeSet<String>| -> Vec<Option<u32>> {
            names.iter().map(|n| self.strings.get(n)).collect()
        };
        let (languages, excluded) = (ids(&filter.languages), ids(&filter.exclude_languages));
        let (used, not_used) = (ids(&filter.tools_used), ids(&filter.tools_not_used));
        // Substring predicates are judged once per distinct string.
        let matching = |needle: &Option<String>| -> Option<Vec<bool>> {
            let needle = needle.as_ref()?;
            Some(self.strings.strings.iter().map(|s| contains_ignore_case(s, needle)).collect())
        };
        let (instance_ok, repo_ok) = (matching(&filter.instance), matching(&filter.repo));
        let string_ok = |table: &Option<Vec<bool>>, id: u32| {
            table.as_ref().is_none_or(|t| t.get(id as usize).copied().unwrap_or(false))
        };
        let (any_of, none_of) =
            (flag_bits(filter.flags.iter().copied()), flag_bits(filter.flags_not.iter().copied()));
        // `mixed_outcome`: instances that some rows of the index resolve and others fail.
        let mixed: Option<Vec<bool>> = filter.mixed_outcome.map(|_| {
            let mut seen = vec![0u8; self.strings.strings.len()];
            for (&instance, &outcome) in self.instance.iter().zip(&self.outcome) {
                if instance != NONE && outcome != 0 {
                    seen[instance as usize] |= outcome;
                }
            }
            seen.into_iter().map(|bits| bits == 3).collect()
        });
        let mut kept_per_language: HashMap<u32, u64> = HashMap::new();
        let mut rows = Vec::new();
        for row in 0..self.len() {
            let outcome = self.outcome[row];
            if !outcomes.is_empty() && !outcomes.contains(&outcome) {
                continue;
            }
            let tokens = u64::from(self.tokens[row]);
            if filter.max_tokens.is_some_and(|max| tokens > max) || !filter.tokens.contains(tokens)
            {
                continue;
            }
            let bits = self.bits[row];
            if filter.has_patch.is_some_and(|want| want != (bits & HAS_PATCH != 0)) {
                continue;
            }
            if !filter.patch_lines.contains(u64::from(self.patch_lines[row]))
                || !filter.patch_files.contains(u64::from(self.patch_files[row]))
                || !filter.turns.contains(u64::from(self.turns[row]))
                || !filter.tool_calls.contains(u64::from(self.tool_calls[row]))
            {
                continue;
            }
            let language = self.language[row];
            if !languages.is_empty() && !languages.contains(&Some(language)) {
                continue;
            }
            if language != NONE && excluded.contains(&Some(language)) {
                continue;
            }
            if !used.iter().all(|&tool| self.uses(row, tool)) {
                continue;
            }
            if not_used.iter().any(|&tool| self.uses(row, tool)) {
                continue;
            }
            if filter.touches_tests.is_some_and(|want| want != (bits & TOUCHES_TESTS != 0)) {
                continue;
            }
            if !string_ok(&instance_ok, self.instance[row]) || !string_ok(&repo_ok, self.repo[row])
            {
                continue;
            }
            let flags = self.flags[row];
            if (any_of != 0 && flags & any_of == 0)
                || flags & none_of != 0
                || filter.flagged.is_some_and(|want| want != (flags != 0))
            {
                continue;
            }
            if let (Some(want), Some(mixed)) = (filter.mixed_outcome, &mixed) {
                let instance = self.instance[row];
                let is_mixed = instance != NONE && mixed[instance as usize];
                if want != is_mixed {
                    continue;
                }
            }
            if let Some(cap) = filter.language_cap {
                let kept = kept_per_language.entry(language).or_default();
                if *kept >= cap {
                    continue;
                }
                *kept += 1;
            }
            rows.push(row as u32);
        }
        IndexSelection { rows, needs_content }
    }

    /// Rows per language among `rows` (the language facet), by language text
    /// (`unknown` for rows without one).
    pub fn languages(&self, rows: &[u32]) -> BTreeMap<String, u64> {
        self.count_by(&self.language, rows)
    }

    /// Rows per split among `rows`.
    pub fn splits(&self, rows: &[u32]) -> BTreeMap<String, u64> {
        self.count_by(&self.split, rows)
    }

    /// Rows per harness and teacher model among `rows` (`unknown` where the row has none).
    pub fn harness_by_teacher(&self, rows: &[u32]) -> BTreeMap<(String, String), u64> {
        let mut counts = BTreeMap::new();
        for &row in rows {
            let key =
                (self.name(self.harness[row as usize]), self.name(self.teacher[row as usize]));
            *counts.entry(key).or_default() += 1;
        }
        counts
    }

    /// Rows calling each tool among `rows` (the tool facet).
    pub fn tools(&self, rows: &[u32]) -> BTreeMap<String, u64> {
        let mut by_id: HashMap<u32, u64> = HashMap::new();
        for &row in rows {
            for i in self.tools_of(row as usize) {
                *by_id.entry(self.tool_names[i]).or_default() += 1;
            }
        }
        by_id.into_iter().map(|(id, n)| (self.name(id), n)).collect()
    }

    /// Rows per outcome among `rows` (`resolved`, `failed`, `unknown`).
    pub fn outcomes(&self, rows: &[u32]) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for &row in rows {
            let name = match self.outcome[row as usize] {
                1 => Outcome::Resolved,
                2 => Outcome::Failed,
                _ => Outcome::Unknown,
            };
            *counts.entry(name.as_str()).or_default() += 1;
        }
        counts
    }

    /// Rows raising each flag among `rows`, by the flag's key.
    pub fn flags(&self, rows: &[u32]) -> BTreeMap<&'static str, u64> {
        let mut counts = BTreeMap::new();
        for &row in rows {
            let bits = self.flags[row as usize];
            for (at, kind) in FlagKind::ALL.iter().enumerate() {
                if bits & (1 << at) != 0 {
                    *counts.entry(kind.as_str()).or_default() += 1;
                }
            }
        }
        counts
    }

    fn count_by(&self, column: &[u32], rows: &[u32]) -> BTreeMap<String, u64> {
        let mut by_id: HashMap<u32, u64> = HashMap::new();
        for &row in rows {
            *by_id.entry(column[row as usize]).or_default() += 1;
        }
        by_id.into_iter().map(|(id, n)| (self.name(id), n)).collect()
    }

    fn name(&self, id: u32) -> String {
        self.strings.text(id).unwrap_or("unknown").to_owned()
    }

    /// Tokens of row `row`, and whether the count is exact.
    pub fn tokens(&self, row: u32) -> Option<(u32, bool)> {
        let row = row as usize;
        Some((*self.tokens.get(row)?, self.known[row] & known::EXACT_TOKENS != 0))
    }
}
