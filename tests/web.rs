//! Browser tests (wasm32 only), run in headless Chromium by wasm-bindgen-test-runner:
//! `CHROMEDRIVER=$(command -v chromedriver) cargo test --target wasm32-unknown-unknown --test web`.
//!
//! They check the core as compiled for the browser (decoding chunks cut anywhere, normalizing),
//! the URL check on `?file=`, and that the `App` component mounts on its start page.
#![cfg(target_arch = "wasm32")]

use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::JsonlDecoder;
use trajex::domain::trajectory::{Format, Origin};
use trajex::domain::TrajectoryMetrics;
use trajex::net::check_url;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The bundled demo file (public/demo/open_swe_traces.jsonl is a copy of it).
const DEMO: &[u8] = include_bytes!("fixtures/open_swe_traces/openhands_swegym.jsonl");

#[wasm_bindgen_test]
fn demo_file_fed_in_odd_chunks_gives_five_tool_call_trajectories() {
    let mut decoder = JsonlDecoder::new();
    let mut rows = Vec::new();
    // Odd, varying chunk sizes: lines and UTF-8 characters get cut anywhere.
    let sizes = [1, 7, 4093, 3, 65_537, 13, 8191];
    let mut rest = DEMO;
    let mut i = 0;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes[i % sizes.len()].min(rest.len()));
        decoder.push(chunk, |r| rows.push(r));
        rest = tail;
        i += 1;
    }
    decoder.finish(|r| rows.push(r));
    assert_eq!(rows.len(), 5);
    let origin = Origin::File { path: "demo/open_swe_traces.jsonl".into() };
    for (idx, row) in rows.into_iter().enumerate() {
        let trajectory = normalize_decoded(row.expect("a valid line"), origin.clone(), idx as u64);
        assert_eq!(trajectory.format, Format::OpenAiToolCalls, "row {idx}");
        assert_eq!(trajectory.source.line_no, Some(idx as u64 + 1));
        assert!(TrajectoryMetrics::of(&trajectory).n_tool_calls > 0, "row {idx} has no tool calls");
    }
}

#[wasm_bindgen_test]
fn only_relative_and_http_urls_are_fetched() {
    for ok in
        ["demo/a.jsonl", "/demo/a.jsonl", "http://127.0.0.1:1/x.jsonl", "https://example.org/x"]
    {
        assert_eq!(check_url(ok), Ok(()), "{ok}");
    }
    for bad in ["javascript:alert(1)", "data:text/plain,{}", "file:///etc/passwd"] {
        let err = check_url(bad).unwrap_err();
        assert!(err.ends_with(bad), "{err}");
    }
}

#[wasm_bindgen_test]
fn app_mounts_on_its_start_page() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();

    let handle = leptos::mount::mount_to(host.clone(), trajex::ui::App);
    let title = host.query_selector(".tx-header__title").unwrap().expect("a title");
    assert_eq!(title.text_content().as_deref(), Some("Trajex"));
    assert!(host.query_selector("[data-testid=dataset-input]").unwrap().is_some());
    assert!(host.query_selector("[data-testid=file-input]").unwrap().is_some());

    drop(handle);
    host.remove();
}
