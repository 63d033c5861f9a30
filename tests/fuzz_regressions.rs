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

        // A local file: its footer reads, so each row the broken group declares is an error
        // (counts stay whole), naming the group.
        let rows = read_file(&file);
        assert_eq!(rows.len() as u64, layout.n_rows, "{name}");
        let broken: Vec<_> = rows.iter().filter_map(|(_, r)| r.as_ref().err()).collect();
        assert_eq!(broken.len() as u64, group.n_rows, "{name}");
        for error in broken {
            assert!(error.message.starts_with(&format!("row group {group_idx}: ")), "{name}: {}", error.message);
            assert!(error.message.contains("dictionary page"), "{name}: {}", error.message);
        }
    }
}

/// A small Parquet file written here: one required UTF-8 column `s` of three rows (`a`, `b`,
/// `a`), uncompressed, dictionary-encoded (a dictionary page of three values, then a data page).
fn small_dictionary_file() -> Vec<u8> {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    let schema = std::sync::Arc::new(
        parse_message_type("message m { required binary s (UTF8); }").expect("schema"),
    );
    let props = std::sync::Arc::new(WriterProperties::builder().build());
    let mut out = Vec::new();
    let mut writer = SerializedFileWriter::new(&mut out, schema, props).expect("writer");
    let mut group = writer.next_row_group().expect("row group");
    let mut column = group.next_column().expect("column").expect("a column");
    let values: Vec<ByteArray> = ["a", "b", "a"].into_iter().map(ByteArray::from).collect();
    column.typed::<ByteArrayType>().write_batch(&values, None, None).expect("values");
    column.close().expect("column");
    group.close().expect("row group");
    writer.close().expect("file");
    out
}

/// `file` with its footer rewritten after `edit` changed the metadata of its first column chunk.
fn with_first_chunk(
    file: &[u8],
    edit: impl FnOnce(
        parquet::file::metadata::ColumnChunkMetaDataBuilder,
    ) -> parquet::file::metadata::ColumnChunkMetaDataBuilder,
) -> Vec<u8> {
    use parquet::file::metadata::ParquetMetaDataWriter;
    let metadata = ParquetMetaDataReader::new()
        .parse_and_finish(&Bytes::from(file.to_vec()))
        .expect("metadata");
    let footer = &file[file.len() - 8..];
    let metadata_len = u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]) as usize;
    let mut groups = metadata.row_groups().to_vec();
    let mut columns = groups[0].columns().to_vec();
    columns[0] = edit(columns[0].clone().into_builder()).build().expect("column chunk");
    groups[0] =
        groups[0].clone().into_builder().set_column_metadata(columns).build().expect("group");
    let metadata = metadata.into_builder().set_row_groups(groups).build();
    let mut out = file[..file.len() - 8 - metadata_len].to_vec();
    ParquetMetaDataWriter::new(&mut out, &metadata).finish().expect("footer");
    assert!(out.ends_with(b"PAR1"));
    out
}

/// Every way a local file or the browser reads `file` gives an error containing `why`.
fn assert_unreadable(file: &[u8], why: &str) {
    let error = decode_file(Bytes::from(file.to_vec())).expect_err("decode_file");
    assert!(error.0.contains(why), "decode_file: {error}");
    match read_layout(file.len() as u64, file) {
        Ok(LayoutRead::Layout(layout)) => {
            let group = layout.row_groups[0];
            let span = Bytes::from(file[group.start as usize..group.end as usize].to_vec());
            let error = decode_row_group(&layout, 0, span).expect_err("decode_row_group");
            assert!(error.0.contains(why), "decode_row_group: {error}");
        }
        Ok(LayoutRead::NeedTail(n)) => panic!("NeedTail({n}) for the whole file"),
        Err(error) => assert!(error.0.contains(why), "read_layout: {error}"),
    }
    // A local file: one error for an unreadable footer, else one per row the broken group
    // declares (counts stay whole); none is read.
    let rows = read_file(file);
    assert!(!rows.is_empty());
    for (_, row) in &rows {
        let message = &row.as_ref().expect_err("read_file").message;
        assert!(message.contains(why), "read_file: {message}");
    }
}

#[test]
fn the_small_file_reads() {
    let rows = decode_file(Bytes::from(small_dictionary_file())).expect("rows");
    assert_eq!(
        rows,
        [
            serde_json::json!({"s": "a"}),
            serde_json::json!({"s": "b"}),
            serde_json::json!({"s": "a"})
        ]
    );
}

/// Found by the `parquet` target: a column chunk whose metadata gives a negative offset made
/// `ColumnChunkMetaData::byte_range` panic ("column start and length should not be negative")
/// in `read_layout`, and in the `parquet` crate's page reader when decoding. Now an error.
#[test]
fn a_column_chunk_at_a_negative_offset_is_an_error_not_a_panic() {
    let file = small_dictionary_file();
    let negative_start =
        with_first_chunk(&file, |chunk| chunk.set_dictionary_page_offset(Some(-5)));
    assert_unreadable(&negative_start, "at offset -5");
    let negative_size = with_first_chunk(&file, |chunk| chunk.set_total_compressed_size(-1));
    assert_unreadable(&negative_size, "with -1 bytes");
}

/// Found by the `parquet` target: a `BYTE_ARRAY` dictionary page that claims more values than
/// it holds made the `parquet` crate's plain decoder read a length past the page's end and
/// panic. Here the small file's dictionary page (of `a` and `b`, 10 bytes) says it has 3 values:
/// in its header (thrift compact), `DictionaryPageHeader` (field 7: `0x4c`) starts with
/// `num_values` (`0x15`, zigzag varint `0x04` = 2), made `0x06` (3).
#[test]
fn a_dictionary_page_shorter_than_its_values_is_an_error_not_a_panic() {
    let mut file = small_dictionary_file();
    // The dictionary page header starts at byte 4, after the magic.
    let at = 4 + file[4..40]
        .windows(4)
        .position(|w| w == [0x4c, 0x15, 0x04, 0x15])
        .expect("the dictionary page header's num_values (2)");
    file[at + 2] = 0x06;
    assert_unreadable(&file, "a dictionary page shorter than its values");
}

/// Found by the `parquet` target (slow units: 66 s for one input): a page header holding an
/// unknown field that is a list of more elements than there are bytes. The `parquet` crate's
/// thrift reader skipped it element by element whatever the bytes left (a "skip" past the end
/// of a `DOUBLE` succeeds with nothing read), so the read took up to a minute (the page froze).
/// Now such a list is refused before the crate reads the header. Here the small file's first
/// page header starts with field 15 (unknown to `PageHeader`) as a list (`0xf9`: field delta
/// 15, type 9) of `DOUBLE`s (`0xf7`: size as a varint after it, element type 7) of 2^26
/// elements (`0x80 0x80 0x80 0x20`); before the fix this took seconds and failed with another
/// message.
#[test]
fn a_page_header_listing_more_than_the_file_holds_fails_at_once() {
    let mut file = small_dictionary_file();
    file[4..10].copy_from_slice(&[0xf9, 0xf7, 0x80, 0x80, 0x80, 0x20]);
    let started = std::time::Instant::now();
    assert_unreadable(&file, "a thrift list of 67108864 elements");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

/// Found by the `parquet` target (slow units: 5 s each): the file's metadata (a thrift
/// `FileMetaData`) holding an unknown field that is a list of 2^31 - 1 booleans. Skipping a
/// boolean reads nothing, so the `parquet` crate looped 2^31 times per such list (seconds; a
/// footer can hold many). Now the list is refused, as it claims more elements than there are
/// bytes. Here the field (id 100 in the long form: `0x09`, zigzag varint `0xc8 0x01`; a list
/// of booleans, `0xf1`, of `0xff 0xff 0xff 0xff 0x07` elements) goes last in the small file's
/// metadata, before its stop byte; before the fix the file read (slowly) without an error.
#[test]
fn metadata_listing_more_than_the_file_holds_fails_at_once() {
    let file = small_dictionary_file();
    let footer = &file[file.len() - 8..];
    let metadata_len = u32::from_le_bytes([footer[0], footer[1], footer[2], footer[3]]) as usize;
    let stop = file.len() - 9;
    assert_eq!(file[stop], 0, "FileMetaData ends with its stop byte");
    let field = [0x09, 0xc8, 0x01, 0xf1, 0xff, 0xff, 0xff, 0xff, 0x07];
    let mut edited = file[..stop].to_vec();
    edited.extend(field);
    edited.push(0);
    edited.extend(((metadata_len + field.len()) as u32).to_le_bytes());
    edited.extend(b"PAR1");
    let started = std::time::Instant::now();
    assert_unreadable(&edited, "a thrift list of 2147483647 elements in 1 bytes");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}

/// Found by the `parquet` target: a schema (mutated in a fixture's footer) with a `LIST` group
/// whose child is `required` instead of `repeated`. The column assembler does not take such a
/// schema, and the `parquet` crate's record API, which reads the rest, panicked on it ("Invalid
/// list type"). Now the file is a read error. Here written with that schema (and one row).
#[test]
fn a_list_whose_child_is_not_repeated_is_an_error_not_a_panic() {
    use parquet::data_type::{ByteArray, ByteArrayType};
    use parquet::file::properties::WriterProperties;
    use parquet::file::writer::SerializedFileWriter;
    use parquet::schema::parser::parse_message_type;

    let message = "message m { optional group tools (LIST) { required group list {
        optional binary element (UTF8); } } }";
    let schema = std::sync::Arc::new(parse_message_type(message).expect("schema"));
    let mut file = Vec::new();
    let props = std::sync::Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(&mut file, schema, props).expect("writer");
    let mut group = writer.next_row_group().expect("row group");
    let mut column = group.next_column().expect("column").expect("a column");
    let values = [ByteArray::from("bash")];
    column.typed::<ByteArrayType>().write_batch(&values, Some(&[2]), None).expect("values");
    column.close().expect("column");
    group.close().expect("row group");
    writer.close().expect("file");
    assert_unreadable(&file, "the LIST field `tools` is not of a shape read here");
}

/// Found by the `parquet` target (a slow unit: 80 s in a debug build for one row group): a
/// page header whose unknown field is a list of lists of booleans. Each inner list fits the
/// bytes left, but the `parquet` crate skips a boolean without reading a byte, so every inner
/// list cost its whole claimed size: the work grew as the square of the header. Now lists
/// whose elements together outnumber the header's bytes are refused. Here field 15 of the
/// first page header (inserted at byte 4, where the metadata puts the dictionary page) is a
/// list (`0xf9`) of 20 000 lists (`0xf9`, varint `0xa0 0x9c 0x01`), each of 10 000 booleans
/// (`0xf1`, varint `0x90 0x4e`); before the fix this took seconds and failed with another
/// message.
#[test]
fn a_page_header_of_lists_of_lists_fails_at_once() {
    let file = small_dictionary_file();
    let mut header = vec![0xf9, 0xf9, 0xa0, 0x9c, 0x01];
    for _ in 0..20_000 {
        header.extend([0xf1, 0x90, 0x4e]);
    }
    header.push(0);
    let edited = [&file[..4], &header, &file[4..]].concat();
    let started = std::time::Instant::now();
    // (The group span of the metadata ends inside the inserted bytes: there the inner list is
    // longer than the span.)
    assert_unreadable(&edited, "thrift list");
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
}
