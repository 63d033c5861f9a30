//! The filter panel: every predicate of the core's `FilterSet`, bound to the page URL (each
//! change rewrites the link, and the session judges the rows again).

use leptos::prelude::*;

use crate::domain::filter::{FilterSet, Range};
use crate::domain::flags::FlagKind;
use crate::domain::trajectory::{Outcome, Role};
use crate::ui::AppState;

/// The filter panel.
#[component]
pub fn FilterPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let link = state.link;
    let facets = state.session.facets;
    let filter = move || link.with(|l| l.filter.clone());
    let change = move |apply: &dyn Fn(&mut FilterSet)| {
        state.navigate(false, |l| apply(&mut l.filter));
    };

    let outcome_box = move |outcome: Outcome| {
        let checked = move || link.with(|l| l.filter.outcomes.contains(&outcome));
        view! {
            <label class="tx-check">
                <input
                    type="checkbox"
                    data-testid=format!("filter-outcome-{}", outcome.as_str())
                    prop:checked=checked
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        change(&|f| {
                            if on {
                                f.outcomes.insert(outcome);
                            } else {
                                f.outcomes.remove(&outcome);
                            }
                        })
                    }
                />
                " " {outcome.as_str()}
            </label>
        }
    };

    let yes_no = move |key: &'static str,
                       get: fn(&FilterSet) -> Option<bool>,
                       set: fn(&mut FilterSet, Option<bool>)| {
        view! {
            <select
                class="tx-input"
                data-testid=format!("filter-{key}")
                on:change=move |ev| {
                    let value = match event_target_value(&ev).as_str() {
                        "yes" => Some(true),
                        "no" => Some(false),
                        _ => None,
                    };
                    change(&|f| set(f, value))
                }
            >
                <option value="" selected=move || link.with(|l| get(&l.filter).is_none())>"any"</option>
                <option value="yes" selected=move || link.with(|l| get(&l.filter) == Some(true))>"yes"</option>
                <option value="no" selected=move || link.with(|l| get(&l.filter) == Some(false))>"no"</option>
            </select>
        }
    };

    let range_inputs =
        move |key: &'static str, get: fn(&FilterSet) -> Range, set: fn(&mut FilterSet, Range)| {
            let bound = move |is_min: bool| {
                view! {
                    <input
                        class="tx-input tx-input--number"
                        type="number"
                        min="0"
                        placeholder=if is_min { "min" } else { "max" }
                        data-testid=format!("filter-{key}-{}", if is_min { "min" } else { "max" })
                        prop:value=move || {
                            let range = link.with(|l| get(&l.filter));
                            let value = if is_min { range.min } else { range.max };
                            value.map(|v| v.to_string()).unwrap_or_default()
                        }
                        on:change=move |ev| {
                            let value = event_target_value(&ev).trim().parse::<u64>().ok();
                            change(&|f| {
                                let mut range = get(f);
                                if is_min {
                                    range.min = value;
                                } else {
                                    range.max = value;
                                }
                                set(f, range);
                            })
                        }
                    />
                }
            };
            view! { <span class="tx-range">{bound(true)} "–" {bound(false)}</span> }
        };

    // A tri-state row for a language or a tool: any / include / exclude.
    let tri_state = move |name: String, count: u64, is_tool: bool| {
        let current = {
            let name = name.clone();
            move || {
                link.with(|l| {
                    let (include, exclude) = if is_tool {
                        (&l.filter.tools_used, &l.filter.tools_not_used)
                    } else {
                        (&l.filter.languages, &l.filter.exclude_languages)
                    };
                    if include.contains(&name) {
                        "in"
                    } else if exclude.contains(&name) {
                        "out"
                    } else {
                        ""
                    }
                })
            }
        };
        let on_change = {
            let name = name.clone();
            move |ev: leptos::ev::Event| {
                let value = event_target_value(&ev);
                change(&|f| {
                    let (include, exclude) = if is_tool {
                        (&mut f.tools_used, &mut f.tools_not_used)
                    } else {
                        (&mut f.languages, &mut f.exclude_languages)
                    };
                    include.remove(&name);
                    exclude.remove(&name);
                    match value.as_str() {
                        "in" => {
                            include.insert(name.clone());
                        }
                        "out" => {
                            exclude.insert(name.clone());
                        }
                        _ => {}
                    }
                })
            }
        };
        let current_in = current.clone();
        let current_out = current.clone();
        view! {
            <li class="tx-facet">
                <select class="tx-input tx-facet__state" on:change=on_change>
                    <option value="" selected=move || current().is_empty()>"any"</option>
                    <option value="in" selected=move || current_in() == "in">{if is_tool { "used" } else { "only" }}</option>
                    <option value="out" selected=move || current_out() == "out">{if is_tool { "never" } else { "not" }}</option>
                </select>
                <span class="tx-facet__name">{name}</span>
                <span class="tx-muted">{count}</span>
            </li>
        }
    };

    // A tri-state row for a flag: any / has it / has it not, with the rows passing that have it.
    let flag_state = move |kind: FlagKind| {
        let current = move || {
            link.with(|l| {
                if l.filter.flags.contains(&kind) {
                    "in"
                } else if l.filter.flags_not.contains(&kind) {
                    "out"
                } else {
                    ""
                }
            })
        };
        let count = move || {
            state
                .session
                .selection
                .with(|s| s.summary.flags.get(kind.as_str()).copied().unwrap_or(0))
        };
        view! {
            <li class="tx-facet">
                <select
                    class="tx-input tx-facet__state"
                    data-testid=format!("filter-flag-{}", kind.as_str())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        change(&|f| {
                            f.flags.remove(&kind);
                            f.flags_not.remove(&kind);
                            match value.as_str() {
                                "in" => {
                                    f.flags.insert(kind);
                                }
                                "out" => {
                                    f.flags_not.insert(kind);
                                }
                                _ => {}
                            }
                        })
                    }
                >
                    <option value="" selected=move || current().is_empty()>"any"</option>
                    <option value="in" selected=move || current() == "in">"has"</option>
                    <option value="out" selected=move || current() == "out">"not"</option>
                </select>
                <span class="tx-facet__name">{kind.label()}</span>
                <span class="tx-muted">{count}</span>
            </li>
        }
    };

    let text_input = move |key: &'static str,
                           placeholder: &'static str,
                           get: fn(&FilterSet) -> Option<String>,
                           set: fn(&mut FilterSet, Option<String>)| {
        view! {
            <input
                class="tx-input"
                type="search"
                placeholder=placeholder
                data-testid=format!("filter-{key}")
                prop:value=move || link.with(|l| get(&l.filter).unwrap_or_default())
                on:change=move |ev| {
                    let value = event_target_value(&ev);
                    let value = (!value.trim().is_empty()).then(|| value.trim().to_owned());
                    change(&|f| set(f, value.clone()))
                }
            />
        }
    };

    view! {
        <aside class="tx-filters" data-testid="filter-panel">
            <div class="tx-filters__head">
                <h3>"Filters"</h3>
                <button class="tx-button tx-button--quiet" data-testid="filter-reset" on:click=move |_| change(&|f| *f = FilterSet::default())>
                    "Reset"
                </button>
            </div>
            <fieldset class="tx-filters__group">
                <legend>"Outcome"</legend>
                {outcome_box(Outcome::Resolved)}
                {outcome_box(Outcome::Failed)}
                {outcome_box(Outcome::Unknown)}
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Token budget"</legend>
                <input
                    class="tx-input tx-input--number"
                    type="number"
                    min="0"
                    placeholder="max tokens, e.g. 32000"
                    data-testid="filter-max-tokens"
                    prop:value=move || filter().max_tokens.map(|v| v.to_string()).unwrap_or_default()
                    on:change=move |ev| {
                        let value = event_target_value(&ev).trim().parse::<u64>().ok();
                        change(&|f| f.max_tokens = value)
                    }
                />
                <label class="tx-filters__row">"range " {range_inputs("tokens", |f| f.tokens, |f, r| f.tokens = r)}</label>
                <p class="tx-muted tx-filters__note" data-testid="token-basis">
                    {move || {
                        let label = crate::ui::model::tokens_label(state.session);
                        if label.ends_with("(estimated)") { format!("{label}: characters / 4") } else { label }
                    }}
                </p>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Patch"</legend>
                <label class="tx-filters__row">"present " {yes_no("patch", |f| f.has_patch, |f, v| f.has_patch = v)}</label>
                <label class="tx-filters__row">"lines " {range_inputs("patch-lines", |f| f.patch_lines, |f, r| f.patch_lines = r)}</label>
                <label class="tx-filters__row">"files " {range_inputs("patch-files", |f| f.patch_files, |f, r| f.patch_files = r)}</label>
                <label class="tx-filters__row">"touches tests " {yes_no("tests", |f| f.touches_tests, |f, v| f.touches_tests = v)}</label>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Size"</legend>
                <label class="tx-filters__row">"turns " {range_inputs("turns", |f| f.turns, |f, r| f.turns = r)}</label>
                <label class="tx-filters__row">"tool calls " {range_inputs("tool-calls", |f| f.tool_calls, |f, r| f.tool_calls = r)}</label>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Languages"</legend>
                <ul class="tx-facets" data-testid="filter-languages">
                    {move || facets.with(|f| f.languages.clone()).into_iter().map(|(name, n)| tri_state(name, n, false)).collect_view()}
                </ul>
                <label class="tx-filters__row">
                    "at most "
                    <input
                        class="tx-input tx-input--number"
                        type="number"
                        min="1"
                        placeholder="n"
                        data-testid="filter-lang-cap"
                        prop:value=move || filter().language_cap.map(|v| v.to_string()).unwrap_or_default()
                        on:change=move |ev| {
                            let value = event_target_value(&ev).trim().parse::<u64>().ok();
                            change(&|f| f.language_cap = value)
                        }
                    />
                    " per language"
                </label>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Tools"</legend>
                <ul class="tx-facets" data-testid="filter-tools">
                    {move || facets.with(|f| f.tools.clone()).into_iter().map(|(name, n)| tri_state(name, n, true)).collect_view()}
                </ul>
            </fieldset>
            <fieldset class="tx-filters__group" data-testid="filter-flags">
                <legend>"Flags"</legend>
                <label class="tx-filters__row">"some flag " {yes_no("flagged", |f| f.flagged, |f, v| f.flagged = v)}</label>
                <ul class="tx-facets">
                    {FlagKind::ALL.into_iter().map(flag_state).collect_view()}
                </ul>
                <p class="tx-muted tx-filters__note">"Heuristics; counts are of the rows passing the filter."</p>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Runs of a task"</legend>
                <label class="tx-filters__row" title="Runs of instances (instance_id) that some loaded runs resolve and others fail">
                    "mixed outcome " {yes_no("mixed_outcome", |f| f.mixed_outcome, |f, v| f.mixed_outcome = v)}
                </label>
            </fieldset>
            <fieldset class="tx-filters__group">
                <legend>"Text"</legend>
                {text_input("instance", "instance id contains…", |f| f.instance.clone(), |f, v| f.instance = v)}
                {text_input("repo", "repo contains…", |f| f.repo.clone(), |f, v| f.repo = v)}
                {text_input("q", "a message contains…", |f| f.text.clone(), |f, v| f.text = v)}
                <select
                    class="tx-input"
                    data-testid="filter-q-role"
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        let role = Role::ALL.into_iter().find(|r| r.as_str() == value);
                        change(&|f| f.text_role = role)
                    }
                >
                    <option value="" selected=move || filter().text_role.is_none()>"in any message"</option>
                    {Role::ALL
                        .into_iter()
                        .map(|role| {
                            view! {
                                <option value=role.as_str() selected=move || filter().text_role == Some(role)>
                                    {format!("in {} messages", role.as_str())}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </fieldset>
        </aside>
    }
}
