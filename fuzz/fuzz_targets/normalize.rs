//! Normalization (`domain::normalize`) and the per-trajectory metrics over arbitrary JSON.
//!
//! Input: bytes parsed with `serde_json::from_slice` (inputs that are not one JSON value are
//! skipped). The value goes through `normalize` as a row given directly, and through the path a
//! file's rows take: a `Gatherer` (a line event becomes a one-event run, a document of many
//! trajectories is split) and `normalize_decoded`. Every trajectory then goes through
//! `TrajectoryMetrics::of`.
//!
//! Checks: nothing panics (debug assertions on, so an adapter that does not set its format
//! fails); the trajectory's turns and tool-call links point at its own messages.
//!
//! "Each normalizer": the seeds (`fuzz/seeds/normalize/`) hold rows of every format the core
//! reads, so the fuzzer starts inside every adapter. Set `TRAJEX_FUZZ_FORMATS=1` and run over a
//! corpus with `-runs=0` to print the format each input was read as (`scripts/fuzz` does this
//! after a run).

#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use trajex::domain::document::Gatherer;
use trajex::domain::metrics::TrajectoryMetrics;
use trajex::domain::normalize::{normalize, normalize_decoded};
use trajex::domain::stream::{DecodedRow, RowResult};
use trajex::domain::trajectory::{Origin, SourceRef, Trajectory};

fn print_formats() -> bool {
    static PRINT: OnceLock<bool> = OnceLock::new();
    *PRINT.get_or_init(|| std::env::var_os("TRAJEX_FUZZ_FORMATS").is_some())
}

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<Value>(data) else { return };

    check(normalize(value.clone(), SourceRef::default()));

    let row = DecodedRow {
        value,
        line_no: 1,
        byte_offset: 0,
        byte_len: data.len() as u64,
        diagnostics: Vec::new(),
    };
    let mut rows: Vec<RowResult> = Vec::new();
    let mut gatherer = Gatherer::new();
    gatherer.push(Some(data), Ok(row), &mut |_, row| rows.push(row));
    gatherer.finish(&mut |_, row| rows.push(row));
    for (idx, row) in rows.into_iter().enumerate() {
        let Ok(row) = row else { panic!("the gatherer made an error of a JSON row") };
        check(normalize_decoded(row, Origin::Unknown, idx as u64));
    }
});

fn check(trajectory: Trajectory) {
    if print_formats() {
        eprintln!("TRAJEX_FORMAT {}", trajectory.format);
    }
    let messages = &trajectory.messages;
    for turn in &trajectory.turns {
        assert!(turn.assistant_idx < messages.len(), "a turn past the messages");
        assert!(
            turn.result_idxs.iter().all(|&idx| idx < messages.len()),
            "a turn's result past the messages"
        );
    }
    for message in messages {
        if let Some(call) = &message.result_of {
            let target = messages.get(call.message_idx);
            assert!(
                target.is_some_and(|target| call.call_idx < target.tool_calls.len()),
                "a tool result linked to a call that is not there"
            );
        }
    }
    let _ = TrajectoryMetrics::of(&trajectory);
}
