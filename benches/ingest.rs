//! Ingest benchmark, beside a serde_json-parse-only baseline of the same bytes in the same run.
//!
//! Two corpora, built by repeating the fixtures:
//! - `mixed`: every fixture file (all formats) repeated to at least 50 MiB: decode + normalize,
//!   and decode + normalize + metrics;
//! - `open_swe`: the Open-SWE-Traces-shaped rows repeated 400 times (the corpus of
//!   ../shared/bench/baseline_notebook.py): the whole curation pipeline, decode + normalize +
//!   metrics (patch parsing included) + the notebook's filter (resolved, ≤ 32000 tokens, patch
//!   present). The corpus is also written to `target/bench/open_swe_x400.jsonl` so that
//!   `scripts/bench-ingest` can run the Python pipeline on the same bytes.
//!
//! - `parquet`: the same rows as the Open-SWE-Traces fixture's snappy parquet file, decoded 400
//!   times (`domain::parquet::decode_file`: pages, then rows assembled as JSON), beside
//!   parsing the same rows' JSONL with serde_json, and with normalize + metrics after it.
//!
//! Run `scripts/bench-ingest` for all figures and ratios, or `cargo bench --bench ingest`.
//! Criterion prints MiB/s; the corpus lines printed first give rows per MiB.

use std::path::{Path, PathBuf};

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use trajex::domain::filter::{FilterSet, Selector};
use trajex::domain::normalize::{normalize, normalize_decoded};
use trajex::domain::stream::{JsonlDecoder, RowResult};
use trajex::domain::trajectory::{Origin, SourceRef};
use trajex::domain::TrajectoryMetrics;

/// The mixed corpus's minimum size, in bytes.
const MIN_MIXED: usize = 50 * 1024 * 1024;
/// Copies of the Open-SWE-Traces fixture in the `open_swe` corpus (as in shared/bench).
const OPEN_SWE_COPIES: usize = 400;
/// Chunk size fed to the decoder, as a network or file read would.
const CHUNK: usize = 256 * 1024;
/// The notebook's SFT filter.
const NOTEBOOK_FILTER: &str = "outcome=resolved&max_tokens=32000&patch=yes";

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read_with_newline(path: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(path).expect("fixture");
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes
}

fn mixed_corpus() -> Vec<u8> {
    let mut one_copy = Vec::new();
    for dir in ["open_swe_traces", "real"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(dir))
            .expect("fixtures folder")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            one_copy.extend_from_slice(&read_with_newline(&file));
        }
    }
    one_copy.repeat(MIN_MIXED.div_ceil(one_copy.len()))
}

fn open_swe_corpus() -> Vec<u8> {
    let one = read_with_newline(&fixtures().join("open_swe_traces/openhands_swegym.jsonl"));
    let corpus = one.repeat(OPEN_SWE_COPIES);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench");
    if std::fs::create_dir_all(&out).is_ok() {
        let _ = std::fs::write(out.join("open_swe_x400.jsonl"), &corpus);
    }
    corpus
}

fn n_rows(corpus: &[u8]) -> usize {
    corpus.iter().filter(|&&b| b == b'\n').count()
}

fn parse_only(corpus: &[u8]) -> usize {
    let mut n = 0;
    for line in corpus.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let value: Value = serde_json::from_slice(line).expect("valid corpus");
        black_box(&value);
        n += 1;
    }
    n
}

/// What the ingest loop does after normalizing a row.
#[derive(Clone, Copy)]
enum Stage {
    Normalize,
    Metrics,
    Filter,
}

/// Decodes and normalizes the corpus in chunks; returns (rows, rows kept by the filter).
fn ingest(corpus: &[u8], stage: Stage) -> (usize, u64) {
    let filter = FilterSet::from_query(NOTEBOOK_FILTER).filter;
    let mut selector = Selector::new(filter);
    let mut decoder = JsonlDecoder::new();
    let mut n = 0u64;
    let mut on_row = |row: RowResult| {
        let trajectory = normalize_decoded(row.expect("valid corpus"), Origin::Unknown, n);
        match stage {
            Stage::Normalize => {}
            Stage::Metrics => {
                black_box(TrajectoryMetrics::of(&trajectory));
            }
            Stage::Filter => {
                let metrics = TrajectoryMetrics::of(&trajectory);
                black_box(selector.judge(&trajectory, &metrics));
            }
        }
        black_box(&trajectory);
        n += 1;
    };
    for chunk in corpus.chunks(CHUNK) {
        decoder.push(chunk, &mut on_row);
    }
    decoder.finish(&mut on_row);
    (n as usize, selector.n_kept)
}

fn describe(name: &str, corpus: &[u8]) {
    let mib = corpus.len() as f64 / (1024.0 * 1024.0);
    let rows = n_rows(corpus);
    println!(
        "corpus {name}: {} bytes ({mib:.1} MiB), {rows} rows, {:.2} rows/MiB",
        corpus.len(),
        rows as f64 / mib
    );
}

fn bench(c: &mut Criterion) {
    let mixed = mixed_corpus();
    describe("mixed", &mixed);
    assert_eq!(parse_only(&mixed), n_rows(&mixed));
    assert_eq!(ingest(&mixed, Stage::Metrics).0, n_rows(&mixed));
    let mut group = c.benchmark_group("mixed");
    group.throughput(Throughput::Bytes(mixed.len() as u64));
    group.sample_size(10);
    group.bench_function("serde_json_parse_only", |b| b.iter(|| parse_only(&mixed)));
    group.bench_function("decode_normalize", |b| b.iter(|| ingest(&mixed, Stage::Normalize)));
    group.bench_function("decode_normalize_metrics", |b| b.iter(|| ingest(&mixed, Stage::Metrics)));
    group.finish();
    drop(mixed);

    let open_swe = open_swe_corpus();
    describe("open_swe", &open_swe);
    let (rows, kept) = ingest(&open_swe, Stage::Filter);
    println!("open_swe: {rows} rows, {kept} pass `{NOTEBOOK_FILTER}`");
    let mut group = c.benchmark_group("open_swe");
    group.throughput(Throughput::Bytes(open_swe.len() as u64));
    group.sample_size(10);
    group.bench_function("serde_json_parse_only", |b| b.iter(|| parse_only(&open_swe)));
    group.bench_function("decode_normalize_metrics_filter", |b| {
        b.iter(|| ingest(&open_swe, Stage::Filter))
    });
    group.finish();
    drop(open_swe);

    let parquet = bytes::Bytes::from(
        std::fs::read(fixtures().join("open_swe_traces/openhands_swegym.snappy.parquet"))
            .expect("fixture"),
    );
    let jsonl = read_with_newline(&fixtures().join("open_swe_traces/openhands_swegym.jsonl"));
    let decode = |stage: Option<Stage>| {
        let mut n = 0u64;
        for _ in 0..OPEN_SWE_COPIES {
            for row in trajex::domain::parquet::decode_file(parquet.clone()).expect("fixture") {
                if stage.is_some() {
                    let source = SourceRef { row_idx: n, ..SourceRef::default() };
                    let trajectory = normalize(row, source);
                    black_box(TrajectoryMetrics::of(&trajectory));
                } else {
                    black_box(&row);
                }
                n += 1;
            }
        }
        n
    };
    assert_eq!(decode(None) as usize, n_rows(&jsonl) * OPEN_SWE_COPIES);
    let mut group = c.benchmark_group("parquet");
    group.throughput(Throughput::Bytes((jsonl.len() * OPEN_SWE_COPIES) as u64));
    group.sample_size(10);
    group.bench_function("jsonl_serde_json_parse_only", |b| {
        b.iter(|| (0..OPEN_SWE_COPIES).map(|_| parse_only(&jsonl)).sum::<usize>())
    });
    group.bench_function("parquet_decode", |b| b.iter(|| decode(None)));
    group.bench_function("parquet_decode_normalize_metrics", |b| {
        b.iter(|| decode(Some(Stage::Metrics)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
