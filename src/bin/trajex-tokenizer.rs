//! The tokenizer Web Worker: a second wasm module, built by Trunk with `data-type="worker"`
//! (index.html) and started by the page only when exact token counts are asked for, so the
//! page's first download does not carry the tokenizer.
//!
//! It holds one `domain::tokens::TokenCounter` and answers the page's messages (the protocol is
//! described in `src/ui/model/pool.rs`): `load` reads a tokenizer.json, `count` counts the
//! texts of a packed buffer and answers with one count per text. Natively this binary only
//! says what it is.

#[cfg(target_arch = "wasm32")]
fn main() {
    worker::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "trajex-tokenizer is the browser's tokenizer worker: Trunk builds it for wasm32 \
         (see index.html); natively, use `cargo test --test tokens` or the `trajex` command"
    );
    std::process::exit(2);
}

#[cfg(target_arch = "wasm32")]
mod worker {
    use std::cell::RefCell;

    use trajex::domain::tokens::{unpack_texts, TokenCounter};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    thread_local! {
        static COUNTER: RefCell<Option<TokenCounter>> = const { RefCell::new(None) };
    }

    /// Listens for the page's messages, then tells the page it is ready.
    pub fn start() {
        console_error_panic_hook::set_once();
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let handler = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(on_message);
        scope.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        handler.forget();
        let ready = js_sys::Object::new();
        set(&ready, "op", &"ready".into());
        let _ = scope.post_message(&ready);
    }

    fn on_message(event: web_sys::MessageEvent) {
        let data = event.data();
        let id = js_sys::Reflect::get(&data, &"id".into()).unwrap_or(JsValue::NULL);
        let op = js_sys::Reflect::get(&data, &"op".into()).ok().and_then(|v| v.as_string());
        let bytes = js_sys::Reflect::get(&data, &"data".into())
            .ok()
            .filter(|b| b.is_instance_of::<js_sys::ArrayBuffer>())
            .map(|b| js_sys::Uint8Array::new(&b).to_vec());
        let reply = js_sys::Object::new();
        set(&reply, "id", &id);
        let mut transfer = Vec::new();
        let result = match (op.as_deref(), bytes) {
            (Some("load"), Some(bytes)) => TokenCounter::from_json(&bytes).map(|counter| {
                COUNTER.with(|c| *c.borrow_mut() = Some(counter));
            }),
            (Some("count"), Some(bytes)) => {
                let lens = js_sys::Reflect::get(&data, &"lens".into())
                    .ok()
                    .and_then(|l| l.dyn_into::<js_sys::Uint32Array>().ok())
                    .map(|l| l.to_vec())
                    .unwrap_or_default();
                count(&bytes, &lens).map(|counts| {
                    let counts = js_sys::Uint32Array::from(&counts[..]);
                    transfer.push(JsValue::from(counts.buffer()));
                    set(&reply, "counts", &counts);
                })
            }
            _ => Err("the tokenizer worker got a message it does not know".to_owned()),
        };
        if let Err(error) = result {
            set(&reply, "error", &error.into());
        }
        let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
        let transfer: js_sys::Array = transfer.iter().collect();
        let _ = scope.post_message_with_transfer(&reply, &transfer);
    }

    fn count(bytes: &[u8], lens: &[u32]) -> Result<Vec<u32>, String> {
        let texts = unpack_texts(bytes, lens)?;
        COUNTER.with(|counter| {
            let counter = counter.borrow();
            let counter = counter.as_ref().ok_or("no tokenizer is loaded in the worker")?;
            texts
                .iter()
                .map(|text| counter.count(text).map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
                .collect()
        })
    }

    fn set(object: &js_sys::Object, key: &str, value: &JsValue) {
        let _ = js_sys::Reflect::set(object, &key.into(), value);
    }
}
