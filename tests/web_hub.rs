//! The browser's Hugging Face client against the local Hub-compatible server (hub/server.mjs),
//! in headless Chromium: the three ways to read a split give the same rows as the files hold;
//! a 429, a 503 and a connection cut mid-body still give every row exactly once; gated data
//! needs a token, sent only where allowed; cancelling stops the traffic.
//!
//! `scripts/test` starts the server and passes its URL at compile time in `TRAJEX_TEST_HUB`.

#![cfg(target_arch = "wasm32")]

mod common_web;

use common_web::*;
use trajex::domain::hub::{HubErrorKind, SplitSource};
use trajex::net::{AbortHandle, ParquetEnds, SplitBatch};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn the_three_paths_give_the_rows_the_files_hold() {
    reset().await;
    let client = client();
    let abort = AbortHandle::new();

    let jsonl_split = demo("openhands", "swegym_jsonl");
    let source = client.source_of(&jsonl_split, &abort).await.unwrap();
    assert!(matches!(source, SplitSource::Jsonl { .. }), "{source:?}");
    let (jsonl, raw, progress) = read(&client, &jsonl_split, &source, true).await;
    assert_eq!(progress.rows, 5);
    // Raw rows are the file's lines, byte for byte.
    assert_eq!(raw, fixture_lines().iter().map(|l| l.to_vec()).collect::<Vec<_>>());

    for config in ["openhands", "openhands_zstd"] {
        let parquet_split = demo(config, "swegym");
        let source = client.source_of(&parquet_split, &abort).await.unwrap();
        assert!(matches!(source, SplitSource::Parquet { .. }), "{config}: {source:?}");
        let (rows, _, progress) = read(&client, &parquet_split, &source, false).await;
        assert_eq!(progress.total_rows, Some(5));
        assert_eq!(summary(&rows), summary(&jsonl), "{config}");
    }

    let (rows, _, progress) =
        read(&client, &jsonl_split, &SplitSource::ViewerRows(jsonl_split.clone()), false).await;
    assert_eq!(progress.total_rows, Some(5));
    assert_eq!(summary(&rows), summary(&jsonl), "viewer rows");
}

#[wasm_bindgen_test]
async fn every_row_once_through_429_503_and_a_cut_connection() {
    reset().await;
    let mut client = client();
    client.retry.base_delay_ms = 50;
    let jsonl_split = demo("openhands", "swegym_jsonl");
    let abort = AbortHandle::new();
    let source = client.source_of(&jsonl_split, &abort).await.unwrap();
    let (expected, _, _) = read(&client, &jsonl_split, &source, false).await;

    // A cut in the middle of the second row, then a 503 on the resumed request.
    control(
        "POST",
        "faults",
        Some(serde_json::json!([
            {"match": "resolve/", "kind": "cut", "after_bytes": 70000, "times": 1},
            {"match": "resolve/", "kind": "status", "status": 503, "times": 1},
        ])),
    )
    .await;
    control("DELETE", "requests", None).await;
    let (rows, raw, progress) = read(&client, &jsonl_split, &source, true).await;
    assert_eq!(summary(&rows), summary(&expected));
    assert_eq!(raw.len(), 5);
    assert!(progress.retries >= 2, "{progress:?}");
    let log = control("GET", "requests", None).await;
    let ranges: Vec<&str> =
        log.as_array().unwrap().iter().filter_map(|r| r["range"].as_str()).collect();
    assert!(
        ranges.iter().any(|r| r.starts_with("bytes=") && r != &"bytes=0-"),
        "resumed with a range: {ranges:?}"
    );

    // A 429 with RateLimit on the first /rows page, and a 503 on a parquet range.
    control(
        "POST",
        "faults",
        Some(serde_json::json!([
            {"match": "/viewer/rows", "kind": "status", "status": 429, "times": 1,
             "rate_limit": {"remaining": 0, "reset_seconds": 1}},
        ])),
    )
    .await;
    let (rows, _, progress) =
        read(&client, &jsonl_split, &SplitSource::ViewerRows(jsonl_split.clone()), false).await;
    assert_eq!(summary(&rows), summary(&expected));
    assert_eq!(progress.retries, 1);

    let parquet_split = demo("openhands", "swegym");
    let parquet_source = client.source_of(&parquet_split, &abort).await.unwrap();
    control(
        "POST",
        "faults",
        Some(serde_json::json!([
            {"match": ".parquet", "kind": "status", "status": 503, "times": 2},
        ])),
    )
    .await;
    let (rows, _, progress) = read(&client, &parquet_split, &parquet_source, false).await;
    assert_eq!(summary(&rows), summary(&expected));
    assert_eq!(progress.retries, 2);
    reset().await;
}

#[wasm_bindgen_test]
async fn viewer_pages_come_a_few_at_a_time_and_in_order() {
    reset().await;
    let mut client = client();
    client.retry.base_delay_ms = 50;
    let many = split("trajex-demo/many-rows", "default", "train");
    let abort = AbortHandle::new();
    let jsonl = client.source_of(&many, &abort).await.unwrap();
    let (expected, _, _) = read(&client, &many, &jsonl, false).await;
    assert_eq!(expected.len(), 35);

    // A 503 on the third page: retried, and the rows still come once each, in order.
    control(
        "POST",
        "faults",
        Some(serde_json::json!([
            {"match": "offset=20&", "kind": "status", "status": 503, "times": 1},
        ])),
    )
    .await;
    control("DELETE", "requests", None).await;
    let (rows, _, progress) =
        read(&client, &many, &SplitSource::ViewerRows(many.clone()), false).await;
    assert_eq!(summary(&rows), summary(&expected));
    assert_eq!(progress.total_rows, Some(35));
    assert_eq!(progress.retries, 1);
    let log = control("GET", "requests", None).await;
    let pages: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["url"].as_str())
        .filter(|url| url.contains("/viewer/rows"))
        .collect();
    // Four pages of ten, one of them asked twice.
    assert_eq!(pages.len(), 5, "{pages:?}");
    reset().await;
}

#[wasm_bindgen_test]
async fn gated_data_needs_a_token_sent_only_where_allowed() {
    reset().await;
    let gated = split("trajex-demo/gated", "default", "train");
    let abort = AbortHandle::new();
    let error = client().splits(&gated.dataset, &abort).await.unwrap_err();
    assert_eq!(error.kind, HubErrorKind::Unauthorized);
    assert!(error.user_message().contains("token"));

    // A token is not sent to a host that is not Hugging Face's unless the user allows it.
    let mut with_token = client();
    with_token.token = Some("hf_test".into());
    assert_eq!(
        with_token.splits(&gated.dataset, &abort).await.unwrap_err().kind,
        HubErrorKind::Unauthorized
    );
    with_token.token_everywhere = true;
    let splits = with_token.splits(&gated.dataset, &abort).await.unwrap();
    assert_eq!(splits.splits.len(), 1);
    let log = control("GET", "requests", None).await;
    let urls: Vec<&str> =
        log.as_array().unwrap().iter().filter_map(|r| r["url"].as_str()).collect();
    assert!(urls.iter().all(|u| !u.contains("hf_test")), "the token never goes into a URL");
}

#[wasm_bindgen_test]
async fn cancelling_stops_the_traffic() {
    reset().await;
    let client = client();
    let large = split("trajex-demo/large", "default", "train");
    let abort = AbortHandle::new();
    let source = client.source_of(&large, &abort).await.unwrap();
    assert!(matches!(source, SplitSource::Jsonl { .. }), "{source:?}");
    control(
        "POST",
        "faults",
        Some(serde_json::json!([
            {"match": "large/resolve", "kind": "slow", "chunk_bytes": 65536, "delay_ms": 20},
        ])),
    )
    .await;
    control("DELETE", "requests", None).await;
    let mut n_rows = 0;
    let abort_inside = abort.clone();
    let mut on_batch = |batch: SplitBatch| {
        n_rows += batch.trajectories.len();
        if n_rows >= 3 {
            abort_inside.abort();
        }
    };
    let result = client.stream(split_origin(&large), &source, false, &abort, &mut on_batch).await;
    assert!(result.is_err(), "an aborted stream ends with an error");
    assert!(n_rows >= 3 && n_rows < 2000, "{n_rows} rows before the abort");
    trajex::net::sleep_ms(300).await;
    let requests = data_requests().await;
    assert_eq!(requests.len(), 1, "no request after the abort: {requests:?}");
    assert!(
        requests[0]["aborted"].as_bool().unwrap_or(false),
        "the download was cut off: {:?}",
        requests[0]
    );
    trajex::net::sleep_ms(300).await;
    assert_eq!(data_requests().await.len(), 1, "no new traffic");
    reset().await;
}

/// The `Range` headers of the logged requests for parquet files, in order.
async fn parquet_ranges() -> Vec<String> {
    data_requests()
        .await
        .iter()
        .filter(|r| r["url"].as_str().is_some_and(|u| u.contains(".parquet")))
        .filter_map(|r| r["range"].as_str().map(str::to_owned))
        .collect()
}

#[wasm_bindgen_test]
async fn a_parquet_file_is_read_by_its_two_ends_then_the_spans_between() {
    reset().await;
    let abort = AbortHandle::new();
    let base = client();
    let jsonl_split = demo("openhands", "swegym_jsonl");
    let jsonl = base.source_of(&jsonl_split, &abort).await.unwrap();
    let (expected, _, _) = read(&base, &jsonl_split, &jsonl, false).await;
    let parquet_split = demo("openhands", "swegym");
    let parquet = base.source_of(&parquet_split, &abort).await.unwrap();

    // The default tail holds all of the demo file (140 KB): one request.
    control("DELETE", "requests", None).await;
    let (rows, _, _) = read(&base, &parquet_split, &parquet, false).await;
    assert_eq!(summary(&rows), summary(&expected));
    assert_eq!(parquet_ranges().await, vec![format!("bytes=-{}", ParquetEnds::default().tail)]);

    // A tail too short for the metadata (31 KB) is read again, longer; no head: every group
    // is fetched.
    let mut small = client();
    small.parquet_ends = ParquetEnds { tail: 8192, head: 0 };
    control("DELETE", "requests", None).await;
    let (rows, _, _) = read(&small, &parquet_split, &parquet, false).await;
    assert_eq!(summary(&rows), summary(&expected));
    let ranges = parquet_ranges().await;
    assert_eq!(ranges[..2], ["bytes=-8192".to_owned(), "bytes=-31218".to_owned()]);
    assert!(ranges.len() > 2 && !ranges.iter().any(|r| r.starts_with("bytes=0-")), "{ranges:?}");

    // A head beside the tail: the spans start past it, and the rows are the same.
    small.parquet_ends = ParquetEnds { tail: 40_960, head: 16_384 };
    control("DELETE", "requests", None).await;
    let (rows, _, _) = read(&small, &parquet_split, &parquet, false).await;
    assert_eq!(summary(&rows), summary(&expected));
    let ranges = parquet_ranges().await;
    assert!(ranges.contains(&"bytes=0-16383".to_owned()), "{ranges:?}");
    assert!(ranges.contains(&"bytes=-40960".to_owned()), "{ranges:?}");
    for range in ranges.iter().filter(|r| !r.starts_with("bytes=0-") && !r.starts_with("bytes=-")) {
        let start: u64 = range["bytes=".len()..].split('-').next().unwrap().parse().unwrap();
        assert!(start >= 16_384, "{range} asks again for bytes of the head: {ranges:?}");
    }
}
