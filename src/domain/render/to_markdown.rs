//! A trajectory as one markdown document, for "copy as markdown": a title and a list of its
//! identifiers, then one heading per message (its index and role), reasoning as a blockquote,
//! tool calls as fenced JSON blocks, tool results and the system prompt fenced as text, and the
//! final and reference patches fenced as diffs.
//!
//! Fences are longer than any run of backticks inside what they hold, so no text can close
//! them early.

use std::fmt::Write as _;

use crate::domain::metrics::TrajectoryMetrics;
use crate::domain::trajectory::{Message, PatchText, Role, Trajectory};

use super::timeline::pretty_arguments;

/// The whole trajectory as markdown (see the module doc).
pub fn trajectory_to_markdown(trajectory: &Trajectory) -> String {
    let mut out = String::new();
    let ids = &trajectory.ids;
    let title = ids.instance_id.as_deref().or(ids.trajectory_id.as_deref()).unwrap_or("Trajectory");
    let _ = writeln!(out, "# {}\n", one_line(title));

    let metrics = TrajectoryMetrics::of(trajectory);
    let fields = [
        ("Instance", ids.instance_id.clone()),
        ("Trajectory", ids.trajectory_id.clone()),
        ("Repository", ids.repo.clone()),
        ("Language", ids.language.clone()),
        ("Model", ids.model.clone()),
        ("Format", Some(trajectory.format.as_str().to_owned())),
        ("Outcome", Some(trajectory.outcome.as_str().to_owned())),
        ("Exit status", trajectory.exit_status.clone()),
        (
            "Size",
            Some(format!(
                "{} messages, {} turns, {} tool calls, {} tool errors, ~{} tokens",
                metrics.n_messages,
                metrics.n_turns,
                metrics.n_tool_calls,
                metrics.n_tool_errors,
                metrics.est_tokens
            )),
        ),
    ];
    for (label, value) in fields {
        if let Some(value) = value {
            let _ = writeln!(out, "- {label}: {}", inline_code(&value));
        }
    }

    for (idx, message) in trajectory.messages.iter().enumerate() {
        out.push('\n');
        write_message(&mut out, trajectory, idx, message);
    }

    for (heading, patch) in
        [("Final patch", &trajectory.final_patch), ("Reference patch", &trajectory.reference_patch)]
    {
        if let Some(patch) = patch {
            write_patch(&mut out, heading, patch);
        }
    }
    out
}

fn write_message(out: &mut String, trajectory: &Trajectory, idx: usize, message: &Message) {
    let _ = write!(out, "## {idx}. {}", message.role);
    let answered = message.result_of.and_then(|call_ref| trajectory.call(call_ref));
    if let Some(call) = answered {
        let _ = write!(out, " (result of {})", inline_code(&call.name));
    } else if let Some(name) = &message.name {
        let _ = write!(out, " ({})", inline_code(name));
    }
    out.push_str("\n\n");

    if let Some(reasoning) = message.reasoning.as_deref().filter(|r| !r.trim().is_empty()) {
        out.push_str("> **Reasoning**\n>\n");
        for line in reasoning.trim_end().lines() {
            if line.is_empty() {
                out.push_str(">\n");
            } else {
                let _ = writeln!(out, "> {line}");
            }
        }
        out.push('\n');
    }

    let plain = message.role == Role::Tool || message.role == Role::System || answered.is_some();
    if !message.content.trim().is_empty() {
        if plain {
            fenced(out, "text", &message.content);
        } else {
            out.push_str(message.content.trim_end());
            out.push_str("\n\n");
        }
    }

    for call in &message.tool_calls {
        let _ = write!(out, "**Tool call** {}", inline_code(&call.name));
        if let Some(id) = &call.id {
            let _ = write!(out, " · id {}", inline_code(id));
        }
        if call.inferred {
            out.push_str(" · inferred");
        }
        if let Some(result_idx) = call.result_idx {
            let _ = write!(out, " · result in message {result_idx}");
        }
        out.push_str("\n\n");
        let language = if call.arguments().is_string() { "text" } else { "json" };
        fenced(out, language, &pretty_arguments(call));
    }
}

fn write_patch(out: &mut String, heading: &str, patch: &PatchText) {
    let _ = write!(out, "\n## {heading}\n\n");
    if patch.inferred {
        let _ = writeln!(out, "Inferred from a tool result ({}).\n", patch.field);
    }
    if patch.text.trim().is_empty() {
        out.push_str("(empty)\n");
    } else {
        fenced(out, "diff", &patch.text);
    }
}

/// Writes `text` in a fenced block tagged `language`, then an empty line.
fn fenced(out: &mut String, language: &str, text: &str) {
    let fence = "`".repeat(longest_backtick_run(text).max(2) + 1);
    let _ = writeln!(out, "{fence}{language}");
    out.push_str(text.trim_end_matches('\n'));
    let _ = write!(out, "\n{fence}\n\n");
}

/// `text` as inline code, on one line, delimited by more backticks than it holds.
fn inline_code(text: &str) -> String {
    let text = one_line(text);
    let ticks = "`".repeat(longest_backtick_run(&text) + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `text` with line breaks turned into spaces.
fn one_line(text: &str) -> String {
    text.split(['\r', '\n']).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
}

fn longest_backtick_run(text: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outlast_backticks() {
        let mut out = String::new();
        fenced(&mut out, "text", "a ```` b");
        assert_eq!(out, "`````text\na ```` b\n`````\n\n");
        assert_eq!(inline_code("a`b"), "``a`b``");
        assert_eq!(inline_code("`x"), "`` `x ``");
        assert_eq!(inline_code("two\nlines"), "`two lines`");
    }
}
