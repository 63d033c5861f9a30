//! The reading's progress line (source, status, rows of the total, bytes, rows/s, an estimate
//! when the total is known; pause and stop) and the list of rows that could not be read.

use leptos::prelude::*;

use crate::ui::format;
use crate::ui::session::{LoadStatus, Session};

/// The progress line.
#[component]
pub fn ProgressLine(session: Session) -> impl IntoView {
    let progress = session.progress;
    let status = session.status;
    let loading = move || status.with(|s| *s == LoadStatus::Loading);
    let label = move || match status.get() {
        LoadStatus::Idle => "Waiting".to_owned(),
        LoadStatus::Loading if session.paused.get() => "Paused".to_owned(),
        LoadStatus::Loading => "Loading".to_owned(),
        LoadStatus::Done => "Loaded".to_owned(),
        LoadStatus::Stopped => "Stopped".to_owned(),
        LoadStatus::Failed(_) => "Failed".to_owned(),
    };
    let modifier = move || match status.get() {
        LoadStatus::Idle => "idle",
        LoadStatus::Loading => "loading",
        LoadStatus::Done => "done",
        LoadStatus::Stopped => "stopped",
        LoadStatus::Failed(_) => "failed",
    };
    let details = move || {
        let p = progress.get();
        let rows = match p.total_rows {
            Some(total) => format!("{} of {total} rows", p.rows),
            None => format::count(p.rows, "row", "rows"),
        };
        let seconds = p.elapsed_ms / 1000.0;
        let rate = if seconds > 0.0 { p.rows as f64 / seconds } else { 0.0 };
        let mut parts = vec![rows, format::bytes(p.bytes), format!("{rate:.0} rows/s")];
        if p.errors > 0 {
            parts.push(format::count(p.errors, "bad row", "bad rows"));
        }
        if let (Some(total), true) = (p.total_rows, rate > 0.0 && loading()) {
            let left = total.saturating_sub(p.rows) as f64 / rate;
            parts.push(format!("about {} left", format::millis(left * 1000.0)));
        }
        parts.push(format::millis(p.elapsed_ms));
        parts.join(" · ")
    };
    let percent = move || {
        let p = progress.get();
        match (p.total_rows, status.get()) {
            (_, LoadStatus::Done) => 100.0,
            (Some(total), _) if total > 0 => 100.0 * p.rows as f64 / total as f64,
            _ => 0.0,
        }
    };
    view! {
        <div class="tx-progress" data-testid="progress">
            <div class="tx-progress__line">
                <span class=move || format!("tx-progress__status tx-progress__status--{}", modifier()) data-testid="load-status">
                    {label}
                </span>
                <span class="tx-muted" data-testid="row-count">{details}</span>
                <span class="tx-muted tx-progress__source" data-testid="source">{move || progress.with(|p| p.source.clone())}</span>
                <Show when=loading>
                    <button class="tx-button tx-button--quiet" data-testid="pause" on:click=move |_| session.set_paused(!session.paused.get_untracked())>
                        {move || if session.paused.get() { "Resume" } else { "Pause" }}
                    </button>
                    <button class="tx-button tx-button--quiet" data-testid="stop" on:click=move |_| session.stop()>"Stop"</button>
                </Show>
            </div>
            <div class="tx-progress__bar"><div class="tx-progress__fill" style=move || format!("width: {:.1}%", percent())></div></div>
            <Show when=move || progress.with(|p| p.notice.is_some())>
                <p class="tx-notice" role="status">{move || progress.with(|p| p.notice.clone().unwrap_or_default())}</p>
            </Show>
            <Show when=move || matches!(status.get(), LoadStatus::Failed(_))>
                <p class="tx-error" role="alert" data-testid="load-error">
                    {move || match status.get() {
                        LoadStatus::Failed(message) => message,
                        _ => String::new(),
                    }}
                </p>
            </Show>
        </div>
    }
}

/// The rows that could not be read, with their reason (at most 100 are listed).
#[component]
pub fn ErrorList(session: Session) -> impl IntoView {
    let errors = session.errors;
    view! {
        <Show when=move || !errors.with(Vec::is_empty)>
            <details class="tx-errors" data-testid="error-list">
                <summary>{move || format::count(errors.with(Vec::len) as u64, "row could not be read", "rows could not be read")}</summary>
                <ul>
                    {move || {
                        errors
                            .with(|all| all.iter().take(100).cloned().collect::<Vec<_>>())
                            .into_iter()
                            .map(|(row_idx, message)| view! { <li><code>{format!("row {row_idx}")}</code> " " {message}</li> })
                            .collect_view()
                    }}
                </ul>
            </details>
        </Show>
    }
}
