//! Links tool results to the calls they answer.
//!
//! A `tool` message is linked by its `tool_call_id`: first to an unanswered call of the most
//! recent assistant message with that id, then to any earlier call with it (ids may repeat
//! across steps); otherwise (no id, as in SWE-Hero, or an id that matches nothing) to the oldest
//! unanswered call of the most recent assistant message. For text agents (calls inferred from text, SWE-agent `.traj`), the
//! user message after an assistant step with calls is the observation: it answers the step's
//! last call.

use std::collections::{HashMap, VecDeque};

use crate::domain::diagnostic::Diagnostic;
use crate::domain::trajectory::{CallRef, Format, Role, Trajectory};

/// Fills `ToolCall::result_idx` and `Message::result_of` for the whole trajectory.
pub(super) fn link_results(trajectory: &mut Trajectory) {
    let observations_are_user_turns =
        trajectory.format.calls_are_inferred() || trajectory.format == Format::SweAgentTraj;
    let by_id: HashMap<String, CallRef> = trajectory
        .tool_calls()
        .filter_map(|(call_ref, call)| Some((call.id.clone()?, call_ref)))
        .collect();
    let mut pending: VecDeque<CallRef> = VecDeque::new();
    let mut links: Vec<(usize, CallRef)> = Vec::new();
    for (message_idx, message) in trajectory.messages.iter().enumerate() {
        match message.role {
            Role::Assistant => {
                pending = (0..message.tool_calls.len())
                    .map(|call_idx| CallRef { message_idx, call_idx })
                    .collect();
            }
            Role::Tool => {
                let id = message.tool_call_id.as_deref();
                let call_id = |call_ref: &CallRef| {
                    trajectory.messages[call_ref.message_idx].tool_calls[call_ref.call_idx]
                        .id
                        .as_deref()
                };
                // An unanswered call of the current step with this id; else any earlier call
                // with it (ids may repeat across steps); else the oldest unanswered call.
                let target =
                    match id.and_then(|id| pending.iter().position(|r| call_id(r) == Some(id))) {
                        Some(position) => pending.remove(position),
                        None => match id
                            .and_then(|id| by_id.get(id))
                            .filter(|call_ref| call_ref.message_idx < message_idx)
                        {
                            Some(call_ref) => Some(*call_ref),
                            None => pending.pop_front(),
                        },
                    };
                match target {
                    Some(call_ref) => links.push((message_idx, call_ref)),
                    None => trajectory.diagnostics.push(Diagnostic::warning(
                        "orphan_tool_result",
                        format!("/messages/{message_idx}"),
                        "a tool result that answers no tool call",
                    )),
                }
            }
            Role::User if observations_are_user_turns => {
                if let Some(call_ref) = pending.pop_back() {
                    links.push((message_idx, call_ref));
                    pending.clear();
                }
            }
            Role::User | Role::System => {}
        }
    }
    for (message_idx, call_ref) in links {
        trajectory.messages[message_idx].result_of = Some(call_ref);
        if let Some(call) =
            trajectory.messages[call_ref.message_idx].tool_calls.get_mut(call_ref.call_idx)
        {
            // The first result of a call is its result; a repeated id keeps the first link.
            call.result_idx.get_or_insert(message_idx);
        }
    }
}
