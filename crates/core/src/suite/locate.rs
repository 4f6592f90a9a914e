//! Where a place in a spec is in its file: a path as the platform writes
//! it (`scenarios[1].metrics[0]`, `defaults.tags`) resolved against the
//! file's own text, formatting as it is, to a line and a column. The text
//! is walked, not rebuilt, so the position is the user's, byte for byte.

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step<'p> {
    Key(&'p str),
    Index(usize),
}

/// `scenarios[1].metrics[0]` as steps; a part that is not a clean index
/// (`[x]`) is read as a key, so it simply is not found.
fn steps(path: &str) -> Vec<Step<'_>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Step::Key(key));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let Some(close) = inner.find(']') else {
                out.push(Step::Key(rest));
                break;
            };
            match inner[..close].parse::<usize>() {
                Ok(i) => out.push(Step::Index(i)),
                Err(_) => out.push(Step::Key(&inner[..close])),
            }
            rest = &inner[close + 1..];
        }
    }
    out
}

/// A 1-based line and column (in characters) of the value at `path` in
/// the JSON `text`, or of the deepest part of the path that exists (a
/// missing field points at the object that lacks it). `None` when the text
/// is not the JSON the path walks.
pub(crate) fn position(text: &str, path: &str) -> Option<(usize, usize)> {
    let offset = find(text.as_bytes(), &steps(path))?;
    Some(line_column(text, offset))
}

/// The line and column of a byte offset.
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

fn find(bytes: &[u8], steps: &[Step<'_>]) -> Option<usize> {
    let mut at = skip_space(bytes, 0);
    if bytes.get(at) == Some(&0xEF) {
        // A byte-order mark.
        at = skip_space(bytes, at + 3);
    }
    for step in steps {
        match (step, bytes.get(at)?) {
            (Step::Key(key), b'{') => match member(bytes, at, key)? {
                Some(value) => at = value,
                None => return Some(at),
            },
            (Step::Index(index), b'[') => match element(bytes, at, *index)? {
                Some(value) => at = value,
                None => return Some(at),
            },
            _ => return Some(at),
        }
    }
    Some(at)
}

/// The start of member `key`'s value in the object at `open`, `Some(None)`
/// when it has no such member.
fn member(bytes: &[u8], open: usize, key: &str) -> Option<Option<usize>> {
    let mut at = skip_space(bytes, open + 1);
    if bytes.get(at) == Some(&b'}') {
        return Some(None);
    }
    loop {
        let end = skip_string(bytes, at)?;
        let name: String = serde_json::from_slice(&bytes[at..end]).ok()?;
        at = skip_space(bytes, end);
        if bytes.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(bytes, at + 1);
        if name == key {
            return Some(Some(at));
        }
        at = skip_space(bytes, skip_value(bytes, at)?);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b'}' => return Some(None),
            _ => return None,
        }
    }
}

/// The start of element `index` of the array at `open`.
fn element(bytes: &[u8], open: usize, index: usize) -> Option<Option<usize>> {
    let mut at = skip_space(bytes, open + 1);
    if bytes.get(at) == Some(&b']') {
        return Some(None);
    }
    for _ in 0..index {
        at = skip_space(bytes, skip_value(bytes, at)?);
        match bytes.get(at)? {
            b',' => at = skip_space(bytes, at + 1),
            b']' => return Some(None),
            _ => return None,
        }
    }
    Some(Some(at))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end (exclusive) of the string starting at `at`.
fn skip_string(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    loop {
        match bytes.get(i)? {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
}

/// The end (exclusive) of the value starting at `at`, nesting counted
/// without recursion.
fn skip_value(bytes: &[u8], at: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = at;
    loop {
        match bytes.get(i)? {
            b'"' => i = skip_string(bytes, i)?,
            b'{' | b'[' => {
                depth += 1;
                i += 1;
            }
            b'}' | b']' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' if depth == 0 => return Some(i),
            _ => i += 1,
        }
        if depth == 0 {
            // A scalar ends at the next delimiter.
            while let Some(b) = bytes.get(i) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                i += 1;
            }
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = "{\n  \"version\": \"1\",\n  \"defaults\": {\"metrics\": [\"a\", 12]},\n  \"scenarios\": [\n    {\"name\": \"Refund\", \"metrics\": [\"x\"]},\n    {\n      \"name\": \"Caf\\u00e9 \u{e9}\",\n      \"metrics\": [1, \"greetng_by_name\"]\n    }\n  ]\n}\n";

    #[test]
    fn paths_resolve_to_the_users_line_and_column() {
        assert_eq!(position(SPEC, "version"), Some((2, 14)));
        assert_eq!(position(SPEC, "defaults.metrics[1]"), Some((3, 33)));
        assert_eq!(position(SPEC, "scenarios[0].metrics[0]"), Some((5, 36)));
        assert_eq!(position(SPEC, "scenarios[1].metrics[1]"), Some((8, 22)));
        assert_eq!(position(SPEC, "scenarios[1].name"), Some((7, 15)));
    }

    #[test]
    fn a_missing_place_points_at_what_lacks_it() {
        assert_eq!(
            position(SPEC, "scenarios[1].instructions"),
            Some((6, 5)),
            "the case"
        );
        assert_eq!(position(SPEC, "scenarios[7]"), Some((4, 16)), "the list");
        assert_eq!(position(SPEC, ""), Some((1, 1)), "the file");
        assert_eq!(position(SPEC, "non_field_errors"), Some((1, 1)));
        assert_eq!(
            position(SPEC, "version[0]"),
            Some((2, 14)),
            "a scalar has no parts"
        );
    }

    #[test]
    fn steps_read_the_platforms_paths() {
        assert_eq!(
            steps("scenarios[1].metrics[0]"),
            [
                Step::Key("scenarios"),
                Step::Index(1),
                Step::Key("metrics"),
                Step::Index(0)
            ]
        );
        assert_eq!(steps("a[x]"), [Step::Key("a"), Step::Key("x")]);
        assert_eq!(steps("a[1"), [Step::Key("a"), Step::Key("[1")]);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(
            line_column("é\"x", 3),
            (1, 3),
            "é is one character of two bytes"
        );
        assert_eq!(line_column("a\nbc", 3), (2, 2));
    }
}
