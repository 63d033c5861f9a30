//! Curation filters: a [`FilterSet`] of predicates over a trajectory and its metrics, the five
//! curation filters of the Open-SWE-Traces SFT notebook (success label, token limit, patch
//! availability, language distribution, patch size) and more.
//!
//! A filter set round-trips through a URL query string (`outcome=resolved&max_tokens=32000&
//! lang=python&lang=go&patch_lines=1-200`): the same string goes in the page URL and in
//! `trajex export --filter`. Sets are repeated keys; ranges are `MIN-MAX`, `MIN-` or `-MAX`
//! (inclusive). [`FilterSet::summary`] reads it back in words.
//!
//! The per-language cap (`lang_cap`) depends on what was kept before, so it lives in
//! [`Selector`], which applies a filter set to a stream of trajectories in order.
//!
//! Flags (`domain::flags`): `flag=KIND` (repeated; a comma-separated list is read too) keeps
//! trajectories with any of these flags, `flag_not=KIND` drops those with any of them, and
//! `flagged=yes|no` keeps those with some flag or with none. They read the flags computed with
//! the metrics ([`TrajectoryMetrics::flags`]), so rows kept without their messages are judged
//! on the flags of their full text.
//!
//! `mixed_outcome=yes|no` keeps the runs of task instances (`instance_id`) that some runs
//! resolve and others fail (or the other rows). That depends on the other rows, so it is
//! judged against the mixed instances of the rows given to [`Selector::with_mixed_instances`]
//! (see [`mixed_instances`]); a selector without them (a one-pass stream) admits no row under
//! `mixed_outcome=yes`.

use std::collections::{BTreeMap, BTreeSet};

use crate::domain::compare::instance_runs;
use crate::domain::flags::FlagKind;
use crate::domain::metrics::TrajectoryMetrics;
use crate::domain::trajectory::{Outcome, Role, Trajectory};

/// An inclusive range of counts; `None` ends are open.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    /// Smallest value admitted.
    pub min: Option<u64>,
    /// Largest value admitted.
    pub max: Option<u64>,
}

impl Range {
    /// Whether the range admits everything.
    pub fn is_any(&self) -> bool {
        self.min.is_none() && self.max.is_none()
    }

    /// Whether `value` lies in the range.
    pub fn contains(&self, value: u64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }

    /// Parses `MIN-MAX`, `MIN-`, `-MAX` or a single `N` (exactly N).
    pub fn parse(text: &str) -> Option<Range> {
        let number = |s: &str| -> Option<Option<u64>> {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(Some)
            }
        };
        match text.split_once('-') {
            Some((min, max)) => Some(Range { min: number(min)?, max: number(max)? }),
            None => {
                let n = number(text)??;
                Some(Range { min: Some(n), max: Some(n) })
            }
        }
    }

    fn to_query_value(self) -> String {
        let end = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
        format!("{}-{}", end(self.min), end(self.max))
    }

    fn describe(self, unit: &str) -> String {
        match (self.min, self.max) {
            (Some(min), Some(max)) if min == max => format!("{min} {unit}"),
            (Some(min), Some(max)) => format!("{min}–{max} {unit}"),
            (Some(min), None) => format!("≥ {min} {unit}"),
            (None, Some(max)) => format!("≤ {max} {unit}"),
            (None, None) => format!("any {unit}"),
        }
    }
}

/// A set of predicates; a trajectory passes when it satisfies all of them. The default set
/// admits everything.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterSet {
    /// `outcome`: admitted outcomes (empty: any).
    pub outcomes: BTreeSet<Outcome>,
    /// `max_tokens`: token budget (tokens), on [`TrajectoryMetrics::tokens`].
    pub max_tokens: Option<u64>,
    /// `tokens`: a range of tokens (tokens), on [`TrajectoryMetrics::tokens`]; what a click on
    /// a bin of the token histogram sets.
    pub tokens: Range,
    /// `patch`: `yes` for a present, non-empty final patch, `no` for none or empty.
    pub has_patch: Option<bool>,
    /// `patch_lines`: added + removed lines of the final patch (lines).
    pub patch_lines: Range,
    /// `patch_files`: files changed by the final patch (count).
    pub patch_files: Range,
    /// `turns`: agent steps (count).
    pub turns: Range,
    /// `tool_calls`: tool calls (count).
    pub tool_calls: Range,
    /// `lang`: admitted languages, lower case (empty: any). See [`language_of`].
    pub languages: BTreeSet<String>,
    /// `lang_not`: excluded languages, lower case.
    pub exclude_languages: BTreeSet<String>,
    /// `lang_cap`: at most this many trajectories per language are kept (applied by
    /// [`Selector`], in stream order), to rebalance the language mix.
    pub language_cap: Option<u64>,
    /// `tool`: tools that must each be called at least once.
    pub tools_used: BTreeSet<String>,
    /// `tool_not`: tools that must never be called.
    pub tools_not_used: BTreeSet<String>,
    /// `tests`: `yes` when the final patch must change a test file, `no` when it must not.
    pub touches_tests: Option<bool>,
    /// `instance`: text the instance id must contain (case-insensitive).
    pub instance: Option<String>,
    /// `repo`: text the repository must contain (case-insensitive).
    pub repo: Option<String>,
    /// `q`: text some message must contain (case-insensitive), in content, reasoning or
    /// tool-call arguments.
    pub text: Option<String>,
    /// `q_role`: only messages of this role are searched for `q`.
    pub text_role: Option<Role>,
    /// `flag`: the trajectory must have at least one of these flags (empty: any).
    pub flags: BTreeSet<FlagKind>,
    /// `flag_not`: the trajectory must have none of these flags.
    pub flags_not: BTreeSet<FlagKind>,
    /// `flagged`: `yes` for some flag, `no` for none at all.
    pub flagged: Option<bool>,
    /// `mixed_outcome`: `yes` for runs of instances that some loaded runs resolve and others
    /// fail, `no` for the other rows (see the module doc).
    pub mixed_outcome: Option<bool>,
}

/// Why a trajectory did not pass: the predicate that failed, by its query key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rejection {
    /// `outcome`.
    Outcome,
    /// `max_tokens` or `tokens`.
    Tokens,
    /// `patch`.
    Patch,
    /// `patch_lines`.
    PatchLines,
    /// `patch_files`.
    PatchFiles,
    /// `turns`.
    Turns,
    /// `tool_calls`.
    ToolCalls,
    /// `lang` or `lang_not`.
    Language,
    /// `lang_cap`.
    LanguageCap,
    /// `tool` or `tool_not`.
    Tools,
    /// `tests`.
    Tests,
    /// `instance`.
    Instance,
    /// `repo`.
    Repo,
    /// `q`.
    Text,
    /// `flag`, `flag_not` or `flagged`.
    Flags,
    /// `mixed_outcome`.
    MixedOutcome,
}

impl Rejection {
    /// The query key of the predicate.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Outcome => "outcome",
            Rejection::Tokens => "max_tokens",
            Rejection::Patch => "patch",
            Rejection::PatchLines => "patch_lines",
            Rejection::PatchFiles => "patch_files",
            Rejection::Turns => "turns",
            Rejection::ToolCalls => "tool_calls",
            Rejection::Language => "lang",
            Rejection::LanguageCap => "lang_cap",
            Rejection::Tools => "tool",
            Rejection::Tests => "tests",
            Rejection::Instance => "instance",
            Rejection::Repo => "repo",
            Rejection::Text => "q",
            Rejection::Flags => "flag",
            Rejection::MixedOutcome => "mixed_outcome",
        }
    }
}

/// A filter parsed from a query string, with what could not be used.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedFilter {
    /// The filter set.
    pub filter: FilterSet,
    /// Keys that are not filter keys (a page URL also holds `dataset`, `row`, ...).
    pub unknown_keys: Vec<String>,
    /// Filter keys whose value could not be read, as `key=value: reason`.
    pub errors: Vec<String>,
}

/// The keys [`FilterSet`] reads and writes, in the order it writes them.
pub const FILTER_KEYS: [&str; 22] = [
    "outcome",
    "max_tokens",
    "patch",
    "tokens",
    "patch_lines",
    "patch_files",
    "turns",
    "tool_calls",
    "lang",
    "lang_not",
    "lang_cap",
    "tool",
    "tool_not",
    "tests",
    "instance",
    "repo",
    "q",
    "q_role",
    "flag",
    "flag_not",
    "flagged",
    "mixed_outcome",
];

/// The instance ids (`ids.instance_id`) that some of `rows` resolve and others fail
/// ([`crate::domain::compare::InstanceRuns::is_mixed`]); rows without an instance id count for
/// none. `rows` are `(instance_id, outcome)` pairs, one per row.
pub fn mixed_instances<'a>(
    rows: impl IntoIterator<Item = (Option<&'a str>, Outcome)>,
) -> BTreeSet<String> {
    let runs = instance_runs(rows.into_iter().filter_map(|(id, outcome)| Some((id?, outcome))));
    runs.into_iter().filter(|r| r.is_mixed()).map(|r| r.instance_id).collect()
}

/// The language a filter sees: the row's `language` (lower case), else the language of most
/// files of the final patch, else `None`.
pub fn language_of(trajectory: &Trajectory, metrics: &TrajectoryMetrics) -> Option<String> {
    if let Some(language) = trajectory.ids.language.as_deref().filter(|l| !l.trim().is_empty()) {
        return Some(language.trim().to_lowercase());
    }
    let languages = &metrics.final_patch.as_ref()?.stats.languages;
    let (language, _) = languages.iter().max_by_key(|(name, n)| (**n, std::cmp::Reverse(*name)))?;
    Some((*language).to_owned())
}

impl FilterSet {
    /// Whether the set admits everything.
    pub fn is_empty(&self) -> bool {
        *self == FilterSet::default()
    }

    /// Checks every predicate but the per-language cap; the first that fails is returned.
    /// `mixed_outcome` is judged against no mixed instances: use [`FilterSet::check_in`] with
    /// the set of [`mixed_instances`] of the rows.
    pub fn check(
        &self,
        trajectory: &Trajectory,
        metrics: &TrajectoryMetrics,
    ) -> Result<(), Rejection> {
        self.check_in(trajectory, metrics, &BTreeSet::new())
    }

    /// Whether the set reads other rows (`mixed_outcome`), so that a row's verdict can change
    /// when rows are added.
    pub fn needs_other_rows(&self) -> bool {
        self.mixed_outcome.is_some()
    }

    /// Checks every predicate but the per-language cap, `mixed_outcome` against
    /// `mixed_instances` (instance ids); the first that fails is returned.
    pub fn check_in(
        &self,
        trajectory: &Trajectory,
        metrics: &TrajectoryMetrics,
        mixed_instances: &BTreeSet<String>,
    ) -> Result<(), Rejection> {
        let fail = |ok: bool, why: Rejection| if ok { Ok(()) } else { Err(why) };
        fail(
            self.outcomes.is_empty() || self.outcomes.contains(&trajectory.outcome),
            Rejection::Outcome,
        )?;
        let tokens = metrics.tokens() as u64;
        fail(self.max_tokens.is_none_or(|max| tokens <= max), Rejection::Tokens)?;
        fail(self.tokens.contains(tokens), Rejection::Tokens)?;
        let patch = metrics.final_patch.as_ref();
        let has_patch = patch.is_some_and(|p| !p.is_empty);
        fail(self.has_patch.is_none_or(|want| want == has_patch), Rejection::Patch)?;
        let patch_lines = patch.map_or(0, |p| p.n_changed_lines()) as u64;
        fail(self.patch_lines.contains(patch_lines), Rejection::PatchLines)?;
        fail(
            self.patch_files.contains(patch.map_or(0, |p| p.stats.n_files) as u64),
            Rejection::PatchFiles,
        )?;
        fail(self.turns.contains(metrics.n_turns as u64), Rejection::Turns)?;
        fail(self.tool_calls.contains(metrics.n_tool_calls as u64), Rejection::ToolCalls)?;
        if !self.languages.is_empty() || !self.exclude_languages.is_empty() {
            let language = language_of(trajectory, metrics);
            let included = self.languages.is_empty()
                || language.as_ref().is_some_and(|l| self.languages.contains(l));
            let excluded = language.as_ref().is_some_and(|l| self.exclude_languages.contains(l));
            fail(included && !excluded, Rejection::Language)?;
        }
        let used = |name: &String| metrics.tool_calls_by_name.contains_key(name);
        fail(self.tools_used.iter().all(used), Rejection::Tools)?;
        fail(!self.tools_not_used.iter().any(used), Rejection::Tools)?;
        let touches_tests = patch.is_some_and(|p| p.stats.touches_tests);
        fail(self.touches_tests.is_none_or(|want| want == touches_tests), Rejection::Tests)?;
        let id_matches = |needle: &Option<String>, value: &Option<String>| {
            needle.as_ref().is_none_or(|needle| {
                value.as_deref().is_some_and(|value| contains_ignore_case(value, needle))
            })
        };
        fail(id_matches(&self.instance, &trajectory.ids.instance_id), Rejection::Instance)?;
        fail(id_matches(&self.repo, &trajectory.ids.repo), Rejection::Repo)?;
        if !self.flags.is_empty() || !self.flags_not.is_empty() || self.flagged.is_some() {
            let has = |kind: &FlagKind| metrics.flags.iter().any(|flag| flag.kind == *kind);
            let ok = (self.flags.is_empty() || self.flags.iter().any(has))
                && !self.flags_not.iter().any(has)
                && self.flagged.is_none_or(|want| want == !metrics.flags.is_empty());
            fail(ok, Rejection::Flags)?;
        }
        if let Some(want) = self.mixed_outcome {
            let mixed =
                trajectory.ids.instance_id.as_ref().is_some_and(|id| mixed_instances.contains(id));
            fail(want == mixed, Rejection::MixedOutcome)?;
        }
        if let Some(needle) = self.text.as_deref().filter(|n| !n.is_empty()) {
            let found = trajectory
                .messages
                .iter()
                .filter(|m| self.text_role.is_none_or(|role| m.role == role))
                .any(|m| {
                    contains_ignore_case(&m.content, needle)
                        || m.reasoning.as_deref().is_some_and(|r| contains_ignore_case(r, needle))
                        || m.tool_calls
                            .iter()
                            .any(|c| contains_ignore_case(&c.raw_arguments, needle))
                });
            fail(found, Rejection::Text)?;
        }
        Ok(())
    }

    /// The query string of this set: only non-default keys, in [`FILTER_KEYS`] order, sets
    /// sorted, values percent-encoded (`application/x-www-form-urlencoded`).
    pub fn to_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for outcome in &self.outcomes {
            out.append_pair("outcome", outcome.as_str());
        }
        if let Some(max) = self.max_tokens {
            out.append_pair("max_tokens", &max.to_string());
        }
        if let Some(want) = self.has_patch {
            out.append_pair("patch", yes_no(want));
        }
        for (key, range) in [
            ("tokens", self.tokens),
            ("patch_lines", self.patch_lines),
            ("patch_files", self.patch_files),
            ("turns", self.turns),
            ("tool_calls", self.tool_calls),
        ] {
            if !range.is_any() {
                out.append_pair(key, &range.to_query_value());
            }
        }
        for (key, set) in [("lang", &self.languages), ("lang_not", &self.exclude_languages)] {
            for value in set {
                out.append_pair(key, value);
            }
        }
        if let Some(cap) = self.language_cap {
            out.append_pair("lang_cap", &cap.to_string());
        }
        for (key, set) in [("tool", &self.tools_used), ("tool_not", &self.tools_not_used)] {
            for value in set {
                out.append_pair(key, value);
            }
        }
        if let Some(want) = self.touches_tests {
            out.append_pair("tests", yes_no(want));
        }
        for (key, value) in [("instance", &self.instance), ("repo", &self.repo), ("q", &self.text)]
        {
            if let Some(value) = value {
                out.append_pair(key, value);
            }
        }
        if let Some(role) = self.text_role {
            out.append_pair("q_role", role.as_str());
        }
        for (key, set) in [("flag", &self.flags), ("flag_not", &self.flags_not)] {
            for kind in set {
                out.append_pair(key, kind.as_str());
            }
        }
        for (key, value) in [("flagged", self.flagged), ("mixed_outcome", self.mixed_outcome)] {
            if let Some(want) = value {
                out.append_pair(key, yes_no(want));
            }
        }
        out.finish()
    }

    /// Reads a query string (with or without a leading `?`). Keys that are not filter keys are
    /// listed in `unknown_keys`; unreadable values in `errors`. Never fails.
    pub fn from_query(query: &str) -> ParsedFilter {
        let mut parsed = ParsedFilter::default();
        let filter = &mut parsed.filter;
        let query = query.strip_prefix('?').unwrap_or(query);
        for (key, value) in form_urlencoded::parse(query.as_bytes()) {
            let mut error = |reason: &str| parsed.errors.push(format!("{key}={value}: {reason}"));
            let number = |value: &str| value.trim().parse::<u64>().ok();
            let range = |value: &str| Range::parse(value);
            match key.as_ref() {
                "outcome" => match Outcome::ALL.into_iter().find(|o| o.as_str() == value) {
                    Some(outcome) => {
                        filter.outcomes.insert(outcome);
                    }
                    None => error("expected resolved, failed or unknown"),
                },
                "max_tokens" => match number(&value) {
                    Some(max) => filter.max_tokens = Some(max),
                    None => error("expected a number of tokens"),
                },
                "lang_cap" => match number(&value) {
                    Some(cap) => filter.language_cap = Some(cap),
                    None => error("expected a number of trajectories"),
                },
                "patch" | "tests" | "flagged" | "mixed_outcome" => match parse_yes_no(&value) {
                    Some(want) => match key.as_ref() {
                        "patch" => filter.has_patch = Some(want),
                        "tests" => filter.touches_tests = Some(want),
                        "flagged" => filter.flagged = Some(want),
                        _ => filter.mixed_outcome = Some(want),
                    },
                    None => error("expected yes or no"),
                },
                "flag" | "flag_not" => {
                    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                        match FlagKind::from_key(part) {
                            Some(kind) if key == "flag" => {
                                filter.flags.insert(kind);
                            }
                            Some(kind) => {
                                filter.flags_not.insert(kind);
                            }
                            None => error(&format!(
                                "`{part}` is not a flag (expected one of {})",
                                FlagKind::ALL.map(FlagKind::as_str).join(", ")
                            )),
                        }
                    }
                }
                "tokens" | "patch_lines" | "patch_files" | "turns" | "tool_calls" => {
                    match range(&value) {
                        Some(r) => match key.as_ref() {
                            "tokens" => filter.tokens = r,
                            "patch_lines" => filter.patch_lines = r,
                            "patch_files" => filter.patch_files = r,
                            "turns" => filter.turns = r,
                            _ => filter.tool_calls = r,
                        },
                        None => error("expected a range MIN-MAX, MIN- or -MAX"),
                    }
                }
                "lang" => {
                    filter.languages.insert(value.trim().to_lowercase());
                }
                "lang_not" => {
                    filter.exclude_languages.insert(value.trim().to_lowercase());
                }
                "tool" => {
                    filter.tools_used.insert(value.into_owned());
                }
                "tool_not" => {
                    filter.tools_not_used.insert(value.into_owned());
                }
                "instance" => filter.instance = Some(value.into_owned()),
                "repo" => filter.repo = Some(value.into_owned()),
                "q" => filter.text = Some(value.into_owned()),
                "q_role" => match Role::ALL.into_iter().find(|r| r.as_str() == value) {
                    Some(role) => filter.text_role = Some(role),
                    None => error("expected system, user, assistant or tool"),
                },
                other => parsed.unknown_keys.push(other.to_owned()),
            }
        }
        parsed
    }

    /// The set in words, for people: `resolved, ≤ 32000 tokens, python or go, patch 1–200
    /// lines`; `all trajectories` for the empty set.
    pub fn summary(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        let or_list = |set: &BTreeSet<String>| set.iter().cloned().collect::<Vec<_>>().join(" or ");
        if !self.outcomes.is_empty() {
            parts.push(self.outcomes.iter().map(|o| o.as_str()).collect::<Vec<_>>().join(" or "));
        }
        if let Some(max) = self.max_tokens {
            parts.push(format!("≤ {max} tokens"));
        }
        if !self.tokens.is_any() {
            parts.push(self.tokens.describe("tokens"));
        }
        if !self.languages.is_empty() {
            parts.push(or_list(&self.languages));
        }
        if !self.exclude_languages.is_empty() {
            parts.push(format!("not {}", or_list(&self.exclude_languages)));
        }
        if let Some(cap) = self.language_cap {
            parts.push(format!("≤ {cap} per language"));
        }
        match self.has_patch {
            Some(true) => parts.push("with a patch".to_owned()),
            Some(false) => parts.push("without a patch".to_owned()),
            None => {}
        }
        if !self.patch_lines.is_any() {
            parts.push(format!("patch {}", self.patch_lines.describe("lines")));
        }
        if !self.patch_files.is_any() {
            parts.push(format!("patch {}", self.patch_files.describe("files")));
        }
        if !self.turns.is_any() {
            parts.push(self.turns.describe("turns"));
        }
        if !self.tool_calls.is_any() {
            parts.push(self.tool_calls.describe("tool calls"));
        }
        for tool in &self.tools_used {
            parts.push(format!("uses {tool}"));
        }
        for tool in &self.tools_not_used {
            parts.push(format!("never uses {tool}"));
        }
        match self.touches_tests {
            Some(true) => parts.push("touches tests".to_owned()),
            Some(false) => parts.push("no test changes".to_owned()),
            None => {}
        }
        if let Some(instance) = &self.instance {
            parts.push(format!("instance contains “{instance}”"));
        }
        if let Some(repo) = &self.repo {
            parts.push(format!("repo contains “{repo}”"));
        }
        if let Some(text) = &self.text {
            match self.text_role {
                Some(role) => parts.push(format!("{role} messages contain “{text}”")),
                None => parts.push(format!("contains “{text}”")),
            }
        }
        if !self.flags.is_empty() {
            let labels: Vec<&str> = self.flags.iter().map(|k| k.label()).collect();
            parts.push(format!("flagged {}", labels.join(" or ")));
        }
        for kind in &self.flags_not {
            parts.push(format!("not flagged {}", kind.label()));
        }
        match self.flagged {
            Some(true) => parts.push("some flag".to_owned()),
            Some(false) => parts.push("no flags".to_owned()),
            None => {}
        }
        match self.mixed_outcome {
            Some(true) => parts.push("instances with mixed outcomes".to_owned()),
            Some(false) => parts.push("instances without mixed outcomes".to_owned()),
            None => {}
        }
        if parts.is_empty() {
            "all trajectories".to_owned()
        } else {
            parts.join(", ")
        }
    }
}

fn yes_no(want: bool) -> &'static str {
    if want {
        "yes"
    } else {
        "no"
    }
}

fn parse_yes_no(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "true" | "1" => Some(true),
        "no" | "false" | "0" => Some(false),
        _ => None,
    }
}

/// Case-insensitive substring search; ASCII needles are matched without allocating.
pub fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    if !needle.is_ascii() {
        return haystack.to_lowercase().contains(&needle.to_lowercase());
    }
    let (hay, pin) = (haystack.as_bytes(), needle.as_bytes());
    if pin.len() > hay.len() {
        return false;
    }
    let first = pin[0];
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    let last_start = hay.len() - pin.len();
    memchr::memchr2_iter(lower, upper, &hay[..=last_start])
        .any(|at| hay[at..at + pin.len()].eq_ignore_ascii_case(pin))
}

/// The verdict of a [`Selector`] on one trajectory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Passes every predicate.
    Keep,
    /// Fails a predicate.
    Reject(Rejection),
}

/// Applies a filter set to trajectories in stream order, including the per-language cap,
/// and counts what it kept and rejected (by predicate).
#[derive(Clone, Debug, Default)]
pub struct Selector {
    filter: FilterSet,
    mixed_instances: BTreeSet<String>,
    kept_per_language: BTreeMap<String, u64>,
    /// Trajectories kept (count).
    pub n_kept: u64,
    /// Trajectories rejected, per predicate key (count).
    pub rejected: BTreeMap<&'static str, u64>,
}

impl Selector {
    /// A selector for `filter`, with nothing seen yet.
    pub fn new(filter: FilterSet) -> Self {
        Selector { filter, ..Default::default() }
    }

    /// A selector for `filter` that judges `mixed_outcome` against `mixed_instances` (see
    /// [`mixed_instances`]).
    pub fn with_mixed_instances(filter: FilterSet, mixed_instances: BTreeSet<String>) -> Self {
        Selector { filter, mixed_instances, ..Default::default() }
    }

    /// The mixed instances `mixed_outcome` is judged against.
    pub fn mixed_instances(&self) -> &BTreeSet<String> {
        &self.mixed_instances
    }

    /// The filter set applied.
    pub fn filter(&self) -> &FilterSet {
        &self.filter
    }

    /// Judges the next trajectory of the stream.
    pub fn judge(&mut self, trajectory: &Trajectory, metrics: &TrajectoryMetrics) -> Verdict {
        let verdict = match self.filter.check_in(trajectory, metrics, &self.mixed_instances) {
            Err(rejection) => Verdict::Reject(rejection),
            Ok(()) => match self.filter.language_cap {
                Some(cap) => {
                    let language = language_of(trajectory, metrics).unwrap_or_default();
                    let kept = self.kept_per_language.entry(language).or_default();
                    if *kept >= cap {
                        Verdict::Reject(Rejection::LanguageCap)
                    } else {
                        *kept += 1;
                        Verdict::Keep
                    }
                }
                None => Verdict::Keep,
            },
        };
        match verdict {
            Verdict::Keep => self.n_kept += 1,
            Verdict::Reject(rejection) => {
                *self.rejected.entry(rejection.as_str()).or_default() += 1
            }
        }
        verdict
    }
}
