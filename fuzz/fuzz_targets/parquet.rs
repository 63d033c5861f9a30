//! The Parquet reader (`domain::parquet` and its column assembler) over arbitrary bytes and
//! mutated Parquet files.
//!
//! Input: a 4-byte header, then the file. Header: two little-endian `u16`s, each a fraction
//! (of 65535) of the file's length: where the held head ends and where the held tail starts
//! (the browser's first two range requests). Seeds under `fuzz/seeds/parquet/` carry such a
//! header (`fuzz/seeds/make` writes them).
//!
//! Checks:
//! - `decode_file`, `read_layout` (the whole file as its tail) and `decode_row_group` over each
//!   group's span never panic; when the whole file and every group decode, the groups' rows
//!   are the file's rows;
//! - the browser's path: `read_layout` from the held tail (asking once for a longer tail when
//!   it says `NeedTail`, which must then suffice), `plan_reads` (reads in group order, each
//!   covering its groups, at most `MAX_READ_SPAN` unless one group), and `HeldBytes::span` of
//!   each read around the fetched missing part is exactly the file's bytes of the read.

#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use trajex::domain::parquet::{
    decode_file, decode_row_group, plan_reads, read_layout, HeldBytes, LayoutRead, ParquetLayout,
    MAX_READ_SPAN,
};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let fraction = |at: usize| u64::from(u16::from_le_bytes([data[at], data[at + 1]]));
    let (head_fraction, tail_fraction) = (fraction(0), fraction(2));
    let file = Bytes::copy_from_slice(&data[4..]);
    let len = file.len() as u64;

    let whole = decode_file(file.clone());
    let layout = match read_layout(len, &file) {
        Ok(LayoutRead::Layout(layout)) => layout,
        Ok(LayoutRead::NeedTail(n)) => {
            panic!("the whole file as its tail, and {n} bytes asked for")
        }
        Err(_) => return,
    };
    let mut groups_rows = Some(Vec::new());
    for (idx, group) in layout.row_groups.iter().enumerate() {
        let to = group.end.min(len);
        let span = file.slice(group.start.min(to) as usize..to as usize);
        match decode_row_group(&layout, idx, span) {
            Ok(rows) => {
                if let Some(all) = &mut groups_rows {
                    all.extend(rows);
                }
            }
            Err(_) => groups_rows = None,
        }
    }
    if let (Ok(whole), Some(groups_rows)) = (&whole, &groups_rows) {
        assert_eq!(whole, groups_rows, "row groups decoded one by one differ from the whole file");
    }

    held_path(&file, head_fraction * len / 65535, tail_fraction * len / 65535);
    check_plan(&layout);
});

/// The browser's reads: a held head of `head_len` bytes and a tail from `tail_start`.
fn held_path(file: &Bytes, head_len: u64, tail_start: u64) {
    let len = file.len() as u64;
    let tail_start = tail_start.min(len.saturating_sub(8));
    let mut held = HeldBytes {
        head: file.slice(..head_len as usize),
        tail: file.slice(tail_start as usize..),
        tail_start,
    };
    let layout = match read_layout(len, &held.tail) {
        Ok(LayoutRead::Layout(layout)) => layout,
        Ok(LayoutRead::NeedTail(n)) => {
            assert!(n <= len && n > held.tail.len() as u64, "NeedTail({n}) of a {len}-byte file");
            held.tail_start = len - n;
            held.tail = file.slice(held.tail_start as usize..);
            match read_layout(len, &held.tail) {
                Ok(LayoutRead::Layout(layout)) => layout,
                Ok(LayoutRead::NeedTail(m)) => panic!("NeedTail({m}) after NeedTail({n})"),
                Err(_) => return,
            }
        }
        Err(_) => return,
    };
    for read in plan_reads(&layout.row_groups, MAX_READ_SPAN) {
        let missing = held.missing(&read);
        let fetched = missing.clone().map(|range| {
            assert!(
                read.start <= range.start && range.end <= read.end,
                "missing bytes outside the read"
            );
            file.slice(range.start.min(len) as usize..range.end.min(len) as usize)
        });
        let span = held.span(&read, fetched);
        if read.end <= len {
            assert_eq!(
                span,
                file.slice(read.start as usize..read.end as usize),
                "held bytes and fetched bytes do not make the read's span ({missing:?} fetched)"
            );
        }
    }
}

/// `plan_reads` keeps the groups in order, covers each, and bounds joined reads.
fn check_plan(layout: &ParquetLayout) {
    let groups = &layout.row_groups;
    let mut next = 0;
    for read in plan_reads(groups, MAX_READ_SPAN) {
        assert!(read.groups.start >= next && read.groups.start < read.groups.end);
        next = read.groups.end;
        for group in &groups[read.groups.clone()] {
            assert!(
                group.end <= group.start || (read.start <= group.start && group.end <= read.end)
            );
        }
        assert!(read.groups.len() == 1 || read.end - read.start <= MAX_READ_SPAN);
    }
}
