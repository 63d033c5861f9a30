//! Browser tests (wasm32 only), run in headless Chromium by wasm-bindgen-test-runner:
//! `CHROMEDRIVER=$(command -v chromedriver) cargo test --target wasm32-unknown-unknown --test web`.
//!
//! They check the browser half of the app: the streaming ingest that `net` runs on every
//! downloaded chunk, the URL check on `?file=`, and that the `App` component mounts.
#![cfg(target_arch = "wasm32")]

use trajex::domain::trajectory::{Format, Origin};
use trajex::domain::TrajectoryMetrics;
use trajex::net::{check_url, FetchError, JsonlIngest};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

/// The bundled demo file (public/demo/open_swe_traces.jsonl is a copy of it).
const DEMO: &[u8] = include_bytes!("fixtures/open_swe_traces/openhands_swegym.jsonl");

#[wasm_bindgen_test]
fn demo_file_fed_in_odd_chunks_gives_five_tool_call_trajectories() {
    let url = "demo/open_swe_traces.jsonl";
    let mut ingest = JsonlIngest::new(url);
    let mut trajectories = Vec::new();
    let mut errors = Vec::new();
    // Odd, varying chunk sizes: lines and UTF-8 characters get cut anywhere.
    let sizes = [1, 7, 4093, 3, 65_537, 13, 8191];
    let mut rest = DEMO;
    let mut i = 0;
    while !rest.is_empty() {
        let (chunk, tail) = rest.split_at(sizes[i % sizes.len()].min(rest.len()));
        let batch = ingest.push(chunk);
        trajectories.extend(batch.trajectories);
        errors.extend(batch.errors);
        rest = tail;
        i += 1;
    }
    let last = ingest.finish();
    trajectories.extend(last.trajectories);
    errors.extend(last.errors);

    assert!(errors.is_empty(), "line errors: {errors:?}");
    assert_eq!(trajectories.len(), 5);
    let progress = ingest.progress();
    assert_eq!((progress.rows, progress.errors), (5, 0));
    assert_eq!(progress.bytes, DEMO.len() as u64);
    for (idx, trajectory) in trajectories.iter().enumerate() {
        assert_eq!(trajectory.format, Format::OpenAiToolCalls, "row {idx}");
        assert_eq!(trajectory.source.row_idx, idx as u64);
        assert_eq!(trajectory.source.line_no, Some(idx as u64 + 1));
        assert_eq!(trajectory.source.origin, Origin::File { path: url.to_owned() });
        assert!(TrajectoryMetrics::of(trajectory).n_tool_calls > 0, "row {idx} has no tool calls");
    }
    assert_eq!(trajectories[0].source.byte_offset, Some(0));
}

#[wasm_bindgen_test]
fn line_errors_are_reported_and_counted_in_row_numbers() {
    let mut ingest = JsonlIngest::new("mixed.jsonl");
    let mut batch = ingest.push(b"{\"messages\": []}\nnot json\n\n{\"messages\"");
    let tail = ingest.finish();
    batch.trajectories.extend(tail.trajectories);
    batch.errors.extend(tail.errors);
    assert_eq!(batch.trajectories.len(), 1);
    assert_eq!(batch.errors.len(), 2);
    assert_eq!(batch.errors[0].line_no, 2);
    assert_eq!(batch.errors[1].line_no, 4);
    assert_eq!(ingest.progress().errors, 2);
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
        assert_eq!(err, FetchError::UnsupportedUrl { url: bad.to_owned() });
        assert!(err.to_string().ends_with(bad), "{err}");
    }
}

#[wasm_bindgen_test]
fn app_mounts_with_its_header() {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();

    let handle = leptos::mount::mount_to(host.clone(), trajex::ui::App);
    let title = host.query_selector("h1").unwrap().expect("a heading");
    assert_eq!(title.text_content().as_deref(), Some("Trajex"));
    assert!(host.query_selector("[data-testid=trajectory-table]").unwrap().is_some());
    assert!(host.query_selector("[data-testid=row-count]").unwrap().is_some());

    drop(handle); // unmounts and cancels the download
    host.remove();
}
