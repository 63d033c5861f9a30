//! Dataset charts: a [`DatasetSummary`] turned into chart specs ([`dataset_charts`]: title,
//! bars with their label, value, count, hover text and the [`FilterChange`] a click applies),
//! laid out in pixels ([`ChartLayout`]: where each bar is, which bar is at a point) and drawn to
//! an SVG string with plotters' SVG backend ([`render_svg`]). The page shows the SVG and lays
//! transparent hit areas over it from the same layout, so it never reads the SVG back.
//!
//! Histograms (turns, tool calls, tokens, patch lines and files) use the aggregate's 1-2-5 bins
//! (see [`crate::domain::aggregate`]), drawn as equal-width columns: the value axis of the
//! bins is logarithmic, the count axis linear. Categories (tools, languages, extensions) and
//! resolved rates (by language, model, source) are horizontal bars, the largest first, at most
//! [`MAX_CATEGORIES`].
//!
//! Security: labels come from untrusted rows (tool names, languages, extensions, model names).
//! They are cleaned ([`clean_label`]: no control or bidirectional-override characters, bounded
//! length) and plotters' SVG backend escapes `<`, `>`, `&`, `"` and `'` in text and attribute
//! values, so the SVG holds no markup from the rows (`tests/chart.rs` checks it).

use std::collections::BTreeMap;

use plotters::prelude::{
    Color, FontFamily, IntoDrawingArea, IntoFont, PathElement, RGBColor, Rectangle, SVGBackend,
    Text, TextStyle,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::domain::aggregate::{Bin, DatasetSummary, Histogram, OutcomeCounts};
use crate::domain::filter::{FilterSet, Range};
use crate::domain::flags::FlagKind;
use crate::domain::tokens::TokenBasis;

/// Categories shown at most per chart (the largest); the note says how many were left out.
pub const MAX_CATEGORIES: usize = 12;

/// Width of every chart (pixels; the SVG scales to its box through its `viewBox`).
pub const CHART_WIDTH: u32 = 480;

/// Height of a histogram (pixels).
const HISTOGRAM_HEIGHT: u32 = 200;

/// Height of one horizontal bar's row (pixels).
const ROW_HEIGHT: i32 = 22;

/// Characters of a label drawn on an axis (longer ones end with `…`).
const AXIS_LABEL_CHARS: usize = 20;

/// Characters of a name in hover text.
const HOVER_LABEL_CHARS: usize = 200;

/// What a chart draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChartKind {
    /// Columns over 1-2-5 bins; values are counts.
    Histogram,
    /// Horizontal bars per category; values are counts.
    Counts,
    /// Horizontal bars per category; values are resolved rates in percent (0..=100).
    Rates,
}

/// A change of the filter that a click on a bar applies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FilterChange {
    /// Sets `turns` to the range (count).
    Turns(Range),
    /// Sets `tool_calls` to the range (count).
    ToolCalls(Range),
    /// Sets `tokens` to the range (tokens).
    Tokens(Range),
    /// Sets `patch_lines` to the range (lines) and asks for a patch (`patch=yes`), as the
    /// histogram counts only trajectories with one.
    PatchLines(Range),
    /// Sets `patch_files` to the range (files) and asks for a patch (`patch=yes`).
    PatchFiles(Range),
    /// Adds the language to `lang` (and takes it out of `lang_not`).
    Language(String),
    /// Adds the tool to `tool` (and takes it out of `tool_not`).
    Tool(String),
    /// Adds the flag to `flag` (and takes it out of `flag_not`).
    Flag(FlagKind),
}

impl FilterChange {
    /// Applies the change to `filter`.
    pub fn apply(&self, filter: &mut FilterSet) {
        match self {
            FilterChange::Turns(range) => filter.turns = *range,
            FilterChange::ToolCalls(range) => filter.tool_calls = *range,
            FilterChange::Tokens(range) => filter.tokens = *range,
            FilterChange::PatchLines(range) => {
                filter.patch_lines = *range;
                filter.has_patch = Some(true);
            }
            FilterChange::PatchFiles(range) => {
                filter.patch_files = *range;
                filter.has_patch = Some(true);
            }
            FilterChange::Language(name) => {
                filter.exclude_languages.remove(name);
                filter.languages.insert(name.clone());
            }
            FilterChange::Tool(name) => {
                filter.tools_not_used.remove(name);
                filter.tools_used.insert(name.clone());
            }
            FilterChange::Flag(kind) => {
                filter.flags_not.remove(kind);
                filter.flags.insert(*kind);
            }
        }
    }

    /// Whether `filter` already holds the change.
    pub fn is_applied(&self, filter: &FilterSet) -> bool {
        match self {
            FilterChange::Turns(range) => filter.turns == *range,
            FilterChange::ToolCalls(range) => filter.tool_calls == *range,
            FilterChange::Tokens(range) => filter.tokens == *range,
            FilterChange::PatchLines(range) => {
                filter.patch_lines == *range && filter.has_patch == Some(true)
            }
            FilterChange::PatchFiles(range) => {
                filter.patch_files == *range && filter.has_patch == Some(true)
            }
            FilterChange::Language(name) => filter.languages.contains(name),
            FilterChange::Tool(name) => filter.tools_used.contains(name),
            FilterChange::Flag(kind) => filter.flags.contains(kind),
        }
    }

    /// What a click does to `filter`: applies the change, or takes it back out when it is
    /// already applied (the range goes back to any, the name leaves its set; `patch=yes`
    /// stays).
    pub fn toggle(&self, filter: &mut FilterSet) {
        if !self.is_applied(filter) {
            self.apply(filter);
            return;
        }
        match self {
            FilterChange::Turns(_) => filter.turns = Range::default(),
            FilterChange::ToolCalls(_) => filter.tool_calls = Range::default(),
            FilterChange::Tokens(_) => filter.tokens = Range::default(),
            FilterChange::PatchLines(_) => filter.patch_lines = Range::default(),
            FilterChange::PatchFiles(_) => filter.patch_files = Range::default(),
            FilterChange::Language(name) => {
                filter.languages.remove(name);
            }
            FilterChange::Tool(name) => {
                filter.tools_used.remove(name);
            }
            FilterChange::Flag(kind) => {
                filter.flags.remove(kind);
            }
        }
    }

    /// The change in words, for the hover text: `turns 10–19`, `language python`.
    pub fn describe(&self) -> String {
        match self {
            FilterChange::Turns(range) => format!("turns {}", range_text(*range)),
            FilterChange::ToolCalls(range) => format!("tool calls {}", range_text(*range)),
            FilterChange::Tokens(range) => format!("tokens {}", range_text(*range)),
            FilterChange::PatchLines(range) => format!("patch lines {}", range_text(*range)),
            FilterChange::PatchFiles(range) => format!("patch files {}", range_text(*range)),
            FilterChange::Language(name) => {
                format!("language {}", clean_label(name, HOVER_LABEL_CHARS))
            }
            FilterChange::Tool(name) => format!("uses {}", clean_label(name, HOVER_LABEL_CHARS)),
            FilterChange::Flag(kind) => format!("flagged {}", kind.label()),
        }
    }
}

/// One bar of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    /// Axis label: cleaned and short (see [`clean_label`]); for histograms the bin's range.
    pub label: String,
    /// Length of the bar: a count, or a rate in percent for [`ChartKind::Rates`].
    pub value: f64,
    /// What the bar counts (trajectories, calls or files; labelled trajectories for rates).
    pub count: u64,
    /// Hover text: the full (cleaned) name or the bin's range, the count and its share.
    pub hover: String,
    /// The filter a click applies; `None` when no filter matches the bar.
    pub action: Option<FilterChange>,
    /// The histogram bin of the bar (histograms only).
    pub bin: Option<Bin>,
}

/// A chart to draw: what it shows and its bars, in drawing order.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartSpec {
    /// Stable id (`turns`, `tool_calls`, `tokens`, `patch_lines`, `patch_files`, `tools`,
    /// `languages`, `flags`, `resolved_by_language`, `resolved_by_model`, `resolved_by_source`,
    /// `extensions`), for test ids and keys.
    pub id: &'static str,
    /// Title.
    pub title: String,
    /// What the bars count and how, in a short line.
    pub note: String,
    /// Columns over bins, or horizontal bars of counts or rates.
    pub kind: ChartKind,
    /// The bars; empty when there is nothing to draw.
    pub bars: Vec<Bar>,
    /// What to say instead of the chart when there are no bars.
    pub empty: String,
}

/// The charts of a summary, in page order: histograms of turns, tool calls, tokens, patch
/// lines and patch files; tool calls by tool; languages; trajectories per flag; resolved rate by language, by model
/// (when rows name one) and by source (split or file); patch file extensions.
pub fn dataset_charts(summary: &DatasetSummary) -> Vec<ChartSpec> {
    let mut flags = counts_chart(
        "flags",
        "Suspicious-trajectory flags",
        ("trajectory", "trajectories"),
        &summary.flags,
        |key| FlagKind::from_key(key).map_or_else(|| key.to_owned(), |k| k.label().to_owned()),
        |key| FlagKind::from_key(key).map(FilterChange::Flag),
    );
    // A trajectory may raise several flags: say how many are flagged rather than the bars' sum.
    flags.note = format!(
        "{} of {} trajectories flagged (heuristics; one may have several flags)",
        thousands(summary.n_flagged),
        thousands(summary.n_trajectories)
    );
    flags.empty = "no flagged trajectories".to_owned();
    let mut charts = vec![
        histogram_chart(
            "turns",
            "Turns",
            "turns",
            "trajectories",
            &summary.turns,
            FilterChange::Turns,
        ),
        histogram_chart(
            "tool_calls",
            "Tool calls",
            "tool calls",
            "trajectories",
            &summary.tool_calls,
            FilterChange::ToolCalls,
        ),
        histogram_chart(
            "tokens",
            &tokens_title(summary),
            "tokens",
            "trajectories",
            &summary.tokens,
            FilterChange::Tokens,
        ),
        histogram_chart(
            "patch_lines",
            "Patch lines (added + removed)",
            "lines",
            "patches",
            &summary.patch_lines,
            FilterChange::PatchLines,
        ),
        histogram_chart(
            "patch_files",
            "Patch files",
            "files",
            "patches",
            &summary.patch_files,
            FilterChange::PatchFiles,
        ),
        counts_chart(
            "tools",
            "Tool calls by tool",
            ("call", "calls"),
            &summary.tool_calls_by_name,
            |name| name.to_owned(),
            |name| Some(FilterChange::Tool(name.to_owned())),
        ),
        counts_chart(
            "languages",
            "Languages",
            ("trajectory", "trajectories"),
            &summary.languages,
            |name| name.to_owned(),
            language_action,
        ),
        flags,
        rates_chart(
            "resolved_by_language",
            "Resolved rate by language",
            &summary.outcome_by_language,
            language_action,
        ),
    ];
    if !summary.outcome_by_model.is_empty() {
        charts.push(rates_chart(
            "resolved_by_model",
            "Resolved rate by model",
            &summary.outcome_by_model,
            |_| None,
        ));
    }
    charts.push(rates_chart(
        "resolved_by_source",
        "Resolved rate by split or file",
        &summary.outcome_by_source,
        |_| None,
    ));
    charts.push(counts_chart(
        "extensions",
        "Patch files by extension",
        ("file", "files"),
        &summary.patch_extensions,
        |extension| {
            if extension.is_empty() {
                "(no extension)".to_owned()
            } else {
                format!(".{extension}")
            }
        },
        |_| None,
    ));
    charts
}

/// The token histogram's title: which counts it shows, `Tokens (estimated)`, `Tokens (exact,
/// MODEL)` or, while counting, exact for some rows (see [`TokenBasis::label`]).
pub fn tokens_title(summary: &DatasetSummary) -> String {
    let basis = match &summary.tokens_model {
        Some(model) if summary.tokens_exact > 0 => TokenBasis::Exact {
            model: model.clone(),
            counted: summary.tokens_exact as usize,
            total: summary.n_trajectories as usize,
        },
        _ => TokenBasis::Estimated,
    };
    let label = basis.label();
    let mut chars = label.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => label,
    }
}

/// `unknown` is the summary's name for "no language", which no `lang` filter matches.
fn language_action(name: &str) -> Option<FilterChange> {
    (name != "unknown").then(|| FilterChange::Language(name.to_owned()))
}

fn histogram_chart(
    id: &'static str,
    title: &str,
    unit: &str,
    counted: &str,
    histogram: &Histogram,
    action: fn(Range) -> FilterChange,
) -> ChartSpec {
    let bars = histogram
        .bins()
        .into_iter()
        .map(|bin| {
            let range = Range { min: Some(bin.lo), max: bin.hi.map(|hi| hi.saturating_sub(1)) };
            Bar {
                label: range_text(range),
                value: bin.count as f64,
                count: bin.count,
                hover: format!(
                    "{} {unit}: {} {counted} ({})",
                    range_text(range),
                    thousands(bin.count),
                    percent_of(bin.count, histogram.n)
                ),
                action: Some(action(range)),
                bin: Some(bin),
            }
        })
        .collect();
    let mean = histogram.mean().map_or(String::new(), |m| {
        if m >= 100.0 {
            format!(" · mean {}", thousands(m.round() as u64))
        } else {
            format!(" · mean {m:.1}")
        }
    });
    ChartSpec {
        id,
        title: title.to_owned(),
        note: format!(
            "{} {counted} · log-scale bins of {unit} (0, 1, 2, 5, 10, 20, 50, …){mean} · max {}",
            thousands(histogram.n),
            thousands(histogram.max)
        ),
        kind: ChartKind::Histogram,
        bars,
        empty: format!("no {counted} to count yet"),
    }
}

fn counts_chart(
    id: &'static str,
    title: &str,
    (one, many): (&str, &str),
    counts: &BTreeMap<String, u64>,
    label: fn(&str) -> String,
    action: fn(&str) -> Option<FilterChange>,
) -> ChartSpec {
    let total: u64 = counts.values().sum();
    let mut entries: Vec<(&String, u64)> = counts.iter().map(|(k, v)| (k, *v)).collect();
    entries.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let left_out = entries.len().saturating_sub(MAX_CATEGORIES);
    let bars = entries
        .into_iter()
        .take(MAX_CATEGORIES)
        .map(|(name, count)| {
            let shown = label(name);
            Bar {
                label: clean_label(&shown, AXIS_LABEL_CHARS),
                value: count as f64,
                count,
                hover: format!(
                    "{}: {} {} ({})",
                    clean_label(&shown, HOVER_LABEL_CHARS),
                    thousands(count),
                    if count == 1 { one } else { many },
                    percent_of(count, total)
                ),
                action: action(name),
                bin: None,
            }
        })
        .collect();
    let mut note = format!("{} {many}", thousands(total));
    if left_out > 0 {
        note.push_str(&format!("; the {MAX_CATEGORIES} largest shown, {left_out} more left out"));
    }
    ChartSpec {
        id,
        title: title.to_owned(),
        note,
        kind: ChartKind::Counts,
        bars,
        empty: format!("no {many} yet"),
    }
}

fn rates_chart(
    id: &'static str,
    title: &str,
    outcomes: &BTreeMap<String, OutcomeCounts>,
    action: fn(&str) -> Option<FilterChange>,
) -> ChartSpec {
    let mut labelled: Vec<(&String, &OutcomeCounts)> =
        outcomes.iter().filter(|(_, o)| o.resolved + o.failed > 0).collect();
    let unlabelled = outcomes.len() - labelled.len();
    labelled.sort_by(|a, b| {
        (b.1.resolved + b.1.failed).cmp(&(a.1.resolved + a.1.failed)).then_with(|| a.0.cmp(b.0))
    });
    let left_out = labelled.len().saturating_sub(MAX_CATEGORIES);
    let bars = labelled
        .into_iter()
        .take(MAX_CATEGORIES)
        .map(|(name, counts)| {
            let n_labelled = counts.resolved + counts.failed;
            let rate = counts.resolved_rate().unwrap_or(0.0) * 100.0;
            let unknown = if counts.unknown > 0 {
                format!("; {} unknown", thousands(counts.unknown))
            } else {
                String::new()
            };
            Bar {
                label: clean_label(name, AXIS_LABEL_CHARS),
                value: rate,
                count: n_labelled,
                hover: format!(
                    "{}: {rate:.1}% resolved ({} of {} labelled{unknown})",
                    clean_label(name, HOVER_LABEL_CHARS),
                    thousands(counts.resolved),
                    thousands(n_labelled)
                ),
                action: action(name),
                bin: None,
            }
        })
        .collect();
    let mut note = "resolved / (resolved + failed); unknown outcomes left out".to_owned();
    if left_out > 0 {
        note.push_str(&format!("; the {MAX_CATEGORIES} largest shown, {left_out} more left out"));
    }
    if unlabelled > 0 {
        note.push_str(&format!("; {unlabelled} without outcome labels"));
    }
    ChartSpec {
        id,
        title: title.to_owned(),
        note,
        kind: ChartKind::Rates,
        bars,
        empty: "no outcome labels in these rows".to_owned(),
    }
}

/// A label safe and short enough to draw: control characters (including line breaks) and
/// bidirectional-formatting characters dropped, runs of white space made one space, at most
/// `max_chars` characters (the last one `…` when cut). Markup characters are kept: the SVG
/// backend escapes them and the page renders hover text as text.
pub fn clean_label(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut n_chars = 0;
    let mut space = false;
    let mut chars = text.trim().chars().filter(|c| !is_hidden(*c)).peekable();
    while let Some(c) = chars.next() {
        if c.is_whitespace() {
            space = true;
            continue;
        }
        let pending = usize::from(space && n_chars > 0);
        if n_chars + pending + 1 > max_chars
            || (n_chars + pending + 1 == max_chars && chars.peek().is_some())
        {
            out.push('…');
            return out;
        }
        if pending == 1 {
            out.push(' ');
            n_chars += 1;
        }
        space = false;
        out.push(c);
        n_chars += 1;
    }
    out
}

/// Control characters and the Unicode bidirectional controls (which can reorder what is read).
fn is_hidden(c: char) -> bool {
    (c.is_control() && !c.is_whitespace())
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A range in words: `10–19`, `7`, `≥ 5000`, `≤ 3`, `any`; thousands separated.
pub fn range_text(range: Range) -> String {
    match (range.min, range.max) {
        (Some(min), Some(max)) if min == max => thousands(min),
        (Some(min), Some(max)) => format!("{}–{}", thousands(min), thousands(max)),
        (Some(min), None) => format!("≥ {}", thousands(min)),
        (None, Some(max)) => format!("≤ {}", thousands(max)),
        (None, None) => "any".to_owned(),
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, c) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A count for an axis: `950`, `1k`, `1.5k`, `20k`, `2M`, `5G`.
pub fn compact(n: u64) -> String {
    for (scale, suffix) in [(1_000_000_000u64, "G"), (1_000_000, "M"), (1_000, "k")] {
        if n >= scale {
            let tenths = n * 10 / scale;
            return if tenths.is_multiple_of(10) || tenths >= 1000 {
                format!("{}{suffix}", n / scale)
            } else {
                format!("{}.{}{suffix}", tenths / 10, tenths % 10)
            };
        }
    }
    n.to_string()
}

fn percent_of(part: u64, whole: u64) -> String {
    if whole == 0 {
        "0%".to_owned()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// A rectangle in pixels, `x0 <= x1`, `y0 <= y1` (y grows downwards).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rect {
    /// Left edge (pixels).
    pub x0: i32,
    /// Top edge (pixels).
    pub y0: i32,
    /// Right edge (pixels).
    pub x1: i32,
    /// Bottom edge (pixels).
    pub y1: i32,
}

impl Rect {
    /// Whether the point lies inside (left and top edges in, right and bottom edges out).
    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= f64::from(self.x0)
            && x < f64::from(self.x1)
            && y >= f64::from(self.y0)
            && y < f64::from(self.y1)
    }

    /// Width (pixels).
    pub fn width(&self) -> i32 {
        self.x1 - self.x0
    }

    /// Height (pixels).
    pub fn height(&self) -> i32 {
        self.y1 - self.y0
    }
}

/// Horizontal anchoring of a text mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    /// The text starts at x.
    Start,
    /// The text is centred on x.
    Middle,
    /// The text ends at x.
    End,
}

/// A piece of text of a chart (tick labels, bar labels, values).
#[derive(Clone, Debug, PartialEq)]
pub struct TextMark {
    /// Anchor point, x (pixels).
    pub x: i32,
    /// Anchor point, y (pixels): the text's top when `below`, else its middle.
    pub y: i32,
    /// The text (already cleaned).
    pub text: String,
    /// Horizontal anchoring.
    pub align: Align,
    /// True when the text hangs below `y` (x-axis labels), false when centred on it.
    pub below: bool,
    /// Muted colour (axes) rather than the text colour (labels, values).
    pub muted: bool,
}

/// A chart laid out in pixels: the plot area, each bar's rectangle and hit area, grid lines and
/// text. The SVG and the page's hit areas both come from it.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartLayout {
    /// Width of the drawing (pixels).
    pub width: u32,
    /// Height of the drawing (pixels).
    pub height: u32,
    /// The area the bars grow in (pixels).
    pub plot: Rect,
    /// The drawn rectangle of each bar, in the spec's order (pixels).
    pub bars: Vec<Rect>,
    /// The area that answers for each bar (its whole column or row, labels included), in the
    /// spec's order (pixels); the hit areas do not overlap.
    pub hits: Vec<Rect>,
    /// Grid and axis lines, `(x0, y0, x1, y1)` (pixels); the first is the base axis.
    pub lines: Vec<(i32, i32, i32, i32)>,
    /// Tick labels, bar labels and values.
    pub texts: Vec<TextMark>,
}

/// Rough width of a text in the charts' 11 px font (pixels), to keep axis labels apart.
fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * 6.5 + 6.0
}

/// The top of the value axis and its tick step: a 1-2-5 step giving at most `max_ticks`
/// intervals (step at least 1), and the first multiple of it at or above `max`.
pub fn value_axis(max: f64, max_ticks: u32) -> (f64, f64) {
    let max = if max.is_finite() && max > 0.0 { max } else { 1.0 };
    let raw = max / f64::from(max_ticks.max(1));
    let mut step = 1.0;
    'search: loop {
        for factor in [1.0, 2.0, 5.0] {
            if factor * step >= raw {
                step *= factor;
                break 'search;
            }
        }
        step *= 10.0;
    }
    ((max / step).ceil() * step, step)
}

impl ChartLayout {
    /// Lays `spec` out: columns for histograms ([`CHART_WIDTH`] × 200 pixels), one row per bar
    /// otherwise ([`CHART_WIDTH`] wide, 22 pixels a row).
    pub fn of(spec: &ChartSpec) -> ChartLayout {
        match spec.kind {
            ChartKind::Histogram => Self::columns(spec),
            ChartKind::Counts | ChartKind::Rates => Self::rows(spec),
        }
    }

    /// The index of the bar whose hit area holds the point `(x, y)` (pixels of the drawing).
    pub fn bar_at(&self, x: f64, y: f64) -> Option<usize> {
        self.hits.iter().position(|hit| hit.contains(x, y))
    }

    fn columns(spec: &ChartSpec) -> ChartLayout {
        let (width, height) = (CHART_WIDTH, HISTOGRAM_HEIGHT);
        let plot = Rect { x0: 44, y0: 10, x1: width as i32 - 14, y1: height as i32 - 24 };
        let max = spec.bars.iter().map(|b| b.value).fold(0.0, f64::max);
        let (top, step) = value_axis(max, 4);
        let mut lines = vec![(plot.x0, plot.y1, plot.x1, plot.y1)];
        let mut texts = Vec::new();
        let y_of = |value: f64| plot.y1 - (value / top * f64::from(plot.height())).round() as i32;
        let mut tick = 0.0;
        while tick <= top + step / 2.0 {
            let y = y_of(tick);
            if tick > 0.0 {
                lines.push((plot.x0, y, plot.x1, y));
            }
            texts.push(TextMark {
                x: plot.x0 - 6,
                y,
                text: compact(tick as u64),
                align: Align::End,
                below: false,
                muted: true,
            });
            tick += step;
        }
        let n = spec.bars.len().max(1);
        let band = f64::from(plot.width()) / n as f64;
        let gap = (band * 0.08).clamp(1.0, 4.0);
        let x_at = |offset: f64| plot.x0 + offset.round() as i32;
        let mut bars = Vec::with_capacity(spec.bars.len());
        let mut hits = Vec::with_capacity(spec.bars.len());
        for (idx, bar) in spec.bars.iter().enumerate() {
            let left = idx as f64 * band;
            let (x0, mut x1) = (x_at(left + gap / 2.0), x_at(left + band - gap / 2.0));
            if x1 <= x0 {
                x1 = x0 + 1;
            }
            let mut y0 = y_of(bar.value.max(0.0));
            if bar.value > 0.0 && y0 >= plot.y1 {
                y0 = plot.y1 - 1;
            }
            bars.push(Rect { x0, y0, x1, y1: plot.y1 });
            hits.push(Rect { x0: x_at(left), y0: 0, x1: x_at(left + band), y1: height as i32 });
        }
        // Edge labels: the lower edge of each bin and the upper edge of the last (when closed),
        // as many as fit without overlapping.
        let mut edges: Vec<(usize, u64)> =
            spec.bars.iter().enumerate().filter_map(|(i, b)| Some((i, b.bin?.lo))).collect();
        if let Some(hi) = spec.bars.last().and_then(|b| b.bin?.hi) {
            edges.push((spec.bars.len(), hi));
        }
        let widest = edges.iter().map(|(_, v)| text_width(&compact(*v))).fold(0.0, f64::max);
        let stride = ((widest / band).ceil() as usize).max(1);
        for (idx, value) in edges {
            let x = x_at(idx as f64 * band);
            lines.push((x, plot.y1, x, plot.y1 + 4));
            if idx % stride == 0 {
                texts.push(TextMark {
                    x,
                    y: plot.y1 + 6,
                    text: compact(value),
                    align: Align::Middle,
                    below: true,
                    muted: true,
                });
            }
        }
        ChartLayout { width, height, plot, bars, hits, lines, texts }
    }

    fn rows(spec: &ChartSpec) -> ChartLayout {
        let (label_width, value_width, top, bottom) = (140, 64, 4, 22);
        let n = spec.bars.len() as i32;
        let width = CHART_WIDTH;
        let plot = Rect {
            x0: label_width,
            y0: top,
            x1: width as i32 - value_width,
            y1: top + n * ROW_HEIGHT,
        };
        let height = (plot.y1 + bottom).max(0) as u32;
        let (top_value, step) = match spec.kind {
            ChartKind::Rates => (100.0, 25.0),
            _ => value_axis(spec.bars.iter().map(|b| b.value).fold(0.0, f64::max), 4),
        };
        let x_of =
            |value: f64| plot.x0 + (value / top_value * f64::from(plot.width())).round() as i32;
        let mut lines = vec![(plot.x0, plot.y0, plot.x0, plot.y1)];
        let mut texts = Vec::new();
        let mut tick = 0.0;
        while tick <= top_value + step / 2.0 {
            let x = x_of(tick);
            if tick > 0.0 {
                lines.push((x, plot.y0, x, plot.y1));
            }
            let text = match spec.kind {
                ChartKind::Rates => format!("{tick:.0}%"),
                _ => compact(tick as u64),
            };
            texts.push(TextMark {
                x,
                y: plot.y1 + 5,
                text,
                align: Align::Middle,
                below: true,
                muted: true,
            });
            tick += step;
        }
        let mut bars = Vec::with_capacity(spec.bars.len());
        let mut hits = Vec::with_capacity(spec.bars.len());
        for (idx, bar) in spec.bars.iter().enumerate() {
            let band = plot.y0 + idx as i32 * ROW_HEIGHT;
            let middle = band + ROW_HEIGHT / 2;
            let mut x1 = x_of(bar.value.clamp(0.0, top_value));
            if bar.value > 0.0 && x1 <= plot.x0 {
                x1 = plot.x0 + 1;
            }
            bars.push(Rect { x0: plot.x0, y0: band + 4, x1, y1: band + ROW_HEIGHT - 4 });
            hits.push(Rect { x0: 0, y0: band, x1: width as i32, y1: band + ROW_HEIGHT });
            texts.push(TextMark {
                x: plot.x0 - 6,
                y: middle,
                text: bar.label.clone(),
                align: Align::End,
                below: false,
                muted: false,
            });
            let value = match spec.kind {
                ChartKind::Rates => format!("{:.0}%", bar.value),
                _ => compact(bar.count),
            };
            texts.push(TextMark {
                x: x1 + 5,
                y: middle,
                text: value,
                align: Align::Start,
                below: false,
                muted: false,
            });
        }
        ChartLayout { width, height, plot, bars, hits, lines, texts }
    }
}

/// Colours of a drawing, as `[red, green, blue]`; [`Palette::for_theme`] gives the page's
/// (the values of `style/tokens.css`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Palette {
    /// Labels and values (`--tx-fg`).
    pub text: [u8; 3],
    /// Axis labels (`--tx-fg-muted`).
    pub muted: [u8; 3],
    /// Grid lines (`--tx-border`).
    pub grid: [u8; 3],
    /// Count bars (`--tx-accent`).
    pub bar: [u8; 3],
    /// Resolved-rate bars (`--tx-ok-fg`).
    pub rate: [u8; 3],
}

impl Palette {
    /// The light theme's colours.
    pub const LIGHT: Palette = Palette {
        text: [0x1b, 0x1f, 0x24],
        muted: [0x5b, 0x64, 0x72],
        grid: [0xd9, 0xdd, 0xe3],
        bar: [0x24, 0x57, 0xc5],
        rate: [0x17, 0x69, 0x3a],
    };

    /// The dark theme's colours.
    pub const DARK: Palette = Palette {
        text: [0xe4, 0xe7, 0xec],
        muted: [0x9a, 0xa3, 0xb2],
        grid: [0x2f, 0x35, 0x41],
        bar: [0x7a, 0xa2, 0xf7],
        rate: [0x7f, 0xd6, 0x9a],
    };

    /// The palette of a page theme: `dark`, else light.
    pub fn for_theme(theme: &str) -> Palette {
        if theme == "dark" {
            Palette::DARK
        } else {
            Palette::LIGHT
        }
    }
}

fn rgb([r, g, b]: [u8; 3]) -> RGBColor {
    RGBColor(r, g, b)
}

/// Why a chart could not be drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the chart could not be drawn: {}", self.0)
    }
}

/// Draws a laid-out chart as an SVG document (`<svg width height viewBox ...>`, transparent
/// background) with plotters' SVG backend; `kind` picks the bar colour.
pub fn render_svg(
    layout: &ChartLayout,
    kind: ChartKind,
    palette: &Palette,
) -> Result<String, ChartError> {
    let error = |e: &dyn std::fmt::Display| ChartError(e.to_string());
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (layout.width, layout.height)).into_drawing_area();
        let grid = rgb(palette.grid);
        let (muted, text) = (rgb(palette.muted), rgb(palette.text));
        let bar = rgb(if kind == ChartKind::Rates { palette.rate } else { palette.bar });
        for &(x0, y0, x1, y1) in &layout.lines {
            root.draw(&PathElement::new(vec![(x0, y0), (x1, y1)], grid.stroke_width(1)))
                .map_err(|e| error(&e))?;
        }
        for rect in &layout.bars {
            root.draw(&Rectangle::new([(rect.x0, rect.y0), (rect.x1, rect.y1)], bar.filled()))
                .map_err(|e| error(&e))?;
        }
        for mark in &layout.texts {
            let h = match mark.align {
                Align::Start => HPos::Left,
                Align::Middle => HPos::Center,
                Align::End => HPos::Right,
            };
            let v = if mark.below { VPos::Top } else { VPos::Center };
            let style: TextStyle = (FontFamily::SansSerif, 14)
                .into_font()
                .color(if mark.muted { &muted } else { &text })
                .pos(Pos::new(h, v));
            root.draw(&Text::new(mark.text.as_str(), (mark.x, mark.y), style))
                .map_err(|e| error(&e))?;
        }
        root.present().map_err(|e| error(&e))?;
    }
    Ok(svg)
}
