//! Dataset charts (`domain::chart`): specs from summaries, bin labels on the 1-2-5 series, the
//! filter a click applies (checked against the rows it admits), hit testing of the layout, and
//! SVG output that carries no markup from hostile labels.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use trajex::domain::aggregate::{DatasetSummary, OutcomeCounts};
use trajex::domain::chart::{
    clean_label, compact, dataset_charts, range_text, render_svg, thousands, tokens_title,
    value_axis, ChartKind, ChartLayout, ChartSpec, FilterChange, Palette, MAX_CATEGORIES,
};
use trajex::domain::filter::{FilterSet, Range};
use trajex::domain::trajectory::Trajectory;
use trajex::domain::TrajectoryMetrics;

fn chart<'a>(charts: &'a [ChartSpec], id: &str) -> &'a ChartSpec {
    charts.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no chart {id}"))
}

fn range(min: u64, max: Option<u64>) -> Range {
    Range { min: Some(min), max }
}

use common::fixture_rows;

fn summary_of(rows: &[(Trajectory, TrajectoryMetrics)]) -> DatasetSummary {
    let mut summary = DatasetSummary::default();
    for (t, m) in rows {
        summary.add(t, m);
    }
    summary
}

#[test]
fn histogram_bars_follow_the_1_2_5_bins() {
    let mut summary = DatasetSummary::default();
    for turns in [0, 1, 3, 4, 12, 12, 150] {
        summary.turns.add(turns);
    }
    let charts = dataset_charts(&summary);
    let turns = chart(&charts, "turns");
    assert_eq!(turns.kind, ChartKind::Histogram);
    let bars: Vec<(&str, u64)> = turns.bars.iter().map(|b| (b.label.as_str(), b.count)).collect();
    assert_eq!(
        bars,
        [
            ("0", 1),
            ("1", 1),
            ("2–4", 2),
            ("5–9", 0),
            ("10–19", 2),
            ("20–49", 0),
            ("50–99", 0),
            ("100–199", 1)
        ]
    );
    assert_eq!(turns.bars[2].action, Some(FilterChange::Turns(range(2, Some(4)))));
    assert_eq!(turns.bars[2].hover, "2–4 turns: 2 trajectories (28.6%)");
    assert_eq!(turns.note, "7 trajectories · log-scale bins of turns (0, 1, 2, 5, 10, 20, 50, …) · mean 26.0 · max 150");
    // Nothing added: no bars, and a message instead.
    assert!(chart(&charts, "tokens").bars.is_empty());
    assert!(!chart(&charts, "tokens").empty.is_empty());
}

#[test]
fn numbers_for_axes_and_hover() {
    assert_eq!(compact(0), "0");
    assert_eq!(compact(950), "950");
    assert_eq!(compact(1_000), "1k");
    assert_eq!(compact(1_500), "1.5k");
    assert_eq!(compact(20_000), "20k");
    assert_eq!(compact(2_000_000), "2M");
    assert_eq!(compact(5_000_000_000), "5G");
    assert_eq!(thousands(1_234_567), "1,234,567");
    assert_eq!(thousands(999), "999");
    assert_eq!(range_text(range(2_000, Some(4_999))), "2,000–4,999");
    assert_eq!(range_text(range(7, Some(7))), "7");
    assert_eq!(range_text(range(5_000_000_000, None)), "≥ 5,000,000,000");
    assert_eq!(value_axis(7.0, 4), (8.0, 2.0));
    assert_eq!(value_axis(0.0, 4), (1.0, 1.0));
    assert_eq!(value_axis(1.0, 4), (1.0, 1.0));
    assert_eq!(value_axis(230.0, 4), (300.0, 100.0));
}

#[test]
fn token_axis_is_labelled_at_bin_edges() {
    let mut summary = DatasetSummary::default();
    for tokens in [1_200, 3_000, 7_000, 40_000] {
        summary.tokens.add(tokens);
    }
    let charts = dataset_charts(&summary);
    let tokens = chart(&charts, "tokens");
    assert_eq!(tokens.bars.len(), 5, "the 1k, 2k, 5k, 10k and 20k bins");
    let layout = ChartLayout::of(tokens);
    let labels: Vec<&str> =
        layout.texts.iter().filter(|t| t.below).map(|t| t.text.as_str()).collect();
    assert_eq!(labels, ["1k", "2k", "5k", "10k", "20k", "50k"]);
    assert_eq!(tokens.bars[4].action, Some(FilterChange::Tokens(range(20_000, Some(49_999)))));
}

#[test]
fn the_token_histogram_says_which_counts_it_shows() {
    let rows = fixture_rows();
    let summary = summary_of(&rows);
    assert_eq!(tokens_title(&summary), "Tokens (estimated)");
    assert_eq!(chart(&dataset_charts(&summary), "tokens").title, "Tokens (estimated)");
    // Exact counts for some rows, then for all: the bins move to the exact figures.
    let model: std::sync::Arc<str> = "Qwen/Qwen2.5-Coder-7B-Instruct".into();
    let mut counted = rows.clone();
    counted[0].1.set_exact_tokens(123_456, model.clone());
    let partly = summary_of(&counted);
    assert_eq!(partly.tokens_exact, 1);
    assert_eq!(
        tokens_title(&partly),
        format!("Tokens (exact for 1 / {} rows, {model}; others estimated)", rows.len())
    );
    for (_, metrics) in &mut counted {
        metrics.set_exact_tokens(7, model.clone());
    }
    let all = summary_of(&counted);
    assert_eq!(tokens_title(&all), format!("Tokens (exact, {model})"));
    let charts = dataset_charts(&all);
    let bars = &chart(&charts, "tokens").bars;
    assert_eq!(bars.len(), 1);
    assert_eq!((bars[0].label.as_str(), bars[0].count), ("5–9", rows.len() as u64));
}

#[test]
fn clicks_filter_to_exactly_the_rows_of_the_bar() {
    let rows = fixture_rows();
    let summary = summary_of(&rows);
    let charts = dataset_charts(&summary);
    let passing = |filter: &FilterSet| -> Vec<usize> {
        (0..rows.len()).filter(|&i| filter.check(&rows[i].0, &rows[i].1).is_ok()).collect()
    };
    let mut checked = 0;
    for id in ["turns", "tool_calls", "tokens", "patch_lines", "patch_files", "languages", "flags"]
    {
        let spec = chart(&charts, id);
        assert!(!spec.bars.is_empty(), "{id}");
        for bar in &spec.bars {
            let Some(action) = &bar.action else {
                assert_eq!(bar.label, "unknown", "{id}: only `unknown` has no filter");
                continue;
            };
            let mut filter = FilterSet::default();
            action.apply(&mut filter);
            assert!(action.is_applied(&filter));
            // The query string carries it (the page puts it in the URL).
            let back = FilterSet::from_query(&filter.to_query()).filter;
            assert_eq!(back, filter, "{id} {}", bar.label);
            assert_eq!(passing(&filter).len() as u64, bar.count, "{id} {} {filter:?}", bar.label);
            checked += 1;
        }
    }
    assert!(checked >= 15, "{checked}");
    // Tools: the filter keeps the trajectories calling the tool (the bar counts calls).
    for bar in &chart(&charts, "tools").bars {
        let Some(FilterChange::Tool(name)) = &bar.action else { panic!("{bar:?}") };
        let mut filter = FilterSet::default();
        bar.action.as_ref().unwrap().apply(&mut filter);
        let kept = passing(&filter);
        assert!(!kept.is_empty());
        let calls: u64 = kept.iter().map(|&i| rows[i].1.tool_calls_by_name[name] as u64).sum();
        assert_eq!(calls, bar.count, "{name}");
    }
    // Resolved by language: a click filters to the language.
    let by_language = chart(&charts, "resolved_by_language");
    assert_eq!(by_language.kind, ChartKind::Rates);
    assert!(
        by_language.bars.iter().all(|b| b.value == 100.0),
        "every labelled fixture row is resolved"
    );
}

#[test]
fn toggling_takes_the_change_back_out() {
    let mut filter = FilterSet::default();
    filter.languages.insert("go".into());
    let before = filter.clone();
    for change in [
        FilterChange::Turns(range(10, Some(19))),
        FilterChange::Tokens(range(5_000, None)),
        FilterChange::Language("python".into()),
        FilterChange::Tool("execute_bash".into()),
    ] {
        change.toggle(&mut filter);
        assert!(change.is_applied(&filter), "{change:?}");
        assert_ne!(filter, before);
        change.toggle(&mut filter);
        assert_eq!(filter, before, "{change:?}");
    }
    let lines = FilterChange::PatchLines(range(1, Some(1)));
    lines.apply(&mut filter);
    assert_eq!(filter.to_query(), "patch=yes&patch_lines=1-1&lang=go");
    assert_eq!(lines.describe(), "patch lines 1");
    // A language excluded before is included by a click.
    let mut filter = FilterSet::default();
    filter.exclude_languages.insert("rust".into());
    FilterChange::Language("rust".into()).apply(&mut filter);
    assert_eq!(filter.to_query(), "lang=rust");
}

#[test]
fn categories_largest_first_and_capped() {
    let mut summary = DatasetSummary::default();
    for idx in 0..20u64 {
        summary.tool_calls_by_name.insert(format!("tool_{idx:02}"), idx + 1);
    }
    summary.languages.insert("python".into(), 5);
    summary.languages.insert("unknown".into(), 7);
    let python = OutcomeCounts { resolved: 3, failed: 1, unknown: 2 };
    summary.outcome_by_language.insert("python".into(), python);
    summary
        .outcome_by_language
        .insert("unknown".into(), OutcomeCounts { unknown: 7, ..Default::default() });
    summary.outcome_by_model.insert("Qwen/Qwen3-Coder".into(), python);
    let charts = dataset_charts(&summary);
    let tools = chart(&charts, "tools");
    assert_eq!(tools.bars.len(), MAX_CATEGORIES);
    assert_eq!(tools.bars[0].label, "tool_19");
    assert_eq!(tools.bars[0].count, 20);
    assert!(tools.note.contains("8 more left out"), "{}", tools.note);
    let languages = chart(&charts, "languages");
    assert_eq!(languages.bars[0].label, "unknown");
    assert_eq!(languages.bars[0].action, None);
    assert_eq!(languages.bars[1].action, Some(FilterChange::Language("python".into())));
    let rates = chart(&charts, "resolved_by_language");
    assert_eq!(rates.bars.len(), 1, "no labelled outcome for `unknown`");
    assert_eq!(rates.bars[0].value, 75.0);
    assert_eq!(rates.bars[0].hover, "python: 75.0% resolved (3 of 4 labelled; 2 unknown)");
    assert!(rates.note.contains("1 without outcome labels"), "{}", rates.note);
    assert_eq!(chart(&charts, "resolved_by_model").bars[0].action, None);
    // No model named: no model chart.
    assert!(dataset_charts(&DatasetSummary::default()).iter().all(|c| c.id != "resolved_by_model"));
}

#[test]
fn hit_testing_finds_the_bar_under_the_pointer() {
    let mut summary = DatasetSummary::default();
    for turns in [1, 3, 3, 12] {
        summary.turns.add(turns);
    }
    summary.languages.extend([
        ("go".to_owned(), 1),
        ("python".to_owned(), 3),
        ("rust".to_owned(), 2),
    ]);
    let charts = dataset_charts(&summary);
    let turns = chart(&charts, "turns");
    let layout = ChartLayout::of(turns);
    assert_eq!(layout.bars.len(), turns.bars.len());
    for (idx, bar) in layout.bars.iter().enumerate() {
        let (x, y) = (f64::from(bar.x0 + bar.x1) / 2.0, f64::from(layout.plot.y1) - 1.0);
        assert_eq!(layout.bar_at(x, y), Some(idx), "{bar:?}");
        // The label area below the bar answers for it too.
        assert_eq!(layout.bar_at(x, f64::from(layout.height) - 2.0), Some(idx));
    }
    // Left of the plot (the value axis) and outside the drawing: no bar.
    assert_eq!(layout.bar_at(10.0, 50.0), None);
    assert_eq!(layout.bar_at(f64::from(layout.width) + 5.0, 50.0), None);
    // Hit areas tile the plot's width without overlapping.
    for pair in layout.hits.windows(2) {
        assert_eq!(pair[0].x1, pair[1].x0);
    }
    assert_eq!(layout.hits[0].x0, layout.plot.x0);
    assert_eq!(layout.hits.last().unwrap().x1, layout.plot.x1);
    // The tallest bar reaches the top tick; heights follow counts.
    let heights: Vec<i32> = layout.bars.iter().map(|b| b.height()).collect();
    let counts: Vec<u64> = turns.bars.iter().map(|b| b.count).collect();
    assert_eq!(counts, [1, 2, 0, 1]);
    assert_eq!(heights[1], layout.plot.height());
    assert_eq!(heights[0] * 2, heights[1]);
    assert_eq!(heights[2], 0);

    let languages = chart(&charts, "languages");
    let layout = ChartLayout::of(languages);
    assert_eq!(layout.height as i32, layout.plot.y1 + 22);
    let labels: Vec<&str> = languages.bars.iter().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["python", "rust", "go"]);
    for (idx, hit) in layout.hits.iter().enumerate() {
        let middle = f64::from(hit.y0 + hit.y1) / 2.0;
        assert_eq!(layout.bar_at(2.0, middle), Some(idx), "the label answers");
        assert_eq!(layout.bar_at(f64::from(layout.plot.x1), middle), Some(idx));
    }
    assert_eq!(layout.bar_at(100.0, f64::from(layout.plot.y1) + 3.0), None, "the axis");
    assert!(layout.bars[0].width() > layout.bars[1].width());
    assert!(layout.bars[1].width() > layout.bars[2].width());
}

#[test]
fn svg_draws_every_bar_and_label() {
    let rows = fixture_rows();
    let summary = summary_of(&rows);
    for spec in dataset_charts(&summary) {
        let layout = ChartLayout::of(&spec);
        let svg = render_svg(&layout, spec.kind, &Palette::LIGHT).unwrap();
        assert!(svg.starts_with("<svg"), "{}", spec.id);
        assert!(svg.contains(&format!("viewBox=\"0 0 {} {}\"", layout.width, layout.height)));
        assert!(svg.trim_end().ends_with("</svg>"));
        let drawn = svg.matches("<rect").count();
        assert_eq!(drawn, layout.bars.len(), "{}: one rect per bar", spec.id);
        if spec.kind != ChartKind::Histogram {
            for bar in &spec.bars {
                let escaped = bar.label.replace('&', "&amp;").replace('<', "&lt;");
                assert!(svg.contains(&escaped), "{}: label {}", spec.id, bar.label);
            }
        }
        // The theme's colours.
        assert!(svg.to_uppercase().contains("#2457C5") || svg.to_uppercase().contains("#17693A"));
        let dark = render_svg(&layout, spec.kind, &Palette::for_theme("dark")).unwrap();
        assert!(dark.to_uppercase().contains("#9AA3B2"), "{}: dark axis labels", spec.id);
        assert!(!dark.to_uppercase().contains("#5B6472"), "{}: no light colours", spec.id);
    }
}

#[test]
fn clean_labels() {
    assert_eq!(clean_label("  execute_bash ", 20), "execute_bash");
    assert_eq!(clean_label("a\nb\t\tc", 20), "a b c");
    assert_eq!(clean_label("evil\u{202e}txt.exe\u{0007}", 20), "eviltxt.exe");
    assert_eq!(clean_label("abcdefghij", 10), "abcdefghij");
    assert_eq!(clean_label("abcdefghijk", 10), "abcdefghi…");
    assert_eq!(clean_label("<b>&", 10), "<b>&", "markup is escaped when drawn, not here");
    assert_eq!(clean_label("", 10), "");
}

/// Names of the elements and attributes in an SVG string (a small scanner: tags from `<` to
/// the matching `>` outside quoted values); panics on a `<` that does not open a tag.
fn tags(svg: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let mut in_quote = false;
        let end = after
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quote = !in_quote;
                }
                c == '>' && !in_quote
            })
            .map(|(i, _)| i)
            .expect("an unclosed tag");
        let tag = &after[..end];
        let tag = tag.trim_end_matches('/');
        let name: String = tag.chars().take_while(|c| !c.is_whitespace()).collect();
        let mut attributes = Vec::new();
        let mut body = tag[name.len()..].trim();
        while !body.is_empty() {
            let (key, value) = body.split_once('=').expect("attribute without a value");
            let value = value.trim_start();
            assert!(value.starts_with('"'), "unquoted attribute {key}");
            let close = value[1..].find('"').expect("unclosed value") + 1;
            attributes.push(key.trim().to_owned());
            body = value[close + 1..].trim();
        }
        out.push((name, attributes));
        rest = &after[end + 1..];
    }
    out
}

#[test]
fn hostile_labels_become_text_not_markup() {
    let hostile = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'><svg onload=alert(1)>",
        "&lt;script&gt; & </text><script>",
    ];
    let mut summary = DatasetSummary::default();
    for (idx, name) in hostile.iter().enumerate() {
        let n = idx as u64 + 1;
        summary.tool_calls_by_name.insert((*name).to_owned(), n);
        summary.languages.insert((*name).to_owned(), n);
        summary.patch_extensions.insert((*name).to_owned(), n);
        let outcome = OutcomeCounts { resolved: n, failed: 1, unknown: 0 };
        summary.outcome_by_language.insert((*name).to_owned(), outcome);
        summary.outcome_by_model.insert((*name).to_owned(), outcome);
        summary.outcome_by_source.insert((*name).to_owned(), outcome);
    }
    let allowed_elements = ["svg", "rect", "text", "polyline", "/svg", "/text"];
    let allowed_attributes = [
        "width",
        "height",
        "viewBox",
        "xmlns",
        "x",
        "y",
        "dy",
        "text-anchor",
        "font-family",
        "font-size",
        "opacity",
        "fill",
        "stroke",
        "stroke-width",
        "points",
    ];
    let mut n_charts = 0;
    for spec in dataset_charts(&summary) {
        if spec.bars.is_empty() || spec.kind == ChartKind::Histogram {
            continue;
        }
        n_charts += 1;
        for palette in [Palette::LIGHT, Palette::DARK] {
            let svg = render_svg(&ChartLayout::of(&spec), spec.kind, &palette).unwrap();
            assert!(!svg.contains("<script"), "{}:\n{svg}", spec.id);
            assert!(!svg.contains("<img"), "{}:\n{svg}", spec.id);
            assert!(
                svg.contains("&lt;script&gt;alert(1)"),
                "{}: the label is drawn, escaped",
                spec.id
            );
            for (element, attributes) in tags(&svg) {
                assert!(allowed_elements.contains(&element.as_str()), "{}: <{element}>", spec.id);
                for attribute in attributes {
                    assert!(!attribute.starts_with("on"), "{}: {attribute}", spec.id);
                    assert!(
                        allowed_attributes.contains(&attribute.as_str()),
                        "{}: {attribute}",
                        spec.id
                    );
                }
            }
        }
    }
    assert_eq!(n_charts, 6, "tools, languages, extensions and three rates");
}

#[test]
fn the_scanner_sees_injected_markup() {
    // The check above must be able to fail: markup that got through is seen.
    let injected =
        "<svg width=\"1\"><text x=\"1\">a</text><img src=\"x\" onerror=\"alert(1)\"/></svg>";
    let found = tags(injected);
    assert!(found.iter().any(|(e, a)| e == "img" && a.iter().any(|a| a == "onerror")));
}
