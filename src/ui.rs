//! The user interface (browser only): Leptos components that render core values.
//!
//! [`App`] is the whole page: a header, the progress of the current download, the line errors
//! and a table with one row per trajectory. Components hold no parsing, metric maths or URL
//! building: they call `net` for data and the core (`domain`) for everything computed. Text
//! from dataset rows is always rendered as text nodes, never as HTML.

mod dataset;
mod format;
mod progress;
mod table;

use leptos::prelude::*;

use crate::net;

pub use dataset::{Dataset, LoadStatus, TrajectoryRow};
use progress::{ErrorList, ProgressLine};
use table::TrajectoryTable;

/// The application: loads the requested file (the page's `file=` query parameter, or the
/// bundled demo) as soon as it is mounted, and shows the trajectories as they arrive.
#[component]
pub fn App() -> impl IntoView {
    let dataset = Dataset::new();
    match net::requested_file() {
        Ok(url) => dataset.load(url),
        Err(error) => dataset.fail(&error),
    }
    // Stop the download when the app is unmounted.
    on_cleanup(move || dataset.cancel());

    view! {
        <div class="tx-app">
            <header class="tx-header">
                <h1 class="tx-header__title">"Trajex"</h1>
                <p class="tx-header__tagline">"Agent trajectory explorer"</p>
            </header>
            <main class="tx-main">
                <ProgressLine dataset=dataset />
                <ErrorList dataset=dataset />
                <TrajectoryTable dataset=dataset />
            </main>
        </div>
    }
}
