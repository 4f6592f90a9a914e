//! Finding the API key in text the API sent, in the forms it can take there:
//! as typed, JSON-escaped (`/` as `\/`) and percent-encoded (a redirect's
//! `Location`, a URL in an error page). One scan over the text, whatever
//! the number of forms, and none for a key too short to look for.

use std::borrow::Cow;

/// What the key is replaced by.
pub const HIDDEN: &str = "[the API key]";

/// A key shorter than this is not looked for: hiding every `a` of a message
/// for a test key `a` would garble it, and real keys are long.
pub const SHORTEST: usize = 4;

/// The forms of a key, longest first, without repeats; empty for a key too
/// short to look for.
pub fn forms(key: &str) -> Vec<String> {
    if key.len() < SHORTEST {
        return Vec::new();
    }
    let json = key
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('/', "\\/");
    let mut forms = vec![
        key.to_owned(),
        json,
        percent(key, "0123456789ABCDEF"),
        percent(key, "0123456789abcdef"),
    ];
    forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
    let mut unique: Vec<String> = Vec::with_capacity(forms.len());
    for form in forms {
        if !unique.contains(&form) {
            unique.push(form);
        }
    }
    unique
}

/// Percent-encoding of every byte but the unreserved ones (RFC 3986).
fn percent(key: &str, digits: &str) -> String {
    let digits = digits.as_bytes();
    let mut out = String::with_capacity(key.len() * 3);
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(digits[usize::from(b >> 4)] as char);
            out.push(digits[usize::from(b & 0xf)] as char);
        }
    }
    out
}

/// `text` with every form of the key replaced by [`HIDDEN`]; borrowed (no
/// copy) when it holds none. A match right after an odd run of backslashes
/// is left alone: it starts inside a JSON escape (`\n...`), so the text
/// does not hold the key there, and replacing it would break the escape.
pub fn hide<'a>(text: &'a str, forms: &[String]) -> Cow<'a, str> {
    let Some(first) = forms.first() else {
        return Cow::Borrowed(text);
    };
    let bytes = text.as_bytes();
    // Where a match can start: the forms' common prefix, or (when they start
    // differently: a key beginning with `/`, say) any of their first bytes.
    let prefix_len = forms.iter().fold(first.len(), |n, f| {
        first
            .bytes()
            .zip(f.bytes())
            .take(n)
            .take_while(|(a, b)| a == b)
            .count()
    });
    let starts: Box<dyn Iterator<Item = usize> + '_> = if prefix_len > 0 {
        Box::new(memchr::memmem::find_iter(
            bytes,
            &first.as_bytes()[..prefix_len],
        ))
    } else {
        let mut heads: Vec<u8> = forms.iter().filter_map(|f| f.bytes().next()).collect();
        heads.dedup();
        heads.resize(3, heads[0]);
        Box::new(memchr::memchr3_iter(heads[0], heads[1], heads[2], bytes))
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    for at in starts {
        if at < copied || escaped(bytes, at) {
            continue;
        }
        let Some(form) = forms.iter().find(|f| bytes[at..].starts_with(f.as_bytes())) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        // `at` starts a match of an ASCII-led form, so it is a char boundary.
        out.push_str(&text[copied..at]);
        out.push_str(HIDDEN);
        copied = at + form.len();
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Whether the byte at `at` follows an odd run of backslashes.
fn escaped(bytes: &[u8], at: usize) -> bool {
    bytes[..at]
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count()
        % 2
        == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "vk+S3C/RET=9f8e";

    #[test]
    fn every_form_is_hidden_in_one_pass() {
        let forms = forms(KEY);
        assert_eq!(
            forms,
            [
                "vk%2BS3C%2FRET%3D9f8e",
                "vk%2bS3C%2fRET%3d9f8e",
                "vk+S3C\\/RET=9f8e",
                "vk+S3C/RET=9f8e"
            ]
        );
        for (text, want) in [
            ("a vk+S3C/RET=9f8e b", "a [the API key] b"),
            (r#"{"d": "vk+S3C\/RET=9f8e"}"#, r#"{"d": "[the API key]"}"#),
            ("/?k=vk%2BS3C%2FRET%3D9f8e&x", "/?k=[the API key]&x"),
            (
                "vk%2bS3C%2fRET%3d9f8evk+S3C/RET=9f8e",
                "[the API key][the API key]",
            ),
            ("caf\u{e9} vk+S3C/RET=9f8e", "caf\u{e9} [the API key]"),
            (r"\\vk+S3C/RET=9f8e", r"\\[the API key]"),
        ] {
            assert_eq!(hide(text, &forms), want, "{text}");
        }
        for untouched in ["vk+S3C/RET=9f8", r"\vk+S3C/RET=9f8e", "nothing"] {
            assert!(
                matches!(hide(untouched, &forms), Cow::Borrowed(_)),
                "{untouched}"
            );
        }
    }

    #[test]
    fn a_key_starting_with_a_special_character_is_found_in_every_form() {
        let forms = forms("/abc=");
        let text = r#"x /abc= y \/abc= z %2Fabc%3D w %2fabc%3d"#;
        assert_eq!(
            hide(text, &forms),
            "x [the API key] y [the API key] z [the API key] w [the API key]"
        );
        assert!(super::forms("abc").is_empty(), "too short to look for");
    }
}
