//! The trajectory's suspicious-trajectory flags (`domain::flags`): one line per flag with its
//! label and evidence text, and a button per evidence step that selects that message (and so
//! puts `step=` in the link). Heuristics: the panel says so. Text goes in as text nodes.

use std::sync::Arc;

use leptos::prelude::*;

use crate::domain::flags::flags_of;
use crate::domain::trajectory::{Role, Trajectory};

use super::Reader;

/// The flags of one trajectory (`data-testid="flags"`); a quiet line when there are none.
#[component]
pub fn FlagsPanel(trajectory: Arc<Trajectory>, reader: Reader) -> impl IntoView {
    let flags = flags_of(&trajectory);
    if flags.is_empty() {
        return view! {
            <p class="tx-flags tx-flags--none tx-muted" data-testid="flags" data-count="0">
                "No suspicious-trajectory flags (heuristics)."
            </p>
        }
        .into_any();
    }
    let n = flags.len();
    // A step is named by its agent turn when it is an assistant message, else by its message.
    let step_label = {
        let trajectory = Arc::clone(&trajectory);
        move |idx: usize| -> String {
            let turn = trajectory.turns.iter().position(|t| t.assistant_idx == idx);
            match (turn, trajectory.messages.get(idx).map(|m| m.role)) {
                (Some(turn), Some(Role::Assistant)) => format!("step {}", turn + 1),
                _ => format!("message {}", idx + 1),
            }
        }
    };
    let items = flags
        .into_iter()
        .map(|flag| {
            let steps = flag
                .steps
                .iter()
                .map(|&idx| {
                    let current = move || reader.step.get() == Some(idx);
                    view! {
                        <button
                            class="tx-button tx-button--quiet tx-flags__step"
                            class:tx-flags__step--current=current
                            data-testid="flag-step"
                            data-step=idx
                            title="Show this message"
                            on:click=move |_| reader.select(idx)
                        >
                            {step_label(idx)}
                        </button>
                    }
                })
                .collect_view();
            view! {
                <li class="tx-flags__item" data-testid="flag" data-kind=flag.kind.as_str()>
                    <span class="tx-flags__label">{flag.kind.label()}</span>
                    " "
                    <code class="tx-flags__evidence">{flag.evidence.clone()}</code>
                    " "
                    {steps}
                </li>
            }
        })
        .collect_view();
    view! {
        <section class="tx-flags" data-testid="flags" data-count=n>
            <h4 class="tx-flags__title">
                {format!("{n} suspicious-trajectory flag{}", if n == 1 { "" } else { "s" })}
                <span class="tx-muted">" (heuristics; a click on a step shows the evidence)"</span>
            </h4>
            <ul class="tx-flags__list">{items}</ul>
        </section>
    }
    .into_any()
}
