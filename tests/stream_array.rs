//! JSON arrays of rows read a piece at a time (`JsonArrayDecoder`, `DocumentDecoder`): chunk
//! boundaries anywhere give the elements serde_json reads from the whole document, with their
//! positions; a broken element is one error and the elements after it still decode; what is
//! wrong with the array itself is reported once.

#![cfg(not(target_arch = "wasm32"))]

mod common;

use proptest::prelude::*;
use serde_json::{json, Value};
use trajex::domain::stream::{decode_document, DocumentDecoder, JsonArrayDecoder, RowResult};

/// Rows with the bytes passed beside each, from feeding `chunks` one by one.
fn decode(chunks: &[&[u8]]) -> Vec<(Vec<u8>, RowResult)> {
    let mut decoder = JsonArrayDecoder::new();
    let mut rows = Vec::new();
    for chunk in chunks {
        decoder.push_with_bytes(chunk, |bytes, r| rows.push((bytes.to_vec(), r)));
    }
    decoder.finish_with_bytes(|bytes, r| rows.push((bytes.to_vec(), r)));
    rows
}

fn values(rows: &[(Vec<u8>, RowResult)]) -> Vec<Value> {
    rows.iter().map(|(_, r)| r.as_ref().expect("a row").value.clone()).collect()
}

/// Each row as `Ok(value)` or `Err(message)`.
fn outcomes(input: &[u8]) -> Vec<Result<Value, String>> {
    decode(&[input])
        .into_iter()
        .map(|(_, r)| r.map(|row| row.value).map_err(|e| e.message))
        .collect()
}

/// Cuts `input` at the given positions (taken modulo its length, sorted, deduplicated).
fn cut<'a>(input: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (input.len() + 1)).collect();
    points.extend([0, input.len()]);
    points.sort_unstable();
    points.dedup();
    points.windows(2).map(|w| &input[w[0]..w[1]]).collect()
}

/// JSON values with the characters that matter to the scanner inside strings and keys:
/// quotes, backslashes, brackets, braces, commas, newlines, non-ASCII text.
fn value_strategy() -> impl Strategy<Value = Value> {
    let text = "[a-z\"\\\\\\[\\]{},:\n\t é你😀]{0,10}";
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        text.prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 40, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((text, inner), 0..5)
                .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn elements_in_any_chunks_are_serde_jsons_elements(
        items in prop::collection::vec(value_strategy(), 0..8),
        pretty in any::<bool>(),
        cuts in prop::collection::vec(any::<usize>(), 0..16),
    ) {
        let text = if pretty {
            serde_json::to_string_pretty(&items).expect("serializes")
        } else {
            serde_json::to_string(&items).expect("serializes")
        };
        let input = text.as_bytes();
        let rows = decode(&cut(input, &cuts));
        prop_assert_eq!(values(&rows), items);
        for (bytes, row) in &rows {
            let row = row.as_ref().expect("a row");
            let start = row.byte_offset as usize;
            // The bytes passed are the element's source text, where the row says it is.
            prop_assert_eq!(&input[start..start + row.byte_len as usize], &bytes[..]);
            let reparsed: Option<Value> = serde_json::from_slice(bytes).ok();
            prop_assert_eq!(reparsed.as_ref(), Some(&row.value));
            let line_no = 1 + input[..start].iter().filter(|&&b| b == b'\n').count() as u64;
            prop_assert_eq!(row.line_no, line_no);
        }
        // Whole-document decoding reads an array of rows (these are not chat messages) the
        // same way.
        let whole = decode_document(input);
        prop_assert_eq!(whole.len(), rows.len());
        for (document_row, (_, row)) in whole.iter().zip(&rows) {
            prop_assert_eq!(document_row, row);
        }
    }

    /// Any bytes at all: the decoder never panics, and the chunking never changes the result.
    #[test]
    fn garbage_in_any_chunks_gives_the_same_rows(
        input in "[\\[\\]{}\",:\\\\a-z0-9 \n]{0,40}",
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let whole = decode(&[input.as_bytes()]);
        prop_assert_eq!(decode(&cut(input.as_bytes(), &cuts)), whole);
    }
}

#[test]
fn a_broken_element_is_one_error_and_the_rest_decode() {
    let input = b"[\n  {\"a\": 1},\n  {\"a\": oops},\n  {\"a\": \"x\"}\n]\n";
    let rows = decode(&[input]);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].1.as_ref().expect("first").value, json!({"a": 1}));
    let error = rows[1].1.as_ref().expect_err("second is broken");
    assert_eq!((error.line_no, error.byte_offset), (3, 16));
    assert!(error.message.starts_with("not JSON"), "{}", error.message);
    assert_eq!(rows[2].1.as_ref().expect("third").value, json!({"a": "x"}));
}

#[test]
fn the_arrays_own_faults_are_reported_once() {
    let ok = |v: Value| Ok(v);
    let err = |m: &str| Err(m.to_owned());
    assert_eq!(outcomes(b"[]"), []);
    assert_eq!(outcomes(b" \n [ \n ] \n"), []);
    assert_eq!(outcomes(b"\xEF\xBB\xBF[1]"), [ok(json!(1))]);
    assert_eq!(outcomes(b"[1,,2]"), [ok(json!(1)), err("empty element (`,,`)"), ok(json!(2))]);
    assert_eq!(
        outcomes(b"[1, 2,\n]"),
        [ok(json!(1)), ok(json!(2)), err("empty element before `]` (a trailing comma)")]
    );
    assert_eq!(
        outcomes(b"[{\"a\": [1, 2]},\n {\"b\""),
        [
            ok(json!({"a": [1, 2]})),
            err("truncated JSON (4 bytes): EOF while parsing an object at line 1 column 4"),
            err("the array is not closed: `]` is missing"),
        ]
    );
    assert_eq!(outcomes(b"["), [err("the array is not closed: `]` is missing")]);
    assert_eq!(
        outcomes(b"[1] [2]"),
        [ok(json!(1)), err("unexpected text after the end of the array")]
    );
    assert_eq!(
        outcomes(b"{\"a\": 1}"),
        [err("not a JSON array: the document does not start with `[`")]
    );
    assert_eq!(outcomes(b"\xEF"), [err("not a JSON array: the document does not start with `[`")]);
}

#[test]
fn a_pretty_printed_array_of_fixture_rows_reads_like_the_jsonl() {
    let jsonl = common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl");
    let rows: Vec<Value> = decode_document(&jsonl)
        .into_iter()
        .map(|r| r.expect("the fixture decodes").value)
        .collect();
    assert!(rows.len() >= 3);
    let pretty = serde_json::to_vec_pretty(&rows).expect("serializes");
    let whole = decode_document(&pretty);
    assert_eq!(
        whole.iter().map(|r| r.as_ref().expect("a row").value.clone()).collect::<Vec<_>>(),
        rows
    );
    // Read a piece at a time, as the page reads a local file.
    for size in [7, 4096, 1 << 20] {
        let mut decoder = DocumentDecoder::for_document(&pretty).expect("read row by row");
        assert!(matches!(decoder, DocumentDecoder::Array(_)));
        let mut chunked = Vec::new();
        for piece in pretty.chunks(size) {
            decoder.push(piece, |r| chunked.push(r));
        }
        decoder.finish(|r| chunked.push(r));
        assert_eq!(chunked, whole, "pieces of {size}");
    }
}

#[test]
fn which_documents_are_read_a_piece_at_a_time() {
    let kind = |bytes: &[u8]| match DocumentDecoder::for_document(bytes) {
        Some(DocumentDecoder::Lines(_)) => "lines",
        Some(DocumentDecoder::Array(_)) => "array",
        None => "whole",
    };
    assert_eq!(kind(b"{\"a\":1}\n{\"a\":2}\n"), "lines");
    assert_eq!(kind(b"[{\"a\":1}, {\"a\":2}]"), "array");
    assert_eq!(kind(b"[\n  {\"a\": 1},\n  {\"a\": 2}\n]\n"), "array");
    assert_eq!(kind(b"[\n  {\"a\": 1},\n  {\"a\": oops}\n]\n"), "array");
    assert_eq!(kind(b"[\n]"), "array");
    assert_eq!(kind(b"{\n  \"messages\": []\n}\n"), "whole");
    // A mini-swe-agent traj.json, pretty-printed: one array of messages is one row.
    let messages = b"[\n  {\"role\": \"system\", \"content\": \"s\"},\n  {\"role\": \"user\", \"content\": \"u\"}\n]";
    assert_eq!(kind(messages), "whole");
    assert_eq!(decode_document(messages).len(), 1);
    // On one line it is JSONL with one row.
    assert_eq!(kind(b"[{\"role\": \"user\", \"content\": \"hi\"}]"), "lines");
}
