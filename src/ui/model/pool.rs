//! The tokenizer workers seen from the page: a few Web Workers running the
//! `trajex-tokenizer` wasm module (built by Trunk with `data-type="worker"`), each holding the
//! model's tokenizer, and the requests sent to them.
//!
//! Protocol (plain JS objects; see `src/bin/trajex-tokenizer.rs`): the worker posts
//! `{op: "ready"}` once it listens; the page sends `{id, op: "load", data: ArrayBuffer}` (the
//! tokenizer.json bytes) and `{id, op: "count", data: ArrayBuffer, lens: Uint32Array}` (texts
//! packed by `domain::tokens::pack_texts`); the worker answers `{id, counts: Uint32Array}`, or
//! `{id, error: "message"}`. Buffers are transferred, not copied.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::domain::tokens::pack_texts;

/// The worker's loader script (Trunk's `data-loader-shim`), next to the page.
pub const WORKER_SCRIPT: &str = "trajex-tokenizer_loader.js";

/// How long a worker may take to start before loading is given up (milliseconds).
const START_TIMEOUT_MS: i32 = 60_000;

/// Callbacks of one pending request: resolve, reject, and which worker has it.
type Pending = HashMap<u32, (js_sys::Function, js_sys::Function, usize)>;

struct Slot {
    worker: web_sys::Worker,
    /// Requests sent and not answered (count).
    busy: Cell<usize>,
    /// Bytes of text sent and not answered (bytes).
    busy_bytes: Cell<usize>,
}

/// Running tokenizer workers.
pub struct Pool {
    slots: Vec<Slot>,
    pending: Rc<RefCell<Pending>>,
    next_id: Cell<u32>,
    _handlers: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    _error_handlers: Vec<Closure<dyn FnMut(web_sys::ErrorEvent)>>,
}

impl Drop for Pool {
    fn drop(&mut self) {
        for slot in &self.slots {
            slot.worker.terminate();
        }
    }
}

impl Pool {
    /// Starts `n` workers and waits until each listens. Errors when the worker script cannot
    /// be loaded (missing from the build, blocked) or a worker does not start in time.
    pub async fn start(n: usize) -> Result<Rc<Pool>, String> {
        let pending: Rc<RefCell<Pending>> = Rc::default();
        let mut slots = Vec::new();
        let mut handlers = Vec::new();
        let mut error_handlers = Vec::new();
        let mut ready = Vec::new();
        let url = worker_url();
        for idx in 0..n.max(1) {
            let worker = web_sys::Worker::new(&url)
                .map_err(|e| format!("the tokenizer worker could not start: {e:?}"))?;
            let (ready_promise, ready_resolve, ready_reject) = promise();
            let weak: Weak<RefCell<Pending>> = Rc::downgrade(&pending);
            let ready_cell = RefCell::new(Some(ready_resolve));
            let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    let data = event.data();
                    if get_str(&data, "op").as_deref() == Some("ready") {
                        if let Some(resolve) = ready_cell.borrow_mut().take() {
                            let _ = resolve.call0(&JsValue::NULL);
                        }
                        return;
                    }
                    let Some(id) = get_f64(&data, "id") else { return };
                    let Some(pending) = weak.upgrade() else { return };
                    let entry = pending.borrow_mut().remove(&(id as u32));
                    if let Some((resolve, reject, _)) = entry {
                        match get_str(&data, "error") {
                            Some(error) => reject.call1(&JsValue::NULL, &error.into()),
                            None => resolve.call1(&JsValue::NULL, &data),
                        }
                        .ok();
                    }
                },
            );
            worker.set_onmessage(Some(handler.as_ref().unchecked_ref()));
            let weak: Weak<RefCell<Pending>> = Rc::downgrade(&pending);
            let error_handler = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
                move |event: web_sys::ErrorEvent| {
                    let message = format!(
                        "the tokenizer worker failed: {}",
                        if event.message().is_empty() {
                            "its script or wasm module could not be loaded".to_owned()
                        } else {
                            event.message()
                        }
                    );
                    let _ = ready_reject.call1(&JsValue::NULL, &message.clone().into());
                    let Some(pending) = weak.upgrade() else { return };
                    let failed: Vec<u32> = pending
                        .borrow()
                        .iter()
                        .filter(|(_, (_, _, w))| *w == idx)
                        .map(|(id, _)| *id)
                        .collect();
                    for id in failed {
                        if let Some((_, reject, _)) = pending.borrow_mut().remove(&id) {
                            let _ = reject.call1(&JsValue::NULL, &message.clone().into());
                        }
                    }
                },
            );
            worker.set_onerror(Some(error_handler.as_ref().unchecked_ref()));
            ready.push(with_timeout(ready_promise, START_TIMEOUT_MS));
            slots.push(Slot { worker, busy: Cell::new(0), busy_bytes: Cell::new(0) });
            handlers.push(handler);
            error_handlers.push(error_handler);
        }
        let pool = Rc::new(Pool {
            slots,
            pending,
            next_id: Cell::new(1),
            _handlers: handlers,
            _error_handlers: error_handlers,
        });
        for promise in ready {
            JsFuture::from(promise).await.map_err(|e| js_text(&e))?;
        }
        Ok(pool)
    }

    /// Workers (count).
    pub fn size(&self) -> usize {
        self.slots.len()
    }

    /// Loads the tokenizer (the bytes of tokenizer.json) into every worker.
    pub async fn load(&self, tokenizer_json: &[u8]) -> Result<(), String> {
        let mut waits = Vec::new();
        for idx in 0..self.slots.len() {
            let buffer = js_sys::Uint8Array::from(tokenizer_json).buffer();
            let message = js_sys::Object::new();
            set(&message, "op", &"load".into());
            set(&message, "data", &buffer);
            waits.push(self.send(idx, message, vec![buffer.into()], 0));
        }
        for wait in futures_util::future::join_all(waits).await {
            wait?;
        }
        Ok(())
    }

    /// Token counts of `texts`, in order, by the least busy worker.
    pub async fn count<S: AsRef<str>>(&self, texts: &[S]) -> Result<Vec<u32>, String> {
        let (bytes, lens) = pack_texts(texts);
        let idx = (0..self.slots.len())
            .min_by_key(|&i| (self.slots[i].busy_bytes.get(), self.slots[i].busy.get()))
            .unwrap_or(0);
        let message = js_sys::Object::new();
        let buffer = js_sys::Uint8Array::from(&bytes[..]).buffer();
        let lens = js_sys::Uint32Array::from(&lens[..]);
        set(&message, "op", &"count".into());
        set(&message, "data", &buffer);
        set(&message, "lens", &lens);
        let reply = self.send(idx, message, vec![buffer.into(), lens.buffer().into()], bytes.len());
        let reply = reply.await?;
        let counts = js_sys::Reflect::get(&reply, &"counts".into())
            .ok()
            .and_then(|c| c.dyn_into::<js_sys::Uint32Array>().ok())
            .ok_or("the tokenizer worker gave no counts")?;
        let counts = counts.to_vec();
        if counts.len() != texts.len() {
            return Err("the tokenizer worker gave a count per text of another batch".to_owned());
        }
        Ok(counts)
    }

    /// Posts a request to worker `idx` and waits for its answer.
    async fn send(
        &self,
        idx: usize,
        message: js_sys::Object,
        transfer: Vec<JsValue>,
        bytes: usize,
    ) -> Result<JsValue, String> {
        let id = self.next_id.get();
        self.next_id.set(id.wrapping_add(1));
        set(&message, "id", &JsValue::from(id));
        let (answer, resolve, reject) = promise();
        self.pending.borrow_mut().insert(id, (resolve, reject, idx));
        let slot = &self.slots[idx];
        let transfer: js_sys::Array = transfer.iter().collect();
        if let Err(error) = slot.worker.post_message_with_transfer(&message, &transfer) {
            self.pending.borrow_mut().remove(&id);
            return Err(format!("the tokenizer worker refused a message: {}", js_text(&error)));
        }
        slot.busy.set(slot.busy.get() + 1);
        slot.busy_bytes.set(slot.busy_bytes.get() + bytes);
        let result = JsFuture::from(answer).await.map_err(|e| js_text(&e));
        slot.busy.set(slot.busy.get().saturating_sub(1));
        slot.busy_bytes.set(slot.busy_bytes.get().saturating_sub(bytes));
        result
    }
}

/// The worker script's absolute URL, next to the page's own document.
fn worker_url() -> String {
    let base = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.base_uri().ok().flatten())
        .unwrap_or_else(|| "/".to_owned());
    web_sys::Url::new_with_base(WORKER_SCRIPT, &base)
        .map(|u| u.href())
        .unwrap_or_else(|_| WORKER_SCRIPT.to_owned())
}

/// A promise and its resolve and reject functions.
fn promise() -> (js_sys::Promise, js_sys::Function, js_sys::Function) {
    let slots: Rc<RefCell<Option<(js_sys::Function, js_sys::Function)>>> = Rc::default();
    let inner = Rc::clone(&slots);
    let promise = js_sys::Promise::new(&mut move |resolve, reject| {
        *inner.borrow_mut() = Some((resolve, reject));
    });
    // The executor runs synchronously inside `Promise::new`.
    let (resolve, reject) = slots.borrow_mut().take().unwrap_or_else(|| {
        let noop = js_sys::Function::new_no_args("");
        (noop.clone(), noop)
    });
    (promise, resolve, reject)
}

/// `promise`, or a rejection after `ms` milliseconds.
fn with_timeout(waited: js_sys::Promise, ms: i32) -> js_sys::Promise {
    let (timeout, _, reject) = promise();
    if let Some(window) = web_sys::window() {
        let message = JsValue::from("the tokenizer worker did not start in time");
        let fire = Closure::once_into_js(move || {
            let _ = reject.call1(&JsValue::NULL, &message);
        });
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(fire.unchecked_ref(), ms);
    }
    js_sys::Promise::race(&[waited, timeout].iter().collect::<js_sys::Array>())
}

fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
    let _ = js_sys::Reflect::set(object, &key.into(), value);
}

fn get_str(object: &JsValue, key: &str) -> Option<String> {
    js_sys::Reflect::get(object, &key.into()).ok()?.as_string()
}

fn get_f64(object: &JsValue, key: &str) -> Option<f64> {
    js_sys::Reflect::get(object, &key.into()).ok()?.as_f64()
}

fn js_text(value: &JsValue) -> String {
    value
        .as_string()
        .or_else(|| value.dyn_ref::<js_sys::Error>().map(|e| String::from(e.message())))
        .unwrap_or_else(|| format!("{value:?}"))
}
