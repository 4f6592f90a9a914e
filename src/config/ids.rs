//! Run IDs from the arguments and `--run-ids-file`, checked without ever
//! echoing the API key (pasted among the IDs, it would be the bad token).

use crate::api::shows_key;
use crate::error::{Error, usage};
use std::io::Read;
use std::path::Path;

/// Every ID given, deduplicated in order. `keys` are the key values in play
/// (`--api-key`, `CEKURA_API_KEY`): a token holding one is refused without
/// being quoted.
pub fn collect(
    args: &[String],
    file: Option<&Path>,
    stdin: &mut dyn Read,
    keys: &[&str],
) -> Result<Vec<u64>, Error> {
    let hide_key = |e: Error| match e {
        // The token is quoted in the message; the key is looked for
        // anywhere in it too (a token may hold the key and more).
        Error::Usage(m)
            if keys
                .iter()
                .any(|k| m.contains(&format!("{k:?}")) || shows_key(&m, k)) =>
        {
            usage(
                "a run ID argument holds the API key; pass the key with --api-key or VOCERA_API_KEY, never among the run IDs",
            )
        }
        e => e,
    };
    let mut ids = Vec::new();
    for arg in args {
        parse_ids(arg, &mut ids, "run ID").map_err(hide_key)?;
    }
    if let Some(path) = file {
        let text = read_ids_file(path, stdin)?;
        // Editors on Windows start files with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        parse_ids(text, &mut ids, &format!("run ID in {}", path.display())).map_err(hide_key)?;
    }
    Ok(dedup(ids))
}

fn read_ids_file(path: &Path, stdin: &mut dyn Read) -> Result<String, Error> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        stdin
            .read_to_string(&mut s)
            .map_err(|e| usage(format!("cannot read run IDs from standard input: {e}")))?;
        return Ok(s);
    }
    std::fs::read_to_string(path).map_err(|e| {
        usage(format!(
            "cannot read --run-ids-file {}: {e}",
            path.display()
        ))
    })
}

/// Appends the IDs in `text` (separated by commas and/or whitespace).
pub fn parse_ids(text: &str, ids: &mut Vec<u64>, what: &str) -> Result<(), Error> {
    for token in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
    {
        let id = token
            .parse::<u64>()
            .ok()
            .filter(|id| *id > 0 && token.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                usage(format!(
                    "{what} {token:?} {}; give IDs like 181,180",
                    not_an_id(token)
                ))
            })?;
        ids.push(id);
    }
    Ok(())
}

/// Why `token` (trimmed) is no ID: too large when it is all digits, else
/// not a positive integer.
pub fn not_an_id(token: &str) -> std::borrow::Cow<'static, str> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    if digits && token.parse::<u64>().is_err() {
        format!("is too large; the largest is {}", u64::MAX).into()
    } else {
        "is not a positive integer".into()
    }
}

/// Drops repeated IDs; the first occurrence keeps its place.
pub fn dedup(ids: Vec<u64>) -> Vec<u64> {
    let mut seen = std::collections::HashSet::with_capacity(ids.len());
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_split_on_commas_and_whitespace_and_dedup_in_order() {
        let mut ids = Vec::new();
        parse_ids("181,180 ", &mut ids, "run ID").expect("valid");
        parse_ids("\n179\t181,,180\n", &mut ids, "run ID").expect("valid");
        assert_eq!(dedup(ids), vec![181, 180, 179]);
    }

    #[test]
    fn bad_ids_are_named() {
        for (bad, says) in [
            ("abc", "is not a positive integer"),
            ("-5", "is not a positive integer"),
            ("0", "is not a positive integer"),
            ("1.5", "is not a positive integer"),
            ("+3", "is not a positive integer"),
            (
                "99999999999999999999999",
                "is too large; the largest is 18446744073709551615",
            ),
        ] {
            let err = parse_ids(bad, &mut Vec::new(), "run ID").expect_err(bad);
            assert!(
                err.to_string().contains(&format!("{bad:?} {says}")),
                "{bad}: {err}"
            );
        }
        let mut ids = Vec::new();
        parse_ids("18446744073709551615", &mut ids, "run ID").expect("the largest");
        assert_eq!(ids, [u64::MAX]);
    }

    #[test]
    fn a_token_holding_the_key_is_refused_without_quoting_it() {
        let key = "vk_live_0123456789";
        let args = [format!("181,{key}")];
        let err = collect(&args, None, &mut std::io::empty(), &[key]).expect_err("not an ID");
        assert!(!err.to_string().contains(key), "{err}");
        assert!(err.to_string().contains("holds the API key"), "{err}");
    }
}
