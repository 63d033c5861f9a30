//! The pure half of the data layer: dataset input parsing, endpoints, URL building, response
//! parsing against documented response bodies, error mapping and retry timing.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use trajex::domain::hub::{
    parse_dataset_input, parse_json, split_data_files, DatasetId, Endpoints, ErrorResponse,
    HubDatasetInfo, HubError, HubErrorKind, InfoResponse, IsValidResponse, ParquetFilesResponse,
    RateLimit, RetryPolicy, RowsPage, RowsQuery, SizeResponse, SplitRef, SplitsResponse,
};

fn id(text: &str) -> DatasetId {
    DatasetId::parse(text).unwrap()
}

fn hub_fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    parse_json(&common::fixture_bytes(&format!("hub/{name}")), name).unwrap()
}

#[test]
fn dataset_inputs() {
    let target = parse_dataset_input("nvidia/Open-SWE-Traces").unwrap();
    assert_eq!(
        (target.dataset.as_str(), target.config, target.split, target.row),
        ("nvidia/Open-SWE-Traces", None, None, None)
    );
    let target = parse_dataset_input(
        " https://huggingface.co/datasets/nvidia/Open-SWE-Traces/viewer/v1.2/minisweagent?row=12 ",
    )
    .unwrap();
    assert_eq!(target.dataset.as_str(), "nvidia/Open-SWE-Traces");
    assert_eq!(target.config.as_deref(), Some("v1.2"));
    assert_eq!(target.split.as_deref(), Some("minisweagent"));
    assert_eq!(target.row, Some(12));
    let tree = parse_dataset_input(
        "https://huggingface.co/datasets/SWE-Gym/OpenHands-Sampled-Trajectories/tree/main/data",
    )
    .unwrap();
    assert_eq!(tree.dataset.as_str(), "SWE-Gym/OpenHands-Sampled-Trajectories");
    assert_eq!(tree.config, None);
    assert_eq!(
        parse_dataset_input("hf://datasets/nebius/SWE-agent-trajectories")
            .unwrap()
            .dataset
            .as_str(),
        "nebius/SWE-agent-trajectories"
    );
    assert_eq!(parse_dataset_input("squad").unwrap().dataset.as_str(), "squad");
    assert_eq!(
        parse_dataset_input("https://huggingface.co/datasets/o/n/viewer/my%20config/train")
            .unwrap()
            .config
            .as_deref(),
        Some("my config")
    );
    for bad in
        ["", "a/b/c", "https://example.com/x", "<script>/x", "a/..", "-a/b", "javascript:alert(1)"]
    {
        assert!(parse_dataset_input(bad).is_err(), "{bad}");
    }
}

#[test]
fn endpoints_from_the_page_query() {
    let (endpoints, rejected) = Endpoints::from_query("");
    assert_eq!(endpoints, Endpoints::default());
    assert!(rejected.is_empty());
    assert_eq!(endpoints.hub, "https://huggingface.co");
    assert_eq!(endpoints.viewer, "https://datasets-server.huggingface.co");
    let (endpoints, rejected) = Endpoints::from_query(
        "?dataset=x&endpoint=http%3A%2F%2F127.0.0.1%3A8787%2F&viewer_endpoint=javascript:alert(1)",
    );
    assert_eq!(endpoints.hub, "http://127.0.0.1:8787");
    assert_eq!(endpoints.viewer, "https://datasets-server.huggingface.co");
    assert_eq!(rejected.len(), 1);
    assert_eq!(endpoints.to_query_pairs(), [("endpoint", "http://127.0.0.1:8787".to_owned())]);
}

#[test]
fn tokens_go_only_to_hugging_face_hosts() {
    assert!(Endpoints::is_hugging_face_url("https://huggingface.co/api/datasets/x/y"));
    assert!(Endpoints::is_hugging_face_url("https://datasets-server.huggingface.co/rows?x=1"));
    assert!(Endpoints::is_hugging_face_url("https://cas-bridge.xethub.hf.co/x"));
    assert!(!Endpoints::is_hugging_face_url("http://huggingface.co/x"), "not over plain http");
    assert!(!Endpoints::is_hugging_face_url("https://huggingface.co.evil.example/x"));
    assert!(!Endpoints::is_hugging_face_url("https://evil.example/?huggingface.co"));
    assert!(!Endpoints::is_hugging_face_url("https://huggingface.co@evil.example/x"));
    assert!(!Endpoints::is_hugging_face_url("http://127.0.0.1:8787/api"));
}

#[test]
fn urls() {
    let endpoints = Endpoints::default();
    let dataset = id("nvidia/Open-SWE-Traces");
    let split =
        SplitRef { dataset: dataset.clone(), config: "v1.2".into(), split: "minisweagent".into() };
    assert_eq!(
        endpoints.splits(&dataset),
        "https://datasets-server.huggingface.co/splits?dataset=nvidia%2FOpen-SWE-Traces"
    );
    assert_eq!(
        endpoints.rows(&split, &RowsQuery::All, 40, 5),
        "https://datasets-server.huggingface.co/rows?dataset=nvidia%2FOpen-SWE-Traces&config=v1.2&split=minisweagent&offset=40&length=5"
    );
    assert!(endpoints.rows(&split, &RowsQuery::All, 0, 1000).ends_with("&length=100"), "clamped");
    let filter = RowsQuery::Filter {
        where_clause: "\"resolved\"=1 AND \"language\"='go'".into(),
        order_by: String::new(),
    };
    assert_eq!(
        endpoints.rows(&split, &filter, 0, 10),
        "https://datasets-server.huggingface.co/filter?dataset=nvidia%2FOpen-SWE-Traces&config=v1.2&split=minisweagent&where=%22resolved%22%3D1+AND+%22language%22%3D%27go%27&offset=0&length=10"
    );
    assert!(endpoints.rows(&split, &RowsQuery::Search("a b".into()), 0, 1).contains("/search?"));
    assert_eq!(
        endpoints.resolve(&dataset, "refs/convert/parquet", "v1.2/minisweagent/0000.parquet"),
        "https://huggingface.co/datasets/nvidia/Open-SWE-Traces/resolve/refs%2Fconvert%2Fparquet/v1.2/minisweagent/0000.parquet"
    );
    assert_eq!(
        endpoints.dataset_info(&dataset, None),
        "https://huggingface.co/api/datasets/nvidia/Open-SWE-Traces"
    );
    assert_eq!(
        endpoints.tree(&dataset, "main", "data/x y"),
        "https://huggingface.co/api/datasets/nvidia/Open-SWE-Traces/tree/main/data/x%20y?recursive=true"
    );
}

#[test]
fn responses() {
    let splits: SplitsResponse = hub_fixture("splits.json");
    assert_eq!(splits.splits.len(), 3);
    assert_eq!(splits.splits[0].split, "minisweagent");
    let size: SizeResponse = hub_fixture("size.json");
    assert_eq!(size.rows_of("v1.2", "openhands"), Some(250_000));
    assert_eq!(size.rows_of("v1.2", "nope"), None);
    let info: InfoResponse = hub_fixture("info.json");
    assert_eq!(info.dataset_info.splits["minisweagent"].num_examples, 120_000);
    let valid: IsValidResponse = hub_fixture("is_valid.json");
    assert!(valid.viewer && valid.filter);
    let parquet: ParquetFilesResponse = hub_fixture("parquet.json");
    let files: Vec<&str> =
        parquet.of_split("v1.2", "minisweagent").map(|f| f.filename.as_str()).collect();
    assert_eq!(files, ["0000.parquet", "0001.parquet"]);
    let page: RowsPage = hub_fixture("rows_page.json");
    assert_eq!(page.rows[0].row_idx, 40);
    assert_eq!(page.rows[0].row["instance_id"], "python-attrs__attrs-770");
    assert_eq!(page.num_rows_total, Some(120_000));
    assert_eq!(page.features[1].name, "messages");
    let repo: HubDatasetInfo = hub_fixture("hub_dataset_info.json");
    assert!(!repo.is_gated());
    assert_eq!(repo.files().len(), 3);
    let bad = parse_json::<RowsPage>(b"{\"rows\": 3}", "u").unwrap_err();
    assert_eq!(bad.kind, HubErrorKind::Decode);
}

fn error(status: u16, code: Option<&str>, body: &[u8], rate_limit: Option<&str>) -> HubError {
    HubError::from_response(
        "https://x/rows",
        &ErrorResponse { status, error_code: code, rate_limit, retry_after: None, body },
    )
}

#[test]
fn errors_as_the_user_needs_them() {
    let gated = common::fixture_bytes("hub/error_gated.json");
    let e = error(401, Some("ExternalUnauthenticatedError"), &gated, None);
    assert_eq!(e.kind, HubErrorKind::Unauthorized);
    assert!(e.user_message().contains("paste a Hugging Face token"));
    assert!(e.message.starts_with("The dataset does not exist"));
    let not_ready = common::fixture_bytes("hub/error_not_ready.json");
    let e = error(500, Some("ResponseNotReady"), &not_ready, None);
    assert_eq!(e.kind, HubErrorKind::NotReady);
    assert!(e.is_retryable());
    assert_eq!(
        error(404, Some("ResponseNotFound"), b"{\"error\":\"nope\"}", None).kind,
        HubErrorKind::NotFound
    );
    assert_eq!(
        error(422, Some("InvalidParameter"), b"{}", None).kind,
        HubErrorKind::InvalidParameter
    );
    assert!(!error(422, None, b"", None).is_retryable());
    let limited = error(429, None, b"Too Many Requests", Some("\"api\";r=0;t=12"));
    assert_eq!(limited.kind, HubErrorKind::RateLimited);
    assert_eq!(limited.retry_after_seconds, Some(12));
    assert!(limited.user_message().contains("retrying in 12 s"));
    assert_eq!(error(503, None, b"", None).kind, HubErrorKind::Server);
    assert!(error(503, None, b"", None).to_string().ends_with("https://x/rows"));
}

#[test]
fn rate_limit_header() {
    let limit = RateLimit::parse("\"api\";r=0;t=12").unwrap();
    assert_eq!(
        (limit.policy.as_str(), limit.remaining, limit.reset_seconds),
        ("api", Some(0), Some(12))
    );
    assert_eq!(RateLimit::parse("garbage"), None);
}

#[test]
fn retry_timing() {
    let policy = RetryPolicy::default();
    let server = error(503, None, b"", None);
    let delays: Vec<Option<u64>> =
        (1..=6).map(|attempt| policy.delay_ms(attempt, &server)).collect();
    assert_eq!(delays, [Some(500), Some(1000), Some(2000), Some(4000), Some(8000), None]);
    let limited = error(429, None, b"", Some("\"api\";r=0;t=3"));
    assert_eq!(policy.delay_ms(1, &limited), Some(3000));
    assert_eq!(policy.delay_ms(1, &error(404, None, b"", None)), None);
}

#[test]
fn split_files_by_convention() {
    let files: Vec<String> = [
        "README.md",
        "data/train-00000-of-00002.jsonl",
        "data/train-00001-of-00002.jsonl",
        "data/test.jsonl",
        "trainer_notes.jsonl",
        "openhands/swegym/0000.parquet",
        "openhands/swegym_jsonl/train.jsonl",
        "sweagent/train.jsonl",
    ]
    .map(String::from)
    .to_vec();
    assert_eq!(
        split_data_files(&files, "default", "train"),
        [
            "data/train-00000-of-00002.jsonl",
            "data/train-00001-of-00002.jsonl",
            "openhands/swegym_jsonl/train.jsonl",
            "sweagent/train.jsonl"
        ]
    );
    assert_eq!(split_data_files(&files, "sweagent", "train"), ["sweagent/train.jsonl"]);
    assert_eq!(
        split_data_files(&files, "openhands", "swegym_jsonl"),
        ["openhands/swegym_jsonl/train.jsonl"]
    );
    assert!(split_data_files(&files, "openhands", "swegym").is_empty(), "parquet only");
}

#[test]
fn source_choice() {
    use trajex::domain::hub::{choose_source, SplitSource};
    let endpoints = Endpoints::default();
    let split = SplitRef {
        dataset: id("nvidia/Open-SWE-Traces"),
        config: "v1.2".into(),
        split: "minisweagent".into(),
    };
    let parquet: ParquetFilesResponse = hub_fixture("parquet.json");
    let files = vec!["v1.2/minisweagent/train.jsonl".to_owned()];
    match choose_source(&endpoints, &split, &files, "main", &parquet) {
        SplitSource::Jsonl { urls } => assert_eq!(
            urls,
            ["https://huggingface.co/datasets/nvidia/Open-SWE-Traces/resolve/main/v1.2/minisweagent/train.jsonl"]
        ),
        other => panic!("{other:?}"),
    }
    match choose_source(&endpoints, &split, &[], "main", &parquet) {
        SplitSource::Parquet { files } => assert_eq!(files.len(), 2),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        choose_source(&endpoints, &split, &[], "main", &ParquetFilesResponse::default()),
        SplitSource::ViewerRows(split.clone())
    );
}

#[test]
fn push_down_to_the_viewer() {
    use serde_json::json;
    use trajex::domain::filter::FilterSet;
    use trajex::domain::hub::push_down;
    let info: InfoResponse = hub_fixture("info.json");
    let features = json!({
        "resolved": {"dtype": "int32", "_type": "Value"},
        "language": {"dtype": "string", "_type": "Value"},
        "messages": {"_type": "List", "feature": {}},
    });
    let filter = |q: &str| FilterSet::from_query(q).filter;
    let where_of = |pd: trajex::domain::hub::PushDown| match pd.query {
        Some(RowsQuery::Filter { where_clause, .. }) => where_clause,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        where_of(push_down(&filter("outcome=resolved&outcome=unknown&lang=go&lang=python&lang_not=o'c"), &features)),
        "(\"resolved\"=1 OR \"resolved\"=-1) AND (\"language\"='go' OR \"language\"='python') AND \"language\"<>'o''c'"
    );
    let pd = push_down(&filter("outcome=failed&max_tokens=32000"), &features);
    assert_eq!(pd.pushed, ["outcome"], "computed predicates stay in the browser");
    assert_eq!(where_of(pd), "(\"resolved\"=0)");
    // The info fixture's features have `resolved` too; a bool column maps to true/false.
    assert_eq!(
        where_of(push_down(&filter("outcome=resolved"), &info.dataset_info.features)),
        "(\"resolved\"=1)"
    );
    let bools = json!([{"name": "target", "type": {"dtype": "bool", "_type": "Value"}}]);
    assert_eq!(where_of(push_down(&filter("outcome=failed"), &bools)), "(\"target\"=false)");
    assert_eq!(
        push_down(&filter("outcome=unknown"), &bools).query,
        None,
        "no label for unknown in a bool"
    );
    assert_eq!(
        push_down(&filter("q=panic"), &features).query,
        Some(RowsQuery::Search("panic".into()))
    );
    assert_eq!(push_down(&filter("turns=5-"), &features).query, None);
}
