//! Tool calls written in assistant text, for agents without function calling.
//!
//! - XML-style calls, `<function=NAME><parameter=KEY>VALUE</parameter></function>` (SWE-smith,
//!   SWE-Play, OpenHands' non-function-calling prompt). Several per message are allowed.
//! - A fenced code block holding the action: mini-swe-agent writes ```bash (or
//!   ```mswea_bash_command) blocks, SWE-agent writes bare ``` blocks. The last such block of a
//!   message is its action, as both harnesses parse it.
//!
//! Calls found here are marked `inferred`. Their results are the user messages that follow
//! (see `link`).

use serde_json::{Map, Value};

use crate::domain::trajectory::{Format, Message, Role, ToolCall};

/// SWE-agent's own interface commands; any other command in a bare block is a shell command.
/// Taken from the command docs in SWE-agent's default config (`config/default.yaml`) and its
/// `tools/` bundles.
pub const SWE_AGENT_COMMANDS: [&str; 17] = [
    "open",
    "goto",
    "scroll_up",
    "scroll_down",
    "create",
    "edit",
    "insert",
    "search_dir",
    "search_file",
    "find_file",
    "submit",
    "str_replace_editor",
    "filemap",
    "exit_forfeit",
    "skip",
    "append",
    "view",
];

/// Languages of fenced blocks that hold a shell action.
const SHELL_LANGUAGES: [&str; 5] = ["bash", "sh", "shell", "console", "mswea_bash_command"];

/// The tool name of a SWE-agent-style command: its first word when that is one of
/// [`SWE_AGENT_COMMANDS`], otherwise `bash`.
pub fn command_name(command: &str) -> &str {
    let first = command.split_whitespace().next().unwrap_or("");
    if SWE_AGENT_COMMANDS.contains(&first) {
        first
    } else {
        "bash"
    }
}

/// Picks the text format of a conversation that has no structured tool calls.
pub(super) fn detect(messages: &[Message]) -> Format {
    let assistant = || messages.iter().filter(|m| m.role == Role::Assistant);
    if assistant().any(|m| !xml_calls(&m.content).is_empty()) {
        return Format::XmlFunctionCalls;
    }
    let n_assistant = assistant().count();
    let (mut n_shell, mut n_bare) = (0, 0);
    for message in assistant() {
        match last_action_block(&message.content) {
            Some(block) if block.language.is_empty() => n_bare += 1,
            Some(_) => n_shell += 1,
            None => {}
        }
    }
    // Most assistant messages of a text agent hold an action; a chat that merely shows a code
    // block now and then does not.
    if n_assistant == 0 || 2 * (n_shell + n_bare) < n_assistant {
        Format::PlainChat
    } else if n_shell >= n_bare {
        Format::MarkdownBash
    } else {
        Format::SweAgentText
    }
}

/// Adds the calls found in the text of assistant messages, for the given text format.
pub(super) fn infer_calls(format: Format, messages: &mut [Message]) {
    for message in messages.iter_mut().filter(|m| m.role == Role::Assistant) {
        match format {
            Format::XmlFunctionCalls => message.tool_calls = xml_calls(&message.content),
            Format::MarkdownBash | Format::SweAgentText => {
                if let Some(block) = last_action_block(&message.content) {
                    message.tool_calls = vec![block_call(&block)];
                }
            }
            _ => {}
        }
    }
}

/// A fenced code block: its language (empty for a bare fence) and its body.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct FencedBlock<'a> {
    pub(super) language: &'a str,
    pub(super) code: String,
}

/// The last fenced block whose language marks a shell action (or that has no language).
pub(super) fn last_action_block(text: &str) -> Option<FencedBlock<'_>> {
    fenced_blocks(text)
        .into_iter()
        .rev()
        .find(|block| block.language.is_empty() || SHELL_LANGUAGES.contains(&block.language))
}

/// Every fenced block of a text, in order. A block left open at the end of the text counts.
pub(super) fn fenced_blocks(text: &str) -> Vec<FencedBlock<'_>> {
    let mut blocks = Vec::new();
    let mut open: Option<(&str, Vec<&str>)> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        match open.as_mut() {
            None => {
                if let Some(language) = trimmed.strip_prefix("```") {
                    open = Some((language.trim(), Vec::new()));
                }
            }
            Some((language, body)) => {
                if trimmed == "```" {
                    blocks.push(FencedBlock { language, code: body.join("\n") });
                    open = None;
                } else {
                    body.push(line);
                }
            }
        }
    }
    if let Some((language, body)) = open {
        blocks.push(FencedBlock { language, code: body.join("\n") });
    }
    blocks
}

fn block_call(block: &FencedBlock<'_>) -> ToolCall {
    let command = block.code.trim_end().to_owned();
    let name = if block.language.is_empty() { command_name(&command) } else { "bash" };
    let mut arguments = Map::new();
    arguments.insert("command".to_owned(), Value::String(command.clone()));
    ToolCall::new(None, name.to_owned(), Value::Object(arguments), command, true)
}

/// Every XML-style call in a text: `<function=NAME>` up to `</function>` (or the end of the
/// text when the close tag is missing), with `<parameter=KEY>VALUE</parameter>` arguments.
pub(super) fn xml_calls(text: &str) -> Vec<ToolCall> {
    const OPEN: &str = "<function=";
    const CLOSE: &str = "</function>";
    let mut calls = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(name_end) = after.find('>') else { break };
        let name = after[..name_end].trim();
        let valid_name = !name.is_empty()
            && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
        let body_and_rest = &after[name_end + 1..];
        let (body, next) = match body_and_rest.find(CLOSE) {
            Some(end) => (&body_and_rest[..end], &body_and_rest[end + CLOSE.len()..]),
            None => (body_and_rest, ""),
        };
        if valid_name {
            let raw_end = rest.len() - next.len();
            calls.push(ToolCall::new(
                None,
                name.to_owned(),
                Value::Object(xml_parameters(body)),
                rest[start..raw_end].to_owned(),
                true,
            ));
        }
        rest = next;
    }
    calls
}

fn xml_parameters(body: &str) -> Map<String, Value> {
    const OPEN: &str = "<parameter=";
    const CLOSE: &str = "</parameter>";
    let mut parameters = Map::new();
    let mut rest = body;
    while let Some(start) = rest.find(OPEN) {
        let after = &rest[start + OPEN.len()..];
        let Some(key_end) = after.find('>') else { break };
        let key = after[..key_end].trim().to_owned();
        let value_and_rest = &after[key_end + 1..];
        let end = value_and_rest
            .find(CLOSE)
            .or_else(|| value_and_rest.find(OPEN))
            .unwrap_or(value_and_rest.len());
        let value = value_and_rest[..end].strip_prefix('\n').unwrap_or(&value_and_rest[..end]);
        let value = value.strip_suffix('\n').unwrap_or(value);
        parameters.insert(key, Value::String(value.to_owned()));
        rest = value_and_rest[end..].strip_prefix(CLOSE).unwrap_or(&value_and_rest[end..]);
    }
    parameters
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_call_with_multiline_parameter() {
        let calls = xml_calls(
            "Let me look.\n<function=str_replace_editor>\n<parameter=command>view</parameter>\n\
             <parameter=path>\n/testbed/a.py\n</parameter>\n</function>",
        );
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "str_replace_editor");
        assert_eq!(calls[0].arguments()["command"], "view");
        assert_eq!(calls[0].arguments()["path"], "/testbed/a.py");
        assert!(calls[0].raw_arguments.ends_with("</function>"));
    }

    #[test]
    fn xml_call_without_close_and_without_parameters() {
        let calls = xml_calls("<function=submit>\n");
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].name, "submit");
        assert_eq!(*calls[0].arguments(), Value::Object(Map::new()));
    }

    #[test]
    fn xml_text_that_is_not_a_call() {
        assert!(xml_calls("compare a <function=> b").is_empty());
        assert!(xml_calls("x <function=a b> y").is_empty());
    }

    #[test]
    fn last_shell_block_wins_and_other_languages_are_skipped() {
        let text = "THOUGHT: x\n```bash\nls\n```\nthen\n```python\nprint(1)\n```\n";
        let block = last_action_block(text).unwrap();
        assert_eq!((block.language, block.code.as_str()), ("bash", "ls"));
    }

    #[test]
    fn bare_block_names_swe_agent_commands() {
        let block = last_action_block("do it\n```\nedit 1:1\nfoo\nend_of_edit\n```").unwrap();
        let call = block_call(&block);
        assert_eq!(call.name, "edit");
        assert_eq!(block_call(&last_action_block("```\npython x.py\n```").unwrap()).name, "bash");
    }

    #[test]
    fn unclosed_block_counts() {
        assert_eq!(last_action_block("```bash\nls -la").unwrap().code, "ls -la");
    }
}
