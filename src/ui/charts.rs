//! The dataset charts on the dataset page: a collapsible section drawing the core's chart specs
//! (`domain::chart`) for the rows passing the filter, updated as rows stream in.
//!
//! Each chart is the core's SVG (plotters' output: cleaned labels, escaped text; see the
//! module doc of `domain::chart`) put in with `inner_html`, under transparent hit areas that
//! Leptos draws from the same layout: hovering one shows its tooltip (bin or name, count,
//! share), clicking it toggles the bar's filter through the page link, like the filter panel.
//! Specs are memos over the selection's summary, which the session updates once per flush
//! (every [`FLUSH_MS`](crate::ui::session::FLUSH_MS) ms at most); a chart's SVG is drawn again
//! only when its own spec or the theme changes, and nothing is computed while the section is
//! closed.

use leptos::prelude::*;

use crate::domain::chart::{
    dataset_charts, render_svg, ChartKind, ChartLayout, ChartSpec, Palette,
};
use crate::ui::{browser, AppState};

/// Local-storage key remembering whether the charts section is open (`1`) or closed.
pub const CHARTS_OPEN_KEY: &str = "trajex.charts_open";

/// The charts section: a toggle, then one card per chart.
#[component]
pub fn Charts() -> impl IntoView {
    let state = expect_context::<AppState>();
    let session = state.session;
    let open = RwSignal::new(browser::local_get(CHARTS_OPEN_KEY).as_deref() == Some("1"));
    let specs = Memo::new(move |_| {
        if open.get() {
            session.selection.with(|s| dataset_charts(&s.summary))
        } else {
            Vec::new()
        }
    });
    let ids = Memo::new(move |_| specs.with(|all| all.iter().map(|c| c.id).collect::<Vec<_>>()));
    let toggle = move |_| {
        let next = !open.get_untracked();
        browser::local_set(CHARTS_OPEN_KEY, if next { "1" } else { "0" });
        open.set(next);
    };
    view! {
        <section class="tx-charts" data-testid="charts">
            <button
                class="tx-button tx-button--quiet tx-charts__toggle"
                data-testid="charts-toggle"
                aria-expanded=move || if open.get() { "true" } else { "false" }
                on:click=toggle
            >
                {move || if open.get() { "▾ Charts" } else { "▸ Charts" }}
                <span class="tx-muted">" of the rows passing the filter: turns, tool calls, tokens, patches, tools, languages, flags, resolved rate"</span>
            </button>
            <Show when=move || open.get()>
                <div class="tx-charts__grid">
                    <For each=move || ids.get() key=|id| *id let:id>
                        <ChartCard spec=Memo::new(move |_| {
                            specs.with(|all| all.iter().find(|c| c.id == id).cloned())
                        }) />
                    </For>
                </div>
            </Show>
        </section>
    }
}

/// Where a tooltip points, in percent of the chart's box: `(left, top)`.
fn tooltip_anchor(layout: &ChartLayout, kind: ChartKind, idx: usize) -> Option<(f64, f64)> {
    let bar = layout.bars.get(idx)?;
    let (x, y) = match kind {
        ChartKind::Histogram => (f64::from(bar.x0 + bar.x1) / 2.0, f64::from(bar.y0)),
        ChartKind::Counts | ChartKind::Rates => (f64::from(bar.x1), f64::from(bar.y0)),
    };
    let left = (100.0 * x / f64::from(layout.width.max(1))).clamp(12.0, 88.0);
    let top = 100.0 * y / f64::from(layout.height.max(1));
    Some((left, top))
}

/// One chart: title, note, the SVG and its hit areas, the tooltip.
#[component]
fn ChartCard(spec: Memo<Option<ChartSpec>>) -> impl IntoView {
    let state = expect_context::<AppState>();
    let link = state.link;
    let theme = state.theme;
    let layout = Memo::new(move |_| spec.with(|s| s.as_ref().map(ChartLayout::of)));
    let kind = move || spec.with(|s| s.as_ref().map_or(ChartKind::Counts, |s| s.kind));
    let svg = Memo::new(move |_| {
        let palette = Palette::for_theme(&theme.get());
        let kind = kind();
        layout.with(|l| match l {
            Some(l) => render_svg(l, kind, &palette).map_err(|e| e.to_string()),
            None => Ok(String::new()),
        })
    });
    let hovered = RwSignal::new(None::<usize>);
    let id = move || spec.with(|s| s.as_ref().map_or("", |s| s.id));
    let has_bars = move || spec.with(|s| s.as_ref().is_some_and(|s| !s.bars.is_empty()));
    let view_box = move || {
        layout
            .with(|l| l.as_ref().map_or(String::new(), |l| format!("0 0 {} {}", l.width, l.height)))
    };
    let aspect = move || {
        layout.with(|l| {
            l.as_ref()
                .map_or(String::new(), |l| format!("aspect-ratio: {} / {}", l.width, l.height))
        })
    };
    let click = move |idx: usize| {
        let action = spec.with_untracked(|s| s.as_ref()?.bars.get(idx)?.action.clone());
        if let Some(action) = action {
            state.navigate(false, |l| action.toggle(&mut l.filter));
        }
    };
    let hits = move || {
        let (Some(spec_now), Some(layout_now)) = (spec.get(), layout.get()) else {
            return Vec::new();
        };
        spec_now
            .bars
            .into_iter()
            .zip(layout_now.hits)
            .enumerate()
            .map(|(idx, (bar, hit))| {
                let clickable = bar.action.is_some();
                let action = bar.action.clone();
                let active =
                    move || action.as_ref().is_some_and(|a| link.with(|l| a.is_applied(&l.filter)));
                let class = move || {
                    let mut class = String::from("tx-chart__hit");
                    if clickable {
                        class.push_str(" tx-chart__hit--clickable");
                    }
                    if active() {
                        class.push_str(" tx-chart__hit--active");
                    }
                    if hovered.get() == Some(idx) {
                        class.push_str(" tx-chart__hit--hover");
                    }
                    class
                };
                let label = bar.hover.clone();
                view! {
                    <rect
                        class=class
                        data-testid="chart-bar"
                        data-index=idx.to_string()
                        data-label=bar.label.clone()
                        data-count=bar.count.to_string()
                        x=hit.x0.to_string()
                        y=hit.y0.to_string()
                        width=hit.width().to_string()
                        height=hit.height().to_string()
                        tabindex=if clickable { "0" } else { "-1" }
                        role=if clickable { "button" } else { "img" }
                        aria-label=label
                        on:mouseenter=move |_| hovered.set(Some(idx))
                        on:mouseleave=move |_| hovered.set(None)
                        on:focus=move |_| hovered.set(Some(idx))
                        on:blur=move |_| hovered.set(None)
                        on:click=move |_| click(idx)
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" || ev.key() == " " {
                                ev.prevent_default();
                                click(idx);
                            }
                        }
                    />
                }
            })
            .collect_view()
    };
    let tooltip = move || {
        let idx = hovered.get()?;
        let (text, hint) = spec.with(|s| {
            let bar = s.as_ref()?.bars.get(idx)?;
            let hint = match &bar.action {
                Some(action) if link.with(|l| action.is_applied(&l.filter)) => {
                    format!("click to remove the filter {}", action.describe())
                }
                Some(action) => format!("click to filter: {}", action.describe()),
                None => String::new(),
            };
            Some((bar.hover.clone(), hint))
        })?;
        let (left, top) = layout.with(|l| tooltip_anchor(l.as_ref()?, kind(), idx))?;
        Some(view! {
            <div class="tx-chart__tooltip" data-testid="chart-tooltip" role="status" style=format!("left: {left:.2}%; top: {top:.2}%")>
                <span class="tx-chart__tooltip-text">{text}</span>
                <Show when={
                    let hint = hint.clone();
                    move || !hint.is_empty()
                }>
                    <span class="tx-chart__tooltip-hint">{hint.clone()}</span>
                </Show>
            </div>
        })
    };
    view! {
        <figure class="tx-chart" data-testid=move || format!("chart-{}", id())>
            <figcaption class="tx-chart__caption">
                <h4 class="tx-chart__title">{move || spec.with(|s| s.as_ref().map(|s| s.title.clone()).unwrap_or_default())}</h4>
                <p class="tx-chart__note tx-muted">{move || spec.with(|s| s.as_ref().map(|s| s.note.clone()).unwrap_or_default())}</p>
            </figcaption>
            <Show
                when=has_bars
                fallback=move || view! {
                    <p class="tx-chart__empty tx-muted" data-testid="chart-empty">
                        {move || spec.with(|s| s.as_ref().map(|s| s.empty.clone()).unwrap_or_default())}
                    </p>
                }
            >
                <div class="tx-chart__canvas" style=aspect on:mouseleave=move |_| hovered.set(None)>
                    // The core's SVG: labels cleaned and escaped by the SVG backend.
                    <div
                        class="tx-chart__svg"
                        inner_html=move || svg.with(|r| r.clone().unwrap_or_default())
                    ></div>
                    <svg class="tx-chart__hits" viewBox=view_box preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">
                        {hits}
                    </svg>
                    {tooltip}
                </div>
                {move || svg.with(|r| r.as_ref().err().map(|message| view! { <p class="tx-error">{message.clone()}</p> }))}
            </Show>
        </figure>
    }
}
