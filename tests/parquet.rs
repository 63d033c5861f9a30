//! Parquet rows: the Open-SWE-Traces-layout fixture as snappy and zstd parquet decodes to the
//! same rows as its JSONL copy, whole and by row group from ranges (as a browser reads it).

#![cfg(not(target_arch = "wasm32"))]

mod common;

use bytes::Bytes;
use serde_json::Value;
use trajex::domain::normalize::normalize;
use trajex::domain::parquet::{
    decode_file, decode_row_group, plan_reads, read_layout, HeldBytes, LayoutRead, ReadSpan,
    RowGroupSpan,
};
use trajex::domain::trajectory::SourceRef;
use trajex::domain::TrajectoryMetrics;

fn jsonl_rows() -> Vec<Value> {
    common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl")
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| serde_json::from_slice(line).unwrap())
        .collect()
}

/// The value without object members that are null: parquet gives every struct field of a
/// column to every row (absent members become null), JSONL rows leave them out.
fn without_nulls(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_nulls).collect()),
        other => other.clone(),
    }
}

/// Reads a file the way the browser does: a short tail first, more tail if asked, then each
/// row group's span.
fn rows_by_ranges(file: &[u8], first_tail: usize) -> Vec<Value> {
    let len = file.len() as u64;
    let mut tail_len = first_tail.min(file.len());
    let layout = loop {
        match read_layout(len, &file[file.len() - tail_len..]).unwrap() {
            LayoutRead::Layout(layout) => break layout,
            LayoutRead::NeedTail(needed) => {
                assert!(needed as usize > tail_len, "asks for more than it had");
                tail_len = needed as usize;
            }
        }
    };
    let mut rows = Vec::new();
    for (idx, group) in layout.row_groups.iter().enumerate() {
        let span = Bytes::copy_from_slice(&file[group.start as usize..group.end as usize]);
        let decoded = decode_row_group(&layout, idx, span).unwrap();
        assert_eq!(decoded.len() as u64, group.n_rows);
        rows.extend(decoded);
    }
    assert_eq!(rows.len() as u64, layout.n_rows);
    rows
}

#[test]
fn snappy_and_zstd_match_the_jsonl_rows() {
    let expected = jsonl_rows();
    for name in ["openhands_swegym.snappy.parquet", "openhands_swegym.zstd.parquet"] {
        let file = common::fixture_bytes(&format!("open_swe_traces/{name}"));
        let whole = decode_file(Bytes::from(file.clone())).unwrap();
        assert_eq!(whole.len(), expected.len(), "{name}");
        for (idx, (row, want)) in whole.iter().zip(&expected).enumerate() {
            assert!(without_nulls(row) == without_nulls(want), "{name} row {idx} differs");
        }
        // A tail too short for the metadata, then the right one.
        assert!(rows_by_ranges(&file, 64) == whole, "{name}: by ranges, short tail");
        assert!(rows_by_ranges(&file, 64 * 1024) == whole, "{name}: by ranges");
    }
}

#[test]
fn parquet_rows_normalize_like_jsonl_rows() {
    let file = common::fixture_bytes("open_swe_traces/openhands_swegym.zstd.parquet");
    for (row, want) in decode_file(Bytes::from(file)).unwrap().into_iter().zip(jsonl_rows()) {
        let a = normalize(row, SourceRef::default());
        let b = normalize(want, SourceRef::default());
        assert_eq!(TrajectoryMetrics::of(&a), TrajectoryMetrics::of(&b));
        assert!(a == b, "normalized trajectories differ");
    }
}

#[test]
fn the_layout() {
    let file = common::fixture_bytes("open_swe_traces/openhands_swegym.zstd.parquet");
    let LayoutRead::Layout(layout) = read_layout(file.len() as u64, &file).unwrap() else {
        panic!()
    };
    assert_eq!(layout.n_rows, 5);
    assert_eq!(layout.row_groups.len(), 3, "two rows per row group (SOURCES.md)");
    assert_eq!(layout.columns[0], "instance_id");
    assert!(layout.columns.contains(&"messages".to_owned()));
    assert!(layout.row_groups.windows(2).all(|w| w[0].end <= w[1].start));
}

#[test]
fn not_parquet_is_an_error() {
    assert!(read_layout(100, &[0; 100]).is_err());
    assert!(read_layout(3, b"PAR").is_err());
    assert!(decode_file(Bytes::from_static(b"{\"a\": 1}\n")).is_err());
    // A footer that claims more metadata than the file holds.
    let mut fake = vec![0u8; 20];
    fake[12..16].copy_from_slice(&1000u32.to_le_bytes());
    fake[16..].copy_from_slice(b"PAR1");
    assert!(read_layout(20, &fake).is_err());
}

/// Reads the file through `plan_reads` (consecutive groups in one request), decoding each group
/// from its slice of the request's bytes, as the browser does.
fn rows_by_planned_reads(file: &[u8], max_span: u64) -> (Vec<Value>, usize) {
    let LayoutRead::Layout(layout) = read_layout(file.len() as u64, file).unwrap() else {
        panic!("the whole file is a long enough tail")
    };
    let reads = plan_reads(&layout.row_groups, max_span);
    let mut rows = Vec::new();
    for read in &reads {
        let bytes = Bytes::copy_from_slice(&file[read.start as usize..read.end as usize]);
        for idx in read.groups.clone() {
            let group = layout.row_groups[idx];
            let span =
                bytes.slice((group.start - read.start) as usize..(group.end - read.start) as usize);
            rows.extend(decode_row_group(&layout, idx, span).unwrap());
        }
    }
    (rows, reads.len())
}

#[test]
fn planned_reads_give_the_same_rows_in_fewer_requests() {
    let file = common::fixture_bytes("open_swe_traces/openhands_swegym.zstd.parquet");
    let whole = decode_file(Bytes::from(file.clone())).unwrap();
    // Three groups: the first alone, then the other two together.
    let (rows, n_reads) = rows_by_planned_reads(&file, 1 << 30);
    assert!(rows == whole);
    assert_eq!(n_reads, 2);
    // A span too small for two groups: one request each.
    let (rows, n_reads) = rows_by_planned_reads(&file, 1);
    assert!(rows == whole);
    assert_eq!(n_reads, 3);
    // A group index past the end is an error, not a panic.
    let LayoutRead::Layout(layout) = read_layout(file.len() as u64, &file).unwrap() else {
        panic!()
    };
    assert!(decode_row_group(&layout, 3, Bytes::new()).is_err());
    // A span that does not hold the group is an error too.
    assert!(decode_row_group(&layout, 0, Bytes::from_static(b"nonsense")).is_err());
}

#[test]
fn plan_reads_covers_each_group_once_within_the_span() {
    let group = |start, end| RowGroupSpan { n_rows: 1, start, end };
    // Contiguous groups of 10 bytes, an empty one, then a gap before the last two.
    let groups = [
        group(4, 14),
        group(14, 24),
        group(24, 34),
        group(34, 34),
        group(34, 44),
        group(50, 60),
        group(60, 200),
    ];
    let reads = plan_reads(&groups, 25);
    let spans: Vec<(u64, u64, std::ops::Range<usize>)> =
        reads.iter().map(|r| (r.start, r.end, r.groups.clone())).collect();
    assert_eq!(
        spans,
        vec![(4, 14, 0..1), (14, 34, 1..3), (34, 44, 4..5), (50, 60, 5..6), (60, 200, 6..7)]
    );
    assert!(plan_reads(&[], 25).is_empty());
}

/// `held` for a file: its first `head` bytes and its bytes from `tail_start` on.
fn held_of(file: &[u8], head: usize, tail_start: usize) -> HeldBytes {
    HeldBytes {
        head: Bytes::copy_from_slice(&file[..head]),
        tail: Bytes::copy_from_slice(&file[tail_start..]),
        tail_start: tail_start as u64,
    }
}

/// The bytes of `read` as the browser gets them: held pieces around one fetch of what is
/// missing.
fn span_of(file: &[u8], held: &HeldBytes, read: &ReadSpan) -> (Bytes, Option<(u64, u64)>) {
    let missing = held.missing(read);
    let fetched =
        missing.clone().map(|m| Bytes::copy_from_slice(&file[m.start as usize..m.end as usize]));
    (held.span(read, fetched), missing.map(|m| (m.start, m.end)))
}

#[test]
fn held_ends_and_one_fetch_give_each_span_whole() {
    let file: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    let read = |start, end| ReadSpan { start, end, groups: 0..1 };
    let held = held_of(&file, 100, 900);
    let cases = [
        // (read, what is fetched)
        (read(4, 90), None),                // in the head
        (read(4, 100), None),               // the head exactly
        (read(50, 300), Some((100, 300))),  // from the head on
        (read(300, 600), Some((300, 600))), // in the middle
        (read(600, 950), Some((600, 900))), // into the tail
        (read(900, 992), None),             // in the tail
        (read(50, 950), Some((100, 900))),  // across both
    ];
    for (read, fetch) in cases {
        let (bytes, missing) = span_of(&file, &held, &read);
        assert_eq!(missing, fetch, "{read:?}");
        assert_eq!(&bytes[..], &file[read.start as usize..read.end as usize], "{read:?}");
    }
    // Head and tail meet (or overlap): nothing is fetched, and spans across them are joined.
    for head in [500, 700] {
        let held = held_of(&file, head, 500);
        let (bytes, missing) = span_of(&file, &held, &read(10, 990));
        assert_eq!(missing, None);
        assert_eq!(&bytes[..], &file[10..990]);
    }
    // No head (not read, or its fetch failed): everything before the tail is fetched.
    let held = held_of(&file, 0, 900);
    assert_eq!(span_of(&file, &held, &read(4, 90)).1, Some((4, 90)));
    // A short answer ends the span there: the tail's bytes are not joined out of place.
    let held = held_of(&file, 100, 900);
    let short = held.span(&read(50, 950), Some(Bytes::copy_from_slice(&file[100..400])));
    assert_eq!(&short[..], &file[50..400]);
    assert_eq!(&held.span(&read(300, 600), None)[..], b"");
}

proptest::proptest! {
    #[test]
    fn held_bytes_give_any_span(
        len in 1usize..400,
        head in 0usize..400,
        tail in 0usize..400,
        start in 0usize..400,
        size in 0usize..400,
    ) {
        let file: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
        let tail_start = len - tail.min(len);
        let held = held_of(&file, head.min(len), tail_start);
        let start = start.min(len);
        let end = (start + size).min(len);
        let read = ReadSpan { start: start as u64, end: end as u64, groups: 0..1 };
        let (bytes, missing) = span_of(&file, &held, &read);
        proptest::prop_assert_eq!(&bytes[..], &file[start..end]);
        if let Some((from, to)) = missing {
            // What is fetched is inside the span and held by neither end.
            proptest::prop_assert!(start as u64 <= from && to <= end as u64);
            proptest::prop_assert!(from >= (head.min(len) as u64).min(tail_start as u64));
            proptest::prop_assert!(to <= tail_start as u64);
        }
    }
}

#[test]
fn a_file_read_by_its_two_ends_and_planned_reads_gives_its_rows() {
    for name in ["openhands_swegym.snappy.parquet", "openhands_swegym.zstd.parquet"] {
        let file = common::fixture_bytes(&format!("open_swe_traces/{name}"));
        let whole = decode_file(Bytes::from(file.clone())).unwrap();
        let LayoutRead::Layout(layout) = read_layout(file.len() as u64, &file).unwrap() else {
            panic!()
        };
        // Heads and tails that end inside groups, between them, or hold the whole file.
        for (head, tail) in [(0, 40_000), (10_000, 40_000), (60_000, 33_000), (200_000, 40_000)] {
            let head = head.min(file.len());
            let held = held_of(&file, head, file.len() - tail.min(file.len()));
            let mut rows = Vec::new();
            for read in plan_reads(&layout.row_groups, 1) {
                let (bytes, _) = span_of(&file, &held, &read);
                for idx in read.groups.clone() {
                    let group = layout.row_groups[idx];
                    let span = bytes.slice(
                        (group.start - read.start) as usize..(group.end - read.start) as usize,
                    );
                    rows.extend(decode_row_group(&layout, idx, span).unwrap());
                }
            }
            assert!(rows == whole, "{name}, head {head}, tail {tail}");
        }
    }
}
