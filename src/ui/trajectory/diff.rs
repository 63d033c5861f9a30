//! The patches of a trajectory: the final patch and, when the row has one, the reference
//! (gold) patch, in tabs; each as a diff with a header row per file, the `@@` row of each hunk
//! and numbered `+`/`-` lines (`data-testid="diff"`). Very long diffs show their first rows
//! until asked for the rest.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::patch::LineKind;
use crate::domain::render::{self, group_digits, DiffRow, PatchView};
use crate::domain::trajectory::Trajectory;

use super::message::MessageLink;
use super::{PanelToggle, Reader};

/// Diff rows rendered before "show all" (count).
const ROW_LIMIT: usize = 600;

/// Which patch the panel shows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tab {
    Final,
    Reference,
}

/// The final and reference patches, in tabs (`data-testid="patches"`).
#[component]
pub fn PatchPanel(trajectory: Arc<Trajectory>, reader: Reader) -> impl IntoView {
    let final_view = trajectory.final_patch.as_ref().map(render::patch_view);
    let reference_view = trajectory.reference_patch.as_ref().map(render::patch_view);
    if final_view.is_none() && reference_view.is_none() {
        return view! {
            <section class="tx-patches" data-testid="patches">
                <p class="tx-muted">"This row has no patch."</p>
            </section>
        }
        .into_any();
    }
    let tab = RwSignal::new(if final_view.is_some() { Tab::Final } else { Tab::Reference });
    let open = RwSignal::new(true);
    let tab_button = |which: Tab, label: &'static str, view: &Option<PatchView>| {
        let figures = match view {
            Some(view) if !view.is_empty => {
                format!("{} files +{} −{}", view.n_files, view.n_added, view.n_removed)
            }
            Some(_) => "empty".to_owned(),
            None => "none".to_owned(),
        };
        view! {
            <button
                class="tx-tabs__tab"
                role="tab"
                data-testid=format!("patch-tab-{}", if which == Tab::Final { "final" } else { "reference" })
                aria-selected=move || (tab.get() == which).to_string()
                on:click=move |_| {
                    tab.set(which);
                    open.set(true);
                }
            >
                {label}
                <span class="tx-tabs__figures">{figures}</span>
            </button>
        }
    };
    let tabs = view! {
        {tab_button(Tab::Final, "Final patch", &final_view)}
        {reference_view.is_some().then(|| tab_button(Tab::Reference, "Reference patch", &reference_view))}
    };
    let body = move || {
        if !open.get() {
            return ().into_any();
        }
        let (view, missing) = match tab.get() {
            Tab::Final => (final_view.clone(), "This row has no final patch."),
            Tab::Reference => (reference_view.clone(), "This row has no reference patch."),
        };
        match view {
            Some(view) => view! { <DiffView view reader /> }.into_any(),
            None => view! { <p class="tx-muted">{missing}</p> }.into_any(),
        }
    };
    view! {
        <section class="tx-patches" data-testid="patches">
            <div class="tx-tabs" role="tablist" aria-label="Patches">
                {tabs}
                <PanelToggle open />
            </div>
            {body}
        </section>
    }
    .into_any()
}

/// One patch as a diff table.
#[component]
fn DiffView(view: PatchView, reader: Reader) -> impl IntoView {
    let PatchView { rows, is_empty, inferred, field, source_message, diagnostics, .. } = view;
    let source = if inferred {
        let link = source_message.map(|idx| view! { " (" <MessageLink idx reader /> ")" });
        view! {
            <p class="tx-diff__source tx-diff__source--inferred" data-testid="patch-inferred">
                "Inferred from a tool result" {link}
            </p>
        }
        .into_any()
    } else {
        view! {
            <p class="tx-diff__source tx-muted">"From " <code>{field}</code></p>
        }
        .into_any()
    };
    let problems = (!diagnostics.is_empty()).then(|| {
        let n = diagnostics.len();
        let items = diagnostics.iter().map(|d| view! { <li>{d.to_string()}</li> }).collect_view();
        view! {
            <details class="tx-diff__problems">
                <summary>{format!("{} parse diagnostics", group_digits(n))}</summary>
                <ul>{items}</ul>
            </details>
        }
    });
    if is_empty {
        return view! {
            <div class="tx-diff" data-testid="diff">
                {source}
                <p class="tx-muted">"The patch is empty."</p>
            </div>
        }
        .into_any();
    }
    let n_rows = rows.len();
    let rows = Arc::new(rows);
    let all = RwSignal::new(n_rows <= ROW_LIMIT);
    let table_rows = move || {
        let limit = if all.get() { n_rows } else { ROW_LIMIT };
        rows.iter().take(limit).map(diff_row).collect_view()
    };
    view! {
        <div class="tx-diff" data-testid="diff">
            {source}
            {problems}
            <div class="tx-diff__scroll">
                <table class="tx-diff__table">
                    <tbody>{table_rows}</tbody>
                </table>
            </div>
            <Show when=move || !all.get()>
                <button class="tx-button" on:click=move |_| all.set(true)>
                    {format!("Show all {} rows", group_digits(n_rows))}
                </button>
            </Show>
        </div>
    }
    .into_any()
}

/// One row of the diff table (text nodes only).
pub(crate) fn diff_row(row: &DiffRow) -> AnyView {
    match row {
        DiffRow::File(file) => {
            let change = file.change_name();
            let path = match &file.from_path {
                Some(from) => format!("{from} → {}", file.path),
                None => file.path.clone(),
            };
            let mode = file.mode_change.as_ref().map(|(old, new)| format!("mode {old} → {new}"));
            view! {
                <tr class="tx-diff__file" data-testid="diff-file">
                    <td colspan="3">
                        <span class="tx-diff__path">{path}</span>
                        <span class=format!("tx-diff__change tx-diff__change--{change}")>
                            {change}
                        </span>
                        {file.is_binary.then_some(" binary")}
                        {mode.map(|mode| view! { <span class="tx-muted">{mode}</span> })}
                        <span class="tx-diff__added">{format!("+{}", file.n_added)}</span>
                        <span class="tx-diff__removed">{format!("−{}", file.n_removed)}</span>
                    </td>
                </tr>
            }
            .into_any()
        }
        DiffRow::Hunk { header } => view! {
            <tr class="tx-diff__hunk">
                <td class="tx-diff__no"></td>
                <td class="tx-diff__no"></td>
                <td class="tx-diff__code">{header.clone()}</td>
            </tr>
        }
        .into_any(),
        DiffRow::Line(line) => {
            let kind = match line.kind {
                LineKind::Context => "context",
                LineKind::Added => "added",
                LineKind::Removed => "removed",
            };
            let number = |n: Option<u64>| n.map(|n| n.to_string()).unwrap_or_default();
            view! {
                <tr class=format!("tx-diff__line tx-diff__line--{kind}") data-testid="diff-line">
                    <td class="tx-diff__no">{number(line.old_no)}</td>
                    <td class="tx-diff__no">{number(line.new_no)}</td>
                    <td class="tx-diff__code">
                        <span class="tx-diff__sign">{line.kind.sign().to_string()}</span>
                        {line.text.clone()}
                        {line
                            .no_newline
                            .then(|| {
                                view! {
                                    <span class="tx-diff__eof" title="No newline at end of file">
                                        " ⏎̸"
                                    </span>
                                }
                            })}
                    </td>
                </tr>
            }
            .into_any()
        }
        DiffRow::Note { text } => view! {
            <tr class="tx-diff__note">
                <td colspan="3">{text.clone()}</td>
            </tr>
        }
        .into_any(),
    }
}
