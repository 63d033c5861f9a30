//! The loaded dataset as reactive state: the rows shown so far, the line errors, the download's
//! progress and status, and the means to start and cancel a download.

use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::stream::LineError;
use crate::domain::trajectory::{Format, Outcome, Trajectory};
use crate::domain::TrajectoryMetrics;
use crate::net::{self, AbortHandle, FetchError, Progress};

/// What the table shows of one trajectory (the trajectory itself is not kept).
#[derive(Clone, Debug, PartialEq)]
pub struct TrajectoryRow {
    /// Zero-based index of the row in its file (line errors count too).
    pub row_idx: u64,
    /// The detected row layout.
    pub format: Format,
    /// The task instance, SWE-bench style.
    pub instance_id: Option<String>,
    /// The task repository, `owner/name`.
    pub repo: Option<String>,
    /// Whether the run resolved its task.
    pub outcome: Outcome,
    /// The trajectory's metrics, from the core.
    pub metrics: TrajectoryMetrics,
}

impl TrajectoryRow {
    /// The table row of a trajectory.
    pub fn of(trajectory: &Trajectory) -> Self {
        TrajectoryRow {
            row_idx: trajectory.source.row_idx,
            format: trajectory.format,
            instance_id: trajectory.ids.instance_id.clone(),
            repo: trajectory.ids.repo.clone(),
            outcome: trajectory.outcome,
            metrics: TrajectoryMetrics::of(trajectory),
        }
    }
}

/// Where the current download stands.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum LoadStatus {
    /// Nothing asked yet.
    #[default]
    Idle,
    /// Rows are arriving.
    Loading,
    /// The whole file was read.
    Done,
    /// The user cancelled the download; the rows received so far stay.
    Cancelled,
    /// The download failed; the message ends with the URL.
    Failed(String),
}

/// The state of the loaded file. A handle of copyable signals: pass it to components by value.
#[derive(Clone, Copy, Debug)]
pub struct Dataset {
    /// The file being shown, as requested.
    pub url: RwSignal<String>,
    /// One entry per trajectory, in file order.
    pub rows: RwSignal<Vec<TrajectoryRow>>,
    /// Lines that are not JSON rows, in file order.
    pub errors: RwSignal<Vec<LineError>>,
    /// Bytes, rows and errors so far.
    pub progress: RwSignal<Progress>,
    /// Where the download stands.
    pub status: RwSignal<LoadStatus>,
    /// Cancels the current download.
    abort: StoredValue<Option<AbortHandle>, LocalStorage>,
    /// Bumped by every load, so that a superseded download's late callbacks are ignored.
    generation: StoredValue<u64>,
}

impl Dataset {
    /// An empty dataset, owned by the current reactive owner.
    pub fn new() -> Self {
        Dataset {
            url: RwSignal::new(String::new()),
            rows: RwSignal::new(Vec::new()),
            errors: RwSignal::new(Vec::new()),
            progress: RwSignal::new(Progress::default()),
            status: RwSignal::new(LoadStatus::Idle),
            abort: StoredValue::new_local(None),
            generation: StoredValue::new(0),
        }
    }

    /// Cancels any current download and starts streaming `url`.
    pub fn load(self, url: String) {
        let generation = self.restart(&url);
        let handle = AbortHandle::new();
        self.abort.set_value(Some(handle.clone()));
        self.status.set(LoadStatus::Loading);
        let current = move || self.generation.try_get_value() == Some(generation);
        spawn_local(async move {
            let result = net::stream_jsonl(&url, &handle, |batch| {
                if !current() {
                    return;
                }
                let rows: Vec<TrajectoryRow> =
                    batch.trajectories.iter().map(TrajectoryRow::of).collect();
                if !rows.is_empty() {
                    self.rows.try_update(|all| all.extend(rows));
                }
                if !batch.errors.is_empty() {
                    self.errors.try_update(|all| all.extend(batch.errors));
                }
                self.progress.try_set(batch.progress);
            })
            .await;
            if current() {
                self.status.try_set(match result {
                    Ok(_) => LoadStatus::Done,
                    Err(error) if error.is_aborted() => LoadStatus::Cancelled,
                    Err(error) => LoadStatus::Failed(error.to_string()),
                });
            }
        });
    }

    /// Shows an error instead of loading (for a request that cannot be made at all).
    pub fn fail(self, error: &FetchError) {
        self.restart(error.url());
        self.status.set(LoadStatus::Failed(error.to_string()));
    }

    /// Cancels the current download, if any; the rows received so far stay.
    pub fn cancel(self) {
        let _ = self.abort.try_with_value(|handle| {
            if let Some(handle) = handle {
                handle.abort();
            }
        });
    }

    /// Cancels the current download and clears the state for `url`; returns the new generation.
    fn restart(self, url: &str) -> u64 {
        self.cancel();
        self.generation.update_value(|generation| *generation += 1);
        self.url.set(url.to_owned());
        self.rows.set(Vec::new());
        self.errors.set(Vec::new());
        self.progress.set(Progress::default());
        self.generation.get_value()
    }
}

impl Default for Dataset {
    fn default() -> Self {
        Self::new()
    }
}
