//! Ingest benchmark: decode + normalize of a JSONL corpus of at least 50 MB built by repeating
//! every fixture file, beside a serde_json-parse-only baseline of the same bytes in the same run.
//!
//! Run with `cargo bench --bench ingest`. Criterion prints MB/s (MiB/s) for each; the corpus line
//! printed first gives rows per MiB, so rows/s = MiB/s × rows/MiB. Report the ratio
//! ingest / parse-only: the machine is shared and noisy, the ratio is what carries over.

use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::JsonlDecoder;
use trajex::domain::trajectory::Origin;
use trajex::domain::TrajectoryMetrics;

/// The corpus size to reach, in bytes.
const MIN_CORPUS: usize = 50 * 1024 * 1024;
/// Chunk size fed to the decoder, as a network read or a file read would.
const CHUNK: usize = 256 * 1024;

fn corpus() -> (Vec<u8>, usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut one_copy = Vec::new();
    for dir in ["open_swe_traces", "real"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir))
            .expect("fixtures folder")
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
            .collect();
        files.sort();
        for file in files {
            let mut bytes = std::fs::read(&file).expect("fixture");
            if !bytes.ends_with(b"\n") {
                bytes.push(b'\n');
            }
            one_copy.extend_from_slice(&bytes);
        }
    }
    let rows_per_copy = one_copy.iter().filter(|&&b| b == b'\n').count();
    let copies = MIN_CORPUS.div_ceil(one_copy.len());
    (one_copy.repeat(copies), rows_per_copy * copies)
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

fn ingest(corpus: &[u8], with_metrics: bool) -> usize {
    let mut decoder = JsonlDecoder::new();
    let mut n = 0u64;
    let mut on_row = |row: trajex::domain::stream::RowResult| {
        let row = row.expect("valid corpus");
        let trajectory = normalize_decoded(row, Origin::Unknown, n);
        if with_metrics {
            black_box(TrajectoryMetrics::of(&trajectory));
        }
        black_box(&trajectory);
        n += 1;
    };
    for chunk in corpus.chunks(CHUNK) {
        decoder.push(chunk, &mut on_row);
    }
    decoder.finish(&mut on_row);
    n as usize
}

fn bench(c: &mut Criterion) {
    let (corpus, n_rows) = corpus();
    let mib = corpus.len() as f64 / (1024.0 * 1024.0);
    println!("corpus: {mib:.1} MiB, {n_rows} rows, {:.1} rows/MiB", n_rows as f64 / mib);
    assert_eq!(parse_only(&corpus), n_rows);
    assert_eq!(ingest(&corpus, true), n_rows);

    let mut group = c.benchmark_group("ingest");
    group.throughput(Throughput::Bytes(corpus.len() as u64));
    group.sample_size(10);
    group.bench_function("serde_json_parse_only", |b| b.iter(|| parse_only(&corpus)));
    group.bench_function("decode_normalize", |b| b.iter(|| ingest(&corpus, false)));
    group.bench_function("decode_normalize_metrics", |b| b.iter(|| ingest(&corpus, true)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
