//! Page links: every state round-trips through the query string; tokens never come from URLs.

#![cfg(not(target_arch = "wasm32"))]

use trajex::domain::filter::FilterSet;
use trajex::domain::hub::Endpoints;
use trajex::domain::link::PageLink;

#[test]
fn a_deep_link_round_trips() {
    let link = PageLink {
        dataset: Some("nvidia/Open-SWE-Traces".into()),
        config: Some("v1.2".into()),
        split: Some("minisweagent".into()),
        row: Some(1234),
        compare: Some(98),
        step: Some(17),
        source: Some(trajex::domain::link::SourceChoice::Parquet),
        filter: FilterSet::from_query("outcome=resolved&lang=go&q=a%26b").filter,
        endpoints: Endpoints {
            hub: "http://127.0.0.1:8787".into(),
            viewer: "http://127.0.0.1:8787/viewer".into(),
        },
        ..Default::default()
    };
    let query = link.to_query();
    assert_eq!(
        query,
        "dataset=nvidia%2FOpen-SWE-Traces&config=v1.2&split=minisweagent&row=1234&compare=98&step=17&source=parquet\
         &endpoint=http%3A%2F%2F127.0.0.1%3A8787&viewer_endpoint=http%3A%2F%2F127.0.0.1%3A8787%2Fviewer\
         &outcome=resolved&lang=go&q=a%26b"
    );
    assert_eq!(PageLink::from_query(&format!("?{query}")), link);
    assert_eq!(PageLink::from_query("").to_query(), "");
}

#[test]
fn bad_values_are_ignored_and_tokens_are_never_read() {
    let link = PageLink::from_query(
        "row=x&compare=-2&step=-1&token=hf_secret&endpoint=javascript:alert(1)&file=demo/a.jsonl",
    );
    assert_eq!(link.row, None);
    assert_eq!(link.step, None);
    assert_eq!(link.compare, None);
    assert_eq!(link.endpoints, Endpoints::default());
    assert_eq!(link.file.as_deref(), Some("demo/a.jsonl"));
    assert!(!link.to_query().contains("secret"));
}

#[test]
fn export_file_names() {
    let link =
        PageLink::from_query("dataset=nvidia/Open-SWE-Traces&config=v1.2&split=minisweagent");
    assert_eq!(
        link.export_file_name(".sft.jsonl"),
        "nvidia-Open-SWE-Traces_v1.2_minisweagent.sft.jsonl"
    );
    let file = PageLink::from_query("file=demo/open_swe_traces.jsonl");
    assert_eq!(file.export_file_name(".jsonl"), "open_swe_traces.jsonl");
    assert_eq!(PageLink::default().export_file_name(".jsonl"), "trajex.jsonl");
    let hostile = PageLink::from_query("dataset=../../etc/<x>");
    assert!(!hostile.export_file_name(".jsonl").contains('/'));
}
