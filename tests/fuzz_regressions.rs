//! Inputs the fuzz targets (`fuzz/`, run by `scripts/fuzz`) found to crash the core, each kept
//! here as a test that failed before its fix. An input is a byte literal or a small change to a
//! fixture, written out so that what the input does is readable.

#![cfg(not(target_arch = "wasm32"))]

use bytes::Bytes;
use parquet::file::metadata::ParquetMetaDataReader;
use trajex::domain::document::read_file;
use trajex::domain::parquet::{decode_file, decode_row_group, read_layout, LayoutRead};

fn fixture(name: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The fixture with the dictionary page of its first dictionary-encoded column chunk turned
/// into an index page (thrift compact `PageHeader.type`, field 1: `0x15 0x04` DICTIONARY_PAGE
/// becomes `0x15 0x02` INDEX_PAGE), which the `parquet` crate skips: the chunk's data pages are
/// then dictionary-encoded with no dictionary. Returns the file and the chunk's row group.
fn without_dictionary_page(name: &str) -> (Vec<u8>, usize) {
    let mut file = fixture(name);
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&Bytes::from(file.clone()))
        .unwrap_or_else(|err| panic!("{name}: {err}"));
    let (group_idx, offset) = metadata
        .row_groups()
        .iter()
        .enumerate()
        .find_map(|(idx, group)| {
            group.columns().iter().find_map(|column| Some((idx, column.dictionary_page_offset()?)))
        })
        .unwrap_or_else(|| panic!("{name} has no dictionary page"));
    let at = offset as usize;
    assert_eq!(file[at..at + 2], [0x15, 0x04], "{name}: a DICTIONARY_PAGE header at {at}");
    file[at + 1] = 0x02;
    (file, group_idx)
}

/// Found by the `parquet` target: the `parquet` crate (60.1) panicked ("Decoder for dict should
/// have been set") on a dictionary-encoded data page with no dictionary page before it; in the
/// browser's `panic = "abort"` build that killed the page. Now the file is a read error.
#[test]
fn a_dictionary_encoded_page_without_its_dictionary_is_an_error_not_a_panic() {
    for name in [
        "open_swe_traces/openhands_swegym.zstd.parquet",
        "open_swe_traces/openhands_swegym.snappy.parquet",
    ] {
        let (file, group_idx) = without_dictionary_page(name);
        let error = decode_file(Bytes::from(file.clone())).expect_err(name);
        assert!(error.0.contains("dictionary page"), "{name}: {error}");

        // The browser's path: the layout from the tail, then the group from its span.
        let Ok(LayoutRead::Layout(layout)) = read_layout(file.len() as u64, &file) else {
            panic!("{name}: no layout");
        };
        let group = layout.row_groups[group_idx];
        let span = Bytes::from(file[group.start as usize..group.end as usize].to_vec());
        let error = decode_row_group(&layout, group_idx, span).expect_err(name);
        assert!(error.0.contains("dictionary page"), "{name}: {error}");

        // A local file: one error row.
        let rows = read_file(&file);
        assert_eq!(rows.len(), 1, "{name}");
        let message = rows[0].1.as_ref().expect_err(name).message.clone();
        assert!(message.starts_with("not a readable Parquet file"), "{name}: {message}");
    }
}
