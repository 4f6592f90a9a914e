//! Finding the secrets the gate holds (the API keys, a proxy's password) in
//! text, in every form text can carry them: as typed, JSON-escaped (`\/`,
//! `\u0073`), backslash-escaped as Markdown does (`\_`), percent-encoded
//! (once or twice: `%73`, `%2573`), or as an XML/HTML character reference
//! (`&#115;`, `&#x73;`, `&amp;`), each byte of the secret in any of those
//! forms independently. No byte has to appear as typed, the first ones
//! included, so a fully percent-encoded copy or `\u0073k-...` is found too.
//!
//! One [`Redactor`] is built once, from every secret the gate knows, before
//! anything is printed ([`install`]); the console, every file written and
//! the step outputs pass their text through it ([`hide`]), on top of the API
//! answers, which are hidden as they arrive. A message cut for length is
//! hidden before the cut ([`cut`]), so no prefix of a secret survives it.
//!
//! Pure functions over text; the installed redactor is set once per process.

use std::borrow::Cow;
use std::sync::OnceLock;

/// What an API key is replaced by.
pub const HIDDEN: &str = "[the API key]";

/// What the GitHub token (`GITHUB_TOKEN`) is replaced by.
pub const HIDDEN_TOKEN: &str = "[the GitHub token]";

/// What a proxy's password is replaced by.
pub const HIDDEN_PASSWORD: &str = "[the proxy password]";

/// A secret shorter than this is not looked for: hiding every `a` of a
/// message for a test key `a` would garble it, and real keys are long.
pub const SHORTEST: usize = 4;

/// The most bytes one byte of a secret spans encoded: a percent sign and
/// two hex digits, each as a character reference (`&#x000025;` is 10).
const WIDEST: usize = 30;

/// How many steps past the key's length one candidate match may take: a
/// secret made of bytes that several forms share (`\\\\`) cannot make the
/// scan exponential.
const SLACK: usize = 32;

/// A secret to look for.
#[derive(Clone, PartialEq, Eq)]
pub struct Pattern {
    key: Box<[u8]>,
    /// What it is replaced by.
    label: &'static str,
    /// For each byte value `b`, the lengths `j` (1 ≤ j < key length) of the
    /// key's prefixes that end with `b`: where a match may have started
    /// when its first encoded byte follows a `b` typed.
    prefixes_ending: Box<[Box<[u16]>]>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Pattern(<hidden>)")
    }
}

impl Pattern {
    /// An API key; `None` for one too short to look for.
    pub fn new(key: &str) -> Option<Pattern> {
        Pattern::labelled(key, HIDDEN)
    }

    /// A secret replaced by `label`; `None` for one too short to look for
    /// (or too long to be a key: 64 KiB).
    pub fn labelled(key: &str, label: &'static str) -> Option<Pattern> {
        if key.len() < SHORTEST || key.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut prefixes: Vec<Vec<u16>> = vec![Vec::new(); 256];
        for (i, b) in key.bytes().enumerate().take(key.len() - 1) {
            // i < key.len() ≤ u16::MAX, so i + 1 fits.
            prefixes[usize::from(b)].push(u16::try_from(i + 1).unwrap_or(u16::MAX));
        }
        Some(Pattern {
            key: key.as_bytes().into(),
            label,
            prefixes_ending: prefixes.into_iter().map(Vec::into_boxed_slice).collect(),
        })
    }

    /// The most bytes a match can span.
    pub fn widest(&self) -> usize {
        self.key.len() * WIDEST
    }

    /// Whether `text` holds the secret in any form.
    pub fn found_in(&self, text: &str) -> bool {
        let mut found = Vec::new();
        self.find(text.as_bytes(), &mut found);
        !found.is_empty()
    }

    /// Adds to `found` every match in `bytes` as (start, end, label).
    fn find(&self, bytes: &[u8], found: &mut Vec<Span>) {
        let mut push = |start: usize, end: usize| {
            // A match right after an odd run of backslashes starts inside an
            // escape (`\n...`): its first byte is the escape's, so only the
            // rest is hidden, and the escape stays whole. (`\u` + 4 hex
            // digits would break, so such a match is left.)
            let start = if escaped(bytes, start) {
                if self.key[0] == b'u' {
                    return;
                }
                start + 1
            } else {
                start
            };
            found.push(Span {
                start,
                end,
                label: self.label,
            });
        };
        // Typed in full: the fast common case.
        for at in memchr::memmem::find_iter(bytes, &self.key) {
            push(at, at + self.key.len());
        }
        // Any other match holds an encoded byte, so a `%`, `\` or `&`: it
        // starts there, or after a typed prefix of the key that ends there.
        for p in memchr::memchr3_iter(b'%', b'\\', b'&', bytes) {
            if let Some(end) = self.match_at(bytes, p) {
                push(p, end);
            }
            let Some(before) = p.checked_sub(1).map(|i| bytes[i]) else {
                continue;
            };
            for &j in self.prefixes_ending[usize::from(before)].iter() {
                let j = usize::from(j);
                let Some(start) = p.checked_sub(j) else {
                    continue;
                };
                if bytes[start..p] == self.key[..j] {
                    let mut budget = self.budget();
                    if let Some(end) = self.match_from(bytes, p, j, &mut budget) {
                        push(start, end);
                    }
                }
            }
        }
    }

    /// How many steps one candidate may take.
    fn budget(&self) -> usize {
        2 * self.key.len() + SLACK
    }

    /// Where the match starting at `at` ends, if one does.
    fn match_at(&self, bytes: &[u8], at: usize) -> Option<usize> {
        let mut budget = self.budget();
        self.match_from(bytes, at, 0, &mut budget)
    }

    /// Where the rest of the key, from its byte `from`, ends when it starts
    /// at `i`: each byte typed or in any encoded form, trying each reading
    /// where several apply (`%25` is `%` typed then `25`, or an encoded `%`).
    fn match_from(
        &self,
        bytes: &[u8],
        mut i: usize,
        mut from: usize,
        budget: &mut usize,
    ) -> Option<usize> {
        loop {
            let Some(&k) = self.key.get(from) else {
                return Some(i);
            };
            *budget = budget.checked_sub(1)?;
            let ends = readings(bytes, i, k);
            match ends {
                [None, None] => return None,
                [Some(end), None] | [None, Some(end)] => {
                    i = end;
                    from += 1;
                }
                [Some(a), Some(b)] => {
                    return self
                        .match_from(bytes, a, from + 1, budget)
                        .or_else(|| self.match_from(bytes, b, from + 1, budget));
                }
            }
        }
    }
}

/// Where the key byte `k` ends when read at `i`: encoded (directly or
/// percent-encoded twice), and typed.
fn readings(bytes: &[u8], i: usize, k: u8) -> [Option<usize>; 2] {
    let encoded = encoded(bytes, i).and_then(|(v, end)| match v {
        v if v == k => Some(end),
        b'%' => twice(bytes, end, k),
        _ => None,
    });
    let typed = (bytes.get(i) == Some(&k)).then_some(i + 1);
    if encoded == typed {
        [encoded, None]
    } else {
        [encoded, typed]
    }
}

/// After an encoded `%`: two hex digits, typed or encoded, that make `k`.
fn twice(bytes: &[u8], i: usize, k: u8) -> Option<usize> {
    let digit = |i: usize| {
        let (v, end) = encoded(bytes, i).or_else(|| Some((*bytes.get(i)?, i + 1)))?;
        Some((char::from(v).to_digit(16)?, end))
    };
    let (high, i) = digit(i)?;
    let (low, end) = digit(i)?;
    (high * 16 + low == u32::from(k)).then_some(end)
}

/// The byte an encoded form at `i` stands for, and where the form ends:
/// `%HH`; `\uHHHH` (ASCII); `\` and a punctuation character; `&#DD;`,
/// `&#xHH;` (ASCII) and the five XML entities.
fn encoded(bytes: &[u8], i: usize) -> Option<(u8, usize)> {
    match *bytes.get(i)? {
        b'%' => Some((byte(hex(bytes.get(i + 1..i + 3)?)?)?, i + 3)),
        b'\\' => match *bytes.get(i + 1)? {
            b'u' => Some((byte(hex(bytes.get(i + 2..i + 6)?)?)?, i + 6)),
            c if c.is_ascii_punctuation() => Some((c, i + 2)),
            _ => None,
        },
        b'&' => entity(bytes, i),
        _ => None,
    }
}

/// A character reference at `i` (its `&`) standing for an ASCII byte.
fn entity(bytes: &[u8], i: usize) -> Option<(u8, usize)> {
    let rest = bytes.get(i + 1..)?;
    for (name, v) in [
        (&b"amp;"[..], b'&'),
        (b"lt;", b'<'),
        (b"gt;", b'>'),
        (b"quot;", b'"'),
        (b"apos;", b'\''),
    ] {
        if rest.starts_with(name) {
            return Some((v, i + 1 + name.len()));
        }
    }
    let rest = rest.strip_prefix(b"#")?;
    let (radix, skip) = match rest.first()? {
        b'x' | b'X' => (16, 1),
        _ => (10, 0),
    };
    let digits = rest.get(skip..)?;
    let n = digits
        .iter()
        .take(7)
        .take_while(|d| char::from(**d).is_digit(radix))
        .count();
    if n == 0 || n > 6 || digits.get(n) != Some(&b';') {
        return None;
    }
    let value = digits[..n].iter().try_fold(0u32, |acc, d| {
        Some(acc * radix + char::from(*d).to_digit(radix)?)
    })?;
    Some((byte(value)?, i + 2 + skip + n + 1))
}

/// An ASCII value as a byte.
fn byte(value: u32) -> Option<u8> {
    u8::try_from(value).ok().filter(u8::is_ascii)
}

/// Hex digits, either case, as a number.
fn hex(digits: &[u8]) -> Option<u32> {
    digits.iter().try_fold(0u32, |n, d| {
        let v = char::from(*d).to_digit(16)?;
        Some(n * 16 + v)
    })
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

/// A stretch of text to replace.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    label: &'static str,
}

/// Every secret the gate knows, to hide wherever text leaves the process.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    patterns: Vec<Pattern>,
}

impl Redactor {
    /// From `(secret, label)` pairs; blank, repeated and too short ones are
    /// dropped, each is trimmed.
    pub fn new<'a>(secrets: impl IntoIterator<Item = (&'a str, &'static str)>) -> Redactor {
        let mut patterns: Vec<Pattern> = Vec::new();
        for (secret, label) in secrets {
            if let Some(p) = Pattern::labelled(secret.trim(), label)
                && !patterns.iter().any(|q| q.key == p.key)
            {
                patterns.push(p);
            }
        }
        Redactor { patterns }
    }

    /// API keys only, labelled [`HIDDEN`].
    pub fn of_keys<'a>(keys: impl IntoIterator<Item = &'a str>) -> Redactor {
        Redactor::new(keys.into_iter().map(|k| (k, HIDDEN)))
    }

    /// Whether it looks for nothing.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// The most bytes one match can span.
    pub fn widest(&self) -> usize {
        self.patterns.iter().map(Pattern::widest).max().unwrap_or(0)
    }

    /// `text` with every secret, in every form, replaced; borrowed (no copy)
    /// when it holds none.
    pub fn hide<'a>(&self, text: &'a str) -> Cow<'a, str> {
        self.hide_also(text, None)
    }

    /// [`hide`](Redactor::hide), also looking for `extra`.
    pub fn hide_also<'a>(&self, text: &'a str, extra: Option<&Pattern>) -> Cow<'a, str> {
        let spans = self.spans(text.as_bytes(), extra);
        if spans.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut copied = 0;
        for s in spans {
            // Matches start and end at ASCII bytes or at a key's own ends;
            // anything else (a key split inside a character) stays.
            if !(text.is_char_boundary(s.start) && text.is_char_boundary(s.end)) {
                continue;
            }
            out.push_str(&text[copied..s.start]);
            out.push_str(s.label);
            copied = s.end;
        }
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }

    /// [`hide`](Redactor::hide) for bytes (a report about to be written).
    pub fn hide_bytes<'a>(&self, bytes: &'a [u8]) -> Cow<'a, [u8]> {
        let spans = self.spans(bytes, None);
        if spans.is_empty() {
            return Cow::Borrowed(bytes);
        }
        let mut out = Vec::with_capacity(bytes.len());
        let mut copied = 0;
        for s in spans {
            out.extend_from_slice(&bytes[copied..s.start]);
            out.extend_from_slice(s.label.as_bytes());
            copied = s.end;
        }
        out.extend_from_slice(&bytes[copied..]);
        Cow::Owned(out)
    }

    /// The matches of every pattern, in order, overlapping ones merged.
    fn spans(&self, bytes: &[u8], extra: Option<&Pattern>) -> Vec<Span> {
        let mut found = Vec::new();
        for p in &self.patterns {
            p.find(bytes, &mut found);
        }
        if let Some(p) = extra.filter(|p| !self.patterns.iter().any(|q| q.key == p.key)) {
            p.find(bytes, &mut found);
        }
        if found.is_empty() {
            return found;
        }
        found.sort_by_key(|s| (s.start, std::cmp::Reverse(s.end)));
        let mut merged: Vec<Span> = Vec::with_capacity(found.len());
        for s in found {
            match merged.last_mut() {
                Some(last) if s.start < last.end => last.end = last.end.max(s.end),
                _ => merged.push(s),
            }
        }
        merged
    }
}

static INSTALLED: OnceLock<Redactor> = OnceLock::new();

/// Makes `redactor` the one every output uses, for the life of the process.
/// The first call wins; `false` when one was installed already.
pub fn install(redactor: Redactor) -> bool {
    INSTALLED.set(redactor).is_ok()
}

/// The installed redactor (one that hides nothing before [`install`]).
pub fn installed() -> &'static Redactor {
    static NONE: Redactor = Redactor {
        patterns: Vec::new(),
    };
    INSTALLED.get().unwrap_or(&NONE)
}

/// `text` with every secret the gate knows hidden.
pub fn hide(text: &str) -> Cow<'_, str> {
    installed().hide(text)
}

/// At most `max` characters of `text`, every secret hidden first, so the
/// cut cannot leave the start of one. `extra` is looked for too.
pub fn cut(text: &str, max: usize, extra: Option<&Pattern>) -> String {
    installed()
        .hide_also(text, extra)
        .chars()
        .take(max)
        .collect()
}

#[cfg(test)]
#[path = "secret_tests.rs"]
mod tests;
