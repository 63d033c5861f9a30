//! `domain::document::read_file` over arbitrary bytes: the whole local-file path (the kind
//! sniffed from the first bytes, then Parquet rows, an Inspect `.eval` zip archive's samples, or
//! JSON text decoded and gathered into trajectory rows) never panics.
//!
//! Also checks that every row's source text, when it has one, is the document's bytes at the
//! row's `byte_offset..byte_offset + byte_len`, and that gathered rows (`None` source) of a JSON
//! document keep a span inside the document.

#![no_main]

use libfuzzer_sys::fuzz_target;
use trajex::domain::document::{read_file, FileKind};

fuzz_target!(|data: &[u8]| {
    let rows = read_file(data);
    if FileKind::sniff(data) != FileKind::Json {
        return;
    }
    for (source, row) in &rows {
        let Ok(row) = row else { continue };
        let end = row.byte_offset.checked_add(row.byte_len);
        assert!(end.is_some_and(|end| end <= data.len() as u64), "row span past the document");
        if let Some(source) = source {
            let start = row.byte_offset as usize;
            assert_eq!(
                data.get(start..start + row.byte_len as usize),
                Some(&source[..]),
                "row at byte {start}: span is not its source text"
            );
        }
    }
});
