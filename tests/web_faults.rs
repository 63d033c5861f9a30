//! Reading under the faults a real Hub shows, in headless Chromium against the local hub
//! (hub/server.mjs and its `/__control/faults` schedules): every row comes exactly once, in
//! order, or the read fails with a clear error.
//!
//! `scripts/test` starts the server and passes its URL at compile time in `TRAJEX_TEST_HUB`.

#![cfg(target_arch = "wasm32")]

mod common_web;

use common_web::*;
use serde_json::{json, Value};
use trajex::domain::hub::SplitSource;
use trajex::net::HubClient;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The schedule of the independent emulation the issue reports: every 5th request is a 429
/// (`Retry-After: 1`), and every 2nd file body is cut after half its bytes. As on the page, the
/// split is found, streamed, then read again for the export (with its raw bytes).
#[wasm_bindgen_test]
async fn the_reported_schedule_gives_each_raw_row_once() {
    reset().await;
    let client = client();
    let jsonl_split = demo("openhands", "swegym_jsonl");
    let abort = trajex::net::AbortHandle::new();
    control(
        "POST",
        "faults",
        Some(json!([
            {"match": "/", "kind": "status", "status": 429, "every": 5,
             "rate_limit": {"remaining": 0, "reset_seconds": 1}},
            {"match": "resolve/", "kind": "cut", "after_fraction": 0.5, "every": 2},
        ])),
    )
    .await;
    let lines = fixture_lines();
    let mut retries = 0;
    for keep_raw in [false, true, true] {
        let source = client.source_of(&jsonl_split, &abort).await.unwrap();
        let (rows, raw, progress) = read(&client, &jsonl_split, &source, keep_raw).await;
        assert_eq!(rows.len(), lines.len(), "{progress:?}");
        if keep_raw {
            assert_eq!(raw.len(), lines.len(), "{progress:?}");
            for (got, want) in raw.iter().zip(&lines) {
                assert_eq!(got.as_slice(), *want);
            }
        }
        retries += progress.retries;
    }
    assert!(retries >= 2, "the schedule bit: {retries} retries");
    let log = data_requests().await;
    assert!(log.iter().any(|r| r["cut"] == true), "a body was cut");
    assert!(log.iter().any(|r| r["status"] == 429), "a request was rate limited");
    reset().await;
}

/// A small deterministic generator (xorshift64*), so that a failing schedule can be named by
/// its seed and run again.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random fault schedule for requests whose path holds `target`: 429s with a wait, 503
/// bursts, bodies cut after a share of their bytes, slow bodies and, when `versions`, a file
/// that becomes a new version mid-read. Counts are bounded so that every read can finish.
fn schedule(rng: &mut Rng, target: &str, versions: bool) -> Value {
    let mut rules = Vec::new();
    for _ in 0..1 + rng.below(4) {
        let rule = match rng.below(if versions { 5 } else { 4 }) {
            0 => json!({"match": target, "kind": "status", "status": 429,
                        "every": 2 + rng.below(4), "times": 1 + rng.below(3),
                        "rate_limit": {"remaining": 0, "reset_seconds": 0}}),
            1 => json!({"match": target, "kind": "status", "status": 503,
                        "skip": rng.below(4), "times": 1 + rng.below(3)}),
            2 => json!({"match": target, "kind": "cut",
                        "after_fraction": (1 + rng.below(9)) as f64 / 10.0,
                        "every": 1 + rng.below(2), "times": 1 + rng.below(4)}),
            3 => json!({"match": target, "kind": "slow", "chunk_bytes": 8192 + rng.below(32768),
                        "delay_ms": 1, "times": 1 + rng.below(2)}),
            _ => json!({"match": target, "kind": "etag", "etag": format!("\"v{}\"", rng.next()),
                        "skip": 1 + rng.below(3)}),
        };
        rules.push(rule);
    }
    Value::Array(rules)
}

fn patient_client() -> HubClient {
    let mut client = client();
    client.retry.base_delay_ms = 10;
    client.retry.max_delay_ms = 80;
    client.retry.max_attempts = 8;
    client
}

/// Random schedules over the three ways to read a split (JSONL through `/resolve/` with raw
/// bytes, Parquet ranges, the viewer's `/rows`): every row once, in order, the same as without
/// faults, and the JSONL rows byte for byte.
#[wasm_bindgen_test]
async fn every_row_once_and_in_order_under_random_schedules() {
    reset().await;
    let client = patient_client();
    let abort = trajex::net::AbortHandle::new();
    let jsonl_split = demo("openhands", "swegym_jsonl");
    let parquet_split = demo("openhands", "swegym");
    let jsonl = client.source_of(&jsonl_split, &abort).await.unwrap();
    let parquet = client.source_of(&parquet_split, &abort).await.unwrap();
    let rows = SplitSource::ViewerRows(jsonl_split.clone());
    let (expected, _, _) = read(&client, &jsonl_split, &jsonl, false).await;
    let lines = fixture_lines();
    let paths = [
        ("jsonl", &jsonl_split, &jsonl, "resolve/", true),
        ("parquet", &parquet_split, &parquet, "resolve/", true),
        ("rows", &jsonl_split, &rows, "/viewer/rows", false),
    ];
    let mut checked = 0;
    let mut restarted = 0;
    for seed in 1..=10u64 {
        for (name, split, source, target, versions) in paths {
            let mut rng = Rng(seed * 7919 + name.len() as u64);
            let rules = schedule(&mut rng, target, versions);
            reset().await;
            control("POST", "faults", Some(rules.clone())).await;
            let (got, raw, progress) = read(&client, split, source, name == "jsonl").await;
            let context = format!("{name}, seed {seed}, schedule {rules}, {progress:?}");
            assert_eq!(summary(&got), summary(&expected), "{context}");
            if name == "jsonl" {
                assert_eq!(raw.len(), lines.len(), "{context}");
                for (got, want) in raw.iter().zip(&lines) {
                    assert!(got.as_slice() == *want, "{context}");
                }
            }
            restarted += progress.restarted;
            checked += got.len();
        }
    }
    reset().await;
    console_log!("{checked} rows checked, {restarted} restarts");
    assert!(restarted > 0, "some schedules change a file mid-read");
}

/// A file that becomes a new version while it is read: the reader says `restart`, and what a
/// consumer holds at the end is the whole split once (the rows before the change are void).
#[wasm_bindgen_test]
async fn a_file_that_changes_mid_read_is_read_again_from_the_start() {
    reset().await;
    let client = patient_client();
    let abort = trajex::net::AbortHandle::new();
    for (config, name) in [("openhands", "swegym_jsonl"), ("openhands", "swegym")] {
        let split = demo(config, name);
        let source = client.source_of(&split, &abort).await.unwrap();
        let (expected, _, _) = read(&client, &split, &source, false).await;
        // The first body is cut after 60%; the next request sees a new version.
        control(
            "POST",
            "faults",
            Some(json!([
                {"match": "resolve/", "kind": "cut", "after_fraction": 0.6, "times": 1},
                {"match": "resolve/", "kind": "etag", "etag": "\"next\"", "skip": 1},
            ])),
        )
        .await;
        let mut held = Vec::new();
        let mut restarts = 0;
        let progress = client
            .stream(split_origin(&split), &source, false, &abort, &mut |batch| {
                if batch.restart {
                    restarts += 1;
                    held.clear();
                }
                held.extend(batch.trajectories);
            })
            .await
            .unwrap();
        assert_eq!(restarts, 1, "{name}: {progress:?}");
        assert_eq!(progress.restarted, 1);
        assert_eq!(summary(&held), summary(&expected), "{name}");
        reset().await;
    }
}

/// A row opened by a link (`/rows` of one row) and a model file (the tokenizer) come whole
/// through 429s, 503s and cut bodies.
#[wasm_bindgen_test]
async fn the_deep_link_row_and_the_tokenizer_file_survive_faults() {
    reset().await;
    let client = patient_client();
    let abort = trajex::net::AbortHandle::new();
    let split = demo("openhands", "swegym_jsonl");
    let query = trajex::domain::hub::RowsQuery::All;
    let want = client.rows_page(&split, &query, 3, 1, &abort).await.unwrap();
    let tokenizer = format!("{}/trajex-test/tiny-bpe/resolve/main/tokenizer.json", hub());
    let want_file = client.file_bytes(&tokenizer, &abort).await.unwrap();
    for seed in 1..=6u64 {
        let mut rng = Rng(seed);
        let mut rules = schedule(&mut rng, "/viewer/rows", false);
        let more = schedule(&mut rng, "tiny-bpe", true);
        rules.as_array_mut().unwrap().extend(more.as_array().unwrap().iter().cloned());
        reset().await;
        control("POST", "faults", Some(rules.clone())).await;
        let got = client.rows_page(&split, &query, 3, 1, &abort).await.unwrap();
        assert_eq!(got.rows.len(), 1, "{rules}");
        assert_eq!(got.rows[0].row, want.rows[0].row, "{rules}");
        let file = client.file_bytes(&tokenizer, &abort).await.unwrap();
        assert!(
            file == want_file,
            "seed {seed}: {} bytes, want {}; {rules}",
            file.len(),
            want_file.len()
        );
    }
    reset().await;
}
