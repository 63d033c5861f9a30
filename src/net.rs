//! The network layer (browser only): the only code that talks to the network.
//!
//! [`HubClient`] (in `hub`) reads Hugging Face datasets and JSONL files at any URL: JSON calls,
//! streaming bodies, range requests, retries. [`AbortHandle`] cancels and pauses what a client
//! reads. [`model_file`] gets a model repo's files (tokenizer) through Cache Storage.
//! [`check_url`] says which URLs the page agrees to fetch. The Performance API marks
//! [`MARK_STREAM_START`], [`MARK_FIRST_ROW`] and [`MARK_STREAM_END`] time a reading, so
//! benchmarks can read them from outside. Nothing here knows about the UI.

mod hub;
mod model;

use wasm_bindgen::{JsCast, JsValue};

pub use hub::{sleep_ms, HubClient, ParquetEnds, SplitBatch, SplitProgress, ROWS_PAGE};
pub use model::{clear_model_cache, model_file, FileOrigin, MODEL_CACHE};

/// Performance mark set when reading starts.
pub const MARK_STREAM_START: &str = "trajex:stream-start";
/// Performance mark set when the first row has been read.
pub const MARK_FIRST_ROW: &str = "trajex:first-row";
/// Performance mark set when the whole source has been read.
pub const MARK_STREAM_END: &str = "trajex:stream-end";

/// Accepts a URL relative to the page or an absolute `http:`/`https:` URL; refuses every other
/// scheme (`javascript:`, `data:`, `file:`, `blob:`, ...), with a message ending with the URL.
pub fn check_url(url: &str) -> Result<(), String> {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| "http://localhost/".to_owned());
    match web_sys::Url::new_with_base(url, &base) {
        Ok(resolved) if matches!(resolved.protocol().as_str(), "http:" | "https:") => Ok(()),
        _ => Err(format!("only relative or http(s) URLs can be opened: {url}")),
    }
}

/// Cancels a download: a wrapper around the browser's `AbortController`.
///
/// One handle can cancel any number of downloads started with it; once aborted it stays so.
/// It also pauses them: a paused download stops reading (the connection's flow control holds
/// the server back) until resumed. Clones share the same controller and pause flag.
#[derive(Clone, Debug)]
pub struct AbortHandle {
    controller: Option<web_sys::AbortController>,
    paused: std::rc::Rc<std::cell::Cell<bool>>,
}

impl AbortHandle {
    /// A new handle. (Without `AbortController` support, downloads just cannot be cancelled.)
    pub fn new() -> Self {
        AbortHandle { controller: web_sys::AbortController::new().ok(), paused: Default::default() }
    }

    /// Pauses or resumes the downloads using this handle.
    pub fn set_paused(&self, paused: bool) {
        self.paused.set(paused);
    }

    /// Whether the downloads are paused.
    pub fn is_paused(&self) -> bool {
        self.paused.get()
    }

    /// Waits while paused (checking every 100 ms); returns at once when not paused or aborted.
    pub async fn wait_while_paused(&self) {
        while self.is_paused() && !self.is_aborted() {
            hub::sleep_ms(100).await;
        }
    }

    /// The pause between two pieces of a download (a chunk, a row group, a page): waits while
    /// paused, and lets the browser handle input and paint when the page has been busy for
    /// [`BUSY_MS`] (see [`yield_if_busy`]).
    pub async fn checkpoint(&self) {
        self.wait_while_paused().await;
        yield_if_busy().await;
    }

    /// Cancels the downloads using this handle; pending reads end with a `cancelled` error.
    pub fn abort(&self) {
        if let Some(controller) = &self.controller {
            controller.abort();
        }
    }

    /// Whether [`AbortHandle::abort`] was called.
    pub fn is_aborted(&self) -> bool {
        self.signal().is_some_and(|signal| signal.aborted())
    }

    fn signal(&self) -> Option<web_sys::AbortSignal> {
        self.controller.as_ref().map(web_sys::AbortController::signal)
    }
}

impl Default for AbortHandle {
    fn default() -> Self {
        Self::new()
    }
}

fn performance() -> Option<web_sys::Performance> {
    web_sys::window()?.performance()
}

/// Sets a Performance API mark; timing is best effort, so failures are ignored.
pub fn mark(name: &str) {
    if let Some(performance) = performance() {
        let _ = performance.mark(name);
    }
}

/// Clears Performance API marks of these names.
pub fn clear_marks(names: &[&str]) {
    if let Some(performance) = performance() {
        for name in names {
            performance.clear_marks_with_mark_name(name);
        }
    }
}

/// Milliseconds on the Performance API clock (0 without one).
pub fn now_ms() -> f64 {
    performance().map_or(0.0, |p| p.now())
}

/// Milliseconds the page may read and decode rows before it lets the browser handle input and
/// paint. A fetch body whose chunks are already there resolves each read at once (a
/// microtask), so without this a fast stream ran for 100 ms and more between two frames.
pub const BUSY_MS: f64 = 30.0;

thread_local! {
    /// When [`yield_if_busy`] last gave the browser a turn (Performance API milliseconds).
    static LAST_YIELD: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Yields to the browser's event loop ([`yield_now`]) when the last yield was [`BUSY_MS`] ago
/// or more; returns at once otherwise.
pub async fn yield_if_busy() {
    if now_ms() - LAST_YIELD.get() < BUSY_MS {
        return;
    }
    yield_now().await;
    LAST_YIELD.set(now_ms());
}

/// Lets the browser run its pending tasks (input, rendering) before going on:
/// `scheduler.yield()` where the browser has it (its continuation keeps its place ahead of
/// other tasks), a zero-delay timer otherwise.
pub async fn yield_now() {
    let scheduler = js_sys::Reflect::get(&js_sys::global(), &"scheduler".into())
        .ok()
        .filter(JsValue::is_object);
    let promise = scheduler.and_then(|scheduler| {
        let yield_fn = js_sys::Reflect::get(&scheduler, &"yield".into()).ok()?;
        let yield_fn = yield_fn.dyn_into::<js_sys::Function>().ok()?;
        yield_fn.call0(&scheduler).ok()?.dyn_into::<js_sys::Promise>().ok()
    });
    match promise {
        Some(promise) => {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
        None => hub::sleep_ms(0).await,
    }
}

/// A readable message for a JavaScript exception (an `Error`, a `DOMException`, a string).
fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(error.name()), String::from(error.message()));
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
