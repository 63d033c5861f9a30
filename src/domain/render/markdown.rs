//! Message markdown to HTML that is safe to insert into the page.
//!
//! Two steps. First pulldown-cmark renders CommonMark (with tables and strikethrough) while
//! the event stream is rewritten: raw HTML in the text is turned into text (so `<img ...>`
//! written by a model shows as written, and an HTML block shows as preformatted text), images
//! become plain links (nothing remote is loaded), and a code block keeps its language only when
//! it is a short `[a-z0-9_+-]` word; line breaks are kept (as in chat interfaces, a single
//! newline is a line break, not a space). Then ammonia cleans the result against a strict
//! allow-list: formatting tags only, links to `http`, `https` and `mailto` only (with
//! `rel="noopener noreferrer nofollow"`), no `style`, no event handlers, no comments. The second
//! step is a second line of defence: the first one already produces only allowed markup.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use ammonia::{Builder, UrlRelative};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, Options, Parser, Tag, TagEnd};

/// Tags kept by the sanitizer; everything else is removed (its text kept, see below).
const ALLOWED_TAGS: [&str; 24] = [
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

/// Tags removed together with their content.
const DROPPED_WITH_CONTENT: [&str; 16] = [
    "script", "style", "iframe", "frame", "frameset", "object", "embed", "template", "textarea",
    "select", "noscript", "noembed", "noframes", "svg", "math", "title",
];

/// The `rel` of every link.
const LINK_REL: &str = "noopener noreferrer nofollow";

/// Renders message markdown to HTML that passed a strict allow-list (see the module doc).
pub fn markdown_to_safe_html(text: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let events = Parser::new_ext(text, options).flat_map(|event| {
        let (first, second) = rewrite(event);
        std::iter::once(first).chain(second)
    });
    let mut html = String::with_capacity(text.len() + text.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    sanitizer().clean(&html).to_string()
}

/// The language of a fenced code block's info string (`rust`, `c++`, `shell-session`): its first
/// word in lower case, when it is 1 to 20 characters of `[a-z0-9_+-]`.
pub fn code_language(info: &str) -> Option<String> {
    let word = info.split(|c: char| c.is_whitespace() || c == ',' || c == '{').next()?;
    let language = word.to_ascii_lowercase();
    is_language(&language).then_some(language)
}

fn is_language(word: &str) -> bool {
    (1..=20).contains(&word.len())
        && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b))
}

/// One event of the markdown stream made safe, plus an event to insert after it.
fn rewrite(event: Event<'_>) -> (Event<'_>, Option<Event<'_>>) {
    match event {
        // A line break in a message is meant as one (chat text is not reflowed prose).
        Event::SoftBreak => (Event::HardBreak, None),
        // Raw HTML shows as the text it is.
        Event::Html(html) | Event::InlineHtml(html) => (Event::Text(html), None),
        Event::Start(Tag::HtmlBlock) => {
            (Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)), None)
        }
        Event::End(TagEnd::HtmlBlock) => (Event::End(TagEnd::CodeBlock), None),
        Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
            let language = code_language(&info).unwrap_or_default();
            (Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(CowStr::from(language)))), None)
        }
        // An image becomes a link to it, labelled by its alt text; nothing is loaded.
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => (
            Event::Start(Tag::Link { link_type, dest_url, title, id }),
            Some(Event::Text(CowStr::Borrowed("image: "))),
        ),
        Event::End(TagEnd::Image) => (Event::End(TagEnd::Link), None),
        other => (other, None),
    }
}

/// The sanitizer, built once.
fn sanitizer() -> &'static Builder<'static> {
    static SANITIZER: OnceLock<Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = Builder::empty();
        let tag_attributes: HashMap<&str, HashSet<&str>> = HashMap::from([
            ("a", HashSet::from(["href", "title"])),
            ("code", HashSet::from(["class"])),
            ("ol", HashSet::from(["start"])),
        ]);
        builder
            .tags(HashSet::from(ALLOWED_TAGS))
            .clean_content_tags(HashSet::from(DROPPED_WITH_CONTENT))
            .tag_attributes(tag_attributes)
            .tag_attribute_values(HashMap::new())
            .set_tag_attribute_values(HashMap::from([("a", HashMap::from([("target", "_blank")]))]))
            .generic_attributes(HashSet::new())
            .generic_attribute_prefixes(HashSet::new())
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .url_relative(UrlRelative::Deny)
            .link_rel(Some(LINK_REL))
            .allowed_classes(HashMap::new())
            .strip_comments(true)
            .id_prefix(None)
            .attribute_filter(filter_attribute);
        builder
    })
}

/// Keeps a `class` only when it names a code language, and `start` only when it is a number.
fn filter_attribute<'u>(element: &str, attribute: &str, value: &'u str) -> Option<Cow<'u, str>> {
    match (element, attribute) {
        ("code", "class") => {
            value.strip_prefix("language-").is_some_and(is_language).then_some(Cow::Borrowed(value))
        }
        ("ol", "start") => (value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Cow::Borrowed(value)),
        _ => Some(Cow::Borrowed(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages() {
        assert_eq!(code_language("rust").as_deref(), Some("rust"));
        assert_eq!(code_language("Python {.numberLines}").as_deref(), Some("python"));
        assert_eq!(code_language("c++,ignore").as_deref(), Some("c++"));
        assert_eq!(code_language(""), None);
        assert_eq!(code_language("a\"onmouseover=x"), None);
        assert_eq!(code_language(&"x".repeat(21)), None);
    }
}
