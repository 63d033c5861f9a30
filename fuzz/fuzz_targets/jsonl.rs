//! The streaming decoders (`domain::stream`) over arbitrary bytes cut at fuzzer-chosen points.
//!
//! Input: a header, then the document. Header: one byte `n` (the low 3 bits: 0 to 7 cuts), then
//! `n` little-endian `u16`s, each a cut position taken modulo the document's length plus one.
//! Seeds under `fuzz/seeds/jsonl/` carry such a header (`fuzz/seeds/make` writes them).
//!
//! Checks:
//! - `JsonlDecoder`: the rows (and each row's source bytes) fed in pieces are the rows fed
//!   whole; after every piece `resume_offset()` is at a line boundary (0 or the byte after a
//!   `\n`), no further than the bytes fed; a download cut after the first piece and resumed
//!   with `discard_pending()` from `resume_offset()` gives the same rows; every row's
//!   `byte_offset..byte_offset + byte_len` is its source text in the document.
//! - `JsonArrayDecoder`: the same piece-wise equality, and the same source-text property.
//! - `decode_document` never panics; when `DocumentDecoder::for_document` picks a row-by-row
//!   decoder, feeding it the pieces gives `decode_document`'s rows.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trajex::domain::stream::{
    decode_document, DocumentDecoder, JsonArrayDecoder, JsonlDecoder, RowResult,
};

/// A row with its source bytes, as `push_with_bytes` hands it on.
type Sourced = (Vec<u8>, RowResult);

fuzz_target!(|data: &[u8]| {
    let Some((&n, rest)) = data.split_first() else { return };
    let n = usize::from(n & 7);
    if rest.len() < 2 * n {
        return;
    }
    let (header, doc) = rest.split_at(2 * n);
    let mut cuts: Vec<usize> = header
        .chunks_exact(2)
        .map(|pair| usize::from(u16::from_le_bytes([pair[0], pair[1]])) % (doc.len() + 1))
        .collect();
    cuts.sort_unstable();
    let pieces = pieces(doc, &cuts);

    check_jsonl(doc, &pieces, cuts.first().copied());
    check_array(doc, &pieces);
    check_document(doc, &pieces);
});

/// The document cut at `cuts` (sorted): `cuts.len() + 1` pieces, some maybe empty.
fn pieces<'a>(doc: &'a [u8], cuts: &[usize]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(cuts.len() + 1);
    let mut from = 0;
    for &cut in cuts {
        out.push(&doc[from..cut]);
        from = cut;
    }
    out.push(&doc[from..]);
    out
}

fn jsonl_rows(pieces: &[&[u8]]) -> Vec<Sourced> {
    let mut decoder = JsonlDecoder::new();
    let mut rows = Vec::new();
    for piece in pieces {
        decoder.push_with_bytes(piece, |bytes, row| rows.push((bytes.to_vec(), row)));
    }
    decoder.finish_with_bytes(|bytes, row| rows.push((bytes.to_vec(), row)));
    rows
}

fn check_jsonl(doc: &[u8], pieces: &[&[u8]], first_cut: Option<usize>) {
    let whole = jsonl_rows(&[doc]);
    assert_eq!(jsonl_rows(pieces), whole, "JSONL rows depend on where the bytes were cut");
    assert_sources(doc, &whole);

    // resume_offset() after every prefix is a line boundary within the bytes fed.
    let mut decoder = JsonlDecoder::new();
    let mut fed = 0usize;
    for piece in pieces {
        decoder.push(piece, |_| {});
        fed += piece.len();
        let resume = decoder.resume_offset();
        assert!(resume as usize <= fed, "resume_offset {resume} past the {fed} bytes fed");
        assert!(
            resume == 0 || doc[resume as usize - 1] == b'\n',
            "resume_offset {resume} is not at a line boundary"
        );
    }

    // A download cut after the first piece, resumed from resume_offset().
    if let Some(cut) = first_cut {
        let mut decoder = JsonlDecoder::new();
        let mut rows = Vec::new();
        decoder.push(&doc[..cut], |row| rows.push(row));
        decoder.discard_pending();
        let resume = decoder.resume_offset() as usize;
        decoder.push(&doc[resume..], |row| rows.push(row));
        decoder.finish(|row| rows.push(row));
        let whole: Vec<&RowResult> = whole.iter().map(|(_, row)| row).collect();
        assert_eq!(
            rows.iter().collect::<Vec<_>>(),
            whole,
            "a resumed download lost or repeated a line"
        );
    }
}

fn array_rows(pieces: &[&[u8]]) -> Vec<Sourced> {
    let mut decoder = JsonArrayDecoder::new();
    let mut rows = Vec::new();
    for piece in pieces {
        decoder.push_with_bytes(piece, |bytes, row| rows.push((bytes.to_vec(), row)));
    }
    decoder.finish_with_bytes(|bytes, row| rows.push((bytes.to_vec(), row)));
    rows
}

fn check_array(doc: &[u8], pieces: &[&[u8]]) {
    let whole = array_rows(&[doc]);
    assert_eq!(array_rows(pieces), whole, "array rows depend on where the bytes were cut");
    assert_sources(doc, &whole);
}

fn check_document(doc: &[u8], pieces: &[&[u8]]) {
    let rows = decode_document(doc);
    if let Some(mut decoder) = DocumentDecoder::for_document(doc) {
        let mut pieced = Vec::new();
        for piece in pieces {
            decoder.push(piece, |row| pieced.push(row));
        }
        decoder.finish(|row| pieced.push(row));
        assert_eq!(pieced, rows, "DocumentDecoder in pieces differs from decode_document");
    }
    for row in rows.iter().flatten() {
        let end = row.byte_offset.checked_add(row.byte_len);
        assert!(end.is_some_and(|end| end <= doc.len() as u64), "row span past the document");
    }
}

/// Every decoded row's position and length name its source text in `doc`.
fn assert_sources(doc: &[u8], rows: &[Sourced]) {
    for (bytes, row) in rows {
        if let Ok(row) = row {
            let start = row.byte_offset as usize;
            let source = doc.get(start..start + row.byte_len as usize);
            assert_eq!(
                source,
                Some(&bytes[..]),
                "row at byte {start}: span is not its source text"
            );
        }
    }
}
