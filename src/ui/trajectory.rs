//! The trajectory reader: one trajectory with its header (identifiers, outcome, metrics,
//! diagnostics), its suspicious-trajectory flags (each evidence step a button), a tool-call
//! timeline, the final and reference patches as diffs, and the
//! conversation, one block per message.
//!
//! It stays responsive on big rows (hundreds of messages, megabytes of tool output): messages
//! are rendered in chunks as the reader scrolls ([`FIRST_CHUNK`], then [`CHUNK`] at a time),
//! and a long text shows only its first lines until it is expanded, so its full text is not
//! even put in the page before that. Dataset text is rendered as text nodes, except message markdown, which is
//! inserted only as the sanitized HTML of `domain::render::markdown_to_safe_html`.
//!
//! Keyboard: `j`/`k` select the next/previous message, `/` focuses the search box (which keeps
//! only the messages containing its text), Escape clears the search. Keys typed into inputs are
//! left alone. Once a trajectory is painted, the performance mark `trajex:trajectory-rendered`
//! is set.
//!
//! What it does not own: which trajectory is shown and the URL (the selected message is the
//! `step` signal, which the app binds to the URL).

mod browser;
pub(crate) mod diff;
mod flags;
mod header;
mod message;
mod timeline;
pub(crate) mod training_text;

use std::sync::Arc;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;

use crate::domain::render;
use crate::domain::trajectory::Trajectory;

use self::browser::Sentinel;
use self::diff::PatchPanel;
use self::flags::FlagsPanel;
use self::header::TrajectoryHeader;
use self::message::MessageBlock;
use self::timeline::Timeline;
use self::training_text::TrainingTextPanel;

/// Messages added each time the reader nears the end of what is rendered (count).
pub const CHUNK: usize = 40;

/// Messages rendered at first (count): about two screens, so that a link opens fast; the
/// rest follows in [`CHUNK`]s as the reader scrolls.
pub const FIRST_CHUNK: usize = 12;

/// Messages rendered past a selected step (count), so that it does not sit at the very end.
const AFTER_STEP: usize = 6;

/// Messages rendered before a step that lies past what is rendered (count): jumping there
/// renders from it on, not every message before it; earlier ones follow as the reader scrolls
/// up.
const BEFORE_STEP: usize = 2;

/// Shows one trajectory, or a placeholder when there is none. The view is rebuilt only when
/// the trajectory itself changes (another `Arc`), not when the same one is set again.
#[component]
pub fn TrajectoryView(
    /// The trajectory to show; `None` shows a placeholder.
    #[prop(into)]
    trajectory: Signal<Option<Arc<Trajectory>>>,
    /// The selected message (an index into `Trajectory::messages`); `j`/`k`, the timeline and
    /// the message links set it, and the view scrolls to it when it changes.
    step: RwSignal<Option<usize>>,
) -> impl IntoView {
    let current = Memo::new_with_compare(move |_| trajectory.get(), changed);
    view! {
        <section class="tx-reader" data-testid="trajectory-view">
            {move || match current.get() {
                Some(trajectory) => view! { <TrajectoryBody trajectory step /> }.into_any(),
                None => {
                    view! { <p class="tx-reader__empty">"No trajectory selected."</p> }.into_any()
                }
            }}
        </section>
    }
}

/// Whether the shown trajectory changed: another `Arc`, or to or from none.
fn changed(old: Option<&Option<Arc<Trajectory>>>, new: Option<&Option<Arc<Trajectory>>>) -> bool {
    match (old, new) {
        (Some(Some(old)), Some(Some(new))) => !Arc::ptr_eq(old, new),
        (Some(None), Some(None)) => false,
        _ => true,
    }
}

/// The reader's state, shared by its parts: a handle of copyable signals.
#[derive(Clone, Copy)]
pub(crate) struct Reader {
    /// The selected message.
    pub step: RwSignal<Option<usize>>,
    /// The search text; empty shows every message.
    pub query: RwSignal<String>,
    /// The last "expand all" (`Some(true)`) or "collapse all" (`Some(false)`) command; every
    /// collapsible text follows it when it changes, and starts from it when rendered later.
    pub expand: RwSignal<Option<bool>>,
    /// The messages shown (all, or those matching the search), as indexes in order.
    pub shown: Memo<Vec<usize>>,
    /// The rendered window of the shown messages: positions `first..limit` in `shown`.
    pub first: RwSignal<usize>,
    /// The end of the rendered window (a position in `shown`, exclusive).
    pub limit: RwSignal<usize>,
}

impl Reader {
    /// Selects message `idx`.
    pub fn select(self, idx: usize) {
        self.step.set(Some(idx));
    }

    /// Renders message `idx` (if it is shown) and a few around it, then scrolls it into view.
    /// A message past the rendered window starts a new window a little before it.
    fn reveal(self, idx: usize) {
        let position = self.shown.with_untracked(|shown| shown.iter().position(|&i| i == idx));
        let Some(position) = position else { return };
        let limit = self.limit.get_untracked();
        if position >= limit {
            // Past the window with a gap: a new window (the messages between are not rendered).
            if position > limit + BEFORE_STEP {
                self.first.set(position - BEFORE_STEP);
            }
            self.limit.set(position + 1 + AFTER_STEP);
        } else if position < self.first.get_untracked() {
            self.first.set(position.saturating_sub(BEFORE_STEP));
        }
        // The new messages are rendered before the next frame; look again one frame later in
        // case the first try came too early.
        let id = message_id(idx);
        request_animation_frame(move || {
            if !browser::scroll_into_view(&id) {
                request_animation_frame(move || {
                    browser::scroll_into_view(&id);
                });
            }
        });
    }

    /// Renders `CHUNK` more messages before the window; returns whether there were any.
    fn grow_back(self) -> bool {
        let first = self.first.get_untracked();
        if first == 0 {
            return false;
        }
        self.first.set(first.saturating_sub(CHUNK));
        true
    }

    /// Renders `CHUNK` more messages; returns whether there were any left to render.
    fn grow(self) -> bool {
        let n_shown = self.shown.with_untracked(Vec::len);
        let limit = self.limit.get_untracked();
        if limit >= n_shown {
            return false;
        }
        self.limit.set((limit + CHUNK).min(n_shown));
        true
    }
}

/// The element id of message `idx`, its anchor.
pub(crate) fn message_id(idx: usize) -> String {
    format!("msg-{idx}")
}

/// The end of a panel's tab row (`tx-tabs`): a spacer, then the "Hide"/"Show" button that
/// folds the panel's body (`open`) in and out.
#[component]
pub(crate) fn PanelToggle(open: RwSignal<bool>) -> impl IntoView {
    view! {
        <span class="tx-reader__spacer"></span>
        <button
            class="tx-tabs__toggle"
            aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|open| *open = !*open)
        >
            {move || if open.get() { "Hide" } else { "Show" }}
        </button>
    }
}

/// One trajectory, shown.
#[component]
fn TrajectoryBody(trajectory: Arc<Trajectory>, step: RwSignal<Option<usize>>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let shown = Memo::new({
        let trajectory = Arc::clone(&trajectory);
        move |_| {
            query.with(|query| {
                let query = query.trim();
                (0..trajectory.messages.len())
                    .filter(|&idx| {
                        query.is_empty()
                            || render::message_matches(&trajectory.messages[idx], query)
                    })
                    .collect::<Vec<usize>>()
            })
        }
    });
    let reader = Reader {
        step,
        query,
        expand: RwSignal::new(None),
        shown,
        first: RwSignal::new(0),
        limit: RwSignal::new(FIRST_CHUNK),
    };
    // A new search starts the window at the first match.
    Effect::watch(move || query.get(), move |_, _, _| reader.first.set(0), false);
    let search_input = NodeRef::<html::Input>::new();

    // Keyboard shortcuts, for as long as the reader is mounted.
    let keys = window_event_listener(ev::keydown, move |event| {
        on_key(&event, reader, search_input);
    });
    on_cleanup(move || keys.remove());

    // Scroll to the selected message when it changes (and at first, for a link to a step).
    Effect::watch(
        move || step.get(),
        move |step, _, _| {
            if let Some(idx) = *step {
                reader.reveal(idx);
            }
        },
        true,
    );

    // The performance mark, once the first messages are painted: the frame's callbacks run
    // before its style, layout and paint; a task queued from them runs after.
    Effect::new(move |_| {
        request_animation_frame(|| {
            set_timeout(
                || browser::performance_mark(browser::RENDERED_MARK),
                std::time::Duration::ZERO,
            )
        });
    });

    // Render more messages when the end of the list comes near (or its start, when the
    // window does not begin at the first message).
    let sentinel = NodeRef::<html::Div>::new();
    let watcher = StoredValue::new_local(None::<Sentinel>);
    sentinel.on_load(move |element| {
        let sentinel = Sentinel::watch(element.into(), "600px", move || reader.grow());
        watcher.set_value(sentinel);
    });
    let top_sentinel = NodeRef::<html::Div>::new();
    let top_watcher = StoredValue::new_local(None::<Sentinel>);
    top_sentinel.on_load(move |element| {
        let sentinel = Sentinel::watch(element.into(), "100px", move || reader.grow_back());
        top_watcher.set_value(sentinel);
    });
    // A new search result may leave the sentinel in view: look again.
    Effect::watch(
        move || shown.with(Vec::len),
        move |_, _, _| watcher.try_with_value(|w| w.as_ref().map(Sentinel::recheck)),
        false,
    );
    on_cleanup(move || {
        let _ = watcher.try_update_value(|w| *w = None);
        let _ = top_watcher.try_update_value(|w| *w = None);
    });

    let n_messages = trajectory.messages.len();
    let window = move || {
        let (first, limit) = (reader.first.get(), reader.limit.get());
        shown.with(|shown| shown.iter().take(limit).skip(first).copied().collect::<Vec<usize>>())
    };
    let n_before = move || reader.first.get().min(shown.with(Vec::len));
    let n_hidden = move || shown.with(Vec::len).saturating_sub(reader.limit.get());
    let block = {
        let trajectory = Arc::clone(&trajectory);
        move |idx: usize| {
            view! { <MessageBlock trajectory=Arc::clone(&trajectory) idx reader /> }
        }
    };

    view! {
        <div class="tx-reader__body">
            <TrajectoryHeader trajectory=Arc::clone(&trajectory) />
            <FlagsPanel trajectory=Arc::clone(&trajectory) reader />
            <Timeline trajectory=Arc::clone(&trajectory) reader />
            <PatchPanel trajectory=Arc::clone(&trajectory) reader />
            <TrainingTextPanel trajectory=Arc::clone(&trajectory) />
            <div class="tx-reader__toolbar" role="search">
                <input
                    node_ref=search_input
                    class="tx-reader__search"
                    type="search"
                    placeholder="Search this trajectory ( / )"
                    aria-label="Search the messages of this trajectory"
                    data-testid="trajectory-search"
                    bind:value=query
                    on:keydown=move |event| on_search_key(&event, reader, search_input)
                />
                <span class="tx-reader__count" data-testid="shown-count" aria-live="polite">
                    {move || {
                        let n = shown.with(Vec::len);
                        if query.with(|q| q.trim().is_empty()) {
                            format!("{n} messages")
                        } else {
                            format!("{n} of {n_messages} messages match")
                        }
                    }}
                </span>
                <span class="tx-reader__spacer"></span>
                <button
                    class="tx-button"
                    data-testid="expand-all"
                    on:click=move |_| reader.expand.set(Some(true))
                >
                    "Expand all"
                </button>
                <button
                    class="tx-button"
                    data-testid="collapse-all"
                    on:click=move |_| reader.expand.set(Some(false))
                >
                    "Collapse all"
                </button>
            </div>
            <MoreBar
                node_ref=top_sentinel
                count=Signal::derive(n_before)
                word="earlier"
                test_id="show-earlier"
                all_label="Show all earlier"
                on_more=move || {
                    reader.grow_back();
                }
                on_all=move || reader.first.set(0)
            />
            <ol class="tx-conversation" data-testid="conversation">
                <For each=window key=|idx| *idx children=block />
            </ol>
            <MoreBar
                node_ref=sentinel
                count=Signal::derive(n_hidden)
                word="more"
                test_id="show-more"
                all_label="Show all"
                on_more=move || {
                    reader.grow();
                }
                on_all=move || reader.limit.set(shown.with_untracked(Vec::len))
            />
        </div>
    }
}

/// The bar before or after the rendered messages: how many are not rendered ("12 earlier
/// messages"), a button for [`CHUNK`] more (`test_id`) and one for all; empty when none are
/// left. `node_ref` is the element the reader watches to render more as it comes into view.
#[component]
fn MoreBar(
    node_ref: NodeRef<html::Div>,
    count: Signal<usize>,
    word: &'static str,
    test_id: &'static str,
    all_label: &'static str,
    on_more: impl Fn() + Send + Sync + 'static,
    on_all: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let on_more = Arc::new(on_more);
    let on_all = Arc::new(on_all);
    view! {
        <div class="tx-reader__more" node_ref=node_ref>
            <Show when=move || { count.get() > 0 }>
                <span>{move || format!("{} {word} messages", count.get())}</span>
                <button
                    class="tx-button"
                    data-testid=test_id
                    on:click={
                        let on_more = Arc::clone(&on_more);
                        move |_| on_more()
                    }
                >
                    {format!("Show {CHUNK} {word}")}
                </button>
                <button
                    class="tx-button"
                    on:click={
                        let on_all = Arc::clone(&on_all);
                        move |_| on_all()
                    }
                >
                    {all_label}
                </button>
            </Show>
        </div>
    }
}

/// Shortcuts on the whole page: `j`, `k`, `/` and Escape, unless the user is typing.
fn on_key(event: &ev::KeyboardEvent, reader: Reader, search_input: NodeRef<html::Input>) {
    if event.default_prevented() || event.ctrl_key() || event.meta_key() || event.alt_key() {
        return;
    }
    if browser::is_typing_target(event.target()) {
        return;
    }
    match event.key().as_str() {
        "j" | "k" => {
            event.prevent_default();
            let forward = event.key() == "j";
            let next = reader.shown.with_untracked(|shown| {
                render::step_after(shown, reader.step.get_untracked(), forward)
            });
            if next.is_some() {
                reader.step.set(next);
            }
        }
        "/" => {
            event.prevent_default();
            if let Some(input) = search_input.get_untracked() {
                let _ = input.focus();
                input.select();
            }
        }
        "Escape" if !reader.query.with_untracked(String::is_empty) => {
            reader.query.set(String::new());
        }
        _ => {}
    }
}

/// Keys in the search box: Enter jumps to the next match (Shift+Enter to the previous one),
/// Escape clears the search and leaves the box.
fn on_search_key(event: &ev::KeyboardEvent, reader: Reader, search_input: NodeRef<html::Input>) {
    match event.key().as_str() {
        "Enter" => {
            event.prevent_default();
            let forward = !event.shift_key();
            let next = reader.shown.with_untracked(|shown| {
                render::step_after(shown, reader.step.get_untracked(), forward)
            });
            if next.is_some() {
                reader.step.set(next);
            }
        }
        "Escape" => {
            event.prevent_default();
            reader.query.set(String::new());
            if let Some(input) = search_input.get_untracked() {
                let _ = input.blur();
            }
        }
        _ => {}
    }
}
