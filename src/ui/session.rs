//! The open dataset as reactive state: what is open (a Hub split, a JSONL URL, or local
//! files), the rows read so far, their progress and status, the rows passing the filter
//! (kept up to date incrementally as rows arrive), and the actions: load, pause, stop, export.
//!
//! Memory: every row keeps its metrics and identifiers; the messages of the first rows are kept
//! until [`KEEP_CHARS`] characters are held, later rows are kept without messages and are read
//! again when opened (Hub splits, by random access) so that long splits stay within memory.

use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::aggregate::DatasetSummary;
use crate::domain::document::{read_file, FileKind, Gatherer};
use crate::domain::export::{raw_line, ExportFormat, ExportSource, Exporter, Manifest, SftOptions};
use crate::domain::filter::{language_of, mixed_instances, FilterSet, Selector, Verdict};
use crate::domain::hub::{push_down, HubError, ReadCounts, RowsQuery, SplitRef, SplitSource};
use crate::domain::link::SourceChoice;
use crate::domain::normalize::normalize_decoded;
use crate::domain::stream::{DecodedRow, DocumentDecoder, RowKey, RowResult};
use crate::domain::trajectory::{Origin, Trajectory};
use crate::domain::TrajectoryMetrics;
use crate::net::{
    mark, now_ms, AbortHandle, HubClient, SplitBatch, SplitProgress, MARK_FIRST_ROW,
    MARK_STREAM_END, MARK_STREAM_START,
};
use crate::ui::browser;
use crate::ui::model::ModelState;
use crate::ui::trajectory::training_text::{model_chat_template, page_render_options};

/// What was read but not yet shown: rows, row errors, the latest progress.
type Pending = (Vec<Trajectory>, Vec<(u64, String)>, Option<SplitProgress>);

/// Milliseconds between two updates of the page while rows arrive.
pub const FLUSH_MS: f64 = 100.0;

/// Characters of messages kept in memory before later rows are kept without their messages.
pub const KEEP_CHARS: usize = 400_000_000;

/// Bytes of a local JSONL file or JSON array decoded between two updates of the page.
const LOCAL_PIECE: usize = 1024 * 1024;

/// One row of the open dataset.
#[derive(Clone, Debug)]
pub struct Row {
    /// The trajectory; without messages when `lite` (see the module doc).
    pub trajectory: Arc<Trajectory>,
    /// Its metrics, computed once.
    pub metrics: Arc<TrajectoryMetrics>,
    /// True when the messages were dropped to save memory.
    pub lite: bool,
}

/// What is open.
#[derive(Clone, Debug, PartialEq)]
pub enum Opened {
    /// Nothing yet.
    Nothing,
    /// A Hub split.
    Split(SplitRef),
    /// A JSONL file at a URL (relative to the page, or http(s)).
    File(String),
    /// Files the user opened from disk (names).
    Local(Vec<String>),
}

/// Where reading stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LoadStatus {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// Rows are arriving.
    Loading,
    /// Everything was read.
    Done,
    /// Stopped by the user; the rows read so far stay.
    Stopped,
    /// Failed; the message says what to do.
    Failed(String),
}

/// Totals of the reading.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadProgress {
    /// How the rows are read.
    pub source: String,
    /// Rows read (count).
    pub rows: u64,
    /// Rows that could not be read (count).
    pub errors: u64,
    /// Bytes received (bytes).
    pub bytes: u64,
    /// Rows in all, when known.
    pub total_rows: Option<u64>,
    /// Milliseconds since the start.
    pub elapsed_ms: f64,
    /// A passing notice (retries).
    pub notice: Option<String>,
}

/// The rows passing the filter and their counts, updated as rows arrive.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Indexes (into `rows`) of the rows passing, in row order.
    pub passing: Vec<usize>,
    /// Rows judged so far (count).
    pub judged: usize,
    /// Aggregates of the passing rows (what the charts draw; `summary.outcomes` gives the
    /// resolved rate).
    pub summary: DatasetSummary,
}

/// Values seen in the rows read so far, for the filter panel's lists (count of rows each).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facets {
    /// Languages ([`language_of`]), `unknown` when none.
    pub languages: std::collections::BTreeMap<String, u64>,
    /// Tools called.
    pub tools: std::collections::BTreeMap<String, u64>,
}

/// The open dataset. Copyable handles to signals: pass by value.
#[derive(Clone, Copy)]
pub struct Session {
    /// What is open.
    pub opened: RwSignal<Opened>,
    /// Rows read so far, in order.
    pub rows: RwSignal<Vec<Row>>,
    /// Rows that could not be read: (row index, reason).
    pub errors: RwSignal<Vec<(u64, String)>>,
    /// Progress.
    pub progress: RwSignal<LoadProgress>,
    /// Status.
    pub status: RwSignal<LoadStatus>,
    /// Paused by the user.
    pub paused: RwSignal<bool>,
    /// The filter in force.
    pub filter: RwSignal<FilterSet>,
    /// The rows passing the filter.
    pub selection: RwSignal<Selection>,
    /// Languages and tools seen so far.
    pub facets: RwSignal<Facets>,
    /// The client for Hub splits.
    pub client: StoredValue<HubClient>,
    /// A message about the last export.
    pub export_status: RwSignal<Option<String>>,
    abort: StoredValue<Option<AbortHandle>, LocalStorage>,
    generation: StoredValue<u64>,
    kept_chars: StoredValue<usize>,
    pending: StoredValue<Pending>,
    last_flush: StoredValue<f64>,
    started: StoredValue<f64>,
    selector: StoredValue<Selector>,
    local_files: StoredValue<Vec<(String, js_sys::Uint8Array)>, LocalStorage>,
}

impl Session {
    /// An empty session using `client` for Hub splits.
    pub fn new(client: HubClient) -> Self {
        let session = Session {
            opened: RwSignal::new(Opened::Nothing),
            rows: RwSignal::new(Vec::new()),
            errors: RwSignal::new(Vec::new()),
            progress: RwSignal::new(LoadProgress::default()),
            status: RwSignal::new(LoadStatus::Idle),
            paused: RwSignal::new(false),
            filter: RwSignal::new(FilterSet::default()),
            selection: RwSignal::new(Selection::default()),
            facets: RwSignal::new(Facets::default()),
            client: StoredValue::new(client),
            export_status: RwSignal::new(None),
            abort: StoredValue::new_local(None),
            generation: StoredValue::new(0),
            kept_chars: StoredValue::new(0),
            pending: StoredValue::new(Default::default()),
            last_flush: StoredValue::new(0.0),
            started: StoredValue::new(0.0),
            selector: StoredValue::new(Selector::default()),
            local_files: StoredValue::new_local(Vec::new()),
        };
        // A new filter: judge every row again. New rows: judge only those.
        Effect::new(move |previous: Option<FilterSet>| {
            let filter = session.filter.get();
            if previous.as_ref() != Some(&filter) {
                session.selector.set_value(Selector::new(filter.clone()));
                session.selection.set(Selection::default());
            }
            session.rows.with(|rows| session.judge_new(rows));
            filter
        });
        session
    }

    fn judge_new(self, rows: &[Row]) {
        // `mixed_outcome` reads the other runs: when new rows change the mixed instances,
        // every row is judged again.
        if self.filter.with_untracked(FilterSet::needs_other_rows) {
            let mixed = mixed_instances(
                rows.iter()
                    .map(|r| (r.trajectory.ids.instance_id.as_deref(), r.trajectory.outcome)),
            );
            if self.selector.with_value(|s| *s.mixed_instances() != mixed) {
                let filter = self.filter.get_untracked();
                self.selector.set_value(Selector::with_mixed_instances(filter, mixed));
                self.selection.update_untracked(|selection| *selection = Selection::default());
            }
        }
        let judged = self.selection.with_untracked(|s| s.judged);
        if judged >= rows.len() {
            return;
        }
        let mut passing = Vec::new();
        self.selector.update_value(|selector| {
            for (idx, row) in rows.iter().enumerate().skip(judged) {
                if selector.judge(&row.trajectory, &row.metrics) == Verdict::Keep {
                    passing.push(idx);
                }
            }
        });
        self.selection.update(|selection| {
            for &idx in &passing {
                selection.summary.add(&rows[idx].trajectory, &rows[idx].metrics);
            }
            selection.passing.extend(passing);
            selection.judged = rows.len();
        });
    }

    /// Stops what is being read and clears everything for `opened`; returns the new
    /// generation and the new abort handle.
    fn restart(self, opened: Opened) -> (u64, AbortHandle) {
        self.stop();
        self.generation.update_value(|g| *g += 1);
        self.opened.set(opened);
        self.progress.set(LoadProgress::default());
        self.void_rows();
        self.last_flush.set_value(now_ms());
        self.started.set_value(now_ms());
        self.paused.set(false);
        self.status.set(LoadStatus::Loading);
        let handle = AbortHandle::new();
        self.abort.set_value(Some(handle.clone()));
        (self.generation.get_value(), handle)
    }

    /// Drops every row read, its errors, selection and facet counts (a new source, or a read
    /// that started again because a file changed).
    fn void_rows(self) {
        self.rows.set(Vec::new());
        self.errors.set(Vec::new());
        self.selection.set(Selection::default());
        self.facets.set(Facets::default());
        self.selector.set_value(Selector::new(self.filter.get_untracked()));
        self.kept_chars.set_value(0);
        self.pending.set_value(Default::default());
    }

    fn is_current(self, generation: u64) -> bool {
        self.generation.try_get_value() == Some(generation)
    }

    /// Adds read rows.
    fn push_trajectories(self, trajectories: Vec<Trajectory>) {
        if trajectories.is_empty() {
            return;
        }
        let mut kept = self.kept_chars.get_value();
        let rows: Vec<Row> = trajectories
            .into_iter()
            .map(|mut trajectory| {
                let metrics = TrajectoryMetrics::of(&trajectory);
                let lite = kept > KEEP_CHARS;
                if lite {
                    trajectory.messages = Vec::new();
                    trajectory.turns = Vec::new();
                } else {
                    kept += metrics.total_chars();
                }
                Row { trajectory: Arc::new(trajectory), metrics: Arc::new(metrics), lite }
            })
            .collect();
        self.kept_chars.set_value(kept);
        self.facets.update(|facets| {
            for row in &rows {
                let language =
                    language_of(&row.trajectory, &row.metrics).unwrap_or_else(|| "unknown".into());
                *facets.languages.entry(language).or_default() += 1;
                for name in row.metrics.tool_calls_by_name.keys() {
                    *facets.tools.entry(name.clone()).or_default() += 1;
                }
            }
        });
        self.rows.update(|all| all.extend(rows));
    }

    /// Takes a batch; the rows reach the signals (and so the table, filters and counts) at
    /// most every [`FLUSH_MS`] and at the end, so that reading is not slowed by rendering.
    fn on_batch(self, generation: u64, batch: SplitBatch) {
        if !self.is_current(generation) {
            return;
        }
        if batch.restart {
            // A file changed while it was read: what came is void, the read starts again.
            self.void_rows();
        }
        let first_rows = self.rows.with_untracked(Vec::is_empty)
            && self.pending.with_value(|p| p.0.is_empty())
            && !batch.trajectories.is_empty();
        self.pending.update_value(|(trajectories, errors, progress)| {
            trajectories.extend(batch.trajectories);
            errors.extend(batch.errors);
            *progress = Some(batch.progress);
        });
        if first_rows {
            mark(MARK_FIRST_ROW);
        }
        let now = now_ms();
        if first_rows || now - self.last_flush.get_value() >= FLUSH_MS {
            self.flush();
        }
    }

    /// Moves the pending rows, errors and progress into the signals.
    fn flush(self) {
        let started = self.started.get_value();
        self.last_flush.set_value(now_ms());
        let (trajectories, errors, progress) =
            self.pending.try_update_value(std::mem::take).unwrap_or_default();
        self.push_trajectories(trajectories);
        if !errors.is_empty() {
            self.errors.update(|all| all.extend(errors));
        }
        let Some(p) = progress else { return };
        self.progress.update(|progress| {
            progress.source = p.source;
            progress.rows = p.rows;
            progress.errors = p.errors;
            progress.bytes = p.bytes;
            progress.total_rows = p.total_rows.or(progress.total_rows);
            progress.elapsed_ms = now_ms() - started;
            if p.notice.is_some() {
                progress.notice = p.notice;
            }
        });
    }

    fn finish(self, generation: u64, result: Result<(), HubError>, handle: &AbortHandle) {
        if !self.is_current(generation) {
            return;
        }
        self.flush();
        mark(MARK_STREAM_END);
        self.status.set(match result {
            Ok(()) => LoadStatus::Done,
            Err(_) if handle.is_aborted() => LoadStatus::Stopped,
            Err(error) => LoadStatus::Failed(error.user_message()),
        });
    }

    /// Streams a Hub split: picks the path, asks for the split's size, reads every row.
    pub fn open_split(self, split: SplitRef, choice: Option<SourceChoice>) {
        let (generation, handle) = self.restart(Opened::Split(split.clone()));
        let client = self.client.get_value();
        start_marks();
        spawn_local(async move {
            let size_split = split.clone();
            let size_client = client.clone();
            let size_handle = handle.clone();
            spawn_local(async move {
                if let Ok(size) = size_client.size(&size_split.dataset, &size_handle).await {
                    if let Some(total) = size.rows_of(&size_split.config, &size_split.split) {
                        if self.is_current(generation) {
                            self.progress.update(|p| p.total_rows = Some(total));
                        }
                    }
                }
            });
            let source = if choice == Some(SourceChoice::Server) {
                // The viewer selects the rows; the rest of the filter applies in the browser.
                let filter = self.filter.get_untracked();
                let features = match client.info(&split.dataset, &split.config, &handle).await {
                    Ok(info) => info.dataset_info.features,
                    Err(error) => return self.finish(generation, Err(error), &handle),
                };
                match push_down(&filter, &features).query {
                    Some(query) => SplitSource::ViewerQuery(split.clone(), query),
                    None => {
                        self.progress.update(|p| {
                            p.notice = Some(
                                "nothing in this filter can be asked of the dataset viewer: reading every row"
                                    .into(),
                            )
                        });
                        SplitSource::ViewerRows(split.clone())
                    }
                }
            } else {
                match client.source_with(&split, choice, &handle).await {
                    Ok(source) => source,
                    Err(error) => return self.finish(generation, Err(error), &handle),
                }
            };
            self.progress.update(|p| p.source = source.describe());
            let origin = split_origin(&split);
            let mut on_batch = |batch: SplitBatch| self.on_batch(generation, batch);
            let result = client.stream(origin, &source, false, &handle, &mut on_batch).await;
            self.finish(generation, result.map(|_| ()), &handle);
        });
    }

    /// Streams a JSONL file at a URL (relative to the page, or http(s)).
    pub fn open_file(self, url: String) {
        let (generation, handle) = self.restart(Opened::File(url.clone()));
        let client = self.client.get_value();
        start_marks();
        spawn_local(async move {
            let source = SplitSource::Jsonl { urls: vec![url.clone()] };
            let mut on_batch = |batch: SplitBatch| self.on_batch(generation, batch);
            let result = client
                .stream(Origin::File { path: url }, &source, false, &handle, &mut on_batch)
                .await;
            self.finish(generation, result.map(|_| ()), &handle);
        });
    }

    /// Reads files the user opened (JSONL, JSON or Parquet), in the browser only.
    pub fn open_local(self, files: Vec<web_sys::File>) {
        let names: Vec<String> = files.iter().map(|f| f.name()).collect();
        let (generation, handle) = self.restart(Opened::Local(names));
        start_marks();
        spawn_local(async move {
            let mut kept = Vec::new();
            let mut row_idx_base = 0;
            // Totals of this reading, kept here: the progress signal is only written at flushes.
            let mut totals = crate::net::SplitProgress {
                source: "local files, read in the browser".into(),
                ..Default::default()
            };
            for file in files {
                let name = file.name();
                let buffer = match wasm_bindgen_futures::JsFuture::from(file.array_buffer()).await {
                    Ok(buffer) => buffer,
                    Err(_) => {
                        self.errors.update(|e| {
                            e.push((row_idx_base, format!("{name}: could not be read")))
                        });
                        continue;
                    }
                };
                let bytes = js_sys::Uint8Array::new(&buffer);
                let data = bytes.to_vec();
                kept.push((name.clone(), bytes));
                let decoder = match FileKind::sniff(&data) {
                    FileKind::Json => DocumentDecoder::for_document(&data),
                    FileKind::Parquet | FileKind::Zip => None,
                };
                let Some(mut decoder) = decoder else {
                    let batch = decode_local(&name, &data, row_idx_base);
                    row_idx_base += (batch.trajectories.len() + batch.errors.len()) as u64;
                    self.on_local_batch(generation, &mut totals, batch, data.len());
                    continue;
                };
                // JSONL or a JSON array of rows: a piece at a time, so that rows show as they
                // are read and the page stays responsive on a big file. The gatherer makes one
                // trajectory of a run of event lines (a Claude Code session, a Codex rollout).
                let origin = Origin::File { path: name.clone() };
                let mut gatherer = Gatherer::new();
                for piece in data.chunks(LOCAL_PIECE).map(Some).chain([None]) {
                    handle.checkpoint().await;
                    if handle.is_aborted() || !self.is_current(generation) {
                        return;
                    }
                    let mut batch = SplitBatch::default();
                    let mut take = |_: Option<&[u8]>, result: RowResult| {
                        match result {
                            Ok(row) => batch.trajectories.push(normalize_decoded(
                                row,
                                origin.clone(),
                                row_idx_base,
                            )),
                            Err(error) => {
                                batch.errors.push((row_idx_base, format!("{name}: {error}")))
                            }
                        }
                        row_idx_base += 1;
                    };
                    let mut gather = |result: RowResult| gatherer.push(None, result, &mut take);
                    match piece {
                        Some(piece) => decoder.push(piece, &mut gather),
                        None => {
                            decoder.finish(&mut gather);
                            gatherer.finish(&mut take);
                        }
                    }
                    self.on_local_batch(
                        generation,
                        &mut totals,
                        batch,
                        piece.map_or(0, <[u8]>::len),
                    );
                }
            }
            self.local_files.set_value(kept);
            self.finish(generation, Ok(()), &handle);
        });
    }

    /// Takes rows read from a local file (and `bytes` more of it read), adding them to `totals`.
    fn on_local_batch(
        self,
        generation: u64,
        totals: &mut crate::net::SplitProgress,
        batch: SplitBatch,
        bytes: usize,
    ) {
        totals.rows += batch.trajectories.len() as u64;
        totals.errors += batch.errors.len() as u64;
        totals.bytes += bytes as u64;
        self.on_batch(generation, SplitBatch { progress: totals.clone(), ..batch });
    }

    /// Records exact token counts, `(row index, the row's trajectory when counted, tokens)`, by
    /// `model`'s tokenizer: each row's metrics take the count (rows replaced since, by opening
    /// another source, are left alone). The selection is judged again from the first row, as
    /// the filter's reset does, since the token budget and the token histogram read these
    /// counts; the old selection stays shown until the new one is ready.
    pub fn set_exact_tokens(self, counts: Vec<(usize, Arc<Trajectory>, usize)>, model: Arc<str>) {
        if counts.is_empty() {
            return;
        }
        self.selector.set_value(Selector::new(self.filter.get_untracked()));
        self.selection.update_untracked(|selection| *selection = Selection::default());
        self.rows.update(|rows| {
            for (idx, trajectory, tokens) in counts {
                if let Some(row) = rows.get_mut(idx) {
                    if Arc::ptr_eq(&row.trajectory, &trajectory) {
                        Arc::make_mut(&mut row.metrics)
                            .set_exact_tokens(tokens, Arc::clone(&model));
                    }
                }
            }
        });
    }

    /// Stops reading; the rows read so far stay.
    pub fn stop(self) {
        let _ = self.abort.try_with_value(|handle| {
            if let Some(handle) = handle {
                handle.abort();
            }
        });
    }

    /// Pauses or resumes reading.
    pub fn set_paused(self, paused: bool) {
        self.paused.set(paused);
        let _ = self.abort.try_with_value(|handle| {
            if let Some(handle) = handle {
                handle.set_paused(paused);
            }
        });
    }

    /// The full trajectory of row `row_idx` of the open source: from memory, or (for a Hub
    /// split whose row was kept without messages, or not read yet) by random access.
    pub async fn fetch_row(self, split: &SplitRef, row_idx: u64) -> Result<Trajectory, HubError> {
        let client = self.client.get_value();
        let page =
            client.rows_page(split, &RowsQuery::All, row_idx, 1, &AbortHandle::new()).await?;
        let entry = page.rows.into_iter().next().ok_or_else(|| {
            HubError::network(
                &client.endpoints.rows(split, &RowsQuery::All, row_idx, 1),
                format!("row {row_idx} is past the end of the split"),
            )
        })?;
        let row = DecodedRow {
            value: entry.row,
            line_no: 0,
            byte_offset: 0,
            byte_len: 0,
            diagnostics: Vec::new(),
        };
        let mut trajectory = normalize_decoded(row, split_origin(split), entry.row_idx);
        trajectory.source.line_no = None;
        trajectory.source.byte_offset = None;
        Ok(trajectory)
    }

    /// Exports the rows passing the filter: reads the source again (so rows kept without
    /// messages export whole), writes JSONL in `format`, and offers it and its manifest as
    /// downloads named `file_stem` + `.jsonl` / `.manifest.json`. The `text` format renders
    /// rows through the chat template of `model` (loaded first when needed).
    pub fn export(
        self,
        format: ExportFormat,
        options: SftOptions,
        model: ModelState,
        file_stem: String,
    ) {
        let opened = self.opened.get_untracked();
        let filter = self.filter.get_untracked();
        let client = self.client.get_value();
        let local = self.local_files.get_value();
        // Exact token counts found so far: the export judges the token filters with them too,
        // so that it keeps the rows the page shows.
        let exact: ExactCounts = self.rows.with_untracked(|rows| {
            rows.iter()
                .filter_map(|row| {
                    let tokens = row.metrics.exact_tokens?;
                    let model = row.metrics.exact_tokenizer.clone()?;
                    let source = &row.trajectory.source;
                    Some(((source.origin.clone(), source.row_idx), (tokens, model)))
                })
                .collect()
        });
        // `mixed_outcome` is judged on the rows read, as the page shows it.
        let mixed = self.rows.with_untracked(|rows| {
            mixed_instances(
                rows.iter()
                    .map(|r| (r.trajectory.ids.instance_id.as_deref(), r.trajectory.outcome)),
            )
        });
        self.export_status.set(Some("exporting…".into()));
        spawn_local(async move {
            let mut template_note = None;
            let template = if format == ExportFormat::Text {
                self.export_status.set(Some("loading the chat template…".into()));
                match model_chat_template(model).await {
                    Ok((template, description)) => {
                        template_note = Some(description);
                        Some((template, page_render_options()))
                    }
                    Err(error) => {
                        self.export_status.set(Some(format!("export failed: {error}")));
                        return;
                    }
                }
            } else {
                None
            };
            let exporter = Exporter::new(filter.clone(), format, options, template)
                .with_mixed_instances(mixed);
            let mut exporter = BlobExport::new(exporter, exact);
            let handle = AbortHandle::new();
            let (source, result) = match &opened {
                Opened::Split(split) => {
                    let result = match client.source_of(split, &handle).await {
                        Ok(source) => client
                            .stream(split_origin(split), &source, true, &handle, &mut |batch| {
                                exporter.batch(batch);
                                exporter.report(self.export_status);
                            })
                            .await
                            .map(|progress| exporter.read_with(&progress)),
                        Err(error) => Err(error),
                    };
                    let source = ExportSource::Split {
                        dataset: split.dataset.to_string(),
                        config: split.config.clone(),
                        split: split.split.clone(),
                        revision: None,
                    };
                    (source, result)
                }
                Opened::File(url) => {
                    let origin = Origin::File { path: url.clone() };
                    let jsonl = SplitSource::Jsonl { urls: vec![url.clone()] };
                    let result = client
                        .stream(origin, &jsonl, true, &handle, &mut |batch| {
                            exporter.batch(batch);
                            exporter.report(self.export_status);
                        })
                        .await
                        .map(|progress| exporter.read_with(&progress));
                    (ExportSource::Files { paths: vec![url.clone()] }, result)
                }
                Opened::Local(names) => {
                    for (name, bytes) in &local {
                        for (raw, result) in local_rows(name, &bytes.to_vec()) {
                            match result {
                                Ok(trajectory) => exporter.write(None, raw, &trajectory),
                                Err(error) => {
                                    exporter.exporter.line_error(None, format!("{name}: {error}"))
                                }
                            }
                        }
                    }
                    (ExportSource::Files { paths: names.clone() }, Ok(()))
                }
                Opened::Nothing => (ExportSource::Files { paths: Vec::new() }, Ok(())),
            };
            if let Err(error) = result {
                self.export_status.set(Some(format!("export failed: {}", error.user_message())));
                return;
            }
            let BlobExport { parts, exporter, .. } = exporter;
            let counts = exporter.counts;
            let mut manifest = Manifest::new(source, format, options, &filter, counts);
            if let Some(description) = template_note {
                manifest = manifest.with_chat_template(description);
            }
            let exported = manifest.counts.exported;
            let manifest_json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
            let manifest_parts = js_sys::Array::new();
            manifest_parts.push(&js_sys::Uint8Array::from(manifest_json.as_bytes()));
            let jsonl_name = format!("{file_stem}.jsonl");
            let manifest_name = format!("{file_stem}.manifest.json");
            let ok = browser::download(&jsonl_name, "application/jsonl", &parts)
                && browser::download(&manifest_name, "application/json", &manifest_parts);
            self.export_status.set(Some(if ok {
                format!("exported {exported} rows as {jsonl_name} (+ {manifest_name})")
            } else {
                "the browser refused the download".to_owned()
            }));
        });
    }
}

/// Writes the rows of an export into byte chunks for a `Blob`: the core's [`Exporter`]
/// judges, formats and counts each row once; this keeps the bytes in JS (blob parts).
struct BlobExport {
    parts: js_sys::Array,
    exporter: Exporter,
    /// Bytes written so far (bytes).
    bytes: usize,
    /// When progress was last shown (ms, [`now_ms`]).
    last_report: f64,
    /// Exact token counts of rows of the session, by (origin, row index).
    exact: ExactCounts,
}

/// Exact token counts (tokens, tokenizer model id) by (row origin, row index).
type ExactCounts = std::collections::HashMap<(Origin, u64), (usize, Arc<str>)>;

impl BlobExport {
    fn new(exporter: Exporter, exact: ExactCounts) -> Self {
        BlobExport { parts: js_sys::Array::new(), exporter, bytes: 0, last_report: now_ms(), exact }
    }

    /// Shows how far the export is (rows read, rows written, megabytes written), at most
    /// every [`FLUSH_MS`] so that a fast stream is not slowed by rendering.
    fn report(&mut self, status: RwSignal<Option<String>>) {
        let now = now_ms();
        if now - self.last_report < FLUSH_MS {
            return;
        }
        self.last_report = now;
        let counts = &self.exporter.counts;
        status.set(Some(format!(
            "exporting: {} rows read, {} written ({:.1} MB)…",
            counts.rows_read,
            counts.exported,
            self.bytes as f64 / 1e6
        )));
    }

    /// Takes a batch of the stream: each row and error once by its key; a `restart` batch
    /// voids what was written (a file changed while it was read).
    fn batch(&mut self, batch: SplitBatch) {
        if batch.restart {
            self.parts.set_length(0);
            self.bytes = 0;
            self.exporter.start_again();
        }
        let rows = batch.trajectories.iter().zip(batch.raw).zip(batch.keys);
        for ((trajectory, raw), key) in rows {
            self.write(Some(key), raw, trajectory);
        }
        for ((row_idx, error), key) in batch.errors.into_iter().zip(batch.error_keys) {
            self.exporter.line_error(Some(key), format!("row {row_idx}: {error}"));
        }
    }

    fn write(&mut self, key: Option<RowKey>, raw: Vec<u8>, trajectory: &Trajectory) {
        let mut metrics = TrajectoryMetrics::of(trajectory);
        if !self.exact.is_empty() {
            let source = &trajectory.source;
            if let Some((tokens, model)) = self.exact.get(&(source.origin.clone(), source.row_idx))
            {
                metrics.set_exact_tokens(*tokens, Arc::clone(model));
            }
        }
        if let Some(line) = self.exporter.row(key, raw, trajectory, &metrics) {
            self.bytes += line.len();
            self.parts.push(&js_sys::Uint8Array::from(&line[..]));
        }
    }

    /// Records how the source was read (from the stream's last progress).
    fn read_with(&mut self, progress: &SplitProgress) {
        self.exporter.counts.reads = ReadCounts {
            retries: u64::from(progress.retries),
            resumed: progress.resumed,
            restarted: progress.restarted,
        };
    }
}

/// The origin of a split's rows.
pub fn split_origin(split: &SplitRef) -> Origin {
    Origin::Split {
        dataset: split.dataset.to_string(),
        config: split.config.clone(),
        split: split.split.clone(),
    }
}

/// Rows of a local file, one per trajectory, read by the core whatever its kind
/// ([`read_file`]: Parquet, a zip archive of samples, JSONL / JSON with event lines gathered
/// and eval logs split); each with its source bytes for raw export (the JSONL line, or the
/// row serialized). Rows of Parquet files and archives have no line or byte offset.
fn local_rows(name: &str, data: &[u8]) -> Vec<(Vec<u8>, Result<Trajectory, String>)> {
    let origin = Origin::File { path: name.to_owned() };
    let has_lines = FileKind::sniff(data) == FileKind::Json;
    read_file(data)
        .into_iter()
        .enumerate()
        .map(|(idx, (source, result))| match result {
            Ok(row) => {
                let raw = raw_line(source.as_deref().unwrap_or_default(), &row.value);
                let mut trajectory = normalize_decoded(row, origin.clone(), idx as u64);
                if !has_lines {
                    trajectory.source.line_no = None;
                    trajectory.source.byte_offset = None;
                }
                (raw, Ok(trajectory))
            }
            Err(error) => (Vec::new(), Err(error.to_string())),
        })
        .collect()
}

/// A local file's rows as a batch.
fn decode_local(name: &str, data: &[u8], row_idx_base: u64) -> SplitBatch {
    let mut batch = SplitBatch::default();
    for (idx, (_, result)) in local_rows(name, data).into_iter().enumerate() {
        match result {
            Ok(mut trajectory) => {
                trajectory.source.row_idx += row_idx_base;
                batch.trajectories.push(trajectory);
            }
            Err(error) => {
                batch.errors.push((row_idx_base + idx as u64, format!("{name}: {error}")))
            }
        }
    }
    batch
}

fn start_marks() {
    crate::net::clear_marks(&[MARK_STREAM_START, MARK_FIRST_ROW, MARK_STREAM_END]);
    mark(MARK_STREAM_START);
}
