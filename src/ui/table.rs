//! The trajectory table: one row per trajectory with its format, identifiers, outcome and
//! main counts.

use leptos::prelude::*;

use crate::ui::dataset::{Dataset, LoadStatus, TrajectoryRow};

/// Placeholder for a missing value.
const MISSING: &str = "—";

/// One row per trajectory, in file order; grows while the file streams in.
#[component]
pub fn TrajectoryTable(dataset: Dataset) -> impl IntoView {
    let rows = dataset.rows;
    let empty = move || rows.with(Vec::is_empty) && dataset.status.with(|s| *s == LoadStatus::Done);
    view! {
        <div class="tx-table-wrap">
            <table class="tx-table" data-testid="trajectory-table">
                <thead>
                    <tr>
                        <th class="tx-table__num" scope="col">"#"</th>
                        <th scope="col">"Format"</th>
                        <th scope="col">"Instance"</th>
                        <th scope="col">"Repository"</th>
                        <th scope="col">"Outcome"</th>
                        <th class="tx-table__num" scope="col">"Messages"</th>
                        <th class="tx-table__num" scope="col">"Turns"</th>
                        <th class="tx-table__num" scope="col">"Tool calls"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || rows.get() key=|row| row.row_idx children=table_row />
                </tbody>
            </table>
            <Show when=empty>
                <p class="tx-table__empty">"The file has no rows."</p>
            </Show>
        </div>
    }
}

fn table_row(row: TrajectoryRow) -> impl IntoView {
    let format = row.format.as_str();
    let outcome = row.outcome.as_str();
    view! {
        <tr class="tx-table__row">
            <td class="tx-table__num">{row.row_idx}</td>
            <td>
                <span class=format!("tx-badge tx-badge--{format}")>{format}</span>
            </td>
            <td class="tx-table__id">{row.instance_id.unwrap_or_else(|| MISSING.to_owned())}</td>
            <td>{row.repo.unwrap_or_else(|| MISSING.to_owned())}</td>
            <td>
                <span class=format!("tx-outcome tx-outcome--{outcome}")>{outcome}</span>
            </td>
            <td class="tx-table__num">{row.metrics.n_messages}</td>
            <td class="tx-table__num">{row.metrics.n_turns}</td>
            <td class="tx-table__num">{row.metrics.n_tool_calls}</td>
        </tr>
    }
}
