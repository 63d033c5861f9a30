//! The line splitter and JSONL decoder: chunk boundaries anywhere (inside UTF-8 characters,
//! between `\r` and `\n`) give the same lines and rows as the whole input, bad lines give
//! errors with their position and the stream goes on.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use serde_json::json;
use trajex::domain::stream::{
    decode_document, reads_as_lines, DecodedRow, JsonlDecoder, LineError, LineSplitter, RowResult,
};

/// Lines as owned (bytes, line_no, byte_offset), from feeding `chunks` one by one.
fn split(chunks: &[&[u8]]) -> Vec<(Vec<u8>, u64, u64)> {
    let mut splitter = LineSplitter::new();
    let mut lines = Vec::new();
    for chunk in chunks {
        lines.extend(splitter.push(chunk).map(|l| (l.bytes.to_vec(), l.line_no, l.byte_offset)));
    }
    lines.extend(splitter.finish().map(|l| (l.bytes.to_vec(), l.line_no, l.byte_offset)));
    lines
}

fn decode(chunks: &[&[u8]]) -> Vec<RowResult> {
    let mut decoder = JsonlDecoder::new();
    let mut rows = Vec::new();
    for chunk in chunks {
        decoder.push(chunk, |r| rows.push(r));
    }
    decoder.finish(|r| rows.push(r));
    rows
}

/// Cuts `input` at the given positions (taken modulo its length, sorted, deduplicated).
fn cut<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.push(0);
    points.push(input.len());
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| &input[w[0]..w[1]]).collect()
}

#[test]
fn crlf_split_between_cr_and_lf() {
    assert_eq!(split(&[b"ab\r", b"\ncd\r\n"]), [(b"ab".to_vec(), 1, 0), (b"cd".to_vec(), 2, 4)]);
}

#[test]
fn utf8_character_split_across_chunks() {
    let text = "{\"t\": \"héllo 你好\"}\n".as_bytes();
    for at in 0..text.len() {
        let rows = decode(&[&text[..at], &text[at..]]);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].as_ref().unwrap().value["t"], "héllo 你好", "cut at {at}");
    }
}

#[test]
fn last_line_without_newline_and_blank_lines() {
    let lines = split(&[b"a\n\n", b"b"]);
    assert_eq!(lines, [(b"a".to_vec(), 1, 0), (b"".to_vec(), 2, 2), (b"b".to_vec(), 3, 3)]);
    // Blank lines are not rows, but they count for line numbers.
    let rows = decode(&[b"{\"a\":1}\n\n  \n{\"b\":2}"]);
    let positions: Vec<(u64, u64)> =
        rows.iter().map(|r| r.as_ref().map(|r| (r.line_no, r.byte_offset)).unwrap()).collect();
    assert_eq!(positions, [(1, 0), (4, 12)]);
}

#[test]
fn resume_offset_is_after_the_last_complete_line() {
    let mut splitter = LineSplitter::new();
    assert_eq!(splitter.push(b"{\"a\":1}\n{\"b\"").count(), 1);
    assert_eq!(splitter.resume_offset(), 8);
    assert_eq!(splitter.pending_len(), 4);
}

#[test]
fn bad_lines_are_errors_with_positions_and_the_stream_goes_on() {
    let input = b"{\"ok\":1}\n{\"truncated\": \"ab\n not json\n{\"ok\":2}\n";
    let rows = decode(&[input]);
    assert_eq!(rows.len(), 4);
    let errors: Vec<&LineError> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
    assert_eq!(
        errors.iter().map(|e| (e.line_no, e.byte_offset)).collect::<Vec<_>>(),
        [(2, 9), (3, 27)]
    );
    assert!(errors[0].message.contains("truncated"), "{}", errors[0].message);
    assert!(errors[1].message.starts_with("not JSON"), "{}", errors[1].message);
    assert_eq!(rows[3].as_ref().unwrap().value["ok"], 2);
}

#[test]
fn invalid_utf8_is_replaced_with_a_warning() {
    let rows = decode(&[b"{\"t\": \"a\xff\xfeb\"}\n"]);
    let row: &DecodedRow = rows[0].as_ref().unwrap();
    assert_eq!(row.value["t"], "a\u{fffd}\u{fffd}b");
    assert_eq!(row.diagnostics[0].code, "invalid_utf8");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let rows = decode(&[deep.as_bytes()]);
    assert!(rows[0].is_err());
    let deep_object = format!("{}1{}\n", "{\"a\":".repeat(5_000), "}".repeat(5_000));
    assert!(decode(&[deep_object.as_bytes()])[0].is_err());
}

#[test]
fn rows_that_are_numbers_or_empty_objects_decode() {
    let rows = decode(&[b"42\n{}\n\"s\"\n"]);
    assert!(rows.iter().all(Result::is_ok));
}

#[test]
fn documents_jsonl_array_object_and_bare_messages() {
    let values = |bytes: &[u8]| -> Vec<serde_json::Value> {
        decode_document(bytes).into_iter().map(|r| r.unwrap().value).collect()
    };
    assert_eq!(values(b"{\"a\":1}\n{\"a\":2}\n"), [json!({"a": 1}), json!({"a": 2})]);
    assert_eq!(values(b"[{\"a\":1},\n {\"a\":2}]\n"), [json!({"a": 1}), json!({"a": 2})]);
    assert_eq!(values(b"[{\"a\":1}, {\"a\":2}]"), [json!({"a": 1}), json!({"a": 2})]);
    assert_eq!(values(b"{\n  \"messages\": []\n}\n"), [json!({"messages": []})]);
    // A mini-swe-agent traj.json: one array of messages is one row.
    let messages = b"[{\"role\": \"user\", \"content\": \"hi\"}]";
    assert_eq!(values(messages).len(), 1);
    assert!(decode_document(b"").is_empty());
    // A pretty-printed document that is broken still reports its lines as errors.
    assert!(decode_document(b"{\n  \"a\": \n").iter().any(Result::is_err));
}

#[test]
fn fixture_chunked_like_a_download() {
    let bytes = common::fixture_bytes("real/swe_smith_trajectories.jsonl");
    let whole = decode(&[&bytes]);
    let chunked = decode(&bytes.chunks(16 * 1024).collect::<Vec<_>>());
    assert_eq!(whole, chunked);
    assert_eq!(whole.len(), 5);
}

/// A JSONL-ish input: valid rows (with non-ASCII text), garbage, blank lines, CRLF endings.
fn input_strategy() -> impl Strategy<Value = Vec<u8>> {
    let line = prop_oneof![
        "[a-zé你😀 ]{0,12}".prop_map(|s| json!({"text": s, "n": 1}).to_string()),
        "[{}\\[\\]\":a-z0-9,]{0,10}",
        Just(String::new()),
    ];
    (prop::collection::vec((line, any::<bool>()), 0..12), any::<bool>()).prop_map(
        |(lines, final_newline)| {
            let mut out = Vec::new();
            for (idx, (line, crlf)) in lines.iter().enumerate() {
                out.extend_from_slice(line.as_bytes());
                if idx + 1 < lines.len() || final_newline {
                    out.extend_from_slice(if *crlf { b"\r\n" } else { b"\n" });
                }
            }
            out
        },
    )
}

proptest! {
    #[test]
    fn chunking_does_not_change_lines_or_rows(
        input in input_strategy(),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let chunks = cut(&input, &cuts);
        prop_assert_eq!(split(&chunks), split(&[&input]));
        prop_assert_eq!(decode(&chunks), decode(&[&input]));
        // Byte offsets point at each line's bytes in the input.
        for (bytes, _, offset) in split(&[&input]) {
            let start = offset as usize;
            prop_assert_eq!(&input[start..start + bytes.len()], &bytes[..]);
        }
    }

    #[test]
    fn one_byte_chunks_match_whole(input in input_strategy()) {
        let chunks: Vec<&[u8]> = input.chunks(1).collect();
        prop_assert_eq!(decode(&chunks), decode(&[&input]));
    }
}

proptest! {
    /// A download cut anywhere and resumed from `resume_offset` gives every row exactly once.
    #[test]
    fn resume_after_a_cut_gives_every_row_once(input in input_strategy(), cut_at in any::<usize>()) {
        let cut_at = cut_at % (input.len() + 1);
        let mut decoder = JsonlDecoder::new();
        let mut rows = Vec::new();
        decoder.push(&input[..cut_at], |r| rows.push(r));
        // The connection breaks: drop the partial line, ask again from the resume offset.
        decoder.discard_pending();
        let resume = decoder.resume_offset() as usize;
        prop_assert!(resume <= cut_at);
        decoder.push(&input[resume..], |r| rows.push(r));
        decoder.finish(|r| rows.push(r));
        prop_assert_eq!(rows, decode(&[&input]));
    }
}

/// Documents that `decode_document` reads line by line give the same rows when decoded a
/// chunk at a time (what the page does with a big local file); the others are read whole.
#[test]
fn documents_read_as_lines_decode_the_same_in_chunks() {
    let mut documents: Vec<(String, Vec<u8>)> = [
        "real/swe_smith_trajectories.jsonl",
        "real/mini_swe_agent_traj.jsonl",
        "real/nebius_swe_agent_trajectories.jsonl",
        "open_swe_traces/openhands_swegym.jsonl",
    ]
    .iter()
    .map(|f| (f.to_string(), common::fixture_bytes(f)))
    .collect();
    for (name, bytes) in &documents {
        assert!(reads_as_lines(bytes), "{name} is JSONL");
    }
    let crafted: [(&str, &[u8], bool); 9] = [
        ("jsonl", b"{\"a\":1}\n{\"a\":2}\n", true),
        ("jsonl, blank lines first, no last newline", b"\n \r\n{\"a\":1}\n{\"a\":2}", true),
        ("jsonl, a bad line", b"{\"a\":1}\n{oops\n{\"a\":3}\n", true),
        ("array on many lines", b"[{\"a\":1},\n {\"a\":2}]\n", false),
        ("array of rows on one line", b"[{\"a\":1}, {\"a\":2}]", false),
        ("array of messages on one line", b"[{\"role\": \"user\", \"content\": \"hi\"}]", true),
        ("pretty-printed object", b"{\n  \"messages\": []\n}\n", false),
        ("broken pretty-printed object", b"{\n  \"a\": \n", false),
        ("blank", b"\n\n", true),
    ];
    for (name, bytes, lines) in crafted {
        assert_eq!(reads_as_lines(bytes), lines, "{name}");
        documents.push((name.to_owned(), bytes.to_vec()));
    }
    for (name, bytes) in documents {
        if !reads_as_lines(&bytes) {
            continue;
        }
        for size in [1, 7, 4096] {
            let chunked = decode(&bytes.chunks(size).collect::<Vec<_>>());
            assert_eq!(chunked, decode_document(&bytes), "{name} in chunks of {size}");
        }
    }
}
