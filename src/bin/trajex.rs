//! `trajex`: the native command line over the same core as the web app.
//!
//! `trajex inspect FILE...` reads JSONL, a JSON array of rows or one JSON object per FILE (`-`
//! for standard input) and prints one JSON object per row to standard output: the trajectory's
//! source, format, identifiers and metrics, or the decoding error of a bad line. A summary goes
//! to standard error. Exit status: 0 when every file was read (bad rows are reported, not
//! fatal), 1 when a file could not be opened or read, 2 on a usage error.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use trajex::domain::inspect::{InspectError, InspectRecord};
use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::{
    decode_document, decode_line, looks_like_messages, JsonlDecoder, Line, RowResult,
};
use trajex::domain::trajectory::Origin;
use trajex::domain::TrajectoryMetrics;

const USAGE: &str = "\
usage: trajex inspect FILE...

Reads trajectory rows from each FILE (JSONL, a JSON array of rows, or one JSON object;
`-` is standard input) and prints one JSON object per row: source, row index, detected
format, identifiers and every metric Trajex computes, or the error of a bad line.";

/// Bytes read per chunk when streaming JSONL.
const CHUNK: usize = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("inspect") if args.len() > 1 => inspect(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some("--version" | "-V") => {
            println!("trajex {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// Counts for the summary line.
#[derive(Default)]
struct Totals {
    n_rows: u64,
    n_trajectories: u64,
    n_line_errors: u64,
    n_with_diagnostics: u64,
}

fn inspect(paths: &[String]) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut totals = Totals::default();
    let mut failed = false;
    for path in paths {
        let mut row_idx = 0;
        let result = open(path).and_then(|reader| {
            read_rows(reader, |result| {
                emit(path, row_idx, result, &mut totals, &mut out);
                row_idx += 1;
            })
        });
        if let Err(err) = result {
            eprintln!("trajex: {path}: {err}");
            failed = true;
        }
    }
    if let Err(err) = out.flush() {
        eprintln!("trajex: writing output: {err}");
        return ExitCode::FAILURE;
    }
    eprintln!(
        "trajex: {} rows, {} trajectories, {} line errors, {} trajectories with diagnostics",
        totals.n_rows, totals.n_trajectories, totals.n_line_errors, totals.n_with_diagnostics
    );
    if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn open(path: &str) -> io::Result<Box<dyn BufRead>> {
    if path == "-" {
        Ok(Box::new(BufReader::with_capacity(CHUNK, io::stdin())))
    } else {
        Ok(Box::new(BufReader::with_capacity(CHUNK, std::fs::File::open(path)?)))
    }
}

/// Streams JSONL when the first line is a complete JSON row; otherwise (a pretty-printed
/// document, or one line holding an array of rows) reads the whole input as one document.
fn read_rows(mut reader: Box<dyn BufRead>, mut sink: impl FnMut(RowResult)) -> io::Result<()> {
    let mut head = Vec::new();
    while head.iter().all(u8::is_ascii_whitespace) {
        if reader.read_until(b'\n', &mut head)? == 0 {
            break;
        }
    }
    let trimmed_len = head.strip_suffix(b"\n").unwrap_or(&head).len();
    let first = Line { bytes: &head[..trimmed_len], line_no: 1, byte_offset: 0 };
    let streams = match decode_line(first) {
        Some(Ok(row)) => row.value.as_array().is_none_or(|items| looks_like_messages(items)),
        _ => false,
    };
    if !streams {
        let mut all = head;
        reader.read_to_end(&mut all)?;
        decode_document(&all).into_iter().for_each(sink);
        return Ok(());
    }
    let mut decoder = JsonlDecoder::new();
    decoder.push(&head, &mut sink);
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = reader.read(&mut chunk)?;
        if n == 0 {
            break;
        }
        decoder.push(&chunk[..n], &mut sink);
    }
    decoder.finish(&mut sink);
    Ok(())
}

fn emit(path: &str, row_idx: u64, result: RowResult, totals: &mut Totals, out: &mut impl Write) {
    totals.n_rows += 1;
    let written = match result {
        Ok(row) => {
            let origin = Origin::File { path: path.to_owned() };
            let trajectory = normalize_decoded(row, origin, row_idx);
            let metrics = TrajectoryMetrics::of(&trajectory);
            totals.n_trajectories += 1;
            totals.n_with_diagnostics += u64::from(!trajectory.diagnostics.is_empty());
            serde_json::to_writer(&mut *out, &InspectRecord::new(&trajectory, &metrics))
        }
        Err(error) => {
            totals.n_line_errors += 1;
            eprintln!("trajex: {path}: {error}");
            serde_json::to_writer(&mut *out, &InspectError::new(path, row_idx, &error))
        }
    };
    if let Err(err) = written.map_err(io::Error::from).and_then(|()| out.write_all(b"\n")) {
        eprintln!("trajex: writing output: {err}");
        std::process::exit(1);
    }
}
