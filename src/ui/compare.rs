//! The compare view (`row=A&compare=B`): two runs side by side. Their facts (identifiers,
//! outcome, metrics, flags) with the lines that differ marked; the first step where they do
//! something different (`compare::divergence`); the two tool-call timelines aligned by step;
//! and the three-way comparison of the two final patches with the reference patch
//! (`compare::compare_patches`): per file which sides change it, its changed lines per side and
//! the lines that differ, and each distinct hunk with the sides that have it, drawn with the
//! diff view's rows. Every text goes in as text nodes; nothing goes in as HTML.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::compare::{
    aligned_steps, compare_patches, divergence, fact_pairs, steps_of, Action, Side, Step,
};
use crate::domain::render::{group_digits, hunk_diff_rows};
use crate::domain::trajectory::Trajectory;
use crate::domain::TrajectoryMetrics;
use crate::ui::trajectory::diff::diff_row;
use crate::ui::AppState;

/// The two runs, `a` the link's `row` and `b` its `compare` (`data-testid="compare-view"`).
#[component]
pub fn CompareView(a: Arc<Trajectory>, b: Arc<Trajectory>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let (ma, mb) = (TrajectoryMetrics::of(&a), TrajectoryMetrics::of(&b));
    let (row_a, row_b) = (a.source.row_idx, b.source.row_idx);
    // Opens one of the runs at a message (its evidence or its divergent step).
    let open = move |row: u64, step: Option<usize>| {
        state.navigate(true, |l| {
            l.row = Some(row);
            l.compare = None;
            l.step = step;
        })
    };

    let facts = fact_pairs((&a, &ma), (&b, &mb))
        .into_iter()
        .map(|fact| {
            let differs = fact.differs();
            view! {
                <tr class="tx-compare__fact" class:tx-compare__fact--differs=differs data-testid="compare-fact" data-label=fact.label data-differs=differs.to_string()>
                    <th scope="row">{fact.label}</th>
                    <td>{fact.a}</td>
                    <td>{fact.b}</td>
                    <td class="tx-compare__mark">{if differs { "≠" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();

    let divergent = divergence(&a, &b);
    let divergence_view = match &divergent {
        None => view! {
            <p class="tx-compare__divergence tx-muted" data-testid="compare-divergence" data-turn="">
                "The two runs do the same things at every step they both have."
            </p>
        }
        .into_any(),
        Some(d) => {
            let (a_msg, b_msg) = (d.a_message, d.b_message);
            view! {
                <div class="tx-compare__divergence" data-testid="compare-divergence" data-turn=d.turn>
                    <p>
                        {format!("First divergence at step {}: the {} differs.", d.turn + 1, d.differs_in.as_str())}
                    </p>
                    <div class="tx-compare__columns">
                        <div>
                            <button class="tx-button tx-button--quiet" data-testid="divergence-open-a" on:click=move |_| open(row_a, Some(a_msg))>
                                {format!("A (row {row_a}), message {}", a_msg + 1)}
                            </button>
                            {actions_list(&d.a)}
                        </div>
                        <div>
                            <button class="tx-button tx-button--quiet" data-testid="divergence-open-b" on:click=move |_| open(row_b, Some(b_msg))>
                                {format!("B (row {row_b}), message {}", b_msg + 1)}
                            </button>
                            {actions_list(&d.b)}
                        </div>
                    </div>
                </div>
            }
            .into_any()
        }
    };

    let divergent_turn = divergent.as_ref().map(|d| d.turn);
    let (steps_a, steps_b) = (steps_of(&a), steps_of(&b));
    let n_steps = (steps_a.len(), steps_b.len());
    let timeline = aligned_steps(&steps_a, &steps_b)
        .into_iter()
        .enumerate()
        .map(|(i, (sa, sb))| {
            let differs = sa.as_ref().map(|s| &s.actions) != sb.as_ref().map(|s| &s.actions);
            let first = divergent_turn == Some(i);
            let cell = move |step: Option<Step>, row: u64| match step {
                Some(step) => {
                    let msg = step.message_idx;
                    view! {
                        <td class="tx-compare__step">
                            <button class="tx-button tx-button--quiet" title="Open this run at this step" on:click=move |_| open(row, Some(msg))>
                                {actions_text(&step.actions)}
                            </button>
                        </td>
                    }
                    .into_any()
                }
                None => view! { <td class="tx-compare__step tx-muted">"—"</td> }.into_any(),
            };
            view! {
                <tr class="tx-compare__steprow" class:tx-compare__steprow--differs=differs class:tx-compare__steprow--first=first data-testid="compare-step" data-step=i data-differs=differs.to_string()>
                    <th scope="row" class="tx-num">{i + 1}</th>
                    {cell(sa, row_a)}
                    {cell(sb, row_b)}
                </tr>
            }
        })
        .collect_view();

    let patches = compare_patches(
        a.final_patch.as_ref().map(|p| p.text.as_str()),
        b.final_patch.as_ref().map(|p| p.text.as_str()),
        a.reference_patch.as_ref().or(b.reference_patch.as_ref()).map(|p| p.text.as_str()),
    );
    let present = patches.present;
    let totals = patches.differing_lines();
    let side_name = |side: Side| match side {
        Side::A => "A",
        Side::B => "B",
        Side::Reference => "reference",
    };
    let files = patches
        .files
        .into_iter()
        .map(|file| {
            let touched = Side::ALL
                .into_iter()
                .map(|side| {
                    let on = file.touched[side.index()];
                    view! {
                        <span class="tx-compare__side" class:tx-compare__side--on=on data-side=side.as_str() data-touched=on.to_string()>
                            {format!("{} {}", side_name(side), if on { group_digits(file.changed_lines[side.index()]) } else { "—".to_owned() })}
                        </span>
                    }
                })
                .collect_view();
            let d = file.differing_lines;
            let hunks = file
                .hunks
                .into_iter()
                .map(|h| {
                    let sides: Vec<&str> = h.sides().into_iter().map(side_name).collect();
                    let shared = h.shared_by_runs();
                    let rows = hunk_diff_rows(&h.hunk).iter().map(diff_row).collect_view();
                    view! {
                        <div class="tx-compare__hunk" class:tx-compare__hunk--shared=shared data-testid="compare-hunk" data-sides=sides.join(",")>
                            <p class="tx-compare__hunk-sides">{format!("in {}", sides.join(", "))}</p>
                            <table class="tx-diff__table"><tbody>{rows}</tbody></table>
                        </div>
                    }
                })
                .collect_view();
            view! {
                <section class="tx-compare__file" data-testid="compare-file" data-path=file.path.clone()>
                    <h5 class="tx-compare__path">
                        <span class="tx-diff__path">{file.path.clone()}</span>
                        " "
                        {touched}
                    </h5>
                    <p class="tx-muted">
                        {format!("lines that differ: A–B {}, A–reference {}, B–reference {}", d.a_b, d.a_reference, d.b_reference)}
                    </p>
                    {hunks}
                </section>
            }
        })
        .collect_view();

    let title = |t: &Trajectory| {
        t.ids.instance_id.clone().unwrap_or_else(|| format!("row {}", t.source.row_idx))
    };
    view! {
        <section class="tx-compare" data-testid="compare-view">
            <h3 class="tx-compare__title">
                {format!("Compare A: row {row_a} and B: row {row_b}")}
                <span class="tx-muted">{format!(" · {} / {}", title(&a), title(&b))}</span>
            </h3>
            <nav class="tx-compare__nav">
                <button class="tx-button" data-testid="compare-open-a" on:click=move |_| open(row_a, None)>{format!("Open A (row {row_a})")}</button>
                <button class="tx-button" data-testid="compare-open-b" on:click=move |_| open(row_b, None)>{format!("Open B (row {row_b})")}</button>
                <button class="tx-button" data-testid="compare-swap" on:click=move |_| state.navigate(false, |l| { l.row = Some(row_b); l.compare = Some(row_a); })>"Swap"</button>
            </nav>
            <table class="tx-compare__facts" data-testid="compare-facts">
                <thead><tr><th></th><th>"A"</th><th>"B"</th><th></th></tr></thead>
                <tbody>{facts}</tbody>
            </table>
            <h4>"First divergent step"</h4>
            {divergence_view}
            <h4>{format!("Tool calls by step (A {} steps, B {} steps)", n_steps.0, n_steps.1)}</h4>
            <table class="tx-compare__timeline" data-testid="compare-timeline">
                <thead><tr><th>"Step"</th><th>"A"</th><th>"B"</th></tr></thead>
                <tbody>{timeline}</tbody>
            </table>
            <h4>"Patches: A, B and the reference"</h4>
            <p class="tx-muted" data-testid="compare-patch-summary">
                {format!(
                    "A {}, B {}, reference {}; changed lines that differ over all files: A–B {}, A–reference {}, B–reference {}",
                    if present[0] { "has a patch" } else { "has no patch" },
                    if present[1] { "has a patch" } else { "has no patch" },
                    if present[2] { "given" } else { "not given" },
                    totals.a_b, totals.a_reference, totals.b_reference,
                )}
            </p>
            <div class="tx-compare__files" data-testid="compare-patches">{files}</div>
        </section>
    }
}

/// A step's actions in one line (`—` for none).
fn actions_text(actions: &[Action]) -> String {
    if actions.is_empty() {
        return "(no tool call)".to_owned();
    }
    let text = actions.iter().map(Action::describe).collect::<Vec<_>>().join("; ");
    crate::domain::flags::shorten(&text, 200)
}

/// A step's actions, one item each.
fn actions_list(actions: &[Action]) -> impl IntoView {
    if actions.is_empty() {
        return view! { <p class="tx-muted">"(no tool call)"</p> }.into_any();
    }
    let items = actions
        .iter()
        .map(|action| view! { <li><code>{crate::domain::flags::shorten(&action.describe(), 300)}</code></li> })
        .collect_view();
    view! { <ul class="tx-compare__actions">{items}</ul> }.into_any()
}
