//! Model repo files (`tokenizer.json`, `tokenizer_config.json`) through the Hub's resolve
//! route, kept in the browser's Cache Storage so that a model's files are downloaded once.
//!
//! The cache is named [`MODEL_CACHE`] and keyed by the file's resolve URL (endpoint, model id,
//! revision and path), so files of another endpoint or revision never mix. A file is served from
//! the cache when it is there; otherwise it is fetched with the [`HubClient`]'s retries and
//! token rules (the token goes only to Hugging Face https hosts unless the user allowed others)
//! and then stored. Without Cache Storage (an insecure origin, a private window that refuses
//! it), files are simply fetched each time.

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::{js_message, AbortHandle, HubClient};
use crate::domain::hub::HubError;
use crate::domain::tokens::{model_file_url, ModelId};

/// The Cache Storage cache holding model files.
pub const MODEL_CACHE: &str = "trajex-model-files-v1";

/// Where a file came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileOrigin {
    /// The browser's Cache Storage.
    Cache,
    /// The network (and it is now in the cache, when the cache works).
    Network,
}

/// The bytes of `file` of `model` at revision `main`: from Cache Storage when it is there, else
/// from the Hub (then stored). Errors are the client's (not found, gated, network, ...).
pub async fn model_file(
    client: &HubClient,
    model: &ModelId,
    file: &str,
    abort: &AbortHandle,
) -> Result<(Vec<u8>, FileOrigin), HubError> {
    let url = model_file_url(&client.endpoints, model, "main", file);
    let cache = open_cache().await;
    if let Some(cache) = &cache {
        if let Some(bytes) = cached(cache, &url).await {
            return Ok((bytes, FileOrigin::Cache));
        }
    }
    let bytes = client.file_bytes(&url, abort).await?;
    if let Some(cache) = &cache {
        // Best effort: a full disk or a refused put only means the next load fetches again.
        let _ = store(cache, &url, &bytes).await;
    }
    Ok((bytes, FileOrigin::Network))
}

/// Removes every cached model file (for a "forget downloaded tokenizers" action and tests).
pub async fn clear_model_cache() -> Result<(), String> {
    let storage = caches().ok_or("Cache Storage is not available here")?;
    JsFuture::from(storage.delete(MODEL_CACHE)).await.map(|_| ()).map_err(|e| js_message(&e))
}

fn caches() -> Option<web_sys::CacheStorage> {
    web_sys::window()?.caches().ok()
}

async fn open_cache() -> Option<web_sys::Cache> {
    let opened = JsFuture::from(caches()?.open(MODEL_CACHE)).await.ok()?;
    opened.dyn_into::<web_sys::Cache>().ok()
}

async fn cached(cache: &web_sys::Cache, url: &str) -> Option<Vec<u8>> {
    let found = JsFuture::from(cache.match_with_str(url)).await.ok()?;
    let response = found.dyn_into::<web_sys::Response>().ok()?;
    if !response.ok() {
        return None;
    }
    let buffer = JsFuture::from(response.array_buffer().ok()?).await.ok()?;
    Some(js_sys::Uint8Array::new(&buffer).to_vec())
}

async fn store(cache: &web_sys::Cache, url: &str, bytes: &[u8]) -> Result<(), JsValue> {
    let body = js_sys::Uint8Array::from(bytes);
    let response = web_sys::Response::new_with_opt_buffer_source(Some(&body))?;
    JsFuture::from(cache.put_with_str(url, &response)).await.map(|_| ())
}
