//! Dataset-level aggregates over any set of trajectories (the rows loaded so far, or those
//! passing a filter): counts, outcome and resolved rate, histograms, tool-call frequency,
//! language and extension distribution, outcome by language, split and model. These feed the
//! charts; the UI does no maths of its own.
//!
//! Binning: every histogram uses the same 1-2-5 series of bin edges (0, 1, 2, 5, 10, 20, 50,
//! ...): bin `[edges[i], edges[i+1])`, the last bin open-ended. It reads well on a log axis
//! and keeps long tails (tokens, patch lines) in a few bins.
//!
//! Resolved rate: resolved / (resolved + failed); trajectories of unknown outcome are not in
//! the denominator (Open-SWE-Traces marks unevaluated runs -1).

use std::collections::BTreeMap;

use crate::domain::filter::language_of;
use crate::domain::metrics::TrajectoryMetrics;
use crate::domain::trajectory::{Outcome, Trajectory};

/// Lower edges of the 1-2-5 bins: 0, 1, 2, 5, 10, ..., 5·10^9.
const EDGES: [u64; 31] = {
    let mut edges = [0u64; 31];
    let mut idx = 1;
    let mut decade = 1u64;
    while idx < 31 {
        edges[idx] = decade;
        edges[idx + 1] = 2 * decade;
        edges[idx + 2] = 5 * decade;
        idx += 3;
        decade *= 10;
    }
    edges
};

/// A histogram over the 1-2-5 bins (see the module doc).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    counts: [u64; EDGES.len()],
    /// Values added (count).
    pub n: u64,
    /// Sum of the values added (same unit as the values).
    pub sum: u64,
    /// Largest value added.
    pub max: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram { counts: [0; EDGES.len()], n: 0, sum: 0, max: 0 }
    }
}

/// One bin of a histogram: `[lo, hi)`, `hi` `None` for the open last bin.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bin {
    /// Smallest value in the bin.
    pub lo: u64,
    /// First value past the bin; `None` for the last bin.
    pub hi: Option<u64>,
    /// Values in the bin (count).
    pub count: u64,
}

impl Histogram {
    /// Index of the bin holding `value`.
    pub fn bin_index(value: u64) -> usize {
        EDGES.partition_point(|&edge| edge <= value) - 1
    }

    /// Adds a value.
    pub fn add(&mut self, value: u64) {
        self.counts[Self::bin_index(value)] += 1;
        self.n += 1;
        self.sum += value;
        self.max = self.max.max(value);
    }

    /// The bins from the first to the last non-empty one (empty bins between are kept, so the
    /// axis is continuous); no bins when nothing was added.
    pub fn bins(&self) -> Vec<Bin> {
        let Some(first) = self.counts.iter().position(|&c| c > 0) else { return Vec::new() };
        let last = self.counts.iter().rposition(|&c| c > 0).unwrap_or(first);
        (first..=last)
            .map(|idx| Bin {
                lo: EDGES[idx],
                hi: EDGES.get(idx + 1).copied(),
                count: self.counts[idx],
            })
            .collect()
    }

    /// Mean of the values added, if any.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }
}

/// Trajectories per outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OutcomeCounts {
    /// Resolved (count).
    pub resolved: u64,
    /// Failed (count).
    pub failed: u64,
    /// Unknown outcome (count).
    pub unknown: u64,
}

impl OutcomeCounts {
    /// Adds one trajectory of `outcome`.
    pub fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Resolved => self.resolved += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Unknown => self.unknown += 1,
        }
    }

    /// All trajectories (count).
    pub fn total(&self) -> u64 {
        self.resolved + self.failed + self.unknown
    }

    /// resolved / (resolved + failed), in 0..=1; `None` when nothing is labelled.
    pub fn resolved_rate(&self) -> Option<f64> {
        let labelled = self.resolved + self.failed;
        (labelled > 0).then(|| self.resolved as f64 / labelled as f64)
    }
}

/// Aggregates over a set of trajectories, updated one trajectory at a time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DatasetSummary {
    /// Trajectories added (count).
    pub n_trajectories: u64,
    /// Trajectories per outcome.
    pub outcomes: OutcomeCounts,
    /// Agent steps per trajectory (turns).
    pub turns: Histogram,
    /// Tool calls per trajectory (calls).
    pub tool_calls: Histogram,
    /// Tokens per trajectory (tokens, exact when known, else estimated).
    pub tokens: Histogram,
    /// Trajectories whose token count is exact, by a model's tokenizer (count).
    pub tokens_exact: u64,
    /// The model whose tokenizer counted the first exact token count, if any.
    pub tokens_model: Option<String>,
    /// Added + removed lines of the final patch, over trajectories with a patch (lines).
    pub patch_lines: Histogram,
    /// Files changed by the final patch, over trajectories with a patch (files).
    pub patch_files: Histogram,
    /// Tool calls per tool name, over all trajectories (calls).
    pub tool_calls_by_name: BTreeMap<String, u64>,
    /// Trajectories per language (`unknown` when none is known).
    pub languages: BTreeMap<String, u64>,
    /// Files changed by final patches, per extension (files).
    pub patch_extensions: BTreeMap<String, u64>,
    /// Trajectories per detected format.
    pub formats: BTreeMap<&'static str, u64>,
    /// Outcomes per language.
    pub outcome_by_language: BTreeMap<String, OutcomeCounts>,
    /// Outcomes per source (split or file).
    pub outcome_by_source: BTreeMap<String, OutcomeCounts>,
    /// Outcomes per model (teacher model), when rows name one.
    pub outcome_by_model: BTreeMap<String, OutcomeCounts>,
    /// Trajectories with a non-empty final patch (count).
    pub n_with_patch: u64,
    /// Trajectories whose final patch changes a test file (count).
    pub n_touching_tests: u64,
    /// Trajectories that finished by themselves (count).
    pub n_finished: u64,
    /// Trajectories with at least one diagnostic (count).
    pub n_with_diagnostics: u64,
    /// Trajectories per flag (`FlagKind::as_str` key; count of trajectories, not of flags),
    /// from [`TrajectoryMetrics::flags`].
    pub flags: BTreeMap<String, u64>,
    /// Trajectories with at least one flag (count).
    pub n_flagged: u64,
}

impl DatasetSummary {
    /// Adds one trajectory.
    pub fn add(&mut self, trajectory: &Trajectory, metrics: &TrajectoryMetrics) {
        let outcome = trajectory.outcome;
        self.n_trajectories += 1;
        self.outcomes.add(outcome);
        self.turns.add(metrics.n_turns as u64);
        self.tool_calls.add(metrics.n_tool_calls as u64);
        self.tokens.add(metrics.tokens() as u64);
        if let Some(model) = metrics.tokens_are_exact() {
            self.tokens_exact += 1;
            if self.tokens_model.is_none() {
                self.tokens_model = Some(model.to_owned());
            }
        }
        for (name, n) in &metrics.tool_calls_by_name {
            *self.tool_calls_by_name.entry(name.clone()).or_default() += *n as u64;
        }
        let language = language_of(trajectory, metrics).unwrap_or_else(|| "unknown".to_owned());
        *self.languages.entry(language.clone()).or_default() += 1;
        self.outcome_by_language.entry(language).or_default().add(outcome);
        self.outcome_by_source
            .entry(trajectory.source.origin.to_string())
            .or_default()
            .add(outcome);
        if let Some(model) = &trajectory.ids.model {
            self.outcome_by_model.entry(model.clone()).or_default().add(outcome);
        }
        *self.formats.entry(trajectory.format.as_str()).or_default() += 1;
        if let Some(patch) = metrics.final_patch.as_ref().filter(|p| !p.is_empty) {
            self.n_with_patch += 1;
            self.patch_lines.add(patch.n_changed_lines() as u64);
            self.patch_files.add(patch.stats.n_files as u64);
            self.n_touching_tests += u64::from(patch.stats.touches_tests);
            for (extension, n) in &patch.stats.extensions {
                *self.patch_extensions.entry(extension.clone()).or_default() += *n as u64;
            }
        }
        self.n_finished += u64::from(metrics.finished);
        self.n_with_diagnostics += u64::from(metrics.n_diagnostics > 0);
        for kind in crate::domain::flags::kinds(&metrics.flags) {
            *self.flags.entry(kind.as_str().to_owned()).or_default() += 1;
        }
        self.n_flagged += u64::from(!metrics.flags.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_are_the_1_2_5_series() {
        assert_eq!(&EDGES[..8], &[0, 1, 2, 5, 10, 20, 50, 100]);
        assert_eq!(EDGES[30], 5_000_000_000);
    }

    #[test]
    fn values_land_in_their_bins() {
        let mut histogram = Histogram::default();
        for value in [0, 1, 1, 3, 4, 5, 9, 10, 120, 32_000] {
            histogram.add(value);
        }
        let bins: Vec<(u64, Option<u64>, u64)> =
            histogram.bins().iter().map(|b| (b.lo, b.hi, b.count)).collect();
        assert_eq!(
            &bins[..5],
            &[
                (0, Some(1), 1),
                (1, Some(2), 2),
                (2, Some(5), 2),
                (5, Some(10), 2),
                (10, Some(20), 1)
            ]
        );
        assert_eq!(bins.last(), Some(&(20_000, Some(50_000), 1)));
        assert_eq!(histogram.n, 10);
        assert_eq!(histogram.max, 32_000);
        assert_eq!(Histogram::bin_index(u64::MAX), EDGES.len() - 1);
        assert!(Histogram::default().bins().is_empty());
    }

    #[test]
    fn resolved_rate_leaves_unknown_out() {
        let mut counts = OutcomeCounts::default();
        assert_eq!(counts.resolved_rate(), None);
        for outcome in [Outcome::Resolved, Outcome::Failed, Outcome::Failed, Outcome::Unknown] {
            counts.add(outcome);
        }
        assert_eq!(counts.resolved_rate(), Some(1.0 / 3.0));
        assert_eq!(counts.total(), 4);
    }
}
