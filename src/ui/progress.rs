//! The download's progress line (file, status, rows, bytes, errors, time) and the list of
//! lines that could not be decoded.

use leptos::prelude::*;

use crate::ui::dataset::{Dataset, LoadStatus};
use crate::ui::format;

/// One line: the file, the status, and the counts so far; a Cancel button while loading.
#[component]
pub fn ProgressLine(dataset: Dataset) -> impl IntoView {
    let progress = dataset.progress;
    let status = dataset.status;
    let loading = move || status.with(|s| *s == LoadStatus::Loading);
    let status_label = move || match status.get() {
        LoadStatus::Idle => "Waiting".to_owned(),
        LoadStatus::Loading => "Loading".to_owned(),
        LoadStatus::Done => "Loaded".to_owned(),
        LoadStatus::Cancelled => "Cancelled".to_owned(),
        LoadStatus::Failed(_) => "Failed".to_owned(),
    };
    let status_class = move || {
        let modifier = match status.get() {
            LoadStatus::Idle => "idle",
            LoadStatus::Loading => "loading",
            LoadStatus::Done => "done",
            LoadStatus::Cancelled => "cancelled",
            LoadStatus::Failed(_) => "failed",
        };
        format!("tx-progress__status tx-progress__status--{modifier}")
    };
    let bytes = move || {
        let p = progress.get();
        match p.total_bytes {
            Some(total) if p.bytes < total => {
                format!("{} of {}", format::bytes(p.bytes), format::bytes(total))
            }
            _ => format::bytes(p.bytes),
        }
    };
    let failure = move || match status.get() {
        LoadStatus::Failed(message) => Some(message),
        _ => None,
    };

    view! {
        <section class="tx-progress" aria-live="polite">
            <p class="tx-progress__file">
                "File " <code class="tx-progress__url">{move || dataset.url.get()}</code>
            </p>
            <p class="tx-progress__line" data-testid="progress">
                <span class=status_class data-testid="load-status">{status_label}</span>
                <span class="tx-progress__sep">" · "</span>
                <span data-testid="row-count">
                    {move || format::count(progress.get().rows, "row", "rows")}
                </span>
                <span class="tx-progress__sep">" · "</span>
                <span>{bytes}</span>
                <span class="tx-progress__sep">" · "</span>
                <span data-testid="error-count">
                    {move || format::count(progress.get().errors, "error", "errors")}
                </span>
                <span class="tx-progress__sep">" · "</span>
                <span>{move || format::millis(progress.get().elapsed_ms)}</span>
                <Show when=loading>
                    <button class="tx-button tx-progress__cancel" on:click=move |_| dataset.cancel()>
                        "Cancel"
                    </button>
                </Show>
            </p>
            {move || {
                failure()
                    .map(|message| {
                        view! {
                            <p class="tx-alert" role="alert" data-testid="load-error">
                                {message}
                            </p>
                        }
                    })
            }}
        </section>
    }
}

/// The lines that are not JSON rows, with their line number, byte offset and reason.
#[component]
pub fn ErrorList(dataset: Dataset) -> impl IntoView {
    let errors = dataset.errors;
    view! {
        <Show when=move || errors.with(|e| !e.is_empty())>
            <section class="tx-errors">
                <h2 class="tx-errors__title">"Lines that could not be read"</h2>
                <ul class="tx-errors__list" data-testid="error-list">
                    <For
                        each=move || errors.get()
                        key=|error| error.line_no
                        children=|error| view! { <li class="tx-errors__item">{error.to_string()}</li> }
                    />
                </ul>
            </section>
        </Show>
    }
}
