//! GitHub's size limits, kept: a report too big for its place is cut by
//! whole rows (never a row, nor a UTF-8 character, in half), the most
//! important rows kept first, with a note of how many were left out and
//! where the full lists are. Below its limit a report is left as it is,
//! byte for byte.

/// GitHub drops a step summary over 1 MiB whole; the gate's part stays
/// under 1,000,000 bytes, leaving room for other steps' lines.
pub const SUMMARY_LIMIT: usize = 1_000_000;

/// GitHub refuses a step output over 1 MB; each value stays under it.
pub const OUTPUT_LIMIT: usize = 999_000;

/// Where the full lists are when a report is cut: the paths of the
/// reports written, empty when not written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FullLists<'a> {
    /// The JUnit report: every run.
    pub junit: &'a str,
    /// The `--json` report: every run, scenario, threshold and list.
    pub json: &'a str,
}

impl FullLists<'_> {
    /// `the JSON report r.json and the JUnit report vocera-junit.xml`, each
    /// path through `show`; the `--json` flag named when there is none.
    pub fn reports(&self, show: impl Fn(&str) -> String) -> String {
        match (self.json, self.junit) {
            ("", "") => "the JSON report (pass --json PATH for one)".to_owned(),
            ("", junit) => format!(
                "the JUnit report {} (pass --json PATH for every list)",
                show(junit)
            ),
            (json, "") => format!("the JSON report {}", show(json)),
            (json, junit) => format!(
                "the JSON report {} and the JUnit report {}",
                show(json),
                show(junit)
            ),
        }
    }

    /// `the JSON report r.json`: where every list of the step outputs is.
    pub fn json_report(&self, show: impl Fn(&str) -> String) -> String {
        match self.json {
            "" => "pass --json PATH for the full list".to_owned(),
            json => format!("the full list is in the JSON report {}", show(json)),
        }
    }
}

/// A list that may be cut: its rows, each with its own separator (a table
/// row ends in its line break, a name after the first starts with `; `),
/// and how many of the first ones matter most.
pub(crate) struct Rows {
    pub(crate) rows: Vec<String>,
    /// The rows before this index (failing ones) are kept before any
    /// list's other rows.
    pub(crate) important: usize,
}

/// How many rows of each list fit in `budget` bytes. The lists take turns,
/// a row each, first through their important rows, then through the rest;
/// each keeps a prefix of its rows, so a row is never skipped for a later,
/// smaller one. Deterministic: the same lists give the same counts.
pub(crate) fn fit(lists: &[Rows], budget: usize) -> Vec<usize> {
    let mut kept = vec![0; lists.len()];
    // A list whose next row did not fit takes no more rows.
    let mut full = vec![false; lists.len()];
    let mut used = 0usize;
    for important_only in [true, false] {
        loop {
            let mut grew = false;
            for (i, list) in lists.iter().enumerate() {
                let end = if important_only {
                    list.important.min(list.rows.len())
                } else {
                    list.rows.len()
                };
                if full[i] || kept[i] >= end {
                    continue;
                }
                let len = list.rows[kept[i]].len();
                if used + len <= budget {
                    used += len;
                    kept[i] += 1;
                    grew = true;
                } else {
                    full[i] = true;
                }
            }
            if !grew {
                break;
            }
        }
    }
    kept
}

/// The entries joined by `separator` when that fits in `limit` bytes;
/// else as many of the first as fit with `note(left out)` as the last
/// entry. The note is expected to fit: at worst it stands alone.
pub(crate) fn join_within(
    entries: &[impl AsRef<str>],
    separator: &str,
    limit: usize,
    note: impl Fn(usize) -> String,
) -> String {
    let whole: usize = entries.iter().map(|e| e.as_ref().len()).sum::<usize>()
        + separator.len() * entries.len().saturating_sub(1);
    if whole <= limit {
        return join(entries.iter().map(AsRef::as_ref), separator);
    }
    // The longest note any cut could need: the count of all the entries.
    let room = limit.saturating_sub(note(entries.len()).len() + separator.len());
    let mut used = 0usize;
    let mut kept = 0usize;
    for e in entries {
        let len = e.as_ref().len() + if kept == 0 { 0 } else { separator.len() };
        if used + len > room {
            break;
        }
        used += len;
        kept += 1;
    }
    let shown = entries[..kept].iter().map(AsRef::as_ref);
    let last = note(entries.len() - kept);
    join(shown.chain(std::iter::once(last.as_str())), separator)
}

fn join<'a>(parts: impl Iterator<Item = &'a str>, separator: &str) -> String {
    let mut out = String::new();
    for (i, part) in parts.enumerate() {
        if i > 0 {
            out.push_str(separator);
        }
        out.push_str(part);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(texts: &[&str], important: usize) -> Rows {
        Rows {
            rows: texts.iter().map(|t| (*t).to_owned()).collect(),
            important,
        }
    }

    #[test]
    fn lists_take_turns_important_rows_first_and_keep_prefixes() {
        let runs = rows(&["r1\n", "r2\n", "r3\n", "r4\n"], 1);
        let scenarios = rows(&["s1\n", "s2\n", "s3\n"], 3);
        // Room for five rows: the important ones (r1, s1, s2, s3), then r2.
        assert_eq!(fit(&[runs, scenarios], 15), [2, 3]);
        let a = rows(&["x", "aaaa", "c"], 3);
        let b = rows(&["y", "z"], 2);
        // "aaaa" does not fit after x and y: a stops there (c, which would
        // fit, is not taken past it), b goes on.
        assert_eq!(fit(&[a, b], 4), [1, 2]);
        let all = rows(&["1", "2"], 0);
        assert_eq!(fit(&[all], 100), [2], "everything when it fits");
        assert_eq!(fit(&[rows(&["12345"], 1)], 4), [0], "a row is never split");
    }

    #[test]
    fn a_joined_list_is_cut_by_whole_entries_with_the_count_last() {
        let names = ["α-one", "β-two", "γ-three"];
        let note = |n: usize| format!("… and {n} more");
        assert_eq!(
            join_within(&names, "\n", 100, note),
            "α-one\nβ-two\nγ-three",
            "untouched when it fits"
        );
        let cut = join_within(&names, "\n", 21, note);
        assert_eq!(cut, "α-one\n… and 2 more");
        assert!(cut.len() <= 21, "{}", cut.len());
        let tiny = join_within(&names, "\n", 3, note);
        assert_eq!(tiny, "… and 3 more", "the count alone at worst");
        let none: [&str; 0] = [];
        assert_eq!(join_within(&none, ",", 0, note), "");
    }

    #[test]
    fn the_full_lists_are_named_by_the_paths_written() {
        let show = |p: &str| format!("`{p}`");
        let both = FullLists {
            junit: "r.xml",
            json: "r.json",
        };
        assert_eq!(
            both.reports(show),
            "the JSON report `r.json` and the JUnit report `r.xml`"
        );
        let junit = FullLists {
            junit: "r.xml",
            json: "",
        };
        assert_eq!(
            junit.reports(show),
            "the JUnit report `r.xml` (pass --json PATH for every list)"
        );
        assert_eq!(
            junit.json_report(show),
            "pass --json PATH for the full list"
        );
        assert_eq!(
            both.json_report(show),
            "the full list is in the JSON report `r.json`"
        );
        assert_eq!(
            FullLists::default().reports(show),
            "the JSON report (pass --json PATH for one)"
        );
    }
}
