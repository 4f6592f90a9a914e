//! The shared comment's layout: a hidden marker that finds it, then one
//! section per gate between hidden markers that name its key. Replacing one
//! section keeps every other byte for byte, in a stable order (by key).
//!
//! Keys are escaped (only `A-Z a-z 0-9 . _` kept, every other byte as
//! `%XX`), so no key can hold `--`, `>` or a space: none can end a marker
//! early or forge another's. Run text inside a section is made inert by
//! the renderer (no `<` survives), so it cannot forge a marker either.

/// The first line of the gate's comment: how it is found.
pub const MARKER: &str = "<!-- vocera-gate -->";

const BEGIN: &str = "<!-- vocera-gate:begin ";
const END: &str = "<!-- vocera-gate:end ";
const CLOSE: &str = " -->";

/// A key as markers carry it.
pub fn escape_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'.' || b == b'_' {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `body` is the gate's comment.
pub fn is_ours(body: &str) -> bool {
    body.starts_with(MARKER)
}

/// The sections of `body`, each as (escaped key, its text from its begin
/// marker to its end marker, both included), in the order found; a begin
/// marker with no end is dropped, and a key seen twice keeps its first.
pub fn sections(body: &str) -> Vec<(&str, &str)> {
    let mut found: Vec<(&str, &str)> = Vec::new();
    let mut at = 0;
    while let Some(offset) = body[at..].find(BEGIN) {
        let start = at + offset;
        let after = start + BEGIN.len();
        let Some(key_len) = body[after..].find(CLOSE) else {
            break;
        };
        let key = &body[after..after + key_len];
        let head_end = after + key_len + CLOSE.len();
        let well_formed = !key.is_empty() && key == escape_key_of_escaped(key);
        let end_marker = format!("{END}{key}{CLOSE}");
        match body[head_end..].find(&end_marker) {
            Some(e) if well_formed => {
                let end = head_end + e + end_marker.len();
                if !found.iter().any(|(k, _)| *k == key) {
                    found.push((key, &body[start..end]));
                }
                at = end;
            }
            _ => at = head_end,
        }
    }
    found
}

/// `key` unchanged when it is a valid escaped key (else something else).
fn escape_key_of_escaped(key: &str) -> String {
    let valid = key
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_' || b == b'%');
    if valid { key.to_owned() } else { String::new() }
}

/// A section's whole text: `text` between the markers of `key`.
pub fn wrap(key: &str, text: &str) -> String {
    let key = escape_key(key);
    let text = text.trim_end_matches('\n');
    format!("{BEGIN}{key}{CLOSE}\n{text}\n{END}{key}{CLOSE}")
}

/// The section of `key` in `body`, markers included.
pub fn section_of<'a>(body: &'a str, key: &str) -> Option<&'a str> {
    let key = escape_key(key);
    sections(body)
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, text)| text)
}

/// The comment with `key`'s section set to `text` (added if absent), every
/// other section kept as it is, all in key order. `existing` is the
/// comment as read, if there is one.
pub fn merge(existing: Option<&str>, key: &str, text: &str) -> String {
    let ours = wrap(key, text);
    let escaped = escape_key(key);
    let mut all: Vec<(&str, &str)> = existing.map(sections).unwrap_or_default();
    all.retain(|(k, _)| *k != escaped);
    all.push((&escaped, &ours));
    all.sort_by(|a, b| a.0.cmp(b.0));
    let mut body = String::from(MARKER);
    for (_, section) in all {
        body.push('\n');
        body.push_str(section);
    }
    body.push('\n');
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_added_then_replaced_and_others_kept_byte_for_byte() {
        let first = merge(None, "b-job", "B one\n");
        assert_eq!(
            first,
            "<!-- vocera-gate -->\n<!-- vocera-gate:begin b%2Djob -->\nB one\n<!-- vocera-gate:end b%2Djob -->\n"
        );
        let two = merge(Some(&first), "a", "A *one*");
        let b = section_of(&first, "b-job").expect("b");
        assert!(two.contains(b));
        assert!(
            two.find("begin a ").expect("a") < two.find("begin b").expect("b"),
            "{two}"
        );
        let again = merge(Some(&two), "a", "A two");
        assert_eq!(section_of(&again, "b-job"), Some(b));
        assert_eq!(
            section_of(&again, "a"),
            Some("<!-- vocera-gate:begin a -->\nA two\n<!-- vocera-gate:end a -->")
        );
        assert_eq!(sections(&again).len(), 2);
        assert_eq!(merge(Some(&again), "a", "A two"), again, "stable");
    }

    #[test]
    fn a_key_cannot_forge_or_end_a_marker() {
        let hostile = "x --> <!-- vocera-gate:end a --> y";
        let escaped = escape_key(hostile);
        assert!(!escaped.contains("--") && !escaped.contains(' ') && !escaped.contains('>'));
        let body = merge(Some(&merge(None, "a", "A")), hostile, "H");
        assert_eq!(sections(&body).len(), 2, "{body}");
        assert_eq!(
            section_of(&body, "a"),
            Some("<!-- vocera-gate:begin a -->\nA\n<!-- vocera-gate:end a -->")
        );
        assert_ne!(
            escape_key("a b"),
            escape_key("a_b"),
            "distinct keys stay distinct"
        );
    }

    #[test]
    fn broken_sections_are_dropped_and_text_outside_is_not_kept() {
        let body = "<!-- vocera-gate -->\nhand edit\n<!-- vocera-gate:begin a -->\nno end\n";
        assert!(sections(body).is_empty());
        let merged = merge(Some(body), "b", "B");
        assert!(
            !merged.contains("hand edit") && merged.contains("begin b "),
            "{merged}"
        );
        assert!(is_ours(&merged) && !is_ours("hello <!-- vocera-gate -->"));
    }
}
