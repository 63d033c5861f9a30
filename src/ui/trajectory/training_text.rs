//! The "Training text" panel of the reader: the trajectory rendered through the model's chat
//! template (`domain::template`), the exact text a trainer sees, with the assistant spans (what
//! the loss is computed on) highlighted as `<mark>` segments, its token count and the spans'
//! by the model's tokenizer, and the template's error when it fails.
//!
//! The template is the `chat_template` of the shared model's `tokenizer_config.json`
//! ([`ModelState`]); nothing is fetched or rendered until the panel is opened. Spans are found
//! a few assistant messages at a time, yielding to the page in between. The text is put in the
//! page as text nodes only, cut into pieces of at most [`PIECE_BYTES`], and only the first
//! [`FIRST_BYTES`] are rendered until more is asked for.
//!
//! [`model_chat_template`] also serves the `text` export format (`Session::export`).

use std::ops::Range;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::render::group_digits;
use crate::domain::template::{ChatTemplate, RenderOptions, SpanScan, TrainingText};
use crate::domain::trajectory::Trajectory;
use crate::net::sleep_ms;
use crate::ui::model::{ModelState, ModelStatus};

use super::PanelToggle;

/// Largest piece of text in one DOM node (bytes).
const PIECE_BYTES: usize = 16 * 1024;

/// Text rendered before "show more" (bytes); each "show more" adds as much again.
const FIRST_BYTES: usize = 256 * 1024;

/// Assistant messages looked at between two yields to the page (count).
const SPANS_PER_STEP: usize = 4;

/// Bytes of prefix renders allowed for finding spans before giving up on the rest (bytes).
const SPAN_BUDGET: usize = 512 << 20;

/// The shared model's chat template, compiled, with a description for a manifest
/// (`model id (template names)`): loads the model's files when needed and waits for its
/// `tokenizer_config.json`. Errors are sentences for the page.
pub async fn model_chat_template(model: ModelState) -> Result<(ChatTemplate, String), String> {
    model.load();
    let config = loop {
        if let Some(config) = model.config.get_untracked() {
            break config;
        }
        if let Some(error) = model.config_error.get_untracked() {
            return Err(error);
        }
        if let ModelStatus::Failed(message) = model.status.get_untracked() {
            if model.config.get_untracked().is_none() {
                return Err(message);
            }
        }
        sleep_ms(25).await;
    };
    let model_id = model.model_id.get_untracked();
    let template = ChatTemplate::from_tokenizer_config(&config)
        .map_err(|error| format!("{model_id}: {error}"))?;
    let description = format!("{model_id} ({})", template.names().join(", "));
    Ok((template, description))
}

/// Render options of the page: no generation prompt, the browser's clock for `strftime_now`.
pub fn page_render_options() -> RenderOptions {
    RenderOptions {
        now_unix_seconds: Some((js_sys::Date::now() / 1000.0) as i64),
        ..RenderOptions::default()
    }
}

/// Where the panel stands.
#[derive(Clone)]
enum Phase {
    /// Waiting for the model's tokenizer_config.json.
    Loading,
    /// Finding spans: assistant messages looked at, and in all.
    Spans(usize, usize),
    /// Rendered.
    Ready(Arc<Rendered>),
    /// The template could not be had or rendered.
    Failed(String),
}

/// A rendered trajectory and its text cut into pieces for the page.
struct Rendered {
    training: TrainingText,
    /// (byte range, inside an assistant span, the span's message index).
    pieces: Vec<(Range<usize>, Option<usize>)>,
    model_id: String,
}

/// Token counts of the text and of its assistant spans.
type Tokens = Option<Result<(u32, u32), String>>;

/// The training-text panel (`data-testid="training-text"`), closed until its toggle is used.
#[component]
pub fn TrainingTextPanel(trajectory: Arc<Trajectory>) -> impl IntoView {
    // The app provides the model; a reader mounted alone (browser tests) shows no panel.
    let Some(model) = use_context::<ModelState>() else {
        return ().into_any();
    };
    let open = RwSignal::new(false);
    let phase = RwSignal::new(Phase::Loading);
    let tokens = RwSignal::new(None::<Result<(u32, u32), String>>);
    let shown_bytes = RwSignal::new(FIRST_BYTES);
    let run = StoredValue::new(0u64);

    // Render when opened, and again when the model's config changes while open.
    Effect::new(move |_| {
        if !open.get() {
            return;
        }
        let config = model.config.get();
        let _ = model.model_id.get();
        run.update_value(|r| *r += 1);
        let this_run = run.get_value();
        let trajectory = Arc::clone(&trajectory);
        let current = move || run.try_get_value() == Some(this_run);
        phase.set(Phase::Loading);
        tokens.set(None);
        shown_bytes.set(FIRST_BYTES);
        if config.is_none() {
            // model_chat_template starts loading; the config's arrival runs this again.
            spawn_local(async move {
                if let Err(error) = model_chat_template(model).await {
                    if current() {
                        phase.set(Phase::Failed(error));
                    }
                }
            });
            return;
        }
        spawn_local(async move {
            let (template, _) = match model_chat_template(model).await {
                Ok(found) => found,
                Err(error) => {
                    if current() {
                        phase.set(Phase::Failed(error));
                    }
                    return;
                }
            };
            let options = page_render_options();
            let mut scan =
                match SpanScan::of_trajectory(&template, &trajectory, &options, SPAN_BUDGET) {
                    Ok(scan) => scan,
                    Err(error) => {
                        if current() {
                            phase.set(Phase::Failed(error.to_string()));
                        }
                        return;
                    }
                };
            loop {
                let done = scan.step(SPANS_PER_STEP);
                if !current() {
                    return;
                }
                if done {
                    break;
                }
                let (looked, total) = scan.progress();
                phase.set(Phase::Spans(looked, total));
                sleep_ms(0).await;
            }
            let training = scan.finish();
            let pieces = pieces(&training);
            let mut texts = vec![training.text.clone()];
            texts.extend(training.span_texts().map(str::to_owned));
            let rendered = Rendered { training, pieces, model_id: model.model_id.get_untracked() };
            phase.set(Phase::Ready(Arc::new(rendered)));
            let counted = model.count(texts).await;
            if current() {
                tokens.set(Some(counted.map(|counts| {
                    let total = counts.first().copied().unwrap_or(0);
                    (total, counts.iter().skip(1).sum())
                })));
            }
        });
    });

    let body = move || {
        if !open.get() {
            return ().into_any();
        }
        match phase.get() {
            Phase::Loading => view! {
                <p class="tx-muted" data-testid="training-status">
                    {move || format!(
                        "Loading the chat template of {} ({})…",
                        model.model_id.get(),
                        model.status.get().describe()
                    )}
                </p>
            }
            .into_any(),
            Phase::Spans(looked, total) => view! {
                <p class="tx-muted" data-testid="training-status">
                    {format!("Rendering: assistant spans {looked} of {total}…")}
                </p>
            }
            .into_any(),
            Phase::Failed(message) => view! {
                <p class="tx-error" role="alert" data-testid="training-error">
                    {format!("No training text: {message}")}
                </p>
            }
            .into_any(),
            Phase::Ready(rendered) => {
                view! { <RenderedText rendered tokens shown_bytes /> }.into_any()
            }
        }
    };

    view! {
        <section class="tx-training" data-testid="training-text">
            <div class="tx-tabs">
                <button
                    class="tx-tabs__tab"
                    data-testid="training-text-toggle"
                    aria-expanded=move || open.get().to_string()
                    on:click=move |_| open.update(|open| *open = !*open)
                >
                    "Training text"
                    <span class="tx-tabs__figures">
                        {move || format!("chat template of {}", model.model_id.get())}
                    </span>
                </button>
                <PanelToggle open />
            </div>
            {body}
        </section>
    }
    .into_any()
}

/// The rendered text with its figures, spans note and pieces.
#[component]
fn RenderedText(
    rendered: Arc<Rendered>,
    tokens: RwSignal<Tokens>,
    shown_bytes: RwSignal<usize>,
) -> impl IntoView {
    let training = &rendered.training;
    let n_chars = training.text.chars().count();
    let figures = format!(
        "{} characters · {} assistant spans of {} assistant messages · template `{}` of {}",
        group_digits(n_chars),
        training.spans.len(),
        training.assistant_messages,
        training.template_name,
        rendered.model_id
    );
    let note = training.span_summary();
    let token_text = move || match tokens.get() {
        None => "counting tokens…".to_owned(),
        Some(Ok((total, assistant))) => {
            let share =
                if total > 0 { 100.0 * f64::from(assistant) / f64::from(total) } else { 0.0 };
            format!(
                "{} tokens · {} in assistant spans ({share:.1}%)",
                group_digits(total as usize),
                group_digits(assistant as usize)
            )
        }
        Some(Err(error)) => format!("no token count: {error}"),
    };
    let text_len = training.text.len();
    let pieces_view = {
        let rendered = Arc::clone(&rendered);
        move || {
            let limit = shown_bytes.get();
            rendered
                .pieces
                .iter()
                .take_while(|(range, _)| range.start < limit)
                .map(|(range, span)| {
                    let text = rendered.training.text.get(range.clone()).unwrap_or_default();
                    match span {
                        Some(idx) => view! {
                            <mark
                                class="tx-training__span"
                                title=format!("assistant message {idx}: trained on")
                                data-message=idx.to_string()
                            >
                                {text.to_owned()}
                            </mark>
                        }
                        .into_any(),
                        None => text.to_owned().into_any(),
                    }
                })
                .collect_view()
        }
    };
    let remaining = move || text_len.saturating_sub(shown_bytes.get());
    view! {
        <div class="tx-training__body">
            <p class="tx-training__figures">
                <span data-testid="training-tokens" class="tx-training__tokens">{token_text}</span>
                " · "
                <span class="tx-muted">{figures}</span>
            </p>
            {note.map(|note| view! {
                <p class="tx-training__note" data-testid="training-spans-note">{note}</p>
            })}
            <p class="tx-muted tx-training__legend">
                <mark class="tx-training__span">"highlighted"</mark>
                " = assistant turns, the part a trainer computes the loss on"
            </p>
            <pre class="tx-training__text" data-testid="training-text-body">{pieces_view}</pre>
            <Show when=move || { remaining() > 0 }>
                <div class="tx-reader__more">
                    <span>{move || format!("{} KB more", remaining().div_ceil(1024))}</span>
                    <button
                        class="tx-button"
                        data-testid="training-more"
                        on:click=move |_| shown_bytes.update(|b| *b += FIRST_BYTES)
                    >
                        "Show more"
                    </button>
                    <button class="tx-button" on:click=move |_| shown_bytes.set(usize::MAX)>
                        "Show all"
                    </button>
                </div>
            </Show>
        </div>
    }
}

/// The text cut into pieces of at most [`PIECE_BYTES`] (on character boundaries), each inside
/// or outside an assistant span.
fn pieces(training: &TrainingText) -> Vec<(Range<usize>, Option<usize>)> {
    let text = &training.text;
    let mut spans = training.spans.iter().peekable();
    let mut out = Vec::new();
    for (range, inside) in training.segments() {
        let message = if inside { spans.next().map(|span| span.message_idx) } else { None };
        let mut start = range.start;
        while start < range.end {
            let mut end = (start + PIECE_BYTES).min(range.end);
            while end < range.end && !text.is_char_boundary(end) {
                end += 1;
            }
            out.push((start..end, message));
            start = end;
        }
    }
    out
}
