//! The trajectory table: the rows passing the filter, windowed (only the rows in view are in
//! the page, so 100k rows scroll smoothly), sortable by column; a click opens the trajectory.

use leptos::prelude::*;

use crate::ui::{AppState, Row};

/// Height of one table row, in CSS pixels (the CSS uses the same value).
const ROW_HEIGHT: f64 = 34.0;
/// Rows rendered above and below the visible ones.
const OVERSCAN: usize = 10;

/// The sortable columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Row index (file order).
    Row,
    /// Instance id.
    Instance,
    /// Outcome.
    Outcome,
    /// Agent steps.
    Turns,
    /// Tool calls.
    ToolCalls,
    /// Estimated tokens.
    Tokens,
    /// Patch lines (added + removed).
    PatchLines,
}

fn sort_value(row: &Row, key: SortKey) -> (u64, String) {
    let metrics = &row.metrics;
    let patch_lines = metrics.final_patch.as_ref().map_or(0, |p| p.n_changed_lines()) as u64;
    match key {
        SortKey::Row => (row.trajectory.source.row_idx, String::new()),
        SortKey::Instance => (0, row.trajectory.ids.instance_id.clone().unwrap_or_default()),
        SortKey::Outcome => (row.trajectory.outcome as u64, String::new()),
        SortKey::Turns => (metrics.n_turns as u64, String::new()),
        SortKey::ToolCalls => (metrics.n_tool_calls as u64, String::new()),
        SortKey::Tokens => (metrics.tokens() as u64, String::new()),
        SortKey::PatchLines => (patch_lines, String::new()),
    }
}

/// The table.
#[component]
pub fn TrajectoryTable() -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = state.session;
    let sort = RwSignal::new((SortKey::Row, false));
    let scroll_top = RwSignal::new(0.0);
    let viewport = RwSignal::new(600.0);
    let container = NodeRef::<leptos::html::Div>::new();

    // The order of the passing rows: file order unless a column is chosen.
    let order = Memo::new(move |_| {
        let (key, descending) = sort.get();
        let passing = session.selection.with(|s| s.passing.clone());
        if key == SortKey::Row && !descending {
            return passing;
        }
        let mut order = passing;
        session.rows.with(|rows| {
            order.sort_by_cached_key(|&idx| sort_value(&rows[idx], key));
        });
        if descending {
            order.reverse();
        }
        order
    });

    let visible = move || {
        let order = order.get();
        let first = ((scroll_top.get() / ROW_HEIGHT) as usize).saturating_sub(OVERSCAN);
        let count = (viewport.get() / ROW_HEIGHT) as usize + 2 * OVERSCAN;
        let last = (first + count).min(order.len());
        let rows = session.rows.read();
        (first..last)
            .filter_map(|position| {
                order
                    .get(position)
                    .and_then(|&idx| rows.get(idx))
                    .map(|row| (position, row.clone()))
            })
            .collect::<Vec<_>>()
    };
    let total_height = move || format!("height: {}px", order.with(Vec::len) as f64 * ROW_HEIGHT);
    let on_scroll = move |_| {
        if let Some(el) = container.get() {
            scroll_top.set(el.scroll_top() as f64);
            viewport.set(el.client_height() as f64);
        }
    };
    let header = move |label: &'static str, key: SortKey, numeric: bool| {
        let arrow = move || match sort.get() {
            (k, false) if k == key => " ▲",
            (k, true) if k == key => " ▼",
            _ => "",
        };
        let class = if numeric {
            "tx-grid__cell tx-grid__cell--num tx-grid__sort"
        } else {
            "tx-grid__cell tx-grid__sort"
        };
        // The tokens column says whether it shows exact counts or the estimate.
        let basis =
            move || (key == SortKey::Tokens).then(|| crate::ui::model::tokens_label(session));
        let suffix = move || match basis() {
            Some(label) if label.ends_with("(estimated)") => " (est.)",
            Some(_) => " (exact)",
            None => "",
        };
        view! {
            <button
                class=class
                role="columnheader"
                title=basis
                data-testid=format!("sort-{label}")
                on:click=move |_| sort.update(|(k, d)| if *k == key { *d = !*d } else { *k = key; *d = false })
            >
                {label}
                {suffix}
                {arrow}
            </button>
        }
    };
    let open_row = move |row_idx: u64| {
        state.navigate(true, |l| {
            l.row = Some(row_idx);
            l.step = None;
        });
    };

    view! {
        <div class="tx-grid" role="table" data-testid="trajectory-table">
            <div class="tx-grid__head" role="row">
                {header("#", SortKey::Row, true)}
                {header("instance", SortKey::Instance, false)}
                <span class="tx-grid__cell" role="columnheader">"repo"</span>
                <span class="tx-grid__cell" role="columnheader">"language"</span>
                {header("outcome", SortKey::Outcome, false)}
                {header("turns", SortKey::Turns, true)}
                {header("tool calls", SortKey::ToolCalls, true)}
                {header("tokens", SortKey::Tokens, true)}
                {header("patch ±", SortKey::PatchLines, true)}
                <span class="tx-grid__cell tx-grid__cell--num" role="columnheader">"files"</span>
                <span class="tx-grid__cell" role="columnheader">"flags"</span>
            </div>
            <div class="tx-grid__body" node_ref=container on:scroll=on_scroll data-testid="table-body">
                <div class="tx-grid__spacer" style=total_height>
                    <For
                        each=visible
                        // Exact token counts arriving change a row's figures: draw it again.
                        key=|(position, row)| (*position, row.trajectory.source.row_idx, row.metrics.exact_tokens)
                        children=move |(position, row)| {
                            let row_idx = row.trajectory.source.row_idx;
                            let top = format!("top: {}px", position as f64 * ROW_HEIGHT);
                            view! {
                                <div
                                    class="tx-grid__row"
                                    role="row"
                                    style=top
                                    data-testid="table-row"
                                    data-row=row_idx
                                    tabindex="0"
                                    on:click=move |_| open_row(row_idx)
                                    on:keydown=move |ev| if ev.key() == "Enter" { open_row(row_idx) }
                                >
                                    {row_cells(&row)}
                                </div>
                            }
                        }
                    />
                </div>
            </div>
            <Show when=move || order.with(Vec::is_empty) && session.status.with(|s| *s != crate::ui::LoadStatus::Loading)>
                <p class="tx-grid__empty">"No trajectory passes the filter."</p>
            </Show>
        </div>
    }
}

fn row_cells(row: &Row) -> impl IntoView {
    const MISSING: &str = "—";
    let t = &row.trajectory;
    let m = &row.metrics;
    let outcome = t.outcome.as_str();
    let patch = m.final_patch.as_ref();
    let language = crate::domain::filter::language_of(t, m).unwrap_or_else(|| MISSING.to_owned());
    let mut flags = Vec::new();
    if patch.is_some_and(|p| p.stats.touches_tests) {
        flags.push("tests");
    }
    if patch.is_some_and(|p| p.inferred) {
        flags.push("inferred patch");
    }
    if m.n_tool_errors > 0 {
        flags.push("tool errors");
    }
    if m.finished {
        flags.push("finished");
    }
    if m.n_diagnostics > 0 {
        flags.push("diagnostics");
    }
    view! {
        <span class="tx-grid__cell tx-grid__cell--num">{t.source.row_idx}</span>
        <span class="tx-grid__cell tx-grid__cell--id" title=t.ids.instance_id.clone().unwrap_or_default()>
            {t.ids.instance_id.clone().unwrap_or_else(|| MISSING.to_owned())}
        </span>
        <span class="tx-grid__cell">{t.ids.repo.clone().unwrap_or_else(|| MISSING.to_owned())}</span>
        <span class="tx-grid__cell">{language}</span>
        <span class="tx-grid__cell"><span class=format!("tx-outcome tx-outcome--{outcome}")>{outcome}</span></span>
        <span class="tx-grid__cell tx-grid__cell--num">{m.n_turns}</span>
        <span class="tx-grid__cell tx-grid__cell--num">{m.n_tool_calls}</span>
        <span
            class="tx-grid__cell tx-grid__cell--num"
            data-testid="cell-tokens"
            data-exact=m.tokens_are_exact().is_some().to_string()
            title=m.tokens_are_exact().map_or_else(|| "estimated".to_owned(), |model| format!("exact, {model}"))
        >
            {m.tokens()}
        </span>
        <span class="tx-grid__cell tx-grid__cell--num">
            {patch.map(|p| format!("+{} −{}", p.stats.n_added, p.stats.n_removed)).unwrap_or_else(|| MISSING.to_owned())}
        </span>
        <span class="tx-grid__cell tx-grid__cell--num">{patch.map(|p| p.stats.n_files.to_string()).unwrap_or_else(|| MISSING.to_owned())}</span>
        <span class="tx-grid__cell tx-grid__flags">
            {flags.into_iter().map(|f| view! { <span class="tx-flag">{f}</span> }).collect_view()}
        </span>
    }
}
