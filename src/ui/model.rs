//! The model whose tokenizer and chat template the page uses, shared as Leptos context
//! ([`ModelState`]): its Hub id, its `tokenizer_config.json`, where loading stands, exact token
//! counts (of any texts, of every loaded row, of the opened trajectory's messages), and the
//! controls that show them.
//!
//! Nothing of the tokenizer is downloaded until asked for ([`ModelState::load`], the "Exact
//! token counts" button, or a first [`ModelState::count`]): then the model's two files come
//! through the Hub's resolve route (Cache Storage first, see `net::model_file`), and
//! [`WORKERS`] Web Workers start the tokenizer wasm module (`pool`). Counting all rows runs
//! batch by batch in the workers; the page's rows get their counts at most every
//! [`FLUSH_MS`](crate::ui::session::FLUSH_MS) (less often with many rows, since each update
//! judges every row again) and the selection is judged again, so the token budget filter and the
//! token histogram follow.

mod pool;

use std::rc::Rc;
use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::link::PageLink;
use crate::domain::render::group_digits;
use crate::domain::tokens::{
    message_text, text_len, trajectory_text, ModelId, TokenBasis, DEFAULT_MODEL,
    TOKENIZER_CONFIG_FILE, TOKENIZER_FILE,
};
use crate::domain::trajectory::Trajectory;
use crate::net::{mark, model_file, now_ms, sleep_ms, AbortHandle, FileOrigin};
use crate::ui::session::{LoadStatus, Session, FLUSH_MS};
use crate::ui::{client_for, AppState};

use self::pool::Pool;

/// Tokenizer workers started (count). One worker counts about as fast as the notebook's Python
/// pipeline; two keep the page ahead of it on a two-core machine.
pub const WORKERS: usize = 2;

/// Bytes of text per request to a worker: big enough to amortize a message, small enough that
/// counts arrive often.
const BATCH_BYTES: usize = 256 * 1024;

/// Requests in flight per worker while counting rows.
const IN_FLIGHT_PER_WORKER: usize = 2;

/// Performance mark set when counting all loaded rows starts.
pub const MARK_COUNT_START: &str = "trajex:tokens-start";
/// Performance mark set when the tokenizer is ready and counting all loaded rows begins.
pub const MARK_COUNT_READY: &str = "trajex:tokens-ready";
/// Performance mark set when every loaded row has been counted (and reading is over).
pub const MARK_COUNT_END: &str = "trajex:tokens-end";

/// Where loading the model's tokenizer stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ModelStatus {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// Fetching tokenizer.json and tokenizer_config.json.
    LoadingFiles,
    /// Starting the workers and reading tokenizer.json in them.
    LoadingTokenizer,
    /// Ready to count.
    Ready,
    /// Failed; the message says what to do.
    Failed(String),
}

impl ModelStatus {
    /// A short text for the page.
    pub fn describe(&self) -> String {
        match self {
            ModelStatus::Idle => "not loaded".to_owned(),
            ModelStatus::LoadingFiles => "downloading the tokenizer…".to_owned(),
            ModelStatus::LoadingTokenizer => "starting the tokenizer…".to_owned(),
            ModelStatus::Ready => "tokenizer ready".to_owned(),
            ModelStatus::Failed(message) => message.clone(),
        }
    }
}

/// Counting every loaded row.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RowCounting {
    /// Asked for (and not stopped).
    pub active: bool,
    /// Rows with an exact count by the current model (count).
    pub counted: usize,
    /// Rows loaded (count).
    pub total: usize,
    /// Rows kept without their messages (see `session::KEEP_CHARS`), which cannot be counted.
    pub skipped: usize,
    /// Bytes of text counted since the start (bytes).
    pub bytes: usize,
    /// Milliseconds spent counting since the start.
    pub elapsed_ms: f64,
    /// Where the tokenizer files came from, once known.
    pub files_from: Option<FileOrigin>,
    /// The last error.
    pub error: Option<String>,
}

/// Exact counts of the opened trajectory: its address, the model, and a count per message.
type MessageCounts = Option<(usize, String, Arc<Vec<u32>>)>;

/// The model's tokenizer and chat template, as context for every component.
#[derive(Clone, Copy)]
pub struct ModelState {
    /// Hub model id whose tokenizer and chat template are used.
    pub model_id: RwSignal<String>,
    /// Where loading stands (idle, loading files, loading tokenizer, ready, failed with a message a user can act on).
    pub status: RwSignal<ModelStatus>,
    /// tokenizer_config.json of the model, parsed, once fetched.
    pub config: RwSignal<Option<Arc<serde_json::Value>>>,
    /// Why tokenizer_config.json could not be had (the tokenizer may still count).
    pub config_error: RwSignal<Option<String>>,
    /// Counting every loaded row.
    pub counting: RwSignal<RowCounting>,
    /// Exact counts per message of the opened trajectory.
    pub message_counts: RwSignal<MessageCounts>,
    link: RwSignal<PageLink>,
    pool: StoredValue<Option<Rc<Pool>>, LocalStorage>,
    loaded_for: StoredValue<Option<String>>,
    run: StoredValue<u64>,
}

impl ModelState {
    /// A model state for the page at `link` (its endpoints and the tab's token are used), with
    /// `model` or [`DEFAULT_MODEL`].
    pub fn new(link: RwSignal<PageLink>, model: Option<String>) -> Self {
        ModelState {
            model_id: RwSignal::new(model.unwrap_or_else(|| DEFAULT_MODEL.to_owned())),
            status: RwSignal::new(ModelStatus::Idle),
            config: RwSignal::new(None),
            config_error: RwSignal::new(None),
            counting: RwSignal::new(RowCounting::default()),
            message_counts: RwSignal::new(None),
            link,
            pool: StoredValue::new_local(None),
            loaded_for: StoredValue::new(None),
            run: StoredValue::new(0),
        }
    }

    /// Starts fetching the model files and the tokenizer worker, once per model id.
    pub fn load(self) {
        let model = self.model_id.get_untracked();
        let same = self.loaded_for.get_value().as_deref() == Some(model.as_str());
        if same && !matches!(self.status.get_untracked(), ModelStatus::Failed(_)) {
            return;
        }
        self.loaded_for.set_value(Some(model.clone()));
        self.pool.set_value(None);
        self.config.set(None);
        self.config_error.set(None);
        self.message_counts.set(None);
        let id = match ModelId::parse(&model) {
            Ok(id) => id,
            Err(error) => {
                self.status.set(ModelStatus::Failed(error));
                return;
            }
        };
        self.status.set(ModelStatus::LoadingFiles);
        let client = client_for(&self.link.get_untracked());
        let current = move || self.loaded_for.get_value().as_deref() == Some(model.as_str());
        spawn_local(async move {
            let abort = AbortHandle::new();
            let (config, tokenizer) = futures_util::join!(
                model_file(&client, &id, TOKENIZER_CONFIG_FILE, &abort),
                model_file(&client, &id, TOKENIZER_FILE, &abort),
            );
            if !current() {
                return;
            }
            match config.map_err(|e| e.user_message()).and_then(|(bytes, _)| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| format!("{TOKENIZER_CONFIG_FILE} of {id} is not JSON: {e}"))
            }) {
                Ok(value) => self.config.set(Some(Arc::new(value))),
                Err(error) => self.config_error.set(Some(error)),
            }
            let (bytes, origin) = match tokenizer {
                Ok(found) => found,
                Err(error) => {
                    let message = format!(
                        "the tokenizer of {id} could not be downloaded: {} (check the model id, \
                         or the token for a gated model)",
                        error.user_message()
                    );
                    self.status.set(ModelStatus::Failed(message));
                    return;
                }
            };
            self.counting.update(|c| c.files_from = Some(origin));
            self.status.set(ModelStatus::LoadingTokenizer);
            let pool = match Pool::start(WORKERS).await {
                Ok(pool) => pool,
                Err(error) => return self.status.set(ModelStatus::Failed(error)),
            };
            if let Err(error) = pool.load(&bytes).await {
                return self.status.set(ModelStatus::Failed(format!(
                    "the tokenizer of {id} could not be loaded: {error}"
                )));
            }
            if current() {
                self.pool.set_value(Some(pool));
                self.status.set(ModelStatus::Ready);
            }
        });
    }

    /// Exact token counts of `texts`, in order (tokens, no special tokens added beyond what the tokenizer's post-processor adds, like Python `Tokenizer.encode(text).ids`); Err(message) when the tokenizer cannot be loaded.
    pub async fn count(self, texts: Vec<String>) -> Result<Vec<u32>, String> {
        let pool = self.ready_pool().await?;
        // Spread large requests over the workers, in order.
        let mut chunks: Vec<&[String]> = Vec::new();
        let mut start = 0;
        let mut bytes = 0;
        for (idx, text) in texts.iter().enumerate() {
            bytes += text.len();
            if bytes >= BATCH_BYTES {
                chunks.push(&texts[start..=idx]);
                start = idx + 1;
                bytes = 0;
            }
        }
        if start < texts.len() || texts.is_empty() {
            chunks.push(&texts[start..]);
        }
        let answers =
            futures_util::future::join_all(chunks.iter().map(|chunk| pool.count(chunk))).await;
        let mut counts = Vec::with_capacity(texts.len());
        for answer in answers {
            counts.extend(answer?);
        }
        Ok(counts)
    }

    /// The workers once the tokenizer is ready (loading it first when needed).
    async fn ready_pool(self) -> Result<Rc<Pool>, String> {
        self.load();
        loop {
            match self.status.get_untracked() {
                ModelStatus::Ready => {
                    if let Some(pool) = self.pool.get_value() {
                        return Ok(pool);
                    }
                }
                ModelStatus::Failed(message) => return Err(message),
                _ => {}
            }
            sleep_ms(25).await;
        }
    }

    /// Counts every loaded row (and the rows still arriving) with the current model, until
    /// [`ModelState::stop_counting`]; the rows' metrics get their exact counts as they come.
    pub fn count_rows(self, session: Session) {
        self.run.update_value(|r| *r += 1);
        let run = self.run.get_value();
        let model: Arc<str> = Arc::from(self.model_id.get_untracked().trim());
        self.counting.update(|c| {
            *c = RowCounting { active: true, files_from: c.files_from, ..Default::default() }
        });
        crate::net::clear_marks(&[MARK_COUNT_START, MARK_COUNT_READY, MARK_COUNT_END]);
        mark(MARK_COUNT_START);
        spawn_local(async move {
            let started = now_ms();
            let is_current = move || self.run.try_get_value() == Some(run);
            let pool = match self.ready_pool().await {
                Ok(pool) => pool,
                Err(error) => {
                    self.counting.update(|c| {
                        c.active = false;
                        c.error = Some(error);
                    });
                    return;
                }
            };
            mark(MARK_COUNT_READY);
            let limit = pool.size() * IN_FLIGHT_PER_WORKER;
            let mut cursor = 0usize;
            let mut opened = session.opened.get_untracked();
            let mut in_flight = FuturesUnordered::new();
            let mut updates: Vec<(usize, Arc<Trajectory>, usize)> = Vec::new();
            let mut last_flush = now_ms();
            let mut marked_end = false;
            loop {
                if !is_current() {
                    return;
                }
                if session.opened.with_untracked(|o| o != &opened) {
                    opened = session.opened.get_untracked();
                    cursor = 0;
                    updates.clear();
                    marked_end = false;
                }
                // Fill the workers.
                while in_flight.len() < limit {
                    let (batch, next, skipped) = next_batch(session, cursor, &model);
                    cursor = next;
                    if skipped > 0 {
                        self.counting.update(|c| c.skipped += skipped);
                    }
                    if batch.is_empty() {
                        break;
                    }
                    let pool = Rc::clone(&pool);
                    in_flight.push(async move {
                        let texts: Vec<String> =
                            batch.iter().map(|(_, t)| trajectory_text(t)).collect();
                        let bytes = texts.iter().map(String::len).sum::<usize>();
                        (batch, bytes, pool.count(&texts).await)
                    });
                }
                if in_flight.is_empty() {
                    self.flush(session, &mut updates, &model, started);
                    last_flush = now_ms();
                    let reading = session.status.get_untracked() == LoadStatus::Loading;
                    if !reading && !marked_end {
                        mark(MARK_COUNT_END);
                        marked_end = true;
                    }
                    sleep_ms(200).await;
                    continue;
                }
                if let Some((batch, bytes, result)) = in_flight.next().await {
                    match result {
                        Ok(counts) => {
                            self.counting.update_untracked(|c| c.bytes += bytes);
                            updates.extend(
                                batch
                                    .into_iter()
                                    .zip(counts)
                                    .map(|((idx, t), n)| (idx, t, n as usize)),
                            );
                        }
                        Err(error) => {
                            self.counting.update(|c| c.error = Some(error));
                        }
                    }
                }
                // Each flush judges every row again: with many rows, flush less often (about
                // 5 ms of judging per 1,000 rows, kept under a tenth of the time).
                let interval = FLUSH_MS.max(session.rows.with_untracked(Vec::len) as f64 / 20.0);
                if now_ms() - last_flush >= interval {
                    self.flush(session, &mut updates, &model, started);
                    last_flush = now_ms();
                }
            }
        });
    }

    /// Stops counting rows (the counts made stay).
    pub fn stop_counting(self) {
        self.run.update_value(|r| *r += 1);
        self.counting.update(|c| c.active = false);
    }

    fn flush(
        self,
        session: Session,
        updates: &mut Vec<(usize, Arc<Trajectory>, usize)>,
        model: &Arc<str>,
        started: f64,
    ) {
        if !updates.is_empty() {
            session.set_exact_tokens(std::mem::take(updates), Arc::clone(model));
        }
        let (counted, total) = session.rows.with_untracked(|rows| {
            let counted =
                rows.iter().filter(|r| r.metrics.tokens_are_exact() == Some(&**model)).count();
            (counted, rows.len())
        });
        self.counting.update(|c| {
            c.counted = counted;
            c.total = total;
            c.elapsed_ms = now_ms() - started;
        });
    }

    /// Counts the messages of the opened trajectory when the tokenizer is ready (never loads
    /// it by itself): for the reader's per-message counts.
    pub fn count_messages_of(self, trajectory: Arc<Trajectory>) {
        Effect::new(move |_| {
            if self.status.get() != ModelStatus::Ready {
                return;
            }
            let model = self.model_id.get_untracked();
            let key = Arc::as_ptr(&trajectory) as usize;
            let done = self
                .message_counts
                .with_untracked(|m| m.as_ref().is_some_and(|(k, m, _)| *k == key && *m == model));
            if done {
                return;
            }
            let texts: Vec<String> = trajectory.messages.iter().map(message_text).collect();
            spawn_local(async move {
                if let Ok(counts) = self.count(texts).await {
                    self.message_counts.set(Some((key, model, Arc::new(counts))));
                }
            });
        });
    }

    /// The exact count of message `idx` of `trajectory`, when known (tracks the counts).
    pub fn message_count(self, trajectory: &Arc<Trajectory>, idx: usize) -> Option<u32> {
        let key = Arc::as_ptr(trajectory) as usize;
        self.message_counts.with(|m| match m {
            Some((k, _, counts)) if *k == key => counts.get(idx).copied(),
            _ => None,
        })
    }
}

/// The next rows to count from `cursor`: (row index, trajectory) pairs of about
/// [`BATCH_BYTES`] of text, the next cursor, and how many rows without messages were passed.
fn next_batch(
    session: Session,
    cursor: usize,
    model: &str,
) -> (Vec<(usize, Arc<Trajectory>)>, usize, usize) {
    session.rows.with_untracked(|rows| {
        let mut batch = Vec::new();
        let mut bytes = 0;
        let mut skipped = 0;
        let mut idx = cursor;
        while idx < rows.len() && bytes < BATCH_BYTES {
            let row = &rows[idx];
            idx += 1;
            if row.metrics.tokens_are_exact() == Some(model) {
                continue;
            }
            if row.lite {
                skipped += 1;
                continue;
            }
            bytes += text_len(&row.trajectory);
            batch.push((idx - 1, Arc::clone(&row.trajectory)));
        }
        (batch, idx, skipped)
    })
}

/// The model id input, the "Exact token counts" button and where counting stands.
#[component]
pub fn TokenizerControl() -> impl IntoView {
    let model = expect_context::<ModelState>();
    let state = expect_context::<AppState>();
    let session = state.session;
    let draft = RwSignal::new(model.model_id.get_untracked());
    let start = move |_| {
        let id = draft.get_untracked().trim().to_owned();
        if id != model.model_id.get_untracked() {
            model.model_id.set(id.clone());
        }
        state.navigate(false, |l| {
            l.tokenizer = (id != DEFAULT_MODEL).then(|| id.clone());
        });
        model.load();
        model.count_rows(session);
    };
    let stop = move |_| model.stop_counting();
    let status = move || {
        let counting = model.counting.get();
        let status = model.status.get();
        let mut parts = Vec::new();
        if status != ModelStatus::Ready || !counting.active {
            parts.push(status.describe());
        }
        if counting.active || counting.counted > 0 {
            parts.push(format!(
                "{} / {} rows counted",
                group_digits(counting.counted),
                group_digits(counting.total)
            ));
        }
        if counting.skipped > 0 {
            parts.push(format!("{} rows not in memory, left estimated", counting.skipped));
        }
        if counting.bytes > 0 && counting.elapsed_ms > 0.0 {
            parts.push(format!(
                "{:.1} MB/s",
                counting.bytes as f64 / 1e6 / (counting.elapsed_ms / 1000.0)
            ));
        }
        if let Some(origin) = counting.files_from {
            parts.push(match origin {
                FileOrigin::Cache => "files from the browser cache".to_owned(),
                FileOrigin::Network => "files downloaded".to_owned(),
            });
        }
        if let Some(error) = counting.error {
            parts.push(error);
        }
        parts.join(" · ")
    };
    let failed = move || matches!(model.status.get(), ModelStatus::Failed(_));
    view! {
        <div class="tx-tokenizer" data-testid="tokenizer-control">
            <label class="tx-tokenizer__model" title="Hub model id whose tokenizer.json counts tokens">
                <span class="tx-muted">"tokenizer"</span>
                <input
                    class="tx-input"
                    data-testid="tokenizer-model"
                    spellcheck="false"
                    prop:value=move || draft.get()
                    on:input=move |ev| draft.set(event_target_value(&ev))
                />
            </label>
            <button class="tx-button" data-testid="exact-tokens" on:click=start>
                "Exact token counts"
            </button>
            <Show when=move || model.counting.with(|c| c.active)>
                <button class="tx-button tx-button--quiet" data-testid="exact-tokens-stop" on:click=stop>
                    "Stop counting"
                </button>
            </Show>
            <span class="tx-muted" class:tx-error=failed data-testid="tokenizer-status">
                {status}
            </span>
        </div>
    }
}

/// The label of the token figures of the rows passing the filter: `tokens (exact, MODEL)` or
/// `tokens (estimated)` (or exact for some rows while counting), for columns, filters and charts.
pub fn tokens_label(session: Session) -> String {
    session.selection.with(|selection| {
        session.rows.with(|rows| {
            TokenBasis::of(
                selection.passing.iter().filter_map(|&i| rows.get(i)).map(|r| &*r.metrics),
            )
            .label()
        })
    })
}

/// The reader's exact count of one trajectory, and the trigger of its per-message counts.
#[component]
pub fn ExactTokens(trajectory: Arc<Trajectory>) -> impl IntoView {
    // A reader mounted on its own (tests, embeds) has no model: no exact counts then.
    let Some(model) = use_context::<ModelState>() else {
        return ().into_any();
    };
    model.count_messages_of(Arc::clone(&trajectory));
    let whole = RwSignal::new(None::<(String, u32)>);
    Effect::new(move |_| {
        if model.status.get() != ModelStatus::Ready {
            return;
        }
        // Built only once a tokenizer is ready: opening a trajectory does not pay for it.
        let text = trajectory_text(&trajectory);
        let id = model.model_id.get_untracked();
        spawn_local(async move {
            if let Ok(counts) = model.count(vec![text]).await {
                whole.set(counts.first().map(|n| (id, *n)));
            }
        });
    });
    (move || {
        match whole.get() {
        Some((id, n)) => view! {
            <div class="tx-metrics__item" data-metric="exact_tokens" title=format!("counted with the tokenizer of {id}")>
                <dt class="tx-metrics__label">{format!("Tokens (exact, {id})")}</dt>
                <dd class="tx-metrics__value" data-testid="exact-tokens-value">{group_digits(n as usize)}</dd>
            </div>
        }
        .into_any(),
        None => view! {
            <div class="tx-metrics__item" data-metric="exact_tokens">
                <dt class="tx-metrics__label">"Exact tokens"</dt>
                <dd class="tx-metrics__value">
                    <button
                        class="tx-button tx-button--quiet"
                        data-testid="exact-tokens-reader"
                        title=move || format!("count with the tokenizer of {}", model.model_id.get())
                        disabled=move || matches!(model.status.get(), ModelStatus::LoadingFiles | ModelStatus::LoadingTokenizer)
                        on:click=move |_| model.load()
                    >
                        {move || match model.status.get() {
                            ModelStatus::Idle => "count".to_owned(),
                            status => status.describe(),
                        }}
                    </button>
                </dd>
            </div>
        }
        .into_any(),
    }
    })
    .into_any()
}

/// A message's exact token count in the reader, once counted.
#[component]
pub fn MessageTokens(trajectory: Arc<Trajectory>, idx: usize) -> impl IntoView {
    let Some(model) = use_context::<ModelState>() else {
        return ().into_any();
    };
    (move || {
        model.message_count(&trajectory, idx).map(|n| {
            view! {
                <span
                    class="tx-message__tokens tx-muted"
                    data-testid="message-tokens"
                    title=move || format!("exact tokens, tokenizer of {}", model.model_id.get())
                >
                    {format!("{} tokens", group_digits(n as usize))}
                </span>
            }
        })
    })
    .into_any()
}
