//! The tool-call timeline: one mark per agent step (assistant message), coloured by the tool it
//! calls, flagged when a result reports an error; a click selects that step. Below it, a legend
//! of the tools with their number of calls.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::render::{self, group_digits};
use crate::domain::trajectory::Trajectory;
use crate::domain::TrajectoryMetrics;

use super::Reader;

/// The timeline of one trajectory (`data-testid="timeline"`).
#[component]
pub fn Timeline(trajectory: Arc<Trajectory>, reader: Reader) -> impl IntoView {
    let marks = render::timeline(&trajectory);
    if marks.is_empty() {
        return ().into_any();
    }
    let n_steps = marks.len();
    let marks = marks
        .into_iter()
        .map(|mark| {
            let idx = mark.message_idx;
            let label = mark.label();
            let colour = match mark.colour {
                Some(colour) => format!("tx-tool-{colour}"),
                None => "tx-tool-none".to_owned(),
            };
            let has_error = mark.n_errors > 0;
            let results = mark.result_idxs.clone();
            let current = move || {
                reader.step.get().is_some_and(|step| step == idx || results.contains(&step))
            };
            let matches = move || {
                !reader.query.with(|q| q.trim().is_empty())
                    && reader.shown.with(|shown| shown.binary_search(&idx).is_ok())
            };
            view! {
                <li class="tx-timeline__slot">
                    <button
                        class=format!("tx-timeline__mark {colour}")
                        class:tx-timeline__mark--error=has_error
                        class:tx-timeline__mark--current=current.clone()
                        class:tx-timeline__mark--match=matches
                        data-testid="timeline-mark"
                        data-step=idx
                        title=label.clone()
                        aria-label=label
                        aria-current=move || current().then_some("step")
                        on:click=move |_| reader.select(idx)
                    ></button>
                </li>
            }
        })
        .collect_view();

    let metrics = TrajectoryMetrics::of(&trajectory);
    let legend = metrics
        .tool_calls_by_name
        .iter()
        .map(|(name, n)| {
            let colour = render::tool_colour_index(name);
            view! {
                <li class=format!("tx-timeline__tool tx-tool-{colour}")>
                    <span class="tx-timeline__swatch" aria-hidden="true"></span>
                    <code>{name.clone()}</code>
                    <span class="tx-muted">{group_digits(*n)}</span>
                </li>
            }
        })
        .collect_view();

    view! {
        <nav class="tx-timeline" data-testid="timeline" aria-label="Tool-call timeline">
            <div class="tx-timeline__head">
                <span class="tx-timeline__title">"Timeline"</span>
                <span class="tx-muted">
                    {format!("{} steps · j/k to move, / to search", group_digits(n_steps))}
                </span>
            </div>
            <ol class="tx-timeline__marks">{marks}</ol>
            <ul class="tx-timeline__legend">{legend}</ul>
        </nav>
    }
    .into_any()
}
