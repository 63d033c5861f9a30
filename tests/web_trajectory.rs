//! Browser tests of the trajectory reader (`ui::trajectory::TrajectoryView`), in headless
//! Chromium: a real Open-SWE-Traces row shows its messages, timeline and diff; a hostile row
//! renders as text and runs nothing; a huge row renders in chunks with its long output
//! collapsed; the search box, `j`/`k`, the timeline and expand/collapse all work; the
//! performance mark is set.
//!
//! `CHROMEDRIVER=$(command -v chromedriver) cargo test --target wasm32-unknown-unknown \
//!  --test web_trajectory`

#![cfg(target_arch = "wasm32")]

use std::sync::Arc;

use leptos::prelude::*;
use serde_json::{json, Value};
use trajex::domain::render;
use trajex::domain::trajectory::{Role, Trajectory};
use trajex::ui::trajectory::{TrajectoryView, CHUNK, FIRST_CHUNK};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

const DEMO: &[u8] = include_bytes!("fixtures/open_swe_traces/openhands_swegym.jsonl");

fn first_row() -> Trajectory {
    let text = std::str::from_utf8(DEMO).unwrap();
    let row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    trajex::domain::normalize(row, Default::default())
}

/// A mounted reader; unmounted and removed on drop.
struct Mounted {
    host: web_sys::HtmlElement,
    step: RwSignal<Option<usize>>,
    _handle: Box<dyn std::any::Any>,
}

impl Mounted {
    fn new(trajectory: Trajectory) -> Mounted {
        let document = web_sys::window().unwrap().document().unwrap();
        let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
        document.body().unwrap().append_child(&host).unwrap();
        let trajectory = Arc::new(trajectory);
        let (set_step_out, step_out) = std::sync::mpsc::channel();
        let handle = leptos::mount::mount_to(host.clone(), move || {
            let step = RwSignal::new(None);
            set_step_out.send(step).unwrap();
            let trajectory = Signal::derive({
                let trajectory = Arc::clone(&trajectory);
                move || Some(Arc::clone(&trajectory))
            });
            view! { <TrajectoryView trajectory step /> }.into_any()
        });
        let step = step_out.recv().unwrap();
        Mounted { host, step, _handle: Box::new(handle) }
    }

    fn all(&self, selector: &str) -> Vec<web_sys::Element> {
        select_all(&self.host, selector)
    }

    fn one(&self, selector: &str) -> web_sys::Element {
        self.host
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no element matches {selector}"))
    }

    fn click(&self, selector: &str) {
        self.one(selector).unchecked_into::<web_sys::HtmlElement>().click();
    }

    fn text(&self, selector: &str) -> String {
        self.one(selector).text_content().unwrap_or_default()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.host.remove();
    }
}

/// Every element under `root` matching `selector` (through JS: web-sys's NodeList is not among
/// the crate's features).
fn select_all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let query: js_sys::Function =
        js_sys::Reflect::get(root, &"querySelectorAll".into()).unwrap().unchecked_into();
    let list = query.call1(root, &selector.into()).unwrap();
    js_sys::Array::from(&list).iter().map(JsCast::unchecked_into).collect()
}

/// Waits `ms` milliseconds (effects, animation frames and observers run meanwhile).
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Sends a `keydown` of `key` to the window.
fn press(key: &str) {
    let init = js_sys::Object::new();
    js_sys::Reflect::set(&init, &"key".into(), &key.into()).unwrap();
    js_sys::Reflect::set(&init, &"bubbles".into(), &true.into()).unwrap();
    js_sys::Reflect::set(&init, &"cancelable".into(), &true.into()).unwrap();
    let constructor: js_sys::Function =
        js_sys::Reflect::get(&js_sys::global(), &"KeyboardEvent".into()).unwrap().unchecked_into();
    let event =
        js_sys::Reflect::construct(&constructor, &js_sys::Array::of2(&"keydown".into(), &init))
            .unwrap();
    let window = web_sys::window().unwrap();
    window.dispatch_event(event.unchecked_ref()).unwrap();
}

fn global(name: &str) -> JsValue {
    js_sys::Reflect::get(&js_sys::global(), &name.into()).unwrap()
}

#[wasm_bindgen_test]
async fn a_real_row_shows_messages_timeline_and_diff() {
    let trajectory = first_row();
    let n_messages = trajectory.messages.len();
    let n_assistant = trajectory.messages.iter().filter(|m| m.role == Role::Assistant).count();
    let instance = trajectory.ids.instance_id.clone().unwrap();
    assert!(trajectory.final_patch.is_some());
    let mounted = Mounted::new(trajectory.clone());

    assert_eq!(mounted.text("[data-testid=trajectory-title]"), instance);
    assert_eq!(mounted.all("[data-testid=message]").len(), n_messages.min(FIRST_CHUNK));
    let first = mounted.one("[data-testid=message]");
    assert_eq!(first.id(), "msg-0");
    assert_eq!(first.get_attribute("data-role").as_deref(), Some("system"));
    assert_eq!(mounted.all("[data-testid=timeline-mark]").len(), n_assistant);
    assert!(!mounted.all("[data-testid=tool-call]").is_empty());
    let diff_lines = mounted.all("[data-testid=diff] [data-testid=diff-line]");
    let (patch, _) = trajex::domain::patch::parse(&trajectory.final_patch.unwrap().text);
    let n_lines: usize = patch.files.iter().flat_map(|f| &f.hunks).map(|h| h.lines.len()).sum();
    assert_eq!(diff_lines.len(), n_lines.min(600));
    assert!(!mounted.all("[data-testid=diff-file]").is_empty());

    // A click on a timeline mark selects its step.
    let marks = mounted.all("[data-testid=timeline-mark]");
    let target: usize = marks[2].get_attribute("data-step").unwrap().parse().unwrap();
    marks[2].unchecked_ref::<web_sys::HtmlElement>().click();
    assert_eq!(mounted.step.get_untracked(), Some(target));
    sleep(50).await;
    let selected = mounted.all(".tx-message--selected");
    assert_eq!(selected.len(), 1);
    assert_eq!(selected[0].id(), format!("msg-{target}"));

    // j and k move the step.
    press("j");
    assert_eq!(mounted.step.get_untracked(), Some(target + 1));
    press("k");
    press("k");
    assert_eq!(mounted.step.get_untracked(), Some(target - 1));

    // The performance mark is set once painted.
    let performance = global("performance");
    let entries_by_name: js_sys::Function =
        js_sys::Reflect::get(&performance, &"getEntriesByName".into()).unwrap().unchecked_into();
    let entries: js_sys::Array =
        entries_by_name.call1(&performance, &render_mark().into()).unwrap().unchecked_into();
    assert_eq!(entries.length(), 1);
}

fn render_mark() -> &'static str {
    "trajex:trajectory-rendered"
}

#[wasm_bindgen_test]
async fn search_keeps_matching_messages_and_escape_clears_it() {
    let trajectory = first_row();
    let n_messages = trajectory.messages.len();
    let needle = "sliding_window_inference";
    let n_matching =
        trajectory.messages.iter().filter(|m| render::message_matches(m, needle)).count();
    assert!(n_matching > 0 && n_matching < n_messages);
    let mounted = Mounted::new(trajectory);

    press("/");
    let input: web_sys::HtmlInputElement =
        mounted.one("[data-testid=trajectory-search]").unchecked_into();
    let active = web_sys::window().unwrap().document().unwrap().active_element().unwrap();
    assert_eq!(active, input.clone().unchecked_into::<web_sys::Element>());
    input.set_value(&needle.to_uppercase());
    input.dispatch_event(&web_sys::Event::new("input").unwrap()).unwrap();
    sleep(30).await;
    assert_eq!(mounted.all("[data-testid=message]").len(), n_matching.min(FIRST_CHUNK));
    assert!(mounted.text("[data-testid=shown-count]").starts_with(&format!("{n_matching} of")));

    input.blur().unwrap();
    press("Escape");
    sleep(30).await;
    assert_eq!(mounted.all("[data-testid=message]").len(), n_messages.min(FIRST_CHUNK));
}

fn hostile_row() -> Value {
    json!({
        "instance_id": "evil__repo-1<img src=x onerror=\"window.__pwned=1\">",
        "messages": [
            {"role": "system", "content": "<script>window.__pwned=1</script>"},
            {"role": "user", "content": "<img src=x onerror=\"window.__pwned=1\">\n\n[click](javascript:window.__pwned=1) <svg onload=\"window.__pwned=1\"></svg>"},
            {"role": "assistant", "content": "<iframe src=\"javascript:window.__pwned=1\"></iframe>\n\n**bold**",
             "reasoning_content": "<img src=x onerror=\"window.__pwned=1\">",
             "tool_calls": [{"id": "c1", "type": "function", "function": {
                 "name": "<b onmouseover=\"window.__pwned=1\">bash</b>",
                 "arguments": "{\"command\": \"<script>window.__pwned=1</script>\"}"}}]},
            {"role": "tool", "tool_call_id": "c1", "content": "<script>window.__pwned=1</script>"}
        ],
        "patch": "diff --git a/x.html b/x.html\n--- a/x.html\n+++ b/x.html\n@@ -1 +1 @@\n-<p>\n+<img src=x onerror=\"window.__pwned=1\">\n",
        "reference_patch": "--- a/y.html\n+++ b/y.html\n@@ -3,2 +3,3 @@\n <p>\n+<script>window.__pwned=1</script>\n </p>\n"
    })
}

#[wasm_bindgen_test]
async fn a_hostile_row_renders_as_text_and_runs_nothing() {
    let trajectory = trajex::domain::normalize(hostile_row(), Default::default());
    assert_eq!(trajectory.messages.len(), 4);
    let mounted = Mounted::new(trajectory);
    mounted.click("[data-testid=expand-all]");
    sleep(100).await;

    for tag in ["img", "script", "iframe", "svg", "b"] {
        assert!(mounted.all(tag).is_empty(), "a <{tag}> element was created");
    }
    assert!(mounted.all("[onerror], [onload], [onmouseover], [style]").is_empty());
    for link in mounted.all("a[href]") {
        let href = link.get_attribute("href").unwrap();
        assert!(href.starts_with('#') || href.starts_with("http"), "link to {href}");
    }
    let text = mounted.host.text_content().unwrap();
    assert!(text.contains("<img src=x onerror=\"window.__pwned=1\">"), "{text}");
    assert!(text.contains("<script>window.__pwned=1</script>"), "{text}");
    assert!(text.contains("<b onmouseover=\"window.__pwned=1\">bash</b>"));
    assert_eq!(mounted.all("[data-testid=message] strong").len(), 1);
    assert_eq!(mounted.all("[data-testid=reasoning]").len(), 1);

    // The reference patch is in its own tab, numbered from its hunk header.
    assert_eq!(mounted.all("[data-testid=diff-line]").len(), 2);
    mounted.click("[data-testid=patch-tab-reference]");
    sleep(30).await;
    let lines = mounted.all("[data-testid=diff-line]");
    assert_eq!(lines.len(), 3);
    let cells: Vec<String> = select_all(&lines[1], "td")
        .iter()
        .map(|cell| cell.text_content().unwrap_or_default())
        .collect();
    assert_eq!(cells, ["", "4", "+<script>window.__pwned=1</script>"]);
    assert!(mounted.all("script").is_empty());
    assert!(global("__pwned").is_undefined());
}

#[wasm_bindgen_test]
async fn a_patch_taken_from_a_tool_result_says_so() {
    let text = include_str!("fixtures/real/mini_swe_agent_traj.jsonl");
    let row: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    let trajectory = trajex::domain::normalize(row, Default::default());
    let source = trajectory.final_patch.as_ref().map(|p| (p.inferred, p.field.clone()));
    assert_eq!(source, Some((true, "messages/21".to_owned())));
    let mounted = Mounted::new(trajectory);
    let note = mounted.text("[data-testid=patch-inferred]");
    assert!(note.starts_with("Inferred from a tool result"), "{note}");
    assert!(note.contains("#21"), "{note}");
    assert!(!mounted.all("[data-testid=diff-line]").is_empty());
}

/// A trajectory of 400 messages whose first tool output is 2 MB long.
fn huge_trajectory() -> Trajectory {
    let mut messages = vec![json!({"role": "system", "content": "system prompt"})];
    for i in 0..200 {
        let output =
            if i == 0 { format!("{}\n", "x".repeat(99)).repeat(20_000) } else { "ok".into() };
        messages.push(json!({"role": "assistant", "content": format!("step {i}"),
            "tool_calls": [{"id": format!("c{i}"), "type": "function",
                "function": {"name": "execute_bash", "arguments": "{\"command\": \"ls\"}"}}]}));
        messages.push(json!({"role": "tool", "tool_call_id": format!("c{i}"), "content": output}));
    }
    messages.pop();
    trajex::domain::normalize(json!({"messages": messages}), Default::default())
}

#[wasm_bindgen_test]
async fn a_huge_row_renders_in_chunks_with_long_output_collapsed() {
    let trajectory = huge_trajectory();
    assert_eq!(trajectory.messages.len(), 400);
    let performance = web_sys::window().unwrap().performance().unwrap();
    let start = performance.now();
    let mounted = Mounted::new(trajectory);
    leptos::logging::log!(
        "mounted 400 messages (2 MB output) in {:.0} ms",
        performance.now() - start
    );
    assert_eq!(mounted.all("[data-testid=message]").len(), FIRST_CHUNK);
    assert_eq!(mounted.all("[data-testid=timeline-mark]").len(), 200);

    // The 2 MB output shows only its preview until expanded.
    let long = mounted.one("#msg-2 [data-testid=long-text]");
    assert_eq!(long.get_attribute("data-open").as_deref(), Some("false"));
    let shown = long.query_selector("pre").unwrap().unwrap().text_content().unwrap();
    assert!(shown.len() <= render::PREVIEW_CHARS, "{} chars shown", shown.len());
    assert!(mounted.text("#msg-2 [data-testid=toggle-long-text]").contains("20,000 lines"));
    mounted.click("#msg-2 [data-testid=toggle-long-text]");
    sleep(30).await;
    let shown = mounted.one("#msg-2 pre").text_content().unwrap();
    assert_eq!(shown.len(), 2_000_000);
    mounted.click("[data-testid=collapse-all]");
    sleep(30).await;
    assert!(mounted.one("#msg-2 pre").text_content().unwrap().len() <= render::PREVIEW_CHARS);

    // More messages come with "show more"; selecting a far step renders up to it.
    let before = mounted.all("[data-testid=message]").len();
    mounted.click("[data-testid=show-more]");
    sleep(30).await;
    assert!(mounted.all("[data-testid=message]").len() >= before + CHUNK);
    mounted.step.set(Some(399));
    sleep(100).await;
    assert!(mounted.host.query_selector("#msg-399").unwrap().is_some());
    // A far step starts a new window a little before it: the messages between are not
    // rendered, and earlier ones come on request.
    assert!(mounted.host.query_selector("#msg-200").unwrap().is_none());
    assert!(mounted.host.query_selector("#msg-397").unwrap().is_some());
    let before = mounted.all("[data-testid=message]").len();
    mounted.click("[data-testid=show-earlier]");
    sleep(30).await;
    assert!(mounted.all("[data-testid=message]").len() > before);
}
