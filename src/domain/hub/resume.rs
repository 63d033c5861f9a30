//! Reading one file's bytes (or a span of them) over HTTP across cut connections, retries and
//! a file that changes under the reader, as a pure state machine: [`BodyRead`] says what to
//! ask for next (`Range`, `If-Range`), judges each response's status, `Content-Range` and
//! `ETag` ([`BodyRead::on_response`]), and decides whether a failure is worth another try
//! ([`BodyRead::on_failure`]). `net` sends the requests and feeds it what came back.
//!
//! The rules (RFC 9110 §13.1.5 `If-Range`, §14 range requests; the Hub serves files with a
//! strong `ETag` and `Accept-Ranges: bytes` through `/resolve/`):
//! - The first response's `ETag` is the file's validator. A later request resumes from the
//!   first byte not yet kept, with `Range: bytes=N-` (or `N-M` for a span) and, when the
//!   validator is strong, `If-Range: <etag>`: a server whose file changed answers 200 with the
//!   whole new file instead of 206.
//! - A response whose `ETag` differs from the validator, on any request, means the file
//!   changed: [`Take::Changed`]. Everything read of it is void; the caller discards what it
//!   handed on and starts again from zero. Bytes of two versions are never joined.
//! - A 200 to a range request with the same validator (a server that ignores ranges) is used
//!   after skipping the bytes already kept; a 206 must start where it was asked to.
//! - A failure (a cut body, a 429, a 5xx, a network error) is tried again after the service's
//!   wait (`Retry-After`, `RateLimit`) or an exponential backoff with jitter
//!   ([`RetryPolicy::delay_with_jitter`]). The budget counts failures in a row without new
//!   bytes, so a long file on a flaky link goes on as long as each try brings something; when
//!   it runs out the error names the file and the byte offset.

use super::{HubError, HubErrorKind, RetryPolicy};

/// What the reader has done to get one body: for the progress and the export manifest.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadCounts {
    /// Requests tried again after a failure (count).
    pub retries: u64,
    /// Of those, requests that went on from a byte offset with a range request (count).
    pub resumed: u64,
    /// Reads started again from zero because the file changed (count).
    pub restarted: u64,
}

impl ReadCounts {
    /// Adds `other` to these counts.
    pub fn add(&mut self, other: ReadCounts) {
        self.retries += other.retries;
        self.resumed += other.resumed;
        self.restarted += other.restarted;
    }
}

/// How to use a response's body ([`BodyRead::on_response`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Take {
    /// The body goes on from the bytes kept so far after its first `skip` bytes are dropped
    /// (0 for a 206 that starts where asked; the bytes already kept for a server that ignored
    /// the range).
    Continue {
        /// Leading body bytes to drop (bytes).
        skip: u64,
    },
    /// The file changed since the first response: what was read of it is void.
    Changed {
        /// The first response's `ETag`.
        was: Option<String>,
        /// This response's `ETag`.
        now: Option<String>,
    },
}

/// One body being read: a whole file (`end: None`) or the span `start..end` of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyRead {
    url: String,
    start: u64,
    end: Option<u64>,
    /// Bytes from `start` on that the caller has kept (bytes).
    kept: u64,
    /// The `ETag` of the first response, once one came.
    validator: Option<String>,
    /// The last bytes of the file, asked for with a suffix range (`bytes=-N`) until a 206
    /// says where they start (then the read is the span from there to the file's end).
    suffix: Option<u64>,
    /// A try after a failure may go on from the bytes kept (a file); false for an API answer,
    /// which is asked for again whole.
    ranges: bool,
    /// Failures since bytes were last kept (count).
    failures: u32,
    /// The file's length, from a 206's `Content-Range` (bytes).
    file_len: Option<u64>,
    /// What was done so far.
    pub counts: ReadCounts,
}

impl BodyRead {
    /// A read of the file at `url` from byte `start` to `end` (exclusive; `None`: to the
    /// file's end), going on after a failure from the first byte not kept.
    pub fn new(url: &str, start: u64, end: Option<u64>) -> Self {
        BodyRead {
            url: url.to_owned(),
            start,
            end,
            kept: 0,
            validator: None,
            suffix: None,
            ranges: true,
            failures: 0,
            file_len: None,
            counts: ReadCounts::default(),
        }
    }

    /// A read of the last `len` bytes of the file at `url` (a parquet footer), asked for as
    /// `Range: bytes=-len`; the first 206 tells the file's length ([`file_len`](Self::file_len)).
    pub fn suffix(url: &str, len: u64) -> Self {
        BodyRead { suffix: Some(len), ..BodyRead::new(url, 0, None) }
    }

    /// The file's length, when a 206 gave it in `Content-Range` (bytes).
    pub fn file_len(&self) -> Option<u64> {
        self.file_len
    }

    /// Where the read starts in the file (byte offset; for a suffix read, known once a 206
    /// came).
    pub fn start(&self) -> u64 {
        self.start
    }

    /// A read of an API answer (JSON): after a failure it is asked for again whole, without
    /// a range.
    pub fn answer(url: &str) -> Self {
        BodyRead { ranges: false, ..BodyRead::new(url, 0, None) }
    }

    /// A read that must match a validator already known (the `ETag` of another response for
    /// the same file, such as a parquet file's footer).
    pub fn with_validator(mut self, etag: Option<&str>) -> Self {
        self.validator = etag.map(str::to_owned);
        self
    }

    /// The file's `ETag`, once known.
    pub fn validator(&self) -> Option<&str> {
        self.validator.as_deref()
    }

    /// Whether this reads a span (`start..end`) rather than a whole file.
    pub fn is_span(&self) -> bool {
        self.end.is_some() || self.suffix.is_some()
    }

    /// Bytes still wanted of a span (`None` for a whole file).
    pub fn remaining(&self) -> Option<u64> {
        self.end.map(|end| end.saturating_sub(self.offset()))
    }

    /// The URL read.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The next byte to ask for: `start` plus the bytes kept (byte offset in the file).
    pub fn offset(&self) -> u64 {
        self.start + self.kept
    }

    /// Whether every byte of a span was kept (never true for a whole-file read, whose length
    /// is known only from the body's end).
    pub fn is_complete(&self) -> bool {
        self.end.is_some_and(|end| self.offset() >= end)
    }

    /// The headers of the next request: `Range` for a span or when going on past byte 0, and
    /// beside it `If-Range` with a strong validator (a weak `W/` one cannot guard a range).
    pub fn request_headers(&self) -> Vec<(&'static str, String)> {
        let offset = self.offset();
        let mut headers = Vec::new();
        if let Some(len) = self.suffix {
            headers.push(("Range", format!("bytes=-{len}")));
        } else if self.end.is_some() || offset > 0 {
            let last = self.end.map(|end| end.saturating_sub(1).to_string()).unwrap_or_default();
            headers.push(("Range", format!("bytes={offset}-{last}")));
            if let Some(etag) = self.validator.as_deref().filter(|e| !e.trim().starts_with("W/")) {
                headers.push(("If-Range", etag.to_owned()));
            }
        }
        headers
    }

    /// Judges a success response: `status` (200 or 206) and its `Content-Range` and `ETag`
    /// headers. Errors when a 206 starts past the byte asked for or has no readable
    /// `Content-Range`.
    pub fn on_response(
        &mut self,
        status: u16,
        content_range: Option<&str>,
        etag: Option<&str>,
    ) -> Result<Take, HubError> {
        if let (Some(was), Some(now)) = (self.validator.as_deref(), etag) {
            if strip_weak(was) != strip_weak(now) {
                return Ok(Take::Changed { was: Some(was.to_owned()), now: Some(now.to_owned()) });
            }
        }
        if self.validator.is_none() {
            self.validator = etag.map(str::to_owned);
        }
        if status == 206 {
            if let Some(total) = content_range.and_then(total_length) {
                self.file_len = Some(total);
            }
        }
        if let Some(len) = self.suffix {
            // The span the suffix stands for: from the first byte sent to the file's end.
            let (Some(first), Some(total)) =
                (content_range.and_then(range_start).filter(|_| status == 206), self.file_len)
            else {
                return Err(
                    self.error(format!("the server ignored the range request (bytes=-{len})"))
                );
            };
            self.suffix = None;
            self.start = first;
            self.end = Some(total);
        }
        let offset = self.offset();
        if status == 206 {
            let first = content_range.and_then(range_start);
            return match first {
                Some(first) if first <= offset => Ok(Take::Continue { skip: offset - first }),
                Some(first) => Err(self.error(format!(
                    "the server sent bytes from {first}, not from {offset} as asked"
                ))),
                None => Err(self.error("a partial response without a readable Content-Range")),
            };
        }
        if self.end.is_some() {
            // A span answered with the whole file: refused rather than read to its end.
            return Err(self.error("the server ignored the range request"));
        }
        // The whole file (a server that ignored the range, or a first request from 0).
        Ok(Take::Continue { skip: offset })
    }

    /// Notes that `n` more bytes of the body were kept.
    pub fn keep(&mut self, n: u64) {
        if n > 0 {
            self.kept += n;
            self.failures = 0;
        }
    }

    /// Sets the bytes kept to those before `offset` (a JSONL reader keeps only whole lines:
    /// the resume offset is the byte after the last line it handed on). Never moves forward
    /// past what came.
    pub fn keep_until(&mut self, offset: u64) {
        let kept = offset.saturating_sub(self.start);
        if kept > self.kept {
            self.failures = 0;
        }
        self.kept = kept;
    }

    /// Starts again from zero after [`Take::Changed`]: nothing kept, the new `ETag` is the
    /// validator; counted as a restart.
    pub fn restart(&mut self, etag: Option<&str>) {
        self.kept = 0;
        self.validator = etag.map(str::to_owned);
        self.failures = 0;
        self.counts.restarted += 1;
    }

    /// After a failed try (`error`): the wait before the next one (ms), counted as a retry
    /// (and as a resume when it will go on from a byte offset), or the error to give up with,
    /// naming the file and the byte reached. `jitter` is a number in `[0, 1)` (random in the
    /// browser) that spreads backoff waits.
    pub fn on_failure(
        &mut self,
        error: &HubError,
        policy: &RetryPolicy,
        jitter: f64,
    ) -> Result<u64, HubError> {
        self.failures += 1;
        match policy.delay_with_jitter(self.failures, error, jitter) {
            Some(delay) => {
                self.counts.retries += 1;
                if self.kept > 0 && self.ranges {
                    self.counts.resumed += 1;
                }
                if self.kept > 0 && !self.ranges {
                    // No ranges: the next try reads from the start again.
                    self.kept = 0;
                }
                Ok(delay)
            }
            None => {
                let mut error = error.clone();
                if self.failures > 1 {
                    error.message = format!(
                        "{} (gave up after {} tries at byte {} of the file)",
                        error.message,
                        self.failures,
                        self.offset()
                    );
                } else if self.offset() > 0 {
                    error.message =
                        format!("{} (at byte {} of the file)", error.message, self.offset());
                }
                Err(error)
            }
        }
    }

    fn error(&self, message: impl Into<String>) -> HubError {
        HubError { kind: HubErrorKind::Network, ..HubError::network(&self.url, message) }
    }
}

/// The error for a file that changed while it was read, for a caller that cannot start again
/// by itself ([`HubErrorKind::Changed`]).
pub fn changed_error(url: &str, was: Option<&str>, now: Option<&str>) -> HubError {
    HubError {
        kind: HubErrorKind::Changed,
        ..HubError::network(
            url,
            format!(
                "the file changed while it was read (ETag {} became {}); reading it again from the start",
                was.unwrap_or("?"),
                now.unwrap_or("?")
            ),
        )
    }
}

fn strip_weak(etag: &str) -> &str {
    etag.trim().strip_prefix("W/").unwrap_or(etag.trim())
}

/// The total length in a `Content-Range: bytes a-b/total` header.
pub fn total_length(content_range: &str) -> Option<u64> {
    content_range.rsplit_once('/')?.1.trim().parse().ok()
}

/// The first byte of a `Content-Range: bytes a-b/total` header.
fn range_start(content_range: &str) -> Option<u64> {
    let spec = content_range.trim().strip_prefix("bytes")?.trim_start();
    spec.split('-').next()?.trim().parse().ok()
}
