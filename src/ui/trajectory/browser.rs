//! The few browser calls the trajectory reader makes: the clipboard, scrolling a message into
//! view, focus checks for keyboard shortcuts, the `trajex:trajectory-rendered` performance mark,
//! and an IntersectionObserver sentinel that renders more messages as the reader scrolls.
//!
//! Every call tolerates a missing API (no clipboard outside secure contexts, no observer in old
//! browsers): it then does nothing, or reports failure, instead of throwing.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The performance mark set once a trajectory is painted.
pub const RENDERED_MARK: &str = "trajex:trajectory-rendered";

/// The page's address, as the address bar shows it.
pub fn location_href() -> String {
    web_sys::window().and_then(|window| window.location().href().ok()).unwrap_or_default()
}

/// Writes `text` to the clipboard, then calls `done` with whether it worked.
pub fn copy_text(text: String, done: impl FnOnce(bool) + 'static) {
    let Some(clipboard) = clipboard() else {
        done(false);
        return;
    };
    let promise = clipboard.write_text(&text);
    wasm_bindgen_futures::spawn_local(async move {
        done(JsFuture::from(promise).await.is_ok());
    });
}

/// `navigator.clipboard`, absent outside secure contexts.
fn clipboard() -> Option<web_sys::Clipboard> {
    let navigator = web_sys::window()?.navigator();
    let value = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard")).ok()?;
    if value.is_undefined() || value.is_null() {
        return None;
    }
    Some(value.unchecked_into())
}

/// Scrolls the element with `id` to the top of the view (its CSS `scroll-margin-top` leaves
/// room for sticky bars); returns false when there is no such element yet.
pub fn scroll_into_view(id: &str) -> bool {
    let Some(element) =
        web_sys::window().and_then(|w| w.document()).and_then(|d| d.get_element_by_id(id))
    else {
        return false;
    };
    let options = web_sys::ScrollIntoViewOptions::new();
    options.set_block(web_sys::ScrollLogicalPosition::Start);
    element.scroll_into_view_with_scroll_into_view_options(&options);
    true
}

/// Whether a key event's target is a place where the user types (an input, a text area, a
/// select, or editable content), so that single-key shortcuts must not fire.
pub fn is_typing_target(target: Option<web_sys::EventTarget>) -> bool {
    let Some(element) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else {
        return false;
    };
    let tag = element.tag_name();
    if ["INPUT", "TEXTAREA", "SELECT"].iter().any(|t| tag.eq_ignore_ascii_case(t)) {
        return true;
    }
    element.dyn_into::<web_sys::HtmlElement>().is_ok_and(|e| e.is_content_editable())
}

/// Replaces the performance mark `name` with a new one at the current time.
pub fn performance_mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        performance.clear_marks_with_mark_name(name);
        let _ = performance.mark(name);
    }
}

/// Watches an element and calls `on_visible` while it is within `margin` of the viewport.
/// After each call the element is observed again, so `on_visible` keeps being called while the
/// element stays visible (content added above it may not push it out). Stops when dropped.
pub struct Sentinel {
    observer: web_sys::IntersectionObserver,
    target: web_sys::Element,
    _callback: Closure<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>,
}

impl Sentinel {
    /// Starts watching `target`; `None` when the browser has no IntersectionObserver.
    pub fn watch(
        target: web_sys::Element,
        margin: &str,
        on_visible: impl Fn() -> bool + 'static,
    ) -> Option<Sentinel> {
        let has_observer =
            js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("IntersectionObserver"))
                .unwrap_or(false);
        if !has_observer {
            return None;
        }
        let callback = Closure::<dyn FnMut(js_sys::Array, web_sys::IntersectionObserver)>::new(
            move |entries: js_sys::Array, observer: web_sys::IntersectionObserver| {
                let visible = entries.iter().any(|entry| {
                    entry.unchecked_into::<web_sys::IntersectionObserverEntry>().is_intersecting()
                });
                // `on_visible` says whether it added something; if so, look again once the
                // new content is laid out.
                if visible && on_visible() {
                    let target = entries
                        .get(0)
                        .unchecked_into::<web_sys::IntersectionObserverEntry>()
                        .target();
                    leptos::prelude::request_animation_frame(move || {
                        observer.unobserve(&target);
                        observer.observe(&target);
                    });
                }
            },
        );
        let options = web_sys::IntersectionObserverInit::new();
        options.set_root_margin(margin);
        let observer = web_sys::IntersectionObserver::new_with_options(
            callback.as_ref().unchecked_ref(),
            &options,
        )
        .ok()?;
        observer.observe(&target);
        Some(Sentinel { observer, target, _callback: callback })
    }

    /// Looks at the element again (after the content around it changed).
    pub fn recheck(&self) {
        self.observer.unobserve(&self.target);
        self.observer.observe(&self.target);
    }
}

impl Drop for Sentinel {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}
