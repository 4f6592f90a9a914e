//! Text into XML 1.0 without losing any of it.
//!
//! Run text comes from speech recognition and language models and may hold
//! anything. Every character XML 1.0 can carry is kept (tabs, line breaks and
//! carriage returns included, as character references where a parser would
//! otherwise normalise them away); every character it cannot carry, and every
//! control character that could start a terminal escape sequence, is written
//! visibly in its place (`\x1b`, `\u{fffe}`) so the text after it survives.
//!
//! This is a byte-table scan that copies safe runs whole, which is why the
//! JUnit writer uses it instead of quick-junit's serializer: that one strips
//! tabs, carriage returns and whole ANSI sequences (the text after a stray ESC
//! with them), passes U+FFFE through, and runs an escape-sequence parser over
//! every character, several times slower than this scan (the figures, from
//! `cargo bench --bench escape`, are in the README's "Performance" section).

/// Appends `text` escaped for element content.
pub fn push_text(out: &mut String, text: &str) {
    push(out, text, &TEXT)
}

/// Appends `text` escaped for a double-quoted attribute value.
pub(crate) fn push_attr(out: &mut String, text: &str) {
    push(out, text, &ATTR)
}

/// Appends `text` escaped for HTML, in element content or a quoted
/// attribute value alike: `&`, `<`, `>`, `"` and `'` become references,
/// so no run text can close an element, an attribute or a raw-text element
/// such as `<title>` or `<style>`.
pub(crate) fn push_html(out: &mut String, text: &str) {
    push(out, text, &HTML)
}

/// Bytes that need a look: the start of anything we rewrite.
const fn table(attr: bool) -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = true;
        b += 1;
    }
    t[b'\t' as usize] = attr;
    t[b'\n' as usize] = attr;
    t[b'&' as usize] = true;
    t[b'<' as usize] = true;
    t[b'>' as usize] = true;
    t[b'"' as usize] = attr;
    t[0x7f] = true;
    t[0xc2] = true; // lead byte of U+0080..=U+00BF: C1 controls live there
    t[0xef] = true; // lead byte of U+F000..=U+FFFF: U+FFFE and U+FFFF live there
    t
}

static TEXT: [bool; 256] = table(false);
static ATTR: [bool; 256] = table(true);
static HTML: [bool; 256] = {
    let mut t = table(false);
    t[b'"' as usize] = true;
    t[b'\'' as usize] = true;
    t
};

fn push(out: &mut String, text: &str, table: &[bool; 256]) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if !table[bytes[i] as usize] {
            i += 1;
            continue;
        }
        // `i` is at an ASCII byte or a UTF-8 lead byte, so a char boundary.
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let replacement: Option<&str> = match c {
            '&' => Some("&amp;"),
            '<' => Some("&lt;"),
            '>' => Some("&gt;"),
            '"' => Some("&quot;"),
            '\'' => Some("&#39;"),
            '\t' => Some("&#9;"),
            '\n' => Some("&#10;"),
            '\r' => Some("&#13;"),
            _ => None,
        };
        let needs_visible = matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}')
            || matches!(c, '\u{80}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}');
        if replacement.is_none() && !needs_visible {
            i += c.len_utf8();
            continue;
        }
        out.push_str(&text[start..i]);
        match replacement {
            Some(r) => out.push_str(r),
            None if (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            None => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
        i += c.len_utf8();
        start = i;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> String {
        let mut out = String::new();
        push_text(&mut out, s);
        out
    }

    fn attr(s: &str) -> String {
        let mut out = String::new();
        push_attr(&mut out, s);
        out
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(text("a<b>&c\"d'"), "a&lt;b&gt;&amp;c\"d'");
        assert_eq!(attr("a<b>&c\"d"), "a&lt;b&gt;&amp;c&quot;d");
    }

    #[test]
    fn html_escapes_both_quotes_everywhere() {
        let mut out = String::new();
        push_html(&mut out, "<img src=x onerror='a'>\"&</title>\t\n");
        assert_eq!(
            out,
            "&lt;img src=x onerror=&#39;a&#39;&gt;&quot;&amp;&lt;/title&gt;\t\n"
        );
    }

    #[test]
    fn tabs_and_line_breaks_survive() {
        assert_eq!(
            text("a\tb\nc\r\nd"),
            "a\tb\nc&#13;\nd",
            "text keeps them, CR as a reference"
        );
        assert_eq!(
            attr("a\tb\nc\rd"),
            "a&#9;b&#10;c&#13;d",
            "attributes would normalise them"
        );
    }

    #[test]
    fn unrepresentable_characters_are_shown_and_text_after_them_kept() {
        assert_eq!(
            text("red \u{1b}[31mALERT\u{1b}[0m end"),
            "red \\x1b[31mALERT\\x1b[0m end"
        );
        assert_eq!(
            text("nul\u{0}bell\u{7}del\u{7f}"),
            "nul\\x00bell\\x07del\\x7f"
        );
        assert_eq!(text("c1\u{9b}x"), "c1\\u{9b}x");
        assert_eq!(text("x\u{fffe}y\u{ffff}z"), "x\\u{fffe}y\\u{ffff}z");
    }

    #[test]
    fn other_unicode_is_copied_as_is() {
        let s = "naïve café ½ \u{a0} \u{ef00} \u{fffd} 😀 \u{10ffff} 日本語";
        assert_eq!(text(s), s);
    }
}
