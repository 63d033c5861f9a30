//! Browser test of the compare view opened from a link: the app mounted on
//! `?dataset=trajex-demo/runs-per-instance&...&row=4&compare=6` (the local hub's demo rows: a
//! resolved run of python__mypy-11567 that loops and a failed run derived from it, see
//! hub/data/SOURCES.md) shows both runs side by side: the facts with the outcome marked as
//! differing, the first divergent step, the aligned timelines and the three-way patch
//! comparison; its "open A" button opens the first run at the divergent step, whose loop flag's
//! evidence buttons select their message.
//!
//! Runs against the local hub (`TRAJEX_TEST_HUB`, see `scripts/test`).

#![cfg(target_arch = "wasm32")]

mod common_web;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// Waits `ms` milliseconds.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

fn select_all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    let query: js_sys::Function =
        js_sys::Reflect::get(root, &"querySelectorAll".into()).unwrap().unchecked_into();
    let list = query.call1(root, &selector.into()).unwrap();
    js_sys::Array::from(&list).iter().map(JsCast::unchecked_into).collect()
}

/// Waits (up to 20 s) until `selector` matches under `root`.
async fn wait_for(root: &web_sys::Element, selector: &str) -> web_sys::Element {
    for _ in 0..400 {
        if let Some(element) = root.query_selector(selector).unwrap() {
            return element;
        }
        sleep(50).await;
    }
    panic!(
        "nothing matches {selector}: {}",
        root.inner_html().chars().take(2000).collect::<String>()
    );
}

fn attr(element: &web_sys::Element, name: &str) -> String {
    element.get_attribute(name).unwrap_or_default()
}

fn click(element: &web_sys::Element) {
    element.unchecked_ref::<web_sys::HtmlElement>().click();
}

#[wasm_bindgen_test]
async fn the_compare_view_opens_from_a_link() {
    let hub = common_web::hub();
    let query = format!(
        "dataset=trajex-demo%2Fruns-per-instance&config=default&split=train&row=4&compare=6\
         &endpoint={}&viewer_endpoint={}",
        js_sys::encode_uri_component(hub),
        js_sys::encode_uri_component(&format!("{hub}/viewer")),
    );
    trajex::ui::browser::set_query(&query, false);
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), trajex::ui::App);

    let view = wait_for(&host, "[data-testid=compare-view]").await;
    // Facts: same instance, other outcome, other flags.
    let fact = |label: &str| {
        select_all(&view, "[data-testid=compare-fact]")
            .into_iter()
            .find(|f| attr(f, "data-label") == label)
            .unwrap_or_else(|| panic!("no fact {label}"))
    };
    assert_eq!(attr(&fact("Instance"), "data-differs"), "false");
    let outcome = fact("Outcome");
    assert_eq!(attr(&outcome, "data-differs"), "true");
    assert!(outcome.text_content().unwrap().contains("resolved"));
    assert!(outcome.text_content().unwrap().contains("failed"));
    assert_eq!(attr(&fact("Flags"), "data-differs"), "true");
    assert!(fact("Flags").text_content().unwrap().contains("loops"));
    // The first divergence: step 8 (turn 7), another file.
    let divergence = view.query_selector("[data-testid=compare-divergence]").unwrap().unwrap();
    assert_eq!(attr(&divergence, "data-turn"), "7");
    assert!(divergence.text_content().unwrap().contains("the file differs"));
    // Timelines aligned by step: one row per step of the longer run (A: 22 steps, B: 20).
    let steps = select_all(&view, "[data-testid=compare-step]");
    assert_eq!(steps.len(), 22);
    assert_eq!(attr(&steps[0], "data-differs"), "false");
    assert_eq!(attr(&steps[7], "data-differs"), "true");
    assert!(steps[21].text_content().unwrap().contains('—'), "B has no step 22");
    // Patches: astdiff.py in both, with a shared hunk and one only A has; no reference.
    let files = select_all(&view, "[data-testid=compare-file]");
    let astdiff = files
        .iter()
        .find(|f| attr(f, "data-path") == "mypy/server/astdiff.py")
        .expect("astdiff.py compared");
    let hunks: Vec<String> = select_all(astdiff, "[data-testid=compare-hunk]")
        .iter()
        .map(|h| attr(h, "data-sides"))
        .collect();
    assert_eq!(hunks, ["A,B", "A"]);
    assert!(!select_all(astdiff, "[data-testid=diff-line]").is_empty(), "hunks drawn as diff rows");
    let summary = view.query_selector("[data-testid=compare-patch-summary]").unwrap().unwrap();
    assert!(summary.text_content().unwrap().contains("reference not given"));

    // Open A at the divergent step: the trajectory view, the loop flag and its evidence.
    click(&view.query_selector("[data-testid=divergence-open-a]").unwrap().unwrap());
    let flags = wait_for(&host, "[data-testid=flags] [data-testid=flag]").await;
    assert_eq!(attr(&flags, "data-kind"), "loops");
    let query = trajex::ui::browser::query();
    assert!(
        query.contains("row=4") && query.contains("step=16") && !query.contains("compare="),
        "{query}"
    );
    let evidence = select_all(&host, "[data-testid=flag-step]");
    assert_eq!(
        evidence.iter().map(|e| attr(e, "data-step")).collect::<Vec<_>>(),
        ["12", "14", "16"]
    );
    click(&evidence[0]);
    sleep(300).await;
    assert!(trajex::ui::browser::query().contains("step=12"), "{}", trajex::ui::browser::query());
    let selected = wait_for(&host, "#msg-12").await;
    assert!(selected.is_connected());

    drop(handle);
    host.remove();
    trajex::ui::browser::set_query("", false);
}
