//! What the trajectory reader shows, computed as plain values: sanitized HTML from message
//! markdown, previews of long texts, diff rows with line numbers, the tool-call timeline, the
//! per-tool colour, message search and the "copy as markdown" text.
//!
//! The UI (`ui::trajectory`) only maps these values to elements: it does no counting, no line
//! number arithmetic and no HTML building. Dataset text is untrusted; the only HTML this module
//! produces is [`markdown_to_safe_html`], whose output has passed a strict allow-list.

mod diff;
mod markdown;
mod text;
mod timeline;
mod to_markdown;

pub use diff::{
    diff_rows, hunk_diff_rows, patch_source_message, patch_view, DiffFile, DiffLine, DiffRow,
    PatchView,
};
pub use markdown::{code_language, markdown_to_safe_html};
pub use text::{
    count_lines, group_digits, is_long, preview, show_all_label, size_label, LONG_CHARS,
    LONG_LINES, PREVIEW_CHARS, PREVIEW_LINES,
};
pub use timeline::{
    message_matches, pretty_arguments, step_after, timeline, tool_colour_index, TimelineMark,
    N_TOOL_COLOURS, TOOL_HASH_BASIS,
};
pub use to_markdown::trajectory_to_markdown;
