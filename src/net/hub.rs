//! The Hugging Face client in the browser: JSON calls to the Hub and the dataset viewer, and
//! the three ways to get a split's rows ([`SplitSource`]): the repo's JSONL files streamed
//! through `/resolve/` (resumed with a range request after a cut connection), parquet files
//! read with range requests (the file's end and start at once: the footer, and the bytes of
//! the last and first row groups; then the spans between, row groups decoded by the core),
//! and the viewer's `/rows` pages.
//!
//! Failures come back as the core's [`HubError`]. Rate limits (429), `ResponseNotReady`, 5xx
//! and network failures are retried after the service's wait or an exponential backoff
//! ([`RetryPolicy`]); each wait is reported through the progress so the UI can say
//! "retrying in N s". No row is lost or delivered twice across retries: streams resume from
//! the last complete line, pages and row groups are fetched again whole.
//!
//! A token is sent as `Authorization: Bearer` only to Hugging Face hosts, unless the user
//! allowed other hosts (`token_everywhere`); it never goes into a URL.

use bytes::Bytes;
use futures_util::future::RemoteHandle;
use futures_util::{FutureExt, StreamExt};
use serde_json::Value;
use wasm_bindgen::JsCast;

use super::{js_message, AbortHandle};
use crate::domain::document::{read_file, FileKind, Gatherer};
use crate::domain::hub::resume::changed_error;
use crate::domain::hub::{
    choose_source, forced_source, parse_json, BodyRead, Endpoints, ErrorResponse, HubDatasetInfo,
    HubError, HubErrorKind, InfoResponse, ParquetFile, ParquetFilesResponse, ReadCounts,
    RetryPolicy, RowsPage, RowsQuery, SizeResponse, SplitRef, SplitSource, SplitsResponse, Take,
};
use crate::domain::link::SourceChoice;
use crate::domain::normalize::normalize_decoded;
use crate::domain::parquet::{
    decode_row_group, plan_reads, read_layout, HeldBytes, LayoutRead, HEAD_PREFETCH, MAX_READ_SPAN,
    TAIL_PROBE,
};
use crate::domain::stream::{DecodedRow, JsonlDecoder, RowKey, RowResult};
use crate::domain::trajectory::{Origin, Trajectory};

/// A `/rows` page as fetched: its URL, its body (or the error), and the waits before it.
type FetchedPage = (String, Result<Vec<u8>, HubError>, Vec<(HubError, u64)>);

/// Fetches the `/rows` (or `/filter`, `/search`) page at `offset`, with the client's retries
/// (a body cut short is asked for again whole).
async fn fetch_rows_page(
    client: &HubClient,
    abort: &AbortHandle,
    split: &SplitRef,
    query: &RowsQuery,
    offset: u64,
) -> FetchedPage {
    let url = client.endpoints.rows(split, query, offset, ROWS_PAGE);
    let mut waits = Vec::new();
    let mut read = BodyRead::answer(&url);
    let body = client
        .read_body(&mut read, abort, &mut |error, delay| waits.push((error.clone(), delay)))
        .await;
    (url, body, waits)
}

/// A parquet byte span as fetched: its bytes (or the error), the waits before it, the read's
/// counts and the file's `ETag` as the span's response gave it.
type FetchedSpan = (Result<Bytes, HubError>, Vec<(HubError, u64)>, ReadCounts, Option<String>);

/// Fetches bytes `start..end` of the file at `url` with range requests, with the client's
/// retries; a body cut short goes on from the bytes kept. `etag` is the file's validator (its
/// footer's response): a span of another version is a [`HubErrorKind::Changed`] error.
async fn fetch_span(
    client: HubClient,
    abort: AbortHandle,
    url: String,
    start: u64,
    end: u64,
    etag: Option<String>,
) -> FetchedSpan {
    let mut waits = Vec::new();
    let mut read = BodyRead::new(&url, start, Some(end)).with_validator(etag.as_deref());
    let body = client
        .read_body(&mut read, &abort, &mut |error, delay| waits.push((error.clone(), delay)))
        .await
        .map(Bytes::from);
    (body, waits, read.counts, read.validator().map(str::to_owned))
}

/// Parquet spans requested ahead of the one being decoded (count, the current one included):
/// the next spans download while the page decodes.
///
/// Three, not two: while the page decodes, the browser reads a response body only in the
/// gaps between decoding tasks, so a span asked for one span ahead was often not all there
/// when its turn came, and the page waited for it (20–40 ms in a trace on loopback). Asked
/// for two spans ahead, it has arrived. The gain is small against the noise of this machine:
/// on the 106 MB bench split (9.3 MB parquet, 4 MiB spans), `e2e/ab.mjs` gave 613 ms against
/// 627 (16 loads each) and 621 against 655 (12 loads), trimmed means of the whole split; one
/// 6-load run showed the reverse (633 against 616). The first row comes ~15 ms later (its
/// span shares the link with two big ones). Four in flight measured the same as three.
const SPANS_IN_FLIGHT: usize = 3;

/// Rows asked per `/rows` call when streaming a split that way (rows are large).
pub const ROWS_PAGE: u64 = 10;

/// `/rows` calls in flight at once when streaming a split that way (count).
pub const ROWS_IN_FLIGHT: usize = 4;

/// The client: where the services are, the token, and how to retry.
#[derive(Clone, Debug, Default)]
pub struct HubClient {
    /// Base URLs.
    pub endpoints: Endpoints,
    /// A Hugging Face token for gated or private datasets.
    pub token: Option<String>,
    /// Also send the token to hosts that are not Hugging Face's (a mirror the user trusts).
    pub token_everywhere: bool,
    /// When to retry.
    pub retry: RetryPolicy,
    /// How much of a parquet file's two ends is read first.
    pub parquet_ends: ParquetEnds,
}

/// How many bytes of a parquet file's end and start a [`HubClient`] asks for first, beside
/// each other (bytes). The defaults are the core's [`TAIL_PROBE`] and [`HEAD_PREFETCH`];
/// tests set small ones to read a small file in several pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParquetEnds {
    /// Bytes of the end (footer, metadata and the last groups' bytes).
    pub tail: u64,
    /// Bytes of the start, asked for only when the tail does not hold the whole file; 0 for
    /// none.
    pub head: u64,
}

impl Default for ParquetEnds {
    fn default() -> Self {
        ParquetEnds { tail: TAIL_PROBE, head: HEAD_PREFETCH }
    }
}

/// A response that arrived with a success status.
struct Fetched {
    response: web_sys::Response,
    status: u16,
}

impl Fetched {
    fn header(&self, name: &str) -> Option<String> {
        self.response.headers().get(name).ok().flatten()
    }

    async fn bytes(self, url: &str) -> Result<Vec<u8>, HubError> {
        let promise =
            self.response.array_buffer().map_err(|err| HubError::network(url, js_message(&err)))?;
        let buffer = wasm_bindgen_futures::JsFuture::from(promise)
            .await
            .map_err(|err| HubError::network(url, js_message(&err)))?;
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    }

    /// Judges this response for `read` (status, `Content-Range`, `ETag`).
    fn take(&self, read: &mut BodyRead) -> Result<Take, HubError> {
        let (range, etag) = (self.header("content-range"), self.header("etag"));
        read.on_response(self.status, range.as_deref(), etag.as_deref())
    }

    /// The body as a stream of chunks.
    fn chunks(&self, url: &str) -> Result<BodyChunks, HubError> {
        let body = self
            .response
            .body()
            .ok_or_else(|| HubError::network(url, "the response has no body"))?;
        Ok(BodyChunks(wasm_streams::ReadableStream::from_raw(body).into_stream()))
    }
}

/// A response body read a chunk at a time; an error is the connection lost mid-body.
struct BodyChunks(wasm_streams::readable::IntoStream<'static>);

impl BodyChunks {
    async fn next(&mut self) -> Option<Result<Vec<u8>, String>> {
        let chunk = self.0.next().await?;
        Some(match chunk {
            // Fetch body streams yield Uint8Arrays: copy each once, straight into wasm memory
            // (`new Uint8Array(chunk)` would copy it once more in JS).
            Ok(chunk) => Ok(match chunk.dyn_into::<js_sys::Uint8Array>() {
                Ok(view) => view.to_vec(),
                Err(other) => js_sys::Uint8Array::new(&other).to_vec(),
            }),
            Err(err) => Err(js_message(&err)),
        })
    }
}

/// A number in `[0, 1)` to spread backoff waits (`Math.random`).
fn jitter() -> f64 {
    js_sys::Math::random()
}

/// Progress of reading a split.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SplitProgress {
    /// How the rows are read ([`SplitSource::describe`]).
    pub source: String,
    /// Rows delivered (count).
    pub rows: u64,
    /// Rows that could not be read (count).
    pub errors: u64,
    /// Bytes received (bytes).
    pub bytes: u64,
    /// Rows in the split, when known.
    pub total_rows: Option<u64>,
    /// Retries so far (count).
    pub retries: u32,
    /// Of those, reads that went on from a byte offset with a range request (count).
    pub resumed: u64,
    /// Times the read started again from zero because a file changed (count).
    pub restarted: u64,
    /// What is happening now, when it is worth saying (`rate limited: retrying in 3 s`).
    pub notice: Option<String>,
}

/// What one step of reading a split produced.
#[derive(Clone, Debug, Default)]
pub struct SplitBatch {
    /// Normalized rows, in split order.
    pub trajectories: Vec<Trajectory>,
    /// The source bytes of each row (a JSONL line, or the row serialized as JSON), in the same
    /// order, when asked for with `keep_raw`.
    pub raw: Vec<Vec<u8>>,
    /// Where each row's bytes are, in the same order: a consumer that writes rows (the
    /// export) admits each key once ([`OnceGuard`](crate::domain::stream::OnceGuard)).
    pub keys: Vec<RowKey>,
    /// Rows that could not be read: (row index, reason).
    pub errors: Vec<(u64, String)>,
    /// Where each error's bytes are, in the same order as `errors`.
    pub error_keys: Vec<RowKey>,
    /// Everything delivered before this batch is void (a file changed while it was read, and
    /// the read started again from zero): drop it, rows, errors and counts.
    pub restart: bool,
    /// Totals after this batch.
    pub progress: SplitProgress,
}

impl HubClient {
    /// A client for `endpoints`, without a token.
    pub fn new(endpoints: Endpoints) -> Self {
        HubClient { endpoints, ..Default::default() }
    }

    /// One GET of `url` with `headers` (`Range`, `If-Range`); the response once its status
    /// is a success, else the service's error.
    async fn get_once(
        &self,
        url: &str,
        headers: &[(&'static str, String)],
        abort: &AbortHandle,
    ) -> Result<Fetched, HubError> {
        if abort.is_aborted() {
            return Err(aborted(url));
        }
        // Data (file bodies and ranges) bypasses the HTTP cache: a split can be gigabytes, and a
        // resumed stream must get the bytes it asks for. API answers may be cached.
        let data = !headers.is_empty() || url.contains("/resolve/") || url.ends_with(".parquet");
        let cache =
            if data { web_sys::RequestCache::NoStore } else { web_sys::RequestCache::Default };
        let mut request =
            gloo_net::http::Request::get(url).abort_signal(abort.signal().as_ref()).cache(cache);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        if let Some(token) = self.token.as_deref().filter(|t| !t.is_empty()) {
            if self.token_everywhere || Endpoints::is_hugging_face_url(url) {
                request = request.header("Authorization", &format!("Bearer {token}"));
            }
        }
        let response = request.send().await.map_err(|err| {
            if abort.is_aborted() {
                aborted(url)
            } else {
                HubError::network(url, err.to_string())
            }
        })?;
        let status = response.status();
        let raw: web_sys::Response = response.into();
        if (200..300).contains(&status) {
            return Ok(Fetched { response: raw, status });
        }
        let fetched = Fetched { response: raw, status };
        let (code, rate_limit, retry_after) = (
            fetched.header("x-error-code"),
            fetched.header("ratelimit"),
            fetched.header("retry-after"),
        );
        let body = fetched.bytes(url).await.unwrap_or_default();
        Err(HubError::from_response(
            url,
            &ErrorResponse {
                status,
                error_code: code.as_deref(),
                rate_limit: rate_limit.as_deref(),
                retry_after: retry_after.as_deref(),
                body: &body,
            },
        ))
    }

    /// Reads the body `read` describes to its end, with the client's retries: a failed try
    /// (an error status that may pass, a connection lost mid-body, a span cut short) is tried
    /// again after the wait `read` gives, from the first byte not kept. A whole file that
    /// changes is read again from the start; a span of a changed file is a
    /// [`HubErrorKind::Changed`] error (its file's layout is void). `on_wait` hears about each
    /// wait (the error, ms).
    async fn read_body(
        &self,
        read: &mut BodyRead,
        abort: &AbortHandle,
        on_wait: &mut dyn FnMut(&HubError, u64),
    ) -> Result<Vec<u8>, HubError> {
        let url = read.url().to_owned();
        let mut buf = Vec::new();
        loop {
            let error = match self.get_once(&url, &read.request_headers(), abort).await {
                Err(error) => error,
                Ok(fetched) => match self.take_body(&fetched, read, &mut buf, abort).await? {
                    None => return Ok(buf),
                    Some(error) => error,
                },
            };
            if abort.is_aborted() {
                return Err(aborted(&url));
            }
            let delay = read.on_failure(&error, &self.retry, jitter())?;
            buf.truncate((read.offset() - read.start()) as usize);
            on_wait(&error, delay);
            sleep_ms(delay).await;
            if abort.is_aborted() {
                return Err(aborted(&url));
            }
        }
    }

    /// Adds the body of `fetched` to `buf` as `read` judges it; `Ok(None)` once the body is
    /// whole, `Ok(Some(error))` for a failure worth another try.
    async fn take_body(
        &self,
        fetched: &Fetched,
        read: &mut BodyRead,
        buf: &mut Vec<u8>,
        abort: &AbortHandle,
    ) -> Result<Option<HubError>, HubError> {
        let url = read.url().to_owned();
        let mut skip = match fetched.take(read)? {
            Take::Continue { skip } => skip,
            Take::Changed { was, now } if read.is_span() => {
                return Err(changed_error(&url, was.as_deref(), now.as_deref()))
            }
            Take::Changed { now, .. } => {
                buf.clear();
                read.restart(now.as_deref());
                if fetched.status != 200 {
                    // Not the whole new file: ask for it again from the start.
                    let message = "the file changed while it was read; asking for it again";
                    return Ok(Some(HubError::network(&url, message)));
                }
                read.start()
            }
        };
        let mut chunks = fetched.chunks(&url)?;
        while let Some(chunk) = chunks.next().await {
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(message) => {
                    return Ok(Some(HubError::network(&url, format!("connection lost: {message}"))))
                }
            };
            if abort.is_aborted() {
                return Err(aborted(&url));
            }
            let mut bytes = &chunk[..];
            let n = (skip as usize).min(bytes.len());
            bytes = &bytes[n..];
            skip -= n as u64;
            if let Some(remaining) = read.remaining() {
                bytes = &bytes[..bytes.len().min(remaining as usize)];
            }
            buf.extend_from_slice(bytes);
            read.keep(bytes.len() as u64);
            if read.is_complete() {
                return Ok(None);
            }
        }
        if read.remaining().is_some_and(|r| r > 0) {
            return Ok(Some(HubError::network(&url, "the body ended before the span's last byte")));
        }
        Ok(None)
    }

    async fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        url: &str,
        abort: &AbortHandle,
    ) -> Result<T, HubError> {
        let body = self.read_body(&mut BodyRead::answer(url), abort, &mut |_, _| {}).await?;
        parse_json(&body, url)
    }

    /// The whole body of a file at `url` (a resolve URL of a dataset or model repo), with the
    /// client's retries and token rules; a body cut short goes on with a range request.
    pub async fn file_bytes(&self, url: &str, abort: &AbortHandle) -> Result<Vec<u8>, HubError> {
        self.read_body(&mut BodyRead::new(url, 0, None), abort, &mut |_, _| {}).await
    }

    /// The dataset's (config, split) pairs (`/splits`).
    pub async fn splits(
        &self,
        split_of: &crate::domain::hub::DatasetId,
        abort: &AbortHandle,
    ) -> Result<SplitsResponse, HubError> {
        self.get_json(&self.endpoints.splits(split_of), abort).await
    }

    /// Rows and bytes per split (`/size`).
    pub async fn size(
        &self,
        dataset: &crate::domain::hub::DatasetId,
        abort: &AbortHandle,
    ) -> Result<SizeResponse, HubError> {
        self.get_json(&self.endpoints.size(dataset), abort).await
    }

    /// A config's features and split sizes (`/info`).
    pub async fn info(
        &self,
        dataset: &crate::domain::hub::DatasetId,
        config: &str,
        abort: &AbortHandle,
    ) -> Result<InfoResponse, HubError> {
        self.get_json(&self.endpoints.info(dataset, config), abort).await
    }

    /// The parquet files of every split (`/parquet`).
    pub async fn parquet_files(
        &self,
        dataset: &crate::domain::hub::DatasetId,
        abort: &AbortHandle,
    ) -> Result<ParquetFilesResponse, HubError> {
        self.get_json(&self.endpoints.parquet_files(dataset), abort).await
    }

    /// The repo's info and files (`/api/datasets/{id}`).
    pub async fn dataset_info(
        &self,
        dataset: &crate::domain::hub::DatasetId,
        abort: &AbortHandle,
    ) -> Result<HubDatasetInfo, HubError> {
        self.get_json(&self.endpoints.dataset_info(dataset, None), abort).await
    }

    /// One page of rows (`/rows`, `/search` or `/filter`): random access, e.g. to open a shared
    /// link to one row before (and without) streaming the split.
    pub async fn rows_page(
        &self,
        split: &SplitRef,
        query: &RowsQuery,
        offset: u64,
        length: u64,
        abort: &AbortHandle,
    ) -> Result<RowsPage, HubError> {
        self.get_json(&self.endpoints.rows(split, query, offset, length), abort).await
    }

    /// Picks how to read a split ([`choose_source`]) from the repo's files and the parquet
    /// listing; a listing that fails only rules its path out.
    pub async fn source_of(
        &self,
        split: &SplitRef,
        abort: &AbortHandle,
    ) -> Result<SplitSource, HubError> {
        self.source_with(split, None, abort).await
    }

    /// Like [`source_of`](Self::source_of), but restricted to the path the user chose; an
    /// error when the repo does not offer it.
    pub async fn source_with(
        &self,
        split: &SplitRef,
        choice: Option<SourceChoice>,
        abort: &AbortHandle,
    ) -> Result<SplitSource, HubError> {
        let (repo, parquet) = futures_util::join!(
            self.dataset_info(&split.dataset, abort),
            self.parquet_files(&split.dataset, abort)
        );
        if abort.is_aborted() {
            return Err(aborted(&self.endpoints.splits(&split.dataset)));
        }
        if let Err(error) = &repo {
            if error.kind == HubErrorKind::Unauthorized {
                return Err(error.clone());
            }
        }
        let repo = repo.unwrap_or_default();
        let revision = repo.sha.clone().unwrap_or_else(|| "main".to_owned());
        let parquet = parquet.unwrap_or_default();
        let files = repo.files();
        match choice {
            None => Ok(choose_source(&self.endpoints, split, &files, &revision, &parquet)),
            Some(choice) => {
                forced_source(&self.endpoints, split, &files, &revision, &parquet, choice)
                    .ok_or_else(|| HubError {
                        kind: HubErrorKind::NotFound,
                        status: 404,
                        code: None,
                        message: format!("this split has no {} files", choice.as_str()),
                        url: self.endpoints.dataset_info(&split.dataset, None),
                        retry_after_seconds: None,
                    })
            }
        }
    }

    /// Reads every row from `source` (a split, or JSONL files at any URL), calling `on_batch`
    /// as rows arrive (at least once at the end); rows get `origin` and are numbered from 0 in
    /// order, each keyed by where its bytes are ([`SplitBatch::keys`]). A file that changes
    /// while it is read voids the read: a batch with `restart` says so, and every file is read
    /// again from the start (at most [`MAX_RESTARTS`] times). Stops early, with a network
    /// error saying `cancelled`, when `abort` fires.
    pub async fn stream(
        &self,
        origin: Origin,
        source: &SplitSource,
        keep_raw: bool,
        abort: &AbortHandle,
        on_batch: &mut dyn FnMut(SplitBatch),
    ) -> Result<SplitProgress, HubError> {
        let mut reader = SplitReader {
            client: self,
            origin,
            keep_raw,
            progress: SplitProgress { source: source.describe(), ..Default::default() },
            next_row_idx: 0,
            file_idx: 0,
            abort,
            on_batch,
        };
        loop {
            match reader.read_source(source).await {
                Ok(()) => break,
                Err(error)
                    if error.kind == HubErrorKind::Changed
                        && reader.progress.restarted < MAX_RESTARTS =>
                {
                    reader.start_again(&error)
                }
                Err(error) => return Err(error),
            }
        }
        let progress = reader.progress.clone();
        (reader.on_batch)(SplitBatch { progress: progress.clone(), ..Default::default() });
        Ok(progress)
    }
}

/// How many times a read starts again from zero when files change under it.
pub const MAX_RESTARTS: u64 = 3;

/// The state of one [`HubClient::stream`].
struct SplitReader<'a> {
    client: &'a HubClient,
    origin: Origin,
    keep_raw: bool,
    progress: SplitProgress,
    next_row_idx: u64,
    /// Index of the file being read in the source's list.
    file_idx: u32,
    abort: &'a AbortHandle,
    on_batch: &'a mut dyn FnMut(SplitBatch),
}

impl SplitReader<'_> {
    /// Reads every file of `source` in order.
    async fn read_source(&mut self, source: &SplitSource) -> Result<(), HubError> {
        match source {
            SplitSource::Jsonl { urls } => {
                for (idx, url) in urls.iter().enumerate() {
                    self.file_idx = idx as u32;
                    self.jsonl_file(url).await?;
                }
            }
            SplitSource::Parquet { files } => {
                self.progress.total_rows = None;
                for (idx, file) in files.iter().enumerate() {
                    self.file_idx = idx as u32;
                    self.parquet_file(file).await?;
                }
            }
            SplitSource::ViewerRows(split) => self.viewer_rows(split, &RowsQuery::All).await?,
            SplitSource::ViewerQuery(split, query) => self.viewer_rows(split, query).await?,
        }
        Ok(())
    }

    /// Voids what was delivered (a file changed: `error` says which) and starts counting
    /// again from zero; the next read goes over every file again.
    fn start_again(&mut self, error: &HubError) {
        self.next_row_idx = 0;
        self.progress.rows = 0;
        self.progress.errors = 0;
        self.progress.total_rows = None;
        self.progress.restarted += 1;
        self.progress.notice = Some(error.user_message());
        let progress = self.progress.clone();
        (self.on_batch)(SplitBatch { restart: true, progress, ..Default::default() });
    }

    fn key(&self, position: u64, part: u32) -> RowKey {
        RowKey { file: self.file_idx, position, part }
    }
    fn take_row_idx(&mut self) -> u64 {
        let row_idx = self.next_row_idx;
        self.next_row_idx += 1;
        row_idx
    }

    /// Adds a decoded row (or its error) to `batch`, keyed by `key`.
    fn add(&mut self, batch: &mut SplitBatch, raw: Option<&[u8]>, result: RowResult, key: RowKey) {
        let row_idx = self.take_row_idx();
        match result {
            Ok(row) => {
                batch.keys.push(key);
                if self.keep_raw {
                    batch.raw.push(match raw {
                        Some(bytes) => bytes.to_vec(),
                        None => serde_json::to_vec(&row.value).unwrap_or_default(),
                    });
                }
                batch.trajectories.push(normalize_decoded(row, self.origin.clone(), row_idx));
                self.progress.rows += 1;
            }
            Err(error) => {
                batch.errors.push((row_idx, error.to_string()));
                batch.error_keys.push(key);
                self.progress.errors += 1;
            }
        }
    }

    /// Adds a row given as a JSON value (a parquet row, a viewer row) at `position`.
    fn add_value(&mut self, batch: &mut SplitBatch, value: Value, position: u64) {
        let row =
            DecodedRow { value, line_no: 0, byte_offset: 0, byte_len: 0, diagnostics: Vec::new() };
        let key = self.key(position, 0);
        self.add(batch, None, Ok(row), key);
        if let Some(trajectory) = batch.trajectories.last_mut() {
            trajectory.source.line_no = None;
            trajectory.source.byte_offset = None;
        }
    }

    fn deliver(&mut self, mut batch: SplitBatch) {
        batch.progress = self.progress.clone();
        self.progress.notice = None;
        (self.on_batch)(batch);
    }

    /// Counts a retry (`resumed`: one that goes on from a byte offset) and says what it waits for.
    fn note_wait(progress: &mut SplitProgress, error: &HubError, delay_ms: u64, resumed: bool) {
        progress.retries += 1;
        progress.resumed += u64::from(resumed);
        progress.notice =
            Some(format!("{}; retrying in {} s", error.user_message(), delay_ms.div_ceil(1000)));
    }

    /// Streams one JSONL file; after a cut connection or a retryable error, asks again from the
    /// byte after the last complete line handed on, with a range request guarded by the file's
    /// `ETag` ([`BodyRead`]). A file that changed is a [`HubErrorKind::Changed`] error (the
    /// caller starts again).
    ///
    /// The file's kind is told from its start (up to its first line): JSONL is decoded as it
    /// arrives; anything else (a pretty-printed JSON document, one line holding an array of
    /// rows, a Parquet file, a zip archive of samples, as a `?file=` URL may name) is held
    /// whole and read by the core's [`read_file`] once complete.
    async fn jsonl_file(&mut self, url: &str) -> Result<(), HubError> {
        let mut read = BodyRead::new(url, 0, None);
        let mut decoder = JsonlDecoder::new();
        // One trajectory per run of event lines (a Claude Code session file opened by URL).
        let mut gatherer = Gatherer::new();
        // The file's first bytes while its kind is not known, then all of it if not JSONL.
        let mut held = Some(Vec::new());
        let mut streams_lines = false;
        loop {
            let client = self.client;
            let error = match client.get_once(url, &read.request_headers(), self.abort).await {
                Err(error) => error,
                Ok(fetched) => {
                    let mut skip = match fetched.take(&mut read)? {
                        Take::Continue { skip } => skip,
                        Take::Changed { was, now } => {
                            return Err(changed_error(url, was.as_deref(), now.as_deref()))
                        }
                    };
                    let mut chunks = fetched.chunks(url)?;
                    let mut failure = None;
                    while let Some(chunk) = chunks.next().await {
                        let chunk = match chunk {
                            Ok(chunk) => chunk,
                            Err(message) => {
                                failure = Some(message);
                                break;
                            }
                        };
                        self.abort.checkpoint().await;
                        let mut bytes = &chunk[..];
                        let n = (skip as usize).min(bytes.len());
                        bytes = &bytes[n..];
                        skip -= n as u64;
                        self.progress.bytes += bytes.len() as u64;
                        let probed;
                        if let Some(start) = held.as_mut().filter(|_| !streams_lines) {
                            start.extend_from_slice(bytes);
                            read.keep(bytes.len() as u64);
                            match kind_from_start(start) {
                                None | Some(false) => {
                                    // Not known yet, or held whole until the end.
                                    self.deliver(SplitBatch::default());
                                    continue;
                                }
                                Some(true) => {
                                    streams_lines = true;
                                    probed = held.take().unwrap_or_default();
                                    bytes = &probed;
                                }
                            }
                        }
                        let mut batch = SplitBatch::default();
                        let mut results = Vec::new();
                        let keep_raw = self.keep_raw;
                        decoder.push_with_bytes(bytes, |raw, result| {
                            results.push((if keep_raw { raw.to_vec() } else { Vec::new() }, result))
                        });
                        read.keep_until(decoder.resume_offset());
                        self.add_gathered(&mut gatherer, &mut batch, results, false);
                        self.deliver(batch);
                    }
                    match failure {
                        None => break,
                        Some(message) => {
                            HubError::network(url, format!("connection lost: {message}"))
                        }
                    }
                }
            };
            if self.abort.is_aborted() {
                return Err(aborted(url));
            }
            let resumes = read.offset() > 0;
            let delay = read.on_failure(&error, &self.client.retry, jitter())?;
            decoder.discard_pending();
            if let Some(start) = held.as_mut() {
                start.truncate(read.offset() as usize);
            }
            Self::note_wait(&mut self.progress, &error, delay, resumes);
            self.deliver(SplitBatch::default());
            sleep_ms(delay).await;
        }
        let mut batch = SplitBatch::default();
        if let Some(whole) = held {
            // Never found to be JSONL: read whole by the core; rows keyed by their order.
            for (position, (raw, result)) in read_file(&whole).into_iter().enumerate() {
                let key = self.key(position as u64, 0);
                self.add(&mut batch, raw.as_deref(), result, key);
            }
            self.deliver(batch);
            return Ok(());
        }
        let mut results = Vec::new();
        let keep_raw = self.keep_raw;
        decoder.finish_with_bytes(|raw, result| {
            results.push((if keep_raw { raw.to_vec() } else { Vec::new() }, result))
        });
        self.add_gathered(&mut gatherer, &mut batch, results, true);
        self.deliver(batch);
        Ok(())
    }

    /// Adds decoded lines (with their bytes) to `batch` through `gatherer`, which holds a run
    /// of event lines until it ends (`last`: the file's end) and hands other rows on at once.
    fn add_gathered(
        &mut self,
        gatherer: &mut Gatherer,
        batch: &mut SplitBatch,
        results: Vec<(Vec<u8>, RowResult)>,
        last: bool,
    ) {
        let mut rows = Vec::with_capacity(results.len());
        let mut take = |raw: Option<&[u8]>, result| rows.push((raw.map(<[u8]>::to_vec), result));
        for (raw, result) in results {
            gatherer.push(Some(&raw), result, &mut take);
        }
        if last {
            gatherer.finish(&mut take);
        }
        // Rows of one line (a document split into trajectories) share its offset: parts.
        let mut last: Option<(u64, u32)> = None;
        for (raw, result) in rows {
            let position = match &result {
                Ok(row) => row.byte_offset,
                Err(error) => error.byte_offset,
            };
            let part = match last {
                Some((at, part)) if at == position => part + 1,
                _ => 0,
            };
            last = Some((position, part));
            let key = self.key(position, part);
            self.add(batch, raw.as_deref(), result, key);
        }
    }

    /// Reads one parquet file: its tail (footer and metadata) and, beside it, its start; then
    /// each row group's span, less the bytes already held.
    async fn parquet_file(&mut self, file: &ParquetFile) -> Result<(), HubError> {
        let url = file.url.as_str();
        let ends = self.client.parquet_ends;
        // The file's start comes beside its end (one round trip for both, not one after the
        // other): the first row group's rows then need no request after the footer's.
        let head = (ends.head > 0 && file.size > ends.tail)
            .then(|| self.spawn_span(url, 0, ends.head.min(file.size), None));
        let mut tail_len = ends.tail;
        let (tail, layout, etag) = loop {
            let mut read = BodyRead::suffix(url, tail_len);
            let mut waits = Vec::new();
            let tail = self
                .client
                .read_body(&mut read, self.abort, &mut |error, delay| {
                    waits.push((error.clone(), delay))
                })
                .await;
            self.note_waits(&waits, read.counts);
            let tail = Bytes::from(tail?);
            let file_len = read.file_len().unwrap_or(file.size);
            let decode_error = |err: crate::domain::parquet::ParquetReadError| HubError {
                kind: HubErrorKind::Decode,
                status: 206,
                code: None,
                message: err.to_string(),
                url: url.to_owned(),
                retry_after_seconds: None,
            };
            match read_layout(file_len, &tail).map_err(decode_error)? {
                LayoutRead::Layout(layout) => {
                    break (tail, layout, read.validator().map(str::to_owned))
                }
                LayoutRead::NeedTail(needed) if needed > tail_len => tail_len = needed,
                LayoutRead::NeedTail(_) => {
                    return Err(HubError::network(url, "the server did not send the file's end"))
                }
            }
        };
        self.progress.bytes += tail.len() as u64;
        self.progress.total_rows = Some(self.progress.total_rows.unwrap_or(0) + layout.n_rows);
        let mut held =
            HeldBytes { tail_start: layout.file_len - tail.len() as u64, tail, head: Bytes::new() };
        if let Some(head) = head {
            // A failed head is not an error: its bytes are asked for again with their spans.
            // A head of another version than the footer is: the file changed.
            match self.take_span(head, url, etag.as_deref()).await {
                Ok(bytes) => held.head = bytes,
                Err(error) if error.kind == HubErrorKind::Changed => return Err(error),
                Err(_) => {}
            }
        }
        // Consecutive row groups are read together (fewer requests); see `plan_reads`. The
        // next spans are fetched (spawned, so they go on while this one decodes) before this
        // one is decoded; dropping their handles (an error, a stop) cancels them. A span held
        // whole (in the head or the tail) is not fetched.
        let reads = plan_reads(&layout.row_groups, MAX_READ_SPAN);
        let mut upcoming = reads.iter();
        // The index of the next row in this file: its key's position.
        let mut position = 0u64;
        let mut in_flight = std::collections::VecDeque::new();
        loop {
            while in_flight.len() < SPANS_IN_FLIGHT {
                let Some(read) = upcoming.next() else { break };
                let handle = held
                    .missing(read)
                    .map(|missing| self.spawn_span(url, missing.start, missing.end, etag.clone()));
                in_flight.push_back((read, handle));
            }
            let Some((read, handle)) = in_flight.pop_front() else { break };
            let fetched = match handle {
                Some(handle) => Some(self.take_span(handle, url, etag.as_deref()).await?),
                None => None,
            };
            let bytes = held.span(read, fetched);
            for group_idx in read.groups.clone() {
                // Decoding a group takes milliseconds: let the page breathe between groups.
                self.abort.checkpoint().await;
                let group = layout.row_groups[group_idx];
                if group.end <= group.start {
                    continue;
                }
                let from = (group.start - read.start) as usize;
                let to = ((group.end - read.start) as usize).min(bytes.len());
                let mut batch = SplitBatch::default();
                match decode_row_group(&layout, group_idx, bytes.slice(from.min(to)..to)) {
                    Ok(rows) => {
                        for value in rows {
                            self.add_value(&mut batch, value, position);
                            position += 1;
                        }
                    }
                    Err(error) => {
                        // The group's rows are counted as errors, one each, so counts stay whole.
                        for _ in 0..group.n_rows {
                            let row_idx = self.take_row_idx();
                            batch.errors.push((row_idx, format!("{}: {error}", file.filename)));
                            batch.error_keys.push(self.key(position, 0));
                            position += 1;
                            self.progress.errors += 1;
                        }
                    }
                }
                self.deliver(batch);
            }
        }
        Ok(())
    }

    /// Starts fetching bytes `start..end` of `url` (a version with `etag`, when known),
    /// spawned so that it goes on while the page decodes; dropping the handle cancels it.
    fn spawn_span(
        &self,
        url: &str,
        start: u64,
        end: u64,
        etag: Option<String>,
    ) -> RemoteHandle<FetchedSpan> {
        let (client, abort) = (self.client.clone(), self.abort.clone());
        let fetch = fetch_span(client, abort, url.to_owned(), start, end, etag);
        let (fetch, handle) = fetch.remote_handle();
        wasm_bindgen_futures::spawn_local(fetch);
        handle
    }

    /// The bytes of a spawned span, once there; its waits go into the progress, and its bytes
    /// into the count received. A span of another version than `etag` is a
    /// [`HubErrorKind::Changed`] error.
    async fn take_span(
        &mut self,
        handle: RemoteHandle<FetchedSpan>,
        url: &str,
        etag: Option<&str>,
    ) -> Result<Bytes, HubError> {
        let (bytes, waits, counts, validator) = handle.await;
        self.note_waits(&waits, counts);
        if let (Some(was), Some(now)) = (etag, validator.as_deref()) {
            if was.trim_start_matches("W/") != now.trim_start_matches("W/") {
                return Err(changed_error(url, Some(was), Some(now)));
            }
        }
        let bytes = bytes?;
        self.progress.bytes += bytes.len() as u64;
        Ok(bytes)
    }

    /// Notes the waits of a read and its resumes and restarts in the progress.
    fn note_waits(&mut self, waits: &[(HubError, u64)], counts: ReadCounts) {
        for (error, delay) in waits {
            Self::note_wait(&mut self.progress, error, *delay, false);
        }
        self.progress.resumed += counts.resumed;
        self.progress.restarted += counts.restarted;
    }

    /// Pages through the viewer's `/rows` (or `/filter`, `/search` for a query).
    async fn viewer_rows(&mut self, split: &SplitRef, query: &RowsQuery) -> Result<(), HubError> {
        // The first page says how many rows there are; the others are asked for a few at a
        // time (ROWS_IN_FLIGHT), and taken in order. Without a total, one page after the
        // other until an empty one.
        let (client, abort) = (self.client, self.abort);
        self.abort.checkpoint().await;
        let page = fetch_rows_page(client, abort, split, query, 0).await;
        let (first, total) = self.take_fetched_page(page)?;
        let Some(total) = total.filter(|_| first > 0) else {
            let mut offset = first;
            while offset > 0 {
                self.abort.checkpoint().await;
                let page = fetch_rows_page(client, abort, split, query, offset).await;
                match self.take_fetched_page(page)?.0 {
                    0 => break,
                    n => offset += n,
                }
            }
            return Ok(());
        };
        let offsets = (first..total).step_by(ROWS_PAGE.max(1) as usize);
        let mut pages = futures_util::stream::iter(offsets)
            .map(|offset| fetch_rows_page(client, abort, split, query, offset))
            .buffered(ROWS_IN_FLIGHT);
        while let Some(page) = pages.next().await {
            self.abort.checkpoint().await;
            if self.take_fetched_page(page)?.0 == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Notes a fetched `/rows` page's waits and bytes, then delivers its rows; returns how
    /// many it held and the total the page gives.
    fn take_fetched_page(&mut self, page: FetchedPage) -> Result<(u64, Option<u64>), HubError> {
        let (url, body, waits) = page;
        for (error, delay) in &waits {
            Self::note_wait(&mut self.progress, error, *delay, false);
        }
        let body = body?;
        self.progress.bytes += body.len() as u64;
        let page: RowsPage = parse_json(&body, &url)?;
        let total = page.num_rows_total;
        Ok((self.take_rows_page(page), total))
    }

    /// Delivers the rows of a `/rows` page; returns how many it held.
    fn take_rows_page(&mut self, page: RowsPage) -> u64 {
        if page.num_rows_total.is_some() {
            self.progress.total_rows = page.num_rows_total;
        }
        let n = page.rows.len() as u64;
        let mut batch = SplitBatch::default();
        for entry in page.rows {
            // The viewer numbers rows itself; keep its numbering.
            self.next_row_idx = entry.row_idx;
            self.add_value(&mut batch, entry.row, entry.row_idx);
        }
        self.deliver(batch);
        n
    }
}

fn aborted(url: &str) -> HubError {
    HubError::network(url, "cancelled")
}

/// Waits `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep_ms(ms: u64) {
    let promise = js_sys::Promise::new(&mut |resolve, _reject| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u64) as i32,
            );
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
}

/// Whether a file whose first bytes are `start` is JSONL, to be decoded as it arrives
/// (`Some(true)`), or is read whole (`Some(false)`: Parquet, a zip archive, a JSON document
/// that is not one row per line); `None` while its first line is not complete.
fn kind_from_start(start: &[u8]) -> Option<bool> {
    if start.len() >= 4 && FileKind::sniff(start) != FileKind::Json {
        return Some(false);
    }
    let content = start.iter().position(|b| !b.is_ascii_whitespace())?;
    let line_end = content + memchr::memchr(b'\n', &start[content..])?;
    // Something after the first line must be there, so that "the only line" is not guessed.
    start[line_end..].iter().any(|b| !b.is_ascii_whitespace()).then_some(())?;
    Some(crate::domain::stream::reads_as_lines(start))
}
