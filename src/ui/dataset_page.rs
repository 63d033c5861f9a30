//! The dataset page: config and split pickers, the reading's progress (pause, stop), the filter
//! panel, counts in and out of the filter, the trajectory table, the download, and the opened
//! trajectory with previous / next in the filter.
//!
//! A link to a row of a Hub split fetches that row first (the viewer's `/rows`, random access)
//! and shows it, before and without reading the whole split; the split is read when the user
//! goes to the table.

use std::sync::Arc;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::domain::export::{ExportFormat, SftOptions};
use crate::domain::hub::{DatasetId, SplitRef};
use crate::domain::link::SourceChoice;
use crate::domain::trajectory::Trajectory;
use crate::net::AbortHandle;
use crate::ui::charts::Charts;
use crate::ui::compare::CompareView;
use crate::ui::filter_panel::FilterPanel;
use crate::ui::progress::{ErrorList, ProgressLine};
use crate::ui::runs::OtherRuns;
use crate::ui::session::Opened;
use crate::ui::table::TrajectoryTable;
use crate::ui::trajectory::TrajectoryView;
use crate::ui::{format, AppState};

/// The dataset page.
#[component]
pub fn DatasetPage() -> impl IntoView {
    let state = expect_context::<AppState>();
    let link = state.link;
    let session = state.session;
    let splits = RwSignal::new(Vec::<SplitRef>::new());
    let page_error = RwSignal::new(None::<String>);
    // The trajectory shown when a row is open, and whether it came by random access.
    let opened_row = RwSignal::new(None::<Arc<Trajectory>>);
    let row_error = RwSignal::new(None::<String>);
    let compared_row = RwSignal::new(None::<Arc<Trajectory>>);
    let compare_error = RwSignal::new(None::<String>);
    let step = RwSignal::new(link.get_untracked().step);

    // The dataset's splits; pick the first when the link names none.
    Effect::new(move |previous: Option<Option<String>>| {
        let dataset = link.with(|l| l.dataset.clone());
        if previous.as_ref() == Some(&dataset) {
            return dataset;
        }
        splits.set(Vec::new());
        page_error.set(None);
        if let Some(text) = dataset.clone() {
            match DatasetId::parse(&text) {
                Err(message) => page_error.set(Some(message)),
                Ok(id) => {
                    let client = session.client.get_value();
                    spawn_local(async move {
                        match client.splits(&id, &AbortHandle::new()).await {
                            Ok(response) => {
                                let list = response.splits;
                                let chosen =
                                    link.with_untracked(|l| (l.config.clone(), l.split.clone()));
                                if chosen.0.is_none() || chosen.1.is_none() {
                                    if let Some(first) = list.first() {
                                        let first = first.clone();
                                        state.navigate(false, |l| {
                                            l.config = Some(first.config.clone());
                                            l.split = Some(first.split.clone());
                                        });
                                    }
                                }
                                if list.is_empty() {
                                    page_error.set(Some(format!(
                                        "{id} has no splits the dataset viewer knows"
                                    )));
                                }
                                splits.set(list);
                            }
                            Err(error) => page_error.set(Some(error.user_message())),
                        }
                    });
                }
            }
        }
        dataset
    });

    let split_ref = Memo::new(move |_| {
        link.with(|l| {
            let dataset = DatasetId::parse(l.dataset.as_deref()?).ok()?;
            Some(SplitRef { dataset, config: l.config.clone()?, split: l.split.clone()? })
        })
    });

    // Read the split (or file) unless a deep link to a row asks to show that row first.
    let deep_link_first =
        RwSignal::new(link.with_untracked(|l| l.row.is_some() && l.dataset.is_some()));
    // What the split was last read with: a new source choice, or a new filter while the
    // dataset viewer filters, reads it again.
    let read_with = StoredValue::new(None::<(SplitRef, Option<SourceChoice>, String)>);
    Effect::new(move |_| {
        let file = link.with(|l| l.file.clone());
        let split = split_ref.get();
        let source = link.with(|l| l.source);
        let server_filter = link.with(|l| {
            if l.source == Some(SourceChoice::Server) {
                l.filter.to_query()
            } else {
                String::new()
            }
        });
        let wants_table = !deep_link_first.get();
        let opened = session.opened.get_untracked();
        match (file, split) {
            (Some(file), _)
                if file.starts_with("local:") && !matches!(opened, Opened::Local(_)) =>
            {
                page_error.set(Some(
                    "local files are read in the browser only and are gone after a reload: open them again from the start page".into(),
                ));
            }
            (Some(file), _) if file.starts_with("local:") => {}
            (Some(file), _) if opened != Opened::File(file.clone()) => {
                match crate::net::check_url(&file) {
                    Ok(()) => session.open_file(file),
                    Err(message) => page_error.set(Some(message)),
                }
            }
            (None, Some(split)) if wants_table => {
                let key = (split.clone(), source, server_filter);
                let same = opened == Opened::Split(split.clone())
                    && read_with.with_value(|k| k.as_ref() == Some(&key));
                if !same {
                    read_with.set_value(Some(key));
                    state.remember(&split.dataset);
                    session.open_split(split, source);
                }
            }
            _ => {}
        }
    });

    // The opened row: from memory when it is there whole, else by random access; the same for
    // the row it is compared with.
    let load_row = move |row: Option<u64>,
                         opened_row: RwSignal<Option<Arc<Trajectory>>>,
                         row_error: RwSignal<Option<String>>| {
        row_error.set(None);
        let Some(row_idx) = row else {
            opened_row.set(None);
            return;
        };
        let in_memory = session.rows.with(|rows| {
            let idx = rows.partition_point(|r| r.trajectory.source.row_idx < row_idx);
            rows.get(idx)
                .filter(|r| r.trajectory.source.row_idx == row_idx)
                .map(|r| (r.trajectory.clone(), r.lite))
        });
        match in_memory {
            Some((trajectory, false)) => {
                if opened_row.with_untracked(|o| o.as_ref().map(|t| t.source.row_idx))
                    != Some(row_idx)
                {
                    opened_row.set(Some(trajectory));
                }
            }
            _ => {
                let Some(split) = split_ref.get_untracked() else {
                    if session.status.with_untracked(|s| *s != crate::ui::LoadStatus::Loading) {
                        row_error.set(Some(format!("row {row_idx} is not in this file")));
                    }
                    return;
                };
                if opened_row.with_untracked(|o| o.as_ref().map(|t| t.source.row_idx))
                    == Some(row_idx)
                {
                    return;
                }
                spawn_local(async move {
                    match session.fetch_row(&split, row_idx).await {
                        Ok(trajectory) => {
                            if link.with_untracked(|l| {
                                l.row == Some(row_idx) || l.compare == Some(row_idx)
                            }) {
                                opened_row.set(Some(Arc::new(trajectory)));
                            }
                        }
                        Err(error) => row_error.set(Some(error.user_message())),
                    }
                });
            }
        }
    };
    Effect::new(move |_| {
        let row = link.with(|l| l.row);
        load_row(row, opened_row, row_error);
    });
    Effect::new(move |_| {
        let row = link.with(|l| l.compare);
        load_row(row, compared_row, compare_error);
    });

    // The selected step follows the link and is written back to it.
    Effect::new(move |_| {
        let from_link = link.with(|l| l.step);
        if step.get_untracked() != from_link {
            step.set(from_link);
        }
    });
    Effect::new(move |_| {
        let selected = step.get();
        if link.with_untracked(|l| l.step) != selected {
            state.navigate(false, |l| l.step = selected);
        }
    });

    // Previous / next trajectory in the filter.
    let neighbour = move |delta: i64| -> Option<u64> {
        let row_idx = link.with_untracked(|l| l.row)?;
        let rows = session.rows.read_untracked();
        let selection = session.selection.read_untracked();
        let position =
            selection.passing.iter().position(|&i| rows[i].trajectory.source.row_idx == row_idx);
        let target = match position {
            Some(p) => p as i64 + delta,
            None if delta > 0 => 0,
            None => return None,
        };
        let idx = *selection.passing.get(usize::try_from(target).ok()?)?;
        Some(rows[idx].trajectory.source.row_idx)
    };
    let go_row = move |row: Option<u64>| {
        if let Some(row) = row {
            state.navigate(true, |l| {
                l.row = Some(row);
                l.compare = None;
                l.step = None;
            });
        }
    };
    let back_to_table = move |_| {
        deep_link_first.set(false);
        state.navigate(true, |l| {
            l.row = None;
            l.compare = None;
            l.step = None;
        });
    };
    let keys = window_event_listener(ev::keydown, move |ev: ev::KeyboardEvent| {
        if typing(&ev) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        if link.with_untracked(|l| l.row.is_none()) {
            return;
        }
        match ev.key().as_str() {
            "n" => go_row(neighbour(1)),
            "p" => go_row(neighbour(-1)),
            _ => {}
        }
    });
    on_cleanup(move || keys.remove());

    let title = move || {
        link.with(|l| match (&l.dataset, &l.file) {
            (Some(dataset), _) => dataset.clone(),
            (None, Some(file)) => file.trim_start_matches("local:").to_owned(),
            _ => String::new(),
        })
    };
    let on_pick_split = move |ev: ev::Event| {
        let value = event_target_value(&ev);
        let Some((config, split)) = value.split_once('\u{1f}') else { return };
        let (config, split) = (config.to_owned(), split.to_owned());
        deep_link_first.set(false);
        state.navigate(true, |l| {
            l.config = Some(config);
            l.split = Some(split);
            l.row = None;
            l.step = None;
        });
    };
    let row_open = move || link.with(|l| l.row.is_some());
    let on_pick_source = move |ev: ev::Event| {
        let choice = SourceChoice::parse(&event_target_value(&ev));
        deep_link_first.set(false);
        state.navigate(true, |l| l.source = choice);
    };
    let source_option = move |value: &'static str, label: &'static str| {
        let selected = move || link.with(|l| l.source.map_or("", |s| s.as_str()) == value);
        view! { <option value=value selected=selected>{label}</option> }
    };

    view! {
        <section class="tx-dataset" data-testid="dataset-page">
            <div class="tx-dataset__bar">
                <h2 class="tx-dataset__title" data-testid="dataset-title">{title}</h2>
                <Show when=move || !splits.with(Vec::is_empty)>
                    <label class="tx-dataset__picker">
                        <span class="tx-muted">"config / split"</span>
                        <select class="tx-input" data-testid="split-picker" on:change=on_pick_split>
                            {move || {
                                let current = link.with(|l| (l.config.clone(), l.split.clone()));
                                splits
                                    .get()
                                    .into_iter()
                                    .map(|s| {
                                        let selected = current.0.as_deref() == Some(&s.config)
                                            && current.1.as_deref() == Some(&s.split);
                                        let value = format!("{}\u{1f}{}", s.config, s.split);
                                        let label = format!("{} / {}", s.config, s.split);
                                        view! { <option value=value selected=selected>{label}</option> }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                </Show>
                <Show when=move || link.with(|l| l.dataset.is_some())>
                    <label class="tx-dataset__picker" title="How rows are read; server-side filtering asks the dataset viewer for the rows matching the outcome and language filters">
                        <span class="tx-muted">"read"</span>
                        <select class="tx-input" data-testid="source-picker" on:change=on_pick_source>
                            {source_option("", "automatically")}
                            {source_option("jsonl", "JSONL files")}
                            {source_option("parquet", "Parquet files")}
                            {source_option("rows", "viewer /rows")}
                            {source_option("server", "filtered by the viewer")}
                        </select>
                    </label>
                </Show>
            </div>
            <Show when=move || page_error.with(Option::is_some)>
                <p class="tx-error" role="alert" data-testid="page-error">{move || page_error.get().unwrap_or_default()}</p>
            </Show>
            <Show
                when=row_open
                fallback=move || {
                    view! {
                        <ProgressLine session=session />
                        <crate::ui::model::TokenizerControl />
                        <div class="tx-dataset__body">
                            <FilterPanel />
                            <div class="tx-dataset__main">
                                <Counts />
                                <Charts />
                                <TrajectoryTable />
                                <ErrorList session=session />
                            </div>
                        </div>
                    }
                }
            >
                <nav class="tx-rownav" data-testid="row-nav">
                    <button class="tx-button" data-testid="back-to-table" on:click=back_to_table>"← Table"</button>
                    <button class="tx-button" data-testid="prev-row" title="Previous in the filter (p)" on:click=move |_| go_row(neighbour(-1))>"← Previous"</button>
                    <button class="tx-button" data-testid="next-row" title="Next in the filter (n)" on:click=move |_| go_row(neighbour(1))>"Next →"</button>
                    <span class="tx-muted">{move || link.with(|l| l.row.map(|r| format!("row {r}")).unwrap_or_default())}</span>
                </nav>
                <Show when=move || row_error.with(Option::is_some)>
                    <p class="tx-error" role="alert">{move || row_error.get().unwrap_or_default()}</p>
                </Show>
                <Show
                    when=move || link.with(|l| l.compare.is_some())
                    fallback=move || view! {
                        {move || opened_row.get().map(|t| view! {
                            <OtherRuns row_idx=t.source.row_idx instance_id=t.ids.instance_id.clone() />
                        })}
                        <TrajectoryView trajectory=Signal::derive(move || opened_row.get()) step=step />
                    }
                >
                    <Show when=move || compare_error.with(Option::is_some)>
                        <p class="tx-error" role="alert">{move || compare_error.get().unwrap_or_default()}</p>
                    </Show>
                    {move || match (opened_row.get(), compared_row.get()) {
                        (Some(a), Some(b)) => view! { <CompareView a b /> }.into_any(),
                        _ => view! { <p class="tx-muted" data-testid="compare-loading">"Loading the two rows…"</p> }.into_any(),
                    }}
                </Show>
            </Show>
        </section>
    }
}

/// Whether a key event comes from a text field (keys then belong to the field).
fn typing(ev: &ev::KeyboardEvent) -> bool {
    use wasm_bindgen::JsCast;
    ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()).is_some_and(|el| {
        matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
            || el.has_attribute("contenteditable")
    })
}

/// Counts in and out of the filter, the resolved rate, and the download.
#[component]
fn Counts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = state.session;
    let model = expect_context::<crate::ui::model::ModelState>();
    let format_choice = RwSignal::new(ExportFormat::Raw);
    let drop_reasoning = RwSignal::new(false);
    let counts = move || {
        let n_rows = session.rows.with(Vec::len) as u64;
        let selection = session.selection.read();
        let n_in = selection.passing.len() as u64;
        let rate = selection
            .summary
            .outcomes
            .resolved_rate()
            .map(|r| format!("{:.1}% resolved", 100.0 * r))
            .unwrap_or_else(|| "no outcome labels".to_owned());
        format!(
            "{} of {} pass the filter · {} filtered out · {rate}",
            format::count(n_in, "trajectory", "trajectories"),
            n_rows,
            n_rows - n_in
        )
    };
    let download = move |_| {
        let format = format_choice.get_untracked();
        let options = SftOptions {
            arguments_as_string: false,
            drop_reasoning: drop_reasoning.get_untracked(),
        };
        let suffix = match format {
            ExportFormat::Raw => "",
            ExportFormat::Sft => ".sft",
            ExportFormat::Text => ".text",
        };
        let stem = state.link.with_untracked(|l| l.export_file_name(suffix));
        session.export(format, options, model, stem);
    };
    view! {
        <div class="tx-counts">
            <p class="tx-counts__text" data-testid="counts">{counts}</p>
            <p class="tx-counts__summary tx-muted" data-testid="filter-summary">
                {move || session.filter.with(|f| f.summary())}
            </p>
            <div class="tx-download">
                <select
                    class="tx-input"
                    data-testid="export-format"
                    on:change=move |ev| {
                        format_choice.set(ExportFormat::parse(&event_target_value(&ev)).unwrap_or_default())
                    }
                >
                    <option value="raw" selected=true>"raw rows"</option>
                    <option value="sft">"SFT messages"</option>
                    <option value="text">"text (chat template)"</option>
                </select>
                <label class="tx-check" title="Leave reasoning_content out of SFT records">
                    <input type="checkbox" on:change=move |ev| drop_reasoning.set(event_target_checked(&ev)) />
                    " drop reasoning"
                </label>
                <button class="tx-button tx-button--primary" data-testid="download" on:click=download>
                    "Download JSONL"
                </button>
                <span class="tx-muted" data-testid="export-status">{move || session.export_status.get().unwrap_or_default()}</span>
            </div>
        </div>
    }
}
