//! The network layer (browser only): the only code that talks to the network.
//!
//! [`stream_jsonl`] fetches a JSONL file with `fetch` and reads the body as a stream of byte
//! chunks, so rows show up while the file is still downloading. Each chunk goes through
//! [`JsonlIngest`], which feeds the core's [`JsonlDecoder`] and normalizes every decoded
//! row; the caller gets one [`Batch`] per chunk (trajectories, line errors, progress). Nothing
//! here knows about the UI. [`AbortHandle`] cancels a download (an `AbortController`).
//!
//! Performance API marks, for measuring a load from the browser's dev tools or a test:
//! [`MARK_STREAM_START`] (before the request), [`MARK_FIRST_ROW`] (first row decoded, good or
//! bad) and [`MARK_STREAM_END`] (whole body read and decoded). Each load clears the previous
//! load's marks.

mod hub;
mod page;

use std::fmt;

use futures_util::StreamExt;
use wasm_bindgen::{JsCast, JsValue};

use crate::domain::normalize::normalize_decoded;
use crate::domain::stream::{JsonlDecoder, LineError, RowResult};
use crate::domain::trajectory::{Origin, Trajectory};

pub use hub::{sleep_ms, HubClient, SplitBatch, SplitProgress, ROWS_PAGE};
pub use page::{check_url, requested_file, DEFAULT_FILE};

/// Performance mark set just before the request is sent.
pub const MARK_STREAM_START: &str = "trajex:stream-start";
/// Performance mark set when the first row (or line error) has been decoded.
pub const MARK_FIRST_ROW: &str = "trajex:first-row";
/// Performance mark set when the whole body has been read and decoded.
pub const MARK_STREAM_END: &str = "trajex:stream-end";

/// How far a download has got.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Progress {
    /// Body bytes received so far (after any content decoding by the browser).
    pub bytes: u64,
    /// The `Content-Length` header, when the server sent one. Only a hint: for a compressed
    /// response it counts compressed bytes, so `bytes` can end up larger.
    pub total_bytes: Option<u64>,
    /// Rows decoded and normalized into trajectories.
    pub rows: u64,
    /// Lines that could not be decoded (see [`Batch::errors`]).
    pub errors: u64,
    /// Milliseconds since the request was sent.
    pub elapsed_ms: f64,
}

/// What one chunk of the body produced, in stream order.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    /// The rows completed by the chunk, normalized.
    pub trajectories: Vec<Trajectory>,
    /// The lines completed by the chunk that are not JSON rows.
    pub errors: Vec<LineError>,
    /// Totals after this chunk.
    pub progress: Progress,
}

/// Why a download failed. The message always ends with the URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FetchError {
    /// The URL is not relative and not `http:`/`https:` (a `javascript:` or `data:` URL, ...).
    UnsupportedUrl {
        /// The URL as given.
        url: String,
    },
    /// The request could not be made: network down, CORS refused, bad host, ...
    Request {
        /// The browser's message.
        message: String,
        /// The URL as given.
        url: String,
    },
    /// The server answered with an HTTP error status.
    Status {
        /// The HTTP status code.
        status: u16,
        /// The status text (`Not Found`), possibly empty.
        status_text: String,
        /// The URL as given.
        url: String,
    },
    /// The response has no body to read.
    NoBody {
        /// The URL as given.
        url: String,
    },
    /// The connection broke while the body was being read.
    Read {
        /// The browser's message.
        message: String,
        /// The URL as given.
        url: String,
    },
    /// The download was cancelled through its [`AbortHandle`].
    Aborted {
        /// The URL as given.
        url: String,
    },
}

impl FetchError {
    /// The URL the error is about.
    pub fn url(&self) -> &str {
        match self {
            FetchError::UnsupportedUrl { url }
            | FetchError::Request { url, .. }
            | FetchError::Status { url, .. }
            | FetchError::NoBody { url }
            | FetchError::Read { url, .. }
            | FetchError::Aborted { url } => url,
        }
    }

    /// Whether the download was cancelled rather than failed.
    pub fn is_aborted(&self) -> bool {
        matches!(self, FetchError::Aborted { .. })
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::UnsupportedUrl { url } => {
                write!(f, "only relative or http(s) URLs can be opened: {url}")
            }
            FetchError::Request { message, url } => write!(f, "request failed ({message}): {url}"),
            FetchError::Status { status, status_text, url } if status_text.is_empty() => {
                write!(f, "HTTP {status}: {url}")
            }
            FetchError::Status { status, status_text, url } => {
                write!(f, "HTTP {status} {status_text}: {url}")
            }
            FetchError::NoBody { url } => write!(f, "the response has no body: {url}"),
            FetchError::Read { message, url } => {
                write!(f, "reading the response failed ({message}): {url}")
            }
            FetchError::Aborted { url } => write!(f, "cancelled: {url}"),
        }
    }
}

impl std::error::Error for FetchError {}

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

    /// Cancels the downloads using this handle; the pending [`stream_jsonl`] calls return
    /// [`FetchError::Aborted`].
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

/// Bytes in, trajectories and line errors out: the decoding half of [`stream_jsonl`], with no
/// IO, so it can be fed from anywhere (tests feed it a bundled file).
///
/// Rows are numbered (`SourceRef::row_idx`, from 0) in stream order counting line errors too,
/// so a row's index matches its position among the file's non-blank lines.
#[derive(Debug)]
pub struct JsonlIngest {
    url: String,
    decoder: JsonlDecoder,
    next_row_idx: u64,
    progress: Progress,
}

impl JsonlIngest {
    /// Starts decoding the file at `url` (recorded as `Origin::File { path: url }`).
    pub fn new(url: &str) -> Self {
        JsonlIngest {
            url: url.to_owned(),
            decoder: JsonlDecoder::new(),
            next_row_idx: 0,
            progress: Progress::default(),
        }
    }

    /// Decodes one chunk (cut anywhere) and returns what it completed.
    pub fn push(&mut self, chunk: &[u8]) -> Batch {
        self.progress.bytes += chunk.len() as u64;
        let mut results = Vec::new();
        self.decoder.push(chunk, |result| results.push(result));
        self.batch(results)
    }

    /// Ends the stream: decodes a last line that had no terminator.
    pub fn finish(&mut self) -> Batch {
        let mut results = Vec::new();
        self.decoder.finish(|result| results.push(result));
        self.batch(results)
    }

    /// Totals so far.
    pub fn progress(&self) -> Progress {
        self.progress
    }

    fn batch(&mut self, results: Vec<RowResult>) -> Batch {
        let mut batch = Batch::default();
        for result in results {
            let row_idx = self.next_row_idx;
            self.next_row_idx += 1;
            match result {
                Ok(row) => {
                    let origin = Origin::File { path: self.url.clone() };
                    batch.trajectories.push(normalize_decoded(row, origin, row_idx));
                }
                Err(error) => batch.errors.push(error),
            }
        }
        self.progress.rows += batch.trajectories.len() as u64;
        self.progress.errors += batch.errors.len() as u64;
        batch.progress = self.progress;
        batch
    }
}

/// Downloads the JSONL file at `url` and decodes it as it arrives.
///
/// `on_batch` is called once per received chunk (also when the chunk completed no line, so
/// byte progress moves) and once at the end of the body; it gets the chunk's trajectories and
/// line errors in stream order, with the running totals. Returns the final totals, or why the
/// download stopped (rows already passed to `on_batch` stay valid). Cancel it with `abort`.
pub async fn stream_jsonl(
    url: &str,
    abort: &AbortHandle,
    mut on_batch: impl FnMut(Batch),
) -> Result<Progress, FetchError> {
    let clock = Clock::start();
    let signal = abort.signal();
    let fail = |make: fn(String, String) -> FetchError, message: String| {
        if abort.is_aborted() {
            FetchError::Aborted { url: url.to_owned() }
        } else {
            make(message, url.to_owned())
        }
    };

    let response =
        gloo_net::http::Request::get(url).abort_signal(signal.as_ref()).send().await.map_err(
            |err| fail(|message, url| FetchError::Request { message, url }, err.to_string()),
        )?;
    if !response.ok() {
        return Err(FetchError::Status {
            status: response.status(),
            status_text: response.status_text(),
            url: url.to_owned(),
        });
    }
    let total_bytes = response.headers().get("content-length").and_then(|v| v.trim().parse().ok());
    let body = response.body().ok_or_else(|| FetchError::NoBody { url: url.to_owned() })?;

    let mut ingest = JsonlIngest::new(url);
    let mut seen_first_row = false;
    let mut deliver = |mut batch: Batch| {
        if !seen_first_row && (batch.progress.rows + batch.progress.errors) > 0 {
            seen_first_row = true;
            mark(MARK_FIRST_ROW);
        }
        batch.progress.total_bytes = total_bytes;
        batch.progress.elapsed_ms = clock.elapsed_ms();
        on_batch(batch);
    };

    let mut chunks = wasm_streams::ReadableStream::from_raw(body).into_stream();
    while let Some(chunk) = chunks.next().await {
        abort.wait_while_paused().await;
        let chunk = chunk.map_err(|err| {
            fail(|message, url| FetchError::Read { message, url }, js_message(&err))
        })?;
        let bytes = js_sys::Uint8Array::new(&chunk).to_vec();
        deliver(ingest.push(&bytes));
    }
    deliver(ingest.finish());
    mark(MARK_STREAM_END);

    let mut progress = ingest.progress();
    progress.total_bytes = total_bytes;
    progress.elapsed_ms = clock.elapsed_ms();
    Ok(progress)
}

/// Milliseconds from the start of a load, from the Performance API; also sets the start mark.
struct Clock {
    performance: Option<web_sys::Performance>,
    start: f64,
}

impl Clock {
    fn start() -> Self {
        let performance = performance();
        if let Some(performance) = &performance {
            for name in [MARK_STREAM_START, MARK_FIRST_ROW, MARK_STREAM_END] {
                performance.clear_marks_with_mark_name(name);
            }
        }
        mark(MARK_STREAM_START);
        let start = performance.as_ref().map_or(0.0, web_sys::Performance::now);
        Clock { performance, start }
    }

    fn elapsed_ms(&self) -> f64 {
        self.performance.as_ref().map_or(0.0, |p| p.now() - self.start)
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

/// A readable message for a JavaScript exception (an `Error`, a `DOMException`, a string).
fn js_message(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return format!("{}: {}", String::from(error.name()), String::from(error.message()));
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
