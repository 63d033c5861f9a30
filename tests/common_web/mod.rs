//! Helpers of the browser tests against the local hub (`tests/web_hub.rs`, `tests/web_faults.rs`):
//! the client, demo splits, the hub's `/__control` API and whole-split reads.

#![allow(dead_code)]

use serde_json::Value;
use trajex::domain::hub::{DatasetId, Endpoints, SplitRef, SplitSource};
use trajex::domain::trajectory::{Origin, Trajectory};
use trajex::domain::TrajectoryMetrics;
use trajex::net::{AbortHandle, HubClient, SplitBatch, SplitProgress};

pub fn hub() -> &'static str {
    option_env!("TRAJEX_TEST_HUB")
        .expect("TRAJEX_TEST_HUB is not set: run the browser tests through scripts/test")
}

pub fn client() -> HubClient {
    HubClient::new(Endpoints { hub: hub().to_owned(), viewer: format!("{}/viewer", hub()) })
}

pub fn split(dataset: &str, config: &str, split: &str) -> SplitRef {
    SplitRef {
        dataset: DatasetId::parse(dataset).unwrap(),
        config: config.into(),
        split: split.into(),
    }
}

pub fn demo(config: &str, name: &str) -> SplitRef {
    split("trajex-demo/open-swe-traces-sample", config, name)
}

pub async fn control(method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{}/__control/{path}", hub());
    let request = match method {
        "POST" => gloo_net::http::Request::post(&url),
        "DELETE" => gloo_net::http::Request::delete(&url),
        _ => gloo_net::http::Request::get(&url),
    };
    let response = match body {
        Some(body) => request
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .unwrap()
            .send()
            .await
            .unwrap(),
        None => request.send().await.unwrap(),
    };
    serde_json::from_str(&response.text().await.unwrap_or_default()).unwrap_or(Value::Null)
}

pub async fn reset() {
    control("POST", "reset", None).await;
}

/// The logged requests other than the control API's (and their CORS preflights).
pub async fn data_requests() -> Vec<Value> {
    let log = control("GET", "requests", None).await;
    log.as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["method"] != "OPTIONS" && r["url"].as_str().is_some_and(|u| !u.contains("__control"))
        })
        .cloned()
        .collect()
}

/// Reads a whole split, collecting everything (less what a restart voided).
pub async fn read(
    client: &HubClient,
    split: &SplitRef,
    source: &SplitSource,
    keep_raw: bool,
) -> (Vec<Trajectory>, Vec<Vec<u8>>, SplitProgress) {
    let abort = AbortHandle::new();
    let mut trajectories = Vec::new();
    let mut raw = Vec::new();
    let mut on_batch = |batch: SplitBatch| {
        assert!(batch.errors.is_empty(), "{:?}", batch.errors);
        if batch.restart {
            // A file changed mid-read: what came before is void.
            trajectories.clear();
            raw.clear();
        }
        trajectories.extend(batch.trajectories);
        raw.extend(batch.raw);
    };
    let progress =
        client.stream(split_origin(split), source, keep_raw, &abort, &mut on_batch).await.unwrap();
    (trajectories, raw, progress)
}

pub fn split_origin(split: &SplitRef) -> Origin {
    Origin::Split {
        dataset: split.dataset.to_string(),
        config: split.config.clone(),
        split: split.split.clone(),
    }
}

/// The fixture rows, as the files hold them.
pub fn fixture_lines() -> Vec<&'static [u8]> {
    include_bytes!("../fixtures/open_swe_traces/openhands_swegym.jsonl")
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect()
}

/// What must not depend on the path: every row's identity and metrics, in order.
pub fn summary(trajectories: &[Trajectory]) -> Vec<(u64, Option<String>, TrajectoryMetrics)> {
    trajectories
        .iter()
        .map(|t| (t.source.row_idx, t.ids.instance_id.clone(), TrajectoryMetrics::of(t)))
        .collect()
}
