//! Long texts: when a text is long enough to be collapsed, how many lines it has, and the
//! preview shown while it is collapsed. Everything cuts on character boundaries and reads only
//! as far as it needs, so that a megabyte tool output costs no more than its first lines.

/// A text with more lines than this (lines) is long: shown collapsed by default.
pub const LONG_LINES: usize = 40;

/// A text with more characters than this (chars) is long: shown collapsed by default.
pub const LONG_CHARS: usize = 4_000;

/// Lines shown of a collapsed text (lines).
pub const PREVIEW_LINES: usize = 12;

/// Characters shown of a collapsed text (chars).
pub const PREVIEW_CHARS: usize = 1_500;

/// Whether `text` is long enough to be collapsed: more than [`LONG_LINES`] lines or more than
/// [`LONG_CHARS`] characters.
pub fn is_long(text: &str) -> bool {
    preview(text, LONG_LINES, LONG_CHARS).1
}

/// Lines of `text` (lines): a final line without a newline counts, a final newline does not
/// start another line; the empty text has none.
pub fn count_lines(text: &str) -> usize {
    let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
    newlines + usize::from(!text.is_empty() && !text.ends_with('\n'))
}

/// The start of `text`: at most `max_lines` lines (without the newline that ends the last one)
/// and at most `max_chars` characters, cut on a character boundary; and whether anything was
/// left out. A text within both limits comes back whole (a final newline is not "left out").
pub fn preview(text: &str, max_lines: usize, max_chars: usize) -> (&str, bool) {
    if max_lines == 0 {
        return ("", !text.is_empty());
    }
    let mut n_lines = 0;
    for (n_chars, (at, c)) in text.char_indices().enumerate() {
        if n_chars == max_chars {
            return (&text[..at], true);
        }
        if c == '\n' {
            n_lines += 1;
            if n_lines == max_lines {
                let rest = &text[at + 1..];
                return if rest.is_empty() { (text, false) } else { (&text[..at], true) };
            }
        }
    }
    (text, false)
}

/// The label of the button that expands a collapsed text: `Show all 1,234 lines`, or
/// `Show all 56,789 characters` for a text of few, long lines.
pub fn show_all_label(text: &str) -> String {
    let n_lines = count_lines(text);
    if n_lines > PREVIEW_LINES {
        format!("Show all {} lines", group_digits(n_lines))
    } else {
        format!("Show all {} characters", group_digits(text.chars().count()))
    }
}

/// The size of a text in words: `1 line`, `12 lines`, `1,234 lines`.
pub fn size_label(text: &str) -> String {
    match count_lines(text) {
        1 => "1 line".to_owned(),
        n => format!("{} lines", group_digits(n)),
    }
}

/// A count with thousands separators: `1,234,567`.
pub fn group_digits(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_lines() {
        assert_eq!(count_lines(""), 0);
        assert_eq!(count_lines("a"), 1);
        assert_eq!(count_lines("a\n"), 1);
        assert_eq!(count_lines("a\nb"), 2);
        assert_eq!(count_lines("\n\n"), 2);
    }

    #[test]
    fn previews_cut_on_lines_and_characters() {
        assert_eq!(preview("a\nb\nc", 2, 100), ("a\nb", true));
        assert_eq!(preview("a\nb\n", 2, 100), ("a\nb\n", false));
        assert_eq!(preview("a\nb", 2, 100), ("a\nb", false));
        assert_eq!(preview("héllo", 100, 2), ("hé", true));
        assert_eq!(preview("hé", 100, 2), ("hé", false));
        assert_eq!(preview("", 3, 3), ("", false));
        assert_eq!(preview("x", 0, 3), ("", true));
        assert_eq!(preview("x", 3, 0), ("", true));
    }

    #[test]
    fn labels() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_000), "1,000");
        assert_eq!(group_digits(1_234_567), "1,234,567");
        assert_eq!(show_all_label(&"x\n".repeat(1_000)), "Show all 1,000 lines");
        assert_eq!(show_all_label(&"x".repeat(5_000)), "Show all 5,000 characters");
        assert_eq!(size_label("one"), "1 line");
        assert_eq!(size_label("a\nb\n"), "2 lines");
    }

    #[test]
    fn long_texts() {
        assert!(!is_long(&"line\n".repeat(LONG_LINES)));
        assert!(is_long(&"line\n".repeat(LONG_LINES + 1)));
        assert!(!is_long(&"é".repeat(LONG_CHARS)));
        assert!(is_long(&"é".repeat(LONG_CHARS + 1)));
    }
}
