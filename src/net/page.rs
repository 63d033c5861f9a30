//! The page's own address: which file the user asked to open (`?file=...`), and which URLs the
//! app agrees to fetch (relative ones, or absolute `http:`/`https:` ones).

use crate::net::FetchError;

/// The bundled demo file, opened when the page has no `file=` query parameter.
pub const DEFAULT_FILE: &str = "demo/open_swe_traces.jsonl";

/// The file the page was asked to open: its `file=` query parameter (checked with
/// [`check_url`]), or [`DEFAULT_FILE`] when there is none or it is blank.
pub fn requested_file() -> Result<String, FetchError> {
    let search = web_sys::window().and_then(|w| w.location().search().ok()).unwrap_or_default();
    let requested = web_sys::UrlSearchParams::new_with_str(&search)
        .ok()
        .and_then(|params| params.get("file"))
        .map(|file| file.trim().to_owned())
        .filter(|file| !file.is_empty());
    match requested {
        None => Ok(DEFAULT_FILE.to_owned()),
        Some(file) => check_url(&file).map(|()| file),
    }
}

/// Accepts a URL relative to the page or an absolute `http:`/`https:` URL; refuses every other
/// scheme (`javascript:`, `data:`, `file:`, `blob:`, ...).
pub fn check_url(url: &str) -> Result<(), FetchError> {
    let base = web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_else(|| "http://localhost/".to_owned());
    match web_sys::Url::new_with_base(url, &base) {
        Ok(resolved) if matches!(resolved.protocol().as_str(), "http:" | "https:") => Ok(()),
        _ => Err(FetchError::UnsupportedUrl { url: url.to_owned() }),
    }
}
