//! Lone UTF-16 surrogate escapes, made visible so one broken character does
//! not cost the whole answer.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Rewrites each lone UTF-16 surrogate escape (`"\ud800"` with no partner)
/// as the visible text `\u{d800}`. Such an escape is valid JSON grammar, and
/// encoders emit it (Python's `json.dumps` for a broken string), but it is
/// not Unicode, so serde refuses the whole answer for one bad character in
/// one transcript. Shown visibly, like the other characters XML cannot carry.
/// Borrows the text unchanged (no copy) when there is nothing to rewrite.
pub(crate) fn visible_lone_surrogates(body: &str) -> Cow<'_, str> {
    let bytes = body.as_bytes();
    if memchr::memmem::find(bytes, b"\\ud").is_none()
        && memchr::memmem::find(bytes, b"\\uD").is_none()
    {
        return Cow::Borrowed(body);
    }
    let unit = |at: usize| -> Option<u16> {
        let hex = bytes.get(at..at + 4)?;
        hex.iter().try_fold(0u16, |acc, b| {
            Some(acc * 16 + (*b as char).to_digit(16)? as u16)
        })
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut i = 0;
    // Backslashes only occur inside strings, so stepping escape by escape
    // keeps us in step: `\\ud800` is an escaped backslash, then text.
    while let Some(found) = memchr::memchr(b'\\', &bytes[i.min(bytes.len())..]) {
        let at = i + found;
        let code = match (bytes.get(at + 1), unit(at + 2)) {
            (Some(b'u'), Some(code)) => code,
            _ => {
                i = at + 2;
                continue;
            }
        };
        // How far this escape reaches (a pair is stepped over whole), and
        // whether it is a surrogate without its partner.
        let (reach, lone) = match code {
            0xD800..=0xDBFF => {
                let paired = bytes.get(at + 6..at + 8) == Some(b"\\u".as_slice())
                    && unit(at + 8).is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
                if paired { (12, false) } else { (6, true) }
            }
            0xDC00..=0xDFFF => (6, true),
            _ => (6, false),
        };
        if !lone {
            i = at + reach;
            continue;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(body.len() + 16));
        // `at` is a backslash and `at + 6` follows six ASCII bytes: both are
        // character boundaries.
        out.push_str(&body[copied..at]);
        let _ = write!(out, "\\\\u{{{code:x}}}");
        copied = at + 6;
        i = copied;
    }
    match out {
        None => Cow::Borrowed(body),
        Some(mut out) => {
            out.push_str(&body[copied..]);
            Cow::Owned(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_surrogates_are_shown_visibly_and_pairs_kept() {
        let cases = [
            (r#"A \ud800 B"#, r#"A \\u{d800} B"#),
            (r#"\uDC00 low first"#, r#"\\u{dc00} low first"#),
            (
                r#"high then high \uD83D\ud83d\ude00"#,
                r#"high then high \\u{d83d}\ud83d\ude00"#,
            ),
            (r#"at the end \ud800"#, r#"at the end \\u{d800}"#),
            (r#"é \ud800\u0041"#, r#"é \\u{d800}\u0041"#),
        ];
        for (text, expected) in cases {
            assert_eq!(visible_lone_surrogates(text), expected, "{text}");
        }
        for untouched in [
            r#"a pair \ud83d\ude00 stays"#,
            r#"an escaped backslash \\ud800 is text"#,
            r#"no escapes at all"#,
            r#"cut short \ud8"#,
            r#"\"#,
        ] {
            assert!(
                matches!(visible_lone_surrogates(untouched), Cow::Borrowed(_)),
                "{untouched}"
            );
        }
    }
}
