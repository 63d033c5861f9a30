//! Errors of the Hub and the dataset viewer as the user needs them, rate limits, and when to
//! try again.
//!
//! The viewer answers errors as JSON `{"error": "..."}` with an `X-Error-Code` header
//! (`ResponseNotReady` while a response is being computed, `ResponseNotFound`,
//! `InvalidParameter`, `ExternalUnauthenticatedError`, ...). The Hub limits requests per
//! 5-minute window and answers 429 with `RateLimit: "api";r=0;t=<seconds to reset>`.

/// What kind of failure, for deciding what to show and whether to retry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HubErrorKind {
    /// 401/403: gated or private; a token (with access granted) is needed.
    Unauthorized,
    /// 404: no such dataset, config, split or file.
    NotFound,
    /// 422 (or 400): a parameter the service refused.
    InvalidParameter,
    /// The viewer is still computing the response (`ResponseNotReady`): retry later.
    NotReady,
    /// 429: too many requests; retry after the reset time.
    RateLimited,
    /// 5xx: the service failed.
    Server,
    /// The request did not complete (network down, connection cut, CORS refused).
    Network,
    /// The response was not what the API documents.
    Decode,
    /// The file changed while it was read (another `ETag`): what was read of it is void and
    /// the read starts again from zero (see `resume`).
    Changed,
    /// Another HTTP status.
    Other,
}

/// A failed request, with what the service said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HubError {
    /// The kind of failure.
    pub kind: HubErrorKind,
    /// HTTP status (0 when no response arrived).
    pub status: u16,
    /// The `X-Error-Code` header, when given.
    pub code: Option<String>,
    /// The service's message (the body's `error`), or the transport's.
    pub message: String,
    /// The URL asked for.
    pub url: String,
    /// Seconds to wait before retrying, when the service said (`RateLimit` `t=`, or
    /// `Retry-After`).
    pub retry_after_seconds: Option<u64>,
}

/// A parsed `RateLimit` header: `"api";r=0;t=12`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// The bucket (`api`, `resolvers`, `pages`).
    pub policy: String,
    /// Requests left in the window.
    pub remaining: Option<u64>,
    /// Seconds until the window resets.
    pub reset_seconds: Option<u64>,
}

impl RateLimit {
    /// Parses the header value; `None` when it has neither `r=` nor `t=`.
    pub fn parse(header: &str) -> Option<RateLimit> {
        let mut parts = header.split(';').map(str::trim);
        let policy = parts.next().unwrap_or("").trim_matches('"').to_owned();
        let mut limit = RateLimit { policy, remaining: None, reset_seconds: None };
        for part in parts {
            match part.split_once('=') {
                Some(("r", value)) => limit.remaining = value.trim().parse().ok(),
                Some(("t", value)) => limit.reset_seconds = value.trim().parse().ok(),
                _ => {}
            }
        }
        (limit.remaining.is_some() || limit.reset_seconds.is_some()).then_some(limit)
    }
}

/// Response facts an error is built from (the network layer fills it).
#[derive(Clone, Debug, Default)]
pub struct ErrorResponse<'a> {
    /// HTTP status.
    pub status: u16,
    /// `X-Error-Code` header.
    pub error_code: Option<&'a str>,
    /// `RateLimit` header.
    pub rate_limit: Option<&'a str>,
    /// `Retry-After` header (seconds).
    pub retry_after: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl HubError {
    /// The error for a non-success response.
    pub fn from_response(url: &str, response: &ErrorResponse<'_>) -> HubError {
        let code = response.error_code.map(str::to_owned);
        let body_message = serde_json::from_slice::<serde_json::Value>(response.body)
            .ok()
            .and_then(|v| v.get("error").and_then(|e| e.as_str()).map(str::to_owned))
            .unwrap_or_else(|| {
                String::from_utf8_lossy(&response.body[..response.body.len().min(300)])
                    .trim()
                    .to_owned()
            });
        let kind = match (response.status, code.as_deref()) {
            (_, Some("ResponseNotReady")) => HubErrorKind::NotReady,
            (_, Some("ExternalUnauthenticatedError" | "ExternalAuthenticatedError")) => {
                HubErrorKind::Unauthorized
            }
            (401 | 403, _) => HubErrorKind::Unauthorized,
            (404, _) => HubErrorKind::NotFound,
            (400 | 422, _) => HubErrorKind::InvalidParameter,
            (429, _) => HubErrorKind::RateLimited,
            (500..=599, _) => HubErrorKind::Server,
            _ => HubErrorKind::Other,
        };
        HubError {
            kind,
            status: response.status,
            code,
            message: body_message,
            url: url.to_owned(),
            retry_after_seconds: Self::wait_seconds(response),
        }
    }

    /// The error for a request that got no response.
    pub fn network(url: &str, message: impl Into<String>) -> HubError {
        HubError {
            kind: HubErrorKind::Network,
            status: 0,
            code: None,
            message: message.into(),
            url: url.to_owned(),
            retry_after_seconds: None,
        }
    }

    fn wait_seconds(response: &ErrorResponse<'_>) -> Option<u64> {
        response
            .rate_limit
            .and_then(RateLimit::parse)
            .and_then(|limit| limit.reset_seconds)
            .or_else(|| response.retry_after.and_then(|s| s.trim().parse().ok()))
    }

    /// Whether trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            HubErrorKind::NotReady
                | HubErrorKind::RateLimited
                | HubErrorKind::Server
                | HubErrorKind::Network
        )
    }

    /// What the user can do, in words.
    pub fn user_message(&self) -> String {
        match self.kind {
            HubErrorKind::Unauthorized => format!(
                "this dataset is gated or private: paste a Hugging Face token with access ({})",
                self.url
            ),
            HubErrorKind::NotFound => format!("not found: {} ({})", self.message, self.url),
            HubErrorKind::NotReady => format!(
                "the dataset viewer is still preparing this dataset; retrying ({})",
                self.url
            ),
            HubErrorKind::RateLimited => format!(
                "rate limited by Hugging Face: retrying in {} s ({})",
                self.retry_after_seconds.unwrap_or(1),
                self.url
            ),
            _ => self.to_string(),
        }
    }
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.status, &self.code) {
            (0, _) => write!(f, "request failed: {}: {}", self.message, self.url),
            (status, Some(code)) => {
                write!(f, "HTTP {status} {code}: {}: {}", self.message, self.url)
            }
            (status, None) => write!(f, "HTTP {status}: {}: {}", self.message, self.url),
        }
    }
}

impl std::error::Error for HubError {}

/// When to try a failed request again: the service's wait for rate limits, else exponential
/// backoff from `base_delay_ms` (doubling, capped at `max_delay_ms`), up to `max_attempts`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// Wait after the first failure (ms).
    pub base_delay_ms: u64,
    /// Longest wait (ms).
    pub max_delay_ms: u64,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_attempts: 6, base_delay_ms: 500, max_delay_ms: 30_000 }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` after `error` on attempt `attempt` (1-based), or
    /// `None` to give up.
    pub fn delay_ms(&self, attempt: u32, error: &HubError) -> Option<u64> {
        self.delay_with_jitter(attempt, error, 1.0)
    }

    /// Like [`delay_ms`](Self::delay_ms), with "equal jitter" on backoff waits: the wait is
    /// between half and all of the backoff, by `jitter` in `[0, 1]` (random in the browser),
    /// so that many readers failing together do not come back together. The service's own wait
    /// (`Retry-After`, `RateLimit`) is kept as given.
    pub fn delay_with_jitter(&self, attempt: u32, error: &HubError, jitter: f64) -> Option<u64> {
        if !error.is_retryable() || attempt >= self.max_attempts {
            return None;
        }
        if let Some(seconds) = error.retry_after_seconds {
            return Some((seconds * 1000).max(self.base_delay_ms));
        }
        let factor = 1u64 << (attempt.saturating_sub(1)).min(16);
        let backoff = (self.base_delay_ms * factor).min(self.max_delay_ms);
        let spread = (backoff as f64 / 2.0 * jitter.clamp(0.0, 1.0)).round() as u64;
        Some(backoff / 2 + spread.min(backoff - backoff / 2))
    }
}
