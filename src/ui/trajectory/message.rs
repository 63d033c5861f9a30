//! One message of the conversation: its role, its links to the call it answers or to its
//! results, its reasoning (apart, collapsible), its text (markdown for user and assistant turns,
//! plain monospace text for the system prompt and tool results) and its tool calls as cards.
//!
//! Long texts are collapsed to a preview; the full text is put in the page only once expanded.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::metrics::is_error_result;
use crate::domain::render;
use crate::domain::trajectory::{Role, ToolCall, Trajectory};

use super::{message_id, Reader};

/// A text held by the trajectory (or made from it), shared without copying.
#[derive(Clone)]
pub struct SharedText {
    trajectory: Arc<Trajectory>,
    part: TextPart,
}

#[derive(Clone)]
enum TextPart {
    /// A message's content.
    Content(usize),
    /// A message's reasoning.
    Reasoning(usize),
    /// Text made for the view (pretty-printed arguments).
    Owned(Arc<str>),
}

impl SharedText {
    /// The text.
    pub fn as_str(&self) -> &str {
        let message = |idx: usize| self.trajectory.messages.get(idx);
        match &self.part {
            TextPart::Content(idx) => message(*idx).map_or("", |m| m.content.as_str()),
            TextPart::Reasoning(idx) => {
                message(*idx).and_then(|m| m.reasoning.as_deref()).unwrap_or("")
            }
            TextPart::Owned(text) => text,
        }
    }
}

/// How a text is shown.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// Markdown, rendered then sanitized.
    Markdown,
    /// Plain text in a monospace block.
    Plain,
}

/// One message: `li#msg-{idx}` with `data-testid="message"`.
#[component]
pub fn MessageBlock(trajectory: Arc<Trajectory>, idx: usize, reader: Reader) -> impl IntoView {
    let Some(message) = trajectory.messages.get(idx) else {
        return ().into_any();
    };
    let role = message.role;
    let answered = message.result_of.and_then(|call_ref| {
        trajectory.call(call_ref).map(|call| (call_ref.message_idx, call.name.clone()))
    });
    let is_result = answered.is_some() || role == Role::Tool;
    let is_error = message.result_of.is_some() && is_error_result(message);
    let plain = is_result || role == Role::System;
    let selected = move || reader.step.get() == Some(idx);
    let class = move || {
        let mut class = format!("tx-message tx-message--{}", role.as_str());
        if is_result && role != Role::Tool {
            class.push_str(" tx-message--observation");
        }
        if is_error {
            class.push_str(" tx-message--error");
        }
        if selected() {
            class.push_str(" tx-message--selected");
        }
        class
    };
    let source = |part| SharedText { trajectory: Arc::clone(&trajectory), part };
    let has_reasoning = message.reasoning.as_deref().is_some_and(|r| !r.trim().is_empty());
    let has_content = !message.content.trim().is_empty();
    let reasoning = has_reasoning.then(|| {
        view! { <Reasoning text=source(TextPart::Reasoning(idx)) reader /> }
    });
    let kind = if plain { TextKind::Plain } else { TextKind::Markdown };
    let content = if has_content {
        view! { <LongText text=source(TextPart::Content(idx)) kind reader /> }.into_any()
    } else if message.tool_calls.is_empty() && !has_reasoning {
        view! { <p class="tx-message__empty">"(empty)"</p> }.into_any()
    } else {
        ().into_any()
    };
    let calls = (0..message.tool_calls.len())
        .map(|call_idx| {
            view! { <ToolCallCard trajectory=Arc::clone(&trajectory) idx call_idx reader /> }
        })
        .collect_view();
    let tool_name = message
        .name
        .clone()
        .filter(|_| answered.is_none())
        .map(|name| view! { <code class="tx-message__tool">{name}</code> });
    let result_link = answered.map(|(caller_idx, name)| {
        view! {
            <span class="tx-message__link">
                "result of " <code class="tx-message__tool">{name}</code> " from "
                <MessageLink idx=caller_idx reader />
            </span>
        }
    });

    view! {
        <li
            id=message_id(idx)
            class=class
            data-testid="message"
            data-role=role.as_str()
            aria-current=move || selected().then_some("step")
        >
            <div class="tx-message__head">
                <a
                    class="tx-message__index"
                    href=format!("#{}", message_id(idx))
                    title="Select this message"
                    on:click=move |event| {
                        event.prevent_default();
                        reader.select(idx);
                    }
                >
                    {format!("#{idx}")}
                </a>
                <span class=format!("tx-role tx-role--{}", role.as_str())>{role.as_str()}</span>
                {tool_name}
                {result_link}
                {is_error.then(|| view! { <span class="tx-tag tx-tag--error">"error"</span> })}
                <crate::ui::model::MessageTokens trajectory=Arc::clone(&trajectory) idx />
            </div>
            {reasoning}
            <div class="tx-message__content">{content}</div>
            {calls}
        </li>
    }
    .into_any()
}

/// A message's reasoning, apart from its answer: a toggle that hides or shows it (following
/// "expand all" and "collapse all" too), and the text, itself collapsed when long.
#[component]
fn Reasoning(text: SharedText, reader: Reader) -> impl IntoView {
    let shown = RwSignal::new(reader.expand.get_untracked().unwrap_or(true));
    Effect::watch(
        move || reader.expand.get(),
        move |command, _, _| {
            if let Some(command) = *command {
                shown.set(command);
            }
        },
        false,
    );
    let label = format!("Reasoning ({})", render::size_label(text.as_str()));
    view! {
        <div class="tx-message__reasoning" data-testid="reasoning">
            <button
                class="tx-message__label tx-message__toggle"
                aria-expanded=move || shown.get().to_string()
                on:click=move |_| shown.update(|shown| *shown = !*shown)
            >
                {label}
            </button>
            {move || {
                shown
                    .get()
                    .then(|| {
                        view! { <LongText text=text.clone() kind=TextKind::Markdown reader /> }
                    })
            }}
        </div>
    }
}

/// A link that selects message `idx`.
#[component]
pub fn MessageLink(idx: usize, reader: Reader) -> impl IntoView {
    view! {
        <a
            class="tx-message__ref"
            href=format!("#{}", message_id(idx))
            on:click=move |event| {
                event.prevent_default();
                reader.select(idx);
            }
        >
            {format!("#{idx}")}
        </a>
    }
}

/// A tool call: its name, whether it was inferred from text, its id, a link to its result, and
/// its arguments as pretty-printed JSON.
#[component]
fn ToolCallCard(
    trajectory: Arc<Trajectory>,
    idx: usize,
    call_idx: usize,
    reader: Reader,
) -> impl IntoView {
    let Some(call) = trajectory.messages.get(idx).and_then(|m| m.tool_calls.get(call_idx)) else {
        return ().into_any();
    };
    let colour = render::tool_colour_index(&call.name);
    let result = call.result_idx;
    let is_error = result.and_then(|r| trajectory.messages.get(r)).is_some_and(is_error_result);
    let arguments = SharedText {
        trajectory: Arc::clone(&trajectory),
        part: TextPart::Owned(Arc::from(render::pretty_arguments(call))),
    };
    let has_arguments = !arguments.as_str().trim().is_empty();
    let ToolCall { name, id, inferred, .. } = call;
    view! {
        <div class=format!("tx-call tx-tool-{colour}") data-testid="tool-call">
            <div class="tx-call__head">
                <span class="tx-call__swatch" aria-hidden="true"></span>
                <code class="tx-call__name">{name.clone()}</code>
                {inferred
                    .then(|| {
                        view! {
                            <span
                                class="tx-tag"
                                title="Found in the message text, not given as a structured call"
                            >
                                "inferred"
                            </span>
                        }
                    })}
                {id.clone().map(|id| view! { <code class="tx-call__id">{id}</code> })}
                <span class="tx-call__result">
                    {match result {
                        Some(result_idx) => {
                            view! { "result " <MessageLink idx=result_idx reader /> }.into_any()
                        }
                        None => view! { <span class="tx-muted">"no result"</span> }.into_any(),
                    }}
                </span>
                {is_error.then(|| view! { <span class="tx-tag tx-tag--error">"error"</span> })}
            </div>
            {has_arguments
                .then(|| {
                    view! {
                        <div class="tx-call__arguments">
                            <LongText text=arguments kind=TextKind::Plain reader />
                        </div>
                    }
                })}
        </div>
    }
    .into_any()
}

/// A text, collapsed to a preview when it is long (see `render::is_long`), with a toggle; it
/// follows the reader's "expand all" and "collapse all" commands.
#[component]
pub fn LongText(text: SharedText, kind: TextKind, reader: Reader) -> impl IntoView {
    let full = text.as_str();
    if !render::is_long(full) {
        return text_view(full, kind, false).into_any();
    }
    let toggle_label = render::show_all_label(full);
    let open = RwSignal::new(reader.expand.get_untracked().unwrap_or(false));
    Effect::watch(
        move || reader.expand.get(),
        move |command, _, _| {
            if let Some(command) = *command {
                open.set(command);
            }
        },
        false,
    );
    let body = move || {
        let full = text.as_str();
        if open.get() {
            text_view(full, kind, false)
        } else {
            let (preview, _) = render::preview(full, render::PREVIEW_LINES, render::PREVIEW_CHARS);
            text_view(preview, kind, true)
        }
    };
    view! {
        <div class="tx-longtext" data-testid="long-text" data-open=move || open.get().to_string()>
            {body}
            <button
                class="tx-longtext__toggle"
                data-testid="toggle-long-text"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|open| *open = !*open)
            >
                {move || if open.get() { "Collapse".to_owned() } else { toggle_label.clone() }}
            </button>
        </div>
    }
    .into_any()
}

/// A text as markdown (sanitized HTML) or as plain monospace text; `cut` marks a preview.
fn text_view(text: &str, kind: TextKind, cut: bool) -> AnyView {
    let class = if cut { " tx-cut" } else { "" };
    match kind {
        TextKind::Markdown => {
            let html = render::markdown_to_safe_html(text);
            view! { <div class=format!("tx-markdown{class}") inner_html=html></div> }.into_any()
        }
        TextKind::Plain => {
            view! { <pre class=format!("tx-pre{class}")>{text.to_owned()}</pre> }.into_any()
        }
    }
}
