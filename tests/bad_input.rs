//! Bad input is detected from its bytes and read right, or refused with a clear message, and
//! nothing disappears from the counts: a Parquet file whose footer lies, a Parquet file cut
//! short or with a corrupt row group, a JSONL file whose last line is cut, invalid UTF-8, and
//! files of one kind named as another (the CLI and the page both read by content).

mod common;

use trajex::domain::document::{parquet_rows, read_file, FileKind};

fn parquet() -> Vec<u8> {
    common::fixture_bytes("open_swe_traces/openhands_swegym.zstd.parquet")
}

fn messages(rows: &[(Option<Vec<u8>>, trajex::domain::stream::RowResult)]) -> Vec<String> {
    rows.iter().filter_map(|(_, r)| r.as_ref().err().map(|e| e.message.clone())).collect()
}

#[test]
fn a_parquet_footer_that_lies_about_its_metadata_is_one_clear_error() {
    let mut file = parquet();
    let n = file.len();
    // The metadata length (the 4 bytes before the closing PAR1) claims more than the file.
    file[n - 8..n - 4].copy_from_slice(&(n as u32 * 2).to_le_bytes());
    let rows = read_file(&file);
    assert_eq!(rows.len(), 1);
    let message = &messages(&rows)[0];
    assert!(message.contains("not a readable Parquet file"), "{message}");
    // Metadata bytes that are not Thrift.
    let mut file = parquet();
    let len = u32::from_le_bytes(file[n - 8..n - 4].try_into().unwrap()) as usize;
    for b in &mut file[n - 8 - len..n - 8] {
        *b = 0xFF;
    }
    let rows = read_file(&file);
    assert_eq!(rows.len(), 1);
    assert!(messages(&rows)[0].contains("not a readable Parquet file"), "{:?}", messages(&rows));
}

#[test]
fn a_corrupt_row_group_counts_each_of_its_rows_as_an_error_and_the_file_goes_on() {
    let good = parquet_rows(&parquet()).unwrap();
    assert_eq!(good.len(), 5);
    assert!(good.iter().all(Result::is_ok));
    // Overwrite the bytes of the first column chunks (just after the leading PAR1).
    let mut file = parquet();
    for b in &mut file[4..4 + 2000] {
        *b = 0x5A;
    }
    let rows = parquet_rows(&file).unwrap();
    assert_eq!(rows.len(), 5, "every row declared is accounted for");
    let errors: Vec<_> = rows.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(!errors.is_empty());
    assert!(errors.iter().all(|e| e.message.starts_with("row group ")), "{errors:?}");
    let line_nos: Vec<u64> =
        rows.iter().map(|r| r.as_ref().map_or_else(|e| e.line_no, |row| row.line_no)).collect();
    assert_eq!(line_nos, [1, 2, 3, 4, 5]);
}

#[test]
fn a_parquet_file_cut_short_is_refused_with_one_message() {
    let file = parquet();
    for cut in [4, 100, file.len() / 2, file.len() - 1] {
        let rows = read_file(&file[..cut]);
        assert_eq!(rows.len(), 1, "cut at {cut}");
        assert!(rows[0].1.is_err(), "cut at {cut}");
    }
}

#[test]
fn a_jsonl_file_whose_last_line_is_cut_reads_every_whole_line_and_names_the_cut_one() {
    let text = common::fixture_bytes("open_swe_traces/openhands_swegym.jsonl");
    let cut = &text[..text.len() - 500];
    let rows = read_file(cut);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows.iter().filter(|(_, r)| r.is_ok()).count(), 4);
    let message = &messages(&rows)[0];
    assert!(message.contains("EOF") || message.contains("end of"), "{message}");
    match &rows[4].1 {
        Err(error) => assert_eq!(error.line_no, 5),
        Ok(_) => panic!("the cut line is an error"),
    }
}

#[test]
fn invalid_utf8_in_a_row_is_read_with_a_warning_not_lost() {
    let rows = read_file(
        b"{\"messages\":[{\"role\":\"user\",\"content\":\"caf\xE9\"}]}\n{\"messages\":[]}\n",
    );
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, r)| r.is_ok()), "{:?}", messages(&rows));
}

#[test]
fn a_file_is_read_by_its_bytes_not_its_name() {
    assert_eq!(FileKind::sniff(&parquet()), FileKind::Parquet);
    assert_eq!(read_file(&parquet()).len(), 5, "Parquet bytes read as Parquet whatever the name");
    let zip_magic = b"PK\x03\x04rest of a broken archive";
    assert_eq!(FileKind::sniff(zip_magic), FileKind::Zip);
    let rows = read_file(zip_magic);
    assert_eq!(rows.len(), 1);
    assert!(rows[0].1.is_err());
}
