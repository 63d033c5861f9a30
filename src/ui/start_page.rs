//! The start page: a dataset box (an id or a pasted Hub URL) with suggestions, the recent
//! datasets, a Hugging Face token for gated data, and local files (picked or dropped: read in
//! the browser, never uploaded).

use leptos::ev;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::domain::hub::parse_dataset_input;
use crate::ui::{browser, client_for, recent_datasets, AppState, TOKEN_EVERYWHERE_KEY, TOKEN_KEY};

/// Datasets suggested in the box, most used first.
pub const SUGGESTIONS: [&str; 8] = [
    "nvidia/Open-SWE-Traces",
    "nvidia/SWE-Zero-openhands-trajectories",
    "nvidia/SWE-Hero-openhands-trajectories",
    "nebius/SWE-rebench-openhands-trajectories",
    "nebius/SWE-agent-trajectories",
    "SWE-Gym/OpenHands-Sampled-Trajectories",
    "SWE-bench/SWE-smith-trajectories",
    "JetBrains-Research/swe-traj-openai",
];

/// The start page.
#[component]
pub fn StartPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let input = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let token = RwSignal::new(browser::session_get(TOKEN_KEY).unwrap_or_default());
    let token_everywhere =
        RwSignal::new(browser::session_get(TOKEN_EVERYWHERE_KEY).as_deref() == Some("1"));
    let dragging = RwSignal::new(false);

    let open = move |text: String| match parse_dataset_input(&text) {
        Ok(target) => {
            error.set(None);
            state.remember(&target.dataset);
            state.navigate(true, |link| {
                link.dataset = Some(target.dataset.to_string());
                link.file = None;
                link.config = target.config.clone();
                link.split = target.split.clone();
                link.row = target.row;
                link.step = None;
            });
        }
        Err(message) => error.set(Some(message)),
    };
    let on_submit = move |ev: ev::SubmitEvent| {
        ev.prevent_default();
        open(input.get_untracked());
    };
    let save_token = move |_| {
        browser::session_set(TOKEN_KEY, token.get_untracked().trim());
        browser::session_set(
            TOKEN_EVERYWHERE_KEY,
            if token_everywhere.get_untracked() { "1" } else { "" },
        );
        state.session.client.set_value(client_for(&state.link.get_untracked()));
    };
    let open_files = move |files: Option<web_sys::FileList>| {
        let Some(files) = files else { return };
        let files: Vec<web_sys::File> = (0..files.length()).filter_map(|i| files.get(i)).collect();
        if files.is_empty() {
            return;
        }
        let names: Vec<String> = files.iter().map(|f| f.name()).collect();
        state.session.open_local(files);
        state.navigate(true, |link| {
            link.dataset = None;
            link.file = Some(format!("local:{}", names.join(",")));
            link.row = None;
            link.step = None;
        });
    };
    let on_pick = move |ev: ev::Event| {
        let files = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .and_then(|input| input.files());
        open_files(files);
    };
    let on_drop = move |ev: ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        open_files(ev.data_transfer().and_then(|d| d.files()));
    };

    view! {
        <section class="tx-start">
            <form class="tx-start__form" on:submit=on_submit>
                <label class="tx-start__label" for="dataset-input">"Open a Hugging Face dataset"</label>
                <div class="tx-start__row">
                    <input
                        id="dataset-input"
                        class="tx-input tx-start__input"
                        data-testid="dataset-input"
                        list="dataset-suggestions"
                        placeholder="owner/name, or a huggingface.co/datasets/… URL"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || input.get()
                        on:input=move |ev| input.set(event_target_value(&ev))
                    />
                    <button class="tx-button tx-button--primary" type="submit" data-testid="dataset-open">
                        "Open"
                    </button>
                </div>
                <datalist id="dataset-suggestions">
                    {SUGGESTIONS.iter().map(|s| view! { <option value=*s></option> }).collect_view()}
                </datalist>
                <Show when=move || error.with(Option::is_some)>
                    <p class="tx-error" role="alert">{move || error.get().unwrap_or_default()}</p>
                </Show>
            </form>

            <div class="tx-start__columns">
                <div class="tx-card">
                    <h2 class="tx-card__title">"Suggested"</h2>
                    <ul class="tx-list">
                        {SUGGESTIONS
                            .iter()
                            .map(|s| {
                                let id = s.to_string();
                                view! {
                                    <li>
                                        <button class="tx-link" on:click=move |_| open(id.clone())>{*s}</button>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </div>
                <div class="tx-card">
                    <h2 class="tx-card__title">"Recent"</h2>
                    {move || {
                        let recent = recent_datasets();
                        if recent.is_empty() {
                            view! { <p class="tx-muted">"Datasets you open appear here."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="tx-list" data-testid="recent">
                                    {recent
                                        .into_iter()
                                        .map(|id| {
                                            let label = id.clone();
                                            view! {
                                                <li>
                                                    <button class="tx-link" on:click=move |_| open(id.clone())>{label}</button>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            }
                            .into_any()
                        }
                    }}
                </div>
                <div
                    class=move || if dragging.get() { "tx-card tx-drop tx-drop--active" } else { "tx-card tx-drop" }
                    data-testid="drop-zone"
                    on:dragover=move |ev: ev::DragEvent| {
                        ev.prevent_default();
                        dragging.set(true);
                    }
                    on:dragleave=move |_| dragging.set(false)
                    on:drop=on_drop
                >
                    <h2 class="tx-card__title">"Local files"</h2>
                    <p class="tx-muted">"JSONL, JSON or Parquet. Read in your browser, never uploaded."</p>
                    <label class="tx-button">
                        "Choose files…"
                        <input
                            type="file"
                            class="tx-visually-hidden"
                            data-testid="file-input"
                            accept=".jsonl,.json,.ndjson,.parquet"
                            multiple=true
                            on:change=on_pick
                        />
                    </label>
                    <p class="tx-muted">"or drop them here"</p>
                </div>
            </div>

            <details class="tx-card tx-token">
                <summary>"Hugging Face token (for gated or private datasets)"</summary>
                <p class="tx-muted">
                    "Kept in this tab only (session storage), never put in a link, and sent only to Hugging Face hosts unless you allow others below."
                </p>
                <div class="tx-start__row">
                    <input
                        class="tx-input"
                        type="password"
                        autocomplete="off"
                        placeholder="hf_…"
                        data-testid="token-input"
                        prop:value=move || token.get()
                        on:input=move |ev| token.set(event_target_value(&ev))
                    />
                    <button class="tx-button" on:click=save_token>"Save"</button>
                </div>
                <label class="tx-check">
                    <input
                        type="checkbox"
                        prop:checked=move || token_everywhere.get()
                        on:change=move |ev| token_everywhere.set(event_target_checked(&ev))
                    />
                    " Also send it to the endpoints set in the page address (a mirror you trust)"
                </label>
            </details>
        </section>
    }
}
