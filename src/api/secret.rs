//! Finding the API key in text the API sent, in every form it can take
//! there: as typed, JSON-escaped (`\/`, `\u002B`, `\"`) and percent-encoded
//! (a redirect's `Location`, a URL in an error page), each byte of the key
//! in any of those forms independently, so that an encoder that leaves `/`
//! alone (Python's `quote`) or escapes only `+` (.NET's JSON) is covered
//! too. One scan over the text, and none for a key too short to look for.

use std::borrow::Cow;

/// What the key is replaced by.
pub const HIDDEN: &str = "[the API key]";

/// A key shorter than this is not looked for: hiding every `a` of a message
/// for a test key `a` would garble it, and real keys are long.
pub const SHORTEST: usize = 4;

/// The longest a key byte gets when encoded (`\u002B`).
const WIDEST: usize = 6;

/// A key to look for.
#[derive(Clone, PartialEq, Eq)]
pub struct Pattern {
    key: Box<[u8]>,
    /// How many of its first bytes no encoder changes (letters, digits,
    /// `-._~`): a match starts with them as typed, so they anchor the scan.
    anchor: usize,
}

impl Pattern {
    /// `None` for a key too short to look for.
    pub fn new(key: &str) -> Option<Pattern> {
        if key.len() < SHORTEST {
            return None;
        }
        let anchor = key.bytes().take_while(|b| unreserved(*b)).count();
        Some(Pattern {
            key: key.as_bytes().into(),
            anchor,
        })
    }

    /// The most bytes a match can span.
    pub fn widest(&self) -> usize {
        self.key.len() * WIDEST
    }

    /// Where the match starting at `at` ends, if one does.
    fn match_at(&self, bytes: &[u8], at: usize) -> Option<usize> {
        self.key.iter().try_fold(at, |i, &k| one_byte(bytes, i, k))
    }
}

/// Bytes that percent-encoding (RFC 3986) and JSON leave as they are.
fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Where the key byte `k`, found at `i` as typed or encoded, ends.
fn one_byte(bytes: &[u8], i: usize, k: u8) -> Option<usize> {
    let b = *bytes.get(i)?;
    let encoded = match b {
        b'%' => bytes
            .get(i + 1..i + 3)
            .and_then(hex)
            .filter(|v| *v == u32::from(k))
            .map(|_| i + 3),
        b'\\' => match bytes.get(i + 1) {
            Some(b'u') => bytes
                .get(i + 2..i + 6)
                .and_then(hex)
                .filter(|v| *v == u32::from(k) && k.is_ascii())
                .map(|_| i + 6),
            Some(c) if *c == k && matches!(k, b'/' | b'"' | b'\\') => Some(i + 2),
            _ => None,
        },
        _ => None,
    };
    encoded.or_else(|| (b == k).then_some(i + 1))
}

/// Hex digits, either case, as a number.
fn hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| {
        let v = char::from(*d).to_digit(16)?;
        Some(n * 16 + v)
    })
}

/// `text` with every form of the key replaced by [`HIDDEN`]; borrowed (no
/// copy) when it holds none. A match right after an odd run of backslashes
/// is left alone: it starts inside a JSON escape (`\n...`), so the text
/// does not hold the key there, and replacing it would break the escape.
pub fn hide<'a>(text: &'a str, pattern: Option<&Pattern>) -> Cow<'a, str> {
    let Some(pattern) = pattern else {
        return Cow::Borrowed(text);
    };
    let bytes = text.as_bytes();
    let starts: Box<dyn Iterator<Item = usize> + '_> = if pattern.anchor > 0 {
        Box::new(memchr::memmem::find_iter(
            bytes,
            &pattern.key[..pattern.anchor],
        ))
    } else {
        Box::new(memchr::memchr3_iter(pattern.key[0], b'%', b'\\', bytes))
    };
    let mut out: Option<String> = None;
    let mut copied = 0;
    for at in starts {
        if at < copied || escaped(bytes, at) {
            continue;
        }
        let Some(end) = pattern.match_at(bytes, at) else {
            continue;
        };
        let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
        // A match starts and ends at ASCII bytes or at the key's own ends,
        // so both are char boundaries.
        out.push_str(&text[copied..at]);
        out.push_str(HIDDEN);
        copied = end;
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

    fn hidden(text: &str, key: &str) -> String {
        hide(text, Pattern::new(key).as_ref()).into_owned()
    }

    #[test]
    fn every_form_is_hidden_in_one_pass() {
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
            assert_eq!(hidden(text, KEY), want, "{text}");
        }
        for untouched in ["vk+S3C/RET=9f8", r"\vk+S3C/RET=9f8e", "nothing", "vk%2"] {
            let pattern = Pattern::new(KEY);
            assert!(
                matches!(hide(untouched, pattern.as_ref()), Cow::Borrowed(_)),
                "{untouched}"
            );
        }
    }

    #[test]
    fn partly_encoded_keys_are_hidden_too() {
        for text in [
            // Python's urllib.parse.quote leaves `/` as typed.
            "vk%2BS3C/RET%3D9f8e",
            // .NET's JSON escapes `+`; another escapes `/` as \u002f.
            r"vk\u002BS3C/RET=9f8e",
            r"vk+S3C\u002fRET=9f8e",
            // Mixed case and mixed forms in one key.
            r"vk%2bS3C\/RET%3d9f8e",
        ] {
            assert_eq!(hidden(text, KEY), HIDDEN, "{text}");
        }
        assert_eq!(
            hidden(r"vk\u002BS3C/RET=9f8", KEY),
            r"vk\u002BS3C/RET=9f8",
            "one byte short is not the key"
        );
    }

    #[test]
    fn a_key_starting_with_a_special_character_is_found_in_every_form() {
        let text = r#"x /abc= y \/abc= z %2Fabc%3D w %2fabc%3d v \u002Fabc\u003d"#;
        assert_eq!(
            hidden(text, "/abc="),
            "x [the API key] y [the API key] z [the API key] w [the API key] v [the API key]"
        );
        assert!(Pattern::new("abc").is_none(), "too short to look for");
        let quote = r#"say \"abc\" and "abc" and %22abc"#;
        assert_eq!(
            hidden(quote, "\"abc"),
            r#"say [the API key]\" and [the API key]" and [the API key]"#
        );
    }
}
