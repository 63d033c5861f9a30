//! Tests of `domain::render`, what the trajectory reader shows: markdown made safe (hostile
//! inputs give only allowed tags and attributes), previews, diff rows with their line numbers
//! on real fixture patches, the timeline, message search and "copy as markdown".

use trajex::domain::patch::{self, FileChange, LineKind};
use trajex::domain::render::{
    self, diff_rows, markdown_to_safe_html, patch_view, DiffLine, DiffRow, N_TOOL_COLOURS,
};
use trajex::domain::trajectory::{Message, PatchText, Role, Trajectory};

// ---------------------------------------------------------------------------------------------
// Markdown

/// A tag found in rendered HTML: its name (lower case, `/name` for an end tag) and attributes.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
}

/// Reads every tag of `html`. In the sanitizer's output every `<` starts a tag (text `<` is
/// written `&lt;`), so this finds them all; attribute values are double-quoted.
fn tags(html: &str) -> Vec<Tag> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = tag_end(after).unwrap_or_else(|| panic!("unclosed tag in {html}"));
        let inside = &after[..end];
        let (name, mut attrs) = inside.split_once(' ').unwrap_or((inside, ""));
        let mut attributes = Vec::new();
        loop {
            attrs = attrs.trim_start();
            if attrs.is_empty() || attrs == "/" {
                break;
            }
            let (key, tail) = attrs.split_once("=\"").unwrap_or_else(|| panic!("attr in {inside}"));
            let close = tail.find('"').unwrap_or_else(|| panic!("attr value in {inside}"));
            attributes.push((key.to_ascii_lowercase(), tail[..close].to_owned()));
            attrs = &tail[close + 1..];
        }
        tags.push(Tag { name: name.trim_end_matches('/').to_ascii_lowercase(), attributes });
        rest = &after[end + 1..];
    }
    tags
}

/// The `>` that ends a tag, skipping quoted attribute values.
fn tag_end(text: &str) -> Option<usize> {
    let mut quoted = false;
    for (at, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '>' if !quoted => return Some(at),
            _ => {}
        }
    }
    None
}

const ALLOWED: [&str; 24] = [
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
];

/// Checks that `html` holds only allowed tags with allowed attribute values, and returns it.
fn assert_safe(markdown: &str) -> String {
    let html = markdown_to_safe_html(markdown);
    for tag in tags(&html) {
        let name = tag.name.trim_start_matches('/');
        assert!(ALLOWED.contains(&name), "tag <{}> in {html:?} from {markdown:?}", tag.name);
        for (key, value) in &tag.attributes {
            let ok = match (name, key.as_str()) {
                ("a", "href") => {
                    let lower = value.to_ascii_lowercase();
                    ["http://", "https://", "mailto:"].iter().any(|s| lower.starts_with(s))
                }
                ("a", "rel") => value == "noopener noreferrer nofollow",
                ("a", "target") => value == "_blank",
                ("a", "title") => true,
                ("code", "class") => value.strip_prefix("language-").is_some_and(|lang| {
                    (1..=20).contains(&lang.len())
                        && lang.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b)
                        })
                }),
                ("ol", "start") => value.bytes().all(|b| b.is_ascii_digit()),
                _ => false,
            };
            assert!(ok, "attribute {key}={value:?} on <{name}> in {html:?} from {markdown:?}");
        }
        if name == "a" && !tag.name.starts_with('/') {
            assert!(
                tag.attributes.iter().any(|(k, v)| k == "rel" && v.contains("noopener")),
                "link without rel in {html:?}"
            );
        }
    }
    for forbidden in ["<script", "<img", "<iframe", "<svg", "<style", "<object", "<!--", "<form"] {
        assert!(!html.to_ascii_lowercase().contains(forbidden), "{forbidden} in {html:?}");
    }
    html
}

#[test]
fn hostile_markdown_gives_only_allowed_markup() {
    let hostile = [
        "<script>alert(1)</script>",
        "before <script>alert(1)</script> after",
        "<img src=x onerror=alert(1)>",
        "<img src=x onerror=\"window.__pwned=1\">",
        "![alt](https://example.org/tracker.png)",
        "![x](javascript:alert(1))",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](jav&#x61;script:alert(1))",
        "[x](&#106;avascript:alert(1))",
        "[x](  javascript:alert(1) )",
        "[x](java\\script:alert(1))",
        "<javascript:alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "[x](vbscript:msgbox(1))",
        "[x](//evil.example/path)",
        "[x](/relative)",
        "[x](#anchor)",
        "<p style=\"background:url(https://evil.example/)\">styled</p>",
        "<span style=color:red>x</span>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<svg onload=alert(1)><circle/></svg>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
        "<!-- a comment --> text",
        "<!--><script>alert(1)</script>-->",
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&#60;img src=x onerror=alert(1)&#62;",
        "<div onclick=\"alert(1)\">\n\n*md*\n\n</div>",
        "<details open ontoggle=alert(1)>",
        "<form action=https://evil.example><input name=x><button>go</button></form>",
        "<style>body{display:none}</style>",
        "<base href=\"https://evil.example/\">",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "<link rel=stylesheet href=https://evil.example/x.css>",
        "<object data=x></object><embed src=x>",
        "```js\" onmouseover=\"alert(1)\ncode\n```",
        "```<script>\ncode\n```",
        "`<script>alert(1)</script>`",
        "| a | b |\n|:--|--:|\n| <img src=x onerror=alert(1)> | [y](javascript:z) |",
        "[x](https://example.org \"title\\\" onmouseover=\\\"alert(1)\")",
        "[ref]\n\n[ref]: javascript:alert(1)",
        "<scr<script>ipt>alert(1)</script>",
        "<<script>script>alert(1)<</script>/script>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    ];
    for markdown in hostile {
        let html = assert_safe(markdown);
        // No live `javascript:`, `data:` or `vbscript:` URL survives anywhere in an attribute.
        for tag in tags(&html) {
            for (_, value) in &tag.attributes {
                let lower = value.to_ascii_lowercase();
                assert!(!lower.contains("javascript:"), "{html:?}");
                assert!(!lower.contains("data:"), "{html:?}");
            }
        }
    }
}

#[test]
fn raw_html_shows_as_text() {
    let html = assert_safe("<img src=x onerror=\"window.__pwned=1\">");
    assert!(html.contains("&lt;img src=x onerror="), "{html}");
    let html = assert_safe("say <b>hi</b> & <script>alert(1)</script>");
    assert!(html.contains("&lt;b&gt;hi&lt;/b&gt; &amp; &lt;script&gt;"), "{html}");
    // An HTML block keeps its lines, as preformatted text.
    let html = assert_safe("<div>\n<p>x</p>\n</div>");
    assert!(html.starts_with("<pre><code>&lt;div&gt;\n"), "{html}");
}

#[test]
fn markdown_links_are_filtered_by_scheme() {
    let html = assert_safe("[x](javascript:alert(1))");
    assert!(!html.contains("href"), "{html}");
    assert!(!html.contains("javascript"), "{html}");
    let html = assert_safe("[x](jav&#x61;script:alert(1))");
    assert!(!html.contains("href"), "{html}");
    let html = assert_safe("[docs](https://example.org/a?b=1&c=2)");
    assert_eq!(
        html,
        "<p><a href=\"https://example.org/a?b=1&amp;c=2\" target=\"_blank\" \
         rel=\"noopener noreferrer nofollow\">docs</a></p>\n"
    );
    let html = assert_safe("<mailto:someone@example.org>");
    assert!(html.contains("href=\"mailto:someone@example.org\""), "{html}");
    // Images become links; nothing is loaded.
    let html = assert_safe("![a chart](https://example.org/chart.png)");
    assert!(html.contains("href=\"https://example.org/chart.png\""), "{html}");
    assert!(html.contains("image: a chart"), "{html}");
}

#[test]
fn plain_text_is_escaped() {
    assert_eq!(markdown_to_safe_html("a < b & c > d"), "<p>a &lt; b &amp; c &gt; d</p>\n");
    assert_eq!(markdown_to_safe_html("\"quoted\" 'single'"), "<p>\"quoted\" 'single'</p>\n");
    assert_eq!(markdown_to_safe_html(""), "");
    // Line breaks in a message stay line breaks.
    assert_eq!(markdown_to_safe_html("one\ntwo"), "<p>one<br>\ntwo</p>\n");
}

#[test]
fn markdown_formatting_is_kept() {
    let html =
        assert_safe("# Title\n\n**bold** *em* ~~gone~~ `code`\n\n- one\n- two\n\n3. three\n");
    for part in [
        "<h1>Title</h1>",
        "<strong>bold</strong>",
        "<em>em</em>",
        "<del>gone</del>",
        "<code>code</code>",
        "<li>one</li>",
        "<ol start=\"3\">",
    ] {
        assert!(html.contains(part), "{part} not in {html}");
    }
    let html = assert_safe("| a | b |\n|---|---|\n| 1 | 2 |\n");
    assert!(html.contains("<table>") && html.contains("<td>1</td>"), "{html}");
    let html = assert_safe("> quoted\n\n---\n");
    assert!(html.contains("<blockquote>") && html.contains("<hr"), "{html}");
}

#[test]
fn code_blocks_keep_only_a_clean_language() {
    let html = assert_safe("```python\nprint('<x>')\n```\n");
    assert_eq!(html, "<pre><code class=\"language-python\">print('&lt;x&gt;')\n</code></pre>\n");
    let html = assert_safe("```C++ extra words\nint x;\n```\n");
    assert!(html.contains("class=\"language-c++\""), "{html}");
    for info in ["js\" onmouseover=\"x", "a<b", "{.class}", "waytoolonglanguagename_x"] {
        let html = assert_safe(&format!("```{info}\ncode\n```\n"));
        assert!(!html.contains("class"), "{info}: {html}");
    }
}

// ---------------------------------------------------------------------------------------------
// Previews

#[test]
fn previews_of_long_texts() {
    let long = "line\n".repeat(10_000);
    assert!(render::is_long(&long));
    assert_eq!(render::count_lines(&long), 10_000);
    let (shown, truncated) = render::preview(&long, render::PREVIEW_LINES, render::PREVIEW_CHARS);
    assert!(truncated);
    assert_eq!(render::count_lines(shown), render::PREVIEW_LINES);
    let one_line = "é".repeat(1_000_000);
    assert!(render::is_long(&one_line));
    let (shown, truncated) = render::preview(&one_line, 10, 100);
    assert!(truncated);
    assert_eq!(shown.chars().count(), 100);
    assert!(!render::is_long("short\ntext\n"));
}

// ---------------------------------------------------------------------------------------------
// Diff rows

fn fixture_patch(name: &str) -> String {
    let path = format!("{}/tests/fixtures/patches/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The rows as `(sign, old, new, text)` for lines, `@@` headers and file paths, for comparing.
fn lines(rows: &[DiffRow]) -> Vec<(char, Option<u64>, Option<u64>, String)> {
    rows.iter()
        .filter_map(|row| match row {
            DiffRow::Line(DiffLine { kind, old_no, new_no, text, .. }) => {
                Some((kind.sign(), *old_no, *new_no, text.clone()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn diff_rows_number_lines_from_hunk_ranges() {
    let text = fixture_patch("open_swe_traces_4.diff");
    let (patch, diagnostics) = patch::parse(&text);
    // The fixture's lines end in CRLF and its last line has no newline; nothing else is wrong.
    let codes: Vec<&str> = diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, ["crlf_line_endings", "missing_final_newline"]);
    let rows = diff_rows(&patch);

    // Row kinds in order: file, hunk, 7 lines, hunk, 12 lines, file, hunk, 13 lines.
    let shape: String = rows
        .iter()
        .map(|row| match row {
            DiffRow::File(_) => 'F',
            DiffRow::Hunk { .. } => 'H',
            DiffRow::Line(_) => 'l',
            DiffRow::Note { .. } => 'n',
        })
        .collect();
    assert_eq!(shape, format!("FH{}H{}FH{}", "l".repeat(7), "l".repeat(12), "l".repeat(13)));

    let DiffRow::File(first) = &rows[0] else { panic!("{:?}", rows[0]) };
    assert_eq!(first.path, "mypy/server/astdiff.py");
    assert_eq!((first.change, first.n_added, first.n_removed), (FileChange::Modified, 7, 0));
    assert_eq!(first.change_name(), "modified");
    assert_eq!(
        rows[1],
        DiffRow::Hunk { header: "@@ -62,6 +62,7 @@ from mypy.types import (".into() }
    );

    let numbered = lines(&rows);
    let n = |old: u64, new: u64| (Some(old), Some(new));
    // First hunk: @@ -62,6 +62,7 @@
    assert_eq!((numbered[0].1, numbered[0].2), n(62, 62));
    assert_eq!((numbered[2].1, numbered[2].2), n(64, 64));
    assert_eq!(numbered[3], ('+', None, Some(65), "from mypy.nodes import ParamSpecExpr".into()));
    assert_eq!((numbered[4].1, numbered[4].2), n(65, 66));
    assert_eq!(
        numbered[6],
        (
            ' ',
            Some(67),
            Some(68),
            "# Snapshot representation of a symbol table node or type. The representation is"
                .into()
        )
    );
    // Second hunk: @@ -221,6 +222,12 @@, six added lines after three context lines.
    assert_eq!((numbered[7].1, numbered[7].2), n(221, 222));
    assert_eq!((numbered[9].1, numbered[9].2), n(223, 224));
    assert_eq!(
        numbered[10],
        ('+', None, Some(225), "    elif isinstance(node, ParamSpecExpr):".into())
    );
    assert_eq!(numbered[15].2, Some(230));
    assert_eq!(numbered[16], (' ', Some(224), Some(231), "    else:".into()));
    assert_eq!((numbered[18].1, numbered[18].2), n(226, 233));

    // Second file: new, @@ -0,0 +1,13 @@, the last line without a newline.
    let DiffRow::File(second) = &rows[22] else { panic!("{:?}", rows[22]) };
    assert_eq!(second.path, "reproduce_error.py");
    assert_eq!((second.change, second.change_name()), (FileChange::Added, "added"));
    let added = &numbered[19..];
    assert_eq!(added.len(), 13);
    for (i, line) in added.iter().enumerate() {
        assert_eq!((line.0, line.1, line.2), ('+', None, Some(i as u64 + 1)));
    }
    let DiffRow::Line(last) = rows.last().unwrap() else { panic!() };
    assert!(last.no_newline);
    assert_eq!(last.text, "print(\"Snapshot created successfully:\", snapshot)");
}

#[test]
fn diff_rows_of_removals_and_no_newline() {
    let (patch, _) = patch::parse(&fixture_patch("no_newline_both.diff"));
    let numbered = lines(&diff_rows(&patch));
    assert_eq!(
        numbered,
        vec![
            (' ', Some(1), Some(1), "first".into()),
            ('-', Some(2), None, "last".into()),
            ('+', None, Some(2), "second".into()),
            ('+', None, Some(3), "last!".into()),
        ]
    );

    let (patch, _) = patch::parse(&fixture_patch("sweagent_0.diff"));
    let rows = diff_rows(&patch);
    let numbered = lines(&rows);
    assert_eq!(numbered[0].0, ' ');
    assert_eq!((numbered[0].1, numbered[0].2), (Some(285), Some(285)));
    let removed: Vec<_> = numbered.iter().filter(|l| l.0 == '-').map(|l| l.1).collect();
    assert_eq!(removed, vec![Some(288), Some(289)]);
    let added: Vec<_> = numbered.iter().filter(|l| l.0 == '+').map(|l| l.2).collect();
    assert_eq!(added, vec![Some(288), Some(290), Some(291)]);
    let last = numbered.last().unwrap();
    assert_eq!((last.1, last.2), (Some(293), Some(294)));
}

#[test]
fn every_fixture_patch_numbers_like_its_hunk_headers() {
    let dir = format!("{}/tests/fixtures/patches", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "diff") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let (patch, _) = patch::parse(&text);
        let rows = diff_rows(&patch);
        let n_files = rows.iter().filter(|r| matches!(r, DiffRow::File(_))).count();
        assert_eq!(n_files, patch.n_files(), "{}", path.display());
        let hunks = patch.files.iter().flat_map(|f| &f.hunks);
        let mut numbered = lines(&rows).into_iter();
        for hunk in hunks {
            let (mut old, mut new) = (hunk.old.start, hunk.new.start);
            for line in &hunk.lines {
                let row = numbered.next().unwrap();
                assert_eq!(row.0, line.kind.sign());
                match line.kind {
                    LineKind::Context => {
                        assert_eq!((row.1, row.2), (Some(old), Some(new)), "{}", path.display());
                        old += 1;
                        new += 1;
                    }
                    LineKind::Removed => {
                        assert_eq!((row.1, row.2), (Some(old), None));
                        old += 1;
                    }
                    LineKind::Added => {
                        assert_eq!((row.1, row.2), (None, Some(new)));
                        new += 1;
                    }
                }
            }
        }
        assert!(numbered.next().is_none());
    }
}

#[test]
fn patch_views_say_where_an_inferred_patch_comes_from() {
    let patch = PatchText {
        text: fixture_patch("single_line_hunk.diff"),
        field: "messages/12".into(),
        inferred: true,
    };
    let view = patch_view(&patch);
    assert_eq!((view.n_files, view.n_added, view.n_removed), (1, 1, 1));
    assert_eq!(view.source_message, Some(12));
    assert!(view.inferred && !view.is_empty);
    let column = PatchText { text: " \n".into(), field: "patch".into(), inferred: false };
    let view = patch_view(&column);
    assert!(view.is_empty && view.rows.is_empty());
    assert_eq!(view.source_message, None);
}

#[test]
fn binary_and_renamed_files_get_header_rows() {
    let (patch, _) = patch::parse(&fixture_patch("binary_differ.diff"));
    let rows = diff_rows(&patch);
    assert!(matches!(&rows[0], DiffRow::File(file) if file.is_binary));
    assert!(matches!(&rows[1], DiffRow::Note { text } if text == "Binary file"));
    let (patch, _) = patch::parse(&fixture_patch("pure_rename.diff"));
    let rows = diff_rows(&patch);
    let DiffRow::File(file) = &rows[0] else { panic!("{rows:?}") };
    assert_eq!(file.change_name(), "renamed");
    assert!(file.from_path.is_some());
    let (patch, _) = patch::parse(&fixture_patch("mode_change.diff"));
    let DiffRow::File(file) = &diff_rows(&patch)[0] else { panic!() };
    assert!(file.mode_change.is_some(), "{file:?}");
}

// ---------------------------------------------------------------------------------------------
// Timeline, search, markdown export

fn demo_trajectory() -> Trajectory {
    let text = include_str!("fixtures/open_swe_traces/openhands_swegym.jsonl");
    let line = text.lines().next().unwrap();
    let row: serde_json::Value = serde_json::from_str(line).unwrap();
    trajex::domain::normalize(row, Default::default())
}

#[test]
fn timeline_has_one_mark_per_assistant_message() {
    let trajectory = demo_trajectory();
    let marks = render::timeline(&trajectory);
    let n_assistant =
        trajectory.messages.iter().filter(|message| message.role == Role::Assistant).count();
    assert_eq!(marks.len(), n_assistant);
    assert!(marks.len() > 3);
    for mark in &marks {
        let message = &trajectory.messages[mark.message_idx];
        assert_eq!(message.role, Role::Assistant);
        assert_eq!(mark.tools.len(), message.tool_calls.len());
        if let Some(colour) = mark.colour {
            assert!(colour < N_TOOL_COLOURS);
            assert_eq!(colour, render::tool_colour_index(&message.tool_calls[0].name));
        }
        assert!(mark.n_errors <= mark.result_idxs.len());
        assert!(mark.label().starts_with(&format!("#{}", mark.message_idx)));
    }
    let metrics = trajex::domain::TrajectoryMetrics::of(&trajectory);
    assert_eq!(marks.iter().map(|m| m.n_errors).sum::<usize>(), metrics.n_tool_errors);
}

#[test]
fn message_search_is_case_insensitive_over_text_reasoning_and_calls() {
    let mut message = Message::new(Role::Assistant, "Let me look at the Parser");
    message.reasoning = Some("Thinking about ÉTÉ".into());
    assert!(render::message_matches(&message, "parser"));
    assert!(render::message_matches(&message, "été"));
    assert!(render::message_matches(&message, ""));
    assert!(!render::message_matches(&message, "lexer"));
    let trajectory = demo_trajectory();
    let with_call = trajectory.messages.iter().find(|m| !m.tool_calls.is_empty()).unwrap();
    let name = with_call.tool_calls[0].name.to_uppercase();
    assert!(render::message_matches(with_call, &name));
}

#[test]
fn markdown_export_has_a_heading_per_message_and_fenced_calls() {
    let trajectory = demo_trajectory();
    let markdown = render::trajectory_to_markdown(&trajectory);
    for (idx, message) in trajectory.messages.iter().enumerate() {
        let heading = format!("\n## {idx}. {}", message.role);
        assert!(markdown.contains(&heading), "missing {heading:?}");
    }
    let n_calls = trajectory.messages.iter().map(|m| m.tool_calls.len()).sum::<usize>();
    assert_eq!(markdown.matches("**Tool call**").count(), n_calls);
    assert!(markdown.contains("```json\n{"));
    if trajectory.final_patch.is_some() {
        assert!(markdown.contains("## Final patch\n"));
        assert!(markdown.contains("```diff\ndiff --git"));
    }
    // Rendering the export itself is safe, whatever it holds.
    assert_safe(&markdown);
}

#[test]
fn markdown_export_of_a_hostile_trajectory_keeps_fences_closed() {
    let mut trajectory = Trajectory::empty(Default::default());
    let mut reasoning = Message::new(Role::Assistant, "text");
    reasoning.reasoning = Some("line one\n\nline two".into());
    trajectory.messages = vec![
        Message::new(Role::System, "```\n# not a heading\n```"),
        reasoning,
        Message::new(Role::Tool, "````\n## 9. fake heading\n"),
    ];
    let markdown = render::trajectory_to_markdown(&trajectory);
    assert!(markdown.contains("> **Reasoning**\n>\n> line one\n>\n> line two\n"), "{markdown}");
    assert!(markdown.contains("`````text\n````\n## 9. fake heading\n`````"), "{markdown}");
    assert!(!markdown.contains("\n## 9. fake heading\n\n"), "{markdown}");
}
