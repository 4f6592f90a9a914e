//! Which API key to use, and the mistakes around it that must fail before
//! any request: an empty key variable that swallowed the next flag, no key,
//! a key with a control character.

use crate::api::ApiKey;
use crate::cli::Args;
use crate::error::{Error, usage};

/// Refuses `--api-key` followed by one of our flags. `--api-key` takes
/// values that start with '-' (keys may), so with an empty key variable
/// (`--api-key $KEY --report-only`) it would take the next flag as the key
/// and drop that flag.
pub fn refuse_swallowed_flag(api_key: Option<&str>) -> Result<(), Error> {
    match api_key.filter(|k| names_a_flag(k)) {
        Some(flag) => Err(usage(format!(
            "--api-key was followed by the flag {flag} instead of a key; is the key variable empty? Set VOCERA_API_KEY or pass --api-key KEY"
        ))),
        None => Ok(()),
    }
}

/// The key values in play, trimmed, for hiding them in messages.
pub fn candidates<'a>(api_key: Option<&'a str>, cekura_key: Option<&'a str>) -> Vec<&'a str> {
    [api_key, cekura_key]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .collect()
}

/// The key: `--api-key` / `VOCERA_API_KEY`, else `CEKURA_API_KEY`. An empty
/// value (a CI template's "not set") does not hide the next one.
pub fn choose(api_key: Option<&str>, cekura_key: Option<&str>) -> Result<ApiKey, Error> {
    fn given(k: Option<&str>) -> Option<&str> {
        k.map(str::trim).filter(|k| !k.is_empty())
    }
    let key = given(api_key)
        .or_else(|| given(cekura_key))
        .ok_or_else(|| {
            usage("no API key; set VOCERA_API_KEY (or CEKURA_API_KEY) or pass --api-key")
        })?;
    if key.chars().any(|c| c.is_control()) {
        return Err(usage(
            "the API key holds a control character (a stray line break?); copy it again from the dashboard",
        ));
    }
    Ok(ApiKey::from(key.to_owned()))
}

/// Whether `value` is one of our flags (`--max-score`, `--junit=r.xml`,
/// `-q`, `-qv`) or the end-of-options marker `--`.
fn names_a_flag(value: &str) -> bool {
    use clap::CommandFactory;
    let mut cmd = Args::command();
    cmd.build();
    if value == "--" {
        return true;
    }
    if let Some(long) = value.strip_prefix("--") {
        let name = long.split('=').next().unwrap_or(long);
        return cmd.get_arguments().any(|a| a.get_long() == Some(name));
    }
    let shorts: Vec<char> = cmd.get_arguments().filter_map(|a| a.get_short()).collect();
    value
        .strip_prefix('-')
        .is_some_and(|s| (1..=3).contains(&s.len()) && s.chars().all(|c| shorts.contains(&c)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_key_does_not_hide_the_fallback() {
        let key = choose(Some("  "), Some("ck_123456")).expect("fallback");
        assert_eq!(key.expose(), "ck_123456");
        let err = choose(Some(""), None).expect_err("no key");
        assert!(err.to_string().starts_with("no API key"), "{err}");
        let err = choose(Some("ab\ncd"), None).expect_err("control");
        assert!(err.to_string().contains("control character"), "{err}");
    }

    #[test]
    fn a_flag_after_api_key_is_named() {
        for flag in ["--max-score", "--junit=r.xml", "-q", "-qv", "--"] {
            assert!(refuse_swallowed_flag(Some(flag)).is_err(), "{flag}");
        }
        for key in ["-abc123-real-key", "--not-our-flag", "vk_x"] {
            assert!(refuse_swallowed_flag(Some(key)).is_ok(), "{key}");
        }
    }
}
