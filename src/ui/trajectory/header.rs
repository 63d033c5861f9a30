//! The reader's header: the trajectory's identifiers, format, outcome and exit status, its key
//! metrics, its diagnostics (counted, listed on demand), and the "Copy link" and "Copy as
//! markdown" buttons.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;

use crate::domain::render::{self, group_digits};
use crate::domain::trajectory::Trajectory;
use crate::domain::{Severity, TrajectoryMetrics};

use super::browser;

/// Placeholder for a missing value.
const MISSING: &str = "—";

/// How long a copy's confirmation stays.
const NOTICE_MS: u64 = 2_000;

/// The header of one trajectory.
#[component]
pub fn TrajectoryHeader(trajectory: Arc<Trajectory>) -> impl IntoView {
    let metrics = TrajectoryMetrics::of(&trajectory);
    let ids = &trajectory.ids;
    let title = ids
        .instance_id
        .clone()
        .or_else(|| ids.trajectory_id.clone())
        .unwrap_or_else(|| format!("Row {}", trajectory.source.row_idx));
    let outcome = trajectory.outcome.as_str();
    let format = trajectory.format.as_str();
    let facts = [
        ("Instance", ids.instance_id.clone()),
        ("Trajectory", ids.trajectory_id.clone()),
        ("Repository", ids.repo.clone()),
        ("Language", ids.language.clone()),
        ("Model", ids.model.clone()),
        ("Exit status", trajectory.exit_status.clone()),
    ];
    let facts = facts
        .into_iter()
        .map(|(label, value)| {
            let missing = value.is_none();
            view! {
                <div class="tx-facts__item">
                    <dt class="tx-facts__label">{label}</dt>
                    <dd class="tx-facts__value" class:tx-muted=missing>
                        {value.unwrap_or_else(|| MISSING.to_owned())}
                    </dd>
                </div>
            }
        })
        .collect_view();

    let patch = match &metrics.final_patch {
        Some(figures) if !figures.is_empty => format!(
            "{} files +{} −{}",
            figures.stats.n_files, figures.stats.n_added, figures.stats.n_removed
        ),
        Some(_) => "empty".to_owned(),
        None => "none".to_owned(),
    };
    let numbers = [
        ("Messages", group_digits(metrics.n_messages), "n_messages"),
        ("Turns", group_digits(metrics.n_turns), "n_turns"),
        ("Tool calls", group_digits(metrics.n_tool_calls), "n_tool_calls"),
        ("Tool errors", group_digits(metrics.n_tool_errors), "n_tool_errors"),
        ("Est. tokens", group_digits(metrics.est_tokens), "est_tokens"),
        ("Patch", patch, "patch"),
    ];
    let numbers = numbers
        .into_iter()
        .map(|(label, value, key)| {
            view! {
                <div class="tx-metrics__item" data-metric=key>
                    <dt class="tx-metrics__label">{label}</dt>
                    <dd class="tx-metrics__value">{value}</dd>
                </div>
            }
        })
        .collect_view();

    view! {
        <header class="tx-reader__header" data-testid="trajectory-header">
            <div class="tx-reader__titlebar">
                <h2 class="tx-reader__title" data-testid="trajectory-title">{title}</h2>
                <span class="tx-reader__format">{format}</span>
                <span
                    class=format!("tx-reader__outcome tx-reader__outcome--{outcome}")
                    data-testid="outcome"
                >
                    {outcome}
                </span>
                <span class="tx-reader__spacer"></span>
                <CopyButtons trajectory=Arc::clone(&trajectory) />
            </div>
            <dl class="tx-facts">{facts}</dl>
            <dl class="tx-metrics" data-testid="trajectory-metrics">
                {numbers}
                <crate::ui::model::ExactTokens trajectory=Arc::clone(&trajectory) />
            </dl>
            <Diagnostics trajectory />
        </header>
    }
}

/// The diagnostics of the row: a count, and the list on demand.
#[component]
fn Diagnostics(trajectory: Arc<Trajectory>) -> impl IntoView {
    let n = trajectory.diagnostics.len();
    if n == 0 {
        return view! {
            <p class="tx-diagnostics tx-muted" data-testid="diagnostics">"No diagnostics"</p>
        }
        .into_any();
    }
    let n_errors = trajectory.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let has_errors = n_errors > 0;
    let open = RwSignal::new(false);
    let summary = match n_errors {
        0 => format!("{} diagnostics", group_digits(n)),
        _ => format!("{} diagnostics ({} errors)", group_digits(n), group_digits(n_errors)),
    };
    let list = move || {
        open.get().then(|| {
            let items = trajectory
                .diagnostics
                .iter()
                .map(|diagnostic| {
                    let severity = match diagnostic.severity {
                        Severity::Info => "info",
                        Severity::Warning => "warning",
                        Severity::Error => "error",
                    };
                    view! {
                        <li class=format!("tx-diagnostics__item tx-diagnostics__item--{severity}")>
                            {diagnostic.to_string()}
                        </li>
                    }
                })
                .collect_view();
            view! { <ul class="tx-diagnostics__list" data-testid="diagnostic-list">{items}</ul> }
        })
    };
    view! {
        <div class="tx-diagnostics" data-testid="diagnostics">
            <button
                class="tx-diagnostics__toggle"
                class:tx-diagnostics__toggle--errors=has_errors
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                {summary}
            </button>
            {list}
        </div>
    }
    .into_any()
}

/// "Copy link" (the page address, which the app keeps in step with the view) and "Copy as
/// markdown", with a short confirmation.
#[component]
fn CopyButtons(trajectory: Arc<Trajectory>) -> impl IntoView {
    let notice = RwSignal::new(None::<&'static str>);
    let generation = StoredValue::new(0_u64);
    let report = move |ok: bool, what: &'static str| {
        notice.try_set(Some(if ok { what } else { "Copy failed" }));
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        set_timeout(
            move || {
                if generation.try_get_value() == Some(current) {
                    notice.try_set(None);
                }
            },
            Duration::from_millis(NOTICE_MS),
        );
    };
    let copy_link = move |_| {
        browser::copy_text(browser::location_href(), move |ok| report(ok, "Link copied"));
    };
    let copy_markdown = move |_| {
        let markdown = render::trajectory_to_markdown(&trajectory);
        browser::copy_text(markdown, move |ok| report(ok, "Markdown copied"));
    };
    view! {
        <div class="tx-reader__actions">
            <span class="tx-reader__notice" role="status" aria-live="polite">
                {move || notice.get()}
            </span>
            <button class="tx-button" data-testid="copy-link" on:click=copy_link>
                "Copy link"
            </button>
            <button class="tx-button" data-testid="copy-markdown" on:click=copy_markdown>
                "Copy as markdown"
            </button>
        </div>
    }
}
