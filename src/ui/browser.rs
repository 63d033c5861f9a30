//! Browser hooks the UI needs that are not network: the page's query string (read, and
//! rewritten with `history.replaceState`/`pushState` so links stay shareable without a
//! reload), local and session storage, downloads of generated files, the colour scheme. (The
//! trajectory reader's own calls, such as the clipboard, are in `ui::trajectory::browser`.)
//! Failures of these calls are not fatal: they return `None`/`false`.

use wasm_bindgen::{JsCast, JsValue};

/// The page's query string, without the leading `?`.
pub fn query() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .map(|s| s.trim_start_matches('?').to_owned())
        .unwrap_or_default()
}

/// Replaces the page's query string (`push` adds a history entry, else replaces the current).
pub fn set_query(query: &str, push: bool) {
    let Some(window) = web_sys::window() else { return };
    let path = window.location().pathname().unwrap_or_else(|_| "/".to_owned());
    let url = if query.is_empty() { path } else { format!("{path}?{query}") };
    if window.location().search().ok().as_deref().map(|s| s.trim_start_matches('?')) == Some(query)
    {
        return;
    }
    if let Ok(history) = window.history() {
        let _ = if push {
            history.push_state_with_url(&JsValue::NULL, "", Some(&url))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(&url))
        };
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// A value kept across visits (recent datasets, theme).
pub fn local_get(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// Keeps a value across visits.
pub fn local_set(key: &str, value: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// A value kept for this tab only (the Hugging Face token).
pub fn session_get(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Keeps a value for this tab only; an empty value removes it.
pub fn session_set(key: &str, value: &str) {
    if let Some(storage) = session_storage() {
        let _ =
            if value.is_empty() { storage.remove_item(key) } else { storage.set_item(key, value) };
    }
}

/// Offers a file to download, built from byte chunks (kept in the browser's memory as a
/// `Blob`, not in wasm memory).
pub fn download(file_name: &str, mime: &str, parts: &js_sys::Array) -> bool {
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_u8_array_sequence_and_options(parts, &options) else {
        return false;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else { return false };
    let done = (|| {
        let document = web_sys::window()?.document()?;
        let anchor: web_sys::HtmlAnchorElement =
            document.create_element("a").ok()?.dyn_into().ok()?;
        anchor.set_href(&url);
        anchor.set_download(file_name);
        anchor.set_rel("noopener");
        document.body()?.append_child(&anchor).ok()?;
        anchor.click();
        anchor.remove();
        Some(())
    })()
    .is_some();
    let _ = web_sys::Url::revoke_object_url(&url);
    done
}

/// Whether the system prefers a dark colour scheme.
pub fn prefers_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Sets the page's theme (`light` or `dark`) on the root element.
pub fn apply_theme(theme: &str) {
    if let Some(root) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element())
    {
        let _ = root.set_attribute("data-theme", theme);
    }
}
