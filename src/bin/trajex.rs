//! `trajex`: the native command line over the same core as the web app.
//!
//! - `trajex inspect FILE...` prints one JSON object per row: the trajectory's source, format,
//!   identifiers and metrics, or the decoding error of a bad line.
//! - `trajex export [--filter QUERY] [--format raw|sft|text] [--template CONFIG] [-o OUT] FILE...`
//!   writes the rows that pass the filter as JSONL, with a manifest (`OUT.manifest.json`) that
//!   accounts for every row read. QUERY is the filter part of a Trajex page URL
//!   (`outcome=resolved&max_tokens=32000`). `text` renders each row through the chat template of
//!   CONFIG (a model's `tokenizer_config.json`).
//!
//! - `trajex index [--filter QUERY] FILE...` builds the row index of the files
//!   (`domain::index`: one row summary per trajectory, in columns) and prints its figures as one
//!   JSON object: rows, bytes per row, the rows passing QUERY, and the facets (outcomes,
//!   languages, files, harness x teacher, tools, flags) of the passing rows.
//!
//! FILE is JSONL, a JSON array of rows, one JSON object, a Parquet file or a zip archive of
//! samples (an Inspect AI `.eval` log), told apart by its bytes (`-` is standard input). A
//! JSONL file whose lines are one session's events (Claude Code, Codex, OpenHands SDK) is one
//! trajectory; an eval log holding many samples is one trajectory per sample. A summary
//! goes to standard error. Exit status: 0 when every file was read (bad rows are reported, not
//! fatal), 1 when a file could not be opened, read or written, 2 on a usage error.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::process::ExitCode;

use serde_json::json;
use trajex::domain::archive;
use trajex::domain::document::{parquet_rows, FileKind, Gatherer};
use trajex::domain::export::{
    raw_line, ExportFormat, ExportSource, Exporter, Manifest, SftOptions,
};
use trajex::domain::filter::FilterSet;
use trajex::domain::index::{RowIndex, RowSummary};
use trajex::domain::inspect::{InspectError, InspectRecord};
use trajex::domain::normalize::normalize_decoded;
use trajex::domain::stream::{
    decode_document, decode_line, looks_like_one_trajectory, DocumentDecoder, JsonlDecoder, Line,
    RowResult,
};
use trajex::domain::template::{ChatTemplate, RenderOptions};
use trajex::domain::trajectory::Origin;
use trajex::domain::{Severity, TrajectoryMetrics};

const USAGE: &str = "\
usage: trajex inspect FILE...
       trajex index [--filter QUERY] FILE...
       trajex export [--filter QUERY] [--format raw|sft|text] [--arguments-as-string]
                     [--drop-reasoning] [--template CONFIG] [-o OUT] [--manifest PATH] FILE...

inspect  prints one JSON object per row: source, row index, detected format,
         identifiers and every metric Trajex computes, or the error of a bad line.
index    builds the row index of the files and prints, as one JSON object, its
         rows, bytes per row, the rows passing --filter QUERY and their facets
         (outcomes, languages, files, harness x teacher, tools, flags).
export   writes the rows passing QUERY (the filter of a Trajex page URL, e.g.
         'outcome=resolved&max_tokens=32000&lang=python&patch=yes') as JSONL:
         raw = the source rows byte for byte, sft = {messages, tools, ...} records
         for Hugging Face datasets / TRL, text = {\"text\": ...} with the training
         text rendered by the chat template of CONFIG (a model's
         tokenizer_config.json; required for text). The manifest
         (OUT.manifest.json, or --manifest PATH, or standard error) counts every
         row read.

FILE is JSONL, a JSON array of rows, one JSON object, Parquet, or a zip of
samples (Inspect .eval), told apart by its bytes; `-` is standard input.
Lines that are one session's events (Claude Code, Codex, OpenHands SDK) make
one trajectory; an eval log's samples make one trajectory each.";

/// Bytes read per chunk when streaming JSONL.
const CHUNK: usize = 1 << 20;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("inspect") if args.len() > 1 => inspect(&args[1..]),
        Some("index") => index(&args[1..]),
        Some("export") => match ExportArgs::parse(&args[1..]) {
            Ok(export_args) => export(export_args),
            Err(message) => Err(Failure::Usage(message)),
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        Some("--version" | "-V") => {
            println!("trajex {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        _ => Err(Failure::Usage(String::new())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            if !message.is_empty() {
                eprintln!("trajex: {message}");
            }
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Io) => ExitCode::FAILURE,
    }
}

/// How a command failed; IO errors are printed where they happen.
enum Failure {
    Usage(String),
    Io,
}

fn open(path: &str) -> io::Result<Box<dyn BufRead>> {
    if path == "-" {
        Ok(Box::new(BufReader::with_capacity(CHUNK, io::stdin())))
    } else {
        Ok(Box::new(BufReader::with_capacity(CHUNK, File::open(path)?)))
    }
}

/// Reads every trajectory row of one input, whatever its kind (told from its first bytes,
/// [`FileKind::sniff`]): Parquet (read whole, a row per Parquet row), a zip archive (a row per
/// sample, [`archive::read_archive`]), or JSON text read through
/// a [`Gatherer`], which hands on one row per trajectory: a JSONL line or array element as it
/// is (with its bytes), a run of event lines (a Claude Code session, a Codex rollout) as one
/// gathered row, a document of many trajectories (an Inspect eval log) split into its samples.
fn read_rows(
    mut reader: Box<dyn BufRead>,
    mut sink: impl FnMut(Option<&[u8]>, RowResult),
) -> io::Result<()> {
    let kind = FileKind::sniff(reader.fill_buf()?);
    if kind != FileKind::Json {
        // Parquet and zip archives are read whole; their rows have no source text.
        let mut all = Vec::new();
        reader.read_to_end(&mut all)?;
        let rows = match kind {
            FileKind::Parquet => parquet_rows(&all)
                .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?,
            _ => archive::read_archive(&all),
        };
        for row in rows {
            sink(None, row);
        }
        return Ok(());
    }
    let mut gatherer = Gatherer::new();
    let read = read_json_rows(reader, &mut |bytes, result| gatherer.push(bytes, result, &mut sink));
    gatherer.finish(&mut sink);
    read
}

/// Reads the decoded rows of a JSON text input. Streams JSONL when the first line is a
/// complete JSON row, passing each line's bytes along; otherwise (a pretty-printed document,
/// or one line holding an array of rows) reads the whole input as one document: an array of
/// rows passes each element's bytes along, a single value none.
fn read_json_rows(
    mut reader: Box<dyn BufRead>,
    sink: &mut dyn FnMut(Option<&[u8]>, RowResult),
) -> io::Result<()> {
    let mut head = Vec::new();
    while head.iter().all(u8::is_ascii_whitespace) {
        if reader.read_until(b'\n', &mut head)? == 0 {
            break;
        }
    }
    let first_len = head.strip_suffix(b"\n").unwrap_or(&head).len();
    let first = Line { bytes: &head[..first_len], line_no: 1, byte_offset: 0 };
    let streams = match decode_line(first) {
        Some(Ok(row)) => row.value.as_array().is_none_or(|items| looks_like_one_trajectory(items)),
        _ => false,
    };
    if !streams {
        let mut all = head;
        reader.read_to_end(&mut all)?;
        match DocumentDecoder::for_document(&all) {
            Some(mut decoder) => {
                decoder.push_with_bytes(&all, |bytes, result| sink(Some(bytes), result));
                decoder.finish_with_bytes(|bytes, result| sink(Some(bytes), result));
            }
            None => {
                for result in decode_document(&all) {
                    sink(None, result);
                }
            }
        }
        return Ok(());
    }
    let mut decoder = JsonlDecoder::new();
    decoder.push_with_bytes(&head, |bytes, result| sink(Some(bytes), result));
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        decoder.push_with_bytes(&chunk[..n], |bytes, result| sink(Some(bytes), result));
    }
    decoder.finish_with_bytes(|bytes, result| sink(Some(bytes), result));
    Ok(())
}

/// Runs `each` on every row of every file, with the file's path and the row's index in it.
fn for_each_row(
    paths: &[String],
    mut each: impl FnMut(&str, u64, Option<&[u8]>, RowResult) -> io::Result<()>,
) -> Result<(), Failure> {
    let mut failed = false;
    for path in paths {
        let mut row_idx = 0;
        let mut write_error = None;
        let read = open(path).and_then(|reader| {
            read_rows(reader, |bytes, result| {
                if write_error.is_none() {
                    write_error = each(path, row_idx, bytes, result).err();
                }
                row_idx += 1;
            })
        });
        if let Some(err) = write_error {
            eprintln!("trajex: writing output: {err}");
            return Err(Failure::Io);
        }
        if let Err(err) = read {
            eprintln!("trajex: {path}: {err}");
            failed = true;
        }
    }
    if failed {
        Err(Failure::Io)
    } else {
        Ok(())
    }
}

/// `trajex index`: the row index of the files, its size and the facets of the passing rows.
fn index(args: &[String]) -> Result<(), Failure> {
    let (filter, paths) = match args {
        [flag, query, paths @ ..] if flag == "--filter" => {
            let parsed = FilterSet::from_query(query);
            if let Some(key) = parsed.unknown_keys.first() {
                return Err(Failure::Usage(format!("--filter: `{key}` is not a filter key")));
            }
            if let Some(error) = parsed.errors.first() {
                return Err(Failure::Usage(format!("--filter: {error}")));
            }
            (parsed.filter, paths)
        }
        paths => (FilterSet::default(), paths),
    };
    if paths.is_empty() {
        return Err(Failure::Usage("index needs at least one FILE".into()));
    }
    let mut index = RowIndex::new();
    let mut n_errors = 0u64;
    let result = for_each_row(paths, |path, row_idx, _, result| {
        match result {
            Ok(row) => {
                let trajectory =
                    normalize_decoded(row, Origin::File { path: path.into() }, row_idx);
                let metrics = TrajectoryMetrics::of(&trajectory);
                index.push(&RowSummary::of(&trajectory, &metrics, Some(path)));
            }
            Err(_) => n_errors += 1,
        }
        Ok(())
    });
    index.shrink_to_fit();
    let selection = index.select(&filter);
    let rows = &selection.rows;
    let harness_teacher: Vec<serde_json::Value> = index
        .harness_by_teacher(rows)
        .into_iter()
        .map(|((harness, teacher), n)| json!({"harness": harness, "teacher": teacher, "rows": n}))
        .collect();
    let summary = json!({
        "rows": index.len(),
        "row_errors": n_errors,
        "heap_bytes": index.heap_bytes(),
        "bytes_per_row": if index.is_empty() { 0.0 } else { index.heap_bytes() as f64 / index.len() as f64 },
        "filter": filter.to_query(),
        "passing": rows.len(),
        "needs_content": selection.needs_content,
        "outcomes": index.outcomes(rows),
        "languages": index.languages(rows),
        "files": index.splits(rows),
        "harness_teacher": harness_teacher,
        "tools": index.tools(rows),
        "flags": index.flags(rows),
    });
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    if let Err(err) = writeln!(io::stdout(), "{text}") {
        eprintln!("trajex: writing output: {err}");
        return Err(Failure::Io);
    }
    result
}

fn inspect(paths: &[String]) -> Result<(), Failure> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let (mut n_rows, mut n_trajectories, mut n_errors, mut n_with_diagnostics) = (0, 0, 0, 0);
    let result = for_each_row(paths, |path, row_idx, _, result| {
        n_rows += 1;
        match result {
            Ok(row) => {
                let trajectory =
                    normalize_decoded(row, Origin::File { path: path.into() }, row_idx);
                let metrics = TrajectoryMetrics::of(&trajectory);
                n_trajectories += 1;
                n_with_diagnostics +=
                    u64::from(trajectory.diagnostics.iter().any(|d| d.severity > Severity::Info));
                serde_json::to_writer(&mut out, &InspectRecord::new(&trajectory, &metrics))?;
            }
            Err(error) => {
                n_errors += 1;
                eprintln!("trajex: {path}: {error}");
                serde_json::to_writer(&mut out, &InspectError::new(path, row_idx, &error))?;
            }
        }
        out.write_all(b"\n")
    });
    let flushed = out.flush();
    eprintln!(
        "trajex: {n_rows} rows, {n_trajectories} trajectories, {n_errors} line errors, \
         {n_with_diagnostics} trajectories with warnings or errors"
    );
    if let Err(err) = flushed {
        eprintln!("trajex: writing output: {err}");
        return Err(Failure::Io);
    }
    result
}

/// Arguments of `trajex export`.
struct ExportArgs {
    filter: FilterSet,
    format: ExportFormat,
    sft_options: SftOptions,
    /// `--template`: the tokenizer_config.json whose chat template the `text` format uses.
    template: Option<String>,
    output: Option<String>,
    manifest: Option<String>,
    paths: Vec<String>,
}

impl ExportArgs {
    fn parse(args: &[String]) -> Result<ExportArgs, String> {
        let mut parsed = ExportArgs {
            filter: FilterSet::default(),
            format: ExportFormat::Raw,
            sft_options: SftOptions::default(),
            template: None,
            output: None,
            manifest: None,
            paths: Vec::new(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value =
                |name: &str| args.next().cloned().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                "--filter" => {
                    let query = value("--filter")?;
                    let filter = FilterSet::from_query(&query);
                    if let Some(key) = filter.unknown_keys.first() {
                        return Err(format!("--filter: `{key}` is not a filter key"));
                    }
                    if let Some(error) = filter.errors.first() {
                        return Err(format!("--filter: {error}"));
                    }
                    if filter.filter.needs_other_rows() {
                        return Err("--filter: `mixed_outcome` compares the runs of each instance over all the rows; the export reads its rows once, in order, and cannot judge it".into());
                    }
                    parsed.filter = filter.filter;
                }
                "--format" => {
                    let name = value("--format")?;
                    parsed.format = ExportFormat::parse(&name)
                        .ok_or(format!("--format: `{name}` is not raw, sft or text"))?;
                }
                "--arguments-as-string" => parsed.sft_options.arguments_as_string = true,
                "--drop-reasoning" => parsed.sft_options.drop_reasoning = true,
                "--template" => parsed.template = Some(value("--template")?),
                "-o" | "--output" => parsed.output = Some(value("-o")?),
                "--manifest" => parsed.manifest = Some(value("--manifest")?),
                flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
                path => parsed.paths.push(path.to_owned()),
            }
        }
        if parsed.paths.is_empty() {
            return Err("export needs at least one FILE".to_owned());
        }
        if parsed.format == ExportFormat::Text && parsed.template.is_none() {
            return Err("--format text needs --template tokenizer_config.json".to_owned());
        }
        Ok(parsed)
    }

    /// Where the manifest goes: `--manifest`, else beside `-o` (`out.jsonl` →
    /// `out.manifest.json`), else standard error.
    fn manifest_path(&self) -> Option<String> {
        self.manifest.clone().or_else(|| {
            let output = self.output.as_deref()?;
            let stem = output.strip_suffix(".jsonl").unwrap_or(output);
            Some(format!("{stem}.manifest.json"))
        })
    }
}

/// Reads and compiles the chat template of a `tokenizer_config.json`; errors are printed.
fn load_template(path: &str) -> Result<ChatTemplate, Failure> {
    let bytes = std::fs::read(path).map_err(|err| {
        eprintln!("trajex: {path}: {err}");
        Failure::Io
    })?;
    let config: serde_json::Value = serde_json::from_slice(&bytes).map_err(|err| {
        eprintln!("trajex: {path}: not JSON: {err}");
        Failure::Io
    })?;
    ChatTemplate::from_tokenizer_config(&config).map_err(|err| {
        eprintln!("trajex: {path}: {err}");
        Failure::Io
    })
}

fn export(args: ExportArgs) -> Result<(), Failure> {
    let template = match (&args.template, args.format) {
        (Some(path), ExportFormat::Text) => Some(load_template(path)?),
        _ => None,
    };
    let render_options = RenderOptions {
        now_unix_seconds: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|elapsed| i64::try_from(elapsed.as_secs()).ok()),
        ..RenderOptions::default()
    };
    let sink: Box<dyn Write> = match &args.output {
        Some(path) => match File::create(path) {
            Ok(file) => Box::new(file),
            Err(err) => {
                eprintln!("trajex: {path}: {err}");
                return Err(Failure::Io);
            }
        },
        None => Box::new(io::stdout().lock()),
    };
    let mut out = io::BufWriter::with_capacity(CHUNK, sink);
    let template = template.map(|template| (template, render_options));
    let mut exporter = Exporter::new(args.filter.clone(), args.format, args.sft_options, template);
    let result = for_each_row(&args.paths, |path, row_idx, bytes, result| {
        let row = match result {
            Ok(row) => row,
            Err(error) => {
                exporter.line_error(None, format!("{path}:{}: {}", error.line_no, error.message));
                return Ok(());
            }
        };
        // The source line, or the compact serialization of a row without one (see `raw_line`).
        let raw = match args.format {
            ExportFormat::Raw => raw_line(bytes.unwrap_or_default(), &row.value),
            _ => Vec::new(),
        };
        let trajectory = normalize_decoded(row, Origin::File { path: path.into() }, row_idx);
        let metrics = TrajectoryMetrics::of(&trajectory);
        match exporter.row(None, raw, &trajectory, &metrics) {
            Some(line) => out.write_all(&line),
            None => Ok(()),
        }
    });
    if let Err(err) = out.flush() {
        eprintln!("trajex: writing output: {err}");
        return Err(Failure::Io);
    }
    result?;
    let source = ExportSource::Files { paths: args.paths.clone() };
    let template_names = exporter.template_names();
    let counts = exporter.counts;
    let mut manifest = Manifest::new(source, args.format, args.sft_options, &args.filter, counts);
    if let (Some(path), Some(names)) = (&args.template, template_names) {
        manifest = manifest.with_chat_template(format!("{path} ({})", names.join(", ")));
    }
    let manifest_json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    match args.manifest_path() {
        Some(path) => {
            if let Err(err) = std::fs::write(&path, manifest_json + "\n") {
                eprintln!("trajex: {path}: {err}");
                return Err(Failure::Io);
            }
        }
        None => eprintln!("{manifest_json}"),
    }
    let counts = &manifest.counts;
    eprintln!(
        "trajex: {} rows read, {} exported, {} filtered out, {} skipped, {} line errors ({})",
        counts.rows_read,
        counts.exported,
        counts.filtered_out.values().sum::<u64>(),
        counts.skipped.values().sum::<u64>(),
        counts.n_line_errors,
        manifest.filter_summary
    );
    Ok(())
}
