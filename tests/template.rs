//! Chat templates (domain::template) against Python's jinja2 rendering them the way transformers'
//! `apply_chat_template` does: real templates (Qwen2.5, Qwen3, DeepSeek-V3 from
//! tests/fixtures/templates) over fixture trajectories, byte for byte, with the assistant spans;
//! small templates for the Python behaviours templates lean on; errors; the `text` export.
//! Expected outputs come from scripts/expected-template-renders.py.

mod common;

use std::time::Instant;

use serde_json::{json, Value};
use trajex::domain::export::{sft_record, text_record, ExportFormat, SftOptions};
use trajex::domain::template::{
    ChatTemplate, RenderOptions, SpanProblem, TemplateError, TemplateErrorKind,
};

fn config(name: &str) -> Value {
    let bytes = common::fixture_bytes(&format!("templates/{name}/tokenizer_config.json"));
    serde_json::from_slice(&bytes).unwrap()
}

fn template(name: &str) -> ChatTemplate {
    ChatTemplate::from_tokenizer_config(&config(name)).unwrap()
}

fn expected(file: &str) -> Vec<Value> {
    let bytes = common::fixture_bytes(&format!("templates/{file}"));
    String::from_utf8(bytes)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Panics with the first differing position and some context.
fn assert_same_text(actual: &str, expected: &str, what: &str) {
    if actual == expected {
        return;
    }
    let at = actual.bytes().zip(expected.bytes()).take_while(|(a, b)| a == b).count();
    let context = |text: &str| {
        let start = at.saturating_sub(80);
        let end = (at + 80).min(text.len());
        String::from_utf8_lossy(&text.as_bytes()[start..end]).into_owned()
    };
    panic!(
        "{what}: renders differ at byte {at} (lengths {} vs {} expected)\n--- minijinja:\n{:?}\n--- jinja2:\n{:?}\n\
         (if sft_record changed, regenerate with python3 scripts/expected-template-renders.py)",
        actual.len(),
        expected.len(),
        context(actual),
        context(expected)
    );
}

#[test]
fn real_templates_render_fixture_trajectories_like_jinja2() {
    let cases = expected("expected_renders.jsonl");
    assert!(cases.len() >= 18, "expected renders missing");
    let options = RenderOptions::default();
    for case in cases {
        let name = case["template"].as_str().unwrap();
        let fixture = case["fixture"].as_str().unwrap();
        let row = case["row"].as_u64().unwrap() as usize;
        let what = format!("{name} on {fixture} row {row}");
        let trajectory = &common::trajectories(fixture)[row];
        let result = template(name).training_text(trajectory, &options, usize::MAX);
        let Some(text) = case["text"].as_str() else {
            assert!(
                result.is_err(),
                "{what}: jinja2 failed ({}) but minijinja rendered",
                case["error"]
            );
            continue;
        };
        let training = result.unwrap_or_else(|error| panic!("{what}: {error}"));
        assert_same_text(&training.text, text, &what);
        let spans: Vec<Value> = training
            .spans
            .iter()
            .map(|span| json!([span.message_idx, span.bytes.start, span.bytes.end]))
            .collect();
        assert_eq!(Value::Array(spans), case["spans"], "{what}: spans");
        let unstable: Vec<Value> = training
            .problems
            .iter()
            .filter(|p| {
                matches!(p, SpanProblem::PromptNotPrefix { .. } | SpanProblem::TurnNotPrefix { .. })
            })
            .map(|p| json!(p.message_idx()))
            .collect();
        assert_eq!(Value::Array(unstable), case["unstable"], "{what}: unstable messages");
        for span in &training.spans {
            let chars = training.text.chars().take(span.chars.end).skip(span.chars.start);
            assert!(chars.eq(training.text[span.bytes.clone()].chars()), "{what}: char range");
        }
    }
}

#[test]
fn python_behaviours_match_jinja2() {
    for case in expected("expected_snippets.jsonl") {
        let source = case["source"].as_str().unwrap();
        let messages = case["messages"].as_array().unwrap();
        let result = ChatTemplate::from_source(source, None, None)
            .and_then(|t| t.render(messages, None, &RenderOptions::default()));
        match (case["text"].as_str(), result) {
            (Some(text), Ok(actual)) => assert_same_text(&actual, text, source),
            (Some(_), Err(error)) => panic!("{source}: jinja2 rendered, minijinja failed: {error}"),
            (None, Ok(actual)) => {
                panic!("{source}: jinja2 failed ({}), minijinja gave {actual:?}", case["error"])
            }
            (None, Err(_)) => {}
        }
    }
}

#[test]
fn qwen2_5_marks_assistant_turns_exactly() {
    let trajectory = &common::trajectories("templates/reasoning_rows.jsonl")[0];
    let training = template("qwen2_5")
        .training_text(trajectory, &RenderOptions::default(), usize::MAX)
        .unwrap();
    assert!(training.spans_complete(), "{:?}", training.span_summary());
    assert_eq!(training.assistant_messages, 3);
    let spans: Vec<&str> = training.span_texts().collect();
    assert!(
        spans[0].starts_with("<tool_call>\n{\"name\": \"str_replace_editor\""),
        "{:?}",
        spans[0]
    );
    assert!(spans.iter().all(|span| span.ends_with("<|im_end|>\n")), "{spans:?}");
    assert_eq!(spans[2], "`divide(1, 0)` now returns None.<|im_end|>\n");
    // Every span starts right after an assistant header, and nothing else is highlighted.
    for span in &training.spans {
        assert!(training.text[..span.bytes.start].ends_with("<|im_start|>assistant\n"));
    }
    let highlighted: usize =
        training.segments().iter().filter(|(_, on)| *on).map(|(r, _)| r.len()).sum();
    assert_eq!(highlighted, training.span_bytes());
    let covered: usize = training.segments().iter().map(|(r, _)| r.len()).sum();
    assert_eq!(covered, training.text.len());
    // Arguments are objects, printed by tojson as Python would.
    assert!(training.text.contains(r#""arguments": {"command": "python -c 'import calc; print(calc.divide(1, 0))'", "timeout": 30.5}"#));
}

#[test]
fn qwen3_keeps_reasoning_and_says_where_it_is_not_prefix_stable() {
    let trajectories = common::trajectories("templates/reasoning_rows.jsonl");
    let qwen3 = template("qwen3");
    let first =
        qwen3.training_text(&trajectories[0], &RenderOptions::default(), usize::MAX).unwrap();
    assert!(first.text.contains(
        "<think>\nI should look at calc.py first.\nThe bug is probably in divide().\n</think>\n\n"
    ));
    assert!(first.spans_complete());
    // Row 2 has a second user query: Qwen3 drops the reasoning of turns before it once it
    // exists, so those turns are not prefix-stable.
    let second =
        qwen3.training_text(&trajectories[1], &RenderOptions::default(), usize::MAX).unwrap();
    assert!(!second.text.contains("Je cherche avec grep."));
    assert!(second.text.contains("<think>\nMême méthode.\n</think>"));
    let summary = second.span_summary().unwrap();
    assert!(summary.contains("not prefix-stable at messages 2, 4"), "{summary}");
    assert!(summary.contains("2 of 4 assistant messages"), "{summary}");
}

#[test]
fn enable_thinking_and_generation_prompt_reach_the_template() {
    let qwen3 = template("qwen3");
    let messages = [json!({"role": "user", "content": "hi"})];
    let off = RenderOptions {
        add_generation_prompt: true,
        enable_thinking: Some(false),
        ..Default::default()
    };
    let text = qwen3.render(&messages, None, &off).unwrap();
    assert_eq!(
        text,
        "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n"
    );
    let on = RenderOptions { add_generation_prompt: true, ..Default::default() };
    assert!(qwen3.render(&messages, None, &on).unwrap().ends_with("<|im_start|>assistant\n"));
}

#[test]
fn config_forms_and_special_tokens() {
    // DeepSeek-V3 writes its tokens as AddedToken objects.
    let deepseek = template("deepseek_v3");
    assert_eq!(deepseek.special_token("bos_token"), Some("<｜begin▁of▁sentence｜>"));
    let text = deepseek
        .render(&[json!({"role": "user", "content": "hi"})], None, &RenderOptions::default())
        .unwrap();
    assert_eq!(text, "<｜begin▁of▁sentence｜><｜User｜>hi");
    assert_eq!(template("qwen2_5").special_token("eos_token"), Some("<|im_end|>"));

    // A list of named templates: `default`, and `tool_use` when there are tools.
    let listed = json!({
        "chat_template": [
            {"name": "tool_use", "template": "T{{ tools | length }}{{ bos_token }}"},
            {"name": "default", "template": "D{{ messages | length }}{{ eos_token }}"}
        ],
        "bos_token": {"content": "<s>", "lstrip": false},
        "eos_token": "</s>"
    });
    let chat = ChatTemplate::from_tokenizer_config(&listed).unwrap();
    assert_eq!(chat.names(), ["tool_use", "default"]);
    let messages = [json!({"role": "user", "content": "x"})];
    let tools = [json!({"type": "function", "function": {"name": "f"}})];
    let options = RenderOptions::default();
    assert_eq!(chat.render(&messages, None, &options).unwrap(), "D1</s>");
    assert_eq!(chat.render(&messages, Some(&[]), &options).unwrap(), "D1</s>");
    assert_eq!(chat.render(&messages, Some(&tools), &options).unwrap(), "T1<s>");
    // No `default`: the first.
    let first =
        json!({"chat_template": [{"name": "a", "template": "A"}, {"name": "b", "template": "B"}]});
    assert_eq!(
        ChatTemplate::from_tokenizer_config(&first)
            .unwrap()
            .render(&messages, None, &options)
            .unwrap(),
        "A"
    );

    let missing = ChatTemplate::from_tokenizer_config(&json!({"eos_token": "</s>"})).unwrap_err();
    assert_eq!(missing.kind, TemplateErrorKind::Missing);
    assert!(missing.to_string().contains("no chat_template"), "{missing}");
    for bad in [
        json!({"chat_template": 3}),
        json!({"chat_template": [{"name": "x"}]}),
        json!({"chat_template": []}),
    ] {
        let error = ChatTemplate::from_tokenizer_config(&bad).unwrap_err();
        assert_eq!(error.kind, TemplateErrorKind::BadConfig, "{bad}");
    }
}

#[test]
fn template_errors_say_what_and_where() {
    let syntax = ChatTemplate::from_source(
        "line one\n{% for m in messages %}\n{{ m.content }\n{% endfor %}",
        None,
        None,
    )
    .unwrap_err();
    assert_eq!(syntax.kind, TemplateErrorKind::Syntax);
    assert_eq!(syntax.line, Some(3), "{syntax:?}");
    assert!(
        syntax
            .to_string()
            .starts_with("chat template syntax error (template line 3): syntax error: "),
        "{syntax}"
    );

    let unclosed = ChatTemplate::from_source("{% if messages %}\nx", None, None).unwrap_err();
    assert_eq!(unclosed.kind, TemplateErrorKind::Syntax);

    let source = "{%- for m in messages %}\n{%- if m.role not in ['user', 'assistant'] %}\n{{- raise_exception('Only user and assistant roles are supported, not ' + m.role) }}\n{%- endif %}\n{%- endfor %}";
    let chat = ChatTemplate::from_source(source, None, None).unwrap();
    let error: TemplateError = chat
        .render(
            &[json!({"role": "user", "content": "a"}), json!({"role": "tool", "content": "b"})],
            None,
            &RenderOptions::default(),
        )
        .unwrap_err();
    assert_eq!(error.kind, TemplateErrorKind::Raised);
    assert_eq!(error.message, "Only user and assistant roles are supported, not tool");
    assert_eq!(error.line, Some(3));
    assert_eq!(
        error.to_string(),
        "the chat template refused this conversation (template line 3): Only user and assistant roles are supported, not tool"
    );

    let type_error = ChatTemplate::from_source("a\n{{ messages[0].content + 1 }}", None, None)
        .unwrap()
        .render(&[json!({"role": "user", "content": "x"})], None, &RenderOptions::default())
        .unwrap_err();
    assert_eq!(type_error.kind, TemplateErrorKind::Render);
    assert_eq!(type_error.line, Some(2));

    // The core has no clock: strftime_now needs the caller's time.
    let dated =
        ChatTemplate::from_source("Today: {{ strftime_now('%d %b %Y') }}", None, None).unwrap();
    let no_clock = dated.render(&[], None, &RenderOptions::default()).unwrap_err();
    assert!(no_clock.message.contains("no current date"), "{no_clock}");
    let now = RenderOptions { now_unix_seconds: Some(1_721_952_000), ..Default::default() };
    assert_eq!(dated.render(&[], None, &now).unwrap(), "Today: 26 Jul 2024");
}

#[test]
fn row_text_is_data_never_template() {
    let chat = template("qwen2_5");
    let hostile = "{{ raise_exception('boom') }}{% for x in range(10) %}x{% endfor %}<script>&amp;";
    let messages = [json!({"role": "user", "content": hostile})];
    let text = chat.render(&messages, None, &RenderOptions::default()).unwrap();
    assert!(text.contains(hostile), "{text}");
}

#[test]
fn text_export_writes_the_rendered_text() {
    let chat = template("qwen2_5");
    let trajectory = &common::trajectories("templates/reasoning_rows.jsonl")[0];
    let record = text_record(trajectory, &chat, &RenderOptions::default()).unwrap();
    let keys: Vec<&String> = record.as_object().unwrap().keys().collect();
    assert_eq!(keys[0], "text");
    let sft = sft_record(trajectory, SftOptions::default()).unwrap();
    assert_eq!(record["text"], chat.render_record(&sft, &RenderOptions::default()).unwrap());
    assert_eq!(record["instance_id"], "example__calc-1");
    assert_eq!(ExportFormat::parse("text"), Some(ExportFormat::Text));
    assert_eq!(ExportFormat::Text.as_str(), "text");

    let refusing =
        ChatTemplate::from_source("{{ raise_exception('no tools here') }}", None, None).unwrap();
    let skip = text_record(trajectory, &refusing, &RenderOptions::default()).unwrap_err();
    assert_eq!(skip.as_str(), "template_raised");
}

/// A long agent run: the tool-call rounds of the biggest fixture row repeated up to 400 messages.
#[test]
fn spans_of_a_400_message_trajectory_stay_cheap() {
    let mut trajectory = common::trajectories("open_swe_traces/openhands_swegym.jsonl")
        .into_iter()
        .max_by_key(|t| t.messages.len())
        .unwrap();
    let rounds: Vec<_> = trajectory.messages[2..].to_vec();
    while trajectory.messages.len() < 400 {
        let room = 400 - trajectory.messages.len();
        trajectory.messages.extend(rounds.iter().take(room).cloned());
    }
    let chat = template("qwen2_5");
    let started = Instant::now();
    let training = chat.training_text(&trajectory, &RenderOptions::default(), 512 << 20).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "400 messages, {} bytes of text, {} assistant spans: {:?} ({} build)",
        training.text.len(),
        training.spans.len(),
        elapsed,
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    assert!(training.assistant_messages >= 150);
    assert!(training.spans_complete(), "{:?}", training.span_summary());

    // A small budget stops early and says so.
    let capped = chat.training_text(&trajectory, &RenderOptions::default(), 1 << 20).unwrap();
    assert!(!capped.spans_complete());
    assert!(capped.span_summary().unwrap().contains("size budget"));
    assert!(capped.spans.len() < training.spans.len());
    assert_eq!(capped.spans[..], training.spans[..capped.spans.len()]);
}
