//! "Other runs of this task": in the trajectory view, the loaded rows that share the opened
//! row's `ids.instance_id`, with their harness, teacher, outcome, turns, tokens and patch size
//! (from the rows' metrics, kept for every row, also rows without their messages), each opening
//! that row, and a "compare" action that opens the two side by side (`compare=`). The counts
//! of runs per outcome come from the core's `compare::instance_runs`. Text goes in as text.

use leptos::prelude::*;

use crate::domain::compare::{harness_of, instance_runs};
use crate::domain::render::group_digits;
use crate::domain::trajectory::Outcome;
use crate::ui::AppState;

/// One listed run.
#[derive(Clone, Debug, PartialEq)]
struct RunLine {
    row_idx: u64,
    harness: String,
    teacher: String,
    outcome: Outcome,
    turns: usize,
    tokens: usize,
    patch_lines: Option<usize>,
    n_flags: usize,
}

/// The other runs of the instance of row `row_idx` (`data-testid="other-runs"`).
#[component]
pub fn OtherRuns(
    /// The opened row.
    row_idx: u64,
    /// Its instance id; nothing is shown without one.
    instance_id: Option<String>,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = state.session;
    let Some(instance_id) = instance_id else {
        return ().into_any();
    };
    let runs = Memo::new({
        let instance_id = instance_id.clone();
        move |_| {
            session.rows.with(|rows| {
                rows.iter()
                    .filter(|r| r.trajectory.ids.instance_id.as_deref() == Some(&instance_id))
                    .map(|r| RunLine {
                        row_idx: r.trajectory.source.row_idx,
                        harness: harness_of(&r.trajectory),
                        teacher: r.trajectory.ids.model.clone().unwrap_or_else(|| "—".into()),
                        outcome: r.trajectory.outcome,
                        turns: r.metrics.n_turns,
                        tokens: r.metrics.tokens(),
                        patch_lines: r
                            .metrics
                            .final_patch
                            .as_ref()
                            .filter(|p| !p.is_empty)
                            .map(|p| p.n_changed_lines()),
                        n_flags: r.metrics.flags.len(),
                    })
                    .collect::<Vec<_>>()
            })
        }
    });
    let counts = move || {
        let lines = runs.get();
        let outcomes = lines.iter().map(|l| (instance_id.as_str(), l.outcome));
        match instance_runs(outcomes).into_iter().next() {
            Some(r) => format!(
                "{} runs loaded: {} resolved, {} failed, {} unknown{}",
                r.n_runs,
                r.n_resolved,
                r.n_failed,
                r.n_unknown,
                if r.is_mixed() { " (mixed outcome)" } else { "" }
            ),
            None => String::new(),
        }
    };
    let open = move |row: u64| {
        state.navigate(true, |l| {
            l.row = Some(row);
            l.compare = None;
            l.step = None;
        })
    };
    let compare = move |other: u64| {
        state.navigate(true, |l| {
            l.row = Some(row_idx);
            l.compare = Some(other);
            l.step = None;
        })
    };
    let line = move |line: RunLine| {
        let this = line.row_idx == row_idx;
        let other = line.row_idx;
        let outcome = line.outcome.as_str();
        view! {
            <tr class="tx-runs__run" class:tx-runs__run--this=this data-testid="other-run" data-row=other data-outcome=outcome>
                <td>
                    {if this {
                        view! { <span class="tx-muted">{format!("row {other} (this)")}</span> }.into_any()
                    } else {
                        view! {
                            <button class="tx-button tx-button--quiet" data-testid="other-run-open" on:click=move |_| open(other)>
                                {format!("row {other}")}
                            </button>
                        }
                        .into_any()
                    }}
                </td>
                <td>{line.harness}</td>
                <td>{line.teacher}</td>
                <td class=format!("tx-outcome tx-outcome--{outcome}")>{outcome}</td>
                <td class="tx-num">{group_digits(line.turns)}</td>
                <td class="tx-num">{group_digits(line.tokens)}</td>
                <td class="tx-num">{line.patch_lines.map_or_else(|| "—".to_owned(), group_digits)}</td>
                <td class="tx-num">{line.n_flags}</td>
                <td>
                    {(!this).then(|| view! {
                        <button class="tx-button" data-testid="other-run-compare" on:click=move |_| compare(other)>
                            "compare"
                        </button>
                    })}
                </td>
            </tr>
        }
    };
    view! {
        <section class="tx-runs" data-testid="other-runs">
            <h4 class="tx-runs__title">
                "Other runs of this task "
                <span class="tx-muted" data-testid="other-runs-counts">{counts}</span>
            </h4>
            <Show
                when=move || runs.with(|r| r.len() > 1)
                fallback=|| view! { <p class="tx-muted">"No other run of this instance among the rows loaded."</p> }
            >
                <table class="tx-runs__table">
                    <thead>
                        <tr>
                            <th>"Row"</th>
                            <th>"Harness"</th>
                            <th>"Teacher"</th>
                            <th>"Outcome"</th>
                            <th>"Turns"</th>
                            <th>"Tokens"</th>
                            <th>"Patch lines"</th>
                            <th>"Flags"</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>
                        <For each=move || runs.get() key=|l| l.row_idx children=line />
                    </tbody>
                </table>
            </Show>
        </section>
    }
    .into_any()
}
